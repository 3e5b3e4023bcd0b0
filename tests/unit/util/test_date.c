/* Unit tests for util/date.c: calendar, parsing forms, ages, month arithmetic. */
#include "testutil.h"

#include "pcn/date.h"

static int32_t d(const char *s)
{
    int32_t v = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static void test_epoch_and_roundtrip(void **state)
{
    char out[PCN_DATE_STR_SIZE];
    (void)state;
    assert_int_equal(d("1970-01-01"), 0);
    assert_int_equal(d("2000-03-01"), 11017);
    for (int32_t x = -719162; x < 2900000; x += 997) {
        int32_t back;
        pcn_date_format(x, out);
        assert_int_equal(pcn_date_parse(out, strlen(out), &back), PCN_OK);
        assert_int_equal(back, x);
    }
    pcn_date_format(PCN_DATE_NONE, out);
    assert_string_equal(out, "");
}

static void test_invalid(void **state)
{
    const char *bad[] = {"2023-02-29", "2023-13-01", "2023-00-10", "2023-1-01",   "20230101",
                         "2023-04-31", "abcd-01-01", "",           "2023-01-01 ", "0000-01-01"};
    int32_t v;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pcn_date_parse(bad[i], strlen(bad[i]), &v), PCN_EINVAL);
    assert_int_equal(pcn_date_parse("2024-02-29", 10, &v), PCN_OK);
}

static void test_iso_forms(void **state)
{
    int32_t v;
    const char *ok[] = {"2019-02-17T05:07:38Z", "2019-02-17T05:07:38.123+01:00", "2019-02-17",
                        "2019-02-17T23:59:59-05:00"};
    const char *bad[] = {"2019-02-17T5:07:38Z", "2019-02-17T05:07:38X", "2019-02-17T", "2019-02",
                         "2019-2"};
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pcn_date_parse_iso(ok[i], strlen(ok[i]), &v), PCN_OK);
        assert_int_equal(v, d("2019-02-17"));
    }
    assert_int_equal(pcn_date_parse_iso(bad[0], strlen(bad[0]), &v), PCN_EINVAL);
    assert_int_equal(pcn_date_parse_iso(bad[1], strlen(bad[1]), &v), PCN_EINVAL);
    assert_int_equal(pcn_date_parse_iso(bad[2], strlen(bad[2]), &v), PCN_EINVAL);
    assert_int_equal(pcn_date_parse_iso(bad[3], strlen(bad[3]), &v), PCN_OK);
    assert_int_equal(v, d("2019-02-01"));
    assert_int_equal(pcn_date_parse_iso(bad[4], strlen(bad[4]), &v), PCN_EINVAL);
    assert_int_equal(pcn_date_parse_iso("1999", 4, &v), PCN_OK);
    assert_int_equal(v, d("1999-01-01"));
    assert_int_equal(pcn_date_parse_compact("19740401", 8, &v), PCN_OK);
    assert_int_equal(v, d("1974-04-01"));
    assert_int_equal(pcn_date_parse_compact("19741301", 8, &v), PCN_EINVAL);
}

static void test_instant(void **state)
{
    char s[PCN_INSTANT_STR_SIZE];
    (void)state;
    pcn_instant_format(0, s);
    assert_string_equal(s, "1970-01-01T00:00:00Z");
    pcn_instant_format((int64_t)1795447805 * 1000000 + 999999, s);
    assert_string_equal(s, "2026-11-23T15:30:05Z");
    pcn_instant_format(-1, s); /* one microsecond before the epoch */
    assert_string_equal(s, "1969-12-31T23:59:59Z");
    pcn_instant_format(INT64_MAX, s);
    assert_string_equal(s, "");
}

static void test_age(void **state)
{
    (void)state;
    assert_int_equal(pcn_date_age(d("2000-06-15"), d("2025-06-14")), 24);
    assert_int_equal(pcn_date_age(d("2000-06-15"), d("2025-06-15")), 25);
    assert_int_equal(pcn_date_age(d("2000-02-29"), d("2025-02-28")), 24);
    assert_int_equal(pcn_date_age(d("2000-02-29"), d("2025-03-01")), 25);
    assert_int_equal(pcn_date_age(d("2025-01-01"), d("2025-01-01")), 0);
}

static void test_add_months(void **state)
{
    (void)state;
    assert_int_equal(pcn_date_add_months(d("2025-01-31"), 1), d("2025-02-28"));
    assert_int_equal(pcn_date_add_months(d("2024-03-31"), -1), d("2024-02-29"));
    assert_int_equal(pcn_date_add_months(d("2025-06-15"), -12), d("2024-06-15"));
    assert_int_equal(pcn_date_add_months(d("2025-06-15"), -60), d("2020-06-15"));
    /* the first and last dates there are, and nothing beyond them */
    assert_int_equal(d("0001-01-01"), PCN_DATE_MIN);
    assert_int_equal(d("9999-12-31"), PCN_DATE_MAX);
    assert_int_equal(pcn_date_add_months(d("9999-11-30"), 1), d("9999-12-30"));
    assert_int_equal(pcn_date_add_months(d("9999-12-15"), 1), PCN_DATE_NONE);
    assert_int_equal(pcn_date_add_months(d("0001-01-31"), -1), PCN_DATE_NONE);
    assert_int_equal(pcn_date_add_months(d("2025-06-15"), 2000000000), PCN_DATE_NONE);
    assert_int_equal(pcn_date_add_months(d("2025-06-15"), -2000000000), PCN_DATE_NONE);
    assert_true(pcn_date_today() > d("2020-01-01"));
    assert_true(pcn_monotonic_usec() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_roundtrip),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_iso_forms),
        cmocka_unit_test(test_instant),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_add_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
