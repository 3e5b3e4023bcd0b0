#!/usr/bin/env bash
# sp.sh [BUILD_DIR] - social prescribing (issue 18, "Performance"), each
# against the same question asked of SQLite in SQL in the same run, with
# the answers compared:
#   1. the directory search over 5,000 assets by category and distance (and
#      words): bench/bench_sp.c (target: under 10 ms);
#   2. on a generated twin of Central Sutton PCN (U07607, 52,366 people,
#      its directory and referral histories): a link worker's caseload of
#      300 open cases and the network's outcome report, in the library:
#      bench/bench_sp_store.c (targets: 50 ms and 20 ms);
#   3. the same over HTTP: GET /sp/caseload, /sp/outcomes and a directory
#      search from `pcn serve`, signed in as the link worker.
# Run timing under the shared lock:
#   flock /tmp/pcn-bench.lock bench/sp.sh build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
pcn="$build/src/cli/pcn"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcn-bench-sp-XXXXXX")
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$build/bench/bench_sp" 5000 1000
echo
"$pcn" generate --db "$tmp/sp.db" --pcn U07607 --seed 1 >/dev/null 2>"$tmp/generate.log"
grep '^social prescribing' "$tmp/generate.log"
"$build/bench/bench_sp_store" "$tmp/sp.db" 200
echo
echo "bench-password-1" | "$pcn" user add --db "$tmp/sp.db" --role link_worker lw300 >/dev/null
"$pcn" serve --db "$tmp/sp.db" --listen 127.0.0.1:0 --threads 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 100); do grep -qs listening "$tmp/serve.out" && break; sleep 0.1; done
python3 - "$(sed -n 's/^listening on http:\/\///p' "$tmp/serve.out")" <<'EOF'
import http.client, json, statistics, sys, time
host, port = sys.argv[1].rsplit(":", 1)
def req(method, path, body=None, token=None):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data
st, data = req("POST", "/api/v1/login", {"name": "lw300", "password": "bench-password-1", "client": "api"})
token = json.loads(data)["token"]
for path in ("/api/v1/sp/caseload", "/api/v1/sp/outcomes",
             "/api/v1/sp/assets?category=physical_activity,loneliness&postcode=SM1+1AA&km=5&limit=20"):
    times = []
    for i in range(101):
        t0 = time.perf_counter()
        st, data = req("GET", path, token=token)
        t1 = time.perf_counter()
        assert st == 200, (path, st, data[:200])
        if i:
            times.append((t1 - t0) * 1e3)
    times.sort()
    rows = len(json.loads(data)["rows"])
    print("HTTP GET %-44s %3d rows  median %6.2f ms  p95 %6.2f ms (100 requests, one connection each)"
          % (path.split("?")[0][7:] + ("?..." if "?" in path else ""), rows, statistics.median(times),
             times[94]))
EOF
