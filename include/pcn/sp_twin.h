/*
 * sp_twin.h - the social prescribing part of the synthetic twin: a
 * plausible community asset directory for a network's area and referral
 * histories at published rates, from the twin's population.
 *
 * The model (docs/generator.md, "Social prescribing"): link-worker FTE from
 * the network's workforce figure (or 4.3 FTE per 100,000 registered, the
 * England figure of June 2026), about 225 new referrals per FTE a year
 * (DOMAIN.md: 200-250), people chosen with more weight on older people,
 * women, deprived areas and people on a long-term condition register;
 * needs drawn from a demand mix that differs from the assets' supply mix
 * (so the gap report has gaps); each referral walked through the state
 * machine with realistic delays and drop-outs, stopping at the as-of date
 * (recent referrals stay open); ONS4 and SWEMWBS at the first appointment
 * for most people and at the end for about half of them, with a modest
 * average improvement. The same people, options and seed give the same
 * twin. Pure: it writes nothing (the caller stores the result).
 */
#ifndef PCN_SP_TWIN_H
#define PCN_SP_TWIN_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/asset.h"
#include "pcn/error.h"
#include "pcn/referral.h"

struct pcn_geo;

/* A registered person of the twin. Strings borrowed for the call. */
struct pcn_sp_twin_person {
    const char *patient_id;
    const char *practice; /* ODS code */
    const char *lsoa;     /* "" if unknown */
    int age;              /* on the as-of date */
    char sex;             /* 'F', 'M', ... */
    int imd_decile;       /* 1 most deprived .. 10; 0 unknown */
    int long_term;        /* nonzero if on a long-term condition register */
};

struct pcn_sp_twin_opts {
    uint64_t seed;
    int32_t as_of;             /* the last day of history */
    int months;                /* months of history before as_of; 0: 24 */
    double link_worker_fte;    /* 0: 4.3 per 100,000 people */
    double referrals_per_fte;  /* new referrals per FTE per year; 0: 225 */
    size_t n_assets;           /* 0: about 2 per 1,000 people, at least 40, at most 5,000 */
    const struct pcn_geo *geo; /* places assets at postcodes of their LSOA; may be NULL */
};

/* One generated referral and everything recorded on it (arrays owned by the twin). */
struct pcn_sp_twin_case {
    struct pcn_referral referral; /* id 1..n in received order */
    struct pcn_referral_transition *transitions;
    size_t n_transitions;
    struct pcn_contact *contacts;
    size_t n_contacts;
    struct pcn_goal *goals;
    size_t n_goals;
    struct pcn_connection *connections;
    size_t n_connections;
    struct pcn_outcome *outcomes;
    size_t n_outcomes;
};

#define PCN_SP_TWIN_MAX_WORKERS 16

struct pcn_sp_twin {
    struct pcn_directory *directory; /* read-only; assets with ids 1..n */
    struct pcn_sp_twin_case *cases;  /* read-only */
    size_t n_cases;
    double link_worker_fte;
    int n_link_workers;
    char link_workers[PCN_SP_TWIN_MAX_WORKERS][24]; /* "linkworker1", ... */
    struct pcn_arena *arena;                        /* private */
};

/*
 * Build the twin's directory and referrals for n people. PCN_EINVAL for no
 * people or a bad option, PCN_ENOMEM. Caller frees *ret with
 * pcn_sp_twin_free().
 */
enum pcn_err pcn_sp_twin_make(const struct pcn_sp_twin_person *people, size_t n,
                              const struct pcn_sp_twin_opts *o, struct pcn_sp_twin **ret,
                              struct pcn_error *reterr);

/* Free a twin. NULL-safe. */
void pcn_sp_twin_free(struct pcn_sp_twin *t);

struct pcn_store;

/* The twin made from a database's population. */
struct pcn_sp_twin_store_opts {
    uint64_t seed;
    int32_t as_of;         /* the population's date */
    const char *network;   /* a real network's code: its link-worker FTE from the workforce
                              census (data/reference/pcn_workforce.csv); NULL: 4.3 per 100,000 */
    int replace_generated; /* take out the generator's own referral codes (source "generator")
                              first: the twin's referrals code them instead */
};

struct pcn_sp_twin_summary {
    size_t people;                    /* registered people the twin drew from */
    size_t assets;                    /* directory entries written */
    size_t referrals;                 /* referrals written */
    size_t coded_events;              /* codes written into the patients' records */
    int64_t generated_codes_replaced; /* the generator's referral codes taken out first */
    double link_worker_fte;
};

/*
 * Make the twin from the store's registered population on o->as_of and
 * write it (directory, referrals with all their records, and the coded
 * events) inside the caller's open transaction. The population must have
 * been written already. PCN_ENOMEM, PCN_ESTORAGE with *reterr set.
 */
enum pcn_err pcn_sp_twin_store(struct pcn_store *s, const struct pcn_sp_twin_store_opts *o,
                               struct pcn_sp_twin_summary *ret, struct pcn_error *reterr);

#endif /* PCN_SP_TWIN_H */
