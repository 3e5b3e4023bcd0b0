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

/* Course, mode, role and attendance: every name parses back; "" is unknown; others refused. */
static void test_contact_enums(void **state)
{
    enum pcn_course c;
    enum pcn_contact_mode m;
    enum pcn_encounter_role r;
    enum pcn_encounter_attendance a;
    (void)state;
    for (int i = 0; i <= PCN_COURSE_REPEAT_DISPENSING; i++) {
        assert_int_equal(pcn_course_parse(pcn_course_name((enum pcn_course)i), &c), PCN_OK);
        assert_int_equal(c, i);
    }
    for (int i = 0; i <= PCN_MODE_HOME_VISIT; i++) {
        assert_int_equal(
            pcn_contact_mode_parse(pcn_contact_mode_name((enum pcn_contact_mode)i), &m), PCN_OK);
        assert_int_equal(m, i);
    }
    for (int i = 0; i < PCN_STAFF_COUNT; i++) {
        assert_int_equal(
            pcn_encounter_role_parse(pcn_encounter_role_name((enum pcn_encounter_role)i), &r),
            PCN_OK);
        assert_int_equal(r, i);
    }
    for (int i = 0; i <= PCN_ENCOUNTER_DNA; i++) {
        assert_int_equal(pcn_encounter_attendance_parse(
                             pcn_encounter_attendance_name((enum pcn_encounter_attendance)i), &a),
                         PCN_OK);
        assert_int_equal(a, i);
    }
    assert_string_equal(pcn_encounter_role_name(PCN_STAFF_LINK_WORKER), "link_worker");
    assert_string_equal(pcn_contact_mode_name((enum pcn_contact_mode)99), "");
    assert_int_equal(pcn_course_parse("Repeat", &c), PCN_EINVAL);
    assert_int_equal(pcn_contact_mode_parse("face to face", &m), PCN_EINVAL);
    assert_int_equal(pcn_encounter_role_parse("doctor", &r), PCN_EINVAL);
    assert_int_equal(pcn_encounter_attendance_parse("DNA", &a), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sex), cmocka_unit_test(test_kind),
                                       cmocka_unit_test(test_contact_enums)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
