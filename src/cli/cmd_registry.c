/*
 * cmd_registry.c - pcn registry import FILE... | check: load NHS registry
 * publications and report registry problems.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/registry_ops.h"
#include "util/common.h"

static const char registry_usage[] =
    "usage: pcn registry import --db FILE [--format table|json] CSV...\n"
    "       pcn registry check  --db FILE [--as-of DATE] [--min N] [--max N] [--strict]\n"
    "                           [--format table|csv|json]\n"
    "import reads the NHS practice-to-PCN mapping (gp-reg-pat-prac-map.csv) and registered\n"
    "patients by sex and age band (gp-reg-pat-prac-quin-age.csv). check exits 1 when it finds\n"
    "an error (or, with --strict, a warning).\n";

static int print_summary(const char *path, const struct pcn_registry_import_summary *s,
                         enum pcn_format fmt)
{
    char date[PCN_DATE_STR_SIZE];

    pcn_date_format(s->extract_date, date);
    if (fmt == PCN_FORMAT_JSON) {
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "file", path, "kind",
            s->file == PCN_REGISTRY_FILE_MAPPING ? "mapping" : "list_size", "extract_date", date,
            "rows", (json_int_t)s->rows, "networks", (json_int_t)s->networks, "practices",
            (json_int_t)s->practices, "unallocated", (json_int_t)s->unallocated,
            "memberships_added", (json_int_t)s->memberships_added, "memberships_ended",
            (json_int_t)s->memberships_ended, "list_sizes", (json_int_t)s->list_sizes, "list_bands",
            (json_int_t)s->list_bands, "skipped_unknown_practice",
            (json_int_t)s->skipped_unknown_practice);
        if (!o || json_dumpf(o, stdout, JSON_COMPACT) != 0) {
            json_decref(o);
            return cli_runtime_error("registry import", "writing JSON failed");
        }
        json_decref(o);
        putchar('\n');
    } else if (s->file == PCN_REGISTRY_FILE_MAPPING) {
        printf("%s: practice-to-PCN mapping of %s: %" PRId64 " practices (%" PRId64
               " unallocated) in %" PRId64 " networks; memberships %" PRId64 " added, %" PRId64
               " ended\n",
               path, date, s->practices, s->unallocated, s->networks, s->memberships_added,
               s->memberships_ended);
    } else {
        printf("%s: registered patients of %s: %" PRId64 " practice list sizes, %" PRId64
               " age/sex bands; %" PRId64 " rows for practices not in the registry skipped\n",
               path, date, s->list_sizes, s->list_bands, s->skipped_unknown_practice);
    }
    return CLI_EXIT_OK;
}

static int registry_import(int argc, char **argv, const char *db, enum pcn_format fmt)
{
    struct pcn_store *store = NULL;
    int rc;

    if (optind >= argc)
        return cli_usage_error("registry import", "give at least one CSV file");
    rc = cli_open_store("registry import", db, PCN_STORE_FLAG_CREATE, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (int i = optind; i < argc && rc == CLI_EXIT_OK; i++) {
        struct pcn_registry_import_summary sum;
        struct pcn_error err;
        if (pcn_registry_import(store, argv[i], &sum, &err) != PCN_OK)
            rc = cli_runtime_error("registry import", "%s", err.msg);
        else
            rc = print_summary(argv[i], &sum, fmt);
    }
    pcn_store_close(store);
    return rc;
}

static int print_finding(const struct pcn_check_finding *f, void *ud)
{
    struct pcn_table *t = ud;

    if (pcn_table_add_row(t) != PCN_OK)
        return 1;
    (void)pcn_table_set_text(t, 0, f->severity == PCN_CHECK_ERROR ? "error" : "warning");
    (void)pcn_table_set_text(t, 1, f->check);
    (void)pcn_table_set_text(t, 2, f->subject);
    (void)pcn_table_set_text(t, 3, f->message);
    return 0;
}

static int registry_check(const char *db, const struct pcn_check_options *opts, bool strict,
                          enum pcn_format fmt)
{
    static const char *const names[] = {"severity", "check", "subject", "message"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT};
    struct pcn_store *store = NULL;
    struct pcn_table *t = pcn_table_new("registry_check", 4, names, types);
    struct pcn_error err;
    int errors = 0;
    int warnings = 0;
    int rc;

    if (!t)
        return cli_runtime_error("registry check", "out of memory");
    rc = cli_open_store("registry check", db, 0, &store);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (pcn_registry_check(store, opts, print_finding, t, &errors, &warnings, &err) != PCN_OK) {
        rc = cli_runtime_error("registry check", "%s", err.msg);
        goto out;
    }
    rc = cli_print_table("registry check", t, fmt);
    if (fmt == PCN_FORMAT_TABLE)
        fprintf(stderr, "%d error(s), %d warning(s)\n", errors, warnings);
    if (rc == CLI_EXIT_OK && (errors || (strict && warnings)))
        rc = CLI_EXIT_RUNTIME;
out:
    pcn_store_close(store);
    pcn_table_free(t);
    return rc;
}

int cmd_registry(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},    {"format", required_argument, NULL, 'f'},
        {"as-of", required_argument, NULL, 'a'}, {"min", required_argument, NULL, 'm'},
        {"max", required_argument, NULL, 'M'},   {"strict", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    enum pcn_format fmt = PCN_FORMAT_TABLE;
    struct pcn_check_options check;
    bool strict = false;
    const char *sub;
    int c;

    pcn_check_options_init(&check, pcn_date_today());
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(registry_usage, argc < 2 ? stderr : stdout);
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
        case 'f':
            if (cli_parse_format("registry", optarg, &fmt) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            break;
        case 'a':
            if (cli_parse_date("registry", "--as-of", optarg, &check.as_of) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            break;
        case 'm':
        case 'M': {
            int64_t v;
            if (pcn_parse_range(optarg, strlen(optarg), 0, INT32_MAX, &v) != PCN_OK)
                return cli_usage_error("registry", "--min/--max must be a number of patients");
            *(c == 'm' ? &check.min_patients : &check.max_patients) = v;
            break;
        }
        case 's':
            strict = true;
            break;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(sub, "import") == 0)
        return registry_import(argc, argv, db, fmt);
    if (strcmp(sub, "check") == 0) {
        if (optind < argc)
            return cli_usage_error("registry check", "unexpected argument '%s'", argv[optind]);
        return registry_check(db, &check, strict, fmt);
    }
    return cli_usage_error("registry", "unknown subcommand '%s' (import or check)", sub);
}
