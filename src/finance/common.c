/*
 * common.c - the finance layer's shared helpers: CSV columns found by
 * header name (so files may add or reorder columns), row errors that name
 * the file and line, and the months of a contract year (April to March).
 */
#include "finance_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "util/common.h"

enum pcn_err pcn__cols_find(const struct pcn_csv *c, struct pcn__cols *cols,
                            const char *const *names, size_t n, size_t n_required,
                            struct pcn_error *reterr)
{
    assert(n <= PCN_ARRAY_SIZE(cols->idx) && n_required <= n);
    cols->n = n;
    cols->names = names;
    for (size_t i = 0; i < n; i++) {
        cols->idx[i] = pcn_csv_find(c, names[i]);
        if (i < n_required && cols->idx[i] < 0)
            return pcn__row_error(c, reterr, PCN_EPARSE, "missing column %s", names[i]);
    }
    return PCN_OK;
}

enum pcn_err pcn__cols_read(struct pcn_csv *c, struct pcn__cols *cols, const char *const *names,
                            size_t n, size_t n_required, struct pcn_error *reterr)
{
    enum pcn_err rc = pcn_csv_next(c, reterr);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EPARSE, "%s: empty file (no header)", pcn_csv_name(c));
    if (rc != PCN_OK)
        return rc;
    return pcn__cols_find(c, cols, names, n, n_required, reterr);
}

const char *pcn__cell(const struct pcn_csv *c, const struct pcn__cols *cols, size_t i,
                      size_t *ret_len)
{
    long at = cols->idx[i];

    if (at < 0 || (size_t)at >= pcn_csv_nfields(c)) {
        if (ret_len)
            *ret_len = 0;
        return "";
    }
    return pcn_csv_field(c, (size_t)at, ret_len);
}

enum pcn_err pcn__row_error(const struct pcn_csv *c, struct pcn_error *reterr, enum pcn_err code,
                            const char *fmt, ...)
{
    char msg[PCN_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return pcn_error_set(reterr, code, "%s:%lu: %s", pcn_csv_name(c), pcn_csv_line(c), msg);
}

int32_t pcn__month_start(int32_t from, int m)
{
    return pcn_date_add_months(from, m);
}

int pcn__month_days(int32_t from, int m)
{
    return (int)(pcn_date_add_months(from, m + 1) - pcn_date_add_months(from, m));
}

int64_t pcn__overlap_days(int32_t a1, int32_t a2, int32_t b1, int32_t b2)
{
    int32_t lo = PCN_MAX(a1, b1);
    int32_t hi;

    if (a2 == PCN_DATE_NONE)
        a2 = PCN_DATE_MAX;
    if (b2 == PCN_DATE_NONE)
        b2 = PCN_DATE_MAX;
    hi = PCN_MIN(a2, b2);
    return hi < lo ? 0 : (int64_t)hi - lo + 1;
}

int pcn__name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0)
            return (int)i;
    }
    return -1;
}

const char *pcn__name_at(const char *const *names, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? names[i] : "";
}
