/*
 * census.c - NHS England's PCN workforce census: the published
 * individual-level layout and the compact layout of
 * data/reference/census_staff.csv, streamed row by row with errors at
 * FILE:LINE; and census totals (FTE and rows per network and role) for
 * comparing a network with the others and with England.
 */
#include "pcn/workforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/rates.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"

/* ---- the census extract ---- */

enum census_col {
    C_SOURCE,
    C_YEAR,
    C_MONTH,
    C_PCN_CODE,
    C_PCN_NAME,
    C_SUB_ICB,
    C_ICB_CODE,
    C_ICB_NAME,
    C_REGION,
    C_GROUP,
    C_ROLE,
    C_DETAILED,
    C_FTE,
    C_ID,
    C_COUNT_
};

static const char *const census_cols[] = {"Data_source", "CENSUS_YEAR",      "CENSUS_MONTH",
                                          "PCN_CODE",    "PCN_NAME",         "SUB_ICB_CODE",
                                          "ICB_CODE",    "ICB_NAME",         "COMM_REGION_CODE",
                                          "STAFF_GROUP", "STAFF_ROLE",       "DETAILED_STAFF_ROLE",
                                          "FTE",         "UNIQUE_IDENTIFIER"};

static enum pcn_err census_row(struct pcn_csv *c, const struct pcn__cols *cols,
                               const struct pcn_roles *roles, struct pcn_census_row *r,
                               struct pcn_error *reterr)
{
    size_t len;
    const char *s = pcn__cell(c, cols, C_SOURCE, NULL);
    int64_t v;

    if (strcmp(s, "NWRS Staff") != 0 && strcmp(s, "NWRS contracted services") != 0)
        return pcn__row_error(c, reterr, PCN_EPARSE,
                              "Data_source '%s' is not NWRS Staff or NWRS "
                              "contracted services",
                              s);
    r->is_contracted = s[5] == 'c';
    r->pcn_code = pcn__cell(c, cols, C_PCN_CODE, &len);
    if (!pcn_ods_is_valid(PCN_ODS_PCN, r->pcn_code, len))
        return pcn__row_error(c, reterr, PCN_EPARSE, "PCN_CODE '%s' is not U and five digits",
                              r->pcn_code);
    s = pcn__cell(c, cols, C_YEAR, &len);
    if (pcn_parse_range(s, len, 2019, 9999, &v) != PCN_OK)
        return pcn__row_error(c, reterr, PCN_EPARSE, "CENSUS_YEAR '%s' is not a year", s);
    r->census_year = (int)v;
    s = pcn__cell(c, cols, C_MONTH, &len);
    if (pcn_parse_range(s, len, 1, 12, &v) != PCN_OK)
        return pcn__row_error(c, reterr, PCN_EPARSE, "CENSUS_MONTH '%s' is not 1-12", s);
    r->census_month = (int)v;
    s = pcn__cell(c, cols, C_FTE, &len);
    if (pcn_wte_parse(s, len, &r->fte) != PCN_OK)
        return pcn__row_error(c, reterr, PCN_EPARSE, "FTE '%s' is not a non-negative number", s);
    r->staff_group = pcn__cell(c, cols, C_GROUP, NULL);
    r->staff_role = pcn__cell(c, cols, C_ROLE, NULL);
    r->detailed_role = pcn__cell(c, cols, C_DETAILED, NULL);
    r->role = pcn_roles_census(roles, r->staff_role, r->detailed_role);
    if (r->role < 0)
        return pcn__row_error(c, reterr, PCN_EPARSE, "role '%s' / '%s' is not in census_roles.csv",
                              r->staff_role, r->detailed_role);
    r->pcn_name = pcn__cell(c, cols, C_PCN_NAME, NULL);
    r->sub_icb_code = pcn__cell(c, cols, C_SUB_ICB, NULL);
    r->icb_code = pcn__cell(c, cols, C_ICB_CODE, NULL);
    r->icb_name = pcn__cell(c, cols, C_ICB_NAME, NULL);
    r->region_code = pcn__cell(c, cols, C_REGION, NULL);
    r->person = pcn__cell(c, cols, C_ID, NULL);
    r->line = pcn_csv_line(c);
    return PCN_OK;
}

/* The compact layout of data/reference/census_staff.csv. */
enum compact_col { K_PCN, K_ROLE, K_FTE, K_PERSON, K_CONTRACTED, K_COUNT_ };
static const char *const compact_cols[] = {"pcn", "role", "fte", "person", "contracted"};

static enum pcn_err compact_row(struct pcn_csv *c, const struct pcn__cols *cols,
                                const struct pcn_roles *roles, struct pcn_census_row *r,
                                struct pcn_error *reterr)
{
    size_t len;
    const char *s = pcn__cell(c, cols, K_ROLE, &len);

    r->role = pcn_roles_find(roles, s, len);
    if (r->role < 0)
        return pcn__row_error(c, reterr, PCN_EPARSE, "unknown role %s", s);
    r->pcn_code = pcn__cell(c, cols, K_PCN, &len);
    if (!pcn_ods_is_valid(PCN_ODS_PCN, r->pcn_code, len))
        return pcn__row_error(c, reterr, PCN_EPARSE, "pcn '%s' is not U and five digits",
                              r->pcn_code);
    s = pcn__cell(c, cols, K_FTE, &len);
    if (pcn_wte_parse(s, len, &r->fte) != PCN_OK)
        return pcn__row_error(c, reterr, PCN_EPARSE, "fte '%s' is not a non-negative number", s);
    s = pcn__cell(c, cols, K_CONTRACTED, NULL);
    if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
        return pcn__row_error(c, reterr, PCN_EPARSE, "contracted '%s' is not 0 or 1", s);
    r->is_contracted = s[0] == '1';
    r->person = pcn__cell(c, cols, K_PERSON, NULL);
    r->pcn_name = r->sub_icb_code = r->icb_code = r->icb_name = r->region_code = "";
    r->staff_group = r->staff_role = r->detailed_role = "";
    r->line = pcn_csv_line(c);
    return PCN_OK;
}

enum pcn_err pcn__census_read(struct pcn_csv *c, const struct pcn_roles *roles, pcn_census_fn fn,
                              void *ud, struct pcn_error *reterr)
{
    struct pcn__cols cols;
    bool compact;
    enum pcn_err rc = pcn_csv_next(c, reterr);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EPARSE, "%s: empty file (no header)", pcn_csv_name(c));
    compact = rc == PCN_OK && pcn_csv_find(c, "PCN_CODE") < 0 && pcn_csv_find(c, "pcn") >= 0;
    if (rc == PCN_OK)
        rc = compact ? pcn__cols_find(c, &cols, compact_cols, K_COUNT_, K_COUNT_, reterr)
                     : pcn__cols_find(c, &cols, census_cols, C_COUNT_, C_COUNT_, reterr);
    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK) {
        struct pcn_census_row r;
        memset(&r, 0, sizeof(r));
        rc = compact ? compact_row(c, &cols, roles, &r, reterr)
                     : census_row(c, &cols, roles, &r, reterr);
        if (rc == PCN_OK && fn(&r, ud) != 0)
            rc = PCN_ENOTFOUND;
    }
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

enum pcn_err pcn_census_read(const char *path, const struct pcn_roles *roles, pcn_census_fn fn,
                             void *ud, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = pcn_csv_open(path, &c, reterr);

    if (rc == PCN_OK)
        rc = pcn__census_read(c, roles, fn, ud, reterr);
    pcn_csv_free(c);
    return rc;
}

/* ---- census totals ---- */

struct pcn_census_totals {
    size_t n_roles;
    struct pcn_strmap *slot; /* network -> index */
    char **codes;            /* by index */
    int64_t *fte;            /* index x n_roles */
    int64_t *rows;           /* index x n_roles */
    size_t n;
    size_t alloc;
    size_t *order; /* indexes in code order */
    enum pcn_err rc;
};

void pcn_census_totals_free(struct pcn_census_totals *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        pcn_free(t->codes[i]);
    pcn_free(t->codes);
    pcn_free(t->fte);
    pcn_free(t->rows);
    pcn_free(t->order);
    pcn_strmap_free(t->slot);
    pcn_free(t);
}

/* Make room for network n (codes, fte and rows grow together). */
static enum pcn_err totals_grow(struct pcn_census_totals *t)
{
    size_t alloc = t->alloc;
    size_t cells;
    int64_t *fte;
    int64_t *rows;
    enum pcn_err rc = PCN_GROW(t->codes, t->n + 1, alloc);

    if (rc != PCN_OK || alloc == t->alloc)
        return rc;
    if (!pcn_size_mul(alloc, t->n_roles, &cells))
        return PCN_ENOMEM;
    fte = pcn_reallocarray(t->fte, cells, sizeof(*fte));
    if (fte)
        t->fte = fte;
    rows = fte ? pcn_reallocarray(t->rows, cells, sizeof(*rows)) : NULL;
    if (rows)
        t->rows = rows;
    if (!fte || !rows)
        return PCN_ENOMEM;
    t->alloc = alloc;
    return PCN_OK;
}

enum pcn_err pcn_census_totals_add(struct pcn_census_totals *t, const struct pcn_census_row *r)
{
    uint64_t at;
    int added;
    enum pcn_err rc;

    if (!r->pcn_code || r->role < 0 || (size_t)r->role >= t->n_roles)
        return PCN_EINVAL;
    rc = pcn_strmap_intern(t->slot, r->pcn_code, strlen(r->pcn_code), t->n, &at, &added);
    if (rc == PCN_OK && added) {
        rc = totals_grow(t);
        if (rc == PCN_OK) {
            t->codes[t->n] = pcn_strdup(r->pcn_code);
            memset(t->fte + t->n * t->n_roles, 0, t->n_roles * sizeof(*t->fte));
            memset(t->rows + t->n * t->n_roles, 0, t->n_roles * sizeof(*t->rows));
            rc = t->codes[t->n] ? PCN_OK : PCN_ENOMEM;
            t->n += rc == PCN_OK;
        }
    }
    if (rc != PCN_OK)
        return rc;
    t->fte[at * t->n_roles + (size_t)r->role] += r->fte;
    t->rows[at * t->n_roles + (size_t)r->role]++;
    return PCN_OK;
}

static int totals_row(const struct pcn_census_row *r, void *ud)
{
    struct pcn_census_totals *t = ud;

    t->rc = pcn_census_totals_add(t, r);
    return t->rc != PCN_OK;
}

static int by_code(const void *a, const void *b, void *ud)
{
    char *const *codes = ud;

    return strcmp(codes[*(const size_t *)a], codes[*(const size_t *)b]);
}

struct pcn_census_totals *pcn_census_totals_new(const struct pcn_roles *roles)
{
    struct pcn_census_totals *t = pcn_calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->n_roles = pcn_roles_count(roles);
    t->slot = pcn_strmap_new();
    if (!t->slot) {
        pcn_free(t);
        return NULL;
    }
    return t;
}

enum pcn_err pcn_census_totals_finish(struct pcn_census_totals *t)
{
    pcn_free(t->order);
    t->order = pcn_calloc(t->n ? t->n : 1, sizeof(*t->order));
    if (!t->order)
        return PCN_ENOMEM;
    for (size_t i = 0; i < t->n; i++)
        t->order[i] = i;
    qsort_r(t->order, t->n, sizeof(*t->order), by_code, t->codes);
    return PCN_OK;
}

enum pcn_err pcn_census_totals_load(const char *path, const struct pcn_roles *roles,
                                    struct pcn_census_totals **ret, struct pcn_error *reterr)
{
    char def[4096];
    struct pcn_census_totals *t = pcn_census_totals_new(roles);
    enum pcn_err rc = t ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK && !path) {
        rc = pcn_data_path("data/reference/census_staff.csv", def, sizeof(def));
        path = def;
    }
    if (rc == PCN_OK)
        rc = pcn_census_read(path, roles, totals_row, t, reterr);
    if (rc == PCN_OK)
        rc = t->rc;
    if (rc == PCN_OK)
        rc = pcn_census_totals_finish(t);
    if (rc != PCN_OK) {
        pcn_census_totals_free(t);
        return rc == PCN_ENOMEM ? pcn_error_set(reterr, rc, "out of memory loading %s",
                                                path ? path : "the census")
                                : rc;
    }
    *ret = t;
    return PCN_OK;
}

size_t pcn_census_totals_count(const struct pcn_census_totals *t)
{
    return t->n;
}

const char *pcn_census_totals_network(const struct pcn_census_totals *t, size_t i)
{
    return i < t->n ? t->codes[t->order[i]] : NULL;
}

int pcn_census_totals_find(const struct pcn_census_totals *t, const char *network)
{
    uint64_t at;

    if (!pcn_strmap_get(t->slot, network, strlen(network), &at))
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->order[i] == at)
            return (int)i;
    }
    return -1;
}

/* Sum a row of the matrix m for the network in code order i; role -1: all. */
static int64_t totals_cell(const struct pcn_census_totals *t, const int64_t *m, size_t i, int role)
{
    const int64_t *row;
    int64_t sum = 0;

    if (i >= t->n || role >= (int)t->n_roles)
        return 0;
    row = m + t->order[i] * t->n_roles;
    if (role >= 0)
        return row[role];
    for (size_t k = 0; k < t->n_roles; k++)
        sum += row[k];
    return sum;
}

int64_t pcn_census_totals_fte(const struct pcn_census_totals *t, size_t i, int role)
{
    return totals_cell(t, t->fte, i, role);
}

int64_t pcn_census_totals_rows(const struct pcn_census_totals *t, size_t i, int role)
{
    return totals_cell(t, t->rows, i, role);
}
