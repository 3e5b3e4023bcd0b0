/*
 * workforce_reports.c - a network's WTE report and its comparison with the
 * other networks and England, from the store: the register, the members'
 * lists, the registry's sites (for WTE by practice) and the census. The
 * CLI (pcn workforce report | compare) and the API (/workforce/summary,
 * /workforce/compare) both call these, so they give one table.
 *
 * A comparison needs England: every network's list and the census totals,
 * the same for every network asked about. They are read once per database,
 * committed data version and date, and shared (read-only, counted) by the
 * comparisons that follow, so each network's costs only its own reading.
 */
#include "pcn/workforce_ops.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "pcn/views_workforce.h"
#include "util/common.h"

/* The registry's named sites and their practices, read once. */
struct site_map {
    struct pcn_strmap *index; /* site name -> practices[] */
    char **practices;
    size_t n;
    size_t alloc;
    enum pcn_err rc;
};

static int site_row(const struct pcn_site *site, void *ud)
{
    struct site_map *m = ud;
    uint64_t at;
    int added = 0;

    if (!site->practice || !site->name)
        return 0;
    m->rc = pcn_strmap_intern(m->index, site->name, strlen(site->name), m->n, &at, &added);
    if (m->rc == PCN_OK && added) /* the first site of a name keeps it */
        m->rc = PCN_GROW(m->practices, m->n + 1, m->alloc);
    if (m->rc == PCN_OK && added) {
        m->practices[m->n] = pcn_strdup(site->practice);
        m->rc = m->practices[m->n] ? PCN_OK : PCN_ENOMEM;
        m->n += m->rc == PCN_OK;
    }
    return m->rc != PCN_OK;
}

static const char *practice_of_site(const char *site, void *ud)
{
    const struct site_map *m = ud;
    uint64_t at;

    return pcn_strmap_get(m->index, site, strlen(site), &at) ? m->practices[at] : NULL;
}

static void site_map_release(struct site_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        pcn_free(m->practices[i]);
    pcn_free(m->practices);
    pcn_strmap_free(m->index);
}

/* The store's message for a failed call, unless reterr already says why. */
static enum pcn_err failed(struct pcn_store *s, enum pcn_err rc, struct pcn_error *reterr)
{
    if (rc != PCN_OK && reterr && reterr->msg[0] == '\0')
        (void)pcn_error_set(reterr, rc, "%s",
                            rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
    return rc;
}

enum pcn_err pcn_workforce_summary(struct pcn_store *s, const struct pcn_roles *roles,
                                   const char *network, int32_t as_of, enum pcn_wte_by by,
                                   struct pcn_table **ret, struct pcn_error *reterr)
{
    struct pcn_network_facts *facts = NULL;
    struct pcn_staff *st = NULL;
    struct site_map map = {pcn_strmap_new(), NULL, 0, 0, PCN_OK};
    enum pcn_err rc = map.index ? PCN_OK : PCN_ENOMEM;

    pcn_error_clear(reterr);
    if (rc == PCN_OK)
        rc = pcn_network_facts_load(s, network, as_of, &facts, reterr);
    if (rc == PCN_OK)
        rc = pcn_workforce_load(s, roles, network, &st, reterr);
    if (rc == PCN_OK && by == PCN_WTE_BY_PRACTICE) {
        rc = pcn_store_each_site(s, site_row, &map);
        rc = rc == PCN_OK ? map.rc : rc;
    }
    if (rc == PCN_OK)
        rc = pcn_view_workforce_wte(st, roles, as_of, by, facts->registered, practice_of_site, &map,
                                    ret);
    site_map_release(&map);
    pcn_staff_free(st);
    pcn_network_facts_free(facts);
    return failed(s, rc, reterr);
}

/* England as a comparison sees it: immutable once built; freed with its last user. */
struct baseline {
    char database[40];
    int64_t version;
    int32_t as_of;
    int refs; /* guarded by baseline_lock */
    struct pcn_census_totals *census;
    struct pcn_network_list *lists;
    size_t n_lists;
};

static pthread_mutex_t baseline_lock = PTHREAD_MUTEX_INITIALIZER;
static struct baseline *baseline_cached;

static void baseline_free(struct baseline *b)
{
    pcn_census_totals_free(b->census);
    pcn_network_lists_free(b->lists, b->n_lists);
    pcn_free(b);
}

static void baseline_release(struct baseline *b)
{
    bool last;

    if (!b)
        return;
    (void)pthread_mutex_lock(&baseline_lock);
    last = --b->refs == 0;
    (void)pthread_mutex_unlock(&baseline_lock);
    if (last)
        baseline_free(b);
}

/* The cached baseline if it is this database's at this version and date (a reference), or NULL. */
static struct baseline *baseline_find(const char *database, int64_t version, int32_t as_of)
{
    struct baseline *b;

    (void)pthread_mutex_lock(&baseline_lock);
    b = baseline_cached;
    if (b && b->version == version && b->as_of == as_of && strcmp(b->database, database) == 0)
        b->refs++;
    else
        b = NULL;
    (void)pthread_mutex_unlock(&baseline_lock);
    return b;
}

/* Keep b as the cached baseline (it then has the cache's reference and the caller's). */
static void baseline_keep(struct baseline *b)
{
    struct baseline *old;

    (void)pthread_mutex_lock(&baseline_lock);
    old = baseline_cached;
    baseline_cached = b;
    b->refs = 2;
    (void)pthread_mutex_unlock(&baseline_lock);
    baseline_release(old);
}

/*
 * England for a comparison on as_of: the cached one when it is this
 * database's at its committed data version, else read and cached. Inside
 * a write transaction, or for a database without an identity, it is read
 * every time and not kept.
 */
static enum pcn_err baseline_get(struct pcn_store *s, const struct pcn_roles *roles, int32_t as_of,
                                 struct baseline **ret, struct pcn_error *reterr)
{
    char database[40] = "";
    int64_t version = -1;
    struct baseline *b;
    enum pcn_err rc;

    if (pcn_store_in_transaction(s) || /* it may read what is not committed */
        pcn_store_get_meta(s, PCN_META_DATABASE_ID, database, sizeof(database)) != PCN_OK ||
        pcn_store_data_version(s, &version) != PCN_OK)
        version = -1;
    *ret = version >= 0 ? baseline_find(database, version, as_of) : NULL;
    if (*ret)
        return PCN_OK;
    b = pcn_calloc(1, sizeof(*b));
    if (!b)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    (void)snprintf(b->database, sizeof(b->database), "%s", database);
    b->version = version;
    b->as_of = as_of;
    b->refs = 1;
    rc = pcn_workforce_census_totals(s, roles, as_of, &b->census, NULL, reterr);
    if (rc == PCN_OK)
        rc = pcn_network_lists(s, as_of, &b->lists, &b->n_lists, reterr);
    if (rc != PCN_OK) {
        baseline_free(b);
        return rc;
    }
    if (version >= 0)
        baseline_keep(b);
    *ret = b;
    return PCN_OK;
}

enum pcn_err pcn_workforce_comparison(struct pcn_store *s, const struct pcn_roles *roles,
                                      const char *network, int32_t as_of, enum pcn_wte_by by,
                                      struct pcn_table **ret, struct pcn_error *reterr)
{
    struct pcn_network_facts *facts = NULL;
    struct pcn_staff *st = NULL;
    struct baseline *england = NULL;
    enum pcn_err rc = PCN_OK;

    pcn_error_clear(reterr);
    if (by != PCN_WTE_BY_ROLE && by != PCN_WTE_BY_GROUP)
        return pcn_error_set(reterr, PCN_EINVAL, "a comparison is by role or group");
    rc = pcn_network_facts_load(s, network, as_of, &facts, reterr);
    if (rc == PCN_OK && facts->registered <= 0) {
        char day[PCN_DATE_STR_SIZE];
        pcn_date_format(as_of, day);
        rc = pcn_error_set(reterr, PCN_ENOTFOUND, "network %s has no registered list on %s",
                           network, day);
    }
    if (rc == PCN_OK)
        rc = pcn_workforce_load(s, roles, network, &st, reterr);
    if (rc == PCN_OK)
        rc = baseline_get(s, roles, as_of, &england, reterr);
    if (rc == PCN_OK)
        rc = pcn_view_workforce_compare(st, roles, as_of, network, facts->registered,
                                        england->census, england->lists, england->n_lists, by, ret);
    baseline_release(england);
    pcn_staff_free(st);
    pcn_network_facts_free(facts);
    return failed(s, rc, reterr);
}
