#!/usr/bin/env bash
# import_ab.sh BEFORE_BUILD AFTER_BUILD BUNDLE [RUNS] - `pcn import` of one
# native CSV bundle by two builds of OpenPCN (a change and the commit before
# it), interleaved (before, after, after, before, ...) so drifting load on a
# shared machine falls on both alike: into a fresh SQLite database, and into
# a freshly emptied PostgreSQL database when PCN_TEST_PG names one (run it
# under scripts/with-pg.sh). Checks that both builds stored the same rows
# (a hash of every population table), then prints each run's wall and CPU
# seconds of the pcn process (the PostgreSQL server's own CPU is not in it)
# and the 1-minute load average when it started, as Markdown.
# Not run by `make bench` (it needs two builds); the docs/PERFORMANCE.md
# before/after tables come from it. BENCH_LOCK: a lock file each timed
# command holds (flock), on a shared machine. BENCH_DIR: work directory.
set -euo pipefail
[[ $# -ge 3 ]] || { echo "usage: import_ab.sh BEFORE_BUILD AFTER_BUILD BUNDLE [RUNS]" >&2; exit 2; }
before=$1/src/cli/pcn
after=$2/src/cli/pcn
bundle=$3
runs=${4:-3}
out=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/pcn-import-ab-XXXXXX")}
mkdir -p "$out"
for b in "$before" "$after"; do
  [[ -x $b ]] || { echo "import_ab.sh: no pcn at $b" >&2; exit 2; }
done
tables="patient event medication immunisation encounter term"

# time_import LABEL PCN DB: one timed import; appends "LABEL wall cpu load" to $out/times.
time_import() {
  local label=$1 pcn=$2 db=$3 lock=()
  sync
  [[ -n ${BENCH_LOCK:-} ]] && lock=(flock "$BENCH_LOCK")
  "${lock[@]}" /usr/bin/time -f "%e %U %S" -o "$out/time" \
    bash -c 'cut -d" " -f1 /proc/loadavg >"$0"; exec "$@"' "$out/load" \
    "$pcn" import --db "$db" --format csv "$bundle" >"$out/$label.out" 2>&1 ||
    { cat "$out/$label.out" >&2; exit 1; }
  read -r wall user sys <"$out/time"
  echo "$label $wall $(echo "$user + $sys" | bc) $(cat "$out/load")" >>"$out/times"
}

# fingerprint BACKEND DB: one hash over the rows of every population table.
fingerprint() {
  local t
  for t in $tables; do
    echo "== $t"
    if [[ $1 == sqlite ]]; then
      sqlite3 "$2" "SELECT * FROM $t" | LC_ALL=C sort
    else
      psql -qAt "$2" -c "SELECT * FROM $t" | LC_ALL=C sort
    fi
  done | sha256sum | cut -c1-16
}

pg_empty() {
  psql -q "$PCN_TEST_PG" -c "SET client_min_messages = warning" \
    -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public"
}

: >"$out/times"
backends=(sqlite)
[[ -n ${PCN_TEST_PG:-} ]] && backends+=(postgresql)
for backend in "${backends[@]}"; do
  for ((r = 1; r <= runs; r++)); do
    order=(before after)
    ((r % 2 == 0)) && order=(after before)
    for which in "${order[@]}"; do
      pcn=$before
      [[ $which == after ]] && pcn=$after
      if [[ $backend == sqlite ]]; then
        db=$out/$which.db
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
      else
        db=$PCN_TEST_PG
        pg_empty
      fi
      time_import "$backend-$which-$r" "$pcn" "$db"
      fingerprint "$backend" "$db" >"$out/$backend-$which-$r.hash"
    done
  done
  if [[ $(cat "$out/$backend"-*.hash | sort -u | wc -l) -ne 1 ]]; then
    echo "import_ab.sh: the builds stored different rows on $backend" >&2
    exit 1
  fi
done

echo "bundle: $bundle ($(($(cat "$bundle"/*.csv | wc -l) - $(ls "$bundle"/*.csv | wc -l))) records)"
echo "same rows stored by both builds on: ${backends[*]}"
echo
echo "| backend | build | run | wall s | CPU s (pcn) | load |"
echo "|---|---|---|---:|---:|---:|"
sort -t- -k1,1 -k2,2 -k3,3n "$out/times" | while read -r label wall cpu load; do
  IFS=- read -r backend which run <<<"$label"
  echo "| $backend | $which | $run | $wall | $cpu | $load |"
done
echo
echo "| backend | build | best wall s | median wall s | best CPU s |"
echo "|---|---|---:|---:|---:|"
for backend in "${backends[@]}"; do
  for which in before after; do
    walls=$(grep "^$backend-$which-" "$out/times" | cut -d' ' -f2 | sort -n)
    cpus=$(grep "^$backend-$which-" "$out/times" | cut -d' ' -f3 | sort -n)
    n=$(echo "$walls" | wc -l)
    echo "| $backend | $which | $(echo "$walls" | head -n1) |" \
      "$(echo "$walls" | sed -n "$(((n + 1) / 2))p") | $(echo "$cpus" | head -n1) |"
  done
done
