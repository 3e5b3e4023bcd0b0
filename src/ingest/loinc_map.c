/*
 * loinc_map.c - LOINC to SNOMED CT mapping of the observations that matter
 * to primary care (defs/maps/loinc_snomed.csv documents each row and a
 * unit test checks the two agree), and the shared delivery of coded
 * events with their terms and mapped/unmapped counters, used by the
 * Synthea and FHIR importers alike so both map identically.
 */
#include "ingest/loinc_map.h"

#include <math.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "util/common.h"

const struct pcn__loinc_map pcn__loinc_maps[] = {
    {"8480-6", NULL, "271649006", "Systolic blood pressure", "mm[Hg]", PCN__XFORM_NONE},
    {"8462-4", NULL, "271650006", "Diastolic blood pressure", "mm[Hg]", PCN__XFORM_NONE},
    {"4548-4", NULL, "999791000000106", "Haemoglobin A1c level - IFCC standardised", "mmol/mol",
     PCN__XFORM_DCCT_TO_IFCC},
    {"39156-5", NULL, "60621009", "Body mass index", "kg/m2", PCN__XFORM_NONE},
    {"2093-3", NULL, "1005671000000105", "Serum cholesterol level", "mmol/L",
     PCN__XFORM_CHOL_MGDL_TO_MMOL},
    {"2085-9", NULL, "1005681000000107", "Serum HDL cholesterol level", "mmol/L",
     PCN__XFORM_CHOL_MGDL_TO_MMOL},
    {"33914-3", NULL, "1011481000000105", "eGFR using creatinine CKD-EPI per 1.73 square metres",
     "mL/min/1.73m2", PCN__XFORM_NONE},
    {"29463-7", NULL, "27113001", "Body weight", "kg", PCN__XFORM_NONE},
    {"8302-2", NULL, "50373000", "Body height measure", "cm", PCN__XFORM_NONE},
    {"72166-2", "Never smoker", "266919005", "Never smoked tobacco", NULL, PCN__XFORM_NONE},
    {"72166-2", "Former smoker", "8517006", "Ex-smoker", NULL, PCN__XFORM_NONE},
    {"72166-2", "Current every day smoker", "449868002", "Smokes tobacco daily", NULL,
     PCN__XFORM_NONE},
    {"72166-2", "Current some day smoker", "428041000124106", "Occasional tobacco smoker", NULL,
     PCN__XFORM_NONE},
    {"72166-2", "Smoker current status unknown", "77176002", "Smoker", NULL, PCN__XFORM_NONE},
};
const size_t pcn__n_loinc_maps = PCN_ARRAY_SIZE(pcn__loinc_maps);

const struct pcn__loinc_map *pcn__loinc_find(const char *loinc, const char *value_text)
{
    for (size_t i = 0; i < pcn__n_loinc_maps; i++) {
        const struct pcn__loinc_map *m = &pcn__loinc_maps[i];
        if (strcmp(m->loinc, loinc) != 0)
            continue;
        if (!m->value_text)
            return m;
        if (value_text && strcmp(m->value_text, value_text) == 0)
            return m;
    }
    return NULL;
}

static double round_to(double v, double scale)
{
    return round(v * scale) / scale;
}

double pcn__loinc_transform(enum pcn__loinc_xform x, double v)
{
    switch (x) {
    case PCN__XFORM_DCCT_TO_IFCC:
        return round_to((v - 2.15) * 10.929, 10);
    case PCN__XFORM_CHOL_MGDL_TO_MMOL:
        return round_to(v / 38.67, 100);
    case PCN__XFORM_NONE:
        break;
    }
    return v;
}

enum pcn_err pcn__emit_coded(struct pcn_importer *imp, const struct pcn_event *e, const char *term,
                             struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (term && *term && e->system && *e->system && e->code && *e->code) {
        struct pcn_term t = {e->system, e->code, term};
        rc = pcn__emit_term(imp, &t, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    rc = pcn__emit_event(imp, e, reterr);
    if (rc != PCN_OK)
        return rc;
    if (e->orig_system)
        imp->stats.mapped++;
    else if (e->system && strcmp(e->system, "snomed") != 0)
        rc = pcn__import_unmapped(imp, e->system);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "out of memory");
    return PCN_OK;
}

enum pcn_err pcn__emit_loinc(struct pcn_importer *imp, const struct pcn_event *obs,
                             const char *value_text, const char *term, struct pcn_error *reterr)
{
    const struct pcn__loinc_map *m = pcn__loinc_find(obs->code, value_text);
    struct pcn_event e = *obs;
    enum pcn_err rc;

    if (!m)
        return pcn__emit_coded(imp, &e, term, reterr);
    if (term && *term) {
        struct pcn_term t = {"loinc", obs->code, term};
        rc = pcn__emit_term(imp, &t, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    e.system = "snomed";
    e.code = m->snomed;
    e.orig_system = "loinc";
    e.orig_code = obs->code;
    if (m->value_text) {
        e.has_value = 0;
        e.value = 0;
        e.unit = NULL;
    } else if (e.has_value) {
        e.value = pcn__loinc_transform(m->xform, e.value);
        e.unit = m->unit;
    }
    return pcn__emit_coded(imp, &e, m->term, reterr);
}
