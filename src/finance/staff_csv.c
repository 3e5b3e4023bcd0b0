/*
 * staff_csv.c - the project's staff register CSV, read and written;
 * columns found by header name. Every bad field is reported as FILE:LINE
 * and the column, and the file is read to the end so one run lists every
 * bad row.
 */
#include "pcn/workforce.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/rates.h"
#include "pcn/validate.h"
#include "util/common.h"

/* ---- staff register CSV ---- */

enum staff_col {
    S_PERSON,
    S_ROLE,
    S_WTE,
    S_EMPLOYER,
    S_START,
    S_FUNDING,
    S_NETWORK,
    S_NAME,
    S_BAND,
    S_EMPLOYER_CODE,
    S_END,
    S_COST,
    S_COST_PER,
    S_SITES,
    S_COUNT_
};

/* Header names; the first S_NETWORK are required. */
static const char *const staff_cols[] = {
    "person", "role", "wte",           "employer", "start", "funding",  "network",
    "name",   "band", "employer_code", "end",      "cost",  "cost_per", "sites"};

/* The order pcn_staff_write_csv() writes. */
static const enum staff_col write_order[] = {
    S_NETWORK,       S_PERSON, S_NAME, S_ROLE, S_BAND,     S_WTE,     S_EMPLOYER,
    S_EMPLOYER_CODE, S_START,  S_END,  S_COST, S_COST_PER, S_FUNDING, S_SITES};

/* One row being read. */
struct staff_row {
    struct pcn_csv *c;
    struct pcn__cols cols;
    const struct pcn_roles *roles;
    struct pcn_findings *f;
    char where[96];
    struct pcn_post_site sites[PCN_POST_SITES_MAX];
    char site_text[1024];
    bool bad; /* this row had an error */
};

static const char *scell(struct staff_row *r, enum staff_col i, size_t *len)
{
    return pcn__cell(r->c, &r->cols, i, len);
}

/* Record a field error for the row. */
static enum pcn_err field_error(struct staff_row *r, enum staff_col col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum pcn_err field_error(struct staff_row *r, enum staff_col col, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    r->bad = true;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return pcn_findings_add(r->f, PCN_SEVERITY_ERROR, "field", r->where, "%s: %s", staff_cols[col],
                            msg);
}

static enum pcn_err read_dates(struct staff_row *r, struct pcn_post *p)
{
    size_t len;
    const char *s = scell(r, S_START, &len);
    enum pcn_err rc = PCN_OK;

    if (pcn_date_parse(s, len, &p->start) != PCN_OK)
        rc = field_error(r, S_START, "'%s' is not a date (YYYY-MM-DD)", s);
    s = scell(r, S_END, &len);
    p->end = PCN_DATE_NONE;
    if (rc == PCN_OK && len && pcn_date_parse(s, len, &p->end) != PCN_OK)
        rc = field_error(r, S_END, "'%s' is not a date (YYYY-MM-DD) or empty", s);
    return rc;
}

static enum pcn_err read_role(struct staff_row *r, struct pcn_post *p)
{
    size_t len;
    const char *s = scell(r, S_ROLE, &len);
    enum pcn_err rc = PCN_OK;

    p->role = pcn_roles_find(r->roles, s, len);
    if (p->role < 0)
        rc = field_error(r, S_ROLE, "unknown role '%s' (see data/reference/ncdes/roles.csv)", s);
    s = scell(r, S_BAND, &len);
    if (rc == PCN_OK && pcn_band_parse(s, len, &p->band) != PCN_OK)
        rc = field_error(r, S_BAND, "'%s' is not an Agenda for Change band (1-7, 8a-8d, 9)", s);
    s = scell(r, S_WTE, &len);
    if (rc == PCN_OK && pcn_wte_parse(s, len, &p->wte) != PCN_OK)
        rc = field_error(r, S_WTE, "'%s' is not a whole-time equivalent such as 0.8", s);
    return rc;
}

static enum pcn_err read_terms(struct staff_row *r, struct pcn_post *p)
{
    size_t len;
    const char *s = scell(r, S_EMPLOYER, NULL);
    enum pcn_err rc = PCN_OK;

    if (pcn_employer_parse(s, &p->employer) != PCN_OK)
        rc = field_error(r, S_EMPLOYER,
                         "'%s' is not network, lead_practice, practice or subcontractor", s);
    s = scell(r, S_FUNDING, NULL);
    if (rc == PCN_OK && pcn_funding_parse(s, &p->funding) != PCN_OK)
        rc = field_error(r, S_FUNDING, "'%s' is not arrs, practice or other", s);
    s = scell(r, S_COST, &len);
    p->has_cost = len > 0;
    if (rc == PCN_OK && len && pcn_pence_parse(s, len, &p->cost) != PCN_OK)
        rc = field_error(r, S_COST, "'%s' is not an amount in pounds such as 52340.50", s);
    s = scell(r, S_COST_PER, &len);
    p->cost_per = PCN_COST_PER_YEAR;
    if (rc == PCN_OK && len && pcn_cost_per_parse(s, &p->cost_per) != PCN_OK)
        rc = field_error(r, S_COST_PER, "'%s' is not year or month", s);
    s = scell(r, S_NETWORK, &len);
    if (rc == PCN_OK && len && !pcn_ods_is_valid(PCN_ODS_PCN, s, len))
        rc = field_error(r, S_NETWORK, "'%s' is not a PCN code (U and five digits)", s);
    return rc;
}

/* "SITE=N;SITE;..." into r->sites (strings point into r->site_text). */
static enum pcn_err read_sites(struct staff_row *r, struct pcn_post *p)
{
    size_t len;
    const char *s = scell(r, S_SITES, &len);
    char *t = r->site_text;

    p->n_sites = 0;
    p->sites = r->sites;
    if (len == 0)
        return PCN_OK;
    if (len >= sizeof(r->site_text))
        return field_error(r, S_SITES, "%s", "longer than 1023 bytes");
    memcpy(t, s, len + 1);
    switch (pcn_post_sites_parse(t, r->sites, &p->n_sites)) {
    case PCN_OK:
        return PCN_OK;
    case PCN_ELIMIT:
        return field_error(r, S_SITES, "%s", "more than 16 sites");
    default:
        return field_error(r, S_SITES,
                           "'%s' is not SITE or SITE=SESSIONS (0-14) items separated by ';'", s);
    }
}

enum pcn_err pcn_post_sites_parse(char *text, struct pcn_post_site *sites, size_t *ret_n)
{
    *ret_n = 0;
    for (char *item = text; item && *text;) {
        char *next = strchr(item, ';');
        char *eq;
        int64_t n = 0;
        if (next)
            *next++ = '\0';
        eq = strchr(item, '=');
        if (eq)
            *eq++ = '\0';
        if (!item[0] || (eq && pcn_parse_range(eq, strlen(eq), 0, PCN_SESSIONS_MAX, &n) != PCN_OK))
            return PCN_EINVAL;
        if (*ret_n == PCN_POST_SITES_MAX)
            return PCN_ELIMIT;
        sites[*ret_n].site = item;
        sites[*ret_n].sessions = (int)n;
        (*ret_n)++;
        item = next;
    }
    return PCN_OK;
}

static enum pcn_err read_staff_row(struct staff_row *r, struct pcn_staff *s)
{
    struct pcn_post p;
    size_t len;
    enum pcn_err rc;

    memset(&p, 0, sizeof(p));
    r->bad = false;
    (void)snprintf(r->where, sizeof(r->where), "%s:%lu", pcn_csv_name(r->c), pcn_csv_line(r->c));
    p.where = r->where;
    p.person = scell(r, S_PERSON, &len);
    rc = len ? PCN_OK : field_error(r, S_PERSON, "%s", "empty (every post needs a person key)");
    if (rc == PCN_OK)
        rc = read_role(r, &p);
    if (rc == PCN_OK && !r->bad)
        rc = read_dates(r, &p);
    if (rc == PCN_OK && !r->bad)
        rc = read_terms(r, &p);
    if (rc == PCN_OK && !r->bad)
        rc = read_sites(r, &p);
    if (rc != PCN_OK || r->bad)
        return rc;
    p.name = scell(r, S_NAME, &len);
    p.name = len ? p.name : NULL;
    p.employer_code = scell(r, S_EMPLOYER_CODE, &len);
    p.employer_code = len ? p.employer_code : NULL;
    p.network = scell(r, S_NETWORK, &len);
    p.network = len ? p.network : NULL;
    return pcn_staff_add(s, &p);
}

enum pcn_err pcn__staff_read(struct pcn_staff *s, const struct pcn_roles *roles, struct pcn_csv *c,
                             struct pcn_findings *f, struct pcn_error *reterr)
{
    struct staff_row r;
    size_t errors_before = f->n_errors;
    size_t first = f->n;
    enum pcn_err rc;

    memset(&r, 0, sizeof(r));
    r.roles = roles;
    r.f = f;
    r.c = c;
    rc = pcn__cols_read(c, &r.cols, staff_cols, S_COUNT_, S_NETWORK, reterr);
    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK)
        rc = read_staff_row(&r, s);
    if (rc == PCN_ENOMEM)
        return pcn_error_set(reterr, rc, "%s: out of memory", pcn_csv_name(c));
    if (rc != PCN_ENOTFOUND)
        return rc;
    if (f->n_errors > errors_before) {
        const struct pcn_finding *e = first < f->n ? &f->items[first] : NULL;
        return pcn_error_set(reterr, PCN_EPARSE, "%s: %s (%zu bad rows)",
                             e ? e->where : pcn_csv_name(c), e ? e->msg : "bad rows",
                             f->n_errors - errors_before);
    }
    return PCN_OK;
}

enum pcn_err pcn_staff_read_csv(struct pcn_staff *s, const struct pcn_roles *roles,
                                const char *path, struct pcn_findings *f, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = pcn_csv_open(path, &c, reterr);

    if (rc == PCN_OK)
        rc = pcn__staff_read(s, roles, c, f, reterr);
    pcn_csv_free(c);
    return rc;
}

/* One cell of a post, as written. */
static enum pcn_err post_cell(struct pcn_buf *out, const struct pcn_post *p,
                              const struct pcn_roles *roles, enum staff_col col)
{
    char v[PCN_MONEY_STR_SIZE];
    const char *s = v;

    v[0] = '\0';
    switch (col) {
    case S_NETWORK:
        s = p->network ? p->network : "";
        break;
    case S_PERSON:
        s = p->person ? p->person : "";
        break;
    case S_NAME:
        s = p->name ? p->name : "";
        break;
    case S_ROLE:
        s = pcn_roles_at(roles, (size_t)p->role)->key;
        break;
    case S_BAND:
        s = pcn_band_name(p->band);
        break;
    case S_WTE:
        pcn_wte_format(p->wte, v);
        break;
    case S_EMPLOYER:
        s = pcn_employer_name(p->employer);
        break;
    case S_EMPLOYER_CODE:
        s = p->employer_code ? p->employer_code : "";
        break;
    case S_START:
        pcn_date_format(p->start, v);
        break;
    case S_END:
        pcn_date_format(p->end, v);
        break;
    case S_COST:
        if (p->has_cost)
            pcn_pence_format(p->cost, v);
        break;
    case S_COST_PER:
        s = pcn_cost_per_name(p->cost_per);
        break;
    case S_FUNDING:
        s = pcn_funding_name(p->funding);
        break;
    case S_SITES: {
        struct pcn_buf b = PCN_BUF_INIT;
        enum pcn_err rc = PCN_OK;
        for (size_t i = 0; i < p->n_sites && rc == PCN_OK; i++)
            rc = p->sites[i].sessions ? pcn_buf_addf(&b, "%s%s=%d", i ? ";" : "", p->sites[i].site,
                                                     p->sites[i].sessions)
                                      : pcn_buf_addf(&b, "%s%s", i ? ";" : "", p->sites[i].site);
        if (rc == PCN_OK)
            rc = pcn_csv_write_field(out, b.buf, b.len);
        pcn_buf_release(&b);
        return rc;
    }
    case S_COUNT_:
        break;
    }
    return pcn_csv_write_field(out, s, strlen(s));
}

enum pcn_err pcn_staff_write_csv(const struct pcn_staff *s, const struct pcn_roles *roles,
                                 struct pcn_buf *out)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < PCN_ARRAY_SIZE(write_order) && rc == PCN_OK; i++) {
        rc = pcn_buf_adds(out, i ? "," : "");
        if (rc == PCN_OK)
            rc = pcn_buf_adds(out, staff_cols[write_order[i]]);
    }
    if (rc == PCN_OK)
        rc = pcn_buf_addch(out, '\n');
    for (size_t n = 0; n < pcn_staff_count(s) && rc == PCN_OK; n++) {
        const struct pcn_post *p = pcn_staff_post(s, n);
        for (size_t i = 0; i < PCN_ARRAY_SIZE(write_order) && rc == PCN_OK; i++) {
            if (i)
                rc = pcn_buf_addch(out, ',');
            if (rc == PCN_OK)
                rc = post_cell(out, p, roles, write_order[i]);
        }
        if (rc == PCN_OK)
            rc = pcn_buf_addch(out, '\n');
    }
    return rc;
}
