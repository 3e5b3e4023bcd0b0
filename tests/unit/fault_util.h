/*
 * fault_util.h - allocation fault injection for the fault suites: skip the
 * test unless the build injects faults, and run a scenario with allocation
 * 1, 2, 3... failing in turn until a run completes without reaching the
 * failing allocation. Include after testutil.h.
 */
#ifndef PCN_TESTS_FAULT_UTIL_H
#define PCN_TESTS_FAULT_UTIL_H

#include "pcn/alloc.h"

/* Skip the current test when this build has no fault injection. */
static inline void fault_require_injection(void)
{
    void *probe;

    pcn_alloc_fail_at(1);
    probe = pcn_malloc(1);
    pcn_alloc_fail_at(0);
    if (probe) {
        pcn_free(probe);
        skip(); /* not a fault-injection build */
    }
}

/* Run fn with each allocation failing in turn; returns the number of runs. */
static inline unsigned long fault_torture(void (*fn)(void))
{
    unsigned long n;

    for (n = 1; n < 200000; n++) {
        pcn_alloc_fail_at(n);
        fn();
        if (!pcn_alloc_fault_hit())
            break;
    }
    pcn_alloc_fail_at(0);
    print_message("fault injection: %lu allocations failed in turn\n", n - 1);
    return n;
}

#endif /* PCN_TESTS_FAULT_UTIL_H */
