/*
 * testutil_store.h - the temporary database of the unit tests, written
 * once: a fresh SQLite file in a temporary directory of its own, or a
 * freshly emptied PostgreSQL schema (PCN_TEST_PG, set by
 * scripts/with-pg.sh), opened; then closed and removed with every file
 * SQLite keeps beside it. Failures fail the test.
 */
#ifndef PCN_TESTUTIL_STORE_H
#define PCN_TESTUTIL_STORE_H

#include <stdbool.h>

#include "pcn/store.h"

struct test_db {
    char dir[128];       /* the temporary directory; "" on PostgreSQL */
    char path[256];      /* the SQLite file, or the PostgreSQL connection string */
    struct pcn_store *s; /* open; NULL once closed, or when PostgreSQL is not configured */
};

/* Make a temporary directory and create the SQLite database `name` in it. */
void test_db_open(struct test_db *db, const char *name);

/*
 * Empty the PostgreSQL test database (PCN_TEST_PG) and open it, migrated.
 * False, with db->s NULL, when PCN_TEST_PG is not set.
 */
bool test_db_open_pg(struct test_db *db);

/* Close the handle (if open) and remove the SQLite files and the directory. */
void test_db_close(struct test_db *db);

/* Remove a SQLite database and the files SQLite keeps beside it (-wal, -shm, -journal). */
void test_db_unlink(const char *path);

/*
 * The same as cmocka fixtures: *state becomes a calloc'd struct test_db,
 * on SQLite ("t.db") or PostgreSQL (handle NULL when not configured);
 * test_db_teardown closes and frees either.
 */
int test_db_setup(void **state);
int test_db_setup_pg(void **state);
int test_db_teardown(void **state);

/* Run SQL on a PostgreSQL database directly (under the store), or empty its schema. */
void test_pg_exec(const char *conninfo, const char *sql);
void test_pg_reset(const char *conninfo);

#endif /* PCN_TESTUTIL_STORE_H */
