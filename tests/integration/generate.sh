#!/usr/bin/env bash
# generate.sh PCN - pcn generate end to end: a real network into a database
# (registry rows and records), byte-identical CSV bundles for the same seed
# and different ones for another seed, an invented network, the bundle
# imported back into a database, and usage/runtime errors.
. "$(dirname "$0")/lib.sh" "$@"
set +e
unset PCN_DB

# a real network into a database: the registry shows it with its list size
run generate --db "$TMP/t.db" --pcn U39025 --seed 3
expect_status 0 "generate --db"
expect_out "2 practices of 1 networks"
run network list --db "$TMP/t.db" --as-of 2026-07-01
expect_status 0 "network list"
expect_out "U39025"
expect_out "10723"

# the same arguments give byte-identical bundles; another seed does not
run generate --out "$TMP/b1" --practice A81001 --seed 5
expect_status 0 "generate --out"
run generate --out "$TMP/b2" --practice A81001 --seed 5
expect_status 0 "generate --out again"
checks=$((checks + 1))
diff -r "$TMP/b1" "$TMP/b2" >/dev/null || fail "same seed gave different bundles"
run generate --out "$TMP/b3" --practice A81001 --seed 6
checks=$((checks + 1))
! cmp -s "$TMP/b1/events.csv" "$TMP/b3/events.csv" || fail "another seed gave the same events"
for f in patients events medications immunisations encounters terms; do
  checks=$((checks + 1))
  [[ -s "$TMP/b1/$f.csv" ]] || fail "bundle lacks $f.csv"
done
# registered patients of A81001 on the extract date equal the published list size (3733)
n=$(awk -F, 'NR > 1 && $12 == "" && $13 == ""' "$TMP/b1/patients.csv" | wc -l)
expect_eq "$n" 3733 "registered patients of A81001"

# several threads write the same bundle as one
run generate --out "$TMP/t1" --pcn U98623 --threads 1
expect_status 0 "one thread"
run generate --out "$TMP/t3" --pcn U98623 --threads 3
expect_status 0 "three threads"
checks=$((checks + 1))
diff -r "$TMP/t1" "$TMP/t3" >/dev/null || fail "--threads 3 differs from --threads 1"
checks=$((checks + 1))
[[ ! -e "$TMP/t3/.part-1" ]] || fail "part directory left behind"
run generate --out "$TMP/t9" --pcn U98623 --threads 9
expect_status 2 "too many threads"

# the bundle imports back into a database
run import --db "$TMP/i.db" --format csv "$TMP/b1"
expect_status 0 "import of a generated bundle"

# an invented network
run generate --out "$TMP/inv" --practices 3 --patients 9000
expect_status 0 "invented network"
expect_out "3 practices of 1 networks"

# errors
run generate --db "$TMP/x.db"
expect_status 2 "nothing to generate"
run generate --db "$TMP/x.db" --pcn U39025 --all
expect_status 2 "two selections"
run generate --db "$TMP/x.db" --practices 0 --patients 10
expect_status 2 "zero practices"
run generate --db "$TMP/x.db" --pcn U00001X
expect_status 1 "unknown network"
expect_err "unknown PCN U00001X"
run generate --pcn U39025
expect_status 2 "no output"
done_ok
