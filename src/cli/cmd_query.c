/*
 * cmd_query.c - pcn query FILE and pcn report NAME: compile definitions
 * (the standard library in <data dir>/defs, then the query file), build the
 * population snapshot from the store, evaluate on the as-of date and print
 * the results as a table, CSV or JSON (docs/definitions.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "util/common.h"

static const char query_usage[] =
    "usage: pcn query --db FILE [--as-of DATE] [--format table|csv|json] [--by LIST]\n"
    "                 [--suppress N] [--max-rows N] [--defs DIR] [--no-stdlib] [--timing]\n"
    "                 [--snapshot FILE] DEFS_FILE\n"
    "       pcn report --db FILE [same options] NAME\n"
    "NAME: registers, indicators, scores, segments, worklists, all, or a definition name\n"
    "(e.g. frailty, multimorbidity, b2h, dm_hba1c, smr_priority); 'pcn report list' lists\n"
    "the standard definitions (no database needed); 'pcn report calibration' compares a\n"
    "synthetic twin's registers by practice with QOF 2024-25 and the twin with published\n"
    "figures ('calibration-checks': those checks alone; exit status 1 on a miss).\n"
    "LIST: comma-separated practice, network, age, sex, imd, ethnicity.\n";

struct query_opts {
    const char *db;
    const char *defs;
    const char *snapshot; /* cache file, or NULL */
    struct pcn_eval_options eval;
    enum pcn_format fmt;
    bool no_stdlib;
    bool as_of_given; /* else the as-of date is today or the data's last date if earlier */
    bool timing;
};

static int parse_count(const char *cmd, const char *opt, const char *s, int *ret)
{
    int64_t v = 0;

    if (pcn_parse_range(s, strlen(s), 0, 1000000000, &v) != PCN_OK)
        return cli_usage_error(cmd, "%s needs a whole number, not '%s'", opt, s);
    *ret = (int)v;
    return CLI_EXIT_OK;
}

/* Parse options; on success *ret_arg is the one positional argument. */
static int parse_opts(const char *cmd, int argc, char **argv, struct query_opts *o,
                      const char **ret_arg)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"as-of", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},   {"by", required_argument, NULL, 'b'},
        {"suppress", required_argument, NULL, 's'}, {"max-rows", required_argument, NULL, 'm'},
        {"defs", required_argument, NULL, 'D'},     {"no-stdlib", no_argument, NULL, 'n'},
        {"timing", no_argument, NULL, 't'},         {"snapshot", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct pcn_error err;
    int c, rc = CLI_EXIT_OK;

    o->eval.as_of = PCN_DATE_NONE; /* default: cli_default_as_of() */
    optind = 1;
    for (;;) {
        c = getopt_long(argc, argv, "", longopts, NULL);
        if (c == -1 || rc != CLI_EXIT_OK)
            break;
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'a':
            rc = cli_parse_date(cmd, "--as-of", optarg, &o->eval.as_of);
            o->as_of_given = true;
            break;
        case 'f':
            rc = cli_parse_format(cmd, optarg, &o->fmt);
            break;
        case 'b':
            if (pcn_by_parse(optarg, &o->eval.by, &err) != PCN_OK)
                rc = cli_usage_error(cmd, "%s", err.msg);
            break;
        case 's':
            rc = parse_count(cmd, "--suppress", optarg, &o->eval.suppress);
            break;
        case 'm':
            rc = parse_count(cmd, "--max-rows", optarg, &o->eval.max_rows);
            break;
        case 'D':
            o->defs = optarg;
            break;
        case 'n':
            o->no_stdlib = true;
            break;
        case 't':
            o->timing = true;
            break;
        case 'S':
            o->snapshot = optarg;
            break;
        case 'h':
            fputs(query_usage, stdout);
            return -1;
        default:
            return cli_usage_error(cmd, "unknown option (see --help)");
        }
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind + 1 != argc)
        return cli_usage_error(cmd, "expected exactly one %s (see --help)",
                               strcmp(cmd, "query") ? "report name" : "definitions file");
    *ret_arg = argv[optind];
    return CLI_EXIT_OK;
}

static int load_stdlib(const char *cmd, struct pcn_program *p, const struct query_opts *o)
{
    char dir[4096];
    struct pcn_error err;

    if (o->defs)
        (void)snprintf(dir, sizeof(dir), "%s", o->defs);
    else if (pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)
        return cli_runtime_error(cmd, "data directory path too long");
    if (pcn_program_load_dir(p, dir, 0, &err) != PCN_OK)
        return cli_runtime_error(cmd, "%s", err.msg);
    return CLI_EXIT_OK;
}

/*
 * The population: from the snapshot file when it is this database's at its
 * current data version, else from the store (and then saved to the file, if
 * one is named; a failed save only costs the next run its fast start).
 */
static int get_snapshot(const char *cmd, const struct query_opts *o, struct pcn_store *store,
                        struct pcn_snapshot **ret, bool *ret_cached)
{
    struct pcn_error err, warning;
    enum pcn_snapshot_origin origin = PCN_SNAPSHOT_WALKED;

    enum pcn_err rc = pcn_store_begin_read(store);

    /* one read transaction: the data version and the walk see the same data */
    if (rc == PCN_OK)
        rc = pcn_snapshot_for_store(store, o->snapshot, NULL, ret, &origin, &err);
    else
        (void)pcn_error_set(&err, rc, "%s", pcn_store_errmsg(store));
    pcn_store_end_read(store);
    if (rc != PCN_OK)
        return cli_runtime_error(cmd, "%s", err.msg);
    if (o->snapshot && origin == PCN_SNAPSHOT_WALKED &&
        pcn_snapshot_keep(*ret, o->snapshot, &warning) != PCN_OK)
        fprintf(stderr, "pcn %s: warning: %s\n", cmd, warning.msg);
    *ret_cached = origin == PCN_SNAPSHOT_LOADED;
    return CLI_EXIT_OK;
}

/*
 * Audit each worklist (patient-level) result before it is printed: the OS
 * user, the command, the worklist, its as-of date and how many patients it
 * returned. Aggregates are not audited, as on the server.
 */
static int audit_worklists(const char *cmd, const struct query_opts *o,
                           const struct pcn_results *res)
{
    char what[256], d[PCN_DATE_STR_SIZE];
    int rc = CLI_EXIT_OK;

    pcn_date_format(pcn_results_as_of(res), d);
    for (size_t i = 0; i < pcn_results_count(res) && rc == CLI_EXIT_OK; i++) {
        const struct pcn_result *one = pcn_results_at(res, i);
        int64_t rows = 0;
        if (pcn_result_kind(one) != PCN_RESULT_WORKLIST)
            continue;
        (void)pcn_results_total(res, pcn_result_name(one), "rows", &rows);
        (void)snprintf(what, sizeof(what), "%s as_of=%s rows=%lld", pcn_result_name(one), d,
                       (long long)rows);
        rc = cli_audit_read(cmd, o->db, cmd, "worklist", what);
    }
    return rc;
}

/* Snapshot, evaluate, audit patient-level results and print. */
static int evaluate(const char *cmd, struct pcn_program *p, const struct query_opts *o)
{
    struct pcn_store *store = NULL;
    struct pcn_snapshot *snap = NULL;
    struct pcn_results *res = NULL;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_eval_options eval;
    struct pcn_error err;
    pcn_usec_t t0, t1, t2, t3;
    bool cached = false;
    int rc = cli_open_store(cmd, o->db, PCN_STORE_FLAG_READONLY, &store);

    if (rc != CLI_EXIT_OK)
        return rc;
    eval = o->eval;
    pcn_buf_init(&out, (size_t)1 << 30);
    t0 = pcn_monotonic_usec();
    rc = get_snapshot(cmd, o, store, &snap, &cached);
    if (rc != CLI_EXIT_OK)
        goto out;
    t1 = pcn_monotonic_usec();
    if (!o->as_of_given)
        rc = cli_default_as_of(cmd, store, &eval.as_of);
    if (rc != CLI_EXIT_OK)
        goto out;
    t2 = pcn_monotonic_usec();
    if (pcn_program_eval(p, snap, &eval, &res, &err) != PCN_OK) {
        rc = cli_runtime_error(cmd, "%s", err.msg);
        goto out;
    }
    t3 = pcn_monotonic_usec();
    if (o->timing)
        fprintf(stderr,
                "pcn %s: snapshot of %zu patients and %zu records %s in %.1f ms; "
                "as-of date %s in %.1f ms; evaluation in %.1f ms, visiting %zu patients\n",
                cmd, pcn_snapshot_patient_count(snap), pcn_snapshot_event_count(snap),
                cached ? "loaded from the snapshot file" : "built from the store",
                (double)(t1 - t0) / 1000.0, o->as_of_given ? "given" : "found",
                (double)(t2 - t1) / 1000.0, (double)(t3 - t2) / 1000.0, pcn_results_visited(res));
    rc = audit_worklists(cmd, o, res);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (pcn_results_render(res, o->fmt, &out) != PCN_OK) {
        rc = cli_runtime_error(cmd, "cannot render the results (out of memory?)");
        goto out;
    }
    if (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
        rc = cli_runtime_error(cmd, "write error on standard output");
out:
    pcn_buf_release(&out);
    pcn_results_free(res);
    pcn_snapshot_free(snap);
    pcn_store_close(store);
    return rc;
}

int cmd_query(int argc, char **argv)
{
    struct query_opts o = {0};
    struct pcn_program *p = NULL;
    struct pcn_error err;
    const char *file = NULL;
    int rc = parse_opts("query", argc, argv, &o, &file);

    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    p = pcn_program_new();
    if (!p)
        return cli_runtime_error("query", "out of memory");
    if (!o.no_stdlib)
        rc = load_stdlib("query", p, &o);
    if (rc == CLI_EXIT_OK &&
        pcn_program_load_file(p, file, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        rc = cli_runtime_error("query", "%s", err.msg);
    if (rc == CLI_EXIT_OK && pcn_program_output_count(p) == 0)
        rc = cli_runtime_error("query",
                               "%s defines no register, indicator, score, segment "
                               "or worklist",
                               file);
    if (rc == CLI_EXIT_OK)
        rc = evaluate("query", p, &o);
    pcn_program_free(p);
    return rc;
}

/* pcn report list: kind, name and title of every standard definition. */
static int list_defs(const struct pcn_program *p)
{
    for (size_t i = 0; i < pcn_program_def_count(p); i++) {
        const char *kind = NULL, *name = NULL, *title = NULL;
        if (pcn_program_def_info(p, i, &kind, &name, &title) == PCN_OK)
            printf("%-10s %-20s %s\n", kind, name, title);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : cli_runtime_error("report", "write error");
}

int cmd_report(int argc, char **argv)
{
    struct query_opts o = {0};
    struct pcn_program *p = NULL;
    struct pcn_error err;
    const char *name = NULL;
    int rc = parse_opts("report", argc, argv, &o, &name);

    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;
    p = pcn_program_new();
    if (!p)
        return cli_runtime_error("report", "out of memory");
    rc = load_stdlib("report", p, &o);
    if (rc == CLI_EXIT_OK && name && strcmp(name, "list") == 0) {
        rc = list_defs(p);
        pcn_program_free(p);
        return rc;
    }
    if (rc == CLI_EXIT_OK && name &&
        (strcmp(name, "calibration") == 0 || strcmp(name, "calibration-checks") == 0)) {
        struct cli_calibration_opts co = {o.db,  &o.eval, o.as_of_given,
                                          o.fmt, o.defs,  strcmp(name, "calibration") != 0};
        rc = cli_report_calibration(p, &co);
        pcn_program_free(p);
        return rc;
    }
    if (rc == CLI_EXIT_OK && pcn_program_select(p, name, &err) != PCN_OK)
        rc = cli_usage_error("report", "%s", err.msg);
    if (rc == CLI_EXIT_OK)
        rc = evaluate("report", p, &o);
    pcn_program_free(p);
    return rc;
}
