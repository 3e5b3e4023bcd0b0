/*
 * store.h - the storage interface. Callers see one opaque struct pcn_store
 * whatever the backend; the backend (SQLite by default, PostgreSQL when the
 * location is a "postgresql://" URI or a "host=..." connection string) is
 * chosen at open and dispatched through a function table (store_int.h).
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
#include "pcn/record.h"
#include "pcn/registry.h"

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
 * changed data. Caches key their contents on it.
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

/* Meta key: the date the population data describes ("YYYY-MM-DD"), set by
 * pcn generate; reports and the API use it as their default as-of date. */
#define PCN_META_DATA_AS_OF "data_as_of"

/*
 * The default as-of date for analyses and registry listings of this
 * database, the one rule the CLI and the server share: data_as_of when
 * recorded (pcn generate); else the latest date the data describe (an
 * event, medication or immunisation, a list size or the start of a
 * membership) when it is not after today; else today. The latest date
 * costs one query (one index probe per patient on SQLite) and is
 * remembered on the handle for the data version it was read at.
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

/* ---- network registry ---- */

/* Insert or update a network (by code). */
enum pcn_err pcn_store_put_network(struct pcn_store *s, const struct pcn_network *n);
/* Insert or update a practice (by code). */
enum pcn_err pcn_store_put_practice(struct pcn_store *s, const struct pcn_practice *p);

typedef int (*pcn_network_fn)(const struct pcn_network *n, void *ud);
typedef int (*pcn_practice_fn)(const struct pcn_practice *p, void *ud);
typedef int (*pcn_membership_fn)(const struct pcn_membership *m, void *ud);
typedef int (*pcn_site_fn)(const struct pcn_site *site, void *ud);
typedef int (*pcn_list_band_fn)(const struct pcn_list_band *b, void *ud);

/*
 * Iterators call fn for each row in code order; a nonzero return from fn
 * stops the walk and is passed back as PCN_OK. PCN_ENOTFOUND from the
 * get_* calls when nothing matches.
 */
enum pcn_err pcn_store_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                   void *ud);
enum pcn_err pcn_store_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud);
enum pcn_err pcn_store_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                    void *ud);
enum pcn_err pcn_store_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud);

/*
 * Memberships. add refuses (PCN_ECONFLICT) a period that overlaps another
 * membership of the same practice; end sets the end date of the practice's
 * open membership (PCN_ENOTFOUND if none). each_membership walks every
 * membership (practice NULL) or one practice's, ordered by practice then
 * start date.
 */
enum pcn_err pcn_store_add_membership(struct pcn_store *s, const struct pcn_membership *m);
enum pcn_err pcn_store_end_membership(struct pcn_store *s, const char *practice, int32_t end_date);
enum pcn_err pcn_store_each_membership(struct pcn_store *s, const char *practice,
                                       pcn_membership_fn fn, void *ud);

/* Sites (branch surgeries). add assigns *ret_id. */
enum pcn_err pcn_store_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id);
enum pcn_err pcn_store_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud);

/* List sizes: insert or replace the figure for (practice, date). */
enum pcn_err pcn_store_put_list_size(struct pcn_store *s, const struct pcn_list_size *l);
/*
 * Latest list size of a practice on or before `date`. PCN_ENOTFOUND if none;
 * *ret_date gets the date of the figure.
 */
enum pcn_err pcn_store_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                    int64_t *ret_patients, int32_t *ret_date);
/* Age/sex bands: insert or replace (practice, date, sex, age_from). */
enum pcn_err pcn_store_put_list_band(struct pcn_store *s, const struct pcn_list_band *b);
/* Bands of the latest date on or before `date` for one practice. */
enum pcn_err pcn_store_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                      pcn_list_band_fn fn, void *ud);

/* ---- population records ---- */

/*
 * Insert a patient, or replace one with the same patient_id: the old
 * patient's events, medications, immunisations and encounters are deleted
 * first, so re-importing the same data is idempotent. Other records may
 * only reference patients put in the same transaction (PCN_ENOTFOUND).
 */
enum pcn_err pcn_store_put_patient(struct pcn_store *s, const struct pcn_patient *p);
enum pcn_err pcn_store_put_event(struct pcn_store *s, const struct pcn_event *e);
enum pcn_err pcn_store_put_medication(struct pcn_store *s, const struct pcn_medication *m);
enum pcn_err pcn_store_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i);
enum pcn_err pcn_store_put_encounter(struct pcn_store *s, const struct pcn_encounter *e);
/* Insert or replace a term for (system, code). */
enum pcn_err pcn_store_put_term(struct pcn_store *s, const struct pcn_term *t);

/*
 * A sink (record.h) that writes into the store: the import path. The
 * caller brackets the records with begin/commit. ctx is the store.
 */
void pcn_store_sink(struct pcn_store *s, struct pcn_sink *ret);

/*
 * Population walks, ordered by patient key then date. The key is the
 * store's own integer id for the patient (stable until the patient is
 * replaced); patient_id fields in the records are NULL to save the join.
 */
typedef int (*pcn_patient_fn)(int64_t key, const struct pcn_patient *p, void *ud);
typedef int (*pcn_event_fn)(int64_t key, const struct pcn_event *e, void *ud);
typedef int (*pcn_medication_fn)(int64_t key, const struct pcn_medication *m, void *ud);
typedef int (*pcn_immunisation_fn)(int64_t key, const struct pcn_immunisation *i, void *ud);
typedef int (*pcn_encounter_fn)(int64_t key, const struct pcn_encounter *e, void *ud);
typedef int (*pcn_term_fn)(const struct pcn_term *t, void *ud);

enum pcn_err pcn_store_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud);
enum pcn_err pcn_store_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn_store_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn_store_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
enum pcn_err pcn_store_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
enum pcn_err pcn_store_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud);

/*
 * Lean records in the order they are stored, not by patient: for a reader
 * that sorts them itself (the engine's snapshot). Only the key, the date
 * (start date), the code and the value (quantity) are filled in (other
 * fields NULL, 0 or PCN_DATE_NONE; on PostgreSQL every field). On SQLite a
 * table scan, several times quicker than the ordered walk on a large store;
 * the records of one patient and date still come in the order they were
 * stored, as in the ordered walk. On PostgreSQL the ordered walks.
 */
enum pcn_err pcn_store_scan_events(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn_store_scan_medications(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn_store_scan_immunisations(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);

/* Look one patient up by external id; *ret_key gets the store key. */
enum pcn_err pcn_store_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key);

/* Row counts of the population tables, for summaries and tests. */
struct pcn_store_counts {
    int64_t patients;
    int64_t events;
    int64_t medications;
    int64_t immunisations;
    int64_t encounters;
    int64_t terms;
};
enum pcn_err pcn_store_count(struct pcn_store *s, struct pcn_store_counts *ret);

/* ---- users, sessions, audit ---- */

/*
 * Writes below need a transaction like any other, but they do not bump the
 * data version: sessions and audit rows are not population data, and
 * caches keyed on the data version must survive a login.
 */

/* A user of the server. Roles are the names in PRODUCT.md ("admin", ...). */
struct pcn_user {
    int64_t id;           /* assigned by the store; ignored by add */
    const char *name;     /* unique login name */
    const char *role;     /* admin, clinical_director, practice_manager, clinician, ... */
    const char *practice; /* ODS code of the user's practice, or NULL */
    const char *pwhash;   /* encoded Argon2id hash (crypto_pwhash_str format) */
    int disabled;         /* nonzero: may not log in; sessions refused */
    int64_t created_at;   /* microseconds since the epoch */
};

/* A login session. The token itself is never stored, only its hash. */
struct pcn_session {
    const char *token_hash; /* hex hash of the session token */
    int64_t user_id;
    const char *csrf_token; /* double-submit token for cookie-authenticated writes */
    int64_t created_at;     /* microseconds since the epoch */
    int64_t expires_at;
    int revoked; /* nonzero after logout or when the user is disabled */
};

/* One audit row; see pcn/audit.h for how hash is computed. */
struct pcn_audit_row {
    int64_t id; /* 1, 2, 3... in order of appending */
    int64_t at; /* microseconds since the epoch */
    const char *user_name;
    const char *role;
    const char *method;      /* HTTP method, or "CLI" */
    const char *route;       /* route pattern, e.g. "/api/v1/patients/{key}" */
    const char *object_type; /* "patient", "user", "session"...; may be NULL */
    const char *object_id;   /* patient store key, user name...; may be NULL */
    int status;              /* HTTP status of the outcome */
    const char *prev_hash;   /* hex; the previous row's hash ("" chain start: 64 zeros) */
    const char *hash;        /* hex */
};

typedef int (*pcn_user_fn)(const struct pcn_user *u, void *ud);
typedef int (*pcn_session_fn)(const struct pcn_session *ses, const struct pcn_user *u, void *ud);
typedef int (*pcn_audit_fn)(const struct pcn_audit_row *a, void *ud);

/* Add a user; PCN_ECONFLICT if the name is taken. *ret_id (optional) gets the id. */
enum pcn_err pcn_store_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
/* Look a user up by name (PCN_ENOTFOUND), or walk all users in name order. */
enum pcn_err pcn_store_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
enum pcn_err pcn_store_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud);
/* Replace a user's password hash; PCN_ENOTFOUND for an unknown user. */
enum pcn_err pcn_store_set_user_password(struct pcn_store *s, const char *name, const char *pwhash);
/* Disable (nonzero) or enable a user; PCN_ENOTFOUND for an unknown user. */
enum pcn_err pcn_store_set_user_disabled(struct pcn_store *s, const char *name, int disabled);

/* Sessions. get calls fn with the session and its user (PCN_ENOTFOUND if none). */
enum pcn_err pcn_store_add_session(struct pcn_store *s, const struct pcn_session *ses);
enum pcn_err pcn_store_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                   void *ud);
/* Revoke one session (PCN_ENOTFOUND if none), or every session of a user. */
enum pcn_err pcn_store_revoke_session(struct pcn_store *s, const char *token_hash);
enum pcn_err pcn_store_revoke_user_sessions(struct pcn_store *s, int64_t user_id);

/*
 * Login throttling. subject is "user:NAME" or "addr:ADDRESS". count gives
 * the failures recorded at or after `since` and after the subject's last
 * success.
 */
enum pcn_err pcn_store_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                         int success);
enum pcn_err pcn_store_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                            int64_t *ret);

/*
 * The audit log, append-only. append inserts the row as given (id and
 * hashes included: pcn/audit.h computes them inside the caller's
 * transaction). last calls fn with the newest row (PCN_ENOTFOUND when the
 * log is empty); each walks rows with id > after_id in id order, at most
 * limit rows (0: all).
 */
enum pcn_err pcn_store_append_audit(struct pcn_store *s, const struct pcn_audit_row *a);
enum pcn_err pcn_store_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud);
enum pcn_err pcn_store_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                  pcn_audit_fn fn, void *ud);

/*
 * One patient's record, for the patient view: the patient by store key
 * (PCN_ENOTFOUND), then its events and medications in date order.
 */
enum pcn_err pcn_store_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud);
enum pcn_err pcn_store_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud);
enum pcn_err pcn_store_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                           void *ud);
/*
 * The human-readable terms of the codes in one patient's events and
 * medications: fn is called once per (system, code) that has a term in the
 * term table, in no particular order; codes without a term are left out.
 */
enum pcn_err pcn_store_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud);

/*
 * Read transactions: every read between begin_read and end_read sees the
 * database as of one moment, never half of a concurrent writer's change
 * (the server brackets each GET with them). PCN_EINVAL inside a write
 * transaction or another read transaction; end_read is a no-op outside one.
 */
enum pcn_err pcn_store_begin_read(struct pcn_store *s);
void pcn_store_end_read(struct pcn_store *s);

#endif /* PCN_STORE_H */
