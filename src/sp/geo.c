/*
 * geo.c - the postcode table: postcodes and LSOAs interned in two hash
 * maps, each postcode's position, each LSOA's centroid (mean of its
 * postcodes), and the haversine distance. Invariant: every postcode in the
 * map is in normal form (upper case, one space), so lookups normalise first.
 */
#include "pcn/geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"

#define GEO_DEFAULT "data/reference/postcode_lsoa.csv"

struct geo_lsoa {
    char code[10];
    double sum_lat, sum_lon;
    size_t n;          /* postcodes in it */
    size_t sum_placed; /* while indexing: postcodes placed in lsoa_order so far */
};

struct geo_postcode {
    char code[9];  /* normal form */
    uint32_t lsoa; /* index into lsoas */
    double lat, lon;
};

struct pcn_geo {
    struct pcn_strmap *by_postcode; /* normal form -> index into postcodes */
    struct pcn_strmap *by_lsoa;     /* code -> index into lsoas */
    struct geo_postcode *postcodes;
    size_t n_postcodes, alloc_postcodes;
    struct geo_lsoa *lsoas;
    size_t n_lsoas, alloc_lsoas;
    size_t *lsoa_first;   /* n_lsoas + 1 offsets into by_lsoa_order */
    uint32_t *lsoa_order; /* postcode indices grouped by LSOA, in postcode order within one */
    char coverage[128];   /* "SM, SR, TF, WN" */
};

int pcn_lsoa_is_valid(const char *s)
{
    if (!s || strncmp(s, "E01", 3) != 0 || strlen(s) != 9)
        return 0;
    for (int i = 3; i < 9; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

void pcn_geo_free(struct pcn_geo *g)
{
    if (!g)
        return;
    pcn_strmap_free(g->by_postcode);
    pcn_strmap_free(g->by_lsoa);
    pcn_free(g->postcodes);
    pcn_free(g->lsoas);
    pcn_free(g->lsoa_first);
    pcn_free(g->lsoa_order);
    pcn_free(g);
}

/* Note the postcode area (leading letters) of pc in the coverage list if new. */
static void note_area(struct pcn_geo *g, const char *pc)
{
    char area[3] = {0};
    size_t n = 0;

    while (n < 2 && pc[n] >= 'A' && pc[n] <= 'Z') {
        area[n] = pc[n];
        n++;
    }
    /* The list is short (a handful of areas): a linear search is enough. */
    for (const char *p = g->coverage; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, area, n) == 0)
            return;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    size_t used = strlen(g->coverage);
    if (used + n + 3 < sizeof(g->coverage))
        (void)snprintf(g->coverage + used, sizeof(g->coverage) - used, "%s%s", used ? ", " : "",
                       area);
}

/* Intern an LSOA code; *ret gets its index. */
static enum pcn_err intern_lsoa(struct pcn_geo *g, const char *code, uint32_t *ret)
{
    uint64_t idx = 0;
    int added = 0;
    enum pcn_err rc = pcn_strmap_intern(g->by_lsoa, code, strlen(code), g->n_lsoas, &idx, &added);

    if (rc != PCN_OK)
        return rc;
    if (added) {
        rc = PCN_GROW(g->lsoas, g->n_lsoas + 1, g->alloc_lsoas);
        if (rc != PCN_OK)
            return rc; /* the map names an index that does not exist: the table is freed */
        struct geo_lsoa *l = &g->lsoas[g->n_lsoas++];
        memset(l, 0, sizeof(*l));
        (void)snprintf(l->code, sizeof(l->code), "%s", code);
    }
    *ret = (uint32_t)idx;
    return PCN_OK;
}

/* Parse one row (postcode, lsoa, lat, long) into the table. */
static enum pcn_err add_row(struct pcn_geo *g, struct pcn_csv *c, struct pcn_error *reterr)
{
    const char *name = pcn_csv_name(c);
    unsigned long line = pcn_csv_line(c);
    size_t pc_len = 0, lat_len = 0, lon_len = 0;
    char norm[9];
    double lat = 0, lon = 0;

    if (pcn_csv_nfields(c) != 4)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: expected 4 columns, found %zu", name,
                             line, pcn_csv_nfields(c));
    const char *pc = pcn_csv_field(c, 0, &pc_len);
    const char *lsoa = pcn_csv_field(c, 1, NULL);
    const char *slat = pcn_csv_field(c, 2, &lat_len);
    const char *slon = pcn_csv_field(c, 3, &lon_len);
    if (pcn_postcode_normalise(pc, pc_len, norm) != PCN_OK)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad postcode '%s'", name, line, pc);
    if (!pcn_lsoa_is_valid(lsoa))
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad LSOA code '%s'", name, line, lsoa);
    if (pcn_parse_double(slat, lat_len, &lat) != PCN_OK || lat < 49.0 || lat > 61.0 ||
        pcn_parse_double(slon, lon_len, &lon) != PCN_OK || lon < -9.0 || lon > 3.0)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: position '%s,%s' is not in the UK", name,
                             line, slat, slon);
    uint32_t li = 0;
    enum pcn_err rc = intern_lsoa(g, lsoa, &li);
    if (rc == PCN_OK)
        rc = PCN_GROW(g->postcodes, g->n_postcodes + 1, g->alloc_postcodes);
    uint64_t idx = 0;
    int added = 0;
    if (rc == PCN_OK)
        rc = pcn_strmap_intern(g->by_postcode, norm, strlen(norm), g->n_postcodes, &idx, &added);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s:%lu: out of memory", name, line);
    if (!added)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: postcode %s appears twice", name, line,
                             norm);
    struct geo_postcode *p = &g->postcodes[g->n_postcodes++];
    memcpy(p->code, norm, sizeof(p->code));
    p->lsoa = li;
    p->lat = lat;
    p->lon = lon;
    g->lsoas[li].sum_lat += lat;
    g->lsoas[li].sum_lon += lon;
    g->lsoas[li].n++;
    note_area(g, norm);
    return PCN_OK;
}

/* Group the postcodes by LSOA (a counting sort, stable so each group stays in file order). */
static enum pcn_err index_lsoas(struct pcn_geo *g)
{
    g->lsoa_first = pcn_calloc(g->n_lsoas + 1, sizeof(*g->lsoa_first));
    g->lsoa_order = pcn_calloc(g->n_postcodes ? g->n_postcodes : 1, sizeof(*g->lsoa_order));
    if (!g->lsoa_first || !g->lsoa_order)
        return PCN_ENOMEM;
    for (size_t i = 0; i < g->n_postcodes; i++)
        g->lsoa_first[g->postcodes[i].lsoa + 1]++;
    for (size_t l = 0; l < g->n_lsoas; l++)
        g->lsoa_first[l + 1] += g->lsoa_first[l];
    for (size_t i = 0; i < g->n_postcodes; i++) {
        uint32_t l = g->postcodes[i].lsoa;
        g->lsoa_order[g->lsoa_first[l] + g->lsoas[l].sum_placed++] = (uint32_t)i;
    }
    return PCN_OK;
}

enum pcn_err pcn_geo_load(const char *path, struct pcn_geo **ret, struct pcn_error *reterr)
{
    char def[4096];
    struct pcn_csv *c = NULL;
    struct pcn_geo *g = NULL;
    enum pcn_err rc;

    if (!path) {
        rc = pcn_data_path(GEO_DEFAULT, def, sizeof(def));
        if (rc != PCN_OK) {
            pcn_error_set(reterr, rc, "%s: path too long", GEO_DEFAULT);
            goto out;
        }
        path = def;
    }
    g = pcn_calloc(1, sizeof(*g));
    if (g) {
        g->by_postcode = pcn_strmap_new();
        g->by_lsoa = pcn_strmap_new();
    }
    if (!g || !g->by_postcode || !g->by_lsoa) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    rc = pcn_csv_open(path, &c, reterr);
    if (rc != PCN_OK)
        goto out;
    rc = pcn_csv_next(c, reterr);
    if (rc == PCN_ENOTFOUND) {
        rc = pcn_error_set(reterr, PCN_EPARSE, "%s: empty file", path);
        goto out;
    }
    if (rc != PCN_OK)
        goto out;
    if (pcn_csv_find(c, "postcode") != 0 || pcn_csv_find(c, "lsoa") != 1 ||
        pcn_csv_find(c, "lat") != 2 || pcn_csv_find(c, "long") != 3) {
        rc = pcn_error_set(reterr, PCN_EPARSE, "%s:1: expected the header postcode,lsoa,lat,long",
                           path);
        goto out;
    }
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc == PCN_OK)
            rc = add_row(g, c, reterr);
        if (rc != PCN_OK)
            goto out;
    }
    rc = index_lsoas(g);
    if (rc != PCN_OK) {
        pcn_error_set(reterr, rc, "out of memory");
        goto out;
    }
    *ret = g;
    g = NULL;
out:
    pcn_csv_free(c);
    pcn_geo_free(g);
    return rc;
}

size_t pcn_geo_postcodes(const struct pcn_geo *g)
{
    return g->n_postcodes;
}

size_t pcn_geo_lsoas(const struct pcn_geo *g)
{
    return g->n_lsoas;
}

const char *pcn_geo_coverage(const struct pcn_geo *g)
{
    return g->coverage;
}

enum pcn_err pcn_geo_postcode(const struct pcn_geo *g, const char *postcode, struct pcn_place *ret)
{
    char norm[9];
    uint64_t idx = 0;

    if (!postcode || pcn_postcode_normalise(postcode, strlen(postcode), norm) != PCN_OK)
        return PCN_EINVAL;
    if (!pcn_strmap_get(g->by_postcode, norm, strlen(norm), &idx))
        return PCN_ENOTFOUND;
    const struct geo_postcode *p = &g->postcodes[idx];
    memcpy(ret->lsoa, g->lsoas[p->lsoa].code, sizeof(ret->lsoa));
    ret->lat = p->lat;
    ret->lon = p->lon;
    return PCN_OK;
}

enum pcn_err pcn_geo_lsoa(const struct pcn_geo *g, const char *lsoa, struct pcn_place *ret)
{
    uint64_t idx = 0;

    if (!lsoa || !pcn_strmap_get(g->by_lsoa, lsoa, strlen(lsoa), &idx))
        return PCN_ENOTFOUND;
    const struct geo_lsoa *l = &g->lsoas[idx];
    memcpy(ret->lsoa, l->code, sizeof(ret->lsoa));
    ret->lat = l->sum_lat / (double)l->n;
    ret->lon = l->sum_lon / (double)l->n;
    return PCN_OK;
}

enum pcn_err pcn_geo_locate(const struct pcn_geo *g, const char *postcode, const char *lsoa,
                            struct pcn_place *ret, int *ret_exact, struct pcn_error *reterr)
{
    bool has_pc = postcode && *postcode;
    enum pcn_err rc = has_pc ? pcn_geo_postcode(g, postcode, ret) : PCN_ENOTFOUND;

    if (rc == PCN_OK) {
        *ret_exact = 1;
        return PCN_OK;
    }
    if (rc == PCN_EINVAL)
        return pcn_error_set(reterr, PCN_EINVAL, "'%s' is not a UK postcode", postcode);
    if (lsoa && *lsoa && pcn_geo_lsoa(g, lsoa, ret) == PCN_OK) {
        *ret_exact = 0;
        return PCN_OK;
    }
    if (has_pc)
        return pcn_error_set(reterr, PCN_ENOTFOUND,
                             "postcode %s is not in the postcode table (it covers %s)", postcode,
                             g->coverage);
    return pcn_error_set(reterr, PCN_ENOTFOUND, "no postcode%s to measure from",
                         lsoa && *lsoa ? " and an LSOA outside the postcode table" : " or LSOA");
}

size_t pcn_geo_lsoa_postcode_count(const struct pcn_geo *g, const char *lsoa)
{
    uint64_t idx = 0;

    if (!lsoa || !pcn_strmap_get(g->by_lsoa, lsoa, strlen(lsoa), &idx))
        return 0;
    return g->lsoas[idx].n;
}

enum pcn_err pcn_geo_lsoa_postcode(const struct pcn_geo *g, const char *lsoa, size_t i,
                                   char ret_postcode[9], struct pcn_place *ret)
{
    uint64_t idx = 0;

    if (!lsoa || !pcn_strmap_get(g->by_lsoa, lsoa, strlen(lsoa), &idx) || i >= g->lsoas[idx].n)
        return PCN_ENOTFOUND;
    const struct geo_postcode *p = &g->postcodes[g->lsoa_order[g->lsoa_first[idx] + i]];
    memcpy(ret_postcode, p->code, sizeof(p->code));
    memcpy(ret->lsoa, g->lsoas[idx].code, sizeof(ret->lsoa));
    ret->lat = p->lat;
    ret->lon = p->lon;
    return PCN_OK;
}

double pcn_geo_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad;
    double dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

    return 2.0 * 6371.0088 * asin(sqrt(a < 1.0 ? a : 1.0));
}

enum pcn_err pcn_lsoa_imd_load(const char *path, struct pcn_strmap **ret, struct pcn_error *reterr)
{
    char def[4096];
    struct pcn_csv *c = NULL;
    struct pcn_strmap *m = pcn_strmap_new();
    enum pcn_err rc = m ? PCN_OK : pcn_error_set(reterr, PCN_ENOMEM, "out of memory");

    if (rc == PCN_OK && !path) {
        rc = pcn_data_path("data/reference/lsoa_imd2019.csv", def, sizeof(def));
        if (rc != PCN_OK)
            pcn_error_set(reterr, rc, "data/reference/lsoa_imd2019.csv: path too long");
        path = def;
    }
    if (rc == PCN_OK)
        rc = pcn_csv_open(path, &c, reterr);
    if (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_OK && (pcn_csv_find(c, "lsoa") != 0 || pcn_csv_find(c, "imd_decile") != 1))
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:1: expected the header lsoa,imd_decile",
                               path);
    }
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND) {
            rc = PCN_OK;
            break;
        }
        if (rc != PCN_OK)
            break;
        size_t len = 0, dlen = 0;
        const char *lsoa = pcn_csv_nfields(c) == 2 ? pcn_csv_field(c, 0, &len) : NULL;
        const char *dec = lsoa ? pcn_csv_field(c, 1, &dlen) : NULL;
        int64_t d = 0;
        if (!lsoa || !pcn_lsoa_is_valid(lsoa) || pcn_parse_range(dec, dlen, 1, 10, &d) != PCN_OK)
            rc =
                pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: expected an LSOA code and a decile 1-10",
                              path, pcn_csv_line(c));
        else if (pcn_strmap_put(m, lsoa, len, (uint64_t)d) != PCN_OK)
            rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    }
    pcn_csv_free(c);
    if (rc != PCN_OK) {
        pcn_strmap_free(m);
        return rc;
    }
    *ret = m;
    return PCN_OK;
}

int pcn_lsoa_imd_decile(const struct pcn_strmap *imd, const char *lsoa)
{
    uint64_t v = 0;

    return imd && lsoa && *lsoa && pcn_strmap_get(imd, lsoa, strlen(lsoa), &v) ? (int)v : 0;
}
