/*
 * hash.c - open-addressing string map. Slots hold the full hash, the key
 * (a copy owned by the map) and the value; the table is kept at most 70%
 * full and doubles when that is passed.
 */
#include "pcn/hash.h"

#include <string.h>

#include "pcn/alloc.h"
#include "util/common.h"

struct strmap_slot {
    uint64_t hash;
    char *key; /* NULL: empty slot */
    size_t key_len;
    uint64_t value;
};

struct pcn_strmap {
    struct strmap_slot *slots;
    size_t cap; /* power of two */
    size_t count;
};

uint64_t pcn_hash_bytes(const void *s, size_t len)
{
    const unsigned char *p = s;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

struct pcn_strmap *pcn_strmap_new(void)
{
    struct pcn_strmap *m = pcn_calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->cap = 16;
    m->slots = pcn_calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        pcn_free(m);
        return NULL;
    }
    return m;
}

void pcn_strmap_free(struct pcn_strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        pcn_free(m->slots[i].key);
    pcn_free(m->slots);
    pcn_free(m);
}

static struct strmap_slot *strmap_find(const struct pcn_strmap *m, uint64_t h, const char *key,
                                       size_t key_len)
{
    size_t mask = m->cap - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
            return s;
    }
}

static enum pcn_err strmap_resize(struct pcn_strmap *m)
{
    size_t ncap;
    struct strmap_slot *old = m->slots;
    size_t old_cap = m->cap;

    if (!pcn_size_mul(m->cap, 2, &ncap))
        return PCN_ENOMEM;
    m->slots = pcn_calloc(ncap, sizeof(*m->slots));
    if (!m->slots) {
        m->slots = old;
        return PCN_ENOMEM;
    }
    m->cap = ncap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key)
            *strmap_find(m, old[i].hash, old[i].key, old[i].key_len) = old[i];
    }
    pcn_free(old);
    return PCN_OK;
}

enum pcn_err pcn_strmap_intern(struct pcn_strmap *m, const char *key, size_t key_len, uint64_t next,
                               uint64_t *ret_value, int *ret_added)
{
    uint64_t h = pcn_hash_bytes(key, key_len);
    struct strmap_slot *s = strmap_find(m, h, key, key_len);
    char *copy;

    if (s->key) {
        *ret_value = s->value;
        *ret_added = 0;
        return PCN_OK;
    }
    if ((m->count + 1) * 10 > m->cap * 7) {
        if (strmap_resize(m) != PCN_OK)
            return PCN_ENOMEM;
        s = strmap_find(m, h, key, key_len);
    }
    copy = pcn_strndup(key, key_len);
    if (!copy)
        return PCN_ENOMEM;
    s->hash = h;
    s->key = copy;
    s->key_len = key_len;
    s->value = next;
    m->count++;
    *ret_value = next;
    *ret_added = 1;
    return PCN_OK;
}

enum pcn_err pcn_strmap_put(struct pcn_strmap *m, const char *key, size_t key_len, uint64_t value)
{
    uint64_t old;
    int added;
    enum pcn_err rc = pcn_strmap_intern(m, key, key_len, value, &old, &added);

    if (rc == PCN_OK && !added)
        strmap_find(m, pcn_hash_bytes(key, key_len), key, key_len)->value = value;
    return rc;
}

int pcn_strmap_get(const struct pcn_strmap *m, const char *key, size_t key_len, uint64_t *ret_value)
{
    const struct strmap_slot *s = strmap_find(m, pcn_hash_bytes(key, key_len), key, key_len);

    if (!s->key)
        return 0;
    *ret_value = s->value;
    return 1;
}

size_t pcn_strmap_count(const struct pcn_strmap *m)
{
    return m->count;
}

int pcn_strmap_foreach(const struct pcn_strmap *m,
                       int (*fn)(const char *key, size_t key_len, uint64_t value, void *ud),
                       void *ud)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key) {
            int r = fn(m->slots[i].key, m->slots[i].key_len, m->slots[i].value, ud);
            if (r)
                return r;
        }
    }
    return 0;
}
