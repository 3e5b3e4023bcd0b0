/*
 * store_int.h - what a storage backend implements. The core table (struct
 * pcn_store_ops: open state, versions, meta, transactions, deadlines) plus
 * one operations table per domain (registry, population, auth...; each
 * declared in src/store/<domain>_int.h), the way SQLite separates the VFS
 * from each file's io_methods. A backend's handle starts with struct
 * pcn_store, which points at the core table and at the backend's list of
 * domain tables. store.c and the domain dispatchers (src/store/<domain>.c)
 * forward every public call; backends never see callers and callers never
 * see backends.
 */
#ifndef PCN_STORE_STORE_INT_H
#define PCN_STORE_STORE_INT_H

#include <assert.h>

#include "pcn/store.h"
#include "pcn/store_population.h"

#define PCN_STORE_ERRMSG_MAX 1024

/* The core operations every backend implements. */
struct pcn_store_ops {
    const char *name;
    void (*close)(struct pcn_store *s);
    int (*schema_version)(const struct pcn_store *s);
    enum pcn_err (*data_version)(struct pcn_store *s, int64_t *ret);
    enum pcn_err (*get_meta)(struct pcn_store *s, const char *key, char *out, size_t size);
    enum pcn_err (*set_meta)(struct pcn_store *s, const char *key, const char *value);
    enum pcn_err (*begin)(struct pcn_store *s);
    enum pcn_err (*begin_bulk)(struct pcn_store *s); /* optional: begin is used when NULL */
    /* Backends end the transaction whichever way; on failure store.c rolls it back. */
    enum pcn_err (*commit)(struct pcn_store *s);
    void (*rollback)(struct pcn_store *s);
    enum pcn_err (*begin_read)(struct pcn_store *s);
    void (*end_read)(struct pcn_store *s);
    /*
     * Stop statements that run past deadline (pcn_monotonic_usec(); 0 for
     * none) with PCN_ETIMEDOUT. The head's deadline is already set.
     */
    enum pcn_err (*set_deadline)(struct pcn_store *s, int64_t deadline);
};

/*
 * A domain of the store. Its dispatcher (src/store/<name>.c) defines one;
 * its identity is its address.
 */
struct pcn__store_domain {
    const char *name; /* "registry", "population", ... for messages */
};

/*
 * One backend's implementation of one domain: the domain's operations
 * table and, for a domain that keeps state on the handle during a
 * transaction, three hooks that store.c calls (each optional). Their state
 * is the domain's slot on the handle (pcn__store_state()), NULL until the
 * domain fills it.
 */
struct pcn__store_impl {
    const struct pcn__store_domain *domain;
    const void *ops; /* the domain's struct pcn__store_<name>_ops */
    /* Write what is still pending, before the backend commits; failure rolls back. */
    enum pcn_err (*before_commit)(struct pcn_store *s, void *state);
    /* Forget the transaction (after its commit or rollback). */
    void (*end_tx)(struct pcn_store *s, void *state);
    /* Free the state, before the backend closes. */
    void (*free_state)(struct pcn_store *s, void *state);
};

/* The common head of every backend's handle. */
struct pcn_store {
    const struct pcn_store_ops *ops;
    const struct pcn__store_impl *const *domains; /* the backend's domains, NULL-terminated */
    void **states;                                /* one slot per entry of domains */
    char errmsg[PCN_STORE_ERRMSG_MAX];
    int in_tx;
    int64_t deadline; /* pcn_monotonic_usec() instant; 0: none */
    /*
     * The open transaction's population records (population.c and the
     * backends' put_patient): what it replaced, and the latest record date
     * it put (PCN_DATE_NONE: none); store.c keeps PCN_META_RECORDS_LAST_DATE
     * from them at commit.
     */
    struct pcn_store_tx_stats tx;
    int32_t tx_last_record;
    int tx_has_records;
    /* The latest data date, remembered for one data version (default as-of). */
    int64_t last_date_version;
    int32_t last_date;
    int has_last_date;
};

/* Record a message on the handle and return code. */
enum pcn_err pcn__store_fail(struct pcn_store *s, enum pcn_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A new random data generation (PCN_META_DATA_GENERATION): 32 hex digits
 * and a NUL. Backends write one with every commit that bumps the data
 * version. PCN_EIO when the system has no randomness to give.
 */
#define PCN__STORE_GENERATION_SIZE 33
enum pcn_err pcn__store_generation(char out[PCN__STORE_GENERATION_SIZE]);

/* Writes must happen inside a transaction so they can be undone whole. */
#define PCN__STORE_WRITE(s, call)                                                                  \
    ((s)->in_tx ? (call) : pcn__store_fail((s), PCN_EINVAL, "write outside a transaction"))

/* Where domain d is in s->domains; -1 when the backend does not implement it. */
static inline int pcn__store_domain_index(const struct pcn_store *s,
                                          const struct pcn__store_domain *d)
{
    for (int i = 0; s->domains[i]; i++) {
        if (s->domains[i]->domain == d)
            return i;
    }
    return -1;
}

/* A domain the backend lacks: records the message, returns NULL. */
const void *pcn__store_no_domain(struct pcn_store *s, const struct pcn__store_domain *d);

/*
 * The backend's operations table for domain d (its struct
 * pcn__store_<name>_ops); NULL, with the message set, when the backend does
 * not implement the domain. The domain's dispatcher answers PCN_ESTORAGE.
 */
static inline const void *pcn__store_domain_ops(struct pcn_store *s,
                                                const struct pcn__store_domain *d)
{
    int i = pcn__store_domain_index(s, d);

    return i >= 0 ? s->domains[i]->ops : pcn__store_no_domain(s, d);
}

/*
 * Domain d's state slot on s, for the backend's implementation of d (which
 * only runs when s has d). *slot is NULL until the domain sets it; the
 * domain's hooks free it.
 */
static inline void **pcn__store_state(struct pcn_store *s, const struct pcn__store_domain *d)
{
    int i = pcn__store_domain_index(s, d);

    assert(i >= 0); /* a backend runs its code of a domain only for a domain it registered */
    return &s->states[i];
}

/* Backends. Each returns a handle whose head is initialised. */
enum pcn_err pcn__sqlite_open(const char *path, unsigned flags, struct pcn_store **ret,
                              struct pcn_error *reterr);
enum pcn_err pcn__pg_open(const char *conninfo, unsigned flags, struct pcn_store **ret,
                          struct pcn_error *reterr);

#endif /* PCN_STORE_STORE_INT_H */
