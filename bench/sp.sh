#!/usr/bin/env bash
# sp.sh [BUILD_DIR] - social prescribing (issue 18, "Performance"): the
# directory search over 5,000 assets by category and distance (and words)
# against the same query in SQLite SQL, same run, same answer checked
# (bench/bench_sp.c). Run timing under the shared lock:
#   flock /tmp/pcn-bench.lock bench/sp.sh build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
"$build/bench/bench_sp" 5000 1000
