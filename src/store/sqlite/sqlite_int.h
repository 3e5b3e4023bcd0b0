/*
 * sqlite_int.h - internals shared by the SQLite backend's files: the
 * handle, the list of domains the backend stores (each in its own file
 * with its own statements, prepared once per handle on first use and
 * reused), and small bind/column helpers that map PCN_DATE_NONE and NULL
 * strings to SQL NULL.
 */
#ifndef PCN_STORE_SQLITE_INT_H
#define PCN_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include <stdbool.h>

#include "store/store_int.h"

#define PCN_SQLITE_BUSY_MS 5000

/*
 * One domain as this backend stores it (sqlite_<name>.c defines
 * pcn__sqlite_<name>): the domain's operations table and its statements.
 */
struct pcn__sqlite_domain {
    struct pcn__store_impl impl; /* what the handle's head lists for the dispatchers */
    const char *const *sql;      /* the statements, indexed by the file's own enum */
    int n_sql;
};

/*
 * The domains this backend stores, one line each: X(name) registers
 * pcn__sqlite_<name> from sqlite_<name>.c (docs/internals/adding.md).
 */
#define PCN__SQLITE_DOMAINS(X)                                                                     \
    X(registry)                                                                                    \
    X(population)                                                                                  \
    X(auth)                                                                                        \
    X(workforce)                                                                                   \
    X(sp)                                                                                          \
    X(ppg)                                                                                         \
    /* one line per domain, above */

#define PCN__SQLITE_DECLARE(name) extern const struct pcn__sqlite_domain pcn__sqlite_##name;
PCN__SQLITE_DOMAINS(PCN__SQLITE_DECLARE)
#undef PCN__SQLITE_DECLARE

/* The state of a bulk-load transaction (sqlite_bulk.c). */
struct sqlite_bulk {
    bool is_on;              /* open; foreign keys and CHECK constraints are off */
    bool is_journal_swapped; /* WAL swapped for a rollback journal until it ends */
    bool is_new_population;  /* no patients at the start: only this load's patients exist */
};

struct sqlite_store {
    struct pcn_store head; /* must be first */
    sqlite3 *db;
    char *path;
    sqlite3_stmt **stmts; /* every domain's statements, the core's first; NULL until prepared */
    int n_stmts;
    int schema_version;
    int tx_dirty; /* the open transaction changed data (bumps the data version) */
    int in_read;  /* a read transaction is open */
    struct sqlite_bulk bulk;
};

static inline struct sqlite_store *sqlite_of(struct pcn_store *s)
{
    return (struct sqlite_store *)s;
}

/*
 * Statement `which` of domain d, prepared on first use and cached on the
 * handle, reset and with bindings cleared; NULL on failure (message set).
 */
sqlite3_stmt *pcn__sqlite_stmt(struct sqlite_store *ss, const struct pcn__sqlite_domain *d,
                               int which);

/* Translate a SQLite result code into pcn_err and record the message. */
enum pcn_err pcn__sqlite_fail(struct sqlite_store *ss, int rc, const char *what);

/*
 * Step the write st to completion and reset it, without bumping the data
 * version (for the domains the engine does not read); *ret_changes optional.
 */
enum pcn_err pcn__sqlite_step_write(struct sqlite_store *ss, sqlite3_stmt *st, const char *what,
                                    int *ret_changes);

/* Bind helpers: NULL strings and PCN_DATE_NONE bind SQL NULL. Return SQLite rc. */
int pcn__bind_text(sqlite3_stmt *st, int i, const char *s);
int pcn__bind_date(sqlite3_stmt *st, int i, int32_t date);

/* Column helpers: SQL NULL reads as NULL / PCN_DATE_NONE. */
const char *pcn__col_text(sqlite3_stmt *st, int i);
int32_t pcn__col_date(sqlite3_stmt *st, int i);

/* Step a write of data to completion; marks the transaction as changing data. */
enum pcn_err pcn__sqlite_exec_stmt(struct sqlite_store *ss, sqlite3_stmt *st, const char *what);

/* Any callback, cast back to its real type by the row function. */
typedef void (*pcn__any_fn)(void);

/* Called per row by pcn__sqlite_walk; nonzero stops the walk. */
typedef int (*pcn__row_fn)(sqlite3_stmt *st, pcn__any_fn fn, void *ud);

/*
 * Step st to the end calling row(st, fn, ud) per row; *ret_rows (optional)
 * gets the number of rows seen. The statement is reset afterwards.
 */
enum pcn_err pcn__sqlite_walk(struct sqlite_store *ss, sqlite3_stmt *st, pcn__row_fn row,
                              pcn__any_fn fn, void *ud, int *ret_rows, const char *what);

/* Transactions (sqlite_store.c). */
enum pcn_err pcn__sqlite_begin(struct pcn_store *s);
void pcn__sqlite_rollback(struct pcn_store *s);

/*
 * Bulk-load transactions (sqlite_bulk.c): begin_bulk starts one; bulk_end
 * restores the connection's settings after its COMMIT or ROLLBACK (a no-op
 * after any other transaction).
 */
enum pcn_err pcn__sqlite_begin_bulk(struct pcn_store *s);
void pcn__sqlite_bulk_end(struct sqlite_store *ss);

#endif /* PCN_STORE_SQLITE_INT_H */
