/*
 * Unit tests for engine/profile.c: practices' registered populations by
 * sex and age, ethnic group and deprivation quintile, counted on an as-of
 * date with the evaluator's registration rule (not yet registered, left,
 * dead, unborn are out), ages in whole years on the day, a practice with
 * no patients left unknown, and checked against the engine's own
 * breakdown of a report on the same snapshot.
 */
#include "testutil.h"

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/profile.h"

static int32_t day(const char *s)
{
    int32_t d = 0;

    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

struct person {
    const char *dob;
    enum pcn_sex sex;
    const char *eth;
    const char *lsoa;
    const char *practice;
    const char *from, *to, *death;
};

static const struct person people[] = {
    {"1950-06-01", PCN_SEX_FEMALE, "A", "E01000001", "A81001", "2000-01-01", NULL, NULL},
    {"2000-06-02", PCN_SEX_MALE, "J", "E01000002", "A81001", NULL, NULL, NULL},
    {"2000-06-01", PCN_SEX_MALE, "N", NULL, "A81001", "2010-01-01", NULL, NULL},
    {"1980-01-01", PCN_SEX_FEMALE, NULL, "E01000001", "A81001", "2030-01-01", NULL, NULL},
    {"1980-01-01", PCN_SEX_FEMALE, "A", "E01000001", "A81001", NULL, "2020-01-01", NULL},
    {"1980-01-01", PCN_SEX_MALE, "A", "E01000001", "A81001", NULL, NULL, "2024-01-01"},
    {"1990-01-01", PCN_SEX_FEMALE, "R", "E01000002", "A81002", NULL, NULL, NULL},
    {"1890-01-01", PCN_SEX_FEMALE, "A", NULL, "A81002", NULL, NULL, NULL},
};

static int32_t day_or_none(const char *s)
{
    return s ? day(s) : PCN_DATE_NONE;
}

static struct pcn_snapshot *snapshot(const char *imd)
{
    struct pcn_snapshot *s = NULL;

    assert_int_equal(pcn_snapshot_new(imd, &s), PCN_OK);
    for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
        char id[8];
        const struct person *x = &people[i];
        (void)snprintf(id, sizeof(id), "P%zu", i);
        struct pcn_patient p = {.patient_id = id,
                                .date_of_birth = day(x->dob),
                                .sex = x->sex,
                                .ethnicity = x->eth,
                                .lsoa = x->lsoa,
                                .practice = x->practice,
                                .registered_from = day_or_none(x->from),
                                .registered_to = day_or_none(x->to),
                                .date_of_death = day_or_none(x->death)};
        assert_int_equal(pcn_snapshot_add_patient(s, (int64_t)i + 1, &p), PCN_OK);
    }
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

static void test_profiles(void **state)
{
    char dir[128], imd[160];
    const char *practices[] = {"A81001", "A81002", "Z99999", NULL};
    struct pcn_profile p[4];
    struct pcn_snapshot *s;
    int32_t as_of = day("2025-06-01");
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(imd, sizeof(imd), "%s/imd.csv", dir);
    test_write_file(imd, "lsoa,imd_decile\nE01000001,1\nE01000002,10\n");
    s = snapshot(imd);
    assert_int_equal(pcn_snapshot_profiles(s, as_of, practices, 4, p), PCN_OK);
    /* A81001: patients 0, 1, 2 (3 not yet registered, 4 left, 5 died) */
    assert_int_equal(p[0].has, (unsigned)PCN_PROFILE_HAS_ALL);
    assert_int_equal(p[0].date, as_of);
    assert_int_equal(pcn_profile_sum(p[0].sex_age[PCN_SEX_FEMALE], 0, 100), 1);
    assert_int_equal(p[0].sex_age[PCN_SEX_FEMALE][75], 1); /* 75 on the day */
    assert_int_equal(p[0].sex_age[PCN_SEX_MALE][24], 1);   /* 25 the next day */
    assert_int_equal(p[0].sex_age[PCN_SEX_MALE][25], 1);   /* 25 on the day */
    assert_int_equal(p[0].eth_age[0][75], 1);              /* White */
    assert_int_equal(p[0].eth_age[2][24], 1);              /* Asian */
    assert_int_equal(p[0].eth_age[3][25], 1);              /* Black */
    assert_int_equal(p[0].imd_age[1][75], 1);              /* decile 1: quintile 1 */
    assert_int_equal(p[0].imd_age[5][24], 1);              /* decile 10: quintile 5 */
    assert_int_equal(p[0].imd_age[0][25], 1);              /* no LSOA: not known */
    /* A81002: aged 35, and 135 (capped at 100) */
    assert_int_equal(p[1].sex_age[PCN_SEX_FEMALE][35], 1);
    assert_int_equal(p[1].sex_age[PCN_SEX_FEMALE][100], 1);
    assert_int_equal(p[1].eth_age[4][35], 1); /* Other */
    /* a practice without patients, and a missing code: nothing known */
    assert_int_equal(p[2].has, 0u);
    assert_int_equal(p[3].has, 0u);
    assert_int_equal(pcn_profile_sum(p[2].sex_age[PCN_SEX_FEMALE], 0, 100), 0);
    assert_int_equal(pcn_snapshot_profiles(s, PCN_DATE_NONE, practices, 1, p), PCN_EINVAL);
    pcn_snapshot_free(s);
    (void)unlink(imd);
    (void)rmdir(dir);
}

static void test_matches_report(void **state)
{
    const char *def = "register everyone \"Everyone\" = age >= 0\n";
    const char *practices[] = {"A81001", "A81002"};
    struct pcn_profile p[2];
    struct pcn_snapshot *s = snapshot(NULL);
    struct pcn_program *prog = pcn_program_new();
    struct pcn_results *res = NULL;
    struct pcn_eval_options o = {.as_of = day("2025-06-01"), .threads = 1};
    struct pcn_error err;
    int64_t population = 0, profiled = 0;
    (void)state;
    assert_non_null(prog);
    assert_int_equal(
        pcn_program_load_string(prog, "t", def, strlen(def), NULL, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    assert_int_equal(pcn_program_eval(prog, s, &o, &res, &err), PCN_OK);
    assert_int_equal(pcn_results_total(res, "everyone", "population", &population), PCN_OK);
    assert_int_equal(pcn_snapshot_profiles(s, o.as_of, practices, 2, p), PCN_OK);
    for (int i = 0; i < 2; i++) {
        for (int sex = 0; sex < PCN_PROFILE_SEXES; sex++)
            profiled += pcn_profile_sum(p[i].sex_age[sex], 0, 100);
    }
    assert_int_equal(profiled, population);
    pcn_results_free(res);
    pcn_program_free(prog);
    pcn_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_matches_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
