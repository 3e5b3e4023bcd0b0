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
#include "pcn/hash.h"
#include "pcn/ingest.h"
#include "pcn/registry_ops.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/table.h"
#include "pcn/views.h"

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
    for (size_t i = 0; i < 6; i++) {
        void *j = NULL;
        if (!t[i])
            continue;
        (void)pcn_table_render(t[i], PCN_FORMAT_TABLE, &out);
        if (pcn_table_to_json(t[i], &j) == PCN_OK)
            json_decref(j);
        pcn_table_free(t[i]);
    }
    pcn_buf_release(&out);
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
