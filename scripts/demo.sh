#!/usr/bin/env bash
# demo.sh BUILD_DIR - the main job as it exists today: build a database with
# the real national registry (every practice and PCN in England, with list
# sizes by age and sex) and show one network, its practices and the checks;
# then generate a synthetic twin of that network's patients, add one demo
# user per role and run the dashboard (pcn serve) in the foreground.
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

echo
echo "== Dashboard"
if ! "$pcn" generate --help >/dev/null 2>&1 || ! "$pcn" serve --help >/dev/null 2>&1; then
  echo "The dashboard needs 'pcn generate' and 'pcn serve', which this build lacks: skipped."
  exit 0
fi
if [[ ! -f "$root/web/vendor/england.json" ]]; then
  if [[ -d "$root/web/node_modules" ]]; then
    node "$root/web/scripts/vendor.mjs" >/dev/null
  else
    echo "web/node_modules is missing (scripts/install-deps.sh installs it): dashboard skipped."
    exit 0
  fi
fi
echo "Generating a synthetic twin of $network's registered patients (seed 1)"
"$pcn" generate --db "$db" --pcn "$network" --seed 1
demo_password=${PCN_DEMO_PASSWORD:-openpcn-demo}
first_practice=$("$pcn" practice list --db "$db" --network "$network" --format csv | sed -n 2p | cut -d, -f1)
roles=(clinical_director practice_manager clinician link_worker ppg_member analyst admin)
for role in "${roles[@]}"; do
  extra=()
  [[ $role == practice_manager ]] && extra=(--practice "$first_practice")
  printf '%s\n' "$demo_password" | "$pcn" user add --db "$db" --role "$role" "${extra[@]}" "demo_$role" >/dev/null
done
listen=${PCN_DEMO_LISTEN:-127.0.0.1:8080}
echo
echo "Sign in at the address below with one of these users (password: $demo_password):"
for role in "${roles[@]}"; do
  note=""
  [[ $role == practice_manager ]] && note="  (practice $first_practice)"
  printf '  %-24s %s%s\n' "demo_$role" "$role" "$note"
done
echo "Stop the server with Ctrl-C."
echo
# the population snapshot beside the database: a restart loads it instead of reading the store
serve=("$pcn" serve --db "$db" --web "$root/web" --network "$network"
  --set "snapshot_file=$db.snapshot")
if ! "${serve[@]}" --listen "$listen"; then
  echo "pcn serve could not listen on $listen; trying a free port" >&2
  "${serve[@]}" --listen 127.0.0.1:0
fi
