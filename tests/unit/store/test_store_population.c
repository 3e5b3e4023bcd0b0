/*
 * Storage conformance, the population domain (pcn/store_population.h):
 * patients replaced whole, records only of patients in the transaction,
 * the data version, bulk loads (and on SQLite their journal), the scans
 * against the ordered walks, the patient view's terms, and how medicines
 * are prescribed and what contacts were (migration 10). Runs on every
 * backend (store_test.h).
 */
#include "store_test.h"

#include <stdbool.h>

#include <sqlite3.h>

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"

static int check_event(int64_t key, const struct pcn_event *e, void *ud)
{
    (void)key;
    assert_true(e->has_value);
    assert_true(e->value == 141.5);
    assert_string_equal(e->unit, "mm[Hg]");
    assert_int_equal(e->end_date, PCN_DATE_NONE);
    (*(int *)ud)++;
    return 0;
}

static void test_population(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_counts c;
    struct pcn_event orphan = {.patient_id = "nobody", .date = 0, .code = "1"};
    int64_t v0;
    int64_t v1;
    int64_t key;
    int rows = 0;

    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    store_test_put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_put_event(f->s, &orphan), PCN_ENOTFOUND);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "'nobody'"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v1 == v0 + 1);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(c.events, 4);

    /* re-putting a patient replaces its records: idempotent */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(c.events, 4);
    assert_int_equal(pcn_store_each_event(f->s, check_event, &rows), PCN_OK);
    assert_int_equal(rows, 4);
    assert_int_equal(pcn_store_find_patient(f->s, "p2", &key), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p9", &key), PCN_ENOTFOUND);

    /* a rolled-back transaction leaves nothing, and no version bump */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p3", "72313002");
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_count(f->s, &c), PCN_OK);
    assert_int_equal(c.patients, 2);
    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_true(v0 == v1 + 1);
    /* an empty transaction does not bump the version */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v0 == v1);
}

static void expect_counts(struct pcn_store *s, int64_t patients, int64_t events,
                          int64_t medications)
{
    struct pcn_store_counts c;

    assert_int_equal(pcn_store_count(s, &c), PCN_OK);
    assert_int_equal(c.patients, patients);
    assert_int_equal(c.events, events);
    assert_int_equal(c.medications, medications);
}

/* Bulk loads: the same guarantees as any transaction, and no duplicates on replacing. */
static void test_bulk(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_event orphan = {.patient_id = "nobody", .date = 0, .system = "snomed", .code = "1"};
    struct pcn_medication m = {.patient_id = "p1",
                               .start_date = store_test_date("2024-01-01"),
                               .end_date = PCN_DATE_NONE,
                               .system = "dmd",
                               .code = "39732311000001104"};
    struct pcn_membership unknown = {"Z99999", "U00000", store_test_date("2020-01-01"),
                                     PCN_DATE_NONE};
    int rows = 0;

    /* a rolled-back first load leaves the database empty */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_EINVAL);
    store_test_put_person(f->s, "p1", "72313002");
    pcn_store_rollback(f->s);
    expect_counts(f->s, 0, 0, 0);

    /* records of patients not in the load are refused; a patient put twice keeps its last */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_OK);
    assert_int_equal(pcn_store_put_event(f->s, &orphan), PCN_ENOTFOUND);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "'nobody'"));
    store_test_put_person(f->s, "p1", "72313002");
    store_test_put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_counts(f->s, 2, 4, 0);
    assert_int_equal(pcn_store_each_event(f->s, check_event, &rows), PCN_OK);
    assert_int_equal(rows, 4);

    /* a later load replaces patients whole */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    store_test_put_person(f->s, "p2", "72313002");
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_ENOTFOUND); /* p1 is not in it */
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_counts(f->s, 2, 4, 0);

    /* foreign keys hold again after a bulk load */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_membership(f->s, &unknown), PCN_ECONFLICT);
    pcn_store_rollback(f->s);
}

static bool file_exists(const char *path, const char *suffix)
{
    char p[300];

    snprintf(p, sizeof(p), "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

static void expect_journal_mode(const char *path, const char *mode)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), mode);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/*
 * SQLite: the first load into a database without patients runs on a
 * rollback journal and the database is back in WAL mode afterwards; with
 * another connection open, or patients present, the load stays in WAL.
 */
static void test_bulk_sqlite_journal(void **state)
{
    struct test_db *f = *state;
    sqlite3 *other = NULL;

    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_true(file_exists(f->path, "-journal"));
    assert_false(file_exists(f->path, "-wal"));
    pcn_store_rollback(f->s);
    assert_false(file_exists(f->path, "-journal"));
    expect_journal_mode(f->path, "wal");
    expect_counts(f->s, 0, 0, 0);

    /* another connection keeps the database in WAL mode; the load still works */
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "SELECT COUNT(*) FROM patient", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_false(file_exists(f->path, "-journal"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    sqlite3_close(other);
    expect_counts(f->s, 1, 2, 0);

    /* a database with patients keeps its WAL */
    assert_int_equal(pcn_store_begin_bulk(f->s), PCN_OK);
    store_test_put_person(f->s, "p2", "72313002");
    assert_false(file_exists(f->path, "-journal"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    expect_journal_mode(f->path, "wal");
    expect_counts(f->s, 2, 4, 0);
}

/* One record of a walk, as the engine's snapshot sees it. */
struct seen {
    int64_t key;
    int32_t date;
    char code[16];
    double value;
};

struct seen_list {
    struct seen rows[32];
    int n;
};

static int saw(struct seen_list *l, int64_t key, int32_t date, const char *code, double value)
{
    assert_true(l->n < 32);
    l->rows[l->n] = (struct seen){key, date, "", value};
    (void)snprintf(l->rows[l->n].code, sizeof(l->rows[l->n].code), "%s", code);
    l->n++;
    return 0;
}

static int saw_event(int64_t key, const struct pcn_event *e, void *ud)
{
    return saw(ud, key, e->date, e->code, e->has_value ? e->value : -1);
}

static int saw_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    return saw(ud, key, m->start_date, m->code, -2);
}

static int saw_immunisation(int64_t key, const struct pcn_immunisation *i, void *ud)
{
    return saw(ud, key, i->date, i->code, -3);
}

/* Stable insertion sort by (key, date): what the snapshot does with a scan. */
static void sort_seen(struct seen_list *l)
{
    for (int i = 1; i < l->n; i++) {
        struct seen x = l->rows[i];
        int j = i;
        while (j > 0 && (l->rows[j - 1].key > x.key ||
                         (l->rows[j - 1].key == x.key && l->rows[j - 1].date > x.date))) {
            l->rows[j] = l->rows[j - 1];
            j--;
        }
        l->rows[j] = x;
    }
}

static void put_valued(struct pcn_store *s, const char *id, const char *code, const char *date,
                       double value)
{
    struct pcn_event e = {
        .patient_id = id, .date = store_test_date(date), .end_date = PCN_DATE_NONE};
    e.kind = PCN_EVENT_OBSERVATION;
    e.system = "snomed";
    e.code = code;
    e.has_value = 1;
    e.value = value;
    assert_int_equal(pcn_store_put_event(s, &e), PCN_OK);
}

/*
 * The scans (pcn_store_scan_*) give the walks' records in storage order:
 * sorted stably by patient and date they are the ordered walk's, same-day
 * records in the order they were stored.
 */
static void test_scan(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_medication m = {.patient_id = "s1", .start_date = store_test_date("2024-02-02")};
    struct pcn_immunisation im = {.patient_id = "s2", .date = store_test_date("2024-03-03")};
    struct seen_list walk = {.n = 0}, scan = {.n = 0};
    static const char *const ids[] = {"s2", "s1"};

    m.end_date = PCN_DATE_NONE;
    m.system = "dmd";
    m.code = "M1";
    im.system = "snomed";
    im.code = "FLU";
    /* s2 stored before s1, s1's records out of date order, a same-day pair of values */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    for (int k = 0; k < 2; k++) {
        struct pcn_patient p = {.patient_id = ids[k],
                                .date_of_birth = store_test_date("1960-01-01")};
        p.sex = PCN_SEX_MALE;
        p.registered_from = PCN_DATE_NONE;
        p.registered_to = PCN_DATE_NONE;
        p.date_of_death = PCN_DATE_NONE;
        assert_int_equal(pcn_store_put_patient(f->s, &p), PCN_OK);
    }
    put_valued(f->s, "s2", "B", "2024-05-01", 1);
    put_valued(f->s, "s1", "A", "2024-06-01", 2);
    put_valued(f->s, "s1", "A", "2024-01-01", 3);
    put_valued(f->s, "s1", "C", "2024-06-01", 4); /* same day as the 2, stored after it */
    assert_int_equal(pcn_store_put_medication(f->s, &m), PCN_OK);
    assert_int_equal(pcn_store_put_immunisation(f->s, &im), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_each_event(f->s, saw_event, &walk), PCN_OK);
    assert_int_equal(pcn_store_each_medication(f->s, saw_medication, &walk), PCN_OK);
    assert_int_equal(pcn_store_each_immunisation(f->s, saw_immunisation, &walk), PCN_OK);
    assert_int_equal(pcn_store_scan_events(f->s, saw_event, &scan), PCN_OK);
    assert_int_equal(pcn_store_scan_medications(f->s, saw_medication, &scan), PCN_OK);
    assert_int_equal(pcn_store_scan_immunisations(f->s, saw_immunisation, &scan), PCN_OK);
    assert_int_equal(walk.n, 6);
    assert_int_equal(scan.n, 6);
    sort_seen(&walk); /* events, then medicines, then immunisations: one order for both */
    sort_seen(&scan);
    for (int i = 0; i < walk.n; i++) {
        assert_true(walk.rows[i].key == scan.rows[i].key);
        assert_int_equal(walk.rows[i].date, scan.rows[i].date);
        assert_string_equal(walk.rows[i].code, scan.rows[i].code);
        assert_true(walk.rows[i].value == scan.rows[i].value);
    }
}

static int collect_term(const struct pcn_term *t, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s/%s=%s", n ? ";" : "", t->system, t->code, t->term);
    return 0;
}

/* The patient view's terms: only codes the patient has, only those with a term. */
static void test_patient_terms(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_term terms[] = {
        {"snomed", "72313002", "Systolic arterial pressure"},
        {"snomed", "38341003", "Hypertensive disorder"},
        {"openpcn-drug", "amlodipine", "Amlodipine 5mg tablets"},
    };
    char got[256] = "";
    char none[256] = "";
    int64_t key = 0;
    int64_t other = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    store_test_put_medication(f->s, "p1", "amlodipine", store_test_date("2024-01-01"));
    store_test_put_medication(f->s, "p1", "no-term-drug", store_test_date("2024-01-02"));
    store_test_put_person(f->s, "p2", "999999");
    for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++)
        assert_int_equal(pcn_store_put_term(f->s, &terms[i]), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p1", &key), PCN_OK);
    assert_int_equal(pcn_store_find_patient(f->s, "p2", &other), PCN_OK);
    assert_int_equal(pcn_store_patient_terms(f->s, key, collect_term, got), PCN_OK);
    /* order is unspecified: check both entries and the count */
    assert_non_null(strstr(got, "snomed/72313002=Systolic arterial pressure"));
    assert_non_null(strstr(got, "openpcn-drug/amlodipine=Amlodipine 5mg tablets"));
    assert_int_equal(strlen(got), strlen("snomed/72313002=Systolic arterial pressure;"
                                         "openpcn-drug/amlodipine=Amlodipine 5mg tablets"));
    assert_int_equal(pcn_store_patient_terms(f->s, other, collect_term, none), PCN_OK);
    assert_string_equal(none, ""); /* 999999 has no term */
}

static int check_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    int *n = ud;
    (void)key;
    if (n[0]++ == 0) {
        assert_int_equal(m->course, PCN_COURSE_REPEAT);
        assert_int_equal(m->duration_days, 28);
        assert_true(m->has_quantity && m->quantity == 56);
    } else {
        assert_int_equal(m->course, PCN_COURSE_UNKNOWN);
        assert_int_equal(m->duration_days, 0);
        assert_false(m->has_quantity);
    }
    return 0;
}

static int check_encounter(int64_t key, const struct pcn_encounter *e, void *ud)
{
    int *n = ud;
    (void)key;
    if (n[0]++ == 0) {
        assert_string_equal(e->encounter_id, "a1");
        assert_int_equal(e->mode, PCN_MODE_TELEPHONE);
        assert_int_equal(e->role, PCN_STAFF_PHARMACIST);
        assert_string_equal(e->clinician, "C0042");
        assert_string_equal(e->site, "A81001");
        assert_true(e->has_booked);
        assert_int_equal(e->booked_date, store_test_date("2024-03-01"));
        assert_int_equal(e->attendance, PCN_ENCOUNTER_DNA);
    } else {
        assert_string_equal(e->encounter_id, "a2");
        assert_int_equal(e->mode, PCN_MODE_UNKNOWN);
        assert_int_equal(e->role, PCN_STAFF_UNKNOWN);
        assert_null(e->clinician);
        assert_null(e->site);
        assert_false(e->has_booked);
        assert_int_equal(e->attendance, PCN_ENCOUNTER_ATTENDANCE_UNKNOWN);
    }
    return 0;
}

/* The scan's fields (the ordered walk's on PostgreSQL): what the engine reads. */
static int check_encounter_scan(int64_t key, const struct pcn_encounter *e, void *ud)
{
    int *n = ud;
    (void)key;
    if (n[0]++ == 0) {
        assert_int_equal(e->date, store_test_date("2024-03-05"));
        assert_int_equal(e->mode, PCN_MODE_TELEPHONE);
        assert_int_equal(e->role, PCN_STAFF_PHARMACIST);
        assert_string_equal(e->clinician, "C0042");
        assert_true(e->has_booked);
        assert_int_equal(e->booked_date, store_test_date("2024-03-01"));
        assert_int_equal(e->attendance, PCN_ENCOUNTER_DNA);
    } else {
        assert_int_equal(e->mode, PCN_MODE_UNKNOWN);
        assert_null(e->clinician);
        assert_false(e->has_booked);
    }
    return 0;
}

/* Acute or repeat, days of supply; a contact's mode, role, clinician, site, booking, attendance. */
static void test_prescribing_contacts(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_medication rep = {.patient_id = "p1",
                                 .start_date = store_test_date("2024-01-01"),
                                 .end_date = PCN_DATE_NONE,
                                 .system = "dmd",
                                 .code = "39732311000001104",
                                 .has_quantity = 1,
                                 .quantity = 56,
                                 .course = PCN_COURSE_REPEAT,
                                 .duration_days = 28};
    struct pcn_medication plain = {.patient_id = "p1",
                                   .start_date = store_test_date("2024-02-01"),
                                   .end_date = PCN_DATE_NONE,
                                   .system = "dmd",
                                   .code = "39732311000001104"};
    struct pcn_encounter appt = {.encounter_id = "a1",
                                 .patient_id = "p1",
                                 .date = store_test_date("2024-03-05"),
                                 .end_date = PCN_DATE_NONE,
                                 .mode = PCN_MODE_TELEPHONE,
                                 .role = PCN_STAFF_PHARMACIST,
                                 .clinician = "C0042",
                                 .site = "A81001",
                                 .has_booked = 1,
                                 .booked_date = store_test_date("2024-03-01"),
                                 .attendance = PCN_ENCOUNTER_DNA};
    struct pcn_encounter bare = {.encounter_id = "a2",
                                 .patient_id = "p1",
                                 .date = store_test_date("2024-03-06"),
                                 .end_date = PCN_DATE_NONE};
    int n = 0;

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "p1", "72313002");
    assert_int_equal(pcn_store_put_medication(f->s, &rep), PCN_OK);
    assert_int_equal(pcn_store_put_medication(f->s, &plain), PCN_OK);
    assert_int_equal(pcn_store_put_encounter(f->s, &appt), PCN_OK);
    assert_int_equal(pcn_store_put_encounter(f->s, &bare), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_each_medication(f->s, check_medication, &n), PCN_OK);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(pcn_store_each_encounter(f->s, check_encounter, &n), PCN_OK);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(pcn_store_scan_encounters(f->s, check_encounter_scan, &n), PCN_OK);
    assert_int_equal(n, 2);
}

int main(void)
{
    static const struct store_test tests[] = {
        {"test_population", test_population, STORE_TEST_BOTH},
        {"test_bulk", test_bulk, STORE_TEST_BOTH},
        {"test_bulk_sqlite_journal", test_bulk_sqlite_journal, STORE_TEST_SQLITE},
        {"test_scan", test_scan, STORE_TEST_BOTH},
        {"test_patient_terms", test_patient_terms, STORE_TEST_BOTH},
        {"test_prescribing_contacts", test_prescribing_contacts, STORE_TEST_BOTH},
    };

    return store_test_run("population", tests, sizeof(tests) / sizeof(tests[0]));
}
