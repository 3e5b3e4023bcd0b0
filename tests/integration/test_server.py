#!/usr/bin/env python3
"""Integration tests of `pcn serve`: start the real server on loopback with
--listen 127.0.0.1:0, read the bound address from its stdout, and check every
route, the role matrix, sessions/CSRF/throttling, the audit chain (including
tampering), bad input and graceful shutdown. Usage: test_server.py PATH-TO-PCN
"""
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

PCN = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="pcn-server-it-")
DB = os.path.join(TMP, "t.db")
WEB = os.path.join(TMP, "web")
PASSWORD = "correct horse battery"
NHS_NUMBERS = ["9434765919", "9434765870", "9434765862"]
checks = 0
failures = []


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def pcn(*args, stdin=None):
    p = subprocess.run([PCN, *args], input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


# ---- fixture: a network of two practices, three patients, users of every role ----

def day(y, m, d):
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def make_fixture():
    rc, _, err = pcn("init", "--db", DB)
    assert rc == 0, err
    db = sqlite3.connect(DB)
    db.executescript("""
      INSERT INTO network (code, name, clinical_director) VALUES ('U00001', 'Test PCN', 'Dr Who');
      INSERT INTO network (code, name) VALUES ('U00002', 'Other PCN');
      INSERT INTO practice (code, name, postcode) VALUES ('A81001', 'North Surgery', 'TS1 1AA');
      INSERT INTO practice (code, name, postcode) VALUES ('A81002', 'South Surgery', 'TS2 2BB');
      INSERT INTO practice (code, name) VALUES ('B82001', 'Far Away Practice');
    """)
    start = day(2020, 1, 1)
    for p, n in (("A81001", "U00001"), ("A81002", "U00001"), ("B82001", "U00002")):
        db.execute("INSERT INTO membership VALUES (?, ?, ?, NULL)", (p, n, start))
    # List sizes published before the records were extracted (the default as-of date is the
    # latest record, 2024-02-01, later than every registry date: the database has no data_as_of).
    for p, n in (("A81001", 20000), ("A81002", 15000), ("B82001", 9000)):
        db.execute("INSERT INTO list_size VALUES (?, ?, ?)", (p, day(2024, 1, 1), n))
    # A tiny band (3 patients) must be suppressed for aggregate-only roles.
    db.execute("INSERT INTO list_band VALUES ('A81002', ?, 'F', 95, 3)", (day(2024, 1, 1),))
    db.execute("INSERT INTO list_band VALUES ('A81002', ?, 'M', 40, 900)", (day(2024, 1, 1),))
    pats = [("P1", NHS_NUMBERS[0], "Smith", "Ann", day(1950, 3, 1), "F", "A81001"),
            ("P2", NHS_NUMBERS[1], "Jones", "Bob", day(1980, 6, 2), "M", "A81002"),
            ("P3", NHS_NUMBERS[2], "Brown", "Cy", day(2001, 9, 3), "M", "A81001")]
    keys = {}
    for pid, nhs, fam, given, dob, sex, prac in pats:
        cur = db.execute("INSERT INTO patient (patient_id, nhs_number, family_name, given_name, "
                         "date_of_birth, sex, practice) VALUES (?,?,?,?,?,?,?)",
                         (pid, nhs, fam, given, dob, sex, prac))
        keys[pid] = cur.lastrowid
    k = keys["P1"]
    ev = "INSERT INTO event (patient, date, kind, system, code, value, unit) VALUES (?,?,?,?,?,?,?)"
    db.execute(ev, (k, day(2023, 1, 5), 1, "snomed", "38341003", None, None))
    db.execute(ev, (k, day(2023, 2, 1), 2, "snomed", "271649006", 150.0, "mm[Hg]"))
    db.execute(ev, (k, day(2024, 2, 1), 2, "snomed", "271649006", 138.0, "mm[Hg]"))
    db.execute("INSERT INTO medication (patient, start_date, system, code) VALUES (?,?,?,?)",
               (k, day(2023, 1, 6), "dmd", "318135005"))
    # Terms for two of P1's codes; the diagnosis 38341003 has none.
    db.execute("INSERT INTO term VALUES ('snomed', '271649006', 'Systolic blood pressure')")
    db.execute("INSERT INTO term VALUES ('dmd', '318135005', 'Amlodipine 5mg tablets')")
    db.execute("INSERT INTO term VALUES ('snomed', '22298006', 'Myocardial infarction')")
    # Records written by hand, not through the store: forget the records' latest date the store
    # keeps at every commit, so that it is found from the records (pcn_store_default_as_of()).
    db.execute("DELETE FROM meta WHERE key = 'records_last_date'")
    # P1 lives where the postcode table reaches: the directory measures from their home
    db.execute("UPDATE patient SET postcode = 'SM1 1AG', lsoa = 'E01004142' WHERE patient_id = 'P1'")
    db.commit()
    db.close()
    users = [("admin1", "admin", None), ("cd1", "clinical_director", None),
             ("pm1", "practice_manager", "A81001"), ("clin1", "clinician", None),
             ("lw1", "link_worker", None), ("ppg1", "ppg_member", None),
             ("an1", "analyst", None), ("victim", "clinician", None), ("lw2", "link_worker", None),
             ("lw3", "link_worker", None)]
    for name, role, prac in users:
        args = ["user", "add", "--db", DB, "--role", role, name]
        if prac:
            args[-1:-1] = ["--practice", prac]
        rc, _, err = pcn(*args, stdin=PASSWORD + "\n")
        assert rc == 0, err
    os.makedirs(WEB)
    with open(os.path.join(WEB, "index.html"), "w") as f:
        f.write("<!doctype html><title>OpenPCN</title>")
    os.symlink("/etc/passwd", os.path.join(WEB, "leak.txt"))
    return keys


# ---- the server ----

class Server:
    def __init__(self, *extra):
        self.err = open(os.path.join(TMP, "server-%d.log" % len(os.listdir(TMP))), "w+")
        self.proc = subprocess.Popen([PCN, "serve", "--db", DB, "--listen", "127.0.0.1:0",
                                      "--threads", "2", "--web", WEB, "--access-log", *extra],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()  # blocks until the server has bound
        assert line.startswith("listening on http://"), line
        self.host, port = line.strip()[len("listening on http://"):].rsplit(":", 1)
        self.port = int(port)

    def request(self, method, path, body=None, headers=None, raw_body=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(headers or {})
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        try:
            j = json.loads(text) if text else None
        except ValueError:
            j = None
        return r.status, j, hdrs, text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.err.seek(0)
        return self.err.read()


class Client:
    """A signed-in user: bearer token (api) or cookie + CSRF (browser)."""

    def __init__(self, srv, name, browser=False):
        self.srv = srv
        body = {"name": name, "password": PASSWORD}
        if not browser:
            body["client"] = "api"
        st, j, h, _ = srv.request("POST", "/api/v1/login", body)
        assert st == 200, (name, st, j)
        self.csrf = j["csrf_token"]
        self.set_cookie = h.get("set-cookie")
        if browser:
            self.auth = {"Cookie": self.set_cookie.split(";")[0]}
        else:
            self.auth = {"Authorization": "Bearer " + j["token"]}

    def get(self, path):
        return self.srv.request("GET", path, headers=self.auth)

    def post(self, path, body=None, csrf=True, **kw):
        h = dict(self.auth)
        if csrf:
            h["X-CSRF-Token"] = self.csrf
        return self.srv.request("POST", path, body, headers=h, **kw)


def is_error(j, code=None):
    return (isinstance(j, dict) and "error" in j and isinstance(j["error"].get("message"), str)
            and (code is None or j["error"].get("code") == code))


# ---- tests ----

def test_health_and_unauthenticated(srv):
    st, j, h, _ = srv.request("GET", "/api/v1/health")
    check(st == 200 and j["status"] == "ok" and j["schema_version"] >= 3, "health")
    check(h.get("content-type") == "application/json", "health content type")
    for path in ("/api/v1/me", "/api/v1/network", "/api/v1/patients/1", "/api/v1/users"):
        st, j, _, _ = srv.request("GET", path)
        check(st == 401 and is_error(j, "unauthenticated"), "401 without session: " + path)
    st, j, _, _ = srv.request("GET", "/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    check(st == 401 and is_error(j), "401 with a made-up token")


def role_matrix(srv, keys):
    own, other = keys["P1"], keys["P2"]  # P1 at A81001 (pm1's practice), P2 at A81002
    routes = ["/api/v1/me", "/api/v1/network", "/api/v1/networks", "/api/v1/practices",
              "/api/v1/practices/A81002", "/api/v1/patients/%d" % own,
              "/api/v1/patients/%d" % other, "/api/v1/users", "/api/v1/audit",
              "/api/v1/audit/verify", "/api/v1/reports/registers?by=practice",
              "/api/v1/indicators", "/api/v1/worklists/cvd_no_bp", "/api/v1/worklists",
              "/api/v1/sp/assets", "/api/v1/sp/referrals", "/api/v1/sp/caseload?link_worker=lw1",
              "/api/v1/sp/outcomes", "/api/v1/sp/outcomes/people", "/api/v1/sp/reports/caseloads",
              "/api/v1/sp/patients/%d/assets" % own, "/api/v1/sp/patients/%d/assets" % other]
    D, F, N = 200, 403, 404
    expect = {  # me network networks practices practice patient-own patient-other users audit
        #         verify reports indicators worklist worklists; sp: assets referrals caseload
        #         outcomes outcome-people reports patient-assets patient-other-assets
        "admin1": [D, F, F, F, F, F, F, D, D, D, F, F, F, F] + [F, F, F, F, F, F, F, F],
        "cd1": [D, D, D, D, D, D, D, F, F, F, D, D, D, D] + [D, D, D, D, D, D, D, D],
        "pm1": [D, D, D, D, D, D, N, F, F, F, D, D, D, D] + [D, D, D, D, D, D, D, N],
        "clin1": [D, D, D, D, D, D, D, F, F, F, D, D, D, D] + [D, D, F, D, D, D, D, D],
        # a link worker sees a patient only through an open referral of their own (none yet)
        "lw1": [D, D, D, D, D, F, F, F, F, F, D, D, F, F] + [D, D, D, D, D, D, F, F],
        "ppg1": [D, D, D, D, D, F, F, F, F, F, D, D, F, F] + [D, F, F, D, F, D, F, F],
        "an1": [D, D, D, D, D, F, F, F, F, F, D, D, F, F] + [D, F, F, D, F, D, F, F],
    }
    bodies = {}
    for user, statuses in expect.items():
        c = Client(srv, user)
        for path, want in zip(routes, statuses):
            st, j, _, text = c.get(path)
            check(st == want, "role matrix %s GET %s: want %d got %d %s" % (user, path, want, st,
                                                                           text[:120]))
            if want == 403:
                check(is_error(j, "forbidden"), "403 body is a JSON error: %s %s" % (user, path))
            bodies[(user, path)] = text
        # writes: only admin may add users
        st, j, _, _ = c.post("/api/v1/users", {"name": "new_" + user, "role": "analyst",
                                               "password": PASSWORD})
        check(st == (201 if user == "admin1" else 403), "role matrix %s POST /users: %d" % (user, st))
    # aggregate-only roles: small numbers suppressed, never an NHS number anywhere
    for user in ("ppg1", "an1"):
        detail = json.loads(bodies[(user, "/api/v1/practices/A81002")])
        small = [b for b in detail["bands"] if b["age_from"] == 95][0]
        big = [b for b in detail["bands"] if b["age_from"] == 40][0]
        check(small["patients"] is None and big["patients"] == 900,
              "%s sees suppressed small counts" % user)
        for (u, _), text in bodies.items():
            if u == user:
                check(not any(n in text for n in NHS_NUMBERS), "%s never sees an NHS number" % u)
    for user in ("ppg1", "an1"):
        rep = json.loads(bodies[(user, "/api/v1/reports/registers?by=practice")])
        groups = [g for res in rep["results"] for g in res["groups"]]
        # suppress_below 8 and round_to 5: counts under 10 withheld, the rest rounded
        check(rep["suppress"] == 10 and rep["round"] == 5
              and all(g["population"] == "<10" for g in groups),
              "%s gets suppressed report counts" % user)
        check("patient_id" not in bodies[(user, "/api/v1/reports/registers?by=practice")],
              "%s report has no patient identifiers" % user)
    # another practice's patient looks exactly like a key that names nobody (issue 13 item 5)
    st, _, _, missing = Client(srv, "pm1").get("/api/v1/patients/999999")
    check(st == 404 and bodies[("pm1", "/api/v1/patients/%d" % other)] == missing,
          "practice manager: another practice's patient answers as a missing key")
    st, _, _, missing = Client(srv, "pm1").get("/api/v1/sp/patients/999999/assets")
    check(st == 404 and bodies[("pm1", "/api/v1/sp/patients/%d/assets" % other)] == missing,
          "practice manager: the directory from another practice's patient's home is a missing key")
    rep = json.loads(bodies[("cd1", "/api/v1/reports/registers?by=practice")])
    check(rep["suppress"] == 0 and rep["results"][0]["groups"][0]["population"] == 3,
          "clinical director gets unsuppressed report counts")
    wl_cd = json.loads(bodies[("cd1", "/api/v1/worklists/cvd_no_bp")])
    wl_pm = json.loads(bodies[("pm1", "/api/v1/worklists/cvd_no_bp")])
    check([r["practice"] for r in wl_cd["rows"]] == ["A81002"], "worklist rows network-wide")
    check(wl_pm["rows"] == [] and wl_pm["total"] == 0, "practice manager sees own practice rows")
    detail = json.loads(bodies[("cd1", "/api/v1/practices/A81002")])
    small = [b for b in detail["bands"] if b["age_from"] == 95][0]
    check(small["patients"] == 3, "clinical director sees unsuppressed counts")
    return bodies


# ---- social prescribing ----

HERE = os.path.dirname(os.path.abspath(__file__))


def sp_assets_csv():
    """tests/data/sp/assets.csv without its id column: new assets for an empty directory."""
    import csv
    import io
    with open(os.path.join(HERE, "..", "data", "sp", "assets.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    out = io.StringIO()
    w = csv.DictWriter(out, [k for k in rows[0] if k != "id"], lineterminator="\n")
    w.writeheader()
    for r in rows:
        r.pop("id")
        w.writerow(r)
    return out.getvalue()


def test_social_prescribing(srv, keys):
    # runs last of the server tests: coding back adds events to the records (lw1 is disabled by
    # then, so lw2 is the link worker and lw3 another one)
    cd, clin, pm = Client(srv, "cd1"), Client(srv, "clin1"), Client(srv, "pm1")
    lw, lw2, ppg = Client(srv, "lw2"), Client(srv, "lw3"), Client(srv, "ppg1")
    # the directory: a CSV import (all or nothing), search by category and distance, export
    st, j, _, _ = lw.post("/api/v1/sp/assets/import", {"csv": "name,categories\nA,knitting\n"})
    check(st == 400 and is_error(j, "invalid_field") and j["error"]["message"].startswith(
        "csv:2: column 'categories': unknown category 'knitting'"), "bad directory CSV: %s" % j)
    st, j, _, _ = lw.post("/api/v1/sp/assets/import", {"csv": sp_assets_csv()})
    check(st == 200 and j["rows"] == 7 and j["located"] == 5 and j["outside_coverage"] == 1 and
          j["without_postcode"] == 1, "directory import: %s" % j)
    st, j, _, _ = ppg.get("/api/v1/sp/assets?category=physical_activity,loneliness&postcode=SM1+1AA"
                          "&km=20")
    names = [r["name"] for r in j["rows"]] if st == 200 else []
    check(st == 200 and j["kind"] == "sp_assets" and names[0] == "Sutton Walking Group" and
          j["rows"][0]["km"] == 0 and j["origin"]["lsoa"] == "E01004142" and
          "Closed Lunch Club" not in names, "directory search by category and distance: %s" % names)
    st, j, _, _ = cd.get("/api/v1/sp/assets?text=COPD+singing")
    check(st == 200 and [r["name"] for r in j["rows"]] == ["Sing for Better Breathing"],
          "directory free-text search")
    st, j, _, _ = cd.get("/api/v1/sp/assets?limit=2&offset=5")
    check(st == 200 and j["total"] == 6 and len(j["rows"]) == 1, "directory paging: %s" % j)
    st, _, h, text = cd.get("/api/v1/sp/assets/export")
    rc, out, _ = pcn("sp", "assets", "export", "--db", DB)
    check(st == 200 and h["content-type"].startswith("text/csv") and rc == 0 and text == out and
          text.startswith("id,name,organisation,categories,"), "directory CSV export = CLI export")
    for q in ("category=knitting", "postcode=XX1+1XX", "postcode=ZZ99+9ZZ", "km=-1", "km=abc",
              "age=200", "limit=0", "stale=2", "text=" + "w" * 201, "colour=red"):
        st, j, _, _ = cd.get("/api/v1/sp/assets?" + q)
        check(st == 400 and is_error(j), "bad directory search %s: %d" % (q, st))
    # an asset added, updated with the version read, then a stale update: 409 with it as it is now
    st, j, _, _ = lw.post("/api/v1/sp/assets", {"name": "Tuesday Walk", "categories":
                                                ["physical_activity"], "postcode": "SM1 1AA",
                                                "cost": "free", "sessions": "Tue 10:00-11:00"})
    aid = j["id"] if st == 201 else 0
    check(st == 201 and j["version"] == 1, "asset added: %s" % j)
    st, j, _, _ = cd.post("/api/v1/sp/assets/%d" % aid, {"version": 1, "name": "Tuesday Walk",
                                                        "categories": "physical_activity",
                                                        "cost": "2.50"})
    check(st == 200 and j["version"] == 2, "asset updated")
    st, j, _, _ = lw.post("/api/v1/sp/assets/%d" % aid, {"version": 1, "name": "Old Walk",
                                                        "categories": "physical_activity"})
    check(st == 409 and is_error(j, "conflict") and j["current"]["rows"][0]["version"] == 2 and
          j["current"]["rows"][0]["cost"] == "2.50", "stale asset update: 409 with the current asset")
    for body, what in (({"name": "x", "categories": "carers", "email": "nobody"}, "email"),
                       ({"name": "x"}, "categories is required"),
                       ({"name": "x", "categories": "carers", "cost": "3 quid"}, "column 'cost'")):
        st, j, _, _ = lw.post("/api/v1/sp/assets", body)
        check(st == 400 and is_error(j, "invalid_field") and what in j["error"]["message"],
              "bad asset %s: %s" % (what, j))
    st, j, _, _ = ppg.post("/api/v1/sp/assets", {"name": "x", "categories": "carers"})
    check(st == 403, "a PPG member does not edit the directory")

    # a clinician refers P1 from the patient view to link worker lw1; the referral is coded back
    st, j, _, _ = clin.post("/api/v1/sp/referrals", {
        "patient_id": "P1", "source": "clinician", "channel": "patient_view", "referrer": "Dr Who",
        "reason": "lonely since bereavement", "needs": ["loneliness", "physical_activity"],
        "link_worker": "lw2", "received": "2025-12-01T09:30"})
    rid = j["id"] if st == 201 else 0
    check(st == 201 and j["state"] == "received" and j["coded"]["written"] == 1,
          "referral made and coded: %s" % j)
    st, j, _, _ = clin.post("/api/v1/sp/referrals", {"patient_id": "P1", "source": "clinician",
                                                     "link_worker": "clin1"})
    check(st == 400 and "not an active link worker" in j["error"]["message"],
          "a referral goes to a link worker's account")
    st, j, _, _ = clin.post("/api/v1/sp/referrals", {"patient_id": "NOBODY", "source": "self"})
    check(st == 404 and is_error(j, "not_found"), "referral for a patient not in the population")
    # the link worker: caseload, the patient's record and the directory from their home
    st, j, _, _ = lw.get("/api/v1/sp/caseload")
    check(st == 200 and [r["id"] for r in j["rows"]] == [rid] and
          j["rows"][0]["waiting_first_contact"] is True and j["summary"]["rows"][0]["open"] == 1,
          "link worker's caseload: %s" % j)
    st, j, _, _ = lw.get("/api/v1/patients/%d" % keys["P1"])
    check(st == 200 and j["patient"]["patient_id"] == "P1", "link worker sees their case's record")
    st, j, _, _ = lw.get("/api/v1/patients/%d" % keys["P2"])
    check(st == 403, "link worker does not see a patient outside their caseload")
    st, j, _, _ = lw.get("/api/v1/sp/patients/%d/assets?category=physical_activity" % keys["P1"])
    check(st == 200 and j["origin"]["from"] == "postcode" and j["rows"][0]["km"] < 0.5 and
          all(a["km"] <= b["km"] for a, b in zip(j["rows"], j["rows"][1:]) if b["km"] is not None),
          "directory by distance from the patient's home: %s" % j.get("rows", "")[:1])
    for who, path in ((lw2, "/api/v1/sp/referrals/%d" % rid),
                      (lw2, "/api/v1/patients/%d" % keys["P1"]),
                      (lw2, "/api/v1/sp/patients/%d/assets" % keys["P1"])):
        st, j, _, _ = who.get(path)
        check(st == 403 and is_error(j, "forbidden"), "another link worker is refused %s" % path)
    st, j, _, _ = lw2.get("/api/v1/sp/caseload?link_worker=lw2")
    check(st == 403, "a link worker cannot ask for another's caseload")
    st, j, _, _ = lw2.get("/api/v1/sp/referrals")
    check(st == 200 and j["rows"] == [], "a link worker lists only their own referrals")

    # the workflow: move with the version read; a second writer on the old version gets 409
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 1, "to": "contacted"})
    check(st == 200 and j["version"] == 2 and j["state"] == "contacted", "referral moved")
    st, j, _, _ = cd.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 1, "to": "declined"})
    check(st == 409 and is_error(j, "conflict") and "version 2, not 1" in j["error"]["message"] and
          j["current"]["referral"]["state"] == "contacted" and
          j["current"]["referral"]["version"] == 2 and j["current"]["kind"] == "sp_timeline",
          "two link workers, one referral: 409 with the current state: %s" % j)
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 2, "to": "connected"})
    check(st == 409 and "cannot move to 'connected'" in j["error"]["message"] and
          j["current"]["referral"]["next_states"] == ["first_appointment", "closed", "declined",
                                                      "not_contactable"],
          "a move the state machine forbids: %s" % j)
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 2, "to": "closed"})
    check(st == 400 and "reason" in j["error"]["message"], "closing needs a reason")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/contacts" % rid, {"type": "telephone",
                                                                    "minutes": 20,
                                                                    "notes": "first call"})
    check(st == 201, "contact recorded")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/contacts" % rid, {"type": "telephone",
                                                                    "minutes": 900})
    check(st == 400 and is_error(j, "invalid_field"), "contact longer than a working day")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 2,
                                                                "to": "first_appointment"})
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/plan" % rid, {
        "version": 3, "what_matters": "Getting out of the house", "needs": "loneliness"})
    check(st == 200 and j["version"] == 4, "plan agreed: what matters to me")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/goals" % rid, {"text": "Walk with others weekly",
                                                                 "target_date": "2027-06-01"})
    gid = j["id"] if st == 201 else 0
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/goals/%d" % (rid, gid), {
        "version": 1, "text": "Walk with others weekly", "status": "achieved"})
    check(st == 200 and j["version"] == 2, "goal achieved")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/goals/%d" % (rid, gid), {
        "version": 1, "text": "Walk", "status": "dropped"})
    check(st == 409 and j["current"]["referral"]["id"] == rid, "stale goal update 409")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/connections" % rid, {"asset_id": 1})
    cid = j["id"] if st == 201 else 0
    check(st == 201, "connected to an asset")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/connections" % rid, {"asset_id": 7})
    check(st == 409 and "closed" in j["error"]["message"], "no connection to a closed asset")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/connections/%d" % (rid, cid),
                          {"version": 1, "attendance": "attended"})
    check(st == 200 and j["version"] == 2, "attendance recorded")
    # wellbeing: invalid answers refused with the item named; SWEMWBS scored and coded
    for body, what in (({"instrument": "ons4", "items": [5, 6, 4, 11]},
                        "ONS4 anxiety is 11; items are scored 0-10"),
                       ({"instrument": "swemwbs", "items": [3, 3, 6, 4, 3, 3, 2]},
                        "SWEMWBS item 3 (relaxed) is 6"),
                       ({"instrument": "swemwbs", "items": [3, 3, None, 4, 3, 3, 2]}, "missing"),
                       ({"instrument": "swemwbs", "items": [3, 3]}, "7 answers")):
        st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, body)
        check(st == 400 and what in j["error"]["message"], "invalid scores %s: %s" % (what, j))
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, {
        "instrument": "swemwbs", "items": [2, 3, 2, 3, 3, 2, 3], "at": "2026-01-05T10:00"})
    check(st == 201 and j["raw"] == 18 and j["metric"] == 17.43 and j["coded"]["written"] == 1,
          "SWEMWBS raw 18 is metric 17.43, coded: %s" % j)
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, {
        "instrument": "swemwbs", "items": [2, 3, 2, 3, 3, 2, 3], "at": "2025-11-05T10:00"})
    check(st == 400 and "before the referral" in j["error"]["message"],
          "no questionnaire before the referral")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, {
        "instrument": "swemwbs", "items": [3, 4, 3, 4, 4, 3, 4], "at": "2026-03-05T10:00"})
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, {
        "instrument": "ons4", "items": [4, 5, 4, 8], "at": "2026-01-05T10:00"})
    check(st == 201 and j["coded"]["uncoded"] == 4, "ONS4 recorded; no SNOMED code to write")
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/outcomes" % rid, {
        "instrument": "ons4", "items": [6, 6, 6, 5], "at": "2026-03-05T10:00"})
    st, j, _, _ = cd.get("/api/v1/sp/outcomes")
    by = {(r["measure"], r["group"]): r for r in j["rows"]} if st == 200 else {}
    sw = by.get(("swemwbs_metric", "all"), {})
    anx = by.get(("ons4_anxiety", "all"), {})
    check(st == 200 and sw.get("pairs") == 1 and sw.get("mean_change") == round(22.35 - 17.43, 2)
          and anx.get("mean_change") == -3 and anx.get("mean_improvement") == 3 and
          by.get(("swemwbs_metric", "physical_activity"), {}).get("pairs") == 1,
          "outcomes: change with the number of pairs, anxiety improving downwards: %s" % sw)
    st, j, _, _ = ppg.get("/api/v1/sp/outcomes")
    sw = [r for r in j["rows"] if (r["measure"], r["group"]) == ("swemwbs_metric", "all")][0]
    check(st == 200 and sw["pairs"] is None and sw["mean_change"] is None,
          "outcomes suppressed for aggregate-only roles")
    st, j, _, _ = lw.get("/api/v1/sp/outcomes/people")
    check(st == 200 and {r["referral_id"] for r in j["rows"]} == {rid}, "per-person change")
    st, j, _, _ = lw.get("/api/v1/sp/referrals/%d" % rid)
    kinds = [r["kind"] for r in j["rows"]] if st == 200 else []
    check(st == 200 and kinds[0] == "referral" and {"transition", "contact", "goal", "connection",
                                                    "questionnaire"} <= set(kinds) and
          j["referral"]["what_matters"] == "Getting out of the house",
          "a referral's timeline: %s" % kinds)
    # coding back: the patient's record carries the referral and SWEMWBS codes
    st, j, _, _ = cd.get("/api/v1/patients/%d?limit=500" % keys["P1"])
    codes = {e["code"] for e in j["timeline"]} if st == 200 else set()
    check({"871731000000106", "718466001"} <= codes, "codes written to the record: %s" % codes)
    # reports and gaps
    for name in ("caseloads", "activity", "rates", "categories", "coverage"):
        st, j, _, _ = cd.get("/api/v1/sp/reports/%s?as_of=2026-12-31" % name)
        check(st == 200 and j["kind"] == "sp_" + name, "report %s" % name)
    st, j, _, _ = ppg.get("/api/v1/sp/reports/caseloads?as_of=2026-12-31")
    check(st == 200 and all(r["open"] is None for r in j["rows"]), "caseloads suppressed for PPG")
    st, j, _, _ = cd.get("/api/v1/sp/reports/nope")
    check(st == 404, "unknown report")
    # a practice manager refers at their practice only; a decline is coded too
    st, j, _, _ = pm.post("/api/v1/sp/referrals", {"patient_id": "P2", "source": "practice"})
    # another practice's patient is answered as one not in the population (issue 13 item 5)
    check(st == 404 and is_error(j, "not_found") and "not in the population" in
          j["error"]["message"], "practice manager refers only their practice's patients")
    st, j, _, _ = pm.post("/api/v1/sp/referrals", {"patient_id": "P3", "source": "practice",
                                                   "link_worker": "lw3"})
    rid3 = j["id"] if st == 201 else 0
    st, j, _, _ = lw2.post("/api/v1/sp/referrals/%d/move" % rid3, {"version": 1, "to": "declined"})
    check(st == 200 and j["coded"]["written"] == 1, "decline coded")
    st, j, _, _ = pm.get("/api/v1/sp/referrals")
    check(st == 200 and {r["patient_id"] for r in j["rows"]} == {"P1", "P3"},
          "practice manager lists their practice's referrals")
    # CSRF for cookie sessions; bad bodies
    b = Client(srv, "lw2", browser=True)
    st, j, _, _ = b.post("/api/v1/sp/referrals/%d/contacts" % rid,
                         {"type": "telephone", "minutes": 5}, csrf=False)
    check(st == 403 and is_error(j, "csrf"), "social prescribing write needs the CSRF token")
    for body, code in (({"version": 4, "to": "closed", "reason": "goals_met", "x": 1},
                        "unknown_field"), ({"to": "closed"}, "invalid_field"),
                       ({"version": "4", "to": "closed"}, "invalid_field"),
                       ({"version": 4, "to": "asleep"}, "invalid_field"),
                       ({"version": 4, "to": "closed", "reason": "bored"}, "invalid_field")):
        st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, body)
        check(st == 400 and is_error(j, code), "bad move body %s: %d %s" % (body, st, j))
    for path in ("/api/v1/sp/referrals/abc", "/api/v1/sp/referrals/0"):
        st, j, _, _ = cd.get(path)
        check(st == 400, "bad referral id %s" % path)
    st, j, _, _ = cd.get("/api/v1/sp/referrals/99999")
    check(st == 404, "unknown referral 404")
    # closing ends the link worker's view of the record
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 4, "to": "plan_agreed"})
    st, j, _, _ = lw.post("/api/v1/sp/referrals/%d/move" % rid, {"version": 5, "to": "closed",
                                                                "reason": "goals_met"})
    check(st == 200 and j["state"] == "closed", "referral closed")
    st, j, _, _ = lw.get("/api/v1/patients/%d" % keys["P1"])
    check(st == 403, "a closed case no longer opens the patient's record to the link worker")
    st, j, _, _ = lw.get("/api/v1/sp/referrals/%d" % rid)
    check(st == 200, "the link worker still reads their closed referral")
    # the same result kinds as the CLI
    for args, client, path in ((["sp", "assets", "list"], cd, "/api/v1/sp/assets?limit=500"),
                               (["sp", "referrals", "list"], cd, "/api/v1/sp/referrals?limit=500"),
                               (["sp", "referrals", "show", str(rid)], cd,
                                "/api/v1/sp/referrals/%d" % rid),
                               (["sp", "outcomes"], cd, "/api/v1/sp/outcomes"),
                               (["sp", "report", "caseloads"], cd, "/api/v1/sp/reports/caseloads")):
        rc, out, err = pcn(*args, "--db", DB, "--format", "json")
        st, j, _, _ = client.get(path)
        check(rc == 0 and st == 200 and table_of(out) == (j["kind"], j["columns"], j["rows"]),
              "pcn %s and GET %s give one table: %s / %s" % (" ".join(args), path, out[:300],
                                                            json.dumps(j)[:300]))
    # every write and patient-level read is audited, refusals too
    admin = Client(srv, "admin1")
    rows, after = [], 0
    while after is not None:
        _, j, _, _ = admin.get("/api/v1/audit?limit=500&after=%d" % after)
        rows += j["rows"]
        after = j["next_after"]
    check(any(r["route"] == "/api/v1/sp/referrals/{id}/move" and r["status"] == 409 and
              r["user"] == "cd1" and r["object_id"] == str(rid) for r in rows),
          "the refused stale move is audited")
    check(any(r["route"] == "/api/v1/sp/referrals/{id}" and r["user"] == "lw3" and
              r["status"] == 403 for r in rows), "a refused referral read is audited")
    check(any(r["route"] == "/api/v1/sp/assets/{id}" and r["method"] == "POST" and
              r["status"] == 200 and r["object_id"] == str(aid) for r in rows),
          "an asset update is audited")
    check(any(r["route"] == "/api/v1/sp/caseload" and r["user"] == "lw2" for r in rows),
          "a caseload read is audited")
    return rid


def test_registry_routes(srv):
    c = Client(srv, "cd1")
    st, j, _, _ = c.get("/api/v1/network")
    check(st == 200 and j["code"] == "U00001" and j["patients"] == 35000, "network totals")
    check(j["as_of"] == "2024-02-01", "default as_of is the latest record date: %s" % j["as_of"])
    check(j["practices"]["kind"] == "practices" and
          [p["code"] for p in j["practices"]["rows"]] == ["A81001", "A81002"], "network practices")
    check(j["members"]["kind"] == "network_members" and
          [(m["practice"], m["current"]) for m in j["members"]["rows"]] ==
          [("A81001", True), ("A81002", True)], "network member history")
    check(len(j["pyramid"]) == 40, "network pyramid has 2 x 20 bands")
    st, j, _, _ = c.get("/api/v1/network?code=U00002")
    check(st == 200 and j["patients"] == 9000, "network by code")
    st, j, _, _ = c.get("/api/v1/network?code=U99999")
    check(st == 404 and is_error(j, "not_found"), "unknown network 404")
    st, j, _, _ = c.get("/api/v1/network?code=nonsense")
    check(st == 400 and is_error(j, "invalid_parameter"), "malformed network code 400")
    st, j, _, _ = c.get("/api/v1/networks")
    check(st == 200 and [(n["code"], n["practices"], n["patients"]) for n in j["rows"]] ==
          [("U00001", 2, 35000), ("U00002", 1, 9000)] and j["total"] == 2, "networks with totals")
    st, j, _, _ = c.get("/api/v1/networks?limit=1&offset=1")
    check(st == 200 and [n["code"] for n in j["rows"]] == ["U00002"] and j["total"] == 2,
          "networks paging")
    st, j, _, _ = c.get("/api/v1/practices?network=U00001&limit=1&offset=1")
    check(st == 200 and j["total"] == 2 and [p["code"] for p in j["rows"]] == ["A81002"] and
          (j["limit"], j["offset"]) == (1, 1), "practices paging and filter")
    st, j, _, _ = c.get("/api/v1/practices/A81001")
    check(st == 200 and j["network"] == "U00001" and j["patients"] == 20000 and
          j["memberships"]["kind"] == "practice_memberships" and
          j["memberships"]["rows"][0]["network"] == "U00001", "practice detail")
    st, j, _, _ = c.get("/api/v1/practices/Z99999")
    check(st == 404 and is_error(j, "not_found"), "unknown practice 404")
    st, j, _, _ = c.get("/api/v1/practices?as_of=2019-01-01")
    check(st == 200 and all(p["network"] is None for p in j["rows"]), "as_of before membership")
    # cache: a committed change is visible at once
    rc, _, err = pcn("practice", "add", "--db", DB, "--name", "New Surgery", "--network",
                     "U00001", "--from", "2020-01-01", "A81003")
    check(rc == 0, "practice add: " + err)
    st, j, _, _ = c.get("/api/v1/practices?network=U00001")
    check(st == 200 and j["total"] == 3, "cached practices refreshed after a data change")


def test_patient_view(srv, keys):
    c = Client(srv, "clin1")
    st, j, _, _ = c.get("/api/v1/patients/%d" % keys["P1"])
    check(st == 200 and j["patient"]["nhs_number"] == NHS_NUMBERS[0], "patient demographics")
    check(j["patient"]["date_of_birth"] == "1950-03-01" and j["patient"]["sex"] == "F", "dob/sex")
    m = j["latest_measurements"]
    check(len(m) == 1 and m[0]["value"] == 138.0 and m[0]["date"] == "2024-02-01",
          "latest measurement is the newest value")
    check(j["timeline_total"] == 3 and j["timeline"][0]["date"] == "2024-02-01",
          "timeline newest first")
    check(len(j["medications"]) == 1, "medications")
    check("registers" not in j, "registers only on request")
    terms = {(e["code"], e["term"]) for e in j["timeline"]}
    check(terms == {("271649006", "Systolic blood pressure"), ("38341003", None)},
          "timeline terms, null when the code has none: %r" % terms)
    check(m[0]["term"] == "Systolic blood pressure", "latest measurement has its term")
    check(j["medications"][0]["term"] == "Amlodipine 5mg tablets" and
          j["medications"][0]["code"] == "318135005", "medication term beside its code")
    st, j, _, _ = c.get("/api/v1/patients/%d?include=registers" % keys["P1"])
    check(st == 200 and isinstance(j["registers"], list) and j["as_of"] == "2024-02-01",
          "registers as of the default date (the latest record)")
    check([r["name"] for r in j["registers"]] == ["hyp"],
          "on the hypertension register (coded 38341003), and no other: %r" % j["registers"])
    st, j, _, _ = c.get("/api/v1/patients/%d?limit=1&offset=1" % keys["P1"])
    check(st == 200 and len(j["timeline"]) == 1 and j["timeline"][0]["date"] == "2023-02-01",
          "timeline paging")
    st, j, _, _ = c.get("/api/v1/patients/%d?include=everything" % keys["P1"])
    check(st == 400 and is_error(j, "invalid_parameter"), "unknown include value")
    st, j, _, _ = c.get("/api/v1/patients/999999")
    check(st == 404 and is_error(j, "not_found"), "unknown patient 404")
    st, j, _, _ = c.get("/api/v1/patients/abc")
    check(st == 400 and is_error(j, "invalid_parameter"), "non-numeric patient key 400")


def test_engine_routes(srv, keys):
    c = Client(srv, "clin1")
    st, j, _, _ = c.get("/api/v1/reports/registers?by=practice,sex&as_of=2025-03-31")
    check(st == 200 and j["as_of"] == "2025-03-31" and j["by"] == ["practice", "sex"],
          "report with as_of and by")
    check(all(r["kind"] == "register" for r in j["results"]), "registers report")
    st, j, _, _ = c.get("/api/v1/reports/all")
    check(st == 200 and all(r["kind"] != "worklist" for r in j["results"]),
          "reports never include worklists")
    st, j, _, _ = c.get("/api/v1/reports/frailty")
    check(st == 200 and j["results"][0]["name"] == "frailty", "one definition as a report")
    st, whole, _, _ = c.get("/api/v1/reports/registers")
    st2, j, _, _ = c.get("/api/v1/reports/registers?limit=2&offset=1")
    check(st == 200 and st2 == 200 and whole["total"] == 21 and len(whole["results"]) == 21 and
          j["total"] == 21 and (j["limit"], j["offset"]) == (2, 1) and
          j["results"] == whole["results"][1:3], "report paging over results")
    st, j, _, _ = c.get("/api/v1/worklists")
    check(st == 200 and j["kind"] == "worklists" and
          [(r["name"], bool(r["title"])) for r in j["rows"]] ==
          [(n, True) for n in ("smr_priority", "cvd_no_bp", "cvd_raised_bp", "anticipatory_care")]
          and j["total"] == 4, "the worklists of the definitions: %s" % j)
    for path, want in (("/api/v1/reports/nope", 404), ("/api/v1/reports/smr_priority", 404),
                       ("/api/v1/reports/registers?by=colour", 400),
                       ("/api/v1/reports/registers?as_of=yesterday", 400),
                       ("/api/v1/reports/registers?limit=0", 400),
                       ("/api/v1/reports/registers?offset=-1", 400),
                       ("/api/v1/reports/registers?page=2", 400),
                       ("/api/v1/worklists?limit=5", 400),
                       ("/api/v1/worklists/dm", 404), ("/api/v1/worklists/..", 404),
                       ("/api/v1/worklists/cvd_no_bp?sort=Colour", 400),
                       ("/api/v1/worklists/cvd_no_bp?order=up", 400),
                       ("/api/v1/worklists/cvd_no_bp?format=xml", 400),
                       ("/api/v1/worklists/cvd_no_bp?limit=0", 400)):
        st, j, _, _ = c.get(path)
        check(st == want and is_error(j), "engine route error %s -> %d (got %d)" % (path, want, st))
    # more result sets than a population keeps (32): the oldest are evicted and evaluated again
    firsts = {}
    for n in range(40):
        path = "/api/v1/worklists/cvd_no_bp?as_of=2025-%02d-%02d" % (1 + n // 28, 1 + n % 28)
        st, j, _, _ = c.get(path)
        check(st == 200, "worklist as of another date (%d): %d" % (n, st))
        firsts.setdefault(n % 3, (path, j))
    for path, j in firsts.values():
        check(c.get(path)[1] == j, "the same rows after evictions: " + path)
    st, j, _, _ = c.get("/api/v1/worklists/cvd_no_bp?sort=Age&order=desc&limit=1")
    check(st == 200 and j["kind"] == "worklist" and j["columns"] == ["Age", "Last BP"] and
          j["total"] == 1 and j["rows"][0]["key"] == keys["P2"] and
          j["rows"][0]["patient_id"] == "P2", "worklist rows carry the patient key")
    # the engine's worklist result, as `pcn report NAME --format json` prints it
    rc, out, err = pcn("report", "--db", DB, "--format", "json", "cvd_no_bp")
    cli = [r for r in json.loads(out)["results"] if r["name"] == "cvd_no_bp"][0] if rc == 0 else {}
    check(rc == 0 and cli["kind"] == j["kind"] and cli["columns"] == j["columns"] and
          [(r["patient_id"], r["values"]) for r in cli["rows"]] ==
          [(r["patient_id"], r["values"]) for r in j["rows"]], "worklist schema shared with the CLI")
    for q, want in (("patient=p2", ["P2"]), ("patient=zz", []), ("column=Age&min=40&max=50", ["P2"]),
                    ("column=Age&min=47", []), ("column=Age&max=46", ["P2"]),
                    ("practice=A81002&column=Age&min=0", ["P2"])):
        st, j, _, _ = c.get("/api/v1/worklists/cvd_no_bp?" + q)
        check(st == 200 and [r["patient_id"] for r in j["rows"]] == want and j["total"] == len(want),
              "worklist filter %s: %d %s" % (q, st, j))
    for q in ("practice=nonsense", "patient=", "patient=" + "x" * 65, "column=Nope&min=1",
              "column=Age", "min=1", "column=Age&min=abc", "column=Age&min=2020-01-01",
              "column=Age&min=50&max=40", "column=Age&min=1&max=2020-01-01"):
        st, j, _, _ = c.get("/api/v1/worklists/cvd_no_bp?" + q)
        check(st == 400 and is_error(j, "invalid_parameter"), "bad worklist filter %s: %d" % (q, st))
    for q in ("sort=practice", "sort=practice&order=desc", "sort=patient_id&order=desc",
              "sort=Last%20BP"):
        st, j, _, _ = c.get("/api/v1/worklists/cvd_no_bp?" + q)
        check(st == 200 and [r["patient_id"] for r in j["rows"]] == ["P2"], "worklist %s" % q)
    st, _, h, text = c.get("/api/v1/worklists/cvd_no_bp?format=csv")
    check(text.endswith("\r\n") and text.count("\r\n") == 2, "CSV lines end with CRLF: %r" % text)
    check(st == 200 and h["content-type"].startswith("text/csv") and
          'filename="cvd_no_bp.csv"' in h.get("content-disposition", "") and
          text.splitlines()[0] == "key,patient_id,practice,Age,Last BP" and
          text.splitlines()[1].startswith("%d,P2,A81002,43" % keys["P2"]), "worklist CSV: " + text)
    pm = Client(srv, "pm1")
    st, j, _, _ = pm.get("/api/v1/worklists/cvd_no_bp?practice=A81002")
    check(st == 403 and is_error(j, "forbidden"), "practice manager cannot ask for another practice")
    st, j, _, _ = c.get("/api/v1/worklists/cvd_no_bp?practice=A81001")
    check(st == 200 and j["total"] == 0, "worklist practice filter")


def table_of(text):
    j = json.loads(text)
    return j["kind"], j["columns"], j["rows"]


def test_shared_schemas(srv):
    """Each list result kind is the same table in `pcn ... --format json` and the API."""
    cd, admin = Client(srv, "cd1"), Client(srv, "admin1")
    pairs = [
        (["practice", "list"], cd, "/api/v1/practices?limit=500", None),
        (["practice", "list", "--network", "U00001"], cd, "/api/v1/network", "practices"),
        (["practice", "show", "A81001"], cd, "/api/v1/practices/A81001", "memberships"),
        (["network", "list"], cd, "/api/v1/networks", None),
        (["network", "show", "U00001"], cd, "/api/v1/network?code=U00001", "members"),
        (["user", "list"], admin, "/api/v1/users?limit=500", None),
        (["audit", "list", "--limit", "5"], admin, "/api/v1/audit?limit=5", None),
    ]
    for args, client, path, member in pairs:
        rc, out, err = pcn(*args, "--db", DB, "--format", "json")
        st, j, _, _ = client.get(path)
        api = j[member] if member else j
        check(rc == 0 and st == 200 and table_of(out) == (api["kind"], api["columns"], api["rows"]),
              "pcn %s and GET %s give one table: %s / %s" % (" ".join(args), path, out[:200],
                                                            json.dumps(api)[:200]))
    # the text table keeps to the main columns; CSV has them all
    rc, out, _ = pcn("audit", "list", "--db", DB, "--limit", "1")
    check(rc == 0 and "hash" not in out.splitlines()[0], "audit text table without hashes")
    rc, out, _ = pcn("audit", "list", "--db", DB, "--limit", "1", "--format", "csv")
    check(rc == 0 and out.splitlines()[0].endswith(",status,prev_hash,hash"), "audit CSV with hashes")


def test_default_as_of(srv):
    """One rule: data_as_of, else the latest data date, else today (CLI and server)."""
    c = Client(srv, "cd1")
    st, j, _, _ = c.get("/api/v1/reports/registers")
    rc, out, _ = pcn("report", "--db", DB, "--format", "json", "registers")
    check(st == 200 and rc == 0 and j["as_of"] == "2024-02-01" and
          json.loads(out)["as_of"] == j["as_of"], "report default as_of (API %s, CLI %s)" % (
              j.get("as_of"), out[:60]))
    st, j, _, _ = c.get("/api/v1/practices")
    check(st == 200 and j["as_of"] == "2024-02-01", "registry routes use the same default")
    copy = os.path.join(TMP, "asof.db")
    shutil.copy(DB, copy)
    db = sqlite3.connect(copy)
    db.execute("INSERT INTO meta VALUES ('data_as_of', '2023-06-30')")
    db.commit()
    db.close()
    rc, out, _ = pcn("report", "--db", copy, "--format", "json", "registers")
    check(rc == 0 and json.loads(out)["as_of"] == "2023-06-30", "data_as_of wins")


def test_time_limit(srv):
    """A tiny request time limit: 503 "timeout", nothing half-applied, patient-level audited."""
    token = Client(srv, "clin1").auth  # signed in on the normal server; sessions are in the DB
    admin = Client(srv, "admin1").auth
    _, before, _, _ = srv.request("GET", "/api/v1/users?limit=500", headers=admin)
    lim = Server("--request-time-limit", "0.001")
    try:
        st, j, _, _ = lim.request("GET", "/api/v1/reports/registers", headers=token)
        check(st == 503 and is_error(j, "timeout") and "0.001 s" in j["error"]["message"],
              "report over the time limit: %d %s" % (st, j))
        st, j, _, _ = lim.request("GET", "/api/v1/worklists/cvd_no_bp", headers=token)
        check(st == 503 and is_error(j, "timeout"), "worklist over the time limit: %d" % st)
        st, j, _, _ = lim.request("POST", "/api/v1/users", {"name": "slow", "role": "analyst",
                                                            "password": PASSWORD}, headers=admin)
        check(st == 503 and is_error(j, "timeout"), "write over the time limit: %d %s" % (st, j))
        st, j, _, _ = lim.request("GET", "/api/v1/health")
        check(st == 200, "the server still answers after timeouts")
    finally:
        lim.stop()
    _, after, _, _ = srv.request("GET", "/api/v1/users?limit=500", headers=admin)
    check([u["name"] for u in after["rows"]] == [u["name"] for u in before["rows"]],
          "a write stopped by the time limit applied nothing")
    _, j, _, _ = srv.request("GET", "/api/v1/audit?limit=500", headers=admin)
    check(any(r["route"] == "/api/v1/worklists/{name}" and r["status"] == 503 and
              r["user"] == "clin1" for r in j["rows"]), "the timed-out worklist read is audited")
    check(any(r["route"] == "/api/v1/users" and r["method"] == "POST" and r["status"] == 503
              for r in j["rows"]), "the timed-out write is audited as refused")
    for bad in ("-1", "abc", "7200"):
        rc, _, err = pcn("serve", "--db", DB, "--listen", "127.0.0.1:0", "--set",
                         "population_refresh=" + bad)
        check(rc == 2 and "population_refresh" in err, "bad refresh %s refused: %s" % (bad, err))
    for bad in ("0", "-1", "abc", "7200"):
        rc, _, err = pcn("serve", "--db", DB, "--listen", "127.0.0.1:0", "--request-time-limit", bad)
        check(rc == 2 and "request_time_limit" in err, "bad time limit %s refused: %s" % (bad, err))


def test_sessions_and_csrf(srv):
    b = Client(srv, "cd1", browser=True)
    cookie = b.set_cookie
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie,
          "session cookie attributes: " + cookie)
    st, j, _, _ = b.get("/api/v1/me")
    check(st == 200 and j["name"] == "cd1" and j["csrf_token"] == b.csrf, "cookie session /me")
    st, j, _, _ = b.post("/api/v1/logout", csrf=False)
    check(st == 403 and is_error(j, "csrf"), "cookie POST without CSRF token refused")
    st, j, _, _ = b.srv.request("POST", "/api/v1/logout",
                                headers=dict(b.auth, **{"X-CSRF-Token": "wrong"}))
    check(st == 403 and is_error(j, "csrf"), "cookie POST with a wrong CSRF token refused")
    st, j, h, _ = b.post("/api/v1/logout")
    check(st == 200 and "Max-Age=0" in h.get("set-cookie", ""), "logout with CSRF token")
    st, j, _, _ = b.get("/api/v1/me")
    check(st == 401, "revoked session refused after logout")
    a = Client(srv, "cd1")
    check(a.set_cookie is None, "api login sets no cookie")
    st, j, _, _ = a.post("/api/v1/logout", csrf=False)
    check(st == 200, "bearer POST needs no CSRF token")
    st, _, _, _ = a.get("/api/v1/me")
    check(st == 401, "bearer token revoked by logout")
    st, j, _, _ = srv.request("POST", "/api/v1/login", {"name": "cd1", "password": "wrong pass"})
    check(st == 401 and is_error(j, "invalid_credentials"), "wrong password 401")
    st, j, _, _ = srv.request("POST", "/api/v1/login", {"name": "nobody", "password": "whatever1"})
    check(st == 401 and is_error(j, "invalid_credentials"), "unknown user 401, same error")


def test_disable_user(srv):
    admin = Client(srv, "admin1", browser=True)
    victim = Client(srv, "lw1")
    st, j, _, _ = admin.post("/api/v1/users/lw1/disable")
    check(st == 200 and j["disabled"] is True, "admin disables a user")
    st, _, _, _ = victim.get("/api/v1/me")
    check(st == 401, "disabled user's session is revoked")
    st, _, _, _ = srv.request("POST", "/api/v1/login", {"name": "lw1", "password": PASSWORD})
    check(st == 401, "disabled user cannot sign in")
    st, j, _, _ = admin.post("/api/v1/users/nobody/disable")
    check(st == 404 and is_error(j, "not_found"), "disable unknown user 404")
    st, j, _, _ = admin.get("/api/v1/users")
    check(st == 200 and any(u["name"] == "lw1" and u["disabled"] is True for u in j["rows"]),
          "user list shows disabled")
    check(all("pwhash" not in u and "password" not in u for u in j["rows"]),
          "user list has no password hashes")


def test_throttling(srv):
    for _ in range(3):
        st, _, _, _ = srv.request("POST", "/api/v1/login", {"name": "victim", "password": "bad pw!!"})
        check(st == 401, "failed login before the limit")
    st, j, _, _ = srv.request("POST", "/api/v1/login", {"name": "victim", "password": PASSWORD})
    check(st == 429 and is_error(j, "too_many_requests"), "account throttled after 3 failures")


def test_bad_input(srv):
    admin = Client(srv, "admin1")
    _, before, _, _ = admin.get("/api/v1/users?limit=500")
    _, health0, _, _ = srv.request("GET", "/api/v1/health")
    cases = [
        ("malformed JSON", b'{"name": "x", ', "application/json", 400, "malformed_json"),
        ("not an object", b'[1, 2]', "application/json", 400, "malformed_json"),
        ("wrong type", b'{"name": 5, "role": "analyst", "password": "longenough"}',
         "application/json", 400, "invalid_field"),
        ("unknown field", b'{"name": "zz", "role": "analyst", "password": "longenough", "x": 1}',
         "application/json", 400, "unknown_field"),
        ("bad role", b'{"name": "zz", "role": "root", "password": "longenough"}',
         "application/json", 400, "invalid_field"),
        ("short password", b'{"name": "zz", "role": "analyst", "password": "short"}',
         "application/json", 400, "invalid_field"),
        ("duplicate key", b'{"name": "zz", "name": "yy", "role": "analyst", "password": "x"}',
         "application/json", 400, "malformed_json"),
        ("too deep", b'{"name": ' + b'[' * 40 + b']' * 40 + b'}', "application/json", 413,
         "payload_too_large"),
        ("wrong content type", b'{"name": "zz"}', "text/plain", 415, "unsupported_media_type"),
        ("oversized body", b'{"name": "' + b'a' * 5000 + b'"}', "application/json", 413,
         "payload_too_large"),
    ]
    for what, raw, ctype, want, code in cases:
        st, j, _, _ = srv.request("POST", "/api/v1/users", raw_body=raw,
                                  headers=dict(admin.auth, **{"Content-Type": ctype}))
        check(st == want and is_error(j, code), "bad input %s: got %d %s" % (what, st, j))
    st, j, _, _ = admin.post("/api/v1/users", {"name": "dup", "role": "analyst",
                                                "password": PASSWORD})
    st, j, _, _ = admin.post("/api/v1/users", {"name": "dup", "role": "analyst",
                                                "password": PASSWORD})
    check(st == 409 and is_error(j, "conflict"), "duplicate user 409")
    cd = Client(srv, "cd1")
    for q in ("limit=0", "limit=abc", "limit=100000", "offset=-1", "limit=", "as_of=2024-13-01",
              "bogus=1"):
        st, j, _, _ = cd.get("/api/v1/practices?" + q)
        check(st == 400 and is_error(j), "invalid paging/parameter %s: %d" % (q, st))
    for method, path, want in (("GET", "/api/v1/nope", 404), ("DELETE", "/api/v1/users", 405),
                               ("GET", "/api/v1/practices/", 404), ("GET", "/api/v2/health", 404),
                               ("PUT", "/api/v1/login", 405), ("GET", "/api/v1//practices", 404)):
        st, j, _, _ = srv.request(method, path, headers=cd.auth)
        check(st == want and is_error(j), "%s %s -> %d (got %d)" % (method, path, want, st))
    st, j, _, _ = srv.request("GET", "/api/v1/me", raw_body=b'{"a": 1}',
                              headers=dict(cd.auth, **{"Content-Type": "application/json"}))
    check(st == 400 and is_error(j, "unexpected_body"), "body on a GET refused")
    # nothing changed: only "dup" was added
    _, after, _, _ = admin.get("/api/v1/users?limit=500")
    added = {u["name"] for u in after["rows"]} - {u["name"] for u in before["rows"]}
    check(added == {"dup"}, "bad input changed nothing: %s" % added)
    _, health1, _, _ = srv.request("GET", "/api/v1/health")
    check(health0["data_version"] == health1["data_version"], "data version unchanged")


def test_static_files(srv):
    st, _, h, text = srv.request("GET", "/")
    check(st == 200 and "OpenPCN" in text and h["content-type"].startswith("text/html"),
          "index.html at /")
    check("default-src 'self'" in h.get("content-security-policy", ""), "CSP on static files")
    for path in ("/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
                 "/leak.txt", "/missing.js", "/./index.html", "//etc/passwd", "/a\\..\\b"):
        st, j, _, text = srv.request("GET", path)
        check(st in (400, 404) and is_error(j) and "root:" not in text,
              "static path refused: %s (%d)" % (path, st))
    st, j, _, _ = srv.request("POST", "/index.html", raw_body=b"x")
    check(st == 405 and is_error(j), "POST to a static file 405")


def test_header_limit(srv):
    try:
        st, _, _, _ = srv.request("GET", "/api/v1/health", headers={"X-Big": "a" * 70000})
        check(st in (400, 413, 431), "oversized headers refused (%d)" % st)
    except (ConnectionError, http.client.HTTPException):
        check(True, "oversized headers: connection closed")


def test_audit(srv, keys):
    admin = Client(srv, "admin1")
    st, j, _, _ = admin.get("/api/v1/audit?limit=500")
    check(st == 200, "audit list")
    rows = j["rows"]
    pat = [r for r in rows if r["route"] == "/api/v1/patients/{key}"]
    # the patient's stable identifier and the key, canonical however the key was written
    p1 = "patient_id=P1 key=%d" % keys["P1"]
    check(any(r["user"] == "clin1" and r["object_id"] == p1 and r["status"] == 200
              for r in pat), "patient read audited with who, patient and outcome")
    check(any(r["user"] == "pm1" and r["object_id"] == "patient_id=P2 key=%d" % keys["P2"]
              and r["status"] == 404 for r in pat), "refused patient read audited")
    clin = Client(srv, "clin1")
    for spelled in ("%07d" % keys["P1"], "+%d" % keys["P1"]):
        st, _, _, _ = clin.get("/api/v1/patients/" + spelled)
        st_a, j, _, _ = admin.get("/api/v1/audit?limit=500&after=%d" % rows[-1]["id"])
        last = [r for r in j["rows"] if r["route"] == "/api/v1/patients/{key}"][-1]
        check(st == 200 and last["object_id"] == p1,
              "patient key %s audited as %s: %s" % (spelled, p1, last["object_id"]))
    # worklists: which practice, filters and page, and how many patients were returned
    wl = [r["object_id"] for r in rows if r["route"] == "/api/v1/worklists/{name}"
          and r["status"] == 200]
    check("cvd_no_bp practice=(all) rows=1 of 1" in wl, "worklist read audited: %s" % wl)
    check("cvd_no_bp practice=A81001 rows=0 of 0" in wl,
          "practice manager's worklist audited with the practice: %s" % wl)
    st, _, _, _ = clin.get("/api/v1/worklists/cvd_no_bp?practice=A81002&sort=practice"
                           "&limit=5&offset=0&format=csv")
    st_a, j, _, _ = admin.get("/api/v1/audit?limit=500&after=%d" % rows[-1]["id"])
    last = [r for r in j["rows"] if r["route"] == "/api/v1/worklists/{name}"][-1]
    check(st == 200 and last["object_id"] == "cvd_no_bp practice=A81002 sort=practice limit=5 "
          "offset=0 format=csv rows=1 of 1", "worklist CSV audited with its filter and page: %s"
          % last["object_id"])
    check(any(r["route"] == "/api/v1/users" and r["method"] == "POST" and r["status"] == 201
              for r in rows), "user creation audited")
    check(any(r["route"] == "/api/v1/login" and r["status"] == 401 for r in rows),
          "failed login audited")
    check(any(r["route"] == "/api/v1/logout" and r["status"] == 403 for r in rows),
          "CSRF refusal audited")
    check(all(r["id"] == i + 1 for i, r in enumerate(rows)), "audit ids are 1..n")
    check(not any(n in json.dumps(rows) for n in NHS_NUMBERS), "no NHS number in the audit log")
    st, j, _, _ = admin.get("/api/v1/audit?after=2&limit=2")
    check(st == 200 and [r["id"] for r in j["rows"]] == [3, 4] and j["next_after"] == 4,
          "audit paging")
    st, j, _, _ = admin.get("/api/v1/audit/verify")
    check(st == 200 and j["intact"] is True and j["rows"] >= len(rows), "audit verify over HTTP")


def test_graceful_shutdown():
    srv = Server()
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    body = json.dumps({"name": "cd1", "password": PASSWORD, "client": "api"}).encode()
    s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
    first = s.recv(100)
    check(b"100 Continue" in first, "request in flight (100 Continue)")
    srv.proc.send_signal(signal.SIGTERM)
    s.sendall(body)
    resp = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        resp += chunk
    s.close()
    check(resp.startswith(b"HTTP/1.1 200") and b'"token"' in resp,
          "in-flight request completed after SIGTERM: %r" % resp[:80])
    code = srv.proc.wait(timeout=30)
    log = srv.stop()
    check(code == 0, "server exits 0 after SIGTERM (%d)" % code)
    try:
        socket.create_connection((srv.host, srv.port), timeout=5).close()
        check(False, "listener closed after shutdown")
    except OSError:
        check(True, "listener closed after shutdown")
    return log


def read_response(sock):
    """Bytes of one HTTP response on sock (up to its JSON body's closing brace), b"" if closed."""
    buf = b""
    while not (b"\r\n\r\n" in buf and buf.rstrip().endswith(b"}")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def test_connection_limit():
    """max_connections: a connection over the limit is not served until a slot frees."""
    srv = Server("--threads", "1", "--set", "max_connections=1")
    get = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
    held = socket.create_connection((srv.host, srv.port), timeout=30)
    held.sendall(get)
    check(read_response(held).startswith(b"HTTP/1.1 200"), "first connection served (kept open)")
    waiting = socket.create_connection((srv.host, srv.port), timeout=30)
    waiting.sendall(get)
    waiting.settimeout(1.0)
    try:
        early = waiting.recv(65536)
    except socket.timeout:
        early = None  # queued: libmicrohttpd stops accepting at the limit
    check(early is None or early == b"", "no answer over max_connections=1: %r" % early)
    held.close()
    waiting.settimeout(30)
    if early is None:
        late = read_response(waiting)
    else:  # closed at the limit: a new connection must now be served
        waiting.close()
        waiting = socket.create_connection((srv.host, srv.port), timeout=30)
        waiting.sendall(get)
        late = read_response(waiting)
    waiting.close()
    check(late.startswith(b"HTTP/1.1 200"), "served once the first connection closed: %r" % late[:40])
    return srv.stop()


def test_address_throttling():
    srv = Server("--set", "login_max_failures_addr=2", "--set", "login_max_failures_user=100")
    for i in range(2):
        srv.request("POST", "/api/v1/login", {"name": "ghost%d" % i, "password": "whatever1"})
    st, j, _, _ = srv.request("POST", "/api/v1/login", {"name": "cd1", "password": PASSWORD})
    check(st == 429 and is_error(j, "too_many_requests"), "address throttled (%d)" % st)
    return srv.stop()


def test_config_file():
    path = os.path.join(TMP, "pcn.conf")
    with open(path, "w") as f:
        f.write("# test\nthreads = 3\nmax_page = 7\n")
    srv = Server("--config", path)
    c = Client(srv, "cd1")
    st, j, _, _ = c.get("/api/v1/practices?limit=8")
    check(st == 400, "config file max_page applies (%d)" % st)
    srv.stop()
    with open(path, "w") as f:
        f.write("threads = 3\nnot_a_key = 1\n")
    rc, _, err = pcn("serve", "--db", DB, "--config", path, "--listen", "127.0.0.1:0")
    check(rc == 2 and "pcn.conf:2" in err and "not_a_key" in err, "bad config key: " + err)


def test_sp_tables_unreadable():
    """The social prescribing tables are read by its first request: a postcode table that
    cannot be read leaves the rest of the server working and makes those requests 503,
    naming the file, every time (nothing half-loaded is kept)."""
    bad = os.path.join(TMP, "no-such-dir", "postcodes.csv")
    srv = Server("--set", "postcodes=" + bad)
    try:
        c = Client(srv, "cd1")
        st, _, _, _ = c.get("/api/v1/practices")
        check(st == 200, "the server answers without its social prescribing tables (%d)" % st)
        for path in ("/api/v1/sp/assets", "/api/v1/sp/reports/activity", "/api/v1/sp/assets"):
            st, j, _, _ = c.get(path)
            check(st == 503 and is_error(j, "unavailable") and bad in j["error"]["message"],
                  "GET %s without the postcode table: %d %s" % (path, st, j))
    finally:
        log = srv.stop()
    check("social prescribing: cannot load its tables" in log, "the failed load is logged")


def wait_ready(srv, seconds=20):
    """GET /health until the population is ready (or the time is up); the last answer."""
    deadline = time.time() + seconds
    while True:
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        if h["population"]["state"] == "ready" or time.time() >= deadline:
            return h
        time.sleep(0.05)


def bump_data_version():
    """What an import does to the data version, without changing the data."""
    db = sqlite3.connect(DB)
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")
    db.commit()
    db.close()


def test_snapshot_file():
    """snapshot_file and warm_start: the population is prepared when the server starts,
    kept in the file, and loaded from it by the next server instead of walking the store."""
    path = os.path.join(TMP, "pop.snap")
    srv = Server("--set", "snapshot_file=" + path)
    deadline = time.time() + 30
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.05)  # no request: the warm-up alone writes it
    check(os.path.exists(path), "the warm start wrote the snapshot file")
    while time.time() < deadline:
        st, h, _, _ = srv.request("GET", "/api/v1/health")
        if h["population"]["state"] == "ready":
            break
        check(h["population"]["state"] == "preparing", "health while warming: %s" % h)
        time.sleep(0.05)
    check(h["population"] == {"state": "ready", "data_version": h["data_version"]},
          "health: the population is ready: %s" % h)
    c = Client(srv, "cd1")
    st, first, _, _ = c.get("/api/v1/reports/registers")
    check(st == 200, "report on the warm snapshot (%d)" % st)
    log = srv.stop()
    check("read from the store" in log and "loaded from the snapshot file" not in log,
          "the first server reads the store: " + log[-400:])
    srv = Server("--set", "snapshot_file=" + path)
    c = Client(srv, "cd1")
    st, again, _, _ = c.get("/api/v1/reports/registers")
    log = srv.stop()
    check(st == 200 and again == first, "the same report from the loaded snapshot")
    check("loaded from the snapshot file" in log, "the next server loads the file: " + log[-400:])
    leftovers = [f for f in os.listdir(TMP) if f.startswith("pop.snap.tmp")]
    check(not leftovers, "no temporary snapshot file left: %s" % leftovers)
    # an import while the server runs: the refresher prepares the new population unasked
    srv = Server("--set", "population_refresh=0.1")
    # wait for the warm start to finish first: a bump made while it is still reading the
    # version would be seen by the first build, leaving nothing for the refresher to do
    h = wait_ready(srv)
    check(h["population"]["state"] == "ready", "warm start before the import: %s" % h)
    bump_data_version()
    want = h["data_version"] + 1
    deadline = time.time() + 20
    while time.time() < deadline:
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        if h["population"]["data_version"] == want:
            break
        time.sleep(0.05)
    log = srv.stop()
    check(h["population"] == {"state": "ready", "data_version": want},
          "the refresher prepared the changed data: %s" % h)
    check(log.count("population of") >= 2, "two builds logged: " + log[-500:])
    srv = Server("--set", "warm_start=0")
    time.sleep(0.3)
    st, h, _, _ = srv.request("GET", "/api/v1/health")
    log = srv.stop()
    check(st == 200 and "population of" not in log, "warm_start=0 prepares nothing: " + log[-300:])
    check(h["population"] == {"state": "none", "data_version": None}, "health: none: %s" % h)
    # a population a report had to read from the store is saved too, once it is in use:
    # by the refresher when it runs, else by the request itself
    for extra in (("population_refresh=3600",), ("warm_start=0",)):
        srv = Server("--set", "snapshot_file=" + path, *sum((["--set", x] for x in extra), []))
        if "warm_start=0" not in extra:
            wait_ready(srv)
        bump_data_version()
        st, _, _, _ = Client(srv, "cd1").get("/api/v1/reports/registers")
        log = srv.stop()
        check(st == 200 and "read from the store" in log and "not saved" not in log,
              "%s: the report read the changed data: %s" % (extra, log[-400:]))
        srv = Server("--set", "snapshot_file=" + path, "--set", "warm_start=0")
        st, _, _, _ = Client(srv, "cd1").get("/api/v1/reports/registers")
        log = srv.stop()
        check(st == 200 and "loaded from the snapshot file" in log,
              "%s: the population the report read was saved: %s" % (extra, log[-400:]))


def test_definitions_compiled_once(keys):
    """The definitions are compiled once per version, whatever the requests and workers: N
    reports, worklists and patient views (several at once) compile once; an edit is picked up
    within a second and compiled once more; an edit that does not compile keeps the version."""
    import threading
    defs = os.path.join(TMP, "defs-copy")
    repo_defs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "defs")
    shutil.copytree(repo_defs, defs)
    srv = Server("--set", "defs=" + defs, "--set", "warm_start=0")
    try:
        c = Client(srv, "cd1")
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        check(h["definitions"] == {"version": 0, "compiles": 0},
              "nothing compiled before a request asks: %s" % h)
        paths = ["/api/v1/reports/registers", "/api/v1/reports/frailty?by=practice",
                 "/api/v1/indicators", "/api/v1/reports/all?by=sex", "/api/v1/worklists",
                 "/api/v1/worklists/cvd_no_bp", "/api/v1/worklists/smr_priority?format=csv",
                 "/api/v1/patients/%d?include=registers" % keys["P1"]]
        statuses = []

        def get(path):
            statuses.append(c.get(path)[0])
        threads = [threading.Thread(target=get, args=(p,)) for p in paths * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(statuses == [200] * len(threads), "requests at once: %s" % statuses)
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        check(h["definitions"] == {"version": 1, "compiles": 1},
              "%d requests compiled the definitions once: %s" % (len(threads), h))
        with open(os.path.join(defs, "99_extra.pcn"), "w") as f:
            f.write('register extra_reg "Extra" = age >= 0\n')
        time.sleep(1.1)  # the folder is looked at no more than once a second
        st, j, _, _ = c.get("/api/v1/reports/extra_reg")
        check(st == 200 and j["results"][0]["name"] == "extra_reg", "an added definition: %d" % st)
        st, j, _, _ = c.get("/api/v1/reports/registers")
        check(st == 200 and j["total"] == 22, "the cached report follows the definitions")
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        check(h["definitions"] == {"version": 2, "compiles": 2}, "compiled again: %s" % h)
        with open(os.path.join(defs, "99_extra.pcn"), "a") as f:
            f.write("register broken = \n")
        time.sleep(1.1)
        st, j, _, _ = c.get("/api/v1/reports/extra_reg")
        _, h, _, _ = srv.request("GET", "/api/v1/health")
        check(st == 200 and h["definitions"] == {"version": 2, "compiles": 2},
              "an edit that does not compile keeps the version in use: %d %s" % (st, h))
    finally:
        log = srv.stop()
    check(log.count("definitions compiled") == 2 and "do not compile" in log,
          "compiles and the failed one logged: " + log[-600:])


def test_cli_users():
    rc, out, _ = pcn("user", "list", "--db", DB, "--format", "csv")
    check(rc == 0 and "pm1,practice_manager,A81001,false," in out and
          "lw1,link_worker,,true," in out, "pcn user list: " + out)
    check("argon2" not in out, "pcn user list shows no hashes")
    for args, stdin, want, what in (
            (["add", "--db", DB, "--role", "root", "x1"], PASSWORD, 2, "unknown role"),
            (["add", "--db", DB, "--role", "practice_manager", "x2"], PASSWORD, 2,
             "practice manager without practice"),
            (["add", "--db", DB, "--role", "analyst", "--practice", "NOPE", "x3"], PASSWORD, 2,
             "bad practice code"),
            (["add", "--db", DB, "--role", "analyst", "x4"], "short", 2, "short password"),
            (["add", "--db", DB, "--role", "analyst", "cd1"], PASSWORD, 1, "existing name"),
            (["disable", "--db", DB, "nobody"], None, 1, "disable unknown"),
            (["frobnicate", "--db", DB], None, 2, "unknown subcommand")):
        rc, _, err = pcn("user", *args, stdin=stdin)
        check(rc == want and err.startswith("pcn user"), "pcn user %s -> %d (%d %s)" % (
            what, want, rc, err.strip()))
    rc, out, _ = pcn("user", "passwd", "--db", DB, "an1", stdin="a new password\n")
    check(rc == 0 and "sessions revoked" in out, "pcn user passwd")
    rc, out, _ = pcn("user", "enable", "--db", DB, "lw1")
    check(rc == 0, "pcn user enable")
    srv = Server()
    st, _, _, _ = srv.request("POST", "/api/v1/login", {"name": "an1", "password": PASSWORD})
    check(st == 401, "old password refused after passwd")
    st, _, _, _ = srv.request("POST", "/api/v1/login", {"name": "an1", "password": "a new password"})
    check(st == 200, "new password accepted after passwd")
    st, _, _, _ = srv.request("POST", "/api/v1/login", {"name": "lw1", "password": PASSWORD})
    check(st == 200, "re-enabled user signs in")
    srv.stop()


def test_cli_patient_reads():
    """pcn report with a worklist and pcn export print patient data: each is audited with the
    OS user, the command and what it returned (issue 13, item 2)."""
    import pwd
    user = pwd.getpwuid(os.geteuid()).pw_name

    def last_id():
        db = sqlite3.connect(DB)
        n = db.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        db.close()
        return n

    before = last_id()
    rc, out, err = pcn("report", "--db", DB, "cvd_no_bp")
    check(rc == 0 and "A81002" in out, "pcn report cvd_no_bp: " + err)
    rc, out, err = pcn("report", "--db", DB, "dm")
    check(rc == 0, "pcn report dm (aggregate): " + err)
    out_dir = os.path.join(TMP, "export")
    rc, out, err = pcn("export", "--db", DB, "--format", "csv", out_dir)
    check(rc == 0, "pcn export: " + err)
    db = sqlite3.connect(DB)
    rows = db.execute("SELECT user_name, role, method, route, object_type, object_id, status "
                      "FROM audit WHERE id > ? ORDER BY id", (before,)).fetchall()
    db.close()
    check(len(rows) == 2, "one audit row per patient-level command, none for aggregates: %s"
          % rows)
    check(rows and rows[0][:5] == (user, "admin", "CLI", "report", "worklist")
          and rows[0][5].startswith("cvd_no_bp as_of=") and rows[0][5].endswith(" rows=1")
          and rows[0][6] == 200, "pcn report of a worklist audited: %s" % rows[:1])
    check(len(rows) > 1 and rows[1][:5] == (user, "admin", "CLI", "export", "population")
          and rows[1][5] == "3 patients to " + out_dir, "pcn export audited: %s" % rows[1:])
    rc, out, err = pcn("audit", "verify", "--db", DB)
    check(rc == 0 and "intact" in out, "the chain holds with CLI rows: " + out + err)


def test_cli_audit_tamper():
    rc, out, err = pcn("audit", "verify", "--db", DB)
    check(rc == 0 and "intact" in out, "pcn audit verify intact: " + out + err)
    rc, out, _ = pcn("audit", "list", "--db", DB, "--limit", "3", "--format", "csv")
    check(rc == 0 and out.count("\n") == 4, "pcn audit list")
    db = sqlite3.connect(DB)
    try:
        db.execute("UPDATE audit SET status = 200 WHERE id = 5")
        check(False, "audit UPDATE refused by trigger")
    except sqlite3.DatabaseError as e:
        check("append-only" in str(e), "audit UPDATE refused by trigger")
    try:
        db.execute("DELETE FROM audit WHERE id = 5")
        check(False, "audit DELETE refused by trigger")
    except sqlite3.DatabaseError as e:
        check("append-only" in str(e), "audit DELETE refused by trigger")
    db.close()
    for what, sql, bad in (
            ("edited", "DROP TRIGGER audit_no_update; UPDATE audit SET user_name = 'x' WHERE id = 5",
             "row 5"),
            ("deleted", "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 5", "row 6"),
            ("re-hashed edit", "DROP TRIGGER audit_no_update; "
             "UPDATE audit SET status = 200, hash = prev_hash WHERE id = 7", "row 7")):
        copy = os.path.join(TMP, "tamper-%s.db" % what.replace(" ", "-"))
        shutil.copy(DB, copy)
        db = sqlite3.connect(copy)
        db.executescript(sql)
        db.close()
        rc, out, err = pcn("audit", "verify", "--db", copy)
        check(rc == 1 and "tampered at " + bad in err, "verify detects %s row: %s" % (what, err))


def main():
    keys = make_fixture()
    srv = Server("--set", "login_max_failures_user=3", "--set", "login_max_failures_addr=1000",
                 "--set", "max_body=4096")
    try:
        test_health_and_unauthenticated(srv)
        role_matrix(srv, keys)
        test_registry_routes(srv)
        test_patient_view(srv, keys)
        test_engine_routes(srv, keys)
        test_shared_schemas(srv)
        test_default_as_of(srv)
        test_time_limit(srv)
        test_sessions_and_csrf(srv)
        test_disable_user(srv)
        test_throttling(srv)
        test_bad_input(srv)
        test_static_files(srv)
        test_header_limit(srv)
        test_audit(srv, keys)
        test_social_prescribing(srv, keys)
    finally:
        log = srv.stop()
    check(srv.proc.returncode == 0, "server exit status 0")
    logs = log + test_graceful_shutdown() + test_address_throttling() + test_connection_limit()
    test_config_file()
    test_sp_tables_unreadable()
    test_definitions_compiled_once(keys)
    test_snapshot_file()
    test_cli_users()
    check("GET /api/v1/patients/{key} 200" in logs, "access log names the route pattern")
    secrets = NHS_NUMBERS + [PASSWORD, "Smith", "P1"] + [str(k) for k in ()]
    check(not any(s in logs for s in secrets), "no password or patient identifier in the log")
    check("Bearer" not in logs and "pcn_session=" not in logs, "no token in the log")
    test_cli_patient_reads()
    test_cli_audit_tamper()
    print("%d checks, %d failed" % (checks, len(failures)))
    if failures:
        print("server log:\n" + log[-3000:], file=sys.stderr)
        return 1
    shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
