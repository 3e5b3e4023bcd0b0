#!/usr/bin/env bash
# install-deps.sh - install what OpenPCN needs to build, test and run, only
# when missing. Debian packages through apt; node packages through `npm ci`
# (pinned by web/package-lock.json for the dashboard, bench/sql/package-lock.json
# for DuckDB in the engine's SQL cross-check). Safe to run again: it does
# nothing when everything is present.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

debs=(
  build-essential meson ninja-build pkg-config
  libsqlite3-dev sqlite3 libjansson-dev libsodium-dev libmicrohttpd-dev libpq-dev
  libcmocka-dev libcsv-dev clang libclang-rt-14-dev valgrind clang-format
  postgresql wrk hyperfine nginx-light
  nodejs npm chromium
)

missing=()
for p in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# nodejs/npm may come from outside Debian on some machines: a working node
# and npm on PATH is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci in DIR when its lock file is newer than what is installed.
npm_ci() {
  local dir=$1
  if [[ ! -d "$root/$dir/node_modules" || "$root/$dir/package-lock.json" -nt "$root/$dir/node_modules/.package-lock.json" ]]; then
    echo "install-deps: npm ci in $dir/" >&2
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# DuckDB for the SQL cross-check (tests/integration/crosscheck.sh, bench/peers.sh).
npm_ci bench/sql

if [[ -f "$root/web/package-lock.json" ]]; then
  npm_ci web
  # The dashboard's vendor files (NHS.UK styles, Chart.js) copied out of
  # node_modules into web/vendor/, which pcn serve serves (git-ignored).
  if [[ ! -f "$root/web/vendor/england.json" || "$root/web/package-lock.json" -nt "$root/web/vendor/england.json" ||
        "$root/web/scripts/vendor.mjs" -nt "$root/web/vendor/england.json" ]]; then
    echo "install-deps: web/vendor from node_modules" >&2
    node "$root/web/scripts/vendor.mjs" >/dev/null
  fi
fi
exit 0
