/*
 * Unit tests for model/ppg.c and model/profile.c: the patient partnership
 * vocabularies and their spellings, blanks as "not stated", postcode
 * districts, every record check with its field-named message, hostile text
 * (bad UTF-8, control characters, overlong), personal data in text to be
 * published, and list size bands spread over single years.
 */
#include "testutil.h"

#include "pcn/date.h"
#include "pcn/ppg.h"
#include "pcn/profile.h"

static int32_t day(const char *s)
{
    int32_t d = 0;

    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

static int parse(enum pcn_ppg_vocab v, const char *s)
{
    int out = -99;

    return pcn_ppg_parse(v, s, strlen(s), &out) == PCN_OK ? out : -1;
}

static void test_vocabularies(void **state)
{
    char codes[200];
    (void)state;
    assert_int_equal(parse(PCN_PPG_V_AGE, "25-34"), PCN_PPG_AGE_25_34);
    assert_int_equal(parse(PCN_PPG_V_AGE, " 85 and over "), PCN_PPG_AGE_85_PLUS);
    assert_int_equal(parse(PCN_PPG_V_AGE, ""), PCN_PPG_AGE_NOT_STATED);
    assert_int_equal(parse(PCN_PPG_V_AGE, "Prefer not to say"), PCN_PPG_AGE_NOT_STATED);
    assert_int_equal(parse(PCN_PPG_V_AGE, "20-29"), -1);
    assert_int_equal(parse(PCN_PPG_V_SEX, "F"), PCN_PPG_SEX_FEMALE);
    assert_int_equal(parse(PCN_PPG_V_SEX, "Male"), PCN_PPG_SEX_MALE);
    assert_int_equal(parse(PCN_PPG_V_ETH, "black"), PCN_PPG_ETH_BLACK);
    assert_int_equal(parse(PCN_PPG_V_ETH, "J"), PCN_PPG_ETH_ASIAN); /* NHS category letter */
    assert_int_equal(parse(PCN_PPG_V_ETH, "Z"), -1);
    assert_int_equal(parse(PCN_PPG_V_YESNO, "Y"), PCN_PPG_YES);
    assert_int_equal(parse(PCN_PPG_V_YESNO, "maybe"), -1);
    assert_int_equal(parse(PCN_PPG_V_RUNG, "devolve"), PCN_PPG_RUNG_CO_PRODUCE);
    assert_int_equal(parse(PCN_PPG_V_RUNG, "Co-production"), PCN_PPG_RUNG_CO_PRODUCE);
    assert_int_equal(parse(PCN_PPG_V_RUNG, ""), -1); /* not demographic: blank is an error */
    assert_int_equal(parse(PCN_PPG_V_KIND, "focus group"), PCN_PPG_KIND_FOCUS_GROUP);
    assert_int_equal(parse(PCN_PPG_V_STAGE, "procurement"), PCN_PPG_STAGE_PROCUREMENT);
    assert_int_equal(parse(PCN_PPG_V_OUTCOME, "not possible"), PCN_PPG_OUTCOME_NOT_POSSIBLE);
    assert_int_equal(parse(PCN_PPG_V_ROLE, "virtual member"), PCN_PPG_ROLE_VIRTUAL);
    assert_int_equal(parse(PCN_PPG_V_COUNT_, "x"), -1);
    assert_string_equal(pcn_ppg_code(PCN_PPG_V_RUNG, PCN_PPG_RUNG_CO_PRODUCE), "co_produce");
    assert_string_equal(pcn_ppg_label(PCN_PPG_V_RUNG, PCN_PPG_RUNG_CO_PRODUCE),
                        "Co-produce / devolve");
    assert_string_equal(pcn_ppg_code(PCN_PPG_V_RUNG, 99), "");
    assert_int_equal(pcn_ppg_count(PCN_PPG_V_STAGE), 5);
    pcn_ppg_codes(PCN_PPG_V_RUNG, codes, sizeof(codes));
    assert_string_equal(codes, "inform, consult, involve, collaborate, co_produce");
    pcn_ppg_codes(PCN_PPG_V_RUNG, codes, 10); /* truncated, still terminated */
    assert_true(strlen(codes) < 10);
    /* every code parses back to itself */
    for (int v = 0; v < PCN_PPG_V_COUNT_; v++) {
        for (int i = 0; i < pcn_ppg_count((enum pcn_ppg_vocab)v); i++)
            assert_int_equal(parse((enum pcn_ppg_vocab)v, pcn_ppg_code((enum pcn_ppg_vocab)v, i)),
                             i);
    }
}

static void test_ages_and_districts(void **state)
{
    char d[PCN_PPG_DISTRICT_SIZE];
    int from = 0, to = 0, q = -1;
    (void)state;
    pcn_ppg_age_years(PCN_PPG_AGE_25_34, &from, &to);
    assert_int_equal(from, 25);
    assert_int_equal(to, 34);
    pcn_ppg_age_years(PCN_PPG_AGE_85_PLUS, &from, &to);
    assert_int_equal(to, PCN_PPG_AGE_TOP);
    assert_int_equal(pcn_ppg_district_parse(" ts18 ", 6, d), PCN_OK);
    assert_string_equal(d, "TS18");
    assert_int_equal(pcn_ppg_district_parse("SW1A 1AA", 8, d), PCN_OK); /* cut to the district */
    assert_string_equal(d, "SW1A");
    assert_int_equal(pcn_ppg_district_parse("", 0, d), PCN_OK);
    assert_string_equal(d, "");
    assert_int_equal(pcn_ppg_district_parse("TS", 2, d), PCN_EINVAL);
    assert_int_equal(pcn_ppg_district_parse("18TS", 4, d), PCN_EINVAL);
    assert_int_equal(pcn_ppg_district_parse("TS18X9", 6, d), PCN_EINVAL);
    assert_int_equal(pcn_ppg_quintile_parse("3", 1, &q), PCN_OK);
    assert_int_equal(q, 3);
    assert_int_equal(pcn_ppg_quintile_parse("", 0, &q), PCN_OK);
    assert_int_equal(q, 0);
    assert_int_equal(pcn_ppg_quintile_parse("6", 1, &q), PCN_EINVAL);
    assert_int_equal(pcn_ppg_financial_year(day("2025-03-31")), 2024);
    assert_int_equal(pcn_ppg_financial_year(day("2025-04-01")), 2025);
}

static struct pcn_ppg_member member(void)
{
    struct pcn_ppg_member m = {.group_id = 1,
                               .name = "Ann Example",
                               .email = "ann@example.org",
                               .consent = 1,
                               .role = PCN_PPG_ROLE_CHAIR,
                               .age = PCN_PPG_AGE_65_74,
                               .district = "TS18",
                               .joined = 19000,
                               .left = PCN_DATE_NONE,
                               .withdrawn = PCN_DATE_NONE};
    return m;
}

static void expect_bad_member(struct pcn_ppg_member m, const char *msg)
{
    struct pcn_error e;

    assert_int_equal(pcn_ppg_member_check(&m, &e), PCN_EINVAL);
    if (!strstr(e.msg, msg))
        fail_msg("member check: wanted '%s', got '%s'", msg, e.msg);
}

static void test_member_checks(void **state)
{
    struct pcn_ppg_member m = member();
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_ppg_member_check(&m, &e), PCN_OK);
    m.name = NULL;
    expect_bad_member(m, "name: required");
    m = member();
    m.name = "   ";
    expect_bad_member(m, "name: required");
    m = member();
    m.name = "Bad\x01name";
    expect_bad_member(m, "control characters");
    m.name = "Bad \xC0\xAF overlong";
    expect_bad_member(m, "not valid UTF-8");
    m.name = "Half \xE2\x82";
    expect_bad_member(m, "not valid UTF-8");
    m.name = "Jos\xC3\xA9 \xF0\x9F\x98\x80"; /* é and an emoji are fine */
    assert_int_equal(pcn_ppg_member_check(&m, &e), PCN_OK);
    m = member();
    m.email = "not an address";
    expect_bad_member(m, "email: not an e-mail address");
    m.email = "a@b@c.org";
    expect_bad_member(m, "email:");
    m = member();
    m.phone = "call me";
    expect_bad_member(m, "phone:");
    m.phone = "01642 123456";
    assert_int_equal(pcn_ppg_member_check(&m, &e), PCN_OK);
    m.consent = 0;
    expect_bad_member(m, "consent: contact details are kept only with consent");
    m = member();
    m.left = m.joined - 1;
    expect_bad_member(m, "left: before the member joined");
    m = member();
    m.joined = PCN_DATE_NONE;
    expect_bad_member(m, "joined: required");
    m = member();
    m.age = (enum pcn_ppg_age)42;
    expect_bad_member(m, "age_band: not a known value");
    m = member();
    m.quintile = 6;
    expect_bad_member(m, "deprivation_quintile");
    m = member();
    m.district = "ts18"; /* the store keeps the normal form only */
    expect_bad_member(m, "postcode_district");
    m = member();
    m.group_id = 0;
    expect_bad_member(m, "group: required");
    /* consent withdrawn: anonymous facts only */
    m = member();
    m.withdrawn = m.joined + 10;
    expect_bad_member(m, "withdrawn: a member who withdrew consent keeps no contact details");
    m.name = m.email = m.district = NULL;
    m.consent = 0;
    assert_int_equal(pcn_ppg_member_check(&m, &e), PCN_OK);
    /* current on a day: joined on or before, not yet left */
    m = member();
    m.left = m.joined + 5;
    assert_true(pcn_ppg_member_is_current(&m, m.joined));
    assert_true(pcn_ppg_member_is_current(&m, m.joined + 4));
    assert_false(pcn_ppg_member_is_current(&m, m.joined + 5));
    assert_false(pcn_ppg_member_is_current(&m, m.joined - 1));
}

static void test_other_checks(void **state)
{
    int64_t groups[] = {1, 2, 1};
    struct pcn_ppg_group g = {0, "U12345", "A81001", "North Surgery PPG", PCN_DATE_NONE, 0};
    struct pcn_ppg_activity a = {.network = "U12345",
                                 .kind = PCN_PPG_KIND_SURVEY,
                                 .rung = PCN_PPG_RUNG_CONSULT,
                                 .title = "Access survey",
                                 .held = 19500,
                                 .people = 120,
                                 .groups = groups,
                                 .n_groups = 2};
    struct pcn_ppg_feedback f = {.network = "U12345",
                                 .received = 19500,
                                 .said = "Phones are engaged at 8am",
                                 .responded = PCN_DATE_NONE,
                                 .outcome = PCN_PPG_OUTCOME_OPEN,
                                 .outcome_date = PCN_DATE_NONE};
    struct pcn_ppg_change c = {0, "U12345", "First contact physiotherapy", NULL, 19000, 0};
    struct pcn_ppg_involvement v = {.change_id = 1,
                                    .stage = PCN_PPG_STAGE_NEEDS,
                                    .group_id = 1,
                                    .rung = PCN_PPG_RUNG_INVOLVE,
                                    .date = 19000,
                                    .people = -1};
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_ppg_group_check(&g, &e), PCN_OK);
    g.network = "U1234";
    assert_int_equal(pcn_ppg_group_check(&g, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "network:"));
    assert_int_equal(pcn_ppg_activity_check(&a, &e), PCN_OK);
    a.n_groups = 3;
    assert_int_equal(pcn_ppg_activity_check(&a, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "named twice"));
    a.n_groups = 2;
    a.people = -5;
    assert_int_equal(pcn_ppg_activity_check(&a, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "people:"));
    a.people = 3;
    a.held = PCN_DATE_NONE;
    assert_int_equal(pcn_ppg_activity_check(&a, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "held: required"));
    a.held = 19500;
    a.rung = (enum pcn_ppg_rung)9;
    assert_int_equal(pcn_ppg_activity_check(&a, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "rung:"));

    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_OK);
    f.outcome = PCN_PPG_OUTCOME_DONE;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "response: required once the outcome is done"));
    f.response = "We added a call-back service";
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "responded: required"));
    f.responded = 19400;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "responded: before"));
    f.responded = 19510;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_OK);
    f.outcome = PCN_PPG_OUTCOME_NOT_POSSIBLE;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "reason: say why"));
    f.reason = "The telephone contract runs to 2027";
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_OK);
    f.published = 1;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_OK);
    f.said = "Patient 943 476 5919 waited";
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "said: looks like it holds an NHS number"));
    f.said = "Phones engaged";
    f.response = NULL;
    f.outcome = PCN_PPG_OUTCOME_OPEN;
    f.reason = NULL;
    f.responded = PCN_DATE_NONE;
    assert_int_equal(pcn_ppg_feedback_check(&f, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "published: only an answered item"));

    assert_int_equal(pcn_ppg_change_check(&c, &e), PCN_OK);
    c.title = "";
    assert_int_equal(pcn_ppg_change_check(&c, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "title: required"));

    assert_int_equal(pcn_ppg_involvement_check(&v, &e), PCN_OK);
    v.who = "Healthwatch";
    assert_int_equal(pcn_ppg_involvement_check(&v, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "not both"));
    v.group_id = 0;
    assert_int_equal(pcn_ppg_involvement_check(&v, &e), PCN_OK);
    v.who = NULL;
    assert_int_equal(pcn_ppg_involvement_check(&v, &e), PCN_EINVAL);
}

static void test_publishable(void **state)
{
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_ppg_publishable("said", "We opened on Saturdays from 9 to 12", &e),
                     PCN_OK);
    assert_int_equal(pcn_ppg_publishable("said", "Ring 01642 123456 for details", &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "telephone number"));
    assert_int_equal(pcn_ppg_publishable("said", "write to jo@example.org", &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "e-mail address"));
    assert_int_equal(pcn_ppg_publishable("said", "NHS no 9434765919.", &e), PCN_EINVAL);
    /* ten digits failing the check digit are not an NHS number; 11 digits are not either */
    assert_int_equal(pcn_ppg_publishable("said", "ref 9434765918", &e), PCN_OK);
    assert_int_equal(pcn_ppg_publishable("said", "ref 94347659190", &e), PCN_OK);
    assert_int_equal(pcn_ppg_publishable("said", NULL, &e), PCN_OK);
}

static void test_profile(void **state)
{
    struct pcn_profile p, sum;
    (void)state;
    pcn_profile_init(&p);
    assert_int_equal(p.has, 0u);
    assert_int_equal(pcn_profile_add_band(&p, 'F', 15, 12), PCN_OK);
    /* 12 over five years: 3, 3, 2, 2, 2; 18 and 19 get 4 of them */
    assert_int_equal(pcn_profile_sum(p.sex_age[2], 15, 19), 12);
    assert_int_equal(pcn_profile_sum(p.sex_age[2], 18, 19), 4);
    assert_int_equal(pcn_profile_add_band(&p, 'M', 95, 7), PCN_OK);
    assert_int_equal(pcn_profile_sum(p.sex_age[1], 85, 500), 7);
    assert_int_equal(pcn_profile_add_band(&p, 'X', 15, 1), PCN_EINVAL);
    assert_int_equal(pcn_profile_add_band(&p, 'F', 17, 1), PCN_EINVAL);
    assert_int_equal(pcn_profile_add_band(&p, 'F', 100, 1), PCN_EINVAL);
    assert_int_equal(pcn_profile_add_band(&p, 'F', 10, -1), PCN_EINVAL);
    assert_int_equal(p.has, (unsigned)PCN_PROFILE_HAS_SEX_AGE);
    pcn_profile_init(&sum);
    sum.has = PCN_PROFILE_HAS_ALL;
    pcn_profile_add(&sum, &p);
    pcn_profile_add(&sum, &p);
    assert_int_equal(pcn_profile_sum(sum.sex_age[2], 0, 100), 24);
    assert_int_equal(sum.has, (unsigned)PCN_PROFILE_HAS_SEX_AGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocabularies),  cmocka_unit_test(test_ages_and_districts),
        cmocka_unit_test(test_member_checks), cmocka_unit_test(test_other_checks),
        cmocka_unit_test(test_publishable),   cmocka_unit_test(test_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
