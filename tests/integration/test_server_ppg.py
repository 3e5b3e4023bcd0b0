#!/usr/bin/env python3
"""Integration tests of the patient partnership routes of `pcn serve`: the role
matrix of every /api/v1/ppg route (reads and writes), the ppg_member role's
reach (its own group, brief member lists, suppressed aggregates), CSRF, the
409 with the current state for a stale version, hostile input that changes
nothing, the audit rows, the public board (no sign-in, published items only,
rate-limited) and the schemas shared with `pcn ppg`. Reuses the server and
client helpers of test_server.py. Usage: test_server_ppg.py PATH-TO-PCN
"""
import json
import os
import shutil
import sqlite3
import sys

import test_server as ts
from test_server import Client, Server, check, day, is_error, pcn

DB = os.path.join(ts.TMP, "ppg.db")
PASSWORD = ts.PASSWORD


def make_fixture():
    rc, _, err = pcn("init", "--db", DB)
    assert rc == 0, err
    db = sqlite3.connect(DB)
    db.executescript("""
      INSERT INTO network (code, name) VALUES ('U00001', 'Test PCN');
      INSERT INTO network (code, name) VALUES ('U00002', 'Other PCN');
      INSERT INTO practice (code, name) VALUES ('A81001', 'North Surgery');
      INSERT INTO practice (code, name) VALUES ('A81002', 'South Surgery');
      INSERT INTO practice (code, name) VALUES ('B82001', 'Far Practice');
    """)
    for p, n in (("A81001", "U00001"), ("A81002", "U00001"), ("B82001", "U00002")):
        db.execute("INSERT INTO membership VALUES (?, ?, ?, NULL)", (p, n, day(2020, 1, 1)))
    # list size bands of A81001: 1,000 adults in five bands; 3 people of 95+ (small)
    for age, n in ((20, 100), (30, 100), (40, 100), (60, 100), (70, 100), (95, 3)):
        for sex in ("F", "M"):
            db.execute("INSERT INTO list_band VALUES ('A81001', ?, ?, ?, ?)",
                       (day(2024, 1, 1), sex, age, n))
    # patient records of A81001 for ethnicity and deprivation (IMD deciles of real LSOAs)
    for i in range(40):
        eth = "A" if i < 30 else ("H" if i < 38 else "N")
        lsoa = "E01000001" if i % 2 else "E01012002"
        db.execute("INSERT INTO patient (patient_id, date_of_birth, sex, ethnicity, lsoa, "
                   "practice) VALUES (?,?,?,?,?,?)",
                   ("P%d" % i, day(1950 + i, 1, 1), "F" if i % 2 else "M", eth, lsoa, "A81001"))
    db.execute("INSERT INTO meta VALUES ('data_as_of', '2024-06-01')")
    db.commit()
    db.close()
    users = [("admin1", "admin", None), ("cd1", "clinical_director", None),
             ("pm1", "practice_manager", "A81001"), ("pm2", "practice_manager", "A81002"),
             ("clin1", "clinician", None), ("lw1", "link_worker", None),
             ("ppg1", "ppg_member", "A81001"), ("ppgnet", "ppg_member", None),
             ("an1", "analyst", None)]
    for name, role, prac in users:
        args = ["user", "add", "--db", DB, "--role", role, name]
        if prac:
            args[-1:-1] = ["--practice", prac]
        rc, _, err = pcn(*args, stdin=PASSWORD + "\n")
        assert rc == 0, err
    # groups and members through the CLI
    for args in (["group-add", "--network", "U00001", "--practice", "A81001", "--name",
                  "North PPG"],
                 ["group-add", "--network", "U00001", "--name", "Network forum"],
                 ["group-add", "--network", "U00002", "--practice", "B82001", "--name",
                  "Far PPG"]):
        rc, _, err = pcn("ppg", *args, "--db", DB)
        assert rc == 0, err
    members = [("Ann Chair", "65-74", "female", "white", "chair", "ann@example.org"),
               ("Bob", "75-84", "male", "white", "member", None),
               ("Cy", "65-74", "female", "white", "member", None),
               ("Di", "55-64", "female", "asian", "member", None),
               ("Ed", "65-74", "male", "white", "virtual", None)]
    for name, age, sex, eth, role, email in members:
        args = ["members", "add", "--db", DB, "--group", "1", "--name", name, "--age-band", age,
                "--sex", sex, "--ethnic-group", eth, "--role", role, "--joined", "2020-02-02"]
        if email:
            args += ["--email", email]
        rc, _, err = pcn("ppg", *args)
        assert rc == 0, err


def post(c, path, body, csrf=True):
    return c.post(path, body, csrf=csrf)


ROUTES = ["/api/v1/ppg/groups", "/api/v1/ppg/groups/1/members",
          "/api/v1/ppg/representativeness", "/api/v1/ppg/activities", "/api/v1/ppg/feedback",
          "/api/v1/ppg/changes", "/api/v1/ppg/ladder", "/api/v1/ppg/coproduction"]


def role_matrix(srv):
    D, F = 200, 403
    expect = {  # groups members repr activities feedback changes ladder coproduction
        "admin1": [F, F, F, F, F, F, F, F],
        "cd1": [D, D, D, D, D, D, D, D],
        "pm1": [D, D, D, D, D, D, D, D],
        "pm2": [D, F, D, D, D, D, D, D],  # another practice's members
        "clin1": [D, F, D, D, D, D, D, D],
        "lw1": [D, F, D, D, D, D, D, D],
        "ppg1": [D, D, D, D, D, D, D, D],  # its own group, brief
        "ppgnet": [D, F, D, D, D, D, D, D],
        "an1": [D, F, D, D, D, D, D, D],
    }
    bodies = {}
    for user, statuses in expect.items():
        c = Client(srv, user)
        for path, want in zip(ROUTES, statuses):
            st, j, _, text = c.get(path)
            check(st == want, "ppg role matrix %s GET %s: want %d got %d %s" % (
                user, path, want, st, text[:160]))
            if want == F:
                check(is_error(j, "forbidden"), "403 is a JSON error: %s %s" % (user, path))
            bodies[(user, path)] = j
    members = bodies[("cd1", "/api/v1/ppg/groups/1/members")]
    check(members["kind"] == "ppg_members" and members["total"] == 5 and not members["brief"] and
          any(r["email"] == "ann@example.org" for r in members["rows"]), "full member list")
    brief = bodies[("ppg1", "/api/v1/ppg/groups/1/members")]
    check(brief["brief"] and all(r["email"] is None and r["age_band"] is None and
                                  r["ethnic_group"] is None for r in brief["rows"]) and
          any(r["name"] == "Ann Chair" and r["role"] == "chair" for r in brief["rows"]),
          "ppg_member sees who, role and when only")
    # representativeness: the clinical director in full, aggregate-only roles suppressed
    full = bodies[("cd1", "/api/v1/ppg/representativeness")]
    g = full["groups"][0]
    age = [d for d in g["dimensions"] if d["name"] == "age"][0]
    eth = [d for d in g["dimensions"] if d["name"] == "ethnic_group"][0]
    check(full["suppress"] == 0 and g["members"] == 5 and age["source"] == "list_sizes" and
          age["population"] == 1006 and eth["source"] == "patient_records" and
          eth["index"] is not None, "representativeness for the clinical director: %s" % g)
    check(any(x["text"].startswith("No members under 55") for x in g["gaps"]),
          "the gaps in words: %s" % g["gaps"])
    for user in ("ppg1", "an1"):
        sup = bodies[(user, "/api/v1/ppg/representativeness")]
        g = sup["groups"][0]
        age = [d for d in g["dimensions"] if d["name"] == "age"][0]
        c85 = [c for c in age["categories"] if c["code"] == "85+"][0]
        c65 = [c for c in age["categories"] if c["code"] == "65-74"][0]
        check(sup["suppress"] == 8 and g["members"] is None and c65["members"] is None and
              c65["member_pct"] is None and c65["population"] == 200 and
              c85["population"] is None, "%s gets suppressed figures: %s" % (user, c85))
        check("Ann" not in json.dumps(sup) and "example.org" not in json.dumps(sup),
              "%s sees no member's name or address in the aggregates" % user)


def test_writes(srv):
    roles = {"admin1": 403, "cd1": 201, "pm1": 201, "pm2": 201, "clin1": 403, "lw1": 403,
             "ppg1": 201, "ppgnet": 403, "an1": 403}
    for user, want in roles.items():
        c = Client(srv, user)
        st, j, _, _ = post(c, "/api/v1/ppg/activities",
                           {"kind": "meeting", "rung": "inform", "title": "Meeting by " + user,
                            "held": "2024-03-01", "people": 8, "groups": [1]})
        check(st == want, "POST activity as %s: want %d got %d %s" % (user, want, st, j))
    ppg = Client(srv, "ppg1")
    st, j, _, _ = post(ppg, "/api/v1/ppg/activities",
                       {"kind": "meeting", "rung": "inform", "title": "Forum", "held": "2024-03-01",
                        "groups": [2]})
    check(st == 403 and is_error(j, "forbidden") and "own group" in j["error"]["message"],
          "ppg_member may not record another group's activity: %s" % j)
    st, j, _, _ = post(ppg, "/api/v1/ppg/feedback",
                       {"group": 1, "said": "The hearing loop is broken", "received": "2024-03-02"})
    check(st == 201 and j["group_id"] == 1 and j["outcome"] == "open", "ppg_member records feedback")
    fid = j["id"]
    st, j, _, _ = post(ppg, "/api/v1/ppg/feedback/%d" % fid,
                       {"response": "Fixed", "outcome": "done", "published": True, "version": 1})
    check(st == 403 and "publish" in j["error"]["message"], "ppg_member may not publish: %s" % j)
    st, j, _, _ = post(ppg, "/api/v1/ppg/groups/1/members", {"name": "New"})
    check(st == 403, "ppg_member may not add members")
    pm1, pm2 = Client(srv, "pm1"), Client(srv, "pm2")
    st, j, _, _ = post(pm1, "/api/v1/ppg/groups/1/members",
                       {"name": "Fay", "age_band": "25-34", "sex": None, "email": "fay@example.org",
                        "joined": "2024-01-10"})
    check(st == 201 and j["consent"] is True and j["sex"] == "not_stated" and j["version"] == 1,
          "practice manager adds a member to their PPG: %s" % j)
    fay = j["id"]
    st, j, _, _ = post(pm2, "/api/v1/ppg/groups/1/members", {"name": "Gus"})
    check(st == 403 and "your practice's PPG" in j["error"]["message"],
          "practice manager of another practice refused: %s" % j)
    st, j, _, _ = post(pm1, "/api/v1/ppg/groups", {"name": "Second PPG", "practice": "A81001"})
    check(st == 409 and is_error(j, "conflict"), "one PPG per practice: %s" % j)
    st, j, _, _ = post(pm1, "/api/v1/ppg/groups", {"name": "A forum"})
    check(st == 403, "a practice manager may not create a network-level group")
    # consent withdrawn over the API
    st, j, _, _ = post(pm1, "/api/v1/ppg/members/%d/withdraw-consent" % fay,
                       {"date": "2024-05-01", "version": 1})
    check(st == 200 and j["name"] is None and j["email"] is None and j["age_band"] == "25-34" and
          j["withdrawn"] == "2024-05-01" and j["version"] == 2, "consent withdrawn: %s" % j)
    st, j, _, _ = post(pm1, "/api/v1/ppg/members/%d" % fay,
                       {"name": "Fay Again", "version": 2})
    check(st == 400 and "withdrawn" in j["error"]["message"], "a withdrawal stands: %s" % j)
    # changes and involvement
    cd = Client(srv, "cd1")
    st, j, _, _ = post(cd, "/api/v1/ppg/changes", {"title": "First contact physio",
                                                    "started": "2023-09-01"})
    check(st == 201 and j["id"] == 1, "clinical director records a change")
    st, j, _, _ = post(ppg, "/api/v1/ppg/changes/1/involvement",
                       {"stage": "needs", "rung": "involve", "group": 1, "date": "2023-06-01",
                        "people": 9})
    check(st == 201 and j["stage"] == "needs", "ppg_member records its group's involvement")
    inv = j["id"]
    st, j, _, _ = post(ppg, "/api/v1/ppg/changes/1/involvement",
                       {"stage": "design", "rung": "consult", "who": "Healthwatch",
                        "date": "2023-07-01"})
    check(st == 403, "ppg_member may not record others' involvement: %s" % j)
    st, j, _, _ = cd.get("/api/v1/ppg/coproduction")
    check(st == 200 and j["rows"][0]["from_start"] is True and j["rows"][0]["needs"] == "involve",
          "co-production from the start: %s" % j["rows"])
    st, j, _, _ = cd.get("/api/v1/ppg/changes/1")
    check(st == 200 and j["change"]["title"] == "First contact physio" and
          j["involvement"]["rows"][0]["group"] == "North PPG", "a change with its involvement")
    st, j, _, _ = srv.request("POST", "/api/v1/ppg/involvement/%d/remove" % inv,
                              headers=Client(srv, "ppgnet").auth)
    check(st == 403, "ppg_member of another group may not remove it")
    st, j, _, _ = cd.post("/api/v1/ppg/involvement/%d/remove" % inv)
    check(st == 200 and j["removed"] is True, "involvement removed")
    st, j, _, _ = cd.post("/api/v1/ppg/involvement/%d/remove" % inv)
    check(st == 404, "removed once only")
    return fid


def test_conflict(srv, fid):
    a, b = Client(srv, "cd1"), Client(srv, "pm1")
    st, j, _, _ = a.get("/api/v1/ppg/feedback?group=1")
    item = [r for r in j["rows"] if r["id"] == fid][0]
    check(item["version"] == 1, "feedback read at version 1")
    st, j, _, _ = post(a, "/api/v1/ppg/feedback/%d" % fid,
                       {"response": "The loop is fixed", "outcome": "done", "published": True,
                        "version": 1})
    check(st == 200 and j["version"] == 2 and j["published"] is True and j["responded"],
          "first writer wins: %s" % j)
    st, j, _, _ = post(b, "/api/v1/ppg/feedback/%d" % fid,
                       {"response": "We will look into it", "outcome": "in_progress",
                        "version": 1})
    check(st == 409 and is_error(j, "conflict") and j["current"]["version"] == 2 and
          j["current"]["response"] == "The loop is fixed",
          "second writer gets 409 with the current state: %s" % j)
    st, j, _, _ = post(b, "/api/v1/ppg/feedback/%d" % fid, {"outcome": "done"})
    check(st == 400 and "version" in j["error"]["message"], "an update needs the version read")
    st, j, _, _ = post(b, "/api/v1/ppg/feedback/999", {"outcome": "done", "version": 1})
    check(st == 404, "no such feedback")


def test_csrf(srv):
    b = Client(srv, "cd1", browser=True)
    body = {"kind": "survey", "rung": "consult", "title": "x", "held": "2024-01-01", "groups": [1]}
    st, j, _, _ = b.post("/api/v1/ppg/activities", body, csrf=False)
    check(st == 403 and is_error(j, "csrf"), "cookie write without CSRF token refused")
    st, j, _, _ = b.post("/api/v1/ppg/activities", body)
    check(st == 201, "cookie write with the CSRF token")


def test_hostile(srv):
    cd = Client(srv, "cd1")
    _, before, _, _ = cd.get("/api/v1/ppg/feedback?limit=500")
    cases = [
        ("unknown field", {"said": "x", "colour": "red"}, 400, "unknown_field"),
        ("wrong type", {"said": 5}, 400, "invalid_field"),
        ("bad outcome", {"said": "x", "outcome": "maybe"}, 400, "invalid_field"),
        ("bad date", {"said": "x", "received": "2024-02-30"}, 400, "invalid_field"),
        ("blank said", {"said": "   "}, 400, "invalid_field"),
        ("control characters", {"said": "bad\u0007bell"}, 400, "invalid_field"),
        ("too long", {"said": "x" * 4001}, 400, "invalid_field"),
        ("NHS number published", {"said": "Patient 943 476 5919 waited", "response": "ok",
                                  "outcome": "done", "published": True}, 400, "invalid_field"),
        ("unknown group", {"said": "x", "group": 999}, 404, "not_found"),
        ("group of another network", {"said": "x", "group": 3}, 400, "invalid_field"),
        ("negative group", {"said": "x", "group": -1}, 400, "invalid_field"),
        ("network malformed", {"said": "x", "network": "'; DROP TABLE x;--"}, 400,
         "invalid_parameter"),
        ("version on create", {"said": "x", "version": 3}, 400, "invalid_field"),
    ]
    for what, body, want, code in cases:
        st, j, _, _ = post(cd, "/api/v1/ppg/feedback", body)
        check(st == want and is_error(j, code), "hostile feedback %s: %d %s" % (what, st, j))
    raw_cases = [(b'{"said": "x", ', 400, "malformed_json"),
                 (b'{"said": "\xff\xfe"}', 400, "malformed_json"),
                 (b'[1]', 400, "malformed_json"),
                 (b'{"said": "' + b'a' * 70000 + b'"}', 413, "payload_too_large")]
    for raw, want, code in raw_cases:
        st, j, _, _ = srv.request("POST", "/api/v1/ppg/feedback", raw_body=raw,
                                  headers=dict(cd.auth, **{"Content-Type": "application/json"}))
        check(st == want and is_error(j, code), "raw body %r...: %d %s" % (raw[:20], st, j))
    for body, field in (({"kind": "survey", "rung": "ladder", "title": "x", "held": "2024-01-01"},
                         "rung"),
                        ({"kind": "survey", "rung": "inform", "title": "x", "held": "2024-01-01",
                          "people": -4}, "people"),
                        ({"kind": "survey", "rung": "inform", "title": "x", "held": "2024-01-01",
                          "groups": "1"}, "groups"),
                        ({"kind": "survey", "rung": "inform", "title": "x", "held": "2024-01-01",
                          "groups": [1, 1]}, "groups"),
                        ({"rung": "inform", "title": "x", "held": "2024-01-01"}, "kind")):
        st, j, _, _ = post(cd, "/api/v1/ppg/activities", body)
        check(st == 400 and field in j["error"]["message"], "bad activity %s: %d %s" % (
            field, st, j))
    for path in ("/api/v1/ppg/members/abc", "/api/v1/ppg/members/0",
                 "/api/v1/ppg/members/99999999999999999999"):
        st, j, _, _ = post(cd, path, {"version": 1})
        check(st == 400 and is_error(j, "invalid_parameter"), "bad id %s: %d" % (path, st))
    for q in ("network=U1", "group=abc", "as_of=2024-13-01", "months=0", "colour=red"):
        st, j, _, _ = cd.get("/api/v1/ppg/representativeness?" + q)
        check(st == 400 and is_error(j), "bad query %s: %d" % (q, st))
    st, j, _, _ = cd.get("/api/v1/ppg/representativeness?group=999")
    check(st == 404, "unknown group 404")
    # text that looks like markup or SQL is stored and returned as text
    odd = "<script>alert(1)</script> ' OR 1=1; --"
    st, j, _, _ = post(cd, "/api/v1/ppg/feedback", {"said": odd, "received": "2024-04-01"})
    check(st == 201 and j["said"] == odd, "odd text kept as given")
    _, after, _, _ = cd.get("/api/v1/ppg/feedback?limit=500")
    check(after["total"] == before["total"] + 1, "hostile input changed nothing else")


def test_public():
    srv = Server("--set", "public_per_minute=3")
    try:
        st, j, _, text = srv.request("GET", "/api/v1/public/U00001/you-said-we-did")
        check(st == 200 and j["kind"] == "ppg_public" and j["network"]["name"] == "Test PCN",
              "public board without sign-in: %d %s" % (st, text[:200]))
        check([r["said"] for r in j["rows"]] == ["The hearing loop is broken"] and
              j["rows"][0]["response"] == "The loop is fixed" and
              j["rows"][0]["group"] == "North PPG", "published items only: %s" % j["rows"])
        check(not any(s in text for s in ("Ann", "example.org", "version", "network\":\"U")),
              "nothing about any person or the records' versions: " + text[:300])
        st, j, _, _ = srv.request("GET", "/api/v1/public/U99999/you-said-we-did")
        check(st == 404, "unknown network 404")
        st, j, _, _ = srv.request("GET", "/api/v1/public/U00001/you-said-we-did?limit=1")
        check(st == 200 and len(j["rows"]) <= 1, "public paging")
        st, j, _, _ = srv.request("GET", "/api/v1/public/U00001/you-said-we-did")
        check(st == 429 and is_error(j, "too_many_requests"), "rate-limited per address (%d)" % st)
        st, j, _, _ = srv.request("POST", "/api/v1/public/U00001/you-said-we-did")
        check(st == 405, "the public route is read-only")
    finally:
        srv.stop()


def test_audit(srv):
    admin = Client(srv, "admin1")
    st, j, _, _ = admin.get("/api/v1/audit?limit=500")
    rows = j["rows"]
    check(any(r["route"] == "/api/v1/ppg/groups/{id}/members" and r["user"] == "ppg1" and
              r["status"] == 200 and r["object_id"] == "1" for r in rows),
          "member list read audited")
    check(any(r["route"] == "/api/v1/ppg/groups/{id}/members" and r["user"] == "pm2" and
              r["status"] == 403 for r in rows), "refused member list read audited")
    check(any(r["route"] == "/api/v1/ppg/feedback/{id}" and r["status"] == 409 for r in rows),
          "the stale write audited as refused")
    check(any(r["route"] == "/api/v1/ppg/activities" and r["method"] == "POST" and
              r["user"] == "ppg1" and r["status"] == 201 and r["object_type"] == "ppg_activity"
              for r in rows), "a write audited with its object")
    check(any(r["route"] == "/api/v1/ppg/members/{id}/withdraw-consent" and r["status"] == 200
              for r in rows), "consent withdrawal audited")
    check(not any("example.org" in json.dumps(r) for r in rows), "no e-mail in the audit log")
    st, j, _, _ = admin.get("/api/v1/audit/verify")
    check(st == 200 and j["intact"], "audit chain intact")


def test_shared_schemas(srv):
    cd = Client(srv, "cd1")
    for args, path in ((["groups"], "/api/v1/ppg/groups?network=U00001"),
                       (["report", "ladder"], "/api/v1/ppg/ladder?network=U00001"),
                       (["report", "coproduction"], "/api/v1/ppg/coproduction?network=U00001"),
                       (["changes", "list"], "/api/v1/ppg/changes?network=U00001")):
        rc, out, err = pcn("ppg", *args, "--db", DB, "--network", "U00001", "--format", "json")
        st, j, _, _ = cd.get(path)
        cli = json.loads(out) if rc == 0 else {}
        check(rc == 0 and st == 200 and cli.get("kind") == j["kind"] and
              cli["columns"] == j["columns"] and cli["rows"] == j["rows"],
              "pcn ppg %s and GET %s give one table: %s" % (" ".join(args), path, err))
    rc, out, err = pcn("ppg", "report", "representativeness", "--db", DB, "--network", "U00001",
                       "--format", "json")
    st, j, _, _ = cd.get("/api/v1/ppg/representativeness?network=U00001")
    check(rc == 0 and st == 200 and json.loads(out) == j,
          "representativeness: one schema for the CLI and the API: %s" % err)


def main():
    make_fixture()
    ts.DB = DB  # the helpers' server serves this database
    srv = Server()
    try:
        role_matrix(srv)
        fid = test_writes(srv)
        test_conflict(srv, fid)
        test_csrf(srv)
        test_hostile(srv)
        test_audit(srv)
        test_shared_schemas(srv)
    finally:
        log = srv.stop()
    test_public()
    check("ann@example.org" not in log, "no e-mail address in the server log")
    print("%d checks, %d failed" % (ts.checks, len(ts.failures)))
    if ts.failures:
        print("server log:\n" + log[-3000:], file=sys.stderr)
        return 1
    shutil.rmtree(ts.TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
