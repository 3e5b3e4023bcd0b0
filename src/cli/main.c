/*
 * main.c - the pcn command: dispatches to subcommands from one table.
 * Exit status: 0 success, 1 runtime error, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/common.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/* One line per subcommand, in the order help lists them. */
static const struct command commands[] = {
    {"init", cmd_init, "create (or migrate) a database"},
    {"registry", cmd_registry, "import the NHS practice-to-PCN mapping; check the registry"},
    {"network", cmd_network, "list networks or show one"},
    {"practice", cmd_practice, "list, show, add or move practices; add branch sites"},
    {"generate", cmd_generate, "generate a synthetic twin of a real or invented network"},
    {"import", cmd_import, "import population records (native CSV, Synthea CSV, FHIR R4)"},
    {"export", cmd_export, "export population records as a native CSV bundle"},
    {"serve", cmd_serve, "serve the JSON API and the dashboard over HTTP"},
    {"user", cmd_user, "add, list, disable users of the server; change passwords"},
    {"audit", cmd_audit, "list the audit log or verify its hash chain"},
    {"query", cmd_query, "evaluate a definitions file over the population"},
    {"report", cmd_report, "print a standard report (registers, indicators, frailty, ...)"},
    {"workforce", cmd_workforce, "the staff register: list, add, end, import, report, compare"},
    {"finance", cmd_finance, "ARRS claims and budget, DES income, distribution, what-if"},
    {"sp", cmd_sp, "social prescribing: asset directory, referrals, outcomes, reports"},
    {"ppg", cmd_ppg, "patient participation groups, engagement, \"you said, we did\""},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pcn COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < PCN_ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nThe database is --db FILE or $PCN_DB. 'pcn COMMAND --help' for details.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("pcn %s\n", PCN_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "pcn: unknown command '%s' (see 'pcn --help')\n", argv[1]);
    return CLI_EXIT_USAGE;
}
