/*
 * snapshot_file.c - a finished snapshot saved as one binary file and read
 * back without the store: a header (magic, format version, byte-order
 * mark, counts) then every column in a fixed order. Loading checks sizes
 * and every index stored in the file before the snapshot is used, so a
 * damaged or hostile file is refused (PCN_EPARSE), never read out of
 * bounds. Files are native-endian; another byte order is refused.
 */
#include "pcn/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "util/common.h"

#define SNAP_MAGIC "PCNSNAP"
#define SNAP_FORMAT                                                                                \
    4u /* 2: the database's identity (source); 3: contacts; 4: the data's generation */
#define SNAP_BOM 0x01020304u

struct snap_header {
    char magic[8];
    uint32_t format, bom;
    int64_t data_version;
    char source[PCN_SNAPSHOT_SOURCE_MAX]; /* NUL-terminated */
    uint64_t n_patients, n_events, n_codes, n_practices, n_networks, n_members, ids_len;
    uint64_t codes_len, practices_len, networks_len; /* bytes of NUL-separated strings */
    uint64_t n_contacts;
};

/* ---- writing ---- */

static bool put(FILE *f, const void *p, size_t size, size_t n)
{
    return n == 0 || fwrite(p, size, n, f) == n;
}

static size_t strings_len(char *const *v, size_t n)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    return len;
}

static bool put_strings(FILE *f, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!put(f, v[i], 1, strlen(v[i]) + 1))
            return false;
    }
    return true;
}

struct code_keys {
    char **keys; /* by code id; borrowed from the map */
    size_t len;
};

static int collect_key(const char *key, size_t len, uint64_t value, void *ud)
{
    struct code_keys *ck = ud;

    ck->keys[value] = (char *)key;
    ck->len += len + 1;
    return 0;
}

static bool put_columns(FILE *f, const struct pcn_snapshot *s, const struct code_keys *ck)
{
    size_t np = s->n_patients, ne = s->n_events, nc = s->n_codes;

    return put(f, s->key, 8, np) && put(f, s->id_off, 4, np) && put(f, s->dob, 4, np) &&
           put(f, s->dob_ymd, 4, np) && put(f, s->reg_from, 4, np) && put(f, s->reg_to, 4, np) &&
           put(f, s->death, 4, np) && put(f, s->practice, 2, np) && put(f, s->sex, 1, np) &&
           put(f, s->eth, 1, np) && put(f, s->imd_q, 1, np) && put(f, s->ids, 1, s->ids_len) &&
           put_strings(f, s->practice_code, s->n_practices) &&
           put_strings(f, s->network_code, s->n_networks) &&
           put(f, s->members, sizeof(*s->members), s->n_members) && put(f, s->ev_patient, 4, ne) &&
           put(f, s->ev_date, 4, ne) && put(f, s->ev_value, 4, ne) &&
           put(f, s->code_start, 4, nc + 1) && put(f, s->pat_start, 4, np + 1) &&
           put(f, s->pat_ev, 4, ne) && put(f, s->code_class, 1, nc) &&
           put_strings(f, ck->keys, nc) && put(f, s->ct_start, 4, np + 1) &&
           put(f, s->ct_date, 4, s->n_contacts) && put(f, s->ct_clin, 4, s->n_contacts) &&
           put(f, s->ct_wait, 2, s->n_contacts) && put(f, s->ct_role, 1, s->n_contacts) &&
           put(f, s->ct_mode, 1, s->n_contacts) && put(f, s->ct_att, 1, s->n_contacts);
}

enum pcn_err pcn_snapshot_save(const struct pcn_snapshot *s, const char *path,
                               struct pcn_error *reterr)
{
    struct snap_header h = {.magic = SNAP_MAGIC, .format = SNAP_FORMAT, .bom = SNAP_BOM};
    struct code_keys ck = {NULL, 0};
    FILE *f = NULL;
    char tmp[4096];
    int fd;
    enum pcn_err rc = PCN_OK;

    if (!s || !path || !s->finished)
        return pcn_error_set(reterr, PCN_EINVAL, "only a finished snapshot can be saved");
    ck.keys = pcn_calloc((size_t)s->n_codes + 1, sizeof(*ck.keys));
    if (!ck.keys)
        return pcn_error_set(reterr, PCN_ENOMEM, "%s: out of memory", path);
    (void)pcn_strmap_foreach(s->codes, collect_key, &ck);
    h.data_version = s->data_version;
    memcpy(h.source, s->source, sizeof(h.source));
    h.n_patients = s->n_patients;
    h.n_events = s->n_events;
    h.n_codes = s->n_codes;
    h.n_practices = s->n_practices;
    h.n_networks = s->n_networks;
    h.n_members = s->n_members;
    h.n_contacts = s->n_contacts;
    h.ids_len = s->ids_len;
    h.codes_len = ck.len;
    h.practices_len = strings_len(s->practice_code, s->n_practices);
    h.networks_len = strings_len(s->network_code, s->n_networks);
    /* a temporary file beside path, renamed over it: readers see the old file or the new */
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%llx", path, (long)getpid(),
                         (unsigned long long)pcn_monotonic_usec()) >= sizeof(tmp)) {
        rc = pcn_error_set(reterr, PCN_EINVAL, "%s: path too long", path);
        goto out;
    }
    /* patient-level data: readable by its owner only, whatever the umask */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            (void)close(fd);
        goto out;
    }
    if (!put(f, &h, sizeof(h), 1) || !put_columns(f, s, &ck))
        rc = pcn_error_set(reterr, PCN_EIO, "%s: write failed", tmp);
    if (fclose(f) != 0 && !rc)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", path, strerror(errno));
    if (rc)
        (void)unlink(tmp);
out:
    pcn_free(ck.keys);
    return rc;
}

/* ---- reading ---- */

struct reader {
    FILE *f;
    bool ok;
};

/* Allocate n elements of size bytes and read them; NULL (ok cleared) on failure. */
static void *take(struct reader *rd, size_t size, size_t n)
{
    size_t bytes;
    void *p;

    if (!rd->ok || !pcn_size_mul(size, n, &bytes)) {
        rd->ok = false;
        return NULL;
    }
    p = pcn_malloc(bytes ? bytes : 1);
    if (!p || (bytes && fread(p, 1, bytes, rd->f) != bytes)) {
        pcn_free(p);
        rd->ok = false;
        return NULL;
    }
    return p;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        pcn_free(v[i]);
    pcn_free(v);
}

/* Split exactly len bytes of NUL-separated strings into n owned strings; NULL if malformed. */
static char **split_strings(const char *buf, size_t len, size_t n)
{
    char **v = pcn_calloc(n + 1, sizeof(*v));
    size_t at = 0, i;

    if (!v)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *end = at < len ? memchr(buf + at, '\0', len - at) : NULL;
        if (!end)
            break;
        v[i] = pcn_strndup(buf + at, (size_t)(end - (buf + at)));
        if (!v[i])
            break;
        at = (size_t)(end - buf) + 1;
    }
    if (i < n || at != len) {
        free_strings(v, n);
        return NULL;
    }
    return v;
}

static bool offsets_ok(const uint32_t *start, size_t n, size_t total)
{
    if (start[0] != 0 || start[n] != total)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (start[i] > start[i + 1])
            return false;
    }
    return true;
}

/* y * 10000 + m * 100 + d of a real date, or INT32_MAX (none): ages cannot overflow. */
static bool ymd_ok(int32_t ymd)
{
    return ymd == INT32_MAX || (ymd >= 10101 && ymd <= 99991231);
}

/*
 * Every index stored in the file points inside its target, every code is
 * in range (sex, ethnic group, quintile), dates are real dates, values are
 * finite or missing, and strings are UTF-8: what a damaged file could
 * otherwise carry into memory indexing, arithmetic or JSON.
 */
static bool snapshot_valid(const struct pcn_snapshot *s)
{
    for (size_t i = 0; i < s->n_patients; i++) {
        if (s->id_off[i] >= s->ids_len ||
            (s->practice[i] >= s->n_practices && s->practice[i] != UINT16_MAX) ||
            s->sex[i] > PCN_SEX_INDETERMINATE || s->eth[i] >= ETH_COUNT || s->imd_q[i] > 5 ||
            (i && s->key[i] <= s->key[i - 1]))
            return false;
        if (!pcn__date_ok(s->dob[i]) || !ymd_ok(s->dob_ymd[i]) || !pcn__date_ok(s->reg_from[i]) ||
            !pcn__date_ok(s->reg_to[i]) || !pcn__date_ok(s->death[i]))
            return false;
    }
    if (s->ids_len && s->ids[s->ids_len - 1] != '\0')
        return false;
    if (!pcn_utf8_valid(s->ids, s->ids_len))
        return false;
    for (size_t i = 0; i < s->n_practices; i++) {
        if (!pcn_utf8_valid(s->practice_code[i], strlen(s->practice_code[i])))
            return false;
    }
    for (size_t i = 0; i < s->n_networks; i++) {
        if (!pcn_utf8_valid(s->network_code[i], strlen(s->network_code[i])))
            return false;
    }
    for (size_t i = 0; i < s->n_members; i++) {
        if (s->members[i].practice >= s->n_practices || s->members[i].network >= s->n_networks)
            return false;
    }
    if (!offsets_ok(s->code_start, s->n_codes, s->n_events) ||
        !offsets_ok(s->pat_start, s->n_patients, s->n_events))
        return false;
    for (size_t i = 0; i < s->n_events; i++) {
        if (s->ev_patient[i] >= s->n_patients || s->pat_ev[i] >= s->n_events ||
            s->ev_date[i] < PCN_DATE_MIN || s->ev_date[i] > PCN_DATE_MAX || isinf(s->ev_value[i]))
            return false;
    }
    return true;
}

static bool header_ok(const struct snap_header *h)
{
    return !memcmp(h->magic, SNAP_MAGIC, sizeof(h->magic)) && h->format == SNAP_FORMAT &&
           memchr(h->source, '\0', sizeof(h->source)) && h->bom == SNAP_BOM &&
           h->n_patients < UINT32_MAX && h->n_events < UINT32_MAX && h->n_codes < UINT32_MAX &&
           h->n_practices < UINT16_MAX && h->n_networks < UINT16_MAX && h->ids_len < UINT32_MAX &&
           h->n_contacts < UINT32_MAX;
}

/* The file size the header implies, or 0 if it overflows. */
static uint64_t expected_size(const struct snap_header *h)
{
    const uint64_t np = h->n_patients, ne = h->n_events, nc = h->n_codes;
    const uint64_t limit = (uint64_t)1 << 56;
    uint64_t total = sizeof(*h);

    /* every count is below 2^32 (header_ok), so these products cannot overflow */
    if (h->codes_len > limit || h->practices_len > limit || h->networks_len > limit ||
        h->n_members > limit / 16)
        return 0;
    total += np * (size_t)(8 + 4 * 6 + 2 + 3) + h->ids_len + h->practices_len + h->networks_len;
    total += h->n_members * sizeof(struct snap_membership);
    total += ne * (size_t)(4 * 4) + (nc + 1) * 4 + (np + 1) * 4 + nc + h->codes_len;
    total += (np + 1) * 4 + h->n_contacts * (4 + 4 + 2 + 3);
    return total;
}

static enum pcn_err read_maps(struct pcn_snapshot *s, const struct snap_header *h,
                              struct reader *rd)
{
    char *buf = take(rd, 1, (size_t)h->codes_len);
    char **keys = buf ? split_strings(buf, (size_t)h->codes_len, s->n_codes) : NULL;
    enum pcn_err rc = keys ? PCN_OK : PCN_EPARSE;

    if (!rc && !pcn_utf8_valid(buf, (size_t)h->codes_len))
        rc = PCN_EPARSE;
    for (uint32_t c = 0; !rc && c < s->n_codes; c++) {
        if (!keys[c][0] || s->code_class[c] != (uint8_t)keys[c][0])
            rc = PCN_EPARSE;
        else
            rc = pcn_strmap_put(s->codes, keys[c], strlen(keys[c]), c);
    }
    for (size_t i = 0; !rc && i < s->n_practices; i++)
        rc = pcn_strmap_put(s->practice_map, s->practice_code[i], strlen(s->practice_code[i]), i);
    for (size_t i = 0; !rc && i < s->n_networks; i++)
        rc = pcn_strmap_put(s->network_map, s->network_code[i], strlen(s->network_code[i]), i);
    free_strings(keys, s->n_codes);
    pcn_free(buf);
    return rc;
}

/* The contact columns, each value in its range (dates real, roles, modes and attendance known). */
static enum pcn_err read_contacts(struct pcn_snapshot *s, const struct snap_header *h,
                                  struct reader *rd)
{
    size_t n = (size_t)h->n_contacts;

    s->n_contacts = n;
    s->ct_start = take(rd, 4, (size_t)s->n_patients + 1);
    s->ct_date = take(rd, 4, n);
    s->ct_clin = take(rd, 4, n);
    s->ct_wait = take(rd, 2, n);
    s->ct_role = take(rd, 1, n);
    s->ct_mode = take(rd, 1, n);
    s->ct_att = take(rd, 1, n);
    if (!rd->ok || !offsets_ok(s->ct_start, s->n_patients, n))
        return PCN_EPARSE;
    for (size_t i = 0; i < n; i++) {
        if (s->ct_date[i] < PCN_DATE_MIN || s->ct_date[i] > PCN_DATE_MAX || s->ct_wait[i] < -1 ||
            s->ct_role[i] >= PCN_STAFF_COUNT || s->ct_mode[i] > PCN_MODE_HOME_VISIT ||
            s->ct_att[i] > PCN_ENCOUNTER_DNA)
            return PCN_EPARSE;
    }
    return PCN_OK;
}

static enum pcn_err read_body(struct pcn_snapshot *s, const struct snap_header *h,
                              struct reader *rd)
{
    size_t np = (size_t)h->n_patients, ne = (size_t)h->n_events, nc = (size_t)h->n_codes;
    char *pbuf, *nbuf;

    s->n_patients = s->alloc_patients = (uint32_t)np;
    s->n_events = ne;
    s->n_codes = (uint32_t)nc;
    s->ids_len = s->ids_alloc = (size_t)h->ids_len;
    s->key = take(rd, 8, np);
    s->id_off = take(rd, 4, np);
    s->dob = take(rd, 4, np);
    s->dob_ymd = take(rd, 4, np);
    s->reg_from = take(rd, 4, np);
    s->reg_to = take(rd, 4, np);
    s->death = take(rd, 4, np);
    s->practice = take(rd, 2, np);
    s->sex = take(rd, 1, np);
    s->eth = take(rd, 1, np);
    s->imd_q = take(rd, 1, np);
    s->ids = take(rd, 1, s->ids_len);
    pbuf = take(rd, 1, (size_t)h->practices_len);
    nbuf = take(rd, 1, (size_t)h->networks_len);
    if (rd->ok) {
        s->practice_code = split_strings(pbuf, (size_t)h->practices_len, (size_t)h->n_practices);
        s->n_practices = s->alloc_practice = s->practice_code ? (size_t)h->n_practices : 0;
        s->network_code = split_strings(nbuf, (size_t)h->networks_len, (size_t)h->n_networks);
        s->n_networks = s->alloc_network = s->network_code ? (size_t)h->n_networks : 0;
        rd->ok = s->practice_code && s->network_code;
    }
    pcn_free(pbuf);
    pcn_free(nbuf);
    s->members = take(rd, sizeof(*s->members), (size_t)h->n_members);
    s->n_members = s->alloc_members = rd->ok ? (size_t)h->n_members : 0;
    s->ev_patient = take(rd, 4, ne);
    s->ev_date = take(rd, 4, ne);
    s->ev_value = take(rd, 4, ne);
    s->code_start = take(rd, 4, nc + 1);
    s->pat_start = take(rd, 4, np + 1);
    s->pat_ev = take(rd, 4, ne);
    s->code_class = take(rd, 1, nc);
    if (!rd->ok || !snapshot_valid(s))
        return PCN_EPARSE;
    enum pcn_err rc = read_maps(s, h, rd);
    return rc ? rc : read_contacts(s, h, rd);
}

enum pcn_err pcn_snapshot_load(const char *path, struct pcn_snapshot **ret,
                               struct pcn_error *reterr)
{
    struct snap_header h;
    struct pcn_snapshot *s = NULL;
    struct reader rd = {NULL, true};
    enum pcn_err rc;

    if (!path || !ret)
        return PCN_EINVAL;
    rd.f = fopen(path, "rbe");
    if (!rd.f)
        return pcn_error_set(reterr, errno == ENOENT ? PCN_ENOTFOUND : PCN_EIO, "%s: %s", path,
                             strerror(errno));
    rc = pcn_snapshot_new(NULL, &s);
    if (!rc && (fread(&h, sizeof(h), 1, rd.f) != 1 || !header_ok(&h)))
        rc = PCN_EPARSE;
    /* the counts must match the file before anything is allocated from them */
    if (!rc &&
        (fseek(rd.f, 0, SEEK_END) != 0 || ftell(rd.f) < 0 ||
         (uint64_t)ftell(rd.f) != expected_size(&h) || fseek(rd.f, (long)sizeof(h), SEEK_SET) != 0))
        rc = PCN_EPARSE;
    if (!rc)
        rc = read_body(s, &h, &rd);
    if (!rc && fgetc(rd.f) != EOF)
        rc = PCN_EPARSE; /* trailing bytes */
    (void)fclose(rd.f);
    if (rc) {
        pcn_snapshot_free(s);
        return pcn_error_set(reterr, rc, "%s: %s", path,
                             rc == PCN_EPARSE ? "not a valid snapshot file (or another version)"
                                              : pcn_err_str(rc));
    }
    s->data_version = h.data_version;
    memcpy(s->source, h.source, sizeof(s->source));
    /* not in the file: one pass over the dates (about 10 ms for 40 million events) */
    s->last_date = PCN_DATE_NONE;
    for (size_t i = 0; i < s->n_events; i++)
        s->last_date = PCN_MAX(s->last_date, s->ev_date[i]);
    s->finished = true;
    *ret = s;
    return PCN_OK;
}
