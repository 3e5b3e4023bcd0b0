/* Unit tests for model/validate.c: NHS number, ODS codes, postcodes. */
#include "testutil.h"

#include "pcn/validate.h"

static void test_nhs_number(void **state)
{
    char out[11];
    struct pcn_error e;
    (void)state;
    /* 943 476 5919 is the NHS Data Dictionary's worked example */
    assert_int_equal(pcn_nhs_number_normalise("9434765919", 10, out, &e), PCN_OK);
    assert_string_equal(out, "9434765919");
    assert_int_equal(pcn_nhs_number_normalise("943 476 5919", 12, out, &e), PCN_OK);
    assert_string_equal(out, "9434765919");
    assert_int_equal(pcn_nhs_number_normalise("9434765918", 10, out, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "check digit is wrong (expected 9, found 8)"));
    assert_int_equal(pcn_nhs_number_normalise("943476591", 9, out, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "10 digits"));
    assert_int_equal(pcn_nhs_number_normalise("94347659A9", 10, out, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "digits only"));
    assert_int_equal(pcn_nhs_number_check_digit("943476591"), 9);
    /* a number whose check digit would be 10 is never valid */
    assert_int_equal(pcn_nhs_number_check_digit("000000006"), -1);
    assert_false(pcn_nhs_number_is_valid("0000000060", 10));
    assert_true(pcn_nhs_number_is_valid("4010232137", 10));
}

static void test_ods(void **state)
{
    (void)state;
    assert_true(pcn_ods_is_valid(PCN_ODS_PRACTICE, "A81001", 6));
    assert_true(pcn_ods_is_valid(PCN_ODS_PRACTICE, "Y02345", 6));
    assert_false(pcn_ods_is_valid(PCN_ODS_PRACTICE, "a81001", 6));
    assert_false(pcn_ods_is_valid(PCN_ODS_PRACTICE, "181001", 6));
    assert_false(pcn_ods_is_valid(PCN_ODS_PRACTICE, "A8100", 5));
    assert_true(pcn_ods_is_valid(PCN_ODS_PCN, "U12345", 6));
    assert_false(pcn_ods_is_valid(PCN_ODS_PCN, "U1234A", 6));
    assert_false(pcn_ods_is_valid(PCN_ODS_PCN, "U", 1));
    assert_true(pcn_ods_is_valid(PCN_ODS_SUB_ICB, "16C", 3));
    assert_true(pcn_ods_is_valid(PCN_ODS_ICB, "QHM", 3));
    assert_false(pcn_ods_is_valid(PCN_ODS_ICB, "XHM", 3));
    assert_string_equal(pcn_ods_kind_name(PCN_ODS_PCN), "PCN code");
}

static void test_postcode(void **state)
{
    char out[9];
    const char *good[][2] = {{"ts18 1hu", "TS18 1HU"}, {"SW1A1AA", "SW1A 1AA"},
                             {"m1 1ae", "M1 1AE"},     {"  B33  8TH ", "B33 8TH"},
                             {"CR2 6XH", "CR2 6XH"},   {"W1A 0AX", "W1A 0AX"}};
    const char *bad[] = {"", "TS18", "TS18 1H", "1S18 1HU", "TS18 1CU", "TS181 1HU", "TS18-1HU"};
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(pcn_postcode_normalise(good[i][0], strlen(good[i][0]), out), PCN_OK);
        assert_string_equal(out, good[i][1]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pcn_postcode_normalise(bad[i], strlen(bad[i]), out), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nhs_number),
        cmocka_unit_test(test_ods),
        cmocka_unit_test(test_postcode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
