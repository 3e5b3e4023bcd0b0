#!/usr/bin/env bash
# pcn ppg on the PostgreSQL backend (run under scripts/with-pg.sh, which
# provides PCN_TEST_PG): the same commands and checks as ppg.sh.
export PPG_DB="${PCN_TEST_PG:?run under scripts/with-pg.sh}"
exec "$(dirname "$0")/ppg.sh" "$@"
