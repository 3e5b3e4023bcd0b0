/*
 * fuzz_eval.c - differential libFuzzer harness for the evaluator: a
 * program that compiles is evaluated on a fixed population four ways
 * (every patient; candidates only, one thread and three; the planner's
 * choice, two threads). The four results must be byte for byte the same
 * (the same error, when evaluation fails) and valid JSON, and each of the
 * first six definitions evaluated alone must give what it gave among all
 * (the planner then decides for it alone). This guards the sparse
 * planner's proofs (docs/internals/engine.md, "Sparse evaluation")
 * against constructs no unit test thought of, and keeps results
 * independent of the thread count.
 *
 * Input: one byte choosing the as-of date, breakdown, suppression and
 * worklist row limit, then program text. The text follows a prelude that
 * declares code lists a..f (codes "A".."F", recorded as events with
 * values, some of "E" and "F" as medicines) so that mutations reach
 * expressions quickly. Patients also have contacts (contacts(),
 * continuity()) of every role, mode and attendance, with a few
 * clinicians, known waits or none.
 * The rest of the input is also made into a long operator chain (chain.h:
 * up to 512 terms) evaluated every patient and candidates only, which must
 * agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_PATIENTS 2600 /* three chunks of 1,024, the last part-full */
#define AS_OF 20000     /* 2024-10-04 in days since 1970-01-01 */

static const char prelude[] = "codelist a = codes(\"A\")\n"
                              "codelist b = codes(\"B\")\n"
                              "codelist c = codes(\"C\")\n"
                              "codelist d = codes(\"D\")\n"
                              "codelist e = codes(\"E\")\n"
                              "codelist f = codes(\"F\")\n";

static struct pcn_rng rng; /* seeded once in population(): the same people every run */

static uint32_t below(uint32_t n)
{
    return (uint32_t)pcn_rng_below(&rng, n);
}

static void must(enum pcn_err rc)
{
    if (rc != PCN_OK) {
        fprintf(stderr, "fuzz_eval: building the population failed: %s\n", pcn_err_str(rc));
        abort();
    }
}

/*
 * Every kind of patient the population rule looks at (dead, deregistered,
 * registered after the as-of date, no practice), codes of every frequency
 * from "A" (half the patients) to "F" (one in fifty), dates either side of
 * the as-of dates and on them, values or none, same-day records.
 */
static struct pcn_snapshot *population(void)
{
    static const char *const codes[] = {"A", "B", "C", "D", "E", "F", "X"};
    static const uint32_t one_in[] = {2, 4, 8, 16, 32, 50, 3};
    static const char *const practices[] = {"P1", "P2", "P3", NULL};
    static const char *const ethnicity[] = {"A", "D", "H", "M", "R", "Z", NULL};
    struct pcn_membership m = {"P1", "U00001", AS_OF - 2000, PCN_DATE_NONE};
    struct pcn_snapshot *s = NULL;
    char id[16];

    pcn_rng_seed(&rng, 20241004);
    must(pcn_snapshot_new(NULL, &s));
    must(pcn_snapshot_add_membership(s, &m));
    for (int i = 0; i < N_PATIENTS; i++) {
        struct pcn_patient pt = {.patient_id = id};
        (void)snprintf(id, sizeof(id), "F%05d", i);
        pt.sex = (enum pcn_sex)below(4);
        pt.practice = practices[below(30) == 0 ? 3 : below(3)];
        pt.ethnicity = ethnicity[below(7)];
        pt.date_of_birth = AS_OF - (int32_t)below(100 * 365) - (below(20) == 0 ? 0 : 1);
        pt.registered_from = below(40) == 0 ? AS_OF + 1 : pt.date_of_birth;
        pt.registered_to = below(40) == 0 ? AS_OF - (int32_t)below(500) : PCN_DATE_NONE;
        pt.date_of_death = below(40) == 0 ? AS_OF - (int32_t)below(500) : PCN_DATE_NONE;
        must(pcn_snapshot_add_patient(s, i, &pt));
    }
    for (int i = 0; i < N_PATIENTS; i++) {
        for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
            if (below(one_in[c]) != 0)
                continue;
            for (int k = (int)below(4); k >= 0; k--) {
                int32_t date = AS_OF + 40 - (int32_t)below(6 * 365);
                if (below(10) == 0)
                    date = AS_OF - 365 * (int32_t)below(3); /* on a window's edge */
                if (c >= 4 && below(2)) {
                    struct pcn_medication med = {.code = codes[c], .system = "dmd"};
                    med.start_date = date;
                    med.end_date = PCN_DATE_NONE;
                    must(pcn_snapshot_add_medication(s, i, &med));
                } else {
                    struct pcn_event ev = {.code = codes[c], .system = "snomed", .date = date};
                    ev.kind = (enum pcn_event_kind)below(6);
                    ev.end_date = PCN_DATE_NONE;
                    ev.has_value = below(3) != 0;
                    ev.value = (double)below(200) - 20.0;
                    must(pcn_snapshot_add_event(s, i, &ev));
                }
            }
        }
        if (below(5) == 0) {
            struct pcn_immunisation im = {.code = "FLU", .system = "snomed"};
            im.date = AS_OF - (int32_t)below(700);
            must(pcn_snapshot_add_immunisation(s, i, &im));
        }
    }
    /* contacts after the records, so the records are those of every earlier version */
    for (int i = 0; i < N_PATIENTS; i++) {
        static const char *const clinicians[] = {"G1", "G2", "G3", "N1", "PH1", NULL};
        for (int k = (int)below(7); k > 0; k--) {
            struct pcn_encounter en = {.encounter_id = "E"};
            en.date = AS_OF + 20 - (int32_t)below(3 * 365);
            if (below(10) == 0)
                en.date = AS_OF - 365 * (int32_t)below(3); /* on a window's edge */
            en.end_date = PCN_DATE_NONE;
            en.role = (enum pcn_encounter_role)below(PCN_STAFF_COUNT);
            en.mode = (enum pcn_contact_mode)below(5);
            en.attendance = (enum pcn_encounter_attendance)below(3);
            en.clinician = clinicians[below(6)];
            en.has_booked = below(4) != 0;
            en.booked_date = en.date - (int32_t)below(40);
            must(pcn_snapshot_add_encounter(s, i, &en));
        }
    }
    must(pcn_snapshot_finish(s));
    return s;
}

/* One evaluation's JSON, or "error N" when it failed. Caller frees. */
static char *evaluate(struct pcn_program *p, const struct pcn_snapshot *s,
                      const struct pcn_eval_options *base, int sparse, int threads)
{
    struct pcn_eval_options o = *base;
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;
    enum pcn_err rc;
    char *out;

    o.sparse = sparse;
    o.threads = threads;
    rc = pcn_program_eval(p, s, &o, &r, &err);
    if (rc == PCN_OK)
        rc = pcn_results_render(r, PCN_FORMAT_JSON, &b);
    pcn_results_free(r);
    if (rc != PCN_OK) {
        pcn_buf_release(&b);
        out = pcn_malloc(32);
        if (out)
            (void)snprintf(out, 32, "error %d", (int)rc);
        return out;
    }
    return pcn_buf_detach(&b, NULL);
}

/*
 * Each of the first few definitions evaluated on its own (the planner then
 * decides for it alone, often differently) gives what it gave among all.
 */
static void check_alone(struct pcn_program *p, const struct pcn_snapshot *s,
                        const struct pcn_eval_options *o, const json_t *all)
{
    size_t n = pcn_program_def_count(p);

    for (size_t i = 0; i < n && i < 6; i++) {
        const char *kind, *name, *title;
        struct pcn_error err;
        json_t *doc, *mine = NULL, *theirs;
        char *alone;
        size_t k;
        if (pcn_program_def_info(p, i, &kind, &name, &title) != PCN_OK ||
            pcn_program_select(p, name, &err) != PCN_OK)
            continue;
        alone = evaluate(p, s, o, 0, 1);
        doc = alone ? json_loads(alone, 0, NULL) : NULL;
        json_array_foreach(all, k, theirs)
        {
            const char *their_name = json_string_value(json_object_get(theirs, "name"));
            if (their_name && !strcmp(their_name, name))
                mine = json_array_get(json_object_get(doc, "results"), 0);
            if (mine)
                break;
        }
        if (doc && (!mine || !json_equal(mine, theirs))) {
            fprintf(stderr, "fuzz_eval: %s on its own differs from among all\nalone: %s\n", name,
                    alone);
            abort();
        }
        json_decref(doc);
        pcn_free(alone);
    }
}

/* The input's long chain (chain.h) after the prelude: every patient and candidates agree. */
static void check_chain(const struct pcn_snapshot *s, const struct pcn_eval_options *o,
                        const uint8_t *data, size_t size)
{
    struct pcn_buf text = PCN_BUF_INIT;
    struct pcn_program *p = NULL;
    struct pcn_error err;
    char *dense = NULL, *sparse = NULL;

    if (pcn_buf_adds(&text, prelude) == PCN_OK && fuzz_chain_text(data, size, 512, &text))
        p = pcn_program_new();
    if (p && pcn_program_load_string(p, "chain.pcn", text.buf, text.len, "/nonexistent",
                                     PCN_PROGRAM_FLAG_OUTPUT, &err) == PCN_OK) {
        dense = evaluate(p, s, o, -1, 1);
        sparse = evaluate(p, s, o, 1, 2);
        if (dense && sparse && strcmp(dense, sparse) != 0) {
            fprintf(stderr, "fuzz_eval: chain: candidates differ from everyone\n%s\n%s\n%s\n",
                    text.buf, dense, sparse);
            abort();
        }
    }
    pcn_free(dense);
    pcn_free(sparse);
    pcn_program_free(p);
    pcn_buf_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pcn_snapshot *snap;
    static const int32_t as_of[] = {AS_OF, AS_OF - 365, AS_OF - 1, AS_OF + 30};
    static const unsigned by[] = {0, PCN_BY_PRACTICE, PCN_BY_AGE | PCN_BY_SEX,
                                  PCN_BY_ETHNICITY | PCN_BY_IMD};
    struct pcn_eval_options o = {0};
    struct pcn_program *p;
    struct pcn_error err;
    char *text, *got[4] = {NULL};

    if (size < 1)
        return 0;
    if (!snap)
        snap = population(); /* built once, read-only: shared by every input */
    o.as_of = as_of[data[0] & 3];
    o.by = by[(data[0] >> 2) & 3];
    o.suppress = (data[0] & 0x10) ? 5 : 0;
    o.max_rows = (data[0] & 0x20) ? 7 : 0;
    text = pcn_malloc(sizeof(prelude) + size);
    p = pcn_program_new();
    if (!text || !p)
        goto out;
    memcpy(text, prelude, sizeof(prelude) - 1);
    memcpy(text + sizeof(prelude) - 1, data + 1, size - 1);
    if (pcn_program_load_string(p, "fuzz.pcn", text, sizeof(prelude) - 1 + size - 1, "/nonexistent",
                                PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        goto out;
    got[0] = evaluate(p, snap, &o, -1, 1);
    got[1] = evaluate(p, snap, &o, 1, 1);
    got[2] = evaluate(p, snap, &o, 1, 3);
    got[3] = evaluate(p, snap, &o, 0, 2);
    if (got[0] && strncmp(got[0], "error ", 6) != 0) {
        json_error_t jerr;
        json_t *doc = json_loads(got[0], 0, &jerr);
        if (!doc) {
            fprintf(stderr, "fuzz_eval: not JSON (%s at %d): %s\n", jerr.text, jerr.position,
                    got[0]);
            abort();
        }
        check_alone(p, snap, &o, json_object_get(doc, "results"));
        json_decref(doc);
    }
    for (int k = 1; k < 4; k++) {
        if (got[0] && got[k] && strcmp(got[0], got[k]) != 0) {
            fprintf(stderr,
                    "fuzz_eval: evaluation %d differs from visiting everyone\n"
                    "everyone: %s\n"
                    "this one: %s\n",
                    k, got[0], got[k]);
            abort();
        }
    }
out:
    for (int k = 0; k < 4; k++)
        pcn_free(got[k]);
    pcn_program_free(p);
    pcn_free(text);
    check_chain(snap, &o, data + 1, size - 1);
    return 0;
}
