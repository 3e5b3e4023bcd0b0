/*
 * Storage conformance suite: every backend must pass these. The SQLite
 * backend runs on a fresh file per test; the PostgreSQL backend runs when
 * PCN_TEST_PG names a server (scripts/with-pg.sh starts a throwaway one),
 * on a freshly emptied schema per test.
 */
#include "testutil.h"

#include <stdbool.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "pcn/date.h"
#include "pcn/store.h"

struct fixture {
    char dir[128];
    char path[256];
    struct pcn_store *s;
};

/* Empty the test database's schema so each PostgreSQL test starts fresh. */
static void pg_reset(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; "
                  "CREATE SCHEMA public");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static void pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static int setup_pg(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *pg = getenv("PCN_TEST_PG");
    struct pcn_error e;
    *state = f;
    if (!pg)
        return 0;
    snprintf(f->path, sizeof(f->path), "%s", pg);
    pg_reset(pg);
    assert_int_equal(pcn_store_open(pg, PCN_STORE_FLAG_CREATE, &f->s, &e), PCN_OK);
    return 0;
}

static int teardown_pg(void **state)
{
    struct fixture *f = *state;
    pcn_store_close(f->s);
    free(f);
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct pcn_error e;
    test_mkdtemp(f->dir, sizeof(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
    assert_int_equal(pcn_store_open(f->path, PCN_STORE_FLAG_CREATE, &f->s, &e), PCN_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[512];
    pcn_store_close(f->s);
    snprintf(cmd, sizeof(cmd), "%s-wal", f->path);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s-shm", f->path);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s-journal", f->path);
    unlink(cmd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int32_t d_(const char *s)
{
    int32_t v;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static void test_open_errors(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    char path[300];

    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    assert_string_equal(pcn_store_backend(f->s), "sqlite");
    snprintf(path, sizeof(path), "%s/missing.db", f->dir);
    assert_int_equal(pcn_store_open(path, 0, &s, &e), PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "pcn init"));
    assert_int_equal(pcn_store_open(NULL, 0, &s, &e), PCN_EINVAL);
    snprintf(path, sizeof(path), "%s/text.db", f->dir);
    test_write_file(path, "this is not a database, just some text that is long enough\n");
    assert_int_equal(pcn_store_open(path, 0, &s, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "not an OpenPCN database"));
    unlink(path);
}

/* A SQLite file of another application is refused, not migrated. */
static void test_foreign_sqlite(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    char path[300];
    sqlite3 *db;

    snprintf(path, sizeof(path), "%s/other.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pcn_store_open(path, 0, &s, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "not an OpenPCN database"));
    unlink(path);
}

static void test_newer_refused_older_migrated(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    sqlite3 *db;

    pcn_store_close(f->s);
    f->s = NULL;
    /* pretend a future version wrote the file */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_EVERSION);
    assert_non_null(strstr(e.msg, "newer than this OpenPCN supports"));
    /* an older file (schema 1 only) is migrated forward at open */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE event; DROP TABLE medication; DROP TABLE "
                                  "immunisation; DROP TABLE encounter; DROP TABLE term; "
                                  "DROP TABLE patient; DROP TABLE audit; DROP TABLE "
                                  "login_attempt; DROP TABLE session; DROP TABLE app_user; "
                                  "PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pcn_store_open(f->path, PCN_STORE_FLAG_READONLY, &s, &e), PCN_EVERSION);
    assert_int_equal(pcn_store_open(f->path, 0, &f->s, &e), PCN_OK);
    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    {
        struct pcn_store_counts c;
        assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
        assert_int_equal(c.patients, 0);
    }
}

static int count_rows(const void *row, void *ud)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static int count_networks(const struct pcn_network *n, void *ud)
{
    return count_rows(n, ud);
}

static int count_memberships(const struct pcn_membership *m, void *ud)
{
    return count_rows(m, ud);
}

static int check_network(const struct pcn_network *n, void *ud)
{
    (void)ud;
    assert_string_equal(n->name, "Renamed PCN");
    assert_string_equal(n->icb_code, "QHM"); /* kept when the update leaves it NULL */
    return 0;
}

/* Generic tests skip on a backend that was not configured. */
static struct fixture *backend(void **state)
{
    struct fixture *f = *state;
    if (!f->s)
        skip();
    return f;
}

static void test_pg_open_errors(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_store *s = NULL;
    struct pcn_error e;

    assert_string_equal(pcn_store_backend(f->s), "postgresql");
    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    pcn_store_close(f->s);
    f->s = NULL;
    /* reopening an up-to-date database changes nothing */
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_OK);
    pcn_store_close(s);
    /* a newer schema is refused */
    pg_exec(f->path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_EVERSION);
    assert_non_null(strstr(e.msg, "newer than this OpenPCN supports"));
    /* another application's tables are refused, not migrated */
    pg_reset(f->path);
    pg_exec(f->path, "CREATE TABLE other_app (x int)");
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "not an OpenPCN database"));
    /* an older schema is migrated forward */
    pg_reset(f->path);
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_OK);
    pcn_store_close(s);
    pg_exec(f->path, "DROP TABLE audit, login_attempt, session, app_user; "
                     "DROP FUNCTION audit_append_only(); "
                     "DROP TABLE event, medication, immunisation, encounter, term, patient; "
                     "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    assert_int_equal(pcn_store_open(f->path, 0, &f->s, &e), PCN_OK);
    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    assert_int_equal(pcn_store_open("host=/nonexistent dbname=x", 0, &s, &e), PCN_EIO);
    assert_non_null(strstr(e.msg, "PostgreSQL connection failed"));
}

static void test_registry(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_network n = {.code = "U12345", .name = "Test PCN", .icb_code = "QHM"};
    struct pcn_practice p = {.code = "A81001", .name = "Practice One", .postcode = "TS18 1HU"};
    struct pcn_membership m = {"A81001", "U12345", d_("2020-01-01"), PCN_DATE_NONE};
    struct pcn_list_size l = {"A81001", d_("2025-01-01"), 4000};
    struct pcn_list_band b = {"A81001", d_("2025-01-01"), 'F', 40, 123};
    int64_t patients = 0;
    int32_t at = 0;
    int rows = 0;

    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_EINVAL); /* outside a transaction */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_EINVAL);
    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
    n.name = "Renamed PCN";
    n.icb_code = NULL;
    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
    assert_int_equal(pcn_store_put_practice(f->s, &p), PCN_OK);
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
    m.start_date = d_("2021-01-01");
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "already a member"));
    assert_int_equal(pcn_store_end_membership(f->s, "A81001", d_("2022-12-31")), PCN_OK);
    m.start_date = d_("2023-01-01");
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
    m.practice = "Z99999"; /* unknown practice: foreign key */
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_ECONFLICT);
    assert_int_equal(pcn_store_put_list_size(f->s, &l), PCN_OK);
    assert_int_equal(pcn_store_put_list_band(f->s, &b), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_get_network(f->s, "U12345", check_network, NULL), PCN_OK);
    assert_int_equal(pcn_store_get_network(f->s, "U00000", check_network, NULL), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_each_network(f->s, count_networks, &rows), PCN_OK);
    assert_int_equal(rows, 1);
    rows = 0;
    assert_int_equal(pcn_store_each_membership(f->s, "A81001", count_memberships, &rows), PCN_OK);
    assert_int_equal(rows, 2);
    assert_int_equal(pcn_store_list_size_at(f->s, "A81001", d_("2025-06-01"), &patients, &at),
                     PCN_OK);
    assert_int_equal(patients, 4000);
    assert_int_equal(at, d_("2025-01-01"));
    assert_int_equal(pcn_store_list_size_at(f->s, "A81001", d_("2024-06-01"), &patients, &at),
                     PCN_ENOTFOUND);
}

static void put_person(struct pcn_store *s, const char *id, const char *code)
{
    struct pcn_patient p = {
        .patient_id = id,
        .date_of_birth = d_("1950-05-05"),
        .sex = PCN_SEX_FEMALE,
        .practice = "A81001",
        .registered_from = d_("2000-01-01"),
        .registered_to = PCN_DATE_NONE,
        .date_of_death = PCN_DATE_NONE,
    };
    struct pcn_event e = {
        .patient_id = id,
        .date = d_("2024-03-01"),
        .end_date = PCN_DATE_NONE,
        .kind = PCN_EVENT_OBSERVATION,
        .system = "snomed",
        .code = code,
        .has_value = 1,
        .value = 141.5,
        .unit = "mm[Hg]",
    };
    assert_int_equal(pcn_store_put_patient(s, &p), PCN_OK);
    assert_int_equal(pcn_store_put_event(s, &e), PCN_OK);
    assert_int_equal(pcn_store_put_event(s, &e), PCN_OK);
}

static int check_event(int64_t key, const struct pcn_event *e, void *ud)
{
    (void)key;
    assert_true(e->has_value);
    assert_true(e->value == 141.5);
    assert_string_equal(e->unit, "mm[Hg]");
    assert_int_equal(e->end_date, PCN_DATE_NONE);
    (*(int *)ud)++;
    return 0;
}

static void test_population(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_store_counts c;
    struct pcn_event orphan = {.patient_id = "nobody", .date = 0, .code = "1"};
    int64_t v0;
    int64_t v1;
    int64_t key;
    int rows = 0;

    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_put_event(f->s, &orphan), PCN_ENOTFOUND);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "'nobody'"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v1 == v0 + 1);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(c.events, 4);

    /* re-putting a patient replaces its records: idempotent */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(c.events, 4);
    assert_int_equal(pcn_store_each_event(f->s, check_event, &rows), PCN_OK);
    assert_int_equal(rows, 4);
    assert_int_equal(pcn_store_find_patient(f->s, "p2", &key), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p9", &key), PCN_ENOTFOUND);

    /* a rolled-back transaction leaves nothing, and no version bump */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p3", "72313002");
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_true(v0 == v1 + 1);
    /* an empty transaction does not bump the version */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v0 == v1);
}

static void expect_counts(struct pcn_store *s, int64_t patients, int64_t events,
                          int64_t medications)
{
    struct pcn_store_counts c;

    assert_int_equal(pcn_store_count(s, &c), PCN_OK);
    assert_int_equal(c.patients, patients);
    assert_int_equal(c.events, events);
    assert_int_equal(c.medications, medications);
}

/* Bulk loads: the same guarantees as any transaction, and no duplicates on replacing. */
static void test_bulk(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_event orphan = {.patient_id = "nobody", .date = 0, .system = "snomed", .code = "1"};
    struct pcn_medication m = {.patient_id = "p1",
                               .start_date = d_("2024-01-01"),
                               .end_date = PCN_DATE_NONE,
                               .system = "dmd",
                               .code = "39732311000001104"};
    struct pcn_membership unknown = {"Z99999", "U00000", d_("2020-01-01"), PCN_DATE_NONE};
    int rows = 0;

    /* a rolled-back first load leaves the database empty */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_EINVAL);
    put_person(f->s, "p1", "72313002");
    pcn_store_rollback(f->s);
    expect_counts(f->s, 0, 0, 0);

    /* records of patients not in the load are refused; a patient put twice keeps its last */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_OK);
    assert_int_equal(pcn_store_put_event(f->s, &orphan), PCN_ENOTFOUND);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "'nobody'"));
    put_person(f->s, "p1", "72313002");
    put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_counts(f->s, 2, 4, 0);
    assert_int_equal(pcn_store_each_event(f->s, check_event, &rows), PCN_OK);
    assert_int_equal(rows, 4);

    /* a later load replaces patients whole */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_ENOTFOUND); /* p1 is not in it */
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_counts(f->s, 2, 4, 0);

    /* foreign keys hold again after a bulk load */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_membership(f->s, &unknown), PCN_ECONFLICT);
    pcn_store_rollback(f->s);
}

static bool file_exists(const char *path, const char *suffix)
{
    char p[300];

    snprintf(p, sizeof(p), "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

static void expect_journal_mode(const char *path, const char *mode)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), mode);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/*
 * SQLite: the first load into a database without patients runs on a
 * rollback journal and the database is back in WAL mode afterwards; with
 * another connection open, or patients present, the load stays in WAL.
 */
static void test_bulk_sqlite_journal(void **state)
{
    struct fixture *f = *state;
    sqlite3 *other = NULL;

    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    assert_true(file_exists(f->path, "-journal"));
    assert_false(file_exists(f->path, "-wal"));
    pcn_store_rollback(f->s);
    assert_false(file_exists(f->path, "-journal"));
    expect_journal_mode(f->path, "wal");
    expect_counts(f->s, 0, 0, 0);

    /* another connection keeps the database in WAL mode; the load still works */
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "SELECT COUNT(*) FROM patient", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    assert_false(file_exists(f->path, "-journal"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    sqlite3_close(other);
    expect_counts(f->s, 1, 2, 0);

    /* a database with patients keeps its WAL */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    put_person(f->s, "p2", "72313002");
    assert_false(file_exists(f->path, "-journal"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_journal_mode(f->path, "wal");
    expect_counts(f->s, 2, 4, 0);
}

static int check_user(const struct pcn_user *u, void *ud)
{
    (void)ud;
    assert_string_equal(u->name, "alice");
    assert_string_equal(u->role, "clinician");
    assert_string_equal(u->pwhash, "hash2");
    assert_int_equal(u->disabled, 1);
    return 0;
}

static int check_session(const struct pcn_session *ses, const struct pcn_user *u, void *ud)
{
    (void)ud;
    assert_string_equal(ses->csrf_token, "csrf");
    assert_int_equal(ses->expires_at, 2000);
    assert_int_equal(ses->revoked, 1);
    assert_string_equal(u->name, "alice");
    return 0;
}

static int collect_audit(const struct pcn_audit_row *a, void *ud)
{
    int64_t *sum = ud;
    *sum += a->id;
    assert_string_equal(a->route, "/api/v1/patients/{key}");
    return 0;
}

static void test_meta(void **state)
{
    struct fixture *f = backend(state);
    char v[16];
    char tiny[4];
    int32_t d;

    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, v, sizeof(v)), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_default_as_of(f->s, &d), PCN_OK);
    assert_int_equal(d, pcn_date_today()); /* no records: today */
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2026-07-01"), PCN_EINVAL);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2025-03-31"), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2026-07-01"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, v, sizeof(v)), PCN_OK);
    assert_string_equal(v, "2026-07-01");
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, tiny, sizeof(tiny)), PCN_ELIMIT);
    assert_int_equal(pcn_store_default_as_of(f->s, &d), PCN_OK);
    assert_int_equal(d, d_("2026-07-01"));
}

static void put_medication(struct pcn_store *s, const char *id, const char *code, int32_t start)
{
    struct pcn_medication m = {.patient_id = id,
                               .start_date = start,
                               .end_date = PCN_DATE_NONE,
                               .system = "openpcn-drug",
                               .code = code};
    assert_int_equal(pcn_store_put_medication(s, &m), PCN_OK);
}

/* One record of a walk, as the engine's snapshot sees it. */
struct seen {
    int64_t key;
    int32_t date;
    char code[16];
    double value;
};

struct seen_list {
    struct seen rows[32];
    int n;
};

static int saw(struct seen_list *l, int64_t key, int32_t date, const char *code, double value)
{
    assert_true(l->n < 32);
    l->rows[l->n] = (struct seen){key, date, "", value};
    (void)snprintf(l->rows[l->n].code, sizeof(l->rows[l->n].code), "%s", code);
    l->n++;
    return 0;
}

static int saw_event(int64_t key, const struct pcn_event *e, void *ud)
{
    return saw(ud, key, e->date, e->code, e->has_value ? e->value : -1);
}

static int saw_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    return saw(ud, key, m->start_date, m->code, -2);
}

static int saw_immunisation(int64_t key, const struct pcn_immunisation *i, void *ud)
{
    return saw(ud, key, i->date, i->code, -3);
}

/* Stable insertion sort by (key, date): what the snapshot does with a scan. */
static void sort_seen(struct seen_list *l)
{
    for (int i = 1; i < l->n; i++) {
        struct seen x = l->rows[i];
        int j = i;
        while (j > 0 && (l->rows[j - 1].key > x.key ||
                         (l->rows[j - 1].key == x.key && l->rows[j - 1].date > x.date))) {
            l->rows[j] = l->rows[j - 1];
            j--;
        }
        l->rows[j] = x;
    }
}

static void put_valued(struct pcn_store *s, const char *id, const char *code, const char *date,
                       double value)
{
    struct pcn_event e = {.patient_id = id, .date = d_(date), .end_date = PCN_DATE_NONE};
    e.kind = PCN_EVENT_OBSERVATION;
    e.system = "snomed";
    e.code = code;
    e.has_value = 1;
    e.value = value;
    assert_int_equal(pcn_store_put_event(s, &e), PCN_OK);
}

/*
 * The scans (pcn_store_scan_*) give the walks' records in storage order:
 * sorted stably by patient and date they are the ordered walk's, same-day
 * records in the order they were stored.
 */
static void test_scan(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_medication m = {.patient_id = "s1", .start_date = d_("2024-02-02")};
    struct pcn_immunisation im = {.patient_id = "s2", .date = d_("2024-03-03")};
    struct seen_list walk = {.n = 0}, scan = {.n = 0};
    static const char *const ids[] = {"s2", "s1"};

    m.end_date = PCN_DATE_NONE;
    m.system = "dmd";
    m.code = "M1";
    im.system = "snomed";
    im.code = "FLU";
    /* s2 stored before s1, s1's records out of date order, a same-day pair of values */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    for (int k = 0; k < 2; k++) {
        struct pcn_patient p = {.patient_id = ids[k], .date_of_birth = d_("1960-01-01")};
        p.sex = PCN_SEX_MALE;
        p.registered_from = PCN_DATE_NONE;
        p.registered_to = PCN_DATE_NONE;
        p.date_of_death = PCN_DATE_NONE;
        assert_int_equal(pcn_store_put_patient(f->s, &p), PCN_OK);
    }
    put_valued(f->s, "s2", "B", "2024-05-01", 1);
    put_valued(f->s, "s1", "A", "2024-06-01", 2);
    put_valued(f->s, "s1", "A", "2024-01-01", 3);
    put_valued(f->s, "s1", "C", "2024-06-01", 4); /* same day as the 2, stored after it */
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_OK);
    assert_int_equal(pcn_store_put_immunisation(f->s, &im), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_each_event(f->s, saw_event, &walk), PCN_OK);
    assert_int_equal(pcn_store_each_medication(f->s, saw_medication, &walk), PCN_OK);
    assert_int_equal(pcn_store_each_immunisation(f->s, saw_immunisation, &walk), PCN_OK);
    assert_int_equal(pcn_store_scan_events(f->s, saw_event, &scan), PCN_OK);
    assert_int_equal(pcn_store_scan_medications(f->s, saw_medication, &scan), PCN_OK);
    assert_int_equal(pcn_store_scan_immunisations(f->s, saw_immunisation, &scan), PCN_OK);
    assert_int_equal(walk.n, 6);
    assert_int_equal(scan.n, 6);
    sort_seen(&walk); /* events, then medicines, then immunisations: one order for both */
    sort_seen(&scan);
    for (int i = 0; i < walk.n; i++) {
        assert_true(walk.rows[i].key == scan.rows[i].key);
        assert_int_equal(walk.rows[i].date, scan.rows[i].date);
        assert_string_equal(walk.rows[i].code, scan.rows[i].code);
        assert_true(walk.rows[i].value == scan.rows[i].value);
    }
}

/* Every database has a random identity from its creation (schema 4), never the same twice. */
static void test_database_id(void **state)
{
    struct fixture *f = backend(state);
    char id[64];

    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATABASE_ID, id, sizeof(id)), PCN_OK);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    assert_true(pcn_store_schema_version(f->s) >= 4);
}

/*
 * Without data_as_of the default is the latest date of the data (records,
 * list sizes, membership starts), unless it is in the future.
 */
static void test_default_as_of(void **state)
{
    struct fixture *f = backend(state);
    int32_t as_of = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002"); /* events on 2024-03-01 */
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, d_("2024-03-01"));
    /* a later medication moves it on (the remembered date follows the data version) */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p2", "72313002");
    put_medication(f->s, "p2", "amlodipine", d_("2024-05-01"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, d_("2024-05-01"));
    /* a registry published after the extract: its list sizes and memberships count too */
    {
        struct pcn_network n = {.code = "U12345", .name = "A PCN"};
        struct pcn_practice p = {.code = "A81001", .name = "A practice"};
        struct pcn_list_size l = {"A81001", d_("2024-06-01"), 4000};
        struct pcn_membership m = {"A81001", "U12345", d_("2024-07-01"), PCN_DATE_NONE};
        assert_int_equal(pcn_store_begin(f->s), PCN_OK);
        assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
        assert_int_equal(pcn_store_put_practice(f->s, &p), PCN_OK);
        assert_int_equal(pcn_store_put_list_size(f->s, &l), PCN_OK);
        assert_int_equal(pcn_store_commit(f->s), PCN_OK);
        assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
        assert_int_equal(as_of, d_("2024-06-01"));
        assert_int_equal(pcn_store_begin(f->s), PCN_OK);
        assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
        assert_int_equal(pcn_store_commit(f->s), PCN_OK);
        assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
        assert_int_equal(as_of, d_("2024-07-01"));
    }
    /* a record dated after today (a typing error) does not move it past today */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p3", "72313002");
    put_medication(f->s, "p3", "amlodipine", pcn_date_today() + 400);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, pcn_date_today());
    /* data_as_of wins */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2023-12-31"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, d_("2023-12-31"));
    /* a damaged data_as_of is an error, not a silent today */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "31/12/2023"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_EINVAL);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "data_as_of"));
}

static int collect_term(const struct pcn_term *t, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s/%s=%s", n ? ";" : "", t->system, t->code, t->term);
    return 0;
}

/* The patient view's terms: only codes the patient has, only those with a term. */
static void test_patient_terms(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_term terms[] = {
        {"snomed", "72313002", "Systolic arterial pressure"},
        {"snomed", "38341003", "Hypertensive disorder"},
        {"openpcn-drug", "amlodipine", "Amlodipine 5mg tablets"},
    };
    char got[256] = "";
    char none[256] = "";
    int64_t key = 0;
    int64_t other = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    put_person(f->s, "p1", "72313002");
    put_medication(f->s, "p1", "amlodipine", d_("2024-01-01"));
    put_medication(f->s, "p1", "no-term-drug", d_("2024-01-02"));
    put_person(f->s, "p2", "999999");
    for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++)
        assert_int_equal(pcn_store_put_term(f->s, &terms[i]), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p1", &key), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p2", &other), PCN_OK);
    assert_int_equal(pcn_store_patient_terms(f->s, key, collect_term, got), PCN_OK);
    /* order is unspecified: check both entries and the count */
    assert_non_null(strstr(got, "snomed/72313002=Systolic arterial pressure"));
    assert_non_null(strstr(got, "openpcn-drug/amlodipine=Amlodipine 5mg tablets"));
    assert_int_equal(strlen(got), strlen("snomed/72313002=Systolic arterial pressure;"
                                         "openpcn-drug/amlodipine=Amlodipine 5mg tablets"));
    assert_int_equal(pcn_store_patient_terms(f->s, other, collect_term, none), PCN_OK);
    assert_string_equal(none, ""); /* 999999 has no term */
}

static int count_event(int64_t key, const struct pcn_event *e, void *ud)
{
    (void)key;
    (void)e;
    (*(int *)ud)++;
    return 0;
}

/* A passed deadline stops statements and commits; lifting it restores the handle. */
static void test_deadline(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_store_counts c;
    char id[16];
    int rows = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    for (int i = 0; i < 600; i++) {
        snprintf(id, sizeof(id), "p%d", i);
        put_person(f->s, id, "72313002");
    }
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    /* a deadline in the future changes nothing */
    assert_int_equal(pcn_store_set_deadline(f->s, pcn_monotonic_usec() + 60000000), PCN_OK);
    assert_int_equal(pcn_store_each_event(f->s, count_event, &rows), PCN_OK);
    assert_int_equal(rows, 1200);
    /* one that has passed stops a walk of 1,200 rows */
    assert_int_equal(pcn_store_set_deadline(f->s, 1), PCN_OK);
    rows = 0;
    assert_int_equal(pcn_store_each_event(f->s, count_event, &rows), PCN_ETIMEDOUT);
    assert_true(rows < 1200);
    /* and a transaction cannot commit after it: nothing is applied */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_deadline(f->s, 0), PCN_OK);
    put_person(f->s, "late", "72313002");
    assert_int_equal(pcn_store_set_deadline(f->s, 1), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_ETIMEDOUT);
    assert_int_equal(pcn_store_set_deadline(f->s, -5), PCN_EINVAL);
    assert_int_equal(pcn_store_set_deadline(f->s, 0), PCN_OK);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 600);
    rows = 0;
    assert_int_equal(pcn_store_each_event(f->s, count_event, &rows), PCN_OK);
    assert_int_equal(rows, 1200);
}

static void test_auth(void **state)
{
    struct fixture *f = backend(state);
    struct pcn_user u = {
        .name = "alice", .role = "clinician", .pwhash = "hash1", .created_at = 1000};
    struct pcn_session ses = {
        .token_hash = "t1", .csrf_token = "csrf", .created_at = 1000, .expires_at = 2000};
    struct pcn_audit_row a = {.at = 1,
                              .user_name = "alice",
                              .role = "clinician",
                              .method = "GET",
                              .route = "/api/v1/patients/{key}",
                              .object_type = "patient",
                              .object_id = "7",
                              .status = 200,
                              .prev_hash = "0",
                              .hash = "h"};
    int64_t id = 0;
    int64_t n = 0;
    int64_t v0;
    int64_t v1;
    int64_t sum = 0;

    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_user(f->s, &u, &id), PCN_OK);
    assert_true(id > 0);
    assert_int_equal(pcn_store_add_user(f->s, &u, NULL), PCN_ECONFLICT);
    u.name = "bob";
    u.role = "wizard";
    assert_int_equal(pcn_store_add_user(f->s, &u, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_set_user_password(f->s, "alice", "hash2"), PCN_OK);
    assert_int_equal(pcn_store_set_user_disabled(f->s, "alice", 1), PCN_OK);
    assert_int_equal(pcn_store_set_user_disabled(f->s, "nobody", 1), PCN_ENOTFOUND);
    ses.user_id = id;
    assert_int_equal(pcn_store_add_session(f->s, &ses), PCN_OK);
    assert_int_equal(pcn_store_revoke_session(f->s, "t1"), PCN_OK);
    assert_int_equal(pcn_store_revoke_session(f->s, "t9"), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 10, 0), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 20, 1), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 30, 0), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 40, 0), PCN_OK);
    for (int i = 1; i <= 3; i++) {
        a.id = i;
        assert_int_equal(pcn_store_append_audit(f->s, &a), PCN_OK);
    }
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    /* none of this is population data: the data version stays */
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v0 == v1);
    assert_int_equal(pcn_store_get_user(f->s, "alice", check_user, NULL), PCN_OK);
    assert_int_equal(pcn_store_get_user(f->s, "carol", check_user, NULL), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_get_session(f->s, "t1", check_session, NULL), PCN_OK);
    assert_int_equal(pcn_store_count_login_failures(f->s, "user:alice", 0, &n), PCN_OK);
    assert_int_equal(n, 2); /* failures after the last success */
    assert_int_equal(pcn_store_each_audit(f->s, 1, 0, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 5);
    sum = 0;
    assert_int_equal(pcn_store_each_audit(f->s, 0, 1, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 1);
    sum = 0;
    assert_int_equal(pcn_store_last_audit(f->s, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 3);
    /* a read transaction sees one snapshot and refuses nesting */
    assert_int_equal(pcn_store_begin_read(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin_read(f->s), PCN_EINVAL);
    assert_int_equal(pcn_store_get_user(f->s, "alice", check_user, NULL), PCN_OK);
    pcn_store_end_read(f->s);
    pcn_store_end_read(f->s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_refused_older_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_population, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_sqlite_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_default_as_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_as_of, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_patient_terms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_terms, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_auth, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_pg_open_errors, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_registry, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_population, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_bulk, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_database_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_id, setup_pg, teardown_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
