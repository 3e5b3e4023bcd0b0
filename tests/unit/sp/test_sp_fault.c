/*
 * Allocation fault injection over the social prescribing domain (STYLE
 * rule 34): loading the postcode table and the code table, reading,
 * searching and writing the asset directory, each with allocation 1, 2,
 * 3... failing in turn. Every run must end in success or a clean error;
 * ASan/LSan (or valgrind) fails the test on a crash or a leak.
 */
#include "testutil.h"

#include "fault_util.h"

#include "pcn/asset.h"
#include "pcn/buf.h"
#include "pcn/geo.h"
#include "pcn/sp_coding.h"
#include "pcn/sp_report.h"

#define DATA PCN_SOURCE_DIR "/tests/data/sp/"

static void scenario_geo(void)
{
    struct pcn_geo *g = NULL;
    struct pcn_place p;
    struct pcn_error e;

    if (pcn_geo_load(DATA "postcodes.csv", &g, &e) != PCN_OK)
        return;
    (void)pcn_geo_postcode(g, "SM1 1AA", &p);
    pcn_geo_free(g);
}

static void scenario_directory(void)
{
    struct pcn_geo *g = NULL;
    struct pcn_directory *d = NULL;
    struct pcn_asset_hit *hits = NULL;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_asset_query q = {0};
    struct pcn_error e;
    size_t n = 0, total = 0;

    if (pcn_geo_load(DATA "postcodes.csv", &g, &e) != PCN_OK)
        goto out;
    d = pcn_directory_new();
    if (!d || pcn_directory_read_csv(d, DATA "assets.csv", g, 20636, NULL, &e) != PCN_OK)
        goto out;
    q.age = -1;
    q.has_origin = 1;
    q.lat = 51.36;
    q.lon = -0.19;
    q.text = "sutton";
    q.as_of = 20636;
    if (pcn_directory_search(d, &q, &hits, &n, &total) != PCN_OK)
        goto out;
    (void)pcn_directory_write_csv(d, &out);
out:
    pcn_free(hits);
    pcn_buf_release(&out);
    pcn_directory_free(d);
    pcn_geo_free(g);
}

static void scenario_codes(void)
{
    struct pcn_sp_codes c;
    struct pcn_error e;

    (void)pcn_sp_codes_load(NULL, &c, &e);
}

static void scenario_reports(void)
{
    const int64_t day = INT64_C(86400000000);
    struct pcn_sp_case c[] = {
        {.id = 1,
         .patient_id = "P1",
         .practice = "A81001",
         .lsoa = "E01000001",
         .link_worker = "lw1",
         .needs = 3,
         .connected = 1,
         .received_at = 20000 * day},
        {.id = 2,
         .patient_id = "P2",
         .practice = "B81002",
         .lsoa = "E01000002",
         .link_worker = "lw2",
         .needs = 4,
         .received_at = 20010 * day},
    };
    struct pcn_sp_measure m[] = {
        {1, PCN_INSTRUMENT_SWEMWBS, 20001 * day, {3, 3, 3, 3, 3, 3, 3}},
        {1, PCN_INSTRUMENT_SWEMWBS, 20060 * day, {4, 4, 4, 4, 4, 4, 4}},
    };
    struct pcn_sp_person p[] = {{"A81001", 40, 'F', 3, "A", 1}, {"B81002", 70, 'M', 8, "H", 0}};
    struct pcn_sp_outcomes o;
    struct pcn_sp_caseload *cl = NULL;
    struct pcn_sp_rate *r = NULL;
    struct pcn_sp_lsoa_coverage *cov = NULL;
    struct pcn_sp_category_gap g[PCN_ASSET_CATEGORY_COUNT_];
    struct pcn_directory *d = pcn_directory_new();
    size_t n = 0;

    if (pcn_sp_outcomes_compute(c, 2, m, 2, 1, &o) == PCN_OK)
        pcn_sp_outcomes_release(&o);
    if (pcn_sp_caseloads(c, 2, 20100 * day, &cl, &n) == PCN_OK)
        pcn_free(cl);
    if (pcn_sp_referral_rates(p, 2, &r, &n) == PCN_OK)
        pcn_free(r);
    if (pcn_sp_lsoa_coverage(c, 2, 0, 30000 * day, d, &cov, &n) == PCN_OK)
        pcn_free(cov);
    (void)pcn_sp_category_gaps(c, 2, 0, 30000 * day, d, 20100, g);
    pcn_directory_free(d);
}

static void test_sp_fault(void **state)
{
    (void)state;
    fault_require_injection();
    assert_true(fault_torture(scenario_geo) > 1);
    assert_true(fault_torture(scenario_directory) > 1);
    assert_true(fault_torture(scenario_codes) > 1);
    assert_true(fault_torture(scenario_reports) > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sp_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
