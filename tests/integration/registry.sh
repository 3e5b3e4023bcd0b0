#!/usr/bin/env bash
# The registry through the pcn binary: init, import, list/show in every
# format, add/move/add-site, check exit codes, bad input and usage errors.
. "$(dirname "$0")/lib.sh" "$@"
DATA="$SRC/tests/data/registry"
DB="$TMP/r.db"

run init --db "$DB"; expect_status 0; expect_out "schema version"
run registry import --db "$DB" "$DATA/mapping_extract.csv"
expect_status 0; expect_out "15 practices (3 unallocated) in 4 networks"
run registry import --db "$DB" --format json "$DATA/list_size_extract.csv"
expect_status 0; expect_out '"list_sizes":15'

run network list --db "$DB" --as-of 2026-08-01
expect_status 0; expect_out "U89141"; expect_out "STOCKTON PCN"
# the text table leaves out the detail columns that CSV and JSON carry
expect_eq "$(head -1 "$TMP/out" | tr -s ' ')" "code name practices patients icb_code clinical_director" "text header"
run network list --db "$DB" --as-of 2026-08-01 --format csv
expect_status 0
expect_eq "$(head -1 "$TMP/out")" "code,name,practices,patients,icb_code,clinical_director,sub_icb_code,sub_icb_name,icb_name,region_code,region_name" "csv header"
expect_eq "$(grep -c "^U" "$TMP/out")" 4 "networks in csv"
run network list --db "$DB" --as-of 2026-08-01 --format json
expect_status 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="networks"; r={x["code"]:x for x in d["rows"]}; assert r["U89141"]["practices"]==6, r; assert r["U89141"]["patients"]==67850, r' "$TMP/out" || fail "json network list"
run network show --db "$DB" --as-of 2026-08-01 U89141
expect_status 0; expect_out "Network U89141: STOCKTON PCN"; expect_out "THE DENSHAM SURGERY"
run network show --db "$DB" U00001; expect_status 1; expect_err "no network U00001"
run network update --db "$DB" --clinical-director "Dr Jane Example" U89141; expect_status 0
run network show --db "$DB" U89141; expect_status 0; expect_out "Clinical director: Dr Jane Example"
expect_out "ICB: QHM"
run network update --db "$DB" U89141; expect_status 2; expect_err "--clinical-director"

run practice list --db "$DB" --network U07032 --as-of 2026-08-01 --format csv
expect_status 0; expect_out "A81002,QUEENS PARK MEDICAL CENTRE,TS18 2AW,U07032"
run practice show --db "$DB" --as-of 2026-08-01 A81001
expect_status 0; expect_out "Registered patients: 3733"; expect_out "U89141"

run practice add --db "$DB" --name "New Surgery" --postcode "ts18 9zz" --network U89141 --from 2026-08-01 Y99999
expect_status 0
run practice show --db "$DB" --format json Y99999
expect_status 0; expect_out '"network": "U89141"'
run practice add --db "$DB" --name X 1234
expect_status 2; expect_err "not a practice ODS code"
run practice add --db "$DB" --name X --postcode "NOT A PC" Y99998
expect_status 2; expect_err "not a UK postcode"

run practice move --db "$DB" --to U07032 --date 2026-10-01 A81001
expect_status 0; expect_out "moves to U07032 from 2026-10-01"
run practice show --db "$DB" --format csv A81001
expect_status 0; expect_out "U89141,2026-07-01,2026-09-30"; expect_out "U07032,2026-10-01,"
run practice move --db "$DB" --to U07032 --date 2026-11-01 A81001
expect_status 1; expect_err "already in U07032"

run practice add-site --db "$DB" --name "Branch surgery" --postcode "TS18 1AA" A81001
expect_status 0; expect_out "added to practice A81001"
run practice show --db "$DB" A81001; expect_status 0; expect_out "Branch surgery  TS18 1AA"
run practice add-site --db "$DB" --name "Nowhere" A00000; expect_status 1

run registry check --db "$DB" --as-of 2026-10-15
expect_status 1; expect_out "unallocated"; expect_out "network-size"
run registry check --db "$DB" --as-of 2026-10-15 --format json
expect_status 1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=[r["check"] for r in d["rows"]]; assert c.count("unallocated")==3, c' "$TMP/out" || fail "json check"

# bad input: the database is left exactly as it was
before=$(sqlite3 "$DB" "select count(*) from practice; select count(*) from membership; select value from meta")
printf 'PUBLICATION,EXTRACT_DATE,PRACTICE_CODE\nx,01Jul2026,A81001\n' >"$TMP/bad.csv"
run registry import --db "$DB" "$TMP/bad.csv"
expect_status 1; expect_err "bad.csv:1: unknown header"
after=$(sqlite3 "$DB" "select count(*) from practice; select count(*) from membership; select value from meta")
expect_eq "$after" "$before" "database unchanged after failed imports"
# a file that breaks after four good rows leaves a fresh database empty
head -5 "$DATA/mapping_extract.csv" >"$TMP/bad2.csv"
echo 'GP_PRAC_PAT_LIST,01Jul2026,"A81099,broken' >>"$TMP/bad2.csv"
run init --db "$TMP/fresh.db"; expect_status 0
run registry import --db "$TMP/fresh.db" "$TMP/bad2.csv"
expect_status 1; expect_err "bad2.csv:6: unterminated quoted field"
expect_eq "$(sqlite3 "$TMP/fresh.db" "select count(*) from practice; select count(*) from network")" "$(printf '0\n0')" "nothing kept"

# usage errors exit 2
run network; expect_status 2
run network frobnicate --db "$DB"; expect_status 2; expect_err "unknown subcommand"
run network list --db "$DB" --format xml; expect_status 2; expect_err "--format must be"
run network list --db "$DB" --as-of 2026-13-01; expect_status 2; expect_err "not a date"
run frobnicate; expect_status 2; expect_err "unknown command"
run network list; expect_status 2; expect_err "no database"
PCN_DB="$DB" run network list --as-of 2026-08-01; expect_status 0; expect_out "U89141"
run network list --db "$TMP/missing.db"; expect_status 1; expect_err "no such database"
done_ok
