#!/usr/bin/env bash
# import_pg.sh PCN - pcn import / pcn export on the PostgreSQL backend (run
# under scripts/with-pg.sh, which exports PCN_TEST_PG): the native CSV round
# trip is exact, re-import is idempotent, a failed import leaves the database
# unchanged, and Synthea and FHIR imports load.
set -uo pipefail
pcn=$1
root=${PCN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
data=$root/tests/data
db=${PCN_TEST_PG:?run under scripts/with-pg.sh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcn-import-pg-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

"$pcn" import --db "$db" --format csv "$data/bundle/small" 2>/dev/null &&
  "$pcn" export --db "$db" --format csv "$tmp/out1" &&
  diff -r -x SOURCE.txt "$data/bundle/small" "$tmp/out1" >/dev/null &&
  ok "csv round trip is exact" || not_ok "csv round trip"
"$pcn" import --db "$db" --format csv "$data/bundle/small" 2>/dev/null &&
  "$pcn" export --db "$db" --format csv "$tmp/out2" && diff -r "$tmp/out1" "$tmp/out2" >/dev/null &&
  ok "re-import is idempotent" || not_ok "re-import"
mkdir -p "$tmp/bad"
printf 'patient_id,date_of_birth\nz1,1970-01-01\n' >"$tmp/bad/patients.csv"
printf 'patient_id,date,system,code\nz1,2020-01-01,snomed,1\nz1,2020-13-01,snomed,1\n' >"$tmp/bad/events.csv"
"$pcn" import --db "$db" --format csv "$tmp/bad" >/dev/null 2>&1
rc=$?
"$pcn" export --db "$db" --format csv "$tmp/out3"
[[ $rc -eq 1 ]] && diff -r "$tmp/out1" "$tmp/out3" >/dev/null &&
  ok "failed import rolled back whole" || not_ok "failed import left data (rc $rc)"
"$pcn" import --db "$db" --format synthea "$data/synthea/small" 2>/dev/null &&
  "$pcn" import --db "$db" --format fhir "$data/fhir/bundles" 2>/dev/null &&
  ok "synthea and fhir imports" || not_ok "synthea and fhir imports"
echo "# $failures failed"
[[ $failures -eq 0 ]]
