/*
 * profile.c - a registered population's make-up (pcn/profile.h): the
 * published five-year list size bands spread over their single years, sums
 * of profiles, and counts over a range of ages.
 */
#include "pcn/profile.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/record.h"
#include "util/common.h"

void pcn_profile_init(struct pcn_profile *p)
{
    memset(p, 0, sizeof(*p));
    p->date = PCN_DATE_NONE;
}

enum pcn_err pcn_profile_add_band(struct pcn_profile *p, char sex, int age_from, int64_t patients)
{
    int row = sex == 'M' ? PCN_SEX_MALE : sex == 'F' ? PCN_SEX_FEMALE : -1;
    int64_t each, extra;

    if (row < 0 || age_from < 0 || age_from > 95 || age_from % 5 != 0 || patients < 0)
        return PCN_EINVAL;
    each = patients / 5;
    extra = patients % 5;
    for (int i = 0; i < 5; i++)
        p->sex_age[row][age_from + i] += each + (i < extra);
    p->has |= PCN_PROFILE_HAS_SEX_AGE;
    return PCN_OK;
}

static void add_rows(int64_t (*dst)[PCN_PROFILE_AGES], const int64_t (*src)[PCN_PROFILE_AGES],
                     int rows)
{
    for (int r = 0; r < rows; r++) {
        for (int a = 0; a < PCN_PROFILE_AGES; a++)
            dst[r][a] += src[r][a];
    }
}

void pcn_profile_add(struct pcn_profile *dst, const struct pcn_profile *src)
{
    add_rows(dst->sex_age, src->sex_age, PCN_PROFILE_SEXES);
    add_rows(dst->eth_age, src->eth_age, PCN_PROFILE_ETHS);
    add_rows(dst->imd_age, src->imd_age, PCN_PROFILE_IMDS);
    dst->has &= src->has;
    if (dst->date == PCN_DATE_NONE)
        dst->date = src->date;
}

int64_t pcn_profile_sum(const int64_t *ages, int from, int to)
{
    int64_t n = 0;

    from = PCN_MAX(from, 0);
    to = PCN_MIN(to, PCN_PROFILE_AGES - 1);
    for (int a = from; a <= to; a++)
        n += ages[a];
    return n;
}
