/*
 * profile.c - the make-up of practices' registered populations from the
 * snapshot (pcn/profile.h): one pass over the patients counting, for each
 * practice asked for, those registered and alive on the as-of date by sex
 * and single year of age, ethnic group and age, deprivation quintile and
 * age. The registration rule is the evaluator's (fill_population in
 * eval.c), so a profile and a report on the same day count the same people.
 */
#include "pcn/engine.h"

#include <string.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/profile.h"
#include "util/common.h"

_Static_assert(PCN_PROFILE_ETHS == ETH_COUNT, "ethnic groups of a profile and the snapshot");

/* For each practice of the snapshot, the profile it counts into (-1: not asked for). */
static enum pcn_err slots_of(const struct pcn_snapshot *s, const char *const *practices, size_t n,
                             int32_t **ret)
{
    int32_t *slot = pcn_calloc(s->n_practices + 1, sizeof(*slot));

    if (!slot)
        return PCN_ENOMEM;
    for (size_t i = 0; i < s->n_practices; i++)
        slot[i] = -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t idx;
        if (practices[i] &&
            pcn_strmap_get(s->practice_map, practices[i], strlen(practices[i]), &idx) &&
            idx < s->n_practices)
            slot[idx] = (int32_t)i;
    }
    *ret = slot;
    return PCN_OK;
}

static void count_patient(const struct pcn_snapshot *s, uint32_t i, int32_t as_of_ymd,
                          struct pcn_profile *p)
{
    int32_t years = (as_of_ymd - s->dob_ymd[i]) / 10000;
    int age = years < 0 ? 0 : years >= PCN_PROFILE_AGES ? PCN_PROFILE_AGES - 1 : (int)years;

    p->sex_age[s->sex[i] & 3][age]++;
    p->eth_age[s->eth[i] < ETH_COUNT ? s->eth[i] : ETH_UNKNOWN][age]++;
    p->imd_age[s->imd_q[i] <= 5 ? s->imd_q[i] : 0][age]++;
}

enum pcn_err pcn_snapshot_profiles(const struct pcn_snapshot *s, int32_t as_of,
                                   const char *const *practices, size_t n, struct pcn_profile *ret)
{
    int32_t *slot = NULL;
    int32_t as_of_ymd = pcn__ymd(as_of);
    enum pcn_err rc;

    if (!s || !s->finished || (n && (!practices || !ret)) || as_of == PCN_DATE_NONE)
        return PCN_EINVAL;
    for (size_t i = 0; i < n; i++) {
        pcn_profile_init(&ret[i]);
        ret[i].date = as_of;
    }
    rc = slots_of(s, practices, n, &slot);
    if (rc != PCN_OK)
        return rc;
    for (uint32_t i = 0; i < s->n_patients; i++) {
        uint16_t pr = s->practice[i];
        int32_t k = pr == UINT16_MAX ? -1 : slot[pr];
        if (k < 0)
            continue;
        /* registered and alive on as_of, born by then: as fill_population() */
        if (!(s->reg_from[i] <= as_of && (s->reg_to[i] == PCN_DATE_NONE || s->reg_to[i] >= as_of) &&
              (s->death[i] == PCN_DATE_NONE || s->death[i] > as_of) && s->dob[i] <= as_of))
            continue;
        count_patient(s, i, as_of_ymd, &ret[k]);
        ret[k].has = PCN_PROFILE_HAS_ALL;
    }
    pcn_free(slot);
    return PCN_OK;
}
