/* Unit tests for util/error.c: every code has text, a name and an HTTP status. */
#include "testutil.h"

#include "pcn/error.h"

static void test_table_complete(void **state)
{
    (void)state;
    for (int e = 0; e < PCN_ERR_COUNT_; e++) {
        assert_string_not_equal(pcn_err_name((enum pcn_err)e), "PCN_EUNKNOWN");
        assert_string_not_equal(pcn_err_str((enum pcn_err)e), "unknown error");
        assert_true(pcn_err_http_status((enum pcn_err)e) >= 200);
    }
    assert_string_equal(pcn_err_name((enum pcn_err)999), "PCN_EUNKNOWN");
    assert_int_equal(pcn_err_http_status(PCN_ENOTFOUND), 404);
    assert_int_equal(pcn_err_http_status(PCN_EPERM), 403);
    assert_int_equal(pcn_err_http_status(PCN_ENOMEM), 503);
    assert_int_equal(pcn_err_http_status(PCN_ETIMEDOUT), 503);
}

static void test_set_prefix(void **state)
{
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_error_set(&e, PCN_EINVAL, "bad %s", "thing"), PCN_EINVAL);
    pcn_error_prefix(&e, "%s:%d: ", "f.csv", 3);
    assert_string_equal(e.msg, "f.csv:3: bad thing");
    pcn_error_clear(&e);
    assert_int_equal(e.code, PCN_OK);
    assert_string_equal(e.msg, "");
    assert_int_equal(pcn_error_set(NULL, PCN_EIO, "ignored"), PCN_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_set_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
