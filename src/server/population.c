/*
 * population.c - the engine's shared state in the server: one population
 * snapshot shared by every worker, rebuilt when the store's data version
 * moves on (readers keep the old one alive by reference until they
 * finish), prepared by a background thread when the server starts and
 * kept in a file across restarts when one is configured; and the results
 * evaluated on it, kept with the snapshot (as objects, not text) so that a
 * repeated report or worklist reads them instead of evaluating again, and
 * freed with it. The build of the shared snapshot runs without the
 * request's time limit (it serves every later request); evaluations run
 * under it.
 */
#include "server/population.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/paths.h"
#include "util/common.h"

#define KEPT_PER_SNAPSHOT 32                 /* result sets kept with a snapshot */
#define KEPT_MAX_BYTES ((size_t)64 << 20)    /* larger result sets are not kept */
#define KEPT_TOTAL_BYTES ((size_t)256 << 20) /* all the result sets kept with a snapshot */

/* Results kept with a snapshot, for (program version, select, as_of, by, suppress). */
struct kept {
    char *key;
    struct pcn__program_ref *prog; /* held: the results borrow it */
    struct pcn_results *res;
    int refs;      /* the snapshot's (while listed) and requests'; under pcn__engine.lock */
    uint64_t used; /* tick of the last use, for eviction */
    size_t bytes;  /* pcn_results_memory() of res */
};

struct snap_ref {
    struct pcn_snapshot *snap;
    int64_t version;
    int refs; /* guarded by pcn__engine.lock */
    struct kept *kept[KEPT_PER_SNAPSHOT];
    size_t kept_bytes; /* of the listed ones */
    uint64_t tick;
};

struct pcn__engine {
    pthread_mutex_t lock;       /* guards cur, refs and the kept results */
    pthread_mutex_t build_lock; /* one snapshot build at a time */
    pthread_mutex_t save_lock;  /* one snapshot file save at a time */
    struct snap_ref *cur;
    struct snap_ref *unsaved; /* held: built by a request, for the refresher to save */
    struct pcn__defs *defs;
    char snapshot_file[1024]; /* "" = none */
    /* the warm-up thread (pcn__engine_warm); stop makes a store walk give up */
    atomic_int stop;
    atomic_int building;  /* a snapshot build is running (for GET /health) */
    pthread_cond_t wake;  /* with lock: wakes the refresher at shutdown */
    int64_t refresh_usec; /* between the refresher's looks at the data version; 0: once */
    pthread_t warm;
    bool warm_started;
    char warm_db[1024];
};

/* Under e->lock: one hold fewer on kept results; the last frees them. */
static void kept_drop_locked(struct kept *k)
{
    if (k && --k->refs == 0) {
        pcn_results_free(k->res);
        pcn__program_release(k->prog);
        pcn_free(k->key);
        pcn_free(k);
    }
}

/* Under e->lock: one hold fewer on a snapshot; the last frees it, its kept results first. */
static void ref_drop_locked(struct snap_ref *ref)
{
    if (ref && --ref->refs == 0) {
        for (size_t i = 0; i < PCN_ARRAY_SIZE(ref->kept); i++)
            kept_drop_locked(ref->kept[i]);
        pcn_snapshot_free(ref->snap);
        pcn_free(ref);
    }
}

enum pcn_err pcn__engine_new(const char *defs_dir, const char *snapshot_file,
                             struct pcn__engine **ret)
{
    struct pcn__engine *e = pcn_calloc(1, sizeof(*e));
    char dir[4096];
    enum pcn_err rc;

    if (!e)
        return PCN_ENOMEM;
    if (defs_dir && *defs_dir)
        (void)snprintf(dir, sizeof(dir), "%s", defs_dir);
    else if (pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)
        dir[0] = '\0';
    rc = pcn__defs_new(dir, &e->defs);
    if (rc != PCN_OK) {
        pcn_free(e);
        return rc;
    }
    if (snapshot_file)
        (void)snprintf(e->snapshot_file, sizeof(e->snapshot_file), "%s", snapshot_file);
    atomic_init(&e->stop, 0);
    atomic_init(&e->building, 0);
    (void)pthread_cond_init(&e->wake, NULL);
    (void)pthread_mutex_init(&e->lock, NULL);
    (void)pthread_mutex_init(&e->build_lock, NULL);
    (void)pthread_mutex_init(&e->save_lock, NULL);
    *ret = e;
    return PCN_OK;
}

void pcn__engine_free(struct pcn__engine *e)
{
    if (!e)
        return;
    (void)pthread_mutex_lock(&e->lock);
    atomic_store(&e->stop, 1);
    (void)pthread_cond_broadcast(&e->wake);
    (void)pthread_mutex_unlock(&e->lock);
    if (e->warm_started)
        (void)pthread_join(e->warm, NULL);
    (void)pthread_cond_destroy(&e->wake);
    ref_drop_locked(e->cur);
    ref_drop_locked(e->unsaved);
    pcn__defs_free(e->defs);
    (void)pthread_mutex_destroy(&e->save_lock);
    (void)pthread_mutex_destroy(&e->build_lock);
    (void)pthread_mutex_destroy(&e->lock);
    pcn_free(e);
}

/*
 * The current snapshot, held, if it is of this data version or a later one:
 * a request whose read transaction began just before an import is served
 * the newer population rather than rebuilding the older one (and a report
 * never goes back in time). Data versions only grow.
 */
static struct snap_ref *take_current(struct pcn__engine *e, int64_t version)
{
    struct snap_ref *ref = NULL;

    (void)pthread_mutex_lock(&e->lock);
    if (e->cur && e->cur->version >= version) {
        ref = e->cur;
        ref->refs++;
    }
    (void)pthread_mutex_unlock(&e->lock);
    return ref;
}

static void release_snapshot(struct pcn__engine *e, struct snap_ref *ref)
{
    (void)pthread_mutex_lock(&e->lock);
    ref_drop_locked(ref);
    (void)pthread_mutex_unlock(&e->lock);
}

/*
 * Save ref to the snapshot file if it is still the current snapshot (a
 * newer one supersedes it), after it was made current: requests waiting
 * for it are served while the file is written. Saves are serialised, so
 * the file ends with the newest population.
 */
static void keep_if_current(struct pcn__engine *e, struct snap_ref *ref)
{
    struct pcn_error warning;
    bool current;

    (void)pthread_mutex_lock(&e->save_lock);
    (void)pthread_mutex_lock(&e->lock);
    current = e->cur == ref;
    (void)pthread_mutex_unlock(&e->lock);
    if (current && pcn_snapshot_keep(ref->snap, e->snapshot_file, &warning) != PCN_OK)
        pcn__log("engine: the population snapshot was not saved: %s", warning.msg);
    (void)pthread_mutex_unlock(&e->save_lock);
}

/* The snapshot a request walked: saved by the refresher when it runs, else here. Consumes ref. */
static void keep_later(struct pcn__engine *e, struct snap_ref *ref)
{
    (void)pthread_mutex_lock(&e->lock);
    if (e->warm_started && e->refresh_usec > 0 && !atomic_load(&e->stop)) {
        ref_drop_locked(e->unsaved);
        e->unsaved = ref; /* the caller's hold passes to the refresher */
        ref = NULL;
        (void)pthread_cond_broadcast(&e->wake);
    }
    (void)pthread_mutex_unlock(&e->lock);
    if (ref) {
        keep_if_current(e, ref);
        release_snapshot(e, ref);
    }
}

/*
 * Under build_lock: the current snapshot of this data version, or a new
 * one made current, from the snapshot file when it is this database's at
 * this version, else walked from st (*ret_walked set: the caller saves it
 * to the file once build_lock is released). Held for the caller. st must
 * be in a read transaction.
 */
static enum pcn_err build_current(struct pcn__engine *e, struct pcn_store *st, int64_t version,
                                  struct snap_ref **ret, bool *ret_walked, struct pcn_error *err)
{
    struct snap_ref *ref = take_current(e, version); /* another thread may have built it */
    enum pcn_snapshot_origin origin = PCN_SNAPSHOT_WALKED;
    pcn_usec_t t0 = pcn_monotonic_usec();
    enum pcn_err rc;

    *ret_walked = false;
    if (ref) {
        *ret = ref;
        return PCN_OK;
    }
    ref = pcn_calloc(1, sizeof(*ref));
    if (!ref)
        return pcn_error_set(err, PCN_ENOMEM, "%s", pcn_err_str(PCN_ENOMEM));
    atomic_store(&e->building, 1);
    rc = pcn_snapshot_for_store(st, e->snapshot_file[0] ? e->snapshot_file : NULL, &e->stop,
                                &ref->snap, &origin, err);
    atomic_store(&e->building, 0);
    if (rc != PCN_OK) {
        pcn_free(ref);
        return rc;
    }
    pcn__log("engine: population of %zu patients and %zu records (data version %lld) %s in "
             "%.2f s",
             pcn_snapshot_patient_count(ref->snap), pcn_snapshot_event_count(ref->snap),
             (long long)version,
             origin == PCN_SNAPSHOT_LOADED ? "loaded from the snapshot file"
                                           : "read from the store",
             (double)(pcn_monotonic_usec() - t0) / 1e6);
    ref->version = version;
    ref->refs = 2; /* the engine's, and the caller's */
    (void)pthread_mutex_lock(&e->lock);
    ref_drop_locked(e->cur);
    e->cur = ref;
    (void)pthread_mutex_unlock(&e->lock);
    *ret = ref;
    *ret_walked = origin == PCN_SNAPSHOT_WALKED && e->snapshot_file[0];
    return PCN_OK;
}

/* The snapshot of this data version, built if needed. Release with release_snapshot(). */
static enum pcn_err acquire_snapshot(struct pcn__request *r, int64_t version, struct snap_ref **ret,
                                     struct pcn_error *err)
{
    struct pcn__engine *e = r->srv->engine;
    struct snap_ref *ref = take_current(e, version);
    bool walked = false;
    enum pcn_err rc;

    if (ref) {
        *ret = ref;
        return PCN_OK;
    }
    (void)pthread_mutex_lock(&e->build_lock);
    /*
     * The snapshot serves every later request of this data version, so its
     * build is not cut short by this request's time limit; the evaluation
     * that follows checks the limit.
     */
    rc = pcn_store_set_deadline(r->store, 0);
    if (rc == PCN_OK)
        rc = build_current(e, r->store, version, &ref, &walked, err);
    else
        (void)pcn_error_set(err, rc, "%s", pcn_err_str(rc));
    if (pcn_store_set_deadline(r->store, r->deadline) != PCN_OK && rc == PCN_OK) {
        release_snapshot(e, ref);
        ref = NULL;
        rc = pcn_error_set(err, PCN_ESTORAGE, "cannot restore the time limit");
    }
    (void)pthread_mutex_unlock(&e->build_lock);
    if (rc == PCN_OK && walked) {
        (void)pthread_mutex_lock(&e->lock);
        ref->refs++; /* a hold for the save */
        (void)pthread_mutex_unlock(&e->lock);
        keep_later(e, ref);
    }
    *ret = rc == PCN_OK ? ref : NULL;
    return rc;
}

enum pcn_err pcn__request_profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                                   struct pcn_profile *ret)
{
    struct pcn__request *r = ud;
    struct snap_ref *ref = NULL;
    struct pcn_error err;
    int64_t version = 0;
    enum pcn_err rc = pcn_store_data_version(r->store, &version);

    if (rc == PCN_OK)
        rc = acquire_snapshot(r, version, &ref, &err);
    if (rc == PCN_OK)
        rc = pcn_snapshot_profiles(ref->snap, as_of, practices, n, ret);
    if (ref)
        release_snapshot(r->srv->engine, ref);
    return rc;
}

/* One look at the store: the snapshot of its current data made current if it is not. */
static enum pcn_err refresh_once(struct pcn__engine *e, struct pcn_store *st, struct pcn_error *err)
{
    int64_t version = 0;
    struct snap_ref *ref = NULL;
    bool walked = false;
    enum pcn_err rc = pcn_store_begin_read(st);

    if (rc == PCN_OK)
        rc = pcn_store_data_version(st, &version);
    if (rc != PCN_OK)
        (void)pcn_error_set(err, rc, "%s", pcn_store_errmsg(st));
    if (rc == PCN_OK)
        ref = take_current(e, version); /* the common case: nothing to do */
    if (rc == PCN_OK && !ref) {
        (void)pthread_mutex_lock(&e->build_lock);
        rc = build_current(e, st, version, &ref, &walked, err);
        (void)pthread_mutex_unlock(&e->build_lock);
    }
    pcn_store_end_read(st);
    if (walked)
        keep_if_current(e, ref);
    if (ref)
        release_snapshot(e, ref);
    return rc;
}

/* Save the snapshot a request walked and left for the refresher, if any. */
static void keep_unsaved(struct pcn__engine *e)
{
    struct snap_ref *ref;

    (void)pthread_mutex_lock(&e->lock);
    ref = e->unsaved;
    e->unsaved = NULL;
    (void)pthread_mutex_unlock(&e->lock);
    if (ref) {
        keep_if_current(e, ref);
        release_snapshot(e, ref);
    }
}

/* Compile the definitions before any request asks (a failure is logged by definitions.c). */
static void warm_definitions(struct pcn__engine *e)
{
    struct pcn__program_ref *p = NULL;
    struct pcn_error err;

    if (pcn__defs_program(e->defs, &p, &err) == PCN_OK)
        pcn__program_release(p);
}

/*
 * The warm-up and refresher thread: the definitions and the current data's
 * snapshot at start,
 * then every `refresh` seconds a look at the data version, rebuilding when
 * the data changed (an import while the server runs), so that reports find
 * it ready. Its own read-only store handle; woken early by stop.
 */
static void *warm_main(void *arg)
{
    struct pcn__engine *e = arg;
    struct pcn_store *st = NULL;
    struct pcn_error err = {PCN_OK, ""};
    bool reported = false;

    warm_definitions(e);
    while (!atomic_load(&e->stop)) {
        enum pcn_err rc =
            st ? PCN_OK : pcn_store_open(e->warm_db, PCN_STORE_FLAG_READONLY, &st, &err);
        if (rc == PCN_OK)
            rc = refresh_once(e, st, &err);
        keep_unsaved(e);
        if (rc != PCN_OK && !atomic_load(&e->stop) && !reported)
            pcn__log("engine: preparing the population failed (reports will retry): %s", err.msg);
        reported = rc != PCN_OK; /* one line per run of failures */
        if (e->refresh_usec <= 0)
            break;
        (void)pthread_mutex_lock(&e->lock);
        if (!atomic_load(&e->stop) && !e->unsaved) {
            struct timespec until;
            int64_t ns;
            (void)clock_gettime(CLOCK_REALTIME, &until);
            ns = (int64_t)until.tv_nsec + (e->refresh_usec % 1000000) * 1000;
            until.tv_sec += (time_t)(e->refresh_usec / 1000000 + ns / 1000000000);
            until.tv_nsec = (long)(ns % 1000000000);
            (void)pthread_cond_timedwait(&e->wake, &e->lock, &until);
        }
        (void)pthread_mutex_unlock(&e->lock);
    }
    keep_unsaved(e); /* one left by a request just before shutdown */
    pcn_store_close(st);
    return NULL;
}

const char *pcn__engine_state(struct pcn__engine *e, int64_t version, int64_t *ret_version)
{
    int64_t have = -1;

    (void)pthread_mutex_lock(&e->lock);
    if (e->cur)
        have = e->cur->version;
    (void)pthread_mutex_unlock(&e->lock);
    *ret_version = have;
    if (have == version)
        return "ready";
    if (atomic_load(&e->building))
        return "preparing";
    return have < 0 ? "none" : "stale";
}

enum pcn_err pcn__engine_warm(struct pcn__engine *e, const char *db, int64_t refresh_usec)
{
    if (e->warm_started)
        return PCN_ECONFLICT;
    e->refresh_usec = refresh_usec;
    if ((size_t)snprintf(e->warm_db, sizeof(e->warm_db), "%s", db) >= sizeof(e->warm_db))
        return PCN_EINVAL;
    if (pthread_create(&e->warm, NULL, warm_main, e) != 0)
        return PCN_EAGAIN;
    e->warm_started = true;
    return PCN_OK;
}

struct pcn__defs *pcn__engine_defs(struct pcn__engine *e)
{
    return e->defs;
}

/*
 * Aggregate-only roles see figures as of published dates only: a month's
 * last day or the data's own as-of date. Figures of two consecutive days
 * would differ by the patients whose status changed that day, however
 * each day's figures are suppressed or rounded.
 */
static bool published_as_of(struct pcn__request *r, int32_t as_of)
{
    int32_t data_as_of = 0;
    int y, m, d;
    enum pcn_err rc;

    if (pcn__suppress(r) == 0 && pcn__round(r) == 0)
        return true;
    pcn_date_to_ymd(as_of + 1, &y, &m, &d);
    if (d == 1)
        return true;
    rc = pcn_store_default_as_of(r->store, &data_as_of);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (as_of == data_as_of)
        return true;
    pcn__reply_error(r, 400, "invalid_parameter",
                     "as_of: aggregate figures are published for a month's last day or the "
                     "data's as-of date, not any day");
    return false;
}

bool pcn__query_eval_options(struct pcn__request *r, struct pcn_eval_options *o)
{
    const char *by = pcn__query(r, "by");
    struct pcn_error err;

    memset(o, 0, sizeof(*o));
    o->threads = 1; /* the workers are the parallelism */
    o->deadline = r->deadline;
    if (!pcn__query_date(r, "as_of", &o->as_of) || !published_as_of(r, o->as_of))
        return false;
    if (by && pcn_by_parse(by, &o->by, &err) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "by: %s", err.msg);
        return false;
    }
    /*
     * One dimension at a time for aggregate-only roles: a cross-tabulation
     * and its margins can pin a withheld count from rounded figures (its row
     * and its column each bound it from one side); single breakdowns sharing
     * a total cannot (docs/api.md, "Disclosure control").
     */
    if ((o->by & (o->by - 1)) != 0 && (pcn__suppress(r) || pcn__round(r))) {
        pcn__reply_error(r, 400, "invalid_parameter",
                         "by: figures for this role are broken down by one dimension at a time");
        return false;
    }
    o->suppress = pcn__suppress(r);
    o->round = pcn__round(r);
    return true;
}

bool pcn__name_is_plain(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    }
    return n > 0 && n <= 64;
}

/* ---- what a request holds ---- */

/* The snapshot and the kept results a request reads, let go when the request ends. */
struct hold {
    struct pcn__engine *e;
    struct snap_ref *snap;
    struct kept *kept;
};

static void release_hold(void *arg)
{
    struct hold *h = arg;

    (void)pthread_mutex_lock(&h->e->lock);
    kept_drop_locked(h->kept); /* before the snapshot the results borrow */
    ref_drop_locked(h->snap);
    (void)pthread_mutex_unlock(&h->e->lock);
}

static void release_program(void *arg)
{
    pcn__program_release(arg);
}

struct pcn__program_ref *pcn__request_program(struct pcn__request *r)
{
    struct pcn__program_ref *p = NULL;
    struct pcn_error err;
    enum pcn_err rc = pcn__defs_program(r->srv->engine->defs, &p, &err);

    if (rc == PCN_OK && pcn_arena_on_cleanup(r->arena, release_program, p) != PCN_OK) {
        pcn__program_release(p);
        rc = PCN_ENOMEM;
    }
    if (rc == PCN_ENOMEM) {
        pcn__reply_error(r, 503, "unavailable", "out of memory; try again");
        return NULL;
    }
    if (rc != PCN_OK) {
        pcn__reply_error(r, 500, "internal", "the definitions cannot be read");
        return NULL;
    }
    return p;
}

/* Under e->lock: the kept results of key, held for the caller, or NULL. */
static struct kept *find_kept_locked(struct snap_ref *ref, const char *key)
{
    for (size_t i = 0; i < KEPT_PER_SNAPSHOT; i++) {
        struct kept *k = ref->kept[i];
        if (k && strcmp(k->key, key) == 0) {
            k->refs++;
            k->used = ++ref->tick;
            return k;
        }
    }
    return NULL;
}

/* Under e->lock: is key kept with ref already? */
static bool is_kept_locked(const struct snap_ref *ref, const char *key)
{
    for (size_t i = 0; i < KEPT_PER_SNAPSHOT; i++) {
        if (ref->kept[i] && strcmp(ref->kept[i]->key, key) == 0)
            return true;
    }
    return false;
}

/* Under e->lock: the least recently used set kept with ref (KEPT_PER_SNAPSHOT: none). */
static size_t lru_locked(const struct snap_ref *ref)
{
    size_t lru = KEPT_PER_SNAPSHOT;

    for (size_t i = 0; i < KEPT_PER_SNAPSHOT; i++) {
        if (ref->kept[i] && (lru == KEPT_PER_SNAPSHOT || ref->kept[i]->used < ref->kept[lru]->used))
            lru = i;
    }
    return lru;
}

/* Under e->lock: no longer keep set i (requests reading it keep it until they finish). */
static void evict_locked(struct snap_ref *ref, size_t i)
{
    ref->kept_bytes -= ref->kept[i]->bytes;
    kept_drop_locked(ref->kept[i]);
    ref->kept[i] = NULL;
}

/* Under e->lock: a free slot of ref for `bytes` more, evicting the least recently used sets. */
static size_t make_room_locked(struct snap_ref *ref, size_t bytes)
{
    size_t i;

    while (ref->kept_bytes + bytes > KEPT_TOTAL_BYTES) {
        i = lru_locked(ref);
        if (i == KEPT_PER_SNAPSHOT)
            break;
        evict_locked(ref, i);
    }
    for (i = 0; i < KEPT_PER_SNAPSHOT; i++) {
        if (!ref->kept[i])
            return i;
    }
    i = lru_locked(ref);
    evict_locked(ref, i);
    return i;
}

/*
 * Results just evaluated, held for the caller, and kept with the snapshot
 * when they are not too large (evicting the least recently used sets to
 * make room in the slots and in the snapshot's budget). Takes res; NULL
 * (res freed) when out of memory.
 */
static struct kept *keep(struct pcn__engine *e, struct snap_ref *ref, const char *key,
                         struct pcn__program_ref *p, struct pcn_results *res)
{
    struct kept *k = pcn_calloc(1, sizeof(*k));

    if (k)
        k->key = pcn_strdup(key);
    if (!k || !k->key) {
        pcn_free(k);
        pcn_results_free(res);
        return NULL;
    }
    k->prog = pcn__program_hold(p);
    k->res = res;
    k->refs = 1;
    k->bytes = pcn_results_memory(res);
    if (k->bytes > KEPT_MAX_BYTES)
        return k; /* the request's own: freed when it ends */
    (void)pthread_mutex_lock(&e->lock);
    if (!is_kept_locked(ref, key)) { /* else another request was first: keep theirs */
        size_t slot = make_room_locked(ref, k->bytes);
        ref->kept[slot] = k;
        ref->kept_bytes += k->bytes;
        k->refs++;
        k->used = ++ref->tick;
    }
    (void)pthread_mutex_unlock(&e->lock);
    return k;
}

/* Reply for a failed evaluation. */
static void reply_eval_error(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *err)
{
    if (rc == PCN_ENOTFOUND) {
        pcn__reply_error(r, 404, "not_found", "%s", err->msg);
    } else if (rc == PCN_ETIMEDOUT || rc == PCN_ENOMEM) {
        pcn__reply_store_error(r, rc);
    } else {
        pcn__log("engine: %s", pcn_err_name(rc)); /* err->msg may quote definitions only */
        pcn__reply_error(r, 500, "internal", "the engine failed: %s", pcn_err_str(rc));
    }
}

const struct pcn_results *pcn__request_results(struct pcn__request *r, struct pcn__program_ref *p,
                                               const char *select, const struct pcn_eval_options *o)
{
    struct pcn__engine *e = r->srv->engine;
    struct hold *h = pcn_arena_calloc(r->arena, 1, sizeof(*h));
    const char *const words[] = {select};
    struct pcn_eval_options eo = *o;
    struct pcn_results *res = NULL;
    struct pcn_error err = {PCN_OK, ""};
    int64_t version = 0;
    const char *key;
    enum pcn_err rc = pcn_store_data_version(r->store, &version);

    key = pcn_arena_printf(r->arena, "%llu|%s|%d|%u|%d|%d",
                           (unsigned long long)pcn__program_version(p), select, (int)o->as_of,
                           o->by, o->suppress, o->round);
    if (rc == PCN_OK && (!h || !key || pcn_arena_on_cleanup(r->arena, release_hold, h) != PCN_OK))
        rc = PCN_ENOMEM;
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return NULL;
    }
    h->e = e;
    rc = acquire_snapshot(r, version, &h->snap, &err);
    if (rc != PCN_OK) {
        reply_eval_error(r, rc, &err);
        return NULL;
    }
    (void)pthread_mutex_lock(&e->lock);
    h->kept = find_kept_locked(h->snap, key);
    (void)pthread_mutex_unlock(&e->lock);
    if (h->kept)
        return h->kept->res;
    eo.select = words;
    eo.n_select = 1;
    rc = pcn_program_eval(pcn__program_of(p), h->snap->snap, &eo, &res, &err);
    if (rc == PCN_OK) {
        h->kept = keep(e, h->snap, key, p, res);
        rc = h->kept ? PCN_OK : PCN_ENOMEM;
    }
    if (rc != PCN_OK) {
        reply_eval_error(r, rc, &err);
        return NULL;
    }
    return h->kept->res;
}
