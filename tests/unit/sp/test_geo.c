/* Unit tests for sp/geo.c: the postcode table, LSOA centroids and distances. */
#include "testutil.h"

#include <math.h>

#include "pcn/geo.h"
#include "pcn/hash.h"

#define DATA PCN_SOURCE_DIR "/tests/data/sp/"

static char workdir[128];

static int setup(void **state)
{
    (void)state;
    test_mkdtemp(workdir, sizeof(workdir));
    return 0;
}

static int teardown(void **state)
{
    char path[256];
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/pc.csv", workdir);
    (void)unlink(path);
    (void)rmdir(workdir);
    return 0;
}

static void test_lookup(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_place p;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_geo_load(DATA "postcodes.csv", &g, &e), PCN_OK);
    assert_int_equal(pcn_geo_postcodes(g), 6);
    assert_int_equal(pcn_geo_lsoas(g), 4);
    assert_string_equal(pcn_geo_coverage(g), "SM, SR, TF, WN");

    /* any case and spacing */
    assert_int_equal(pcn_geo_postcode(g, "sm11aa", &p), PCN_OK);
    assert_string_equal(p.lsoa, "E01004142");
    assert_true(fabs(p.lat - 51.359722) < 1e-9);
    assert_true(fabs(p.lon - -0.193121) < 1e-9);
    /* well-formed but outside the table; malformed */
    assert_int_equal(pcn_geo_postcode(g, "M1 1AE", &p), PCN_ENOTFOUND);
    assert_int_equal(pcn_geo_postcode(g, "NOT A PC", &p), PCN_EINVAL);
    assert_int_equal(pcn_geo_postcode(g, NULL, &p), PCN_EINVAL);

    /* LSOA centroid: the mean of its postcodes */
    assert_int_equal(pcn_geo_lsoa(g, "E01004142", &p), PCN_OK);
    assert_true(fabs(p.lat - (51.359722 + 51.361846) / 2) < 1e-9);
    assert_true(fabs(p.lon - (-0.193121 + -0.194991) / 2) < 1e-9);
    assert_int_equal(pcn_geo_lsoa(g, "E01000001", &p), PCN_ENOTFOUND);

    /* locate: postcode, else LSOA centroid, else a message naming the coverage */
    int exact = -1;
    assert_int_equal(pcn_geo_locate(g, "SR1 1AF", NULL, &p, &exact, &e), PCN_OK);
    assert_int_equal(exact, 1);
    assert_int_equal(pcn_geo_locate(g, "M1 1AE", "E01008703", &p, &exact, &e), PCN_OK);
    assert_int_equal(exact, 0);
    assert_string_equal(p.lsoa, "E01008703");
    assert_int_equal(pcn_geo_locate(g, "M1 1AE", NULL, &p, &exact, &e), PCN_ENOTFOUND);
    assert_string_equal(e.msg,
                        "postcode M1 1AE is not in the postcode table (it covers SM, SR, TF, WN)");
    assert_int_equal(pcn_geo_locate(g, "", "E01000001", &p, &exact, &e), PCN_ENOTFOUND);
    assert_string_equal(e.msg,
                        "no postcode and an LSOA outside the postcode table to measure from");
    assert_int_equal(pcn_geo_locate(g, "XX", NULL, &p, &exact, &e), PCN_EINVAL);

    /* the postcodes of an LSOA, in postcode order */
    char pc[9];
    assert_int_equal(pcn_geo_lsoa_postcode_count(g, "E01004142"), 2);
    assert_int_equal(pcn_geo_lsoa_postcode_count(g, "E01000001"), 0);
    assert_int_equal(pcn_geo_lsoa_postcode_count(g, NULL), 0);
    assert_int_equal(pcn_geo_lsoa_postcode(g, "E01004142", 1, pc, &p), PCN_OK);
    assert_string_equal(pc, "SM1 1AG");
    assert_true(fabs(p.lat - 51.361846) < 1e-9);
    assert_string_equal(p.lsoa, "E01004142");
    assert_int_equal(pcn_geo_lsoa_postcode(g, "E01004142", 0, pc, &p), PCN_OK);
    assert_string_equal(pc, "SM1 1AA");
    assert_int_equal(pcn_geo_lsoa_postcode(g, "E01004142", 2, pc, &p), PCN_ENOTFOUND);
    assert_int_equal(pcn_geo_lsoa_postcode(g, "E01014145", 0, pc, &p), PCN_OK);
    assert_string_equal(pc, "TF1 1AA");
    assert_string_equal(e.msg, "'XX' is not a UK postcode");
    pcn_geo_free(g);
    pcn_geo_free(NULL);
}

static void test_shipped_table(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_place p;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_geo_load(NULL, &g, &e), PCN_OK);
    /* tools/derive_postcodes.py: 25,178 live located postcodes in 694 LSOAs */
    assert_int_equal(pcn_geo_postcodes(g), 25178);
    assert_int_equal(pcn_geo_lsoas(g), 694);
    assert_int_equal(pcn_geo_postcode(g, "WN1 1AA", &p), PCN_OK);
    assert_string_equal(p.lsoa, "E01006369");
    pcn_geo_free(g);
}

static void test_imd(void **state)
{
    struct pcn_strmap *imd = NULL;
    struct pcn_error e;
    char path[256];
    (void)state;
    assert_int_equal(pcn_lsoa_imd_load(NULL, &imd, &e), PCN_OK);
    /* MHCLG IMD 2019 as shipped: E01004142 (Sutton) decile 4, E01008703 (Sunderland centre) 1 */
    assert_int_equal(pcn_lsoa_imd_decile(imd, "E01004142"), 4);
    assert_int_equal(pcn_lsoa_imd_decile(imd, "E01008703"), 1);
    assert_int_equal(pcn_lsoa_imd_decile(imd, "E01999999"), 0);
    assert_int_equal(pcn_lsoa_imd_decile(imd, ""), 0);
    assert_int_equal(pcn_lsoa_imd_decile(NULL, "E01004142"), 0);
    pcn_strmap_free(imd);
    (void)snprintf(path, sizeof(path), "%s/pc.csv", workdir);
    test_write_file(path, "lsoa,imd_decile\nE01004142,11\n");
    assert_int_equal(pcn_lsoa_imd_load(path, &imd, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "pc.csv:2: expected an LSOA code and a decile 1-10"));
    test_write_file(path, "a,b\n");
    assert_int_equal(pcn_lsoa_imd_load(path, &imd, &e), PCN_EPARSE);
}

static void test_distance(void **state)
{
    (void)state;
    assert_true(pcn_geo_km(51.0, -1.0, 51.0, -1.0) == 0.0);
    /* one degree of latitude along a meridian: R * pi / 180 */
    assert_true(fabs(pcn_geo_km(50.0, 0.0, 51.0, 0.0) - 6371.0088 * M_PI / 180.0) < 1e-6);
    /* symmetric */
    assert_true(fabs(pcn_geo_km(51.36, -0.19, 54.91, -1.38) -
                     pcn_geo_km(54.91, -1.38, 51.36, -0.19)) < 1e-9);
    /* Sutton (SM1 1AA) to Sunderland (SR1 1AF): about 402 km as the crow flies */
    double km = pcn_geo_km(51.359722, -0.193121, 54.905928, -1.381919);
    assert_true(km > 398 && km < 406);
}

static void bad_file(const char *text, const char *expect)
{
    char path[256];
    struct pcn_geo *g = NULL;
    struct pcn_error e;

    (void)snprintf(path, sizeof(path), "%s/pc.csv", workdir);
    test_write_file(path, text);
    assert_int_equal(pcn_geo_load(path, &g, &e), PCN_EPARSE);
    assert_null(g);
    if (!strstr(e.msg, expect))
        fail_msg("got '%s', wanted '%s'", e.msg, expect);
}

static void test_bad_files(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_error e;
    (void)state;
    bad_file("", "empty file");
    bad_file("pc,lsoa,lat,long\n", "pc.csv:1: expected the header postcode,lsoa,lat,long");
    bad_file("postcode,lsoa,lat,long\nSM1 1AA,E01004142,51.3,-0.1\nSM11AA,E01004142,51.3,-0.1\n",
             "pc.csv:3: postcode SM1 1AA appears twice");
    bad_file("postcode,lsoa,lat,long\nSM1 1AA,W01004142,51.3,-0.1\n",
             "pc.csv:2: bad LSOA code 'W01004142'");
    bad_file("postcode,lsoa,lat,long\nSM1 1AA,E01004142,99.999999,0\n",
             "pc.csv:2: position '99.999999,0' is not in the UK");
    bad_file("postcode,lsoa,lat,long\nSM1,E01004142,51.3,-0.1\n", "pc.csv:2: bad postcode 'SM1'");
    bad_file("postcode,lsoa,lat,long\nSM1 1AA,E01004142,51.3\n", "pc.csv:2: expected 4 columns");
    assert_int_equal(pcn_geo_load("/nonexistent/pc.csv", &g, &e), PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/pc.csv"));
    assert_true(pcn_lsoa_is_valid("E01000001"));
    assert_false(pcn_lsoa_is_valid("E0100000"));
    assert_false(pcn_lsoa_is_valid("E02000001"));
    assert_false(pcn_lsoa_is_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),    cmocka_unit_test(test_shipped_table),
        cmocka_unit_test(test_imd),       cmocka_unit_test(test_distance),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
