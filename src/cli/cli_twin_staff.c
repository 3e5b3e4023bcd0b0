/*
 * cli_twin_staff.c - the synthetic twin's staff for a set of networks,
 * the one place `pcn generate` and `pcn workforce twin` both call: the
 * census is read once (the store's latest census, else the shipped June
 * 2026 file), each row goes to its network's register through the
 * generator of src/synth/staff_twin.c (one seeded stream per network),
 * and each register is checked and written by the workforce service.
 * Runs inside the caller's transaction.
 */
#include "cli/cli_finance.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/paths.h"
#include "pcn/rng.h"
#include "pcn/staff_twin.h"
#include "pcn/workforce_ops.h"
#include "util/common.h"

/* One network being generated. */
struct twin_net {
    struct pcn_staff_twin_opts o;
    struct pcn_twin_practice *practices;
    struct pcn_rng rng;
    struct pcn_staff *st;
};

struct twin_set {
    const struct pcn_rates *rates;
    struct pcn_strmap *slot; /* network -> index in nets */
    struct twin_net *nets;
    size_t n;
    unsigned long line;
    int32_t as_of;
    bool dated; /* the census day is known and set */
    enum pcn_err rc;
};

/*
 * Everyone in the census is in post on its day (or on as_of when that is
 * earlier: the twin describes as_of), so no start date falls after it.
 */
static void set_census_day(struct twin_set *t, int32_t census_day)
{
    for (size_t i = 0; i < t->n; i++)
        t->nets[i].o.census_date = PCN_MIN(census_day, t->as_of);
    t->dated = true;
}

static void set_release(struct twin_set *t)
{
    for (size_t i = 0; i < t->n; i++) {
        pcn_free(t->nets[i].practices);
        pcn_staff_free(t->nets[i].st);
    }
    pcn_free(t->nets);
    pcn_strmap_free(t->slot);
}

/* A network's generator from its facts (members and lists). */
static enum pcn_err net_init(struct twin_net *n, const struct pcn_network_facts *f,
                             int32_t census_date, uint64_t seed)
{
    n->practices = pcn_calloc(f->n_members ? f->n_members : 1, sizeof(*n->practices));
    n->st = pcn_staff_new();
    if (!n->practices || !n->st)
        return PCN_ENOMEM;
    for (size_t i = 0; i < f->n_members; i++) {
        n->practices[i].code = f->members[i].practice;
        n->practices[i].registered = f->members[i].registered;
    }
    memset(&n->o, 0, sizeof(n->o));
    n->o.network = f->code;
    n->o.practices = n->practices;
    n->o.n_practices = f->n_members;
    n->o.census_date = census_date;
    (void)pcn_date_parse("2025-04-01", 10, &n->o.pay_date);
    n->o.pay_uplift_bp = 360; /* the 2025/26 Agenda for Change award */
    pcn_rng_seed(&n->rng, seed ^ pcn_hash_bytes(f->code, strlen(f->code)));
    return PCN_OK;
}

/* Route one census row to its network's generator. */
static void route_row(struct twin_set *t, const struct pcn_census_row *r)
{
    uint64_t at;

    if (r->fte <= 0 || !pcn_strmap_get(t->slot, r->pcn_code, strlen(r->pcn_code), &at) ||
        t->nets[at].o.n_practices == 0)
        return;
    t->rc = pcn_staff_twin_row(t->rates, &t->nets[at].o, &t->nets[at].rng, r, t->nets[at].st);
}

static int file_row(const struct pcn_census_row *r, void *ud)
{
    struct twin_set *t = ud;

    route_row(t, r);
    return t->rc != PCN_OK;
}

static int store_row(const struct pcn_store_census_row *r, void *ud)
{
    struct twin_set *t = ud;
    struct pcn_census_row c;

    if (!t->dated)
        set_census_day(t, r->census_date);
    memset(&c, 0, sizeof(c));
    c.pcn_code = r->network;
    c.role = pcn_roles_find(pcn_rates_roles(t->rates), r->role, strlen(r->role));
    c.fte = r->fte;
    c.person = r->person;
    c.is_contracted = r->is_contracted;
    c.line = ++t->line;
    if (c.role >= 0) /* a role this version does not know is not staff it can price */
        route_row(t, &c);
    return t->rc != PCN_OK;
}

/* Read the census once into every network's register. */
static enum pcn_err generate(struct pcn_store *store, struct twin_set *t, int32_t as_of,
                             struct pcn_error *err)
{
    enum pcn_err rc = pcn_store_each_census_row(store, as_of, NULL, store_row, t, NULL);

    if (rc == PCN_ENOTFOUND) {
        char path[4096];
        int32_t day;
        rc = pcn_date_parse(PCN_CENSUS_REFERENCE_DATE, strlen(PCN_CENSUS_REFERENCE_DATE), &day);
        if (rc == PCN_OK) {
            set_census_day(t, day);
            rc = pcn_data_path("data/reference/census_staff.csv", path, sizeof(path));
        }
        if (rc == PCN_OK)
            rc = pcn_census_read(path, pcn_rates_roles(t->rates), file_row, t, err);
    } else if (rc != PCN_OK) {
        (void)pcn_error_set(err, rc, "%s", pcn_store_errmsg(store));
    }
    if (rc == PCN_OK && t->rc != PCN_OK)
        rc = pcn_error_set(err, t->rc, "generating staff: %s", pcn_err_str(t->rc));
    return rc;
}

/*
 * Write each network's register (a network that already has posts keeps
 * them: an error). A network's findings are printed when it fails; the
 * warnings of the others are counted (pcn finance shows them beside the
 * figures they touch).
 */
static int write_all(const char *cmd, struct pcn_store *store, struct twin_set *t,
                     size_t *ret_posts)
{
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error err;
    size_t warnings = 0;
    int rc = CLI_EXIT_OK;

    for (size_t i = 0; i < t->n && rc == CLI_EXIT_OK; i++) {
        struct pcn_staff *had = NULL;
        size_t added = 0;
        if (pcn_staff_count(t->nets[i].st) == 0)
            continue;
        if (pcn_workforce_load(store, pcn_rates_roles(t->rates), t->nets[i].o.network, &had,
                               &err) != PCN_OK)
            return cli_runtime_error(cmd, "%s", err.msg);
        added = pcn_staff_count(had);
        pcn_staff_free(had);
        if (added > 0) {
            rc = cli_runtime_error(cmd,
                                   "network %s already has %zu posts: the twin's staff is "
                                   "generated once",
                                   t->nets[i].o.network, added);
            break;
        }
        pcn_findings_release(&f);
        f.max = 20;
        if (pcn_workforce_add_register(store, t->rates, t->nets[i].o.network, t->nets[i].st, &f,
                                       &added, &err) != PCN_OK) {
            cli_print_findings(cmd, &f);
            rc = cli_runtime_error(cmd, "%s: %s", t->nets[i].o.network, err.msg);
        }
        warnings += f.n_warnings;
        *ret_posts += added;
    }
    if (rc == CLI_EXIT_OK && warnings > 0)
        fprintf(stderr,
                "pcn %s: %zu warnings on the generated staff (bands outside a role's, people above "
                "1.0 WTE): pcn finance shows them\n",
                cmd, warnings);
    pcn_findings_release(&f);
    return rc;
}

int cli_twin_staff(const char *cmd, struct pcn_store *store, const struct pcn_rates *rates,
                   const char *network, int32_t as_of, uint64_t seed, size_t *ret_posts)
{
    struct twin_set t = {rates, pcn_strmap_new(), NULL, 0, 0, as_of, false, PCN_OK};
    struct pcn_network_facts **facts = NULL;
    size_t n_facts = 0;
    struct pcn_error err;
    int rc = CLI_EXIT_OK;

    *ret_posts = 0;
    if (!t.slot || pcn_network_facts_all(store, as_of, &facts, &n_facts, &err) != PCN_OK) {
        set_release(&t);
        return cli_runtime_error(cmd, "%s", t.slot ? err.msg : "out of memory");
    }
    t.nets = pcn_calloc(n_facts ? n_facts : 1, sizeof(*t.nets));
    for (size_t i = 0; t.nets && i < n_facts && rc == CLI_EXIT_OK; i++) {
        if (network && strcmp(facts[i]->code, network) != 0)
            continue;
        if (net_init(&t.nets[t.n], facts[i], as_of, seed) != PCN_OK ||
            pcn_strmap_put(t.slot, facts[i]->code, strlen(facts[i]->code), t.n) != PCN_OK)
            rc = cli_runtime_error(cmd, "out of memory");
        t.n++;
    }
    if (!t.nets)
        rc = cli_runtime_error(cmd, "out of memory");
    if (rc == CLI_EXIT_OK && network && t.n == 0)
        rc = cli_runtime_error(cmd, "network %s has no members on that date", network);
    if (rc == CLI_EXIT_OK && generate(store, &t, as_of, &err) != PCN_OK)
        rc = cli_runtime_error(cmd, "%s", err.msg);
    if (rc == CLI_EXIT_OK)
        rc = write_all(cmd, store, &t, ret_posts);
    set_release(&t);
    pcn_network_facts_free_all(facts, n_facts);
    return rc;
}

int cli_generate_staff(const char *cmd, struct pcn_store *store, const char *network, int32_t as_of,
                       uint64_t seed, size_t *ret_posts)
{
    struct pcn_rates *rates = NULL;
    struct pcn_error err;
    int rc;

    if (pcn_rates_load(NULL, &rates, &err) != PCN_OK)
        return cli_runtime_error(cmd, "rates: %s", err.msg);
    rc = cli_fin_begin(cmd, store);
    if (rc == CLI_EXIT_OK)
        rc = cli_twin_staff(cmd, store, rates, network, as_of, seed, ret_posts);
    if (rc == CLI_EXIT_OK && pcn_store_commit(store) != PCN_OK)
        rc = cli_runtime_error(cmd, "%s", pcn_store_errmsg(store));
    if (rc != CLI_EXIT_OK)
        pcn_store_rollback(store);
    pcn_rates_free(rates);
    return rc;
}
