/*
 * population.h - the engine's shared state in the server (internal): the
 * compiled definitions (definitions.c), the population snapshot with its
 * warm-up and refresh thread, and the results evaluated on it
 * (population.c). Handlers (api_reports.c, api_worklists.c,
 * patient_registers.c) ask for a program and for results, and only read
 * them: everything here is shared by the workers and reference-counted,
 * so nothing is freed while a request still reads it.
 */
#ifndef PCN_SERVER_POPULATION_H
#define PCN_SERVER_POPULATION_H

#include <stdbool.h>
#include <stdint.h>

#include "pcn/engine.h"
#include "server/server_int.h"

/* ---- the definitions (definitions.c) ---- */

struct pcn__defs;        /* the definitions folder and its current program */
struct pcn__program_ref; /* a compiled program, held */

/* The definitions in folder dir (copied), compiled on first use. Free with pcn__defs_free(). */
enum pcn_err pcn__defs_new(const char *dir, struct pcn__defs **ret);
/* NULL-safe; programs still held live until their last release. */
void pcn__defs_free(struct pcn__defs *d);

/*
 * The program of the definitions' current version, held for the caller
 * (release with pcn__program_release()). The folder is looked at no more
 * than once a second and compiled again only when a file under it
 * changed; a version that does not compile keeps the previous one (and is
 * logged). *err says why when there is no program at all.
 */
enum pcn_err pcn__defs_program(struct pcn__defs *d, struct pcn__program_ref **ret,
                               struct pcn_error *err);
/* Another hold on p (for what keeps it beyond a request); returns p. */
struct pcn__program_ref *pcn__program_hold(struct pcn__program_ref *p);
void pcn__program_release(struct pcn__program_ref *p);
const struct pcn_program *pcn__program_of(const struct pcn__program_ref *p);
/* 1, 2, ...: which compile of the folder (results of one version never serve another). */
uint64_t pcn__program_version(const struct pcn__program_ref *p);
/*
 * The version of the definitions now (looked at as pcn__defs_program()
 * does; 0 when they cannot be compiled), for caches of answers that depend
 * on them.
 */
uint64_t pcn__defs_current(struct pcn__defs *d);
/* The current version (0: none yet) and how many times the folder was compiled. */
void pcn__defs_stats(struct pcn__defs *d, uint64_t *ret_version, uint64_t *ret_compiles);

/* ---- the engine state (population.c) ---- */

/*
 * The engine's shared state: definitions from defs_dir (NULL or "": the
 * data directory's), the population snapshot kept in snapshot_file across
 * restarts (NULL or "": none). pcn__engine_free() stops a warm-up and
 * waits for it.
 */
enum pcn_err pcn__engine_new(const char *defs_dir, const char *snapshot_file,
                             struct pcn__engine **ret);
void pcn__engine_free(struct pcn__engine *e);
/*
 * Compile the definitions and prepare the snapshot of the current data in
 * a background thread (its own store handle on db), so the first report
 * does not wait for them; then, every refresh_usec (0: never), look at the
 * data version and prepare the new data's snapshot when it changed.
 */
enum pcn_err pcn__engine_warm(struct pcn__engine *e, const char *db, int64_t refresh_usec);
/*
 * The population snapshot against the store's data version: "ready" (the
 * current one is of this version), "preparing" (a build is running),
 * "stale" (an older one, nothing building) or "none"; *ret_version is the
 * current snapshot's data version (-1 for none).
 */
const char *pcn__engine_state(struct pcn__engine *e, int64_t version, int64_t *ret_version);
/* The definitions (for their version and compile count). */
struct pcn__defs *pcn__engine_defs(struct pcn__engine *e);

/*
 * The evaluation options of a request: as_of (default: the store's default
 * date) and by parameters, suppression for aggregate-only roles, one
 * thread (the workers are the parallelism), the request's deadline.
 * Replies 400 and returns false when a parameter is bad.
 */
bool pcn__query_eval_options(struct pcn__request *r, struct pcn_eval_options *o);
/* A name that may be a definition's: 1 to 64 of [a-z0-9_]. */
bool pcn__name_is_plain(const char *s);

/*
 * The current program for request r, held until the request ends. NULL
 * after replying (500 when the definitions cannot be compiled, 503 when
 * out of memory).
 */
struct pcn__program_ref *pcn__request_program(struct pcn__request *r);

/*
 * The results of evaluating `select` (a definition or kind) of program p
 * with options o on the population of the request's data version: from the
 * results kept with that population when this (program version, select,
 * as_of, by, suppress) was evaluated before, else evaluated now (under the
 * request's deadline) and kept. Read-only; held until the request ends.
 * NULL after replying (404 for a select naming nothing, 503 on timeout or
 * out of memory, 500 otherwise).
 */
const struct pcn_results *pcn__request_results(struct pcn__request *r, struct pcn__program_ref *p,
                                               const char *select,
                                               const struct pcn_eval_options *o);

/*
 * The make-up of practices' registered populations from the population
 * snapshot of the request's data version (built if needed), for the
 * patient partnership routes: a pcn_ppg_profiles_fn whose ud is the
 * request.
 */
struct pcn_profile;
enum pcn_err pcn__request_profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                                   struct pcn_profile *ret);

/*
 * The registers of the standard library that patient `key` is on as of
 * as_of: a JSON array of {"name", "title"} (caller owns *ret). Evaluated
 * on a one-patient snapshot read from the request's store
 * (patient_registers.c).
 */
enum pcn_err pcn__patient_registers(struct pcn__request *r, int64_t key, int32_t as_of,
                                    json_t **ret);

#endif /* PCN_SERVER_POPULATION_H */
