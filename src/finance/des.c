/*
 * des.c - the Network Contract DES income lines of a year for one
 * network: each line's parts (core funding has a registered and an
 * adjusted part) are rate x population x months covered / 12, rounded to
 * the penny per part; IIF is points x value x (the network's list / the
 * mean list); achievement lines without an achievement show the full
 * amount, flagged. Each line carries its payment schedule by month, split
 * so that the months add up to the line exactly.
 */
#include "pcn/finance.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/money.h"
#include "util/common.h"

void pcn_income_free(struct pcn_income *inc)
{
    if (!inc)
        return;
    pcn_free(inc->lines);
    pcn_free(inc);
}

/* Append printf text to a line's basis description (truncating). */
static void describe(struct pcn_income_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void describe(struct pcn_income_line *l, const char *fmt, ...)
{
    size_t used = strlen(l->basis);
    va_list ap;

    if (used + 1 >= sizeof(l->basis))
        return;
    va_start(ap, fmt);
    (void)vsnprintf(l->basis + used, sizeof(l->basis) - used, fmt, ap);
    va_end(ap);
}

/* Months of the year a part covers (a month counts when the part covers its first day). */
static int part_months(const struct pcn_contract *c, const struct pcn_line_part *p, bool *covers)
{
    int n = 0;

    for (int m = 0; m < PCN__MONTHS; m++) {
        int32_t d = pcn__month_start(pcn_contract_from(c), m);
        covers[m] = covers[m] || (d >= p->from && d <= p->to);
        n += d >= p->from && d <= p->to;
    }
    return n;
}

/* The population a part multiplies; 0 with *known false when there is none. */
static int64_t part_units(const struct pcn_line_part *p, const struct pcn_network_inputs *in,
                          struct pcn_income_line *l, bool *known)
{
    *known = true;
    switch (p->basis) {
    case PCN_BASIS_REGISTERED:
        return in->registered;
    case PCN_BASIS_ADJUSTED:
        l->is_estimate |= in->adjusted <= 0;
        return in->adjusted > 0 ? in->adjusted : in->registered;
    case PCN_BASIS_WEIGHTED:
        l->is_estimate |= in->weighted <= 0;
        return in->weighted > 0 ? in->weighted : in->registered;
    case PCN_BASIS_BEDS:
        *known = in->beds >= 0;
        return in->beds;
    case PCN_BASIS_POINTS:
        *known = in->iif_points >= 0;
        return in->iif_points;
    case PCN_BASIS_INCLUDED:
        break;
    }
    *known = false;
    return 0;
}

/* The IIF points available in the year (the "iif" limit), or -1. */
static int64_t iif_max_points(const struct pcn_contract *c)
{
    for (size_t i = 0; i < pcn_contract_n_limits(c); i++) {
        if (strcmp(pcn_contract_limit(c, i)->what, "iif") == 0)
            return pcn_contract_limit(c, i)->max;
    }
    return -1;
}

/* IIF: points x value x list-size adjustment (no prevalence adjustment: an estimate). */
static enum pcn_err iif_amount(const struct pcn_contract *c, const struct pcn_line_part *p,
                               const struct pcn_network_inputs *in, struct pcn_income_line *l,
                               int64_t *ret)
{
    int64_t points = in->iif_points;
    int64_t value;
    char rate[PCN_MONEY_STR_SIZE];

    if (points < 0) {
        points = iif_max_points(c);
        if (points < 0)
            return PCN_ENOTFOUND;
        l->is_assumed = 1;
    }
    l->is_estimate = 1;
    if (__builtin_mul_overflow(p->rate, points, &value))
        return PCN_ELIMIT;
    pcn_rate_format(p->rate, rate);
    describe(l, "%s x %lld points", rate, (long long)points);
    if (in->national_mean_list <= 0)
        return pcn_muldiv(value, 1, PCN_RATE_PER_PENNY, ret);
    describe(l, " x %lld / %lld (list / mean list)", (long long)in->registered,
             (long long)in->national_mean_list);
    return pcn_muldiv(value, in->registered, in->national_mean_list * PCN_RATE_PER_PENNY, ret);
}

/* The allocation given for a line, or -1. */
static int64_t allocation_of(const struct pcn_network_inputs *in, const char *key)
{
    for (size_t i = 0; i < in->n_allocations; i++) {
        if (strcmp(in->allocations[i].line, key) == 0)
            return in->allocations[i].pence;
    }
    return -1;
}

/* Add part p to line l. */
static enum pcn_err add_part(const struct pcn_contract *c, const struct pcn_line_part *p,
                             const struct pcn_network_inputs *in, struct pcn_income_line *l,
                             bool *covers)
{
    char rate[PCN_MONEY_STR_SIZE];
    int months = part_months(c, p, covers);
    bool known;
    int64_t units = part_units(p, in, l, &known);
    int64_t yearly = 0;
    int64_t amount;
    enum pcn_err rc;

    if (l->basis[0])
        describe(l, " + ");
    if (p->status == PCN_RATE_UNKNOWN) {
        l->is_known = 0;
        describe(l, "rate unknown");
        return PCN_OK;
    }
    if (p->basis == PCN_BASIS_POINTS) {
        rc = iif_amount(c, p, in, l, &yearly);
        if (rc == PCN_ENOTFOUND) {
            l->is_known = 0;
            return PCN_OK;
        }
    } else {
        pcn_rate_format(p->rate, rate);
        if (!known) {
            l->is_known = 0;
            describe(l, "%s x %s (unknown)", rate, pcn_basis_name(p->basis));
            return PCN_OK;
        }
        describe(l, "%s x %lld %s", rate, (long long)units, pcn_basis_name(p->basis));
        rc = pcn_muldiv(p->rate, units, PCN_RATE_PER_PENNY, &yearly);
    }
    if (rc == PCN_OK)
        rc = pcn_muldiv(yearly, months, PCN__MONTHS, &amount);
    if (rc == PCN_OK && p->paid == PCN_PAID_ACHIEVEMENT && p->basis != PCN_BASIS_POINTS) {
        if (in->caip_percent >= 0) {
            describe(l, " x %lld%% achieved", (long long)in->caip_percent);
            rc = pcn_muldiv(amount, in->caip_percent, 100, &amount);
        } else {
            l->is_assumed = 1;
        }
    }
    if (rc == PCN_OK && months < PCN__MONTHS)
        describe(l, " x %d/12 months", months);
    if (rc == PCN_OK)
        l->amount += amount;
    return rc;
}

/* Fill line l from every part of c with its key. */
static enum pcn_err make_line(const struct pcn_contract *c, size_t first,
                              const struct pcn_network_inputs *in, struct pcn_income_line *l)
{
    const struct pcn_line_part *p0 = pcn_contract_part(c, first);
    bool covers[PCN__MONTHS] = {false};
    int64_t given = allocation_of(in, p0->key);
    int64_t weights[PCN__MONTHS];
    enum pcn_err rc = PCN_OK;

    l->key = p0->key;
    l->name = p0->name;
    l->paid = p0->paid;
    l->part_of = "";
    l->is_known = 1;
    if (p0->basis == PCN_BASIS_INCLUDED) {
        l->part_of = p0->part_of;
        describe(l, "included in %s", p0->part_of);
        return PCN_OK;
    }
    for (size_t i = first; i < pcn_contract_n_parts(c) && rc == PCN_OK; i++) {
        const struct pcn_line_part *p = pcn_contract_part(c, i);
        if (strcmp(p->key, p0->key) == 0)
            rc = add_part(c, p, in, l, covers);
    }
    if (rc == PCN_OK && given >= 0) {
        char v[PCN_MONEY_STR_SIZE];
        pcn_pence_format(given, v);
        l->basis[0] = '\0';
        describe(l, "allocation of %s given", v);
        l->amount = given;
        l->is_known = 1;
        l->is_estimate = 0;
    }
    if (rc == PCN_OK && l->is_estimate && p0->basis != PCN_BASIS_POINTS)
        describe(l, " (estimate: registered list for want of the population)");
    if (rc != PCN_OK || !l->is_known) {
        l->amount = 0;
        return rc;
    }
    for (int m = 0; m < PCN__MONTHS; m++)
        weights[m] = covers[m];
    return pcn_apportion(l->amount, weights, PCN__MONTHS, l->month);
}

enum pcn_err pcn_des_income(const struct pcn_contract *year, const struct pcn_network_inputs *in,
                            struct pcn_income **ret)
{
    struct pcn_income *inc;
    size_t n = pcn_contract_n_parts(year);
    enum pcn_err rc = PCN_OK;

    if (in->registered <= 0)
        return PCN_EINVAL;
    inc = pcn_calloc(1, sizeof(*inc));
    if (!inc)
        return PCN_ENOMEM;
    inc->year = year;
    inc->lines = pcn_calloc(n ? n : 1, sizeof(*inc->lines));
    if (!inc->lines)
        rc = PCN_ENOMEM;
    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        struct pcn_income_line *l = &inc->lines[inc->n_lines];
        if (pcn_contract_find_line(year, pcn_contract_part(year, i)->key) != (int)i)
            continue; /* a later part of a line already made */
        rc = make_line(year, i, in, l);
        inc->n_lines++;
        if (rc != PCN_OK || !l->is_known || l->paid == PCN_PAID_CLAIMS)
            continue;
        inc->total += l->amount;
        if (l->paid == PCN_PAID_MONTHLY)
            inc->total_assured += l->amount;
    }
    if (rc != PCN_OK) {
        pcn_income_free(inc);
        return rc;
    }
    *ret = inc;
    return PCN_OK;
}
