/*
 * snapshot_store.c - build a snapshot from the store: one walk per table
 * (memberships, patients in key order, then events, medications and
 * immunisations), recording the store's data version so callers can tell
 * when to rebuild.
 */
#include "pcn/engine.h"

#include "pcn/paths.h"
#include "pcn/store.h"
#include "util/common.h"

struct walk {
    struct pcn_snapshot *s;
    enum pcn_err rc;
};

static int on_membership(const struct pcn_membership *m, void *ud)
{
    struct walk *w = ud;
    w->rc = pcn_snapshot_add_membership(w->s, m);
    return w->rc != PCN_OK;
}

static int on_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct walk *w = ud;
    w->rc = pcn_snapshot_add_patient(w->s, key, p);
    return w->rc != PCN_OK;
}

/* Records of unknown patients (cannot happen with a consistent store) are skipped. */
static int keep(struct walk *w, enum pcn_err rc)
{
    w->rc = rc == PCN_ENOTFOUND || rc == PCN_EINVAL ? PCN_OK : rc;
    return w->rc != PCN_OK;
}

static int on_event(int64_t key, const struct pcn_event *e, void *ud)
{
    struct walk *w = ud;
    return keep(w, pcn_snapshot_add_event(w->s, key, e));
}

static int on_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct walk *w = ud;
    return keep(w, pcn_snapshot_add_medication(w->s, key, m));
}

static int on_immunisation(int64_t key, const struct pcn_immunisation *i, void *ud)
{
    struct walk *w = ud;
    return keep(w, pcn_snapshot_add_immunisation(w->s, key, i));
}

/* A walk's result: the callback's error first, else the store's. */
static enum pcn_err walked(struct walk *w, enum pcn_err rc)
{
    return w->rc ? w->rc : rc;
}

enum pcn_err pcn_snapshot_from_store(struct pcn_store *st, struct pcn_snapshot **ret,
                                     struct pcn_error *reterr)
{
    char imd[4096];
    struct walk w = {NULL, PCN_OK};
    int64_t version = 0;
    enum pcn_err rc;

    if (!st || !ret)
        return PCN_EINVAL;
    rc = pcn_data_path("data/reference/lsoa_imd2019.csv", imd, sizeof(imd));
    if (!rc)
        rc = pcn_snapshot_new(imd, &w.s);
    if (!rc)
        rc = pcn_store_data_version(st, &version);
    if (!rc)
        rc = walked(&w, pcn_store_each_membership(st, NULL, on_membership, &w));
    if (!rc)
        rc = walked(&w, pcn_store_each_patient(st, on_patient, &w));
    if (!rc)
        rc = walked(&w, pcn_store_each_event(st, on_event, &w));
    if (!rc)
        rc = walked(&w, pcn_store_each_medication(st, on_medication, &w));
    if (!rc)
        rc = walked(&w, pcn_store_each_immunisation(st, on_immunisation, &w));
    if (!rc)
        rc = pcn_snapshot_finish(w.s);
    if (rc) {
        (void)pcn_error_set(reterr, rc, "loading the population: %s (%s)", pcn_err_str(rc),
                            pcn_store_errmsg(st));
        goto out;
    }
    pcn_snapshot_set_data_version(w.s, version);
    *ret = w.s;
    w.s = NULL;
out:
    pcn_snapshot_free(w.s);
    return rc;
}
