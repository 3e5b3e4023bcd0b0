/*
 * bundle_int.h - the column lists of the native CSV bundle, shared by the
 * writer (bundle_write.c) and the reader (bundle_read.c) so they cannot
 * disagree. The order is the field order of record.h.
 */
#ifndef PCN_INGEST_BUNDLE_INT_H
#define PCN_INGEST_BUNDLE_INT_H

#include <stddef.h>

#include "pcn/error.h"

struct pcn_csv;
struct pcn_importer;

enum pcn_bundle_table {
    PCN_BUNDLE_PATIENTS,
    PCN_BUNDLE_TERMS,
    PCN_BUNDLE_EVENTS,
    PCN_BUNDLE_MEDICATIONS,
    PCN_BUNDLE_IMMUNISATIONS,
    PCN_BUNDLE_ENCOUNTERS,
    PCN_BUNDLE_N_TABLES
};

#define PCN_BUNDLE_MAX_COLS 14

struct pcn_bundle_table_def {
    const char *file; /* "patients.csv" */
    size_t n_cols;
    const char *cols[PCN_BUNDLE_MAX_COLS]; /* header names in order */
    unsigned required;                     /* bit i: column i must be present in the header */
};

/* The six tables, indexed by enum pcn_bundle_table (reading order). */
extern const struct pcn_bundle_table_def pcn__bundle_tables[PCN_BUNDLE_N_TABLES];

/*
 * Read one bundle table from an open CSV reader (header line first) into
 * the importer. Used by the directory import and by the fuzz harness.
 */
enum pcn_err pcn__import_bundle_csv(struct pcn_importer *imp, enum pcn_bundle_table table,
                                    struct pcn_csv *csv, struct pcn_error *reterr);

#endif /* PCN_INGEST_BUNDLE_INT_H */
