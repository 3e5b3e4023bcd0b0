/*
 * ppg_twin.h - the patient partnership part of a synthetic twin
 * (docs/generator.md, "Patient participation"): for one network already in
 * the store with its generated patients, a PPG per practice and a
 * network-level forum whose members are drawn from the registered adults
 * with the tilt reported of real PPGs (older, whiter, less deprived, a
 * little more often women), with joins, leavers and a withdrawn consent
 * over the years; three service changes with who was involved at which
 * stage; and two years of engagement activities with the feedback they
 * raised and what became of it. The same store contents, options and seed
 * give the same records. Members are generated people: no member refers
 * to a patient.
 */
#ifndef PCN_PPG_TWIN_H
#define PCN_PPG_TWIN_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store.h"

struct pcn_ppg_twin_opts {
    uint64_t seed;
    int32_t as_of;       /* the twin's date: members and activities up to it */
    const char *network; /* NULL: the network of the first generated patient's practice */
};

struct pcn_ppg_twin_summary {
    size_t groups;
    size_t members; /* every member record, leavers included */
    size_t current; /* members on as_of */
    size_t activities;
    size_t feedback;
    size_t changes;
    size_t involvement;
    size_t kept; /* groups the network already had: nothing was written */
};

/*
 * Write the network's PPG twin inside the caller's transaction. Reads the
 * registry (practices and memberships on as_of), the patients and
 * <data dir>/data/reference/lsoa_imd2019.csv (deprivation; without it no
 * member states a quintile). A network that already has groups (the twin
 * generated again, or groups kept by hand) is left as it is: nothing is
 * written and ret->kept counts them. PCN_ENOTFOUND when the network has no
 * practice with registered adults; store errors as the store gives them,
 * with *reterr saying what was being written.
 */
enum pcn_err pcn_ppg_twin_store(struct pcn_store *s, const struct pcn_ppg_twin_opts *o,
                                struct pcn_ppg_twin_summary *ret, struct pcn_error *reterr);

#endif /* PCN_PPG_TWIN_H */
