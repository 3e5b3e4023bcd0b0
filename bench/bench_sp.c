/*
 * bench_sp.c - times the social prescribing directory search (category and
 * distance from a person's postcode, optionally with words) over N assets
 * (default 5,000) placed at real postcodes of the shipped postcode table,
 * against the same query written in SQLite SQL (haversine with SQLite's
 * math functions, ORDER BY distance, name, id, LIMIT) in the same run, and
 * checks that both give the same assets in the same order. Target (issue
 * 18): under 10 ms per search.
 *
 * usage: bench_sp [N_ASSETS] [N_QUERIES]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "pcn/alloc.h"
#include "pcn/asset.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/paths.h"
#include "pcn/sp_twin.h"

#define LIMIT 20
#define MAX_KM 5.0

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

/* Every distinct LSOA of the shipped postcode table, and one postcode of each as an origin. */
static int read_lsoas(char (**ret)[10], size_t *ret_n)
{
    char path[4096];
    struct pcn_csv *c = NULL;
    struct pcn_error e;
    struct pcn_strmap *seen = pcn_strmap_new();
    char(*lsoas)[10] = NULL;
    size_t n = 0, alloc = 0;

    if (!seen || pcn_data_path("data/reference/postcode_lsoa.csv", path, sizeof(path)) != PCN_OK ||
        pcn_csv_open(path, &c, &e) != PCN_OK)
        return 1;
    (void)pcn_csv_next(c, &e); /* header */
    while (pcn_csv_next(c, &e) == PCN_OK) {
        const char *l = pcn_csv_field(c, 1, NULL);
        uint64_t v = 0;
        int added = 0;
        if (pcn_strmap_intern(seen, l, strlen(l), n, &v, &added) != PCN_OK)
            return 1;
        if (!added)
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            lsoas = pcn_reallocarray(lsoas, alloc, sizeof(*lsoas));
            if (!lsoas)
                return 1;
        }
        (void)snprintf(lsoas[n++], sizeof(lsoas[0]), "%s", l);
    }
    pcn_csv_free(c);
    pcn_strmap_free(seen);
    *ret = lsoas;
    *ret_n = n;
    return 0;
}

/* A directory of n assets made by the twin over people living in every LSOA. */
static struct pcn_sp_twin *make_directory(const struct pcn_geo *geo, char (*lsoas)[10],
                                          size_t n_lsoas, size_t n_assets)
{
    size_t n_people = n_lsoas * 150;
    struct pcn_sp_twin_person *p = pcn_calloc(n_people, sizeof(*p));
    struct pcn_sp_twin_opts o = {.seed = 18,
                                 .as_of = 20636,
                                 .months = 1,
                                 .n_assets = n_assets,
                                 .geo = geo,
                                 .link_worker_fte = 0.2};
    struct pcn_sp_twin *t = NULL;
    struct pcn_error e;

    if (!p)
        return NULL;
    for (size_t i = 0; i < n_people; i++)
        p[i] = (struct pcn_sp_twin_person){"P", "A81001", lsoas[i % n_lsoas], 50, 'F', 5, 0};
    if (pcn_sp_twin_make(p, n_people, &o, &t, &e) != PCN_OK)
        fprintf(stderr, "bench_sp: %s\n", e.msg);
    pcn_free(p);
    return t;
}

static const char *sql_search =
    "SELECT id, km FROM (SELECT id, name, 6371.0088 * 2 * asin(sqrt("
    "  pow(sin(radians(lat - ?1) / 2), 2) +"
    "  cos(radians(?1)) * cos(radians(lat)) * pow(sin(radians(lon - ?2) / 2), 2))) AS km"
    " FROM asset WHERE active = 1 AND (categories & ?3) != 0 AND lat IS NOT NULL"
    "   AND (?5 = '' OR instr(haystack, ?5) > 0))"
    " WHERE km <= ?4 ORDER BY km, name, id LIMIT 20";

static int load_sqlite(sqlite3 *db, const struct pcn_directory *d)
{
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_exec(db,
                          "CREATE TABLE asset (id INTEGER PRIMARY KEY, name TEXT, categories "
                          "INTEGER, lat REAL, lon REAL, active INTEGER, haystack TEXT)",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO asset VALUES (?, ?, ?, ?, ?, ?, lower(?))", -1,
                                &ins, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < pcn_directory_count(d); i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        char hay[8192];
        (void)snprintf(hay, sizeof(hay), "%s\n%s\n%s\n%s\n%s", a->name, a->organisation,
                       a->description, a->address, a->postcode);
        sqlite3_bind_int64(ins, 1, a->id);
        sqlite3_bind_text(ins, 2, a->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, a->categories);
        if (a->has_position) {
            sqlite3_bind_double(ins, 4, a->lat);
            sqlite3_bind_double(ins, 5, a->lon);
        } else {
            sqlite3_bind_null(ins, 4);
            sqlite3_bind_null(ins, 5);
        }
        sqlite3_bind_int(ins, 6, a->active);
        sqlite3_bind_text(ins, 7, hay, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    return rc;
}

struct result {
    int64_t id[LIMIT];
    double km[LIMIT];
    int n;
};

static void run_sql(sqlite3_stmt *st, const struct pcn_place *o, uint32_t cats, const char *text,
                    struct result *r)
{
    sqlite3_reset(st);
    sqlite3_bind_double(st, 1, o->lat);
    sqlite3_bind_double(st, 2, o->lon);
    sqlite3_bind_int64(st, 3, cats);
    sqlite3_bind_double(st, 4, MAX_KM);
    sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
    r->n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && r->n < LIMIT) {
        r->id[r->n] = sqlite3_column_int64(st, 0);
        r->km[r->n++] = sqlite3_column_double(st, 1);
    }
}

static void run_ours(const struct pcn_directory *d, const struct pcn_place *o, uint32_t cats,
                     const char *text, struct result *r)
{
    struct pcn_asset_query q = {.categories = cats,
                                .text = text,
                                .has_origin = 1,
                                .lat = o->lat,
                                .lon = o->lon,
                                .max_km = MAX_KM,
                                .age = -1,
                                .as_of = 20636,
                                .limit = LIMIT};
    struct pcn_asset_hit *h = NULL;
    size_t n = 0, total = 0;

    r->n = 0;
    if (pcn_directory_search(d, &q, &h, &n, &total) != PCN_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        r->id[i] = h[i].asset->id;
        r->km[i] = h[i].km;
    }
    r->n = (int)n;
    pcn_free(h);
}

/* Same assets in the same order; two hits may swap only when their distances tie to 1e-9 km. */
static int same(const struct result *a, const struct result *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++) {
        if (fabs(a->km[i] - b->km[i]) > 1e-9)
            return 0;
        if (a->id[i] != b->id[i] && (i + 1 >= a->n || fabs(a->km[i] - a->km[i + 1]) > 1e-9))
            return 0;
    }
    return 1;
}

static void report(const char *what, double *ours, double *sql, int n)
{
    qsort(ours, (size_t)n, sizeof(double), cmp_double);
    qsort(sql, (size_t)n, sizeof(double), cmp_double);
    printf("%-34s  OpenPCN median %8.1f us  p95 %8.1f us | SQLite median %8.1f us  p95 %8.1f us | "
           "ratio %.1fx\n",
           what, ours[n / 2], ours[n * 95 / 100], sql[n / 2], sql[n * 95 / 100],
           sql[n / 2] / (ours[n / 2] > 0 ? ours[n / 2] : 1));
}

int main(int argc, char **argv)
{
    size_t n_assets = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 5000;
    int n_queries = argc > 2 ? atoi(argv[2]) : 500;
    struct pcn_geo *geo = NULL;
    struct pcn_error e;
    char(*lsoas)[10] = NULL;
    size_t n_lsoas = 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double load[3] = {0};
    FILE *f = fopen("/proc/loadavg", "r");

    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(f);
    }
    if (n_queries < 20 || pcn_geo_load(NULL, &geo, &e) != PCN_OK ||
        read_lsoas(&lsoas, &n_lsoas) != 0) {
        fprintf(stderr, "bench_sp: cannot load the postcode table\n");
        return 1;
    }
    struct pcn_sp_twin *t = make_directory(geo, lsoas, n_lsoas, n_assets);
    if (!t || sqlite3_open(":memory:", &db) != SQLITE_OK || load_sqlite(db, t->directory) ||
        sqlite3_prepare_v3(db, sql_search, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_sp: setup failed: %s\n", db ? sqlite3_errmsg(db) : "no memory");
        return 1;
    }
    printf("directory search: %zu assets at postcodes in %zu LSOAs, %d searches from random "
           "postcodes, within %.0f km, first %d; load average %.2f %.2f %.2f\n",
           pcn_directory_count(t->directory), n_lsoas, n_queries, MAX_KM, LIMIT, load[0], load[1],
           load[2]);
    double *ours = pcn_calloc((size_t)n_queries, sizeof(double));
    double *sql = pcn_calloc((size_t)n_queries, sizeof(double));
    int mismatches = 0;
    srand(18);
    for (int pass = 0; pass < 2; pass++) {
        const char *text = pass ? "group" : "";
        for (int i = 0; i < n_queries; i++) {
            struct pcn_place o;
            char pc[9];
            const char *l = lsoas[(size_t)rand() % n_lsoas];
            if (pcn_geo_lsoa_postcode(geo, l, 0, pc, &o) != PCN_OK)
                return 1;
            uint32_t cats = (1u << (rand() % PCN_ASSET_CATEGORY_COUNT_)) |
                            (i % 3 ? 0 : 1u << (rand() % PCN_ASSET_CATEGORY_COUNT_));
            struct result a, b;
            double t0 = cpu_usec();
            run_ours(t->directory, &o, cats, text, &a);
            double t1 = cpu_usec();
            run_sql(st, &o, cats, text, &b);
            double t2 = cpu_usec();
            ours[i] = t1 - t0;
            sql[i] = t2 - t1;
            mismatches += !same(&a, &b);
        }
        report(pass ? "category + distance + \"group\"" : "category + distance", ours, sql,
               n_queries);
    }
    printf("same answer as SQLite: %s (%d of %d searches differ)\n", mismatches ? "NO" : "yes",
           mismatches, 2 * n_queries);
    pcn_free(ours);
    pcn_free(sql);
    sqlite3_finalize(st);
    sqlite3_close(db);
    pcn_sp_twin_free(t);
    pcn_geo_free(geo);
    pcn_free(lsoas);
    return mismatches ? 1 : 0;
}
