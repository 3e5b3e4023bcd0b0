#!/usr/bin/env bash
# import.sh [PATIENTS] [EVENTS_PER_PATIENT] [NDJSON_COPIES] - the import
# benchmark of docs/PERFORMANCE.md ("Import"). Generates a native CSV
# bundle (bench/gen_bundle) and scaled FHIR NDJSON (bench/gen_ndjson.py),
# then times, in the same run:
#   - pcn import --format csv into a fresh SQLite database (end to end);
#   - the peer: sqlite3 .import of the same events.csv into an equivalent
#     table, without and with the (patient, date) index our event table has;
#   - pcn import --format csv --dry-run (parse and validate only);
#   - pcn import --format fhir of the NDJSON, with and without --dry-run.
# Prints wall and CPU seconds, rates and peak RSS as a Markdown table.
# Defaults: 100000 patients x 40 events (4 M events), 200 NDJSON copies.
# A first argument that is a directory is the build directory (run-bench.sh).
# BENCH_DIR: where the inputs and databases go (default bench/out/import);
# BENCH_LOCK: a lock file each timed command holds (flock), on a shared machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -gt 0 && -d $1 ]]; then # scripts/run-bench.sh passes the build directory
  BUILD=$1
  shift
fi
patients=${1:-100000}
per=${2:-40}
copies=${3:-200}
build=${BUILD:-$root/build}
out=${BENCH_DIR:-$root/bench/out/import}
pcn=$build/src/cli/pcn
mkdir -p "$out"
ninja -C "$build" -j2 src/cli/pcn bench/gen_bundle >/dev/null

if [[ ! -f "$out/bundle-$patients-$per/events.csv" ]]; then
  rm -rf "$out"/bundle-*
  mkdir -p "$out/bundle-$patients-$per"
  "$build/bench/gen_bundle" "$out/bundle-$patients-$per" "$patients" "$per"
fi
bundle=$out/bundle-$patients-$per
if [[ ! -f "$out/ndjson-$copies/resources.ndjson" ]]; then
  rm -rf "$out"/ndjson-*
  python3 "$root/bench/gen_ndjson.py" "$root/tests/data/fhir/ndjson" "$out/ndjson-$copies" "$copies"
fi
ndjson=$out/ndjson-$copies
events=$(($(wc -l <"$bundle/events.csv") - 1))
mb() { echo "scale=1; $(du -cb "$@" | tail -n 1 | cut -f1) / 1000000" | bc; }
csv_mb=$(mb "$bundle"/*.csv)
nd_mb=$(mb "$ndjson"/*.ndjson)

# run LABEL CMD...: time a command (under $BENCH_LOCK if set); sets wall, cpu, rss, load.
# Dirty pages of the previous run are written out first, so no run pays for another's.
run() {
  local label=$1
  shift
  local lock=()
  sync
  [[ -n ${BENCH_LOCK:-} ]] && lock=(flock "$BENCH_LOCK")
  # shellcheck disable=SC2016 # the inner shell expands $0 and $@
  "${lock[@]}" /usr/bin/time -f "%e %U %S %M" -o "$out/time" \
    bash -c 'cut -d" " -f1 /proc/loadavg >"$0"; exec "$@"' "$out/load" "$@" \
    >/dev/null 2>"$out/$label.log"
  read -r wall user sys rss <"$out/time"
  read -r load <"$out/load"
  cpu=$(echo "$user + $sys" | bc)
}
rate() { echo "scale=0; $1 / $2" | bc; }
row() { # LABEL INPUT UNITS UNIT-NAME
  echo "| $1 | $2 | $wall | $cpu | $(rate "$3" "$wall") $4 | $(rate "$3" "$cpu") $4 | $((rss / 1024)) | $load |"
}

peer_sql() { # $1: with index?
  echo "PRAGMA cache_size = -262144;"
  echo "CREATE TABLE event (patient_id TEXT, date TEXT, end_date TEXT, kind TEXT, system TEXT,"
  echo "  code TEXT, value REAL, unit TEXT, source TEXT, orig_system TEXT, orig_code TEXT);"
  [[ $1 == yes ]] && echo "CREATE INDEX event_patient ON event (patient_id, date);"
  echo ".import --csv --skip 1 $bundle/events.csv event"
}

echo "| run | input | wall s | CPU s | rate (wall) | rate (CPU) | peak RSS MB | load |"
echo "|---|---|---|---|---|---|---|---|"
rm -f "$out/pcn.db"*
run pcn_csv "$pcn" import --db "$out/pcn.db" --format csv "$bundle"
pw=$wall
row "pcn import --format csv" "$events events, $csv_mb MB" "$events" ev/s
rm -f "$out/pcn.db"* "$out/peer.db"*
peer_sql no >"$out/peer.sql"
run peer sqlite3 "$out/peer.db" ".read $out/peer.sql"
ratio=$(echo "scale=2; $wall / $pw" | bc)
row "sqlite3 .import (no index)" "same events.csv" "$events" ev/s
rm -f "$out/peer.db"*
peer_sql yes >"$out/peer.sql"
run peer_idx sqlite3 "$out/peer.db" ".read $out/peer.sql"
ratio_idx=$(echo "scale=2; $wall / $pw" | bc)
row "sqlite3 .import (with index)" "same events.csv" "$events" ev/s
rm -f "$out/peer.db"*
run pcn_dry "$pcn" import --dry-run --format csv "$bundle"
row "pcn import --format csv --dry-run" "$events events" "$events" ev/s
rm -f "$out/fhir.db"*
run pcn_fhir "$pcn" import --db "$out/fhir.db" --format fhir "$ndjson"
row "pcn import --format fhir (NDJSON)" "$nd_mb MB" "$nd_mb" MB/s
rm -f "$out/fhir.db"*
run pcn_fhir_dry "$pcn" import --dry-run --format fhir "$ndjson"
row "pcn import --format fhir --dry-run" "$nd_mb MB" "$nd_mb" MB/s
echo
echo "peer wall time / pcn wall time: $ratio (no index), $ratio_idx (with index); > 1 means pcn is faster"
echo "load average (1 min) when each run started in the last column; $(nproc) cores"
