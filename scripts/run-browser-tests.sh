#!/usr/bin/env bash
# run-browser-tests.sh OUTDIR - the dashboard's browser tests: node's test
# runner (TAP) drives Debian's chromium through playwright-core against the
# real pcn serve on loopback with a generated network. Screenshots, page
# timings and the server's log go to OUTDIR. When something the tests need
# is missing (node modules, chromium, a pcn binary with serve and generate)
# it says why and reports "# pass 0" / "# fail 0" instead of failing.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/test-output/browser}
mkdir -p "$out"
out=$(cd "$out" && pwd)

skip() {
  echo "browser tests skipped: $*"
  echo "# pass 0"
  echo "# fail 0"
  exit 0
}

command -v node >/dev/null 2>&1 || skip "node is not installed"
chromium=${PCN_CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || skip "$chromium is not installed"
[[ -d "$root/web/node_modules/playwright-core" && -d "$root/web/node_modules/axe-core" ]] ||
  skip "web/node_modules is missing (run scripts/install-deps.sh)"

pcn=${PCN_BIN:-}
if [[ -z "$pcn" ]]; then
  for b in build build-asan; do
    if [[ -x "$root/$b/src/cli/pcn" ]]; then pcn="$root/$b/src/cli/pcn"; break; fi
  done
fi
[[ -n "$pcn" && -x "$pcn" ]] || skip "no pcn binary (make build)"
"$pcn" serve --help >/dev/null 2>&1 || skip "$pcn has no 'serve' command yet"
"$pcn" generate --help >/dev/null 2>&1 || skip "$pcn has no 'generate' command yet"

node "$root/web/scripts/vendor.mjs" >/dev/null || { echo "vendor step failed"; echo "# pass 0"; echo "# fail 1"; exit 1; }

export PCN_BIN="$pcn" PCN_CHROMIUM="$chromium" PCN_BROWSER_OUT="$out"
# ASan builds are slower and leak-check at exit; timings are recorded, not excused.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
cd "$root"
node --test --test-reporter=tap --test-concurrency=1 tests/browser/ 2>&1 | tee "$out/tap.txt"
exit "${PIPESTATUS[0]}"
