/*
 * http.c - what handlers share: JSON and error replies, query parameters
 * with ranges, request bodies parsed under size and depth limits with
 * unknown members refused, small-number suppression, and the server log.
 * Replies are built in the request's arena and copied once into the
 * libmicrohttpd response.
 */
#include "server/server_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/table.h"
#include "util/common.h"

void pcn__log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fprintf(stderr, "pcn serve: %s\n", line);
}

int pcn__reply_raw(struct pcn__request *r, int status, const char *type, const char *body,
                   size_t len)
{
    r->status = status;
    r->content_type = type;
    r->resp = body;
    r->resp_len = len;
    return 0;
}

static void release_json(void *p)
{
    json_decref(p);
}

static void release_buf(void *p)
{
    pcn_buf_release(p);
}

struct pcn_buf *pcn__reply_buf_new(struct pcn__request *r)
{
    struct pcn_buf *b = pcn_arena_alloc(r->arena, sizeof(*b));

    if (!b)
        return NULL;
    pcn_buf_init(b, (size_t)1 << 30);
    if (pcn_arena_on_cleanup(r->arena, release_buf, b) != PCN_OK)
        return NULL;
    return b;
}

int pcn__reply_json(struct pcn__request *r, int status, json_t *j)
{
    size_t len;
    char *body;

    if (!j)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    len = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(15));
    body = len ? pcn_arena_alloc(r->arena, len + 1) : NULL;
    if (!body || json_dumpb(j, body, len, JSON_COMPACT | JSON_REAL_PRECISION(15)) != len) {
        json_decref(j);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    body[len] = '\0';
    json_decref(j);
    return pcn__reply_raw(r, status, "application/json", body, len);
}

int pcn__reply_error(struct pcn__request *r, int status, const char *code, const char *fmt, ...)
{
    static const char fallback[] =
        "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}";
    char msg[512];
    json_t *j;
    va_list ap;
    size_t len;
    char *body;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    len = j ? json_dumpb(j, NULL, 0, JSON_COMPACT) : 0;
    body = len ? pcn_arena_alloc(r->arena, len + 1) : NULL;
    if (!body || json_dumpb(j, body, len, JSON_COMPACT) != len) {
        json_decref(j);
        return pcn__reply_raw(r, 503, "application/json", fallback, sizeof(fallback) - 1);
    }
    body[len] = '\0';
    json_decref(j);
    return pcn__reply_raw(r, status, "application/json", body, len);
}

int pcn__reply_store_error(struct pcn__request *r, enum pcn_err rc)
{
    const char *msg = r->store ? pcn_store_errmsg(r->store) : pcn_err_str(rc);

    switch (rc) {
    case PCN_ENOTFOUND:
        return pcn__reply_error(r, 404, "not_found", "%s", msg);
    case PCN_ECONFLICT:
        return pcn__reply_error(r, 409, "conflict", "%s", msg);
    case PCN_ENOMEM:
    case PCN_EAGAIN:
        return pcn__reply_error(r, 503, "unavailable", "%s; try again", pcn_err_str(rc));
    case PCN_ETIMEDOUT:
        return pcn__reply_error(r, 503, "timeout",
                                "the request took longer than the server's limit of %.3g s",
                                (double)r->srv->cfg.request_time_limit_usec / 1e6);
    default:
        /* The store's message may quote data; the log gets the code only. */
        pcn__log("%s %s: %s", r->method, r->match.route ? r->match.route->pattern : "?",
                 pcn_err_name(rc));
        return pcn__reply_error(r, pcn_err_http_status(rc) >= 500 ? pcn_err_http_status(rc) : 500,
                                "internal", "%s", pcn_err_str(rc));
    }
}

const char *pcn__param(struct pcn__request *r, int i)
{
    if (i >= r->match.n_params)
        return NULL;
    return pcn_arena_strndup(r->arena, r->match.params[i].s, r->match.params[i].len);
}

struct query_check {
    const char *const *allowed;
    const char *bad;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct query_check *q = cls;

    (void)kind;
    (void)value;
    for (const char *const *a = q->allowed; *a; a++) {
        if (strcmp(*a, key) == 0)
            return MHD_YES;
    }
    q->bad = key;
    return MHD_NO;
}

bool pcn__check_query(struct pcn__request *r, const char *const *allowed)
{
    static const char *const none[] = {NULL};
    struct query_check q = {allowed ? allowed : none, NULL};

    (void)MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
    if (q.bad) {
        pcn__reply_error(r, 400, "unknown_parameter", "unknown query parameter '%.64s'", q.bad);
        return false;
    }
    return true;
}

const char *pcn__query(struct pcn__request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool pcn__query_int(struct pcn__request *r, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *ret)
{
    const char *v = pcn__query(r, name);

    if (!v) {
        *ret = def;
        return true;
    }
    if (pcn_parse_range(v, strlen(v), min, max, ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "%s must be an integer from %lld to %lld",
                         name, (long long)min, (long long)max);
        return false;
    }
    return true;
}

bool pcn__query_date(struct pcn__request *r, const char *name, int32_t *ret)
{
    const char *v = pcn__query(r, name);

    if (!v) {
        enum pcn_err rc = pcn_store_default_as_of(r->store, ret);
        if (rc != PCN_OK)
            pcn__reply_store_error(r, rc);
        return rc == PCN_OK;
    }
    if (pcn_date_parse_iso(v, strlen(v), ret) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "%s must be a date (YYYY-MM-DD)", name);
        return false;
    }
    return true;
}

/* Deepest nesting of arrays and objects, ignoring brackets inside strings. */
static int json_depth(const char *s, size_t len, int limit)
{
    int depth = 0;
    int max = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
            if (depth > max)
                max = depth;
            if (max > limit)
                return max;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return max;
}

enum pcn_err pcn_server_parse_body(const char *body, size_t len, size_t max_len, int max_depth,
                                   void **ret, struct pcn_error *reterr)
{
    json_error_t jerr;
    json_t *j;

    if (len > max_len)
        return pcn_error_set(reterr, PCN_ELIMIT, "body larger than %zu bytes", max_len);
    if (len == 0)
        return pcn_error_set(reterr, PCN_EPARSE, "empty body: expected a JSON object");
    if (json_depth(body, len, max_depth) > max_depth)
        return pcn_error_set(reterr, PCN_ELIMIT, "JSON nested deeper than %d levels", max_depth);
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j)
        return pcn_error_set(reterr, PCN_EPARSE, "malformed JSON at line %d column %d: %s",
                             jerr.line, jerr.column, jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return pcn_error_set(reterr, PCN_EINVAL, "expected a JSON object");
    }
    *ret = j;
    return PCN_OK;
}

static bool is_json_type(const char *type)
{
    size_t n = strlen("application/json");

    return type && strncmp(type, "application/json", n) == 0 &&
           (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

json_t *pcn__body_object(struct pcn__request *r, const char *const *allowed)
{
    const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    struct pcn_error err;
    void *out = NULL;
    const char *key;
    json_t *value;
    enum pcn_err rc;

    if (!is_json_type(type)) {
        pcn__reply_error(r, 415, "unsupported_media_type", "Content-Type must be application/json");
        return NULL;
    }
    rc = pcn_server_parse_body(r->body.buf, r->body.len, (size_t)r->srv->cfg.max_body,
                               r->srv->cfg.json_max_depth, &out, &err);
    if (rc != PCN_OK) {
        pcn__reply_error(r, rc == PCN_ELIMIT ? 413 : 400,
                         rc == PCN_ELIMIT ? "payload_too_large" : "malformed_json", "%s", err.msg);
        return NULL;
    }
    if (pcn_arena_on_cleanup(r->arena, release_json, out) != PCN_OK) {
        json_decref(out);
        pcn__reply_error(r, 503, "unavailable", "out of memory");
        return NULL;
    }
    json_object_foreach((json_t *)out, key, value)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            pcn__reply_error(r, 400, "unknown_field", "unknown field '%.64s'", key);
            return NULL;
        }
    }
    return out;
}

const char *pcn__body_string(struct pcn__request *r, json_t *obj, const char *name, bool required)
{
    json_t *v = json_object_get(obj, name);

    if (!v && !required)
        return NULL;
    if (!v || !json_is_string(v)) {
        pcn__reply_error(r, 400, "invalid_field", "%s must be a string%s", name,
                         required ? " and is required" : "");
        return NULL;
    }
    return json_string_value(v);
}

int pcn__suppress(const struct pcn__request *r)
{
    return r->authed && pcn_role_is_aggregate_only(r->who.role) ? r->srv->cfg.suppress_below : 0;
}

int pcn__round(const struct pcn__request *r)
{
    return r->authed && pcn_role_is_aggregate_only(r->who.role) ? r->srv->cfg.round_to : 0;
}

json_t *pcn__count_json(struct pcn__request *r, int64_t n)
{
    int below = pcn__suppress(r);

    if (below > 0 && n > 0 && n < below)
        return json_null();
    return json_integer(n);
}

json_t *pcn__table_json(const struct pcn_table *t)
{
    void *j = NULL;

    return t && pcn_table_to_json(t, &j) == PCN_OK ? j : NULL;
}

int pcn__reply_table(struct pcn__request *r, enum pcn_err rc, struct pcn_table *t, json_t *extra)
{
    json_t *j = NULL;

    if (rc == PCN_OK) {
        j = pcn__table_json(t);
        if (j && (!extra || json_object_update(j, extra) != 0)) {
            json_decref(j);
            j = NULL;
        }
    }
    pcn_table_free(t);
    json_decref(extra);
    return rc == PCN_OK ? pcn__reply_json(r, 200, j) : pcn__reply_store_error(r, rc);
}

/* Take the write lock, waiting at most until the request's deadline. */
static enum pcn_err lock_write(struct pcn__request *r)
{
    struct timespec until;
    int64_t left = r->deadline ? r->deadline - pcn_monotonic_usec() : 0;

    if (!r->deadline)
        return pthread_mutex_lock(&r->srv->write_lock) == 0 ? PCN_OK : PCN_EAGAIN;
    if (left <= 0)
        return PCN_ETIMEDOUT;
    (void)clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(left / 1000000);
    until.tv_nsec += (long)(left % 1000000) * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    switch (pthread_mutex_timedlock(&r->srv->write_lock, &until)) {
    case 0:
        return PCN_OK;
    case ETIMEDOUT:
        return PCN_ETIMEDOUT;
    default:
        return PCN_EAGAIN;
    }
}

enum pcn_err pcn__begin(struct pcn__request *r)
{
    enum pcn_err rc = lock_write(r);

    if (rc != PCN_OK)
        return rc;
    r->holds_write = true;
    rc = pcn_store_begin(r->store);
    if (rc != PCN_OK) {
        r->holds_write = false;
        (void)pthread_mutex_unlock(&r->srv->write_lock);
    }
    return rc;
}

static void release_write(struct pcn__request *r)
{
    if (r->holds_write) {
        r->holds_write = false;
        (void)pthread_mutex_unlock(&r->srv->write_lock);
    }
}

enum pcn_err pcn__commit(struct pcn__request *r)
{
    enum pcn_err rc = pcn_store_commit(r->store);

    release_write(r);
    return rc;
}

void pcn__rollback(struct pcn__request *r)
{
    pcn_store_rollback(r->store);
    release_write(r);
}

enum pcn_err pcn__audit_tx(struct pcn__request *r, int status)
{
    struct pcn_audit_row a = {
        .user_name = r->authed ? r->who.name : "",
        .role = r->authed ? pcn_role_name(r->who.role) : "",
        .method = r->method,
        .route = r->match.route ? r->match.route->pattern : "",
        .object_type = r->object_type,
        .object_id = r->object_id,
        .status = status,
    };

    r->audited = true;
    return pcn_audit_append_tx(r->store, &a);
}
