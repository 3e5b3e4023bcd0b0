/*
 * buf.c - struct pcn_buf: a capped, always-terminated growing string. An
 * unallocated buffer points at a shared one-byte empty string that is never
 * written (alloc == 0 marks it).
 */
#include "pcn/buf.h"

#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "util/common.h"

char pcn_buf_empty_[1];

void pcn_buf_init(struct pcn_buf *b, size_t max)
{
    b->buf = pcn_buf_empty_;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
}

void pcn_buf_release(struct pcn_buf *b)
{
    if (!b)
        return;
    if (b->alloc)
        pcn_free(b->buf);
    pcn_buf_init(b, b->max);
}

void pcn_buf_reset(struct pcn_buf *b)
{
    pcn_buf_truncate(b, 0);
}

enum pcn_err pcn_buf_grow(struct pcn_buf *b, size_t extra)
{
    size_t need;
    size_t want;
    char *p;

    if (!pcn_size_add(b->len, extra, &need) || need > b->max)
        return PCN_ELIMIT;
    if (need < b->alloc)
        return PCN_OK;
    want = b->alloc < 64 ? 64 : b->alloc;
    while (want <= need)
        want = want > SIZE_MAX / 2 ? need + 1 : want * 2;
    if (want > b->max + 1)
        want = b->max + 1;
    p = pcn_reallocarray(b->alloc ? b->buf : NULL, want, 1);
    if (!p)
        return PCN_ENOMEM;
    if (!b->alloc)
        p[0] = '\0';
    b->buf = p;
    b->alloc = want;
    return PCN_OK;
}

enum pcn_err pcn_buf_add(struct pcn_buf *b, const void *s, size_t len)
{
    /* room already (the common case, a field of a CSV line): no call to grow */
    if (len >= b->alloc - b->len || b->len + len > b->max) {
        enum pcn_err rc = pcn_buf_grow(b, len);
        if (rc != PCN_OK)
            return rc;
    }
    if (len)
        memcpy(b->buf + b->len, s, len);
    b->len += len;
    b->buf[b->len] = '\0';
    return PCN_OK;
}

enum pcn_err pcn_buf_adds(struct pcn_buf *b, const char *s)
{
    return pcn_buf_add(b, s, strlen(s));
}

enum pcn_err pcn_buf_addch(struct pcn_buf *b, char c)
{
    return pcn_buf_add(b, &c, 1);
}

enum pcn_err pcn_buf_vaddf(struct pcn_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    enum pcn_err rc;

    va_copy(cp, ap);
    n = vsnprintf(b->alloc ? b->buf + b->len : NULL, b->alloc ? b->alloc - b->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return PCN_EINVAL;
    if (b->alloc && (size_t)n < b->alloc - b->len) {
        if (b->len + (size_t)n > b->max) {
            b->buf[b->len] = '\0';
            return PCN_ELIMIT;
        }
        b->len += (size_t)n;
        return PCN_OK;
    }
    rc = pcn_buf_grow(b, (size_t)n);
    if (rc != PCN_OK) {
        if (b->alloc)
            b->buf[b->len] = '\0';
        return rc;
    }
    n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
    if (n < 0) {
        b->buf[b->len] = '\0';
        return PCN_EINVAL;
    }
    b->len += (size_t)n;
    return PCN_OK;
}

enum pcn_err pcn_buf_addf(struct pcn_buf *b, const char *fmt, ...)
{
    va_list ap;
    enum pcn_err rc;

    va_start(ap, fmt);
    rc = pcn_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void pcn_buf_truncate(struct pcn_buf *b, size_t len)
{
    if (PCN_NEVER(len > b->len))
        return;
    b->len = len;
    if (b->alloc)
        b->buf[len] = '\0';
}

char *pcn_buf_detach(struct pcn_buf *b, size_t *ret_len)
{
    char *s;

    if (!b->alloc) {
        s = pcn_strdup("");
        if (!s)
            return NULL;
    } else {
        s = b->buf;
    }
    if (ret_len)
        *ret_len = b->len;
    pcn_buf_init(b, b->max);
    return s;
}
