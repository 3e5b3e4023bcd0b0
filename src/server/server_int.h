/*
 * server_int.h - internals shared by the server's files: the server and
 * per-request structs, the route flags, and the helpers handlers use to
 * read parameters and bodies and to build JSON replies and errors. Every
 * request owns an arena; everything a handler allocates for the request
 * comes from it and dies with it.
 */
#ifndef PCN_SERVER_SERVER_INT_H
#define PCN_SERVER_SERVER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "pcn/arena.h"
#include "pcn/auth.h"
#include "pcn/buf.h"
#include "pcn/server.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"
#include "server/router.h"

struct pcn__cache;
struct pcn__audit_queue;
struct pcn__engine;
struct pcn__sp;
struct pcn__ratelimit;

struct pcn_server {
    struct pcn_server_config cfg;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards the pool, active and the cache */
    /*
     * Held for every write transaction. SQLite allows one writer; taking
     * turns here instead of in SQLite's busy handler (which sleeps) keeps
     * the latency of audited requests low.
     */
    pthread_mutex_t write_lock;
    pthread_cond_t cond; /* signalled when a handle is freed or active drops */
    struct pcn_store **pool;
    int n_pool;
    int n_free; /* pool[0..n_free) are free */
    int active; /* requests in flight */
    bool started;
    bool stopping;
    char web_root[4096]; /* realpath of cfg.web_root, "" when absent */
    struct pcn__cache *cache;
    struct pcn__audit_queue *audit;      /* group commit of audit rows */
    struct pcn__engine *engine;          /* shared snapshot for reports and worklists */
    struct pcn__sp *sp;                  /* social prescribing: postcodes, codes, the directory */
    struct pcn__ratelimit *public_limit; /* requests per address on the public routes */
};

/* Who is asking: filled from the session before the handler runs. */
struct pcn__principal {
    int64_t user_id;
    const char *name;
    enum pcn_role role;
    const char *practice; /* NULL when not practice-bound */
    const char *csrf;
    const char *token_hash;
    bool via_cookie;
};

struct pcn__request {
    struct pcn_server *srv;
    struct MHD_Connection *conn;
    struct pcn_arena *arena;
    struct pcn_buf body;
    bool body_too_large;
    const char *method;
    const char *url;
    int64_t started_usec;
    int64_t deadline;        /* monotonic usec: processing stops after it (0 before dispatch) */
    struct pcn_store *store; /* borrowed from the pool for the dispatch */
    struct pcn__route_match match;
    bool authed;
    struct pcn__principal who;
    /* the reply */
    int status;
    const char *resp;
    size_t resp_len;
    const char *content_type;
    const char *set_cookie;
    const char *disposition;
    int fd; /* static file to send, -1 for none */
    uint64_t fd_size;
    /* audit */
    const char *object_type;
    const char *object_id;
    bool audited;     /* the handler recorded the outcome itself */
    bool holds_write; /* write_lock taken by pcn__begin */
    bool cacheable;
};

/* Route flags. */
enum {
    PCN_ROUTE_FLAG_PUBLIC = 1 << 0, /* no authentication */
    PCN_ROUTE_FLAG_AUDIT = 1 << 1,  /* record the outcome in the audit log */
    PCN_ROUTE_FLAG_CACHE = 1 << 2,  /* GET result cached by data version */
    PCN_ROUTE_FLAG_BODY = 1 << 3,   /* takes a JSON body */
    PCN_ROUTE_FLAG_DEFS = 1 << 4,   /* the answer depends on the definitions (cached per version) */
};

typedef int (*pcn__handler_fn)(struct pcn__request *r);

struct pcn__route_info {
    pcn__handler_fn handler;
    unsigned roles; /* PCN_ROLE_BIT mask; ignored for public routes */
    unsigned flags;
};

/* The API's route table (api.c). */
extern const struct pcn__route pcn__api_routes[];
extern const size_t pcn__api_n_routes;

/* Roles that see network data (everyone but admin). */
#define PCN_ROLES_DATA                                                                             \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER) |          \
     PCN_ROLE_BIT(PCN_ROLE_CLINICIAN) | PCN_ROLE_BIT(PCN_ROLE_LINK_WORKER) |                       \
     PCN_ROLE_BIT(PCN_ROLE_PPG_MEMBER) | PCN_ROLE_BIT(PCN_ROLE_ANALYST))
#define PCN_ROLES_ALL (PCN_ROLES_DATA | PCN_ROLE_BIT(PCN_ROLE_ADMIN))
#define PCN_ROLES_ADMIN PCN_ROLE_BIT(PCN_ROLE_ADMIN)

/*
 * Replies. Each returns 0 so handlers can `return pcn__reply_json(...)`.
 * reply_json takes the reference to j (decrefs it).
 */
int pcn__reply_json(struct pcn__request *r, int status, json_t *j);
int pcn__reply_error(struct pcn__request *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * Reply for a store or library failure: 404/409/503/500 by code, logging
 * 5xx once; PCN_ETIMEDOUT is 503 "timeout" (the request time limit).
 */
int pcn__reply_store_error(struct pcn__request *r, enum pcn_err rc);
/* A raw body (CSV) with a content type; body must live in the request arena. */
int pcn__reply_raw(struct pcn__request *r, int status, const char *type, const char *body,
                   size_t len);
/*
 * A buffer for a large reply body, released when the request ends (so a
 * body built in it can go to pcn__reply_raw() without a copy). NULL when
 * out of memory.
 */
struct pcn_buf *pcn__reply_buf_new(struct pcn__request *r);

/* Captured route parameter i as an arena string (percent-decoded by MHD already). */
const char *pcn__param(struct pcn__request *r, int i);

/*
 * Query parameters. check_query replies 400 and returns false when a
 * parameter is not in allowed (NULL-terminated). query_int parses an
 * optional integer in [min, max]; replies 400 and returns false when bad.
 */
bool pcn__check_query(struct pcn__request *r, const char *const *allowed);
const char *pcn__query(struct pcn__request *r, const char *name);
bool pcn__query_int(struct pcn__request *r, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *ret);
/*
 * as_of: a YYYY-MM-DD parameter, by default the store's default as-of date
 * (pcn_store_default_as_of()); replies 400 (or the store's error) and
 * returns false when bad.
 */
bool pcn__query_date(struct pcn__request *r, const char *name, int32_t *ret);

/*
 * Parse the body as a JSON object whose members are all in allowed
 * (NULL-terminated). On failure replies 400/413/415 and returns NULL.
 * The result is released by the request arena.
 */
json_t *pcn__body_object(struct pcn__request *r, const char *const *allowed);
/* Required string member; replies 400 and returns NULL if missing or not a string. */
const char *pcn__body_string(struct pcn__request *r, json_t *obj, const char *name, bool required);

/* Suppress a count for aggregate-only roles: JSON integer or null. */
json_t *pcn__count_json(struct pcn__request *r, int64_t n);
/* The suppression threshold for this request: suppress_below for aggregate-only roles, else 0. */
int pcn__suppress(const struct pcn__request *r);
/* The rounding base of report counts for this request: round_to for aggregate-only roles, else 0.
 */
int pcn__round(const struct pcn__request *r);

/*
 * A result table (pcn/views.h) as its JSON object, the schema the CLI
 * prints; NULL on ENOMEM. The table stays the caller's.
 */
struct pcn_table;
json_t *pcn__table_json(const struct pcn_table *t);
/*
 * Reply 200 with table t as JSON plus the members of extra beside its own
 * (paging), or the store error rc. Frees t and takes extra (either may be
 * NULL after a failure; NULL extra with rc == PCN_OK replies 503).
 */
int pcn__reply_table(struct pcn__request *r, enum pcn_err rc, struct pcn_table *t, json_t *extra);

/*
 * Write transactions of a request: begin takes the server's write lock
 * (waiting no longer than the request's deadline: PCN_ETIMEDOUT), commit
 * and rollback release it. commit rolls back on failure, and after the
 * deadline (the store refuses to commit late).
 */
enum pcn_err pcn__begin(struct pcn__request *r);
enum pcn_err pcn__commit(struct pcn__request *r);
void pcn__rollback(struct pcn__request *r);

/* Record the outcome in the audit log inside the handler's open transaction. */
enum pcn_err pcn__audit_tx(struct pcn__request *r, int status);

/* Log one line to stderr (errors, access log). Never pass identifiers. */
void pcn__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The response cache (cache.c): bodies keyed by string, valid for one data version. */
struct pcn__cache *pcn__cache_new(int n_entries);
void pcn__cache_free(struct pcn__cache *c);
/* Copy of the cached body into the arena, or NULL. Caller holds no lock. */
const char *pcn__cache_get(struct pcn__cache *c, pthread_mutex_t *lock, const char *key,
                           int64_t version, struct pcn_arena *a, size_t *ret_len);
void pcn__cache_put(struct pcn__cache *c, pthread_mutex_t *lock, const char *key, int64_t version,
                    const char *body, size_t len);

/*
 * The audit writer (audit_queue.c): submit blocks until the row is
 * committed (with others waiting at the same time) and returns the outcome.
 * free drains the queue and stops the writer. NULL-safe.
 */
enum pcn_err pcn__audit_queue_new(const char *db, pthread_mutex_t *write_lock,
                                  struct pcn__audit_queue **ret, struct pcn_error *reterr);
enum pcn_err pcn__audit_queue_submit(struct pcn__audit_queue *q, const struct pcn_audit_row *row);
void pcn__audit_queue_free(struct pcn__audit_queue *q);

/* The engine's shared state (definitions, population, results): server/population.h. */

/*
 * Social prescribing's shared state (api_sp.c): the postcode, code and
 * deprivation tables named by the config (read by the first social
 * prescribing request) and the asset directory in memory. pcn__sp_free()
 * is NULL-safe.
 */
enum pcn_err pcn__sp_new(const struct pcn_server_config *c, struct pcn__sp **ret,
                         struct pcn_error *reterr);
void pcn__sp_free(struct pcn__sp *sp);
/*
 * Whether patient_id has an open referral assigned to the requesting link
 * worker (the one way a link worker sees a patient's record).
 */
enum pcn_err pcn__sp_in_caseload(struct pcn__request *r, const char *patient_id, bool *ret);

/* Handlers (api_*.c). */
int pcn__api_health(struct pcn__request *r);
int pcn__api_login(struct pcn__request *r);
int pcn__api_logout(struct pcn__request *r);
int pcn__api_me(struct pcn__request *r);
int pcn__api_network(struct pcn__request *r);
int pcn__api_networks(struct pcn__request *r);
int pcn__api_practices(struct pcn__request *r);
int pcn__api_practice(struct pcn__request *r);
int pcn__api_users(struct pcn__request *r);
int pcn__api_user_add(struct pcn__request *r);
int pcn__api_user_disable(struct pcn__request *r);
int pcn__api_audit(struct pcn__request *r);
int pcn__api_audit_verify(struct pcn__request *r);
int pcn__api_patient(struct pcn__request *r);
int pcn__api_report(struct pcn__request *r);
int pcn__api_indicators(struct pcn__request *r);
int pcn__api_worklists(struct pcn__request *r);
int pcn__api_worklist(struct pcn__request *r);
int pcn__api_workforce(struct pcn__request *r);
int pcn__api_workforce_summary(struct pcn__request *r);
int pcn__api_workforce_compare(struct pcn__request *r);
int pcn__api_workforce_add(struct pcn__request *r);
int pcn__api_workforce_end(struct pcn__request *r);
int pcn__api_finance(struct pcn__request *r);
int pcn__api_finance_claims(struct pcn__request *r);
int pcn__api_finance_export(struct pcn__request *r);
int pcn__api_finance_distribution(struct pcn__request *r);
int pcn__api_finance_what_if(struct pcn__request *r);
int pcn__api_finance_networks(struct pcn__request *r);
int pcn__api_finance_inputs(struct pcn__request *r);
int pcn__api_sp_assets(struct pcn__request *r);
int pcn__api_sp_asset(struct pcn__request *r);
int pcn__api_sp_assets_export(struct pcn__request *r);
int pcn__api_sp_asset_add(struct pcn__request *r);
int pcn__api_sp_asset_update(struct pcn__request *r);
int pcn__api_sp_assets_import(struct pcn__request *r);
int pcn__api_sp_patient_assets(struct pcn__request *r);
int pcn__api_sp_outcomes(struct pcn__request *r);
int pcn__api_sp_outcome_people(struct pcn__request *r);
int pcn__api_sp_report(struct pcn__request *r);
int pcn__api_sp_referrals(struct pcn__request *r);
int pcn__api_sp_caseload(struct pcn__request *r);
int pcn__api_sp_referral(struct pcn__request *r);
int pcn__api_sp_refer(struct pcn__request *r);
int pcn__api_sp_move(struct pcn__request *r);
int pcn__api_sp_assign(struct pcn__request *r);
int pcn__api_sp_plan(struct pcn__request *r);
int pcn__api_sp_contact(struct pcn__request *r);
int pcn__api_sp_goal_add(struct pcn__request *r);
int pcn__api_sp_goal_update(struct pcn__request *r);
int pcn__api_sp_connect(struct pcn__request *r);
int pcn__api_sp_connection_update(struct pcn__request *r);
int pcn__api_sp_outcome_add(struct pcn__request *r);
/* Patient partnership (api_ppg.c). */
int pcn__api_ppg_groups(struct pcn__request *r);
int pcn__api_ppg_group_add(struct pcn__request *r);
int pcn__api_ppg_group_update(struct pcn__request *r);
int pcn__api_ppg_members(struct pcn__request *r);
int pcn__api_ppg_member_add(struct pcn__request *r);
int pcn__api_ppg_member_update(struct pcn__request *r);
int pcn__api_ppg_member_leave(struct pcn__request *r);
int pcn__api_ppg_member_withdraw(struct pcn__request *r);
int pcn__api_ppg_activities(struct pcn__request *r);
int pcn__api_ppg_activity_add(struct pcn__request *r);
int pcn__api_ppg_activity_update(struct pcn__request *r);
int pcn__api_ppg_feedback(struct pcn__request *r);
int pcn__api_ppg_feedback_add(struct pcn__request *r);
int pcn__api_ppg_feedback_update(struct pcn__request *r);
int pcn__api_ppg_changes(struct pcn__request *r);
int pcn__api_ppg_change(struct pcn__request *r);
int pcn__api_ppg_change_add(struct pcn__request *r);
int pcn__api_ppg_change_update(struct pcn__request *r);
int pcn__api_ppg_involvement_add(struct pcn__request *r);
int pcn__api_ppg_involvement_remove(struct pcn__request *r);
int pcn__api_ppg_representativeness(struct pcn__request *r);
int pcn__api_ppg_ladder(struct pcn__request *r);
int pcn__api_ppg_coproduction(struct pcn__request *r);
int pcn__api_public_feedback(struct pcn__request *r);

/*
 * Per-address token buckets (ratelimit.c): take one request for address;
 * false when its bucket is empty (*ret_wait_s: seconds until one is back).
 * Bounded memory, thread-safe.
 */
enum pcn_err pcn__ratelimit_new(int per_minute, struct pcn__ratelimit **ret);
void pcn__ratelimit_free(struct pcn__ratelimit *rl);
bool pcn__ratelimit_take(struct pcn__ratelimit *rl, const char *address, int64_t now,
                         int *ret_wait_s);

/* "addr:ADDRESS" of the request's client (api_auth.c), in the request arena. */
const char *pcn__client_address(struct pcn__request *r);

/* Serve a static file from the web root (static.c). */
int pcn__serve_static(struct pcn__request *r);

/* Resolve the session of a request (auth in api_auth.c). false: replied 401/403. */
bool pcn__authenticate(struct pcn__request *r, bool state_changing);

#endif /* PCN_SERVER_SERVER_INT_H */
