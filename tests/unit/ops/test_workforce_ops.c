/*
 * Unit tests for ops/workforce.c, ops/finance_report.c and
 * ops/finance_networks.c over a real store (SQLite; PostgreSQL too under
 * scripts/with-pg.sh): staff CSVs imported whole or not at all, posts added
 * only when the register stays valid, ends with optimistic concurrency,
 * the census imported and replaced, finance inputs saved by version, and a
 * network's year computed from what is stored, matching the figures worked
 * by hand in tests/unit/finance/test_finance.c.
 *
 * The registry is the NHS extract of tests/data/registry: STOCKTON PCN
 * (U89141) has six practices and 67,850 registered patients on 1 July 2026.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "finance/finance_testutil.h"

#include "pcn/table.h"
#include "pcn/registry_ops.h"
#include "pcn/store_registry.h"
#include "pcn/workforce_ops.h"

#define REG PCN_SOURCE_DIR "/tests/data/registry/"
#define WF PCN_SOURCE_DIR "/tests/data/workforce/"

static bool on_pg;

static int setup(void **state)
{
    struct test_db *db;
    struct pcn_registry_import_summary sum;
    struct pcn_error e;

    if ((on_pg ? test_db_setup_pg(state) : test_db_setup(state)) != 0)
        return -1;
    db = *state;
    if (!db->s)
        return 0; /* PostgreSQL not configured: the test skips */
    if (pcn_registry_import(db->s, REG "mapping_extract.csv", &sum, &e) != PCN_OK ||
        pcn_registry_import(db->s, REG "list_size_extract.csv", &sum, &e) != PCN_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

static struct pcn_store *store_of(void **state)
{
    struct test_db *db = *state;
    if (!db->s)
        skip();
    return db->s;
}

/* Import a staff file into U89141 in one transaction; commit on success. */
static enum pcn_err import(struct pcn_store *s, const char *path, struct pcn_findings *f,
                           size_t *added)
{
    struct pcn_error e;
    enum pcn_err rc;

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    rc = pcn_workforce_import(s, rates, "U89141", path, f, added, &e);
    if (rc == PCN_OK)
        assert_int_equal(pcn_store_commit(s), PCN_OK);
    else
        pcn_store_rollback(s);
    return rc;
}

static size_t posts_of(struct pcn_store *s, const char *network)
{
    struct pcn_staff *st = NULL;
    struct pcn_error e;
    size_t n;
    assert_int_equal(pcn_workforce_load(s, pcn_rates_roles(rates), network, &st, &e), PCN_OK);
    n = pcn_staff_count(st);
    pcn_staff_free(st);
    return n;
}

static void save_inputs(struct pcn_store *s, const char *year, int64_t version)
{
    struct pcn_store_finance in = {"U89141", year, version, 69000, 70000, -1, -1, -1, ""};
    struct pcn_error e;
    int64_t v = 0;
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_finance_inputs_save(s, &in, NULL, 0, &v, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(v, version + 1);
}

/*
 * 2024/25 from staff_good.csv, as stored:
 *   P001 clinical pharmacist, band 7, 0.8 WTE from 1 September 2024 at
 *        50,000.00 a year: 29,156.00 (test_pharmacist_crosses_uplift)
 *   P002 subcontracted physiotherapist, 6,000.00 a month all year:
 *        6 x 5,195.00 + 6 x 5,486.50 = 64,089.00 of 72,000.00 invoiced
 *   P003 GP paid by the practice: no claim
 *   P004 care coordinator, band 4, 1.0 WTE at 30,000.00 a year to 31 January
 *        2025 (2,500.00 a month, under the maxima of 2,783.00 and 2,940.83):
 *        25,000.00; then 0.6 WTE at 18,500.50 a year: 2 months of
 *        18,500.50 / 12 = 3,083.42 (maximum 35,290 x 0.6 / 12 = 1,764.50 a
 *        month); 28,083.42 in all
 *   claims 29,156.00 + 64,089.00 + 28,083.42 = 121,328.42
 *   budget 22.894 x 70,000 weighted = 1,602,580.00
 *   core   2.218 x 67,850 + 0.698 x 69,000 = 150,491.30 + 48,162.00 = 198,653.30
 */
static void test_import_and_year(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_finance_report *r = NULL;
    const struct pcn_budget *b;
    struct pcn_error e;
    size_t added = 0;

    assert_int_equal(import(s, WF "staff_good.csv", &f, &added), PCN_OK);
    assert_int_equal(added, 5);
    assert_int_equal(posts_of(s, "U89141"), 5);
    assert_int_equal(posts_of(s, "U07032"), 0);
    save_inputs(s, "2024-25", 0);

    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", "2024-25", d("2026-07-01"), NULL, &r, &e),
        PCN_OK);
    assert_int_equal(r->facts->registered, 67850);
    assert_int_equal(r->facts->n_members, 6);
    assert_true(has(&r->findings, "list_date", "on or before 2024-01-01"));
    assert_int_equal(r->arrs->n_claims, 4);
    for (size_t i = 0; i < r->arrs->n_claims; i++) {
        const struct pcn_post *p = pcn_staff_post(r->staff, r->arrs->claims[i].post);
        int64_t want = strcmp(p->person, "P001") == 0   ? gbp("29156.00")
                       : strcmp(p->person, "P002") == 0 ? gbp("64089.00")
                       : p->wte == PCN_WTE_ONE          ? gbp("25000.00")
                                                        : gbp("3083.42");
        assert_int_equal(r->arrs->claims[i].total_claim, want);
    }
    assert_int_equal(r->arrs->total_claim, gbp("121328.42"));
    b = pcn_arrs_budget(r->arrs, "arrs");
    assert_non_null(b);
    assert_int_equal(b->budget, gbp("1602580.00"));
    assert_false(b->is_estimate);
    assert_int_equal(b->headroom, gbp("1602580.00") - gbp("121328.42"));
    assert_string_equal(r->income->lines[0].key, "core");
    assert_int_equal(r->income->lines[0].amount, gbp("198653.30"));
    assert_non_null(r->distribution);
    pcn_finance_report_free(r);

    /* an override changes the figures, not what is stored */
    {
        struct pcn_finance_overrides ov = {80000, 0, 0, PCN_SHARE_REGISTERED, 0};
        assert_int_equal(
            pcn_finance_report_build(s, rates, "U89141", "2024-25", d("2026-07-01"), &ov, &r, &e),
            PCN_OK);
        assert_int_equal(pcn_arrs_budget(r->arrs, "arrs")->budget, gbp("1831520.00"));
        pcn_finance_report_free(r);
    }
    /* no year given: the as-of date's, else the newest year before it, with a warning */
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", NULL, d("2026-07-01"), NULL, &r, &e), PCN_OK);
    assert_string_equal(pcn_contract_key(r->year), "2025-26");
    assert_true(has(&r->findings, "year_not_in_rates", "showing 2025-26"));
    assert_true(has(&r->findings, "estimate", "registered list"));
    pcn_finance_report_free(r);
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U00000", "2024-25", d("2026-07-01"), NULL, &r, &e),
        PCN_ENOTFOUND);
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", "2031-32", d("2026-07-01"), NULL, &r, &e),
        PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "2031-32"));
    pcn_findings_release(&f);
}

/*
 * The DES counts the list at 1 January before the year: with lists of 1
 * January 2024 in the registry, 2024/25 uses them (here 10,000 a practice:
 * core 2.218 x 60,000 + 0.698 x 69,000 = 133,080.00 + 48,162.00 =
 * 181,242.00), and so does 2025/26 (the latest list by 1 January 2025).
 * Every network at once does the same. Without them the latest list stands
 * in with a warning (test_import_and_year).
 */
static void test_list_of_january(void **state)
{
    static const char *const members[] = {"A81001", "A81017", "A81025",
                                          "A81046", "A81608", "A81629"};
    struct pcn_store *s = store_of(state);
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    for (size_t i = 0; i < 6; i++) {
        struct pcn_list_size l = {members[i], d("2024-01-01"), 10000};
        assert_int_equal(pcn_store_put_list_size(s, &l), PCN_OK);
    }
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    save_inputs(s, "2024-25", 0);
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", "2024-25", d("2026-07-01"), NULL, &r, &e),
        PCN_OK);
    assert_int_equal(r->facts->registered, 60000);
    assert_int_equal(r->facts->list_date, d("2024-01-01"));
    assert_int_equal(r->income->lines[0].amount, gbp("181242.00"));
    assert_false(has(&r->findings, "list_date", ""));
    pcn_finance_report_free(r);
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", "2025-26", d("2026-07-01"), NULL, &r, &e),
        PCN_OK);
    assert_int_equal(r->facts->registered, 60000); /* the latest on or before 1 January 2025 */
    pcn_finance_report_free(r);
    assert_int_equal(pcn_finance_networks(s, rates, "2024-25", d("2026-07-01"), &t, &e), PCN_OK);
    assert_string_equal(pcn_table_cell(t, 3, 0), "U89141");
    assert_string_equal(pcn_table_cell(t, 3, 2), "60000");
    pcn_table_free(t);
}

/* A bad file is refused whole with every bad row named; nothing is stored. */
static void test_bad_files(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    char path[300];
    FILE *fp;
    size_t added = 0;

    assert_int_equal(import(s, WF "staff_bad.csv", &f, &added), PCN_EPARSE);
    assert_true(has(&f, "field", "staff_bad.csv:3: role: unknown role 'chief_wizard'"));
    assert_true(has(&f, "field", "staff_bad.csv:4"));
    assert_true(has(&f, "field", "staff_bad.csv:10"));
    assert_true(f.n_errors >= 8);
    assert_int_equal(posts_of(s, NULL), 0);
    pcn_findings_release(&f);

    /* a row for another network */
    snprintf(path, sizeof(path), "%s/other.csv",
             ((struct test_db *)*state)->dir[0] ? ((struct test_db *)*state)->dir : "/tmp");
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("network,person,role,band,wte,employer,employer_code,start,cost,funding\n"
          "U89141,P1,paramedic,7,1,network,,2025-04-01,60000,arrs\n"
          "U07032,P2,paramedic,7,1,network,,2025-04-01,60000,arrs\n",
          fp);
    fclose(fp);
    assert_int_equal(import(s, path, &f, &added), PCN_EINVAL);
    assert_true(has(&f, "network", "other.csv:3"));
    assert_int_equal(posts_of(s, NULL), 0);
    remove(path);
    pcn_findings_release(&f);
}

static struct pcn_post pharmacist(const char *person, const char *start)
{
    struct pcn_post p;
    memset(&p, 0, sizeof(p));
    p.network = "U89141";
    p.person = person;
    p.role = role("clinical_pharmacist");
    p.band = 7;
    p.wte = PCN_WTE_ONE;
    p.employer = PCN_EMPLOYER_LEAD_PRACTICE;
    p.employer_code = "A81017";
    p.start = d(start);
    p.end = PCN_DATE_NONE;
    p.has_cost = 1;
    p.cost = gbp("60000");
    p.funding = PCN_FUNDING_ARRS;
    return p;
}

/* Adding checks the register with the post; ending is by version. */
static void test_add_and_end(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_post p = pharmacist("X1", "2025-04-01");
    struct pcn_error e;
    int64_t id = 0;
    int64_t v = 0;

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_add(s, rates, &p, &f, &id, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_true(id > 0);

    /* the same person, role and employer again from a later day: overlaps */
    p = pharmacist("X1", "2025-10-01");
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_add(s, rates, &p, &f, NULL, &e), PCN_EINVAL);
    pcn_store_rollback(s);
    assert_true(has(&f, "overlap", "X1"));
    assert_int_equal(posts_of(s, "U89141"), 1);
    pcn_findings_release(&f);

    /* no network */
    p.network = NULL;
    assert_int_equal(pcn_workforce_add(s, rates, &p, &f, NULL, &e), PCN_EINVAL);

    /* end: by version; a second end with the old version is a conflict */
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_end(s, id, 1, d("2025-09-30"), &v, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(v, 2);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_end(s, id, 1, d("2025-10-31"), &v, &e), PCN_ECONFLICT);
    assert_int_equal(pcn_workforce_end(s, id, 2, d("2025-10-31"), &v, &e), PCN_ECONFLICT);
    assert_int_equal(pcn_workforce_end(s, id + 100, 1, d("2025-10-31"), &v, &e), PCN_ENOTFOUND);
    pcn_store_rollback(s);
    /* now the later post fits */
    p = pharmacist("X1", "2025-10-01");
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_add(s, rates, &p, &f, NULL, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(posts_of(s, "U89141"), 2);
    /* an end before the start */
    p = pharmacist("X2", "2025-10-01");
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_add(s, rates, &p, &f, &id, &e), PCN_OK);
    assert_int_equal(pcn_workforce_end(s, id, 1, d("2025-09-30"), &v, &e), PCN_EINVAL);
    pcn_store_rollback(s);
    pcn_findings_release(&f);
}

/* The census: imported by day, re-imported in place, totals from the store. */
static void test_census(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_census_totals *t = NULL;
    struct pcn_error e;
    size_t rows = 0;
    int32_t day = 0;

    for (int round = 0; round < 2; round++) {
        assert_int_equal(pcn_store_begin(s), PCN_OK);
        assert_int_equal(pcn_workforce_import_census(s, pcn_rates_roles(rates),
                                                     WF "census_extract.csv", PCN_DATE_NONE, &rows,
                                                     &e),
                         PCN_OK);
        assert_int_equal(pcn_store_commit(s), PCN_OK);
        assert_int_equal(rows, 67);
    }
    assert_int_equal(
        pcn_workforce_census_totals(s, pcn_rates_roles(rates), d("2026-07-01"), &t, &day, &e),
        PCN_OK);
    assert_int_equal(day, d("2026-06-30"));
    assert_int_equal(pcn_census_totals_count(t), 4);
    assert_int_equal(pcn_census_totals_rows(t, (size_t)pcn_census_totals_find(t, "U89141"), -1),
                     pcn_census_totals_rows(t, (size_t)pcn_census_totals_find(t, "U89141"), -1));
    {
        /* the same totals as reading the file */
        struct pcn_census_totals *file = NULL;
        assert_int_equal(
            pcn_census_totals_load(WF "census_extract.csv", pcn_rates_roles(rates), &file, &e),
            PCN_OK);
        for (size_t i = 0; i < 4; i++) {
            assert_string_equal(pcn_census_totals_network(t, i),
                                pcn_census_totals_network(file, i));
            assert_int_equal(pcn_census_totals_fte(t, i, -1), pcn_census_totals_fte(file, i, -1));
            assert_int_equal(pcn_census_totals_rows(t, i, -1), pcn_census_totals_rows(file, i, -1));
        }
        pcn_census_totals_free(file);
    }
    pcn_census_totals_free(t);
    /* a compact file has no month: the day must be given */
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_workforce_import_census(s, pcn_rates_roles(rates),
                                                 PCN_SOURCE_DIR "/data/reference/census_staff.csv",
                                                 PCN_DATE_NONE, &rows, &e),
                     PCN_EINVAL);
    pcn_store_rollback(s);
}

/* Inputs are saved by version; a bad agreement rule is refused by name. */
static void test_inputs(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_store_finance in = {"U89141", "2025-26", 0, -1, 72000, 30, -1, 100, "outer"};
    const struct pcn_store_finance_item items[] = {
        {"allocation", "arrs", "1900000.00", NULL, NULL},
        {"method", "all", "weighted", NULL, NULL},
        {"top_slice", "core", "10%", NULL, "Clinical director"},
    };
    const struct pcn_store_finance_item bad[] = {{"method", "all", "by_height", NULL, NULL}};
    struct pcn_finance_inputs *fi = NULL;
    struct pcn_error e;
    int64_t v = 0;

    assert_int_equal(pcn_finance_inputs_load(s, "U89141", "2025-26", &fi, &e), PCN_OK);
    assert_int_equal(fi->version, 0);
    assert_int_equal(fi->in.weighted, 0); /* unknown */
    pcn_finance_inputs_free(fi);

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_finance_inputs_save(s, &in, items, 3, &v, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(v, 1);
    /* the same version again: someone saved first */
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_finance_inputs_save(s, &in, items, 3, &v, &e), PCN_ECONFLICT);
    pcn_store_rollback(s);
    in.version = 1;
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_finance_inputs_save(s, &in, bad, 1, &v, &e), PCN_EINVAL);
    pcn_store_rollback(s);
    assert_non_null(strstr(e.msg, "by_height"));

    assert_int_equal(pcn_finance_inputs_load(s, "U89141", "2025-26", &fi, &e), PCN_OK);
    assert_int_equal(fi->version, 1);
    assert_int_equal(fi->in.weighted, 72000);
    assert_int_equal(fi->in.beds, 30);
    assert_int_equal(fi->in.caip_percent, 100);
    assert_int_equal(fi->in.n_allocations, 1);
    assert_int_equal(fi->in.allocations[0].pence, gbp("1900000.00"));
    pcn_finance_inputs_free(fi);

    /* the allocation replaces the computed budget */
    {
        struct pcn_finance_report *r = NULL;
        assert_int_equal(
            pcn_finance_report_build(s, rates, "U89141", "2025-26", d("2026-07-01"), NULL, &r, &e),
            PCN_OK);
        assert_int_equal(pcn_arrs_budget(r->arrs, "arrs")->budget, gbp("1900000.00"));
        assert_true(pcn_arrs_budget(r->arrs, "arrs")->is_allocation);
        pcn_finance_report_free(r);
    }
}

/* Every network at once: the same figures as one network at a time. */
static void test_networks(void **state)
{
    struct pcn_store *s = store_of(state);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_finance_report *r = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    size_t added;
    char money[PCN_MONEY_STR_SIZE];

    assert_int_equal(import(s, WF "staff_good.csv", &f, &added), PCN_OK);
    save_inputs(s, "2024-25", 0);
    assert_int_equal(pcn_finance_networks(s, rates, "2024-25", d("2026-07-01"), &t, &e), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 4);
    assert_string_equal(pcn_table_cell(t, 3, 0), "U89141");
    assert_string_equal(pcn_table_cell(t, 3, 2), "67850");
    assert_string_equal(pcn_table_cell(t, 3, 3), "4");
    assert_string_equal(pcn_table_cell(t, 3, 4), "1602580.00");
    assert_string_equal(pcn_table_cell(t, 3, 5), "121328.42");
    assert_string_equal(pcn_table_cell(t, 3, 7), "false");
    assert_int_equal(
        pcn_finance_report_build(s, rates, "U89141", "2024-25", d("2026-07-01"), NULL, &r, &e),
        PCN_OK);
    pcn_pence_format(r->income->total, money);
    assert_string_equal(pcn_table_cell(t, 3, 8), money);
    pcn_finance_report_free(r);
    /* a network without staff or inputs: an estimated budget, no claims */
    assert_string_equal(pcn_table_cell(t, 0, 3), "0");
    assert_string_equal(pcn_table_cell(t, 0, 5), "0.00");
    assert_string_equal(pcn_table_cell(t, 0, 7), "true");
    pcn_table_free(t);
    pcn_findings_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_and_year, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_list_of_january, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_add_and_end, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_census, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_inputs, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_networks, setup, test_db_teardown),
    };
    int failed;

    if (rates_setup(NULL) != 0)
        return 1;
    on_pg = getenv("PCN_TEST_PG") != NULL;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    rates_teardown(NULL);
    return failed;
}
