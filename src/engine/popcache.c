/*
 * popcache.c - the snapshot's cache of populations and breakdown groups
 * per (as-of date, breakdown): a few entries under one mutex, evicting
 * the least recently used entry that no evaluation holds.
 */
#include "engine/popcache.h"

#include <pthread.h>
#include <stdbool.h>

#include "pcn/alloc.h"

#define POP_CACHE_SLOTS 8

struct pop_cache {
    pthread_mutex_t lock;
    struct pop_entry *slot[POP_CACHE_SLOTS];
    uint64_t tick;
};

struct pop_cache *pcn__popcache_new(void)
{
    struct pop_cache *pc = pcn_calloc(1, sizeof(*pc));

    if (!pc)
        return NULL;
    if (pthread_mutex_init(&pc->lock, NULL) != 0) {
        pcn_free(pc);
        return NULL;
    }
    return pc;
}

static void entry_free(struct pop_entry *e)
{
    if (!e)
        return;
    pcn_free(e->inpop);
    pcn_free(e->group);
    pcn_free(e->chunk_group);
    pcn_free(e->group_pop);
    pcn_free(e);
}

void pcn__popcache_free(struct pop_cache *pc)
{
    if (!pc)
        return;
    for (size_t i = 0; i < POP_CACHE_SLOTS; i++)
        entry_free(pc->slot[i]);
    (void)pthread_mutex_destroy(&pc->lock);
    pcn_free(pc);
}

static enum pcn_err entry_new(int32_t as_of, unsigned by, uint32_t n_patients, size_t n_groups,
                              pop_fill_fn fill, void *ud, struct pop_entry **ret)
{
    struct pop_entry *e = pcn_calloc(1, sizeof(*e));
    size_t n_chunks = ((size_t)n_patients + POP_CHUNK - 1) / POP_CHUNK;

    if (!e)
        return PCN_ENOMEM;
    e->as_of = as_of;
    e->by = by;
    e->n_patients = n_patients;
    e->n_groups = n_groups;
    e->inpop = pcn_calloc((size_t)n_patients + 1, 1);
    e->group = pcn_calloc((size_t)n_patients + 1, sizeof(*e->group));
    e->chunk_group = pcn_calloc(n_chunks + 1, sizeof(*e->chunk_group));
    e->group_pop = pcn_calloc(n_groups + 1, sizeof(*e->group_pop));
    if (!e->inpop || !e->group || !e->chunk_group || !e->group_pop) {
        entry_free(e);
        return PCN_ENOMEM;
    }
    fill(e, ud);
    *ret = e;
    return PCN_OK;
}

enum pcn_err pcn__popcache_get(struct pop_cache *pc, int32_t as_of, unsigned by,
                               uint32_t n_patients, size_t n_groups, pop_fill_fn fill, void *ud,
                               struct pop_entry **ret)
{
    struct pop_entry *e = NULL;
    size_t victim = POP_CACHE_SLOTS;
    enum pcn_err rc = PCN_OK;

    if (pthread_mutex_lock(&pc->lock) != 0)
        return PCN_EINVAL;
    pc->tick++;
    for (size_t i = 0; i < POP_CACHE_SLOTS && !e; i++) {
        struct pop_entry *x = pc->slot[i];
        if (x && x->as_of == as_of && x->by == by && x->n_patients == n_patients &&
            x->n_groups == n_groups)
            e = x;
    }
    /* a free slot, else the least recently used entry no evaluation holds */
    for (size_t i = 0; i < POP_CACHE_SLOTS && !e; i++) {
        const struct pop_entry *x = pc->slot[i];
        if (!x) {
            victim = i;
            break;
        }
        if (x->refs == 0 && (victim == POP_CACHE_SLOTS || x->used < pc->slot[victim]->used))
            victim = i;
    }
    if (!e) {
        rc = entry_new(as_of, by, n_patients, n_groups, fill, ud, &e);
        if (!rc && victim < POP_CACHE_SLOTS) {
            entry_free(pc->slot[victim]);
            pc->slot[victim] = e;
            e->cached = 1;
        }
    }
    if (!rc) {
        e->refs++;
        e->used = pc->tick;
        *ret = e;
    }
    (void)pthread_mutex_unlock(&pc->lock);
    return rc;
}

void pcn__popcache_release(struct pop_cache *pc, struct pop_entry *e)
{
    bool drop;

    if (!e)
        return;
    (void)pthread_mutex_lock(&pc->lock);
    e->refs--;
    drop = !e->cached && e->refs == 0;
    (void)pthread_mutex_unlock(&pc->lock);
    if (drop)
        entry_free(e);
}

size_t pcn__popcache_memory(struct pop_cache *pc)
{
    size_t n = 0;

    if (!pc || pthread_mutex_lock(&pc->lock) != 0)
        return 0;
    for (size_t i = 0; i < POP_CACHE_SLOTS; i++) {
        const struct pop_entry *e = pc->slot[i];
        size_t chunks = e ? ((size_t)e->n_patients + POP_CHUNK - 1) / POP_CHUNK : 0;
        if (e)
            n += sizeof(*e) + e->n_patients * (1 + sizeof(uint32_t)) + chunks * sizeof(uint32_t) +
                 e->n_groups * sizeof(int64_t);
    }
    (void)pthread_mutex_unlock(&pc->lock);
    return n;
}
