/* Unit tests for sp/wellbeing.c: ONS4, SWEMWBS and WEMWBS scoring, validation and change. */
#include "testutil.h"

#include <math.h>

#include "pcn/wellbeing.h"

/*
 * The published SWEMWBS conversion (Stewart-Brown et al. 2009), written out
 * here independently of the table in the source so a typo in either fails.
 */
static const struct {
    int raw;
    double metric;
} published[] = {
    {7, 7.00},   {8, 9.51},   {9, 11.25},  {10, 12.40}, {11, 13.33}, {12, 14.08},
    {13, 14.75}, {14, 15.32}, {15, 15.84}, {16, 16.36}, {17, 16.88}, {18, 17.43},
    {19, 17.98}, {20, 18.59}, {21, 19.25}, {22, 19.98}, {23, 20.73}, {24, 21.54},
    {25, 22.35}, {26, 23.21}, {27, 24.11}, {28, 25.03}, {29, 26.02}, {30, 27.03},
    {31, 28.13}, {32, 29.31}, {33, 30.70}, {34, 32.55}, {35, 35.00},
};

static void test_swemwbs_table(void **state)
{
    double m = 0, prev = 0;
    (void)state;
    assert_int_equal(sizeof(published) / sizeof(published[0]), 29);
    for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
        assert_int_equal(pcn_swemwbs_metric(published[i].raw, &m), PCN_OK);
        assert_true(fabs(m - published[i].metric) < 1e-9);
        /* the Rasch transformation is strictly increasing */
        assert_true(m > prev);
        prev = m;
    }
    m = -1;
    assert_int_equal(pcn_swemwbs_metric(6, &m), PCN_EINVAL);
    assert_int_equal(pcn_swemwbs_metric(36, &m), PCN_EINVAL);
    assert_true(m == -1); /* untouched on error */
}

static void test_swemwbs_score(void **state)
{
    int items[7] = {3, 3, 3, 3, 3, 3, 3};
    int raw = 0;
    double metric = 0;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_swemwbs_score(items, &raw, &metric, &e), PCN_OK);
    assert_int_equal(raw, 21);
    assert_true(fabs(metric - 19.25) < 1e-9);

    int low[7] = {1, 1, 1, 1, 1, 1, 2};
    assert_int_equal(pcn_swemwbs_score(low, &raw, &metric, &e), PCN_OK);
    assert_int_equal(raw, 8);
    assert_true(fabs(metric - 9.51) < 1e-9);

    /* an item outside 1-5 and a missing item are refused with the item named */
    raw = -5;
    items[2] = 6;
    assert_int_equal(pcn_swemwbs_score(items, &raw, &metric, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "SWEMWBS item 3 (relaxed) is 6; items are scored 1-5");
    assert_int_equal(raw, -5);
    items[2] = 0;
    assert_int_equal(pcn_swemwbs_score(items, &raw, &metric, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "is 0; items are scored 1-5"));
    items[2] = 3;
    items[6] = PCN_ITEM_MISSING;
    assert_int_equal(pcn_swemwbs_score(items, &raw, &metric, &e), PCN_EINVAL);
    assert_string_equal(e.msg,
                        "SWEMWBS item 7 (own_mind) is missing; all 7 items are needed for a score");
}

static void test_ons4(void **state)
{
    int items[4] = {7, 8, 6, 3};
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, items, 4, &e), PCN_OK);
    int edges[4] = {0, 10, 0, 10};
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, edges, 4, &e), PCN_OK);
    items[3] = 11;
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, items, 4, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "ONS4 anxiety is 11; items are scored 0-10");
    items[3] = 3;
    items[0] = -2;
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, items, 4, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "ONS4 life_satisfaction is -2; items are scored 0-10");
    items[0] = PCN_ITEM_MISSING;
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, items, 4, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "life_satisfaction is missing"));
    assert_int_equal(pcn_instrument_validate(PCN_INSTRUMENT_ONS4, edges, 3, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "ONS4 has 4 items, 3 given");

    /* anxiety is the one item where lower is better */
    assert_int_equal(pcn_instrument_item_direction(PCN_INSTRUMENT_ONS4, PCN_ONS4_ANXIETY), -1);
    assert_int_equal(pcn_instrument_item_direction(PCN_INSTRUMENT_ONS4, PCN_ONS4_HAPPINESS), 1);
    assert_int_equal(pcn_instrument_item_direction(PCN_INSTRUMENT_SWEMWBS, 0), 1);

    /* ONS thresholds */
    assert_string_equal(pcn_ons4_band(PCN_ONS4_LIFE_SATISFACTION, 4), "low");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_LIFE_SATISFACTION, 5), "medium");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_WORTHWHILE, 8), "high");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_HAPPINESS, 9), "very_high");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_ANXIETY, 1), "very_low");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_ANXIETY, 3), "low");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_ANXIETY, 5), "medium");
    assert_string_equal(pcn_ons4_band(PCN_ONS4_ANXIETY, 6), "high");
    assert_null(pcn_ons4_band(PCN_ONS4_ANXIETY, 11));
}

static void test_wemwbs_and_names(void **state)
{
    int items[14];
    int total = 0;
    enum pcn_instrument in;
    struct pcn_error e;
    (void)state;
    for (int i = 0; i < 14; i++)
        items[i] = 1 + i % 5;
    assert_int_equal(pcn_wemwbs_score(items, &total, &e), PCN_OK);
    assert_int_equal(total, 40);
    assert_true(pcn_instrument_value(PCN_INSTRUMENT_WEMWBS, items, 0) == 40.0);
    items[13] = 9;
    assert_int_equal(pcn_wemwbs_score(items, &total, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "WEMWBS item 14 (cheerful) is 9; items are scored 1-5");

    assert_int_equal(pcn_instrument_parse("swemwbs", &in), PCN_OK);
    assert_int_equal(in, PCN_INSTRUMENT_SWEMWBS);
    assert_int_equal(pcn_instrument_parse("SWEMWBS", &in), PCN_EINVAL);
    assert_int_equal(pcn_instrument_parse(NULL, &in), PCN_EINVAL);
    assert_string_equal(pcn_instrument_name(PCN_INSTRUMENT_ONS4), "ons4");
    assert_null(pcn_instrument_name(PCN_INSTRUMENT_COUNT_));
    assert_int_equal(pcn_instrument_items(PCN_INSTRUMENT_WEMWBS), 14);
    assert_string_equal(pcn_instrument_item_name(PCN_INSTRUMENT_ONS4, 3), "anxiety");
    assert_null(pcn_instrument_item_name(PCN_INSTRUMENT_ONS4, 4));
    int lo = 0, hi = 0;
    pcn_instrument_item_range(PCN_INSTRUMENT_ONS4, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 10);
    int sw[7] = {5, 5, 5, 5, 5, 5, 5};
    assert_true(pcn_instrument_value(PCN_INSTRUMENT_SWEMWBS, sw, 0) == 35.0);
    int ons[4] = {2, 3, 4, 9};
    assert_true(pcn_instrument_value(PCN_INSTRUMENT_ONS4, ons, PCN_ONS4_ANXIETY) == 9.0);
}

static void test_change(void **state)
{
    /* anxiety falling from 8 to 4 and 6 to 5 is an improvement; 3 to 3 is no change */
    struct pcn_change c = PCN_CHANGE_INIT(-1);
    struct pcn_change_summary s;
    (void)state;
    pcn_change_summarise(&c, &s);
    assert_int_equal(s.n, 0);
    assert_false(s.has_ci);
    assert_true(s.mean_change == 0.0);

    pcn_change_add(&c, 8, 4);
    pcn_change_summarise(&c, &s);
    assert_int_equal(s.n, 1);
    assert_false(s.has_ci); /* one pair has no spread */
    assert_true(s.mean_change == -4.0);
    assert_true(s.mean_improvement == 4.0);

    pcn_change_add(&c, 6, 5);
    pcn_change_add(&c, 3, 3);
    pcn_change_summarise(&c, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.n_improved, 2);
    assert_int_equal(s.n_worse, 0);
    assert_int_equal(s.n_same, 1);
    assert_true(fabs(s.mean_first - 17.0 / 3) < 1e-12);
    assert_true(fabs(s.mean_last - 4.0) < 1e-12);
    assert_true(fabs(s.mean_change - (-5.0 / 3)) < 1e-12);
    assert_true(fabs(s.mean_improvement - 5.0 / 3) < 1e-12);
    /* changes -4, -1, 0: sample sd = sqrt(((-4+5/3)^2 + (-1+5/3)^2 + (5/3)^2) / 2) */
    double sd = sqrt((pow(-4 + 5.0 / 3, 2) + pow(-1 + 5.0 / 3, 2) + pow(5.0 / 3, 2)) / 2);
    assert_true(fabs(s.sd_change - sd) < 1e-12);
    assert_true(s.has_ci);
    double half = 4.303 * sd / sqrt(3);
    assert_true(fabs(s.ci_low - (-5.0 / 3 - half)) < 1e-9);
    assert_true(fabs(s.ci_high - (-5.0 / 3 + half)) < 1e-9);

    /* merging two partial summaries equals adding every pair to one */
    struct pcn_change a = PCN_CHANGE_INIT(1), b = PCN_CHANGE_INIT(1), all = PCN_CHANGE_INIT(1);
    double pairs[][2] = {{20, 22}, {18, 17}, {25, 25}, {14, 19}, {21, 24}};
    for (size_t i = 0; i < 5; i++) {
        pcn_change_add(i < 2 ? &a : &b, pairs[i][0], pairs[i][1]);
        pcn_change_add(&all, pairs[i][0], pairs[i][1]);
    }
    pcn_change_merge(&a, &b);
    struct pcn_change_summary sa, sall;
    pcn_change_summarise(&a, &sa);
    pcn_change_summarise(&all, &sall);
    assert_int_equal(sa.n, 5);
    assert_true(fabs(sa.mean_change - sall.mean_change) < 1e-12);
    assert_true(fabs(sa.sd_change - sall.sd_change) < 1e-12);
    assert_int_equal(sa.n_improved, 3);
    assert_int_equal(sa.n_worse, 1);
}

static void test_t95(void **state)
{
    (void)state;
    assert_true(isnan(pcn_t95(0)));
    assert_true(fabs(pcn_t95(1) - 12.706) < 1e-9);
    assert_true(fabs(pcn_t95(30) - 2.042) < 1e-9);
    assert_true(fabs(pcn_t95(60) - 2.000) < 1e-9);
    assert_true(fabs(pcn_t95(120) - 1.980) < 1e-9);
    /* published t(0.975, 50) = 2.009, t(0.975, 1000) = 1.962 */
    assert_true(fabs(pcn_t95(50) - 2.009) < 0.002);
    assert_true(fabs(pcn_t95(1000) - 1.962) < 0.001);
    /* decreasing in df */
    for (int df = 1; df < 500; df++)
        assert_true(pcn_t95(df + 1) <= pcn_t95(df));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swemwbs_table), cmocka_unit_test(test_swemwbs_score),
        cmocka_unit_test(test_ons4),          cmocka_unit_test(test_wemwbs_and_names),
        cmocka_unit_test(test_change),        cmocka_unit_test(test_t95),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
