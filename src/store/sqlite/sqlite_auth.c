/*
 * sqlite_auth.c - the auth and audit domain on SQLite: users, sessions,
 * login attempts and the append-only audit log, with the domain's
 * statements. Writes here step their statements without marking the
 * transaction dirty, so they do not bump the data version that caches of
 * population results key on. The audit table's triggers refuse UPDATE and
 * DELETE; this file only inserts.
 */
#include "store/sqlite/sqlite_int.h"

#include "store/auth_int.h"

enum auth_sql {
    SQL_USER_ADD,
    SQL_USER_GET,
    SQL_USER_EACH,
    SQL_USER_SET_PASSWORD,
    SQL_USER_SET_DISABLED,
    SQL_SESSION_ADD,
    SQL_SESSION_GET,
    SQL_SESSION_REVOKE,
    SQL_SESSION_REVOKE_USER,
    SQL_LOGIN_ATTEMPT_ADD,
    SQL_LOGIN_FAILURES,
    SQL_AUDIT_APPEND,
    SQL_AUDIT_LAST,
    SQL_AUDIT_EACH,
    SQL_AUTH_COUNT_
};

static const char *const auth_sql[SQL_AUTH_COUNT_] = {
    [SQL_USER_ADD] = "INSERT INTO app_user (name, role, practice, pwhash, disabled, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQL_USER_GET] = "SELECT id, name, role, practice, pwhash, disabled, created_at "
                     "FROM app_user WHERE name = ?1",
    [SQL_USER_EACH] = "SELECT id, name, role, practice, pwhash, disabled, created_at "
                      "FROM app_user ORDER BY name",
    [SQL_USER_SET_PASSWORD] = "UPDATE app_user SET pwhash = ?2 WHERE name = ?1",
    [SQL_USER_SET_DISABLED] = "UPDATE app_user SET disabled = ?2 WHERE name = ?1",
    [SQL_SESSION_ADD] = "INSERT INTO session (token_hash, user_id, csrf_token, created_at, "
                        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_SESSION_GET] = "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, "
                        "s.expires_at, s.revoked, u.id, u.name, u.role, u.practice, u.pwhash, "
                        "u.disabled, u.created_at FROM session s JOIN app_user u "
                        "ON u.id = s.user_id WHERE s.token_hash = ?1",
    [SQL_SESSION_REVOKE] = "UPDATE session SET revoked = 1 WHERE token_hash = ?1",
    [SQL_SESSION_REVOKE_USER] = "UPDATE session SET revoked = 1 WHERE user_id = ?1",
    [SQL_LOGIN_ATTEMPT_ADD] = "INSERT INTO login_attempt (subject, at, success) "
                              "VALUES (?1, ?2, ?3)",
    [SQL_LOGIN_FAILURES] = "SELECT COUNT(*) FROM login_attempt WHERE subject = ?1 AND "
                           "success = 0 AND at >= ?2 AND at > COALESCE((SELECT MAX(at) "
                           "FROM login_attempt WHERE subject = ?1 AND success = 1), -1)",
    [SQL_AUDIT_APPEND] = "INSERT INTO audit (id, at, user_name, role, method, route, "
                         "object_type, object_id, status, prev_hash, hash) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQL_AUDIT_LAST] = "SELECT id, at, user_name, role, method, route, object_type, object_id, "
                       "status, prev_hash, hash FROM audit ORDER BY id DESC LIMIT 1",
    [SQL_AUDIT_EACH] = "SELECT id, at, user_name, role, method, route, object_type, object_id, "
                       "status, prev_hash, hash FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum auth_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_auth, (int)which);
}

static int user_row_at(sqlite3_stmt *st, int c, struct pcn_user *u)
{
    *u = (struct pcn_user){
        .id = sqlite3_column_int64(st, c),
        .name = pcn__col_text(st, c + 1),
        .role = pcn__col_text(st, c + 2),
        .practice = pcn__col_text(st, c + 3),
        .pwhash = pcn__col_text(st, c + 4),
        .disabled = sqlite3_column_int(st, c + 5),
        .created_at = sqlite3_column_int64(st, c + 6),
    };
    return 0;
}

static int user_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_user u;

    (void)user_row_at(st, 0, &u);
    return ((pcn_user_fn)fn)(&u, ud);
}

static enum pcn_err sqlite_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_USER_ADD);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, u->name);
    (void)pcn__bind_text(st, 2, u->role);
    (void)pcn__bind_text(st, 3, u->practice);
    (void)pcn__bind_text(st, 4, u->pwhash);
    (void)sqlite3_bind_int(st, 5, u->disabled ? 1 : 0);
    (void)sqlite3_bind_int64(st, 6, u->created_at);
    rc = pcn__sqlite_step_write(ss, st, "adding user", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "user '%s' exists or role '%s' is unknown", u->name, u->role);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static enum pcn_err sqlite_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_USER_GET);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, name);
    rc = pcn__sqlite_walk(ss, st, user_row, (pcn__any_fn)fn, ud, &rows, "reading user");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no user '%s'", name);
    return rc;
}

static enum pcn_err sqlite_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_USER_EACH);

    return st ? pcn__sqlite_walk(ss, st, user_row, (pcn__any_fn)fn, ud, NULL, "reading users")
              : PCN_ESTORAGE;
}

static enum pcn_err set_user_field(struct pcn_store *s, enum auth_sql which, const char *name,
                                   const char *text, int value)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, which);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, name);
    if (text)
        (void)pcn__bind_text(st, 2, text);
    else
        (void)sqlite3_bind_int(st, 2, value);
    rc = pcn__sqlite_step_write(ss, st, "updating user", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no user '%s'", name);
    return rc;
}

static enum pcn_err sqlite_set_user_password(struct pcn_store *s, const char *name,
                                             const char *pwhash)
{
    return set_user_field(s, SQL_USER_SET_PASSWORD, name, pwhash, 0);
}

static enum pcn_err sqlite_set_user_disabled(struct pcn_store *s, const char *name, int disabled)
{
    return set_user_field(s, SQL_USER_SET_DISABLED, name, NULL, disabled ? 1 : 0);
}

static enum pcn_err sqlite_add_session(struct pcn_store *s, const struct pcn_session *ses)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SESSION_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, ses->token_hash);
    (void)sqlite3_bind_int64(st, 2, ses->user_id);
    (void)pcn__bind_text(st, 3, ses->csrf_token);
    (void)sqlite3_bind_int64(st, 4, ses->created_at);
    (void)sqlite3_bind_int64(st, 5, ses->expires_at);
    return pcn__sqlite_step_write(ss, st, "adding session", NULL);
}

static int session_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_session ses = {
        .token_hash = pcn__col_text(st, 0),
        .user_id = sqlite3_column_int64(st, 1),
        .csrf_token = pcn__col_text(st, 2),
        .created_at = sqlite3_column_int64(st, 3),
        .expires_at = sqlite3_column_int64(st, 4),
        .revoked = sqlite3_column_int(st, 5),
    };
    struct pcn_user u;

    (void)user_row_at(st, 6, &u);
    return ((pcn_session_fn)fn)(&ses, &u, ud);
}

static enum pcn_err sqlite_get_session(struct pcn_store *s, const char *token_hash,
                                       pcn_session_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SESSION_GET);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, token_hash);
    rc = pcn__sqlite_walk(ss, st, session_row, (pcn__any_fn)fn, ud, &rows, "reading session");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no such session");
    return rc;
}

static enum pcn_err sqlite_revoke_session(struct pcn_store *s, const char *token_hash)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SESSION_REVOKE);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, token_hash);
    rc = pcn__sqlite_step_write(ss, st, "revoking session", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no such session");
    return rc;
}

static enum pcn_err sqlite_revoke_user_sessions(struct pcn_store *s, int64_t user_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SESSION_REVOKE_USER);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, user_id);
    return pcn__sqlite_step_write(ss, st, "revoking sessions", NULL);
}

static enum pcn_err sqlite_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                             int success)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LOGIN_ATTEMPT_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, subject);
    (void)sqlite3_bind_int64(st, 2, at);
    (void)sqlite3_bind_int(st, 3, success ? 1 : 0);
    return pcn__sqlite_step_write(ss, st, "recording login attempt", NULL);
}

static enum pcn_err sqlite_count_login_failures(struct pcn_store *s, const char *subject,
                                                int64_t since, int64_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LOGIN_FAILURES);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, subject);
    (void)sqlite3_bind_int64(st, 2, since);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = sqlite3_column_int64(st, 0);
    (void)sqlite3_reset(st);
    return rc == SQLITE_ROW ? PCN_OK : pcn__sqlite_fail(ss, rc, "counting login failures");
}

static enum pcn_err sqlite_append_audit(struct pcn_store *s, const struct pcn_audit_row *a)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_AUDIT_APPEND);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, a->id);
    (void)sqlite3_bind_int64(st, 2, a->at);
    (void)pcn__bind_text(st, 3, a->user_name);
    (void)pcn__bind_text(st, 4, a->role);
    (void)pcn__bind_text(st, 5, a->method);
    (void)pcn__bind_text(st, 6, a->route);
    (void)pcn__bind_text(st, 7, a->object_type);
    (void)pcn__bind_text(st, 8, a->object_id);
    (void)sqlite3_bind_int(st, 9, a->status);
    (void)pcn__bind_text(st, 10, a->prev_hash);
    (void)pcn__bind_text(st, 11, a->hash);
    return pcn__sqlite_step_write(ss, st, "appending audit row", NULL);
}

static int audit_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_audit_row a = {
        .id = sqlite3_column_int64(st, 0),
        .at = sqlite3_column_int64(st, 1),
        .user_name = pcn__col_text(st, 2),
        .role = pcn__col_text(st, 3),
        .method = pcn__col_text(st, 4),
        .route = pcn__col_text(st, 5),
        .object_type = pcn__col_text(st, 6),
        .object_id = pcn__col_text(st, 7),
        .status = sqlite3_column_int(st, 8),
        .prev_hash = pcn__col_text(st, 9),
        .hash = pcn__col_text(st, 10),
    };
    return ((pcn_audit_fn)fn)(&a, ud);
}

static enum pcn_err sqlite_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_AUDIT_LAST);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = pcn__sqlite_walk(ss, st, audit_row, (pcn__any_fn)fn, ud, &rows, "reading audit log");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "the audit log is empty");
    return rc;
}

static enum pcn_err sqlite_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                      pcn_audit_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_AUDIT_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, after_id);
    (void)sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
    return pcn__sqlite_walk(ss, st, audit_row, (pcn__any_fn)fn, ud, NULL, "reading audit log");
}

static const struct pcn__store_auth_ops auth_ops = {
    .add_user = sqlite_add_user,
    .get_user = sqlite_get_user,
    .each_user = sqlite_each_user,
    .set_user_password = sqlite_set_user_password,
    .set_user_disabled = sqlite_set_user_disabled,
    .add_session = sqlite_add_session,
    .get_session = sqlite_get_session,
    .revoke_session = sqlite_revoke_session,
    .revoke_user_sessions = sqlite_revoke_user_sessions,
    .add_login_attempt = sqlite_add_login_attempt,
    .count_login_failures = sqlite_count_login_failures,
    .append_audit = sqlite_append_audit,
    .last_audit = sqlite_last_audit,
    .each_audit = sqlite_each_audit,
};

const struct pcn__sqlite_domain pcn__sqlite_auth = {
    .impl = {.domain = &pcn__store_auth, .ops = &auth_ops},
    .sql = auth_sql,
    .n_sql = SQL_AUTH_COUNT_,
};
