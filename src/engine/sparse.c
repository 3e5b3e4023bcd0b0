/*
 * sparse.c - the supports of a program's nodes and the candidates of an
 * evaluation (sparse.h).
 *
 * Each node gets two supports, computed children first:
 *   zero: no event in the lists => the value is exactly 0;
 *   null: no event in the lists => the value is null (NaN).
 * A support is at most SUPPORT_MAX code lists, or unknown. The rules
 * follow the evaluator's semantics (eval.c): ordered comparisons, == and
 * != are false when either side is null; and/or/not read null as true, so
 * only a zero support passes through them; arithmetic propagates null.
 * When two supports would both do, the one with fewer events is kept.
 */
#include "engine/sparse.h"

#include <string.h>

#include "engine/listcache.h"

#include "pcn/alloc.h"
#include "util/common.h"

#define NONE UINT32_MAX
#define SUPPORT_MAX 8
#define UNKNOWN UINT8_MAX

struct support {
    uint8_t n; /* lists; UNKNOWN when there is no support */
    uint32_t list[SUPPORT_MAX];
};

struct node_support {
    struct support zero, null;
};

/* What the planner reads: the program and what this evaluation decided about it. */
struct planner {
    const struct pcn_program *p;
    const struct eval_marks *mk;
};

static const struct support unknown = {.n = UNKNOWN};
static const struct support none = {.n = 0}; /* no list: always empty */

static bool known(const struct support *x)
{
    return x->n != UNKNOWN;
}

/* The events of a support's lists (each list used by the evaluation is indexed). */
static size_t cost(const struct eval_marks *mk, const struct support *x)
{
    size_t events = 0;

    for (uint8_t k = 0; k < x->n; k++)
        events +=
            mk->lists[x->list[k]].index ? mk->lists[x->list[k]].index->n : SIZE_MAX / SUPPORT_MAX;
    return events;
}

/* Either support will do: the known one with fewer events. */
static struct support either(const struct planner *pl, const struct support *x,
                             const struct support *y)
{
    if (!known(x))
        return *y;
    if (!known(y))
        return *x;
    return cost(pl->mk, x) <= cost(pl->mk, y) ? *x : *y;
}

/* Both are needed: their union, unknown when either is or it is too long. */
static struct support both(const struct support *x, const struct support *y)
{
    struct support u = *x;

    if (!known(x) || !known(y))
        return unknown;
    for (uint8_t k = 0; k < y->n; k++) {
        uint8_t j = 0;
        while (j < u.n && u.list[j] != y->list[k])
            j++;
        if (j < u.n)
            continue;
        if (u.n == SUPPORT_MAX)
            return unknown;
        u.list[u.n++] = y->list[k];
    }
    return u;
}

/* A support of one list. */
static struct support one(uint32_t list)
{
    struct support x = {.n = 1};

    x.list[0] = list;
    return x;
}

static bool is_literal(const struct node *n)
{
    return n->op == OP_NUM && n->type != TY_DUR;
}

static struct node_support support_cmp(const struct planner *pl, const struct node *n,
                                       const struct node_support *ns)
{
    const struct pcn_program *p = pl->p;
    struct node_support r = {unknown, unknown};
    const struct node *a = &p->nodes[n->a], *b = &p->nodes[n->b];

    r.zero = either(pl, &ns[n->a].null, &ns[n->b].null);
    /* a zero-support side compared with a literal: empty when `0 OP k` fails */
    if (is_literal(b) && !pcn__cmp_holds(n->sub, 0, b->num))
        r.zero = either(pl, &r.zero, &ns[n->a].zero);
    if (is_literal(a) && !pcn__cmp_holds(n->sub, a->num, 0))
        r.zero = either(pl, &r.zero, &ns[n->b].zero);
    return r;
}

/* case: empty when every branch (and the else) is; no else gives 0 (bool) or null. */
static struct node_support support_case(const struct planner *pl, const struct node *n,
                                        const struct node_support *ns)
{
    const struct pcn_program *p = pl->p;
    const uint32_t *l = p->lists + n->aux;
    uint32_t k_n = l[0], els = l[1 + 2 * k_n];
    struct node_support r;

    if (els != NONE) {
        r = ns[els];
    } else if (n->type == TY_BOOL) {
        r.zero = none;
        r.null = unknown;
    } else {
        r.zero = unknown;
        r.null = none;
    }
    for (uint32_t k = 0; k < k_n; k++) {
        r.zero = both(&r.zero, &ns[l[2 + 2 * k]].zero);
        r.null = both(&r.null, &ns[l[2 + 2 * k]].null);
    }
    return r;
}

static struct node_support support_of(const struct planner *pl, const struct node *n,
                                      const struct node_support *ns)
{
    const struct pcn_program *p = pl->p;
    struct node_support r = {unknown, unknown};

    switch (n->op) {
    case OP_QUERY: {
        const struct query *q = &p->queries[n->aux];
        if (q->agg <= AGG_COUNT_CODES)
            r.zero = one(q->codelist);
        else
            r.null = one(q->codelist);
        break;
    }
    case OP_FIELD:
    case OP_DATEADD:
        r.null = ns[n->a].null;
        break;
    case OP_ISNULL:
        if (n->sub) /* is not null */
            r.zero = ns[n->a].null;
        break;
    case OP_NEG:
        r = ns[n->a];
        break;
    case OP_CMP:
        r = support_cmp(pl, n, ns);
        break;
    case OP_AND:
        r.zero = either(pl, &ns[n->a].zero, &ns[n->b].zero);
        break;
    case OP_OR:
        r.zero = both(&ns[n->a].zero, &ns[n->b].zero);
        break;
    case OP_ARITH:
        r.null = either(pl, &ns[n->a].null, &ns[n->b].null);
        if (n->sub == '+' || n->sub == '-')
            r.zero = both(&ns[n->a].zero, &ns[n->b].zero);
        break;
    case OP_FUNC:
        if (n->sub == FN_ROUND) {
            r = ns[n->a];
        } else {
            /* min, max, coalesce: null only when both are */
            r.null = both(&ns[n->a].null, &ns[n->b].null);
        }
        break;
    case OP_CASE:
        r = support_case(pl, n, ns);
        break;
    case OP_BAND:
    case OP_SEGMENT: {
        const struct def *d = &p->defs[n->aux];
        if (d->pop != NONE)
            r.null = ns[d->pop].zero; /* outside the population: no label */
        break;
    }
    default: /* literals and built-ins hold for everyone */
        break;
    }
    return r;
}

/*
 * The support of what an output definition counts, or unknown: a register
 * counts members (and its population, when it has one); the others count
 * and list only patients in their population.
 */
static struct support def_support(const struct planner *pl, const struct def *d,
                                  const struct node_support *ns)
{
    struct support pop = d->pop != NONE ? ns[d->pop].zero : unknown;

    if (d->kind == DEF_REGISTER)
        return either(pl, &ns[d->value].zero, &pop);
    return pop;
}

/*
 * Which nodes the outputs reach, through every operand (also those a fused
 * '+' chain absorbs, which are no longer marked needed): children have
 * smaller indexes, so one pass from the last node down suffices.
 */
static void mark_reached(const struct pcn_program *p, const uint8_t *output, bool *reach)
{
#define REACH(x)                                                                                   \
    do {                                                                                           \
        if ((x) != NONE)                                                                           \
            reach[(x)] = true;                                                                     \
    } while (0)
    for (size_t i = 0; i < p->n_defs; i++) {
        const struct def *d = &p->defs[i];
        if (!output[i])
            continue;
        REACH(d->pop);
        REACH(d->value);
    }
    for (size_t i = p->n_nodes; i-- > 0;) {
        const struct node *n = &p->nodes[i];
        if (!reach[i] || n->op == OP_NUM || n->op == OP_BUILTIN || n->op == OP_QUERY)
            continue;
        if (n->op == OP_CASE) {
            const uint32_t *l = p->lists + n->aux;
            for (uint32_t k = 0; k < 2 * l[0] + 1; k++)
                REACH(l[1 + k]);
        } else if (n->op == OP_BAND || n->op == OP_SEGMENT) {
            REACH(p->defs[n->aux].pop);
        } else {
            REACH(n->a);
            if (n->op != OP_DATEADD)
                REACH(n->b);
        }
    }
#undef REACH
}

/* The sorted union of two sorted lists of distinct patients into out; its length. */
static size_t merge_patients(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                             uint32_t *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na && j < nb) {
        uint32_t x = a[i], y = b[j];
        out[n++] = x < y ? x : y;
        i += x <= y;
        j += y <= x;
    }
    while (i < na)
        out[n++] = a[i++];
    while (j < nb)
        out[n++] = b[j++];
    return n;
}

/* The union of the support's lists' patients: borrowed for one list, else built. */
static enum pcn_err union_of(const struct eval_marks *mk, const struct support *all,
                             struct sparse_plan *plan)
{
    size_t total = 0, n = 0;
    uint32_t *out, *tmp;

    if (all->n == 1) {
        const struct list_index *li = mk->lists[all->list[0]].index;
        plan->cand = li->patients;
        plan->n_cand = (uint32_t)li->n_patients;
        return PCN_OK;
    }
    for (uint8_t k = 0; k < all->n; k++)
        total += mk->lists[all->list[k]].index->n_patients;
    out = pcn_calloc(total + 1, sizeof(*out));
    tmp = pcn_calloc(total + 1, sizeof(*tmp));
    if (!out || !tmp) {
        pcn_free(out);
        pcn_free(tmp);
        return PCN_ENOMEM;
    }
    for (uint8_t k = 0; k < all->n; k++) {
        const struct list_index *li = mk->lists[all->list[k]].index;
        uint32_t *swap;
        n = merge_patients(out, n, li->patients, li->n_patients, tmp);
        swap = out;
        out = tmp;
        tmp = swap;
    }
    pcn_free(tmp);
    plan->cand = plan->owned = out;
    plan->n_cand = (uint32_t)n;
    return PCN_OK;
}

/*
 * Is visiting n_cand candidates quicker than every patient, for a program
 * of n_nodes nodes per patient? Measured on the benchmark population at
 * 1M patients (docs/PERFORMANCE.md, "Sparse evaluation"): a dense chunk
 * evaluates a node for a patient in about 0.3 ns and has about 0.4 ns of
 * fixed work per patient (aggregation); a sparse chunk about 1 ns per node
 * and 5 ns per candidate (gathering its columns and groups, mapping its
 * events to slots). So one node: sparse below about 11% of patients;
 * many nodes: below about 30%.
 */
static bool worth_visiting(uint32_t n_cand, uint32_t n_patients, size_t n_nodes)
{
    double sparse = (double)n_cand * ((double)n_nodes * 1.0 + 5.0);
    double dense = (double)n_patients * ((double)n_nodes * 0.3 + 0.4);

    return sparse < dense;
}

enum pcn_err pcn__sparse_plan(const struct pcn_program *p, const struct pcn_snapshot *s,
                              const struct eval_marks *mk, size_t n_nodes, bool always,
                              struct sparse_plan *plan)
{
    struct planner pl = {p, mk};
    struct node_support *ns = pcn_calloc(p->n_nodes + 1, sizeof(*ns));
    bool *reach = pcn_calloc(p->n_nodes + 1, sizeof(*reach));
    struct support all = {0};
    bool any_output = false;
    enum pcn_err rc = PCN_OK;

    *plan = (struct sparse_plan){0};
    if (!ns || !reach) {
        rc = PCN_ENOMEM;
        goto out;
    }
    mark_reached(p, mk->output, reach);
    for (size_t i = 0; i < p->n_nodes; i++) {
        ns[i].zero = ns[i].null = unknown;
        if (reach[i])
            ns[i] = support_of(&pl, &p->nodes[i], ns);
    }
    for (size_t i = 0; i < p->n_defs && known(&all); i++) {
        struct support d;
        if (!mk->output[i])
            continue;
        any_output = true;
        d = def_support(&pl, &p->defs[i], ns);
        all = both(&all, &d);
    }
    for (uint8_t k = 0; known(&all) && k < all.n; k++) {
        if (!mk->lists[all.list[k]].index)
            all = unknown; /* not indexed for this evaluation: visit everyone */
    }
    if (!any_output || !known(&all) || s->n_patients == 0)
        goto out;
    for (uint8_t k = 0; !rc && k < all.n; k++)
        rc = pcn__listcache_patients(s->lists, mk->lists[all.list[k]].index);
    if (rc)
        goto out;
    /*
     * Judged on the sum of the lists' patients, an upper bound of their
     * union: building the union only to find it too large would cost more
     * than a small evaluation.
     */
    size_t most = 0;
    for (uint8_t k = 0; k < all.n; k++)
        most += mk->lists[all.list[k]].index->n_patients;
    if (!always &&
        !worth_visiting((uint32_t)PCN_MIN(most, (size_t)UINT32_MAX), s->n_patients, n_nodes))
        goto out;
    rc = union_of(mk, &all, plan);
out:
    pcn_free(reach);
    pcn_free(ns);
    return rc;
}

void pcn__sparse_plan_release(struct sparse_plan *plan)
{
    pcn_free(plan->owned);
    *plan = (struct sparse_plan){0};
}
