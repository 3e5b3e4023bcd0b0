/* Unit tests for sp/referral.c: the state machine, sources, contacts, goals, free text. */
#include "testutil.h"

#include <stdbool.h>

#include "pcn/referral.h"

#define R(x) PCN_REFERRAL_##x

/* The whole table, written out: every pair not listed here must be refused. */
static const enum pcn_referral_state allowed_pairs[][2] = {
    {R(RECEIVED), R(CONTACTED)},
    {R(RECEIVED), R(CLOSED)},
    {R(RECEIVED), R(DECLINED)},
    {R(RECEIVED), R(NOT_CONTACTABLE)},
    {R(CONTACTED), R(FIRST_APPOINTMENT)},
    {R(CONTACTED), R(CLOSED)},
    {R(CONTACTED), R(DECLINED)},
    {R(CONTACTED), R(NOT_CONTACTABLE)},
    {R(FIRST_APPOINTMENT), R(PLAN_AGREED)},
    {R(FIRST_APPOINTMENT), R(CLOSED)},
    {R(FIRST_APPOINTMENT), R(DECLINED)},
    {R(PLAN_AGREED), R(CONNECTED)},
    {R(PLAN_AGREED), R(CLOSED)},
    {R(CONNECTED), R(CLOSED)},
    {R(NOT_CONTACTABLE), R(CONTACTED)},
    {R(NOT_CONTACTABLE), R(CLOSED)},
};

static bool listed(enum pcn_referral_state from, enum pcn_referral_state to)
{
    for (size_t i = 0; i < sizeof(allowed_pairs) / sizeof(allowed_pairs[0]); i++) {
        if (allowed_pairs[i][0] == from && allowed_pairs[i][1] == to)
            return true;
    }
    return false;
}

static void test_table(void **state)
{
    struct pcn_error e;
    (void)state;
    for (int f = 0; f < PCN_REFERRAL_STATE_COUNT_; f++) {
        for (int t = 0; t < PCN_REFERRAL_STATE_COUNT_; t++) {
            enum pcn_referral_state from = (enum pcn_referral_state)f;
            enum pcn_referral_state to = (enum pcn_referral_state)t;
            assert_int_equal(pcn_referral_transition_allowed(from, to), listed(from, to));
            enum pcn_close_reason why = to == R(CLOSED) ? PCN_CLOSE_GOALS_MET : PCN_CLOSE_NONE;
            enum pcn_err rc = pcn_referral_check_transition(from, to, why, &e);
            assert_int_equal(rc, listed(from, to) ? PCN_OK : PCN_ECONFLICT);
        }
    }
    assert_false(pcn_referral_transition_allowed(R(STATE_COUNT_), R(CLOSED)));
    enum pcn_referral_state next[PCN_REFERRAL_STATE_COUNT_];
    assert_int_equal(pcn_referral_next_states(R(RECEIVED), next), 4);
    assert_int_equal(next[0], R(CONTACTED));
    assert_int_equal(pcn_referral_next_states(R(CLOSED), next), 0);
}

static void test_messages(void **state)
{
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_referral_check_transition(R(RECEIVED), R(CONNECTED), PCN_CLOSE_NONE, &e),
                     PCN_ECONFLICT);
    assert_string_equal(e.msg, "a referral in state 'received' cannot move to 'connected' "
                               "(allowed: contacted, closed, declined, not_contactable)");
    assert_int_equal(pcn_referral_check_transition(R(CLOSED), R(CONTACTED), PCN_CLOSE_NONE, &e),
                     PCN_ECONFLICT);
    assert_string_equal(
        e.msg, "a referral in state 'closed' cannot move to 'contacted' ('closed' is final)");
    assert_int_equal(pcn_referral_check_transition(R(CONNECTED), R(CLOSED), PCN_CLOSE_NONE, &e),
                     PCN_EINVAL);
    assert_string_equal(e.msg, "closing a referral needs a reason");
    assert_int_equal(
        pcn_referral_check_transition(R(RECEIVED), R(CONTACTED), PCN_CLOSE_DISENGAGED, &e),
        PCN_EINVAL);
    assert_string_equal(e.msg, "a reason is given only when closing ('disengaged' given)");
    assert_int_equal(
        pcn_referral_check_transition((enum pcn_referral_state)42, R(CLOSED), PCN_CLOSE_OTHER, &e),
        PCN_EINVAL);
    assert_int_equal(
        pcn_referral_check_transition(R(CONNECTED), R(CLOSED), (enum pcn_close_reason)99, &e),
        PCN_EINVAL);
}

static void test_names(void **state)
{
    enum pcn_referral_state s;
    enum pcn_close_reason r;
    enum pcn_referral_source src;
    enum pcn_referral_channel ch;
    enum pcn_contact_type ct;
    enum pcn_goal_status g;
    enum pcn_attendance at;
    (void)state;
    for (int i = 0; i < PCN_REFERRAL_STATE_COUNT_; i++) {
        assert_int_equal(pcn_referral_state_parse(pcn_referral_state_name(i), &s), PCN_OK);
        assert_int_equal(s, i);
    }
    assert_int_equal(pcn_referral_state_parse("Received", &s), PCN_EINVAL);
    assert_int_equal(pcn_referral_state_parse("", &s), PCN_EINVAL);
    assert_null(pcn_referral_state_name(R(STATE_COUNT_)));
    assert_true(pcn_referral_state_is_open(R(CONNECTED)));
    assert_false(pcn_referral_state_is_open(R(NOT_CONTACTABLE)));
    assert_true(pcn_referral_state_is_final(R(DECLINED)));
    assert_false(pcn_referral_state_is_final(R(NOT_CONTACTABLE)));

    for (int i = 1; i < PCN_CLOSE_REASON_COUNT_; i++) {
        assert_int_equal(pcn_close_reason_parse(pcn_close_reason_name(i), &r), PCN_OK);
        assert_int_equal(r, i);
    }
    assert_int_equal(pcn_close_reason_parse("", &r), PCN_EINVAL);
    assert_string_equal(pcn_close_reason_name(PCN_CLOSE_NONE), "");

    assert_int_equal(pcn_referral_source_parse("community_group", &src), PCN_OK);
    assert_int_equal(src, PCN_SOURCE_COMMUNITY_GROUP);
    assert_int_equal(pcn_referral_source_parse("gp", &src), PCN_EINVAL);
    assert_int_equal(pcn_referral_channel_parse("", &ch), PCN_OK);
    assert_int_equal(ch, PCN_CHANNEL_NONE);
    assert_int_equal(pcn_referral_channel_parse("worklist", &ch), PCN_OK);
    assert_int_equal(ch, PCN_CHANNEL_WORKLIST);
    assert_int_equal(pcn_referral_channel_parse("email", &ch), PCN_EINVAL);
    assert_int_equal(pcn_contact_type_parse("home_visit", &ct), PCN_OK);
    assert_int_equal(ct, PCN_CONTACT_HOME_VISIT);
    assert_string_equal(pcn_contact_type_name(PCN_CONTACT_MESSAGE), "message");
    assert_int_equal(pcn_goal_status_parse("partly_achieved", &g), PCN_OK);
    assert_int_equal(g, PCN_GOAL_PARTLY_ACHIEVED);
    assert_int_equal(pcn_attendance_parse("did_not_attend", &at), PCN_OK);
    assert_int_equal(at, PCN_ATTENDANCE_DID_NOT_ATTEND);
    assert_int_equal(pcn_attendance_parse("yes", &at), PCN_EINVAL);
}

static void test_history(void **state)
{
    struct pcn_error e;
    const pcn_usec_t day = INT64_C(86400000000);
    struct pcn_referral_transition h[] = {
        {R(RECEIVED), R(CONTACTED), 1 * day, "lw1", PCN_CLOSE_NONE, NULL},
        {R(CONTACTED), R(FIRST_APPOINTMENT), 3 * day, "lw1", PCN_CLOSE_NONE, "met at surgery"},
        {R(FIRST_APPOINTMENT), R(PLAN_AGREED), 3 * day, "lw1", PCN_CLOSE_NONE, NULL},
        {R(PLAN_AGREED), R(CONNECTED), 10 * day, "lw2", PCN_CLOSE_NONE, NULL},
        {R(CONNECTED), R(CLOSED), 60 * day, "lw2", PCN_CLOSE_GOALS_MET, NULL},
    };
    (void)state;
    assert_int_equal(pcn_referral_check_history(h, 5, &e), PCN_OK);
    assert_int_equal(pcn_referral_check_history(h, 0, &e), PCN_OK);

    /* a gap in the chain */
    assert_int_equal(pcn_referral_check_history(h + 1, 2, &e), PCN_ECONFLICT);
    assert_string_equal(e.msg,
                        "transition 1: starts from 'contacted' but the referral is 'received'");
    /* time going backwards */
    h[3].at = 2 * day;
    assert_int_equal(pcn_referral_check_history(h, 5, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "transition 4: earlier than the one before");
    h[3].at = 10 * day;
    /* nobody named */
    h[2].by = "";
    assert_int_equal(pcn_referral_check_history(h, 5, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "transition 3: who made it is missing");
    h[2].by = "lw1";
    /* closing without a reason */
    h[4].reason = PCN_CLOSE_NONE;
    assert_int_equal(pcn_referral_check_history(h, 5, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "transition 5: closing a referral needs a reason");
    h[4].reason = PCN_CLOSE_GOALS_MET;
    /* a note with a control character */
    h[1].note = "bad\x01note";
    assert_int_equal(pcn_referral_check_history(h, 5, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "transition 2: note: control character at byte 4");
}

static void test_source(void **state)
{
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_referral_check_source(PCN_SOURCE_CLINICIAN, PCN_CHANNEL_PATIENT_VIEW,
                                               "Dr Ahmed", NULL, &e),
                     PCN_OK);
    assert_int_equal(pcn_referral_check_source(PCN_SOURCE_CLINICIAN, PCN_CHANNEL_WORKLIST, NULL,
                                               "frailty_moderate", &e),
                     PCN_OK);
    assert_int_equal(
        pcn_referral_check_source(PCN_SOURCE_CLINICIAN, PCN_CHANNEL_WORKLIST, NULL, " ", &e),
        PCN_EINVAL);
    assert_string_equal(e.msg, "a worklist referral names the worklist");
    assert_int_equal(
        pcn_referral_check_source(PCN_SOURCE_SELF, PCN_CHANNEL_PATIENT_VIEW, NULL, NULL, &e),
        PCN_EINVAL);
    assert_string_equal(e.msg, "only a clinician refers from a patient view (source is 'self')");
    assert_int_equal(
        pcn_referral_check_source(PCN_SOURCE_COMMUNITY_GROUP, PCN_CHANNEL_NONE, "", NULL, &e),
        PCN_EINVAL);
    assert_string_equal(e.msg, "a community group referral names the group");
    assert_int_equal(pcn_referral_check_source(PCN_SOURCE_COMMUNITY_GROUP, PCN_CHANNEL_NONE,
                                               "Age UK Sutton", NULL, &e),
                     PCN_OK);
    assert_int_equal(
        pcn_referral_check_source(PCN_SOURCE_PRACTICE, PCN_CHANNEL_NONE, NULL, "smr", &e),
        PCN_EINVAL);
    assert_string_equal(e.msg, "a worklist is named only for a worklist referral");
    char long_name[300];
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(
        pcn_referral_check_source(PCN_SOURCE_PRACTICE, PCN_CHANNEL_NONE, long_name, NULL, &e),
        PCN_ELIMIT);
    assert_int_equal(
        pcn_referral_check_source((enum pcn_referral_source)9, PCN_CHANNEL_NONE, NULL, NULL, &e),
        PCN_EINVAL);
}

static void test_contact(void **state)
{
    struct pcn_error e;
    const pcn_usec_t now = INT64_C(1760000000000000);
    struct pcn_contact c = {.at = now - 3600000000,
                            .type = PCN_CONTACT_TELEPHONE,
                            .minutes = 25,
                            .successful = 1,
                            .by = "lw1",
                            .notes = "talked"};
    (void)state;
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_OK);
    c.minutes = 481;
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "minutes: 481 is outside 0-480");
    c.minutes = 0;
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "a telephone contact that reached the person"));
    c.successful = 0; /* an unanswered call takes no time */
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_OK);
    c.type = PCN_CONTACT_MESSAGE;
    c.successful = 1;
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_OK);
    c.at = now + INT64_C(3600000000);
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "at: the contact is in the future");
    c.at = now;
    c.by = "  ";
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "by: who made the contact is missing");
    c.by = "lw1";
    c.notes = "\xff\xfe";
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "notes: not valid UTF-8");
    c.notes = "line one\r\nline two\tend";
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_OK);
    c.type = (enum pcn_contact_type)77;
    assert_int_equal(pcn_contact_check(&c, now, &e), PCN_EINVAL);
}

static void test_text_limits(void **state)
{
    struct pcn_error e;
    char big[PCN_NOTE_MAX + 2];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(pcn_text_check("notes", big, PCN_NOTE_MAX, &e), PCN_ELIMIT);
    assert_string_equal(e.msg, "notes: 4001 bytes is over the limit of 4000");
    big[PCN_NOTE_MAX] = '\0';
    assert_int_equal(pcn_text_check("notes", big, PCN_NOTE_MAX, &e), PCN_OK);
    assert_int_equal(pcn_text_check("notes", "caf\xc3\xa9", 10, &e), PCN_OK);
    assert_int_equal(pcn_text_check("notes", "del\x7f", 10, &e), PCN_EINVAL);

    assert_int_equal(pcn_goal_check_text("Walk to the park twice a week", &e), PCN_OK);
    assert_int_equal(pcn_goal_check_text("   ", &e), PCN_EINVAL);
    assert_string_equal(e.msg, "goal: the goal is empty");
    assert_int_equal(pcn_goal_check_text(NULL, &e), PCN_EINVAL);
    big[PCN_GOAL_TEXT_MAX + 1] = '\0';
    assert_int_equal(pcn_goal_check_text(big, &e), PCN_ELIMIT);
}

static void test_referral_record(void **state)
{
    struct pcn_error e;
    struct pcn_referral r = {
        .patient_id = "P1",
        .source = PCN_SOURCE_CLINICIAN,
        .channel = PCN_CHANNEL_PATIENT_VIEW,
        .referrer = "Dr Ahmed",
        .worklist = "",
        .reason = "Lonely since bereavement; struggling with bills",
        .needs = 0x3,
        .received_at = INT64_C(1760000000000000),
        .created_by = "drahmed",
        .link_worker = "",
        .state = PCN_REFERRAL_RECEIVED,
        .what_matters = "",
    };
    (void)state;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_OK);
    r.patient_id = "";
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "patient_id: missing");
    r.patient_id = "P1";
    r.created_by = NULL;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "created_by: missing");
    r.created_by = "drahmed";
    r.state = PCN_REFERRAL_CLOSED;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "close_reason: a closed referral needs a reason");
    r.close_reason = PCN_CLOSE_GOALS_MET;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_OK);
    r.state = PCN_REFERRAL_CONNECTED;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "close_reason: only a closed referral has a reason");
    r.close_reason = PCN_CLOSE_NONE;
    r.needs = 1u << 12;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "needs: unknown category");
    r.needs = 0;
    r.received_at = 0;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "received_at: missing");
    r.received_at = 1;
    r.source = PCN_SOURCE_SELF; /* a self-referral cannot come from a patient view */
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
    r.channel = PCN_CHANNEL_NONE;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_OK);
    char big[PCN_REFERRAL_TEXT_MAX + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    r.what_matters = big;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_ELIMIT);
    assert_non_null(strstr(e.msg, "what_matters:"));
    r.what_matters = "";
    r.state = (enum pcn_referral_state)40;
    assert_int_equal(pcn_referral_check(&r, &e), PCN_EINVAL);
}

static void test_time_parse(void **state)
{
    static const char *const bad[] = {"",
                                      "2026-13-01",
                                      "2026-02-30",
                                      "2026-03-01T",
                                      "2026-03-01T9:30",
                                      "2026-03-01T24:00",
                                      "2026-03-01T10:60",
                                      "2026-03-01 10:30",
                                      "2026-03-01T10:30:00",
                                      "2026-03-01T10:30:61Z",
                                      "2026-03-01T10:30:00+01:00",
                                      "01/03/2026"};
    pcn_usec_t t = 0;
    int32_t day = 0;
    char back[PCN_INSTANT_STR_SIZE];
    (void)state;

    assert_int_equal(pcn_date_parse("2026-03-01", 10, &day), PCN_OK);
    assert_int_equal(pcn_sp_time_parse("2026-03-01", 10, &t), PCN_OK);
    assert_true(t == (pcn_usec_t)day * INT64_C(86400000000) + INT64_C(12) * 3600000000);
    assert_int_equal(pcn_sp_time_parse("2026-03-01T09:05", 16, &t), PCN_OK);
    pcn_instant_format(t, back);
    assert_string_equal(back, "2026-03-01T09:05:00Z");
    /* what the API writes reads back to the same instant */
    assert_int_equal(pcn_sp_time_parse("2026-03-01T23:59:58Z", 20, &t), PCN_OK);
    pcn_instant_format(t, back);
    assert_string_equal(back, "2026-03-01T23:59:58Z");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pcn_sp_time_parse(bad[i], strlen(bad[i]), &t), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),       cmocka_unit_test(test_messages),
        cmocka_unit_test(test_names),       cmocka_unit_test(test_history),
        cmocka_unit_test(test_source),      cmocka_unit_test(test_contact),
        cmocka_unit_test(test_text_limits), cmocka_unit_test(test_referral_record),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
