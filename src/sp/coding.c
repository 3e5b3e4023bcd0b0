/*
 * coding.c - the social prescribing code table (defs/maps/socpres_codes.csv)
 * and the coded events each happening writes into the patient's record.
 * Invariant: an event is produced only for a concept the table codes; the
 * rest are listed as uncoded so no caller can write an empty code.
 */
#include "pcn/sp_coding.h"

#include <stdio.h>
#include <string.h>

#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/paths.h"
#include "util/common.h"

#define CODES_DEFAULT "defs/maps/socpres_codes.csv"

static const char *const concept_names[PCN_SP_CONCEPT_COUNT_] = {
    "referral",        "declined",       "swemwbs",      "wemwbs", "ons4_life_satisfaction",
    "ons4_worthwhile", "ons4_happiness", "ons4_anxiety",
};

const char *pcn_sp_concept_name(enum pcn_sp_concept c)
{
    return (unsigned)c < PCN_SP_CONCEPT_COUNT_ ? concept_names[c] : NULL;
}

static bool is_sctid(const char *s)
{
    size_t n = strlen(s);

    if (n < 6 || n > 18 || s[0] == '0')
        return false;
    return strspn(s, "0123456789") == n;
}

/* One row "concept,system,code,term,source" into the table. */
static enum pcn_err load_row(struct pcn_csv *c, struct pcn_sp_codes *t, struct pcn_error *reterr)
{
    const char *name = pcn_csv_name(c);
    unsigned long line = pcn_csv_line(c);

    if (pcn_csv_nfields(c) != 5)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: expected 5 columns, found %zu", name,
                             line, pcn_csv_nfields(c));
    const char *concept = pcn_csv_field(c, 0, NULL);
    const char *system = pcn_csv_field(c, 1, NULL);
    const char *code = pcn_csv_field(c, 2, NULL);
    const char *term = pcn_csv_field(c, 3, NULL);
    int k = -1;
    for (int i = 0; i < PCN_SP_CONCEPT_COUNT_; i++) {
        if (strcmp(concept, concept_names[i]) == 0)
            k = i;
    }
    if (k < 0)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: unknown concept '%.40s'", name, line,
                             concept);
    if (strcmp(system, "snomed") != 0)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: system must be snomed", name, line);
    if (!is_sctid(code))
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: '%.40s' is not a SNOMED CT identifier",
                             name, line, code);
    if (!*term || strlen(term) >= PCN_SP_TERM_MAX)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: the term must be 1-%d bytes", name, line,
                             PCN_SP_TERM_MAX - 1);
    if (t->concept[k].code[0])
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: concept %s appears twice", name, line,
                             concept);
    (void)snprintf(t->concept[k].system, sizeof(t->concept[k].system), "%s", system);
    (void)snprintf(t->concept[k].code, sizeof(t->concept[k].code), "%s", code);
    (void)snprintf(t->concept[k].term, sizeof(t->concept[k].term), "%s", term);
    return PCN_OK;
}

enum pcn_err pcn_sp_codes_load(const char *path, struct pcn_sp_codes *ret, struct pcn_error *reterr)
{
    char def[4096];
    struct pcn_csv *c = NULL;
    struct pcn_sp_codes t;
    enum pcn_err rc;

    memset(&t, 0, sizeof(t));
    if (!path) {
        if (pcn_data_path(CODES_DEFAULT, def, sizeof(def)) != PCN_OK)
            return pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", CODES_DEFAULT);
        path = def;
    }
    rc = pcn_csv_open(path, &c, reterr);
    if (rc != PCN_OK)
        goto out;
    rc = pcn_csv_next(c, reterr);
    if (rc == PCN_OK && (pcn_csv_find(c, "concept") != 0 || pcn_csv_find(c, "code") != 2))
        rc = pcn_error_set(reterr, PCN_EPARSE,
                           "%s:1: expected the header concept,system,code,term,source", path);
    else if (rc == PCN_ENOTFOUND)
        rc = pcn_error_set(reterr, PCN_EPARSE, "%s: empty file", path);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND) {
            rc = PCN_OK;
            *ret = t;
            break;
        }
        if (rc == PCN_OK)
            rc = load_row(c, &t, reterr);
    }
out:
    pcn_csv_free(c);
    return rc;
}

int pcn_sp_codes_has(const struct pcn_sp_codes *codes, enum pcn_sp_concept c)
{
    return (unsigned)c < PCN_SP_CONCEPT_COUNT_ && codes->concept[c].code[0] != '\0';
}

/* Add the event for concept c (or note it as uncoded). */
static void add(const struct pcn_sp_codes *codes, enum pcn_sp_concept c, const char *patient_id,
                int32_t date, enum pcn_event_kind kind, int has_value, double value,
                struct pcn_sp_coded *ret)
{
    if (!pcn_sp_codes_has(codes, c)) {
        if (ret->n_uncoded < PCN_ARRAY_SIZE(ret->uncoded))
            ret->uncoded[ret->n_uncoded++] = c;
        return;
    }
    if (PCN_NEVER(ret->n >= PCN_ARRAY_SIZE(ret->event)))
        return;
    struct pcn_event *e = &ret->event[ret->n++];
    memset(e, 0, sizeof(*e));
    e->patient_id = patient_id;
    e->date = date;
    e->end_date = PCN_DATE_NONE;
    e->kind = kind;
    e->system = codes->concept[c].system;
    e->code = codes->concept[c].code;
    e->has_value = has_value;
    e->value = value;
    e->unit = has_value ? "score" : NULL;
    e->source = PCN_SP_SOURCE;
}

static void clear(struct pcn_sp_coded *ret)
{
    memset(ret, 0, sizeof(*ret));
}

void pcn_sp_code_referral(const struct pcn_sp_codes *codes, const char *patient_id, int32_t date,
                          struct pcn_sp_coded *ret)
{
    clear(ret);
    add(codes, PCN_SP_REFERRAL, patient_id, date, PCN_EVENT_PROCEDURE, 0, 0, ret);
}

void pcn_sp_code_declined(const struct pcn_sp_codes *codes, const char *patient_id, int32_t date,
                          struct pcn_sp_coded *ret)
{
    clear(ret);
    add(codes, PCN_SP_DECLINED, patient_id, date, PCN_EVENT_OTHER, 0, 0, ret);
}

enum pcn_err pcn_sp_code_measure(const struct pcn_sp_codes *codes, const char *patient_id,
                                 int32_t date, enum pcn_instrument in, const int *items, size_t n,
                                 struct pcn_sp_coded *ret, struct pcn_error *reterr)
{
    static const enum pcn_sp_concept ons4[PCN_ONS4_ITEMS] = {
        PCN_SP_ONS4_LIFE_SATISFACTION,
        PCN_SP_ONS4_WORTHWHILE,
        PCN_SP_ONS4_HAPPINESS,
        PCN_SP_ONS4_ANXIETY,
    };
    enum pcn_err rc = pcn_instrument_validate(in, items, n, reterr);

    if (rc != PCN_OK)
        return rc;
    clear(ret);
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += items[i];
    switch (in) {
    case PCN_INSTRUMENT_ONS4:
        for (int i = 0; i < PCN_ONS4_ITEMS; i++)
            add(codes, ons4[i], patient_id, date, PCN_EVENT_OBSERVATION, 1, items[i], ret);
        break;
    case PCN_INSTRUMENT_SWEMWBS:
        add(codes, PCN_SP_SWEMWBS, patient_id, date, PCN_EVENT_OBSERVATION, 1, total, ret);
        break;
    case PCN_INSTRUMENT_WEMWBS:
        add(codes, PCN_SP_WEMWBS, patient_id, date, PCN_EVENT_OBSERVATION, 1, total, ret);
        break;
    default:
        return pcn_error_set(reterr, PCN_EINVAL, "unknown wellbeing measure");
    }
    return PCN_OK;
}
