/* Unit tests for sp/report.c: outcomes, caseloads, referral rates, category gaps, LSOA coverage. */
#include "testutil.h"

#include <math.h>

#include "pcn/alloc.h"
#include "pcn/sp_report.h"

#define DAY INT64_C(86400000000)
#define CAT(x) (1u << PCN_ASSET_##x)

static const pcn_usec_t now = 20600 * DAY; /* 2026-05-25 */

static struct pcn_sp_measure swem(int64_t referral, int64_t day, int all)
{
    struct pcn_sp_measure m = {referral, PCN_INSTRUMENT_SWEMWBS, day * DAY, {0}};
    for (int i = 0; i < 7; i++)
        m.items[i] = all;
    return m;
}

static struct pcn_sp_measure ons(int64_t referral, int64_t day, int life, int worth, int happy,
                                 int anx)
{
    struct pcn_sp_measure m = {referral, PCN_INSTRUMENT_ONS4, day * DAY, {life, worth, happy, anx}};
    return m;
}

static void test_outcomes(void **state)
{
    struct pcn_sp_case cases[3] = {
        {.id = 1, .patient_id = "P1", .connected = CAT(PHYSICAL_ACTIVITY)},
        {.id = 2, .patient_id = "P2", .connected = CAT(PHYSICAL_ACTIVITY) | CAT(LONELINESS)},
        {.id = 3, .patient_id = "P3"},
    };
    /* out of order on purpose; referral 9 does not exist */
    struct pcn_sp_measure m[] = {
        swem(1, 100, 5),        /* last for 1: raw 35 -> 35.00 */
        swem(1, 10, 3),         /* first for 1: raw 21 -> 19.25 */
        swem(1, 50, 4),         /* middle, ignored */
        swem(2, 20, 2),         /* first for 2: raw 14 -> 15.32 */
        swem(2, 80, 3),         /* last for 2: 19.25 */
        swem(3, 5, 3),          /* baseline only */
        ons(2, 20, 4, 5, 4, 8), /* ONS4 for 2: anxiety 8 -> 3 is an improvement of 5 */
        ons(2, 80, 6, 6, 7, 3),
        ons(2, 80, 9, 9, 9, 9), /* same instant as the first of the pair? no: same as last */
        swem(9, 10, 3),
    };
    struct pcn_sp_outcomes o;
    struct pcn_change_summary s;
    (void)state;
    /* the duplicate at day 80 makes 3 ONS4 rows for referral 2; the pair uses the latest row */
    m[8].at = m[7].at + 1;
    assert_int_equal(pcn_sp_outcomes_compute(cases, 3, m, sizeof(m) / sizeof(m[0]), 1, &o), PCN_OK);
    assert_int_equal(o.referrals_measured, 3);

    pcn_change_summarise(&o.overall[PCN_SP_M_SWEMWBS], &s);
    assert_int_equal(s.n, 2);
    assert_true(fabs(s.mean_first - (19.25 + 15.32) / 2) < 1e-9);
    assert_true(fabs(s.mean_last - (35.00 + 19.25) / 2) < 1e-9);
    assert_int_equal(s.n_improved, 2);
    assert_int_equal(o.baseline_only[PCN_SP_M_SWEMWBS], 1);

    pcn_change_summarise(&o.overall[PCN_SP_M_ANXIETY], &s);
    assert_int_equal(s.n, 1);
    assert_true(s.mean_change == 1.0);       /* 8 -> 9 (the later row at day 80) */
    assert_true(s.mean_improvement == -1.0); /* worse */
    assert_int_equal(s.n_worse, 1);

    /* per category: physical activity has both people, loneliness only referral 2 */
    pcn_change_summarise(&o.by_category[PCN_ASSET_PHYSICAL_ACTIVITY][PCN_SP_M_SWEMWBS], &s);
    assert_int_equal(s.n, 2);
    pcn_change_summarise(&o.by_category[PCN_ASSET_LONELINESS][PCN_SP_M_SWEMWBS], &s);
    assert_int_equal(s.n, 1);
    assert_true(fabs(s.mean_change - (19.25 - 15.32)) < 1e-9);
    pcn_change_summarise(&o.by_category[PCN_ASSET_CARERS][PCN_SP_M_SWEMWBS], &s);
    assert_int_equal(s.n, 0);

    /* per person: referral 1 SWEMWBS, referral 2 four ONS4 items and SWEMWBS */
    assert_int_equal(o.n_pairs, 6);
    assert_int_equal(o.pairs[0].referral_id, 1);
    assert_string_equal(o.pairs[0].patient_id, "P1");
    assert_int_equal(o.pairs[0].measure, PCN_SP_M_SWEMWBS);
    assert_true(o.pairs[0].first == 19.25 && o.pairs[0].last == 35.0);
    assert_int_equal(o.pairs[0].first_at, 10 * DAY);
    assert_int_equal(o.pairs[0].last_at, 100 * DAY);
    assert_int_equal(o.pairs[1].referral_id, 2);
    assert_int_equal(o.pairs[1].measure, PCN_SP_M_LIFE_SATISFACTION);
    pcn_sp_outcomes_release(&o);
    pcn_sp_outcomes_release(NULL);

    /* two measurements at one instant are one measurement */
    struct pcn_sp_measure same[] = {swem(1, 10, 3), swem(1, 10, 4)};
    assert_int_equal(pcn_sp_outcomes_compute(cases, 3, same, 2, 0, &o), PCN_OK);
    assert_int_equal(o.overall[PCN_SP_M_SWEMWBS].n, 0);
    assert_int_equal(o.baseline_only[PCN_SP_M_SWEMWBS], 1);
    assert_null(o.pairs);
    pcn_sp_outcomes_release(&o);

    /* nothing at all */
    assert_int_equal(pcn_sp_outcomes_compute(NULL, 0, NULL, 0, 1, &o), PCN_OK);
    assert_int_equal(o.referrals_measured, 0);
    pcn_sp_outcomes_release(&o);
    assert_string_equal(pcn_sp_measure_kind_name(PCN_SP_M_SWEMWBS), "swemwbs_metric");
    assert_int_equal(pcn_sp_measure_kind_direction(PCN_SP_M_ANXIETY), -1);
}

static void test_caseloads(void **state)
{
    struct pcn_sp_case c[] = {
        /* alice: open, contacted 3 days ago */
        {.id = 1,
         .link_worker = "alice",
         .state = PCN_REFERRAL_PLAN_AGREED,
         .received_at = now - 40 * DAY,
         .first_contact_at = now - 38 * DAY,
         .last_contact_at = now - 3 * DAY},
        /* alice: received 30 days ago, never contacted: waiting, and 28+ days */
        {.id = 2,
         .link_worker = "alice",
         .state = PCN_REFERRAL_RECEIVED,
         .received_at = now - 30 * DAY},
        /* alice: closed 10 days ago, received 100 days ago */
        {.id = 3,
         .link_worker = "alice",
         .state = PCN_REFERRAL_CLOSED,
         .received_at = now - 100 * DAY,
         .ended_at = now - 10 * DAY},
        /* bob: received two years ago, still open, last contact 60 days ago */
        {.id = 4,
         .link_worker = "bob",
         .state = PCN_REFERRAL_CONNECTED,
         .received_at = now - 730 * DAY,
         .first_contact_at = now - 700 * DAY,
         .last_contact_at = now - 60 * DAY},
        /* unassigned, just received */
        {.id = 5,
         .link_worker = NULL,
         .state = PCN_REFERRAL_RECEIVED,
         .received_at = now - DAY / 2},
    };
    struct pcn_sp_caseload *rows = NULL;
    size_t n = 0;
    (void)state;
    assert_int_equal(pcn_sp_caseloads(c, 5, now, &rows, &n), PCN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].link_worker, ""); /* unassigned first */
    assert_int_equal(rows[0].open, 1);
    assert_int_equal(rows[0].waiting_first_contact, 1);
    assert_int_equal(rows[0].max_days_since_contact, 0);
    assert_string_equal(rows[1].link_worker, "alice");
    assert_int_equal(rows[1].open, 2);
    assert_int_equal(rows[1].waiting_first_contact, 1);
    assert_int_equal(rows[1].no_contact_28_days, 1);
    assert_true(fabs(rows[1].mean_days_since_contact - (3 + 30) / 2.0) < 1e-9);
    assert_int_equal(rows[1].max_days_since_contact, 30);
    assert_int_equal(rows[1].new_12_months, 3);
    assert_int_equal(rows[1].ended_12_months, 1);
    assert_string_equal(rows[2].link_worker, "bob");
    assert_int_equal(rows[2].open, 1);
    assert_int_equal(rows[2].new_12_months, 0);
    assert_int_equal(rows[2].max_days_since_contact, 60);
    pcn_free(rows);

    assert_int_equal(pcn_sp_caseloads(NULL, 0, now, &rows, &n), PCN_OK);
    assert_int_equal(n, 0);
    pcn_free(rows);
    assert_int_equal(pcn_sp_days_between(now - 3 * DAY - 5, now), 3);
    assert_int_equal(pcn_sp_days_between(now + DAY, now), 0);
}

static const struct pcn_sp_rate *find_rate(const struct pcn_sp_rate *r, size_t n,
                                           enum pcn_sp_dimension d, const char *g)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].dimension == d && strcmp(r[i].group, g) == 0)
            return &r[i];
    }
    fail_msg("no row %d %s", (int)d, g);
    return NULL;
}

static void test_rates(void **state)
{
    struct pcn_sp_person p[1000];
    struct pcn_sp_rate *r = NULL;
    size_t n = 0;
    (void)state;
    /* 1,000 people: B81002 has 600 (30 referred), A81001 has 400 (10 referred) */
    for (int i = 0; i < 1000; i++) {
        p[i] = (struct pcn_sp_person){
            i < 600 ? "B81002" : "A81001",
            i % 90,
            i % 2 ? 'F' : 'M',
            1 + i % 10,
            i % 5 == 0   ? "H"
            : i % 5 == 1 ? "Z"
                         : "A",
            0,
        };
        if ((i < 600 && i % 20 == 0) || (i >= 600 && i % 40 == 0))
            p[i].referred = 1;
    }
    assert_int_equal(pcn_sp_referral_rates(p, 1000, &r, &n), PCN_OK);
    assert_int_equal(n, 1 + 2 + 20);
    assert_int_equal(r[0].dimension, PCN_SP_DIMENSION_COUNT_);
    assert_string_equal(r[0].group, "all");
    assert_int_equal(r[0].population, 1000);
    assert_int_equal(r[0].referred, 40);
    assert_true(fabs(r[0].per_1000 - 40.0) < 1e-9);
    /* Wilson 95% interval for 40/1000: 29.5 to 54.1 per 1,000 */
    assert_true(fabs(r[0].ci_low - 29.5) < 0.1);
    assert_true(fabs(r[0].ci_high - 54.1) < 0.1);
    assert_true(r[0].ratio == 1.0); /* the whole population against itself */
    /* practices in code order after "all" */
    assert_string_equal(r[1].group, "A81001");
    assert_int_equal(r[1].population, 400);
    assert_int_equal(r[1].referred, 10);
    assert_true(fabs(r[1].ratio - 25.0 / 40.0) < 1e-9);
    assert_string_equal(r[2].group, "B81002");
    assert_true(fabs(r[2].per_1000 - 50.0) < 1e-9);
    /* fixed groups in their order */
    assert_int_equal(r[3].dimension, PCN_SP_BY_AGE);
    assert_string_equal(r[3].group, "0-17");
    assert_string_equal(r[7].group, "80+");
    const struct pcn_sp_rate *x = find_rate(r, n, PCN_SP_BY_ETHNICITY, "Asian");
    assert_int_equal(x->population, 200);
    x = find_rate(r, n, PCN_SP_BY_ETHNICITY, "Not known");
    assert_int_equal(x->population, 200);
    x = find_rate(r, n, PCN_SP_BY_ETHNICITY, "Black");
    assert_int_equal(x->population, 0);
    assert_true(x->per_1000 == 0 && x->ratio == 0);
    x = find_rate(r, n, PCN_SP_BY_IMD, "1");
    assert_int_equal(x->population, 200); /* deciles 1 and 2 */
    x = find_rate(r, n, PCN_SP_BY_SEX, "F");
    assert_int_equal(x->population, 500);
    x = find_rate(r, n, PCN_SP_BY_AGE, "18-39");
    int expect = 0;
    for (int i = 0; i < 1000; i++)
        expect += i % 90 >= 18 && i % 90 < 40;
    assert_int_equal(x->population, expect);
    pcn_free(r);

    assert_string_equal(pcn_sp_ethnic_group("K"), "Asian");
    assert_string_equal(pcn_sp_ethnic_group("N"), "Black");
    assert_string_equal(pcn_sp_ethnic_group("G"), "Mixed");
    assert_string_equal(pcn_sp_ethnic_group("S"), "Other");
    assert_string_equal(pcn_sp_ethnic_group("Z"), "Not known");
    assert_string_equal(pcn_sp_ethnic_group("AB"), "Not known");
    assert_string_equal(pcn_sp_ethnic_group(NULL), "Not known");
    assert_string_equal(pcn_sp_dimension_name(PCN_SP_BY_IMD), "imd_quintile");

    assert_int_equal(pcn_sp_referral_rates(NULL, 0, &r, &n), PCN_OK);
    assert_int_equal(r[0].population, 0);
    assert_true(r[0].per_1000 == 0);
    pcn_free(r);
}

static void add_asset(struct pcn_directory *d, int64_t id, uint32_t cats, const char *lsoa,
                      int capacity, int active)
{
    struct pcn_asset a;
    struct pcn_error e;
    pcn_asset_init(&a);
    a.id = id;
    a.name = "x";
    a.categories = cats;
    (void)snprintf(a.lsoa, sizeof(a.lsoa), "%s", lsoa);
    a.capacity = capacity;
    a.active = active;
    a.last_verified = 20500;
    if (id == 3)
        a.last_verified = PCN_DATE_NONE;
    if (id == 1) {
        a.n_sessions = 2;
        a.sessions[0] = (struct pcn_asset_session){1, 600, 660};
        a.sessions[1] = (struct pcn_asset_session){5, 600, 660};
    }
    assert_int_equal(pcn_directory_add(d, &a, NULL, &e), PCN_OK);
}

static void test_gaps(void **state)
{
    struct pcn_directory *d = pcn_directory_new();
    struct pcn_sp_category_gap g[PCN_ASSET_CATEGORY_COUNT_];
    struct pcn_sp_case c[] = {
        {.id = 1,
         .lsoa = "E01000001",
         .needs = CAT(LONELINESS) | CAT(DEBT_ADVICE),
         .connected = CAT(LONELINESS),
         .received_at = now - 10 * DAY},
        {.id = 2, .lsoa = "E01000001", .needs = CAT(DEBT_ADVICE), .received_at = now - 20 * DAY},
        {.id = 3, .lsoa = "E01000002", .needs = CAT(LONELINESS), .received_at = now - 5 * DAY},
        {.id = 4, .lsoa = "E01000002", .needs = CAT(CARERS), .received_at = now - 400 * DAY},
        {.id = 5, .lsoa = "", .needs = CAT(LONELINESS), .received_at = now - 5 * DAY},
    };
    (void)state;
    add_asset(d, 1, CAT(LONELINESS) | CAT(PHYSICAL_ACTIVITY), "E01000002", 10, 1);
    add_asset(d, 2, CAT(LONELINESS), "E01000002", -1, 1);
    add_asset(d, 3, CAT(LONELINESS), "E01000003", 5, 1);
    add_asset(d, 4, CAT(DEBT_ADVICE), "E01000009", 5, 0); /* closed: not supply */
    assert_int_equal(pcn_sp_category_gaps(c, 5, now - 365 * DAY, now, d, 20600, g), PCN_OK);
    /* debt advice: asked twice, no active asset: first */
    assert_int_equal(g[0].category, PCN_ASSET_DEBT_ADVICE);
    assert_int_equal(g[0].asked, 2);
    assert_int_equal(g[0].assets, 0);
    assert_true(g[0].asked_per_asset == 2.0);
    /* loneliness: asked 3 times (ids 1, 3, 5), three assets: 1 per asset */
    assert_int_equal(g[1].category, PCN_ASSET_LONELINESS);
    assert_int_equal(g[1].asked, 3);
    assert_int_equal(g[1].connected, 1);
    assert_int_equal(g[1].assets, 3);
    assert_int_equal(g[1].stale_assets, 1);
    assert_int_equal(g[1].places, 10 * 2 + 5);
    assert_int_equal(g[1].lsoas_with_asset, 2);
    /* carers: asked only before the period: 0 */
    for (int i = 2; i < PCN_ASSET_CATEGORY_COUNT_; i++)
        assert_true(g[i].asked_per_asset == 0.0);

    struct pcn_sp_lsoa_coverage *cov = NULL;
    size_t n = 0;
    assert_int_equal(pcn_sp_lsoa_coverage(c, 5, now - 365 * DAY, now, d, &cov, &n), PCN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(cov[0].lsoa, "E01000001");
    assert_int_equal(cov[0].referrals, 2);
    assert_int_equal(cov[0].assets, 0);
    assert_int_equal(cov[0].needs[PCN_ASSET_DEBT_ADVICE], 2);
    assert_int_equal(cov[0].unmet, CAT(LONELINESS) | CAT(DEBT_ADVICE));
    assert_string_equal(cov[1].lsoa, "E01000002");
    assert_int_equal(cov[1].referrals, 1); /* the carers referral is outside the period */
    assert_int_equal(cov[1].assets, 2);
    assert_int_equal(cov[1].categories, CAT(LONELINESS) | CAT(PHYSICAL_ACTIVITY));
    assert_int_equal(cov[1].unmet, 0);
    assert_string_equal(cov[2].lsoa, "E01000003");
    assert_int_equal(cov[2].referrals, 0);
    pcn_free(cov);

    assert_int_equal(pcn_sp_category_gaps(c, 5, now - 365 * DAY, now, NULL, 20600, g), PCN_OK);
    assert_int_equal(g[0].category, PCN_ASSET_LONELINESS); /* 3 asked, none available */
    pcn_directory_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_caseloads),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
