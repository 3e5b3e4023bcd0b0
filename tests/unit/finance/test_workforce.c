/*
 * Unit tests for finance/workforce.c and staff_csv.c: the staff CSV read
 * and written back, every bad row named by FILE:LINE and field, the
 * register's checks (errors and warnings) and the census extract parsed
 * to the published totals.
 */
#include "testutil.h"

#include "finance_testutil.h"

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/rates.h"
#include "pcn/workforce.h"

#define DATA PCN_SOURCE_DIR "/tests/data/workforce/"

static void test_read_good(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_staff *back = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_buf again = PCN_BUF_INIT;
    struct pcn_error e;
    const struct pcn_post *p;
    char dir[128];
    char path[256];
    (void)state;
    assert_int_equal(pcn_staff_read_csv(s, pcn_rates_roles(rates), DATA "staff_good.csv", &f, &e),
                     PCN_OK);
    assert_int_equal(pcn_staff_count(s), 5);
    p = pcn_staff_post(s, 0);
    assert_string_equal(p->person, "P001");
    assert_string_equal(p->network, "U89141");
    assert_int_equal(p->role, role("clinical_pharmacist"));
    assert_int_equal(p->band, 7);
    assert_int_equal(p->wte, 800000);
    assert_int_equal(p->employer, PCN_EMPLOYER_LEAD_PRACTICE);
    assert_string_equal(p->employer_code, "A81017");
    assert_int_equal(p->start, d("2024-09-01"));
    assert_int_equal(p->end, PCN_DATE_NONE);
    assert_int_equal(p->cost, 5000000);
    assert_int_equal(p->n_sites, 2);
    assert_string_equal(p->sites[1].site, "A81001");
    assert_int_equal(p->sites[1].sessions, 2);
    assert_string_equal(p->where, DATA "staff_good.csv:2");
    p = pcn_staff_post(s, 1);
    assert_int_equal(p->cost_per, PCN_COST_PER_MONTH);
    assert_int_equal(p->employer, PCN_EMPLOYER_SUBCONTRACTOR);
    assert_null(p->name);
    assert_int_equal(p->sites[0].sessions, 0);
    assert_int_equal(pcn_staff_post(s, 4)->cost, 1850050);
    /* valid: the care coordinator's WTE change ends one post and starts another */
    assert_int_equal(pcn_staff_validate(s, rates, &f), PCN_OK);
    if (f.n_errors)
        dump(&f);
    assert_int_equal(f.n_errors, 0);
    assert_int_equal(f.n_warnings, 0);

    /* written back and read again: the same file */
    assert_int_equal(pcn_staff_write_csv(s, pcn_rates_roles(rates), &out), PCN_OK);
    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/s.csv", dir);
    test_write_file(path, out.buf);
    assert_int_equal(pcn_staff_read_csv(back, pcn_rates_roles(rates), path, &f, &e), PCN_OK);
    assert_int_equal(pcn_staff_write_csv(back, pcn_rates_roles(rates), &again), PCN_OK);
    assert_string_equal(out.buf, again.buf);
    assert_non_null(strstr(out.buf, "U89141,P001,Asha Example,clinical_pharmacist,7,0.8,"
                                    "lead_practice,A81017,2024-09-01,,50000.00,year,arrs,"
                                    "A81017=6;A81001=2\n"));
    unlink(path);
    rmdir(dir);
    pcn_buf_release(&out);
    pcn_buf_release(&again);
    pcn_findings_release(&f);
    pcn_staff_free(s);
    pcn_staff_free(back);
}

static void test_read_bad(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_staff_read_csv(s, pcn_rates_roles(rates), DATA "staff_bad.csv", &f, &e),
                     PCN_EPARSE);
    /* every bad row is reported, the good one kept */
    assert_int_equal(f.n_errors, 8);
    assert_int_equal(pcn_staff_count(s), 1);
    assert_non_null(strstr(e.msg, "staff_bad.csv:3: role: unknown role 'chief_wizard'"));
    assert_non_null(strstr(e.msg, "(8 bad rows)"));
    assert_true(has(&f, "field", "staff_bad.csv:4: band: '7z'"));
    assert_true(has(&f, "field", "staff_bad.csv:5: wte: 'one'"));
    assert_true(has(&f, "field", "staff_bad.csv:6: employer: 'owner'"));
    assert_true(has(&f, "field", "staff_bad.csv:7: start: '2024-13-01'"));
    assert_true(has(&f, "field", "staff_bad.csv:8: cost: '£40,000'"));
    assert_true(has(&f, "field", "staff_bad.csv:9: funding: 'charity'"));
    assert_true(has(&f, "field", "staff_bad.csv:10: person: empty"));
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

static void test_missing_column(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error e;
    char dir[128];
    char path[256];
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/s.csv", dir);
    test_write_file(path, "person,role,wte,employer,start\nP1,gp,1,network,2025-01-01\n");
    assert_int_equal(pcn_staff_read_csv(s, pcn_rates_roles(rates), path, &f, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "s.csv:1: missing column funding"));
    unlink(path);
    rmdir(dir);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

/* A post with the usual fields; the caller adjusts. */
static struct pcn_post post(const char *person, const char *role_key, const char *wte,
                            const char *start, const char *end)
{
    struct pcn_post p;
    memset(&p, 0, sizeof(p));
    p.person = person;
    p.role = role(role_key);
    assert_int_equal(pcn_wte_parse(wte, strlen(wte), &p.wte), PCN_OK);
    p.employer = PCN_EMPLOYER_NETWORK;
    p.start = d(start);
    p.end = end ? d(end) : PCN_DATE_NONE;
    p.has_cost = 1;
    p.cost = 4000000;
    p.funding = PCN_FUNDING_ARRS;
    return p;
}

static void test_validate(void **state)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_post p;
    (void)state;
    p = post("A", "paramedic", "0.5", "2024-06-01", "2024-05-31");
    p.where = "end";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("B", "paramedic", "1.2", "2024-06-01", NULL);
    p.where = "wte";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("C", "paramedic", "1", "2024-06-01", NULL);
    p.has_cost = 0;
    p.where = "nocost";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("D", "receptionist", "1", "2024-06-01", NULL);
    p.where = "notarrs";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("E", "paramedic", "1", "2024-06-01", NULL);
    p.employer = PCN_EMPLOYER_PRACTICE;
    p.employer_code = "8914";
    p.where = "ods";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("F", "paramedic", "0.5", "2024-06-01", "2025-05-31");
    p.where = "first";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("F", "paramedic", "0.4", "2025-05-01", NULL);
    p.where = "second";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("G", "gp", "1", "2024-06-01", NULL);
    p.where = "gp";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("H", "clinical_pharmacist", "0.6", "2025-04-01", NULL);
    p.where = "h1";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("H", "pharmacy_technician", "0.6", "2025-04-01", NULL);
    p.where = "h2";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("I", "general_practice_nurse", "1", "2025-04-01", NULL);
    p.band = 7;
    p.where = "nurse";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    p = post("J", "care_coordinator", "1", "2024-04-01", NULL);
    p.band = 6;
    p.where = "band";
    assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    {
        /* keys and names beyond their lengths (a hostile file or request) */
        static char long_key[PCN_POST_KEY_MAX + 2];
        static const struct pcn_post_site empty[] = {{"", 2}};
        memset(long_key, 'k', sizeof(long_key) - 1);
        p = post(long_key, "paramedic", "1", "2024-06-01", NULL);
        p.where = "long";
        assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
        p = post("K", "paramedic", "1", "2024-06-01", NULL);
        p.sites = empty;
        p.n_sites = 1;
        p.where = "site";
        assert_int_equal(pcn_staff_add(s, &p), PCN_OK);
    }

    assert_int_equal(pcn_staff_validate(s, rates, &f), PCN_OK);
    dump(&f);
    assert_true(has(&f, "end_before_start", "end: end 2024-05-31 is before start 2024-06-01"));
    assert_true(has(&f, "wte_range", "wte: wte 1.2 is outside 0-1.0"));
    assert_true(has(&f, "cost_missing", "nocost"));
    assert_true(has(&f, "not_arrs_role", "notarrs: receptionist is not an ARRS role"));
    assert_true(has(&f, "employer_code", "ods: employer practice needs the practice's ODS code"));
    assert_true(has(&f, "overlap", "second: overlaps first"));
    assert_true(has(&f, "not_eligible",
                    "gp: gp is not reimbursable under the ARRS from "
                    "2024-06-01 to 2024-09-30 (2024-25)"));
    assert_true(has(&f, "person_wte", "person H holds 1.2 WTE from 2025-04-01"));
    assert_true(has(&f, "band_not_reimbursable",
                    "nurse: general_practice_nurse is reimbursable "
                    "by band in 2025-26 and band '7'"));
    assert_true(has(&f, "band_outside", "band: band '6' is outside care_coordinator's band 4"));
    assert_true(has(&f, "field_length", "long: person: 1 to 64 characters"));
    assert_true(has(&f, "field_length", "site: site: 1 to 64 characters"));
    /* a nurse was no ARRS role in 2024-25: her days that year are not claimed */
    assert_int_equal(f.n_errors, 9);
    assert_int_equal(f.n_warnings, 3);
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

struct census_count {
    int rows;
    int stockton;
    int64_t stockton_fte;
    int64_t pharmacists_fte;
    int contracted;
    int64_t max_fte;
    int line_of_first;
};

static int count_row(const struct pcn_census_row *r, void *ud)
{
    struct census_count *c = ud;
    c->rows++;
    if (strcmp(r->pcn_code, "U89141") == 0) {
        c->stockton++;
        c->stockton_fte += r->fte;
        if (r->role == role("clinical_pharmacist"))
            c->pharmacists_fte += r->fte;
    }
    c->contracted += r->is_contracted;
    if (r->fte > c->max_fte)
        c->max_fte = r->fte;
    if (c->rows == 1) {
        c->line_of_first = (int)r->line;
        assert_string_equal(r->person, "142142");
        assert_int_equal(r->census_year, 2026);
        assert_int_equal(r->census_month, 6);
        assert_string_equal(r->icb_code, "QWO");
    }
    return 0;
}

static void test_census(void **state)
{
    struct census_count c = {0};
    struct pcn_error e;
    char dir[128];
    char path[256];
    (void)state;
    assert_int_equal(
        pcn_census_read(DATA "census_extract.csv", pcn_rates_roles(rates), count_row, &c, &e),
        PCN_OK);
    assert_int_equal(c.rows, 67);
    assert_int_equal(c.line_of_first, 2);
    /* Stockton PCN: 38 people, 32.613333 FTE (the sum of the published FTEs to 6 d.p.) */
    assert_int_equal(c.stockton, 38);
    assert_int_equal(c.stockton_fte, 32613333);
    assert_int_equal(c.pharmacists_fte, 5640000);
    assert_int_equal(c.contracted, 5);
    assert_true(c.max_fte > 2 * 1000000);

    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/c.csv", dir);
    test_write_file(path, "Data_source,CENSUS_YEAR,CENSUS_MONTH,PCN_CODE,PCN_NAME,SUB_ICB_CODE,"
                          "SUB_ICB_NAME,ICB_CODE,ICB_NAME,COMM_REGION_CODE,COMM_REGION_NAME,"
                          "STAFF_GROUP,STAFF_ROLE,DETAILED_STAFF_ROLE,FTE,UNIQUE_IDENTIFIER\n"
                          "NWRS Staff,2026,6,U89141,S,16C,x,QHM,x,Y63,x,Other Direct Patient Care "
                          "staff,Wizards,Wizard,1,5\n");
    assert_int_equal(pcn_census_read(path, pcn_rates_roles(rates), count_row, &c, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "c.csv:2: role 'Wizards' / 'Wizard' is not in census_roles.csv"));
    test_write_file(path,
                    "Data_source,CENSUS_YEAR,CENSUS_MONTH,PCN_CODE,PCN_NAME,SUB_ICB_CODE,"
                    "SUB_ICB_NAME,ICB_CODE,ICB_NAME,COMM_REGION_CODE,COMM_REGION_NAME,"
                    "STAFF_GROUP,STAFF_ROLE,DETAILED_STAFF_ROLE,FTE,UNIQUE_IDENTIFIER\n"
                    "NWRS Staff,2026,6,X89141,S,16C,x,QHM,x,Y63,x,g,Pharmacists,Pharmacist,1,5\n");
    assert_int_equal(pcn_census_read(path, pcn_rates_roles(rates), count_row, &c, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "c.csv:2: PCN_CODE 'X89141'"));
    test_write_file(path, "Data_source,CENSUS_YEAR,CENSUS_MONTH,PCN_CODE,PCN_NAME,SUB_ICB_CODE,"
                          "SUB_ICB_NAME,ICB_CODE,ICB_NAME,COMM_REGION_CODE,COMM_REGION_NAME,"
                          "STAFF_GROUP,STAFF_ROLE,DETAILED_STAFF_ROLE,FTE,UNIQUE_IDENTIFIER\n"
                          "NWRS Staff,2026,6,U89141,S,16C,x,QHM,x,Y63,x,g,Pharmacists,Pharmacist,"
                          "-0.5,5\n");
    assert_int_equal(pcn_census_read(path, pcn_rates_roles(rates), count_row, &c, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "c.csv:2: FTE '-0.5'"));
    test_write_file(path, "Data_source,PCN_CODE\nNWRS Staff,U89141\n");
    assert_int_equal(pcn_census_read(path, pcn_rates_roles(rates), count_row, &c, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "c.csv:1: missing column CENSUS_YEAR"));
    unlink(path);
    rmdir(dir);
}

struct england {
    long rows;
    long contracted;
    int64_t fte;
    int64_t stockton_fte;
};

static int england_row(const struct pcn_census_row *r, void *ud)
{
    struct england *e = ud;
    e->rows++;
    e->contracted += r->is_contracted;
    e->fte += r->fte;
    if (strcmp(r->pcn_code, "U89141") == 0)
        e->stockton_fte += r->fte;
    return 0;
}

/* The shipped compact extract holds every row of the June 2026 census. */
static void test_census_compact(void **state)
{
    struct england e = {0};
    struct pcn_error err;
    (void)state;
    assert_int_equal(pcn_census_read(PCN_SOURCE_DIR "/data/reference/census_staff.csv",
                                     pcn_rates_roles(rates), england_row, &e, &err),
                     PCN_OK);
    assert_int_equal(e.rows, 39940);
    assert_int_equal(e.contracted, 6365);
    assert_int_equal(e.fte, 31253329004LL);     /* 31,253.329004 FTE, each row to 6 d.p. */
    assert_int_equal(e.stockton_fte, 32613333); /* as the published layout gives */
}

/* The sites text shared by the staff CSV and `pcn workforce add --sites`. */
static void test_sites_parse(void **state)
{
    struct pcn_post_site sites[PCN_POST_SITES_MAX];
    char text[256];
    size_t n = 99;
    (void)state;
    snprintf(text, sizeof(text), "%s", "A81017=6;A81001;Y00001=14");
    assert_int_equal(pcn_post_sites_parse(text, sites, &n), PCN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(sites[0].site, "A81017");
    assert_int_equal(sites[0].sessions, 6);
    assert_string_equal(sites[1].site, "A81001");
    assert_int_equal(sites[1].sessions, 0);
    assert_int_equal(sites[2].sessions, 14);
    text[0] = '\0';
    assert_int_equal(pcn_post_sites_parse(text, sites, &n), PCN_OK);
    assert_int_equal(n, 0);
    static const char *const bad[] = {"A81017;",   ";A81017",  "A81017;;B1", "A81017=15",
                                      "A81017=-1", "A81017=x", "=3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "%s", bad[i]);
        assert_int_equal(pcn_post_sites_parse(text, sites, &n), PCN_EINVAL);
    }
    /* 16 sites fit, 17 do not */
    snprintf(text, sizeof(text), "%s", "a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p");
    assert_int_equal(pcn_post_sites_parse(text, sites, &n), PCN_OK);
    assert_int_equal(n, PCN_POST_SITES_MAX);
    snprintf(text, sizeof(text), "%s", "a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q");
    assert_int_equal(pcn_post_sites_parse(text, sites, &n), PCN_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_good),      cmocka_unit_test(test_read_bad),
        cmocka_unit_test(test_missing_column), cmocka_unit_test(test_validate),
        cmocka_unit_test(test_census),         cmocka_unit_test(test_census_compact),
        cmocka_unit_test(test_sites_parse),
    };
    return cmocka_run_group_tests(tests, rates_setup, rates_teardown);
}
