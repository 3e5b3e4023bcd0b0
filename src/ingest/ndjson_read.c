/*
 * ndjson_read.c - NDJSON parsed on several threads, handed back in order.
 * The caller's thread reads the file in blocks of whole lines (a partial
 * last line is carried into the next block) into a ring of jobs. Workers
 * take the oldest unparsed job, split it into lines and parse each with
 * jansson; the caller consumes jobs strictly in ring order, parsing the
 * oldest itself when no worker has started it, and only borrows the trees.
 * The thread that parsed a job frees its trees once the caller is done
 * with it: memory freed on another thread sends the parser's mallocs down
 * glibc's slow path. A job is touched by one thread at a time (the caller
 * while it is FREE or DONE, its parser while it is BUSY or SPENT); states
 * change under the lock. Memory is bounded by N_JOBS blocks and their trees.
 */
#include "ingest/ndjson_read.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/vec.h"
#include "util/common.h"

#define BLOCK ((size_t)64 << 10)
#define N_JOBS 8
#define MAX_WORKERS 3
#define BY_CALLER MAX_WORKERS /* parser index of the caller's thread */

/* FREE -> READY (read) -> BUSY (parsing) -> DONE -> SPENT (handed out) -> FREE (trees freed) */
enum job_state { JOB_FREE, JOB_READY, JOB_BUSY, JOB_DONE, JOB_SPENT };

struct job {
    enum job_state state;
    size_t parser; /* worker index, or BY_CALLER */
    char *buf;     /* whole lines; the last may lack its '\n' at the end of the file */
    size_t len;
    size_t cap;
    unsigned long first_line;       /* number of buf's first line */
    struct pcn__ndjson_line *lines; /* parsed non-blank lines */
    size_t n_lines;
    size_t alloc_lines;
    size_t next; /* next line to hand out */
    bool is_oom; /* the parser ran out of memory after n_lines */
};

struct worker {
    struct pcn__ndjson *r;
    size_t index;
    pthread_t thread;
};

struct pcn__ndjson {
    int fd;
    char *path;
    size_t max_line;
    size_t json_flags;
    unsigned long long size;
    unsigned long long consumed;
    unsigned long next_line; /* number of the first line of the next block */
    bool is_eof;
    bool is_failed;  /* an error was returned: every later call returns it again */
    enum pcn_err rc; /* reading stopped here: returned after the blocks before it */
    struct pcn_error err;
    char *carry; /* start of a line whose end is not read yet */
    size_t carry_len;
    size_t carry_cap;
    struct job jobs[N_JOBS];
    size_t head; /* oldest job in flight: the next to hand out */
    size_t n_queued;
    struct worker workers[MAX_WORKERS];
    size_t n_workers;
    bool is_stopping;
    pthread_mutex_t lock;
    pthread_cond_t work;    /* a job became READY or SPENT, or stop */
    pthread_cond_t changed; /* a job became DONE or FREE */
};

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

static void release_trees(struct job *j)
{
    for (size_t i = 0; i < j->n_lines; i++)
        json_decref(j->lines[i].res);
    j->n_lines = 0;
}

/* Split a job into lines and parse the non-blank ones. Runs without the lock. */
static void parse_job(const struct pcn__ndjson *r, struct job *j)
{
    unsigned long line_no = j->first_line;
    size_t pos = 0;

    j->is_oom = false;
    while (pos < j->len) {
        const char *s = j->buf + pos;
        const char *nl = memchr(s, '\n', j->len - pos);
        size_t n = nl ? (size_t)(nl - s) : j->len - pos;
        if (!is_blank(s, n)) {
            struct pcn__ndjson_line *l;
            if (PCN_GROW(j->lines, j->n_lines + 1, j->alloc_lines) != PCN_OK) {
                j->is_oom = true;
                return;
            }
            l = &j->lines[j->n_lines++];
            l->line_no = line_no;
            l->res = json_loadb(s, n, r->json_flags, &l->err);
        }
        pos += n + 1;
        line_no++;
    }
}

/* Worker w's next task: a SPENT job it parsed, else the oldest READY job. Lock held. */
static struct job *next_task(struct pcn__ndjson *r, size_t w)
{
    for (size_t at = 0; at < N_JOBS; at++) {
        if (r->jobs[at].state == JOB_SPENT && r->jobs[at].parser == w)
            return &r->jobs[at];
    }
    for (size_t k = 0; k < r->n_queued; k++) {
        struct job *j = &r->jobs[(r->head + k) % N_JOBS];
        if (j->state == JOB_READY)
            return j;
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pcn__ndjson *r = w->r;

    (void)pthread_mutex_lock(&r->lock);
    while (!r->is_stopping) {
        struct job *j = next_task(r, w->index);
        bool is_spent;
        if (!j) {
            (void)pthread_cond_wait(&r->work, &r->lock);
            continue;
        }
        is_spent = j->state == JOB_SPENT;
        j->state = JOB_BUSY;
        j->parser = w->index;
        (void)pthread_mutex_unlock(&r->lock);
        if (is_spent)
            release_trees(j);
        else
            parse_job(r, j);
        (void)pthread_mutex_lock(&r->lock);
        j->state = is_spent ? JOB_FREE : JOB_DONE;
        (void)pthread_cond_broadcast(&r->changed);
    }
    (void)pthread_mutex_unlock(&r->lock);
    return NULL;
}

static enum pcn_err reserve(char **buf, size_t *cap, size_t want)
{
    char *p;

    if (want <= *cap)
        return PCN_OK;
    p = pcn_reallocarray(*buf, want, 1);
    if (!p)
        return PCN_ENOMEM;
    *buf = p;
    *cap = want;
    return PCN_OK;
}

/* Stop reading; r->err is set. The error is returned after the jobs already queued. */
static bool stop_reading(struct pcn__ndjson *r, enum pcn_err rc)
{
    r->rc = rc;
    return false;
}

static ssize_t read_some(int fd, char *buf, size_t n)
{
    for (;;) {
        ssize_t got = read(fd, buf, n);
        if (got >= 0 || errno != EINTR)
            return got;
    }
}

/*
 * Fill job j with the next block of whole lines; false when there is nothing
 * to queue. A line longer than max_line ends the block before it and stops
 * reading (the error follows the lines before it).
 */
static bool read_block(struct pcn__ndjson *r, struct job *j)
{
    size_t scan = r->carry_len; /* the carried bytes hold no newline */
    size_t cut = 0;

    if (reserve(&j->buf, &j->cap, r->carry_len + BLOCK) != PCN_OK)
        return stop_reading(r, pcn_error_set(&r->err, PCN_ENOMEM, "%s: out of memory", r->path));
    if (r->carry_len > 0)
        memcpy(j->buf, r->carry, r->carry_len);
    j->len = r->carry_len;
    r->carry_len = 0;
    while (cut == 0) {
        ssize_t got;
        const char *nl;
        if (reserve(&j->buf, &j->cap, j->len + BLOCK) != PCN_OK)
            return stop_reading(r,
                                pcn_error_set(&r->err, PCN_ENOMEM, "%s: out of memory", r->path));
        got = read_some(r->fd, j->buf + j->len, BLOCK);
        if (got < 0)
            return stop_reading(r, pcn_error_set(&r->err, PCN_EIO, "%s:%lu: read error: %s",
                                                 r->path, r->next_line, strerror(errno)));
        if (got == 0) {
            r->is_eof = true;
            cut = j->len;
            break;
        }
        j->len += (size_t)got;
        nl = memrchr(j->buf + scan, '\n', j->len - scan);
        scan = j->len;
        if (nl)
            cut = (size_t)(nl - j->buf) + 1;
        else if (j->len > r->max_line)
            cut = j->len; /* one unfinished line, already too long: refused below */
    }
    if (reserve(&r->carry, &r->carry_cap, j->len - cut) != PCN_OK)
        return stop_reading(r, pcn_error_set(&r->err, PCN_ENOMEM, "%s: out of memory", r->path));
    r->carry_len = j->len - cut;
    if (r->carry_len > 0)
        memcpy(r->carry, j->buf + cut, r->carry_len);
    j->first_line = r->next_line;
    for (size_t start = 0; start < cut;) {
        const char *nl = memchr(j->buf + start, '\n', cut - start);
        size_t end = nl ? (size_t)(nl - j->buf) : cut;
        if (end - start > r->max_line) {
            (void)stop_reading(r, pcn_error_set(&r->err, PCN_ELIMIT,
                                                "%s:%lu: line longer than %zu bytes", r->path,
                                                r->next_line, r->max_line));
            cut = start;
            break;
        }
        r->next_line++;
        start = end + 1;
    }
    j->len = cut;
    return cut > 0;
}

/* Queue blocks into the free jobs of the ring; waits for one only when none is queued. */
static void fill(struct pcn__ndjson *r)
{
    while (r->n_queued < N_JOBS && !r->is_eof && r->rc == PCN_OK) {
        struct job *j = &r->jobs[(r->head + r->n_queued) % N_JOBS];
        bool is_free;
        (void)pthread_mutex_lock(&r->lock);
        while (j->state != JOB_FREE && r->n_queued == 0)
            (void)pthread_cond_wait(&r->changed, &r->lock);
        is_free = j->state == JOB_FREE;
        (void)pthread_mutex_unlock(&r->lock);
        if (!is_free)
            return; /* its parser is still freeing it: try again at the next line */
        if (!read_block(r, j))
            continue; /* end of file or an error: the loop condition stops */
        (void)pthread_mutex_lock(&r->lock);
        j->state = JOB_READY;
        r->n_queued++;
        (void)pthread_cond_broadcast(&r->work);
        (void)pthread_mutex_unlock(&r->lock);
    }
}

/* CPUs this process may run on (its affinity mask, as taskset and cpusets set it). */
static size_t usable_cpus(void)
{
    cpu_set_t set;
    long n;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (size_t)CPU_COUNT(&set);
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

enum pcn_err pcn__ndjson_open(const char *path, size_t max_line, size_t json_flags,
                              struct pcn__ndjson **ret, struct pcn_error *reterr)
{
    struct pcn__ndjson *r = pcn_calloc(1, sizeof(*r));
    size_t want = usable_cpus() - 1; /* the caller's thread parses too */
    struct stat st;

    if (!r)
        return pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", path);
    if (want > MAX_WORKERS)
        want = MAX_WORKERS;
    r->fd = -1;
    r->max_line = max_line;
    r->json_flags = json_flags;
    r->next_line = 1;
    (void)pthread_mutex_init(&r->lock, NULL);
    (void)pthread_cond_init(&r->work, NULL);
    (void)pthread_cond_init(&r->changed, NULL);
    r->path = pcn_strdup(path);
    if (!r->path) {
        pcn__ndjson_close(r);
        return pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", path);
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        enum pcn_err rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", path, strerror(errno));
        pcn__ndjson_close(r);
        return rc;
    }
    if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
        r->size = (unsigned long long)st.st_size;
    json_object_seed(0); /* jansson's hash seed, set once before any thread parses */
    /* with fewer workers (or none) the caller's thread parses the rest itself */
    for (size_t i = 0; i < want; i++) {
        r->workers[i] = (struct worker){.r = r, .index = i};
        if (pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]) != 0)
            break;
        r->n_workers = i + 1;
    }
    *ret = r;
    return PCN_OK;
}

/* Wait until the head job is parsed, parsing it here if no worker has started it. */
static struct job *head_job(struct pcn__ndjson *r)
{
    struct job *j = &r->jobs[r->head];

    (void)pthread_mutex_lock(&r->lock);
    if (j->state == JOB_READY) {
        j->state = JOB_BUSY;
        j->parser = BY_CALLER;
        (void)pthread_mutex_unlock(&r->lock);
        parse_job(r, j);
        (void)pthread_mutex_lock(&r->lock);
        j->state = JOB_DONE;
    }
    while (j->state != JOB_DONE)
        (void)pthread_cond_wait(&r->changed, &r->lock);
    (void)pthread_mutex_unlock(&r->lock);
    return j;
}

/* The caller is done with the head job: its parser frees the trees. */
static void retire_head(struct pcn__ndjson *r, struct job *j)
{
    r->consumed += j->len;
    j->next = 0;
    if (j->parser == BY_CALLER)
        release_trees(j);
    (void)pthread_mutex_lock(&r->lock);
    j->state = j->parser == BY_CALLER ? JOB_FREE : JOB_SPENT;
    if (j->state == JOB_SPENT)
        (void)pthread_cond_broadcast(&r->work);
    r->head = (r->head + 1) % N_JOBS;
    r->n_queued--;
    (void)pthread_mutex_unlock(&r->lock);
}

enum pcn_err pcn__ndjson_next(struct pcn__ndjson *r, struct pcn__ndjson_line *ret,
                              struct pcn_error *reterr)
{
    for (;;) {
        struct job *j;
        if (!r->is_failed)
            fill(r);
        if (r->is_failed || (r->n_queued == 0 && r->rc != PCN_OK)) {
            r->is_failed = true; /* nothing after a failure is handed out */
            *reterr = r->err;
            return r->rc;
        }
        if (r->n_queued == 0)
            return PCN_ENOTFOUND;
        j = head_job(r);
        if (j->next < j->n_lines) {
            *ret = j->lines[j->next++];
            return PCN_OK;
        }
        if (j->is_oom) {
            unsigned long line_no =
                j->n_lines ? j->lines[j->n_lines - 1].line_no + 1 : j->first_line;
            r->rc = pcn_error_set(&r->err, PCN_ENOMEM, "%s:%lu: out of memory", r->path, line_no);
            r->is_failed = true;
            continue;
        }
        retire_head(r, j);
    }
}

unsigned long long pcn__ndjson_offset(const struct pcn__ndjson *r)
{
    return r->consumed;
}

unsigned long long pcn__ndjson_size(const struct pcn__ndjson *r)
{
    return r->size;
}

void pcn__ndjson_close(struct pcn__ndjson *r)
{
    if (!r)
        return;
    (void)pthread_mutex_lock(&r->lock);
    r->is_stopping = true;
    (void)pthread_cond_broadcast(&r->work);
    (void)pthread_mutex_unlock(&r->lock);
    for (size_t i = 0; i < r->n_workers; i++)
        (void)pthread_join(r->workers[i].thread, NULL);
    for (size_t k = 0; k < N_JOBS; k++) {
        struct job *j = &r->jobs[k];
        release_trees(j);
        pcn_free(j->lines);
        pcn_free(j->buf);
    }
    if (r->fd >= 0)
        (void)close(r->fd);
    (void)pthread_mutex_destroy(&r->lock);
    (void)pthread_cond_destroy(&r->work);
    (void)pthread_cond_destroy(&r->changed);
    pcn_free(r->carry);
    pcn_free(r->path);
    pcn_free(r);
}
