/*
 * sp_report.h - the figures of social prescribing, computed over plain
 * arrays that a store walk fills (one row per referral, per measurement,
 * per person of the population): wellbeing outcomes (paired change per
 * measure, overall and per asset category, and per person), link-worker
 * caseloads, and gaps (referral rates by practice, age, sex, deprivation
 * and ethnicity against the population; demand and supply by asset
 * category; coverage by LSOA). Nothing here suppresses small numbers: the
 * views that show these to aggregate-only roles do. Pure functions;
 * thread-safe over their inputs.
 */
#ifndef PCN_SP_REPORT_H
#define PCN_SP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/asset.h"
#include "pcn/date.h"
#include "pcn/error.h"
#include "pcn/referral.h"
#include "pcn/wellbeing.h"

/* One referral as the reports see it. Strings borrowed. */
struct pcn_sp_case {
    int64_t id;
    const char *patient_id;
    const char *practice;    /* ODS code of the person's practice; "" if unknown */
    const char *lsoa;        /* where the person lives; "" if unknown */
    const char *link_worker; /* user the case is assigned to; "" if not yet assigned */
    enum pcn_referral_state state;
    enum pcn_referral_source source;
    uint32_t needs;              /* asset categories the referral asked for (bit mask) */
    pcn_usec_t received_at;      /* when the referral arrived */
    pcn_usec_t first_contact_at; /* first contact that reached the person; 0 if none */
    pcn_usec_t last_contact_at;  /* latest contact of any kind; 0 if none */
    int64_t n_contacts;
    pcn_usec_t ended_at; /* when it left the open states (closed, declined,
                            not contactable); 0 while open */
    uint32_t connected;  /* categories of the assets the person was connected to */
    uint32_t attended;   /* categories of those they went to */
};

/* One completed questionnaire. */
struct pcn_sp_measure {
    int64_t referral_id;
    enum pcn_instrument instrument;
    pcn_usec_t at; /* when it was recorded (orders measurements of one day) */
    int items[PCN_WEMWBS_ITEMS];
};

/* The six outcome measures reported: four ONS4 items, SWEMWBS (metric), WEMWBS. */
enum pcn_sp_measure_kind {
    PCN_SP_M_LIFE_SATISFACTION,
    PCN_SP_M_WORTHWHILE,
    PCN_SP_M_HAPPINESS,
    PCN_SP_M_ANXIETY,
    PCN_SP_M_SWEMWBS,
    PCN_SP_M_WEMWBS,
    PCN_SP_M_COUNT_
};

/* "ons4_life_satisfaction", ..., "swemwbs_metric", "wemwbs". */
const char *pcn_sp_measure_kind_name(enum pcn_sp_measure_kind k);
/* +1 if higher is better, -1 for ONS4 anxiety. */
int pcn_sp_measure_kind_direction(enum pcn_sp_measure_kind k);

/* One person's (referral's) first and last value of one measure. */
struct pcn_sp_outcome_pair {
    int64_t referral_id;
    const char *patient_id; /* borrowed from the cases */
    enum pcn_sp_measure_kind measure;
    double first, last;
    pcn_usec_t first_at, last_at;
};

struct pcn_sp_outcomes {
    struct pcn_change overall[PCN_SP_M_COUNT_];
    /* pairs of referrals connected to an asset of each category (one referral may count in several)
     */
    struct pcn_change by_category[PCN_ASSET_CATEGORY_COUNT_][PCN_SP_M_COUNT_];
    int64_t baseline_only[PCN_SP_M_COUNT_]; /* referrals with one measurement only */
    int64_t referrals_measured;             /* referrals with any measurement */
    struct pcn_sp_outcome_pair *pairs;      /* per person, when asked for; caller releases */
    size_t n_pairs;
};

/*
 * Pair each referral's first and last measurement of each measure (by
 * time; two measurements at the same instant are one) and summarise.
 * Measurements of unknown referrals are ignored. With want_pairs the
 * per-person pairs are returned too, in referral then measure order.
 * PCN_ENOMEM; release with pcn_sp_outcomes_release().
 */
enum pcn_err pcn_sp_outcomes_compute(const struct pcn_sp_case *cases, size_t n_cases,
                                     const struct pcn_sp_measure *m, size_t n_m, int want_pairs,
                                     struct pcn_sp_outcomes *ret);
void pcn_sp_outcomes_release(struct pcn_sp_outcomes *o);

/* One link worker's caseload. */
struct pcn_sp_caseload {
    const char *link_worker;        /* borrowed; "" for cases not assigned */
    int64_t open;                   /* cases in an open state */
    int64_t waiting_first_contact;  /* open, no contact has reached the person yet */
    int64_t no_contact_28_days;     /* open, nothing recorded for 28 days or more */
    double mean_days_since_contact; /* over open cases (since received when never contacted) */
    int64_t max_days_since_contact;
    int64_t new_12_months;   /* referrals received in the 12 months up to now */
    int64_t ended_12_months; /* cases that ended in those 12 months */
};

/*
 * One row per link worker with any case (and one for unassigned cases, if
 * any), in name order. *ret is an array the caller frees with pcn_free().
 */
enum pcn_err pcn_sp_caseloads(const struct pcn_sp_case *cases, size_t n, pcn_usec_t now,
                              struct pcn_sp_caseload **ret, size_t *ret_n);

/* Whole days from `since` to `now` (0 when since is later). */
int64_t pcn_sp_days_between(pcn_usec_t since, pcn_usec_t now);

/* A person of the registered population, for referral rates. */
struct pcn_sp_person {
    const char *practice;  /* ODS code */
    int age;               /* on the report date */
    char sex;              /* 'M', 'F', 'I', 'U' */
    int imd_decile;        /* 1 (most deprived) .. 10; 0 unknown */
    const char *ethnicity; /* NHS ethnic category code A..S, Z; NULL or "" unknown */
    int referred;          /* referred to social prescribing in the period */
};

enum pcn_sp_dimension {
    PCN_SP_BY_PRACTICE,
    PCN_SP_BY_AGE,       /* 0-17, 18-39, 40-64, 65-79, 80+ */
    PCN_SP_BY_SEX,       /* F, M, other/unknown */
    PCN_SP_BY_IMD,       /* quintile 1 (most deprived) .. 5, unknown */
    PCN_SP_BY_ETHNICITY, /* White, Mixed, Asian, Black, Other, Not known */
    PCN_SP_DIMENSION_COUNT_
};

/* "practice", "age", "sex", "imd_quintile", "ethnicity". */
const char *pcn_sp_dimension_name(enum pcn_sp_dimension d);
/* The broad group of an NHS ethnic category code ("White", ..., "Not known"). */
const char *pcn_sp_ethnic_group(const char *code);

/* Referral rate of one group against the population. */
struct pcn_sp_rate {
    enum pcn_sp_dimension dimension;
    char group[24];     /* practice code, "18-39", "F", "1", "Asian", ... */
    int64_t population; /* people in the group */
    int64_t referred;   /* of them referred */
    double per_1000;    /* referred per 1,000 people */
    double ci_low;      /* 95% Wilson interval of the rate, per 1,000 */
    double ci_high;
    double ratio; /* this group's rate / the whole population's rate; 0 when that is 0 */
};

/*
 * Rates for every group of every dimension (the whole population first,
 * as dimension PCN_SP_DIMENSION_COUNT_ and group "all"), groups in a fixed
 * order per dimension (practices by code). Caller frees *ret with pcn_free().
 */
enum pcn_err pcn_sp_referral_rates(const struct pcn_sp_person *p, size_t n,
                                   struct pcn_sp_rate **ret, size_t *ret_n);

/* Demand for and supply of one asset category. */
struct pcn_sp_category_gap {
    enum pcn_asset_category category;
    int64_t asked;            /* referrals asking for it (needs) in the period */
    int64_t connected;        /* referrals connected to an asset of it */
    int64_t assets;           /* active assets offering it */
    int64_t stale_assets;     /* of those, not verified in 12 months */
    int64_t places;           /* places per week over those with a known capacity */
    int64_t lsoas_with_asset; /* LSOAs with at least one such asset */
    double asked_per_asset;   /* asked / assets (asked when there are none) */
};

/*
 * Categories ordered from the least available relative to demand (a
 * category asked for with no asset first, then the largest asked_per_asset;
 * ties in category order). Cases count when received in [from, to); d may
 * be NULL (no assets). ret holds all 12. PCN_ENOMEM.
 */
enum pcn_err pcn_sp_category_gaps(const struct pcn_sp_case *cases, size_t n, pcn_usec_t from,
                                  pcn_usec_t to, const struct pcn_directory *d, int32_t as_of,
                                  struct pcn_sp_category_gap ret[PCN_ASSET_CATEGORY_COUNT_]);

/* Where referrals come from against where assets are, per LSOA. */
struct pcn_sp_lsoa_coverage {
    char lsoa[10];
    int64_t referrals;                        /* referrals of people living there */
    int64_t assets;                           /* active assets located there */
    uint32_t categories;                      /* categories those assets offer */
    int64_t needs[PCN_ASSET_CATEGORY_COUNT_]; /* referrals asking for each category */
    uint32_t unmet;                           /* categories asked for with no asset in the LSOA */
};

/*
 * One row per LSOA with a referral (received in [from, to)) or an active
 * asset, in LSOA order. Caller frees *ret with pcn_free().
 */
enum pcn_err pcn_sp_lsoa_coverage(const struct pcn_sp_case *cases, size_t n, pcn_usec_t from,
                                  pcn_usec_t to, const struct pcn_directory *d,
                                  struct pcn_sp_lsoa_coverage **ret, size_t *ret_n);

#endif /* PCN_SP_REPORT_H */
