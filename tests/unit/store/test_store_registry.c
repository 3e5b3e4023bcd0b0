/*
 * Storage conformance, the registry domain (pcn/store_registry.h):
 * upserts that keep what an update leaves NULL, memberships without
 * overlaps, list sizes by date, writes only inside a transaction. Runs on
 * every backend (store_test.h).
 */
#include "store_test.h"

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_registry.h"

static int count_rows(const void *row, void *ud)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static int count_networks(const struct pcn_network *n, void *ud)
{
    return count_rows(n, ud);
}

static int count_memberships(const struct pcn_membership *m, void *ud)
{
    return count_rows(m, ud);
}

static int check_network(const struct pcn_network *n, void *ud)
{
    (void)ud;
    assert_string_equal(n->name, "Renamed PCN");
    assert_string_equal(n->icb_code, "QHM"); /* kept when the update leaves it NULL */
    return 0;
}

static void test_registry(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_network n = {.code = "U12345", .name = "Test PCN", .icb_code = "QHM"};
    struct pcn_practice p = {.code = "A81001", .name = "Practice One", .postcode = "TS18 1HU"};
    struct pcn_membership m = {"A81001", "U12345", store_test_date("2020-01-01"), PCN_DATE_NONE};
    struct pcn_list_size l = {"A81001", store_test_date("2025-01-01"), 4000};
    struct pcn_list_band b = {"A81001", store_test_date("2025-01-01"), 'F', 40, 123};
    int64_t patients = 0;
    int32_t at = 0;
    int rows = 0;

    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_EINVAL); /* outside a transaction */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_EINVAL);
    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
    n.name = "Renamed PCN";
    n.icb_code = NULL;
    assert_int_equal(pcn_store_put_network(f->s, &n), PCN_OK);
    assert_int_equal(pcn_store_put_practice(f->s, &p), PCN_OK);
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
    m.start_date = store_test_date("2021-01-01");
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "already a member"));
    assert_int_equal(pcn_store_end_membership(f->s, "A81001", store_test_date("2022-12-31")),
                     PCN_OK);
    m.start_date = store_test_date("2023-01-01");
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_OK);
    m.practice = "Z99999"; /* unknown practice: foreign key */
    assert_int_equal(pcn_store_add_membership(f->s, &m), PCN_ECONFLICT);
    assert_int_equal(pcn_store_put_list_size(f->s, &l), PCN_OK);
    assert_int_equal(pcn_store_put_list_band(f->s, &b), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_get_network(f->s, "U12345", check_network, NULL), PCN_OK);
    assert_int_equal(pcn_store_get_network(f->s, "U00000", check_network, NULL), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_each_network(f->s, count_networks, &rows), PCN_OK);
    assert_int_equal(rows, 1);
    rows = 0;
    assert_int_equal(pcn_store_each_membership(f->s, "A81001", count_memberships, &rows), PCN_OK);
    assert_int_equal(rows, 2);
    rows = 0;
    assert_int_equal(pcn_store_each_network_membership(f->s, "U12345", count_memberships, &rows),
                     PCN_OK);
    assert_int_equal(rows, 2);
    rows = 0;
    assert_int_equal(pcn_store_each_network_membership(f->s, "U00000", count_memberships, &rows),
                     PCN_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(
        pcn_store_list_size_at(f->s, "A81001", store_test_date("2025-06-01"), &patients, &at),
        PCN_OK);
    assert_int_equal(patients, 4000);
    assert_int_equal(at, store_test_date("2025-01-01"));
    assert_int_equal(
        pcn_store_list_size_at(f->s, "A81001", store_test_date("2024-06-01"), &patients, &at),
        PCN_ENOTFOUND);
}

int main(void)
{
    static const struct store_test tests[] = {
        {"test_registry", test_registry, STORE_TEST_BOTH},
    };

    return store_test_run("registry", tests, sizeof(tests) / sizeof(tests[0]));
}
