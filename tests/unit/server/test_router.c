/* Unit tests for server/router.c: segment matching, captures, 404 vs 405. */
#include "testutil.h"

#include "server/router.h"

static const struct pcn__route table[] = {
    {"GET", "/api/v1/health", NULL},
    {"GET", "/api/v1/practices", NULL},
    {"GET", "/api/v1/practices/{code}", NULL},
    {"POST", "/api/v1/users", NULL},
    {"POST", "/api/v1/users/{name}/disable", NULL},
    {"GET", "/api/v1/users", NULL},
};

static void test_literal_and_capture(void **state)
{
    struct pcn__route_match m;
    (void)state;
    assert_int_equal(pcn__route_find(table, 6, "GET", "/api/v1/health", &m), PCN_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(m.n_params, 0);
    assert_int_equal(pcn__route_find(table, 6, "GET", "/api/v1/practices/A81001", &m),
                     PCN_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[2]);
    assert_int_equal(m.n_params, 1);
    assert_int_equal(m.params[0].len, 6);
    assert_memory_equal(m.params[0].s, "A81001", 6);
    assert_int_equal(pcn__route_find(table, 6, "POST", "/api/v1/users/bob/disable", &m),
                     PCN_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[4]);
    assert_memory_equal(m.params[0].s, "bob", 3);
}

static void test_not_found(void **state)
{
    struct pcn__route_match m;
    (void)state;
    const char *paths[] = {"/api/v1/healthz",
                           "/api/v1/health/",
                           "/api/v1//health",
                           "/api/v1/practices/",
                           "/api/v1/practices//x",
                           "/api/v1",
                           "",
                           "/",
                           "api/v1/health",
                           "/api/v1/practices/A/B"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(pcn__route_find(table, 6, "GET", paths[i], &m), PCN_ROUTE_NOT_FOUND);
        assert_null(m.route);
    }
}

static void test_method(void **state)
{
    struct pcn__route_match m;
    (void)state;
    assert_int_equal(pcn__route_find(table, 6, "DELETE", "/api/v1/users", &m),
                     PCN_ROUTE_BAD_METHOD);
    assert_int_equal(pcn__route_find(table, 6, "POST", "/api/v1/health", &m), PCN_ROUTE_BAD_METHOD);
    /* HEAD is served by GET routes; the same path under two methods picks the right one */
    assert_int_equal(pcn__route_find(table, 6, "HEAD", "/api/v1/health", &m), PCN_ROUTE_FOUND);
    assert_int_equal(pcn__route_find(table, 6, "GET", "/api/v1/users", &m), PCN_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[5]);
}

static void test_too_many_params(void **state)
{
    static const struct pcn__route many[] = {{"GET", "/{a}/{b}/{c}/{d}/{e}", NULL}};
    struct pcn__route_match m;
    (void)state;
    assert_int_equal(pcn__route_find(many, 1, "GET", "/1/2/3/4/5", &m), PCN_ROUTE_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_capture),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_method),
        cmocka_unit_test(test_too_many_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
