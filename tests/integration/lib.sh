# lib.sh - sourced by the integration tests. Usage in a test:
#   . "$(dirname "$0")/lib.sh" "$@"      # $1 = path to the pcn binary
# gives $PCN, a fresh $TMP (removed at exit), and the check helpers below.
# A failed check prints what was expected and exits 1.
set -uo pipefail
PCN=${1:?usage: test.sh PATH-TO-PCN}
SRC=${PCN_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pcn-it-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
checks=0

fail() {
  echo "FAIL: $*" >&2
  [[ -f "$TMP/out" ]] && { echo "--- stdout"; head -c 3000 "$TMP/out"; } >&2
  [[ -f "$TMP/err" ]] && { echo "--- stderr"; head -c 3000 "$TMP/err"; } >&2
  exit 1
}

# run CMD...: run pcn with stdout in $TMP/out, stderr in $TMP/err, status in $status
run() {
  set +e
  "$PCN" "$@" >"$TMP/out" 2>"$TMP/err"
  status=$?
  set -e
  set +e
}

expect_status() { checks=$((checks + 1)); [[ "$status" == "$1" ]] || fail "expected exit $1, got $status (${2:-})"; }
expect_out() { checks=$((checks + 1)); grep -qF -- "$1" "$TMP/out" || fail "stdout lacks: $1"; }
expect_err() { checks=$((checks + 1)); grep -qF -- "$1" "$TMP/err" || fail "stderr lacks: $1"; }
expect_no_out() { checks=$((checks + 1)); ! grep -qF -- "$1" "$TMP/out" || fail "stdout should not contain: $1"; }
expect_eq() { checks=$((checks + 1)); [[ "$1" == "$2" ]] || fail "expected '$2', got '$1' (${3:-})"; }
done_ok() { echo "ok: $checks checks"; exit 0; }
