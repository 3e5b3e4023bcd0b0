/*
 * cli_finance.c - the options and helpers pcn workforce and pcn finance
 * share: common options, opening the store with the rates and the
 * network resolved, a post's options, the audit hook of their writes and
 * printing findings.
 */
#include "cli/cli_finance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/validate.h"
#include "pcn/views_workforce.h"
#include "pcn/workforce_ops.h"
#include "util/common.h"

int cli_fin_common_option(const char *cmd, int c, struct cli_fin_common *o)
{
    switch (c) {
    case 'd':
        o->db = optarg;
        return CLI_EXIT_OK;
    case 'n':
        if (!pcn_ods_is_valid(PCN_ODS_PCN, optarg, strlen(optarg)))
            return cli_usage_error(cmd, "--network: '%s' is not a PCN code (U12345)", optarg);
        o->network = optarg;
        return CLI_EXIT_OK;
    case 'a':
        return cli_parse_date(cmd, "--as-of", optarg, &o->as_of);
    case 'f':
        return cli_parse_format(cmd, optarg, &o->fmt);
    case 'y':
        o->year = optarg;
        return CLI_EXIT_OK;
    default:
        return CLI_FIN_NOT_MINE;
    }
}

/* The network: --network, $PCN_NETWORK, or the only network with members. */
static int resolve_network(const char *cmd, struct pcn_store *store, struct cli_fin_common *o)
{
    const char *env = getenv("PCN_NETWORK");
    struct pcn_network_list *lists = NULL;
    size_t n = 0;
    struct pcn_error err;

    if (o->network)
        return CLI_EXIT_OK;
    if (env && *env) {
        if (!pcn_ods_is_valid(PCN_ODS_PCN, env, strlen(env)))
            return cli_usage_error(cmd, "PCN_NETWORK: '%s' is not a PCN code", env);
        o->network = env;
        return CLI_EXIT_OK;
    }
    if (pcn_network_lists(store, o->as_of, &lists, &n, &err) != PCN_OK)
        return cli_runtime_error(cmd, "%s", err.msg);
    if (n == 1)
        (void)snprintf(o->network_buf, sizeof(o->network_buf), "%s", lists[0].network);
    pcn_network_lists_free(lists, n);
    if (n != 1)
        return cli_usage_error(cmd,
                               "give --network CODE (the registry has %zu networks with "
                               "members)",
                               n);
    o->network = o->network_buf;
    return CLI_EXIT_OK;
}

int cli_fin_parse(const char *cmd, int argc, char **argv, const struct option *opts,
                  struct cli_fin_common *c, cli_fin_option_fn own, void *ud)
{
    optind = 2;
    for (;;) {
        int opt = getopt_long(argc, argv, "", opts, NULL);
        int rc;
        if (opt == -1)
            return CLI_EXIT_OK;
        rc = cli_fin_common_option(cmd, opt, c);
        if (rc == CLI_FIN_NOT_MINE)
            rc = own(opt, ud);
        if (rc == CLI_FIN_NOT_MINE)
            rc = CLI_EXIT_USAGE; /* getopt has said what it did not know */
        if (rc != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
    }
}

int cli_fin_open(const char *cmd, struct cli_fin_common *o, bool needs_network,
                 struct pcn_store **ret_store, struct pcn_rates **ret_rates)
{
    struct pcn_store *store = NULL;
    struct pcn_rates *rates = NULL;
    struct pcn_error err;
    int rc = cli_open_store(cmd, o->db, 0, &store);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (o->as_of == PCN_DATE_NONE)
        rc = cli_default_as_of(cmd, store, &o->as_of);
    if (rc == CLI_EXIT_OK && pcn_rates_load(NULL, &rates, &err) != PCN_OK)
        rc = cli_runtime_error(cmd, "rates: %s", err.msg);
    if (rc == CLI_EXIT_OK && o->year && !pcn_rates_find_year(rates, o->year))
        rc = cli_usage_error(cmd, "--year: no contract year '%s' in the rates (e.g. 2025-26)",
                             o->year);
    if (rc == CLI_EXIT_OK && needs_network)
        rc = resolve_network(cmd, store, o);
    if (rc != CLI_EXIT_OK) {
        pcn_rates_free(rates);
        pcn_store_close(store);
        return rc;
    }
    *ret_store = store;
    *ret_rates = rates;
    return CLI_EXIT_OK;
}

void cli_post_args_init(struct cli_post_args *a)
{
    memset(a, 0, sizeof(*a));
}

int cli_post_option(int c, struct cli_post_args *a)
{
    const char **slot = NULL;

    switch (c) {
    case 'p':
        slot = &a->person;
        break;
    case 'N':
        slot = &a->name;
        break;
    case 'r':
        slot = &a->role;
        break;
    case 'b':
        slot = &a->band;
        break;
    case 'w':
        slot = &a->wte;
        break;
    case 'e':
        slot = &a->employer;
        break;
    case 'k':
        slot = &a->employer_code;
        break;
    case 's':
        slot = &a->start;
        break;
    case 'z':
        slot = &a->end;
        break;
    case 'o':
        slot = &a->cost;
        break;
    case 'O':
        slot = &a->cost_per;
        break;
    case 'u':
        slot = &a->funding;
        break;
    case 't':
        slot = &a->sites;
        break;
    default:
        return CLI_FIN_NOT_MINE;
    }
    *slot = optarg;
    return CLI_EXIT_OK;
}

/* The post's enumerations, band, WTE and cost. */
static int post_terms(const char *cmd, const struct cli_post_args *a, struct pcn_post *p)
{
    if (pcn_wte_parse(a->wte, strlen(a->wte), &p->wte) != PCN_OK)
        return cli_usage_error(cmd, "--wte: '%s' is not a WTE such as 0.8", a->wte);
    if (a->band && pcn_band_parse(a->band, strlen(a->band), &p->band) != PCN_OK)
        return cli_usage_error(cmd, "--band: '%s' is not an Agenda for Change band", a->band);
    if (pcn_employer_parse(a->employer, &p->employer) != PCN_OK)
        return cli_usage_error(cmd, "--employer must be network, lead_practice, practice or "
                                    "subcontractor");
    if (pcn_funding_parse(a->funding, &p->funding) != PCN_OK)
        return cli_usage_error(cmd, "--funding must be arrs, practice or other");
    if (a->cost_per && pcn_cost_per_parse(a->cost_per, &p->cost_per) != PCN_OK)
        return cli_usage_error(cmd, "--cost-per must be year or month");
    p->has_cost = a->cost != NULL;
    if (a->cost && pcn_pence_parse(a->cost, strlen(a->cost), &p->cost) != PCN_OK)
        return cli_usage_error(cmd, "--cost: '%s' is not an amount in pounds such as 52340.50",
                               a->cost);
    return CLI_EXIT_OK;
}

int cli_post_from_args(const char *cmd, struct cli_post_args *a, const struct pcn_roles *roles,
                       struct pcn_post_site *sites, struct pcn_post *ret)
{
    int rc;

    memset(ret, 0, sizeof(*ret));
    if (!a->person || !a->role || !a->wte || !a->employer || !a->start || !a->funding)
        return cli_usage_error(cmd, "--person, --role, --wte, --employer, --start and --funding "
                                    "are required");
    ret->person = a->person;
    ret->name = a->name;
    ret->employer_code = a->employer_code;
    ret->role = pcn_roles_find(roles, a->role, strlen(a->role));
    if (ret->role < 0)
        return cli_usage_error(cmd, "--role: unknown role '%s' (data/reference/ncdes/roles.csv)",
                               a->role);
    rc = cli_parse_date(cmd, "--start", a->start, &ret->start);
    ret->end = PCN_DATE_NONE;
    if (rc == CLI_EXIT_OK && a->end)
        rc = cli_parse_date(cmd, "--end", a->end, &ret->end);
    if (rc == CLI_EXIT_OK)
        rc = post_terms(cmd, a, ret);
    if (rc == CLI_EXIT_OK && a->sites) {
        size_t n = 0;
        if ((size_t)snprintf(a->sites_buf, sizeof(a->sites_buf), "%s", a->sites) >=
                sizeof(a->sites_buf) ||
            pcn_post_sites_parse(a->sites_buf, sites, &n) != PCN_OK)
            return cli_usage_error(cmd,
                                   "--sites: '%s' is not at most 16 SITE=SESSIONS (0-14) items "
                                   "separated by ';'",
                                   a->sites);
        ret->sites = sites;
        ret->n_sites = n;
    }
    return rc;
}

int cli_fin_begin(const char *cmd, struct pcn_store *s)
{
    if (pcn_store_begin(s) != PCN_OK)
        return cli_runtime_error(cmd, "%s", pcn_store_errmsg(s));
    return CLI_EXIT_OK;
}

int cli_fin_commit(const char *cmd, struct pcn_store *s, enum pcn_err rc,
                   const struct pcn_error *err, const struct cli_audit *a)
{
    struct pcn_audit_row row = {.user_name = "cli",
                                .role = "admin",
                                .method = "CLI",
                                .route = a->route,
                                .object_type = a->object_type,
                                .object_id = a->object_id,
                                .status = 200};
    const char *why = err && err->msg[0] ? err->msg : NULL;

    if (rc == PCN_OK) {
        rc = pcn_audit_append_tx(s, &row);
        if (rc == PCN_OK)
            rc = pcn_store_commit(s);
        why = NULL;
    }
    if (rc == PCN_OK)
        return CLI_EXIT_OK;
    if (!why)
        why = pcn_store_errmsg(s);
    {
        int ret = cli_runtime_error(cmd, "%s", why && *why ? why : pcn_err_str(rc));
        pcn_store_rollback(s);
        return ret;
    }
}

void cli_print_findings(const char *cmd, const struct pcn_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        fprintf(stderr, "pcn %s: %s: %s: %s\n", cmd, pcn_severity_name(f->items[i].severity),
                f->items[i].where, f->items[i].msg);
    if (f->n_errors + f->n_warnings > f->n)
        fprintf(stderr, "pcn %s: ... and %zu more findings\n", cmd,
                f->n_errors + f->n_warnings - f->n);
}
