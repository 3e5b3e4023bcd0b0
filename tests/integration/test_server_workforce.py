#!/usr/bin/env python3
"""Integration tests of the workforce and finance routes of `pcn serve` (the
server, clients and helpers of test_server.py): who may see what, the same
tables as the CLI, exact money, writes with CSRF, audit and optimistic
concurrency (409 with the current state), hostile input, and the claim
export. The registry is the NHS extract of tests/data/registry, the staff
tests/data/workforce/staff_good.csv; the figures are the hand-worked ones
of tests/unit/ops/test_workforce_ops.c. Usage: test_server_workforce.py PATH-TO-PCN
"""
import csv
import io
import json
import os
import shutil
import sqlite3
import sys

import test_server as ts
from test_server import Client, Server, check, is_error, pcn

SRC = os.environ.get("PCN_SOURCE_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
REG = os.path.join(SRC, "tests", "data", "registry")
WF = os.path.join(SRC, "tests", "data", "workforce")
DB = ts.DB
Y = "year=2024-25&network=U89141"


def make_fixture():
    # the NHS extracts as of 1 January 2024: the count the DES uses for 2024/25
    redated = []
    for name, old, new in (("mapping_extract.csv", "01Jul2026", "01Jan2024"),
                           ("list_size_extract.csv", "2026-07-01", "2024-01-01")):
        with open(os.path.join(REG, name)) as f:
            text = f.read().replace(old, new)
        redated.append(os.path.join(ts.TMP, name))
        with open(redated[-1], "w") as f:
            f.write(text)
    steps = [["init", "--db", DB], ["registry", "import", "--db", DB, *redated],
             ["workforce", "import", "--db", DB, "--network", "U89141",
              os.path.join(WF, "staff_good.csv")],
             ["workforce", "import", "--db", DB, "--census", os.path.join(WF, "census_extract.csv")],
             ["finance", "inputs", "--db", DB, "--network", "U89141", "--year", "2024-25",
              "--weighted", "70000", "--adjusted", "69000"]]
    for args in steps:
        rc, _, err = pcn(*args)
        assert rc == 0, (args, err)
    users = [("admin1", "admin", None), ("cd1", "clinical_director", None),
             ("pm1", "practice_manager", "A81001"), ("clin1", "clinician", None),
             ("lw1", "link_worker", None), ("ppg1", "ppg_member", None), ("an1", "analyst", None)]
    for name, role, prac in users:
        args = ["user", "add", "--db", DB, "--role", role, name]
        if prac:
            args[-1:-1] = ["--practice", prac]
        rc, _, err = pcn(*args, stdin=ts.PASSWORD + "\n")
        assert rc == 0, err
    os.makedirs(ts.WEB)
    with open(os.path.join(ts.WEB, "index.html"), "w") as f:
        f.write("<!doctype html><title>OpenPCN</title>")


def role_matrix(srv):
    routes = ["/api/v1/workforce?network=U89141", "/api/v1/workforce/summary?network=U89141",
              "/api/v1/workforce/compare?network=U89141", "/api/v1/finance?" + Y,
              "/api/v1/finance/claims?" + Y, "/api/v1/finance/claims/export?" + Y,
              "/api/v1/finance/distribution?" + Y,
              "/api/v1/finance/what-if?%s&role=paramedic&band=7&wte=1&start=2025-01-01" % Y,
              "/api/v1/finance/networks?year=2024-25"]
    D, F = 200, 403
    expect = {  # register summary compare finance claims export distribution what-if networks
        "admin1": [F, F, F, F, F, F, F, F, F],
        "cd1": [D, D, D, D, D, D, D, D, D],
        "pm1": [D, D, D, D, D, D, D, D, D],
        "clin1": [F, D, D, F, F, F, F, F, F],
        "lw1": [F, D, D, F, F, F, F, F, F],
        "ppg1": [F, D, D, F, F, F, F, F, F],
        "an1": [F, D, D, F, F, F, F, F, D],
    }
    bodies = {}
    for user, statuses in expect.items():
        c = Client(srv, user)
        for path, want in zip(routes, statuses):
            st, j, _, text = c.get(path)
            check(st == want, "finance role matrix %s GET %s: want %d got %d %s" %
                  (user, path, want, st, text[:160]))
            if want == F:
                check(is_error(j, "forbidden"), "403 body is a JSON error: %s %s" % (user, path))
            bodies[(user, path)] = text
        st, j, _, _ = c.post("/api/v1/workforce/1/end",
                             {"end": "2026-12-31", "version": 99})
        check(st == (409 if user in ("cd1", "pm1") else 403),
              "finance role matrix %s POST end: %d" % (user, st))
    # aggregate-only roles: no names or costs, small head counts suppressed
    for user in ("ppg1", "an1"):
        text = bodies[(user, routes[1])]
        check("Asha" not in text and "50000" not in text, "%s sees no names or costs" % user)
        rows = json.loads(text)["rows"]
        check(all(r["people"] is None and r["posts"] is None for r in rows if r["key"] != "total"),
              "%s: counts under 8 suppressed: %s" % (user, rows))
    rows = json.loads(bodies[("cd1", routes[1])])["rows"]
    check(any(r["people"] == 1 for r in rows), "clinical director sees the small counts")
    return bodies


def test_figures(srv):
    c = Client(srv, "pm1")
    st, j, _, _ = c.get("/api/v1/finance?" + Y + "&as_of=2025-01-15")
    check(st == 200 and j["network"] == "U89141" and j["year"] == "2024-25" and
          j["registered"] == 67850, "finance head: %s" % str(j)[:300])
    budget = {r["budget"]: r for r in j["budget"]["rows"]}["arrs"]
    check(budget["amount"] == "1602580.00" and budget["total"] == "121328.42" and
          budget["headroom"] == "1481251.58" and budget["months_left"] == 2,
          "ARRS budget, claims and headroom exact: %s" % budget)
    income = {r["line"]: r for r in j["income"]["rows"]}
    check(income["core"]["amount"] == "198653.30", "core funding exact: %s" % income["core"])
    check(j["inputs_version"] == 1, "inputs version shown")
    check(len([m for m in j["months"]["rows"] if m["budget"] == "arrs"]) == 12, "twelve months")
    st, j, _, _ = c.get("/api/v1/finance/claims?" + Y)
    claims = {r["person"]: r for r in j["rows"]}
    check(st == 200 and claims["P001"]["claim"] == "29156.00" and
          claims["P002"]["claim"] == "64089.00", "claims exact: %s" % list(claims.values())[:2])
    st, _, h, text = c.get("/api/v1/finance/claims/export?" + Y)
    rows = list(csv.DictReader(io.StringIO(text)))
    check(st == 200 and h.get("content-type", "").startswith("text/csv") and
          "attachment" in h.get("content-disposition", ""), "claim export is a CSV download")
    check(round(sum(float(r["amount_claimed"]) for r in rows), 2) == 121328.42,
          "claim export adds up to the claims")
    st, j, _, _ = c.get("/api/v1/finance/distribution?" + Y + "&method=registered")
    totals = [r for r in j["rows"] if r["line"] == "total"]
    check(st == 200 and len(totals) == 6, "distribution: six practices")
    st, j, _, _ = c.get("/api/v1/finance/what-if?%s&as_of=2025-01-15&role="
                        "first_contact_physiotherapist&wte=1&start=2025-02-01" % Y)
    check(st == 200 and j["rows"][0]["added"] == "10973.00" and
          j["rows"][0]["headroom_after"] == "1470278.58", "what-if exact: %s" % str(j)[:300])
    st, j, _, _ = c.get("/api/v1/finance/networks?year=2024-25")
    nets = {r["network"]: r for r in j["rows"]}
    check(st == 200 and nets["U89141"]["arrs_claims"] == "121328.42" and len(nets) == 4,
          "every network")
    # bad parameters
    for path, code in (("/api/v1/finance?year=1999-00&network=U89141", "invalid_parameter"),
                       ("/api/v1/finance?year=2024-25&network=nonsense", "invalid_parameter"),
                       ("/api/v1/finance?year=2024-25&network=U00000", "not_found"),
                       ("/api/v1/finance?year=2024-25&network=U89141&bogus=1", "unknown_parameter"),
                       ("/api/v1/finance/what-if?%s&role=wizard&wte=1&start=2025-01-01" % Y,
                        "invalid_parameter"),
                       ("/api/v1/finance/what-if?%s&role=paramedic&wte=9&start=2025-01-01" % Y,
                        "invalid_parameter"),
                       ("/api/v1/finance/distribution?%s&method=lottery" % Y, "invalid_parameter"),
                       ("/api/v1/workforce/summary?network=U89141&by=height", "invalid_parameter")):
        st, j, _, text = c.get(path)
        check(st in (400, 404) and is_error(j, code), "bad request %s: %d %s" % (path, st, text[:200]))


def test_shared_schemas(srv):
    """The CLI's --format json and the API give one table."""
    cd = Client(srv, "cd1")
    pairs = [(["workforce", "list"], "/api/v1/workforce", None),
             (["workforce", "report", "--by", "role"], "/api/v1/workforce/summary?by=role", None),
             (["workforce", "compare"], "/api/v1/workforce/compare", None),
             (["finance", "claims", "--year", "2024-25"], "/api/v1/finance/claims?year=2024-25",
              None),
             (["finance", "income", "--year", "2024-25"], "/api/v1/finance?year=2024-25", "income"),
             (["finance", "networks", "--year", "2024-25"],
              "/api/v1/finance/networks?year=2024-25", None)]
    for args, path, member in pairs:
        rc, out, err = pcn(*args, "--db", DB, "--network", "U89141", "--as-of", "2026-07-01",
                           "--format", "json") if args[1] != "networks" else \
            pcn(*args, "--db", DB, "--as-of", "2026-07-01", "--format", "json")
        sep = "&" if "?" in path else "?"
        st, j, _, _ = cd.get(path + sep + ("network=U89141&" if args[1] != "networks" else "") +
                             "as_of=2026-07-01")
        api = j[member] if member and j else j
        mine = json.loads(out) if rc == 0 else None
        check(rc == 0 and st == 200 and mine and
              (mine["kind"], mine["columns"], mine["rows"]) ==
              (api["kind"], api["columns"], api["rows"]),
              "pcn %s and GET %s give one table: %s %s / %s" % (" ".join(args), path, err[:200],
                                                               out[:200], json.dumps(api)[:200]))


def test_writes(srv):
    b = Client(srv, "pm1", browser=True)
    post = {"person": "N1", "role": "paramedic", "band": "7", "wte": 0.8, "employer": "network",
            "start": "2025-06-01", "cost": "52000.50", "funding": "arrs",
            "sites": [{"site": "A81001", "sessions": 6}, {"site": "A81017", "sessions": 2}]}
    st, j, _, _ = b.post("/api/v1/workforce?network=U89141", post, csrf=False)
    check(st == 403 and is_error(j, "csrf"), "cookie write without CSRF refused")
    st, j, _, text = b.post("/api/v1/workforce?network=U89141", post)
    check(st == 201 and j["version"] == 1 and j["id"] > 0, "post added: %d %s" % (st, text[:200]))
    pid = j["id"] if st == 201 else 0
    st, j, _, _ = b.get("/api/v1/workforce?network=U89141&as_of=2025-07-01")
    mine = [r for r in j["rows"] if r["person"] == "N1"]
    check(mine and mine[0]["wte"] == "0.8" and mine[0]["cost"] == "52000.50" and
          mine[0]["sites"] == "A81001=6;A81017=2", "the post as stored: %s" % mine)
    # the same again overlaps: refused with the findings, nothing written
    st, j, _, text = b.post("/api/v1/workforce?network=U89141", post)
    check(st == 400 and is_error(j, "invalid_field") and
          any(f["code"] == "overlap" for f in j["error"]["findings"]),
          "overlap refused with findings: %s" % text[:300])
    # end it by version; a stale version gets 409 with the current state
    st, j, _, text = b.post("/api/v1/workforce/%d/end" % pid,
                            {"end": "2025-12-31", "version": 1})
    check(st == 200 and j["version"] == 2, "end by version: %s" % text[:200])
    st, j, _, text = b.post("/api/v1/workforce/%d/end" % pid,
                            {"end": "2026-01-31", "version": 1})
    check(st == 409 and is_error(j, "conflict") and j["error"]["current"]["version"] == 2 and
          j["error"]["current"]["end"] == "2025-12-31", "409 with the current post: %s" % text[:300])
    st, j, _, _ = b.post("/api/v1/workforce/999999/end",
                         {"end": "2026-01-31", "version": 1})
    check(st == 404 and is_error(j, "not_found"), "end of no such post 404")
    # finance inputs by version
    body = {"year": "2025-26", "version": 0, "weighted": 72000, "adjusted": None,
            "allocations": [{"line": "arrs", "pounds": "1900000.00"}],
            "agreement": [{"rule": "method", "line": "all", "value": "weighted"}]}
    st, j, _, text = b.post("/api/v1/finance/inputs?network=U89141", body)
    check(st == 200 and j["version"] == 1, "inputs saved: %s" % text[:200])
    st, j, _, text = b.post("/api/v1/finance/inputs?network=U89141", body)
    check(st == 409 and is_error(j, "conflict") and j["error"]["current"]["kind"] == "finance_inputs",
          "inputs 409 with the current inputs: %s" % text[:300])
    st, j, _, _ = b.get("/api/v1/finance?network=U89141&year=2025-26")
    budget = {r["budget"]: r for r in j["budget"]["rows"]}["arrs"]
    check(budget["amount"] == "1900000.00" and budget["allocation"] is True, "allocation used")
    # hostile and malformed writes: 400, nothing stored
    before = sqlite3.connect(DB).execute("select count(*), max(version) from staff_post").fetchone()
    bad = [
        (dict(post, person="N2", wte="0.8; DROP TABLE staff_post"), "invalid_field"),
        (dict(post, person="N2", wte=-1), "invalid_field"),
        (dict(post, person="N2", cost="-5"), "invalid_field"),
        (dict(post, person="N2", role="'; DELETE FROM audit; --"), "invalid_field"),
        (dict(post, person="N2", start="2025-02-30"), "invalid_field"),
        (dict(post, person="N2", sites=[{"site": "S%d" % i} for i in range(40)]), "invalid_field"),
        (dict(post, person="N2", band=7.5), "invalid_field"),
        (dict(post, person="N2", owner="me"), "unknown_field"),
        (dict(post, person="x" * 5000), None),
        (dict(post, person="N2", name=["a"]), "invalid_field"),
        (dict(post, person="N2", sites=[{"site": "", "sessions": 2}]), "invalid_field"),
    ]
    for body, code in bad:
        st, j, _, text = b.post("/api/v1/workforce?network=U89141", body)
        check(st in (400, 413) and is_error(j, code), "hostile write refused: %s -> %d %s" %
              (str(body)[:80], st, text[:200]))
    after = sqlite3.connect(DB).execute("select count(*), max(version) from staff_post").fetchone()
    check(before == after, "hostile writes stored nothing")
    st, j, _, _ = b.post("/api/v1/finance/inputs?network=U89141",
                         {"year": "2025-26", "version": 1, "caip_percent": 101})
    check(st == 400 and is_error(j, "invalid_field"), "caip_percent over 100 refused")
    st, j, _, _ = b.post("/api/v1/finance/inputs?network=U89141",
                         {"year": "2025-26", "version": 1,
                          "agreement": [{"rule": "method", "line": "all", "value": "lottery"}]})
    check(st == 400 and is_error(j, "invalid_field") and "lottery" in j["error"]["message"],
          "a bad agreement rule refused by name")


def test_audit(srv):
    admin = Client(srv, "admin1")
    st, j, _, _ = admin.get("/api/v1/audit?limit=500")
    rows = j["rows"]
    check(any(r["route"] == "/api/v1/workforce" and r["method"] == "POST" and r["status"] == 201 and
              r["user"] == "pm1" for r in rows), "post added audited")
    check(any(r["route"] == "/api/v1/workforce/{id}/end" and r["status"] == 409 for r in rows),
          "refused end audited")
    check(any(r["route"] == "/api/v1/finance/claims/export" and r["status"] == 200 for r in rows),
          "claim export audited")
    check(any(r["route"] == "/api/v1/finance/inputs" and r["status"] == 200 for r in rows),
          "inputs saved audited")
    st, j, _, _ = admin.get("/api/v1/audit/verify")
    check(st == 200 and j["intact"] is True, "audit chain intact")


def main():
    make_fixture()
    srv = Server()
    try:
        role_matrix(srv)
        test_figures(srv)
        test_shared_schemas(srv)
        test_writes(srv)
        test_audit(srv)
    finally:
        log = srv.stop()
    check(srv.proc.returncode == 0, "server exit status 0")
    check("Asha" not in log and "52000" not in log, "no staff detail in the server log")
    print("%d checks, %d failed" % (ts.checks, len(ts.failures)))
    if ts.failures:
        print("server log:\n" + log[-3000:], file=sys.stderr)
        return 1
    shutil.rmtree(ts.TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
