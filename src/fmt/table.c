/*
 * table.c - result tables rendered as text, CSV or JSON. Cells are kept as
 * text (numbers formatted locale-free when set) plus a null flag, so
 * rendering is a walk; JSON is built with jansson so escaping is right.
 */
#include "pcn/table.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/parse.h"
#include "pcn/vec.h"
#include "util/common.h"

struct table_cell {
    char *text; /* NULL: null */
};

struct pcn_table {
    char *kind;
    size_t n_cols;
    char **names;
    enum pcn_col_type *types;
    bool *detail;             /* per column: left out of the text table */
    struct table_cell *cells; /* n_rows * n_cols */
    size_t n_rows;
    size_t alloc; /* cells allocated */
};

enum pcn_err pcn_format_parse(const char *s, enum pcn_format *ret)
{
    if (strcmp(s, "table") == 0)
        *ret = PCN_FORMAT_TABLE;
    else if (strcmp(s, "csv") == 0)
        *ret = PCN_FORMAT_CSV;
    else if (strcmp(s, "json") == 0)
        *ret = PCN_FORMAT_JSON;
    else
        return PCN_EINVAL;
    return PCN_OK;
}

struct pcn_table *pcn_table_new(const char *kind, size_t n_cols, const char *const *names,
                                const enum pcn_col_type *types)
{
    struct pcn_table *t = pcn_calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->n_cols = n_cols;
    t->names = pcn_calloc(n_cols, sizeof(*t->names));
    t->types = pcn_calloc(n_cols, sizeof(*t->types));
    t->detail = pcn_calloc(n_cols ? n_cols : 1, sizeof(*t->detail));
    t->kind = kind ? pcn_strdup(kind) : NULL;
    if (!t->names || !t->types || !t->detail || (kind && !t->kind))
        goto fail;
    for (size_t i = 0; i < n_cols; i++) {
        t->names[i] = pcn_strdup(names[i]);
        if (!t->names[i])
            goto fail;
        t->types[i] = types[i];
    }
    return t;
fail:
    pcn_table_free(t);
    return NULL;
}

void pcn_table_free(struct pcn_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        pcn_free(t->cells[i].text);
    for (size_t i = 0; t->names && i < t->n_cols; i++)
        pcn_free(t->names[i]);
    pcn_free(t->cells);
    pcn_free(t->names);
    pcn_free(t->types);
    pcn_free(t->detail);
    pcn_free(t->kind);
    pcn_free(t);
}

enum pcn_err pcn_table_add_row(struct pcn_table *t)
{
    size_t need;

    if (!pcn_size_mul(t->n_rows + 1, t->n_cols, &need))
        return PCN_ENOMEM;
    if (PCN_GROW(t->cells, need, t->alloc) != PCN_OK)
        return PCN_ENOMEM;
    memset(&t->cells[t->n_rows * t->n_cols], 0, t->n_cols * sizeof(*t->cells));
    t->n_rows++;
    return PCN_OK;
}

static enum pcn_err set_cell(struct pcn_table *t, size_t col, const char *s)
{
    struct table_cell *c;
    char *copy = NULL;

    if (PCN_NEVER(t->n_rows == 0 || col >= t->n_cols))
        return PCN_EINVAL;
    c = &t->cells[(t->n_rows - 1) * t->n_cols + col];
    if (s) {
        copy = pcn_strdup(s);
        if (!copy)
            return PCN_ENOMEM;
    }
    pcn_free(c->text);
    c->text = copy;
    return PCN_OK;
}

enum pcn_err pcn_table_set_text(struct pcn_table *t, size_t col, const char *s)
{
    return set_cell(t, col, s);
}

enum pcn_err pcn_table_set_int(struct pcn_table *t, size_t col, int64_t v)
{
    char tmp[32];

    (void)snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    return set_cell(t, col, tmp);
}

enum pcn_err pcn_table_set_number(struct pcn_table *t, size_t col, double v)
{
    char tmp[40];

    if (pcn_format_double(v, tmp, sizeof(tmp)) < 0)
        return PCN_EINVAL;
    return set_cell(t, col, tmp);
}

enum pcn_err pcn_table_set_bool(struct pcn_table *t, size_t col, int v)
{
    return set_cell(t, col, v ? "true" : "false");
}

enum pcn_err pcn_table_set_detail(struct pcn_table *t, size_t col)
{
    if (col >= t->n_cols)
        return PCN_EINVAL;
    t->detail[col] = true;
    return PCN_OK;
}

size_t pcn_table_rows(const struct pcn_table *t)
{
    return t->n_rows;
}

size_t pcn_table_columns(const struct pcn_table *t)
{
    return t->n_cols;
}

const char *pcn_table_column_name(const struct pcn_table *t, size_t col)
{
    return col < t->n_cols ? t->names[col] : NULL;
}

enum pcn_col_type pcn_table_column_type(const struct pcn_table *t, size_t col)
{
    return col < t->n_cols ? t->types[col] : PCN_COL_TEXT;
}

static const char *cell(const struct pcn_table *t, size_t r, size_t c)
{
    return t->cells[r * t->n_cols + c].text;
}

const char *pcn_table_cell(const struct pcn_table *t, size_t row, size_t col)
{
    if (row >= t->n_rows || col >= t->n_cols)
        return NULL;
    return cell(t, row, col);
}

/* Display width of UTF-8 text: one column per code point. */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (; *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    }
    return w;
}

static enum pcn_err pad_cell(struct pcn_buf *out, const char *s, size_t width, bool right)
{
    size_t w = text_width(s);
    enum pcn_err rc = PCN_OK;

    for (size_t i = w; right && i < width && rc == PCN_OK; i++)
        rc = pcn_buf_addch(out, ' ');
    if (rc == PCN_OK)
        rc = pcn_buf_adds(out, s);
    for (size_t i = w; !right && i < width && rc == PCN_OK; i++)
        rc = pcn_buf_addch(out, ' ');
    return rc;
}

/* A cell as the text table shows it: booleans as yes/no. */
static const char *text_cell(const struct pcn_table *t, size_t r, size_t c)
{
    const char *s = cell(t, r, c);

    if (s && t->types[c] == PCN_COL_BOOL)
        return strcmp(s, "true") == 0 ? "yes" : "no";
    return s;
}

/* The last column the text table shows. */
static size_t last_shown(const struct pcn_table *t)
{
    size_t last = 0;

    for (size_t c = 0; c < t->n_cols; c++) {
        if (!t->detail[c])
            last = c;
    }
    return last;
}

static enum pcn_err render_row(const struct pcn_table *t, struct pcn_buf *out, const size_t *width,
                               size_t r)
{
    size_t end = last_shown(t);
    bool first = true;
    enum pcn_err rc = PCN_OK;

    for (size_t c = 0; c < t->n_cols && rc == PCN_OK; c++) {
        const char *s = r == SIZE_MAX ? t->names[c] : text_cell(t, r, c);
        bool last = c == end;
        bool right = r != SIZE_MAX && t->types[c] != PCN_COL_TEXT && t->types[c] != PCN_COL_BOOL;
        if (t->detail[c])
            continue;
        if (!first)
            rc = pcn_buf_adds(out, "  ");
        first = false;
        if (rc == PCN_OK)
            rc = pad_cell(out, s ? s : "", last && !right ? 0 : width[c], right);
    }
    return rc == PCN_OK ? pcn_buf_addch(out, '\n') : rc;
}

static enum pcn_err render_text(const struct pcn_table *t, struct pcn_buf *out)
{
    size_t *width = pcn_calloc(t->n_cols ? t->n_cols : 1, sizeof(*width));
    enum pcn_err rc;

    if (!width)
        return PCN_ENOMEM;
    for (size_t c = 0; c < t->n_cols; c++) {
        width[c] = text_width(t->names[c]);
        for (size_t r = 0; r < t->n_rows; r++) {
            const char *s = text_cell(t, r, c);
            width[c] = PCN_MAX(width[c], s ? text_width(s) : 0);
        }
    }
    rc = render_row(t, out, width, SIZE_MAX);
    for (size_t r = 0; r < t->n_rows && rc == PCN_OK; r++)
        rc = render_row(t, out, width, r);
    pcn_free(width);
    return rc;
}

/* Would a spreadsheet read a cell starting with ch as a formula (or strip it to one)? */
static bool starts_formula(char ch)
{
    return ch == '=' || ch == '+' || ch == '-' || ch == '@' || ch == '\t' || ch == '\r';
}

enum pcn_err pcn_table_write_csv_text(struct pcn_buf *out, const char *s)
{
    enum pcn_err rc;

    if (!starts_formula(s[0]))
        return pcn_csv_write_field(out, s, strlen(s));
    rc = pcn_buf_adds(out, "\"'");
    for (; *s && rc == PCN_OK; s++)
        rc = *s == '"' ? pcn_buf_adds(out, "\"\"") : pcn_buf_addch(out, *s);
    return rc == PCN_OK ? pcn_buf_addch(out, '"') : rc;
}

enum pcn_err pcn_table_render_csv(const struct pcn_table *t, const char *eol, struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    for (size_t r = 0; r <= t->n_rows && rc == PCN_OK; r++) {
        for (size_t c = 0; c < t->n_cols && rc == PCN_OK; c++) {
            const char *s = r == 0 ? t->names[c] : cell(t, r - 1, c);
            bool is_text = r == 0 || t->types[c] == PCN_COL_TEXT;
            if (c)
                rc = pcn_buf_addch(out, ',');
            if (rc == PCN_OK && s)
                rc = is_text ? pcn_table_write_csv_text(out, s)
                             : pcn_csv_write_field(out, s, strlen(s));
        }
        if (rc == PCN_OK)
            rc = pcn_buf_adds(out, eol);
    }
    return rc;
}

static json_t *json_cell(enum pcn_col_type type, const char *s)
{
    double d;
    int64_t i;

    if (!s)
        return json_null();
    if (type == PCN_COL_BOOL)
        return json_boolean(strcmp(s, "true") == 0);
    if (type == PCN_COL_INT && pcn_parse_i64(s, strlen(s), &i) == PCN_OK)
        return json_integer(i);
    if (type == PCN_COL_NUMBER && pcn_parse_double(s, strlen(s), &d) == PCN_OK)
        return json_real(d);
    return json_string(s);
}

enum pcn_err pcn_table_cell_to_json(const struct pcn_table *t, size_t row, size_t col, void **ret)
{
    const char *s;
    enum pcn_col_type type;
    json_t *j;

    if (row >= t->n_rows || col >= t->n_cols)
        return PCN_EINVAL;
    s = cell(t, row, col);
    type = t->types[col];
    /* a whole number reads as an integer, as jansson reads the text */
    if (s && type == PCN_COL_NUMBER && s[strspn(s, "-0123456789")] == '\0')
        type = PCN_COL_INT;
    j = json_cell(type, s);
    if (!j)
        return PCN_ENOMEM;
    *ret = j;
    return PCN_OK;
}

static json_t *table_to_json(const struct pcn_table *t)
{
    json_t *root = json_object();
    json_t *cols = json_array();
    json_t *rows = json_array();
    static const char *const type_names[] = {"text", "integer", "number", "boolean"};

    if (!root || !cols || !rows)
        goto fail;
    if (t->kind && json_object_set_new(root, "kind", json_string(t->kind)))
        goto fail;
    for (size_t c = 0; c < t->n_cols; c++) {
        json_t *col = json_pack("{s:s, s:s}", "name", t->names[c], "type", type_names[t->types[c]]);
        if (!col || json_array_append_new(cols, col))
            goto fail;
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        json_t *row = json_object();
        if (!row || json_array_append_new(rows, row))
            goto fail;
        for (size_t c = 0; c < t->n_cols; c++) {
            if (json_object_set_new(row, t->names[c], json_cell(t->types[c], cell(t, r, c))))
                goto fail;
        }
    }
    /* set_new takes the reference even when it fails */
    if (json_object_set_new(root, "columns", cols) != 0) {
        json_decref(rows);
        json_decref(root);
        return NULL;
    }
    if (json_object_set_new(root, "rows", rows) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
fail:
    json_decref(cols);
    json_decref(rows);
    json_decref(root);
    return NULL;
}

enum pcn_err pcn_table_to_json(const struct pcn_table *t, void **ret)
{
    json_t *j = table_to_json(t);

    if (!j)
        return PCN_ENOMEM;
    *ret = j;
    return PCN_OK;
}

static enum pcn_err render_json(const struct pcn_table *t, struct pcn_buf *out)
{
    json_t *root = table_to_json(t);
    char *text;
    enum pcn_err rc;

    if (!root)
        return PCN_ENOMEM;
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (!text)
        return PCN_ENOMEM;
    rc = pcn_buf_adds(out, text);
    if (rc == PCN_OK)
        rc = pcn_buf_addch(out, '\n');
    free(text); /* checksrc: ok, allocated by jansson */
    return rc;
}

enum pcn_err pcn_table_render(const struct pcn_table *t, enum pcn_format fmt, struct pcn_buf *out)
{
    switch (fmt) {
    case PCN_FORMAT_TABLE:
        return render_text(t, out);
    case PCN_FORMAT_CSV:
        return pcn_table_render_csv(t, "\n", out);
    case PCN_FORMAT_JSON:
        return render_json(t, out);
    }
    return PCN_EINVAL;
}

enum pcn_err pcn_table_print(const struct pcn_table *t, enum pcn_format fmt, FILE *f)
{
    struct pcn_buf out = PCN_BUF_INIT;
    enum pcn_err rc = pcn_table_render(t, fmt, &out);

    if (rc == PCN_OK && fwrite(out.buf, 1, out.len, f) != out.len)
        rc = PCN_EIO;
    pcn_buf_release(&out);
    return rc;
}
