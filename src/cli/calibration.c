/*
 * calibration.c - pcn report calibration: the synthetic twin against
 * published figures, measured by the engine. The 21 QOF registers of the
 * standard library by practice against QOF 2024-25, with QOF's
 * denominators (the practice's registered patients of the register's list
 * type: AST 6+, RA 16+, DM 17+, CKD DEP EP NDH OB 18+, OST 50+, the rest
 * all ages) and the generator's one tolerance rule
 * (pcn_gen_register_within(), practices over 5,000 patients); and the
 * checks of docs/generator.md ("Calibration"): practice spread, blood
 * pressure, anticoagulation, care homes, PCAs, ethnicity, code leaks,
 * dm+d and appointments, each against its source and range
 * (pcn_gen_check_info()). The values are read from the engine's typed
 * results (pcn_group_value()), not its rendered output.
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

/*
 * Scores whose values are summed over the practices (mean x population):
 * appointments in 12 months, of them with a GP, face to face, not attended,
 * within two weeks; the usual provider of care index of people with 3+
 * GP appointments.
 */
enum { SUM_APPTS, SUM_GP, SUM_F2F, SUM_DNA, SUM_2W, SUM_UPC, N_SUMS };
static const char *const sum_names[N_SUMS] = {"calib_appts",     "calib_appts_gp",
                                              "calib_appts_f2f", "calib_appts_dna",
                                              "calib_appts_2w",  "calib_continuity"};

/* Numerator and denominator. */
struct ratio {
    int64_t num, den;
};

/* A score of one practice: its population and mean. */
struct sum {
    int64_t n;
    double mean;
};

struct calib_row {
    char code[16];
    int64_t on[PCN_REG_COUNT];
    int64_t den[N_DEN];
    struct ratio spread[N_SPREAD];
    struct ratio pooled[N_POOLED];
    struct sum sums[N_SUMS];
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

/* One value of the engine's results: definition, its group's keys, measure and value. */
struct line {
    const char *name, *measure;
    const char *practice, *imd, *eth; /* the group's keys; NULL when not broken down by it */
    double value;
};

static bool eq(const char *s, const char *word)
{
    return s && strcmp(s, word) == 0;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int64_t whole(double v)
{
    return (int64_t)llround(v);
}

/* Count v into the numerator or denominator of r by the line's measure. */
static void take_ratio(struct ratio *r, const struct line *l)
{
    if (eq(l->measure, "numerator"))
        r->num = whole(l->value);
    else if (eq(l->measure, "denominator"))
        r->den = whole(l->value);
}

/* A score's population and mean: the sum of its values over the population. */
static void take_sum(struct sum *m, const struct line *l)
{
    if (eq(l->measure, "population"))
        m->n = whole(l->value);
    else if (eq(l->measure, "mean"))
        m->mean = l->value;
}

/* A by-practice value: registers, denominators, the checks' indicators and sums. */
static void take_practice(struct calib_row *row, const struct line *l)
{
    const char *name = l->name;
    bool count = eq(l->measure, "count");
    if (count && starts(name, "calib_den_")) {
        int64_t age = 0;
        if (pcn_parse_i64(name + 10, strlen(name + 10), &age) == PCN_OK)
            row->den[den_index((int)age)] = whole(l->value);
        return;
    }
    for (size_t i = 0; i < N_SPREAD; i++)
        if (eq(name, spread_names[i]))
            take_ratio(&row->spread[i], l);
    for (size_t i = 0; i < N_POOLED; i++)
        if (eq(name, pooled[i].name))
            take_ratio(&row->pooled[i], l);
    for (size_t i = 0; i < N_SUMS; i++)
        if (eq(name, sum_names[i]))
            take_sum(&row->sums[i], l);
    int r = count && starts(name, "calib_r_") ? reg_index(name + 8, strlen(name + 8)) : -1;
    if (r >= 0)
        row->on[r] = whole(l->value);
}

/* White, Asian, Black (the engine's ethnicity names); -1 otherwise. */
static int eth_class(const char *s)
{
    return eq(s, "White") ? 0 : eq(s, "Asian") ? 1 : eq(s, "Black") ? 2 : -1;
}

/*
 * A value of the segment calib_dm_hyp by practice and ethnicity or IMD
 * quintile: its labels split the population by age, diabetes and
 * hypertension (defs/calibration/twin.pcn).
 */
static void take_group(struct calib *c, struct calib_row *row, const struct line *l)
{
    const char *m = l->measure;
    int64_t v = whole(l->value);
    if (!eq(l->name, "calib_dm_hyp") || eq(m, "population") || eq(m, "(none)"))
        return;
    if (l->imd) {
        int64_t q = 0;
        if (pcn_parse_i64(l->imd, strlen(l->imd), &q) == PCN_OK && q >= 1 && q <= 5)
            row->quintile[q - 1] += v;
        return;
    }
    if (!l->eth)
        return;
    int e = eth_class(l->eth);
    row->eth_known += eq(l->eth, "Unknown") ? 0 : v;
    row->eth_white += e == 0 ? v : 0;
    if (e < 0)
        return;
    bool dm = eq(m, "dm_hyp") || eq(m, "dm_18") || eq(m, "dm_17");
    bool hyp = eq(m, "dm_hyp") || eq(m, "hyp_18");
    bool adult = dm || hyp || eq(m, "18");
    c->dm[e].den += !eq(m, "child") ? v : 0;
    c->dm[e].num += dm ? v : 0;
    c->hyp[e].den += adult && !eq(m, "dm_17") ? v : 0;
    c->hyp[e].num += hyp ? v : 0;
}

static enum pcn_err take_line(struct calib *c, const struct line *l)
{
    if (!l->practice || !l->practice[0])
        return PCN_OK;
    struct calib_row *row = row_of(c, l->practice, strlen(l->practice));
    if (!row)
        return PCN_ENOMEM;
    if (l->imd || l->eth)
        take_group(c, row, l);
    else
        take_practice(row, l);
    return PCN_OK;
}

/* Every value of every aggregate result, group by group (the engine's typed results). */
static enum pcn_err take_results(struct calib *c, const struct pcn_results *r)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < pcn_results_count(r) && rc == PCN_OK; i++) {
        const struct pcn_result *res = pcn_results_at(r, i);
        struct pcn_group_iter it;
        pcn_group_iter_init(&it, r, res);
        while (rc == PCN_OK && pcn_group_iter_next(&it)) {
            if (pcn_group_is_total(&it))
                continue;
            struct line l = {.name = pcn_result_name(res),
                             .practice = pcn_group_key(&it, PCN_BY_PRACTICE),
                             .imd = pcn_group_key(&it, PCN_BY_IMD),
                             .eth = pcn_group_key(&it, PCN_BY_ETHNICITY)};
            for (size_t m = 0; m < pcn_result_measure_count(res) && rc == PCN_OK; m++) {
                l.measure = pcn_result_measure_name(r, res, m);
                if (pcn_group_value(&it, m, &l.value) == PCN_OK)
                    rc = take_line(c, &l);
            }
        }
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

/* The appointment checks: the scores' sums over the practices. */
static void appointments(const struct calib *c, struct pcn_gen_check_value v[PCN_CHECK_COUNT])
{
    static const int share_of_appts[] = {PCN_CHECK_APPT_GP, PCN_CHECK_APPT_F2F, PCN_CHECK_APPT_DNA,
                                         PCN_CHECK_APPT_2W};
    double total[N_SUMS] = {0}, people = 0, upc_people = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        for (int k = 0; k < N_SUMS; k++)
            total[k] += (double)whole(c->rows[i].sums[k].mean * (double)c->rows[i].sums[k].n);
        people += (double)c->rows[i].sums[SUM_APPTS].n;
        upc_people += (double)c->rows[i].sums[SUM_UPC].n;
    }
    v[PCN_CHECK_APPOINTMENTS] =
        pcn_gen_check_ratio(PCN_CHECK_APPOINTMENTS, (int64_t)total[SUM_APPTS], (int64_t)people);
    for (size_t k = 0; k < PCN_ARRAY_SIZE(share_of_appts); k++)
        v[share_of_appts[k]] = pcn_gen_check_ratio(share_of_appts[k], (int64_t)total[SUM_GP + k],
                                                   (int64_t)total[SUM_APPTS]);
    /* the index's sum is not a whole number: summed from each practice's mean x population */
    double upc = 0;
    for (size_t i = 0; i < c->n_rows; i++)
        upc += c->rows[i].sums[SUM_UPC].mean * (double)c->rows[i].sums[SUM_UPC].n;
    v[PCN_CHECK_CONTINUITY].value = upc_people > 0 ? 100 * upc / upc_people : 0;
    v[PCN_CHECK_CONTINUITY].n = upc_people;
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
    appointments(c, v);
}

/* One row of the checks table; counts a check that applies and misses its range. */
static enum pcn_err check_row(struct pcn_table *t, const struct pcn_gen_check_info *info,
                              const struct pcn_gen_check_value *v, size_t *ret_bad)
{
    bool applies = pcn_gen_check_applies(info, v->n);
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

/* Evaluate the selection (NULL: the twin's definitions) by the breakdown and take the values. */
static int eval_into(struct calib *c, const struct pcn_program *p, const struct pcn_snapshot *snap,
                     const struct pcn_eval_options *base, unsigned by, const char *select)
{
    struct pcn_results *res = NULL;
    struct pcn_error err;
    struct pcn_eval_options eval = *base;
    int rc = CLI_EXIT_OK;

    eval.by = by;
    eval.suppress = 0;
    eval.select = select ? &select : NULL;
    eval.n_select = select ? 1 : 0;
    if (pcn_program_eval(p, snap, &eval, &res, &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    else if (take_results(c, res) != PCN_OK)
        rc = cli_runtime_error("report", "out of memory");
    pcn_results_free(res);
    return rc;
}

/*
 * The calibration definitions by practice, then the segment calib_dm_hyp by
 * practice and ethnicity and by practice and IMD quintile.
 */
static int evaluate(struct calib *c, const struct pcn_program *p,
                    const struct cli_calibration_opts *o)
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
        rc = eval_into(c, p, snap, &eval, PCN_BY_PRACTICE, NULL);
    if (rc == CLI_EXIT_OK)
        rc = eval_into(c, p, snap, &eval, PCN_BY_PRACTICE | PCN_BY_ETHNICITY, "calib_dm_hyp");
    if (rc == CLI_EXIT_OK)
        rc = eval_into(c, p, snap, &eval, PCN_BY_PRACTICE | PCN_BY_IMD, "calib_dm_hyp");
out:
    pcn_snapshot_free(snap);
    pcn_store_close(store);
    return rc;
}

/*
 * Compile defs/calibration/twin.pcn (in the standard library's directory) as
 * the outputs; its code list paths are relative to the library's folder.
 */
static int load_twin_defs(struct pcn_program *p, const struct cli_calibration_opts *o)
{
    char path[4096], dir[4096];
    struct pcn_error err;
    int n = o->defs ? snprintf(path, sizeof(path), "%s/calibration/twin.pcn", o->defs) : 0;
    int m = o->defs ? snprintf(dir, sizeof(dir), "%s", o->defs) : 0;

    if (n < 0 || (size_t)n >= sizeof(path) || m < 0 || (size_t)m >= sizeof(dir) ||
        (!o->defs && (pcn_data_path("defs/calibration/twin.pcn", path, sizeof(path)) != PCN_OK ||
                      pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)))
        return cli_runtime_error("report", "data directory path too long");
    if (pcn_program_load_file_in(p, path, dir, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
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
        printf("%zu of %zu practice-registers within %g%% or %g points of QOF 2024-25 "
               "(practices over %d patients)\n",
               checked - bad, checked, 100 * PCN_GEN_CALIB_REL_TOL, 100 * PCN_GEN_CALIB_ABS_TOL,
               PCN_GEN_CALIB_MIN_LIST);
        printf("%zu checks outside their published range\n", bad_checks);
    }
    return rc;
}

int cli_report_calibration(struct pcn_program *p, const struct cli_calibration_opts *o)
{
    struct calib c = {0};
    struct pcn_refdata *ref = NULL;
    struct pcn_table *t = NULL, *k = NULL;
    struct pcn_error err;
    size_t checked = 0, bad = 0, bad_checks = 0;
    int rc = load_twin_defs(p, o);

    if (rc == CLI_EXIT_OK && pcn_refdata_load(NULL, &ref, &err) != PCN_OK)
        rc = cli_runtime_error("report", "%s", err.msg);
    c.ref = ref;
    c.index = pcn_strmap_new();
    if (rc == CLI_EXIT_OK && !c.index)
        rc = cli_runtime_error("report", "out of memory");
    if (rc == CLI_EXIT_OK)
        rc = evaluate(&c, p, o);
    if (rc != CLI_EXIT_OK)
        goto out;
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
    pcn_refdata_free(ref);
    return rc;
}
