/* Unit tests for synth/sp_twin.c: the social prescribing twin's directory and referral histories.
 */
#include "testutil.h"

#include <math.h>
#include <stdbool.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/sp_report.h"
#include "pcn/sp_twin.h"

#define DATA PCN_SOURCE_DIR "/tests/data/sp/"
#define N_PEOPLE 45000
#define DAY INT64_C(86400000000)

static struct pcn_sp_twin_person people[N_PEOPLE];
static char ids[N_PEOPLE][16];
static const char *const practices[] = {"A81001", "A81002", "A81003", "A81004", "A81005", "A81006"};
static const char *const lsoas[] = {"E01004142", "E01008703", "E01014145", "E01006369",
                                    "E01000001"};

static int32_t as_of(void)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse("2026-07-01", 10, &d), PCN_OK);
    return d;
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N_PEOPLE; i++) {
        (void)snprintf(ids[i], sizeof(ids[i]), "P%06d", i);
        people[i] = (struct pcn_sp_twin_person){
            ids[i],     practices[i % 6], lsoas[i % 5], i % 95, i % 2 ? 'F' : 'M',
            1 + i % 10, i % 4 == 0,
        };
    }
    return 0;
}

static struct pcn_sp_twin *make(uint64_t seed, const struct pcn_geo *geo)
{
    struct pcn_sp_twin_opts o = {.seed = seed, .as_of = as_of(), .geo = geo};
    struct pcn_sp_twin *t = NULL;
    struct pcn_error e;
    if (pcn_sp_twin_make(people, N_PEOPLE, &o, &t, &e) != PCN_OK)
        fail_msg("%s", e.msg);
    return t;
}

static void test_directory(void **state)
{
    struct pcn_geo *geo = NULL;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_geo_load(DATA "postcodes.csv", &geo, &e), PCN_OK);
    struct pcn_sp_twin *t = make(7, geo);
    size_t n = pcn_directory_count(t->directory);
    assert_int_equal(n, N_PEOPLE / 500);
    size_t placed = 0, stale = 0, active = 0;
    uint32_t cats = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pcn_asset *a = pcn_directory_at(t->directory, i);
        assert_int_equal(pcn_asset_check(a, &e), PCN_OK);
        assert_int_equal(a->id, (int64_t)i + 1);
        assert_true(a->lsoa[0]);
        placed += a->has_position;
        /* E01000001 is not in the test table: no postcode there */
        if (strcmp(a->lsoa, "E01000001") == 0)
            assert_false(a->has_position);
        else
            assert_true(a->has_position && a->postcode[0]);
        stale += pcn_asset_is_stale(a, as_of());
        active += a->active;
        cats |= a->categories;
        assert_true(a->last_verified <= as_of());
        assert_true(a->n_sessions >= 1);
    }
    assert_true(placed > n / 2);
    assert_true(stale > n / 10 && stale < n / 2); /* about a quarter not checked in a year */
    assert_true(active > n * 8 / 10);
    assert_true(__builtin_popcount(cats) >= 8);
    pcn_sp_twin_free(t);
    pcn_geo_free(geo);
}

/* Every part of every case must pass the domain's own checks. */
static void check_case(const struct pcn_sp_twin_case *c, pcn_usec_t horizon)
{
    struct pcn_error e;
    if (pcn_referral_check(&c->referral, &e) != PCN_OK)
        fail_msg("referral %lld: %s", (long long)c->referral.id, e.msg);
    if (pcn_referral_check_history(c->transitions, c->n_transitions, &e) != PCN_OK)
        fail_msg("referral %lld: %s", (long long)c->referral.id, e.msg);
    enum pcn_referral_state last =
        c->n_transitions ? c->transitions[c->n_transitions - 1].to : PCN_REFERRAL_RECEIVED;
    assert_int_equal(c->referral.state, last);
    assert_true(c->referral.received_at <= horizon);
    for (size_t i = 0; i < c->n_transitions; i++)
        assert_true(c->transitions[i].at <= horizon &&
                    c->transitions[i].at >= c->referral.received_at);
    for (size_t i = 0; i < c->n_contacts; i++) {
        assert_int_equal(c->contacts[i].referral_id, c->referral.id);
        if (pcn_contact_check(&c->contacts[i], horizon, &e) != PCN_OK)
            fail_msg("referral %lld contact %zu: %s", (long long)c->referral.id, i, e.msg);
    }
    for (size_t i = 0; i < c->n_outcomes; i++) {
        const struct pcn_outcome *o = &c->outcomes[i];
        assert_true(o->at <= horizon);
        int n = pcn_instrument_items(o->instrument);
        assert_int_equal(pcn_instrument_validate(o->instrument, o->items, (size_t)n, &e), PCN_OK);
    }
    for (size_t i = 0; i < c->n_goals; i++)
        assert_int_equal(pcn_goal_check_text(c->goals[i].text, &e), PCN_OK);
    if (c->n_connections)
        assert_true(c->referral.state == PCN_REFERRAL_CONNECTED ||
                    c->referral.state == PCN_REFERRAL_CLOSED ||
                    c->referral.state == PCN_REFERRAL_PLAN_AGREED);
}

static void test_referrals(void **state)
{
    (void)state;
    struct pcn_sp_twin *t = make(7, NULL);
    pcn_usec_t horizon = ((pcn_usec_t)as_of() + 1) * DAY;
    /* 4.3 FTE per 100,000: 1.9 FTE; 225 referrals per FTE a year over two years: about 870 */
    assert_true(fabs(t->link_worker_fte - 1.935) < 1e-9);
    assert_int_equal(t->n_link_workers, 2);
    assert_string_equal(t->link_workers[1], "linkworker2");
    double expect = 1.935 * 225 * 2;
    assert_true(t->n_cases > expect * 0.9 && t->n_cases < expect * 1.1);

    size_t by_state[PCN_REFERRAL_STATE_COUNT_] = {0};
    size_t with_baseline = 0, paired = 0;
    for (size_t i = 0; i < t->n_cases; i++) {
        const struct pcn_sp_twin_case *c = &t->cases[i];
        assert_int_equal(c->referral.id, (int64_t)i + 1);
        if (i)
            assert_true(c->referral.received_at >= t->cases[i - 1].referral.received_at);
        check_case(c, horizon);
        by_state[c->referral.state]++;
        size_t swem = 0;
        for (size_t k = 0; k < c->n_outcomes; k++)
            swem += c->outcomes[k].instrument == PCN_INSTRUMENT_SWEMWBS;
        with_baseline += swem >= 1;
        paired += swem >= 2;
    }
    /* most cases end, some are still open on the day, a few decline or cannot be reached */
    assert_true(by_state[PCN_REFERRAL_CLOSED] > t->n_cases / 2);
    assert_true(by_state[PCN_REFERRAL_DECLINED] > 0);
    assert_true(by_state[PCN_REFERRAL_NOT_CONTACTABLE] > 0);
    size_t open = 0;
    for (int s = 0; s <= PCN_REFERRAL_CONNECTED; s++)
        open += by_state[s];
    print_message("twin: %zu referrals, %zu open, %zu closed, %zu declined, %zu not contactable, "
                  "%zu with a SWEMWBS baseline, %zu paired\n",
                  t->n_cases, open, by_state[PCN_REFERRAL_CLOSED], by_state[PCN_REFERRAL_DECLINED],
                  by_state[PCN_REFERRAL_NOT_CONTACTABLE], with_baseline, paired);
    assert_true(open > 20 && open < t->n_cases / 3);
    /* realistic missingness: a baseline for most, a follow-up for about half of those */
    assert_true(with_baseline > t->n_cases * 6 / 10);
    assert_true(paired > with_baseline / 4 && paired < with_baseline * 3 / 4);
    pcn_sp_twin_free(t);
}

static void test_outcomes_and_gaps(void **state)
{
    (void)state;
    struct pcn_sp_twin *t = make(11, NULL);
    struct pcn_sp_case *cases = pcn_calloc(t->n_cases, sizeof(*cases));
    struct pcn_sp_measure *m = pcn_calloc(t->n_cases * 4, sizeof(*m));
    size_t n_m = 0;
    assert_non_null(cases);
    assert_non_null(m);
    for (size_t i = 0; i < t->n_cases; i++) {
        const struct pcn_sp_twin_case *c = &t->cases[i];
        cases[i] = (struct pcn_sp_case){.id = c->referral.id,
                                        .patient_id = c->referral.patient_id,
                                        .link_worker = c->referral.link_worker,
                                        .state = c->referral.state,
                                        .needs = c->referral.needs,
                                        .received_at = c->referral.received_at};
        for (size_t k = 0; k < c->n_connections; k++) {
            const struct pcn_asset *a =
                pcn_directory_find(t->directory, c->connections[k].asset_id);
            assert_non_null(a);
            assert_true(a->active);
            cases[i].connected |= a->categories;
        }
        for (size_t k = 0; k < c->n_outcomes; k++) {
            m[n_m] = (struct pcn_sp_measure){
                c->referral.id, c->outcomes[k].instrument, c->outcomes[k].at, {0}};
            memcpy(m[n_m].items, c->outcomes[k].items, sizeof(m[n_m].items));
            n_m++;
        }
    }
    struct pcn_sp_outcomes o;
    struct pcn_change_summary s;
    assert_int_equal(pcn_sp_outcomes_compute(cases, t->n_cases, m, n_m, 0, &o), PCN_OK);
    /* a modest average improvement: SWEMWBS metric up by 1-4 points, anxiety down */
    pcn_change_summarise(&o.overall[PCN_SP_M_SWEMWBS], &s);
    assert_true(s.n > 100);
    assert_true(s.mean_first > 15 && s.mean_first < 22);
    print_message("twin: SWEMWBS %lld pairs, %.2f -> %.2f (change %.2f, 95%% CI %.2f to %.2f)\n",
                  (long long)s.n, s.mean_first, s.mean_last, s.mean_change, s.ci_low, s.ci_high);
    assert_true(s.mean_improvement > 1.0 && s.mean_improvement < 4.0);
    assert_true(s.has_ci && s.ci_low > 0);
    pcn_change_summarise(&o.overall[PCN_SP_M_ANXIETY], &s);
    assert_true(s.mean_improvement > 0.2 && s.mean_improvement < 2.0);
    assert_true(s.n_worse > 0); /* not everyone gets better */
    pcn_sp_outcomes_release(&o);

    /* demand differs from supply: loneliness is the most asked for */
    struct pcn_sp_category_gap g[PCN_ASSET_CATEGORY_COUNT_];
    assert_int_equal(
        pcn_sp_category_gaps(cases, t->n_cases, 0, INT64_MAX, t->directory, as_of(), g), PCN_OK);
    int64_t most = 0;
    int most_cat = -1;
    for (int i = 0; i < PCN_ASSET_CATEGORY_COUNT_; i++) {
        if (g[i].asked > most) {
            most = g[i].asked;
            most_cat = g[i].category;
        }
    }
    assert_int_equal(most_cat, PCN_ASSET_LONELINESS);
    assert_true(g[0].asked_per_asset > g[PCN_ASSET_CATEGORY_COUNT_ - 1].asked_per_asset);
    pcn_free(cases);
    pcn_free(m);
    pcn_sp_twin_free(t);
}

static void test_determinism_and_options(void **state)
{
    struct pcn_sp_twin *t = NULL;
    struct pcn_error e;
    (void)state;
    struct pcn_sp_twin *a = make(42, NULL), *b = make(42, NULL), *c = make(43, NULL);
    assert_int_equal(a->n_cases, b->n_cases);
    for (size_t i = 0; i < a->n_cases; i++) {
        assert_string_equal(a->cases[i].referral.patient_id, b->cases[i].referral.patient_id);
        assert_int_equal(a->cases[i].referral.state, b->cases[i].referral.state);
        assert_int_equal(a->cases[i].n_contacts, b->cases[i].n_contacts);
    }
    bool differ = a->n_cases != c->n_cases;
    for (size_t i = 0; !differ && i < a->n_cases; i++)
        differ = strcmp(a->cases[i].referral.patient_id, c->cases[i].referral.patient_id) != 0;
    assert_true(differ);
    pcn_sp_twin_free(a);
    pcn_sp_twin_free(b);
    pcn_sp_twin_free(c);

    /* given FTE, rate, months and assets */
    struct pcn_sp_twin_opts o = {.seed = 1,
                                 .as_of = as_of(),
                                 .months = 12,
                                 .link_worker_fte = 3.5,
                                 .referrals_per_fte = 200,
                                 .n_assets = 300};
    assert_int_equal(pcn_sp_twin_make(people, N_PEOPLE, &o, &t, &e), PCN_OK);
    assert_int_equal(t->n_link_workers, 4);
    assert_int_equal(pcn_directory_count(t->directory), 300);
    assert_true(t->n_cases > 3.5 * 200 * 0.9 && t->n_cases < 3.5 * 200 * 1.1);
    pcn_sp_twin_free(t);
    pcn_sp_twin_free(NULL);

    o.months = 121;
    assert_int_equal(pcn_sp_twin_make(people, N_PEOPLE, &o, &t, &e), PCN_EINVAL);
    o.months = 12;
    o.n_assets = 6000;
    assert_int_equal(pcn_sp_twin_make(people, N_PEOPLE, &o, &t, &e), PCN_EINVAL);
    o.n_assets = 0;
    assert_int_equal(pcn_sp_twin_make(people, 0, &o, &t, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "social prescribing twin: no people");
    o.link_worker_fte = -1;
    assert_int_equal(pcn_sp_twin_make(people, N_PEOPLE, &o, &t, &e), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_referrals),
        cmocka_unit_test(test_outcomes_and_gaps),
        cmocka_unit_test(test_determinism_and_options),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
