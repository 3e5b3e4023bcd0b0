/*
 * auth_int.h - the auth and audit domain's operations table, which each
 * backend implements (sqlite/sqlite_auth.c, pg/pg_auth.c) and auth.c
 * dispatches to. Public contract: pcn/store_auth.h. Its writes do not mark
 * the transaction as changing data: the data version stays.
 */
#ifndef PCN_STORE_AUTH_INT_H
#define PCN_STORE_AUTH_INT_H

#include "pcn/store_auth.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_auth;

/* Writes are called inside a transaction (auth.c checks). */
struct pcn__store_auth_ops {
    enum pcn_err (*add_user)(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
    enum pcn_err (*get_user)(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
    enum pcn_err (*each_user)(struct pcn_store *s, pcn_user_fn fn, void *ud);
    enum pcn_err (*set_user_password)(struct pcn_store *s, const char *name, const char *pwhash);
    enum pcn_err (*set_user_disabled)(struct pcn_store *s, const char *name, int disabled);
    enum pcn_err (*add_session)(struct pcn_store *s, const struct pcn_session *ses);
    enum pcn_err (*get_session)(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                void *ud);
    enum pcn_err (*revoke_session)(struct pcn_store *s, const char *token_hash);
    enum pcn_err (*revoke_user_sessions)(struct pcn_store *s, int64_t user_id);
    enum pcn_err (*add_login_attempt)(struct pcn_store *s, const char *subject, int64_t at,
                                      int success);
    enum pcn_err (*count_login_failures)(struct pcn_store *s, const char *subject, int64_t since,
                                         int64_t *ret);
    enum pcn_err (*append_audit)(struct pcn_store *s, const struct pcn_audit_row *a);
    enum pcn_err (*last_audit)(struct pcn_store *s, pcn_audit_fn fn, void *ud);
    enum pcn_err (*each_audit)(struct pcn_store *s, int64_t after_id, int64_t limit,
                               pcn_audit_fn fn, void *ud);
};

#endif /* PCN_STORE_AUTH_INT_H */
