/*
 * Unit tests for the threaded NDJSON reader (src/ingest/ndjson_read.c):
 * lines come back in file order with their numbers across many blocks
 * (blank lines, CRLF, a line longer than a block, no final newline); a line
 * that is not JSON is reported in place and the rest goes on; a line over
 * the limit stops the file after the lines before it; closing early frees
 * everything (checked by ASan).
 */
#include "testutil.h"

#include <jansson.h>

#include "ingest/ndjson_read.h"

struct fixture {
    char dir[128];
    char path[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    test_mkdtemp(f->dir, sizeof(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/r.ndjson", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

#define N_LINES 20000
#define LONG_LINE 5000 /* this line is longer than a read block */

/* Line i (1-based): blank every 97th, else {"n": i, "pad": "..."}; CRLF on every 7th. */
static void write_lines(const char *path, unsigned long bad_line)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    for (unsigned long i = 1; i <= N_LINES; i++) {
        size_t pad = i == LONG_LINE ? 200000 : (i * 37) % 300;
        if (i % 97 == 0) {
            fputs("   ", out);
        } else if (i == bad_line) {
            fputs("{\"n\": oops}", out);
        } else {
            fprintf(out, "{\"n\": %lu, \"pad\": \"", i);
            for (size_t k = 0; k < pad; k++)
                fputc('a' + (int)(k % 26), out);
            fputs("\"}", out);
        }
        if (i < N_LINES) /* the last line has no newline */
            fputs(i % 7 == 0 ? "\r\n" : "\n", out);
    }
    assert_int_equal(fclose(out), 0);
}

static void test_order(void **state)
{
    struct fixture *f = *state;
    struct pcn__ndjson *r = NULL;
    struct pcn__ndjson_line line;
    struct pcn_error e = {0};
    unsigned long expect = 1;
    unsigned long n = 0;
    enum pcn_err rc;

    write_lines(f->path, 0);
    assert_int_equal(pcn__ndjson_open(f->path, 1 << 20, JSON_REJECT_DUPLICATES, &r, &e), PCN_OK);
    for (;;) {
        rc = pcn__ndjson_next(r, &line, &e);
        if (rc != PCN_OK)
            break;
        if (expect % 97 == 0)
            expect++; /* blank lines are skipped but counted */
        assert_int_equal(line.line_no, expect);
        assert_non_null(line.res);
        assert_int_equal(json_integer_value(json_object_get(line.res, "n")), expect);
        assert_int_equal(json_string_length(json_object_get(line.res, "pad")),
                         expect == LONG_LINE ? 200000 : (expect * 37) % 300);
        expect++;
        n++;
    }
    assert_int_equal(rc, PCN_ENOTFOUND);
    assert_int_equal(n, N_LINES - N_LINES / 97);
    assert_int_equal(pcn__ndjson_offset(r), pcn__ndjson_size(r));
    assert_int_equal(pcn__ndjson_next(r, &line, &e), PCN_ENOTFOUND);
    pcn__ndjson_close(r);
}

static void test_bad_json_in_place(void **state)
{
    struct fixture *f = *state;
    struct pcn__ndjson *r = NULL;
    struct pcn__ndjson_line line;
    struct pcn_error e = {0};
    unsigned long n_bad = 0;
    unsigned long n = 0;

    write_lines(f->path, 12345);
    assert_int_equal(pcn__ndjson_open(f->path, 1 << 20, 0, &r, &e), PCN_OK);
    while (pcn__ndjson_next(r, &line, &e) == PCN_OK) {
        n++;
        if (line.res)
            continue;
        n_bad++;
        assert_int_equal(line.line_no, 12345);
        assert_true(line.err.column > 0);
        assert_true(line.err.text[0] != '\0');
    }
    assert_int_equal(n_bad, 1);
    assert_int_equal(n, N_LINES - N_LINES / 97);
    pcn__ndjson_close(r);
}

static void test_line_too_long(void **state)
{
    struct fixture *f = *state;
    struct pcn__ndjson *r = NULL;
    struct pcn__ndjson_line line;
    struct pcn_error e = {0};
    unsigned long n = 0;
    enum pcn_err rc;

    write_lines(f->path, 0);
    assert_int_equal(pcn__ndjson_open(f->path, 100000, 0, &r, &e), PCN_OK);
    for (;;) {
        rc = pcn__ndjson_next(r, &line, &e);
        if (rc != PCN_OK)
            break;
        assert_true(line.line_no < LONG_LINE);
        n++;
    }
    assert_int_equal(rc, PCN_ELIMIT);
    assert_int_equal(n, (LONG_LINE - 1) - (LONG_LINE - 1) / 97);
    assert_non_null(strstr(e.msg, "r.ndjson:5000: line longer than 100000 bytes"));
    /* the failure sticks */
    assert_int_equal(pcn__ndjson_next(r, &line, &e), PCN_ELIMIT);
    pcn__ndjson_close(r);
}

static void test_close_early_and_missing(void **state)
{
    struct fixture *f = *state;
    struct pcn__ndjson *r = NULL;
    struct pcn__ndjson_line line;
    struct pcn_error e = {0};
    char missing[300];

    write_lines(f->path, 0);
    assert_int_equal(pcn__ndjson_open(f->path, 1 << 20, 0, &r, &e), PCN_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pcn__ndjson_next(r, &line, &e), PCN_OK);
    pcn__ndjson_close(r); /* trees of every block already parsed are freed */
    pcn__ndjson_close(NULL);

    snprintf(missing, sizeof(missing), "%s/missing.ndjson", f->dir);
    assert_int_equal(pcn__ndjson_open(missing, 1 << 20, 0, &r, &e), PCN_EIO);
    assert_non_null(strstr(e.msg, "missing.ndjson"));

    test_write_file(f->path, "");
    assert_int_equal(pcn__ndjson_open(f->path, 1 << 20, 0, &r, &e), PCN_OK);
    assert_int_equal(pcn__ndjson_next(r, &line, &e), PCN_ENOTFOUND);
    pcn__ndjson_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_json_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_early_and_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
