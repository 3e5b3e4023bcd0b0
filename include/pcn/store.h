/*
 * store.h - the storage interface's core. Callers see one opaque struct
 * pcn_store whatever the backend; the backend (SQLite by default,
 * PostgreSQL when the location is a "postgresql://" URI or a "host=..."
 * connection string) is chosen at open and dispatched through function
 * tables (store_int.h). This header holds what every domain shares: open
 * and close, schema and data versions, meta values, transactions (bulk and
 * read ones too), deadlines and the default as-of date. Each domain's
 * records and calls have a header of their own:
 *     pcn/store_registry.h    networks, practices, memberships, sites, list sizes
 *     pcn/store_population.h  patients and their coded records, walks, the patient view
 *     pcn/store_auth.h        users, sessions, login attempts, the audit log
 *
 * Every write happens inside pcn_store_begin()/pcn_store_commit(); a
 * failed or abandoned transaction is rolled back whole. The schema is
 * migrated forward at open; a database written by a newer OpenPCN is
 * refused with PCN_EVERSION. A store handle is used by one thread at a
 * time; open one handle per thread.
 *
 * Detailed messages for the last failure are in pcn_store_errmsg().
 * Strings in structs passed to callbacks are borrowed for the callback.
 */
#ifndef PCN_STORE_H
#define PCN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct pcn_store;

enum pcn_store_flags {
    PCN_STORE_FLAG_CREATE = 1 << 0,   /* create the database if missing */
    PCN_STORE_FLAG_READONLY = 1 << 1, /* open read-only (no migrations run) */
};

/*
 * Open (and migrate) the database at `location`. Caller frees *ret with
 * pcn_store_close(). On failure *reterr says why (missing file, newer
 * schema, corrupt database...).
 */
enum pcn_err pcn_store_open(const char *location, unsigned flags, struct pcn_store **ret,
                            struct pcn_error *reterr);

/* Roll back any open transaction and close. NULL-safe. */
void pcn_store_close(struct pcn_store *s);

/* Message for the last failure on this handle. Borrowed; never NULL. */
const char *pcn_store_errmsg(const struct pcn_store *s);

/* Backend name: "sqlite" or "postgresql". */
const char *pcn_store_backend(const struct pcn_store *s);

/* Schema version of the open database, and the newest this build knows. */
int pcn_store_schema_version(const struct pcn_store *s);
int pcn_store_schema_latest(void);

/*
 * Data version: a counter bumped by every committed transaction that
 * changed data (which also writes a new PCN_META_DATA_GENERATION). Caches
 * of one database key their contents on it.
 */
enum pcn_err pcn_store_data_version(struct pcn_store *s, int64_t *ret);

/*
 * Small named settings of the database (the meta table): get copies the
 * value of key into out (size bytes, NUL-terminated; PCN_ENOTFOUND if
 * unset, PCN_ELIMIT if it does not fit); set inserts or replaces it and,
 * like every write, needs a transaction.
 */
enum pcn_err pcn_store_get_meta(struct pcn_store *s, const char *key, char *out, size_t size);
enum pcn_err pcn_store_set_meta(struct pcn_store *s, const char *key, const char *value);

/* Meta key: the database's random identity (32 hex digits), set once when it is created
 * or migrated; files derived from the data (snapshots) record it. */
#define PCN_META_DATABASE_ID "database_id"

/*
 * Meta key: a random id (32 hex digits) written with the data version by
 * every commit that changes data. The data version alone does not tell
 * data apart: a restored backup, or a copy of the database, imported into
 * reaches the version of other data. With the database id this names one
 * state of the data (files derived from it, the engine's snapshot, record
 * both). Unset until the first such commit.
 */
#define PCN_META_DATA_GENERATION "data_generation"

/*
 * Meta key: the latest date of the population's records (an event's date,
 * a medication's start, an immunisation's date) as "YYYY-MM-DD", or
 * "none" when there are no records. Every commit that puts or removes
 * records keeps it (a commit that removed records, by replacing patients,
 * finds it again from the records), so reading the default as-of date
 * costs a meta lookup, not a scan of every record. Set for existing data
 * by schema 7.
 */
#define PCN_META_RECORDS_LAST_DATE "records_last_date"

/* Meta key: the date the population data describes ("YYYY-MM-DD"), set by
 * pcn generate; reports and the API use it as their default as-of date. */
#define PCN_META_DATA_AS_OF "data_as_of"

/*
 * The default as-of date for analyses and registry listings of this
 * database, the one rule the CLI and the server share: data_as_of when
 * recorded (pcn generate); else the latest date the data describe (an
 * event, medication or immunisation, a list size or the start of a
 * membership) when it is not after today; else today. The records' latest
 * date is PCN_META_RECORDS_LAST_DATE, kept at import; the registry's
 * (list sizes, memberships) is one query over those small tables. Either
 * is remembered on the handle for the data version it was read at. (A
 * database without the meta key, whose records were written by hand, has
 * its records scanned: one index probe per patient on SQLite.)
 */
enum pcn_err pcn_store_default_as_of(struct pcn_store *s, int32_t *ret);

/*
 * A deadline for the work done through this handle: deadline is a
 * pcn_monotonic_usec() instant, 0 for none. A statement still running at
 * the deadline is stopped and fails with PCN_ETIMEDOUT (SQLite: a progress
 * handler looks at the clock every 1,000 virtual machine steps;
 * PostgreSQL: statement_timeout is set to the time left), and
 * pcn_store_commit() after the deadline rolls back and returns
 * PCN_ETIMEDOUT, so a transaction either commits in time or not at all.
 * Costs nothing while no deadline is set. PCN_ESTORAGE if the backend
 * cannot apply it.
 */
enum pcn_err pcn_store_set_deadline(struct pcn_store *s, int64_t deadline);

/* Transactions. Nested begin is PCN_EINVAL. */
enum pcn_err pcn_store_begin(struct pcn_store *s);
enum pcn_err pcn_store_commit(struct pcn_store *s);
void pcn_store_rollback(struct pcn_store *s);
/*
 * Is a write transaction open? (What it has written is not yet in the data
 * version: a cache keyed on that version must not keep what it reads.)
 */
int pcn_store_in_transaction(const struct pcn_store *s);

/*
 * Begin a transaction for loading many population records (pcn import).
 * It is committed and rolled back like any other, with the same guarantee:
 * afterwards the database holds all of the load or none of it, even after
 * a crash. The backend may give up concurrency with other connections and
 * per-row checks that put_* make anyway to load faster; on SQLite foreign
 * keys are not checked row by row, and a load into a database without
 * patients uses a rollback journal (readers wait while it commits) and
 * builds the record tables' indexes at commit. PostgreSQL: pcn_store_begin().
 */
enum pcn_err pcn_store_begin_bulk(struct pcn_store *s);

/*
 * Read transactions: every read between begin_read and end_read sees the
 * database as of one moment, never half of a concurrent writer's change
 * (the server brackets each GET with them). PCN_EINVAL inside a write
 * transaction or another read transaction; end_read is a no-op outside one.
 */
enum pcn_err pcn_store_begin_read(struct pcn_store *s);
void pcn_store_end_read(struct pcn_store *s);

#endif /* PCN_STORE_H */
