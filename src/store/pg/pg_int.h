/*
 * pg_int.h - internals of the PostgreSQL backend: the handle, text
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

#define PG_MAX_PARAMS 16
#define PG_PARAM_TEXT 40

struct pg_store {
    struct pcn_store head; /* must be first */
    PGconn *conn;
    int schema_version;
    int tx_dirty;
    int walk_depth;                 /* cursors open now; each gets its own name */
    int in_read;                    /* a read transaction is open */
    struct pcn_strmap *prepared;    /* statement text -> 1 once prepared */
    struct pcn_strmap *tx_patients; /* patient_id -> key, for this transaction */
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
enum pcn_err pcn__pg_set_deadline(struct pcn_store *s, int64_t deadline);

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

/*
 * Row decoders shared by the population walks and the patient view:
 * one patient, event or medication row, handed to the caller's callback.
 */
int pcn__pg_patient_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud);
int pcn__pg_event_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud);
int pcn__pg_medication_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud);
int pcn__pg_term_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud);

/* Registry and population operations, installed in the ops table by pg_store.c. */
enum pcn_err pcn__pg_put_network(struct pcn_store *s, const struct pcn_network *n);
enum pcn_err pcn__pg_put_practice(struct pcn_store *s, const struct pcn_practice *p);
enum pcn_err pcn__pg_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                 void *ud);
enum pcn_err pcn__pg_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud);
enum pcn_err pcn__pg_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                  void *ud);
enum pcn_err pcn__pg_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud);
enum pcn_err pcn__pg_add_membership(struct pcn_store *s, const struct pcn_membership *m);
enum pcn_err pcn__pg_end_membership(struct pcn_store *s, const char *practice, int32_t end_date);
enum pcn_err pcn__pg_each_membership(struct pcn_store *s, const char *practice,
                                     pcn_membership_fn fn, void *ud);
enum pcn_err pcn__pg_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id);
enum pcn_err pcn__pg_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud);
enum pcn_err pcn__pg_put_list_size(struct pcn_store *s, const struct pcn_list_size *l);
enum pcn_err pcn__pg_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                  int64_t *ret_patients, int32_t *ret_date);
enum pcn_err pcn__pg_put_list_band(struct pcn_store *s, const struct pcn_list_band *b);
enum pcn_err pcn__pg_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                    pcn_list_band_fn fn, void *ud);

enum pcn_err pcn__pg_put_patient(struct pcn_store *s, const struct pcn_patient *p);
enum pcn_err pcn__pg_put_event(struct pcn_store *s, const struct pcn_event *e);
enum pcn_err pcn__pg_put_medication(struct pcn_store *s, const struct pcn_medication *m);
enum pcn_err pcn__pg_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i);
enum pcn_err pcn__pg_put_encounter(struct pcn_store *s, const struct pcn_encounter *e);
enum pcn_err pcn__pg_put_term(struct pcn_store *s, const struct pcn_term *t);
enum pcn_err pcn__pg_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud);
enum pcn_err pcn__pg_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn__pg_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn__pg_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
enum pcn_err pcn__pg_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
enum pcn_err pcn__pg_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud);
enum pcn_err pcn__pg_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key);
enum pcn_err pcn__pg_count(struct pcn_store *s, struct pcn_store_counts *ret);

/* Users, sessions, audit, patient view and read transactions (pg_auth.c). */
enum pcn_err pcn__pg_add_user(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
enum pcn_err pcn__pg_get_user(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
enum pcn_err pcn__pg_each_user(struct pcn_store *s, pcn_user_fn fn, void *ud);
enum pcn_err pcn__pg_set_user_password(struct pcn_store *s, const char *name, const char *pwhash);
enum pcn_err pcn__pg_set_user_disabled(struct pcn_store *s, const char *name, int disabled);
enum pcn_err pcn__pg_add_session(struct pcn_store *s, const struct pcn_session *ses);
enum pcn_err pcn__pg_get_session(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                 void *ud);
enum pcn_err pcn__pg_revoke_session(struct pcn_store *s, const char *token_hash);
enum pcn_err pcn__pg_revoke_user_sessions(struct pcn_store *s, int64_t user_id);
enum pcn_err pcn__pg_add_login_attempt(struct pcn_store *s, const char *subject, int64_t at,
                                       int success);
enum pcn_err pcn__pg_count_login_failures(struct pcn_store *s, const char *subject, int64_t since,
                                          int64_t *ret);
enum pcn_err pcn__pg_append_audit(struct pcn_store *s, const struct pcn_audit_row *a);
enum pcn_err pcn__pg_last_audit(struct pcn_store *s, pcn_audit_fn fn, void *ud);
enum pcn_err pcn__pg_each_audit(struct pcn_store *s, int64_t after_id, int64_t limit,
                                pcn_audit_fn fn, void *ud);
enum pcn_err pcn__pg_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud);
enum pcn_err pcn__pg_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud);
enum pcn_err pcn__pg_patient_medications(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                         void *ud);
enum pcn_err pcn__pg_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud);
enum pcn_err pcn__pg_last_data_date(struct pcn_store *s, int32_t *ret);
enum pcn_err pcn__pg_begin_read(struct pcn_store *s);
void pcn__pg_end_read(struct pcn_store *s);

#endif /* PCN_STORE_PG_INT_H */
