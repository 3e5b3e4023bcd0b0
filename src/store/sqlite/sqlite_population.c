/*
 * sqlite_population.c - the population domain on SQLite: coded GP records
 * and their statements. put_patient replaces a patient whole (its records
 * are deleted explicitly, since bulk loads run without foreign keys) and
 * remembers the patient's key for the rest of the transaction, so child
 * records resolve their patient without a query and may only name patients
 * put in the same transaction. Events are held back and inserted 256 rows
 * per statement. Walks are ordered by patient key then date; the patient
 * view reads one patient's rows.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdbool.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "store/population_int.h"
#include "util/common.h"

enum population_sql {
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
    SQL_ENCOUNTER_SCAN,
    SQL_MEDICATION_EACH,
    SQL_IMMUNISATION_EACH,
    SQL_ENCOUNTER_EACH,
    SQL_TERM_EACH,
    SQL_COUNT,
    SQL_PATIENT_GET,
    SQL_PATIENT_EVENTS,
    SQL_PATIENT_MEDICATIONS,
    SQL_PATIENT_TERMS,
    SQL_RECORDS_LAST_DATE,
    SQL_REGISTRY_LAST_DATE,
    SQL_POPULATION_COUNT_
};

static const char *const population_sql[SQL_POPULATION_COUNT_] = {
    [SQL_PATIENT_FIND] = "SELECT id FROM patient WHERE patient_id = ?1",
    [SQL_PATIENT_DELETE] = "DELETE FROM patient WHERE id = ?1",
    [SQL_PATIENT_DELETE_EVENTS] = "DELETE FROM event WHERE patient = ?1",
    [SQL_PATIENT_DELETE_MEDICATIONS] = "DELETE FROM medication WHERE patient = ?1",
    [SQL_PATIENT_DELETE_IMMUNISATIONS] = "DELETE FROM immunisation WHERE patient = ?1",
    [SQL_PATIENT_DELETE_ENCOUNTERS] = "DELETE FROM encounter WHERE patient = ?1",
    [SQL_PATIENT_INSERT] = "INSERT INTO patient (patient_id, nhs_number, family_name, given_name, "
                           "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                           "registered_from, registered_to, date_of_death) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SQL_EVENT_INSERT] = "INSERT INTO event (patient, date, end_date, kind, system, code, value, "
                         "unit, source, orig_system, orig_code) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQL_MEDICATION_INSERT] = "INSERT INTO medication (patient, start_date, end_date, system, "
                              "code, quantity, source, course, duration_days) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQL_IMMUNISATION_INSERT] = "INSERT INTO immunisation (patient, date, system, code, source) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_ENCOUNTER_INSERT] = "INSERT INTO encounter (patient, encounter_id, date, end_date, "
                             "system, code, encounter_class, source, mode, role, clinician, "
                             "site, booked_date, attendance) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [SQL_TERM_PUT] = "INSERT OR REPLACE INTO term (system, code, term) VALUES (?1, ?2, ?3)",
    [SQL_PATIENT_EACH] = "SELECT id, patient_id, nhs_number, family_name, given_name, "
                         "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                         "registered_from, registered_to, date_of_death FROM patient ORDER BY id",
    [SQL_EVENT_EACH] = "SELECT patient, date, end_date, kind, system, code, value, unit, source, "
                       "orig_system, orig_code FROM event ORDER BY patient, date, rowid",
    /* lean records in rowid order: a table scan (pcn_store_scan_*) */
    [SQL_EVENT_SCAN] = "SELECT patient, date, code, value FROM event",
    [SQL_MEDICATION_SCAN] = "SELECT patient, start_date, code, quantity FROM medication",
    [SQL_IMMUNISATION_SCAN] = "SELECT patient, date, code FROM immunisation",
    [SQL_ENCOUNTER_SCAN] = "SELECT patient, date, mode, role, clinician, booked_date, attendance "
                           "FROM encounter",
    [SQL_MEDICATION_EACH] = "SELECT patient, start_date, end_date, system, code, quantity, source, "
                            "course, duration_days "
                            "FROM medication ORDER BY patient, start_date, rowid",
    [SQL_IMMUNISATION_EACH] = "SELECT patient, date, system, code, source FROM immunisation "
                              "ORDER BY patient, date, rowid",
    [SQL_ENCOUNTER_EACH] = "SELECT patient, encounter_id, date, end_date, system, code, "
                           "encounter_class, source, mode, role, clinician, site, booked_date, "
                           "attendance FROM encounter ORDER BY patient, date, rowid",
    [SQL_TERM_EACH] = "SELECT system, code, term FROM term ORDER BY system, code",
    [SQL_COUNT] = "SELECT (SELECT COUNT(*) FROM patient), (SELECT COUNT(*) FROM event), "
                  "(SELECT COUNT(*) FROM medication), (SELECT COUNT(*) FROM immunisation), "
                  "(SELECT COUNT(*) FROM encounter), (SELECT COUNT(*) FROM term)",
    [SQL_PATIENT_GET] = "SELECT id, patient_id, nhs_number, family_name, given_name, "
                        "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                        "registered_from, registered_to, date_of_death FROM patient WHERE id = ?1",
    [SQL_PATIENT_EVENTS] = "SELECT patient, date, end_date, kind, system, code, value, unit, "
                           "source, orig_system, orig_code FROM event WHERE patient = ?1 "
                           "ORDER BY date, rowid",
    [SQL_PATIENT_MEDICATIONS] = "SELECT patient, start_date, end_date, system, code, quantity, "
                                "source, course, duration_days FROM medication WHERE patient = ?1 "
                                "ORDER BY start_date, rowid",
    [SQL_PATIENT_TERMS] = "SELECT t.system, t.code, t.term FROM "
                          "(SELECT system, code FROM event WHERE patient = ?1 UNION "
                          "SELECT system, code FROM medication WHERE patient = ?1) AS c "
                          "JOIN term AS t ON t.system = c.system AND t.code = c.code",
    /*
     * Records: one index probe per patient and table (the (patient, date)
     * indexes answer "max date of this patient" directly) instead of
     * scanning every record, about ten times fewer rows read at 40 records
     * each. The registry tables are small.
     */
    /* one index probe per patient and table: MAX(date) alone would read every record */
    [SQL_RECORDS_LAST_DATE] =
        "SELECT MAX(d) FROM ("
        "SELECT (SELECT MAX(date) FROM event WHERE patient = p.id) AS d FROM patient AS p "
        "UNION ALL SELECT (SELECT MAX(start_date) FROM medication WHERE patient = p.id) "
        "FROM patient AS p "
        "UNION ALL SELECT (SELECT MAX(date) FROM immunisation WHERE patient = p.id) "
        "FROM patient AS p)",
    [SQL_REGISTRY_LAST_DATE] = "SELECT MAX(d) FROM (SELECT MAX(date) AS d FROM list_size "
                               "UNION ALL SELECT MAX(start_date) FROM membership)",
};

/*
 * Events are inserted PCN_SQLITE_EVENT_BATCH rows per statement: put_event
 * copies each event here and the batch is written when full, before any
 * other statement that reads or replaces population rows, and before
 * commit (the before_commit hook). A rollback drops it.
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

/* The domain's state on the handle (its slot, pcn__store_state()). */
struct sqlite_population {
    struct pcn_strmap *tx_patients;   /* patient_id -> key, this transaction's; NULL: none yet */
    struct sqlite_event_batch *batch; /* pending events, allocated on first use and kept */
    sqlite3_stmt *batch_stmt;         /* multi-row INSERT of a full batch */
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum population_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_population, (int)which);
}

/* The state if the domain has made it; NULL before its first write on this handle. */
static struct sqlite_population *peek_state(struct sqlite_store *ss)
{
    return *pcn__store_state(&ss->head, &pcn__store_population);
}

/* The state, made on first use; NULL (message set) when memory runs out. */
static struct sqlite_population *state(struct sqlite_store *ss)
{
    void **slot = pcn__store_state(&ss->head, &pcn__store_population);

    if (!*slot) {
        *slot = pcn_calloc(1, sizeof(struct sqlite_population));
        if (!*slot)
            (void)pcn__store_fail(&ss->head, PCN_ENOMEM, "out of memory");
    }
    return *slot;
}

/* The key of a patient put in this transaction (pop: the state, NULL if none yet). */
static enum pcn_err patient_key(struct sqlite_store *ss, const struct sqlite_population *pop,
                                const char *patient_id, int64_t *ret)
{
    uint64_t key;

    if (!patient_id || !pop || !pop->tx_patients ||
        !pcn_strmap_get(pop->tx_patients, patient_id, strlen(patient_id), &key))
        return pcn__store_fail(&ss->head, PCN_ENOTFOUND,
                               "record refers to patient '%s', which is not in this import",
                               patient_id ? patient_id : "");
    *ret = (int64_t)key;
    return PCN_OK;
}

/* Bind event e of patient key to parameters base+1 .. base+11. */
static void bind_event(sqlite3_stmt *st, int base, int64_t key, const struct pcn_event *e)
{
    (void)sqlite3_bind_int64(st, base + 1, key);
    (void)sqlite3_bind_int(st, base + 2, e->date);
    (void)pcn__bind_date(st, base + 3, e->end_date);
    (void)sqlite3_bind_int(st, base + 4, (int)e->kind);
    (void)pcn__bind_text(st, base + 5, e->system ? e->system : "snomed");
    (void)pcn__bind_text(st, base + 6, e->code);
    if (e->has_value)
        (void)sqlite3_bind_double(st, base + 7, e->value);
    else
        (void)sqlite3_bind_null(st, base + 7);
    (void)pcn__bind_text(st, base + 8, e->unit);
    (void)pcn__bind_text(st, base + 9, e->source);
    (void)pcn__bind_text(st, base + 10, e->orig_system);
    (void)pcn__bind_text(st, base + 11, e->orig_code);
}

static enum pcn_err insert_one_event(struct sqlite_store *ss, int64_t key,
                                     const struct pcn_event *e)
{
    sqlite3_stmt *st = stmt(ss, SQL_EVENT_INSERT);

    if (!st)
        return PCN_ESTORAGE;
    bind_event(st, 0, key, e);
    return pcn__sqlite_exec_stmt(ss, st, "saving event");
}

/* The multi-row INSERT for a full batch, prepared on first use. */
static sqlite3_stmt *batch_stmt(struct sqlite_store *ss, struct sqlite_population *pop)
{
    struct pcn_buf sql = PCN_BUF_INIT;
    enum pcn_err rc;
    int src;

    if (pop->batch_stmt) {
        (void)sqlite3_reset(pop->batch_stmt);
        return pop->batch_stmt;
    }
    rc = pcn_buf_adds(&sql, "INSERT INTO event (patient, date, end_date, kind, system, code, "
                            "value, unit, source, orig_system, orig_code) VALUES ");
    for (int i = 0; i < PCN_SQLITE_EVENT_BATCH && rc == PCN_OK; i++)
        rc = pcn_buf_adds(&sql, i ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)");
    src = rc == PCN_OK ? sqlite3_prepare_v3(ss->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT,
                                            &pop->batch_stmt, NULL)
                       : SQLITE_NOMEM;
    pcn_buf_release(&sql);
    if (src != SQLITE_OK) {
        (void)pcn__sqlite_fail(ss, src, "preparing statement");
        return NULL;
    }
    return pop->batch_stmt;
}

/* Write the pending events (pop may be NULL: nothing is pending). */
static enum pcn_err flush_events(struct sqlite_store *ss, struct sqlite_population *pop)
{
    struct sqlite_event_batch *b = pop ? pop->batch : NULL;
    enum pcn_err rc = PCN_OK;

    if (!b || b->n_events == 0)
        return PCN_OK;
    if (b->n_events == PCN_SQLITE_EVENT_BATCH) {
        sqlite3_stmt *st = batch_stmt(ss, pop);
        if (!st)
            rc = PCN_ESTORAGE;
        for (size_t i = 0; rc == PCN_OK && i < b->n_events; i++)
            bind_event(st, (int)i * 11, b->keys[i], &b->events[i]);
        if (rc == PCN_OK)
            rc = pcn__sqlite_exec_stmt(ss, st, "saving events");
    } else {
        for (size_t i = 0; rc == PCN_OK && i < b->n_events; i++)
            rc = insert_one_event(ss, b->keys[i], &b->events[i]);
    }
    b->n_events = 0;
    b->text_used = 0;
    return rc;
}

/* Before a read of population rows: what it reads includes the pending events. */
static enum pcn_err flush_pending(struct sqlite_store *ss)
{
    return flush_events(ss, peek_state(ss));
}

static enum pcn_err sqlite_find_patient(struct pcn_store *s, const char *patient_id,
                                        int64_t *ret_key)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_PATIENT_FIND);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, patient_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *ret_key = sqlite3_column_int64(st, 0);
        (void)sqlite3_reset(st);
        return PCN_OK;
    }
    (void)sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, "finding patient");
    return pcn__store_fail(s, PCN_ENOTFOUND, "no patient with id %s", patient_id);
}

/*
 * Delete a patient and its records. The records are deleted explicitly, not
 * left to ON DELETE CASCADE: bulk transactions run without foreign keys.
 */
static enum pcn_err delete_patient(struct sqlite_store *ss, int64_t key)
{
    static const enum population_sql deletes[] = {
        SQL_PATIENT_DELETE_EVENTS,
        SQL_PATIENT_DELETE_MEDICATIONS,
        SQL_PATIENT_DELETE_IMMUNISATIONS,
        SQL_PATIENT_DELETE_ENCOUNTERS,
        SQL_PATIENT_DELETE,
    };
    enum pcn_err rc = flush_pending(ss); /* pending events may be this patient's */

    for (size_t i = 0; i < PCN_ARRAY_SIZE(deletes) && rc == PCN_OK; i++) {
        sqlite3_stmt *st = stmt(ss, deletes[i]);
        if (!st)
            return PCN_ESTORAGE;
        (void)sqlite3_bind_int64(st, 1, key);
        rc = pcn__sqlite_exec_stmt(ss, st, "replacing patient");
        /* the records the replacement removes (the last statement removes the patient) */
        if (rc == PCN_OK && deletes[i] != SQL_PATIENT_DELETE)
            ss->head.tx.records_removed += sqlite3_changes(ss->db);
    }
    if (rc == PCN_OK)
        ss->head.tx.patients_replaced++;
    return rc;
}

/*
 * The key of the stored patient with this id (PCN_ENOTFOUND if none). A bulk
 * load into a database without patients needs no query: the only patients
 * are those of the transaction.
 */
static enum pcn_err existing_patient(struct sqlite_store *ss, const struct pcn_strmap *tx_patients,
                                     const char *patient_id, int64_t *ret_key)
{
    uint64_t key;

    if (!ss->bulk.is_new_population)
        return sqlite_find_patient(&ss->head, patient_id, ret_key);
    if (!pcn_strmap_get(tx_patients, patient_id, strlen(patient_id), &key))
        return PCN_ENOTFOUND;
    *ret_key = (int64_t)key;
    return PCN_OK;
}

static enum pcn_err sqlite_put_patient(struct pcn_store *s, const struct pcn_patient *p)
{
    struct sqlite_store *ss = sqlite_of(s);
    struct sqlite_population *pop = state(ss);
    sqlite3_stmt *st;
    char sex[2] = {pcn_sex_letter(p->sex), '\0'};
    int64_t old = 0;
    enum pcn_err rc;

    if (!pop)
        return PCN_ENOMEM;
    if (!p->patient_id || !*p->patient_id)
        return pcn__store_fail(s, PCN_EINVAL, "patient without an id");
    if (!pop->tx_patients) {
        pop->tx_patients = pcn_strmap_new();
        if (!pop->tx_patients)
            return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    }
    rc = existing_patient(ss, pop->tx_patients, p->patient_id, &old);
    if (rc == PCN_OK)
        rc = delete_patient(ss, old);
    else if (rc == PCN_ENOTFOUND)
        rc = PCN_OK;
    if (rc != PCN_OK)
        return rc;
    st = stmt(ss, SQL_PATIENT_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, p->patient_id);
    (void)pcn__bind_text(st, 2, p->nhs_number);
    (void)pcn__bind_text(st, 3, p->family_name);
    (void)pcn__bind_text(st, 4, p->given_name);
    (void)sqlite3_bind_int(st, 5, p->date_of_birth);
    (void)sqlite3_bind_text(st, 6, sex, 1, SQLITE_TRANSIENT);
    (void)pcn__bind_text(st, 7, p->ethnicity);
    (void)pcn__bind_text(st, 8, p->postcode);
    (void)pcn__bind_text(st, 9, p->lsoa);
    (void)pcn__bind_text(st, 10, p->practice);
    (void)pcn__bind_date(st, 11, p->registered_from);
    (void)pcn__bind_date(st, 12, p->registered_to);
    (void)pcn__bind_date(st, 13, p->date_of_death);
    rc = pcn__sqlite_exec_stmt(ss, st, "saving patient");
    if (rc != PCN_OK)
        return rc;
    if (pcn_strmap_put(pop->tx_patients, p->patient_id, strlen(p->patient_id),
                       (uint64_t)sqlite3_last_insert_rowid(ss->db)) != PCN_OK)
        return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    return PCN_OK;
}

/* Copy *s into the batch text; false when it does not fit. */
static bool batch_copy(struct sqlite_event_batch *b, const char **s)
{
    size_t len;

    if (!*s)
        return true;
    len = strlen(*s) + 1;
    if (len > PCN_SQLITE_EVENT_TEXT - b->text_used)
        return false;
    memcpy(b->text + b->text_used, *s, len);
    *s = b->text + b->text_used;
    b->text_used += len;
    return true;
}

/* Append e to the batch; false (batch unchanged) when its text does not fit. */
static bool batch_add(struct sqlite_event_batch *b, int64_t key, const struct pcn_event *e)
{
    struct pcn_event *slot = &b->events[b->n_events];
    size_t mark = b->text_used;

    *slot = *e;
    slot->patient_id = NULL;
    if (!batch_copy(b, &slot->system) || !batch_copy(b, &slot->code) ||
        !batch_copy(b, &slot->unit) || !batch_copy(b, &slot->source) ||
        !batch_copy(b, &slot->orig_system) || !batch_copy(b, &slot->orig_code)) {
        b->text_used = mark;
        return false;
    }
    b->keys[b->n_events++] = key;
    return true;
}

static enum pcn_err sqlite_put_event(struct pcn_store *s, const struct pcn_event *e)
{
    struct sqlite_store *ss = sqlite_of(s);
    struct sqlite_population *pop = peek_state(ss);
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, pop, e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    if (!e->code) /* let SQLite report the constraint now, not at the next flush */
        return insert_one_event(ss, key, e);
    if (!pop->batch) {
        pop->batch = pcn_calloc(1, sizeof(*pop->batch));
        if (!pop->batch)
            return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    }
    if (pop->batch->n_events == PCN_SQLITE_EVENT_BATCH || !batch_add(pop->batch, key, e)) {
        rc = flush_events(ss, pop);
        if (rc != PCN_OK)
            return rc;
        if (!batch_add(pop->batch, key, e))
            return insert_one_event(ss, key, e); /* larger than a whole batch's text */
    }
    ss->tx_dirty = 1;
    if (pop->batch->n_events == PCN_SQLITE_EVENT_BATCH)
        return flush_events(ss, pop);
    return PCN_OK;
}

static enum pcn_err sqlite_put_medication(struct pcn_store *s, const struct pcn_medication *m)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, peek_state(ss), m->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = stmt(ss, SQL_MEDICATION_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    (void)sqlite3_bind_int(st, 2, m->start_date);
    (void)pcn__bind_date(st, 3, m->end_date);
    (void)pcn__bind_text(st, 4, m->system);
    (void)pcn__bind_text(st, 5, m->code);
    if (m->has_quantity)
        (void)sqlite3_bind_double(st, 6, m->quantity);
    (void)pcn__bind_text(st, 7, m->source);
    (void)pcn__bind_text(st, 8, pcn__store_enum_name(pcn_course_name(m->course)));
    if (m->duration_days > 0)
        (void)sqlite3_bind_int(st, 9, m->duration_days);
    return pcn__sqlite_exec_stmt(ss, st, "saving medication");
}

static enum pcn_err sqlite_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, peek_state(ss), i->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = stmt(ss, SQL_IMMUNISATION_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    (void)sqlite3_bind_int(st, 2, i->date);
    (void)pcn__bind_text(st, 3, i->system);
    (void)pcn__bind_text(st, 4, i->code);
    (void)pcn__bind_text(st, 5, i->source);
    return pcn__sqlite_exec_stmt(ss, st, "saving immunisation");
}

static enum pcn_err sqlite_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, peek_state(ss), e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = stmt(ss, SQL_ENCOUNTER_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    (void)pcn__bind_text(st, 2, e->encounter_id);
    (void)sqlite3_bind_int(st, 3, e->date);
    (void)pcn__bind_date(st, 4, e->end_date);
    (void)pcn__bind_text(st, 5, e->system);
    (void)pcn__bind_text(st, 6, e->code);
    (void)pcn__bind_text(st, 7, e->encounter_class);
    (void)pcn__bind_text(st, 8, e->source);
    (void)pcn__bind_text(st, 9, pcn__store_enum_name(pcn_contact_mode_name(e->mode)));
    (void)pcn__bind_text(st, 10, pcn__store_enum_name(pcn_encounter_role_name(e->role)));
    (void)pcn__bind_text(st, 11, e->clinician);
    (void)pcn__bind_text(st, 12, e->site);
    (void)pcn__bind_date(st, 13, e->has_booked ? e->booked_date : PCN_DATE_NONE);
    (void)pcn__bind_text(st, 14,
                         pcn__store_enum_name(pcn_encounter_attendance_name(e->attendance)));
    return pcn__sqlite_exec_stmt(ss, st, "saving encounter");
}

static enum pcn_err sqlite_put_term(struct pcn_store *s, const struct pcn_term *t)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_TERM_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, t->system);
    (void)pcn__bind_text(st, 2, t->code);
    (void)pcn__bind_text(st, 3, t->term);
    return pcn__sqlite_exec_stmt(ss, st, "saving term");
}

static int patient_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    enum pcn_sex sex = PCN_SEX_UNKNOWN;
    const char *sx = pcn__col_text(st, 6);
    struct pcn_patient p;

    if (sx)
        (void)pcn_sex_parse(sx, &sex);
    p = (struct pcn_patient){
        .patient_id = pcn__col_text(st, 1),
        .nhs_number = pcn__col_text(st, 2),
        .family_name = pcn__col_text(st, 3),
        .given_name = pcn__col_text(st, 4),
        .date_of_birth = pcn__col_date(st, 5),
        .sex = sex,
        .ethnicity = pcn__col_text(st, 7),
        .postcode = pcn__col_text(st, 8),
        .lsoa = pcn__col_text(st, 9),
        .practice = pcn__col_text(st, 10),
        .registered_from = pcn__col_date(st, 11),
        .registered_to = pcn__col_date(st, 12),
        .date_of_death = pcn__col_date(st, 13),
    };
    return ((pcn_patient_fn)fn)(sqlite3_column_int64(st, 0), &p, ud);
}

static int event_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_event e = {
        .date = pcn__col_date(st, 1),
        .end_date = pcn__col_date(st, 2),
        .kind = (enum pcn_event_kind)sqlite3_column_int(st, 3),
        .system = pcn__col_text(st, 4),
        .code = pcn__col_text(st, 5),
        .has_value = sqlite3_column_type(st, 6) != SQLITE_NULL,
        .value = sqlite3_column_double(st, 6),
        .unit = pcn__col_text(st, 7),
        .source = pcn__col_text(st, 8),
        .orig_system = pcn__col_text(st, 9),
        .orig_code = pcn__col_text(st, 10),
    };
    return ((pcn_event_fn)fn)(sqlite3_column_int64(st, 0), &e, ud);
}

static int medication_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_medication m = {
        .start_date = pcn__col_date(st, 1),
        .end_date = pcn__col_date(st, 2),
        .system = pcn__col_text(st, 3),
        .code = pcn__col_text(st, 4),
        .has_quantity = sqlite3_column_type(st, 5) != SQLITE_NULL,
        .quantity = sqlite3_column_double(st, 5),
        .source = pcn__col_text(st, 6),
        .course = pcn__store_course(pcn__col_text(st, 7)),
        .duration_days = sqlite3_column_int(st, 8),
    };
    return ((pcn_medication_fn)fn)(sqlite3_column_int64(st, 0), &m, ud);
}

static int immunisation_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_immunisation i = {
        .date = pcn__col_date(st, 1),
        .system = pcn__col_text(st, 2),
        .code = pcn__col_text(st, 3),
        .source = pcn__col_text(st, 4),
    };
    return ((pcn_immunisation_fn)fn)(sqlite3_column_int64(st, 0), &i, ud);
}

static int encounter_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_encounter e = {
        .encounter_id = pcn__col_text(st, 1),
        .date = pcn__col_date(st, 2),
        .end_date = pcn__col_date(st, 3),
        .system = pcn__col_text(st, 4),
        .code = pcn__col_text(st, 5),
        .encounter_class = pcn__col_text(st, 6),
        .source = pcn__col_text(st, 7),
        .mode = pcn__store_mode(pcn__col_text(st, 8)),
        .role = pcn__store_role(pcn__col_text(st, 9)),
        .clinician = pcn__col_text(st, 10),
        .site = pcn__col_text(st, 11),
        .has_booked = sqlite3_column_type(st, 12) != SQLITE_NULL,
        .booked_date = pcn__col_date(st, 12),
        .attendance = pcn__store_attendance(pcn__col_text(st, 13)),
    };
    return ((pcn_encounter_fn)fn)(sqlite3_column_int64(st, 0), &e, ud);
}

static int term_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_term t = {
        .system = pcn__col_text(st, 0),
        .code = pcn__col_text(st, 1),
        .term = pcn__col_text(st, 2),
    };
    return ((pcn_term_fn)fn)(&t, ud);
}

static enum pcn_err each(struct pcn_store *s, enum population_sql which, pcn__row_fn row,
                         pcn__any_fn fn, void *ud, const char *what)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    enum pcn_err rc = flush_pending(ss);

    if (rc != PCN_OK)
        return rc;
    st = stmt(ss, which);
    return st ? pcn__sqlite_walk(ss, st, row, fn, ud, NULL, what) : PCN_ESTORAGE;
}

static enum pcn_err sqlite_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud)
{
    return each(s, SQL_PATIENT_EACH, patient_row, (pcn__any_fn)fn, ud, "reading patients");
}

static enum pcn_err sqlite_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return each(s, SQL_EVENT_EACH, event_row, (pcn__any_fn)fn, ud, "reading events");
}

static enum pcn_err sqlite_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return each(s, SQL_MEDICATION_EACH, medication_row, (pcn__any_fn)fn, ud, "reading medications");
}

static enum pcn_err sqlite_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return each(s, SQL_IMMUNISATION_EACH, immunisation_row, (pcn__any_fn)fn, ud,
                "reading immunisations");
}

/* Lean rows of the scans (pcn_store_scan_*): key, date, code and value only. */
static int event_scan_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_event e = {
        .date = (int32_t)sqlite3_column_int(st, 1),
        .end_date = PCN_DATE_NONE,
        .code = pcn__col_text(st, 2),
        .has_value = sqlite3_column_type(st, 3) != SQLITE_NULL,
        .value = sqlite3_column_double(st, 3),
    };
    return ((pcn_event_fn)fn)(sqlite3_column_int64(st, 0), &e, ud);
}

static int medication_scan_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_medication m = {
        .start_date = (int32_t)sqlite3_column_int(st, 1),
        .end_date = PCN_DATE_NONE,
        .code = pcn__col_text(st, 2),
        .has_quantity = sqlite3_column_type(st, 3) != SQLITE_NULL,
        .quantity = sqlite3_column_double(st, 3),
    };
    return ((pcn_medication_fn)fn)(sqlite3_column_int64(st, 0), &m, ud);
}

static int immunisation_scan_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_immunisation i = {.date = (int32_t)sqlite3_column_int(st, 1),
                                 .code = pcn__col_text(st, 2)};
    return ((pcn_immunisation_fn)fn)(sqlite3_column_int64(st, 0), &i, ud);
}

static enum pcn_err sqlite_scan_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return each(s, SQL_EVENT_SCAN, event_scan_row, (pcn__any_fn)fn, ud, "reading events");
}

static int encounter_scan_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_encounter e = {
        .date = (int32_t)sqlite3_column_int(st, 1),
        .end_date = PCN_DATE_NONE,
        .mode = pcn__store_mode(pcn__col_text(st, 2)),
        .role = pcn__store_role(pcn__col_text(st, 3)),
        .clinician = pcn__col_text(st, 4),
        .has_booked = sqlite3_column_type(st, 5) != SQLITE_NULL,
        .booked_date = pcn__col_date(st, 5),
        .attendance = pcn__store_attendance(pcn__col_text(st, 6)),
    };
    return ((pcn_encounter_fn)fn)(sqlite3_column_int64(st, 0), &e, ud);
}

static enum pcn_err sqlite_scan_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return each(s, SQL_ENCOUNTER_SCAN, encounter_scan_row, (pcn__any_fn)fn, ud,
                "reading encounters");
}

static enum pcn_err sqlite_scan_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return each(s, SQL_MEDICATION_SCAN, medication_scan_row, (pcn__any_fn)fn, ud,
                "reading medications");
}

static enum pcn_err sqlite_scan_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return each(s, SQL_IMMUNISATION_SCAN, immunisation_scan_row, (pcn__any_fn)fn, ud,
                "reading immunisations");
}

static enum pcn_err sqlite_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return each(s, SQL_ENCOUNTER_EACH, encounter_row, (pcn__any_fn)fn, ud, "reading encounters");
}

static enum pcn_err sqlite_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    return each(s, SQL_TERM_EACH, term_row, (pcn__any_fn)fn, ud, "reading terms");
}

static enum pcn_err sqlite_count(struct pcn_store *s, struct pcn_store_counts *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int rc;

    if (flush_pending(ss) != PCN_OK)
        return PCN_ESTORAGE;
    st = stmt(ss, SQL_COUNT);
    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        (void)sqlite3_reset(st);
        return pcn__sqlite_fail(ss, rc, "counting");
    }
    ret->patients = sqlite3_column_int64(st, 0);
    ret->events = sqlite3_column_int64(st, 1);
    ret->medications = sqlite3_column_int64(st, 2);
    ret->immunisations = sqlite3_column_int64(st, 3);
    ret->encounters = sqlite3_column_int64(st, 4);
    ret->terms = sqlite3_column_int64(st, 5);
    (void)sqlite3_reset(st);
    return PCN_OK;
}

/* ---- the patient view: same columns as the population walks ---- */

static enum pcn_err by_key(struct pcn_store *s, enum population_sql which, int64_t key,
                           pcn__row_fn row, pcn__any_fn fn, void *ud, int *ret_rows,
                           const char *what)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, which);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    return pcn__sqlite_walk(ss, st, row, fn, ud, ret_rows, what);
}

static enum pcn_err sqlite_get_patient(struct pcn_store *s, int64_t key, pcn_patient_fn fn,
                                       void *ud)
{
    int rows = 0;
    enum pcn_err rc =
        by_key(s, SQL_PATIENT_GET, key, patient_row, (pcn__any_fn)fn, ud, &rows, "reading patient");

    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no patient with key %lld", (long long)key);
    return rc;
}

static enum pcn_err sqlite_patient_events(struct pcn_store *s, int64_t key, pcn_event_fn fn,
                                          void *ud)
{
    return by_key(s, SQL_PATIENT_EVENTS, key, event_row, (pcn__any_fn)fn, ud, NULL,
                  "reading events");
}

static enum pcn_err sqlite_patient_medications(struct pcn_store *s, int64_t key,
                                               pcn_medication_fn fn, void *ud)
{
    return by_key(s, SQL_PATIENT_MEDICATIONS, key, medication_row, (pcn__any_fn)fn, ud, NULL,
                  "reading medications");
}

static enum pcn_err sqlite_patient_terms(struct pcn_store *s, int64_t key, pcn_term_fn fn, void *ud)
{
    return by_key(s, SQL_PATIENT_TERMS, key, term_row, (pcn__any_fn)fn, ud, NULL, "reading terms");
}

/* The one date a statement of the domain returns (NULL: PCN_DATE_NONE). */
static enum pcn_err one_date(struct pcn_store *s, enum population_sql which, int32_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, which);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = pcn__col_date(st, 0);
    (void)sqlite3_reset(st);
    return rc == SQLITE_ROW ? PCN_OK : pcn__sqlite_fail(ss, rc, "reading the latest data date");
}

static enum pcn_err sqlite_records_last_date(struct pcn_store *s, int32_t *ret)
{
    return one_date(s, SQL_RECORDS_LAST_DATE, ret);
}

static enum pcn_err sqlite_registry_last_date(struct pcn_store *s, int32_t *ret)
{
    return one_date(s, SQL_REGISTRY_LAST_DATE, ret);
}

/* ---- the domain's state: hooks that store.c calls ---- */

static enum pcn_err before_commit(struct pcn_store *s, void *st)
{
    return flush_events(sqlite_of(s), st);
}

/* The transaction's patients are forgotten and pending events dropped (a rollback). */
static void end_tx(struct pcn_store *s, void *st)
{
    struct sqlite_population *pop = st;

    (void)s;
    pcn_strmap_free(pop->tx_patients);
    pop->tx_patients = NULL;
    if (pop->batch) {
        pop->batch->n_events = 0;
        pop->batch->text_used = 0;
    }
}

static void free_state(struct pcn_store *s, void *st)
{
    struct sqlite_population *pop = st;

    (void)s;
    (void)sqlite3_finalize(pop->batch_stmt);
    pcn_strmap_free(pop->tx_patients);
    pcn_free(pop->batch);
    pcn_free(pop);
}

static const struct pcn__store_population_ops population_ops = {
    .put_patient = sqlite_put_patient,
    .put_event = sqlite_put_event,
    .put_medication = sqlite_put_medication,
    .put_immunisation = sqlite_put_immunisation,
    .put_encounter = sqlite_put_encounter,
    .put_term = sqlite_put_term,
    .each_patient = sqlite_each_patient,
    .each_event = sqlite_each_event,
    .each_medication = sqlite_each_medication,
    .each_immunisation = sqlite_each_immunisation,
    .scan_event = sqlite_scan_event,
    .scan_medication = sqlite_scan_medication,
    .scan_encounter = sqlite_scan_encounter,
    .scan_immunisation = sqlite_scan_immunisation,
    .each_encounter = sqlite_each_encounter,
    .each_term = sqlite_each_term,
    .find_patient = sqlite_find_patient,
    .count = sqlite_count,
    .get_patient = sqlite_get_patient,
    .patient_events = sqlite_patient_events,
    .patient_medications = sqlite_patient_medications,
    .patient_terms = sqlite_patient_terms,
    .records_last_date = sqlite_records_last_date,
    .registry_last_date = sqlite_registry_last_date,
};

const struct pcn__sqlite_domain pcn__sqlite_population = {
    .impl =
        {
            .domain = &pcn__store_population,
            .ops = &population_ops,
            .before_commit = before_commit,
            .end_tx = end_tx,
            .free_state = free_state,
        },
    .sql = population_sql,
    .n_sql = SQL_POPULATION_COUNT_,
};
