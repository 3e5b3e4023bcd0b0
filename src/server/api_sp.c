/*
 * api_sp.c - social prescribing over HTTP, part one: the state the server
 * keeps (the postcode table and code table, loaded once, and the asset
 * directory in memory, reloaded when the stored one changes), the asset
 * directory (search by category, distance and words; one asset; CSV export
 * and import; add and update with the version read, 409 with the asset as
 * it is now), the directory measured from a patient's home, wellbeing
 * outcomes and the reports. The referral workflow is api_sp_referrals.c.
 *
 * Who may do what is in the route table (api.c) and narrowed here: a
 * practice manager sees their practice's patients, a link worker the
 * patients of their own open referrals; aggregates reach aggregate-only
 * roles with small numbers suppressed. Invariant: the directory a request
 * searches stays alive until the request ends, whatever reloads meanwhile.
 */
#include "server/api_sp_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/asset.h"
#include "pcn/buf.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store_sp.h"
#include "pcn/validate.h"
#include "util/common.h"

#define USEC_PER_DAY INT64_C(86400000000)
#define MAX_OFFSET 1000000

/* ---- the state ---- */

/* A loaded directory, shared by the requests searching it. */
struct sp_dir {
    struct pcn__sp *owner;
    struct pcn_directory *d;
    struct pcn_sp_asset_stamp stamp;
    int refs; /* one while current, one per request holding it */
};

/*
 * The tables are read by the first social prescribing request (pcn__sp_ready),
 * not when the server starts: a server that is never asked about social
 * prescribing never reads the 25,000 postcodes and 33,000 LSOAs.
 */
struct pcn__sp {
    pthread_mutex_t lock;  /* guards the tables' loading, cur and every refs */
    const char *postcodes; /* the config's paths ("" for the shipped tables) */
    const char *codes_path;
    bool loaded;
    struct pcn_geo *geo;
    struct pcn_strmap *imd; /* LSOA deprivation, for rates and coverage */
    struct pcn_sp_codes codes;
    struct sp_dir *cur;
};

enum pcn_err pcn__sp_new(const struct pcn_server_config *c, struct pcn__sp **ret,
                         struct pcn_error *reterr)
{
    struct pcn__sp *sp = pcn_calloc(1, sizeof(*sp));

    if (!sp)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    (void)pthread_mutex_init(&sp->lock, NULL);
    sp->postcodes = c->postcodes; /* the server's copy of the config outlives sp */
    sp->codes_path = c->sp_codes;
    *ret = sp;
    return PCN_OK;
}

bool pcn__sp_ready(struct pcn__request *r)
{
    struct pcn__sp *sp = r->srv->sp;
    struct pcn_error e = {0};
    enum pcn_err rc = PCN_OK;

    (void)pthread_mutex_lock(&sp->lock);
    if (!sp->loaded) {
        struct pcn_geo *geo = NULL;
        struct pcn_strmap *imd = NULL;
        rc = pcn_geo_load(sp->postcodes[0] ? sp->postcodes : NULL, &geo, &e);
        if (rc == PCN_OK)
            rc = pcn_sp_codes_load(sp->codes_path[0] ? sp->codes_path : NULL, &sp->codes, &e);
        if (rc == PCN_OK)
            rc = pcn_lsoa_imd_load(NULL, &imd, &e);
        if (rc == PCN_OK) {
            sp->geo = geo;
            sp->imd = imd;
            sp->loaded = true;
        } else {
            pcn_geo_free(geo);
            pcn_strmap_free(imd);
        }
    }
    (void)pthread_mutex_unlock(&sp->lock);
    if (rc == PCN_OK)
        return true;
    pcn__log("social prescribing: cannot load its tables (%s)", pcn_err_name(rc));
    pcn__reply_error(r, 503, "unavailable", "social prescribing: %s", e.msg);
    return false;
}

static void dir_unref_locked(struct sp_dir *x)
{
    if (--x->refs == 0) {
        pcn_directory_free(x->d);
        pcn_free(x);
    }
}

void pcn__sp_free(struct pcn__sp *sp)
{
    if (!sp)
        return;
    if (sp->cur)
        dir_unref_locked(sp->cur);
    pcn_geo_free(sp->geo);
    pcn_strmap_free(sp->imd);
    (void)pthread_mutex_destroy(&sp->lock);
    pcn_free(sp);
}

const struct pcn_geo *pcn__sp_geo(const struct pcn__request *r)
{
    return r->srv->sp->geo; /* set once by pcn__sp_ready, before any use */
}

const struct pcn_sp_codes *pcn__sp_codes(const struct pcn__request *r)
{
    return &r->srv->sp->codes;
}

static void dir_release(void *p)
{
    struct sp_dir *x = p;
    struct pcn__sp *sp = x->owner;

    (void)pthread_mutex_lock(&sp->lock);
    dir_unref_locked(x);
    (void)pthread_mutex_unlock(&sp->lock);
}

static bool stamp_eq(const struct pcn_sp_asset_stamp *a, const struct pcn_sp_asset_stamp *b)
{
    return a->count == b->count && a->max_id == b->max_id && a->sum_version == b->sum_version;
}

/*
 * The directory as stored now, held until the request ends: the loaded one
 * when the store's stamp still matches it, else a fresh load that becomes
 * the current one.
 */
static enum pcn_err directory(struct pcn__request *r, const struct pcn_directory **ret,
                              struct pcn_error *e)
{
    struct pcn__sp *sp = r->srv->sp;
    struct pcn_sp_asset_stamp st;
    struct sp_dir *x = NULL;
    enum pcn_err rc = pcn_store_asset_stamp(r->store, &st);

    if (rc != PCN_OK)
        return pcn_error_set(e, rc, "%s", pcn_store_errmsg(r->store));
    (void)pthread_mutex_lock(&sp->lock);
    if (sp->cur && stamp_eq(&sp->cur->stamp, &st)) {
        x = sp->cur;
        x->refs++;
    }
    (void)pthread_mutex_unlock(&sp->lock);
    if (!x) {
        struct pcn_directory *d = NULL;
        rc = pcn_sp_load_directory(r->store, &d, e);
        if (rc != PCN_OK)
            return rc;
        x = pcn_calloc(1, sizeof(*x));
        if (!x) {
            pcn_directory_free(d);
            return pcn_error_set(e, PCN_ENOMEM, "out of memory");
        }
        *x = (struct sp_dir){sp, d, st, 1};
        (void)pthread_mutex_lock(&sp->lock);
        if (!sp->cur || !stamp_eq(&sp->cur->stamp, &st)) {
            struct sp_dir *old = sp->cur;
            sp->cur = x;
            x->refs++;
            if (old)
                dir_unref_locked(old);
        }
        (void)pthread_mutex_unlock(&sp->lock);
    }
    if (pcn_arena_on_cleanup(r->arena, dir_release, x) != PCN_OK) {
        dir_release(x);
        return pcn_error_set(e, PCN_ENOMEM, "out of memory");
    }
    *ret = x->d;
    return PCN_OK;
}

/* ---- shared helpers ---- */

int pcn__sp_reply_error(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e,
                        json_t *current)
{
    const char *msg = e && e->msg[0] ? e->msg : pcn_err_str(rc);
    int status;
    const char *code;

    switch (rc) {
    case PCN_EINVAL:
    case PCN_ELIMIT:
    case PCN_EPARSE:
        status = 400;
        code = "invalid_field";
        break;
    case PCN_ENOTFOUND:
        status = 404;
        code = "not_found";
        break;
    case PCN_ECONFLICT:
        status = 409;
        code = "conflict";
        break;
    default:
        json_decref(current);
        return pcn__reply_store_error(r, rc);
    }
    if (!current)
        return pcn__reply_error(r, status, code, "%s", msg);
    json_t *j =
        json_pack("{s:{s:s,s:s},s:o}", "error", "code", code, "message", msg, "current", current);
    return pcn__reply_json(r, j ? status : 503, j);
}

int pcn__sp_finish(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e, int status,
                   json_t *reply, pcn__sp_current_fn current, int64_t id)
{
    struct pcn_error msg = *e; /* the store's message, before the rollback */

    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, status);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc == PCN_OK)
        return pcn__reply_json(r, status, reply);
    json_decref(reply);
    pcn__rollback(r);
    r->audited = false; /* the refusal is audited by the dispatcher */
    return pcn__sp_reply_error(r, rc, &msg, rc == PCN_ECONFLICT && current ? current(r, id) : NULL);
}

bool pcn__sp_now(struct pcn__request *r, pcn_usec_t *ret)
{
    int32_t as_of = PCN_DATE_NONE;

    if (!pcn__query_date(r, "as_of", &as_of))
        return false;
    *ret = ((pcn_usec_t)as_of + 1) * USEC_PER_DAY - 1;
    return true;
}

bool pcn__sp_body_int(struct pcn__request *r, json_t *body, const char *name, bool required,
                      int64_t min, int64_t max, int64_t def, int64_t *ret)
{
    json_t *v = json_object_get(body, name);

    if (!v && !required) {
        *ret = def;
        return true;
    }
    if (!v || !json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        pcn__reply_error(r, 400, "invalid_field", "%s must be an integer from %lld to %lld%s", name,
                         (long long)min, (long long)max, required ? " and is required" : "");
        return false;
    }
    *ret = json_integer_value(v);
    return true;
}

bool pcn__sp_body_text(struct pcn__request *r, json_t *body, const char *name, bool required,
                       const char **ret)
{
    json_t *v = json_object_get(body, name);

    if (!required && (!v || json_is_null(v))) {
        *ret = NULL;
        return true;
    }
    *ret = pcn__body_string(r, body, name, required);
    return *ret != NULL;
}

/* ---- the directory ---- */

static const char *const search_params[] = {"category", "text",   "postcode", "km",
                                            "age",      "access", "stale",    "inactive",
                                            "limit",    "offset", NULL};

/* A ','- or ';'-separated query list in ';' form, into the arena. */
static char *list_param(struct pcn__request *r, const char *v)
{
    char *s = pcn_arena_strndup(r->arena, v, strlen(v));

    for (char *p = s; p && *p; p++) {
        if (*p == ',')
            *p = ';';
    }
    return s;
}

/* The search the query asks for (without its origin); replies 400 and returns false when bad. */
static bool search_query(struct pcn__request *r, struct pcn_asset_query *q, int64_t *limit,
                         int64_t *offset)
{
    struct pcn_error e;
    int64_t age = -1, stale = 0, inactive = 0;
    const char *v;

    memset(q, 0, sizeof(*q));
    if (!pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 50, limit) ||
        !pcn__query_int(r, "offset", 0, MAX_OFFSET, 0, offset) ||
        !pcn__query_int(r, "age", 0, 120, -1, &age) ||
        !pcn__query_int(r, "stale", 0, 1, 0, &stale) ||
        !pcn__query_int(r, "inactive", 0, 1, 0, &inactive))
        return false;
    q->age = (int)age;
    q->only_stale = (int)stale;
    q->include_inactive = (int)inactive;
    q->as_of = pcn_date_today();
    q->limit = (size_t)*limit;
    q->offset = (size_t)*offset;
    v = pcn__query(r, "category");
    if (v) {
        char *list = list_param(r, v);
        if (!list || pcn_asset_categories_parse(list, &q->categories, &e) != PCN_OK) {
            pcn__reply_error(r, 400, "invalid_parameter", "category: %s",
                             list ? e.msg : "out of memory");
            return false;
        }
    }
    v = pcn__query(r, "access");
    if (v) {
        char *list = list_param(r, v);
        if (!list || pcn_asset_access_parse(list, &q->access, &e) != PCN_OK) {
            pcn__reply_error(r, 400, "invalid_parameter", "access: %s",
                             list ? e.msg : "out of memory");
            return false;
        }
    }
    q->text = pcn__query(r, "text");
    if (q->text && strlen(q->text) > PCN_ASSET_QUERY_TEXT_MAX) {
        pcn__reply_error(r, 400, "invalid_parameter", "text: at most %d bytes",
                         PCN_ASSET_QUERY_TEXT_MAX);
        return false;
    }
    v = pcn__query(r, "km");
    if (v && (pcn_parse_double(v, strlen(v), &q->max_km) != PCN_OK || !(q->max_km >= 0) ||
              q->max_km > 1000)) {
        pcn__reply_error(r, 400, "invalid_parameter", "km must be a number from 0 to 1000");
        return false;
    }
    return true;
}

/* Run a search and reply with its table and paging (origin: what distances are from). */
static int reply_search(struct pcn__request *r, const struct pcn_asset_query *q, int64_t limit,
                        int64_t offset, json_t *origin)
{
    const struct pcn_directory *d = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t total = 0;
    enum pcn_err rc = directory(r, &d, &e);

    if (rc == PCN_OK)
        rc = pcn_sp_view_assets(d, q, &t, &total, &e);
    if (rc != PCN_OK) {
        json_decref(origin);
        return pcn__sp_reply_error(r, rc, &e, NULL);
    }
    return pcn__reply_table(r, PCN_OK, t,
                            json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "limit",
                                      (json_int_t)limit, "offset", (json_int_t)offset, "origin",
                                      origin ? origin : json_null()));
}

int pcn__api_sp_assets(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    struct pcn_asset_query q;
    int64_t limit = 0, offset = 0;
    const char *postcode;
    json_t *origin = NULL;

    if (!pcn__check_query(r, search_params) || !search_query(r, &q, &limit, &offset))
        return 0;
    postcode = pcn__query(r, "postcode");
    if (postcode) {
        struct pcn_place place;
        char normal[9];
        if (pcn_postcode_normalise(postcode, strlen(postcode), normal) != PCN_OK)
            return pcn__reply_error(r, 400, "invalid_parameter", "postcode: not a UK postcode");
        if (pcn_geo_postcode(pcn__sp_geo(r), normal, &place) != PCN_OK)
            return pcn__reply_error(r, 400, "invalid_parameter",
                                    "postcode: %s is not in the postcode table (it covers %s)",
                                    normal, pcn_geo_coverage(pcn__sp_geo(r)));
        q.has_origin = 1;
        q.lat = place.lat;
        q.lon = place.lon;
        origin = json_pack("{s:s,s:s,s:b}", "postcode", normal, "lsoa", place.lsoa, "exact", 1);
        if (!origin)
            return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    return reply_search(r, &q, limit, offset, origin);
}

/* One stored asset as an sp_assets table of one row. */
struct one_asset {
    struct pcn_directory *d;
    struct pcn_error *e;
    enum pcn_err rc;
};

static int take_asset(const struct pcn_asset *a, void *ud)
{
    struct one_asset *o = ud;

    o->rc = pcn_directory_add(o->d, a, NULL, o->e);
    return 1;
}

static enum pcn_err asset_table(struct pcn__request *r, int64_t id, struct pcn_table **ret,
                                struct pcn_error *e)
{
    struct one_asset o = {pcn_directory_new(), NULL, PCN_OK};
    struct pcn_asset_query q = {.age = -1, .include_inactive = 1, .as_of = pcn_date_today()};
    enum pcn_err rc;

    o.e = e; /* an out-parameter: written, never read */

    if (!o.d)
        return pcn_error_set(e, PCN_ENOMEM, "out of memory");
    rc = pcn_store_get_asset(r->store, id, take_asset, &o);
    if (rc != PCN_OK)
        rc = pcn_error_set(e, rc, "%s", pcn_store_errmsg(r->store));
    else
        rc = o.rc;
    if (rc == PCN_OK)
        rc = pcn_sp_view_assets(o.d, &q, ret, NULL, e);
    pcn_directory_free(o.d);
    return rc;
}

/* An asset as it is now, for a conflict's reply. */
static json_t *asset_current(struct pcn__request *r, int64_t id)
{
    struct pcn_table *t = NULL;
    struct pcn_error ignored = {0};
    json_t *j = asset_table(r, id, &t, &ignored) == PCN_OK ? pcn__table_json(t) : NULL;

    pcn_table_free(t);
    return j;
}

static bool id_param(struct pcn__request *r, int i, const char *what, int64_t *ret)
{
    const char *s = pcn__param(r, i);

    if (!s || pcn_parse_range(s, strlen(s), 1, INT64_MAX, ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "the %s id is a positive number", what);
        return false;
    }
    return true;
}

int pcn__api_sp_asset(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t id = 0;

    if (!pcn__check_query(r, NULL) || !id_param(r, 0, "asset", &id))
        return 0;
    enum pcn_err rc = asset_table(r, id, &t, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    return pcn__reply_table(r, PCN_OK, t, json_object());
}

int pcn__api_sp_assets_export(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    const struct pcn_directory *d = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error e;
    char *body = NULL;

    if (!pcn__check_query(r, NULL))
        return 0;
    enum pcn_err rc = directory(r, &d, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc, &e, NULL);
    rc = pcn_directory_write_csv(d, &b);
    if (rc == PCN_OK)
        body = pcn_arena_strndup(r->arena, b.buf ? b.buf : "", b.len);
    pcn_buf_release(&b);
    if (!body)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    r->disposition = "attachment; filename=\"assets.csv\"";
    return pcn__reply_raw(r, 200, "text/csv; charset=utf-8", body, strlen(body));
}

/* The directory's columns an asset body may name (docs/formats.md), plus the version read. */
static const char *const asset_fields[] = {"name",           "organisation",
                                           "categories",     "description",
                                           "address",        "postcode",
                                           "lsoa",           "latitude",
                                           "longitude",      "sessions",
                                           "sessions_note",  "cost",
                                           "cost_note",      "access",
                                           "min_age",        "max_age",
                                           "capacity",       "phone",
                                           "email",          "website",
                                           "referral_route", "route_note",
                                           "last_verified",  "active",
                                           "version",        NULL};

/* A body member as the text a CSV cell would hold; NULL (replied 400) when it cannot be one. */
static const char *field_text(struct pcn__request *r, const char *name, json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_null(v))
        return "";
    if (json_is_boolean(v))
        return json_is_true(v) ? "yes" : "no";
    if (json_is_integer(v))
        return pcn_arena_printf(r->arena, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v) && isfinite(json_real_value(v)))
        return pcn_arena_printf(r->arena, "%.17g", json_real_value(v));
    if (json_is_array(v)) {
        /* a list (categories, access): its strings joined by ';' */
        struct pcn_buf b = PCN_BUF_INIT;
        size_t i;
        json_t *item;
        bool ok = true;
        json_array_foreach(v, i, item)
        {
            ok = ok && json_is_string(item) &&
                 pcn_buf_addf(&b, "%s%s", i ? ";" : "", json_string_value(item)) == PCN_OK;
        }
        const char *s = ok ? pcn_arena_strndup(r->arena, b.buf ? b.buf : "", b.len) : NULL;
        pcn_buf_release(&b);
        if (s)
            return s;
    }
    pcn__reply_error(r, 400, "invalid_field", "%s: a string, number, yes/no or list of strings",
                     name);
    return NULL;
}

/* Read an asset body into a one-asset directory; replies 400 and returns NULL when bad. */
static const struct pcn_asset *body_asset(struct pcn__request *r, json_t *body,
                                          struct pcn_directory *d)
{
    const char *names[PCN_ARRAY_SIZE(asset_fields)];
    const char *values[PCN_ARRAY_SIZE(asset_fields)];
    const struct pcn_asset *a = NULL;
    struct pcn_error e;
    size_t n = 0;
    const char *key;
    json_t *v;

    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "version") == 0)
            continue;
        if (n >= PCN_ARRAY_SIZE(names))
            break; /* pcn__body_object allowed only the listed names */
        names[n] = key;
        values[n] = field_text(r, key, v);
        if (!values[n])
            return NULL;
        n++;
    }
    if (pcn_directory_add_fields(d, names, values, n, pcn__sp_geo(r), pcn_date_today(), &a, &e) !=
        PCN_OK) {
        pcn__reply_error(r, 400, "invalid_field", "%s", e.msg);
        return NULL;
    }
    return a;
}

static void free_directory(void *p)
{
    pcn_directory_free(p);
}

/* Add (id 0) or update an asset from the body; 409 with the stored asset on a stale version. */
static int put_asset(struct pcn__request *r, int64_t id)
{
    json_t *body = pcn__body_object(r, asset_fields);
    struct pcn_directory *d = pcn_directory_new();
    const struct pcn_asset *read;
    struct pcn_error e = {0};
    int64_t version = 0, new_id = id, new_version = 0;

    if (!d || pcn_arena_on_cleanup(r->arena, free_directory, d) != PCN_OK) {
        pcn_directory_free(d);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    if (!body || !pcn__check_query(r, NULL) ||
        !pcn__sp_body_int(r, body, "version", id != 0, 1, INT64_MAX, 0, &version))
        return 0;
    r->object_type = "sp_asset";
    r->object_id = id ? pcn_arena_printf(r->arena, "%lld", (long long)id) : NULL;
    read = body_asset(r, body, d);
    if (!read)
        return 0;
    struct pcn_asset a = *read;
    a.id = id;
    a.version = version;
    enum pcn_err rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_put_asset(r->store, &a, id ? NULL : &new_id, &new_version, &e);
    if (rc == PCN_OK)
        r->object_id = pcn_arena_printf(r->arena, "%lld", (long long)new_id);
    return pcn__sp_finish(
        r, rc, &e, id ? 200 : 201,
        json_pack("{s:I,s:I}", "id", (json_int_t)new_id, "version", (json_int_t)new_version),
        asset_current, id);
}

int pcn__api_sp_asset_add(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    return put_asset(r, 0);
}

int pcn__api_sp_asset_update(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    int64_t id = 0;

    return id_param(r, 0, "asset", &id) ? put_asset(r, id) : 0;
}

int pcn__api_sp_assets_import(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const fields[] = {"csv", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *csv = body ? pcn__body_string(r, body, "csv", true) : NULL;
    struct pcn_directory *d = pcn_directory_new();
    struct pcn_asset_import sum = {0};
    struct pcn_error e = {0};
    enum pcn_err rc;

    if (!d || pcn_arena_on_cleanup(r->arena, free_directory, d) != PCN_OK) {
        pcn_directory_free(d);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    if (!csv || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "sp_directory";
    rc = pcn_directory_read_csv_mem(d, csv, strlen(csv), "csv", pcn__sp_geo(r), pcn_date_today(),
                                    &sum, &e);
    if (rc != PCN_OK)
        return pcn__sp_reply_error(r, rc == PCN_ENOMEM ? rc : PCN_EINVAL, &e, NULL);
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_sp_store_directory(r->store, d, "csv", &e);
    return pcn__sp_finish(r, rc == PCN_ENOTFOUND ? PCN_EINVAL : rc, &e, 200,
                          json_pack("{s:I,s:I,s:I,s:I,s:I}", "rows", (json_int_t)sum.rows,
                                    "located", (json_int_t)sum.located, "outside_coverage",
                                    (json_int_t)sum.outside_coverage, "without_postcode",
                                    (json_int_t)sum.without_postcode, "stale",
                                    (json_int_t)sum.stale),
                          NULL, 0);
}

/* ---- the directory from a patient's home ---- */

struct patient_place {
    bool found;
    char patient_id[65];
    char practice[16];
    char postcode[9];
    char lsoa[10];
};

static int take_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct patient_place *pp = ud;

    (void)key;
    pp->found = true;
    (void)snprintf(pp->patient_id, sizeof(pp->patient_id), "%s", p->patient_id);
    (void)snprintf(pp->practice, sizeof(pp->practice), "%s", p->practice ? p->practice : "");
    (void)snprintf(pp->postcode, sizeof(pp->postcode), "%s", p->postcode ? p->postcode : "");
    (void)snprintf(pp->lsoa, sizeof(pp->lsoa), "%s", p->lsoa ? p->lsoa : "");
    return 1;
}

/*
 * Whether the caller may see this patient; replies and returns false when
 * not. A practice manager asking for another practice's patient gets the
 * answer of a key that names nobody (404), as from GET /patients/{key}, so
 * that trying keys cannot count other practices' patients.
 */
static bool may_see_patient(struct pcn__request *r, const struct patient_place *pp)
{
    bool mine = false;

    switch (r->who.role) {
    case PCN_ROLE_CLINICAL_DIRECTOR:
    case PCN_ROLE_CLINICIAN:
        return true;
    case PCN_ROLE_PRACTICE_MANAGER:
        if (r->who.practice && strcmp(r->who.practice, pp->practice) == 0)
            return true;
        pcn__reply_error(r, 404, "not_found", "no such patient");
        return false;
    case PCN_ROLE_LINK_WORKER: {
        enum pcn_err rc = pcn__sp_in_caseload(r, pp->patient_id, &mine);
        if (rc != PCN_OK) {
            pcn__reply_store_error(r, rc);
            return false;
        }
        if (mine)
            return true;
        pcn__reply_error(r, 403, "forbidden", "the patient has no open referral in your caseload");
        return false;
    }
    default:
        pcn__reply_error(r, 403, "forbidden", "your role sees aggregates only");
        return false;
    }
}

int pcn__api_sp_patient_assets(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"category", "text",     "km",    "age",    "access",
                                         "stale",    "inactive", "limit", "offset", NULL};
    struct patient_place pp = {0};
    struct pcn_asset_query q;
    struct pcn_place place;
    struct pcn_error e;
    int64_t key = 0, limit = 0, offset = 0;
    int exact = 0;

    r->object_type = "patient";
    r->object_id = pcn__param(r, 0);
    if (!pcn__check_query(r, params) || !search_query(r, &q, &limit, &offset))
        return 0;
    if (!id_param(r, 0, "patient", &key))
        return 0;
    /* the audit row names the key canonically, then the patient's stable identifier too */
    r->object_id = pcn_arena_printf(r->arena, "key=%lld", (long long)key);
    enum pcn_err rc = pcn_store_get_patient(r->store, key, take_patient, &pp);
    if (rc == PCN_ENOTFOUND)
        return pcn__reply_error(r, 404, "not_found", "no such patient");
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    r->object_id =
        pcn_arena_printf(r->arena, "patient_id=%s key=%lld", pp.patient_id, (long long)key);
    if (!may_see_patient(r, &pp))
        return 0;
    json_t *origin = NULL;
    if (pcn_geo_locate(pcn__sp_geo(r), pp.postcode[0] ? pp.postcode : NULL,
                       pp.lsoa[0] ? pp.lsoa : NULL, &place, &exact, &e) == PCN_OK) {
        q.has_origin = 1;
        q.lat = place.lat;
        q.lon = place.lon;
        origin = json_pack("{s:s,s:s}", "from", exact ? "postcode" : "lsoa", "lsoa", place.lsoa);
    } else {
        /* outside the postcode table: the directory without distances, and why */
        origin = json_pack("{s:n,s:s}", "from", "reason", e.msg);
    }
    if (!origin)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    return reply_search(r, &q, limit, offset, origin);
}

/* ---- outcomes and reports ---- */

static int reply_view(struct pcn__request *r, enum pcn_err rc, struct pcn_table *t,
                      const struct pcn_error *e, json_t *extra)
{
    if (rc != PCN_OK) {
        json_decref(extra);
        return pcn__sp_reply_error(r, rc, e, NULL);
    }
    return pcn__reply_table(r, PCN_OK, t, extra);
}

int pcn__api_sp_outcomes(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"as_of", NULL};
    struct pcn_sp_view_opts o = {.suppress_below = pcn__suppress(r)};
    struct pcn_table *t = NULL;
    struct pcn_error e;

    if (!pcn__check_query(r, params) || !pcn__sp_now(r, &o.now))
        return 0;
    enum pcn_err rc = pcn_sp_view_outcomes(r->store, &o, &t, &e);
    return reply_view(r, rc, t, &e, json_object());
}

bool pcn__sp_narrow(struct pcn__request *r, struct pcn_sp_view_opts *o)
{
    switch (r->who.role) {
    case PCN_ROLE_LINK_WORKER:
        if (o->link_worker && strcmp(o->link_worker, r->who.name) != 0) {
            pcn__reply_error(r, 403, "forbidden", "link workers see their own caseload only");
            return false;
        }
        o->link_worker = r->who.name;
        return true;
    case PCN_ROLE_PRACTICE_MANAGER:
        if (!r->who.practice) {
            pcn__reply_error(r, 403, "forbidden", "your account has no practice");
            return false;
        }
        o->practice = r->who.practice;
        return true;
    case PCN_ROLE_CLINICAL_DIRECTOR:
    case PCN_ROLE_CLINICIAN:
        return true;
    default:
        pcn__reply_error(r, 403, "forbidden", "your role sees aggregates only");
        return false;
    }
}

int pcn__api_sp_outcome_people(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"as_of", "link_worker", NULL};
    struct pcn_sp_view_opts o = {0};
    struct pcn_table *t = NULL;
    struct pcn_error e;

    r->object_type = "sp_outcomes";
    if (!pcn__check_query(r, params) || !pcn__sp_now(r, &o.now))
        return 0;
    o.link_worker = pcn__query(r, "link_worker");
    if (!pcn__sp_narrow(r, &o))
        return 0;
    enum pcn_err rc = pcn_sp_view_outcome_pairs(r->store, &o, &t, &e);
    return reply_view(r, rc, t, &e, json_object());
}

/* A date query parameter as the instant its day starts; 0 when absent. */
static bool day_param(struct pcn__request *r, const char *name, int end, pcn_usec_t *ret)
{
    const char *v = pcn__query(r, name);
    int32_t d = 0;

    *ret = 0;
    if (!v)
        return true;
    if (pcn_date_parse(v, strlen(v), &d) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "%s must be a date (YYYY-MM-DD)", name);
        return false;
    }
    *ret = ((pcn_usec_t)d + end) * USEC_PER_DAY;
    return true;
}

int pcn__api_sp_report(struct pcn__request *r)
{
    if (!pcn__sp_ready(r))
        return 0;
    static const char *const params[] = {"as_of", "from", "to", NULL};
    const char *name = pcn__param(r, 0);
    struct pcn_sp_view_opts o = {.suppress_below = pcn__suppress(r), .imd = r->srv->sp->imd};
    const struct pcn_directory *d = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__sp_now(r, &o.now) ||
        !day_param(r, "from", 0, &o.from) || !day_param(r, "to", 1, &o.to))
        return 0;
    if (!name)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    if ((o.from && !o.to) || (!o.from && o.to) || (o.from && o.from >= o.to))
        return pcn__reply_error(r, 400, "invalid_parameter",
                                "from and to go together, from on or before to");
    if (strcmp(name, "caseloads") == 0) {
        rc = pcn_sp_view_caseloads(r->store, &o, &t, &e);
    } else if (strcmp(name, "activity") == 0) {
        rc = pcn_sp_view_activity(r->store, &o, &t, &e);
    } else if (strcmp(name, "rates") == 0) {
        rc = pcn_sp_view_rates(r->store, &o, &t, &e);
    } else if (strcmp(name, "categories") == 0 || strcmp(name, "coverage") == 0) {
        rc = directory(r, &d, &e);
        if (rc == PCN_OK)
            rc = strcmp(name, "categories") == 0 ? pcn_sp_view_categories(r->store, d, &o, &t, &e)
                                                 : pcn_sp_view_coverage(r->store, d, &o, &t, &e);
    } else {
        return pcn__reply_error(r, 404, "not_found",
                                "no report '%.40s' (caseloads, activity, rates, categories, "
                                "coverage)",
                                name);
    }
    return reply_view(r, rc, t, &e, json_object());
}
