#!/usr/bin/env bash
# pcn ppg end to end: groups and members (with a CSV import, blanks as not
# stated, bad values refused with FILE:LINE and nothing half-imported),
# activities, feedback and responses (a stale version refused), the
# co-production record, consent withdrawn, the reports in every format, the
# audit rows of the writes, and usage errors (exit 2) for bad bands, dates,
# rungs and outcomes. On SQLite by default; ppg_pg.sh runs the same on
# PostgreSQL (PPG_DB names the database). On SQLite only: a generated twin
# carries PPGs and a year of engagement.
. "$(dirname "$0")/lib.sh" "$@"
DATA="$SRC/tests/data/registry"
DB=${PPG_DB:-$TMP/ppg.db}
json() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); $1" || fail "json: $1"; }

run init --db "$DB"; expect_status 0
run registry import --db "$DB" "$DATA/mapping_extract.csv" "$DATA/list_size_extract.csv"
expect_status 0

# groups: a practice's PPG and the network's forum; one PPG per practice
run ppg group-add --db "$DB" --network U89141 --practice A81001 --name "Densham PPG" --formed 2015-04-01
expect_status 0; expect_out "group 1 added"
run ppg group-add --db "$DB" --network U89141 --name "Stockton patient forum"
expect_status 0; expect_out "group 2 added"
run ppg group-add --db "$DB" --network U89141 --practice A81001 --name "Another"
expect_status 1; expect_err "A81001 already has a PPG"
run ppg group-add --db "$DB" --network U89141 --practice A81002 --name "Wrong network"
expect_status 1; expect_err "practice: A81002 is not a member of network U89141"
run ppg group-add --db "$DB" --network U89141 --name "x" --formed 2015-13-01
expect_status 2; expect_err "--formed: '2015-13-01' is not a date"

# members: flags, then a CSV with blanks (not stated)
run ppg members add --db "$DB" --group 1 --name "Ann Chair" --email ann@example.org --role chair \
  --age-band 65-74 --sex female --ethnic-group white --postcode-district "ts18 1hu" \
  --deprivation-quintile 3 --carer yes --joined 2019-02-01
expect_status 0; expect_out "member 1 added to group 1"
run ppg members add --db "$DB" --group 1 --name "Bad Band" --age-band 20-29
expect_status 2; expect_err "--age-band: '20-29' is not one of: not_stated, 0-17, 18-24"
run ppg members add --db "$DB" --group 1 --name "No consent" --email x@example.org --consent no
expect_status 1; expect_err "consent: contact details are kept only with consent"
cat >"$TMP/members.csv" <<'CSV'
name,email,consent,role,age_band,sex,ethnic_group,postcode_district,deprivation_quintile,carer,disability,long_term_condition,joined,left
Bob Member,bob@example.org,yes,member,75-84,male,white,TS18,4,no,yes,yes,2020-03-01,
Cy Virtual,,,virtual,55-64,,,,,,,,2021-06-01,
Di Blank,,,,,,,,,,,,2022-01-01,
Ed Leaver,,,member,45-54,male,asian,TS19,1,,,,2018-01-01,2023-05-01
CSV
run ppg members import --db "$DB" --group 1 "$TMP/members.csv"
expect_status 0; expect_out "4 members added to group 1"
printf 'name,age_band\nGood,55-64\nBad,old\n' >"$TMP/bad.csv"
run ppg members import --db "$DB" --group 1 "$TMP/bad.csv"
expect_status 1; expect_err "bad.csv:3: age_band: 'old' is not one of"
printf 'name,shoe_size\nX,9\n' >"$TMP/bad2.csv"
run ppg members import --db "$DB" --group 1 "$TMP/bad2.csv"
expect_status 1; expect_err "bad2.csv:1: unknown column 'shoe_size'"
run ppg members list --db "$DB" --group 1 --format csv
expect_status 0
expect_eq "$(grep -c . "$TMP/out")" "6" "5 members and a header: the failed imports added nothing"
expect_out "3,1,Cy Virtual,,,false,virtual,55-64,not_stated,not_stated,,,not_stated"
expect_out "4,1,Di Blank,,,false,member,not_stated,not_stated,not_stated,,,not_stated,not_stated,not_stated,2022-01-01"
expect_out ",chair,65-74,female,white,TS18,3,yes,"

run ppg members import --db "$DB" --group 2 "$SRC/tests/data/ppg/members.csv"
expect_status 0; expect_out "5 members added to group 2"

# consent withdrawn: contact details go, the facts stay; a stale version is refused
run ppg members withdraw --db "$DB" --version 9 2; expect_status 1; expect_err "since version 9"
run ppg members withdraw --db "$DB" --version 1 --date 2024-01-01 2
expect_status 0; expect_out "withdrew consent"
run ppg members list --db "$DB" --group 1 --format csv
expect_out "2,1,,,,false,member,75-84,male,white,,4,no,yes,yes,2020-03-01,,2024-01-01,2"
expect_no_out "bob@example.org"

# the engagement log and "you said, we did"
run ppg changes add --db "$DB" --network U89141 --title "Online request route" --started 2025-09-01
expect_status 0; expect_out "change 1 added"
run ppg activities add --db "$DB" --network U89141 --kind co_design --rung co_produce \
  --title "Designing online requests" --held 2025-06-12 --people 15 --group 1 --group 2 \
  --change 1 --questions "What would make it easy?" --heard "Keep a phone route"
expect_status 0; expect_out "activity 1 added"
run ppg activities add --db "$DB" --network U89141 --kind survey --rung consult \
  --title "Access survey" --held 2026-02-01 --people 340 --group 1
expect_status 0
run ppg activities add --db "$DB" --network U89141 --kind survey --rung ladder --title x --held 2026-02-01
expect_status 2; expect_err "--rung: 'ladder' is not one of: inform, consult, involve"
run ppg activities add --db "$DB" --network U89141 --kind survey --rung inform --title x
expect_status 2; expect_err "--held DATE is required"
run ppg feedback add --db "$DB" --network U89141 --group 1 --activity 2 --received 2026-02-03 \
  --said "Phone lines are busy at 8am"
expect_status 0; expect_out "feedback 1 recorded"
run ppg feedback respond --db "$DB" --version 1 --outcome maybe 1
expect_status 2; expect_err "--outcome: 'maybe' is not one of: open, in_progress, done, not_possible"
run ppg feedback respond --db "$DB" --version 1 --outcome not_possible --response "Looked at it" 1
expect_status 1; expect_err "reason: say why it is not possible"
run ppg feedback respond --db "$DB" --version 1 --outcome done --response "A call-back queue" \
  --date 2026-03-01 --publish 1
expect_status 0; expect_out "feedback 1: Done, published (version 2)"
run ppg feedback respond --db "$DB" --version 1 --outcome done --response "again" 1
expect_status 1; expect_err "changed by someone else since version 1"
run ppg feedback add --db "$DB" --network U89141 --said "Ring me on 01642 123456" --received 2026-02-04
expect_status 0
run ppg feedback respond --db "$DB" --version 1 --outcome done --response "ok" --publish 2
expect_status 1; expect_err "said: looks like it holds a telephone number"
run ppg changes involve --db "$DB" --stage needs --rung involve --group 2 --date 2025-05-01 1
expect_status 0
run ppg changes involve --db "$DB" --stage design --rung co_produce --group 2 --activity 1 --date 2025-06-12 --people 15 1
expect_status 0
run ppg changes involve --db "$DB" --stage phase2 --rung involve --who x --date 2025-05-01 1
expect_status 2; expect_err "--stage: 'phase2' is not one of: needs, design, procurement, monitoring, evaluation"

# reports
run ppg report ladder --db "$DB" --format csv
expect_status 0; expect_out "2025-26,0,1,0,0,1,2,355,50"
run ppg report coproduction --db "$DB" --format csv
expect_status 0; expect_out "1,Online request route,2025-09-01,involve,co_produce,,,,2,true,1,15"
run ppg report public --db "$DB" --format json
expect_status 0
json 'r=d["rows"]; assert d["kind"]=="ppg_public" and len(r)==1 and r[0]["said"]=="Phone lines are busy at 8am" and r[0]["outcome_label"]=="Done", r'
run ppg report representativeness --db "$DB" --as-of 2026-07-01 --format json
expect_status 0
json 'g=d["groups"][0]; a=[x for x in g["dimensions"] if x["name"]=="age"][0]; assert g["members"]==4 and a["source"]=="list_sizes" and a["index"] is not None and g["index"]==a["index"] or g["index"] is not None, g'
json 'g=d["groups"][0]; e=[x for x in g["dimensions"] if x["name"]=="ethnic_group"][0]; assert e["source"]=="none" and e["index"] is None, e'
run ppg report representativeness --db "$DB" --as-of 2026-07-01
expect_status 0; expect_out "Densham PPG (A81001): 4 current members"; expect_out "No members under"
run ppg report representativeness --db "$DB" --format csv --group 2
expect_status 0; expect_out "group_id,group,dimension,category,label,members,member_pct,population,population_pct,source"
run ppg report nonsense --db "$DB"; expect_status 2; expect_err "unknown command 'report nonsense'"
run ppg members list --db "$DB"; expect_status 2; expect_err "--group is required"

# every write is in the audit log
run audit list --db "$DB" --limit 500 --format csv
expect_status 0
expect_eq "$(grep -c ',CLI,ppg ' "$TMP/out")" "14" "audit rows of the ppg writes"
run audit verify --db "$DB"; expect_status 0

if [[ -z "${PPG_DB:-}" ]]; then
  # a twin: PPGs that are older and whiter than their lists, and a year of engagement
  TWIN="$TMP/twin.db"
  run generate --db "$TWIN" --practices 3 --patients 6000 --seed 7; expect_status 0
  expect_err "patient partnership:"
  run ppg groups --db "$TWIN" --format json; expect_status 0
  json 'assert len(d["rows"])==4 and all(r["members"]>0 for r in d["rows"]), d["rows"]'
  run ppg report representativeness --db "$TWIN" --format json; expect_status 0
  json 'g=d["groups"]; assert all(x["index"] is not None for x in g), g'
  run ppg report ladder --db "$TWIN" --format json; expect_status 0
  json 'assert sum(r["activities"] for r in d["rows"])>=10, d["rows"]'
  run ppg report coproduction --db "$TWIN" --format json; expect_status 0
  json 'assert any(r["from_start"] for r in d["rows"]) and not all(r["from_start"] for r in d["rows"]), d["rows"]'
fi
done_ok
