/*
 * finance_networks.c - the year's finance of every network of England in
 * one pass over the store: one walk of the memberships (members on the
 * date, their lists), one of the networks, one of every post (ordered by
 * network, so each network's register is a run of it), and each network's
 * saved inputs; then the finance layer prices each network as it would
 * alone. The national mean list for IIF comes from the same walk.
 */
#include "pcn/workforce_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/store_registry.h"
#include "pcn/table.h"
#include "pcn/vec.h"
#include "pcn/views_workforce.h"
#include "util/common.h"

/* One network of the registry with members on the date. */
struct net {
    char code[8];
    char *name;
    int64_t registered;     /* the lists the year counts (below) */
    int64_t registered_now; /* the members' lists on the as-of date */
    int64_t registered_jan; /* their lists at 1 January before the year */
    size_t missing_jan;     /* members without a list by then */
    size_t first_post;      /* its run in the register */
    size_t n_posts;
};

struct england {
    struct pcn_store *s;
    int32_t as_of;
    int32_t jan; /* 1 January before the year: the DES's count; PCN_DATE_NONE: not wanted */
    struct pcn_strmap *slot; /* code -> index */
    struct net *nets;
    size_t n;
    size_t alloc;
    enum pcn_err rc;
};

static struct net *net_of(struct england *e, const char *code, bool add)
{
    uint64_t at;
    int added = 0;

    if (!add)
        return pcn_strmap_get(e->slot, code, strlen(code), &at) ? &e->nets[at] : NULL;
    e->rc = pcn_strmap_intern(e->slot, code, strlen(code), e->n, &at, &added);
    if (e->rc == PCN_OK && added) {
        e->rc = PCN_GROW(e->nets, e->n + 1, e->alloc);
        if (e->rc == PCN_OK) {
            memset(&e->nets[e->n], 0, sizeof(e->nets[e->n]));
            (void)snprintf(e->nets[e->n].code, sizeof(e->nets[e->n].code), "%s", code);
            e->n++;
        }
    }
    return e->rc == PCN_OK ? &e->nets[at] : NULL;
}

static int england_member(const struct pcn_membership *m, void *ud)
{
    struct england *e = ud;
    struct net *n;
    int64_t patients = 0;

    if (m->start_date > e->as_of || (m->end_date != PCN_DATE_NONE && m->end_date < e->as_of))
        return 0;
    n = net_of(e, m->network, true);
    if (!n)
        return 1;
    e->rc = pcn_store_list_size_at(e->s, m->practice, e->as_of, &patients, NULL);
    if (e->rc == PCN_ENOTFOUND)
        e->rc = PCN_OK;
    n->registered_now += patients;
    patients = 0;
    if (e->rc == PCN_OK && e->jan != PCN_DATE_NONE)
        e->rc = pcn_store_list_size_at(e->s, m->practice, e->jan, &patients, NULL);
    if (e->rc == PCN_ENOTFOUND) {
        n->missing_jan++;
        e->rc = PCN_OK;
    }
    n->registered_jan += patients;
    return e->rc != PCN_OK;
}

static int england_network(const struct pcn_network *nw, void *ud)
{
    struct england *e = ud;
    struct net *n = net_of(e, nw->code, false);

    if (n && !n->name) {
        n->name = pcn_strdup(nw->name);
        e->rc = n->name ? PCN_OK : PCN_ENOMEM;
    }
    return e->rc != PCN_OK;
}

static int by_code(const void *a, const void *b)
{
    return strcmp(((const struct net *)a)->code, ((const struct net *)b)->code);
}

/* Each network's run of posts in the register (ordered by network). */
static void find_runs(struct england *e, const struct pcn_staff *all)
{
    for (size_t i = 0; i < pcn_staff_count(all);) {
        const char *code = pcn_staff_post(all, i)->network;
        size_t j = i;
        struct net *n;
        while (j < pcn_staff_count(all) && strcmp(pcn_staff_post(all, j)->network, code) == 0)
            j++;
        n = net_of(e, code, false);
        if (n) {
            n->first_post = i;
            n->n_posts = j - i;
        }
        i = j;
    }
}

/* The posts of one network as a register of its own. */
static enum pcn_err sub_register(const struct pcn_staff *all, const struct net *n,
                                 struct pcn_staff **ret)
{
    struct pcn_staff *s = pcn_staff_new();
    enum pcn_err rc = s ? PCN_OK : PCN_ENOMEM;

    for (size_t i = 0; i < n->n_posts && rc == PCN_OK; i++)
        rc = pcn_staff_add(s, pcn_staff_post(all, n->first_post + i));
    if (rc != PCN_OK) {
        pcn_staff_free(s);
        return rc;
    }
    *ret = s;
    return PCN_OK;
}

static enum pcn_err put_money(struct pcn_table *t, size_t col, int64_t pence)
{
    char v[PCN_MONEY_STR_SIZE];

    pcn_pence_format(pence, v);
    return pcn_table_set_text(t, col, v);
}

/* The money cells of one network's row. */
static enum pcn_err money_cells(struct pcn_table *t, const struct pcn_arrs *a,
                                const struct pcn_income *inc)
{
    const struct pcn_budget *b = pcn_arrs_budget(a, "arrs");
    int64_t posts = 0;
    enum pcn_err rc;

    for (size_t i = 0; i < a->n_claims; i++)
        posts += a->claims[i].total_claim > 0;
    rc = pcn_table_set_int(t, 3, posts);
    if (rc == PCN_OK && b && b->is_known)
        rc = put_money(t, 4, b->budget);
    if (rc == PCN_OK)
        rc = put_money(t, 5, a->total_claim);
    if (rc == PCN_OK && b && b->is_known)
        rc = put_money(t, 6, b->headroom);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 7, b && b->is_estimate);
    if (rc == PCN_OK)
        rc = put_money(t, 8, inc->total);
    return rc;
}

/* Price one network and add its row. */
static enum pcn_err network_row(struct england *e, const struct pcn_rates *rates,
                                const struct pcn_contract *year, const struct pcn_staff *all,
                                const struct net *n, int64_t mean_list, struct pcn_table *t)
{
    struct pcn_staff *st = NULL;
    struct pcn_finance_inputs *fi = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_arrs *a = NULL;
    struct pcn_income *inc = NULL;
    struct pcn_error err;
    enum pcn_err rc = pcn_table_add_row(t);

    f.max = 0; /* only the counts are wanted */
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, n->code);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 1, n->name);
    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 2, n->registered);
    if (rc == PCN_OK)
        rc = sub_register(all, n, &st);
    if (rc == PCN_OK)
        rc = pcn_finance_inputs_load(e->s, n->code, pcn_contract_key(year), &fi, &err);
    if (rc == PCN_OK) {
        fi->in.registered = n->registered;
        fi->in.national_mean_list = mean_list;
        rc = pcn_staff_validate(st, rates, &f);
    }
    if (rc == PCN_OK && f.n_errors == 0 && n->registered > 0) {
        rc = pcn_arrs_compute(st, year, &fi->in, e->as_of, &a, &f);
        if (rc == PCN_OK)
            rc = pcn_des_income(year, &fi->in, &inc);
        if (rc == PCN_OK)
            rc = money_cells(t, a, inc);
    }
    if (rc == PCN_OK || rc == PCN_EINVAL)
        rc = pcn_table_set_int(t, 9, (int64_t)f.n_errors);
    pcn_income_free(inc);
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_finance_inputs_free(fi);
    pcn_staff_free(st);
    return rc;
}

static void england_release(struct england *e)
{
    for (size_t i = 0; i < e->n; i++)
        pcn_free(e->nets[i].name);
    pcn_free(e->nets);
    pcn_strmap_free(e->slot);
}

/* The walks: members, networks, posts. */
static enum pcn_err england_load(struct england *e, const struct pcn_rates *rates,
                                 struct pcn_staff **all, struct pcn_error *reterr)
{
    enum pcn_err rc =
        e->slot ? pcn_store_each_membership(e->s, NULL, england_member, e) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = e->rc;
    if (rc == PCN_OK)
        rc = pcn_store_each_network(e->s, england_network, e);
    if (rc == PCN_OK)
        rc = e->rc;
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s",
                             rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(e->s));
    for (size_t i = 0; i < e->n; i++) /* as one network's report does (finance_report.c) */
        e->nets[i].registered =
            e->nets[i].missing_jan ? e->nets[i].registered_now : e->nets[i].registered_jan;
    rc = pcn_workforce_load(e->s, pcn_rates_roles(rates), NULL, all, reterr);
    if (rc == PCN_OK)
        find_runs(e, *all);
    return rc;
}

enum pcn_err pcn_finance_networks(struct pcn_store *s, const struct pcn_rates *rates,
                                  const char *year_key, int32_t as_of, struct pcn_table **ret,
                                  struct pcn_error *reterr)
{
    static const char *const names[] = {
        "network",     "name",     "registered",      "posts",  "arrs_budget",
        "arrs_claims", "headroom", "budget_estimate", "income", "errors"};
    static const enum pcn_col_type types[] = {
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_INT,  PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_BOOL, PCN_COL_TEXT, PCN_COL_INT};
    int exact;
    const struct pcn_contract *year =
        year_key ? pcn_rates_find_year(rates, year_key) : pcn_rates_year_for(rates, as_of, &exact);
    struct england e = {s, as_of, PCN_DATE_NONE, pcn_strmap_new(), NULL, 0, 0, PCN_OK};
    struct pcn_staff *all = NULL;
    struct pcn_table *t = NULL;
    int64_t patients = 0;
    enum pcn_err rc;

    pcn_error_clear(reterr);
    if (!year) {
        pcn_strmap_free(e.slot);
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no contract year %s in the rates",
                             year_key ? year_key : "at all");
    }
    {
        int y, m, d;
        pcn_date_to_ymd(pcn_contract_from(year), &y, &m, &d);
        rc = pcn_date_from_ymd(y, 1, 1, &e.jan);
    }
    if (rc == PCN_OK)
        rc = england_load(&e, rates, &all, reterr);
    if (rc == PCN_OK) {
        qsort(e.nets, e.n, sizeof(*e.nets), by_code); /* the slot map is not used after this */
        for (size_t i = 0; i < e.n; i++) /* the mean list on the date, as pcn_registry_mean_list */
            patients += e.nets[i].registered_now;
        t = pcn_table_new("finance_networks", 10, names, types);
        rc = t ? PCN_OK : PCN_ENOMEM;
    }
    for (size_t i = 0; i < e.n && rc == PCN_OK; i++)
        rc = network_row(&e, rates, year, all, &e.nets[i],
                         e.n ? (patients + (int64_t)e.n / 2) / (int64_t)e.n : 0, t);
    if (rc != PCN_OK && reterr->msg[0] == '\0')
        (void)pcn_error_set(reterr, rc, "%s", pcn_err_str(rc));
    pcn_staff_free(all);
    england_release(&e);
    if (rc != PCN_OK) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

/* ---- lists and census for comparisons ---- */

void pcn_network_lists_free(struct pcn_network_list *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        pcn_free((char *)l[i].network);
    pcn_free(l);
}

enum pcn_err pcn_network_lists(struct pcn_store *s, int32_t as_of, struct pcn_network_list **ret,
                               size_t *ret_n, struct pcn_error *reterr)
{
    struct england e = {s, as_of, PCN_DATE_NONE, pcn_strmap_new(), NULL, 0, 0, PCN_OK};
    struct pcn_network_list *l = NULL;
    enum pcn_err rc = e.slot ? pcn_store_each_membership(s, NULL, england_member, &e) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = e.rc;
    if (rc == PCN_OK) {
        qsort(e.nets, e.n, sizeof(*e.nets), by_code);
        l = pcn_calloc(e.n ? e.n : 1, sizeof(*l));
        rc = l ? PCN_OK : PCN_ENOMEM;
    }
    for (size_t i = 0; i < e.n && rc == PCN_OK; i++) {
        l[i].network = pcn_strdup(e.nets[i].code);
        l[i].registered = e.nets[i].registered_now;
        rc = l[i].network ? PCN_OK : PCN_ENOMEM;
    }
    if (rc != PCN_OK) {
        (void)pcn_error_set(reterr, rc, "%s",
                            rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_network_lists_free(l, e.n);
    } else {
        *ret = l;
        *ret_n = e.n;
    }
    england_release(&e);
    return rc;
}

struct census_walk {
    const struct pcn_roles *roles;
    struct pcn_census_totals *t;
    enum pcn_err rc;
};

static int census_total_row(const struct pcn_store_census_row *r, void *ud)
{
    struct census_walk *w = ud;
    struct pcn_census_row c;

    memset(&c, 0, sizeof(c));
    c.pcn_code = r->network;
    c.role = pcn_roles_find(w->roles, r->role, strlen(r->role));
    c.fte = r->fte;
    if (c.role < 0)
        return 0; /* a role this version no longer knows */
    w->rc = pcn_census_totals_add(w->t, &c);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_workforce_census_totals(struct pcn_store *s, const struct pcn_roles *roles,
                                         int32_t as_of, struct pcn_census_totals **ret,
                                         int32_t *ret_date, struct pcn_error *reterr)
{
    struct census_walk w = {roles, pcn_census_totals_new(roles), PCN_OK};
    int32_t day = PCN_DATE_NONE;
    enum pcn_err rc =
        w.t ? pcn_store_each_census_row(s, as_of, NULL, census_total_row, &w, &day) : PCN_ENOMEM;

    if (rc == PCN_ENOTFOUND) {
        pcn_census_totals_free(w.t);
        rc = pcn_census_totals_load(NULL, roles, ret, reterr);
        if (rc == PCN_OK && ret_date)
            (void)pcn_date_parse(PCN_CENSUS_REFERENCE_DATE, strlen(PCN_CENSUS_REFERENCE_DATE),
                                 ret_date);
        return rc;
    }
    if (rc == PCN_OK)
        rc = w.rc;
    if (rc == PCN_OK)
        rc = pcn_census_totals_finish(w.t);
    if (rc != PCN_OK) {
        (void)pcn_error_set(reterr, rc, "%s",
                            rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_census_totals_free(w.t);
        return rc;
    }
    *ret = w.t;
    if (ret_date)
        *ret_date = day;
    return PCN_OK;
}
