/*
 * Unit tests for synth/staff_twin.c: Stockton PCN's synthetic staff from
 * the June 2026 census keep every role's published FTE, pass the
 * register's checks, price without error in both contract years, and are
 * the same for a seed and different for another.
 */
#include "testutil.h"

#include <stdbool.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/finance.h"
#include "pcn/money.h"
#include "pcn/rng.h"
#include "pcn/staff_twin.h"

#define RATES PCN_SOURCE_DIR "/data/reference/ncdes"
#define CENSUS PCN_SOURCE_DIR "/tests/data/workforce/census_extract.csv"

static struct pcn_rates *rates;

/* Stockton PCN's six practices and their July 2026 lists. */
static const struct pcn_twin_practice stockton[] = {
    {"A81001", 3733},  {"A81017", 18174}, {"A81025", 4019},
    {"A81046", 12149}, {"A81608", 18787}, {"A81629", 10988},
};

static int setup(void **state)
{
    struct pcn_error e;
    (void)state;
    return pcn_rates_load(RATES, &rates, &e) == PCN_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pcn_rates_free(rates);
    return 0;
}

static struct pcn_staff_twin_opts opts(void)
{
    struct pcn_staff_twin_opts o;
    memset(&o, 0, sizeof(o));
    o.network = "U89141";
    o.practices = stockton;
    o.n_practices = 6;
    assert_int_equal(pcn_date_parse("2026-06-30", 10, &o.census_date), PCN_OK);
    assert_int_equal(pcn_date_parse("2025-04-01", 10, &o.pay_date), PCN_OK);
    o.pay_uplift_bp = 360;
    return o;
}

static struct pcn_staff *twin(const char *census, uint64_t seed)
{
    struct pcn_staff_twin_opts o = opts();
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_error e;
    assert_int_equal(pcn_staff_twin(rates, census, &o, seed, s, &e), PCN_OK);
    return s;
}

static void test_keeps_census(void **state)
{
    struct pcn_staff *s = twin(CENSUS, 7);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_staff_twin_opts o = opts();
    int64_t fte = 0;
    int64_t pharmacists = 0;
    int cp = pcn_roles_find(pcn_rates_roles(rates), "clinical_pharmacist", 19);
    size_t people_before_pay = 0;
    (void)state;
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        assert_string_equal(p->network, "U89141");
        assert_true(p->start <= o.census_date);
        if (!pcn_post_is_open(p, o.census_date))
            continue;
        fte += p->wte;
        if (p->role == cp)
            pharmacists += p->wte;
        people_before_pay += p->start == o.pay_date;
    }
    /* 38 census rows, 32.613333 FTE; six pharmacists with 5.64 FTE */
    assert_int_equal(fte, 32613333);
    assert_int_equal(pharmacists, 5640000);
    assert_true(people_before_pay > 0);
    assert_int_equal(pcn_staff_validate(s, rates, &f), PCN_OK);
    for (size_t i = 0; i < f.n; i++) {
        if (f.items[i].severity == PCN_SEVERITY_ERROR)
            fail_msg("%s: %s", f.items[i].where, f.items[i].msg);
    }
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

static void test_prices(void **state)
{
    struct pcn_staff *s = twin(CENSUS, 7);
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_network_inputs in;
    (void)state;
    pcn_network_inputs_init(&in);
    in.registered = 67850;
    for (size_t y = 0; y < pcn_rates_n_years(rates); y++) {
        const struct pcn_contract *c = pcn_rates_year(rates, y);
        struct pcn_arrs *a = NULL;
        assert_int_equal(pcn_arrs_compute(s, c, &in, pcn_contract_to(c), &a, &f), PCN_OK);
        assert_true(a->n_claims > 10);
        assert_true(a->total_claim > 0);
        assert_true(a->total_claim <= a->total_cost);
        pcn_arrs_free(a);
    }
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/* The register as CSV text, to compare two runs. */
static char *as_csv(const struct pcn_staff *s)
{
    struct pcn_buf b = PCN_BUF_INIT;
    assert_int_equal(pcn_staff_write_csv(s, pcn_rates_roles(rates), &b), PCN_OK);
    return pcn_buf_detach(&b, NULL);
}

static void test_seeded(void **state)
{
    struct pcn_staff *a = twin(CENSUS, 7);
    struct pcn_staff *b = twin(CENSUS, 7);
    struct pcn_staff *c = twin(CENSUS, 8);
    char *ta = as_csv(a);
    char *tb = as_csv(b);
    char *tc = as_csv(c);
    (void)state;
    assert_string_equal(ta, tb);
    assert_string_not_equal(ta, tc);
    pcn_free(ta);
    pcn_free(tb);
    pcn_free(tc);
    pcn_staff_free(a);
    pcn_staff_free(b);
    pcn_staff_free(c);
}

/* The shipped compact census gives the same people as the published layout. */
static void test_shipped_census(void **state)
{
    struct pcn_staff *s = twin(NULL, 3);
    struct pcn_staff_twin_opts o = opts();
    int64_t fte = 0;
    (void)state;
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        if (pcn_post_is_open(pcn_staff_post(s, i), o.census_date))
            fte += pcn_staff_post(s, i)->wte;
    }
    assert_int_equal(fte, 32613333);
    pcn_staff_free(s);
}

/* North Stockton PCN: a contracted service of 2 FTE becomes two people of 1.0 WTE, invoiced
 * monthly. */
static void test_contracted(void **state)
{
    static const struct pcn_twin_practice north[] = {
        {"A81002", 18558}, {"A81006", 14566}, {"A81067", 10184}};
    struct pcn_staff_twin_opts o = opts();
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error e;
    int64_t fte = 0;
    int contracted = 0;
    (void)state;
    o.network = "U07032";
    o.practices = north;
    o.n_practices = 3;
    assert_int_equal(pcn_staff_twin(rates, CENSUS, &o, 1, s, &e), PCN_OK);
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (!pcn_post_is_open(p, o.census_date))
            continue;
        fte += p->wte;
        if (p->employer == PCN_EMPLOYER_SUBCONTRACTOR) {
            contracted++;
            assert_int_equal(p->cost_per, PCN_COST_PER_MONTH);
            assert_int_equal(p->wte, 1000000);
        } else {
            /* the lead practice is the largest */
            assert_true(p->employer_code == NULL || strcmp(p->employer_code, "A81002") == 0);
        }
    }
    assert_int_equal(fte, 24123999);
    assert_int_equal(contracted, 5);
    assert_int_equal(pcn_staff_validate(s, rates, &f), PCN_OK);
    assert_int_equal(f.n_errors, 0);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/*
 * A person the census lists several times in one role (U98623's person
 * 140521 is five rows of 0.25 WTE as an adult mental health practitioner)
 * holds one post per row, each with another employer, so the register
 * passes the checks and keeps every row's FTE; with more rows than
 * employers a row becomes a person of its own.
 */
static void test_repeated_rows(void **state)
{
    struct pcn_staff_twin_opts o = opts();
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_census_row r;
    struct pcn_rng rng;
    int64_t fte = 0;
    (void)state;
    o.practices = stockton;
    o.n_practices = 2; /* lead, one other and the network: three employers */
    memset(&r, 0, sizeof(r));
    r.pcn_code = o.network;
    r.role = pcn_roles_find(pcn_rates_roles(rates), "adult_mental_health_practitioner", 32);
    r.person = "140521";
    r.fte = 250000;
    pcn_rng_seed(&rng, 7);
    for (int i = 0; i < 5; i++)
        assert_int_equal(pcn_staff_twin_row(rates, &o, &rng, &r, s), PCN_OK);
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (pcn_post_is_open(p, o.census_date))
            fte += p->wte;
    }
    assert_int_equal(fte, 5 * 250000);
    assert_int_equal(pcn_staff_validate(s, rates, &f), PCN_OK);
    assert_int_equal(f.n_errors, 0);
    assert_string_equal(pcn_staff_post(s, pcn_staff_count(s) - 1)->person, "NWRS-140521#2");
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps_census), cmocka_unit_test(test_prices),
        cmocka_unit_test(test_seeded),       cmocka_unit_test(test_shipped_census),
        cmocka_unit_test(test_contracted),   cmocka_unit_test(test_repeated_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
