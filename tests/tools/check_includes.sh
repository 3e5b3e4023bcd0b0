#!/usr/bin/env bash
# check_includes.sh - self-test of the include rule (tools/check-includes.sh,
# run by tools/checksrc.sh): a small tree that keeps the rule passes, and
# each kind of violation, planted alone in a copy of it, fails with its
# FILE:LINE.
set -uo pipefail
root=${PCN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
check="$root/tools/check-includes.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcn-includes-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

put() { # FILE LINE...: write a file of the fixture tree
    local f="$1"
    shift
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$@" >"$f"
}

# A tree that keeps the rule: every kind of include it allows.
good="$tmp/good"
put "$good/include/pcn/error.h" '#include <stddef.h>'
put "$good/include/pcn/buf.h" '#include "pcn/error.h"'
put "$good/include/pcn/store.h" '#include "pcn/registry.h"' '#include "pcn/buf.h"'
put "$good/include/pcn/store_auth.h" '#include "pcn/store.h"'
put "$good/include/pcn/registry.h" '#include <stdint.h>'
put "$good/include/pcn/engine.h" '#include "pcn/store.h"'
put "$good/include/pcn/server.h" '#include "pcn/error.h"'
put "$good/src/util/common.h" '#include "util/banned.h"'
put "$good/src/util/banned.h" '#define PCN_BANNED 1'
put "$good/src/util/buf.c" '#include "pcn/buf.h"' '#include "util/common.h"'
put "$good/src/store/store_int.h" '#include "pcn/store.h"'
put "$good/src/store/store.c" '#include "store/store_int.h"' '#include "pcn/store_auth.h"'
put "$good/src/store/sqlite/sqlite_int.h" '#include <sqlite3.h>'
put "$good/src/engine/engine_int.h" '#include "pcn/engine.h"'
put "$good/src/engine/eval.c" '#include "engine/engine_int.h"' '  #  include "lex.h"' \
    '#include "util/common.h"' '#include <pthread.h>'
put "$good/src/server/server.c" '#include <microhttpd.h>' '#include "pcn/engine.h"'
put "$good/src/cli/cmd_serve.c" '#include "pcn/server.h"'
put "$good/src/cli/cmd_user.c" '#include "pcn/store.h"' '#include "util/common.h"'
# the finance layer: pure (model and util below it), used by synth and ops only
put "$good/include/pcn/money.h" '#include "pcn/error.h"'
put "$good/include/pcn/rates.h" '#include "pcn/money.h"' '#include "pcn/registry.h"'
put "$good/src/finance/finance_int.h" '#include "pcn/rates.h"'
put "$good/src/finance/arrs.c" '#include "finance/finance_int.h"' '#include "util/common.h"'
put "$good/src/ops/finance_report.c" '#include "pcn/rates.h"' '#include "pcn/store.h"'
put "$good/src/synth/staff_twin.c" '#include "pcn/money.h"'

if ! out=$("$check" "$good" 2>&1); then
    echo "FAIL: a tree that keeps the rule was refused:"
    echo "$out"
    failures=$((failures + 1))
fi

# violation FILE WANT LINE...: FILE (replaced in a copy of the good tree)
# must make the check fail with a line starting with WANT.
violations=0
violation() {
    local file="$1" want="$2"
    violations=$((violations + 1))
    shift 2
    rm -rf "$tmp/bad"
    cp -r "$good" "$tmp/bad"
    put "$tmp/bad/$file" "$@"
    if out=$("$check" "$tmp/bad" 2>&1); then
        echo "FAIL: $file: the check passed; wanted $want"
        failures=$((failures + 1))
    elif ! grep -qF -- "$want" <<<"$out"; then
        echo "FAIL: $file: wanted \"$want\", got:"
        echo "$out"
        failures=$((failures + 1))
    elif [[ $(wc -l <<<"$out") -ne 1 ]]; then
        echo "FAIL: $file: wanted one finding, got:"
        echo "$out"
        failures=$((failures + 1))
    fi
}

violation src/util/buf.c 'src/util/buf.c:2: util may not include "engine/engine_int.h"' \
    '#include "pcn/buf.h"' '#include "engine/engine_int.h"'
violation src/store/store.c 'src/store/store.c:1: store may not include "pcn/engine.h"' \
    '#include "pcn/engine.h"'
violation src/cli/cmd_user.c 'src/cli/cmd_user.c:3: cli may not include "pcn/server.h"' \
    '#include "pcn/store.h"' '' '#include "pcn/server.h"'
violation src/engine/eval.c 'src/engine/eval.c:1: "store/store_int.h" is internal to store' \
    '#include "store/store_int.h"'
violation src/engine/eval.c 'src/engine/eval.c:2: <sqlite3.h> belongs to store only, not engine' \
    '#include "engine/engine_int.h"' '#include <sqlite3.h>'
violation include/pcn/buf.h 'include/pcn/buf.h:1: a public header includes only public headers' \
    '#include "util/common.h"'
violation include/pcn/registry.h 'include/pcn/registry.h:1: model may not include "pcn/store.h"' \
    '#include "pcn/store.h"'
violation include/pcn/widget.h 'include/pcn/widget.h:1: public header not in the table' \
    '#include "pcn/error.h"'
violation src/util/buf.c 'src/util/buf.c:1: "pcn/widget.h" is not a public header of the table' \
    '#include "pcn/widget.h"'
violation src/widgets/widget.c 'src/widgets/widget.c:1: src/widgets/ is not a layer of the map' \
    '#include "pcn/error.h"'
violation src/engine/eval.c 'src/engine/eval.c:1: "widgets/w.h" is not in a layer of the map' \
    '#include "widgets/w.h"'
violation src/finance/arrs.c 'src/finance/arrs.c:2: finance may not include "pcn/store.h"' \
    '#include "finance/finance_int.h"' '#include "pcn/store.h"'
violation src/store/store.c 'src/store/store.c:2: store may not include "pcn/money.h"' \
    '#include "store/store_int.h"' '#include "pcn/money.h"'
violation src/engine/eval.c 'src/engine/eval.c:1: engine may not include "finance/finance_int.h"' \
    '#include "finance/finance_int.h"'
violation src/ops/finance_report.c 'src/ops/finance_report.c:1: "finance/finance_int.h" is internal to finance' \
    '#include "finance/finance_int.h"'
violation include/pcn/money.h 'include/pcn/money.h:1: finance may not include "pcn/store.h"' \
    '#include "pcn/store.h"'

if ((failures)); then
    echo "$failures include-rule self-tests failed"
    exit 1
fi
echo "include rule: 1 clean tree passed, $violations violations found"
