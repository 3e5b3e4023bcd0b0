/*
 * cmd_init.c - pcn init: create a database, or bring an existing one up to
 * the current schema, and say which version it is at.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "util/common.h"

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    struct pcn_store *store = NULL;
    int c;
    int rc;

    optind = 1;
    for (;;) {
        c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'd') {
            db = optarg;
        } else if (c == 'h') {
            printf("usage: pcn init --db FILE\n");
            return CLI_EXIT_OK;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    rc = cli_open_store("init", db, PCN_STORE_FLAG_CREATE, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    printf("%s: OpenPCN database, schema version %d (%s)\n", cli_db_location(db),
           pcn_store_schema_version(store), pcn_store_backend(store));
    pcn_store_close(store);
    return CLI_EXIT_OK;
}
