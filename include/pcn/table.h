/*
 * table.h - a small result table (named, typed columns; rows of cells) and
 * its three renderings: an aligned text table for people, RFC 4180 CSV,
 * and JSON ({"kind": ..., "columns": [{"name", "type"}, ...], "rows":
 * [{name: value, ...}, ...]}). The CLI and the HTTP API render lists
 * through it so both share one schema (docs/api.md, "Result tables").
 * Detail columns (long hashes, secondary names) are in CSV and JSON but
 * left out of the text table so it stays readable. Not thread-safe; one
 * owner.
 */
#ifndef PCN_TABLE_H
#define PCN_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include "pcn/buf.h"
#include "pcn/error.h"

enum pcn_col_type {
    PCN_COL_TEXT,   /* JSON string */
    PCN_COL_INT,    /* JSON integer */
    PCN_COL_NUMBER, /* JSON number */
    PCN_COL_BOOL,   /* JSON true/false; "true"/"false" in CSV, "yes"/"no" in text */
};

enum pcn_format {
    PCN_FORMAT_TABLE,
    PCN_FORMAT_CSV,
    PCN_FORMAT_JSON,
};

/* Parse "table", "csv" or "json". PCN_EINVAL otherwise. */
enum pcn_err pcn_format_parse(const char *s, enum pcn_format *ret);

struct pcn_table;

/*
 * New table with n_cols columns named names[i] of types types[i] (both
 * copied). kind names the result in JSON ("kind": ...) and may be NULL.
 * Caller frees with pcn_table_free(). NULL on ENOMEM.
 */
struct pcn_table *pcn_table_new(const char *kind, size_t n_cols, const char *const *names,
                                const enum pcn_col_type *types);
void pcn_table_free(struct pcn_table *t);

/* Start a new row; cells default to null (empty in text and CSV). */
enum pcn_err pcn_table_add_row(struct pcn_table *t);

/* Set a cell of the last row. s is copied; NULL means null. */
enum pcn_err pcn_table_set_text(struct pcn_table *t, size_t col, const char *s);
enum pcn_err pcn_table_set_int(struct pcn_table *t, size_t col, int64_t v);
enum pcn_err pcn_table_set_number(struct pcn_table *t, size_t col, double v);
enum pcn_err pcn_table_set_bool(struct pcn_table *t, size_t col, int v);

/* Make col a detail column: kept in CSV and JSON, left out of the text table. */
enum pcn_err pcn_table_set_detail(struct pcn_table *t, size_t col);

size_t pcn_table_rows(const struct pcn_table *t);

/* The columns: how many, each one's name (NULL past the end) and type. */
size_t pcn_table_columns(const struct pcn_table *t);
const char *pcn_table_column_name(const struct pcn_table *t, size_t col);
enum pcn_col_type pcn_table_column_type(const struct pcn_table *t, size_t col);

/*
 * The text of a cell as set (numbers formatted, booleans "true"/"false");
 * NULL for a null cell or a row or column out of range. Borrowed; valid
 * until the cell is set again or the table is freed.
 */
const char *pcn_table_cell(const struct pcn_table *t, size_t row, size_t col);

/* Render the whole table into out (appended). CSV lines end with LF, as the CLI prints. */
enum pcn_err pcn_table_render(const struct pcn_table *t, enum pcn_format fmt, struct pcn_buf *out);

/*
 * The CSV rendering with lines ending in eol: "\r\n" as RFC 4180 has it
 * for files downloaded from the API (spreadsheets), "\n" as the CLI prints.
 * Text cells and the header go through pcn_table_write_csv_text(); numbers,
 * booleans and nulls are written as they are.
 */
enum pcn_err pcn_table_render_csv(const struct pcn_table *t, const char *eol, struct pcn_buf *out);

/*
 * Append text s as one CSV field (RFC 4180 quoting), neutralised against
 * spreadsheet formula injection: a value starting with '=', '+', '-',
 * '@', a tab or a carriage return, which a spreadsheet would run as a
 * formula, is written quoted with a single quote before it ("'=1+2"), so
 * it opens as the text it is. The one place CSV output neutralises
 * formulas: every CSV rendering of text (result tables, the engine's long
 * CSV) goes through it; the native bundle export, a data format read back
 * by pcn import, does not.
 */
enum pcn_err pcn_table_write_csv_text(struct pcn_buf *out, const char *s);

/*
 * The JSON rendering as a jansson object (json_t *, returned as void * so
 * this header does not need jansson.h), for callers that add members
 * beside the table's (the API adds paging). Caller releases *ret with
 * json_decref(). PCN_ENOMEM.
 */
enum pcn_err pcn_table_to_json(const struct pcn_table *t, void **ret);

/*
 * One cell as a jansson value (json_t *, as void *), typed by its column:
 * null, a boolean, a string, or a number, an integer when the text is one
 * (so "43" stays 43, as a JSON reader of the text would have it). For
 * callers that lay out rows their own way (the API's worklist rows).
 * Caller releases *ret with json_decref(). PCN_EINVAL out of range,
 * PCN_ENOMEM.
 */
enum pcn_err pcn_table_cell_to_json(const struct pcn_table *t, size_t row, size_t col, void **ret);

/* Render and write to f. PCN_EIO if the write fails. */
enum pcn_err pcn_table_print(const struct pcn_table *t, enum pcn_format fmt, FILE *f);

#endif /* PCN_TABLE_H */
