#!/usr/bin/env bash
# check-headers.sh - every public header compiles on its own (self-contained).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in include/pcn/*.h; do
  echo "#include \"pcn/$(basename "$h")\"" >"$tmp/t.c"
  if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -fsyntax-only "$tmp/t.c"; then
    echo "$h: not self-contained"; status=1
  fi
done
exit $status
