/*
 * codelist.c - the one reader of code list files (rules in pcn/codelist.h).
 * The file is read whole (code lists are small) and parsed from memory:
 * .txt code sets line by line here, CSV through the RFC 4180 reader of
 * util/csv.c. Repeats are found with a string map local to one read.
 */
#include "pcn/codelist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

#define READ_CHUNK 16384
#define ARENA_BLOCK 16384

/* One read in progress. */
struct reader {
    struct pcn_codelist *cl;
    struct pcn_strmap *seen; /* code -> index in cl->entries */
    const char *path;        /* for messages */
    struct pcn_error *err;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True if s[0..len) equals the lower-case name, ignoring ASCII case. */
static bool name_is(const char *s, size_t len, const char *name)
{
    if (strlen(name) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (ascii_lower(s[i]) != name[i])
            return false;
    }
    return true;
}

static const char *const code_names[] = {
    "code", "snomedcode", "snomed_code", "ctv3code", "ctv3_id", "ctv3id", "dmd_id", "dmd", "id"};
static const char *const term_names[] = {"term", "description", "dmd_name", "name"};

static bool is_code_name(const char *s, size_t len)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(code_names); i++) {
        if (name_is(s, len, code_names[i]))
            return true;
    }
    return false;
}

/* True if every byte of s[0..len) is printable ASCII other than space, comma and quote. */
static bool code_chars_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c > '~' || c == ',' || c == '"')
            return false;
    }
    return true;
}

/* A copy of s[0..len) in the list's arena; the empty string needs none. */
static const char *keep(struct pcn_codelist *cl, const char *s, size_t len)
{
    return len ? pcn_arena_strndup(cl->arena, s, len) : "";
}

/* Add one code unless the list has it already. line is for messages. */
static enum pcn_err add_code(struct reader *r, unsigned long line, const char *code, size_t len,
                             const char *term, size_t term_len, const char *extra, size_t extra_len)
{
    struct pcn_codelist *cl = r->cl;
    struct pcn_codelist_entry *e;
    uint64_t at;
    int added = 0;
    enum pcn_err rc;

    if (len > PCN_CODELIST_CODE_MAX)
        return pcn_error_set(r->err, PCN_EPARSE, "%s:%lu: code longer than %d bytes", r->path, line,
                             PCN_CODELIST_CODE_MAX);
    if (!code_chars_ok(code, len))
        return pcn_error_set(r->err, PCN_EPARSE,
                             "%s:%lu: code with a character other than printable ASCII "
                             "(or with a space, comma or quote)",
                             r->path, line);
    rc = pcn_strmap_intern(r->seen, code, len, cl->n, &at, &added);
    if (rc == PCN_OK && !added) {
        cl->n_repeats++;
        return PCN_OK;
    }
    if (rc == PCN_OK)
        rc = PCN_GROW(cl->entries, cl->n + 1, cl->alloc);
    if (rc != PCN_OK)
        return pcn_error_set(r->err, rc, "%s: out of memory", r->path);
    e = &cl->entries[cl->n];
    e->code = keep(cl, code, len);
    e->term = keep(cl, term, term_len);
    e->extra = keep(cl, extra, extra_len);
    if (!e->code || !e->term || !e->extra)
        return pcn_error_set(r->err, PCN_ENOMEM, "%s: out of memory", r->path);
    cl->n++;
    return PCN_OK;
}

static enum pcn_err too_large(const char *path, struct pcn_error *reterr)
{
    return pcn_error_set(reterr, PCN_ELIMIT, "%s: code list larger than %zu MiB", path,
                         PCN_CODELIST_FILE_MAX >> 20);
}

/* Read the whole file at path into b (capped at PCN_CODELIST_FILE_MAX). */
static enum pcn_err read_file(const char *path, struct pcn_buf *b, struct pcn_error *reterr)
{
    char chunk[READ_CHUNK];
    struct stat st = {0};
    /* non-blocking: opening a FIFO must not wait for a writer (it is refused below) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    enum pcn_err rc = PCN_OK;

    if (fd < 0)
        return pcn_error_set(reterr, errno == ENOENT ? PCN_ENOTFOUND : PCN_EIO,
                             "%s: cannot open code list: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: cannot open code list: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = pcn_error_set(reterr, PCN_EIO, "%s: cannot open code list: is a directory", path);
    else if (!S_ISREG(st.st_mode))
        rc = pcn_error_set(reterr, PCN_EIO,
                           "%s: cannot open code list: not a regular file (a FIFO, device "
                           "or socket)",
                           path);
    else if ((uint64_t)st.st_size > PCN_CODELIST_FILE_MAX)
        rc = too_large(path, reterr);
    while (rc == PCN_OK) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = pcn_error_set(reterr, PCN_EIO, "%s: read error: %s", path, strerror(errno));
        if (n <= 0)
            break;
        rc = pcn_buf_add(b, chunk, (size_t)n);
        if (rc == PCN_ELIMIT)
            rc = too_large(path, reterr);
        else if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "%s: out of memory", path);
    }
    (void)close(fd);
    return rc;
}

/* One line of a .txt code set (its LF removed). *header_done: a code line was seen. */
static enum pcn_err txt_line(struct reader *r, const char *s, size_t n, unsigned long line,
                             bool *header_done)
{
    size_t code_len = 0;
    const char *term;
    size_t term_len;

    if (!pcn_utf8_valid(s, n) || memchr(s, '\0', n))
        return pcn_error_set(r->err, PCN_EPARSE, "%s:%lu: not valid UTF-8 text", r->path, line);
    while (n && (is_blank(s[n - 1]) || s[n - 1] == '\r'))
        n--;
    while (n && is_blank(*s))
        s++, n--;
    if (n == 0 || *s == '#')
        return PCN_OK;
    while (code_len < n && !is_blank(s[code_len]) && s[code_len] != ',')
        code_len++;
    if (code_len == 0)
        return PCN_OK; /* ",term": an empty code, skipped like an empty CSV cell */
    term = s + PCN_MIN(code_len + 1, n);
    term_len = n - (size_t)(term - s);
    while (term_len && is_blank(*term))
        term++, term_len--;
    if (!*header_done) {
        *header_done = true;
        if (is_code_name(s, code_len))
            return PCN_OK;
    }
    return add_code(r, line, s, code_len, term, term_len, "", 0);
}

static enum pcn_err read_txt(struct reader *r, const char *text, size_t len)
{
    size_t pos = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    unsigned long line = 0;
    bool header_done = false;
    enum pcn_err rc = PCN_OK;

    while (rc == PCN_OK && pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        rc = txt_line(r, s, n, ++line, &header_done);
    }
    return rc;
}

/* Column `name` (exact) of the header, or an error naming it. */
static enum pcn_err named_column(struct reader *r, const struct pcn_csv *c, const char *name,
                                 long *ret)
{
    *ret = pcn_csv_find(c, name);
    if (*ret < 0)
        return pcn_error_set(r->err, PCN_EINVAL, "%s:1: no column '%s' in the header", r->path,
                             name);
    return PCN_OK;
}

/* First column other than `skip` whose name is one of names (any ASCII case), or -1. */
static long first_named(const struct pcn_csv *c, const char *const *names, size_t n_names,
                        long skip)
{
    for (size_t i = 0; i < pcn_csv_nfields(c); i++) {
        size_t len = 0;
        const char *s = pcn_csv_field(c, i, &len);
        for (size_t k = 0; (long)i != skip && k < n_names; k++) {
            if (name_is(s, len, names[k]))
                return (long)i;
        }
    }
    return -1;
}

/* The code, term and extra columns of the header record (-1: none). */
static enum pcn_err pick_columns(struct reader *r, const struct pcn_csv *c,
                                 const struct pcn_codelist_opts *o, long ret[3])
{
    enum pcn_err rc = PCN_OK;

    ret[2] = -1;
    ret[0] = pcn_csv_find(c, "code");
    if (o->column)
        rc = named_column(r, c, o->column, &ret[0]);
    else if (ret[0] < 0)
        ret[0] = PCN_MAX(first_named(c, code_names, PCN_ARRAY_SIZE(code_names), -1), 0);
    ret[1] = pcn_csv_find(c, "term");
    if (rc == PCN_OK && o->term_column)
        rc = named_column(r, c, o->term_column, &ret[1]);
    else if (ret[1] < 0 || ret[1] == ret[0])
        ret[1] = first_named(c, term_names, PCN_ARRAY_SIZE(term_names), ret[0]);
    if (rc == PCN_OK && o->extra_column)
        rc = named_column(r, c, o->extra_column, &ret[2]);
    return rc;
}

/* Cell i of the current record, or "" when the record is shorter. */
static const char *cell(const struct pcn_csv *c, long i, size_t *ret_len)
{
    *ret_len = 0;
    return i >= 0 && (size_t)i < pcn_csv_nfields(c) ? pcn_csv_field(c, (size_t)i, ret_len) : "";
}

/* One record after the header. */
static enum pcn_err csv_record(struct reader *r, const struct pcn_csv *c, const long cols[3])
{
    size_t len, term_len, extra_len;
    const char *code = cell(c, cols[0], &len);
    const char *term = cell(c, cols[1], &term_len);
    const char *extra = cell(c, cols[2], &extra_len);

    while (len && is_blank(*code))
        code++, len--;
    while (len && is_blank(code[len - 1]))
        len--;
    if (len == 0)
        return PCN_OK;
    return add_code(r, pcn_csv_line(c), code, len, term, term_len, extra, extra_len);
}

static enum pcn_err read_csv(struct reader *r, const char *text, size_t len,
                             const struct pcn_codelist_opts *o)
{
    struct pcn_csv *c = NULL;
    long cols[3];
    enum pcn_err rc = pcn_csv_new_mem(text, len, r->path, &c);

    if (rc != PCN_OK)
        return pcn_error_set(r->err, rc, "%s: out of memory", r->path);
    rc = pcn_csv_next(c, r->err);
    if (rc == PCN_OK)
        rc = pick_columns(r, c, o, cols);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, r->err);
        if (rc == PCN_OK)
            rc = csv_record(r, c, cols);
    }
    pcn_csv_free(c);
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

static bool is_txt(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && name_is(path + n - 4, 4, ".txt");
}

enum pcn_err pcn_codelist_read(struct pcn_codelist *cl, const char *path,
                               const struct pcn_codelist_opts *opts, struct pcn_error *reterr)
{
    static const struct pcn_codelist_opts none = {NULL, NULL, NULL};
    const struct pcn_codelist_opts *o = opts ? opts : &none;
    struct reader r = {cl, NULL, path, reterr};
    struct pcn_buf text;
    enum pcn_err rc;

    if (!cl || !path || cl->n || cl->arena)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: code list not empty", path ? path : "?");
    if (is_txt(path) && (o->column || o->term_column || o->extra_column))
        return pcn_error_set(reterr, PCN_EINVAL, "%s: a .txt code list has no named columns", path);
    pcn_buf_init(&text, PCN_CODELIST_FILE_MAX);
    cl->arena = pcn_arena_new(ARENA_BLOCK, 0);
    r.seen = pcn_strmap_new();
    rc = cl->arena && r.seen ? read_file(path, &text, reterr)
                             : pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", path);
    if (rc == PCN_OK)
        rc = is_txt(path) ? read_txt(&r, text.buf, text.len) : read_csv(&r, text.buf, text.len, o);
    if (rc == PCN_OK && cl->n == 0)
        rc = pcn_error_set(reterr, PCN_EPARSE, "%s: no codes in the code list", path);
    pcn_strmap_free(r.seen);
    pcn_buf_release(&text);
    if (rc != PCN_OK)
        pcn_codelist_release(cl);
    return rc;
}

void pcn_codelist_release(struct pcn_codelist *cl)
{
    if (!cl)
        return;
    pcn_free(cl->entries);
    pcn_arena_free(cl->arena);
    *cl = (struct pcn_codelist)PCN_CODELIST_INIT;
}
