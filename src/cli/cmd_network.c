/*
 * cmd_network.c - pcn network list | show CODE: networks with their member
 * practices and registered population on a date (default today).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/registry_ops.h"
#include "util/common.h"

static const char network_usage[] =
    "usage: pcn network list --db FILE [--as-of DATE] [--icb CODE] [--format table|csv|json]\n"
    "       pcn network show --db FILE [--as-of DATE] [--format table|csv|json] CODE\n"
    "       pcn network update --db FILE [--name NAME] [--clinical-director NAME] CODE\n";

struct network_walk {
    struct pcn_store *store;
    struct pcn_table *t;
    const char *icb;
    const char *only; /* show: one network */
    int32_t as_of;
    int64_t practices;
    int64_t patients;
    enum pcn_err rc;
};

/* Count current members of one network and sum their latest list sizes. */
static int count_member(const struct pcn_membership *m, void *ud)
{
    struct network_walk *w = ud;
    int64_t n = 0;

    if (strcmp(m->network, w->only) != 0 || m->start_date > w->as_of ||
        (m->end_date != PCN_DATE_NONE && m->end_date < w->as_of))
        return 0;
    w->practices++;
    if (pcn_store_list_size_at(w->store, m->practice, w->as_of, &n, NULL) == PCN_OK)
        w->patients += n;
    return 0;
}

static int network_row(const struct pcn_network *n, void *ud)
{
    struct network_walk *w = ud;
    struct pcn_table *t = w->t;

    if (w->icb && (!n->icb_code || strcmp(n->icb_code, w->icb) != 0))
        return 0;
    w->only = n->code;
    w->practices = 0;
    w->patients = 0;
    w->rc = pcn_store_each_membership(w->store, NULL, count_member, w);
    if (w->rc != PCN_OK || pcn_table_add_row(t) != PCN_OK)
        return 1;
    (void)pcn_table_set_text(t, 0, n->code);
    (void)pcn_table_set_text(t, 1, n->name);
    (void)pcn_table_set_int(t, 2, w->practices);
    (void)pcn_table_set_int(t, 3, w->patients);
    (void)pcn_table_set_text(t, 4, n->icb_code);
    (void)pcn_table_set_text(t, 5, n->clinical_director);
    return 0;
}

static int network_list(struct pcn_store *store, int32_t as_of, const char *icb,
                        enum pcn_format fmt)
{
    static const char *const names[] = {"code",     "name",     "practices",
                                        "patients", "icb_code", "clinical_director"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT};
    struct network_walk w = {.store = store, .icb = icb, .as_of = as_of};
    int rc;

    w.t = pcn_table_new("networks", 6, names, types);
    if (!w.t)
        return cli_runtime_error("network list", "out of memory");
    if (pcn_store_each_network(store, network_row, &w) != PCN_OK || w.rc != PCN_OK)
        rc = cli_runtime_error("network list", "%s", pcn_store_errmsg(store));
    else
        rc = cli_print_table("network list", w.t, fmt);
    pcn_table_free(w.t);
    return rc;
}

struct member_walk {
    struct pcn_store *store;
    struct pcn_table *t;
    const char *network;
    int32_t as_of;
};

static int name_of(const struct pcn_practice *p, void *ud)
{
    return pcn_table_set_text(ud, 1, p->name) != PCN_OK;
}

static int member_row(const struct pcn_membership *m, void *ud)
{
    struct member_walk *w = ud;
    char from[PCN_DATE_STR_SIZE];
    char to[PCN_DATE_STR_SIZE];
    int64_t n = 0;
    bool current;

    if (strcmp(m->network, w->network) != 0)
        return 0;
    current =
        m->start_date <= w->as_of && (m->end_date == PCN_DATE_NONE || m->end_date >= w->as_of);
    pcn_date_format(m->start_date, from);
    pcn_date_format(m->end_date, to);
    if (pcn_table_add_row(w->t) != PCN_OK)
        return 1;
    (void)pcn_table_set_text(w->t, 0, m->practice);
    (void)pcn_store_get_practice(w->store, m->practice, name_of, w->t);
    (void)pcn_table_set_text(w->t, 2, from);
    (void)pcn_table_set_text(w->t, 3, to[0] ? to : NULL);
    (void)pcn_table_set_text(w->t, 4, current ? "yes" : "no");
    if (pcn_store_list_size_at(w->store, m->practice, w->as_of, &n, NULL) == PCN_OK)
        (void)pcn_table_set_int(w->t, 5, n);
    return 0;
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

static int exists(const struct pcn_network *n, void *ud)
{
    (void)n;
    *(bool *)ud = true;
    return 0;
}

static int network_show(struct pcn_store *store, const char *code, int32_t as_of,
                        enum pcn_format fmt)
{
    static const char *const names[] = {"practice",  "name",    "member_from",
                                        "member_to", "current", "patients"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT};
    struct member_walk w = {.store = store, .network = code, .as_of = as_of};
    bool found = false;
    int rc;

    if (pcn_store_get_network(store, code, fmt == PCN_FORMAT_TABLE ? show_header : exists,
                              &found) == PCN_ENOTFOUND)
        return cli_runtime_error("network show", "no network %s", code);
    w.t = pcn_table_new("network_members", 6, names, types);
    if (!w.t)
        return cli_runtime_error("network show", "out of memory");
    rc = pcn_store_each_membership(store, NULL, member_row, &w) == PCN_OK ? CLI_EXIT_OK
                                                                          : CLI_EXIT_RUNTIME;
    if (rc == CLI_EXIT_OK)
        rc = cli_print_table("network show", w.t, fmt);
    else
        rc = cli_runtime_error("network show", "%s", pcn_store_errmsg(store));
    pcn_table_free(w.t);
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
    int32_t as_of = pcn_date_today();
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
    if (strcmp(sub, "list") == 0)
        rc = network_list(store, as_of, icb, fmt);
    else if (strcmp(sub, "show") == 0)
        rc = network_show(store, argv[optind], as_of, fmt);
    else
        rc = network_update(store, argv[optind], name, director);
    pcn_store_close(store);
    return rc;
}
