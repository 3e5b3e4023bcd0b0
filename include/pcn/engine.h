/*
 * engine.h - the population health engine: an in-memory columnar snapshot
 * of the population, programs written in the definition language
 * (docs/definitions.md), their evaluation on an as-of date with
 * breakdowns, and the results rendered as a table, CSV or JSON.
 *
 * Thread safety. A snapshot is built by one thread (from the store or
 * record by record) and is read-only once finished: any number of threads
 * may evaluate on it at once. Its caches (populations per as-of date and
 * breakdown, each code list's events merged into one index) are built on
 * first use under the snapshot's own locks and die with it. A program is
 * built by one thread (pcn_program_load_*(), pcn_program_select()); once
 * built it is never written again: pcn_program_eval() takes it const and
 * keeps everything an evaluation decides (its output definitions, the
 * nodes they need, code-list indexes, strings of the snapshot) in the
 * evaluation and its results, so any number of threads may evaluate one
 * program at once, on one snapshot or several. Results are read-only:
 * many threads may read and render one result set. Nothing here may be
 * freed while another thread still uses it (results borrow their program
 * and snapshot).
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
 * A contact (appointment) of patient `key`: its date, role, mode,
 * attendance, clinician and days from booking, what contacts() and
 * continuity() read (docs/definitions.md, "Contacts").
 */
enum pcn_err pcn_snapshot_add_encounter(struct pcn_snapshot *s, int64_t key,
                                        const struct pcn_encounter *e);

/*
 * Sort and index what was added. Must be called once before evaluation;
 * nothing may be added afterwards (PCN_EINVAL).
 */
enum pcn_err pcn_snapshot_finish(struct pcn_snapshot *s);

/* The data version this snapshot was built from (0 unless set). */
int64_t pcn_snapshot_data_version(const struct pcn_snapshot *s);
void pcn_snapshot_set_data_version(struct pcn_snapshot *s, int64_t version);

/*
 * The identity of the data it was built from, "" unless set; set truncates
 * to PCN_SNAPSHOT_SOURCE_MAX - 1 bytes. From a store:
 * "DATABASE_ID:GENERATION", the database's PCN_META_DATABASE_ID and its
 * data's PCN_META_DATA_GENERATION, a random id written by every commit
 * that changes data. With the data version it tells whether a saved
 * snapshot is this database's current population, even after a backup was
 * restored or the database copied and then imported into (the version
 * alone would match another state of the data).
 */
#define PCN_SNAPSHOT_SOURCE_MAX 80
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
/*
 * Compile one file whose code list paths are relative to base_dir, the
 * definitions folder it belongs to (a file in a subfolder of the library,
 * such as defs/calibration/twin.pcn, naming the library's code lists).
 */
enum pcn_err pcn_program_load_file_in(struct pcn_program *p, const char *path, const char *base_dir,
                                      unsigned flags, struct pcn_error *reterr);
/* Compile every *.pcn file of a directory in name order. */
enum pcn_err pcn_program_load_dir(struct pcn_program *p, const char *dir, unsigned flags,
                                  struct pcn_error *reterr);

/*
 * Set the program's default selection, the definitions an evaluation
 * reports when its options name none: a definition name, or a kind
 * ("registers", "indicators", "scores", "segments", "worklists", "all").
 * Selecting replaces the flags given at load. Part of building the
 * program: not while other threads evaluate it (they choose with
 * pcn_eval_options.select instead). PCN_ENOTFOUND (with a suggestion in
 * *reterr, the selection unchanged) when nothing matches.
 */
enum pcn_err pcn_program_select(struct pcn_program *p, const char *name, struct pcn_error *reterr);

/*
 * How many definitions a name or kind (as pcn_program_select()) selects,
 * into *ret_count (may be NULL); PCN_ENOTFOUND with a suggestion in
 * *reterr when none. Reads only: safe beside evaluations.
 */
enum pcn_err pcn_program_match(const struct pcn_program *p, const char *name, size_t *ret_count,
                               struct pcn_error *reterr);

/* Number of definitions in the default selection. */
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
    /*
     * 0: counts shown exactly; N: every count shown (not withheld) rounded
     * to the nearest multiple of N, halves up, and percents computed from
     * the rounded counts, so that no figure can be subtracted from another
     * to give an exact small count (disclosure control, docs/api.md).
     */
    int round;
    int max_rows; /* worklist rows kept per worklist; 0: unlimited */
    int threads;  /* 0: one per CPU for large populations; N: exactly N (max 64) */
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
    /*
     * The definitions to report: n_select names or kinds, as
     * pcn_program_select() takes them (the union of what each selects);
     * NULL or 0: the program's default selection. Borrowed for the call.
     */
    const char *const *select;
    size_t n_select;
};

/*
 * Evaluate the selected definitions (o->select, else the program's default
 * selection) over the snapshot. The program is only read (see the thread
 * safety note above). Caller frees *ret with pcn_results_free(); the
 * results borrow the program and the snapshot, which must outlive them.
 * PCN_ENOTFOUND (with a suggestion in *reterr) when a word of o->select
 * selects nothing; PCN_ETIMEDOUT (nothing returned) when o->deadline
 * passes.
 */
enum pcn_err pcn_program_eval(const struct pcn_program *p, const struct pcn_snapshot *s,
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

/*
 * ---- typed results ----
 *
 * Results are read the way SQLite's statements are stepped: find a
 * definition's result, then step through its breakdown groups reading
 * each measure as a typed value, or select rows of a patient-level result
 * (a worklist) with a filter, an order and a page into a result table
 * (pcn/table.h) that fmt renders as text, CSV or JSON. Rendering
 * (pcn_results_render()) is one consumer of the same accessors. Every
 * pointer returned is borrowed from the results and valid while they live;
 * results are read-only, so threads may read one set at once.
 */

/* One definition's result within a struct pcn_results. */
struct pcn_result;

enum pcn_result_kind {
    PCN_RESULT_REGISTER,
    PCN_RESULT_INDICATOR,
    PCN_RESULT_SCORE,
    PCN_RESULT_SEGMENT,
    PCN_RESULT_WORKLIST, /* patient-level: rows, no groups */
};

/* The results' definitions, in definition order. */
size_t pcn_results_count(const struct pcn_results *r);
/* Result i (NULL past the end). */
const struct pcn_result *pcn_results_at(const struct pcn_results *r, size_t i);
/* The result of the definition `name`, or NULL when it was not evaluated. */
const struct pcn_result *pcn_results_find(const struct pcn_results *r, const char *name);

/* What the results were evaluated with: the as-of day, PCN_BY_* flags, suppression. */
int32_t pcn_results_as_of(const struct pcn_results *r);
unsigned pcn_results_by(const struct pcn_results *r);
int pcn_results_suppress(const struct pcn_results *r);

/* Bytes the results hold (approximate), for caches that bound their size. */
size_t pcn_results_memory(const struct pcn_results *r);

enum pcn_result_kind pcn_result_kind(const struct pcn_result *res);
/* "register", "indicator", "score", "segment" or "worklist". */
const char *pcn_result_kind_name(const struct pcn_result *res);
const char *pcn_result_name(const struct pcn_result *res);
const char *pcn_result_title(const struct pcn_result *res);

/*
 * Render one result into out in format f: a text block, its lines of the
 * long CSV (no header), or its JSON object (schema in docs/definitions.md).
 * pcn_results_render() is the header, each result, and the closing; a
 * caller assembling its own document (the API pages the results) uses
 * these, with pcn_results_render_head() for the JSON header
 * ({"as_of", "by", "suppress", "results": [ ... without the closing).
 */
enum pcn_err pcn_result_render(const struct pcn_results *r, const struct pcn_result *res,
                               enum pcn_format f, struct pcn_buf *out);
enum pcn_err pcn_results_render_head(const struct pcn_results *r, struct pcn_buf *out);

/* ---- groups: aggregates (not worklists) ---- */

/*
 * The measures of each group of an aggregate result, in output order:
 * register population, count, percent; indicator denominator, numerator,
 * excluded, percent; score population, mean, one per band, "(none)";
 * segment population, one per segment, "(none)". 0 for a worklist.
 */
size_t pcn_result_measure_count(const struct pcn_result *res);
/* Name of measure m (NULL past the end). */
const char *pcn_result_measure_name(const struct pcn_results *r, const struct pcn_result *res,
                                    size_t m);
/* Whether measure m is a count (else a percent or mean). */
int pcn_result_measure_is_count(const struct pcn_result *res, size_t m);

/* A cursor over the groups of a result: caller-owned, fields private. */
struct pcn_group_iter {
    const struct pcn_results *r;
    const struct pcn_result *res;
    size_t next;  /* private */
    size_t group; /* private: SIZE_MAX is the total */
};

/* Start at the groups of res (an aggregate of r). */
void pcn_group_iter_init(struct pcn_group_iter *it, const struct pcn_results *r,
                         const struct pcn_result *res);
/*
 * Step to the next group: 1 on a group, 0 at the end. The total over all
 * groups comes first; then, when the results are broken down, each group
 * with anyone in its population, in key order (practices by code).
 */
int pcn_group_iter_next(struct pcn_group_iter *it);
int pcn_group_is_total(const struct pcn_group_iter *it);
/*
 * The group's key on a breakdown dimension (one PCN_BY_* flag): a
 * practice or network code ("(none)" for none), an age band, a sex
 * letter, an IMD quintile 1-5 or "unknown", an ethnic group. NULL for the
 * total and for dimensions the results are not broken down by.
 */
const char *pcn_group_key(const struct pcn_group_iter *it, unsigned by);
/*
 * Measure m of the group, unsuppressed: counts exactly, a percent or mean
 * as computed (not rounded). PCN_ENOTFOUND when it is undefined (a ratio
 * over nobody, a mean over values too large to sum) or m is past the end.
 */
enum pcn_err pcn_group_value(const struct pcn_group_iter *it, size_t m, double *ret);
/* A count measure as an integer; PCN_EINVAL for a percent or mean. */
enum pcn_err pcn_group_count(const struct pcn_group_iter *it, size_t m, int64_t *ret);
/* Whether measure m is withheld by the results' small-number suppression. */
int pcn_group_is_suppressed(const struct pcn_group_iter *it, size_t m);

/*
 * The result as a table (kind: the result's kind): an aggregate's groups
 * (a text column per breakdown dimension, "(all)" in the total's row,
 * then one column per measure: counts as integers, withheld ones "<N",
 * percents with 2 decimals, means with 4, undefined ones null), or a
 * worklist's rows in output order (patient_id, practice, then its
 * columns). The cells are the text the renderers print. Caller frees *ret
 * with pcn_table_free().
 */
enum pcn_err pcn_result_table(const struct pcn_results *r, const struct pcn_result *res,
                              struct pcn_table **ret);

/* ---- rows: worklists ---- */

/* What a worklist column holds. */
enum pcn_value_type {
    PCN_VALUE_NUMBER,
    PCN_VALUE_DATE, /* day numbers; YYYY-MM-DD in tables */
    PCN_VALUE_TEXT,
    PCN_VALUE_BOOL,
};

/* The columns a worklist declares (patient_id and practice are not among them). */
size_t pcn_result_column_count(const struct pcn_result *res);
/* Title of column i (NULL past the end). */
const char *pcn_result_column_name(const struct pcn_results *r, const struct pcn_result *res,
                                   size_t i);
enum pcn_value_type pcn_result_column_type(const struct pcn_results *r,
                                           const struct pcn_result *res, size_t i);
/* Index of the column titled name, or -1. */
long pcn_result_column_index(const struct pcn_results *r, const struct pcn_result *res,
                             const char *name);
/* Rows of a worklist (after max_rows). */
size_t pcn_result_row_count(const struct pcn_result *res);

/* Orders other than by a column: the worklist's own (practice, then patient_id), or by one key. */
#define PCN_ROWS_IN_ORDER (-3L)
#define PCN_ROWS_BY_PATIENT_ID (-2L)
#define PCN_ROWS_BY_PRACTICE (-1L)

enum pcn_row_flags {
    /* the table's first column is "key": each patient's key in the snapshot (the store's) */
    PCN_ROWS_FLAG_KEY = 1 << 0,
};

/*
 * Which rows of a worklist to select, in what order, which page. Start
 * from pcn_row_query_init() (every row, in the worklist's order) and set
 * members.
 */
struct pcn_row_query {
    const char *practice; /* a practice code: its patients only; NULL: every practice */
    const char *text;     /* patients whose patient_id contains it, in any case; NULL: all */
    long range_col;       /* a column index: rows with a value in [min, max]; -1: none */
    int has_min, has_max; /* which bounds apply (inclusive) */
    double min, max;      /* numbers; for a date column, day numbers */
    long sort_col;        /* PCN_ROWS_IN_ORDER, PCN_ROWS_BY_PATIENT_ID, _PRACTICE or a column */
    int descending;       /* nulls come last either way; ties go by patient_id */
    size_t offset, limit; /* the page of the rows that pass; limit 0: all of them */
    unsigned flags;       /* PCN_ROWS_FLAG_* */
};

void pcn_row_query_init(struct pcn_row_query *q);

/*
 * Select rows of worklist res: those that pass q's filters, sorted, the
 * page from q->offset (at most q->limit) into a table of kind "worklist"
 * with columns [key,] patient_id, practice, then the worklist's columns
 * (numbers, dates as YYYY-MM-DD text, text, booleans), which
 * pcn_table_render() writes as text, CSV or JSON. *ret_total (may be NULL)
 * gets the number of rows that pass. PCN_EINVAL for a result that is not
 * a worklist or a column out of range. Caller frees *ret with
 * pcn_table_free().
 */
enum pcn_err pcn_result_select(const struct pcn_results *r, const struct pcn_result *res,
                               const struct pcn_row_query *q, struct pcn_table **ret,
                               size_t *ret_total);

#endif /* PCN_ENGINE_H */
