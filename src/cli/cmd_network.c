/*
 * cmd_network.c - pcn network list | show CODE | update CODE: networks with
 * their member practices and registered population on a date (default:
 * the data's date, pcn_store_default_as_of()); the tables come from the
 * views shared with the API (pcn/views.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/registry_ops.h"
#include "pcn/store_registry.h"
#include "pcn/views.h"
#include "util/common.h"

static const char network_usage[] =
    "usage: pcn network list --db FILE [--as-of DATE] [--icb CODE] [--format table|csv|json]\n"
    "       pcn network show --db FILE [--as-of DATE] [--format table|csv|json] CODE\n"
    "       pcn network update --db FILE [--name NAME] [--clinical-director NAME] CODE\n";

static int network_list(struct pcn_store *store, int32_t as_of, const char *icb,
                        enum pcn_format fmt)
{
    struct pcn_view_opts v = {.as_of = as_of, .filter = icb};
    struct pcn_table *t = NULL;
    int rc;

    if (pcn_view_networks(store, &v, &t, NULL) != PCN_OK)
        return cli_runtime_error("network list", "%s", pcn_store_errmsg(store));
    rc = cli_print_table("network list", t, fmt);
    pcn_table_free(t);
    return rc;
}

static int show_header(const struct pcn_network *n, void *ud)
{
    (void)ud;
    printf("Network %s: %s\n", n->code, n->name);
    printf("  ICB: %s %s\n", n->icb_code ? n->icb_code : "-", n->icb_name ? n->icb_name : "");
    printf("  Sub-ICB location: %s %s\n", n->sub_icb_code ? n->sub_icb_code : "-",
           n->sub_icb_name ? n->sub_icb_name : "");
    printf("  Region: %s\n", n->region_name ? n->region_name : "-");
    printf("  Clinical director: %s\n\n", n->clinical_director ? n->clinical_director : "-");
    return 0;
}

static int network_show(struct pcn_store *store, const char *code, int32_t as_of,
                        enum pcn_format fmt)
{
    struct pcn_view_opts v = {.as_of = as_of};
    struct pcn_table *t = NULL;
    enum pcn_err e = pcn_view_network_members(store, code, &v, &t);
    int rc;

    if (e == PCN_ENOTFOUND)
        return cli_runtime_error("network show", "no network %s", code);
    if (e != PCN_OK)
        return cli_runtime_error("network show", "%s", pcn_store_errmsg(store));
    if (fmt == PCN_FORMAT_TABLE)
        (void)pcn_store_get_network(store, code, show_header, NULL);
    rc = cli_print_table("network show", t, fmt);
    pcn_table_free(t);
    return rc;
}

struct network_copy {
    struct pcn_network n;
    char *fields[9];
};

static int copy_network(const struct pcn_network *n, void *ud)
{
    struct network_copy *c = ud;
    const char *src[9] = {n->code,         n->name,         n->clinical_director,
                          n->sub_icb_code, n->sub_icb_name, n->icb_code,
                          n->icb_name,     n->region_code,  n->region_name};

    for (int i = 0; i < 9; i++)
        c->fields[i] = src[i] ? pcn_strdup(src[i]) : NULL;
    return 0;
}

static int network_update(struct pcn_store *store, const char *code, const char *name,
                          const char *director)
{
    struct network_copy c = {0};
    enum pcn_err rc;
    int ret = CLI_EXIT_OK;

    if (!name && !director)
        return cli_usage_error("network update", "give --name and/or --clinical-director");
    if (pcn_store_get_network(store, code, copy_network, &c) != PCN_OK)
        return cli_runtime_error("network update", "no network %s", code);
    c.n = (struct pcn_network){c.fields[0], c.fields[1], c.fields[2], c.fields[3], c.fields[4],
                               c.fields[5], c.fields[6], c.fields[7], c.fields[8]};
    if (name)
        c.n.name = name;
    if (director)
        c.n.clinical_director = director;
    rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_store_put_network(store, &c.n);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc != PCN_OK) {
        ret = cli_runtime_error("network update", "%s", pcn_store_errmsg(store));
        pcn_store_rollback(store);
    } else {
        printf("network %s updated\n", code);
    }
    for (int i = 0; i < 9; i++)
        pcn_free(c.fields[i]);
    return ret;
}

int cmd_network(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"as-of", required_argument, NULL, 'a'},
        {"icb", required_argument, NULL, 'i'},
        {"name", required_argument, NULL, 'n'},
        {"clinical-director", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    const char *icb = NULL;
    const char *name = NULL;
    const char *director = NULL;
    enum pcn_format fmt = PCN_FORMAT_TABLE;
    int32_t as_of = PCN_DATE_NONE;
    struct pcn_store *store = NULL;
    const char *sub;
    int c;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(network_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    optind = 2;
    for (;;) {
        c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'i':
            icb = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'c':
            director = optarg;
            break;
        case 'f':
            if (cli_parse_format("network", optarg, &fmt) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            break;
        case 'a':
            if (cli_parse_date("network", "--as-of", optarg, &as_of) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            break;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "update") != 0)
        return cli_usage_error("network", "unknown subcommand '%s' (list, show or update)", sub);
    if (strcmp(sub, "list") != 0 && optind + 1 != argc)
        return cli_usage_error("network", "%s takes exactly one network code", sub);
    if (strcmp(sub, "list") == 0 && optind != argc)
        return cli_usage_error("network list", "unexpected argument '%s'", argv[optind]);
    rc = cli_open_store("network", db, 0, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(sub, "update") == 0) {
        rc = network_update(store, argv[optind], name, director);
    } else {
        if (as_of == PCN_DATE_NONE)
            rc = cli_default_as_of("network", store, &as_of);
        if (rc == CLI_EXIT_OK && strcmp(sub, "list") == 0)
            rc = network_list(store, as_of, icb, fmt);
        else if (rc == CLI_EXIT_OK)
            rc = network_show(store, argv[optind], as_of, fmt);
    }
    pcn_store_close(store);
    return rc;
}
