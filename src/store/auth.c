/*
 * auth.c - the auth and audit domain's public calls (pcn/store_auth.h),
 * forwarded to the backend's auth table. Writes are refused outside a
 * transaction here, once for every backend, and a user without a name,
 * role or password hash never reaches a backend.
 */
#include "pcn/store_auth.h"

#include "store/auth_int.h"

const struct pcn__store_domain pcn__store_auth = {"auth"};

/* The backend's table; NULL (message set) if it has no auth domain. */
static const struct pcn__store_auth_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_auth);
}

enum pcn_err pcn_store_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id)
{
    const struct pcn__store_auth_ops *o;

    if (!u || !u->name || !u->role || !u->pwhash)
        return pcn__store_fail(s, PCN_EINVAL, "user needs a name, a role and a password");
    o = ops(s);
    return o ? PCN__STORE_WRITE(s, o->add_user(s, u, ret_id)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->get_user(s, name, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->each_user(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_set_user_password(struct pcn_store *s, const char *name, const char *pwhash)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->set_user_password(s, name, pwhash)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_set_user_disabled(struct pcn_store *s, const char *name, int disabled)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->set_user_disabled(s, name, disabled)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_session(struct pcn_store *s, const struct pcn_session *ses)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->add_session(s, ses)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                   void *ud)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->get_session(s, token_hash, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_revoke_session(struct pcn_store *s, const char *token_hash)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->revoke_session(s, token_hash)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_revoke_user_sessions(struct pcn_store *s, int64_t user_id)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->revoke_user_sessions(s, user_id)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                         int success)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->add_login_attempt(s, subject, at, success)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                            int64_t *ret)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->count_login_failures(s, subject, since, ret) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_append_audit(struct pcn_store *s, const struct pcn_audit_row *a)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->append_audit(s, a)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->last_audit(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                  pcn_audit_fn fn, void *ud)
{
    const struct pcn__store_auth_ops *o = ops(s);

    return o ? o->each_audit(s, after_id, limit, fn, ud) : PCN_ESTORAGE;
}
