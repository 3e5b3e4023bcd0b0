/*
 * lex.h - lexer of the definition language (internal to the engine).
 */
#ifndef PCN_ENGINE_LEX_H
#define PCN_ENGINE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

enum tok_kind { TOK_EOF, TOK_NAME, TOK_NUM, TOK_STR, TOK_DATE, TOK_PUNCT };

struct token {
    enum tok_kind kind;
    size_t off, len; /* span in the source text (strings include the quotes) */
    int line, col;   /* 1-based */
    double num;      /* TOK_NUM */
    int32_t date;    /* TOK_DATE */
};

struct lexer {
    const char *name; /* file name for messages; borrowed */
    const char *text; /* borrowed */
    size_t len, pos, line_start;
    int line;
    struct pcn_error *err;
};

void pcn__lex_init(struct lexer *lx, const char *name, const char *text, size_t len,
                   struct pcn_error *err);
/* Next token into *t; PCN_EPARSE with the error filled on bad input. */
enum pcn_err pcn__lex_next(struct lexer *lx, struct token *t);
/* Fill the error for token t ("FILE:LINE:COL: msg", line, underline); returns PCN_EPARSE. */
enum pcn_err pcn__lex_error(struct lexer *lx, const struct token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Is t the name or punctuation s? */
bool pcn__tok_is(const struct lexer *lx, const struct token *t, const char *s);
/* Copy a string literal's body (without quotes) resolving \ escapes; out has len + 1 bytes. */
size_t pcn__unescape(const char *s, size_t len, char *out);
/* Levenshtein distance (99 for names longer than 64). */
int pcn__edit_distance(const char *a, size_t la, const char *b, size_t lb);

#endif /* PCN_ENGINE_LEX_H */
