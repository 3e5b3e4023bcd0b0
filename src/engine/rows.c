/*
 * rows.c - the rows of worklists: put in their output order after
 * evaluation (practice, then patient id), and selected by a query (a
 * practice, text in the patient id, a range on one column), sorted (by a
 * key or a column, nulls last, ties by patient id) and paged into a
 * result table. The one owner of worklist filtering and sorting: the CLI,
 * the API and the dashboard (through the API) all get rows from here.
 */
#include "pcn/engine.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/table.h"
#include "util/common.h"

/* ---- output order ---- */

struct order_ctx {
    const struct pcn_results *r;
    const struct pcn_result *res;
};

static const char *patient_id(const struct pcn_snapshot *s, uint32_t p)
{
    return s->ids + s->id_off[p];
}

/* Rank of the patient's practice by code (no practice: last). */
static uint32_t practice_rank(const struct pcn_results *r, uint32_t p)
{
    uint16_t pr = r->snap->practice[p];
    return pr == UINT16_MAX ? UINT32_MAX : r->practice_rank[pr];
}

static int cmp_output(const void *a, const void *b, void *ud)
{
    const struct order_ctx *oc = ud;
    uint32_t px = oc->res->row_patient[*(const size_t *)a];
    uint32_t py = oc->res->row_patient[*(const size_t *)b];
    uint32_t rx = practice_rank(oc->r, px), ry = practice_rank(oc->r, py);

    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(patient_id(oc->r->snap, px), patient_id(oc->r->snap, py));
}

/* Put one worklist's rows in output order; on ENOMEM they stay as they are (still correct). */
static void order_rows(const struct pcn_results *r, struct pcn_result *res)
{
    size_t n = res->n_rows, m = res->def->n_items;
    size_t *order = pcn_calloc(n, sizeof(*order));
    uint32_t *pat = pcn_calloc(n, sizeof(*pat));
    double *vals = pcn_calloc(n * (m ? m : 1), sizeof(*vals));
    struct order_ctx oc = {r, res};

    if (!order || !pat || !vals) {
        pcn_free(order);
        pcn_free(pat);
        pcn_free(vals);
        return;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(*order), cmp_output, &oc);
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

void pcn__results_sort_rows(struct pcn_results *r)
{
    for (size_t k = 0; k < r->n_res; k++) {
        struct pcn_result *res = &r->res[k];
        if (res->def->kind == DEF_WORKLIST && res->n_rows > 1)
            order_rows(r, res);
        if (r->opts.max_rows > 0 && res->n_rows > (size_t)r->opts.max_rows)
            res->n_rows = (size_t)r->opts.max_rows;
    }
}

/* ---- columns ---- */

size_t pcn_result_column_count(const struct pcn_result *res)
{
    return res->def->kind == DEF_WORKLIST ? res->def->n_items : 0;
}

const char *pcn_result_column_name(const struct pcn_results *r, const struct pcn_result *res,
                                   size_t i)
{
    if (i >= pcn_result_column_count(res))
        return NULL;
    return pcn__results_str(r, res->def->items[i].label);
}

enum pcn_value_type pcn_result_column_type(const struct pcn_results *r,
                                           const struct pcn_result *res, size_t i)
{
    if (i >= pcn_result_column_count(res))
        return PCN_VALUE_NUMBER;
    switch (r->prog->nodes[res->def->items[i].node].type) {
    case TY_DATE:
        return PCN_VALUE_DATE;
    case TY_STR:
        return PCN_VALUE_TEXT;
    case TY_BOOL:
        return PCN_VALUE_BOOL;
    default:
        return PCN_VALUE_NUMBER;
    }
}

long pcn_result_column_index(const struct pcn_results *r, const struct pcn_result *res,
                             const char *name)
{
    for (size_t i = 0; name && i < pcn_result_column_count(res); i++) {
        if (!strcmp(pcn_result_column_name(r, res, i), name))
            return (long)i;
    }
    return -1;
}

size_t pcn_result_row_count(const struct pcn_result *res)
{
    return res->def->kind == DEF_WORKLIST ? res->n_rows : 0;
}

/* ---- selecting rows ---- */

void pcn_row_query_init(struct pcn_row_query *q)
{
    *q = (struct pcn_row_query){.range_col = -1, .sort_col = PCN_ROWS_IN_ORDER};
}

/* Value of column col of row i (NaN: null). */
static double value_at(const struct pcn_result *res, size_t i, size_t col)
{
    return res->row_values[i * res->def->n_items + col];
}

static const char *practice_of(const struct pcn_snapshot *s, uint32_t p)
{
    return s->practice[p] == UINT16_MAX ? "" : s->practice_code[s->practice[p]];
}

static bool row_passes(const struct pcn_results *r, const struct pcn_result *res, size_t i,
                       const struct pcn_row_query *q)
{
    const struct pcn_snapshot *s = r->snap;
    uint32_t p = res->row_patient[i];
    double v;

    if (q->practice && strcmp(practice_of(s, p), q->practice) != 0)
        return false;
    if (q->text && !strcasestr(patient_id(s, p), q->text))
        return false;
    if (q->range_col < 0)
        return true;
    v = value_at(res, i, (size_t)q->range_col);
    return !isnan(v) && (!q->has_min || v >= q->min) && (!q->has_max || v <= q->max);
}

struct sort_ctx {
    const struct pcn_results *r;
    const struct pcn_result *res;
    const struct pcn_row_query *q;
};

static int cmp_text(const char *a, const char *b)
{
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

/* The query's key of rows x and y: nulls last (whatever the direction), then by value. */
static int cmp_key(const struct sort_ctx *sc, size_t x, size_t y, bool *ret_null)
{
    const struct pcn_snapshot *s = sc->r->snap;
    uint32_t px = sc->res->row_patient[x], py = sc->res->row_patient[y];
    size_t col = (size_t)sc->q->sort_col;
    double a, b;

    *ret_null = false;
    if (sc->q->sort_col == PCN_ROWS_BY_PATIENT_ID)
        return cmp_text(patient_id(s, px), patient_id(s, py));
    if (sc->q->sort_col == PCN_ROWS_BY_PRACTICE)
        return cmp_text(practice_of(s, px), practice_of(s, py));
    a = value_at(sc->res, x, col);
    b = value_at(sc->res, y, col);
    if (isnan(a) || isnan(b)) {
        *ret_null = true;
        return isnan(a) - isnan(b);
    }
    if (pcn_result_column_type(sc->r, sc->res, col) == PCN_VALUE_TEXT)
        return cmp_text(pcn__results_str(sc->r, (uint32_t)a), pcn__results_str(sc->r, (uint32_t)b));
    return (a > b) - (a < b);
}

static int cmp_rows(const void *pa, const void *pb, void *ud)
{
    const struct sort_ctx *sc = ud;
    const struct pcn_snapshot *s = sc->r->snap;
    size_t x = *(const size_t *)pa, y = *(const size_t *)pb;
    bool nulls = false;
    int c = cmp_key(sc, x, y, &nulls);

    if (sc->q->descending && !nulls)
        c = -c;
    if (c == 0)
        c = cmp_text(patient_id(s, sc->res->row_patient[x]),
                     patient_id(s, sc->res->row_patient[y]));
    return c ? c : (x > y) - (x < y);
}

/* The table's columns: [key,] patient_id, practice, then the worklist's. */
static struct pcn_table *rows_table_new(const struct pcn_results *r, const struct pcn_result *res,
                                        bool with_key)
{
    size_t n_items = res->def->n_items, n = 0;
    const char **names = pcn_calloc(n_items + 3, sizeof(*names));
    enum pcn_col_type *types = pcn_calloc(n_items + 3, sizeof(*types));
    static const enum pcn_col_type of_value[] = {PCN_COL_NUMBER, PCN_COL_TEXT, PCN_COL_TEXT,
                                                 PCN_COL_BOOL};
    struct pcn_table *t = NULL;

    if (names && types) {
        if (with_key) {
            names[n] = "key";
            types[n++] = PCN_COL_INT;
        }
        names[n] = "patient_id";
        types[n++] = PCN_COL_TEXT;
        names[n] = "practice";
        types[n++] = PCN_COL_TEXT;
        for (size_t k = 0; k < n_items; k++) {
            names[n] = pcn_result_column_name(r, res, k);
            types[n++] = of_value[pcn_result_column_type(r, res, k)];
        }
        t = pcn_table_new("worklist", n, names, types);
    }
    pcn_free(names);
    pcn_free(types);
    return t;
}

/* Column k of row i as the outputs show it into out; NULL for null. */
static const char *value_text(const struct pcn_results *r, const struct pcn_result *res, size_t i,
                              size_t k, char *out, size_t size)
{
    double v = value_at(res, i, k);

    if (isnan(v))
        return NULL;
    switch (pcn_result_column_type(r, res, k)) {
    case PCN_VALUE_DATE: {
        char d[PCN_DATE_STR_SIZE];
        pcn_date_format((int32_t)v, d);
        (void)snprintf(out, size, "%s", d);
        break;
    }
    case PCN_VALUE_BOOL:
        (void)snprintf(out, size, "%s", v != 0 ? "true" : "false");
        break;
    case PCN_VALUE_TEXT:
        (void)snprintf(out, size, "%s", pcn__results_str(r, (uint32_t)v));
        break;
    default:
        if (pcn_format_double(v, out, size) < 0)
            out[0] = '\0';
        break;
    }
    return out;
}

static enum pcn_err add_row(const struct pcn_results *r, const struct pcn_result *res, size_t i,
                            bool with_key, struct pcn_table *t)
{
    const struct pcn_snapshot *s = r->snap;
    uint32_t p = res->row_patient[i];
    size_t col = 0;
    char text[256];
    enum pcn_err rc = pcn_table_add_row(t);

    if (!rc && with_key)
        rc = pcn_table_set_int(t, col++, s->key[p]);
    if (!rc)
        rc = pcn_table_set_text(t, col++, patient_id(s, p));
    if (!rc)
        rc = pcn_table_set_text(t, col++, practice_of(s, p));
    for (size_t k = 0; k < res->def->n_items && !rc; k++)
        rc = pcn_table_set_text(t, col++, value_text(r, res, i, k, text, sizeof(text)));
    return rc;
}

static int cmp_ids(const void *pa, const void *pb, void *ud)
{
    const struct order_ctx *oc = ud;
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    int c = strcmp(patient_id(oc->r->snap, oc->res->row_patient[x]),
                   patient_id(oc->r->snap, oc->res->row_patient[y]));

    return c ? c : (x > y) - (x < y);
}

/*
 * The rows of res in patient id order, built the first time a query asks
 * (the API's default order), under the results' lock: results are shared
 * read-only by requests, and this is their one lazily built part.
 */
static enum pcn_err id_order(const struct pcn_results *r, const struct pcn_result *res,
                             const uint32_t **ret)
{
    struct pcn_results *rw = (struct pcn_results *)r; /* the lock and the cache are ours */
    struct pcn_result *rs = (struct pcn_result *)res;
    struct order_ctx oc = {r, res};
    enum pcn_err rc = PCN_OK;

    if (pthread_mutex_lock(&rw->lock) != 0)
        return PCN_EINVAL;
    if (!rs->by_id) {
        uint32_t *order = pcn_calloc(res->n_rows + 1, sizeof(*order));
        for (size_t i = 0; order && i < res->n_rows; i++)
            order[i] = (uint32_t)i;
        if (order && res->n_rows > 1)
            qsort_r(order, res->n_rows, sizeof(*order), cmp_ids, &oc);
        rs->by_id = order;
        rc = order ? PCN_OK : PCN_ENOMEM;
    }
    *ret = rs->by_id;
    (void)pthread_mutex_unlock(&rw->lock);
    return rc;
}

/* The rows that pass q, in q's order: *ret (n_rows + 1 allocated) and *ret_n. */
static enum pcn_err passing_rows(const struct pcn_results *r, const struct pcn_result *res,
                                 const struct pcn_row_query *q, size_t **ret, size_t *ret_n)
{
    struct sort_ctx sc = {r, res, q};
    const uint32_t *by_id = NULL;
    size_t *idx = pcn_calloc(res->n_rows + 1, sizeof(*idx));
    size_t n = 0;
    enum pcn_err rc = idx ? PCN_OK : PCN_ENOMEM;

    /* by patient id: walk the kept order, so nothing is sorted per query */
    if (rc == PCN_OK && q->sort_col == PCN_ROWS_BY_PATIENT_ID)
        rc = id_order(r, res, &by_id);
    if (rc != PCN_OK) {
        pcn_free(idx);
        return rc;
    }
    for (size_t k = 0; k < res->n_rows; k++) {
        size_t i = by_id ? by_id[q->descending ? res->n_rows - 1 - k : k] : k;
        if (row_passes(r, res, i, q))
            idx[n++] = i;
    }
    if (!by_id && q->sort_col != PCN_ROWS_IN_ORDER && n > 1)
        qsort_r(idx, n, sizeof(*idx), cmp_rows, &sc);
    *ret = idx;
    *ret_n = n;
    return PCN_OK;
}

enum pcn_err pcn__rows_table(const struct pcn_results *r, const struct pcn_result *res,
                             const struct pcn_row_query *q, struct pcn_table **ret,
                             size_t *ret_total)
{
    bool with_key = (q->flags & PCN_ROWS_FLAG_KEY) != 0;
    struct pcn_table *t = NULL;
    size_t *idx = NULL;
    size_t n = 0, end;
    enum pcn_err rc = passing_rows(r, res, q, &idx, &n);

    if (!rc) {
        t = rows_table_new(r, res, with_key);
        rc = t ? PCN_OK : PCN_ENOMEM;
    }
    end = q->limit && q->offset < n ? q->offset + PCN_MIN(q->limit, n - q->offset) : n;
    for (size_t i = q->offset; !rc && i < end; i++)
        rc = add_row(r, res, idx[i], with_key, t);
    pcn_free(idx);
    if (rc) {
        pcn_table_free(t);
        return rc;
    }
    if (ret_total)
        *ret_total = n;
    *ret = t;
    return PCN_OK;
}

enum pcn_err pcn_result_select(const struct pcn_results *r, const struct pcn_result *res,
                               const struct pcn_row_query *q, struct pcn_table **ret,
                               size_t *ret_total)
{
    long n_cols;

    if (!r || !res || !q || !ret || res->def->kind != DEF_WORKLIST)
        return PCN_EINVAL;
    n_cols = (long)res->def->n_items;
    if (q->range_col >= n_cols || q->range_col < -1 || q->sort_col >= n_cols ||
        q->sort_col < PCN_ROWS_IN_ORDER)
        return PCN_EINVAL;
    return pcn__rows_table(r, res, q, ret, ret_total);
}
