/*
 * views_row.c - the cell writer the workforce and finance views share: a
 * row is appended column by column, the first error is kept and later
 * cells are skipped, money and WTE go out as exact decimal text and dates
 * and months as ISO text.
 */
#include "views_row.h"

#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/rates.h"
#include "util/common.h"

void pcn__row_start(struct pcn__row *r)
{
    r->col = 0;
    if (r->rc == PCN_OK)
        r->rc = pcn_table_add_row(r->t);
}

void pcn__put_text(struct pcn__row *r, const char *s)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_text(r->t, r->col, s);
    r->col++;
}

void pcn__put_null(struct pcn__row *r)
{
    r->col++;
}

void pcn__put_int(struct pcn__row *r, int64_t v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_int(r->t, r->col, v);
    r->col++;
}

void pcn__put_bool(struct pcn__row *r, int v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_bool(r->t, r->col, v);
    r->col++;
}

void pcn__put_money(struct pcn__row *r, int64_t pence)
{
    char v[PCN_MONEY_STR_SIZE];

    pcn_pence_format(pence, v);
    pcn__put_text(r, v);
}

void pcn__put_wte(struct pcn__row *r, int64_t wte)
{
    char v[PCN_WTE_STR_SIZE];

    pcn_wte_format(wte, v);
    pcn__put_text(r, v);
}

void pcn__put_date(struct pcn__row *r, int32_t d)
{
    char v[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE) {
        pcn__put_null(r);
        return;
    }
    pcn_date_format(d, v);
    pcn__put_text(r, v);
}

/* "YYYY-MM" of month m of a year, or null for m < 0. */
void pcn__put_month(struct pcn__row *r, const struct pcn_contract *c, int m)
{
    char v[PCN_DATE_STR_SIZE];

    if (m < 0) {
        pcn__put_null(r);
        return;
    }
    pcn_date_format(pcn_date_add_months(pcn_contract_from(c), m), v);
    v[7] = '\0';
    pcn__put_text(r, v);
}

void pcn__put_opt(struct pcn__row *r, const char *s)
{
    if (s && s[0])
        pcn__put_text(r, s);
    else
        pcn__put_null(r);
}

/* A new table of kind with the n columns of names/types; the row writer over it. */
enum pcn_err pcn__table_start(struct pcn__row *r, const char *kind, size_t n,
                              const char *const *names, const enum pcn_col_type *types)
{
    r->t = pcn_table_new(kind, n, names, types);
    r->col = 0;
    r->rc = r->t ? PCN_OK : PCN_ENOMEM;
    return r->rc;
}

enum pcn_err pcn__table_finish(struct pcn__row *r, struct pcn_table **ret)
{
    if (r->rc != PCN_OK) {
        pcn_table_free(r->t);
        return r->rc;
    }
    *ret = r->t;
    return PCN_OK;
}
