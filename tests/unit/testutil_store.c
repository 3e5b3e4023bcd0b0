/*
 * testutil_store.c - the unit tests' temporary database (testutil_store.h):
 * SQLite in a fresh temporary directory, or the throwaway PostgreSQL server
 * of scripts/with-pg.sh with its schema emptied first, so every test
 * starts from a new, empty, migrated database and leaves nothing behind.
 */
#include "testutil_store.h"

#include "testutil.h"

#include <libpq-fe.h>

void test_db_unlink(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[512];

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        (void)unlink(p);
    }
}

void test_db_open(struct test_db *db, const char *name)
{
    struct pcn_error e;

    memset(db, 0, sizeof(*db));
    test_mkdtemp(db->dir, sizeof(db->dir));
    assert_true((size_t)snprintf(db->path, sizeof(db->path), "%s/%s", db->dir, name) <
                sizeof(db->path));
    if (pcn_store_open(db->path, PCN_STORE_FLAG_CREATE, &db->s, &e) != PCN_OK)
        fail_msg("%s", e.msg);
}

void test_pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;

    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

void test_pg_reset(const char *conninfo)
{
    test_pg_exec(conninfo, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; "
                           "CREATE SCHEMA public");
}

bool test_db_open_pg(struct test_db *db)
{
    const char *pg = getenv("PCN_TEST_PG");
    struct pcn_error e;

    memset(db, 0, sizeof(*db));
    if (!pg)
        return false;
    assert_true((size_t)snprintf(db->path, sizeof(db->path), "%s", pg) < sizeof(db->path));
    test_pg_reset(pg);
    if (pcn_store_open(pg, PCN_STORE_FLAG_CREATE, &db->s, &e) != PCN_OK)
        fail_msg("%s", e.msg);
    return true;
}

void test_db_close(struct test_db *db)
{
    pcn_store_close(db->s);
    db->s = NULL;
    if (!db->dir[0])
        return;
    test_db_unlink(db->path);
    (void)rmdir(db->dir);
}

int test_db_setup(void **state)
{
    struct test_db *db = calloc(1, sizeof(*db));

    assert_non_null(db);
    test_db_open(db, "t.db");
    *state = db;
    return 0;
}

int test_db_setup_pg(void **state)
{
    struct test_db *db = calloc(1, sizeof(*db));

    assert_non_null(db);
    (void)test_db_open_pg(db);
    *state = db;
    return 0;
}

int test_db_teardown(void **state)
{
    struct test_db *db = *state;

    test_db_close(db);
    free(db);
    return 0;
}
