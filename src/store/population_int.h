/*
 * population_int.h - the population domain's operations table, which each
 * backend implements (sqlite/sqlite_population.c, pg/pg_population.c) and
 * population.c dispatches to. Public contract: pcn/store_population.h.
 */
#ifndef PCN_STORE_POPULATION_INT_H
#define PCN_STORE_POPULATION_INT_H

#include "pcn/store_population.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_population;

/*
 * The small enums of record.h as the backends store them: by name
 * (pcn_course_name() ...), NULL for unknown; read back leniently (NULL or
 * a name this version does not know is unknown).
 */
const char *pcn__store_enum_name(const char *name);
enum pcn_course pcn__store_course(const char *s);
enum pcn_contact_mode pcn__store_mode(const char *s);
enum pcn_encounter_role pcn__store_role(const char *s);
enum pcn_encounter_attendance pcn__store_attendance(const char *s);

/* Writes are called inside a transaction (population.c checks). */
struct pcn__store_population_ops {
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
    enum pcn_err (*scan_encounter)(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
    enum pcn_err (*each_encounter)(struct pcn_store *s, pcn_encounter_fn fn, void *ud);
    enum pcn_err (*each_term)(struct pcn_store *s, pcn_term_fn fn, void *ud);
    enum pcn_err (*find_patient)(struct pcn_store *s, const char *patient_id, int64_t *ret_key);
    enum pcn_err (*count)(struct pcn_store *s, struct pcn_store_counts *ret);
    /* one patient's record (the patient view) */
    enum pcn_err (*get_patient)(struct pcn_store *s, int64_t key, pcn_patient_fn fn, void *ud);
    enum pcn_err (*patient_events)(struct pcn_store *s, int64_t key, pcn_event_fn fn, void *ud);
    enum pcn_err (*patient_medications)(struct pcn_store *s, int64_t key, pcn_medication_fn fn,
                                        void *ud);
    enum pcn_err (*patient_terms)(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud);
    /*
     * The latest date of an event, medication or immunisation, found from
     * the records (PCN_DATE_NONE when there is none): for a commit that
     * removed records, and for a database without PCN_META_RECORDS_LAST_DATE
     * (store.c).
     */
    enum pcn_err (*records_last_date)(struct pcn_store *s, int32_t *ret);
    /*
     * The latest list size date or membership start (PCN_DATE_NONE when
     * there is none): the registry's part of the default as-of date.
     */
    enum pcn_err (*registry_last_date)(struct pcn_store *s, int32_t *ret);
};

#endif /* PCN_STORE_POPULATION_INT_H */
