/*
 * store_population.h - the population domain of the store: patients and
 * their coded records (events, medications, immunisations, encounters),
 * code terms, the import sink, the walks and scans the engine and the
 * exporter read, counts, and one patient's record for the patient view.
 * Writes need a transaction (pcn/store.h; pcn_store_begin_bulk() for large
 * loads) and bump the data version. Strings in structs passed to callbacks
 * are borrowed for the callback.
 */
#ifndef PCN_STORE_POPULATION_H
#define PCN_STORE_POPULATION_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/record.h"
#include "pcn/store.h"

/*
 * Insert a patient, or replace one with the same patient_id: the old
 * patient's events, medications, immunisations and encounters are deleted
 * first, so re-importing the same data is idempotent. Other records may
 * only reference patients put in the same transaction (PCN_ENOTFOUND).
 */
enum pcn_err pcn_store_put_patient(struct pcn_store *s, const struct pcn_patient *p);

/*
 * What the open transaction (after a commit or rollback: the last one)
 * replaced: patients put over a stored patient of the same id, and the
 * clinical records (events, medications, immunisations, encounters) their
 * replacement removed. An import reports them: a re-import of patients
 * without their records removes those records.
 */
struct pcn_store_tx_stats {
    int64_t patients_replaced;
    int64_t records_removed;
};
void pcn_store_tx_stats(const struct pcn_store *s, struct pcn_store_tx_stats *ret);

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
 * Encounters are scanned with their date, mode, role, clinician, booked
 * date and attendance (no id, code, class, site or source on SQLite).
 */
enum pcn_err pcn_store_scan_events(struct pcn_store *s, pcn_event_fn fn, void *ud);
enum pcn_err pcn_store_scan_medications(struct pcn_store *s, pcn_medication_fn fn, void *ud);
enum pcn_err pcn_store_scan_immunisations(struct pcn_store *s, pcn_immunisation_fn fn, void *ud);
enum pcn_err pcn_store_scan_encounters(struct pcn_store *s, pcn_encounter_fn fn, void *ud);

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

#endif /* PCN_STORE_POPULATION_H */
