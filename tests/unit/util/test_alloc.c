/* Unit tests for util/alloc.c and util/vec.c: wrappers and overflow checks. */
#include "testutil.h"

#include "pcn/alloc.h"
#include "pcn/vec.h"

static void test_calloc_overflow(void **state)
{
    (void)state;
    assert_null(pcn_calloc(SIZE_MAX / 2, 4));
    assert_null(pcn_reallocarray(NULL, SIZE_MAX / 8, 16));
}

static void test_strdup(void **state)
{
    char *s = pcn_strdup("hello");
    char *t = pcn_strndup("hello world", 5);
    (void)state;
    assert_string_equal(s, "hello");
    assert_string_equal(t, "hello");
    pcn_free(s);
    pcn_free(t);
}

static void test_grow(void **state)
{
    int *arr = NULL;
    size_t alloc = 0;
    (void)state;
    for (size_t n = 1; n <= 1000; n++) {
        assert_int_equal(PCN_GROW(arr, n, alloc), PCN_OK);
        arr[n - 1] = (int)n;
    }
    assert_true(alloc >= 1000);
    assert_int_equal(arr[999], 1000);
    assert_int_equal(pcn_grow((void **)&arr, sizeof(*arr), SIZE_MAX, &alloc), PCN_ENOMEM);
    assert_int_equal(arr[0], 1);
    pcn_free(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calloc_overflow),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
