#!/usr/bin/env bash
# with-pg.sh CMD [ARGS...] - run CMD with a throwaway PostgreSQL server:
# initdb into a fresh temporary directory, start it on a Unix socket in that
# directory (no TCP), create database pcn_test, export PCN_TEST_PG (a libpq
# connection string) and PCN_TEST_PG_ADMIN, run CMD, then stop the server
# and remove everything. As root, the server runs as the 'postgres' user.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bindir/initdb" ]] || { echo "with-pg: PostgreSQL server binaries not found" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pcn-pg-XXXXXX")
as_pg=()
user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
  user=postgres
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U "$user" -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
  -o "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }
"${as_pg[@]}" "$bindir/createdb" -h "$dir" -U "$user" pcn_test
export PCN_TEST_PG="host=$dir user=$user dbname=pcn_test"
export PCN_TEST_PG_ADMIN="host=$dir user=$user dbname=postgres"
"$@"
