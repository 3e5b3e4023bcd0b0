/*
 * report.c - social prescribing figures over plain arrays: paired outcome
 * change (overall, per asset category, per person), caseloads per link
 * worker, referral rates against the population with Wilson intervals,
 * demand against supply per asset category, and coverage per LSOA.
 * Invariant: inputs are only read; every output array is the caller's.
 */
#include "pcn/sp_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

#define USEC_PER_DAY INT64_C(86400000000)

static const char *const measure_names[PCN_SP_M_COUNT_] = {
    "ons4_life_satisfaction", "ons4_worthwhile", "ons4_happiness",
    "ons4_anxiety",           "swemwbs_metric",  "wemwbs",
};

const char *pcn_sp_measure_kind_name(enum pcn_sp_measure_kind k)
{
    return (unsigned)k < PCN_SP_M_COUNT_ ? measure_names[k] : NULL;
}

int pcn_sp_measure_kind_direction(enum pcn_sp_measure_kind k)
{
    return k == PCN_SP_M_ANXIETY ? -1 : 1;
}

int64_t pcn_sp_days_between(pcn_usec_t since, pcn_usec_t now)
{
    return now > since ? (now - since) / USEC_PER_DAY : 0;
}

/* ---- outcomes ---- */

static int cmp_measure(const void *pa, const void *pb)
{
    const struct pcn_sp_measure *a = *(const struct pcn_sp_measure *const *)pa;
    const struct pcn_sp_measure *b = *(const struct pcn_sp_measure *const *)pb;

    if (a->referral_id != b->referral_id)
        return a->referral_id < b->referral_id ? -1 : 1;
    if (a->instrument != b->instrument)
        return a->instrument < b->instrument ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

/* The measures one instrument gives: ONS4 its four items, the scales one each. */
static size_t measures_of(enum pcn_instrument in, enum pcn_sp_measure_kind out[4])
{
    switch (in) {
    case PCN_INSTRUMENT_ONS4:
        for (int i = 0; i < 4; i++)
            out[i] = (enum pcn_sp_measure_kind)(PCN_SP_M_LIFE_SATISFACTION + i);
        return 4;
    case PCN_INSTRUMENT_SWEMWBS:
        out[0] = PCN_SP_M_SWEMWBS;
        return 1;
    case PCN_INSTRUMENT_WEMWBS:
        out[0] = PCN_SP_M_WEMWBS;
        return 1;
    default:
        return 0;
    }
}

static double value_of(const struct pcn_sp_measure *m, enum pcn_sp_measure_kind k)
{
    int item = k <= PCN_SP_M_ANXIETY ? (int)k : 0;

    return pcn_instrument_value(m->instrument, m->items, item);
}

/* Record one referral's first and last of one instrument into o. */
static enum pcn_err add_run(struct pcn_sp_outcomes *o, const struct pcn_sp_case *c,
                            const struct pcn_sp_measure *first, const struct pcn_sp_measure *last,
                            int want_pairs, size_t *alloc)
{
    enum pcn_sp_measure_kind ks[4];
    size_t nk = measures_of(first->instrument, ks);

    for (size_t i = 0; i < nk; i++) {
        enum pcn_sp_measure_kind k = ks[i];
        if (first == last) {
            o->baseline_only[k]++;
            continue;
        }
        double a = value_of(first, k), b = value_of(last, k);
        pcn_change_add(&o->overall[k], a, b);
        for (int cat = 0; cat < PCN_ASSET_CATEGORY_COUNT_; cat++) {
            if (c->connected & (1u << cat))
                pcn_change_add(&o->by_category[cat][k], a, b);
        }
        if (!want_pairs)
            continue;
        if (PCN_GROW(o->pairs, o->n_pairs + 1, *alloc) != PCN_OK)
            return PCN_ENOMEM;
        o->pairs[o->n_pairs++] = (struct pcn_sp_outcome_pair){
            c->id, c->patient_id, k, a, b, first->at, last->at,
        };
    }
    return PCN_OK;
}

static void outcomes_init(struct pcn_sp_outcomes *o)
{
    memset(o, 0, sizeof(*o));
    for (int k = 0; k < PCN_SP_M_COUNT_; k++) {
        int dir = pcn_sp_measure_kind_direction((enum pcn_sp_measure_kind)k);
        o->overall[k] = (struct pcn_change)PCN_CHANGE_INIT(dir);
        for (int cat = 0; cat < PCN_ASSET_CATEGORY_COUNT_; cat++)
            o->by_category[cat][k] = (struct pcn_change)PCN_CHANGE_INIT(dir);
    }
}

static enum pcn_err index_cases(const struct pcn_sp_case *cases, size_t n, struct pcn_strmap **ret)
{
    struct pcn_strmap *m = pcn_strmap_new();
    char key[24];

    if (!m)
        return PCN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(key, sizeof(key), "%lld", (long long)cases[i].id);
        if (pcn_strmap_put(m, key, (size_t)len, i) != PCN_OK) {
            pcn_strmap_free(m);
            return PCN_ENOMEM;
        }
    }
    *ret = m;
    return PCN_OK;
}

static const struct pcn_sp_case *find_case(const struct pcn_strmap *m,
                                           const struct pcn_sp_case *cases, int64_t id)
{
    char key[24];
    int len = snprintf(key, sizeof(key), "%lld", (long long)id);
    uint64_t at = 0;

    return pcn_strmap_get(m, key, (size_t)len, &at) ? &cases[at] : NULL;
}

enum pcn_err pcn_sp_outcomes_compute(const struct pcn_sp_case *cases, size_t n_cases,
                                     const struct pcn_sp_measure *m, size_t n_m, int want_pairs,
                                     struct pcn_sp_outcomes *ret)
{
    const struct pcn_sp_measure **order = NULL;
    struct pcn_strmap *by_id = NULL;
    size_t alloc = 0;
    enum pcn_err rc;

    outcomes_init(ret);
    rc = index_cases(cases, n_cases, &by_id);
    if (rc != PCN_OK)
        goto out;
    order = pcn_calloc(n_m ? n_m : 1, sizeof(const struct pcn_sp_measure *));
    if (!order) {
        rc = PCN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_m; i++)
        order[i] = &m[i];
    if (n_m > 1)
        qsort(order, n_m, sizeof(const struct pcn_sp_measure *), cmp_measure);
    int64_t last_referral = 0;
    for (size_t i = 0; i < n_m;) {
        /* one run: a referral's measurements of one instrument, in time order */
        size_t j = i + 1;
        while (j < n_m && order[j]->referral_id == order[i]->referral_id &&
               order[j]->instrument == order[i]->instrument)
            j++;
        const struct pcn_sp_case *c = find_case(by_id, cases, order[i]->referral_id);
        if (c) {
            if (c->id != last_referral)
                ret->referrals_measured++;
            last_referral = c->id;
            const struct pcn_sp_measure *last = order[j - 1];
            /* measurements at the first one's instant are that one again */
            if (last->at == order[i]->at)
                last = order[i];
            rc = add_run(ret, c, order[i], last, want_pairs, &alloc);
            if (rc != PCN_OK)
                goto out;
        }
        i = j;
    }
out:
    pcn_free(order);
    pcn_strmap_free(by_id);
    if (rc != PCN_OK)
        pcn_sp_outcomes_release(ret);
    return rc;
}

void pcn_sp_outcomes_release(struct pcn_sp_outcomes *o)
{
    if (!o)
        return;
    PCN_FREE_AND_NULL(o->pairs);
    o->n_pairs = 0;
}

/* ---- caseloads ---- */

static const char *worker_of(const struct pcn_sp_case *c)
{
    return c->link_worker ? c->link_worker : "";
}

static int cmp_by_worker(const void *pa, const void *pb)
{
    const struct pcn_sp_case *a = *(const struct pcn_sp_case *const *)pa;
    const struct pcn_sp_case *b = *(const struct pcn_sp_case *const *)pb;

    return strcmp(worker_of(a), worker_of(b));
}

/* Add one case to its worker's row. */
static void caseload_add(struct pcn_sp_caseload *row, const struct pcn_sp_case *c, pcn_usec_t now,
                         pcn_usec_t year_ago, double *sum_days)
{
    if (c->received_at >= year_ago && c->received_at <= now)
        row->new_12_months++;
    if (c->ended_at && c->ended_at >= year_ago && c->ended_at <= now)
        row->ended_12_months++;
    if (!pcn_referral_state_is_open(c->state))
        return;
    row->open++;
    if (!c->first_contact_at)
        row->waiting_first_contact++;
    pcn_usec_t since = c->last_contact_at ? c->last_contact_at : c->received_at;
    int64_t days = pcn_sp_days_between(since, now);
    if (days >= 28)
        row->no_contact_28_days++;
    if (days > row->max_days_since_contact)
        row->max_days_since_contact = days;
    *sum_days += (double)days;
}

enum pcn_err pcn_sp_caseloads(const struct pcn_sp_case *cases, size_t n, pcn_usec_t now,
                              struct pcn_sp_caseload **ret, size_t *ret_n)
{
    const struct pcn_sp_case **order = pcn_calloc(n ? n : 1, sizeof(const struct pcn_sp_case *));
    struct pcn_sp_caseload *rows = NULL;
    size_t n_rows = 0, alloc = 0;
    int32_t today = (int32_t)(now / USEC_PER_DAY);
    int32_t year_ago_day = pcn_date_add_months(today, -12);
    pcn_usec_t year_ago = (pcn_usec_t)year_ago_day * USEC_PER_DAY;

    if (!order)
        return PCN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &cases[i];
    if (n > 1)
        qsort(order, n, sizeof(const struct pcn_sp_case *), cmp_by_worker);
    double sum_days = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(worker_of(order[i]), worker_of(order[i - 1])) != 0) {
            if (n_rows && rows[n_rows - 1].open)
                rows[n_rows - 1].mean_days_since_contact = sum_days / (double)rows[n_rows - 1].open;
            if (PCN_GROW(rows, n_rows + 1, alloc) != PCN_OK) {
                pcn_free(rows);
                pcn_free(order);
                return PCN_ENOMEM;
            }
            memset(&rows[n_rows], 0, sizeof(rows[n_rows]));
            rows[n_rows++].link_worker = worker_of(order[i]);
            sum_days = 0;
        }
        caseload_add(&rows[n_rows - 1], order[i], now, year_ago, &sum_days);
    }
    if (n_rows && rows[n_rows - 1].open)
        rows[n_rows - 1].mean_days_since_contact = sum_days / (double)rows[n_rows - 1].open;
    pcn_free(order);
    *ret = rows;
    *ret_n = n_rows;
    return PCN_OK;
}

/* ---- referral rates ---- */

static const char *const dimension_names[PCN_SP_DIMENSION_COUNT_] = {
    "practice", "age", "sex", "imd_quintile", "ethnicity",
};

const char *pcn_sp_dimension_name(enum pcn_sp_dimension d)
{
    return (unsigned)d < PCN_SP_DIMENSION_COUNT_ ? dimension_names[d] : NULL;
}

const char *pcn_sp_ethnic_group(const char *code)
{
    /* NHS ethnic category codes (the 2001 census categories) into their broad groups */
    static const char *const groups[] = {"White", "Mixed", "Asian", "Black", "Other"};
    static const char *const letters[] = {"ABC", "DEFG", "HJKL", "MNP", "RS"};

    if (code && code[0] && !code[1]) {
        for (size_t g = 0; g < PCN_ARRAY_SIZE(groups); g++) {
            if (strchr(letters[g], code[0]))
                return groups[g];
        }
    }
    return "Not known";
}

static const char *const age_groups[] = {"0-17", "18-39", "40-64", "65-79", "80+"};
static const char *const sex_groups[] = {"F", "M", "other/unknown"};
static const char *const imd_groups[] = {"1", "2", "3", "4", "5", "unknown"};
static const char *const eth_groups[] = {"White", "Mixed", "Asian", "Black", "Other", "Not known"};

static const char *age_group(int age)
{
    if (age < 18)
        return age_groups[0];
    if (age < 40)
        return age_groups[1];
    if (age < 65)
        return age_groups[2];
    return age < 80 ? age_groups[3] : age_groups[4];
}

static const char *group_of(const struct pcn_sp_person *p, enum pcn_sp_dimension d)
{
    switch (d) {
    case PCN_SP_BY_PRACTICE:
        return p->practice && *p->practice ? p->practice : "unknown";
    case PCN_SP_BY_AGE:
        return age_group(p->age);
    case PCN_SP_BY_SEX:
        return p->sex == 'F' ? sex_groups[0] : p->sex == 'M' ? sex_groups[1] : sex_groups[2];
    case PCN_SP_BY_IMD:
        return p->imd_decile >= 1 && p->imd_decile <= 10 ? imd_groups[(p->imd_decile - 1) / 2]
                                                         : imd_groups[5];
    case PCN_SP_BY_ETHNICITY:
        return pcn_sp_ethnic_group(p->ethnicity);
    default:
        return "";
    }
}

/* Fill the rate, its Wilson interval and the ratio to the overall rate (per 1,000). */
static void finish_rate(struct pcn_sp_rate *r, double overall)
{
    const double z = 1.959964;
    double n = (double)r->population;

    if (n <= 0)
        return;
    double p = (double)r->referred / n;
    double denom = 1 + z * z / n;
    double centre = (p + z * z / (2 * n)) / denom;
    double half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom;
    r->per_1000 = 1000.0 * p;
    r->ci_low = 1000.0 * (centre - half > 0 ? centre - half : 0);
    r->ci_high = 1000.0 * (centre + half);
    r->ratio = overall > 0 ? r->per_1000 / overall : 0;
}

/* The fixed groups of every dimension but practice, in their order. */
static const struct {
    enum pcn_sp_dimension d;
    const char *const *groups;
    size_t n;
} fixed_dims[] = {
    {PCN_SP_BY_AGE, age_groups, PCN_ARRAY_SIZE(age_groups)},
    {PCN_SP_BY_SEX, sex_groups, PCN_ARRAY_SIZE(sex_groups)},
    {PCN_SP_BY_IMD, imd_groups, PCN_ARRAY_SIZE(imd_groups)},
    {PCN_SP_BY_ETHNICITY, eth_groups, PCN_ARRAY_SIZE(eth_groups)},
};

#define N_FIXED_ROWS 20 /* 5 ages + 3 sexes + 6 quintiles + 6 ethnic groups */

/* Index of p's group of fixed dimension f among the fixed rows. */
static size_t fixed_row(const struct pcn_sp_person *p, size_t f)
{
    size_t base = 0;

    for (size_t k = 0; k < f; k++)
        base += fixed_dims[k].n;
    const char *g = group_of(p, fixed_dims[f].d);
    for (size_t i = 0; i < fixed_dims[f].n; i++) {
        if (strcmp(g, fixed_dims[f].groups[i]) == 0)
            return base + i;
    }
    return base + fixed_dims[f].n - 1; /* cannot happen: group_of returns a table entry */
}

static void init_row(struct pcn_sp_rate *r, enum pcn_sp_dimension d, const char *group)
{
    memset(r, 0, sizeof(*r));
    r->dimension = d;
    (void)snprintf(r->group, sizeof(r->group), "%s", group);
}

static int cmp_practice_rate(const void *pa, const void *pb)
{
    return strcmp(((const struct pcn_sp_rate *)pa)->group, ((const struct pcn_sp_rate *)pb)->group);
}

/* Count each person into their practice's row (rows found through index). */
static enum pcn_err count_practices(const struct pcn_sp_person *p, size_t n,
                                    struct pcn_sp_rate **rows, size_t *n_rows)
{
    struct pcn_strmap *index = pcn_strmap_new();
    size_t alloc = 0;

    if (!index)
        return PCN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *g = group_of(&p[i], PCN_SP_BY_PRACTICE);
        uint64_t at = 0;
        if (!pcn_strmap_get(index, g, strlen(g), &at)) {
            if (PCN_GROW(*rows, *n_rows + 1, alloc) != PCN_OK ||
                pcn_strmap_put(index, g, strlen(g), *n_rows) != PCN_OK) {
                pcn_strmap_free(index);
                return PCN_ENOMEM;
            }
            at = (*n_rows)++;
            init_row(&(*rows)[at], PCN_SP_BY_PRACTICE, g);
        }
        (*rows)[at].population++;
        (*rows)[at].referred += p[i].referred ? 1 : 0;
    }
    pcn_strmap_free(index);
    if (*n_rows > 1)
        qsort(*rows, *n_rows, sizeof(**rows), cmp_practice_rate);
    return PCN_OK;
}

enum pcn_err pcn_sp_referral_rates(const struct pcn_sp_person *p, size_t n,
                                   struct pcn_sp_rate **ret, size_t *ret_n)
{
    struct pcn_sp_rate fixed[N_FIXED_ROWS], all;
    struct pcn_sp_rate *practices = NULL;
    size_t n_practices = 0, k = 0;

    init_row(&all, PCN_SP_DIMENSION_COUNT_, "all");
    for (size_t f = 0; f < PCN_ARRAY_SIZE(fixed_dims); f++) {
        for (size_t i = 0; i < fixed_dims[f].n; i++)
            init_row(&fixed[k++], fixed_dims[f].d, fixed_dims[f].groups[i]);
    }
    for (size_t i = 0; i < n; i++) {
        int referred = p[i].referred ? 1 : 0;
        all.population++;
        all.referred += referred;
        for (size_t f = 0; f < PCN_ARRAY_SIZE(fixed_dims); f++) {
            struct pcn_sp_rate *r = &fixed[fixed_row(&p[i], f)];
            r->population++;
            r->referred += referred;
        }
    }
    enum pcn_err rc = count_practices(p, n, &practices, &n_practices);
    struct pcn_sp_rate *rows =
        rc == PCN_OK ? pcn_calloc(1 + n_practices + N_FIXED_ROWS, sizeof(*rows)) : NULL;
    if (!rows) {
        pcn_free(practices);
        return PCN_ENOMEM;
    }
    finish_rate(&all, 0);
    all.ratio = all.population > 0 ? 1.0 : 0; /* the whole population against itself */
    rows[0] = all;
    for (size_t i = 0; i < n_practices; i++)
        rows[1 + i] = practices[i];
    for (size_t i = 0; i < N_FIXED_ROWS; i++)
        rows[1 + n_practices + i] = fixed[i];
    for (size_t i = 1; i < 1 + n_practices + N_FIXED_ROWS; i++)
        finish_rate(&rows[i], all.per_1000);
    pcn_free(practices);
    *ret = rows;
    *ret_n = 1 + n_practices + N_FIXED_ROWS;
    return PCN_OK;
}

/* ---- demand and supply ---- */

static bool in_period(const struct pcn_sp_case *c, pcn_usec_t from, pcn_usec_t to)
{
    return c->received_at >= from && c->received_at < to;
}

static int cmp_gap(const void *pa, const void *pb)
{
    const struct pcn_sp_category_gap *a = pa, *b = pb;
    bool a_none = a->assets == 0 && a->asked > 0;
    bool b_none = b->assets == 0 && b->asked > 0;

    if (a_none != b_none)
        return a_none ? -1 : 1;
    if (a->asked_per_asset != b->asked_per_asset)
        return a->asked_per_asset > b->asked_per_asset ? -1 : 1;
    return (a->category > b->category) - (a->category < b->category);
}

/*
 * Count LSOAs with an asset of each category: the map holds, per LSOA, the
 * categories already counted there.
 */
static enum pcn_err count_lsoas(const struct pcn_directory *d,
                                struct pcn_sp_category_gap ret[PCN_ASSET_CATEGORY_COUNT_])
{
    struct pcn_strmap *seen = pcn_strmap_new();
    size_t n = pcn_directory_count(d);

    if (!seen)
        return PCN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        uint64_t mask = 0;
        if (!a->active || !a->lsoa[0])
            continue;
        (void)pcn_strmap_get(seen, a->lsoa, strlen(a->lsoa), &mask);
        for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
            if ((a->categories & (1u << c)) && !(mask & (1u << c)))
                ret[c].lsoas_with_asset++;
        }
        if (pcn_strmap_put(seen, a->lsoa, strlen(a->lsoa), mask | a->categories) != PCN_OK) {
            pcn_strmap_free(seen);
            return PCN_ENOMEM;
        }
    }
    pcn_strmap_free(seen);
    return PCN_OK;
}

enum pcn_err pcn_sp_category_gaps(const struct pcn_sp_case *cases, size_t n, pcn_usec_t from,
                                  pcn_usec_t to, const struct pcn_directory *d, int32_t as_of,
                                  struct pcn_sp_category_gap ret[PCN_ASSET_CATEGORY_COUNT_])
{
    memset(ret, 0, sizeof(*ret) * PCN_ASSET_CATEGORY_COUNT_);
    for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++)
        ret[c].category = (enum pcn_asset_category)c;
    for (size_t i = 0; i < n; i++) {
        if (!in_period(&cases[i], from, to))
            continue;
        for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
            ret[c].asked += (cases[i].needs >> c) & 1u;
            ret[c].connected += (cases[i].connected >> c) & 1u;
        }
    }
    size_t na = d ? pcn_directory_count(d) : 0;
    for (size_t i = 0; i < na; i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        if (!a->active)
            continue;
        int stale = pcn_asset_is_stale(a, as_of);
        int64_t places =
            a->capacity >= 0 ? (int64_t)a->capacity * (int64_t)PCN_MAX(a->n_sessions, 1) : 0;
        for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
            if (!(a->categories & (1u << c)))
                continue;
            ret[c].assets++;
            ret[c].stale_assets += stale;
            ret[c].places += places;
        }
    }
    if (d && count_lsoas(d, ret) != PCN_OK)
        return PCN_ENOMEM;
    for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++)
        ret[c].asked_per_asset =
            ret[c].assets ? (double)ret[c].asked / (double)ret[c].assets : (double)ret[c].asked;
    qsort(ret, PCN_ASSET_CATEGORY_COUNT_, sizeof(*ret), cmp_gap);
    return PCN_OK;
}

/* ---- coverage by LSOA ---- */

static struct pcn_sp_lsoa_coverage *lsoa_row(struct pcn_sp_lsoa_coverage **rows, size_t *n,
                                             size_t *alloc, struct pcn_strmap *index,
                                             const char *lsoa)
{
    uint64_t at = 0;

    if (pcn_strmap_get(index, lsoa, strlen(lsoa), &at))
        return &(*rows)[at];
    if (PCN_GROW(*rows, *n + 1, *alloc) != PCN_OK ||
        pcn_strmap_put(index, lsoa, strlen(lsoa), *n) != PCN_OK)
        return NULL;
    struct pcn_sp_lsoa_coverage *r = &(*rows)[(*n)++];
    memset(r, 0, sizeof(*r));
    (void)snprintf(r->lsoa, sizeof(r->lsoa), "%s", lsoa);
    return r;
}

static int cmp_lsoa(const void *pa, const void *pb)
{
    return strcmp(((const struct pcn_sp_lsoa_coverage *)pa)->lsoa,
                  ((const struct pcn_sp_lsoa_coverage *)pb)->lsoa);
}

enum pcn_err pcn_sp_lsoa_coverage(const struct pcn_sp_case *cases, size_t n, pcn_usec_t from,
                                  pcn_usec_t to, const struct pcn_directory *d,
                                  struct pcn_sp_lsoa_coverage **ret, size_t *ret_n)
{
    struct pcn_sp_lsoa_coverage *rows = NULL;
    size_t n_rows = 0, alloc = 0;
    struct pcn_strmap *index = pcn_strmap_new();
    enum pcn_err rc = index ? PCN_OK : PCN_ENOMEM;

    for (size_t i = 0; rc == PCN_OK && i < n; i++) {
        if (!in_period(&cases[i], from, to) || !cases[i].lsoa || !cases[i].lsoa[0])
            continue;
        struct pcn_sp_lsoa_coverage *r = lsoa_row(&rows, &n_rows, &alloc, index, cases[i].lsoa);
        if (!r) {
            rc = PCN_ENOMEM;
            break;
        }
        r->referrals++;
        for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++)
            r->needs[c] += (cases[i].needs >> c) & 1u;
    }
    size_t na = d ? pcn_directory_count(d) : 0;
    for (size_t i = 0; rc == PCN_OK && i < na; i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        if (!a->active || !a->lsoa[0])
            continue;
        struct pcn_sp_lsoa_coverage *r = lsoa_row(&rows, &n_rows, &alloc, index, a->lsoa);
        if (!r) {
            rc = PCN_ENOMEM;
            break;
        }
        r->assets++;
        r->categories |= a->categories;
    }
    pcn_strmap_free(index);
    if (rc != PCN_OK) {
        pcn_free(rows);
        return rc;
    }
    for (size_t i = 0; i < n_rows; i++) {
        for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
            if (rows[i].needs[c] && !(rows[i].categories & (1u << c)))
                rows[i].unmet |= 1u << c;
        }
    }
    if (n_rows > 1)
        qsort(rows, n_rows, sizeof(*rows), cmp_lsoa);
    *ret = rows;
    *ret_n = n_rows;
    return PCN_OK;
}
