/*
 * sp.c - the social prescribing domain's public calls (pcn/store_sp.h),
 * forwarded to the backend's table. What every backend shares is checked
 * here once: writes only inside a transaction, records that pass the
 * domain's own checks (pcn/asset.h, pcn/referral.h, pcn/wellbeing.h), and
 * the text encodings of sessions and answers.
 */
#include "pcn/store_sp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/buf.h"
#include "pcn/parse.h"
#include "pcn/wellbeing.h"
#include "store/sp_int.h"
#include "util/common.h"

const struct pcn__store_domain pcn__store_sp = {"sp"};

static const struct pcn__store_sp_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_sp);
}

/*
 * The table for a write whose record had the result `check` (message in
 * e): NULL, with *rc set and the failure on the handle, when the backend
 * has no such domain, no transaction is open or the record failed its
 * check (refused with the check's message).
 */
static const struct pcn__store_sp_ops *writer(struct pcn_store *s, enum pcn_err check,
                                              const struct pcn_error *e, enum pcn_err *rc)
{
    const struct pcn__store_sp_ops *o = ops(s);

    if (!o)
        *rc = PCN_ESTORAGE;
    else if (!s->in_tx)
        *rc = pcn__store_fail(s, PCN_EINVAL, "write outside a transaction");
    else if (check != PCN_OK)
        *rc = pcn__store_fail(s, check, "%s", e->msg);
    else
        *rc = PCN_OK;
    return *rc == PCN_OK ? o : NULL;
}

/* An update names its row and the version it read. */
static enum pcn_err named(int64_t id, int64_t version, const char *what, struct pcn_error *e)
{
    if (id > 0 && version > 0)
        return PCN_OK;
    return pcn_error_set(e, PCN_EINVAL, "an update names the %s and its version", what);
}

enum pcn_err pcn__sp_sessions_text(const struct pcn_asset *a, char *out, size_t size)
{
    struct pcn_buf b = PCN_BUF_INIT;
    enum pcn_err rc = pcn_sessions_format(a->sessions, a->n_sessions, &b);

    if (rc == PCN_OK && b.len >= size)
        rc = PCN_ELIMIT;
    if (rc == PCN_OK)
        memcpy(out, b.buf, b.len + 1);
    pcn_buf_release(&b);
    return rc;
}

enum pcn_err pcn__sp_sessions_read(const char *text, struct pcn_asset *a)
{
    struct pcn_error e;

    return pcn_sessions_parse(text ? text : "", a->sessions, &a->n_sessions, &e) == PCN_OK
               ? PCN_OK
               : PCN_ESTORAGE;
}

void pcn__sp_items_text(const struct pcn_outcome *o, char *out, size_t size)
{
    int n = pcn_instrument_items((enum pcn_instrument)o->instrument);
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int w = snprintf(out + used, size - used, "%s%d", i ? "," : "", o->items[i]);
        used += w > 0 ? (size_t)w : 0;
    }
}

enum pcn_err pcn__sp_items_read(const char *text, struct pcn_outcome *o)
{
    int n = pcn_instrument_items((enum pcn_instrument)o->instrument);
    const char *p = text ? text : "";

    memset(o->items, 0, sizeof(o->items));
    for (int i = 0; i < n; i++) {
        size_t len = strcspn(p, ",");
        int64_t v = 0;
        if (pcn_parse_range(p, len, -1, 10, &v) != PCN_OK)
            return PCN_ESTORAGE;
        o->items[i] = (int)v;
        p += len;
        if (*p == ',')
            p++;
        else if (i + 1 < n)
            return PCN_ESTORAGE;
    }
    return *p ? PCN_ESTORAGE : PCN_OK;
}

enum pcn_err pcn_store_put_asset(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                                 int64_t *ret_version)
{
    struct pcn_error e;
    enum pcn_err rc = a->id < 0 || a->version < 0
                          ? pcn_error_set(&e, PCN_EINVAL, "asset id and version cannot be negative")
                          : pcn_asset_check(a, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->put_asset(s, a, ret_id, ret_version) : rc;
}

enum pcn_err pcn_store_get_asset(struct pcn_store *s, int64_t id, pcn_asset_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->get_asset(s, id, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_asset(struct pcn_store *s, pcn_asset_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_asset(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_asset_stamp(struct pcn_store *s, struct pcn_sp_asset_stamp *ret)
{
    const struct pcn__store_sp_ops *o = ops(s);

    memset(ret, 0, sizeof(*ret));
    return o ? o->asset_stamp(s, ret) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_referral(struct pcn_store *s, const struct pcn_referral *r,
                                    int64_t *ret_id)
{
    struct pcn_error e;
    enum pcn_err rc = pcn_referral_check(r, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_referral(s, r, ret_id) : rc;
}

enum pcn_err pcn_store_update_referral(struct pcn_store *s, const struct pcn_referral *r,
                                       int64_t *ret_version)
{
    struct pcn_error e;
    enum pcn_err rc = named(r->id, r->version, "referral", &e);
    if (rc == PCN_OK)
        rc = pcn_referral_check(r, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->update_referral(s, r, ret_version) : rc;
}

enum pcn_err pcn_store_get_referral(struct pcn_store *s, int64_t id, pcn_referral_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);
    int rows = 0;

    if (!o)
        return PCN_ESTORAGE;
    enum pcn_err rc = o->each_referral(s, id, NULL, fn, ud, &rows);
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld", (long long)id);
    return rc;
}

enum pcn_err pcn_store_each_referral(struct pcn_store *s, const struct pcn_referral_filter *f,
                                     pcn_referral_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_referral(s, 0, f, fn, ud, NULL) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_transition(struct pcn_store *s, int64_t referral_id,
                                      const struct pcn_referral_transition *t)
{
    struct pcn_error e;
    enum pcn_err rc = pcn_referral_check_transition(t->from, t->to, t->reason, &e);
    if (rc == PCN_OK && (!t->by || !*t->by))
        rc = pcn_error_set(&e, PCN_EINVAL, "who made the transition is missing");
    if (rc == PCN_OK && t->note)
        rc = pcn_text_check("note", t->note, PCN_NOTE_MAX, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_transition(s, referral_id, t) : rc;
}

enum pcn_err pcn_store_each_transition(struct pcn_store *s, int64_t referral_id,
                                       pcn_transition_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_transition(s, referral_id, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_contact(struct pcn_store *s, const struct pcn_contact *c,
                                   int64_t *ret_id)
{
    struct pcn_error e;
    /* "not in the future" is the service's rule; the store checks what it can always check */
    enum pcn_err rc = pcn_contact_check(c, INT64_MAX / 2, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_contact(s, c, ret_id) : rc;
}

enum pcn_err pcn_store_each_contact(struct pcn_store *s, int64_t referral_id, pcn_contact_fn fn,
                                    void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_contact(s, referral_id, fn, ud) : PCN_ESTORAGE;
}

static enum pcn_err check_goal(const struct pcn_goal *g, struct pcn_error *e)
{
    if (!pcn_goal_status_name(g->status))
        return pcn_error_set(e, PCN_EINVAL, "status: unknown goal status");
    return pcn_goal_check_text(g->text, e);
}

enum pcn_err pcn_store_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id)
{
    struct pcn_error e;
    enum pcn_err rc = check_goal(g, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_goal(s, g, ret_id) : rc;
}

enum pcn_err pcn_store_update_goal(struct pcn_store *s, const struct pcn_goal *g,
                                   int64_t *ret_version)
{
    struct pcn_error e;
    enum pcn_err rc = named(g->id, g->version, "goal", &e);
    if (rc == PCN_OK)
        rc = check_goal(g, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->update_goal(s, g, ret_version) : rc;
}

enum pcn_err pcn_store_each_goal(struct pcn_store *s, int64_t referral_id, pcn_goal_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_goal(s, referral_id, fn, ud) : PCN_ESTORAGE;
}

static enum pcn_err check_connection(const struct pcn_connection *c, struct pcn_error *e)
{
    if (!pcn_attendance_name(c->attendance))
        return pcn_error_set(e, PCN_EINVAL, "attendance: unknown value");
    if (c->connected_on == PCN_DATE_NONE)
        return pcn_error_set(e, PCN_EINVAL, "connected_on: missing");
    return pcn_text_check("note", c->note ? c->note : "", PCN_NOTE_MAX, e);
}

enum pcn_err pcn_store_add_connection(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_id)
{
    struct pcn_error e;
    enum pcn_err rc = check_connection(c, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_connection(s, c, ret_id) : rc;
}

enum pcn_err pcn_store_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                         int64_t *ret_version)
{
    struct pcn_error e;
    enum pcn_err rc = named(c->id, c->version, "connection", &e);
    if (rc == PCN_OK)
        rc = check_connection(c, &e);
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->update_connection(s, c, ret_version) : rc;
}

enum pcn_err pcn_store_each_connection(struct pcn_store *s, int64_t referral_id,
                                       pcn_connection_fn fn, void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_connection(s, referral_id, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_outcome(struct pcn_store *s, const struct pcn_outcome *oc,
                                   int64_t *ret_id)
{
    struct pcn_error e;
    enum pcn_instrument in = (enum pcn_instrument)oc->instrument;
    enum pcn_err rc = pcn_instrument_validate(in, oc->items, (size_t)pcn_instrument_items(in), &e);
    if (rc == PCN_OK && (!oc->recorded_by || !*oc->recorded_by))
        rc = pcn_error_set(&e, PCN_EINVAL, "recorded_by: missing");
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_outcome(s, oc, ret_id) : rc;
}

enum pcn_err pcn_store_each_outcome(struct pcn_store *s, int64_t referral_id, pcn_outcome_fn fn,
                                    void *ud)
{
    const struct pcn__store_sp_ops *o = ops(s);

    return o ? o->each_outcome(s, referral_id, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_coded_event(struct pcn_store *s, const struct pcn_event *ev)
{
    struct pcn_error e;
    enum pcn_err rc =
        !ev->patient_id || !ev->system || !ev->code || ev->date == PCN_DATE_NONE
            ? pcn_error_set(&e, PCN_EINVAL, "a coded event needs a patient, a code and a date")
            : PCN_OK;
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->add_coded_event(s, ev) : rc;
}

enum pcn_err pcn_store_delete_coded_events(struct pcn_store *s, const char *source,
                                           const char *code, int64_t *ret_n)
{
    struct pcn_error e;
    enum pcn_err rc =
        !source || !*source
            ? pcn_error_set(&e, PCN_EINVAL, "which source's events to delete is missing")
            : PCN_OK;
    const struct pcn__store_sp_ops *o = writer(s, rc, &e, &rc);

    return o ? o->delete_coded_events(s, source, code, ret_n) : rc;
}
