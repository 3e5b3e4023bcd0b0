/*
 * ppg_repr.c - how well each patient participation group represents the
 * registered population it serves (docs/engagement.md): the current
 * members' make-up by age band, sex, ethnic group and deprivation
 * quintile, the registered adults' make-up from the best source for each
 * dimension, a dissimilarity index per dimension (100 x (1 - half the sum
 * of the absolute differences in shares)) and their mean, and the index
 * over time as members joined and left (against today's population). The
 * whole network is read in a few store calls: groups, members,
 * memberships, and each practice's list size bands.
 */
#include "pcn/ppg_ops.h"
#include "ppg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/record.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "util/common.h"

#define ADULT 18
#define TREND_POINTS_MAX 240

/* What the computation needs of a member. */
struct fact {
    int64_t group_id;
    int age, sex, eth, quintile;
    int32_t joined, left;
};

/* The practices whose populations are read, with their profiles. */
struct practice_pop {
    char code[8];
    bool in_network; /* a member of the network on as_of */
    bool has_bands;
    int32_t band_date;
    struct pcn_profile bands;   /* from the list size bands */
    struct pcn_profile records; /* from patient records (has 0 when not known) */
};

struct repr_work {
    struct pcn_store *s;
    const struct pcn_ppg_repr_opts *o;
    struct pcn_ppg_repr *r;
    struct fact *facts;
    size_t n_facts, alloc_facts;
    struct practice_pop *pops;
    size_t n_pops, alloc_pops;
    enum pcn_err rc;
};

void pcn_ppg_repr_free(struct pcn_ppg_repr *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_groups; i++) {
        pcn_free(r->groups[i].gaps);
        pcn_free(r->groups[i].notes);
        pcn_free(r->groups[i].trend);
    }
    pcn_free(r->groups);
    pcn_free(r);
}

size_t pcn_ppg_repr_groups(const struct pcn_ppg_repr *r)
{
    return r ? r->n_groups : 0;
}

int pcn_ppg_repr_index(const struct pcn_ppg_repr *r, size_t i)
{
    if (!r || i >= r->n_groups || r->groups[i].index < 0)
        return -1;
    return (int)lround(r->groups[i].index);
}

/* ---- reading the network ---- */

static int add_group(const struct pcn_ppg_group *g, void *ud)
{
    struct repr_work *w = ud;
    struct repr_group *x;

    w->rc = PCN_GROW(w->r->groups, w->r->n_groups + 1, w->r->alloc_groups);
    if (w->rc != PCN_OK)
        return 1;
    x = &w->r->groups[w->r->n_groups++];
    memset(x, 0, sizeof(*x));
    x->id = g->id;
    (void)snprintf(x->name, sizeof(x->name), "%s", g->name);
    (void)snprintf(x->practice, sizeof(x->practice), "%s", g->practice ? g->practice : "");
    x->index = -1;
    return 0;
}

static int add_fact(const struct pcn_ppg_member *m, void *ud)
{
    struct repr_work *w = ud;

    w->rc = PCN_GROW(w->facts, w->n_facts + 1, w->alloc_facts);
    if (w->rc != PCN_OK)
        return 1;
    w->facts[w->n_facts++] = (struct fact){m->group_id, (int)m->age, (int)m->sex, (int)m->eth,
                                           m->quintile, m->joined,   m->left};
    return 0;
}

/* The practice's slot, added when new. NULL when out of memory. */
static struct practice_pop *pop_of(struct repr_work *w, const char *code)
{
    struct practice_pop *p;

    for (size_t i = 0; i < w->n_pops; i++) {
        if (strcmp(w->pops[i].code, code) == 0)
            return &w->pops[i];
    }
    if (PCN_GROW(w->pops, w->n_pops + 1, w->alloc_pops) != PCN_OK)
        return NULL;
    p = &w->pops[w->n_pops++];
    memset(p, 0, sizeof(*p));
    (void)snprintf(p->code, sizeof(p->code), "%s", code);
    pcn_profile_init(&p->bands);
    pcn_profile_init(&p->records);
    return p;
}

static int add_membership(const struct pcn_membership *m, void *ud)
{
    struct repr_work *w = ud;
    int32_t d = w->o->as_of;
    struct practice_pop *p;

    if (strcmp(m->network, w->o->network) != 0 || m->start_date > d ||
        (m->end_date != PCN_DATE_NONE && m->end_date < d))
        return 0;
    p = pop_of(w, m->practice);
    if (!p) {
        w->rc = PCN_ENOMEM;
        return 1;
    }
    p->in_network = true;
    return 0;
}

static int add_band(const struct pcn_list_band *b, void *ud)
{
    struct practice_pop *p = ud;

    /* a malformed band is not counted (the schema's CHECKs keep them out) */
    if (pcn_profile_add_band(&p->bands, b->sex, b->age_from, b->patients) == PCN_OK) {
        p->has_bands = true;
        p->band_date = b->date;
    }
    return 0;
}

/* Records profiles for every practice, from the caller's supplier. */
static enum pcn_err read_records(struct repr_work *w)
{
    const char **codes = NULL;
    struct pcn_profile *profiles = NULL;
    enum pcn_err rc = PCN_OK;

    if (!w->o->profiles || w->n_pops == 0)
        return PCN_OK;
    codes = pcn_calloc(w->n_pops, sizeof(*codes));
    profiles = pcn_calloc(w->n_pops, sizeof(*profiles));
    if (!codes || !profiles)
        rc = PCN_ENOMEM;
    for (size_t i = 0; rc == PCN_OK && i < w->n_pops; i++)
        codes[i] = w->pops[i].code;
    if (rc == PCN_OK)
        rc = w->o->profiles(w->o->profiles_ud, w->o->as_of, codes, w->n_pops, profiles);
    for (size_t i = 0; rc == PCN_OK && i < w->n_pops; i++)
        w->pops[i].records = profiles[i];
    pcn_free(codes);
    pcn_free(profiles);
    return rc;
}

static enum pcn_err read_network(struct repr_work *w)
{
    struct pcn_ppg_filter f = {.network = w->o->network, .group_id = w->o->group_id};
    enum pcn_err rc = pcn_store_each_ppg_group(w->s, &f, add_group, w);

    if (rc == PCN_OK)
        rc = w->rc;
    f.group_id = 0;
    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_member(w->s, &f, add_fact, w);
    if (rc == PCN_OK)
        rc = w->rc;
    if (rc == PCN_OK)
        rc = pcn_store_each_membership(w->s, NULL, add_membership, w);
    if (rc == PCN_OK)
        rc = w->rc;
    /* a practice's PPG is compared with its practice even after the practice left */
    for (size_t i = 0; rc == PCN_OK && i < w->r->n_groups; i++) {
        if (w->r->groups[i].practice[0] && !pop_of(w, w->r->groups[i].practice))
            rc = PCN_ENOMEM;
    }
    for (size_t i = 0; rc == PCN_OK && i < w->n_pops; i++)
        rc = pcn_store_each_list_band(w->s, w->pops[i].code, w->o->as_of, add_band, &w->pops[i]);
    if (rc == PCN_OK)
        rc = read_records(w);
    return rc;
}

/* ---- one group ---- */

static bool serves(const struct repr_group *g, const struct practice_pop *p)
{
    return g->practice[0] ? strcmp(g->practice, p->code) == 0 : p->in_network;
}

/*
 * The group's population for each dimension: age and sex from the list
 * size bands when every practice it serves has them, else from records
 * when every one has those; ethnic group and deprivation from records.
 */
static void fill_population(struct repr_work *w, struct repr_group *g)
{
    struct pcn_profile bands, records;
    bool any = false, all_bands = true;
    int32_t band_date = PCN_DATE_NONE;

    pcn_profile_init(&bands);
    pcn_profile_init(&records);
    bands.has = records.has = PCN_PROFILE_HAS_ALL;
    for (size_t i = 0; i < w->n_pops; i++) {
        const struct practice_pop *p = &w->pops[i];
        if (!serves(g, p))
            continue;
        any = true;
        all_bands &= p->has_bands;
        if (p->has_bands)
            pcn_profile_add(&bands, &p->bands);
        pcn_profile_add(&records, &p->records);
        if (p->has_bands && (band_date == PCN_DATE_NONE || p->band_date > band_date))
            band_date = p->band_date;
    }
    if (!any)
        return;
    const struct pcn_profile *age_sex = all_bands                                 ? &bands
                                        : (records.has & PCN_PROFILE_HAS_SEX_AGE) ? &records
                                                                                  : NULL;
    for (int c = 0; age_sex && c < REPR_CATS_MAX; c++) {
        int from = 0, to = 0;
        pcn_ppg_age_years((enum pcn_ppg_age)(PCN_PPG_AGE_18_24 + c), &from, &to);
        for (int sex = 0; sex < PCN_PROFILE_SEXES; sex++)
            g->dims[DIM_AGE].cats[c].population += pcn_profile_sum(age_sex->sex_age[sex], from, to);
    }
    if (age_sex) {
        g->dims[DIM_SEX].cats[0].population =
            pcn_profile_sum(age_sex->sex_age[PCN_SEX_FEMALE], ADULT, 100);
        g->dims[DIM_SEX].cats[1].population =
            pcn_profile_sum(age_sex->sex_age[PCN_SEX_MALE], ADULT, 100);
        g->dims[DIM_AGE].source = g->dims[DIM_SEX].source = all_bands ? SRC_LIST : SRC_RECORDS;
        g->dims[DIM_AGE].source_date = g->dims[DIM_SEX].source_date =
            all_bands ? band_date : records.date;
    }
    if (records.has & PCN_PROFILE_HAS_ETH) {
        for (int c = 0; c < 5; c++)
            g->dims[DIM_ETH].cats[c].population = pcn_profile_sum(records.eth_age[c], ADULT, 100);
        g->dims[DIM_ETH].pop_unknown = pcn_profile_sum(records.eth_age[5], ADULT, 100);
        g->dims[DIM_ETH].source = SRC_RECORDS;
        g->dims[DIM_ETH].source_date = records.date;
    }
    if (records.has & PCN_PROFILE_HAS_IMD) {
        for (int c = 0; c < 5; c++)
            g->dims[DIM_IMD].cats[c].population =
                pcn_profile_sum(records.imd_age[c + 1], ADULT, 100);
        g->dims[DIM_IMD].pop_unknown = pcn_profile_sum(records.imd_age[0], ADULT, 100);
        g->dims[DIM_IMD].source = SRC_RECORDS;
        g->dims[DIM_IMD].source_date = records.date;
    }
}

/* Count group g's members on day d into its dimensions (population figures untouched). */
static int64_t count_members(const struct repr_work *w, struct repr_group *g, int32_t d)
{
    int64_t n = 0;

    g->under_18 = 0;
    for (int k = 0; k < DIM_COUNT; k++) {
        struct repr_dimension *x = &g->dims[k];
        x->stated = x->not_stated = x->not_compared = 0;
        for (int c = 0; c < x->n_cats; c++)
            x->cats[c].members = 0;
    }
    for (size_t i = 0; i < w->n_facts; i++) {
        const struct fact *m = &w->facts[i];
        if (m->group_id != g->id || m->joined > d || (m->left != PCN_DATE_NONE && m->left <= d))
            continue;
        n++;
        if (m->age == PCN_PPG_AGE_UNDER_18) {
            g->under_18++; /* the comparison is with the adult list */
            continue;
        }
        int cat[DIM_COUNT] = {m->age - PCN_PPG_AGE_18_24, m->sex - PCN_PPG_SEX_FEMALE,
                              m->eth - PCN_PPG_ETH_WHITE, m->quintile - 1};
        for (int k = 0; k < DIM_COUNT; k++) {
            struct repr_dimension *x = &g->dims[k];
            if (cat[k] < 0)
                x->not_stated++;
            else if (cat[k] >= x->n_cats)
                x->not_compared++;
            else {
                x->cats[cat[k]].members++;
                x->stated++;
            }
        }
    }
    return n;
}

/* The dimension's index, and the group's mean over the known ones. */
static void compute_index(struct repr_group *g)
{
    double sum = 0;
    int known = 0;

    for (int k = 0; k < DIM_COUNT; k++) {
        struct repr_dimension *x = &g->dims[k];
        double diff = 0;
        x->pop_total = 0;
        for (int c = 0; c < x->n_cats; c++)
            x->pop_total += x->cats[c].population;
        x->index = -1;
        if (x->stated == 0 || x->pop_total == 0)
            continue;
        for (int c = 0; c < x->n_cats; c++)
            diff += fabs((double)x->cats[c].members / (double)x->stated -
                         (double)x->cats[c].population / (double)x->pop_total);
        x->index = 100.0 * (1.0 - diff / 2.0);
        sum += x->index;
        known++;
    }
    g->index = known ? sum / known : -1;
}

static int cmp_date(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

    return (x > y) - (x < y);
}

/* The index at every join and leave within the trend window, and on as_of. */
static enum pcn_err compute_trend(struct repr_work *w, struct repr_group *g)
{
    int months = w->o->trend_months > 0 ? w->o->trend_months : 36;
    int32_t from = pcn_date_add_months(w->o->as_of, -months);
    int32_t *days = NULL;
    size_t n = 0, alloc = 0;
    enum pcn_err rc = PCN_GROW(days, 2, alloc);

    if (rc != PCN_OK)
        return rc;
    days[n++] = from;
    days[n++] = w->o->as_of;
    for (size_t i = 0; rc == PCN_OK && i < w->n_facts; i++) {
        const struct fact *m = &w->facts[i];
        int32_t ev[2] = {m->joined, m->left};
        for (int j = 0; j < 2 && m->group_id == g->id; j++) {
            if (ev[j] == PCN_DATE_NONE || ev[j] <= from || ev[j] >= w->o->as_of)
                continue;
            rc = PCN_GROW(days, n + 1, alloc);
            if (rc == PCN_OK)
                days[n++] = ev[j];
        }
    }
    if (rc == PCN_OK)
        qsort(days, n, sizeof(*days), cmp_date);
    /* the latest points when there are too many */
    for (size_t i = n > TREND_POINTS_MAX ? n - TREND_POINTS_MAX : 0; rc == PCN_OK && i < n; i++) {
        if (g->n_trend && g->trend[g->n_trend - 1].date == days[i])
            continue;
        rc = PCN_GROW(g->trend, g->n_trend + 1, g->alloc_trend);
        if (rc != PCN_OK)
            break;
        int64_t members = count_members(w, g, days[i]);
        compute_index(g);
        g->trend[g->n_trend++] = (struct repr_point){days[i], members, g->index};
    }
    pcn_free(days);
    return rc;
}

static enum pcn_err compute_group(struct repr_work *w, struct repr_group *g)
{
    static const int n_cats[DIM_COUNT] = {REPR_CATS_MAX, 2, 5, 5};
    enum pcn_err rc;

    for (int k = 0; k < DIM_COUNT; k++) {
        g->dims[k].n_cats = n_cats[k];
        g->dims[k].source_date = PCN_DATE_NONE;
    }
    fill_population(w, g);
    rc = compute_trend(w, g);
    if (rc != PCN_OK)
        return rc;
    g->members = count_members(w, g, w->o->as_of);
    compute_index(g);
    return pcn__repr_gaps(g, w->o->suppress_below);
}

static int found_network(const struct pcn_network *n, void *ud)
{
    (void)n;
    *(bool *)ud = true;
    return 1;
}

static enum pcn_err check_opts(struct pcn_store *s, const struct pcn_ppg_repr_opts *o,
                               struct pcn_error *reterr)
{
    bool found = false;
    enum pcn_err rc;

    if (!o->network || o->as_of == PCN_DATE_NONE || o->group_id < 0 || o->suppress_below < 0 ||
        o->trend_months < 0 || o->trend_months > 240)
        return pcn_error_set(reterr, PCN_EINVAL, "a network and an as-of date are required");
    rc = pcn_store_get_network(s, o->network, found_network, &found);
    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, rc, "no network %s", o->network);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    return PCN_OK;
}

enum pcn_err pcn_ppg_representativeness(struct pcn_store *s, const struct pcn_ppg_repr_opts *o,
                                        struct pcn_ppg_repr **ret, struct pcn_error *reterr)
{
    struct repr_work w = {.s = s, .o = o};
    enum pcn_err rc = check_opts(s, o, reterr);

    if (rc != PCN_OK)
        return rc;
    w.r = pcn_calloc(1, sizeof(*w.r));
    if (!w.r)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    (void)snprintf(w.r->network, sizeof(w.r->network), "%s", o->network);
    w.r->as_of = o->as_of;
    w.r->suppress = o->suppress_below;
    rc = read_network(&w);
    if (rc == PCN_OK && o->group_id && w.r->n_groups == 0)
        rc = pcn_error_set(reterr, PCN_ENOTFOUND, "no group %lld in network %s",
                           (long long)o->group_id, o->network);
    else if (rc != PCN_OK)
        rc = pcn_error_set(reterr, rc, "%s",
                           rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
    for (size_t i = 0; rc == PCN_OK && i < w.r->n_groups; i++) {
        rc = compute_group(&w, &w.r->groups[i]);
        if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "out of memory");
    }
    pcn_free(w.facts);
    pcn_free(w.pops);
    if (rc != PCN_OK) {
        pcn_ppg_repr_free(w.r);
        return rc;
    }
    *ret = w.r;
    return PCN_OK;
}
