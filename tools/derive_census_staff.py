#!/usr/bin/env python3
"""derive_census_staff.py - the compact census staff table, data/reference/census_staff.csv.

Reads NHS England Digital's "Primary Care Network Workforce" individual-level CSV (30 June
2026) and writes one row per row of it: pcn, role (the role key that
data/reference/ncdes/census_roles.csv maps the published STAFF_ROLE and DETAILED_STAFF_ROLE
to), fte (as published), person (UNIQUE_IDENTIFIER, empty for contracted services) and
contracted (1 for "NWRS contracted services"), sorted by pcn, role, person and fte so refreshes
diff cleanly. The synthetic twin's staff and the all-England benchmark read it; the NHS layout
itself is read by `pcn workforce import --format census`. Python 3 standard library only.
"""
import argparse
import csv
import os
import sys


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="/work/shared/data/nhs_reference/pcn_workforce_individual_jun2026/"
                    "pcn_workforce_individual_level_jun2026.csv")
    ap.add_argument("--out", default=os.path.join(here, "data", "reference", "census_staff.csv"))
    args = ap.parse_args()
    roles = {}
    with open(os.path.join(here, "data", "reference", "ncdes", "census_roles.csv"), newline="",
              encoding="utf-8") as f:
        for r in csv.DictReader(f):
            roles[(r["staff_role"], r["detailed_staff_role"])] = r["role"]
    rows = []
    with open(args.src, newline="", encoding="utf-8-sig") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            key = (r["STAFF_ROLE"], r["DETAILED_STAFF_ROLE"])
            if key not in roles:
                sys.exit("%s:%d: role %r / %r is not in census_roles.csv" % (args.src, n, *key))
            contracted = "0" if r["Data_source"] == "NWRS Staff" else "1"
            rows.append((r["PCN_CODE"], roles[key], r["UNIQUE_IDENTIFIER"], r["FTE"], contracted))
    rows.sort()
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pcn", "role", "fte", "person", "contracted"])
        for pcn, role, person, fte, contracted in rows:
            w.writerow([pcn, role, fte, person, contracted])
    print("census_staff: %d rows, %d networks" % (len(rows), len({r[0] for r in rows})))


if __name__ == "__main__":
    main()
