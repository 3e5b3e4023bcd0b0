/*
 * export.c - pcn_export_bundle(): write the store's population into a
 * native CSV bundle. The store walks each table ordered by patient key;
 * the patient ids are gathered first (key order) and found again by binary
 * search, since the walks give keys, not ids.
 */
#include "pcn/ingest.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/bundle.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/vec.h"
#include "util/common.h"

struct key_id {
    int64_t key;
    char *id;
};

struct export_ctx {
    struct pcn_sink sink;
    struct key_id *ids; /* ascending keys */
    size_t n_ids, alloc_ids;
    enum pcn_err rc;
    struct pcn_error err;
};

static const char *id_of(struct export_ctx *x, int64_t key)
{
    size_t lo = 0, hi = x->n_ids;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->ids[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->n_ids && x->ids[lo].key == key)
        return x->ids[lo].id;
    x->rc =
        pcn_error_set(&x->err, PCN_ESTORAGE, "record of unknown patient key %lld", (long long)key);
    return NULL;
}

static int on_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct export_ctx *x = ud;
    char *id = pcn_strdup(p->patient_id);

    if (!id || PCN_GROW(x->ids, x->n_ids + 1, x->alloc_ids) != PCN_OK) {
        pcn_free(id);
        x->rc = pcn_error_set(&x->err, PCN_ENOMEM, "out of memory");
        return 1;
    }
    if (x->n_ids > 0 && x->ids[x->n_ids - 1].key >= key) {
        pcn_free(id);
        x->rc = pcn_error_set(&x->err, PCN_ESTORAGE, "patients not in key order");
        return 1;
    }
    x->ids[x->n_ids].key = key;
    x->ids[x->n_ids++].id = id;
    x->rc = x->sink.ops->patient(x->sink.ctx, p, &x->err);
    return x->rc != PCN_OK;
}

static int on_event(int64_t key, const struct pcn_event *e, void *ud)
{
    struct export_ctx *x = ud;
    struct pcn_event copy = *e;

    copy.patient_id = id_of(x, key);
    if (copy.patient_id)
        x->rc = x->sink.ops->event(x->sink.ctx, &copy, &x->err);
    return x->rc != PCN_OK;
}

static int on_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct export_ctx *x = ud;
    struct pcn_medication copy = *m;

    copy.patient_id = id_of(x, key);
    if (copy.patient_id)
        x->rc = x->sink.ops->medication(x->sink.ctx, &copy, &x->err);
    return x->rc != PCN_OK;
}

static int on_immunisation(int64_t key, const struct pcn_immunisation *i, void *ud)
{
    struct export_ctx *x = ud;
    struct pcn_immunisation copy = *i;

    copy.patient_id = id_of(x, key);
    if (copy.patient_id)
        x->rc = x->sink.ops->immunisation(x->sink.ctx, &copy, &x->err);
    return x->rc != PCN_OK;
}

static int on_encounter(int64_t key, const struct pcn_encounter *e, void *ud)
{
    struct export_ctx *x = ud;
    struct pcn_encounter copy = *e;

    copy.patient_id = id_of(x, key);
    if (copy.patient_id)
        x->rc = x->sink.ops->encounter(x->sink.ctx, &copy, &x->err);
    return x->rc != PCN_OK;
}

static int on_term(const struct pcn_term *t, void *ud)
{
    struct export_ctx *x = ud;

    x->rc = x->sink.ops->term(x->sink.ctx, t, &x->err);
    return x->rc != PCN_OK;
}

/* Run one walk; a store failure or a callback failure both end the export. */
static enum pcn_err walk(struct pcn_store *s, struct export_ctx *x, enum pcn_err store_rc)
{
    if (x->rc != PCN_OK)
        return x->rc;
    if (store_rc != PCN_OK)
        return pcn_error_set(&x->err, store_rc, "%s", pcn_store_errmsg(s));
    return PCN_OK;
}

enum pcn_err pcn_export_bundle(struct pcn_store *s, const char *dir, struct pcn_error *reterr)
{
    struct export_ctx x = {0};
    struct pcn_bundle_writer *w = NULL;
    enum pcn_err rc;

    rc = pcn_bundle_writer_open(dir, &w, reterr);
    if (rc != PCN_OK)
        return rc;
    pcn_bundle_writer_sink(w, &x.sink);
    rc = walk(s, &x, pcn_store_each_patient(s, on_patient, &x));
    if (rc == PCN_OK)
        rc = walk(s, &x, pcn_store_each_term(s, on_term, &x));
    if (rc == PCN_OK)
        rc = walk(s, &x, pcn_store_each_event(s, on_event, &x));
    if (rc == PCN_OK)
        rc = walk(s, &x, pcn_store_each_medication(s, on_medication, &x));
    if (rc == PCN_OK)
        rc = walk(s, &x, pcn_store_each_immunisation(s, on_immunisation, &x));
    if (rc == PCN_OK)
        rc = walk(s, &x, pcn_store_each_encounter(s, on_encounter, &x));
    if (rc != PCN_OK && reterr)
        *reterr = x.err;
    if (pcn_bundle_writer_close(w, rc == PCN_OK ? reterr : NULL) != PCN_OK && rc == PCN_OK)
        rc = PCN_EIO;
    for (size_t i = 0; i < x.n_ids; i++)
        pcn_free(x.ids[i].id);
    pcn_free(x.ids);
    return rc;
}
