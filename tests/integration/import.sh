#!/usr/bin/env bash
# import.sh PCN - pcn import / pcn export end to end: native CSV round
# trip, idempotent re-import, dry run, the one-transaction guarantee (a
# failed import leaves the database unchanged), every kind of bad input
# named by file and line or entry and JSON path, --max-errors with a
# rejects file, Synthea and FHIR imports, the JSON summary.
set -uo pipefail
pcn=$1
root=${PCN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
data=$root/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcn-import-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

# expect_fail NAME DIR-OR-FILE FORMAT MESSAGE-PART: import must exit 1 naming the place.
expect_fail() {
  local name=$1 path=$2 fmt=$3 part=$4 rc
  "$pcn" import --db "$tmp/fail.db" --format "$fmt" "$path" >/dev/null 2>"$tmp/err"
  rc=$?
  if [[ $rc -eq 1 ]] && grep -qF -- "$part" "$tmp/err"; then
    ok "$name"
  else
    not_ok "$name (rc $rc, wanted '$part'): $(head -n 2 "$tmp/err")"
  fi
}

# bundle DIR PATIENTS-BODY [EVENTS-BODY]: a small native bundle.
bundle() {
  mkdir -p "$1"
  printf 'patient_id,date_of_birth,sex,nhs_number\n%b' "$2" >"$1/patients.csv"
  if [[ $# -gt 2 ]]; then
    printf 'patient_id,date,kind,system,code,value\n%b' "$3" >"$1/events.csv"
  fi
}

# --- native CSV round trip: import, export, re-import, export, compare ---
"$pcn" import --db "$tmp/a.db" --format csv "$data/bundle/small" 2>/dev/null &&
  "$pcn" export --db "$tmp/a.db" --format csv "$tmp/out1" &&
  "$pcn" import --db "$tmp/b.db" --format csv "$tmp/out1" 2>/dev/null &&
  "$pcn" export --db "$tmp/b.db" --format csv "$tmp/out2" &&
  diff -r "$tmp/out1" "$tmp/out2" >/dev/null &&
  diff -r -x SOURCE.txt "$data/bundle/small" "$tmp/out1" >/dev/null &&
  ok "csv round trip is exact" || not_ok "csv round trip"

# --- idempotent re-import ---
"$pcn" import --db "$tmp/a.db" --format csv "$data/bundle/small" 2>/dev/null &&
  "$pcn" export --db "$tmp/a.db" --format csv "$tmp/out3" &&
  diff -r "$tmp/out1" "$tmp/out3" >/dev/null &&
  ok "re-import is idempotent" || not_ok "re-import duplicated records"

# --- dry run writes nothing ---
"$pcn" import --db "$tmp/dry.db" --format csv --dry-run "$data/bundle/small" 2>"$tmp/err" &&
  [[ ! -e "$tmp/dry.db" ]] && grep -q "dry run" "$tmp/err" &&
  ok "dry run validates only" || not_ok "dry run"

# --- a failed import leaves the database unchanged ---
bundle "$tmp/late_error" 'x1,1970-01-01,M,\nx2,1971-01-01,F,\n' \
  'x1,2020-01-01,condition,snomed,1,\nx2,2020-01-01,condition,snomed,2,oops\n'
"$pcn" import --db "$tmp/a.db" --format csv "$tmp/late_error" >/dev/null 2>"$tmp/err"
rc=$?
"$pcn" export --db "$tmp/a.db" --format csv "$tmp/out4"
if [[ $rc -eq 1 ]] && grep -q "events.csv:3: value: 'oops'" "$tmp/err" &&
  diff -r "$tmp/out1" "$tmp/out4" >/dev/null; then
  ok "failed import rolled back whole"
else
  not_ok "failed import left data behind (rc $rc)"
fi

# --- a failed import into an empty database leaves it empty and indexed ---
"$pcn" import --db "$tmp/bulk.db" --format csv "$tmp/late_error" >/dev/null 2>&1
rc=$?
"$pcn" export --db "$tmp/bulk.db" --format csv "$tmp/bulk_out"
if [[ $rc -eq 1 ]] && [[ $(cat "$tmp"/bulk_out/*.csv | wc -l) -eq 6 ]] &&
  "$pcn" import --db "$tmp/bulk.db" --format csv "$data/bundle/small" 2>/dev/null &&
  "$pcn" export --db "$tmp/bulk.db" --format csv "$tmp/bulk_out2" &&
  diff -r "$tmp/out1" "$tmp/bulk_out2" >/dev/null; then
  ok "failed first import rolled back; a later import works"
else
  not_ok "first import rollback (rc $rc)"
fi
if command -v sqlite3 >/dev/null; then
  [[ $(sqlite3 "$tmp/bulk.db" "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('event_patient', 'medication_patient', 'immunisation_patient', 'encounter_patient', 'patient_practice', 'patient_nhs_number')") -eq 6 ]] &&
    ok "indexes present after an import" || not_ok "indexes missing after an import"
fi

if command -v sqlite3 >/dev/null; then
  [[ $(sqlite3 "$tmp/bulk.db" "PRAGMA journal_mode") == wal ]] &&
    ok "database back in WAL mode after a first import" || not_ok "journal mode left changed"
fi

# --- a first import killed mid-way leaves the database as it was ---
# events.csv is a pipe: the import has begun storing (its rollback journal exists) and waits
# for events when killed. The database file must be as it was (a hot journal would be rolled
# back by the next open); the next pcn import works and leaves it in WAL mode, journal gone.
if command -v sqlite3 >/dev/null; then
  mkdir -p "$tmp/crash"
  printf 'patient_id,date_of_birth,sex\n' >"$tmp/crash/patients.csv"
  # more patients than one batch of the writer thread (4,096 records), so some are stored
  awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "c%d,1970-01-01,F\n", i }' >>"$tmp/crash/patients.csv"
  mkfifo "$tmp/crash/events.csv"
  "$pcn" init --db "$tmp/crash.db" >/dev/null 2>&1
  size_before=$(stat -c %s "$tmp/crash.db")
  "$pcn" import --db "$tmp/crash.db" --format csv "$tmp/crash" >/dev/null 2>&1 &
  importer=$!
  exec 3>"$tmp/crash/events.csv"
  printf 'patient_id,date,kind,system,code\nc1,2020-01-01,condition,snomed,1\n' >&3
  for _ in $(seq 1 500); do
    [[ -s "$tmp/crash.db-journal" ]] && break
    sleep 0.02
  done
  journal_seen=$([[ -s "$tmp/crash.db-journal" ]] && echo yes)
  kill -9 "$importer"
  wait "$importer" 2>/dev/null
  exec 3>&-
  if [[ $journal_seen == yes ]] && [[ $(sqlite3 "$tmp/crash.db" "PRAGMA integrity_check") == ok ]] &&
    [[ $(sqlite3 "$tmp/crash.db" "SELECT count(*) FROM patient") -eq 0 ]] &&
    [[ $(stat -c %s "$tmp/crash.db") -eq $size_before ]] &&
    "$pcn" import --db "$tmp/crash.db" --format csv "$data/bundle/small" 2>/dev/null &&
    [[ $(sqlite3 "$tmp/crash.db" "PRAGMA journal_mode") == wal ]] &&
    [[ ! -e "$tmp/crash.db-journal" ]]; then
    ok "import killed mid-way left the database as it was"
  else
    not_ok "import killed mid-way (journal seen: ${journal_seen:-no}): $(sqlite3 "$tmp/crash.db" "PRAGMA integrity_check; SELECT count(*) FROM patient; PRAGMA journal_mode" | tr '\n' ' ')"
  fi
fi

# --- bad input, native CSV ---
bundle "$tmp/b1" 'p1,1950-01-01,F,9434765918\n'
expect_fail "wrong NHS check digit" "$tmp/b1" csv "patients.csv:2: nhs_number"
bundle "$tmp/b2" 'p1,1950-02-30,F,\n'
expect_fail "bad date" "$tmp/b2" csv "patients.csv:2: date_of_birth: '1950-02-30'"
bundle "$tmp/b3" 'p1,1950-01-01,F,\n' 'p1,2020-01-01,condition,snomed,1,\nzz,2020-01-01,condition,snomed,1,\n'
expect_fail "unknown patient" "$tmp/b3" csv "events.csv:3: patient_id: 'zz' is not a patient of this import"
bundle "$tmp/b4" 'p1,1950-01-01,F\n'
expect_fail "wrong column count" "$tmp/b4" csv "patients.csv:2: wrong column count"
mkdir -p "$tmp/b5" && printf 'patient_id,date_of_birth,favourite_colour\n' >"$tmp/b5/patients.csv"
expect_fail "unknown header" "$tmp/b5" csv "patients.csv:1: unknown column 'favourite_colour'"
bundle "$tmp/b6" 'p1,1950-01-01,F,\np2,1950-01-01,F,caf\xe9\n'
expect_fail "non-UTF-8 text" "$tmp/b6" csv "patients.csv:3"
bundle "$tmp/b7" ',1950-01-01,F,\n'
expect_fail "missing required field" "$tmp/b7" csv "patients.csv:2: patient_id: missing"
expect_fail "missing directory" "$tmp/nope" csv "$tmp/nope: not a directory"

# --- bad input, FHIR ---
mkdir -p "$tmp/f"
printf '{"resourceType": "Bundle", "entry": [' >"$tmp/f/broken.json"
expect_fail "invalid JSON" "$tmp/f/broken.json" fhir "broken.json:1:"
printf '{"resourceType": "Patient", "id": "p"}' >"$tmp/f/patient.json"
expect_fail "wrong resourceType" "$tmp/f/patient.json" fhir "\$.resourceType: expected 'Bundle', got 'Patient'"
printf '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p","birthDate":"1990-01-01"}},{"resource":{"resourceType":"Condition","subject":{"reference":"Patient/p"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"1"}]}}}]}' >"$tmp/f/nodate.json"
expect_fail "FHIR missing field" "$tmp/f/nodate.json" fhir "nodate.json: entry 1: \$.entry[1].resource.onsetDateTime: missing date"
printf '{"resourceType":"Condition","subject":{"reference":"Patient/ghost"},"code":{"coding":[{"code":"1"}]},"onsetDateTime":"2020-01-01"}\n' >"$tmp/f/c.ndjson"
expect_fail "FHIR unknown patient" "$tmp/f/c.ndjson" fhir "c.ndjson:1: \$.subject: reference 'Patient/ghost'"

# --- Synthea and FHIR samples ---
"$pcn" import --db "$tmp/s.db" --format synthea --practice A81001 "$data/synthea/small" \
  --summary json >"$tmp/summary.json" 2>/dev/null &&
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["patients"]==3 and s["mapped"]>0 and "loinc" in s["unmapped_by_system"]' "$tmp/summary.json" &&
  "$pcn" export --db "$tmp/s.db" --format csv "$tmp/s_out" && grep -q ',A81001,' "$tmp/s_out/patients.csv" &&
  [[ $(($(wc -l <"$tmp/s_out/events.csv") - 1)) -eq $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$tmp/summary.json") ]] &&
  ok "synthea import with JSON summary and --practice" || not_ok "synthea import"
# the standard library runs on the imported records: Synthea's SNOMED codes reach the registers
"$pcn" report --db "$tmp/s.db" --format csv registers >"$tmp/s_reg.csv" 2>"$tmp/err" &&
  grep -qx 'register,dm,,count,1' "$tmp/s_reg.csv" && grep -qx 'register,hyp,,count,1' "$tmp/s_reg.csv" &&
  ok "registers on a Synthea import (diabetes, hypertension)" ||
  not_ok "registers on a Synthea import: $(head -n 3 "$tmp/err")"
"$pcn" import --db "$tmp/f.db" --format fhir "$data/fhir/bundles" "$data/fhir/ndjson/../bundles/Aurelio227.json" \
  >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "appears twice" "$tmp/err" && ok "same patient twice is refused" ||
  not_ok "duplicate patient accepted"
"$pcn" import --db "$tmp/f.db" --format fhir "$data/fhir/bundles" 2>"$tmp/err" &&
  grep -q "FHIR Claim resource: 2" "$tmp/err" && ok "fhir bundles import, skipped resources counted" ||
  not_ok "fhir import: $(head -n 3 "$tmp/err")"
"$pcn" import --db "$tmp/n.db" --format fhir "$data/fhir/ndjson" 2>/dev/null &&
  ok "fhir ndjson import" || not_ok "fhir ndjson import"
for db in f n; do
  "$pcn" report --db "$tmp/$db.db" --format json all >"$tmp/all.json" 2>"$tmp/err" &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r["results"]) >= 60' "$tmp/all.json" &&
    ok "the whole standard library on a FHIR import ($db)" ||
    not_ok "the whole library on a FHIR import ($db): $(head -n 3 "$tmp/err")"
done

# --- --max-errors and rejects ---
bundle "$tmp/m" 'p1,1950-01-01,F,\np2,bad,F,\np3,1960-01-01,M,\n' \
  'p1,2020-01-01,condition,snomed,1,\np2,2020-01-01,condition,snomed,1,\n'
"$pcn" import --db "$tmp/m.db" --format csv --max-errors 2 --rejects "$tmp/rejects.txt" "$tmp/m" 2>/dev/null &&
  [[ $(wc -l <"$tmp/rejects.txt") -eq 2 ]] && grep -q "patients.csv:3: date_of_birth" "$tmp/rejects.txt" &&
  grep -q "events.csv:3: patient_id: 'p2'" "$tmp/rejects.txt" &&
  ok "--max-errors 2 imports the rest, rejects listed" || not_ok "--max-errors 2"
"$pcn" import --db "$tmp/m2.db" --format csv --max-errors 1 --rejects "$tmp/rejects2.txt" "$tmp/m" \
  >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "more than 1 bad records" "$tmp/err" &&
  ok "--max-errors exceeded aborts" || not_ok "--max-errors exceeded"

# --- a re-import of demographics only says how many clinical records it removed ---
mkdir -p "$tmp/demo"
cp "$data/bundle/small/patients.csv" "$tmp/demo/"
"$pcn" import --db "$tmp/a.db" --format csv "$tmp/demo" 2>"$tmp/err" &&
  grep -q "patients_replaced: 3" "$tmp/err" && grep -q "records_removed: 11" "$tmp/err" &&
  [[ $("$pcn" export --db "$tmp/a.db" --format csv "$tmp/out4" && tail -n +2 "$tmp/out4/events.csv" | wc -l) -eq 0 ]] &&
  ok "demographics-only re-import reports the records it removed" ||
  not_ok "re-import summary: $(cat "$tmp/err")"

# --- implausible clinical dates are imported and counted in the summary ---
bundle "$tmp/w" 'p1,1950-01-01,F,\n' 'p1,1949-01-01,condition,snomed,1,\np1,2020-01-01,condition,snomed,1,\n'
"$pcn" import --db "$tmp/w.db" --format csv "$tmp/w" 2>"$tmp/err" &&
  grep -q "warnings: 1" "$tmp/err" && grep -q "event dated before the patient's birth: 1" "$tmp/err" &&
  ok "implausible dates warned with counts" || not_ok "warnings: $(cat "$tmp/err")"
bundle "$tmp/future" 'p1,2099-01-01,F,\n'
expect_fail "birth in the future refused" "$tmp/future" csv "patients.csv:2: date_of_birth: in the future"

# --- usage errors ---
"$pcn" import --db "$tmp/u.db" "$data/bundle/small" 2>/dev/null
[[ $? -eq 2 ]] && ok "missing --format is a usage error" || not_ok "missing --format"
"$pcn" import --db "$tmp/u.db" --format xml "$data/bundle/small" 2>/dev/null
[[ $? -eq 2 ]] && ok "unknown format is a usage error" || not_ok "unknown format"

echo "# $failures failed"
[[ $failures -eq 0 ]]
