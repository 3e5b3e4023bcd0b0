#!/usr/bin/env python3
"""derive.py - rebuild OpenPCN's FHIR test inputs from Synthea FHIR bundles.

usage: derive.py SRC_BUNDLE.json... OUTDIR

For each source bundle it writes OUTDIR/<name>.json, the bundle trimmed to
keep the tests small: narrative "text" and "extension" members removed, and
of the bulky resource types OpenPCN skips (Claim, ExplanationOfBenefit,
DocumentReference, DiagnosticReport, Provenance, CareTeam) only the first
of each kept, so skipping is still exercised. It also writes
OUTDIR/patients.ndjson and OUTDIR/resources.ndjson (the same resources as
bulk-data NDJSON, references rewritten to Patient/<id>) and, in
OUTDIR/synthea/, the Synthea CSV files (patients, conditions, observations)
that Synthea's CSV exporter writes for the same resources, so the
cross-format test can compare a FHIR and a Synthea CSV import of the same
patients.
"""
import csv, json, os, sys

BULKY = {'Claim', 'ExplanationOfBenefit', 'DocumentReference', 'DiagnosticReport',
         'Provenance', 'CareTeam'}


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ('text', 'extension')}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def coding(cc):
    c = cc['coding'][0]
    return c['code'], c.get('display', cc.get('text', ''))


def main():
    srcs, out = sys.argv[1:-1], sys.argv[-1]
    os.makedirs(os.path.join(out, 'synthea'), exist_ok=True)
    pats, conds, obs, nd_pat, nd_res = [], [], [], [], []
    for src in srcs:
        b = json.load(open(src))
        seen, entries = set(), []
        for e in b['entry']:
            t = e['resource']['resourceType']
            if t in BULKY and t in seen:
                continue
            seen.add(t)
            e = dict(e)
            e['resource'] = strip(e['resource'])
            entries.append(e)
        b['entry'] = entries
        name = os.path.basename(src).split('_')[0]
        with open(os.path.join(out, name + '.json'), 'w') as f:
            json.dump(b, f, indent=1)
        for e in entries:
            r = e['resource']
            t = r['resourceType']
            line = json.dumps(r).replace('urn:uuid:', 'Patient/') if t != 'Patient' else json.dumps(r)
            (nd_pat if t == 'Patient' else nd_res).append(line)
            if t == 'Patient':
                n = r['name'][0]
                pats.append([r['id'], r['birthDate'], r.get('deceasedDateTime', '')[:10],
                             n['given'][0], n['family'], r['gender'][0].upper()])
            elif t == 'Condition':
                code, desc = coding(r['code'])
                conds.append([r['onsetDateTime'][:10], r.get('abatementDateTime', '')[:10],
                              r['subject']['reference'][9:], code, desc])
            elif t == 'Observation':
                pid, when = r['subject']['reference'][9:], r['effectiveDateTime'][:10]
                for o in r.get('component', [r]):
                    code, desc = coding(o['code'])
                    if 'valueQuantity' in o:
                        v = o['valueQuantity']
                        obs.append([when, pid, code, desc, v['value'], v.get('unit', ''), 'numeric'])
                    elif 'valueCodeableConcept' in o:
                        obs.append([when, pid, code, desc, coding(o['valueCodeableConcept'])[1], '', 'text'])
    # Only Patient lines reference nothing; resources reference Patient/<id>.
    with open(os.path.join(out, 'patients.ndjson'), 'w') as f:
        f.write('\n'.join(nd_pat) + '\n')
    with open(os.path.join(out, 'resources.ndjson'), 'w') as f:
        f.write('\n'.join(nd_res) + '\n')
    syn = os.path.join(out, 'synthea')
    with open(os.path.join(syn, 'patients.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['Id', 'BIRTHDATE', 'DEATHDATE', 'FIRST', 'LAST', 'GENDER'])
        w.writerows(pats)
    with open(os.path.join(syn, 'conditions.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['START', 'STOP', 'PATIENT', 'CODE', 'DESCRIPTION'])
        w.writerows(conds)
    with open(os.path.join(syn, 'observations.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['DATE', 'PATIENT', 'CODE', 'DESCRIPTION', 'VALUE', 'UNITS', 'TYPE'])
        w.writerows(obs)


if __name__ == '__main__':
    main()
