/* Unit tests for fmt/table.c: text alignment, CSV quoting, JSON types and nulls. */
#include "testutil.h"

#include <jansson.h>

#include "pcn/table.h"

static struct pcn_table *sample(void)
{
    static const char *const names[] = {"code", "name", "patients", "share"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,
                                              PCN_COL_NUMBER};
    struct pcn_table *t = pcn_table_new("practices", 4, names, types);
    assert_non_null(t);
    assert_int_equal(pcn_table_add_row(t), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 0, "A81001"), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 1, "Densham, The \"Surgery\""), PCN_OK);
    assert_int_equal(pcn_table_set_int(t, 2, 3733), PCN_OK);
    assert_int_equal(pcn_table_set_number(t, 3, 0.25), PCN_OK);
    assert_int_equal(pcn_table_add_row(t), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 0, "B99"), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 1, "Caf\xc3\xa9"), PCN_OK);
    /* patients and share left null */
    assert_int_equal(pcn_table_rows(t), 2);
    return t;
}

static void test_text(void **state)
{
    struct pcn_table *t = sample();
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_TABLE, &b), PCN_OK);
    assert_string_equal(b.buf, "code    name                    patients  share\n"
                               "A81001  Densham, The \"Surgery\"      3733   0.25\n"
                               "B99     Caf\xc3\xa9                                   \n");
    pcn_buf_release(&b);
    pcn_table_free(t);
}

static void test_csv(void **state)
{
    struct pcn_table *t = sample();
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, &b), PCN_OK);
    assert_string_equal(b.buf, "code,name,patients,share\n"
                               "A81001,\"Densham, The \"\"Surgery\"\"\",3733,0.25\n"
                               "B99,Caf\xc3\xa9,,\n");
    pcn_buf_release(&b);
    pcn_table_free(t);
}

/*
 * Text that a spreadsheet would run as a formula is neutralised (a quote
 * before it, the field quoted); numbers, negative ones included, are not.
 */
static void test_csv_formula(void **state)
{
    static const char *const names[] = {"patient_id", "value", "=HEADER()"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_NUMBER, PCN_COL_TEXT};
    static const char *const hostile[] = {
        "=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "a=b", "P1"};
    static const char *const want = "patient_id,value,\"'=HEADER()\"\r\n"
                                    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5,\r\n"
                                    "\"'+1\",-5,\r\n"
                                    "\"'-2+3\",-5,\r\n"
                                    "\"'@SUM(A1)\",-5,\r\n"
                                    "\"'\tx\",-5,\r\n"
                                    "\"'\rx\",-5,\r\n"
                                    "a=b,-5,\r\n"
                                    "P1,-5,\r\n";
    struct pcn_table *t = pcn_table_new("worklist", 3, names, types);
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_non_null(t);
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        assert_int_equal(pcn_table_add_row(t), PCN_OK);
        assert_int_equal(pcn_table_set_text(t, 0, hostile[i]), PCN_OK);
        assert_int_equal(pcn_table_set_number(t, 1, -5), PCN_OK);
    }
    assert_int_equal(pcn_table_render_csv(t, "\r\n", &b), PCN_OK);
    assert_string_equal(b.buf, want);
    pcn_buf_release(&b);
    pcn_table_free(t);
}

static void test_json(void **state)
{
    struct pcn_table *t = sample();
    struct pcn_buf b = PCN_BUF_INIT;
    enum pcn_format f;
    (void)state;
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_JSON, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "\"kind\": \"practices\""));
    assert_non_null(strstr(b.buf, "\"patients\": 3733"));
    assert_non_null(strstr(b.buf, "\"share\": 0.25"));
    assert_non_null(strstr(b.buf, "\"patients\": null"));
    assert_non_null(strstr(b.buf, "\"name\": \"Densham, The \\\"Surgery\\\"\""));
    assert_non_null(strstr(b.buf, "{\"name\": \"patients\", \"type\": \"integer\"}") ||
                    strstr(b.buf, "\"type\": \"integer\""));
    assert_int_equal(pcn_format_parse("json", &f), PCN_OK);
    assert_int_equal(f, PCN_FORMAT_JSON);
    assert_int_equal(pcn_format_parse("xml", &f), PCN_EINVAL);
    pcn_buf_release(&b);
    pcn_table_free(t);
}

/* Booleans and detail columns: yes/no in text, true/false in CSV and JSON, details not in text. */
static void test_bool_and_detail(void **state)
{
    static const char *const names[] = {"name", "disabled", "hash"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_BOOL, PCN_COL_TEXT};
    struct pcn_table *t = pcn_table_new("users", 3, names, types);
    struct pcn_buf b = PCN_BUF_INIT;
    void *j = NULL;
    (void)state;
    assert_non_null(t);
    assert_int_equal(pcn_table_set_detail(t, 2), PCN_OK);
    assert_int_equal(pcn_table_set_detail(t, 3), PCN_EINVAL);
    assert_int_equal(pcn_table_add_row(t), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 0, "ann"), PCN_OK);
    assert_int_equal(pcn_table_set_bool(t, 1, 1), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 2, "abc123"), PCN_OK);
    assert_int_equal(pcn_table_add_row(t), PCN_OK);
    assert_int_equal(pcn_table_set_text(t, 0, "bob"), PCN_OK);
    assert_int_equal(pcn_table_set_bool(t, 1, 0), PCN_OK);
    assert_string_equal(pcn_table_cell(t, 0, 1), "true");
    assert_string_equal(pcn_table_cell(t, 0, 2), "abc123");
    assert_null(pcn_table_cell(t, 1, 2)); /* null cell */
    assert_null(pcn_table_cell(t, 2, 0)); /* no such row */
    assert_null(pcn_table_cell(t, 0, 3)); /* no such column */

    assert_int_equal(pcn_table_render(t, PCN_FORMAT_TABLE, &b), PCN_OK);
    assert_string_equal(b.buf, "name  disabled\n"
                               "ann   yes\n"
                               "bob   no\n");
    pcn_buf_reset(&b);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, &b), PCN_OK);
    assert_string_equal(b.buf, "name,disabled,hash\nann,true,abc123\nbob,false,\n");
    pcn_buf_reset(&b);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_JSON, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "\"disabled\": true"));
    assert_non_null(strstr(b.buf, "\"disabled\": false"));
    assert_non_null(strstr(b.buf, "\"type\": \"boolean\""));
    assert_non_null(strstr(b.buf, "\"hash\": \"abc123\""));

    /* the object form the API extends with paging */
    assert_int_equal(pcn_table_to_json(t, &j), PCN_OK);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "users");
    assert_int_equal(json_array_size(json_object_get(j, "columns")), 3);
    assert_true(
        json_is_false(json_object_get(json_array_get(json_object_get(j, "rows"), 1), "disabled")));
    json_decref(j);
    pcn_buf_release(&b);
    pcn_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_formula),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_bool_and_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
