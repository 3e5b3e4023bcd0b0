/*
 * wellbeing.c - ONS4, SWEMWBS and WEMWBS: item names and ranges,
 * validation with one-line messages, the SWEMWBS raw-to-metric table and
 * the paired-change summary (mean change, its 95% confidence interval, how
 * many improved). Invariant: a questionnaire that passed validation has
 * every item inside its range, so the scores never need to re-check.
 */
#include "pcn/wellbeing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/common.h"

/*
 * SWEMWBS metric score for raw totals 7..35 (index raw - 7). Stewart-Brown
 * et al. 2009 (HQLO 7:15), the conversion table of the SWEMWBS scoring
 * guidance; checked value by value against the published table.
 */
static const double swemwbs_metric_table[29] = {
    7.00,  9.51,  11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36,
    16.88, 17.43, 17.98, 18.59, 19.25, 19.98, 20.73, 21.54, 22.35, 23.21,
    24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00,
};

static const char *const ons4_items[PCN_ONS4_ITEMS] = {
    "life_satisfaction",
    "worthwhile",
    "happiness",
    "anxiety",
};

/* The 7 SWEMWBS items are items 1, 2, 3, 6, 7, 9 and 11 of WEMWBS. */
static const char *const swemwbs_items[PCN_SWEMWBS_ITEMS] = {
    "optimistic",       "useful",          "relaxed",  "dealing_with_problems",
    "thinking_clearly", "close_to_others", "own_mind",
};

static const char *const wemwbs_items[PCN_WEMWBS_ITEMS] = {
    "optimistic",
    "useful",
    "relaxed",
    "interested_in_others",
    "energy",
    "dealing_with_problems",
    "thinking_clearly",
    "good_about_self",
    "close_to_others",
    "confident",
    "own_mind",
    "loved",
    "interested_in_new_things",
    "cheerful",
};

struct instrument_info {
    const char *name;    /* lower-case key */
    const char *display; /* for messages */
    int n_items;
    int min, max; /* answer range of one item */
    const char *const *items;
};

static const struct instrument_info instruments[PCN_INSTRUMENT_COUNT_] = {
    [PCN_INSTRUMENT_ONS4] = {"ons4", "ONS4", PCN_ONS4_ITEMS, 0, 10, ons4_items},
    [PCN_INSTRUMENT_SWEMWBS] = {"swemwbs", "SWEMWBS", PCN_SWEMWBS_ITEMS, 1, 5, swemwbs_items},
    [PCN_INSTRUMENT_WEMWBS] = {"wemwbs", "WEMWBS", PCN_WEMWBS_ITEMS, 1, 5, wemwbs_items},
};

static const struct instrument_info *info(enum pcn_instrument in)
{
    if ((unsigned)in >= PCN_INSTRUMENT_COUNT_)
        return NULL;
    return &instruments[in];
}

const char *pcn_instrument_name(enum pcn_instrument in)
{
    const struct instrument_info *i = info(in);

    return i ? i->name : NULL;
}

enum pcn_err pcn_instrument_parse(const char *s, enum pcn_instrument *ret)
{
    for (int i = 0; i < PCN_INSTRUMENT_COUNT_; i++) {
        if (s && strcmp(s, instruments[i].name) == 0) {
            *ret = (enum pcn_instrument)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

int pcn_instrument_items(enum pcn_instrument in)
{
    const struct instrument_info *i = info(in);

    return i ? i->n_items : 0;
}

const char *pcn_instrument_item_name(enum pcn_instrument in, int item)
{
    const struct instrument_info *i = info(in);

    if (!i || item < 0 || item >= i->n_items)
        return NULL;
    return i->items[item];
}

void pcn_instrument_item_range(enum pcn_instrument in, int *ret_min, int *ret_max)
{
    const struct instrument_info *i = info(in);

    *ret_min = i ? i->min : 0;
    *ret_max = i ? i->max : 0;
}

int pcn_instrument_item_direction(enum pcn_instrument in, int item)
{
    return in == PCN_INSTRUMENT_ONS4 && item == PCN_ONS4_ANXIETY ? -1 : 1;
}

enum pcn_err pcn_instrument_validate(enum pcn_instrument in, const int *items, size_t n,
                                     struct pcn_error *reterr)
{
    const struct instrument_info *i = info(in);

    if (!i || !items)
        return pcn_error_set(reterr, PCN_EINVAL, "unknown wellbeing measure");
    if (n != (size_t)i->n_items)
        return pcn_error_set(reterr, PCN_EINVAL, "%s has %d items, %zu given", i->display,
                             i->n_items, n);
    for (int k = 0; k < i->n_items; k++) {
        /* ONS4 items are named; the scales' items are numbered as on the form. */
        char what[64];
        if (in == PCN_INSTRUMENT_ONS4)
            (void)snprintf(what, sizeof(what), "%s", i->items[k]);
        else
            (void)snprintf(what, sizeof(what), "item %d (%s)", k + 1, i->items[k]);
        if (items[k] == PCN_ITEM_MISSING)
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "%s %s is missing; all %d items are needed for a score",
                                 i->display, what, i->n_items);
        if (items[k] < i->min || items[k] > i->max)
            return pcn_error_set(reterr, PCN_EINVAL, "%s %s is %d; items are scored %d-%d",
                                 i->display, what, items[k], i->min, i->max);
    }
    return PCN_OK;
}

static int sum_items(const int *items, int n)
{
    int total = 0;

    for (int k = 0; k < n; k++)
        total += items[k];
    return total;
}

enum pcn_err pcn_swemwbs_metric(int raw, double *ret)
{
    if (raw < 7 || raw > 35)
        return PCN_EINVAL;
    *ret = swemwbs_metric_table[raw - 7];
    return PCN_OK;
}

enum pcn_err pcn_swemwbs_score(const int items[PCN_SWEMWBS_ITEMS], int *ret_raw, double *ret_metric,
                               struct pcn_error *reterr)
{
    enum pcn_err rc =
        pcn_instrument_validate(PCN_INSTRUMENT_SWEMWBS, items, PCN_SWEMWBS_ITEMS, reterr);
    if (rc != PCN_OK)
        return rc;
    int raw = sum_items(items, PCN_SWEMWBS_ITEMS);
    double metric = 0;
    rc = pcn_swemwbs_metric(raw, &metric);
    if (PCN_NEVER(rc != PCN_OK))
        return pcn_error_set(reterr, rc, "SWEMWBS raw score %d outside 7-35", raw);
    *ret_raw = raw;
    *ret_metric = metric;
    return PCN_OK;
}

enum pcn_err pcn_wemwbs_score(const int items[PCN_WEMWBS_ITEMS], int *ret_total,
                              struct pcn_error *reterr)
{
    enum pcn_err rc =
        pcn_instrument_validate(PCN_INSTRUMENT_WEMWBS, items, PCN_WEMWBS_ITEMS, reterr);
    if (rc == PCN_OK)
        *ret_total = sum_items(items, PCN_WEMWBS_ITEMS);
    return rc;
}

const char *pcn_ons4_band(enum pcn_ons4_item item, int answer)
{
    if ((unsigned)item >= PCN_ONS4_ITEMS || answer < 0 || answer > 10)
        return NULL;
    if (item == PCN_ONS4_ANXIETY) {
        if (answer <= 1)
            return "very_low";
        if (answer <= 3)
            return "low";
        return answer <= 5 ? "medium" : "high";
    }
    if (answer <= 4)
        return "low";
    if (answer <= 6)
        return "medium";
    return answer <= 8 ? "high" : "very_high";
}

double pcn_instrument_value(enum pcn_instrument in, const int *items, int item)
{
    switch (in) {
    case PCN_INSTRUMENT_ONS4:
        return item >= 0 && item < PCN_ONS4_ITEMS ? items[item] : 0.0;
    case PCN_INSTRUMENT_SWEMWBS: {
        double metric = 0;
        (void)pcn_swemwbs_metric(sum_items(items, PCN_SWEMWBS_ITEMS), &metric);
        return metric;
    }
    case PCN_INSTRUMENT_WEMWBS:
        return sum_items(items, PCN_WEMWBS_ITEMS);
    default:
        return 0.0;
    }
}

void pcn_change_add(struct pcn_change *c, double first, double last)
{
    double d = last - first;
    double improvement = d * c->direction;

    c->n++;
    c->sum_first += first;
    c->sum_last += last;
    c->sum_d += d;
    c->sum_d2 += d * d;
    if (improvement > 0)
        c->n_improved++;
    else if (improvement < 0)
        c->n_worse++;
}

void pcn_change_merge(struct pcn_change *a, const struct pcn_change *b)
{
    assert(a->direction == b->direction);
    a->n += b->n;
    a->sum_first += b->sum_first;
    a->sum_last += b->sum_last;
    a->sum_d += b->sum_d;
    a->sum_d2 += b->sum_d2;
    a->n_improved += b->n_improved;
    a->n_worse += b->n_worse;
}

/* Two-sided 95% points of Student's t for 1..30 degrees of freedom. */
static const double t95_table[30] = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

double pcn_t95(int64_t df)
{
    /* Beyond the table, interpolate in 1/df between 30, 40, 60, 120 and infinity. */
    static const double knots_df[] = {30, 40, 60, 120};
    static const double knots_t[] = {2.042, 2.021, 2.000, 1.980};

    if (df < 1)
        return NAN;
    if (df <= 30)
        return t95_table[df - 1];
    for (size_t k = 1; k < PCN_ARRAY_SIZE(knots_df); k++) {
        if (df <= knots_df[k]) {
            double x0 = 1.0 / knots_df[k - 1];
            double x1 = 1.0 / knots_df[k];
            double w = (1.0 / (double)df - x0) / (x1 - x0);
            return knots_t[k - 1] + w * (knots_t[k] - knots_t[k - 1]);
        }
    }
    double w = (1.0 / (double)df) / (1.0 / 120.0);
    return 1.960 + w * (1.980 - 1.960);
}

void pcn_change_summarise(const struct pcn_change *c, struct pcn_change_summary *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->n = c->n;
    ret->n_improved = c->n_improved;
    ret->n_worse = c->n_worse;
    ret->n_same = c->n - c->n_improved - c->n_worse;
    if (c->n == 0)
        return;
    double n = (double)c->n;
    ret->mean_first = c->sum_first / n;
    ret->mean_last = c->sum_last / n;
    ret->mean_change = c->sum_d / n;
    ret->mean_improvement = ret->mean_change * c->direction;
    if (c->n < 2)
        return;
    double var = (c->sum_d2 - c->sum_d * c->sum_d / n) / (n - 1.0);
    ret->sd_change = var > 0 ? sqrt(var) : 0.0;
    double half = pcn_t95(c->n - 1) * ret->sd_change / sqrt(n);
    ret->has_ci = 1;
    ret->ci_low = ret->mean_change - half;
    ret->ci_high = ret->mean_change + half;
}
