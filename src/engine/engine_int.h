/*
 * engine_int.h - structures shared by the engine's files: the snapshot
 * columns, the compiled program (nodes, queries, definitions) and the
 * results. Nodes are stored in creation order and every node's children
 * have smaller indexes, so evaluating nodes in index order computes each
 * exactly once per chunk of patients.
 */
#ifndef PCN_ENGINE_ENGINE_INT_H
#define PCN_ENGINE_ENGINE_INT_H

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/hash.h"

struct pop_cache;
struct list_cache;
struct list_index;

/* Code classes: the first byte of an interned code key. */
#define CODE_CLASS_EVENT 'e'
#define CODE_CLASS_MED 'm'
#define CODE_CLASS_IMM 'i'

enum eth_group { ETH_WHITE, ETH_MIXED, ETH_ASIAN, ETH_BLACK, ETH_OTHER, ETH_UNKNOWN, ETH_COUNT };

/* One event while the snapshot is built (staging only). */
struct snap_event {
    int32_t date;
    uint32_t code;    /* interned code id */
    float value;      /* NaN when none */
    uint32_t patient; /* patient index */
};

/* One contact (appointment) while the snapshot is built (staging only). */
struct snap_contact {
    uint32_t patient; /* patient index */
    int32_t date;
    uint32_t clinician; /* interned id, 0 unknown */
    int16_t wait;       /* days from booking; -1 unknown */
    uint8_t role, mode,
        att; /* enum pcn_encounter_role, pcn_contact_mode, pcn_encounter_attendance */
};

struct snap_membership {
    uint32_t practice;
    uint32_t network; /* index into networks */
    int32_t start, end;
};

struct pcn_snapshot {
    bool finished;
    int64_t data_version;
    char source[PCN_SNAPSHOT_SOURCE_MAX]; /* the database's identity; "" when unknown */
    int32_t last_date;      /* latest event, medication or immunisation; PCN_DATE_NONE if none */
    struct pcn_strmap *imd; /* lsoa -> decile */

    /* patients, by index */
    uint32_t n_patients, alloc_patients;
    int64_t *key;
    uint32_t *id_off; /* offset of the patient id in ids */
    int32_t *dob, *reg_from, *reg_to, *death;
    int32_t *dob_ymd; /* y * 10000 + m * 100 + d, for fast ages */
    uint16_t *practice;
    uint8_t *sex, *eth, *imd_q; /* imd_q: 0 unknown, 1..5 */
    char *ids;
    size_t ids_len, ids_alloc;

    /* practices and networks, by index; codes owned */
    char **practice_code;
    size_t n_practices, alloc_practice;
    struct pcn_strmap *practice_map;
    char **network_code;
    size_t n_networks, alloc_network;
    struct pcn_strmap *network_map;
    struct snap_membership *members;
    size_t n_members, alloc_members;

    /* staged events, freed by finish */
    uint32_t last_found; /* index of the patient of the last record added (a guess for the next) */
    struct snap_event *stage;
    size_t n_events, alloc_stage;

    /*
     * Events after finish, 12 bytes each in three columns ordered by code,
     * then patient, then date: a query scans its codes' ranges
     * sequentially. code_start[c]..code_start[c + 1] is code c's range.
     */
    uint32_t *ev_patient;
    int32_t *ev_date;
    float *ev_value;      /* NaN when none */
    uint32_t *code_start; /* n_codes + 1 */
    /* each patient's events by date: positions pat_ev[pat_start[p]..pat_start[p + 1]) */
    uint32_t *pat_start; /* n_patients + 1 */
    uint32_t *pat_ev;

    /*
     * Contacts (appointments) after finish, by patient then date: patient
     * p's are ct_start[p]..ct_start[p + 1]. Clinicians are numbered from 1
     * (0: unknown); only equality matters (continuity).
     */
    struct snap_contact *ct_stage; /* staged, freed by finish */
    size_t n_contacts, alloc_ct;
    struct pcn_strmap *clinicians; /* while staging: identifier -> number */
    uint32_t n_clinicians;
    uint32_t *ct_start; /* n_patients + 1 */
    int32_t *ct_date;
    uint32_t *ct_clin;
    int16_t *ct_wait;
    uint8_t *ct_role, *ct_mode, *ct_att;

    /* codes: key "<class><code>" -> id */
    struct pcn_strmap *codes;
    uint32_t n_codes;
    uint8_t *code_class; /* per code id */

    /* populations and breakdown groups per (as-of, breakdown), shared by evaluations */
    struct pop_cache *pop;
    /* code lists' merged events, shared by evaluations (listcache.h) */
    struct list_cache *lists;
};

/* Value types of expressions. */
enum ty { TY_BOOL, TY_NUM, TY_DATE, TY_STR, TY_EVENT, TY_DUR };

enum op {
    OP_NUM,      /* num: literal; also strings (num = string id), bools, dates */
    OP_BUILTIN,  /* sub: enum builtin */
    OP_NEG,      /* a */
    OP_NOT,      /* a */
    OP_AND,      /* a, b */
    OP_OR,       /* a, b */
    OP_CMP,      /* a, b; sub: enum cmp */
    OP_ARITH,    /* a, b; sub: '+', '-', '*', '/' */
    OP_DATEADD,  /* a date, b duration; sub: +1 or -1 */
    OP_ISNULL,   /* a; sub: 1 for "is not null" */
    OP_CASE,     /* aux: list [n, c1, v1, ..., else or UINT32_MAX] */
    OP_QUERY,    /* aux: query index */
    OP_CONTACTS, /* aux: query index (agg AGG_CONTACTS or AGG_CONTINUITY; no code list) */
    OP_FIELD,    /* a event; sub: 0 date, 1 value */
    OP_FUNC,     /* a, b; sub: enum func */
    OP_BAND,     /* aux: definition index (score) */
    OP_SEGMENT,  /* aux: definition index (segment) */
};

enum builtin {
    B_AS_OF,
    B_AGE,
    B_DOB,
    B_SEX,
    B_PRACTICE,
    B_NETWORK,
    B_ETHNICITY,
    B_IMD,
    B_REG_FROM,
    B_REGISTERED,
    B_COUNT_
};

enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
enum func { FN_MIN, FN_MAX, FN_COALESCE, FN_ROUND };
enum unit { U_DAY, U_WEEK, U_MONTH, U_YEAR };

/*
 * A compiled expression node. Nodes, like everything else in a program,
 * are read-only once compiled: what one evaluation decides about them
 * (which are needed, which arithmetic may overflow) is kept in struct
 * eval_marks, so that threads may evaluate one program at once.
 */
struct node {
    uint8_t op, type, sub;
    bool is_const; /* depends on nothing per patient */
    uint32_t a, b, aux;
    double num; /* literal value, or duration amount (sub of OP_NUM TY_DUR: unit) */
};

enum agg {
    AGG_EXISTS,
    AGG_COUNT,
    AGG_COUNT_CODES,
    AGG_FIRST,
    AGG_LAST,
    AGG_MIN,
    AGG_MAX,
    AGG_CONTACTS,   /* contacts(): matching contacts */
    AGG_CONTINUITY, /* continuity(): share of them with the clinician seen most */
};

/* Which contacts a contact query counts (struct query of OP_CONTACTS). */
enum attendance_filter { ATT_ATTENDED, ATT_DNA, ATT_ALL };

enum filter_kind { F_AFTER, F_ON_OR_AFTER, F_BEFORE, F_ON_OR_BEFORE, F_VALUE };

struct filter {
    uint8_t kind, cmp;
    uint32_t bound; /* date node for window filters */
    double num;     /* value filter constant */
};

struct query {
    uint8_t agg;
    uint32_t codelist;      /* NONE for contact queries */
    struct filter *filters; /* a contact query's F_VALUE filters test the wait in days */
    size_t n_filters;
    /* contact queries: roles and modes (bit per enum value; 0: any), attendance */
    uint16_t roles;
    uint8_t modes;
    uint8_t attendance; /* enum attendance_filter */
    bool never;         /* filters no contact can pass (disjoint role or mode sets) */
};

/* One event of a code list's merged index. */
struct mev {
    uint32_t patient;
    int32_t date;
    float value; /* NaN when none */
    uint32_t code;
};

/*
 * A code list. Its events on a snapshot, merged into one stream so each
 * chunk reads one cursor, are indexed by the snapshot (listcache.h), not
 * here.
 */
struct codelist {
    char *name;
    char **codes; /* owned strings */
    size_t n_codes;
    int builtin; /* 0, or CODE_CLASS_MED / CODE_CLASS_IMM for the built-in lists */
    /*
     * The list's content as one key (its class, then each code after its
     * length in two bytes) and the key's hash: what a snapshot's index of
     * the list is found by (listcache.h). Set when the program is compiled
     * (pcn__program_seal()).
     */
    char *key;
    size_t key_len;
    uint64_t key_hash;
};

enum def_kind { DEF_REGISTER, DEF_INDICATOR, DEF_SCORE, DEF_SEGMENT, DEF_WORKLIST, DEF_KIND_COUNT };

struct labelled {
    uint32_t label; /* string id */
    uint32_t node;
};

struct def {
    uint8_t kind;
    bool output; /* in the default selection (load flags, pcn_program_select()) */
    char *name, *title;
    uint32_t pop;           /* population node (UINT32_MAX: everyone) */
    uint32_t value;         /* register: membership; score: value; */
    uint32_t num, excl;     /* indicator */
    uint32_t label_node;    /* score: OP_BAND node; segment: OP_SEGMENT node */
    struct labelled *items; /* bands, rules, columns */
    size_t n_items, alloc_items;
};

/* Symbol kinds in the name table. */
enum sym_kind { SYM_CODELIST, SYM_VALUE, SYM_DEF };

struct source {
    char *name;
    char *text;
    size_t len;
};

struct pcn_program {
    struct node *nodes;
    size_t n_nodes, alloc_nodes;
    uint32_t *lists; /* operand lists for OP_CASE */
    size_t n_lists, alloc_lists;
    struct query *queries;
    size_t n_queries, alloc_queries;
    struct codelist *codelists;
    size_t n_codelists, alloc_codelists;
    struct def *defs;
    size_t n_defs, alloc_defs;

    /* names: value = kind << 32 | index */
    struct pcn_strmap *names;
    char **name_list; /* for suggestions, in definition order */
    size_t n_names, alloc_names;

    /* interned strings (literals, labels, and at evaluation practice codes etc.) */
    struct pcn_strmap *strings;
    char **str;
    size_t n_str, alloc_str;

    struct source *sources;
    size_t n_sources, alloc_sources;

    uint32_t builtin_node[B_COUNT_]; /* node index + 1 of each built-in, 0 until used */
};

/* A real date (years 1..9999), or none: what a snapshot holds. */
static inline bool pcn__date_ok(int32_t d)
{
    return d == PCN_DATE_NONE || (d >= PCN_DATE_MIN && d <= PCN_DATE_MAX);
}

/* Does `a OP b` hold (enum cmp)? False when either is null (NaN), as in the language. */
bool pcn__cmp_holds(uint8_t op, double a, double b);

/*
 * Mark in out[i] (when out is not NULL) each definition that `name` (a
 * definition, a kind such as "registers", or "all") selects; *ret_hits
 * (may be NULL) gets their number. PCN_ENOTFOUND, with a suggestion in
 * *reterr, when there is none.
 */
enum pcn_err pcn__program_match(const struct pcn_program *p, const char *name, uint8_t *out,
                                size_t *ret_hits, struct pcn_error *reterr);

/*
 * End of a load: the content key of each code list that has none yet
 * (parse.c). Programs are read-only afterwards, so evaluations only read
 * the keys.
 */
enum pcn_err pcn__program_seal(struct pcn_program *p);

/* Intern a string in the program while it is compiled; *ret gets its id. */
enum pcn_err pcn__program_intern(struct pcn_program *p, const char *s, size_t len, uint32_t *ret);

/* Group-key dimensions of a breakdown, in output order. */
enum dim { DIM_PRACTICE, DIM_NETWORK, DIM_AGE, DIM_SEX, DIM_IMD, DIM_ETH, DIM_COUNT };

/*
 * A score's sum of values, the same whatever order the values are added in
 * (chunks, threads, sparse or dense): each value is truncated to a
 * multiple of 2^-32 and added to a 128-bit fixed-point integer, which is
 * exact.
 * Values of 2^62 or more in magnitude are only counted: with any of them
 * the sum, and the mean, are unknown (NaN).
 */
__extension__ typedef __int128 pcn__int128;
struct value_sum {
    pcn__int128 fixed; /* in units of 2^-32 */
    int64_t huge;      /* values too large for fixed */
};

/* Values of 2^31 or more (rare): out of line. */
void pcn__value_sum_add_large(struct value_sum *s, double v);

static inline void pcn__value_sum_add(struct value_sum *s, double v)
{
    /* below 2^31, v * 2^32 (exact: a power of two) fits an int64; truncated toward zero */
    if (fabs(v) < 2147483648.0)
        s->fixed += (int64_t)(v * 4294967296.0);
    else
        pcn__value_sum_add_large(s, v);
}

static inline void pcn__value_sum_merge(struct value_sum *s, const struct value_sum *more)
{
    s->fixed += more->fixed;
    s->huge += more->huge;
}

static inline double pcn__value_sum_get(const struct value_sum *s)
{
    return s->huge ? NAN : (double)s->fixed / 4294967296.0;
}

/* One definition's result (public name: struct pcn_result). */
struct pcn_result {
    const struct def *def;
    /* counters, n_groups x n_measures, measure-major within a group */
    int64_t *counts;
    struct value_sum *sums; /* score: value sum per group */
    size_t n_measures;
    /* worklist rows */
    uint32_t *row_patient;
    double *row_values; /* n_rows x n_items */
    size_t n_rows, alloc_rows;
    /* the rows in patient id order: built on the first query that wants it, under lock */
    uint32_t *by_id;
};

struct pcn_results {
    const struct pcn_program *prog;
    const struct pcn_snapshot *snap;
    struct pcn_eval_options opts;
    /*
     * Results are read-only once returned; the one thing built later, a
     * worklist's patient id order (rows.c), is built under this lock.
     */
    pthread_mutex_t lock;
    bool has_lock;
    size_t n_groups;
    size_t radix[DIM_COUNT]; /* cardinality of each selected dimension (1 if unused) */
    int64_t *group_pop;      /* patients per group */
    uint32_t *practice_rank; /* practice index -> rank by code */
    uint32_t *practice_of_rank;
    uint32_t *network_of_practice; /* on the as-of date; n_networks when none */
    /*
     * Breakdown group numbers: group = practice_group[practice] plus, for
     * each other selected dimension, key * stride[dim] (mixed radix in
     * dimension order). practice_group also holds the network's part.
     */
    uint32_t *practice_group; /* n_practices + 1 (the last: no practice) */
    size_t stride[DIM_COUNT];
    struct pcn_result *res;
    size_t n_res;
    uint32_t n_visited; /* patients the evaluation visited (sparse.h): for tests and tuning */
    /*
     * Strings of the snapshot (practice and network codes, sexes,
     * ethnicities) that values may hold and the program has not interned:
     * string id prog->n_str + i is ext_str[i] (borrowed from the snapshot or
     * static). Kept here, not interned into the program, which is read-only.
     */
    const char **ext_str;
    size_t n_ext_str;
};

/* The text of string id `id` of results r (a program string or an ext_str). */
static inline const char *pcn__results_str(const struct pcn_results *r, uint32_t id)
{
    return id < r->prog->n_str ? r->prog->str[id] : r->ext_str[id - r->prog->n_str];
}

/* A code list's index on the evaluation's snapshot (NULL: the list is not used). */
struct eval_list {
    const struct list_index *index;
};

/*
 * What one evaluation decides about a program (eval.c): which definitions
 * it reports, which nodes they need, which arithmetic nodes may overflow,
 * and each used code list's index on the snapshot. Kept per evaluation,
 * never in the program.
 */
struct eval_marks {
    uint8_t *output;         /* per definition */
    uint8_t *needed;         /* per node: reachable from an output definition */
    uint8_t *checked;        /* per node: OP_ARITH whose results are checked */
    struct eval_list *lists; /* per code list */
};

/*
 * Rows of worklist res selected by q into a table (rows.c; what
 * pcn_result_select() and pcn_result_table() return).
 */
enum pcn_err pcn__rows_table(const struct pcn_results *r, const struct pcn_result *res,
                             const struct pcn_row_query *q, struct pcn_table **ret,
                             size_t *ret_total);

/* Order each worklist's rows by practice, then patient id, and cut them to max_rows. */
void pcn__results_sort_rows(struct pcn_results *r);

/* A day number as y * 10000 + m * 100 + d; whole years between two such values are
 * (later - earlier) / 10000, birthdays counting. INT32_MAX for PCN_DATE_NONE. */
int32_t pcn__ymd(int32_t day);

/* Age band index (0..4) of an age in years. */
int pcn__age_band(int age);
extern const char *const pcn__age_band_names[];
extern const char *const pcn__eth_names[];

#endif /* PCN_ENGINE_ENGINE_INT_H */
