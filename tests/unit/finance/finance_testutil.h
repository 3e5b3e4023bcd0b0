/*
 * finance_testutil.h - what the finance tests share: the shipped rates
 * loaded once per group (setup/teardown), dates and pounds written as text,
 * role lookup, and searching and printing findings. Include after
 * testutil.h.
 */
#ifndef PCN_TESTS_FINANCE_TESTUTIL_H
#define PCN_TESTS_FINANCE_TESTUTIL_H

#include <stdbool.h>

#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/rates.h"
#include "pcn/workforce.h"

#define RATES PCN_SOURCE_DIR "/data/reference/ncdes"

static struct pcn_rates *rates;

static inline int rates_setup(void **state)
{
    struct pcn_error e;
    (void)state;
    if (pcn_rates_load(RATES, &rates, &e) != PCN_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

static inline int rates_teardown(void **state)
{
    (void)state;
    pcn_rates_free(rates);
    return 0;
}

static inline int32_t d(const char *s)
{
    int32_t v;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

/* Pounds as text to pence, so the expected figures read as written by hand. */
static inline int64_t gbp(const char *s)
{
    int64_t v;
    assert_int_equal(pcn_pence_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static inline int role(const char *key)
{
    int i = pcn_roles_find(pcn_rates_roles(rates), key, strlen(key));
    assert_true(i >= 0);
    return i;
}

/* Does f hold a finding with this code whose "where: msg" contains part? */
static inline bool has(const struct pcn_findings *f, const char *code, const char *part)
{
    for (size_t i = 0; i < f->n; i++) {
        char all[400];
        snprintf(all, sizeof(all), "%s: %s", f->items[i].where, f->items[i].msg);
        if (strcmp(f->items[i].code, code) == 0 && strstr(all, part))
            return true;
    }
    return false;
}

static inline void dump(const struct pcn_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        fprintf(stderr, "  %s %s %s: %s\n", pcn_severity_name(f->items[i].severity),
                f->items[i].code, f->items[i].where, f->items[i].msg);
}

#endif /* PCN_TESTS_FINANCE_TESTUTIL_H */
