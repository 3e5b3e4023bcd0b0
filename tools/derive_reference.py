#!/usr/bin/env python3
"""derive_reference.py - build data/reference/ from the public NHS files.

Reads the NHS England / OHID / MHCLG publications kept under a shared data
folder (default ../shared/data relative to the project, or --src) and
writes the compact tables the synthetic twin generator reads at run time
into data/reference/, and the code lists derived from the shared code sets
into defs/codelists/qof-pca/. Standard library only; the output is
deterministic (rows sorted by key) so a refresh shows as a clean diff.

Usage: tools/derive_reference.py [--src DIR] [--out DIR] [--defs-out DIR]
"""

import argparse
import collections
import csv
import math
import os
import shutil
import statistics
import sys

BANDS = ["0_4", "5_9", "10_14", "15_19", "20_24", "25_29", "30_34", "35_39",
         "40_44", "45_49", "50_54", "55_59", "60_64", "65_69", "70_74",
         "75_79", "80_84", "85_89", "90_94", "95+"]

REGISTERS = ["AF", "AST", "CAN", "CHD", "CKD", "COPD", "DEM", "DEP", "DM",
             "EP", "HF", "HYP", "LD", "MH", "NDH", "OB", "OST", "PAD", "PC",
             "RA", "STIA"]

LIST_TYPES = ["TOTAL", "06OV", "16OV", "17OV", "18OV", "50OV"]

NSPL_AREAS = ["SM", "SR", "TF", "WN"]


def read_rows(path):
    """Yield dict rows of a CSV file, tolerating a UTF-8 byte order mark."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        yield from csv.DictReader(f)


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


def copy_mapping(src, out):
    """The practice -> PCN mapping, kept whole so `pcn registry import` reads it."""
    path = os.path.join(src, "nhs_reference/gp_practice_pcn_mapping/gp-reg-pat-prac-map.csv")
    shutil.copyfile(path, os.path.join(out, "gp-reg-pat-prac-map.csv"))
    return {r["PRACTICE_CODE"]: r for r in read_rows(path)}


def derive_list_bands(src, out):
    """Registered patients per practice x sex x 5-year band, one row per practice and sex."""
    path = os.path.join(src, "nhs_reference/gp_registered_patients_quinary_age/"
                        "gp-reg-pat-prac-quin-age.csv")
    counts = collections.defaultdict(lambda: [0] * len(BANDS))
    totals = {}
    extract = None
    index = {b: i for i, b in enumerate(BANDS)}
    for r in read_rows(path):
        if r["ORG_TYPE"] != "GP":
            continue
        extract = r["EXTRACT_DATE"]
        sex = r["SEX"]
        if sex == "ALL":
            totals[r["ORG_CODE"]] = int(r["NUMBER_OF_PATIENTS"])
            continue
        band = r["AGE_GROUP_5"]
        if band not in index:
            continue
        counts[(r["ORG_CODE"], sex[0])][index[band]] = int(r["NUMBER_OF_PATIENTS"])
    rows = []
    for (code, sex) in sorted(counts):
        rows.append([code, extract, sex] + counts[(code, sex)])
    header = ["practice", "date", "sex"] + ["a" + b.split("_")[0].rstrip("+") for b in BANDS]
    write_csv(os.path.join(out, "list_bands.csv"), header, rows)
    bad = [c for c in totals
           if counts[(c, "M")] and sum(counts[(c, "M")]) + sum(counts[(c, "F")]) != totals[c]]
    return len(rows), bad


def derive_qof(src, out):
    """QOF 2024-25 register counts per practice plus the list sizes they are divided by."""
    path = os.path.join(src, "nhs_reference/qof_prevalence_2024_25/PREVALENCE_2425.csv")
    practices = collections.defaultdict(dict)
    for r in read_rows(path):
        p = practices[r["PRACTICE_CODE"]]
        p[r["GROUP_CODE"]] = int(float(r["REGISTER"]))
        p["list_" + r["PATIENT_LIST_TYPE"]] = int(r["PRACTICE_LIST_SIZE"])
    header = (["practice"] + ["list_" + t for t in LIST_TYPES] + REGISTERS)
    rows = []
    for code in sorted(practices):
        p = practices[code]
        rows.append([code] + [p.get("list_" + t, "") for t in LIST_TYPES]
                    + [p.get(g, "") for g in REGISTERS])
    write_csv(os.path.join(out, "qof_prevalence_2425.csv"), header, rows)
    return len(rows)


def read_lsoa_imd(src):
    """LSOA -> (IMD 2019 decile, local authority code); also local authority names."""
    path = os.path.join(src, "imd2019_lsoa/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
    lsoa = {}
    lad_names = {}
    for r in csv.reader(open(path, newline="", encoding="utf-8-sig")):
        if not r or not r[0].startswith("E01"):
            continue
        lsoa[r[0]] = (int(r[5]), r[2])
        lad_names[r[2]] = r[3]
    return lsoa, lad_names


def norm(s):
    """Upper case, letters and digits only, single spaces ("Stockton-on-Tees" -> "STOCKTON ON TEES")."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in s.upper()).split())


def address_lads(src, lad_names):
    """Practice -> local authority whose name is one of the practice's address lines in epraccur
    (town or county line; unitary authorities and most districts are named after either)."""
    by_name = {}
    for code, name in lad_names.items():
        by_name.setdefault(norm(name), code)
        if "," in name:  # "Bristol, City of"
            by_name.setdefault(norm(name.split(",")[0]), code)
    out = {}
    path = os.path.join(src, "nhs_reference/epraccur_gp_practices_ods/epraccur.csv")
    if not os.path.exists(path):
        return out
    for r in csv.reader(open(path, newline="", encoding="utf-8-sig", errors="replace")):
        if len(r) < 10:
            continue
        for line in r[4:9]:
            code = by_name.get(norm(line))
            if code:
                out[r[0]] = code
                break
    return out


def practice_lads(src, mapping, lsoa, lad_names):
    """Local authority of each practice, from the best evidence in the shared data: the practice
    postcode in the NSPL subset; the West Sussex LSOA-to-PCN lookup; a local authority named in
    the practice's ODS address; else the commonest local authority among the other practices of
    its PCN, then of its sub-ICB location."""
    lad = {}
    pc_lsoa = {}
    for area in NSPL_AREAS:
        path = os.path.join(src, "postcode_lsoa_nspl_nov2021_subset", "NSPL_NOV_2021_UK_%s.csv" % area)
        if not os.path.exists(path):
            continue
        for r in read_rows(path):
            pc_lsoa[r["pcds"]] = r["lsoa11"]
    pcn_lads = collections.defaultdict(collections.Counter)
    ws = os.path.join(src, "nhs_reference/lsoa_to_pcn_west_sussex_feb22/lsoa_pcn_lookup_Feb_22.csv")
    if os.path.exists(ws):
        for r in read_rows(ws):
            code = r["LSOA11CD"].strip()
            if code in lsoa:
                pcn_lads[r["PCN_Code"].strip()][lsoa[code][1]] += 1
    for code, m in mapping.items():
        l11 = pc_lsoa.get(m["PRACTICE_POSTCODE"])
        if l11 in lsoa:
            lad[code] = lsoa[l11][1]
        elif m["PCN_CODE"] in pcn_lads:
            lad[code] = pcn_lads[m["PCN_CODE"]].most_common(1)[0][0]
    by_address = address_lads(src, lad_names)
    for code in mapping:
        if code not in lad and code in by_address:
            lad[code] = by_address[code]
    for group in ("PCN_CODE", "SUB_ICB_LOCATION_CODE"):
        votes = collections.defaultdict(collections.Counter)
        for code, m in mapping.items():
            if code in lad:
                votes[m[group]][lad[code]] += 1
        for code, m in mapping.items():
            if code not in lad and votes[m[group]]:
                lad[code] = votes[m[group]].most_common(1)[0][0]
    return lad


def derive_imd(src, out, mapping):
    lsoa, lad_names = read_lsoa_imd(src)
    write_csv(os.path.join(out, "lsoa_imd2019.csv"), ["lsoa", "imd_decile"],
              ([k, lsoa[k][0]] for k in sorted(lsoa)))
    write_csv(os.path.join(out, "lsoa_lad2019.csv"), ["lsoa", "lad"],
              ([k, lsoa[k][1]] for k in sorted(lsoa)))
    imd25 = {}
    for r in read_rows(os.path.join(src, "nhs_reference/imd2025_by_gp_practice_fingertips/"
                                    "fingertips-imd-2025-gp-practice.csv")):
        if r["IMD_SCORE"]:
            imd25[r["PRACTICE_CODE"]] = r["IMD_SCORE"]
    imd19 = {}
    for r in read_rows(os.path.join(src, "imd2019_lsoa/aggregated_to_practice_and_pcn/"
                                    "practice_imd.csv")):
        imd19[r["practice_code"]] = ("%.3f" % float(r["imd_score"]), r["imd_decile"])
    lads = practice_lads(src, mapping, lsoa, lad_names)
    codes = sorted(set(mapping) | set(imd25) | set(imd19))
    rows = []
    for c in codes:
        s19, d19 = imd19.get(c, ("", ""))
        rows.append([c, imd25.get(c, ""), s19, d19, lads.get(c, "")])
    write_csv(os.path.join(out, "practice_imd.csv"),
              ["practice", "imd2025_score", "imd2019_score", "imd2019_decile", "lad"], rows)
    return len(lsoa), len(rows), len(lads)


def derive_workforce(src, out):
    path = os.path.join(src, "nhs_reference/pcn_workforce_individual_jun2026/"
                        "pcn_workforce_individual_level_jun2026.csv")
    agg = collections.defaultdict(lambda: [0, 0.0])
    census = None
    for r in read_rows(path):
        census = "%s-%02d" % (r["CENSUS_YEAR"], int(r["CENSUS_MONTH"]))
        k = (r["PCN_CODE"], r["STAFF_GROUP"], r["STAFF_ROLE"])
        agg[k][0] += 1
        agg[k][1] += float(r["FTE"] or 0)
    rows = [[k[0], census, k[1], k[2], v[0], "%.2f" % v[1]] for k, v in sorted(agg.items())]
    write_csv(os.path.join(out, "pcn_workforce.csv"),
              ["pcn", "census", "staff_group", "staff_role", "headcount", "fte"], rows)
    return len(rows)


def derive_practice_variation(src, out, mapping):
    """Between-practice spread of achievement: IIF 2023-24 ACC-08 (appointments booked within
    two weeks), the one achievement measure the shared IIF publication gives by practice.
    Practices with at least 1,000 appointments (binomial noise under 1 point); the network of
    each practice from the 2026 mapping. Writes measure,value rows (proportions, not percent)."""
    path = os.path.join(src, "nhs_reference/iif_network_contract_des_2023_24/"
                        "IIF_indicators_annual_pub_2023_24.csv")
    num, den = {}, {}
    for r in read_rows(path):
        if r["ORGANISATION_TYPE"] != "GP practice" or r["IND_CODE"] != "NCD026":
            continue
        (num if r["MEASURE"].endswith("Numerator") else den)[r["ORGANISATION_CODE"]] = \
            float(r["VALUE"])
    ach = {c: num[c] / den[c] for c in den if c in num and den[c] >= 1000 and 0 < num[c] < den[c]}
    vals = sorted(ach.values())
    n = len(vals)
    logits = [math.log(v / (1 - v)) for v in vals]
    groups = collections.defaultdict(list)
    for c, v in ach.items():
        pcn = mapping.get(c, {}).get("PCN_CODE", "U")
        if pcn != "U":
            groups[pcn].append(c)
    within = [(ach[c] - statistics.mean(ach[x] for x in g)) ** 2
              for g in groups.values() if len(g) > 1 for c in g]
    n_within = sum(len(g) for g in groups.values() if len(g) > 1)
    k_within = sum(1 for g in groups.values() if len(g) > 1)
    pcn_rate = [sum(num[c] for c in g) / sum(den[c] for c in g) for g in groups.values()]
    # one-way ANOVA intraclass correlation of the logits within networks
    lg = {c: math.log(ach[c] / (1 - ach[c])) for c in ach}
    members = [g for g in groups.values()]
    alln = [lg[c] for g in members for c in g]
    big_n, k = len(alln), len(members)
    grand = statistics.mean(alln)
    msb = sum(len(g) * (statistics.mean(lg[c] for c in g) - grand) ** 2 for g in members) / (k - 1)
    msw = sum(sum((lg[c] - statistics.mean(lg[x] for x in g)) ** 2 for c in g)
              for g in members) / (big_n - k)
    n0 = (big_n - sum(len(g) ** 2 for g in members) / big_n) / (k - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)

    def q(p):
        return vals[min(n - 1, int(p * n))]

    rows = [
        ["practices", n, "practices with >= 1,000 appointments in the ACC-08 denominator"],
        ["mean", "%.4f" % statistics.mean(vals), "mean practice achievement"],
        ["sd", "%.4f" % statistics.pstdev(vals), "SD of practice achievement (proportion)"],
        ["p05", "%.4f" % q(0.05), "5th percentile"],
        ["p25", "%.4f" % q(0.25), "25th percentile"],
        ["p50", "%.4f" % q(0.50), "median"],
        ["p75", "%.4f" % q(0.75), "75th percentile"],
        ["p95", "%.4f" % q(0.95), "95th percentile"],
        ["logit_sd", "%.4f" % statistics.pstdev(logits), "SD of logit(achievement)"],
        ["sd_within_network", "%.4f" % math.sqrt(sum(within) / (n_within - k_within)),
         "pooled SD of practices around their network's mean"],
        ["networks", len(pcn_rate), "networks with a practice in the table"],
        ["sd_between_networks", "%.4f" % statistics.pstdev(pcn_rate),
         "SD of network achievement (appointments pooled)"],
        ["icc_network", "%.4f" % icc, "share of the logit variance between networks"],
    ]
    write_csv(os.path.join(out, "practice_variation.csv"), ["measure", "value", "description"],
              rows)
    return n, icc


def derive_practice_access(src, out):
    """Appointments of each practice in 2023-24 and those seen within two weeks of booking:
    IIF 2023-24 ACC-08 (NCD026) denominator and numerator by practice, the volume and access
    the twin's appointments follow (docs/generator.md, "Appointments")."""
    path = os.path.join(src, "nhs_reference/iif_network_contract_des_2023_24/"
                        "IIF_indicators_annual_pub_2023_24.csv")
    num, den = {}, {}
    for r in read_rows(path):
        if r["ORGANISATION_TYPE"] != "GP practice" or r["IND_CODE"] != "NCD026":
            continue
        (num if r["MEASURE"].endswith("Numerator") else den)[r["ORGANISATION_CODE"]] = \
            int(float(r["VALUE"] or 0))
    rows = [[c, den[c], num[c]] for c in sorted(den) if c in num and 0 < den[c] and
            0 <= num[c] <= den[c]]
    write_csv(os.path.join(out, "practice_access.csv"),
              ["practice", "appointments", "within_2w"], rows)
    return len(rows), sum(r[1] for r in rows), sum(r[2] for r in rows)


# QOF personalised care adjustment codes for the registers whose clusters (e.g. HYPPCADEC_COD)
# the shared data lacks: the "Excepted from <condition> quality indicators" codes, found in the
# GM SDE code sets. The diabetes pair (DMPCADEC_COD/DMPCAPU_COD, shared) hold exactly the
# diabetes codes of this family.
PCA_CONDITIONS = [
    ("af", "atrial fibrillation"), ("ast", "asthma"), ("ckd", "chronic kidney disease"),
    ("copd", "chronic obstructive pulmonary disease"), ("dem", "dementia"),
    ("hf", "heart failure"), ("hyp", "hypertension"), ("ost", "osteoporosis"),
    ("stia", "stroke"),
]


def derive_pca_lists(src, defs_out):
    """defs/codelists/qof-pca/<reg>_pcadec.csv (informed dissent) and <reg>_pcapu.csv
    (patient unsuitable): every "Excepted from <condition> quality indicators" SNOMED code of
    the GM SDE code sets."""
    base = os.path.join(src, "codelists/gm-sde_clinical-code-sets")
    found = {}
    for root, _, files in os.walk(base):
        for f in files:
            if not f.endswith(".snomed.txt"):
                continue
            for line in open(os.path.join(root, f), encoding="utf-8-sig", errors="replace"):
                parts = line.strip().split("\t")
                if len(parts) >= 2 and parts[1].startswith("Excepted from"):
                    # the same code appears in several sets, one term cut short: keep the longest
                    code, term = parts[0].strip(), parts[1].strip()
                    if (len(term), term) > (len(found.get(code, "")), found.get(code, "")):
                        found[code] = term
    out = os.path.join(defs_out, "qof-pca")
    os.makedirs(out, exist_ok=True)
    n = 0
    for reg, name in PCA_CONDITIONS:
        for kind, words in (("pcadec", ("dissent",)), ("pcapu", ("unsuitable", "unsuitabl"))):
            rows = sorted([c, t] for c, t in found.items()
                          if t.lower().startswith("excepted from %s quality indicators" % name)
                          and any(w in t.lower() for w in words))
            if rows:
                write_csv(os.path.join(out, "%s_%s.csv" % (reg, kind)), ["code", "term"], rows)
                n += len(rows)
    return n


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=os.path.join(os.path.dirname(here), "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "data", "reference"))
    ap.add_argument("--defs-out", default=os.path.join(here, "defs", "codelists"))
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.src, "nhs_reference")):
        alt = "/work/shared/data"
        if os.path.isdir(os.path.join(alt, "nhs_reference")):
            args.src = alt
        else:
            sys.exit("derive_reference: no nhs_reference/ under %s (use --src)" % args.src)
    os.makedirs(args.out, exist_ok=True)
    mapping = copy_mapping(args.src, args.out)
    n_bands, bad = derive_list_bands(args.src, args.out)
    n_qof = derive_qof(args.src, args.out)
    n_lsoa, n_prac, n_lad = derive_imd(args.src, args.out, mapping)
    n_wf = derive_workforce(args.src, args.out)
    n_var, icc = derive_practice_variation(args.src, args.out, mapping)
    n_pca = derive_pca_lists(args.src, args.defs_out)
    n_acc, acc_den, acc_num = derive_practice_access(args.src, args.out)
    print("mapping: %d practices" % len(mapping))
    print("list_bands: %d rows (%d practices whose bands do not sum to ALL)" % (n_bands, len(bad)))
    print("qof_prevalence_2425: %d practices" % n_qof)
    print("lsoa_imd2019: %d LSOAs; practice_imd: %d practices (%d with a local authority)"
          % (n_lsoa, n_prac, n_lad))
    print("pcn_workforce: %d rows" % n_wf)
    print("practice_variation: %d practices (ACC-08), network ICC %.3f" % (n_var, icc))
    print("qof-pca code lists: %d codes" % n_pca)
    print("practice_access: %d practices, %d appointments, %.1f%% within two weeks"
          % (n_acc, acc_den, 100.0 * acc_num / acc_den))


if __name__ == "__main__":
    main()
