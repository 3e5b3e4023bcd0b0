/*
 * cmd_finance.c - pcn finance income | claims | budget | months | export
 * | distribution | what-if | inputs | networks: a network's money for a
 * contract year (docs/finance.md), through the services of
 * pcn/workforce_ops.h and the views shared with the API
 * (pcn/views_finance.h). Warnings go to stderr beside the table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_finance.h"
#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/vec.h"
#include "pcn/views_finance.h"
#include "pcn/workforce_ops.h"
#include "util/common.h"

static const char finance_usage[] =
    "usage: pcn finance income|claims|budget|months|distribution --db FILE [--network CODE]\n"
    "                  [--year 2025-26] [--as-of DATE] [--weighted N] [--adjusted N]\n"
    "                  [--method registered|weighted|fixed|equal] [--format F]\n"
    "       pcn finance export   --db FILE [--network CODE] [--year Y] [--out FILE]\n"
    "       pcn finance what-if  --db FILE [--network CODE] --role ROLE --wte N --start DATE\n"
    "                            [--band B] [--end DATE] [--cost POUNDS] [--year Y]\n"
    "       pcn finance inputs   --db FILE [--network CODE] --year Y [--version V]\n"
    "                            [--weighted N] [--adjusted N] [--beds N] [--iif-points N]\n"
    "                            [--caip-percent N] [--london none|outer|inner]\n"
    "                            [--allocation LINE=POUNDS]... [--agreement FILE]\n"
    "       pcn finance networks --db FILE [--year Y] [--as-of DATE] [--format F]\n"
    "       (the year defaults to the one containing --as-of; inputs without a change\n"
    "        prints them; rules: docs/finance.md)\n";

#define MAX_ALLOCATIONS 8

struct fin_opts {
    struct cli_fin_common c;
    struct pcn_finance_overrides ov;
    const char *out;
    const char *method;
    const char *agreement;
    const char *allocations[MAX_ALLOCATIONS];
    size_t n_allocations;
    int64_t version;
    int64_t beds, iif_points, caip_percent;
    const char *london;
    bool changes;              /* inputs: something to save */
    struct cli_post_args post; /* what-if: role, band, wte, start, end, cost */
};

/* ---- reports ---- */

static int print_and_free(const char *cmd, struct pcn_table *t, enum pcn_err rc,
                          enum pcn_format fmt)
{
    int ret;

    if (rc != PCN_OK)
        return cli_runtime_error(cmd, "%s", pcn_err_str(rc));
    ret = cli_print_table(cmd, t, fmt);
    pcn_table_free(t);
    return ret;
}

/* Build the year's report; print its findings; exit code. */
static int build(const char *cmd, struct pcn_store *store, const struct pcn_rates *rates,
                 const struct fin_opts *o, struct pcn_finance_report **ret)
{
    struct pcn_error err;
    enum pcn_err rc = pcn_finance_report_build(store, rates, o->c.network, o->c.year, o->c.as_of,
                                               &o->ov, ret, &err);

    if (*ret)
        cli_print_findings(cmd, &(*ret)->findings);
    if (rc != PCN_OK) {
        pcn_finance_report_free(*ret);
        *ret = NULL;
        return cli_runtime_error(cmd, "%s", err.msg);
    }
    return CLI_EXIT_OK;
}

static int fin_report(struct pcn_store *store, const struct pcn_rates *rates, const char *sub,
                      const struct fin_opts *o)
{
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    char cmd[40];
    int rc;
    enum pcn_err e = PCN_OK;

    (void)snprintf(cmd, sizeof(cmd), "finance %s", sub);
    rc = build(cmd, store, rates, o, &r);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(sub, "income") == 0)
        e = pcn_view_des_income(r->income, &t);
    else if (strcmp(sub, "claims") == 0)
        e = pcn_view_arrs_claims(r->arrs, r->staff, &t);
    else if (strcmp(sub, "budget") == 0)
        e = pcn_view_arrs_budget(r->arrs, &t);
    else if (strcmp(sub, "months") == 0)
        e = pcn_view_arrs_months(r->arrs, &t);
    else if (!r->distribution)
        e = PCN_EINVAL; /* the agreement could not be applied: the findings say why */
    else
        e = pcn_view_distribution(r->distribution, &t);
    if (e == PCN_EINVAL) {
        pcn_finance_report_free(r);
        return cli_runtime_error(cmd, "the network agreement cannot be applied (see above)");
    }
    rc = print_and_free(cmd, t, e, o->c.fmt);
    pcn_finance_report_free(r);
    return rc;
}

static int fin_export(struct pcn_store *store, const struct pcn_rates *rates,
                      const struct fin_opts *o)
{
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    struct pcn_buf csv = PCN_BUF_INIT;
    FILE *f = stdout;
    int rc = build("finance export", store, rates, o, &r);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (pcn_view_arrs_claim_export(r->arrs, r->staff, r->facts->code, r->facts->name, &t) !=
            PCN_OK ||
        pcn_table_render(t, PCN_FORMAT_CSV, &csv) != PCN_OK) {
        rc = cli_runtime_error("finance export", "out of memory");
        goto out;
    }
    if (o->out)
        f = fopen(o->out, "we");
    if (!f) {
        rc = cli_runtime_error("finance export", "%s: cannot write", o->out);
        goto out;
    }
    if (fwrite(csv.buf, 1, csv.len, f) != csv.len)
        rc = cli_runtime_error("finance export", "%s: write failed", o->out ? o->out : "stdout");
    if (o->out && fclose(f) != 0 && rc == CLI_EXIT_OK)
        rc = cli_runtime_error("finance export", "%s: write failed", o->out);
out:
    pcn_buf_release(&csv);
    pcn_table_free(t);
    pcn_finance_report_free(r);
    return rc;
}

static int fin_what_if(struct pcn_store *store, const struct pcn_rates *rates, struct fin_opts *o)
{
    struct pcn_finance_report *r = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_table *t = NULL;
    struct pcn_hire h;
    struct pcn_what_if w;
    int rc;

    memset(&h, 0, sizeof(h));
    if (!o->post.role || !o->post.wte || !o->post.start)
        return cli_usage_error("finance what-if", "--role, --wte and --start are required");
    h.role = pcn_roles_find(pcn_rates_roles(rates), o->post.role, strlen(o->post.role));
    if (h.role < 0)
        return cli_usage_error("finance what-if", "--role: unknown role '%s'", o->post.role);
    if (pcn_wte_parse(o->post.wte, strlen(o->post.wte), &h.wte) != PCN_OK ||
        (o->post.band && pcn_band_parse(o->post.band, strlen(o->post.band), &h.band) != PCN_OK) ||
        cli_parse_date("finance what-if", "--start", o->post.start, &h.start) != CLI_EXIT_OK)
        return cli_usage_error("finance what-if", "--wte, --band or --start is malformed");
    h.end = PCN_DATE_NONE;
    if (o->post.end && cli_parse_date("finance what-if", "--end", o->post.end, &h.end) != 0)
        return CLI_EXIT_USAGE;
    h.has_cost = o->post.cost != NULL;
    if (o->post.cost && pcn_pence_parse(o->post.cost, strlen(o->post.cost), &h.cost) != PCN_OK)
        return cli_usage_error("finance what-if", "--cost: '%s' is not pounds", o->post.cost);
    rc = build("finance what-if", store, rates, o, &r);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (pcn_arrs_what_if(r->arrs, &r->inputs->in, &h, &w, &f) != PCN_OK) {
        cli_print_findings("finance what-if", &f);
        rc = cli_runtime_error("finance what-if", "the hire cannot be priced");
    } else {
        enum pcn_err e = pcn_view_what_if(r->arrs, &h, &w, &t);
        rc = print_and_free("finance what-if", t, e, o->c.fmt);
    }
    pcn_findings_release(&f);
    pcn_finance_report_free(r);
    return rc;
}

/* ---- inputs ---- */

/* A network's inputs for a year as stored, with its items; strings in the arena. */
struct current {
    struct pcn_store_finance f;
    struct pcn_arena *arena;
    struct pcn_store_finance_item *items;
    size_t n;
    size_t alloc;
    enum pcn_err rc;
};

static const char *keep(struct current *c, const char *s)
{
    const char *k = s ? pcn_arena_strdup(c->arena, s) : NULL;

    if (s && !k)
        c->rc = PCN_ENOMEM;
    return k;
}

static int current_inputs(const struct pcn_store_finance *f, void *ud)
{
    struct current *c = ud;

    c->f = *f;
    c->f.london = keep(c, f->london);
    return c->rc != PCN_OK;
}

/* Add an item (strings copied) unless drop_kind says to leave its kind out. */
static enum pcn_err add_item(struct current *c, const struct pcn_store_finance_item *it)
{
    struct pcn_store_finance_item *to;

    if (c->rc == PCN_OK)
        c->rc = PCN_GROW(c->items, c->n + 1, c->alloc);
    if (c->rc != PCN_OK)
        return c->rc;
    to = &c->items[c->n++];
    to->kind = keep(c, it->kind);
    to->line = keep(c, it->line);
    to->value = keep(c, it->value);
    to->practice = keep(c, it->practice);
    to->label = keep(c, it->label);
    return c->rc;
}

static int current_item(const struct pcn_store_finance_item *it, void *ud)
{
    return add_item(ud, it) != PCN_OK;
}

/* The agreement file's rules, checked whole first so errors name its file and line. */
static int file_rules(const char *path, struct current *c)
{
    static const char *const cols[] = {"rule", "line", "value", "practice", "label"};
    struct pcn_agreement *check = NULL;
    struct pcn_csv *csv = NULL;
    struct pcn_error err;
    long idx[5];
    enum pcn_err rc;

    if (pcn_agreement_load(path, &check, &err) != PCN_OK)
        return cli_runtime_error("finance inputs", "%s", err.msg);
    pcn_agreement_free(check);
    rc = pcn_csv_open(path, &csv, &err);
    if (rc == PCN_OK)
        rc = pcn_csv_next(csv, &err);
    for (size_t i = 0; rc == PCN_OK && i < 5; i++)
        idx[i] = pcn_csv_find(csv, cols[i]);
    while (rc == PCN_OK && (rc = pcn_csv_next(csv, &err)) == PCN_OK) {
        const char *v[5];
        for (size_t i = 0; i < 5; i++)
            v[i] = idx[i] >= 0 && (size_t)idx[i] < pcn_csv_nfields(csv)
                       ? pcn_csv_field(csv, (size_t)idx[i], NULL)
                       : NULL;
        rc = add_item(
            c, &(struct pcn_store_finance_item){v[0], v[1] ? v[1] : "all", v[2], v[3], v[4]});
    }
    pcn_csv_free(csv);
    if (rc != PCN_ENOTFOUND)
        return cli_runtime_error("finance inputs", "%s", err.msg[0] ? err.msg : pcn_err_str(rc));
    return CLI_EXIT_OK;
}

/* The stored items kept: allocations unless new ones are given, rules unless a file is. */
static int merge_items(const struct fin_opts *o, struct current *old, struct current *c)
{
    for (size_t i = 0; i < old->n; i++) {
        bool alloc = strcmp(old->items[i].kind, "allocation") == 0;
        if ((alloc && o->n_allocations) || (!alloc && o->agreement))
            continue;
        if (add_item(c, &old->items[i]) != PCN_OK)
            return cli_runtime_error("finance inputs", "out of memory");
    }
    for (size_t i = 0; i < o->n_allocations; i++) {
        char text[64];
        char *eq;
        (void)snprintf(text, sizeof(text), "%s", o->allocations[i]);
        eq = strchr(text, '=');
        if (!eq)
            return cli_usage_error("finance inputs", "--allocation must be LINE=POUNDS");
        *eq = '\0';
        if (add_item(c, &(struct pcn_store_finance_item){"allocation", text, eq + 1, NULL, NULL}) !=
            PCN_OK)
            return cli_runtime_error("finance inputs", "out of memory");
    }
    return o->agreement ? file_rules(o->agreement, c) : CLI_EXIT_OK;
}

/* The stored inputs with the options given laid over them. */
static void merge_inputs(const struct fin_opts *o, struct pcn_store_finance *f)
{
    if (o->ov.weighted > 0)
        f->weighted = o->ov.weighted;
    if (o->ov.adjusted > 0)
        f->adjusted = o->ov.adjusted;
    if (o->beds >= 0)
        f->beds = o->beds;
    if (o->iif_points >= 0)
        f->iif_points = o->iif_points;
    if (o->caip_percent >= 0)
        f->caip_percent = o->caip_percent;
    if (o->london)
        f->london = o->london;
}

static int fin_inputs(struct pcn_store *store, const struct fin_opts *o)
{
    struct current old = {.arena = pcn_arena_new(4096, 0)};
    struct current c = {.arena = pcn_arena_new(4096, 0)};
    struct cli_audit audit = {"finance inputs", "network", o->c.network};
    struct pcn_error err;
    int64_t version = 0;
    int rc = CLI_EXIT_OK;

    if (!o->c.year)
        return cli_usage_error("finance inputs", "--year is required");
    if (!old.arena || !c.arena ||
        pcn_store_get_finance(store, o->c.network, o->c.year, current_inputs, current_item, &old) !=
            PCN_OK ||
        old.rc != PCN_OK)
        rc = cli_runtime_error("finance inputs", "%s", pcn_store_errmsg(store));
    if (rc == CLI_EXIT_OK && !o->changes) {
        struct pcn_table *t = NULL;
        enum pcn_err e = pcn_view_finance_inputs(&old.f, old.items, old.n, &t);
        rc = print_and_free("finance inputs", t, e, o->c.fmt);
        goto out;
    }
    if (rc == CLI_EXIT_OK)
        rc = merge_items(o, &old, &c);
    c.f = old.f;
    c.f.network = o->c.network;
    c.f.year = o->c.year;
    c.f.version = o->version ? o->version : old.f.version;
    merge_inputs(o, &c.f);
    if (rc == CLI_EXIT_OK)
        rc = cli_fin_begin("finance inputs", store);
    if (rc == CLI_EXIT_OK)
        rc = cli_fin_commit("finance inputs", store,
                            pcn_finance_inputs_save(store, &c.f, c.items, c.n, &version, &err),
                            &err, &audit);
    if (rc == CLI_EXIT_OK)
        printf("inputs of %s for %s saved (version %lld)\n", o->c.network, o->c.year,
               (long long)version);
out:
    pcn_free(old.items);
    pcn_free(c.items);
    pcn_arena_free(old.arena);
    pcn_arena_free(c.arena);
    return rc;
}

static int fin_networks(struct pcn_store *store, const struct pcn_rates *rates,
                        const struct fin_opts *o)
{
    struct pcn_table *t = NULL;
    struct pcn_error err;

    if (pcn_finance_networks(store, rates, o->c.year, o->c.as_of, &t, &err) != PCN_OK)
        return cli_runtime_error("finance networks", "%s", err.msg);
    return print_and_free("finance networks", t, PCN_OK, o->c.fmt);
}

/* ---- options ---- */

static int parse_count(const char *opt, int64_t max, int64_t *ret)
{
    if (pcn_parse_range(optarg, strlen(optarg), 0, max, ret) != PCN_OK)
        return cli_usage_error("finance", "%s: '%s' is not a whole number up to %lld", opt, optarg,
                               (long long)max);
    return CLI_EXIT_OK;
}

static int parse_own(int c, void *ud)
{
    struct fin_opts *o = ud;

    o->changes = o->changes || strchr("WJBIPLGM", c);
    switch (c) {
    case 'W':
        return parse_count("--weighted", 100000000, &o->ov.weighted);
    case 'J':
        return parse_count("--adjusted", 100000000, &o->ov.adjusted);
    case 'B':
        return parse_count("--beds", 100000, &o->beds);
    case 'I':
        return parse_count("--iif-points", 10000, &o->iif_points);
    case 'P':
        return parse_count("--caip-percent", 100, &o->caip_percent);
    case 'L':
        if (strcmp(optarg, "none") != 0 && strcmp(optarg, "outer") != 0 &&
            strcmp(optarg, "inner") != 0)
            return cli_usage_error("finance", "--london must be none, outer or inner");
        o->london = strcmp(optarg, "none") == 0 ? "" : optarg;
        return CLI_EXIT_OK;
    case 'G':
        if (o->n_allocations == MAX_ALLOCATIONS)
            return cli_usage_error("finance", "at most %d --allocation", MAX_ALLOCATIONS);
        o->allocations[o->n_allocations++] = optarg;
        return CLI_EXIT_OK;
    case 'M':
        o->agreement = optarg;
        return CLI_EXIT_OK;
    case 'X':
        o->out = optarg;
        return CLI_EXIT_OK;
    case 'm':
        if (pcn_share_method_parse(optarg, &o->ov.method) != PCN_OK)
            return cli_usage_error("finance", "--method must be registered, weighted, fixed or "
                                              "equal");
        o->ov.has_method = 1;
        return CLI_EXIT_OK;
    case 'v':
        return parse_count("--version", INT32_MAX, &o->version);
    default:
        return cli_post_option(c, &o->post);
    }
}

static int parse_args(int argc, char **argv, struct fin_opts *o)
{
    static const struct option opts[] = {
        CLI_FIN_COMMON_OPTIONS,
        CLI_POST_OPTIONS,
        {"weighted", required_argument, NULL, 'W'},
        {"adjusted", required_argument, NULL, 'J'},
        {"beds", required_argument, NULL, 'B'},
        {"iif-points", required_argument, NULL, 'I'},
        {"caip-percent", required_argument, NULL, 'P'},
        {"london", required_argument, NULL, 'L'},
        {"allocation", required_argument, NULL, 'G'},
        {"agreement", required_argument, NULL, 'M'},
        {"out", required_argument, NULL, 'X'},
        {"method", required_argument, NULL, 'm'},
        {"version", required_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };

    return cli_fin_parse("finance", argc, argv, opts, &o->c, parse_own, o);
}

static int fin_run(struct pcn_store *store, const struct pcn_rates *rates, const char *sub,
                   struct fin_opts *o)
{
    static const char *const reports[] = {"income", "claims", "budget", "months", "distribution"};

    for (size_t i = 0; i < PCN_ARRAY_SIZE(reports); i++) {
        if (strcmp(sub, reports[i]) == 0)
            return fin_report(store, rates, sub, o);
    }
    if (strcmp(sub, "export") == 0)
        return fin_export(store, rates, o);
    if (strcmp(sub, "what-if") == 0)
        return fin_what_if(store, rates, o);
    if (strcmp(sub, "inputs") == 0)
        return fin_inputs(store, o);
    if (strcmp(sub, "networks") == 0)
        return fin_networks(store, rates, o);
    return cli_usage_error("finance", "unknown subcommand '%s' (see pcn finance --help)", sub);
}

int cmd_finance(int argc, char **argv)
{
    struct fin_opts o = {
        .c = CLI_FIN_COMMON_INIT, .beds = -1, .iif_points = -1, .caip_percent = -1};
    struct pcn_store *store = NULL;
    struct pcn_rates *rates = NULL;
    const char *sub;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(finance_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    cli_post_args_init(&o.post);
    rc = parse_args(argc, argv, &o);
    if (rc == CLI_EXIT_OK && optind < argc)
        rc = cli_usage_error("finance", "unexpected argument '%s'", argv[optind]);
    if (rc == CLI_EXIT_OK)
        rc = cli_fin_open("finance", &o.c, strcmp(sub, "networks") != 0, &store, &rates);
    if (rc == CLI_EXIT_OK)
        rc = fin_run(store, rates, sub, &o);
    pcn_rates_free(rates);
    pcn_store_close(store);
    return rc;
}
