/*
 * Unit tests of the engine's thread-safety contract (include/pcn/engine.h):
 * one compiled program (const) and one snapshot evaluated by several
 * threads at once, each choosing its definitions through the evaluation's
 * options, must give exactly what one thread gives alone, and must leave
 * the program as it was. Run under ASan (and TSan when built with it). Also
 * the code-list index cache: a program evaluated on one snapshot and then
 * on another of the same size and data version must read the second's
 * events, never an index of the first.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/engine.h"
#include "pcn/paths.h"

#define N_PATIENTS 3000
#include "random_population.h"

#define N_THREADS 4
#define ROUNDS 3

/* The selections the threads evaluate, each with its own breakdown. */
static const struct selection {
    const char *words[2];
    size_t n_words;
    unsigned by;
} selections[] = {
    {{"all", NULL}, 1, PCN_BY_PRACTICE},
    {{"registers", NULL}, 1, PCN_BY_PRACTICE | PCN_BY_SEX},
    {{"indicators", "frailty"}, 2, PCN_BY_AGE},
    {{"worklists", NULL}, 1, 0},
    {{"cvd_no_bp", NULL}, 1, 0},
    {{"segments", NULL}, 1, PCN_BY_PRACTICE | PCN_BY_AGE},
};
#define N_SELECTIONS (sizeof(selections) / sizeof(selections[0]))

struct shared {
    const struct pcn_program *prog;
    const struct pcn_snapshot *snap;
    int32_t as_of;
    char *expect[N_SELECTIONS];
    atomic_int mismatches;
    atomic_int failures;
};

struct worker {
    struct shared *sh;
    int id;
};

/* JSON of one evaluation of selection k, or NULL on failure. */
static char *evaluate(const struct shared *sh, size_t k, int threads)
{
    const struct selection *sel = &selections[k];
    struct pcn_eval_options o = {.as_of = sh->as_of,
                                 .by = sel->by,
                                 .threads = threads,
                                 .select = sel->words,
                                 .n_select = sel->n_words};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    char *out = NULL;

    if (pcn_program_eval(sh->prog, sh->snap, &o, &r, NULL) == PCN_OK &&
        pcn_results_render(r, PCN_FORMAT_JSON, &b) == PCN_OK)
        out = pcn_buf_detach(&b, NULL);
    pcn_buf_release(&b);
    pcn_results_free(r);
    return out;
}

/* Each worker runs every selection ROUNDS times, starting at its own. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;

    for (size_t i = 0; i < ROUNDS * N_SELECTIONS; i++) {
        size_t k = (i + (size_t)w->id) % N_SELECTIONS;
        char *got = evaluate(sh, k, 1 + (int)(i % 2));
        if (!got)
            atomic_fetch_add(&sh->failures, 1);
        else if (strcmp(got, sh->expect[k]) != 0)
            atomic_fetch_add(&sh->mismatches, 1);
        pcn_free(got);
    }
    return NULL;
}

/* Run N_THREADS workers on sh and require every answer to be the expected one. */
static void run_workers(struct shared *sh)
{
    struct worker w[N_THREADS];
    pthread_t tid[N_THREADS];

    atomic_init(&sh->mismatches, 0);
    atomic_init(&sh->failures, 0);
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (struct worker){sh, t};
        assert_int_equal(pthread_create(&tid[t], NULL, worker_main, &w[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    assert_int_equal(atomic_load(&sh->failures), 0);
    assert_int_equal(atomic_load(&sh->mismatches), 0);
}

static struct pcn_program *stdlib(void)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;
    char dir[4096];

    assert_non_null(p);
    assert_int_equal(pcn_data_path("defs", dir, sizeof(dir)), PCN_OK);
    if (pcn_program_load_dir(p, dir, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    return p;
}

static void test_threads_share_one_program(void **state)
{
    struct pcn_program *p = stdlib();
    struct shared sh = {.prog = p, .as_of = D("2025-03-31")};
    size_t outputs = pcn_program_output_count(p);
    struct pcn_snapshot *s;
    (void)state;

    s = random_population(p, sh.as_of);
    sh.snap = s;
    /* alone first: the answers; also the first use builds the snapshot's caches */
    for (size_t k = 0; k < N_SELECTIONS; k++) {
        sh.expect[k] = evaluate(&sh, k, 1);
        assert_non_null(sh.expect[k]);
    }
    run_workers(&sh);
    /* selecting through the options left the program's own selection alone */
    assert_int_equal(pcn_program_output_count(p), outputs);
    for (size_t k = 0; k < N_SELECTIONS; k++)
        pcn_free(sh.expect[k]);
    pcn_snapshot_free(s);
    pcn_program_free(p);
}

/*
 * Cold caches: every thread's first evaluation races to build the
 * snapshot's population and code-list caches; the answers must still be
 * those of a snapshot evaluated by one thread.
 */
static void test_threads_build_caches(void **state)
{
    struct pcn_program *p = stdlib();
    struct shared sh = {.prog = p, .as_of = D("2024-10-01")};
    struct pcn_snapshot *ref;
    struct pcn_snapshot *cold;
    (void)state;

    pcn_rng_seed(&rng, 7);
    ref = random_population(p, sh.as_of);
    pcn_rng_seed(&rng, 7);
    cold = random_population(p, sh.as_of);
    sh.snap = ref;
    for (size_t k = 0; k < N_SELECTIONS; k++) {
        sh.expect[k] = evaluate(&sh, k, 1);
        assert_non_null(sh.expect[k]);
    }
    sh.snap = cold;
    run_workers(&sh);
    for (size_t k = 0; k < N_SELECTIONS; k++)
        pcn_free(sh.expect[k]);
    pcn_snapshot_free(ref);
    pcn_snapshot_free(cold);
    pcn_program_free(p);
}

/* A one-patient snapshot (as the patient view builds) with one event coded `code`. */
static struct pcn_snapshot *one_patient(const char *code)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_patient pt = {.patient_id = "P1", .practice = "R1", .sex = PCN_SEX_FEMALE};
    struct pcn_event e = {.code = code, .system = "snomed", .kind = PCN_EVENT_CONDITION};

    pt.date_of_birth = D("1950-01-01");
    pt.registered_from = D("2000-01-01");
    pt.registered_to = PCN_DATE_NONE;
    pt.date_of_death = PCN_DATE_NONE;
    e.date = D("2020-01-01");
    e.end_date = PCN_DATE_NONE;
    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    assert_int_equal(pcn_snapshot_add_patient(s, 1, &pt), PCN_OK);
    assert_int_equal(pcn_snapshot_add_event(s, 1, &e), PCN_OK);
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

static int64_t count_of(const struct pcn_program *p, const struct pcn_snapshot *s, const char *name)
{
    struct pcn_eval_options o = {.as_of = D("2024-01-01"), .threads = 1};
    struct pcn_results *r = NULL;
    int64_t n = -1;

    assert_int_equal(pcn_program_eval(p, s, &o, &r, NULL), PCN_OK);
    assert_int_equal(pcn_results_total(r, name, "count", &n), PCN_OK);
    pcn_results_free(r);
    return n;
}

/*
 * The hole a program's own index cache had: keyed by the snapshot's
 * address, size and data version, it could hand a new snapshot at a
 * reused address the events of the freed one. Indexes now live in the
 * snapshot itself.
 */
static void test_index_follows_snapshot(void **state)
{
    static const char defs[] = "codelist a = codes(\"111\")\ncodelist b = codes(\"222\")\n"
                               "register ra \"A\" = exists(a)\nregister rb \"B\" = exists(b)\n";
    struct pcn_program *p = pcn_program_new();
    struct pcn_snapshot *s;
    (void)state;

    assert_non_null(p);
    assert_int_equal(pcn_program_load_string(p, "t.pcn", defs, strlen(defs), NULL,
                                             PCN_PROGRAM_FLAG_OUTPUT, NULL),
                     PCN_OK);
    for (int round = 0; round < 6; round++) {
        const char *code = round % 2 ? "222" : "111";
        s = one_patient(code);
        assert_int_equal(count_of(p, s, "ra"), round % 2 ? 0 : 1);
        assert_int_equal(count_of(p, s, "rb"), round % 2 ? 1 : 0);
        pcn_snapshot_free(s); /* the next may well be given the same address */
    }
    pcn_program_free(p);
}

/* A selection word that selects nothing fails the evaluation, with a suggestion. */
static void test_select_option(void **state)
{
    static const char defs[] = "codelist a = codes(\"111\")\nregister ra \"A\" = exists(a)\n"
                               "register rb \"B\" = not exists(a)\n";
    const char *const words[] = {"rx"};
    const char *const one[] = {"rb"};
    struct pcn_program *p = pcn_program_new();
    struct pcn_snapshot *s = one_patient("111");
    struct pcn_eval_options o = {.as_of = D("2024-01-01"), .select = words, .n_select = 1};
    struct pcn_results *r = NULL;
    struct pcn_error err;
    size_t n = 0;
    int64_t v = 0;
    (void)state;

    assert_int_equal(pcn_program_load_string(p, "t.pcn", defs, strlen(defs), NULL, 0, NULL),
                     PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_ENOTFOUND);
    assert_non_null(strstr(err.msg, "did you mean"));
    assert_null(r);
    assert_int_equal(pcn_program_match(p, "registers", &n, NULL), PCN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pcn_program_match(p, "rz", &n, &err), PCN_ENOTFOUND);
    o.select = one;
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_count(r), 1);
    assert_int_equal(pcn_results_total(r, "rb", "count", &v), PCN_OK);
    assert_int_equal(v, 0);
    assert_int_equal(pcn_results_total(r, "ra", "count", &v), PCN_ENOTFOUND);
    assert_int_equal(pcn_program_output_count(p), 0); /* loaded without output flags */
    pcn_results_free(r);
    pcn_snapshot_free(s);
    pcn_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_one_program),
        cmocka_unit_test(test_threads_build_caches),
        cmocka_unit_test(test_index_follows_snapshot),
        cmocka_unit_test(test_select_option),
    };
    pcn_rng_seed(&rng, 20250331);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
