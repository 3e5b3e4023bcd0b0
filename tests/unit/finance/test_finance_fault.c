/*
 * Allocation fault injection for the finance layer (STYLE rule 34):
 * loading the rates, reading a staff CSV and the census extract,
 * validating, computing claims, what-if, DES income and distribution, with
 * allocation 1, 2, 3, ... failing in turn. Each run must end in success or
 * a clean error; ASan/LSan catch crashes and leaks. Needs a build with
 * -Dfault_injection=true.
 */
#include "testutil.h"

#include "fault_util.h"

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/finance.h"

#define RATES PCN_SOURCE_DIR "/data/reference/ncdes"
#define DATA PCN_SOURCE_DIR "/tests/data/workforce/"

static int count_row(const struct pcn_census_row *r, void *ud)
{
    (void)r;
    (*(int *)ud)++;
    return 0;
}

static void scenario_read(void)
{
    struct pcn_rates *rates = NULL;
    struct pcn_staff *s = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_error e;
    int rows = 0;

    if (pcn_rates_load(RATES, &rates, &e) != PCN_OK)
        return;
    s = pcn_staff_new();
    if (s && pcn_staff_read_csv(s, pcn_rates_roles(rates), DATA "staff_good.csv", &f, &e) == PCN_OK)
        (void)pcn_staff_write_csv(s, pcn_rates_roles(rates), &out);
    if (s)
        (void)pcn_staff_read_csv(s, pcn_rates_roles(rates), DATA "staff_bad.csv", &f, &e);
    (void)pcn_census_read(DATA "census_extract.csv", pcn_rates_roles(rates), count_row, &rows, &e);
    pcn_buf_release(&out);
    pcn_findings_release(&f);
    pcn_staff_free(s);
    pcn_rates_free(rates);
}

static void scenario_money(void)
{
    struct pcn_rates *rates = NULL;
    struct pcn_staff *s = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_network_inputs in;
    struct pcn_arrs *a = NULL;
    struct pcn_income *inc = NULL;
    struct pcn_agreement *ag = NULL;
    struct pcn_distribution *d = NULL;
    struct pcn_what_if w;
    struct pcn_hire h;
    struct pcn_error e;
    const struct pcn_member members[] = {{"A81001", "A", 3733, 0}, {"A81017", "B", 18174, 0}};
    const struct pcn_contract *y;

    if (pcn_rates_load(RATES, &rates, &e) != PCN_OK)
        return;
    y = pcn_rates_find_year(rates, "2024-25");
    s = pcn_staff_new();
    if (!s ||
        pcn_staff_read_csv(s, pcn_rates_roles(rates), DATA "staff_good.csv", &f, &e) != PCN_OK)
        goto out;
    (void)pcn_staff_validate(s, rates, &f);
    pcn_network_inputs_init(&in);
    in.registered = 67850;
    if (pcn_arrs_compute(s, y, &in, pcn_contract_to(y), &a, &f) != PCN_OK)
        goto out;
    memset(&h, 0, sizeof(h));
    h.role = pcn_roles_find(pcn_rates_roles(rates), "paramedic", 9);
    h.wte = 500000;
    h.start = pcn_contract_from(y);
    h.end = PCN_DATE_NONE;
    (void)pcn_arrs_what_if(a, &in, &h, &w, &f);
    if (pcn_des_income(y, &in, &inc) != PCN_OK)
        goto out;
    ag = pcn_agreement_new();
    if (!ag || pcn_agreement_set_method(ag, "core", PCN_SHARE_EQUAL) != PCN_OK ||
        pcn_agreement_add_slice(ag, "all", "Shared", 100000, -1, 0) != PCN_OK ||
        pcn_agreement_add_slice(ag, "all", "Staff", 0, -1, 1) != PCN_OK)
        goto out;
    (void)pcn_distribute(inc, ag, members, 2, a->network_cost_unreimbursed, &d, &f);
out:
    pcn_distribution_free(d);
    pcn_agreement_free(ag);
    pcn_income_free(inc);
    pcn_arrs_free(a);
    pcn_findings_release(&f);
    pcn_staff_free(s);
    pcn_rates_free(rates);
}

static void test_torture(void **state)
{
    (void)state;
    fault_require_injection();
    assert_true(fault_torture(scenario_read) > 20);
    assert_true(fault_torture(scenario_money) > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_torture)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
