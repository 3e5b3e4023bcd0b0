/*
 * api_worklists.c - GET /worklists (the worklists of the definitions) and
 * GET /worklists/{name}: a worklist's rows filtered (practice, text in the
 * patient id, a range on one column), sorted and paged, as JSON or CSV.
 * Practice managers get their own practice's rows only; every read is
 * audited (api.c marks the route). The handler only turns parameters into
 * the engine's row query (pcn_result_select()) and lays out its table;
 * filtering, sorting and CSV are the engine's and fmt's, the same for
 * every client (the dashboard asks here instead of filtering itself).
 */
#include "server/population.h"

#include <math.h>
#include <string.h>

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/table.h"
#include "pcn/validate.h"
#include "util/common.h"

/* The worklists of the definitions: a "worklists" table of name and title. */
static enum pcn_err worklist_table(const struct pcn_program *p, struct pcn_table **ret)
{
    static const char *const names[] = {"name", "title"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT};
    struct pcn_table *t = pcn_table_new("worklists", 2, names, types);
    enum pcn_err rc = t ? PCN_OK : PCN_ENOMEM;

    for (size_t i = 0; rc == PCN_OK && i < pcn_program_def_count(p); i++) {
        const char *kind = NULL;
        const char *name = NULL;
        const char *title = NULL;
        rc = pcn_program_def_info(p, i, &kind, &name, &title);
        if (rc != PCN_OK || strcmp(kind, "worklist") != 0)
            continue;
        rc = pcn_table_add_row(t);
        if (rc == PCN_OK)
            rc = pcn_table_set_text(t, 0, name);
        if (rc == PCN_OK)
            rc = pcn_table_set_text(t, 1, title ? title : name);
    }
    if (rc != PCN_OK) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

int pcn__api_worklists(struct pcn__request *r)
{
    struct pcn__program_ref *p;
    struct pcn_table *t = NULL;
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    p = pcn__request_program(r);
    if (!p)
        return 0;
    rc = worklist_table(pcn__program_of(p), &t);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:I}", "total", (json_int_t)(t ? pcn_table_rows(t) : 0)));
}

/* Is `name` a worklist of program p? Replies 404 and returns false when not. */
static bool is_worklist(struct pcn__request *r, const struct pcn_program *p, const char *name)
{
    struct pcn_error err;

    if (pcn_program_match(p, name, NULL, &err) != PCN_OK) {
        pcn__reply_error(r, 404, "not_found", "%s", err.msg);
        return false;
    }
    for (size_t i = 0; i < pcn_program_def_count(p); i++) {
        const char *kind = NULL;
        const char *def = NULL;
        const char *title = NULL;
        if (pcn_program_def_info(p, i, &kind, &def, &title) == PCN_OK && !strcmp(def, name) &&
            !strcmp(kind, "worklist"))
            return true;
    }
    pcn__reply_error(r, 404, "not_found", "'%s' is not a worklist", name);
    return false;
}

/* sort and order: patient_id (default), practice or a column title. */
static bool parse_sort(struct pcn__request *r, const struct pcn_results *res,
                       const struct pcn_result *wl, struct pcn_row_query *q)
{
    const char *sort = pcn__query(r, "sort");
    const char *order = pcn__query(r, "order");

    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        pcn__reply_error(r, 400, "invalid_parameter", "order must be asc or desc");
        return false;
    }
    q->descending = order && strcmp(order, "desc") == 0;
    if (!sort || strcmp(sort, "patient_id") == 0) {
        q->sort_col = PCN_ROWS_BY_PATIENT_ID;
        return true;
    }
    if (strcmp(sort, "practice") == 0) {
        q->sort_col = PCN_ROWS_BY_PRACTICE;
        return true;
    }
    q->sort_col = pcn_result_column_index(res, wl, sort);
    if (q->sort_col >= 0)
        return true;
    pcn__reply_error(r, 400, "invalid_parameter", "sort: no column '%.64s'", sort);
    return false;
}

/* A range bound: a number, or a YYYY-MM-DD date as its day number. */
static bool parse_bound(const char *v, double *ret, bool *ret_is_date)
{
    int32_t day;

    if (pcn_date_parse(v, strlen(v), &day) == PCN_OK) {
        *ret = day;
        *ret_is_date = true;
        return true;
    }
    *ret_is_date = false;
    return pcn_parse_double(v, strlen(v), ret) == PCN_OK && isfinite(*ret);
}

/* The word for what a column holds, in messages. */
static const char *type_word(enum pcn_value_type t)
{
    static const char *const words[] = {"number", "date", "text", "boolean"};
    return words[t];
}

/* column, min and max; replies 400 and returns false when bad. */
static bool parse_range(struct pcn__request *r, const struct pcn_results *res,
                        const struct pcn_result *wl, struct pcn_row_query *q)
{
    const char *column = pcn__query(r, "column");
    const char *lo = pcn__query(r, "min");
    const char *hi = pcn__query(r, "max");
    bool lo_date = false;
    bool hi_date = false;
    enum pcn_value_type type;

    if (!column && !lo && !hi)
        return true;
    if (!column || (!lo && !hi)) {
        pcn__reply_error(r, 400, "invalid_parameter", "a range filter needs column and min or max");
        return false;
    }
    q->range_col = pcn_result_column_index(res, wl, column);
    if (q->range_col < 0) {
        pcn__reply_error(r, 400, "invalid_parameter", "column: no column '%.64s'", column);
        return false;
    }
    q->has_min = lo != NULL;
    q->has_max = hi != NULL;
    if ((lo && !parse_bound(lo, &q->min, &lo_date)) ||
        (hi && !parse_bound(hi, &q->max, &hi_date)) || (lo && hi && lo_date != hi_date)) {
        pcn__reply_error(r, 400, "invalid_parameter",
                         "min and max must both be numbers or both dates (YYYY-MM-DD)");
        return false;
    }
    if (lo && hi && q->min > q->max) {
        pcn__reply_error(r, 400, "invalid_parameter", "min is greater than max");
        return false;
    }
    type = pcn_result_column_type(res, wl, (size_t)q->range_col);
    if (type != ((lo ? lo_date : hi_date) ? PCN_VALUE_DATE : PCN_VALUE_NUMBER)) {
        pcn__reply_error(r, 400, "invalid_parameter", "column '%.64s' holds %s values, not %ss",
                         column, type_word(type), (lo ? lo_date : hi_date) ? "date" : "number");
        return false;
    }
    return true;
}

/* practice, patient and the range; replies 400 and returns false when bad. */
static bool parse_filter(struct pcn__request *r, const struct pcn_results *res,
                         const struct pcn_result *wl, const char *practice, struct pcn_row_query *q)
{
    q->practice = practice;
    q->text = pcn__query(r, "patient");
    if (practice && !pcn_ods_is_valid(PCN_ODS_PRACTICE, practice, strlen(practice))) {
        pcn__reply_error(r, 400, "invalid_parameter", "practice: not a practice ODS code");
        return false;
    }
    if (q->text && (q->text[0] == '\0' || strlen(q->text) > 64)) {
        pcn__reply_error(r, 400, "invalid_parameter", "patient: 1 to 64 characters");
        return false;
    }
    return parse_range(r, res, wl, q);
}

/* The page as CSV (RFC 4180: CRLF line ends), a download named after the worklist. */
static int reply_csv(struct pcn__request *r, const char *name, const struct pcn_table *t)
{
    struct pcn_buf *out = pcn__reply_buf_new(r);
    enum pcn_err rc = out ? pcn_table_render_csv(t, "\r\n", out) : PCN_ENOMEM;

    if (rc == PCN_OK) {
        r->disposition = pcn_arena_printf(r->arena, "attachment; filename=\"%s.csv\"", name);
        if (!r->disposition)
            rc = PCN_ENOMEM;
    }
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return pcn__reply_raw(r, 200, "text/csv; charset=utf-8", out->buf, out->len);
}

/*
 * Row i of the table (key, patient_id, practice, values...) as the API's
 * row object: {"patient_id", "practice", "values": [...], "key"}, the
 * engine's worklist row with the store key after it.
 */
static json_t *row_json(const struct pcn_table *t, size_t i)
{
    static const char *const ids[] = {"key", "patient_id", "practice"};
    json_t *row = json_object();
    json_t *values = json_array();
    void *key = NULL;
    bool ok = row && values && pcn_table_cell_to_json(t, i, 0, &key) == PCN_OK;

    for (size_t c = 1; ok && c < pcn_table_columns(t); c++) {
        void *v = NULL;
        ok = pcn_table_cell_to_json(t, i, c, &v) == PCN_OK;
        if (ok && c < PCN_ARRAY_SIZE(ids))
            ok = json_object_set_new(row, ids[c], v) == 0;
        else if (ok)
            ok = json_array_append_new(values, v) == 0;
    }
    /* set_new takes the value even when it fails */
    if (ok) {
        ok = json_object_set_new(row, "values", values) == 0;
        values = NULL;
    }
    if (ok) {
        ok = json_object_set_new(row, "key", key) == 0;
        key = NULL;
    }
    if (ok)
        return row;
    json_decref(values);
    json_decref(key);
    json_decref(row);
    return NULL;
}

/* {"kind": "worklist", "name", "title", "as_of", "columns", "rows", "total", "limit", "offset"}. */
static json_t *page_json(const struct pcn_results *res, const struct pcn_result *wl,
                         const struct pcn_table *t, size_t total, int64_t limit, int64_t offset)
{
    char as_of[PCN_DATE_STR_SIZE];
    json_t *columns = json_array();
    json_t *rows = json_array();
    bool ok = columns && rows;

    for (size_t c = 0; ok && c < pcn_result_column_count(wl); c++)
        ok = json_array_append_new(columns, json_string(pcn_result_column_name(res, wl, c))) == 0;
    for (size_t i = 0; ok && i < pcn_table_rows(t); i++)
        ok = json_array_append_new(rows, row_json(t, i)) == 0;
    if (!ok) {
        json_decref(columns);
        json_decref(rows);
        return NULL;
    }
    pcn_date_format(pcn_results_as_of(res), as_of);
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:I,s:I}", "kind", "worklist", "name",
                     pcn_result_name(wl), "title", pcn_result_title(wl), "as_of", as_of, "columns",
                     columns, "rows", rows, "total", (json_int_t)total, "limit", (json_int_t)limit,
                     "offset", (json_int_t)offset);
}

/* The rows the query selects, as JSON or CSV. */
/*
 * The audit row's object: the worklist, the practice it was limited to,
 * every filter, sort and page parameter as given, and how many patients
 * the answer holds of how many matched ("who saw which patients").
 */
static void audit_object(struct pcn__request *r, const char *name, const char *practice,
                         size_t rows, size_t total)
{
    static const char *const asked[] = {"as_of", "patient", "column", "min",    "max",
                                        "sort",  "order",   "limit",  "offset", "format"};
    struct pcn_buf b = PCN_BUF_INIT;
    enum pcn_err rc = pcn_buf_addf(&b, "%s practice=%s", name, practice ? practice : "(all)");

    for (size_t i = 0; i < PCN_ARRAY_SIZE(asked) && rc == PCN_OK; i++) {
        const char *v = pcn__query(r, asked[i]);
        if (v)
            rc = pcn_buf_addf(&b, " %s=%s", asked[i], v);
    }
    if (rc == PCN_OK)
        rc = pcn_buf_addf(&b, " rows=%zu of %zu", rows, total);
    if (rc == PCN_OK)
        r->object_id = pcn_arena_strdup(r->arena, b.buf);
    pcn_buf_release(&b);
}

static int reply_rows(struct pcn__request *r, const struct pcn_results *res,
                      const struct pcn_result *wl, const struct pcn_row_query *q, bool csv,
                      const char *practice)
{
    struct pcn_table *t = NULL;
    size_t total = 0;
    json_t *j;
    enum pcn_err rc = pcn_result_select(res, wl, q, &t, &total);

    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    audit_object(r, pcn_result_name(wl), practice, pcn_table_rows(t), total);
    if (csv) {
        int done = reply_csv(r, pcn_result_name(wl), t);
        pcn_table_free(t);
        return done;
    }
    j = page_json(res, wl, t, total, (int64_t)q->limit, (int64_t)q->offset);
    pcn_table_free(t);
    return pcn__reply_json(r, 200, j);
}

int pcn__api_worklist(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", "practice", "patient", "column", "min",    "max",
                                         "sort",  "order",    "limit",   "offset", "format", NULL};
    const char *name = pcn__param(r, 0);
    const char *practice = pcn__query(r, "practice");
    const char *format = pcn__query(r, "format");
    struct pcn_eval_options o;
    struct pcn_row_query q;
    struct pcn__program_ref *p;
    const struct pcn_results *res;
    const struct pcn_result *wl;
    int64_t limit;
    int64_t offset;

    r->object_type = "worklist";
    r->object_id = name;
    if (!pcn__check_query(r, params) || !pcn__query_eval_options(r, &o) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &offset))
        return 0;
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return pcn__reply_error(r, 400, "invalid_parameter", "format must be json or csv");
    if (!name || !pcn__name_is_plain(name))
        return pcn__reply_error(r, 404, "not_found", "no such worklist");
    if (r->who.role == PCN_ROLE_PRACTICE_MANAGER) {
        if (practice && (!r->who.practice || strcmp(practice, r->who.practice) != 0))
            return pcn__reply_error(r, 403, "forbidden",
                                    "practice managers see their own "
                                    "practice's patients only");
        practice = r->who.practice;
    }
    p = pcn__request_program(r);
    if (!p || !is_worklist(r, pcn__program_of(p), name))
        return 0;
    res = pcn__request_results(r, p, name, &o);
    if (!res)
        return 0;
    wl = pcn_results_find(res, name);
    if (!wl)
        return pcn__reply_error(r, 404, "not_found", "'%s' is not a worklist", name);
    pcn_row_query_init(&q);
    q.flags = PCN_ROWS_FLAG_KEY;
    q.offset = (size_t)offset;
    q.limit = (size_t)limit;
    if (!parse_sort(r, res, wl, &q) || !parse_filter(r, res, wl, practice, &q))
        return 0;
    return reply_rows(r, res, wl, &q, format && strcmp(format, "csv") == 0, practice);
}
