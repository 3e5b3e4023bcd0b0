/*
 * views_ppg.c - the patient partnership list result kinds
 * (pcn/views_ppg.h), built once for `pcn ppg` and the API. Rows are
 * matched by the store's filter, counted, then paged; codes are the
 * stable lower-case codes of pcn/ppg.h; dates YYYY-MM-DD.
 */
#include "pcn/views_ppg.h"
#include "views_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/ppg.h"
#include "pcn/vec.h"
#include "util/common.h"

/* A table's columns, written once per kind. */
struct cols {
    const char *kind;
    const char *const *names;
    const enum pcn_col_type *types;
    size_t n;
};

#define COLS(kind, names, types)                                                                   \
    {                                                                                              \
        kind, names, types, PCN_ARRAY_SIZE(names)                                                  \
    }

static struct pcn_table *new_table(const struct cols *c)
{
    return pcn_table_new(c->kind, c->n, c->names, c->types);
}

/* Cell setters: each leaves the cell null for "none" and passes failures on. */
static enum pcn_err set_text(struct pcn_table *t, size_t col, const char *s, enum pcn_err rc)
{
    return rc == PCN_OK && s ? pcn_table_set_text(t, col, s) : rc;
}

static enum pcn_err set_int(struct pcn_table *t, size_t col, int64_t v, bool has, enum pcn_err rc)
{
    return rc == PCN_OK && has ? pcn_table_set_int(t, col, v) : rc;
}

static enum pcn_err set_date(struct pcn_table *t, size_t col, int32_t d, enum pcn_err rc)
{
    char s[PCN_DATE_STR_SIZE];

    if (rc != PCN_OK || d == PCN_DATE_NONE)
        return rc;
    pcn_date_format(d, s);
    return pcn_table_set_text(t, col, s);
}

static enum pcn_err set_code(struct pcn_table *t, size_t col, enum pcn_ppg_vocab v, int value,
                             enum pcn_err rc)
{
    return set_text(t, col, pcn_ppg_code(v, value), rc);
}

/* Paging over matching rows: does row n (1-based) fall in the page? */
static bool in_page(const struct pcn_ppg_view_opts *o, int64_t n)
{
    return n > o->offset && (o->limit <= 0 || n <= o->offset + o->limit);
}

/* A walk's state: the table, the options, the row count and a failure. */
struct walk {
    struct pcn_store *s;
    const struct pcn_ppg_view_opts *o;
    struct pcn_table *t;
    int64_t total;
    enum pcn_err rc;
    /* group names by id, for the views that name groups */
    int64_t *group_ids;
    char (*group_names)[PCN_PPG_NAME_MAX + 1];
    size_t n_groups, alloc_ids, alloc_names;
};

static bool next_row(struct walk *w)
{
    return in_page(w->o, ++w->total);
}

static enum pcn_err finish(struct walk *w, enum pcn_err rc, struct pcn_table **ret,
                           int64_t *ret_total)
{
    pcn_free(w->group_ids);
    pcn_free(w->group_names);
    rc = pcn__view_finish(rc, w->rc, w->t, ret);
    if (rc == PCN_OK && ret_total)
        *ret_total = w->total;
    return rc;
}

/* ---- group names ---- */

static int remember_group(const struct pcn_ppg_group *g, void *ud)
{
    struct walk *w = ud;

    w->rc = PCN_GROW(w->group_ids, w->n_groups + 1, w->alloc_ids);
    if (w->rc == PCN_OK)
        w->rc = PCN_GROW(w->group_names, w->n_groups + 1, w->alloc_names);
    if (w->rc != PCN_OK)
        return 1;
    w->group_ids[w->n_groups] = g->id;
    (void)snprintf(w->group_names[w->n_groups], sizeof(w->group_names[0]), "%s", g->name);
    w->n_groups++;
    return 0;
}

/* Every group's name (of the filter's network, or all). */
static enum pcn_err load_group_names(struct walk *w)
{
    struct pcn_ppg_filter f = {.network = w->o->filter.network};
    enum pcn_err rc = pcn_store_each_ppg_group(w->s, &f, remember_group, w);

    return rc == PCN_OK ? w->rc : rc;
}

static const char *group_name(const struct walk *w, int64_t id)
{
    for (size_t i = 0; id > 0 && i < w->n_groups; i++) {
        if (w->group_ids[i] == id)
            return w->group_names[i];
    }
    return NULL;
}

/* ---- groups ---- */

struct group_counts {
    int64_t group_id;
    int32_t as_of;
    int64_t members, chairs, virtual_members;
};

static int count_member(const struct pcn_ppg_member *m, void *ud)
{
    struct group_counts *c = ud;

    if (!pcn_ppg_member_is_current(m, c->as_of))
        return 0;
    c->members++;
    c->chairs += m->role == PCN_PPG_ROLE_CHAIR;
    c->virtual_members += m->role == PCN_PPG_ROLE_VIRTUAL;
    return 0;
}

static enum pcn_err group_cells(struct walk *w, const struct pcn_ppg_group *g)
{
    struct pcn_ppg_filter f = {.group_id = g->id};
    struct group_counts c = {g->id, w->o->as_of, 0, 0, 0};
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_store_each_ppg_member(w->s, &f, count_member, &c);

    if (rc == PCN_OK)
        rc = pcn_table_add_row(t);
    rc = set_int(t, 0, g->id, true, rc);
    rc = set_text(t, 1, g->network, rc);
    rc = set_text(t, 2, g->practice, rc);
    rc = set_text(t, 3, g->name, rc);
    rc = set_date(t, 4, g->formed, rc);
    rc = set_int(t, 5, c.members, true, rc);
    rc = set_int(t, 6, c.chairs, true, rc);
    rc = set_int(t, 7, c.virtual_members, true, rc);
    return set_int(t, 8, g->version, true, rc);
}

static int group_row(const struct pcn_ppg_group *g, void *ud)
{
    struct walk *w = ud;

    if (next_row(w))
        w->rc = group_cells(w, g);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_groups(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {"id",      "network", "practice",        "name",   "formed",
                                        "members", "chairs",  "virtual_members", "version"};
    static const enum pcn_col_type types[] = {PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_INT,  PCN_COL_INT};
    static const struct cols c = COLS("ppg_groups", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc = w.t ? pcn_store_each_ppg_group(s, &o->filter, group_row, &w) : PCN_ENOMEM;

    return finish(&w, rc, ret, ret_total);
}

/* ---- members ---- */

static enum pcn_err member_facts(struct pcn_table *t, const struct pcn_ppg_member *m,
                                 enum pcn_err rc)
{
    rc = set_text(t, 3, m->email, rc);
    rc = set_text(t, 4, m->phone, rc);
    rc = set_code(t, 7, PCN_PPG_V_AGE, (int)m->age, rc);
    rc = set_code(t, 8, PCN_PPG_V_SEX, (int)m->sex, rc);
    rc = set_code(t, 9, PCN_PPG_V_ETH, (int)m->eth, rc);
    rc = set_text(t, 10, m->district, rc);
    rc = set_int(t, 11, m->quintile, m->quintile > 0, rc);
    rc = set_code(t, 12, PCN_PPG_V_YESNO, (int)m->carer, rc);
    rc = set_code(t, 13, PCN_PPG_V_YESNO, (int)m->disability, rc);
    return set_code(t, 14, PCN_PPG_V_YESNO, (int)m->ltc, rc);
}

static enum pcn_err member_cells(struct walk *w, const struct pcn_ppg_member *m)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_int(t, 0, m->id, true, rc);
    rc = set_int(t, 1, m->group_id, true, rc);
    rc = set_text(t, 2, m->name, rc);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 5, m->consent);
    rc = set_code(t, 6, PCN_PPG_V_ROLE, (int)m->role, rc);
    if (!w->o->brief)
        rc = member_facts(t, m, rc);
    rc = set_date(t, 15, m->joined, rc);
    rc = set_date(t, 16, m->left, rc);
    rc = set_date(t, 17, m->withdrawn, rc);
    return set_int(t, 18, m->version, true, rc);
}

static int member_row(const struct pcn_ppg_member *m, void *ud)
{
    struct walk *w = ud;

    if (next_row(w))
        w->rc = member_cells(w, m);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_members(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                  struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {"id",
                                        "group_id",
                                        "name",
                                        "email",
                                        "phone",
                                        "consent",
                                        "role",
                                        "age_band",
                                        "sex",
                                        "ethnic_group",
                                        "postcode_district",
                                        "deprivation_quintile",
                                        "carer",
                                        "disability",
                                        "long_term_condition",
                                        "joined",
                                        "left",
                                        "withdrawn",
                                        "version"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_BOOL, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT};
    static const struct cols c = COLS("ppg_members", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc = w.t ? PCN_OK : PCN_ENOMEM;

    /* the text table keeps to who, role and when */
    for (size_t col = 3; rc == PCN_OK && col <= 14; col++) {
        if (col != 6)
            rc = pcn_table_set_detail(w.t, col);
    }
    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_member(s, &o->filter, member_row, &w);
    return finish(&w, rc, ret, ret_total);
}

/* ---- activities ---- */

static enum pcn_err group_lists(struct walk *w, const struct pcn_ppg_activity *a, enum pcn_err rc)
{
    struct pcn_buf ids = PCN_BUF_INIT, names = PCN_BUF_INIT;

    pcn_buf_init(&ids, 4096);
    pcn_buf_init(&names, 16384);
    for (size_t i = 0; rc == PCN_OK && i < a->n_groups; i++) {
        const char *name = group_name(w, a->groups[i]);
        rc = pcn_buf_addf(&ids, "%s%lld", i ? " " : "", (long long)a->groups[i]);
        if (rc == PCN_OK)
            rc = pcn_buf_addf(&names, "%s%s", i ? "; " : "", name ? name : "?");
    }
    if (a->n_groups) {
        rc = set_text(w->t, 7, ids.buf, rc);
        rc = set_text(w->t, 8, names.buf, rc);
    }
    pcn_buf_release(&ids);
    pcn_buf_release(&names);
    return rc;
}

static enum pcn_err activity_cells(struct walk *w, const struct pcn_ppg_activity *a)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_int(t, 0, a->id, true, rc);
    rc = set_text(t, 1, a->network, rc);
    rc = set_date(t, 2, a->held, rc);
    rc = set_code(t, 3, PCN_PPG_V_KIND, (int)a->kind, rc);
    rc = set_code(t, 4, PCN_PPG_V_RUNG, (int)a->rung, rc);
    rc = set_text(t, 5, a->title, rc);
    rc = set_int(t, 6, a->people, a->people >= 0, rc);
    rc = group_lists(w, a, rc);
    rc = set_int(t, 9, a->change_id, a->change_id > 0, rc);
    rc = set_text(t, 10, a->questions, rc);
    rc = set_text(t, 11, a->heard, rc);
    return set_int(t, 12, a->version, true, rc);
}

static int activity_row(const struct pcn_ppg_activity *a, void *ud)
{
    struct walk *w = ud;

    if (next_row(w))
        w->rc = activity_cells(w, a);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_activities(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                     struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {
        "id",     "network",     "held",      "kind",      "rung",  "title",  "people",
        "groups", "group_names", "change_id", "questions", "heard", "version"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT};
    static const struct cols c = COLS("ppg_activities", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc = w.t ? load_group_names(&w) : PCN_ENOMEM;

    for (size_t col = 10; rc == PCN_OK && col <= 11; col++)
        rc = pcn_table_set_detail(w.t, col);
    if (rc == PCN_OK)
        rc = pcn_table_set_detail(w.t, 7);
    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_activity(s, &o->filter, activity_row, &w);
    return finish(&w, rc, ret, ret_total);
}

/* ---- feedback ---- */

static enum pcn_err feedback_cells(struct walk *w, const struct pcn_ppg_feedback *f)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_int(t, 0, f->id, true, rc);
    rc = set_text(t, 1, f->network, rc);
    rc = set_int(t, 2, f->group_id, f->group_id > 0, rc);
    rc = set_text(t, 3, group_name(w, f->group_id), rc);
    rc = set_int(t, 4, f->activity_id, f->activity_id > 0, rc);
    rc = set_date(t, 5, f->received, rc);
    rc = set_text(t, 6, f->said, rc);
    rc = set_text(t, 7, f->response, rc);
    rc = set_date(t, 8, f->responded, rc);
    rc = set_code(t, 9, PCN_PPG_V_OUTCOME, (int)f->outcome, rc);
    rc = set_text(t, 10, f->reason, rc);
    rc = set_date(t, 11, f->outcome_date, rc);
    rc = set_int(t, 12, (int64_t)f->responded - f->received, f->responded != PCN_DATE_NONE, rc);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 13, f->published);
    return set_int(t, 14, f->version, true, rc);
}

static int feedback_row(const struct pcn_ppg_feedback *f, void *ud)
{
    struct walk *w = ud;

    if (next_row(w))
        w->rc = feedback_cells(w, f);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                   struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {
        "id",       "network",      "group_id",         "group",     "activity_id",
        "received", "said",         "response",         "responded", "outcome",
        "reason",   "outcome_date", "days_to_response", "published", "version"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_INT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_BOOL, PCN_COL_INT};
    static const struct cols c = COLS("ppg_feedback", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc = w.t ? load_group_names(&w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_feedback(s, &o->filter, feedback_row, &w);
    return finish(&w, rc, ret, ret_total);
}

/* ---- changes and involvement ---- */

static enum pcn_err change_cells(struct walk *w, const struct pcn_ppg_change *c)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_int(t, 0, c->id, true, rc);
    rc = set_text(t, 1, c->network, rc);
    rc = set_text(t, 2, c->title, rc);
    rc = set_text(t, 3, c->description, rc);
    rc = set_date(t, 4, c->started, rc);
    return set_int(t, 5, c->version, true, rc);
}

static int change_row(const struct pcn_ppg_change *c, void *ud)
{
    struct walk *w = ud;

    if (next_row(w))
        w->rc = change_cells(w, c);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_changes(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                  struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {"id",          "network", "title",
                                        "description", "started", "version"};
    static const enum pcn_col_type types[] = {PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT};
    static const struct cols c = COLS("ppg_changes", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc = w.t ? pcn_table_set_detail(w.t, 3) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_change(s, &o->filter, change_row, &w);
    return finish(&w, rc, ret, ret_total);
}

/* Involvement rows, kept to be put in commissioning-cycle order. */
struct kept_involvement {
    struct pcn_ppg_involvement v;
    char who[PCN_PPG_TITLE_MAX + 1];
    char *note; /* owned */
};

struct involvement_walk {
    struct kept_involvement *rows;
    size_t n, alloc;
    enum pcn_err rc;
};

static int keep_involvement(const struct pcn_ppg_involvement *v, void *ud)
{
    struct involvement_walk *w = ud;
    struct kept_involvement *k;

    w->rc = PCN_GROW(w->rows, w->n + 1, w->alloc);
    if (w->rc != PCN_OK)
        return 1;
    k = &w->rows[w->n++];
    memset(k, 0, sizeof(*k));
    k->v = *v;
    (void)snprintf(k->who, sizeof(k->who), "%s", v->who ? v->who : "");
    if (v->note) {
        size_t n = strlen(v->note) + 1;
        k->note = pcn_malloc(n);
        if (!k->note) {
            w->rc = PCN_ENOMEM;
            return 1;
        }
        memcpy(k->note, v->note, n);
    }
    k->v.who = v->who ? k->who : NULL;
    k->v.note = k->note;
    return 0;
}

static int cmp_involvement(const void *a, const void *b)
{
    const struct pcn_ppg_involvement *x = &((const struct kept_involvement *)a)->v;
    const struct pcn_ppg_involvement *y = &((const struct kept_involvement *)b)->v;

    if (x->change_id != y->change_id)
        return (x->change_id > y->change_id) - (x->change_id < y->change_id);
    if (x->stage != y->stage)
        return (int)x->stage - (int)y->stage;
    if (x->date != y->date)
        return (x->date > y->date) - (x->date < y->date);
    return (x->id > y->id) - (x->id < y->id);
}

static enum pcn_err involvement_cells(struct walk *w, const struct pcn_ppg_involvement *v)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_int(t, 0, v->id, true, rc);
    rc = set_int(t, 1, v->change_id, true, rc);
    rc = set_code(t, 2, PCN_PPG_V_STAGE, (int)v->stage, rc);
    rc = set_int(t, 3, v->group_id, v->group_id > 0, rc);
    rc = set_text(t, 4, group_name(w, v->group_id), rc);
    rc = set_text(t, 5, v->who, rc);
    rc = set_code(t, 6, PCN_PPG_V_RUNG, (int)v->rung, rc);
    rc = set_date(t, 7, v->date, rc);
    rc = set_int(t, 8, v->people, v->people >= 0, rc);
    rc = set_int(t, 9, v->activity_id, v->activity_id > 0, rc);
    return set_text(t, 10, v->note, rc);
}

/* Every involvement row of the filter, sorted by change, stage, date. */
static enum pcn_err read_involvement(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                     struct involvement_walk *iw)
{
    enum pcn_err rc = pcn_store_each_ppg_involvement(s, f, keep_involvement, iw);

    if (rc == PCN_OK)
        rc = iw->rc;
    if (rc == PCN_OK && iw->n > 1)
        qsort(iw->rows, iw->n, sizeof(*iw->rows), cmp_involvement);
    return rc;
}

static void free_involvement(struct involvement_walk *iw)
{
    for (size_t i = 0; i < iw->n; i++)
        pcn_free(iw->rows[i].note);
    pcn_free(iw->rows);
}

enum pcn_err pcn_view_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                      struct pcn_table **ret)
{
    static const char *const names[] = {"id",     "change_id",   "stage", "group_id",
                                        "group",  "who",         "rung",  "date",
                                        "people", "activity_id", "note"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_INT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_INT, PCN_COL_TEXT};
    static const struct cols c = COLS("ppg_involvement", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    struct involvement_walk iw = {NULL, 0, 0, PCN_OK};
    enum pcn_err rc = w.t ? load_group_names(&w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = read_involvement(s, &o->filter, &iw);
    for (size_t i = 0; rc == PCN_OK && i < iw.n; i++)
        rc = involvement_cells(&w, &iw.rows[i].v);
    free_involvement(&iw);
    return finish(&w, rc, ret, NULL);
}

/* ---- the ladder profile ---- */

struct ladder_year {
    int year;
    int64_t rungs[PCN_PPG_RUNG_COUNT_];
    int64_t activities, people;
};

struct ladder_walk {
    struct ladder_year *years;
    size_t n, alloc;
    enum pcn_err rc;
};

static int ladder_activity(const struct pcn_ppg_activity *a, void *ud)
{
    struct ladder_walk *w = ud;
    int year = pcn_ppg_financial_year(a->held);
    struct ladder_year *y = NULL;

    for (size_t i = 0; i < w->n && !y; i++) {
        if (w->years[i].year == year)
            y = &w->years[i];
    }
    if (!y) {
        w->rc = PCN_GROW(w->years, w->n + 1, w->alloc);
        if (w->rc != PCN_OK)
            return 1;
        y = &w->years[w->n++];
        memset(y, 0, sizeof(*y));
        y->year = year;
    }
    y->rungs[a->rung]++;
    y->activities++;
    y->people += a->people > 0 ? a->people : 0;
    return 0;
}

static enum pcn_err ladder_cells(struct pcn_table *t, const struct ladder_year *y)
{
    char year[16];
    int64_t high = y->rungs[PCN_PPG_RUNG_INVOLVE] + y->rungs[PCN_PPG_RUNG_COLLABORATE] +
                   y->rungs[PCN_PPG_RUNG_CO_PRODUCE];
    enum pcn_err rc = pcn_table_add_row(t);

    (void)snprintf(year, sizeof(year), "%d-%02d", y->year, (y->year + 1) % 100);
    rc = set_text(t, 0, year, rc);
    for (int r = 0; r < PCN_PPG_RUNG_COUNT_; r++)
        rc = set_int(t, 1 + (size_t)r, y->rungs[r], true, rc);
    rc = set_int(t, 6, y->activities, true, rc);
    rc = set_int(t, 7, y->people, true, rc);
    if (rc == PCN_OK && y->activities > 0)
        rc =
            pcn_table_set_number(t, 8, round(1000.0 * (double)high / (double)y->activities) / 10.0);
    return rc;
}

enum pcn_err pcn_view_ppg_ladder(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret)
{
    static const char *const names[] = {"year",       "inform",      "consult",
                                        "involve",    "collaborate", "co_produce",
                                        "activities", "people",      "involve_or_above"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_INT, PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_INT, PCN_COL_INT,
                                              PCN_COL_INT,  PCN_COL_INT, PCN_COL_NUMBER};
    static const struct cols c = COLS("ppg_ladder", names, types);
    struct ladder_walk lw = {NULL, 0, 0, PCN_OK};
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    enum pcn_err rc =
        w.t ? pcn_store_each_ppg_activity(s, &o->filter, ladder_activity, &lw) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = lw.rc;
    /* activities come in date order, so years are already in order */
    for (size_t i = 0; rc == PCN_OK && i < lw.n; i++)
        rc = ladder_cells(w.t, &lw.years[i]);
    pcn_free(lw.years);
    return finish(&w, rc, ret, NULL);
}

/* ---- the co-production record ---- */

struct coproduction {
    int best[PCN_PPG_STAGE_COUNT_]; /* highest rung + 1 at each stage; 0: nobody */
    int64_t people;
    int64_t groups[PCN_PPG_GROUPS_MAX];
    size_t n_groups;
};

static void involve(struct coproduction *c, const struct pcn_ppg_involvement *v)
{
    bool seen = false;

    c->best[v->stage] = PCN_MAX(c->best[v->stage], (int)v->rung + 1);
    c->people += v->people > 0 ? v->people : 0;
    for (size_t i = 0; i < c->n_groups; i++)
        seen |= c->groups[i] == v->group_id;
    if (v->group_id > 0 && !seen && c->n_groups < PCN_PPG_GROUPS_MAX)
        c->groups[c->n_groups++] = v->group_id;
}

struct coproduction_walk {
    struct walk *w;
    const struct involvement_walk *iw;
};

static int coproduction_row(const struct pcn_ppg_change *ch, void *ud)
{
    struct coproduction_walk *cw = ud;
    struct pcn_table *t = cw->w->t;
    struct coproduction c = {{0}, 0, {0}, 0};
    int stages = 0;
    enum pcn_err rc;

    for (size_t i = 0; i < cw->iw->n; i++) {
        if (cw->iw->rows[i].v.change_id == ch->id)
            involve(&c, &cw->iw->rows[i].v);
    }
    rc = pcn_table_add_row(t);
    rc = set_int(t, 0, ch->id, true, rc);
    rc = set_text(t, 1, ch->title, rc);
    rc = set_date(t, 2, ch->started, rc);
    for (int st = 0; st < PCN_PPG_STAGE_COUNT_; st++) {
        stages += c.best[st] > 0;
        if (c.best[st] > 0)
            rc = set_code(t, 3 + (size_t)st, PCN_PPG_V_RUNG, c.best[st] - 1, rc);
    }
    rc = set_int(t, 8, stages, true, rc);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 9, c.best[PCN_PPG_STAGE_NEEDS] > 0);
    rc = set_int(t, 10, (int64_t)c.n_groups, true, rc);
    rc = set_int(t, 11, c.people, true, rc);
    cw->w->rc = rc;
    return rc != PCN_OK;
}

enum pcn_err pcn_view_ppg_coproduction(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                       struct pcn_table **ret)
{
    static const char *const names[] = {"change_id", "title",       "started",    "needs",
                                        "design",    "procurement", "monitoring", "evaluation",
                                        "stages",    "from_start",  "groups",     "people"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_BOOL, PCN_COL_INT,  PCN_COL_INT};
    static const struct cols c = COLS("ppg_coproduction", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    struct involvement_walk iw = {NULL, 0, 0, PCN_OK};
    struct coproduction_walk cw = {&w, &iw};
    struct pcn_ppg_filter f = {.network = o->filter.network, .change_id = o->filter.change_id};
    enum pcn_err rc = w.t ? read_involvement(s, &f, &iw) : PCN_ENOMEM;

    f.id = o->filter.change_id;
    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_change(s, &f, coproduction_row, &cw);
    free_involvement(&iw);
    return finish(&w, rc, ret, NULL);
}

/* ---- the public page ---- */

/* Published items kept (strings in the arena) to be listed newest first. */
struct public_walk {
    struct pcn_arena *arena;
    struct pcn_ppg_feedback *items;
    size_t n, alloc;
    enum pcn_err rc;
};

static const char *copy(struct pcn_arena *a, const char *s, enum pcn_err *rc)
{
    const char *c = s ? pcn_arena_strdup(a, s) : NULL;

    if (s && !c)
        *rc = PCN_ENOMEM;
    return c;
}

static int keep_public(const struct pcn_ppg_feedback *f, void *ud)
{
    struct public_walk *p = ud;
    struct pcn_ppg_feedback *k;

    if (!f->published) /* published items only, whatever the filter said */
        return 0;
    p->rc = PCN_GROW(p->items, p->n + 1, p->alloc);
    if (p->rc != PCN_OK)
        return 1;
    k = &p->items[p->n++];
    *k = *f;
    k->network = NULL;
    k->said = copy(p->arena, f->said, &p->rc);
    k->response = copy(p->arena, f->response, &p->rc);
    k->reason = copy(p->arena, f->reason, &p->rc);
    return p->rc != PCN_OK;
}

static enum pcn_err public_cells(struct walk *w, const struct pcn_ppg_feedback *f)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    rc = set_date(t, 0, f->received, rc);
    rc = set_text(t, 1, f->said, rc);
    rc = set_text(t, 2, f->response, rc);
    rc = set_date(t, 3, f->responded, rc);
    rc = set_code(t, 4, PCN_PPG_V_OUTCOME, (int)f->outcome, rc);
    rc = set_text(t, 5, pcn_ppg_label(PCN_PPG_V_OUTCOME, (int)f->outcome), rc);
    rc = set_text(t, 6, f->reason, rc);
    rc = set_date(t, 7, f->outcome_date, rc);
    return set_text(t, 8, group_name(w, f->group_id), rc);
}

enum pcn_err pcn_view_ppg_public(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret, int64_t *ret_total)
{
    static const char *const names[] = {"received",  "said",         "response",
                                        "responded", "outcome",      "outcome_label",
                                        "reason",    "outcome_date", "group"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT};
    static const struct cols c = COLS("ppg_public", names, types);
    struct walk w = {.s = s, .o = o, .t = new_table(&c)};
    struct public_walk p = {pcn_arena_new(16384, (size_t)64 << 20), NULL, 0, 0, PCN_OK};
    struct pcn_ppg_filter f = {.network = o->filter.network, .published_only = 1};
    enum pcn_err rc = w.t && p.arena ? load_group_names(&w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_store_each_ppg_feedback(s, &f, keep_public, &p);
    if (rc == PCN_OK)
        rc = p.rc;
    for (size_t i = p.n; rc == PCN_OK && i > 0; i--) {
        if (next_row(&w))
            rc = public_cells(&w, &p.items[i - 1]);
    }
    pcn_free(p.items);
    pcn_arena_free(p.arena);
    return finish(&w, rc, ret, ret_total);
}
