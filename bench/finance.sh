#!/usr/bin/env bash
# finance.sh BUILD_DIR - the workforce and finance reports on England (run by
# scripts/run-bench.sh): a SQLite store with the registry of July 2026
# (1,298 networks, their practices and lists), the workforce census of June
# 2026 and every network's twin staff from it, then bench_finance: each
# network's reports one at a time, and every network at once in C and in SQL
# on the same database with the same answer (bench/bench_finance.c).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
pcn="$root/$build/src/cli/pcn"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/england.db"
t() { /usr/bin/time -f "  wall %e s, user %U s, sys %S s, peak RSS %M KB" "$@"; }

"$pcn" init --db "$db" >/dev/null
"$pcn" registry import --db "$db" "$root/data/reference/gp-reg-pat-prac-map.csv" \
  "$root/data/reference/list_bands.csv" >/dev/null
echo "load: the census (39,940 rows):"
t "$pcn" workforce import --db "$db" --census --census-date 2026-06-30 \
  "$root/data/reference/census_staff.csv"
echo "load: every network's staff from the census (pcn workforce twin --all):"
t "$pcn" workforce twin --db "$db" --all --as-of 2026-07-01
echo "store: $(sqlite3 "$db" 'select count(*) from staff_post') posts of $(sqlite3 "$db" \
  'select count(distinct network) from staff_post') networks, $(du -h "$db" | cut -f1)"
"$root/$build/bench/bench_finance" "$db" 2025-26 2026-07-01 5
