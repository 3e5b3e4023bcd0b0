/*
 * hash.h - string-keyed hash map with uint64 values (open addressing,
 * linear probing, power-of-two capacity). Keys are copied into the map's
 * own storage. Used for interning codes and mapping external ids to row
 * ids. Not thread-safe for writers; concurrent readers are fine.
 */
#ifndef PCN_HASH_H
#define PCN_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct pcn_strmap;

/* 64-bit hash of len bytes (FNV-1a with a final mix). */
uint64_t pcn_hash_bytes(const void *s, size_t len);

/* New empty map. Caller frees with pcn_strmap_free(). NULL on ENOMEM. */
struct pcn_strmap *pcn_strmap_new(void);

/* Free the map and its key copies. NULL-safe. */
void pcn_strmap_free(struct pcn_strmap *m);

/*
 * Insert or overwrite key -> value. PCN_ENOMEM on failure (map unchanged).
 */
enum pcn_err pcn_strmap_put(struct pcn_strmap *m, const char *key, size_t key_len, uint64_t value);

/*
 * Look key up. Returns 1 and writes *ret_value when present, 0 otherwise.
 */
int pcn_strmap_get(const struct pcn_strmap *m, const char *key, size_t key_len,
                   uint64_t *ret_value);

/*
 * Intern: if key is present write its value to *ret_value; otherwise insert
 * it with value `next` and write `next`. *ret_added says which.
 */
enum pcn_err pcn_strmap_intern(struct pcn_strmap *m, const char *key, size_t key_len, uint64_t next,
                               uint64_t *ret_value, int *ret_added);

/* Number of keys. */
size_t pcn_strmap_count(const struct pcn_strmap *m);

/*
 * Visit every entry in unspecified order; stop early if fn returns nonzero
 * (that value is returned). Keys are borrowed for the call.
 */
int pcn_strmap_foreach(const struct pcn_strmap *m,
                       int (*fn)(const char *key, size_t key_len, uint64_t value, void *ud),
                       void *ud);

#endif /* PCN_HASH_H */
