/*
 * profile.h - a registered population's make-up: counts by sex and single
 * year of age, by ethnic group and age, and by deprivation quintile and
 * age. Built from patient records (the engine's snapshot,
 * pcn_snapshot_profile()) or, for sex and age only, from the published
 * five-year list size bands (pcn_profile_add_band()); read by whatever
 * compares a group of people with the population it serves (the patient
 * partnership module's representativeness). A plain value: no allocation.
 */
#ifndef PCN_PROFILE_H
#define PCN_PROFILE_H

#include <stdint.h>

#include "pcn/error.h"

#define PCN_PROFILE_AGES 101 /* single years 0..99, and 100 for 100 and over */
#define PCN_PROFILE_SEXES 4  /* enum pcn_sex: unknown, male, female, indeterminate */
#define PCN_PROFILE_ETHS 6   /* White, Mixed, Asian, Black, Other, not recorded */
#define PCN_PROFILE_IMDS 6   /* 0 not known, 1 (most deprived fifth) .. 5 */

/* Which parts of a profile hold counts (the rest are zero, not known). */
enum pcn_profile_flags {
    PCN_PROFILE_HAS_SEX_AGE = 1 << 0,
    PCN_PROFILE_HAS_ETH = 1 << 1,
    PCN_PROFILE_HAS_IMD = 1 << 2,
    PCN_PROFILE_HAS_ALL = (1 << 3) - 1,
};

struct pcn_profile {
    unsigned has; /* PCN_PROFILE_HAS_* */
    int32_t date; /* the day the counts describe (ages are on it); PCN_DATE_NONE if not known */
    int64_t sex_age[PCN_PROFILE_SEXES][PCN_PROFILE_AGES];
    int64_t eth_age[PCN_PROFILE_ETHS][PCN_PROFILE_AGES];
    int64_t imd_age[PCN_PROFILE_IMDS][PCN_PROFILE_AGES];
};

/* An empty profile (nothing known). */
void pcn_profile_init(struct pcn_profile *p);

/*
 * Add a published list size band: `patients` of sex ('M' or 'F') aged
 * age_from to age_from + 4 (95: 95 and over, spread over 95..99), spread
 * evenly over the band's years, the remainder one each to the youngest
 * years (so 2 of every 5 patients aged 15-19 count as 18 or 19). Sets
 * PCN_PROFILE_HAS_SEX_AGE. PCN_EINVAL for a sex, age or count out of range.
 */
enum pcn_err pcn_profile_add_band(struct pcn_profile *p, char sex, int age_from, int64_t patients);

/*
 * Add every count of src to dst; dst->has keeps only the parts src has too.
 * To sum profiles, start from pcn_profile_init() with has set to
 * PCN_PROFILE_HAS_ALL.
 */
void pcn_profile_add(struct pcn_profile *dst, const struct pcn_profile *src);

/* Patients aged from..to (inclusive, to capped at 100) in one row of counts. */
int64_t pcn_profile_sum(const int64_t *ages, int from, int to);

#endif /* PCN_PROFILE_H */
