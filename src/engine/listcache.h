/*
 * listcache.h - a finished snapshot's cache of code-list indexes (internal
 * to the engine): for each code list an evaluation reads, the events of
 * all its codes merged into one stream ordered by patient, then code, then
 * date, and, for the sparse planner, the list's distinct patients.
 *
 * The cache belongs to the snapshot and dies with it, so an index can
 * never outlive or be confused with the population it was built from (a
 * program used to keep them, keyed by the snapshot's address, which an
 * allocator may hand to the next snapshot). Entries are keyed by the code
 * list's content (its class and codes, encoded by the caller), so two
 * programs with the same list share one index. Evaluations on several
 * threads share the cache: get() builds a missing entry under the cache's
 * lock; an entry is read-only once returned and lives as long as the
 * snapshot.
 */
#ifndef PCN_ENGINE_LISTCACHE_H
#define PCN_ENGINE_LISTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct mev;

/* One code list's index on one snapshot. Read-only once returned. */
struct list_index {
    const struct mev *ev; /* n events, by patient, code, date */
    size_t n;
    /* its distinct patients in order: NULL until pcn__listcache_patients() */
    const uint32_t *patients;
    size_t n_patients;
};

struct list_cache;

/* Builds the events of a new entry: *ret_ev (pcn_malloc'd, taken over) and *ret_n. */
typedef enum pcn_err (*list_build_fn)(void *ud, struct mev **ret_ev, size_t *ret_n);

/* A new empty cache, NULL when out of memory. Free with pcn__listcache_free(). */
struct list_cache *pcn__listcache_new(void);
/* Free the cache and its entries. NULL-safe. */
void pcn__listcache_free(struct list_cache *lc);

/*
 * The index of the code list whose content is key[0..key_len) (hash: the
 * key's pcn_hash_bytes(), computed once when the program was compiled),
 * built with build(ud, ...) when missing (under the cache's lock, so one
 * thread builds it and the others wait for it). Borrowed; valid until the
 * cache is freed.
 */
enum pcn_err pcn__listcache_get(struct list_cache *lc, const char *key, size_t key_len,
                                uint64_t hash, list_build_fn build, void *ud,
                                const struct list_index **ret);

/* Make sure li->patients is built (under the cache's lock). */
enum pcn_err pcn__listcache_patients(struct list_cache *lc, const struct list_index *li);

/* Bytes held by the cache's entries. */
size_t pcn__listcache_memory(struct list_cache *lc);

#endif /* PCN_ENGINE_LISTCACHE_H */
