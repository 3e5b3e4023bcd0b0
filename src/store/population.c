/*
 * population.c - the population domain's public calls
 * (pcn/store_population.h), forwarded to the backend's population table,
 * and the store sink that the importers write through. Writes are refused
 * outside a transaction here, once for every backend; a backend without
 * storage-order scans gets the ordered walks.
 */
#include "pcn/store_population.h"

#include "pcn/date.h"
#include "store/population_int.h"

const struct pcn__store_domain pcn__store_population = {"population"};

/* The backend's table; NULL (message set) if it has no population. */
static const struct pcn__store_population_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_population);
}

enum pcn_err pcn_store_put_patient(struct pcn_store *s, const struct pcn_patient *p)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_patient(s, p)) : PCN_ESTORAGE;
}

/* A record dated d was put: the latest record date kept at commit follows it (store.c). */
static enum pcn_err noted(struct pcn_store *s, enum pcn_err rc, int32_t d)
{
    if (rc == PCN_OK) {
        s->tx_has_records = 1;
        if (d != PCN_DATE_NONE && (s->tx_last_record == PCN_DATE_NONE || d > s->tx_last_record))
            s->tx_last_record = d;
    }
    return rc;
}

enum pcn_err pcn_store_put_event(struct pcn_store *s, const struct pcn_event *e)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? noted(s, PCN__STORE_WRITE(s, o->put_event(s, e)), e->date) : PCN_ESTORAGE;
}

const char *pcn__store_enum_name(const char *name)
{
    return name && *name ? name : NULL;
}

enum pcn_course pcn__store_course(const char *s)
{
    enum pcn_course c = PCN_COURSE_UNKNOWN;
    return s && pcn_course_parse(s, &c) == PCN_OK ? c : PCN_COURSE_UNKNOWN;
}

enum pcn_contact_mode pcn__store_mode(const char *s)
{
    enum pcn_contact_mode m = PCN_MODE_UNKNOWN;
    return s && pcn_contact_mode_parse(s, &m) == PCN_OK ? m : PCN_MODE_UNKNOWN;
}

enum pcn_encounter_role pcn__store_role(const char *s)
{
    enum pcn_encounter_role r = PCN_STAFF_UNKNOWN;
    return s && pcn_encounter_role_parse(s, &r) == PCN_OK ? r : PCN_STAFF_UNKNOWN;
}

enum pcn_encounter_attendance pcn__store_attendance(const char *s)
{
    enum pcn_encounter_attendance a = PCN_ENCOUNTER_ATTENDANCE_UNKNOWN;
    return s && pcn_encounter_attendance_parse(s, &a) == PCN_OK ? a
                                                                : PCN_ENCOUNTER_ATTENDANCE_UNKNOWN;
}

enum pcn_err pcn_store_put_medication(struct pcn_store *s, const struct pcn_medication *m)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? noted(s, PCN__STORE_WRITE(s, o->put_medication(s, m)), m->start_date) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? noted(s, PCN__STORE_WRITE(s, o->put_immunisation(s, i)), i->date) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_encounter(s, e)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_term(struct pcn_store *s, const struct pcn_term *t)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_term(s, t)) : PCN_ESTORAGE;
}

/* Sink adapters: the import path writes records through the same calls. */
static enum pcn_err sink_fail(struct pcn_store *s, enum pcn_err rc, struct pcn_error *reterr)
{
    if (rc != PCN_OK)
        pcn_error_set(reterr, rc, "%s", s->errmsg);
    return rc;
}

static enum pcn_err sink_patient(void *ctx, const struct pcn_patient *p, struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_patient(ctx, p), e);
}

static enum pcn_err sink_event(void *ctx, const struct pcn_event *ev, struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_event(ctx, ev), e);
}

static enum pcn_err sink_medication(void *ctx, const struct pcn_medication *m, struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_medication(ctx, m), e);
}

static enum pcn_err sink_immunisation(void *ctx, const struct pcn_immunisation *i,
                                      struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_immunisation(ctx, i), e);
}

static enum pcn_err sink_encounter(void *ctx, const struct pcn_encounter *en, struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_encounter(ctx, en), e);
}

static enum pcn_err sink_term(void *ctx, const struct pcn_term *t, struct pcn_error *e)
{
    return sink_fail(ctx, pcn_store_put_term(ctx, t), e);
}

static const struct pcn_sink_ops store_sink_ops = {
    .patient = sink_patient,
    .event = sink_event,
    .medication = sink_medication,
    .immunisation = sink_immunisation,
    .encounter = sink_encounter,
    .term = sink_term,
};

void pcn_store_sink(struct pcn_store *s, struct pcn_sink *ret)
{
    ret->ops = &store_sink_ops;
    ret->ctx = s;
}

enum pcn_err pcn_store_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_patient(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_event(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_medication(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_immunisation(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_scan_events(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    return o->scan_event ? o->scan_event(s, fn, ud) : o->each_event(s, fn, ud);
}

enum pcn_err pcn_store_scan_medications(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    return o->scan_medication ? o->scan_medication(s, fn, ud) : o->each_medication(s, fn, ud);
}

enum pcn_err pcn_store_scan_immunisations(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    return o->scan_immunisation ? o->scan_immunisation(s, fn, ud) : o->each_immunisation(s, fn, ud);
}

enum pcn_err pcn_store_scan_encounters(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    return o->scan_encounter ? o->scan_encounter(s, fn, ud) : o->each_encounter(s, fn, ud);
}

enum pcn_err pcn_store_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_encounter(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->each_term(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->find_patient(s, patient_id, ret_key) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_count(struct pcn_store *s, struct pcn_store_counts *ret)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->count(s, ret) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->get_patient(s, key, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->patient_events(s, key, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                           void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->patient_medications(s, key, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud)
{
    const struct pcn__store_population_ops *o = ops(s);

    return o ? o->patient_terms(s, key, fn, ud) : PCN_ESTORAGE;
}
