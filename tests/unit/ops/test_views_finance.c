/*
 * Unit tests for ops/views_finance.c: the workforce and finance result
 * kinds carry the finance layer's figures exactly (money as "1234.56" in
 * every rendering), group WTE by role, site and practice, and lay out the
 * ARRS claim export one row per post and month.
 */
#include "testutil.h"

#include "finance/finance_testutil.h"

#include "pcn/buf.h"
#include "pcn/views_finance.h"
#include "pcn/views_workforce.h"

/* The cell of the first row whose column key_col is key. */
static const char *find(const struct pcn_table *t, size_t key_col, const char *key, size_t col)
{
    for (size_t r = 0; r < pcn_table_rows(t); r++) {
        const char *k = pcn_table_cell(t, r, key_col);
        if (k && strcmp(k, key) == 0)
            return pcn_table_cell(t, r, col);
    }
    fail_msg("no row %s", key);
    return NULL;
}

static struct pcn_post post(const char *person, const char *role_key, int band, const char *wte,
                            const char *start, const char *cost)
{
    struct pcn_post p;
    memset(&p, 0, sizeof(p));
    p.person = person;
    p.role = role(role_key);
    p.band = band;
    assert_int_equal(pcn_wte_parse(wte, strlen(wte), &p.wte), PCN_OK);
    p.employer = PCN_EMPLOYER_LEAD_PRACTICE;
    p.employer_code = "A81017";
    p.start = d(start);
    p.end = PCN_DATE_NONE;
    p.has_cost = 1;
    p.cost = gbp(cost);
    p.funding = PCN_FUNDING_ARRS;
    return p;
}

static struct pcn_staff *register_of_three(void)
{
    static const struct pcn_post_site two[] = {{"A81017", 6}, {"Branch", 3}};
    static const struct pcn_post_site one[] = {{"A81001", 0}};
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_post p = post("P1", "clinical_pharmacist", 7, "0.8", "2024-09-01", "50000");
    p.sites = two;
    p.n_sites = 2;
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("P2", "care_coordinator", 4, "1", "2024-04-01", "30000");
    p.sites = one;
    p.n_sites = 1;
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("P3", "receptionist", 3, "0.5", "2020-01-01", "20000");
    p.funding = PCN_FUNDING_PRACTICE;
    p.employer = PCN_EMPLOYER_PRACTICE;
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("P4", "paramedic", 7, "1", "2020-01-01", "60000");
    p.end = d("2023-12-31"); /* left before the year */
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    return s;
}

static const char *branch_practice(const char *site, void *ud)
{
    (void)ud;
    return strcmp(site, "Branch") == 0 ? "A81017" : NULL;
}

static void test_staff_and_wte(void **state)
{
    struct pcn_staff *s = register_of_three();
    struct pcn_table *t = NULL;
    (void)state;
    assert_int_equal(pcn_view_staff(s, pcn_rates_roles(rates), d("2025-01-01"), 0, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 3);
    assert_string_equal(find(t, 1, "P1", 7), "0.8");
    assert_string_equal(find(t, 1, "P1", 12), "50000.00");
    assert_string_equal(find(t, 1, "P1", 15), "A81017=6;Branch=3");
    assert_string_equal(find(t, 1, "P2", 4), "Care coordinator");
    pcn_table_free(t);
    assert_int_equal(pcn_view_staff(s, pcn_rates_roles(rates), d("2025-01-01"), 1, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 4);
    pcn_table_free(t);

    /* 2.3 WTE in post; 23,000 patients: 1.00 WTE per 10,000 */
    assert_int_equal(pcn_view_workforce_wte(s, pcn_rates_roles(rates), d("2025-01-01"),
                                            PCN_WTE_BY_GROUP, 23000, NULL, NULL, &t),
                     PCN_OK);
    assert_string_equal(find(t, 1, "dpc", 5), "1.8");
    assert_string_equal(find(t, 1, "admin", 5), "0.5");
    assert_string_equal(find(t, 1, "total", 5), "2.3");
    assert_string_equal(find(t, 1, "total", 6), "1.00");
    assert_string_equal(find(t, 1, "total", 3), "3");
    pcn_table_free(t);
    /* by site: 0.8 WTE shared 6:3 (0.533333 + 0.266667); no site for the receptionist */
    assert_int_equal(pcn_view_workforce_wte(s, pcn_rates_roles(rates), d("2025-01-01"),
                                            PCN_WTE_BY_SITE, 0, NULL, NULL, &t),
                     PCN_OK);
    assert_string_equal(find(t, 1, "A81017", 5), "0.533333");
    assert_string_equal(find(t, 1, "Branch", 5), "0.266667");
    assert_string_equal(find(t, 1, "(no site)", 5), "0.5");
    assert_null(find(t, 1, "total", 6));
    pcn_table_free(t);
    /* by practice: the branch belongs to A81017 */
    assert_int_equal(pcn_view_workforce_wte(s, pcn_rates_roles(rates), d("2025-01-01"),
                                            PCN_WTE_BY_PRACTICE, 0, branch_practice, NULL, &t),
                     PCN_OK);
    assert_string_equal(find(t, 1, "A81017", 5), "0.8");
    assert_string_equal(find(t, 1, "A81017", 4), "2"); /* two posts: one per site */
    assert_string_equal(find(t, 1, "A81017", 3), "1");
    assert_string_equal(find(t, 1, "A81001", 5), "1");
    pcn_table_free(t);
    pcn_staff_free(s);
}

static void test_arrs_views(void **state)
{
    struct pcn_staff *s = register_of_three();
    struct pcn_network_inputs in;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_arrs *a = NULL;
    struct pcn_table *t = NULL;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_hire h;
    struct pcn_what_if w;
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = 23000;
    in.weighted = 2000; /* a tiny budget: 22.894 x 2,000 = 45,788.00 */
    assert_int_equal(
        pcn_arrs_compute(s, pcn_rates_find_year(rates, "2024-25"), &in, d("2024-12-15"), &a, &f),
        PCN_OK);
    assert_int_equal(pcn_view_arrs_claims(a, s, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2);
    assert_string_equal(find(t, 2, "P1", 11), "29156.00");
    assert_string_equal(find(t, 2, "P1", 8), "7");
    assert_string_equal(find(t, 2, "P1", 13), "cost_above_cap");
    assert_string_equal(find(t, 2, "P2", 11), "30000.00");
    assert_string_equal(find(t, 2, "P2", 13), "derived_cap");
    pcn_table_free(t);

    assert_int_equal(pcn_view_arrs_budget(a, &t), PCN_OK);
    assert_string_equal(find(t, 0, "arrs", 5), "45788.00");
    assert_string_equal(find(t, 0, "arrs", 8), "59156.00");
    assert_string_equal(find(t, 0, "arrs", 10), "-13368.00");
    assert_string_equal(find(t, 0, "arrs", 11), "3");
    assert_null(find(t, 0, "arrs_gp", 5)); /* unknown: no amount */
    /* the money is exact text in JSON too */
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_JSON, &out), PCN_OK);
    assert_non_null(strstr(out.buf, "\"headroom\": \"-13368.00\""));
    pcn_buf_release(&out);
    pcn_table_free(t);

    assert_int_equal(pcn_view_arrs_months(a, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 24);
    assert_string_equal(pcn_table_cell(t, 0, 0), "2024-04");
    assert_string_equal(pcn_table_cell(t, 0, 2), "2500.00");
    assert_string_equal(pcn_table_cell(t, 11, 3), "59156.00");
    assert_string_equal(pcn_table_cell(t, 8, 5), "true");  /* December, the as-of month */
    assert_string_equal(pcn_table_cell(t, 9, 5), "false"); /* January */
    pcn_table_free(t);

    /* the claim export: the pharmacist's September, at the maximum */
    assert_int_equal(pcn_view_arrs_claim_export(a, s, "U89141", "STOCKTON PCN", &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 12 + 7);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, &out), PCN_OK);
    assert_non_null(strstr(out.buf, "U89141,STOCKTON PCN,2024-09,P1,,Clinical pharmacist,7,0.8,"
                                    "lead_practice,A81017,2024-09-01,,4166.67,4156.00,4156.00,"
                                    "arrs,cost above the maximum: claim limited to the maximum\n"));
    pcn_buf_release(&out);
    pcn_table_free(t);

    memset(&h, 0, sizeof(h));
    h.role = role("paramedic");
    h.band = 7;
    h.wte = 500000;
    h.start = d("2025-01-01");
    h.end = PCN_DATE_NONE;
    assert_int_equal(pcn_arrs_what_if(a, &in, &h, &w, &f), PCN_OK);
    assert_int_equal(pcn_view_what_if(a, &h, &w, &t), PCN_OK);
    /* 3 months of 65,838 x 0.5 / 12 = 2,743.25 */
    assert_string_equal(pcn_table_cell(t, 0, 6), "8229.75");
    assert_string_equal(pcn_table_cell(t, 0, 8), "-21597.75");
    assert_string_equal(pcn_table_cell(t, 0, 11), "false");
    pcn_table_free(t);
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

static void test_income_views(void **state)
{
    struct pcn_network_inputs in;
    struct pcn_income *inc = NULL;
    struct pcn_agreement *ag = pcn_agreement_new();
    struct pcn_distribution *dist = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_table *t = NULL;
    const struct pcn_member members[] = {{"A00001", "North", 5000, 0},
                                         {"A00002", "South", 5000, 0}};
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = 10000;
    assert_int_equal(pcn_des_income(pcn_rates_find_year(rates, "2025-26"), &in, &inc), PCN_OK);
    assert_int_equal(pcn_view_des_income(inc, &t), PCN_OK);
    assert_string_equal(find(t, 0, "core", 3), "29990.00");
    assert_null(find(t, 0, "clinical_director", 3));
    assert_string_equal(find(t, 0, "clinical_director", 7), "core");
    assert_string_equal(find(t, 0, "caip", 6), "true");
    assert_string_equal(find(t, 0, "total", 3), "160090.00");
    pcn_table_free(t);
    assert_int_equal(pcn_agreement_add_slice(ag, "all", "CD", gbp("90.00"), -1, 0), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 2, 0, &dist, &f), PCN_OK);
    assert_int_equal(pcn_view_distribution(dist, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2 * 5 + 1);
    assert_string_equal(pcn_table_cell(t, 4, 2), "total");
    /* 160,000.00 in halves, but CAP and CAIP are left with an odd penny each after the
     * slice, and a tie goes to the first practice */
    assert_string_equal(pcn_table_cell(t, 4, 4), "80000.01");
    assert_string_equal(pcn_table_cell(t, 9, 4), "79999.99");
    assert_string_equal(pcn_table_cell(t, 10, 2), "slice:CD");
    assert_string_equal(pcn_table_cell(t, 10, 4), "90.00");
    pcn_table_free(t);
    pcn_distribution_free(dist);
    pcn_agreement_free(ag);
    pcn_income_free(inc);
    pcn_findings_release(&f);
}

/*
 * Comparison on the census extract (four networks, invented lists):
 * Stockton's register of one 1.0 WTE pharmacist is 1.0 x 10,000 / 67,850
 * = 0.15 per 10,000; the census per 10,000: U10439 1.005333 / 60,000 ->
 * 0.17, U03824 5 / 50,000 -> 1.00, U89141 32.613333 / 67,850 -> 4.81,
 * U07032 24.123999 / 43,308 -> 5.57; England (the four) 62.742665 /
 * 221,158 -> 2.84. The three others are above 0.15: rank 4 (U89141's own
 * census figure is not counted against its register).
 */
static void test_compare(void **state)
{
    static const struct pcn_network_list lists[] = {
        {"U89141", 67850}, {"U07032", 43308}, {"U03824", 50000}, {"U10439", 60000}, {"U99999", 0}};
    struct pcn_census_totals *c = NULL;
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_post p = post("P1", "clinical_pharmacist", 7, "1", "2024-09-01", "50000");
    struct pcn_table *t = NULL;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_census_totals_load(PCN_SOURCE_DIR
                                            "/tests/data/workforce/census_extract.csv",
                                            pcn_rates_roles(rates), &c, &e),
                     PCN_OK);
    assert_int_equal(pcn_census_totals_count(c), 4);
    assert_string_equal(pcn_census_totals_network(c, 0), "U03824");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    assert_int_equal(pcn_view_workforce_compare(s, pcn_rates_roles(rates), d("2026-06-30"),
                                                "U89141", 67850, c, lists, 5, PCN_WTE_BY_GROUP, &t),
                     PCN_OK);
    assert_string_equal(find(t, 1, "total", 3), "1");
    assert_string_equal(find(t, 1, "total", 4), "0.15");
    assert_string_equal(find(t, 1, "total", 5), "32.613333");
    assert_string_equal(find(t, 1, "total", 6), "4.81");
    assert_string_equal(find(t, 1, "total", 7), "4");
    assert_string_equal(find(t, 1, "total", 8), "0.17");
    assert_string_equal(find(t, 1, "total", 9), "1.00");
    assert_string_equal(find(t, 1, "total", 10), "4.81");
    assert_string_equal(find(t, 1, "total", 11), "2.84");
    assert_string_equal(find(t, 1, "total", 12), "4");
    /* a group only the census has: no register WTE */
    assert_string_equal(find(t, 1, "director", 3), "0");
    pcn_table_free(t);
    assert_int_equal(pcn_view_workforce_compare(s, pcn_rates_roles(rates), d("2026-06-30"),
                                                "U89141", 0, c, lists, 5, PCN_WTE_BY_GROUP, &t),
                     PCN_EINVAL);
    pcn_staff_free(s);
    pcn_census_totals_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staff_and_wte),
        cmocka_unit_test(test_arrs_views),
        cmocka_unit_test(test_income_views),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, rates_setup, rates_teardown);
}
