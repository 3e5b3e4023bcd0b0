/*
 * snapshot_store.c - build a snapshot from the store: one walk per table
 * (memberships, patients in key order, then events, medications and
 * immunisations in storage order, and contacts: the snapshot sorts them), recording the store's
 * data version and the database's identity so callers can tell when to rebuild; and the store's
 * current population the quickest way, from a saved snapshot file when it is this database's at
 * this data version.
 */
#include "pcn/engine.h"

#include <stdio.h>
#include <string.h>

#include "pcn/paths.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"
#include "util/common.h"

/* Records between two looks at the stop flag. */
#define STOP_EVERY 16384

struct walk {
    struct pcn_snapshot *s;
    enum pcn_err rc;
    const atomic_int *stop;
    uint32_t seen;
};

/* Asked to stop? Looked at every STOP_EVERY records. */
static int stopped(struct walk *w)
{
    if (!w->stop || ++w->seen % STOP_EVERY != 0 ||
        !atomic_load_explicit(w->stop, memory_order_relaxed))
        return 0;
    w->rc = PCN_ETIMEDOUT;
    return 1;
}

static int on_membership(const struct pcn_membership *m, void *ud)
{
    struct walk *w = ud;
    w->rc = pcn_snapshot_add_membership(w->s, m);
    return w->rc != PCN_OK;
}

static int on_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct walk *w = ud;
    if (stopped(w))
        return 1;
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
    return stopped(w) || keep(w, pcn_snapshot_add_event(w->s, key, e));
}

static int on_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct walk *w = ud;
    return stopped(w) || keep(w, pcn_snapshot_add_medication(w->s, key, m));
}

static int on_immunisation(int64_t key, const struct pcn_immunisation *i, void *ud)
{
    struct walk *w = ud;
    return stopped(w) || keep(w, pcn_snapshot_add_immunisation(w->s, key, i));
}

static int on_encounter(int64_t key, const struct pcn_encounter *e, void *ud)
{
    struct walk *w = ud;
    return stopped(w) || keep(w, pcn_snapshot_add_encounter(w->s, key, e));
}

/* A walk's result: the callback's error first, else the store's. */
static enum pcn_err walked(struct walk *w, enum pcn_err rc)
{
    return w->rc ? w->rc : rc;
}

/*
 * The identity of the store's data: "DATABASE_ID:GENERATION" (the
 * generation "" before the first commit that wrote data), "" when the
 * database has none (a store from before schema 4 opened read-only). The
 * database id tells databases apart, the generation (a random id every
 * commit that changes data writes) the states of one database's data that
 * reach the same data version: a restored backup, or a copy, imported into.
 */
static enum pcn_err database_id(struct pcn_store *st, char *out, size_t size)
{
    char gen[40] = "";
    size_t n;
    enum pcn_err rc = pcn_store_get_meta(st, PCN_META_DATABASE_ID, out, size);

    if (rc == PCN_ENOTFOUND) {
        out[0] = '\0';
        return PCN_OK;
    }
    if (rc == PCN_OK)
        rc = pcn_store_get_meta(st, PCN_META_DATA_GENERATION, gen, sizeof(gen));
    if (rc == PCN_ENOTFOUND)
        rc = PCN_OK;
    n = strlen(out);
    if (rc == PCN_OK && (size_t)snprintf(out + n, size - n, ":%s", gen) >= size - n)
        rc = PCN_ELIMIT;
    return rc;
}

enum pcn_err pcn_snapshot_from_store(struct pcn_store *st, struct pcn_snapshot **ret,
                                     struct pcn_error *reterr)
{
    return pcn_snapshot_from_store_until(st, NULL, ret, reterr);
}

enum pcn_err pcn_snapshot_from_store_until(struct pcn_store *st, const atomic_int *stop,
                                           struct pcn_snapshot **ret, struct pcn_error *reterr)
{
    char imd[4096], id[PCN_SNAPSHOT_SOURCE_MAX];
    struct walk w = {NULL, PCN_OK, stop, 0};
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
        rc = database_id(st, id, sizeof(id));
    if (!rc)
        rc = walked(&w, pcn_store_each_membership(st, NULL, on_membership, &w));
    if (!rc)
        rc = walked(&w, pcn_store_each_patient(st, on_patient, &w));
    if (!rc)
        rc = walked(&w, pcn_store_scan_events(st, on_event, &w));
    if (!rc)
        rc = walked(&w, pcn_store_scan_medications(st, on_medication, &w));
    if (!rc)
        rc = walked(&w, pcn_store_scan_immunisations(st, on_immunisation, &w));
    if (!rc)
        rc = walked(&w, pcn_store_scan_encounters(st, on_encounter, &w));
    if (!rc)
        rc = pcn_snapshot_finish(w.s);
    if (rc) {
        (void)pcn_error_set(reterr, rc, "loading the population: %s (%s)", pcn_err_str(rc),
                            rc == PCN_ETIMEDOUT ? "stopped" : pcn_store_errmsg(st));
        goto out;
    }
    pcn_snapshot_set_data_version(w.s, version);
    pcn_snapshot_set_source(w.s, id);
    *ret = w.s;
    w.s = NULL;
out:
    pcn_snapshot_free(w.s);
    return rc;
}

enum pcn_err pcn_snapshot_for_store(struct pcn_store *st, const char *path, const atomic_int *stop,
                                    struct pcn_snapshot **ret, enum pcn_snapshot_origin *ret_origin,
                                    struct pcn_error *reterr)
{
    struct pcn_snapshot *snap = NULL;
    struct pcn_error err;
    char id[PCN_SNAPSHOT_SOURCE_MAX];
    int64_t version = 0;
    enum pcn_err rc;

    if (!st || !ret)
        return PCN_EINVAL;
    rc = pcn_store_data_version(st, &version);
    if (!rc)
        rc = database_id(st, id, sizeof(id));
    if (rc)
        return pcn_error_set(reterr, rc, "loading the population: %s (%s)", pcn_err_str(rc),
                             pcn_store_errmsg(st));
    /* a file of another database, or of this one before its last change, is not used */
    if (path && id[0] && pcn_snapshot_load(path, &snap, &err) == PCN_OK) {
        if (pcn_snapshot_data_version(snap) == version && !strcmp(pcn_snapshot_source(snap), id)) {
            *ret = snap;
            if (ret_origin)
                *ret_origin = PCN_SNAPSHOT_LOADED;
            return PCN_OK;
        }
        pcn_snapshot_free(snap);
        snap = NULL;
    }
    rc = pcn_snapshot_from_store_until(st, stop, &snap, reterr);
    if (rc)
        return rc;
    *ret = snap;
    if (ret_origin)
        *ret_origin = PCN_SNAPSHOT_WALKED;
    return PCN_OK;
}

enum pcn_err pcn_snapshot_keep(const struct pcn_snapshot *s, const char *path,
                               struct pcn_error *reterr)
{
    if (!s || !path)
        return pcn_error_set(reterr, PCN_EINVAL, "%s", pcn_err_str(PCN_EINVAL));
    if (!pcn_snapshot_source(s)[0])
        return pcn_error_set(reterr, PCN_EVERSION,
                             "%s: not used: the database has no identity yet (schema before 4; "
                             "opening it for writing once migrates it)",
                             path);
    return pcn_snapshot_save(s, path, reterr);
}
