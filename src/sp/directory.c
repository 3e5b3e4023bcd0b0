/*
 * directory.c - the in-memory asset directory and its search. Assets live
 * in an arena (each struct at a fixed address, so pointers handed out stay
 * valid), with a lower-case copy of their searchable text beside them. A
 * search is one pass over the assets (filters, then the distance) and a
 * sort of the hits: 5,000 assets take well under a millisecond.
 */
#include "pcn/asset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "sp/sp_int.h"
#include "util/common.h"

struct dir_entry {
    struct pcn_asset *asset; /* in the arena */
    char *haystack;          /* lower-case name, organisation, description, address, postcode */
};

struct pcn_directory {
    struct pcn_arena *arena;
    struct dir_entry *entries;
    size_t n, alloc;
    struct pcn_strmap *by_id; /* decimal id -> index, for ids != 0 */
};

struct pcn_directory *pcn_directory_new(void)
{
    struct pcn_directory *d = pcn_calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    d->arena = pcn_arena_new((size_t)64 * 1024, 0);
    d->by_id = pcn_strmap_new();
    if (!d->arena || !d->by_id) {
        pcn_directory_free(d);
        return NULL;
    }
    return d;
}

void pcn_directory_free(struct pcn_directory *d)
{
    if (!d)
        return;
    pcn_arena_free(d->arena);
    pcn_strmap_free(d->by_id);
    pcn_free(d->entries);
    pcn_free(d);
}

size_t pcn__directory_mark(const struct pcn_directory *d)
{
    return d->n;
}

/*
 * Forget the assets added after mark (an all-or-nothing read that failed).
 * Their arena memory stays until the directory is freed.
 */
void pcn__directory_rollback(struct pcn_directory *d, size_t mark)
{
    for (size_t i = mark; i < d->n; i++) {
        char key[24];
        int64_t id = d->entries[i].asset->id;
        if (id) {
            int len = snprintf(key, sizeof(key), "%lld", (long long)id);
            (void)pcn_strmap_put(d->by_id, key, (size_t)len, UINT64_MAX);
        }
    }
    d->n = mark;
}

/* Lower-case ASCII letters in place (other bytes, including UTF-8, unchanged). */
static void lower(char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    }
}

static char *copy(struct pcn_arena *a, const char *s)
{
    return pcn_arena_strdup(a, s ? s : "");
}

enum pcn_err pcn_directory_add(struct pcn_directory *d, const struct pcn_asset *a,
                               const struct pcn_asset **ret, struct pcn_error *reterr)
{
    char key[24];
    int key_len = snprintf(key, sizeof(key), "%lld", (long long)a->id);
    uint64_t at = 0;

    enum pcn_err rc = pcn_asset_check(a, reterr);
    if (rc != PCN_OK)
        return rc;
    if (a->id && pcn_strmap_get(d->by_id, key, (size_t)key_len, &at) && at < d->n)
        return pcn_error_set(reterr, PCN_ECONFLICT, "id: asset %lld is already in the directory",
                             (long long)a->id);
    if (PCN_GROW(d->entries, d->n + 1, d->alloc) != PCN_OK)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    struct pcn_asset *c = pcn_arena_alloc(d->arena, sizeof(*c));
    if (!c)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    *c = *a;
    c->name = copy(d->arena, a->name);
    c->organisation = copy(d->arena, a->organisation);
    c->description = copy(d->arena, a->description);
    c->address = copy(d->arena, a->address);
    c->sessions_note = copy(d->arena, a->sessions_note);
    c->cost_note = copy(d->arena, a->cost_note);
    c->phone = copy(d->arena, a->phone);
    c->email = copy(d->arena, a->email);
    c->website = copy(d->arena, a->website);
    c->route_note = copy(d->arena, a->route_note);
    char *hay = pcn_arena_printf(d->arena, "%s\n%s\n%s\n%s\n%s", a->name, a->organisation,
                                 a->description, a->address, a->postcode);
    if (!c->name || !c->organisation || !c->description || !c->address || !c->sessions_note ||
        !c->cost_note || !c->phone || !c->email || !c->website || !c->route_note || !hay)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    lower(hay);
    if (a->id && pcn_strmap_put(d->by_id, key, (size_t)key_len, d->n) != PCN_OK)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    d->entries[d->n++] = (struct dir_entry){c, hay};
    if (ret)
        *ret = c;
    return PCN_OK;
}

size_t pcn_directory_count(const struct pcn_directory *d)
{
    return d->n;
}

const struct pcn_asset *pcn_directory_at(const struct pcn_directory *d, size_t i)
{
    return i < d->n ? d->entries[i].asset : NULL;
}

const struct pcn_asset *pcn_directory_find(const struct pcn_directory *d, int64_t id)
{
    char key[24];
    int len = snprintf(key, sizeof(key), "%lld", (long long)id);
    uint64_t at = 0;

    if (!id || !pcn_strmap_get(d->by_id, key, (size_t)len, &at) || at >= d->n)
        return NULL;
    return d->entries[at].asset;
}

/* The query's words, lower-cased, in buf; pointers to each in words. Returns the count. */
#define MAX_WORDS 16
static size_t split_words(const char *text, char *buf, size_t size, const char *words[MAX_WORDS])
{
    size_t n = 0;

    (void)snprintf(buf, size, "%s", text ? text : "");
    lower(buf);
    for (char *p = buf; *p && n < MAX_WORDS;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            *p++ = '\0';
        if (!*p)
            break;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
    }
    return n;
}

static bool matches(const struct dir_entry *e, const struct pcn_asset_query *q,
                    const char *const *words, size_t n_words, int32_t as_of, int *ret_stale)
{
    const struct pcn_asset *a = e->asset;

    if (!a->active && !q->include_inactive)
        return false;
    if (q->categories && !(a->categories & q->categories))
        return false;
    if ((a->access & q->access) != q->access)
        return false;
    if (q->age >= 0 && (q->age < a->min_age || q->age > a->max_age))
        return false;
    *ret_stale = pcn_asset_is_stale(a, as_of);
    if (q->only_stale && !*ret_stale)
        return false;
    for (size_t i = 0; i < n_words; i++) {
        if (!strstr(e->haystack, words[i]))
            return false;
    }
    return true;
}

/* Hits carry their insertion index for a stable final tie-break. */
struct ranked {
    struct pcn_asset_hit hit;
    size_t index;
};

static int cmp_name(const struct ranked *a, const struct ranked *b)
{
    int c = strcmp(a->hit.asset->name, b->hit.asset->name);

    if (c)
        return c;
    if (a->hit.asset->id != b->hit.asset->id)
        return a->hit.asset->id < b->hit.asset->id ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int cmp_by_name(const void *pa, const void *pb)
{
    return cmp_name(pa, pb);
}

static int cmp_by_distance(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    bool ha = a->hit.km >= 0, hb = b->hit.km >= 0;

    if (ha != hb)
        return ha ? -1 : 1;
    if (ha && a->hit.km != b->hit.km)
        return a->hit.km < b->hit.km ? -1 : 1;
    return cmp_name(a, b);
}

enum pcn_err pcn_directory_search(const struct pcn_directory *d, const struct pcn_asset_query *q,
                                  struct pcn_asset_hit **ret, size_t *ret_n, size_t *ret_total)
{
    char buf[PCN_ASSET_QUERY_TEXT_MAX + 1];
    const char *words[MAX_WORDS];
    struct ranked *r = NULL;
    size_t n = 0, alloc = 0;
    int32_t as_of = q->as_of == PCN_DATE_NONE ? pcn_date_today() : q->as_of;

    if (q->text && strlen(q->text) > PCN_ASSET_QUERY_TEXT_MAX)
        return PCN_EINVAL;
    if (q->max_km < 0 || isnan(q->max_km))
        return PCN_EINVAL;
    size_t n_words = split_words(q->text, buf, sizeof(buf), words);
    /*
     * With a distance limit, a box around the origin that holds the whole
     * circle (a degree of latitude is 111.19 km; a degree of longitude less,
     * by the cosine of the latitude, taken at the box's edge nearer a pole)
     * skips most assets before the haversine. 1% wider for rounding.
     */
    bool boxed = q->has_origin && q->max_km > 0;
    double dlat = boxed ? q->max_km / 111.19 * 1.01 : 0, dlon = 0;
    if (boxed) {
        double edge = fabs(q->lat) + dlat;
        dlon = edge < 89.0 ? dlat / cos(edge * M_PI / 180.0) : 360.0;
    }
    for (size_t i = 0; i < d->n; i++) {
        int stale = 0;
        const struct pcn_asset *a = d->entries[i].asset;
        if (boxed &&
            (!a->has_position || fabs(a->lat - q->lat) > dlat || fabs(a->lon - q->lon) > dlon))
            continue;
        if (!matches(&d->entries[i], q, words, n_words, as_of, &stale))
            continue;
        double km = -1;
        if (q->has_origin && a->has_position)
            km = pcn_geo_km(q->lat, q->lon, a->lat, a->lon);
        if (q->has_origin && q->max_km > 0 && (km < 0 || km > q->max_km))
            continue;
        if (PCN_GROW(r, n + 1, alloc) != PCN_OK) {
            pcn_free(r);
            return PCN_ENOMEM;
        }
        r[n++] = (struct ranked){{a, km, stale}, i};
    }
    if (n > 1)
        qsort(r, n, sizeof(*r), q->has_origin ? cmp_by_distance : cmp_by_name);
    size_t skip = q->offset < n ? q->offset : n;
    size_t keep = q->limit && q->limit < n - skip ? q->limit : n - skip;
    struct pcn_asset_hit *hits = NULL;
    if (keep) {
        hits = pcn_calloc(keep, sizeof(*hits));
        if (!hits) {
            pcn_free(r);
            return PCN_ENOMEM;
        }
        for (size_t i = 0; i < keep; i++)
            hits[i] = r[skip + i].hit;
    }
    pcn_free(r);
    *ret = hits;
    *ret_n = keep;
    *ret_total = n;
    return PCN_OK;
}
