/*
 * registry_check.c - moving practices between networks and the registry
 * checks: network size outside the configured range (warning), practices in
 * no network (error), overlapping memberships (error), sites without a
 * practice (error), practices with no list size (warning).
 */
#include "pcn/registry_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "util/common.h"

struct lookup_network {
    int32_t date;
    char *ret;
    bool found;
};

static int match_date(const struct pcn_membership *m, void *ud)
{
    struct lookup_network *l = ud;

    if (m->start_date <= l->date && (m->end_date == PCN_DATE_NONE || m->end_date >= l->date)) {
        (void)snprintf(l->ret, 8, "%s", m->network);
        l->found = true;
        return 1;
    }
    return 0;
}

enum pcn_err pcn_registry_network_of(struct pcn_store *s, const char *practice, int32_t date,
                                     char ret[8])
{
    struct lookup_network l = {date, ret, false};
    enum pcn_err rc = pcn_store_each_membership(s, practice, match_date, &l);

    if (rc != PCN_OK)
        return rc;
    return l.found ? PCN_OK : PCN_ENOTFOUND;
}

static int exists_cb(const void *row, void *ud)
{
    (void)row;
    *(bool *)ud = true;
    return 1;
}

static int network_exists(const struct pcn_network *n, void *ud)
{
    return exists_cb(n, ud);
}

static int practice_exists(const struct pcn_practice *p, void *ud)
{
    return exists_cb(p, ud);
}

enum pcn_err pcn_registry_move(struct pcn_store *s, const char *practice, const char *network,
                               int32_t date, struct pcn_error *reterr)
{
    bool found = false;
    char current[8];
    struct pcn_membership m = {practice, network, date, PCN_DATE_NONE};
    enum pcn_err rc;

    if (pcn_store_get_practice(s, practice, practice_exists, &found) != PCN_OK || !found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no practice %s", practice);
    found = false;
    if (pcn_store_get_network(s, network, network_exists, &found) != PCN_OK || !found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no network %s", network);
    if (pcn_registry_network_of(s, practice, date, current) == PCN_OK &&
        strcmp(current, network) == 0)
        return pcn_error_set(reterr, PCN_ECONFLICT, "practice %s is already in %s on that date",
                             practice, network);
    rc = pcn_store_begin(s);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    rc = pcn_store_end_membership(s, practice, date - 1);
    if (rc == PCN_ENOTFOUND)
        rc = PCN_OK; /* unallocated practice joining a network */
    if (rc == PCN_OK)
        rc = pcn_store_add_membership(s, &m);
    if (rc == PCN_OK)
        rc = pcn_store_commit(s);
    if (rc != PCN_OK) {
        pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
        pcn_store_rollback(s);
    }
    return rc;
}

void pcn_check_options_init(struct pcn_check_options *o, int32_t as_of)
{
    o->as_of = as_of;
    o->min_patients = 30000;
    o->max_patients = 50000;
}

/* Per-network totals accumulated while walking memberships. */
struct check_ctx {
    struct pcn_store *store;
    const struct pcn_check_options *opts;
    pcn_check_fn fn;
    void *ud;
    int errors;
    int warnings;
    struct pcn_strmap *network_index; /* code -> index into totals */
    int64_t *totals;
    size_t n_totals;
    size_t alloc_totals;
    char **network_codes;
    size_t alloc_codes;
    char prev_practice[8]; /* empty before the first membership */
    int32_t prev_end;
    enum pcn_err rc;
};

static void report(struct check_ctx *c, enum pcn_check_severity sev, const char *check,
                   const char *subject, const char *message)
{
    struct pcn_check_finding f = {sev, check, subject, message};

    if (sev == PCN_CHECK_ERROR)
        c->errors++;
    else
        c->warnings++;
    (void)c->fn(&f, c->ud);
}

static int add_network(const struct pcn_network *n, void *ud)
{
    struct check_ctx *c = ud;

    if (PCN_GROW(c->totals, c->n_totals + 1, c->alloc_totals) != PCN_OK ||
        PCN_GROW(c->network_codes, c->n_totals + 1, c->alloc_codes) != PCN_OK ||
        pcn_strmap_put(c->network_index, n->code, strlen(n->code), c->n_totals) != PCN_OK) {
        c->rc = PCN_ENOMEM;
        return 1;
    }
    c->network_codes[c->n_totals] = pcn_strdup(n->code);
    if (!c->network_codes[c->n_totals]) {
        c->rc = PCN_ENOMEM;
        return 1;
    }
    c->totals[c->n_totals++] = 0;
    return 0;
}

static int check_membership(const struct pcn_membership *m, void *ud)
{
    struct check_ctx *c = ud;
    char msg[160];

    if (strcmp(c->prev_practice, m->practice) == 0 &&
        (c->prev_end == PCN_DATE_NONE || c->prev_end >= m->start_date)) {
        (void)snprintf(msg, sizeof(msg), "memberships of %s overlap (one to %s)", m->practice,
                       m->network);
        report(c, PCN_CHECK_ERROR, "overlap", m->practice, msg);
    }
    (void)snprintf(c->prev_practice, sizeof(c->prev_practice), "%s", m->practice);
    c->prev_end = m->end_date;
    return 0;
}

static int check_practice(const struct pcn_practice *p, void *ud)
{
    struct check_ctx *c = ud;
    char network[8] = "";
    char msg[200];
    int64_t patients = 0;
    uint64_t idx;
    enum pcn_err rc = pcn_registry_network_of(c->store, p->code, c->opts->as_of, network);

    if (rc == PCN_ENOTFOUND) {
        (void)snprintf(msg, sizeof(msg), "practice %s (%s) is in no network (Unallocated)", p->code,
                       p->name);
        report(c, PCN_CHECK_ERROR, "unallocated", p->code, msg);
    } else if (rc != PCN_OK) {
        c->rc = rc;
        return 1;
    }
    rc = pcn_store_list_size_at(c->store, p->code, c->opts->as_of, &patients, NULL);
    if (rc == PCN_ENOTFOUND) {
        (void)snprintf(msg, sizeof(msg), "practice %s has no list size on or before the date",
                       p->code);
        report(c, PCN_CHECK_WARNING, "no-list-size", p->code, msg);
    } else if (rc != PCN_OK) {
        c->rc = rc;
        return 1;
    }
    if (strlen(network) && pcn_strmap_get(c->network_index, network, strlen(network), &idx) &&
        rc == PCN_OK)
        c->totals[idx] += patients;
    return 0;
}

static int check_site(const struct pcn_site *site, void *ud)
{
    struct check_ctx *c = ud;
    char id[24];
    char msg[200];

    if (site->practice)
        return 0;
    (void)snprintf(id, sizeof(id), "%" PRId64, site->id);
    (void)snprintf(msg, sizeof(msg), "site %s (%s) belongs to no practice", id, site->name);
    report(c, PCN_CHECK_ERROR, "orphan-site", id, msg);
    return 0;
}

static void check_sizes(struct check_ctx *c)
{
    char msg[200];

    for (size_t i = 0; i < c->n_totals; i++) {
        int64_t n = c->totals[i];
        if (n >= c->opts->min_patients && n <= c->opts->max_patients)
            continue;
        (void)snprintf(msg, sizeof(msg),
                       "network %s has %" PRId64 " registered patients, outside %" PRId64
                       "-%" PRId64,
                       c->network_codes[i], n, c->opts->min_patients, c->opts->max_patients);
        report(c, PCN_CHECK_WARNING, "network-size", c->network_codes[i], msg);
    }
}

enum pcn_err pcn_registry_check(struct pcn_store *s, const struct pcn_check_options *opts,
                                pcn_check_fn fn, void *ud, int *ret_errors, int *ret_warnings,
                                struct pcn_error *reterr)
{
    struct check_ctx c = {.store = s, .opts = opts, .fn = fn, .ud = ud};
    enum pcn_err rc;

    c.network_index = pcn_strmap_new();
    if (!c.network_index)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    rc = pcn_store_each_network(s, add_network, &c);
    if (rc == PCN_OK && c.rc == PCN_OK)
        rc = pcn_store_each_membership(s, NULL, check_membership, &c);
    if (rc == PCN_OK && c.rc == PCN_OK)
        rc = pcn_store_each_practice(s, check_practice, &c);
    if (rc == PCN_OK && c.rc == PCN_OK)
        rc = pcn_store_each_site(s, check_site, &c);
    if (rc == PCN_OK)
        rc = c.rc;
    if (rc == PCN_OK) {
        check_sizes(&c);
        *ret_errors = c.errors;
        *ret_warnings = c.warnings;
    } else {
        pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    }
    for (size_t i = 0; i < c.n_totals; i++)
        pcn_free(c.network_codes[i]);
    pcn_free(c.network_codes);
    pcn_free(c.totals);
    pcn_strmap_free(c.network_index);
    return rc;
}
