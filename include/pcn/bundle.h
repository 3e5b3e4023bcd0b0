/*
 * bundle.h - the native CSV bundle (docs/formats.md): a directory holding
 * patients.csv, events.csv, medications.csv, immunisations.csv,
 * encounters.csv and terms.csv. The writer is a record sink; the reader
 * (import) lives in ingest.h.
 *
 * The writer creates the directory if needed, truncates the six files and
 * writes their header lines at open. Records are written in the order they
 * arrive. Not thread-safe.
 */
#ifndef PCN_BUNDLE_H
#define PCN_BUNDLE_H

#include "pcn/error.h"
#include "pcn/record.h"

struct pcn_bundle_writer;

/* Open a writer on directory dir. Caller frees with pcn_bundle_writer_close(). */
enum pcn_err pcn_bundle_writer_open(const char *dir, struct pcn_bundle_writer **ret,
                                    struct pcn_error *reterr);

/* A sink (record.h) writing into w; valid while w is open. */
void pcn_bundle_writer_sink(struct pcn_bundle_writer *w, struct pcn_sink *ret);

/*
 * Flush and close all files. Returns the first write error met (PCN_EIO
 * with *reterr naming the file) or PCN_OK. Frees w; NULL-safe.
 */
enum pcn_err pcn_bundle_writer_close(struct pcn_bundle_writer *w, struct pcn_error *reterr);

#endif /* PCN_BUNDLE_H */
