/*
 * cmd_practice.c - pcn practice list | show CODE | add CODE | move CODE |
 * add-site CODE: the practices of the registry, their membership history,
 * list sizes and branch sites. Lists come from the views shared with the
 * API (pcn/views.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/date.h"
#include "pcn/registry_ops.h"
#include "pcn/store_registry.h"
#include "pcn/validate.h"
#include "pcn/views.h"
#include "util/common.h"

static const char practice_usage[] =
    "usage: pcn practice list --db FILE [--network CODE] [--as-of DATE] [--format F]\n"
    "       pcn practice show --db FILE [--as-of DATE] [--format F] CODE\n"
    "       (--as-of defaults to the data's date: see docs/definitions.md)\n"
    "       pcn practice add  --db FILE --name NAME [--postcode PC] [--network CODE]\n"
    "                         [--from DATE] CODE\n"
    "       pcn practice move --db FILE --to NETWORK [--date DATE] CODE\n"
    "       pcn practice add-site --db FILE --name NAME [--postcode PC] CODE\n";

struct practice_opts {
    const char *db;
    const char *network;
    const char *name;
    const char *postcode;
    enum pcn_format fmt;
    int32_t as_of; /* list/show date; add --from; move --date */
    bool as_of_given;
};

struct practice_walk {
    struct pcn_store *store;
    const struct practice_opts *o;
};

static int practice_list(struct pcn_store *store, const struct practice_opts *o)
{
    struct pcn_view_opts v = {.as_of = o->as_of, .filter = o->network};
    struct pcn_table *t = NULL;
    int rc;

    if (pcn_view_practices(store, &v, &t, NULL) != PCN_OK)
        return cli_runtime_error("practice list", "%s", pcn_store_errmsg(store));
    rc = cli_print_table("practice list", t, o->fmt);
    pcn_table_free(t);
    return rc;
}

struct site_walk {
    const char *practice;
    int n;
};

static int print_site(const struct pcn_site *site, void *ud)
{
    struct site_walk *w = ud;

    if (!site->practice || strcmp(site->practice, w->practice) != 0)
        return 0;
    if (w->n++ == 0)
        printf("  Sites:\n");
    printf("    %lld  %s  %s\n", (long long)site->id, site->name,
           site->postcode ? site->postcode : "");
    return 0;
}

static int print_practice(const struct pcn_practice *p, void *ud)
{
    struct practice_walk *w = ud;
    int64_t n = 0;
    int32_t at = PCN_DATE_NONE;
    char date[PCN_DATE_STR_SIZE] = "";

    if (pcn_store_list_size_at(w->store, p->code, w->o->as_of, &n, &at) == PCN_OK)
        pcn_date_format(at, date);
    printf("Practice %s: %s\n", p->code, p->name);
    printf("  Postcode: %s\n", p->postcode ? p->postcode : "-");
    printf("  ICB: %s   Sub-ICB location: %s\n", p->icb_code ? p->icb_code : "-",
           p->sub_icb_code ? p->sub_icb_code : "-");
    printf("  Clinical system: %s\n", p->supplier ? p->supplier : "-");
    if (date[0])
        printf("  Registered patients: %lld (on %s)\n", (long long)n, date);
    else
        printf("  Registered patients: unknown\n");
    {
        struct site_walk sw = {p->code, 0};
        (void)pcn_store_each_site(w->store, print_site, &sw);
    }
    printf("\nNetwork membership history:\n");
    return 0;
}

static int practice_show(struct pcn_store *store, const char *code, const struct practice_opts *o)
{
    struct practice_walk w = {store, o};
    struct pcn_table *t = NULL;
    int rc;

    if (pcn_view_practice_memberships(store, code, &t) != PCN_OK)
        return cli_runtime_error("practice show", "%s", pcn_store_errmsg(store));
    if (o->fmt == PCN_FORMAT_TABLE &&
        pcn_store_get_practice(store, code, print_practice, &w) != PCN_OK) {
        pcn_table_free(t);
        return cli_runtime_error("practice show", "%s", pcn_store_errmsg(store));
    }
    rc = cli_print_table("practice show", t, o->fmt);
    pcn_table_free(t);
    return rc;
}

static int practice_add(struct pcn_store *store, const char *code, const struct practice_opts *o)
{
    char postcode[9];
    struct pcn_practice p = {.code = code, .name = o->name};
    struct pcn_membership m = {code, o->network, o->as_of, PCN_DATE_NONE};
    enum pcn_err rc;

    if (!pcn_ods_is_valid(PCN_ODS_PRACTICE, code, strlen(code)))
        return cli_usage_error("practice add", "'%s' is not a practice ODS code (e.g. A81001)",
                               code);
    if (!o->name || !*o->name)
        return cli_usage_error("practice add", "--name is required");
    if (o->postcode) {
        if (pcn_postcode_normalise(o->postcode, strlen(o->postcode), postcode) != PCN_OK)
            return cli_usage_error("practice add", "--postcode '%s' is not a UK postcode",
                                   o->postcode);
        p.postcode = postcode;
    }
    if (o->network && !pcn_ods_is_valid(PCN_ODS_PCN, o->network, strlen(o->network)))
        return cli_usage_error("practice add", "--network '%s' is not a PCN code", o->network);
    rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_store_put_practice(store, &p);
    if (rc == PCN_OK && o->network)
        rc = pcn_store_add_membership(store, &m);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc != PCN_OK) {
        int ret = cli_runtime_error("practice add", "%s", pcn_store_errmsg(store));
        pcn_store_rollback(store);
        return ret;
    }
    printf("practice %s saved%s%s\n", code, o->network ? " in network " : "",
           o->network ? o->network : "");
    return CLI_EXIT_OK;
}

static int practice_move(struct pcn_store *store, const char *code, const struct practice_opts *o)
{
    struct pcn_error err;
    char date[PCN_DATE_STR_SIZE];

    if (!o->network)
        return cli_usage_error("practice move", "--to NETWORK is required");
    if (pcn_registry_move(store, code, o->network, o->as_of, &err) != PCN_OK)
        return cli_runtime_error("practice move", "%s", err.msg);
    pcn_date_format(o->as_of, date);
    printf("practice %s moves to %s from %s\n", code, o->network, date);
    return CLI_EXIT_OK;
}

static int practice_add_site(struct pcn_store *store, const char *code,
                             const struct practice_opts *o)
{
    char postcode[9];
    struct pcn_site site = {.practice = code, .name = o->name};
    int64_t id = 0;
    enum pcn_err rc;

    if (!o->name || !*o->name)
        return cli_usage_error("practice add-site", "--name is required");
    if (o->postcode) {
        if (pcn_postcode_normalise(o->postcode, strlen(o->postcode), postcode) != PCN_OK)
            return cli_usage_error("practice add-site", "--postcode '%s' is not a UK postcode",
                                   o->postcode);
        site.postcode = postcode;
    }
    rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_store_add_site(store, &site, &id);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc != PCN_OK) {
        int ret = cli_runtime_error("practice add-site", "%s%s", pcn_store_errmsg(store),
                                    rc == PCN_ECONFLICT ? " (is the practice registered?)" : "");
        pcn_store_rollback(store);
        return ret;
    }
    printf("site %lld added to practice %s\n", (long long)id, code);
    return CLI_EXIT_OK;
}

static int practice_run(struct pcn_store *store, const char *sub, const char *code,
                        const struct practice_opts *o)
{
    if (strcmp(sub, "list") == 0)
        return practice_list(store, o);
    if (strcmp(sub, "show") == 0)
        return practice_show(store, code, o);
    if (strcmp(sub, "add") == 0)
        return practice_add(store, code, o);
    if (strcmp(sub, "move") == 0)
        return practice_move(store, code, o);
    return practice_add_site(store, code, o);
}

static int parse_practice_opts(int argc, char **argv, struct practice_opts *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"format", required_argument, NULL, 'f'},
        {"as-of", required_argument, NULL, 'a'},    {"from", required_argument, NULL, 'a'},
        {"date", required_argument, NULL, 'a'},     {"network", required_argument, NULL, 'n'},
        {"to", required_argument, NULL, 'n'},       {"name", required_argument, NULL, 'N'},
        {"postcode", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
    };
    int c;

    optind = 2;
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1)
            return CLI_EXIT_OK;
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'f':
            if (cli_parse_format("practice", optarg, &o->fmt) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            break;
        case 'a':
            if (cli_parse_date("practice", "date option", optarg, &o->as_of) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            o->as_of_given = true;
            break;
        case 'n':
            o->network = optarg;
            break;
        case 'N':
            o->name = optarg;
            break;
        case 'p':
            o->postcode = optarg;
            break;
        default:
            return CLI_EXIT_USAGE;
        }
    }
}

int cmd_practice(int argc, char **argv)
{
    struct practice_opts o = {.fmt = PCN_FORMAT_TABLE, .as_of = pcn_date_today()};
    struct pcn_store *store = NULL;
    const char *sub;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(practice_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "add") != 0 &&
        strcmp(sub, "move") != 0 && strcmp(sub, "add-site") != 0)
        return cli_usage_error("practice", "unknown subcommand '%s'", sub);
    rc = parse_practice_opts(argc, argv, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(sub, "list") == 0 ? optind != argc : optind + 1 != argc)
        return cli_usage_error("practice", "%s takes %s", sub,
                               strcmp(sub, "list") == 0 ? "no arguments" : "one practice code");
    rc = cli_open_store("practice", o.db, strcmp(sub, "add") == 0 ? PCN_STORE_FLAG_CREATE : 0,
                        &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* list and show: the data's date by default; add and move: today */
    if (!o.as_of_given && (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0))
        rc = cli_default_as_of("practice", store, &o.as_of);
    if (rc == CLI_EXIT_OK)
        rc = practice_run(store, sub, optind < argc ? argv[optind] : "", &o);
    pcn_store_close(store);
    return rc;
}
