/*
 * cmd_workforce.c - pcn workforce list | add | end | import | report |
 * compare | twin: a network's staff register (docs/finance.md), read
 * through the views shared with the API (pcn/views_workforce.h) and
 * written through the services (pcn/workforce_ops.h), each write with its
 * audit row in the same transaction.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_finance.h"
#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/store_registry.h"
#include "pcn/validate.h"
#include "pcn/views_workforce.h"
#include "pcn/workforce_ops.h"
#include "util/common.h"

static const char workforce_usage[] =
    "usage: pcn workforce list    --db FILE [--network CODE] [--as-of DATE] [--all] [--format F]\n"
    "       pcn workforce add     --db FILE [--network CODE] --person ID --role ROLE --wte N\n"
    "                             --employer E --start DATE --funding F [--band B] [--name N]\n"
    "                             [--employer-code C] [--end DATE] [--cost POUNDS]\n"
    "                             [--cost-per year|month] [--sites SITE=N;...]\n"
    "       pcn workforce end     --db FILE --id N --version V --date DATE\n"
    "       pcn workforce import  --db FILE [--network CODE] [--dry-run] STAFF.csv\n"
    "       pcn workforce import  --db FILE --census [--census-date DATE] CENSUS.csv\n"
    "       pcn workforce report  --db FILE [--network CODE] [--by role|group|site|practice|\n"
    "                             employer|funding] [--as-of DATE] [--format F]\n"
    "       pcn workforce compare --db FILE [--network CODE] [--by role|group] [--as-of DATE]\n"
    "       pcn workforce twin    --db FILE [--network CODE | --all] [--seed N] [--as-of DATE]\n"
    "       (--network defaults to $PCN_NETWORK, else the one network with members;\n"
    "        --as-of to the data's date; layouts and rules: docs/formats.md, docs/finance.md)\n";

struct wf_opts {
    struct cli_fin_common c; /* db, network, as_of, format */
    const char *by;
    bool all;
    bool dry_run;
    bool census;
    int32_t census_date;
    uint64_t seed;
    int64_t id;
    int64_t version;
    int32_t date;
    struct cli_post_args post; /* add */
};

/* ---- reads ---- */

static int wf_list(struct pcn_store *store, const struct pcn_rates *rates, const struct wf_opts *o)
{
    struct pcn_staff *s = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error err;
    int rc;

    if (pcn_workforce_load(store, pcn_rates_roles(rates), o->c.network, &s, &err) != PCN_OK)
        return cli_runtime_error("workforce list", "%s", err.msg);
    if (pcn_view_staff(s, pcn_rates_roles(rates), o->c.as_of, o->all, &t) != PCN_OK) {
        pcn_staff_free(s);
        return cli_runtime_error("workforce list", "out of memory");
    }
    rc = cli_print_table("workforce list", t, o->c.fmt);
    pcn_table_free(t);
    pcn_staff_free(s);
    return rc;
}

static int wf_report(struct pcn_store *store, const struct pcn_rates *rates,
                     const struct wf_opts *o)
{
    struct pcn_table *t = NULL;
    enum pcn_wte_by by = PCN_WTE_BY_ROLE;
    struct pcn_error err;
    int rc;

    if (o->by && pcn_wte_by_parse(o->by, &by) != PCN_OK)
        return cli_usage_error("workforce report",
                               "--by must be role, group, site, practice, employer or funding");
    if (pcn_workforce_summary(store, pcn_rates_roles(rates), o->c.network, o->c.as_of, by, &t,
                              &err) != PCN_OK)
        return cli_runtime_error("workforce report", "%s", err.msg);
    rc = cli_print_table("workforce report", t, o->c.fmt);
    pcn_table_free(t);
    return rc;
}

/* How many networks the comparison had (the total row's count). */
static int64_t compared(const struct pcn_table *t)
{
    for (size_t r = 0; r < pcn_table_rows(t); r++) {
        const char *key = pcn_table_cell(t, r, 1);
        const char *n = pcn_table_cell(t, r, 7);
        int64_t v = 0;
        if (key && n && strcmp(key, "total") == 0 && pcn_parse_i64(n, strlen(n), &v) == PCN_OK)
            return v;
    }
    return 0;
}

static int wf_compare(struct pcn_store *store, const struct pcn_rates *rates,
                      const struct wf_opts *o)
{
    struct pcn_table *t = NULL;
    enum pcn_wte_by by = PCN_WTE_BY_GROUP;
    struct pcn_error err;
    int rc;

    if (o->by && (pcn_wte_by_parse(o->by, &by) != PCN_OK ||
                  (by != PCN_WTE_BY_ROLE && by != PCN_WTE_BY_GROUP)))
        return cli_usage_error("workforce compare", "--by must be role or group");
    if (pcn_workforce_comparison(store, pcn_rates_roles(rates), o->c.network, o->c.as_of, by, &t,
                                 &err) != PCN_OK)
        return cli_runtime_error("workforce compare", "%s", err.msg);
    rc = cli_print_table("workforce compare", t, o->c.fmt);
    if (rc == CLI_EXIT_OK && compared(t) < 2)
        fprintf(stderr,
                "pcn workforce compare: note: %lld network(s) of the registry have a list and "
                "census rows: for England, import the registry "
                "(data/reference/gp-reg-pat-prac-map.csv, list_bands.csv); docs/finance.md\n",
                (long long)compared(t));
    pcn_table_free(t);
    return rc;
}

/* ---- writes ---- */

static int wf_add(struct pcn_store *store, const struct pcn_rates *rates, struct wf_opts *o)
{
    struct pcn_post p;
    struct pcn_post_site sites[PCN_POST_SITES_MAX];
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct cli_audit audit = {"workforce add", "staff_post", NULL};
    struct pcn_error err;
    int64_t id = 0;
    int rc = cli_post_from_args("workforce add", &o->post, pcn_rates_roles(rates), sites, &p);

    if (rc == CLI_EXIT_OK)
        rc = cli_fin_begin("workforce add", store);
    if (rc != CLI_EXIT_OK)
        return rc;
    p.network = o->c.network;
    audit.object_id = p.person;
    {
        enum pcn_err r = pcn_workforce_add(store, rates, &p, &f, &id, &err);
        cli_print_findings("workforce add", &f);
        rc = cli_fin_commit("workforce add", store, r, &err, &audit);
    }
    if (rc == CLI_EXIT_OK)
        printf("post %lld added: %s in network %s\n", (long long)id, p.person, p.network);
    pcn_findings_release(&f);
    return rc;
}

static int wf_end(struct pcn_store *store, const struct wf_opts *o)
{
    char id[24];
    char date[PCN_DATE_STR_SIZE];
    struct cli_audit audit = {"workforce end", "staff_post", id};
    struct pcn_error err;
    int64_t version = 0;
    int rc;

    if (o->id <= 0 || o->version <= 0 || o->date == PCN_DATE_NONE)
        return cli_usage_error("workforce end", "--id, --version and --date are required");
    (void)snprintf(id, sizeof(id), "%lld", (long long)o->id);
    rc = cli_fin_begin("workforce end", store);
    if (rc == CLI_EXIT_OK)
        rc = cli_fin_commit("workforce end", store,
                            pcn_workforce_end(store, o->id, o->version, o->date, &version, &err),
                            &err, &audit);
    if (rc != CLI_EXIT_OK)
        return rc;
    pcn_date_format(o->date, date);
    printf("post %lld ends on %s (version %lld)\n", (long long)o->id, date, (long long)version);
    return CLI_EXIT_OK;
}

static int wf_import_census(struct pcn_store *store, const struct pcn_rates *rates,
                            const struct wf_opts *o, const char *path)
{
    struct cli_audit audit = {"workforce import", "census", path};
    struct pcn_error err;
    size_t n = 0;
    int rc = cli_fin_begin("workforce import", store);

    if (rc == CLI_EXIT_OK)
        rc = cli_fin_commit("workforce import", store,
                            pcn_workforce_import_census(store, pcn_rates_roles(rates), path,
                                                        o->census_date, &n, &err),
                            &err, &audit);
    if (rc == CLI_EXIT_OK)
        printf("census: %zu rows imported from %s\n", n, path);
    return rc;
}

static int wf_import(struct pcn_store *store, const struct pcn_rates *rates,
                     const struct wf_opts *o, const char *path)
{
    struct cli_audit audit = {"workforce import", "staff_post", path};
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error err;
    size_t n = 0;
    enum pcn_err e;
    int rc;

    if (o->census)
        return wf_import_census(store, rates, o, path);
    rc = cli_fin_begin("workforce import", store);
    if (rc != CLI_EXIT_OK)
        return rc;
    e = pcn_workforce_import(store, rates, o->c.network, path, &f, &n, &err);
    cli_print_findings("workforce import", &f);
    if (e == PCN_OK && o->dry_run) {
        pcn_store_rollback(store);
        printf("dry run: %zu posts would be added for network %s\n", n, o->c.network);
    } else {
        rc = cli_fin_commit("workforce import", store, e, &err, &audit);
        if (rc == CLI_EXIT_OK)
            printf("%zu posts added for network %s\n", n, o->c.network);
    }
    pcn_findings_release(&f);
    return rc;
}

static int wf_twin(struct pcn_store *store, const struct pcn_rates *rates, const struct wf_opts *o)
{
    struct cli_audit audit = {"workforce twin", "network", o->all ? "all" : o->c.network};
    size_t n = 0;
    int rc = cli_fin_begin("workforce twin", store);

    if (rc == CLI_EXIT_OK)
        rc = cli_twin_staff("workforce twin", store, rates, o->all ? NULL : o->c.network,
                            o->c.as_of, o->seed, &n);
    if (rc == CLI_EXIT_OK)
        rc = cli_fin_commit("workforce twin", store, PCN_OK, NULL, &audit);
    else
        pcn_store_rollback(store);
    if (rc == CLI_EXIT_OK)
        printf("%zu posts generated for %s from the workforce census\n", n,
               o->all ? "every network" : o->c.network);
    return rc;
}

/* ---- options ---- */

static int parse_own(int c, void *ud)
{
    struct wf_opts *o = ud;

    switch (c) {
    case 'B':
        o->by = optarg;
        return CLI_EXIT_OK;
    case 'A':
        o->all = true;
        return CLI_EXIT_OK;
    case 'D':
        o->dry_run = true;
        return CLI_EXIT_OK;
    case 'C':
        o->census = true;
        return CLI_EXIT_OK;
    case 'c':
        return cli_parse_date("workforce", "--census-date", optarg, &o->census_date);
    case 'S':
        if (pcn_parse_u64(optarg, strlen(optarg), &o->seed) != PCN_OK)
            return cli_usage_error("workforce", "--seed: '%s' is not a number", optarg);
        return CLI_EXIT_OK;
    case 'i':
        if (pcn_parse_range(optarg, strlen(optarg), 1, INT64_MAX, &o->id) != PCN_OK)
            return cli_usage_error("workforce", "--id: '%s' is not a post id", optarg);
        return CLI_EXIT_OK;
    case 'V':
        if (pcn_parse_range(optarg, strlen(optarg), 1, INT64_MAX, &o->version) != PCN_OK)
            return cli_usage_error("workforce", "--version: '%s' is not a version", optarg);
        return CLI_EXIT_OK;
    case 'E':
        return cli_parse_date("workforce", "--date", optarg, &o->date);
    default:
        break;
    }
    return cli_post_option(c, &o->post);
}

static int parse_args(int argc, char **argv, struct wf_opts *o)
{
    static const struct option opts[] = {
        CLI_FIN_COMMON_OPTIONS,
        CLI_POST_OPTIONS,
        {"by", required_argument, NULL, 'B'},
        {"all", no_argument, NULL, 'A'},
        {"dry-run", no_argument, NULL, 'D'},
        {"census", no_argument, NULL, 'C'},
        {"census-date", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 'S'},
        {"id", required_argument, NULL, 'i'},
        {"version", required_argument, NULL, 'V'},
        {"date", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };

    return cli_fin_parse("workforce", argc, argv, opts, &o->c, parse_own, o);
}

static int wf_run(struct pcn_store *store, const struct pcn_rates *rates, const char *sub,
                  struct wf_opts *o, int argc, char **argv)
{
    if (strcmp(sub, "import") == 0) {
        if (optind + 1 != argc)
            return cli_usage_error("workforce import", "give one file");
        return wf_import(store, rates, o, argv[optind]);
    }
    if (optind < argc)
        return cli_usage_error("workforce", "unexpected argument '%s'", argv[optind]);
    if (strcmp(sub, "list") == 0)
        return wf_list(store, rates, o);
    if (strcmp(sub, "add") == 0)
        return wf_add(store, rates, o);
    if (strcmp(sub, "end") == 0)
        return wf_end(store, o);
    if (strcmp(sub, "report") == 0)
        return wf_report(store, rates, o);
    if (strcmp(sub, "compare") == 0)
        return wf_compare(store, rates, o);
    if (strcmp(sub, "twin") == 0)
        return wf_twin(store, rates, o);
    return cli_usage_error("workforce", "unknown subcommand '%s' (see pcn workforce --help)", sub);
}

int cmd_workforce(int argc, char **argv)
{
    struct wf_opts o = {
        .c = CLI_FIN_COMMON_INIT, .census_date = PCN_DATE_NONE, .seed = 1, .date = PCN_DATE_NONE};
    struct pcn_store *store = NULL;
    struct pcn_rates *rates = NULL;
    const char *sub;
    bool needs_network;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(workforce_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    cli_post_args_init(&o.post);
    rc = parse_args(argc, argv, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    needs_network = strcmp(sub, "end") != 0 && !(strcmp(sub, "import") == 0 && o.census) &&
                    !(strcmp(sub, "twin") == 0 && o.all);
    rc = cli_fin_open("workforce", &o.c, needs_network, &store, &rates);
    if (rc == CLI_EXIT_OK)
        rc = wf_run(store, rates, sub, &o, argc, argv);
    pcn_rates_free(rates);
    pcn_store_close(store);
    return rc;
}
