/*
 * error.c - text and HTTP mapping for enum pcn_err, and the helpers that
 * fill a struct pcn_error. Tables are indexed by the enum; a test checks
 * that every code has an entry.
 */
#include "pcn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/common.h"

struct err_info {
    const char *name;
    const char *text;
    int http;
};

static const struct err_info err_table[PCN_ERR_COUNT_] = {
    [PCN_OK] = {"PCN_OK", "success", 200},
    [PCN_ENOMEM] = {"PCN_ENOMEM", "out of memory", 503},
    [PCN_EINVAL] = {"PCN_EINVAL", "invalid argument", 400},
    [PCN_ENOTFOUND] = {"PCN_ENOTFOUND", "not found", 404},
    [PCN_ECONFLICT] = {"PCN_ECONFLICT", "conflict", 409},
    [PCN_ELIMIT] = {"PCN_ELIMIT", "limit exceeded", 413},
    [PCN_EIO] = {"PCN_EIO", "input/output error", 500},
    [PCN_ESTORAGE] = {"PCN_ESTORAGE", "storage error", 500},
    [PCN_EAGAIN] = {"PCN_EAGAIN", "resource busy, try again", 503},
    [PCN_EVERSION] = {"PCN_EVERSION", "written by a newer version", 409},
    [PCN_EPARSE] = {"PCN_EPARSE", "malformed input", 400},
    [PCN_EAUTH] = {"PCN_EAUTH", "authentication required", 401},
    [PCN_EPERM] = {"PCN_EPERM", "permission denied", 403},
    [PCN_EUNSUPPORTED] = {"PCN_EUNSUPPORTED", "not supported", 501},
    [PCN_ETIMEDOUT] = {"PCN_ETIMEDOUT", "time limit reached", 503},
};

static const struct err_info *err_lookup(enum pcn_err err)
{
    if ((unsigned)err >= PCN_ERR_COUNT_ || !err_table[err].name)
        return NULL;
    return &err_table[err];
}

const char *pcn_err_str(enum pcn_err err)
{
    const struct err_info *i = err_lookup(err);
    return i ? i->text : "unknown error";
}

const char *pcn_err_name(enum pcn_err err)
{
    const struct err_info *i = err_lookup(err);
    return i ? i->name : "PCN_EUNKNOWN";
}

int pcn_err_http_status(enum pcn_err err)
{
    const struct err_info *i = err_lookup(err);
    return i ? i->http : 500;
}

enum pcn_err pcn_error_set(struct pcn_error *reterr, enum pcn_err code, const char *fmt, ...)
{
    va_list ap;

    if (!reterr)
        return code;
    reterr->code = code;
    va_start(ap, fmt);
    (void)vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
    va_end(ap);
    return code;
}

void pcn_error_clear(struct pcn_error *e)
{
    if (!e)
        return;
    e->code = PCN_OK;
    e->msg[0] = '\0';
}

void pcn_error_prefix(struct pcn_error *e, const char *fmt, ...)
{
    char joined[2 * PCN_ERROR_MSG_MAX];
    size_t n;
    va_list ap;
    int w;

    if (!e)
        return;
    va_start(ap, fmt);
    w = vsnprintf(joined, PCN_ERROR_MSG_MAX, fmt, ap);
    va_end(ap);
    n = w < 0 ? 0 : PCN_MIN((size_t)w, (size_t)PCN_ERROR_MSG_MAX - 1);
    memcpy(joined + n, e->msg, sizeof(e->msg));
    joined[sizeof(joined) - 1] = '\0';
    memcpy(e->msg, joined, sizeof(e->msg) - 1);
    e->msg[sizeof(e->msg) - 1] = '\0';
}
