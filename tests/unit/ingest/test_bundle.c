/*
 * Unit tests for the native CSV bundle: writer and reader round trip
 * byte for byte, and every kind of bad input is refused with file and line.
 */
#include "ingest_testutil.h"

static const char *const tables[] = {"patients.csv",    "terms.csv",         "events.csv",
                                     "medications.csv", "immunisations.csv", "encounters.csv"};

static void assert_same_files(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof(pa), "%s/%s", a, tables[i]);
        snprintf(pb, sizeof(pb), "%s/%s", b, tables[i]);
        char *ta = test_read_file(pa);
        char *tb = test_read_file(pb);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
    }
}

static void test_round_trip(void **state)
{
    char src[512], tmp[128], out1[256], out2[256];
    const char *paths[1];
    struct pcn_error err;
    struct pcn_import_stats st;
    (void)state;

    test_data_path("bundle/small", src, sizeof(src));
    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(out1, sizeof(out1), "%s/one", tmp);
    snprintf(out2, sizeof(out2), "%s/two", tmp);
    paths[0] = src;
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, out1, 0, &err, &st), PCN_OK);
    assert_int_equal(st.patients, 3);
    assert_int_equal(st.events, 6);
    assert_int_equal(st.medications, 2);
    assert_int_equal(st.immunisations, 1);
    assert_int_equal(st.encounters, 2);
    assert_int_equal(st.terms, 3);
    assert_same_files(src, out1);
    paths[0] = out1;
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, out2, 0, &err, NULL), PCN_OK);
    assert_same_files(out1, out2);
}

/* Write a bundle with the given patients and events text; other tables absent. */
static void make_bundle(const char *dir, const char *patients, const char *events)
{
    char p[512];
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(p, sizeof(p), "%s/patients.csv", dir);
    test_write_file(p, patients);
    if (events) {
        snprintf(p, sizeof(p), "%s/events.csv", dir);
        test_write_file(p, events);
    }
}

#define PHEAD "patient_id,date_of_birth,sex,nhs_number\n"
#define EHEAD "patient_id,date,kind,system,code,value\n"

static void expect_bad(const char *patients, const char *events, const char *msg_part)
{
    char tmp[128], dir[256];
    const char *paths[1] = {dir};
    struct pcn_error err;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(dir, sizeof(dir), "%s/b", tmp);
    make_bundle(dir, patients, events);
    assert_int_not_equal(test_import(PCN_IMPORT_CSV, paths, 1, NULL, 0, &err, NULL), PCN_OK);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

/* A bundle of one patient p1 and one other table (file: its text) must be refused with msg_part. */
static void expect_bad_in(const char *file, const char *text, const char *msg_part)
{
    char tmp[128], dir[256], p[512];
    const char *paths[1] = {dir};
    struct pcn_error err;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(dir, sizeof(dir), "%s/b", tmp);
    make_bundle(dir, PHEAD "p1,1950-01-01,F,\n", NULL);
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    test_write_file(p, text);
    assert_int_not_equal(test_import(PCN_IMPORT_CSV, paths, 1, NULL, 0, &err, NULL), PCN_OK);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

#define MHEAD "patient_id,start_date,system,code,course,duration_days\n"
#define CHEAD "encounter_id,patient_id,date,mode,role,booked_date,attendance\n"

static void test_bad_inputs(void **state)
{
    (void)state;
    expect_bad(PHEAD "p1,1950-01-01,F,9434765918\n", NULL, "patients.csv:2: nhs_number");
    expect_bad(PHEAD "p1,1950-13-01,F,\n", NULL, "patients.csv:2: date_of_birth: '1950-13-01'");
    expect_bad(PHEAD "p1,1950-01-01,X,\n", NULL, "patients.csv:2: sex");
    expect_bad(PHEAD "p1,1950-01-01,F\n", NULL, "patients.csv:2: wrong column count");
    expect_bad("patient_id,date_of_birth,shoe_size\n", NULL, "patients.csv:1: unknown column");
    expect_bad("patient_id,sex\n", NULL, "missing column 'date_of_birth'");
    expect_bad(PHEAD "p1,1950-01-01,F,\np1,1950-01-01,F,\n", NULL, "patients.csv:3: patient_id");
    expect_bad(PHEAD "p1,1950-01-01,F,\n",
               EHEAD "p1,2020-01-01,condition,snomed,1,\n"
                     "p9,2020-01-01,condition,snomed,1,\n",
               "events.csv:3: patient_id: 'p9' is not a patient");
    expect_bad(PHEAD "p1,1950-01-01,F,\n", EHEAD "p1,2020-01-01,condition,snomed,,\n",
               "events.csv:2: code: missing");
    expect_bad(PHEAD "p1,1950-01-01,F,\n", EHEAD "p1,2020-01-01,condition,snomed,1,x\n",
               "events.csv:2: value");
    expect_bad(PHEAD "p1,1950-01-01,F,\n", EHEAD "p1,2020-01-01,sneeze,snomed,1,\n",
               "events.csv:2: kind");
    expect_bad(PHEAD "p1,1950-01-01,F,Sm\xe9th\n", NULL, "patients.csv:2");
    expect_bad(PHEAD "p1,1950-01-01,F,\n", EHEAD "p1,\"2020-01-01,condition\n", "events.csv:2");
    expect_bad_in("medications.csv", MHEAD "p1,2020-01-01,dmd,1,chronic,\n",
                  "medications.csv:2: course: 'chronic'");
    expect_bad_in("medications.csv", MHEAD "p1,2020-01-01,dmd,1,repeat,28.5\n",
                  "medications.csv:2: duration_days: '28.5'");
    expect_bad_in("medications.csv", MHEAD "p1,2020-01-01,dmd,1,acute,0\n",
                  "medications.csv:2: duration_days");
    expect_bad_in("encounters.csv", CHEAD "e1,p1,2020-01-01,in person,gp,,\n",
                  "encounters.csv:2: mode: 'in person'");
    expect_bad_in("encounters.csv", CHEAD "e1,p1,2020-01-01,telephone,doctor,,\n",
                  "encounters.csv:2: role: unknown staff role 'doctor'");
    expect_bad_in("encounters.csv", CHEAD "e1,p1,2020-01-01,telephone,gp,,no\n",
                  "encounters.csv:2: attendance: 'no'");
    expect_bad_in("encounters.csv", CHEAD "e1,p1,2020-01-01,telephone,gp,2020-01-02,dna\n",
                  "encounters.csv:2: booked_date: after");
}

/*
 * Implausible patients are refused with file:line; clinical records dated
 * before their patient's birth or in the future are imported and counted.
 */
static void test_implausible(void **state)
{
    char tmp[128], dir[256];
    const char *paths[1] = {dir};
    struct pcn_error err;
    struct pcn_import_stats st;
    (void)state;

    expect_bad(PHEAD "p1,2099-01-01,F,\n", NULL, "patients.csv:2: date_of_birth: in the future");
    expect_bad(PHEAD "p1,1950-01-01,F,0000000000\n", NULL,
               "patients.csv:2: nhs_number: 0000000000");
    expect_bad(PHEAD "p1,1950-01-01,F,9434765919\np2,1960-01-01,M,943 476 5919\n", NULL,
               "patients.csv:3: nhs_number: 9434765919 is another patient's");
    expect_bad("patient_id,date_of_birth,sex,registered_from\np1,1950-01-01,F,1949-12-31\n", NULL,
               "patients.csv:2: registered_from: before date_of_birth");
    expect_bad("patient_id,date_of_birth,sex,ethnicity\np1,1950-01-01,F,X\n", NULL,
               "patients.csv:2: ethnicity: 'X' is not an NHS ethnic category");
    expect_bad("patient_id,date_of_birth,sex,lsoa\np1,1950-01-01,F,E0100001\n", NULL,
               "patients.csv:2: lsoa: 'E0100001' is not an LSOA code");
    expect_bad("patient_id,date_of_birth,sex,lsoa\np1,1950-01-01,F,SR1 1AA\n", NULL,
               "patients.csv:2: lsoa");

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(dir, sizeof(dir), "%s/b", tmp);
    make_bundle(dir,
                "patient_id,date_of_birth,sex,ethnicity,lsoa\n"
                "p1,1950-01-01,F,A,E01000001\np2,1960-01-01,M,Z,W01000002\n",
                EHEAD "p1,1949-06-01,condition,snomed,1,\n"
                      "p1,2098-01-01,condition,snomed,1,\n"
                      "p2,2098-01-01,condition,snomed,1,\n"
                      "p2,2020-01-01,condition,snomed,1,\n");
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, NULL, 0, &err, &st), PCN_OK);
    assert_int_equal(st.patients, 2);
    assert_int_equal(st.events, 4);
    assert_int_equal(st.warnings, 3);
}

static void test_max_errors(void **state)
{
    char tmp[128], dir[256];
    const char *paths[1] = {dir};
    struct pcn_error err;
    struct pcn_import_stats st;
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(dir, sizeof(dir), "%s/b", tmp);
    make_bundle(dir, PHEAD "p1,1950-01-01,F,\np2,bad,F,\np3,1960-01-01,M,\n",
                EHEAD "p1,2020-01-01,condition,snomed,1,\np2,2020-01-01,condition,snomed,1,\n");
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, NULL, 2, &err, &st), PCN_OK);
    assert_int_equal(st.patients, 2);
    assert_int_equal(st.events, 1);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, NULL, 1, &err, &st), PCN_EINVAL);
    assert_non_null(strstr(err.msg, "more than 1 bad records"));
}

static void test_normalises(void **state)
{
    char tmp[128], dir[256], out[256], p[512];
    const char *paths[1] = {dir};
    struct pcn_error err;
    char *text;
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(dir, sizeof(dir), "%s/b", tmp);
    snprintf(out, sizeof(out), "%s/out", tmp);
    make_bundle(dir,
                "patient_id,date_of_birth,nhs_number,postcode,sex\n"
                "p1,1950-01-01,943 476 5919,sr11aa,male\n",
                NULL);
    assert_int_equal(test_import(PCN_IMPORT_CSV, paths, 1, out, 0, &err, NULL), PCN_OK);
    snprintf(p, sizeof(p), "%s/patients.csv", out);
    text = test_read_file(p);
    assert_non_null(strstr(text, "\np1,9434765919,,,1950-01-01,M,,SR1 1AA,,,,,\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_implausible), cmocka_unit_test(test_max_errors),
        cmocka_unit_test(test_normalises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
