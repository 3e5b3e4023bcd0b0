/*
 * store_auth.h - the auth and audit domain of the store: users of the
 * server, login sessions, login attempts (throttling) and the append-only
 * audit log. The rules over them (password hashing, roles, the hash chain)
 * are in pcn/auth.h and pcn/audit.h; this is only their storage. Strings
 * in structs passed to callbacks are borrowed for the callback.
 */
#ifndef PCN_STORE_AUTH_H
#define PCN_STORE_AUTH_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store.h"

/*
 * Writes below need a transaction like any other, but they do not bump the
 * data version: sessions and audit rows are not population data, and
 * caches keyed on the data version must survive a login.
 */

/* A user of the server. Roles are the names in PRODUCT.md ("admin", ...). */
struct pcn_user {
    int64_t id;           /* assigned by the store; ignored by add */
    const char *name;     /* unique login name */
    const char *role;     /* admin, clinical_director, practice_manager, clinician, ... */
    const char *practice; /* ODS code of the user's practice, or NULL */
    const char *pwhash;   /* encoded Argon2id hash (crypto_pwhash_str format) */
    int disabled;         /* nonzero: may not log in; sessions refused */
    int64_t created_at;   /* microseconds since the epoch */
};

/* A login session. The token itself is never stored, only its hash. */
struct pcn_session {
    const char *token_hash; /* hex hash of the session token */
    int64_t user_id;
    const char *csrf_token; /* double-submit token for cookie-authenticated writes */
    int64_t created_at;     /* microseconds since the epoch */
    int64_t expires_at;
    int revoked; /* nonzero after logout or when the user is disabled */
};

/* One audit row; see pcn/audit.h for how hash is computed. */
struct pcn_audit_row {
    int64_t id; /* 1, 2, 3... in order of appending */
    int64_t at; /* microseconds since the epoch */
    const char *user_name;
    const char *role;
    const char *method;      /* HTTP method, or "CLI" */
    const char *route;       /* route pattern, e.g. "/api/v1/patients/{key}" */
    const char *object_type; /* "patient", "user", "session"...; may be NULL */
    const char *object_id;   /* patient store key, user name...; may be NULL */
    int status;              /* HTTP status of the outcome */
    const char *prev_hash;   /* hex; the previous row's hash ("" chain start: 64 zeros) */
    const char *hash;        /* hex */
};

typedef int (*pcn_user_fn)(const struct pcn_user *u, void *ud);
typedef int (*pcn_session_fn)(const struct pcn_session *ses, const struct pcn_user *u, void *ud);
typedef int (*pcn_audit_fn)(const struct pcn_audit_row *a, void *ud);

/* Add a user; PCN_ECONFLICT if the name is taken. *ret_id (optional) gets the id. */
enum pcn_err pcn_store_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
/* Look a user up by name (PCN_ENOTFOUND), or walk all users in name order. */
enum pcn_err pcn_store_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
enum pcn_err pcn_store_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud);
/* Replace a user's password hash; PCN_ENOTFOUND for an unknown user. */
enum pcn_err pcn_store_set_user_password(struct pcn_store *s, const char *name, const char *pwhash);
/* Disable (nonzero) or enable a user; PCN_ENOTFOUND for an unknown user. */
enum pcn_err pcn_store_set_user_disabled(struct pcn_store *s, const char *name, int disabled);

/* Sessions. get calls fn with the session and its user (PCN_ENOTFOUND if none). */
enum pcn_err pcn_store_add_session(struct pcn_store *s, const struct pcn_session *ses);
enum pcn_err pcn_store_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                   void *ud);
/* Revoke one session (PCN_ENOTFOUND if none), or every session of a user. */
enum pcn_err pcn_store_revoke_session(struct pcn_store *s, const char *token_hash);
enum pcn_err pcn_store_revoke_user_sessions(struct pcn_store *s, int64_t user_id);

/*
 * Login throttling. subject is "user:NAME" or "addr:ADDRESS". count gives
 * the failures recorded at or after `since` and after the subject's last
 * success.
 */
enum pcn_err pcn_store_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                         int success);
enum pcn_err pcn_store_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                            int64_t *ret);

/*
 * The audit log, append-only. append inserts the row as given (id and
 * hashes included: pcn/audit.h computes them inside the caller's
 * transaction). last calls fn with the newest row (PCN_ENOTFOUND when the
 * log is empty); each walks rows with id > after_id in id order, at most
 * limit rows (0: all).
 */
enum pcn_err pcn_store_append_audit(struct pcn_store *s, const struct pcn_audit_row *a);
enum pcn_err pcn_store_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud);
enum pcn_err pcn_store_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                  pcn_audit_fn fn, void *ud);

#endif /* PCN_STORE_AUTH_H */
