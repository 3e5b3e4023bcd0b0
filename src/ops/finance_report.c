/*
 * finance_report.c - a network's year assembled from the store: its
 * members and lists (registry), staff (workforce), saved inputs and
 * agreement, then the finance layer's claims, income and distribution;
 * and the same for every network of England in one pass over the store
 * (one walk of memberships, one of posts, the inputs of each network).
 */
#include "pcn/workforce_ops.h"

#include <stdbool.h>
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
#include "util/common.h"

/* ---- the network's members ---- */

void pcn_network_facts_free(struct pcn_network_facts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_members; i++) {
        pcn_free((char *)f->members[i].practice);
        pcn_free((char *)f->members[i].name);
    }
    pcn_free(f->members);
    pcn_free(f->name);
    pcn_free(f);
}

struct member_walk {
    struct pcn_network_facts *f;
    int32_t as_of;
    size_t alloc;
    enum pcn_err rc;
};

/* A name copied out of a store walk; failed when the copy could not be made. */
struct name_copy {
    char *name;
    bool failed;
};

static int copy_name(struct name_copy *c, const char *name)
{
    c->name = name ? pcn_strdup(name) : NULL;
    c->failed = name && !c->name;
    return c->failed;
}

static int network_name(const struct pcn_network *n, void *ud)
{
    return copy_name(ud, n->name);
}

/* f's network name from the store (NULL when it has none); PCN_ENOMEM, a store error. */
static enum pcn_err load_name(struct pcn_store *s, struct pcn_network_facts *f)
{
    struct name_copy c = {NULL, false};
    enum pcn_err rc = pcn_store_get_network(s, f->code, network_name, &c);

    f->name = c.name;
    return rc == PCN_OK && c.failed ? PCN_ENOMEM : rc;
}

static int member_row(const struct pcn_membership *m, void *ud)
{
    struct member_walk *w = ud;
    struct pcn_member *mb;

    if (strcmp(m->network, w->f->code) != 0 || m->start_date > w->as_of ||
        (m->end_date != PCN_DATE_NONE && m->end_date < w->as_of))
        return 0;
    w->rc = PCN_GROW(w->f->members, w->f->n_members + 1, w->alloc);
    if (w->rc != PCN_OK)
        return 1;
    mb = &w->f->members[w->f->n_members];
    memset(mb, 0, sizeof(*mb));
    mb->practice = pcn_strdup(m->practice);
    w->f->n_members++;
    w->rc = mb->practice ? PCN_OK : PCN_ENOMEM;
    return w->rc != PCN_OK;
}

static int practice_name(const struct pcn_practice *p, void *ud)
{
    return copy_name(ud, p->name);
}

/* Names and lists of the members found. */
static enum pcn_err member_details(struct pcn_store *s, struct pcn_network_facts *f, int32_t as_of)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < f->n_members && rc == PCN_OK; i++) {
        struct pcn_member *mb = &f->members[i];
        struct name_copy name = {NULL, false};
        int32_t at = PCN_DATE_NONE;
        rc = pcn_store_get_practice(s, mb->practice, practice_name, &name);
        mb->name = name.name;
        if (rc == PCN_OK && name.failed)
            rc = PCN_ENOMEM;
        if (rc == PCN_OK)
            rc = pcn_store_list_size_at(s, mb->practice, as_of, &mb->registered, &at);
        if (rc == PCN_ENOTFOUND) {
            mb->registered = 0;
            rc = PCN_OK;
        }
        f->registered += mb->registered;
        if (at != PCN_DATE_NONE && (f->list_date == PCN_DATE_NONE || at > f->list_date))
            f->list_date = at;
    }
    return rc;
}

enum pcn_err pcn_network_facts_load(struct pcn_store *s, const char *network, int32_t as_of,
                                    struct pcn_network_facts **ret, struct pcn_error *reterr)
{
    struct pcn_network_facts *f = pcn_calloc(1, sizeof(*f));
    struct member_walk w = {f, as_of, 0, PCN_OK};
    enum pcn_err rc = f ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK && strlen(network) >= sizeof(f->code))
        rc = pcn_error_set(reterr, PCN_ENOTFOUND, "no network %s", network);
    if (rc == PCN_OK) {
        (void)snprintf(f->code, sizeof(f->code), "%s", network);
        f->list_date = PCN_DATE_NONE;
        rc = load_name(s, f);
    }
    if (rc == PCN_OK)
        rc = pcn_store_each_network_membership(s, network, member_row, &w);
    if (rc == PCN_OK)
        rc = w.rc;
    if (rc == PCN_OK)
        rc = member_details(s, f, as_of);
    if (rc != PCN_OK) {
        if (!reterr || reterr->code == PCN_OK || reterr->msg[0] == '\0')
            (void)pcn_error_set(reterr, rc, "%s",
                                rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_network_facts_free(f);
        return rc;
    }
    *ret = f;
    return PCN_OK;
}

/* ---- inputs ---- */

void pcn_finance_inputs_free(struct pcn_finance_inputs *fi)
{
    if (!fi)
        return;
    for (size_t i = 0; i < fi->in.n_allocations; i++)
        pcn_free((char *)fi->allocations[i].line);
    pcn_free(fi->allocations);
    pcn_agreement_free(fi->agreement);
    pcn_free(fi);
}

struct inputs_walk {
    struct pcn_finance_inputs *fi;
    size_t alloc;
    struct pcn_error *reterr;
    enum pcn_err rc;
};

static enum pcn_london london_of(const char *s)
{
    if (s && strcmp(s, "inner") == 0)
        return PCN_LONDON_INNER;
    if (s && strcmp(s, "outer") == 0)
        return PCN_LONDON_OUTER;
    return PCN_LONDON_NONE;
}

static int inputs_row(const struct pcn_store_finance *f, void *ud)
{
    struct inputs_walk *w = ud;
    struct pcn_network_inputs *in = &w->fi->in;

    w->fi->version = f->version;
    in->adjusted = PCN_MAX(f->adjusted, 0);
    in->weighted = PCN_MAX(f->weighted, 0);
    in->beds = f->beds;
    in->iif_points = f->iif_points;
    in->caip_percent = f->caip_percent;
    in->london = london_of(f->london);
    return 0;
}

/* One stored item into the inputs: an allocation, or a rule of the agreement. */
static enum pcn_err add_item(struct pcn_finance_inputs *fi, size_t *alloc,
                             const struct pcn_store_finance_item *it, struct pcn_error *reterr)
{
    int64_t pence;
    enum pcn_err rc;

    if (strcmp(it->kind, "allocation") != 0)
        return pcn_agreement_add_rule(fi->agreement, it->kind, it->line, it->value, it->practice,
                                      it->label, reterr);
    if (pcn_pence_parse(it->value, strlen(it->value), &pence) != PCN_OK || pence < 0)
        return pcn_error_set(reterr, PCN_EINVAL, "allocation for %s: '%s' is not pounds", it->line,
                             it->value);
    rc = PCN_GROW(fi->allocations, fi->in.n_allocations + 1, *alloc);
    if (rc != PCN_OK)
        return rc;
    fi->allocations[fi->in.n_allocations].line = pcn_strdup(it->line);
    fi->allocations[fi->in.n_allocations].pence = pence;
    if (!fi->allocations[fi->in.n_allocations].line)
        return PCN_ENOMEM;
    fi->in.n_allocations++;
    fi->in.allocations = fi->allocations;
    return PCN_OK;
}

static int item_row(const struct pcn_store_finance_item *it, void *ud)
{
    struct inputs_walk *w = ud;

    w->rc = add_item(w->fi, &w->alloc, it, w->reterr);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_finance_inputs_load(struct pcn_store *s, const char *network, const char *year,
                                     struct pcn_finance_inputs **ret, struct pcn_error *reterr)
{
    struct pcn_finance_inputs *fi = pcn_calloc(1, sizeof(*fi));
    struct inputs_walk w;
    enum pcn_err rc = fi ? PCN_OK : PCN_ENOMEM;

    pcn_error_clear(reterr); /* before the walk keeps reterr */
    w = (struct inputs_walk){fi, 0, reterr, PCN_OK};

    if (rc == PCN_OK) {
        (void)snprintf(fi->year, sizeof(fi->year), "%s", year);
        pcn_network_inputs_init(&fi->in);
        fi->agreement = pcn_agreement_new();
        rc = fi->agreement ? PCN_OK : PCN_ENOMEM;
    }
    if (rc == PCN_OK)
        rc = pcn_store_get_finance(s, network, year, inputs_row, item_row, &w);
    if (rc == PCN_OK)
        rc = w.rc;
    if (rc != PCN_OK) {
        if (w.rc == PCN_OK)
            (void)pcn_error_set(reterr, rc, "%s",
                                rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_finance_inputs_free(fi);
        return rc;
    }
    *ret = fi;
    return PCN_OK;
}

enum pcn_err pcn_finance_inputs_save(struct pcn_store *s, const struct pcn_store_finance *f,
                                     const struct pcn_store_finance_item *items, size_t n,
                                     int64_t *ret_version, struct pcn_error *reterr)
{
    struct pcn_finance_inputs *scratch = pcn_calloc(1, sizeof(*scratch));
    size_t alloc = 0;
    enum pcn_err rc = scratch ? PCN_OK : PCN_ENOMEM;

    pcn_error_clear(reterr);
    if (rc == PCN_OK) {
        scratch->agreement = pcn_agreement_new();
        rc = scratch->agreement ? PCN_OK : PCN_ENOMEM;
    }
    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        rc = add_item(scratch, &alloc, &items[i], reterr);
        if (rc != PCN_OK && rc != PCN_ENOMEM) {
            pcn_error_prefix(reterr, "item %zu: ", i + 1);
            rc = PCN_EINVAL; /* a bad value, whatever the parser called it */
            if (reterr)
                reterr->code = rc;
        }
    }
    if (rc == PCN_OK && (f->caip_percent < -1 || f->caip_percent > 100))
        rc = pcn_error_set(reterr, PCN_EINVAL, "caip_percent %lld is not 0-100",
                           (long long)f->caip_percent);
    pcn_finance_inputs_free(scratch);
    if (rc != PCN_OK)
        return reterr && reterr->msg[0] ? rc : pcn_error_set(reterr, rc, "out of memory");
    rc = pcn_store_put_finance(s, f, items, n, ret_version);
    if (rc != PCN_OK)
        (void)pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    return rc;
}

/* ---- the mean list ---- */

struct mean_walk {
    struct pcn_store *s;
    int32_t as_of;
    struct pcn_strmap *networks;
    int64_t patients;
    enum pcn_err rc;
};

static int mean_row(const struct pcn_membership *m, void *ud)
{
    struct mean_walk *w = ud;
    int64_t n = 0;

    if (m->start_date > w->as_of || (m->end_date != PCN_DATE_NONE && m->end_date < w->as_of))
        return 0;
    w->rc = pcn_strmap_put(w->networks, m->network, strlen(m->network), 1);
    if (w->rc == PCN_OK)
        w->rc = pcn_store_list_size_at(w->s, m->practice, w->as_of, &n, NULL);
    if (w->rc == PCN_ENOTFOUND)
        w->rc = PCN_OK;
    w->patients += n;
    return w->rc != PCN_OK;
}

enum pcn_err pcn_registry_mean_list(struct pcn_store *s, int32_t as_of, int64_t *ret,
                                    struct pcn_error *reterr)
{
    struct mean_walk w = {s, as_of, pcn_strmap_new(), 0, PCN_OK};
    enum pcn_err rc = w.networks ? pcn_store_each_membership(s, NULL, mean_row, &w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = w.rc;
    if (rc == PCN_OK) {
        size_t n = pcn_strmap_count(w.networks);
        *ret = n ? (w.patients + (int64_t)n / 2) / (int64_t)n : 0;
    } else {
        (void)pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    }
    pcn_strmap_free(w.networks);
    return rc;
}

/* ---- one network's year ---- */

void pcn_finance_report_free(struct pcn_finance_report *r)
{
    if (!r)
        return;
    pcn_network_facts_free(r->facts);
    pcn_staff_free(r->staff);
    pcn_finance_inputs_free(r->inputs);
    pcn_arrs_free(r->arrs);
    pcn_income_free(r->income);
    pcn_distribution_free(r->distribution);
    pcn_findings_release(&r->findings);
    pcn_free(r);
}

/* Does the year price IIF (a known rate), so that it needs the mean list? */
static bool needs_mean_list(const struct pcn_contract *c)
{
    int at = pcn_contract_find_line(c, "iif");

    return at >= 0 && pcn_contract_part(c, (size_t)at)->status != PCN_RATE_UNKNOWN;
}

/* Apply the overrides to the inputs of a report. */
static void override(struct pcn_finance_inputs *fi, const struct pcn_finance_overrides *ov)
{
    if (!ov)
        return;
    if (ov->weighted > 0)
        fi->in.weighted = ov->weighted;
    if (ov->adjusted > 0)
        fi->in.adjusted = ov->adjusted;
    if (ov->has_method) {
        struct pcn_agreement *a = pcn_agreement_new();
        if (a && pcn_agreement_set_method(a, NULL, ov->method) == PCN_OK) {
            pcn_agreement_free(fi->agreement);
            fi->agreement = a;
        } else {
            pcn_agreement_free(a);
        }
    }
}

/* The money of a report once its inputs are loaded. */
static enum pcn_err report_money(struct pcn_finance_report *r, struct pcn_error *reterr)
{
    enum pcn_err rc =
        pcn_arrs_compute(r->staff, r->year, &r->inputs->in, r->as_of, &r->arrs, &r->findings);

    if (rc == PCN_EINVAL)
        return pcn_error_set(reterr, rc, "the register of %s has errors", r->facts->code);
    if (rc == PCN_OK && r->inputs->in.registered > 0)
        rc = pcn_des_income(r->year, &r->inputs->in, &r->income);
    if (rc == PCN_OK && r->income && r->facts->n_members > 0) {
        enum pcn_err d =
            pcn_distribute(r->income, r->inputs->agreement, r->facts->members, r->facts->n_members,
                           r->arrs->network_cost_unreimbursed, &r->distribution, &r->findings);
        rc = d == PCN_EINVAL ? PCN_OK : d; /* the agreement's errors are in the findings */
    }
    if (rc != PCN_OK && reterr && reterr->msg[0] == '\0')
        (void)pcn_error_set(reterr, rc, "%s", pcn_err_str(rc));
    return rc;
}

/*
 * The DES counts the registered list at 1 January before the year: use
 * the members' lists of that day when every member has one; otherwise the
 * lists on the as-of date stand in, with a warning naming their date.
 */
static enum pcn_err lists_of_january(struct pcn_store *s, struct pcn_finance_report *r)
{
    struct pcn_network_facts *f = r->facts;
    int32_t jan = PCN_DATE_NONE;
    int y, m, d;
    int64_t *sizes = pcn_calloc(f->n_members ? f->n_members : 1, sizeof(*sizes));
    int64_t total = 0;
    int32_t latest = PCN_DATE_NONE;
    enum pcn_err rc = sizes ? PCN_OK : PCN_ENOMEM;
    size_t i;

    pcn_date_to_ymd(pcn_contract_from(r->year), &y, &m, &d);
    if (rc == PCN_OK)
        rc = pcn_date_from_ymd(y, 1, 1, &jan);
    for (i = 0; i < f->n_members && rc == PCN_OK; i++) {
        int32_t at = PCN_DATE_NONE;
        rc = pcn_store_list_size_at(s, f->members[i].practice, jan, &sizes[i], &at);
        if (rc == PCN_ENOTFOUND)
            break;
        total += sizes[i];
        if (at != PCN_DATE_NONE && (latest == PCN_DATE_NONE || at > latest))
            latest = at;
    }
    if (rc == PCN_OK && f->n_members > 0) {
        for (i = 0; i < f->n_members; i++)
            f->members[i].registered = sizes[i];
        f->registered = total;
        f->list_date = latest;
    } else if (rc == PCN_ENOTFOUND) {
        char day[PCN_DATE_STR_SIZE];
        char used[PCN_DATE_STR_SIZE];
        pcn_date_format(jan, day);
        pcn_date_format(f->list_date, used);
        rc = pcn_findings_add(&r->findings, PCN_SEVERITY_WARNING, "list_date", "registry",
                              "no registered list of %s on or before %s (the DES's count): the "
                              "list of %s stands in",
                              f->code, day, used);
    }
    pcn_free(sizes);
    return rc;
}

enum pcn_err pcn_finance_report_build(struct pcn_store *s, const struct pcn_rates *rates,
                                      const char *network, const char *year_key, int32_t as_of,
                                      const struct pcn_finance_overrides *ov,
                                      struct pcn_finance_report **ret, struct pcn_error *reterr)
{
    struct pcn_finance_report *r = pcn_calloc(1, sizeof(*r));
    enum pcn_err rc = r ? PCN_OK : PCN_ENOMEM;

    pcn_error_clear(reterr);
    if (rc == PCN_OK) {
        r->findings.max = 1000;
        r->as_of = as_of;
        int exact = 1;

        r->year = year_key ? pcn_rates_find_year(rates, year_key)
                           : pcn_rates_year_for(rates, as_of, &exact);
        if (!r->year)
            rc = pcn_error_set(reterr, PCN_ENOTFOUND, "no contract year %s in the rates",
                               year_key ? year_key : "at all");
        else if (!exact)
            rc = pcn_findings_add(&r->findings, PCN_SEVERITY_WARNING, "year_not_in_rates", "rates",
                                  "no contract year in the rates contains the as-of date; "
                                  "showing %s (a new year's contract is a new file in "
                                  "data/reference/ncdes)",
                                  pcn_contract_key(r->year));
    }
    if (rc == PCN_OK)
        rc = pcn_network_facts_load(s, network, as_of, &r->facts, reterr);
    if (rc == PCN_OK && r->facts->registered <= 0) {
        char day[PCN_DATE_STR_SIZE];
        pcn_date_format(as_of, day);
        rc = pcn_error_set(reterr, PCN_ENOTFOUND,
                           "network %s has no registered list on %s: import its list sizes "
                           "(pcn registry import)",
                           network, day);
    }
    if (rc == PCN_OK) {
        rc = lists_of_january(s, r);
        if (rc != PCN_OK)
            (void)pcn_error_set(reterr, rc, "%s",
                                rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
    }
    if (rc == PCN_OK)
        rc = pcn_workforce_load(s, pcn_rates_roles(rates), network, &r->staff, reterr);
    if (rc == PCN_OK)
        rc = pcn_finance_inputs_load(s, network, pcn_contract_key(r->year), &r->inputs, reterr);
    if (rc == PCN_OK) {
        override(r->inputs, ov);
        r->inputs->in.registered = r->facts->registered;
        r->inputs->in.registered_date = r->facts->list_date;
        r->inputs->in.national_mean_list = ov ? ov->national_mean_list : 0;
        if (r->inputs->in.national_mean_list <= 0 && needs_mean_list(r->year))
            rc = pcn_registry_mean_list(s, as_of, &r->inputs->in.national_mean_list, reterr);
    }
    if (rc == PCN_OK)
        rc = pcn_staff_validate(r->staff, rates, &r->findings);
    if (rc == PCN_OK && r->findings.n_errors)
        rc = pcn_error_set(reterr, PCN_EINVAL, "the register of %s has errors", network);
    if (rc == PCN_OK)
        rc = report_money(r, reterr);
    if (rc == PCN_OK || (rc == PCN_EINVAL && r)) {
        *ret = r;
        return rc;
    }
    pcn_finance_report_free(r);
    return rc;
}

/* ---- every network's members ---- */

void pcn_network_facts_free_all(struct pcn_network_facts **all, size_t n)
{
    for (size_t i = 0; all && i < n; i++)
        pcn_network_facts_free(all[i]);
    pcn_free(all);
}

/* An element of the array of facts (a pointer: each network's facts are freed on their own). */
typedef struct pcn_network_facts *facts_ptr;

struct all_walk {
    struct pcn_strmap *slot; /* network -> index */
    facts_ptr *nets;
    size_t n;
    size_t alloc;
    size_t *member_alloc; /* capacity of each network's members array */
    int32_t as_of;
    enum pcn_err rc;
};

/* The index of network code's facts, added when new; -1 on error (w->rc). */
static long facts_of(struct all_walk *w, const char *code)
{
    uint64_t at;
    int added;

    w->rc = pcn_strmap_intern(w->slot, code, strlen(code), w->n, &at, &added);
    if (w->rc == PCN_OK && added) {
        size_t old = w->alloc;
        w->rc = w->n + 1 <= w->alloc
                    ? PCN_OK
                    : pcn_grow((void **)&w->nets, sizeof(facts_ptr), w->n + 1, &w->alloc);
        if (w->rc == PCN_OK && w->alloc != old) {
            size_t *ma = pcn_reallocarray(w->member_alloc, w->alloc, sizeof(*ma));
            w->rc = ma ? PCN_OK : PCN_ENOMEM;
            w->member_alloc = ma ? ma : w->member_alloc;
        }
        if (w->rc == PCN_OK) {
            w->nets[w->n] = pcn_calloc(1, sizeof(**w->nets));
            w->member_alloc[w->n] = 0;
            w->rc = w->nets[w->n] ? PCN_OK : PCN_ENOMEM;
        }
        if (w->rc == PCN_OK) {
            (void)snprintf(w->nets[w->n]->code, sizeof(w->nets[w->n]->code), "%s", code);
            w->nets[w->n]->list_date = PCN_DATE_NONE;
            w->n++;
        }
    }
    return w->rc == PCN_OK ? (long)at : -1;
}

static int all_member(const struct pcn_membership *m, void *ud)
{
    struct all_walk *w = ud;
    struct member_walk one;
    long at;

    if (m->start_date > w->as_of || (m->end_date != PCN_DATE_NONE && m->end_date < w->as_of))
        return 0;
    at = facts_of(w, m->network);
    if (at < 0)
        return 1;
    one.f = w->nets[at];
    one.as_of = w->as_of;
    one.alloc = w->member_alloc[at];
    one.rc = PCN_OK;
    (void)member_row(m, &one);
    w->member_alloc[at] = one.alloc;
    w->rc = one.rc;
    return w->rc != PCN_OK;
}

static int by_facts_code(const void *a, const void *b)
{
    return strcmp((*(struct pcn_network_facts *const *)a)->code,
                  (*(struct pcn_network_facts *const *)b)->code);
}

enum pcn_err pcn_network_facts_all(struct pcn_store *s, int32_t as_of,
                                   struct pcn_network_facts ***ret, size_t *ret_n,
                                   struct pcn_error *reterr)
{
    struct all_walk w = {pcn_strmap_new(), NULL, 0, 0, NULL, as_of, PCN_OK};
    enum pcn_err rc = w.slot ? pcn_store_each_membership(s, NULL, all_member, &w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = w.rc;
    for (size_t i = 0; i < w.n && rc == PCN_OK; i++) {
        rc = load_name(s, w.nets[i]);
        if (rc == PCN_OK)
            rc = member_details(s, w.nets[i], as_of);
    }
    pcn_strmap_free(w.slot);
    pcn_free(w.member_alloc);
    if (rc != PCN_OK) {
        (void)pcn_error_set(reterr, rc, "%s",
                            rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_network_facts_free_all(w.nets, w.n);
        return rc;
    }
    qsort(w.nets, w.n, sizeof(facts_ptr), by_facts_code);
    *ret = w.nets;
    *ret_n = w.n;
    return PCN_OK;
}
