/*
 * Storage conformance, the core (pcn/store.h): opening, refusing what is
 * not an OpenPCN database or is newer, migrating older schemas forward,
 * meta values and the database identity, the default as-of date and
 * deadlines. Runs on every backend (store_test.h).
 */
#include "store_test.h"

#include <sys/stat.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"

static void exec_sqlite_file(sqlite3 *db, const char *path)
{
    char *sql = test_read_file(path);

    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
}

static void test_open_errors(void **state)
{
    struct test_db *f = *state;
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
    struct test_db *f = *state;
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
    struct test_db *f = *state;
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
    /* an older file (schema 1 only: what its migration makes) is migrated forward at open */
    test_db_unlink(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    exec_sqlite_file(db, PCN_SOURCE_DIR "/src/store/migrations/0001_registry.sql");
    assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1346588209; PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK); /* 'PCN1', as every OpenPCN database has been marked */
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

/* A database of schema 4 with records gets their latest date in meta when migrated (0011). */
static void test_records_last_date_migrated(void **state)
{
    struct test_db *f = *state;
    struct pcn_error e;
    sqlite3 *db;
    char m[32];
    static const char *const files[] = {"0001_registry", "0002_population", "0003_auth_audit",
                                        "0004_database_id"};

    pcn_store_close(f->s);
    f->s = NULL;
    test_db_unlink(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), PCN_SOURCE_DIR "/src/store/migrations/%s.sql", files[i]);
        exec_sqlite_file(db, path);
    }
    /* 19800 and 19900 are days since 1970: 2024-03-18 and 2024-06-26 */
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO patient (id, patient_id, date_of_birth, sex) "
                                  "VALUES (1, 'p1', 0, 'F');"
                                  "INSERT INTO event (patient, date, kind, system, code) "
                                  "VALUES (1, 19800, 0, 'snomed', '1');"
                                  "INSERT INTO immunisation (patient, date, system, code) "
                                  "VALUES (1, 19900, 'snomed', '2');"
                                  "PRAGMA application_id = 1346588209; PRAGMA user_version = 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pcn_store_open(f->path, 0, &f->s, &e), PCN_OK);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "2024-06-26");
}

/* Mode bits of path (-1 when it does not exist). */
static int file_mode(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* path with suffix appended, in a static buffer. */
static const char *beside(const char *path, const char *suffix)
{
    static char buf[320];

    snprintf(buf, sizeof(buf), "%s%s", path, suffix);
    return buf;
}

/*
 * A new database and the files SQLite keeps beside it (the WAL and its
 * index; the rollback journal of a first bulk load) are readable by their
 * owner only, whatever the umask: they hold patient-level data.
 */
static void test_files_private(void **state)
{
    struct test_db *f = *state;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    char path[300];
    mode_t old = umask(0);

    snprintf(path, sizeof(path), "%s/private.db", f->dir);
    assert_int_equal(pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e), PCN_OK);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    store_test_put_person(s, "p1", "72313002");
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(file_mode(path), 0600);
    assert_int_equal(file_mode(beside(path, "-wal")), 0600);
    assert_int_equal(file_mode(beside(path, "-shm")), 0600);
    pcn_store_close(s);
    test_db_unlink(path);
    /* a first bulk load writes through a rollback journal instead of the WAL */
    assert_int_equal(pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e), PCN_OK);
    assert_int_equal(pcn_store_begin_bulk(s), PCN_OK);
    for (int i = 0; i < 2000; i++) {
        char id[16];
        snprintf(id, sizeof(id), "p%d", i);
        store_test_put_person(s, id, "72313002");
    }
    assert_true(file_mode(beside(path, "-journal")) == 0600 ||
                file_mode(beside(path, "-journal")) == -1);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(file_mode(path), 0600);
    pcn_store_close(s);
    test_db_unlink(path);
    umask(old);
}

static void test_pg_open_errors(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store *s = NULL;
    struct pcn_error e;
    char *sql;

    assert_string_equal(pcn_store_backend(f->s), "postgresql");
    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    pcn_store_close(f->s);
    f->s = NULL;
    /* reopening an up-to-date database changes nothing */
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_OK);
    pcn_store_close(s);
    /* a newer schema is refused */
    test_pg_exec(f->path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_EVERSION);
    assert_non_null(strstr(e.msg, "newer than this OpenPCN supports"));
    /* another application's tables are refused, not migrated */
    test_pg_reset(f->path);
    test_pg_exec(f->path, "CREATE TABLE other_app (x int)");
    assert_int_equal(pcn_store_open(f->path, 0, &s, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "not an OpenPCN database"));
    /* an older schema (1 only: what its migration makes) is migrated forward */
    test_pg_reset(f->path);
    sql = test_read_file(PCN_SOURCE_DIR "/src/store/pg/migrations/0001_registry.sql");
    test_pg_exec(f->path, sql);
    free(sql);
    test_pg_exec(f->path, "INSERT INTO meta (key, value) VALUES ('schema_version', '1')");
    assert_int_equal(pcn_store_open(f->path, 0, &f->s, &e), PCN_OK);
    assert_int_equal(pcn_store_schema_version(f->s), pcn_store_schema_latest());
    assert_int_equal(pcn_store_open("host=/nonexistent dbname=x", 0, &s, &e), PCN_EIO);
    assert_non_null(strstr(e.msg, "PostgreSQL connection failed"));
}

static void test_meta(void **state)
{
    struct test_db *f = store_test_db(state);
    char v[16];
    char tiny[4];
    int32_t d;

    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, v, sizeof(v)), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_default_as_of(f->s, &d), PCN_OK);
    assert_int_equal(d, pcn_date_today()); /* no records: today */
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2026-07-01"), PCN_EINVAL);
    assert_false(pcn_store_in_transaction(f->s));
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_true(pcn_store_in_transaction(f->s));
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2025-03-31"), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2026-07-01"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_false(pcn_store_in_transaction(f->s));
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, v, sizeof(v)), PCN_OK);
    assert_string_equal(v, "2026-07-01");
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_AS_OF, tiny, sizeof(tiny)), PCN_ELIMIT);
    assert_int_equal(pcn_store_default_as_of(f->s, &d), PCN_OK);
    assert_int_equal(d, store_test_date("2026-07-01"));
}

/* Every database has a random identity from its creation (schema 4), never the same twice. */
static void test_database_id(void **state)
{
    struct test_db *f = store_test_db(state);
    char id[64];

    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATABASE_ID, id, sizeof(id)), PCN_OK);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    assert_true(pcn_store_schema_version(f->s) >= 4);
}

/*
 * Every commit that changes data writes a new random data generation with
 * the data version; other writes (sessions, audit) leave both. A state of
 * the data is known by (database id, data version, generation): rewinding
 * the version, as a restored backup does, and committing other data
 * reaches the old version with another generation.
 */
static void test_data_generation(void **state)
{
    struct test_db *f = store_test_db(state);
    char g1[40], g2[40], g3[40], v[24];
    int64_t v1 = 0, v2 = 0;
    struct pcn_session ses = {.token_hash = "t", .csrf_token = "c", .expires_at = 1};
    struct pcn_user u = {.name = "u", .role = "analyst", .pwhash = "x"};

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_GENERATION, g1, sizeof(g1)), PCN_OK);
    assert_int_equal(strlen(g1), 32);
    assert_int_equal(strspn(g1, "0123456789abcdef"), 32);
    /* auth writes are not data: version and generation stay */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_user(f->s, &u, &ses.user_id), PCN_OK);
    assert_int_equal(pcn_store_add_session(f->s, &ses), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v2), PCN_OK);
    assert_int_equal(v2, v1);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_GENERATION, g2, sizeof(g2)), PCN_OK);
    assert_string_equal(g2, g1);
    /* the version rewound (a restored backup) and other data committed: same version, new id */
    snprintf(v, sizeof(v), "%lld", (long long)(v1 - 1));
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, "data_version", v), PCN_OK);
    store_test_put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v2), PCN_OK);
    assert_int_equal(v2, v1);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_GENERATION, g3, sizeof(g3)), PCN_OK);
    assert_string_not_equal(g3, g1);
    /* a rolled-back change writes nothing */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p3", "72313002");
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_DATA_GENERATION, g2, sizeof(g2)), PCN_OK);
    assert_string_equal(g2, g3);
}

/*
 * Without data_as_of the default is the latest date of the data (records,
 * list sizes, membership starts), unless it is in the future.
 */
static void test_default_as_of(void **state)
{
    struct test_db *f = store_test_db(state);
    int32_t as_of = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002"); /* events on 2024-03-01 */
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, store_test_date("2024-03-01"));
    /* a later medication moves it on (the remembered date follows the data version) */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p2", "72313002");
    store_test_put_medication(f->s, "p2", "amlodipine", store_test_date("2024-05-01"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, store_test_date("2024-05-01"));
    /* a registry published after the extract: its list sizes and memberships count too */
    {
        struct pcn_network n = {.code = "U12345", .name = "A PCN"};
        struct pcn_practice p = {.code = "A81001", .name = "A practice"};
        struct pcn_list_size l = {"A81001", store_test_date("2024-06-01"), 4000};
        struct pcn_membership m = {"A81001", "U12345", store_test_date("2024-07-01"),
                                   PCN_DATE_NONE};
        assert_int_equal(pcn_store_begin(f->s), PCN_OK);
        assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
        assert_int_equal(pcn_store_put_practice(f->s, &p), PCN_OK);
        assert_int_equal(pcn_store_put_list_size(f->s, &l), PCN_OK);
        assert_int_equal(pcn_store_commit(f->s), PCN_OK);
        assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
        assert_int_equal(as_of, store_test_date("2024-06-01"));
        assert_int_equal(pcn_store_begin(f->s), PCN_OK);
        assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
        assert_int_equal(pcn_store_commit(f->s), PCN_OK);
        assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
        assert_int_equal(as_of, store_test_date("2024-07-01"));
    }
    /* a record dated after today (a typing error) does not move it past today */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p3", "72313002");
    store_test_put_medication(f->s, "p3", "amlodipine", pcn_date_today() + 400);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, pcn_date_today());
    /* data_as_of wins */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "2023-12-31"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, store_test_date("2023-12-31"));
    /* a damaged data_as_of is an error, not a silent today */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_set_meta(f->s, PCN_META_DATA_AS_OF, "31/12/2023"), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_EINVAL);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "data_as_of"));
}

static int count_event(int64_t key, const struct pcn_event *e, void *ud)
{
    (void)key;
    (void)e;
    (*(int *)ud)++;
    return 0;
}

/* A passed deadline stops statements and commits; lifting it restores the handle. */
/*
 * The records' latest date is kept in meta at every commit that writes
 * records (the default as-of date reads it instead of scanning every
 * record); a commit that removes records, by replacing patients, finds it
 * again from what is left, and says how many it removed.
 */
static void test_records_last_date(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_tx_stats st;
    char m[32];
    int32_t as_of = 0;
    struct pcn_patient bare = {
        .patient_id = "p2",
        .date_of_birth = store_test_date("1950-05-05"),
        .sex = PCN_SEX_FEMALE,
        .practice = "A81001",
        .registered_from = store_test_date("2000-01-01"),
        .registered_to = PCN_DATE_NONE,
        .date_of_death = PCN_DATE_NONE,
    };

    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "none");
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002"); /* events on 2024-03-01 */
    store_test_put_person(f->s, "p2", "72313002");
    store_test_put_medication(f->s, "p2", "amlodipine", store_test_date("2024-05-01"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    pcn_store_tx_stats(f->s, &st);
    assert_int_equal(st.patients_replaced, 0);
    assert_int_equal(st.records_removed, 0);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "2024-05-01");
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, store_test_date("2024-05-01"));
    /* p2 again, demographics only: its two events and a medication go, and the date goes back */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_put_patient(f->s, &bare), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    pcn_store_tx_stats(f->s, &st);
    assert_int_equal(st.patients_replaced, 1);
    assert_int_equal(st.records_removed, 3);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "2024-03-01");
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, store_test_date("2024-03-01"));
    /* a rolled-back write leaves it as it was */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p3", "72313002");
    store_test_put_medication(f->s, "p3", "amlodipine", store_test_date("2024-09-01"));
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "2024-03-01");
    /* no records left: "none", and the default is today */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    bare.patient_id = "p1";
    assert_int_equal(pcn_store_put_patient(f->s, &bare), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_get_meta(f->s, PCN_META_RECORDS_LAST_DATE, m, sizeof(m)), PCN_OK);
    assert_string_equal(m, "none");
    assert_int_equal(pcn_store_default_as_of(f->s, &as_of), PCN_OK);
    assert_int_equal(as_of, pcn_date_today());
}

static void test_deadline(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_counts c;
    char id[16];
    int rows = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    for (int i = 0; i < 600; i++) {
        snprintf(id, sizeof(id), "p%d", i);
        store_test_put_person(f->s, id, "72313002");
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
    store_test_put_person(f->s, "late", "72313002");
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

int main(void)
{
    static const struct store_test tests[] = {
        {"test_open_errors", test_open_errors, STORE_TEST_SQLITE},
        {"test_foreign_sqlite", test_foreign_sqlite, STORE_TEST_SQLITE},
        {"test_newer_refused_older_migrated", test_newer_refused_older_migrated, STORE_TEST_SQLITE},
        {"test_records_last_date_migrated", test_records_last_date_migrated, STORE_TEST_SQLITE},
        {"test_files_private", test_files_private, STORE_TEST_SQLITE},
        {"test_pg_open_errors", test_pg_open_errors, STORE_TEST_PG},
        {"test_meta", test_meta, STORE_TEST_BOTH},
        {"test_database_id", test_database_id, STORE_TEST_BOTH},
        {"test_data_generation", test_data_generation, STORE_TEST_BOTH},
        {"test_default_as_of", test_default_as_of, STORE_TEST_BOTH},
        {"test_records_last_date", test_records_last_date, STORE_TEST_BOTH},
        {"test_deadline", test_deadline, STORE_TEST_BOTH},
    };

    return store_test_run("core", tests, sizeof(tests) / sizeof(tests[0]));
}
