/*
 * async_sink.c - a record sink that hands records to another sink on a
 * writer thread, so parsing and storing overlap on two cores. Records are
 * copied into batches (a record array plus a fixed text block each); full
 * batches go through a small queue to the writer. The first error of the
 * downstream sink is kept; later records are dropped and every call then
 * returns that error, so the import stops and the caller rolls back.
 */
#include "pcn/ingest.h"

#include <pthread.h>
#include <string.h>

#include "pcn/alloc.h"
#include "util/common.h"

#define BATCH_RECORDS 4096
#define BATCH_TEXT ((size_t)4 << 20)
#define N_BATCHES 3

enum rec_type { REC_PATIENT, REC_EVENT, REC_MEDICATION, REC_IMMUNISATION, REC_ENCOUNTER, REC_TERM };

struct record {
    enum rec_type type;
    union {
        struct pcn_patient patient;
        struct pcn_event event;
        struct pcn_medication medication;
        struct pcn_immunisation immunisation;
        struct pcn_encounter encounter;
        struct pcn_term term;
    } u;
};

struct batch {
    struct record *records;
    size_t n_records;
    char *text;
    size_t text_used;
};

struct pcn_async_sink {
    struct pcn_sink down; /* borrowed */
    struct batch batches[N_BATCHES];
    size_t fill;     /* batch being filled by the producer */
    size_t n_queued; /* full batches waiting, starting at head */
    size_t head;     /* next batch for the writer */
    bool is_done;    /* producer finished */
    bool is_started;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    enum pcn_err rc; /* first downstream error */
    struct pcn_error err;
};

static enum pcn_err deliver(struct pcn_async_sink *a, const struct record *r, struct pcn_error *e)
{
    const struct pcn_sink_ops *ops = a->down.ops;
    void *ctx = a->down.ctx;

    switch (r->type) {
    case REC_PATIENT:
        return ops->patient ? ops->patient(ctx, &r->u.patient, e) : PCN_OK;
    case REC_EVENT:
        return ops->event ? ops->event(ctx, &r->u.event, e) : PCN_OK;
    case REC_MEDICATION:
        return ops->medication ? ops->medication(ctx, &r->u.medication, e) : PCN_OK;
    case REC_IMMUNISATION:
        return ops->immunisation ? ops->immunisation(ctx, &r->u.immunisation, e) : PCN_OK;
    case REC_ENCOUNTER:
        return ops->encounter ? ops->encounter(ctx, &r->u.encounter, e) : PCN_OK;
    case REC_TERM:
        return ops->term ? ops->term(ctx, &r->u.term, e) : PCN_OK;
    }
    return PCN_OK;
}

static void *writer_main(void *arg)
{
    struct pcn_async_sink *a = arg;
    struct pcn_error e = {0};

    (void)pthread_mutex_lock(&a->lock);
    for (;;) {
        while (a->n_queued == 0 && !a->is_done)
            (void)pthread_cond_wait(&a->cond, &a->lock);
        if (a->n_queued == 0)
            break;
        struct batch *b = &a->batches[a->head];
        enum pcn_err rc = a->rc;
        (void)pthread_mutex_unlock(&a->lock);
        for (size_t i = 0; i < b->n_records && rc == PCN_OK; i++)
            rc = deliver(a, &b->records[i], &e);
        (void)pthread_mutex_lock(&a->lock);
        if (rc != PCN_OK && a->rc == PCN_OK) {
            a->rc = rc;
            a->err = e;
            a->err.code = rc;
        }
        b->n_records = 0;
        b->text_used = 0;
        a->head = (a->head + 1) % N_BATCHES;
        a->n_queued--;
        (void)pthread_cond_broadcast(&a->cond);
    }
    (void)pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Queue the batch being filled and wait for a free one. Returns the writer's error, if any. */
static enum pcn_err flush_batch(struct pcn_async_sink *a)
{
    enum pcn_err rc;

    (void)pthread_mutex_lock(&a->lock);
    if (a->batches[a->fill].n_records > 0) {
        a->n_queued++;
        a->fill = (a->fill + 1) % N_BATCHES;
        (void)pthread_cond_broadcast(&a->cond);
        while (a->n_queued == N_BATCHES)
            (void)pthread_cond_wait(&a->cond, &a->lock);
    }
    rc = a->rc;
    (void)pthread_mutex_unlock(&a->lock);
    return rc;
}

/* Copy a string into the batch's text block; false if it does not fit. */
static bool copy_str(struct batch *b, const char **s)
{
    size_t len;

    if (!*s)
        return true;
    len = strlen(*s) + 1;
    if (len > BATCH_TEXT - b->text_used)
        return false;
    memcpy(b->text + b->text_used, *s, len);
    *s = b->text + b->text_used;
    b->text_used += len;
    return true;
}

/* The string fields of a record, for copying. */
static size_t str_fields(struct record *r, const char ***ret)
{
    switch (r->type) {
    case REC_PATIENT:
        ret[0] = &r->u.patient.patient_id;
        ret[1] = &r->u.patient.nhs_number;
        ret[2] = &r->u.patient.family_name;
        ret[3] = &r->u.patient.given_name;
        ret[4] = &r->u.patient.ethnicity;
        ret[5] = &r->u.patient.postcode;
        ret[6] = &r->u.patient.lsoa;
        ret[7] = &r->u.patient.practice;
        return 8;
    case REC_EVENT:
        ret[0] = &r->u.event.patient_id;
        ret[1] = &r->u.event.system;
        ret[2] = &r->u.event.code;
        ret[3] = &r->u.event.unit;
        ret[4] = &r->u.event.source;
        ret[5] = &r->u.event.orig_system;
        ret[6] = &r->u.event.orig_code;
        return 7;
    case REC_MEDICATION:
        ret[0] = &r->u.medication.patient_id;
        ret[1] = &r->u.medication.system;
        ret[2] = &r->u.medication.code;
        ret[3] = &r->u.medication.source;
        return 4;
    case REC_IMMUNISATION:
        ret[0] = &r->u.immunisation.patient_id;
        ret[1] = &r->u.immunisation.system;
        ret[2] = &r->u.immunisation.code;
        ret[3] = &r->u.immunisation.source;
        return 4;
    case REC_ENCOUNTER:
        ret[0] = &r->u.encounter.encounter_id;
        ret[1] = &r->u.encounter.patient_id;
        ret[2] = &r->u.encounter.system;
        ret[3] = &r->u.encounter.code;
        ret[4] = &r->u.encounter.encounter_class;
        ret[5] = &r->u.encounter.source;
        ret[6] = &r->u.encounter.clinician;
        ret[7] = &r->u.encounter.site;
        return 8;
    case REC_TERM:
        ret[0] = &r->u.term.system;
        ret[1] = &r->u.term.code;
        ret[2] = &r->u.term.term;
        return 3;
    }
    return 0;
}

/* Copy r (strings included) into the batch being filled, flushing when full. */
static enum pcn_err enqueue(struct pcn_async_sink *a, const struct record *r, struct pcn_error *e)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct batch *b = &a->batches[a->fill];
        struct record *slot;
        const char **fields[8];
        size_t n, mark = b->text_used;
        bool is_ok = true;
        enum pcn_err rc;

        if (b->n_records == BATCH_RECORDS) {
            rc = flush_batch(a);
            if (rc != PCN_OK) {
                *e = a->err;
                return rc;
            }
            continue;
        }
        slot = &b->records[b->n_records];
        *slot = *r;
        n = str_fields(slot, fields);
        for (size_t i = 0; i < n && is_ok; i++)
            is_ok = copy_str(b, fields[i]);
        if (is_ok) {
            b->n_records++;
            return PCN_OK;
        }
        b->text_used = mark;
        if (b->n_records == 0)
            break;
        rc = flush_batch(a);
        if (rc != PCN_OK) {
            *e = a->err;
            return rc;
        }
    }
    return pcn_error_set(e, PCN_ELIMIT, "record larger than %zu bytes of text", BATCH_TEXT);
}

static enum pcn_err q_patient(void *ctx, const struct pcn_patient *v, struct pcn_error *e)
{
    struct record r = {.type = REC_PATIENT};

    r.u.patient = *v;
    return enqueue(ctx, &r, e);
}

static enum pcn_err q_event(void *ctx, const struct pcn_event *v, struct pcn_error *e)
{
    struct record r = {.type = REC_EVENT};

    r.u.event = *v;
    return enqueue(ctx, &r, e);
}

static enum pcn_err q_medication(void *ctx, const struct pcn_medication *v, struct pcn_error *e)
{
    struct record r = {.type = REC_MEDICATION};

    r.u.medication = *v;
    return enqueue(ctx, &r, e);
}

static enum pcn_err q_immunisation(void *ctx, const struct pcn_immunisation *v, struct pcn_error *e)
{
    struct record r = {.type = REC_IMMUNISATION};

    r.u.immunisation = *v;
    return enqueue(ctx, &r, e);
}

static enum pcn_err q_encounter(void *ctx, const struct pcn_encounter *v, struct pcn_error *e)
{
    struct record r = {.type = REC_ENCOUNTER};

    r.u.encounter = *v;
    return enqueue(ctx, &r, e);
}

static enum pcn_err q_term(void *ctx, const struct pcn_term *v, struct pcn_error *e)
{
    struct record r = {.type = REC_TERM};

    r.u.term = *v;
    return enqueue(ctx, &r, e);
}

static const struct pcn_sink_ops async_ops = {
    .patient = q_patient,
    .event = q_event,
    .medication = q_medication,
    .immunisation = q_immunisation,
    .encounter = q_encounter,
    .term = q_term,
};

enum pcn_err pcn_async_sink_new(const struct pcn_sink *down, struct pcn_async_sink **ret)
{
    struct pcn_async_sink *a = pcn_calloc(1, sizeof(*a));
    enum pcn_err rc = PCN_ENOMEM;

    if (!a)
        return PCN_ENOMEM;
    a->down = *down;
    (void)pthread_mutex_init(&a->lock, NULL);
    (void)pthread_cond_init(&a->cond, NULL);
    for (size_t i = 0; i < N_BATCHES; i++) {
        a->batches[i].records = pcn_calloc(BATCH_RECORDS, sizeof(struct record));
        a->batches[i].text = pcn_malloc(BATCH_TEXT);
        if (!a->batches[i].records || !a->batches[i].text)
            goto out;
    }
    if (pthread_create(&a->thread, NULL, writer_main, a) != 0) {
        rc = PCN_EAGAIN;
        goto out;
    }
    a->is_started = true;
    *ret = a;
    a = NULL;
    rc = PCN_OK;
out:
    pcn_async_sink_free(a);
    return rc;
}

void pcn_async_sink_sink(struct pcn_async_sink *a, struct pcn_sink *ret)
{
    ret->ops = &async_ops;
    ret->ctx = a;
}

enum pcn_err pcn_async_sink_finish(struct pcn_async_sink *a, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (!a->is_started)
        return a->rc;
    (void)flush_batch(a);
    (void)pthread_mutex_lock(&a->lock);
    a->is_done = true;
    (void)pthread_cond_broadcast(&a->cond);
    (void)pthread_mutex_unlock(&a->lock);
    (void)pthread_join(a->thread, NULL);
    a->is_started = false;
    rc = a->rc;
    if (rc != PCN_OK && reterr)
        *reterr = a->err;
    return rc;
}

void pcn_async_sink_free(struct pcn_async_sink *a)
{
    if (!a)
        return;
    if (a->is_started) {
        (void)pthread_mutex_lock(&a->lock);
        a->rc = a->rc != PCN_OK ? a->rc : PCN_EAGAIN; /* drop what is queued */
        (void)pthread_mutex_unlock(&a->lock);
        (void)pcn_async_sink_finish(a, NULL);
    }
    for (size_t i = 0; i < N_BATCHES; i++) {
        pcn_free(a->batches[i].records);
        pcn_free(a->batches[i].text);
    }
    (void)pthread_mutex_destroy(&a->lock);
    (void)pthread_cond_destroy(&a->cond);
    pcn_free(a);
}
