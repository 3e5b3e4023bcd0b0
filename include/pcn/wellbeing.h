/*
 * wellbeing.h - the personal wellbeing measures social prescribing records
 * at first and last contact, and the arithmetic of change between them.
 *
 *   ONS4     the Office for National Statistics' four personal wellbeing
 *            questions (life satisfaction, worthwhile, happiness, anxiety),
 *            each answered 0-10 and reported item by item (there is no
 *            total). For anxiety a LOWER score is better.
 *   SWEMWBS  the Short Warwick-Edinburgh Mental Wellbeing Scale: 7 items
 *            scored 1-5, raw total 7-35, converted to a metric score with
 *            the published Rasch table (Stewart-Brown et al. 2009).
 *   WEMWBS   the 14-item scale: items 1-5, total 14-70 (no conversion).
 *
 * Change is always "last minus first" in the measure's own units; the
 * "improvement" of a change is the same number with the sign turned so
 * that a positive improvement is better for the person (for ONS4 anxiety
 * improvement = first - last). Pure functions; thread-safe.
 */
#ifndef PCN_WELLBEING_H
#define PCN_WELLBEING_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* An item the person did not answer. */
#define PCN_ITEM_MISSING (-1)

#define PCN_ONS4_ITEMS 4
#define PCN_SWEMWBS_ITEMS 7
#define PCN_WEMWBS_ITEMS 14

enum pcn_instrument {
    PCN_INSTRUMENT_ONS4,
    PCN_INSTRUMENT_SWEMWBS,
    PCN_INSTRUMENT_WEMWBS,
    PCN_INSTRUMENT_COUNT_
};

/* "ons4", "swemwbs", "wemwbs"; NULL for a value out of range. */
const char *pcn_instrument_name(enum pcn_instrument in);
/* The inverse of pcn_instrument_name (exact, lower case). PCN_EINVAL otherwise. */
enum pcn_err pcn_instrument_parse(const char *s, enum pcn_instrument *ret);
/* Number of items of the instrument (4, 7 or 14). */
int pcn_instrument_items(enum pcn_instrument in);
/*
 * Short name of item i (0-based) of the instrument, as used in CSV headers
 * and JSON keys ("life_satisfaction", "optimistic", ...); NULL out of range.
 */
const char *pcn_instrument_item_name(enum pcn_instrument in, int i);
/* Lowest and highest valid answer of one item (ONS4 0-10; (S)WEMWBS 1-5). */
void pcn_instrument_item_range(enum pcn_instrument in, int *ret_min, int *ret_max);

enum pcn_ons4_item {
    PCN_ONS4_LIFE_SATISFACTION = 0, /* "how satisfied are you with your life nowadays?" */
    PCN_ONS4_WORTHWHILE = 1,        /* "...the things you do in your life are worthwhile?" */
    PCN_ONS4_HAPPINESS = 2,         /* "how happy did you feel yesterday?" */
    PCN_ONS4_ANXIETY = 3,           /* "how anxious did you feel yesterday?" (lower is better) */
};

/*
 * Direction of an item: +1 when a higher answer is better, -1 when lower
 * is better (ONS4 anxiety only).
 */
int pcn_instrument_item_direction(enum pcn_instrument in, int i);

/*
 * Check one completed questionnaire: every item present and within its
 * range. n must equal the instrument's item count. PCN_EINVAL with a
 * one-line message naming the first bad item, for example
 * "ONS4 anxiety is 11; items are scored 0-10" or
 * "SWEMWBS item 3 (relaxed) is missing; all 7 items are needed for a score".
 */
enum pcn_err pcn_instrument_validate(enum pcn_instrument in, const int *items, size_t n,
                                     struct pcn_error *reterr);

/*
 * SWEMWBS: validate the 7 items (as above) and sum them into *ret_raw (7-35)
 * and convert into *ret_metric with the published table.
 */
enum pcn_err pcn_swemwbs_score(const int items[PCN_SWEMWBS_ITEMS], int *ret_raw, double *ret_metric,
                               struct pcn_error *reterr);

/*
 * SWEMWBS raw total (7-35) to metric score: the Rasch conversion table of
 * Stewart-Brown S, Tennant A, Tennant R, Platt S, Parkinson J, Weich S.
 * Internal construct validity of the Warwick-Edinburgh Mental Well-being
 * Scale (WEMWBS): a Rasch analysis using data from the Scottish Health
 * Education Population Survey. Health Qual Life Outcomes 2009;7:15
 * (doi:10.1186/1477-7525-7-15), as published in the scale's scoring
 * guidance (Warwick Medical School). PCN_EINVAL for a raw score outside 7-35.
 */
enum pcn_err pcn_swemwbs_metric(int raw, double *ret);

/* WEMWBS: validate the 14 items and sum them into *ret_total (14-70). */
enum pcn_err pcn_wemwbs_score(const int items[PCN_WEMWBS_ITEMS], int *ret_total,
                              struct pcn_error *reterr);

/*
 * ONS thresholds for reporting an ONS4 answer (ONS, "Personal well-being
 * user guidance"): life satisfaction, worthwhile and happiness are "low"
 * 0-4, "medium" 5-6, "high" 7-8, "very_high" 9-10; anxiety is "very_low"
 * 0-1, "low" 2-3, "medium" 4-5, "high" 6-10. NULL for an invalid answer.
 */
const char *pcn_ons4_band(enum pcn_ons4_item item, int answer);

/*
 * The headline number of one questionnaire for change reporting: the
 * answer of one ONS4 item (item 0-3), the SWEMWBS metric score or the
 * WEMWBS total (item ignored). The items must have passed validation.
 */
double pcn_instrument_value(enum pcn_instrument in, const int *items, int item);

/*
 * Paired change: a running summary of (first, last) pairs of one measure.
 * Initialise with PCN_CHANGE_INIT; add pairs; read the results. Fields
 * are read-only.
 */
struct pcn_change {
    int direction;      /* +1 higher is better, -1 lower is better */
    int64_t n;          /* paired measurements added */
    double sum_first;   /* sum of first values */
    double sum_last;    /* sum of last values */
    double sum_d;       /* sum of last - first */
    double sum_d2;      /* sum of (last - first)^2 */
    int64_t n_improved; /* pairs whose improvement is > 0 */
    int64_t n_worse;    /* pairs whose improvement is < 0 */
};

#define PCN_CHANGE_INIT(dir)                                                                       \
    {                                                                                              \
        (dir), 0, 0.0, 0.0, 0.0, 0.0, 0, 0                                                         \
    }

/* Add one person's first and last value. */
void pcn_change_add(struct pcn_change *c, double first, double last);
/* Merge the pairs of b into a (same direction). */
void pcn_change_merge(struct pcn_change *a, const struct pcn_change *b);

/*
 * The summary of the pairs added so far. Means are NaN-free: with n = 0
 * every number is 0 and has_ci is 0. mean_change is last - first;
 * mean_improvement is mean_change * direction. The 95% confidence interval
 * of the mean change uses Student's t with n - 1 degrees of freedom (needs
 * n >= 2).
 */
struct pcn_change_summary {
    int64_t n;
    double mean_first;
    double mean_last;
    double mean_change;
    double mean_improvement;
    double sd_change; /* sample standard deviation of the change (n >= 2) */
    int has_ci;
    double ci_low;  /* of mean_change */
    double ci_high; /* of mean_change */
    int64_t n_improved;
    int64_t n_worse;
    int64_t n_same;
};

void pcn_change_summarise(const struct pcn_change *c, struct pcn_change_summary *ret);

/* Two-sided 95% critical value of Student's t with df degrees of freedom (df >= 1). */
double pcn_t95(int64_t df);

#endif /* PCN_WELLBEING_H */
