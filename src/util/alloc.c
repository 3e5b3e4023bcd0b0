/*
 * alloc.c - allocation wrappers. The only file allowed to call malloc/free.
 * With PCN_FAULT_INJECTION defined (test builds), the environment variable
 * PCN_FAULT_INJECT=N makes the Nth allocation, and only that one, fail. The
 * counter is the one piece of process-wide mutable state in the library; it
 * exists only in test builds and is atomic.
 */
#include "pcn/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "util/common.h"

#ifdef PCN_FAULT_INJECTION
#include <stdatomic.h>

static atomic_ulong alloc_calls;
static atomic_long fail_at = -1; /* -1: not read yet; 0: disabled */
static atomic_int fault_hit;

static bool alloc_should_fail(void)
{
    long at = atomic_load(&fail_at);
    unsigned long n;

    if (at < 0) {
        const char *s = getenv("PCN_FAULT_INJECT");
        char *end = NULL;
        long v = s ? strtol(s, &end, 10) : 0; /* checksrc: ok, test-only */
        at = (s && end && *end == '\0' && v > 0) ? v : 0;
        atomic_store(&fail_at, at);
    }
    n = atomic_fetch_add(&alloc_calls, 1) + 1;
    if (at > 0 && n == (unsigned long)at) {
        atomic_store(&fault_hit, 1);
        return true;
    }
    return false;
}

void pcn_alloc_fail_at(unsigned long n)
{
    atomic_store(&alloc_calls, 0);
    atomic_store(&fault_hit, 0);
    atomic_store(&fail_at, (long)n);
}

int pcn_alloc_fault_hit(void)
{
    return atomic_load(&fault_hit);
}

unsigned long pcn_alloc_count(void)
{
    return atomic_load(&alloc_calls);
}
#else
static bool alloc_should_fail(void)
{
    return false;
}

void pcn_alloc_fail_at(unsigned long n)
{
    (void)n;
}

int pcn_alloc_fault_hit(void)
{
    return 0;
}

unsigned long pcn_alloc_count(void)
{
    return 0;
}
#endif

void *pcn_malloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *pcn_calloc(size_t n, size_t size)
{
    size_t total;

    if (!pcn_size_mul(n, size, &total) || alloc_should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *pcn_reallocarray(void *ptr, size_t n, size_t size)
{
    size_t total;

    if (!pcn_size_mul(n, size, &total) || alloc_should_fail())
        return NULL;
    return realloc(ptr, total ? total : 1);
}

void pcn_free(void *ptr)
{
    free(ptr);
}

char *pcn_strndup(const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        return NULL;
    p = pcn_malloc(len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *pcn_strdup(const char *s)
{
    return pcn_strndup(s, strlen(s));
}
