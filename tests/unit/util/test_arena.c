/* Unit tests for util/arena.c: alignment, big blocks, limits, hooks, reset. */
#include "testutil.h"

#include "pcn/arena.h"

static int hook_calls;
static void hook(void *data)
{
    hook_calls += *(int *)data;
}

static void test_alloc_align(void **state)
{
    struct pcn_arena *a = pcn_arena_new(1024, 0);
    (void)state;
    assert_non_null(a);
    for (int i = 1; i < 100; i++) {
        void *p = pcn_arena_alloc(a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, (size_t)i);
    }
    assert_non_null(pcn_arena_alloc(a, 100000)); /* larger than a block */
    assert_string_equal(pcn_arena_strdup(a, "abc"), "abc");
    assert_string_equal(pcn_arena_printf(a, "%d-%s", 7, "x"), "7-x");
    pcn_arena_free(a);
}

static void test_limit(void **state)
{
    struct pcn_arena *a = pcn_arena_new(256, 1000);
    (void)state;
    assert_non_null(pcn_arena_alloc(a, 900));
    assert_null(pcn_arena_alloc(a, 200));
    assert_null(pcn_arena_calloc(a, SIZE_MAX / 2, 4));
    pcn_arena_reset(a);
    assert_int_equal(pcn_arena_used(a), 0);
    assert_non_null(pcn_arena_alloc(a, 200));
    pcn_arena_free(a);
}

static void test_hooks(void **state)
{
    struct pcn_arena *a = pcn_arena_new(256, 0);
    int one = 1;
    int ten = 10;
    (void)state;
    hook_calls = 0;
    assert_int_equal(pcn_arena_on_cleanup(a, hook, &one), PCN_OK);
    assert_int_equal(pcn_arena_on_cleanup(a, hook, &ten), PCN_OK);
    pcn_arena_reset(a);
    assert_int_equal(hook_calls, 11);
    assert_int_equal(pcn_arena_on_cleanup(a, hook, &one), PCN_OK);
    pcn_arena_free(a);
    assert_int_equal(hook_calls, 12);
    pcn_arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_align),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_hooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
