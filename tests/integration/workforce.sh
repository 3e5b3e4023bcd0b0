#!/usr/bin/env bash
# The staff register and the network's money through the pcn binary:
# staff CSVs imported whole or not at all (the database left as it was),
# posts added, ended and refused, WTE reports, the census and the comparison
# with other networks, finance inputs with versions, ARRS claims, budget,
# months, the claim export, DES income, distribution, what-if, every
# network at once, the twin's staff from the census, audit rows, and usage
# errors. The figures are the hand-worked ones of tests/unit/ops/test_workforce_ops.c.
. "$(dirname "$0")/lib.sh" "$@"
set +e
unset PCN_DB PCN_NETWORK
REG="$SRC/tests/data/registry"
WF="$SRC/tests/data/workforce"
DB="$TMP/w.db"
q() { sqlite3 "$DB" "$1"; }

# the NHS extracts as of 1 January 2024: the count the DES uses for 2024/25, and members then
sed 's/01Jul2026/01Jan2024/' "$REG/mapping_extract.csv" >"$TMP/mapping.csv"
sed 's/2026-07-01/2024-01-01/' "$REG/list_size_extract.csv" >"$TMP/lists.csv"
run init --db "$DB"; expect_status 0
run registry import --db "$DB" "$TMP/mapping.csv" "$TMP/lists.csv"
expect_status 0
export PCN_DB="$DB"

# no network given and several in the registry: a usage error naming the way out
run workforce list; expect_status 2; expect_err "--network"
export PCN_NETWORK=U89141

# a bad file: every bad row named, nothing stored
run workforce import "$WF/staff_bad.csv"
expect_status 1
expect_err "staff_bad.csv:3: role: unknown role 'chief_wizard'"
expect_err "staff_bad.csv:8: cost: '£40,000' is not an amount in pounds"
expect_err "staff_bad.csv:10: person: empty"
expect_err "(8 bad rows)"
expect_eq "$(q 'select count(*) from staff_post')" 0 "nothing stored from a bad file"
run workforce import --dry-run "$WF/staff_good.csv"
expect_status 0; expect_out "dry run: 5 posts would be added"
expect_eq "$(q 'select count(*) from staff_post')" 0 "nothing stored by a dry run"
run workforce import "$WF/staff_good.csv"
expect_status 0; expect_out "5 posts added for network U89141"
# the same file again overlaps itself: refused whole
run workforce import "$WF/staff_good.csv"
expect_status 1; expect_err "overlaps"
expect_eq "$(q 'select count(*) from staff_post')" 5 "a second import refused whole"

run workforce list --as-of 2025-01-01
expect_status 0; expect_out "Asha Example"; expect_out "Tees Physio Ltd"
run workforce list --as-of 2025-06-01 --format csv
expect_status 0
expect_eq "$(head -1 "$TMP/out")" "id,person,name,role,role_name,group,band,wte,employer,employer_code,start,end,cost,cost_per,funding,sites,version" "staff csv header"
expect_out "1,P001,Asha Example,clinical_pharmacist,Clinical pharmacist,dpc,7,0.8,lead_practice,A81017,2024-09-01,,50000.00,year,arrs,A81017=6;A81001=2,1"
expect_no_out "Tees Physio Ltd"
run workforce list --all --format json
expect_status 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="staff"; assert len(d["rows"])==5, d["rows"]; assert d["rows"][0]["cost"]=="50000.00"' "$TMP/out" || fail "json staff"

# add: checked against the whole register; the audit log records who and what
run workforce add --person P009 --role paramedic --band 7 --wte 1 --employer network --start 2025-06-01 \
  --funding arrs --cost 60000 --sites "A81017=6;A81629=4"
expect_status 0; expect_out "post 6 added: P009 in network U89141"
expect_eq "$(q "select count(*) from audit where route = 'workforce add' and object_id = 'P009'")" 1 "audit row for add"
run workforce add --person P001 --role clinical_pharmacist --band 7 --wte 0.5 --employer lead_practice \
  --employer-code A81017 --start 2025-06-01 --funding arrs --cost 30000
expect_status 1; expect_err "overlaps post 1 (P001)"; expect_err "nothing written"
run workforce add --person P010 --role paramedic --band 7 --wte 1.5 --employer network --start 2025-06-01 \
  --funding arrs --cost 60000
expect_status 1; expect_err "wte 1.5 is outside 0-1.0 for one post"
run workforce add --person P010 --role wizard --wte 1 --employer network --start 2025-06-01 --funding arrs
expect_status 2; expect_err "unknown role"
run workforce add --person P010 --role gp --wte 1 --employer practice --employer-code A81001 \
  --start 2025-06-01 --end 2025-05-01 --funding practice
expect_status 1; expect_err "end 2025-05-01 is before start 2025-06-01"
expect_eq "$(q 'select count(*) from staff_post')" 6 "refused adds store nothing"

# end: by version; history kept
run workforce end --id 6 --version 1 --date 2026-01-31
expect_status 0; expect_out "post 6 ends on 2026-01-31 (version 2)"
run workforce end --id 6 --version 1 --date 2026-02-28
expect_status 1; expect_err "post 6 has changed (version 2, not 1)"
run workforce end --id 99 --version 1 --date 2026-02-28
expect_status 1; expect_err "no post 99"
run workforce end --id 6; expect_status 2

# reports
run workforce report --as-of 2025-07-01
expect_status 0; expect_out "clinical_pharmacist"; expect_out "total"
run workforce report --by practice --as-of 2025-07-01 --format csv
expect_status 0
expect_out "practice,A81017,"
run workforce report --by group --as-of 2026-07-01 --format json
expect_status 0
python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); r={x["key"]:x for x in d["rows"]}
assert d["kind"]=="workforce_wte", d["kind"]
# on 1 July 2026: P001 0.8 (dpc), P003 1.0 (gp), P004 0.6 (dpc)
assert r["dpc"]["wte"]=="1.4", r["dpc"]; assert r["gp"]["wte"]=="1", r["gp"]
assert r["total"]["wte_per_10k"]=="0.35", r["total"]   # 2.4 x 10,000 / 67,850
' "$TMP/out" || fail "json wte by group"
run workforce report --by height; expect_status 2

# the census: imported by day, then the comparison
# no census imported: the shipped June 2026 census; four networks of the registry are in it
run workforce compare --as-of 2026-07-01 --format csv
expect_status 0; expect_out "group,total,,2.4,0.35,32.613333,4.81,4,"
run workforce import --census "$WF/census_extract.csv"
expect_status 0; expect_out "census: 67 rows imported"
run workforce import --census "$WF/census_extract.csv"
expect_status 0
expect_eq "$(q 'select count(*) from census_staff')" 67 "a census re-import replaces its day"
run workforce import --census "$SRC/data/reference/census_staff.csv"
expect_status 1; expect_err "census date"
run workforce compare --as-of 2026-07-01 --format json
expect_status 0
python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); r={x["key"]:x for x in d["rows"]}
t=r["total"]
assert t["census_wte"]=="32.613333" and t["census_per_10k"]=="4.81", t
assert t["networks"]==2, t   # now the extract: U89141 and U07032 are in it and the registry
' "$TMP/out" || fail "json compare"

# finance inputs, saved by version
run finance inputs --year 2024-25 --weighted 70000 --adjusted 69000
expect_status 0; expect_out "saved (version 1)"
run finance inputs --year 2024-25 --version 1 --weighted 71000
expect_status 0; expect_out "saved (version 2)"
run finance inputs --year 2024-25 --version 1 --weighted 72000
expect_status 1; expect_err "version"
# without --version: over whatever is stored
run finance inputs --year 2024-25 --weighted 70000
expect_status 0; expect_out "saved (version 3)"
run finance inputs --year 2024-25 --version 3 --caip-percent 150
expect_status 2; expect_err "--caip-percent"
run finance inputs --year 2024-25
expect_status 0; expect_out "70000"
run finance inputs --year 2019-20 --weighted 1; expect_status 2; expect_err "no contract year '2019-20'"

# claims and budget of 2024/25
run finance claims --year 2024-25 --as-of 2025-01-15 --format csv
expect_status 0
expect_out ",P001,clinical_pharmacist,7,0.8,lead_practice,arrs,7,29166.67,30491.20,29156.00,10.67,cost_above_cap"
expect_out ",P002,first_contact_physiotherapist,,1,subcontractor,arrs,12,72000.00,64089.00,64089.00,7911.00,"
run finance budget --year 2024-25 --as-of 2025-01-15 --format csv
expect_status 0
expect_out "arrs,ARRS budget,true,false,false,1602580.00,98938.66,22389.76,121328.42,121328.42,1481251.58,2,740625.79,,2025-01-15"
run finance months --year 2024-25 --format csv
expect_status 0; expect_out "2025-03,arrs,"
expect_eq "$(grep -c ',arrs,' "$TMP/out")" 12 "twelve months"
run finance income --year 2024-25 --format csv
expect_status 0; expect_out "core,Core PCN funding,monthly,198653.30,"
run finance export --year 2024-25 --out "$TMP/claim.csv"
expect_status 0
expect_eq "$(head -1 "$TMP/claim.csv")" "pcn_code,pcn_name,claim_month,staff_id,staff_name,role,afc_band,wte,employer,employer_name,start_date,end_date,actual_cost,maximum_reimbursable,amount_claimed,budget,notes" "claim export header"
# the export adds up to the claims
expect_eq "$(python3 -c 'import csv,sys; print("%.2f" % sum(float(r["amount_claimed"]) for r in csv.DictReader(open(sys.argv[1]))))' "$TMP/claim.csv")" "121328.42" "export total"
run finance distribution --year 2024-25 --format csv
expect_status 0; expect_out "A81001,THE DENSHAM SURGERY,total,"
run finance what-if --year 2024-25 --as-of 2025-01-15 --role first_contact_physiotherapist --wte 1 --start 2025-02-01
expect_status 0; expect_out "10973.00"; expect_out "1470278.58"
run finance what-if --year 2024-25 --role first_contact_physiotherapist --wte 1
expect_status 2; expect_err "--start"
run finance networks --year 2024-25 --format csv
expect_status 0
expect_out "U89141,STOCKTON PCN,67850,4,1602580.00,121328.42,1481251.58,false,"
expect_eq "$(grep -c '^U' "$TMP/out")" 4 "every network"
run finance claims --network U00000 --year 2024-25; expect_status 1; expect_err "U00000"
run finance bogus; expect_status 2

# the twin's staff: the census as published for the network
run generate --db "$TMP/t.db" --pcn U39025 --seed 3
# one post per census row open on the census day, plus earlier posts of the same people
# (a new post at each pay award: docs/finance.md)
expect_status 0; expect_out "staff posts from the workforce census"
run workforce report --db "$TMP/t.db" --network U39025 --format csv --as-of 2026-06-30
expect_status 0
expect_out "role,total,,12,12,6.656,"
# three at 0.533333333 as published, each to the millionth
expect_out "role,care_coordinator,Care coordinator,3,3,1.599999,"
expect_out "role,digital_transformation_lead,Digital and transformation lead,2,2,1.226667,"
run workforce twin --db "$TMP/t.db" --network U39025
expect_status 1; expect_err "already has"
run generate --db "$TMP/t3.db" --pcn U39025 --seed 3 --no-staff
expect_status 0; expect_no_out "staff posts"
expect_eq "$(sqlite3 "$TMP/t3.db" 'select count(*) from staff_post')" 0 "--no-staff"
done_ok
