/*
 * testutil.h - what every cmocka unit test includes: cmocka's required
 * system headers in the right order, then cmocka itself, plus small
 * helpers for temporary directories.
 */
#ifndef PCN_TESTUTIL_H
#define PCN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Make a fresh temporary directory; the path is written into out (>= 64 bytes). */
static inline void test_mkdtemp(char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(out, size, "%s/pcn-test-XXXXXX", base ? base : "/tmp");
    assert_true(n > 0 && (size_t)n < size);
    assert_non_null(mkdtemp(out));
}

/* Write a whole file; fails the test on error. */
static inline void test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

#endif /* PCN_TESTUTIL_H */
