/*
 * store_test.c - the conformance suite's harness (store_test.h): turns a
 * domain's list of tests into one cmocka group that runs each test on
 * SQLite and on PostgreSQL, each run on a database of its own
 * (testutil_store.h), plus the record helpers the domains' tests share.
 */
#include "store_test.h"

#include "pcn/date.h"
#include "pcn/store_population.h"

int store_test_run(const char *domain, const struct store_test *tests, size_t n_tests)
{
    static const struct {
        enum store_test_on on;
        const char *backend;
        CMFixtureFunction setup;
    } backends[] = {
        {STORE_TEST_SQLITE, "sqlite", test_db_setup},
        {STORE_TEST_PG, "postgresql", test_db_setup_pg},
    };
    struct CMUnitTest *run = calloc(2 * n_tests, sizeof(*run));
    char(*names)[128] = calloc(2 * n_tests, sizeof(*names));
    size_t n = 0;
    int failed;

    assert_non_null(run);
    assert_non_null(names);
    for (size_t b = 0; b < 2; b++) {
        for (size_t i = 0; i < n_tests; i++) {
            if (!(tests[i].on & backends[b].on))
                continue;
            snprintf(names[n], sizeof(names[n]), "%s on %s", tests[i].name, backends[b].backend);
            run[n] = (struct CMUnitTest){names[n], tests[i].fn, backends[b].setup, test_db_teardown,
                                         NULL};
            n++;
        }
    }
    failed = _cmocka_run_group_tests(domain, run, n, NULL, NULL);
    free(names);
    free(run);
    return failed;
}

struct test_db *store_test_db(void **state)
{
    struct test_db *db = *state;

    if (!db->s)
        skip();
    return db;
}

int32_t store_test_date(const char *s)
{
    int32_t v;

    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

void store_test_put_person(struct pcn_store *s, const char *id, const char *code)
{
    struct pcn_patient p = {
        .patient_id = id,
        .date_of_birth = store_test_date("1950-05-05"),
        .sex = PCN_SEX_FEMALE,
        .practice = "A81001",
        .registered_from = store_test_date("2000-01-01"),
        .registered_to = PCN_DATE_NONE,
        .date_of_death = PCN_DATE_NONE,
    };
    struct pcn_event e = {
        .patient_id = id,
        .date = store_test_date("2024-03-01"),
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

void store_test_put_medication(struct pcn_store *s, const char *id, const char *code, int32_t start)
{
    struct pcn_medication m = {.patient_id = id,
                               .start_date = start,
                               .end_date = PCN_DATE_NONE,
                               .system = "openpcn-drug",
                               .code = code};
    assert_int_equal(pcn_store_put_medication(s, &m), PCN_OK);
}
