# serve_lib.sh - sourced by the benchmarks that drive `pcn serve` (not run on
# its own): serve_start PCN OUTDIR ARGS... starts `PCN serve --listen
# 127.0.0.1:0 ARGS...` in the background and waits for the address it
# bound; it sets srv_pid and url (http://127.0.0.1:PORT). The server's
# stdout and stderr go to OUTDIR/serve.out and OUTDIR/serve.err.
# wrk_cpu OUTDIR ARGS... runs wrk on that server and prints its throughput
# and latency lines and the server's CPU time per request (utime + stime of
# the process over the run / requests), which a busy machine disturbs far
# less than requests/s.
serve_start() {
  local pcn=$1 out=$2
  shift 2
  rm -f "$out/serve.out" # never a previous server's address
  "$pcn" serve --listen 127.0.0.1:0 "$@" >"$out/serve.out" 2>"$out/serve.err" &
  srv_pid=$!
  while ! grep -qs '^listening on' "$out/serve.out"; do
    kill -0 "$srv_pid" || { cat "$out/serve.err"; exit 1; }
    read -r -t 0.02 <> <(:) || true
  done
  url=$(sed -n 's/^listening on //p' "$out/serve.out")
}

wrk_cpu() {
  local out=$1 tck before after
  shift
  tck=$(getconf CLK_TCK)
  before=$(awk '{print $14 + $15}' "/proc/$srv_pid/stat")
  wrk "$@" >"$out/wrk.out"
  after=$(awk '{print $14 + $15}' "/proc/$srv_pid/stat")
  grep -E 'Requests/sec|Latency |  50%|  99%|Non-2xx' "$out/wrk.out"
  awk -v b="$before" -v a="$after" -v t="$tck" '/requests in/ {
    printf "  server CPU per request: %.1f us (%d requests)\n", (a - b) / t * 1e6 / $1, $1 }' \
    "$out/wrk.out"
}
