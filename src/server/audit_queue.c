/*
 * audit_queue.c - group commit of audit rows. A patient read must not be
 * answered before its audit row is durable, but one write transaction per
 * read caps throughput at the database's commit rate. Workers hand their
 * row to one writer thread and wait; the writer appends every row waiting
 * at that moment in one transaction (under the server's write lock) and
 * wakes them all with the outcome. A failed batch fails every row in it.
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/audit.h"
#include "util/common.h"

struct pcn__audit_job {
    const struct pcn_audit_row *row; /* borrowed from the waiting request */
    enum pcn_err rc;
    bool done;
    struct pcn__audit_job *next;
};

struct pcn__audit_queue {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job arrived, or stop */
    pthread_cond_t done; /* a batch finished */
    struct pcn__audit_job *head;
    struct pcn__audit_job **tail;
    bool stop;
    bool running;
    pthread_t thread;
    struct pcn_store *store;     /* the writer's own handle */
    pthread_mutex_t *write_lock; /* the server's */
};

static enum pcn_err write_batch(struct pcn__audit_queue *q, struct pcn__audit_job *jobs)
{
    enum pcn_err rc;

    (void)pthread_mutex_lock(q->write_lock);
    rc = pcn_store_begin(q->store);
    for (struct pcn__audit_job *j = jobs; rc == PCN_OK && j; j = j->next)
        rc = pcn_audit_append_tx(q->store, j->row);
    if (rc == PCN_OK)
        rc = pcn_store_commit(q->store);
    else
        pcn_store_rollback(q->store);
    (void)pthread_mutex_unlock(q->write_lock);
    return rc;
}

static void *writer_main(void *arg)
{
    struct pcn__audit_queue *q = arg;

    (void)pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->head && !q->stop)
            (void)pthread_cond_wait(&q->work, &q->lock);
        if (!q->head)
            break;
        struct pcn__audit_job *jobs = q->head;
        q->head = NULL;
        q->tail = &q->head;
        (void)pthread_mutex_unlock(&q->lock);
        enum pcn_err rc = write_batch(q, jobs);
        (void)pthread_mutex_lock(&q->lock);
        for (struct pcn__audit_job *j = jobs; j; j = j->next) {
            j->rc = rc;
            j->done = true; /* j may be gone once the lock drops */
        }
        (void)pthread_cond_broadcast(&q->done);
    }
    (void)pthread_mutex_unlock(&q->lock);
    return NULL;
}

enum pcn_err pcn__audit_queue_new(const char *db, pthread_mutex_t *write_lock,
                                  struct pcn__audit_queue **ret, struct pcn_error *reterr)
{
    struct pcn__audit_queue *q = pcn_calloc(1, sizeof(*q));
    enum pcn_err rc;

    if (!q)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    q->tail = &q->head;
    q->write_lock = write_lock;
    (void)pthread_mutex_init(&q->lock, NULL);
    (void)pthread_cond_init(&q->work, NULL);
    (void)pthread_cond_init(&q->done, NULL);
    rc = pcn_store_open(db, 0, &q->store, reterr);
    if (rc == PCN_OK && pthread_create(&q->thread, NULL, writer_main, q) != 0)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "cannot start the audit writer thread");
    if (rc != PCN_OK) {
        pcn__audit_queue_free(q);
        return rc;
    }
    q->running = true;
    *ret = q;
    return PCN_OK;
}

enum pcn_err pcn__audit_queue_submit(struct pcn__audit_queue *q, const struct pcn_audit_row *row)
{
    struct pcn__audit_job job = {row, PCN_OK, false, NULL};

    (void)pthread_mutex_lock(&q->lock);
    if (q->stop) {
        (void)pthread_mutex_unlock(&q->lock);
        return PCN_EAGAIN;
    }
    /* The job lives on this stack until the writer marks it done, under q->lock. */
    *q->tail = &job;
    /* cppcheck-suppress autoVariables */
    q->tail = &job.next;
    (void)pthread_cond_signal(&q->work);
    while (!job.done)
        (void)pthread_cond_wait(&q->done, &q->lock);
    (void)pthread_mutex_unlock(&q->lock);
    return job.rc;
}

void pcn__audit_queue_free(struct pcn__audit_queue *q)
{
    if (!q)
        return;
    if (q->running) {
        (void)pthread_mutex_lock(&q->lock);
        q->stop = true;
        (void)pthread_cond_signal(&q->work);
        (void)pthread_mutex_unlock(&q->lock);
        (void)pthread_join(q->thread, NULL);
    }
    pcn_store_close(q->store);
    (void)pthread_cond_destroy(&q->done);
    (void)pthread_cond_destroy(&q->work);
    (void)pthread_mutex_destroy(&q->lock);
    pcn_free(q);
}
