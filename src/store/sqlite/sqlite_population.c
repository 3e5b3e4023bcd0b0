/*
 * sqlite_population.c - coded GP records on SQLite. put_patient replaces a
 * patient whole (its child rows go by ON DELETE CASCADE) and remembers the
 * patient's key for the rest of the transaction, so child records resolve
 * their patient without a query and may only name patients put in the same
 * transaction. Walks are ordered by patient key then date.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdbool.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "util/common.h"

static enum pcn_err patient_key(struct sqlite_store *ss, const char *patient_id, int64_t *ret)
{
    uint64_t key;

    if (!patient_id || !ss->tx_patients ||
        !pcn_strmap_get(ss->tx_patients, patient_id, strlen(patient_id), &key))
        return pcn__store_fail(&ss->head, PCN_ENOTFOUND,
                               "record refers to patient '%s', which is not in this import",
                               patient_id ? patient_id : "");
    *ret = (int64_t)key;
    return PCN_OK;
}

enum pcn_err pcn__sqlite_find_patient(struct pcn_store *s, const char *patient_id, int64_t *ret_key)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_PATIENT_FIND);
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
    static const enum sql_stmt deletes[] = {
        SQL_PATIENT_DELETE_EVENTS,
        SQL_PATIENT_DELETE_MEDICATIONS,
        SQL_PATIENT_DELETE_IMMUNISATIONS,
        SQL_PATIENT_DELETE_ENCOUNTERS,
        SQL_PATIENT_DELETE,
    };
    enum pcn_err rc = pcn__sqlite_flush_events(ss); /* pending events may be this patient's */

    for (size_t i = 0; i < PCN_ARRAY_SIZE(deletes) && rc == PCN_OK; i++) {
        sqlite3_stmt *st = pcn__sqlite_stmt(ss, deletes[i]);
        if (!st)
            return PCN_ESTORAGE;
        (void)sqlite3_bind_int64(st, 1, key);
        rc = pcn__sqlite_exec_stmt(ss, st, "replacing patient");
    }
    return rc;
}

/*
 * The key of the stored patient with this id (PCN_ENOTFOUND if none). A bulk
 * load into a database without patients needs no query: the only patients
 * are those of the transaction.
 */
static enum pcn_err existing_patient(struct sqlite_store *ss, const char *patient_id,
                                     int64_t *ret_key)
{
    uint64_t key;

    if (!ss->bulk.is_new_population)
        return pcn__sqlite_find_patient(&ss->head, patient_id, ret_key);
    if (!pcn_strmap_get(ss->tx_patients, patient_id, strlen(patient_id), &key))
        return PCN_ENOTFOUND;
    *ret_key = (int64_t)key;
    return PCN_OK;
}

enum pcn_err pcn__sqlite_put_patient(struct pcn_store *s, const struct pcn_patient *p)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    char sex[2] = {pcn_sex_letter(p->sex), '\0'};
    int64_t old = 0;
    enum pcn_err rc;

    if (!p->patient_id || !*p->patient_id)
        return pcn__store_fail(s, PCN_EINVAL, "patient without an id");
    rc = existing_patient(ss, p->patient_id, &old);
    if (rc == PCN_OK)
        rc = delete_patient(ss, old);
    else if (rc == PCN_ENOTFOUND)
        rc = PCN_OK;
    if (rc != PCN_OK)
        return rc;
    st = pcn__sqlite_stmt(ss, SQL_PATIENT_INSERT);
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
    if (pcn_strmap_put(ss->tx_patients, p->patient_id, strlen(p->patient_id),
                       (uint64_t)sqlite3_last_insert_rowid(ss->db)) != PCN_OK)
        return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
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
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_EVENT_INSERT);

    if (!st)
        return PCN_ESTORAGE;
    bind_event(st, 0, key, e);
    return pcn__sqlite_exec_stmt(ss, st, "saving event");
}

/* The multi-row INSERT for a full batch, prepared on first use. */
static sqlite3_stmt *event_batch_stmt(struct sqlite_store *ss)
{
    struct pcn_buf sql = PCN_BUF_INIT;
    enum pcn_err rc;
    int src;

    if (ss->event_batch_stmt) {
        (void)sqlite3_reset(ss->event_batch_stmt);
        return ss->event_batch_stmt;
    }
    rc = pcn_buf_adds(&sql, "INSERT INTO event (patient, date, end_date, kind, system, code, "
                            "value, unit, source, orig_system, orig_code) VALUES ");
    for (int i = 0; i < PCN_SQLITE_EVENT_BATCH && rc == PCN_OK; i++)
        rc = pcn_buf_adds(&sql, i ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)");
    src = rc == PCN_OK ? sqlite3_prepare_v3(ss->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT,
                                            &ss->event_batch_stmt, NULL)
                       : SQLITE_NOMEM;
    pcn_buf_release(&sql);
    if (src != SQLITE_OK) {
        (void)pcn__sqlite_fail(ss, src, "preparing statement");
        return NULL;
    }
    return ss->event_batch_stmt;
}

enum pcn_err pcn__sqlite_flush_events(struct sqlite_store *ss)
{
    struct sqlite_event_batch *b = ss->event_batch;
    enum pcn_err rc = PCN_OK;

    if (!b || b->n_events == 0)
        return PCN_OK;
    if (b->n_events == PCN_SQLITE_EVENT_BATCH) {
        sqlite3_stmt *st = event_batch_stmt(ss);
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

void pcn__sqlite_drop_events(struct sqlite_store *ss, int is_closing)
{
    if (ss->event_batch) {
        ss->event_batch->n_events = 0;
        ss->event_batch->text_used = 0;
    }
    if (is_closing) {
        (void)sqlite3_finalize(ss->event_batch_stmt);
        ss->event_batch_stmt = NULL;
        PCN_FREE_AND_NULL(ss->event_batch);
    }
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

enum pcn_err pcn__sqlite_put_event(struct pcn_store *s, const struct pcn_event *e)
{
    struct sqlite_store *ss = sqlite_of(s);
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    if (!e->code) /* let SQLite report the constraint now, not at the next flush */
        return insert_one_event(ss, key, e);
    if (!ss->event_batch) {
        ss->event_batch = pcn_calloc(1, sizeof(*ss->event_batch));
        if (!ss->event_batch)
            return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    }
    if (ss->event_batch->n_events == PCN_SQLITE_EVENT_BATCH ||
        !batch_add(ss->event_batch, key, e)) {
        rc = pcn__sqlite_flush_events(ss);
        if (rc != PCN_OK)
            return rc;
        if (!batch_add(ss->event_batch, key, e))
            return insert_one_event(ss, key, e); /* larger than a whole batch's text */
    }
    ss->tx_dirty = 1;
    if (ss->event_batch->n_events == PCN_SQLITE_EVENT_BATCH)
        return pcn__sqlite_flush_events(ss);
    return PCN_OK;
}

enum pcn_err pcn__sqlite_put_medication(struct pcn_store *s, const struct pcn_medication *m)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, m->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = pcn__sqlite_stmt(ss, SQL_MEDICATION_INSERT);
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
    return pcn__sqlite_exec_stmt(ss, st, "saving medication");
}

enum pcn_err pcn__sqlite_put_immunisation(struct pcn_store *s, const struct pcn_immunisation *i)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, i->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = pcn__sqlite_stmt(ss, SQL_IMMUNISATION_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, key);
    (void)sqlite3_bind_int(st, 2, i->date);
    (void)pcn__bind_text(st, 3, i->system);
    (void)pcn__bind_text(st, 4, i->code);
    (void)pcn__bind_text(st, 5, i->source);
    return pcn__sqlite_exec_stmt(ss, st, "saving immunisation");
}

enum pcn_err pcn__sqlite_put_encounter(struct pcn_store *s, const struct pcn_encounter *e)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int64_t key = 0;
    enum pcn_err rc = patient_key(ss, e->patient_id, &key);

    if (rc != PCN_OK)
        return rc;
    st = pcn__sqlite_stmt(ss, SQL_ENCOUNTER_INSERT);
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
    return pcn__sqlite_exec_stmt(ss, st, "saving encounter");
}

enum pcn_err pcn__sqlite_put_term(struct pcn_store *s, const struct pcn_term *t)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_TERM_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, t->system);
    (void)pcn__bind_text(st, 2, t->code);
    (void)pcn__bind_text(st, 3, t->term);
    return pcn__sqlite_exec_stmt(ss, st, "saving term");
}

int pcn__sqlite_patient_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
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

int pcn__sqlite_event_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
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

int pcn__sqlite_medication_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_medication m = {
        .start_date = pcn__col_date(st, 1),
        .end_date = pcn__col_date(st, 2),
        .system = pcn__col_text(st, 3),
        .code = pcn__col_text(st, 4),
        .has_quantity = sqlite3_column_type(st, 5) != SQLITE_NULL,
        .quantity = sqlite3_column_double(st, 5),
        .source = pcn__col_text(st, 6),
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
    };
    return ((pcn_encounter_fn)fn)(sqlite3_column_int64(st, 0), &e, ud);
}

int pcn__sqlite_term_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_term t = {
        .system = pcn__col_text(st, 0),
        .code = pcn__col_text(st, 1),
        .term = pcn__col_text(st, 2),
    };
    return ((pcn_term_fn)fn)(&t, ud);
}

static enum pcn_err each(struct pcn_store *s, enum sql_stmt which, pcn__row_fn row, pcn__any_fn fn,
                         void *ud, const char *what)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    enum pcn_err rc = pcn__sqlite_flush_events(ss);

    if (rc != PCN_OK)
        return rc;
    st = pcn__sqlite_stmt(ss, which);
    return st ? pcn__sqlite_walk(ss, st, row, fn, ud, NULL, what) : PCN_ESTORAGE;
}

enum pcn_err pcn__sqlite_each_patient(struct pcn_store *s, pcn_patient_fn fn, void *ud)
{
    return each(s, SQL_PATIENT_EACH, pcn__sqlite_patient_row, (pcn__any_fn)fn, ud,
                "reading patients");
}

enum pcn_err pcn__sqlite_each_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return each(s, SQL_EVENT_EACH, pcn__sqlite_event_row, (pcn__any_fn)fn, ud, "reading events");
}

enum pcn_err pcn__sqlite_each_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return each(s, SQL_MEDICATION_EACH, pcn__sqlite_medication_row, (pcn__any_fn)fn, ud,
                "reading medications");
}

enum pcn_err pcn__sqlite_each_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
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

enum pcn_err pcn__sqlite_scan_event(struct pcn_store *s, pcn_event_fn fn, void *ud)
{
    return each(s, SQL_EVENT_SCAN, event_scan_row, (pcn__any_fn)fn, ud, "reading events");
}

enum pcn_err pcn__sqlite_scan_medication(struct pcn_store *s, pcn_medication_fn fn, void *ud)
{
    return each(s, SQL_MEDICATION_SCAN, medication_scan_row, (pcn__any_fn)fn, ud,
                "reading medications");
}

enum pcn_err pcn__sqlite_scan_immunisation(struct pcn_store *s, pcn_immunisation_fn fn, void *ud)
{
    return each(s, SQL_IMMUNISATION_SCAN, immunisation_scan_row, (pcn__any_fn)fn, ud,
                "reading immunisations");
}

enum pcn_err pcn__sqlite_each_encounter(struct pcn_store *s, pcn_encounter_fn fn, void *ud)
{
    return each(s, SQL_ENCOUNTER_EACH, encounter_row, (pcn__any_fn)fn, ud, "reading encounters");
}

enum pcn_err pcn__sqlite_each_term(struct pcn_store *s, pcn_term_fn fn, void *ud)
{
    return each(s, SQL_TERM_EACH, pcn__sqlite_term_row, (pcn__any_fn)fn, ud, "reading terms");
}

enum pcn_err pcn__sqlite_count(struct pcn_store *s, struct pcn_store_counts *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st;
    int rc;

    if (pcn__sqlite_flush_events(ss) != PCN_OK)
        return PCN_ESTORAGE;
    st = pcn__sqlite_stmt(ss, SQL_COUNT);
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
