/* Unit tests for util/hash.c: put/get/intern across resizes, foreach. */
#include "testutil.h"

#include "pcn/hash.h"

static int sum_values(const char *key, size_t len, uint64_t v, void *ud)
{
    (void)key;
    (void)len;
    *(uint64_t *)ud += v;
    return 0;
}

static void test_map(void **state)
{
    struct pcn_strmap *m = pcn_strmap_new();
    char key[32];
    uint64_t v = 0;
    uint64_t sum = 0;
    int added = 0;
    (void)state;
    assert_non_null(m);
    for (uint64_t i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof(key), "code-%llu", (unsigned long long)i);
        assert_int_equal(pcn_strmap_put(m, key, (size_t)n, i), PCN_OK);
    }
    assert_int_equal(pcn_strmap_count(m), 10000);
    assert_true(pcn_strmap_get(m, "code-1234", 9, &v));
    assert_int_equal(v, 1234);
    assert_false(pcn_strmap_get(m, "code-x", 6, &v));
    assert_int_equal(pcn_strmap_put(m, "code-1", 6, 77), PCN_OK);
    assert_true(pcn_strmap_get(m, "code-1", 6, &v));
    assert_int_equal(v, 77);
    assert_int_equal(pcn_strmap_intern(m, "code-2", 6, 999, &v, &added), PCN_OK);
    assert_int_equal(added, 0);
    assert_int_equal(v, 2);
    assert_int_equal(pcn_strmap_intern(m, "new", 3, 999, &v, &added), PCN_OK);
    assert_int_equal(added, 1);
    assert_int_equal(v, 999);
    pcn_strmap_foreach(m, sum_values, &sum);
    assert_int_equal(sum, 10000ULL * 9999 / 2 - 1 + 77 + 999);
    pcn_strmap_free(m);
    pcn_strmap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_map)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
