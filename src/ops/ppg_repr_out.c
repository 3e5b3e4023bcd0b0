/*
 * ppg_repr_out.c - representativeness in words and figures: the gaps
 * named in plain English ("No members under 35; 22% of the list is
 * 18-34"), the notes on what was not stated or not known, and the three
 * renderings of a result (JSON for the API and the CLI, a flat table for
 * CSV, text). Counts below the suppression threshold are withheld from
 * every rendering, sentences included; the rules are in docs/engagement.md.
 */
#include "pcn/ppg_ops.h"
#include "ppg_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/vec.h"
#include "util/common.h"

#define ZERO_AGE_SHARE 0.05   /* an empty age band is named when the list has this share in it */
#define ZERO_SEX_SHARE 0.05   /* ... a sex */
#define ZERO_OTHER_SHARE 0.02 /* ... an ethnic group or a deprivation quintile */
#define UNDER_SHARE 0.10      /* under-representation is named for categories this large */
#define OVER_POINTS 0.20      /* over-representation: the group's share this far above */
#define FEW_MEMBERS 3         /* fewer members giving a fact than this: no comparison in words */

static const char *const dim_codes[DIM_COUNT] = {"age", "sex", "ethnic_group", "deprivation"};
static const char *const dim_titles[DIM_COUNT] = {"Age", "Sex", "Ethnic group",
                                                  "Deprivation (IMD 2019 quintile)"};
static const char *const imd_codes[5] = {"1", "2", "3", "4", "5"};
static const char *const imd_labels[5] = {
    "most deprived fifth (1)", "second most deprived fifth (2)", "middle fifth (3)",
    "second least deprived fifth (4)", "least deprived fifth (5)"};
static const char *const imd_places[5] = {
    "the most deprived fifth of neighbourhoods", "the second most deprived fifth of neighbourhoods",
    "the middle fifth of neighbourhoods", "the second least deprived fifth of neighbourhoods",
    "the least deprived fifth of neighbourhoods"};
static const char *const eth_members[5] = {
    "White members", "members from mixed or multiple ethnic groups",
    "Asian or Asian British members", "Black, Black British, Caribbean or African members",
    "members from another ethnic group"};
static const char *const eth_list[5] = {
    "is White", "is from mixed or multiple ethnic groups", "is Asian or Asian British",
    "is Black, Black British, Caribbean or African", "is from another ethnic group"};
static const char *const not_given[DIM_COUNT] = {"their age", "their sex", "their ethnic group",
                                                 "the deprivation quintile of their home"};

const char *pcn__repr_dim_code(int d)
{
    return d >= 0 && d < DIM_COUNT ? dim_codes[d] : "";
}

const char *pcn__repr_dim_title(int d)
{
    return d >= 0 && d < DIM_COUNT ? dim_titles[d] : "";
}

const char *pcn__repr_cat_code(int d, int c)
{
    switch (d) {
    case DIM_AGE:
        return pcn_ppg_code(PCN_PPG_V_AGE, PCN_PPG_AGE_18_24 + c);
    case DIM_SEX:
        return pcn_ppg_code(PCN_PPG_V_SEX, PCN_PPG_SEX_FEMALE + c);
    case DIM_ETH:
        return pcn_ppg_code(PCN_PPG_V_ETH, PCN_PPG_ETH_WHITE + c);
    default:
        return c >= 0 && c < 5 ? imd_codes[c] : "";
    }
}

const char *pcn__repr_cat_label(int d, int c)
{
    switch (d) {
    case DIM_AGE:
        return pcn_ppg_label(PCN_PPG_V_AGE, PCN_PPG_AGE_18_24 + c);
    case DIM_SEX:
        return pcn_ppg_label(PCN_PPG_V_SEX, PCN_PPG_SEX_FEMALE + c);
    case DIM_ETH:
        return pcn_ppg_label(PCN_PPG_V_ETH, PCN_PPG_ETH_WHITE + c);
    default:
        return c >= 0 && c < 5 ? imd_labels[c] : "";
    }
}

void pcn__pct_text(double share, char *out)
{
    long pct = lround(share * 100.0);

    if (share > 0 && pct < 1)
        (void)snprintf(out, 16, "under 1%%");
    else
        (void)snprintf(out, 16, "%ld%%", pct);
}

/* "5" or, withheld, "fewer than 8". */
static void count_text(int64_t n, int suppress, char *out, size_t size)
{
    if (suppress > 0 && n > 0 && n < suppress)
        (void)snprintf(out, size, "fewer than %d", suppress);
    else
        (void)snprintf(out, size, "%lld", (long long)n);
}

static bool withheld(int64_t n, int suppress)
{
    return suppress > 0 && n > 0 && n < suppress;
}

/* The members of category c, as a noun phrase ("members aged 25-34", "women"). */
static void members_phrase(int d, int c, char *out, size_t size)
{
    switch (d) {
    case DIM_AGE:
        (void)snprintf(out, size, "members aged %s", pcn__repr_cat_code(d, c));
        break;
    case DIM_SEX:
        (void)snprintf(out, size, "%s", c == 0 ? "women" : "men");
        break;
    case DIM_ETH:
        (void)snprintf(out, size, "%s", eth_members[c]);
        break;
    default:
        (void)snprintf(out, size, "members living in %s", imd_places[c]);
        break;
    }
}

/* What the list's share of category c is ("is 25-34", "lives in ..."). */
static void list_phrase(int d, int c, char *out, size_t size)
{
    switch (d) {
    case DIM_AGE:
        (void)snprintf(out, size, "is %s",
                       c == REPR_CATS_MAX - 1 ? "85 or over" : pcn__repr_cat_code(d, c));
        break;
    case DIM_SEX:
        (void)snprintf(out, size, "is %s", c == 0 ? "female" : "male");
        break;
    case DIM_ETH:
        (void)snprintf(out, size, "%s (where recorded)", eth_list[c]);
        break;
    default:
        (void)snprintf(out, size, "lives in %s", imd_places[c]);
        break;
    }
}

static enum pcn_err add_gap(struct repr_group *g, int d, int c, double size, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum pcn_err add_gap(struct repr_group *g, int d, int c, double size, const char *fmt, ...)
{
    struct repr_gap *x;
    va_list ap;
    enum pcn_err rc = PCN_GROW(g->gaps, g->n_gaps + 1, g->alloc_gaps);

    if (rc != PCN_OK)
        return rc;
    x = &g->gaps[g->n_gaps++];
    x->dim = d;
    x->cat = c;
    x->size = size;
    va_start(ap, fmt);
    (void)vsnprintf(x->text, sizeof(x->text), fmt, ap);
    va_end(ap);
    if (x->text[0] >= 'a' && x->text[0] <= 'z')
        x->text[0] = (char)(x->text[0] - 'a' + 'A');
    return PCN_OK;
}

static enum pcn_err add_note(struct repr_group *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum pcn_err add_note(struct repr_group *g, const char *fmt, ...)
{
    va_list ap;
    enum pcn_err rc = PCN_GROW(g->notes, g->n_notes + 1, g->alloc_notes);

    if (rc != PCN_OK)
        return rc;
    va_start(ap, fmt);
    (void)vsnprintf(g->notes[g->n_notes], sizeof(g->notes[0]), fmt, ap);
    va_end(ap);
    g->n_notes++;
    return PCN_OK;
}

static double pop_share(const struct repr_dimension *x, int from, int to)
{
    int64_t n = 0;

    for (int c = from; c <= to; c++)
        n += x->cats[c].population;
    return x->pop_total ? (double)n / (double)x->pop_total : 0;
}

/* Leading and trailing runs of empty age bands: "no members under 35", "... 75 or over". */
static enum pcn_err age_runs(struct repr_group *g, int *ret_lead, int *ret_trail)
{
    const struct repr_dimension *x = &g->dims[DIM_AGE];
    int lead = 0, trail = 0, from = 0, to = 0, last = 0;
    char pct[16];
    enum pcn_err rc = PCN_OK;

    while (lead < x->n_cats && x->cats[lead].members == 0)
        lead++;
    while (trail < x->n_cats - lead && x->cats[x->n_cats - 1 - trail].members == 0)
        trail++;
    *ret_lead = lead;
    *ret_trail = trail;
    if (lead > 0 && pop_share(x, 0, lead - 1) >= ZERO_AGE_SHARE) {
        double p = pop_share(x, 0, lead - 1);
        pcn__pct_text(p, pct);
        pcn_ppg_age_years((enum pcn_ppg_age)(PCN_PPG_AGE_18_24 + lead), &from, &to);
        pcn_ppg_age_years((enum pcn_ppg_age)(PCN_PPG_AGE_18_24 + lead - 1), &last, &to);
        if (lead == 1)
            rc = add_gap(g, DIM_AGE, 0, p, "no members aged 18-24; %s of the list is 18-24", pct);
        else
            rc = add_gap(g, DIM_AGE, 0, p, "no members under %d; %s of the list is 18-%d", from,
                         pct, to);
    }
    if (rc == PCN_OK && trail > 0 &&
        pop_share(x, x->n_cats - trail, x->n_cats - 1) >= ZERO_AGE_SHARE) {
        double p = pop_share(x, x->n_cats - trail, x->n_cats - 1);
        pcn__pct_text(p, pct);
        pcn_ppg_age_years((enum pcn_ppg_age)(PCN_PPG_AGE_18_24 + x->n_cats - trail), &from, &to);
        rc = add_gap(g, DIM_AGE, x->n_cats - trail, p,
                     "no members aged %d or over; %s of the list is %d or over", from, pct, from);
    }
    return rc;
}

/* One category: empty, under- or over-represented. */
static enum pcn_err category_gap(struct repr_group *g, int d, int c, bool skip_empty, int suppress)
{
    const struct repr_dimension *x = &g->dims[d];
    const struct repr_cat *k = &x->cats[c];
    double p = (double)k->population / (double)x->pop_total;
    double share = (double)k->members / (double)x->stated;
    double zero = d == DIM_AGE ? ZERO_AGE_SHARE : d == DIM_SEX ? ZERO_SEX_SHARE : ZERO_OTHER_SHARE;
    char who[160], what[160], pct[16], gpct[16];

    if (withheld(k->population, suppress))
        return PCN_OK;
    members_phrase(d, c, who, sizeof(who));
    list_phrase(d, c, what, sizeof(what));
    pcn__pct_text(p, pct);
    if (k->members == 0) {
        if (skip_empty || p < zero)
            return PCN_OK;
        return add_gap(g, d, c, p, "no %s; %s of the list %s", who, pct, what);
    }
    if (!((p >= UNDER_SHARE && share < p / 2) || share >= p + OVER_POINTS))
        return PCN_OK;
    if (withheld(k->members, suppress)) /* the share would give the count away */
        return add_gap(g, d, c, fabs(share - p), "%s are %s-represented (%s of the list %s)", who,
                       share > p ? "over" : "under", pct, what);
    pcn__pct_text(share, gpct);
    return add_gap(g, d, c, fabs(share - p),
                   "%s are %s of the group (%lld of %lld); %s of the list %s", who, gpct,
                   (long long)k->members, (long long)x->stated, pct, what);
}

static int cmp_gap(const void *a, const void *b)
{
    const struct repr_gap *x = a, *y = b;

    return (x->size < y->size) - (x->size > y->size);
}

static enum pcn_err dimension_notes(struct repr_group *g, int d, int suppress)
{
    const struct repr_dimension *x = &g->dims[d];
    char n[32], pct[16];
    enum pcn_err rc = PCN_OK;

    count_text(x->not_stated, suppress, n, sizeof(n));
    if (x->not_stated > 0)
        rc = add_note(g, "%s of %lld members did not give %s", n,
                      (long long)(g->members - g->under_18), not_given[d]);
    count_text(x->not_compared, suppress, n, sizeof(n));
    if (rc == PCN_OK && x->not_compared > 0)
        rc = add_note(g, "%s %s their sex another way; the list records female and male only", n,
                      x->not_compared == 1 ? "member describes" : "members describe");
    if (rc == PCN_OK && x->source == SRC_NONE)
        rc = add_note(g, "%s: the population's make-up is not known (%s)", dim_titles[d],
                      d <= DIM_SEX ? "no list sizes or patient records for the practices"
                                   : "no patient records for the practices in the database");
    if (rc == PCN_OK && x->pop_unknown > 0 && x->pop_total + x->pop_unknown > 0) {
        pcn__pct_text((double)x->pop_unknown / (double)(x->pop_total + x->pop_unknown), pct);
        rc =
            add_note(g, "%s is not recorded for %s of adult patients; shares are of those with one",
                     d == DIM_ETH ? "Ethnic group" : "The neighbourhood (for deprivation)", pct);
    }
    return rc;
}

enum pcn_err pcn__repr_gaps(struct repr_group *g, int suppress)
{
    enum pcn_err rc = PCN_OK;
    char n[32];

    if (g->members == 0)
        return add_note(g, "The group has no current members");
    count_text(g->under_18, suppress, n, sizeof(n));
    if (g->under_18 > 0)
        rc = add_note(g, "%s %s under 18 %s not compared with the list of adults", n,
                      g->under_18 == 1 ? "member" : "members", g->under_18 == 1 ? "is" : "are");
    for (int d = 0; rc == PCN_OK && d < DIM_COUNT; d++) {
        const struct repr_dimension *x = &g->dims[d];
        int lead = 0, trail = 0;
        rc = dimension_notes(g, d, suppress);
        if (rc != PCN_OK || x->stated == 0 || x->pop_total == 0)
            continue;
        if (x->stated < FEW_MEMBERS) {
            rc = add_note(g, "%s: too few members gave it to compare in words", dim_titles[d]);
            continue;
        }
        if (d == DIM_AGE)
            rc = age_runs(g, &lead, &trail);
        for (int c = 0; rc == PCN_OK && c < x->n_cats; c++)
            rc = category_gap(g, d, c, d == DIM_AGE && (c < lead || c >= x->n_cats - trail),
                              suppress);
    }
    if (rc == PCN_OK && g->n_gaps > 1)
        qsort(g->gaps, g->n_gaps, sizeof(*g->gaps), cmp_gap);
    return rc;
}

/* ---- JSON ---- */

static json_t *date_json(int32_t d)
{
    char s[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE)
        return json_null();
    pcn_date_format(d, s);
    return json_string(s);
}

static json_t *count_json(int64_t n, int suppress)
{
    return withheld(n, suppress) ? json_null() : json_integer((json_int_t)n);
}

/* A share as a percentage with one decimal, or null when its count is withheld or unknown. */
static json_t *pct_json(int64_t n, int64_t total, int suppress)
{
    if (total <= 0 || withheld(n, suppress))
        return json_null();
    return json_real(round(1000.0 * (double)n / (double)total) / 10.0);
}

static json_t *index_json(double index)
{
    return index < 0 ? json_null() : json_integer((json_int_t)lround(index));
}

static const char *source_code(enum repr_source s)
{
    return s == SRC_LIST ? "list_sizes" : s == SRC_RECORDS ? "patient_records" : "none";
}

static json_t *dimension_json(const struct repr_dimension *x, int d, int suppress)
{
    json_t *cats = json_array();
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "name", dim_codes[d],
                          "title", dim_titles[d], "source", source_code(x->source), "source_date",
                          date_json(x->source_date), "index", index_json(x->index), "stated",
                          (json_int_t)x->stated, "not_stated", count_json(x->not_stated, suppress),
                          "not_compared", count_json(x->not_compared, suppress), "population",
                          count_json(x->pop_total, suppress), "population_not_recorded",
                          count_json(x->pop_unknown, suppress));

    if (!j || !cats) {
        json_decref(j);
        json_decref(cats);
        return NULL;
    }
    if (json_object_set_new(j, "categories", cats) != 0) { /* cats taken even then */
        json_decref(j);
        return NULL;
    }
    for (int c = 0; c < x->n_cats; c++) {
        const struct repr_cat *k = &x->cats[c];
        json_t *o =
            json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "code", pcn__repr_cat_code(d, c), "label",
                      pcn__repr_cat_label(d, c), "members", count_json(k->members, suppress),
                      "member_pct", pct_json(k->members, x->stated, suppress), "population",
                      count_json(k->population, suppress), "population_pct",
                      pct_json(k->population, x->pop_total, suppress));
        if (!o || json_array_append_new(cats, o) != 0) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

static bool append(json_t *a, json_t *v)
{
    return v && json_array_append_new(a, v) == 0;
}

/* Adds the group's lists to j; NULL (j released) when out of memory. */
static json_t *group_lists(json_t *j, const struct repr_group *g, int suppress)
{
    static const char *const names[] = {"dimensions", "gaps", "notes", "trend"};
    json_t *part[] = {json_array(), json_array(), json_array(), json_array()};
    json_t *dims = part[0], *gaps = part[1], *notes = part[2], *trend = part[3];
    bool ok = dims && gaps && notes && trend;
    size_t i;

    for (int d = 0; ok && d < DIM_COUNT; d++)
        ok = append(dims, dimension_json(&g->dims[d], d, suppress));
    for (i = 0; ok && i < g->n_gaps; i++)
        ok = append(gaps, json_pack("{s:s,s:s,s:s}", "dimension", dim_codes[g->gaps[i].dim],
                                    "category", pcn__repr_cat_code(g->gaps[i].dim, g->gaps[i].cat),
                                    "text", g->gaps[i].text));
    for (i = 0; ok && i < g->n_notes; i++)
        ok = append(notes, json_string(g->notes[i]));
    for (i = 0; ok && i < g->n_trend; i++)
        ok = append(trend, json_pack("{s:o,s:o,s:o}", "date", date_json(g->trend[i].date),
                                     "members", count_json(g->trend[i].members, suppress), "index",
                                     index_json(g->trend[i].index)));
    /* json_object_set_new() takes its value even when it fails: release only the rest */
    for (i = 0; ok && i < PCN_ARRAY_SIZE(part); i++)
        ok = json_object_set_new(j, names[i], part[i]) == 0;
    for (; i < PCN_ARRAY_SIZE(part); i++)
        json_decref(part[i]);
    if (ok)
        return j;
    json_decref(j);
    return NULL;
}

enum pcn_err pcn_ppg_repr_json(const struct pcn_ppg_repr *r, void **ret)
{
    json_t *groups = json_array();
    json_t *j = json_pack("{s:s,s:s,s:o,s:i}", "kind", "ppg_representativeness", "network",
                          r->network, "as_of", date_json(r->as_of), "suppress", r->suppress);

    if (!j || !groups) {
        json_decref(j);
        json_decref(groups);
        return PCN_ENOMEM;
    }
    if (json_object_set_new(j, "groups", groups) != 0) { /* groups taken even then */
        json_decref(j);
        return PCN_ENOMEM;
    }
    for (size_t i = 0; i < r->n_groups; i++) {
        const struct repr_group *g = &r->groups[i];
        json_t *o = json_pack("{s:I,s:s,s:s?,s:o,s:o,s:o}", "id", (json_int_t)g->id, "name",
                              g->name, "practice", g->practice[0] ? g->practice : NULL, "members",
                              count_json(g->members, r->suppress), "members_under_18",
                              count_json(g->under_18, r->suppress), "index", index_json(g->index));
        if (!o || !append(groups, group_lists(o, g, r->suppress))) {
            json_decref(j);
            return PCN_ENOMEM;
        }
    }
    *ret = j;
    return PCN_OK;
}

/* ---- the flat table and the text ---- */

static enum pcn_err row_cells(struct pcn_table *t, const struct pcn_ppg_repr *r,
                              const struct repr_group *g, int d, int c)
{
    const struct repr_dimension *x = &g->dims[d];
    const struct repr_cat *k = &x->cats[c];
    enum pcn_err rc = pcn_table_add_row(t);

    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 0, g->id);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 1, g->name);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 2, dim_codes[d]);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 3, pcn__repr_cat_code(d, c));
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 4, pcn__repr_cat_label(d, c));
    if (rc == PCN_OK && !withheld(k->members, r->suppress)) {
        rc = pcn_table_set_int(t, 5, k->members);
        if (rc == PCN_OK && x->stated > 0)
            rc = pcn_table_set_number(
                t, 6, round(1000.0 * (double)k->members / (double)x->stated) / 10.0);
    }
    if (rc == PCN_OK && !withheld(k->population, r->suppress) && x->source != SRC_NONE) {
        rc = pcn_table_set_int(t, 7, k->population);
        if (rc == PCN_OK && x->pop_total > 0)
            rc = pcn_table_set_number(
                t, 8, round(1000.0 * (double)k->population / (double)x->pop_total) / 10.0);
    }
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 9, source_code(x->source));
    return rc;
}

enum pcn_err pcn_ppg_repr_table(const struct pcn_ppg_repr *r, struct pcn_table **ret)
{
    static const char *const names[] = {"group_id",       "group",   "dimension",  "category",
                                        "label",          "members", "member_pct", "population",
                                        "population_pct", "source"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT, PCN_COL_TEXT,   PCN_COL_TEXT, PCN_COL_TEXT,   PCN_COL_TEXT,
        PCN_COL_INT, PCN_COL_NUMBER, PCN_COL_INT,  PCN_COL_NUMBER, PCN_COL_TEXT};
    struct pcn_table *t =
        pcn_table_new("ppg_representativeness_rows", PCN_ARRAY_SIZE(names), names, types);
    enum pcn_err rc = t ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_table_set_detail(t, 4);
    for (size_t i = 0; rc == PCN_OK && i < r->n_groups; i++) {
        for (int d = 0; rc == PCN_OK && d < DIM_COUNT; d++) {
            for (int c = 0; rc == PCN_OK && c < r->groups[i].dims[d].n_cats; c++)
                rc = row_cells(t, r, &r->groups[i], d, c);
        }
    }
    if (rc != PCN_OK) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

enum pcn_err pcn_ppg_repr_text(const struct pcn_ppg_repr *r, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; rc == PCN_OK && i < r->n_groups; i++) {
        const struct repr_group *g = &r->groups[i];
        char n[32];
        count_text(g->members, r->suppress, n, sizeof(n));
        rc = pcn_buf_addf(out, "%s%s (%s): %s current members; ", i ? "\n" : "", g->name,
                          g->practice[0] ? g->practice : "network-level group", n);
        if (rc == PCN_OK)
            rc = g->index < 0 ? pcn_buf_addf(out, "index not known\n")
                              : pcn_buf_addf(out, "index %ld of 100\n", lround(g->index));
        for (int d = 0; rc == PCN_OK && d < DIM_COUNT; d++) {
            if (g->dims[d].index >= 0)
                rc = pcn_buf_addf(out, "  %s: %ld\n", dim_titles[d], lround(g->dims[d].index));
        }
        for (size_t k = 0; rc == PCN_OK && k < g->n_gaps; k++)
            rc = pcn_buf_addf(out, "  - %s\n", g->gaps[k].text);
        for (size_t k = 0; rc == PCN_OK && k < g->n_notes; k++)
            rc = pcn_buf_addf(out, "  (%s)\n", g->notes[k]);
    }
    return rc;
}
