/*
 * api_ppg.c - patient partnership over HTTP: groups and members, the
 * engagement log, "you said, we did", service changes and who was
 * involved, the reports (representativeness, ladder, co-production), and
 * the public board of what a network publishes (no sign-in, rate-limited
 * per address). Lists are the result tables of `pcn ppg` (pcn/views_ppg.h);
 * writes go through the services of pcn/ppg_ops.h with the caller's scope
 * (the ppg_member role: its own group's activities and feedback; practice
 * managers: their practice's PPG members) and commit with their audit row.
 * An update names the version it read; a second writer gets 409 with the
 * record as it now is. Members' personal data is read only by roles that
 * manage them (audited); nothing here touches patient records.
 */
#include "server/population.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/ppg_ops.h"
#include "pcn/store_ppg.h"
#include "pcn/validate.h"
#include "pcn/views_ppg.h"
#include "util/common.h"

/* ---- who and which network ---- */

static bool is_role(const struct pcn__request *r, enum pcn_role role)
{
    return r->authed && r->who.role == role;
}

static int first_group_network(const struct pcn_ppg_group *g, void *ud)
{
    (void)snprintf(ud, 8, "%s", g->network);
    return 1;
}

static int first_network(const struct pcn_network *n, void *ud)
{
    (void)snprintf(ud, 8, "%s", n->code);
    return 1;
}

/*
 * The network asked for (code, from the query or a body), else the server's
 * configured one, else the first with a group, else the first. Replies and
 * returns false when the code is malformed or there is no network.
 */
static bool network_of(struct pcn__request *r, const char *code, char ret[8])
{
    enum pcn_err rc = PCN_OK;

    ret[0] = '\0';
    if (code && !pcn_ods_is_valid(PCN_ODS_PCN, code, strlen(code))) {
        pcn__reply_error(r, 400, "invalid_parameter", "network: '%.16s' is not a PCN code", code);
        return false;
    }
    if (!code && r->srv->cfg.network[0])
        code = r->srv->cfg.network;
    if (code)
        (void)snprintf(ret, 8, "%.7s", code);
    else
        rc = pcn_store_each_ppg_group(r->store, NULL, first_group_network, ret);
    if (rc == PCN_OK && !ret[0])
        rc = pcn_store_each_network(r->store, first_network, ret);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (!ret[0]) {
        pcn__reply_error(r, 404, "not_found", "the registry has no networks");
        return false;
    }
    return true;
}

struct own_group {
    const char *practice;
    int64_t id;
};

static int find_own(const struct pcn_ppg_group *g, void *ud)
{
    struct own_group *o = ud;

    if (o->practice ? (g->practice && strcmp(g->practice, o->practice) == 0) : !g->practice) {
        o->id = g->id;
        return 1;
    }
    return 0;
}

/*
 * The group a ppg_member speaks for: their practice's PPG, or (without a
 * practice) the network's first network-level group; -1 when there is
 * none, which matches no record (the role may then change nothing).
 */
static enum pcn_err own_group(struct pcn__request *r, const char *network, int64_t *ret)
{
    struct own_group o = {r->who.practice, -1};
    struct pcn_ppg_filter f = {.network = r->who.practice ? NULL : network};
    enum pcn_err rc = pcn_store_each_ppg_group(r->store, &f, find_own, &o);

    *ret = o.id;
    return rc;
}

/* What the caller may do in the engagement module (pcn/ppg_ops.h). */
static enum pcn_err scope_of(struct pcn__request *r, const char *network, struct pcn_ppg_scope *ret)
{
    *ret = (struct pcn_ppg_scope){-1, NULL, 0, 0, 0};
    if (is_role(r, PCN_ROLE_CLINICAL_DIRECTOR)) {
        *ret = (struct pcn_ppg_scope)PCN_PPG_SCOPE_ALL;
    } else if (is_role(r, PCN_ROLE_PRACTICE_MANAGER)) {
        *ret = (struct pcn_ppg_scope){0, r->who.practice, 1, 1, 1};
    } else if (is_role(r, PCN_ROLE_PPG_MEMBER)) {
        return own_group(r, network, &ret->group_id);
    }
    return PCN_OK;
}

/* ---- replies ---- */

static bool query_page(struct pcn__request *r, struct pcn_ppg_view_opts *o)
{
    return pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &o->limit) &&
           pcn__query_int(r, "offset", 0, INT32_MAX, 0, &o->offset);
}

static json_t *page_json(const struct pcn_ppg_view_opts *o, int64_t total, const char *network)
{
    return json_pack("{s:s,s:I,s:I,s:I}", "network", network, "total", (json_int_t)total, "limit",
                     (json_int_t)o->limit, "offset", (json_int_t)o->offset);
}

/* Row 0 of a table as a JSON object (NULL when empty or out of memory). */
static json_t *first_row(struct pcn_table *t)
{
    json_t *j = t ? pcn__table_json(t) : NULL;
    json_t *row = j ? json_array_get(json_object_get(j, "rows"), 0) : NULL;

    if (row)
        json_incref(row);
    json_decref(j);
    pcn_table_free(t);
    return row;
}

/* The record of a kind by id, as its list row (NULL when it is not there). */
enum record_kind { K_GROUP, K_MEMBER, K_ACTIVITY, K_FEEDBACK, K_CHANGE, K_INVOLVEMENT };

static json_t *record_json(struct pcn__request *r, enum record_kind k, int64_t id)
{
    struct pcn_ppg_view_opts o = {.as_of = pcn_date_today()};
    struct pcn_table *t = NULL;
    enum pcn_err rc = PCN_OK;

    o.filter.id = id;
    switch (k) {
    case K_GROUP:
        rc = pcn_view_ppg_groups(r->store, &o, &t, NULL);
        break;
    case K_MEMBER:
        rc = pcn_view_ppg_members(r->store, &o, &t, NULL);
        break;
    case K_ACTIVITY:
        rc = pcn_view_ppg_activities(r->store, &o, &t, NULL);
        break;
    case K_FEEDBACK:
        rc = pcn_view_ppg_feedback(r->store, &o, &t, NULL);
        break;
    case K_CHANGE:
        rc = pcn_view_ppg_changes(r->store, &o, &t, NULL);
        break;
    case K_INVOLVEMENT:
        rc = pcn_view_ppg_involvement(r->store, &o, &t);
        break;
    }
    return rc == PCN_OK ? first_row(t) : NULL;
}

static const char *const kind_names[] = {"ppg_group",    "ppg_member", "ppg_activity",
                                         "ppg_feedback", "ppg_change", "ppg_involvement"};

/*
 * End a write: commit with the audit row and reply `status` with the
 * record, or roll back and reply the refusal: 400 (a field), 403 (scope),
 * 404, 409 with the record as it now is, 503.
 */
static int finish_write(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e,
                        enum record_kind k, int64_t id, int status)
{
    json_t *row = NULL;

    r->object_type = kind_names[k];
    r->object_id = pcn_arena_printf(r->arena, "%lld", (long long)id);
    if (rc == PCN_OK) {
        row = record_json(r, k, id);
        rc = row ? pcn__audit_tx(r, status) : PCN_ENOMEM;
    }
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc == PCN_OK)
        return pcn__reply_json(r, status, row);
    json_decref(row);
    if (r->holds_write)
        pcn__rollback(r);
    r->audited = false; /* the dispatcher records the refusal */
    switch (rc) {
    case PCN_EINVAL:
        return pcn__reply_error(r, 400, "invalid_field", "%s", e->msg);
    case PCN_EPERM:
        return pcn__reply_error(r, 403, "forbidden", "%s", e->msg);
    case PCN_ENOTFOUND:
        return pcn__reply_error(r, 404, "not_found", "%s", e->msg[0] ? e->msg : "not found");
    case PCN_ECONFLICT: {
        json_t *now = id ? record_json(r, k, id) : NULL;
        json_t *j = json_pack("{s:{s:s,s:s},s:o}", "error", "code", "conflict", "message",
                              e->msg[0] ? e->msg : "another write came first", "current",
                              now ? now : json_null());
        return pcn__reply_json(r, 409, j);
    }
    default:
        return pcn__reply_store_error(r, rc);
    }
}

/* ---- request bodies ---- */

/* A body being read: the first bad member replies 400 and makes the rest no-ops. */
struct body {
    struct pcn__request *r;
    json_t *obj;
    bool bad;
};

static bool refuse(struct body *b, const char *name, const char *what)
{
    if (!b->bad)
        pcn__reply_error(b->r, 400, "invalid_field", "%s: %s", name, what);
    b->bad = true;
    return false;
}

/* The member's JSON value; NULL when absent (then the current value stands). */
static json_t *member(struct body *b, const char *name)
{
    return b->bad ? NULL : json_object_get(b->obj, name);
}

static const char *b_text(struct body *b, const char *name, const char *cur)
{
    json_t *v = member(b, name);

    if (!v)
        return cur;
    if (json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        refuse(b, name, "must be a string or null");
        return cur;
    }
    return json_string_value(v);
}

static int64_t b_int(struct body *b, const char *name, int64_t min, int64_t max, int64_t none,
                     int64_t cur)
{
    json_t *v = member(b, name);

    if (!v)
        return cur;
    if (json_is_null(v))
        return none;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char what[80];
        (void)snprintf(what, sizeof(what), "must be a whole number from %lld to %lld",
                       (long long)min, (long long)max);
        refuse(b, name, what);
        return cur;
    }
    return json_integer_value(v);
}

static int32_t b_date(struct body *b, const char *name, int32_t cur)
{
    json_t *v = member(b, name);
    int32_t d = PCN_DATE_NONE;

    if (!v)
        return cur;
    if (json_is_null(v))
        return PCN_DATE_NONE;
    if (!json_is_string(v) ||
        pcn_date_parse(json_string_value(v), json_string_length(v), &d) != PCN_OK) {
        refuse(b, name, "must be a date YYYY-MM-DD or null");
        return cur;
    }
    return d;
}

static int b_code(struct body *b, const char *name, enum pcn_ppg_vocab v, int cur)
{
    json_t *j = member(b, name);
    int out = cur;
    char codes[200], what[260];

    if (!j)
        return cur;
    if ((json_is_null(j) &&
         pcn_ppg_parse(v, "", 0, &out) == PCN_OK) || /* demographic facts: not stated */
        (json_is_string(j) &&
         pcn_ppg_parse(v, json_string_value(j), json_string_length(j), &out) == PCN_OK))
        return out;
    pcn_ppg_codes(v, codes, sizeof(codes));
    (void)snprintf(what, sizeof(what), "must be one of: %s", codes);
    refuse(b, name, what);
    return cur;
}

static int b_bool(struct body *b, const char *name, int cur)
{
    json_t *v = member(b, name);

    if (!v)
        return cur;
    if (!json_is_boolean(v)) {
        refuse(b, name, "must be true or false");
        return cur;
    }
    return json_is_true(v);
}

/* The version an update read: required. */
static int64_t b_version(struct body *b)
{
    if (!member(b, "version") && !b->bad) {
        refuse(b, "version", "required: the version of the record you read");
        return 0;
    }
    return b_int(b, "version", 1, INT64_MAX, 0, 0);
}

/* A route's {id} parameter. Replies 400 and returns 0 when it is not one. */
static int64_t id_param(struct pcn__request *r, int i)
{
    const char *s = pcn__param(r, i);
    int64_t id = 0;

    if (!s || pcn_parse_range(s, strlen(s), 1, INT64_MAX, &id) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "'%.20s' is not an id", s ? s : "");
        return 0;
    }
    return id;
}

/* ---- reading one record for an update (strings copied into the request arena) ---- */

struct found {
    struct pcn__request *r;
    bool found;
    union {
        struct pcn_ppg_group g;
        struct pcn_ppg_member m;
        struct pcn_ppg_activity a;
        struct pcn_ppg_feedback f;
        struct pcn_ppg_change c;
    } u;
    int64_t groups[PCN_PPG_GROUPS_MAX];
};

static const char *arena_dup(struct found *x, const char *s)
{
    return s ? pcn_arena_strdup(x->r->arena, s) : NULL;
}

static int take_group(const struct pcn_ppg_group *g, void *ud)
{
    struct found *x = ud;

    x->found = true;
    x->u.g = *g;
    x->u.g.network = arena_dup(x, g->network);
    x->u.g.practice = arena_dup(x, g->practice);
    x->u.g.name = arena_dup(x, g->name);
    return 1;
}

static int take_member(const struct pcn_ppg_member *m, void *ud)
{
    struct found *x = ud;

    x->found = true;
    x->u.m = *m;
    x->u.m.name = arena_dup(x, m->name);
    x->u.m.email = arena_dup(x, m->email);
    x->u.m.phone = arena_dup(x, m->phone);
    x->u.m.district = arena_dup(x, m->district);
    return 1;
}

static int take_activity(const struct pcn_ppg_activity *a, void *ud)
{
    struct found *x = ud;

    x->found = true;
    x->u.a = *a;
    memcpy(x->groups, a->groups, a->n_groups * sizeof(*a->groups));
    x->u.a.groups = x->groups;
    x->u.a.network = arena_dup(x, a->network);
    x->u.a.title = arena_dup(x, a->title);
    x->u.a.questions = arena_dup(x, a->questions);
    x->u.a.heard = arena_dup(x, a->heard);
    return 1;
}

static int take_feedback(const struct pcn_ppg_feedback *f, void *ud)
{
    struct found *x = ud;

    x->found = true;
    x->u.f = *f;
    x->u.f.network = arena_dup(x, f->network);
    x->u.f.said = arena_dup(x, f->said);
    x->u.f.response = arena_dup(x, f->response);
    x->u.f.reason = arena_dup(x, f->reason);
    return 1;
}

static int take_change(const struct pcn_ppg_change *c, void *ud)
{
    struct found *x = ud;

    x->found = true;
    x->u.c = *c;
    x->u.c.network = arena_dup(x, c->network);
    x->u.c.title = arena_dup(x, c->title);
    x->u.c.description = arena_dup(x, c->description);
    return 1;
}

/* Read record `id` of kind k into x; replies 404 (or the store error) and returns false. */
static bool read_record(struct pcn__request *r, enum record_kind k, int64_t id, struct found *x)
{
    struct pcn_ppg_filter f = {.id = id};
    enum pcn_err rc = PCN_OK;

    x->r = r;
    switch (k) {
    case K_GROUP:
        rc = pcn_store_each_ppg_group(r->store, &f, take_group, x);
        break;
    case K_MEMBER:
        rc = pcn_store_each_ppg_member(r->store, &f, take_member, x);
        break;
    case K_ACTIVITY:
        rc = pcn_store_each_ppg_activity(r->store, &f, take_activity, x);
        break;
    case K_FEEDBACK:
        rc = pcn_store_each_ppg_feedback(r->store, &f, take_feedback, x);
        break;
    default:
        rc = pcn_store_each_ppg_change(r->store, &f, take_change, x);
        break;
    }
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (!x->found) {
        r->object_type = kind_names[k];
        r->object_id = pcn_arena_printf(r->arena, "%lld", (long long)id);
        pcn__reply_error(r, 404, "not_found", "no %s %lld", kind_names[k] + 4, (long long)id);
        return false;
    }
    return true;
}

/* Begin the write and work out the scope; replies and returns false on failure. */
static bool begin_write(struct pcn__request *r, const char *network, struct pcn_ppg_scope *sc)
{
    enum pcn_err rc = pcn__begin(r);

    if (rc == PCN_OK)
        rc = scope_of(r, network, sc);
    if (rc != PCN_OK) {
        if (r->holds_write)
            pcn__rollback(r);
        pcn__reply_store_error(r, rc);
        return false;
    }
    return true;
}

/* The group a ppg_member reads for; 0 for every other role. Replies on failure: -1. */
static int64_t reader_group(struct pcn__request *r, const char *network)
{
    int64_t own = 0;
    enum pcn_err rc;

    if (!is_role(r, PCN_ROLE_PPG_MEMBER))
        return 0;
    rc = own_group(r, network, &own);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return -1;
    }
    if (own < 0) {
        pcn__reply_error(r, 403, "forbidden", "your account is not linked to a group");
        return -1;
    }
    return own;
}

/* ---- groups ---- */

int pcn__api_ppg_groups(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];
    int64_t total = 0, own = 0;

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network) ||
        !pcn__query_date(r, "as_of", &o.as_of) || !query_page(r, &o))
        return 0;
    o.filter.network = network;
    enum pcn_err rc = is_role(r, PCN_ROLE_PPG_MEMBER) ? own_group(r, network, &own) : PCN_OK;
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    rc = pcn_view_ppg_groups(r->store, &o, &t, &total);
    json_t *extra = page_json(&o, total, network);
    /* the group a ppg_member speaks for, so the dashboard offers it alone */
    if (extra && json_object_set_new(extra, "own_group", own > 0 ? json_integer(own) : json_null()))
        rc = PCN_ENOMEM;
    return pcn__reply_table(r, rc, t, extra);
}

static const char *const group_fields[] = {"network", "practice", "name",
                                           "formed",  "version",  NULL};

/* Creating or changing a group: the clinical director, or a practice manager for their PPG. */
static bool may_change_group(struct pcn__request *r, const char *practice)
{
    if (is_role(r, PCN_ROLE_CLINICAL_DIRECTOR) ||
        (is_role(r, PCN_ROLE_PRACTICE_MANAGER) && practice && r->who.practice &&
         strcmp(practice, r->who.practice) == 0))
        return true;
    pcn__reply_error(r, 403, "forbidden", "%s",
                     practice ? "a practice manager may change only their own practice's PPG"
                              : "only the clinical director may change a network-level group");
    return false;
}

int pcn__api_ppg_group_add(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, group_fields);
    struct body b = {r, obj, false};
    struct pcn_ppg_group g = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    char network[8];

    if (!obj || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_group";
    g.practice = b_text(&b, "practice", NULL);
    g.name = b_text(&b, "name", NULL);
    g.formed = b_date(&b, "formed", PCN_DATE_NONE);
    if (member(&b, "version"))
        refuse(&b, "version", "not for a new group");
    if (b.bad || !network_of(r, b_text(&b, "network", NULL), network) ||
        !may_change_group(r, g.practice))
        return 0;
    g.network = network;
    if (!begin_write(r, network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_group(r->store, &sc, &g, &e);
    return finish_write(r, rc, &e, K_GROUP, g.id, 201);
}

int pcn__api_ppg_group_update(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, group_fields);
    struct body b = {r, obj, false};
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = obj ? id_param(r, 0) : 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_GROUP, id, &x))
        return 0;
    struct pcn_ppg_group g = x.u.g;
    g.name = b_text(&b, "name", g.name);
    g.formed = b_date(&b, "formed", g.formed);
    g.practice = b_text(&b, "practice", g.practice);
    g.version = b_version(&b);
    if (member(&b, "network"))
        refuse(&b, "network", "a group stays in its network");
    if (b.bad || !may_change_group(r, x.u.g.practice) || !begin_write(r, g.network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_group(r->store, &sc, &g, &e);
    return finish_write(r, rc, &e, K_GROUP, id, 200);
}

/* ---- members ---- */

/* May the caller read group id's members, and in full? Replies 403 when not. */
static bool members_reader(struct pcn__request *r, int64_t id, bool *ret_brief)
{
    char network[8], practice[8];
    int64_t own = -1;
    enum pcn_err rc = pcn_ppg_group_home(r->store, id, network, practice);

    *ret_brief = false;
    if (rc == PCN_ENOTFOUND) {
        pcn__reply_error(r, 404, "not_found", "no group %lld", (long long)id);
        return false;
    }
    if (rc == PCN_OK && is_role(r, PCN_ROLE_PPG_MEMBER))
        rc = own_group(r, network, &own);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (is_role(r, PCN_ROLE_CLINICAL_DIRECTOR))
        return true;
    if (is_role(r, PCN_ROLE_PRACTICE_MANAGER) && r->who.practice &&
        strcmp(practice, r->who.practice) == 0)
        return true;
    if (is_role(r, PCN_ROLE_PPG_MEMBER) && own == id) {
        *ret_brief = true; /* who, role and when: no contact details or facts */
        return true;
    }
    pcn__reply_error(r, 403, "forbidden", "your role may not see this group's members");
    return false;
}

int pcn__api_ppg_members(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", "limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    int64_t id = id_param(r, 0), total = 0;
    bool brief = false;

    if (!id)
        return 0;
    r->object_type = "ppg_group";
    r->object_id = pcn_arena_printf(r->arena, "%lld", (long long)id);
    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &o.as_of) ||
        !query_page(r, &o) || !members_reader(r, id, &brief))
        return 0;
    o.filter.group_id = id;
    o.brief = brief;
    enum pcn_err rc = pcn_view_ppg_members(r->store, &o, &t, &total);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:I,s:I,s:I,s:b}", "total", (json_int_t)total, "limit",
                                      (json_int_t)o.limit, "offset", (json_int_t)o.offset, "brief",
                                      brief));
}

static const char *const member_fields[] = {"name",
                                            "email",
                                            "phone",
                                            "consent",
                                            "role",
                                            "age_band",
                                            "sex",
                                            "ethnic_group",
                                            "postcode_district",
                                            "deprivation_quintile",
                                            "carer",
                                            "disability",
                                            "long_term_condition",
                                            "joined",
                                            "left",
                                            "version",
                                            NULL};

/* The body's fields over m (the record read, or a new one). */
static void member_body(struct body *b, struct pcn_ppg_member *m, char *district)
{
    const char *d;

    m->name = b_text(b, "name", m->name);
    m->email = b_text(b, "email", m->email);
    m->phone = b_text(b, "phone", m->phone);
    m->consent = b_bool(b, "consent", m->consent);
    m->role = (enum pcn_ppg_role)b_code(b, "role", PCN_PPG_V_ROLE, (int)m->role);
    m->age = (enum pcn_ppg_age)b_code(b, "age_band", PCN_PPG_V_AGE, (int)m->age);
    m->sex = (enum pcn_ppg_sex)b_code(b, "sex", PCN_PPG_V_SEX, (int)m->sex);
    m->eth = (enum pcn_ppg_eth)b_code(b, "ethnic_group", PCN_PPG_V_ETH, (int)m->eth);
    m->carer = (enum pcn_ppg_yesno)b_code(b, "carer", PCN_PPG_V_YESNO, (int)m->carer);
    m->disability =
        (enum pcn_ppg_yesno)b_code(b, "disability", PCN_PPG_V_YESNO, (int)m->disability);
    m->ltc = (enum pcn_ppg_yesno)b_code(b, "long_term_condition", PCN_PPG_V_YESNO, (int)m->ltc);
    m->quintile = (int)b_int(b, "deprivation_quintile", 1, 5, 0, m->quintile);
    m->joined = b_date(b, "joined", m->joined);
    m->left = b_date(b, "left", m->left);
    d = b_text(b, "postcode_district", m->district);
    if (d && pcn_ppg_district_parse(d, strlen(d), district) != PCN_OK)
        refuse(b, "postcode_district", "not a postcode district (e.g. TS18)");
    m->district = d && district[0] ? district : NULL;
}

int pcn__api_ppg_member_add(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, member_fields);
    struct body b = {r, obj, false};
    struct pcn_ppg_member m = {
        .joined = pcn_date_today(), .left = PCN_DATE_NONE, .withdrawn = PCN_DATE_NONE};
    char district[PCN_PPG_DISTRICT_SIZE] = "", network[8];
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};

    m.group_id = obj ? id_param(r, 0) : 0;
    if (!m.group_id || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_member";
    /* contact details given without a word on consent: the giving is the consent */
    m.consent = json_object_get(obj, "email") || json_object_get(obj, "phone");
    member_body(&b, &m, district);
    if (member(&b, "version"))
        refuse(&b, "version", "not for a new member");
    if (b.bad)
        return 0;
    enum pcn_err rc = pcn_ppg_group_home(r->store, m.group_id, network, NULL);
    if (rc != PCN_OK)
        return rc == PCN_ENOTFOUND
                   ? pcn__reply_error(r, 404, "not_found", "no group %lld", (long long)m.group_id)
                   : pcn__reply_store_error(r, rc);
    if (!begin_write(r, network, &sc))
        return 0;
    rc = pcn_ppg_save_member(r->store, &sc, &m, &e);
    return finish_write(r, rc, &e, K_MEMBER, m.id, 201);
}

int pcn__api_ppg_member_update(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, member_fields);
    struct body b = {r, obj, false};
    char district[PCN_PPG_DISTRICT_SIZE] = "", network[8];
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = obj ? id_param(r, 0) : 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_MEMBER, id, &x))
        return 0;
    struct pcn_ppg_member m = x.u.m;
    member_body(&b, &m, district);
    m.version = b_version(&b);
    if (b.bad)
        return 0;
    enum pcn_err rc = pcn_ppg_group_home(r->store, m.group_id, network, NULL);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    if (!begin_write(r, network, &sc))
        return 0;
    rc = pcn_ppg_save_member(r->store, &sc, &m, &e);
    return finish_write(r, rc, &e, K_MEMBER, id, 200);
}

/* POST /ppg/members/{id}/leave and /withdraw-consent: {"date", "version"}. */
static int member_event(struct pcn__request *r, bool leave)
{
    static const char *const fields[] = {"date", "version", NULL};
    json_t *obj = pcn__body_object(r, fields);
    struct body b = {r, obj, false};
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    char network[8];
    int64_t id = obj ? id_param(r, 0) : 0, now = 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_MEMBER, id, &x))
        return 0;
    int32_t on = b_date(&b, "date", pcn_date_today());
    int64_t version = b_version(&b);
    if (b.bad)
        return 0;
    enum pcn_err rc = pcn_ppg_group_home(r->store, x.u.m.group_id, network, NULL);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    if (!begin_write(r, network, &sc))
        return 0;
    rc = leave ? pcn_ppg_member_leave(r->store, &sc, id, version, on, &now, &e)
               : pcn_ppg_withdraw_consent(r->store, &sc, id, version, on, &now, &e);
    return finish_write(r, rc, &e, K_MEMBER, id, 200);
}

int pcn__api_ppg_member_leave(struct pcn__request *r)
{
    return member_event(r, true);
}

int pcn__api_ppg_member_withdraw(struct pcn__request *r)
{
    return member_event(r, false);
}

/* ---- activities ---- */

/* The view options of a list route: network, a group (forced to a ppg_member's own), page. */
static bool list_opts(struct pcn__request *r, const char *const *params, char network[8],
                      struct pcn_ppg_view_opts *o)
{
    int64_t own;

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network) ||
        !pcn__query_int(r, "group", 1, INT64_MAX, 0, &o->filter.group_id) || !query_page(r, o))
        return false;
    own = reader_group(r, network);
    if (own < 0)
        return false;
    if (own && o->filter.group_id && o->filter.group_id != own) {
        pcn__reply_error(r, 403, "forbidden", "your role reads only its own group's records");
        return false;
    }
    if (own)
        o->filter.group_id = own;
    o->filter.network = network;
    return true;
}

int pcn__api_ppg_activities(struct pcn__request *r)
{
    static const char *const params[] = {"network", "group", "change", "limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];
    int64_t total = 0;

    if (!list_opts(r, params, network, &o) ||
        !pcn__query_int(r, "change", 1, INT64_MAX, 0, &o.filter.change_id))
        return 0;
    enum pcn_err rc = pcn_view_ppg_activities(r->store, &o, &t, &total);
    return pcn__reply_table(r, rc, t, page_json(&o, total, network));
}

static const char *const activity_fields[] = {"network", "kind",   "rung",    "title",
                                              "held",    "people", "groups",  "questions",
                                              "heard",   "change", "version", NULL};

/* The body's fields over a; its groups into ids. */
static void activity_body(struct body *b, struct pcn_ppg_activity *a, int64_t *ids)
{
    json_t *groups = member(b, "groups");

    a->kind = (enum pcn_ppg_kind)b_code(b, "kind", PCN_PPG_V_KIND, (int)a->kind);
    a->rung = (enum pcn_ppg_rung)b_code(b, "rung", PCN_PPG_V_RUNG, (int)a->rung);
    a->title = b_text(b, "title", a->title);
    a->held = b_date(b, "held", a->held);
    a->people = b_int(b, "people", 0, PCN_PPG_PEOPLE_MAX, -1, a->people);
    a->questions = b_text(b, "questions", a->questions);
    a->heard = b_text(b, "heard", a->heard);
    a->change_id = b_int(b, "change", 1, INT64_MAX, 0, a->change_id);
    if (!groups)
        return;
    if (!json_is_array(groups) || json_array_size(groups) > PCN_PPG_GROUPS_MAX) {
        refuse(b, "groups", "must be a list of at most 64 group ids");
        return;
    }
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *v = json_array_get(groups, i);
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            refuse(b, "groups", "must be a list of group ids");
            return;
        }
        ids[i] = json_integer_value(v);
    }
    a->groups = ids;
    a->n_groups = json_array_size(groups);
}

int pcn__api_ppg_activity_add(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, activity_fields);
    struct body b = {r, obj, false};
    int64_t ids[PCN_PPG_GROUPS_MAX];
    struct pcn_ppg_activity a = {.held = PCN_DATE_NONE, .people = -1};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    char network[8];

    if (!obj || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_activity";
    if (!member(&b, "kind") || !member(&b, "rung"))
        refuse(&b, member(&b, "kind") ? "rung" : "kind", "required");
    activity_body(&b, &a, ids);
    if (member(&b, "version"))
        refuse(&b, "version", "not for a new activity");
    if (b.bad || !network_of(r, b_text(&b, "network", NULL), network))
        return 0;
    a.network = network;
    if (!begin_write(r, network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_activity(r->store, &sc, &a, &e);
    return finish_write(r, rc, &e, K_ACTIVITY, a.id, 201);
}

int pcn__api_ppg_activity_update(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, activity_fields);
    struct body b = {r, obj, false};
    int64_t ids[PCN_PPG_GROUPS_MAX];
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = obj ? id_param(r, 0) : 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_ACTIVITY, id, &x))
        return 0;
    struct pcn_ppg_activity a = x.u.a;
    activity_body(&b, &a, ids);
    a.version = b_version(&b);
    if (member(&b, "network"))
        refuse(&b, "network", "an activity stays in its network");
    if (b.bad || !begin_write(r, a.network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_activity(r->store, &sc, &a, &e);
    return finish_write(r, rc, &e, K_ACTIVITY, id, 200);
}

/* ---- feedback ---- */

int pcn__api_ppg_feedback(struct pcn__request *r)
{
    static const char *const params[] = {"network", "group", "published", "limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];
    int64_t total = 0, published = 0;

    if (!list_opts(r, params, network, &o) || !pcn__query_int(r, "published", 0, 1, 0, &published))
        return 0;
    o.filter.published_only = (int)published;
    enum pcn_err rc = pcn_view_ppg_feedback(r->store, &o, &t, &total);
    return pcn__reply_table(r, rc, t, page_json(&o, total, network));
}

static const char *const feedback_fields[] = {
    "network", "group",  "activity",     "received",  "said",    "response", "responded",
    "outcome", "reason", "outcome_date", "published", "version", NULL};

static void feedback_body(struct body *b, struct pcn_ppg_feedback *f)
{
    f->group_id = b_int(b, "group", 1, INT64_MAX, 0, f->group_id);
    f->activity_id = b_int(b, "activity", 1, INT64_MAX, 0, f->activity_id);
    f->received = b_date(b, "received", f->received);
    f->said = b_text(b, "said", f->said);
    f->response = b_text(b, "response", f->response);
    f->responded = b_date(b, "responded", f->responded);
    f->outcome = (enum pcn_ppg_outcome)b_code(b, "outcome", PCN_PPG_V_OUTCOME, (int)f->outcome);
    f->reason = b_text(b, "reason", f->reason);
    f->outcome_date = b_date(b, "outcome_date", f->outcome_date);
    f->published = b_bool(b, "published", f->published);
}

int pcn__api_ppg_feedback_add(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, feedback_fields);
    struct body b = {r, obj, false};
    struct pcn_ppg_feedback f = {.received = pcn_date_today(),
                                 .responded = PCN_DATE_NONE,
                                 .outcome = PCN_PPG_OUTCOME_OPEN,
                                 .outcome_date = PCN_DATE_NONE};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    char network[8];

    if (!obj || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_feedback";
    feedback_body(&b, &f);
    /* answered on the day it is recorded when no date is given */
    if (f.response && f.responded == PCN_DATE_NONE)
        f.responded = f.received;
    if (member(&b, "version"))
        refuse(&b, "version", "not for new feedback");
    if (b.bad || !network_of(r, b_text(&b, "network", NULL), network))
        return 0;
    f.network = network;
    if (!begin_write(r, network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_feedback(r->store, &sc, &f, &e);
    return finish_write(r, rc, &e, K_FEEDBACK, f.id, 201);
}

int pcn__api_ppg_feedback_update(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, feedback_fields);
    struct body b = {r, obj, false};
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = obj ? id_param(r, 0) : 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_FEEDBACK, id, &x))
        return 0;
    struct pcn_ppg_feedback f = x.u.f;
    feedback_body(&b, &f);
    if (f.response && f.responded == PCN_DATE_NONE)
        f.responded = pcn_date_today();
    if (f.outcome != x.u.f.outcome && !member(&b, "outcome_date"))
        f.outcome_date = pcn_date_today();
    f.version = b_version(&b);
    if (member(&b, "network"))
        refuse(&b, "network", "feedback stays in its network");
    if (b.bad || !begin_write(r, f.network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_feedback(r->store, &sc, &f, &e);
    return finish_write(r, rc, &e, K_FEEDBACK, id, 200);
}

/* ---- service changes and involvement ---- */

int pcn__api_ppg_changes(struct pcn__request *r)
{
    static const char *const params[] = {"network", "limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];
    int64_t total = 0;

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network) ||
        !query_page(r, &o))
        return 0;
    o.filter.network = network;
    enum pcn_err rc = pcn_view_ppg_changes(r->store, &o, &t, &total);
    return pcn__reply_table(r, rc, t, page_json(&o, total, network));
}

int pcn__api_ppg_change(struct pcn__request *r)
{
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    int64_t id = id_param(r, 0);
    json_t *change, *j;

    if (!id || !pcn__check_query(r, NULL))
        return 0;
    change = record_json(r, K_CHANGE, id);
    if (!change)
        return pcn__reply_error(r, 404, "not_found", "no change %lld", (long long)id);
    o.filter.change_id = id;
    enum pcn_err rc = pcn_view_ppg_involvement(r->store, &o, &t);
    j = rc == PCN_OK ? json_pack("{s:o,s:o}", "change", change, "involvement", pcn__table_json(t))
                     : NULL;
    pcn_table_free(t);
    if (rc != PCN_OK) {
        json_decref(change);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, 200, j);
}

static const char *const change_fields[] = {"network", "title",   "description",
                                            "started", "version", NULL};

int pcn__api_ppg_change_add(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, change_fields);
    struct body b = {r, obj, false};
    struct pcn_ppg_change c = {.started = PCN_DATE_NONE};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    char network[8];

    if (!obj || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_change";
    c.title = b_text(&b, "title", NULL);
    c.description = b_text(&b, "description", NULL);
    c.started = b_date(&b, "started", PCN_DATE_NONE);
    if (member(&b, "version"))
        refuse(&b, "version", "not for a new change");
    if (b.bad || !network_of(r, b_text(&b, "network", NULL), network))
        return 0;
    c.network = network;
    if (!begin_write(r, network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_change(r->store, &sc, &c, &e);
    return finish_write(r, rc, &e, K_CHANGE, c.id, 201);
}

int pcn__api_ppg_change_update(struct pcn__request *r)
{
    json_t *obj = pcn__body_object(r, change_fields);
    struct body b = {r, obj, false};
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = obj ? id_param(r, 0) : 0;

    if (!id || !pcn__check_query(r, NULL) || !read_record(r, K_CHANGE, id, &x))
        return 0;
    struct pcn_ppg_change c = x.u.c;
    c.title = b_text(&b, "title", c.title);
    c.description = b_text(&b, "description", c.description);
    c.started = b_date(&b, "started", c.started);
    c.version = b_version(&b);
    if (member(&b, "network"))
        refuse(&b, "network", "a change stays in its network");
    if (b.bad || !begin_write(r, c.network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_save_change(r->store, &sc, &c, &e);
    return finish_write(r, rc, &e, K_CHANGE, id, 200);
}

int pcn__api_ppg_involvement_add(struct pcn__request *r)
{
    static const char *const fields[] = {"stage",  "rung",     "group", "who", "date",
                                         "people", "activity", "note",  NULL};
    json_t *obj = pcn__body_object(r, fields);
    struct body b = {r, obj, false};
    struct pcn_ppg_involvement v = {.date = pcn_date_today(), .people = -1};
    struct found x = {0};
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};

    v.change_id = obj ? id_param(r, 0) : 0;
    if (!v.change_id || !pcn__check_query(r, NULL) || !read_record(r, K_CHANGE, v.change_id, &x))
        return 0;
    r->object_type = "ppg_involvement";
    if (!member(&b, "stage") || !member(&b, "rung"))
        refuse(&b, member(&b, "stage") ? "rung" : "stage", "required");
    v.stage = (enum pcn_ppg_stage)b_code(&b, "stage", PCN_PPG_V_STAGE, 0);
    v.rung = (enum pcn_ppg_rung)b_code(&b, "rung", PCN_PPG_V_RUNG, 0);
    v.group_id = b_int(&b, "group", 1, INT64_MAX, 0, 0);
    v.who = b_text(&b, "who", NULL);
    v.date = b_date(&b, "date", v.date);
    v.people = b_int(&b, "people", 0, PCN_PPG_PEOPLE_MAX, -1, -1);
    v.activity_id = b_int(&b, "activity", 1, INT64_MAX, 0, 0);
    v.note = b_text(&b, "note", NULL);
    if (b.bad || !begin_write(r, x.u.c.network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_add_involvement(r->store, &sc, &v, &e);
    return finish_write(r, rc, &e, K_INVOLVEMENT, v.id, 201);
}

int pcn__api_ppg_involvement_remove(struct pcn__request *r)
{
    struct pcn_ppg_scope sc;
    struct pcn_error e = {0};
    int64_t id = id_param(r, 0);
    char network[8];

    if (!id || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "ppg_involvement";
    r->object_id = pcn_arena_printf(r->arena, "%lld", (long long)id);
    if (!network_of(r, NULL, network) || !begin_write(r, network, &sc))
        return 0;
    enum pcn_err rc = pcn_ppg_remove_involvement(r->store, &sc, id, &e);
    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, 200);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc == PCN_OK)
        return pcn__reply_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "removed", 1));
    return finish_write(r, rc, &e, K_INVOLVEMENT, 0, 200);
}

/* ---- reports ---- */

int pcn__api_ppg_representativeness(struct pcn__request *r)
{
    static const char *const params[] = {"network", "group", "as_of", "months", NULL};
    struct pcn_ppg_repr_opts o = {
        .suppress_below = pcn__suppress(r), .profiles = pcn__request_profiles, .profiles_ud = r};
    struct pcn_ppg_repr *res = NULL;
    struct pcn_error e = {0};
    char network[8];
    int64_t months = 36;
    void *j = NULL;

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network) ||
        !pcn__query_int(r, "group", 1, INT64_MAX, 0, &o.group_id) ||
        !pcn__query_date(r, "as_of", &o.as_of) || !pcn__query_int(r, "months", 1, 240, 36, &months))
        return 0;
    o.network = network;
    o.trend_months = (int)months;
    enum pcn_err rc = pcn_ppg_representativeness(r->store, &o, &res, &e);
    if (rc == PCN_ENOTFOUND)
        return pcn__reply_error(r, 404, "not_found", "%s", e.msg);
    if (rc == PCN_ETIMEDOUT || rc == PCN_ENOMEM)
        return pcn__reply_store_error(r, rc);
    if (rc != PCN_OK)
        return pcn__reply_error(r, 500, "internal", "%s", pcn_err_str(rc));
    rc = pcn_ppg_repr_json(res, &j);
    pcn_ppg_repr_free(res);
    return rc == PCN_OK ? pcn__reply_json(r, 200, j) : pcn__reply_store_error(r, rc);
}

int pcn__api_ppg_ladder(struct pcn__request *r)
{
    static const char *const params[] = {"network", "group", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];
    int64_t own;

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network) ||
        !pcn__query_int(r, "group", 1, INT64_MAX, 0, &o.filter.group_id))
        return 0;
    own = reader_group(r, network);
    if (own < 0)
        return 0;
    if (own && o.filter.group_id && o.filter.group_id != own)
        return pcn__reply_error(r, 403, "forbidden", "your role reads only its own group's ladder");
    o.filter.group_id = own ? own : o.filter.group_id;
    o.filter.network = network;
    enum pcn_err rc = pcn_view_ppg_ladder(r->store, &o, &t);
    return pcn__reply_table(
        r, rc, t,
        json_pack("{s:s,s:o}", "network", network, "group",
                  o.filter.group_id ? json_integer(o.filter.group_id) : json_null()));
}

int pcn__api_ppg_coproduction(struct pcn__request *r)
{
    static const char *const params[] = {"network", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    char network[8];

    if (!pcn__check_query(r, params) || !network_of(r, pcn__query(r, "network"), network))
        return 0;
    o.filter.network = network;
    enum pcn_err rc = pcn_view_ppg_coproduction(r->store, &o, &t);
    return pcn__reply_table(r, rc, t, json_pack("{s:s}", "network", network));
}

/* ---- the public board ---- */

static int public_network(const struct pcn_network *n, void *ud)
{
    *(json_t **)ud = json_pack("{s:s,s:s}", "code", n->code, "name", n->name);
    return 1;
}

int pcn__api_public_feedback(struct pcn__request *r)
{
    static const char *const params[] = {"limit", "offset", NULL};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    const char *code = pcn__param(r, 0);
    json_t *net = NULL;
    int64_t total = 0;
    int wait = 0;

    if (!pcn__ratelimit_take(r->srv->public_limit, pcn__client_address(r), pcn_monotonic_usec(),
                             &wait))
        return pcn__reply_error(r, 429, "too_many_requests",
                                "too many requests from your address; try again in %d s", wait);
    if (!pcn__check_query(r, params) || !query_page(r, &o))
        return 0;
    if (!code || !pcn_ods_is_valid(PCN_ODS_PCN, code, strlen(code)))
        return pcn__reply_error(r, 404, "not_found", "no such network");
    enum pcn_err rc = pcn_store_get_network(r->store, code, public_network, &net);
    if (rc == PCN_OK && !net)
        rc = PCN_ENOMEM;
    if (rc != PCN_OK)
        return rc == PCN_ENOTFOUND ? pcn__reply_error(r, 404, "not_found", "no such network")
                                   : pcn__reply_store_error(r, rc);
    o.filter.network = code;
    rc = pcn_view_ppg_public(r->store, &o, &t, &total);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:o,s:I,s:I,s:I}", "network", net, "total",
                                      (json_int_t)total, "limit", (json_int_t)o.limit, "offset",
                                      (json_int_t)o.offset));
}
