/*
 * Unit tests for the engine's contact queries (docs/definitions.md,
 * "Contacts"): contacts() counts by window, role, mode, attendance and
 * wait; continuity() is the share with the clinician seen most, null
 * without a contact; both the same when evaluated sparse, after a
 * snapshot file round trip and from the store; their errors.
 */
#include "testutil.h"
#include "testutil_store.h"

#include <math.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/store.h"
#include "pcn/store_population.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

struct contact {
    int64_t key;
    const char *date, *booked; /* booked NULL: unknown */
    enum pcn_encounter_role role;
    enum pcn_contact_mode mode;
    enum pcn_encounter_attendance att;
    const char *clinician;
};

/*
 * As of 2025-03-31, practice A1. Patient 1: five GP contacts in the year
 * (three with G1, one with G2, one DNA with G1), a pharmacist call, a GP
 * contact 13 months ago. Patient 2: a nurse contact of unknown clinician
 * and a GP home visit booked 20 days before. Patient 3: no contacts, a
 * diabetes code. Patient 4: a GP contact after the as-of date only.
 */
static const struct contact contacts[] = {
    {1, "2024-05-01", "2024-05-01", PCN_STAFF_GP, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_ATTENDED,
     "G1"},
    {1, "2024-07-01", "2024-06-20", PCN_STAFF_GP, PCN_MODE_TELEPHONE, PCN_ENCOUNTER_ATTENDED, "G1"},
    {1, "2024-09-01", "2024-09-01", PCN_STAFF_GP, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_ATTENDED,
     "G2"},
    {1, "2025-01-10", "2024-12-01", PCN_STAFF_GP, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_DNA, "G1"},
    {1, "2025-03-31", "2025-03-30", PCN_STAFF_GP, PCN_MODE_VIDEO, PCN_ENCOUNTER_ATTENDED, "G1"},
    {1, "2025-02-01", NULL, PCN_STAFF_PHARMACIST, PCN_MODE_TELEPHONE, PCN_ENCOUNTER_ATTENDED,
     "U1-PH1"},
    {1, "2024-02-28", "2024-02-28", PCN_STAFF_GP, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_ATTENDED,
     "G2"},
    {2, "2024-12-01", "2024-12-01", PCN_STAFF_NURSE, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_ATTENDED,
     NULL},
    {2, "2025-03-01", "2025-02-09", PCN_STAFF_GP, PCN_MODE_HOME_VISIT, PCN_ENCOUNTER_ATTENDED,
     "G3"},
    {4, "2025-04-02", "2025-03-01", PCN_STAFF_GP, PCN_MODE_FACE_TO_FACE, PCN_ENCOUNTER_ATTENDED,
     "G1"},
};

static struct pcn_encounter encounter_of(const struct contact *c, char *id, size_t size, int n)
{
    struct pcn_encounter e = {0};
    (void)snprintf(id, size, "E%d", n);
    e.encounter_id = id;
    e.date = D(c->date);
    e.end_date = PCN_DATE_NONE;
    e.role = c->role;
    e.mode = c->mode;
    e.attendance = c->att;
    e.clinician = c->clinician;
    e.has_booked = c->booked != NULL;
    e.booked_date = c->booked ? D(c->booked) : PCN_DATE_NONE;
    return e;
}

static struct pcn_patient patient_of(int64_t key, char *id, size_t size)
{
    struct pcn_patient p = {0};
    (void)snprintf(id, size, "P%lld", (long long)key);
    p.patient_id = id;
    p.date_of_birth = D("1950-01-01");
    p.sex = PCN_SEX_FEMALE;
    p.practice = "A1";
    p.registered_from = D("2000-01-01");
    p.registered_to = PCN_DATE_NONE;
    p.date_of_death = PCN_DATE_NONE;
    return p;
}

static struct pcn_snapshot *population(void)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_event dm = {.code = "DM", .system = "snomed", .kind = PCN_EVENT_CONDITION};
    char id[16];

    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    for (int64_t k = 1; k <= 4; k++) {
        struct pcn_patient p = patient_of(k, id, sizeof(id));
        assert_int_equal(pcn_snapshot_add_patient(s, k, &p), PCN_OK);
    }
    for (size_t i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
        struct pcn_encounter e = encounter_of(&contacts[i], id, sizeof(id), (int)i);
        assert_int_equal(pcn_snapshot_add_encounter(s, contacts[i].key, &e), PCN_OK);
    }
    dm.date = D("2020-01-01");
    dm.end_date = PCN_DATE_NONE;
    assert_int_equal(pcn_snapshot_add_event(s, 1, &dm), PCN_OK);
    assert_int_equal(pcn_snapshot_add_event(s, 3, &dm), PCN_OK);
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

/*
 * Each output's per-patient values, as "name=v1,v2,v3,v4;" of a worklist
 * holding every patient, so one string compares the whole evaluation.
 */
static const char program[] =
    "codelist dm = codes(\"DM\")\n"
    "worklist w {\n"
    "  population = true\n"
    "  column \"year\" = contacts(within 12 months)\n"
    "  column \"all\" = contacts()\n"
    "  column \"gp\" = contacts(role gp, within 12 months)\n"
    "  column \"gp_booked\" = contacts(role gp, booked, within 12 months)\n"
    "  column \"dna\" = contacts(dna)\n"
    "  column \"team\" = contacts(role in (pharmacist, nurse), within 12 months)\n"
    "  column \"calls\" = contacts(mode in (telephone, video), within 12 months)\n"
    "  column \"visits\" = contacts(mode home_visit)\n"
    "  column \"long\" = contacts(where wait > 14, booked)\n"
    "  column \"soon\" = contacts(where wait <= 1, within 12 months)\n"
    "  column \"never\" = contacts(role gp, role nurse)\n"
    "  column \"window\" = contacts(between 2024-06-01 and 2024-09-01)\n"
    "  column \"upc\" = continuity(role gp, within 12 months)\n"
    "  column \"upc_all\" = continuity()\n"
    "}\n"
    "register sparse_r = exists(dm) and contacts(role gp, within 12 months) >= 3\n"
    "register dense_r = contacts(within 12 months) >= 1\n";

static char *evaluate(const struct pcn_snapshot *s, int sparse)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = D("2025-03-31"), .sparse = sparse};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    assert_non_null(p);
    if (pcn_program_load_string(p, "t.pcn", program, strlen(program), NULL, PCN_PROGRAM_FLAG_OUTPUT,
                                &err) != PCN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_render(r, PCN_FORMAT_CSV, &b), PCN_OK);
    pcn_results_free(r);
    pcn_program_free(p);
    return pcn_buf_detach(&b, NULL);
}

/* The value of column `col` for patient `id` in the CSV of evaluate(). */
static void expect(const char *csv, const char *id, const char *col, const char *value)
{
    char want[128];
    (void)snprintf(want, sizeof(want), "patient_id=%s;practice=A1,%s,%s\n", id, col, value);
    if (!strstr(csv, want))
        fail_msg("no '%s' in:\n%s", want, csv);
}

static void check_values(const char *csv)
{
    /* the year: 2024-04-01..2025-03-31; attended only unless dna or booked */
    expect(csv, "P1", "year", "5");
    expect(csv, "P1", "all", "6");
    expect(csv, "P1", "gp", "4");
    expect(csv, "P1", "gp_booked", "5");
    expect(csv, "P1", "dna", "1");
    expect(csv, "P1", "team", "1");
    expect(csv, "P1", "calls", "3");
    expect(csv, "P1", "long", "1");  /* the DNA booked 40 days before */
    expect(csv, "P1", "soon", "3");  /* two same day, one next day; the pharmacist's wait unknown */
    expect(csv, "P1", "never", "0"); /* no contact is with a GP and a nurse */
    expect(csv, "P1", "window", "2");
    expect(csv, "P1", "upc", "0.75"); /* G1 3 of 4 attended GP contacts */
    expect(csv, "P1", "upc_all", "0.5");
    expect(csv, "P2", "team", "1");
    expect(csv, "P2", "visits", "1");
    expect(csv, "P2", "long", "1");
    expect(csv, "P2", "upc", "1");
    expect(csv, "P2", "upc_all", "1"); /* the nurse of unknown identity is not counted */
    expect(csv, "P3", "year", "0");
    expect(csv, "P3", "upc", "");  /* no contact: null */
    expect(csv, "P4", "all", "0"); /* after the as-of date */
    assert_non_null(strstr(csv, "register,sparse_r,,count,1\n"));
    assert_non_null(strstr(csv, "register,dense_r,,count,2\n"));
}

static void test_queries(void **state)
{
    struct pcn_snapshot *s = population();
    char *dense, *sparse;
    (void)state;
    dense = evaluate(s, 0);
    sparse = evaluate(s, 1);
    check_values(dense);
    assert_string_equal(dense, sparse);
    pcn_free(dense);
    pcn_free(sparse);
    pcn_snapshot_free(s);
}

/* A saved and loaded snapshot keeps every contact; a damaged contact column is refused. */
static void test_snapshot_file(void **state)
{
    char dir[128], path[256];
    struct pcn_snapshot *s = population(), *t = NULL;
    struct pcn_error err;
    char *a, *b;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(path, sizeof(path), "%s/snap.bin", dir);
    assert_int_equal(pcn_snapshot_save(s, path, &err), PCN_OK);
    assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_OK);
    a = evaluate(s, 0);
    b = evaluate(t, 0);
    assert_string_equal(a, b);
    pcn_free(a);
    pcn_free(b);
    pcn_snapshot_free(t);
    t = NULL;
    /* the last byte is the last contact's attendance: 9 is no attendance */
    {
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, -1, SEEK_END), 0);
        assert_int_equal(fputc(9, f), 9);
        assert_int_equal(fclose(f), 0);
    }
    assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_EPARSE);
    (void)unlink(path);
    (void)rmdir(dir);
    pcn_snapshot_free(s);
}

/* A snapshot of the store holds its encounters as contacts. */
static void test_from_store(void **state)
{
    struct test_db db;
    struct pcn_snapshot *s = NULL, *t = population();
    struct pcn_error err;
    struct pcn_event dm = {.code = "DM", .system = "snomed", .kind = PCN_EVENT_CONDITION};
    char id[16], pid[16];
    char *a, *b;
    (void)state;
    test_db_open(&db, "c.db");
    assert_int_equal(pcn_store_begin(db.s), PCN_OK);
    dm.date = D("2020-01-01");
    dm.end_date = PCN_DATE_NONE;
    for (int64_t k = 1; k <= 4; k++) {
        struct pcn_patient p = patient_of(k, pid, sizeof(pid));
        assert_int_equal(pcn_store_put_patient(db.s, &p), PCN_OK);
        for (size_t i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
            struct pcn_encounter e;
            if (contacts[i].key != k)
                continue;
            e = encounter_of(&contacts[i], id, sizeof(id), (int)i);
            e.patient_id = pid;
            assert_int_equal(pcn_store_put_encounter(db.s, &e), PCN_OK);
        }
        if (k == 1 || k == 3) {
            dm.patient_id = pid;
            assert_int_equal(pcn_store_put_event(db.s, &dm), PCN_OK);
        }
    }
    assert_int_equal(pcn_store_commit(db.s), PCN_OK);
    assert_int_equal(pcn_snapshot_from_store(db.s, &s, &err), PCN_OK);
    a = evaluate(t, 0);
    b = evaluate(s, 0);
    assert_string_equal(a, b);
    pcn_free(a);
    pcn_free(b);
    pcn_snapshot_free(s);
    pcn_snapshot_free(t);
    test_db_close(&db);
}

static void expect_error(const char *text, const char *msg)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;
    assert_non_null(p);
    assert_int_equal(pcn_program_load_string(p, "t.pcn", text, strlen(text), NULL,
                                             PCN_PROGRAM_FLAG_OUTPUT, &err),
                     PCN_EPARSE);
    if (!strstr(err.msg, msg))
        fail_msg("message '%s' lacks '%s'", err.msg, msg);
    pcn_program_free(p);
}

static void test_errors(void **state)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_encounter e = {.date = D("2025-01-01"), .role = (enum pcn_encounter_role)99};
    char id[16];
    struct pcn_patient p = patient_of(1, id, sizeof(id));
    (void)state;
    expect_error("register r = contacts(role doctor) > 0\n", "unknown staff role 'doctor'");
    expect_error("register r = contacts(mode in (telephone, letter)) > 0\n",
                 "unknown contact mode 'letter'");
    expect_error("register r = contacts(where value > 3) > 0\n", "expected 'wait'");
    expect_error("register r = contacts(within 12 months, urgent) > 0\n",
                 "expected a contact filter");
    expect_error("register r = contacts(role in (gp nurse)) > 0\n", "expected ')'");
    expect_error("register r = continuity(role gp) == \"high\"\n", "");
    expect_error("register r = contacts(role) > 0\n", "expected a staff role name");
    /* records the snapshot cannot hold, or of nobody in it */
    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    assert_int_equal(pcn_snapshot_add_patient(s, 1, &p), PCN_OK);
    assert_int_equal(pcn_snapshot_add_encounter(s, 1, &e), PCN_EINVAL);
    e.role = PCN_STAFF_GP;
    e.date = PCN_DATE_NONE;
    assert_int_equal(pcn_snapshot_add_encounter(s, 1, &e), PCN_EINVAL);
    e.date = D("2025-01-01");
    assert_int_equal(pcn_snapshot_add_encounter(s, 99, &e), PCN_ENOTFOUND);
    assert_int_equal(pcn_snapshot_add_encounter(s, 1, &e), PCN_OK);
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    assert_int_equal(pcn_snapshot_add_encounter(s, 1, &e), PCN_EINVAL); /* finished */
    pcn_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_snapshot_file),
        cmocka_unit_test(test_from_store),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
