/*
 * testutil.h - what every cmocka unit test includes: cmocka's required
 * system headers in the right order, then cmocka itself, plus small
 * helpers for temporary directories and whole files.
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

/* Read a whole file into a malloc'd NUL-terminated string. */
static inline char *test_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

#endif /* PCN_TESTUTIL_H */
