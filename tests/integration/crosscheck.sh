#!/usr/bin/env bash
# crosscheck.sh - the engine against the same definitions written as SQL
# (bench/sql/defs/) and run by SQLite and DuckDB on the same data: a
# generated network with same-day ties added, imported, exported as a CSV
# bundle (what the SQL side loads), and reported by the engine by practice.
# Every count of every SQL output must be identical in all three.
# (issue 5, "Correctness"; docs/internals/engine.md, "Cross-check")
# Skipped (77) only without node or the sqlite3 shell; without DuckDB's
# package the SQLite half still runs and must pass, then the test skips.
. "$(dirname "$0")/lib.sh" "$@"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found: skipped"; exit 77; }
command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
SQL="$SRC/bench/sql/run.mjs"
ASOF=2025-03-31

run generate --out "$TMP/gen" --practices 2 --patients 6000 --seed 7 --as-of "$ASOF"
expect_status 0 "generate"

# Same-day ties: for some HbA1c and systolic readings of the last year add a
# second reading on the same day on the other side of the target, with the
# same code (the later-loaded one counts) or another code of the list
# (the code that appears later in the data counts).
awk -F, -v OFS=, '
  ($6 == "999791000000106" || $6 == "271649006") && $2 > "2024-03-31" && n < 60 {
    n++
    hba1c = $6 == "999791000000106"
    $7 = hba1c ? ($7 <= 58 ? 75 : 45) : ($7 <= 140 ? 165 : 120)
    if (n % 3 == 0) $6 = hba1c ? "1003671000000109" : "198081000000101"
    print
  }' "$TMP/gen/events.csv" >"$TMP/ties.csv"
checks=$((checks + 1))
[[ $(wc -l <"$TMP/ties.csv") -eq 60 ]] || fail "expected 60 same-day readings to add"
cat "$TMP/ties.csv" >>"$TMP/gen/events.csv"

run import --db "$TMP/x.db" --format csv "$TMP/gen"
expect_status 0 "import"
run export --db "$TMP/x.db" --format csv "$TMP/bundle"
expect_status 0 "export"
run report --db "$TMP/x.db" --as-of "$ASOF" --by practice --format csv all
expect_status 0 "report all"
cp "$TMP/out" "$TMP/engine.csv"
# each definition on its own too: evaluated sparse where it can be (the whole
# library never is), so both paths of the evaluator meet the SQL
echo "kind,name,group,measure,value" >"$TMP/engine-single.csv"
outputs=0
sparse=0
for name in $(node "$SRC/bench/sql/run.mjs" outputs); do
  run report --db "$TMP/x.db" --as-of "$ASOF" --by practice --format csv --timing "$name"
  expect_status 0 "report $name"
  tail -n +2 "$TMP/out" >>"$TMP/engine-single.csv"
  # "snapshot of P patients ... visiting V patients": sparse when V < P
  outputs=$((outputs + 1))
  sed -n 's/.*snapshot of \([0-9]*\) patients.*visiting \([0-9]*\) patients.*/\1 \2/p' "$TMP/err" |
    { read -r all visited && [[ $visited -lt $all ]]; } && sparse=$((sparse + 1))
done
checks=$((checks + 1))
echo "$sparse of $outputs definitions evaluated sparse on their own"
[[ $((2 * sparse)) -ge $outputs ]] || fail "only $sparse of $outputs definitions were evaluated sparse"

peers=sqlite,duckdb
node "$SQL" load --bundle "$TMP/bundle" --work "$TMP/w" --peers "$peers" >"$TMP/out" 2>"$TMP/err"
status=$?
if [[ $status == 3 ]]; then
  peers=sqlite
  node "$SQL" load --bundle "$TMP/bundle" --work "$TMP/w" --peers "$peers" >"$TMP/out" 2>"$TMP/err"
  status=$?
fi
expect_status 0 "run.mjs load"
node "$SQL" run --work "$TMP/w" --as-of "$ASOF" --peers "$peers" >"$TMP/out" 2>"$TMP/err"
status=$?
expect_status 0 "run.mjs run"

files=("$TMP/w/sqlite.counts.csv")
[[ $peers == *duckdb* ]] && files+=("$TMP/w/duckdb.counts.csv")
node "$SQL" compare "${files[@]}" "$TMP/engine.csv" "$TMP/engine-single.csv" >"$TMP/out" 2>"$TMP/err"
status=$?
cat "$TMP/out"
expect_status 0 "counts differ between the engine and SQL"
expect_out "identical:"

# Every output has a non-zero total for its first measure, so no comparison is vacuous.
for name in $(node "$SQL" outputs); do
  checks=$((checks + 1))
  grep -q "^$name,,[a-z]*,[1-9]" "$TMP/w/sqlite.counts.csv" || fail "$name: zero counts"
done

if [[ $peers != *duckdb* ]]; then
  echo "@duckdb/node-api not installed (scripts/install-deps.sh): DuckDB skipped"
  exit 77
fi
done_ok
