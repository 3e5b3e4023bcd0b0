/*
 * api_sp_referrals.c - social prescribing over HTTP, part two: referrals.
 * The lists (everyone's for clinical directors and clinicians, a
 * practice's for its manager, their own for a link worker), a link
 * worker's caseload, one referral's timeline, and the writes: refer, move
 * through the state machine, assign, plan, contacts, goals, connections to
 * assets and wellbeing questionnaires, each coded into the patient's
 * record where the code table has a code.
 *
 * Every read here is patient-level and audited (api.c marks the routes);
 * every write commits with its audit row or not at all. A change made on a
 * stale version, or a move the state machine forbids, answers 409 with the
 * referral and its timeline as they are now, so the client can show what
 * changed.
 */
#include "server/api_sp_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/asset.h"
#include "pcn/buf.h"
#include "pcn/parse.h"
#include "pcn/referral.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store_sp.h"
#include "pcn/wellbeing.h"
#include "util/common.h"

#define MAX_OFFSET 1000000

/* ---- the caller and a referral ---- */

/* What decides who may reach a referral, and its own fields for replies. */
struct ref_info {
    bool found;
    int64_t version;
    enum pcn_referral_state state;
    char patient_id[PCN_REFERRAL_NAME_MAX + 1];
    char link_worker[PCN_REFERRAL_NAME_MAX + 1];
    char practice[16];
    json_t *json; /* the referral's fields and the moves open to it */
};

static json_t *instant_json(pcn_usec_t t)
{
    char s[PCN_INSTANT_STR_SIZE];

    if (!t)
        return json_null();
    pcn_instant_format(t, s);
    return json_string(s);
}

static json_t *moves_json(enum pcn_referral_state from)
{
    enum pcn_referral_state next[PCN_REFERRAL_STATE_COUNT_];
    size_t n = pcn_referral_next_states(from, next);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_string(pcn_referral_state_name(next[i]))) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int take_ref(const struct pcn_referral *ref, const struct pcn_referral_extra *x, void *ud)
{
    struct ref_info *i = ud;
    struct pcn_buf needs = PCN_BUF_INIT;

    i->found = true;
    i->version = ref->version;
    i->state = ref->state;
    (void)snprintf(i->patient_id, sizeof(i->patient_id), "%s", ref->patient_id);
    (void)snprintf(i->link_worker, sizeof(i->link_worker), "%s", ref->link_worker);
    (void)snprintf(i->practice, sizeof(i->practice), "%s",
                   x->has_patient && x->practice ? x->practice : "");
    if (pcn_asset_categories_format(ref->needs, &needs) == PCN_OK)
        i->json = json_pack(
            "{s:I,s:I,s:s,s:o,s:s?,s:s,s:s?,s:s,s:s?,s:s?,s:s?,s:s,s:s?,s:o,s:s?,s:s?,s:o,s:o}",
            "id", (json_int_t)ref->id, "version", (json_int_t)ref->version, "patient_id",
            ref->patient_id, "patient_key",
            x->has_patient ? json_integer(x->patient_key) : json_null(), "practice",
            x->has_patient ? x->practice : NULL, "state", pcn_referral_state_name(ref->state),
            "close_reason", ref->close_reason ? pcn_close_reason_name(ref->close_reason) : NULL,
            "source", pcn_referral_source_name(ref->source), "channel",
            ref->channel ? pcn_referral_channel_name(ref->channel) : NULL, "referrer",
            ref->referrer[0] ? ref->referrer : NULL, "worklist",
            ref->worklist[0] ? ref->worklist : NULL, "reason", ref->reason, "needs",
            needs.len ? needs.buf : NULL, "received", instant_json(ref->received_at), "link_worker",
            ref->link_worker[0] ? ref->link_worker : NULL, "what_matters",
            ref->what_matters[0] ? ref->what_matters : NULL, "updated",
            instant_json(ref->updated_at), "next_states", moves_json(ref->state));
    pcn_buf_release(&needs);
    return 1;
}

static void release_json(void *p)
{
    json_decref(p);
}

/* Read a referral (found false when there is none). */
static enum pcn_err read_ref(struct pcn__request *r, int64_t id, struct ref_info *ret)
{
    memset(ret, 0, sizeof(*ret));
    enum pcn_err rc = pcn_store_get_referral(r->store, id, take_ref, ret);
    if (rc == PCN_ENOTFOUND)
        return PCN_OK;
    if (rc == PCN_OK &&
        (!ret->json || pcn_arena_on_cleanup(r->arena, release_json, ret->json) != PCN_OK)) {
        json_decref(ret->json);
        ret->json = NULL;
        rc = PCN_ENOMEM;
    }
    return rc;
}

/* May the caller work on this referral? Replies 403 and returns false when not. */
static bool may_reach(struct pcn__request *r, const struct ref_info *i)
{
    switch (r->who.role) {
    case PCN_ROLE_CLINICAL_DIRECTOR:
    case PCN_ROLE_CLINICIAN:
        return true;
    case PCN_ROLE_PRACTICE_MANAGER:
        if (r->who.practice && strcmp(r->who.practice, i->practice) == 0)
            return true;
        pcn__reply_error(r, 403, "forbidden", "the patient is not registered at your practice");
        return false;
    case PCN_ROLE_LINK_WORKER:
        if (strcmp(r->who.name, i->link_worker) == 0)
            return true;
        pcn__reply_error(r, 403, "forbidden", "the referral is not in your caseload");
        return false;
    default:
        pcn__reply_error(r, 403, "forbidden", "your role sees aggregates only");
        return false;
    }
}

/*
 * The referral of route parameter 0, checked: replies 400 (bad id), 404 or
 * 403 and returns false when the caller cannot reach it. Names it as the
 * audited object.
 */
static bool reach(struct pcn__request *r, int64_t *ret_id, struct ref_info *ret)
{
    const char *s = pcn__param(r, 0);

    r->object_type = "sp_referral";
    r->object_id = s;
    if (!s || pcn_parse_range(s, strlen(s), 1, INT64_MAX, ret_id) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "the referral id is a positive number");
        return false;
    }
    enum pcn_err rc = read_ref(r, *ret_id, ret);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (!ret->found) {
        pcn__reply_error(r, 404, "not_found", "no referral %lld", (long long)*ret_id);
        return false;
    }
    return may_reach(r, ret);
}

enum pcn_err pcn__sp_in_caseload(struct pcn__request *r, const char *patient_id, bool *ret)
{
    struct pcn_referral_filter f = {
        .patient_id = patient_id, .link_worker = r->who.name, .open_only = 1};
    struct ref_info i;

    memset(&i, 0, sizeof(i));
    enum pcn_err rc = pcn_store_each_referral(r->store, &f, take_ref, &i);
    json_decref(i.json);
    *ret = rc == PCN_OK && i.found;
    return rc;
}

/* ---- reads ---- */

/* The referral and its timeline as one JSON object (NULL on failure, *e set). */
static json_t *timeline_json(struct pcn__request *r, int64_t id, struct pcn_error *e)
{
    struct pcn_table *t = NULL;
    struct ref_info i;
    enum pcn_err rc = read_ref(r, id, &i);

    if (rc == PCN_OK && !i.found)
        rc = pcn_error_set(e, PCN_ENOTFOUND, "no referral %lld", (long long)id);
    else if (rc != PCN_OK)
        pcn_error_set(e, rc, "%s", pcn_store_errmsg(r->store));
    if (rc == PCN_OK)
        rc = pcn_sp_view_timeline(r->store, id, &t, NULL, NULL, NULL, e);
    if (rc != PCN_OK)
        return NULL;
    json_t *j = pcn__table_json(t);
    pcn_table_free(t);
    if (j && json_object_set(j, "referral", i.json) != 0) {
        json_decref(j);
        j = NULL;
    }
    if (!j)
        pcn_error_set(e, PCN_ENOMEM, "out of memory");
    return j;
}

int pcn__api_sp_referral(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    struct ref_info i;
    struct pcn_error e;
    int64_t id = 0;

    if (!pcn__check_query(r, NULL) || !reach(r, &id, &i))
        return 0;
    json_t *j = timeline_json(r, id, &e);
    return j ? pcn__reply_json(r, 200, j) : pcn__sp_reply_error(r, e.code, &e, NULL);
}

static int reply_list(struct pcn__request *r, struct pcn_sp_view_opts *o, json_t *summary)
{
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t total = 0;
    enum pcn_err rc = pcn_sp_view_referrals(r->store, o, &t, &total, &e);

    if (rc != PCN_OK) {
        json_decref(summary);
        return pcn__sp_reply_error(r, rc, &e, NULL);
    }
    json_t *extra = json_pack("{s:I,s:I,s:I}", "total", (json_int_t)total, "limit",
                              (json_int_t)o->limit, "offset", (json_int_t)o->offset);
    if (extra && summary && json_object_set_new(extra, "summary", summary) != 0) {
        json_decref(extra);
        extra = NULL;
    } else if (!extra) {
        json_decref(summary);
    }
    return pcn__reply_table(r, PCN_OK, t, extra);
}

int pcn__api_sp_referrals(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"as_of", "link_worker", "patient", "open",
                                         "limit", "offset",      NULL};
    struct pcn_sp_view_opts o = {0};
    int64_t open = 0;

    r->object_type = "sp_referrals";
    if (!pcn__check_query(r, params) || !pcn__sp_now(r, &o.now) ||
        !pcn__query_int(r, "open", 0, 1, 0, &open) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &o.limit) ||
        !pcn__query_int(r, "offset", 0, MAX_OFFSET, 0, &o.offset))
        return 0;
    o.open_only = (int)open;
    o.link_worker = pcn__query(r, "link_worker");
    o.patient_id = pcn__query(r, "patient");
    if (!pcn__sp_narrow(r, &o))
        return 0;
    return reply_list(r, &o, NULL);
}

int pcn__api_sp_caseload(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"as_of", "link_worker", "limit", "offset", NULL};
    struct pcn_sp_view_opts o = {.open_only = 1};
    struct pcn_table *t = NULL;
    struct pcn_error e;

    r->object_type = "sp_caseload";
    if (!pcn__check_query(r, params) || !pcn__sp_now(r, &o.now) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, r->srv->cfg.max_page, &o.limit) ||
        !pcn__query_int(r, "offset", 0, MAX_OFFSET, 0, &o.offset))
        return 0;
    o.link_worker = pcn__query(r, "link_worker");
    if (!o.link_worker && r->who.role != PCN_ROLE_LINK_WORKER)
        return pcn__reply_error(r, 400, "invalid_parameter",
                                "link_worker: whose caseload (required for your role)");
    if (!pcn__sp_narrow(r, &o))
        return 0;
    r->object_id = o.link_worker;
    /* the caseload's figures: the link worker's row of the caseloads report */
    enum pcn_err rc = pcn_sp_view_caseloads(r->store, &o, &t, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    json_t *summary = pcn__table_json(t);
    pcn_table_free(t);
    if (!summary)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    return reply_list(r, &o, summary);
}

/* ---- writes ---- */

/*
 * Finish a write: the audit row and commit, then reply status with reply;
 * or roll back and reply the refusal, with the referral as it is now for a
 * conflict (referral_id 0: none to show).
 */
static json_t *referral_current(struct pcn__request *r, int64_t id)
{
    struct pcn_error ignored;

    return timeline_json(r, id, &ignored);
}

static int finish(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e, int status,
                  json_t *reply, int64_t referral_id)
{
    return pcn__sp_finish(r, rc, e, status, reply, referral_id ? referral_current : NULL,
                          referral_id);
}

static json_t *coded_json(const struct pcn_sp_coded_summary *c)
{
    return json_pack("{s:I,s:I,s:b}", "written", (json_int_t)c->written, "uncoded",
                     (json_int_t)c->uncoded, "patient_in_population", !c->no_patient);
}

/* Is name an enabled link worker's account? Replies 400 and returns false when not. */
struct user_look {
    bool found;
    bool is_link_worker;
    bool disabled;
};

static int look_user(const struct pcn_user *u, void *ud)
{
    struct user_look *l = ud;

    l->found = true;
    l->is_link_worker = strcmp(u->role, pcn_role_name(PCN_ROLE_LINK_WORKER)) == 0;
    l->disabled = u->disabled != 0;
    return 1;
}

static bool check_link_worker(struct pcn__request *r, const char *name)
{
    struct user_look l = {false, false, false};
    enum pcn_err rc = pcn_store_get_user(r->store, name, look_user, &l);

    if (rc != PCN_OK && rc != PCN_ENOTFOUND) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (!l.found || !l.is_link_worker || l.disabled) {
        pcn__reply_error(r, 400, "invalid_field", "link_worker: '%.64s' is not an active %s", name,
                         "link worker's account");
        return false;
    }
    return true;
}

/* A list member (categories): a ';'-separated string or an array of names. */
static bool body_categories(struct pcn__request *r, json_t *body, const char *name, uint32_t *ret)
{
    json_t *v = json_object_get(body, name);
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error e;
    bool ok = true;

    *ret = 0;
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        ok = pcn_buf_addf(&b, "%s", json_string_value(v)) == PCN_OK;
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            ok = ok && json_is_string(item) &&
                 pcn_buf_addf(&b, "%s%s", i ? ";" : "", json_string_value(item)) == PCN_OK;
        }
    } else {
        ok = false;
    }
    if (ok && b.len && pcn_asset_categories_parse(b.buf, ret, &e) != PCN_OK) {
        pcn_buf_release(&b);
        pcn__reply_error(r, 400, "invalid_field", "%s: %s", name, e.msg);
        return false;
    }
    pcn_buf_release(&b);
    if (!ok)
        pcn__reply_error(r, 400, "invalid_field", "%s: category names, as a list or ';'-separated",
                         name);
    return ok;
}

/* A time member (default when absent); replies 400 and returns false when bad. */
static bool body_time(struct pcn__request *r, json_t *body, const char *name, pcn_usec_t def,
                      pcn_usec_t *ret)
{
    const char *s = NULL;

    if (!pcn__sp_body_text(r, body, name, false, &s))
        return false;
    if (!s) {
        *ret = def;
        return true;
    }
    if (pcn_sp_time_parse(s, strlen(s), ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_field",
                         "%s: YYYY-MM-DD, YYYY-MM-DDThh:mm or YYYY-MM-DDThh:mm:ssZ (UTC)", name);
        return false;
    }
    return true;
}

static bool body_date(struct pcn__request *r, json_t *body, const char *name, int32_t def,
                      int32_t *ret)
{
    const char *s = NULL;

    if (!pcn__sp_body_text(r, body, name, false, &s))
        return false;
    if (!s) {
        *ret = def;
        return true;
    }
    if (pcn_date_parse(s, strlen(s), ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_field", "%s: a date YYYY-MM-DD", name);
        return false;
    }
    return true;
}

static const char *object_id(struct pcn__request *r, int64_t id)
{
    return pcn_arena_printf(r->arena, "%lld", (long long)id);
}

int pcn__api_sp_refer(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"patient_id",  "source", "channel", "referrer",
                                         "worklist",    "reason", "needs",   "received",
                                         "link_worker", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_referral ref = {0};
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_error e = {0};
    const char *source = NULL, *channel = NULL;
    int64_t id = 0;
    enum pcn_err rc;

    r->object_type = "sp_referral";
    if (!body || !pcn__check_query(r, NULL) ||
        !pcn__sp_body_text(r, body, "patient_id", true, &ref.patient_id) ||
        !pcn__sp_body_text(r, body, "source", true, &source) ||
        !pcn__sp_body_text(r, body, "channel", false, &channel) ||
        !pcn__sp_body_text(r, body, "referrer", false, &ref.referrer) ||
        !pcn__sp_body_text(r, body, "worklist", false, &ref.worklist) ||
        !pcn__sp_body_text(r, body, "reason", false, &ref.reason) ||
        !pcn__sp_body_text(r, body, "link_worker", false, &ref.link_worker) ||
        !body_categories(r, body, "needs", &ref.needs) ||
        !body_time(r, body, "received", pcn_now_usec(), &ref.received_at))
        return 0;
    if (pcn_referral_source_parse(source, &ref.source) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field",
                                "source: clinician, practice, self or community_group");
    if (channel && pcn_referral_channel_parse(channel, &ref.channel) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "channel: patient_view or worklist");
    if (r->who.role == PCN_ROLE_LINK_WORKER) {
        /* a link worker records referrals for their own caseload */
        if (ref.link_worker && strcmp(ref.link_worker, r->who.name) != 0)
            return pcn__reply_error(r, 403, "forbidden",
                                    "link workers record referrals for their own caseload");
        ref.link_worker = r->who.name;
    } else if (ref.link_worker && !check_link_worker(r, ref.link_worker)) {
        return 0;
    }
    ref.referrer = ref.referrer ? ref.referrer : "";
    ref.worklist = ref.worklist ? ref.worklist : "";
    ref.reason = ref.reason ? ref.reason : "";
    ref.link_worker = ref.link_worker ? ref.link_worker : "";
    ref.created_by = r->who.name;
    ref.updated_at = pcn_now_usec();
    if (ref.received_at > ref.updated_at + INT64_C(300000000))
        return pcn__reply_error(r, 400, "invalid_field", "received: in the future");
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_refer(r->store, &ref, pcn__sp_codes(r), &id, &coded, &e);
    if (rc == PCN_OK && r->who.role == PCN_ROLE_PRACTICE_MANAGER) {
        /* a practice manager refers their own practice's patients */
        struct ref_info i;
        rc = read_ref(r, id, &i);
        if (rc == PCN_OK && (!r->who.practice || strcmp(i.practice, r->who.practice) != 0)) {
            /* the answer for a patient not in the population: no counting other practices' */
            pcn__rollback(r);
            return pcn__reply_error(r, 404, "not_found", "patient_id: %s is not in the population",
                                    ref.patient_id);
        }
    }
    if (rc == PCN_OK)
        r->object_id = object_id(r, id);
    return finish(r, rc, &e, 201,
                  json_pack("{s:I,s:I,s:s,s:o}", "id", (json_int_t)id, "version", (json_int_t)1,
                            "state", "received", "coded", coded_json(&coded)),
                  0);
}

/* The version read, required by every change of a referral. */
static bool change_of(struct pcn__request *r, json_t *body, int64_t id, struct pcn_sp_change *c)
{
    *c = (struct pcn_sp_change){id, 0, r->who.name, pcn_now_usec()};
    return pcn__sp_body_int(r, body, "version", true, 1, INT64_MAX, 0, &c->version);
}

static json_t *versioned_json(int64_t id, int64_t version, const char *state)
{
    json_t *j = json_pack("{s:I,s:I}", "id", (json_int_t)id, "version", (json_int_t)version);

    if (j && state && json_object_set_new(j, "state", json_string(state)) != 0) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

int pcn__api_sp_move(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"version", "to", "reason", "note", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_sp_change c;
    struct ref_info i;
    struct pcn_error e = {0};
    enum pcn_referral_state to;
    enum pcn_close_reason reason = PCN_CLOSE_NONE;
    const char *to_s = NULL, *reason_s = NULL, *note = NULL;
    int64_t id = 0, version = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) || !change_of(r, body, id, &c) ||
        !pcn__sp_body_text(r, body, "to", true, &to_s) ||
        !pcn__sp_body_text(r, body, "reason", false, &reason_s) ||
        !pcn__sp_body_text(r, body, "note", false, &note))
        return 0;
    if (pcn_referral_state_parse(to_s, &to) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "to: not a referral state");
    if (reason_s && pcn_close_reason_parse(reason_s, &reason) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "reason: not a reason for closing");
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_move(r->store, &c, to, reason, note, pcn__sp_codes(r), &version, &coded, &e);
    json_t *reply = versioned_json(id, version, pcn_referral_state_name(to));
    if (reply && json_object_set_new(reply, "coded", coded_json(&coded)) != 0) {
        json_decref(reply);
        reply = NULL;
    }
    return finish(r, rc, &e, 200, reply, id);
}

int pcn__api_sp_assign(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"version", "link_worker", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_sp_change c;
    struct ref_info i;
    struct pcn_error e = {0};
    const char *lw = NULL;
    int64_t id = 0, version = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) || !change_of(r, body, id, &c) ||
        !pcn__sp_body_text(r, body, "link_worker", false, &lw))
        return 0;
    if (lw && *lw && !check_link_worker(r, lw))
        return 0;
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_assign(r->store, &c, lw ? lw : "", &version, &e);
    return finish(r, rc, &e, 200, versioned_json(id, version, NULL), id);
}

int pcn__api_sp_plan(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"version", "what_matters", "needs", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_sp_change c;
    struct ref_info i;
    struct pcn_error e = {0};
    const char *what = NULL;
    uint32_t needs = 0;
    int64_t id = 0, version = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) || !change_of(r, body, id, &c) ||
        !pcn__sp_body_text(r, body, "what_matters", true, &what) ||
        !body_categories(r, body, "needs", &needs))
        return 0;
    enum pcn_err rc = pcn_text_check("what_matters", what, PCN_REFERRAL_TEXT_MAX, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_plan(r->store, &c, what, needs, &version, &e);
    return finish(r, rc, &e, 200, versioned_json(id, version, NULL), id);
}

int pcn__api_sp_contact(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"type", "minutes", "at", "reached", "notes", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_contact ct = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    const char *type = NULL;
    int64_t id = 0, minutes = 0, cid = 0;
    pcn_usec_t now = pcn_now_usec();
    json_t *reached;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) ||
        !pcn__sp_body_text(r, body, "type", true, &type) ||
        !pcn__sp_body_int(r, body, "minutes", true, 0, PCN_CONTACT_MAX_MINUTES, 0, &minutes) ||
        !body_time(r, body, "at", now, &ct.at) ||
        !pcn__sp_body_text(r, body, "notes", false, &ct.notes))
        return 0;
    if (pcn_contact_type_parse(type, &ct.type) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field",
                                "type: face_to_face, telephone, video, home_visit, group or "
                                "message");
    reached = json_object_get(body, "reached");
    if (reached && !json_is_boolean(reached))
        return pcn__reply_error(r, 400, "invalid_field", "reached: true or false");
    ct.referral_id = id;
    ct.minutes = (int)minutes;
    ct.successful = !reached || json_is_true(reached);
    ct.by = r->who.name;
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_contact(r->store, &ct, now, &cid, &e);
    return finish(r, rc, &e, 201,
                  json_pack("{s:I,s:I}", "id", (json_int_t)cid, "referral_id", (json_int_t)id), id);
}

static bool goal_status(struct pcn__request *r, json_t *body, enum pcn_goal_status *ret)
{
    const char *s = NULL;

    *ret = PCN_GOAL_OPEN;
    if (!pcn__sp_body_text(r, body, "status", false, &s))
        return false;
    if (s && pcn_goal_status_parse(s, ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_field",
                         "status: open, achieved, partly_achieved, not_achieved or dropped");
        return false;
    }
    return true;
}

int pcn__api_sp_goal_add(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"text", "target_date", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_goal g = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    int64_t id = 0, gid = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) ||
        !pcn__sp_body_text(r, body, "text", true, &g.text) ||
        !body_date(r, body, "target_date", PCN_DATE_NONE, &g.target_date))
        return 0;
    g.referral_id = id;
    g.status = PCN_GOAL_OPEN;
    g.updated_at = pcn_now_usec();
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_add_goal(r->store, &g, &gid, &e);
    return finish(r, rc, &e, 201, versioned_json(gid, 1, NULL), id);
}

int pcn__api_sp_goal_update(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"version", "text", "status", "target_date", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *gs = pcn__param(r, 1);
    struct pcn_goal g = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    int64_t id = 0, version = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i))
        return 0;
    if (!gs || pcn_parse_range(gs, strlen(gs), 1, INT64_MAX, &g.id) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_parameter", "the goal id is a positive number");
    if (!pcn__sp_body_int(r, body, "version", true, 1, INT64_MAX, 0, &g.version) ||
        !pcn__sp_body_text(r, body, "text", true, &g.text) || !goal_status(r, body, &g.status) ||
        !body_date(r, body, "target_date", PCN_DATE_NONE, &g.target_date))
        return 0;
    g.referral_id = id;
    g.updated_at = pcn_now_usec();
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_update_goal(r->store, &g, &version, &e);
    return finish(r, rc, &e, 200, versioned_json(g.id, version, NULL), id);
}

int pcn__api_sp_connect(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"asset_id", "connected_on", "note", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_connection c = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    int64_t id = 0, cid = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) ||
        !pcn__sp_body_int(r, body, "asset_id", true, 1, INT64_MAX, 0, &c.asset_id) ||
        !body_date(r, body, "connected_on", pcn_date_today(), &c.connected_on) ||
        !pcn__sp_body_text(r, body, "note", false, &c.note))
        return 0;
    if (c.connected_on > pcn_date_today())
        return pcn__reply_error(r, 400, "invalid_field", "connected_on: in the future");
    c.referral_id = id;
    c.note = c.note ? c.note : "";
    c.attendance = PCN_ATTENDANCE_UNKNOWN;
    c.updated_at = pcn_now_usec();
    enum pcn_err rc = pcn_text_check("note", c.note, PCN_NOTE_MAX, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_connect(r->store, &c, &cid, &e);
    return finish(r, rc == PCN_ENOTFOUND ? PCN_EINVAL : rc, &e, 201, versioned_json(cid, 1, NULL),
                  id);
}

int pcn__api_sp_connection_update(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"version", "attendance", "note", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *cs = pcn__param(r, 1);
    struct pcn_connection c = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    const char *att = NULL;
    int64_t id = 0, version = 0;

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i))
        return 0;
    if (!cs || pcn_parse_range(cs, strlen(cs), 1, INT64_MAX, &c.id) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_parameter",
                                "the connection id is a positive number");
    if (!pcn__sp_body_int(r, body, "version", true, 1, INT64_MAX, 0, &c.version) ||
        !pcn__sp_body_text(r, body, "attendance", true, &att) ||
        !pcn__sp_body_text(r, body, "note", false, &c.note))
        return 0;
    if (pcn_attendance_parse(att, &c.attendance) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field",
                                "attendance: attended, did_not_attend or unknown");
    c.referral_id = id;
    c.note = c.note ? c.note : "";
    c.updated_at = pcn_now_usec();
    enum pcn_err rc = pcn_text_check("note", c.note, PCN_NOTE_MAX, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_update_connection(r->store, &c, &version, &e);
    return finish(r, rc, &e, 200, versioned_json(c.id, version, NULL), id);
}

/* The answers: an array of integers, null for an item not answered. */
static bool body_items(struct pcn__request *r, json_t *body, enum pcn_instrument in,
                       struct pcn_outcome *o)
{
    json_t *a = json_object_get(body, "items");
    int n = pcn_instrument_items(in);
    size_t i;
    json_t *v;

    if (!json_is_array(a) || json_array_size(a) != (size_t)n) {
        pcn__reply_error(r, 400, "invalid_field", "items: a list of the %d answers of %s", n,
                         pcn_instrument_name(in));
        return false;
    }
    json_array_foreach(a, i, v)
    {
        if (json_is_null(v)) {
            o->items[i] = PCN_ITEM_MISSING;
        } else if (json_is_integer(v) && json_integer_value(v) >= -1000 &&
                   json_integer_value(v) <= 1000) {
            o->items[i] = (int)json_integer_value(v);
        } else {
            pcn__reply_error(r, 400, "invalid_field", "items: item %zu is not a whole number",
                             i + 1);
            return false;
        }
    }
    return true;
}

int pcn__api_sp_outcome_add(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"instrument", "items", "at", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_outcome o = {0};
    struct ref_info i;
    struct pcn_error e = {0};
    enum pcn_instrument in;
    const char *in_s = NULL;
    int64_t id = 0, oid = 0;
    pcn_usec_t now = pcn_now_usec();

    if (!body || !pcn__check_query(r, NULL) || !reach(r, &id, &i) ||
        !pcn__sp_body_text(r, body, "instrument", true, &in_s) ||
        !body_time(r, body, "at", now, &o.at))
        return 0;
    if (pcn_instrument_parse(in_s, &in) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "instrument: ons4, swemwbs or wemwbs");
    if (!body_items(r, body, in, &o))
        return 0;
    if (o.at > now + INT64_C(300000000))
        return pcn__reply_error(r, 400, "invalid_field", "at: in the future");
    o.referral_id = id;
    o.instrument = (int)in;
    o.recorded_by = r->who.name;
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_record_outcome(r->store, &o, pcn__sp_codes(r), &oid, &coded, &e);
    json_t *reply =
        json_pack("{s:I,s:I,s:s,s:o}", "id", (json_int_t)oid, "referral_id", (json_int_t)id,
                  "instrument", pcn_instrument_name(in), "coded", coded_json(&coded));
    if (reply && in == PCN_INSTRUMENT_SWEMWBS && rc == PCN_OK) {
        int raw = 0;
        double metric = 0;
        struct pcn_error ignored;
        if (pcn_swemwbs_score(o.items, &raw, &metric, &ignored) == PCN_OK &&
            (json_object_set_new(reply, "raw", json_integer(raw)) != 0 ||
             json_object_set_new(reply, "metric", json_real(metric)) != 0)) {
            json_decref(reply);
            reply = NULL;
        }
    }
    return finish(r, rc, &e, 201, reply, id);
}
