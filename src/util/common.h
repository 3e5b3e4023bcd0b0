/*
 * common.h - included by every library .c file after its system headers:
 * small macros shared everywhere (array size, never/always, overflow-checked
 * multiplication) and, last, banned.h.
 */
#ifndef PCN_UTIL_COMMON_H
#define PCN_UTIL_COMMON_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PCN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define PCN_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * PCN_NEVER(x): true when a "cannot happen" condition x holds. Asserts in
 * debug builds; in release builds it lets the caller recover.
 */
#ifdef NDEBUG
#define PCN_NEVER(x) (x)
#else
#define PCN_NEVER(x) (assert(!(x)), (x))
#endif

#define PCN_UNUSED(x) ((void)(x))

/* Multiply two sizes; false on overflow. */
static inline bool pcn_size_mul(size_t a, size_t b, size_t *ret)
{
    if (b && a > SIZE_MAX / b)
        return false;
    *ret = a * b;
    return true;
}

/* Add two sizes; false on overflow. */
static inline bool pcn_size_add(size_t a, size_t b, size_t *ret)
{
    if (a > SIZE_MAX - b)
        return false;
    *ret = a + b;
    return true;
}

#include "util/banned.h"

#endif /* PCN_UTIL_COMMON_H */
