/*
 * calibration.c - pcn report calibration: the synthetic twin against
 * published figures, measured by the engine. The 21 QOF registers of the
 * standard library by practice against QOF 2024-25, with QOF's
 * denominators (the practice's registered patients of the register's list
 * type: AST 6+, RA 16+, DM 17+, CKD DEP EP NDH OB 18+, OST 50+, the rest
 * all ages) and the generator's one tolerance rule
 * (pcn_gen_register_within(), practices over 5,000 patients); and the
 * checks of docs/generator.md ("Calibration"): practice spread, blood
 * pressure, anticoagulation, care homes, PCAs, ethnicity, code leaks and
 * dm+d, each against its source and range (pcn_gen_check_info()).
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
#include "pcn/paths.h"
#include "pcn/table.h"
#include "pcn/vec.h"
#include "util/common.h"

#define N_DEN 6
#define SPREAD_MIN_DEN 30 /* practice denominators counted in the spread */

/* The QOF list types as engine registers; index = position in den_ages. */
static const int den_ages[N_DEN] = {0, 6, 16, 17, 18, 50};

/* The spread's indicators, in the order of the calibration sink (generate_calib.c). */
static const char *const spread_names[] = {"calib_i_bp_control", "calib_i_bp_5y", "calib_i_smoking",
                                           "calib_i_anticoag",   "calib_i_flu",   "calib_i_hba1c"};
#define N_SPREAD (PCN_ARRAY_SIZE(spread_names))

/* Checks measured as one indicator pooled over the practices (indices into enum pcn_gen_check). */
static const struct {
    int check;
    const char *name;
} pooled[] = {
    {PCN_CHECK_BP_CONTROL, "calib_i_bp_control"},
    {PCN_CHECK_NONHYP_140, "calib_nonhyp_140"},
    {PCN_CHECK_BP_5Y, "calib_i_bp_5y"},
    {PCN_CHECK_SMOKING, "calib_i_smoking"},
    {PCN_CHECK_ANTICOAG, "calib_i_anticoag"},
    {PCN_CHECK_ANTICOAG_TWO, "calib_anticoag_two"},
    {PCN_CHECK_CAREHOME, "calib_carehome"},
    {PCN_CHECK_CAREHOME_YOUNG, "calib_carehome_18_64"},
    {PCN_CHECK_PCA, "calib_pca"},
    {PCN_CHECK_LEAK, "calib_leak"},
    {PCN_CHECK_EFI_MAX, "calib_efi_over_limit"},
    {PCN_CHECK_DMD, "calib_dmd"},
};
#define N_POOLED (PCN_ARRAY_SIZE(pooled))

/* Numerator and denominator. */
struct ratio {
    int64_t num, den;
};

struct calib_row {
    char code[16];
    int64_t on[PCN_REG_COUNT];
    int64_t den[N_DEN];
    struct ratio spread[N_SPREAD];
    struct ratio pooled[N_POOLED];
    int64_t quintile[5];
    int64_t eth_known, eth_white;
};

struct calib {
    const struct pcn_refdata *ref;
    struct pcn_strmap *index; /* practice code -> row */
    struct calib_row *rows;
    size_t n_rows, alloc;
    /* diabetes (17+) and hypertension (18+) by ethnic group: White, Asian, Black */
    struct ratio dm[3], hyp[3];
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

static bool is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
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

/* A CSV line of the engine's results, split: kind, name, group, measure, value. */
struct line {
    const char *f[5];
    size_t len[5];
    const char *practice, *imd, *eth; /* from the group: "practice=X;imd=Q;ethnicity=E" */
    size_t practice_len, imd_len, eth_len;
};

static bool split_line(const char *s, size_t len, struct line *l)
{
    size_t n = 0, start = 0;
    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i <= len && n < 5; i++) {
        if (i == len || s[i] == ',') {
            l->f[n] = s + start;
            l->len[n++] = i - start;
            start = i + 1;
        }
    }
    if (n != 5)
        return false;
    const char *g = l->f[2], *end = g + l->len[2];
    while (g < end) {
        const char *semi = memchr(g, ';', (size_t)(end - g));
        const char *stop = semi ? semi : end, *eq = memchr(g, '=', (size_t)(stop - g));
        if (eq && is(g, (size_t)(eq - g), "practice")) {
            l->practice = eq + 1;
            l->practice_len = (size_t)(stop - eq - 1);
        } else if (eq && is(g, (size_t)(eq - g), "imd")) {
            l->imd = eq + 1;
            l->imd_len = (size_t)(stop - eq - 1);
        } else if (eq && is(g, (size_t)(eq - g), "ethnicity")) {
            l->eth = eq + 1;
            l->eth_len = (size_t)(stop - eq - 1);
        }
        g = stop + 1;
    }
    return true;
}

/* Count v into the numerator or denominator of r by the line's measure. */
static void take_ratio(struct ratio *r, const struct line *l, int64_t v)
{
    if (is(l->f[3], l->len[3], "numerator"))
        r->num = v;
    else if (is(l->f[3], l->len[3], "denominator"))
        r->den = v;
}

/* A by-practice line: registers, denominators, the checks' indicators. */
static void take_practice(struct calib_row *row, const struct line *l, int64_t v)
{
    const char *name = l->f[1];
    size_t len = l->len[1];
    bool count = is(l->f[3], l->len[3], "count");
    if (count && len > 10 && !memcmp(name, "calib_den_", 10)) {
        int64_t age = 0;
        if (pcn_parse_i64(name + 10, len - 10, &age) == PCN_OK)
            row->den[den_index((int)age)] = v;
        return;
    }
    for (size_t i = 0; i < N_SPREAD; i++)
        if (is(name, len, spread_names[i]))
            take_ratio(&row->spread[i], l, v);
    for (size_t i = 0; i < N_POOLED; i++)
        if (is(name, len, pooled[i].name))
            take_ratio(&row->pooled[i], l, v);
    int r = count && len > 8 && !memcmp(name, "calib_r_", 8) ? reg_index(name + 8, len - 8) : -1;
    if (r >= 0)
        row->on[r] = v;
}

/* White, Asian, Black (the engine's ethnicity names); -1 otherwise. */
static int eth_class(const char *s, size_t len)
{
    return is(s, len, "White") ? 0 : is(s, len, "Asian") ? 1 : is(s, len, "Black") ? 2 : -1;
}

/*
 * A line of the segment calib_dm_hyp by practice and ethnicity or IMD
 * quintile: its labels split the population by age, diabetes and
 * hypertension (defs/calibration/twin.pcn).
 */
static void take_group(struct calib *c, struct calib_row *row, const struct line *l, int64_t v)
{
    const char *m = l->f[3];
    size_t len = l->len[3];
    if (!is(l->f[1], l->len[1], "calib_dm_hyp") || is(m, len, "population") || is(m, len, "(none)"))
        return;
    if (l->imd) {
        int64_t q = 0;
        if (pcn_parse_i64(l->imd, l->imd_len, &q) == PCN_OK && q >= 1 && q <= 5)
            row->quintile[q - 1] += v;
        return;
    }
    if (!l->eth)
        return;
    int e = eth_class(l->eth, l->eth_len);
    row->eth_known += is(l->eth, l->eth_len, "Unknown") ? 0 : v;
    row->eth_white += e == 0 ? v : 0;
    if (e < 0)
        return;
    bool dm = is(m, len, "dm_hyp") || is(m, len, "dm_18") || is(m, len, "dm_17");
    bool hyp = is(m, len, "dm_hyp") || is(m, len, "hyp_18");
    bool adult = dm || hyp || is(m, len, "18");
    c->dm[e].den += !is(m, len, "child") ? v : 0;
    c->dm[e].num += dm ? v : 0;
    c->hyp[e].den += adult && !is(m, len, "dm_17") ? v : 0;
    c->hyp[e].num += hyp ? v : 0;
}

static enum pcn_err take_line(struct calib *c, const char *s, size_t len)
{
    struct line l;
    int64_t v = 0;

    if (!split_line(s, len, &l) || !l.practice || l.practice_len == 0 ||
        pcn_parse_i64(l.f[4], l.len[4], &v) != PCN_OK)
        return PCN_OK; /* header, totals, percentages and means */
    struct calib_row *row = row_of(c, l.practice, l.practice_len);
    if (!row)
        return PCN_ENOMEM;
    if (l.imd || l.eth)
        take_group(c, row, &l, v);
    else
        take_practice(row, &l, v);
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

/* One row of the registers table. */
static enum pcn_err register_row(struct pcn_table *t, const struct calib_row *row, int r,
                                 double ours, double qof, const char *within)
{
    enum pcn_err rc = pcn_table_add_row(t);
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
        rc = pcn_table_set_text(t, 6, within);
    return rc;
}

/* Fill t with one row per practice and register; count those outside tolerance. */
static enum pcn_err compare(struct calib *c, bool all, struct pcn_table *t, size_t *ret_checked,
                            size_t *ret_bad)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < c->n_rows && rc == PCN_OK; i++) {
        const struct calib_row *row = &c->rows[i];
        bool checked = row->den[0] > PCN_GEN_CALIB_MIN_LIST;
        for (int r = 0; r < PCN_REG_COUNT && rc == PCN_OK; r++) {
            double qof = 0;
            int64_t den = row->den[den_index(pcn_gen_register_min_age(r))];
            if (pcn_refdata_qof_prevalence(c->ref, row->code, r, &qof) != PCN_OK || den == 0)
                continue;
            double ours = (double)row->on[r] / (double)den;
            bool within = pcn_gen_register_within(qof, ours);
            *ret_checked += checked;
            *ret_bad += checked && !within;
            if (!all && (within || !checked))
                continue;
            rc = register_row(t, row, r, ours, qof,
                              !checked ? "not checked"
                              : within ? "yes"
                                       : "NO");
        }
    }
    return rc;
}

/* The spread: every practice's six indicators, grouped by the reference data's networks. */
static struct pcn_gen_check_value spread(const struct calib *c)
{
    struct pcn_gen_check_value v = {0, 0};
    struct pcn_gen_spread_cell *cells = pcn_calloc(c->n_rows * N_SPREAD + 1, sizeof(*cells));
    size_t k = 0;
    if (!cells)
        return v;
    for (size_t i = 0; i < c->n_rows; i++)
        for (size_t s = 0; s < N_SPREAD; s++) {
            cells[k].network = pcn_refdata_practice_network(c->ref, c->rows[i].code);
            cells[k].indicator = (int)s;
            cells[k].num = c->rows[i].spread[s].num;
            cells[k++].den = c->rows[i].spread[s].den;
        }
    v = pcn_gen_spread(cells, k);
    pcn_free(cells);
    return v;
}

static struct pcn_gen_check_value rate_ratio(const struct ratio *a, const struct ratio *b)
{
    struct pcn_gen_check_value v = {0, 0};
    if (a->den && b->den && b->num) {
        v.value = ((double)a->num / (double)a->den) / ((double)b->num / (double)b->den);
        v.n = (double)PCN_MIN(a->den, b->den);
    }
    return v;
}

/* Every check's value from the rows (docs/generator.md, "Calibration"). */
static void measure(const struct calib *c, struct pcn_gen_check_value v[PCN_CHECK_COUNT])
{
    double known = 0, white = 0, expected = 0;
    memset(v, 0, sizeof(v[0]) * PCN_CHECK_COUNT);
    v[PCN_CHECK_SPREAD] = spread(c);
    for (size_t k = 0; k < N_POOLED; k++) {
        struct ratio sum = {0, 0};
        for (size_t i = 0; i < c->n_rows; i++) {
            sum.num += c->rows[i].pooled[k].num;
            sum.den += c->rows[i].pooled[k].den;
        }
        v[pooled[k].check] = pcn_gen_check_ratio(pooled[k].check, sum.num, sum.den);
    }
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct calib_row *row = &c->rows[i];
        double e = pcn_gen_expected_white(c->ref, row->code, row->quintile);
        if (e < 0 || row->eth_known == 0)
            continue;
        known += (double)row->eth_known;
        white += (double)row->eth_white;
        expected += e * (double)row->eth_known;
    }
    v[PCN_CHECK_ETHNICITY].value = known > 0 ? 100 * (white - expected) / known : 0;
    v[PCN_CHECK_ETHNICITY].n = known;
    v[PCN_CHECK_DM_ASIAN] = rate_ratio(&c->dm[1], &c->dm[0]);
    v[PCN_CHECK_HYP_BLACK] = rate_ratio(&c->hyp[2], &c->hyp[0]);
}

/* One row of the checks table; counts a check that applies and misses its range. */
static enum pcn_err check_row(struct pcn_table *t, const struct pcn_gen_check_info *info,
                              const struct pcn_gen_check_value *v, size_t *ret_bad)
{
    bool applies = v->n >= info->min_n && v->n > 0;
    bool within = pcn_gen_check_within(info, v->value);
    char range[64];
    *ret_bad += applies && !within;
    (void)snprintf(range, sizeof(range), "%g..%g", info->lo, info->hi);
    enum pcn_err rc = pcn_table_add_row(t);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, info->name);
    if (rc == PCN_OK)
        rc = applies ? pcn_table_set_number(t, 1, round(100 * v->value) / 100) : PCN_OK;
    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 2, (int64_t)v->n);
    if (rc == PCN_OK)
        rc = pcn_table_set_number(t, 3, round(100 * info->published) / 100);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 4, range);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 5, !applies ? "not checked" : within ? "yes" : "NO");
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 6, info->source);
    return rc;
}

static enum pcn_err checks_table(const struct calib *c, struct pcn_table *t, size_t *ret_bad)
{
    struct pcn_gen_check_value v[PCN_CHECK_COUNT];
    enum pcn_err rc = PCN_OK;
    measure(c, v);
    for (int k = 0; k < PCN_CHECK_COUNT && rc == PCN_OK; k++) {
        struct pcn_gen_check_info info;
        rc = pcn_gen_check_info(c->ref, k, v[k].n, &info);
        if (rc == PCN_OK)
            rc = check_row(t, &info, &v[k], ret_bad);
    }
    return rc;
}

/* Evaluate with the given breakdown and append the results as CSV. */
static int eval_into(struct pcn_program *p, const struct pcn_snapshot *snap,
                     const struct pcn_eval_options *base, unsigned by, struct pcn_buf *out)
{
    struct pcn_results *res = NULL;
    struct pcn_error err;
    struct pcn_eval_options eval = *base;
    int rc = CLI_EXIT_OK;

    eval.by = by;
    eval.suppress = 0;
    if (pcn_program_eval(p, snap, &eval, &res, &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    else if (pcn_results_render(res, PCN_FORMAT_CSV, out) != PCN_OK)
        rc = cli_runtime_error("report", "cannot render the results (out of memory?)");
    pcn_results_free(res);
    return rc;
}

/*
 * The calibration definitions by practice, then the segment calib_dm_hyp by
 * practice and ethnicity and by practice and IMD quintile, as CSV text.
 */
static int eval_csv(struct pcn_program *p, const struct cli_calibration_opts *o,
                    struct pcn_buf *out)
{
    struct pcn_store *store = NULL;
    struct pcn_snapshot *snap = NULL;
    struct pcn_error err;
    struct pcn_eval_options eval = *o->eval;
    int rc = cli_open_store("report", o->db, PCN_STORE_FLAG_READONLY, &store);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (pcn_snapshot_from_store(store, &snap, &err) != PCN_OK) {
        rc = cli_runtime_error("report", "%s", err.msg);
        goto out;
    }
    if (!o->as_of_given)
        rc = cli_default_as_of("report", store, &eval.as_of);
    if (rc == CLI_EXIT_OK)
        rc = eval_into(p, snap, &eval, PCN_BY_PRACTICE, out);
    if (rc == CLI_EXIT_OK && pcn_program_select(p, "calib_dm_hyp", &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    if (rc == CLI_EXIT_OK)
        rc = eval_into(p, snap, &eval, PCN_BY_PRACTICE | PCN_BY_ETHNICITY, out);
    if (rc == CLI_EXIT_OK)
        rc = eval_into(p, snap, &eval, PCN_BY_PRACTICE | PCN_BY_IMD, out);
out:
    pcn_snapshot_free(snap);
    pcn_store_close(store);
    return rc;
}

/* Compile defs/calibration/twin.pcn (in the standard library's directory) as the outputs. */
static int load_twin_defs(struct pcn_program *p, const struct cli_calibration_opts *o)
{
    char path[4096];
    struct pcn_error err;
    int n = o->defs ? snprintf(path, sizeof(path), "%s/calibration/twin.pcn", o->defs) : 0;

    if (n < 0 || (size_t)n >= sizeof(path) ||
        (!o->defs && pcn_data_path("defs/calibration/twin.pcn", path, sizeof(path)) != PCN_OK))
        return cli_runtime_error("report", "data directory path too long");
    if (pcn_program_load_file(p, path, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        return cli_runtime_error("report", "%s", err.msg);
    return CLI_EXIT_OK;
}

/* The registers and the checks as tables (t: registers, k: checks), counting the misses. */
static int build_tables(struct calib *c, const struct cli_calibration_opts *o, struct pcn_table **t,
                        struct pcn_table **k, size_t *checked, size_t *bad, size_t *bad_checks)
{
    static const char *const names[] = {"practice", "register",    "patients", "count",
                                        "percent",  "qof_percent", "within"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT,   PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_NUMBER, PCN_COL_NUMBER,
                                              PCN_COL_TEXT};
    static const char *const knames[] = {"check", "value",  "n",     "published",
                                         "range", "within", "source"};
    static const enum pcn_col_type ktypes[] = {PCN_COL_TEXT,   PCN_COL_NUMBER, PCN_COL_INT,
                                               PCN_COL_NUMBER, PCN_COL_TEXT,   PCN_COL_TEXT,
                                               PCN_COL_TEXT};

    *t = pcn_table_new("calibration", PCN_ARRAY_SIZE(names), names, types);
    *k = pcn_table_new("calibration_checks", PCN_ARRAY_SIZE(knames), knames, ktypes);
    if (!*t || !*k)
        return cli_runtime_error("report", "out of memory");
    if (c->n_rows > 1)
        qsort(c->rows, c->n_rows, sizeof(c->rows[0]), cmp_rows);
    if (compare(c, o->fmt != PCN_FORMAT_TABLE, *t, checked, bad) != PCN_OK ||
        checks_table(c, *k, bad_checks) != PCN_OK)
        return cli_runtime_error("report", "out of memory");
    return CLI_EXIT_OK;
}

/* Print what the report name asks for; the summary lines in table format. */
static int print_report(const struct cli_calibration_opts *o, const struct pcn_table *t,
                        const struct pcn_table *k, size_t checked, size_t bad, size_t bad_checks)
{
    int rc = CLI_EXIT_OK;
    bool table = o->fmt == PCN_FORMAT_TABLE;

    if (!o->checks_only && (!table || pcn_table_rows(t) > 0))
        rc = cli_print_table("report", t, o->fmt);
    if (rc == CLI_EXIT_OK && (o->checks_only || table))
        rc = cli_print_table("report", k, o->fmt);
    if (rc == CLI_EXIT_OK && table) {
        printf("%zu of %zu practice-registers within 10%% or 0.3 points of QOF 2024-25 "
               "(practices over %d patients)\n",
               checked - bad, checked, PCN_GEN_CALIB_MIN_LIST);
        printf("%zu checks outside their published range\n", bad_checks);
    }
    return rc;
}

int cli_report_calibration(struct pcn_program *p, const struct cli_calibration_opts *o)
{
    struct calib c = {0};
    struct pcn_refdata *ref = NULL;
    struct pcn_table *t = NULL, *k = NULL;
    struct pcn_buf csv = PCN_BUF_INIT;
    struct pcn_error err;
    size_t checked = 0, bad = 0, bad_checks = 0;
    int rc = load_twin_defs(p, o);

    pcn_buf_init(&csv, (size_t)1 << 30);
    if (rc == CLI_EXIT_OK && pcn_refdata_load(NULL, &ref, &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    if (rc == CLI_EXIT_OK)
        rc = eval_csv(p, o, &csv);
    if (rc != CLI_EXIT_OK)
        goto out;
    c.ref = ref;
    c.index = pcn_strmap_new();
    if (!c.index || take_csv(&c, &csv) != PCN_OK) {
        rc = cli_runtime_error("report", "out of memory");
        goto out;
    }
    rc = build_tables(&c, o, &t, &k, &checked, &bad, &bad_checks);
    if (rc == CLI_EXIT_OK)
        rc = print_report(o, t, k, checked, bad, bad_checks);
    if (rc == CLI_EXIT_OK && (bad > 0 || bad_checks > 0))
        rc = CLI_EXIT_RUNTIME;
out:
    pcn_table_free(t);
    pcn_table_free(k);
    pcn_strmap_free(c.index);
    pcn_free(c.rows);
    pcn_buf_release(&csv);
    pcn_refdata_free(ref);
    return rc;
}
