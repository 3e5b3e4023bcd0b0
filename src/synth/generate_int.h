/*
 * generate_int.h - internals shared by generate.c and generate_bundle.c:
 * the plan of practices a selection covers and generation of a contiguous
 * range of it, so a run can be split across threads and still give the
 * same output as one serial run.
 */
#ifndef PCN_SYNTH_GENERATE_INT_H
#define PCN_SYNTH_GENERATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/generate.h"

/* The first 9-digit candidate for NHS numbers (the 999 test range). */
#define PCN_GEN_NHS_FIRST 999000000ULL

/*
 * Practices (indices into the reference data) of a real selection, in
 * generation order. Caller frees *ret_plan with pcn_free(). NULL and 0 for
 * an invented network. PCN_ENOTFOUND for an unknown code.
 */
enum pcn_err pcn__gen_plan(const struct pcn_refdata *ref, const struct pcn_gen_options *o,
                           uint32_t **ret_plan, size_t *ret_n, struct pcn_error *reterr);

/* People (registered, left, died) generated for a practice. */
size_t pcn__gen_practice_people(const struct pcn_refdata *ref, uint32_t practice);

/* The NHS number candidate after issuing n numbers from candidate next. */
uint64_t pcn__gen_nhs_advance(uint64_t next, size_t n);

/*
 * Generate plan[from..to) (or the invented network when plan is NULL) with
 * NHS numbers starting at candidate nhs_next. Terms are written once per
 * call.
 */
enum pcn_err pcn__gen_range(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                            const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                            const uint32_t *plan, size_t from, size_t to, uint64_t nhs_next,
                            struct pcn_gen_stats *ret_stats, struct pcn_error *reterr);

#endif /* PCN_SYNTH_GENERATE_INT_H */
