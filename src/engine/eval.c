/*
 * eval.c - vectorised evaluation of a compiled program over a snapshot.
 * Patients are processed in chunks of CHUNK; every needed node is
 * computed for the whole chunk in node order (children first), so each
 * node runs once per chunk and `let` values are shared for free. Event
 * queries walk the posting lists of their codes with one cursor per code
 * that only moves forward, so a query touches only its codes' events.
 * Values are doubles: bools 0/1, dates day numbers, strings interned ids,
 * null is NaN. When the program proves that only patients with certain
 * records can count (sparse.h), chunks hold those patients only (the
 * candidates): the queries still walk their codes' events in patient
 * order, and map each event's patient to its slot in the chunk, or to a
 * trash slot that nothing reads.
 */
#include "pcn/engine.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/listcache.h"
#include "engine/popcache.h"
#include "engine/sparse.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/vec.h"
#include "util/common.h"

#define CHUNK POP_CHUNK
#define NONE UINT32_MAX
#define MAX_GROUPS ((size_t)1 << 22)
/*
 * Sparse chunks: the slots of events of patients that are not candidates,
 * TRASH + (position & 7): spread over eight so that runs of such events do
 * not all update one counter, each waiting for the last.
 */
#define TRASH CHUNK
#define TRASH_SLOTS 8
#define SLOTS (CHUNK + TRASH_SLOTS)

_Static_assert(CHUNK < UINT16_MAX, "chunk slots are 16-bit");

struct qstate {
    const struct mev *ev; /* the code list's merged index; borrowed */
    size_t n, cursor;
};

/*
 * A chain of '+' over 0/1 terms evaluated as one node (the eFI's sum of 36
 * deficits): its exists() queries with fixed windows are scanned straight
 * into one per-patient count instead of each filling a buffer that is then
 * added; the other terms are added as usual. Integer sums, so the result
 * is exactly that of the chain.
 */
struct fused {
    uint32_t *queries; /* exists query nodes scanned here (not evaluated on their own) */
    size_t n_queries;
    uint32_t *others; /* other 0/1 terms, evaluated as usual */
    size_t n_others;
};

struct evalctx {
    const struct pcn_program *prog;
    struct eval_marks mk; /* main context: owned; workers: borrowed copies */
    const struct pcn_snapshot *s;
    struct pcn_results *r;
    int32_t as_of;
    int32_t as_of_ymd;
    int64_t deadline;     /* pcn_monotonic_usec() instant; 0: none */
    double age[CHUNK];    /* of the chunk's patients */
    double **buf, **buf2; /* per node (borrowed from pool); buf2 only for events */
    double **pool;        /* the chunk buffers, each shared by nodes whose lives do not overlap */
    size_t n_pool;
    struct qstate *qs;
    /*
     * The patients this context evaluates: dense, patients [range_lo,
     * range_hi); sparse, candidates cand[range_lo..range_hi).
     */
    uint32_t range_lo, range_hi;
    /*
     * Current chunk: len patients; every event the queries walk is of a
     * patient in [lo, hi). Dense, slot i is patient lo + i; sparse, the
     * chunk's patients are pat[0..len) and slot[p - lo] maps patient p
     * to its slot, or to a TRASH slot.
     */
    uint32_t lo, hi, len;
    struct sparse_plan plan; /* main context: the candidates (sparse.h) */
    const uint32_t *cand;    /* sparse: plan.cand (workers borrow it); else NULL */
    uint32_t n_cand;
    const uint32_t *pat; /* sparse: the chunk's patients (into cand); else NULL */
    uint16_t *slot;      /* sparse: per patient of [lo, hi); TRASH slots between chunks */
    size_t alloc_slot;
    uint8_t chunk_inpop[CHUNK]; /* sparse: the chunk's population and groups, gathered */
    uint32_t chunk_group[CHUNK];
    bool is_worker; /* borrows the string tables of the main context */
    struct pcn_result *res;
    enum pcn_err rc;
    bool first_chunk;
    bool need_age; /* the age built-in is used */
    /* per slot, TRASH slots included */
    double lo_b[SLOTS], hi_b[SLOTS];
    uint32_t best[SLOTS];
    int32_t best_date[SLOTS];    /* first/last over a fixed window: the chosen event's date */
    uint32_t touched[SLOTS + 1]; /* first/last/min/max: the chunk's slots with an event, in order */
    int32_t cnt[SLOTS];          /* matching events per patient of the chunk, for one query */
    /* the snapshot's cached population and groups (main context: held; workers borrow) */
    struct pop_entry *pop;
    const uint32_t *group; /* the chunk's patients' breakdown groups (into pop) */
    const uint8_t *inpop;  /* the chunk's patients: 1 in the population (into pop) */
    bool one_group;        /* every patient of the chunk is in group[0] (set by chunk_groups) */
    uint32_t *practice_str, *network_str; /* string ids */
    struct fused *fused;                  /* per evaluation; workers borrow them */
    size_t n_fused;
    uint32_t *fused_of; /* per node: index into fused, or NONE */
    uint32_t *order;    /* the needed per-patient nodes, in evaluation order (workers borrow) */
    size_t n_order;
    uint32_t sex_str[4], eth_str[ETH_COUNT], empty_str;
};

/*
 * The chunk slot of patient p in [lo, hi): dense (slot table NULL) p - lo;
 * sparse its slot or a TRASH one. A macro so the scan kernels can pass a
 * constant NULL table and be compiled without the test.
 */
#define SLOT(slot, lo, p) ((slot) ? (uint32_t)(slot)[(p) - (lo)] : (p) - (lo))

static inline uint32_t slot_of(const struct evalctx *c, uint32_t p)
{
    return SLOT(c->slot, c->lo, p);
}

/* The patient in chunk slot i (i < len). */
static inline uint32_t patient_at(const struct evalctx *c, uint32_t i)
{
    return c->pat ? c->pat[i] : c->lo + i;
}

/* ---- setup ---- */

/*
 * Mark node i's operands needed (children have smaller indexes, so a
 * sweep from the last node down reaches every node below a needed one:
 * no recursion, however long a chain of operators).
 */
static void mark_operands(const struct pcn_program *p, uint8_t *needed, uint32_t i)
{
    const struct node *n = &p->nodes[i];

#define NEED(x)                                                                                    \
    do {                                                                                           \
        if ((x) != NONE)                                                                           \
            needed[(x)] = 1;                                                                       \
    } while (0)
    if (n->op == OP_NUM || n->op == OP_BUILTIN)
        return;
    if (n->op == OP_QUERY || n->op == OP_CONTACTS) {
        const struct query *q = &p->queries[n->aux];
        for (size_t f = 0; f < q->n_filters; f++) {
            if (q->filters[f].kind != F_VALUE)
                NEED(q->filters[f].bound);
        }
    } else if (n->op == OP_CASE) {
        const uint32_t *l = p->lists + n->aux;
        for (uint32_t k = 0; k < 2 * l[0] + 1; k++)
            NEED(l[1 + k]);
    } else if (n->op == OP_BAND || n->op == OP_SEGMENT) {
        const struct def *d = &p->defs[n->aux];
        NEED(d->pop);
        NEED(d->value);
        for (size_t k = 0; k < d->n_items; k++)
            NEED(d->items[k].node);
    } else {
        NEED(n->a);
        if (n->op != OP_DATEADD)
            NEED(n->b);
    }
#undef NEED
}

/* The nodes the evaluation's output definitions need (mk->needed, from mk->output). */
static void mark_outputs(const struct pcn_program *p, struct eval_marks *mk)
{
    for (size_t i = 0; i < p->n_defs; i++) {
        const struct def *d = &p->defs[i];
        if (!mk->output[i])
            continue;
        const uint32_t roots[] = {d->pop, d->value, d->num, d->excl, d->label_node};
        for (size_t k = 0; k < PCN_ARRAY_SIZE(roots); k++) {
            if (roots[k] != NONE)
                mk->needed[roots[k]] = 1;
        }
        for (size_t k = 0; k < d->n_items; k++)
            mk->needed[d->items[k].node] = 1;
    }
    for (size_t i = p->n_nodes; i-- > 0;) {
        if (mk->needed[i])
            mark_operands(p, mk->needed, (uint32_t)i);
    }
}

/*
 * Which arithmetic nodes could overflow: a bound on each node's magnitude,
 * from the operands' (booleans 1, counts 2^32, event values a float's
 * range, dates the calendar's, literals themselves). A sum of registers
 * cannot overflow and skips the check; a division, or anything built on
 * one, cannot be bounded. The bounds only decide where to look: the check
 * itself is exact.
 */
static enum pcn_err plan_magnitudes(const struct pcn_program *p, uint8_t *checked)
{
    double *mag = pcn_calloc(p->n_nodes + 1, sizeof(*mag));

    if (!mag)
        return PCN_ENOMEM;
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        double a = n->a < i ? mag[n->a] : INFINITY, b = n->b < i ? mag[n->b] : INFINITY, m;
        switch (n->op) {
        case OP_NUM:
            m = fabs(n->num);
            break;
        case OP_NEG:
            m = a;
            break;
        case OP_ARITH:
            m = n->sub == '+' || n->sub == '-' ? a + b : n->sub == '*' ? a * b : INFINITY;
            checked[i] = !(m <= DBL_MAX);
            break;
        case OP_QUERY:
        case OP_CONTACTS:
            m = 4294967296.0; /* a count; events and their values are fields */
            break;
        case OP_FIELD:
            m = FLT_MAX; /* dates are far smaller */
            break;
        case OP_FUNC:
            m = n->sub == FN_ROUND ? a + 1 : PCN_MAX(a, b);
            break;
        case OP_CASE: {
            const uint32_t *l = p->lists + n->aux;
            uint32_t els = l[1 + 2 * l[0]];
            m = els == NONE ? 0 : els < i ? mag[els] : INFINITY;
            for (uint32_t k = 0; k < l[0]; k++)
                m = PCN_MAX(m, l[2 + 2 * k] < i ? mag[l[2 + 2 * k]] : INFINITY);
            break;
        }
        default: /* booleans, built-ins, dates, labels: at most the calendar's days */
            m = 1e7;
            break;
        }
        mag[i] = m;
    }
    pcn_free(mag);
    return PCN_OK;
}

/* How many needed nodes and output definitions use each node (uses[i]). */
static void count_uses(const struct pcn_program *p, const struct eval_marks *mk, uint32_t *uses)
{
#define USE(x)                                                                                     \
    do {                                                                                           \
        if ((x) != NONE)                                                                           \
            uses[(x)]++;                                                                           \
    } while (0)
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        if (!mk->needed[i] || n->op == OP_NUM || n->op == OP_BUILTIN)
            continue;
        if (n->op == OP_QUERY || n->op == OP_CONTACTS) {
            const struct query *q = &p->queries[n->aux];
            for (size_t f = 0; f < q->n_filters; f++) {
                if (q->filters[f].kind != F_VALUE)
                    USE(q->filters[f].bound);
            }
        } else if (n->op == OP_CASE) {
            const uint32_t *l = p->lists + n->aux;
            for (uint32_t k = 0; k < 2 * l[0] + 1; k++)
                USE(l[1 + k]);
        } else if (n->op == OP_BAND || n->op == OP_SEGMENT) {
            const struct def *d = &p->defs[n->aux];
            USE(d->pop);
            USE(d->value);
            for (size_t k = 0; k < d->n_items; k++)
                USE(d->items[k].node);
        } else {
            USE(n->a);
            if (n->op != OP_DATEADD)
                USE(n->b);
        }
    }
    for (size_t i = 0; i < p->n_defs; i++) {
        const struct def *d = &p->defs[i];
        if (!mk->output[i])
            continue;
        USE(d->pop);
        USE(d->value);
        USE(d->num);
        USE(d->excl);
        USE(d->label_node);
        for (size_t k = 0; k < d->n_items; k++)
            USE(d->items[k].node);
    }
#undef USE
}

/* An exists() over fixed windows only: what a fused chain can scan itself. */
static bool fusable_query(const struct pcn_program *p, const struct node *n)
{
    const struct query *q;

    if (n->op != OP_QUERY || p->queries[n->aux].agg != AGG_EXISTS)
        return false;
    q = &p->queries[n->aux];
    for (size_t f = 0; f < q->n_filters; f++) {
        if (q->filters[f].kind == F_VALUE || !p->nodes[q->filters[f].bound].is_const)
            return false;
    }
    return true;
}

static bool is_plus(const struct node *n)
{
    return n->op == OP_ARITH && n->sub == '+';
}

/*
 * A '+' chain: its terms (nodes reached through '+' nodes used only by the
 * chain) and its inner '+' nodes (below the top). Caller frees both arrays.
 */
struct chain {
    uint32_t *terms, *inner;
    size_t n_terms, n_inner, alloc_terms, alloc_inner;
};

static void chain_release(struct chain *ch)
{
    pcn_free(ch->terms);
    pcn_free(ch->inner);
    memset(ch, 0, sizeof(*ch));
}

/* The chain at top, walked with a stack of its own (a chain may be as long as the program). */
static enum pcn_err chain_terms(const struct pcn_program *p, const uint32_t *uses, uint32_t top,
                                struct chain *ch)
{
    uint32_t *stack = NULL;
    size_t n_stack = 0, alloc_stack = 0;
    enum pcn_err rc = PCN_GROW(stack, 2, alloc_stack);

    chain_release(ch);
    if (!rc) {
        stack[n_stack++] = p->nodes[top].b;
        stack[n_stack++] = p->nodes[top].a;
    }
    while (!rc && n_stack) {
        uint32_t x = stack[--n_stack];
        const struct node *n = &p->nodes[x];
        if (is_plus(n) && uses[x] == 1) {
            rc = PCN_GROW(stack, n_stack + 2, alloc_stack);
            if (!rc)
                rc = PCN_GROW(ch->inner, ch->n_inner + 1, ch->alloc_inner);
            if (!rc) {
                ch->inner[ch->n_inner++] = x;
                stack[n_stack++] = n->b;
                stack[n_stack++] = n->a;
            }
            continue;
        }
        rc = PCN_GROW(ch->terms, ch->n_terms + 1, ch->alloc_terms);
        if (!rc)
            ch->terms[ch->n_terms++] = x;
    }
    pcn_free(stack);
    if (rc)
        chain_release(ch);
    return rc;
}

/*
 * Mark the chain below top as not needed: its '+' nodes (inner, the
 * chain_terms() list) and the queries it scans (terms used only by it).
 */
static void unmark_chain(const struct pcn_program *p, uint8_t *needed, const uint32_t *uses,
                         const uint32_t *inner, size_t n_inner, const uint32_t *terms,
                         size_t n_terms)
{
    for (size_t k = 0; k < n_inner; k++)
        needed[inner[k]] = 0;
    for (size_t k = 0; k < n_terms; k++) {
        if (uses[terms[k]] == 1 && fusable_query(p, &p->nodes[terms[k]]))
            needed[terms[k]] = 0;
    }
}

/* What a '+' chain holds: its terms, how many are booleans, how many fusable queries. */
struct chain_stats {
    uint32_t terms, bools, queries;
};

/*
 * The chain statistics of every '+' node, children first (their indexes
 * are smaller), so deciding whether a chain fuses costs nothing per node
 * and planning stays linear however long the chains are.
 */
static struct chain_stats *chain_stats_new(const struct pcn_program *p, const uint32_t *uses)
{
    struct chain_stats *st = pcn_calloc(p->n_nodes + 1, sizeof(*st));

    for (size_t i = 0; st && i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        const uint32_t kids[2] = {n->a, n->b};
        if (!is_plus(n))
            continue;
        for (size_t k = 0; k < 2; k++) {
            const struct node *t = &p->nodes[kids[k]];
            if (is_plus(t) && uses[kids[k]] == 1) {
                st[i].terms += st[kids[k]].terms;
                st[i].bools += st[kids[k]].bools;
                st[i].queries += st[kids[k]].queries;
            } else {
                st[i].terms++;
                st[i].bools += t->type == TY_BOOL;
                st[i].queries += uses[kids[k]] == 1 && fusable_query(p, t);
            }
        }
    }
    return st;
}

/* Plan the chain at top (its statistics qualify) as fused node c->fused[c->n_fused]. */
static enum pcn_err add_fused(struct evalctx *c, const uint32_t *uses, uint32_t top,
                              size_t *alloc_fused)
{
    const struct pcn_program *p = c->prog;
    struct chain ch = {0};
    struct fused *f;
    enum pcn_err rc = chain_terms(p, uses, top, &ch);

    if (!rc)
        rc = PCN_GROW(c->fused, c->n_fused + 1, *alloc_fused);
    if (rc) {
        chain_release(&ch);
        return rc;
    }
    f = &c->fused[c->n_fused];
    *f = (struct fused){0};
    f->queries = pcn_calloc(ch.n_terms + 1, sizeof(uint32_t));
    f->others = pcn_calloc(ch.n_terms + 1, sizeof(uint32_t));
    if (!f->queries || !f->others) {
        pcn_free(f->queries);
        pcn_free(f->others);
        chain_release(&ch);
        return PCN_ENOMEM;
    }
    for (size_t k = 0; k < ch.n_terms; k++) {
        if (uses[ch.terms[k]] == 1 && fusable_query(p, &p->nodes[ch.terms[k]]))
            f->queries[f->n_queries++] = ch.terms[k];
        else
            f->others[f->n_others++] = ch.terms[k];
    }
    c->fused_of[top] = (uint32_t)c->n_fused++;
    unmark_chain(p, c->mk.needed, uses, ch.inner, ch.n_inner, ch.terms, ch.n_terms);
    chain_release(&ch);
    return PCN_OK;
}

/*
 * Find '+' chains over 0/1 terms with at least three fusable exists()
 * queries and plan them as fused nodes (struct fused). Must run after
 * mark_outputs(); clears `needed` on what the fused nodes absorb. Linear in
 * the program: each chain is walked only when it fuses, and a fused chain's
 * nodes are no longer needed, so no node is walked twice.
 */
static enum pcn_err plan_fusion(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;
    uint32_t *uses = pcn_calloc(p->n_nodes + 1, sizeof(*uses));
    struct chain_stats *st = NULL;
    size_t alloc_fused = 0;
    enum pcn_err rc = PCN_OK;

    c->fused_of = pcn_calloc(p->n_nodes + 1, sizeof(uint32_t));
    if (uses && c->fused_of) {
        count_uses(p, &c->mk, uses);
        st = chain_stats_new(p, uses);
    }
    if (!st) {
        pcn_free(uses);
        return PCN_ENOMEM;
    }
    for (size_t i = 0; i < p->n_nodes; i++)
        c->fused_of[i] = NONE;
    for (size_t i = p->n_nodes; i-- > 0 && !rc;) {
        const struct node *n = &p->nodes[i];
        if (!c->mk.needed[i] || !is_plus(n) || n->is_const)
            continue;
        if (st[i].bools == st[i].terms && st[i].queries >= 3)
            rc = add_fused(c, uses, (uint32_t)i, &alloc_fused);
    }
    pcn_free(st);
    pcn_free(uses);
    return rc;
}

/* The nodes each chunk after the first evaluates: needed, per patient (not constant). */
static enum pcn_err plan_order(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;

    c->order = pcn_calloc(p->n_nodes + 1, sizeof(uint32_t));
    if (!c->order)
        return PCN_ENOMEM;
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        if (c->mk.needed[i] && n->type != TY_DUR && !n->is_const)
            c->order[c->n_order++] = (uint32_t)i;
    }
    return PCN_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct code ids of a code list present in the snapshot. Caller frees *ret. */
static enum pcn_err code_ids(const struct pcn_snapshot *s, const struct codelist *cl,
                             uint32_t **ret, size_t *ret_n)
{
    static const char classes[] = {CODE_CLASS_EVENT, CODE_CLASS_MED, CODE_CLASS_IMM};
    size_t cap = cl->builtin ? s->n_codes : cl->n_codes * 3, n = 0, u = 0;
    uint32_t *ids = pcn_calloc(cap ? cap : 1, sizeof(*ids));

    if (!ids)
        return PCN_ENOMEM;
    for (uint32_t k = 0; cl->builtin && k < s->n_codes; k++) {
        if (s->code_class[k] == cl->builtin)
            ids[n++] = k;
    }
    for (size_t k = 0; !cl->builtin && k < cl->n_codes; k++) {
        char key[130];
        size_t len = strlen(cl->codes[k]);
        if (len + 1 >= sizeof(key))
            continue;
        memcpy(key + 1, cl->codes[k], len);
        for (size_t j = 0; j < PCN_ARRAY_SIZE(classes); j++) {
            uint64_t id;
            key[0] = classes[j];
            if (pcn_strmap_get(s->codes, key, len + 1, &id))
                ids[n++] = (uint32_t)id;
        }
    }
    /* a code listed twice must not count its events twice */
    qsort(ids, n, sizeof(*ids), cmp_u32);
    for (size_t k = 0; k < n; k++) {
        if (u == 0 || ids[u - 1] != ids[k])
            ids[u++] = ids[k];
    }
    *ret = ids;
    *ret_n = u;
    return PCN_OK;
}

/* Stable LSD radix sort of a by patient (two 16-bit passes), using tmp. */
static enum pcn_err sort_by_patient(struct mev *a, struct mev *tmp, size_t n)
{
    size_t *count = pcn_calloc(65536 + 1, sizeof(*count));

    if (!count)
        return PCN_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        int shift = 16 * pass;
        struct mev *from = pass ? tmp : a, *to = pass ? a : tmp;
        memset(count, 0, (65536 + 1) * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[((from[i].patient >> shift) & 0xffff) + 1]++;
        for (size_t k = 0; k < 65536; k++)
            count[k + 1] += count[k];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].patient >> shift) & 0xffff]++] = from[i];
    }
    pcn_free(count);
    return PCN_OK;
}

/* What builds a code list's index on a snapshot (listcache.h). */
struct list_build {
    const struct pcn_snapshot *s;
    const struct codelist *cl;
};

/* The events of every code of a list, ordered by patient, then code, then date. */
static enum pcn_err build_list(void *ud, struct mev **ret_ev, size_t *ret_n)
{
    const struct list_build *lb = ud;
    const struct pcn_snapshot *s = lb->s;
    uint32_t *ids = NULL;
    struct mev *m = NULL, *tmp = NULL;
    size_t n_ids = 0, n = 0, at = 0;
    enum pcn_err rc = code_ids(s, lb->cl, &ids, &n_ids);

    if (rc)
        return rc;
    for (size_t k = 0; k < n_ids; k++)
        n += s->code_start[ids[k] + 1] - s->code_start[ids[k]];
    m = pcn_calloc(n ? n : 1, sizeof(*m));
    tmp = pcn_calloc(n ? n : 1, sizeof(*tmp));
    rc = m && tmp ? PCN_OK : PCN_ENOMEM;
    for (size_t k = 0; !rc && k < n_ids; k++) {
        for (uint32_t e = s->code_start[ids[k]]; e < s->code_start[ids[k] + 1]; e++)
            m[at++] = (struct mev){s->ev_patient[e], s->ev_date[e], s->ev_value[e], ids[k]};
    }
    if (!rc)
        rc = sort_by_patient(m, tmp, n);
    pcn_free(ids);
    pcn_free(tmp);
    if (rc) {
        pcn_free(m);
        return rc;
    }
    *ret_ev = m;
    *ret_n = n;
    return PCN_OK;
}

/* The index of code list i on the snapshot, from its cache (built on first use). */
static enum pcn_err index_codelist(struct evalctx *c, uint32_t i)
{
    const struct codelist *cl = &c->prog->codelists[i];
    struct list_build lb = {c->s, cl};

    if (c->mk.lists[i].index)
        return PCN_OK;
    if (PCN_NEVER(!cl->key))
        return PCN_EINVAL;
    return pcn__listcache_get(c->s->lists, cl->key, cl->key_len, cl->key_hash, build_list, &lb,
                              &c->mk.lists[i].index);
}

static void resolve_codes(struct evalctx *c, uint32_t codelist, struct qstate *q)
{
    const struct list_index *li = c->mk.lists[codelist].index;
    /* first event of the context's first patient */
    uint32_t first =
        c->cand ? (c->range_lo < c->n_cand ? c->cand[c->range_lo] : UINT32_MAX) : c->range_lo;
    size_t lo = 0, hi = li->n;

    q->ev = li->ev;
    q->n = li->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->ev[mid].patient < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    q->cursor = lo;
}

/*
 * The string id of text s for this evaluation: the program's when it has
 * interned the text (so comparisons with its literals hold), else one of
 * the results' own (pcn__results_str()), one per distinct text.
 */
static enum pcn_err string_id(struct evalctx *c, struct pcn_strmap *seen, const char *s,
                              uint32_t *ret)
{
    struct pcn_results *r = c->r;
    size_t len = strlen(s);
    uint64_t id;
    enum pcn_err rc;

    if (pcn_strmap_get(c->prog->strings, s, len, &id) || pcn_strmap_get(seen, s, len, &id)) {
        *ret = (uint32_t)id;
        return PCN_OK;
    }
    if (c->prog->n_str + r->n_ext_str >= UINT32_MAX)
        return PCN_ELIMIT;
    id = c->prog->n_str + r->n_ext_str;
    rc = pcn_strmap_put(seen, s, len, id);
    if (rc)
        return rc;
    r->ext_str[r->n_ext_str++] = s;
    *ret = (uint32_t)id;
    return PCN_OK;
}

/* String ids of the values the built-ins give: practice and network codes, sexes, ethnicities. */
static enum pcn_err builtin_strings(struct evalctx *c)
{
    const struct pcn_snapshot *s = c->s;
    static const char *const sexes[] = {"U", "M", "F", "I"};
    size_t most = s->n_practices + s->n_networks + 1 + 4 + ETH_COUNT;
    struct pcn_strmap *seen = pcn_strmap_new();
    enum pcn_err rc = PCN_OK;

    c->practice_str = pcn_calloc(s->n_practices + 1, sizeof(uint32_t));
    c->network_str = pcn_calloc(s->n_networks + 1, sizeof(uint32_t));
    c->r->ext_str = pcn_calloc(most, sizeof(*c->r->ext_str));
    if (!seen || !c->practice_str || !c->network_str || !c->r->ext_str) {
        pcn_strmap_free(seen);
        return PCN_ENOMEM;
    }
    rc = string_id(c, seen, "", &c->empty_str);
    for (size_t i = 0; i < s->n_practices && !rc; i++)
        rc = string_id(c, seen, s->practice_code[i], &c->practice_str[i]);
    c->practice_str[s->n_practices] = c->empty_str;
    for (size_t i = 0; i < s->n_networks && !rc; i++)
        rc = string_id(c, seen, s->network_code[i], &c->network_str[i]);
    c->network_str[s->n_networks] = c->empty_str;
    for (size_t i = 0; i < 4 && !rc; i++)
        rc = string_id(c, seen, sexes[i], &c->sex_str[i]);
    for (size_t i = 0; i < ETH_COUNT && !rc; i++)
        rc = string_id(c, seen, pcn__eth_names[i], &c->eth_str[i]);
    pcn_strmap_free(seen);
    return rc;
}

/* ---- node evaluation ---- */

static double nan_if_none(int32_t d)
{
    return d == PCN_DATE_NONE ? NAN : (double)d;
}

static void eval_builtin(struct evalctx *c, const struct node *n, double *out)
{
    const struct pcn_snapshot *s = c->s;
    uint32_t len = c->len;

    switch (n->sub) {
    case B_AS_OF:
        for (uint32_t i = 0; i < CHUNK; i++)
            out[i] = c->as_of;
        break;
    case B_AGE:
        memcpy(out, c->age, len * sizeof(*out));
        break;
    case B_DOB:
        for (uint32_t i = 0; i < len; i++)
            out[i] = nan_if_none(s->dob[patient_at(c, i)]);
        break;
    case B_SEX:
        for (uint32_t i = 0; i < len; i++)
            out[i] = c->sex_str[s->sex[patient_at(c, i)] & 3];
        break;
    case B_PRACTICE:
    case B_NETWORK:
        for (uint32_t i = 0; i < len; i++) {
            uint16_t pr = s->practice[patient_at(c, i)];
            if (n->sub == B_PRACTICE)
                out[i] = c->practice_str[pr == UINT16_MAX ? s->n_practices : pr];
            else
                out[i] = c->network_str[pr == UINT16_MAX ? s->n_networks
                                                         : c->r->network_of_practice[pr]];
        }
        break;
    case B_ETHNICITY:
        for (uint32_t i = 0; i < len; i++)
            out[i] = c->eth_str[s->eth[patient_at(c, i)]];
        break;
    case B_IMD:
        for (uint32_t i = 0; i < len; i++) {
            uint8_t q = s->imd_q[patient_at(c, i)];
            out[i] = q ? q : NAN;
        }
        break;
    case B_REG_FROM:
        for (uint32_t i = 0; i < len; i++)
            out[i] = nan_if_none(s->reg_from[patient_at(c, i)]);
        break;
    default:
        for (uint32_t i = 0; i < len; i++)
            out[i] = 1;
        break;
    }
}

/*
 * Comparisons, written so the compiler can vectorise them: IEEE ordered
 * comparisons are already false when either side is NaN (null); only !=
 * needs the explicit test.
 */
static void eval_cmp(uint8_t op, const double *restrict a, const double *restrict b,
                     double *restrict out, uint32_t len)
{
    switch (op) {
    case CMP_EQ:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] == b[i];
        break;
    case CMP_NE:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] != b[i] && a[i] == a[i] && b[i] == b[i];
        break;
    case CMP_LT:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] < b[i];
        break;
    case CMP_LE:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] <= b[i];
        break;
    case CMP_GT:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] > b[i];
        break;
    default:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] >= b[i];
        break;
    }
}

/* An overflowed result is null, like a division by zero: no value is ever infinite. */
static inline double finite_or_null(double v)
{
    return fabs(v) <= DBL_MAX ? v : NAN;
}

static void eval_arith(uint8_t op, bool checked, const double *restrict a, const double *restrict b,
                       double *restrict out, uint32_t len)
{
    switch (op) {
    case '+':
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] + b[i];
        break;
    case '-':
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] - b[i];
        break;
    case '*':
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] * b[i];
        break;
    default:
        for (uint32_t i = 0; i < len; i++)
            out[i] = b[i] == 0 ? NAN : a[i] / b[i];
        break;
    }
    if (checked) { /* plan_magnitudes() could not rule overflow out */
        for (uint32_t i = 0; i < len; i++)
            out[i] = finite_or_null(out[i]);
    }
}

bool pcn__cmp_holds(uint8_t op, double a, double b)
{
    if (isnan(a) || isnan(b))
        return false;
    switch (op) {
    case CMP_EQ:
        return a == b;
    case CMP_NE:
        return a != b;
    case CMP_LT:
        return a < b;
    case CMP_LE:
        return a <= b;
    case CMP_GT:
        return a > b;
    default:
        return a >= b;
    }
}

/*
 * Per-patient [lo, hi] date window of a query for the chunk. Returns true
 * when every bound is constant: then only slot 0 is meaningful.
 */
static bool query_bounds(struct evalctx *c, const struct query *q, uint32_t len)
{
    bool is_const = true;

    for (size_t f = 0; f < q->n_filters; f++) {
        if (q->filters[f].kind != F_VALUE && !c->prog->nodes[q->filters[f].bound].is_const)
            is_const = false;
    }
    if (is_const)
        len = 1;
    for (uint32_t i = 0; i < len; i++) {
        c->lo_b[i] = -INFINITY;
        c->hi_b[i] = c->as_of;
    }
    for (size_t f = 0; f < q->n_filters; f++) {
        const struct filter *fl = &q->filters[f];
        const double *b;
        if (fl->kind == F_VALUE)
            continue;
        b = c->buf[fl->bound];
        for (uint32_t i = 0; i < len; i++) {
            double v = b[i];
            if (isnan(v))
                c->lo_b[i] = INFINITY;
            else if (fl->kind == F_AFTER)
                c->lo_b[i] = PCN_MAX(c->lo_b[i], v + 1);
            else if (fl->kind == F_ON_OR_AFTER)
                c->lo_b[i] = PCN_MAX(c->lo_b[i], v);
            else if (fl->kind == F_BEFORE)
                c->hi_b[i] = PCN_MIN(c->hi_b[i], v - 1);
            else
                c->hi_b[i] = PCN_MIN(c->hi_b[i], v);
        }
    }
    return is_const;
}

/*
 * The value a record holds, as the decimal it was recorded as. Values are
 * held in single precision (about 7 significant digits); widened as they
 * are, 5.2 would be 5.19999980926514, and would neither equal 5.2 nor be
 * >= 5.2. So a value is read as the shortest of 7, 8 or 9 significant
 * digits that gives back the same float, as a double: 5.2 exactly as if
 * the literal 5.2 had been written.
 */
static double recorded_value(float f)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const double round_magic = 6755399441055744.0; /* 1.5 * 2^52: x + it - it rounds x */
    double d = f, mag = fabs(d);
    uint32_t bits;
    int e10;

    if (mag < 16777216.0 && d == (double)(int32_t)d) /* whole numbers (most values): exact */
        return d;
    if (!(mag >= 1e-15 && mag < 1e38)) /* null, or beyond the tables: as held */
        return d;
    /*
     * floor(log10(mag)) from the binary exponent (1233 / 4096 ~ log10(2)),
     * perhaps one less, then corrected. Any decimal that gives back f is
     * right; this only makes it the shortest.
     */
    memcpy(&bits, &f, sizeof(bits));
    e10 = ((int)((bits >> 23) & 0xff) - 127) * 1233 >> 12;
    if (e10 + 1 >= -22 && e10 + 1 <= 22 &&
        mag >= (e10 + 1 >= 0 ? p10[e10 + 1] : 1 / p10[-(e10 + 1)]))
        e10++;
    for (int digits = 7; digits <= 9; digits++) {
        int s = digits - 1 - e10; /* decimal places kept */
        double r;
        if (s >= 0 && s <= 22 && mag * p10[s] < 4503599627370496.0) /* 2^52 */
            r = (d * p10[s] + round_magic - round_magic) / p10[s];
        else if (s < 0 && -s <= 22)
            r = (d / p10[-s] + round_magic - round_magic) * p10[-s];
        else
            return d;
        if ((float)r == f)
            return r;
    }
    return d;
}

static bool value_ok(const struct query *q, float v)
{
    for (size_t f = 0; f < q->n_filters; f++) {
        if (q->filters[f].kind == F_VALUE &&
            !pcn__cmp_holds(q->filters[f].cmp, v, q->filters[f].num))
            return false;
    }
    return true;
}

/*
 * not / and / or over 0/1 (or any number: non-zero is true; NaN too, as in
 * C), with restrict so the loops vectorise: a node's buffer never aliases
 * its operands'.
 */
static void eval_logic(uint8_t op, const double *restrict a, const double *restrict b,
                       double *restrict out, uint32_t len)
{
    /* written as selects of 1.0/0.0 and their product / maximum: forms gcc vectorises */
    switch (op) {
    case OP_NOT:
        for (uint32_t i = 0; i < len; i++)
            out[i] = a[i] == 0;
        break;
    case OP_AND:
        for (uint32_t i = 0; i < len; i++) {
            double x = a[i] != 0 ? 1.0 : 0.0, y = b[i] != 0 ? 1.0 : 0.0;
            out[i] = x * y;
        }
        break;
    default:
        for (uint32_t i = 0; i < len; i++) {
            double x = a[i] != 0 ? 1.0 : 0.0, y = b[i] != 0 ? 1.0 : 0.0;
            out[i] = x > y ? x : y;
        }
        break;
    }
}

/* is null / is not null: NaN is the only value unequal to itself. */
static void eval_isnull(bool negate, const double *restrict a, double *restrict out, uint32_t len)
{
    double when_nan = negate ? 0.0 : 1.0, otherwise = negate ? 1.0 : 0.0;

    for (uint32_t i = 0; i < len; i++)
        out[i] = a[i] != a[i] ? when_nan : otherwise;
}

/* A window bound (a whole day number, or an infinity) as an int32. */
static int32_t day_bound(double v)
{
    return v <= INT32_MIN ? INT32_MIN : v >= INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* Is merged event e better than the current best of patient slot i? */
static bool better(const struct evalctx *c, const struct mev *ev, uint8_t agg, uint32_t e,
                   uint32_t i)
{
    const struct mev *x = &ev[e], *b = &ev[c->best[i]];

    if (c->cnt[i] == 0)
        return true;
    switch (agg) {
    case AGG_FIRST:
        return x->date < b->date;
    case AGG_LAST:
        return x->date >= b->date;
    case AGG_MIN:
        return x->value < b->value || (x->value == b->value && x->date >= b->date);
    default:
        return x->value > b->value || (x->value == b->value && x->date >= b->date);
    }
}

/*
 * The scans of a query over a fixed window without a value filter, the
 * common case: no branch per event. Each is inlined twice, once with slot
 * NULL (dense: the slot is p - lo) and once with the chunk's slot table,
 * so neither tests which it is per event. Each returns the new cursor.
 */
#define KERNEL static inline __attribute__((always_inline)) size_t

/* exists / count: matching events per slot. */
KERNEL scan_count(struct evalctx *c, const struct mev *ev, size_t cur, size_t n, int32_t lo_d,
                  int32_t hi_d, const uint16_t *slot)
{
    uint32_t lo = c->lo, hi = c->hi;

    for (; cur < n && ev[cur].patient < hi; cur++)
        c->cnt[SLOT(slot, lo, ev[cur].patient)] += (ev[cur].date >= lo_d) & (ev[cur].date <= hi_d);
    return cur;
}

/*
 * count_codes: distinct codes per slot. A patient's events come grouped by
 * code, so an event counts when it is in the window and its (patient,
 * code) is not the last one counted: one key of state, few enough
 * registers that nothing is spilled in the loop.
 */
KERNEL scan_codes(struct evalctx *c, const struct mev *ev, size_t cur, size_t n, int32_t lo_d,
                  int32_t hi_d, const uint16_t *slot)
{
    uint32_t lo = c->lo, hi = c->hi;
    uint64_t counted = UINT64_MAX; /* (patient << 32 | code) of the last event counted */

    for (; cur < n && ev[cur].patient < hi; cur++) {
        const struct mev *e = &ev[cur];
        uint64_t key = (uint64_t)e->patient << 32 | e->code;
        uint32_t add =
            (uint32_t)(e->date >= lo_d) & (uint32_t)(e->date <= hi_d) & (uint32_t)(key != counted);
        c->cnt[SLOT(slot, lo, e->patient)] += (int32_t)add;
        counted = add ? key : counted;
    }
    return cur;
}

/* exists over one list into a per-slot sum (a fused chain): a patient counts once. */
KERNEL scan_once(struct evalctx *c, const struct mev *ev, size_t cur, size_t n, int32_t lo_d,
                 int32_t hi_d, const uint16_t *slot)
{
    uint32_t lo = c->lo, hi = c->hi, last = NONE;

    for (; cur < n && ev[cur].patient < hi; cur++) {
        int add = (ev[cur].date >= lo_d) & (ev[cur].date <= hi_d) & (ev[cur].patient != last);
        c->cnt[SLOT(slot, lo, ev[cur].patient)] += add;
        last = add ? ev[cur].patient : last;
    }
    return cur;
}

static __attribute__((noinline)) void eval_query(struct evalctx *c, const struct node *n,
                                                 double *out, double *out2)
{
    const struct query *q = &c->prog->queries[n->aux];
    struct qstate *qs = &c->qs[n->aux];
    const struct mev *ev = qs->ev;
    uint32_t len = c->len;
    bool has_value_filter = false;
    bool needs_value = q->agg == AGG_MIN || q->agg == AGG_MAX;
    uint32_t prev_pat = NONE, prev_code = NONE, n_touched = 0;
    size_t cur = qs->cursor;

    for (size_t f = 0; f < q->n_filters; f++)
        has_value_filter |= q->filters[f].kind == F_VALUE;
    bool const_window = query_bounds(c, q, len);
    double lo_c = c->lo_b[0], hi_c = c->hi_b[0];

    memset(c->cnt, 0, len * sizeof(c->cnt[0]));
    memset(c->cnt + TRASH, 0, TRASH_SLOTS * sizeof(c->cnt[0]));
    int32_t lo_d = day_bound(lo_c), hi_d = day_bound(hi_c);
    bool fast = const_window && !has_value_filter;
    if (fast && q->agg <= AGG_COUNT) {
        cur = c->slot ? scan_count(c, ev, cur, qs->n, lo_d, hi_d, c->slot)
                      : scan_count(c, ev, cur, qs->n, lo_d, hi_d, NULL);
    } else if (fast && q->agg == AGG_COUNT_CODES) {
        cur = c->slot ? scan_codes(c, ev, cur, qs->n, lo_d, hi_d, c->slot)
                      : scan_codes(c, ev, cur, qs->n, lo_d, hi_d, NULL);
    }
    for (; cur < qs->n; cur++) {
        const struct mev *e = &ev[cur];
        uint32_t i;
        if (e->patient >= c->hi)
            break;
        i = slot_of(c, e->patient);
        if (const_window ? (e->date < lo_c || e->date > hi_c)
                         : (e->date < c->lo_b[i] || e->date > c->hi_b[i]))
            continue;
        if (has_value_filter && !value_ok(q, e->value))
            continue;
        if (needs_value && isnan(e->value))
            continue;
        if (q->agg == AGG_COUNT_CODES) {
            /* a patient's events are grouped by code */
            c->cnt[i] += e->patient != prev_pat || e->code != prev_code;
            prev_pat = e->patient;
            prev_code = e->code;
            continue;
        }
        if (q->agg >= AGG_FIRST && better(c, ev, q->agg, (uint32_t)cur, i))
            c->best[i] = (uint32_t)cur;
        if (q->agg >= AGG_FIRST && c->cnt[i] == 0)
            c->touched[n_touched++] = i;
        c->cnt[i]++;
    }
    qs->cursor = cur;
    /*
     * The next chunk starts here: ask for its first lines now, so the many
     * interleaved streams of a large program do not each stall on a miss.
     */
    for (size_t k = 0; k < 8 && cur + 4 * k < qs->n; k++)
        __builtin_prefetch(&ev[cur + 4 * k]);
    /* one flat loop per aggregate, so the first two vectorise */
    if (q->agg == AGG_EXISTS) {
        for (uint32_t i = 0; i < len; i++)
            out[i] = (double)(c->cnt[i] > 0);
    } else if (q->agg <= AGG_COUNT_CODES) {
        for (uint32_t i = 0; i < len; i++)
            out[i] = (double)c->cnt[i];
    } else {
        /*
         * Most patients have no event: null for all (a flat loop), then
         * the date and value of the chosen event for those that have one.
         */
        for (uint32_t i = 0; i < len; i++) {
            out[i] = NAN;
            out2[i] = NAN;
        }
        for (uint32_t k = 0; k < n_touched; k++) {
            uint32_t i = c->touched[k];
            out[i] = ev[c->best[i]].date;
            out2[i] = recorded_value(ev[c->best[i]].value);
        }
    }
}

/* Does contact k of the snapshot pass the query's role, mode, attendance and wait filters? */
static bool contact_ok(const struct pcn_snapshot *s, const struct query *q, uint32_t k)
{
    if (q->roles && !(q->roles & (1u << s->ct_role[k])))
        return false;
    if (q->modes && !(q->modes & (1u << s->ct_mode[k])))
        return false;
    if (q->attendance == ATT_ATTENDED
            ? s->ct_att[k] == PCN_ENCOUNTER_DNA
            : q->attendance == ATT_DNA && s->ct_att[k] != PCN_ENCOUNTER_DNA)
        return false;
    for (size_t f = 0; f < q->n_filters; f++) {
        if (q->filters[f].kind == F_VALUE &&
            (s->ct_wait[k] < 0 ||
             !pcn__cmp_holds(q->filters[f].cmp, s->ct_wait[k], q->filters[f].num)))
            return false;
    }
    return true;
}

/*
 * contacts(): the patient's matching contacts in the window; continuity():
 * of the matching contacts with a known clinician, the share with the one
 * seen most (usual provider of care index), null when there is none.
 * Contacts are held by patient, so each slot reads its own short run.
 */
static void eval_contacts(struct evalctx *c, const struct node *n, double *out)
{
    const struct query *q = &c->prog->queries[n->aux];
    const struct pcn_snapshot *s = c->s;
    uint32_t len = c->len;
    bool const_window = query_bounds(c, q, len);

    for (uint32_t i = 0; i < len; i++) {
        uint32_t p = patient_at(c, i), seen = 0, most = 0;
        double lo = const_window ? c->lo_b[0] : c->lo_b[i];
        double hi = const_window ? c->hi_b[0] : c->hi_b[i];
        uint32_t clin[64], times[64], n_clin = 0;
        for (uint32_t k = q->never ? s->ct_start[p + 1] : s->ct_start[p]; k < s->ct_start[p + 1];
             k++) {
            if (s->ct_date[k] < lo || s->ct_date[k] > hi || !contact_ok(s, q, k))
                continue;
            if (q->agg == AGG_CONTACTS) {
                seen++;
                continue;
            }
            uint32_t who = s->ct_clin[k], j = 0;
            if (!who)
                continue;
            while (j < n_clin && clin[j] != who)
                j++;
            if (j == n_clin && n_clin < PCN_ARRAY_SIZE(clin)) {
                clin[n_clin] = who;
                times[n_clin++] = 0;
            }
            if (j < n_clin && ++times[j] > most)
                most = times[j];
            seen++;
        }
        out[i] = q->agg == AGG_CONTACTS ? (double)seen : seen ? (double)most / seen : NAN;
    }
}

/*
 * d plus or minus a duration; null beyond years 1..9999. The parser keeps
 * durations whole and within 10,000 years, and every date value is a real
 * date, so the conversions below cannot overflow.
 */
static double date_add(double d, const struct node *dur, bool neg)
{
    double amount = neg ? -dur->num : dur->num, out;
    int32_t moved;

    if (isnan(d))
        return NAN;
    switch (dur->sub) {
    case U_DAY:
        out = d + amount;
        break;
    case U_WEEK:
        out = d + 7 * amount;
        break;
    default:
        moved = pcn_date_add_months((int32_t)d, (int)(dur->sub == U_MONTH ? amount : 12 * amount));
        return moved == PCN_DATE_NONE ? NAN : (double)moved;
    }
    return out < PCN_DATE_MIN || out > PCN_DATE_MAX ? NAN : out;
}

static void eval_case(struct evalctx *c, const struct node *n, double *out, uint32_t len)
{
    const uint32_t *l = c->prog->lists + n->aux;
    uint32_t k_n = l[0];
    uint32_t els = l[1 + 2 * k_n];

    for (uint32_t i = 0; i < len; i++) {
        double v = els == NONE ? (n->type == TY_BOOL ? 0 : NAN) : c->buf[els][i];
        for (uint32_t k = 0; k < k_n; k++) {
            if (c->buf[l[1 + 2 * k]][i] != 0) {
                v = c->buf[l[2 + 2 * k]][i];
                break;
            }
        }
        out[i] = v;
    }
}

static void eval_labels(struct evalctx *c, const struct node *n, double *out, uint32_t len)
{
    const struct def *d = &c->prog->defs[n->aux];

    for (uint32_t i = 0; i < len; i++) {
        out[i] = NAN;
        if (d->pop != NONE && c->buf[d->pop][i] == 0)
            continue;
        for (size_t k = 0; k < d->n_items; k++) {
            if (c->buf[d->items[k].node][i] != 0) {
                out[i] = d->items[k].label;
                break;
            }
        }
    }
}

static void eval_func(struct evalctx *c, const struct node *n, double *out, uint32_t len)
{
    const double *a = c->buf[n->a], *b = c->buf[n->b];

    if (n->sub == FN_ROUND) {
        double scale = pow(10, b[0] < 0 ? 0 : b[0] > 12 ? 12 : (int)b[0]);
        /* 2^52 and beyond, doubles are whole numbers: already rounded (or null) */
        for (uint32_t i = 0; i < len; i++) {
            double x = a[i] * scale;
            out[i] = fabs(x) < 4503599627370496.0 ? round(x) / scale : a[i];
        }
        return;
    }
    for (uint32_t i = 0; i < len; i++) {
        if (isnan(a[i]))
            out[i] = b[i];
        else if (isnan(b[i]) || (n->sub != FN_MIN && n->sub != FN_MAX))
            out[i] = a[i];
        else if (n->sub == FN_MIN)
            out[i] = PCN_MIN(a[i], b[i]);
        else
            out[i] = PCN_MAX(a[i], b[i]);
    }
}

static void eval_fused(struct evalctx *c, const struct fused *f, double *restrict out, uint32_t len)
{
    memset(c->cnt, 0, len * sizeof(c->cnt[0]));
    memset(c->cnt + TRASH, 0, TRASH_SLOTS * sizeof(c->cnt[0]));
    for (size_t k = 0; k < f->n_queries; k++) {
        const struct node *qn = &c->prog->nodes[f->queries[k]];
        const struct query *q = &c->prog->queries[qn->aux];
        struct qstate *qs = &c->qs[qn->aux];
        const struct mev *ev = qs->ev;
        size_t cur = qs->cursor;
        int32_t lo_d, hi_d;

        (void)query_bounds(c, q, len); /* constant: checked when the chain was fused */
        lo_d = day_bound(c->lo_b[0]);
        hi_d = day_bound(c->hi_b[0]);
        /* a patient counts once per list: its events are contiguous */
        cur = c->slot ? scan_once(c, ev, cur, qs->n, lo_d, hi_d, c->slot)
                      : scan_once(c, ev, cur, qs->n, lo_d, hi_d, NULL);
        qs->cursor = cur;
        for (size_t j = 0; j < 8 && cur + 4 * j < qs->n; j++)
            __builtin_prefetch(&ev[cur + 4 * j]);
    }
    for (uint32_t i = 0; i < len; i++)
        out[i] = (double)c->cnt[i];
    for (size_t k = 0; k < f->n_others; k++) {
        const double *restrict t = c->buf[f->others[k]];
        for (uint32_t i = 0; i < len; i++)
            out[i] += t[i];
    }
}

static void eval_node(struct evalctx *c, uint32_t idx)
{
    const struct node *n = &c->prog->nodes[idx];
    double *out = c->buf[idx];
    const double *a = n->a != NONE ? c->buf[n->a] : NULL;
    const double *b = n->b != NONE && n->op != OP_DATEADD ? c->buf[n->b] : NULL;
    uint32_t len = n->is_const ? CHUNK : c->len;

    if (c->fused_of && c->fused_of[idx] != NONE) {
        eval_fused(c, &c->fused[c->fused_of[idx]], out, len);
        return;
    }
    switch (n->op) {
    case OP_NUM:
        for (uint32_t i = 0; i < len; i++)
            out[i] = n->num;
        break;
    case OP_BUILTIN:
        eval_builtin(c, n, out);
        break;
    case OP_NEG:
        for (uint32_t i = 0; i < len; i++)
            out[i] = -a[i];
        break;
    case OP_NOT:
    case OP_AND:
    case OP_OR:
        eval_logic(n->op, a, b, out, len);
        break;
    case OP_CMP:
        eval_cmp(n->sub, a, b, out, len);
        break;
    case OP_ARITH:
        eval_arith(n->sub, c->mk.checked[idx], a, b, out, len);
        break;
    case OP_DATEADD:
        for (uint32_t i = 0; i < len; i++)
            out[i] = date_add(a[i], &c->prog->nodes[n->b], n->sub);
        break;
    case OP_ISNULL:
        eval_isnull(n->sub != 0, a, out, len);
        break;
    case OP_CASE:
        eval_case(c, n, out, len);
        break;
    case OP_QUERY:
        eval_query(c, n, out, c->buf2[idx]);
        break;
    case OP_CONTACTS:
        eval_contacts(c, n, out);
        break;
    case OP_FIELD:
        break; /* aliases its event's buffer (setup_buffers) */
    case OP_FUNC:
        eval_func(c, n, out, len);
        break;
    default:
        eval_labels(c, n, out, len);
        break;
    }
}

/* ---- aggregation ---- */

static size_t measures_of(const struct def *d)
{
    switch (d->kind) {
    case DEF_REGISTER:
        return 1;
    case DEF_INDICATOR:
        return 3;
    case DEF_SCORE:
    case DEF_SEGMENT:
        return 2 + d->n_items;
    default:
        return 0;
    }
}

static int age_band(double age)
{
    return (age >= 18) + (age >= 40) + (age >= 65) + (age >= 80);
}

/*
 * Fill a population cache entry (popcache.h) for the evaluation's as-of
 * date and breakdown: who is in the population (registered and alive on
 * the as-of date; a missing registration start counts as registered, and
 * PCN_DATE_NONE is INT32_MIN, below any date), each patient's breakdown
 * group, whether a chunk is all one group, and the patients per group.
 * Runs once per snapshot, as-of date and breakdown; written as separate
 * flat loops so they vectorise.
 */
static void fill_population(struct pop_entry *e, void *ud)
{
    const struct evalctx *c = ud;
    const struct pcn_snapshot *s = c->s;
    const struct pcn_results *r = c->r;
    int32_t as_of = c->as_of;

    for (uint32_t lo = 0; lo < e->n_patients; lo += CHUNK) {
        uint32_t len = (uint32_t)PCN_MIN((size_t)CHUNK, (size_t)(e->n_patients - lo));
        const int32_t *reg_from = s->reg_from + lo, *reg_to = s->reg_to + lo;
        const int32_t *death = s->death + lo, *dob = s->dob + lo;
        const uint16_t *practice = s->practice + lo;
        uint8_t *in = e->inpop + lo;
        uint32_t *g = e->group + lo;
        uint32_t differ = 0;

        for (uint32_t i = 0; i < len; i++) {
            in[i] = (reg_from[i] <= as_of) & ((reg_to[i] == PCN_DATE_NONE) | (reg_to[i] >= as_of)) &
                    ((death[i] == PCN_DATE_NONE) | (death[i] > as_of)) & (dob[i] <= as_of);
        }
        if (r->n_groups > 1) {
            for (uint32_t i = 0; i < len; i++) {
                uint16_t pr = practice[i];
                g[i] = r->practice_group[pr == UINT16_MAX ? s->n_practices : pr];
            }
        }
        if (r->radix[DIM_AGE] > 1) {
            /* yyyymmdd differences divided by 10000 are whole years of age */
            for (uint32_t i = 0; i < len; i++) {
                int32_t years = (c->as_of_ymd - s->dob_ymd[lo + i]) / 10000;
                g[i] += (uint32_t)(age_band((double)years) * r->stride[DIM_AGE]);
            }
        }
        if (r->radix[DIM_SEX] > 1) {
            for (uint32_t i = 0; i < len; i++)
                g[i] += (uint32_t)((s->sex[lo + i] & 3) * r->stride[DIM_SEX]);
        }
        if (r->radix[DIM_IMD] > 1) {
            for (uint32_t i = 0; i < len; i++)
                g[i] += (uint32_t)(s->imd_q[lo + i] * r->stride[DIM_IMD]);
        }
        if (r->radix[DIM_ETH] > 1) {
            for (uint32_t i = 0; i < len; i++)
                g[i] += (uint32_t)(s->eth[lo + i] * r->stride[DIM_ETH]);
        }
        /* patients come practice by practice, so most chunks fall in one group */
        for (uint32_t i = 0; i < len; i++)
            differ |= g[i] ^ g[0];
        e->chunk_group[lo / CHUNK] = differ ? NONE : g[0];
        for (uint32_t i = 0; i < len; i++)
            e->group_pop[g[i]] += in[i];
    }
}

/*
 * The chunk's population and groups, from the cache entry: dense, slices
 * (chunks start at multiples of CHUNK); sparse, gathered.
 */
static void chunk_groups(struct evalctx *c)
{
    uint32_t differ = 0;

    if (!c->pat) {
        c->inpop = c->pop->inpop + c->lo;
        c->group = c->pop->group + c->lo;
        c->one_group = c->pop->chunk_group[c->lo / CHUNK] != NONE;
        return;
    }
    for (uint32_t i = 0; i < c->len; i++) {
        c->chunk_inpop[i] = c->pop->inpop[c->pat[i]];
        c->chunk_group[i] = c->pop->group[c->pat[i]];
    }
    for (uint32_t i = 0; i < c->len; i++)
        differ |= c->chunk_group[i] ^ c->chunk_group[0];
    c->inpop = c->chunk_inpop;
    c->group = c->chunk_group;
    c->one_group = differ == 0;
}

static enum pcn_err add_row(struct pcn_result *res, const struct def *d, struct evalctx *c,
                            uint32_t i)
{
    size_t n = d->n_items ? d->n_items : 1;

    if (res->n_rows >= res->alloc_rows) {
        /* both arrays grow together, doubling */
        size_t want = res->alloc_rows ? res->alloc_rows * 2 : 256;
        uint32_t *pat = pcn_reallocarray(res->row_patient, want, sizeof(*pat));
        double *vals;
        if (!pat)
            return PCN_ENOMEM;
        res->row_patient = pat;
        vals = pcn_reallocarray(res->row_values, want * n, sizeof(double));
        if (!vals)
            return PCN_ENOMEM;
        res->row_values = vals;
        res->alloc_rows = want;
    }
    for (size_t k = 0; k < d->n_items; k++)
        res->row_values[res->n_rows * n + k] = c->buf[d->items[k].node][i];
    res->row_patient[res->n_rows++] = patient_at(c, i);
    return PCN_OK;
}

/* Register counts: one flat loop, without a branch per patient. */
static void aggregate_register(struct evalctx *c, struct pcn_result *res, const double *pop,
                               uint32_t len)
{
    const double *v = c->buf[res->def->value];
    int64_t *cnt = res->counts;

    if (c->one_group && !pop) {
        /* one sum that vectorises: a bool node holds exactly 0.0 or 1.0 */
        const uint8_t *in = (const uint8_t *)c->inpop;
        uint32_t n = 0;
        for (uint32_t i = 0; i < len; i++)
            n += (uint32_t)(int32_t)v[i] & in[i];
        cnt[c->group[0]] += n;
        return;
    }
    /*
     * Neighbours are mostly in the same group (patients come practice by
     * practice), so sum in a register and add at each change of group,
     * rather than a load-add-store on the same counter for every patient.
     */
    uint32_t g = c->group[0];
    int64_t run = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (c->group[i] != g) {
            cnt[g] += run;
            run = 0;
            g = c->group[i];
        }
        run += c->inpop[i] & (v[i] != 0) & (!pop || pop[i] != 0);
    }
    cnt[g] += run;
}

static enum pcn_err aggregate(struct evalctx *c, struct pcn_result *res, uint32_t len)
{
    const struct def *d = res->def;
    const double *pop = d->pop != NONE ? c->buf[d->pop] : NULL;
    size_t m = res->n_measures;

    if (d->kind == DEF_REGISTER) {
        aggregate_register(c, res, pop, len);
        return PCN_OK;
    }
    for (uint32_t i = 0; i < len; i++) {
        int64_t *cnt;
        if (!c->inpop[i] || (pop && pop[i] == 0))
            continue;
        cnt = m ? res->counts + (size_t)c->group[i] * m : NULL; /* a worklist has none */
        switch (d->kind) {
        case DEF_INDICATOR:
            if (c->buf[d->num][i] != 0) {
                cnt[0]++;
                cnt[1]++;
            } else if (d->excl != NONE && c->buf[d->excl][i] != 0) {
                cnt[2]++;
            } else {
                cnt[0]++;
            }
            break;
        case DEF_SCORE:
        case DEF_SEGMENT: {
            double label = c->buf[d->label_node][i];
            size_t k = 0;
            cnt[0]++;
            while (k < d->n_items && d->items[k].label != label)
                k++;
            cnt[1 + k]++;
            if (d->kind == DEF_SCORE && !isnan(c->buf[d->value][i]))
                pcn__value_sum_add(&res->sums[c->group[i]], c->buf[d->value][i]);
            break;
        }
        default: {
            enum pcn_err rc = add_row(res, d, c, i);
            if (rc)
                return rc;
            break;
        }
        }
    }
    return PCN_OK;
}

/* ---- driver ---- */

static int cmp_practice(const void *a, const void *b, void *ud)
{
    const struct pcn_snapshot *s = ud;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return strcmp(s->practice_code[x], s->practice_code[y]);
}

static enum pcn_err setup_results(struct evalctx *c, const struct pcn_eval_options *o)
{
    const struct pcn_snapshot *s = c->s;
    struct pcn_results *r = c->r;
    size_t card[DIM_COUNT] = {s->n_practices + 1, s->n_networks + 1, 5, 4, 6, ETH_COUNT};
    static const unsigned flags[DIM_COUNT] = {PCN_BY_PRACTICE, PCN_BY_NETWORK, PCN_BY_AGE,
                                              PCN_BY_SEX,      PCN_BY_IMD,     PCN_BY_ETHNICITY};

    r->opts = *o;
    r->opts.select = NULL; /* the caller's; the results know their definitions */
    r->opts.n_select = 0;
    r->n_groups = 1;
    for (int d = 0; d < DIM_COUNT; d++) {
        r->radix[d] = (o->by & flags[d]) ? card[d] : 1;
        if (r->n_groups > MAX_GROUPS / r->radix[d])
            return PCN_ELIMIT;
        r->n_groups *= r->radix[d];
    }
    for (int d = DIM_COUNT - 1; d >= 0; d--)
        r->stride[d] = d == DIM_COUNT - 1 ? 1 : r->stride[d + 1] * r->radix[d + 1];
    r->group_pop = pcn_calloc(r->n_groups, sizeof(int64_t));
    r->practice_group = pcn_calloc(s->n_practices + 1, sizeof(uint32_t));
    r->practice_rank = pcn_calloc(s->n_practices + 1, sizeof(uint32_t));
    r->practice_of_rank = pcn_calloc(s->n_practices + 1, sizeof(uint32_t));
    r->network_of_practice = pcn_calloc(s->n_practices + 1, sizeof(uint32_t));
    if (!r->group_pop || !r->practice_group || !r->practice_rank || !r->practice_of_rank ||
        !r->network_of_practice)
        return PCN_ENOMEM;
    for (uint32_t i = 0; i < s->n_practices; i++) {
        r->practice_of_rank[i] = i;
        r->network_of_practice[i] = (uint32_t)s->n_networks;
    }
    qsort_r(r->practice_of_rank, s->n_practices, sizeof(uint32_t), cmp_practice, (void *)s);
    for (uint32_t i = 0; i < s->n_practices; i++)
        r->practice_rank[r->practice_of_rank[i]] = i;
    for (size_t i = 0; i < s->n_members; i++) {
        const struct snap_membership *m = &s->members[i];
        if (m->start <= c->as_of && (m->end == PCN_DATE_NONE || m->end >= c->as_of))
            r->network_of_practice[m->practice] = m->network;
    }
    /* the practice's and its network's part of the group number; index n_practices: none */
    for (uint32_t i = 0; i <= s->n_practices; i++) {
        size_t rank = i < s->n_practices ? r->practice_rank[i] : s->n_practices;
        size_t net = i < s->n_practices ? r->network_of_practice[i] : s->n_networks;
        r->practice_group[i] =
            (uint32_t)((r->radix[DIM_PRACTICE] > 1 ? rank : 0) * r->stride[DIM_PRACTICE] +
                       (r->radix[DIM_NETWORK] > 1 ? net : 0) * r->stride[DIM_NETWORK]);
    }
    return PCN_OK;
}

/* Hold the snapshot's cached population for this as-of date and breakdown; its group counts. */
static enum pcn_err setup_population(struct evalctx *c)
{
    struct pcn_results *r = c->r;
    enum pcn_err rc = pcn__popcache_get(c->s->pop, c->as_of, r->opts.by, c->s->n_patients,
                                        r->n_groups, fill_population, c, &c->pop);

    if (rc)
        return rc;
    memcpy(r->group_pop, c->pop->group_pop, r->n_groups * sizeof(*r->group_pop));
    return PCN_OK;
}

/* ---- chunk buffers ---- */

#define LIVE_ALWAYS UINT32_MAX

/*
 * Node x's buffer is read at node i (LIVE_ALWAYS: after every chunk's
 * nodes); a field reads its event's buffers. A constant is computed in the
 * first chunk only: read by a node that is evaluated in every chunk, it
 * must keep its buffer for good.
 */
static void read_at(const struct pcn_program *p, uint32_t *last, uint32_t x, uint32_t i)
{
    if (x == NONE)
        return;
    if (p->nodes[x].op == OP_FIELD)
        x = p->nodes[x].a;
    if (p->nodes[x].is_const && (i == LIVE_ALWAYS || !p->nodes[i].is_const))
        last[x] = LIVE_ALWAYS;
    else if (last[x] != LIVE_ALWAYS && last[x] < i)
        last[x] = i;
}

/* Record in last[] every buffer node i reads while it is evaluated. */
static void node_reads(const struct evalctx *c, uint32_t i, uint32_t *last)
{
    const struct pcn_program *p = c->prog;
    const struct node *n = &p->nodes[i];

    if (c->fused_of[i] != NONE) {
        const struct fused *f = &c->fused[c->fused_of[i]];
        for (size_t k = 0; k < f->n_others; k++)
            read_at(p, last, f->others[k], i);
    } else if (n->op == OP_QUERY || n->op == OP_CONTACTS) {
        /* a query's and contacts()' date bounds are nodes of their own */
        const struct query *q = &p->queries[n->aux];
        for (size_t f = 0; f < q->n_filters; f++) {
            if (q->filters[f].kind != F_VALUE)
                read_at(p, last, q->filters[f].bound, i);
        }
    } else if (n->op == OP_CASE) {
        const uint32_t *l = p->lists + n->aux;
        for (uint32_t k = 0; k < 2 * l[0] + 1; k++)
            read_at(p, last, l[1 + k], i);
    } else if (n->op == OP_BAND || n->op == OP_SEGMENT) {
        const struct def *d = &p->defs[n->aux];
        read_at(p, last, d->pop, i);
        for (size_t k = 0; k < d->n_items; k++)
            read_at(p, last, d->items[k].node, i);
    } else if (n->op != OP_NUM && n->op != OP_BUILTIN && n->op != OP_FIELD) {
        read_at(p, last, n->a, i);
        if (n->op != OP_DATEADD)
            read_at(p, last, n->b, i);
    }
}

/*
 * The last node that reads each node's buffer(s): LIVE_ALWAYS for what the
 * aggregation and worklist rows read after the chunk's nodes (the output
 * definitions' roots) and for constants that per-patient nodes read
 * (computed once, read by every chunk). Caller frees.
 */
static uint32_t *buffer_lifetimes(const struct evalctx *c)
{
    const struct pcn_program *p = c->prog;
    uint32_t *last = pcn_calloc(p->n_nodes + 1, sizeof(*last));

    for (size_t i = 0; last && i < p->n_defs; i++) {
        const struct def *d = &p->defs[i];
        const uint32_t roots[] = {d->pop, d->value, d->num, d->excl, d->label_node};
        if (!c->mk.output[i])
            continue;
        for (size_t k = 0; k < PCN_ARRAY_SIZE(roots); k++)
            read_at(p, last, roots[k], LIVE_ALWAYS);
        for (size_t k = 0; k < d->n_items; k++)
            read_at(p, last, d->items[k].node, LIVE_ALWAYS);
    }
    for (size_t i = 0; last && i < p->n_nodes; i++) {
        if (c->mk.needed[i] && p->nodes[i].type != TY_DUR)
            node_reads(c, (uint32_t)i, last);
    }
    return last;
}

/*
 * A chunk buffer: a free one, or a new one kept in c->pool. NULL when out
 * of memory. A constant kept for good gets a new one: it is computed in
 * the first chunk only, and a node before it that reused the buffer would
 * overwrite it in every later chunk.
 */
static double *take_buffer(struct evalctx *c, bool is_kept_const, double **free_list,
                           size_t *n_free)
{
    double *b;

    if (*n_free && !is_kept_const)
        return free_list[--*n_free];
    b = pcn_calloc(SLOTS, sizeof(double));
    if (b)
        c->pool[c->n_pool++] = b;
    return b;
}

/*
 * Give every needed node a chunk buffer (queries a second one for their
 * values), reusing the buffer of a node whose last reader has been
 * evaluated: nodes are evaluated in index order each chunk, so a chain of
 * ten thousand `let`s needs a handful of buffers, not one per node.
 */
static enum pcn_err assign_buffers(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;
    uint32_t *last = buffer_lifetimes(c);
    uint32_t *head = pcn_calloc(p->n_nodes + 1, sizeof(*head)); /* release lists by node + 1 */
    uint32_t *next = pcn_calloc(p->n_nodes + 1, sizeof(*next));
    double **free_list = pcn_calloc(2 * p->n_nodes + 1, sizeof(double *));
    size_t n_free = 0;
    enum pcn_err rc = last && head && next && free_list ? PCN_OK : PCN_ENOMEM;

    c->pool = pcn_calloc(2 * p->n_nodes + 1, sizeof(double *));
    rc = c->pool ? rc : PCN_ENOMEM;
    for (size_t i = 0; rc == PCN_OK && i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        uint32_t end = last[i] > i ? last[i] : (uint32_t)i;
        if (!c->mk.needed[i] || n->type == TY_DUR)
            continue;
        if (n->op == OP_FIELD) {
            /* children come first, so the event's buffers exist */
            c->buf[i] = n->sub ? c->buf2[n->a] : c->buf[n->a];
            continue;
        }
        bool kept = n->is_const && last[i] == LIVE_ALWAYS;
        c->buf[i] = take_buffer(c, kept, free_list, &n_free);
        if (c->buf[i] && n->op == OP_QUERY)
            c->buf2[i] = take_buffer(c, kept, free_list, &n_free);
        if (!c->buf[i] || (n->op == OP_QUERY && !c->buf2[i])) {
            rc = PCN_ENOMEM;
            break;
        }
        if (end != LIVE_ALWAYS) { /* free after node `end` is evaluated */
            next[i] = head[end];
            head[end] = (uint32_t)i + 1;
        }
        for (uint32_t x = head[i]; x; x = next[x - 1]) {
            free_list[n_free++] = c->buf[x - 1];
            if (c->buf2[x - 1])
                free_list[n_free++] = c->buf2[x - 1];
        }
    }
    pcn_free(last);
    pcn_free(head);
    pcn_free(next);
    pcn_free(free_list);
    return rc;
}

static enum pcn_err setup_buffers(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;
    enum pcn_err rc;

    c->buf = pcn_calloc(p->n_nodes + 1, sizeof(double *));
    c->buf2 = pcn_calloc(p->n_nodes + 1, sizeof(double *));
    c->qs = pcn_calloc(p->n_queries + 1, sizeof(*c->qs));
    if (!c->buf || !c->buf2 || !c->qs)
        return PCN_ENOMEM;
    rc = assign_buffers(c);
    if (rc)
        return rc;
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        if (c->mk.needed[i] && n->op == OP_QUERY)
            resolve_codes(c, p->queries[n->aux].codelist, &c->qs[n->aux]);
    }
    for (size_t f = 0; f < c->n_fused; f++) {
        for (size_t k = 0; k < c->fused[f].n_queries; k++) {
            const struct node *n = &p->nodes[c->fused[f].queries[k]];
            resolve_codes(c, p->queries[n->aux].codelist, &c->qs[n->aux]);
        }
    }
    return PCN_OK;
}

static enum pcn_err setup_outputs(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;
    struct pcn_results *r = c->r;

    r->res = pcn_calloc(p->n_defs + 1, sizeof(*r->res));
    if (!r->res)
        return PCN_ENOMEM;
    c->res = r->res;
    for (size_t i = 0; i < p->n_defs; i++) {
        struct pcn_result *res;
        if (!c->mk.output[i])
            continue;
        res = &r->res[r->n_res++];
        res->def = &p->defs[i];
        res->n_measures = measures_of(res->def);
        if (res->n_measures) {
            res->counts = pcn_calloc(r->n_groups * res->n_measures, sizeof(int64_t));
            res->sums = pcn_calloc(r->n_groups, sizeof(*res->sums));
            if (!res->counts || !res->sums)
                return PCN_ENOMEM;
        }
    }
    return PCN_OK;
}

/*
 * Set up the chunk that starts at k (a patient, or a candidate's index):
 * its patients and, sparse, the slots of the patients from the previous
 * chunk's end (where the queries' cursors stand) to its last patient.
 * Between chunks every slot is TRASH, so only the chunk's own are set
 * here and reset by end_chunk().
 */
static enum pcn_err begin_chunk(struct evalctx *c, uint32_t k)
{
    size_t span;

    c->len = (uint32_t)PCN_MIN((size_t)CHUNK, (size_t)(c->range_hi - k));
    if (!c->cand) {
        c->lo = k;
        c->hi = k + c->len;
        return PCN_OK;
    }
    c->pat = c->cand + k;
    c->lo = k == c->range_lo ? c->pat[0] : c->hi;
    c->hi = c->pat[c->len - 1] + 1;
    span = (size_t)(c->hi - c->lo);
    if (span > c->alloc_slot) {
        size_t want = PCN_MAX(span, 2 * c->alloc_slot);
        uint16_t *slot = pcn_reallocarray(c->slot, want, sizeof(*slot));
        if (!slot)
            return PCN_ENOMEM;
        for (size_t j = c->alloc_slot; j < want; j++)
            slot[j] = (uint16_t)(TRASH + (j & (TRASH_SLOTS - 1)));
        c->slot = slot;
        c->alloc_slot = want;
    }
    for (uint32_t i = 0; i < c->len; i++)
        c->slot[c->pat[i] - c->lo] = (uint16_t)i;
    return PCN_OK;
}

static void end_chunk(struct evalctx *c)
{
    for (uint32_t i = 0; c->pat && i < c->len; i++)
        c->slot[c->pat[i] - c->lo] = (uint16_t)(TRASH + ((c->pat[i] - c->lo) & (TRASH_SLOTS - 1)));
}

static enum pcn_err run_chunks(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;

    c->first_chunk = true;
    for (uint32_t at = c->range_lo; at < c->range_hi; at += CHUNK) {
        uint32_t len;
        if (c->deadline && pcn_monotonic_usec() >= c->deadline)
            return PCN_ETIMEDOUT;
        if (begin_chunk(c, at) != PCN_OK)
            return PCN_ENOMEM;
        len = c->len;
        /* yyyymmdd differences divided by 10000 are whole years of age */
        for (uint32_t i = 0; c->need_age && c->pat && i < len; i++) {
            int32_t years = (c->as_of_ymd - c->s->dob_ymd[c->pat[i]]) / 10000;
            c->age[i] = (double)years;
        }
        for (uint32_t i = 0; c->need_age && !c->pat && i < len; i++) {
            int32_t years = (c->as_of_ymd - c->s->dob_ymd[c->lo + i]) / 10000;
            c->age[i] = (double)years;
        }
        for (uint32_t i = 0; c->first_chunk && i < p->n_nodes; i++) {
            if (c->mk.needed[i] && p->nodes[i].type != TY_DUR)
                eval_node(c, i);
        }
        for (size_t k = 0; !c->first_chunk && k < c->n_order; k++)
            eval_node(c, c->order[k]);
        c->first_chunk = false;
        chunk_groups(c);
        for (size_t k = 0; k < c->r->n_res; k++) {
            enum pcn_err rc = aggregate(c, &c->res[k], len);
            if (rc)
                return rc;
        }
        end_chunk(c);
    }
    return PCN_OK;
}

static void free_ctx(struct evalctx *c)
{
    for (size_t i = 0; c->pool && i < c->n_pool; i++)
        pcn_free(c->pool[i]);
    pcn_free(c->pool);
    pcn_free(c->buf);
    pcn_free(c->buf2);
    pcn_free(c->qs);
    pcn_free(c->slot);
    if (c->is_worker) {
        for (size_t k = 0; c->res && k < c->r->n_res; k++) {
            pcn_free(c->res[k].counts);
            pcn_free(c->res[k].sums);
            pcn_free(c->res[k].row_patient);
            pcn_free(c->res[k].row_values);
        }
        pcn_free(c->res);
        return;
    }
    if (c->pop)
        pcn__popcache_release(c->s->pop, c->pop);
    pcn_free(c->practice_str);
    pcn_free(c->network_str);
    for (size_t f = 0; c->fused && f < c->n_fused; f++) {
        pcn_free(c->fused[f].queries);
        pcn_free(c->fused[f].others);
    }
    pcn_free(c->fused);
    pcn_free(c->fused_of);
    pcn_free(c->order);
    pcn__sparse_plan_release(&c->plan);
    pcn_free(c->mk.output);
    pcn_free(c->mk.needed);
    pcn_free(c->mk.checked);
    pcn_free(c->mk.lists);
}

/* Find (or build) every needed code list's index before any worker reads them. */
static enum pcn_err prepare_codelists(struct evalctx *c)
{
    const struct pcn_program *p = c->prog;

    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct node *n = &p->nodes[i];
        if (c->mk.needed[i] && n->op == OP_QUERY) {
            enum pcn_err rc;
            if (c->deadline && pcn_monotonic_usec() >= c->deadline)
                return PCN_ETIMEDOUT;
            rc = index_codelist(c, p->queries[n->aux].codelist);
            if (rc)
                return rc;
        }
    }
    for (size_t f = 0; f < c->n_fused; f++) {
        for (size_t k = 0; k < c->fused[f].n_queries; k++) {
            const struct node *n = &p->nodes[c->fused[f].queries[k]];
            enum pcn_err rc = index_codelist(c, p->queries[n->aux].codelist);
            if (rc)
                return rc;
        }
    }
    return PCN_OK;
}

/* A worker context for patients [lo, hi): shares the main context's tables. */
static enum pcn_err new_worker(const struct evalctx *m, uint32_t lo, uint32_t hi,
                               struct evalctx **ret)
{
    struct evalctx *w = pcn_calloc(1, sizeof(*w));
    const struct pcn_results *r = m->r;
    enum pcn_err rc = PCN_ENOMEM;

    if (!w)
        return PCN_ENOMEM;
    w->prog = m->prog;
    w->mk = m->mk;
    w->s = m->s;
    w->r = m->r;
    w->as_of = m->as_of;
    w->as_of_ymd = m->as_of_ymd;
    w->deadline = m->deadline;
    w->need_age = m->need_age;
    w->pop = m->pop;
    w->fused = m->fused;
    w->n_fused = m->n_fused;
    w->fused_of = m->fused_of;
    w->order = m->order;
    w->n_order = m->n_order;
    w->practice_str = m->practice_str;
    w->network_str = m->network_str;
    memcpy(w->sex_str, m->sex_str, sizeof(w->sex_str));
    memcpy(w->eth_str, m->eth_str, sizeof(w->eth_str));
    w->empty_str = m->empty_str;
    w->cand = m->cand;
    w->n_cand = m->n_cand;
    w->is_worker = true;
    w->range_lo = lo;
    w->range_hi = hi;
    w->res = pcn_calloc(r->n_res + 1, sizeof(*w->res));
    if (!w->res)
        goto out;
    for (size_t k = 0; k < r->n_res; k++) {
        w->res[k].def = r->res[k].def;
        w->res[k].n_measures = r->res[k].n_measures;
        if (!w->res[k].n_measures)
            continue;
        w->res[k].counts = pcn_calloc(r->n_groups * w->res[k].n_measures, sizeof(int64_t));
        w->res[k].sums = pcn_calloc(r->n_groups, sizeof(*w->res[k].sums));
        if (!w->res[k].counts || !w->res[k].sums)
            goto out;
    }
    rc = setup_buffers(w);
out:
    if (rc) {
        free_ctx(w);
        pcn_free(w);
        return rc;
    }
    *ret = w;
    return PCN_OK;
}

/* Add a worker's counts and rows into the results. */
static enum pcn_err merge_worker(struct pcn_results *r, const struct evalctx *w)
{
    for (size_t k = 0; k < r->n_res; k++) {
        struct pcn_result *d = &r->res[k];
        const struct pcn_result *src = &w->res[k];
        size_t m = d->def->n_items ? d->def->n_items : 1;
        for (size_t i = 0; d->n_measures && i < r->n_groups * d->n_measures; i++)
            d->counts[i] += src->counts[i];
        for (size_t g = 0; d->n_measures && g < r->n_groups; g++)
            pcn__value_sum_merge(&d->sums[g], &src->sums[g]);
        if (src->n_rows) {
            size_t want = d->n_rows + src->n_rows;
            uint32_t *pat = pcn_reallocarray(d->row_patient, want, sizeof(*pat));
            double *v;
            if (!pat)
                return PCN_ENOMEM;
            d->row_patient = pat;
            v = pcn_reallocarray(d->row_values, want * m, sizeof(double));
            if (!v)
                return PCN_ENOMEM;
            d->row_values = v;
            d->alloc_rows = want;
            memcpy(d->row_patient + d->n_rows, src->row_patient,
                   src->n_rows * sizeof(*src->row_patient));
            memcpy(d->row_values + d->n_rows * m, src->row_values,
                   src->n_rows * m * sizeof(double));
            d->n_rows += src->n_rows;
        }
    }
    return PCN_OK;
}

static void *worker_main(void *arg)
{
    struct evalctx *w = arg;
    w->rc = run_chunks(w);
    return NULL;
}

/* Number of threads: the option, else one per CPU (up to 8) when many patients are visited. */
static int thread_count(const struct pcn_eval_options *o, uint32_t n_visited)
{
    long cpus;

    if (o->threads > 0)
        return PCN_MIN(o->threads, 64);
    if (n_visited < 32768)
        return 1;
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : (int)PCN_MIN(cpus, 8L);
}

/*
 * Evaluate all patients (or candidates): the main context takes the first
 * slice, workers (one thread each) the others; a worker whose thread
 * cannot start runs inline.
 */
static enum pcn_err run_parallel(struct evalctx *c, uint32_t n, int n_threads)
{
    struct evalctx *w[64] = {NULL};
    pthread_t tid[64];
    bool started[64] = {false};
    uint32_t per = (uint32_t)(((size_t)n / (size_t)n_threads + CHUNK - 1) / CHUNK * CHUNK);
    enum pcn_err rc = PCN_OK;

    c->range_lo = 0;
    c->range_hi = PCN_MIN(per, n);
    for (int t = 1; t < n_threads && !rc; t++) {
        uint32_t lo = (uint32_t)PCN_MIN((size_t)per * (size_t)t, (size_t)n);
        uint32_t hi = (uint32_t)PCN_MIN((size_t)per * (size_t)(t + 1), (size_t)n);
        if (t == n_threads - 1)
            hi = n;
        rc = new_worker(c, lo, hi, &w[t]);
        if (!rc)
            started[t] = pthread_create(&tid[t], NULL, worker_main, w[t]) == 0;
    }
    if (!rc)
        rc = run_chunks(c);
    for (int t = 1; t < n_threads; t++) {
        if (started[t])
            (void)pthread_join(tid[t], NULL);
        else if (w[t] && !rc)
            w[t]->rc = run_chunks(w[t]);
        if (w[t] && !rc)
            rc = w[t]->rc;
        if (w[t] && !rc)
            rc = merge_worker(c->r, w[t]);
        if (w[t])
            free_ctx(w[t]);
        pcn_free(w[t]);
    }
    return rc;
}

/*
 * The evaluation's marks: the output definitions (o->select, else the
 * program's default selection), the nodes they need, the arithmetic that
 * may overflow. PCN_ENOTFOUND with *reterr naming a word that selects
 * nothing.
 */
static enum pcn_err setup_marks(struct evalctx *c, const struct pcn_eval_options *o,
                                struct pcn_error *reterr)
{
    const struct pcn_program *p = c->prog;
    struct eval_marks *mk = &c->mk;
    enum pcn_err rc = PCN_OK;

    mk->output = pcn_calloc(p->n_defs + 1, 1);
    mk->needed = pcn_calloc(p->n_nodes + 1, 1);
    mk->checked = pcn_calloc(p->n_nodes + 1, 1);
    mk->lists = pcn_calloc(p->n_codelists + 1, sizeof(*mk->lists));
    if (!mk->output || !mk->needed || !mk->checked || !mk->lists)
        return PCN_ENOMEM;
    for (size_t i = 0; i < p->n_defs && (!o->select || !o->n_select); i++)
        mk->output[i] = p->defs[i].output;
    for (size_t k = 0; o->select && k < o->n_select && !rc; k++)
        rc = pcn__program_match(p, o->select[k], mk->output, NULL, reterr);
    if (rc)
        return rc;
    mark_outputs(p, mk);
    return plan_magnitudes(p, mk->checked);
}

/* Plan and run the evaluation of context c into c->r. */
static enum pcn_err evaluate(struct evalctx *c, const struct pcn_eval_options *o)
{
    const struct pcn_program *p = c->prog;
    const struct pcn_snapshot *s = c->s;
    enum pcn_err rc;

    /* the age breakdown's bands are in the population cache */
    c->need_age = p->builtin_node[B_AGE] && c->mk.needed[p->builtin_node[B_AGE] - 1];
    rc = plan_fusion(c);
    if (!rc)
        rc = plan_order(c);
    if (!rc)
        rc = setup_results(c, o);
    if (!rc)
        rc = setup_population(c);
    if (!rc)
        rc = builtin_strings(c);
    if (!rc)
        rc = prepare_codelists(c);
    if (!rc && o->sparse >= 0) {
        rc = pcn__sparse_plan(p, s, &c->mk, c->n_order, o->sparse > 0, &c->plan);
        c->cand = c->plan.cand;
        c->n_cand = c->plan.n_cand;
    }
    if (!rc)
        rc = setup_buffers(c);
    if (!rc)
        rc = setup_outputs(c);
    if (!rc) {
        uint32_t n = c->cand ? c->n_cand : s->n_patients;
        c->r->n_visited = n;
        rc = run_parallel(c, n, thread_count(o, n));
    }
    return rc;
}

enum pcn_err pcn_program_eval(const struct pcn_program *p, const struct pcn_snapshot *s,
                              const struct pcn_eval_options *o, struct pcn_results **ret,
                              struct pcn_error *reterr)
{
    struct evalctx *c = NULL;
    struct pcn_results *r = NULL;
    enum pcn_err rc;

    if (!p || !s || !o || !ret || !s->finished || (o->n_select && !o->select))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "evaluation needs a program and a finished snapshot");
    c = pcn_calloc(1, sizeof(*c));
    r = pcn_calloc(1, sizeof(*r));
    if (r)
        r->has_lock = pthread_mutex_init(&r->lock, NULL) == 0;
    if (!c || !r || !r->has_lock) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "evaluation failed: %s", pcn_err_str(PCN_ENOMEM));
        goto out;
    }
    c->prog = p;
    c->s = s;
    c->r = r;
    c->as_of = o->as_of;
    c->as_of_ymd = pcn__ymd(o->as_of);
    c->deadline = o->deadline;
    r->prog = p;
    r->snap = s;
    rc = setup_marks(c, o, reterr);
    if (rc == PCN_ENOTFOUND)
        goto out; /* *reterr names the word */
    if (!rc)
        rc = evaluate(c, o);
    if (rc) {
        (void)pcn_error_set(reterr, rc, "evaluation failed: %s",
                            rc == PCN_ELIMIT      ? "too many breakdown groups"
                            : rc == PCN_ETIMEDOUT ? "the time limit passed"
                                                  : pcn_err_str(rc));
        goto out;
    }
    pcn__results_sort_rows(r);
    *ret = r;
    r = NULL;
out:
    if (c)
        free_ctx(c);
    pcn_free(c);
    pcn_results_free(r);
    return rc;
}
