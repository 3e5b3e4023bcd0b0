/*
 * bench_ppg.c - times representativeness for every group of a network
 * (issue 20, "Performance": under 10 ms): the network's groups, members,
 * memberships and list size bands read from the store, the registered
 * population's make-up from the engine's snapshot (built once beforehand,
 * as the server keeps it), the comparison and the gaps in words. Against
 * the same computation written in SQLite SQL on the same database in the
 * same run (members and population per group, dimension and category, the
 * list bands spread over single years, ages, ethnic groups and IMD
 * quintiles from the patient table; then the index), checking that both
 * give the same counts and the same indexes.
 *
 * usage: bench_ppg DB NETWORK [RUNS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/paths.h"
#include "pcn/ppg_ops.h"
#include "pcn/store.h"

static double now_usec(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_usec(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static enum pcn_err profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                             struct pcn_profile *ret)
{
    return pcn_snapshot_profiles(ud, as_of, practices, n, ret);
}

/* The same figures in SQL: (group, dimension, category, members, population), then indexes. */
static const char *const sql_figures =
    "WITH grp AS (SELECT id, network, practice, name FROM ppg_group WHERE network = ?2),\n"
    "prac AS MATERIALIZED (SELECT g.id AS gid, m.practice FROM grp g JOIN membership m ON "
    "m.network = "
    "g.network WHERE g.practice IS NULL AND m.start_date <= ?1 AND (m.end_date IS NULL OR "
    "m.end_date >= ?1) UNION ALL SELECT id, practice FROM grp WHERE practice IS NOT NULL),\n"
    "bands AS (SELECT b.practice, b.sex, b.age_from, b.patients FROM list_band b WHERE b.date = "
    "(SELECT MAX(date) FROM list_band x WHERE x.practice = b.practice AND x.date <= ?1)),\n"
    "years(y) AS (VALUES (0), (1), (2), (3), (4)),\n"
    "single AS MATERIALIZED (SELECT practice, sex, age_from + y AS age, patients / 5 + (y < "
    "patients % 5) "
    "AS n FROM bands, years),\n"
    "pop_list AS (SELECT p.gid, 'age' AS dim, CASE WHEN age <= 24 THEN 0 WHEN age <= 34 THEN 1 "
    "WHEN age <= 44 THEN 2 WHEN age <= 54 THEN 3 WHEN age <= 64 THEN 4 WHEN age <= 74 THEN 5 "
    "WHEN age <= 84 THEN 6 ELSE 7 END AS cat, n FROM prac p JOIN single s ON s.practice = "
    "p.practice WHERE age >= 18 UNION ALL SELECT p.gid, 'sex', CASE s.sex WHEN 'F' THEN 0 ELSE "
    "1 END, n FROM prac p JOIN single s ON s.practice = p.practice WHERE age >= 18),\n"
    "asof AS (SELECT date(?1 * 86400, 'unixepoch') AS d),\n"
    "pat AS MATERIALIZED (SELECT p.practice, p.ethnicity, p.lsoa, CAST(strftime('%Y', a.d) AS "
    "INTEGER) - "
    "CAST(strftime('%Y', date(p.date_of_birth * 86400, 'unixepoch')) AS INTEGER) - "
    "(strftime('%m%d', a.d) < strftime('%m%d', date(p.date_of_birth * 86400, 'unixepoch'))) "
    "AS age FROM patient p, asof a WHERE (p.registered_from IS NULL OR p.registered_from <= ?1) "
    "AND (p.registered_to IS NULL OR p.registered_to >= ?1) AND (p.date_of_death IS NULL OR "
    "p.date_of_death > ?1) AND p.date_of_birth <= ?1),\n"
    "pop_rec AS (SELECT r.gid, 'eth' AS dim, CASE WHEN ethnicity BETWEEN 'A' AND 'C' THEN 0 "
    "WHEN ethnicity BETWEEN 'D' AND 'G' THEN 1 WHEN ethnicity BETWEEN 'H' AND 'L' THEN 2 WHEN "
    "ethnicity BETWEEN 'M' AND 'P' THEN 3 WHEN ethnicity IN ('R', 'S') THEN 4 END AS cat, 1 AS "
    "n FROM prac r JOIN pat t ON t.practice = r.practice WHERE t.age >= 18 AND "
    "length(ethnicity) = 1 UNION ALL SELECT r.gid, 'imd', (i.decile + 1) / 2 - 1, 1 FROM prac "
    "r JOIN pat t ON t.practice = r.practice JOIN temp.imd i ON i.lsoa = t.lsoa WHERE t.age >= "
    "18),\n"
    "pop AS (SELECT gid, dim, cat, SUM(n) AS n FROM (SELECT * FROM pop_list UNION ALL SELECT * "
    "FROM pop_rec) WHERE cat IS NOT NULL GROUP BY gid, dim, cat),\n"
    "mem AS (SELECT group_id AS gid, age_band, sex, ethnic_group, quintile FROM ppg_member WHERE "
    "group_id IN (SELECT id FROM grp) AND joined <= ?1 AND (left_date IS NULL OR left_date > ?1) "
    "AND age_band <> '0-17'),\n"
    "mem_cat AS (SELECT gid, 'age' AS dim, CASE age_band WHEN '18-24' THEN 0 WHEN '25-34' THEN 1 "
    "WHEN '35-44' THEN 2 WHEN '45-54' THEN 3 WHEN '55-64' THEN 4 WHEN '65-74' THEN 5 WHEN "
    "'75-84' THEN 6 WHEN '85+' THEN 7 END AS cat FROM mem UNION ALL SELECT gid, 'sex', CASE sex "
    "WHEN 'female' THEN 0 WHEN 'male' THEN 1 END FROM mem UNION ALL SELECT gid, 'eth', CASE "
    "ethnic_group WHEN 'white' THEN 0 WHEN 'mixed' THEN 1 WHEN 'asian' THEN 2 WHEN 'black' THEN "
    "3 WHEN 'other' THEN 4 END FROM mem UNION ALL SELECT gid, 'imd', quintile - 1 FROM mem),\n"
    "members AS (SELECT gid, dim, cat, COUNT(*) AS n FROM mem_cat WHERE cat IS NOT NULL GROUP BY "
    "gid, dim, cat),\n"
    "dims(dim, ncat, ord) AS (VALUES ('age', 8, 0), ('sex', 2, 1), ('eth', 5, 2), ('imd', 5, 3)),"
    "\ncats(c) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7)),\n"
    "fig AS (SELECT g.id AS gid, d.dim, d.ord, c.c AS cat, COALESCE(m.n, 0) AS m, COALESCE(p.n, "
    "0) AS p FROM grp g CROSS JOIN dims d JOIN cats c ON c.c < d.ncat LEFT JOIN members m ON "
    "m.gid = g.id AND m.dim = d.dim AND m.cat = c.c LEFT JOIN pop p ON p.gid = g.id AND p.dim = "
    "d.dim AND p.cat = c.c)\n";

static const char *const sql_counts = "SELECT gid, ord, cat, m, p FROM fig ORDER BY gid, ord, cat";

static const char *const sql_index =
    ", tot AS (SELECT gid, dim, SUM(m) AS mm, SUM(p) AS pp FROM fig GROUP BY gid, dim),\n"
    "idx AS (SELECT f.gid, f.dim, 100.0 * (1 - 0.5 * SUM(ABS(1.0 * f.m / t.mm - 1.0 * f.p / "
    "t.pp))) AS ix FROM fig f JOIN tot t ON t.gid = f.gid AND t.dim = f.dim WHERE t.mm > 0 AND "
    "t.pp > 0 GROUP BY f.gid, f.dim)\n"
    "SELECT g.id, (SELECT AVG(ix) FROM idx WHERE idx.gid = g.id) FROM grp g ORDER BY g.network, "
    "g.practice IS NULL, g.practice, g.name";

/* The IMD table as the engine reads it, into temp.imd (not timed: the snapshot is not either). */
static int load_imd(sqlite3 *db)
{
    char path[4096];
    struct pcn_csv *c = NULL;
    struct pcn_error e;
    sqlite3_stmt *st = NULL;
    int rc = 1;

    if (pcn_data_path("data/reference/lsoa_imd2019.csv", path, sizeof(path)) != PCN_OK ||
        pcn_csv_open(path, &c, &e) != PCN_OK ||
        sqlite3_exec(db, "CREATE TEMP TABLE imd (lsoa TEXT PRIMARY KEY, decile INTEGER); BEGIN",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO temp.imd VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
        goto out;
    (void)pcn_csv_next(c, &e); /* header */
    while (pcn_csv_next(c, &e) == PCN_OK) {
        (void)sqlite3_bind_text(st, 1, pcn_csv_field(c, 0, NULL), -1, SQLITE_TRANSIENT);
        (void)sqlite3_bind_int(st, 2, atoi(pcn_csv_field(c, 1, NULL))); /* checksrc: ok (bench) */
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        (void)sqlite3_reset(st);
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
out:
    sqlite3_finalize(st);
    pcn_csv_free(c);
    return rc;
}

/* Run the SQL (counts or indexes) for network on as_of; rows into out (n values each). */
static int run_sql(sqlite3 *db, const char *tail, const char *network, int32_t as_of, double *out,
                   size_t max, size_t *ret_n)
{
    char sql[16384];
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    (void)snprintf(sql, sizeof(sql), "%s%s", sql_figures, tail);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_ppg: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    (void)sqlite3_bind_int(st, 1, as_of);
    (void)sqlite3_bind_text(st, 2, network, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st) && n < max; c++)
            out[n++] =
                sqlite3_column_type(st, c) == SQLITE_NULL ? -1 : sqlite3_column_double(st, c);
    }
    sqlite3_finalize(st);
    *ret_n = n;
    return 0;
}

/* The library's counts and exact indexes, from its JSON, in the SQL's row order. */
static size_t library_figures(json_t *j, double *counts, double *indexes, size_t *ret_groups)
{
    size_t n = 0, gi, di, ci, n_groups = 0;
    json_t *g, *d, *c;

    json_array_foreach(json_object_get(j, "groups"), gi, g)
    {
        indexes[n_groups * 2] = (double)json_integer_value(json_object_get(g, "id"));
        indexes[n_groups * 2 + 1] = json_is_null(json_object_get(g, "index"))
                                        ? -1
                                        : (double)json_integer_value(json_object_get(g, "index"));
        n_groups++;
        json_array_foreach(json_object_get(g, "dimensions"), di, d)
        {
            json_array_foreach(json_object_get(d, "categories"), ci, c)
            {
                counts[n++] = (double)json_integer_value(json_object_get(g, "id"));
                counts[n++] = (double)di;
                counts[n++] = (double)ci;
                counts[n++] = (double)json_integer_value(json_object_get(c, "members"));
                counts[n++] =
                    json_is_null(json_object_get(d, "source")) ||
                            strcmp(json_string_value(json_object_get(d, "source")), "none") == 0
                        ? 0
                        : (double)json_integer_value(json_object_get(c, "population"));
            }
        }
    }
    *ret_groups = n_groups;
    return n;
}

static void report(const char *what, double *ms, int runs, double cpu_ms)
{
    qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
    printf("%-44s median %7.3f ms  p95 %7.3f ms  best %7.3f ms  CPU %7.3f ms per run (%d runs)\n",
           what, ms[runs / 2], ms[(runs * 95) / 100], ms[0], cpu_ms / runs, runs);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : NULL, *network = argc > 2 ? argv[2] : NULL;
    int runs = argc > 3 ? atoi(argv[3]) : 200; /* checksrc: ok (bench) */
    struct pcn_store *s = NULL;
    struct pcn_snapshot *snap = NULL;
    struct pcn_error e;
    sqlite3 *db = NULL;
    static double lib_counts[1 << 16], sql_counts_out[1 << 16], lib_idx[512], sql_idx[512];
    double *ms = NULL, cpu0, cpu_lib, cpu_sql;
    size_t n_lib = 0, n_sql = 0, n_groups = 0, n_sql_idx = 0;
    int32_t as_of = 0;
    int bad = 0;

    if (!path || !network || runs < 1) {
        fprintf(stderr, "usage: bench_ppg DB NETWORK [RUNS]\n");
        return 2;
    }
    ms = calloc((size_t)runs, sizeof(*ms)); /* checksrc: ok (bench) */
    if (!ms || pcn_store_open(path, PCN_STORE_FLAG_READONLY, &s, &e) != PCN_OK ||
        pcn_store_default_as_of(s, &as_of) != PCN_OK ||
        pcn_snapshot_from_store(s, &snap, &e) != PCN_OK ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK || load_imd(db)) {
        fprintf(stderr, "bench_ppg: cannot open %s: %s\n", path, e.msg);
        return 1;
    }
    struct pcn_ppg_repr_opts o = {
        .network = network, .as_of = as_of, .profiles = profiles, .profiles_ud = snap};
    printf("network %s, %zu patients in the snapshot, as of %d\n", network,
           pcn_snapshot_patient_count(snap), (int)as_of);
    /* the library, every group of the network per run */
    cpu0 = cpu_usec();
    for (int i = 0; i < runs; i++) {
        struct pcn_ppg_repr *r = NULL;
        double t0 = now_usec();
        if (pcn_ppg_representativeness(s, &o, &r, &e) != PCN_OK) {
            fprintf(stderr, "bench_ppg: %s\n", e.msg);
            return 1;
        }
        ms[i] = (now_usec() - t0) / 1e3;
        if (i == 0) {
            void *j = NULL;
            if (pcn_ppg_repr_json(r, &j) != PCN_OK)
                return 1;
            n_lib = library_figures(j, lib_counts, lib_idx, &n_groups);
            json_decref(j);
        }
        pcn_ppg_repr_free(r);
    }
    cpu_lib = (cpu_usec() - cpu0) / 1e3;
    report("library (store + snapshot), all groups", ms, runs, cpu_lib);
    /* the same in SQL (fewer runs: each takes hundreds of times longer) */
    int sql_runs = runs < 20 ? runs : 20;
    cpu0 = cpu_usec();
    for (int i = 0; i < sql_runs; i++) {
        double t0 = now_usec();
        if (run_sql(db, sql_index, network, as_of, sql_idx, 512, &n_sql_idx))
            return 1;
        ms[i] = (now_usec() - t0) / 1e3;
    }
    cpu_sql = (cpu_usec() - cpu0) / 1e3;
    report("SQLite SQL (same database), all groups", ms, sql_runs, cpu_sql);
    /* the same answer: every count, and the indexes rounded as published */
    if (run_sql(db, sql_counts, network, as_of, sql_counts_out, 1 << 16, &n_sql))
        return 1;
    bad += n_sql != n_lib || n_sql_idx != n_groups * 2;
    for (size_t i = 0; !bad && i < n_lib; i++)
        bad += lib_counts[i] != sql_counts_out[i];
    for (size_t i = 0; !bad && i < n_groups; i++)
        bad += lib_idx[2 * i] != sql_idx[2 * i] ||
               (sql_idx[2 * i + 1] < 0 ? lib_idx[2 * i + 1] != -1
                                       : lib_idx[2 * i + 1] != round(sql_idx[2 * i + 1]));
    printf("%zu groups, %zu figures: %s (speed-up %.1fx by CPU)\n", n_groups, n_lib / 5,
           bad ? "DIFFERENT ANSWERS" : "same counts and indexes",
           (cpu_sql / sql_runs) / (cpu_lib / runs));
    sqlite3_close(db);
    pcn_snapshot_free(snap);
    pcn_store_close(s);
    free(ms); /* checksrc: ok (bench) */
    return bad ? 1 : 0;
}
