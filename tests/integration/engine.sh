#!/usr/bin/env bash
# engine.sh - pcn query and pcn report over a small population written into
# a fresh database (rows inserted with the sqlite3 shell, dates as day
# numbers): registers, indicators, scores, worklists, breakdowns,
# suppression, formats, and the error paths (usage 2, runtime 1).
. "$(dirname "$0")/lib.sh" "$@"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found: skipped"; exit 77; }

DB="$TMP/pcn.db"
run init --db "$DB"
expect_status 0 "init"

d() { echo $(( ($(date -u -d "$1" +%s)) / 86400 )); }
DM=111552007         # diabetes mellitus without complication (DM_COD)
HBA1C=999791000000106
SBP=271649006
sqlite3 "$DB" <<SQL || fail "sqlite3 insert"
INSERT INTO patient (id, patient_id, date_of_birth, sex, practice, registered_from) VALUES
  (1, 'P1', $(d 1950-01-01), 'F', 'A81001', $(d 2000-01-01)),
  (2, 'P2', $(d 1960-01-01), 'M', 'A81001', $(d 2000-01-01)),
  (3, 'P3', $(d 1990-01-01), 'F', 'A81002', $(d 2000-01-01)),
  (4, 'P4', $(d 1940-01-01), 'M', 'A81002', $(d 2000-01-01));
UPDATE patient SET date_of_death = $(d 2024-01-01) WHERE id = 4;
INSERT INTO event (patient, date, kind, system, code, value) VALUES
  (1, $(d 2010-01-01), 1, 'snomed', '$DM', NULL),
  (1, $(d 2025-01-01), 2, 'snomed', '$HBA1C', 52),
  (2, $(d 2012-01-01), 1, 'snomed', '$DM', NULL),
  (2, $(d 2024-12-01), 2, 'snomed', '$HBA1C', 71),
  (4, $(d 2012-01-01), 1, 'snomed', '$DM', NULL),
  (3, $(d 2025-02-01), 2, 'snomed', '$SBP', 150);
SQL

run report --db "$DB" --as-of 2025-03-31 dm
expect_status 0 "report dm"
expect_out "register dm: Diabetes mellitus"
expect_out "population  count  percent"

run report --db "$DB" --as-of 2025-03-31 --format json dm_hba1c
expect_status 0 "report dm_hba1c json"
expect_out '"denominator":2,"numerator":1,"excluded":0,"percent":50.00'

run report --db "$DB" --as-of 2025-03-31 --format csv --by practice dm
expect_status 0 "report by practice"
expect_out "register,dm,practice=A81001,count,2"
expect_out "register,dm,practice=A81002,count,0"

run report --db "$DB" --as-of 2025-03-31 --format csv --suppress 5 dm
expect_out "register,dm,,count,<5"

run report --db "$DB" --as-of 2025-03-31 --format json cvd_raised_bp
expect_status 0 "worklist"
expect_out '"patient_id":"P3"'

run report --db "$DB" --as-of 2025-03-31 registers
expect_status 0 "registers"
expect_out "register stia:"

run report --db "$DB" --as-of 2025-03-31 all
expect_status 0 "whole library"
expect_out "score frailty:"
expect_out "segment b2h:"

cat >"$TMP/q.pcn" <<'Q'
register older "Aged 60+" = age >= 60
indicator dm_control { denominator = dm numerator = last(hba1c_cod).value <= 58 }
Q
run query --db "$DB" --as-of 2025-03-31 --format csv "$TMP/q.pcn"
expect_status 0 "query"
expect_out "register,older,,count,2"
expect_out "indicator,dm_control,,numerator,1"

printf 'register r = agee > 1\n' >"$TMP/bad.pcn"
run query --db "$DB" "$TMP/bad.pcn"
expect_status 1 "definition error"
expect_err "bad.pcn:1:14: unknown name 'agee'; did you mean 'age'?"
expect_err "^~~~"

run report --db "$DB" registres
expect_status 2 "unknown report"
expect_err "did you mean 'registers'?"

run report --db "$DB" --by colour dm
expect_status 2 "bad --by"
run report --db "$DB" --suppress x dm
expect_status 2 "bad --suppress"
run query --db "$DB"
expect_status 2 "missing file"

run report --db "$DB" --as-of 2025-03-31 --timing --snapshot "$TMP/snap.bin" --format csv dm
expect_status 0 "snapshot built"
expect_err "built from the store"
expect_err "as-of date given in"
expect_out "register,dm,,count,2"
run report --db "$DB" --as-of 2025-03-31 --timing --snapshot "$TMP/snap.bin" --format csv dm
expect_status 0 "snapshot loaded"
expect_err "loaded from the snapshot file"
expect_out "register,dm,,count,2"
# a write through the store bumps the data version; simulate one
sqlite3 "$DB" "UPDATE meta SET value = value + 1 WHERE key = 'data_version'" || fail "update"
run report --db "$DB" --as-of 2025-03-31 --timing --snapshot "$TMP/snap.bin" dm
expect_err "built from the store"

run report list
expect_status 0 "report list"
expect_out "indicator  dm_hba1c"
expect_out "score      frailty"

for f in "$SRC"/docs/examples/*.pcn; do
  run query --db "$DB" --as-of 2025-03-31 --format json "$f"
  expect_status 0 "example $f"
  expect_out '"results":['
done

echo "ok: $checks checks"
