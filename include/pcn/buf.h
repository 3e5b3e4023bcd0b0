/*
 * buf.h - dynamic, NUL-terminated byte buffers with a size cap.
 *
 * Invariants: b->buf is never NULL and always NUL-terminated; b->len is the
 * number of bytes before the terminator; growth past b->max returns
 * PCN_ELIMIT and leaves the buffer unchanged. Initialise with PCN_BUF_INIT
 * (default cap) or pcn_buf_init(). Ownership leaves only by pcn_buf_detach().
 * Not thread-safe; one owner at a time.
 */
#ifndef PCN_BUF_H
#define PCN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "pcn/error.h"

#define PCN_BUF_DEFAULT_MAX ((size_t)64 << 20) /* 64 MiB */

struct pcn_buf {
    char *buf;    /* read-only for callers; never NULL */
    size_t len;   /* read-only; bytes in use, excluding the NUL */
    size_t alloc; /* private; 0 while buf points at the shared empty string */
    size_t max;   /* private; maximum len */
};

extern char pcn_buf_empty_[];
#define PCN_BUF_INIT                                                                               \
    {                                                                                              \
        pcn_buf_empty_, 0, 0, PCN_BUF_DEFAULT_MAX                                                  \
    }

/* Initialise an empty buffer that may grow to max bytes. */
void pcn_buf_init(struct pcn_buf *b, size_t max);

/* Free the contents; the buffer is left initialised and empty. NULL-safe. */
void pcn_buf_release(struct pcn_buf *b);

/* Empty the buffer, keeping its allocation. */
void pcn_buf_reset(struct pcn_buf *b);

/* Make room for extra more bytes. PCN_ELIMIT past max, PCN_ENOMEM. */
enum pcn_err pcn_buf_grow(struct pcn_buf *b, size_t extra);

/* Append len bytes of s. */
enum pcn_err pcn_buf_add(struct pcn_buf *b, const void *s, size_t len);

/* Append a NUL-terminated string. */
enum pcn_err pcn_buf_adds(struct pcn_buf *b, const char *s);

/* Append one byte. */
enum pcn_err pcn_buf_addch(struct pcn_buf *b, char c);

/* Append printf-style formatted text (locale-independent for %d etc.). */
enum pcn_err pcn_buf_addf(struct pcn_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum pcn_err pcn_buf_vaddf(struct pcn_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Shorten to len bytes (len <= b->len). */
void pcn_buf_truncate(struct pcn_buf *b, size_t len);

/*
 * Take ownership of the contents: returns a NUL-terminated string the
 * caller frees with pcn_free() (never NULL unless out of memory), stores its
 * length in *ret_len when not NULL, and leaves b empty.
 */
char *pcn_buf_detach(struct pcn_buf *b, size_t *ret_len);

#endif /* PCN_BUF_H */
