#!/usr/bin/env bash
# pcn sp end to end on a generated network: the twin's directory and
# referrals, a directory import (all or nothing) and export round trip,
# searches, a referral's whole workflow with its refusals (a stale version,
# a move the state machine forbids, invalid scores), coding back (PC01
# counts the new referral; recoding writes the same codes again), the
# reports, and the audit rows of CLI writes. sp_pg.sh runs the same on
# PostgreSQL (PCN_SP_DB is its connection string).
. "$(dirname "$0")/lib.sh" "$@"
DB=${PCN_SP_DB:-$TMP/sp.db}
DATA="$SRC/tests/data/sp"
rows() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$TMP/out"; }
pc01() {
  run report --db "$DB" --format json --as-of 2027-03-31 pc01; expect_status 0
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["groups"][0]["numerator"])' "$TMP/out"
}

run generate --db "$DB" --practices 2 --patients 3000 --seed 7
expect_status 0; expect_err "social prescribing: "; expect_err "link-worker FTE"
expect_err "in place of the generator's"
run sp assets list --db "$DB" --inactive --format json; expect_status 0
twin_assets=$(rows)
[[ "$twin_assets" -ge 12 ]] || fail "the twin's directory has $twin_assets assets"

# the directory: a bad file changes nothing; a good one adds its rows
printf 'name,categories,postcode\nWalk,physical_activity,SM1 1AA\nKnit,knitting,\n' >"$TMP/bad.csv"
run sp assets import --db "$DB" "$TMP/bad.csv"
expect_status 1; expect_err "bad.csv:3: column 'categories': unknown category 'knitting'"
python3 - "$DATA/assets.csv" "$TMP/new.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), [k for k in rows[0] if k != "id"],
                   lineterminator="\n")
w.writeheader()
for r in rows:
    r.pop("id")
    w.writerow(r)
EOF
run sp assets import --db "$DB" "$TMP/new.csv"
expect_status 0; expect_out "7 assets imported: 5 placed, 1 with a postcode outside the postcode table"
run sp assets list --db "$DB" --inactive --format json; expect_status 0
expect_eq "$(rows)" "$((twin_assets + 7))" "assets after the import"
run sp assets export --db "$DB" --out "$TMP/export.csv"; expect_status 0
run sp assets import --db "$DB" "$TMP/export.csv"; expect_status 0
run sp assets export --db "$DB"; expect_status 0
cmp -s "$TMP/out" "$TMP/export.csv" || fail "export, import, export is not a round trip"
run sp assets search --db "$DB" --category physical_activity --postcode "SM1 1AA" --km 2
expect_status 0; expect_out "Sutton Walking Group"
run sp assets search --db "$DB" --text "COPD singing" --format csv
expect_status 0; expect_out "Sing for Better Breathing"
run sp assets search --db "$DB" --postcode "ZZ99 9ZZ"
expect_status 1; expect_err "not in the postcode table"

# a referral's workflow, coded back into the record
before=$(pc01)
# someone registered and alive who has never been referred
run sp referrals list --db "$DB" --format csv; expect_status 0
cp "$TMP/out" "$TMP/referrals.csv"
run export --db "$DB" --format csv "$TMP/export"; expect_status 0
patient=$(python3 - "$TMP/export/patients.csv" "$TMP/referrals.csv" <<'EOF'
import csv, sys
referred = {r["patient_id"] for r in csv.DictReader(open(sys.argv[2]))}
for p in csv.DictReader(open(sys.argv[1])):
    if not p["registered_to"] and not p["date_of_death"] and p["patient_id"] not in referred:
        print(p["patient_id"])
        break
EOF
)
[[ -n "$patient" ]] || fail "no unreferred patient"
# the twin's referrals code the record in place of the generator's own referral codes
python3 - "$TMP/export/events.csv" "$TMP/referrals.csv" <<'EOF' || fail "referral codes and referrals agree"
import csv, sys
codes = {}
for e in csv.DictReader(open(sys.argv[1])):
    if e["code"] == "871731000000106":
        assert e["source"] == "openpcn-sp", e
        codes[e["patient_id"]] = codes.get(e["patient_id"], 0) + 1
referrals = {}
for r in csv.DictReader(open(sys.argv[2])):
    referrals[r["patient_id"]] = referrals.get(r["patient_id"], 0) + 1
assert codes == referrals, (len(codes), len(referrals))
EOF
run sp referrals add --db "$DB" --patient "$patient" --source self --reason "wants company" \
  --needs "loneliness;volunteering" --link-worker linkworker1 --by linkworker1
expect_status 0; expect_out "received (version 1)"; expect_out "coded into the record: 1 event"
id=$(sed -n 's/^referral \([0-9]*\) received.*/\1/p' "$TMP/out")
expect_eq "$(pc01)" "$((before + 1))" "PC01 counts the new referral"
run sp referrals add --db "$DB" --patient NOBODY --source self --by linkworker1
expect_status 1; expect_err "patient_id: NOBODY is not in the population"
run sp referrals move --db "$DB" --to contacted --version 1 --by linkworker1 "$id"
expect_status 0; expect_out "now at version 2"
run sp referrals move --db "$DB" --to declined --version 1 --by linkworker2 "$id"
expect_status 1; expect_err "was changed by someone else (version 2, not 1)"
run sp referrals move --db "$DB" --to connected --version 2 --by linkworker1 "$id"
expect_status 1; expect_err "cannot move to 'connected' (allowed: first_appointment"
run sp referrals move --db "$DB" --to closed --version 2 --by linkworker1 "$id"
expect_status 1; expect_err "reason"
run sp referrals contact --db "$DB" --type telephone --minutes 15 --by linkworker1 "$id"
expect_status 0
run sp referrals contact --db "$DB" --type telephone --minutes 900 --by linkworker1 "$id"
expect_status 2; expect_err "--minutes: 0-480"
run sp referrals contact --db "$DB" --type telephone --minutes 0 --by linkworker1 "$id"
expect_status 1; expect_err "minutes"
run sp outcomes record --db "$DB" --instrument ons4 --items 5,6,4,11 --by linkworker1 "$id"
expect_status 1; expect_err "ONS4 anxiety is 11; items are scored 0-10"
run sp outcomes record --db "$DB" --instrument swemwbs --items 3,3,6,3,3,3,3 --by linkworker1 "$id"
expect_status 1; expect_err "SWEMWBS item 3 (relaxed) is 6; items are scored 1-5"
run sp outcomes record --db "$DB" --instrument swemwbs --items 3,3,3,3,3,3,3 --by linkworker1 "$id"
expect_status 0; expect_out "coded into the record: 1 event"
run sp referrals move --db "$DB" --to first_appointment --version 2 --by linkworker1 "$id"
expect_status 0
run sp referrals plan --db "$DB" --what-matters "Getting out more" --version 3 --by linkworker1 "$id"
expect_status 0
run sp referrals goal --db "$DB" --text "Join the choir" --by linkworker1 "$id"
expect_status 0
run sp referrals connect --db "$DB" --asset 1 --by linkworker1 "$id"
expect_status 0
run sp referrals show --db "$DB" --format json "$id"; expect_status 0
python3 - "$TMP/out" 2>"$TMP/err" <<'EOF' || fail "the referral's timeline"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
kinds = [r["kind"] for r in rows]
assert kinds[0] == "referral", kinds
assert {"transition", "contact", "questionnaire", "goal", "connection"} <= set(kinds), kinds
assert [r["what"] for r in rows if r["kind"] == "transition"] == ["contacted", "first_appointment"]
EOF
run sp referrals list --db "$DB" --link-worker linkworker1 --open --format csv
expect_status 0; expect_out "$id,4,$patient"

# the reports
for report in caseloads activity rates categories coverage; do
  run sp report "$report" --db "$DB" --format json; expect_status 0
  [[ "$(rows)" -gt 0 ]] || fail "report $report is empty"
done
run sp outcomes --db "$DB" --format csv; expect_status 0
expect_out "swemwbs_metric,all,"
run sp report nonsense --db "$DB"; expect_status 2

# recoding writes the same codes again; every CLI write left an audit row
before=$(pc01)
run sp recode --db "$DB"; expect_status 0; expect_out "recoded: "
expect_eq "$(pc01)" "$before" "PC01 unchanged by recoding"
run audit list --db "$DB" --format csv --limit 1000; expect_status 0
expect_out "linkworker1,cli,CLI,sp referrals move,sp_referral,$id,200"
run audit verify --db "$DB"; expect_status 0
done_ok
