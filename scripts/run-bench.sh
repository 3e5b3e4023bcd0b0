#!/usr/bin/env bash
# run-bench.sh BUILD_DIR - run the benchmarks under bench/ and print their
# results; docs/PERFORMANCE.md records what they printed on the reference
# machine. Each benchmark measures OpenPCN and its named peer in the same run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
pcn="$root/$build/src/cli/pcn"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== CSV reader: pcn_csv vs libcsv (bench/csv_reader.c)"
"$root/$build/bench/bench_csv_reader"

echo
echo "== Registry import of the national mapping (6,139 practices) and list size bands"
map="$root/data/reference/gp-reg-pat-prac-map.csv"
bands="$root/data/reference/list_bands.csv"
hyperfine --warmup 1 --runs 10 --export-markdown "$work/registry.md" \
  --prepare "rm -f $work/r.db $work/r.db-wal $work/r.db-shm; $pcn init --db $work/r.db >/dev/null" \
  "$pcn registry import --db $work/r.db $map" \
  --prepare "rm -f $work/s.db; sqlite3 $work/s.db 'create table m (a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q)'" \
  "sqlite3 $work/s.db '.mode csv' '.import --skip 1 $map m'"
cat "$work/registry.md"
rm -f "$work/r.db"*
"$pcn" init --db "$work/r.db" >/dev/null
"$pcn" registry import --db "$work/r.db" "$map" >/dev/null
hyperfine --warmup 1 --runs 5 \
  --prepare "sqlite3 $work/r.db 'delete from list_band; delete from list_size'" \
  "$pcn registry import --db $work/r.db $bands"

for extra in "$root"/bench/*.sh; do
  [[ -x "$extra" ]] || continue
  echo
  echo "== $(basename "$extra")"
  "$extra" "$root/$build"
done
