/*
 * sp.c - social prescribing services (pcn/sp_ops.h): the directory's
 * import and load, and the referral workflow over the store's sp domain,
 * each step checked against the domain's rules (pcn/referral.h) and coded
 * into the patient's record (pcn/sp_coding.h). Invariant: every call works
 * inside the caller's transaction and reads the referral it changes first,
 * so a refusal names the current state.
 */
#include "pcn/sp_ops.h"

#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/vec.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "util/common.h"

#define USEC_PER_DAY INT64_C(86400000000)

static enum pcn_err store_error(struct pcn_store *s, enum pcn_err rc, struct pcn_error *reterr)
{
    return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
}

/* ---- directory ---- */

enum pcn_err pcn_sp_import_assets(struct pcn_store *s, const char *path, const struct pcn_geo *geo,
                                  int32_t as_of, struct pcn_asset_import *ret,
                                  struct pcn_error *reterr)
{
    struct pcn_directory *d = pcn_directory_new();
    enum pcn_err rc = d ? pcn_directory_read_csv(d, path, geo, as_of, ret, reterr)
                        : pcn_error_set(reterr, PCN_ENOMEM, "out of memory");

    if (rc == PCN_OK)
        rc = pcn_sp_store_directory(s, d, path, reterr);
    pcn_directory_free(d);
    return rc;
}

enum pcn_err pcn_sp_store_directory(struct pcn_store *s, const struct pcn_directory *d,
                                    const char *name, struct pcn_error *reterr)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; rc == PCN_OK && i < pcn_directory_count(d); i++) {
        struct pcn_asset a = *pcn_directory_at(d, i);
        a.version = 0; /* the file is the newer truth */
        rc = pcn_store_put_asset(s, &a, NULL, NULL);
        if (rc == PCN_ENOTFOUND)
            rc = pcn_error_set(reterr, rc,
                               "%s: asset %lld (row %zu) is not in the directory; "
                               "leave id empty to add it",
                               name, (long long)a.id, i + 1);
        else if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "%s: row %zu: %s", name, i + 1, pcn_store_errmsg(s));
    }
    return rc;
}

enum pcn_err pcn_sp_put_asset(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                              int64_t *ret_version, struct pcn_error *reterr)
{
    if (a->id < 0 || (a->id && a->version < 1))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "version: an update names the version of the asset it read");
    enum pcn_err rc = pcn_store_put_asset(s, a, ret_id, ret_version);
    if (rc == PCN_OK && !a->id && ret_version)
        *ret_version = 1;
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

struct load_ctx {
    struct pcn_directory *d;
    struct pcn_error *err;
    enum pcn_err rc;
};

static int load_asset(const struct pcn_asset *a, void *ud)
{
    struct load_ctx *c = ud;

    c->rc = pcn_directory_add(c->d, a, NULL, c->err);
    return c->rc != PCN_OK;
}

enum pcn_err pcn_sp_load_directory(struct pcn_store *s, struct pcn_directory **ret,
                                   struct pcn_error *reterr)
{
    struct load_ctx c = {pcn_directory_new(), NULL, PCN_OK};

    c.err = reterr; /* an out-parameter: written, never read */

    if (!c.d)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    enum pcn_err rc = pcn_store_each_asset(s, load_asset, &c);
    if (rc != PCN_OK)
        rc = store_error(s, rc, reterr);
    else
        rc = c.rc;
    if (rc != PCN_OK) {
        pcn_directory_free(c.d);
        return rc;
    }
    *ret = c.d;
    return PCN_OK;
}

/* ---- coding back ---- */

static void summary_clear(struct pcn_sp_coded_summary *sum)
{
    if (sum)
        memset(sum, 0, sizeof(*sum));
}

/* Write the events of one happening; a patient not in the population is noted, not an error. */
static enum pcn_err write_coded(struct pcn_store *s, const struct pcn_sp_coded *coded,
                                struct pcn_sp_coded_summary *sum, struct pcn_error *reterr)
{
    if (sum)
        sum->uncoded += coded->n_uncoded;
    for (size_t i = 0; i < coded->n; i++) {
        enum pcn_err rc = pcn_store_add_coded_event(s, &coded->event[i]);
        if (rc == PCN_ENOTFOUND) {
            if (sum)
                sum->no_patient = 1;
            return PCN_OK;
        }
        if (rc != PCN_OK)
            return store_error(s, rc, reterr);
        if (sum)
            sum->written++;
    }
    return PCN_OK;
}

static int32_t day_of(pcn_usec_t t)
{
    return (int32_t)(t / USEC_PER_DAY);
}

/* ---- referrals ---- */

/* A copy of one referral, strings included, for the read-modify-write of a change. */
struct held {
    int found;
    struct pcn_referral r;
    char patient_id[PCN_REFERRAL_NAME_MAX + 1];
    char link_worker[PCN_REFERRAL_NAME_MAX + 1];
    char referrer[PCN_REFERRAL_NAME_MAX + 1];
    char worklist[PCN_REFERRAL_NAME_MAX + 1];
    char created_by[PCN_REFERRAL_NAME_MAX + 1];
    char *reason;
    char *what_matters;
};

static void held_release(struct held *h)
{
    pcn_free(h->reason);
    pcn_free(h->what_matters);
}

static int hold(const struct pcn_referral *r, const struct pcn_referral_extra *x, void *ud)
{
    struct held *h = ud;

    (void)x;
    h->found = 1;
    h->r = *r;
    (void)snprintf(h->patient_id, sizeof(h->patient_id), "%s", r->patient_id);
    (void)snprintf(h->link_worker, sizeof(h->link_worker), "%s", r->link_worker);
    (void)snprintf(h->referrer, sizeof(h->referrer), "%s", r->referrer);
    (void)snprintf(h->worklist, sizeof(h->worklist), "%s", r->worklist);
    (void)snprintf(h->created_by, sizeof(h->created_by), "%s", r->created_by);
    h->reason = pcn_strdup(r->reason ? r->reason : "");
    h->what_matters = pcn_strdup(r->what_matters ? r->what_matters : "");
    h->r.patient_id = h->patient_id;
    h->r.link_worker = h->link_worker;
    h->r.referrer = h->referrer;
    h->r.worklist = h->worklist;
    h->r.created_by = h->created_by;
    h->r.reason = h->reason;
    h->r.what_matters = h->what_matters;
    return 1;
}

/* Read the referral a change is about and check the version the caller read. */
static enum pcn_err read_for_change(struct pcn_store *s, const struct pcn_sp_change *c,
                                    struct held *h, struct pcn_error *reterr)
{
    memset(h, 0, sizeof(*h));
    if (!c->by || !*c->by)
        return pcn_error_set(reterr, PCN_EINVAL, "by: who made the change is missing");
    enum pcn_err rc = pcn_store_get_referral(s, c->referral_id, hold, h);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!h->reason || !h->what_matters)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (h->r.version != c->version)
        return pcn_error_set(reterr, PCN_ECONFLICT,
                             "referral %lld was changed by someone else (version %lld, not %lld)",
                             (long long)c->referral_id, (long long)h->r.version,
                             (long long)c->version);
    return PCN_OK;
}

/* Store the held referral with its changes; the new version in *ret_version. */
static enum pcn_err save_change(struct pcn_store *s, struct held *h, const struct pcn_sp_change *c,
                                int64_t *ret_version, struct pcn_error *reterr)
{
    h->r.updated_at = c->at;
    enum pcn_err rc = pcn_store_update_referral(s, &h->r, ret_version);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

enum pcn_err pcn_sp_refer(struct pcn_store *s, const struct pcn_referral *r,
                          const struct pcn_sp_codes *codes, int64_t *ret_id,
                          struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr)
{
    struct pcn_referral n = *r;
    struct pcn_sp_coded coded;
    int64_t key = 0;

    summary_clear(ret_coded);
    n.state = PCN_REFERRAL_RECEIVED;
    n.close_reason = PCN_CLOSE_NONE;
    n.what_matters = n.what_matters ? n.what_matters : "";
    if (!n.updated_at)
        n.updated_at = n.received_at;
    enum pcn_err rc = pcn_referral_check(&n, reterr);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_find_patient(s, n.patient_id, &key);
    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, rc, "patient_id: %s is not in the population", n.patient_id);
    if (rc == PCN_OK)
        rc = pcn_store_add_referral(s, &n, ret_id);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    pcn_sp_code_referral(codes, n.patient_id, day_of(n.received_at), &coded);
    return write_coded(s, &coded, ret_coded, reterr);
}

enum pcn_err pcn_sp_move(struct pcn_store *s, const struct pcn_sp_change *c,
                         enum pcn_referral_state to, enum pcn_close_reason reason, const char *note,
                         const struct pcn_sp_codes *codes, int64_t *ret_version,
                         struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr)
{
    struct held h = {0};
    struct pcn_sp_coded coded;

    summary_clear(ret_coded);
    enum pcn_err rc = read_for_change(s, c, &h, reterr);
    if (rc == PCN_OK)
        rc = pcn_referral_check_transition(h.r.state, to, reason, reterr);
    if (rc == PCN_OK && note)
        rc = pcn_text_check("note", note, PCN_NOTE_MAX, reterr);
    if (rc != PCN_OK)
        goto out;
    struct pcn_referral_transition t = {h.r.state, to, c->at, c->by, reason, note};
    h.r.state = to;
    h.r.close_reason = reason;
    rc = save_change(s, &h, c, ret_version, reterr);
    if (rc == PCN_OK) {
        rc = pcn_store_add_transition(s, c->referral_id, &t);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    if (rc == PCN_OK && to == PCN_REFERRAL_DECLINED) {
        pcn_sp_code_declined(codes, h.r.patient_id, day_of(c->at), &coded);
        rc = write_coded(s, &coded, ret_coded, reterr);
    }
out:
    held_release(&h);
    return rc;
}

enum pcn_err pcn_sp_assign(struct pcn_store *s, const struct pcn_sp_change *c,
                           const char *link_worker, int64_t *ret_version, struct pcn_error *reterr)
{
    struct held h = {0};
    enum pcn_err rc = read_for_change(s, c, &h, reterr);

    if (rc == PCN_OK && pcn_referral_state_is_final(h.r.state))
        rc = pcn_error_set(reterr, PCN_ECONFLICT, "referral %lld is %s: it cannot be reassigned",
                           (long long)c->referral_id, pcn_referral_state_name(h.r.state));
    if (rc == PCN_OK) {
        h.r.link_worker = link_worker ? link_worker : "";
        rc = save_change(s, &h, c, ret_version, reterr);
    }
    held_release(&h);
    return rc;
}

enum pcn_err pcn_sp_plan(struct pcn_store *s, const struct pcn_sp_change *c,
                         const char *what_matters, uint32_t needs, int64_t *ret_version,
                         struct pcn_error *reterr)
{
    struct held h = {0};
    enum pcn_err rc = read_for_change(s, c, &h, reterr);

    if (rc == PCN_OK && pcn_referral_state_is_final(h.r.state))
        rc = pcn_error_set(reterr, PCN_ECONFLICT, "referral %lld is %s: its plan is kept as it was",
                           (long long)c->referral_id, pcn_referral_state_name(h.r.state));
    if (rc == PCN_OK) {
        h.r.what_matters = what_matters ? what_matters : "";
        if (needs)
            h.r.needs = needs;
        rc = save_change(s, &h, c, ret_version, reterr);
    }
    held_release(&h);
    return rc;
}

/* A referral a record is added to: it must exist and not have ended for good. */
static enum pcn_err open_referral(struct pcn_store *s, int64_t id, const char *what, struct held *h,
                                  struct pcn_error *reterr)
{
    memset(h, 0, sizeof(*h));
    enum pcn_err rc = pcn_store_get_referral(s, id, hold, h);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!h->reason || !h->what_matters)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (pcn_referral_state_is_final(h->r.state))
        return pcn_error_set(reterr, PCN_ECONFLICT,
                             "referral %lld is %s: a %s belongs to a new referral", (long long)id,
                             pcn_referral_state_name(h->r.state), what);
    return PCN_OK;
}

enum pcn_err pcn_sp_contact(struct pcn_store *s, const struct pcn_contact *c, pcn_usec_t now,
                            int64_t *ret_id, struct pcn_error *reterr)
{
    struct held h = {0};
    enum pcn_err rc = pcn_contact_check(c, now, reterr);

    if (rc == PCN_OK)
        rc = open_referral(s, c->referral_id, "contact", &h, reterr);
    if (rc == PCN_OK && c->at < h.r.received_at)
        rc = pcn_error_set(reterr, PCN_EINVAL, "at: the contact is before the referral arrived");
    if (rc == PCN_OK) {
        rc = pcn_store_add_contact(s, c, ret_id);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    held_release(&h);
    return rc;
}

static int count_goal(const struct pcn_goal *g, void *ud)
{
    (void)g;
    (*(size_t *)ud)++;
    return 0;
}

enum pcn_err pcn_sp_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id,
                             struct pcn_error *reterr)
{
    struct held h = {0};
    size_t n = 0;
    enum pcn_err rc = pcn_goal_check_text(g->text, reterr);

    if (rc == PCN_OK)
        rc = open_referral(s, g->referral_id, "goal", &h, reterr);
    if (rc == PCN_OK && pcn_store_each_goal(s, g->referral_id, count_goal, &n) != PCN_OK)
        rc = store_error(s, PCN_ESTORAGE, reterr);
    if (rc == PCN_OK && n >= PCN_PLAN_MAX_GOALS)
        rc = pcn_error_set(reterr, PCN_ELIMIT, "a plan holds at most %d goals", PCN_PLAN_MAX_GOALS);
    if (rc == PCN_OK) {
        rc = pcn_store_add_goal(s, g, ret_id);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    held_release(&h);
    return rc;
}

/* Whether record `id` is one of a referral's (its goals or connections). */
struct owned {
    int64_t id;
    int found;
};

static int own_goal(const struct pcn_goal *g, void *ud)
{
    struct owned *o = ud;

    o->found |= g->id == o->id;
    return o->found;
}

static int own_connection(const struct pcn_connection *c, uint32_t categories, const char *name,
                          void *ud)
{
    struct owned *o = ud;

    (void)categories;
    (void)name;
    o->found |= c->id == o->id;
    return o->found;
}

static enum pcn_err not_owned(struct pcn_store *s, enum pcn_err rc, const struct owned *o,
                              const char *what, int64_t referral_id, struct pcn_error *reterr)
{
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!o->found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "referral %lld has no %s %lld",
                             (long long)referral_id, what, (long long)o->id);
    return PCN_OK;
}

enum pcn_err pcn_sp_update_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_version,
                                struct pcn_error *reterr)
{
    struct owned own = {g->id, 0};
    enum pcn_err rc = pcn_goal_check_text(g->text, reterr);

    if (rc == PCN_OK)
        rc = not_owned(s, pcn_store_each_goal(s, g->referral_id, own_goal, &own), &own, "goal",
                       g->referral_id, reterr);

    if (rc == PCN_OK && !pcn_goal_status_name(g->status))
        rc = pcn_error_set(reterr, PCN_EINVAL, "status: unknown goal status");
    if (rc == PCN_OK) {
        rc = pcn_store_update_goal(s, g, ret_version);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    return rc;
}

struct asset_look {
    int found;
    int active;
};

static int look_asset(const struct pcn_asset *a, void *ud)
{
    struct asset_look *l = ud;

    l->found = 1;
    l->active = a->active;
    return 1;
}

enum pcn_err pcn_sp_connect(struct pcn_store *s, const struct pcn_connection *c, int64_t *ret_id,
                            struct pcn_error *reterr)
{
    struct held h = {0};
    struct asset_look look = {0, 0};
    enum pcn_err rc = open_referral(s, c->referral_id, "connection", &h, reterr);

    if (rc == PCN_OK) {
        rc = pcn_store_get_asset(s, c->asset_id, look_asset, &look);
        if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "asset_id: %s", pcn_store_errmsg(s));
    }
    if (rc == PCN_OK && !look.active)
        rc = pcn_error_set(reterr, PCN_ECONFLICT, "asset_id: asset %lld has closed",
                           (long long)c->asset_id);
    if (rc == PCN_OK) {
        rc = pcn_store_add_connection(s, c, ret_id);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    held_release(&h);
    return rc;
}

enum pcn_err pcn_sp_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_version, struct pcn_error *reterr)
{
    struct owned own = {c->id, 0};
    enum pcn_err rc =
        not_owned(s, pcn_store_each_connection(s, c->referral_id, own_connection, &own), &own,
                  "connection", c->referral_id, reterr);

    if (rc == PCN_OK && !pcn_attendance_name(c->attendance))
        rc = pcn_error_set(reterr, PCN_EINVAL, "attendance: unknown");
    if (rc == PCN_OK) {
        rc = pcn_store_update_connection(s, c, ret_version);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    return rc;
}

enum pcn_err pcn_sp_record_outcome(struct pcn_store *s, const struct pcn_outcome *o,
                                   const struct pcn_sp_codes *codes, int64_t *ret_id,
                                   struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr)
{
    struct held h = {0};
    struct pcn_sp_coded coded;
    enum pcn_instrument in = (enum pcn_instrument)o->instrument;
    int n = pcn_instrument_items(in);

    summary_clear(ret_coded);
    enum pcn_err rc = n ? pcn_instrument_validate(in, o->items, (size_t)n, reterr)
                        : pcn_error_set(reterr, PCN_EINVAL, "instrument: unknown measure");
    if (rc == PCN_OK)
        rc = open_referral(s, o->referral_id, "questionnaire", &h, reterr);
    if (rc == PCN_OK && o->at < h.r.received_at)
        rc = pcn_error_set(reterr, PCN_EINVAL,
                           "at: the questionnaire is before the referral arrived");
    if (rc == PCN_OK) {
        rc = pcn_store_add_outcome(s, o, ret_id);
        if (rc != PCN_OK)
            rc = store_error(s, rc, reterr);
    }
    if (rc == PCN_OK)
        rc = pcn_sp_code_measure(codes, h.r.patient_id, day_of(o->at), in, o->items, (size_t)n,
                                 &coded, reterr);
    if (rc == PCN_OK)
        rc = write_coded(s, &coded, ret_coded, reterr);
    held_release(&h);
    return rc;
}

/* ---- recoding ---- */

/* What recoding writes, gathered by walks before anything is written. */
struct recode_item {
    int64_t referral_id;
    int kind; /* 0 referral, 1 declined, 2 questionnaire */
    int32_t date;
    int instrument;
    int items[PCN_WEMWBS_ITEMS];
};

struct recode_ctx {
    struct recode_item *items;
    size_t n, alloc;
    char **patient; /* patient of referral ids[i] */
    int64_t *ids;   /* referral ids in walk (id) order */
    size_t n_ids, alloc_ids, alloc_patient;
    enum pcn_err rc;
};

static struct recode_item *recode_add(struct recode_ctx *c)
{
    if (PCN_GROW(c->items, c->n + 1, c->alloc) != PCN_OK) {
        c->rc = PCN_ENOMEM;
        return NULL;
    }
    struct recode_item *it = &c->items[c->n++];
    memset(it, 0, sizeof(*it));
    return it;
}

static int gather_referral(const struct pcn_referral *r, const struct pcn_referral_extra *x,
                           void *ud)
{
    struct recode_ctx *c = ud;
    struct recode_item *it = recode_add(c);

    (void)x;
    if (!it || PCN_GROW(c->ids, c->n_ids + 1, c->alloc_ids) != PCN_OK ||
        PCN_GROW(c->patient, c->n_ids + 1, c->alloc_patient) != PCN_OK) {
        c->rc = PCN_ENOMEM;
        return 1;
    }
    c->patient[c->n_ids] = pcn_strdup(r->patient_id);
    c->ids[c->n_ids] = r->id;
    if (!c->patient[c->n_ids]) {
        c->rc = PCN_ENOMEM;
        return 1;
    }
    c->n_ids++;
    it->referral_id = r->id;
    it->date = day_of(r->received_at);
    return 0;
}

static int gather_decline(int64_t referral_id, const struct pcn_referral_transition *t, void *ud)
{
    struct recode_ctx *c = ud;

    if (t->to != PCN_REFERRAL_DECLINED)
        return 0;
    struct recode_item *it = recode_add(c);
    if (!it)
        return 1;
    it->referral_id = referral_id;
    it->kind = 1;
    it->date = day_of(t->at);
    return 0;
}

static int gather_outcome(const struct pcn_outcome *o, void *ud)
{
    struct recode_ctx *c = ud;
    struct recode_item *it = recode_add(c);

    if (!it)
        return 1;
    it->referral_id = o->referral_id;
    it->kind = 2;
    it->date = day_of(o->at);
    it->instrument = o->instrument;
    memcpy(it->items, o->items, sizeof(it->items));
    return 0;
}

/* The patient of a referral (ids are in ascending order: the walk's). */
static const char *patient_of(const struct recode_ctx *c, int64_t referral_id)
{
    size_t lo = 0, hi = c->n_ids;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ids[mid] < referral_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n_ids && c->ids[lo] == referral_id ? c->patient[lo] : NULL;
}

static enum pcn_err recode_one(struct pcn_store *s, const struct pcn_sp_codes *codes,
                               const struct recode_item *it, const char *patient,
                               struct pcn_sp_coded_summary *sum, struct pcn_error *reterr)
{
    struct pcn_sp_coded coded;
    enum pcn_instrument in = (enum pcn_instrument)it->instrument;

    if (it->kind == 0) {
        pcn_sp_code_referral(codes, patient, it->date, &coded);
    } else if (it->kind == 1) {
        pcn_sp_code_declined(codes, patient, it->date, &coded);
    } else {
        struct pcn_error ignored;
        if (pcn_sp_code_measure(codes, patient, it->date, in, it->items,
                                (size_t)pcn_instrument_items(in), &coded, &ignored) != PCN_OK)
            return PCN_OK; /* stored answers were validated when recorded */
    }
    struct pcn_sp_coded_summary one = {0, 0, 0};
    enum pcn_err rc = write_coded(s, &coded, &one, reterr);
    if (sum) {
        sum->written += one.written;
        sum->uncoded += one.uncoded;
        sum->no_patient += one.no_patient;
    }
    return rc;
}

enum pcn_err pcn_sp_recode(struct pcn_store *s, const struct pcn_sp_codes *codes,
                           struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr)
{
    struct recode_ctx c = {0};
    int64_t removed = 0;
    enum pcn_err rc;

    summary_clear(ret_coded);
    rc = pcn_store_each_referral(s, NULL, gather_referral, &c);
    if (rc == PCN_OK)
        rc = pcn_store_each_transition(s, 0, gather_decline, &c);
    if (rc == PCN_OK)
        rc = pcn_store_each_outcome(s, 0, gather_outcome, &c);
    if (rc == PCN_OK)
        rc = pcn_store_delete_coded_events(s, PCN_SP_SOURCE, NULL, &removed);
    if (rc != PCN_OK)
        rc = store_error(s, rc, reterr);
    else if (c.rc != PCN_OK)
        rc = pcn_error_set(reterr, c.rc, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < c.n; i++) {
        const char *patient = patient_of(&c, c.items[i].referral_id);
        if (patient)
            rc = recode_one(s, codes, &c.items[i], patient, ret_coded, reterr);
    }
    for (size_t i = 0; i < c.n_ids; i++)
        pcn_free(c.patient[i]);
    pcn_free(c.patient);
    pcn_free(c.ids);
    pcn_free(c.items);
    return rc;
}
