/*
 * results.c - evaluation results read as typed values: each definition's
 * result found by name, its breakdown groups stepped through with their
 * measures (counts, percents, means) and small-number suppression, the
 * result as a table; and the renderings built on the same accessors: an
 * aligned text block, long-format CSV and JSON (schema in
 * docs/definitions.md). Groups come in key order (practices by code) after
 * the total; empty groups are skipped. Worklist rows: rows.c.
 */
#include "pcn/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "util/common.h"

#define TOTAL SIZE_MAX

static int withheld_below(const struct pcn_results *r);

static const char *const kind_names[] = {"register", "indicator", "score", "segment", "worklist"};
static const char *const dim_names[] = {"practice", "network", "age", "sex", "imd", "ethnicity"};

size_t pcn_results_visited(const struct pcn_results *r)
{
    return r ? r->n_visited : 0;
}

void pcn_results_free(struct pcn_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->res && i < r->n_res; i++) {
        pcn_free(r->res[i].counts);
        pcn_free(r->res[i].sums);
        pcn_free(r->res[i].row_patient);
        pcn_free(r->res[i].row_values);
        pcn_free(r->res[i].by_id);
    }
    if (r->has_lock)
        (void)pthread_mutex_destroy(&r->lock);
    pcn_free(r->res);
    pcn_free(r->ext_str);
    pcn_free(r->group_pop);
    pcn_free(r->practice_rank);
    pcn_free(r->practice_of_rank);
    pcn_free(r->network_of_practice);
    pcn_free(r->practice_group);
    pcn_free(r);
}

enum pcn_err pcn_by_parse(const char *list, unsigned *ret, struct pcn_error *reterr)
{
    unsigned flags = 0;
    const char *p = list;

    if (!list)
        return PCN_EINVAL;
    while (*p) {
        size_t len = strcspn(p, ",");
        int hit = -1;
        for (int d = 0; d < DIM_COUNT; d++) {
            if (strlen(dim_names[d]) == len && !memcmp(dim_names[d], p, len))
                hit = d;
        }
        if (hit < 0)
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "unknown breakdown '%.*s' (use practice, network, age, sex, "
                                 "imd, ethnicity)",
                                 (int)len, p);
        flags |= 1u << hit;
        p += len;
        if (*p == ',')
            p++;
    }
    *ret = flags;
    return PCN_OK;
}

/* ---- the results and their definitions ---- */

size_t pcn_results_count(const struct pcn_results *r)
{
    return r ? r->n_res : 0;
}

const struct pcn_result *pcn_results_at(const struct pcn_results *r, size_t i)
{
    return r && i < r->n_res ? &r->res[i] : NULL;
}

const struct pcn_result *pcn_results_find(const struct pcn_results *r, const char *name)
{
    for (size_t k = 0; r && name && k < r->n_res; k++) {
        if (!strcmp(r->res[k].def->name, name))
            return &r->res[k];
    }
    return NULL;
}

int32_t pcn_results_as_of(const struct pcn_results *r)
{
    return r->opts.as_of;
}

unsigned pcn_results_by(const struct pcn_results *r)
{
    return r->opts.by;
}

int pcn_results_suppress(const struct pcn_results *r)
{
    return withheld_below(r);
}

size_t pcn_results_memory(const struct pcn_results *r)
{
    size_t bytes = sizeof(*r) + r->n_groups * sizeof(int64_t) + r->n_ext_str * sizeof(char *);

    for (size_t k = 0; k < r->n_res; k++) {
        const struct pcn_result *res = &r->res[k];
        size_t m = res->def->n_items ? res->def->n_items : 1;
        bytes += sizeof(*res) + r->n_groups * res->n_measures * sizeof(int64_t);
        bytes += res->n_measures ? r->n_groups * sizeof(struct value_sum) : 0;
        bytes += res->alloc_rows * (sizeof(uint32_t) + m * sizeof(double));
    }
    return bytes;
}

enum pcn_result_kind pcn_result_kind(const struct pcn_result *res)
{
    return (enum pcn_result_kind)res->def->kind;
}

const char *pcn_result_kind_name(const struct pcn_result *res)
{
    return kind_names[res->def->kind];
}

const char *pcn_result_name(const struct pcn_result *res)
{
    return res->def->name;
}

const char *pcn_result_title(const struct pcn_result *res)
{
    return res->def->title;
}

/* ---- figures ---- */

/* Measure m of group g (TOTAL: summed over groups). */
static int64_t measure(const struct pcn_results *r, const struct pcn_result *res, size_t g,
                       size_t m)
{
    int64_t sum = 0;

    if (g != TOTAL)
        return res->counts[g * res->n_measures + m];
    for (size_t i = 0; i < r->n_groups; i++)
        sum += res->counts[i * res->n_measures + m];
    return sum;
}

static int64_t population(const struct pcn_results *r, size_t g)
{
    int64_t sum = 0;

    if (g != TOTAL)
        return r->group_pop[g];
    for (size_t i = 0; i < r->n_groups; i++)
        sum += r->group_pop[i];
    return sum;
}

void pcn__value_sum_add_large(struct value_sum *s, double v)
{
    if (fabs(v) < 4611686018427387904.0) { /* 2^62: whole part and fraction apart */
        double whole = trunc(v);
        s->fixed +=
            (pcn__int128)(int64_t)whole * 4294967296 + (int64_t)((v - whole) * 4294967296.0);
    } else {
        s->huge++;
    }
}

/* NaN when unknown (a value too large to sum exactly). */
static double value_sum(const struct pcn_results *r, const struct pcn_result *res, size_t g)
{
    struct value_sum sum = {0, 0};

    if (g != TOTAL)
        return pcn__value_sum_get(&res->sums[g]);
    for (size_t i = 0; i < r->n_groups; i++)
        pcn__value_sum_merge(&sum, &res->sums[i]);
    return pcn__value_sum_get(&sum);
}

/*
 * Counts below this are withheld: opts.suppress; when counts are rounded,
 * half a rounding base more, so that the largest withheld count (9 for
 * suppress 8, round 5) is not one to protect. Differencing rounded figures
 * can pin a withheld count to the top of its range (a total at the bottom
 * of its range, every other group at the top of its), so that top must
 * not be a small count.
 */
static int withheld_below(const struct pcn_results *r)
{
    int s = r->opts.suppress;

    return s > 0 && r->opts.round > 1 ? s + r->opts.round / 2 : s;
}

/*
 * Whether a count is withheld: 1..suppress-1; when counts are rounded,
 * 0..withheld_below()-1, for a published 0 would tell each withheld count
 * beside it that it is at least 1 (a total of 7 over seven withheld
 * groups would make each of them 1).
 */
static bool suppressed(const struct pcn_results *r, int64_t v)
{
    return r->opts.suppress > 0 && v >= (r->opts.round > 1 ? 0 : 1) && v < withheld_below(r);
}

/* A count as shown: rounded to the nearest multiple of opts.round (halves up) when set. */
static int64_t rounded(const struct pcn_results *r, int64_t v)
{
    int64_t base = r->opts.round;

    return base > 1 && v > 0 ? (v + base / 2) / base * base : v;
}

/*
 * One measure of one group: a count, or a ratio num / den * scale shown
 * with `digits`; shown, shown_num and shown_den are what the outputs use
 * (rounded when the results are, pcn_eval_options.round).
 */
struct figure {
    bool is_count;
    int64_t count, shown;
    double num, den, scale;
    double shown_num, shown_den;
    int digits;
    bool withheld; /* by small-number suppression */
};

static struct figure count_figure(const struct pcn_results *r, int64_t n)
{
    return (struct figure){
        .is_count = true, .count = n, .shown = rounded(r, n), .withheld = suppressed(r, n)};
}

static struct figure ratio_figure(double num, double den, double scale, int digits, bool withheld)
{
    return (struct figure){.num = num,
                           .den = den,
                           .shown_num = num,
                           .shown_den = den,
                           .scale = scale,
                           .digits = digits,
                           .withheld = withheld};
}

/* A ratio of two counts: shown from the counts as shown. */
static struct figure count_ratio(const struct pcn_results *r, int64_t num, int64_t den)
{
    struct figure f =
        ratio_figure((double)num, (double)den, 100, 2, suppressed(r, num) || suppressed(r, den));

    f.shown_num = (double)rounded(r, num);
    f.shown_den = (double)rounded(r, den);
    return f;
}

size_t pcn_result_measure_count(const struct pcn_result *res)
{
    const struct def *d = res->def;

    switch (d->kind) {
    case DEF_REGISTER:
        return 3;
    case DEF_INDICATOR:
        return 4;
    case DEF_SCORE:
        return 2 + d->n_items + 1;
    case DEF_SEGMENT:
        return 1 + d->n_items + 1;
    default:
        return 0;
    }
}

/* Measure m (< pcn_result_measure_count()) of group g of res. */
static struct figure figure_of(const struct pcn_results *r, const struct pcn_result *res, size_t g,
                               size_t m)
{
    const struct def *d = res->def;

    if (d->kind == DEF_REGISTER) {
        int64_t pop = population(r, g), c = measure(r, res, g, 0);
        if (m < 2)
            return count_figure(r, m == 0 ? pop : c);
        return count_ratio(r, c, pop);
    }
    if (d->kind == DEF_INDICATOR) {
        int64_t den = measure(r, res, g, 0), num = measure(r, res, g, 1);
        if (m < 3)
            return count_figure(r, measure(r, res, g, m));
        return count_ratio(r, num, den);
    }
    if (d->kind == DEF_SCORE && m == 1) {
        int64_t pop = measure(r, res, g, 0);
        return ratio_figure(value_sum(r, res, g), (double)pop, 1, 4, suppressed(r, pop));
    }
    /* score: population, (mean), bands, (none); segment: population, segments, (none) */
    return count_figure(r, measure(r, res, g, d->kind == DEF_SCORE && m > 1 ? m - 1 : m));
}

static bool figure_defined(const struct figure *f)
{
    return f->is_count || (f->den > 0 && !isnan(f->num));
}

/* The figure as the outputs show it: "<N" when withheld; NULL for a ratio withheld or undefined. */
static const char *figure_text(const struct pcn_results *r, const struct figure *f, char *out,
                               size_t size)
{
    if (f->is_count && f->withheld)
        (void)snprintf(out, size, "<%d", withheld_below(r));
    else if (f->is_count)
        (void)snprintf(out, size, "%lld", (long long)f->shown);
    else if (f->withheld || !figure_defined(f) || !(f->shown_den > 0))
        return NULL;
    else
        (void)snprintf(out, size, "%.*f", f->digits, f->shown_num / f->shown_den * f->scale);
    return out;
}

const char *pcn_result_measure_name(const struct pcn_results *r, const struct pcn_result *res,
                                    size_t m)
{
    static const char *const heads[][4] = {
        {"population", "count", "percent", NULL},
        {"denominator", "numerator", "excluded", "percent"},
        {"population", "mean", NULL, NULL},
        {"population", NULL, NULL, NULL},
    };
    const struct def *d = res->def;
    size_t fixed = 0;

    if (m >= pcn_result_measure_count(res))
        return NULL;
    while (fixed < 4 && heads[d->kind][fixed])
        fixed++;
    if (m < fixed)
        return heads[d->kind][m];
    m -= fixed;
    return m < d->n_items ? pcn__results_str(r, d->items[m].label) : "(none)";
}

int pcn_result_measure_is_count(const struct pcn_result *res, size_t m)
{
    switch (res->def->kind) {
    case DEF_REGISTER:
        return m < 2;
    case DEF_INDICATOR:
        return m < 3;
    case DEF_SCORE:
        return m != 1 && m < pcn_result_measure_count(res);
    default:
        return m < pcn_result_measure_count(res);
    }
}

enum pcn_err pcn_results_total(const struct pcn_results *r, const char *name, const char *what,
                               int64_t *ret)
{
    const struct pcn_result *res = pcn_results_find(r, name);

    if (!res || !what)
        return PCN_ENOTFOUND;
    if (res->def->kind == DEF_WORKLIST) {
        if (strcmp(what, "rows") != 0)
            return PCN_ENOTFOUND;
        *ret = (int64_t)res->n_rows;
        return PCN_OK;
    }
    for (size_t m = 0; m < pcn_result_measure_count(res); m++) {
        if (pcn_result_measure_is_count(res, m) &&
            !strcmp(what, pcn_result_measure_name(r, res, m))) {
            *ret = figure_of(r, res, TOTAL, m).count;
            return PCN_OK;
        }
    }
    return PCN_ENOTFOUND;
}

enum pcn_err pcn_results_cell(const struct pcn_results *r, const char *name, size_t row, size_t col,
                              double *ret)
{
    const struct pcn_result *res = pcn_results_find(r, name);
    double v;

    if (!res || res->def->kind != DEF_WORKLIST || row >= res->n_rows || col >= res->def->n_items)
        return PCN_ENOTFOUND;
    v = res->row_values[row * res->def->n_items + col];
    if (isnan(v))
        return PCN_ENOTFOUND;
    *ret = v;
    return PCN_OK;
}

/* ---- groups ---- */

void pcn_group_iter_init(struct pcn_group_iter *it, const struct pcn_results *r,
                         const struct pcn_result *res)
{
    *it = (struct pcn_group_iter){r, res, 0, TOTAL};
}

int pcn_group_iter_next(struct pcn_group_iter *it)
{
    const struct pcn_results *r = it->r;

    if (!r || !it->res || it->res->def->kind == DEF_WORKLIST)
        return 0;
    if (it->next == 0) {
        it->next = 1;
        it->group = TOTAL;
        return 1;
    }
    for (size_t g = it->next - 1; r->n_groups > 1 && g < r->n_groups; g++) {
        if (r->group_pop[g] > 0) {
            it->group = g;
            it->next = g + 2;
            return 1;
        }
    }
    it->next = r->n_groups + 1;
    return 0;
}

int pcn_group_is_total(const struct pcn_group_iter *it)
{
    return it->group == TOTAL;
}

/* Key k of dimension d as text (borrowed from the snapshot or static). */
static const char *key_text(const struct pcn_results *r, int d, size_t k)
{
    const struct pcn_snapshot *s = r->snap;
    static const char *const sexes[] = {"U", "M", "F", "I"};
    static const char *const quintiles[] = {"unknown", "1", "2", "3", "4", "5"};

    switch (d) {
    case DIM_PRACTICE:
        return k < s->n_practices ? s->practice_code[r->practice_of_rank[k]] : "(none)";
    case DIM_NETWORK:
        return k < s->n_networks ? s->network_code[k] : "(none)";
    case DIM_AGE:
        return pcn__age_band_names[k];
    case DIM_SEX:
        return sexes[k & 3];
    case DIM_IMD:
        return quintiles[k < 6 ? k : 0];
    default:
        return pcn__eth_names[k];
    }
}

/* Key of group g on dimension d (the group number is mixed radix in dimension order). */
static size_t group_key(const struct pcn_results *r, size_t g, int d)
{
    for (int e = DIM_COUNT - 1; e > d; e--)
        g /= r->radix[e];
    return g % r->radix[d];
}

const char *pcn_group_key(const struct pcn_group_iter *it, unsigned by)
{
    const struct pcn_results *r = it->r;

    for (int d = 0; d < DIM_COUNT; d++) {
        if (by == 1u << d)
            return it->group == TOTAL || r->radix[d] <= 1
                       ? NULL
                       : key_text(r, d, group_key(r, it->group, d));
    }
    return NULL;
}

enum pcn_err pcn_group_value(const struct pcn_group_iter *it, size_t m, double *ret)
{
    struct figure f;

    if (it->next == 0 || m >= pcn_result_measure_count(it->res))
        return PCN_ENOTFOUND;
    f = figure_of(it->r, it->res, it->group, m);
    if (!figure_defined(&f))
        return PCN_ENOTFOUND;
    *ret = f.is_count ? (double)f.count : f.num / f.den * f.scale;
    return PCN_OK;
}

enum pcn_err pcn_group_count(const struct pcn_group_iter *it, size_t m, int64_t *ret)
{
    if (it->next == 0 || m >= pcn_result_measure_count(it->res))
        return PCN_ENOTFOUND;
    if (!pcn_result_measure_is_count(it->res, m))
        return PCN_EINVAL;
    *ret = figure_of(it->r, it->res, it->group, m).count;
    return PCN_OK;
}

int pcn_group_is_suppressed(const struct pcn_group_iter *it, size_t m)
{
    if (it->next == 0 || m >= pcn_result_measure_count(it->res))
        return 0;
    return figure_of(it->r, it->res, it->group, m).withheld;
}

/* ---- the result as a table ---- */

/* Columns of an aggregate's table: the breakdown's dimensions, then the measures. */
static struct pcn_table *groups_table_new(const struct pcn_results *r, const struct pcn_result *res)
{
    size_t most = DIM_COUNT + pcn_result_measure_count(res), n = 0;
    const char **names = pcn_calloc(most, sizeof(*names));
    enum pcn_col_type *types = pcn_calloc(most, sizeof(*types));
    struct pcn_table *t = NULL;

    if (names && types) {
        for (int d = 0; d < DIM_COUNT; d++) {
            if (r->radix[d] > 1) {
                names[n] = dim_names[d];
                types[n++] = PCN_COL_TEXT;
            }
        }
        for (size_t m = 0; m < pcn_result_measure_count(res); m++) {
            names[n] = pcn_result_measure_name(r, res, m);
            types[n++] = pcn_result_measure_is_count(res, m) ? PCN_COL_INT : PCN_COL_NUMBER;
        }
        t = pcn_table_new(kind_names[res->def->kind], n, names, types);
    }
    pcn_free(names);
    pcn_free(types);
    return t;
}

static enum pcn_err add_group_row(const struct pcn_results *r, const struct pcn_group_iter *it,
                                  struct pcn_table *t)
{
    size_t col = 0;
    char text[64];
    enum pcn_err rc = pcn_table_add_row(t);

    for (int d = 0; d < DIM_COUNT && !rc; d++) {
        if (r->radix[d] <= 1)
            continue;
        rc =
            pcn_table_set_text(t, col++, it->group == TOTAL ? "(all)" : pcn_group_key(it, 1u << d));
    }
    for (size_t m = 0; m < pcn_result_measure_count(it->res) && !rc; m++) {
        struct figure f = figure_of(r, it->res, it->group, m);
        rc = pcn_table_set_text(t, col++, figure_text(r, &f, text, sizeof(text)));
    }
    return rc;
}

static enum pcn_err groups_table(const struct pcn_results *r, const struct pcn_result *res,
                                 struct pcn_table **ret)
{
    struct pcn_table *t = groups_table_new(r, res);
    struct pcn_group_iter it;
    enum pcn_err rc = t ? PCN_OK : PCN_ENOMEM;

    pcn_group_iter_init(&it, r, res);
    while (!rc && pcn_group_iter_next(&it))
        rc = add_group_row(r, &it, t);
    if (rc) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

enum pcn_err pcn_result_table(const struct pcn_results *r, const struct pcn_result *res,
                              struct pcn_table **ret)
{
    struct pcn_row_query q;

    if (!r || !res || !ret)
        return PCN_EINVAL;
    if (res->def->kind != DEF_WORKLIST)
        return groups_table(r, res, ret);
    pcn_row_query_init(&q);
    return pcn__rows_table(r, res, &q, ret, NULL);
}

/* ---- renderers ---- */

/* Columns of the table that key a row (dimensions, or patient_id and practice). */
static size_t key_columns(const struct pcn_results *r, const struct pcn_result *res)
{
    size_t n = 0;

    if (res->def->kind == DEF_WORKLIST)
        return 2;
    for (int d = 0; d < DIM_COUNT; d++)
        n += r->radix[d] > 1;
    return n;
}

/* A cell as the renderers print it: "" for null. */
static const char *text_at(const struct pcn_table *t, size_t row, size_t col)
{
    const char *s = pcn_table_cell(t, row, col);
    return s ? s : "";
}

static enum pcn_err render_table(const struct pcn_result *res, const struct pcn_table *t,
                                 size_t n_key, struct pcn_buf *out)
{
    size_t widths[256] = {0};
    size_t n_cols = pcn_table_columns(t), n_rows = pcn_table_rows(t);
    size_t n = PCN_MIN(n_cols, PCN_ARRAY_SIZE(widths));
    enum pcn_err rc = pcn_buf_addf(out, "%s %s: %s\n", kind_names[res->def->kind], res->def->name,
                                   res->def->title);

    for (size_t c = 0; c < n; c++) {
        widths[c] = strlen(pcn_table_column_name(t, c));
        for (size_t i = 0; i < n_rows; i++)
            widths[c] = PCN_MAX(widths[c], strlen(text_at(t, i, c)));
    }
    /* row SIZE_MAX is the header */
    for (size_t i = SIZE_MAX; (i == SIZE_MAX || i < n_rows) && !rc; i++) {
        for (size_t c = 0; c < n_cols && !rc; c++) {
            bool last = c + 1 == n_cols;
            bool right = c >= n_key && i != SIZE_MAX;
            int w = (int)(c < n ? widths[c] : 0);
            const char *s = i == SIZE_MAX ? pcn_table_column_name(t, c) : text_at(t, i, c);
            rc = pcn_buf_addf(out, right ? "%*s%s" : "%-*s%s", last && !right ? 0 : w, s,
                              last ? "\n" : "  ");
        }
    }
    if (!rc && n_rows == 0)
        rc = pcn_buf_adds(out, "(no rows)\n");
    return rc ? rc : pcn_buf_addch(out, '\n');
}

/* Text (kind, name, group, measure): neutralised against formula injection (pcn/table.h). */
static enum pcn_err csv_field(struct pcn_buf *out, const char *s, char sep)
{
    enum pcn_err rc = pcn_table_write_csv_text(out, s);
    return rc ? rc : pcn_buf_addch(out, sep);
}

/* A figure: a number, "<N" or empty, written as it is (a negative mean stays a number). */
static enum pcn_err csv_value(struct pcn_buf *out, const char *s)
{
    enum pcn_err rc = pcn_csv_write_field(out, s, strlen(s));
    return rc ? rc : pcn_buf_addch(out, '\n');
}

/* The group of row i: "dim=key;..." over its key columns, the total's "(all)" left out. */
static enum pcn_err group_label(const struct pcn_table *t, size_t i, size_t n_key,
                                struct pcn_buf *group)
{
    enum pcn_err rc = PCN_OK;

    for (size_t k = 0; k < n_key && !rc; k++) {
        const char *key = text_at(t, i, k);
        if (!strcmp(key, "(all)"))
            continue;
        rc =
            pcn_buf_addf(group, "%s%s=%s", group->len ? ";" : "", pcn_table_column_name(t, k), key);
    }
    return rc;
}

/* Long format: kind,name,group,measure,value. */
static enum pcn_err render_csv(const struct pcn_result *res, const struct pcn_table *t,
                               size_t n_key, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < pcn_table_rows(t) && !rc; i++) {
        struct pcn_buf group = PCN_BUF_INIT;
        rc = group_label(t, i, n_key, &group);
        for (size_t c = n_key; c < pcn_table_columns(t) && !rc; c++) {
            rc = csv_field(out, kind_names[res->def->kind], ',');
            if (!rc)
                rc = csv_field(out, res->def->name, ',');
            if (!rc)
                rc = csv_field(out, group.buf, ',');
            if (!rc)
                rc = csv_field(out, pcn_table_column_name(t, c), ',');
            if (!rc)
                rc = csv_value(out, text_at(t, i, c));
        }
        pcn_buf_release(&group);
    }
    return rc;
}

static enum pcn_err json_str(struct pcn_buf *out, const char *s)
{
    enum pcn_err rc = pcn_buf_addch(out, '"');

    for (; *s && !rc; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            rc = pcn_buf_addf(out, "\\%c", ch);
        else if (ch < 0x20)
            rc = pcn_buf_addf(out, "\\u%04x", ch);
        else
            rc = pcn_buf_addch(out, (char)ch);
    }
    return rc ? rc : pcn_buf_addch(out, '"');
}

/* A cell as a JSON value: counts and ratios are numbers, "<N" strings, "" null. */
static enum pcn_err json_cell(struct pcn_buf *out, const char *s, bool numeric)
{
    if (!s[0])
        return pcn_buf_adds(out, "null");
    if (numeric && s[0] != '<')
        return pcn_buf_adds(out, s);
    return json_str(out, s);
}

/* `"name":value` for column c of row i. */
static enum pcn_err json_member(struct pcn_buf *out, const struct pcn_table *t, size_t i, size_t c,
                                bool numeric)
{
    enum pcn_err rc = json_str(out, pcn_table_column_name(t, c));

    rc = rc ? rc : pcn_buf_addch(out, ':');
    return rc ? rc : json_cell(out, text_at(t, i, c), numeric);
}

static enum pcn_err json_groups(const struct pcn_result *res, const struct pcn_table *t,
                                size_t n_key, struct pcn_buf *out)
{
    const struct def *d = res->def;
    bool labelled = d->kind == DEF_SCORE || d->kind == DEF_SEGMENT;
    size_t fixed = n_key + (d->kind == DEF_SCORE ? 2 : d->kind == DEF_SEGMENT ? 1 : 0);
    enum pcn_err rc = pcn_buf_adds(out, ",\"groups\":[");

    for (size_t i = 0; i < pcn_table_rows(t) && !rc; i++) {
        bool first = true;
        rc = pcn_buf_adds(out, i ? ",{\"key\":{" : "{\"key\":{");
        for (size_t k = 0; k < n_key && !rc; k++) {
            if (!strcmp(text_at(t, i, k), "(all)"))
                continue;
            rc = pcn_buf_adds(out, first ? "" : ",");
            first = false;
            if (!rc)
                rc = json_member(out, t, i, k, false);
        }
        rc = rc ? rc : pcn_buf_addch(out, '}');
        for (size_t c = n_key; c < pcn_table_columns(t) && !rc; c++) {
            rc = pcn_buf_adds(out, c == fixed && labelled ? ",\"counts\":{" : ",");
            if (!rc)
                rc = json_member(out, t, i, c, true);
        }
        if (!rc && labelled)
            rc = pcn_buf_addch(out, '}');
        rc = rc ? rc : pcn_buf_addch(out, '}');
    }
    return rc ? rc : pcn_buf_addch(out, ']');
}

static enum pcn_err json_rows(const struct pcn_results *r, const struct pcn_result *res,
                              const struct pcn_table *t, struct pcn_buf *out)
{
    const struct def *d = res->def;
    enum pcn_err rc = pcn_buf_adds(out, ",\"columns\":[");

    for (size_t k = 0; k < d->n_items && !rc; k++) {
        rc = pcn_buf_adds(out, k ? "," : "");
        if (!rc)
            rc = json_str(out, pcn__results_str(r, d->items[k].label));
    }
    rc = rc ? rc : pcn_buf_adds(out, "],\"rows\":[");
    for (size_t i = 0; i < pcn_table_rows(t) && !rc; i++) {
        rc = pcn_buf_adds(out, i ? ",{\"patient_id\":" : "{\"patient_id\":");
        rc = rc ? rc : json_str(out, text_at(t, i, 0));
        rc = rc ? rc : pcn_buf_adds(out, ",\"practice\":");
        rc = rc ? rc : json_str(out, text_at(t, i, 1));
        rc = rc ? rc : pcn_buf_adds(out, ",\"values\":[");
        for (size_t k = 0; k < d->n_items && !rc; k++) {
            enum pcn_value_type type = pcn_result_column_type(r, res, k);
            rc = pcn_buf_adds(out, k ? "," : "");
            if (!rc)
                rc = json_cell(out, text_at(t, i, 2 + k),
                               type == PCN_VALUE_NUMBER || type == PCN_VALUE_BOOL);
        }
        rc = rc ? rc : pcn_buf_adds(out, "]}");
    }
    return rc ? rc : pcn_buf_addch(out, ']');
}

static enum pcn_err json_result(const struct pcn_results *r, const struct pcn_result *res,
                                const struct pcn_table *t, size_t n_key, struct pcn_buf *out)
{
    const struct def *d = res->def;
    enum pcn_err rc = pcn_buf_addf(out, "{\"kind\":\"%s\",\"name\":", kind_names[d->kind]);

    rc = rc ? rc : json_str(out, d->name);
    rc = rc ? rc : pcn_buf_adds(out, ",\"title\":");
    rc = rc ? rc : json_str(out, d->title);
    if (!rc && (d->kind == DEF_SCORE || d->kind == DEF_SEGMENT)) {
        rc = pcn_buf_adds(out, d->kind == DEF_SCORE ? ",\"bands\":[" : ",\"segments\":[");
        for (size_t k = 0; k < d->n_items && !rc; k++) {
            rc = pcn_buf_adds(out, k ? "," : "");
            if (!rc)
                rc = json_str(out, pcn__results_str(r, d->items[k].label));
        }
        rc = rc ? rc : pcn_buf_addch(out, ']');
    }
    if (!rc)
        rc = d->kind == DEF_WORKLIST ? json_rows(r, res, t, out) : json_groups(res, t, n_key, out);
    return rc ? rc : pcn_buf_addch(out, '}');
}

enum pcn_err pcn_results_render_head(const struct pcn_results *r, struct pcn_buf *out)
{
    char d[PCN_DATE_STR_SIZE];
    bool first = true;
    enum pcn_err rc;

    if (!r || !out)
        return PCN_EINVAL;
    pcn_date_format(r->opts.as_of, d);
    rc = pcn_buf_addf(out, "{\"as_of\":\"%s\",\"by\":[", d);
    for (int k = 0; k < DIM_COUNT && !rc; k++) {
        if (r->radix[k] > 1) {
            rc = pcn_buf_addf(out, "%s\"%s\"", first ? "" : ",", dim_names[k]);
            first = false;
        }
    }
    return rc ? rc
              : pcn_buf_addf(out, "],\"suppress\":%d,\"round\":%d,\"results\":[", withheld_below(r),
                             r->opts.round > 1 ? r->opts.round : 0);
}

enum pcn_err pcn_result_render(const struct pcn_results *r, const struct pcn_result *res,
                               enum pcn_format f, struct pcn_buf *out)
{
    struct pcn_table *t = NULL;
    size_t n_key;
    enum pcn_err rc;

    if (!r || !res || !out)
        return PCN_EINVAL;
    rc = pcn_result_table(r, res, &t);
    if (rc)
        return rc;
    n_key = key_columns(r, res);
    if (f == PCN_FORMAT_JSON)
        rc = json_result(r, res, t, n_key, out);
    else if (f == PCN_FORMAT_CSV)
        rc = render_csv(res, t, n_key, out);
    else
        rc = render_table(res, t, n_key, out);
    pcn_table_free(t);
    return rc;
}

enum pcn_err pcn_results_render(const struct pcn_results *r, enum pcn_format f, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    if (!r || !out)
        return PCN_EINVAL;
    if (f == PCN_FORMAT_JSON)
        rc = pcn_results_render_head(r, out);
    else if (f == PCN_FORMAT_CSV)
        rc = pcn_buf_adds(out, "kind,name,group,measure,value\n");
    for (size_t k = 0; k < r->n_res && !rc; k++) {
        if (f == PCN_FORMAT_JSON && k)
            rc = pcn_buf_addch(out, ',');
        if (!rc)
            rc = pcn_result_render(r, &r->res[k], f, out);
    }
    if (!rc && f == PCN_FORMAT_JSON)
        rc = pcn_buf_adds(out, "]}\n");
    return rc;
}
