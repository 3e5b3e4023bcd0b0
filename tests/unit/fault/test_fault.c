/*
 * Allocation fault injection (STYLE rule 34): each scenario runs with
 * allocation 1, 2, 3, ... failing until a run completes without reaching
 * the failing allocation. Scenarios handle every error like production code
 * (clean up and return), so the only acceptable outcomes are success or a
 * clean error: a crash or a leak (reported by ASan/LSan or valgrind at
 * exit) fails the test. Needs a build with -Dfault_injection=true.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "fault_util.h"

#include <jansson.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/ingest.h"
#include "pcn/ppg_ops.h"
#include "pcn/registry_ops.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/table.h"
#include "pcn/views.h"
#include "pcn/workforce_ops.h"
#include "pcn/views_ppg.h"

#define DATA PCN_SOURCE_DIR "/tests/data/registry/"

static char workdir[128];

static void scenario_buf_arena_hash(void)
{
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_arena *a = pcn_arena_new(256, 0);
    struct pcn_strmap *m = pcn_strmap_new();
    char key[16];

    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        if (pcn_buf_addf(&b, "%d,", i) != PCN_OK)
            break;
        if (a && !pcn_arena_strdup(a, key))
            break;
        if (m && pcn_strmap_put(m, key, strlen(key), (uint64_t)i) != PCN_OK)
            break;
    }
    pcn_free(pcn_buf_detach(&b, NULL));
    pcn_arena_free(a);
    pcn_strmap_free(m);
}

static void scenario_csv(void)
{
    const char *text = "a,b,\"c,d\"\n1,2,3\n\"x\"\"y\",,z\n";
    struct pcn_csv *c = NULL;
    struct pcn_error e;

    if (pcn_csv_new_mem(text, strlen(text), "mem.csv", &c) != PCN_OK)
        return;
    while (pcn_csv_next(c, &e) == PCN_OK)
        ;
    pcn_csv_free(c);
    if (pcn_csv_open(DATA "mapping_extract.csv", &c, &e) != PCN_OK)
        return;
    while (pcn_csv_next(c, &e) == PCN_OK)
        ;
    pcn_csv_free(c);
}

static void scenario_table(void)
{
    static const char *const names[] = {"code", "n"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_INT};
    struct pcn_table *t = pcn_table_new("t", 2, names, types);
    struct pcn_buf out = PCN_BUF_INIT;

    if (!t)
        return;
    for (int i = 0; i < 20; i++) {
        if (pcn_table_add_row(t) != PCN_OK || pcn_table_set_text(t, 0, "x,y") != PCN_OK ||
            pcn_table_set_int(t, 1, i) != PCN_OK)
            break;
    }
    (void)pcn_table_render(t, PCN_FORMAT_TABLE, &out);
    (void)pcn_table_render(t, PCN_FORMAT_CSV, &out);
    (void)pcn_table_render(t, PCN_FORMAT_JSON, &out);
    pcn_buf_release(&out);
    pcn_table_free(t);
}

static int ignore_finding(const struct pcn_check_finding *f, void *ud)
{
    (void)f;
    (void)ud;
    return 0;
}

static void scenario_registry(void)
{
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_registry_import_summary sum;
    struct pcn_check_options o;
    struct pcn_error e;
    int errors;
    int warnings;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e) != PCN_OK)
        return;
    (void)pcn_registry_import(s, DATA "mapping_extract.csv", &sum, &e);
    (void)pcn_registry_import(s, DATA "list_size_extract.csv", &sum, &e);
    pcn_check_options_init(&o, 20640);
    (void)pcn_registry_check(s, &o, ignore_finding, NULL, &errors, &warnings, &e);
    pcn_store_close(s);
}

static void scenario_registry_check(void)
{
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_check_options o;
    struct pcn_error e;
    int errors;
    int warnings;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_store_open(path, 0, &s, &e) != PCN_OK)
        return;
    pcn_check_options_init(&o, 20640);
    (void)pcn_registry_check(s, &o, ignore_finding, NULL, &errors, &warnings, &e);
    pcn_store_close(s);
}

/* Render the tables t[0..n-1] there are as the CLI and the API do (text, JSON), then free them. */
static void render_free(struct pcn_table **t, size_t n, struct pcn_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        void *j = NULL;
        if (!t[i])
            continue;
        (void)pcn_table_render(t[i], PCN_FORMAT_TABLE, out);
        if (pcn_table_to_json(t[i], &j) == PCN_OK)
            json_decref(j);
        pcn_table_free(t[i]);
    }
}

/* Every list view over the registry database, rendered as the CLI and the API do. */
static void scenario_views(void)
{
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_view_opts o = {.as_of = 20640, .limit = 3, .offset = 1, .suppress_below = 8};
    struct pcn_table *t[6] = {NULL};
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_error e;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_store_open(path, 0, &s, &e) != PCN_OK)
        return;
    (void)pcn_view_practices(s, &o, &t[0], NULL);
    (void)pcn_view_practice_memberships(s, "A81001", &t[1]);
    (void)pcn_view_networks(s, &o, &t[2], NULL);
    (void)pcn_view_network_members(s, "U89141", &o, &t[3]);
    (void)pcn_view_users(s, &o, &t[4], NULL);
    (void)pcn_view_audit(s, 0, 10, &t[5], NULL);
    render_free(t, 6, &out);
    pcn_buf_release(&out);
    pcn_store_close(s);
}

/*
 * The workforce services on the registry database, inside one transaction
 * rolled back at the end (so every run starts from the same database): a
 * staff CSV and the census imported, a post added and ended, inputs saved,
 * then a network's year, every network's, the WTE report and comparison.
 */
static void scenario_workforce(void)
{
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_rates *rates = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    struct pcn_store_finance in = {"U89141", "2024-25", 0, 69000, 70000, -1, -1, -1, ""};
    struct pcn_error e;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_rates_load(PCN_SOURCE_DIR "/data/reference/ncdes", &rates, &e) != PCN_OK)
        return;
    if (pcn_store_open(path, 0, &s, &e) != PCN_OK || pcn_store_begin(s) != PCN_OK)
        goto out;
    if (pcn_workforce_import(s, rates, "U89141",
                             PCN_SOURCE_DIR "/tests/data/workforce/staff_good.csv", &f, &n,
                             &e) != PCN_OK ||
        pcn_workforce_import_census(s, pcn_rates_roles(rates),
                                    PCN_SOURCE_DIR "/tests/data/workforce/census_extract.csv",
                                    PCN_DATE_NONE, &n, &e) != PCN_OK ||
        pcn_workforce_end(s, 1, 1, 20300, NULL, &e) != PCN_OK ||
        pcn_finance_inputs_save(s, &in, NULL, 0, NULL, &e) != PCN_OK)
        goto out;
    if (pcn_finance_report_build(s, rates, "U89141", "2024-25", 20640, NULL, &r, &e) == PCN_OK)
        pcn_finance_report_free(r);
    if (pcn_finance_networks(s, rates, "2024-25", 20640, &t, &e) == PCN_OK)
        pcn_table_free(t);
    t = NULL;
    if (pcn_workforce_summary(s, pcn_rates_roles(rates), "U89141", 20640, PCN_WTE_BY_PRACTICE, &t,
                              &e) == PCN_OK)
        pcn_table_free(t);
    t = NULL;
    if (pcn_workforce_comparison(s, pcn_rates_roles(rates), "U89141", 20640, PCN_WTE_BY_ROLE, &t,
                                 &e) == PCN_OK)
        pcn_table_free(t);
out:
    if (s)
        pcn_store_rollback(s);
    pcn_store_close(s);
    pcn_findings_release(&f);
    pcn_rates_free(rates);
}

/* Profiles from "patient records": every practice the same, for the representativeness scenario. */
static enum pcn_err fake_profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                                  struct pcn_profile *ret)
{
    (void)ud;
    (void)practices;
    for (size_t i = 0; i < n; i++) {
        pcn_profile_init(&ret[i]);
        ret[i].has = PCN_PROFILE_HAS_ALL;
        ret[i].date = as_of;
        for (int age = 0; age < PCN_PROFILE_AGES; age++) {
            ret[i].sex_age[1][age] = ret[i].sex_age[2][age] = 10;
            ret[i].eth_age[age % 5][age] = 20;
            ret[i].imd_age[1 + age % 5][age] = 20;
        }
    }
    return PCN_OK;
}

/*
 * The patient partnership module over the registry database, inside one
 * transaction that is rolled back (so every run starts alike): a group,
 * members from CSV, an activity, feedback answered and published, a
 * service change with who was involved, consent withdrawn; then
 * representativeness (its JSON, table and text) and every list view.
 */
static void scenario_ppg(void)
{
    static const struct pcn_ppg_scope all = PCN_PPG_SCOPE_ALL;
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_ppg_group g = {0, "U89141", "A81001", "Densham PPG", 20000, 0};
    struct pcn_ppg_change c = {0,     "U89141", "First contact physiotherapy", "Self-referral",
                               20100, 0};
    struct pcn_ppg_repr *r = NULL;
    struct pcn_ppg_view_opts vo = {.filter = {.network = "U89141"}, .as_of = 20640};
    struct pcn_table *t[10] = {NULL};
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_error e;
    int64_t added = 0;
    int64_t version = 0;
    void *j = NULL;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_store_open(path, 0, &s, &e) != PCN_OK)
        return;
    if (pcn_store_begin(s) != PCN_OK) {
        pcn_store_close(s);
        return;
    }
    if (pcn_ppg_save_group(s, &all, &g, &e) == PCN_OK &&
        pcn_ppg_import_members(s, &all, g.id, PCN_SOURCE_DIR "/tests/data/ppg/members.csv", 20000,
                               &added, &e) == PCN_OK &&
        pcn_ppg_save_change(s, &all, &c, &e) == PCN_OK) {
        int64_t groups[] = {g.id};
        struct pcn_ppg_activity a = {.network = "U89141",
                                     .kind = PCN_PPG_KIND_CO_DESIGN,
                                     .rung = PCN_PPG_RUNG_CO_PRODUCE,
                                     .title = "Designing self-referral",
                                     .held = 20200,
                                     .people = 12,
                                     .questions = "What would help?",
                                     .heard = "Evening slots",
                                     .change_id = c.id,
                                     .groups = groups,
                                     .n_groups = 1};
        struct pcn_ppg_involvement v = {.change_id = c.id,
                                        .stage = PCN_PPG_STAGE_NEEDS,
                                        .group_id = g.id,
                                        .rung = PCN_PPG_RUNG_INVOLVE,
                                        .date = 20150,
                                        .people = 6};
        if (pcn_ppg_save_activity(s, &all, &a, &e) == PCN_OK) {
            struct pcn_ppg_feedback f = {.network = "U89141",
                                         .group_id = g.id,
                                         .activity_id = a.id,
                                         .received = 20200,
                                         .said = "Evening appointments",
                                         .response = "Two evenings a week",
                                         .responded = 20230,
                                         .outcome = PCN_PPG_OUTCOME_DONE,
                                         .outcome_date = 20300,
                                         .published = 1};
            v.activity_id = a.id;
            (void)pcn_ppg_save_feedback(s, &all, &f, &e);
        }
        (void)pcn_ppg_add_involvement(s, &all, &v, &e);
        (void)pcn_ppg_withdraw_consent(s, &all, 1, 1, 20400, &version, &e);
    }
    struct pcn_ppg_repr_opts ro = {.network = "U89141",
                                   .as_of = 20640,
                                   .suppress_below = 3,
                                   .trend_months = 12,
                                   .profiles = fake_profiles};
    if (pcn_ppg_representativeness(s, &ro, &r, &e) == PCN_OK) {
        if (pcn_ppg_repr_json(r, &j) == PCN_OK)
            json_decref(j);
        if (pcn_ppg_repr_table(r, &t[8]) == PCN_OK)
            (void)pcn_table_render(t[8], PCN_FORMAT_CSV, &out);
        (void)pcn_ppg_repr_text(r, &out);
        pcn_ppg_repr_free(r);
    }
    (void)pcn_view_ppg_groups(s, &vo, &t[0], NULL);
    (void)pcn_view_ppg_members(s, &vo, &t[1], NULL);
    (void)pcn_view_ppg_activities(s, &vo, &t[2], NULL);
    (void)pcn_view_ppg_feedback(s, &vo, &t[3], NULL);
    (void)pcn_view_ppg_changes(s, &vo, &t[4], NULL);
    (void)pcn_view_ppg_ladder(s, &vo, &t[5]);
    (void)pcn_view_ppg_coproduction(s, &vo, &t[6]);
    (void)pcn_view_ppg_public(s, &vo, &t[7], NULL);
    vo.filter.change_id = c.id;
    (void)pcn_view_ppg_involvement(s, &vo, &t[9]);
    render_free(t, 10, &out);
    pcn_buf_release(&out);
    pcn_store_rollback(s);
    pcn_store_close(s);
}

static void remove_db(const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", workdir, name);
    test_db_unlink(path);
}

/* pcn import's path: a first import into an empty database in one bulk transaction. */
static void scenario_bulk_import(void)
{
    const char *dir = PCN_SOURCE_DIR "/tests/data/bundle/small";
    struct pcn_import_opts o = {.format = PCN_IMPORT_CSV};
    struct pcn_importer *imp = NULL;
    struct pcn_store *s = NULL;
    struct pcn_sink sink;
    struct pcn_error e;
    char path[256];

    remove_db("bulk.db");
    snprintf(path, sizeof(path), "%s/bulk.db", workdir);
    if (pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e) != PCN_OK)
        return;
    pcn_store_sink(s, &sink);
    if (pcn_store_begin_bulk(s) == PCN_OK && pcn_importer_new(&o, &sink, &imp) == PCN_OK &&
        pcn_importer_run(imp, &dir, 1, &e) == PCN_OK)
        (void)pcn_store_commit(s);
    pcn_importer_free(imp);
    pcn_store_close(s);
}

static void test_torture(void **state)
{
    (void)state;
    fault_require_injection();
    test_mkdtemp(workdir, sizeof(workdir));
    assert_true(fault_torture(scenario_buf_arena_hash) > 10);
    assert_true(fault_torture(scenario_csv) > 3);
    assert_true(fault_torture(scenario_table) > 10);
    assert_true(fault_torture(scenario_registry) > 10);
    scenario_registry(); /* a complete database for the check scenario */
    assert_true(fault_torture(scenario_registry_check) > 5);
    assert_true(fault_torture(scenario_views) > 10);
    assert_true(fault_torture(scenario_workforce) > 100);
    assert_true(fault_torture(scenario_ppg) > 20);
    assert_true(fault_torture(scenario_bulk_import) > 10);
    remove_db("bulk.db");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_torture)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_db("fault.db");
    rmdir(workdir);
    return rc;
}
