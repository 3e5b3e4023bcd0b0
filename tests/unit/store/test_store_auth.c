/*
 * Storage conformance, the auth and audit domain (pcn/store_auth.h):
 * users, sessions, login throttling counts and the audit log, none of
 * which moves the data version; read transactions over them. Runs on
 * every backend (store_test.h).
 */
#include "store_test.h"

#include "pcn/store.h"
#include "pcn/store_auth.h"

static int check_user(const struct pcn_user *u, void *ud)
{
    (void)ud;
    assert_string_equal(u->name, "alice");
    assert_string_equal(u->role, "clinician");
    assert_string_equal(u->pwhash, "hash2");
    assert_int_equal(u->disabled, 1);
    return 0;
}

static int check_session(const struct pcn_session *ses, const struct pcn_user *u, void *ud)
{
    (void)ud;
    assert_string_equal(ses->csrf_token, "csrf");
    assert_int_equal(ses->expires_at, 2000);
    assert_int_equal(ses->revoked, 1);
    assert_string_equal(u->name, "alice");
    return 0;
}

static int collect_audit(const struct pcn_audit_row *a, void *ud)
{
    int64_t *sum = ud;
    *sum += a->id;
    assert_string_equal(a->route, "/api/v1/patients/{key}");
    return 0;
}

static void test_auth(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_user u = {
        .name = "alice", .role = "clinician", .pwhash = "hash1", .created_at = 1000};
    struct pcn_session ses = {
        .token_hash = "t1", .csrf_token = "csrf", .created_at = 1000, .expires_at = 2000};
    struct pcn_audit_row a = {.at = 1,
                              .user_name = "alice",
                              .role = "clinician",
                              .method = "GET",
                              .route = "/api/v1/patients/{key}",
                              .object_type = "patient",
                              .object_id = "7",
                              .status = 200,
                              .prev_hash = "0",
                              .hash = "h"};
    int64_t id = 0;
    int64_t n = 0;
    int64_t v0;
    int64_t v1;
    int64_t sum = 0;

    assert_int_equal(pcn_store_data_version(f->s, &v0), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_user(f->s, &u, &id), PCN_OK);
    assert_true(id > 0);
    assert_int_equal(pcn_store_add_user(f->s, &u, NULL), PCN_ECONFLICT);
    u.name = "bob";
    u.role = "wizard";
    assert_int_equal(pcn_store_add_user(f->s, &u, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_set_user_password(f->s, "alice", "hash2"), PCN_OK);
    assert_int_equal(pcn_store_set_user_disabled(f->s, "alice", 1), PCN_OK);
    assert_int_equal(pcn_store_set_user_disabled(f->s, "nobody", 1), PCN_ENOTFOUND);
    ses.user_id = id;
    assert_int_equal(pcn_store_add_session(f->s, &ses), PCN_OK);
    assert_int_equal(pcn_store_revoke_session(f->s, "t1"), PCN_OK);
    assert_int_equal(pcn_store_revoke_session(f->s, "t9"), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 10, 0), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 20, 1), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 30, 0), PCN_OK);
    assert_int_equal(pcn_store_add_login_attempt(f->s, "user:alice", 40, 0), PCN_OK);
    for (int i = 1; i <= 3; i++) {
        a.id = i;
        assert_int_equal(pcn_store_append_audit(f->s, &a), PCN_OK);
    }
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    /* none of this is population data: the data version stays */
    assert_int_equal(pcn_store_data_version(f->s, &v1), PCN_OK);
    assert_true(v0 == v1);
    assert_int_equal(pcn_store_get_user(f->s, "alice", check_user, NULL), PCN_OK);
    assert_int_equal(pcn_store_get_user(f->s, "carol", check_user, NULL), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_get_session(f->s, "t1", check_session, NULL), PCN_OK);
    assert_int_equal(pcn_store_count_login_failures(f->s, "user:alice", 0, &n), PCN_OK);
    assert_int_equal(n, 2); /* failures after the last success */
    assert_int_equal(pcn_store_each_audit(f->s, 1, 0, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 5);
    sum = 0;
    assert_int_equal(pcn_store_each_audit(f->s, 0, 1, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 1);
    sum = 0;
    assert_int_equal(pcn_store_last_audit(f->s, collect_audit, &sum), PCN_OK);
    assert_int_equal(sum, 3);
    /* a read transaction sees one snapshot and refuses nesting */
    assert_int_equal(pcn_store_begin_read(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin_read(f->s), PCN_EINVAL);
    assert_int_equal(pcn_store_get_user(f->s, "alice", check_user, NULL), PCN_OK);
    pcn_store_end_read(f->s);
    pcn_store_end_read(f->s);
}

int main(void)
{
    static const struct store_test tests[] = {
        {"test_auth", test_auth, STORE_TEST_BOTH},
    };

    return store_test_run("auth", tests, sizeof(tests) / sizeof(tests[0]));
}
