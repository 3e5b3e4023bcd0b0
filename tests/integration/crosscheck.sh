#!/usr/bin/env bash
# crosscheck.sh - the engine against plain SQL: generate a network, then
# count registers and an indicator numerator both with `pcn report/query`
# and with hand-written SQL run by the sqlite3 shell on the same database.
# The counts must be identical. (issue 5, "Correctness")
. "$(dirname "$0")/lib.sh" "$@"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found: skipped"; exit 77; }

DB="$TMP/x.db"
ASOF=2025-03-31
run generate --db "$DB" --practices 2 --patients 6000 --seed 7 --as-of "$ASOF"
expect_status 0 "generate"

A=$(( $(date -u -d "$ASOF" +%s) / 86400 ))
A12=$(( $(date -u -d "2024-03-31" +%s) / 86400 ))   # as_of - 12 months
CL="$SRC/defs/codelists"
DAH="$CL/opensafely_deaths-at-home-covid19/nhsd-primary-care-domain-refsets"
WPH="$CL/opensafely_winter-pressures-phase-II"

# engine count of one register or indicator measure
engine() { # NAME MEASURE
  run report --db "$DB" --as-of "$ASOF" --format csv "$1"
  expect_status 0 "report $1"
  grep "^[a-z]*,$1,,$2," "$TMP/out" | cut -d, -f5
}

# SQL: the population on the as-of date, with age; code lists as tables
sql() {
  sqlite3 -batch "$DB" <<SQL
.mode csv
.import $DAH-dm_cod.csv cl_dm
.import $WPH/nhsd-primary-care-domain-refsets-dmres_cod.csv cl_dmres
.import $DAH-hyp_cod.csv cl_hyp
.import $WPH/nhsd-primary-care-domain-refsets-hypres_cod.csv cl_hypres
.import $DAH-afib_cod.csv cl_af
.import $DAH-chd_cod.csv cl_chd
.import $DAH-ckd_cod.csv cl_ckd
.import $DAH-ckd1and2_cod.csv cl_ckd12
.import $WPH/opensafely-glycated-haemoglobin-hba1c-tests.csv cl_hba1c
CREATE TEMP VIEW pop AS
  SELECT id, (CAST(strftime('%Y%m%d', $A * 86400, 'unixepoch') AS INTEGER)
            - CAST(strftime('%Y%m%d', date_of_birth * 86400, 'unixepoch') AS INTEGER)) / 10000 AS age
  FROM patient
  WHERE (registered_from IS NULL OR registered_from <= $A)
    AND (registered_to IS NULL OR registered_to >= $A)
    AND (date_of_death IS NULL OR date_of_death > $A) AND date_of_birth <= $A;
CREATE TEMP VIEW ev AS SELECT patient, date, code, value FROM event WHERE date <= $A;
CREATE TEMP VIEW last_dm AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_dm) GROUP BY patient;
CREATE TEMP VIEW last_dmres AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_dmres) GROUP BY patient;
CREATE TEMP VIEW last_hyp AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_hyp) GROUP BY patient;
CREATE TEMP VIEW last_hypres AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_hypres) GROUP BY patient;
CREATE TEMP VIEW last_ckd AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_ckd) GROUP BY patient;
CREATE TEMP VIEW last_ckd12 AS SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_ckd12) GROUP BY patient;
CREATE TEMP VIEW dm_reg AS SELECT pop.id FROM pop JOIN last_dm a ON a.patient = pop.id
  LEFT JOIN last_dmres r ON r.patient = pop.id WHERE age >= 17 AND (r.d IS NULL OR r.d < a.d);
SELECT 'dm', count(*) FROM dm_reg;
SELECT 'hyp', count(*) FROM pop JOIN last_hyp a ON a.patient = pop.id
  LEFT JOIN last_hypres r ON r.patient = pop.id WHERE r.d IS NULL OR r.d < a.d;
SELECT 'af', count(DISTINCT pop.id) FROM pop JOIN ev ON ev.patient = pop.id WHERE code IN (SELECT code FROM cl_af);
SELECT 'chd', count(DISTINCT pop.id) FROM pop JOIN ev ON ev.patient = pop.id WHERE code IN (SELECT code FROM cl_chd);
SELECT 'ckd', count(*) FROM pop JOIN last_ckd a ON a.patient = pop.id
  LEFT JOIN last_ckd12 r ON r.patient = pop.id WHERE age >= 18 AND (r.d IS NULL OR r.d <= a.d);
SELECT 'hba1c_ok', count(*) FROM dm_reg WHERE (
  SELECT value FROM ev WHERE ev.patient = dm_reg.id AND code IN (SELECT code FROM cl_hba1c)
    AND date > $A12 ORDER BY date DESC LIMIT 1) <= 58;
SQL
}
sql >"$TMP/sql.csv" 2>"$TMP/sql.err" || fail "sqlite3: $(cat "$TMP/sql.err")"
from_sql() { grep "^$1," "$TMP/sql.csv" | cut -d, -f2; }

for reg in dm hyp af chd ckd; do
  e=$(engine "$reg" count)
  s=$(from_sql "$reg")
  [[ -n "$e" && "$e" -gt 0 ]] || fail "$reg: engine count '$e'"
  expect_eq "$e" "$s" "register $reg: engine vs SQL"
done

cat >"$TMP/q.pcn" <<'Q'
register hba1c_ok = dm and last(hba1c_cod, within 12 months).value <= 58
Q
run query --db "$DB" --as-of "$ASOF" --format csv "$TMP/q.pcn"
expect_status 0 "query"
e=$(grep '^register,hba1c_ok,,count,' "$TMP/out" | cut -d, -f5)
expect_eq "$e" "$(from_sql hba1c_ok)" "HbA1c <= 58: engine vs SQL"
echo "$(tr '\n' ' ' <"$TMP/sql.csv")"
done_ok
