/*
 * snapshot.c - the columnar in-memory population. Patients are columns
 * indexed by position (keys ascending); events, medications and
 * immunisations become 16-byte events sorted by patient then date, with
 * codes interned per class and a posting list per code so a query touches
 * only the events of its codes.
 */
#include "pcn/engine.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/listcache.h"
#include "engine/popcache.h"
#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/vec.h"
#include "util/common.h"

const char *const pcn__eth_names[] = {"White", "Mixed", "Asian", "Black", "Other", "Unknown"};
const char *const pcn__age_band_names[] = {"0-17", "18-39", "40-64", "65-79", "80+"};

int32_t pcn__ymd(int32_t day)
{
    int y = 0, m = 0, d = 0;

    if (day == PCN_DATE_NONE)
        return INT32_MAX;
    pcn_date_to_ymd(day, &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

int pcn__age_band(int age)
{
    if (age < 18)
        return 0;
    if (age < 40)
        return 1;
    if (age < 65)
        return 2;
    if (age < 80)
        return 3;
    return 4;
}

static uint8_t eth_group(const char *s)
{
    if (!s || !s[0] || s[1])
        return ETH_UNKNOWN;
    if (s[0] >= 'A' && s[0] <= 'C')
        return ETH_WHITE;
    if (s[0] >= 'D' && s[0] <= 'G')
        return ETH_MIXED;
    if (s[0] >= 'H' && s[0] <= 'L')
        return ETH_ASIAN;
    if (s[0] >= 'M' && s[0] <= 'P')
        return ETH_BLACK;
    if (s[0] == 'R' || s[0] == 'S')
        return ETH_OTHER;
    return ETH_UNKNOWN;
}

/* Load lsoa,imd_decile; a missing or malformed file leaves the map empty. */
static enum pcn_err load_imd(struct pcn_snapshot *s, const char *path)
{
    struct pcn_csv *csv = NULL;
    long c_lsoa, c_dec;
    enum pcn_err rc;

    if (!path || pcn_csv_open(path, &csv, NULL) != PCN_OK)
        return PCN_OK;
    rc = PCN_OK;
    if (pcn_csv_next(csv, NULL) != PCN_OK)
        goto out;
    c_lsoa = pcn_csv_find(csv, "lsoa");
    c_dec = pcn_csv_find(csv, "imd_decile");
    if (c_lsoa < 0 || c_dec < 0)
        goto out;
    while (pcn_csv_next(csv, NULL) == PCN_OK) {
        size_t len = 0, dlen = 0;
        const char *l, *d;
        int64_t dec;
        if (pcn_csv_nfields(csv) <= (size_t)PCN_MAX(c_lsoa, c_dec))
            continue;
        l = pcn_csv_field(csv, (size_t)c_lsoa, &len);
        d = pcn_csv_field(csv, (size_t)c_dec, &dlen);
        if (pcn_parse_range(d, dlen, 1, 10, &dec) != PCN_OK)
            continue;
        rc = pcn_strmap_put(s->imd, l, len, (uint64_t)dec);
        if (rc)
            goto out;
    }
out:
    pcn_csv_free(csv);
    return rc;
}

enum pcn_err pcn_snapshot_new(const char *imd_path, struct pcn_snapshot **ret)
{
    struct pcn_snapshot *s = pcn_calloc(1, sizeof(*s));
    enum pcn_err rc;

    if (!s)
        return PCN_ENOMEM;
    s->last_date = PCN_DATE_NONE;
    s->imd = pcn_strmap_new();
    s->practice_map = pcn_strmap_new();
    s->network_map = pcn_strmap_new();
    s->codes = pcn_strmap_new();
    s->clinicians = pcn_strmap_new();
    s->pop = pcn__popcache_new();
    s->lists = pcn__listcache_new();
    if (!s->imd || !s->practice_map || !s->network_map || !s->codes || !s->clinicians || !s->pop ||
        !s->lists) {
        rc = PCN_ENOMEM;
        goto out;
    }
    rc = load_imd(s, imd_path);
    if (rc)
        goto out;
    *ret = s;
    s = NULL;
out:
    pcn_snapshot_free(s);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pcn_free(v[i]);
    pcn_free(v);
}

void pcn_snapshot_free(struct pcn_snapshot *s)
{
    if (!s)
        return;
    pcn_strmap_free(s->imd);
    pcn_strmap_free(s->practice_map);
    pcn_strmap_free(s->network_map);
    pcn_strmap_free(s->codes);
    pcn_free(s->key);
    pcn_free(s->id_off);
    pcn_free(s->dob);
    pcn_free(s->dob_ymd);
    pcn_free(s->reg_from);
    pcn_free(s->reg_to);
    pcn_free(s->death);
    pcn_free(s->practice);
    pcn_free(s->sex);
    pcn_free(s->eth);
    pcn_free(s->imd_q);
    pcn_free(s->ids);
    free_strs(s->practice_code, s->n_practices);
    free_strs(s->network_code, s->n_networks);
    pcn_free(s->members);
    pcn_free(s->stage);
    pcn_free(s->ev_patient);
    pcn_free(s->ev_date);
    pcn_free(s->ev_value);
    pcn_free(s->code_start);
    pcn_free(s->pat_start);
    pcn_free(s->pat_ev);
    pcn_free(s->code_class);
    pcn_strmap_free(s->clinicians);
    pcn_free(s->ct_stage);
    pcn_free(s->ct_start);
    pcn_free(s->ct_date);
    pcn_free(s->ct_clin);
    pcn_free(s->ct_wait);
    pcn_free(s->ct_role);
    pcn_free(s->ct_mode);
    pcn_free(s->ct_att);
    pcn__popcache_free(s->pop);
    pcn__listcache_free(s->lists);
    pcn_free(s);
}

/* Intern a code string into a name map with a growing list of owned copies. */
static enum pcn_err intern_name(struct pcn_strmap *map, char ***list, size_t *n, size_t *alloc,
                                const char *code, uint32_t *ret)
{
    uint64_t v;
    enum pcn_err rc;
    char *copy;

    if (pcn_strmap_get(map, code, strlen(code), &v)) {
        *ret = (uint32_t)v;
        return PCN_OK;
    }
    if (*n >= UINT16_MAX - 1)
        return PCN_ELIMIT;
    rc = PCN_GROW(*list, *n + 1, *alloc);
    if (rc)
        return rc;
    copy = pcn_strdup(code);
    if (!copy)
        return PCN_ENOMEM;
    rc = pcn_strmap_put(map, code, strlen(code), *n);
    if (rc) {
        pcn_free(copy);
        return rc;
    }
    (*list)[*n] = copy;
    *ret = (uint32_t)(*n)++;
    return PCN_OK;
}

enum pcn_err pcn_snapshot_add_membership(struct pcn_snapshot *s, const struct pcn_membership *m)
{
    uint32_t pr, nw;
    enum pcn_err rc;

    if (!s || !m || !m->practice || !m->network || s->finished)
        return PCN_EINVAL;
    rc = intern_name(s->practice_map, &s->practice_code, &s->n_practices, &s->alloc_practice,
                     m->practice, &pr);
    if (!rc)
        rc = intern_name(s->network_map, &s->network_code, &s->n_networks, &s->alloc_network,
                         m->network, &nw);
    if (!rc)
        rc = PCN_GROW(s->members, s->n_members + 1, s->alloc_members);
    if (rc)
        return rc;
    s->members[s->n_members++] = (struct snap_membership){pr, nw, m->start_date, m->end_date};
    return PCN_OK;
}

/* Grow every patient column to hold n patients. */
static enum pcn_err grow_patients(struct pcn_snapshot *s, size_t n)
{
    size_t want = s->alloc_patients ? s->alloc_patients : 1024;

    if (n <= s->alloc_patients)
        return PCN_OK;
    while (want < n)
        want *= 2;
#define GROW_COL(col)                                                                              \
    do {                                                                                           \
        void *p_ = pcn_reallocarray(s->col, want, sizeof(*s->col));                                \
        if (!p_)                                                                                   \
            return PCN_ENOMEM;                                                                     \
        s->col = p_;                                                                               \
    } while (0)
    GROW_COL(key);
    GROW_COL(id_off);
    GROW_COL(dob);
    GROW_COL(dob_ymd);
    GROW_COL(reg_from);
    GROW_COL(reg_to);
    GROW_COL(death);
    GROW_COL(practice);
    GROW_COL(sex);
    GROW_COL(eth);
    GROW_COL(imd_q);
#undef GROW_COL
    s->alloc_patients = (uint32_t)want;
    return PCN_OK;
}

static uint8_t imd_quintile(const struct pcn_snapshot *s, const char *lsoa)
{
    uint64_t dec;

    if (!lsoa || !pcn_strmap_get(s->imd, lsoa, strlen(lsoa), &dec))
        return 0;
    return (uint8_t)((dec + 1) / 2);
}

enum pcn_err pcn_snapshot_add_patient(struct pcn_snapshot *s, int64_t key,
                                      const struct pcn_patient *p)
{
    const char *id;
    size_t id_len;
    uint32_t i, pr = UINT16_MAX;
    enum pcn_err rc;

    if (!s || !p || s->finished || s->n_patients >= UINT32_MAX - 1)
        return PCN_EINVAL;
    /* what a saved file must hold too (snapshot_file.c) */
    if ((unsigned)p->sex > PCN_SEX_INDETERMINATE || !pcn__date_ok(p->date_of_birth) ||
        !pcn__date_ok(p->registered_from) || !pcn__date_ok(p->registered_to) ||
        !pcn__date_ok(p->date_of_death))
        return PCN_EINVAL;
    if (s->n_patients && key <= s->key[s->n_patients - 1])
        return PCN_EINVAL;
    rc = grow_patients(s, (size_t)s->n_patients + 1);
    if (rc)
        return rc;
    if (p->practice) {
        rc = intern_name(s->practice_map, &s->practice_code, &s->n_practices, &s->alloc_practice,
                         p->practice, &pr);
        if (rc)
            return rc;
    }
    id = p->patient_id ? p->patient_id : "";
    id_len = strlen(id);
    rc = PCN_GROW(s->ids, s->ids_len + id_len + 1, s->ids_alloc);
    if (rc)
        return rc;
    memcpy(s->ids + s->ids_len, id, id_len + 1);
    i = s->n_patients++;
    s->id_off[i] = (uint32_t)s->ids_len;
    s->ids_len += id_len + 1;
    s->key[i] = key;
    s->dob[i] = p->date_of_birth;
    s->dob_ymd[i] = pcn__ymd(p->date_of_birth);
    s->reg_from[i] = p->registered_from;
    s->reg_to[i] = p->registered_to;
    s->death[i] = p->date_of_death;
    s->practice[i] = (uint16_t)pr;
    s->sex[i] = (uint8_t)p->sex;
    s->eth[i] = eth_group(p->ethnicity);
    s->imd_q[i] = imd_quintile(s, p->lsoa);
    return PCN_OK;
}

/* Binary search of a key; false when absent. */
static bool find_key(struct pcn_snapshot *s, int64_t key, uint32_t *ret)
{
    size_t lo = 0, hi = s->n_patients;

    /* records come patient by patient: the last patient found, or the next one */
    if (s->last_found < s->n_patients && s->key[s->last_found] == key) {
        *ret = s->last_found;
        return true;
    }
    if (s->last_found + 1 < s->n_patients && s->key[s->last_found + 1] == key) {
        *ret = ++s->last_found;
        return true;
    }

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->key[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= s->n_patients || s->key[lo] != key)
        return false;
    *ret = s->last_found = (uint32_t)lo;
    return true;
}

static enum pcn_err add_coded(struct pcn_snapshot *s, int64_t key, char cls, const char *code,
                              int32_t date, float value)
{
    char kbuf[128];
    size_t len;
    uint32_t pat;
    uint64_t id;
    int added = 0;
    enum pcn_err rc;

    if (!s || !code || s->finished || date == PCN_DATE_NONE || !pcn__date_ok(date) || isinf(value))
        return PCN_EINVAL;
    if (!find_key(s, key, &pat))
        return PCN_ENOTFOUND;
    len = strlen(code);
    if (len + 1 >= sizeof(kbuf) || s->n_events >= UINT32_MAX - 1)
        return PCN_ELIMIT;
    kbuf[0] = cls;
    memcpy(kbuf + 1, code, len);
    rc = pcn_strmap_intern(s->codes, kbuf, len + 1, s->n_codes, &id, &added);
    if (rc)
        return rc;
    if (added)
        s->n_codes++;
    rc = PCN_GROW(s->stage, s->n_events + 1, s->alloc_stage);
    if (rc)
        return rc;
    s->stage[s->n_events++] = (struct snap_event){date, (uint32_t)id, value, pat};
    if (date > s->last_date)
        s->last_date = date;
    return PCN_OK;
}

/* A record's value as held: single precision, larger magnitudes held as the largest float. */
static float held_value(bool has, double v)
{
    if (!has || isnan(v))
        return NAN;
    return v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX : (float)v;
}

enum pcn_err pcn_snapshot_add_event(struct pcn_snapshot *s, int64_t key, const struct pcn_event *e)
{
    if (!e)
        return PCN_EINVAL;
    return add_coded(s, key, CODE_CLASS_EVENT, e->code, e->date,
                     held_value(e->has_value, e->value));
}

enum pcn_err pcn_snapshot_add_medication(struct pcn_snapshot *s, int64_t key,
                                         const struct pcn_medication *m)
{
    if (!m)
        return PCN_EINVAL;
    return add_coded(s, key, CODE_CLASS_MED, m->code, m->start_date,
                     held_value(m->has_quantity, m->quantity));
}

enum pcn_err pcn_snapshot_add_immunisation(struct pcn_snapshot *s, int64_t key,
                                           const struct pcn_immunisation *i)
{
    if (!i)
        return PCN_EINVAL;
    return add_coded(s, key, CODE_CLASS_IMM, i->code, i->date, NAN);
}

enum pcn_err pcn_snapshot_add_encounter(struct pcn_snapshot *s, int64_t key,
                                        const struct pcn_encounter *e)
{
    struct snap_contact ct = {.wait = -1};
    uint32_t pat;
    enum pcn_err rc;

    if (!s || !e || s->finished || e->date == PCN_DATE_NONE || !pcn__date_ok(e->date) ||
        (unsigned)e->role >= PCN_STAFF_COUNT || (unsigned)e->mode > PCN_MODE_HOME_VISIT ||
        (unsigned)e->attendance > PCN_ENCOUNTER_DNA)
        return PCN_EINVAL;
    if (!find_key(s, key, &pat))
        return PCN_ENOTFOUND;
    if (s->n_contacts >= UINT32_MAX - 1)
        return PCN_ELIMIT;
    if (e->clinician && *e->clinician) {
        uint64_t id = 0;
        int added = 0;
        rc = pcn_strmap_intern(s->clinicians, e->clinician, strlen(e->clinician),
                               (uint64_t)s->n_clinicians + 1, &id, &added);
        if (rc)
            return rc;
        s->n_clinicians += added;
        ct.clinician = (uint32_t)id;
    }
    /* a wait held in 16 bits: up to about 90 years, longer ones as that */
    if (e->has_booked && e->booked_date != PCN_DATE_NONE && e->booked_date <= e->date)
        ct.wait = (int16_t)PCN_MIN((int32_t)INT16_MAX, e->date - e->booked_date);
    ct.patient = pat;
    ct.date = e->date;
    ct.role = (uint8_t)e->role;
    ct.mode = (uint8_t)e->mode;
    ct.att = (uint8_t)e->attendance;
    rc = PCN_GROW(s->ct_stage, s->n_contacts + 1, s->alloc_ct);
    if (rc)
        return rc;
    s->ct_stage[s->n_contacts++] = ct;
    return PCN_OK;
}

/* Insertion sort of one patient's events by date (lists are short and mostly sorted). */
static void sort_by_date(struct snap_event *ev, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct snap_event x = ev[i];
        size_t j = i;
        while (j > 0 && ev[j - 1].date > x.date) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = x;
    }
}

/* Counting-sort offsets: start[k] = number of items with key < k (n_keys + 1 entries). */
static uint32_t *count_offsets(const struct snap_event *ev, size_t n, size_t n_keys, bool by_code)
{
    uint32_t *start = pcn_calloc(n_keys + 1, sizeof(*start));

    if (!start)
        return NULL;
    for (size_t i = 0; i < n; i++)
        start[(by_code ? ev[i].code : ev[i].patient) + 1]++;
    for (size_t k = 0; k < n_keys; k++)
        start[k + 1] += start[k];
    return start;
}

/*
 * Sort the staged events by patient then date (counting sort plus a short
 * insertion sort per patient), then distribute them stably by code into
 * the column arrays, recording each patient's positions.
 */
static enum pcn_err sort_events(struct pcn_snapshot *s)
{
    size_t n = s->n_events, alloc = n ? n : 1;
    struct snap_event *by_pat = pcn_calloc(alloc, sizeof(*by_pat));
    uint32_t *next = NULL;
    enum pcn_err rc = PCN_ENOMEM;

    s->pat_start = count_offsets(s->stage, n, s->n_patients, false);
    s->code_start = count_offsets(s->stage, n, s->n_codes, true);
    s->ev_patient = pcn_calloc(alloc, sizeof(*s->ev_patient));
    s->ev_date = pcn_calloc(alloc, sizeof(*s->ev_date));
    s->ev_value = pcn_calloc(alloc, sizeof(*s->ev_value));
    s->pat_ev = pcn_calloc(alloc, sizeof(*s->pat_ev));
    next = pcn_calloc((size_t)PCN_MAX(s->n_patients, s->n_codes) + 1, sizeof(*next));
    if (!by_pat || !s->pat_start || !s->code_start || !s->ev_patient || !s->ev_date ||
        !s->ev_value || !s->pat_ev || !next)
        goto out;
    memcpy(next, s->pat_start, (size_t)s->n_patients * sizeof(*next));
    for (size_t i = 0; i < n; i++)
        by_pat[next[s->stage[i].patient]++] = s->stage[i];
    for (uint32_t p = 0; p < s->n_patients; p++)
        sort_by_date(by_pat + s->pat_start[p], s->pat_start[p + 1] - s->pat_start[p]);
    memcpy(next, s->code_start, (size_t)s->n_codes * sizeof(*next));
    for (size_t i = 0; i < n; i++) {
        uint32_t at = next[by_pat[i].code]++;
        s->ev_patient[at] = by_pat[i].patient;
        s->ev_date[at] = by_pat[i].date;
        s->ev_value[at] = by_pat[i].value;
        s->pat_ev[i] = at;
    }
    PCN_FREE_AND_NULL(s->stage);
    s->alloc_stage = 0;
    rc = PCN_OK;
out:
    pcn_free(by_pat);
    pcn_free(next);
    return rc;
}

/* Insertion sort of one patient's contacts by date. */
static void sort_contacts(struct snap_contact *ct, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct snap_contact x = ct[i];
        size_t j = i;
        while (j > 0 && ct[j - 1].date > x.date) {
            ct[j] = ct[j - 1];
            j--;
        }
        ct[j] = x;
    }
}

/* The staged contacts into columns by patient, then date. */
static enum pcn_err sort_contact_columns(struct pcn_snapshot *s)
{
    size_t n = s->n_contacts, alloc = n ? n : 1;
    struct snap_contact *by_pat = pcn_calloc(alloc, sizeof(*by_pat));
    uint32_t *next = pcn_calloc((size_t)s->n_patients + 1, sizeof(*next));
    enum pcn_err rc = PCN_ENOMEM;

    s->ct_start = pcn_calloc((size_t)s->n_patients + 1, sizeof(*s->ct_start));
    s->ct_date = pcn_calloc(alloc, sizeof(*s->ct_date));
    s->ct_clin = pcn_calloc(alloc, sizeof(*s->ct_clin));
    s->ct_wait = pcn_calloc(alloc, sizeof(*s->ct_wait));
    s->ct_role = pcn_calloc(alloc, 1);
    s->ct_mode = pcn_calloc(alloc, 1);
    s->ct_att = pcn_calloc(alloc, 1);
    if (!by_pat || !next || !s->ct_start || !s->ct_date || !s->ct_clin || !s->ct_wait ||
        !s->ct_role || !s->ct_mode || !s->ct_att)
        goto out;
    for (size_t i = 0; i < n; i++)
        s->ct_start[s->ct_stage[i].patient + 1]++;
    for (uint32_t p = 0; p < s->n_patients; p++)
        s->ct_start[p + 1] += s->ct_start[p];
    memcpy(next, s->ct_start, (size_t)s->n_patients * sizeof(*next));
    for (size_t i = 0; i < n; i++)
        by_pat[next[s->ct_stage[i].patient]++] = s->ct_stage[i];
    for (uint32_t p = 0; p < s->n_patients; p++)
        sort_contacts(by_pat + s->ct_start[p], s->ct_start[p + 1] - s->ct_start[p]);
    for (size_t i = 0; i < n; i++) {
        s->ct_date[i] = by_pat[i].date;
        s->ct_clin[i] = by_pat[i].clinician;
        s->ct_wait[i] = by_pat[i].wait;
        s->ct_role[i] = by_pat[i].role;
        s->ct_mode[i] = by_pat[i].mode;
        s->ct_att[i] = by_pat[i].att;
    }
    PCN_FREE_AND_NULL(s->ct_stage);
    s->alloc_ct = 0;
    pcn_strmap_free(s->clinicians);
    s->clinicians = NULL;
    rc = PCN_OK;
out:
    pcn_free(by_pat);
    pcn_free(next);
    return rc;
}

static int record_class(const char *key, size_t len, uint64_t value, void *ud)
{
    uint8_t *cls = ud;
    (void)len;
    cls[value] = (uint8_t)key[0];
    return 0;
}

enum pcn_err pcn_snapshot_finish(struct pcn_snapshot *s)
{
    enum pcn_err rc;

    if (!s || s->finished)
        return PCN_EINVAL;
    pcn_free(s->code_class);
    s->code_class = pcn_calloc((size_t)s->n_codes + 1, 1);
    if (!s->code_class)
        return PCN_ENOMEM;
    (void)pcn_strmap_foreach(s->codes, record_class, s->code_class);
    rc = sort_events(s);
    if (!rc)
        rc = sort_contact_columns(s);
    if (!rc)
        s->finished = true;
    return rc;
}

int64_t pcn_snapshot_data_version(const struct pcn_snapshot *s)
{
    return s ? s->data_version : 0;
}

void pcn_snapshot_set_data_version(struct pcn_snapshot *s, int64_t version)
{
    if (s)
        s->data_version = version;
}

const char *pcn_snapshot_source(const struct pcn_snapshot *s)
{
    return s ? s->source : "";
}

void pcn_snapshot_set_source(struct pcn_snapshot *s, const char *id)
{
    if (s)
        (void)snprintf(s->source, sizeof(s->source), "%s", id ? id : "");
}

int32_t pcn_snapshot_last_date(const struct pcn_snapshot *s)
{
    return s ? s->last_date : PCN_DATE_NONE;
}

size_t pcn_snapshot_patient_count(const struct pcn_snapshot *s)
{
    return s ? s->n_patients : 0;
}

size_t pcn_snapshot_event_count(const struct pcn_snapshot *s)
{
    return s ? s->n_events : 0;
}

size_t pcn_snapshot_memory(const struct pcn_snapshot *s)
{
    size_t per_patient = sizeof(int64_t) + 6 * sizeof(int32_t) + sizeof(uint16_t) + 3 + 4;

    if (!s)
        return 0;
    return s->n_patients * (per_patient + 4) + s->ids_len +
           s->n_events * (sizeof(struct snap_event) + 4) + (size_t)s->n_codes * (4 + 1 + 48) +
           s->n_contacts * (4 + 4 + 2 + 3) + pcn__popcache_memory(s->pop) +
           pcn__listcache_memory(s->lists);
}
