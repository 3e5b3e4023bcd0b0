/*
 * sqlite_ppg.c - the patient partnership domain on SQLite: groups,
 * members, activities and the groups that took part, feedback, service
 * changes and involvement, with the domain's statements. Writes step their
 * statements without marking the transaction dirty (the data version is
 * for population data; store_ppg.h). An update names the version it read
 * in its WHERE clause, so a second writer changes no row and is told so.
 */
#include "store/sqlite/sqlite_int.h"

#include "pcn/date.h"
#include "store/ppg_int.h"
#include "util/common.h"

enum ppg_sql {
    SQL_GROUP_ADD,
    SQL_GROUP_UPDATE,
    SQL_GROUP_EXISTS,
    SQL_GROUP_EACH,
    SQL_MEMBER_ADD,
    SQL_MEMBER_UPDATE,
    SQL_MEMBER_EXISTS,
    SQL_MEMBER_EACH,
    SQL_ACTIVITY_ADD,
    SQL_ACTIVITY_UPDATE,
    SQL_ACTIVITY_EXISTS,
    SQL_ACTIVITY_GROUPS_CLEAR,
    SQL_ACTIVITY_GROUP_ADD,
    SQL_ACTIVITY_EACH,
    SQL_FEEDBACK_ADD,
    SQL_FEEDBACK_UPDATE,
    SQL_FEEDBACK_EXISTS,
    SQL_FEEDBACK_EACH,
    SQL_CHANGE_ADD,
    SQL_CHANGE_UPDATE,
    SQL_CHANGE_EXISTS,
    SQL_CHANGE_EACH,
    SQL_INVOLVEMENT_ADD,
    SQL_INVOLVEMENT_REMOVE,
    SQL_INVOLVEMENT_EACH,
    SQL_PPG_COUNT_
};

#define MEMBER_COLS                                                                                \
    "name, email, phone, consent, role, age_band, sex, ethnic_group, district, quintile, carer, "  \
    "disability, ltc, joined, left_date, withdrawn"
#define ACTIVITY_COLS "network, kind, rung, title, held, people, questions, heard, change_id"
#define FEEDBACK_COLS                                                                              \
    "network, group_id, activity_id, received, said, response, responded, outcome, reason, "       \
    "outcome_date, published"

static const char *const ppg_sql[SQL_PPG_COUNT_] = {
    [SQL_GROUP_ADD] = "INSERT INTO ppg_group (network, practice, name, formed) "
                      "VALUES (?2, ?3, ?4, ?5)",
    [SQL_GROUP_UPDATE] = "UPDATE ppg_group SET network = ?2, practice = ?3, name = ?4, "
                         "formed = ?5, version = version + 1 WHERE id = ?1 AND version = ?6",
    [SQL_GROUP_EXISTS] = "SELECT 1 FROM ppg_group WHERE id = ?1",
    [SQL_GROUP_EACH] = "SELECT id, network, practice, name, formed, version FROM ppg_group "
                       "WHERE (?1 = 0 OR id = ?1) AND (?2 IS NULL OR network = ?2) "
                       "AND (?3 = 0 OR id = ?3) "
                       "ORDER BY network, practice IS NULL, practice, name",
    [SQL_MEMBER_ADD] = "INSERT INTO ppg_member (group_id, " MEMBER_COLS ") VALUES (?2, ?3, ?4, "
                       "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [SQL_MEMBER_UPDATE] = "UPDATE ppg_member SET name = ?3, email = ?4, phone = ?5, "
                          "consent = ?6, role = ?7, age_band = ?8, sex = ?9, "
                          "ethnic_group = ?10, district = ?11, quintile = ?12, carer = ?13, "
                          "disability = ?14, ltc = ?15, joined = ?16, left_date = ?17, "
                          "withdrawn = ?18, version = version + 1 "
                          "WHERE id = ?1 AND group_id = ?2 AND version = ?19",
    [SQL_MEMBER_EXISTS] = "SELECT 1 FROM ppg_member WHERE id = ?1",
    [SQL_MEMBER_EACH] = "SELECT m.id, m.group_id, m.name, m.email, m.phone, m.consent, m.role, "
                        "m.age_band, m.sex, m.ethnic_group, m.district, m.quintile, m.carer, "
                        "m.disability, m.ltc, m.joined, m.left_date, m.withdrawn, m.version "
                        "FROM ppg_member m JOIN ppg_group g ON g.id = m.group_id "
                        "WHERE (?1 = 0 OR m.id = ?1) AND (?2 IS NULL OR g.network = ?2) "
                        "AND (?3 = 0 OR m.group_id = ?3) ORDER BY m.group_id, m.joined, m.id",
    [SQL_ACTIVITY_ADD] = "INSERT INTO ppg_activity (" ACTIVITY_COLS ") "
                         "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [SQL_ACTIVITY_UPDATE] = "UPDATE ppg_activity SET network = ?2, kind = ?3, rung = ?4, "
                            "title = ?5, held = ?6, people = ?7, questions = ?8, heard = ?9, "
                            "change_id = ?10, version = version + 1 "
                            "WHERE id = ?1 AND version = ?11",
    [SQL_ACTIVITY_EXISTS] = "SELECT 1 FROM ppg_activity WHERE id = ?1",
    [SQL_ACTIVITY_GROUPS_CLEAR] = "DELETE FROM ppg_activity_group WHERE activity_id = ?1",
    [SQL_ACTIVITY_GROUP_ADD] = "INSERT INTO ppg_activity_group (activity_id, group_id) "
                               "VALUES (?1, ?2)",
    [SQL_ACTIVITY_EACH] = "SELECT a.id, " ACTIVITY_COLS ", a.version, "
                          "(SELECT group_concat(group_id) FROM ppg_activity_group x "
                          "WHERE x.activity_id = a.id) FROM ppg_activity a "
                          "WHERE (?1 = 0 OR a.id = ?1) AND (?2 IS NULL OR a.network = ?2) "
                          "AND (?3 = 0 OR EXISTS (SELECT 1 FROM ppg_activity_group y "
                          "WHERE y.activity_id = a.id AND y.group_id = ?3)) "
                          "AND (?4 = 0 OR a.change_id = ?4) ORDER BY a.held, a.id",
    [SQL_FEEDBACK_ADD] = "INSERT INTO ppg_feedback (" FEEDBACK_COLS ") "
                         "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [SQL_FEEDBACK_UPDATE] = "UPDATE ppg_feedback SET network = ?2, group_id = ?3, "
                            "activity_id = ?4, received = ?5, said = ?6, response = ?7, "
                            "responded = ?8, outcome = ?9, reason = ?10, outcome_date = ?11, "
                            "published = ?12, version = version + 1 "
                            "WHERE id = ?1 AND version = ?13",
    [SQL_FEEDBACK_EXISTS] = "SELECT 1 FROM ppg_feedback WHERE id = ?1",
    [SQL_FEEDBACK_EACH] = "SELECT id, " FEEDBACK_COLS ", version FROM ppg_feedback "
                          "WHERE (?1 = 0 OR id = ?1) AND (?2 IS NULL OR network = ?2) "
                          "AND (?3 = 0 OR group_id = ?3) AND (?4 = 0 OR published = 1) "
                          "ORDER BY received, id",
    [SQL_CHANGE_ADD] = "INSERT INTO ppg_change (network, title, description, started) "
                       "VALUES (?2, ?3, ?4, ?5)",
    [SQL_CHANGE_UPDATE] = "UPDATE ppg_change SET network = ?2, title = ?3, description = ?4, "
                          "started = ?5, version = version + 1 WHERE id = ?1 AND version = ?6",
    [SQL_CHANGE_EXISTS] = "SELECT 1 FROM ppg_change WHERE id = ?1",
    [SQL_CHANGE_EACH] = "SELECT id, network, title, description, started, version "
                        "FROM ppg_change WHERE (?1 = 0 OR id = ?1) "
                        "AND (?2 IS NULL OR network = ?2) ORDER BY id",
    [SQL_INVOLVEMENT_ADD] = "INSERT INTO ppg_involvement (change_id, stage, group_id, who, rung, "
                            "date, people, activity_id, note) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQL_INVOLVEMENT_REMOVE] = "DELETE FROM ppg_involvement WHERE id = ?1",
    [SQL_INVOLVEMENT_EACH] = "SELECT v.id, v.change_id, v.stage, v.group_id, v.who, v.rung, "
                             "v.date, v.people, v.activity_id, v.note FROM ppg_involvement v "
                             "JOIN ppg_change c ON c.id = v.change_id "
                             "WHERE (?1 = 0 OR v.id = ?1) AND (?2 IS NULL OR c.network = ?2) "
                             "AND (?3 = 0 OR v.group_id = ?3) AND (?4 = 0 OR v.change_id = ?4) "
                             "ORDER BY v.change_id, v.date, v.id",
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum ppg_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_ppg, (int)which);
}

/* An id, 0 meaning none (SQL NULL); a count, -1 meaning not known. */
static void bind_ref(sqlite3_stmt *st, int i, int64_t id)
{
    if (id > 0)
        (void)sqlite3_bind_int64(st, i, id);
    else
        (void)sqlite3_bind_null(st, i);
}

static void bind_people(sqlite3_stmt *st, int i, int64_t people)
{
    if (people >= 0)
        (void)sqlite3_bind_int64(st, i, people);
    else
        (void)sqlite3_bind_null(st, i);
}

static void bind_code(sqlite3_stmt *st, int i, enum pcn_ppg_vocab v, int value)
{
    (void)pcn__bind_text(st, i, pcn_ppg_code(v, value));
}

static int64_t col_ref(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static int64_t col_people(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static int col_code(sqlite3_stmt *st, int i, enum pcn_ppg_vocab v)
{
    return pcn__ppg_value(v, pcn__col_text(st, i));
}

/* The filter's parameters: ?1 id, ?2 network, ?3 group, ?4 the fourth (change or published). */
static void bind_filter(sqlite3_stmt *st, const struct pcn_ppg_filter *f, int64_t fourth)
{
    (void)sqlite3_bind_int64(st, 1, f->id);
    (void)pcn__bind_text(st, 2, f->network);
    (void)sqlite3_bind_int64(st, 3, f->group_id);
    (void)sqlite3_bind_int64(st, 4, fourth);
}

/*
 * Finish a put: an add reports its new id, an update that changed no row
 * is stale (ECONFLICT) or names no record (ENOTFOUND).
 */
static enum pcn_err finish_put(struct sqlite_store *ss, enum ppg_sql exists, const char *what,
                               int64_t id, int64_t version, int changes, int64_t *ret_id,
                               int64_t *ret_version)
{
    if (id == 0) {
        if (ret_id)
            *ret_id = sqlite3_last_insert_rowid(ss->db);
        if (ret_version)
            *ret_version = 1;
        return PCN_OK;
    }
    if (changes == 0) {
        sqlite3_stmt *st = stmt(ss, exists);
        int rc;
        if (!st)
            return PCN_ESTORAGE;
        (void)sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        (void)sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return pcn__sqlite_fail(ss, rc, what);
        return pcn__ppg_stale(&ss->head, what, id, version, rc == SQLITE_ROW);
    }
    if (ret_id)
        *ret_id = id;
    if (ret_version)
        *ret_version = version + 1;
    return PCN_OK;
}

/* ---- groups ---- */

static enum pcn_err sqlite_put_group(struct pcn_store *s, const struct pcn_ppg_group *g,
                                     int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, g->id ? SQL_GROUP_UPDATE : SQL_GROUP_ADD);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    if (g->id)
        (void)sqlite3_bind_int64(st, 1, g->id);
    (void)pcn__bind_text(st, 2, g->network);
    (void)pcn__bind_text(st, 3, g->practice);
    (void)pcn__bind_text(st, 4, g->name);
    (void)pcn__bind_date(st, 5, g->formed);
    if (g->id)
        (void)sqlite3_bind_int64(st, 6, g->version);
    rc = pcn__sqlite_step_write(ss, st, "saving group", &changes);
    if (rc == PCN_OK)
        rc = finish_put(ss, SQL_GROUP_EXISTS, "group", g->id, g->version, changes, ret_id,
                        ret_version);
    return rc;
}

static int group_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_ppg_group g = {
        .id = sqlite3_column_int64(st, 0),
        .network = pcn__col_text(st, 1),
        .practice = pcn__col_text(st, 2),
        .name = pcn__col_text(st, 3),
        .formed = pcn__col_date(st, 4),
        .version = sqlite3_column_int64(st, 5),
    };
    return ((pcn_ppg_group_fn)fn)(&g, ud);
}

static enum pcn_err sqlite_each_group(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                      pcn_ppg_group_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_GROUP_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, f->id);
    (void)pcn__bind_text(st, 2, f->network);
    (void)sqlite3_bind_int64(st, 3, f->group_id);
    return pcn__sqlite_walk(ss, st, group_row, (pcn__any_fn)fn, ud, NULL, "listing groups");
}

/* ---- members ---- */

static void bind_member(sqlite3_stmt *st, const struct pcn_ppg_member *m)
{
    (void)sqlite3_bind_int64(st, 2, m->group_id);
    (void)pcn__bind_text(st, 3, m->name);
    (void)pcn__bind_text(st, 4, m->email && *m->email ? m->email : NULL);
    (void)pcn__bind_text(st, 5, m->phone && *m->phone ? m->phone : NULL);
    (void)sqlite3_bind_int(st, 6, m->consent ? 1 : 0);
    bind_code(st, 7, PCN_PPG_V_ROLE, (int)m->role);
    bind_code(st, 8, PCN_PPG_V_AGE, (int)m->age);
    bind_code(st, 9, PCN_PPG_V_SEX, (int)m->sex);
    bind_code(st, 10, PCN_PPG_V_ETH, (int)m->eth);
    (void)pcn__bind_text(st, 11, m->district && *m->district ? m->district : NULL);
    bind_ref(st, 12, m->quintile);
    bind_code(st, 13, PCN_PPG_V_YESNO, (int)m->carer);
    bind_code(st, 14, PCN_PPG_V_YESNO, (int)m->disability);
    bind_code(st, 15, PCN_PPG_V_YESNO, (int)m->ltc);
    (void)sqlite3_bind_int(st, 16, m->joined);
    (void)pcn__bind_date(st, 17, m->left);
    (void)pcn__bind_date(st, 18, m->withdrawn);
}

static enum pcn_err sqlite_put_member(struct pcn_store *s, const struct pcn_ppg_member *m,
                                      int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, m->id ? SQL_MEMBER_UPDATE : SQL_MEMBER_ADD);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    bind_member(st, m);
    if (m->id) {
        (void)sqlite3_bind_int64(st, 1, m->id);
        (void)sqlite3_bind_int64(st, 19, m->version);
    }
    rc = pcn__sqlite_step_write(ss, st, "saving member", &changes);
    if (rc == PCN_OK)
        rc = finish_put(ss, SQL_MEMBER_EXISTS, "member", m->id, m->version, changes, ret_id,
                        ret_version);
    return rc;
}

static int member_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_ppg_member m = {
        .id = sqlite3_column_int64(st, 0),
        .group_id = sqlite3_column_int64(st, 1),
        .name = pcn__col_text(st, 2),
        .email = pcn__col_text(st, 3),
        .phone = pcn__col_text(st, 4),
        .consent = sqlite3_column_int(st, 5),
        .role = (enum pcn_ppg_role)col_code(st, 6, PCN_PPG_V_ROLE),
        .age = (enum pcn_ppg_age)col_code(st, 7, PCN_PPG_V_AGE),
        .sex = (enum pcn_ppg_sex)col_code(st, 8, PCN_PPG_V_SEX),
        .eth = (enum pcn_ppg_eth)col_code(st, 9, PCN_PPG_V_ETH),
        .district = pcn__col_text(st, 10),
        .quintile = (int)col_ref(st, 11),
        .carer = (enum pcn_ppg_yesno)col_code(st, 12, PCN_PPG_V_YESNO),
        .disability = (enum pcn_ppg_yesno)col_code(st, 13, PCN_PPG_V_YESNO),
        .ltc = (enum pcn_ppg_yesno)col_code(st, 14, PCN_PPG_V_YESNO),
        .joined = pcn__col_date(st, 15),
        .left = pcn__col_date(st, 16),
        .withdrawn = pcn__col_date(st, 17),
        .version = sqlite3_column_int64(st, 18),
    };
    return ((pcn_ppg_member_fn)fn)(&m, ud);
}

static enum pcn_err sqlite_each_member(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_member_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_MEMBER_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, f->id);
    (void)pcn__bind_text(st, 2, f->network);
    (void)sqlite3_bind_int64(st, 3, f->group_id);
    return pcn__sqlite_walk(ss, st, member_row, (pcn__any_fn)fn, ud, NULL, "listing members");
}

/* ---- activities ---- */

static enum pcn_err put_activity_groups(struct sqlite_store *ss, int64_t id,
                                        const struct pcn_ppg_activity *a)
{
    sqlite3_stmt *st = stmt(ss, SQL_ACTIVITY_GROUPS_CLEAR);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    rc = pcn__sqlite_step_write(ss, st, "saving the activity's groups", NULL);
    for (size_t i = 0; rc == PCN_OK && i < a->n_groups; i++) {
        st = stmt(ss, SQL_ACTIVITY_GROUP_ADD);
        if (!st)
            return PCN_ESTORAGE;
        (void)sqlite3_bind_int64(st, 1, id);
        (void)sqlite3_bind_int64(st, 2, a->groups[i]);
        rc = pcn__sqlite_step_write(ss, st, "saving the activity's groups", NULL);
    }
    return rc;
}

static enum pcn_err sqlite_put_activity(struct pcn_store *s, const struct pcn_ppg_activity *a,
                                        int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, a->id ? SQL_ACTIVITY_UPDATE : SQL_ACTIVITY_ADD);
    int64_t id = 0;
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    if (a->id) {
        (void)sqlite3_bind_int64(st, 1, a->id);
        (void)sqlite3_bind_int64(st, 11, a->version);
    }
    (void)pcn__bind_text(st, 2, a->network);
    bind_code(st, 3, PCN_PPG_V_KIND, (int)a->kind);
    bind_code(st, 4, PCN_PPG_V_RUNG, (int)a->rung);
    (void)pcn__bind_text(st, 5, a->title);
    (void)sqlite3_bind_int(st, 6, a->held);
    bind_people(st, 7, a->people);
    (void)pcn__bind_text(st, 8, a->questions);
    (void)pcn__bind_text(st, 9, a->heard);
    bind_ref(st, 10, a->change_id);
    rc = pcn__sqlite_step_write(ss, st, "saving activity", &changes);
    if (rc == PCN_OK)
        rc = finish_put(ss, SQL_ACTIVITY_EXISTS, "activity", a->id, a->version, changes, &id,
                        ret_version);
    if (rc == PCN_OK)
        rc = put_activity_groups(ss, id, a);
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

static int activity_row(sqlite3_stmt *st, pcn__any_fn unused, void *ud)
{
    struct activity_walk *w = ud;
    int64_t ids[PCN_PPG_GROUPS_MAX];
    size_t n = 0;
    struct pcn_ppg_activity a = {
        .id = sqlite3_column_int64(st, 0),
        .network = pcn__col_text(st, 1),
        .kind = (enum pcn_ppg_kind)col_code(st, 2, PCN_PPG_V_KIND),
        .rung = (enum pcn_ppg_rung)col_code(st, 3, PCN_PPG_V_RUNG),
        .title = pcn__col_text(st, 4),
        .held = pcn__col_date(st, 5),
        .people = col_people(st, 6),
        .questions = pcn__col_text(st, 7),
        .heard = pcn__col_text(st, 8),
        .change_id = col_ref(st, 9),
        .version = sqlite3_column_int64(st, 10),
        .groups = ids,
    };

    (void)unused;
    w->rc = pcn__ppg_group_ids(w->s, pcn__col_text(st, 11), ids, &n);
    if (w->rc != PCN_OK)
        return 1;
    a.n_groups = n;
    return w->fn(&a, w->ud);
}

static enum pcn_err sqlite_each_activity(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_activity_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_ACTIVITY_EACH);
    struct activity_walk w = {fn, ud, s, PCN_OK};
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    bind_filter(st, f, f->change_id);
    rc = pcn__sqlite_walk(ss, st, activity_row, NULL, &w, NULL, "listing activities");
    return rc == PCN_OK ? w.rc : rc;
}

/* ---- feedback ---- */

static enum pcn_err sqlite_put_feedback(struct pcn_store *s, const struct pcn_ppg_feedback *fb,
                                        int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, fb->id ? SQL_FEEDBACK_UPDATE : SQL_FEEDBACK_ADD);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    if (fb->id) {
        (void)sqlite3_bind_int64(st, 1, fb->id);
        (void)sqlite3_bind_int64(st, 13, fb->version);
    }
    (void)pcn__bind_text(st, 2, fb->network);
    bind_ref(st, 3, fb->group_id);
    bind_ref(st, 4, fb->activity_id);
    (void)sqlite3_bind_int(st, 5, fb->received);
    (void)pcn__bind_text(st, 6, fb->said);
    (void)pcn__bind_text(st, 7, fb->response && *fb->response ? fb->response : NULL);
    (void)pcn__bind_date(st, 8, fb->responded);
    bind_code(st, 9, PCN_PPG_V_OUTCOME, (int)fb->outcome);
    (void)pcn__bind_text(st, 10, fb->reason && *fb->reason ? fb->reason : NULL);
    (void)pcn__bind_date(st, 11, fb->outcome_date);
    (void)sqlite3_bind_int(st, 12, fb->published ? 1 : 0);
    rc = pcn__sqlite_step_write(ss, st, "saving feedback", &changes);
    if (rc == PCN_OK)
        rc = finish_put(ss, SQL_FEEDBACK_EXISTS, "feedback", fb->id, fb->version, changes, ret_id,
                        ret_version);
    return rc;
}

static int feedback_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_ppg_feedback fb = {
        .id = sqlite3_column_int64(st, 0),
        .network = pcn__col_text(st, 1),
        .group_id = col_ref(st, 2),
        .activity_id = col_ref(st, 3),
        .received = pcn__col_date(st, 4),
        .said = pcn__col_text(st, 5),
        .response = pcn__col_text(st, 6),
        .responded = pcn__col_date(st, 7),
        .outcome = (enum pcn_ppg_outcome)col_code(st, 8, PCN_PPG_V_OUTCOME),
        .reason = pcn__col_text(st, 9),
        .outcome_date = pcn__col_date(st, 10),
        .published = sqlite3_column_int(st, 11),
        .version = sqlite3_column_int64(st, 12),
    };
    return ((pcn_ppg_feedback_fn)fn)(&fb, ud);
}

static enum pcn_err sqlite_each_feedback(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_feedback_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_FEEDBACK_EACH);

    if (!st)
        return PCN_ESTORAGE;
    bind_filter(st, f, f->published_only ? 1 : 0);
    return pcn__sqlite_walk(ss, st, feedback_row, (pcn__any_fn)fn, ud, NULL, "listing feedback");
}

/* ---- changes ---- */

static enum pcn_err sqlite_put_change(struct pcn_store *s, const struct pcn_ppg_change *c,
                                      int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, c->id ? SQL_CHANGE_UPDATE : SQL_CHANGE_ADD);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    if (c->id) {
        (void)sqlite3_bind_int64(st, 1, c->id);
        (void)sqlite3_bind_int64(st, 6, c->version);
    }
    (void)pcn__bind_text(st, 2, c->network);
    (void)pcn__bind_text(st, 3, c->title);
    (void)pcn__bind_text(st, 4, c->description && *c->description ? c->description : NULL);
    (void)pcn__bind_date(st, 5, c->started);
    rc = pcn__sqlite_step_write(ss, st, "saving change", &changes);
    if (rc == PCN_OK)
        rc = finish_put(ss, SQL_CHANGE_EXISTS, "change", c->id, c->version, changes, ret_id,
                        ret_version);
    return rc;
}

static int change_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_ppg_change c = {
        .id = sqlite3_column_int64(st, 0),
        .network = pcn__col_text(st, 1),
        .title = pcn__col_text(st, 2),
        .description = pcn__col_text(st, 3),
        .started = pcn__col_date(st, 4),
        .version = sqlite3_column_int64(st, 5),
    };
    return ((pcn_ppg_change_fn)fn)(&c, ud);
}

static enum pcn_err sqlite_each_change(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_change_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CHANGE_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, f->id);
    (void)pcn__bind_text(st, 2, f->network);
    return pcn__sqlite_walk(ss, st, change_row, (pcn__any_fn)fn, ud, NULL, "listing changes");
}

/* ---- involvement ---- */

static enum pcn_err sqlite_add_involvement(struct pcn_store *s, const struct pcn_ppg_involvement *v,
                                           int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_INVOLVEMENT_ADD);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, v->change_id);
    bind_code(st, 2, PCN_PPG_V_STAGE, (int)v->stage);
    bind_ref(st, 3, v->group_id);
    (void)pcn__bind_text(st, 4, v->group_id > 0 ? NULL : v->who);
    bind_code(st, 5, PCN_PPG_V_RUNG, (int)v->rung);
    (void)sqlite3_bind_int(st, 6, v->date);
    bind_people(st, 7, v->people);
    bind_ref(st, 8, v->activity_id);
    (void)pcn__bind_text(st, 9, v->note && *v->note ? v->note : NULL);
    rc = pcn__sqlite_step_write(ss, st, "saving involvement", NULL);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static enum pcn_err sqlite_remove_involvement(struct pcn_store *s, int64_t id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_INVOLVEMENT_REMOVE);
    int changes = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    rc = pcn__sqlite_step_write(ss, st, "removing involvement", &changes);
    if (rc == PCN_OK && changes == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no involvement %lld", (long long)id);
    return rc;
}

static int involvement_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_ppg_involvement v = {
        .id = sqlite3_column_int64(st, 0),
        .change_id = sqlite3_column_int64(st, 1),
        .stage = (enum pcn_ppg_stage)col_code(st, 2, PCN_PPG_V_STAGE),
        .group_id = col_ref(st, 3),
        .who = pcn__col_text(st, 4),
        .rung = (enum pcn_ppg_rung)col_code(st, 5, PCN_PPG_V_RUNG),
        .date = pcn__col_date(st, 6),
        .people = col_people(st, 7),
        .activity_id = col_ref(st, 8),
        .note = pcn__col_text(st, 9),
    };
    return ((pcn_ppg_involvement_fn)fn)(&v, ud);
}

static enum pcn_err sqlite_each_involvement(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                            pcn_ppg_involvement_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_INVOLVEMENT_EACH);

    if (!st)
        return PCN_ESTORAGE;
    bind_filter(st, f, f->change_id);
    return pcn__sqlite_walk(ss, st, involvement_row, (pcn__any_fn)fn, ud, NULL,
                            "listing involvement");
}

static const struct pcn__store_ppg_ops ppg_ops = {
    .put_group = sqlite_put_group,
    .each_group = sqlite_each_group,
    .put_member = sqlite_put_member,
    .each_member = sqlite_each_member,
    .put_activity = sqlite_put_activity,
    .each_activity = sqlite_each_activity,
    .put_feedback = sqlite_put_feedback,
    .each_feedback = sqlite_each_feedback,
    .put_change = sqlite_put_change,
    .each_change = sqlite_each_change,
    .add_involvement = sqlite_add_involvement,
    .remove_involvement = sqlite_remove_involvement,
    .each_involvement = sqlite_each_involvement,
};

const struct pcn__sqlite_domain pcn__sqlite_ppg = {
    .impl = {.domain = &pcn__store_ppg, .ops = &ppg_ops},
    .sql = ppg_sql,
    .n_sql = SQL_PPG_COUNT_,
};
