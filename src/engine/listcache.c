/*
 * listcache.c - the snapshot's cache of merged code-list indexes: entries
 * found by the hash of their content key (computed once per program) and
 * confirmed by comparing the whole key, so an evaluation pays one memcmp
 * per list, not a hash of its codes; built and completed under one mutex,
 * never evicted (a snapshot serves one set of definitions, so their lists
 * bound the cache) and freed with the snapshot.
 */
#include "engine/listcache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/hash.h"

/* An entry: the index, and the content key it was built for. */
struct list_entry {
    struct list_index li; /* what callers borrow */
    char *key;
    size_t key_len;
    struct list_entry *next; /* the cache's entries, newest first */
};

struct list_cache {
    pthread_mutex_t lock;
    struct pcn_strmap *hashes; /* the key's hash (8 bytes) -> struct list_entry * */
    struct list_entry *first;  /* every entry (owned; stable addresses for the borrowers) */
};

struct list_cache *pcn__listcache_new(void)
{
    struct list_cache *lc = pcn_calloc(1, sizeof(*lc));

    if (!lc)
        return NULL;
    lc->hashes = pcn_strmap_new();
    if (!lc->hashes || pthread_mutex_init(&lc->lock, NULL) != 0) {
        pcn_strmap_free(lc->hashes);
        pcn_free(lc);
        return NULL;
    }
    return lc;
}

static void entry_free(struct list_entry *e)
{
    if (!e)
        return;
    pcn_free((void *)e->li.ev);
    pcn_free((void *)e->li.patients);
    pcn_free(e->key);
    pcn_free(e);
}

void pcn__listcache_free(struct list_cache *lc)
{
    if (!lc)
        return;
    while (lc->first) {
        struct list_entry *next = lc->first->next;
        entry_free(lc->first);
        lc->first = next;
    }
    pcn_strmap_free(lc->hashes);
    (void)pthread_mutex_destroy(&lc->lock);
    pcn_free(lc);
}

/* Under the lock: a new entry for key, built now. */
static enum pcn_err add_entry(struct list_cache *lc, const char *key, size_t key_len, uint64_t hash,
                              list_build_fn build, void *ud, struct list_entry **ret)
{
    struct list_entry *e = pcn_calloc(1, sizeof(*e));
    struct mev *ev = NULL;
    size_t n = 0;
    enum pcn_err rc = e ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK) {
        e->key = pcn_malloc(key_len ? key_len : 1);
        rc = e->key ? build(ud, &ev, &n) : PCN_ENOMEM;
    }
    if (rc == PCN_OK) {
        memcpy(e->key, key, key_len);
        e->key_len = key_len;
        e->li.ev = ev;
        e->li.n = n;
        /* a colliding hash maps to the newer entry; the older is still found by its key */
        rc = pcn_strmap_put(lc->hashes, (const char *)&hash, sizeof(hash), (uintptr_t)e);
    }
    if (rc != PCN_OK) {
        entry_free(e);
        return rc;
    }
    e->next = lc->first;
    lc->first = e;
    *ret = e;
    return PCN_OK;
}

static bool same_key(const struct list_entry *e, const char *key, size_t key_len)
{
    return e->key_len == key_len && memcmp(e->key, key, key_len) == 0;
}

/* Under the lock: the entry of key, or NULL. */
static struct list_entry *find_entry(struct list_cache *lc, const char *key, size_t key_len,
                                     uint64_t hash)
{
    uint64_t at;

    if (pcn_strmap_get(lc->hashes, (const char *)&hash, sizeof(hash), &at) &&
        same_key((struct list_entry *)(uintptr_t)at, key, key_len))
        return (struct list_entry *)(uintptr_t)at;
    for (struct list_entry *e = lc->first; e; e = e->next) { /* a hash collision: rare */
        if (same_key(e, key, key_len))
            return e;
    }
    return NULL;
}

enum pcn_err pcn__listcache_get(struct list_cache *lc, const char *key, size_t key_len,
                                uint64_t hash, list_build_fn build, void *ud,
                                const struct list_index **ret)
{
    struct list_entry *e;
    enum pcn_err rc = PCN_OK;

    if (pthread_mutex_lock(&lc->lock) != 0)
        return PCN_EINVAL;
    e = find_entry(lc, key, key_len, hash);
    if (!e)
        rc = add_entry(lc, key, key_len, hash, build, ud, &e);
    (void)pthread_mutex_unlock(&lc->lock);
    if (rc == PCN_OK)
        *ret = &e->li;
    return rc;
}

/* The distinct patients of li's events, in order. */
static enum pcn_err build_patients(struct list_index *li)
{
    uint32_t *pats = pcn_calloc(li->n + 1, sizeof(*pats));
    uint32_t *shrunk;
    size_t n = 0;

    if (!pats)
        return PCN_ENOMEM;
    for (size_t e = 0; e < li->n; e++) {
        if (n == 0 || pats[n - 1] != li->ev[e].patient)
            pats[n++] = li->ev[e].patient;
    }
    shrunk = pcn_reallocarray(pats, n + 1, sizeof(*pats));
    li->patients = shrunk ? shrunk : pats;
    li->n_patients = n;
    return PCN_OK;
}

enum pcn_err pcn__listcache_patients(struct list_cache *lc, const struct list_index *li)
{
    enum pcn_err rc = PCN_OK;

    if (pthread_mutex_lock(&lc->lock) != 0)
        return PCN_EINVAL;
    if (!li->patients)
        rc = build_patients((struct list_index *)li); /* ours: the cache owns its entries */
    (void)pthread_mutex_unlock(&lc->lock);
    return rc;
}

size_t pcn__listcache_memory(struct list_cache *lc)
{
    size_t bytes = 0;

    if (!lc || pthread_mutex_lock(&lc->lock) != 0)
        return 0;
    for (const struct list_entry *e = lc->first; e; e = e->next)
        bytes += sizeof(*e) + e->key_len + e->li.n * sizeof(struct mev) +
                 e->li.n_patients * sizeof(uint32_t);
    (void)pthread_mutex_unlock(&lc->lock);
    return bytes;
}
