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

static void test_sp_fault(void **state)
{
    (void)state;
    fault_require_injection();
    assert_true(fault_torture(scenario_geo) > 1);
    assert_true(fault_torture(scenario_directory) > 1);
    assert_true(fault_torture(scenario_codes) > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sp_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
