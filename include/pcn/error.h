/*
 * error.h - the one error vocabulary of OpenPCN.
 *
 * Every action function in the library returns an enum pcn_err. Detailed
 * messages (the SQL text, the CSV line, the JSON path) live on the owning
 * context or in a struct pcn_error passed as the last parameter.
 */
#ifndef PCN_ERROR_H
#define PCN_ERROR_H

#include <stddef.h>

enum pcn_err {
    PCN_OK = 0,
    PCN_ENOMEM,       /* allocation failed */
    PCN_EINVAL,       /* invalid argument or input */
    PCN_ENOTFOUND,    /* no such object */
    PCN_ECONFLICT,    /* object exists or state forbids the change */
    PCN_ELIMIT,       /* a configured limit was reached */
    PCN_EIO,          /* operating system I/O error */
    PCN_ESTORAGE,     /* storage backend failure */
    PCN_EAGAIN,       /* try again (busy, locked) */
    PCN_EVERSION,     /* data written by a newer version */
    PCN_EPARSE,       /* malformed input text (CSV, JSON, definitions) */
    PCN_EAUTH,        /* not authenticated */
    PCN_EPERM,        /* authenticated but not allowed */
    PCN_EUNSUPPORTED, /* feature not available in this build or backend */
    PCN_ETIMEDOUT,    /* a time limit (deadline) passed; the work was stopped */
    PCN_ERR_COUNT_
};

#define PCN_ERROR_MSG_MAX 512

/*
 * A detailed error: the code plus a human message naming the file and line
 * or field at fault. Caller-owned; fixed size so it can be filled on any
 * path, including out-of-memory.
 */
struct pcn_error {
    enum pcn_err code;           /* public */
    char msg[PCN_ERROR_MSG_MAX]; /* public; NUL-terminated, may be empty */
};

/* Short English description of the code. Static string; never NULL. */
const char *pcn_err_str(enum pcn_err err);

/* Symbolic name of the code, e.g. "PCN_ENOMEM". Static string; never NULL. */
const char *pcn_err_name(enum pcn_err err);

/* HTTP status code that best represents the error (500 for unknown). */
int pcn_err_http_status(enum pcn_err err);

/*
 * Fill *reterr (when not NULL) with code and a printf-style message, and
 * return code so callers can write `return pcn_error_set(e, PCN_EINVAL, ...)`.
 */
enum pcn_err pcn_error_set(struct pcn_error *reterr, enum pcn_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset *e to PCN_OK with an empty message. NULL-safe. */
void pcn_error_clear(struct pcn_error *e);

/*
 * Prefix the existing message of *e with a printf-style context, e.g. the
 * file name. NULL-safe; truncates on overflow.
 */
void pcn_error_prefix(struct pcn_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* PCN_ERROR_H */
