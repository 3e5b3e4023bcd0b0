/*
 * Unit tests for finance/arrs.c, des.c and distribute.c: worked examples
 * written out by hand from the published rules (the figures and their
 * sources are in data/reference/ncdes/), each step in a comment so a
 * reader can check the arithmetic without the code:
 *   - a clinical pharmacist at band 7, 0.8 WTE, from 1 September 2024,
 *     crossing the 1 October 2024 uplift;
 *   - a subcontracted first contact physiotherapist whose invoice exceeds
 *     the maximum;
 *   - a network whose claims exceed its ARRS budget, and what hiring
 *     would do;
 *   - the DES lines of Stockton PCN (U89141) from the registry's list;
 *   - sharing a year's income among three practices.
 */
#include "testutil.h"

#include "finance_testutil.h"

#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/finance.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/parse.h"

#define REF PCN_SOURCE_DIR "/data/reference/"

static const struct pcn_contract *year(const char *key)
{
    const struct pcn_contract *c = pcn_rates_find_year(rates, key);
    assert_non_null(c);
    return c;
}

/* An ARRS-funded post employed by the network. */
static struct pcn_post arrs_post(const char *person, const char *role_key, int band,
                                 const char *wte, const char *start, const char *cost)
{
    struct pcn_post p;
    memset(&p, 0, sizeof(p));
    p.person = person;
    p.role = role(role_key);
    p.band = band;
    assert_int_equal(pcn_wte_parse(wte, strlen(wte), &p.wte), PCN_OK);
    p.employer = PCN_EMPLOYER_NETWORK;
    p.start = d(start);
    p.end = PCN_DATE_NONE;
    p.has_cost = cost != NULL;
    p.cost = cost ? gbp(cost) : 0;
    p.funding = PCN_FUNDING_ARRS;
    return p;
}

static struct pcn_arrs *compute(struct pcn_staff *s, const char *y,
                                const struct pcn_network_inputs *in, const char *as_of,
                                struct pcn_findings *f)
{
    struct pcn_arrs *a = NULL;
    enum pcn_err rc = pcn_arrs_compute(s, year(y), in, d(as_of), &a, f);
    if (rc != PCN_OK)
        dump(f);
    assert_int_equal(rc, PCN_OK);
    return a;
}

/*
 * Clinical pharmacist, band 7, 0.8 WTE, from 1 September 2024, costing the
 * lead practice 50,000.00 a year (salary plus on-costs at 0.8 WTE).
 *   maximum, September:   62,340 x 0.8 / 12 = 4,156.00   (S13, to 30 September)
 *   maximum, Oct-Mar:     65,838 x 0.8 / 12 = 4,389.20   (S11, from 1 October)
 *   cost a month:         50,000 / 12 = 4,166.67, 4,166.66, 4,166.67, ... (a run of
 *                         months adds up to its share of the year: 7/12 = 29,166.67)
 *   claim, September:     min(4,156.00, 4,166.67) = 4,156.00  (the maximum binds)
 *   claim, Oct-Mar:       the cost binds now the uplift lifted the maximum: 25,000.00
 *   year:                 4,156.00 + 25,000.00 = 29,156.00
 * At 54,000.00 a year (4,500.00 a month) the maximum binds throughout:
 *   4,156.00 + 6 x 4,389.20 = 30,491.20.
 */
static void test_pharmacist_crosses_uplift(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_network_inputs in;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_post p = arrs_post("P1", "clinical_pharmacist", 7, "0.8", "2024-09-01", "50000");
    struct pcn_arrs *a;
    const struct pcn_claim *cl;
    (void)state;
    p.employer = PCN_EMPLOYER_LEAD_PRACTICE;
    p.employer_code = "A81017";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p.person = "P2";
    p.cost = gbp("54000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    pcn_network_inputs_init(&in);
    in.registered = 67850;
    in.weighted = 70000;
    a = compute(s, "2024-25", &in, "2025-03-31", &f);
    assert_int_equal(a->n_claims, 2);
    cl = &a->claims[0];
    for (int m = 0; m < 5; m++)
        assert_int_equal(cl->claim[m], 0);
    assert_int_equal(cl->cap[5], gbp("4156.00"));
    assert_int_equal(cl->cost[5], gbp("4166.67"));
    assert_int_equal(cl->claim[5], gbp("4156.00"));
    assert_int_equal(cl->cap[6], gbp("4389.20"));
    assert_int_equal(cl->cost[6], gbp("4166.66"));
    assert_int_equal(cl->claim[6], gbp("4166.66"));
    assert_int_equal(cl->claim[11], gbp("4166.67"));
    assert_int_equal(cl->total_cap, gbp("30491.20"));
    assert_int_equal(cl->total_cost, gbp("29166.67"));
    assert_int_equal(cl->total_claim, gbp("29156.00"));
    assert_true(cl->flags & PCN_CLAIM_COST_ABOVE_CAP);
    assert_false(cl->flags & PCN_CLAIM_CAP_DERIVED);
    cl = &a->claims[1];
    assert_int_equal(cl->total_cost, gbp("31500.00"));
    assert_int_equal(cl->total_claim, gbp("30491.20"));
    assert_int_equal(a->total_claim, gbp("59647.20"));
    /* the lead practice employs on the network's behalf: what ARRS does not meet */
    assert_int_equal(a->network_cost_unreimbursed,
                     gbp("29166.67") + gbp("31500.00") - gbp("59647.20"));
    pcn_arrs_free(a);

    /* 2025/26: 66,972 x 0.8 / 12 = 4,464.80 a month, above the cost all year */
    a = compute(s, "2025-26", &in, "2026-03-31", &f);
    assert_int_equal(a->claims[0].total_claim, gbp("50000.00"));
    assert_int_equal(a->claims[1].total_claim, gbp("53577.60"));
    assert_int_equal(a->claims[1].cap[0], gbp("4464.80"));
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/*
 * First contact physiotherapist, 1.0 WTE, subcontracted, invoiced at
 * 6,000.00 a month, from 16 April 2024 to 31 March 2025.
 *   April (15 of 30 days): maximum 62,340 x 15/30 / 12 = 2,597.50; invoice
 *                          6,000 x 15/30 = 3,000.00; claim 2,597.50
 *   May-Sep:  maximum 62,340 / 12 = 5,195.00 (S13); 5 x 5,195.00 = 25,975.00
 *   Oct-Mar:  maximum 65,838 / 12 = 5,486.50 (derived: the band 7-8a figure of S11);
 *             6 x 5,486.50 = 32,919.00
 *   claimed:  2,597.50 + 25,975.00 + 32,919.00 = 61,491.50 of 69,000.00 invoiced;
 *             7,508.50 above the maximum is not reimbursed.
 */
static void test_physio_invoice_above_cap(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_network_inputs in;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_post p = arrs_post("FCP1", "first_contact_physiotherapist", PCN_BAND_NONE, "1",
                                  "2024-04-16", "6000.00");
    struct pcn_arrs *a;
    const struct pcn_claim *cl;
    (void)state;
    p.employer = PCN_EMPLOYER_SUBCONTRACTOR;
    p.employer_code = "Tees Physio Ltd";
    p.cost_per = PCN_COST_PER_MONTH;
    p.end = d("2025-03-31");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    pcn_network_inputs_init(&in);
    in.registered = 67850;
    in.weighted = 70000;
    a = compute(s, "2024-25", &in, "2025-03-31", &f);
    cl = &a->claims[0];
    assert_int_equal(cl->cap[0], gbp("2597.50"));
    assert_int_equal(cl->cost[0], gbp("3000.00"));
    assert_int_equal(cl->claim[0], gbp("2597.50"));
    assert_int_equal(cl->claim[1], gbp("5195.00"));
    assert_int_equal(cl->claim[6], gbp("5486.50"));
    assert_int_equal(cl->total_claim, gbp("61491.50"));
    assert_int_equal(cl->total_cost, gbp("69000.00"));
    assert_int_equal(cl->total_cost - cl->total_claim, gbp("7508.50"));
    assert_true(cl->flags & PCN_CLAIM_COST_ABOVE_CAP);
    assert_true(cl->flags & PCN_CLAIM_CAP_DERIVED);
    assert_true(has(&f, "derived_caps", "1 claims use maximum amounts derived"));
    /* a subcontractor is not the network's own cost */
    assert_int_equal(a->network_cost_unreimbursed, 0);
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/* The over-budget network of 2025/26: 3 pharmacists, a paramedic, a care coordinator. */
static struct pcn_staff *busy_network(void)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_post p;
    static const char *const cps[] = {"CP1", "CP2", "CP3"};
    for (int i = 0; i < 3; i++) {
        p = arrs_post(cps[i], "clinical_pharmacist", 7, "1", "2025-04-01", "70000");
        assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    }
    p = arrs_post("PM1", "paramedic", 7, "1", "2025-04-01", "68000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = arrs_post("CC1", "care_coordinator", 4, "1", "2025-04-01", "30000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    return s;
}

/*
 * A network of 10,000 weighted patients in 2025/26.
 *   budget:   26.631 x 10,000 = 266,310.00 (S12)
 *   claims a month: pharmacists and paramedic at their maximum 66,972 / 12 =
 *             5,581.00 each (costs 70,000 and 68,000 are above it); care
 *             coordinator at cost 30,000 / 12 = 2,500.00 (maximum 36,051 / 12 =
 *             3,004.25); 4 x 5,581.00 + 2,500.00 = 24,824.00
 *   year:     12 x 24,824.00 = 297,888.00, over by 31,578.00
 *   runs out: 10 months = 248,240.00 <= 266,310.00 < 11 months = 273,064.00:
 *             in the 11th month, February 2026
 *   on 30 September 2025: 6 months claimed (148,944.00), 6 to come (148,944.00),
 *             headroom -31,578.00, -5,263.00 a month
 *   network staff cost ARRS does not meet: 308,000.00 - 297,888.00 = 10,112.00
 * What if a 1.0 WTE pharmacist joins on 1 October 2025 at no stated cost
 * (assumed to reach the maximum): 6 x 5,581.00 = 33,486.00 more; headroom
 * -65,064.00; cumulative claims pass the budget in January 2026
 * (148,944 + 4 x 30,405 = 270,564 > 266,310).
 */
static void test_network_over_budget(void **state)
{
    struct pcn_staff *s = busy_network();
    struct pcn_network_inputs in;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_hire h;
    struct pcn_what_if w;
    struct pcn_arrs *a;
    const struct pcn_budget *b;
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = 9500;
    in.weighted = 10000;
    a = compute(s, "2025-26", &in, "2025-09-30", &f);
    b = pcn_arrs_budget(a, "arrs");
    assert_non_null(b);
    assert_true(b->is_known);
    assert_false(b->is_estimate);
    assert_int_equal(b->budget, gbp("266310.00"));
    assert_int_equal(b->claimed[0], gbp("24824.00"));
    assert_int_equal(b->total, gbp("297888.00"));
    assert_int_equal(b->headroom, -gbp("31578.00"));
    assert_int_equal(b->reimbursable, gbp("266310.00"));
    assert_int_equal(b->run_out_month, 10);
    assert_int_equal(a->as_of_month, 5);
    assert_int_equal(b->to_date, gbp("148944.00"));
    assert_int_equal(b->rest, gbp("148944.00"));
    assert_int_equal(b->months_left, 6);
    assert_int_equal(b->headroom_a_month, -gbp("5263.00"));
    assert_int_equal(a->network_cost_unreimbursed, gbp("10112.00"));
    assert_true(has(&f, "over_budget",
                    "claims of 297888.00 exceed the ARRS budget of "
                    "266310.00 by 31578.00 (it runs out in February 2026)"));
    assert_true(has(&f, "derived_caps", "2 claims"));

    memset(&h, 0, sizeof(h));
    h.role = role("clinical_pharmacist");
    h.band = 7;
    h.wte = 1000000;
    h.start = d("2025-10-01");
    h.end = PCN_DATE_NONE;
    assert_int_equal(pcn_arrs_what_if(a, &in, &h, &w, &f), PCN_OK);
    assert_int_equal(w.added_total, gbp("33486.00"));
    assert_int_equal(w.added[5], 0);
    assert_int_equal(w.added[6], gbp("5581.00"));
    assert_int_equal(w.headroom_before, -gbp("31578.00"));
    assert_int_equal(w.headroom_after, -gbp("65064.00"));
    assert_int_equal(w.run_out_before, 10);
    assert_int_equal(w.run_out_after, 9);
    assert_false(w.fits);
    pcn_arrs_free(a);

    /*
     * With 12,000 weighted patients: budget 319,572.00, headroom 21,684.00.
     * A social prescribing link worker, band 5, 1.0 WTE from 1 October 2025
     * at 32,000.00 a year claims her cost (below 43,352 / 12): 6/12 x 32,000
     * = 16,000.00, leaving 5,684.00: it fits.
     */
    in.weighted = 12000;
    a = compute(s, "2025-26", &in, "2025-09-30", &f);
    b = pcn_arrs_budget(a, "arrs");
    assert_int_equal(b->headroom, gbp("21684.00"));
    assert_int_equal(b->run_out_month, -1);
    h.role = role("social_prescribing_link_worker");
    h.band = 5;
    h.has_cost = 1;
    h.cost = gbp("32000");
    assert_int_equal(pcn_arrs_what_if(a, &in, &h, &w, &f), PCN_OK);
    assert_int_equal(w.added_total, gbp("16000.00"));
    assert_int_equal(w.headroom_after, gbp("5684.00"));
    assert_true(w.fits);
    assert_int_equal(w.run_out_after, -1);
    /* a hire in a role that is not reimbursable is refused, not priced at zero */
    h.role = role("receptionist");
    assert_int_equal(pcn_arrs_what_if(a, &in, &h, &w, &f), PCN_EINVAL);
    assert_true(has(&f, "not_arrs_role", "receptionist is not an ARRS role in 2025-26"));
    pcn_arrs_free(a);

    /* without the weighted population the budget is an estimate on the list, and says so */
    in.weighted = 0;
    a = compute(s, "2025-26", &in, "2025-09-30", &f);
    b = pcn_arrs_budget(a, "arrs");
    assert_true(b->is_estimate);
    assert_int_equal(b->budget, gbp("252994.50")); /* 26.631 x 9,500 */
    assert_true(has(&f, "estimate", "on the registered list (9500)"));
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/*
 * Rules at the edges: a GP claimed under the ARRS from June 2024 is only
 * reimbursable from 1 October 2024 (73,113 / 12 = 6,092.75 a month, S22)
 * and from a ring-fenced budget whose rate is not published in the sources
 * read; one person in two posts of 0.6 WTE counts 1.0 WTE (each post at
 * 0.5); four advanced practitioners pass the 2024/25 limit of three.
 */
static void test_edges(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_network_inputs in;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_allocation gp_budget = {"arrs_gp", 0};
    struct pcn_post p = arrs_post("GP1", "gp", PCN_BAND_NONE, "1", "2024-06-01", "80000");
    struct pcn_arrs *a;
    const struct pcn_budget *b;
    (void)state;
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    for (int i = 0; i < 4; i++) {
        static const char *const ids[] = {"AP1", "AP2", "AP3", "AP4"};
        p = arrs_post(ids[i], "advanced_practitioner", PCN_BAND_8A, "1", "2024-04-01", "60000");
        assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    }
    pcn_network_inputs_init(&in);
    in.registered = 40000;
    in.weighted = 42000;
    a = compute(s, "2024-25", &in, "2025-03-31", &f);
    assert_int_equal(a->claims[0].claim[2], 0); /* June */
    assert_int_equal(a->claims[0].claim[6], gbp("6092.75"));
    assert_int_equal(a->claims[0].total_claim, gbp("36556.50"));
    assert_true(a->claims[0].flags & PCN_CLAIM_NOT_ELIGIBLE);
    b = pcn_arrs_budget(a, "arrs_gp");
    assert_non_null(b);
    assert_false(b->is_known);
    assert_true(has(&f, "budget_unknown", "no rate for the ARRS ring-fenced GP budget"));
    assert_true(has(&f, "role_limit",
                    "4 WTE of Advanced practitioners (WTE) claimed in April 2024 "
                    "where the DES allows 3"));
    /* the GP's months are not in the main budget */
    assert_int_equal(pcn_arrs_budget(a, "arrs")->total, a->total_claim - gbp("36556.50"));
    pcn_arrs_free(a);

    gp_budget.pence = gbp("40000");
    in.allocations = &gp_budget;
    in.n_allocations = 1;
    a = compute(s, "2024-25", &in, "2025-03-31", &f);
    b = pcn_arrs_budget(a, "arrs_gp");
    assert_true(b->is_known && b->is_allocation);
    assert_int_equal(b->headroom, gbp("3443.50"));
    pcn_arrs_free(a);
    pcn_staff_free(s);

    /* one person, two 0.6 WTE posts in 2025/26: each counts 0.5 WTE */
    s = pcn_staff_new();
    p = arrs_post("H", "clinical_pharmacist", 7, "0.6", "2025-04-01", "90000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = arrs_post("H", "pharmacy_technician", 5, "0.6", "2025-04-01", "90000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    in.n_allocations = 0;
    a = compute(s, "2025-26", &in, "2026-03-31", &f);
    assert_int_equal(a->claims[0].total_claim, gbp("33486.00")); /* 66,972 x 0.5 */
    assert_int_equal(a->claims[1].total_claim, gbp("21676.00")); /* 43,352 x 0.5 */
    assert_true(a->claims[0].flags & PCN_CLAIM_PERSON_CAPPED);
    pcn_arrs_free(a);

    /* a register with errors is not summed */
    p = arrs_post("X", "paramedic", 7, "1.5", "2025-04-01", "1000");
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    a = NULL;
    assert_int_equal(pcn_arrs_compute(s, year("2025-26"), &in, d("2025-05-01"), &a, &f),
                     PCN_EINVAL);
    assert_null(a);
    assert_true(has(&f, "wte_range", "wte 1.5"));
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/* Stockton PCN's registered list: its practices in the mapping, their bands summed. */
static int64_t stockton_list(void)
{
    struct pcn_strmap *members = pcn_strmap_new();
    struct pcn_csv *c = NULL;
    struct pcn_error e;
    int64_t total = 0;
    long code;
    long pcn;
    assert_int_equal(pcn_csv_open(REF "gp-reg-pat-prac-map.csv", &c, &e), PCN_OK);
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    code = pcn_csv_find(c, "PRACTICE_CODE");
    pcn = pcn_csv_find(c, "PCN_CODE");
    while (pcn_csv_next(c, &e) == PCN_OK) {
        const char *p = pcn_csv_field(c, (size_t)code, NULL);
        if (strcmp(pcn_csv_field(c, (size_t)pcn, NULL), "U89141") == 0)
            assert_int_equal(pcn_strmap_put(members, p, strlen(p), 1), PCN_OK);
    }
    pcn_csv_free(c);
    assert_int_equal(pcn_csv_open(REF "list_bands.csv", &c, &e), PCN_OK);
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    while (pcn_csv_next(c, &e) == PCN_OK) {
        const char *p = pcn_csv_field(c, 0, NULL);
        uint64_t v;
        if (!pcn_strmap_get(members, p, strlen(p), &v))
            continue;
        for (size_t i = 3; i < pcn_csv_nfields(c); i++) {
            size_t len;
            const char *cell = pcn_csv_field(c, i, &len);
            int64_t n;
            assert_int_equal(pcn_parse_i64(cell, len, &n), PCN_OK);
            total += n;
        }
    }
    pcn_csv_free(c);
    pcn_strmap_free(members);
    return total;
}

static const struct pcn_income_line *line(const struct pcn_income *inc, const char *key)
{
    for (size_t i = 0; i < inc->n_lines; i++) {
        if (strcmp(inc->lines[i].key, key) == 0)
            return &inc->lines[i];
    }
    fail_msg("no line %s", key);
    return NULL;
}

/*
 * Stockton PCN (U89141): 67,850 registered patients (six practices, July
 * 2026 list); adjusted and weighted populations unknown, so the list
 * stands in and the lines say "estimate".
 * 2025/26 (P25, S12):
 *   core             2.266 x 67,850 + 0.733 x 67,850 = 153,748.10 + 49,734.05 = 203,482.15
 *                    a month: 203,482.15 / 12 = 16,956.8458: 7 months of 16,956.85
 *                    and 5 of 16,956.84
 *   enhanced access  8.427 x 67,850 = 571,771.95
 *   CAP              3.208 x 67,850 = 217,662.80
 *   CAIP             1.375 x 67,850 =  93,293.75 (full achievement assumed)
 *   care home        130.253 x 120 beds = 15,630.36
 *   IIF              value of a point unknown: no amount
 *   ARRS budget      26.631 x 67,850 = 1,806,913.35 (estimate)
 *   clinical director: included in core
 *   income (not ARRS): 203,482.15 + 571,771.95 + 217,662.80 + 93,293.75 + 15,630.36
 *                    = 1,101,841.01; paid monthly without conditions: 1,008,547.26
 * 2024/25 (S1, S2, S32):
 *   core             2.218 x 67,850 + 0.698 x 67,850 = 150,491.30 + 47,359.30 = 197,850.60
 *   enhanced access  7.674 x 67,850 = 520,680.90
 *   IIF (all 58 points, list-size adjusted by the mean list 48,703):
 *                    198 x 58 x 67,850 / 48,703 = 15,998.80 (estimate)
 *   ARRS budget      22.894 x 67,850 = 1,553,357.90
 */
static void test_des_stockton(void **state)
{
    struct pcn_network_inputs in;
    struct pcn_income *inc = NULL;
    const struct pcn_income_line *l;
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = stockton_list();
    assert_int_equal(in.registered, 67850);
    in.beds = 120;
    assert_int_equal(pcn_des_income(year("2025-26"), &in, &inc), PCN_OK);
    l = line(inc, "core");
    assert_int_equal(l->amount, gbp("203482.15"));
    assert_true(l->is_estimate);
    assert_int_equal(l->month[0], gbp("16956.85"));
    assert_int_equal(l->month[6], gbp("16956.85"));
    assert_int_equal(l->month[7], gbp("16956.84"));
    assert_non_null(strstr(l->basis, "2.266 x 67850 registered + 0.733 x 67850 adjusted"));
    assert_int_equal(line(inc, "enhanced_access")->amount, gbp("571771.95"));
    assert_int_equal(line(inc, "cap")->amount, gbp("217662.80"));
    l = line(inc, "caip");
    assert_int_equal(l->amount, gbp("93293.75"));
    assert_true(l->is_assumed);
    assert_int_equal(line(inc, "care_home")->amount, gbp("15630.36"));
    assert_false(line(inc, "iif")->is_known);
    l = line(inc, "arrs");
    assert_int_equal(l->amount, gbp("1806913.35"));
    assert_true(l->is_estimate);
    assert_string_equal(line(inc, "clinical_director")->part_of, "core");
    assert_int_equal(inc->total, gbp("1101841.01"));
    assert_int_equal(inc->total_assured, gbp("1008547.26"));
    pcn_income_free(inc);

    in.beds = -1;
    in.national_mean_list = 48703;
    assert_int_equal(pcn_des_income(year("2024-25"), &in, &inc), PCN_OK);
    assert_int_equal(line(inc, "core")->amount, gbp("197850.60"));
    assert_int_equal(line(inc, "enhanced_access")->amount, gbp("520680.90"));
    assert_false(line(inc, "care_home")->is_known);
    l = line(inc, "iif");
    assert_int_equal(l->amount, gbp("15998.80"));
    assert_true(l->is_assumed && l->is_estimate);
    assert_int_equal(line(inc, "arrs")->amount, gbp("1553357.90"));
    assert_false(line(inc, "arrs_gp")->is_known);
    pcn_income_free(inc);

    /* a known CAIP achievement and adjusted population replace the assumptions */
    in.caip_percent = 50;
    in.adjusted = 70000;
    assert_int_equal(pcn_des_income(year("2025-26"), &in, &inc), PCN_OK);
    l = line(inc, "caip");
    assert_int_equal(l->amount, gbp("48125.00")); /* 1.375 x 70,000 x 50% */
    assert_false(l->is_assumed || l->is_estimate);
    assert_int_equal(line(inc, "core")->amount, gbp("153748.10") + gbp("51310.00"));
    pcn_income_free(inc);
    in.registered = 0;
    assert_int_equal(pcn_des_income(year("2025-26"), &in, &inc), PCN_EINVAL);
}

/*
 * Three practices of 5,000, 3,000 and 2,000 registered patients (10,000),
 * 2025/26: core 29,990.00 (2.266 + 0.733 a patient), enhanced access
 * 84,270.00, CAP 32,080.00, CAIP 13,750.00 (assumed in full).
 * Agreement: 10,000.00 off core for the clinical director; core shared by
 * fixed shares of 50/30/20%; everything else by registered patients.
 *   core: 19,990.00 -> 9,995.00 / 5,997.00 / 3,998.00
 *   EA:   42,135.00 / 25,281.00 / 16,854.00
 *   CAP:  16,040.00 /  9,624.00 /  6,416.00
 *   CAIP:  6,875.00 /  4,125.00 /  2,750.00
 *   each: 75,045.00 / 45,027.00 / 30,018.00 = 150,090.00 (160,090.00 less 10,000.00)
 * What if everything but core were shared equally: EA 28,090.00 each;
 * CAP 32,080.00 / 3 = 10,693.33 r 1p, the penny to the first practice.
 */
static void test_distribution(void **state)
{
    struct pcn_network_inputs in;
    struct pcn_income *inc = NULL;
    struct pcn_agreement *ag = NULL;
    struct pcn_distribution *dist = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error e;
    const struct pcn_member members[] = {
        {"A00001", "North", 5000, 0}, {"A00002", "Middle", 3000, 0}, {"A00003", "South", 2000, 0}};
    char dir[128];
    char path[256];
    size_t core = 0;
    size_t ea = 0;
    size_t cap = 0;
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = 10000;
    assert_int_equal(pcn_des_income(year("2025-26"), &in, &inc), PCN_OK);
    assert_int_equal(inc->total, gbp("160090.00"));

    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/agreement.csv", dir);
    test_write_file(path, "rule,line,value,practice,label\n"
                          "method,all,registered,,\n"
                          "method,core,fixed,,\n"
                          "share,core,50%,A00001,\n"
                          "share,core,30%,A00002,\n"
                          "share,core,20%,A00003,\n"
                          "top_slice,core,10000.00,,Clinical director\n");
    assert_int_equal(pcn_agreement_load(path, &ag, &e), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, 0, &dist, &f), PCN_OK);
    assert_int_equal(dist->n_lines, 4);
    for (size_t i = 0; i < dist->n_lines; i++) {
        core = strcmp(dist->lines[i].key, "core") == 0 ? i : core;
        ea = strcmp(dist->lines[i].key, "enhanced_access") == 0 ? i : ea;
        cap = strcmp(dist->lines[i].key, "cap") == 0 ? i : cap;
    }
    assert_int_equal(dist->lines[core].sliced, gbp("10000.00"));
    assert_int_equal(dist->share[0 * 4 + core], gbp("9995.00"));
    assert_int_equal(dist->share[1 * 4 + core], gbp("5997.00"));
    assert_int_equal(dist->share[2 * 4 + core], gbp("3998.00"));
    assert_int_equal(dist->share[0 * 4 + ea], gbp("42135.00"));
    assert_int_equal(dist->member_total[0], gbp("75045.00"));
    assert_int_equal(dist->member_total[1], gbp("45027.00"));
    assert_int_equal(dist->member_total[2], gbp("30018.00"));
    assert_int_equal(dist->total_shared, gbp("150090.00"));
    assert_int_equal(dist->slices[0].amount, gbp("10000.00"));
    pcn_distribution_free(dist);

    /* what if: equal shares for every line without its own rule */
    assert_int_equal(pcn_agreement_set_method(ag, NULL, PCN_SHARE_EQUAL), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, 0, &dist, &f), PCN_OK);
    assert_int_equal(dist->share[0 * 4 + ea], gbp("28090.00"));
    assert_int_equal(dist->share[0 * 4 + cap], gbp("10693.34"));
    assert_int_equal(dist->share[1 * 4 + cap], gbp("10693.33"));
    assert_int_equal(dist->share[0 * 4 + core], gbp("9995.00"));
    assert_int_equal(dist->member_total[0] + dist->member_total[1] + dist->member_total[2],
                     gbp("150090.00"));
    pcn_distribution_free(dist);

    /* a slice on everything spreads in proportion; staff costs come off as computed */
    assert_int_equal(pcn_agreement_add_slice(ag, "all", "Network staff", 0, -1, 1), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, gbp("16009.00"), &dist, &f), PCN_OK);
    assert_int_equal(dist->total_sliced, gbp("26009.00"));
    assert_int_equal(dist->total_shared, gbp("134081.00"));
    /* 16,009.00 x 84,270 / 160,090 = 8,427.00 off enhanced access */
    assert_int_equal(dist->lines[ea].sliced, gbp("8427.00"));
    pcn_distribution_free(dist);

    /* bad agreements are refused with a reason */
    assert_int_equal(pcn_agreement_set_share(ag, "A00003", 1000), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, 0, &dist, &f), PCN_EINVAL);
    assert_true(has(&f, "shares_total", "fixed shares add up to 90.00%, not 100%"));
    assert_int_equal(pcn_agreement_set_share(ag, "A00003", 2000), PCN_OK);
    assert_int_equal(pcn_agreement_set_share(ag, "Z99999", 0), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, 0, &dist, &f), PCN_EINVAL);
    assert_true(has(&f, "share_not_member", "Z99999"));
    pcn_agreement_free(ag);
    ag = pcn_agreement_new();
    assert_int_equal(pcn_agreement_add_slice(ag, "caip", "Too much", gbp("20000"), -1, 0), PCN_OK);
    assert_int_equal(pcn_distribute(inc, ag, members, 3, 0, &dist, &f), PCN_EINVAL);
    assert_true(has(&f, "top_slice_exceeds", "top-slices of 20000.00 take more than"));
    pcn_agreement_free(ag);

    test_write_file(path, "rule,line,value,practice,label\nmethod,all,by_size,,\n");
    assert_int_equal(pcn_agreement_load(path, &ag, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "agreement.csv:2: method 'by_size'"));
    test_write_file(path, "rule,line,value,practice,label\ntop_slice,all,lots,,\n");
    assert_int_equal(pcn_agreement_load(path, &ag, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "agreement.csv:2: top_slice value 'lots'"));
    unlink(path);
    rmdir(dir);
    pcn_findings_release(&f);
    pcn_income_free(inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pharmacist_crosses_uplift),
        cmocka_unit_test(test_physio_invoice_above_cap),
        cmocka_unit_test(test_network_over_budget),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_des_stockton),
        cmocka_unit_test(test_distribution),
    };
    return cmocka_run_group_tests(tests, rates_setup, rates_teardown);
}
