#!/usr/bin/env bash
# tests/integration/sp.sh on the PostgreSQL backend (run under scripts/with-pg.sh,
# which provides PCN_TEST_PG): the same commands, the same answers.
PCN_SP_DB="${PCN_TEST_PG:?run under scripts/with-pg.sh}" exec "$(dirname "$0")/sp.sh" "$@"
