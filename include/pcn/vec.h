/*
 * vec.h - growing arrays. PCN_GROW(arr, n, alloc) makes room for n
 * elements in the array arr whose capacity is alloc, doubling as needed,
 * with overflow-checked sizes. It evaluates to PCN_OK or PCN_ENOMEM and
 * leaves arr untouched on failure.
 */
#ifndef PCN_VEC_H
#define PCN_VEC_H

#include <stddef.h>

#include "pcn/error.h"

/*
 * Ensure *arr (elements of elem_size bytes, capacity *alloc) can hold n
 * elements. Internal helper for PCN_GROW.
 */
enum pcn_err pcn_grow(void **arr, size_t elem_size, size_t n, size_t *alloc);

#define PCN_GROW(arr, n, alloc)                                                                    \
    ((n) <= (alloc) ? PCN_OK : pcn_grow((void **)&(arr), sizeof(*(arr)), (n), &(alloc)))

#endif /* PCN_VEC_H */
