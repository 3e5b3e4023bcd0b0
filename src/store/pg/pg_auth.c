/*
 * pg_auth.c - the auth and audit domain on PostgreSQL: users, sessions,
 * login attempts and the append-only audit log. Same behaviour as
 * sqlite_auth.c: these writes do not bump the data version.
 */
#include "store/pg/pg_int.h"

#include <string.h>

#include "pcn/parse.h"
#include "store/auth_int.h"

#define USER_COLS "id, name, role, practice, pwhash, disabled, created_at"
#define AUDIT_COLS                                                                                 \
    "id, at, user_name, role, method, route, object_type, object_id, status, prev_hash, hash"

static void user_at(const PGresult *r, int i, int c, struct pcn_user *u)
{
    *u = (struct pcn_user){
        .id = pcn__pg_col_int(r, i, c),
        .name = pcn__pg_col_text(r, i, c + 1),
        .role = pcn__pg_col_text(r, i, c + 2),
        .practice = pcn__pg_col_text(r, i, c + 3),
        .pwhash = pcn__pg_col_text(r, i, c + 4),
        .disabled = (int)pcn__pg_col_int(r, i, c + 5),
        .created_at = pcn__pg_col_int(r, i, c + 6),
    };
}

static int user_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_user u;

    user_at(r, i, 0, &u);
    return ((pcn_user_fn)fn)(&u, ud);
}

/* Run a write that does not touch population data; *ret_changes optional. */
static enum pcn_err auth_write(struct pcn_store *s, const char *sql, const struct pg_params *p,
                               const char *what, int64_t *ret_changes)
{
    PGresult *r = NULL;
    enum pcn_err rc = pcn__pg_exec(pg_of(s), sql, p, PG_WRITE_OTHER, &r, what);

    if (rc == PCN_OK && ret_changes &&
        pcn_parse_i64(PQcmdTuples(r), strlen(PQcmdTuples(r)), ret_changes) != PCN_OK)
        *ret_changes = 0;
    PQclear(r);
    return rc;
}

static enum pcn_err pg_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, u->name);
    pcn__pg_text(&p, u->role);
    pcn__pg_text(&p, u->practice);
    pcn__pg_text(&p, u->pwhash);
    pcn__pg_int(&p, u->disabled ? 1 : 0);
    pcn__pg_int(&p, u->created_at);
    rc = pcn__pg_exec(pg_of(s),
                      "INSERT INTO app_user (name, role, practice, pwhash, disabled, created_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      &p, PG_WRITE_OTHER, &r, "adding user");
    if (rc == PCN_ECONFLICT)
        rc = pcn__store_fail(s, rc, "user '%s' exists or role '%s' is unknown", u->name, u->role);
    if (rc == PCN_OK && ret_id)
        *ret_id = pcn__pg_col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static enum pcn_err pg_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};
    int rows = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, name);
    rc = pcn__pg_walk(pg_of(s), "SELECT " USER_COLS " FROM app_user WHERE name = $1", &p, user_row,
                      (pcn__pg_any_fn)fn, ud, &rows, "reading user");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no user '%s'", name);
    return rc;
}

static enum pcn_err pg_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT " USER_COLS " FROM app_user ORDER BY name", NULL,
                        user_row, (pcn__pg_any_fn)fn, ud, NULL, "listing users");
}

static enum pcn_err update_user(struct pcn_store *s, const char *sql, const char *name,
                                const char *value)
{
    struct pg_params p = {.n = 0};
    int64_t changes = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, name);
    pcn__pg_text(&p, value);
    rc = auth_write(s, sql, &p, "updating user", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no user '%s'", name);
    return rc;
}

static enum pcn_err pg_set_user_password(struct pcn_store *s, const char *name, const char *pwhash)
{
    return update_user(s, "UPDATE app_user SET pwhash = $2 WHERE name = $1", name, pwhash);
}

static enum pcn_err pg_set_user_disabled(struct pcn_store *s, const char *name, int disabled)
{
    return update_user(s, "UPDATE app_user SET disabled = $2::int WHERE name = $1", name,
                       disabled ? "1" : "0");
}

static enum pcn_err pg_add_session(struct pcn_store *s, const struct pcn_session *ses)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, ses->token_hash);
    pcn__pg_int(&p, ses->user_id);
    pcn__pg_text(&p, ses->csrf_token);
    pcn__pg_int(&p, ses->created_at);
    pcn__pg_int(&p, ses->expires_at);
    return auth_write(s,
                      "INSERT INTO session (token_hash, user_id, csrf_token, created_at, "
                      "expires_at) VALUES ($1, $2, $3, $4, $5)",
                      &p, "adding session", NULL);
}

static int session_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_session ses = {
        .token_hash = pcn__pg_col_text(r, i, 0),
        .user_id = pcn__pg_col_int(r, i, 1),
        .csrf_token = pcn__pg_col_text(r, i, 2),
        .created_at = pcn__pg_col_int(r, i, 3),
        .expires_at = pcn__pg_col_int(r, i, 4),
        .revoked = (int)pcn__pg_col_int(r, i, 5),
    };
    struct pcn_user u;

    user_at(r, i, 6, &u);
    return ((pcn_session_fn)fn)(&ses, &u, ud);
}

static enum pcn_err pg_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                   void *ud)
{
    struct pg_params p = {.n = 0};
    int rows = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, token_hash);
    rc = pcn__pg_walk(pg_of(s),
                      "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, "
                      "s.revoked, u.id, u.name, u.role, u.practice, u.pwhash, u.disabled, "
                      "u.created_at FROM session s JOIN app_user u ON u.id = s.user_id "
                      "WHERE s.token_hash = $1",
                      &p, session_row, (pcn__pg_any_fn)fn, ud, &rows, "reading session");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no such session");
    return rc;
}

static enum pcn_err pg_revoke_session(struct pcn_store *s, const char *token_hash)
{
    struct pg_params p = {.n = 0};
    int64_t changes = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, token_hash);
    rc = auth_write(s, "UPDATE session SET revoked = 1 WHERE token_hash = $1", &p,
                    "revoking session", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no such session");
    return rc;
}

static enum pcn_err pg_revoke_user_sessions(struct pcn_store *s, int64_t user_id)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, user_id);
    return auth_write(s, "UPDATE session SET revoked = 1 WHERE user_id = $1", &p,
                      "revoking sessions", NULL);
}

static enum pcn_err pg_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                         int success)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, subject);
    pcn__pg_int(&p, at);
    pcn__pg_int(&p, success ? 1 : 0);
    return auth_write(s, "INSERT INTO login_attempt (subject, at, success) VALUES ($1, $2, $3)", &p,
                      "recording login attempt", NULL);
}

static enum pcn_err pg_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                            int64_t *ret)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, subject);
    pcn__pg_int(&p, since);
    rc = pcn__pg_exec(pg_of(s),
                      "SELECT count(*) FROM login_attempt WHERE subject = $1 AND success = 0 "
                      "AND at >= $2 AND at > COALESCE((SELECT max(at) FROM login_attempt "
                      "WHERE subject = $1 AND success = 1), -1)",
                      &p, PG_READ, &r, "counting login failures");
    if (rc == PCN_OK)
        *ret = pcn__pg_col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static enum pcn_err pg_append_audit(struct pcn_store *s, const struct pcn_audit_row *a)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, a->id);
    pcn__pg_int(&p, a->at);
    pcn__pg_text(&p, a->user_name);
    pcn__pg_text(&p, a->role);
    pcn__pg_text(&p, a->method);
    pcn__pg_text(&p, a->route);
    pcn__pg_text(&p, a->object_type);
    pcn__pg_text(&p, a->object_id);
    pcn__pg_int(&p, a->status);
    pcn__pg_text(&p, a->prev_hash);
    pcn__pg_text(&p, a->hash);
    return auth_write(s,
                      "INSERT INTO audit (" AUDIT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
                      "$8, $9, $10, $11)",
                      &p, "appending to the audit log", NULL);
}

static int audit_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_audit_row a = {
        .id = pcn__pg_col_int(r, i, 0),
        .at = pcn__pg_col_int(r, i, 1),
        .user_name = pcn__pg_col_text(r, i, 2),
        .role = pcn__pg_col_text(r, i, 3),
        .method = pcn__pg_col_text(r, i, 4),
        .route = pcn__pg_col_text(r, i, 5),
        .object_type = pcn__pg_col_text(r, i, 6),
        .object_id = pcn__pg_col_text(r, i, 7),
        .status = (int)pcn__pg_col_int(r, i, 8),
        .prev_hash = pcn__pg_col_text(r, i, 9),
        .hash = pcn__pg_col_text(r, i, 10),
    };
    return ((pcn_audit_fn)fn)(&a, ud);
}

static enum pcn_err pg_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud)
{
    int rows = 0;
    enum pcn_err rc =
        pcn__pg_walk(pg_of(s), "SELECT " AUDIT_COLS " FROM audit ORDER BY id DESC LIMIT 1", NULL,
                     audit_row, (pcn__pg_any_fn)fn, ud, &rows, "reading the audit log");

    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "the audit log is empty");
    return rc;
}

static enum pcn_err pg_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                  pcn_audit_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, after_id);
    if (limit > 0)
        pcn__pg_int(&p, limit);
    else
        pcn__pg_text(&p, NULL); /* LIMIT NULL: no limit */
    return pcn__pg_walk(pg_of(s),
                        "SELECT " AUDIT_COLS " FROM audit WHERE id > $1::bigint ORDER BY id "
                        "LIMIT $2::bigint",
                        &p, audit_row, (pcn__pg_any_fn)fn, ud, NULL, "reading the audit log");
}

static const struct pcn__store_auth_ops auth_ops = {
    .add_user = pg_add_user,
    .get_user = pg_get_user,
    .each_user = pg_each_user,
    .set_user_password = pg_set_user_password,
    .set_user_disabled = pg_set_user_disabled,
    .add_session = pg_add_session,
    .get_session = pg_get_session,
    .revoke_session = pg_revoke_session,
    .revoke_user_sessions = pg_revoke_user_sessions,
    .add_login_attempt = pg_add_login_attempt,
    .count_login_failures = pg_count_login_failures,
    .append_audit = pg_append_audit,
    .last_audit = pg_last_audit,
    .each_audit = pg_each_audit,
};

const struct pcn__store_impl pcn__pg_auth = {.domain = &pcn__store_auth, .ops = &auth_ops};
