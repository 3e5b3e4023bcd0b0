/*
 * sp_coding.h - coding social prescribing back into the patient's record:
 * the SNOMED CT concept a clinical system expects for each thing a link
 * worker records (a referral, a decline, a wellbeing score), and the coded
 * events (pcn/record.h) written for it, so the standard library's
 * indicators (PC01: referred to social prescribing, with declines as the
 * personalised care adjustment) count them and an export can go back to
 * the practice system.
 *
 * The codes come from a small table, defs/maps/socpres_codes.csv
 * ("concept,system,code,term,source"). The shipped table carries the codes
 * verified against public sources (see that file); a concept without a row
 * (the ONS4 items, for which no SNOMED CT concept was found in the sources
 * available) is not coded back, and the caller is told so. A site adds a
 * row to code it. Values are thread-safe once loaded.
 */
#ifndef PCN_SP_CODING_H
#define PCN_SP_CODING_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/record.h"
#include "pcn/wellbeing.h"

enum pcn_sp_concept {
    PCN_SP_REFERRAL,               /* referral to social prescribing service */
    PCN_SP_DECLINED,               /* social prescribing declined */
    PCN_SP_SWEMWBS,                /* SWEMWBS score (value: raw total 7-35) */
    PCN_SP_WEMWBS,                 /* WEMWBS score (value: total 14-70) */
    PCN_SP_ONS4_LIFE_SATISFACTION, /* ONS4 item scores (value 0-10) */
    PCN_SP_ONS4_WORTHWHILE,
    PCN_SP_ONS4_HAPPINESS,
    PCN_SP_ONS4_ANXIETY,
    PCN_SP_CONCEPT_COUNT_
};

/* "referral", "declined", "swemwbs", "wemwbs", "ons4_life_satisfaction", ... */
const char *pcn_sp_concept_name(enum pcn_sp_concept c);

#define PCN_SP_CODE_MAX 24
#define PCN_SP_TERM_MAX 160

/* The loaded table: for each concept its code (code[0] == '\0' when none). */
struct pcn_sp_codes {
    struct {
        char system[16];            /* "snomed" */
        char code[PCN_SP_CODE_MAX]; /* SNOMED CT concept id */
        char term[PCN_SP_TERM_MAX]; /* its preferred term */
    } concept[PCN_SP_CONCEPT_COUNT_];
};

/*
 * Load the code table; path NULL reads the shipped
 * defs/maps/socpres_codes.csv. Unknown concepts, a repeated concept, a
 * code that is not a SNOMED CT identifier (6-18 digits), or a system other
 * than snomed stop the load with "FILE:LINE: ...".
 */
enum pcn_err pcn_sp_codes_load(const char *path, struct pcn_sp_codes *ret,
                               struct pcn_error *reterr);

/* True if the table has a code for c. */
int pcn_sp_codes_has(const struct pcn_sp_codes *codes, enum pcn_sp_concept c);

/* Where coded events come from in the record (struct pcn_event.source). */
#define PCN_SP_SOURCE "openpcn-sp"

/*
 * The events of one happening. Strings in the events point into this
 * struct or into the codes table and the patient id passed in: keep those
 * alive while the events are used.
 */
struct pcn_sp_coded {
    struct pcn_event event[PCN_ONS4_ITEMS];
    size_t n;         /* events to write */
    size_t n_uncoded; /* concepts with no code in the table (nothing written for them) */
    enum pcn_sp_concept uncoded[PCN_ONS4_ITEMS];
};

/* A referral made on `date`. */
void pcn_sp_code_referral(const struct pcn_sp_codes *codes, const char *patient_id, int32_t date,
                          struct pcn_sp_coded *ret);
/* The person declined social prescribing on `date`. */
void pcn_sp_code_declined(const struct pcn_sp_codes *codes, const char *patient_id, int32_t date,
                          struct pcn_sp_coded *ret);
/*
 * One completed questionnaire recorded on `date`: SWEMWBS and WEMWBS give
 * one observation with the total as its value; ONS4 gives one per item.
 * The items are validated first (PCN_EINVAL with the wellbeing.h message).
 */
enum pcn_err pcn_sp_code_measure(const struct pcn_sp_codes *codes, const char *patient_id,
                                 int32_t date, enum pcn_instrument in, const int *items, size_t n,
                                 struct pcn_sp_coded *ret, struct pcn_error *reterr);

#endif /* PCN_SP_CODING_H */
