#!/usr/bin/env bash
# check-includes.sh [ROOT] - the include rule of docs/ARCHITECTURE.md: a file
# of src/<layer>/ includes only headers of its own layer and of the layers
# below it, whether public (include/pcn/NAME.h, each owned by one layer) or
# internal (src/<layer>/...); a *_int.h header stays inside its own layer; a
# public header includes only public headers of its layer and below; and a
# few third-party headers belong to one layer each (sqlite3.h and libpq-fe.h
# to store, ...). The include path puts all of src/ and include/ in reach of
# every file, so without this check only the link (and not always) would
# catch an arrow pointing up. Prints FILE:LINE: why for each finding and
# exits 1 if there is one. ROOT defaults to this source tree; the self-test
# (tests/tools/check_includes.sh) runs it on small fixture trees.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# The layer map, written once: each layer and the layers it builds on
# directly (the same arrows as the meson.build files). A layer may use
# everything below those too. A layer is listed after the ones it uses.
layer_map='
util
model    util
finance  model
sp       model
fmt      util
store    sp
auth     store
ingest   store
synth    ingest finance sp
engine   store fmt
ops      store fmt finance
server   auth engine ops
cli      auth engine ops synth
'

# Single files allowed one more layer than their folder: the CLI is one
# binary, and only `pcn serve` may see the server.
file_exceptions='
src/cli/cmd_serve.c  server
'

# Public headers by owning layer (include/pcn/NAME.h; shell patterns allowed).
public_headers='
util     alloc arena buf csv date error hash parse paths rng vec
model    codelist ppg profile record registry validate
finance  money rates workforce finance
fmt      table
store    store store_*
auth     auth audit
ingest   ingest bundle
synth    generate ppg_twin sp_twin staff_twin
engine   engine
ops      ppg_ops registry_ops sp_ops sp_views views views_* workforce_ops
sp       asset geo referral sp_coding sp_report wellbeing
server   server
'

# Third-party headers that belong to some layers only.
library_headers='
sqlite3.h     store
libpq-fe.h    store
sodium.h      auth
microhttpd.h  server
'

declare -A below=()    # layer -> " l1 l2 ... " (every layer under it)
declare -A libs=()     # header -> " layer ... "
declare -A extra=()    # file -> " layer ... "
status=0

complain() { # FILE:LINE message
    echo "$1: $2"
    status=1
}

while read -r layer deps; do
    [[ -n "$layer" ]] || continue
    set=" "
    for d in $deps; do
        if [[ -z "${below[$d]+x}" ]]; then
            complain "tools/check-includes.sh" "layer map: $layer uses $d, which is not listed above it"
            continue
        fi
        set+="$d ${below[$d]# }"
    done
    below[$layer]=$set
done <<<"$layer_map"

while read -r layer names; do
    if [[ -n "$layer" && -z "${below[$layer]+x}" ]]; then
        complain "tools/check-includes.sh" "public headers: $layer is not a layer of the map"
    fi
done <<<"$public_headers"

while read -r header owners; do
    [[ -n "$header" ]] && libs[$header]=" $owners "
done <<<"$library_headers"

while read -r file layers; do
    [[ -n "$file" ]] && extra[$file]=" $layers "
done <<<"$file_exceptions"

# Layer owning public header NAME (without .h), or "" when none does.
public_layer() {
    local layer names n
    while read -r layer names; do
        [[ -n "$layer" ]] || continue
        for n in $names; do
            # shellcheck disable=SC2053 # n is a pattern
            if [[ "$1" == $n ]]; then
                echo "$layer"
                return
            fi
        done
    done <<<"$public_headers"
}

# May a file of layer $1 (path $2) use layer $3?
may_use() {
    [[ "$1" == "$3" || "${below[$1]:-}" == *" $3 "* || "${extra[$2]:-}" == *" $3 "* ]]
}

if [[ "$(git rev-parse --show-toplevel 2>/dev/null)" == "$(pwd -P)" ]]; then
    files=$(git ls-files 'src/*.c' 'src/*.h' 'include/pcn/*.h')
else
    files=$(find src include/pcn -name '*.[ch]' 2>/dev/null | sort)
fi

for f in $files; do
    [[ -f "$f" ]] || continue
    public=0
    case "$f" in
    include/pcn/*.h)
        public=1
        name=${f#include/pcn/}
        layer=$(public_layer "${name%.h}")
        if [[ -z "$layer" ]]; then
            complain "$f:1" "public header not in the table of tools/check-includes.sh (which layer owns it?)"
            continue
        fi
        ;;
    src/*/*)
        layer=${f#src/}
        layer=${layer%%/*}
        if [[ -z "${below[$layer]+x}" ]]; then
            complain "$f:1" "src/$layer/ is not a layer of the map in tools/check-includes.sh"
            continue
        fi
        ;;
    *) continue ;;
    esac
    while IFS=: read -r line text; do
        if [[ "$text" =~ \<([^\>]+)\> ]]; then
            h=${BASH_REMATCH[1]}
            if [[ -n "${libs[$h]+x}" && "${libs[$h]}" != *" $layer "* ]]; then
                complain "$f:$line" "<$h> belongs to${libs[$h]% } only, not $layer"
            fi
            continue
        fi
        [[ "$text" =~ \"([^\"]+)\" ]] || continue
        h=${BASH_REMATCH[1]}
        if [[ "$h" == pcn/* ]]; then
            name=${h#pcn/}
            target=$(public_layer "${name%.h}")
            if [[ -z "$target" ]]; then
                complain "$f:$line" "\"$h\" is not a public header of the table in tools/check-includes.sh"
            elif ! may_use "$layer" "$f" "$target"; then
                complain "$f:$line" "$layer may not include \"$h\" (public header of $target, not below $layer)"
            fi
            continue
        fi
        if ((public)); then
            complain "$f:$line" "a public header includes only public headers, not \"$h\""
            continue
        fi
        [[ "$h" == */* ]] || continue # beside the file: its own layer
        target=${h%%/*}
        if [[ -z "${below[$target]+x}" ]]; then
            complain "$f:$line" "\"$h\" is not in a layer of the map in tools/check-includes.sh"
        elif ! may_use "$layer" "$f" "$target"; then
            complain "$f:$line" "$layer may not include \"$h\" (internal header of $target, not below $layer)"
        elif [[ "$target" != "$layer" && "$h" == *_int.h ]]; then
            complain "$f:$line" "\"$h\" is internal to $target (*_int.h headers stay in their layer)"
        fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f")
done
exit $status
