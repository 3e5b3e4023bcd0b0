/*
 * ingest_int.h - internals shared by the importers of src/ingest: the
 * importer state, the validating emit functions every format parser calls,
 * and the per-format entry points.
 */
#ifndef PCN_INGEST_INGEST_INT_H
#define PCN_INGEST_INGEST_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pcn/error.h"
#include "pcn/ingest.h"
#include "pcn/record.h"

struct pcn_strmap;

struct pcn_importer {
    struct pcn_import_opts opts; /* practice points at the copy below */
    char *practice;
    const struct pcn_sink *sink; /* borrowed */
    struct pcn_import_stats stats;
    struct pcn_strmap *patients; /* patient id -> date of birth + DOB_BIAS, of this import */
    struct pcn_strmap *nhs;      /* NHS numbers of this import's patients */
    struct pcn_strmap *warnings; /* plausibility warning -> records imported with it */
    struct pcn_strmap *terms;    /* "system\tcode" of terms delivered */
    struct pcn_strmap *skipped;  /* reason -> count */
    struct pcn_strmap *unmapped; /* code system -> records kept unmapped */
    long n_errors;               /* bad records met so far */
};

/*
 * Validate a record and pass it to the sink. PCN_EINVAL with *reterr (no
 * location; the caller adds it) when the record is bad; other codes come
 * from the sink and are fatal. Strings are borrowed for the call.
 */
enum pcn_err pcn__emit_patient(struct pcn_importer *imp, const struct pcn_patient *p,
                               struct pcn_error *reterr);
enum pcn_err pcn__emit_event(struct pcn_importer *imp, const struct pcn_event *e,
                             struct pcn_error *reterr);
enum pcn_err pcn__emit_medication(struct pcn_importer *imp, const struct pcn_medication *m,
                                  struct pcn_error *reterr);
enum pcn_err pcn__emit_immunisation(struct pcn_importer *imp, const struct pcn_immunisation *i,
                                    struct pcn_error *reterr);
enum pcn_err pcn__emit_encounter(struct pcn_importer *imp, const struct pcn_encounter *e,
                                 struct pcn_error *reterr);
/* Terms are delivered once per (system, code); repeats are ignored. */
enum pcn_err pcn__emit_term(struct pcn_importer *imp, const struct pcn_term *t,
                            struct pcn_error *reterr);

/* True if the patient id was delivered in this import. */
bool pcn__import_has_patient(const struct pcn_importer *imp, const char *patient_id);

/* True for errors that concern one record (and may be tolerated), not the import. */
static inline bool pcn__is_record_error(enum pcn_err rc)
{
    return rc == PCN_EINVAL || rc == PCN_EPARSE;
}

/*
 * A bad record at `where`: rc and err->msg say why. Within the max_errors
 * budget the record is reported to the reject callback and PCN_OK returned
 * (skip it and go on); otherwise returns rc with err->msg prefixed by where.
 */
enum pcn_err pcn__import_bad(struct pcn_importer *imp, const char *where, enum pcn_err rc,
                             struct pcn_error *err);

/* Count a record or resource not imported on purpose, by reason. */
enum pcn_err pcn__import_skip(struct pcn_importer *imp, const char *reason);

/* Count a record whose code stays in a non-SNOMED system. */
enum pcn_err pcn__import_unmapped(struct pcn_importer *imp, const char *system);

/* Report progress through the callback, if any. */
void pcn__import_progress(struct pcn_importer *imp, const char *file, unsigned long long done,
                          unsigned long long total);

/* Format entry points (bundle_read.c, synthea.c, fhir.c). */
enum pcn_err pcn__import_bundle_dir(struct pcn_importer *imp, const char *dir,
                                    struct pcn_error *reterr);
enum pcn_err pcn__import_synthea_dir(struct pcn_importer *imp, const char *dir,
                                     struct pcn_error *reterr);
enum pcn_err pcn__import_fhir_paths(struct pcn_importer *imp, const char *const *paths,
                                    size_t n_paths, struct pcn_error *reterr);
/* Parse one FHIR Bundle or NDJSON document held in memory (fuzzing, tests). */
enum pcn_err pcn__import_fhir_mem(struct pcn_importer *imp, const char *name, const char *data,
                                  size_t len, bool is_ndjson, struct pcn_error *reterr);

#endif /* PCN_INGEST_INGEST_INT_H */
