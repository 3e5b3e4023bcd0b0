/* Unit tests for util/parse.c: strict integers and doubles, locale independence. */
#include "testutil.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "pcn/parse.h"

static void test_ints(void **state)
{
    int64_t v;
    uint64_t u;
    (void)state;
    assert_int_equal(pcn_parse_i64("-42", 3, &v), PCN_OK);
    assert_int_equal(v, -42);
    assert_int_equal(pcn_parse_i64("9223372036854775807", 19, &v), PCN_OK);
    assert_int_equal(pcn_parse_i64("9223372036854775808", 19, &v), PCN_EINVAL);
    assert_int_equal(pcn_parse_i64("-9223372036854775808", 20, &v), PCN_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(pcn_parse_i64("", 0, &v), PCN_EINVAL);
    assert_int_equal(pcn_parse_i64(" 1", 2, &v), PCN_EINVAL);
    assert_int_equal(pcn_parse_i64("1x", 2, &v), PCN_EINVAL);
    assert_int_equal(pcn_parse_u64("18446744073709551615", 20, &u), PCN_OK);
    assert_int_equal(pcn_parse_u64("18446744073709551616", 20, &u), PCN_EINVAL);
    assert_int_equal(pcn_parse_range("17", 2, 0, 10, &v), PCN_EINVAL);
    assert_int_equal(pcn_parse_range("7", 1, 0, 10, &v), PCN_OK);
    assert_int_equal(pcn_parse_i64("123456", 3, &v), PCN_OK); /* span, not NUL */
    assert_int_equal(v, 123);
}

static void test_doubles(void **state)
{
    double v;
    char out[32];
    const char *bad[] = {"", ".", "1e", "nan", "inf", "0x10", "1,5", "1.5.2", "--1", "1e400"};
    (void)state;
    assert_int_equal(pcn_parse_double("140.5", 5, &v), PCN_OK);
    assert_true(v == 140.5);
    assert_int_equal(pcn_parse_double("-.5e2", 5, &v), PCN_OK);
    assert_true(v == -50.0);
    assert_int_equal(pcn_parse_double("7.", 2, &v), PCN_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pcn_parse_double(bad[i], strlen(bad[i]), &v), PCN_EINVAL);
    /* a comma-decimal locale must not change anything */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        assert_int_equal(pcn_parse_double("1.25", 4, &v), PCN_OK);
        assert_true(v == 1.25);
    }
    assert_int_equal(pcn_format_double(1.25, out, sizeof(out)), 4);
    assert_string_equal(out, "1.25");
    assert_int_equal(pcn_format_double(0.1, out, sizeof(out)), 3);
    assert_string_equal(out, "0.1");
    assert_int_equal(pcn_format_double(1.0 / 3.0, out, 4), -1);
    setlocale(LC_NUMERIC, "C");
}

/* Whole numbers take a path without printf: the same text as "%.15g", the same fit rule. */
static void test_format_whole(void **state)
{
    static const double edges[] = {
        0,     -0.0, 1,     -1,  9,    10,   -10,   124,  56,   1e14,   1e15,
        -1e15, 1e16, 1e300, 0.5, -2.5, 1e-5, 12e-1, 99.0, -7e3, 4.5e15, 9007199254740993.0};
    char out[64];
    char want[64];
    uint64_t x = 88172645463325252ull;
    (void)state;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        int n = snprintf(want, sizeof(want), "%.15g", edges[i]);
        assert_int_equal(pcn_format_double(edges[i], out, sizeof(out)), n);
        assert_string_equal(out, want);
    }
    /* the largest and smallest whole numbers of the fast path */
    for (double v = 999999999999999.0, k = 0; k < 2; k++, v = -v) {
        int n = snprintf(want, sizeof(want), "%.15g", v);
        assert_int_equal(pcn_format_double(v, out, sizeof(out)), n);
        assert_string_equal(out, want);
    }
    /* whole numbers of every magnitude, both signs */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v = (double)(x % 1000000000000000ull) / (double)(1ull << (x >> 60)) / (1 + i % 7);
        v = (i & 1) ? -trunc(v) : trunc(v);
        int n = snprintf(want, sizeof(want), "%.15g", v);
        assert_int_equal(pcn_format_double(v, out, sizeof(out)), n);
        assert_string_equal(out, want);
    }
    /* the fit: "124" needs 4 bytes, "-124" 5 */
    assert_int_equal(pcn_format_double(124, out, 4), 3);
    assert_string_equal(out, "124");
    assert_int_equal(pcn_format_double(124, out, 3), -1);
    assert_int_equal(pcn_format_double(-124, out, 5), 4);
    assert_string_equal(out, "-124");
    assert_int_equal(pcn_format_double(-124, out, 4), -1);
    assert_int_equal(pcn_format_double(0, out, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_format_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
