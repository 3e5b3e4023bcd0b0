/*
 * bench_sp_store.c - times two social prescribing results on a stored
 * network (a `pcn generate` twin, with its directory and referral
 * histories), each against the same question asked of SQLite in SQL in the
 * same run, and checks both give the same answer:
 *
 *   caseload  a link worker's open cases, as GET /sp/caseload builds them:
 *             the sp_referrals table of the link worker's open referrals
 *             (joined to the population: name, age, days since contact,
 *             waiting for a first contact) and their sp_caseloads row, both
 *             rendered to JSON. The bench first gives one link worker 300
 *             open referrals (through the services, coded back). Target:
 *             under 50 ms.
 *   outcomes  the network's wellbeing outcome report (sp_outcomes): first
 *             and last questionnaire of each referral per instrument, the
 *             SWEMWBS metric score from the Rasch table, pairs and mean
 *             change per measure and per asset category. Target: under
 *             20 ms. The SQL answers the "all" rows (pairs, mean first,
 *             mean last, mean change per measure) with window functions and
 *             SQLite's JSON functions over the stored answers.
 *
 * usage: bench_sp_store DB [N_RUNS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/sp_coding.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "pcn/table.h"
#include "pcn/wellbeing.h"

#define WORKER "lw300"
#define OPEN_CASES 300
#define DAY INT64_C(86400000000)

static double wall_usec(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *ours, double *sql, int n)
{
    qsort(ours, (size_t)n, sizeof(double), cmp_double);
    qsort(sql, (size_t)n, sizeof(double), cmp_double);
    printf("%-10s  OpenPCN median %8.2f ms  p95 %8.2f ms | SQLite median %8.2f ms  p95 %8.2f ms\n",
           what, ours[n / 2] / 1e3, ours[n * 95 / 100] / 1e3, sql[n / 2] / 1e3,
           sql[n * 95 / 100] / 1e3);
}

/* ---- setup: 300 open referrals for one link worker ---- */

struct pick {
    char (*ids)[64];
    size_t n, want;
};

static int pick_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct pick *k = ud;

    (void)key;
    if (p->registered_to != PCN_DATE_NONE || p->date_of_death != PCN_DATE_NONE || key % 97)
        return 0;
    (void)snprintf(k->ids[k->n++], sizeof(k->ids[0]), "%s", p->patient_id);
    return k->n >= k->want;
}

static int has_worker(const struct pcn_referral *r, const struct pcn_referral_extra *x, void *ud)
{
    (void)r;
    (void)x;
    *(int *)ud = 1;
    return 1;
}

static int give_caseload(struct pcn_store *s, pcn_usec_t now)
{
    struct pcn_referral_filter f = {.link_worker = WORKER};
    struct pick k = {pcn_calloc(OPEN_CASES, sizeof(*k.ids)), 0, OPEN_CASES};
    struct pcn_sp_codes codes;
    struct pcn_error e;
    int found = 0;

    if (pcn_store_each_referral(s, &f, has_worker, &found) != PCN_OK)
        return 1;
    if (found)
        return 0; /* an earlier run gave it already */
    if (!k.ids || pcn_sp_codes_load(NULL, &codes, &e) != PCN_OK ||
        pcn_store_each_patient(s, pick_patient, &k) != PCN_OK || k.n < OPEN_CASES)
        return 1;
    if (pcn_store_begin(s) != PCN_OK)
        return 1;
    for (size_t i = 0; i < k.n; i++) {
        pcn_usec_t received = now - (pcn_usec_t)(5 + i % 150) * DAY;
        struct pcn_referral r = {.patient_id = k.ids[i],
                                 .source = (enum pcn_referral_source)(i % 4),
                                 .referrer = i % 4 == 3 ? "Friends of the Park" : "",
                                 .worklist = "",
                                 .reason = "bench",
                                 .needs = 1u << (i % PCN_ASSET_CATEGORY_COUNT_),
                                 .received_at = received,
                                 .created_by = WORKER,
                                 .link_worker = WORKER};
        struct pcn_sp_coded_summary sum;
        int64_t id = 0, version = 0;
        if (pcn_sp_refer(s, &r, &codes, &id, &sum, &e) != PCN_OK)
            goto fail;
        if (i % 10 == 0)
            continue; /* waiting for a first contact */
        struct pcn_sp_change c = {id, 1, WORKER, received + DAY};
        if (pcn_sp_move(s, &c, PCN_REFERRAL_CONTACTED, PCN_CLOSE_NONE, NULL, &codes, &version, &sum,
                        &e) != PCN_OK)
            goto fail;
        for (size_t j = 0; j < 1 + i % 5; j++) {
            struct pcn_contact ct = {0,
                                     id,
                                     received + (pcn_usec_t)(1 + 2 * j) * DAY,
                                     PCN_CONTACT_TELEPHONE,
                                     20,
                                     1,
                                     WORKER,
                                     "follow-up"};
            if (pcn_sp_contact(s, &ct, now, NULL, &e) != PCN_OK)
                goto fail;
        }
    }
    pcn_free(k.ids);
    return pcn_store_commit(s) != PCN_OK;
fail:
    fprintf(stderr, "bench_sp_store: %s\n", e.msg);
    pcn_store_rollback(s);
    return 1;
}

/* ---- caseload ---- */

struct case_row {
    int64_t id, age, days, contacts;
    int waiting;
};

static int case_ours(struct pcn_store *s, pcn_usec_t now, struct case_row *out, size_t *n)
{
    struct pcn_sp_view_opts o = {.now = now, .link_worker = WORKER, .open_only = 1, .limit = 500};
    struct pcn_table *t = NULL, *sum = NULL;
    struct pcn_error e;
    void *j = NULL, *js = NULL;
    int64_t total = 0;

    if (pcn_sp_view_referrals(s, &o, &t, &total, &e) != PCN_OK ||
        pcn_sp_view_caseloads(s, &o, &sum, &e) != PCN_OK || pcn_table_to_json(t, &j) != PCN_OK ||
        pcn_table_to_json(sum, &js) != PCN_OK)
        return 1;
    char *text = json_dumps(j, JSON_COMPACT), *stext = json_dumps(js, JSON_COMPACT);
    int bad = !text || !stext;
    free(text);
    free(stext);
    json_decref(j);
    json_decref(js);
    *n = pcn_table_rows(t);
    for (size_t i = 0; i < *n && !bad; i++) {
        struct case_row *r = &out[i];
        const char *c;
        r->id = r->age = r->days = r->contacts = -1;
        c = pcn_table_cell(t, i, 0);
        bad |= !c || pcn_parse_i64(c, strlen(c), &r->id) != PCN_OK;
        c = pcn_table_cell(t, i, 6);
        if (c)
            bad |= pcn_parse_i64(c, strlen(c), &r->age) != PCN_OK;
        c = pcn_table_cell(t, i, 13);
        bad |= !c || pcn_parse_i64(c, strlen(c), &r->contacts) != PCN_OK;
        c = pcn_table_cell(t, i, 15);
        bad |= !c || pcn_parse_i64(c, strlen(c), &r->days) != PCN_OK;
        c = pcn_table_cell(t, i, 16);
        r->waiting = c && strcmp(c, "true") == 0;
    }
    pcn_table_free(t);
    pcn_table_free(sum);
    return bad;
}

static const char *sql_caseload =
    "SELECT r.id, "
    "  CAST(strftime('%Y', ?2 / 1000000, 'unixepoch') AS INTEGER)"
    "  - CAST(strftime('%Y', p.date_of_birth * 86400, 'unixepoch') AS INTEGER)"
    "  - (strftime('%m-%d', ?2 / 1000000, 'unixepoch')"
    "     < strftime('%m-%d', p.date_of_birth * 86400, 'unixepoch')) AS age,"
    "  (?2 - COALESCE(r.last_contact_at, r.received_at)) / 86400000000 AS days,"
    "  r.n_contacts, r.first_contact_at IS NULL AS waiting "
    "FROM sp_referral r LEFT JOIN patient p ON p.patient_id = r.patient_id "
    "WHERE r.link_worker = ?1 AND r.state <= 4 ORDER BY r.id";

static int case_sql(sqlite3_stmt *st, pcn_usec_t now, struct case_row *out, size_t *n)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, WORKER, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && *n < 1000) {
        struct case_row *r = &out[(*n)++];
        r->id = sqlite3_column_int64(st, 0);
        r->age = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
        r->days = sqlite3_column_int64(st, 2);
        r->contacts = sqlite3_column_int64(st, 3);
        r->waiting = sqlite3_column_int(st, 4);
    }
    return 0;
}

/* ---- outcomes ---- */

struct measure_row {
    int64_t pairs;
    double first, last, change;
};

/* Measure kinds in the sp_outcomes order, with the SQL that gives each one's value. */
static const struct {
    const char *name;
    int instrument;
    const char *value; /* SQL over items (a JSON array "[3,4,...]") */
} measures[] = {
    {"swemwbs_metric", 1,
     "(SELECT metric FROM rasch WHERE raw = (SELECT sum(value) FROM json_each(X)))"},
    {"wemwbs", 2, "(SELECT sum(value) FROM json_each(X))"},
    {"ons4_life_satisfaction", 0, "json_extract(X, '$[0]')"},
    {"ons4_worthwhile", 0, "json_extract(X, '$[1]')"},
    {"ons4_happiness", 0, "json_extract(X, '$[2]')"},
    {"ons4_anxiety", 0, "json_extract(X, '$[3]')"},
};
#define N_MEASURES (sizeof(measures) / sizeof(measures[0]))

static int outcome_ours(struct pcn_store *s, pcn_usec_t now, struct measure_row *out)
{
    struct pcn_sp_view_opts o = {.now = now};
    struct pcn_table *t = NULL;
    struct pcn_error e;
    void *j = NULL;

    if (pcn_sp_view_outcomes(s, &o, &t, &e) != PCN_OK || pcn_table_to_json(t, &j) != PCN_OK)
        return 1;
    char *text = json_dumps(j, JSON_COMPACT);
    int bad = !text;
    free(text);
    json_decref(j);
    memset(out, 0, N_MEASURES * sizeof(*out));
    for (size_t i = 0; i < pcn_table_rows(t); i++) {
        const char *m = pcn_table_cell(t, i, 0), *g = pcn_table_cell(t, i, 1);
        if (!m || !g || strcmp(g, "all") != 0)
            continue;
        for (size_t k = 0; k < N_MEASURES; k++) {
            if (strcmp(m, measures[k].name) != 0)
                continue;
            const char *c = pcn_table_cell(t, i, 2);
            bad |= !c || pcn_parse_i64(c, strlen(c), &out[k].pairs) != PCN_OK;
            if (out[k].pairs) {
                const char *f = pcn_table_cell(t, i, 3), *l = pcn_table_cell(t, i, 4),
                           *ch = pcn_table_cell(t, i, 5);
                bad |= !f || !l || !ch || pcn_parse_double(f, strlen(f), &out[k].first) != PCN_OK ||
                       pcn_parse_double(l, strlen(l), &out[k].last) != PCN_OK ||
                       pcn_parse_double(ch, strlen(ch), &out[k].change) != PCN_OK;
            }
        }
    }
    pcn_table_free(t);
    return bad;
}

/* One statement per measure: first and last questionnaire of each referral, paired. */
static char *outcome_sql(size_t k)
{
    char value_first[512], value_last[512], *sql = pcn_malloc(4096);
    const char *v = measures[k].value;
    size_t a = 0, b = 0;

    if (!sql)
        return NULL;
    for (const char *p = v; *p && a + 8 < sizeof(value_first); p++) {
        if (*p == 'X') {
            memcpy(value_first + a, "f.items", 7);
            memcpy(value_last + b, "l.items", 7);
            a += 7;
            b += 7;
        } else {
            value_first[a++] = *p;
            value_last[b++] = *p;
        }
    }
    value_first[a] = value_last[b] = '\0';
    (void)snprintf(
        sql, 4096,
        "WITH rasch(raw, metric) AS (VALUES (7,7.00),(8,9.51),(9,11.25),(10,12.40),(11,13.33),"
        "(12,14.08),(13,14.75),(14,15.32),(15,15.84),(16,16.36),(17,16.88),(18,17.43),(19,17.98),"
        "(20,18.59),(21,19.25),(22,19.98),(23,20.73),(24,21.54),(25,22.35),(26,23.21),(27,24.11),"
        "(28,25.03),(29,26.02),(30,27.03),(31,28.13),(32,29.31),(33,30.70),(34,32.55),(35,35.00)),"
        "m AS (SELECT o.referral_id, o.at, '[' || o.items || ']' AS items,"
        "  row_number() OVER (PARTITION BY o.referral_id ORDER BY o.at, o.id) AS first_n,"
        "  row_number() OVER (PARTITION BY o.referral_id ORDER BY o.at DESC, o.id DESC) AS last_n"
        "  FROM sp_outcome o JOIN sp_referral r ON r.id = o.referral_id WHERE o.instrument = %d),"
        "p AS (SELECT %s AS a, %s AS b FROM m f JOIN m l ON l.referral_id = f.referral_id"
        "  AND f.first_n = 1 AND l.last_n = 1 AND l.at > f.at)"
        "SELECT count(*), round(avg(a), 2), round(avg(b), 2), round(avg(b - a), 2) FROM p",
        measures[k].instrument, value_first, value_last);
    return sql;
}

static int outcome_sql_run(sqlite3_stmt **st, struct measure_row *out)
{
    for (size_t k = 0; k < N_MEASURES; k++) {
        sqlite3_reset(st[k]);
        if (sqlite3_step(st[k]) != SQLITE_ROW)
            return 1;
        out[k].pairs = sqlite3_column_int64(st[k], 0);
        out[k].first = sqlite3_column_double(st[k], 1);
        out[k].last = sqlite3_column_double(st[k], 2);
        out[k].change = sqlite3_column_double(st[k], 3);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int64_t runs = 200;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    sqlite3 *db = NULL;
    sqlite3_stmt *cst = NULL, *ost[N_MEASURES] = {NULL};
    double load[3] = {0};
    int32_t as_of = PCN_DATE_NONE;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(f);
    }
    if (argc < 2 ||
        (argc > 2 && pcn_parse_range(argv[2], strlen(argv[2]), 20, 100000, &runs) != PCN_OK)) {
        fprintf(stderr, "usage: bench_sp_store DB [N_RUNS]\n");
        return 2;
    }
    if (pcn_store_open(argv[1], 0, &s, &e) != PCN_OK ||
        pcn_store_default_as_of(s, &as_of) != PCN_OK) {
        fprintf(stderr, "bench_sp_store: %s\n", e.msg);
        return 1;
    }
    pcn_usec_t now = ((pcn_usec_t)as_of + 1) * DAY - 1;
    if (give_caseload(s, now) != 0) {
        fprintf(stderr, "bench_sp_store: cannot give %s a caseload\n", WORKER);
        return 1;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, sql_caseload, -1, SQLITE_PREPARE_PERSISTENT, &cst, NULL) !=
            SQLITE_OK) {
        fprintf(stderr, "bench_sp_store: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    for (size_t k = 0; k < N_MEASURES; k++) {
        char *sql = outcome_sql(k);
        if (!sql || sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ost[k], NULL) !=
                        SQLITE_OK) {
            fprintf(stderr, "bench_sp_store: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        pcn_free(sql);
    }
    printf("stored network %s, as of day %d; %lld runs each; load average %.2f %.2f %.2f\n",
           argv[1], (int)as_of, (long long)runs, load[0], load[1], load[2]);

    double *ours = pcn_calloc((size_t)runs, sizeof(double));
    double *sql = pcn_calloc((size_t)runs, sizeof(double));
    struct case_row *a = pcn_calloc(1000, sizeof(*a)), *b = pcn_calloc(1000, sizeof(*b));
    size_t na = 0, nb = 0;
    int mismatch = 0;
    if (!ours || !sql || !a || !b)
        return 1;
    for (int64_t i = 0; i < runs; i++) {
        double t0 = wall_usec();
        mismatch |= case_ours(s, now, a, &na);
        double t1 = wall_usec();
        mismatch |= case_sql(cst, now, b, &nb);
        double t2 = wall_usec();
        ours[i] = t1 - t0;
        sql[i] = t2 - t1;
    }
    size_t waiting = 0;
    mismatch |= na != nb || na != OPEN_CASES;
    for (size_t i = 0; i < na && i < nb; i++) {
        waiting += (size_t)a[i].waiting;
        int differ = a[i].id != b[i].id || a[i].age != b[i].age || a[i].days != b[i].days ||
                     a[i].contacts != b[i].contacts || a[i].waiting != b[i].waiting;
        if (differ && !mismatch)
            printf("  first difference: referral %lld age %lld/%lld days %lld/%lld contacts "
                   "%lld/%lld waiting %d/%d\n",
                   (long long)a[i].id, (long long)a[i].age, (long long)b[i].age,
                   (long long)a[i].days, (long long)b[i].days, (long long)a[i].contacts,
                   (long long)b[i].contacts, a[i].waiting, b[i].waiting);
        mismatch |= differ;
    }
    printf("caseload of %s: %zu open cases (%zu waiting for a first contact)\n", WORKER, na,
           waiting);
    report("caseload", ours, sql, (int)runs);
    printf("same answer as SQLite: %s\n", mismatch ? "NO" : "yes");

    struct measure_row mo[N_MEASURES], ms[N_MEASURES];
    int omismatch = 0;
    for (int64_t i = 0; i < runs; i++) {
        double t0 = wall_usec();
        omismatch |= outcome_ours(s, now, mo);
        double t1 = wall_usec();
        omismatch |= outcome_sql_run(ost, ms);
        double t2 = wall_usec();
        ours[i] = t1 - t0;
        sql[i] = t2 - t1;
    }
    for (size_t k = 0; k < N_MEASURES; k++) {
        printf("  %-24s pairs %5lld / %5lld  mean change %6.2f / %6.2f\n", measures[k].name,
               (long long)mo[k].pairs, (long long)ms[k].pairs, mo[k].change, ms[k].change);
        omismatch |= mo[k].pairs != ms[k].pairs ||
                     (mo[k].pairs && (fabs(mo[k].first - ms[k].first) > 0.005 ||
                                      fabs(mo[k].last - ms[k].last) > 0.005 ||
                                      fabs(mo[k].change - ms[k].change) > 0.005));
    }
    report("outcomes", ours, sql, (int)runs);
    printf("same answer as SQLite: %s\n", omismatch ? "NO" : "yes");
    for (size_t k = 0; k < N_MEASURES; k++)
        sqlite3_finalize(ost[k]);
    sqlite3_finalize(cst);
    sqlite3_close(db);
    pcn_store_close(s);
    pcn_free(ours);
    pcn_free(sql);
    pcn_free(a);
    pcn_free(b);
    return mismatch || omismatch;
}
