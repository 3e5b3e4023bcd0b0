/*
 * cmd_import.c - pcn import: load population records (native CSV bundle,
 * Synthea CSV, FHIR R4) into the database in one transaction, so a failed
 * import leaves the database as it was. Prints a summary on stderr (and
 * JSON on stdout with --summary json), a progress line when stderr is a
 * terminal, and rejected records to --rejects FILE (or stderr).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/ingest.h"
#include "pcn/parse.h"
#include "pcn/store_population.h"
#include "util/common.h"

#define IMPORT_USAGE                                                                               \
    "usage: pcn import --db FILE --format csv|synthea|fhir [--dry-run] [--max-errors N]\n"         \
    "                  [--rejects FILE] [--summary text|json] [--practice ODS] PATH...\n"

struct import_args {
    const char *db;
    const char *format;
    const char *rejects;
    const char *summary;
    const char *practice;
    long max_errors;
    bool is_dry_run;
};

struct import_ui {
    FILE *rejects;
    bool is_tty;
    pcn_usec_t last_progress;
};

static void on_reject(void *ud, const char *where, const char *reason)
{
    struct import_ui *ui = ud;

    fprintf(ui->rejects ? ui->rejects : stderr, "%s: %s\n", where, reason);
}

static void on_progress(void *ud, const char *file, unsigned long long done,
                        unsigned long long total)
{
    struct import_ui *ui = ud;
    pcn_usec_t now = pcn_monotonic_usec();

    if (!ui->is_tty || (now - ui->last_progress < 200000 && done != total))
        return;
    ui->last_progress = now;
    if (total > 0)
        fprintf(stderr, "\r\033[Kimporting %s: %3llu%%", file, done * 100 / total);
    else
        fprintf(stderr, "\r\033[Kimporting %s: %llu MB", file, done >> 20);
}

static int parse_args(int argc, char **argv, struct import_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {"max-errors", required_argument, NULL, 'm'},
        {"rejects", required_argument, NULL, 'r'},
        {"summary", required_argument, NULL, 's'},
        {"practice", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t n;

    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'd':
            a->db = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'n':
            a->is_dry_run = true;
            break;
        case 'm':
            if (pcn_parse_range(optarg, strlen(optarg), 0, INT32_MAX, &n) != PCN_OK)
                return cli_usage_error("import", "--max-errors: '%s' is not a count", optarg);
            a->max_errors = (long)n;
            break;
        case 'r':
            a->rejects = optarg;
            break;
        case 's':
            a->summary = optarg;
            break;
        case 'p':
            a->practice = optarg;
            break;
        case 'h':
            printf(IMPORT_USAGE);
            return -1;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (!a->format)
        return cli_usage_error("import", "--format csv|synthea|fhir is required");
    if (strcmp(a->summary, "text") != 0 && strcmp(a->summary, "json") != 0)
        return cli_usage_error("import", "--summary: '%s' is not text or json", a->summary);
    if (optind >= argc)
        return cli_usage_error("import", "no input path given");
    return CLI_EXIT_OK;
}

static void print_summary(const struct pcn_importer *imp, const struct import_args *a, bool is_ok)
{
    struct pcn_buf out = PCN_BUF_INIT;

    if (pcn_importer_summary_text(imp, &out) == PCN_OK)
        fprintf(stderr, "pcn import: %s%s\n%s", is_ok ? "" : "FAILED, nothing imported; ",
                a->is_dry_run ? "dry run (nothing written)" : "summary", out.buf);
    pcn_buf_reset(&out);
    if (strcmp(a->summary, "json") == 0 && pcn_importer_summary_json(imp, &out) == PCN_OK)
        printf("%s\n", out.buf);
    pcn_buf_release(&out);
}

/* Run the import inside one transaction (none for a dry run). */
static int run_import(const struct import_args *a, struct import_ui *ui,
                      const struct pcn_import_opts *o, char **paths, size_t n_paths)
{
    static const struct pcn_sink_ops no_ops = {0};
    struct pcn_sink sink = {&no_ops, NULL};
    struct pcn_store *store = NULL;
    struct pcn_async_sink *async = NULL;
    struct pcn_importer *imp = NULL;
    struct pcn_error err = {0};
    int rc;

    if (!a->is_dry_run) {
        rc = cli_open_store("import", a->db, PCN_STORE_FLAG_CREATE, &store);
        if (rc != CLI_EXIT_OK)
            return rc;
        if (pcn_store_begin_bulk(store) != PCN_OK) {
            rc = cli_runtime_error("import", "%s", pcn_store_errmsg(store));
            goto out;
        }
        pcn_store_sink(store, &sink);
        /* parse on this thread, write on another */
        if (pcn_async_sink_new(&sink, &async) != PCN_OK) {
            rc = cli_runtime_error("import", "cannot start the writer thread");
            goto out;
        }
        pcn_async_sink_sink(async, &sink);
    }
    if (pcn_importer_new(o, &sink, &imp) != PCN_OK) {
        rc = cli_runtime_error("import", "out of memory");
        goto out;
    }
    rc = CLI_EXIT_OK;
    if (pcn_importer_run(imp, (const char *const *)paths, n_paths, &err) != PCN_OK ||
        (async && pcn_async_sink_finish(async, &err) != PCN_OK))
        rc = CLI_EXIT_RUNTIME;
    else if (store && pcn_store_commit(store) != PCN_OK)
        rc = cli_runtime_error("import", "commit failed: %s", pcn_store_errmsg(store));
    if (store && rc == CLI_EXIT_OK) {
        struct pcn_store_tx_stats st;
        pcn_store_tx_stats(store, &st);
        pcn_importer_set_replaced(imp, st.patients_replaced, st.records_removed);
    }
    if (ui->is_tty)
        fprintf(stderr, "\r\033[K");
    if (err.code != PCN_OK)
        (void)cli_runtime_error("import", "%s", err.msg);
    print_summary(imp, a, rc == CLI_EXIT_OK);
out:
    pcn_importer_free(imp);
    pcn_async_sink_free(async); /* before the store: the writer thread uses it */
    pcn_store_close(store);     /* rolls back an uncommitted transaction */
    return rc;
}

int cmd_import(int argc, char **argv)
{
    struct import_args a = {.summary = "text"};
    struct import_ui ui = {.is_tty = isatty(STDERR_FILENO) != 0};
    struct pcn_import_opts o = {0};
    int rc = parse_args(argc, argv, &a);

    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (pcn_import_format_parse(a.format, &o.format) != PCN_OK)
        return cli_usage_error("import", "--format: '%s' is not csv, synthea or fhir", a.format);
    if (!a.is_dry_run && !cli_db_location(a.db))
        return cli_usage_error("import", "no database: give --db FILE or set PCN_DB");
    if (a.rejects) {
        ui.rejects = fopen(a.rejects, "we");
        if (!ui.rejects)
            return cli_runtime_error("import", "%s: cannot open for writing", a.rejects);
    }
    o.practice = a.practice;
    o.max_errors = a.max_errors;
    o.reject = on_reject;
    o.progress = on_progress;
    o.ud = &ui;
    rc = run_import(&a, &ui, &o, argv + optind, (size_t)(argc - optind));
    if (ui.rejects && fclose(ui.rejects) != 0 && rc == CLI_EXIT_OK)
        rc = cli_runtime_error("import", "%s: write error", a.rejects);
    return rc;
}
