#!/usr/bin/env bash
# run-fuzz.sh OUTDIR - build the libFuzzer harnesses (clang, ASan + UBSan, libraries
# instrumented for coverage) in build-fuzz and run each for a bounded time
# (FUZZ_SECONDS, default 30) on a seed corpus made from tests/data. Prints
# "fuzz ok NAME" or "fuzz FAIL NAME" per harness; crash inputs and logs go
# to OUTDIR. Exit status 1 if any harness failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/test-output/fuzz}
secs=${FUZZ_SECONDS:-30}
mkdir -p "$out"
cd "$root"
if [[ ! -d build-fuzz ]]; then
  CC=clang CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
    meson setup build-fuzz -Dfuzz=true -Db_lundef=false \
    -Db_sanitize=address,undefined -Dwerror_dev=false >"$out/setup.log" 2>&1 ||
    { echo "fuzz FAIL setup (see $out/setup.log)"; exit 1; }
fi
harnesses=(fuzz_bundle fuzz_fhir fuzz_definitions fuzz_eval fuzz_snapshot fuzz_request_body fuzz_workforce
  fuzz_ppg)
targets=()
for h in "${harnesses[@]}"; do targets+=("tests/fuzz/$h"); done
if ! ninja -C build-fuzz -j2 "${targets[@]}" >"$out/build.log" 2>&1; then
  echo "fuzz FAIL build (see $out/build.log)"
  exit 1
fi

# Seed corpora: each file is one selector byte followed by a real input.
seeds() {
  local name=$1 dir=$out/corpus-$1 i=0
  mkdir -p "$dir"
  case $name in
  fuzz_bundle)
    for t in patients terms events medications immunisations encounters; do
      { printf "\\$(printf '%03o' $i)"; cat "tests/data/bundle/small/$t.csv"; } >"$dir/seed-$t"
      i=$((i + 1))
    done ;;
  fuzz_fhir)
    { printf '\000'; head -c 20000 tests/data/fhir/bundles/Cleveland582.json; } >"$dir/seed-cut"
    { printf '\001'; cat tests/data/fhir/ndjson/Patient.ndjson; head -n 40 tests/data/fhir/ndjson/resources.ndjson; } >"$dir/seed-ndjson"
    printf '\000{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient","id":"a","birthDate":"1990-01-01"}},{"resource":{"resourceType":"Observation","subject":{"reference":"urn:uuid:a"},"effectiveDateTime":"2020-01-01","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]"}}]}}]}' >"$dir/seed-bundle" ;;
  fuzz_definitions)
    cp tests/fuzz/corpus/definitions/* "$dir/" 2>/dev/null
    for f in defs/*.pcn; do [[ -f "$f" ]] && cp "$f" "$dir/seed-$(basename "$f")"; done ;;
  fuzz_eval)
    cp tests/fuzz/corpus/eval/* "$dir/" ;;
  fuzz_snapshot)
    cp tests/fuzz/corpus/snapshot/* "$dir/" ;;
  fuzz_workforce)
    { printf '\000'; cat tests/data/workforce/staff_good.csv; } >"$dir/seed-staff"
    { printf '\000'; cat tests/data/workforce/staff_bad.csv; } >"$dir/seed-staff-bad"
    { printf '\001'; head -c 6000 tests/data/workforce/census_extract.csv; } >"$dir/seed-census"
    printf '\002rule,line,value,practice,label\nmethod,all,registered,,\nmethod,core,fixed,,\nshare,core,60%%,A81001,\nshare,core,40%%,A81017,\ntop_slice,all,1000.00,,CD\ntop_slice,core,10%%,,PM\ntop_slice,all,unreimbursed_staff,,Staff\n' >"$dir/seed-agreement"
    { printf '\003'; cat data/reference/ncdes/ncdes_2024-25.csv; } >"$dir/seed-rates" ;;
  fuzz_request_body)
    printf '{"name":"alice","password":"correct horse"}' >"$dir/seed-login"
    printf '{"role":"clinician","practice":"A81001","name":"bob","password":"pw"}' >"$dir/seed-user"
    printf '{"a":[1,2,{"b":null,"c":[true,false,"x\\u00e9"]}],"d":1.5e3}' >"$dir/seed-nested"
    printf '{"person":"P1","role":"paramedic","band":"7","wte":0.8,"employer":"network","start":"2025-06-01","cost":"52000.50","funding":"arrs","sites":[{"site":"A81001","sessions":6}]}' >"$dir/seed-post"
    printf '{"year":"2025-26","version":0,"weighted":72000,"allocations":[{"line":"arrs","pounds":"1900000.00"}],"agreement":[{"rule":"top_slice","line":"core","value":"10%%","label":"CD"}]}' >"$dir/seed-finance-inputs"
    printf '{"patient_id":"P1","source":"clinician","channel":"patient_view","needs":["loneliness"],"received":"2026-01-05T09:30"}' >"$dir/seed-sp-referral"
    printf '{"version":3,"to":"closed","reason":"goals_met","note":"walking weekly"}' >"$dir/seed-sp-move"
    printf '{"instrument":"swemwbs","items":[3,4,null,2,5,3,3],"at":"2026-03-01T10:00:00Z"}' >"$dir/seed-sp-outcome"
    printf '{"name":"Health Walk","categories":"physical_activity;loneliness","postcode":"SM1 1AA","sessions":"Mon-Fri 09:00-10:00","cost":"free","min_age":18,"active":true,"version":2}' >"$dir/seed-sp-asset"
    printf '{"kind":"co_design","rung":"co_produce","title":"t","held":"2025-01-01","groups":[1,2],"people":9}' >"$dir/seed-activity"
    printf '{"said":"x","response":"y","outcome":"done","published":true,"version":2,"group":null}' >"$dir/seed-feedback" ;;
  fuzz_ppg)
    { printf '\000'; cat tests/data/ppg/members.csv; } >"$dir/seed-csv"
    printf '\001co-produce\nTS18 1AB\n85 and over\n943 476 5919\nann@example.org\nJos\303\251\n' >"$dir/seed-values" ;;
  esac
  echo "$dir"
}

status=0
for h in "${harnesses[@]}"; do
  corpus=$(seeds "$h")
  if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$root/build-fuzz/tests/fuzz/$h" \
      -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 "$corpus" >"$out/$h.log" 2>&1); then
    echo "fuzz ok $h"
  else
    echo "fuzz FAIL $h (see $out/$h.log)"
    status=1
  fi
done
exit $status
