/*
 * csv.c - a byte-at-a-time RFC 4180 state machine over a 256 KiB read
 * window. Field bytes are copied, unescaped, into one record buffer; field
 * boundaries are offsets into it, turned into NUL-terminated pointers when
 * the record ends. Memory stays bounded by PCN_CSV_MAX_RECORD.
 */
#include "pcn/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "util/common.h"

#define CSV_WINDOW ((size_t)256 * 1024)

struct pcn_csv {
    int fd;          /* -1 for memory input */
    const char *mem; /* memory input, borrowed */
    size_t mem_len;
    char *win; /* read window (file input) */
    size_t win_len;
    size_t win_pos;
    bool eof;
    bool started; /* BOM check done */
    char *name;
    unsigned long line; /* current physical line (1-based) */
    unsigned long rec_line;
    unsigned long long consumed;
    unsigned long long size;
    char *rec; /* unescaped field bytes, NUL between fields */
    size_t rec_len;
    size_t rec_alloc;
    size_t *starts; /* field start offsets into rec */
    size_t n_fields;
    const char **fields; /* pointers into rec for the current record */
};

int pcn_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned cp;
        uint64_t word;
        if (len - i >= sizeof(word)) { /* eight ASCII bytes at a time */
            memcpy(&word, s + i, sizeof(word));
            if ((word & 0x8080808080808080ull) == 0) {
                i += sizeof(word);
                continue;
            }
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

static enum pcn_err csv_alloc(const char *name, struct pcn_csv **ret)
{
    struct pcn_csv *c = pcn_calloc(1, sizeof(*c));

    if (!c)
        return PCN_ENOMEM;
    c->fd = -1;
    c->line = 1;
    c->name = pcn_strdup(name);
    c->starts = pcn_calloc(PCN_CSV_MAX_FIELDS + 1, sizeof(*c->starts));
    c->fields = pcn_calloc(PCN_CSV_MAX_FIELDS + 1, sizeof(*c->fields));
    if (!c->name || !c->starts || !c->fields) {
        pcn_csv_free(c);
        return PCN_ENOMEM;
    }
    *ret = c;
    return PCN_OK;
}

enum pcn_err pcn_csv_open(const char *path, struct pcn_csv **ret, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    struct stat st;
    int rc;

    rc = csv_alloc(path, &c);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s: out of memory", path);
    c->win = pcn_malloc(CSV_WINDOW);
    if (!c->win) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->fd < 0) {
        rc = pcn_error_set(reterr, errno == ENOENT ? PCN_ENOTFOUND : PCN_EIO, "%s: %s", path,
                           strerror(errno));
        goto out;
    }
    if (fstat(c->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            rc = pcn_error_set(reterr, PCN_EINVAL, "%s: is a directory", path);
            goto out;
        }
        if (S_ISREG(st.st_mode))
            c->size = (unsigned long long)st.st_size;
    }
    *ret = c;
    c = NULL;
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    return rc;
}

enum pcn_err pcn_csv_new_mem(const char *data, size_t len, const char *name, struct pcn_csv **ret)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = csv_alloc(name ? name : "<memory>", &c);

    if (rc != PCN_OK)
        return rc;
    c->mem = data;
    c->mem_len = len;
    c->size = len;
    *ret = c;
    return PCN_OK;
}

void pcn_csv_free(struct pcn_csv *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        (void)close(c->fd);
    if (!c->mem)
        pcn_free(c->win); /* memory input borrows the caller's bytes */
    pcn_free(c->name);
    pcn_free(c->rec);
    pcn_free(c->starts);
    pcn_free((void *)c->fields);
    pcn_free(c);
}

/* Refill the window. Returns PCN_OK (possibly setting eof) or PCN_EIO. */
static enum pcn_err csv_fill(struct pcn_csv *c, struct pcn_error *reterr)
{
    ssize_t n;

    if (c->fd < 0) {
        if (!c->win_len && !c->eof) {
            c->win = (char *)c->mem; /* read-only use */
            c->win_len = c->mem_len;
            c->win_pos = 0;
            c->eof = c->mem_len == 0;
        } else {
            c->eof = true;
        }
        return PCN_OK;
    }
    for (;;) {
        n = read(c->fd, c->win, CSV_WINDOW);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if (n < 0)
        return pcn_error_set(reterr, PCN_EIO, "%s:%lu: read error: %s", c->name, c->line,
                             strerror(errno));
    c->win_len = (size_t)n;
    c->win_pos = 0;
    if (n == 0)
        c->eof = true;
    return PCN_OK;
}

/* Make room for n more bytes in the record buffer (plus one for a NUL). */
static enum pcn_err rec_reserve(struct pcn_csv *c, size_t n)
{
    size_t want;
    char *p;

    if (c->rec_len + n < c->rec_alloc)
        return PCN_OK;
    if (c->rec_len + n >= PCN_CSV_MAX_RECORD + 2)
        return PCN_ELIMIT;
    want = c->rec_alloc ? c->rec_alloc : 4096;
    while (want <= c->rec_len + n)
        want *= 2;
    if (want > PCN_CSV_MAX_RECORD + 2)
        want = PCN_CSV_MAX_RECORD + 2;
    p = pcn_reallocarray(c->rec, want, 1);
    if (!p)
        return PCN_ENOMEM;
    c->rec = p;
    c->rec_alloc = want;
    return PCN_OK;
}

static enum pcn_err rec_put(struct pcn_csv *c, char ch)
{
    enum pcn_err rc = rec_reserve(c, 1);

    if (rc != PCN_OK)
        return rc;
    c->rec[c->rec_len++] = ch;
    return PCN_OK;
}

/* Bytes that end a run of ordinary field content. */
static bool is_special(char ch, bool quoted)
{
    return quoted ? ch == '"' || ch == '\n' : ch == ',' || ch == '\n' || ch == '\r' || ch == '"';
}

/*
 * Fast path: copy the run of ordinary bytes at the window position into the
 * record in one go. The state machine then sees only the special bytes.
 */
static enum pcn_err copy_run(struct pcn_csv *c, bool quoted, size_t *ret_n)
{
    const char *start = c->win + c->win_pos;
    const char *end = c->win + c->win_len;
    const char *p = start;
    size_t n;
    enum pcn_err rc;

    while (p < end && !is_special(*p, quoted))
        p++;
    n = (size_t)(p - start);
    *ret_n = n;
    if (n == 0)
        return PCN_OK;
    rc = rec_reserve(c, n);
    if (rc != PCN_OK)
        return rc;
    memcpy(c->rec + c->rec_len, start, n);
    c->rec_len += n;
    c->win_pos += n;
    c->consumed += n;
    return PCN_OK;
}

enum csv_state { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED, ST_CR };

static enum pcn_err end_field(struct pcn_csv *c)
{
    enum pcn_err rc;

    if (c->n_fields >= PCN_CSV_MAX_FIELDS)
        return PCN_ELIMIT;
    rc = rec_put(c, '\0');
    if (rc != PCN_OK)
        return rc;
    c->n_fields++;
    c->starts[c->n_fields] = c->rec_len;
    return PCN_OK;
}

static enum pcn_err csv_fail(struct pcn_csv *c, enum pcn_err rc, struct pcn_error *reterr,
                             const char *what)
{
    if (rc == PCN_ENOMEM)
        return pcn_error_set(reterr, rc, "%s:%lu: out of memory", c->name, c->rec_line);
    if (rc == PCN_ELIMIT)
        return pcn_error_set(reterr, rc, "%s:%lu: record too large (over %d fields or %zu bytes)",
                             c->name, c->rec_line, PCN_CSV_MAX_FIELDS, PCN_CSV_MAX_RECORD);
    return pcn_error_set(reterr, rc, "%s:%lu: %s", c->name, c->rec_line, what);
}

/*
 * Finish a record: build field pointers and validate UTF-8. The whole record
 * is checked at once (its NUL separators cannot continue a sequence, so it
 * is valid exactly when every field is); the fields only when it fails.
 */
static enum pcn_err csv_finish(struct pcn_csv *c, struct pcn_error *reterr)
{
    for (size_t i = 0; i < c->n_fields; i++) {
        c->fields[i] = c->rec + c->starts[i];
        /* a NUL byte inside a field would cut it short, silently */
        if (memchr(c->fields[i], '\0', c->starts[i + 1] - c->starts[i] - 1))
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: field %zu contains a NUL byte",
                                 c->name, c->rec_line, i + 1);
    }
    if (pcn_utf8_valid(c->rec, c->rec_len))
        return PCN_OK;
    for (size_t i = 0; i < c->n_fields; i++) {
        size_t len = c->starts[i + 1] - c->starts[i] - 1;
        if (!pcn_utf8_valid(c->fields[i], len))
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: field %zu is not valid UTF-8",
                                 c->name, c->rec_line, i + 1);
    }
    return PCN_OK;
}

static void csv_skip_bom(struct pcn_csv *c)
{
    c->started = true;
    if (c->win_len - c->win_pos >= 3 && memcmp(c->win + c->win_pos, "\xEF\xBB\xBF", 3) == 0) {
        c->win_pos += 3;
        c->consumed += 3;
    }
}

/* Feed one byte to the state machine. Sets *done when a record ends. */
static enum pcn_err csv_step(struct pcn_csv *c, enum csv_state *st, char ch, bool *done)
{
    enum pcn_err rc = PCN_OK;

    switch (*st) {
    case ST_CR:
        if (ch != '\n')
            return PCN_EPARSE;
        c->line++;
        *done = true;
        return PCN_OK;
    case ST_QUOTED:
        if (ch == '"') {
            *st = ST_QUOTE_IN_QUOTED;
            return PCN_OK;
        }
        if (ch == '\n')
            c->line++;
        return rec_put(c, ch);
    case ST_QUOTE_IN_QUOTED:
        if (ch == '"') {
            *st = ST_QUOTED;
            return rec_put(c, '"');
        }
        if (ch != ',' && ch != '\n' && ch != '\r')
            return PCN_EPARSE;
        break;
    case ST_FIELD_START:
        if (ch == '"') {
            *st = ST_QUOTED;
            return PCN_OK;
        }
        break;
    case ST_UNQUOTED:
        if (ch == '"')
            return PCN_EPARSE;
        break;
    }
    /* unquoted content, or the byte after a closing quote */
    if (ch == ',') {
        *st = ST_FIELD_START;
        return end_field(c);
    }
    if (ch == '\n' || ch == '\r') {
        rc = end_field(c);
        if (rc != PCN_OK)
            return rc;
        if (ch == '\r') {
            *st = ST_CR;
            return PCN_OK;
        }
        c->line++;
        *done = true;
        return PCN_OK;
    }
    *st = ST_UNQUOTED;
    return rec_put(c, ch);
}

/*
 * Fast path for the common record: whole in the window, no quotes, no
 * carriage return but before its line feed. Split it at commas in one pass.
 * Sets *done when it took the record; otherwise the state machine does.
 */
static enum pcn_err csv_plain_record(struct pcn_csv *c, bool *done)
{
    const char *start = c->win + c->win_pos;
    size_t avail = c->win_len - c->win_pos;
    const char *nl = memchr(start, '\n', avail);
    size_t len;
    size_t n_fields = 0;
    char *out;
    enum pcn_err rc;

    if (!nl)
        return PCN_OK;
    len = (size_t)(nl - start);
    if (len > 0 && start[len - 1] == '\r')
        len--; /* CRLF */
    if (memchr(start, '"', len) || memchr(start, '\r', len))
        return PCN_OK;
    rc = rec_reserve(c, len + 1);
    if (rc != PCN_OK)
        return rc;
    out = c->rec;
    memcpy(out, start, len);
    out[len] = '\0';
    for (char *comma = memchr(out, ',', len); comma;
         comma = memchr(comma + 1, ',', len - (size_t)(comma + 1 - out))) {
        if (n_fields + 1 >= PCN_CSV_MAX_FIELDS)
            return PCN_ELIMIT;
        *comma = '\0';
        c->starts[++n_fields] = (size_t)(comma - out) + 1;
    }
    c->starts[++n_fields] = len + 1;
    c->n_fields = n_fields;
    c->rec_len = len + 1;
    c->consumed += (size_t)(nl - start) + 1;
    c->win_pos += (size_t)(nl - start) + 1;
    c->line++;
    *done = true;
    return PCN_OK;
}

static enum pcn_err csv_read_record(struct pcn_csv *c, struct pcn_error *reterr)
{
    enum csv_state st = ST_FIELD_START;
    bool done = false;
    bool any = false;
    enum pcn_err rc;

    c->rec_len = 0;
    c->n_fields = 0;
    c->starts[0] = 0;
    c->rec_line = c->line;
    if (c->started && c->win_pos < c->win_len) {
        rc = csv_plain_record(c, &done);
        if (rc != PCN_OK)
            return csv_fail(c, rc, reterr, "");
        if (done)
            return csv_finish(c, reterr);
    }
    while (!done) {
        if (c->win_pos >= c->win_len) {
            rc = csv_fill(c, reterr);
            if (rc != PCN_OK)
                return rc;
            if (c->eof && c->win_pos >= c->win_len)
                break;
        }
        if (!c->started)
            csv_skip_bom(c);
        while (c->win_pos < c->win_len && !done) {
            char ch;
            any = true;
            if (st == ST_UNQUOTED || st == ST_QUOTED || st == ST_FIELD_START) {
                size_t copied = 0;
                rc = copy_run(c, st == ST_QUOTED, &copied);
                if (rc != PCN_OK)
                    return csv_fail(c, rc, reterr, "");
                if (st == ST_FIELD_START && copied)
                    st = ST_UNQUOTED;
                if (c->win_pos >= c->win_len)
                    break;
            }
            ch = c->win[c->win_pos++];
            c->consumed++;
            rc = csv_step(c, &st, ch, &done);
            if (rc == PCN_EPARSE)
                return csv_fail(c, rc, reterr,
                                st == ST_CR ? "carriage return not followed by line feed"
                                            : "bad quoting (a quote inside an unquoted field, "
                                              "or text after a closing quote)");
            if (rc != PCN_OK)
                return csv_fail(c, rc, reterr, "");
        }
    }
    if (!any)
        return PCN_ENOTFOUND;
    if (!done) {
        if (st == ST_QUOTED)
            return csv_fail(c, PCN_EPARSE, reterr, "unterminated quoted field at end of file");
        rc = end_field(c); /* last record without a final newline */
        if (rc != PCN_OK)
            return csv_fail(c, rc, reterr, "");
    }
    return csv_finish(c, reterr);
}

enum pcn_err pcn_csv_next(struct pcn_csv *c, struct pcn_error *reterr)
{
    for (;;) {
        enum pcn_err rc = csv_read_record(c, reterr);
        if (rc != PCN_OK)
            return rc;
        if (!(c->n_fields == 1 && c->fields[0][0] == '\0'))
            return PCN_OK;
    }
}

size_t pcn_csv_nfields(const struct pcn_csv *c)
{
    return c->n_fields;
}

const char *pcn_csv_field(const struct pcn_csv *c, size_t i, size_t *ret_len)
{
    if (PCN_NEVER(i >= c->n_fields)) {
        if (ret_len)
            *ret_len = 0;
        return "";
    }
    if (ret_len)
        *ret_len = c->starts[i + 1] - c->starts[i] - 1;
    return c->fields[i];
}

unsigned long pcn_csv_line(const struct pcn_csv *c)
{
    return c->rec_line;
}

const char *pcn_csv_name(const struct pcn_csv *c)
{
    return c->name;
}

unsigned long long pcn_csv_offset(const struct pcn_csv *c)
{
    return c->consumed;
}

unsigned long long pcn_csv_size(const struct pcn_csv *c)
{
    return c->size;
}

long pcn_csv_find(const struct pcn_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_fields; i++) {
        if (strcmp(c->fields[i], name) == 0)
            return (long)i;
    }
    return -1;
}

enum pcn_err pcn_csv_write_field(struct pcn_buf *buf, const char *s, size_t len)
{
    bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    enum pcn_err rc;

    for (size_t i = 0; i < len && !quote; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    }
    if (!quote)
        return pcn_buf_add(buf, s, len);
    rc = pcn_buf_addch(buf, '"');
    for (size_t i = 0; i < len && rc == PCN_OK; i++) {
        rc = s[i] == '"' ? pcn_buf_add(buf, "\"\"", 2) : pcn_buf_addch(buf, s[i]);
    }
    if (rc == PCN_OK)
        rc = pcn_buf_addch(buf, '"');
    return rc;
}
