/*
 * Allocation fault injection for the engine (STYLE rule 34): building a
 * snapshot, compiling definitions, evaluating with breakdowns and threads
 * and rendering, with allocation 1, 2, 3, ... failing in turn. Each run
 * must end in success or a clean error; ASan/LSan catch crashes and leaks.
 * Needs a build with -Dfault_injection=true.
 */
#include "testutil.h"

#include "fault_util.h"

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"

static const char defs[] =
    "codelist dm = codes(\"DM\", \"DM2\")\n"
    "codelist hb = codes(\"HB\")\n"
    "let dd = last(dm).date\n"
    "register dmr \"Diabetes\" = dd is not null and age >= 17\n"
    "indicator ind { denominator = dmr numerator = last(hb, within 12 months).value <= 58\n"
    "  exclude = sex == \"F\" }\n"
    "score sc { value = count(medications) band \"none\" = value == 0 band \"some\" = true }\n"
    "segment seg { rule \"a\" = band(sc) == \"some\" rule \"b\" = true }\n"
    "worklist wl { population = dmr column \"Age\" = age column \"When\" = dd }\n";

/* Every output counts only people with a DM or HB record: evaluated sparse (sparse.h). */
static const char sparse_defs[] =
    "codelist dm = codes(\"DM\", \"DM2\")\n"
    "codelist hb = codes(\"HB\")\n"
    "register either = exists(dm) or exists(hb)\n"
    "indicator ind { denominator = last(dm).date is not null numerator = count(hb) > 0 }\n"
    "worklist wl { population = exists(hb) and age > 40 column \"Age\" = age }\n";

static void scenario_engine(void)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_program *p = NULL;
    struct pcn_results *r = NULL;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_eval_options o = {.by = PCN_BY_PRACTICE | PCN_BY_SEX, .suppress = 3, .threads = 2};
    struct pcn_error err;
    char id[16], pr[8];

    (void)pcn_date_from_ymd(2025, 3, 31, &o.as_of);
    if (pcn_snapshot_new(NULL, &s) != PCN_OK)
        return;
    for (int i = 0; i < 200; i++) {
        struct pcn_patient pt = {.patient_id = id, .practice = pr};
        struct pcn_event e = {.code = i % 2 ? "DM" : "HB", .has_value = 1, .value = i % 90};
        struct pcn_medication m = {.code = "M"};
        (void)snprintf(id, sizeof(id), "F%d", i);
        (void)snprintf(pr, sizeof(pr), "Q%d", i % 3);
        pt.sex = i % 3 ? PCN_SEX_MALE : PCN_SEX_FEMALE;
        pt.date_of_birth = o.as_of - 365 * (i % 90);
        pt.registered_from = PCN_DATE_NONE;
        pt.registered_to = PCN_DATE_NONE;
        pt.date_of_death = PCN_DATE_NONE;
        e.date = o.as_of - i % 400;
        m.start_date = e.date;
        if (pcn_snapshot_add_patient(s, i, &pt) != PCN_OK ||
            pcn_snapshot_add_event(s, i, &e) != PCN_OK ||
            (i % 7 == 0 && pcn_snapshot_add_medication(s, i, &m) != PCN_OK))
            goto out;
    }
    if (pcn_snapshot_finish(s) != PCN_OK)
        goto out;
    {
        /* round trip through a snapshot file */
        struct pcn_snapshot *t = NULL;
        char path[64];
        (void)snprintf(path, sizeof(path), "/tmp/pcn-fault-%d.snap", (int)getpid());
        if (pcn_snapshot_save(s, path, &err) == PCN_OK &&
            pcn_snapshot_load(path, &t, &err) == PCN_OK) {
            pcn_snapshot_free(s);
            s = t;
        }
        (void)unlink(path);
    }
    p = pcn_program_new();
    if (!p || pcn_program_load_string(p, "f.pcn", defs, strlen(defs), NULL, PCN_PROGRAM_FLAG_OUTPUT,
                                      &err) != PCN_OK)
        goto out;
    if (pcn_program_eval(p, s, &o, &r, &err) != PCN_OK)
        goto out;
    (void)pcn_results_render(r, PCN_FORMAT_JSON, &out);
    (void)pcn_results_render(r, PCN_FORMAT_CSV, &out);
    (void)pcn_results_render(r, PCN_FORMAT_TABLE, &out);
    pcn_results_free(r);
    r = NULL;
    pcn_program_free(p);
    p = pcn_program_new();
    o.sparse = 1;
    if (!p || pcn_program_load_string(p, "s.pcn", sparse_defs, strlen(sparse_defs), NULL,
                                      PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        goto out;
    if (pcn_program_eval(p, s, &o, &r, &err) != PCN_OK)
        goto out;
    (void)pcn_results_render(r, PCN_FORMAT_JSON, &out);
out:
    pcn_buf_release(&out);
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
}

static void test_torture(void **state)
{
    (void)state;
    fault_require_injection();
    assert_true(fault_torture(scenario_engine) > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_torture)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
