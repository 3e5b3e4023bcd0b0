/*
 * bench_finance.c - times the workforce and finance reports on a store
 * holding England: the registry, the workforce census and every network's
 * staff (bench/finance.sh prepares it). Reports:
 *   - one network at a time, every network of the registry: its year (the
 *     finance report the API's GET /finance answers: claims, budget,
 *     months, income, distribution, rendered as JSON), its WTE report by
 *     role and its comparison with the other networks and England (the
 *     first comparison reads England's lists and census, which the others
 *     share: shown apart); the median, 95th percentile and worst per network;
 *   - every network at once (pcn_finance_networks), best and median of
 *     RUNS, against the same table computed in SQL on the same SQLite
 *     database (bench/sql/finance_networks.sql), best and median of RUNS,
 *     with every figure compared to the penny (a difference is an error).
 * Times are CPU milliseconds of the process (the machine is shared), with
 * the wall clock of the England runs beside them; the load is printed.
 *
 * usage: bench_finance DB [YEAR [AS_OF [RUNS]]]   (default 2025-26 2026-07-01 5)
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/paths.h"
#include "pcn/rates.h"
#include "pcn/store.h"
#include "pcn/table.h"
#include "pcn/views_finance.h"
#include "pcn/views_workforce.h"
#include "pcn/workforce_ops.h"
#include "util/common.h"

/*
 * CPU time of the process in microseconds: on a shared machine the wall
 * clock measures the neighbours too (the bench is single-threaded; SQLite
 * runs in this process). The wall clock of the England runs is printed
 * beside it.
 */
static pcn_usec_t cpu_usec(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (pcn_usec_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double ms_since(pcn_usec_t t0)
{
    return (double)(cpu_usec() - t0) / 1000.0;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Median, 95th percentile and worst of n times (sorted in place). */
static void summary(const char *what, double *t, size_t n)
{
    qsort(t, n, sizeof(*t), by_double);
    printf("  %-44s median %7.2f ms  p95 %7.2f ms  worst %7.2f ms  (%zu networks)\n", what,
           n ? t[n / 2] : 0.0, n ? t[(n * 95) / 100] : 0.0, n ? t[n - 1] : 0.0, n);
}

static void loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "re");
    char line[128] = "";

    if (f && fgets(line, sizeof(line), f))
        printf("load average: %s", line);
    if (f)
        (void)fclose(f);
}

static int fail(const char *what, const char *msg)
{
    fprintf(stderr, "bench_finance: %s: %s\n", what, msg);
    return 1;
}

/*
 * The table *tp rendered as the API sends it (JSON text), then freed. By
 * address: the view that fills it is an argument of the same call.
 */
static enum pcn_err render(enum pcn_err rc, struct pcn_table **tp, size_t *bytes)
{
    struct pcn_table *t = *tp;
    void *j = NULL;

    *tp = NULL;
    if (rc == PCN_OK)
        rc = pcn_table_to_json(t, &j);
    if (rc == PCN_OK) {
        char *text = json_dumps(j, JSON_COMPACT);
        *bytes += text ? strlen(text) : 0;
        free(text);
        json_decref(j);
    }
    pcn_table_free(t);
    return rc;
}

/* One network's year as GET /finance and its claims and distribution give it. */
static enum pcn_err network_year(struct pcn_store *s, const struct pcn_rates *rates,
                                 const char *network, const char *year, int32_t as_of,
                                 size_t *bytes)
{
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    enum pcn_err rc = pcn_finance_report_build(s, rates, network, year, as_of, NULL, &r, &e);

    if (rc != PCN_OK) {
        pcn_finance_report_free(r);
        return rc;
    }
    rc = render(pcn_view_des_income(r->income, &t), &t, bytes);
    if (rc == PCN_OK)
        rc = render(pcn_view_arrs_budget(r->arrs, &t), &t, bytes);
    if (rc == PCN_OK)
        rc = render(pcn_view_arrs_months(r->arrs, &t), &t, bytes);
    if (rc == PCN_OK)
        rc = render(pcn_view_arrs_claims(r->arrs, r->staff, &t), &t, bytes);
    if (rc == PCN_OK && r->distribution)
        rc = render(pcn_view_distribution(r->distribution, &t), &t, bytes);
    pcn_finance_report_free(r);
    return rc;
}

/* ---- the SQL twin ---- */

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_finance: sql: %s\n", err ? err : "?");
        sqlite3_free(err);
        return 1;
    }
    return 0;
}

/* The rates of the year as the SQL's temporary tables. */
static int sql_rates(sqlite3 *db, const struct pcn_rates *rates, const struct pcn_contract *c)
{
    static const char *const band_names[] = {"1", "2",  "3",  "4",  "5",  "6",
                                             "7", "8a", "8b", "8c", "8d", "9"};
    const struct pcn_roles *roles = pcn_rates_roles(rates);
    sqlite3_stmt *st = NULL;
    int32_t from = pcn_contract_from(c);
    int rc = exec(db, "CREATE TEMP TABLE rc_month (m, start_day, end_day, dim);"
                      "CREATE TEMP TABLE rc_band (name, num);"
                      "CREATE TEMP TABLE rc_cap (seq, role, band_min, band_max, from_day, to_day,"
                      " amount, budget);"
                      "CREATE TEMP TABLE rc_part (key, paid, basis, rate, months, known);");
    int y;
    int m;
    int d;

    pcn_date_to_ymd(from, &y, &m, &d);
    for (int i = 0; i < 12 && rc == 0; i++) {
        int32_t a = pcn_date_add_months(from, i);
        int32_t b = pcn_date_add_months(from, i + 1) - 1;
        char sql[160];
        (void)snprintf(sql, sizeof(sql), "INSERT INTO rc_month VALUES (%d, %d, %d, %d)", i, a, b,
                       b - a + 1);
        rc = exec(db, sql);
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(band_names) && rc == 0; i++) {
        int num;
        char sql[96];
        if (pcn_band_parse(band_names[i], strlen(band_names[i]), &num) != PCN_OK)
            return fail("band", band_names[i]);
        (void)snprintf(sql, sizeof(sql), "INSERT INTO rc_band VALUES ('%s', %d)", band_names[i],
                       num);
        rc = exec(db, sql);
    }
    if (rc == 0 && sqlite3_prepare_v2(db, "INSERT INTO rc_cap VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1,
                                      &st, NULL) != SQLITE_OK)
        rc = 1;
    for (size_t i = 0; i < pcn_contract_n_caps(c) && rc == 0; i++) {
        const struct pcn_role_cap *cap = pcn_contract_cap(c, i);
        const struct pcn_line_part *budget = pcn_contract_part(c, (size_t)cap->budget);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_text(st, 2, pcn_roles_at(roles, (size_t)cap->role)->key, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, cap->band_min);
        sqlite3_bind_int(st, 4, cap->band_max);
        sqlite3_bind_int(st, 5, cap->from);
        sqlite3_bind_int(st, 6, cap->to);
        sqlite3_bind_int64(st, 7, cap->status == PCN_RATE_UNKNOWN ? 0 : cap->amount);
        sqlite3_bind_text(st, 8, budget->key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : 1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0 && sqlite3_prepare_v2(db, "INSERT INTO rc_part VALUES (?, ?, ?, ?, ?, ?)", -1, &st,
                                      NULL) != SQLITE_OK)
        rc = 1;
    for (size_t i = 0; i < pcn_contract_n_parts(c) && rc == 0; i++) {
        const struct pcn_line_part *p = pcn_contract_part(c, i);
        int months = 0;
        for (int k = 0; k < 12; k++) {
            int32_t day = pcn_date_add_months(from, k);
            months += day >= p->from && day <= p->to;
        }
        sqlite3_bind_text(st, 1, p->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, pcn_paid_name(p->paid), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, pcn_basis_name(p->basis), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, p->rate);
        sqlite3_bind_int(st, 5, months);
        sqlite3_bind_int(st, 6, p->status != PCN_RATE_UNKNOWN);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : 1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc ? fail("sql", sqlite3_errmsg(db)) : 0;
}

/* One network's figures as the SQL gives them. */
struct sql_row {
    char network[8];
    long long registered, posts, budget, claims, headroom, estimate, income;
};

static int sql_run(sqlite3 *db, const char *sql, const char *year, int32_t as_of, int32_t jan,
                   const struct pcn_contract *c, struct sql_row **rows, size_t *n)
{
    sqlite3_stmt *st = NULL;
    size_t alloc = 0;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail("sql", sqlite3_errmsg(db));
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":as_of"), as_of);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":jan"), jan);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":from_day"), pcn_contract_from(c));
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":to_day"), pcn_contract_to(c));
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":year"), year, -1, SQLITE_STATIC);
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sql_row *r;
        if (*n == alloc) {
            struct sql_row *more =
                realloc(*rows, (alloc = alloc ? alloc * 2 : 2048) * sizeof(**rows));
            if (!more) {
                sqlite3_finalize(st);
                return fail("sql", "out of memory");
            }
            *rows = more;
        }
        r = &(*rows)[(*n)++];
        (void)snprintf(r->network, sizeof(r->network), "%s", sqlite3_column_text(st, 0));
        r->registered = sqlite3_column_int64(st, 2);
        r->posts = sqlite3_column_int64(st, 3);
        r->budget = sqlite3_column_int64(st, 4);
        r->claims = sqlite3_column_int64(st, 5);
        r->headroom = sqlite3_column_int64(st, 6);
        r->estimate = sqlite3_column_int64(st, 7);
        r->income = sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail("sql", sqlite3_errmsg(db));
}

/* A money cell of the C table as pence (-1 for null). */
static long long pence_of(const struct pcn_table *t, size_t row, size_t col)
{
    const char *v = pcn_table_cell(t, row, col);
    int64_t p = -1;

    if (v && pcn_pence_parse(v, strlen(v), &p) != PCN_OK)
        p = -1;
    return (long long)p;
}

/* Every network of the C table against the SQL's rows: the number that differ. */
static size_t compare(const struct pcn_table *t, const struct sql_row *rows, size_t n,
                      size_t *compared)
{
    size_t bad = 0;

    *compared = 0;
    if (pcn_table_rows(t) != n) {
        printf("  rows differ: C %zu, SQL %zu\n", pcn_table_rows(t), n);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sql_row *r = &rows[i];
        const char *est = pcn_table_cell(t, i, 7);
        if (strcmp(pcn_table_cell(t, i, 0), r->network) != 0 ||
            strtoll(pcn_table_cell(t, i, 2), NULL, 10) != r->registered) {
            bad++;
            continue;
        }
        if (!pcn_table_cell(t, i, 4) || strcmp(pcn_table_cell(t, i, 9), "0") != 0)
            continue; /* no list, or a register with errors: no figures to compare */
        (*compared)++;
        if (strtoll(pcn_table_cell(t, i, 3), NULL, 10) != r->posts ||
            pence_of(t, i, 4) != r->budget || pence_of(t, i, 5) != r->claims ||
            pence_of(t, i, 6) != r->headroom || (strcmp(est, "true") == 0) != (r->estimate != 0) ||
            pence_of(t, i, 8) != r->income) {
            if (bad < 5)
                printf(
                    "  %s differs: C posts %s budget %s claims %s headroom %s income %s; SQL %lld "
                    "%lld %lld %lld %lld\n",
                    r->network, pcn_table_cell(t, i, 3), pcn_table_cell(t, i, 4),
                    pcn_table_cell(t, i, 5), pcn_table_cell(t, i, 6), pcn_table_cell(t, i, 8),
                    r->posts, r->budget, r->claims, r->headroom, r->income);
            bad++;
        }
    }
    return bad;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
        buf[n] = '\0';
    else {
        free(buf);
        buf = NULL;
    }
    (void)fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : NULL;
    const char *year = argc > 2 ? argv[2] : "2025-26";
    const char *as_of_s = argc > 3 ? argv[3] : "2026-07-01";
    int runs = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5;
    struct pcn_rates *rates = NULL;
    struct pcn_store *s = NULL;
    struct pcn_network_list *lists = NULL;
    size_t n_lists = 0;
    struct pcn_error e;
    const struct pcn_contract *c;
    int32_t as_of;
    int32_t jan;
    sqlite3 *db = NULL;
    char *sql = NULL;
    struct sql_row *rows = NULL;
    size_t n_rows = 0;
    double *t_year = NULL, *t_wte = NULL, *t_cmp = NULL, t_c[64], t_sql[64], w_c[64], w_sql[64];
    struct pcn_table *england = NULL;
    size_t bytes = 0, compared = 0, bad = 0;
    int y, m, d, status = 1;

    if (!path || runs < 1 || runs > 64)
        return fail("usage", "bench_finance DB [YEAR [AS_OF [RUNS]]]");
    if (pcn_date_parse(as_of_s, strlen(as_of_s), &as_of) != PCN_OK)
        return fail("as-of", as_of_s);
    if (pcn_rates_load(NULL, &rates, &e) != PCN_OK)
        return fail("rates", e.msg);
    c = pcn_rates_find_year(rates, year);
    if (!c || pcn_store_open(path, PCN_STORE_FLAG_READONLY, &s, &e) != PCN_OK) {
        pcn_rates_free(rates);
        return fail(path, c ? e.msg : "no such contract year");
    }
    pcn_date_to_ymd(pcn_contract_from(c), &y, &m, &d);
    (void)pcn_date_from_ymd(y, 1, 1, &jan);
    loadavg();
    if (pcn_network_lists(s, as_of, &lists, &n_lists, &e) != PCN_OK) {
        (void)fail("networks", e.msg);
        goto out;
    }
    t_year = calloc(n_lists + 1, sizeof(double));
    t_wte = calloc(n_lists + 1, sizeof(double));
    t_cmp = calloc(n_lists + 1, sizeof(double));
    if (!t_year || !t_wte || !t_cmp)
        goto out;

    /* one network at a time */
    printf("one network at a time (%s, as of %s):\n", year, as_of_s);
    for (size_t i = 0; i < n_lists; i++) {
        struct pcn_table *t = NULL;
        pcn_usec_t t0 = cpu_usec();
        enum pcn_err rc = network_year(s, rates, lists[i].network, year, as_of, &bytes);
        t_year[i] = ms_since(t0);
        if (rc != PCN_OK && rc != PCN_EINVAL && rc != PCN_ENOTFOUND) {
            (void)fail(lists[i].network, pcn_err_str(rc));
            goto out;
        }
        t0 = cpu_usec();
        rc = pcn_workforce_summary(s, pcn_rates_roles(rates), lists[i].network, as_of,
                                   PCN_WTE_BY_ROLE, &t, &e);
        if (rc == PCN_OK)
            rc = render(rc, &t, &bytes);
        t_wte[i] = ms_since(t0);
        t = NULL;
        t0 = cpu_usec();
        rc = pcn_workforce_comparison(s, pcn_rates_roles(rates), lists[i].network, as_of,
                                      PCN_WTE_BY_GROUP, &t, &e);
        if (rc == PCN_OK)
            rc = render(rc, &t, &bytes);
        t_cmp[i] = ms_since(t0);
    }
    summary("finance year (GET /finance, claims, distribution)", t_year, n_lists);
    summary("WTE by role (GET /workforce/summary)", t_wte, n_lists);
    /* the first comparison reads England (lists and census) for the ones after it */
    printf("  %-44s %7.2f ms\n", "comparison, the first (reads England once)",
           n_lists ? t_cmp[0] : 0.0);
    summary("comparison (GET /workforce/compare)", t_cmp + 1, n_lists ? n_lists - 1 : 0);

    /* every network at once: C, then SQL */
    for (int r = 0; r < runs; r++) {
        pcn_usec_t t0 = cpu_usec();
        pcn_usec_t w0 = pcn_monotonic_usec();
        pcn_table_free(england);
        england = NULL;
        if (pcn_finance_networks(s, rates, year, as_of, &england, &e) != PCN_OK) {
            (void)fail("finance_networks", e.msg);
            goto out;
        }
        t_c[r] = ms_since(t0);
        w_c[r] = (double)(pcn_monotonic_usec() - w0) / 1000.0;
    }
    {
        char sql_path[4096];
        if (pcn_data_path("bench/sql/finance_networks.sql", sql_path, sizeof(sql_path)) != PCN_OK ||
            !(sql = read_text(sql_path))) {
            (void)fail("bench/sql/finance_networks.sql", "cannot read");
            goto out;
        }
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sql_rates(db, rates, c) != 0) {
        (void)fail("sqlite", db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    {
        sqlite3_stmt *st = NULL;
        int items = 1;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM network_finance_item", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            items = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (items != 0) {
            (void)fail("sql", "allocations or agreements saved: outside the SQL twin's scope");
            goto out;
        }
    }
    for (int r = 0; r < runs; r++) {
        pcn_usec_t t0 = cpu_usec();
        pcn_usec_t w0 = pcn_monotonic_usec();
        if (sql_run(db, sql, year, as_of, jan, c, &rows, &n_rows) != 0)
            goto out;
        t_sql[r] = ms_since(t0);
        w_sql[r] = (double)(pcn_monotonic_usec() - w0) / 1000.0;
    }
    qsort(t_c, (size_t)runs, sizeof(double), by_double);
    qsort(t_sql, (size_t)runs, sizeof(double), by_double);
    qsort(w_c, (size_t)runs, sizeof(double), by_double);
    qsort(w_sql, (size_t)runs, sizeof(double), by_double);
    bad = compare(england, rows, n_rows, &compared);
    printf("every network at once (%zu networks, %zu with figures):\n", pcn_table_rows(england),
           compared);
    printf("  %-44s best %8.1f ms  median %8.1f ms  (wall best %.1f ms)\n",
           "C (pcn_finance_networks)", t_c[0], t_c[runs / 2], w_c[0]);
    printf("  %-44s best %8.1f ms  median %8.1f ms  (wall best %.1f ms)\n",
           "SQL on SQLite (finance_networks.sql)", t_sql[0], t_sql[runs / 2], w_sql[0]);
    printf("  same answer: %s (%zu networks differ)\n", bad ? "NO" : "yes", bad);
    loadavg();
    status = bad ? 1 : 0;
out:
    free(t_year);
    free(t_wte);
    free(t_cmp);
    free(rows);
    free(sql);
    if (db)
        sqlite3_close(db);
    pcn_table_free(england);
    pcn_network_lists_free(lists, n_lists);
    pcn_store_close(s);
    pcn_rates_free(rates);
    return status;
}
