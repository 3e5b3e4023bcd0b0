#!/usr/bin/env bash
# check-tidy.sh [BUILD_DIR] - clang-tidy (bugprone and the static analyzer) and
# cppcheck over the library and the CLI, using the build's compile_commands.json.
# Disabled analyzer checks, each for false positives it gives on this code:
# - valist.Uninitialized: clang 14 reports it on every correct va_start/vsnprintf pair;
# - core.CallAndMessage and core.NullDereference: the analyzer does not follow
#   the "if (!rc) rc = step(...)" chains of the parsers and the evaluator's
#   per-node buffers (allocated for every node before any is read), so it
#   reports values that are only used once they are set;
# - optin.performance.Padding: struct layout advice, not a defect.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,'
checks+='-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,clang-analyzer-*,'
checks+='-clang-analyzer-valist.Uninitialized,-clang-analyzer-core.CallAndMessage,'
checks+='-clang-analyzer-core.NullDereference,-clang-analyzer-optin.performance.Padding,'
checks+='-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
status=0
files=$(git ls-files 'src/*.c')
out=$(printf '%s\n' $files | xargs -P 2 -n 8 clang-tidy -p "$build" --quiet --checks="$checks" 2>/dev/null |
  grep -E '(warning|error):' | grep -v 'warnings generated' | sort -u)
if [[ -n "$out" ]]; then
  echo "$out"
  status=1
fi
if ! cppcheck --quiet --enable=warning,portability,performance --error-exitcode=1 --inline-suppr \
  -D_GNU_SOURCE -Iinclude -Isrc --suppress=missingIncludeSystem src/; then
  status=1
fi
exit $status
