/*
 * sqlite_auth.c - users, sessions, login attempts and the append-only audit
 * log on SQLite, the one-patient reads of the patient view, read
 * transactions (one snapshot for a series of reads) and deadlines (a
 * progress handler that stops a statement once the clock passes one). Writes here
 * step their statements without marking the transaction dirty, so they do
 * not bump the data version that caches of population results key on. The
 * audit table's triggers refuse UPDATE and DELETE; this file only inserts.
 */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include "pcn/date.h"
#include "util/common.h"

/* Step a write to completion without bumping the data version; *ret_changes optional. */
static enum pcn_err auth_exec(struct sqlite_store *ss, sqlite3_stmt *st, const char *what,
                              int *ret_changes)
{
    int rc = sqlite3_step(st);

    (void)sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, what);
    if (ret_changes)
        *ret_changes = sqlite3_changes(ss->db);
    return PCN_OK;
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

enum pcn_err pcn__sqlite_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_USER_ADD);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, u->name);
    (void)pcn__bind_text(st, 2, u->role);
    (void)pcn__bind_text(st, 3, u->practice);
    (void)pcn__bind_text(st, 4, u->pwhash);
    (void)sqlite3_bind_int(st, 5, u->disabled ? 1 : 0);
    (void)sqlite3_bind_int64(st, 6, u->created_at);
    rc = auth_exec(ss, st, "adding user", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "user '%s' exists or role '%s' is unknown", u->name, u->role);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

enum pcn_err pcn__sqlite_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_USER_GET);
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

enum pcn_err pcn__sqlite_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_USER_EACH);

    return st ? pcn__sqlite_walk(ss, st, user_row, (pcn__any_fn)fn, ud, NULL, "reading users")
              : PCN_ESTORAGE;
}

static enum pcn_err set_user_field(struct pcn_store *s, enum sql_stmt which, const char *name,
                                   const char *text, int value)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, which);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, name);
    if (text)
        (void)pcn__bind_text(st, 2, text);
    else
        (void)sqlite3_bind_int(st, 2, value);
    rc = auth_exec(ss, st, "updating user", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no user '%s'", name);
    return rc;
}

enum pcn_err pcn__sqlite_set_user_password(struct pcn_store *s, const char *name,
                                           const char *pwhash)
{
    return set_user_field(s, SQL_USER_SET_PASSWORD, name, pwhash, 0);
}

enum pcn_err pcn__sqlite_set_user_disabled(struct pcn_store *s, const char *name, int disabled)
{
    return set_user_field(s, SQL_USER_SET_DISABLED, name, NULL, disabled ? 1 : 0);
}

enum pcn_err pcn__sqlite_add_session(struct pcn_store *s, const struct pcn_session *ses)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SESSION_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, ses->token_hash);
    (void)sqlite3_bind_int64(st, 2, ses->user_id);
    (void)pcn__bind_text(st, 3, ses->csrf_token);
    (void)sqlite3_bind_int64(st, 4, ses->created_at);
    (void)sqlite3_bind_int64(st, 5, ses->expires_at);
    return auth_exec(ss, st, "adding session", NULL);
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

enum pcn_err pcn__sqlite_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                     void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SESSION_GET);
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

enum pcn_err pcn__sqlite_revoke_session(struct pcn_store *s, const char *token_hash)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SESSION_REVOKE);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, token_hash);
    rc = auth_exec(ss, st, "revoking session", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no such session");
    return rc;
}

enum pcn_err pcn__sqlite_revoke_user_sessions(struct pcn_store *s, int64_t user_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SESSION_REVOKE_USER);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, user_id);
    return auth_exec(ss, st, "revoking sessions", NULL);
}

enum pcn_err pcn__sqlite_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                           int success)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LOGIN_ATTEMPT_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, subject);
    (void)sqlite3_bind_int64(st, 2, at);
    (void)sqlite3_bind_int(st, 3, success ? 1 : 0);
    return auth_exec(ss, st, "recording login attempt", NULL);
}

enum pcn_err pcn__sqlite_count_login_failures(struct pcn_store *s, const char *subject,
                                              int64_t since, int64_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LOGIN_FAILURES);
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

enum pcn_err pcn__sqlite_append_audit(struct pcn_store *s, const struct pcn_audit_row *a)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_AUDIT_APPEND);

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
    return auth_exec(ss, st, "appending audit row", NULL);
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

enum pcn_err pcn__sqlite_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_AUDIT_LAST);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = pcn__sqlite_walk(ss, st, audit_row, (pcn__any_fn)fn, ud, &rows, "reading audit log");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "the audit log is empty");
    return rc;
}

enum pcn_err pcn__sqlite_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                    pcn_audit_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_AUDIT_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, after_id);
    (void)sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
    return pcn__sqlite_walk(ss, st, audit_row, (pcn__any_fn)fn, ud, NULL, "reading audit log");
}

/* ---- the patient view: same columns as the population walks ---- */

static enum pcn_err by_key(struct pcn_store *s, enum sql_stmt which, int64_t key, pcn__row_fn row,
                           pcn__any_fn fn, void *ud, int *ret_rows, const char *what)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, which);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    return pcn__sqlite_walk(ss, st, row, fn, ud, ret_rows, what);
}

enum pcn_err pcn__sqlite_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud)
{
    int rows = 0;
    enum pcn_err rc = by_key(s, SQL_PATIENT_GET, key, pcn__sqlite_patient_row, (pcn__any_fn)fn, ud,
                             &rows, "reading patient");

    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no patient with key %lld", (long long)key);
    return rc;
}

enum pcn_err pcn__sqlite_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud)
{
    return by_key(s, SQL_PATIENT_EVENTS, key, pcn__sqlite_event_row, (pcn__any_fn)fn, ud, NULL,
                  "reading events");
}

enum pcn_err pcn__sqlite_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                             void *ud)
{
    return by_key(s, SQL_PATIENT_MEDICATIONS, key, pcn__sqlite_medication_row, (pcn__any_fn)fn, ud,
                  NULL, "reading medications");
}

enum pcn_err pcn__sqlite_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud)
{
    return by_key(s, SQL_PATIENT_TERMS, key, pcn__sqlite_term_row, (pcn__any_fn)fn, ud, NULL,
                  "reading terms");
}

enum pcn_err pcn__sqlite_last_data_date(struct pcn_store *s, int32_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LAST_DATA_DATE);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = pcn__col_date(st, 0);
    (void)sqlite3_reset(st);
    return rc == SQLITE_ROW ? PCN_OK : pcn__sqlite_fail(ss, rc, "reading the latest data date");
}

/* ---- deadlines ---- */

/* Polled by SQLite every PROGRESS_STEPS virtual machine steps; nonzero interrupts. */
static int past_deadline(void *ud)
{
    const struct sqlite_store *ss = ud;

    return pcn_monotonic_usec() >= ss->head.deadline;
}

/* About 10 microseconds of work between looks at the clock. */
#define PROGRESS_STEPS 1000

enum pcn_err pcn__sqlite_set_deadline(struct pcn_store *s, int64_t deadline)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (deadline)
        sqlite3_progress_handler(ss->db, PROGRESS_STEPS, past_deadline, ss);
    else
        sqlite3_progress_handler(ss->db, 0, NULL, NULL);
    return PCN_OK;
}

/* ---- read transactions ---- */

enum pcn_err pcn__sqlite_begin_read(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    int rc;

    if (ss->in_read)
        return pcn__store_fail(s, PCN_EINVAL, "a read transaction is already open");
    /* A deferred transaction takes its snapshot at the first read. */
    rc = sqlite3_exec(ss->db, "BEGIN DEFERRED", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return pcn__sqlite_fail(ss, rc, "starting a read transaction");
    ss->in_read = 1;
    return PCN_OK;
}

void pcn__sqlite_end_read(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (!ss->in_read)
        return;
    for (int i = 0; i < SQL_STMT_COUNT_; i++) {
        if (ss->stmts[i])
            (void)sqlite3_reset(ss->stmts[i]);
    }
    (void)sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
    ss->in_read = 0;
}
