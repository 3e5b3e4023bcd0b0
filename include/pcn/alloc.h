/*
 * alloc.h - the allocation wrappers every module uses. Test builds with
 * fault injection make the Nth allocation fail when PCN_FAULT_INJECT=N is
 * set in the environment (read once, on the first allocation).
 */
#ifndef PCN_ALLOC_H
#define PCN_ALLOC_H

#include <stddef.h>

/* malloc(3) that may fail by injection. Returns NULL on failure. */
void *pcn_malloc(size_t size);

/* calloc(3) with overflow check on n * size. Returns NULL on failure. */
void *pcn_calloc(size_t n, size_t size);

/*
 * realloc(3) of n * size bytes with overflow check. On failure returns NULL
 * and leaves ptr untouched (still owned by the caller).
 */
void *pcn_reallocarray(void *ptr, size_t n, size_t size);

/* free(3); NULL-safe. */
void pcn_free(void *ptr);

/* strdup/strndup through pcn_malloc. Caller frees with pcn_free(). */
char *pcn_strdup(const char *s);
char *pcn_strndup(const char *s, size_t len);

/* Free *pp and set it to NULL. */
#define PCN_FREE_AND_NULL(p)                                                                       \
    do {                                                                                           \
        pcn_free(p);                                                                               \
        (p) = NULL;                                                                                \
    } while (0)

/*
 * Number of allocations made so far by this process (test builds with fault
 * injection only; 0 otherwise). Used by the fault-injection runner.
 */
unsigned long pcn_alloc_count(void);

/*
 * Test builds with fault injection: restart the count and make allocation
 * number n fail (0 disables). pcn_alloc_fault_hit() says whether that
 * allocation has happened since. No-ops (returning 0) in other builds.
 */
void pcn_alloc_fail_at(unsigned long n);
int pcn_alloc_fault_hit(void);

#endif /* PCN_ALLOC_H */
