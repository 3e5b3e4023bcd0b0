/*
 * rates.c - loads the DES rules from data: one contract year per file,
 * and the set of years in a folder (with the roles of roles.c). All is
 * checked at load (dates inside the year, no two cap rows for a role and
 * band on the same day, every budget a claims line), so the calculations
 * can trust what they read. Loaded objects are immutable; strings live in
 * one arena per object.
 */
#include "pcn/rates.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/vec.h"
#include "util/common.h"

/* ---- names ---- */

static const char *const status_names[] = {"published", "derived", "unknown"};
static const char *const basis_names[] = {"registered", "adjusted", "weighted",
                                          "beds",       "points",   "included"};
static const char *const paid_names[] = {"monthly", "achievement", "claims"};

const char *pcn_rate_status_name(enum pcn_rate_status s)
{
    return pcn__name_at(status_names, PCN_ARRAY_SIZE(status_names), (int)s);
}

const char *pcn_basis_name(enum pcn_basis b)
{
    return pcn__name_at(basis_names, PCN_ARRAY_SIZE(basis_names), (int)b);
}

const char *pcn_paid_name(enum pcn_paid p)
{
    return pcn__name_at(paid_names, PCN_ARRAY_SIZE(paid_names), (int)p);
}

/* ---- a contract year ---- */

struct pcn_contract {
    struct pcn_arena *arena;
    const struct pcn_roles *roles;
    const char *key;
    const char *name;
    int32_t from;
    int32_t to;
    int32_t count_date;
    struct pcn_role_cap *caps;
    size_t n_caps;
    size_t caps_alloc;
    struct pcn_line_part *parts;
    size_t n_parts;
    size_t parts_alloc;
    struct pcn_limit *limits;
    size_t n_limits;
    size_t limits_alloc;
    char **budget_keys; /* per cap while loading: the budget line's key */
    size_t budget_alloc;
};

enum col {
    COL_KIND,
    COL_KEY,
    COL_NAME,
    COL_FROM,
    COL_TO,
    COL_BAND,
    COL_AMOUNT,
    COL_OUTER,
    COL_INNER,
    COL_BASIS,
    COL_BUDGET,
    COL_PAID,
    COL_STATUS,
    COL_SOURCE,
    COL_NOTE,
    COL_COUNT_
};

static const char *const contract_cols[] = {
    "kind",         "key",   "name",   "from", "to",     "band",   "amount", "outer_london",
    "inner_london", "basis", "budget", "paid", "status", "source", "note"};

/* Per-row parsing state. */
struct row {
    struct pcn_contract *k;
    struct pcn_csv *c;
    struct pcn__cols cols;
    struct pcn_error *reterr;
    int years;
    int count_dates;
};

static const char *cell(struct row *w, enum col i, size_t *len)
{
    return pcn__cell(w->c, &w->cols, i, len);
}

static char *keep(struct row *w, enum col i)
{
    return pcn_arena_strdup(w->k->arena, cell(w, i, NULL));
}

/* A date cell; empty allowed only when allow_empty (then PCN_DATE_NONE). */
static enum pcn_err date_cell(struct row *w, enum col i, bool allow_empty, int32_t *ret)
{
    size_t len;
    const char *s = cell(w, i, &len);

    if (len == 0 && allow_empty) {
        *ret = PCN_DATE_NONE;
        return PCN_OK;
    }
    if (pcn_date_parse(s, len, ret) != PCN_OK)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "%s '%s' is not a date (YYYY-MM-DD)",
                              contract_cols[i], s);
    return PCN_OK;
}

static enum pcn_err status_cell(struct row *w, enum pcn_rate_status *ret)
{
    const char *s = cell(w, COL_STATUS, NULL);
    int v = pcn__name_index(status_names, PCN_ARRAY_SIZE(status_names), s);

    if (v < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                              "status '%s' is not published, derived or unknown", s);
    *ret = (enum pcn_rate_status)v;
    return PCN_OK;
}

/* from/to of a row: both dates, from <= to, inside the year. */
static enum pcn_err period_cells(struct row *w, int32_t *from, int32_t *to)
{
    enum pcn_err rc = date_cell(w, COL_FROM, false, from);

    if (rc == PCN_OK)
        rc = date_cell(w, COL_TO, false, to);
    if (rc != PCN_OK)
        return rc;
    if (*to < *from)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "to is before from");
    if (w->years == 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "the year row must come first");
    if (*from < w->k->from || *to > w->k->to)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "dates fall outside the year %s",
                              w->k->key);
    return PCN_OK;
}

static enum pcn_err row_year(struct row *w)
{
    struct pcn_contract *k = w->k;
    enum pcn_err rc;

    if (w->years++)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "a second year row");
    rc = date_cell(w, COL_FROM, false, &k->from);
    if (rc == PCN_OK)
        rc = date_cell(w, COL_TO, false, &k->to);
    if (rc == PCN_OK && k->to <= k->from)
        rc = pcn__row_error(w->c, w->reterr, PCN_EPARSE, "the year ends before it starts");
    if (rc == PCN_OK && pcn_date_add_months(k->from, PCN__MONTHS) - 1 != k->to)
        rc = pcn__row_error(w->c, w->reterr, PCN_EPARSE, "a contract year runs 12 months");
    k->key = keep(w, COL_KEY);
    k->name = keep(w, COL_NAME);
    if (rc == PCN_OK && (!k->key || !k->name))
        rc = PCN_ENOMEM;
    return rc;
}

static enum pcn_err row_count_date(struct row *w)
{
    if (w->count_dates++)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "a second count_date row");
    return date_cell(w, COL_FROM, false, &w->k->count_date);
}

/* An amount cell that must be present unless status is unknown (then it must be empty). */
static enum pcn_err amount_cell(struct row *w, enum pcn_rate_status st, bool is_rate, int64_t *ret)
{
    size_t len;
    const char *s = cell(w, COL_AMOUNT, &len);
    enum pcn_err rc;

    *ret = 0;
    if (st == PCN_RATE_UNKNOWN) {
        if (len)
            return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                                  "status unknown but an amount is given");
        return PCN_OK;
    }
    if (len == 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "amount missing (status %s)",
                              status_names[st]);
    rc = is_rate ? pcn_rate_parse(s, len, ret) : pcn_pence_parse(s, len, ret);
    if (rc != PCN_OK || *ret < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "amount '%s' is not %s", s,
                              is_rate ? "a rate in pounds (up to 5 decimals)"
                                      : "an amount in pounds (up to 2 decimals)");
    return PCN_OK;
}

static enum pcn_err row_line(struct row *w)
{
    struct pcn_contract *k = w->k;
    struct pcn_line_part *p;
    int basis = pcn__name_index(basis_names, PCN_ARRAY_SIZE(basis_names), cell(w, COL_BASIS, NULL));
    int paid = pcn__name_index(paid_names, PCN_ARRAY_SIZE(paid_names), cell(w, COL_PAID, NULL));
    enum pcn_err rc = PCN_GROW(k->parts, k->n_parts + 1, k->parts_alloc);

    if (rc != PCN_OK)
        return rc;
    p = &k->parts[k->n_parts];
    memset(p, 0, sizeof(*p));
    p->line = pcn_csv_line(w->c);
    if (basis < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                              "basis '%s' is not one of registered, "
                              "adjusted, weighted, beds, points, included",
                              cell(w, COL_BASIS, NULL));
    if (paid < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                              "paid '%s' is not monthly, achievement or claims",
                              cell(w, COL_PAID, NULL));
    p->basis = (enum pcn_basis)basis;
    p->paid = (enum pcn_paid)paid;
    rc = period_cells(w, &p->from, &p->to);
    if (rc == PCN_OK)
        rc = status_cell(w, &p->status);
    if (rc == PCN_OK && p->basis == PCN_BASIS_INCLUDED && cell(w, COL_AMOUNT, NULL)[0])
        rc = pcn__row_error(w->c, w->reterr, PCN_EPARSE, "an included line has no amount");
    if (rc == PCN_OK && p->basis != PCN_BASIS_INCLUDED)
        rc = amount_cell(w, p->status, true, &p->rate);
    if (rc != PCN_OK)
        return rc;
    p->key = keep(w, COL_KEY);
    p->name = keep(w, COL_NAME);
    p->part_of = keep(w, COL_BUDGET);
    p->source = keep(w, COL_SOURCE);
    p->note = keep(w, COL_NOTE);
    if (!p->key || !p->name || !p->part_of || !p->source || !p->note)
        return PCN_ENOMEM;
    if (p->key[0] == '\0')
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "empty line key");
    k->n_parts++;
    return PCN_OK;
}

/* "7", "7-8a", "1-5" or "" into band_min/band_max. */
static enum pcn_err band_range(struct row *w, int *lo, int *hi)
{
    size_t len;
    const char *s = cell(w, COL_BAND, &len);
    const char *dash = memchr(s, '-', len);
    enum pcn_err rc;

    if (!dash) {
        rc = pcn_band_parse(s, len, lo);
        *hi = *lo;
    } else {
        rc = pcn_band_parse(s, (size_t)(dash - s), lo);
        if (rc == PCN_OK)
            rc = pcn_band_parse(dash + 1, len - (size_t)(dash - s) - 1, hi);
        if (rc == PCN_OK && (*lo == PCN_BAND_NONE || *hi < *lo))
            rc = PCN_EINVAL;
    }
    if (rc != PCN_OK)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                              "band '%s' is not a band or a range such as 7-8a", s);
    return PCN_OK;
}

/* Optional London amount: empty means none. */
static enum pcn_err london_cell(struct row *w, enum col i, int64_t *ret)
{
    size_t len;
    const char *s = cell(w, i, &len);

    *ret = 0;
    if (len && (pcn_pence_parse(s, len, ret) != PCN_OK || *ret <= 0))
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "%s '%s' is not an amount in pounds",
                              contract_cols[i], s);
    return PCN_OK;
}

static enum pcn_err row_role(struct row *w)
{
    struct pcn_contract *k = w->k;
    size_t len;
    const char *key = cell(w, COL_KEY, &len);
    int role = pcn_roles_find(k->roles, key, len);
    struct pcn_role_cap *cap;
    enum pcn_err rc;

    if (role < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "unknown role %s (not in roles.csv)",
                              key);
    rc = PCN_GROW(k->caps, k->n_caps + 1, k->caps_alloc);
    if (rc == PCN_OK)
        rc = PCN_GROW(k->budget_keys, k->n_caps + 1, k->budget_alloc);
    if (rc != PCN_OK)
        return rc;
    cap = &k->caps[k->n_caps];
    memset(cap, 0, sizeof(*cap));
    k->budget_keys[k->n_caps] = NULL;
    cap->role = role;
    cap->line = pcn_csv_line(w->c);
    rc = period_cells(w, &cap->from, &cap->to);
    if (rc == PCN_OK)
        rc = band_range(w, &cap->band_min, &cap->band_max);
    if (rc == PCN_OK)
        rc = status_cell(w, &cap->status);
    if (rc == PCN_OK)
        rc = amount_cell(w, cap->status, false, &cap->amount);
    if (rc == PCN_OK)
        rc = london_cell(w, COL_OUTER, &cap->outer_london);
    if (rc == PCN_OK)
        rc = london_cell(w, COL_INNER, &cap->inner_london);
    if (rc != PCN_OK)
        return rc;
    cap->source = keep(w, COL_SOURCE);
    cap->note = keep(w, COL_NOTE);
    k->budget_keys[k->n_caps] = keep(w, COL_BUDGET);
    if (!cap->source || !cap->note || !k->budget_keys[k->n_caps])
        return PCN_ENOMEM;
    k->n_caps++;
    return PCN_OK;
}

/* "registered<100000", "registered>=100000" or "" into a list range. */
static enum pcn_err limit_condition(struct row *w, struct pcn_limit *l)
{
    size_t len;
    const char *s = cell(w, COL_BASIS, &len);
    int64_t n;

    l->list_min = 0;
    l->list_max = INT64_MAX;
    if (len == 0)
        return PCN_OK;
    if (len > 12 && strncmp(s, "registered<", 11) == 0 &&
        pcn_parse_i64(s + 11, len - 11, &n) == PCN_OK && n > 0) {
        l->list_max = n;
        return PCN_OK;
    }
    if (len > 13 && strncmp(s, "registered>=", 12) == 0 &&
        pcn_parse_i64(s + 12, len - 12, &n) == PCN_OK && n > 0) {
        l->list_min = n;
        return PCN_OK;
    }
    return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                          "limit condition '%s' is not registered<N or registered>=N", s);
}

static enum pcn_err row_limit(struct row *w)
{
    struct pcn_contract *k = w->k;
    size_t len;
    const char *key = cell(w, COL_KEY, &len);
    const char *amount = cell(w, COL_AMOUNT, NULL);
    struct pcn_limit *l;
    int32_t from;
    int32_t to;
    enum pcn_err rc = PCN_GROW(k->limits, k->n_limits + 1, k->limits_alloc);

    if (rc != PCN_OK)
        return rc;
    l = &k->limits[k->n_limits];
    memset(l, 0, sizeof(*l));
    l->line = pcn_csv_line(w->c);
    l->role = pcn_roles_find(k->roles, key, len);
    rc = period_cells(w, &from, &to);
    if (rc == PCN_OK)
        rc = limit_condition(w, l);
    if (rc != PCN_OK)
        return rc;
    rc = l->role >= 0 ? pcn_wte_parse(amount, strlen(amount), &l->max)
                      : pcn_parse_i64(amount, strlen(amount), &l->max);
    if (rc != PCN_OK || l->max < 0)
        return pcn__row_error(w->c, w->reterr, PCN_EPARSE, "limit amount '%s' is not a %s", amount,
                              l->role >= 0 ? "WTE" : "whole number");
    l->what = keep(w, COL_KEY);
    l->name = keep(w, COL_NAME);
    l->source = keep(w, COL_SOURCE);
    if (!l->what || !l->name || !l->source)
        return PCN_ENOMEM;
    k->n_limits++;
    return PCN_OK;
}

static enum pcn_err contract_row(struct row *w)
{
    const char *kind = cell(w, COL_KIND, NULL);

    if (strcmp(kind, "year") == 0)
        return row_year(w);
    if (strcmp(kind, "count_date") == 0)
        return row_count_date(w);
    if (strcmp(kind, "line") == 0)
        return row_line(w);
    if (strcmp(kind, "role") == 0)
        return row_role(w);
    if (strcmp(kind, "limit") == 0)
        return row_limit(w);
    return pcn__row_error(w->c, w->reterr, PCN_EPARSE,
                          "kind '%s' is not year, count_date, line, role or limit", kind);
}

int pcn_contract_find_line(const struct pcn_contract *c, const char *key)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        if (strcmp(c->parts[i].key, key) == 0)
            return (int)i;
    }
    return -1;
}

/* Cross-row checks once the whole file is read. */
static enum pcn_err contract_check(struct pcn_contract *k, const char *path,
                                   struct pcn_error *reterr)
{
    for (size_t i = 0; i < k->n_caps; i++) {
        struct pcn_role_cap *a = &k->caps[i];
        const char *budget = k->budget_keys[i];
        int line = budget[0] ? pcn_contract_find_line(k, budget) : -1;

        if (line < 0 || k->parts[line].paid != PCN_PAID_CLAIMS)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: budget '%s' is not a claims line",
                                 path, a->line, budget);
        a->budget = line;
        for (size_t j = 0; j < i; j++) {
            const struct pcn_role_cap *b = &k->caps[j];
            if (a->role == b->role && a->budget != b->budget)
                return pcn_error_set(reterr, PCN_EPARSE,
                                     "%s:%lu: a role is paid from one budget in a year (line %lu "
                                     "names another)",
                                     path, a->line, b->line);
            if (a->role == b->role && a->from <= b->to && b->from <= a->to &&
                a->band_min <= b->band_max && b->band_min <= a->band_max)
                return pcn_error_set(reterr, PCN_EPARSE,
                                     "%s:%lu: overlaps line %lu (same role, band and dates)", path,
                                     a->line, b->line);
        }
    }
    for (size_t i = 0; i < k->n_parts; i++) {
        const struct pcn_line_part *p = &k->parts[i];
        if (p->basis == PCN_BASIS_INCLUDED && pcn_contract_find_line(k, p->part_of) < 0)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: included in unknown line '%s'", path,
                                 p->line, p->part_of);
    }
    for (size_t i = 0; i < k->n_limits; i++) {
        const struct pcn_limit *l = &k->limits[i];
        if (l->role < 0 && pcn_contract_find_line(k, l->what) < 0)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: limit on unknown role or line '%s'",
                                 path, l->line, l->what);
    }
    return PCN_OK;
}

void pcn_contract_free(struct pcn_contract *c)
{
    if (!c)
        return;
    pcn_arena_free(c->arena);
    pcn_free(c->caps);
    pcn_free(c->budget_keys);
    pcn_free(c->parts);
    pcn_free(c->limits);
    pcn_free(c);
}

static enum pcn_err contract_read(struct pcn_contract *k, struct pcn_csv *c, const char *path,
                                  struct pcn_error *reterr)
{
    struct row w = {.k = k, .c = c, .reterr = reterr};
    enum pcn_err rc = pcn__cols_read(c, &w.cols, contract_cols, COL_COUNT_, COL_COUNT_, reterr);

    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK)
        rc = contract_row(&w);
    if (rc != PCN_ENOTFOUND)
        return rc;
    if (w.years != 1 || w.count_dates != 1)
        return pcn_error_set(reterr, PCN_EPARSE, "%s: needs one year row and one count_date row",
                             path);
    return contract_check(k, path, reterr);
}

enum pcn_err pcn__contract_read(struct pcn_csv *c, const struct pcn_roles *roles,
                                struct pcn_contract **ret, struct pcn_error *reterr)
{
    struct pcn_contract *k = pcn_calloc(1, sizeof(*k));
    enum pcn_err rc = PCN_ENOMEM;

    if (!k)
        goto out;
    k->roles = roles;
    k->arena = pcn_arena_new(4096, 0);
    if (!k->arena)
        goto out;
    rc = contract_read(k, c, pcn_csv_name(c), reterr);
    if (rc == PCN_OK) {
        PCN_FREE_AND_NULL(k->budget_keys);
        *ret = k;
        k = NULL;
    }
out:
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "%s: out of memory", pcn_csv_name(c));
    pcn_contract_free(k);
    return rc;
}

enum pcn_err pcn_contract_load(const char *path, const struct pcn_roles *roles,
                               struct pcn_contract **ret, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = pcn_csv_open(path, &c, reterr);

    if (rc == PCN_OK)
        rc = pcn__contract_read(c, roles, ret, reterr);
    pcn_csv_free(c);
    return rc;
}

const char *pcn_contract_key(const struct pcn_contract *c)
{
    return c->key;
}

const char *pcn_contract_name(const struct pcn_contract *c)
{
    return c->name;
}

int32_t pcn_contract_from(const struct pcn_contract *c)
{
    return c->from;
}

int32_t pcn_contract_to(const struct pcn_contract *c)
{
    return c->to;
}

int32_t pcn_contract_count_date(const struct pcn_contract *c)
{
    return c->count_date;
}

const struct pcn_roles *pcn_contract_roles(const struct pcn_contract *c)
{
    return c->roles;
}

size_t pcn_contract_n_caps(const struct pcn_contract *c)
{
    return c->n_caps;
}

const struct pcn_role_cap *pcn_contract_cap(const struct pcn_contract *c, size_t i)
{
    return i < c->n_caps ? &c->caps[i] : NULL;
}

size_t pcn_contract_n_parts(const struct pcn_contract *c)
{
    return c->n_parts;
}

const struct pcn_line_part *pcn_contract_part(const struct pcn_contract *c, size_t i)
{
    return i < c->n_parts ? &c->parts[i] : NULL;
}

size_t pcn_contract_n_limits(const struct pcn_contract *c)
{
    return c->n_limits;
}

const struct pcn_limit *pcn_contract_limit(const struct pcn_contract *c, size_t i)
{
    return i < c->n_limits ? &c->limits[i] : NULL;
}

int pcn_contract_is_arrs(const struct pcn_contract *c, int role)
{
    for (size_t i = 0; i < c->n_caps; i++) {
        if (c->caps[i].role == role)
            return 1;
    }
    return 0;
}

enum pcn_err pcn_contract_find_cap(const struct pcn_contract *c, int role, int band, int32_t day,
                                   const struct pcn_role_cap **ret)
{
    const struct pcn_role_cap *only = NULL;
    size_t n = 0;

    for (size_t i = 0; i < c->n_caps; i++) {
        const struct pcn_role_cap *cap = &c->caps[i];
        if (cap->role != role || day < cap->from || day > cap->to)
            continue;
        n++;
        only = cap;
        if (band != PCN_BAND_NONE && band >= cap->band_min && band <= cap->band_max) {
            *ret = cap;
            return PCN_OK;
        }
    }
    if (n == 0)
        return PCN_ENOTFOUND;
    if (n > 1)
        return PCN_ECONFLICT;
    *ret = only;
    return PCN_OK;
}

int64_t pcn_role_cap_amount(const struct pcn_role_cap *cap, enum pcn_london london,
                            int *ret_weighted)
{
    int64_t v = london == PCN_LONDON_INNER   ? cap->inner_london
                : london == PCN_LONDON_OUTER ? cap->outer_london
                                             : 0;

    if (ret_weighted)
        *ret_weighted = v > 0;
    return v > 0 ? v : cap->amount;
}

/* ---- the set of years ---- */

/* One loaded year (a struct, so arrays of them grow like any other). */
struct year_slot {
    struct pcn_contract *c;
};

struct pcn_rates {
    struct pcn_roles *roles;
    struct year_slot *years;
    size_t n;
    size_t alloc;
};

void pcn_rates_free(struct pcn_rates *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        pcn_contract_free(r->years[i].c);
    pcn_free(r->years);
    pcn_roles_free(r->roles);
    pcn_free(r);
}

static int by_from(const void *a, const void *b)
{
    const struct pcn_contract *x = ((const struct year_slot *)a)->c;
    const struct pcn_contract *y = ((const struct year_slot *)b)->c;

    return (x->from > y->from) - (x->from < y->from);
}

static bool is_year_file(const char *name)
{
    size_t n = strlen(name);

    return n > 10 && strncmp(name, "ncdes_", 6) == 0 && strcmp(name + n - 4, ".csv") == 0;
}

/* Load every ncdes_*.csv of dir into r->years. */
static enum pcn_err load_years(struct pcn_rates *r, const char *dir, struct pcn_error *reterr)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    enum pcn_err rc = PCN_OK;

    if (!d)
        return pcn_error_set(reterr, PCN_EIO, "%s: cannot open folder", dir);
    while (rc == PCN_OK && (e = readdir(d)) != NULL) {
        char path[4096];
        if (!is_year_file(e->d_name))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
            rc = pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", dir);
        if (rc == PCN_OK)
            rc = PCN_GROW(r->years, r->n + 1, r->alloc);
        if (rc == PCN_OK)
            rc = pcn_contract_load(path, r->roles, &r->years[r->n].c, reterr);
        if (rc == PCN_OK)
            r->n++;
    }
    (void)closedir(d);
    return rc;
}

enum pcn_err pcn_rates_load(const char *dir, struct pcn_rates **ret, struct pcn_error *reterr)
{
    char def[4096];
    struct pcn_rates *r = pcn_calloc(1, sizeof(*r));
    enum pcn_err rc = PCN_OK;

    if (!r)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory loading rates");
    if (!dir) {
        rc = pcn_data_path("data/reference/ncdes", def, sizeof(def));
        if (rc != PCN_OK)
            (void)pcn_error_set(reterr, rc, "data folder path too long");
        dir = def;
    }
    if (rc == PCN_OK)
        rc = pcn_roles_load(dir, &r->roles, reterr);
    if (rc == PCN_OK)
        rc = load_years(r, dir, reterr);
    if (rc == PCN_OK && r->n == 0)
        rc = pcn_error_set(reterr, PCN_ENOTFOUND, "%s: no ncdes_*.csv contract year", dir);
    if (rc == PCN_OK) {
        qsort(r->years, r->n, sizeof(*r->years), by_from);
        for (size_t i = 1; i < r->n && rc == PCN_OK; i++) {
            if (r->years[i].c->from <= r->years[i - 1].c->to)
                rc = pcn_error_set(reterr, PCN_EPARSE, "%s: years %s and %s overlap", dir,
                                   r->years[i - 1].c->key, r->years[i].c->key);
        }
    }
    if (rc != PCN_OK) {
        pcn_rates_free(r);
        return rc;
    }
    *ret = r;
    return PCN_OK;
}

const struct pcn_roles *pcn_rates_roles(const struct pcn_rates *r)
{
    return r->roles;
}

size_t pcn_rates_n_years(const struct pcn_rates *r)
{
    return r->n;
}

const struct pcn_contract *pcn_rates_year(const struct pcn_rates *r, size_t i)
{
    return i < r->n ? r->years[i].c : NULL;
}

const struct pcn_contract *pcn_rates_find_year(const struct pcn_rates *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->years[i].c->key, key) == 0)
            return r->years[i].c;
    }
    return NULL;
}

const struct pcn_contract *pcn_rates_year_at(const struct pcn_rates *r, int32_t day)
{
    for (size_t i = 0; i < r->n; i++) {
        if (day >= r->years[i].c->from && day <= r->years[i].c->to)
            return r->years[i].c;
    }
    return NULL;
}

const struct pcn_contract *pcn_rates_year_for(const struct pcn_rates *r, int32_t day, int *exact)
{
    const struct pcn_contract *c = pcn_rates_year_at(r, day);

    *exact = c != NULL;
    for (size_t i = r->n; !c && i > 0; i--) {
        if (r->years[i - 1].c->to < day)
            c = r->years[i - 1].c;
    }
    return c || r->n == 0 ? c : r->years[0].c;
}

size_t pcn__cap_cuts_size(const struct pcn_contract *c)
{
    return 2 * c->n_caps + 1;
}

static void add_cut(int32_t *cuts, size_t *n, int32_t day, int32_t lo, int32_t hi)
{
    size_t i;

    if (day <= lo || day > hi)
        return;
    for (i = *n; i > 0 && cuts[i - 1] > day; i--)
        ;
    if (i > 0 && cuts[i - 1] == day)
        return;
    memmove(cuts + i + 1, cuts + i, (*n - i) * sizeof(*cuts));
    cuts[i] = day;
    (*n)++;
}

size_t pcn__cap_cuts(const struct pcn_contract *c, int role, int32_t lo, int32_t hi, int32_t *cuts)
{
    size_t n = 1;

    cuts[0] = lo;
    for (size_t i = 0; i < c->n_caps; i++) {
        const struct pcn_role_cap *cap = &c->caps[i];
        if (cap->role != role)
            continue;
        add_cut(cuts, &n, cap->from, lo, hi);
        if (cap->to < PCN_DATE_MAX)
            add_cut(cuts, &n, cap->to + 1, lo, hi);
    }
    return n;
}
