/*
 * ingest_testutil.h - helpers for the importer unit tests: run an import
 * into a bundle writer or a counting sink, and a sink that remembers
 * records as text lines for comparisons.
 */
#ifndef PCN_TEST_INGEST_TESTUTIL_H
#define PCN_TEST_INGEST_TESTUTIL_H

#include "testutil.h"

#include <sys/stat.h>

#include "pcn/bundle.h"
#include "pcn/ingest.h"

/* Directory of checked-in test data (tests/data). */
static inline void test_data_path(const char *rel, char *out, size_t size)
{
    const char *root = getenv("PCN_SOURCE_ROOT");
    int n = snprintf(out, size, "%s/tests/data/%s", root ? root : PCN_SOURCE_DIR, rel);
    assert_true(n > 0 && (size_t)n < size);
}

/*
 * Import paths in format fmt into a fresh bundle at out_dir (NULL: validate
 * only). Returns the import's rc; *err gets the message.
 */
static inline enum pcn_err test_import(enum pcn_import_format fmt, const char *const *paths,
                                       size_t n, const char *out_dir, long max_errors,
                                       struct pcn_error *err, struct pcn_import_stats *ret_stats)
{
    static const struct pcn_sink_ops none = {0};
    struct pcn_import_opts o = {.format = fmt, .max_errors = max_errors};
    struct pcn_bundle_writer *w = NULL;
    struct pcn_sink sink = {&none, NULL};
    struct pcn_importer *imp = NULL;
    enum pcn_err rc;

    if (out_dir) {
        assert_int_equal(pcn_bundle_writer_open(out_dir, &w, err), PCN_OK);
        pcn_bundle_writer_sink(w, &sink);
    }
    assert_int_equal(pcn_importer_new(&o, &sink, &imp), PCN_OK);
    pcn_error_clear(err);
    rc = pcn_importer_run(imp, paths, n, err);
    if (ret_stats)
        *ret_stats = *pcn_importer_stats(imp);
    pcn_importer_free(imp);
    assert_int_equal(pcn_bundle_writer_close(w, NULL), PCN_OK);
    return rc;
}

#endif /* PCN_TEST_INGEST_TESTUTIL_H */
