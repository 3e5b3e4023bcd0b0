/*
 * pg_ppg.c - the patient partnership domain on PostgreSQL, with the same
 * behaviour as sqlite_ppg.c (conformance suite): writes that leave the
 * data version alone, updates that name the version they read (RETURNING
 * the new one; no row back means stale or missing), activities with their
 * groups as one aggregate column.
 */
#include "store/pg/pg_int.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/parse.h"
#include "store/ppg_int.h"
#include "util/common.h"

#define MEMBER_COLS                                                                                \
    "name, email, phone, consent, role, age_band, sex, ethnic_group, district, quintile, carer, "  \
    "disability, ltc, joined, left_date, withdrawn"
#define ACTIVITY_COLS "network, kind, rung, title, held, people, questions, heard, change_id"
#define FEEDBACK_COLS                                                                              \
    "network, group_id, activity_id, received, said, response, responded, outcome, reason, "       \
    "outcome_date, published"

static void param_ref(struct pg_params *p, int64_t id)
{
    if (id > 0)
        pcn__pg_int(p, id);
    else
        pcn__pg_text(p, NULL);
}

static void param_people(struct pg_params *p, int64_t people)
{
    if (people >= 0)
        pcn__pg_int(p, people);
    else
        pcn__pg_text(p, NULL);
}

static void param_code(struct pg_params *p, enum pcn_ppg_vocab v, int value)
{
    pcn__pg_text(p, pcn_ppg_code(v, value));
}

/* The filter's parameters: $1 id, $2 network, $3 group, $4 the fourth (change, published). */
static void param_filter(struct pg_params *p, const struct pcn_ppg_filter *f, int64_t fourth)
{
    pcn__pg_int(p, f->id);
    pcn__pg_text(p, f->network);
    pcn__pg_int(p, f->group_id);
    pcn__pg_int(p, fourth);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static int64_t col_ref(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? 0 : pcn__pg_col_int(r, i, c);
}

static int64_t col_people(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? -1 : pcn__pg_col_int(r, i, c);
}

static int col_code(const PGresult *r, int i, int c, enum pcn_ppg_vocab v)
{
    return pcn__ppg_value(v, pcn__pg_col_text(r, i, c));
}

/*
 * Run an add (INSERT ... RETURNING id) or an update (UPDATE ... RETURNING
 * version); an update that returns no row is stale or names no record.
 */
static enum pcn_err put(struct pcn_store *s, const char *sql, const struct pg_params *p,
                        const char *table, const char *what, int64_t id, int64_t version,
                        int64_t *ret_id, int64_t *ret_version)
{
    PGresult *r = NULL;
    enum pcn_err rc = pcn__pg_exec(pg_of(s), sql, p, PG_WRITE_OTHER, &r, what);

    if (rc == PCN_OK && PQntuples(r) == 0) {
        struct pg_params q = {.n = 0};
        char exists[96];
        PGresult *e = NULL;
        pcn__pg_int(&q, id);
        (void)snprintf(exists, sizeof(exists), "SELECT 1 FROM %s WHERE id = $1::bigint", table);
        rc = pcn__pg_exec(pg_of(s), exists, &q, PG_READ, &e, what);
        if (rc == PCN_OK)
            rc = pcn__ppg_stale(s, what, id, version, PQntuples(e) > 0);
        PQclear(e);
    } else if (rc == PCN_OK) {
        if (ret_id)
            *ret_id = id ? id : pcn__pg_col_int(r, 0, 0);
        if (ret_version)
            *ret_version = id ? pcn__pg_col_int(r, 0, 0) : 1;
    }
    PQclear(r);
    return rc;
}

/* ---- groups ---- */

static enum pcn_err pg_put_group(struct pcn_store *s, const struct pcn_ppg_group *g,
                                 int64_t *ret_id, int64_t *ret_version)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, g->network);
    pcn__pg_text(&p, g->practice);
    pcn__pg_text(&p, g->name);
    pcn__pg_date(&p, g->formed);
    if (!g->id)
        return put(s,
                   "INSERT INTO ppg_group (network, practice, name, formed) "
                   "VALUES ($1, $2, $3, $4) RETURNING id",
                   &p, "ppg_group", "group", 0, 0, ret_id, ret_version);
    pcn__pg_int(&p, g->id);
    pcn__pg_int(&p, g->version);
    return put(s,
               "UPDATE ppg_group SET network = $1, practice = $2, name = $3, formed = $4, "
               "version = version + 1 WHERE id = $5 AND version = $6 RETURNING version",
               &p, "ppg_group", "group", g->id, g->version, ret_id, ret_version);
}

static int group_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_ppg_group g = {
        .id = pcn__pg_col_int(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .practice = pcn__pg_col_text(r, i, 2),
        .name = pcn__pg_col_text(r, i, 3),
        .formed = pcn__pg_col_date(r, i, 4),
        .version = pcn__pg_col_int(r, i, 5),
    };
    return ((pcn_ppg_group_fn)fn)(&g, ud);
}

static enum pcn_err pg_each_group(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                  pcn_ppg_group_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    param_filter(&p, f, 0);
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, network, practice, name, formed, version FROM ppg_group "
                        "WHERE ($1::bigint = 0 OR id = $1::bigint) "
                        "AND ($2::text IS NULL OR network = $2::text) "
                        "AND ($3::bigint = 0 OR id = $3::bigint) AND $4::bigint = $4::bigint "
                        "ORDER BY network, practice IS NULL, practice, name",
                        &p, group_row, (pcn__pg_any_fn)fn, ud, NULL, "listing groups");
}

/* ---- members ---- */

static void member_params(struct pg_params *p, const struct pcn_ppg_member *m)
{
    pcn__pg_text(p, m->name);
    pcn__pg_text(p, nonempty(m->email));
    pcn__pg_text(p, nonempty(m->phone));
    pcn__pg_int(p, m->consent ? 1 : 0);
    param_code(p, PCN_PPG_V_ROLE, (int)m->role);
    param_code(p, PCN_PPG_V_AGE, (int)m->age);
    param_code(p, PCN_PPG_V_SEX, (int)m->sex);
    param_code(p, PCN_PPG_V_ETH, (int)m->eth);
    pcn__pg_text(p, nonempty(m->district));
    param_ref(p, m->quintile);
    param_code(p, PCN_PPG_V_YESNO, (int)m->carer);
    param_code(p, PCN_PPG_V_YESNO, (int)m->disability);
    param_code(p, PCN_PPG_V_YESNO, (int)m->ltc);
    pcn__pg_int(p, m->joined);
    pcn__pg_date(p, m->left);
    pcn__pg_date(p, m->withdrawn);
}

static enum pcn_err pg_put_member(struct pcn_store *s, const struct pcn_ppg_member *m,
                                  int64_t *ret_id, int64_t *ret_version)
{
    struct pg_params p = {.n = 0};

    member_params(&p, m);
    pcn__pg_int(&p, m->group_id);
    if (!m->id)
        return put(s,
                   "INSERT INTO ppg_member (" MEMBER_COLS ", group_id) VALUES ($1, $2, $3, $4, "
                   "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                   &p, "ppg_member", "member", 0, 0, ret_id, ret_version);
    pcn__pg_int(&p, m->id);
    pcn__pg_int(&p, m->version);
    return put(s,
               "UPDATE ppg_member SET name = $1, email = $2, phone = $3, consent = $4, "
               "role = $5, age_band = $6, sex = $7, ethnic_group = $8, district = $9, "
               "quintile = $10, carer = $11, disability = $12, ltc = $13, joined = $14, "
               "left_date = $15, withdrawn = $16, version = version + 1 "
               "WHERE group_id = $17 AND id = $18 AND version = $19 RETURNING version",
               &p, "ppg_member", "member", m->id, m->version, ret_id, ret_version);
}

static int member_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_ppg_member m = {
        .id = pcn__pg_col_int(r, i, 0),
        .group_id = pcn__pg_col_int(r, i, 1),
        .name = pcn__pg_col_text(r, i, 2),
        .email = pcn__pg_col_text(r, i, 3),
        .phone = pcn__pg_col_text(r, i, 4),
        .consent = (int)pcn__pg_col_int(r, i, 5),
        .role = (enum pcn_ppg_role)col_code(r, i, 6, PCN_PPG_V_ROLE),
        .age = (enum pcn_ppg_age)col_code(r, i, 7, PCN_PPG_V_AGE),
        .sex = (enum pcn_ppg_sex)col_code(r, i, 8, PCN_PPG_V_SEX),
        .eth = (enum pcn_ppg_eth)col_code(r, i, 9, PCN_PPG_V_ETH),
        .district = pcn__pg_col_text(r, i, 10),
        .quintile = (int)col_ref(r, i, 11),
        .carer = (enum pcn_ppg_yesno)col_code(r, i, 12, PCN_PPG_V_YESNO),
        .disability = (enum pcn_ppg_yesno)col_code(r, i, 13, PCN_PPG_V_YESNO),
        .ltc = (enum pcn_ppg_yesno)col_code(r, i, 14, PCN_PPG_V_YESNO),
        .joined = pcn__pg_col_date(r, i, 15),
        .left = pcn__pg_col_date(r, i, 16),
        .withdrawn = pcn__pg_col_date(r, i, 17),
        .version = pcn__pg_col_int(r, i, 18),
    };
    return ((pcn_ppg_member_fn)fn)(&m, ud);
}

static enum pcn_err pg_each_member(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                   pcn_ppg_member_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    param_filter(&p, f, 0);
    return pcn__pg_walk(pg_of(s),
                        "SELECT m.id, m.group_id, m.name, m.email, m.phone, m.consent, m.role, "
                        "m.age_band, m.sex, m.ethnic_group, m.district, m.quintile, m.carer, "
                        "m.disability, m.ltc, m.joined, m.left_date, m.withdrawn, m.version "
                        "FROM ppg_member m JOIN ppg_group g ON g.id = m.group_id "
                        "WHERE ($1::bigint = 0 OR m.id = $1::bigint) "
                        "AND ($2::text IS NULL OR g.network = $2::text) "
                        "AND ($3::bigint = 0 OR m.group_id = $3::bigint) "
                        "AND $4::bigint = $4::bigint ORDER BY m.group_id, m.joined, m.id",
                        &p, member_row, (pcn__pg_any_fn)fn, ud, NULL, "listing members");
}

/* ---- activities ---- */

static enum pcn_err put_activity_groups(struct pcn_store *s, int64_t id,
                                        const struct pcn_ppg_activity *a)
{
    struct pg_params p = {.n = 0};
    enum pcn_err rc;

    pcn__pg_int(&p, id);
    rc = pcn__pg_exec(pg_of(s), "DELETE FROM ppg_activity_group WHERE activity_id = $1", &p,
                      PG_WRITE_OTHER, NULL, "saving the activity's groups");
    for (size_t i = 0; rc == PCN_OK && i < a->n_groups; i++) {
        p.n = 0;
        pcn__pg_int(&p, id);
        pcn__pg_int(&p, a->groups[i]);
        rc = pcn__pg_exec(pg_of(s),
                          "INSERT INTO ppg_activity_group (activity_id, group_id) VALUES ($1, $2)",
                          &p, PG_WRITE_OTHER, NULL, "saving the activity's groups");
    }
    return rc;
}

static enum pcn_err pg_put_activity(struct pcn_store *s, const struct pcn_ppg_activity *a,
                                    int64_t *ret_id, int64_t *ret_version)
{
    struct pg_params p = {.n = 0};
    int64_t id = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, a->network);
    param_code(&p, PCN_PPG_V_KIND, (int)a->kind);
    param_code(&p, PCN_PPG_V_RUNG, (int)a->rung);
    pcn__pg_text(&p, a->title);
    pcn__pg_int(&p, a->held);
    param_people(&p, a->people);
    pcn__pg_text(&p, a->questions);
    pcn__pg_text(&p, a->heard);
    param_ref(&p, a->change_id);
    if (!a->id) {
        rc = put(s,
                 "INSERT INTO ppg_activity (" ACTIVITY_COLS ") "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                 &p, "ppg_activity", "activity", 0, 0, &id, ret_version);
    } else {
        pcn__pg_int(&p, a->id);
        pcn__pg_int(&p, a->version);
        rc = put(s,
                 "UPDATE ppg_activity SET network = $1, kind = $2, rung = $3, title = $4, "
                 "held = $5, people = $6, questions = $7, heard = $8, change_id = $9, "
                 "version = version + 1 WHERE id = $10 AND version = $11 RETURNING version",
                 &p, "ppg_activity", "activity", a->id, a->version, &id, ret_version);
    }
    if (rc == PCN_OK)
        rc = put_activity_groups(s, id, a);
    if (rc == PCN_OK && ret_id)
        *ret_id = id;
    return rc;
}

/* An activity walk: the caller's callback, and a group list that could not be read. */
struct activity_walk {
    pcn_ppg_activity_fn fn;
    void *ud;
    struct pcn_store *s;
    enum pcn_err rc;
};

static int activity_row(const PGresult *r, int i, pcn__pg_any_fn unused, void *ud)
{
    struct activity_walk *w = ud;
    int64_t ids[PCN_PPG_GROUPS_MAX];
    size_t n = 0;
    struct pcn_ppg_activity a = {
        .id = pcn__pg_col_int(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .kind = (enum pcn_ppg_kind)col_code(r, i, 2, PCN_PPG_V_KIND),
        .rung = (enum pcn_ppg_rung)col_code(r, i, 3, PCN_PPG_V_RUNG),
        .title = pcn__pg_col_text(r, i, 4),
        .held = pcn__pg_col_date(r, i, 5),
        .people = col_people(r, i, 6),
        .questions = pcn__pg_col_text(r, i, 7),
        .heard = pcn__pg_col_text(r, i, 8),
        .change_id = col_ref(r, i, 9),
        .version = pcn__pg_col_int(r, i, 10),
        .groups = ids,
    };

    (void)unused;
    w->rc = pcn__ppg_group_ids(w->s, pcn__pg_col_text(r, i, 11), ids, &n);
    if (w->rc != PCN_OK)
        return 1;
    a.n_groups = n;
    return w->fn(&a, w->ud);
}

static enum pcn_err pg_each_activity(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                     pcn_ppg_activity_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};
    struct activity_walk w = {fn, ud, s, PCN_OK};
    enum pcn_err rc;

    param_filter(&p, f, f->change_id);
    rc = pcn__pg_walk(pg_of(s),
                      "SELECT a.id, " ACTIVITY_COLS ", a.version, "
                      "(SELECT string_agg(x.group_id::text, ',' ORDER BY x.group_id) "
                      "FROM ppg_activity_group x WHERE x.activity_id = a.id) "
                      "FROM ppg_activity a WHERE ($1::bigint = 0 OR a.id = $1::bigint) "
                      "AND ($2::text IS NULL OR a.network = $2::text) "
                      "AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM ppg_activity_group y "
                      "WHERE y.activity_id = a.id AND y.group_id = $3::bigint)) "
                      "AND ($4::bigint = 0 OR a.change_id = $4::bigint) ORDER BY a.held, a.id",
                      &p, activity_row, NULL, &w, NULL, "listing activities");
    return rc == PCN_OK ? w.rc : rc;
}

/* ---- feedback ---- */

static enum pcn_err pg_put_feedback(struct pcn_store *s, const struct pcn_ppg_feedback *fb,
                                    int64_t *ret_id, int64_t *ret_version)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, fb->network);
    param_ref(&p, fb->group_id);
    param_ref(&p, fb->activity_id);
    pcn__pg_int(&p, fb->received);
    pcn__pg_text(&p, fb->said);
    pcn__pg_text(&p, nonempty(fb->response));
    pcn__pg_date(&p, fb->responded);
    param_code(&p, PCN_PPG_V_OUTCOME, (int)fb->outcome);
    pcn__pg_text(&p, nonempty(fb->reason));
    pcn__pg_date(&p, fb->outcome_date);
    pcn__pg_int(&p, fb->published ? 1 : 0);
    if (!fb->id)
        return put(s,
                   "INSERT INTO ppg_feedback (" FEEDBACK_COLS ") VALUES ($1, $2, $3, $4, $5, $6, "
                   "$7, $8, $9, $10, $11) RETURNING id",
                   &p, "ppg_feedback", "feedback", 0, 0, ret_id, ret_version);
    pcn__pg_int(&p, fb->id);
    pcn__pg_int(&p, fb->version);
    return put(s,
               "UPDATE ppg_feedback SET network = $1, group_id = $2, activity_id = $3, "
               "received = $4, said = $5, response = $6, responded = $7, outcome = $8, "
               "reason = $9, outcome_date = $10, published = $11, version = version + 1 "
               "WHERE id = $12 AND version = $13 RETURNING version",
               &p, "ppg_feedback", "feedback", fb->id, fb->version, ret_id, ret_version);
}

static int feedback_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_ppg_feedback fb = {
        .id = pcn__pg_col_int(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .group_id = col_ref(r, i, 2),
        .activity_id = col_ref(r, i, 3),
        .received = pcn__pg_col_date(r, i, 4),
        .said = pcn__pg_col_text(r, i, 5),
        .response = pcn__pg_col_text(r, i, 6),
        .responded = pcn__pg_col_date(r, i, 7),
        .outcome = (enum pcn_ppg_outcome)col_code(r, i, 8, PCN_PPG_V_OUTCOME),
        .reason = pcn__pg_col_text(r, i, 9),
        .outcome_date = pcn__pg_col_date(r, i, 10),
        .published = (int)pcn__pg_col_int(r, i, 11),
        .version = pcn__pg_col_int(r, i, 12),
    };
    return ((pcn_ppg_feedback_fn)fn)(&fb, ud);
}

static enum pcn_err pg_each_feedback(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                     pcn_ppg_feedback_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    param_filter(&p, f, f->published_only ? 1 : 0);
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, " FEEDBACK_COLS ", version FROM ppg_feedback "
                        "WHERE ($1::bigint = 0 OR id = $1::bigint) "
                        "AND ($2::text IS NULL OR network = $2::text) "
                        "AND ($3::bigint = 0 OR group_id = $3::bigint) "
                        "AND ($4::bigint = 0 OR published = 1) ORDER BY received, id",
                        &p, feedback_row, (pcn__pg_any_fn)fn, ud, NULL, "listing feedback");
}

/* ---- changes ---- */

static enum pcn_err pg_put_change(struct pcn_store *s, const struct pcn_ppg_change *c,
                                  int64_t *ret_id, int64_t *ret_version)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, c->network);
    pcn__pg_text(&p, c->title);
    pcn__pg_text(&p, nonempty(c->description));
    pcn__pg_date(&p, c->started);
    if (!c->id)
        return put(s,
                   "INSERT INTO ppg_change (network, title, description, started) "
                   "VALUES ($1, $2, $3, $4) RETURNING id",
                   &p, "ppg_change", "change", 0, 0, ret_id, ret_version);
    pcn__pg_int(&p, c->id);
    pcn__pg_int(&p, c->version);
    return put(s,
               "UPDATE ppg_change SET network = $1, title = $2, description = $3, "
               "started = $4, version = version + 1 WHERE id = $5 AND version = $6 "
               "RETURNING version",
               &p, "ppg_change", "change", c->id, c->version, ret_id, ret_version);
}

static int change_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_ppg_change c = {
        .id = pcn__pg_col_int(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .title = pcn__pg_col_text(r, i, 2),
        .description = pcn__pg_col_text(r, i, 3),
        .started = pcn__pg_col_date(r, i, 4),
        .version = pcn__pg_col_int(r, i, 5),
    };
    return ((pcn_ppg_change_fn)fn)(&c, ud);
}

static enum pcn_err pg_each_change(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                   pcn_ppg_change_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, f->id);
    pcn__pg_text(&p, f->network);
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, network, title, description, started, version "
                        "FROM ppg_change WHERE ($1::bigint = 0 OR id = $1::bigint) "
                        "AND ($2::text IS NULL OR network = $2::text) ORDER BY id",
                        &p, change_row, (pcn__pg_any_fn)fn, ud, NULL, "listing changes");
}

/* ---- involvement ---- */

static enum pcn_err pg_add_involvement(struct pcn_store *s, const struct pcn_ppg_involvement *v,
                                       int64_t *ret_id)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, v->change_id);
    param_code(&p, PCN_PPG_V_STAGE, (int)v->stage);
    param_ref(&p, v->group_id);
    pcn__pg_text(&p, v->group_id > 0 ? NULL : v->who);
    param_code(&p, PCN_PPG_V_RUNG, (int)v->rung);
    pcn__pg_int(&p, v->date);
    param_people(&p, v->people);
    param_ref(&p, v->activity_id);
    pcn__pg_text(&p, nonempty(v->note));
    return put(s,
               "INSERT INTO ppg_involvement (change_id, stage, group_id, who, rung, date, people, "
               "activity_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
               &p, "ppg_involvement", "involvement", 0, 0, ret_id, NULL);
}

static enum pcn_err pg_remove_involvement(struct pcn_store *s, int64_t id)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_int(&p, id);
    rc = pcn__pg_exec(pg_of(s), "DELETE FROM ppg_involvement WHERE id = $1 RETURNING id", &p,
                      PG_WRITE_OTHER, &r, "removing involvement");
    if (rc == PCN_OK && PQntuples(r) == 0)
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no involvement %lld", (long long)id);
    PQclear(r);
    return rc;
}

static int involvement_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_ppg_involvement v = {
        .id = pcn__pg_col_int(r, i, 0),
        .change_id = pcn__pg_col_int(r, i, 1),
        .stage = (enum pcn_ppg_stage)col_code(r, i, 2, PCN_PPG_V_STAGE),
        .group_id = col_ref(r, i, 3),
        .who = pcn__pg_col_text(r, i, 4),
        .rung = (enum pcn_ppg_rung)col_code(r, i, 5, PCN_PPG_V_RUNG),
        .date = pcn__pg_col_date(r, i, 6),
        .people = col_people(r, i, 7),
        .activity_id = col_ref(r, i, 8),
        .note = pcn__pg_col_text(r, i, 9),
    };
    return ((pcn_ppg_involvement_fn)fn)(&v, ud);
}

static enum pcn_err pg_each_involvement(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                        pcn_ppg_involvement_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    param_filter(&p, f, f->change_id);
    return pcn__pg_walk(pg_of(s),
                        "SELECT v.id, v.change_id, v.stage, v.group_id, v.who, v.rung, v.date, "
                        "v.people, v.activity_id, v.note FROM ppg_involvement v "
                        "JOIN ppg_change c ON c.id = v.change_id "
                        "WHERE ($1::bigint = 0 OR v.id = $1::bigint) "
                        "AND ($2::text IS NULL OR c.network = $2::text) "
                        "AND ($3::bigint = 0 OR v.group_id = $3::bigint) "
                        "AND ($4::bigint = 0 OR v.change_id = $4::bigint) "
                        "ORDER BY v.change_id, v.date, v.id",
                        &p, involvement_row, (pcn__pg_any_fn)fn, ud, NULL, "listing involvement");
}

static const struct pcn__store_ppg_ops pg_ppg_ops = {
    .put_group = pg_put_group,
    .each_group = pg_each_group,
    .put_member = pg_put_member,
    .each_member = pg_each_member,
    .put_activity = pg_put_activity,
    .each_activity = pg_each_activity,
    .put_feedback = pg_put_feedback,
    .each_feedback = pg_each_feedback,
    .put_change = pg_put_change,
    .each_change = pg_each_change,
    .add_involvement = pg_add_involvement,
    .remove_involvement = pg_remove_involvement,
    .each_involvement = pg_each_involvement,
};

const struct pcn__store_impl pcn__pg_ppg = {.domain = &pcn__store_ppg, .ops = &pg_ppg_ops};
