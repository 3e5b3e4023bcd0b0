/*
 * loinc_map.h - the LOINC to SNOMED CT observation map (loinc_map.c) and
 * the shared delivery helpers for coded events.
 */
#ifndef PCN_INGEST_LOINC_MAP_H
#define PCN_INGEST_LOINC_MAP_H

#include <stddef.h>

#include "pcn/error.h"
#include "pcn/record.h"

struct pcn_importer;

enum pcn__loinc_xform {
    PCN__XFORM_NONE,
    PCN__XFORM_DCCT_TO_IFCC,      /* HbA1c percent -> mmol/mol */
    PCN__XFORM_CHOL_MGDL_TO_MMOL, /* cholesterol mg/dL -> mmol/L */
};

struct pcn__loinc_map {
    const char *loinc;
    const char *value_text; /* coded-value observations: the value; NULL: any value */
    const char *snomed;
    const char *term;
    const char *unit; /* unit after the transform; NULL for coded values */
    enum pcn__loinc_xform xform;
};

extern const struct pcn__loinc_map pcn__loinc_maps[];
extern const size_t pcn__n_loinc_maps;

/* The map row for a LOINC code (and coded value), or NULL. */
const struct pcn__loinc_map *pcn__loinc_find(const char *loinc, const char *value_text);

/* Apply a unit transform to a value. */
double pcn__loinc_transform(enum pcn__loinc_xform x, double v);

/*
 * Deliver an event plus the term for its code (term may be NULL), and
 * count it as mapped (orig_system set) or unmapped (system not snomed).
 */
enum pcn_err pcn__emit_coded(struct pcn_importer *imp, const struct pcn_event *e, const char *term,
                             struct pcn_error *reterr);

/*
 * Deliver an observation coded in LOINC (obs->system "loinc"): mapped to
 * SNOMED CT when the table has the code, else kept as LOINC. value_text is
 * the coded or text value, if any (used for smoking status).
 */
enum pcn_err pcn__emit_loinc(struct pcn_importer *imp, const struct pcn_event *obs,
                             const char *value_text, const char *term, struct pcn_error *reterr);

#endif /* PCN_INGEST_LOINC_MAP_H */
