/*
 * Unit tests for sparse evaluation (src/engine/sparse.h): visiting only the
 * patients a program can count must give exactly what visiting everyone
 * gives. Each support rule on small programs, whether it is used (the
 * number of patients visited), and then every definition of the standard
 * library, alone and together, on a random population drawn from the
 * library's own code lists, with one thread and three.
 */
#include "testutil.h"

#include <math.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/paths.h"

#define N_PATIENTS 4000
#include "random_population.h"

/* JSON of one evaluation; *visited gets the patients visited. */
static char *render(struct pcn_program *p, const struct pcn_snapshot *s, int32_t as_of, int sparse,
                    int threads, uint32_t *visited)
{
    struct pcn_eval_options o = {.as_of = as_of,
                                 .by = PCN_BY_PRACTICE | PCN_BY_AGE | PCN_BY_SEX,
                                 .sparse = sparse,
                                 .threads = threads};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    if (pcn_program_eval(p, s, &o, &r, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pcn_results_render(r, PCN_FORMAT_JSON, &b), PCN_OK);
    if (visited)
        *visited = r->n_visited;
    pcn_results_free(r);
    return pcn_buf_detach(&b, NULL);
}

/*
 * Sparse whenever possible (one thread and three) and sparse when quicker
 * equal dense; returns the patients the first visited.
 */
static uint32_t check_same(struct pcn_program *p, const struct pcn_snapshot *s, int32_t as_of,
                           const char *what)
{
    uint32_t visited = 0, all = 0;
    char *dense = render(p, s, as_of, -1, 1, &all);
    char *sparse = render(p, s, as_of, 1, 1, &visited);
    char *sparse3 = render(p, s, as_of, 1, 3, NULL);
    char *chosen = render(p, s, as_of, 0, 2, NULL);

    assert_int_equal(all, s->n_patients);
    if (strcmp(dense, sparse) != 0 || strcmp(dense, sparse3) != 0 || strcmp(dense, chosen) != 0)
        fail_msg("%s: sparse evaluation differs from dense\ndense:  %s\nsparse: %s\nsparse, 3 "
                 "threads: %s\nsparse when quicker: %s",
                 what, dense, sparse, sparse3, chosen);
    pcn_free(dense);
    pcn_free(sparse);
    pcn_free(sparse3);
    pcn_free(chosen);
    return visited;
}

static const char prelude[] = "codelist dm = codes(\"DM\")\n"
                              "codelist res = codes(\"DMRES\")\n"
                              "codelist hb = codes(\"HBA1C\")\n"
                              "codelist rare = codes(\"RARE\")\n";

/* Four patients in ten have DM, two in ten HBA1C, one in a hundred RARE. */
static struct pcn_snapshot *rule_population(int32_t as_of)
{
    struct pcn_snapshot *s = NULL;
    char id[16];

    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    for (int i = 0; i < 2000; i++) {
        struct pcn_patient pt = {.patient_id = id, .practice = i % 2 ? "A" : "B"};
        (void)snprintf(id, sizeof(id), "T%05d", i);
        pt.sex = PCN_SEX_FEMALE;
        pt.date_of_birth = as_of - i * 17;
        pt.registered_from = PCN_DATE_NONE;
        pt.registered_to = PCN_DATE_NONE;
        pt.date_of_death = i % 97 == 0 ? as_of - 10 : PCN_DATE_NONE;
        assert_int_equal(pcn_snapshot_add_patient(s, i, &pt), PCN_OK);
        if (i % 10 < 4)
            add_event(s, i, "DM", as_of - i, false);
        if (i % 10 == 3)
            add_event(s, i, "DMRES", as_of - i / 2, false);
        if (i % 10 == 9 || i % 10 == 4)
            add_event(s, i, "HBA1C", as_of - 400 + i % 800, false);
        if (i % 100 == 7)
            add_event(s, i, "RARE", as_of - 3, false);
    }
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

/*
 * Each rule: what it counts is the same as visiting everyone, and the
 * patients visited are those its support names (everyone when it has none).
 */
static void test_rules(void **state)
{
    static const struct {
        const char *text;
        uint32_t visited; /* 0: everyone */
    } cases[] = {
        {"register r = exists(dm)", 800},
        {"register r = exists(dm) and exists(rare)", 20}, /* the smaller side */
        {"register r = exists(dm) or exists(rare)", 820}, /* both sides */
        {"register r = exists(dm) or age > 50", 0},       /* age holds without a record */
        {"register r = not exists(dm)", 0},
        {"register r = count(hb) >= 1", 400}, /* 0 >= 1 is false */
        {"register r = count(hb) >= 0", 0},   /* 0 >= 0 holds */
        {"register r = 1 > count(rare)", 0},
        {"register r = 1 <= count(rare)", 20},
        {"register r = count(dm) + count(rare) > 0", 820},
        {"register r = last(hb).value <= 58", 400}, /* null compares false */
        {"register r = last(hb).value != 58", 400},
        {"register r = last(dm).date is not null and age >= 17", 800},
        {"register r = last(dm).date is null", 0},
        {"register r = coalesce(last(hb).value, 0) > 5", 0}, /* never null */
        {"register r = coalesce(last(hb).value, last(rare).value) > 5", 420},
        {"register r = round(count(rare) * 1, 0) > 0", 0}, /* '*' has no zero rule */
        {"register r = last(rare).date + 3 days > as_of - 1 year", 20},
        {"register r = case when age > 60 then exists(rare) else exists(rare) end", 20},
        {"register r = case when age > 60 then exists(rare) end", 20}, /* no else: false */
        {"register r = case when age > 60 then exists(rare) else true end", 0},
        {"indicator i { denominator = exists(rare) numerator = exists(hb) }", 20},
        {"indicator i { denominator = age > 40 numerator = exists(hb) }", 0},
        {"score sc { population = exists(hb) value = count(dm) band \"x\" = value > 0 }", 400},
        {"segment sg { population = exists(rare) rule \"a\" = exists(dm) rule \"b\" = true }", 20},
        {"worklist w { population = exists(rare) column \"d\" = last(dm).date }", 20},
        {"register a = exists(rare)\nregister b = exists(hb)", 420},
        {"register a = exists(rare)\nregister b = age > 3", 0},
        {"let d = last(dm).date\nlet x = last(res).date\n"
         "register r = d is not null and (x is null or x < d)",
         800},
    };
    int32_t as_of = D("2025-03-31");
    struct pcn_snapshot *s = rule_population(as_of);
    (void)state;

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct pcn_program *p = pcn_program_new();
        struct pcn_error err;
        char text[1024];
        uint32_t want = cases[k].visited ? cases[k].visited : s->n_patients, got;
        (void)snprintf(text, sizeof(text), "%s%s\n", prelude, cases[k].text);
        if (pcn_program_load_string(p, "t", text, strlen(text), NULL, PCN_PROGRAM_FLAG_OUTPUT,
                                    &err) != PCN_OK)
            fail_msg("%s: %s", cases[k].text, err.msg);
        got = check_same(p, s, as_of, cases[k].text);
        if (got != want)
            fail_msg("%s: visited %u patients, expected %u", cases[k].text, got, want);
        pcn_program_free(p);
    }
    pcn_snapshot_free(s);
}

/*
 * Every definition of the standard library on its own (the way `pcn
 * report NAME` and the API evaluate one), and all of them together, on two
 * as-of dates: sparse equals dense. Most definitions must be sparse.
 */
static void test_stdlib(void **state)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_snapshot *s;
    struct pcn_error err;
    char dir[4096];
    int32_t as_of = D("2025-03-31");
    size_t n_sparse = 0, n_outputs = 0;
    bool *was_output;
    (void)state;

    assert_int_equal(pcn_data_path("defs", dir, sizeof(dir)), PCN_OK);
    if (pcn_program_load_dir(p, dir, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    s = random_population(p, as_of);
    was_output = pcn_calloc(p->n_defs + 1, sizeof(bool));
    assert_non_null(was_output);
    for (size_t i = 0; i < p->n_defs; i++)
        was_output[i] = p->defs[i].output;
    for (size_t i = 0; i < p->n_defs; i++) {
        if (!was_output[i])
            continue;
        for (size_t j = 0; j < p->n_defs; j++)
            p->defs[j].output = j == i;
        n_outputs++;
        n_sparse += check_same(p, s, as_of, p->defs[i].name) < s->n_patients;
        (void)check_same(p, s, as_of - 700, p->defs[i].name);
    }
    for (size_t i = 0; i < p->n_defs; i++)
        p->defs[i].output = was_output[i];
    (void)check_same(p, s, as_of, "the whole library");
    print_message("%zu of %zu definitions sparse\n", n_sparse, n_outputs);
    if (n_sparse * 2 < n_outputs)
        fail_msg("only %zu of %zu definitions were evaluated sparse", n_sparse, n_outputs);
    pcn_free(was_output);
    pcn_snapshot_free(s);
    pcn_program_free(p);
}

/*
 * A score's value sum does not depend on the order of addition, which
 * differs with the thread count and between sparse and dense chunks:
 * plain doubles summed in these two orders give 0.925 and 0.875.
 */
static void test_value_sum(void **state)
{
    static const double v[] = {1e15,    0.1,     -1e15, 0.1,
                               1.0 / 3, 2.0 / 3, 1e-12, -0.30000000000000004};
    const size_t n = sizeof(v) / sizeof(v[0]);
    struct value_sum fwd = {0, 0}, back = {0, 0}, halves = {0, 0}, half2 = {0, 0};
    double plain_fwd = 0, plain_back = 0;
    (void)state;
    for (size_t i = 0; i < n; i++) {
        pcn__value_sum_add(&fwd, v[i]);
        pcn__value_sum_add(&back, v[n - 1 - i]);
        pcn__value_sum_add(i < n / 2 ? &halves : &half2, v[i]);
        plain_fwd += v[i];
        plain_back += v[n - 1 - i];
    }
    assert_true(plain_fwd != plain_back);  /* the problem */
    pcn__value_sum_merge(&halves, &half2); /* as threads merge */
    assert_true(fwd.fixed == back.fixed && fwd.fixed == halves.fixed);
    assert_true(fabs(pcn__value_sum_get(&fwd) - 0.9) < 1e-9);
    /* exact for whole numbers and binary fractions, signs included */
    fwd = (struct value_sum){0, 0};
    pcn__value_sum_add(&fwd, -2.75);
    pcn__value_sum_add(&fwd, 4e18);
    pcn__value_sum_add(&fwd, -4e18);
    assert_true(pcn__value_sum_get(&fwd) == -2.75);
    /* too large to sum exactly: unknown */
    pcn__value_sum_add(&fwd, 4.7e18);
    assert_true(isnan(pcn__value_sum_get(&fwd)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_stdlib),
        cmocka_unit_test(test_value_sum),
    };
    pcn_rng_seed(&rng, 20241004);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
