#!/usr/bin/env python3
"""derive_postcodes.py - build data/reference/postcode_lsoa.csv from the ONS
National Statistics Postcode Lookup (NSPL) files in the shared data folder.

The social prescribing directory maps an address's postcode to its LSOA (for
coverage by area) and to a latitude and longitude (for distances). Only the
four NSPL postcode-area files the project holds are read (SM Sutton, SR
Sunderland, TF Telford, WN Wigan); postcodes elsewhere are simply not in
the table (docs/formats.md says what OpenPCN does then).

Kept: live postcodes (no termination date) that have both an LSOA (2011)
and a grid reference (NSPL writes 99.999999/0.000000 for postcodes without
one). Columns: postcode (the NSPL "pcds" form: upper case, one space),
lsoa, lat, long (WGS84, 6 decimal places as published). Rows are sorted by
postcode so a refresh shows as a clean diff. Standard library only.

Usage: tools/derive_postcodes.py [--src DIR] [--out DIR]
"""

import argparse
import csv
import os
import sys

AREAS = ["SM", "SR", "TF", "WN"]
SUBDIR = "postcode_lsoa_nspl_nov2021_subset"


def live_rows(path):
    """Yield (postcode, lsoa, lat, long) for the live, located postcodes of one file."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["doterm"].strip():
                continue
            lsoa = r["lsoa11"].strip()
            lat = float(r["lat"])
            lon = float(r["long"])
            if not lsoa.startswith("E01") or lat > 90.0:
                continue
            yield r["pcds"].strip().upper(), lsoa, "%.6f" % lat, "%.6f" % lon


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "data", "reference"))
    args = ap.parse_args()

    rows = []
    for area in AREAS:
        path = os.path.join(args.src, SUBDIR, "NSPL_NOV_2021_UK_%s.csv" % area)
        rows.extend(live_rows(path))
    rows.sort()
    seen = set()
    for r in rows:
        if r[0] in seen:
            sys.exit("derive_postcodes: postcode %s appears twice" % r[0])
        seen.add(r[0])

    out = os.path.join(args.out, "postcode_lsoa.csv")
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["postcode", "lsoa", "lat", "long"])
        w.writerows(rows)
    lsoas = len({r[1] for r in rows})
    print("%s: %d postcodes in %d LSOAs (areas %s)" % (out, len(rows), lsoas, " ".join(AREAS)))


if __name__ == "__main__":
    main()
