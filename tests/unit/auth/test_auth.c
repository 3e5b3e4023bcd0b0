/* Unit tests for auth/auth.c: roles, Argon2id hashes, tokens, secret comparison. */
#include "testutil.h"

#include "pcn/auth.h"

static void test_roles(void **state)
{
    static const char *const names[] = {"admin",     "clinical_director", "practice_manager",
                                        "clinician", "link_worker",       "ppg_member",
                                        "analyst"};
    enum pcn_role r;
    (void)state;
    for (int i = 0; i < PCN_ROLE_COUNT_; i++) {
        assert_int_equal(pcn_role_parse(names[i], &r), PCN_OK);
        assert_int_equal(r, i);
        assert_string_equal(pcn_role_name(r), names[i]);
    }
    assert_int_equal(pcn_role_parse("Admin", &r), PCN_EINVAL);
    assert_int_equal(pcn_role_parse("", &r), PCN_EINVAL);
    assert_int_equal(pcn_role_parse(NULL, &r), PCN_EINVAL);
    assert_string_equal(pcn_role_name(PCN_ROLE_COUNT_), "");
    assert_true(pcn_role_is_aggregate_only(PCN_ROLE_PPG_MEMBER));
    assert_true(pcn_role_is_aggregate_only(PCN_ROLE_ANALYST));
    assert_false(pcn_role_is_aggregate_only(PCN_ROLE_CLINICIAN));
    assert_true(pcn_role_needs_practice(PCN_ROLE_PRACTICE_MANAGER));
}

static void test_password(void **state)
{
    char hash[PCN_PWHASH_SIZE];
    char other[PCN_PWHASH_SIZE];
    (void)state;
    assert_int_equal(pcn_auth_init(), PCN_OK);
    assert_int_equal(pcn_password_hash("short", 5, hash), PCN_EINVAL);
    assert_int_equal(pcn_password_hash("long enough", 11, hash), PCN_OK);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_true(pcn_password_verify(hash, "long enough", 11));
    assert_false(pcn_password_verify(hash, "long enougH", 11));
    assert_false(pcn_password_verify(hash, "long enoug", 10));
    assert_false(pcn_password_verify(NULL, "long enough", 11));
    /* salted: the same password hashes differently */
    assert_int_equal(pcn_password_hash("long enough", 11, other), PCN_OK);
    assert_string_not_equal(hash, other);
}

static void test_tokens(void **state)
{
    char a[PCN_TOKEN_SIZE];
    char b[PCN_TOKEN_SIZE];
    char ha[PCN_TOKEN_HASH_SIZE];
    char ha2[PCN_TOKEN_HASH_SIZE];
    char hb[PCN_TOKEN_HASH_SIZE];
    (void)state;
    assert_int_equal(pcn_auth_init(), PCN_OK);
    pcn_token_new(a);
    pcn_token_new(b);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < strlen(a); i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
    pcn_token_hash(a, strlen(a), ha);
    pcn_token_hash(a, strlen(a), ha2);
    pcn_token_hash(b, strlen(b), hb);
    assert_int_equal(strlen(ha), 64);
    assert_string_equal(ha, ha2);
    assert_string_not_equal(ha, hb);
    assert_true(pcn_secret_equal(a, a));
    assert_false(pcn_secret_equal(a, b));
    assert_false(pcn_secret_equal(a, "x"));
    assert_false(pcn_secret_equal(NULL, a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
