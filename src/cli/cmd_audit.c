/*
 * cmd_audit.c - pcn audit list | verify: read the audit log, and check its
 * hash chain. verify exits 1 and names the first bad row when a row was
 * changed or deleted; on success it prints the head hash, which an
 * operator can keep elsewhere to detect rows removed from the end later.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "pcn/audit.h"
#include "pcn/auth.h"
#include "pcn/parse.h"
#include "pcn/views.h"
#include "util/common.h"

static const char audit_usage[] =
    "usage: pcn audit list   --db FILE [--after ID] [--limit N] [--format table|csv|json]\n"
    "       pcn audit verify --db FILE\n";

static int audit_list(struct pcn_store *store, int64_t after, int64_t limit, enum pcn_format fmt)
{
    struct pcn_table *t = NULL;
    int rc;

    if (pcn_view_audit(store, after, limit, &t, NULL) != PCN_OK)
        return cli_runtime_error("audit list", "%s", pcn_store_errmsg(store));
    rc = cli_print_table("audit list", t, fmt);
    pcn_table_free(t);
    return rc;
}

static int audit_verify(struct pcn_store *store)
{
    struct pcn_audit_verify_result res = {0};

    if (pcn_audit_verify(store, &res) != PCN_OK)
        return cli_runtime_error("audit verify", "%s", pcn_store_errmsg(store));
    if (res.bad_id)
        return cli_runtime_error("audit verify", "audit log tampered at row %" PRId64 ": %s",
                                 res.bad_id, res.reason);
    printf("audit log intact: %" PRId64 " rows; head %s\n", res.rows,
           res.head_hash[0] ? res.head_hash : "(empty)");
    return CLI_EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"after", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    int64_t after = 0;
    int64_t limit = 0;
    enum pcn_format fmt = PCN_FORMAT_TABLE;
    struct pcn_store *store = NULL;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(audit_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "verify") != 0)
        return cli_usage_error("audit", "unknown subcommand '%s'", argv[1]);
    optind = 2;
    for (;;) {
        int c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1)
            break;
        bool ok;
        switch (c) {
        case 'd':
            db = optarg;
            ok = true;
            break;
        case 'a':
            ok = pcn_parse_range(optarg, strlen(optarg), 0, INT64_MAX, &after) == PCN_OK;
            break;
        case 'l':
            ok = pcn_parse_range(optarg, strlen(optarg), 1, INT64_MAX, &limit) == PCN_OK;
            break;
        case 'f':
            ok = cli_parse_format("audit", optarg, &fmt) == CLI_EXIT_OK;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok)
            return cli_usage_error("audit", "bad option (see --help)");
    }
    if (optind != argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    if (pcn_auth_init() != PCN_OK)
        return cli_runtime_error("audit", "cannot initialise libsodium");
    rc = cli_open_store("audit", db, 0, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = strcmp(argv[1], "list") == 0 ? audit_list(store, after, limit, fmt) : audit_verify(store);
    pcn_store_close(store);
    return rc;
}
