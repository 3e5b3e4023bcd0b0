/*
 * registry_ops.h - network registry services over the store: loading the
 * NHS publications (practice-to-PCN mapping; registered patients by sex and
 * 5-year age band), moving practices between networks, and checking the
 * registry for problems.
 */
#ifndef PCN_REGISTRY_OPS_H
#define PCN_REGISTRY_OPS_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store.h"

/* Which NHS file an import recognised from its header. */
enum pcn_registry_file {
    PCN_REGISTRY_FILE_MAPPING,    /* gp-reg-pat-prac-map.csv */
    PCN_REGISTRY_FILE_LIST_SIZE,  /* gp-reg-pat-prac-quin-age.csv */
    PCN_REGISTRY_FILE_LIST_BANDS, /* data/reference/list_bands.csv (compact form of the above) */
};

struct pcn_registry_import_summary {
    enum pcn_registry_file file;
    int32_t extract_date;
    int64_t rows;
    int64_t networks;    /* distinct networks in the file */
    int64_t practices;   /* practices in the file */
    int64_t unallocated; /* practices in no network (PCN code U) */
    int64_t memberships_added;
    int64_t memberships_ended;
    int64_t list_sizes;               /* practice totals loaded */
    int64_t list_bands;               /* sex x age band figures loaded */
    int64_t skipped_other_org;        /* rows about PCNs, ICBs, regions */
    int64_t skipped_unknown_practice; /* list sizes of practices not in the registry */
};

/*
 * Import one NHS file (kind detected from its header) in one transaction.
 * A malformed file (wrong column count, bad quoting, bad codes, unknown
 * header, bad date) stops the import with *reterr = "FILE:LINE: what" and
 * leaves the database as it was. Re-importing the same file changes
 * nothing. Memberships from a mapping file start on its extract date; a
 * practice whose network changed has its old membership ended the day
 * before.
 */
enum pcn_err pcn_registry_import(struct pcn_store *s, const char *path,
                                 struct pcn_registry_import_summary *ret, struct pcn_error *reterr);

/*
 * Move a practice to another network from `date`: its open membership ends
 * the day before, a new one starts on date. Transactional. PCN_ENOTFOUND
 * for an unknown practice or network; PCN_ECONFLICT if it would overlap.
 */
enum pcn_err pcn_registry_move(struct pcn_store *s, const char *practice, const char *network,
                               int32_t date, struct pcn_error *reterr);

/* The network of a practice on a date, written into ret (7 bytes); PCN_ENOTFOUND if none. */
enum pcn_err pcn_registry_network_of(struct pcn_store *s, const char *practice, int32_t date,
                                     char ret[8]);

enum pcn_check_severity {
    PCN_CHECK_WARNING,
    PCN_CHECK_ERROR,
};

struct pcn_check_finding {
    enum pcn_check_severity severity;
    const char *check;   /* "network-size", "unallocated", "overlap", "orphan-site", ... */
    const char *subject; /* the code or id concerned */
    const char *message;
};

typedef int (*pcn_check_fn)(const struct pcn_check_finding *f, void *ud);

/* Network size limits used by the size check (configurable defaults). */
struct pcn_check_options {
    int32_t as_of;
    int64_t min_patients; /* default 30000 */
    int64_t max_patients; /* default 50000 */
};

void pcn_check_options_init(struct pcn_check_options *o, int32_t as_of);

/*
 * Run every registry check as of opts->as_of, calling fn per finding.
 * *ret_errors and *ret_warnings get the counts.
 */
enum pcn_err pcn_registry_check(struct pcn_store *s, const struct pcn_check_options *opts,
                                pcn_check_fn fn, void *ud, int *ret_errors, int *ret_warnings,
                                struct pcn_error *reterr);

#endif /* PCN_REGISTRY_OPS_H */
