/*
 * csv.h - streaming RFC 4180 CSV reader.
 *
 * Reads a file (or a memory span) record by record: fields separated by
 * commas, records by LF or CRLF, fields optionally in double quotes with ""
 * as an escaped quote; quoted fields may span lines. A UTF-8 byte order
 * mark at the start is skipped. Every field is checked to be valid UTF-8.
 * Errors name the source and the line where the record starts:
 * "FILE:LINE: message". Not thread-safe; one reader per thread.
 */
#ifndef PCN_CSV_H
#define PCN_CSV_H

#include <stddef.h>

#include "pcn/error.h"

struct pcn_csv;

/* Limits that keep a hostile file from taking the machine. */
#define PCN_CSV_MAX_FIELDS 1024
#define PCN_CSV_MAX_RECORD ((size_t)1 << 20) /* bytes in one record */

/*
 * Open path for reading. name (borrowed, copied) is used in messages; NULL
 * uses path. Caller frees *ret with pcn_csv_free().
 */
enum pcn_err pcn_csv_open(const char *path, struct pcn_csv **ret, struct pcn_error *reterr);

/* Read from memory (borrowed; must outlive the reader). name is copied. */
enum pcn_err pcn_csv_new_mem(const char *data, size_t len, const char *name, struct pcn_csv **ret);

/* Close and free. NULL-safe. */
void pcn_csv_free(struct pcn_csv *c);

/*
 * Read the next record. PCN_OK with a record, PCN_ENOTFOUND at end of
 * input, PCN_EPARSE/PCN_ELIMIT/PCN_EIO with *reterr naming file and line.
 * Blank lines (a record that is a single empty field) are skipped.
 */
enum pcn_err pcn_csv_next(struct pcn_csv *c, struct pcn_error *reterr);

/* Number of fields in the current record. */
size_t pcn_csv_nfields(const struct pcn_csv *c);

/*
 * Field i of the current record (i < nfields), NUL-terminated, unquoted.
 * Borrowed; valid until the next pcn_csv_next(). *ret_len gets the length
 * when not NULL.
 */
const char *pcn_csv_field(const struct pcn_csv *c, size_t i, size_t *ret_len);

/* 1-based line number on which the current record starts. */
unsigned long pcn_csv_line(const struct pcn_csv *c);

/* The name given at open (file path by default). Borrowed. */
const char *pcn_csv_name(const struct pcn_csv *c);

/* Bytes consumed from the input so far (for progress reports). */
unsigned long long pcn_csv_offset(const struct pcn_csv *c);

/* Total input size in bytes when known (regular file or memory), else 0. */
unsigned long long pcn_csv_size(const struct pcn_csv *c);

/*
 * Header helper: index of the column named `name` (exact match) in the
 * current record, or -1.
 */
long pcn_csv_find(const struct pcn_csv *c, const char *name);

/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int pcn_utf8_valid(const char *s, size_t len);

/*
 * Append one CSV-escaped field to buf (quoted only when needed). Declared
 * here so writers and readers agree on the dialect.
 */
struct pcn_buf;
enum pcn_err pcn_csv_write_field(struct pcn_buf *buf, const char *s, size_t len);

#endif /* PCN_CSV_H */
