/*
 * listcache.c - the snapshot's cache of merged code-list indexes: entries
 * found by their content key in a string map, built and completed under
 * one mutex, never evicted (a snapshot serves one set of definitions, so
 * their lists bound the cache) and freed with the snapshot.
 */
#include "engine/listcache.h"

#include <pthread.h>
#include <stdbool.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "pcn/vec.h"

struct list_cache {
    pthread_mutex_t lock;
    struct pcn_strmap *keys;     /* content key -> index into entries */
    struct list_index **entries; /* owned; stable addresses for the borrowers */
    size_t n_entries, alloc_entries;
};

struct list_cache *pcn__listcache_new(void)
{
    struct list_cache *lc = pcn_calloc(1, sizeof(*lc));

    if (!lc)
        return NULL;
    lc->keys = pcn_strmap_new();
    if (!lc->keys || pthread_mutex_init(&lc->lock, NULL) != 0) {
        pcn_strmap_free(lc->keys);
        pcn_free(lc);
        return NULL;
    }
    return lc;
}

static void entry_free(struct list_index *li)
{
    if (!li)
        return;
    pcn_free((void *)li->ev);
    pcn_free((void *)li->patients);
    pcn_free(li);
}

void pcn__listcache_free(struct list_cache *lc)
{
    if (!lc)
        return;
    for (size_t i = 0; i < lc->n_entries; i++)
        entry_free(lc->entries[i]);
    pcn_free(lc->entries);
    pcn_strmap_free(lc->keys);
    (void)pthread_mutex_destroy(&lc->lock);
    pcn_free(lc);
}

/* Under the lock: a new entry for key, built now. */
static enum pcn_err add_entry(struct list_cache *lc, const char *key, size_t key_len,
                              list_build_fn build, void *ud, struct list_index **ret)
{
    struct list_index *li = NULL;
    struct mev *ev = NULL;
    size_t n = 0;
    enum pcn_err rc = PCN_GROW(lc->entries, lc->n_entries + 1, lc->alloc_entries);

    if (rc == PCN_OK) {
        li = pcn_calloc(1, sizeof(*li));
        rc = li ? build(ud, &ev, &n) : PCN_ENOMEM;
    }
    if (rc == PCN_OK) {
        li->ev = ev;
        li->n = n;
        rc = pcn_strmap_put(lc->keys, key, key_len, lc->n_entries);
    }
    if (rc != PCN_OK) {
        entry_free(li);
        return rc;
    }
    lc->entries[lc->n_entries++] = li;
    *ret = li;
    return PCN_OK;
}

enum pcn_err pcn__listcache_get(struct list_cache *lc, const char *key, size_t key_len,
                                list_build_fn build, void *ud, const struct list_index **ret)
{
    struct list_index *li = NULL;
    uint64_t at;
    enum pcn_err rc = PCN_OK;

    if (pthread_mutex_lock(&lc->lock) != 0)
        return PCN_EINVAL;
    if (pcn_strmap_get(lc->keys, key, key_len, &at))
        li = lc->entries[at];
    else
        rc = add_entry(lc, key, key_len, build, ud, &li);
    (void)pthread_mutex_unlock(&lc->lock);
    if (rc == PCN_OK)
        *ret = li;
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
    for (size_t i = 0; i < lc->n_entries; i++) {
        const struct list_index *li = lc->entries[i];
        bytes += sizeof(*li) + li->n * sizeof(struct mev) + li->n_patients * sizeof(uint32_t);
    }
    (void)pthread_mutex_unlock(&lc->lock);
    return bytes;
}
