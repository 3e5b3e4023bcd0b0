/* Unit tests for util/csv.c: RFC 4180 cases, errors with line numbers, limits. */
#include "testutil.h"

#include "pcn/buf.h"
#include "pcn/csv.h"

static struct pcn_csv *mem(const char *s)
{
    struct pcn_csv *c = NULL;
    assert_int_equal(pcn_csv_new_mem(s, strlen(s), "t.csv", &c), PCN_OK);
    return c;
}

static void test_simple(void **state)
{
    struct pcn_csv *c =
        mem("a,b,c\n1,,3\r\n\"x,y\",\"he said \"\"hi\"\"\",\"multi\nline\"\nlast,row");
    struct pcn_error e;
    (void)state;
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    assert_int_equal(pcn_csv_nfields(c), 3);
    assert_int_equal(pcn_csv_find(c, "b"), 1);
    assert_int_equal(pcn_csv_find(c, "z"), -1);
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    assert_string_equal(pcn_csv_field(c, 1, NULL), "");
    assert_string_equal(pcn_csv_field(c, 2, NULL), "3");
    assert_int_equal(pcn_csv_line(c), 2);
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    assert_string_equal(pcn_csv_field(c, 0, NULL), "x,y");
    assert_string_equal(pcn_csv_field(c, 1, NULL), "he said \"hi\"");
    assert_string_equal(pcn_csv_field(c, 2, NULL), "multi\nline");
    assert_int_equal(pcn_csv_line(c), 3);
    assert_int_equal(pcn_csv_next(c, &e), PCN_OK);
    assert_int_equal(pcn_csv_line(c), 5);
    assert_string_equal(pcn_csv_field(c, 1, NULL), "row");
    assert_int_equal(pcn_csv_next(c, &e), PCN_ENOTFOUND);
    pcn_csv_free(c);
}

static void test_bom_and_blank_lines(void **state)
{
    struct pcn_csv *c = mem("\xEF\xBB\xBFh1,h2\n\n1,2\n");
    (void)state;
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_string_equal(pcn_csv_field(c, 0, NULL), "h1");
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_string_equal(pcn_csv_field(c, 0, NULL), "1");
    assert_int_equal(pcn_csv_line(c), 3);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_ENOTFOUND);
    pcn_csv_free(c);
}

static void expect_error(const char *text, const char *msg_part)
{
    struct pcn_csv *c = mem(text);
    struct pcn_error e;
    enum pcn_err rc;
    do {
        rc = pcn_csv_next(c, &e);
    } while (rc == PCN_OK);
    assert_int_not_equal(rc, PCN_ENOTFOUND);
    if (!strstr(e.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", e.msg, msg_part);
    pcn_csv_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("a,b\n1,x\"y\n", "t.csv:2: bad quoting");
    expect_error("a,b\n\"1\"x,2\n", "t.csv:2: bad quoting");
    expect_error("a\n\"unterminated\n", "t.csv:2: unterminated");
    expect_error("a\r2\n", "t.csv:1: carriage return");
    expect_error("ok\nbad\xff\n", "t.csv:2: field 1 is not valid UTF-8");
    /* after the first record, plain records take a fast path: the same errors */
    expect_error("h\nok,fine\nx,a\rb\n", "t.csv:3: carriage return");
    expect_error("h\nok,fine\nx,caf\xc3\n", "t.csv:3: field 2 is not valid UTF-8");
    expect_error("h\nok,fine\nx,y\n1,2\x22\n", "t.csv:4: bad quoting");
}

/* A NUL byte in a field (plain or quoted) is an error, not a field cut short. */
static void test_nul_byte(void **state)
{
    static const char plain[] = "h1,h2\nok,fine\nSmith\0DROP,x\n";
    static const char quoted[] = "h1,h2\n\"Smi\0th\",x\n";
    const struct {
        const char *text;
        size_t len;
        const char *msg;
    } cases[] = {
        {plain, sizeof(plain) - 1, "t.csv:3: field 1 contains a NUL byte"},
        {quoted, sizeof(quoted) - 1, "t.csv:2: field 1 contains a NUL byte"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pcn_csv *c = NULL;
        struct pcn_error e;
        enum pcn_err rc;
        assert_int_equal(pcn_csv_new_mem(cases[i].text, cases[i].len, "t.csv", &c), PCN_OK);
        do {
            rc = pcn_csv_next(c, &e);
        } while (rc == PCN_OK);
        assert_int_equal(rc, PCN_EPARSE);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("message '%s' lacks '%s'", e.msg, cases[i].msg);
        pcn_csv_free(c);
    }
}

/* Plain records (the fast path) split like the state machine: empty fields, CRLF, long lines. */
static void test_plain_records(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_csv *c;
    (void)state;
    assert_int_equal(pcn_buf_adds(&b, "h1,h2,h3\n,,\r\na,,c\n\nlast,x,"), PCN_OK);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(pcn_buf_adds(&b, "long"), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, "\n"), PCN_OK);
    c = mem(b.buf);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_int_equal(pcn_csv_nfields(c), 3);
    assert_string_equal(pcn_csv_field(c, 2, NULL), "");
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_string_equal(pcn_csv_field(c, 0, NULL), "a");
    assert_string_equal(pcn_csv_field(c, 1, NULL), "");
    assert_string_equal(pcn_csv_field(c, 2, NULL), "c");
    assert_int_equal(pcn_csv_line(c), 3);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK); /* the blank line is skipped */
    assert_int_equal(pcn_csv_line(c), 5);
    assert_int_equal(strlen(pcn_csv_field(c, 2, NULL)), 12000);
    assert_int_equal(pcn_csv_offset(c), b.len);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_ENOTFOUND);
    pcn_csv_free(c);
    pcn_buf_release(&b);
}

static void test_too_many_fields(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    for (int i = 0; i < PCN_CSV_MAX_FIELDS + 5; i++)
        assert_int_equal(pcn_buf_adds(&b, "x,"), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, "\n"), PCN_OK);
    expect_error(b.buf, "record too large");
    pcn_buf_reset(&b);
    /* the same limit on a later record; exactly the maximum is fine */
    assert_int_equal(pcn_buf_adds(&b, "h\n"), PCN_OK);
    for (int i = 1; i < PCN_CSV_MAX_FIELDS; i++)
        assert_int_equal(pcn_buf_adds(&b, "x,"), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, "x\nx,"), PCN_OK);
    for (int i = 0; i < PCN_CSV_MAX_FIELDS; i++)
        assert_int_equal(pcn_buf_adds(&b, "x,"), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, "\n"), PCN_OK);
    expect_error(b.buf, "t.csv:3: record too large");
    pcn_buf_release(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(pcn_utf8_valid("plain", 5));
    assert_true(pcn_utf8_valid("caf\xc3\xa9", 5));
    assert_true(pcn_utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_false(pcn_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(pcn_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(pcn_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(pcn_utf8_valid("\xf5\x80\x80\x80", 4)); /* > U+10FFFF */
    /* ASCII is checked eight bytes at a time: what follows a run still counts */
    assert_true(pcn_utf8_valid("abcdefghijklmnop caf\xc3\xa9", 22));
    assert_false(pcn_utf8_valid("abcdefghijklmnop\xff", 17));
    assert_false(pcn_utf8_valid("abcdefg\xe2\x82", 9));
}

static void test_write_roundtrip(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_csv *c;
    const char *vals[] = {"plain", "with,comma", "quote\"d", "new\nline", " pad ", ""};
    (void)state;
    for (size_t i = 0; i < 6; i++) {
        if (i)
            assert_int_equal(pcn_buf_addch(&b, ','), PCN_OK);
        assert_int_equal(pcn_csv_write_field(&b, vals[i], strlen(vals[i])), PCN_OK);
    }
    assert_int_equal(pcn_buf_addch(&b, '\n'), PCN_OK);
    c = mem(b.buf);
    assert_int_equal(pcn_csv_next(c, NULL), PCN_OK);
    assert_int_equal(pcn_csv_nfields(c), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(pcn_csv_field(c, i, NULL), vals[i]);
    pcn_csv_free(c);
    pcn_buf_release(&b);
}

static void test_file(void **state)
{
    char dir[128];
    char path[256];
    struct pcn_csv *c = NULL;
    struct pcn_error e;
    struct pcn_buf b = PCN_BUF_INIT;
    size_t rows = 0;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/big.csv", dir);
    for (int i = 0; i < 50000; i++)
        assert_int_equal(pcn_buf_addf(&b, "%d,\"name %d\",x\n", i, i), PCN_OK);
    test_write_file(path, b.buf);
    assert_int_equal(pcn_csv_open(path, &c, &e), PCN_OK);
    assert_int_equal(pcn_csv_size(c), b.len);
    while (pcn_csv_next(c, &e) == PCN_OK) {
        char expect[32];
        snprintf(expect, sizeof(expect), "name %zu", rows);
        assert_string_equal(pcn_csv_field(c, 1, NULL), expect);
        rows++;
    }
    assert_int_equal(rows, 50000);
    assert_int_equal(pcn_csv_offset(c), b.len);
    pcn_csv_free(c);
    assert_int_equal(pcn_csv_open("/nonexistent/x.csv", &c, &e), PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/x.csv"));
    assert_int_equal(pcn_csv_open(dir, &c, &e), PCN_EINVAL);
    unlink(path);
    rmdir(dir);
    pcn_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),        cmocka_unit_test(test_bom_and_blank_lines),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_plain_records), cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_utf8),          cmocka_unit_test(test_write_roundtrip),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
