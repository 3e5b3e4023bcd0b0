/*
 * arena.c - a list of blocks; allocation bumps a pointer in the newest
 * block. Large requests get a block of their own. Cleanup hooks are stored
 * in the arena itself and run newest first.
 */
#include "pcn/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "util/common.h"

#define ARENA_ALIGN 16

struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_hook {
    struct arena_hook *next;
    void (*fn)(void *);
    void *data;
};

struct pcn_arena {
    struct arena_block *blocks; /* newest first; the last one is kept on reset */
    struct arena_hook *hooks;   /* newest first */
    size_t block_size;
    size_t max_bytes;
    size_t used;
};

struct pcn_arena *pcn_arena_new(size_t block_size, size_t max_bytes)
{
    struct pcn_arena *a = pcn_calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->block_size = block_size < 256 ? 256 : block_size;
    a->max_bytes = max_bytes;
    return a;
}

static void arena_run_hooks(struct pcn_arena *a)
{
    while (a->hooks) {
        struct arena_hook *h = a->hooks;
        a->hooks = h->next;
        h->fn(h->data);
    }
}

void pcn_arena_reset(struct pcn_arena *a)
{
    struct arena_block *b;

    if (!a)
        return;
    arena_run_hooks(a);
    b = a->blocks;
    while (b && b->next) {
        struct arena_block *next = b->next;
        pcn_free(b);
        b = next;
    }
    a->blocks = b;
    if (b)
        b->used = 0;
    a->used = 0;
}

void pcn_arena_free(struct pcn_arena *a)
{
    if (!a)
        return;
    pcn_arena_reset(a);
    pcn_free(a->blocks);
    pcn_free(a);
}

static struct arena_block *arena_new_block(size_t size)
{
    size_t total;
    struct arena_block *b;

    if (!pcn_size_add(sizeof(*b), size, &total))
        return NULL;
    b = pcn_malloc(total);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *pcn_arena_alloc(struct pcn_arena *a, size_t size)
{
    struct arena_block *b = a->blocks;
    size_t rounded;
    void *p;

    if (!pcn_size_add(size, ARENA_ALIGN - 1, &rounded))
        return NULL;
    rounded &= ~(size_t)(ARENA_ALIGN - 1);
    if (rounded == 0)
        rounded = ARENA_ALIGN;
    if (a->max_bytes && (rounded > a->max_bytes || a->used > a->max_bytes - rounded))
        return NULL;
    if (!b || b->size - b->used < rounded) {
        size_t bsize = rounded > a->block_size ? rounded : a->block_size;
        struct arena_block *nb = arena_new_block(bsize);
        if (!nb)
            return NULL;
        nb->next = b;
        a->blocks = nb;
        b = nb;
    }
    p = b->data + b->used;
    b->used += rounded;
    a->used += rounded;
    return p;
}

void *pcn_arena_calloc(struct pcn_arena *a, size_t n, size_t size)
{
    size_t total;
    void *p;

    if (!pcn_size_mul(n, size, &total))
        return NULL;
    p = pcn_arena_alloc(a, total);
    if (p)
        memset(p, 0, total);
    return p;
}

char *pcn_arena_strndup(struct pcn_arena *a, const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        return NULL;
    p = pcn_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *pcn_arena_strdup(struct pcn_arena *a, const char *s)
{
    return pcn_arena_strndup(a, s, strlen(s));
}

char *pcn_arena_printf(struct pcn_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = pcn_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    (void)vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

enum pcn_err pcn_arena_on_cleanup(struct pcn_arena *a, void (*fn)(void *), void *data)
{
    struct arena_hook *h = pcn_arena_alloc(a, sizeof(*h));

    if (!h)
        return PCN_ENOMEM;
    h->fn = fn;
    h->data = data;
    h->next = a->hooks;
    a->hooks = h;
    return PCN_OK;
}

size_t pcn_arena_used(const struct pcn_arena *a)
{
    return a->used;
}
