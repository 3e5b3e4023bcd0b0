/*
 * ndjson_read.h - an NDJSON file parsed on worker threads (ndjson_read.c).
 * pcn__ndjson_next() returns the file's non-blank lines in file order, each
 * as a JSON tree or the reason it did not parse, exactly as a loop calling
 * json_loadb() line by line would; the parsing of later lines goes on in
 * the background meanwhile. The trees are freed by the threads that built
 * them. One caller thread at a time.
 */
#ifndef PCN_INGEST_NDJSON_READ_H
#define PCN_INGEST_NDJSON_READ_H

#include <stddef.h>

#include <jansson.h>

#include "pcn/error.h"

struct pcn__ndjson;

/*
 * One non-blank line: res, or NULL and why in err. The tree is borrowed: it
 * stays valid until the next call to pcn__ndjson_next() or close.
 */
struct pcn__ndjson_line {
    unsigned long line_no; /* 1-based */
    json_t *res;
    json_error_t err;
};

/*
 * Open path and start the workers: one per CPU the process may use beyond
 * the caller's own thread, which parses too (at most 3; none on one CPU).
 * Lines may be up to max_line bytes; jansson is called with json_flags.
 * Free with pcn__ndjson_close().
 */
enum pcn_err pcn__ndjson_open(const char *path, size_t max_line, size_t json_flags,
                              struct pcn__ndjson **ret, struct pcn_error *reterr);

/*
 * The next line. PCN_ENOTFOUND at the end of the file; PCN_EIO (read
 * error), PCN_ELIMIT (a line longer than max_line, named by number) or
 * PCN_ENOMEM in *reterr after the lines before the failure.
 */
enum pcn_err pcn__ndjson_next(struct pcn__ndjson *r, struct pcn__ndjson_line *ret,
                              struct pcn_error *reterr);

/* Bytes of the file returned so far (whole blocks), and the file's size (0 if unknown). */
unsigned long long pcn__ndjson_offset(const struct pcn__ndjson *r);
unsigned long long pcn__ndjson_size(const struct pcn__ndjson *r);

/* Stop the workers, free every tree not handed out, close the file. NULL-safe. */
void pcn__ndjson_close(struct pcn__ndjson *r);

#endif /* PCN_INGEST_NDJSON_READ_H */
