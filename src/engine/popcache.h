/*
 * popcache.h - a finished snapshot's cache of the per-patient work every
 * evaluation on the same as-of date and breakdown repeats whatever its
 * definitions: who is in the population (registered and alive on the
 * as-of date), each patient's breakdown group and the patients per group
 * (internal to the engine).
 *
 * The cache belongs to the snapshot and dies with it. Evaluations on
 * several threads share it: get() returns an entry held by the caller
 * (built under the cache's lock on first use), release() lets it go; an
 * entry is read-only once returned and is freed only when no evaluation
 * holds it.
 */
#ifndef PCN_ENGINE_POPCACHE_H
#define PCN_ENGINE_POPCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* Patients per chunk of evaluation; chunks start at multiples of it. */
#define POP_CHUNK 1024

struct pop_entry {
    int32_t as_of;
    unsigned by; /* PCN_BY_* flags */
    uint32_t n_patients;
    size_t n_groups;
    uint8_t *inpop;        /* per patient: 1 in the population, else 0 */
    uint32_t *group;       /* per patient: breakdown group number */
    uint32_t *chunk_group; /* per chunk: the group of all its patients, or UINT32_MAX */
    int64_t *group_pop;    /* patients in the population per group */
    unsigned refs;         /* evaluations holding the entry (under the cache's lock) */
    uint64_t used;         /* tick of the last get(), for eviction */
    int cached;            /* 1 when the cache owns it, 0 for a private entry */
};

struct pop_cache;

/* Fills a new entry's arrays (already allocated; n_groups and group_pop zeroed). */
typedef void (*pop_fill_fn)(struct pop_entry *e, void *ud);

/* A new empty cache, NULL when out of memory. Free with pcn__popcache_free(). */
struct pop_cache *pcn__popcache_new(void);
/* Free the cache and its entries; none may be held. NULL-safe. */
void pcn__popcache_free(struct pop_cache *pc);

/*
 * The entry for (as_of, by) with n_patients patients and n_groups groups,
 * built with fill(e, ud) when missing; *ret is held until release().
 * When every slot is held by others, a private entry is built that
 * release() frees.
 */
enum pcn_err pcn__popcache_get(struct pop_cache *pc, int32_t as_of, unsigned by,
                               uint32_t n_patients, size_t n_groups, pop_fill_fn fill, void *ud,
                               struct pop_entry **ret);
void pcn__popcache_release(struct pop_cache *pc, struct pop_entry *e);

/* Bytes held by the cache's entries. */
size_t pcn__popcache_memory(struct pop_cache *pc);

#endif /* PCN_ENGINE_POPCACHE_H */
