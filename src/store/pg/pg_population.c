/*
 * pg_population.c - the population domain on PostgreSQL, with the SQLite
 * backend's semantics: put_patient replaces a patient whole (children go
 * by ON DELETE CASCADE) and remembers its key for the transaction; child
 * records may name only patients put in the same transaction; walks are
 * ordered by patient key, then date, then insertion; the patient view
 * reads one patient's rows.
 */
#include "store/pg/pg_int.h"

#include <inttypes.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "store/population_int.h"
#include "util/common.h"

/* The domain's state on the handle (its slot, pcn__store_state()). */
struct pg_population {
    struct pcn_strmap *tx_patients; /* patient_id -> key, this transaction's; NULL: none yet */
};

/* This transaction's patients; NULL when none has been put. */
static struct pcn_strmap *tx_patients(struct pg_store *ps)
{
    const struct pg_population *pop = *pcn__store_state(&ps->head, &pcn__store_population);

    return pop ? pop->tx_patients : NULL;
}

/* This transaction's patients, the map made on first use; NULL (message set) without memory. */
static struct pcn_strmap *patients_for_write(struct pg_store *ps)
{
    void **slot = pcn__store_state(&ps->head, &pcn__store_population);
    struct pg_population *pop;

    if (!*slot)
        *slot = pcn_calloc(1, sizeof(struct pg_population));
    pop = *slot;
    if (pop && !pop->tx_patients)
        pop->tx_patients = pcn_strmap_new();
    if (!pop || !pop->tx_patients) {
        (void)pcn__store_fail(&ps->head, PCN_ENOMEM, "out of memory");
        return NULL;
    }
    return pop->tx_patients;
}

static enum pcn_err patient_key(struct pg_store *ps, const char *patient_id, int64_t *ret)
{
    const struct pcn_strmap *patients = tx_patients(ps);
    uint64_t key;

    if (!patient_id || !patients || !pcn_strmap_get(patients, patient_id, strlen(patient_id), &key))
        return pcn__store_fail(&ps->head, PCN_ENOTFOUND,
                               "record refers to patient '%s', which is not in this import",
                               patient_id ? patient_id : "");
    *ret = (int64_t)key;
    return PCN_OK;
}

static enum pcn_err pg_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, patient_id);
    rc = pcn__pg_exec(pg_of(s), "SELECT id FROM patient WHERE patient_id = $1", &p, 0, &r,
                      "finding patient");
    if (rc == PCN_OK && PQntuples(r) == 0)
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no patient with id %s", patient_id);
    if (rc == PCN_OK)
        *ret_key = pcn__pg_col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

/*
 * Remove a patient being replaced with its records, counting the records
 * (the import summary says how many a re-import removed): each table
 * explicitly, then the patient (the schema's ON DELETE CASCADE would not
 * say how many).
 */
static enum pcn_err delete_patient(struct pg_store *ps, int64_t key)
{
    static const char *const deletes[] = {
        "DELETE FROM event WHERE patient = $1",
        "DELETE FROM medication WHERE patient = $1",
        "DELETE FROM immunisation WHERE patient = $1",
        "DELETE FROM encounter WHERE patient = $1",
    };
    struct pg_params p = {.n = 0};
    enum pcn_err rc = PCN_OK;

    pcn__pg_int(&p, key);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(deletes) && rc == PCN_OK; i++) {
        PGresult *r = NULL;
        int64_t n = 0;
        rc = pcn__pg_exec(ps, deletes[i], &p, PG_WRITE_DATA, &r, "replacing patient");
        if (rc == PCN_OK && pcn_parse_i64(PQcmdTuples(r), strlen(PQcmdTuples(r)), &n) == PCN_OK)
            ps->head.tx.records_removed += n;
        PQclear(r);
    }
    if (rc == PCN_OK)
        rc = pcn__pg_exec(ps, "DELETE FROM patient WHERE id = $1", &p, PG_WRITE_DATA, NULL,
                          "replacing patient");
    if (rc == PCN_OK)
        ps->head.tx.patients_replaced++;
    return rc;
}

static enum pcn_err pg_put_patient(struct pcn_store *s, const struct pcn_patient *pt)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    char sex[2] = {pcn_sex_letter(pt->sex), '\0'};
    PGresult *r = NULL;
    struct pcn_strmap *patients;
    int64_t old = 0;
    enum pcn_err rc;

    if (!pt->patient_id || !*pt->patient_id)
        return pcn__store_fail(s, PCN_EINVAL, "patient without an id");
    patients = patients_for_write(ps);
    if (!patients)
        return PCN_ENOMEM;
    rc = pg_find_patient(s, pt->patient_id, &old);
    if (rc == PCN_OK) {
        rc = delete_patient(ps, old);
    } else if (rc == PCN_ENOTFOUND) {
        rc = PCN_OK;
    }
    if (rc != PCN_OK)
        return rc;
    pcn__pg_text(&p, pt->patient_id);
    pcn__pg_text(&p, pt->nhs_number);
    pcn__pg_text(&p, pt->family_name);
    pcn__pg_text(&p, pt->given_name);
    pcn__pg_int(&p, pt->date_of_birth);
    pcn__pg_text(&p, sex);
    pcn__pg_text(&p, pt->ethnicity);
    pcn__pg_text(&p, pt->postcode);
    pcn__pg_text(&p, pt->lsoa);
    pcn__pg_text(&p, pt->practice);
    pcn__pg_date(&p, pt->registered_from);
    pcn__pg_date(&p, pt->registered_to);
    pcn__pg_date(&p, pt->date_of_death);
    rc = pcn__pg_exec(ps,
                      "INSERT INTO patient (patient_id, nhs_number, family_name, given_name, "
                      "date_of_birth, sex, ethnicity, postcode, lsoa, practice, registered_from, "
                      "registered_to, date_of_death) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                      "$10, $11, $12, $13) RETURNING id",
                      &p, 1, &r, "saving patient");
    if (rc == PCN_OK && pcn_strmap_put(patients, pt->patient_id, strlen(pt->patient_id),
                                       (uint64_t)pcn__pg_col_int(r, 0, 0)) != PCN_OK)
        rc = pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    PQclear(r);
    return rc;
}

static enum pcn_err pg_put_event(struct pcn_store *s, const struct pcn_event *e)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    int64_t key = 0;
    enum pcn_err rc = patient_key(ps, e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    pcn__pg_int(&p, key);
    pcn__pg_int(&p, e->date);
    pcn__pg_date(&p, e->end_date);
    pcn__pg_int(&p, (int)e->kind);
    pcn__pg_text(&p, e->system ? e->system : "snomed");
    pcn__pg_text(&p, e->code);
    pcn__pg_double(&p, e->has_value, e->value);
    pcn__pg_text(&p, e->unit);
    pcn__pg_text(&p, e->source);
    pcn__pg_text(&p, e->orig_system);
    pcn__pg_text(&p, e->orig_code);
    return pcn__pg_exec(ps,
                        "INSERT INTO event (patient, date, end_date, kind, system, code, value, "
                        "unit, source, orig_system, orig_code) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7, $8, $9, $10, $11)",
                        &p, 1, NULL, "saving event");
}

static enum pcn_err pg_put_medication(struct pcn_store *s, const struct pcn_medication *m)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    int64_t key = 0;
    enum pcn_err rc = patient_key(ps, m->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    pcn__pg_int(&p, key);
    pcn__pg_int(&p, m->start_date);
    pcn__pg_date(&p, m->end_date);
    pcn__pg_text(&p, m->system);
    pcn__pg_text(&p, m->code);
    pcn__pg_double(&p, m->has_quantity, m->quantity);
    pcn__pg_text(&p, m->source);
    pcn__pg_text(&p, pcn__store_enum_name(pcn_course_name(m->course)));
    if (m->duration_days > 0)
        pcn__pg_int(&p, m->duration_days);
    else
        pcn__pg_text(&p, NULL);
    return pcn__pg_exec(ps,
                        "INSERT INTO medication (patient, start_date, end_date, system, code, "
                        "quantity, source, course, duration_days) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &p, 1, NULL, "saving medication");
}

static enum pcn_err pg_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    int64_t key = 0;
    enum pcn_err rc = patient_key(ps, i->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    pcn__pg_int(&p, key);
    pcn__pg_int(&p, i->date);
    pcn__pg_text(&p, i->system);
    pcn__pg_text(&p, i->code);
    pcn__pg_text(&p, i->source);
    return pcn__pg_exec(ps,
                        "INSERT INTO immunisation (patient, date, system, code, source) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        &p, 1, NULL, "saving immunisation");
}

static enum pcn_err pg_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    int64_t key = 0;
    enum pcn_err rc = patient_key(ps, e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    pcn__pg_int(&p, key);
    pcn__pg_text(&p, e->encounter_id);
    pcn__pg_int(&p, e->date);
    pcn__pg_date(&p, e->end_date);
    pcn__pg_text(&p, e->system);
    pcn__pg_text(&p, e->code);
    pcn__pg_text(&p, e->encounter_class);
    pcn__pg_text(&p, e->source);
    pcn__pg_text(&p, pcn__store_enum_name(pcn_contact_mode_name(e->mode)));
    pcn__pg_text(&p, pcn__store_enum_name(pcn_encounter_role_name(e->role)));
    pcn__pg_text(&p, e->clinician);
    pcn__pg_text(&p, e->site);
    pcn__pg_date(&p, e->has_booked ? e->booked_date : PCN_DATE_NONE);
    pcn__pg_text(&p, pcn__store_enum_name(pcn_encounter_attendance_name(e->attendance)));
    return pcn__pg_exec(ps,
                        "INSERT INTO encounter (patient, encounter_id, date, end_date, system, "
                        "code, encounter_class, source, mode, role, clinician, site, "
                        "booked_date, attendance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                        "$10, $11, $12, $13, $14)",
                        &p, 1, NULL, "saving encounter");
}

static enum pcn_err pg_put_term(struct pcn_store *s, const struct pcn_term *t)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, t->system);
    pcn__pg_text(&p, t->code);
    pcn__pg_text(&p, t->term);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO term (system, code, term) VALUES ($1, $2, $3) "
                        "ON CONFLICT (system, code) DO UPDATE SET term = $3",
                        &p, 1, NULL, "saving term");
}

static int patient_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    enum pcn_sex sex = PCN_SEX_UNKNOWN;
    const char *sx = pcn__pg_col_text(r, i, 6);
    struct pcn_patient p;

    if (sx)
        (void)pcn_sex_parse(sx, &sex);
    p = (struct pcn_patient){
        .patient_id = pcn__pg_col_text(r, i, 1),
        .nhs_number = pcn__pg_col_text(r, i, 2),
        .family_name = pcn__pg_col_text(r, i, 3),
        .given_name = pcn__pg_col_text(r, i, 4),
        .date_of_birth = pcn__pg_col_date(r, i, 5),
        .sex = sex,
        .ethnicity = pcn__pg_col_text(r, i, 7),
        .postcode = pcn__pg_col_text(r, i, 8),
        .lsoa = pcn__pg_col_text(r, i, 9),
        .practice = pcn__pg_col_text(r, i, 10),
        .registered_from = pcn__pg_col_date(r, i, 11),
        .registered_to = pcn__pg_col_date(r, i, 12),
        .date_of_death = pcn__pg_col_date(r, i, 13),
    };
    return ((pcn_patient_fn)fn)(pcn__pg_col_int(r, i, 0), &p, ud);
}

static int event_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_event e = {
        .date = pcn__pg_col_date(r, i, 1),
        .end_date = pcn__pg_col_date(r, i, 2),
        .kind = (enum pcn_event_kind)pcn__pg_col_int(r, i, 3),
        .system = pcn__pg_col_text(r, i, 4),
        .code = pcn__pg_col_text(r, i, 5),
        .unit = pcn__pg_col_text(r, i, 7),
        .source = pcn__pg_col_text(r, i, 8),
        .orig_system = pcn__pg_col_text(r, i, 9),
        .orig_code = pcn__pg_col_text(r, i, 10),
    };
    e.has_value = pcn__pg_col_double(r, i, 6, &e.value);
    return ((pcn_event_fn)fn)(pcn__pg_col_int(r, i, 0), &e, ud);
}

static int medication_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_medication m = {
        .start_date = pcn__pg_col_date(r, i, 1),
        .end_date = pcn__pg_col_date(r, i, 2),
        .system = pcn__pg_col_text(r, i, 3),
        .code = pcn__pg_col_text(r, i, 4),
        .source = pcn__pg_col_text(r, i, 6),
        .course = pcn__store_course(pcn__pg_col_text(r, i, 7)),
        .duration_days = (int32_t)pcn__pg_col_int(r, i, 8),
    };
    m.has_quantity = pcn__pg_col_double(r, i, 5, &m.quantity);
    return ((pcn_medication_fn)fn)(pcn__pg_col_int(r, i, 0), &m, ud);
}

static int immunisation_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_immunisation im = {
        .date = pcn__pg_col_date(r, i, 1),
        .system = pcn__pg_col_text(r, i, 2),
        .code = pcn__pg_col_text(r, i, 3),
        .source = pcn__pg_col_text(r, i, 4),
    };
    return ((pcn_immunisation_fn)fn)(pcn__pg_col_int(r, i, 0), &im, ud);
}

static int encounter_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_encounter e = {
        .encounter_id = pcn__pg_col_text(r, i, 1),
        .date = pcn__pg_col_date(r, i, 2),
        .end_date = pcn__pg_col_date(r, i, 3),
        .system = pcn__pg_col_text(r, i, 4),
        .code = pcn__pg_col_text(r, i, 5),
        .encounter_class = pcn__pg_col_text(r, i, 6),
        .source = pcn__pg_col_text(r, i, 7),
        .mode = pcn__store_mode(pcn__pg_col_text(r, i, 8)),
        .role = pcn__store_role(pcn__pg_col_text(r, i, 9)),
        .clinician = pcn__pg_col_text(r, i, 10),
        .site = pcn__pg_col_text(r, i, 11),
        .booked_date = pcn__pg_col_date(r, i, 12),
        .attendance = pcn__store_attendance(pcn__pg_col_text(r, i, 13)),
    };
    e.has_booked = e.booked_date != PCN_DATE_NONE;
    return ((pcn_encounter_fn)fn)(pcn__pg_col_int(r, i, 0), &e, ud);
}

static int term_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_term t = {
        .system = pcn__pg_col_text(r, i, 0),
        .code = pcn__pg_col_text(r, i, 1),
        .term = pcn__pg_col_text(r, i, 2),
    };
    return ((pcn_term_fn)fn)(&t, ud);
}

static enum pcn_err pg_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, patient_id, nhs_number, family_name, given_name, "
                        "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                        "registered_from, registered_to, date_of_death FROM patient ORDER BY id",
                        NULL, patient_row, (pcn__pg_any_fn)fn, ud, NULL, "reading patients");
}

static enum pcn_err pg_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, date, end_date, kind, system, code, value, unit, source, "
                        "orig_system, orig_code FROM event ORDER BY patient, date, id",
                        NULL, event_row, (pcn__pg_any_fn)fn, ud, NULL, "reading events");
}

static enum pcn_err pg_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, start_date, end_date, system, code, quantity, source, "
                        "course, duration_days FROM medication ORDER BY patient, start_date, id",
                        NULL, medication_row, (pcn__pg_any_fn)fn, ud, NULL, "reading medications");
}

static enum pcn_err pg_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, date, system, code, source FROM immunisation "
                        "ORDER BY patient, date, id",
                        NULL, immunisation_row, (pcn__pg_any_fn)fn, ud, NULL,
                        "reading immunisations");
}

static enum pcn_err pg_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, encounter_id, date, end_date, system, code, "
                        "encounter_class, source, mode, role, clinician, site, booked_date, "
                        "attendance FROM encounter ORDER BY patient, date, id",
                        NULL, encounter_row, (pcn__pg_any_fn)fn, ud, NULL, "reading encounters");
}

static enum pcn_err pg_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT system, code, term FROM term ORDER BY system, code", NULL,
                        term_row, (pcn__pg_any_fn)fn, ud, NULL, "reading terms");
}

static enum pcn_err pg_count(struct pcn_store *s, struct pcn_store_counts *ret)
{
    PGresult *r = NULL;
    enum pcn_err rc =
        pcn__pg_exec(pg_of(s),
                     "SELECT (SELECT count(*) FROM patient), (SELECT count(*) FROM event), "
                     "(SELECT count(*) FROM medication), (SELECT count(*) FROM immunisation), "
                     "(SELECT count(*) FROM encounter), (SELECT count(*) FROM term)",
                     NULL, 0, &r, "counting");

    if (rc == PCN_OK) {
        ret->patients = pcn__pg_col_int(r, 0, 0);
        ret->events = pcn__pg_col_int(r, 0, 1);
        ret->medications = pcn__pg_col_int(r, 0, 2);
        ret->immunisations = pcn__pg_col_int(r, 0, 3);
        ret->encounters = pcn__pg_col_int(r, 0, 4);
        ret->terms = pcn__pg_col_int(r, 0, 5);
    }
    PQclear(r);
    return rc;
}

static enum pcn_err by_key(struct pcn_store *s, const char *sql, int64_t key, pcn__pg_row_fn row,
                           pcn__pg_any_fn fn, void *ud, int *ret_rows, const char *what)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, key);
    return pcn__pg_walk(pg_of(s), sql, &p, row, fn, ud, ret_rows, what);
}

static enum pcn_err pg_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud)
{
    int rows = 0;
    enum pcn_err rc = by_key(s,
                             "SELECT id, patient_id, nhs_number, family_name, given_name, "
                             "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                             "registered_from, registered_to, date_of_death FROM patient "
                             "WHERE id = $1::bigint",
                             key, patient_row, (pcn__pg_any_fn)fn, ud, &rows, "reading patient");

    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no patient with key %" PRId64, key);
    return rc;
}

static enum pcn_err pg_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud)
{
    return by_key(s,
                  "SELECT patient, date, end_date, kind, system, code, value, unit, source, "
                  "orig_system, orig_code FROM event WHERE patient = $1::bigint ORDER BY date, id",
                  key, event_row, (pcn__pg_any_fn)fn, ud, NULL, "reading events");
}

static enum pcn_err pg_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                           void *ud)
{
    return by_key(s,
                  "SELECT patient, start_date, end_date, system, code, quantity, source, course, "
                  "duration_days FROM medication WHERE patient = $1::bigint "
                  "ORDER BY start_date, id",
                  key, medication_row, (pcn__pg_any_fn)fn, ud, NULL, "reading medications");
}

static enum pcn_err pg_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud)
{
    return by_key(s,
                  "SELECT t.system, t.code, t.term FROM "
                  "(SELECT system, code FROM event WHERE patient = $1::bigint UNION "
                  "SELECT system, code FROM medication WHERE patient = $1::bigint) AS c "
                  "JOIN term AS t ON t.system = c.system AND t.code = c.code",
                  key, term_row, (pcn__pg_any_fn)fn, ud, NULL, "reading terms");
}

/* The one date a query returns (NULL: PCN_DATE_NONE). */
static enum pcn_err one_date(struct pcn_store *s, const char *sql, int32_t *ret)
{
    PGresult *r = NULL;
    enum pcn_err rc =
        pcn__pg_exec(pg_of(s), sql, NULL, PG_READ, &r, "reading the latest data date");

    if (rc == PCN_OK)
        *ret = PQntuples(r) ? pcn__pg_col_date(r, 0, 0) : PCN_DATE_NONE;
    PQclear(r);
    return rc;
}

static enum pcn_err pg_records_last_date(struct pcn_store *s, int32_t *ret)
{
    return one_date(s,
                    "SELECT GREATEST((SELECT MAX(date) FROM event), "
                    "(SELECT MAX(start_date) FROM medication), "
                    "(SELECT MAX(date) FROM immunisation))",
                    ret);
}

static enum pcn_err pg_registry_last_date(struct pcn_store *s, int32_t *ret)
{
    return one_date(s,
                    "SELECT GREATEST((SELECT MAX(date) FROM list_size), "
                    "(SELECT MAX(start_date) FROM membership))",
                    ret);
}

/* ---- the domain's state: hooks that store.c calls ---- */

/* The transaction's patients are forgotten. */
static void end_tx(struct pcn_store *s, void *st)
{
    struct pg_population *pop = st;

    (void)s;
    pcn_strmap_free(pop->tx_patients);
    pop->tx_patients = NULL;
}

static void free_state(struct pcn_store *s, void *st)
{
    end_tx(s, st);
    pcn_free(st);
}

static const struct pcn__store_population_ops population_ops = {
    .put_patient = pg_put_patient,
    .put_event = pg_put_event,
    .put_medication = pg_put_medication,
    .put_immunisation = pg_put_immunisation,
    .put_encounter = pg_put_encounter,
    .put_term = pg_put_term,
    .each_patient = pg_each_patient,
    .each_event = pg_each_event,
    .each_medication = pg_each_medication,
    .each_immunisation = pg_each_immunisation,
    .each_encounter = pg_each_encounter,
    .each_term = pg_each_term,
    .find_patient = pg_find_patient,
    .count = pg_count,
    .get_patient = pg_get_patient,
    .patient_events = pg_patient_events,
    .patient_medications = pg_patient_medications,
    .patient_terms = pg_patient_terms,
    .records_last_date = pg_records_last_date,
    .registry_last_date = pg_registry_last_date,
};

const struct pcn__store_impl pcn__pg_population = {
    .domain = &pcn__store_population,
    .ops = &population_ops,
    .end_tx = end_tx,
    .free_state = free_state,
};
