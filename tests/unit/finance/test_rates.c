/*
 * Unit tests for finance/rates.c: the shipped rates files load and say
 * what the sources say (the October 2024 pharmacist uplift, GPs from
 * October 2024, band-split nurse caps in 2025/26), and every kind of bad
 * rates file is refused with FILE:LINE.
 */
#include "testutil.h"

#include "pcn/date.h"
#include "pcn/rates.h"

#define RATES PCN_SOURCE_DIR "/data/reference/ncdes"

static int32_t d(const char *s)
{
    int32_t v;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static int role(const struct pcn_rates *r, const char *key)
{
    int i = pcn_roles_find(pcn_rates_roles(r), key, strlen(key));
    assert_true(i >= 0);
    return i;
}

static void test_bands(void **state)
{
    int b;
    (void)state;
    assert_int_equal(pcn_band_parse("8a", 2, &b), PCN_OK);
    assert_int_equal(b, PCN_BAND_8A);
    assert_int_equal(pcn_band_parse("8A", 2, &b), PCN_OK);
    assert_int_equal(b, PCN_BAND_8A);
    assert_int_equal(pcn_band_parse("", 0, &b), PCN_OK);
    assert_int_equal(b, PCN_BAND_NONE);
    assert_int_equal(pcn_band_parse("7", 1, &b), PCN_OK);
    assert_int_equal(b, 7);
    assert_int_equal(pcn_band_parse("8e", 2, &b), PCN_EINVAL);
    assert_int_equal(pcn_band_parse("0", 1, &b), PCN_EINVAL);
    assert_int_equal(pcn_band_parse("10", 2, &b), PCN_EINVAL);
    assert_string_equal(pcn_band_name(PCN_BAND_8B), "8b");
}

static void test_shipped(void **state)
{
    struct pcn_rates *r = NULL;
    struct pcn_error e;
    const struct pcn_contract *y24;
    const struct pcn_contract *y25;
    const struct pcn_role_cap *cap = NULL;
    int weighted = -1;
    (void)state;
    assert_int_equal(pcn_rates_load(RATES, &r, &e), PCN_OK);
    assert_int_equal(pcn_rates_n_years(r), 2);
    y24 = pcn_rates_find_year(r, "2024-25");
    y25 = pcn_rates_find_year(r, "2025-26");
    assert_non_null(y24);
    assert_non_null(y25);
    assert_ptr_equal(pcn_rates_year(r, 0), y24);
    assert_ptr_equal(pcn_rates_year_at(r, d("2025-03-31")), y24);
    assert_ptr_equal(pcn_rates_year_at(r, d("2025-04-01")), y25);
    assert_null(pcn_rates_year_at(r, d("2026-04-01")));
    {
        /* with no year asked for: the one containing the day, else the newest before it */
        int exact = -1;
        assert_ptr_equal(pcn_rates_year_for(r, d("2024-05-01"), &exact), y24);
        assert_int_equal(exact, 1);
        assert_ptr_equal(pcn_rates_year_for(r, d("2026-07-01"), &exact), y25);
        assert_int_equal(exact, 0);
        assert_ptr_equal(pcn_rates_year_for(r, d("2020-01-01"), &exact), y24);
        assert_int_equal(exact, 0);
    }
    assert_int_equal(pcn_contract_count_date(y25), d("2025-01-01"));

    /* clinical pharmacist: 62,340 to 30 September 2024, 65,838 from 1 October */
    assert_int_equal(
        pcn_contract_find_cap(y24, role(r, "clinical_pharmacist"), 7, d("2024-09-30"), &cap),
        PCN_OK);
    assert_int_equal(cap->amount, 6234000);
    assert_int_equal(cap->status, PCN_RATE_PUBLISHED);
    assert_int_equal(
        pcn_contract_find_cap(y24, role(r, "clinical_pharmacist"), 7, d("2024-10-01"), &cap),
        PCN_OK);
    assert_int_equal(cap->amount, 6583800);
    assert_int_equal(pcn_role_cap_amount(cap, PCN_LONDON_INNER, &weighted), 7631300);
    assert_int_equal(weighted, 1);
    /* GPs only from 1 October 2024, from the ring-fenced budget */
    assert_int_equal(
        pcn_contract_find_cap(y24, role(r, "gp"), PCN_BAND_NONE, d("2024-09-30"), &cap),
        PCN_ENOTFOUND);
    assert_int_equal(
        pcn_contract_find_cap(y24, role(r, "gp"), PCN_BAND_NONE, d("2024-10-01"), &cap), PCN_OK);
    assert_string_equal(pcn_contract_part(y24, (size_t)cap->budget)->key, "arrs_gp");
    /* derived figures say so */
    assert_int_equal(
        pcn_contract_find_cap(y24, role(r, "care_coordinator"), 4, d("2024-12-01"), &cap), PCN_OK);
    assert_int_equal(cap->status, PCN_RATE_DERIVED);
    assert_int_equal(pcn_role_cap_amount(cap, PCN_LONDON_OUTER, &weighted), 3529000);
    assert_int_equal(weighted, 0);
    /* 2025/26: nurses capped by band; a band 7 nurse has no maximum */
    assert_int_equal(
        pcn_contract_find_cap(y25, role(r, "general_practice_nurse"), 6, d("2025-06-01"), &cap),
        PCN_OK);
    assert_int_equal(cap->amount, 5331900);
    assert_int_equal(
        pcn_contract_find_cap(y25, role(r, "general_practice_nurse"), 7, d("2025-06-01"), &cap),
        PCN_ECONFLICT);
    assert_false(pcn_contract_is_arrs(y24, role(r, "general_practice_nurse")));
    assert_false(pcn_contract_is_arrs(y25, role(r, "receptionist")));
    assert_true(pcn_contract_find_line(y25, "clinical_director") >= 0);
    /* the census mapping */
    assert_int_equal(pcn_roles_census(pcn_rates_roles(r), "Pharmacists", "Pharmacist"),
                     role(r, "clinical_pharmacist"));
    assert_int_equal(
        pcn_roles_census(pcn_rates_roles(r),
                         "Social Prescribing Link Workers (Mental Health Practitioners)",
                         "Social Prescribing Link Worker (Mental Health Practitioner - "
                         "Children and Young People)"),
        role(r, "cyp_mental_health_practitioner"));
    assert_int_equal(pcn_roles_census(pcn_rates_roles(r), "Wizards", "Wizard"), -1);
    pcn_rates_free(r);
}

/* A rates folder with the shipped roles and one year file of the given body. */
static void expect_bad_year(const char *body, const char *msg_part)
{
    char dir[128];
    char path[256];
    char cmd[600];
    struct pcn_rates *r = NULL;
    struct pcn_error e;
    const char *head = "kind,key,name,from,to,band,amount,outer_london,inner_london,basis,budget,"
                       "paid,status,source,note\n"
                       "year,2030-31,Test year,2030-04-01,2031-03-31,,,,,,,,published,T,\n"
                       "count_date,population,Counted,2030-01-01,,,,,,,,,published,T,\n"
                       "line,arrs,ARRS,2030-04-01,2031-03-31,,20,,,weighted,,claims,published,T,\n";
    char text[2048];
    test_mkdtemp(dir, sizeof(dir));
    snprintf(cmd, sizeof(cmd), "cp %s/roles.csv %s/census_roles.csv %s/", RATES, RATES, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/ncdes_2030-31.csv", dir);
    snprintf(text, sizeof(text), "%s%s", head, body);
    test_write_file(path, text);
    assert_int_not_equal(pcn_rates_load(dir, &r, &e), PCN_OK);
    if (!strstr(e.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", e.msg, msg_part);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_bad_year("role,wizard,Wizard,2030-04-01,2031-03-31,7,1,,,,arrs,,published,T,\n",
                    "ncdes_2030-31.csv:5: unknown role wizard");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-04-30,7,1,,,,arrs,,published,T,\n",
                    ":5: dates fall outside the year 2030-31");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-03-31,7z,1,,,,arrs,,published,T,\n",
                    ":5: band '7z'");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-03-31,7,1.234,,,,arrs,,published,T,\n",
                    ":5: amount '1.234'");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-03-31,7,,,,,arrs,,published,T,\n",
                    ":5: amount missing");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-03-31,7,5,,,,arrs,,unknown,T,\n",
                    ":5: status unknown but an amount");
    expect_bad_year("role,paramedic,P,2030-04-01,2030-12-31,7,5,,,,arrs,,published,T,\n"
                    "role,paramedic,P,2030-10-01,2031-03-31,7-8a,6,,,,arrs,,published,T,\n",
                    ":6: overlaps line 5");
    expect_bad_year("role,paramedic,P,2030-04-01,2031-03-31,7,5,,,,core,,published,T,\n",
                    ":5: budget 'core' is not a claims line");
    expect_bad_year("line,core,Core,2030-04-01,2031-03-31,,1,,,households,,monthly,published,T,\n",
                    ":5: basis 'households'");
    expect_bad_year("spell,x,,,,,,,,,,,,,\n", ":5: kind 'spell'");
    expect_bad_year("year,2031-32,Again,2031-04-01,2032-03-31,,,,,,,,published,T,\n",
                    ":5: a second year row");
    expect_bad_year("limit,paramedic,P,2030-04-01,2031-03-31,,2,,,households<5,,,published,T,\n",
                    ":5: limit condition");
}

static void test_missing_folder(void **state)
{
    struct pcn_rates *r = NULL;
    struct pcn_error e;
    (void)state;
    assert_int_not_equal(pcn_rates_load("/nonexistent/rates", &r, &e), PCN_OK);
    assert_non_null(strstr(e.msg, "/nonexistent/rates/roles.csv"));
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_missing_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
