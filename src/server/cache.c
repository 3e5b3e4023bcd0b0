/*
 * cache.c - cached response bodies of aggregate GETs. An entry is valid
 * for one store data version: any committed data change makes every entry
 * stale, so a reader never sees a result computed before a change it can
 * already observe. Fixed number of slots, chosen by key hash; a new entry
 * evicts whatever held its slot. Callers pass the server lock.
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "util/common.h"

struct cache_entry {
    char *key;
    char *body;
    size_t len;
    int64_t version;
};

struct pcn__cache {
    struct cache_entry *slots;
    size_t n_slots;
};

struct pcn__cache *pcn__cache_new(int n_entries)
{
    struct pcn__cache *c = pcn_calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->n_slots = n_entries > 0 ? (size_t)n_entries : 0;
    if (c->n_slots) {
        c->slots = pcn_calloc(c->n_slots, sizeof(*c->slots));
        if (!c->slots) {
            pcn_free(c);
            return NULL;
        }
    }
    return c;
}

void pcn__cache_free(struct pcn__cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_slots; i++) {
        pcn_free(c->slots[i].key);
        pcn_free(c->slots[i].body);
    }
    pcn_free(c->slots);
    pcn_free(c);
}

static struct cache_entry *slot_of(struct pcn__cache *c, const char *key)
{
    return &c->slots[pcn_hash_bytes(key, strlen(key)) % c->n_slots];
}

const char *pcn__cache_get(struct pcn__cache *c, pthread_mutex_t *lock, const char *key,
                           int64_t version, struct pcn_arena *a, size_t *ret_len)
{
    char *copy = NULL;

    if (!c || !c->n_slots)
        return NULL;
    (void)pthread_mutex_lock(lock);
    struct cache_entry *e = slot_of(c, key);
    if (e->key && e->version == version && strcmp(e->key, key) == 0) {
        copy = pcn_arena_strndup(a, e->body, e->len);
        *ret_len = e->len;
    }
    (void)pthread_mutex_unlock(lock);
    return copy;
}

void pcn__cache_put(struct pcn__cache *c, pthread_mutex_t *lock, const char *key, int64_t version,
                    const char *body, size_t len)
{
    char *k;
    char *b;

    if (!c || !c->n_slots)
        return;
    k = pcn_strdup(key);
    b = pcn_strndup(body, len);
    if (!k || !b) {
        pcn_free(k);
        pcn_free(b);
        return;
    }
    (void)pthread_mutex_lock(lock);
    struct cache_entry *e = slot_of(c, key);
    pcn_free(e->key);
    pcn_free(e->body);
    *e = (struct cache_entry){k, b, len, version};
    (void)pthread_mutex_unlock(lock);
}
