/*
 * Unit tests for the FHIR R4 importer: Synthea patient Bundles and the
 * same resources as NDJSON give the same records; a FHIR import and a
 * Synthea CSV import of the same patients give the same patients,
 * conditions and key observations; bad input is named by file, entry and
 * JSON path.
 */
#include "ingest_testutil.h"

/* Lines of a file after the header, sorted, optionally filtered and cut. */
struct lines {
    char **v;
    size_t n;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Events kept by the cross-format comparison: conditions and observations
 * mapped from LOINC, with the source column (which names the format) cut.
 */
static int key_event(char *line)
{
    char *f[11];
    char *p = line;
    size_t n = 0;
    size_t len = strlen(line);
    char *out = malloc(len + 1);
    while (n < 11) {
        f[n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p++ = 0;
    }
    assert_non_null(out);
    if (n != 11 || !(strcmp(f[3], "condition") == 0 || strcmp(f[9], "loinc") == 0)) {
        free(out);
        return 0;
    }
    /* the key drops the source column; the result is never longer than the line */
    snprintf(out, len + 1, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", f[0], f[1], f[2], f[3], f[4], f[5],
             f[6], f[7], f[9], f[10]);
    memcpy(line, out, strlen(out) + 1);
    free(out);
    return 1;
}

static struct lines read_lines(const char *dir, const char *file, int (*keep)(char *))
{
    char path[512];
    struct lines l = {NULL, 0};
    char *text, *save = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    text = test_read_file(path);
    l.v = calloc(strlen(text) + 1, sizeof(char *));
    assert_non_null(l.v);
    (void)strtok_r(text, "\n", &save);
    for (char *s = strtok_r(NULL, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
        char *copy = strdup(s);
        if (!keep || keep(copy))
            l.v[l.n++] = copy;
        else
            free(copy);
    }
    free(text);
    qsort(l.v, l.n, sizeof(char *), cmp_str);
    return l;
}

static void assert_same_lines(const char *a, const char *b, const char *file, int (*keep)(char *),
                              size_t min_lines)
{
    struct lines la = read_lines(a, file, keep);
    struct lines lb = read_lines(b, file, keep);
    assert_true(la.n >= min_lines);
    assert_int_equal(la.n, lb.n);
    for (size_t i = 0; i < la.n; i++) {
        assert_string_equal(la.v[i], lb.v[i]);
        free(la.v[i]);
        free(lb.v[i]);
    }
    free(la.v);
    free(lb.v);
}

static void import_to(enum pcn_import_format fmt, const char *rel, const char *out,
                      struct pcn_import_stats *st)
{
    char src[512];
    const char *paths[1] = {src};
    struct pcn_error err;

    test_data_path(rel, src, sizeof(src));
    if (test_import(fmt, paths, 1, out, 0, &err, st) != PCN_OK)
        fail_msg("import of %s failed: %s", rel, err.msg);
}

static void test_bundles_and_ndjson(void **state)
{
    char tmp[128], a[256], b[256];
    struct pcn_import_stats st;
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(a, sizeof(a), "%s/bundles", tmp);
    snprintf(b, sizeof(b), "%s/ndjson", tmp);
    import_to(PCN_IMPORT_FHIR, "fhir/bundles", a, &st);
    assert_int_equal(st.patients, 2);
    assert_true(st.events > 100);
    assert_true(st.encounters > 10);
    assert_true(st.immunisations > 5);
    assert_true(st.skipped >= 6);
    assert_true(st.mapped > 20);
    import_to(PCN_IMPORT_FHIR, "fhir/ndjson", b, &st);
    assert_int_equal(st.patients, 2);
    assert_same_lines(a, b, "patients.csv", NULL, 2);
    assert_same_lines(a, b, "events.csv", NULL, 100);
    assert_same_lines(a, b, "medications.csv", NULL, 0);
    assert_same_lines(a, b, "immunisations.csv", NULL, 5);
    assert_same_lines(a, b, "encounters.csv", NULL, 10);
}

static void test_cross_format(void **state)
{
    char tmp[128], a[256], b[256];
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(a, sizeof(a), "%s/fhir", tmp);
    snprintf(b, sizeof(b), "%s/synthea", tmp);
    import_to(PCN_IMPORT_FHIR, "fhir/bundles", a, NULL);
    import_to(PCN_IMPORT_SYNTHEA, "fhir/synthea", b, NULL);
    assert_same_lines(a, b, "patients.csv", NULL, 2);
    assert_same_lines(a, b, "events.csv", key_event, 50);
}

static void expect_bad(const char *name, const char *text, const char *msg_part)
{
    char tmp[128], p[512];
    const char *paths[1] = {tmp};
    struct pcn_error err;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(p, sizeof(p), "%s/%s", tmp, name);
    test_write_file(p, text);
    assert_int_not_equal(test_import(PCN_IMPORT_FHIR, paths, 1, NULL, 0, &err, NULL), PCN_OK);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

#define PAT(extra) "{\"resourceType\":\"Patient\",\"id\":\"p1\"" extra "}"
#define BUNDLE(e) "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" e "]}"
#define ENTRY(r) "{\"fullUrl\":\"urn:uuid:p1\",\"resource\":" r "}"

static void test_bad_inputs(void **state)
{
    (void)state;
    expect_bad("b.json", "{\"resourceType\":\"Bundle\",", "b.json:1:");
    expect_bad("b.json", PAT(""), "$.resourceType: expected 'Bundle', got 'Patient'");
    expect_bad("b.json", BUNDLE(ENTRY(PAT(""))),
               "b.json: entry 0: $.entry[0].resource.birthDate: missing date");
    expect_bad("b.json", BUNDLE(ENTRY(PAT(",\"birthDate\":\"1990-13-01\""))),
               "$.entry[0].resource.birthDate: '1990-13-01' is not a date");
    expect_bad("b.json",
               BUNDLE(ENTRY(PAT(",\"birthDate\":\"1990-01-01\",\"identifier\":[{\"system\":"
                                "\"https://fhir.nhs.uk/Id/nhs-number\",\"value\":"
                                "\"9434765918\"}]"))),
               "$.entry[0].resource.identifier: NHS number '9434765918' fails the check digit");
    expect_bad("b.json", BUNDLE(ENTRY("{\"id\":\"x\"}")),
               "entry 0: $.entry[0].resource.resourceType");
    expect_bad("r.ndjson",
               "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/zz\"},"
               "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"1\"}]},"
               "\"onsetDateTime\":\"2001-01-01\"}\n",
               "r.ndjson:1: $.subject: reference 'Patient/zz' is not a patient of this import");
    expect_bad("r.ndjson", "\n" PAT(",\"birthDate\":\"1990-01-01\"") "\n{nope}\n",
               "r.ndjson:3: invalid JSON");
    expect_bad("b.json", BUNDLE(ENTRY(PAT(",\"birthDate\":\"1990-01-01\",\"gender\":\"\xff\""))),
               "b.json: not valid UTF-8");
    /* a Quantity whose value is a string is refused, not stored without its value */
    expect_bad("r.ndjson",
               PAT(",\"birthDate\":\"1990-01-01\"") "\n"
                                                    "{\"resourceType\":\"Observation\",\"subject\":"
                                                    "{\"reference\":\"Patient/p1\"},"
                                                    "\"code\":{\"coding\":[{\"system\":\"http://"
                                                    "snomed.info/sct\",\"code\":\"1\"}]},"
                                                    "\"effectiveDateTime\":\"2020-01-01\","
                                                    "\"valueQuantity\":{\"value\":\"7.2\"}}\n",
               "r.ndjson:2: $.valueQuantity.value: not a number (a JSON string)");
    expect_bad("r.ndjson",
               PAT(",\"birthDate\":\"1990-01-01\"") "\n"
                                                    "{\"resourceType\":\"Observation\",\"subject\":"
                                                    "{\"reference\":\"Patient/p1\"},"
                                                    "\"effectiveDateTime\":\"2020-01-01\","
                                                    "\"component\":[{\"code\":{\"coding\":[{"
                                                    "\"system\":\"http://snomed.info/"
                                                    "sct\",\"code\":\"1\"}]},"
                                                    "\"valueQuantity\":{\"value\":\"140\"}}]}\n",
               "r.ndjson:2: $.component[0].valueQuantity.value: not a number");
}

/* A UTF-8 byte order mark before a Bundle or an NDJSON file is skipped, as exporters write it. */
static void test_bom(void **state)
{
    char tmp[128], p[512];
    const char *paths[1] = {tmp};
    struct pcn_error err;
    struct pcn_import_stats st;
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(p, sizeof(p), "%s/b.json", tmp);
    test_write_file(p, "\xEF\xBB\xBF" BUNDLE(ENTRY(PAT(",\"birthDate\":\"1990-01-01\""))));
    snprintf(p, sizeof(p), "%s/Patient.ndjson", tmp);
    test_write_file(p, "\xEF\xBB\xBF{\"resourceType\":\"Patient\",\"id\":\"p2\","
                       "\"birthDate\":\"1991-01-01\"}\n");
    assert_int_equal(test_import(PCN_IMPORT_FHIR, paths, 1, NULL, 0, &err, &st), PCN_OK);
    assert_int_equal(st.patients, 2);
}

/*
 * How a medicine is prescribed (courseOfTherapyType, expectedSupplyDuration)
 * and what a contact was (class, first participant and location, status).
 */
static void test_prescribing_contacts(void **state)
{
    char tmp[128], in[256], out[256], p[512];
    const char *paths[1] = {in};
    struct pcn_error err;
    (void)state;

    test_mkdtemp(tmp, sizeof(tmp));
    snprintf(in, sizeof(in), "%s/in", tmp);
    snprintf(out, sizeof(out), "%s/out", tmp);
    assert_int_equal(mkdir(in, 0700), 0);
    snprintf(p, sizeof(p), "%s/r.ndjson", in);
    test_write_file(
        p, PAT(",\"birthDate\":\"1950-01-01\"") "\n"
                                                "{\"resourceType\":\"MedicationRequest\","
                                                "\"subject\":{\"reference\":\"Patient/p1\"},"
                                                "\"medicationCodeableConcept\":{\"coding\":[{"
                                                "\"system\":\"https://dmd.nhs.uk\","
                                                "\"code\":\"39732311000001104\"}]},\"authoredOn\":"
                                                "\"2024-01-01\","
                                                "\"courseOfTherapyType\":{\"coding\":[{\"code\":"
                                                "\"continuous\"}]},"
                                                "\"dispenseRequest\":{\"quantity\":{\"value\":56},"
                                                "\"expectedSupplyDuration\":{\"value\":8,\"code\":"
                                                "\"wk\"}}}\n"
                                                "{\"resourceType\":\"MedicationRequest\","
                                                "\"subject\":{\"reference\":\"Patient/p1\"},"
                                                "\"medicationCodeableConcept\":{\"coding\":[{"
                                                "\"system\":\"https://dmd.nhs.uk\","
                                                "\"code\":\"39732311000001104\"}]},\"authoredOn\":"
                                                "\"2024-02-01\","
                                                "\"courseOfTherapyType\":{\"coding\":[{\"code\":"
                                                "\"acute\"}]}}\n"
                                                "{\"resourceType\":\"Encounter\",\"id\":\"e1\","
                                                "\"status\":\"finished\","
                                                "\"class\":{\"code\":\"HH\"},\"subject\":{"
                                                "\"reference\":\"Patient/p1\"},"
                                                "\"participant\":[{\"individual\":{\"reference\":"
                                                "\"Practitioner/g7\"}}],"
                                                "\"location\":[{\"location\":{\"display\":"
                                                "\"A81001\"}}],"
                                                "\"period\":{\"start\":\"2024-03-01\"}}\n");
    if (test_import(PCN_IMPORT_FHIR, paths, 1, out, 0, &err, NULL) != PCN_OK)
        fail_msg("import failed: %s", err.msg);
    struct lines m = read_lines(out, "medications.csv", NULL);
    struct lines e = read_lines(out, "encounters.csv", NULL);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[0], "p1,2024-01-01,,dmd,39732311000001104,56,repeat,56,fhir");
    assert_string_equal(m.v[1], "p1,2024-02-01,,dmd,39732311000001104,,acute,,fhir");
    assert_int_equal(e.n, 1);
    assert_string_equal(e.v[0], "e1,p1,2024-03-01,,,,home,home_visit,,Practitioner/g7,A81001,,"
                                "attended,fhir");
    for (size_t i = 0; i < m.n; i++)
        free(m.v[i]);
    free(m.v);
    free(e.v[0]);
    free(e.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundles_and_ndjson),
        cmocka_unit_test(test_cross_format),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_prescribing_contacts),
        cmocka_unit_test(test_bom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
