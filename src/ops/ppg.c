/*
 * ppg.c - the patient partnership services (pcn/ppg_ops.h): each save
 * checks the record, then that everything it names exists in the same
 * network (a practice that is a member of it, groups, a change, an
 * activity), then the caller's scope, then stores it. Reads of the record
 * being changed copy what the rules need out of the store's callback.
 */
#include "pcn/ppg_ops.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "pcn/registry_ops.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "util/common.h"

/* The store's message for a failed call, as the service's error. */
static enum pcn_err store_error(struct pcn_store *s, enum pcn_err rc, struct pcn_error *reterr)
{
    return pcn_error_set(reterr, rc, "%s", pcn_store_errmsg(s));
}

static enum pcn_err checked(enum pcn_err rc, const struct pcn_error *e, struct pcn_error *reterr)
{
    if (rc != PCN_OK && reterr && reterr != e)
        *reterr = *e;
    return rc;
}

static int found_row(const struct pcn_network *n, void *ud)
{
    (void)n;
    *(bool *)ud = true;
    return 1;
}

static enum pcn_err network_exists(struct pcn_store *s, const char *code, struct pcn_error *reterr)
{
    bool found = false;
    enum pcn_err rc = pcn_store_get_network(s, code, found_row, &found);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EINVAL, "network: no network %s in the registry", code);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

/* ---- groups ---- */

struct group_home {
    bool found;
    char network[8];
    char practice[8];
};

static int take_group(const struct pcn_ppg_group *g, void *ud)
{
    struct group_home *h = ud;

    h->found = true;
    (void)snprintf(h->network, sizeof(h->network), "%s", g->network);
    (void)snprintf(h->practice, sizeof(h->practice), "%s", g->practice ? g->practice : "");
    return 1;
}

enum pcn_err pcn_ppg_group_home(struct pcn_store *s, int64_t id, char ret[8], char ret_practice[8])
{
    struct pcn_ppg_filter f = {.id = id};
    struct group_home h = {false, "", ""};
    enum pcn_err rc = id > 0 ? pcn_store_each_ppg_group(s, &f, take_group, &h) : PCN_OK;

    if (rc != PCN_OK)
        return rc;
    if (!h.found)
        return PCN_ENOTFOUND;
    memcpy(ret, h.network, sizeof(h.network));
    if (ret_practice)
        memcpy(ret_practice, h.practice, sizeof(h.practice));
    return PCN_OK;
}

/* Group id must exist in `network`; `field` names it in the message. */
static enum pcn_err group_in(struct pcn_store *s, const char *field, int64_t id,
                             const char *network, char ret_practice[8], struct pcn_error *reterr)
{
    char net[8];
    enum pcn_err rc = pcn_ppg_group_home(s, id, net, ret_practice);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "%s: no group %lld", field, (long long)id);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (strcmp(net, network) != 0)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: group %lld belongs to network %s, not %s",
                             field, (long long)id, net, network);
    return PCN_OK;
}

static enum pcn_err need(bool allowed, const char *what, struct pcn_error *reterr)
{
    return allowed ? PCN_OK : pcn_error_set(reterr, PCN_EPERM, "your role may not %s", what);
}

enum pcn_err pcn_ppg_save_group(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                struct pcn_ppg_group *g, struct pcn_error *reterr)
{
    struct pcn_error e;
    char net[8], prac[8];
    enum pcn_err rc = checked(pcn_ppg_group_check(g, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = need(sc->may_edit_network, "add or change groups", reterr);
    if (rc == PCN_OK)
        rc = network_exists(s, g->network, reterr);
    if (rc != PCN_OK)
        return rc;
    if (g->practice) {
        rc = pcn_registry_network_of(s, g->practice, pcn_date_today(), net);
        if (rc == PCN_ENOTFOUND || (rc == PCN_OK && strcmp(net, g->network) != 0))
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "practice: %s is not a member of network %s today", g->practice,
                                 g->network);
        if (rc != PCN_OK)
            return store_error(s, rc, reterr);
    }
    if (g->id) {
        /* a group stays with its practice: a practice's PPG is not moved to another */
        rc = pcn_ppg_group_home(s, g->id, net, prac);
        if (rc == PCN_ENOTFOUND)
            return pcn_error_set(reterr, rc, "no group %lld", (long long)g->id);
        if (rc != PCN_OK)
            return store_error(s, rc, reterr);
        if (strcmp(prac, g->practice ? g->practice : "") != 0)
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "practice: a group's practice cannot change (it was '%s')", prac);
    }
    rc = pcn_store_put_ppg_group(s, g, &g->id, &g->version);
    if (rc == PCN_ECONFLICT && !g->id)
        return pcn_error_set(reterr, rc,
                             "%s already has a PPG, or the network has a group named '%s'",
                             g->practice ? g->practice : g->network, g->name);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

/* ---- members ---- */

/* A member read back, with room for its strings. */
struct member_copy {
    bool found;
    struct pcn_ppg_member m;
    char name[PCN_PPG_NAME_MAX + 1];
    char email[PCN_PPG_EMAIL_MAX + 1];
    char phone[PCN_PPG_PHONE_MAX + 1];
    char district[PCN_PPG_DISTRICT_SIZE];
};

static const char *keep(char *buf, size_t size, const char *s)
{
    if (!s)
        return NULL;
    (void)snprintf(buf, size, "%s", s);
    return buf;
}

static int take_member(const struct pcn_ppg_member *m, void *ud)
{
    struct member_copy *c = ud;

    c->found = true;
    c->m = *m;
    c->m.name = keep(c->name, sizeof(c->name), m->name);
    c->m.email = keep(c->email, sizeof(c->email), m->email);
    c->m.phone = keep(c->phone, sizeof(c->phone), m->phone);
    c->m.district = keep(c->district, sizeof(c->district), m->district);
    return 1;
}

static enum pcn_err read_member(struct pcn_store *s, int64_t id, struct member_copy *c,
                                struct pcn_error *reterr)
{
    struct pcn_ppg_filter f = {.id = id};
    enum pcn_err rc = pcn_store_each_ppg_member(s, &f, take_member, c);

    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!c->found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no member %lld", (long long)id);
    return PCN_OK;
}

/* May the caller change members of group id? */
static enum pcn_err member_scope(struct pcn_store *s, const struct pcn_ppg_scope *sc, int64_t id,
                                 struct pcn_error *reterr)
{
    char net[8], prac[8];
    enum pcn_err rc = need(sc->may_edit_members, "add or change members", reterr);

    if (rc != PCN_OK)
        return rc;
    rc = pcn_ppg_group_home(s, id, net, prac);
    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "group: no group %lld", (long long)id);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if ((sc->group_id && sc->group_id != id) || (sc->practice && strcmp(sc->practice, prac) != 0))
        return pcn_error_set(reterr, PCN_EPERM, "your role may change members of %s only",
                             sc->practice ? "your practice's PPG" : "your own group");
    return PCN_OK;
}

enum pcn_err pcn_ppg_save_member(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                 struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    struct member_copy old = {0};
    struct pcn_error e;
    enum pcn_err rc = checked(pcn_ppg_member_check(m, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = member_scope(s, sc, m->group_id, reterr);
    if (rc == PCN_OK && m->id) {
        rc = read_member(s, m->id, &old, reterr);
        if (rc == PCN_OK && old.m.group_id != m->group_id)
            rc = pcn_error_set(reterr, PCN_EINVAL,
                               "group: a member does not move group (they leave one and join "
                               "another)");
        if (rc == PCN_OK && old.m.withdrawn != PCN_DATE_NONE && m->withdrawn != old.m.withdrawn)
            rc = pcn_error_set(reterr, PCN_EINVAL,
                               "withdrawn: consent once withdrawn stays withdrawn (a member who "
                               "returns joins again)");
    }
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_put_ppg_member(s, m, &m->id, &m->version);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

/* Read member id at `version` for a change by the caller. */
static enum pcn_err member_for_change(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                      int64_t id, int64_t version, struct member_copy *c,
                                      struct pcn_error *reterr)
{
    enum pcn_err rc = read_member(s, id, c, reterr);

    if (rc == PCN_OK)
        rc = member_scope(s, sc, c->m.group_id, reterr);
    if (rc == PCN_OK && c->m.version != version)
        rc = pcn_error_set(reterr, PCN_ECONFLICT,
                           "member %lld was changed by someone else since version %lld; read it "
                           "again",
                           (long long)id, (long long)version);
    return rc;
}

enum pcn_err pcn_ppg_withdraw_consent(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                      int64_t id, int64_t version, int32_t on, int64_t *ret_version,
                                      struct pcn_error *reterr)
{
    struct member_copy c = {0};
    enum pcn_err rc = member_for_change(s, sc, id, version, &c, reterr);

    if (rc != PCN_OK)
        return rc;
    if (c.m.withdrawn != PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "withdrawn: consent was already withdrawn");
    if (on == PCN_DATE_NONE || on < c.m.joined)
        return pcn_error_set(reterr, PCN_EINVAL, "date: not before the member joined");
    c.m.name = c.m.email = c.m.phone = c.m.district = NULL;
    c.m.consent = 0;
    c.m.withdrawn = on;
    rc = pcn_ppg_save_member(s, sc, &c.m, reterr);
    if (rc == PCN_OK && ret_version)
        *ret_version = c.m.version;
    return rc;
}

enum pcn_err pcn_ppg_member_leave(struct pcn_store *s, const struct pcn_ppg_scope *sc, int64_t id,
                                  int64_t version, int32_t on, int64_t *ret_version,
                                  struct pcn_error *reterr)
{
    struct member_copy c = {0};
    enum pcn_err rc = member_for_change(s, sc, id, version, &c, reterr);

    if (rc != PCN_OK)
        return rc;
    if (c.m.left != PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "left: the member already left");
    c.m.left = on;
    rc = pcn_ppg_save_member(s, sc, &c.m, reterr);
    if (rc == PCN_OK && ret_version)
        *ret_version = c.m.version;
    return rc;
}

/* ---- activities ---- */

struct activity_copy {
    bool found;
    char network[8];
    bool has_group; /* the scope's group took part */
    int64_t want;
};

static int take_activity(const struct pcn_ppg_activity *a, void *ud)
{
    struct activity_copy *c = ud;

    c->found = true;
    (void)snprintf(c->network, sizeof(c->network), "%s", a->network);
    for (size_t i = 0; i < a->n_groups; i++)
        c->has_group |= a->groups[i] == c->want;
    return 1;
}

/* Activity id (0: none) must exist in network; *ret_has_group: group `want` took part. */
static enum pcn_err activity_in(struct pcn_store *s, const char *field, int64_t id,
                                const char *network, int64_t want, bool *ret_has_group,
                                struct pcn_error *reterr)
{
    struct pcn_ppg_filter f = {.id = id};
    struct activity_copy c = {false, "", false, want};
    enum pcn_err rc;

    if (id == 0)
        return PCN_OK;
    rc = pcn_store_each_ppg_activity(s, &f, take_activity, &c);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!c.found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "%s: no activity %lld", field, (long long)id);
    if (strcmp(c.network, network) != 0)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: activity %lld belongs to network %s", field,
                             (long long)id, c.network);
    if (ret_has_group)
        *ret_has_group = c.has_group;
    return PCN_OK;
}

struct change_copy {
    bool found;
    char network[8];
};

static int take_change(const struct pcn_ppg_change *c, void *ud)
{
    struct change_copy *k = ud;

    k->found = true;
    (void)snprintf(k->network, sizeof(k->network), "%s", c->network);
    return 1;
}

/* Change id (0: none) must exist; its network goes to ret (8 bytes) when not NULL. */
static enum pcn_err change_of(struct pcn_store *s, const char *field, int64_t id,
                              const char *network, char *ret, struct pcn_error *reterr)
{
    struct pcn_ppg_filter f = {.id = id};
    struct change_copy c = {false, ""};
    enum pcn_err rc;

    if (id == 0)
        return PCN_OK;
    rc = pcn_store_each_ppg_change(s, &f, take_change, &c);
    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!c.found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "%s: no change %lld", field, (long long)id);
    if (network && strcmp(c.network, network) != 0)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: change %lld belongs to network %s", field,
                             (long long)id, c.network);
    if (ret)
        memcpy(ret, c.network, sizeof(c.network));
    return PCN_OK;
}

static enum pcn_err own_group_only(const struct pcn_ppg_scope *sc, bool took_part, const char *what,
                                   struct pcn_error *reterr)
{
    if (sc->group_id && !took_part)
        return pcn_error_set(reterr, PCN_EPERM, "your role may %s only for your own group (%lld)",
                             what, (long long)sc->group_id);
    return PCN_OK;
}

enum pcn_err pcn_ppg_save_activity(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                   struct pcn_ppg_activity *a, struct pcn_error *reterr)
{
    struct pcn_error e;
    bool mine = false;
    enum pcn_err rc = checked(pcn_ppg_activity_check(a, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = network_exists(s, a->network, reterr);
    for (size_t i = 0; rc == PCN_OK && i < a->n_groups; i++) {
        rc = group_in(s, "groups", a->groups[i], a->network, NULL, reterr);
        mine |= a->groups[i] == sc->group_id;
    }
    if (rc == PCN_OK)
        rc = change_of(s, "change", a->change_id, a->network, NULL, reterr);
    if (rc == PCN_OK)
        rc = own_group_only(sc, mine, "record activities", reterr);
    if (rc == PCN_OK && a->id) {
        bool was_mine = false;
        rc = activity_in(s, "id", a->id, a->network, sc->group_id, &was_mine, reterr);
        if (rc == PCN_OK)
            rc = own_group_only(sc, was_mine, "change activities", reterr);
    }
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_put_ppg_activity(s, a, &a->id, &a->version);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

/* ---- feedback ---- */

struct feedback_copy {
    bool found;
    char network[8];
    int64_t group_id;
    int published;
};

static int take_feedback(const struct pcn_ppg_feedback *f, void *ud)
{
    struct feedback_copy *c = ud;

    c->found = true;
    (void)snprintf(c->network, sizeof(c->network), "%s", f->network);
    c->group_id = f->group_id;
    c->published = f->published;
    return 1;
}

/* The rules for a feedback item the caller is changing (scope and publishing). */
static enum pcn_err feedback_rules(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                   const struct pcn_ppg_feedback *f, struct pcn_error *reterr)
{
    struct feedback_copy old = {false, "", 0, 0};
    struct pcn_ppg_filter flt = {.id = f->id};
    enum pcn_err rc = own_group_only(sc, f->group_id == sc->group_id, "record feedback", reterr);

    if (rc == PCN_OK && f->id) {
        rc = pcn_store_each_ppg_feedback(s, &flt, take_feedback, &old);
        if (rc != PCN_OK)
            return store_error(s, rc, reterr);
        if (!old.found)
            return pcn_error_set(reterr, PCN_ENOTFOUND, "no feedback %lld", (long long)f->id);
        if (strcmp(old.network, f->network) != 0)
            return pcn_error_set(reterr, PCN_EINVAL, "network: feedback stays in its network");
        rc = own_group_only(sc, old.group_id == sc->group_id, "change feedback", reterr);
    }
    if (rc == PCN_OK && !sc->may_publish && (f->published || old.published))
        rc = pcn_error_set(reterr, PCN_EPERM,
                           "your role may not publish feedback or change what is published");
    return rc;
}

enum pcn_err pcn_ppg_save_feedback(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                   struct pcn_ppg_feedback *f, struct pcn_error *reterr)
{
    struct pcn_error e;
    enum pcn_err rc = checked(pcn_ppg_feedback_check(f, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = network_exists(s, f->network, reterr);
    if (rc == PCN_OK && f->group_id)
        rc = group_in(s, "group", f->group_id, f->network, NULL, reterr);
    if (rc == PCN_OK)
        rc = activity_in(s, "activity", f->activity_id, f->network, 0, NULL, reterr);
    if (rc == PCN_OK)
        rc = feedback_rules(s, sc, f, reterr);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_put_ppg_feedback(s, f, &f->id, &f->version);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

/* ---- service changes and involvement ---- */

enum pcn_err pcn_ppg_save_change(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                 struct pcn_ppg_change *c, struct pcn_error *reterr)
{
    struct pcn_error e;
    enum pcn_err rc = checked(pcn_ppg_change_check(c, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = need(sc->may_edit_network, "add or change service changes", reterr);
    if (rc == PCN_OK)
        rc = network_exists(s, c->network, reterr);
    if (rc == PCN_OK && c->id)
        rc = change_of(s, "id", c->id, c->network, NULL, reterr);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_put_ppg_change(s, c, &c->id, &c->version);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

enum pcn_err pcn_ppg_add_involvement(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                     struct pcn_ppg_involvement *v, struct pcn_error *reterr)
{
    struct pcn_error e;
    char network[8] = "";
    enum pcn_err rc = checked(pcn_ppg_involvement_check(v, &e), &e, reterr);

    if (rc == PCN_OK)
        rc = change_of(s, "change", v->change_id, NULL, network, reterr);
    if (rc == PCN_OK && v->group_id)
        rc = group_in(s, "group", v->group_id, network, NULL, reterr);
    if (rc == PCN_OK)
        rc = activity_in(s, "activity", v->activity_id, network, 0, NULL, reterr);
    if (rc == PCN_OK)
        rc = own_group_only(sc, v->group_id == sc->group_id, "record involvement", reterr);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_add_ppg_involvement(s, v, &v->id);
    return rc == PCN_OK ? PCN_OK : store_error(s, rc, reterr);
}

struct involvement_copy {
    bool found;
    int64_t group_id;
};

static int take_involvement(const struct pcn_ppg_involvement *v, void *ud)
{
    struct involvement_copy *c = ud;

    c->found = true;
    c->group_id = v->group_id;
    return 1;
}

enum pcn_err pcn_ppg_remove_involvement(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                        int64_t id, struct pcn_error *reterr)
{
    struct pcn_ppg_filter f = {.id = id};
    struct involvement_copy c = {false, 0};
    enum pcn_err rc = id > 0 ? pcn_store_each_ppg_involvement(s, &f, take_involvement, &c) : PCN_OK;

    if (rc != PCN_OK)
        return store_error(s, rc, reterr);
    if (!c.found)
        return pcn_error_set(reterr, PCN_ENOTFOUND, "no involvement %lld", (long long)id);
    rc = own_group_only(sc, c.group_id == sc->group_id, "remove involvement", reterr);
    if (rc == PCN_OK)
        rc = pcn_store_remove_ppg_involvement(s, id);
    return rc == PCN_OK || rc == PCN_EPERM ? rc : store_error(s, rc, reterr);
}
