/*
 * geo.h - where a postcode is: its LSOA (2011) and latitude/longitude, from
 * the compact table derived from the ONS National Statistics Postcode
 * Lookup (data/reference/postcode_lsoa.csv, tools/derive_postcodes.py), and
 * great-circle distances between places.
 *
 * The shipped table covers four postcode areas only (SM, SR, TF, WN; live
 * postcodes, November 2021). A well-formed postcode outside it is
 * PCN_ENOTFOUND, never a guess; callers fall back to the LSOA centroid
 * (the mean position of the LSOA's postcodes) when they know the LSOA,
 * and otherwise treat the place as having no position. A site may load a
 * larger table of the same format. A loaded table is immutable and may be
 * read from any thread.
 */
#ifndef PCN_GEO_H
#define PCN_GEO_H

#include <stddef.h>

#include "pcn/error.h"

struct pcn_geo;

/* A located place. */
struct pcn_place {
    char lsoa[10]; /* "E01004142"; "" when unknown */
    double lat;    /* degrees, WGS84 */
    double lon;    /* degrees, WGS84 */
};

/*
 * Load a postcode table (header "postcode,lsoa,lat,long"); path NULL loads
 * the shipped data/reference/postcode_lsoa.csv. Bad rows stop the load with
 * "FILE:LINE: ..." in *reterr. Caller frees *ret with pcn_geo_free().
 */
enum pcn_err pcn_geo_load(const char *path, struct pcn_geo **ret, struct pcn_error *reterr);

/* Free a table. NULL-safe. */
void pcn_geo_free(struct pcn_geo *g);

/* Postcodes and LSOAs in the table. */
size_t pcn_geo_postcodes(const struct pcn_geo *g);
size_t pcn_geo_lsoas(const struct pcn_geo *g);

/*
 * The postcode areas (the leading letters, "SM", "SR", ...) the table
 * covers, comma-separated, for messages. Borrowed; valid until free.
 */
const char *pcn_geo_coverage(const struct pcn_geo *g);

/*
 * Look a postcode up (any case and spacing). PCN_EINVAL if malformed,
 * PCN_ENOTFOUND if well-formed but not in the table.
 */
enum pcn_err pcn_geo_postcode(const struct pcn_geo *g, const char *postcode, struct pcn_place *ret);

/* The centroid of an LSOA's postcodes. PCN_ENOTFOUND if no postcode of the table is in it. */
enum pcn_err pcn_geo_lsoa(const struct pcn_geo *g, const char *lsoa, struct pcn_place *ret);

/* Number of the table's postcodes in an LSOA (0 if none or unknown). */
size_t pcn_geo_lsoa_postcode_count(const struct pcn_geo *g, const char *lsoa);

/*
 * The i-th postcode of an LSOA (in postcode order, i < the count above):
 * its normal form into ret_postcode and its place into ret. PCN_ENOTFOUND
 * past the end or for an unknown LSOA.
 */
enum pcn_err pcn_geo_lsoa_postcode(const struct pcn_geo *g, const char *lsoa, size_t i,
                                   char ret_postcode[9], struct pcn_place *ret);

/*
 * Where to measure from for a person or an address: the postcode when the
 * table has it, else the centroid of `lsoa` (may be NULL), else
 * PCN_ENOTFOUND with a message naming the postcode and the coverage.
 * *ret_exact is 1 for a postcode match, 0 for an LSOA centroid.
 */
enum pcn_err pcn_geo_locate(const struct pcn_geo *g, const char *postcode, const char *lsoa,
                            struct pcn_place *ret, int *ret_exact, struct pcn_error *reterr);

struct pcn_strmap;

/*
 * The deprivation of every English LSOA: a map from LSOA code to its IMD
 * 2019 decile (1 most deprived .. 10), read from path (NULL: the shipped
 * data/reference/lsoa_imd2019.csv, header "lsoa,imd_decile"). Bad rows stop
 * the load with "FILE:LINE: ...". Caller frees *ret with pcn_strmap_free().
 */
enum pcn_err pcn_lsoa_imd_load(const char *path, struct pcn_strmap **ret, struct pcn_error *reterr);

/* The decile of lsoa in a map from pcn_lsoa_imd_load(); 0 when unknown. */
int pcn_lsoa_imd_decile(const struct pcn_strmap *imd, const char *lsoa);

/* Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km). */
double pcn_geo_km(double lat1, double lon1, double lat2, double lon2);

/* True if s looks like an English LSOA code: "E01" and six digits. */
int pcn_lsoa_is_valid(const char *s);

#endif /* PCN_GEO_H */
