#!/usr/bin/env bash
# peers.sh [BUILD_DIR] [N_PATIENTS] [REPEAT] - the engine against SQLite and
# DuckDB on the same population, same run (issue 5, "Performance"):
#   1. bench_engine --bundle: the synthetic population of bench_engine
#      (default 1,000,000 patients, ~40M records) as a native CSV bundle and
#      as the engine's snapshot file;
#   2. bench/sql/run.mjs load: the bundle into SQLite and DuckDB files, with
#      the indexes an analyst would add (not timed);
#   3. timed, one after another: the engine (snapshot file loaded, then the
#      definitions of bench/sql/defs/ by practice), SQLite and DuckDB (tables
#      copied into memory first, then the same definitions as SQL), each
#      definition REPEAT times (default 3), best run kept;
#   4. the counts of the three must be identical (the engine's both for the
#      set evaluated together and for each definition on its own); then the
#      table of times and ratios (docs/PERFORMANCE.md).
# BENCH_LOCK=FILE runs each timed step under `flock FILE` (a shared machine).
# PEERS_WORK=DIR works in DIR and keeps it: steps 1 and 2 are skipped when
# their files are there (at 1M patients they take about 20 minutes), so the
# timed steps can be run again on the same data.
# Needs node with bench/sql's packages (scripts/install-deps.sh) and sqlite3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-1000000}
repeat=${3:-3}
sql="$root/bench/sql/run.mjs"
if [[ -n ${PEERS_WORK:-} ]]; then
  work=$PEERS_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/pcn-peers-XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

command -v node >/dev/null || { echo "peers.sh: node not found: skipped"; exit 0; }
command -v sqlite3 >/dev/null || { echo "peers.sh: sqlite3 not found: skipped"; exit 0; }

timed() { # LABEL CMD...: run CMD (under the lock when asked), peak RSS to stderr
  local label=$1
  shift
  echo "-- $label (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  if [[ -n ${BENCH_LOCK:-} ]]; then
    set -- flock "$BENCH_LOCK" "$@"
  fi
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "   peak RSS %M kB, %e s wall, %U+%S s CPU" "$@"
  else
    "$@"
  fi
}

if [[ ! -f $work/bundle/engine.snap ]]; then
  echo "population of $n patients in $work" >&2
  "$build/bench/bench_engine" --bundle "$n" "$work/bundle"
  du -sh "$work/bundle" >&2
  rm -f "$work/w/peer.sqlite" "$work/w/peer.duckdb"
fi
if [[ ! -f $work/w/peer.sqlite || ! -f $work/w/peer.duckdb ]]; then
  node "$sql" load --bundle "$work/bundle" --work "$work/w"
fi
rm -f "$work/bundle"/*.csv
ls -l "$work/bundle" "$work/w" >&2

mapfile -t names < <(node "$sql" outputs)
timed engine "$build/bench/bench_engine" --peer "$work/bundle/engine.snap" \
  "$work/w/engine.counts.csv" "$repeat" "${names[@]}" >"$work/engine.out"
{
  echo "name,run,wall_ms,cpu_ms"
  sed -n 's/^engine,\([^,]*\),/\1,1,/p' "$work/engine.out"
} >"$work/w/engine.times.csv"
grep '(snapshot load)' "$work/w/engine.times.csv" >&2
timed sqlite node "$sql" run --work "$work/w" --as-of 2025-03-31 --peers sqlite --repeat "$repeat"
timed duckdb node "$sql" run --work "$work/w" --as-of 2025-03-31 --peers duckdb --repeat "$repeat"

# the engine's counts twice: the set evaluated together (dense: it includes the eFI),
# and each definition on its own (sparse where it can be)
node "$sql" compare "$work/w/sqlite.counts.csv" "$work/w/duckdb.counts.csv" \
  "$work/w/engine.counts.csv" "$work/w/engine.counts.csv.single"
node "$sql" ratios "$work/w"
