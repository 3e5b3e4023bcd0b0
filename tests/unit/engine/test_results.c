/*
 * Unit tests of the typed results (include/pcn/engine.h, "typed
 * results"): finding a result by name, stepping through its breakdown
 * groups and reading measures with and without suppression, the result as
 * a table, and selecting worklist rows (practice, text and range filters,
 * sorts with nulls last, pages, the key column) into tables that fmt
 * renders as CSV and JSON.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/table.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

static const char defs[] = "codelist dm = codes(\"DM\")\n"
                           "codelist bp = codes(\"BP\")\n"
                           "register dm_reg \"Diabetes\" = exists(dm)\n"
                           "indicator dm_bp \"Diabetes with a BP\" {\n"
                           "    denominator = dm_reg\n"
                           "    numerator = exists(bp, within 12 months)\n"
                           "}\n"
                           "score sbp \"Last systolic\" {\n"
                           "    value = coalesce(last(bp).value, 0)\n"
                           "    band \"low\" = value < 130\n"
                           "    band \"high\" = true\n"
                           "}\n"
                           "worklist bp_list \"Blood pressure\" {\n"
                           "    population = exists(bp)\n"
                           "    column \"Age\" = age\n"
                           "    column \"Last BP\" = last(bp).date\n"
                           "    column \"Systolic\" = last(bp).value\n"
                           "    column \"Where\" = practice\n"
                           "    column \"Diabetic\" = dm_reg\n"
                           "}\n";

struct fixture {
    struct pcn_snapshot *s;
    struct pcn_program *p;
    struct pcn_results *r;
};

/* Patient key k, id, practice, birth year; a BP (value v, NaN: none) on date d when d. */
static void add(struct pcn_snapshot *s, int64_t k, const char *id, const char *practice,
                const char *dob)
{
    struct pcn_patient pt = {.patient_id = id, .practice = practice, .sex = PCN_SEX_FEMALE};

    pt.date_of_birth = D(dob);
    pt.registered_from = D("2000-01-01");
    pt.registered_to = PCN_DATE_NONE;
    pt.date_of_death = PCN_DATE_NONE;
    assert_int_equal(pcn_snapshot_add_patient(s, k, &pt), PCN_OK);
}

static void ev(struct pcn_snapshot *s, int64_t k, const char *code, const char *date, double v)
{
    struct pcn_event e = {.code = code, .system = "snomed", .kind = PCN_EVENT_OBSERVATION};

    e.date = D(date);
    e.end_date = PCN_DATE_NONE;
    e.has_value = !isnan(v);
    e.value = v;
    assert_int_equal(pcn_snapshot_add_event(s, k, &e), PCN_OK);
}

/*
 * As of 2025-03-31, practices B2 and A1 (A1 first by code):
 *   10 x-ann  A1 1960  DM, BP 150 2025-01-10
 *   20 X-Bob  A1 1980  BP (no value) 2023-05-01
 *   30 cy     B2 1950  DM, BP 120 2024-11-02
 *   40 dee    B2 1990  DM (no BP)
 *   50 x-eve  B2 1970  BP 135 2025-03-01
 */
static struct fixture *setup_fixture(int suppress, unsigned by)
{
    struct fixture *f = pcn_calloc(1, sizeof(*f));
    struct pcn_eval_options o = {.as_of = D("2025-03-31"), .by = by, .suppress = suppress};
    struct pcn_error err;

    assert_non_null(f);
    assert_int_equal(pcn_snapshot_new(NULL, &f->s), PCN_OK);
    add(f->s, 10, "x-ann", "A1", "1960-01-01");
    add(f->s, 20, "X-Bob", "A1", "1980-01-01");
    add(f->s, 30, "cy", "B2", "1950-01-01");
    add(f->s, 40, "dee", "B2", "1990-01-01");
    add(f->s, 50, "x-eve", "B2", "1970-01-01");
    ev(f->s, 10, "DM", "2010-01-01", NAN);
    ev(f->s, 10, "BP", "2025-01-10", 150);
    ev(f->s, 20, "BP", "2023-05-01", NAN);
    ev(f->s, 30, "DM", "2012-01-01", NAN);
    ev(f->s, 30, "BP", "2024-11-02", 120);
    ev(f->s, 40, "DM", "2015-01-01", NAN);
    ev(f->s, 50, "BP", "2025-03-01", 135);
    assert_int_equal(pcn_snapshot_finish(f->s), PCN_OK);
    f->p = pcn_program_new();
    assert_non_null(f->p);
    if (pcn_program_load_string(f->p, "t.pcn", defs, strlen(defs), NULL, PCN_PROGRAM_FLAG_OUTPUT,
                                &err) != PCN_OK)
        fail_msg("%s", err.msg);
    if (pcn_program_eval(f->p, f->s, &o, &f->r, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    return f;
}

static void teardown_fixture(struct fixture *f)
{
    pcn_results_free(f->r);
    pcn_program_free(f->p);
    pcn_snapshot_free(f->s);
    pcn_free(f);
}

static char *render_table(const struct pcn_table *t, enum pcn_format fmt)
{
    struct pcn_buf b = PCN_BUF_INIT;

    assert_int_equal(pcn_table_render(t, fmt, &b), PCN_OK);
    return pcn_buf_detach(&b, NULL);
}

static void test_find(void **state)
{
    struct fixture *f = setup_fixture(0, 0);
    const struct pcn_result *res;
    (void)state;

    assert_int_equal(pcn_results_count(f->r), 4);
    res = pcn_results_find(f->r, "dm_bp");
    assert_non_null(res);
    assert_ptr_equal(res, pcn_results_at(f->r, 1));
    assert_int_equal(pcn_result_kind(res), PCN_RESULT_INDICATOR);
    assert_string_equal(pcn_result_kind_name(res), "indicator");
    assert_string_equal(pcn_result_name(res), "dm_bp");
    assert_string_equal(pcn_result_title(res), "Diabetes with a BP");
    assert_null(pcn_results_find(f->r, "nope"));
    assert_null(pcn_results_at(f->r, 4));
    assert_int_equal(pcn_results_as_of(f->r), D("2025-03-31"));
    assert_int_equal(pcn_results_by(f->r), 0);
    assert_true(pcn_results_memory(f->r) > 0);
    assert_int_equal(pcn_result_kind(pcn_results_find(f->r, "bp_list")), PCN_RESULT_WORKLIST);
    assert_int_equal(pcn_result_row_count(pcn_results_find(f->r, "bp_list")), 4);
    teardown_fixture(f);
}

static void test_groups(void **state)
{
    struct fixture *f = setup_fixture(0, PCN_BY_PRACTICE);
    const struct pcn_result *res = pcn_results_find(f->r, "dm_bp");
    struct pcn_group_iter it;
    const char *keys[3] = {NULL, NULL, NULL};
    int64_t den[3], num[3];
    double pct = 0;
    int n = 0;
    (void)state;

    assert_int_equal(pcn_result_measure_count(res), 4);
    assert_string_equal(pcn_result_measure_name(f->r, res, 0), "denominator");
    assert_string_equal(pcn_result_measure_name(f->r, res, 3), "percent");
    assert_null(pcn_result_measure_name(f->r, res, 4));
    assert_true(pcn_result_measure_is_count(res, 2));
    assert_false(pcn_result_measure_is_count(res, 3));
    pcn_group_iter_init(&it, f->r, res);
    while (pcn_group_iter_next(&it)) {
        assert_true(n < 3);
        assert_int_equal(pcn_group_is_total(&it), n == 0);
        keys[n] = pcn_group_key(&it, PCN_BY_PRACTICE);
        assert_null(pcn_group_key(&it, PCN_BY_SEX));
        assert_int_equal(pcn_group_count(&it, 0, &den[n]), PCN_OK);
        assert_int_equal(pcn_group_count(&it, 1, &num[n]), PCN_OK);
        assert_int_equal(pcn_group_count(&it, 3, &num[n]), PCN_EINVAL);
        n++;
    }
    assert_int_equal(n, 3);
    assert_null(keys[0]);
    assert_string_equal(keys[1], "A1");
    assert_string_equal(keys[2], "B2");
    assert_true(den[0] == 3 && num[0] == 2);
    assert_true(den[1] == 1 && num[1] == 1);
    assert_true(den[2] == 2 && num[2] == 1);
    /* the total again: a percent, and an undefined one in a group of nobody */
    pcn_group_iter_init(&it, f->r, res);
    assert_int_equal(pcn_group_iter_next(&it), 1);
    assert_int_equal(pcn_group_value(&it, 3, &pct), PCN_OK);
    assert_true(fabs(pct - 200.0 / 3) < 1e-9);
    /* a worklist has no groups */
    pcn_group_iter_init(&it, f->r, pcn_results_find(f->r, "bp_list"));
    assert_int_equal(pcn_group_iter_next(&it), 0);
    teardown_fixture(f);
}

static void test_suppressed_groups(void **state)
{
    struct fixture *f = setup_fixture(3, PCN_BY_PRACTICE);
    const struct pcn_result *res = pcn_results_find(f->r, "dm_reg");
    struct pcn_table *t = NULL;
    struct pcn_group_iter it;
    int64_t c = 0;
    double pct = 0;
    char *csv;
    (void)state;

    pcn_group_iter_init(&it, f->r, res);
    assert_int_equal(pcn_group_iter_next(&it), 1); /* the total: 5 patients, 3 on it */
    assert_false(pcn_group_is_suppressed(&it, 1));
    assert_int_equal(pcn_group_iter_next(&it), 1); /* A1: 2 patients, 1 on it */
    assert_true(pcn_group_is_suppressed(&it, 0));
    assert_true(pcn_group_is_suppressed(&it, 1));
    assert_true(pcn_group_is_suppressed(&it, 2));
    assert_int_equal(pcn_group_count(&it, 1, &c), PCN_OK); /* unsuppressed */
    assert_int_equal(c, 1);
    assert_int_equal(pcn_group_value(&it, 2, &pct), PCN_OK);
    assert_true(pct == 50.0);
    /* the table shows what the outputs show */
    assert_int_equal(pcn_result_table(f->r, res, &t), PCN_OK);
    csv = render_table(t, PCN_FORMAT_CSV);
    assert_string_equal(csv, "practice,population,count,percent\n"
                             "(all),5,3,60.00\n"
                             "A1,<3,<3,\n"
                             "B2,3,<3,\n");
    pcn_free(csv);
    pcn_table_free(t);
    teardown_fixture(f);
}

static void test_score_table(void **state)
{
    struct fixture *f = setup_fixture(0, 0);
    const struct pcn_result *res = pcn_results_find(f->r, "sbp");
    struct pcn_table *t = NULL;
    char *json;
    (void)state;

    assert_int_equal(pcn_result_measure_count(res), 5);
    assert_string_equal(pcn_result_measure_name(f->r, res, 2), "low");
    assert_string_equal(pcn_result_measure_name(f->r, res, 4), "(none)");
    assert_int_equal(pcn_result_table(f->r, res, &t), PCN_OK);
    json = render_table(t, PCN_FORMAT_JSON);
    assert_non_null(strstr(json, "\"kind\": \"score\""));
    assert_non_null(strstr(json, "\"population\": 5,"));
    assert_non_null(strstr(json, "\"mean\": 81.0,"));
    assert_non_null(strstr(json, "\"low\": 3,"));
    assert_non_null(strstr(json, "\"high\": 2,"));
    pcn_free(json);
    pcn_table_free(t);
    teardown_fixture(f);
}

/* patient_id column of a selection, joined by spaces. */
static void ids_of(const struct pcn_table *t, size_t col, char *out, size_t size)
{
    size_t at = 0;

    out[0] = '\0';
    for (size_t i = 0; i < pcn_table_rows(t); i++)
        at +=
            (size_t)snprintf(out + at, size - at, "%s%s", i ? " " : "", pcn_table_cell(t, i, col));
}

static void expect_rows(const struct fixture *f, const struct pcn_row_query *q, const char *want,
                        size_t want_total)
{
    const struct pcn_result *res = pcn_results_find(f->r, "bp_list");
    struct pcn_table *t = NULL;
    size_t total = 99;
    char got[256];

    assert_int_equal(pcn_result_select(f->r, res, q, &t, &total), PCN_OK);
    ids_of(t, q->flags & PCN_ROWS_FLAG_KEY ? 1 : 0, got, sizeof(got));
    assert_string_equal(got, want);
    assert_int_equal(total, want_total);
    pcn_table_free(t);
}

static void test_rows_filter_sort_page(void **state)
{
    struct fixture *f = setup_fixture(0, 0);
    const struct pcn_result *res = pcn_results_find(f->r, "bp_list");
    struct pcn_row_query q;
    (void)state;

    assert_int_equal(pcn_result_column_count(res), 5);
    assert_string_equal(pcn_result_column_name(f->r, res, 1), "Last BP");
    assert_int_equal(pcn_result_column_type(f->r, res, 0), PCN_VALUE_NUMBER);
    assert_int_equal(pcn_result_column_type(f->r, res, 1), PCN_VALUE_DATE);
    assert_int_equal(pcn_result_column_type(f->r, res, 3), PCN_VALUE_TEXT);
    assert_int_equal(pcn_result_column_type(f->r, res, 4), PCN_VALUE_BOOL);
    assert_int_equal(pcn_result_column_index(f->r, res, "Systolic"), 2);
    assert_int_equal(pcn_result_column_index(f->r, res, "systolic"), -1);
    pcn_row_query_init(&q); /* the worklist's order: practice, then patient_id */
    expect_rows(f, &q, "X-Bob x-ann cy x-eve", 4);
    q.sort_col = PCN_ROWS_BY_PATIENT_ID;
    expect_rows(f, &q, "X-Bob cy x-ann x-eve", 4);
    q.descending = 1;
    expect_rows(f, &q, "x-eve x-ann cy X-Bob", 4);
    q.sort_col = PCN_ROWS_BY_PRACTICE; /* ties by patient_id, ascending */
    expect_rows(f, &q, "cy x-eve X-Bob x-ann", 4);
    q.sort_col = 2; /* Systolic, descending: the null last */
    expect_rows(f, &q, "x-ann x-eve cy X-Bob", 4);
    q.descending = 0;
    expect_rows(f, &q, "cy x-eve x-ann X-Bob", 4);
    q.sort_col = 3; /* the practice code as a text column */
    expect_rows(f, &q, "X-Bob x-ann cy x-eve", 4);
    q.text = "X-"; /* in any case */
    expect_rows(f, &q, "X-Bob x-ann x-eve", 3);
    q.practice = "B2";
    expect_rows(f, &q, "x-eve", 1);
    pcn_row_query_init(&q);
    q.range_col = 2; /* 130 <= Systolic: rows without one fail */
    q.has_min = 1;
    q.min = 130;
    expect_rows(f, &q, "x-ann x-eve", 2);
    q.has_max = 1;
    q.max = 140;
    expect_rows(f, &q, "x-eve", 1);
    pcn_row_query_init(&q);
    q.range_col = 1; /* dates as day numbers */
    q.has_max = 1;
    q.max = D("2024-12-31");
    expect_rows(f, &q, "X-Bob cy", 2);
    pcn_row_query_init(&q);
    q.sort_col = PCN_ROWS_BY_PATIENT_ID;
    q.offset = 1;
    q.limit = 2;
    expect_rows(f, &q, "cy x-ann", 4);
    q.offset = 3;
    expect_rows(f, &q, "x-eve", 4);
    q.offset = 9;
    expect_rows(f, &q, "", 4);
    q.offset = 0;
    q.limit = 1;
    q.flags = PCN_ROWS_FLAG_KEY;
    expect_rows(f, &q, "X-Bob", 4);
    teardown_fixture(f);
}

static void test_rows_bad_queries(void **state)
{
    struct fixture *f = setup_fixture(0, 0);
    const struct pcn_result *res = pcn_results_find(f->r, "bp_list");
    struct pcn_table *t = NULL;
    struct pcn_row_query q;
    (void)state;

    pcn_row_query_init(&q);
    assert_int_equal(pcn_result_select(f->r, pcn_results_find(f->r, "dm_reg"), &q, &t, NULL),
                     PCN_EINVAL);
    q.sort_col = 5;
    assert_int_equal(pcn_result_select(f->r, res, &q, &t, NULL), PCN_EINVAL);
    q.sort_col = -4;
    assert_int_equal(pcn_result_select(f->r, res, &q, &t, NULL), PCN_EINVAL);
    pcn_row_query_init(&q);
    q.range_col = 5;
    assert_int_equal(pcn_result_select(f->r, res, &q, &t, NULL), PCN_EINVAL);
    assert_null(t);
    teardown_fixture(f);
}

/* The selected rows rendered by fmt: CSV and JSON with the columns' types. */
static void test_rows_through_fmt(void **state)
{
    struct fixture *f = setup_fixture(0, 0);
    const struct pcn_result *res = pcn_results_find(f->r, "bp_list");
    struct pcn_table *t = NULL;
    struct pcn_row_query q;
    json_t *j = NULL;
    void *cell = NULL;
    char *csv;
    (void)state;

    pcn_row_query_init(&q);
    q.flags = PCN_ROWS_FLAG_KEY;
    q.practice = "A1";
    assert_int_equal(pcn_result_select(f->r, res, &q, &t, NULL), PCN_OK);
    csv = render_table(t, PCN_FORMAT_CSV);
    assert_string_equal(csv, "key,patient_id,practice,Age,Last BP,Systolic,Where,Diabetic\n"
                             "20,X-Bob,A1,45,2023-05-01,,A1,false\n"
                             "10,x-ann,A1,65,2025-01-10,150,A1,true\n");
    pcn_free(csv);
    assert_int_equal(pcn_table_to_json(t, (void **)&j), PCN_OK);
    json_t *row = json_array_get(json_object_get(j, "rows"), 1);
    assert_true(json_is_integer(json_object_get(row, "key")));
    assert_int_equal(json_integer_value(json_object_get(row, "key")), 10);
    assert_true(json_is_number(json_object_get(row, "Systolic")));
    assert_true(json_is_string(json_object_get(row, "Last BP")));
    assert_true(json_is_true(json_object_get(row, "Diabetic")));
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(j, "rows"), 0), "Systolic")));
    json_decref(j);
    /* one cell as the API lays it out: whole numbers stay integers */
    assert_int_equal(pcn_table_cell_to_json(t, 1, 3, &cell), PCN_OK);
    assert_true(json_is_integer((json_t *)cell));
    json_decref(cell);
    assert_int_equal(pcn_table_cell_to_json(t, 0, 5, &cell), PCN_OK);
    assert_true(json_is_null((json_t *)cell));
    json_decref(cell);
    assert_int_equal(pcn_table_cell_to_json(t, 2, 0, &cell), PCN_EINVAL);
    pcn_table_free(t);
    /* the whole worklist as a table is what the renderers print */
    assert_int_equal(pcn_result_table(f->r, res, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 4);
    assert_string_equal(pcn_table_column_name(t, 0), "patient_id");
    assert_int_equal(pcn_table_column_type(t, 6), PCN_COL_BOOL);
    pcn_table_free(t);
    teardown_fixture(f);
}

/* pcn_result_render() pieces assemble into pcn_results_render(). */
static void test_render_pieces(void **state)
{
    struct fixture *f = setup_fixture(0, PCN_BY_PRACTICE);
    struct pcn_buf whole = PCN_BUF_INIT, parts = PCN_BUF_INIT;
    (void)state;

    assert_int_equal(pcn_results_render(f->r, PCN_FORMAT_JSON, &whole), PCN_OK);
    assert_int_equal(pcn_results_render_head(f->r, &parts), PCN_OK);
    for (size_t i = 0; i < pcn_results_count(f->r); i++) {
        if (i)
            assert_int_equal(pcn_buf_addch(&parts, ','), PCN_OK);
        assert_int_equal(pcn_result_render(f->r, pcn_results_at(f->r, i), PCN_FORMAT_JSON, &parts),
                         PCN_OK);
    }
    assert_int_equal(pcn_buf_adds(&parts, "]}\n"), PCN_OK);
    assert_string_equal(whole.buf, parts.buf);
    pcn_buf_release(&whole);
    pcn_buf_release(&parts);
    teardown_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_suppressed_groups),
        cmocka_unit_test(test_score_table),
        cmocka_unit_test(test_rows_filter_sort_page),
        cmocka_unit_test(test_rows_bad_queries),
        cmocka_unit_test(test_rows_through_fmt),
        cmocka_unit_test(test_render_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
