/*
 * views_admin.c - the administration list result kinds (users, the audit
 * log), built once for `pcn user list` / `pcn audit list` and the API's
 * GET /users and GET /audit. Never a password hash; instants are ISO 8601
 * UTC; the audit hashes are detail columns (CSV and JSON only).
 */
#include "pcn/views.h"
#include "views_int.h"

#include "pcn/date.h"
#include "pcn/store_auth.h"
#include "util/common.h"

struct user_walk {
    const struct pcn_view_opts *o;
    struct pcn_table *t;
    struct pcn_view_totals totals;
    enum pcn_err rc;
};

static enum pcn_err user_cells(struct pcn_table *t, const struct pcn_user *u)
{
    char at[PCN_INSTANT_STR_SIZE];
    enum pcn_err rc = pcn_table_add_row(t);

    pcn_instant_format(u->created_at, at);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, u->name);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 1, u->role);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 2, u->practice);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 3, u->disabled != 0);
    if (rc == PCN_OK && at[0])
        rc = pcn_table_set_text(t, 4, at);
    return rc;
}

static int user_row(const struct pcn_user *u, void *ud)
{
    struct user_walk *w = ud;
    int64_t n = ++w->totals.rows;

    if (n > w->o->offset && (w->o->limit <= 0 || n <= w->o->offset + w->o->limit))
        w->rc = user_cells(w->t, u);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_users(struct pcn_store *s, const struct pcn_view_opts *o,
                            struct pcn_table **ret, struct pcn_view_totals *ret_totals)
{
    static const char *const names[] = {"name", "role", "practice", "disabled", "created_at"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_BOOL, PCN_COL_TEXT};
    struct user_walk w = {o, pcn_table_new("users", 5, names, types), {0, 0}, PCN_OK};
    enum pcn_err rc = w.t ? pcn_store_each_user(s, user_row, &w) : PCN_ENOMEM;

    rc = pcn__view_finish(rc, w.rc, w.t, ret);
    if (rc == PCN_OK && ret_totals)
        *ret_totals = w.totals;
    return rc;
}

struct audit_walk {
    struct pcn_table *t;
    int64_t last_id;
    enum pcn_err rc;
};

static enum pcn_err audit_cells(struct pcn_table *t, const struct pcn_audit_row *a)
{
    const char *text[] = {a->user_name, a->role, a->method, a->route, a->object_type, a->object_id};
    char at[PCN_INSTANT_STR_SIZE];
    enum pcn_err rc = pcn_table_add_row(t);

    pcn_instant_format(a->at, at);
    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 0, a->id);
    if (rc == PCN_OK && at[0])
        rc = pcn_table_set_text(t, 1, at);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(text) && rc == PCN_OK; i++)
        rc = pcn_table_set_text(t, 2 + i, text[i]);
    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 8, a->status);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 9, a->prev_hash);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 10, a->hash);
    return rc;
}

static int audit_row(const struct pcn_audit_row *a, void *ud)
{
    struct audit_walk *w = ud;

    w->rc = audit_cells(w->t, a);
    w->last_id = a->id;
    return w->rc != PCN_OK;
}

static struct pcn_table *audit_table(void)
{
    static const char *const names[] = {"id",     "at",        "user",        "role",
                                        "method", "route",     "object_type", "object_id",
                                        "status", "prev_hash", "hash"};
    static const enum pcn_col_type types[] = {
        PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT};
    struct pcn_table *t = pcn_table_new("audit", PCN_ARRAY_SIZE(names), names, types);

    if (t) {
        (void)pcn_table_set_detail(t, 9);
        (void)pcn_table_set_detail(t, 10);
    }
    return t;
}

enum pcn_err pcn_view_audit(struct pcn_store *s, int64_t after, int64_t limit,
                            struct pcn_table **ret, int64_t *ret_last_id)
{
    struct audit_walk w = {audit_table(), 0, PCN_OK};
    enum pcn_err rc = w.t ? pcn_store_each_audit(s, after, limit, audit_row, &w) : PCN_ENOMEM;

    rc = pcn__view_finish(rc, w.rc, w.t, ret);
    if (rc == PCN_OK && ret_last_id)
        *ret_last_id = w.last_id;
    return rc;
}
