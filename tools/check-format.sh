#!/usr/bin/env bash
# check-format.sh - fail if any C file differs from what .clang-format makes of it.
set -uo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 2>/dev/null)
[[ -n "$files" ]] || exit 0
clang-format --dry-run -Werror $files
