/*
 * calibration.c - pcn report calibration: the 21 QOF registers of the
 * standard library, evaluated by the engine per practice, against QOF
 * 2024-25 (data/reference/qof_prevalence_2425.csv). Prevalence uses QOF's
 * denominators: the practice's registered patients of the register's list
 * type (AST 6+, RA 16+, DM 17+, CKD DEP EP NDH OB 18+, OST 50+, the rest
 * all ages), counted by the engine on the same date. The check of issue 4:
 * within 10% relative or 0.3 percentage points, whichever is larger, for
 * practices over 5,000 patients (docs/generator.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/generate.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/table.h"
#include "pcn/vec.h"
#include "util/common.h"

#define CALIB_MIN_LIST 5000
#define N_DEN 6

/* The QOF list types as engine registers; index = position in den_ages. */
static const int den_ages[N_DEN] = {0, 6, 16, 17, 18, 50};
static const char den_defs[] = "register calib_den_0 = true\n"
                               "register calib_den_6 = age >= 6\n"
                               "register calib_den_16 = age >= 16\n"
                               "register calib_den_17 = age >= 17\n"
                               "register calib_den_18 = age >= 18\n"
                               "register calib_den_50 = age >= 50\n";

struct calib_row {
    char code[16];
    int64_t on[PCN_REG_COUNT];
    int64_t den[N_DEN];
};

struct calib {
    struct pcn_strmap *index; /* practice code -> row */
    struct calib_row *rows;
    size_t n_rows, alloc;
};

static int den_index(int age)
{
    for (int i = 0; i < N_DEN; i++)
        if (den_ages[i] == age)
            return i;
    return 0;
}

static int reg_index(const char *name, size_t len)
{
    for (int r = 0; r < PCN_REG_COUNT; r++) {
        const char *qof = pcn_gen_register_name(r);
        if (strlen(qof) == len && !strncasecmp(qof, name, len))
            return r;
    }
    return -1;
}

/* The row of a practice, added on first sight; NULL on ENOMEM. */
static struct calib_row *row_of(struct calib *c, const char *code, size_t len)
{
    uint64_t idx = 0;
    int added = 0;

    if (len >= sizeof(c->rows[0].code) ||
        pcn_strmap_intern(c->index, code, len, c->n_rows, &idx, &added) != PCN_OK)
        return NULL;
    if (added) {
        if (PCN_GROW(c->rows, c->n_rows + 1, c->alloc) != PCN_OK)
            return NULL;
        memset(&c->rows[c->n_rows], 0, sizeof(c->rows[0]));
        memcpy(c->rows[c->n_rows].code, code, len);
        c->n_rows++;
    }
    return &c->rows[idx];
}

/*
 * One line of the engine's CSV: register,NAME,practice=CODE,count,VALUE.
 * Other lines (totals, population, percent) are skipped.
 */
static enum pcn_err take_line(struct calib *c, const char *s, size_t len)
{
    const char *f[5];
    size_t fl[5], n = 0, start = 0;
    int64_t v = 0;

    for (size_t i = 0; i <= len && n < 5; i++) {
        if (i == len || s[i] == ',') {
            f[n] = s + start;
            fl[n++] = i - start;
            start = i + 1;
        }
    }
    if (n != 5 || fl[0] != 8 || memcmp(f[0], "register", 8) != 0 || fl[3] != 5 ||
        memcmp(f[3], "count", 5) != 0 || fl[2] <= 9 || memcmp(f[2], "practice=", 9) != 0)
        return PCN_OK;
    if (pcn_parse_i64(f[4], fl[4], &v) != PCN_OK)
        return PCN_EPARSE;
    struct calib_row *row = row_of(c, f[2] + 9, fl[2] - 9);
    if (!row)
        return PCN_ENOMEM;
    if (fl[1] > 10 && !memcmp(f[1], "calib_den_", 10)) {
        int64_t age = 0;
        if (pcn_parse_i64(f[1] + 10, fl[1] - 10, &age) == PCN_OK)
            row->den[den_index((int)age)] = v;
        return PCN_OK;
    }
    int r = reg_index(f[1], fl[1]);
    if (r >= 0)
        row->on[r] = v;
    return PCN_OK;
}

static enum pcn_err take_csv(struct calib *c, const struct pcn_buf *csv)
{
    enum pcn_err rc = PCN_OK;
    size_t start = 0;

    for (size_t i = 0; i < csv->len && rc == PCN_OK; i++) {
        if (csv->buf[i] != '\n')
            continue;
        rc = take_line(c, csv->buf + start, i - start);
        start = i + 1;
    }
    return rc;
}

static int cmp_rows(const void *a, const void *b)
{
    return strcmp(((const struct calib_row *)a)->code, ((const struct calib_row *)b)->code);
}

/* Fill t with one row per practice and register; count those outside tolerance. */
static enum pcn_err compare(struct calib *c, const struct pcn_refdata *ref, bool all,
                            struct pcn_table *t, size_t *ret_checked, size_t *ret_bad)
{
    enum pcn_err rc = PCN_OK;

    if (c->n_rows > 1)
        qsort(c->rows, c->n_rows, sizeof(c->rows[0]), cmp_rows);
    for (size_t i = 0; i < c->n_rows && rc == PCN_OK; i++) {
        const struct calib_row *row = &c->rows[i];
        bool checked = row->den[0] > CALIB_MIN_LIST;
        for (int r = 0; r < PCN_REG_COUNT && rc == PCN_OK; r++) {
            double qof = 0;
            int64_t den = row->den[den_index(pcn_gen_register_min_age(r))];
            if (pcn_refdata_qof_prevalence(ref, row->code, r, &qof) != PCN_OK || den == 0)
                continue;
            double ours = (double)row->on[r] / (double)den;
            double tol = PCN_MAX(0.10 * qof, 0.003);
            bool within = ours - qof <= tol && qof - ours <= tol;
            *ret_checked += checked;
            *ret_bad += checked && !within;
            if (!all && (within || !checked))
                continue;
            rc = pcn_table_add_row(t);
            if (rc == PCN_OK)
                rc = pcn_table_set_text(t, 0, row->code);
            if (rc == PCN_OK)
                rc = pcn_table_set_text(t, 1, pcn_gen_register_name(r));
            if (rc == PCN_OK)
                rc = pcn_table_set_int(t, 2, row->den[0]);
            if (rc == PCN_OK)
                rc = pcn_table_set_int(t, 3, row->on[r]);
            if (rc == PCN_OK)
                rc = pcn_table_set_number(t, 4, round(10000 * ours) / 100);
            if (rc == PCN_OK)
                rc = pcn_table_set_number(t, 5, round(10000 * qof) / 100);
            if (rc == PCN_OK)
                rc = pcn_table_set_text(t, 6, !checked ? "not checked" : within ? "yes" : "NO");
        }
    }
    return rc;
}

/* Evaluate the registers and the denominators by practice into CSV text. */
static int eval_csv(struct pcn_program *p, const struct cli_calibration_opts *o,
                    struct pcn_buf *out)
{
    struct pcn_store *store = NULL;
    struct pcn_snapshot *snap = NULL;
    struct pcn_results *res = NULL;
    struct pcn_error err;
    struct pcn_eval_options eval = *o->eval;
    int rc = cli_open_store("report", o->db, PCN_STORE_FLAG_READONLY, &store);

    if (rc != CLI_EXIT_OK)
        return rc;
    eval.by = PCN_BY_PRACTICE;
    eval.suppress = 0;
    if (pcn_snapshot_from_store(store, &snap, &err) != PCN_OK) {
        rc = cli_runtime_error("report", "%s", err.msg);
        goto out;
    }
    if (!o->as_of_given)
        rc = cli_default_as_of("report", store, &eval.as_of);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (pcn_program_eval(p, snap, &eval, &res, &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    else if (pcn_results_render(res, PCN_FORMAT_CSV, out) != PCN_OK)
        rc = cli_runtime_error("report", "cannot render the results (out of memory?)");
out:
    pcn_results_free(res);
    pcn_snapshot_free(snap);
    pcn_store_close(store);
    return rc;
}

int cli_report_calibration(struct pcn_program *p, const struct cli_calibration_opts *o)
{
    static const char *const names[] = {"practice", "register",    "patients", "count",
                                        "percent",  "qof_percent", "within"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT,   PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_NUMBER, PCN_COL_NUMBER,
                                              PCN_COL_TEXT};
    struct calib c = {0};
    struct pcn_refdata *ref = NULL;
    struct pcn_table *t = NULL;
    struct pcn_buf csv = PCN_BUF_INIT;
    struct pcn_error err;
    size_t checked = 0, bad = 0;
    int rc = CLI_EXIT_OK;

    pcn_buf_init(&csv, (size_t)1 << 30);
    if (pcn_program_load_string(p, "calibration", den_defs, sizeof(den_defs) - 1, NULL, 0, &err) !=
            PCN_OK ||
        pcn_program_select(p, "registers", &err) != PCN_OK) {
        rc = cli_runtime_error("report", "%s", err.msg);
        goto out;
    }
    if (pcn_refdata_load(NULL, &ref, &err) != PCN_OK) {
        rc = cli_runtime_error("report", "%s", err.msg);
        goto out;
    }
    rc = eval_csv(p, o, &csv);
    if (rc != CLI_EXIT_OK)
        goto out;
    c.index = pcn_strmap_new();
    t = pcn_table_new("calibration", PCN_ARRAY_SIZE(names), names, types);
    if (!c.index || !t || take_csv(&c, &csv) != PCN_OK ||
        compare(&c, ref, o->fmt != PCN_FORMAT_TABLE, t, &checked, &bad) != PCN_OK) {
        rc = cli_runtime_error("report", "out of memory");
        goto out;
    }
    if (o->fmt != PCN_FORMAT_TABLE || pcn_table_rows(t) > 0)
        rc = cli_print_table("report", t, o->fmt);
    if (rc == CLI_EXIT_OK && o->fmt == PCN_FORMAT_TABLE)
        printf("%zu of %zu practice-registers within 10%% or 0.3 points of QOF 2024-25 "
               "(practices over %d patients)\n",
               checked - bad, checked, CALIB_MIN_LIST);
    if (rc == CLI_EXIT_OK && bad > 0)
        rc = CLI_EXIT_RUNTIME;
out:
    pcn_table_free(t);
    pcn_strmap_free(c.index);
    pcn_free(c.rows);
    pcn_buf_release(&csv);
    pcn_refdata_free(ref);
    return rc;
}
