#!/usr/bin/env bash
# generate.sh BUILD_DIR - synthetic twin generator benchmark (run by
# scripts/run-bench.sh): the model alone (null sink), the CSV bundle with one
# and two threads for ICB QOC (~567,000 patients), the same bytes copied with
# cp as the I/O baseline, and the calibration report of three networks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
bench="$root/$build/bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t() { /usr/bin/time -f "  wall %e s, user %U s, sys %S s, peak RSS %M KB" "$@"; }

echo "model only (null sink), ICB QOC:"
t "$bench/gen_bench" --null --icb QOC
for threads in 1 2; do
  echo "CSV bundle, $threads thread(s), ICB QOC:"
  rm -rf "$work/b"
  t "$bench/gen_bench" --threads "$threads" --icb QOC "$work/b"
done
echo "I/O baseline: cp of the same bundle ($(du -sh "$work/b" | cut -f1)):"
t cp -r "$work/b" "$work/c"
sync
echo "calibration (U89141 Stockton, U02671 most deprived, U01367 least deprived):"
"$bench/gen_calibration" U89141 U02671 U01367 | tail -n 24
