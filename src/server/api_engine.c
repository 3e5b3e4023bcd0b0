/*
 * api_engine.c - reports, indicators and worklists from the population
 * health engine. One population snapshot is shared by every worker and
 * rebuilt when the store's data version moves on (readers keep the old one
 * alive by reference until they finish). The engine's JSON for a
 * (selection, as_of, by, suppression) is cached by data version; reports
 * drop worklists (patient-level) and suppress small numbers for
 * aggregate-only roles; worklists are filtered (practice, patient id, a
 * value range of one column), sorted and paged per request, limited to the
 * practice manager's practice, and audited. Requests run under the time
 * limit: evaluation stops at its deadline (the shared snapshot's build
 * does not, as it serves every later request). The snapshot is kept in a
 * file across restarts when one is configured, and prepared by a
 * background thread when the server starts.
 */
#include "server/server_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/table.h"
#include "pcn/validate.h"
#include "util/common.h"

struct snap_ref {
    struct pcn_snapshot *snap;
    int64_t version;
    int refs; /* guarded by pcn__engine.lock */
};

struct pcn__engine {
    pthread_mutex_t lock;       /* guards cur and refs */
    pthread_mutex_t build_lock; /* one snapshot build at a time */
    pthread_mutex_t save_lock;  /* one snapshot file save at a time */
    struct snap_ref *cur;
    struct snap_ref *unsaved; /* held: built by a request, for the refresher to save */
    char defs[4096];
    char snapshot_file[1024]; /* "" = none */
    /* the warm-up thread (pcn__engine_warm); stop makes a store walk give up */
    atomic_int stop;
    atomic_int building;  /* a snapshot build is running (for GET /health) */
    pthread_cond_t wake;  /* with lock: wakes the refresher at shutdown */
    int64_t refresh_usec; /* between the refresher's looks at the data version; 0: once */
    pthread_t warm;
    bool warm_started;
    char warm_db[1024];
    /*
     * The registers of the standard library, compiled once, for the patient
     * view. A program is evaluated by one thread at a time: reg_lock.
     */
    pthread_mutex_t reg_lock;
    struct pcn_program *registers;
};

static void ref_drop_locked(struct snap_ref *ref)
{
    if (ref && --ref->refs == 0) {
        pcn_snapshot_free(ref->snap);
        pcn_free(ref);
    }
}

enum pcn_err pcn__engine_new(const char *defs_dir, const char *snapshot_file,
                             struct pcn__engine **ret)
{
    struct pcn__engine *e = pcn_calloc(1, sizeof(*e));

    if (!e)
        return PCN_ENOMEM;
    if (snapshot_file)
        (void)snprintf(e->snapshot_file, sizeof(e->snapshot_file), "%s", snapshot_file);
    atomic_init(&e->stop, 0);
    atomic_init(&e->building, 0);
    (void)pthread_cond_init(&e->wake, NULL);
    if (defs_dir && *defs_dir)
        (void)snprintf(e->defs, sizeof(e->defs), "%s", defs_dir);
    else if (pcn_data_path("defs", e->defs, sizeof(e->defs)) != PCN_OK)
        e->defs[0] = '\0';
    (void)pthread_mutex_init(&e->lock, NULL);
    (void)pthread_mutex_init(&e->build_lock, NULL);
    (void)pthread_mutex_init(&e->save_lock, NULL);
    (void)pthread_mutex_init(&e->reg_lock, NULL);
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
    pcn_program_free(e->registers);
    (void)pthread_mutex_destroy(&e->reg_lock);
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

/*
 * The warm-up and refresher thread: the current data's snapshot at start,
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

/* Evaluate `select` and render JSON into out. Replies on failure and returns false. */
static bool evaluate(struct pcn__request *r, const char *select, struct pcn_eval_options *o,
                     int64_t version, struct pcn_buf *out)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_results *res = NULL;
    struct snap_ref *ref = NULL;
    struct pcn_error err = {PCN_OK, ""};
    enum pcn_err rc = p ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_program_load_dir(p, r->srv->engine->defs, 0, &err);
    if (rc == PCN_OK && pcn_program_select(p, select, &err) != PCN_OK) {
        pcn_program_free(p);
        pcn__reply_error(r, 404, "not_found", "%s", err.msg);
        return false;
    }
    if (rc == PCN_OK)
        rc = acquire_snapshot(r, version, &ref, &err);
    if (rc == PCN_OK && !ref)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = pcn_program_eval(p, ref->snap, o, &res, &err);
    if (rc == PCN_OK)
        rc = pcn_results_render(res, PCN_FORMAT_JSON, out);
    pcn_results_free(res);
    if (ref)
        release_snapshot(r->srv->engine, ref);
    pcn_program_free(p);
    if (rc == PCN_ETIMEDOUT) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (rc != PCN_OK) {
        pcn__log("engine: %s", pcn_err_name(rc)); /* err.msg may quote definitions only */
        pcn__reply_error(r, rc == PCN_ENOMEM ? 503 : 500,
                         rc == PCN_ENOMEM ? "unavailable" : "internal", "the engine failed: %s",
                         pcn_err_str(rc));
        return false;
    }
    return true;
}

/*
 * The engine's results for (select, as_of, by, suppress) as parsed JSON,
 * from the cache when the data has not changed. NULL after replying.
 * The caller releases the result with json_decref().
 */
static json_t *engine_results(struct pcn__request *r, const char *select,
                              struct pcn_eval_options *o)
{
    struct pcn_buf out;
    const char *key;
    const char *body;
    size_t len = 0;
    int64_t version = 0;
    json_t *j;
    enum pcn_err rc = pcn_store_data_version(r->store, &version);

    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        return NULL;
    }
    key =
        pcn_arena_printf(r->arena, "engine|%s|%d|%u|%d", select, (int)o->as_of, o->by, o->suppress);
    body = key ? pcn__cache_get(r->srv->cache, &r->srv->lock, key, version, r->arena, &len) : NULL;
    pcn_buf_init(&out, (size_t)1 << 30);
    if (!body) {
        if (!evaluate(r, select, o, version, &out)) {
            pcn_buf_release(&out);
            return NULL;
        }
        body = out.buf;
        len = out.len;
        if (key)
            pcn__cache_put(r->srv->cache, &r->srv->lock, key, version, body, len);
    }
    j = json_loadb(body, len, 0, NULL);
    pcn_buf_release(&out);
    if (!j)
        pcn__reply_error(r, 500, "internal", "the engine's output is not JSON");
    return j;
}

/* as_of and by parameters; replies and returns false when bad. */
static bool eval_options(struct pcn__request *r, struct pcn_eval_options *o)
{
    const char *by = pcn__query(r, "by");
    struct pcn_error err;

    memset(o, 0, sizeof(*o));
    o->threads = 1; /* the workers are the parallelism */
    o->deadline = r->deadline;
    if (!pcn__query_date(r, "as_of", &o->as_of))
        return false;
    if (by && pcn_by_parse(by, &o->by, &err) != PCN_OK) {
        pcn__reply_error(r, 400, "invalid_parameter", "by: %s", err.msg);
        return false;
    }
    if (pcn_role_is_aggregate_only(r->who.role))
        o->suppress = r->srv->cfg.suppress_below;
    return true;
}

static bool name_is_plain(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    }
    return n > 0 && n <= 64;
}

/*
 * Aggregate results without any worklist (patient-level) result, a page of
 * them (limit, offset) with their total.
 */
static int reply_report(struct pcn__request *r, const char *select)
{
    static const char *const params[] = {"as_of", "by", "limit", "offset", NULL};
    struct pcn_eval_options o;
    int64_t limit;
    int64_t offset;
    int64_t seen = 0;
    json_t *j;
    json_t *kept;
    json_t *item;
    size_t i;

    if (!pcn__check_query(r, params) || !eval_options(r, &o) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &offset))
        return 0;
    if (!select || !name_is_plain(select))
        return pcn__reply_error(r, 404, "not_found", "no such report");
    j = engine_results(r, select, &o);
    if (!j)
        return 0;
    kept = json_array();
    json_array_foreach(json_object_get(j, "results"), i, item)
    {
        const char *kind = json_string_value(json_object_get(item, "kind"));
        if (!kind || strcmp(kind, "worklist") == 0)
            continue;
        seen++;
        if (kept && seen > offset && seen <= offset + limit)
            (void)json_array_append(kept, item);
    }
    if (!kept || seen == 0) {
        json_decref(kept);
        json_decref(j);
        return pcn__reply_error(r, 404, "not_found",
                                "'%s' has no aggregate results (worklists are under "
                                "/api/v1/worklists/)",
                                select);
    }
    if (json_object_set_new(j, "results", kept) != 0 ||
        json_object_set_new(j, "total", json_integer(seen)) != 0 ||
        json_object_set_new(j, "limit", json_integer(limit)) != 0 ||
        json_object_set_new(j, "offset", json_integer(offset)) != 0) {
        json_decref(j);
        j = NULL;
    }
    return pcn__reply_json(r, 200, j);
}

int pcn__api_report(struct pcn__request *r)
{
    return reply_report(r, pcn__param(r, 0));
}

int pcn__api_indicators(struct pcn__request *r)
{
    return reply_report(r, "indicators");
}

/* ---- worklists ---- */

/* The worklists of the definitions: a "worklists" table of name and title. */
static enum pcn_err worklist_table(const struct pcn__engine *e, struct pcn_table **ret,
                                   struct pcn_error *err)
{
    static const char *const names[] = {"name", "title"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT};
    struct pcn_program *p = pcn_program_new();
    struct pcn_table *t = pcn_table_new("worklists", 2, names, types);
    enum pcn_err rc = p && t ? pcn_program_load_dir(p, e->defs, 0, err) : PCN_ENOMEM;

    for (size_t i = 0; rc == PCN_OK && i < pcn_program_def_count(p); i++) {
        const char *kind = NULL;
        const char *name = NULL;
        const char *title = NULL;
        rc = pcn_program_def_info(p, i, &kind, &name, &title);
        if (rc != PCN_OK || strcmp(kind, "worklist") != 0)
            continue;
        rc = pcn_table_add_row(t);
        if (rc == PCN_OK)
            rc = pcn_table_set_text(t, 0, name);
        if (rc == PCN_OK)
            rc = pcn_table_set_text(t, 1, title ? title : name);
    }
    pcn_program_free(p);
    if (rc != PCN_OK) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

int pcn__api_worklists(struct pcn__request *r)
{
    struct pcn_table *t = NULL;
    struct pcn_error err;
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    rc = worklist_table(r->srv->engine, &t, &err);
    if (rc != PCN_OK && rc != PCN_ENOMEM) {
        pcn__log("engine: %s", pcn_err_name(rc)); /* err.msg may quote definitions only */
        return pcn__reply_error(r, 500, "internal", "the definitions cannot be read");
    }
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:I}", "total", (json_int_t)(t ? pcn_table_rows(t) : 0)));
}

struct sort_spec {
    int col;  /* -2 patient_id, -1 practice, else the value column */
    int desc; /* 1 for descending */
};

static json_t *sort_value(json_t *row, const struct sort_spec *s)
{
    if (s->col == -2)
        return json_object_get(row, "patient_id");
    if (s->col == -1)
        return json_object_get(row, "practice");
    return json_array_get(json_object_get(row, "values"), (size_t)s->col);
}

static const char *text_of(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static void release_json(void *p)
{
    json_decref(p);
}

/* Nulls last; numbers by value; strings (dates are ISO) by bytes; then patient_id. */
static int compare_rows(const void *a, const void *b, void *ud)
{
    const struct sort_spec *s = ud;
    json_t *ra = *(json_t *const *)a;
    json_t *rb = *(json_t *const *)b;
    json_t *va = sort_value(ra, s);
    json_t *vb = sort_value(rb, s);
    int c = 0;

    if (!va || json_is_null(va) || !vb || json_is_null(vb))
        c = (!vb || json_is_null(vb)) - (!va || json_is_null(va));
    if (c)
        return -c;
    if (json_is_number(va) && json_is_number(vb))
        c = (json_number_value(va) > json_number_value(vb)) -
            (json_number_value(va) < json_number_value(vb));
    else if (json_is_string(va) && json_is_string(vb))
        c = strcmp(json_string_value(va), json_string_value(vb));
    if (s->desc)
        c = -c;
    if (c == 0)
        c = strcmp(text_of(json_object_get(ra, "patient_id")),
                   text_of(json_object_get(rb, "patient_id")));
    return c;
}

/* Index of the value column titled name, or -1. */
static int column_index(json_t *columns, const char *name)
{
    size_t i;
    json_t *c;

    json_array_foreach(columns, i, c)
    {
        if (json_is_string(c) && strcmp(json_string_value(c), name) == 0)
            return (int)i;
    }
    return -1;
}

static bool parse_sort(struct pcn__request *r, json_t *columns, struct sort_spec *ret)
{
    const char *sort = pcn__query(r, "sort");
    const char *order = pcn__query(r, "order");

    ret->col = -2;
    ret->desc = 0;
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        pcn__reply_error(r, 400, "invalid_parameter", "order must be asc or desc");
        return false;
    }
    ret->desc = order && strcmp(order, "desc") == 0;
    if (!sort || strcmp(sort, "patient_id") == 0)
        return true;
    if (strcmp(sort, "practice") == 0) {
        ret->col = -1;
        return true;
    }
    ret->col = column_index(columns, sort);
    if (ret->col >= 0)
        return true;
    pcn__reply_error(r, 400, "invalid_parameter", "sort: no column '%.64s'", sort);
    return false;
}

/* The filters of a worklist request (docs/api.md); unset members filter nothing. */
struct row_filter {
    const char *practice; /* ODS code */
    const char *patient;  /* text contained in patient_id, any case */
    int col;              /* value column of the range, -1 for none */
    bool is_date;         /* the range is of dates (day numbers), else numbers */
    bool has_min;
    bool has_max;
    double min;
    double max;
};

/* A range bound: a number, or a YYYY-MM-DD date as its day number. */
static bool parse_bound(const char *v, double *ret, bool *ret_is_date)
{
    int32_t day;

    if (pcn_date_parse(v, strlen(v), &day) == PCN_OK) {
        *ret = day;
        *ret_is_date = true;
        return true;
    }
    *ret_is_date = false;
    return pcn_parse_double(v, strlen(v), ret) == PCN_OK && isfinite(*ret);
}

/* What column col holds: "number", "date", "other", or NULL when it has no values. */
static const char *column_kind(json_t *rows, int col)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row)
    {
        json_t *v = json_array_get(json_object_get(row, "values"), (size_t)col);
        if (v && !json_is_null(v))
            return json_is_number(v) ? "number" : json_is_string(v) ? "date" : "other";
    }
    return NULL;
}

/* column, min and max; replies 400 and returns false when bad. */
static bool parse_range(struct pcn__request *r, json_t *wl, struct row_filter *f)
{
    const char *column = pcn__query(r, "column");
    const char *lo = pcn__query(r, "min");
    const char *hi = pcn__query(r, "max");
    bool lo_date = false;
    bool hi_date = false;
    const char *kind;

    f->col = -1;
    if (!column && !lo && !hi)
        return true;
    if (!column || (!lo && !hi)) {
        pcn__reply_error(r, 400, "invalid_parameter", "a range filter needs column and min or max");
        return false;
    }
    f->col = column_index(json_object_get(wl, "columns"), column);
    if (f->col < 0) {
        pcn__reply_error(r, 400, "invalid_parameter", "column: no column '%.64s'", column);
        return false;
    }
    f->has_min = lo != NULL;
    f->has_max = hi != NULL;
    if ((lo && !parse_bound(lo, &f->min, &lo_date)) ||
        (hi && !parse_bound(hi, &f->max, &hi_date)) || (lo && hi && lo_date != hi_date)) {
        pcn__reply_error(r, 400, "invalid_parameter",
                         "min and max must both be numbers or both dates (YYYY-MM-DD)");
        return false;
    }
    f->is_date = lo ? lo_date : hi_date;
    if (lo && hi && f->min > f->max) {
        pcn__reply_error(r, 400, "invalid_parameter", "min is greater than max");
        return false;
    }
    kind = column_kind(json_object_get(wl, "rows"), f->col);
    if (kind && strcmp(kind, f->is_date ? "date" : "number") != 0) {
        pcn__reply_error(r, 400, "invalid_parameter", "column '%.64s' holds %s values, not %ss",
                         column, kind, f->is_date ? "date" : "number");
        return false;
    }
    return true;
}

/* practice, patient and the range; replies 400 and returns false when bad. */
static bool parse_filter(struct pcn__request *r, json_t *wl, const char *practice,
                         struct row_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->practice = practice;
    f->patient = pcn__query(r, "patient");
    if (practice && !pcn_ods_is_valid(PCN_ODS_PRACTICE, practice, strlen(practice))) {
        pcn__reply_error(r, 400, "invalid_parameter", "practice: not a practice ODS code");
        return false;
    }
    if (f->patient && (f->patient[0] == '\0' || strlen(f->patient) > 64)) {
        pcn__reply_error(r, 400, "invalid_parameter", "patient: 1 to 64 characters");
        return false;
    }
    return parse_range(r, wl, f);
}

static bool row_passes(json_t *row, const struct row_filter *f)
{
    const char *p = json_string_value(json_object_get(row, "practice"));
    const char *id = json_string_value(json_object_get(row, "patient_id"));
    json_t *v;
    double x;
    int32_t day;

    if (f->practice && (!p || strcmp(p, f->practice) != 0))
        return false;
    if (f->patient && (!id || !strcasestr(id, f->patient)))
        return false;
    if (f->col < 0)
        return true;
    v = json_array_get(json_object_get(row, "values"), (size_t)f->col);
    if (f->is_date) {
        const char *s = json_string_value(v);
        if (!s || pcn_date_parse(s, strlen(s), &day) != PCN_OK)
            return false;
        x = day;
    } else {
        if (!json_is_number(v))
            return false;
        x = json_number_value(v);
    }
    return (!f->has_min || x >= f->min) && (!f->has_max || x <= f->max);
}

/* Rows of the worklist that pass the filters, sorted. */
static json_t *select_rows(struct pcn__request *r, json_t *wl, const struct row_filter *f,
                           const struct sort_spec *s)
{
    json_t *rows = json_array();
    json_t *row;
    size_t i;

    json_array_foreach(json_object_get(wl, "rows"), i, row)
    {
        if (rows && row_passes(row, f) && json_array_append(rows, row) != 0) {
            json_decref(rows);
            return NULL;
        }
    }
    if (!rows)
        return NULL;
    size_t n = json_array_size(rows);
    json_t **v = pcn_arena_calloc(r->arena, n ? n : 1, sizeof(json_t *));
    if (!v) {
        json_decref(rows);
        return NULL;
    }
    for (i = 0; i < n; i++)
        v[i] = json_array_get(rows, i);
    qsort_r(v, n, sizeof(json_t *), compare_rows, (void *)s);
    json_t *sorted = json_array();
    for (i = 0; sorted && i < n; i++)
        (void)json_array_append(sorted, v[i]);
    json_decref(rows);
    return sorted;
}

static void csv_field(struct pcn_buf *b, json_t *v)
{
    char num[64];
    const char *s = num;

    if (!v || json_is_null(v))
        s = "";
    else if (json_is_integer(v))
        (void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        (void)snprintf(num, sizeof(num), "%.6g", json_real_value(v));
    else if (json_is_true(v) || json_is_false(v))
        s = json_is_true(v) ? "true" : "false";
    else
        s = json_string_value(v) ? json_string_value(v) : "";
    if (strpbrk(s, ",\"\r\n")) {
        (void)pcn_buf_addch(b, '"');
        for (; *s; s++) {
            if (*s == '"')
                (void)pcn_buf_addch(b, '"');
            (void)pcn_buf_addch(b, *s);
        }
        (void)pcn_buf_addch(b, '"');
    } else {
        (void)pcn_buf_adds(b, s);
    }
}

static int reply_csv(struct pcn__request *r, const char *name, json_t *columns, json_t *page)
{
    struct pcn_buf b;
    size_t i;
    json_t *c;
    json_t *row;
    char *body;

    pcn_buf_init(&b, (size_t)256 << 20);
    (void)pcn_buf_adds(&b, "key,patient_id,practice");
    json_array_foreach(columns, i, c)
    {
        (void)pcn_buf_addch(&b, ',');
        csv_field(&b, c);
    }
    (void)pcn_buf_adds(&b, "\r\n");
    json_array_foreach(page, i, row)
    {
        size_t k;
        json_t *v;
        csv_field(&b, json_object_get(row, "key"));
        (void)pcn_buf_addch(&b, ',');
        csv_field(&b, json_object_get(row, "patient_id"));
        (void)pcn_buf_addch(&b, ',');
        csv_field(&b, json_object_get(row, "practice"));
        json_array_foreach(json_object_get(row, "values"), k, v)
        {
            (void)pcn_buf_addch(&b, ',');
            csv_field(&b, v);
        }
        (void)pcn_buf_adds(&b, "\r\n");
    }
    body = pcn_arena_strndup(r->arena, b.buf, b.len);
    pcn_buf_release(&b);
    if (!body)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    r->disposition = pcn_arena_printf(r->arena, "attachment; filename=\"%s.csv\"", name);
    return pcn__reply_raw(r, 200, "text/csv; charset=utf-8", body, strlen(body));
}

/* Add the store key of each row's patient, for the patient view. */
static void add_keys(struct pcn__request *r, json_t *page)
{
    size_t i;
    json_t *row;

    json_array_foreach(page, i, row)
    {
        int64_t key = 0;
        const char *pid = json_string_value(json_object_get(row, "patient_id"));
        (void)json_object_set_new(row, "key",
                                  pid && pcn_store_find_patient(r->store, pid, &key) == PCN_OK
                                      ? json_integer(key)
                                      : json_null());
    }
}

static json_t *find_worklist(json_t *j, const char *name)
{
    size_t i;
    json_t *item;

    json_array_foreach(json_object_get(j, "results"), i, item)
    {
        const char *kind = json_string_value(json_object_get(item, "kind"));
        const char *n = json_string_value(json_object_get(item, "name"));
        if (kind && n && strcmp(kind, "worklist") == 0 && strcmp(n, name) == 0)
            return item;
    }
    return NULL;
}

int pcn__api_worklist(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", "practice", "patient", "column", "min",    "max",
                                         "sort",  "order",    "limit",   "offset", "format", NULL};
    const char *name = pcn__param(r, 0);
    const char *practice = pcn__query(r, "practice");
    const char *format = pcn__query(r, "format");
    struct pcn_eval_options o;
    struct sort_spec sort;
    struct row_filter filter;
    int64_t limit;
    int64_t offset;
    json_t *j;
    json_t *wl;

    r->object_type = "worklist";
    r->object_id = name;
    if (!pcn__check_query(r, params) || !eval_options(r, &o) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &offset))
        return 0;
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return pcn__reply_error(r, 400, "invalid_parameter", "format must be json or csv");
    if (!name || !name_is_plain(name))
        return pcn__reply_error(r, 404, "not_found", "no such worklist");
    if (r->who.role == PCN_ROLE_PRACTICE_MANAGER) {
        if (practice && (!r->who.practice || strcmp(practice, r->who.practice) != 0))
            return pcn__reply_error(r, 403, "forbidden",
                                    "practice managers see their own "
                                    "practice's patients only");
        practice = r->who.practice;
    }
    j = engine_results(r, name, &o);
    if (!j)
        return 0;
    if (pcn_arena_on_cleanup(r->arena, release_json, j) != PCN_OK) {
        json_decref(j);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    wl = find_worklist(j, name);
    if (!wl)
        return pcn__reply_error(r, 404, "not_found", "'%s' is not a worklist", name);
    if (!parse_sort(r, json_object_get(wl, "columns"), &sort) ||
        !parse_filter(r, wl, practice, &filter))
        return 0;
    json_t *rows = select_rows(r, wl, &filter, &sort);
    json_t *page = json_array();
    for (int64_t i = offset;
         rows && page && i < offset + limit && i < (int64_t)json_array_size(rows); i++)
        (void)json_array_append(page, json_array_get(rows, (size_t)i));
    if (!rows || !page) {
        json_decref(rows);
        json_decref(page);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    add_keys(r, page);
    json_t *total = json_integer((json_int_t)json_array_size(rows));
    json_decref(rows);
    if (format && strcmp(format, "csv") == 0) {
        json_decref(total);
        int rc = reply_csv(r, name, json_object_get(wl, "columns"), page);
        json_decref(page);
        return rc;
    }
    return pcn__reply_json(
        r, 200,
        json_pack(
            "{s:s,s:s,s:O,s:O,s:O,s:o,s:o,s:I,s:I}", "kind", "worklist", "name", name, "title",
            json_object_get(wl, "title") ? json_object_get(wl, "title") : json_null(), "as_of",
            json_object_get(j, "as_of"), "columns", json_object_get(wl, "columns"), "rows", page,
            "total", total, "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

/* ---- one patient's registers (patient view) ---- */

struct one_patient {
    struct pcn_snapshot *snap;
    int64_t key;
    enum pcn_err rc;
};

static int add_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_patient(o->snap, key, p);
    return o->rc != PCN_OK;
}

static int add_event(int64_t key, const struct pcn_event *ev, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_event(o->snap, key, ev);
    return o->rc != PCN_OK;
}

static int add_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_medication(o->snap, key, m);
    return o->rc != PCN_OK;
}

/* A snapshot holding only patient `key`, from the store. */
static enum pcn_err one_patient_snapshot(struct pcn_store *st, int64_t key,
                                         struct pcn_snapshot **ret)
{
    struct one_patient o = {.key = key};
    enum pcn_err rc = pcn_snapshot_new(NULL, &o.snap);

    if (rc == PCN_OK)
        rc = pcn_store_get_patient(st, key, add_patient, &o);
    if (rc == PCN_OK && o.rc == PCN_OK)
        rc = pcn_store_patient_events(st, key, add_event, &o);
    if (rc == PCN_OK && o.rc == PCN_OK)
        rc = pcn_store_patient_medications(st, key, add_medication, &o);
    if (rc == PCN_OK)
        rc = o.rc;
    if (rc == PCN_OK)
        rc = pcn_snapshot_finish(o.snap);
    if (rc != PCN_OK) {
        pcn_snapshot_free(o.snap);
        return rc;
    }
    *ret = o.snap;
    return PCN_OK;
}

/* The registers program, compiled on first use. Called with reg_lock held. */
static enum pcn_err registers_program(struct pcn__engine *e, struct pcn_error *err)
{
    struct pcn_program *p;
    enum pcn_err rc;

    if (e->registers)
        return PCN_OK;
    p = pcn_program_new();
    if (!p)
        return PCN_ENOMEM;
    rc = pcn_program_load_dir(p, e->defs, 0, err);
    if (rc == PCN_OK)
        rc = pcn_program_select(p, "registers", err);
    if (rc != PCN_OK) {
        pcn_program_free(p);
        return rc;
    }
    e->registers = p;
    return PCN_OK;
}

/* Append {"name", "title"} of each register the snapshot's one patient is on. */
static enum pcn_err collect_registers(const struct pcn_program *p, const struct pcn_results *res,
                                      json_t *out)
{
    for (size_t i = 0; i < pcn_program_def_count(p); i++) {
        const char *kind = NULL;
        const char *name = NULL;
        const char *title = NULL;
        int64_t count = 0;
        if (pcn_program_def_info(p, i, &kind, &name, &title) != PCN_OK ||
            strcmp(kind, "register") != 0)
            continue;
        if (pcn_results_total(res, name, "count", &count) != PCN_OK || count <= 0)
            continue;
        if (json_array_append_new(
                out, json_pack("{s:s,s:s}", "name", name, "title", title ? title : name)) != 0)
            return PCN_ENOMEM;
    }
    return PCN_OK;
}

enum pcn_err pcn__patient_registers(struct pcn__request *r, int64_t key, int32_t as_of,
                                    json_t **ret)
{
    struct pcn__engine *e = r->srv->engine;
    struct pcn_snapshot *snap = NULL;
    struct pcn_results *res = NULL;
    struct pcn_eval_options o = {.as_of = as_of, .threads = 1, .deadline = r->deadline};
    struct pcn_error err;
    json_t *out = json_array();
    enum pcn_err rc;

    if (!out)
        return PCN_ENOMEM;
    rc = one_patient_snapshot(r->store, key, &snap);
    if (rc != PCN_OK)
        goto out;
    (void)pthread_mutex_lock(&e->reg_lock);
    rc = registers_program(e, &err);
    if (rc == PCN_OK)
        rc = pcn_program_eval(e->registers, snap, &o, &res, &err);
    if (rc == PCN_OK)
        rc = collect_registers(e->registers, res, out);
    pcn_results_free(res);
    (void)pthread_mutex_unlock(&e->reg_lock);
out:
    pcn_snapshot_free(snap);
    if (rc != PCN_OK) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return PCN_OK;
}
