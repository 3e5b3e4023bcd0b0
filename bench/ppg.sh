#!/usr/bin/env bash
# ppg.sh [BUILD_DIR] [NETWORK] - patient partnership (issue 20, "Performance"):
# representativeness for every group of a network (a PPG per practice and the
# network forum), target under 10 ms:
#   1. in the library, as the server computes it (store reads plus the
#      population's make-up from the snapshot it keeps), against the same
#      computation in SQLite SQL on the same database in the same run, with
#      every count and index compared: bench/bench_ppg.c;
#   2. over HTTP: GET /api/v1/ppg/representativeness from `pcn serve`.
# On a generated twin of NETWORK (default U07607, Central Sutton PCN). Run
# timing under the shared lock:
#   flock /tmp/pcn-bench.lock bench/ppg.sh build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
network=${2:-U07607}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
pcn="$build/src/cli/pcn"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcn-bench-ppg-XXXXXX")
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$pcn" generate --db "$tmp/ppg.db" --pcn "$network" --seed 1 >"$tmp/generate.out" 2>"$tmp/generate.log"
cat "$tmp/generate.out"
grep '^patient partnership' "$tmp/generate.log"
echo "load: $(cat /proc/loadavg)"
"$build/bench/bench_ppg" "$tmp/ppg.db" "$network" 200
echo
echo "bench-password-1" | "$pcn" user add --db "$tmp/ppg.db" --role clinical_director cd >/dev/null
"$pcn" serve --db "$tmp/ppg.db" --listen 127.0.0.1:0 --threads 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 100); do grep -qs listening "$tmp/serve.out" && break; sleep 0.1; done
python3 - "$(sed -n 's/^listening on http:\/\///p' "$tmp/serve.out")" <<'PY'
import http.client, json, statistics, sys, time
host, port = sys.argv[1].rsplit(":", 1)
def req(method, path, body=None, token=None):
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data
st, data = req("POST", "/api/v1/login", {"name": "cd", "password": "bench-password-1", "client": "api"})
token = json.loads(data)["token"]
path = "/api/v1/ppg/representativeness"
st, data = req("GET", path, token=token)  # the first request waits for the population snapshot
assert st == 200, (st, data[:200])
times = []
for i in range(100):
    t0 = time.perf_counter()
    st, data = req("GET", path, token=token)
    times.append((time.perf_counter() - t0) * 1e3)
    assert st == 200
times.sort()
print("HTTP GET /ppg/representativeness: %d groups, %d bytes; median %.2f ms, p95 %.2f ms "
      "(100 requests, one connection each)" % (len(json.loads(data)["groups"]), len(data),
                                              statistics.median(times), times[94]))
PY
echo "load: $(cat /proc/loadavg)"
