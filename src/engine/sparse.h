/*
 * sparse.h - which patients an evaluation may skip (internal to the engine).
 *
 * Most definitions count only people with some record: a register of
 * diabetes counts no one without a diabetes code, an indicator no one
 * outside its denominator. The planner proves this from the program: a
 * node's "support" is a few code lists such that a patient with no event
 * in any of them, on any date, gets a known empty value from the node
 * (exactly 0, or null). When every output definition counts only patients
 * for whom a node with such a support is true, patients outside the union
 * of those supports cannot change a figure or a worklist row, and the
 * evaluation visits only the others (the candidates), in patient order.
 */
#ifndef PCN_ENGINE_SPARSE_H
#define PCN_ENGINE_SPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine_int.h"
#include "pcn/error.h"

/* The candidates of an evaluation. */
struct sparse_plan {
    const uint32_t *cand; /* sorted distinct patients; NULL: visit everyone */
    uint32_t n_cand;
    uint32_t *owned; /* cand when it was built for this plan (else a code list index's) */
};

/*
 * Plan the program's output definitions on the snapshot: the candidates
 * are the patients with an event in the code lists their supports name.
 * mk holds the evaluation's output definitions, needed nodes and every
 * needed code list's index on s; the lists' distinct patients are built
 * (in the snapshot's cache) when needed. n_nodes is the number of nodes
 * evaluated per patient.
 * plan->cand is NULL when some output counts patients without any event,
 * or, unless always is set, when the candidates are so many that visiting
 * everyone is quicker.
 * Free with pcn__sparse_plan_release().
 */
enum pcn_err pcn__sparse_plan(const struct pcn_program *p, const struct pcn_snapshot *s,
                              const struct eval_marks *mk, size_t n_nodes, bool always,
                              struct sparse_plan *plan);
void pcn__sparse_plan_release(struct sparse_plan *plan);

#endif /* PCN_ENGINE_SPARSE_H */
