/*
 * Storage conformance, the workforce domain (pcn/store_workforce.h):
 * posts read back exactly (sites in order), only ever ended and only
 * under the version read (optimistic concurrency), the census by day and
 * replaced on re-import, finance inputs and their items replaced whole
 * under a version check, writes refused outside a transaction, and a
 * rollback that leaves nothing. Runs on every backend (store_test.h).
 */
#include "store_test.h"

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_registry.h"
#include "pcn/store_workforce.h"

static void registry(struct pcn_store *s)
{
    struct pcn_network n = {.code = "U12345", .name = "Test PCN"};

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_store_put_network(s, &n), PCN_OK);
    n.code = "U54321";
    assert_int_equal(pcn_store_put_network(s, &n), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
}

static struct pcn_store_post post(const char *network, const char *person)
{
    static const struct pcn_store_post_site sites[] = {{"A81017", 6}, {"Branch surgery", 3}};
    struct pcn_store_post p = {
        .network = network,
        .person = person,
        .name = "Asha Example",
        .role = "clinical_pharmacist",
        .band = "7",
        .wte = 800000,
        .employer = "lead_practice",
        .employer_code = "A81017",
        .start_date = store_test_date("2024-09-01"),
        .end_date = PCN_DATE_NONE,
        .has_cost = 1,
        .cost = 5000000,
        .cost_per = "year",
        .funding = "arrs",
        .sites = sites,
        .n_sites = 2,
    };
    return p;
}

struct seen {
    int n;
    int64_t id;
    int64_t version;
    char person[16];
    int32_t end;
};

static int check_post(const struct pcn_store_post *p, void *ud)
{
    struct seen *w = ud;

    if (w->n++ == 0) {
        w->id = p->id;
        w->version = p->version;
        w->end = p->end_date;
        (void)snprintf(w->person, sizeof(w->person), "%s", p->person);
    }
    if (strcmp(p->person, "P1") == 0) {
        assert_string_equal(p->network, "U12345");
        assert_string_equal(p->name, "Asha Example");
        assert_string_equal(p->role, "clinical_pharmacist");
        assert_string_equal(p->band, "7");
        assert_int_equal(p->wte, 800000);
        assert_string_equal(p->employer, "lead_practice");
        assert_string_equal(p->employer_code, "A81017");
        assert_int_equal(p->start_date, store_test_date("2024-09-01"));
        assert_true(p->has_cost);
        assert_int_equal(p->cost, 5000000);
        assert_string_equal(p->cost_per, "year");
        assert_string_equal(p->funding, "arrs");
        assert_int_equal(p->n_sites, 2);
        assert_string_equal(p->sites[0].site, "A81017");
        assert_int_equal(p->sites[0].sessions, 6);
        assert_string_equal(p->sites[1].site, "Branch surgery");
        assert_int_equal(p->sites[1].sessions, 3);
    }
    return 0;
}

static void test_posts(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_post p = post("U12345", "P1");
    struct seen w = {0};
    int64_t id = 0;
    int64_t id2 = 0;
    int64_t version = 0;

    registry(f->s);
    assert_int_equal(pcn_store_add_post(f->s, &p, &id), PCN_EINVAL); /* outside a transaction */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_post(f->s, &p, &id), PCN_OK);
    assert_true(id > 0);
    p.person = "P0";
    p.n_sites = 0;
    p.band = NULL;
    p.has_cost = 0;
    p.network = "U54321";
    assert_int_equal(pcn_store_add_post(f->s, &p, &id2), PCN_OK);
    p.network = "U99999"; /* no such network */
    assert_int_equal(pcn_store_add_post(f->s, &p, NULL), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "no network U99999"));
    p.network = "U12345";
    p.wte = 1200000;
    assert_int_equal(pcn_store_add_post(f->s, &p, NULL), PCN_EINVAL);
    p.wte = 500000;
    p.employer = "landlord";
    assert_int_equal(pcn_store_add_post(f->s, &p, NULL), PCN_EINVAL);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    /* read back: one network, all, one by id */
    assert_int_equal(pcn_store_each_post(f->s, "U12345", check_post, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.version, 1);
    assert_int_equal(w.end, PCN_DATE_NONE);
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_each_post(f->s, NULL, check_post, &w), PCN_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.person, "P1"); /* network order: U12345 before U54321 */
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_get_post(f->s, id2, check_post, &w), PCN_OK);
    assert_string_equal(w.person, "P0");
    assert_int_equal(pcn_store_get_post(f->s, id2 + 100, check_post, &w), PCN_ENOTFOUND);

    /* ended once, at the version read; a stale version or a second end is a conflict */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_end_post(f->s, id, 1, store_test_date("2024-08-31"), &version),
                     PCN_EINVAL);
    assert_int_equal(pcn_store_end_post(f->s, id, 1, store_test_date("2025-03-31"), &version),
                     PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_end_post(f->s, id, 1, store_test_date("2025-03-31"), NULL),
                     PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "has changed (version 2, not 1)"));
    assert_int_equal(pcn_store_end_post(f->s, id, 2, store_test_date("2025-03-31"), NULL),
                     PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "has ended already"));
    assert_int_equal(pcn_store_end_post(f->s, 999999, 1, store_test_date("2025-03-31"), NULL),
                     PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_get_post(f->s, id, check_post, &w), PCN_OK);
    assert_int_equal(w.version, 2);
    assert_int_equal(w.end, store_test_date("2025-03-31"));

    /* a rollback leaves nothing */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    p = post("U12345", "P9");
    assert_int_equal(pcn_store_add_post(f->s, &p, NULL), PCN_OK);
    pcn_store_rollback(f->s);
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_each_post(f->s, NULL, check_post, &w), PCN_OK);
    assert_int_equal(w.n, 2);
}

struct census_seen {
    int n;
    int64_t fte;
    int contracted;
};

static int count_census(const struct pcn_store_census_row *r, void *ud)
{
    struct census_seen *c = ud;

    c->n++;
    c->fte += r->fte;
    c->contracted += r->is_contracted;
    return 0;
}

static void test_census(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_census_row r = {
        store_test_date("2026-06-30"), "U12345", "care_coordinator", 933333, "143651", 0};
    struct census_seen c = {0};
    int32_t day = 0;

    assert_int_equal(pcn_store_each_census_row(f->s, store_test_date("2026-07-01"), NULL,
                                               count_census, &c, &day),
                     PCN_ENOTFOUND);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_census_row(f->s, &r), PCN_OK);
    r.network = "U54321";
    r.person = "";
    r.is_contracted = 1;
    r.fte = 2000000;
    assert_int_equal(pcn_store_add_census_row(f->s, &r), PCN_OK);
    r.census_date = store_test_date("2025-06-30");
    assert_int_equal(pcn_store_add_census_row(f->s, &r), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_each_census_row(f->s, store_test_date("2026-07-01"), NULL,
                                               count_census, &c, &day),
                     PCN_OK);
    assert_int_equal(day, store_test_date("2026-06-30"));
    assert_int_equal(c.n, 2);
    assert_int_equal(c.fte, 2933333);
    assert_int_equal(c.contracted, 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(pcn_store_each_census_row(f->s, store_test_date("2026-01-01"), "U54321",
                                               count_census, &c, &day),
                     PCN_OK);
    assert_int_equal(day, store_test_date("2025-06-30"));
    assert_int_equal(c.n, 1);
    /* a re-import of a day replaces it */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_clear_census(f->s, store_test_date("2026-06-30")), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    memset(&c, 0, sizeof(c));
    assert_int_equal(pcn_store_each_census_row(f->s, store_test_date("2026-07-01"), NULL,
                                               count_census, &c, &day),
                     PCN_OK);
    assert_int_equal(day, store_test_date("2025-06-30"));
}

struct finance_seen {
    int64_t version;
    int64_t weighted;
    char london[8];
    int items;
    char last_value[32];
};

static int read_finance(const struct pcn_store_finance *fi, void *ud)
{
    struct finance_seen *w = ud;

    w->version = fi->version;
    w->weighted = fi->weighted;
    (void)snprintf(w->london, sizeof(w->london), "%s", fi->london);
    return 0;
}

static int read_item(const struct pcn_store_finance_item *it, void *ud)
{
    struct finance_seen *w = ud;

    w->items++;
    (void)snprintf(w->last_value, sizeof(w->last_value), "%s", it->value);
    if (strcmp(it->kind, "share") == 0)
        assert_string_equal(it->practice, "A81001");
    return 0;
}

static void test_finance(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_store_finance fi = {"U12345", "2025-26", 0, -1, 70000, 12, -1, 50, "inner"};
    const struct pcn_store_finance_item items[] = {
        {"allocation", "arrs_gp", "40000.00", NULL, NULL},
        {"method", "all", "registered", NULL, NULL},
        {"share", "core", "50%", "A81001", NULL},
        {"top_slice", "all", "45000.00", NULL, "Clinical director"},
    };
    struct finance_seen w = {0};
    int64_t version = 0;

    registry(f->s);
    /* never saved: version 0, unknowns, no items */
    assert_int_equal(pcn_store_get_finance(f->s, "U12345", "2025-26", read_finance, read_item, &w),
                     PCN_OK);
    assert_int_equal(w.version, 0);
    assert_int_equal(w.weighted, -1);
    assert_int_equal(w.items, 0);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_put_finance(f->s, &fi, items, 4, &version), PCN_OK);
    assert_int_equal(version, 1);
    /* a second writer that read version 0 loses */
    assert_int_equal(pcn_store_put_finance(f->s, &fi, items, 1, &version), PCN_ECONFLICT);
    fi.version = 1;
    fi.weighted = 71000;
    assert_int_equal(pcn_store_put_finance(f->s, &fi, items + 1, 2, &version), PCN_OK);
    assert_int_equal(version, 2);
    fi.london = "east";
    assert_int_equal(pcn_store_put_finance(f->s, &fi, NULL, 0, NULL), PCN_EINVAL);
    fi.london = "";
    fi.network = "U99999";
    fi.version = 0;
    assert_int_equal(pcn_store_put_finance(f->s, &fi, NULL, 0, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_get_finance(f->s, "U12345", "2025-26", read_finance, read_item, &w),
                     PCN_OK);
    assert_int_equal(w.version, 2);
    assert_int_equal(w.weighted, 71000);
    assert_string_equal(w.london, "inner");
    assert_int_equal(w.items, 2); /* replaced whole, in order */
    assert_string_equal(w.last_value, "50%");
    /* another year is apart */
    memset(&w, 0, sizeof(w));
    assert_int_equal(pcn_store_get_finance(f->s, "U12345", "2024-25", read_finance, read_item, &w),
                     PCN_OK);
    assert_int_equal(w.version, 0);
}

int main(void)
{
    static const struct store_test tests[] = {
        {"test_posts", test_posts, STORE_TEST_BOTH},
        {"test_census", test_census, STORE_TEST_BOTH},
        {"test_finance", test_finance, STORE_TEST_BOTH},
    };

    return store_test_run("workforce", tests, sizeof(tests) / sizeof(tests[0]));
}
