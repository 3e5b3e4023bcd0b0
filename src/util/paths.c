/*
 * paths.c - locate shipped data files: $PCN_DATA_DIR, else the source
 * directory compiled in by the build.
 */
#include "pcn/paths.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/common.h"

#ifndef PCN_SOURCE_DIR
#define PCN_SOURCE_DIR "."
#endif

const char *pcn_data_dir(void)
{
    const char *env = getenv("PCN_DATA_DIR");
    return env && *env ? env : PCN_SOURCE_DIR;
}

enum pcn_err pcn_data_path(const char *rel, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", pcn_data_dir(), rel);
    return n < 0 || (size_t)n >= size ? PCN_ELIMIT : PCN_OK;
}
