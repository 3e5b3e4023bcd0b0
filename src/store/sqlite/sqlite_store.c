/*
 * sqlite_store.c - the SQLite backend's handle and core: open with WAL,
 * foreign keys and a busy timeout; refuse files that are not OpenPCN
 * databases or that a newer version wrote; apply pending migrations, each
 * in its own transaction; list the domains the backend stores and keep
 * each domain's statements prepared once; bump the data version on commits
 * that wrote; read transactions (one snapshot for a series of reads) and
 * deadlines (a progress handler that stops a statement once the clock
 * passes one).
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "store/migrations.h"
#include "util/common.h"

/* 'PCN1': marks a SQLite file as an OpenPCN database. */
#define PCN_SQLITE_APPLICATION_ID 0x50434E31

/* The core's own statements (data version, meta). */
enum core_sql {
    SQL_DATA_VERSION_GET,
    SQL_DATA_VERSION_BUMP,
    SQL_META_GET,
    SQL_META_SET,
    SQL_CORE_COUNT_
};

static const char *const core_sql[SQL_CORE_COUNT_] = {
    [SQL_DATA_VERSION_GET] = "SELECT value FROM meta WHERE key = 'data_version'",
    [SQL_DATA_VERSION_BUMP] = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                              "WHERE key = 'data_version'",
    [SQL_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [SQL_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
};

/* The core, as a domain without operations: its statements come first on the handle. */
static const struct pcn__sqlite_domain sqlite_core = {.sql = core_sql, .n_sql = SQL_CORE_COUNT_};

/* The core and each domain of PCN__SQLITE_DOMAINS: on the handle, their statements in this order.
 */
#define SQLITE_DOMAIN(name) &pcn__sqlite_##name,
static const struct pcn__sqlite_domain *const sqlite_domains[] = {
    &sqlite_core, PCN__SQLITE_DOMAINS(SQLITE_DOMAIN)};
#undef SQLITE_DOMAIN

/* The same domains, as the handle's head lists them for the dispatchers. */
#define SQLITE_IMPL(name) &pcn__sqlite_##name.impl,
static const struct pcn__store_impl *const sqlite_impls[] = {PCN__SQLITE_DOMAINS(SQLITE_IMPL) NULL};
#undef SQLITE_IMPL

static sqlite3_stmt *core_stmt(struct sqlite_store *ss, enum core_sql which)
{
    return pcn__sqlite_stmt(ss, &sqlite_core, which);
}

enum pcn_err pcn__sqlite_fail(struct sqlite_store *ss, int rc, const char *what)
{
    enum pcn_err code;

    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        code = PCN_ENOMEM;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = PCN_EAGAIN;
        break;
    case SQLITE_CONSTRAINT:
        code = PCN_ECONFLICT;
        break;
    case SQLITE_INTERRUPT: /* the deadline's progress handler stopped the statement */
        code = PCN_ETIMEDOUT;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        code = PCN_EIO;
        break;
    default:
        code = PCN_ESTORAGE;
        break;
    }
    return pcn__store_fail(&ss->head, code, "%s: %s", what,
                           ss->db ? sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
}

enum pcn_err pcn__sqlite_step_write(struct sqlite_store *ss, sqlite3_stmt *st, const char *what,
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

/* Where domain d's statements start in ss->stmts; -1 for a domain this backend lacks. */
static int stmt_base(const struct pcn__sqlite_domain *d)
{
    int base = 0;

    for (size_t i = 0; i < PCN_ARRAY_SIZE(sqlite_domains); i++) {
        if (sqlite_domains[i] == d)
            return base;
        base += sqlite_domains[i]->n_sql;
    }
    return -1;
}

sqlite3_stmt *pcn__sqlite_stmt(struct sqlite_store *ss, const struct pcn__sqlite_domain *d,
                               int which)
{
    int base = stmt_base(d);
    sqlite3_stmt **slot;
    int rc;

    if (PCN_NEVER(base < 0 || which < 0 || which >= d->n_sql)) {
        (void)pcn__store_fail(&ss->head, PCN_ESTORAGE, "no such statement");
        return NULL;
    }
    slot = &ss->stmts[base + which];
    if (*slot) {
        (void)sqlite3_reset(*slot);
        (void)sqlite3_clear_bindings(*slot);
        return *slot;
    }
    rc = sqlite3_prepare_v3(ss->db, d->sql[which], -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
    if (rc != SQLITE_OK) {
        (void)pcn__sqlite_fail(ss, rc, "preparing statement");
        return NULL;
    }
    return *slot;
}

/* Reset every prepared statement, so none holds a read open past a transaction. */
static void reset_stmts(struct sqlite_store *ss)
{
    for (int i = 0; i < ss->n_stmts; i++) {
        if (ss->stmts[i])
            (void)sqlite3_reset(ss->stmts[i]);
    }
}

/* Room for every domain's statements. */
static enum pcn_err alloc_stmts(struct sqlite_store *ss)
{
    int n = 0;

    for (size_t i = 0; i < PCN_ARRAY_SIZE(sqlite_domains); i++)
        n += sqlite_domains[i]->n_sql;
    ss->stmts = pcn_calloc((size_t)n, sizeof(sqlite3_stmt *));
    if (!ss->stmts)
        return PCN_ENOMEM;
    ss->n_stmts = n;
    return PCN_OK;
}

int pcn__bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int pcn__bind_date(sqlite3_stmt *st, int i, int32_t date)
{
    return date == PCN_DATE_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, date);
}

const char *pcn__col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int32_t pcn__col_date(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? PCN_DATE_NONE
                                                     : (int32_t)sqlite3_column_int(st, i);
}

enum pcn_err pcn__sqlite_exec_stmt(struct sqlite_store *ss, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, what);
    ss->tx_dirty = 1;
    return PCN_OK;
}

enum pcn_err pcn__sqlite_walk(struct sqlite_store *ss, sqlite3_stmt *st, pcn__row_fn row,
                              pcn__any_fn fn, void *ud, int *ret_rows, const char *what)
{
    int rows = 0;
    int rc;

    for (;;) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        rows++;
        if (row(st, fn, ud))
            break;
    }
    (void)sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, what);
    if (ret_rows)
        *ret_rows = rows;
    return PCN_OK;
}

static enum pcn_err sqlite_exec(struct sqlite_store *ss, const char *sql, const char *what)
{
    int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, what);
}

static enum pcn_err pragma_int(struct sqlite_store *ss, const char *sql, int *ret)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ss->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *ret = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    (void)sqlite3_finalize(st);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, sql);
}

static enum pcn_err apply_migration(struct sqlite_store *ss, const struct pcn__migration *m)
{
    char set_version[64];
    enum pcn_err rc;

    rc = sqlite_exec(ss, "BEGIN IMMEDIATE", "starting migration");
    if (rc != PCN_OK)
        return rc;
    rc = sqlite_exec(ss, m->sql, m->name);
    if (rc == PCN_OK) {
        (void)snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d", m->version);
        rc = sqlite_exec(ss, set_version, "recording schema version");
    }
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "COMMIT", "committing migration");
    if (rc != PCN_OK) {
        char keep[PCN_STORE_ERRMSG_MAX];
        memcpy(keep, ss->head.errmsg, sizeof(keep));
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
        (void)pcn__store_fail(&ss->head, rc, "migration %04d_%s failed: %s", m->version, m->name,
                              keep);
    }
    return rc;
}

/* Check identity and version, then bring the schema up to date. */
static enum pcn_err sqlite_migrate(struct sqlite_store *ss, unsigned flags)
{
    int app_id = 0;
    int version = 0;
    int n_tables = 0;
    enum pcn_err rc;

    rc = pragma_int(ss, "PRAGMA application_id", &app_id);
    if (rc == PCN_OK)
        rc = pragma_int(ss, "PRAGMA user_version", &version);
    if (rc == PCN_OK)
        rc = pragma_int(ss, "SELECT COUNT(*) FROM sqlite_schema", &n_tables);
    if (rc != PCN_OK)
        return rc;
    if (app_id != PCN_SQLITE_APPLICATION_ID && n_tables > 0)
        return pcn__store_fail(&ss->head, PCN_EINVAL, "%s is not an OpenPCN database", ss->path);
    if (version > pcn__migration_count)
        return pcn__store_fail(&ss->head, PCN_EVERSION,
                               "%s has schema version %d, newer than this OpenPCN supports (%d); "
                               "upgrade OpenPCN to open it",
                               ss->path, version, pcn__migration_count);
    if (version < pcn__migration_count && (flags & PCN_STORE_FLAG_READONLY))
        return pcn__store_fail(&ss->head, PCN_EVERSION,
                               "%s has schema version %d and needs migrating; open it read-write",
                               ss->path, version);
    if (app_id != PCN_SQLITE_APPLICATION_ID && !(flags & PCN_STORE_FLAG_READONLY)) {
        char sql[64];
        (void)snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", PCN_SQLITE_APPLICATION_ID);
        rc = sqlite_exec(ss, sql, "marking the database");
        if (rc != PCN_OK)
            return rc;
    }
    for (int v = version; v < pcn__migration_count; v++) {
        rc = apply_migration(ss, &pcn__migrations[v]);
        if (rc != PCN_OK)
            return rc;
    }
    ss->schema_version = pcn__migration_count;
    return PCN_OK;
}

static void sqlite_close(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (ss->db && !sqlite3_get_autocommit(ss->db))
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
    if (ss->db)
        pcn__sqlite_bulk_end(ss); /* back to WAL after an abandoned bulk load */
    for (int i = 0; i < ss->n_stmts; i++)
        (void)sqlite3_finalize(ss->stmts[i]);
    (void)sqlite3_close(ss->db);
    pcn_free(ss->stmts);
    pcn_free(ss->path);
    pcn_free(ss);
}

static int sqlite_schema_version(const struct pcn_store *s)
{
    return ((const struct sqlite_store *)s)->schema_version;
}

static enum pcn_err sqlite_data_version(struct pcn_store *s, int64_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = core_stmt(ss, SQL_DATA_VERSION_GET);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, "reading data version");
    *ret = sqlite3_column_int64(st, 0);
    (void)sqlite3_reset(st);
    return PCN_OK;
}

static enum pcn_err sqlite_get_meta(struct pcn_store *s, const char *key, char *out, size_t size)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = core_stmt(ss, SQL_META_GET);
    enum pcn_err rc = PCN_OK;
    int step;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, key);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *v = pcn__col_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        if (n >= size)
            rc = pcn__store_fail(s, PCN_ELIMIT, "meta value of %s is too long", key);
        else
            memcpy(out, v ? v : "", n + 1);
    } else if (step == SQLITE_DONE) {
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no meta value %s", key);
    } else {
        rc = pcn__sqlite_fail(ss, step, "reading meta");
    }
    (void)sqlite3_reset(st);
    return rc;
}

static enum pcn_err sqlite_set_meta(struct pcn_store *s, const char *key, const char *value)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = core_stmt(ss, SQL_META_SET);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, key);
    (void)pcn__bind_text(st, 2, value);
    return pcn__sqlite_exec_stmt(ss, st, "saving meta");
}

enum pcn_err pcn__sqlite_begin(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    enum pcn_err rc = sqlite_exec(ss, "BEGIN IMMEDIATE", "starting transaction");

    if (rc == PCN_OK)
        ss->tx_dirty = 0;
    return rc;
}

static void sqlite_end_tx(struct sqlite_store *ss)
{
    reset_stmts(ss);
    ss->tx_dirty = 0;
}

/* The data changed: the next data version, with a new generation (PCN_META_DATA_GENERATION). */
static enum pcn_err bump_data_version(struct sqlite_store *ss)
{
    char gen[PCN__STORE_GENERATION_SIZE];
    sqlite3_stmt *st = core_stmt(ss, SQL_DATA_VERSION_BUMP);
    enum pcn_err rc = st ? pcn__sqlite_exec_stmt(ss, st, "bumping data version") : PCN_ESTORAGE;

    if (rc == PCN_OK && pcn__store_generation(gen) != PCN_OK)
        rc = pcn__store_fail(&ss->head, PCN_EIO, "no randomness for the data generation");
    st = rc == PCN_OK ? core_stmt(ss, SQL_META_SET) : NULL;
    if (rc == PCN_OK && !st)
        rc = PCN_ESTORAGE;
    if (rc == PCN_OK &&
        (sqlite3_bind_text(st, 1, PCN_META_DATA_GENERATION, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_text(st, 2, gen, -1, SQLITE_TRANSIENT) != SQLITE_OK))
        rc = pcn__sqlite_fail(ss, sqlite3_errcode(ss->db), "writing the data generation");
    if (rc == PCN_OK)
        rc = pcn__sqlite_exec_stmt(ss, st, "writing the data generation");
    return rc;
}

/*
 * The domains wrote what they held back before this (their before_commit
 * hooks). On failure the transaction is still open: store.c rolls it back.
 */
static enum pcn_err sqlite_commit(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    enum pcn_err rc = PCN_OK;

    if (ss->tx_dirty)
        rc = bump_data_version(ss);
    sqlite_end_tx(ss);
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "COMMIT", "committing");
    if (rc == PCN_OK)
        pcn__sqlite_bulk_end(ss);
    return rc;
}

void pcn__sqlite_rollback(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    sqlite_end_tx(ss);
    if (!sqlite3_get_autocommit(ss->db))
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
    pcn__sqlite_bulk_end(ss);
}

/* ---- read transactions ---- */

static enum pcn_err sqlite_begin_read(struct pcn_store *s)
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

static void sqlite_end_read(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (!ss->in_read)
        return;
    reset_stmts(ss);
    (void)sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
    ss->in_read = 0;
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

static enum pcn_err sqlite_set_deadline(struct pcn_store *s, int64_t deadline)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (deadline)
        sqlite3_progress_handler(ss->db, PROGRESS_STEPS, past_deadline, ss);
    else
        sqlite3_progress_handler(ss->db, 0, NULL, NULL);
    return PCN_OK;
}

static const struct pcn_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .schema_version = sqlite_schema_version,
    .data_version = sqlite_data_version,
    .get_meta = sqlite_get_meta,
    .set_meta = sqlite_set_meta,
    .begin = pcn__sqlite_begin,
    .begin_bulk = pcn__sqlite_begin_bulk,
    .commit = sqlite_commit,
    .rollback = pcn__sqlite_rollback,
    .begin_read = sqlite_begin_read,
    .end_read = sqlite_end_read,
    .set_deadline = sqlite_set_deadline,
};

static enum pcn_err sqlite_configure(struct sqlite_store *ss, unsigned flags)
{
    enum pcn_err rc;

    (void)sqlite3_busy_timeout(ss->db, PCN_SQLITE_BUSY_MS);
    (void)sqlite3_extended_result_codes(ss->db, 1);
    rc = sqlite_exec(ss, "PRAGMA foreign_keys = ON", "enabling foreign keys");
    if (rc == PCN_OK && !(flags & PCN_STORE_FLAG_READONLY))
        rc = sqlite_exec(ss, "PRAGMA journal_mode = WAL", "enabling WAL");
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "PRAGMA synchronous = NORMAL", "setting synchronous");
    /* a 256 MiB page cache lets a large import commit without spilling pages mid-transaction */
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "PRAGMA cache_size = -262144", "setting cache size");
    return rc;
}

/*
 * Create the database file readable and writable by its owner only,
 * whatever the umask: it holds patient-level data. SQLite would create it
 * 0644 less the umask; it gives the files it keeps beside a database
 * (-wal, -shm, -journal) the database file's mode, so those follow. An
 * existing file keeps its mode. "" and ":memory:" are not files.
 */
static enum pcn_err create_private(const char *path, struct pcn_error *reterr)
{
    int fd;

    if (!path[0] || !strcmp(path, ":memory:"))
        return PCN_OK;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return pcn_error_set(reterr, errno == ENOMEM ? PCN_ENOMEM : PCN_EIO, "%s: %s", path,
                             strerror(errno));
    (void)close(fd);
    return PCN_OK;
}

enum pcn_err pcn__sqlite_open(const char *path, unsigned flags, struct pcn_store **ret,
                              struct pcn_error *reterr)
{
    struct sqlite_store *ss = NULL;
    int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc;

    if (!(flags & PCN_STORE_FLAG_CREATE) && access(path, F_OK) != 0)
        return pcn_error_set(reterr, PCN_ENOTFOUND,
                             "%s: no such database (create one with 'pcn init --db %s')", path,
                             path);
    if ((flags & PCN_STORE_FLAG_CREATE) && !(flags & PCN_STORE_FLAG_READONLY)) {
        rc = create_private(path, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    ss = pcn_calloc(1, sizeof(*ss));
    if (!ss)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    ss->head.ops = &sqlite_ops;
    ss->head.domains = sqlite_impls;
    ss->path = pcn_strdup(path);
    if (!ss->path || alloc_stmts(ss) != PCN_OK) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    oflags |= (flags & PCN_STORE_FLAG_READONLY) ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    rc = sqlite3_open_v2(path, &ss->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        rc = pcn_error_set(reterr, rc == SQLITE_NOMEM ? PCN_ENOMEM : PCN_EIO, "%s: %s", path,
                           ss->db ? sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
        goto out;
    }
    rc = sqlite_configure(ss, flags);
    if (rc == PCN_OK)
        rc = sqlite_migrate(ss, flags);
    if (rc != PCN_OK) {
        if (sqlite3_errcode(ss->db) == SQLITE_NOTADB)
            rc = pcn_error_set(reterr, PCN_EINVAL, "%s is not an OpenPCN database", path);
        else
            pcn_error_set(reterr, rc, "%s", ss->head.errmsg);
        goto out;
    }
    *ret = &ss->head;
    ss = NULL;
    rc = PCN_OK;
out:
    if (ss)
        sqlite_close(&ss->head);
    return rc;
}
