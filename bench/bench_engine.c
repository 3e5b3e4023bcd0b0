/*
 * bench_engine.c - times the engine on a synthetic population built in
 * memory: N patients (default 1,000,000) with about 40 events each, codes
 * drawn from the standard library's own code lists (so every definition
 * finds work) plus a long tail of unrelated codes. Reports snapshot build
 * time and memory, the whole standard library by practice, and the
 * slowest single report on a 50,000-patient network.
 *
 * usage: bench_engine [N_PATIENTS] [DEFS_DIR]
 *        bench_engine --db FILE [DEFS_DIR]   (a population from a store: load
 *        time, then warm CPU time of each definition on it)
 *        bench_engine --bundle N_PATIENTS DIR   (the same population written as
 *        a native CSV bundle DIR for the SQL peers, and as the snapshot file
 *        DIR/engine.snap)
 *        bench_engine --peer SNAPSHOT OUT_CSV REPEAT NAME...   (load the
 *        snapshot file, evaluate the named definitions by practice: each on
 *        its own, best of REPEAT warm runs, then all together, cold and warm;
 *        counts to OUT_CSV; bench/peers.sh compares them with SQLite and DuckDB;
 *        the patients each definition visited to stderr. PCN_BENCH_SPARSE=-1|0|1
 *        sets pcn_eval_options.sparse (-1: visit everyone, to compare) and
 *        PCN_BENCH_THREADS=N the threads)
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "pcn/buf.h"
#include "pcn/bundle.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/store.h"
#include "util/common.h"

/* xorshift64*: deterministic, fast; quality is not a concern here. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

static double msec(pcn_usec_t a, pcn_usec_t b)
{
    return (double)(b - a) / 1000.0;
}

/* CPU time of this thread: wall time is unreliable on a shared machine. */
static pcn_usec_t cpu_usec(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (pcn_usec_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int load(struct pcn_program **ret, const char *dir)
{
    struct pcn_error err;
    struct pcn_program *p = pcn_program_new();

    if (!p || pcn_program_load_dir(p, dir, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", p ? err.msg : "out of memory");
        pcn_program_free(p);
        return 1;
    }
    *ret = p;
    return 0;
}

/* Where build() sends each record: the snapshot, and a bundle when out is set. */
struct target {
    struct pcn_snapshot *s;
    const struct pcn_sink *out; /* NULL: snapshot only */
};

static int put_patient(struct target *t, int64_t key, struct pcn_patient *p)
{
    struct pcn_error err;

    if (pcn_snapshot_add_patient(t->s, key, p) != PCN_OK)
        return 1;
    return t->out && t->out->ops->patient(t->out->ctx, p, &err) != PCN_OK;
}

static int put_event(struct target *t, int64_t key, struct pcn_event *e)
{
    struct pcn_error err;

    if (pcn_snapshot_add_event(t->s, key, e) != PCN_OK)
        return 1;
    return t->out && t->out->ops->event(t->out->ctx, e, &err) != PCN_OK;
}

static int put_medication(struct target *t, int64_t key, struct pcn_medication *m)
{
    struct pcn_error err;

    if (pcn_snapshot_add_medication(t->s, key, m) != PCN_OK)
        return 1;
    return t->out && t->out->ops->medication(t->out->ctx, m, &err) != PCN_OK;
}

/*
 * Build a population of n patients in practices of 10,000 patients; every
 * record also goes to out when it is not NULL (the bundle of the peers).
 */
static struct pcn_snapshot *build_to(const struct pcn_program *prog, uint32_t n, int32_t as_of,
                                     const struct pcn_sink *out)
{
    struct target t = {NULL, out};
    char id[32], practice[16], code[32];
    size_t n_lists = prog->n_codelists;

    if (pcn_snapshot_new(NULL, &t.s) != PCN_OK)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        struct pcn_patient p = {0};
        (void)snprintf(id, sizeof(id), "P%07" PRIu32, i);
        (void)snprintf(practice, sizeof(practice), "B%05" PRIu32, i / 10000);
        p.patient_id = id;
        p.practice = practice;
        p.date_of_birth = as_of - (int32_t)below(95 * 365);
        p.sex = below(2) ? PCN_SEX_MALE : PCN_SEX_FEMALE;
        p.registered_from = p.date_of_birth;
        p.registered_to = PCN_DATE_NONE;
        p.date_of_death = below(100) == 0 ? as_of - (int32_t)below(3000) : PCN_DATE_NONE;
        if (p.date_of_death != PCN_DATE_NONE && p.date_of_death < p.date_of_birth)
            p.date_of_death = p.date_of_birth;
        p.ethnicity = "A";
        if (put_patient(&t, i + 1, &p))
            goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        int32_t dob = t.s->dob[i];
        (void)snprintf(id, sizeof(id), "P%07" PRIu32, i);
        /* a long tail of unrelated codes */
        for (int k = 0; k < 24; k++) {
            struct pcn_event e = {.kind = PCN_EVENT_OBSERVATION, .system = "snomed"};
            (void)snprintf(code, sizeof(code), "X%" PRIu32, below(20000));
            e.patient_id = id;
            e.code = code;
            e.date = dob + (int32_t)below((uint32_t)(as_of - dob + 1));
            e.end_date = PCN_DATE_NONE;
            e.has_value = below(2);
            e.value = 20 + below(150);
            if (put_event(&t, i + 1, &e))
                goto fail;
        }
        /* events from the library's code lists: about 10 per patient */
        for (int k = 0; k < 10; k++) {
            const struct codelist *cl = &prog->codelists[below((uint32_t)n_lists)];
            struct pcn_event e = {.kind = PCN_EVENT_CONDITION, .system = "snomed"};
            if (cl->builtin || cl->n_codes == 0)
                continue;
            e.patient_id = id;
            e.code = cl->codes[below((uint32_t)cl->n_codes)];
            e.date = as_of - (int32_t)below((uint32_t)PCN_MIN(as_of - dob + 1, 3650));
            e.end_date = PCN_DATE_NONE;
            e.has_value = 1;
            e.value = 30 + below(140);
            if (put_event(&t, i + 1, &e))
                goto fail;
        }
        for (int k = 0; k < 6; k++) {
            struct pcn_medication m = {.system = "dmd"};
            (void)snprintf(code, sizeof(code), "drug%" PRIu32, below(300));
            m.patient_id = id;
            m.code = code;
            m.start_date = as_of - (int32_t)below(730);
            m.end_date = PCN_DATE_NONE;
            if (put_medication(&t, i + 1, &m))
                goto fail;
        }
    }
    if (pcn_snapshot_finish(t.s) != PCN_OK)
        goto fail;
    return t.s;
fail:
    pcn_snapshot_free(t.s);
    return NULL;
}

static struct pcn_snapshot *build(const struct pcn_program *prog, uint32_t n, int32_t as_of)
{
    return build_to(prog, n, as_of, NULL);
}

static double last_wall_ms;

/* Patients the last evaluation visited (sparse.h). */
static uint32_t last_visited;

static int eval_once(struct pcn_program *p, const struct pcn_snapshot *s,
                     const struct pcn_eval_options *o, double *ret_ms)
{
    struct pcn_results *r = NULL;
    struct pcn_error err;
    pcn_usec_t w0 = pcn_monotonic_usec();
    pcn_usec_t t0 = cpu_usec();

    if (pcn_program_eval(p, s, o, &r, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    *ret_ms = msec(t0, cpu_usec());
    last_wall_ms = msec(w0, pcn_monotonic_usec());
    last_visited = r->n_visited;
    pcn_results_free(r);
    return 0;
}

/* The slowest single definition on snapshot s. */
static int slowest_report(struct pcn_program *p, const struct pcn_snapshot *s,
                          const struct pcn_eval_options *o)
{
    double worst = 0, worst_wall = 0, ms = 0;
    const char *worst_name = "";
    struct pcn_error err;

    for (size_t i = 0; i < p->n_defs; i++) {
        const char *name = p->defs[i].name;
        if (pcn_program_select(p, name, &err) != PCN_OK || eval_once(p, s, o, &ms) ||
            eval_once(p, s, o, &ms))
            return 1;
        if (ms > worst) {
            worst = ms;
            worst_name = name;
        }
        worst_wall = PCN_MAX(worst_wall, last_wall_ms);
        if (getenv("BENCH_VERBOSE"))
            printf("  %-20s %7.2f ms CPU\n", name, ms);
    }
    printf("slowest single report, warm (%zu definitions): %s %.2f ms CPU; slowest wall %.2f ms\n",
           p->n_defs, worst_name, worst, worst_wall);
    return pcn_program_select(p, "all", &err) != PCN_OK;
}

/* Load a store's population and time every definition on it (warm). */
static int bench_store(const char *db, const char *dir)
{
    struct pcn_store *st = NULL;
    struct pcn_snapshot *s = NULL;
    struct pcn_program *p = NULL;
    struct pcn_eval_options o = {0};
    struct pcn_error err;
    double ms = 0, total = 0;
    pcn_usec_t t0;
    int rc = 1;

    if (pcn_date_from_ymd(2025, 3, 31, &o.as_of) != PCN_OK || load(&p, dir))
        return 1;
    if (pcn_store_open(db, PCN_STORE_FLAG_READONLY, &st, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        goto out;
    }
    t0 = cpu_usec();
    if (pcn_snapshot_from_store(st, &s, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        goto out;
    }
    printf("snapshot from %s: %zu patients, %zu records, %.1f ms CPU\n", db,
           pcn_snapshot_patient_count(s), pcn_snapshot_event_count(s), msec(t0, cpu_usec()));
    for (size_t i = 0; i < p->n_defs; i++) {
        const char *name = p->defs[i].name;
        if (pcn_program_select(p, name, &err) != PCN_OK || eval_once(p, s, &o, &ms) ||
            eval_once(p, s, &o, &ms))
            goto out;
        total += ms;
        printf("  %-20s %7.2f ms CPU\n", name, ms);
    }
    if (pcn_program_select(p, "all", &err) != PCN_OK || eval_once(p, s, &o, &ms))
        goto out;
    printf("whole standard library at once: %.1f ms CPU (sum of single reports %.1f ms)\n", ms,
           total);
    rc = 0;
out:
    pcn_snapshot_free(s);
    pcn_store_close(st);
    pcn_program_free(p);
    return rc;
}

/* Write the n-patient population as a CSV bundle and a snapshot file in dir. */
static int bench_bundle(uint32_t n, const char *dir, const char *defs)
{
    struct pcn_program *p = NULL;
    struct pcn_bundle_writer *w = NULL;
    struct pcn_snapshot *s = NULL;
    struct pcn_sink sink;
    struct pcn_error err;
    int32_t as_of = 0;
    char path[4096];
    pcn_usec_t t0 = pcn_monotonic_usec();
    enum pcn_err rc;

    if (pcn_date_from_ymd(2025, 3, 31, &as_of) != PCN_OK || load(&p, defs))
        return 1;
    if (pcn_bundle_writer_open(dir, &w, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        pcn_program_free(p);
        return 1;
    }
    pcn_bundle_writer_sink(w, &sink);
    s = build_to(p, n, as_of, &sink);
    rc = pcn_bundle_writer_close(w, &err);
    if (!s || rc != PCN_OK) {
        fprintf(stderr, "bench: %s\n", s ? err.msg : "building the population failed");
        goto fail;
    }
    (void)snprintf(path, sizeof(path), "%s/engine.snap", dir);
    if (pcn_snapshot_save(s, path, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        goto fail;
    }
    printf("population: %zu patients, %zu records, written to %s in %.1f s\n",
           pcn_snapshot_patient_count(s), pcn_snapshot_event_count(s), dir,
           msec(t0, pcn_monotonic_usec()) / 1000);
    pcn_snapshot_free(s);
    pcn_program_free(p);
    return 0;
fail:
    pcn_snapshot_free(s);
    pcn_program_free(p);
    return 1;
}

/* Mark exactly the named definitions for output. */
static int select_names(struct pcn_program *p, char **names, int n_names)
{
    for (size_t i = 0; i < p->n_defs; i++)
        p->defs[i].output = false;
    for (int k = 0; k < n_names; k++) {
        size_t i = 0;
        while (i < p->n_defs && strcmp(p->defs[i].name, names[k]) != 0)
            i++;
        if (i == p->n_defs) {
            fprintf(stderr, "bench: no definition '%s'\n", names[k]);
            return 1;
        }
        p->defs[i].output = true;
    }
    return 0;
}

/* Evaluate by practice; wall and CPU ms of the best of `repeat` runs. */
static int best_of(struct pcn_program *p, const struct pcn_snapshot *s,
                   const struct pcn_eval_options *o, int repeat, double *ret_wall, double *ret_cpu)
{
    double cpu = 0;

    *ret_wall = *ret_cpu = 1e18;
    for (int k = 0; k < repeat; k++) {
        if (eval_once(p, s, o, &cpu))
            return 1;
        *ret_wall = PCN_MIN(*ret_wall, last_wall_ms);
        *ret_cpu = PCN_MIN(*ret_cpu, cpu);
    }
    return 0;
}

/*
 * The engine's side of bench/peers.sh: the snapshot file loaded (timed),
 * then the named definitions by practice. Times are printed as CSV lines
 * "engine,NAME,wall_ms,cpu_ms" (NAME "(all)" for the set evaluated
 * together, "(all, cold)" for its first run, which builds the code-list
 * indexes); the counts of the set go to out as `pcn` CSV, and those of
 * each definition evaluated on its own (sparse where it can be, where the
 * set is dense) to out.single.
 */
static int bench_peer(const char *snap, const char *out, int repeat, char **names, int n_names,
                      const char *defs)
{
    struct pcn_program *p = NULL;
    struct pcn_snapshot *s = NULL;
    struct pcn_results *r = NULL;
    struct pcn_eval_options o = {0};
    struct pcn_buf csv = PCN_BUF_INIT;
    struct pcn_error err;
    double wall = 0, cpu = 0;
    pcn_usec_t w0, c0;
    FILE *f = NULL;
    char single[4096];
    int rc = 1;

    o.by = PCN_BY_PRACTICE;
    /* PCN_BENCH_SPARSE=-1|0|1 (struct pcn_eval_options); PCN_BENCH_THREADS=N: N threads */
    o.sparse = getenv("PCN_BENCH_SPARSE") ? (int)strtol(getenv("PCN_BENCH_SPARSE"), NULL, 10) : 0;
    o.threads =
        getenv("PCN_BENCH_THREADS") ? (int)strtol(getenv("PCN_BENCH_THREADS"), NULL, 10) : 0;
    if (pcn_date_from_ymd(2025, 3, 31, &o.as_of) != PCN_OK || load(&p, defs) ||
        select_names(p, names, n_names))
        goto out;
    w0 = pcn_monotonic_usec();
    c0 = cpu_usec();
    if (pcn_snapshot_load(snap, &s, &err) != PCN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        goto out;
    }
    printf("engine,(snapshot load),%.3f,%.3f\n", msec(w0, pcn_monotonic_usec()),
           msec(c0, cpu_usec()));
    if (eval_once(p, s, &o, &cpu))
        goto out;
    printf("engine,(all; cold),%.3f,%.3f\n", last_wall_ms, cpu);
    if (best_of(p, s, &o, repeat, &wall, &cpu))
        goto out;
    printf("engine,(all),%.3f,%.3f\n", wall, cpu);
    if (pcn_program_eval(p, s, &o, &r, &err) != PCN_OK ||
        pcn_results_render(r, PCN_FORMAT_CSV, &csv) != PCN_OK) {
        fprintf(stderr, "bench: evaluation failed\n");
        goto out;
    }
    f = fopen(out, "we");
    if (!f || fwrite(csv.buf, 1, csv.len, f) != csv.len) {
        fprintf(stderr, "bench: cannot write %s\n", out);
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    pcn_results_free(r);
    r = NULL;
    pcn_buf_reset(&csv);
    for (int k = 0; k < n_names; k++) {
        size_t header = csv.len;
        if (select_names(p, names + k, 1) || best_of(p, s, &o, repeat, &wall, &cpu))
            goto out;
        printf("engine,%s,%.3f,%.3f\n", names[k], wall, cpu);
        /* the definition's own counts, one header for the file */
        if (pcn_program_eval(p, s, &o, &r, &err) != PCN_OK ||
            pcn_results_render(r, PCN_FORMAT_CSV, &csv) != PCN_OK) {
            fprintf(stderr, "bench: evaluation failed\n");
            goto out;
        }
        pcn_results_free(r);
        r = NULL;
        if (header) {
            const char *nl = memchr(csv.buf + header, '\n', csv.len - header);
            size_t cut = nl ? (size_t)(nl + 1 - (csv.buf + header)) : 0;
            memmove(csv.buf + header, csv.buf + header + cut, csv.len - header - cut);
            csv.len -= cut;
        }
        fprintf(stderr, "%s: %" PRIu32 " patients visited\n", names[k], last_visited);
    }
    (void)snprintf(single, sizeof(single), "%s.single", out);
    f = fopen(single, "we");
    if (!f || fwrite(csv.buf, 1, csv.len, f) != csv.len) {
        fprintf(stderr, "bench: cannot write %s\n", single);
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = 1;
    pcn_buf_release(&csv);
    pcn_results_free(r);
    pcn_snapshot_free(s);
    pcn_program_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    uint32_t n = 1000000;
    char dir[4096];
    struct pcn_program *p = NULL;
    struct pcn_snapshot *s = NULL, *small = NULL;
    struct pcn_eval_options o = {0};
    int64_t v = 0;
    double ms = 0, best = 1e9, best_wall = 1e9;
    pcn_usec_t t0;
    int rc = 1;

    if (pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)
        return 1;
    if (argc > 1 && !strcmp(argv[1], "--bundle")) {
        if (argc != 4 || pcn_parse_range(argv[2], strlen(argv[2]), 1, 20000000, &v) != PCN_OK) {
            fprintf(stderr, "usage: bench_engine --bundle N_PATIENTS (1..20000000) DIR\n");
            return 2;
        }
        return bench_bundle((uint32_t)v, argv[3], dir);
    }
    if (argc > 1 && !strcmp(argv[1], "--peer")) {
        if (argc < 6 || pcn_parse_range(argv[4], strlen(argv[4]), 1, 100, &v) != PCN_OK) {
            fprintf(stderr,
                    "usage: bench_engine --peer SNAPSHOT OUT_CSV REPEAT (1..100) NAME...\n");
            return 2;
        }
        return bench_peer(argv[2], argv[3], (int)v, argv + 5, argc - 5, dir);
    }
    if (argc > 2 && !strcmp(argv[1], "--db")) {
        if (argc > 3)
            (void)snprintf(dir, sizeof(dir), "%s", argv[3]);
        else if (pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)
            return 1;
        return bench_store(argv[2], dir);
    }
    if (argc > 1 && pcn_parse_range(argv[1], strlen(argv[1]), 1, 20000000, &v) == PCN_OK)
        n = (uint32_t)v;
    if (argc > 2)
        (void)snprintf(dir, sizeof(dir), "%s", argv[2]);
    else if (pcn_data_path("defs", dir, sizeof(dir)) != PCN_OK)
        return 1;
    if (pcn_date_from_ymd(2025, 3, 31, &o.as_of) != PCN_OK || load(&p, dir))
        return 1;
    t0 = pcn_monotonic_usec();
    s = build(p, n, o.as_of);
    if (!s)
        goto out;
    printf("population: %zu patients, %zu events (generated and indexed in %.0f ms)\n",
           pcn_snapshot_patient_count(s), pcn_snapshot_event_count(s),
           msec(t0, pcn_monotonic_usec()));
    printf("snapshot memory: %.1f MB = %.1f bytes/event + patients\n",
           (double)pcn_snapshot_memory(s) / 1e6,
           (double)pcn_snapshot_memory(s) / (double)pcn_snapshot_event_count(s));
    {
        struct pcn_snapshot *t = NULL;
        struct pcn_error err;
        char path[256];
        const char *tmp = getenv("TMPDIR");
        pcn_usec_t w0, w1, w2;
        (void)snprintf(path, sizeof(path), "%s/pcn-bench-%d.snap", tmp ? tmp : "/tmp",
                       (int)getpid());
        w0 = pcn_monotonic_usec();
        if (pcn_snapshot_save(s, path, &err) != PCN_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            goto out;
        }
        w1 = pcn_monotonic_usec();
        if (pcn_snapshot_load(path, &t, &err) != PCN_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            (void)unlink(path);
            goto out;
        }
        w2 = pcn_monotonic_usec();
        printf("snapshot file: saved in %.0f ms, loaded (and validated) in %.0f ms wall\n",
               msec(w0, w1), msec(w1, w2));
        pcn_snapshot_free(t);
        (void)unlink(path);
    }
    o.by = PCN_BY_PRACTICE;
    for (int i = 0; i < 3; i++) {
        if (eval_once(p, s, &o, &ms))
            goto out;
        best = PCN_MIN(best, ms);
        best_wall = PCN_MIN(best_wall, last_wall_ms);
    }
    printf("whole standard library (%zu definitions, by practice): best of 3 %.1f ms wall, "
           "%.1f ms CPU (all threads; first run includes the code-list indexes)\n",
           pcn_program_output_count(p), best_wall, best);
    small = build(p, 50000, o.as_of);
    if (!small || slowest_report(p, small, &o))
        goto out;
    rc = 0;
out:
    pcn_snapshot_free(small);
    pcn_snapshot_free(s);
    pcn_program_free(p);
    return rc;
}
