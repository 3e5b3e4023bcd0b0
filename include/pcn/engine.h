/*
 * engine.h - the population health engine: an in-memory columnar snapshot
 * of the population, programs written in the definition language
 * (docs/definitions.md), their evaluation on an as-of date with
 * breakdowns, and the results rendered as a table, CSV or JSON.
 *
 * A snapshot is built once (from the store or record by record) and is
 * read-only afterwards: any number of evaluations may share it (its cache
 * of populations per as-of date and breakdown locks itself). A program
 * is compiled from text and is likewise reusable. Neither is thread-safe
 * while being built; a finished snapshot may be read by many threads, a
 * program is evaluated by one thread at a time.
 */
#ifndef PCN_ENGINE_H
#define PCN_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/profile.h"
#include "pcn/record.h"
#include "pcn/registry.h"
#include "pcn/table.h"

struct pcn_buf;
struct pcn_store;
struct pcn_snapshot;
struct pcn_program;
struct pcn_results;

/* ---- snapshot ---- */

/*
 * New empty snapshot. imd_path names a CSV with columns lsoa,imd_decile
 * (decile 1 = most deprived) used to derive IMD quintiles; NULL or a
 * missing file leaves every quintile unknown. Caller frees *ret with
 * pcn_snapshot_free().
 */
enum pcn_err pcn_snapshot_new(const char *imd_path, struct pcn_snapshot **ret);

/* Free a snapshot. NULL-safe. */
void pcn_snapshot_free(struct pcn_snapshot *s);

/* Record a practice's membership of a network (for the `network` variable). */
enum pcn_err pcn_snapshot_add_membership(struct pcn_snapshot *s, const struct pcn_membership *m);

/*
 * Add a patient under the caller's integer key. Keys must be added in
 * strictly increasing order (PCN_EINVAL otherwise), and every patient
 * before any of the records below. Strings are copied.
 */
enum pcn_err pcn_snapshot_add_patient(struct pcn_snapshot *s, int64_t key,
                                      const struct pcn_patient *p);

/* Add records of patient `key` (PCN_ENOTFOUND for an unknown key). */
enum pcn_err pcn_snapshot_add_event(struct pcn_snapshot *s, int64_t key, const struct pcn_event *e);
enum pcn_err pcn_snapshot_add_medication(struct pcn_snapshot *s, int64_t key,
                                         const struct pcn_medication *m);
enum pcn_err pcn_snapshot_add_immunisation(struct pcn_snapshot *s, int64_t key,
                                           const struct pcn_immunisation *i);

/*
 * Sort and index what was added. Must be called once before evaluation;
 * nothing may be added afterwards (PCN_EINVAL).
 */
enum pcn_err pcn_snapshot_finish(struct pcn_snapshot *s);

/* The data version this snapshot was built from (0 unless set). */
int64_t pcn_snapshot_data_version(const struct pcn_snapshot *s);
void pcn_snapshot_set_data_version(struct pcn_snapshot *s, int64_t version);

/*
 * The identity of the database it was built from (its PCN_META_DATABASE_ID),
 * "" unless set; set truncates to PCN_SNAPSHOT_SOURCE_MAX - 1 bytes. With
 * the data version it tells whether a saved snapshot is this database's
 * current population.
 */
#define PCN_SNAPSHOT_SOURCE_MAX 64
const char *pcn_snapshot_source(const struct pcn_snapshot *s);
void pcn_snapshot_set_source(struct pcn_snapshot *s, const char *id);

/*
 * The date of the latest event, medication or immunisation added, or
 * PCN_DATE_NONE if there is none: when the data were extracted (or, for a
 * synthetic twin, its as-of date). The default as-of date of analyses is
 * decided by the store (pcn_store_default_as_of()), from the same records.
 */
int32_t pcn_snapshot_last_date(const struct pcn_snapshot *s);

/* Sizes, for summaries and benchmarks. */
size_t pcn_snapshot_patient_count(const struct pcn_snapshot *s);
size_t pcn_snapshot_event_count(const struct pcn_snapshot *s);
/* Bytes of memory held by the finished snapshot (approximate). */
size_t pcn_snapshot_memory(const struct pcn_snapshot *s);

/*
 * Build a finished snapshot from every patient, event, medication,
 * immunisation and membership in the store, recording its data version
 * and the database's identity. The IMD table is
 * <data dir>/data/reference/lsoa_imd2019.csv when present. Caller frees
 * *ret with pcn_snapshot_free().
 */
enum pcn_err pcn_snapshot_from_store(struct pcn_store *st, struct pcn_snapshot **ret,
                                     struct pcn_error *reterr);

/*
 * The same, stopped with PCN_ETIMEDOUT soon after *stop becomes non-zero
 * (another thread sets it; checked every 16,384 records). stop may be NULL.
 */
enum pcn_err pcn_snapshot_from_store_until(struct pcn_store *st, const atomic_int *stop,
                                           struct pcn_snapshot **ret, struct pcn_error *reterr);

/* How pcn_snapshot_for_store() got the population. */
enum pcn_snapshot_origin {
    PCN_SNAPSHOT_WALKED, /* walked from the store: pcn_snapshot_keep() saves it for next time */
    PCN_SNAPSHOT_LOADED, /* loaded from the file: same database, same data version */
};

/*
 * The store's current population, the quickest way: from the snapshot file
 * at path (may be NULL: none) when it was saved from this database at its
 * current data version, else walked from the store (stop as in
 * pcn_snapshot_from_store_until()). Call inside a read transaction so that
 * the version and the walk agree. A walked snapshot is not saved here: the
 * caller may put it to use first, then call pcn_snapshot_keep().
 */
enum pcn_err pcn_snapshot_for_store(struct pcn_store *st, const char *path, const atomic_int *stop,
                                    struct pcn_snapshot **ret, enum pcn_snapshot_origin *ret_origin,
                                    struct pcn_error *reterr);

/*
 * Save a walked snapshot to path for pcn_snapshot_for_store() to load next
 * time. A snapshot of a database without an identity (schema before 4,
 * opened read-only since) could never be matched, so it is not saved:
 * PCN_EVERSION, saying so. A failed save costs only the next start its
 * speed; callers report it as a warning. Reads s only: other threads may
 * evaluate it meanwhile.
 */
enum pcn_err pcn_snapshot_keep(const struct pcn_snapshot *s, const char *path,
                               struct pcn_error *reterr);

/*
 * Save a finished snapshot to path (one binary file, native byte order),
 * and load it back: the fast start that skips the store walk. The file
 * records the data version and the database's identity; compare them with
 * the store's (pcn_snapshot_for_store() does) to know whether it is
 * current. Saving writes a temporary file beside path (mode 0600: it holds
 * patient-level data) and renames it over path, so a reader never sees half
 * a file. Loading validates every index
 * in the file (PCN_EPARSE for a damaged file or another format version).
 * Caller frees the loaded snapshot with pcn_snapshot_free().
 */
enum pcn_err pcn_snapshot_save(const struct pcn_snapshot *s, const char *path,
                               struct pcn_error *reterr);
enum pcn_err pcn_snapshot_load(const char *path, struct pcn_snapshot **ret,
                               struct pcn_error *reterr);

/*
 * The make-up of each practice's registered population on as_of (those
 * registered and alive that day, as in a report): ret[i] gets the profile
 * of practices[i] (n of them), by sex and single year of age, ethnic group
 * and deprivation quintile; a practice without patients in the snapshot
 * gets an empty profile (has 0: not known). One pass over the patients.
 * PCN_EINVAL for an unfinished snapshot or no as-of date.
 */
enum pcn_err pcn_snapshot_profiles(const struct pcn_snapshot *s, int32_t as_of,
                                   const char *const *practices, size_t n, struct pcn_profile *ret);

/* ---- programs ---- */

enum pcn_program_flags {
    /* Definitions from this source are reported by evaluation. */
    PCN_PROGRAM_FLAG_OUTPUT = 1 << 0,
};

/* New empty program. Caller frees with pcn_program_free(). NULL on ENOMEM. */
struct pcn_program *pcn_program_new(void);
void pcn_program_free(struct pcn_program *p);

/*
 * Compile definitions from text (name is used in messages). On a syntax,
 * name or type error returns PCN_EPARSE with *reterr holding
 * "NAME:LINE:COL: message", the line and a ^~~~ underline (lines separated
 * by '\n'); the program keeps the statements before the failing one.
 * Code list paths are relative to base_dir (NULL: the current directory).
 */
enum pcn_err pcn_program_load_string(struct pcn_program *p, const char *name, const char *text,
                                     size_t len, const char *base_dir, unsigned flags,
                                     struct pcn_error *reterr);
/* Compile one file; code list paths are relative to its directory. */
enum pcn_err pcn_program_load_file(struct pcn_program *p, const char *path, unsigned flags,
                                   struct pcn_error *reterr);
/* Compile every *.pcn file of a directory in name order. */
enum pcn_err pcn_program_load_dir(struct pcn_program *p, const char *dir, unsigned flags,
                                  struct pcn_error *reterr);

/*
 * Mark definitions for output by name: a definition name, or a kind
 * ("registers", "indicators", "scores", "segments", "worklists", "all").
 * Selecting clears the flags given at load. PCN_ENOTFOUND (with a
 * suggestion in *reterr) when nothing matches.
 */
enum pcn_err pcn_program_select(struct pcn_program *p, const char *name, struct pcn_error *reterr);

/* Number of definitions marked for output. */
size_t pcn_program_output_count(const struct pcn_program *p);

/* Number of definitions (registers, indicators, scores, segments, worklists). */
size_t pcn_program_def_count(const struct pcn_program *p);

/*
 * Definition i (in definition order): its kind ("register", "indicator",
 * "score", "segment", "worklist"), name and title. Borrowed; valid while
 * the program lives. PCN_ENOTFOUND past the end.
 */
enum pcn_err pcn_program_def_info(const struct pcn_program *p, size_t i, const char **ret_kind,
                                  const char **ret_name, const char **ret_title);

/* ---- evaluation ---- */

enum pcn_by_flags {
    PCN_BY_PRACTICE = 1 << 0,
    PCN_BY_NETWORK = 1 << 1,
    PCN_BY_AGE = 1 << 2,
    PCN_BY_SEX = 1 << 3,
    PCN_BY_IMD = 1 << 4,
    PCN_BY_ETHNICITY = 1 << 5,
};

/* Parse "practice,age,..." into PCN_BY_* flags; PCN_EINVAL naming the bad word in *reterr. */
enum pcn_err pcn_by_parse(const char *list, unsigned *ret, struct pcn_error *reterr);

struct pcn_eval_options {
    int32_t as_of; /* day number; required */
    unsigned by;   /* PCN_BY_* flags */
    int suppress;  /* 0: none; N: counts 1..N-1 shown as <N */
    int max_rows;  /* worklist rows kept per worklist; 0: unlimited */
    int threads;   /* 0: one per CPU for large populations; N: exactly N (max 64) */
    /*
     * Which patients to visit (docs/internals/engine.md, "Sparse
     * evaluation"): 0, only those the definitions can count when they are
     * few enough to be quicker; 1, only those whenever the definitions
     * allow; -1, every patient. The results are the same; tests and
     * benchmarks compare them.
     */
    int sparse;
    /*
     * 0: none; else a pcn_monotonic_usec() instant: evaluation stops with
     * PCN_ETIMEDOUT at the first chunk of 1,024 patients (per thread) or
     * code list begun after it.
     */
    int64_t deadline;
};

/*
 * Evaluate the program's output definitions over the snapshot. Caller
 * frees *ret with pcn_results_free(); the results borrow the program and
 * the snapshot, which must outlive them. PCN_ETIMEDOUT (nothing returned)
 * when o->deadline passes.
 */
enum pcn_err pcn_program_eval(struct pcn_program *p, const struct pcn_snapshot *s,
                              const struct pcn_eval_options *o, struct pcn_results **ret,
                              struct pcn_error *reterr);

void pcn_results_free(struct pcn_results *r);

/*
 * Patients the evaluation visited: all of the snapshot's, or fewer when it
 * was evaluated sparse (struct pcn_eval_options, sparse). For --timing.
 */
size_t pcn_results_visited(const struct pcn_results *r);

/* Append the results to out in the format (schema in docs/definitions.md). */
enum pcn_err pcn_results_render(const struct pcn_results *r, enum pcn_format f,
                                struct pcn_buf *out);

/*
 * One figure of the total group of a definition, unsuppressed: measure is
 * "population", "count", "denominator", "numerator", "excluded", "rows",
 * or a band or segment label. PCN_ENOTFOUND when there is no such figure.
 */
enum pcn_err pcn_results_total(const struct pcn_results *r, const char *name, const char *measure,
                               int64_t *ret);

/*
 * Value of a worklist cell, for tests: row (in output order), column index
 * (0-based, as declared). Dates are day numbers; nulls give PCN_ENOTFOUND.
 */
enum pcn_err pcn_results_cell(const struct pcn_results *r, const char *name, size_t row, size_t col,
                              double *ret);

#endif /* PCN_ENGINE_H */
