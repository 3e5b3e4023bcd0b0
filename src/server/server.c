/*
 * server.c - libmicrohttpd wiring: a thread pool (epoll where available)
 * calls on_request per request; the body is gathered under max_body into
 * the request's buffer, then the request is routed, authenticated,
 * authorised, answered (from the cache when it can be) and audited, all
 * with one store handle borrowed from the pool (one per worker), under the
 * request time limit (a deadline on the store handle and the engine).
 * Shutdown quiesces the listener, waits for requests in flight, then stops.
 */
#include "server/population.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "util/common.h"

#define REQUEST_ARENA_BLOCK 16384
#define REQUEST_ARENA_MAX (64u << 20)

static struct pcn_store *pool_take(struct pcn_server *srv)
{
    struct pcn_store *s;

    (void)pthread_mutex_lock(&srv->lock);
    while (srv->n_free == 0)
        (void)pthread_cond_wait(&srv->cond, &srv->lock);
    s = srv->pool[--srv->n_free];
    (void)pthread_mutex_unlock(&srv->lock);
    return s;
}

static void pool_give(struct pcn_server *srv, struct pcn_store *s)
{
    (void)pcn_store_set_deadline(s, 0);
    pcn_store_rollback(s); /* a handler never leaves a transaction open */
    pcn_store_end_read(s);
    (void)pthread_mutex_lock(&srv->lock);
    srv->pool[srv->n_free++] = s;
    (void)pthread_cond_broadcast(&srv->cond);
    (void)pthread_mutex_unlock(&srv->lock);
}

static struct pcn__request *request_new(struct pcn_server *srv, struct MHD_Connection *conn,
                                        const char *url, const char *method)
{
    struct pcn__request *r = pcn_calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->arena = pcn_arena_new(REQUEST_ARENA_BLOCK, REQUEST_ARENA_MAX);
    if (!r->arena) {
        pcn_free(r);
        return NULL;
    }
    r->srv = srv;
    r->conn = conn;
    r->url = url;
    r->method = method;
    r->fd = -1;
    r->started_usec = pcn_monotonic_usec();
    pcn_buf_init(&r->body, (size_t)srv->cfg.max_body);
    (void)pthread_mutex_lock(&srv->lock);
    srv->active++;
    (void)pthread_mutex_unlock(&srv->lock);
    return r;
}

static void request_free(struct pcn__request *r)
{
    struct pcn_server *srv = r->srv;

    if (r->fd >= 0)
        (void)close(r->fd);
    pcn_buf_release(&r->body);
    pcn_arena_free(r->arena);
    pcn_free(r);
    (void)pthread_mutex_lock(&srv->lock);
    srv->active--;
    (void)pthread_cond_broadcast(&srv->cond);
    (void)pthread_mutex_unlock(&srv->lock);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pcn__request *r = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!r)
        return;
    if (r->srv->cfg.access_log) {
        const char *what = r->match.route                     ? r->match.route->pattern
                           : strncmp(r->url, "/api/", 5) == 0 ? "(no route)"
                                                              : "(static)";
        pcn__log("%s %s %d %.1fms %s", r->method, what, r->status,
                 (double)(pcn_monotonic_usec() - r->started_usec) / 1000.0,
                 r->authed ? pcn_role_name(r->who.role) : "-");
    }
    request_free(r);
    *con_cls = NULL;
}

static enum MHD_Result add_header(struct MHD_Response *resp, const char *name, const char *value)
{
    return value ? MHD_add_response_header(resp, name, value) : MHD_YES;
}

static enum MHD_Result queue_reply(struct pcn__request *r)
{
    struct MHD_Response *resp;
    bool is_api = strncmp(r->url, "/api/", 5) == 0;
    enum MHD_Result ok;

    if (r->fd >= 0) {
        resp = MHD_create_response_from_fd64(r->fd_size, r->fd);
        if (resp)
            r->fd = -1; /* the response owns it now */
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, (void *)(uintptr_t)r->resp,
                                               MHD_RESPMEM_MUST_COPY);
    }
    if (!resp)
        return MHD_NO;
    ok = add_header(resp, "Content-Type", r->content_type);
    ok &= add_header(resp, "X-Content-Type-Options", "nosniff");
    ok &= add_header(resp, "X-Frame-Options", "DENY");
    ok &= add_header(resp, "Referrer-Policy", "no-referrer");
    ok &= add_header(resp, "Cache-Control", is_api ? "no-store" : "no-cache");
    if (!is_api)
        ok &= add_header(resp, "Content-Security-Policy",
                         "default-src 'self'; frame-ancestors 'none'");
    ok &= add_header(resp, "Set-Cookie", r->set_cookie);
    ok &= add_header(resp, "Content-Disposition", r->disposition);
    if (r->status == 401)
        ok &= add_header(resp, "WWW-Authenticate", "Bearer");
    if (r->status == 405)
        ok &= add_header(resp, "Allow", is_api ? "GET, POST" : "GET, HEAD");
    if (r->srv->stopping)
        ok &= add_header(resp, "Connection", "close");
    if (ok == MHD_YES)
        ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

struct key_walk {
    struct pcn_buf *b;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct pcn_buf *b = cls;

    (void)kind;
    return pcn_buf_addf(b, "&%s=%s", key, value ? value : "") == PCN_OK ? MHD_YES : MHD_NO;
}

/*
 * The cache key: who-class, the definitions' version for routes that
 * depend on them, path and query. NULL when it does not fit.
 */
static const char *cache_key(struct pcn__request *r, const struct pcn__route_info *info)
{
    uint64_t defs = 0;
    struct pcn_buf b;
    const char *key = NULL;

    if (info->flags & PCN_ROUTE_FLAG_DEFS)
        defs = pcn__defs_current(pcn__engine_defs(r->srv->engine));
    pcn_buf_init(&b, 4096);
    if (pcn_buf_addf(&b, "%s %llu %s?",
                     pcn_role_is_aggregate_only(r->who.role) ? "aggregate" : "full",
                     (unsigned long long)defs, r->url) == PCN_OK &&
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b) >= 0)
        key = pcn_arena_strndup(r->arena, b.buf, b.len);
    pcn_buf_release(&b);
    return key;
}

static void run_handler(struct pcn__request *r, const struct pcn__route_info *info)
{
    const char *key = NULL;
    int64_t version = 0;
    size_t len = 0;

    if ((info->flags & PCN_ROUTE_FLAG_CACHE) &&
        pcn_store_data_version(r->store, &version) == PCN_OK)
        key = cache_key(r, info);
    if (key) {
        const char *hit =
            pcn__cache_get(r->srv->cache, &r->srv->lock, key, version, r->arena, &len);
        if (hit) {
            (void)pcn__reply_raw(r, 200, "application/json", hit, len);
            return;
        }
    }
    (void)info->handler(r);
    if (key && r->status == 200 && r->resp)
        pcn__cache_put(r->srv->cache, &r->srv->lock, key, version, r->resp, r->resp_len);
}

static void audit_outcome(struct pcn__request *r)
{
    struct pcn_audit_row a = {
        .user_name = r->authed ? r->who.name : "",
        .role = r->authed ? pcn_role_name(r->who.role) : "",
        .method = r->method,
        .route = r->match.route->pattern,
        .object_type = r->object_type,
        .object_id = r->object_id,
        .status = r->status,
    };
    enum pcn_err rc = pcn__audit_queue_submit(r->srv->audit, &a);

    if (rc != PCN_OK) {
        /* No record, no data: a patient read that cannot be audited is refused. */
        pcn__log("audit append failed: %s", pcn_err_name(rc));
        r->fd = -1;
        (void)pcn__reply_error(r, 503, "unavailable", "the audit log is unavailable");
    }
}

static void dispatch(struct pcn__request *r)
{
    const struct pcn__route_info *info;
    bool unsafe = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;

    if (strncmp(r->url, "/api/", 5) != 0) {
        (void)pcn__serve_static(r);
        return;
    }
    switch (pcn__route_find(pcn__api_routes, pcn__api_n_routes, r->method, r->url, &r->match)) {
    case PCN_ROUTE_NOT_FOUND:
        (void)pcn__reply_error(r, 404, "not_found", "no such route");
        return;
    case PCN_ROUTE_BAD_METHOD:
        (void)pcn__reply_error(r, 405, "method_not_allowed", "method not allowed on this route");
        return;
    case PCN_ROUTE_FOUND:
        break;
    }
    info = r->match.route->data;
    r->store = pool_take(r->srv);
    /* The time limit runs from here: store statements, engine chunks and commits check it. */
    r->deadline = pcn_monotonic_usec() + r->srv->cfg.request_time_limit_usec;
    if (pcn_store_set_deadline(r->store, r->deadline) != PCN_OK) {
        (void)pcn__reply_store_error(r, PCN_ESTORAGE);
        goto out;
    }
    /* Reads see one snapshot: never half of a concurrent write. */
    if (!unsafe && pcn_store_begin_read(r->store) != PCN_OK) {
        (void)pcn__reply_error(r, 503, "unavailable", "the database is busy; try again");
        goto out;
    }
    if (!(info->flags & PCN_ROUTE_FLAG_PUBLIC)) {
        if (!pcn__authenticate(r, unsafe))
            goto audit; /* audited only if the session was valid (a CSRF refusal) */
        if (!(info->roles & PCN_ROLE_BIT(r->who.role))) {
            (void)pcn__reply_error(r, 403, "forbidden", "role %s may not use this route",
                                   pcn_role_name(r->who.role));
            goto audit;
        }
    }
    if (!(info->flags & PCN_ROUTE_FLAG_BODY) && r->body.len > 0) {
        (void)pcn__reply_error(r, 400, "unexpected_body", "this route takes no request body");
        goto audit;
    }
    run_handler(r, info);
audit:
    pcn_store_end_read(r->store); /* not held while the audit row commits */
    if ((info->flags & PCN_ROUTE_FLAG_AUDIT) && !r->audited && (r->authed || r->object_type))
        audit_outcome(r);
out:
    if (PCN_NEVER(r->holds_write))
        pcn__rollback(r);
    pool_give(r->srv, r->store);
    r->store = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct pcn__request *r = *con_cls;

    (void)version;
    if (!r) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        uint64_t n = 0;
        r = request_new(cls, conn, url, method);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        if (cl &&
            (pcn_parse_u64(cl, strlen(cl), &n) != PCN_OK || n > (uint64_t)r->srv->cfg.max_body)) {
            r->body_too_large = true;
            (void)pcn__reply_error(r, 413, "payload_too_large", "request body over %lld bytes",
                                   (long long)r->srv->cfg.max_body);
            return queue_reply(r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_large && pcn_buf_add(&r->body, upload_data, *upload_size) != PCN_OK)
            r->body_too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->body_too_large)
        (void)pcn__reply_error(r, 413, "payload_too_large", "request body over %lld bytes",
                               (long long)r->srv->cfg.max_body);
    else
        dispatch(r);
    return queue_reply(r);
}

static enum pcn_err open_pool(struct pcn_server *srv, struct pcn_error *reterr)
{
    srv->n_pool = srv->cfg.threads;
    srv->pool = pcn_calloc((size_t)srv->n_pool, sizeof(struct pcn_store *));
    if (!srv->pool)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    for (int i = 0; i < srv->n_pool; i++) {
        enum pcn_err rc = pcn_store_open(srv->cfg.db, 0, &srv->pool[i], reterr);
        if (rc != PCN_OK)
            return rc;
        srv->n_free++;
    }
    return PCN_OK;
}

enum pcn_err pcn_server_new(const struct pcn_server_config *c, struct pcn_server **ret,
                            struct pcn_error *reterr)
{
    struct pcn_server *srv = NULL;
    char real[PATH_MAX];
    enum pcn_err rc;

    if (pcn_auth_init() != PCN_OK)
        return pcn_error_set(reterr, PCN_EIO, "cannot initialise libsodium");
    /* libmicrohttpd divides the connection limit among its threads. */
    if (c->max_connections < c->threads)
        return pcn_error_set(reterr, PCN_EINVAL, "max_connections (%d) is below threads (%d)",
                             c->max_connections, c->threads);
    srv = pcn_calloc(1, sizeof(*srv));
    if (!srv)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    srv->cfg = *c;
    (void)pthread_mutex_init(&srv->lock, NULL);
    (void)pthread_mutex_init(&srv->write_lock, NULL);
    (void)pthread_cond_init(&srv->cond, NULL);
    if (c->web_root[0] && realpath(c->web_root, real) && strlen(real) < sizeof(srv->web_root))
        memcpy(srv->web_root, real, strlen(real) + 1);
    srv->cache = pcn__cache_new(c->cache_entries);
    if (!srv->cache) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    rc = open_pool(srv, reterr);
    if (rc == PCN_OK)
        rc = pcn__audit_queue_new(c->db, &srv->write_lock, &srv->audit, reterr);
    if (rc == PCN_OK && pcn__ratelimit_new(c->public_per_minute, &srv->public_limit) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (rc == PCN_OK && pcn__engine_new(c->defs, c->snapshot_file, &srv->engine) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (rc == PCN_OK)
        rc = pcn__sp_new(c, &srv->sp, reterr);
    if (rc != PCN_OK)
        goto out;
    *ret = srv;
    srv = NULL;
out:
    pcn_server_free(srv);
    return rc;
}

static enum pcn_err parse_listen(const char *listen, struct sockaddr_in *ret,
                                 struct pcn_error *reterr)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    int64_t port;

    if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
        pcn_parse_range(colon + 1, strlen(colon + 1), 0, 65535, &port) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "listen: '%s' is not ADDRESS:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    memset(ret, 0, sizeof(*ret));
    ret->sin_family = AF_INET;
    ret->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &ret->sin_addr) != 1)
        return pcn_error_set(reterr, PCN_EINVAL, "listen: '%s' is not an IPv4 address", host);
    return PCN_OK;
}

enum pcn_err pcn_server_start(struct pcn_server *srv, char *ret_addr, size_t size,
                              struct pcn_error *reterr)
{
    struct sockaddr_in sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_TURBO;
    const union MHD_DaemonInfo *info;
    char host[INET_ADDRSTRLEN];
    enum pcn_err rc = parse_listen(srv->cfg.listen, &sa, reterr);

    if (rc != PCN_OK)
        return rc;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(srv->cfg.threads > 1 ? srv->cfg.threads : 0),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->cfg.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->cfg.request_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)srv->cfg.max_header,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (!srv->daemon)
        return pcn_error_set(reterr, PCN_EIO, "cannot listen on %s: %s", srv->cfg.listen,
                             strerror(errno));
    srv->started = true;
    if (srv->cfg.warm_start &&
        pcn__engine_warm(srv->engine, srv->cfg.db, srv->cfg.population_refresh_usec) != PCN_OK)
        pcn__log("engine: cannot start preparing the population; the first report will");
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    (void)inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    (void)snprintf(ret_addr, size, "%s:%u", host, info ? (unsigned)info->port : 0u);
    return PCN_OK;
}

void pcn_server_stop(struct pcn_server *srv)
{
    struct timespec deadline;
    MHD_socket fd;

    if (!srv || !srv->started)
        return;
    (void)pthread_mutex_lock(&srv->lock);
    srv->stopping = true;
    (void)pthread_mutex_unlock(&srv->lock);
    fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        (void)close(fd);
    (void)clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += srv->cfg.drain_timeout;
    (void)pthread_mutex_lock(&srv->lock);
    while (srv->active > 0) {
        if (pthread_cond_timedwait(&srv->cond, &srv->lock, &deadline) == ETIMEDOUT)
            break;
    }
    (void)pthread_mutex_unlock(&srv->lock);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    srv->started = false;
}

void pcn_server_free(struct pcn_server *srv)
{
    if (!srv)
        return;
    pcn_server_stop(srv);
    pcn__audit_queue_free(srv->audit);
    pcn__engine_free(srv->engine);
    pcn__sp_free(srv->sp);
    pcn__ratelimit_free(srv->public_limit);
    for (int i = 0; srv->pool && i < srv->n_pool; i++)
        pcn_store_close(srv->pool[i]);
    pcn_free(srv->pool);
    pcn__cache_free(srv->cache);
    (void)pthread_cond_destroy(&srv->cond);
    (void)pthread_mutex_destroy(&srv->lock);
    (void)pthread_mutex_destroy(&srv->write_lock);
    pcn_free(srv);
}
