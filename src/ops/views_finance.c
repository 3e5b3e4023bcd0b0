/*
 * views_finance.c - the workforce and finance result kinds, built once
 * for the CLI and the API from the finance layer's results. Column names
 * and types are fixed here (docs/api.md lists them). Money and WTE go out
 * as exact decimal text; every row is appended through one small cell
 * writer that keeps the first error.
 */
#include "pcn/views_finance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"

/* A row being written: the table, the next column and the first error. */
struct row {
    struct pcn_table *t;
    size_t col;
    enum pcn_err rc;
};

static void row_start(struct row *r)
{
    r->col = 0;
    if (r->rc == PCN_OK)
        r->rc = pcn_table_add_row(r->t);
}

static void put_text(struct row *r, const char *s)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_text(r->t, r->col, s);
    r->col++;
}

static void put_null(struct row *r)
{
    r->col++;
}

static void put_int(struct row *r, int64_t v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_int(r->t, r->col, v);
    r->col++;
}

static void put_bool(struct row *r, int v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_bool(r->t, r->col, v);
    r->col++;
}

static void put_money(struct row *r, int64_t pence)
{
    char v[PCN_MONEY_STR_SIZE];

    pcn_pence_format(pence, v);
    put_text(r, v);
}

static void put_wte(struct row *r, int64_t wte)
{
    char v[PCN_WTE_STR_SIZE];

    pcn_wte_format(wte, v);
    put_text(r, v);
}

static void put_date(struct row *r, int32_t d)
{
    char v[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE) {
        put_null(r);
        return;
    }
    pcn_date_format(d, v);
    put_text(r, v);
}

/* "YYYY-MM" of month m of a year, or null for m < 0. */
static void put_month(struct row *r, const struct pcn_contract *c, int m)
{
    char v[PCN_DATE_STR_SIZE];

    if (m < 0) {
        put_null(r);
        return;
    }
    pcn_date_format(pcn_date_add_months(pcn_contract_from(c), m), v);
    v[7] = '\0';
    put_text(r, v);
}

static void put_opt(struct row *r, const char *s)
{
    if (s && s[0])
        put_text(r, s);
    else
        put_null(r);
}

/* A new table of kind with the n columns of names/types; the row writer over it. */
static enum pcn_err table_start(struct row *r, const char *kind, size_t n, const char *const *names,
                                const enum pcn_col_type *types)
{
    r->t = pcn_table_new(kind, n, names, types);
    r->col = 0;
    r->rc = r->t ? PCN_OK : PCN_ENOMEM;
    return r->rc;
}

static enum pcn_err table_finish(struct row *r, struct pcn_table **ret)
{
    if (r->rc != PCN_OK) {
        pcn_table_free(r->t);
        return r->rc;
    }
    *ret = r->t;
    return PCN_OK;
}

#define T PCN_COL_TEXT
#define I PCN_COL_INT
#define B PCN_COL_BOOL

/* ---- staff ---- */

static void sites_text(const struct pcn_post *p, struct pcn_buf *b, enum pcn_err *rc)
{
    pcn_buf_reset(b);
    for (size_t i = 0; i < p->n_sites && *rc == PCN_OK; i++)
        *rc = pcn_buf_addf(b, i ? ";%s=%d" : "%s=%d", p->sites[i].site, p->sites[i].sessions);
}

enum pcn_err pcn_view_staff(const struct pcn_staff *s, const struct pcn_roles *roles, int32_t as_of,
                            int all, struct pcn_table **ret)
{
    static const char *const names[] = {"id",    "person", "name", "role",     "role_name",
                                        "group", "band",   "wte",  "employer", "employer_code",
                                        "start", "end",    "cost", "cost_per", "funding",
                                        "sites", "version"};
    static const enum pcn_col_type types[] = {I, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, I};
    struct pcn_buf sites = PCN_BUF_INIT;
    struct row r;

    if (table_start(&r, "staff", 17, names, types) == PCN_OK)
        r.rc = pcn_table_set_detail(r.t, 16);
    for (size_t i = 0; i < pcn_staff_count(s) && r.rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        const struct pcn_role *role = pcn_roles_at(roles, (size_t)p->role);
        if (!all && !pcn_post_is_open(p, as_of))
            continue;
        row_start(&r);
        put_int(&r, p->id);
        put_text(&r, p->person);
        put_opt(&r, p->name);
        put_text(&r, role->key);
        put_text(&r, role->name);
        put_text(&r, pcn_role_group_name(role->group));
        put_opt(&r, pcn_band_name(p->band));
        put_wte(&r, p->wte);
        put_text(&r, pcn_employer_name(p->employer));
        put_opt(&r, p->employer_code);
        put_date(&r, p->start);
        put_date(&r, p->end);
        if (p->has_cost)
            put_money(&r, p->cost);
        else
            put_null(&r);
        put_text(&r, pcn_cost_per_name(p->cost_per));
        put_text(&r, pcn_funding_name(p->funding));
        sites_text(p, &sites, &r.rc);
        put_opt(&r, sites.buf);
        put_int(&r, p->version);
    }
    pcn_buf_release(&sites);
    return table_finish(&r, ret);
}

/* ---- WTE summaries ---- */

static const char *const by_names[] = {"role", "group", "site", "practice", "employer", "funding"};

const char *pcn_wte_by_name(enum pcn_wte_by by)
{
    return (unsigned)by < PCN_ARRAY_SIZE(by_names) ? by_names[by] : "";
}

enum pcn_err pcn_wte_by_parse(const char *s, enum pcn_wte_by *ret)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(by_names); i++) {
        if (strcmp(s, by_names[i]) == 0) {
            *ret = (enum pcn_wte_by)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

/* One group of a summary. */
struct bucket {
    char *key;
    const char *name; /* borrowed (role name) or NULL */
    int64_t wte;
    int64_t posts;
    struct pcn_strmap *people;
};

struct summary {
    struct pcn_strmap *slot; /* key -> index */
    struct bucket *b;
    size_t n;
    size_t alloc;
};

static void summary_release(struct summary *u)
{
    for (size_t i = 0; i < u->n; i++) {
        pcn_free(u->b[i].key);
        pcn_strmap_free(u->b[i].people);
    }
    pcn_free(u->b);
    pcn_strmap_free(u->slot);
}

/* Add wte of post p (person) to the bucket key. */
static enum pcn_err summary_add(struct summary *u, const char *key, const char *name,
                                const struct pcn_post *p, int64_t wte)
{
    uint64_t at;
    int added;
    enum pcn_err rc = pcn_strmap_intern(u->slot, key, strlen(key), u->n, &at, &added);

    if (rc == PCN_OK && added) {
        rc = PCN_GROW(u->b, u->n + 1, u->alloc);
        if (rc == PCN_OK) {
            struct bucket *b = &u->b[u->n];
            memset(b, 0, sizeof(*b));
            b->key = pcn_strdup(key);
            b->name = name;
            b->people = pcn_strmap_new();
            u->n++;
            rc = b->key && b->people ? PCN_OK : PCN_ENOMEM;
        }
    }
    if (rc != PCN_OK)
        return rc;
    u->b[at].wte += wte;
    u->b[at].posts++;
    return pcn_strmap_put(u->b[at].people, p->person, strlen(p->person), 1);
}

/* The practice of a site: itself when an ODS code, else the resolver's answer. */
static const char *site_practice(const char *site, pcn_site_practice_fn fn, void *ud)
{
    const char *p;

    if (pcn_ods_is_valid(PCN_ODS_PRACTICE, site, strlen(site)))
        return site;
    p = fn ? fn(site, ud) : NULL;
    return p ? p : "(unknown)";
}

/* Share p's WTE over its sites by sessions and add each share under the site or its practice. */
static enum pcn_err add_by_site(struct summary *u, const struct pcn_post *p, bool practice,
                                pcn_site_practice_fn fn, void *ud)
{
    int64_t sessions = 0;
    int64_t shares[PCN_POST_SITES_MAX];
    int64_t parts[PCN_POST_SITES_MAX];
    enum pcn_err rc;

    if (p->n_sites == 0)
        return summary_add(u, "(no site)", NULL, p, p->wte);
    for (size_t i = 0; i < p->n_sites; i++)
        sessions += p->sites[i].sessions;
    for (size_t i = 0; i < p->n_sites; i++)
        shares[i] = sessions ? p->sites[i].sessions : 1;
    rc = pcn_apportion(p->wte, shares, p->n_sites, parts);
    for (size_t i = 0; i < p->n_sites && rc == PCN_OK; i++) {
        const char *key = practice ? site_practice(p->sites[i].site, fn, ud) : p->sites[i].site;
        if (parts[i] > 0 || sessions == 0)
            rc = summary_add(u, key, NULL, p, parts[i]);
    }
    return rc;
}

static enum pcn_err summary_post(struct summary *u, const struct pcn_post *p,
                                 const struct pcn_roles *roles, enum pcn_wte_by by,
                                 pcn_site_practice_fn fn, void *ud)
{
    const struct pcn_role *role = pcn_roles_at(roles, (size_t)p->role);

    switch (by) {
    case PCN_WTE_BY_ROLE:
        return summary_add(u, role->key, role->name, p, p->wte);
    case PCN_WTE_BY_GROUP:
        return summary_add(u, pcn_role_group_name(role->group), NULL, p, p->wte);
    case PCN_WTE_BY_SITE:
        return add_by_site(u, p, false, fn, ud);
    case PCN_WTE_BY_PRACTICE:
        return add_by_site(u, p, true, fn, ud);
    case PCN_WTE_BY_EMPLOYER:
        return summary_add(u, pcn_employer_name(p->employer), NULL, p, p->wte);
    case PCN_WTE_BY_FUNDING:
        return summary_add(u, pcn_funding_name(p->funding), NULL, p, p->wte);
    }
    return PCN_EINVAL;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct bucket *)a)->key, ((const struct bucket *)b)->key);
}

/* WTE per 10,000 registered patients, as text with two decimals (rounded). */
static void put_per_10k(struct row *r, int64_t wte, int64_t registered)
{
    int64_t hundredths;
    char v[PCN_MONEY_STR_SIZE];

    if (registered <= 0 ||
        pcn_muldiv(wte, 10000 * 100, registered * PCN_WTE_ONE, &hundredths) != PCN_OK) {
        put_null(r);
        return;
    }
    pcn_pence_format(hundredths, v); /* two decimals, like pence */
    put_text(r, v);
}

static void summary_row(struct row *r, enum pcn_wte_by by, const char *key, const char *name,
                        int64_t people, int64_t posts, int64_t wte, int64_t registered)
{
    row_start(r);
    put_text(r, pcn_wte_by_name(by));
    put_text(r, key);
    put_opt(r, name);
    put_int(r, people);
    put_int(r, posts);
    put_wte(r, wte);
    put_per_10k(r, wte, registered);
}

enum pcn_err pcn_view_workforce_wte(const struct pcn_staff *s, const struct pcn_roles *roles,
                                    int32_t as_of, enum pcn_wte_by by, int64_t registered,
                                    pcn_site_practice_fn practice_of, void *ud,
                                    struct pcn_table **ret)
{
    static const char *const names[] = {"by",    "key", "name",       "people",
                                        "posts", "wte", "wte_per_10k"};
    static const enum pcn_col_type types[] = {T, T, T, I, I, T, T};
    struct summary u = {pcn_strmap_new(), NULL, 0, 0};
    struct pcn_strmap *everyone = pcn_strmap_new();
    int64_t total = 0;
    int64_t posts = 0;
    struct row r;

    table_start(&r, "workforce_wte", 7, names, types);
    if (!u.slot || !everyone)
        r.rc = PCN_ENOMEM;
    for (size_t i = 0; i < pcn_staff_count(s) && r.rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (!pcn_post_is_open(p, as_of))
            continue;
        r.rc = summary_post(&u, p, roles, by, practice_of, ud);
        if (r.rc == PCN_OK)
            r.rc = pcn_strmap_put(everyone, p->person, strlen(p->person), 1);
        total += p->wte;
        posts++;
    }
    if (r.rc == PCN_OK)
        qsort(u.b, u.n, sizeof(*u.b), by_key);
    for (size_t i = 0; i < u.n && r.rc == PCN_OK; i++)
        summary_row(&r, by, u.b[i].key, u.b[i].name, (int64_t)pcn_strmap_count(u.b[i].people),
                    u.b[i].posts, u.b[i].wte, registered);
    if (r.rc == PCN_OK)
        summary_row(&r, by, "total", NULL, (int64_t)pcn_strmap_count(everyone), posts, total,
                    registered);
    summary_release(&u);
    pcn_strmap_free(everyone);
    return table_finish(&r, ret);
}

/* ---- ARRS ---- */

static void flags_text(unsigned flags, char *out, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{PCN_CLAIM_COST_ABOVE_CAP, "cost_above_cap"},
                 {PCN_CLAIM_CAP_DERIVED, "derived_cap"},
                 {PCN_CLAIM_CAP_UNKNOWN, "unknown_cap"},
                 {PCN_CLAIM_NOT_ELIGIBLE, "not_eligible"},
                 {PCN_CLAIM_PERSON_CAPPED, "person_capped"},
                 {PCN_CLAIM_LONDON_NATIONAL, "london_national"}};
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < PCN_ARRAY_SIZE(names); i++) {
        int n;
        if (!(flags & names[i].bit))
            continue;
        n = snprintf(out + used, size - used, "%s%s", used ? " " : "", names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static const char *budget_key(const struct pcn_arrs *a, int line)
{
    const struct pcn_line_part *p = line >= 0 ? pcn_contract_part(a->year, (size_t)line) : NULL;

    return p ? p->key : NULL;
}

enum pcn_err pcn_view_arrs_claims(const struct pcn_arrs *a, const struct pcn_staff *s,
                                  struct pcn_table **ret)
{
    static const char *const names[] = {"post",    "id",       "person",       "role",   "band",
                                        "wte",     "employer", "budget",       "months", "cost",
                                        "maximum", "claim",    "unreimbursed", "flags"};
    static const enum pcn_col_type types[] = {I, I, T, T, T, T, T, T, I, T, T, T, T, T};
    const struct pcn_roles *roles = pcn_contract_roles(a->year);
    struct row r;

    table_start(&r, "arrs_claims", 14, names, types);
    for (size_t i = 0; i < a->n_claims && r.rc == PCN_OK; i++) {
        const struct pcn_claim *cl = &a->claims[i];
        const struct pcn_post *p = pcn_staff_post(s, cl->post);
        char flags[128];
        int64_t months = 0;
        for (int m = 0; m < PCN_MONTHS; m++)
            months += cl->claim[m] > 0;
        flags_text(cl->flags, flags, sizeof(flags));
        row_start(&r);
        put_int(&r, (int64_t)cl->post);
        put_int(&r, p->id);
        put_text(&r, p->person);
        put_text(&r, pcn_roles_at(roles, (size_t)p->role)->key);
        put_opt(&r, pcn_band_name(p->band));
        put_wte(&r, p->wte);
        put_text(&r, pcn_employer_name(p->employer));
        put_opt(&r, budget_key(a, cl->budget));
        put_int(&r, months);
        put_money(&r, cl->total_cost);
        put_money(&r, cl->total_cap);
        put_money(&r, cl->total_claim);
        put_money(&r, cl->total_cost - cl->total_claim);
        put_opt(&r, flags);
    }
    return table_finish(&r, ret);
}

enum pcn_err pcn_view_arrs_budget(const struct pcn_arrs *a, struct pcn_table **ret)
{
    static const char *const names[] = {
        "budget",           "name",     "known", "estimate",     "allocation", "amount",
        "to_date",          "rest",     "total", "reimbursable", "headroom",   "months_left",
        "headroom_a_month", "runs_out", "as_of"};
    static const enum pcn_col_type types[] = {T, T, B, B, B, T, T, T, T, T, T, I, T, T, T};
    struct row r;

    table_start(&r, "arrs_budget", 15, names, types);
    for (size_t i = 0; i < a->n_budgets && r.rc == PCN_OK; i++) {
        const struct pcn_budget *b = &a->budgets[i];
        row_start(&r);
        put_text(&r, b->key);
        put_text(&r, b->name);
        put_bool(&r, b->is_known);
        put_bool(&r, b->is_estimate);
        put_bool(&r, b->is_allocation);
        if (b->is_known)
            put_money(&r, b->budget);
        else
            put_null(&r);
        put_money(&r, b->to_date);
        put_money(&r, b->rest);
        put_money(&r, b->total);
        put_money(&r, b->reimbursable);
        if (b->is_known)
            put_money(&r, b->headroom);
        else
            put_null(&r);
        put_int(&r, b->months_left);
        if (b->is_known)
            put_money(&r, b->headroom_a_month);
        else
            put_null(&r);
        put_month(&r, a->year, b->run_out_month);
        put_date(&r, a->as_of);
    }
    return table_finish(&r, ret);
}

enum pcn_err pcn_view_arrs_months(const struct pcn_arrs *a, struct pcn_table **ret)
{
    static const char *const names[] = {"month",      "budget", "claimed",
                                        "cumulative", "amount", "to_date"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, B};
    struct row r;

    table_start(&r, "arrs_months", 6, names, types);
    for (size_t i = 0; i < a->n_budgets && r.rc == PCN_OK; i++) {
        const struct pcn_budget *b = &a->budgets[i];
        int64_t cum = 0;
        for (int m = 0; m < PCN_MONTHS && r.rc == PCN_OK; m++) {
            cum += b->claimed[m];
            row_start(&r);
            put_month(&r, a->year, m);
            put_text(&r, b->key);
            put_money(&r, b->claimed[m]);
            put_money(&r, cum);
            if (b->is_known)
                put_money(&r, b->budget);
            else
                put_null(&r);
            put_bool(&r, m <= a->as_of_month);
        }
    }
    return table_finish(&r, ret);
}

/* Notes for one claim month: why the claim is below the cost. */
static void month_notes(const struct pcn_claim *cl, int m, char *out, size_t size)
{
    if (cl->cost[m] > cl->cap[m])
        (void)snprintf(out, size, "cost above the maximum: %s", "claim limited to the maximum");
    else
        out[0] = '\0';
    if (cl->flags & PCN_CLAIM_PERSON_CAPPED)
        (void)snprintf(out + strlen(out), size - strlen(out), "%sWTE limited to 1.0 a person",
                       out[0] ? "; " : "");
}

enum pcn_err pcn_view_arrs_claim_export(const struct pcn_arrs *a, const struct pcn_staff *s,
                                        const char *pcn_code, const char *pcn_name,
                                        struct pcn_table **ret)
{
    static const char *const names[] = {"pcn_code",       "pcn_name",
                                        "claim_month",    "staff_id",
                                        "staff_name",     "role",
                                        "afc_band",       "wte",
                                        "employer",       "employer_name",
                                        "start_date",     "end_date",
                                        "actual_cost",    "maximum_reimbursable",
                                        "amount_claimed", "budget",
                                        "notes"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T};
    const struct pcn_roles *roles = pcn_contract_roles(a->year);
    struct row r;

    table_start(&r, "arrs_claim_export", 17, names, types);
    for (int m = 0; m < PCN_MONTHS && r.rc == PCN_OK; m++) {
        for (size_t i = 0; i < a->n_claims && r.rc == PCN_OK; i++) {
            const struct pcn_claim *cl = &a->claims[i];
            const struct pcn_post *p = pcn_staff_post(s, cl->post);
            char notes[160];
            if (cl->claim[m] == 0 && cl->cost[m] == 0)
                continue;
            month_notes(cl, m, notes, sizeof(notes));
            row_start(&r);
            put_text(&r, pcn_code);
            put_opt(&r, pcn_name);
            put_month(&r, a->year, m);
            put_text(&r, p->person);
            put_opt(&r, p->name);
            put_text(&r, pcn_roles_at(roles, (size_t)p->role)->name);
            put_opt(&r, pcn_band_name(p->band));
            put_wte(&r, p->wte);
            put_text(&r, pcn_employer_name(p->employer));
            put_opt(&r, p->employer_code);
            put_date(&r, p->start);
            put_date(&r, p->end);
            put_money(&r, cl->cost[m]);
            put_money(&r, cl->cap[m]);
            put_money(&r, cl->claim[m]);
            put_opt(&r, budget_key(a, cl->budget));
            put_opt(&r, notes);
        }
    }
    return table_finish(&r, ret);
}

/* ---- DES income and distribution ---- */

enum pcn_err pcn_view_des_income(const struct pcn_income *inc, struct pcn_table **ret)
{
    static const char *const names[] = {"line",     "name",    "paid",    "amount", "known",
                                        "estimate", "assumed", "part_of", "basis"};
    static const enum pcn_col_type types[] = {T, T, T, T, B, B, B, T, T};
    struct row r;

    table_start(&r, "des_income", 9, names, types);
    for (size_t i = 0; i < inc->n_lines && r.rc == PCN_OK; i++) {
        const struct pcn_income_line *l = &inc->lines[i];
        row_start(&r);
        put_text(&r, l->key);
        put_text(&r, l->name);
        put_text(&r, pcn_paid_name(l->paid));
        if (l->is_known && !l->part_of[0])
            put_money(&r, l->amount);
        else
            put_null(&r);
        put_bool(&r, l->is_known);
        put_bool(&r, l->is_estimate);
        put_bool(&r, l->is_assumed);
        put_opt(&r, l->part_of);
        put_text(&r, l->basis);
    }
    for (int k = 0; k < 2 && r.rc == PCN_OK; k++) {
        row_start(&r);
        put_text(&r, k ? "total_assured" : "total");
        put_text(&r, k ? "Paid monthly without conditions" : "Income (not ARRS)");
        put_null(&r);
        put_money(&r, k ? inc->total_assured : inc->total);
    }
    return table_finish(&r, ret);
}

static void dist_row(struct row *r, const struct pcn_member *m, const char *line,
                     const char *method, int64_t amount, int estimate)
{
    row_start(r);
    put_opt(r, m ? m->practice : NULL);
    put_opt(r, m ? m->name : NULL);
    put_text(r, line);
    put_opt(r, method);
    put_money(r, amount);
    put_bool(r, estimate);
}

enum pcn_err pcn_view_distribution(const struct pcn_distribution *d, struct pcn_table **ret)
{
    static const char *const names[] = {"practice", "name", "line", "method", "amount", "estimate"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, B};
    struct row r;

    table_start(&r, "distribution", 6, names, types);
    for (size_t m = 0; m < d->n_members && r.rc == PCN_OK; m++) {
        int any_estimate = 0;
        for (size_t l = 0; l < d->n_lines; l++) {
            const struct pcn_dist_line *dl = &d->lines[l];
            any_estimate |= dl->is_estimate;
            dist_row(&r, &d->members[m], dl->key, pcn_share_method_name(dl->method),
                     d->share[m * d->n_lines + l], dl->is_estimate);
        }
        dist_row(&r, &d->members[m], "total", NULL, d->member_total[m], any_estimate);
    }
    for (size_t i = 0; i < d->n_slices && r.rc == PCN_OK; i++) {
        char line[160];
        (void)snprintf(line, sizeof(line), "slice:%s", d->slices[i].label);
        dist_row(&r, NULL, line, d->slices[i].line, d->slices[i].amount, 0);
    }
    return table_finish(&r, ret);
}

enum pcn_err pcn_view_what_if(const struct pcn_arrs *a, const struct pcn_hire *h,
                              const struct pcn_what_if *w, struct pcn_table **ret)
{
    static const char *const names[] = {"role",
                                        "band",
                                        "wte",
                                        "start",
                                        "end",
                                        "budget",
                                        "added",
                                        "headroom_before",
                                        "headroom_after",
                                        "runs_out_before",
                                        "runs_out_after",
                                        "fits"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, T, T, T, T, T, T, B};
    const struct pcn_budget *b = w->budget >= 0 ? &a->budgets[w->budget] : NULL;
    struct row r;

    table_start(&r, "what_if", 12, names, types);
    row_start(&r);
    put_text(&r, pcn_roles_at(pcn_contract_roles(a->year), (size_t)h->role)->key);
    put_opt(&r, pcn_band_name(h->band));
    put_wte(&r, h->wte);
    put_date(&r, h->start);
    put_date(&r, h->end);
    put_opt(&r, b ? b->key : NULL);
    put_money(&r, w->added_total);
    if (b && b->is_known) {
        put_money(&r, w->headroom_before);
        put_money(&r, w->headroom_after);
    } else {
        put_null(&r);
        put_null(&r);
    }
    put_month(&r, a->year, w->run_out_before);
    put_month(&r, a->year, w->run_out_after);
    put_bool(&r, w->fits);
    return table_finish(&r, ret);
}
