/* Unit tests for util/paths.c: PCN_DATA_DIR overrides the compiled-in source tree. */
#include "testutil.h"

#include "pcn/paths.h"

static void test_paths(void **state)
{
    char out[256];
    char tiny[8];
    (void)state;
    unsetenv("PCN_DATA_DIR");
    assert_string_equal(pcn_data_dir(), PCN_SOURCE_DIR);
    assert_int_equal(pcn_data_path("defs/x.pcn", out, sizeof(out)), PCN_OK);
    assert_string_equal(out, PCN_SOURCE_DIR "/defs/x.pcn");
    setenv("PCN_DATA_DIR", "/opt/pcn", 1);
    assert_int_equal(pcn_data_path("data/reference", out, sizeof(out)), PCN_OK);
    assert_string_equal(out, "/opt/pcn/data/reference");
    assert_int_equal(pcn_data_path("data/reference", tiny, sizeof(tiny)), PCN_ELIMIT);
    setenv("PCN_DATA_DIR", "", 1);
    assert_string_equal(pcn_data_dir(), PCN_SOURCE_DIR);
    unsetenv("PCN_DATA_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_paths)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
