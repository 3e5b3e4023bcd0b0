#!/usr/bin/env bash
# demo.sh BUILD_DIR - the main job as it exists today: build a database with
# the real national registry (every practice and PCN in England, with list
# sizes by age and sex) and show one network, its practices and the checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
pcn="$root/$build/src/cli/pcn"
out="$root/demo-output"
network=${PCN_DEMO_NETWORK:-U89141}
mkdir -p "$out"
db="$out/demo.db"
rm -f "$db" "$db-wal" "$db-shm"

echo "== Creating $db"
"$pcn" init --db "$db"
echo
echo "== Loading the NHS practice-to-PCN mapping and registered patients (July 2026)"
"$pcn" registry import --db "$db" "$root/data/reference/gp-reg-pat-prac-map.csv" \
  "$root/data/reference/list_bands.csv"
echo
echo "== Network $network"
"$pcn" network show --db "$db" "$network"
echo
echo "== Networks of the same ICB"
icb=$(sqlite3 "$db" "select icb_code from network where code = '$network'" 2>/dev/null || true)
if [[ -n "$icb" ]]; then
  "$pcn" network list --db "$db" --icb "$icb"
fi
echo
echo "== Registry checks (England)"
"$pcn" registry check --db "$db" --format csv >"$out/registry-check.csv" || true
echo "$(grep -c ',unallocated,' "$out/registry-check.csv") practices in no network;" \
  "$(grep -c ',network-size,' "$out/registry-check.csv") networks outside 30,000-50,000 patients" \
  "(full list: $out/registry-check.csv)"
echo
echo "Database: $db   (try: $pcn network list --db $db)"
