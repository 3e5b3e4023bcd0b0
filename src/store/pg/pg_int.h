/*
 * pg_int.h - internals of the PostgreSQL backend: the handle, the list of
 * domains the backend stores (each in its own file, SQL included), text
 * parameter lists, execution of named prepared statements, and cursor
 * walks. Walks read through a cursor in batches so a callback may run
 * other statements on the same connection between rows, as it can on
 * SQLite.
 */
#ifndef PCN_STORE_PG_INT_H
#define PCN_STORE_PG_INT_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "pcn/hash.h"
#include "store/store_int.h"

#define PG_MAX_PARAMS 32
#define PG_PARAM_TEXT 40

/*
 * The domains this backend stores, one line each: X(name) registers the
 * table pcn__pg_<name> (a struct pcn__store_impl) from pg_<name>.c
 * (docs/internals/adding.md).
 */
#define PCN__PG_DOMAINS(X)                                                                         \
    X(registry)                                                                                    \
    X(population)                                                                                  \
    X(auth)                                                                                        \
    X(workforce)                                                                                   \
    X(sp)                                                                                          \
    X(ppg)                                                                                         \
    /* one line per domain, above */

#define PCN__PG_DECLARE(name) extern const struct pcn__store_impl pcn__pg_##name;
PCN__PG_DOMAINS(PCN__PG_DECLARE)
#undef PCN__PG_DECLARE

struct pg_store {
    struct pcn_store head; /* must be first */
    PGconn *conn;
    int schema_version;
    int tx_dirty;
    int walk_depth;              /* cursors open now; each gets its own name */
    int in_read;                 /* a read transaction is open */
    struct pcn_strmap *prepared; /* statement text -> 1 once prepared */
    /*
     * statement_timeout as last set, in ms: PG_TIMEOUT_UNMANAGED until the
     * first deadline (the server's setting is left alone), PG_TIMEOUT_UNKNOWN
     * after a rollback may have undone a SET.
     */
    int64_t timeout_ms;
};

#define PG_TIMEOUT_UNMANAGED (-2)
#define PG_TIMEOUT_UNKNOWN (-1)

/* A transaction ended in a rollback: a SET made inside it is gone. */
static inline void pcn__pg_timeout_lost(struct pg_store *ps)
{
    if (ps->timeout_ms != PG_TIMEOUT_UNMANAGED)
        ps->timeout_ms = PG_TIMEOUT_UNKNOWN;
}

/*
 * Before a statement: PCN_ETIMEDOUT when the handle's deadline has passed;
 * otherwise statement_timeout follows the time left (set again only when
 * it would be too long, or more than 1/16 too short, so a steady series of
 * requests costs no extra round trips).
 */
enum pcn_err pcn__pg_sync_timeout(struct pg_store *ps);

static inline struct pg_store *pg_of(struct pcn_store *s)
{
    return (struct pg_store *)s;
}

/* Text parameters for one statement; NULL values are SQL NULL. */
struct pg_params {
    const char *values[PG_MAX_PARAMS];
    char space[PG_MAX_PARAMS][PG_PARAM_TEXT];
    int n;
};

void pcn__pg_text(struct pg_params *p, const char *s);
void pcn__pg_int(struct pg_params *p, int64_t v);
void pcn__pg_date(struct pg_params *p, int32_t date);
void pcn__pg_double(struct pg_params *p, int has_value, double v);

/* Column readers for a result row; SQL NULL reads as NULL / PCN_DATE_NONE / 0. */
const char *pcn__pg_col_text(const PGresult *r, int row, int col);
int64_t pcn__pg_col_int(const PGresult *r, int row, int col);
int32_t pcn__pg_col_date(const PGresult *r, int row, int col);
int pcn__pg_col_double(const PGresult *r, int row, int col, double *ret);

/* Record a failure (SQLSTATE mapped to pcn_err) from a result or the connection. */
enum pcn_err pcn__pg_fail(struct pg_store *ps, const PGresult *r, const char *what);

/* What a statement does, for pcn__pg_exec. */
#define PG_READ 0
#define PG_WRITE_DATA 1  /* changes population or registry data: bumps the data version */
#define PG_WRITE_OTHER 2 /* users, sessions, audit: no data version bump */

/*
 * Run sql as a named prepared statement (prepared on first use) with the
 * parameters. On success *ret (when not NULL) gets the result, which the
 * caller frees with PQclear(). `writes` is PG_READ, PG_WRITE_DATA or
 * PG_WRITE_OTHER; writes inside a transaction run under a savepoint.
 */
enum pcn_err pcn__pg_exec(struct pg_store *ps, const char *sql, const struct pg_params *p,
                          int writes, PGresult **ret, const char *what);

/* Run plain SQL with no parameters and no result. */
enum pcn_err pcn__pg_simple(struct pg_store *ps, const char *sql, const char *what);

typedef void (*pcn__pg_any_fn)(void);
/* Called per row; nonzero stops the walk. */
typedef int (*pcn__pg_row_fn)(const PGresult *r, int row, pcn__pg_any_fn fn, void *ud);

/*
 * Walk the rows of a query through a cursor in batches, calling row for
 * each. *ret_rows (optional) gets the rows seen.
 */
enum pcn_err pcn__pg_walk(struct pg_store *ps, const char *sql, const struct pg_params *p,
                          pcn__pg_row_fn row, pcn__pg_any_fn fn, void *ud, int *ret_rows,
                          const char *what);

#endif /* PCN_STORE_PG_INT_H */
