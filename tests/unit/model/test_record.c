/* Unit tests for model/record.c: enum names round-trip. */
#include "testutil.h"

#include "pcn/record.h"

static void test_sex(void **state)
{
    enum pcn_sex s;
    (void)state;
    assert_int_equal(pcn_sex_parse("F", &s), PCN_OK);
    assert_int_equal(s, PCN_SEX_FEMALE);
    assert_int_equal(pcn_sex_parse("male", &s), PCN_OK);
    assert_int_equal(s, PCN_SEX_MALE);
    assert_int_equal(pcn_sex_parse("X", &s), PCN_EINVAL);
    assert_int_equal(pcn_sex_letter(PCN_SEX_INDETERMINATE), 'I');
    assert_int_equal(pcn_sex_letter(PCN_SEX_UNKNOWN), 'U');
}

static void test_kind(void **state)
{
    enum pcn_event_kind k;
    (void)state;
    for (int i = 0; i <= PCN_EVENT_ALLERGY; i++) {
        assert_int_equal(pcn_event_kind_parse(pcn_event_kind_name((enum pcn_event_kind)i), &k),
                         PCN_OK);
        assert_int_equal(k, i);
    }
    assert_int_equal(pcn_event_kind_parse("diagnosis", &k), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sex), cmocka_unit_test(test_kind)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
