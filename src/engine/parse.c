/*
 * parse.c - compiler of the definition language: a recursive-descent
 * parser that resolves names and checks types as it goes (a name must be
 * defined before use), producing nodes in the program. Each statement is
 * compiled in full or the load stops at the first error.
 */
#include "pcn/engine.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/lex.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/codelist.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

#define NONE UINT32_MAX
#define MAX_DEPTH 200
/*
 * Expression nodes in one program (the standard library has under 700):
 * a bound on what compiling and planning cost, however long the chains of
 * operators or `let`s in a hostile file.
 */
#define MAX_NODES 1000000

struct parser {
    struct pcn_program *prog;
    struct lexer lx;
    struct token tok;
    const char *base_dir;
    unsigned flags;
    int depth;
    struct pcn_strmap *literals; /* (type, unit, value) -> the literal's node: each made once */
    uint32_t score_value;        /* node bound to `value` inside a score's bands, else NONE */
};

static const char *const builtin_names[B_COUNT_] = {
    "as_of",     "age",          "date_of_birth",   "sex",        "practice", "network",
    "ethnicity", "imd_quintile", "registered_from", "registered",
};
static const uint8_t builtin_types[B_COUNT_] = {
    TY_DATE, TY_NUM, TY_DATE, TY_STR, TY_STR, TY_STR, TY_STR, TY_NUM, TY_DATE, TY_BOOL,
};
static const char *const agg_names[] = {"exists", "count", "count_codes", "first",
                                        "last",   "min",   "max"};
static const char *const fn_names[] = {"coalesce", "round", "band", "contacts", "continuity"};
static const char *const type_names[] = {"bool", "number", "date", "string", "event", "duration"};
static const char *const keywords[] = {
    "codelist", "codes", "let",        "register",     "indicator",   "score", "segment",
    "worklist", "and",   "or",         "not",          "is",          "null",  "case",
    "when",     "then",  "else",       "end",          "true",        "false", "within",
    "before",   "after", "between",    "on_or_before", "on_or_after", "where", "column",
    "band",     "rule",  "population",
};

/* ---- program bookkeeping ---- */

struct pcn_program *pcn_program_new(void)
{
    struct pcn_program *p = pcn_calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->names = pcn_strmap_new();
    p->strings = pcn_strmap_new();
    if (!p->names || !p->strings) {
        pcn_program_free(p);
        return NULL;
    }
    return p;
}

void pcn_program_free(struct pcn_program *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_queries; i++)
        pcn_free(p->queries[i].filters);
    for (size_t i = 0; i < p->n_codelists; i++) {
        for (size_t j = 0; j < p->codelists[i].n_codes; j++)
            pcn_free(p->codelists[i].codes[j]);
        pcn_free(p->codelists[i].codes);
        pcn_free(p->codelists[i].name);
        pcn_free(p->codelists[i].key);
    }
    for (size_t i = 0; i < p->n_defs; i++) {
        pcn_free(p->defs[i].name);
        pcn_free(p->defs[i].title);
        pcn_free(p->defs[i].items);
    }
    for (size_t i = 0; i < p->n_names; i++)
        pcn_free(p->name_list[i]);
    for (size_t i = 0; i < p->n_str; i++)
        pcn_free(p->str[i]);
    for (size_t i = 0; i < p->n_sources; i++) {
        pcn_free(p->sources[i].name);
        pcn_free(p->sources[i].text);
    }
    pcn_free(p->nodes);
    pcn_free(p->lists);
    pcn_free(p->queries);
    pcn_free(p->codelists);
    pcn_free(p->defs);
    pcn_free(p->name_list);
    pcn_free(p->str);
    pcn_free(p->sources);
    pcn_strmap_free(p->names);
    pcn_strmap_free(p->strings);
    pcn_free(p);
}

/*
 * A code list's content as a cache key: its class, then each code after
 * its length in two bytes, so equal lists, from any program, share one
 * index on a snapshot.
 */
static enum pcn_err list_key(struct codelist *cl)
{
    struct pcn_buf key = PCN_BUF_INIT;
    size_t size = 1;
    enum pcn_err rc;

    for (size_t k = 0; k < cl->n_codes; k++)
        size += 2 + strlen(cl->codes[k]);
    rc = pcn_buf_grow(&key, size);
    if (!rc)
        rc = pcn_buf_addch(&key, (char)(cl->builtin ? cl->builtin : CODE_CLASS_EVENT));
    for (size_t k = 0; !rc && k < cl->n_codes; k++) {
        size_t len = strlen(cl->codes[k]);
        rc = pcn_buf_addch(&key, (char)(len >> 8 & 0xff));
        if (!rc)
            rc = pcn_buf_addch(&key, (char)(len & 0xff));
        if (!rc)
            rc = pcn_buf_add(&key, cl->codes[k], len);
    }
    if (rc) {
        pcn_buf_release(&key);
        return rc;
    }
    cl->key_hash = pcn_hash_bytes(key.buf, key.len);
    cl->key = pcn_buf_detach(&key, &cl->key_len);
    return PCN_OK;
}

enum pcn_err pcn__program_seal(struct pcn_program *p)
{
    for (size_t i = 0; i < p->n_codelists; i++) {
        if (!p->codelists[i].key) {
            enum pcn_err rc = list_key(&p->codelists[i]);
            if (rc)
                return rc;
        }
    }
    return PCN_OK;
}

enum pcn_err pcn__program_intern(struct pcn_program *p, const char *s, size_t len, uint32_t *ret)
{
    uint64_t v;
    char *copy;
    enum pcn_err rc;

    if (pcn_strmap_get(p->strings, s, len, &v)) {
        *ret = (uint32_t)v;
        return PCN_OK;
    }
    rc = PCN_GROW(p->str, p->n_str + 1, p->alloc_str);
    if (rc)
        return rc;
    copy = pcn_strndup(s, len);
    if (!copy)
        return PCN_ENOMEM;
    rc = pcn_strmap_put(p->strings, s, len, p->n_str);
    if (rc) {
        pcn_free(copy);
        return rc;
    }
    p->str[p->n_str] = copy;
    *ret = (uint32_t)p->n_str++;
    return PCN_OK;
}

/* A literal's key in ps->literals: its type, unit (durations) and value. */
static size_t literal_key(const struct node *n, char out[16])
{
    out[0] = (char)n->type;
    out[1] = (char)n->sub;
    memcpy(out + 2, &n->num, sizeof(n->num));
    return 2 + sizeof(n->num);
}

static enum pcn_err add_node(struct parser *ps, struct node n, uint32_t *ret)
{
    struct pcn_program *p = ps->prog;
    char key[16];
    size_t key_len = n.op == OP_NUM ? literal_key(&n, key) : 0;
    uint64_t found = 0;
    enum pcn_err rc;

    /* a literal is made once: the same value in a thousand places is one constant to compute */
    if (key_len && ps->literals && pcn_strmap_get(ps->literals, key, key_len, &found)) {
        *ret = (uint32_t)found;
        return PCN_OK;
    }
    if (p->n_nodes >= MAX_NODES)
        return pcn__lex_error(&ps->lx, &ps->tok,
                              "the definitions are too large: more than %d expression nodes",
                              MAX_NODES);
    rc = PCN_GROW(p->nodes, p->n_nodes + 1, p->alloc_nodes);
    if (rc)
        return rc;
    if (n.op == OP_NUM)
        n.is_const = true;
    else if (n.op == OP_BUILTIN)
        n.is_const = n.sub == B_AS_OF;
    p->nodes[p->n_nodes] = n;
    *ret = (uint32_t)p->n_nodes++;
    if (key_len && ps->literals)
        rc = pcn_strmap_put(ps->literals, key, key_len, *ret);
    return rc;
}

static bool node_const(const struct parser *ps, uint32_t i)
{
    return i == NONE || ps->prog->nodes[i].is_const;
}

/* A node with children a and b; constant when they both are. */
static enum pcn_err mk2(struct parser *ps, uint8_t op, uint8_t type, uint8_t sub, uint32_t a,
                        uint32_t b, uint32_t *ret)
{
    struct node n = {.op = op, .type = type, .sub = sub, .a = a, .b = b, .aux = NONE};

    n.is_const = node_const(ps, a) && node_const(ps, b);
    return add_node(ps, n, ret);
}

static uint8_t ty(const struct parser *ps, uint32_t i)
{
    return ps->prog->nodes[i].type;
}

/* Record a global name; PCN_EPARSE if taken. */
static enum pcn_err define_name(struct parser *ps, const struct token *t, enum sym_kind kind,
                                size_t index)
{
    struct pcn_program *p = ps->prog;
    const char *s = ps->lx.text + t->off;
    char *copy;
    uint64_t old;
    enum pcn_err rc;

    if (pcn_strmap_get(p->names, s, t->len, &old))
        return pcn__lex_error(&ps->lx, t, "'%.*s' is already defined", (int)t->len, s);
    for (size_t i = 0; i < B_COUNT_; i++) {
        if (strlen(builtin_names[i]) == t->len && !memcmp(builtin_names[i], s, t->len))
            return pcn__lex_error(&ps->lx, t, "'%.*s' is a built-in variable", (int)t->len, s);
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(keywords); i++) {
        if (strlen(keywords[i]) == t->len && !memcmp(keywords[i], s, t->len))
            return pcn__lex_error(&ps->lx, t, "'%.*s' is a keyword", (int)t->len, s);
    }
    rc = PCN_GROW(p->name_list, p->n_names + 1, p->alloc_names);
    if (rc)
        return rc;
    copy = pcn_strndup(s, t->len);
    if (!copy)
        return PCN_ENOMEM;
    rc = pcn_strmap_put(p->names, s, t->len, ((uint64_t)kind << 32) | index);
    if (rc) {
        pcn_free(copy);
        return rc;
    }
    p->name_list[p->n_names++] = copy;
    return PCN_OK;
}

static void consider(const char *cand, const char *s, size_t len, const char **best, int *best_d)
{
    int d = pcn__edit_distance(cand, strlen(cand), s, len);
    int limit = len <= 3 ? 1 : 2;

    if (d <= limit && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

/* Closest known name to s, or NULL. */
static const char *suggest(const struct pcn_program *p, const char *s, size_t len)
{
    const char *best = NULL;
    int best_d = 99;

    for (size_t i = 0; i < p->n_names; i++)
        consider(p->name_list[i], s, len, &best, &best_d);
    for (size_t i = 0; i < B_COUNT_; i++)
        consider(builtin_names[i], s, len, &best, &best_d);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(agg_names); i++)
        consider(agg_names[i], s, len, &best, &best_d);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(fn_names); i++)
        consider(fn_names[i], s, len, &best, &best_d);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(keywords); i++)
        consider(keywords[i], s, len, &best, &best_d);
    return best;
}

static enum pcn_err unknown_name(struct parser *ps, const struct token *t, const char *what)
{
    const char *s = ps->lx.text + t->off;
    const char *sug = suggest(ps->prog, s, t->len);

    if (sug)
        return pcn__lex_error(&ps->lx, t, "unknown %s '%.*s'; did you mean '%s'?", what,
                              (int)t->len, s, sug);
    return pcn__lex_error(&ps->lx, t, "unknown %s '%.*s'", what, (int)t->len, s);
}

/* ---- token helpers ---- */

static enum pcn_err advance(struct parser *ps)
{
    return pcn__lex_next(&ps->lx, &ps->tok);
}

static bool at(const struct parser *ps, const char *s)
{
    return pcn__tok_is(&ps->lx, &ps->tok, s);
}

static const char *tok_desc(const struct parser *ps, char *buf, size_t size)
{
    if (ps->tok.kind == TOK_EOF)
        return "end of file";
    (void)snprintf(buf, size, "'%.*s'", (int)PCN_MIN(ps->tok.len, (size_t)40),
                   ps->lx.text + ps->tok.off);
    return buf;
}

static enum pcn_err expect(struct parser *ps, const char *s)
{
    char buf[64];

    if (!at(ps, s))
        return pcn__lex_error(&ps->lx, &ps->tok, "expected '%s' but found %s", s,
                              tok_desc(ps, buf, sizeof(buf)));
    return advance(ps);
}

static enum pcn_err expect_kind(struct parser *ps, enum tok_kind k, const char *what,
                                struct token *ret)
{
    char buf[64];

    *ret = ps->tok; /* set on failure too: callers' tokens are never left unset */
    if (ps->tok.kind != k)
        return pcn__lex_error(&ps->lx, &ps->tok, "expected %s but found %s", what,
                              tok_desc(ps, buf, sizeof(buf)));
    return advance(ps);
}

/* Copy of a string token's contents. Caller frees. */
static char *string_value(const struct parser *ps, const struct token *t)
{
    char *out = pcn_malloc(t->len);

    if (out)
        (void)pcn__unescape(ps->lx.text + t->off + 1, t->len - 2, out);
    return out;
}

static enum pcn_err type_error(struct parser *ps, const struct token *t, const char *what,
                               uint8_t want, uint8_t got)
{
    return pcn__lex_error(&ps->lx, t, "%s needs a %s but this is a %s", what, type_names[want],
                          type_names[got]);
}

/* bool and number mix freely: a bool counts as 1 or 0. */
static bool numeric(uint8_t t)
{
    return t == TY_NUM || t == TY_BOOL;
}

/* ---- expressions ---- */

static enum pcn_err parse_expr(struct parser *ps, uint32_t *ret);
static enum pcn_err parse_add(struct parser *ps, uint32_t *ret);

static enum pcn_err parse_duration(struct parser *ps, double amount, uint32_t *ret)
{
    static const char *const units[] = {"day", "week", "month", "year"};
    static const double per_10000_years[] = {3652425, 521775, 120000, 10000};
    const char *s = ps->lx.text + ps->tok.off;
    size_t len = ps->tok.len;

    if (len && s[len - 1] == 's')
        len--;
    for (size_t u = 0; u < PCN_ARRAY_SIZE(units); u++) {
        if (strlen(units[u]) == len && !memcmp(units[u], s, len)) {
            if (amount != floor(amount))
                return pcn__lex_error(&ps->lx, &ps->tok, "a duration must be a whole number of %ss",
                                      units[u]);
            if (fabs(amount) > per_10000_years[u])
                return pcn__lex_error(&ps->lx, &ps->tok,
                                      "durations are limited to 10,000 years (at most %.0f %ss)",
                                      per_10000_years[u], units[u]);
            struct node n = {
                .op = OP_NUM, .type = TY_DUR, .sub = (uint8_t)u, .num = amount, .aux = NONE};
            enum pcn_err rc = advance(ps);
            return rc ? rc : add_node(ps, n, ret);
        }
    }
    return pcn__lex_error(&ps->lx, &ps->tok, "expected days, weeks, months or years");
}

static bool is_unit(const struct parser *ps)
{
    static const char *const u[] = {"day",   "days",   "week", "weeks",
                                    "month", "months", "year", "years"};
    for (size_t i = 0; i < PCN_ARRAY_SIZE(u); i++) {
        if (at(ps, u[i]))
            return true;
    }
    return false;
}

static enum pcn_err parse_date_arg(struct parser *ps, const char *what, uint32_t *ret)
{
    struct token t = ps->tok;
    enum pcn_err rc = parse_add(ps, ret);

    if (rc)
        return rc;
    if (ty(ps, *ret) != TY_DATE)
        return type_error(ps, &t, what, TY_DATE, ty(ps, *ret));
    return PCN_OK;
}

static enum pcn_err add_filter(struct query *q, struct filter f)
{
    struct filter *nf = pcn_reallocarray(q->filters, q->n_filters + 1, sizeof(*nf));

    if (!nf)
        return PCN_ENOMEM;
    q->filters = nf;
    q->filters[q->n_filters++] = f;
    return PCN_OK;
}

static enum pcn_err parse_cmp_op(struct parser *ps, uint8_t *ret)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};

    for (size_t i = 0; i < PCN_ARRAY_SIZE(ops); i++) {
        if (at(ps, ops[i])) {
            *ret = (uint8_t)i;
            return advance(ps);
        }
    }
    return pcn__lex_error(&ps->lx, &ps->tok, "expected a comparison (== != < <= > >=)");
}

static enum pcn_err parse_filter(struct parser *ps, struct query *q)
{
    struct filter f = {0};
    struct token t = ps->tok;
    enum pcn_err rc;

    if (at(ps, "within")) {
        uint32_t dur, asof;
        struct node n = {.op = OP_BUILTIN, .type = TY_DATE, .sub = B_AS_OF, .aux = NONE};
        struct token num = {0};
        rc = advance(ps);
        if (!rc)
            rc = expect_kind(ps, TOK_NUM, "a number", &num);
        if (!rc)
            rc = parse_duration(ps, num.num, &dur);
        if (!rc)
            rc = add_node(ps, n, &asof);
        if (!rc)
            rc = mk2(ps, OP_DATEADD, TY_DATE, 1, asof, dur, &f.bound);
        f.kind = F_AFTER;
        return rc ? rc : add_filter(q, f);
    }
    if (at(ps, "before") || at(ps, "after") || at(ps, "on_or_before") || at(ps, "on_or_after")) {
        f.kind = at(ps, "before")         ? F_BEFORE
                 : at(ps, "after")        ? F_AFTER
                 : at(ps, "on_or_before") ? F_ON_OR_BEFORE
                                          : F_ON_OR_AFTER;
        rc = advance(ps);
        if (!rc)
            rc = parse_date_arg(ps, "this filter", &f.bound);
        return rc ? rc : add_filter(q, f);
    }
    if (at(ps, "between")) {
        struct filter g = {.kind = F_ON_OR_BEFORE};
        f.kind = F_ON_OR_AFTER;
        rc = advance(ps);
        if (!rc)
            rc = parse_date_arg(ps, "between", &f.bound);
        if (!rc)
            rc = expect(ps, "and");
        if (!rc)
            rc = parse_date_arg(ps, "between", &g.bound);
        if (!rc)
            rc = add_filter(q, f);
        return rc ? rc : add_filter(q, g);
    }
    if (at(ps, "where")) {
        bool neg = false;
        struct token num = {0};
        f.kind = F_VALUE;
        rc = advance(ps);
        if (!rc)
            rc = expect(ps, "value");
        if (!rc)
            rc = parse_cmp_op(ps, &f.cmp);
        if (!rc && at(ps, "-")) {
            neg = true;
            rc = advance(ps);
        }
        if (!rc)
            rc = expect_kind(ps, TOK_NUM, "a number", &num);
        f.num = neg ? -num.num : num.num;
        /*
         * Values are held in single precision: compare them with the
         * threshold held the same way, so that a recorded 5.2 meets
         * `where value >= 5.2` (docs/definitions.md, "Values").
         */
        if (fabs(f.num) <= FLT_MAX)
            f.num = (double)(float)f.num;
        return rc ? rc : add_filter(q, f);
    }
    return pcn__lex_error(&ps->lx, &t,
                          "expected a filter (within, before, after, on_or_before, "
                          "on_or_after, between, where)");
}

static enum pcn_err lookup(const struct parser *ps, const struct token *t, uint64_t *ret)
{
    return pcn_strmap_get(ps->prog->names, ps->lx.text + t->off, t->len, ret) ? PCN_OK
                                                                              : PCN_ENOTFOUND;
}

static enum pcn_err parse_query(struct parser *ps, uint8_t agg, uint32_t *ret)
{
    struct pcn_program *p = ps->prog;
    struct query q = {.agg = agg};
    struct token name = ps->tok;
    static const uint8_t agg_type[] = {TY_BOOL,  TY_NUM,   TY_NUM,  TY_EVENT,
                                       TY_EVENT, TY_EVENT, TY_EVENT};
    uint64_t sym;
    enum pcn_err rc;

    if (name.kind != TOK_NAME)
        return pcn__lex_error(&ps->lx, &name, "expected a code list name");
    if (lookup(ps, &name, &sym))
        return unknown_name(ps, &name, "code list");
    if ((sym >> 32) != SYM_CODELIST)
        return pcn__lex_error(&ps->lx, &name, "'%.*s' is not a code list", (int)name.len,
                              ps->lx.text + name.off);
    q.codelist = (uint32_t)sym;
    rc = advance(ps);
    while (!rc && at(ps, ",")) {
        rc = advance(ps);
        if (!rc)
            rc = parse_filter(ps, &q);
    }
    if (!rc)
        rc = expect(ps, ")");
    if (!rc)
        rc = PCN_GROW(p->queries, p->n_queries + 1, p->alloc_queries);
    if (rc) {
        pcn_free(q.filters);
        return rc;
    }
    p->queries[p->n_queries] = q;
    struct node n = {.op = OP_QUERY, .type = agg_type[agg], .aux = (uint32_t)p->n_queries++};
    return add_node(ps, n, ret);
}

/*
 * One name of a set after `role` or `mode` (record.h's names), or a list
 * of them in parentheses after `in`: their bits into *mask.
 */
static enum pcn_err parse_name_set(struct parser *ps, const char *what,
                                   enum pcn_err (*name_of)(const char *s, int *ret), unsigned *mask)
{
    bool list = at(ps, "in");
    enum pcn_err rc = list ? advance(ps) : PCN_OK;

    if (!rc && list)
        rc = expect(ps, "(");
    while (!rc) {
        char buf[32];
        struct token t = ps->tok;
        int v = 0;
        if (t.kind != TOK_NAME || t.len >= sizeof(buf))
            return pcn__lex_error(&ps->lx, &t, "expected a %s name", what);
        memcpy(buf, ps->lx.text + t.off, t.len);
        buf[t.len] = '\0';
        if (name_of(buf, &v) != PCN_OK || v == 0)
            return pcn__lex_error(&ps->lx, &t, "unknown %s '%s'", what, buf);
        *mask |= 1u << v;
        rc = advance(ps);
        if (rc || !list || !at(ps, ","))
            break;
        rc = advance(ps);
    }
    return !rc && list ? expect(ps, ")") : rc;
}

static enum pcn_err role_of(const char *s, int *ret)
{
    enum pcn_encounter_role r;
    enum pcn_err rc = pcn_encounter_role_parse(s, &r);
    *ret = (int)r;
    return rc;
}

static enum pcn_err mode_of(const char *s, int *ret)
{
    enum pcn_contact_mode m;
    enum pcn_err rc = pcn_contact_mode_parse(s, &m);
    *ret = (int)m;
    return rc;
}

/* A filter of contacts() or continuity(): the event filters' dates, and the contact's own. */
static enum pcn_err parse_contact_filter(struct parser *ps, struct query *q)
{
    enum pcn_err rc;

    if (at(ps, "role") || at(ps, "mode")) {
        bool role = at(ps, "role");
        unsigned mask = 0;
        rc = advance(ps);
        if (!rc)
            rc = role ? parse_name_set(ps, "staff role", role_of, &mask)
                      : parse_name_set(ps, "contact mode", mode_of, &mask);
        /* two role (or mode) filters must both hold: the contact's is in both sets */
        if (role)
            q->roles = q->roles ? (uint16_t)(q->roles & mask) : (uint16_t)mask;
        else
            q->modes = q->modes ? (uint8_t)(q->modes & mask) : (uint8_t)mask;
        q->never |= role ? !q->roles : !q->modes;
        return rc;
    }
    if (at(ps, "attended") || at(ps, "dna") || at(ps, "booked")) {
        q->attendance = at(ps, "attended") ? ATT_ATTENDED : at(ps, "dna") ? ATT_DNA : ATT_ALL;
        return advance(ps);
    }
    if (at(ps, "where")) {
        struct filter f = {.kind = F_VALUE};
        struct token num = {0};
        rc = advance(ps);
        if (!rc && !at(ps, "wait"))
            return pcn__lex_error(&ps->lx, &ps->tok,
                                  "expected 'wait' (days from booking to the contact)");
        if (!rc)
            rc = advance(ps);
        if (!rc)
            rc = parse_cmp_op(ps, &f.cmp);
        if (!rc)
            rc = expect_kind(ps, TOK_NUM, "a number of days", &num);
        f.num = num.num;
        return rc ? rc : add_filter(q, f);
    }
    if (at(ps, "within") || at(ps, "before") || at(ps, "after") || at(ps, "on_or_before") ||
        at(ps, "on_or_after") || at(ps, "between"))
        return parse_filter(ps, q);
    return pcn__lex_error(&ps->lx, &ps->tok,
                          "expected a contact filter (role, mode, attended, dna, booked, "
                          "where wait, within, before, after, on_or_before, on_or_after, "
                          "between)");
}

/* contacts(FILTER, ...) or continuity(FILTER, ...): a number per patient. */
static enum pcn_err parse_contacts(struct parser *ps, uint8_t agg, uint32_t *ret)
{
    struct pcn_program *p = ps->prog;
    struct query q = {.agg = agg, .codelist = NONE, .attendance = ATT_ATTENDED};
    enum pcn_err rc = PCN_OK;

    if (!at(ps, ")")) {
        rc = parse_contact_filter(ps, &q);
        while (!rc && at(ps, ",")) {
            rc = advance(ps);
            if (!rc)
                rc = parse_contact_filter(ps, &q);
        }
    }
    if (!rc)
        rc = expect(ps, ")");
    if (!rc)
        rc = PCN_GROW(p->queries, p->n_queries + 1, p->alloc_queries);
    if (rc) {
        pcn_free(q.filters);
        return rc;
    }
    p->queries[p->n_queries] = q;
    struct node n = {
        .op = OP_CONTACTS, .type = TY_NUM, .a = NONE, .b = NONE, .aux = (uint32_t)p->n_queries++};
    return add_node(ps, n, ret);
}

static enum pcn_err parse_func(struct parser *ps, const struct token *name, uint8_t fn,
                               uint32_t *ret)
{
    uint32_t a, b;
    struct token ta = ps->tok, tb;
    enum pcn_err rc = parse_expr(ps, &a);

    if (!rc)
        rc = expect(ps, ",");
    tb = ps->tok;
    if (!rc)
        rc = parse_expr(ps, &b);
    if (!rc)
        rc = expect(ps, ")");
    if (rc)
        return rc;
    if (fn == FN_ROUND) {
        if (!numeric(ty(ps, a)))
            return type_error(ps, &ta, "round", TY_NUM, ty(ps, a));
        if (!node_const(ps, b) || !numeric(ty(ps, b)))
            return pcn__lex_error(&ps->lx, &tb, "round needs a constant number of decimals");
        return mk2(ps, OP_FUNC, TY_NUM, fn, a, b, ret);
    }
    if (fn != FN_COALESCE && ty(ps, a) != TY_NUM && ty(ps, a) != TY_DATE)
        return pcn__lex_error(&ps->lx, &ta, "%.*s needs numbers or dates", (int)name->len,
                              ps->lx.text + name->off);
    if (ty(ps, a) != ty(ps, b))
        return type_error(ps, &tb, "this argument", ty(ps, a), ty(ps, b));
    return mk2(ps, OP_FUNC, ty(ps, a), fn, a, b, ret);
}

static enum pcn_err parse_band_fn(struct parser *ps, uint32_t *ret)
{
    struct token t = ps->tok;
    uint64_t sym;
    const struct def *d;
    enum pcn_err rc;

    if (t.kind != TOK_NAME || lookup(ps, &t, &sym))
        return unknown_name(ps, &t, "score");
    d = (sym >> 32) == SYM_DEF ? &ps->prog->defs[(uint32_t)sym] : NULL;
    if (!d || d->kind != DEF_SCORE)
        return pcn__lex_error(&ps->lx, &t, "band() needs a score");
    rc = advance(ps);
    if (!rc)
        rc = expect(ps, ")");
    *ret = d->label_node;
    return rc;
}

/* NAME '(' ... ')': an aggregate or a function. */
static enum pcn_err parse_call(struct parser *ps, const struct token *name, uint32_t *ret)
{
    static const char *const fns[] = {"min", "max", "coalesce", "round"};
    enum pcn_err rc = advance(ps); /* '(' */
    bool is_minmax_agg;

    if (rc)
        return rc;
    /* min/max are aggregates when given a code list, functions otherwise */
    {
        uint64_t sym;
        is_minmax_agg =
            ps->tok.kind == TOK_NAME && !lookup(ps, &ps->tok, &sym) && (sym >> 32) == SYM_CODELIST;
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(agg_names); i++) {
        if ((i < AGG_MIN || is_minmax_agg) && pcn__tok_is(&ps->lx, name, agg_names[i]))
            return parse_query(ps, (uint8_t)i, ret);
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(fns); i++) {
        if (pcn__tok_is(&ps->lx, name, fns[i]))
            return parse_func(ps, name, (uint8_t)i, ret);
    }
    if (pcn__tok_is(&ps->lx, name, "band"))
        return parse_band_fn(ps, ret);
    if (pcn__tok_is(&ps->lx, name, "contacts"))
        return parse_contacts(ps, AGG_CONTACTS, ret);
    if (pcn__tok_is(&ps->lx, name, "continuity"))
        return parse_contacts(ps, AGG_CONTINUITY, ret);
    return unknown_name(ps, name, "function");
}

static enum pcn_err parse_name_ref(struct parser *ps, const struct token *t, uint32_t *ret)
{
    const struct def *d;
    uint64_t sym;

    if (ps->score_value != NONE && pcn__tok_is(&ps->lx, t, "value")) {
        *ret = ps->score_value;
        return PCN_OK;
    }
    for (int i = 0; i < B_COUNT_; i++) {
        if (pcn__tok_is(&ps->lx, t, builtin_names[i])) {
            /* one node per built-in, shared by every use */
            struct node n = {
                .op = OP_BUILTIN, .type = builtin_types[i], .sub = (uint8_t)i, .aux = NONE};
            enum pcn_err rc;
            if (ps->prog->builtin_node[i]) {
                *ret = ps->prog->builtin_node[i] - 1;
                return PCN_OK;
            }
            rc = add_node(ps, n, ret);
            if (!rc)
                ps->prog->builtin_node[i] = *ret + 1;
            return rc;
        }
    }
    if (lookup(ps, t, &sym))
        return unknown_name(ps, t, "name");
    if ((sym >> 32) == SYM_VALUE) {
        *ret = (uint32_t)sym;
        return PCN_OK;
    }
    if ((sym >> 32) == SYM_CODELIST)
        return pcn__lex_error(&ps->lx, t, "a code list needs an aggregate, e.g. exists(%.*s)",
                              (int)t->len, ps->lx.text + t->off);
    d = &ps->prog->defs[(uint32_t)sym];
    if (d->kind == DEF_REGISTER || d->kind == DEF_SCORE) {
        *ret = d->value;
        return PCN_OK;
    }
    if (d->kind == DEF_SEGMENT) {
        *ret = d->label_node;
        return PCN_OK;
    }
    return pcn__lex_error(&ps->lx, t, "'%.*s' cannot be used in an expression", (int)t->len,
                          ps->lx.text + t->off);
}

static enum pcn_err parse_case(struct parser *ps, uint32_t *ret)
{
    struct pcn_program *p = ps->prog;
    uint32_t tmp[64];
    size_t n = 0;
    int vt = -1;
    bool is_const = true;
    enum pcn_err rc = advance(ps);

    while (!rc && at(ps, "when")) {
        struct token tc, tv;
        uint32_t c, v;
        rc = advance(ps);
        tc = ps->tok;
        if (!rc)
            rc = parse_expr(ps, &c);
        if (!rc && ty(ps, c) != TY_BOOL)
            rc = type_error(ps, &tc, "when", TY_BOOL, ty(ps, c));
        if (!rc)
            rc = expect(ps, "then");
        tv = ps->tok;
        if (!rc)
            rc = parse_expr(ps, &v);
        if (rc)
            return rc;
        if (vt >= 0 && ty(ps, v) != vt && !(numeric(ty(ps, v)) && numeric((uint8_t)vt)))
            return type_error(ps, &tv, "every branch of case", (uint8_t)vt, ty(ps, v));
        if (vt < 0 || ty(ps, v) == TY_NUM)
            vt = ty(ps, v);
        if (n + 3 > PCN_ARRAY_SIZE(tmp))
            return pcn__lex_error(&ps->lx, &tc, "too many branches in case");
        is_const = is_const && node_const(ps, c) && node_const(ps, v);
        tmp[n++] = c;
        tmp[n++] = v;
    }
    if (rc)
        return rc;
    if (n == 0)
        return pcn__lex_error(&ps->lx, &ps->tok, "case needs at least one 'when'");
    tmp[n] = NONE;
    if (at(ps, "else")) {
        struct token tv;
        rc = advance(ps);
        tv = ps->tok;
        if (!rc)
            rc = parse_expr(ps, &tmp[n]);
        if (rc)
            return rc;
        if (ty(ps, tmp[n]) != vt && !(numeric(ty(ps, tmp[n])) && numeric((uint8_t)vt)))
            return type_error(ps, &tv, "every branch of case", (uint8_t)vt, ty(ps, tmp[n]));
        is_const = is_const && node_const(ps, tmp[n]);
    }
    rc = expect(ps, "end");
    if (!rc)
        rc = PCN_GROW(p->lists, p->n_lists + n + 2, p->alloc_lists);
    if (rc)
        return rc;
    struct node nd = {.op = OP_CASE, .type = (uint8_t)vt, .aux = (uint32_t)p->n_lists};
    p->lists[p->n_lists++] = (uint32_t)(n / 2);
    memcpy(p->lists + p->n_lists, tmp, (n + 1) * sizeof(*tmp));
    p->n_lists += n + 1;
    rc = add_node(ps, nd, ret);
    if (!rc)
        p->nodes[*ret].is_const = is_const;
    return rc;
}

static enum pcn_err parse_primary(struct parser *ps, uint32_t *ret)
{
    struct token t = ps->tok;
    struct node n = {.op = OP_NUM, .aux = NONE};
    enum pcn_err rc;

    switch (t.kind) {
    case TOK_NUM:
        rc = advance(ps);
        if (!rc && is_unit(ps))
            return parse_duration(ps, t.num, ret);
        n.type = TY_NUM;
        n.num = t.num;
        return rc ? rc : add_node(ps, n, ret);
    case TOK_DATE:
        n.type = TY_DATE;
        n.num = t.date;
        rc = advance(ps);
        return rc ? rc : add_node(ps, n, ret);
    case TOK_STR: {
        char *s = string_value(ps, &t);
        uint32_t id = 0;
        if (!s)
            return PCN_ENOMEM;
        rc = pcn__program_intern(ps->prog, s, strlen(s), &id);
        pcn_free(s);
        n.type = TY_STR;
        n.num = id;
        if (!rc)
            rc = advance(ps);
        return rc ? rc : add_node(ps, n, ret);
    }
    case TOK_NAME:
        if (at(ps, "true") || at(ps, "false")) {
            n.type = TY_BOOL;
            n.num = at(ps, "true");
            rc = advance(ps);
            return rc ? rc : add_node(ps, n, ret);
        }
        if (at(ps, "case"))
            return parse_case(ps, ret);
        rc = advance(ps);
        if (rc)
            return rc;
        if (at(ps, "("))
            return parse_call(ps, &t, ret);
        return parse_name_ref(ps, &t, ret);
    case TOK_PUNCT:
        if (at(ps, "(")) {
            rc = advance(ps);
            if (!rc)
                rc = parse_expr(ps, ret);
            return rc ? rc : expect(ps, ")");
        }
        break;
    case TOK_EOF:
        break;
    }
    {
        char buf[64];
        return pcn__lex_error(&ps->lx, &t, "expected an expression but found %s",
                              tok_desc(ps, buf, sizeof(buf)));
    }
}

static enum pcn_err parse_postfix(struct parser *ps, uint32_t *ret)
{
    struct token t0 = ps->tok;
    enum pcn_err rc = parse_primary(ps, ret);

    while (!rc && at(ps, ".")) {
        bool is_date;
        rc = advance(ps);
        if (rc)
            return rc;
        is_date = at(ps, "date");
        if (!is_date && !at(ps, "value"))
            return pcn__lex_error(&ps->lx, &ps->tok, "expected 'date' or 'value' after '.'");
        if (ty(ps, *ret) != TY_EVENT)
            return type_error(ps, &t0, "'.date' or '.value'", TY_EVENT, ty(ps, *ret));
        rc = advance(ps);
        if (!rc)
            rc = mk2(ps, OP_FIELD, is_date ? TY_DATE : TY_NUM, !is_date, *ret, NONE, ret);
    }
    return rc;
}

/*
 * Recurse into fn for a prefix operator ('-', 'not') under the same nesting
 * limit as parenthesised expressions, so a long run of prefixes cannot
 * exhaust the stack.
 */
static enum pcn_err nested(struct parser *ps, enum pcn_err (*fn)(struct parser *, uint32_t *),
                           uint32_t *ret)
{
    enum pcn_err rc;

    if (++ps->depth > MAX_DEPTH) {
        ps->depth--;
        return pcn__lex_error(&ps->lx, &ps->tok, "expression nested too deeply");
    }
    rc = fn(ps, ret);
    ps->depth--;
    return rc;
}

static enum pcn_err parse_unary(struct parser *ps, uint32_t *ret)
{
    struct token t = ps->tok;
    enum pcn_err rc;

    if (!at(ps, "-"))
        return parse_postfix(ps, ret);
    rc = advance(ps);
    if (!rc)
        rc = nested(ps, parse_unary, ret);
    if (rc)
        return rc;
    if (!numeric(ty(ps, *ret)))
        return type_error(ps, &t, "'-'", TY_NUM, ty(ps, *ret));
    return mk2(ps, OP_NEG, TY_NUM, 0, *ret, NONE, ret);
}

static enum pcn_err parse_mul(struct parser *ps, uint32_t *ret)
{
    enum pcn_err rc = parse_unary(ps, ret);

    while (!rc && (at(ps, "*") || at(ps, "/"))) {
        struct token t = ps->tok;
        char op = ps->lx.text[t.off];
        uint32_t b;
        rc = advance(ps);
        if (!rc)
            rc = parse_unary(ps, &b);
        if (rc)
            return rc;
        if (!numeric(ty(ps, *ret)) || !numeric(ty(ps, b)))
            return pcn__lex_error(&ps->lx, &t, "'%c' needs numbers, not %s and %s", op,
                                  type_names[ty(ps, *ret)], type_names[ty(ps, b)]);
        rc = mk2(ps, OP_ARITH, TY_NUM, (uint8_t)op, *ret, b, ret);
    }
    return rc;
}

static enum pcn_err parse_add(struct parser *ps, uint32_t *ret)
{
    enum pcn_err rc = parse_mul(ps, ret);

    while (!rc && (at(ps, "+") || at(ps, "-"))) {
        struct token t = ps->tok;
        char op = ps->lx.text[t.off];
        uint32_t b;
        uint8_t ta, tb;
        rc = advance(ps);
        if (!rc)
            rc = parse_mul(ps, &b);
        if (rc)
            return rc;
        ta = ty(ps, *ret);
        tb = ty(ps, b);
        if (ta == TY_DATE && tb == TY_DUR)
            rc = mk2(ps, OP_DATEADD, TY_DATE, op == '-', *ret, b, ret);
        else if (ta == TY_DATE && tb == TY_DATE && op == '-')
            rc = mk2(ps, OP_ARITH, TY_NUM, '-', *ret, b, ret);
        else if (numeric(ta) && numeric(tb))
            rc = mk2(ps, OP_ARITH, TY_NUM, (uint8_t)op, *ret, b, ret);
        else
            return pcn__lex_error(&ps->lx, &t, "cannot apply '%c' to %s and %s", op, type_names[ta],
                                  type_names[tb]);
    }
    return rc;
}

static enum pcn_err parse_cmp(struct parser *ps, uint32_t *ret)
{
    struct token t0 = ps->tok;
    enum pcn_err rc = parse_add(ps, ret);
    uint8_t op = 0, ta, tb;
    uint32_t b;
    struct token t;

    if (rc)
        return rc;
    if (ty(ps, *ret) == TY_DUR)
        return pcn__lex_error(&ps->lx, &t0, "a duration can only be added to a date");
    if (at(ps, "is")) {
        bool neg = false;
        rc = advance(ps);
        if (!rc && at(ps, "not")) {
            neg = true;
            rc = advance(ps);
        }
        if (!rc)
            rc = expect(ps, "null");
        return rc ? rc : mk2(ps, OP_ISNULL, TY_BOOL, neg, *ret, NONE, ret);
    }
    if (!(at(ps, "==") || at(ps, "!=") || at(ps, "<") || at(ps, "<=") || at(ps, ">") ||
          at(ps, ">=")))
        return PCN_OK;
    t = ps->tok;
    rc = parse_cmp_op(ps, &op);
    if (!rc)
        rc = parse_add(ps, &b);
    if (rc)
        return rc;
    ta = ty(ps, *ret);
    tb = ty(ps, b);
    if (ta == TY_EVENT || tb == TY_EVENT)
        return pcn__lex_error(&ps->lx, &t, "an event cannot be compared; use .date or .value");
    if (ta != tb && !(numeric(ta) && numeric(tb)))
        return pcn__lex_error(&ps->lx, &t, "cannot compare %s with %s", type_names[ta],
                              type_names[tb]);
    if (ta == TY_STR && op != CMP_EQ && op != CMP_NE)
        return pcn__lex_error(&ps->lx, &t, "strings can only be compared with == or !=");
    return mk2(ps, OP_CMP, TY_BOOL, op, *ret, b, ret);
}

static enum pcn_err parse_not(struct parser *ps, uint32_t *ret)
{
    struct token t = ps->tok;
    enum pcn_err rc;

    if (!at(ps, "not"))
        return parse_cmp(ps, ret);
    rc = advance(ps);
    if (!rc)
        rc = nested(ps, parse_not, ret);
    if (rc)
        return rc;
    if (ty(ps, *ret) != TY_BOOL)
        return type_error(ps, &t, "'not'", TY_BOOL, ty(ps, *ret));
    return mk2(ps, OP_NOT, TY_BOOL, 0, *ret, NONE, ret);
}

static enum pcn_err parse_logic(struct parser *ps, const char *word, uint8_t op,
                                enum pcn_err (*sub)(struct parser *, uint32_t *), uint32_t *ret)
{
    struct token t0 = ps->tok;
    enum pcn_err rc = sub(ps, ret);

    while (!rc && at(ps, word)) {
        struct token t = ps->tok;
        uint32_t b;
        rc = advance(ps);
        if (!rc)
            rc = sub(ps, &b);
        if (rc)
            return rc;
        if (ty(ps, *ret) != TY_BOOL)
            return type_error(ps, &t0, word, TY_BOOL, ty(ps, *ret));
        if (ty(ps, b) != TY_BOOL)
            return type_error(ps, &t, word, TY_BOOL, ty(ps, b));
        rc = mk2(ps, op, TY_BOOL, 0, *ret, b, ret);
    }
    return rc;
}

static enum pcn_err parse_and(struct parser *ps, uint32_t *ret)
{
    return parse_logic(ps, "and", OP_AND, parse_not, ret);
}

static enum pcn_err parse_expr(struct parser *ps, uint32_t *ret)
{
    enum pcn_err rc;

    if (++ps->depth > MAX_DEPTH) {
        ps->depth--;
        return pcn__lex_error(&ps->lx, &ps->tok, "expression nested too deeply");
    }
    rc = parse_logic(ps, "or", OP_OR, parse_and, ret);
    ps->depth--;
    return rc;
}

static enum pcn_err parse_typed(struct parser *ps, uint8_t want, const char *what, uint32_t *ret)
{
    struct token t = ps->tok;
    enum pcn_err rc = parse_expr(ps, ret);

    if (rc)
        return rc;
    if (ty(ps, *ret) != want && !(want == TY_NUM && numeric(ty(ps, *ret))))
        return type_error(ps, &t, what, want, ty(ps, *ret));
    return PCN_OK;
}

/* ---- code lists ---- */

static enum pcn_err add_code(struct codelist *cl, size_t *alloc, const char *s, size_t len)
{
    char *c;
    enum pcn_err rc;

    if (len == 0)
        return PCN_OK;
    rc = PCN_GROW(cl->codes, cl->n_codes + 1, *alloc);
    if (rc)
        return rc;
    c = pcn_strndup(s, len);
    if (!c)
        return PCN_ENOMEM;
    cl->codes[cl->n_codes++] = c;
    return PCN_OK;
}

/* Does the relative path `file` have a ".." component? */
static bool leaves_folder(const char *file)
{
    for (const char *p = file; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += len;
        p += *p == '/';
    }
    return false;
}

/*
 * Check that the code list `file` (its path, joined to the definitions
 * folder, in path) stays inside the definitions folder: relative, no ".."
 * component, and (symbolic links resolved) under the folder's real path.
 * A file that does not exist is left for the reader to report.
 */
static enum pcn_err confine_path(struct parser *ps, const struct token *t, const char *file,
                                 const char *path)
{
    char base[PATH_MAX], real[PATH_MAX];
    size_t n;

    if (file[0] == '/')
        return pcn__lex_error(&ps->lx, t,
                              "code list '%s': an absolute path; code list paths are relative "
                              "to the definitions folder",
                              file);
    if (leaves_folder(file))
        return pcn__lex_error(&ps->lx, t, "code list '%s': '..' would leave the definitions folder",
                              file);
    if (!realpath(ps->base_dir ? ps->base_dir : ".", base) || !realpath(path, real))
        return PCN_OK;
    n = strlen(base);
    if (strncmp(real, base, n) != 0 || (real[n] != '/' && !(n == 1 && base[0] == '/')))
        return pcn__lex_error(&ps->lx, t,
                              "code list '%s': resolves outside the definitions folder (a "
                              "symbolic link to %s)",
                              file, real);
    return PCN_OK;
}

/*
 * Codes of a code list file (rules in pcn/codelist.h); file is relative to
 * the base directory (the definitions folder) and may not leave it.
 */
static enum pcn_err load_codelist_file(struct parser *ps, const struct token *t, const char *file,
                                       const char *column, struct codelist *cl, size_t *alloc)
{
    char path[4096];
    struct pcn_codelist_opts opts = {column, NULL, NULL};
    struct pcn_codelist list = PCN_CODELIST_INIT;
    struct pcn_error e = {0};
    bool rel = ps->base_dir != NULL;
    int n = snprintf(path, sizeof(path), "%s%s%s", rel ? ps->base_dir : "", rel ? "/" : "", file);
    enum pcn_err rc = n >= 0 && (size_t)n < sizeof(path) ? PCN_OK : PCN_ELIMIT;

    if (rc)
        return pcn__lex_error(&ps->lx, t, "code list path too long");
    rc = confine_path(ps, t, file, path);
    if (rc)
        return rc;
    rc = pcn_codelist_read(&list, path, &opts, &e);
    for (size_t i = 0; !rc && i < list.n; i++)
        rc = add_code(cl, alloc, list.entries[i].code, strlen(list.entries[i].code));
    pcn_codelist_release(&list);
    if (rc && rc != PCN_ENOMEM)
        return pcn__lex_error(&ps->lx, t, "%s", e.msg);
    return rc;
}

static enum pcn_err parse_codelist_term(struct parser *ps, struct codelist *cl, size_t *alloc)
{
    struct token t = ps->tok;
    enum pcn_err rc;

    if (t.kind == TOK_STR) {
        char *file = string_value(ps, &t), *column = NULL;
        if (!file)
            return PCN_ENOMEM;
        rc = advance(ps);
        if (!rc && at(ps, "column")) {
            struct token c = {0};
            rc = advance(ps);
            if (!rc)
                rc = expect_kind(ps, TOK_STR, "a column name", &c);
            if (!rc) {
                column = string_value(ps, &c);
                rc = column ? PCN_OK : PCN_ENOMEM;
            }
        }
        if (!rc)
            rc = load_codelist_file(ps, &t, file, column, cl, alloc);
        pcn_free(file);
        pcn_free(column);
        return rc;
    }
    if (at(ps, "codes")) {
        rc = advance(ps);
        if (!rc)
            rc = expect(ps, "(");
        while (!rc) {
            struct token s = {0};
            rc = expect_kind(ps, TOK_STR, "a code in quotes", &s);
            if (!rc) {
                char *v = string_value(ps, &s);
                rc = v ? add_code(cl, alloc, v, strlen(v)) : PCN_ENOMEM;
                pcn_free(v);
            }
            if (rc || !at(ps, ","))
                break;
            rc = advance(ps);
        }
        return rc ? rc : expect(ps, ")");
    }
    if (t.kind == TOK_NAME) {
        uint64_t sym;
        const struct codelist *o;
        if (lookup(ps, &t, &sym))
            return unknown_name(ps, &t, "code list");
        if ((sym >> 32) != SYM_CODELIST)
            return pcn__lex_error(&ps->lx, &t, "'%.*s' is not a code list", (int)t.len,
                                  ps->lx.text + t.off);
        o = &ps->prog->codelists[(uint32_t)sym];
        if (o->builtin)
            return pcn__lex_error(&ps->lx, &t, "built-in code lists cannot be combined");
        for (size_t i = 0; i < o->n_codes; i++) {
            rc = add_code(cl, alloc, o->codes[i], strlen(o->codes[i]));
            if (rc)
                return rc;
        }
        return advance(ps);
    }
    return pcn__lex_error(&ps->lx, &t, "expected a file name, codes(...) or a code list name");
}

static enum pcn_err add_codelist(struct pcn_program *p, struct codelist *cl)
{
    enum pcn_err rc = PCN_GROW(p->codelists, p->n_codelists + 1, p->alloc_codelists);

    if (rc)
        return rc;
    p->codelists[p->n_codelists++] = *cl;
    memset(cl, 0, sizeof(*cl));
    return PCN_OK;
}

static void codelist_release(struct codelist *cl)
{
    for (size_t i = 0; i < cl->n_codes; i++)
        pcn_free(cl->codes[i]);
    pcn_free(cl->codes);
    pcn_free(cl->name);
}

static enum pcn_err stmt_codelist(struct parser *ps)
{
    struct codelist cl = {0};
    size_t alloc = 0;
    struct token name;
    enum pcn_err rc = expect_kind(ps, TOK_NAME, "a code list name", &name);

    if (!rc)
        rc = expect(ps, "=");
    while (!rc) {
        rc = parse_codelist_term(ps, &cl, &alloc);
        if (rc || !at(ps, "+"))
            break;
        rc = advance(ps);
    }
    if (!rc)
        rc = define_name(ps, &name, SYM_CODELIST, ps->prog->n_codelists);
    if (!rc) {
        cl.name = pcn_strndup(ps->lx.text + name.off, name.len);
        rc = cl.name ? add_codelist(ps->prog, &cl) : PCN_ENOMEM;
    }
    codelist_release(&cl);
    return rc;
}

/* ---- statements ---- */

static enum pcn_err stmt_let(struct parser *ps)
{
    struct token name, t;
    uint32_t n;
    enum pcn_err rc = expect_kind(ps, TOK_NAME, "a variable name", &name);

    if (!rc)
        rc = expect(ps, "=");
    t = ps->tok;
    if (!rc)
        rc = parse_expr(ps, &n);
    if (rc)
        return rc;
    if (ty(ps, n) == TY_DUR)
        return pcn__lex_error(&ps->lx, &t, "a duration can only be added to a date");
    return define_name(ps, &name, SYM_VALUE, n);
}

static enum pcn_err new_def(struct parser *ps, uint8_t kind, struct def **ret, struct token *name)
{
    struct pcn_program *p = ps->prog;
    struct def *d;
    enum pcn_err rc = expect_kind(ps, TOK_NAME, "a definition name", name);

    if (!rc)
        rc = PCN_GROW(p->defs, p->n_defs + 1, p->alloc_defs);
    if (rc)
        return rc;
    d = &p->defs[p->n_defs];
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->output = ps->flags & PCN_PROGRAM_FLAG_OUTPUT;
    d->pop = d->value = d->num = d->excl = d->label_node = NONE;
    d->name = pcn_strndup(ps->lx.text + name->off, name->len);
    if (!d->name)
        return PCN_ENOMEM;
    if (ps->tok.kind == TOK_STR) {
        d->title = string_value(ps, &ps->tok);
        rc = d->title ? advance(ps) : PCN_ENOMEM;
    } else {
        d->title = pcn_strdup(d->name);
        rc = d->title ? PCN_OK : PCN_ENOMEM;
    }
    p->n_defs++; /* kept even on error so it is freed; dropped by the caller */
    *ret = d;
    return rc;
}

static void drop_def(struct pcn_program *p)
{
    struct def *d = &p->defs[--p->n_defs];
    pcn_free(d->name);
    pcn_free(d->title);
    pcn_free(d->items);
}

static enum pcn_err add_item(struct parser *ps, struct def *d, const struct token *label,
                             uint32_t node)
{
    uint32_t id = 0;
    char *s = string_value(ps, label);
    enum pcn_err rc;

    if (!s)
        return PCN_ENOMEM;
    rc = pcn__program_intern(ps->prog, s, strlen(s), &id);
    pcn_free(s);
    if (!rc)
        rc = PCN_GROW(d->items, d->n_items + 1, d->alloc_items);
    if (rc)
        return rc;
    d->items[d->n_items++] = (struct labelled){id, node};
    return PCN_OK;
}

/* One "key = expr" or "band|rule|column "Label" = expr" line of a block. */
static enum pcn_err block_item(struct parser *ps, struct def *d)
{
    struct token key = ps->tok, label = {0};
    const char *item = d->kind == DEF_SCORE      ? "band"
                       : d->kind == DEF_SEGMENT  ? "rule"
                       : d->kind == DEF_WORKLIST ? "column"
                                                 : NULL;
    uint32_t n;
    enum pcn_err rc;

    if (key.kind != TOK_NAME)
        return pcn__lex_error(&ps->lx, &key, "expected a field name or '}'");
    rc = advance(ps);
    if (!rc && item && pcn__tok_is(&ps->lx, &key, item))
        rc = expect_kind(ps, TOK_STR, "a label in quotes", &label);
    if (!rc)
        rc = expect(ps, "=");
    if (rc)
        return rc;
    if (label.kind == TOK_STR) {
        rc = d->kind == DEF_WORKLIST ? parse_expr(ps, &n) : parse_typed(ps, TY_BOOL, item, &n);
        if (!rc && ty(ps, n) == TY_EVENT)
            return pcn__lex_error(&ps->lx, &label,
                                  "a column cannot be an event; use .date or .value");
        return rc ? rc : add_item(ps, d, &label, n);
    }
#define FIELD(word, kinds, slot, type)                                                             \
    if (pcn__tok_is(&ps->lx, &key, word) && (kinds)) {                                             \
        if (d->slot != NONE)                                                                       \
            return pcn__lex_error(&ps->lx, &key, "'%s' is given twice", word);                     \
        return parse_typed(ps, type, word, &d->slot);                                              \
    }
    FIELD("population", d->kind != DEF_INDICATOR, pop, TY_BOOL)
    FIELD("denominator", d->kind == DEF_INDICATOR, pop, TY_BOOL)
    FIELD("numerator", d->kind == DEF_INDICATOR, num, TY_BOOL)
    FIELD("exclude", d->kind == DEF_INDICATOR, excl, TY_BOOL)
    FIELD("value", d->kind == DEF_SCORE, value, TY_NUM)
#undef FIELD
    {
        static const char *const fields[] = {"population", "denominator", "numerator", "exclude",
                                             "value",      "band",        "rule",      "column"};
        const char *best = NULL;
        int best_d = 99;
        for (size_t i = 0; i < PCN_ARRAY_SIZE(fields); i++)
            consider(fields[i], ps->lx.text + key.off, key.len, &best, &best_d);
        if (best)
            return pcn__lex_error(&ps->lx, &key, "unknown field '%.*s'; did you mean '%s'?",
                                  (int)key.len, ps->lx.text + key.off, best);
        return pcn__lex_error(&ps->lx, &key, "unknown field '%.*s'", (int)key.len,
                              ps->lx.text + key.off);
    }
}

/* After a score's value: bands may use `value`. The label node is added at the end. */
static enum pcn_err finish_block(struct parser *ps, struct def *d, const struct token *name)
{
    struct node n = {.op = OP_BAND, .type = TY_STR, .aux = (uint32_t)(d - ps->prog->defs)};

    switch (d->kind) {
    case DEF_INDICATOR:
        if (d->pop == NONE || d->num == NONE)
            return pcn__lex_error(&ps->lx, name, "indicator needs a denominator and a numerator");
        return PCN_OK;
    case DEF_SCORE:
        if (d->value == NONE)
            return pcn__lex_error(&ps->lx, name, "score needs a value");
        return add_node(ps, n, &d->label_node);
    case DEF_SEGMENT:
        if (d->n_items == 0)
            return pcn__lex_error(&ps->lx, name, "segment needs at least one rule");
        n.op = OP_SEGMENT;
        return add_node(ps, n, &d->label_node);
    case DEF_WORKLIST:
        if (d->pop == NONE)
            return pcn__lex_error(&ps->lx, name, "worklist needs a population");
        return PCN_OK;
    default:
        return PCN_OK;
    }
}

static enum pcn_err stmt_block(struct parser *ps, uint8_t kind)
{
    struct def *d = NULL;
    struct token name;
    enum pcn_err rc = new_def(ps, kind, &d, &name);

    if (!rc)
        rc = expect(ps, "{");
    while (!rc && !at(ps, "}")) {
        if (ps->tok.kind == TOK_EOF)
            rc = pcn__lex_error(&ps->lx, &ps->tok, "missing '}'");
        else
            rc = block_item(ps, d);
        if (!rc && d->kind == DEF_SCORE)
            ps->score_value = d->value;
    }
    ps->score_value = NONE;
    if (!rc)
        rc = finish_block(ps, d, &name);
    if (!rc)
        rc = advance(ps);
    if (!rc)
        rc = define_name(ps, &name, SYM_DEF, (size_t)(d - ps->prog->defs));
    if (rc && d)
        drop_def(ps->prog);
    return rc;
}

static enum pcn_err stmt_register(struct parser *ps)
{
    struct def *d = NULL;
    struct token name;
    enum pcn_err rc = new_def(ps, DEF_REGISTER, &d, &name);

    if (!rc)
        rc = expect(ps, "=");
    if (!rc)
        rc = parse_typed(ps, TY_BOOL, "a register", &d->value);
    if (!rc)
        rc = define_name(ps, &name, SYM_DEF, (size_t)(d - ps->prog->defs));
    if (rc && d)
        drop_def(ps->prog);
    return rc;
}

static enum pcn_err parse_statement(struct parser *ps)
{
    static const char *const blocks[] = {"indicator", "score", "segment", "worklist"};
    static const uint8_t kinds[] = {DEF_INDICATOR, DEF_SCORE, DEF_SEGMENT, DEF_WORKLIST};
    static const char *const stmts[] = {"codelist", "let",     "register", "indicator",
                                        "score",    "segment", "worklist"};
    struct token t = ps->tok;
    enum pcn_err rc;

    if (t.kind != TOK_NAME)
        return pcn__lex_error(&ps->lx, &t, "expected a statement (codelist, let, register, ...)");
    if (at(ps, "codelist") || at(ps, "let") || at(ps, "register")) {
        bool cl = at(ps, "codelist"), let = at(ps, "let");
        rc = advance(ps);
        if (rc)
            return rc;
        return cl ? stmt_codelist(ps) : let ? stmt_let(ps) : stmt_register(ps);
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(blocks); i++) {
        if (at(ps, blocks[i])) {
            rc = advance(ps);
            return rc ? rc : stmt_block(ps, kinds[i]);
        }
    }
    {
        const char *best = NULL;
        int best_d = 99;
        for (size_t i = 0; i < PCN_ARRAY_SIZE(stmts); i++)
            consider(stmts[i], ps->lx.text + t.off, t.len, &best, &best_d);
        if (best)
            return pcn__lex_error(&ps->lx, &t, "unknown statement '%.*s'; did you mean '%s'?",
                                  (int)t.len, ps->lx.text + t.off, best);
        return pcn__lex_error(&ps->lx, &t, "expected a statement (codelist, let, register, ...)");
    }
}

/* The built-in code lists exist in every program. */
static enum pcn_err ensure_builtins(struct pcn_program *p)
{
    static const char *const names[] = {"medications", "immunisations"};
    static const int cls[] = {CODE_CLASS_MED, CODE_CLASS_IMM};
    enum pcn_err rc = PCN_OK;

    if (p->n_codelists)
        return PCN_OK;
    for (size_t i = 0; i < 2 && !rc; i++) {
        struct codelist cl = {.builtin = cls[i]};
        char *nm = pcn_strdup(names[i]);
        cl.name = pcn_strdup(names[i]);
        rc = PCN_GROW(p->name_list, p->n_names + 1, p->alloc_names);
        if (!rc && (!nm || !cl.name))
            rc = PCN_ENOMEM;
        if (!rc)
            rc = pcn_strmap_put(p->names, names[i], strlen(names[i]),
                                ((uint64_t)SYM_CODELIST << 32) | p->n_codelists);
        if (!rc)
            rc = add_codelist(p, &cl);
        if (rc) {
            pcn_free(nm);
            codelist_release(&cl);
            break;
        }
        p->name_list[p->n_names++] = nm;
    }
    return rc;
}

enum pcn_err pcn_program_load_string(struct pcn_program *p, const char *name, const char *text,
                                     size_t len, const char *base_dir, unsigned flags,
                                     struct pcn_error *reterr)
{
    struct parser ps = {.prog = p, .base_dir = base_dir, .flags = flags, .score_value = NONE};
    struct source *src;
    enum pcn_err rc;

    if (!p || !name || (!text && len))
        return PCN_EINVAL;
    rc = ensure_builtins(p);
    if (!rc)
        rc = PCN_GROW(p->sources, p->n_sources + 1, p->alloc_sources);
    if (rc)
        return pcn_error_set(reterr, rc, "%s: %s", name, pcn_err_str(rc));
    src = &p->sources[p->n_sources];
    src->name = pcn_strdup(name);
    src->text = pcn_strndup(text ? text : "", len);
    src->len = len;
    if (!src->name || !src->text) {
        pcn_free(src->name);
        pcn_free(src->text);
        return pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", name);
    }
    p->n_sources++;
    pcn__lex_init(&ps.lx, src->name, src->text, src->len, reterr);
    ps.literals = pcn_strmap_new();
    rc = ps.literals ? advance(&ps) : PCN_ENOMEM;
    while (!rc && ps.tok.kind != TOK_EOF)
        rc = parse_statement(&ps);
    pcn_strmap_free(ps.literals);
    if (pcn__program_seal(p) != PCN_OK) /* the statements compiled are kept, even on an error */
        rc = PCN_ENOMEM;
    if (rc == PCN_ENOMEM || rc == PCN_ELIMIT)
        (void)pcn_error_set(reterr, rc, "%s:%d: %s", name, ps.tok.line, pcn_err_str(rc));
    return rc;
}

/* Directory part of path ("." when none), into out. */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        (void)snprintf(out, size, ".");
    else if (slash == path)
        (void)snprintf(out, size, "/");
    else
        (void)snprintf(out, size, "%.*s", (int)(slash - path), path);
}

enum pcn_err pcn_program_load_file(struct pcn_program *p, const char *path, unsigned flags,
                                   struct pcn_error *reterr)
{
    char dir[4096];

    if (!p || !path)
        return PCN_EINVAL;
    dir_of(path, dir, sizeof(dir));
    return pcn_program_load_file_in(p, path, dir, flags, reterr);
}

enum pcn_err pcn_program_load_file_in(struct pcn_program *p, const char *path, const char *base_dir,
                                      unsigned flags, struct pcn_error *reterr)
{
    struct pcn_buf b = PCN_BUF_INIT;
    char chunk[65536];
    FILE *f;
    enum pcn_err rc = PCN_OK;

    if (!p || !path)
        return PCN_EINVAL;
    f = fopen(path, "re");
    if (!f)
        return pcn_error_set(reterr, errno == ENOENT ? PCN_ENOTFOUND : PCN_EIO, "%s: %s", path,
                             strerror(errno));
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n)
            rc = pcn_buf_add(&b, chunk, n);
        if (rc || n < sizeof(chunk))
            break;
    }
    if (!rc && ferror(f))
        rc = PCN_EIO;
    (void)fclose(f);
    if (rc) {
        pcn_buf_release(&b);
        return pcn_error_set(reterr, rc, "%s: %s", path, pcn_err_str(rc));
    }
    rc = pcn_program_load_string(p, path, b.buf, b.len, base_dir, flags, reterr);
    pcn_buf_release(&b);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum pcn_err pcn_program_load_dir(struct pcn_program *p, const char *dir, unsigned flags,
                                  struct pcn_error *reterr)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, alloc = 0;
    struct dirent *de;
    enum pcn_err rc = PCN_OK;

    if (!d)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "%s: %s", dir, strerror(errno));
    while (!rc && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pcn") != 0 || de->d_name[0] == '.')
            continue;
        rc = PCN_GROW(names, n + 1, alloc);
        if (!rc) {
            names[n] = pcn_strdup(de->d_name);
            rc = names[n] ? PCN_OK : PCN_ENOMEM;
            n += !rc;
        }
    }
    (void)closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
            rc = pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", dir);
        else
            rc = pcn_program_load_file(p, path, flags, reterr);
    }
    for (size_t i = 0; i < n; i++)
        pcn_free(names[i]);
    pcn_free(names);
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "%s: out of memory", dir);
    return rc;
}

enum pcn_err pcn__program_match(const struct pcn_program *p, const char *name, uint8_t *out,
                                size_t *ret_hits, struct pcn_error *reterr)
{
    static const char *const kinds[] = {"registers", "indicators", "scores", "segments",
                                        "worklists"};
    size_t hits = 0;
    const char *best = NULL;
    int best_d = 99;

    if (!p || !name)
        return PCN_EINVAL;
    for (size_t i = 0; i < p->n_defs; i++) {
        const struct def *d = &p->defs[i];
        bool hit = !strcmp(name, "all") || !strcmp(name, d->name) || !strcmp(name, kinds[d->kind]);
        if (hit && out)
            out[i] = 1;
        hits += hit;
    }
    if (ret_hits)
        *ret_hits = hits;
    if (hits)
        return PCN_OK;
    for (size_t i = 0; i < p->n_defs; i++)
        consider(p->defs[i].name, name, strlen(name), &best, &best_d);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(kinds); i++)
        consider(kinds[i], name, strlen(name), &best, &best_d);
    if (best)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no definition '%s'; did you mean '%s'?", name,
                             best);
    return pcn_error_set(reterr, PCN_ENOTFOUND, "no definition '%s'", name);
}

enum pcn_err pcn_program_match(const struct pcn_program *p, const char *name, size_t *ret_count,
                               struct pcn_error *reterr)
{
    return pcn__program_match(p, name, NULL, ret_count, reterr);
}

enum pcn_err pcn_program_select(struct pcn_program *p, const char *name, struct pcn_error *reterr)
{
    uint8_t *out;
    enum pcn_err rc;

    if (!p || !name)
        return PCN_EINVAL;
    out = pcn_calloc(p->n_defs + 1, 1);
    if (!out)
        return pcn_error_set(reterr, PCN_ENOMEM, "%s", pcn_err_str(PCN_ENOMEM));
    rc = pcn__program_match(p, name, out, NULL, reterr);
    for (size_t i = 0; rc == PCN_OK && i < p->n_defs; i++)
        p->defs[i].output = out[i] != 0;
    pcn_free(out);
    return rc;
}

size_t pcn_program_def_count(const struct pcn_program *p)
{
    return p ? p->n_defs : 0;
}

enum pcn_err pcn_program_def_info(const struct pcn_program *p, size_t i, const char **ret_kind,
                                  const char **ret_name, const char **ret_title)
{
    static const char *const kinds[] = {"register", "indicator", "score", "segment", "worklist"};

    if (!p || i >= p->n_defs)
        return PCN_ENOTFOUND;
    *ret_kind = kinds[p->defs[i].kind];
    *ret_name = p->defs[i].name;
    *ret_title = p->defs[i].title;
    return PCN_OK;
}

size_t pcn_program_output_count(const struct pcn_program *p)
{
    size_t n = 0;

    for (size_t i = 0; p && i < p->n_defs; i++)
        n += p->defs[i].output;
    return n;
}
