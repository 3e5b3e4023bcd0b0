/*
 * store_int.h - what a storage backend implements: one function table
 * (struct pcn_store_ops) and a struct pcn_store whose first member is the
 * common header below. store.c dispatches every public call through ops;
 * backends never see callers and callers never see backends.
 */
#ifndef PCN_STORE_STORE_INT_H
#define PCN_STORE_STORE_INT_H

#include "pcn/store.h"

#define PCN_STORE_ERRMSG_MAX 1024

struct pcn_store_ops {
    const char *name;
    void (*close)(struct pcn_store *s);
    int (*schema_version)(const struct pcn_store *s);
    enum pcn_err (*data_version)(struct pcn_store *s, int64_t *ret);
    enum pcn_err (*get_meta)(struct pcn_store *s, const char *key, char *out, size_t size);
    enum pcn_err (*set_meta)(struct pcn_store *s, const char *key, const char *value);
    enum pcn_err (*begin)(struct pcn_store *s);
    enum pcn_err (*begin_bulk)(struct pcn_store *s); /* optional: begin is used when NULL */
    enum pcn_err (*commit)(struct pcn_store *s);
    void (*rollback)(struct pcn_store *s);

    enum pcn_err (*put_network)(struct pcn_store *s, const struct pcn_network *n);
    enum pcn_err (*put_practice)(struct pcn_store *s, const struct pcn_practice *p);
    enum pcn_err (*get_network)(struct pcn_store *s, const char *code, pcn_network_fn fn, void *ud);
    enum pcn_err (*each_network)(struct pcn_store *s, pcn_network_fn fn, void *ud);
    enum pcn_err (*get_practice)(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                 void *ud);
    enum pcn_err (*each_practice)(struct pcn_store *s, pcn_practice_fn fn, void *ud);
    enum pcn_err (*add_membership)(struct pcn_store *s, const struct pcn_membership *m);
    enum pcn_err (*end_membership)(struct pcn_store *s, const char *practice, int32_t end_date);
    enum pcn_err (*each_membership)(struct pcn_store *s, const char *practice, pcn_membership_fn fn,
                                    void *ud);
    enum pcn_err (*add_site)(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id);
    enum pcn_err (*each_site)(struct pcn_store *s, pcn_site_fn fn, void *ud);
    enum pcn_err (*put_list_size)(struct pcn_store *s, const struct pcn_list_size *l);
    enum pcn_err (*list_size_at)(struct pcn_store *s, const char *practice, int32_t date,
                                 int64_t *ret_patients, int32_t *ret_date);
    enum pcn_err (*put_list_band)(struct pcn_store *s, const struct pcn_list_band *b);
    enum pcn_err (*each_list_band)(struct pcn_store *s, const char *practice, int32_t date,
                                   pcn_list_band_fn fn, void *ud);

    enum pcn_err (*put_patient)(struct pcn_store *s, const struct pcn_patient *p);
    enum pcn_err (*put_event)(struct pcn_store *s, const struct pcn_event *e);
    enum pcn_err (*put_medication)(struct pcn_store *s, const struct pcn_medication *m);
    enum pcn_err (*put_immunisation)(struct pcn_store *s, const struct pcn_immunisation *i);
    enum pcn_err (*put_encounter)(struct pcn_store *s, const struct pcn_encounter *e);
    enum pcn_err (*put_term)(struct pcn_store *s, const struct pcn_term *t);
    enum pcn_err (*each_patient)(struct pcn_store *s, pcn_patient_fn fn, void *ud);
    enum pcn_err (*each_event)(struct pcn_store *s, pcn_event_fn fn, void *ud);
    enum pcn_err (*each_medication)(struct pcn_store *s, pcn_medication_fn fn, void *ud);
    enum pcn_err (*each_immunisation)(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
    /* storage order (pcn_store_scan_*); NULL: the ordered walks */
    enum pcn_err (*scan_event)(struct pcn_store *s, pcn_event_fn fn, void *ud);
    enum pcn_err (*scan_medication)(struct pcn_store *s, pcn_medication_fn fn, void *ud);
    enum pcn_err (*scan_immunisation)(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
    enum pcn_err (*each_encounter)(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
    enum pcn_err (*each_term)(struct pcn_store *s, pcn_term_fn fn, void *ud);
    enum pcn_err (*find_patient)(struct pcn_store *s, const char *patient_id, int64_t *ret_key);
    enum pcn_err (*count)(struct pcn_store *s, struct pcn_store_counts *ret);

    /* users, sessions, audit */
    enum pcn_err (*add_user)(struct pcn_store *s, const struct pcn_user *u, int64_t *ret_id);
    enum pcn_err (*get_user)(struct pcn_store *s, const char *name, pcn_user_fn fn, void *ud);
    enum pcn_err (*each_user)(struct pcn_store *s, pcn_user_fn fn, void *ud);
    enum pcn_err (*set_user_password)(struct pcn_store *s, const char *name, const char *pwhash);
    enum pcn_err (*set_user_disabled)(struct pcn_store *s, const char *name, int disabled);
    enum pcn_err (*add_session)(struct pcn_store *s, const struct pcn_session *ses);
    enum pcn_err (*get_session)(struct pcn_store *s, const char *token_hash, pcn_session_fn fn,
                                void *ud);
    enum pcn_err (*revoke_session)(struct pcn_store *s, const char *token_hash);
    enum pcn_err (*revoke_user_sessions)(struct pcn_store *s, int64_t user_id);
    enum pcn_err (*add_login_attempt)(struct pcn_store *s, const char *subject, int64_t at,
                                      int success);
    enum pcn_err (*count_login_failures)(struct pcn_store *s, const char *subject, int64_t since,
                                         int64_t *ret);
    enum pcn_err (*append_audit)(struct pcn_store *s, const struct pcn_audit_row *a);
    enum pcn_err (*last_audit)(struct pcn_store *s, pcn_audit_fn fn, void *ud);
    enum pcn_err (*each_audit)(struct pcn_store *s, int64_t after_id, int64_t limit,
                               pcn_audit_fn fn, void *ud);
    enum pcn_err (*get_patient)(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud);
    enum pcn_err (*patient_events)(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud);
    enum pcn_err (*patient_medications)(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                        void *ud);
    enum pcn_err (*begin_read)(struct pcn_store *s);
    void (*end_read)(struct pcn_store *s);
    enum pcn_err (*patient_terms)(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud);
    /*
     * Latest date the data describe: of an event, medication, immunisation,
     * list size or membership start (PCN_DATE_NONE when there is none).
     */
    enum pcn_err (*last_data_date)(struct pcn_store *s, int32_t *ret);
    /*
     * Stop statements that run past deadline (pcn_monotonic_usec(); 0 for
     * none) with PCN_ETIMEDOUT. The head's deadline is already set.
     */
    enum pcn_err (*set_deadline)(struct pcn_store *s, int64_t deadline);
};

/* The common head of every backend's handle. */
struct pcn_store {
    const struct pcn_store_ops *ops;
    char errmsg[PCN_STORE_ERRMSG_MAX];
    int in_tx;
    int64_t deadline; /* pcn_monotonic_usec() instant; 0: none */
    /* The latest data date, remembered for one data version (default as-of). */
    int64_t last_date_version;
    int32_t last_date;
    int has_last_date;
};

/* Record a message on the handle and return code. */
enum pcn_err pcn__store_fail(struct pcn_store *s, enum pcn_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Backends. Each returns a handle whose head is initialised. */
enum pcn_err pcn__sqlite_open(const char *path, unsigned flags, struct pcn_store **ret,
                              struct pcn_error *reterr);
enum pcn_err pcn__pg_open(const char *conninfo, unsigned flags, struct pcn_store **ret,
                          struct pcn_error *reterr);

#endif /* PCN_STORE_STORE_INT_H */
