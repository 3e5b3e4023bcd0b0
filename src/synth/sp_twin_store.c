/*
 * sp_twin_store.c - the social prescribing twin made from a database's
 * population and written into it: people from the patient walk (with a
 * long-term condition when they have a condition record), link-worker FTE
 * from the network's workforce figure, the twin of sp_twin.c, then the
 * directory, referrals, their records and the codes they write into the
 * patients' records, in one transaction. Invariant: the twin's asset ids
 * are mapped to the store's, so connections point at stored assets.
 */
#include "pcn/sp_twin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/csv.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/sp_coding.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "pcn/vec.h"
#include "util/common.h"

#define USEC_PER_DAY INT64_C(86400000000)

struct people {
    struct pcn_sp_twin_person *p;
    int64_t *key; /* the store's patient key of p[i] */
    size_t n, alloc, alloc_key;
    struct pcn_arena *arena;
    const struct pcn_strmap *imd;
    int32_t as_of;
    enum pcn_err rc;
};

static int person(int64_t key, const struct pcn_patient *pt, void *ud)
{
    struct people *pp = ud;

    if ((pt->registered_to != PCN_DATE_NONE && pt->registered_to <= pp->as_of) ||
        (pt->date_of_death != PCN_DATE_NONE && pt->date_of_death <= pp->as_of))
        return 0;
    if (PCN_GROW(pp->p, pp->n + 1, pp->alloc) != PCN_OK ||
        PCN_GROW(pp->key, pp->n + 1, pp->alloc_key) != PCN_OK) {
        pp->rc = PCN_ENOMEM;
        return 1;
    }
    struct pcn_sp_twin_person *x = &pp->p[pp->n];
    *x = (struct pcn_sp_twin_person){
        .patient_id = pcn_arena_strdup(pp->arena, pt->patient_id),
        .practice = pcn_arena_strdup(pp->arena, pt->practice ? pt->practice : ""),
        .lsoa = pcn_arena_strdup(pp->arena, pt->lsoa ? pt->lsoa : ""),
        .age = pcn_date_age(pt->date_of_birth, pp->as_of),
        .sex = pcn_sex_letter(pt->sex),
        .imd_decile = pcn_lsoa_imd_decile(pp->imd, pt->lsoa),
    };
    pp->key[pp->n++] = key;
    if (!x->patient_id || !x->practice || !x->lsoa)
        pp->rc = PCN_ENOMEM;
    return pp->rc != PCN_OK;
}

/* Mark people with a condition record (the walk is in patient key order, as the people). */
struct ltc_walk {
    struct people *pp;
    size_t at;
};

static int condition(int64_t key, const struct pcn_event *e, void *ud)
{
    struct ltc_walk *w = ud;

    while (w->at < w->pp->n && w->pp->key[w->at] < key)
        w->at++;
    if (w->at < w->pp->n && w->pp->key[w->at] == key && e->kind == PCN_EVENT_CONDITION)
        w->pp->p[w->at].long_term = 1;
    return 0;
}

/* The network's social prescribing link-worker FTE (data/reference/pcn_workforce.csv); 0 if none.
 */
static double workforce_fte(const char *network)
{
    char path[4096];
    struct pcn_csv *c = NULL;
    struct pcn_error e;
    double fte = 0;

    if (!network ||
        pcn_data_path("data/reference/pcn_workforce.csv", path, sizeof(path)) != PCN_OK ||
        pcn_csv_open(path, &c, &e) != PCN_OK)
        return 0;
    long pcn = -1, role = -1, col = -1;
    if (pcn_csv_next(c, &e) == PCN_OK) {
        pcn = pcn_csv_find(c, "pcn");
        role = pcn_csv_find(c, "staff_role");
        col = pcn_csv_find(c, "fte");
    }
    while (pcn >= 0 && role >= 0 && col >= 0 && pcn_csv_next(c, &e) == PCN_OK) {
        if ((size_t)col >= pcn_csv_nfields(c))
            continue;
        size_t len = 0;
        const char *v = pcn_csv_field(c, (size_t)col, &len);
        double x = 0;
        if (strcmp(pcn_csv_field(c, (size_t)pcn, NULL), network) == 0 &&
            strcmp(pcn_csv_field(c, (size_t)role, NULL), "Social Prescribing Link Workers") == 0 &&
            pcn_parse_double(v, len, &x) == PCN_OK && x > 0)
            fte += x;
    }
    pcn_csv_free(c);
    return fte;
}

/* ---- writing the twin ---- */

struct writer {
    struct pcn_store *s;
    const struct pcn_sp_codes *codes;
    struct pcn_sp_twin_summary *sum;
    struct pcn_error *err;
};

static enum pcn_err fail(struct writer *w, enum pcn_err rc, const char *what)
{
    return pcn_error_set(w->err, rc, "%s: %s", what, pcn_store_errmsg(w->s));
}

static enum pcn_err code(struct writer *w, const struct pcn_sp_coded *coded)
{
    for (size_t i = 0; i < coded->n; i++) {
        enum pcn_err rc = pcn_store_add_coded_event(w->s, &coded->event[i]);
        if (rc != PCN_OK)
            return fail(w, rc, "coding the record");
        w->sum->coded_events++;
    }
    return PCN_OK;
}

/* One case and everything recorded on it; asset ids through map (twin id - 1 -> store id). */
static enum pcn_err write_case(struct writer *w, const struct pcn_sp_twin_case *c,
                               const int64_t *map, size_t n_map)
{
    struct pcn_sp_coded coded;
    int64_t id = 0;
    enum pcn_err rc = pcn_store_add_referral(w->s, &c->referral, &id);

    if (rc != PCN_OK)
        return fail(w, rc, "saving a referral");
    pcn_sp_code_referral(w->codes, c->referral.patient_id,
                         (int32_t)(c->referral.received_at / USEC_PER_DAY), &coded);
    rc = code(w, &coded);
    for (size_t i = 0; rc == PCN_OK && i < c->n_transitions; i++) {
        rc = pcn_store_add_transition(w->s, id, &c->transitions[i]);
        if (rc != PCN_OK)
            return fail(w, rc, "saving a transition");
        if (c->transitions[i].to == PCN_REFERRAL_DECLINED) {
            pcn_sp_code_declined(w->codes, c->referral.patient_id,
                                 (int32_t)(c->transitions[i].at / USEC_PER_DAY), &coded);
            rc = code(w, &coded);
        }
    }
    for (size_t i = 0; rc == PCN_OK && i < c->n_contacts; i++) {
        struct pcn_contact ct = c->contacts[i];
        ct.referral_id = id;
        if ((rc = pcn_store_add_contact(w->s, &ct, NULL)) != PCN_OK)
            return fail(w, rc, "saving a contact");
    }
    for (size_t i = 0; rc == PCN_OK && i < c->n_goals; i++) {
        struct pcn_goal g = c->goals[i];
        g.referral_id = id;
        if ((rc = pcn_store_add_goal(w->s, &g, NULL)) != PCN_OK)
            return fail(w, rc, "saving a goal");
    }
    for (size_t i = 0; rc == PCN_OK && i < c->n_connections; i++) {
        struct pcn_connection cn = c->connections[i];
        if (cn.asset_id < 1 || (size_t)cn.asset_id > n_map)
            continue;
        cn.referral_id = id;
        cn.asset_id = map[cn.asset_id - 1];
        if ((rc = pcn_store_add_connection(w->s, &cn, NULL)) != PCN_OK)
            return fail(w, rc, "saving a connection");
    }
    for (size_t i = 0; rc == PCN_OK && i < c->n_outcomes; i++) {
        struct pcn_outcome o = c->outcomes[i];
        enum pcn_instrument in = (enum pcn_instrument)o.instrument;
        o.referral_id = id;
        if ((rc = pcn_store_add_outcome(w->s, &o, NULL)) != PCN_OK)
            return fail(w, rc, "saving a questionnaire");
        rc = pcn_sp_code_measure(w->codes, c->referral.patient_id, (int32_t)(o.at / USEC_PER_DAY),
                                 in, o.items, (size_t)pcn_instrument_items(in), &coded, w->err);
        if (rc == PCN_OK)
            rc = code(w, &coded);
    }
    return rc;
}

static enum pcn_err write_twin(struct writer *w, const struct pcn_sp_twin *t)
{
    size_t n = pcn_directory_count(t->directory);
    int64_t *map = pcn_calloc(n ? n : 1, sizeof(*map));
    enum pcn_err rc = map ? PCN_OK : pcn_error_set(w->err, PCN_ENOMEM, "out of memory");

    for (size_t i = 0; rc == PCN_OK && i < n; i++) {
        struct pcn_asset a = *pcn_directory_at(t->directory, i);
        a.id = 0;
        a.version = 0;
        rc = pcn_store_put_asset(w->s, &a, &map[i], NULL);
        if (rc != PCN_OK)
            rc = fail(w, rc, "saving an asset");
    }
    for (size_t i = 0; rc == PCN_OK && i < t->n_cases; i++)
        rc = write_case(w, &t->cases[i], map, n);
    pcn_free(map);
    w->sum->assets = n;
    w->sum->referrals = t->n_cases;
    w->sum->link_worker_fte = t->link_worker_fte;
    return rc;
}

enum pcn_err pcn_sp_twin_store(struct pcn_store *s, const struct pcn_sp_twin_store_opts *o,
                               struct pcn_sp_twin_summary *ret, struct pcn_error *reterr)
{
    struct people pp = {.as_of = o->as_of, .arena = pcn_arena_new((size_t)256 * 1024, 0)};
    struct pcn_strmap *imd = NULL;
    struct pcn_geo *geo = NULL;
    struct pcn_sp_twin *t = NULL;
    struct pcn_sp_codes codes = {0};
    struct ltc_walk lw = {&pp, 0};
    enum pcn_err rc = pp.arena ? PCN_OK : pcn_error_set(reterr, PCN_ENOMEM, "out of memory");

    memset(ret, 0, sizeof(*ret));
    if (rc == PCN_OK)
        rc = pcn_lsoa_imd_load(NULL, &imd, reterr);
    if (rc == PCN_OK)
        rc = pcn_geo_load(NULL, &geo, reterr);
    if (rc == PCN_OK)
        rc = pcn_sp_codes_load(NULL, &codes, reterr);
    pp.imd = imd;
    if (rc == PCN_OK && (pcn_store_each_patient(s, person, &pp) != PCN_OK ||
                         pcn_store_each_event(s, condition, &lw) != PCN_OK))
        rc = pcn_error_set(reterr, PCN_ESTORAGE, "reading the population: %s", pcn_store_errmsg(s));
    if (rc == PCN_OK && pp.rc != PCN_OK)
        rc = pcn_error_set(reterr, pp.rc, "out of memory");
    if (rc == PCN_OK) {
        struct pcn_sp_twin_opts to = {.seed = o->seed,
                                      .as_of = o->as_of,
                                      .link_worker_fte = workforce_fte(o->network),
                                      .geo = geo};
        rc = pcn_sp_twin_make(pp.p, pp.n, &to, &t, reterr);
    }
    /*
     * The generator codes referrals to social prescribing on its own (rule 10 of
     * docs/generator.md); with a twin of the service those codes come from its referrals
     * instead, so the record and the service agree and PC01 counts each referral once.
     */
    if (rc == PCN_OK && o->replace_generated &&
        pcn_store_delete_coded_events(s, "generator", codes.concept[PCN_SP_REFERRAL].code,
                                      &ret->generated_codes_replaced) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ESTORAGE, "%s", pcn_store_errmsg(s));
    if (rc == PCN_OK) {
        struct writer w = {s, &codes, ret, reterr};
        ret->people = pp.n;
        rc = write_twin(&w, t);
    }
    pcn_sp_twin_free(t);
    pcn_geo_free(geo);
    pcn_strmap_free(imd);
    pcn_arena_free(pp.arena);
    pcn_free(pp.p);
    pcn_free(pp.key);
    return rc;
}
