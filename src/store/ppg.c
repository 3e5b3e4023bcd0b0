/*
 * ppg.c - the patient partnership domain's public calls (pcn/store_ppg.h),
 * forwarded to the backend's table. Checked here once for every backend:
 * writes only inside a transaction, and every record as pcn/ppg.h defines
 * it (required fields, codes, limits, dates in order), so no path stores a
 * record the rest of the program would refuse. Also the helpers the two
 * backends share (ppg_int.h).
 */
#include "pcn/store_ppg.h"

#include <stdio.h>
#include <string.h>

#include "pcn/parse.h"
#include "store/ppg_int.h"
#include "util/common.h"

const struct pcn__store_domain pcn__store_ppg = {"ppg"};

/* The backend's table; NULL (message set) if it has no ppg domain. */
static const struct pcn__store_ppg_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_ppg);
}

static const struct pcn_ppg_filter no_filter;

static const struct pcn_ppg_filter *filter_or_none(const struct pcn_ppg_filter *f)
{
    return f ? f : &no_filter;
}

/* A record check's failure as the store's message. */
static enum pcn_err refused(struct pcn_store *s, enum pcn_err rc, const struct pcn_error *e)
{
    return rc == PCN_OK ? PCN_OK : pcn__store_fail(s, rc, "%s", e->msg);
}

static enum pcn_err check_put(struct pcn_store *s, int64_t id, int64_t version)
{
    if (id < 0 || (id > 0 && version <= 0))
        return pcn__store_fail(s, PCN_EINVAL, "version: the version read is required to update");
    return PCN_OK;
}

enum pcn_err pcn_store_put_ppg_group(struct pcn_store *s, const struct pcn_ppg_group *g,
                                     int64_t *ret_id, int64_t *ret_version)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_group_check(g, &e), &e);
    if (rc == PCN_OK)
        rc = check_put(s, g->id, g->version);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->put_group(s, g, ret_id, ret_version)) : rc;
}

enum pcn_err pcn_store_each_ppg_group(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                      pcn_ppg_group_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_group(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_ppg_member(struct pcn_store *s, const struct pcn_ppg_member *m,
                                      int64_t *ret_id, int64_t *ret_version)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_member_check(m, &e), &e);
    if (rc == PCN_OK)
        rc = check_put(s, m->id, m->version);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->put_member(s, m, ret_id, ret_version)) : rc;
}

enum pcn_err pcn_store_each_ppg_member(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_member_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_member(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_ppg_activity(struct pcn_store *s, const struct pcn_ppg_activity *a,
                                        int64_t *ret_id, int64_t *ret_version)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_activity_check(a, &e), &e);
    if (rc == PCN_OK)
        rc = check_put(s, a->id, a->version);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->put_activity(s, a, ret_id, ret_version)) : rc;
}

enum pcn_err pcn_store_each_ppg_activity(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_activity_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_activity(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_feedback *fb,
                                        int64_t *ret_id, int64_t *ret_version)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_feedback_check(fb, &e), &e);
    if (rc == PCN_OK)
        rc = check_put(s, fb->id, fb->version);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->put_feedback(s, fb, ret_id, ret_version)) : rc;
}

enum pcn_err pcn_store_each_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_feedback_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_feedback(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_ppg_change(struct pcn_store *s, const struct pcn_ppg_change *c,
                                      int64_t *ret_id, int64_t *ret_version)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_change_check(c, &e), &e);
    if (rc == PCN_OK)
        rc = check_put(s, c->id, c->version);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->put_change(s, c, ret_id, ret_version)) : rc;
}

enum pcn_err pcn_store_each_ppg_change(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_change_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_change(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_involvement *v,
                                           int64_t *ret_id)
{
    const struct pcn__store_ppg_ops *o = ops(s);
    struct pcn_error e;
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = refused(s, pcn_ppg_involvement_check(v, &e), &e);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->add_involvement(s, v, ret_id)) : rc;
}

enum pcn_err pcn_store_remove_ppg_involvement(struct pcn_store *s, int64_t id)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->remove_involvement(s, id)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                            pcn_ppg_involvement_fn fn, void *ud)
{
    const struct pcn__store_ppg_ops *o = ops(s);

    return o ? o->each_involvement(s, filter_or_none(f), fn, ud) : PCN_ESTORAGE;
}

/* ---- shared by the backends ---- */

int pcn__ppg_value(enum pcn_ppg_vocab v, const char *code)
{
    int out = 0;

    if (!code || pcn_ppg_parse(v, code, strlen(code), &out) != PCN_OK)
        return 0;
    return out;
}

enum pcn_err pcn__ppg_group_ids(struct pcn_store *s, const char *list, int64_t *ids, size_t *ret_n)
{
    size_t n = 0;

    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t len = comma ? (size_t)(comma - list) : strlen(list);
        int64_t id = 0;
        if (n >= PCN_PPG_GROUPS_MAX || pcn_parse_i64(list, len, &id) != PCN_OK || id <= 0)
            return pcn__store_fail(s, PCN_ESTORAGE, "an activity's groups are unreadable");
        /* ascending, whatever order the aggregate gave */
        size_t at = n++;
        while (at > 0 && ids[at - 1] > id) {
            ids[at] = ids[at - 1];
            at--;
        }
        ids[at] = id;
        list += len + (comma != NULL);
    }
    *ret_n = n;
    return PCN_OK;
}

enum pcn_err pcn__ppg_stale(struct pcn_store *s, const char *what, int64_t id, int64_t version,
                            int exists)
{
    if (!exists)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no %s %lld", what, (long long)id);
    return pcn__store_fail(s, PCN_ECONFLICT,
                           "%s %lld was changed by someone else since version %lld; read it "
                           "again",
                           what, (long long)id, (long long)version);
}
