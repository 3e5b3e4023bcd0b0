/*
 * Unit tests for finance/money.c: pounds, rates and WTE parsed exactly
 * (no doubles), formatting round trips, the one rounding rule, and the
 * largest-remainder split whose parts always add up.
 */
#include "testutil.h"

#include "pcn/money.h"

static int64_t pence(const char *s)
{
    int64_t v = -1;
    assert_int_equal(pcn_pence_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static void test_pence(void **state)
{
    char out[PCN_MONEY_STR_SIZE];
    int64_t v;
    (void)state;
    assert_int_equal(pence("65838"), 6583800);
    assert_int_equal(pence("4389.2"), 438920);
    assert_int_equal(pence("0.05"), 5);
    assert_int_equal(pence("-12.30"), -1230);
    assert_int_equal(pence(".5"), 50);
    static const char *const bad[] = {"",      "-",  ".",  "1.",  "1.234", "£5",
                                      "1,000", " 1", "1 ", "1e3", "+1",    "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pcn_pence_parse(bad[i], strlen(bad[i]), &v) == PCN_OK)
            fail_msg("'%s' parsed", bad[i]);
    }
    pcn_pence_format(438920, out);
    assert_string_equal(out, "4389.20");
    pcn_pence_format(-5, out);
    assert_string_equal(out, "-0.05");
    pcn_pence_format(0, out);
    assert_string_equal(out, "0.00");
}

static void test_rate_and_wte(void **state)
{
    char out[PCN_MONEY_STR_SIZE];
    int64_t v;
    (void)state;
    assert_int_equal(pcn_rate_parse("2.218", 5, &v), PCN_OK);
    assert_int_equal(v, 221800);
    assert_int_equal(pcn_rate_parse("0.72963", 7, &v), PCN_OK);
    assert_int_equal(v, 72963);
    assert_int_equal(pcn_rate_parse("0.729631", 8, &v), PCN_EINVAL);
    assert_int_equal(pcn_rate_parse("-1", 2, &v), PCN_EINVAL);
    pcn_rate_format(221800, out);
    assert_string_equal(out, "2.218");
    pcn_rate_format(12000000, out);
    assert_string_equal(out, "120.00");

    assert_int_equal(pcn_wte_parse("0.8", 3, &v), PCN_OK);
    assert_int_equal(v, 800000);
    /* the census's nine decimals round half up to six */
    assert_int_equal(pcn_wte_parse("0.986666667", 11, &v), PCN_OK);
    assert_int_equal(v, 986667);
    assert_int_equal(pcn_wte_parse("0.4266664", 9, &v), PCN_OK);
    assert_int_equal(v, 426666);
    assert_int_equal(pcn_wte_parse("6.666666667", 11, &v), PCN_OK);
    assert_int_equal(v, 6666667);
    assert_int_equal(pcn_wte_parse("1000", 4, &v), PCN_EINVAL);
    assert_int_equal(pcn_wte_parse("-0.5", 4, &v), PCN_EINVAL);
    pcn_wte_format(800000, out);
    assert_string_equal(out, "0.8");
    pcn_wte_format(1000000, out);
    assert_string_equal(out, "1");
    pcn_wte_format(986667, out);
    assert_string_equal(out, "0.986667");
}

static void test_muldiv(void **state)
{
    int64_t v;
    (void)state;
    /* 65,838 pounds x 0.8 WTE / 12 months = 4,389.20 exactly */
    assert_int_equal(pcn_muldiv(6583800, 800000, 12 * 1000000LL, &v), PCN_OK);
    assert_int_equal(v, 438920);
    /* halves round away from zero */
    assert_int_equal(pcn_muldiv(5, 1, 2, &v), PCN_OK);
    assert_int_equal(v, 3);
    assert_int_equal(pcn_muldiv(-5, 1, 2, &v), PCN_OK);
    assert_int_equal(v, -3);
    assert_int_equal(pcn_muldiv(4, 1, 3, &v), PCN_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pcn_muldiv(INT64_MAX, 2, 3, &v), PCN_ELIMIT);
    assert_int_equal(pcn_muldiv(1, 1, 0, &v), PCN_EINVAL);
}

static void test_apportion(void **state)
{
    int64_t w[3] = {1, 1, 1};
    int64_t out[3];
    int64_t w2[4] = {3733, 18174, 0, 4019};
    int64_t out2[4];
    int64_t sum = 0;
    (void)state;
    /* 1,069,333 pence in thirds: the lowest index takes the odd penny on a tie */
    assert_int_equal(pcn_apportion(1069333, w, 3, out), PCN_OK);
    assert_int_equal(out[0], 356445);
    assert_int_equal(out[1], 356444);
    assert_int_equal(out[2], 356444);
    assert_int_equal(pcn_apportion(-100, w, 3, out), PCN_OK);
    assert_int_equal(out[0] + out[1] + out[2], -100);
    assert_int_equal(out[0], -34);
    assert_int_equal(pcn_apportion(99999999, w2, 4, out2), PCN_OK);
    for (int i = 0; i < 4; i++)
        sum += out2[i];
    assert_int_equal(sum, 99999999);
    assert_int_equal(out2[2], 0);
    w2[0] = -1;
    assert_int_equal(pcn_apportion(10, w2, 4, out2), PCN_EINVAL);
    w[0] = w[1] = w[2] = 0;
    assert_int_equal(pcn_apportion(10, w, 3, out), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pence),
        cmocka_unit_test(test_rate_and_wte),
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test(test_apportion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
