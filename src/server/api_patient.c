/*
 * api_patient.c - the patient view: demographics, latest measurements, the
 * event timeline (newest first, paged) and medications, each code with its
 * term from the store's term table (null when it has none), for the roles
 * that may see one patient: clinical directors and clinicians across the
 * network, practice managers for their own practice's patients, link
 * workers the patients of their own open social prescribing referrals.
 * Every outcome, refusals included, is audited (api.c marks the route).
 */
#include "server/population.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "util/common.h"

#define PATIENT_MAX_EVENTS 100000

struct patient_view {
    struct pcn__request *r;
    struct pcn_strmap *terms; /* "system\x1fcode" -> term (arena string) */
    json_t *patient;
    char practice[16];
    bool has_practice;
    json_t *events;       /* every event, oldest first */
    json_t *measurements; /* latest value per (system, code) */
    json_t *registers;    /* the registers the patient is on, as of the default date */
    char as_of[PCN_DATE_STR_SIZE];
    json_t *medications;
    bool failed;
};

static json_t *date_json(int32_t d)
{
    char s[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE)
        return json_null();
    pcn_date_format(d, s);
    return json_string(s);
}

static int on_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct patient_view *v = ud;
    char sex[2] = {pcn_sex_letter(p->sex), '\0'};

    v->has_practice = p->practice && strlen(p->practice) < sizeof(v->practice);
    if (v->has_practice)
        memcpy(v->practice, p->practice, strlen(p->practice) + 1);
    v->patient = json_pack(
        "{s:I,s:s,s:s?,s:s?,s:s?,s:o,s:i,s:s,s:s?,s:s?,s:s?,s:s?,s:o,s:o,s:o}", "key",
        (json_int_t)key, "patient_id", p->patient_id, "nhs_number", p->nhs_number, "family_name",
        p->family_name, "given_name", p->given_name, "date_of_birth", date_json(p->date_of_birth),
        "age", pcn_date_age(p->date_of_birth, pcn_date_today()), "sex", sex, "ethnicity",
        p->ethnicity, "postcode", p->postcode, "lsoa", p->lsoa, "practice", p->practice,
        "registered_from", date_json(p->registered_from), "registered_to",
        date_json(p->registered_to), "date_of_death", date_json(p->date_of_death));
    return 1;
}

/* ---- terms: the human-readable name of each code the patient has ---- */

static bool term_key(const char *system, const char *code, char *out, size_t size)
{
    int n = snprintf(out, size, "%s\x1f%s", system ? system : "", code ? code : "");

    return n > 0 && (size_t)n < size;
}

static int on_term(const struct pcn_term *t, void *ud)
{
    struct patient_view *v = ud;
    char key[256];
    char *term;

    if (!term_key(t->system, t->code, key, sizeof(key)))
        return 0; /* longer than any real code: shown without a term */
    term = pcn_arena_strndup(v->r->arena, t->term, strlen(t->term));
    if (!term || pcn_strmap_put(v->terms, key, strlen(key), (uint64_t)(uintptr_t)term) != PCN_OK)
        v->failed = true;
    return v->failed;
}

static void free_terms(void *p)
{
    pcn_strmap_free(p);
}

/* Read the terms of the patient's codes into v->terms. */
static enum pcn_err load_terms(struct patient_view *v, int64_t key)
{
    enum pcn_err rc;

    v->terms = pcn_strmap_new();
    if (!v->terms)
        return PCN_ENOMEM;
    if (pcn_arena_on_cleanup(v->r->arena, free_terms, v->terms) != PCN_OK) {
        pcn_strmap_free(v->terms);
        v->terms = NULL;
        return PCN_ENOMEM;
    }
    rc = pcn_store_patient_terms(v->r->store, key, on_term, v);
    return rc == PCN_OK && v->failed ? PCN_ENOMEM : rc;
}

/* The term of (system, code) as JSON: a string, or null when unknown. */
static json_t *term_json(const struct patient_view *v, const char *system, const char *code)
{
    char key[256];
    uint64_t at = 0;

    if (!v->terms || !term_key(system, code, key, sizeof(key)) ||
        !pcn_strmap_get(v->terms, key, strlen(key), &at))
        return json_null();
    return json_string((const char *)(uintptr_t)at);
}

static json_t *event_json(const struct patient_view *v, const struct pcn_event *e)
{
    json_t *j =
        json_pack("{s:o,s:o,s:s,s:s?,s:s,s:o,s:s?}", "date", date_json(e->date), "end_date",
                  date_json(e->end_date), "kind", pcn_event_kind_name(e->kind), "system", e->system,
                  "code", e->code, "term", term_json(v, e->system, e->code), "unit", e->unit);

    if (j && json_object_set_new(j, "value", e->has_value ? json_real(e->value) : json_null())) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* Replace or add the measurement for the event's code; events arrive oldest first. */
static bool note_measurement(struct patient_view *v, const struct pcn_event *e)
{
    json_t *j;
    size_t i;
    json_t *m;

    if (e->kind != PCN_EVENT_OBSERVATION || !e->has_value)
        return true;
    j = event_json(v, e);
    if (!j)
        return false;
    json_array_foreach(v->measurements, i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "code")), e->code) == 0 &&
            json_equal(json_object_get(m, "system"), json_object_get(j, "system")))
            return json_array_set_new(v->measurements, i, j) == 0;
    }
    return json_array_append_new(v->measurements, j) == 0;
}

static int on_event(int64_t key, const struct pcn_event *e, void *ud)
{
    struct patient_view *v = ud;
    json_t *j;

    (void)key;
    if (json_array_size(v->events) >= PATIENT_MAX_EVENTS)
        return 1;
    j = event_json(v, e);
    if (!j || json_array_append_new(v->events, j) != 0 || !note_measurement(v, e))
        v->failed = true;
    return v->failed;
}

static int on_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct patient_view *v = ud;
    json_t *j = json_pack("{s:o,s:o,s:s?,s:s?,s:o}", "start_date", date_json(m->start_date),
                          "end_date", date_json(m->end_date), "system", m->system, "code", m->code,
                          "term", term_json(v, m->system, m->code));

    (void)key;
    if (j && json_object_set_new(j, "quantity",
                                 m->has_quantity ? json_real(m->quantity) : json_null()) != 0) {
        json_decref(j);
        j = NULL;
    }
    if (!j || json_array_insert_new(v->medications, 0, j) != 0)
        v->failed = true;
    return v->failed || json_array_size(v->medications) >= (size_t)v->r->srv->cfg.max_page;
}

/* The answer for a key that names no patient, or none the role may know exists. */
static int reply_no_patient(struct pcn__request *r)
{
    return pcn__reply_error(r, 404, "not_found", "no such patient");
}

/*
 * Who may see this patient; replies and returns false otherwise. A
 * practice manager asking for another practice's patient gets the answer
 * of a key that exists nowhere (404), so that trying keys cannot count
 * other practices' patients.
 */
static bool may_see(struct pcn__request *r, const struct patient_view *v)
{
    switch (r->who.role) {
    case PCN_ROLE_CLINICAL_DIRECTOR:
    case PCN_ROLE_CLINICIAN:
        return true;
    case PCN_ROLE_PRACTICE_MANAGER:
        if (r->who.practice && v->has_practice && strcmp(r->who.practice, v->practice) == 0)
            return true;
        reply_no_patient(r);
        return false;
    case PCN_ROLE_LINK_WORKER: {
        const char *id = json_string_value(json_object_get(v->patient, "patient_id"));
        bool mine = false;
        enum pcn_err rc = id ? pcn__sp_in_caseload(r, id, &mine) : PCN_OK;
        if (rc != PCN_OK) {
            pcn__reply_store_error(r, rc);
            return false;
        }
        if (mine)
            return true;
        pcn__reply_error(r, 403, "forbidden",
                         "the patient has no open referral in your social prescribing caseload");
        return false;
    }
    default:
        pcn__reply_error(r, 403, "forbidden", "your role sees aggregates only");
        return false;
    }
}

/* The page [offset, offset + limit) of the timeline, newest first. */
static json_t *timeline_page(json_t *events, int64_t offset, int64_t limit)
{
    json_t *page = json_array();
    int64_t n = (int64_t)json_array_size(events);

    for (int64_t i = n - 1 - offset; page && i >= 0 && i > n - 1 - offset - limit; i--) {
        if (json_array_append(page, json_array_get(events, (size_t)i)) != 0) {
            json_decref(page);
            return NULL;
        }
    }
    return page;
}

static int reply_view(struct pcn__request *r, struct patient_view *v, int64_t offset, int64_t limit)
{
    json_t *page = timeline_page(v->events, offset, limit);
    json_t *j = json_pack(
        "{s:O,s:O,s:o,s:I,s:I,s:I,s:O}", "patient", v->patient, "latest_measurements",
        v->measurements, "timeline", page, "timeline_total", (json_int_t)json_array_size(v->events),
        "limit", (json_int_t)limit, "offset", (json_int_t)offset, "medications", v->medications);

    /* registers only when asked for (?include=registers): they cost an evaluation */
    if (j && v->registers &&
        (json_object_set(j, "registers", v->registers) != 0 ||
         json_object_set_new(j, "as_of", json_string(v->as_of)) != 0)) {
        json_decref(j);
        j = NULL;
    }
    return pcn__reply_json(r, 200, j);
}

int pcn__api_patient(struct pcn__request *r)
{
    static const char *const params[] = {"limit", "offset", "include", NULL};
    struct patient_view v = {.r = r};
    const char *key_s = pcn__param(r, 0);
    int64_t key;
    int64_t limit;
    int64_t offset;
    const char *include;
    bool want_registers;
    enum pcn_err rc;

    r->object_type = "patient";
    r->object_id = key_s;
    if (!pcn__check_query(r, params) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit) ||
        !pcn__query_int(r, "offset", 0, PATIENT_MAX_EVENTS, 0, &offset))
        return 0;
    if (!key_s || pcn_parse_range(key_s, strlen(key_s), 1, INT64_MAX, &key) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_parameter", "the patient key is a number");
    /* the audit row names the key canonically ("0007" and "+7" are 7) */
    r->object_id = pcn_arena_printf(r->arena, "key=%lld", (long long)key);
    include = pcn__query(r, "include");
    if (include && strcmp(include, "registers") != 0)
        return pcn__reply_error(r, 400, "invalid_parameter", "include may only be 'registers'");
    want_registers = include != NULL;
    rc = pcn_store_get_patient(r->store, key, on_patient, &v);
    if (rc == PCN_OK && !v.patient)
        rc = PCN_ENOMEM;
    if (rc != PCN_OK)
        return rc == PCN_ENOTFOUND ? reply_no_patient(r) : pcn__reply_store_error(r, rc);
    /*
     * and the patient's stable identifier, which a re-import keeps when the
     * key changes, so the log answers "who viewed patient X" (refusals too)
     */
    r->object_id = pcn_arena_printf(r->arena, "patient_id=%s key=%lld",
                                    json_string_value(json_object_get(v.patient, "patient_id")),
                                    (long long)key);
    if (!may_see(r, &v))
        goto out;
    v.events = json_array();
    v.measurements = json_array();
    v.medications = json_array();
    rc = v.events && v.measurements && v.medications ? load_terms(&v, key) : PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = pcn_store_patient_events(r->store, key, on_event, &v);
    if (rc == PCN_OK)
        rc = pcn_store_patient_medications(r->store, key, on_medication, &v);
    if (rc == PCN_OK && v.failed)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK && want_registers) {
        int32_t as_of = PCN_DATE_NONE;
        rc = pcn_store_default_as_of(r->store, &as_of);
        pcn_date_format(as_of, v.as_of);
        if (rc == PCN_OK)
            rc = pcn__patient_registers(r, key, as_of, &v.registers);
    }
    if (rc != PCN_OK)
        pcn__reply_store_error(r, rc);
    else
        reply_view(r, &v, offset, limit);
out:
    json_decref(v.patient);
    json_decref(v.events);
    json_decref(v.measurements);
    json_decref(v.medications);
    json_decref(v.registers);
    return 0;
}
