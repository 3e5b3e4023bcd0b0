/*
 * fuzz_workforce.c - libFuzzer harness for the finance layer's readers.
 * The first input byte picks the reader: the staff register CSV (whose
 * good rows are then validated and priced), the workforce census extract,
 * a network agreement (then applied), or a contract year's rates file; the
 * rest is the file's text. The shipped role vocabulary and rates are
 * loaded once.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "finance/finance_int.h"
#include "pcn/csv.h"
#include "pcn/finance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pcn_rates *rates;

static int count_row(const struct pcn_census_row *r, void *ud)
{
    (void)r;
    (*(long *)ud)++;
    return 0;
}

static void staff(struct pcn_csv *c)
{
    struct pcn_staff *s = pcn_staff_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_network_inputs in;
    struct pcn_arrs *a = NULL;
    struct pcn_error e;

    if (s && pcn__staff_read(s, pcn_rates_roles(rates), c, &f, &e) == PCN_OK &&
        pcn_staff_validate(s, rates, &f) == PCN_OK && f.n_errors == 0) {
        pcn_network_inputs_init(&in);
        in.registered = 50000;
        for (size_t i = 0; i < pcn_rates_n_years(rates); i++) {
            const struct pcn_contract *y = pcn_rates_year(rates, i);
            if (pcn_arrs_compute(s, y, &in, pcn_contract_to(y), &a, &f) == PCN_OK)
                pcn_arrs_free(a);
            a = NULL;
        }
    }
    pcn_findings_release(&f);
    pcn_staff_free(s);
}

static void agreement(struct pcn_csv *c)
{
    static const struct pcn_member members[] = {{"A81001", "A", 3733, 4000},
                                                {"A81017", "B", 18174, 0}};
    struct pcn_agreement *ag = pcn_agreement_new();
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_network_inputs in;
    struct pcn_income *inc = NULL;
    struct pcn_distribution *d = NULL;
    struct pcn_error e;

    pcn_network_inputs_init(&in);
    in.registered = 21907;
    if (ag && pcn__agreement_read(ag, c, &e) == PCN_OK &&
        pcn_des_income(pcn_rates_year(rates, 0), &in, &inc) == PCN_OK &&
        pcn_distribute(inc, ag, members, 2, 123456, &d, &f) == PCN_OK)
        pcn_distribution_free(d);
    pcn_income_free(inc);
    pcn_findings_release(&f);
    pcn_agreement_free(ag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcn_csv *c = NULL;
    struct pcn_contract *k = NULL;
    struct pcn_error e;
    long rows = 0;

    if (!rates && pcn_rates_load(PCN_SOURCE_DIR "/data/reference/ncdes", &rates, &e) != PCN_OK)
        return 0;
    if (size < 1 || pcn_csv_new_mem((const char *)data + 1, size - 1, "fuzz.csv", &c) != PCN_OK)
        return 0;
    switch (data[0] % 4) {
    case 0:
        staff(c);
        break;
    case 1:
        (void)pcn__census_read(c, pcn_rates_roles(rates), count_row, &rows, &e);
        break;
    case 2:
        agreement(c);
        break;
    default:
        if (pcn__contract_read(c, pcn_rates_roles(rates), &k, &e) == PCN_OK)
            pcn_contract_free(k);
        break;
    }
    pcn_csv_free(c);
    return 0;
}
