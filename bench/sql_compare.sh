#!/usr/bin/env bash
# sql_compare.sh DB [AS_OF] - time the SQL versions of five registers and the
# DM HbA1c numerator (the queries of tests/integration/crosscheck.sh) in the
# sqlite3 shell, with the tables copied into an in-memory database and
# indexed by code first. Compare with `bench_engine --db DB` (docs/PERFORMANCE.md).
set -euo pipefail
DB=${1:?usage: sql_compare.sh DB [AS_OF]}
ASOF=${2:-2025-03-31}
SRC=$(cd "$(dirname "$0")/.." && pwd)
A=$(( $(date -u -d "$ASOF" +%s) / 86400 ))
A12=$(( $(date -u -d "$ASOF -12 months" +%s) / 86400 ))
CL="$SRC/defs/codelists"
DAH="$CL/opensafely_deaths-at-home-covid19/nhsd-primary-care-domain-refsets"
WPH="$CL/opensafely_winter-pressures-phase-II"
sqlite3 -batch :memory: <<SQL
ATTACH '$DB' AS d;
CREATE TABLE patient AS SELECT * FROM d.patient;
CREATE TABLE event AS SELECT * FROM d.event;
CREATE INDEX event_code ON event (code, patient, date);
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
CREATE TEMP VIEW dm_reg AS SELECT pop.id FROM pop
  JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_dm) GROUP BY patient) a ON a.patient = pop.id
  LEFT JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_dmres) GROUP BY patient) r ON r.patient = pop.id
  WHERE age >= 17 AND (r.d IS NULL OR r.d < a.d);
.timer on
SELECT 'af', count(DISTINCT pop.id) FROM pop JOIN ev ON ev.patient = pop.id WHERE code IN (SELECT code FROM cl_af);
SELECT 'chd', count(DISTINCT pop.id) FROM pop JOIN ev ON ev.patient = pop.id WHERE code IN (SELECT code FROM cl_chd);
SELECT 'ckd', count(*) FROM pop
  JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_ckd) GROUP BY patient) a ON a.patient = pop.id
  LEFT JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_ckd12) GROUP BY patient) r ON r.patient = pop.id
  WHERE age >= 18 AND (r.d IS NULL OR r.d <= a.d);
SELECT 'dm', count(*) FROM dm_reg;
SELECT 'hyp', count(*) FROM pop
  JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_hyp) GROUP BY patient) a ON a.patient = pop.id
  LEFT JOIN (SELECT patient, max(date) AS d FROM ev WHERE code IN (SELECT code FROM cl_hypres) GROUP BY patient) r ON r.patient = pop.id
  WHERE r.d IS NULL OR r.d < a.d;
SELECT 'hba1c_ok', count(*) FROM dm_reg WHERE (
  SELECT value FROM ev WHERE ev.patient = dm_reg.id AND code IN (SELECT code FROM cl_hba1c)
    AND date > $A12 ORDER BY date DESC LIMIT 1) <= 58;
SQL
