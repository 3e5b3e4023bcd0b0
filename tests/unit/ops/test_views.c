/*
 * Unit tests for ops/views.c and ops/views_admin.c: the list result kinds
 * the CLI and the API share. Each view's kind, column names and types are
 * pinned (they are the documented schema), and so are filters, paging,
 * totals before paging, suppression after totals, detail columns and
 * errors for unknown objects.
 */
#include "testutil.h"
#include "testutil_store.h"

#include <jansson.h>

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"
#include "pcn/store_registry.h"
#include "pcn/views.h"

static int32_t d(const char *s)
{
    int32_t v;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

/* Two networks; A81001 moved from U00002 to U00001 in 2022; B82001 has 5 patients. */
static void fill(struct pcn_store *s)
{
    struct pcn_network n1 = {"U00001", "North PCN", "Dr Who", "00L",       "Sub North",
                             "QHM",    "North ICB", "Y63",    "North East"};
    struct pcn_network n2 = {.code = "U00002", .name = "South PCN", .icb_code = "QXX"};
    struct pcn_practice p[] = {{.code = "A81001", .name = "North Surgery", .postcode = "TS1 1AA"},
                               {.code = "A81002", .name = "South Surgery", .supplier = "EMIS"},
                               {.code = "B82001", .name = "Tiny Practice"}};
    struct pcn_membership m[] = {{"A81001", "U00002", d("2020-01-01"), d("2021-12-31")},
                                 {"A81001", "U00001", d("2022-01-01"), PCN_DATE_NONE},
                                 {"A81002", "U00001", d("2020-01-01"), PCN_DATE_NONE},
                                 {"B82001", "U00002", d("2020-01-01"), PCN_DATE_NONE}};
    struct pcn_list_size l[] = {{"A81001", d("2025-01-01"), 20000},
                                {"A81002", d("2025-01-01"), 15000},
                                {"B82001", d("2025-01-01"), 5}};
    struct pcn_user u[] = {{0, "ann", "admin", NULL, "h", 0, 0},
                           {0, "bob", "practice_manager", "A81001", "h", 1, 1795447805000000}};
    struct pcn_audit_row a = {.at = 1795447805000000,
                              .user_name = "ann",
                              .role = "admin",
                              .method = "GET",
                              .route = "/api/v1/users",
                              .status = 200,
                              .prev_hash = "0",
                              .hash = "1"};

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_store_put_network(s, &n1), PCN_OK);
    assert_int_equal(pcn_store_put_network(s, &n2), PCN_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pcn_store_put_practice(s, &p[i]), PCN_OK);
        assert_int_equal(pcn_store_put_list_size(s, &l[i]), PCN_OK);
    }
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pcn_store_add_membership(s, &m[i]), PCN_OK);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(pcn_store_add_user(s, &u[i], NULL), PCN_OK);
    for (int i = 1; i <= 3; i++) {
        a.id = i;
        assert_int_equal(pcn_store_append_audit(s, &a), PCN_OK);
    }
    assert_int_equal(pcn_store_commit(s), PCN_OK);
}

/* A fresh database holding fill()'s registry, users and audit rows. */
static int setup(void **state)
{
    test_db_setup(state);
    fill(((struct test_db *)*state)->s);
    return 0;
}

/* The table as JSON, checked against a kind and "name:type,name:type,...". */
static json_t *schema(const struct pcn_table *t, const char *kind, const char *columns)
{
    void *out = NULL;
    json_t *j;
    json_t *c;
    size_t i;
    char got[512] = "";

    assert_int_equal(pcn_table_to_json(t, &out), PCN_OK);
    j = out;
    assert_string_equal(json_string_value(json_object_get(j, "kind")), kind);
    json_array_foreach(json_object_get(j, "columns"), i, c)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof(got) - n, "%s%s:%s", i ? "," : "",
                 json_string_value(json_object_get(c, "name")),
                 json_string_value(json_object_get(c, "type")));
    }
    assert_string_equal(got, columns);
    return j;
}

static json_t *row(json_t *j, size_t i)
{
    return json_array_get(json_object_get(j, "rows"), i);
}

static const char *text(json_t *r, const char *col)
{
    return json_string_value(json_object_get(r, col));
}

static void test_practices(void **state)
{
    struct test_db *f = *state;
    struct pcn_view_opts o = {.as_of = d("2025-06-01")};
    struct pcn_view_totals tot;
    struct pcn_table *t = NULL;
    json_t *j;

    assert_int_equal(pcn_view_practices(f->s, &o, &t, &tot), PCN_OK);
    j = schema(t, "practices",
               "code:text,name:text,postcode:text,network:text,patients:integer,supplier:text");
    assert_int_equal(tot.rows, 3);
    assert_int_equal(tot.patients, 35005);
    assert_string_equal(text(row(j, 0), "network"), "U00001");
    assert_int_equal(json_integer_value(json_object_get(row(j, 1), "patients")), 15000);
    assert_string_equal(text(row(j, 1), "supplier"), "EMIS");
    assert_true(json_is_null(json_object_get(row(j, 2), "postcode")));
    json_decref(j);
    pcn_table_free(t);

    /* network filter, on a date before the move (and before any list size); paging after counting
     */
    o = (struct pcn_view_opts){
        .as_of = d("2021-06-01"), .filter = "U00002", .limit = 1, .offset = 1};
    assert_int_equal(pcn_view_practices(f->s, &o, &t, &tot), PCN_OK);
    assert_int_equal(tot.rows, 2); /* A81001 (then in U00002) and B82001 */
    assert_int_equal(tot.patients, 0);
    assert_int_equal(pcn_table_rows(t), 1);
    assert_string_equal(pcn_table_cell(t, 0, 0), "B82001");
    assert_string_equal(pcn_table_cell(t, 0, 3), "U00002");
    pcn_table_free(t);

    /* suppression hides the small list size but not from the total */
    o = (struct pcn_view_opts){.as_of = d("2025-06-01"), .filter = "U00002", .suppress_below = 8};
    assert_int_equal(pcn_view_practices(f->s, &o, &t, &tot), PCN_OK);
    assert_int_equal(tot.rows, 1);
    assert_int_equal(tot.patients, 5);
    assert_string_equal(pcn_table_cell(t, 0, 0), "B82001");
    assert_null(pcn_table_cell(t, 0, 4));
    pcn_table_free(t);
}

static void test_memberships(void **state)
{
    struct test_db *f = *state;
    struct pcn_table *t = NULL;
    json_t *j;

    assert_int_equal(pcn_view_practice_memberships(f->s, "A81001", &t), PCN_OK);
    j = schema(t, "practice_memberships", "network:text,from:text,to:text");
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
    assert_string_equal(text(row(j, 0), "to"), "2021-12-31");
    assert_true(json_is_null(json_object_get(row(j, 1), "to")));
    json_decref(j);
    pcn_table_free(t);
    assert_int_equal(pcn_view_practice_memberships(f->s, "Z99999", &t), PCN_ENOTFOUND);
}

static void test_networks(void **state)
{
    struct test_db *f = *state;
    struct pcn_view_opts o = {.as_of = d("2025-06-01"), .suppress_below = 8};
    struct pcn_view_totals tot;
    struct pcn_table *t = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    json_t *j;

    assert_int_equal(pcn_view_networks(f->s, &o, &t, &tot), PCN_OK);
    j = schema(t, "networks",
               "code:text,name:text,practices:integer,patients:integer,icb_code:text,"
               "clinical_director:text,sub_icb_code:text,sub_icb_name:text,icb_name:text,"
               "region_code:text,region_name:text");
    assert_int_equal(tot.rows, 2);
    assert_int_equal(tot.patients, 35005);
    assert_int_equal(json_integer_value(json_object_get(row(j, 0), "practices")), 2);
    assert_int_equal(json_integer_value(json_object_get(row(j, 0), "patients")), 35000);
    assert_string_equal(text(row(j, 0), "region_name"), "North East");
    assert_int_equal(json_integer_value(json_object_get(row(j, 1), "practices")), 1);
    assert_true(json_is_null(json_object_get(row(j, 1), "patients"))); /* 5: suppressed */
    json_decref(j);
    /* the text table leaves the detail columns out */
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_TABLE, &b), PCN_OK);
    assert_null(strstr(b.buf, "region_name"));
    assert_non_null(strstr(b.buf, "clinical_director"));
    pcn_buf_release(&b);
    pcn_table_free(t);

    o = (struct pcn_view_opts){.as_of = d("2025-06-01"), .filter = "QXX"};
    assert_int_equal(pcn_view_networks(f->s, &o, &t, NULL), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 1);
    assert_string_equal(pcn_table_cell(t, 0, 0), "U00002");
    assert_string_equal(pcn_table_cell(t, 0, 3), "5");
    pcn_table_free(t);
}

static void test_members(void **state)
{
    struct test_db *f = *state;
    struct pcn_view_opts o = {.as_of = d("2025-06-01")};
    struct pcn_table *t = NULL;
    json_t *j;

    assert_int_equal(pcn_view_network_members(f->s, "U00002", &o, &t), PCN_OK);
    j = schema(t, "network_members",
               "practice:text,name:text,member_from:text,member_to:text,current:boolean,"
               "patients:integer");
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
    assert_string_equal(text(row(j, 0), "practice"), "A81001"); /* the past membership */
    assert_string_equal(text(row(j, 0), "name"), "North Surgery");
    assert_true(json_is_false(json_object_get(row(j, 0), "current")));
    assert_true(json_is_true(json_object_get(row(j, 1), "current")));
    json_decref(j);
    pcn_table_free(t);
    assert_int_equal(pcn_view_network_members(f->s, "U09999", &o, &t), PCN_ENOTFOUND);
}

static void test_users_and_audit(void **state)
{
    struct test_db *f = *state;
    struct pcn_view_opts o = {.offset = 1, .limit = 5};
    struct pcn_view_totals tot;
    struct pcn_table *t = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    int64_t last = 0;
    json_t *j;

    assert_int_equal(pcn_view_users(f->s, &o, &t, &tot), PCN_OK);
    j = schema(t, "users", "name:text,role:text,practice:text,disabled:boolean,created_at:text");
    assert_int_equal(tot.rows, 2);
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 1);
    assert_string_equal(text(row(j, 0), "name"), "bob");
    assert_true(json_is_true(json_object_get(row(j, 0), "disabled")));
    assert_string_equal(text(row(j, 0), "created_at"), "2026-11-23T15:30:05Z");
    json_decref(j);
    pcn_table_free(t);

    assert_int_equal(pcn_view_audit(f->s, 1, 1, &t, &last), PCN_OK);
    j = schema(t, "audit",
               "id:integer,at:text,user:text,role:text,method:text,route:text,"
               "object_type:text,object_id:text,status:integer,prev_hash:text,hash:text");
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 1);
    assert_int_equal(json_integer_value(json_object_get(row(j, 0), "id")), 2);
    assert_int_equal(last, 2);
    json_decref(j);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_TABLE, &b), PCN_OK);
    assert_null(strstr(b.buf, "prev_hash")); /* hashes are CSV/JSON only */
    pcn_buf_reset(&b);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, &b), PCN_OK);
    assert_non_null(strstr(b.buf, ",prev_hash,hash\n"));
    pcn_buf_release(&b);
    pcn_table_free(t);
    assert_int_equal(pcn_view_audit(f->s, 3, 0, &t, &last), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 0);
    assert_int_equal(last, 0);
    pcn_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_practices, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_memberships, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_networks, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_members, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_users_and_audit, setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
