/*
 * views_row.h - the row writer of the workforce and finance views
 * (views_row.c); not part of the public API.
 */
#ifndef PCN_OPS_VIEWS_ROW_H
#define PCN_OPS_VIEWS_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/table.h"

struct pcn_contract;

/* A row being written: the table, the next column and the first error. */
struct pcn__row {
    struct pcn_table *t;
    size_t col;
    enum pcn_err rc;
};

/* A new table of kind with the n columns of names/types, and the writer over it. */
enum pcn_err pcn__table_start(struct pcn__row *r, const char *kind, size_t n,
                              const char *const *names, const enum pcn_col_type *types);
/* The writer's error decides: the table to *ret, or freed. */
enum pcn_err pcn__table_finish(struct pcn__row *r, struct pcn_table **ret);

void pcn__row_start(struct pcn__row *r);
void pcn__put_text(struct pcn__row *r, const char *s);
void pcn__put_null(struct pcn__row *r);
void pcn__put_int(struct pcn__row *r, int64_t v);
void pcn__put_bool(struct pcn__row *r, int v);
/* Pence as pounds with two decimals. */
void pcn__put_money(struct pcn__row *r, int64_t pence);
/* WTE units with the decimals they need. */
void pcn__put_wte(struct pcn__row *r, int64_t wte);
/* YYYY-MM-DD, or null for PCN_DATE_NONE. */
void pcn__put_date(struct pcn__row *r, int32_t d);
/* YYYY-MM of month m (0 = April) of year c, or null for m < 0. */
void pcn__put_month(struct pcn__row *r, const struct pcn_contract *c, int m);
/* s, or null when s is NULL or empty. */
void pcn__put_opt(struct pcn__row *r, const char *s);

#endif /* PCN_OPS_VIEWS_ROW_H */
