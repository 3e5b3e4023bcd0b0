#!/usr/bin/env bash
# http_server.sh BUILD_DIR - benchmark `pcn serve` with wrk on loopback:
#   1. a cached aggregate report GET (/api/v1/reports/registers?by=practice
#      over a 50,000-patient network, bearer-authenticated) at 64 connections,
#      against nginx serving the same JSON body as a static file in the same
#      run; then the network summary (/api/v1/network), also cached;
#   2. authenticated patient-view GETs (random patients), each audited.
# The database: the national registry from data/reference plus 50,000
# synthetic patients with 20 events each, written straight into SQLite, and
# a term for each of the three codes (the patient view names every code).
# WRK_SECONDS (default 10) per run; SERVER_THREADS (default 4). Each pcn run
# also reports the server's CPU time per request (utime + stime of the
# process over the run / requests), which a busy machine disturbs far less
# than requests/s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
pcn="$root/$build/src/cli/pcn"
secs=${WRK_SECONDS:-10}
threads=${SERVER_THREADS:-4}
network=${PCN_BENCH_NETWORK:-} # default: the one nearest 50,000 patients
work=$(mktemp -d)
srv_pid=
nginx_pid=
cleanup() {
  [[ -n "$srv_pid" ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
db="$work/bench.db"

"$pcn" init --db "$db" >/dev/null
"$pcn" registry import --db "$db" "$root/data/reference/gp-reg-pat-prac-map.csv" \
  "$root/data/reference/list_bands.csv" >/dev/null
if [[ -z "$network" ]]; then # the network nearest 50,000 registered patients
  network=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("""SELECT m.network FROM membership m JOIN list_size l ON l.practice = m.practice
  AND l.date = (SELECT MAX(date) FROM list_size WHERE practice = m.practice)
  WHERE m.end_date IS NULL GROUP BY m.network
  ORDER BY ABS(SUM(l.patients) - 50000) LIMIT 1""").fetchone()[0])' "$db")
fi
python3 - "$db" "$network" <<'EOF'
import random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
practices = [r[0] for r in db.execute(
    "SELECT practice FROM membership WHERE network = ? AND end_date IS NULL", (sys.argv[2],))]
rnd = random.Random(1)
with db:
    for i in range(50000):
        cur = db.execute("INSERT INTO patient (patient_id, nhs_number, date_of_birth, sex, practice)"
                         " VALUES (?, ?, ?, ?, ?)", ("B%06d" % i, None, rnd.randint(-20000, 19000),
                                                     rnd.choice("MF"), rnd.choice(practices)))
        key = cur.lastrowid
        db.executemany("INSERT INTO event (patient, date, kind, system, code, value, unit) "
                       "VALUES (?, ?, 2, 'snomed', ?, ?, 'mm[Hg]')",
                       [(key, 18000 + 30 * j, rnd.choice(["271649006", "271650006", "60621009"]),
                         rnd.uniform(60, 180)) for j in range(20)])
    db.executemany("INSERT INTO term (system, code, term) VALUES ('snomed', ?, ?)",
                   [("271649006", "Systolic blood pressure"),
                    ("271650006", "Diastolic blood pressure"), ("60621009", "Body mass index")])
EOF
echo "bench password" | "$pcn" user add --db "$db" --role clinician bench >/dev/null

# shellcheck source=bench/serve_lib.sh
. "$(dirname "$0")/serve_lib.sh"
serve_start "$pcn" "$work" --db "$db" --threads "$threads" --network "$network"
token=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"name":"bench","password":"bench password","client":"api"}' "$url/api/v1/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"

bench_pcn() { wrk_cpu "$work" "$@"; }

mkdir -p "$work/www"
chmod 755 "$work" "$work/www" # nginx workers run as an unprivileged user
curl -sf -H "$auth" "$url/api/v1/network" >"$work/network.json"
echo "network $network: $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); p=j["practices"]; print(j["patients"], "registered patients,", len(p["rows"] if "rows" in p else p), "practices")' "$work/network.json")"
report="/api/v1/reports/registers?by=practice"
start=$(date +%s.%N)
curl -sf -H "$auth" "$url$report" >"$work/www/report.json"
echo "first (uncached) report: snapshot of 50,000 patients + evaluation: $(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$start" "$(date +%s.%N)") s; body $(wc -c <"$work/www/report.json") bytes"

cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes $threads;
error_log $work/nginx.err;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/ntmp; proxy_temp_path $work/ntmp; fastcgi_temp_path $work/ntmp;
  uwsgi_temp_path $work/ntmp; scgi_temp_path $work/ntmp;
  server { listen 127.0.0.1:18089; root $work/www; default_type application/json; }
}
EOF
mkdir -p "$work/ntmp"
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
sleep 0.3

echo
echo "-- pcn serve: GET $report (cached, bearer), 64 connections, ${secs}s"
bench_pcn -t2 -c64 -d"${secs}s" --latency -H "$auth" "$url$report"
echo
echo "-- nginx: the same body as a static file, 64 connections, ${secs}s"
wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:18089/report.json" | grep -E 'Requests/sec|Latency |  50%|  99%|Non-2xx'
echo
echo "-- pcn serve: GET /api/v1/network (cached, bearer), 64 connections, ${secs}s"
bench_pcn -t2 -c64 -d"${secs}s" --latency -H "$auth" "$url/api/v1/network"

cat >"$work/patients.lua" <<'EOF'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/patients/" .. math.random(1, 50000))
end
EOF
echo
echo "-- pcn serve: GET /api/v1/patients/{key} (random, bearer, audited), 64 connections, ${secs}s"
bench_pcn -t2 -c64 -d"${secs}s" --latency -H "$auth" -s "$work/patients.lua" "$url"
rows=$("$pcn" audit verify --db "$db" | sed -n 's/.*: \([0-9]*\) rows.*/\1/p')
echo "audit rows written: $rows (chain verified)"
