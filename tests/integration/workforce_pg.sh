#!/usr/bin/env bash
# The staff register and finance commands on the PostgreSQL backend (run
# under scripts/with-pg.sh, which provides PCN_TEST_PG): the same figures as
# on SQLite (workforce.sh), a bad file leaving the database as it was, and
# ends by version.
. "$(dirname "$0")/lib.sh" "$@"
set +e
unset PCN_NETWORK
REG="$SRC/tests/data/registry"
WF="$SRC/tests/data/workforce"
export PCN_DB="$PCN_TEST_PG" PCN_NETWORK=U89141
q() { psql -X -q -t -A -d "$PCN_DB" -c "$1"; }

run init; expect_status 0; expect_out "(postgresql)"
sed 's/01Jul2026/01Jan2024/' "$REG/mapping_extract.csv" >"$TMP/mapping.csv"
sed 's/2026-07-01/2024-01-01/' "$REG/list_size_extract.csv" >"$TMP/lists.csv"
run registry import "$TMP/mapping.csv" "$TMP/lists.csv"; expect_status 0
before=$(q "select value from meta where key='data_version'")
run workforce import "$WF/staff_bad.csv"
expect_status 1; expect_err "staff_bad.csv:3: role: unknown role 'chief_wizard'"
expect_eq "$(q 'select count(*) from staff_post')" 0 "nothing stored from a bad file"
expect_eq "$(q "select value from meta where key='data_version'")" "$before" "data version unchanged"
run workforce import "$WF/staff_good.csv"; expect_status 0; expect_out "5 posts added"
run workforce end --id 5 --version 1 --date 2026-01-31; expect_status 0; expect_out "(version 2)"
run workforce end --id 5 --version 1 --date 2026-02-28; expect_status 1; expect_err "has changed"
run workforce import --census "$WF/census_extract.csv"; expect_status 0; expect_out "67 rows"
run finance inputs --year 2024-25 --weighted 70000 --adjusted 69000; expect_status 0
run finance claims --year 2024-25 --as-of 2025-01-15 --format csv
expect_status 0
expect_out ",P001,clinical_pharmacist,7,0.8,lead_practice,arrs,7,29166.67,30491.20,29156.00,10.67,cost_above_cap"
run finance budget --year 2024-25 --as-of 2025-01-15 --format csv
expect_status 0
expect_out "arrs,ARRS budget,true,false,false,1602580.00,98938.66,22389.76,121328.42,"
run finance networks --year 2024-25 --format csv
expect_status 0; expect_out "U89141,STOCKTON PCN,67850,4,1602580.00,121328.42,"
run workforce compare --as-of 2026-07-01 --format csv
expect_status 0; expect_out "group,total,"
expect_eq "$(q "select count(*) from audit where route like 'workforce %'")" 3 "audit rows: two imports and an end"
done_ok
