#!/usr/bin/env python3
"""gen_ndjson.py SRC_NDJSON_DIR OUT_DIR COPIES - scale FHIR bulk NDJSON for the
import benchmark: every resource of SRC (Patient.ndjson first) is written
COPIES times, its ids and patient references suffixed with the copy number
so each copy is a distinct patient. Bench-only tool."""
import os, re, sys

src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
ref = re.compile(r'"(id|reference)": "(Patient/)?([0-9a-f-]{36})"')
for name in sorted(os.listdir(src)):
    if not name.endswith('.ndjson'):
        continue
    lines = open(os.path.join(src, name)).read().splitlines()
    with open(os.path.join(out, name), 'w') as f:
        for k in range(copies):
            sub = lambda m: '"%s": "%s%s-%d"' % (m.group(1), m.group(2) or '', m.group(3), k)
            f.write('\n'.join(ref.sub(sub, l) for l in lines))
            f.write('\n')
