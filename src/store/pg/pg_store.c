/*
 * pg_store.c - the PostgreSQL backend's handle and core: connect with
 * libpq, identify the database as OpenPCN's by its meta table, refuse a
 * newer schema, apply pending migrations under an advisory lock (each in
 * its own transaction), list the domains the backend stores, prepare
 * statements once per connection, walk results through cursors, bump the
 * data version on commits that wrote, read transactions and deadlines.
 */
#include "store/pg/pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "store/migrations.h"
#include "util/common.h"

#define PG_FETCH_ROWS 5000
#define PG_MIGRATION_LOCK 0x50434E31 /* 'PCN1' */

void pcn__pg_text(struct pg_params *p, const char *s)
{
    if (PCN_NEVER(p->n >= PG_MAX_PARAMS))
        return;
    p->values[p->n++] = s;
}

void pcn__pg_int(struct pg_params *p, int64_t v)
{
    if (PCN_NEVER(p->n >= PG_MAX_PARAMS))
        return;
    (void)snprintf(p->space[p->n], PG_PARAM_TEXT, "%" PRId64, v);
    p->values[p->n] = p->space[p->n];
    p->n++;
}

void pcn__pg_date(struct pg_params *p, int32_t date)
{
    if (date == PCN_DATE_NONE)
        pcn__pg_text(p, NULL);
    else
        pcn__pg_int(p, date);
}

void pcn__pg_double(struct pg_params *p, int has_value, double v)
{
    if (PCN_NEVER(p->n >= PG_MAX_PARAMS))
        return;
    if (!has_value || pcn_format_double(v, p->space[p->n], PG_PARAM_TEXT) < 0) {
        p->values[p->n++] = NULL;
        return;
    }
    p->values[p->n] = p->space[p->n];
    p->n++;
}

const char *pcn__pg_col_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t pcn__pg_col_int(const PGresult *r, int row, int col)
{
    const char *s = pcn__pg_col_text(r, row, col);
    int64_t v = 0;

    if (s)
        (void)pcn_parse_i64(s, strlen(s), &v);
    return v;
}

int32_t pcn__pg_col_date(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? PCN_DATE_NONE : (int32_t)pcn__pg_col_int(r, row, col);
}

int pcn__pg_col_double(const PGresult *r, int row, int col, double *ret)
{
    const char *s = pcn__pg_col_text(r, row, col);

    *ret = 0;
    return s && pcn_parse_double(s, strlen(s), ret) == PCN_OK;
}

static enum pcn_err map_sqlstate(const char *state)
{
    if (!state)
        return PCN_EIO; /* no SQLSTATE: the connection failed */
    if (strncmp(state, "23", 2) == 0)
        return PCN_ECONFLICT; /* integrity constraint violation */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return PCN_EAGAIN; /* serialization failure, deadlock, lock not available */
    if (strcmp(state, "57014") == 0)
        return PCN_ETIMEDOUT; /* query_canceled: statement_timeout (the only cancel sent) */
    if (strcmp(state, "53200") == 0)
        return PCN_ENOMEM;
    if (strncmp(state, "53", 2) == 0 || strncmp(state, "54", 2) == 0)
        return PCN_ELIMIT;
    if (strncmp(state, "08", 2) == 0)
        return PCN_EIO;
    if (strncmp(state, "22", 2) == 0)
        return PCN_EINVAL;
    return PCN_ESTORAGE;
}

enum pcn_err pcn__pg_fail(struct pg_store *ps, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    char clean[PCN_STORE_ERRMSG_MAX];
    size_t n;

    if (!msg || !*msg)
        msg = PQerrorMessage(ps->conn);
    (void)snprintf(clean, sizeof(clean), "%s", msg ? msg : "unknown error");
    n = strlen(clean);
    while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
        clean[--n] = '\0';
    return pcn__store_fail(&ps->head, r ? map_sqlstate(state) : PCN_EIO, "%s: %s", what, clean);
}

enum pcn_err pcn__pg_simple(struct pg_store *ps, const char *sql, const char *what)
{
    PGresult *r = PQexec(ps->conn, sql);
    enum pcn_err rc = PCN_OK;

    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pcn__pg_fail(ps, r, what);
    PQclear(r);
    return rc;
}

/* Statement names are derived from the text's hash, so any text can be prepared once. */
static enum pcn_err pg_prepare(struct pg_store *ps, const char *sql, int n_params, char *name,
                               size_t size)
{
    uint64_t seen;
    PGresult *r;
    enum pcn_err rc = PCN_OK;

    (void)snprintf(name, size, "pcn_%016" PRIx64, pcn_hash_bytes(sql, strlen(sql)));
    if (pcn_strmap_get(ps->prepared, sql, strlen(sql), &seen))
        return PCN_OK;
    r = PQprepare(ps->conn, name, sql, n_params, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pcn__pg_fail(ps, r, "preparing statement");
    PQclear(r);
    if (rc == PCN_OK && pcn_strmap_put(ps->prepared, sql, strlen(sql), 1) != PCN_OK)
        rc = pcn__store_fail(&ps->head, PCN_ENOMEM, "out of memory");
    return rc;
}

enum pcn_err pcn__pg_exec(struct pg_store *ps, const char *sql, const struct pg_params *p,
                          int writes, PGresult **ret, const char *what)
{
    static const struct pg_params none = {.n = 0};
    char name[32];
    PGresult *r;
    ExecStatusType st;
    enum pcn_err rc;

    /*
     * A failed statement aborts a whole PostgreSQL transaction, where SQLite
     * fails only the statement. A savepoint around each write inside a
     * transaction gives callers SQLite's behaviour: the failed write is
     * undone and the transaction goes on.
     */
    bool guarded = writes && ps->head.in_tx;

    if (!p)
        p = &none;
    rc = pcn__pg_sync_timeout(ps);
    if (rc == PCN_OK)
        rc = pg_prepare(ps, sql, p->n, name, sizeof(name));
    if (rc == PCN_OK && guarded)
        rc = pcn__pg_simple(ps, "SAVEPOINT pcn_stmt", what);
    if (rc != PCN_OK)
        return rc;
    r = PQexecPrepared(ps->conn, name, p->n, p->values, NULL, NULL, 0);
    st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pcn__pg_fail(ps, r, what);
        PQclear(r);
        if (guarded)
            (void)pcn__pg_simple(ps, "ROLLBACK TO SAVEPOINT pcn_stmt", "undoing statement");
        return rc;
    }
    if (guarded) {
        rc = pcn__pg_simple(ps, "RELEASE SAVEPOINT pcn_stmt", what);
        if (rc != PCN_OK) {
            PQclear(r);
            return rc;
        }
    }
    if (writes == PG_WRITE_DATA)
        ps->tx_dirty = 1;
    if (ret)
        *ret = r;
    else
        PQclear(r);
    return PCN_OK;
}

enum pcn_err pcn__pg_walk(struct pg_store *ps, const char *sql, const struct pg_params *p,
                          pcn__pg_row_fn row, pcn__pg_any_fn fn, void *ud, int *ret_rows,
                          const char *what)
{
    static const struct pg_params none = {.n = 0};
    char cursor[32];
    char *declare = NULL;
    char fetch[64];
    char close_sql[48];
    bool own_tx = !ps->head.in_tx && !ps->in_read && ps->walk_depth == 0;
    bool stop = false;
    int rows = 0;
    PGresult *r = NULL;
    enum pcn_err rc;

    if (!p)
        p = &none;
    (void)snprintf(cursor, sizeof(cursor), "pcn_walk_%d", ps->walk_depth);
    declare = pcn_malloc(strlen(sql) + 64);
    if (!declare)
        return pcn__store_fail(&ps->head, PCN_ENOMEM, "out of memory");
    (void)snprintf(declare, strlen(sql) + 64, "DECLARE %s NO SCROLL CURSOR FOR %s", cursor, sql);
    (void)snprintf(fetch, sizeof(fetch), "FETCH %d FROM %s", PG_FETCH_ROWS, cursor);
    (void)snprintf(close_sql, sizeof(close_sql), "CLOSE %s", cursor);
    rc = own_tx ? pcn__pg_simple(ps, "BEGIN READ ONLY", what) : PCN_OK;
    if (rc != PCN_OK)
        goto out;
    rc = pcn__pg_sync_timeout(ps);
    if (rc != PCN_OK)
        goto out_tx;
    r = PQexecParams(ps->conn, declare, p->n, NULL, p->values, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = pcn__pg_fail(ps, r, what);
        goto out_tx;
    }
    ps->walk_depth++;
    while (!stop) {
        PQclear(r);
        r = NULL;
        rc = pcn__pg_sync_timeout(ps); /* each FETCH is a statement of its own */
        if (rc != PCN_OK)
            break;
        r = PQexec(ps->conn, fetch);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = pcn__pg_fail(ps, r, what);
            break;
        }
        if (PQntuples(r) == 0)
            break;
        for (int i = 0; i < PQntuples(r) && !stop; i++) {
            rows++;
            stop = row(r, i, fn, ud) != 0;
        }
    }
    ps->walk_depth--;
    if (rc == PCN_OK)
        rc = pcn__pg_simple(ps, close_sql, what);
    else if (PQtransactionStatus(ps->conn) == PQTRANS_INTRANS)
        (void)pcn__pg_simple(ps, close_sql, what); /* stopped by the deadline, still open */
out_tx:
    if (own_tx && rc != PCN_OK)
        pcn__pg_timeout_lost(ps);
    if (own_tx)
        (void)pcn__pg_simple(ps, rc == PCN_OK ? "COMMIT" : "ROLLBACK", what);
out:
    PQclear(r);
    pcn_free(declare);
    if (rc == PCN_OK && ret_rows)
        *ret_rows = rows;
    return rc;
}

/* ---- deadlines ---- */

enum pcn_err pcn__pg_sync_timeout(struct pg_store *ps)
{
    int64_t want = 0;
    int64_t have = ps->timeout_ms;
    char sql[64];
    enum pcn_err rc;

    if (have == PG_TIMEOUT_UNMANAGED)
        return PCN_OK;
    if (ps->head.deadline) {
        int64_t left = ps->head.deadline - pcn_monotonic_usec();
        if (left <= 0)
            return pcn__store_fail(&ps->head, PCN_ETIMEDOUT, "the time limit passed");
        want = (left + 999) / 1000;
    }
    if (have >= 0 &&
        (want == 0 ? have == 0 : have != 0 && want <= have && want >= have - have / 16))
        return PCN_OK;
    (void)snprintf(sql, sizeof(sql), "SET statement_timeout = %" PRId64, want);
    rc = pcn__pg_simple(ps, sql, "setting the statement timeout");
    ps->timeout_ms = rc == PCN_OK ? want : PG_TIMEOUT_UNKNOWN;
    return rc;
}

static enum pcn_err pg_set_deadline(struct pcn_store *s, int64_t deadline)
{
    struct pg_store *ps = pg_of(s);

    /* Applied lazily before the next statement (pcn__pg_sync_timeout). */
    if (deadline && ps->timeout_ms == PG_TIMEOUT_UNMANAGED)
        ps->timeout_ms = PG_TIMEOUT_UNKNOWN;
    return PCN_OK;
}

/* ---- schema ---- */

static enum pcn_err query_int(struct pg_store *ps, const char *sql, int64_t *ret)
{
    PGresult *r = PQexec(ps->conn, sql);
    enum pcn_err rc = PCN_OK;

    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pcn__pg_fail(ps, r, "reading the schema");
    else
        *ret = PQntuples(r) ? pcn__pg_col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* The recorded schema version; 0 for an empty database. */
static enum pcn_err current_version(struct pg_store *ps, int64_t *ret)
{
    int64_t has_meta = 0;
    enum pcn_err rc = query_int(ps, "SELECT (to_regclass('meta') IS NOT NULL)::int", &has_meta);

    *ret = 0;
    if (rc == PCN_OK && has_meta)
        rc = query_int(ps,
                       "SELECT COALESCE((SELECT value::int FROM meta WHERE key = "
                       "'schema_version'), 0)",
                       ret);
    return rc;
}

/* Apply one migration unless another process applied it while we waited for the lock. */
static enum pcn_err apply_migration(struct pg_store *ps, const struct pcn__migration *m)
{
    char sql[200];
    int64_t now = 0;
    enum pcn_err rc = pcn__pg_simple(ps, "BEGIN", "starting migration");

    if (rc != PCN_OK)
        return rc;
    (void)snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d)", PG_MIGRATION_LOCK);
    rc = pcn__pg_simple(ps, sql, "locking for migration");
    if (rc == PCN_OK)
        rc = current_version(ps, &now);
    if (rc == PCN_OK && now >= m->version)
        return pcn__pg_simple(ps, "COMMIT", "committing migration");
    if (rc == PCN_OK)
        rc = pcn__pg_simple(ps, m->sql, m->name);
    if (rc == PCN_OK) {
        (void)snprintf(sql, sizeof(sql),
                       "INSERT INTO meta (key, value) VALUES ('schema_version', '%d') "
                       "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       m->version);
        rc = pcn__pg_simple(ps, sql, "recording schema version");
    }
    if (rc == PCN_OK)
        rc = pcn__pg_simple(ps, "COMMIT", "committing migration");
    if (rc != PCN_OK) {
        char keep[PCN_STORE_ERRMSG_MAX];
        memcpy(keep, ps->head.errmsg, sizeof(keep));
        (void)pcn__pg_simple(ps, "ROLLBACK", "rolling back");
        (void)pcn__store_fail(&ps->head, rc, "migration %04d_%s failed: %s", m->version, m->name,
                              keep);
    }
    return rc;
}

static enum pcn_err pg_migrate(struct pg_store *ps, unsigned flags)
{
    int64_t has_meta = 0;
    int64_t n_tables = 0;
    int64_t is_ours = 0;
    int64_t version = 0;
    enum pcn_err rc;

    rc = query_int(ps, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                   &n_tables);
    if (rc == PCN_OK)
        rc = query_int(ps, "SELECT (to_regclass('meta') IS NOT NULL)::int", &has_meta);
    if (rc == PCN_OK && has_meta)
        rc = query_int(ps,
                       "SELECT count(*) FROM meta WHERE key = 'application' AND "
                       "value = 'openpcn'",
                       &is_ours);
    if (rc == PCN_OK)
        rc = current_version(ps, &version);
    if (rc != PCN_OK)
        return rc;
    if (n_tables > 0 && !is_ours)
        return pcn__store_fail(&ps->head, PCN_EINVAL, "%s is not an OpenPCN database",
                               PQdb(ps->conn));
    if (version > pcn__pg_migration_count)
        return pcn__store_fail(&ps->head, PCN_EVERSION,
                               "%s has schema version %" PRId64 ", newer than this OpenPCN "
                               "supports (%d); upgrade OpenPCN to open it",
                               PQdb(ps->conn), version, pcn__pg_migration_count);
    if (version < pcn__pg_migration_count && (flags & PCN_STORE_FLAG_READONLY))
        return pcn__store_fail(&ps->head, PCN_EVERSION,
                               "%s has schema version %" PRId64
                               " and needs migrating; open it read-write",
                               PQdb(ps->conn), version);
    for (int v = (int)version; v < pcn__pg_migration_count; v++) {
        rc = apply_migration(ps, &pcn__pg_migrations[v]);
        if (rc != PCN_OK)
            return rc;
    }
    ps->schema_version = pcn__pg_migration_count;
    return PCN_OK;
}

/* ---- handle and transactions ---- */

static void pg_close(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);

    if (ps->conn && PQtransactionStatus(ps->conn) != PQTRANS_IDLE)
        (void)pcn__pg_simple(ps, "ROLLBACK", "closing");
    PQfinish(ps->conn);
    pcn_strmap_free(ps->prepared);
    pcn_free(ps);
}

static int pg_schema_version(const struct pcn_store *s)
{
    return ((const struct pg_store *)s)->schema_version;
}

static enum pcn_err pg_data_version(struct pcn_store *s, int64_t *ret)
{
    struct pg_store *ps = pg_of(s);
    PGresult *r = NULL;
    enum pcn_err rc = pcn__pg_exec(ps, "SELECT value FROM meta WHERE key = 'data_version'", NULL, 0,
                                   &r, "reading data version");

    if (rc == PCN_OK)
        *ret = PQntuples(r) ? pcn__pg_col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

static enum pcn_err pg_get_meta(struct pcn_store *s, const char *key, char *out, size_t size)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, key);
    rc = pcn__pg_exec(pg_of(s), "SELECT value FROM meta WHERE key = $1", &p, PG_READ, &r,
                      "reading meta");
    if (rc == PCN_OK && PQntuples(r) == 0)
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no meta value %s", key);
    if (rc == PCN_OK) {
        const char *v = PQgetvalue(r, 0, 0);
        size_t n = strlen(v);
        if (n >= size)
            rc = pcn__store_fail(s, PCN_ELIMIT, "meta value of %s is too long", key);
        else
            memcpy(out, v, n + 1);
    }
    PQclear(r);
    return rc;
}

static enum pcn_err pg_set_meta(struct pcn_store *s, const char *key, const char *value)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, key);
    pcn__pg_text(&p, value);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO meta (key, value) VALUES ($1, $2) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        &p, PG_WRITE_DATA, NULL, "saving meta");
}

static enum pcn_err pg_begin(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);
    enum pcn_err rc = pcn__pg_simple(ps, "BEGIN", "starting transaction");

    if (rc == PCN_OK)
        ps->tx_dirty = 0;
    return rc;
}

/* The data changed: the next data version, with a new generation (PCN_META_DATA_GENERATION). */
static enum pcn_err bump_data_version(struct pg_store *ps)
{
    char gen[PCN__STORE_GENERATION_SIZE];
    struct pg_params p = {.n = 0};
    enum pcn_err rc = pcn__pg_exec(ps,
                                   "UPDATE meta SET value = (value::bigint + 1)::text "
                                   "WHERE key = 'data_version'",
                                   NULL, 1, NULL, "bumping data version");

    if (rc == PCN_OK && pcn__store_generation(gen) != PCN_OK)
        rc = pcn__store_fail(&ps->head, PCN_EIO, "no randomness for the data generation");
    if (rc != PCN_OK)
        return rc;
    pcn__pg_text(&p, PCN_META_DATA_GENERATION);
    pcn__pg_text(&p, gen);
    return pcn__pg_exec(ps,
                        "INSERT INTO meta (key, value) VALUES ($1, $2) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        &p, PG_WRITE_DATA, NULL, "writing the data generation");
}

static enum pcn_err pg_commit(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);
    enum pcn_err rc = PCN_OK;

    if (ps->tx_dirty)
        rc = bump_data_version(ps);
    ps->tx_dirty = 0;
    if (rc == PCN_OK)
        rc = pcn__pg_simple(ps, "COMMIT", "committing");
    return rc;
}

static void pg_rollback(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);

    ps->tx_dirty = 0;
    pcn__pg_timeout_lost(ps);
    if (PQtransactionStatus(ps->conn) != PQTRANS_IDLE)
        (void)pcn__pg_simple(ps, "ROLLBACK", "rolling back");
}

/* ---- read transactions (REPEATABLE READ: one snapshot for a series of reads) ---- */

static enum pcn_err pg_begin_read(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);
    enum pcn_err rc;

    if (ps->in_read)
        return pcn__store_fail(s, PCN_EINVAL, "a read transaction is already open");
    rc = pcn__pg_simple(ps, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                        "starting a read transaction");
    if (rc == PCN_OK)
        ps->in_read = 1;
    return rc;
}

static void pg_end_read(struct pcn_store *s)
{
    struct pg_store *ps = pg_of(s);

    if (!ps->in_read)
        return;
    if (PQtransactionStatus(ps->conn) == PQTRANS_INERROR)
        pcn__pg_timeout_lost(ps); /* the COMMIT below rolls back */
    (void)pcn__pg_simple(ps, "COMMIT", "ending a read transaction");
    ps->in_read = 0;
}

#define PG_IMPL(name) &pcn__pg_##name,
static const struct pcn__store_impl *const pg_impls[] = {PCN__PG_DOMAINS(PG_IMPL) NULL};
#undef PG_IMPL

static const struct pcn_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .schema_version = pg_schema_version,
    .data_version = pg_data_version,
    .get_meta = pg_get_meta,
    .set_meta = pg_set_meta,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .begin_read = pg_begin_read,
    .end_read = pg_end_read,
    .set_deadline = pg_set_deadline,
};

enum pcn_err pcn__pg_open(const char *conninfo, unsigned flags, struct pcn_store **ret,
                          struct pcn_error *reterr)
{
    struct pg_store *ps = pcn_calloc(1, sizeof(*ps));
    enum pcn_err rc;

    if (!ps)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    ps->head.ops = &pg_ops;
    ps->head.domains = pg_impls;
    ps->timeout_ms = PG_TIMEOUT_UNMANAGED;
    ps->prepared = pcn_strmap_new();
    if (!ps->prepared) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    ps->conn = PQconnectdb(conninfo);
    if (!ps->conn || PQstatus(ps->conn) != CONNECTION_OK) {
        char msg[PCN_ERROR_MSG_MAX];
        size_t n;
        (void)snprintf(msg, sizeof(msg), "%s",
                       ps->conn ? PQerrorMessage(ps->conn) : "out of memory");
        n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        rc = pcn_error_set(reterr, PCN_EIO, "PostgreSQL connection failed: %s", msg);
        goto out;
    }
    rc = pcn__pg_simple(ps, "SET client_min_messages = warning", "configuring session");
    if (rc == PCN_OK && (flags & PCN_STORE_FLAG_READONLY))
        rc = pcn__pg_simple(ps, "SET default_transaction_read_only = on", "configuring session");
    if (rc == PCN_OK)
        rc = pg_migrate(ps, flags);
    if (rc != PCN_OK) {
        pcn_error_set(reterr, rc, "%s", ps->head.errmsg);
        goto out;
    }
    *ret = &ps->head;
    ps = NULL;
out:
    if (ps)
        pg_close(&ps->head);
    return rc;
}
