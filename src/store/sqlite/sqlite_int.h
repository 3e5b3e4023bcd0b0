/*
 * sqlite_int.h - internals shared by the SQLite backend's files: the
 * handle, the catalogue of prepared statements (prepared once, on first
 * use, and reused), and small bind/column helpers that map PCN_DATE_NONE
 * and NULL strings to SQL NULL.
 */
#ifndef PCN_STORE_SQLITE_INT_H
#define PCN_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include <stdbool.h>

#include "pcn/hash.h"
#include "store/store_int.h"

#define PCN_SQLITE_BUSY_MS 5000

/* Every statement the backend runs; texts are in sqlite_store.c. */
enum sql_stmt {
    SQL_DATA_VERSION_GET,
    SQL_DATA_VERSION_BUMP,
    SQL_META_GET,
    SQL_META_SET,
    SQL_NETWORK_PUT,
    SQL_NETWORK_GET,
    SQL_NETWORK_EACH,
    SQL_PRACTICE_PUT,
    SQL_PRACTICE_GET,
    SQL_PRACTICE_EACH,
    SQL_MEMBERSHIP_OVERLAP,
    SQL_MEMBERSHIP_ADD,
    SQL_MEMBERSHIP_END,
    SQL_MEMBERSHIP_OPEN,
    SQL_MEMBERSHIP_EACH,
    SQL_MEMBERSHIP_EACH_PRACTICE,
    SQL_SITE_ADD,
    SQL_SITE_EACH,
    SQL_LIST_SIZE_PUT,
    SQL_LIST_SIZE_AT,
    SQL_LIST_BAND_PUT,
    SQL_LIST_BAND_EACH,
    SQL_PATIENT_FIND,
    SQL_PATIENT_DELETE,
    SQL_PATIENT_DELETE_EVENTS,
    SQL_PATIENT_DELETE_MEDICATIONS,
    SQL_PATIENT_DELETE_IMMUNISATIONS,
    SQL_PATIENT_DELETE_ENCOUNTERS,
    SQL_PATIENT_INSERT,
    SQL_EVENT_INSERT,
    SQL_MEDICATION_INSERT,
    SQL_IMMUNISATION_INSERT,
    SQL_ENCOUNTER_INSERT,
    SQL_TERM_PUT,
    SQL_PATIENT_EACH,
    SQL_EVENT_EACH,
    SQL_EVENT_SCAN,
    SQL_MEDICATION_SCAN,
    SQL_IMMUNISATION_SCAN,
    SQL_MEDICATION_EACH,
    SQL_IMMUNISATION_EACH,
    SQL_ENCOUNTER_EACH,
    SQL_TERM_EACH,
    SQL_COUNT,
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
    SQL_PATIENT_GET,
    SQL_PATIENT_EVENTS,
    SQL_PATIENT_MEDICATIONS,
    SQL_PATIENT_TERMS,
    SQL_LAST_DATA_DATE,
    SQL_STMT_COUNT_
};

/*
 * Events are inserted PCN_SQLITE_EVENT_BATCH rows per statement: put_event
 * copies each event here and the batch is written when full, before any
 * other statement that reads or replaces population rows, and at commit
 * (sqlite_population.c). A rollback drops it.
 */
#define PCN_SQLITE_EVENT_BATCH 256
#define PCN_SQLITE_EVENT_TEXT 262144

struct sqlite_event_batch {
    size_t n_events;
    size_t text_used;
    int64_t keys[PCN_SQLITE_EVENT_BATCH];
    struct pcn_event events[PCN_SQLITE_EVENT_BATCH]; /* strings point into text */
    char text[PCN_SQLITE_EVENT_TEXT];
};

/* The state of a bulk-load transaction (sqlite_bulk.c). */
struct sqlite_bulk {
    bool is_on;              /* open; foreign keys and CHECK constraints are off */
    bool is_journal_swapped; /* WAL swapped for a rollback journal until it ends */
    bool is_new_population;  /* no patients at the start: only tx_patients can exist */
};

struct sqlite_store {
    struct pcn_store head; /* must be first */
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmts[SQL_STMT_COUNT_];
    int schema_version;
    int tx_dirty;                           /* the open transaction wrote something */
    struct pcn_strmap *tx_patients;         /* patient_id -> key, for this transaction */
    struct sqlite_event_batch *event_batch; /* pending events, allocated on first use */
    sqlite3_stmt *event_batch_stmt;         /* multi-row INSERT of a full batch */
    int in_read;                            /* a read transaction is open */
    struct sqlite_bulk bulk;
};

static inline struct sqlite_store *sqlite_of(struct pcn_store *s)
{
    return (struct sqlite_store *)s;
}

/* The cached statement, reset and with bindings cleared; NULL on failure (message set). */
sqlite3_stmt *pcn__sqlite_stmt(struct sqlite_store *ss, enum sql_stmt which);

/* Translate a SQLite result code into pcn_err and record the message. */
enum pcn_err pcn__sqlite_fail(struct sqlite_store *ss, int rc, const char *what);

/* Bind helpers: NULL strings and PCN_DATE_NONE bind SQL NULL. Return SQLite rc. */
int pcn__bind_text(sqlite3_stmt *st, int i, const char *s);
int pcn__bind_date(sqlite3_stmt *st, int i, int32_t date);

/* Column helpers: SQL NULL reads as NULL / PCN_DATE_NONE. */
const char *pcn__col_text(sqlite3_stmt *st, int i);
int32_t pcn__col_date(sqlite3_stmt *st, int i);

/* Step a write statement to completion. */
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

/*
 * Row decoders shared by the population walks and the patient view:
 * one patient, event or medication row, handed to the caller's callback.
 */
int pcn__sqlite_patient_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud);
int pcn__sqlite_event_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud);
int pcn__sqlite_medication_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud);
int pcn__sqlite_term_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud);

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

/* Registry and population operations, installed in the ops table. */
enum pcn_err pcn__sqlite_put_network(struct pcn_store *s, const struct pcn_network *n);
enum pcn_err pcn__sqlite_put_practice(struct pcn_store *s, const struct pcn_practice *p);
enum pcn_err pcn__sqlite_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                     void *ud);
enum pcn_err pcn__sqlite_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud);
enum pcn_err pcn__sqlite_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                      void *ud);
enum pcn_err pcn__sqlite_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud);
enum pcn_err pcn__sqlite_add_membership(struct pcn_store *s, const struct pcn_membership *m);
enum pcn_err pcn__sqlite_end_membership(struct pcn_store *s, const char *practice,
                                        int32_t end_date);
enum pcn_err pcn__sqlite_each_membership(struct pcn_store *s, const char *practice,
                                         pcn_membership_fn fn, void *ud);
enum pcn_err pcn__sqlite_add_site(struct pcn_store *s, const struct pcn_site *site,
                                  int64_t *ret_id);
enum pcn_err pcn__sqlite_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud);
enum pcn_err pcn__sqlite_put_list_size(struct pcn_store *s, const struct pcn_list_size *l);
enum pcn_err pcn__sqlite_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                      int64_t *ret_patients, int32_t *ret_date);
enum pcn_err pcn__sqlite_put_list_band(struct pcn_store *s, const struct pcn_list_band *b);
enum pcn_err pcn__sqlite_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                        pcn_list_band_fn fn, void *ud);

enum pcn_err pcn__sqlite_put_patient(struct pcn_store *s, const struct pcn_patient *p);
/* Write the pending events (see struct sqlite_event_batch). */
enum pcn_err pcn__sqlite_flush_events(struct sqlite_store *ss);
/* Forget pending events (rollback) or free the batch (close, with is_closing). */
void pcn__sqlite_drop_events(struct sqlite_store *ss, int is_closing);
enum pcn_err pcn__sqlite_put_event(struct pcn_store *s, const struct pcn_event *e);
enum pcn_err pcn__sqlite_put_medication(struct pcn_store *s, const struct pcn_medication *m);
enum pcn_err pcn__sqlite_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i);
enum pcn_err pcn__sqlite_put_encounter(struct pcn_store *s, const struct pcn_encounter *e);
enum pcn_err pcn__sqlite_put_term(struct pcn_store *s, const struct pcn_term *t);
enum pcn_err pcn__sqlite_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
enum pcn_err pcn__sqlite_scan_event(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn__sqlite_scan_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn__sqlite_scan_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud);
enum pcn_err pcn__sqlite_find_patient(struct pcn_store *s, const char *patient_id,
                                      int64_t *ret_key);
enum pcn_err pcn__sqlite_count(struct pcn_store *s, struct pcn_store_counts *ret);

/* Users, sessions, audit and the patient view (sqlite_auth.c). */
enum pcn_err pcn__sqlite_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
enum pcn_err pcn__sqlite_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud);
enum pcn_err pcn__sqlite_set_user_password(struct pcn_store *s, const char *name,
                                           const char *pwhash);
enum pcn_err pcn__sqlite_set_user_disabled(struct pcn_store *s, const char *name, int disabled);
enum pcn_err pcn__sqlite_add_session(struct pcn_store *s, const struct pcn_session *ses);
enum pcn_err pcn__sqlite_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                     void *ud);
enum pcn_err pcn__sqlite_revoke_session(struct pcn_store *s, const char *token_hash);
enum pcn_err pcn__sqlite_revoke_user_sessions(struct pcn_store *s, int64_t user_id);
enum pcn_err pcn__sqlite_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                           int success);
enum pcn_err pcn__sqlite_count_login_failures(struct pcn_store *s, const char *subject,
                                              int64_t since, int64_t *ret);
enum pcn_err pcn__sqlite_append_audit(struct pcn_store *s, const struct pcn_audit_row *a);
enum pcn_err pcn__sqlite_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud);
enum pcn_err pcn__sqlite_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                    pcn_audit_fn fn, void *ud);
enum pcn_err pcn__sqlite_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud);
enum pcn_err pcn__sqlite_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn,
                                        void *ud);
enum pcn_err pcn__sqlite_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                             void *ud);
enum pcn_err pcn__sqlite_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud);
enum pcn_err pcn__sqlite_last_data_date(struct pcn_store *s, int32_t *ret);
enum pcn_err pcn__sqlite_begin_read(struct pcn_store *s);
void pcn__sqlite_end_read(struct pcn_store *s);
enum pcn_err pcn__sqlite_set_deadline(struct pcn_store *s, int64_t deadline);

#endif /* PCN_STORE_SQLITE_INT_H */
