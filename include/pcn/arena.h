/*
 * arena.h - bump allocator for lifetimes that end together (one HTTP
 * request, one query batch). Allocations are 16-byte aligned and are freed
 * all at once by pcn_arena_reset() or pcn_arena_free(). Cleanup hooks run in
 * reverse order of registration at reset/free. Not thread-safe.
 */
#ifndef PCN_ARENA_H
#define PCN_ARENA_H

#include <stddef.h>

#include "pcn/error.h"

struct pcn_arena;

/*
 * Create an arena that allocates from the system in blocks of at least
 * block_size bytes and refuses to hold more than max_bytes (0: no cap).
 * Caller frees with pcn_arena_free(). NULL when out of memory.
 */
struct pcn_arena *pcn_arena_new(size_t block_size, size_t max_bytes);

/* Run cleanup hooks and free everything, including the arena. NULL-safe. */
void pcn_arena_free(struct pcn_arena *a);

/* Run cleanup hooks and forget all allocations; keeps the first block. */
void pcn_arena_reset(struct pcn_arena *a);

/* size bytes, uninitialised, 16-byte aligned. NULL on ENOMEM or limit. */
void *pcn_arena_alloc(struct pcn_arena *a, size_t size);

/* n * size zeroed bytes with overflow check. NULL on failure. */
void *pcn_arena_calloc(struct pcn_arena *a, size_t n, size_t size);

/* Copy of len bytes of s plus a NUL, owned by the arena. */
char *pcn_arena_strndup(struct pcn_arena *a, const char *s, size_t len);
char *pcn_arena_strdup(struct pcn_arena *a, const char *s);

/* printf into arena memory. NULL on failure. */
char *pcn_arena_printf(struct pcn_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Register fn(data) to run when the arena is reset or freed. Returns
 * PCN_ENOMEM if the hook could not be recorded (fn is then not called).
 */
enum pcn_err pcn_arena_on_cleanup(struct pcn_arena *a, void (*fn)(void *), void *data);

/* Bytes handed out since creation or the last reset. */
size_t pcn_arena_used(const struct pcn_arena *a);

#endif /* PCN_ARENA_H */
