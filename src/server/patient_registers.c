/*
 * patient_registers.c - the registers one patient is on, for the patient
 * view (api_patient.c, ?include=registers): the shared program of the
 * definitions, evaluated for its registers on a snapshot of that patient
 * alone read from the request's store. Programs are read-only once
 * compiled, so these evaluations run side by side with no lock; the
 * code-list indexes they need are built in the one-patient snapshot and
 * freed with it.
 */
#include "server/population.h"

#include <string.h>

#include "pcn/alloc.h"
#include "util/common.h"

struct one_patient {
    struct pcn_snapshot *snap;
    int64_t key;
    enum pcn_err rc;
};

static int add_patient(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_patient(o->snap, key, p);
    return o->rc != PCN_OK;
}

static int add_event(int64_t key, const struct pcn_event *ev, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_event(o->snap, key, ev);
    return o->rc != PCN_OK;
}

static int add_medication(int64_t key, const struct pcn_medication *m, void *ud)
{
    struct one_patient *o = ud;

    o->rc = pcn_snapshot_add_medication(o->snap, key, m);
    return o->rc != PCN_OK;
}

/* A snapshot holding only patient `key`, from the store. */
static enum pcn_err one_patient_snapshot(struct pcn_store *st, int64_t key,
                                         struct pcn_snapshot **ret)
{
    struct one_patient o = {.key = key};
    enum pcn_err rc = pcn_snapshot_new(NULL, &o.snap);

    if (rc == PCN_OK)
        rc = pcn_store_get_patient(st, key, add_patient, &o);
    if (rc == PCN_OK && o.rc == PCN_OK)
        rc = pcn_store_patient_events(st, key, add_event, &o);
    if (rc == PCN_OK && o.rc == PCN_OK)
        rc = pcn_store_patient_medications(st, key, add_medication, &o);
    if (rc == PCN_OK)
        rc = o.rc;
    if (rc == PCN_OK)
        rc = pcn_snapshot_finish(o.snap);
    if (rc != PCN_OK) {
        pcn_snapshot_free(o.snap);
        return rc;
    }
    *ret = o.snap;
    return PCN_OK;
}

/* Append {"name", "title"} of each register the snapshot's one patient is on. */
static enum pcn_err collect_registers(const struct pcn_results *res, json_t *out)
{
    for (size_t i = 0; i < pcn_results_count(res); i++) {
        const struct pcn_result *one = pcn_results_at(res, i);
        struct pcn_group_iter it;
        int64_t on = 0;
        if (pcn_result_kind(one) != PCN_RESULT_REGISTER)
            continue;
        pcn_group_iter_init(&it, res, one);
        if (!pcn_group_iter_next(&it) || pcn_group_count(&it, 1, &on) != PCN_OK || on <= 0)
            continue;
        if (json_array_append_new(out, json_pack("{s:s,s:s}", "name", pcn_result_name(one), "title",
                                                 pcn_result_title(one))) != 0)
            return PCN_ENOMEM;
    }
    return PCN_OK;
}

enum pcn_err pcn__patient_registers(struct pcn__request *r, int64_t key, int32_t as_of,
                                    json_t **ret)
{
    static const char *const registers[] = {"registers"};
    struct pcn__program_ref *p = NULL;
    struct pcn_snapshot *snap = NULL;
    struct pcn_results *res = NULL;
    struct pcn_eval_options o = {
        .as_of = as_of, .threads = 1, .deadline = r->deadline, .select = registers, .n_select = 1};
    struct pcn_error err;
    json_t *out = json_array();
    enum pcn_err rc =
        out ? pcn__defs_program(pcn__engine_defs(r->srv->engine), &p, &err) : PCN_ENOMEM;

    if (rc != PCN_OK && rc != PCN_ENOMEM)
        rc = PCN_EIO; /* the definitions cannot be read: logged by definitions.c */
    if (rc == PCN_OK)
        rc = one_patient_snapshot(r->store, key, &snap);
    /* the shared program is read-only: evaluations need no lock */
    if (rc == PCN_OK)
        rc = pcn_program_eval(pcn__program_of(p), snap, &o, &res, &err);
    if (rc == PCN_OK)
        rc = collect_registers(res, out);
    pcn_results_free(res);
    pcn_snapshot_free(snap);
    pcn__program_release(p);
    if (rc != PCN_OK) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return PCN_OK;
}
