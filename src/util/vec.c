/*
 * vec.c - the growth policy behind PCN_GROW: at least double, at least 16
 * elements, overflow-checked.
 */
#include "pcn/vec.h"

#include "pcn/alloc.h"
#include "util/common.h"

enum pcn_err pcn_grow(void **arr, size_t elem_size, size_t n, size_t *alloc)
{
    size_t want = *alloc < 8 ? 16 : *alloc;
    void *p;

    while (want < n) {
        if (want > SIZE_MAX / 2)
            return PCN_ENOMEM;
        want *= 2;
    }
    p = pcn_reallocarray(*arr, want, elem_size);
    if (!p)
        return PCN_ENOMEM;
    *arr = p;
    *alloc = want;
    return PCN_OK;
}
