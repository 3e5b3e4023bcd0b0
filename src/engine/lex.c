/*
 * lex.c - the definition language's lexer and its error reporter. Tokens
 * are spans of the source text with their line and column; errors are
 * rendered as "FILE:LINE:COL: message", the source line and a ^~~~
 * underline under the offending span.
 */
#include "engine/lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "util/common.h"

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || is_digit(c);
}

void pcn__lex_init(struct lexer *lx, const char *name, const char *text, size_t len,
                   struct pcn_error *err)
{
    memset(lx, 0, sizeof(*lx));
    lx->name = name;
    lx->text = text;
    lx->len = len;
    lx->line = 1;
    lx->err = err;
}

enum pcn_err pcn__lex_error(struct lexer *lx, const struct token *t, const char *fmt, ...)
{
    struct pcn_buf b = PCN_BUF_INIT;
    size_t ls = t->off; /* start of the offending line */
    size_t le = ls;     /* its end */
    size_t n;
    va_list ap;

    while (ls > 0 && lx->text[ls - 1] != '\n')
        ls--;
    while (le < lx->len && lx->text[le] != '\n' && lx->text[le] != '\r')
        le++;
    (void)pcn_buf_addf(&b, "%s:%d:%d: ", lx->name, t->line, t->col);
    va_start(ap, fmt);
    (void)pcn_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    n = PCN_MIN(le - ls, (size_t)200);
    (void)pcn_buf_addf(&b, "\n    %.*s\n    ", (int)n, lx->text + ls);
    for (size_t i = ls; i < t->off && i - ls < n; i++)
        (void)pcn_buf_addch(&b, lx->text[i] == '\t' ? '\t' : ' ');
    (void)pcn_buf_addch(&b, '^');
    for (size_t i = 1; i < t->len && t->off + i < le && i < 80; i++)
        (void)pcn_buf_addch(&b, '~');
    (void)pcn_error_set(lx->err, PCN_EPARSE, "%s", b.buf);
    pcn_buf_release(&b);
    return PCN_EPARSE;
}

static void skip_space(struct lexer *lx)
{
    for (;;) {
        char c;
        if (lx->pos >= lx->len)
            return;
        c = lx->text[lx->pos];
        if (c == '\n') {
            lx->line++;
            lx->line_start = lx->pos + 1;
            lx->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            lx->pos++;
        } else if (c == '#') {
            while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
                lx->pos++;
        } else {
            return;
        }
    }
}

/* "YYYY-MM-DD" at the current position? */
static bool looks_like_date(const struct lexer *lx)
{
    const char *s = lx->text + lx->pos;
    static const char pat[] = "dddd-dd-dd";

    if (lx->len - lx->pos < 10)
        return false;
    for (size_t i = 0; i < 10; i++) {
        if (pat[i] == 'd' ? !is_digit(s[i]) : s[i] != '-')
            return false;
    }
    return lx->len - lx->pos == 10 || !is_name_char(s[10]);
}

static enum pcn_err lex_number(struct lexer *lx, struct token *t)
{
    size_t p = lx->pos;

    while (p < lx->len && (is_digit(lx->text[p]) || lx->text[p] == '.'))
        p++;
    if (p < lx->len && (lx->text[p] == 'e' || lx->text[p] == 'E') && p + 1 < lx->len &&
        (is_digit(lx->text[p + 1]) || lx->text[p + 1] == '-' || lx->text[p + 1] == '+')) {
        p += 2;
        while (p < lx->len && is_digit(lx->text[p]))
            p++;
    }
    t->kind = TOK_NUM;
    t->len = p - lx->pos;
    lx->pos = p;
    if (pcn_parse_double(lx->text + t->off, t->len, &t->num) != PCN_OK)
        return pcn__lex_error(lx, t, "malformed number");
    if (p < lx->len && is_name_start(lx->text[p]) && lx->text[p] != 'e') {
        t->len++;
        return pcn__lex_error(lx, t, "malformed number");
    }
    return PCN_OK;
}

static enum pcn_err lex_string(struct lexer *lx, struct token *t)
{
    size_t p = lx->pos + 1;

    for (;;) {
        if (p >= lx->len || lx->text[p] == '\n') {
            t->len = p - lx->pos;
            return pcn__lex_error(lx, t, "unterminated string");
        }
        if (lx->text[p] == '\\' && p + 1 < lx->len) {
            p += 2;
            continue;
        }
        if (lx->text[p] == '"')
            break;
        p++;
    }
    t->kind = TOK_STR;
    t->len = p + 1 - lx->pos;
    lx->pos = p + 1;
    /* titles and labels reach JSON and CSV as they are */
    if (!pcn_utf8_valid(lx->text + t->off + 1, t->len - 2))
        return pcn__lex_error(lx, t, "a string must be valid UTF-8");
    return PCN_OK;
}

static enum pcn_err lex_punct(struct lexer *lx, struct token *t)
{
    static const char *const two[] = {"==", "!=", "<=", ">="};
    static const char one[] = "(){},.=<>+-*/";
    const char *s = lx->text + lx->pos;

    for (size_t i = 0; i < PCN_ARRAY_SIZE(two); i++) {
        if (lx->len - lx->pos >= 2 && s[0] == two[i][0] && s[1] == two[i][1]) {
            t->kind = TOK_PUNCT;
            t->len = 2;
            lx->pos += 2;
            return PCN_OK;
        }
    }
    if (strchr(one, s[0])) {
        t->kind = TOK_PUNCT;
        t->len = 1;
        lx->pos++;
        return PCN_OK;
    }
    t->len = 1;
    return pcn__lex_error(lx, t, "unexpected character '%c'", s[0]);
}

enum pcn_err pcn__lex_next(struct lexer *lx, struct token *t)
{
    char c;

    skip_space(lx);
    memset(t, 0, sizeof(*t));
    t->off = lx->pos;
    t->line = lx->line;
    t->col = (int)(lx->pos - lx->line_start) + 1;
    if (lx->pos >= lx->len) {
        t->kind = TOK_EOF;
        return PCN_OK;
    }
    c = lx->text[lx->pos];
    if (looks_like_date(lx)) {
        t->kind = TOK_DATE;
        t->len = 10;
        lx->pos += 10;
        if (pcn_date_parse(lx->text + t->off, 10, &t->date) != PCN_OK)
            return pcn__lex_error(lx, t, "not a valid date");
        return PCN_OK;
    }
    if (is_digit(c))
        return lex_number(lx, t);
    if (c == '"')
        return lex_string(lx, t);
    if (is_name_start(c)) {
        size_t p = lx->pos;
        while (p < lx->len && is_name_char(lx->text[p]))
            p++;
        t->kind = TOK_NAME;
        t->len = p - lx->pos;
        lx->pos = p;
        return PCN_OK;
    }
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
        t->len = 1;
        return pcn__lex_error(lx, t, "unexpected byte 0x%02x", (unsigned char)c);
    }
    return lex_punct(lx, t);
}

bool pcn__tok_is(const struct lexer *lx, const struct token *t, const char *s)
{
    size_t n = strlen(s);
    return (t->kind == TOK_NAME || t->kind == TOK_PUNCT) && t->len == n &&
           memcmp(lx->text + t->off, s, n) == 0;
}

size_t pcn__unescape(const char *s, size_t len, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len)
            i++;
        out[n++] = s[i];
    }
    out[n] = '\0';
    return n;
}

int pcn__edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    int row[65];

    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            best = PCN_MIN(best, up + 1);
            best = PCN_MIN(best, row[j - 1] + 1);
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
