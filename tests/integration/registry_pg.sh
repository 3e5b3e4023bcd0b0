#!/usr/bin/env bash
# The registry commands on the PostgreSQL backend (run under scripts/with-pg.sh,
# which provides PCN_TEST_PG): a connection string in --db selects the backend.
. "$(dirname "$0")/lib.sh" "$@"
DATA="$SRC/tests/data/registry"
DB="$PCN_TEST_PG"
q() { psql -X -q -t -A -d "$DB" -c "$1"; }

run init --db "$DB"; expect_status 0; expect_out "(postgresql)"
run registry import --db "$DB" "$DATA/mapping_extract.csv" "$DATA/list_size_extract.csv"
expect_status 0; expect_out "15 practices (3 unallocated) in 4 networks"
run registry import --db "$DB" "$DATA/mapping_extract.csv"
expect_status 0; expect_out "memberships 0 added, 0 ended"
run network list --db "$DB" --as-of 2026-08-01 --format json
expect_status 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r={x["code"]:x for x in d["rows"]}; assert r["U89141"]["patients"]==67850, r' "$TMP/out" || fail "json network list"
run practice move --db "$DB" --to U07032 --date 2026-10-01 A81001; expect_status 0
run practice show --db "$DB" --format csv A81001
expect_status 0; expect_out "U89141,2026-07-01,2026-09-30"; expect_out "U07032,2026-10-01,"
run registry check --db "$DB" --as-of 2026-10-15; expect_status 1; expect_out "unallocated"
before=$(q "select count(*) from practice; select count(*) from membership; select value from meta where key='data_version'")
head -5 "$DATA/mapping_extract.csv" >"$TMP/bad.csv"
echo 'GP_PRAC_PAT_LIST,01Jul2026,A8100!,X,TS18 1HU,U89141,S,E,16C,N,E,QHM,N,E,Y63,N,TPP' >>"$TMP/bad.csv"
run registry import --db "$DB" "$TMP/bad.csv"
expect_status 1; expect_err "bad.csv:2:"
after=$(q "select count(*) from practice; select count(*) from membership; select value from meta where key='data_version'")
expect_eq "$after" "$before" "database unchanged after a failed import"
run network list --db "host=/nonexistent dbname=x"; expect_status 1
expect_err "PostgreSQL connection failed"
done_ok
