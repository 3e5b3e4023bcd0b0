#!/usr/bin/env python3
"""Disclosure control against differencing (issue 13, item 1): an analyst
asks for every standard aggregate definition in total and broken down by
each dimension, then does what an attacker would: subtracts every published
figure from every total it belongs to (each breakdown, all breakdowns at
once, a score's bands or a segmentation's segments from the population),
over and over (interval propagation), and must pin down no count from 1 to
7 that a clinical director sees. A cross-tabulation of two dimensions is
refused to aggregate-only roles (with its margins it could pin a count).
Also: aggregate-only roles see figures only as of month ends and the data's
as-of date, not any day.
Usage: disclosure.py PATH-TO-PCN
"""
import datetime
import http.client
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

PCN = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="pcn-disclosure-")
DB = os.path.join(TMP, "d.db")
PASSWORD = "correct horse battery"
DIMS = ["practice", "age", "sex", "imd", "ethnicity"]  # one network: network adds nothing
KINDS = ["registers", "indicators", "scores", "segments"]
checks = 0
failures = []


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def pcn(*args, stdin=None):
    p = subprocess.run([PCN, *args], input=stdin, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, (args, p.stderr)
    return p.stdout


class Server:
    def __init__(self):
        self.err = open(os.path.join(TMP, "server.log"), "w+")
        self.proc = subprocess.Popen([PCN, "serve", "--db", DB, "--listen", "127.0.0.1:0",
                                      "--threads", "2", "--web", TMP],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on http://"), line
        self.host, port = line.strip()[len("listening on http://"):].rsplit(":", 1)
        self.port = int(port)

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=120)
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r.status, json.loads(text) if text else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)


class Client:
    def __init__(self, srv, name):
        self.srv = srv
        st, j = srv.request("POST", "/api/v1/login",
                            {"name": name, "password": PASSWORD, "client": "api"})
        assert st == 200, (name, st, j)
        self.auth = {"Authorization": "Bearer " + j["token"]}

    def get(self, path):
        return self.srv.request("GET", path, headers=self.auth)

    def report(self, kind, by, as_of=None):
        """Every result of a kind (all pages), by definition name."""
        out = {}
        offset = 0
        while True:
            path = "/api/v1/reports/%s?limit=100&offset=%d" % (kind, offset)
            path += "&by=" + ",".join(by) if by else ""
            path += "&as_of=" + as_of if as_of else ""
            st, j = self.get(path)
            assert st == 200, (path, st, j)
            for res in j["results"]:
                out[res["name"]] = res
            offset += len(j["results"])
            if offset >= j["total"]:
                return j, out


def flat_counts(res):
    """{(group key, measure): count}: every count measure of every group (labelled counts
    flattened), the total's key being ()."""
    out = {}
    for g in res["groups"]:
        key = tuple(sorted(g["key"].items()))
        for m, v in g.items():
            if m == "key" or m in ("percent", "mean"):
                continue
            if m == "counts":
                for label, n in v.items():
                    out[(key, "counts:" + label)] = n
            else:
                out[(key, m)] = v
    return out


def interval(shown, suppress, base):
    """What a published figure says about the count: '<N' for 0..N-1 (a 0 is withheld too,
    or the withheld counts beside it would be known to be at least 1), or a rounded figure n
    for n - base/2 .. n + base/2 (halves rounded up), never below N. The small counts to
    protect are 1..7 (suppress_below 8); N is 10 (8 and half the base of 5)."""
    if shown == "<%d" % suppress:
        return [0, suppress - 1]
    assert isinstance(shown, int), shown
    check(shown >= suppress and shown % base == 0, "published count %r is a multiple of %d" % (shown, base))
    return [max(suppress, shown - base // 2), shown + (base - 1) // 2]


def propagate(bounds, constraints):
    """Tighten bounds[cell] = [lo, hi] with every constraint total = sum(parts) until
    nothing changes: what subtracting published figures from each other can tell."""
    changed = True
    rounds = 0
    while changed and rounds < 1000:
        changed = False
        rounds += 1
        for total, parts in constraints:
            lo_sum = sum(bounds[p][0] for p in parts)
            hi_sum = sum(bounds[p][1] for p in parts)
            t = bounds[total]
            nt = [max(t[0], lo_sum), min(t[1], hi_sum)]
            if nt != t:
                bounds[total] = nt
                changed = True
            for p in parts:
                b = bounds[p]
                nb = [max(b[0], bounds[total][0] - (hi_sum - b[1])),
                      min(b[1], bounds[total][1] - (lo_sum - b[0]))]
                if nb != b:
                    bounds[p] = nb
                    hi_sum += nb[1] - b[1]
                    lo_sum += nb[0] - b[0]
                    changed = True
    return bounds


def margins(cells, by):
    """Constraints for one breakdown: each group of a finer breakdown sums to its group
    in every coarser one (the total, and for a pair each single dimension)."""
    cons = []
    measures = {m for (_, m) in cells}
    for sub in [()] + [(d,) for d in by] if len(by) > 1 else [()]:
        for m in measures:
            by_parent = {}
            for (key, mm) in cells:
                if mm != m or len(key) != len(by):
                    continue
                parent = tuple(kv for kv in key if kv[0] in sub)
                by_parent.setdefault(parent, []).append((key, m))
            for parent, parts in by_parent.items():
                cons.append(((parent, m), parts))
    return cons


def attack(name, views, truth, suppress, base):
    """views: {by: flat counts as an analyst sees them, keyed with the breakdown}."""
    bounds = {}
    constraints = []
    for by, cells in views.items():
        for (key, m), shown in cells.items():
            b = interval(shown, suppress, base)
            cell = (key, m)
            if cell in bounds:  # the same group published in two breakdowns (the total)
                b = [max(b[0], bounds[cell][0]), min(b[1], bounds[cell][1])]
            bounds[cell] = b
        # a group left out of a breakdown has nobody in its population: every count 0
        for total, parts in margins(cells, by):
            constraints.append((total, parts))
        # a score's bands or a segmentation's segments, with "(none)", add up to the population
        keys = {key for (key, m) in cells if m.startswith("counts:")}
        for key in keys:
            parts = [(key, m) for (k, m) in cells if k == key and m.startswith("counts:")]
            if truth[(key, "population")] == sum(truth[p] for p in parts):
                constraints.append(((key, "population"), parts))
    for cell in bounds:
        lo, hi = bounds[cell]
        check(lo <= truth[cell] <= hi, "%s %s: the published figure covers the count" %
              (name, cell))
    propagate(bounds, constraints)
    recovered = 0
    for cell, (lo, hi) in bounds.items():
        n = truth[cell]
        if 1 <= n < 8 and lo == hi:
            recovered += 1
            check(False, "%s %s: %d recovered by differencing" % (name, cell, n))
    return recovered


def main():
    pcn("init", "--db", DB)
    pcn("generate", "--db", DB, "--practices", "3", "--patients", "2000", "--seed", "13")
    for name, role in (("an1", "analyst"), ("cd1", "clinical_director"), ("ppg1", "ppg_member")):
        pcn("user", "add", "--db", DB, "--role", role, name, stdin=PASSWORD + "\n")
    srv = Server()
    try:
        an, cd, ppg = Client(srv, "an1"), Client(srv, "cd1"), Client(srv, "ppg1")
        head, _ = an.report("registers", [])
        suppress, base, as_of = head["suppress"], head["round"], head["as_of"]
        # suppress_below 8 and round_to 5: counts under 10 withheld (the largest, 9, is no small
        # count), the rest rounded to 5
        check(suppress == 10 and base == 5, "analyst figures: under 10 withheld, rounded to 5")
        chead, _ = cd.report("registers", [])
        check(chead["suppress"] == 0 and chead["round"] == 0, "clinical director: exact figures")

        small = 0
        recovered = 0
        for kind in KINDS:
            views = {}
            truth = {}
            for by in [[]] + [[d] for d in DIMS]:
                _, seen = an.report(kind, by)
                _, exact = cd.report(kind, by)
                for name, res in exact.items():
                    for cell, n in flat_counts(res).items():
                        truth.setdefault(name, {})[cell] = n
                        small += 1 <= n < 8
                    views.setdefault(name, {})[tuple(by)] = flat_counts(seen[name])
            for name in views:
                # each breakdown with the total, then every breakdown at once
                for d in DIMS:
                    subset = {(d,): views[name][(d,)], (): views[name][()]}
                    recovered += attack("%s by %s" % (name, d), subset, truth[name], suppress,
                                        base)
                recovered += attack("%s by every dimension" % name, views[name], truth[name],
                                    suppress, base)
        check(small > 300, "the population has small cells to protect (%d)" % small)
        check(recovered == 0, "no count 1..7 recovered (%d were)" % recovered)
        # a cross-tabulation (two dimensions) is refused to aggregate-only roles, served to others
        for pair in itertools.combinations(DIMS, 2):
            for c, who in ((an, "analyst"), (ppg, "ppg member")):
                st, j = c.get("/api/v1/reports/registers?by=" + ",".join(pair))
                check(st == 400 and "one dimension" in j["error"]["message"],
                      "%s: by=%s refused: %d" % (who, ",".join(pair), st))
            st, _ = cd.get("/api/v1/reports/registers?by=" + ",".join(pair))
            check(st == 200, "clinical director: by=%s: %d" % (",".join(pair), st))

        # published as-of dates only, for aggregate-only roles
        d = datetime.date.fromisoformat(as_of)
        month_end = (d.replace(day=1) - datetime.timedelta(days=1)).isoformat()
        day_before = (d - datetime.timedelta(days=1)).isoformat()
        if day_before == month_end:
            day_before = (d - datetime.timedelta(days=2)).isoformat()
        for c, who in ((an, "analyst"), (ppg, "ppg member")):
            st, j = c.get("/api/v1/reports/dm?as_of=" + day_before)
            check(st == 400 and "as_of" in j["error"]["message"],
                  "%s: figures of an ordinary day (%s) refused: %d" % (who, day_before, st))
            st, _ = c.get("/api/v1/reports/dm?as_of=" + month_end)
            check(st == 200, "%s: figures of a month end: %d" % (who, st))
            st, _ = c.get("/api/v1/reports/dm?as_of=" + as_of)
            check(st == 200, "%s: figures of the data's as-of date: %d" % (who, st))
        st, _ = cd.get("/api/v1/reports/dm?as_of=" + day_before)
        check(st == 200, "clinical director: any day: %d" % st)
    finally:
        srv.stop()
    print("%d checks, %d failures" % (checks, len(failures)))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
