/*
 * views_sp.c - the social prescribing result kinds (pcn/sp_views.h): each
 * reads the store's sp domain (and, for rates, the population and the
 * LSOA deprivation table), computes with pcn/sp_report.h and fills a
 * result table of a fixed kind, suppressing small numbers when asked.
 * Invariant: column names and types are fixed per kind here and in
 * docs/api.md; nothing else builds these tables.
 */
#include "pcn/sp_views.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/sp_report.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "pcn/vec.h"
#include "util/common.h"

#define USEC_PER_DAY INT64_C(86400000000)

/* ---- table helpers ---- */

struct col {
    const char *name;
    enum pcn_col_type type;
};

static struct pcn_table *new_table(const char *kind, const struct col *cols, size_t n)
{
    const char *names[32];
    enum pcn_col_type types[32];

    if (PCN_NEVER(n > 32))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        names[i] = cols[i].name;
        types[i] = cols[i].type;
    }
    return pcn_table_new(kind, n, names, types);
}

/* Accumulates the first failure of a row's cell setters. */
struct row {
    struct pcn_table *t;
    enum pcn_err rc;
    int suppress; /* counts 1..suppress-1 become null */
};

static void text(struct row *r, size_t col, const char *s)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_text(r->t, col, s);
}

static void integer(struct row *r, size_t col, int64_t v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_int(r->t, col, v);
}

static void number(struct row *r, size_t col, double v)
{
    if (r->rc == PCN_OK && isfinite(v))
        r->rc = pcn_table_set_number(r->t, col, v);
}

static void boolean(struct row *r, size_t col, int v)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_set_bool(r->t, col, v);
}

/* A count that aggregate-only roles see only from suppress up (0 is shown). */
static bool count(struct row *r, size_t col, int64_t v)
{
    if (r->suppress && v > 0 && v < r->suppress)
        return false;
    integer(r, col, v);
    return true;
}

static void instant(struct row *r, size_t col, pcn_usec_t t)
{
    char s[PCN_INSTANT_STR_SIZE];

    if (!t)
        return;
    pcn_instant_format(t, s);
    text(r, col, s);
}

static void date(struct row *r, size_t col, int32_t d)
{
    char s[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE)
        return;
    pcn_date_format(d, s);
    text(r, col, s);
}

static void new_row(struct row *r)
{
    if (r->rc == PCN_OK)
        r->rc = pcn_table_add_row(r->t);
}

static enum pcn_err finish(struct row *r, struct pcn_table **ret, struct pcn_error *reterr)
{
    if (r->rc != PCN_OK) {
        pcn_table_free(r->t);
        return pcn_error_set(reterr, r->rc, "building the table: %s", pcn_err_str(r->rc));
    }
    *ret = r->t;
    return PCN_OK;
}

static void categories_text(struct row *r, size_t col, uint32_t mask)
{
    struct pcn_buf b = PCN_BUF_INIT;

    if (r->rc == PCN_OK)
        r->rc = pcn_asset_categories_format(mask, &b);
    text(r, col, b.buf);
    pcn_buf_release(&b);
}

static void window(const struct pcn_sp_view_opts *o, pcn_usec_t *from, pcn_usec_t *to)
{
    *to = o->to ? o->to : o->now + 1;
    if (o->from) {
        *from = o->from;
        return;
    }
    int32_t today = (int32_t)(o->now / USEC_PER_DAY);
    *from = (pcn_usec_t)pcn_date_add_months(today, -12) * USEC_PER_DAY;
}

/* The LSOA deprivation table: the caller's, or loaded for this call (*own to free). */
static enum pcn_err deprivation(const struct pcn_sp_view_opts *o, const struct pcn_strmap **ret,
                                struct pcn_strmap **own, struct pcn_error *reterr)
{
    *own = NULL;
    if (o->imd) {
        *ret = o->imd;
        return PCN_OK;
    }
    enum pcn_err rc = pcn_lsoa_imd_load(NULL, own, reterr);
    *ret = *own;
    return rc;
}

/* ---- assets ---- */

static const struct col asset_cols[] = {
    {"id", PCN_COL_INT},          {"name", PCN_COL_TEXT},          {"organisation", PCN_COL_TEXT},
    {"categories", PCN_COL_TEXT}, {"postcode", PCN_COL_TEXT},      {"lsoa", PCN_COL_TEXT},
    {"km", PCN_COL_NUMBER},       {"stale", PCN_COL_BOOL},         {"last_verified", PCN_COL_TEXT},
    {"cost", PCN_COL_TEXT},       {"sessions", PCN_COL_TEXT},      {"referral_route", PCN_COL_TEXT},
    {"capacity", PCN_COL_INT},    {"min_age", PCN_COL_INT},        {"max_age", PCN_COL_INT},
    {"active", PCN_COL_BOOL},     {"description", PCN_COL_TEXT},   {"address", PCN_COL_TEXT},
    {"phone", PCN_COL_TEXT},      {"email", PCN_COL_TEXT},         {"website", PCN_COL_TEXT},
    {"access", PCN_COL_TEXT},     {"sessions_note", PCN_COL_TEXT}, {"cost_note", PCN_COL_TEXT},
    {"route_note", PCN_COL_TEXT}, {"version", PCN_COL_INT},
};

#define ASSET_FIRST_DETAIL 16

static void asset_row(struct row *r, const struct pcn_asset_hit *h)
{
    const struct pcn_asset *a = h->asset;
    struct pcn_buf b = PCN_BUF_INIT;

    new_row(r);
    integer(r, 0, a->id);
    text(r, 1, a->name);
    text(r, 2, a->organisation);
    categories_text(r, 3, a->categories);
    text(r, 4, a->postcode);
    text(r, 5, a->lsoa);
    if (h->km >= 0)
        number(r, 6, round(h->km * 100) / 100);
    boolean(r, 7, h->stale);
    date(r, 8, a->last_verified);
    if (r->rc == PCN_OK)
        r->rc = pcn_cost_format(a->cost_pence, &b);
    text(r, 9, a->cost_pence == PCN_COST_UNKNOWN ? NULL : b.buf);
    pcn_buf_reset(&b);
    if (r->rc == PCN_OK)
        r->rc = pcn_sessions_format(a->sessions, a->n_sessions, &b);
    text(r, 10, b.buf);
    pcn_buf_reset(&b);
    text(r, 11, pcn_asset_route_name(a->route));
    if (a->capacity >= 0)
        integer(r, 12, a->capacity);
    integer(r, 13, a->min_age);
    integer(r, 14, a->max_age);
    boolean(r, 15, a->active);
    text(r, 16, a->description);
    text(r, 17, a->address);
    text(r, 18, a->phone);
    text(r, 19, a->email);
    text(r, 20, a->website);
    if (r->rc == PCN_OK)
        r->rc = pcn_asset_access_format(a->access, &b);
    text(r, 21, b.buf);
    text(r, 22, a->sessions_note);
    text(r, 23, a->cost_note);
    text(r, 24, a->route_note);
    integer(r, 25, a->version);
    pcn_buf_release(&b);
}

enum pcn_err pcn_sp_view_assets(const struct pcn_directory *d, const struct pcn_asset_query *q,
                                struct pcn_table **ret, int64_t *ret_total,
                                struct pcn_error *reterr)
{
    struct pcn_asset_hit *hits = NULL;
    size_t n = 0, total = 0;
    struct row r = {new_table("sp_assets", asset_cols, PCN_ARRAY_SIZE(asset_cols)), PCN_OK, 0};

    if (!r.t)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (size_t c = ASSET_FIRST_DETAIL; r.rc == PCN_OK && c < PCN_ARRAY_SIZE(asset_cols); c++)
        r.rc = pcn_table_set_detail(r.t, c);
    if (r.rc == PCN_OK) {
        r.rc = pcn_directory_search(d, q, &hits, &n, &total);
        if (r.rc == PCN_EINVAL) {
            pcn_table_free(r.t);
            return pcn_error_set(reterr, PCN_EINVAL, "text: at most %d bytes; km: not negative",
                                 PCN_ASSET_QUERY_TEXT_MAX);
        }
    }
    for (size_t i = 0; r.rc == PCN_OK && i < n; i++)
        asset_row(&r, &hits[i]);
    pcn_free(hits);
    if (ret_total)
        *ret_total = (int64_t)total;
    return finish(&r, ret, reterr);
}

/* ---- referral lists ---- */

/* The practice filter of the options (a practice manager's own practice). */
static bool in_practice(const struct pcn_sp_view_opts *o, const struct pcn_referral_extra *x)
{
    return !o->practice || (x->practice && strcmp(x->practice, o->practice) == 0);
}

static const struct col referral_cols[] = {
    {"id", PCN_COL_INT},
    {"version", PCN_COL_INT},
    {"patient_id", PCN_COL_TEXT},
    {"patient_key", PCN_COL_INT},
    {"nhs_number", PCN_COL_TEXT},
    {"name", PCN_COL_TEXT},
    {"age", PCN_COL_INT},
    {"sex", PCN_COL_TEXT},
    {"practice", PCN_COL_TEXT},
    {"state", PCN_COL_TEXT},
    {"source", PCN_COL_TEXT},
    {"received", PCN_COL_TEXT},
    {"link_worker", PCN_COL_TEXT},
    {"contacts", PCN_COL_INT},
    {"last_contact", PCN_COL_TEXT},
    {"days_since_contact", PCN_COL_INT},
    {"waiting_first_contact", PCN_COL_BOOL},
    {"needs", PCN_COL_TEXT},
};

struct referral_list {
    struct row r;
    const struct pcn_sp_view_opts *o;
    int32_t today;
    int64_t seen;
};

static int referral_list_row(const struct pcn_referral *ref, const struct pcn_referral_extra *x,
                             void *ud)
{
    struct referral_list *l = ud;
    struct row *r = &l->r;
    char name[512] = "";

    if (!in_practice(l->o, x))
        return 0;
    if (l->seen++ < l->o->offset || (l->o->limit && l->seen > l->o->offset + l->o->limit))
        return 0;
    new_row(r);
    integer(r, 0, ref->id);
    integer(r, 1, ref->version);
    text(r, 2, ref->patient_id);
    if (x->has_patient) {
        integer(r, 3, x->patient_key);
        text(r, 4, x->nhs_number);
        (void)snprintf(name, sizeof(name), "%s%s%s", x->given_name ? x->given_name : "",
                       x->given_name && x->family_name ? " " : "",
                       x->family_name ? x->family_name : "");
        text(r, 5, name[0] ? name : NULL);
        if (x->date_of_birth != PCN_DATE_NONE)
            integer(r, 6, pcn_date_age(x->date_of_birth, l->today));
        char sex[2] = {x->sex, '\0'};
        text(r, 7, sex);
        text(r, 8, x->practice);
    }
    text(r, 9, pcn_referral_state_name(ref->state));
    text(r, 10, pcn_referral_source_name(ref->source));
    instant(r, 11, ref->received_at);
    text(r, 12, ref->link_worker);
    integer(r, 13, x->n_contacts);
    instant(r, 14, x->last_contact_at);
    if (pcn_referral_state_is_open(ref->state)) {
        pcn_usec_t since = x->last_contact_at ? x->last_contact_at : ref->received_at;
        integer(r, 15, pcn_sp_days_between(since, l->o->now));
    }
    boolean(r, 16, pcn_referral_state_is_open(ref->state) && !x->first_contact_at);
    categories_text(r, 17, ref->needs);
    return r->rc != PCN_OK;
}

enum pcn_err pcn_sp_view_referrals(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                   struct pcn_table **ret, int64_t *ret_total,
                                   struct pcn_error *reterr)
{
    struct referral_list l = {
        {new_table("sp_referrals", referral_cols, PCN_ARRAY_SIZE(referral_cols)), PCN_OK, 0},
        o,
        (int32_t)(o->now / USEC_PER_DAY),
        0};
    struct pcn_referral_filter f = {
        .patient_id = o->patient_id, .link_worker = o->link_worker, .open_only = o->open_only};

    if (!l.r.t)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    enum pcn_err rc = pcn_store_each_referral(s, &f, referral_list_row, &l);
    if (rc != PCN_OK) {
        pcn_table_free(l.r.t);
        return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    }
    if (ret_total)
        *ret_total = l.seen;
    return finish(&l.r, ret, reterr);
}

/* ---- a referral's timeline ---- */

struct entry {
    pcn_usec_t at;
    int order; /* ties: referral, transition, contact, goal, connection, questionnaire */
    const char *kind, *what, *detail, *by;
    int64_t id, version;
};

struct timeline {
    struct pcn_arena *arena;
    struct entry *e;
    size_t n, alloc;
    enum pcn_err rc;
    int64_t version;
    pcn_usec_t received; /* the referral's; read first */
    char patient_id[64];
    char link_worker[PCN_REFERRAL_NAME_MAX + 1];
};

static struct entry *entry_add(struct timeline *t, pcn_usec_t at, int order, const char *kind)
{
    if (t->rc != PCN_OK || PCN_GROW(t->e, t->n + 1, t->alloc) != PCN_OK) {
        t->rc = PCN_ENOMEM;
        return NULL;
    }
    struct entry *e = &t->e[t->n++];
    *e = (struct entry){at, order, kind, "", "", "", 0, 0};
    return e;
}

/* Copy a string into the timeline's arena ("" for NULL); ENOMEM noted. */
static const char *keep(struct timeline *t, const char *s)
{
    char *c = pcn_arena_strdup(t->arena, s ? s : "");
    if (!c)
        t->rc = PCN_ENOMEM;
    return c ? c : "";
}

static int tl_referral(const struct pcn_referral *r, const struct pcn_referral_extra *x, void *ud)
{
    struct timeline *t = ud;
    struct entry *e = entry_add(t, r->received_at, 0, "referral");

    (void)x;
    t->version = r->version;
    t->received = r->received_at;
    (void)snprintf(t->patient_id, sizeof(t->patient_id), "%s", r->patient_id);
    (void)snprintf(t->link_worker, sizeof(t->link_worker), "%s", r->link_worker);
    if (!e)
        return 1;
    e->what = pcn_referral_source_name(r->source);
    e->detail =
        pcn_arena_printf(t->arena, "%s%s%s", r->referrer, *r->referrer ? ": " : "", r->reason);
    if (!e->detail) {
        t->rc = PCN_ENOMEM;
        e->detail = "";
    }
    e->by = keep(t, r->created_by);
    e->id = r->id;
    e->version = r->version;
    return 0;
}

static int tl_transition(int64_t referral_id, const struct pcn_referral_transition *tr, void *ud)
{
    struct timeline *t = ud;
    struct entry *e = entry_add(t, tr->at, 1, "transition");

    (void)referral_id;
    if (!e)
        return 1;
    e->what = pcn_referral_state_name(tr->to);
    e->detail = tr->reason ? pcn_close_reason_name(tr->reason) : keep(t, tr->note);
    e->by = keep(t, tr->by);
    return t->rc != PCN_OK;
}

static int tl_contact(const struct pcn_contact *c, void *ud)
{
    struct timeline *t = ud;
    struct entry *e = entry_add(t, c->at, 2, "contact");

    if (!e)
        return 1;
    e->what = pcn_contact_type_name(c->type);
    e->detail =
        pcn_arena_printf(t->arena, "%d min%s%s%s", c->minutes, c->successful ? "" : ", not reached",
                         *c->notes ? "; " : "", c->notes);
    if (!e->detail)
        t->rc = PCN_ENOMEM;
    e->by = keep(t, c->by);
    e->id = c->id;
    return t->rc != PCN_OK;
}

static int tl_goal(const struct pcn_goal *g, void *ud)
{
    struct timeline *t = ud;
    struct entry *e = entry_add(t, g->updated_at, 3, "goal");

    if (!e)
        return 1;
    e->what = pcn_goal_status_name(g->status);
    e->detail = keep(t, g->text);
    e->id = g->id;
    e->version = g->version;
    return t->rc != PCN_OK;
}

static int tl_connection(const struct pcn_connection *c, uint32_t categories, const char *name,
                         void *ud)
{
    struct timeline *t = ud;
    /* a connection has a day, not a time: noon of it, and never before the referral */
    pcn_usec_t at = (pcn_usec_t)c->connected_on * USEC_PER_DAY + USEC_PER_DAY / 2;
    struct entry *e = entry_add(t, at > t->received ? at : t->received, 4, "connection");

    (void)categories;
    if (!e)
        return 1;
    e->what = pcn_attendance_name(c->attendance);
    e->detail = pcn_arena_printf(t->arena, "%s (asset %lld)%s%s", name, (long long)c->asset_id,
                                 *c->note ? "; " : "", c->note);
    if (!e->detail)
        t->rc = PCN_ENOMEM;
    e->id = c->id;
    e->version = c->version;
    return t->rc != PCN_OK;
}

static int tl_outcome(const struct pcn_outcome *o, void *ud)
{
    struct timeline *t = ud;
    struct entry *e = entry_add(t, o->at, 5, "questionnaire");
    enum pcn_instrument in = (enum pcn_instrument)o->instrument;
    char buf[160];
    size_t used = 0;

    if (!e)
        return 1;
    e->what = pcn_instrument_name(in);
    if (in == PCN_INSTRUMENT_SWEMWBS) {
        int raw = 0;
        double metric = 0;
        struct pcn_error ignored;
        if (pcn_swemwbs_score(o->items, &raw, &metric, &ignored) == PCN_OK)
            (void)snprintf(buf, sizeof(buf), "raw %d, metric %.2f", raw, metric);
    } else {
        buf[0] = '\0';
        for (int i = 0; i < pcn_instrument_items(in) && used < sizeof(buf); i++) {
            int w = snprintf(buf + used, sizeof(buf) - used, "%s%s %d", i ? ", " : "",
                             pcn_instrument_item_name(in, i), o->items[i]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    e->detail = keep(t, buf);
    e->by = keep(t, o->recorded_by);
    e->id = o->id;
    return t->rc != PCN_OK;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static const struct col timeline_cols[] = {
    {"at", PCN_COL_TEXT},     {"kind", PCN_COL_TEXT}, {"what", PCN_COL_TEXT},
    {"detail", PCN_COL_TEXT}, {"by", PCN_COL_TEXT},   {"id", PCN_COL_INT},
    {"version", PCN_COL_INT},
};

static enum pcn_err gather_timeline(struct pcn_store *s, int64_t id, struct timeline *t)
{
    enum pcn_err rc = pcn_store_get_referral(s, id, tl_referral, t);

    if (rc == PCN_OK)
        rc = pcn_store_each_transition(s, id, tl_transition, t);
    if (rc == PCN_OK)
        rc = pcn_store_each_contact(s, id, tl_contact, t);
    if (rc == PCN_OK)
        rc = pcn_store_each_goal(s, id, tl_goal, t);
    if (rc == PCN_OK)
        rc = pcn_store_each_connection(s, id, tl_connection, t);
    if (rc == PCN_OK)
        rc = pcn_store_each_outcome(s, id, tl_outcome, t);
    return rc;
}

enum pcn_err pcn_sp_view_timeline(struct pcn_store *s, int64_t id, struct pcn_table **ret,
                                  int64_t *ret_referral_version, char *ret_patient_id,
                                  char *ret_link_worker, struct pcn_error *reterr)
{
    struct timeline t = {.arena = pcn_arena_new((size_t)16 * 1024, 0)};
    struct row r = {new_table("sp_timeline", timeline_cols, PCN_ARRAY_SIZE(timeline_cols)), PCN_OK,
                    0};
    enum pcn_err rc = t.arena && r.t ? gather_timeline(s, id, &t) : PCN_ENOMEM;

    if (rc != PCN_OK) {
        if (rc != PCN_ENOMEM)
            pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
        else
            pcn_error_set(reterr, rc, "out of memory");
    } else if (t.rc != PCN_OK) {
        rc = pcn_error_set(reterr, t.rc, "out of memory");
    }
    if (rc == PCN_OK) {
        if (t.n > 1)
            qsort(t.e, t.n, sizeof(*t.e), cmp_entry);
        for (size_t i = 0; i < t.n; i++) {
            new_row(&r);
            instant(&r, 0, t.e[i].at);
            text(&r, 1, t.e[i].kind);
            text(&r, 2, t.e[i].what);
            text(&r, 3, t.e[i].detail);
            text(&r, 4, *t.e[i].by ? t.e[i].by : NULL);
            if (t.e[i].id)
                integer(&r, 5, t.e[i].id);
            if (t.e[i].version)
                integer(&r, 6, t.e[i].version);
        }
        if (ret_referral_version)
            *ret_referral_version = t.version;
        if (ret_patient_id)
            memcpy(ret_patient_id, t.patient_id, sizeof(t.patient_id));
        if (ret_link_worker)
            memcpy(ret_link_worker, t.link_worker, sizeof(t.link_worker));
    }
    pcn_free(t.e);
    pcn_arena_free(t.arena);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc;
    }
    return finish(&r, ret, reterr);
}

/* ---- the referrals as the reports see them ---- */

struct cases {
    const struct pcn_sp_view_opts *o;
    struct pcn_arena *arena;
    struct pcn_sp_case *c;
    size_t n, alloc;
    struct pcn_sp_measure *m;
    size_t n_m, alloc_m;
    enum pcn_err rc;
};

static int case_row(const struct pcn_referral *r, const struct pcn_referral_extra *x, void *ud)
{
    struct cases *cs = ud;

    if (!in_practice(cs->o, x))
        return 0;
    if (PCN_GROW(cs->c, cs->n + 1, cs->alloc) != PCN_OK) {
        cs->rc = PCN_ENOMEM;
        return 1;
    }
    struct pcn_sp_case *c = &cs->c[cs->n++];
    *c = (struct pcn_sp_case){
        .id = r->id,
        .patient_id = pcn_arena_strdup(cs->arena, r->patient_id),
        .practice = pcn_arena_strdup(cs->arena, x->practice ? x->practice : ""),
        .lsoa = pcn_arena_strdup(cs->arena, x->lsoa ? x->lsoa : ""),
        .link_worker = pcn_arena_strdup(cs->arena, r->link_worker),
        .state = r->state,
        .source = r->source,
        .needs = r->needs,
        .received_at = r->received_at,
        .first_contact_at = x->first_contact_at,
        .last_contact_at = x->last_contact_at,
        .n_contacts = x->n_contacts,
        .ended_at = x->ended_at,
    };
    if (!c->patient_id || !c->practice || !c->lsoa || !c->link_worker)
        cs->rc = PCN_ENOMEM;
    return cs->rc != PCN_OK;
}

/* The case of a referral id (cases are in id order, the walk's). */
static struct pcn_sp_case *case_of(struct cases *cs, int64_t id)
{
    size_t lo = 0, hi = cs->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs->c[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cs->n && cs->c[lo].id == id ? &cs->c[lo] : NULL;
}

static int case_connection(const struct pcn_connection *c, uint32_t categories, const char *name,
                           void *ud)
{
    struct pcn_sp_case *k = case_of(ud, c->referral_id);

    (void)name;
    if (k) {
        k->connected |= categories;
        if (c->attendance == PCN_ATTENDANCE_ATTENDED)
            k->attended |= categories;
    }
    return 0;
}

static int case_outcome(const struct pcn_outcome *o, void *ud)
{
    struct cases *cs = ud;

    if (!case_of(cs, o->referral_id))
        return 0; /* another link worker's referral */
    if (PCN_GROW(cs->m, cs->n_m + 1, cs->alloc_m) != PCN_OK) {
        cs->rc = PCN_ENOMEM;
        return 1;
    }
    struct pcn_sp_measure *m = &cs->m[cs->n_m++];
    m->referral_id = o->referral_id;
    m->instrument = (enum pcn_instrument)o->instrument;
    m->at = o->at;
    memcpy(m->items, o->items, sizeof(m->items));
    return 0;
}

static void cases_release(struct cases *cs)
{
    pcn_arena_free(cs->arena);
    pcn_free(cs->c);
    pcn_free(cs->m);
}

/* What load_cases reads beside the referrals. */
enum { WITH_CONNECTIONS = 1, WITH_MEASURES = 2 };

/* Load the filter's referrals and, as `with` asks, their connections and questionnaires. */
static enum pcn_err load_cases(struct pcn_store *s, const struct pcn_sp_view_opts *o, int with,
                               struct cases *cs, struct pcn_error *reterr)
{
    struct pcn_referral_filter f = {.patient_id = o->patient_id, .link_worker = o->link_worker};
    enum pcn_err rc;

    memset(cs, 0, sizeof(*cs));
    cs->o = o;
    cs->arena = pcn_arena_new((size_t)64 * 1024, 0);
    if (!cs->arena)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    rc = pcn_store_each_referral(s, &f, case_row, cs);
    if (rc == PCN_OK && cs->rc == PCN_OK && (with & WITH_CONNECTIONS))
        rc = pcn_store_each_connection(s, 0, case_connection, cs);
    if (rc == PCN_OK && cs->rc == PCN_OK && (with & WITH_MEASURES))
        rc = pcn_store_each_outcome(s, 0, case_outcome, cs);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
    if (cs->rc != PCN_OK)
        return pcn_error_set(reterr, cs->rc, "out of memory");
    return PCN_OK;
}

/* ---- outcomes ---- */

static const struct col outcome_cols[] = {
    {"measure", PCN_COL_TEXT},
    {"group", PCN_COL_TEXT},
    {"pairs", PCN_COL_INT},
    {"mean_first", PCN_COL_NUMBER},
    {"mean_last", PCN_COL_NUMBER},
    {"mean_change", PCN_COL_NUMBER},
    {"mean_improvement", PCN_COL_NUMBER},
    {"ci_low", PCN_COL_NUMBER},
    {"ci_high", PCN_COL_NUMBER},
    {"improved", PCN_COL_INT},
    {"worse", PCN_COL_INT},
    {"same", PCN_COL_INT},
    {"baseline_only", PCN_COL_INT},
};

static double r2(double v)
{
    return round(v * 100) / 100;
}

static void outcome_row(struct row *r, int k, const char *group, const struct pcn_change *c,
                        int64_t baseline_only, bool with_baseline)
{
    struct pcn_change_summary s;

    pcn_change_summarise(c, &s);
    new_row(r);
    text(r, 0, pcn_sp_measure_kind_name((enum pcn_sp_measure_kind)k));
    text(r, 1, group);
    /* means are shown only beside a count the reader may see */
    if (count(r, 2, s.n) && s.n > 0) {
        number(r, 3, r2(s.mean_first));
        number(r, 4, r2(s.mean_last));
        number(r, 5, r2(s.mean_change));
        number(r, 6, r2(s.mean_improvement));
        if (s.has_ci) {
            number(r, 7, r2(s.ci_low));
            number(r, 8, r2(s.ci_high));
        }
    }
    (void)count(r, 9, s.n_improved);
    (void)count(r, 10, s.n_worse);
    (void)count(r, 11, s.n_same);
    if (with_baseline)
        (void)count(r, 12, baseline_only);
}

/* The filter's cases and their outcomes (with_pairs: each person's pairs too); both released
   by the caller on success, nothing left on failure. */
static enum pcn_err outcomes_of(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                int with_pairs, struct cases *cs, struct pcn_sp_outcomes *out,
                                struct pcn_error *reterr)
{
    enum pcn_err rc = load_cases(s, o, WITH_CONNECTIONS | WITH_MEASURES, cs, reterr);

    if (rc == PCN_OK &&
        pcn_sp_outcomes_compute(cs->c, cs->n, cs->m, cs->n_m, with_pairs, out) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (rc != PCN_OK)
        cases_release(cs);
    return rc;
}

enum pcn_err pcn_sp_view_outcomes(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                  struct pcn_table **ret, struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct pcn_sp_outcomes out;
    enum pcn_err rc = outcomes_of(s, o, 0, &cs, &out, reterr);

    if (rc != PCN_OK)
        return rc;
    struct row r = {new_table("sp_outcomes", outcome_cols, PCN_ARRAY_SIZE(outcome_cols)), PCN_OK,
                    o->suppress_below};
    if (!r.t)
        r.rc = PCN_ENOMEM;
    for (int k = 0; k < PCN_SP_M_COUNT_; k++)
        outcome_row(&r, k, "all", &out.overall[k], out.baseline_only[k], true);
    for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
        for (int k = 0; k < PCN_SP_M_COUNT_; k++) {
            if (out.by_category[c][k].n)
                outcome_row(&r, k, pcn_asset_category_name((enum pcn_asset_category)c),
                            &out.by_category[c][k], 0, false);
        }
    }
    pcn_sp_outcomes_release(&out);
    cases_release(&cs);
    return finish(&r, ret, reterr);
}

static const struct col pair_cols[] = {
    {"referral_id", PCN_COL_INT},    {"patient_id", PCN_COL_TEXT}, {"measure", PCN_COL_TEXT},
    {"first", PCN_COL_NUMBER},       {"last", PCN_COL_NUMBER},     {"change", PCN_COL_NUMBER},
    {"improvement", PCN_COL_NUMBER}, {"first_at", PCN_COL_TEXT},   {"last_at", PCN_COL_TEXT},
};

enum pcn_err pcn_sp_view_outcome_pairs(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                       struct pcn_table **ret, struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct pcn_sp_outcomes out;
    enum pcn_err rc = outcomes_of(s, o, 1, &cs, &out, reterr);

    if (rc != PCN_OK)
        return rc;
    struct row r = {new_table("sp_outcome_pairs", pair_cols, PCN_ARRAY_SIZE(pair_cols)), PCN_OK, 0};
    if (!r.t)
        r.rc = PCN_ENOMEM;
    for (size_t i = 0; i < out.n_pairs; i++) {
        const struct pcn_sp_outcome_pair *p = &out.pairs[i];
        double change = p->last - p->first;
        new_row(&r);
        integer(&r, 0, p->referral_id);
        text(&r, 1, p->patient_id);
        text(&r, 2, pcn_sp_measure_kind_name(p->measure));
        number(&r, 3, r2(p->first));
        number(&r, 4, r2(p->last));
        number(&r, 5, r2(change));
        number(&r, 6, r2(change * pcn_sp_measure_kind_direction(p->measure)));
        instant(&r, 7, p->first_at);
        instant(&r, 8, p->last_at);
    }
    pcn_sp_outcomes_release(&out);
    cases_release(&cs);
    return finish(&r, ret, reterr);
}

/* ---- caseloads and activity ---- */

static const struct col caseload_cols[] = {
    {"link_worker", PCN_COL_TEXT},
    {"open", PCN_COL_INT},
    {"waiting_first_contact", PCN_COL_INT},
    {"no_contact_28_days", PCN_COL_INT},
    {"mean_days_since_contact", PCN_COL_NUMBER},
    {"max_days_since_contact", PCN_COL_INT},
    {"new_12_months", PCN_COL_INT},
    {"ended_12_months", PCN_COL_INT},
};

enum pcn_err pcn_sp_view_caseloads(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                   struct pcn_table **ret, struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct pcn_sp_caseload *rows = NULL;
    size_t n = 0;
    enum pcn_err rc = load_cases(s, o, 0, &cs, reterr);

    if (rc == PCN_OK && pcn_sp_caseloads(cs.c, cs.n, o->now, &rows, &n) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    struct row r = {rc == PCN_OK
                        ? new_table("sp_caseloads", caseload_cols, PCN_ARRAY_SIZE(caseload_cols))
                        : NULL,
                    PCN_OK, o->suppress_below};
    if (rc == PCN_OK && !r.t)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < n; i++) {
        new_row(&r);
        text(&r, 0, *rows[i].link_worker ? rows[i].link_worker : "(not assigned)");
        (void)count(&r, 1, rows[i].open);
        (void)count(&r, 2, rows[i].waiting_first_contact);
        (void)count(&r, 3, rows[i].no_contact_28_days);
        if (rows[i].open && (!r.suppress || rows[i].open >= r.suppress)) {
            number(&r, 4, r2(rows[i].mean_days_since_contact));
            integer(&r, 5, rows[i].max_days_since_contact);
        }
        (void)count(&r, 6, rows[i].new_12_months);
        (void)count(&r, 7, rows[i].ended_12_months);
    }
    pcn_free(rows);
    cases_release(&cs);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc;
    }
    return finish(&r, ret, reterr);
}

enum {
    ACT_RECEIVED,
    ACT_CLINICIAN,
    ACT_PRACTICE,
    ACT_SELF,
    ACT_GROUP,
    ACT_CONTACTED,
    ACT_DECLINED,
    ACT_NOT_CONTACTABLE,
    ACT_CLOSED,
    ACT_CONTACTS,
    ACT_MINUTES,
    ACT_COUNT_
};

static const struct col activity_cols[] = {
    {"month", PCN_COL_TEXT},          {"received", PCN_COL_INT},
    {"from_clinician", PCN_COL_INT},  {"from_practice", PCN_COL_INT},
    {"self_referred", PCN_COL_INT},   {"from_community_group", PCN_COL_INT},
    {"contacted", PCN_COL_INT},       {"declined", PCN_COL_INT},
    {"not_contactable", PCN_COL_INT}, {"closed", PCN_COL_INT},
    {"contacts", PCN_COL_INT},        {"contact_minutes", PCN_COL_INT},
};

#define MAX_MONTHS 120

struct activity {
    struct cases *cs;
    pcn_usec_t from, to;
    int first_month; /* year * 12 + month - 1 of `from` */
    int n_months;
    int64_t (*m)[ACT_COUNT_];
};

static int month_index(const struct activity *a, pcn_usec_t t)
{
    int y = 0, mo = 0, d = 0;

    if (t < a->from || t >= a->to)
        return -1;
    pcn_date_to_ymd((int32_t)(t / USEC_PER_DAY), &y, &mo, &d);
    int i = y * 12 + mo - 1 - a->first_month;
    return i >= 0 && i < a->n_months ? i : -1;
}

static int activity_transition(int64_t referral_id, const struct pcn_referral_transition *t,
                               void *ud)
{
    struct activity *a = ud;
    int i = month_index(a, t->at);

    if (i < 0 || !case_of(a->cs, referral_id))
        return 0;
    if (t->to == PCN_REFERRAL_CONTACTED && t->from == PCN_REFERRAL_RECEIVED)
        a->m[i][ACT_CONTACTED]++;
    else if (t->to == PCN_REFERRAL_DECLINED)
        a->m[i][ACT_DECLINED]++;
    else if (t->to == PCN_REFERRAL_NOT_CONTACTABLE)
        a->m[i][ACT_NOT_CONTACTABLE]++;
    else if (t->to == PCN_REFERRAL_CLOSED)
        a->m[i][ACT_CLOSED]++;
    return 0;
}

static int activity_contact(const struct pcn_contact *c, void *ud)
{
    struct activity *a = ud;
    int i = month_index(a, c->at);

    if (i >= 0 && case_of(a->cs, c->referral_id)) {
        a->m[i][ACT_CONTACTS]++;
        a->m[i][ACT_MINUTES] += c->minutes;
    }
    return 0;
}

enum pcn_err pcn_sp_view_activity(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                  struct pcn_table **ret, struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct activity a = {.cs = &cs};
    int y = 0, mo = 0, d = 0, y2 = 0, mo2 = 0;
    enum pcn_err rc = load_cases(s, o, 0, &cs, reterr);

    window(o, &a.from, &a.to);
    pcn_date_to_ymd((int32_t)(a.from / USEC_PER_DAY), &y, &mo, &d);
    pcn_date_to_ymd((int32_t)((a.to - 1) / USEC_PER_DAY), &y2, &mo2, &d);
    a.first_month = y * 12 + mo - 1;
    a.n_months = y2 * 12 + mo2 - 1 - a.first_month + 1;
    if (rc == PCN_OK && (a.n_months < 1 || a.n_months > MAX_MONTHS))
        rc = pcn_error_set(reterr, PCN_EINVAL, "from/to: 1 to %d months", MAX_MONTHS);
    if (rc == PCN_OK && !(a.m = pcn_calloc((size_t)a.n_months, sizeof(*a.m))))
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < cs.n; i++) {
        int k = month_index(&a, cs.c[i].received_at);
        if (k < 0)
            continue;
        a.m[k][ACT_RECEIVED]++;
        a.m[k][ACT_CLINICIAN + (int)cs.c[i].source]++;
    }
    if (rc == PCN_OK && (pcn_store_each_transition(s, 0, activity_transition, &a) != PCN_OK ||
                         pcn_store_each_contact(s, 0, activity_contact, &a) != PCN_OK))
        rc = pcn_error_set(reterr, PCN_ESTORAGE, "%s", pcn_store_errmsg(s));
    struct row r = {rc == PCN_OK
                        ? new_table("sp_activity", activity_cols, PCN_ARRAY_SIZE(activity_cols))
                        : NULL,
                    PCN_OK, o->suppress_below};
    if (rc == PCN_OK && !r.t)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (int i = 0; rc == PCN_OK && i < a.n_months; i++) {
        char month[24];
        int m = a.first_month + i;
        (void)snprintf(month, sizeof(month), "%04d-%02d", m / 12, m % 12 + 1);
        new_row(&r);
        text(&r, 0, month);
        for (int k = 0; k < ACT_MINUTES; k++)
            (void)count(&r, (size_t)k + 1, a.m[i][k]);
        if (!r.suppress || a.m[i][ACT_CONTACTS] == 0 || a.m[i][ACT_CONTACTS] >= r.suppress)
            integer(&r, ACT_MINUTES + 1, a.m[i][ACT_MINUTES]);
    }
    pcn_free(a.m);
    cases_release(&cs);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc;
    }
    return finish(&r, ret, reterr);
}

/* ---- gaps ---- */

struct population {
    struct pcn_sp_person *p;
    size_t n, alloc;
    struct pcn_arena *arena;
    const struct pcn_strmap *imd;
    const struct pcn_strmap *referred;
    int32_t today;
    enum pcn_err rc;
};

static int person_row(int64_t key, const struct pcn_patient *pt, void *ud)
{
    struct population *pop = ud;

    (void)key;
    bool registered = (pt->registered_to == PCN_DATE_NONE || pt->registered_to > pop->today) &&
                      (pt->date_of_death == PCN_DATE_NONE || pt->date_of_death > pop->today);
    if (!registered)
        return 0;
    if (PCN_GROW(pop->p, pop->n + 1, pop->alloc) != PCN_OK) {
        pop->rc = PCN_ENOMEM;
        return 1;
    }
    uint64_t v = 0;
    struct pcn_sp_person *p = &pop->p[pop->n++];
    *p = (struct pcn_sp_person){
        .practice = pcn_arena_strdup(pop->arena, pt->practice ? pt->practice : ""),
        .age = pcn_date_age(pt->date_of_birth, pop->today),
        .sex = pcn_sex_letter(pt->sex),
        .imd_decile = pcn_lsoa_imd_decile(pop->imd, pt->lsoa),
        .ethnicity = pcn_arena_strdup(pop->arena, pt->ethnicity ? pt->ethnicity : ""),
        .referred = pt->patient_id &&
                    pcn_strmap_get(pop->referred, pt->patient_id, strlen(pt->patient_id), &v),
    };
    if (!p->practice || !p->ethnicity)
        pop->rc = PCN_ENOMEM;
    return pop->rc != PCN_OK;
}

static const struct col rate_cols[] = {
    {"dimension", PCN_COL_TEXT}, {"group", PCN_COL_TEXT},      {"population", PCN_COL_INT},
    {"referred", PCN_COL_INT},   {"per_1000", PCN_COL_NUMBER}, {"ci_low", PCN_COL_NUMBER},
    {"ci_high", PCN_COL_NUMBER}, {"ratio", PCN_COL_NUMBER},
};

static void rate_rows(struct row *r, const struct pcn_sp_rate *rates, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pcn_sp_rate *x = &rates[i];
        new_row(r);
        text(r, 0,
             x->dimension == PCN_SP_DIMENSION_COUNT_ ? "all" : pcn_sp_dimension_name(x->dimension));
        text(r, 1, x->group);
        bool shown = count(r, 2, x->population);
        shown = count(r, 3, x->referred) && shown;
        if (shown && x->population > 0) {
            number(r, 4, r2(x->per_1000));
            number(r, 5, r2(x->ci_low));
            number(r, 6, r2(x->ci_high));
            number(r, 7, r2(x->ratio));
        }
    }
}

enum pcn_err pcn_sp_view_rates(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                               struct pcn_table **ret, struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct population pop = {.today = (int32_t)(o->now / USEC_PER_DAY)};
    const struct pcn_strmap *imd = NULL;
    struct pcn_strmap *own_imd = NULL, *referred = pcn_strmap_new();
    struct pcn_sp_rate *rates = NULL;
    size_t n = 0;
    pcn_usec_t from = 0, to = 0;
    struct pcn_sp_view_opts all = *o;
    enum pcn_err rc;

    all.link_worker = NULL; /* a rate is the network's */
    window(o, &from, &to);
    rc = referred ? load_cases(s, &all, 0, &cs, reterr)
                  : pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < cs.n; i++) {
        if (cs.c[i].received_at >= from && cs.c[i].received_at < to)
            rc = pcn_strmap_put(referred, cs.c[i].patient_id, strlen(cs.c[i].patient_id), 1);
    }
    if (rc == PCN_OK)
        rc = deprivation(o, &imd, &own_imd, reterr);
    pop.arena = rc == PCN_OK ? pcn_arena_new((size_t)64 * 1024, 0) : NULL;
    pop.imd = imd;
    pop.referred = referred;
    if (rc == PCN_OK && !pop.arena)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK && pcn_store_each_patient(s, person_row, &pop) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ESTORAGE, "%s", pcn_store_errmsg(s));
    if (rc == PCN_OK && pop.rc != PCN_OK)
        rc = pop.rc;
    if (rc == PCN_OK)
        rc = pcn_sp_referral_rates(pop.p, pop.n, &rates, &n);
    struct row r = {rc == PCN_OK ? new_table("sp_rates", rate_cols, PCN_ARRAY_SIZE(rate_cols))
                                 : NULL,
                    PCN_OK, o->suppress_below};
    if (rc == PCN_OK && !r.t)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK)
        rate_rows(&r, rates, n);
    pcn_free(rates);
    pcn_free(pop.p);
    pcn_arena_free(pop.arena);
    pcn_strmap_free(own_imd);
    pcn_strmap_free(referred);
    cases_release(&cs);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc == PCN_ENOMEM ? pcn_error_set(reterr, rc, "out of memory") : rc;
    }
    return finish(&r, ret, reterr);
}

static const struct col category_cols[] = {
    {"category", PCN_COL_TEXT},
    {"label", PCN_COL_TEXT},
    {"asked", PCN_COL_INT},
    {"connected", PCN_COL_INT},
    {"assets", PCN_COL_INT},
    {"stale_assets", PCN_COL_INT},
    {"places", PCN_COL_INT},
    {"lsoas_with_asset", PCN_COL_INT},
    {"asked_per_asset", PCN_COL_NUMBER},
};

enum pcn_err pcn_sp_view_categories(struct pcn_store *s, const struct pcn_directory *d,
                                    const struct pcn_sp_view_opts *o, struct pcn_table **ret,
                                    struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct pcn_sp_category_gap g[PCN_ASSET_CATEGORY_COUNT_];
    pcn_usec_t from = 0, to = 0;
    enum pcn_err rc = load_cases(s, o, WITH_CONNECTIONS, &cs, reterr);

    window(o, &from, &to);
    if (rc == PCN_OK && pcn_sp_category_gaps(cs.c, cs.n, from, to, d,
                                             (int32_t)(o->now / USEC_PER_DAY), g) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    struct row r = {rc == PCN_OK
                        ? new_table("sp_categories", category_cols, PCN_ARRAY_SIZE(category_cols))
                        : NULL,
                    PCN_OK, o->suppress_below};
    if (rc == PCN_OK && !r.t)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (int i = 0; rc == PCN_OK && i < PCN_ASSET_CATEGORY_COUNT_; i++) {
        new_row(&r);
        text(&r, 0, pcn_asset_category_name(g[i].category));
        text(&r, 1, pcn_asset_category_label(g[i].category));
        bool shown = count(&r, 2, g[i].asked);
        (void)count(&r, 3, g[i].connected);
        integer(&r, 4, g[i].assets); /* the directory is public: not suppressed */
        integer(&r, 5, g[i].stale_assets);
        integer(&r, 6, g[i].places);
        integer(&r, 7, g[i].lsoas_with_asset);
        if (shown)
            number(&r, 8, r2(g[i].asked_per_asset));
    }
    cases_release(&cs);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc;
    }
    return finish(&r, ret, reterr);
}

static const struct col coverage_cols[] = {
    {"lsoa", PCN_COL_TEXT},  {"imd_decile", PCN_COL_INT},  {"referrals", PCN_COL_INT},
    {"assets", PCN_COL_INT}, {"categories", PCN_COL_TEXT}, {"unmet", PCN_COL_TEXT},
};

enum pcn_err pcn_sp_view_coverage(struct pcn_store *s, const struct pcn_directory *d,
                                  const struct pcn_sp_view_opts *o, struct pcn_table **ret,
                                  struct pcn_error *reterr)
{
    struct cases cs = {0};
    struct pcn_sp_lsoa_coverage *cov = NULL;
    const struct pcn_strmap *imd = NULL;
    struct pcn_strmap *own_imd = NULL;
    size_t n = 0;
    pcn_usec_t from = 0, to = 0;
    enum pcn_err rc = load_cases(s, o, 0, &cs, reterr);

    window(o, &from, &to);
    if (rc == PCN_OK && pcn_sp_lsoa_coverage(cs.c, cs.n, from, to, d, &cov, &n) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (rc == PCN_OK)
        rc = deprivation(o, &imd, &own_imd, reterr);
    struct row r = {rc == PCN_OK
                        ? new_table("sp_coverage", coverage_cols, PCN_ARRAY_SIZE(coverage_cols))
                        : NULL,
                    PCN_OK, o->suppress_below};
    if (rc == PCN_OK && !r.t)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < n; i++) {
        new_row(&r);
        text(&r, 0, cov[i].lsoa);
        int dec = pcn_lsoa_imd_decile(imd, cov[i].lsoa);
        if (dec)
            integer(&r, 1, dec);
        bool shown = count(&r, 2, cov[i].referrals);
        integer(&r, 3, cov[i].assets);
        categories_text(&r, 4, cov[i].categories);
        /* what people there asked for is patient-derived: shown with the count only */
        if (shown)
            categories_text(&r, 5, cov[i].unmet);
    }
    pcn_free(cov);
    pcn_strmap_free(own_imd);
    cases_release(&cs);
    if (rc != PCN_OK) {
        pcn_table_free(r.t);
        return rc;
    }
    return finish(&r, ret, reterr);
}
