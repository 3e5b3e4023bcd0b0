/*
 * store_test.h - the harness of the storage conformance suite. Each domain
 * of the store has one test file (test_store_<domain>.c) whose main() hands
 * its tests to store_test_run(): every test runs on a fresh SQLite
 * database, and again on a freshly emptied PostgreSQL database when
 * PCN_TEST_PG names one (scripts/with-pg.sh starts a throwaway server; the
 * PostgreSQL runs are skipped without it). A new domain adds its file and
 * one line in tests/unit/store/meson.build. Also: record helpers that
 * several domains' tests share.
 */
#ifndef PCN_STORE_TEST_H
#define PCN_STORE_TEST_H

#include "testutil.h"
#include "testutil_store.h"

#include "pcn/record.h"

/* Which backends a test runs on. */
enum store_test_on {
    STORE_TEST_SQLITE = 1 << 0,
    STORE_TEST_PG = 1 << 1,
    STORE_TEST_BOTH = STORE_TEST_SQLITE | STORE_TEST_PG,
};

/* One test of a domain: {"test_x", test_x, STORE_TEST_BOTH}. */
struct store_test {
    const char *name;
    CMUnitTestFunction fn; /* *state is a struct test_db */
    enum store_test_on on;
};

/* Run the tests of one domain on each backend they name; main() returns its result. */
int store_test_run(const char *domain, const struct store_test *tests, size_t n_tests);

/*
 * The test's database (cmocka *state). On PostgreSQL without PCN_TEST_PG
 * the test is skipped here.
 */
struct test_db *store_test_db(void **state);

/* A date "YYYY-MM-DD" as days since 1970-01-01; fails the test if malformed. */
int32_t store_test_date(const char *s);

/*
 * A female patient of practice A81001 born 1950-05-05, with two identical
 * events (code, 2024-03-01, value 141.5 mm[Hg]); inside a transaction.
 */
void store_test_put_person(struct pcn_store *s, const char *id, const char *code);

/* A medication of patient id (system openpcn-drug) started on start. */
void store_test_put_medication(struct pcn_store *s, const char *id, const char *code,
                               int32_t start);

#endif /* PCN_STORE_TEST_H */
