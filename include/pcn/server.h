/*
 * server.h - the HTTP server behind `pcn serve`: a JSON API under /api/v1/
 * and the dashboard's static files at /, on libmicrohttpd with a pool of
 * worker threads, one store handle per worker.
 *
 * Lifecycle: pcn_server_config_init() (defaults), then flags and
 * pcn_server_config_load() / pcn_server_config_set(); pcn_server_new()
 * opens the stores; pcn_server_start() binds and starts serving;
 * pcn_server_stop() stops accepting, waits for requests in flight (up to
 * the drain timeout) and stops the workers; pcn_server_free() closes the
 * stores. Signals are the caller's business (the CLI handles SIGTERM).
 * The server logs (to stderr) only errors and, if enabled, one access line
 * per request naming the route pattern, never the URL, a token or a
 * patient identifier.
 */
#ifndef PCN_SERVER_H
#define PCN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* Every setting, with its config-file key in the comment. Public fields. */
struct pcn_server_config {
    char db[1024];            /* db: database location */
    char listen[128];         /* listen: ADDR:PORT (port 0 picks a free one) */
    char web_root[1024];      /* web_root: directory of the dashboard's files */
    char network[16];         /* network: the PCN served by /api/v1/network ("" = first) */
    char defs[1024];          /* defs: definitions directory ("" = <data dir>/defs) */
    char snapshot_file[1024]; /* snapshot_file: the population kept across restarts ("" = none) */
    char postcodes[1024];     /* postcodes: postcode table for distances ("" = the shipped one) */
    char sp_codes[1024];      /* sp_codes: social prescribing code table ("" = the shipped one) */
    int warm_start;           /* warm_start: 1 to prepare the population when the server starts */
    /* population_refresh (seconds, decimals allowed; 0: never): how often the warm-up thread
       looks at the data version and prepares the population again when the data changed */
    int64_t population_refresh_usec;
    int threads;         /* threads: worker threads (and store handles) */
    int max_connections; /* max_connections */
    int64_t max_body;    /* max_body: bytes in a request body */
    int64_t max_header;  /* max_header: bytes for the request line and headers */
    int json_max_depth;  /* json_max_depth: nesting of a request body */
    int max_page;        /* max_page: rows per page (limit parameter) */
    int request_timeout; /* request_timeout: seconds a connection may stay idle */
    /* request_time_limit (seconds, decimals allowed): processing time of one request */
    int64_t request_time_limit_usec;
    int drain_timeout;     /* drain_timeout: seconds to wait for requests at shutdown */
    int session_ttl;       /* session_ttl: seconds a session lives */
    int login_max_user;    /* login_max_failures_user: failures per account per window */
    int login_max_addr;    /* login_max_failures_addr: failures per address per window */
    int login_window;      /* login_window: seconds */
    int suppress_below;    /* suppress_below: counts 1..N-1 hidden from aggregate-only roles */
    int round_to;          /* round_to: aggregate-only roles' report counts rounded to N */
    int cache_entries;     /* cache_entries: cached aggregate responses */
    int access_log;        /* access_log: 1 to log one line per request to stderr */
    int secure_cookie;     /* secure_cookie: 1 to add Secure (behind TLS) */
    int public_per_minute; /* public_per_minute: requests per address to the public routes */
};

/* Fill in the defaults (docs/api.md lists them). */
void pcn_server_config_init(struct pcn_server_config *c);

/* Set one key from text. PCN_EINVAL (message in *reterr) for a bad key or value. */
enum pcn_err pcn_server_config_set(struct pcn_server_config *c, const char *key, const char *value,
                                   struct pcn_error *reterr);

/*
 * Read a config file of "key = value" lines; blank lines and lines
 * starting with # are ignored. Errors name FILE:LINE.
 */
enum pcn_err pcn_server_config_load(struct pcn_server_config *c, const char *path,
                                    struct pcn_error *reterr);

struct pcn_server;

/* Open the store handles. Caller frees with pcn_server_free(). */
enum pcn_err pcn_server_new(const struct pcn_server_config *c, struct pcn_server **ret,
                            struct pcn_error *reterr);

/*
 * Bind and start the workers. The bound address ("127.0.0.1:43121") is
 * written into ret_addr (size bytes).
 */
enum pcn_err pcn_server_start(struct pcn_server *srv, char *ret_addr, size_t size,
                              struct pcn_error *reterr);

/* Graceful stop: quiesce, drain, stop. Safe to call once after start. */
void pcn_server_stop(struct pcn_server *srv);

/* Stop if running, close the stores, free. NULL-safe. */
void pcn_server_free(struct pcn_server *srv);

/*
 * Parse a request body as a JSON object with at most max_depth levels of
 * nesting and max_len bytes. Used by every handler that takes a body; the
 * fuzz harness drives it. Returns the parsed object in *ret (caller
 * releases with json_decref()), or PCN_EPARSE / PCN_ELIMIT / PCN_EINVAL
 * (not an object) with a message.
 */
enum pcn_err pcn_server_parse_body(const char *body, size_t len, size_t max_len, int max_depth,
                                   void **ret, struct pcn_error *reterr);

#endif /* PCN_SERVER_H */
