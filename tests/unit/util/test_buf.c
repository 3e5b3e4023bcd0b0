/* Unit tests for util/buf.c: invariants, formatting, cap, detach. */
#include "testutil.h"

#include "pcn/alloc.h"
#include "pcn/buf.h"

static void test_empty_invariant(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_non_null(b.buf);
    assert_string_equal(b.buf, "");
    pcn_buf_release(&b);
    assert_string_equal(b.buf, "");
}

static void test_add_and_format(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_int_equal(pcn_buf_adds(&b, "abc"), PCN_OK);
    assert_int_equal(pcn_buf_addch(&b, '-'), PCN_OK);
    assert_int_equal(pcn_buf_addf(&b, "%d/%s", 42, "x"), PCN_OK);
    assert_string_equal(b.buf, "abc-42/x");
    assert_int_equal(b.len, 8);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(pcn_buf_addf(&b, "%04d", i), PCN_OK);
    assert_int_equal(b.len, 8 + 4000);
    assert_memory_equal(b.buf + b.len - 4, "0999", 4);
    pcn_buf_truncate(&b, 3);
    assert_string_equal(b.buf, "abc");
    pcn_buf_reset(&b);
    assert_string_equal(b.buf, "");
    pcn_buf_release(&b);
}

static void test_cap(void **state)
{
    struct pcn_buf b;
    (void)state;
    pcn_buf_init(&b, 10);
    assert_int_equal(pcn_buf_adds(&b, "0123456789"), PCN_OK);
    assert_int_equal(pcn_buf_addch(&b, 'x'), PCN_ELIMIT);
    assert_string_equal(b.buf, "0123456789");
    pcn_buf_reset(&b);
    assert_int_equal(pcn_buf_addf(&b, "%s", "01234567890123"), PCN_ELIMIT);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.buf, "");
    pcn_buf_release(&b);
}

static void test_detach(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    size_t len = 0;
    char *s;
    (void)state;
    s = pcn_buf_detach(&b, &len);
    assert_string_equal(s, "");
    pcn_free(s);
    assert_int_equal(pcn_buf_adds(&b, "owned"), PCN_OK);
    s = pcn_buf_detach(&b, &len);
    assert_string_equal(s, "owned");
    assert_int_equal(len, 5);
    assert_string_equal(b.buf, "");
    pcn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_invariant),
        cmocka_unit_test(test_add_and_format),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_detach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
