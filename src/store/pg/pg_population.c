/*
 * pg_population.c - coded GP records on PostgreSQL, with the SQLite
 * backend's semantics: put_patient replaces a patient whole (children go
 * by ON DELETE CASCADE) and remembers its key for the transaction; child
 * records may name only patients put in the same transaction; walks are
 * ordered by patient key, then date, then insertion.
 */
#include "store/pg/pg_int.h"

#include <string.h>

#include "pcn/date.h"
#include "util/common.h"

static enum pcn_err patient_key(struct pg_store *ps, const char *patient_id, int64_t *ret)
{
    uint64_t key;

    if (!patient_id || !ps->tx_patients ||
        !pcn_strmap_get(ps->tx_patients, patient_id, strlen(patient_id), &key))
        return pcn__store_fail(&ps->head, PCN_ENOTFOUND,
                               "record refers to patient '%s', which is not in this import",
                               patient_id ? patient_id : "");
    *ret = (int64_t)key;
    return PCN_OK;
}

enum pcn_err pcn__pg_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key)
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

enum pcn_err pcn__pg_put_patient(struct pcn_store *s, const struct pcn_patient *pt)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    char sex[2] = {pcn_sex_letter(pt->sex), '\0'};
    PGresult *r = NULL;
    int64_t old = 0;
    enum pcn_err rc;

    if (!pt->patient_id || !*pt->patient_id)
        return pcn__store_fail(s, PCN_EINVAL, "patient without an id");
    rc = pcn__pg_find_patient(s, pt->patient_id, &old);
    if (rc == PCN_OK) {
        pcn__pg_int(&p, old);
        rc =
            pcn__pg_exec(ps, "DELETE FROM patient WHERE id = $1", &p, 1, NULL, "replacing patient");
        p.n = 0;
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
    if (rc == PCN_OK && pcn_strmap_put(ps->tx_patients, pt->patient_id, strlen(pt->patient_id),
                                       (uint64_t)pcn__pg_col_int(r, 0, 0)) != PCN_OK)
        rc = pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    PQclear(r);
    return rc;
}

enum pcn_err pcn__pg_put_event(struct pcn_store *s, const struct pcn_event *e)
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

enum pcn_err pcn__pg_put_medication(struct pcn_store *s, const struct pcn_medication *m)
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
    return pcn__pg_exec(ps,
                        "INSERT INTO medication (patient, start_date, end_date, system, code, "
                        "quantity, source) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        &p, 1, NULL, "saving medication");
}

enum pcn_err pcn__pg_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
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

enum pcn_err pcn__pg_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
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
    return pcn__pg_exec(ps,
                        "INSERT INTO encounter (patient, encounter_id, date, end_date, system, "
                        "code, encounter_class, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        &p, 1, NULL, "saving encounter");
}

enum pcn_err pcn__pg_put_term(struct pcn_store *s, const struct pcn_term *t)
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

int pcn__pg_patient_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
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

int pcn__pg_event_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
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

int pcn__pg_medication_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_medication m = {
        .start_date = pcn__pg_col_date(r, i, 1),
        .end_date = pcn__pg_col_date(r, i, 2),
        .system = pcn__pg_col_text(r, i, 3),
        .code = pcn__pg_col_text(r, i, 4),
        .source = pcn__pg_col_text(r, i, 6),
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
    };
    return ((pcn_encounter_fn)fn)(pcn__pg_col_int(r, i, 0), &e, ud);
}

int pcn__pg_term_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_term t = {
        .system = pcn__pg_col_text(r, i, 0),
        .code = pcn__pg_col_text(r, i, 1),
        .term = pcn__pg_col_text(r, i, 2),
    };
    return ((pcn_term_fn)fn)(&t, ud);
}

enum pcn_err pcn__pg_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, patient_id, nhs_number, family_name, given_name, "
                        "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                        "registered_from, registered_to, date_of_death FROM patient ORDER BY id",
                        NULL, pcn__pg_patient_row, (pcn__pg_any_fn)fn, ud, NULL,
                        "reading patients");
}

enum pcn_err pcn__pg_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, date, end_date, kind, system, code, value, unit, source, "
                        "orig_system, orig_code FROM event ORDER BY patient, date, id",
                        NULL, pcn__pg_event_row, (pcn__pg_any_fn)fn, ud, NULL, "reading events");
}

enum pcn_err pcn__pg_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, start_date, end_date, system, code, quantity, source "
                        "FROM medication ORDER BY patient, start_date, id",
                        NULL, pcn__pg_medication_row, (pcn__pg_any_fn)fn, ud, NULL,
                        "reading medications");
}

enum pcn_err pcn__pg_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, date, system, code, source FROM immunisation "
                        "ORDER BY patient, date, id",
                        NULL, immunisation_row, (pcn__pg_any_fn)fn, ud, NULL,
                        "reading immunisations");
}

enum pcn_err pcn__pg_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s),
                        "SELECT patient, encounter_id, date, end_date, system, code, "
                        "encounter_class, source FROM encounter ORDER BY patient, date, id",
                        NULL, encounter_row, (pcn__pg_any_fn)fn, ud, NULL, "reading encounters");
}

enum pcn_err pcn__pg_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT system, code, term FROM term ORDER BY system, code", NULL,
                        pcn__pg_term_row, (pcn__pg_any_fn)fn, ud, NULL, "reading terms");
}

enum pcn_err pcn__pg_count(struct pcn_store *s, struct pcn_store_counts *ret)
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
