/*
 * paths.h - where OpenPCN finds its shipped data: the reference tables in
 * data/reference/ and the standard definitions in defs/. The root is the
 * environment variable PCN_DATA_DIR when set, otherwise the source tree the
 * binary was built from (compiled in by Meson as PCN_SOURCE_DIR).
 */
#ifndef PCN_PATHS_H
#define PCN_PATHS_H

#include <stddef.h>

#include "pcn/error.h"

/* The data root. Borrowed static or environment string; never NULL. */
const char *pcn_data_dir(void);

/*
 * Write "<data root>/<rel>" into out (size bytes). PCN_ELIMIT if it does
 * not fit.
 */
enum pcn_err pcn_data_path(const char *rel, char *out, size_t size);

#endif /* PCN_PATHS_H */
