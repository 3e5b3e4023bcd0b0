/*
 * staff_twin.h - a synthetic staff register for a real network, built
 * from NHS England's workforce census for it: every census row becomes
 * one person (a contracted service of n FTE becomes ceil(n) people), with
 * the role and FTE as published, and a plausible band, employer, funding,
 * start date, cost and sites drawn from a seeded generator. Deterministic
 * for a seed. The model and its assumptions are in docs/finance.md,
 * "The synthetic twin's staff". Pure: the caller stores the register.
 */
#ifndef PCN_STAFF_TWIN_H
#define PCN_STAFF_TWIN_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct pcn_census_row;
struct pcn_rates;
struct pcn_rng;
struct pcn_staff;

/* A member practice of the network. Strings borrowed. */
struct pcn_twin_practice {
    const char *code;   /* ODS code */
    int64_t registered; /* its list; the largest member is the lead practice */
};

struct pcn_staff_twin_opts {
    const char *network; /* PCN code the rows are for */
    const struct pcn_twin_practice *practices;
    size_t n_practices;    /* at least one */
    int32_t census_date;   /* the census day (people in post on it); e.g. 2026-06-30 */
    int32_t pay_date;      /* the pay award date; posts that began before it end the day
                              before and a new post at the new pay starts on it;
                              PCN_DATE_NONE for none */
    int64_t pay_uplift_bp; /* that award in hundredths of a percent (360 = 3.6%) */
};

/*
 * Add the posts for one census row (of o->network) to s, drawing from rng.
 * rates gives the role vocabulary and which roles are ARRS roles (a role
 * reimbursable in the latest loaded year is funded by the ARRS). Every post
 * passes pcn_staff_validate() without errors. PCN_EINVAL for a row of
 * another network or a zero FTE; PCN_ENOMEM.
 */
enum pcn_err pcn_staff_twin_row(const struct pcn_rates *rates, const struct pcn_staff_twin_opts *o,
                                struct pcn_rng *rng, const struct pcn_census_row *r,
                                struct pcn_staff *s);

/*
 * The whole register of o->network from a census file (either layout of
 * pcn_census_read(); NULL: data/reference/census_staff.csv), seeded with
 * seed. A network with no census rows gets an empty register.
 */
enum pcn_err pcn_staff_twin(const struct pcn_rates *rates, const char *census_path,
                            const struct pcn_staff_twin_opts *o, uint64_t seed, struct pcn_staff *s,
                            struct pcn_error *reterr);

#endif /* PCN_STAFF_TWIN_H */
