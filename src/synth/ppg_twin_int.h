/*
 * ppg_twin_int.h - shared by the two files of the patient partnership twin:
 * ppg_twin.c (the network's registered adults, the groups and their
 * members) and ppg_twin_log.c (service changes, involvement, activities
 * and feedback). Not part of the public API (pcn/ppg_twin.h).
 */
#ifndef PCN_SYNTH_PPG_TWIN_INT_H
#define PCN_SYNTH_PPG_TWIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/ppg.h"
#include "pcn/ppg_twin.h"
#include "pcn/rng.h"

/* A registered adult of the network on the twin's date, as far as the twin needs. */
struct twin_adult {
    uint16_t practice; /* index into twin.practices */
    uint8_t age;       /* years, capped at 100 */
    uint8_t sex;       /* enum pcn_ppg_sex */
    uint8_t eth;       /* enum pcn_ppg_eth */
    uint8_t quintile;  /* 0 not known, 1..5 */
};

struct twin_practice {
    char code[8];
    char name[PCN_PPG_NAME_MAX - 40]; /* room for " Patient Participation Group" */
    char district[PCN_PPG_DISTRICT_SIZE];
    size_t first, n; /* its adults: twin.adults[first .. first + n) */
    int64_t group_id;
};

struct twin {
    struct pcn_store *s;
    const struct pcn_ppg_twin_opts *o;
    struct pcn_rng rng;
    struct pcn_error *err;
    char network[8];
    char network_name[80];
    struct twin_practice *practices;
    size_t n_practices, alloc_practices;
    struct twin_adult *adults;
    size_t n_adults, alloc_adults;
    int64_t forum_id; /* the network-level group */
    struct pcn_ppg_twin_summary sum;
};

/* A day from `from` to `to` (inclusive), uniformly. */
int32_t pcn__twin_day(struct twin *t, int32_t from, int32_t to);

/* The changes, involvement, activities and feedback (ppg_twin_log.c); groups exist. */
enum pcn_err pcn__twin_log(struct twin *t);

#endif /* PCN_SYNTH_PPG_TWIN_INT_H */
