/*
 * Unit tests for the Synthea CSV importer and the LOINC to SNOMED CT map:
 * counts of the three-patient sample, mapped observations with orig codes,
 * unit transforms, the defs/maps table agreeing with the compiled one, and
 * bad rows named by file and line.
 */
#include "ingest_testutil.h"

#include "ingest/loinc_map.h"

static void test_sample(void **state)
{
    char src[512], tmp[128], out[256], p[512];
    const char *paths[1] = {src};
    struct pcn_error err;
    struct pcn_import_stats st;
    char *events;
    (void)state;

    test_data_path("synthea/small", src, sizeof(src));
    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(out, sizeof(out), "%s/out", tmp);
    assert_int_equal(test_import(PCN_IMPORT_SYNTHEA, paths, 1, out, 0, &err, &st), PCN_OK);
    assert_int_equal(st.patients, 3);
    /* conditions 19 + observations 337 + procedures 16 + careplans 9 + allergies 1 */
    assert_int_equal(st.events, 19 + 337 + 16 + 9 + 1);
    assert_int_equal(st.medications, 42);
    assert_int_equal(st.immunisations, 27);
    assert_int_equal(st.encounters, 88);
    assert_true(st.mapped > 0);
    snprintf(p, sizeof(p), "%s/events.csv", out);
    events = test_read_file(p);
    /* blood pressure, HbA1c in IFCC units, smoking status by value */
    assert_non_null(strstr(events, ",observation,snomed,271649006,"));
    assert_non_null(strstr(events, ",mm[Hg],synthea,loinc,8480-6\n"));
    assert_non_null(strstr(events, ",observation,snomed,999791000000106,"));
    assert_non_null(strstr(events, ",observation,snomed,266919005,,,synthea,loinc,72166-2\n"));
    assert_non_null(strstr(events, ",observation,loinc,72514-3,"));
    free(events);
    /* a wellness visit: face to face, attended, at the organisation PROVIDER names */
    snprintf(p, sizeof(p), "%s/encounters.csv", out);
    events = test_read_file(p);
    assert_non_null(strstr(events, "\ne35e0210-4b58-4d31-b292-3068ef896718,cefa04ef-b05e-4e59-b8da-"
                                   "ce9bced035db,1996-11-23,1996-11-23,snomed,162673000,wellness,"
                                   "face_to_face,,,bb207726-7171-3188-97fd-3aff5dc11598,,attended,"
                                   "synthea\n"));
    free(events);
}

static void test_transforms(void **state)
{
    (void)state;
    assert_true(pcn__loinc_transform(PCN__XFORM_DCCT_TO_IFCC, 6.5) > 47.4);
    assert_true(pcn__loinc_transform(PCN__XFORM_DCCT_TO_IFCC, 6.5) < 47.6);
    assert_true(pcn__loinc_transform(PCN__XFORM_CHOL_MGDL_TO_MMOL, 193.3) > 4.99);
    assert_true(pcn__loinc_transform(PCN__XFORM_CHOL_MGDL_TO_MMOL, 193.3) < 5.01);
    assert_null(pcn__loinc_find("72166-2", "Likes cake"));
    assert_string_equal(pcn__loinc_find("72166-2", "Former smoker")->snomed, "8517006");
}

/* Every row of defs/maps/loinc_snomed.csv is in the compiled table, and no more. */
static void test_map_file_agrees(void **state)
{
    char path[512];
    const char *root = getenv("PCN_SOURCE_ROOT");
    char *text, *line, *save = NULL;
    size_t n = 0;
    (void)state;

    snprintf(path, sizeof(path), "%s/defs/maps/loinc_snomed.csv", root ? root : PCN_SOURCE_DIR);
    text = test_read_file(path);
    line = strtok_r(text, "\n", &save);
    for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *loinc = line, *value = strchr(loinc, ',');
        char *snomed, *end;
        const struct pcn__loinc_map *m;
        assert_non_null(value);
        *value++ = 0;
        snomed = strchr(value, ',');
        assert_non_null(snomed);
        *snomed++ = 0;
        end = strchr(snomed, ',');
        assert_non_null(end);
        *end = 0;
        m = pcn__loinc_find(loinc, value[0] ? value : NULL);
        assert_non_null(m);
        assert_string_equal(m->snomed, snomed);
        n++;
    }
    assert_int_equal(n, pcn__n_loinc_maps);
    free(text);
}

static void expect_bad(const char *patients, const char *conditions, const char *msg_part)
{
    char tmp[128], p[512];
    const char *paths[1] = {tmp};
    struct pcn_error err;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(p, sizeof(p), "%s/patients.csv", tmp);
    test_write_file(p, patients);
    snprintf(p, sizeof(p), "%s/conditions.csv", tmp);
    test_write_file(p, conditions);
    assert_int_not_equal(test_import(PCN_IMPORT_SYNTHEA, paths, 1, NULL, 0, &err, NULL), PCN_OK);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

#define PH "Id,BIRTHDATE,DEATHDATE,FIRST,LAST,GENDER\n"
#define CH "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n"

static void test_bad_rows(void **state)
{
    (void)state;
    expect_bad(PH "a,1990-02-30,,A,B,F\n", CH, "patients.csv:2: BIRTHDATE: '1990-02-30'");
    expect_bad(PH "a,1990-02-03,,A,B,Q\n", CH, "patients.csv:2: GENDER");
    expect_bad(PH "a,1990-02-03,,A,B,F\n", CH "2001-01-01,,zz,e,44054006,Diabetes\n",
               "conditions.csv:2: patient_id: 'zz' is not a patient of this import");
    expect_bad(PH "a,1990-02-03,,A,B,F\n", CH "2001-01-01,,a,e,44054006\n",
               "conditions.csv:2: wrong column count");
    expect_bad("Id,GENDER\n", CH, "patients.csv:1: missing column 'BIRTHDATE'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_map_file_agrees),
        cmocka_unit_test(test_bad_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
