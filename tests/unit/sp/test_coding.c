/* Unit tests for sp/coding.c: the social prescribing code table and the coded events. */
#include "testutil.h"

#include "pcn/sp_coding.h"

static char workdir[128];

static int setup(void **state)
{
    (void)state;
    test_mkdtemp(workdir, sizeof(workdir));
    return 0;
}

static int teardown(void **state)
{
    char path[256];
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/codes.csv", workdir);
    (void)unlink(path);
    (void)rmdir(workdir);
    return 0;
}

static void test_shipped(void **state)
{
    struct pcn_sp_codes c;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_sp_codes_load(NULL, &c, &e), PCN_OK);
    assert_string_equal(c.concept[PCN_SP_REFERRAL].code, "871731000000106");
    assert_string_equal(c.concept[PCN_SP_REFERRAL].term, "Referral to social prescribing service");
    assert_string_equal(c.concept[PCN_SP_DECLINED].code, "871711000000103");
    assert_string_equal(c.concept[PCN_SP_SWEMWBS].code, "718466001");
    assert_string_equal(c.concept[PCN_SP_WEMWBS].code, "718426000");
    assert_string_equal(c.concept[PCN_SP_SWEMWBS].system, "snomed");
    /* no verified ONS4 concept is shipped */
    for (int i = PCN_SP_ONS4_LIFE_SATISFACTION; i <= PCN_SP_ONS4_ANXIETY; i++)
        assert_false(pcn_sp_codes_has(&c, i));
    assert_true(pcn_sp_codes_has(&c, PCN_SP_REFERRAL));
    assert_false(pcn_sp_codes_has(&c, PCN_SP_CONCEPT_COUNT_));
    assert_string_equal(pcn_sp_concept_name(PCN_SP_ONS4_ANXIETY), "ons4_anxiety");
    assert_null(pcn_sp_concept_name(PCN_SP_CONCEPT_COUNT_));
}

static void test_events(void **state)
{
    struct pcn_sp_codes c;
    struct pcn_sp_coded out;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_sp_codes_load(NULL, &c, &e), PCN_OK);

    pcn_sp_code_referral(&c, "P1", 20000, &out);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.n_uncoded, 0);
    assert_string_equal(out.event[0].code, "871731000000106");
    assert_string_equal(out.event[0].system, "snomed");
    assert_string_equal(out.event[0].patient_id, "P1");
    assert_string_equal(out.event[0].source, PCN_SP_SOURCE);
    assert_int_equal(out.event[0].date, 20000);
    assert_int_equal(out.event[0].kind, PCN_EVENT_PROCEDURE);
    assert_false(out.event[0].has_value);

    pcn_sp_code_declined(&c, "P1", 20001, &out);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.event[0].code, "871711000000103");

    int sw[7] = {4, 4, 3, 3, 4, 2, 5};
    assert_int_equal(pcn_sp_code_measure(&c, "P1", 20002, PCN_INSTRUMENT_SWEMWBS, sw, 7, &out, &e),
                     PCN_OK);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.event[0].code, "718466001");
    assert_true(out.event[0].has_value);
    assert_true(out.event[0].value == 25.0); /* the raw total, the code's range is 7-35 */
    assert_int_equal(out.event[0].kind, PCN_EVENT_OBSERVATION);

    /* ONS4 is validated, then reported as not coded (no concept in the table) */
    int ons[4] = {6, 7, 5, 4};
    assert_int_equal(pcn_sp_code_measure(&c, "P1", 20002, PCN_INSTRUMENT_ONS4, ons, 4, &out, &e),
                     PCN_OK);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.n_uncoded, 4);
    assert_int_equal(out.uncoded[3], PCN_SP_ONS4_ANXIETY);
    ons[2] = 12;
    assert_int_equal(pcn_sp_code_measure(&c, "P1", 20002, PCN_INSTRUMENT_ONS4, ons, 4, &out, &e),
                     PCN_EINVAL);
    assert_string_equal(e.msg, "ONS4 happiness is 12; items are scored 0-10");
}

static void write_codes(const char *text, char *path, size_t size)
{
    (void)snprintf(path, size, "%s/codes.csv", workdir);
    test_write_file(path, text);
}

static void test_site_table(void **state)
{
    char path[256];
    struct pcn_sp_codes c;
    struct pcn_sp_coded out;
    struct pcn_error e;
    const char *head = "concept,system,code,term,source\n";
    char text[1024];
    (void)state;
    /* a site that codes the ONS4 items gets four observations */
    (void)snprintf(text, sizeof(text),
                   "%sons4_life_satisfaction,snomed,100000001,Life satisfaction score,local\n"
                   "ons4_worthwhile,snomed,100000002,Worthwhile score,local\n"
                   "ons4_happiness,snomed,100000003,Happiness score,local\n"
                   "ons4_anxiety,snomed,100000004,Anxiety score,local\n",
                   head);
    write_codes(text, path, sizeof(path));
    assert_int_equal(pcn_sp_codes_load(path, &c, &e), PCN_OK);
    int ons[4] = {6, 7, 5, 4};
    assert_int_equal(pcn_sp_code_measure(&c, "P9", 1, PCN_INSTRUMENT_ONS4, ons, 4, &out, &e),
                     PCN_OK);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.event[3].code, "100000004");
    assert_true(out.event[3].value == 4.0);
    /* and a referral is then not coded */
    pcn_sp_code_referral(&c, "P9", 1, &out);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.n_uncoded, 1);
    assert_int_equal(out.uncoded[0], PCN_SP_REFERRAL);

    const struct {
        const char *rows;
        const char *expect;
    } bad[] = {
        {"feeling,snomed,100000001,x,y\n", "codes.csv:2: unknown concept 'feeling'"},
        {"referral,read,100000001,x,y\n", "codes.csv:2: system must be snomed"},
        {"referral,snomed,12AB,x,y\n", "codes.csv:2: '12AB' is not a SNOMED CT identifier"},
        {"referral,snomed,100000001,,y\n", "codes.csv:2: the term must be"},
        {"referral,snomed,100000001,x,y\nreferral,snomed,100000002,x,y\n",
         "codes.csv:3: concept referral appears twice"},
        {"referral,snomed,100000001,x\n", "codes.csv:2: expected 5 columns, found 4"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        (void)snprintf(text, sizeof(text), "%s%s", head, bad[i].rows);
        write_codes(text, path, sizeof(path));
        assert_int_equal(pcn_sp_codes_load(path, &c, &e), PCN_EPARSE);
        if (!strstr(e.msg, bad[i].expect))
            fail_msg("got '%s', wanted '%s'", e.msg, bad[i].expect);
    }
    write_codes("a,b\n", path, sizeof(path));
    assert_int_equal(pcn_sp_codes_load(path, &c, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "expected the header concept,system,code,term,source"));
    write_codes("", path, sizeof(path));
    assert_int_equal(pcn_sp_codes_load(path, &c, &e), PCN_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_site_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
