/*
 * random_population.h - for the engine's tests: a seeded random population
 * drawn from a program's own code lists, so every definition of the
 * standard library finds people (most of them a minority). Include after
 * testutil.h with N_PATIENTS defined; seed `rng` in main().
 */
#ifndef PCN_TESTS_ENGINE_RANDOM_POPULATION_H
#define PCN_TESTS_ENGINE_RANDOM_POPULATION_H

#include <stdbool.h>

#include "engine/engine_int.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/rng.h"

static struct pcn_rng rng; /* seeded in main(): the same populations every run */

static uint32_t below(uint32_t n)
{
    return (uint32_t)pcn_rng_below(&rng, n);
}

static int32_t D(const char *s)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

static void add_event(struct pcn_snapshot *s, int64_t key, const char *code, int32_t date,
                      bool medication)
{
    if (medication) {
        struct pcn_medication m = {.code = code, .system = "dmd", .start_date = date};
        m.end_date = PCN_DATE_NONE;
        assert_int_equal(pcn_snapshot_add_medication(s, key, &m), PCN_OK);
    } else {
        struct pcn_event e = {.code = code, .system = "snomed", .date = date};
        e.kind = PCN_EVENT_OBSERVATION;
        e.end_date = PCN_DATE_NONE;
        e.has_value = below(4) != 0;
        e.value = 20 + below(160);
        assert_int_equal(pcn_snapshot_add_event(s, key, &e), PCN_OK);
    }
}

/*
 * N_PATIENTS patients in three practices (and a few in none), of every age,
 * some dead, deregistered or registered after the as-of date; each with a
 * few records from the program's code lists (so every definition finds
 * people, most of them a minority) on dates up to the as-of date and a
 * little after it, and a few medicines.
 */
static struct pcn_snapshot *random_population(const struct pcn_program *p, int32_t as_of)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_membership m = {"R1", "U00001", D("2019-07-01"), PCN_DATE_NONE};
    char id[16], code[16];

    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    assert_int_equal(pcn_snapshot_add_membership(s, &m), PCN_OK);
    for (int i = 0; i < N_PATIENTS; i++) {
        static const char *const practices[] = {"R1", "R2", "R3", NULL};
        struct pcn_patient pt = {.patient_id = id, .sex = below(2) ? PCN_SEX_MALE : PCN_SEX_FEMALE};
        (void)snprintf(id, sizeof(id), "S%05d", i);
        pt.practice = practices[below(40) == 0 ? 3 : below(3)];
        pt.date_of_birth = as_of - (int32_t)below(100 * 365);
        pt.registered_from = below(50) == 0 ? as_of + 1 : pt.date_of_birth;
        pt.registered_to = below(50) == 0 ? as_of - (int32_t)below(400) : PCN_DATE_NONE;
        pt.date_of_death = below(50) == 0 ? as_of - (int32_t)below(400) : PCN_DATE_NONE;
        pt.ethnicity = "A";
        assert_int_equal(pcn_snapshot_add_patient(s, i, &pt), PCN_OK);
    }
    for (int i = 0; i < N_PATIENTS; i++) {
        int n = (int)below(12);
        for (int k = 0; k < n; k++) {
            const struct codelist *cl = &p->codelists[below((uint32_t)p->n_codelists)];
            int32_t date = as_of + 30 - (int32_t)below(3 * 365);
            if (cl->builtin || cl->n_codes == 0)
                continue;
            /* the code lists' codes match any class: half as medicines */
            add_event(s, i, cl->codes[below((uint32_t)cl->n_codes)], date, below(2));
        }
        for (int k = (int)below(14); k > 0; k--) {
            (void)snprintf(code, sizeof(code), "drug%u", below(40));
            add_event(s, i, code, as_of - (int32_t)below(400), true);
        }
    }
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

#endif /* PCN_TESTS_ENGINE_RANDOM_POPULATION_H */
