/*
 * store.c - the public storage API: picks a backend from the location at
 * open and forwards each call through the backend's function table. Checks
 * that are the same for every backend (arguments, transaction state) live
 * here so backends stay small.
 */
#include "pcn/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "store/migrations.h"
#include "store/store_int.h"
#include "util/common.h"

enum pcn_err pcn__store_fail(struct pcn_store *s, enum pcn_err code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
    va_end(ap);
    return code;
}

static bool is_postgres_location(const char *loc)
{
    return strncmp(loc, "postgresql://", 13) == 0 || strncmp(loc, "postgres://", 11) == 0 ||
           strncmp(loc, "host=", 5) == 0 || strncmp(loc, "dbname=", 7) == 0;
}

enum pcn_err pcn_store_open(const char *location, unsigned flags, struct pcn_store **ret,
                            struct pcn_error *reterr)
{
    if (!location || !*location || !ret)
        return pcn_error_set(reterr, PCN_EINVAL, "no database given (use --db FILE or PCN_DB)");
    if (is_postgres_location(location))
        return pcn__pg_open(location, flags, ret, reterr);
    return pcn__sqlite_open(location, flags, ret, reterr);
}

void pcn_store_close(struct pcn_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *pcn_store_errmsg(const struct pcn_store *s)
{
    return s->errmsg;
}

const char *pcn_store_backend(const struct pcn_store *s)
{
    return s->ops->name;
}

int pcn_store_schema_version(const struct pcn_store *s)
{
    return s->ops->schema_version(s);
}

int pcn_store_schema_latest(void)
{
    return pcn__migration_count;
}

enum pcn_err pcn_store_data_version(struct pcn_store *s, int64_t *ret)
{
    return s->ops->data_version(s, ret);
}

/* Writes must happen inside a transaction so they can be undone whole. */
#define STORE_WRITE(s, call)                                                                       \
    ((s)->in_tx ? (call) : pcn__store_fail((s), PCN_EINVAL, "write outside a transaction"))

enum pcn_err pcn_store_get_meta(struct pcn_store *s, const char *key, char *out, size_t size)
{
    if (!key || !out || size == 0)
        return pcn__store_fail(s, PCN_EINVAL, "bad meta lookup");
    return s->ops->get_meta(s, key, out, size);
}

enum pcn_err pcn_store_set_meta(struct pcn_store *s, const char *key, const char *value)
{
    if (!key || !value)
        return pcn__store_fail(s, PCN_EINVAL, "bad meta value");
    return STORE_WRITE(s, s->ops->set_meta(s, key, value));
}

/* The latest data date, read once per data version. */
static enum pcn_err last_data_date(struct pcn_store *s, int32_t *ret)
{
    int64_t version = 0;
    enum pcn_err rc = pcn_store_data_version(s, &version);

    if (rc == PCN_OK && (!s->has_last_date || s->last_date_version != version)) {
        rc = s->ops->last_data_date(s, &s->last_date);
        s->has_last_date = rc == PCN_OK;
        s->last_date_version = version;
    }
    if (rc == PCN_OK)
        *ret = s->last_date;
    return rc;
}

enum pcn_err pcn_store_default_as_of(struct pcn_store *s, int32_t *ret)
{
    char v[32];
    int32_t today = pcn_date_today();
    int32_t d = PCN_DATE_NONE;
    enum pcn_err rc = pcn_store_get_meta(s, PCN_META_DATA_AS_OF, v, sizeof(v));

    if (rc == PCN_OK) {
        if (pcn_date_parse(v, strlen(v), &d) != PCN_OK)
            return pcn__store_fail(s, PCN_EINVAL, "meta %s is not a date: '%.32s'",
                                   PCN_META_DATA_AS_OF, v);
        *ret = d;
        return PCN_OK;
    }
    if (rc != PCN_ENOTFOUND)
        return rc;
    rc = last_data_date(s, &d);
    if (rc == PCN_OK)
        *ret = d != PCN_DATE_NONE && d < today ? d : today;
    return rc;
}

enum pcn_err pcn_store_set_deadline(struct pcn_store *s, int64_t deadline)
{
    if (deadline < 0)
        return pcn__store_fail(s, PCN_EINVAL, "bad deadline");
    s->deadline = deadline;
    return s->ops->set_deadline(s, deadline);
}

/* Run an undo or a release (rollback, end of a read) with the deadline lifted: it must finish. */
static void without_deadline(struct pcn_store *s, void (*op)(struct pcn_store *s))
{
    if (s->deadline)
        (void)s->ops->set_deadline(s, 0);
    op(s);
    if (s->deadline)
        (void)s->ops->set_deadline(s, s->deadline);
}

enum pcn_err pcn_store_begin(struct pcn_store *s)
{
    enum pcn_err rc;

    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    rc = s->ops->begin(s);
    if (rc == PCN_OK)
        s->in_tx = 1;
    return rc;
}

enum pcn_err pcn_store_begin_bulk(struct pcn_store *s)
{
    enum pcn_err rc;

    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    rc = s->ops->begin_bulk ? s->ops->begin_bulk(s) : s->ops->begin(s);
    if (rc == PCN_OK)
        s->in_tx = 1;
    return rc;
}

enum pcn_err pcn_store_commit(struct pcn_store *s)
{
    enum pcn_err rc;

    if (!s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "no transaction is open");
    if (s->deadline && pcn_monotonic_usec() >= s->deadline) {
        without_deadline(s, s->ops->rollback);
        s->in_tx = 0;
        return pcn__store_fail(s, PCN_ETIMEDOUT, "the time limit passed before commit");
    }
    rc = s->ops->commit(s);
    if (rc != PCN_OK)
        without_deadline(s, s->ops->rollback);
    s->in_tx = 0;
    return rc;
}

void pcn_store_rollback(struct pcn_store *s)
{
    if (!s || !s->in_tx)
        return;
    without_deadline(s, s->ops->rollback);
    s->in_tx = 0;
}

enum pcn_err pcn_store_put_network(struct pcn_store *s, const struct pcn_network *n)
{
    return STORE_WRITE(s, s->ops->put_network(s, n));
}

enum pcn_err pcn_store_put_practice(struct pcn_store *s, const struct pcn_practice *p)
{
    return STORE_WRITE(s, s->ops->put_practice(s, p));
}

enum pcn_err pcn_store_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                   void *ud)
{
    return s->ops->get_network(s, code, fn, ud);
}

enum pcn_err pcn_store_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud)
{
    return s->ops->each_network(s, fn, ud);
}

enum pcn_err pcn_store_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                    void *ud)
{
    return s->ops->get_practice(s, code, fn, ud);
}

enum pcn_err pcn_store_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud)
{
    return s->ops->each_practice(s, fn, ud);
}

enum pcn_err pcn_store_add_membership(struct pcn_store *s, const struct pcn_membership *m)
{
    return STORE_WRITE(s, s->ops->add_membership(s, m));
}

enum pcn_err pcn_store_end_membership(struct pcn_store *s, const char *practice, int32_t end_date)
{
    return STORE_WRITE(s, s->ops->end_membership(s, practice, end_date));
}

enum pcn_err pcn_store_each_membership(struct pcn_store *s, const char *practice,
                                       pcn_membership_fn fn, void *ud)
{
    return s->ops->each_membership(s, practice, fn, ud);
}

enum pcn_err pcn_store_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id)
{
    return STORE_WRITE(s, s->ops->add_site(s, site, ret_id));
}

enum pcn_err pcn_store_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud)
{
    return s->ops->each_site(s, fn, ud);
}

enum pcn_err pcn_store_put_list_size(struct pcn_store *s, const struct pcn_list_size *l)
{
    return STORE_WRITE(s, s->ops->put_list_size(s, l));
}

enum pcn_err pcn_store_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                    int64_t *ret_patients, int32_t *ret_date)
{
    return s->ops->list_size_at(s, practice, date, ret_patients, ret_date);
}

enum pcn_err pcn_store_put_list_band(struct pcn_store *s, const struct pcn_list_band *b)
{
    return STORE_WRITE(s, s->ops->put_list_band(s, b));
}

enum pcn_err pcn_store_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                      pcn_list_band_fn fn, void *ud)
{
    return s->ops->each_list_band(s, practice, date, fn, ud);
}

enum pcn_err pcn_store_put_patient(struct pcn_store *s, const struct pcn_patient *p)
{
    return STORE_WRITE(s, s->ops->put_patient(s, p));
}

enum pcn_err pcn_store_put_event(struct pcn_store *s, const struct pcn_event *e)
{
    return STORE_WRITE(s, s->ops->put_event(s, e));
}

enum pcn_err pcn_store_put_medication(struct pcn_store *s, const struct pcn_medication *m)
{
    return STORE_WRITE(s, s->ops->put_medication(s, m));
}

enum pcn_err pcn_store_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
{
    return STORE_WRITE(s, s->ops->put_immunisation(s, i));
}

enum pcn_err pcn_store_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
{
    return STORE_WRITE(s, s->ops->put_encounter(s, e));
}

enum pcn_err pcn_store_put_term(struct pcn_store *s, const struct pcn_term *t)
{
    return STORE_WRITE(s, s->ops->put_term(s, t));
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
    return s->ops->each_patient(s, fn, ud);
}

enum pcn_err pcn_store_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return s->ops->each_event(s, fn, ud);
}

enum pcn_err pcn_store_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return s->ops->each_medication(s, fn, ud);
}

enum pcn_err pcn_store_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return s->ops->each_immunisation(s, fn, ud);
}

enum pcn_err pcn_store_scan_events(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return s->ops->scan_event ? s->ops->scan_event(s, fn, ud) : s->ops->each_event(s, fn, ud);
}

enum pcn_err pcn_store_scan_medications(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return s->ops->scan_medication ? s->ops->scan_medication(s, fn, ud)
                                   : s->ops->each_medication(s, fn, ud);
}

enum pcn_err pcn_store_scan_immunisations(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return s->ops->scan_immunisation ? s->ops->scan_immunisation(s, fn, ud)
                                     : s->ops->each_immunisation(s, fn, ud);
}

enum pcn_err pcn_store_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return s->ops->each_encounter(s, fn, ud);
}

enum pcn_err pcn_store_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    return s->ops->each_term(s, fn, ud);
}

enum pcn_err pcn_store_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key)
{
    return s->ops->find_patient(s, patient_id, ret_key);
}

enum pcn_err pcn_store_count(struct pcn_store *s, struct pcn_store_counts *ret)
{
    return s->ops->count(s, ret);
}

/* ---- users, sessions, audit ---- */

enum pcn_err pcn_store_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id)
{
    if (!u || !u->name || !u->role || !u->pwhash)
        return pcn__store_fail(s, PCN_EINVAL, "user needs a name, a role and a password");
    return STORE_WRITE(s, s->ops->add_user(s, u, ret_id));
}

enum pcn_err pcn_store_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud)
{
    return s->ops->get_user(s, name, fn, ud);
}

enum pcn_err pcn_store_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud)
{
    return s->ops->each_user(s, fn, ud);
}

enum pcn_err pcn_store_set_user_password(struct pcn_store *s, const char *name, const char *pwhash)
{
    return STORE_WRITE(s, s->ops->set_user_password(s, name, pwhash));
}

enum pcn_err pcn_store_set_user_disabled(struct pcn_store *s, const char *name, int disabled)
{
    return STORE_WRITE(s, s->ops->set_user_disabled(s, name, disabled));
}

enum pcn_err pcn_store_add_session(struct pcn_store *s, const struct pcn_session *ses)
{
    return STORE_WRITE(s, s->ops->add_session(s, ses));
}

enum pcn_err pcn_store_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                   void *ud)
{
    return s->ops->get_session(s, token_hash, fn, ud);
}

enum pcn_err pcn_store_revoke_session(struct pcn_store *s, const char *token_hash)
{
    return STORE_WRITE(s, s->ops->revoke_session(s, token_hash));
}

enum pcn_err pcn_store_revoke_user_sessions(struct pcn_store *s, int64_t user_id)
{
    return STORE_WRITE(s, s->ops->revoke_user_sessions(s, user_id));
}

enum pcn_err pcn_store_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                         int success)
{
    return STORE_WRITE(s, s->ops->add_login_attempt(s, subject, at, success));
}

enum pcn_err pcn_store_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                            int64_t *ret)
{
    return s->ops->count_login_failures(s, subject, since, ret);
}

enum pcn_err pcn_store_append_audit(struct pcn_store *s, const struct pcn_audit_row *a)
{
    return STORE_WRITE(s, s->ops->append_audit(s, a));
}

enum pcn_err pcn_store_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud)
{
    return s->ops->last_audit(s, fn, ud);
}

enum pcn_err pcn_store_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                  pcn_audit_fn fn, void *ud)
{
    return s->ops->each_audit(s, after_id, limit, fn, ud);
}

enum pcn_err pcn_store_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud)
{
    return s->ops->get_patient(s, key, fn, ud);
}

enum pcn_err pcn_store_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud)
{
    return s->ops->patient_events(s, key, fn, ud);
}

enum pcn_err pcn_store_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                           void *ud)
{
    return s->ops->patient_medications(s, key, fn, ud);
}

enum pcn_err pcn_store_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud)
{
    return s->ops->patient_terms(s, key, fn, ud);
}

enum pcn_err pcn_store_begin_read(struct pcn_store *s)
{
    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    return s->ops->begin_read(s);
}

void pcn_store_end_read(struct pcn_store *s)
{
    if (s && !s->in_tx)
        without_deadline(s, s->ops->end_read);
}
