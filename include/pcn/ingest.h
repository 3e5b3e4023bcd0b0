/*
 * ingest.h - population record import: the native CSV bundle
 * (docs/formats.md), Synthea CSV exports and FHIR R4 (Bundle JSON files and
 * bulk-data NDJSON). An importer parses its inputs, validates every record
 * (required fields, dates, NHS number check digits, references to patients
 * of the same import) and forwards the good ones to a sink (record.h),
 * normally the store sink inside one store transaction.
 *
 * Errors name the place at fault: "FILE:LINE: message" for CSV and NDJSON,
 * "FILE: entry N (JSONPATH): message" for FHIR Bundles. With max_errors 0
 * the first bad record stops the import; with max_errors N > 0 bad records
 * are passed to the reject callback and skipped, and the (N+1)th stops it.
 * The caller then rolls the transaction back, so nothing of an aborted
 * import survives. Not thread-safe; one importer per thread.
 */
#ifndef PCN_INGEST_H
#define PCN_INGEST_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/record.h"

struct pcn_buf;
struct pcn_store;

enum pcn_import_format {
    PCN_IMPORT_CSV = 0, /* native CSV bundle directory */
    PCN_IMPORT_SYNTHEA, /* Synthea CSV export directory */
    PCN_IMPORT_FHIR,    /* FHIR R4 Bundle .json files, .ndjson files, or directories of them */
};

/* Parse "csv", "synthea" or "fhir". PCN_EINVAL otherwise. */
enum pcn_err pcn_import_format_parse(const char *s, enum pcn_import_format *ret);

/*
 * Called once per rejected record (max_errors > 0): where is "FILE:LINE" or
 * "FILE: entry N", reason the message. Both borrowed for the call.
 */
typedef void (*pcn_import_reject_fn)(void *ud, const char *where, const char *reason);

/* Progress: bytes done and total of the current input file (total 0 if unknown). */
typedef void (*pcn_import_progress_fn)(void *ud, const char *file, unsigned long long done,
                                       unsigned long long total);

struct pcn_import_opts {
    enum pcn_import_format format;
    const char *practice;            /* Synthea/FHIR: practice ODS code given to every patient */
    long max_errors;                 /* bad records tolerated (0: first error aborts) */
    pcn_import_reject_fn reject;     /* may be NULL */
    pcn_import_progress_fn progress; /* may be NULL */
    void *ud;                        /* passed to reject and progress */
};

/* Counters of one import; read-only for callers. */
struct pcn_import_stats {
    int64_t rows_read; /* CSV rows / FHIR resources read */
    int64_t patients;  /* records passed on to the sink, by kind */
    int64_t events;
    int64_t medications;
    int64_t immunisations;
    int64_t encounters;
    int64_t terms;
    int64_t rejected; /* bad records (max_errors > 0) */
    int64_t skipped;  /* records or resources deliberately not imported */
    int64_t mapped;   /* codes mapped to SNOMED CT (orig_system kept) */
    int64_t warnings; /* records imported though implausible (by reason in the summary) */
    /* patients of an earlier import replaced, and their clinical records the replacement
     * removed (pcn_importer_set_replaced(): the store knows, after commit) */
    int64_t patients_replaced;
    int64_t records_removed;
    int64_t bytes; /* input bytes read */
};

struct pcn_importer;

/*
 * New importer writing into sink (borrowed; must outlive the importer).
 * A sink whose callbacks are all NULL validates only (--dry-run). opts is
 * copied; opts->practice is copied. Caller frees with pcn_importer_free().
 */
enum pcn_err pcn_importer_new(const struct pcn_import_opts *opts, const struct pcn_sink *sink,
                              struct pcn_importer **ret);

/* Free; NULL-safe. */
void pcn_importer_free(struct pcn_importer *imp);

/*
 * Import paths[0..n_paths) in the importer's format. CSV and Synthea take
 * one directory; FHIR takes files and directories (every *.json and
 * *.ndjson inside, Patient NDJSON files first). Records of several calls
 * share one patient namespace. PCN_OK, or the error that stopped the
 * import with *reterr naming the place.
 */
enum pcn_err pcn_importer_run(struct pcn_importer *imp, const char *const *paths, size_t n_paths,
                              struct pcn_error *reterr);

/* The counters so far. Borrowed; valid while imp lives. */
const struct pcn_import_stats *pcn_importer_stats(const struct pcn_importer *imp);

/* Record for the summary what the store's commit replaced (pcn_store_tx_stats()). */
void pcn_importer_set_replaced(struct pcn_importer *imp, int64_t patients, int64_t records);

/*
 * Append the summary as one JSON object to out: the counters, "skipped_by_reason"
 * {reason: n} and "unmapped_by_system" {system: n of records whose code was
 * kept in a non-SNOMED system}.
 */
enum pcn_err pcn_importer_summary_json(const struct pcn_importer *imp, struct pcn_buf *out);

/* Append the same summary as human-readable lines ("  events: 12"). */
enum pcn_err pcn_importer_summary_text(const struct pcn_importer *imp, struct pcn_buf *out);

/*
 * An asynchronous sink: records passed to it are copied and delivered to
 * `down` (borrowed) on a writer thread, so parsing and storing overlap.
 * The downstream sink must not be used by anyone else until
 * pcn_async_sink_finish() returns. After a downstream error every call
 * returns it; the caller stops and rolls back. Caller frees with
 * pcn_async_sink_free() (which drops undelivered records).
 */
struct pcn_async_sink;
enum pcn_err pcn_async_sink_new(const struct pcn_sink *down, struct pcn_async_sink **ret);
void pcn_async_sink_sink(struct pcn_async_sink *a, struct pcn_sink *ret);
/* Deliver everything queued and stop the thread; the first downstream error, if any. */
enum pcn_err pcn_async_sink_finish(struct pcn_async_sink *a, struct pcn_error *reterr);
void pcn_async_sink_free(struct pcn_async_sink *a);

/*
 * Export every patient and record of the store into a native CSV bundle at
 * dir (created if needed). Reads in one pass per table.
 */
enum pcn_err pcn_export_bundle(struct pcn_store *s, const char *dir, struct pcn_error *reterr);

#endif /* PCN_INGEST_H */
