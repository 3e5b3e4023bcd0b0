/*
 * Unit tests for synth/ppg_twin.c and ppg_twin_log.c: on an invented
 * network generated into a store, the twin writes a PPG per practice and a
 * network forum whose members are older and whiter than their lists (the
 * representativeness of ops, on the engine's profiles of the generated
 * patients), leavers and a history, three service changes of which some
 * but not all involved patients from the start, a year of activities on
 * several rungs, feedback that never dates after the twin's date, and the
 * same records for the same seed.
 */
#include "testutil.h"
#include "testutil_store.h"

#include <jansson.h>

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/generate.h"
#include "pcn/ppg_ops.h"
#include "pcn/ppg_twin.h"
#include "pcn/store_population.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "pcn/views_ppg.h"

static struct pcn_refdata *ref;

static int setup(void **state)
{
    struct pcn_error err = {0};

    (void)state;
    if (pcn_refdata_load(NULL, &ref, &err) != PCN_OK) {
        fprintf(stderr, "refdata: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pcn_refdata_free(ref);
    return 0;
}

static enum pcn_err put_network(void *ctx, const struct pcn_network *n)
{
    return pcn_store_put_network(ctx, n);
}

static enum pcn_err put_practice(void *ctx, const struct pcn_practice *p,
                                 const struct pcn_membership *m)
{
    enum pcn_err rc = pcn_store_put_practice(ctx, p);

    return rc == PCN_OK ? pcn_store_add_membership(ctx, m) : rc;
}

static enum pcn_err put_list_size(void *ctx, const struct pcn_list_size *l)
{
    return pcn_store_put_list_size(ctx, l);
}

static enum pcn_err put_list_band(void *ctx, const struct pcn_list_band *b)
{
    return pcn_store_put_list_band(ctx, b);
}

/* An invented network of 3 practices and 6,000 patients, then its PPG twin. */
static struct pcn_ppg_twin_summary twin(struct test_db *db, const char *name, uint64_t seed)
{
    struct pcn_gen_options o;
    struct pcn_gen_registry reg = {put_network, put_practice, put_list_size, put_list_band, NULL};
    struct pcn_ppg_twin_opts to = {.seed = seed, .as_of = pcn_refdata_extract_date(ref)};
    struct pcn_ppg_twin_summary sum = {0};
    struct pcn_sink sink;
    struct pcn_error err = {0};

    test_db_open(db, name);
    reg.ctx = db->s;
    pcn_gen_options_init(&o);
    o.n_practices = 3;
    o.n_patients = 6000;
    o.seed = seed;
    o.with_records = 0;
    pcn_store_sink(db->s, &sink);
    assert_int_equal(pcn_store_begin(db->s), PCN_OK);
    assert_int_equal(pcn_generate(ref, &o, &sink, &reg, NULL, &err), PCN_OK);
    assert_int_equal(pcn_store_commit(db->s), PCN_OK);
    assert_int_equal(pcn_store_begin(db->s), PCN_OK);
    if (pcn_ppg_twin_store(db->s, &to, &sum, &err) != PCN_OK)
        fail_msg("twin: %s", err.msg);
    assert_int_equal(pcn_store_commit(db->s), PCN_OK);
    return sum;
}

/* Every list of the network as CSV, for comparing two twins. */
static void dump(struct pcn_store *s, struct pcn_buf *out)
{
    struct pcn_ppg_view_opts o = {.as_of = pcn_refdata_extract_date(ref)};
    struct pcn_table *t = NULL;

    assert_int_equal(pcn_view_ppg_groups(s, &o, &t, NULL), PCN_OK);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, out), PCN_OK);
    pcn_table_free(t);
    assert_int_equal(pcn_view_ppg_members(s, &o, &t, NULL), PCN_OK);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, out), PCN_OK);
    pcn_table_free(t);
    assert_int_equal(pcn_view_ppg_activities(s, &o, &t, NULL), PCN_OK);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, out), PCN_OK);
    pcn_table_free(t);
    assert_int_equal(pcn_view_ppg_feedback(s, &o, &t, NULL), PCN_OK);
    assert_int_equal(pcn_table_render(t, PCN_FORMAT_CSV, out), PCN_OK);
    pcn_table_free(t);
}

static enum pcn_err profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                             struct pcn_profile *ret)
{
    return pcn_snapshot_profiles(ud, as_of, practices, n, ret);
}

/* Members and population of categories from..to of a dimension, added to sums[0..1]. */
static void add_counts(json_t *dim, size_t from, size_t to, double sums[2])
{
    json_t *cats = json_object_get(dim, "categories");

    for (size_t c = from; c <= to; c++) {
        sums[0] += (double)json_integer_value(json_object_get(json_array_get(cats, c), "members"));
        sums[1] +=
            (double)json_integer_value(json_object_get(json_array_get(cats, c), "population"));
    }
}

static json_t *dimension(json_t *g, const char *name)
{
    size_t i;
    json_t *d;

    json_array_foreach(json_object_get(g, "dimensions"), i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "name")), name) == 0)
            return d;
    }
    return NULL;
}

/*
 * The PPGs together are older and whiter than their lists: the members'
 * share aged 65+ and White above the population's, aged 18-34 below.
 */
static void check_tilt(struct pcn_store *s, const char *network)
{
    struct pcn_snapshot *snap = NULL;
    struct pcn_error err = {0};
    struct pcn_ppg_repr *r = NULL;
    double old[2] = {0}, young[2] = {0}, adults[2] = {0}, white[2] = {0}, eth[2] = {0};
    void *j = NULL;
    json_t *g;
    size_t i;

    assert_int_equal(pcn_snapshot_from_store(s, &snap, &err), PCN_OK);
    struct pcn_ppg_repr_opts o = {.network = network,
                                  .as_of = pcn_refdata_extract_date(ref),
                                  .profiles = profiles,
                                  .profiles_ud = snap};
    assert_int_equal(pcn_ppg_representativeness(s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_ppg_repr_json(r, &j), PCN_OK);
    json_array_foreach(json_object_get(j, "groups"), i, g)
    {
        if (json_is_null(json_object_get(g, "practice")))
            continue; /* the forum is drawn differently */
        add_counts(dimension(g, "age"), 5, 7, old);
        add_counts(dimension(g, "age"), 0, 1, young);
        add_counts(dimension(g, "age"), 0, 7, adults);
        add_counts(dimension(g, "ethnic_group"), 0, 0, white);
        add_counts(dimension(g, "ethnic_group"), 0, 4, eth);
        assert_true(json_integer_value(json_object_get(g, "index")) > 30);
    }
    assert_true(old[0] / adults[0] > old[1] / adults[1] + 0.15);
    assert_true(young[0] / adults[0] < young[1] / adults[1] / 2);
    assert_true(white[0] / eth[0] > white[1] / eth[1]);
    json_decref(j);
    pcn_ppg_repr_free(r);
    pcn_snapshot_free(snap);
}

struct dates {
    int32_t as_of;
    int bad;
    int answered, published, leavers, withdrawn;
    int rungs[PCN_PPG_RUNG_COUNT_];
};

static int see_activity(const struct pcn_ppg_activity *a, void *ud)
{
    struct dates *d = ud;

    d->bad += a->held > d->as_of;
    d->rungs[a->rung]++;
    return 0;
}

static int see_feedback(const struct pcn_ppg_feedback *f, void *ud)
{
    struct dates *d = ud;

    d->bad += f->received > d->as_of || (f->responded != PCN_DATE_NONE && f->responded > d->as_of);
    d->answered += f->response != NULL;
    d->published += f->published;
    return 0;
}

static int see_member(const struct pcn_ppg_member *m, void *ud)
{
    struct dates *d = ud;

    d->bad += m->joined > d->as_of;
    d->leavers += m->left != PCN_DATE_NONE;
    d->withdrawn += m->withdrawn != PCN_DATE_NONE;
    return 0;
}

static void test_twin(void **state)
{
    struct test_db a = {0}, b = {0};
    struct pcn_ppg_twin_summary sa = twin(&a, "a.db", 11), sb = twin(&b, "b.db", 11);
    struct pcn_buf da = PCN_BUF_INIT, db = PCN_BUF_INIT;
    struct dates d = {.as_of = pcn_refdata_extract_date(ref)};
    struct pcn_ppg_view_opts o = {0};
    struct pcn_table *t = NULL;
    (void)state;
    assert_int_equal(sa.groups, 4);
    assert_true(sa.members > 40 && sa.current < sa.members);
    assert_int_equal(sa.changes, 3);
    assert_true(sa.activities >= 20 && sa.feedback >= 8);
    assert_int_equal(sa.involvement, 9);
    assert_int_equal(sb.members, sa.members);
    /* the same seed, the same records */
    pcn_buf_init(&da, 1 << 24);
    pcn_buf_init(&db, 1 << 24);
    dump(a.s, &da);
    dump(b.s, &db);
    assert_string_equal(da.buf, db.buf);
    pcn_buf_release(&da);
    pcn_buf_release(&db);
    /* dates, history, rungs */
    assert_int_equal(pcn_store_each_ppg_activity(a.s, NULL, see_activity, &d), PCN_OK);
    assert_int_equal(pcn_store_each_ppg_feedback(a.s, NULL, see_feedback, &d), PCN_OK);
    assert_int_equal(pcn_store_each_ppg_member(a.s, NULL, see_member, &d), PCN_OK);
    assert_int_equal(d.bad, 0);
    assert_true(d.answered > 0 && d.published > 0 && d.published <= d.answered);
    assert_true(d.leavers >= 9);
    for (int r = 0; r < PCN_PPG_RUNG_COUNT_; r++)
        assert_true(d.rungs[r] > 0);
    /* co-production: patients in from the start of some changes, not all */
    assert_int_equal(pcn_view_ppg_coproduction(a.s, &o, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 3);
    assert_string_equal(pcn_table_cell(t, 0, 9), "false");
    assert_string_equal(pcn_table_cell(t, 1, 9), "true");
    pcn_table_free(t);
    check_tilt(a.s, "U90011");
    /* generated again: the groups are kept, nothing is written twice */
    {
        struct pcn_ppg_twin_opts to = {.seed = 12, .as_of = d.as_of};
        struct pcn_ppg_twin_summary again = {0};
        struct pcn_error err = {0};
        struct pcn_buf after = PCN_BUF_INIT;

        pcn_buf_init(&da, 1 << 24);
        pcn_buf_init(&after, 1 << 24);
        dump(a.s, &da);
        assert_int_equal(pcn_store_begin(a.s), PCN_OK);
        if (pcn_ppg_twin_store(a.s, &to, &again, &err) != PCN_OK)
            fail_msg("twin again: %s", err.msg);
        assert_int_equal(pcn_store_commit(a.s), PCN_OK);
        assert_int_equal(again.kept, sa.groups);
        assert_int_equal(again.groups + again.members + again.activities, 0);
        dump(a.s, &after);
        assert_string_equal(da.buf, after.buf);
        pcn_buf_release(&da);
        pcn_buf_release(&after);
    }
    test_db_close(&a);
    test_db_close(&b);
}

static void test_errors(void **state)
{
    struct test_db db = {0};
    struct pcn_ppg_twin_opts o = {
        .seed = 1, .as_of = pcn_refdata_extract_date(ref), .network = "U99999"};
    struct pcn_error err = {0};
    (void)state;
    test_db_open(&db, "empty.db");
    assert_int_equal(pcn_store_begin(db.s), PCN_OK);
    assert_int_equal(pcn_ppg_twin_store(db.s, &o, NULL, &err), PCN_ENOTFOUND);
    o.as_of = PCN_DATE_NONE;
    assert_int_equal(pcn_ppg_twin_store(db.s, &o, NULL, &err), PCN_EINVAL);
    pcn_store_rollback(db.s);
    test_db_close(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twin),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
