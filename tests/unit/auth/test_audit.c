/*
 * Unit tests for auth/audit.c and the store's audit table: the chain
 * links and verifies, the triggers refuse edits, and an edit or deletion
 * made with the triggers dropped is found at the right row.
 */
#include "testutil.h"
#include "testutil_store.h"

#include <sqlite3.h>

#include "pcn/audit.h"
#include "pcn/auth.h"
#include "pcn/store_registry.h"

static int setup(void **state)
{
    assert_int_equal(pcn_auth_init(), PCN_OK);
    return test_db_setup(state);
}

static void append_rows(struct pcn_store *s, int n)
{
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", 100 + i);
        struct pcn_audit_row a = {.user_name = "clin1",
                                  .role = "clinician",
                                  .method = "GET",
                                  .route = "/api/v1/patients/{key}",
                                  .object_type = "patient",
                                  .object_id = id,
                                  .status = 200};
        assert_int_equal(pcn_audit_append(s, &a), PCN_OK);
    }
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_chain_intact(void **state)
{
    struct test_db *f = *state;
    struct pcn_audit_verify_result r;
    int64_t v0;
    int64_t v1;

    assert_int_equal(pcn_audit_verify(f->s, &r), PCN_OK);
    assert_int_equal(r.rows, 0);
    assert_string_equal(r.head_hash, "");
    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    append_rows(f->s, 5);
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_int_equal(v0, v1); /* audit rows are not population data */
    assert_int_equal(pcn_audit_verify(f->s, &r), PCN_OK);
    assert_int_equal(r.rows, 5);
    assert_int_equal(r.bad_id, 0);
    assert_int_equal(strlen(r.head_hash), 64);
}

static void test_hash_covers_every_field(void **state)
{
    struct pcn_audit_row a = {1, 1000, "u", "r", "GET", "/x", "patient", "7", 200, "00", NULL};
    char h0[PCN_AUDIT_HASH_SIZE];
    char h1[PCN_AUDIT_HASH_SIZE];
    (void)state;
    pcn_audit_hash(&a, h0);
    a.status = 403;
    pcn_audit_hash(&a, h1);
    assert_string_not_equal(h0, h1);
    a.status = 200;
    a.object_id = NULL; /* NULL differs from "" */
    pcn_audit_hash(&a, h1);
    assert_string_not_equal(h0, h1);
    a.object_id = "";
    pcn_audit_hash(&a, h0);
    assert_string_not_equal(h0, h1);
    /* moving a byte between fields changes the hash */
    struct pcn_audit_row b = a;
    b.user_name = "ur";
    b.role = "";
    a.user_name = "u";
    a.role = "rr";
    pcn_audit_hash(&a, h0);
    pcn_audit_hash(&b, h1);
    assert_string_not_equal(h0, h1);
}

static void test_triggers_and_tampering(void **state)
{
    struct test_db *f = *state;
    struct pcn_audit_verify_result r;
    sqlite3 *db;

    append_rows(f->s, 4);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET status = 1", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    exec_sql(f->path,
             "DROP TRIGGER audit_no_update; UPDATE audit SET object_id = '9' WHERE id = 3");
    assert_int_equal(pcn_audit_verify(f->s, &r), PCN_OK);
    assert_int_equal(r.bad_id, 3);
    assert_non_null(strstr(r.reason, "hash"));
}

static void test_deletion(void **state)
{
    struct test_db *f = *state;
    struct pcn_audit_verify_result r;

    append_rows(f->s, 4);
    exec_sql(f->path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 2");
    assert_int_equal(pcn_audit_verify(f->s, &r), PCN_OK);
    assert_int_equal(r.bad_id, 3);
    assert_non_null(strstr(r.reason, "sequence"));
}

/* A read transaction sees one snapshot while another handle commits (store.h). */
static void test_read_snapshot(void **state)
{
    struct test_db *f = *state;
    struct pcn_store *w = NULL;
    struct pcn_error e;
    struct pcn_network n = {.code = "U00001", .name = "Test"};
    int64_t v0;
    int64_t v;

    assert_int_equal(pcn_store_open(f->path, 0, &w, &e), PCN_OK);
    assert_int_equal(pcn_store_begin_read(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin_read(f->s), PCN_EINVAL);
    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_begin(w), PCN_OK);
    assert_int_equal(pcn_store_put_network(w, &n), PCN_OK);
    assert_int_equal(pcn_store_commit(w), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &v), PCN_OK);
    assert_int_equal(v, v0); /* still the snapshot */
    pcn_store_end_read(f->s);
    pcn_store_end_read(f->s); /* no-op */
    assert_int_equal(pcn_store_data_version(f->s, &v), PCN_OK);
    assert_int_equal(v, v0 + 1);
    pcn_store_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_intact, setup, test_db_teardown),
        cmocka_unit_test(test_hash_covers_every_field),
        cmocka_unit_test_setup_teardown(test_triggers_and_tampering, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_deletion, setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot, setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
