/*
 * registry.h - the network registry's value types: networks (PCNs),
 * practices, sites, membership of practices in networks over time, and
 * list sizes by date. Strings are borrowed for the duration of a call.
 */
#ifndef PCN_REGISTRY_H
#define PCN_REGISTRY_H

#include <stdint.h>

struct pcn_network {
    const char *code; /* PCN ODS code, U + 5 digits */
    const char *name;
    const char *clinical_director; /* may be NULL */
    const char *sub_icb_code;      /* may be NULL */
    const char *sub_icb_name;
    const char *icb_code;
    const char *icb_name;
    const char *region_code;
    const char *region_name;
};

struct pcn_practice {
    const char *code; /* practice ODS code */
    const char *name;
    const char *postcode; /* normalised; may be NULL */
    const char *sub_icb_code;
    const char *icb_code;
    const char *supplier; /* GP IT system supplier; may be NULL */
};

/* Practice P belonged to network N from start_date to end_date inclusive. */
struct pcn_membership {
    const char *practice;
    const char *network;
    int32_t start_date;
    int32_t end_date; /* PCN_DATE_NONE while current */
};

struct pcn_site {
    int64_t id;           /* assigned by the store; 0 when adding */
    const char *practice; /* may be NULL: a site left without a practice */
    const char *name;
    const char *postcode;
};

/* Registered patients of a practice on a date (all ages, both sexes). */
struct pcn_list_size {
    const char *practice;
    int32_t date;
    int64_t patients;
};

/* Registered patients of a practice by sex and 5-year age band on a date. */
struct pcn_list_band {
    const char *practice;
    int32_t date;
    char sex;     /* 'M' or 'F' */
    int age_from; /* 0, 5, ..., 95 (95 means 95+) */
    int64_t patients;
};

#endif /* PCN_REGISTRY_H */
