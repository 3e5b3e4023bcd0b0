#!/usr/bin/env bash
# engine_http.sh PCN DB [PCN...] - the engine's HTTP routes of one or more
# `pcn` binaries on the same database (a copy each), in one run, so that
# two builds (before and after a change) meet the same load (with one
# argument, a build directory, as scripts/run-bench.sh calls it: that
# build alone on the Stockton twin, `pcn generate --pcn U89141 --seed 1`):
#   1. cold: a server started on DB with the warm start; once /health says
#      the population is ready, the first GET /api/v1/worklists (the list of
#      worklists) and the first GET /api/v1/worklists/NAME of each worklist
#      (its rows evaluated for the first time), then the same again (warm);
#      the median over RUNS (default 5) server starts;
#   2. wrk, 64 connections, WRK_SECONDS (default 10) each: a cached report
#      (GET /api/v1/reports/registers?by=practice: the response cache) and a
#      page of a worklist (GET /api/v1/worklists/smr_priority?sort=Age&
#      order=desc&limit=25: audited, never in the response cache, so each
#      request reads the evaluated results), with the server's CPU time per
#      request (utime + stime over the run / requests);
#   3. `pcn report all --by practice` on DB, best of 3 wall times.
# Run under the bench lock: flock /tmp/pcn-bench.lock bench/engine_http.sh ...
set -euo pipefail
if [[ $# -eq 1 && -d "$1" ]]; then # BUILD_DIR, as scripts/run-bench.sh calls it: its own twin
  twin=$(mktemp -d)
  "$1/src/cli/pcn" generate --db "$twin/twin.db" --pcn U89141 --seed 1 >/dev/null
  rc=0
  "$0" "$1/src/cli/pcn" "$twin/twin.db" || rc=$?
  rm -rf "$twin"
  exit $rc
fi
db=${2:?usage: engine_http.sh PCN DB [PCN...] | engine_http.sh BUILD_DIR}
pcns=("$1" "${@:3}")
runs=${RUNS:-5}
secs=${WRK_SECONDS:-10}
threads=${SERVER_THREADS:-4}
work=$(mktemp -d)
srv_pid=
cleanup() {
  [[ -n "$srv_pid" ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/serve_lib.sh
. "$(dirname "$0")/serve_lib.sh"

start_server() { # PCN DB: sets srv_pid and url
  serve_start "$1" "$work" --db "$2" --threads "$threads"
}

stop_server() {
  kill "$srv_pid" && wait "$srv_pid" 2>/dev/null || true
  srv_pid=
}

# The cold and warm figures of one server start, as one line of JSON.
cold_run() {
  python3 - "$url" <<'EOF'
import http.client, json, sys, time
host, port = sys.argv[1][len("http://"):].rsplit(":", 1)
def get(path, token=None, body=None):
    c = http.client.HTTPConnection(host, int(port), timeout=300)
    h = {"Authorization": "Bearer " + token} if token else {}
    if body:
        h["Content-Type"] = "application/json"
    t0 = time.perf_counter()
    c.request("POST" if body else "GET", path, body=json.dumps(body) if body else None, headers=h)
    r = c.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1000
    c.close()
    assert r.status == 200, (path, r.status, data[:200])
    return ms, data
deadline = time.time() + 600
while json.loads(get("/api/v1/health")[1])["population"]["state"] != "ready":
    assert time.time() < deadline
    time.sleep(0.02)
token = json.loads(get("/api/v1/login", body={"name": "bench", "password": "bench password",
                                              "client": "api"})[1])["token"]
out = {}
out["list_cold"], body = get("/api/v1/worklists", token)
names = [r["name"] for r in json.loads(body)["rows"]]
out["list_warm"] = min(get("/api/v1/worklists", token)[0] for _ in range(3))
out["rows_cold"] = {n: get("/api/v1/worklists/%s" % n, token)[0] for n in names}
out["rows_warm"] = {n: min(get("/api/v1/worklists/%s" % n, token)[0] for _ in range(3))
                    for n in names}
print(json.dumps(out))
EOF
}

bench_wrk() { wrk_cpu "$work" "$@"; }

echo "load before: $(cat /proc/loadavg)"
for i in "${!pcns[@]}"; do
  pcn=${pcns[$i]}
  copy="$work/db$i.db"
  cp "$db" "$copy"
  echo "bench password" | "$pcn" user add --db "$copy" --role clinical_director bench >/dev/null
  echo
  echo "== $pcn ($(git -C "$(dirname "$pcn")" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  for r in $(seq "$runs"); do
    start_server "$pcn" "$copy"
    cold_run >>"$work/cold$i.jsonl"
    stop_server
  done
  python3 - "$work/cold$i.jsonl" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: statistics.median(xs)
print("cold GET /api/v1/worklists: median %.1f ms (runs %s); then %.2f ms" % (
    med([r["list_cold"] for r in runs]), ", ".join("%.1f" % r["list_cold"] for r in runs),
    med([r["list_warm"] for r in runs])))
for n in runs[0]["rows_cold"]:
    print("GET /api/v1/worklists/%s: first %.1f ms, then %.2f ms (medians)" % (
        n, med([r["rows_cold"][n] for r in runs]), med([r["rows_warm"][n] for r in runs])))
EOF
  start_server "$pcn" "$copy"
  token=$(curl -sf -H 'Content-Type: application/json' \
    -d '{"name":"bench","password":"bench password","client":"api"}' "$url/api/v1/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  report="/api/v1/reports/registers?by=practice"
  page="/api/v1/worklists/smr_priority?sort=Age&order=desc&limit=25"
  curl -sf -H "Authorization: Bearer $token" "$url$report" >/dev/null
  curl -sf -H "Authorization: Bearer $token" "$url$page" >/dev/null
  echo "-- wrk GET $report (cached), 64 connections, ${secs}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
  bench_wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$url$report"
  echo "-- wrk GET $page (audited), 64 connections, ${secs}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
  bench_wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$url$page"
  stop_server
  best=
  for r in 1 2 3; do
    t0=$(date +%s%N)
    "$pcn" report --db "$copy" --by practice --format csv all >/dev/null
    t=$((($(date +%s%N) - t0) / 1000000))
    [[ -z "$best" || $t -lt $best ]] && best=$t
  done
  echo "-- pcn report all --by practice: best of 3 ${best} ms; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo
echo "load after: $(cat /proc/loadavg)"
