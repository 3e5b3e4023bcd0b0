/*
 * results.c - evaluation results: totals and breakdown groups per
 * definition, small-number suppression, and rendering as an aligned text
 * table, long-format CSV or JSON (schema in docs/definitions.md). Groups
 * are emitted in key order (practices by code); empty groups are skipped.
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

#define NONE UINT32_MAX
#define TOTAL SIZE_MAX

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
    }
    pcn_free(r->res);
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

/* ---- sorting worklist rows ---- */

struct sort_ctx {
    const struct pcn_results *r;
    const struct result *res;
};

static int cmp_rows(const void *a, const void *b, void *ud)
{
    const struct sort_ctx *sc = ud;
    const struct pcn_snapshot *s = sc->r->snap;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint32_t px = sc->res->row_patient[x], py = sc->res->row_patient[y];
    uint32_t rx =
        s->practice[px] == UINT16_MAX ? UINT32_MAX : sc->r->practice_rank[s->practice[px]];
    uint32_t ry =
        s->practice[py] == UINT16_MAX ? UINT32_MAX : sc->r->practice_rank[s->practice[py]];

    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(s->ids + s->id_off[px], s->ids + s->id_off[py]);
}

void pcn__results_sort_rows(struct pcn_results *r);

/* Order each worklist by practice then patient id (and cut to max_rows). */
void pcn__results_sort_rows(struct pcn_results *r)
{
    for (size_t k = 0; k < r->n_res; k++) {
        struct result *res = &r->res[k];
        size_t n = res->n_rows, m = res->def->n_items;
        size_t *order;
        uint32_t *pat;
        double *vals;
        struct sort_ctx sc = {r, res};
        if (res->def->kind != DEF_WORKLIST || n < 2)
            continue;
        order = pcn_calloc(n, sizeof(*order));
        pat = pcn_calloc(n, sizeof(*pat));
        vals = pcn_calloc(n * (m ? m : 1), sizeof(*vals));
        if (!order || !pat || !vals) {
            /* unsorted rows are still correct rows */
            pcn_free(order);
            pcn_free(pat);
            pcn_free(vals);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        qsort_r(order, n, sizeof(*order), cmp_rows, &sc);
        for (size_t i = 0; i < n; i++) {
            pat[i] = res->row_patient[order[i]];
            memcpy(vals + i * m, res->row_values + order[i] * m, m * sizeof(*vals));
        }
        pcn_free(order);
        pcn_free(res->row_patient);
        pcn_free(res->row_values);
        res->row_patient = pat;
        res->row_values = vals;
        res->alloc_rows = n;
    }
    for (size_t k = 0; k < r->n_res; k++) {
        if (r->opts.max_rows > 0 && r->res[k].n_rows > (size_t)r->opts.max_rows)
            r->res[k].n_rows = (size_t)r->opts.max_rows;
    }
}

/* ---- figures ---- */

static const struct result *find(const struct pcn_results *r, const char *name)
{
    for (size_t k = 0; r && name && k < r->n_res; k++) {
        if (!strcmp(r->res[k].def->name, name))
            return &r->res[k];
    }
    return NULL;
}

/* Measure m of group g (TOTAL: summed over groups). */
static int64_t measure(const struct pcn_results *r, const struct result *res, size_t g, size_t m)
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
static double value_sum(const struct pcn_results *r, const struct result *res, size_t g)
{
    struct value_sum sum = {0, 0};

    if (g != TOTAL)
        return pcn__value_sum_get(&res->sums[g]);
    for (size_t i = 0; i < r->n_groups; i++)
        pcn__value_sum_merge(&sum, &res->sums[i]);
    return pcn__value_sum_get(&sum);
}

enum pcn_err pcn_results_total(const struct pcn_results *r, const char *name, const char *what,
                               int64_t *ret)
{
    const struct result *res = find(r, name);
    const struct def *d;
    static const char *const ind[] = {"denominator", "numerator", "excluded"};

    if (!res || !what)
        return PCN_ENOTFOUND;
    d = res->def;
    if (!strcmp(what, "rows")) {
        *ret = (int64_t)res->n_rows;
        return d->kind == DEF_WORKLIST ? PCN_OK : PCN_ENOTFOUND;
    }
    if (d->kind == DEF_WORKLIST)
        return PCN_ENOTFOUND;
    if (!strcmp(what, "population") && d->kind == DEF_REGISTER) {
        *ret = population(r, TOTAL);
        return PCN_OK;
    }
    if (d->kind == DEF_REGISTER && !strcmp(what, "count")) {
        *ret = measure(r, res, TOTAL, 0);
        return PCN_OK;
    }
    for (size_t m = 0; d->kind == DEF_INDICATOR && m < 3; m++) {
        if (!strcmp(what, ind[m])) {
            *ret = measure(r, res, TOTAL, m);
            return PCN_OK;
        }
    }
    if (d->kind == DEF_SCORE || d->kind == DEF_SEGMENT) {
        if (!strcmp(what, "population")) {
            *ret = measure(r, res, TOTAL, 0);
            return PCN_OK;
        }
        for (size_t k = 0; k <= d->n_items; k++) {
            const char *label = k < d->n_items ? r->prog->str[d->items[k].label] : "(none)";
            if (!strcmp(what, label)) {
                *ret = measure(r, res, TOTAL, 1 + k);
                return PCN_OK;
            }
        }
    }
    return PCN_ENOTFOUND;
}

enum pcn_err pcn_results_cell(const struct pcn_results *r, const char *name, size_t row, size_t col,
                              double *ret)
{
    const struct result *res = find(r, name);
    double v;

    if (!res || res->def->kind != DEF_WORKLIST || row >= res->n_rows || col >= res->def->n_items)
        return PCN_ENOTFOUND;
    v = res->row_values[row * res->def->n_items + col];
    if (isnan(v))
        return PCN_ENOTFOUND;
    *ret = v;
    return PCN_OK;
}

/* ---- cell text ---- */

static bool suppressed(const struct pcn_results *r, int64_t v)
{
    return r->opts.suppress > 0 && v >= 1 && v < r->opts.suppress;
}

static void count_text(const struct pcn_results *r, int64_t v, char *out, size_t size)
{
    if (suppressed(r, v))
        (void)snprintf(out, size, "<%d", r->opts.suppress);
    else
        (void)snprintf(out, size, "%lld", (long long)v);
}

/* A ratio as text with `digits` decimals; empty when withheld or undefined. */
static void ratio_text(double num, double den, double scale, int digits, bool withheld, char *out,
                       size_t size)
{
    double v;

    if (withheld || den <= 0 || isnan(num)) {
        out[0] = '\0';
        return;
    }
    v = num / den * scale;
    (void)snprintf(out, size, "%.*f", digits, v);
}

static void key_text(const struct pcn_results *r, int d, size_t k, char *out, size_t size)
{
    const struct pcn_snapshot *s = r->snap;
    static const char *const sexes[] = {"U", "M", "F", "I"};

    switch (d) {
    case DIM_PRACTICE:
        (void)snprintf(out, size, "%s",
                       k < s->n_practices ? s->practice_code[r->practice_of_rank[k]] : "(none)");
        break;
    case DIM_NETWORK:
        (void)snprintf(out, size, "%s", k < s->n_networks ? s->network_code[k] : "(none)");
        break;
    case DIM_AGE:
        (void)snprintf(out, size, "%s", pcn__age_band_names[k]);
        break;
    case DIM_SEX:
        (void)snprintf(out, size, "%s", sexes[k & 3]);
        break;
    case DIM_IMD:
        if (k == 0)
            (void)snprintf(out, size, "unknown");
        else
            (void)snprintf(out, size, "%zu", k);
        break;
    default:
        (void)snprintf(out, size, "%s", pcn__eth_names[k]);
        break;
    }
}

/* Key of group g per dimension (SIZE_MAX for unused dimensions). */
static void split_group(const struct pcn_results *r, size_t g, size_t *keys)
{
    for (int d = DIM_COUNT - 1; d >= 0; d--) {
        if (r->radix[d] > 1) {
            keys[d] = g % r->radix[d];
            g /= r->radix[d];
        } else {
            keys[d] = SIZE_MAX;
        }
    }
}

static void cell_text(const struct pcn_results *r, uint8_t type, double v, char *out, size_t size)
{
    if (isnan(v)) {
        out[0] = '\0';
        return;
    }
    switch (type) {
    case TY_DATE: {
        char d[PCN_DATE_STR_SIZE];
        pcn_date_format((int32_t)v, d);
        (void)snprintf(out, size, "%s", d);
        break;
    }
    case TY_BOOL:
        (void)snprintf(out, size, "%s", v != 0 ? "true" : "false");
        break;
    case TY_STR:
        (void)snprintf(out, size, "%s", r->prog->str[(uint32_t)v]);
        break;
    default:
        if (pcn_format_double(v, out, size) < 0)
            out[0] = '\0';
        break;
    }
}

/* ---- a grid of cells, the common form of table and CSV output ---- */

struct grid {
    size_t n_cols, n_key;
    char **cells;
    size_t n_cells, alloc;
};

static enum pcn_err grid_add(struct grid *gr, const char *s)
{
    char *c;

    if (gr->n_cells >= gr->alloc) {
        size_t want = gr->alloc ? gr->alloc * 2 : 64;
        char **nc = pcn_reallocarray(gr->cells, want, sizeof(*nc));
        if (!nc)
            return PCN_ENOMEM;
        gr->cells = nc;
        gr->alloc = want;
    }
    c = pcn_strdup(s);
    if (!c)
        return PCN_ENOMEM;
    gr->cells[gr->n_cells++] = c;
    return PCN_OK;
}

static void grid_release(struct grid *gr)
{
    for (size_t i = 0; i < gr->n_cells; i++)
        pcn_free(gr->cells[i]);
    pcn_free(gr->cells);
}

static enum pcn_err grid_header(const struct pcn_results *r, const struct result *res,
                                struct grid *gr)
{
    const struct def *d = res->def;
    static const char *const heads[][4] = {
        {"population", "count", "percent", NULL},
        {"denominator", "numerator", "excluded", "percent"},
        {"population", "mean", NULL, NULL},
        {"population", NULL, NULL, NULL},
        {"patient_id", "practice", NULL, NULL},
    };
    enum pcn_err rc = PCN_OK;

    gr->n_key = 0;
    for (int k = 0; d->kind != DEF_WORKLIST && k < DIM_COUNT && !rc; k++) {
        if (r->radix[k] > 1) {
            rc = grid_add(gr, dim_names[k]);
            gr->n_key++;
        }
    }
    if (d->kind == DEF_WORKLIST)
        gr->n_key = 2;
    for (int k = 0; k < 4 && heads[d->kind][k] && !rc; k++)
        rc = grid_add(gr, heads[d->kind][k]);
    for (size_t k = 0; k < d->n_items && !rc; k++)
        rc = grid_add(gr, r->prog->str[d->items[k].label]);
    if (!rc && (d->kind == DEF_SCORE || d->kind == DEF_SEGMENT))
        rc = grid_add(gr, "(none)");
    gr->n_cols = gr->n_cells;
    return rc;
}

static enum pcn_err grid_group(const struct pcn_results *r, const struct result *res, size_t g,
                               struct grid *gr)
{
    const struct def *d = res->def;
    char t[64];
    size_t keys[DIM_COUNT];
    enum pcn_err rc = PCN_OK;
    int64_t pop = d->kind == DEF_REGISTER ? population(r, g) : measure(r, res, g, 0);

    if (g != TOTAL)
        split_group(r, g, keys);
    for (int k = 0; k < DIM_COUNT && !rc; k++) {
        if (r->radix[k] <= 1)
            continue;
        if (g == TOTAL)
            rc = grid_add(gr, "(all)");
        else {
            key_text(r, k, keys[k], t, sizeof(t));
            rc = grid_add(gr, t);
        }
    }
    if (d->kind == DEF_REGISTER) {
        int64_t c = measure(r, res, g, 0);
        count_text(r, pop, t, sizeof(t));
        rc = rc ? rc : grid_add(gr, t);
        count_text(r, c, t, sizeof(t));
        rc = rc ? rc : grid_add(gr, t);
        ratio_text((double)c, (double)pop, 100, 2, suppressed(r, c) || suppressed(r, pop), t,
                   sizeof(t));
        return rc ? rc : grid_add(gr, t);
    }
    if (d->kind == DEF_INDICATOR) {
        int64_t den = measure(r, res, g, 0), num = measure(r, res, g, 1);
        for (size_t m = 0; m < 3 && !rc; m++) {
            count_text(r, measure(r, res, g, m), t, sizeof(t));
            rc = grid_add(gr, t);
        }
        ratio_text((double)num, (double)den, 100, 2, suppressed(r, num) || suppressed(r, den), t,
                   sizeof(t));
        return rc ? rc : grid_add(gr, t);
    }
    count_text(r, pop, t, sizeof(t));
    rc = rc ? rc : grid_add(gr, t);
    if (d->kind == DEF_SCORE) {
        ratio_text(value_sum(r, res, g), (double)pop, 1, 4, suppressed(r, pop), t, sizeof(t));
        rc = rc ? rc : grid_add(gr, t);
    }
    for (size_t k = 0; k <= d->n_items && !rc; k++) {
        count_text(r, measure(r, res, g, 1 + k), t, sizeof(t));
        rc = grid_add(gr, t);
    }
    return rc;
}

static enum pcn_err grid_rows(const struct pcn_results *r, const struct result *res,
                              struct grid *gr)
{
    const struct def *d = res->def;
    const struct pcn_snapshot *s = r->snap;
    char t[256];
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < res->n_rows && !rc; i++) {
        uint32_t p = res->row_patient[i];
        rc = grid_add(gr, s->ids + s->id_off[p]);
        if (!rc)
            rc = grid_add(gr, s->practice[p] == UINT16_MAX ? "" : s->practice_code[s->practice[p]]);
        for (size_t k = 0; k < d->n_items && !rc; k++) {
            cell_text(r, r->prog->nodes[d->items[k].node].type, res->row_values[i * d->n_items + k],
                      t, sizeof(t));
            rc = grid_add(gr, t);
        }
    }
    return rc;
}

static enum pcn_err build_grid(const struct pcn_results *r, const struct result *res,
                               struct grid *gr)
{
    enum pcn_err rc = grid_header(r, res, gr);

    if (rc)
        return rc;
    if (res->def->kind == DEF_WORKLIST)
        return grid_rows(r, res, gr);
    rc = grid_group(r, res, TOTAL, gr);
    for (size_t g = 0; g < r->n_groups && !rc && r->n_groups > 1; g++) {
        if (r->group_pop[g] > 0)
            rc = grid_group(r, res, g, gr);
    }
    return rc;
}

/* ---- renderers ---- */

static enum pcn_err render_table(const struct result *res, const struct grid *gr,
                                 struct pcn_buf *out)
{
    size_t widths[256] = {0};
    size_t n = PCN_MIN(gr->n_cols, PCN_ARRAY_SIZE(widths));
    enum pcn_err rc = pcn_buf_addf(out, "%s %s: %s\n", kind_names[res->def->kind], res->def->name,
                                   res->def->title);

    for (size_t i = 0; i < gr->n_cells; i++) {
        size_t c = i % gr->n_cols;
        if (c < n)
            widths[c] = PCN_MAX(widths[c], strlen(gr->cells[i]));
    }
    for (size_t i = 0; i < gr->n_cells && !rc; i++) {
        size_t c = i % gr->n_cols;
        bool last = c + 1 == gr->n_cols;
        bool right = c >= gr->n_key && i >= gr->n_cols;
        int w = (int)(c < n ? widths[c] : 0);
        rc = pcn_buf_addf(out, right ? "%*s%s" : "%-*s%s", last && !right ? 0 : w, gr->cells[i],
                          last ? "\n" : "  ");
    }
    if (!rc && gr->n_cells == gr->n_cols)
        rc = pcn_buf_adds(out, "(no rows)\n");
    return rc ? rc : pcn_buf_addch(out, '\n');
}

static enum pcn_err csv_field(struct pcn_buf *out, const char *s, char sep)
{
    enum pcn_err rc = pcn_csv_write_field(out, s, strlen(s));
    return rc ? rc : pcn_buf_addch(out, sep);
}

/* Long format: kind,name,group,measure,value. */
static enum pcn_err render_csv(const struct result *res, const struct grid *gr, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    for (size_t row = 1; row * gr->n_cols < gr->n_cells && !rc; row++) {
        char **cells = gr->cells + row * gr->n_cols;
        struct pcn_buf group = PCN_BUF_INIT;
        for (size_t k = 0; k < gr->n_key && !rc; k++) {
            if (!strcmp(cells[k], "(all)"))
                continue;
            rc = pcn_buf_addf(&group, "%s%s=%s", group.len ? ";" : "", gr->cells[k], cells[k]);
        }
        for (size_t c = gr->n_key; c < gr->n_cols && !rc; c++) {
            rc = csv_field(out, kind_names[res->def->kind], ',');
            if (!rc)
                rc = csv_field(out, res->def->name, ',');
            if (!rc)
                rc = csv_field(out, group.buf, ',');
            if (!rc)
                rc = csv_field(out, gr->cells[c], ',');
            if (!rc)
                rc = csv_field(out, cells[c], '\n');
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

/* A grid cell as a JSON value: counts and ratios are numbers, "<N" strings, "" null. */
static enum pcn_err json_cell(struct pcn_buf *out, const char *s, bool numeric)
{
    if (!s[0])
        return pcn_buf_adds(out, "null");
    if (numeric && s[0] != '<')
        return pcn_buf_adds(out, s);
    return json_str(out, s);
}

static enum pcn_err json_groups(const struct result *res, const struct grid *gr,
                                struct pcn_buf *out)
{
    const struct def *d = res->def;
    size_t fixed = gr->n_key + (d->kind == DEF_SCORE ? 2 : d->kind == DEF_SEGMENT ? 1 : 0);
    enum pcn_err rc = pcn_buf_adds(out, ",\"groups\":[");

    for (size_t row = 1; row * gr->n_cols < gr->n_cells && !rc; row++) {
        char **cells = gr->cells + row * gr->n_cols;
        bool first = true;
        rc = pcn_buf_adds(out, row > 1 ? ",{\"key\":{" : "{\"key\":{");
        for (size_t k = 0; k < gr->n_key && !rc; k++) {
            if (!strcmp(cells[k], "(all)"))
                continue;
            rc = pcn_buf_adds(out, first ? "" : ",");
            first = false;
            if (!rc)
                rc = json_str(out, gr->cells[k]);
            if (!rc)
                rc = pcn_buf_addch(out, ':');
            if (!rc)
                rc = json_str(out, cells[k]);
        }
        rc = rc ? rc : pcn_buf_addch(out, '}');
        for (size_t c = gr->n_key; c < gr->n_cols && !rc; c++) {
            if (c == fixed && (d->kind == DEF_SCORE || d->kind == DEF_SEGMENT))
                rc = pcn_buf_adds(out, ",\"counts\":{");
            else
                rc = pcn_buf_addch(out, ',');
            if (!rc)
                rc = json_str(out, gr->cells[c]);
            if (!rc)
                rc = pcn_buf_addch(out, ':');
            if (!rc)
                rc = json_cell(out, cells[c], true);
        }
        if (!rc && (d->kind == DEF_SCORE || d->kind == DEF_SEGMENT))
            rc = pcn_buf_addch(out, '}');
        rc = rc ? rc : pcn_buf_addch(out, '}');
    }
    return rc ? rc : pcn_buf_addch(out, ']');
}

static enum pcn_err json_rows(const struct pcn_results *r, const struct result *res,
                              const struct grid *gr, struct pcn_buf *out)
{
    const struct def *d = res->def;
    enum pcn_err rc = pcn_buf_adds(out, ",\"columns\":[");

    for (size_t k = 0; k < d->n_items && !rc; k++) {
        rc = pcn_buf_adds(out, k ? "," : "");
        if (!rc)
            rc = json_str(out, r->prog->str[d->items[k].label]);
    }
    rc = rc ? rc : pcn_buf_adds(out, "],\"rows\":[");
    for (size_t row = 1; row * gr->n_cols < gr->n_cells && !rc; row++) {
        char **cells = gr->cells + row * gr->n_cols;
        rc = pcn_buf_adds(out, row > 1 ? ",{\"patient_id\":" : "{\"patient_id\":");
        rc = rc ? rc : json_str(out, cells[0]);
        rc = rc ? rc : pcn_buf_adds(out, ",\"practice\":");
        rc = rc ? rc : json_str(out, cells[1]);
        rc = rc ? rc : pcn_buf_adds(out, ",\"values\":[");
        for (size_t k = 0; k < d->n_items && !rc; k++) {
            uint8_t t = r->prog->nodes[d->items[k].node].type;
            rc = pcn_buf_adds(out, k ? "," : "");
            if (!rc)
                rc = json_cell(out, cells[2 + k], t == TY_NUM || t == TY_BOOL);
        }
        rc = rc ? rc : pcn_buf_adds(out, "]}");
    }
    return rc ? rc : pcn_buf_addch(out, ']');
}

static enum pcn_err json_result(const struct pcn_results *r, const struct result *res,
                                const struct grid *gr, struct pcn_buf *out)
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
                rc = json_str(out, r->prog->str[d->items[k].label]);
        }
        rc = rc ? rc : pcn_buf_addch(out, ']');
    }
    if (!rc)
        rc = d->kind == DEF_WORKLIST ? json_rows(r, res, gr, out) : json_groups(res, gr, out);
    return rc ? rc : pcn_buf_addch(out, '}');
}

static enum pcn_err json_head(const struct pcn_results *r, struct pcn_buf *out)
{
    char d[PCN_DATE_STR_SIZE];
    bool first = true;
    enum pcn_err rc;

    pcn_date_format(r->opts.as_of, d);
    rc = pcn_buf_addf(out, "{\"as_of\":\"%s\",\"by\":[", d);
    for (int k = 0; k < DIM_COUNT && !rc; k++) {
        if (r->radix[k] > 1) {
            rc = pcn_buf_addf(out, "%s\"%s\"", first ? "" : ",", dim_names[k]);
            first = false;
        }
    }
    return rc ? rc : pcn_buf_addf(out, "],\"suppress\":%d,\"results\":[", r->opts.suppress);
}

enum pcn_err pcn_results_render(const struct pcn_results *r, enum pcn_format f, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    if (!r || !out)
        return PCN_EINVAL;
    if (f == PCN_FORMAT_JSON)
        rc = json_head(r, out);
    else if (f == PCN_FORMAT_CSV)
        rc = pcn_buf_adds(out, "kind,name,group,measure,value\n");
    for (size_t k = 0; k < r->n_res && !rc; k++) {
        struct grid gr = {0};
        rc = build_grid(r, &r->res[k], &gr);
        if (!rc && f == PCN_FORMAT_JSON) {
            rc = pcn_buf_adds(out, k ? "," : "");
            rc = rc ? rc : json_result(r, &r->res[k], &gr, out);
        } else if (!rc && f == PCN_FORMAT_CSV) {
            rc = render_csv(&r->res[k], &gr, out);
        } else if (!rc) {
            rc = render_table(&r->res[k], &gr, out);
        }
        grid_release(&gr);
    }
    if (!rc && f == PCN_FORMAT_JSON)
        rc = pcn_buf_adds(out, "]}\n");
    return rc;
}
