/*
 * generate.h - the synthetic twin generator: a realistic synthetic
 * population for a real English PCN (or an invented one) built from the
 * public NHS reference tables in data/reference/ and the code lists in
 * defs/codelists/. The model is described in docs/generator.md.
 *
 * Output flows through a record sink (record.h) practice by practice, so
 * a whole ICB or England streams without being held in memory. The same
 * reference data, options and seed give byte-identical output.
 */
#ifndef PCN_GENERATE_H
#define PCN_GENERATE_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/record.h"
#include "pcn/registry.h"
#include "pcn/rng.h"

/* ---- the 21 QOF registers ---- */

enum pcn_gen_register {
    PCN_REG_AF,
    PCN_REG_AST,
    PCN_REG_CAN,
    PCN_REG_CHD,
    PCN_REG_CKD,
    PCN_REG_COPD,
    PCN_REG_DEM,
    PCN_REG_DEP,
    PCN_REG_DM,
    PCN_REG_EP,
    PCN_REG_HF,
    PCN_REG_HYP,
    PCN_REG_LD,
    PCN_REG_MH,
    PCN_REG_NDH,
    PCN_REG_OB,
    PCN_REG_OST,
    PCN_REG_PAD,
    PCN_REG_PC,
    PCN_REG_RA,
    PCN_REG_STIA,
    PCN_REG_COUNT
};

/* QOF group code ("AF", "AST", ...); NULL when out of range. Static string. */
const char *pcn_gen_register_name(int reg);
/* Minimum age (on the as-of date) of the register's QOF denominator (0, 6, 16, 17, 18, 50). */
int pcn_gen_register_min_age(int reg);

/* ---- reference data ---- */

struct pcn_refdata;

/*
 * Load data/reference/ and defs/codelists/ under root (NULL: pcn_data_dir()).
 * Caller frees *ret with pcn_refdata_free(). PCN_ENOTFOUND (missing
 * file), PCN_EIO or PCN_EPARSE with *reterr naming the file and line;
 * PCN_EINVAL when a code list is empty.
 */
enum pcn_err pcn_refdata_load(const char *root, struct pcn_refdata **ret, struct pcn_error *reterr);
/* NULL-safe. */
void pcn_refdata_free(struct pcn_refdata *ref);

/* Date of the list-size extract in list_bands.csv (the default as-of date). */
int32_t pcn_refdata_extract_date(const struct pcn_refdata *ref);

/*
 * Published QOF 2024-25 prevalence of register reg at a practice (register
 * count / list size of the register's list type), in [0, 1].
 * PCN_ENOTFOUND when the practice has no QOF row.
 */
enum pcn_err pcn_refdata_qof_prevalence(const struct pcn_refdata *ref, const char *practice,
                                        int reg, double *ret);

/* Number of practices of network `pcn` in the reference data (0 if unknown). */
int pcn_refdata_network_practices(const struct pcn_refdata *ref, const char *pcn);

/* ---- generation ---- */

struct pcn_gen_options {
    uint64_t seed;        /* default 1 */
    int32_t as_of;        /* PCN_DATE_NONE: the reference extract date */
    const char *pcn;      /* a real network code, or NULL */
    const char *icb;      /* every network of this ICB code (e.g. "QHM"), or NULL */
    int all;              /* nonzero: every network in England */
    const char *practice; /* restrict to this one practice (tests, calibration); or NULL */
    int n_practices;      /* invented network (when pcn, icb and all are unset) */
    int64_t n_patients;   /* registered patients of the invented network */
    int with_records;     /* nonzero (default): clinical records; 0: patients only */
};

/* Defaults: seed 1, as_of none, invented network of 5 practices and 40,000 patients. */
void pcn_gen_options_init(struct pcn_gen_options *o);

/*
 * Where the registry rows of the generated networks go (the database load
 * path). Every callback may be NULL. Strings are borrowed for the call.
 */
struct pcn_gen_registry {
    enum pcn_err (*network)(void *ctx, const struct pcn_network *n);
    enum pcn_err (*practice)(void *ctx, const struct pcn_practice *p,
                             const struct pcn_membership *m);
    enum pcn_err (*list_size)(void *ctx, const struct pcn_list_size *l);
    enum pcn_err (*list_band)(void *ctx, const struct pcn_list_band *b);
    void *ctx;
};

/* Counts of what a run produced. */
struct pcn_gen_stats {
    int64_t networks;
    int64_t practices;
    int64_t patients; /* all generated, including those who left or died in the year */
    int64_t registered;
    int64_t events;
    int64_t medications;
    int64_t immunisations;
    int64_t encounters;
    int64_t terms;
};

/*
 * Generate the population selected by opt into sink (and the registry rows
 * into reg when not NULL). Stops at the first sink error and returns it.
 * PCN_ENOTFOUND when the network, ICB or practice is unknown; PCN_EINVAL
 * for inconsistent options or when a code the generator writes with a
 * value (BP, HbA1c, ...) is missing from its code list. ret_stats may be
 * NULL. Thread-safe for distinct sinks: ref is only read.
 */
enum pcn_err pcn_generate(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                          const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                          struct pcn_gen_stats *ret_stats, struct pcn_error *reterr);

/*
 * Generate into a native CSV bundle (bundle.h) in directory dir with
 * n_threads threads (1-8): the practices are split into contiguous parts
 * of about equal population, written in parallel and appended in order,
 * so the bundle is byte-identical whatever n_threads. Part directories
 * (dir/.part-N) are removed on success. Errors as for pcn_generate(), plus
 * PCN_EIO naming the file.
 */
enum pcn_err pcn_generate_bundle(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                                 const char *dir, int n_threads, struct pcn_gen_stats *ret_stats,
                                 struct pcn_error *reterr);

/* ---- calibration: generated versus published prevalence ---- */

/*
 * A record sink that recomputes the 21 registers from generated records
 * (codes from defs/codelists, simplified QOF rules described in
 * docs/generator.md) and the eFI category of people aged 65+, so tests and
 * bench/calibration can compare them with QOF 2024-25. It expects records of
 * one patient to follow that patient (as pcn_generate writes them).
 */
struct pcn_gen_calib;

/* Caller frees with pcn_gen_calib_free(); ref is borrowed and must outlive c. */
enum pcn_err pcn_gen_calib_new(const struct pcn_refdata *ref, int32_t as_of,
                               struct pcn_gen_calib **ret);
void pcn_gen_calib_free(struct pcn_gen_calib *c);
/* The sink; valid while c lives. */
void pcn_gen_calib_sink(struct pcn_gen_calib *c, struct pcn_sink *ret);

struct pcn_gen_calib_row {
    const char *practice; /* borrowed */
    int reg;
    int64_t list_size;   /* registered on the as-of date */
    int64_t eligible;    /* of them, old enough for the register's denominator */
    int64_t on_register; /* of them, on the register by the recomputed rule */
    double generated;    /* on_register / eligible */
    double published;    /* QOF 2024-25; negative when not published */
    int within;          /* nonzero when within max(10% relative, 0.3 percentage points) */
};

/*
 * Call fn for each practice seen and each register, in the order practices
 * arrived. A nonzero return from fn stops the walk.
 */
void pcn_gen_calib_each(struct pcn_gen_calib *c,
                        int (*fn)(const struct pcn_gen_calib_row *row, void *ud), void *ud);

/* Registered people aged 65+ by eFI category: fit, mild, moderate, severe. */
void pcn_gen_calib_efi(struct pcn_gen_calib *c, int64_t ret[4]);

#endif /* PCN_GENERATE_H */
