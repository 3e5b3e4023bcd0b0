/*
 * cmd_export.c - pcn export: write the database's population as a native
 * CSV bundle directory (docs/formats.md), the inverse of
 * `pcn import --format csv`. Every export is audited (cli_audit_read()).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/ingest.h"
#include "pcn/store_population.h"
#include "util/common.h"

/* The export is audited before it is written: every patient, to dir. */
static int audit_export(const char *db, struct pcn_store *store, const char *dir)
{
    struct pcn_store_counts c;
    char what[512];

    if (pcn_store_count(store, &c) != PCN_OK)
        return cli_runtime_error("export", "%s", pcn_store_errmsg(store));
    (void)snprintf(what, sizeof(what), "%lld patients to %s", (long long)c.patients, dir);
    return cli_audit_read("export", db, "export", "population", what);
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    const char *format = "csv";
    struct pcn_store *store = NULL;
    struct pcn_error err = {0};
    int rc;

    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'd') {
            db = optarg;
        } else if (c == 'f') {
            format = optarg;
        } else if (c == 'h') {
            printf("usage: pcn export --db FILE --format csv DIR\n");
            return CLI_EXIT_OK;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(format, "csv") != 0)
        return cli_usage_error("export", "--format: '%s' is not csv", format);
    if (optind + 1 != argc)
        return cli_usage_error("export", "give exactly one output directory");
    rc = cli_open_store("export", db, PCN_STORE_FLAG_READONLY, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = audit_export(db, store, argv[optind]);
    if (rc == CLI_EXIT_OK && pcn_export_bundle(store, argv[optind], &err) != PCN_OK)
        rc = cli_runtime_error("export", "%s", err.msg);
    pcn_store_close(store);
    return rc;
}
