#!/usr/bin/env bash
# run-tests.sh - every test of the project, in stages, with one summary.
#   1. unit + integration suites, ASan+UBSan build (build-asan)
#   2. unit suite under valgrind memcheck (build-valgrind)
#   3. allocation fault injection over the fault suite (build-asan)
#   4. source checks: checksrc, clang-format
#   5. bounded libFuzzer runs (build-fuzz, clang)
#   6. browser tests (when web/ and chromium are present)
# Each stage adds its counts; the last line is "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/test-output"
rm -rf "$out"
mkdir -p "$out"
passed=0
failed=0
failures=()

count_meson() { # $1 = build dir, $2 = label, $3 = log name (default testlog.json)
  local log="$1/meson-logs/${3:-testlog.json}"
  [[ -f "$log" ]] || { failed=$((failed + 1)); failures+=("$2: no test log"); return; }
  local p f
  p=$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    r=json.loads(l)
    n+= r["result"] in ("OK","EXPECTEDFAIL","SKIP")
print(n)' "$log")
  f=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["result"] not in ("OK","EXPECTEDFAIL","SKIP"): print(r["name"])' "$log")
  passed=$((passed + p))
  # the CI keeps only this script's output: show why each failure failed
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["result"] in ("OK","EXPECTEDFAIL","SKIP"): continue
    out=(r.get("stdout") or "").splitlines()
    said=[x for x in out if "FAIL" in x or "ERROR" in x or "error:" in x][:15]
    print("--- %s: %s (exit %s)" % (r["name"], r["result"], r.get("returncode")))
    for x in said + ["..."] + out[-20:]: print("    " + x[:300])' "$log"
  while IFS= read -r name; do
    [[ -n "$name" ]] || continue
    failed=$((failed + 1))
    failures+=("$2: $name")
  done <<<"$f"
}

stage() { echo; echo "=== $*"; }

stage "unit and integration tests (ASan + UBSan)"
meson test -C build-asan --no-rebuild --print-errorlogs --suite unit --suite integration \
  --num-processes 2 >"$out/asan.log" 2>&1
tail -n 12 "$out/asan.log"
count_meson build-asan "asan"
cp build-asan/meson-logs/testlog.txt "$out/asan-testlog.txt" 2>/dev/null

stage "unit tests under valgrind"
meson test -C build-valgrind --no-rebuild --print-errorlogs --suite unit --num-processes 2 \
  --wrap='valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite' \
  >"$out/valgrind.log" 2>&1
tail -n 12 "$out/valgrind.log"
count_meson build-valgrind "valgrind" testlog-valgrind.json

if meson introspect build-asan --tests 2>/dev/null | grep -q '"fault_torture"'; then
  stage "allocation fault injection"
  meson test -C build-asan --no-rebuild --print-errorlogs --suite fault --num-processes 2 \
    >"$out/fault.log" 2>&1
  tail -n 8 "$out/fault.log"
  count_meson build-asan "fault"
fi

stage "source checks"
for check in tools/checksrc.sh tools/check-format.sh tools/check-headers.sh tools/check-tidy.sh; do
  if [[ -x "$check" ]]; then
    if "$check" >"$out/$(basename "$check").log" 2>&1; then
      passed=$((passed + 1)); echo "ok   $check"
    else
      failed=$((failed + 1)); failures+=("$check"); echo "FAIL $check"
      head -n 30 "$out/$(basename "$check").log"
    fi
  fi
done

if [[ -x scripts/run-fuzz.sh ]]; then
  stage "fuzzing (bounded)"
  if scripts/run-fuzz.sh "$out/fuzz" >"$out/fuzz.log" 2>&1; then
    n=$(grep -c '^fuzz ok' "$out/fuzz.log" || true)
    passed=$((passed + n)); echo "ok   $n fuzz targets"
  else
    n=$(grep -c '^fuzz FAIL' "$out/fuzz.log" || true)
    failed=$((failed + (n > 0 ? n : 1))); failures+=("fuzz"); tail -n 30 "$out/fuzz.log"
  fi
fi

if [[ -x scripts/run-browser-tests.sh ]]; then
  stage "browser tests"
  if scripts/run-browser-tests.sh "$out/browser" >"$out/browser.log" 2>&1; then :; fi
  bp=$(grep -Eo '^# pass [0-9]+' "$out/browser.log" | awk '{print $3}' | tail -n1)
  bf=$(grep -Eo '^# fail [0-9]+' "$out/browser.log" | awk '{print $3}' | tail -n1)
  passed=$((passed + ${bp:-0}))
  if [[ -z "$bp" && -z "$bf" ]]; then bf=1; fi
  failed=$((failed + ${bf:-0}))
  if [[ "${bf:-0}" != 0 ]]; then
    # each failing test with its error (node's TAP puts it in the YAML block
    # that follows "not ok"), so a CI log's tail names what failed and why
    failures+=("browser")
    awk '/^ *not ok /{n=30} n-- > 0' "$out/browser.log" | head -n 120
    while IFS= read -r l; do failures+=("  browser: ${l#"${l%%[! ]*}"}"); done \
      < <(grep -E '^ *not ok ' "$out/browser.log" | head -n 10)
  fi
  echo "browser: ${bp:-0} passed, ${bf:-0} failed"
fi

echo
if ((${#failures[@]})); then
  echo "Failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "Logs: $out"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
