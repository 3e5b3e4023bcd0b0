/*
 * Unit tests for ops/registry.c and ops/registry_check.c on real NHS
 * extracts (tests/data/registry): import counts against the file, re-import
 * idempotence, every kind of bad input with FILE:LINE and an untouched
 * database, practice moves with history, and the registry checks.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/registry_ops.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"

#define DATA PCN_SOURCE_DIR "/tests/data/registry/"

static int32_t d(const char *s)
{
    int32_t v;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

/* Count distinct practices, networks and U rows straight from the CSV. */
static void file_counts(const char *path, int *practices, int *networks, int *unallocated)
{
    struct pcn_csv *c = NULL;
    struct pcn_strmap *nets = pcn_strmap_new();
    long pc;
    assert_int_equal(pcn_csv_open(path, &c, NULL), PCN_OK);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    pc = pcn_csv_find(c, "PCN_CODE");
    *practices = *unallocated = 0;
    while (pcn_csv_next(c, NULL) == PCN_OK) {
        const char *code = pcn_csv_field(c, (size_t)pc, NULL);
        (*practices)++;
        if (strcmp(code, "U") == 0)
            (*unallocated)++;
        else
            assert_int_equal(pcn_strmap_put(nets, code, strlen(code), 1), PCN_OK);
    }
    *networks = (int)pcn_strmap_count(nets);
    pcn_strmap_free(nets);
    pcn_csv_free(c);
}

static void test_import_counts(void **state)
{
    struct test_db *f = *state;
    struct pcn_registry_import_summary sum;
    struct pcn_error e;
    int practices;
    int networks;
    int unallocated;

    file_counts(DATA "mapping_extract.csv", &practices, &networks, &unallocated);
    assert_int_equal(pcn_registry_import(f->s, DATA "mapping_extract.csv", &sum, &e), PCN_OK);
    assert_int_equal(sum.file, PCN_REGISTRY_FILE_MAPPING);
    assert_int_equal(sum.extract_date, d("2026-07-01"));
    assert_int_equal(sum.practices, practices);
    assert_int_equal(sum.networks, networks);
    assert_int_equal(sum.unallocated, unallocated);
    assert_int_equal(sum.memberships_added, practices - unallocated);
    /* the same file again changes nothing */
    assert_int_equal(pcn_registry_import(f->s, DATA "mapping_extract.csv", &sum, &e), PCN_OK);
    assert_int_equal(sum.memberships_added, 0);
    assert_int_equal(sum.memberships_ended, 0);

    assert_int_equal(pcn_registry_import(f->s, DATA "list_size_extract.csv", &sum, &e), PCN_OK);
    assert_int_equal(sum.file, PCN_REGISTRY_FILE_LIST_SIZE);
    assert_int_equal(sum.list_sizes, practices);
    assert_int_equal(sum.list_bands, practices * 40);
    assert_true(sum.skipped_other_org > 0);
    {
        int64_t n = 0;
        assert_int_equal(pcn_store_list_size_at(f->s, "A81001", d("2026-07-01"), &n, NULL), PCN_OK);
        assert_int_equal(n, 3733);
    }
}

/*
 * Copy the extract with, on line `line` (1-based), the first `from`
 * replaced by `to`; from NULL replaces the whole line with `to`.
 */
static void write_variant(const char *out, int line, const char *from, const char *to)
{
    FILE *in = fopen(DATA "mapping_extract.csv", "r");
    FILE *o = fopen(out, "w");
    char buf[4096];
    int n = 0;
    assert_non_null(in);
    assert_non_null(o);
    while (fgets(buf, sizeof(buf), in)) {
        char *at = from ? strstr(buf, from) : NULL;
        n++;
        if (n != line) {
            fputs(buf, o);
        } else if (!from) {
            fputs(to, o);
        } else {
            assert_non_null(at);
            fwrite(buf, 1, (size_t)(at - buf), o);
            fputs(to, o);
            fputs(at + strlen(from), o);
        }
    }
    fclose(in);
    fclose(o);
}

static void expect_rejected(struct test_db *f, int line, const char *from, const char *to,
                            const char *want)
{
    char path[300];
    char prefix[320];
    struct pcn_registry_import_summary sum;
    struct pcn_error e;
    struct pcn_store_counts before;
    struct pcn_store_counts after;
    int64_t v0;
    int64_t v1;

    snprintf(path, sizeof(path), "%s/bad.csv", f->dir);
    write_variant(path, line, from, to);
    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_count(f->s, &before), PCN_OK);
    assert_int_not_equal(pcn_registry_import(f->s, path, &sum, &e), PCN_OK);
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, want))
        fail_msg("message '%s' should start '%s' and mention '%s'", e.msg, prefix, want);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v0 == v1);
    assert_int_equal(pcn_store_count(f->s, &after), PCN_OK);
    assert_memory_equal(&before, &after, sizeof(before));
    unlink(path);
}

static int count_network(const struct pcn_network *n, void *ud)
{
    (void)n;
    (*(int *)ud)++;
    return 0;
}

static void test_bad_input_rolls_back(void **state)
{
    struct test_db *f = *state;
    int networks = 0;

    expect_rejected(f, 4, NULL, "GP_PRAC_PAT_LIST,01Jul2026,A81001,too,few\n",
                    "expected 17 columns");
    expect_rejected(f, 5, NULL, "GP_PRAC_PAT_LIST,01Jul2026,\"A81001\"x,y\n", "bad quoting");
    expect_rejected(f, 3, "A81002", "a8100!", "PRACTICE_CODE is not a practice ODS code");
    expect_rejected(f, 6, "U89141", "X89141", "PCN_CODE is not a PCN code");
    expect_rejected(f, 2, "01Jul2026", "31Foo2026", "EXTRACT_DATE is not a date");
    expect_rejected(f, 7, "TS18 1YE", "TS18 1Y", "PRACTICE_POSTCODE is not a UK postcode");
    expect_rejected(f, 8, "ALMA", "AL\xffMA", "not valid UTF-8");
    expect_rejected(f, 1, NULL, "CODE,NAME,SOMETHING\n", "unknown header");
    assert_int_equal(pcn_store_each_network(f->s, count_network, &networks), PCN_OK);
    assert_int_equal(networks, 0);
}

static int count_history(const struct pcn_membership *m, void *ud)
{
    int *n = ud;
    if (*n == 0) {
        assert_string_equal(m->network, "U89141");
        assert_int_equal(m->end_date, d("2026-08-31"));
    } else {
        assert_string_equal(m->network, "U07032");
        assert_int_equal(m->end_date, PCN_DATE_NONE);
    }
    (*n)++;
    return 0;
}

static void test_move(void **state)
{
    struct test_db *f = *state;
    struct pcn_registry_import_summary sum;
    struct pcn_error e;
    char net[8];
    int n = 0;

    assert_int_equal(pcn_registry_import(f->s, DATA "mapping_extract.csv", &sum, &e), PCN_OK);
    assert_int_equal(pcn_registry_move(f->s, "A81001", "U07032", d("2026-09-01"), &e), PCN_OK);
    assert_int_equal(pcn_store_each_membership(f->s, "A81001", count_history, &n), PCN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pcn_registry_network_of(f->s, "A81001", d("2026-08-31"), net), PCN_OK);
    assert_string_equal(net, "U89141");
    assert_int_equal(pcn_registry_network_of(f->s, "A81001", d("2026-09-01"), net), PCN_OK);
    assert_string_equal(net, "U07032");
    assert_int_equal(pcn_registry_network_of(f->s, "A81001", d("2020-01-01"), net), PCN_ENOTFOUND);
    assert_int_equal(pcn_registry_move(f->s, "A81001", "U07032", d("2026-10-01"), &e),
                     PCN_ECONFLICT);
    assert_int_equal(pcn_registry_move(f->s, "Z00000", "U07032", d("2026-10-01"), &e),
                     PCN_ENOTFOUND);
    assert_int_equal(pcn_registry_move(f->s, "A81001", "U11111", d("2026-10-01"), &e),
                     PCN_ENOTFOUND);
    /* re-importing the July mapping after the move is refused: it predates the move */
    assert_int_not_equal(pcn_registry_import(f->s, DATA "mapping_extract.csv", &sum, &e), PCN_OK);
    assert_non_null(strstr(e.msg, "A81001"));
}

struct findings {
    int unallocated;
    int size;
    int orphan;
    int no_list;
};

static int collect(const struct pcn_check_finding *fi, void *ud)
{
    struct findings *c = ud;
    if (strcmp(fi->check, "unallocated") == 0)
        c->unallocated++;
    else if (strcmp(fi->check, "network-size") == 0)
        c->size++;
    else if (strcmp(fi->check, "orphan-site") == 0)
        c->orphan++;
    else if (strcmp(fi->check, "no-list-size") == 0)
        c->no_list++;
    return 0;
}

static void test_check(void **state)
{
    struct test_db *f = *state;
    struct pcn_registry_import_summary sum;
    struct pcn_check_options o;
    struct pcn_error e;
    struct findings c = {0};
    struct pcn_site site = {.name = "Old branch"};
    int errors = 0;
    int warnings = 0;

    assert_int_equal(pcn_registry_import(f->s, DATA "mapping_extract.csv", &sum, &e), PCN_OK);
    pcn_check_options_init(&o, d("2026-08-01"));
    assert_int_equal(pcn_registry_check(f->s, &o, collect, &c, &errors, &warnings, &e), PCN_OK);
    assert_int_equal(c.unallocated, 3);
    assert_int_equal(c.no_list, 15);
    assert_int_equal(pcn_registry_import(f->s, DATA "list_size_extract.csv", &sum, &e), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_site(f->s, &site, NULL), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    memset(&c, 0, sizeof(c));
    assert_int_equal(pcn_registry_check(f->s, &o, collect, &c, &errors, &warnings, &e), PCN_OK);
    assert_int_equal(c.no_list, 0);
    assert_int_equal(c.orphan, 1);
    assert_int_equal(errors, 4);
    /* Stockton PCN has 67,850 patients: outside 30-50k; a 100k ceiling accepts it */
    assert_true(c.size >= 1);
    o.max_patients = 1000000;
    o.min_patients = 0;
    memset(&c, 0, sizeof(c));
    assert_int_equal(pcn_registry_check(f->s, &o, collect, &c, &errors, &warnings, &e), PCN_OK);
    assert_int_equal(c.size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_counts, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_rolls_back, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_move, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_check, test_db_setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
