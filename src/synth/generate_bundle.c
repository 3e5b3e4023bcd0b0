/*
 * generate_bundle.c - pcn_generate_bundle(): the generator writing a native
 * CSV bundle with several threads. The plan of practices is cut into
 * contiguous parts of about equal population; each thread generates its
 * part with its own bundle writer (part 0 into the target directory, the
 * others into hidden part directories), and the parts are then appended in
 * order, terms de-duplicated by (system, code). NHS numbers of each part
 * start where the previous part's end, so the bundle is byte-identical to a
 * one-thread run whatever the thread count.
 */
#include "pcn/generate.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/generate_int.h"
#include "pcn/alloc.h"
#include "pcn/bundle.h"
#include "pcn/hash.h"
#include "util/common.h"

#define MAX_THREADS 8
#define PATH_SIZE 4096

static const char *const bundle_files[] = {
    "patients.csv", "events.csv", "medications.csv", "immunisations.csv", "encounters.csv",
};

struct part {
    const struct pcn_refdata *ref;
    const struct pcn_gen_options *opt;
    const uint32_t *plan;
    size_t from, to;
    uint64_t nhs_next;
    char dir[PATH_SIZE];
    struct pcn_gen_stats stats;
    struct pcn_error err;
    enum pcn_err rc;
};

static void *run_part(void *arg)
{
    struct part *p = arg;
    struct pcn_bundle_writer *w = NULL;
    struct pcn_sink sink;
    p->rc = pcn_bundle_writer_open(p->dir, &w, &p->err);
    if (p->rc != PCN_OK)
        return NULL;
    pcn_bundle_writer_sink(w, &sink);
    p->rc = pcn__gen_range(p->ref, p->opt, &sink, NULL, p->plan, p->from, p->to, p->nhs_next,
                           &p->stats, &p->err);
    struct pcn_error cerr = {0};
    enum pcn_err crc = pcn_bundle_writer_close(w, &cerr);
    if (p->rc == PCN_OK && crc != PCN_OK) {
        p->rc = crc;
        p->err = cerr;
    }
    return NULL;
}

/* Append src (without its header line) to dst. */
static enum pcn_err append_file(const char *dst, const char *src, struct pcn_error *reterr)
{
    FILE *in = fopen(src, "re");
    FILE *out = fopen(dst, "ae");
    char *buf = pcn_malloc(1 << 20);
    enum pcn_err rc = PCN_OK;
    bool header = true;
    if (!in || !out || !buf) {
        rc = pcn_error_set(reterr, buf ? PCN_EIO : PCN_ENOMEM, "%s: %s", in ? dst : src,
                           strerror(errno));
        goto out;
    }
    for (;;) {
        size_t n = fread(buf, 1, 1 << 20, in);
        size_t skip = 0;
        if (n == 0)
            break;
        if (header) {
            char *nl = memchr(buf, '\n', n);
            if (!nl)
                continue;
            skip = (size_t)(nl - buf) + 1;
            header = false;
        }
        if (fwrite(buf + skip, 1, n - skip, out) != n - skip) {
            rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", dst, strerror(errno));
            goto out;
        }
    }
    if (ferror(in))
        rc = pcn_error_set(reterr, PCN_EIO, "%s: read error", src);
out:
    if (in)
        (void)fclose(in);
    if (out && fclose(out) != 0 && rc == PCN_OK)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", dst, strerror(errno));
    pcn_free(buf);
    return rc;
}

/* Key of a terms.csv line: "system,code" (neither contains a comma or a quote). */
static size_t term_key_len(const char *line)
{
    const char *c = strchr(line, ',');
    c = c ? strchr(c + 1, ',') : NULL;
    return c ? (size_t)(c - line) : strlen(line);
}

static enum pcn_err read_keys(const char *path, struct pcn_strmap *keys, struct pcn_error *reterr)
{
    char line[8192];
    FILE *f = fopen(path, "re");
    enum pcn_err rc = PCN_OK;
    if (!f)
        return pcn_error_set(reterr, PCN_EIO, "%s: %s", path, strerror(errno));
    while (rc == PCN_OK && fgets(line, sizeof(line), f))
        rc = pcn_strmap_put(keys, line, term_key_len(line), 1);
    (void)fclose(f);
    return rc;
}

/* Append the terms of src not yet in dst; *ret_added counts them. */
static enum pcn_err append_terms(const char *dst, const char *src, struct pcn_strmap *keys,
                                 int64_t *ret_added, struct pcn_error *reterr)
{
    char line[8192];
    FILE *in = fopen(src, "re");
    FILE *out = fopen(dst, "ae");
    enum pcn_err rc = PCN_OK;
    bool header = true;
    if (!in || !out) {
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", in ? dst : src, strerror(errno));
        goto out;
    }
    while (rc == PCN_OK && fgets(line, sizeof(line), in)) {
        uint64_t v = 0;
        int added = 0;
        if (header) {
            header = false;
            continue;
        }
        rc = pcn_strmap_intern(keys, line, term_key_len(line), 1, &v, &added);
        if (rc == PCN_OK && added) {
            (*ret_added)++;
            if (fputs(line, out) < 0)
                rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", dst, strerror(errno));
        }
    }
out:
    if (in)
        (void)fclose(in);
    if (out && fclose(out) != 0 && rc == PCN_OK)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", dst, strerror(errno));
    return rc;
}

static void add_stats(struct pcn_gen_stats *a, const struct pcn_gen_stats *b)
{
    a->networks += b->networks;
    a->practices += b->practices;
    a->patients += b->patients;
    a->registered += b->registered;
    a->events += b->events;
    a->medications += b->medications;
    a->immunisations += b->immunisations;
    a->encounters += b->encounters;
}

/* Append part p's files to the target directory and remove them. */
static enum pcn_err merge_part(const char *dir, const struct part *p, struct pcn_strmap *keys,
                               int64_t *terms, struct pcn_error *reterr)
{
    char dst[PATH_SIZE], src[PATH_SIZE];
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i <= PCN_ARRAY_SIZE(bundle_files) && rc == PCN_OK; i++) {
        const char *name = i < PCN_ARRAY_SIZE(bundle_files) ? bundle_files[i] : "terms.csv";
        int a = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
        int b = snprintf(src, sizeof(src), "%s/%s", p->dir, name);
        if (a < 0 || b < 0 || (size_t)a >= sizeof(dst) || (size_t)b >= sizeof(src))
            return pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", dir);
        rc = i < PCN_ARRAY_SIZE(bundle_files) ? append_file(dst, src, reterr)
                                              : append_terms(dst, src, keys, terms, reterr);
        if (rc == PCN_OK && unlink(src) != 0)
            rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", src, strerror(errno));
    }
    if (rc == PCN_OK && rmdir(p->dir) != 0)
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", p->dir, strerror(errno));
    return rc;
}

/* Cut plan into n_parts contiguous parts of about equal population. */
static void split(const struct pcn_refdata *ref, const uint32_t *plan, size_t n, struct part *parts,
                  int n_parts)
{
    size_t total = 0, acc = 0;
    int k = 0;
    uint64_t nhs = PCN_GEN_NHS_FIRST;
    parts[0].from = 0;
    parts[0].to = 0;
    parts[0].nhs_next = nhs;
    if (!plan)
        return; /* an invented network: one part */
    for (size_t i = 0; i < n; i++)
        total += pcn__gen_practice_people(ref, plan[i]);
    for (size_t i = 0; i < n; i++) {
        size_t people = pcn__gen_practice_people(ref, plan[i]);
        if (k + 1 < n_parts && acc >= total / (size_t)n_parts * (size_t)(k + 1)) {
            parts[k].to = i;
            parts[++k].from = i;
            parts[k].nhs_next = nhs;
        }
        acc += people;
        nhs = pcn__gen_nhs_advance(nhs, people);
    }
    parts[k].to = n;
    for (int j = k + 1; j < n_parts; j++) {
        parts[j].from = n;
        parts[j].to = n;
        parts[j].nhs_next = nhs;
    }
}

static enum pcn_err run_parts(struct part *parts, int n_parts, struct pcn_error *reterr)
{
    pthread_t tids[MAX_THREADS];
    int started = 0;
    enum pcn_err rc = PCN_OK;
    for (int i = 1; i < n_parts; i++) {
        if (pthread_create(&tids[i], NULL, run_part, &parts[i]) != 0) {
            rc = pcn_error_set(reterr, PCN_EAGAIN, "generate: cannot start a thread");
            break;
        }
        started = i;
    }
    run_part(&parts[0]);
    for (int i = 1; i <= started; i++)
        (void)pthread_join(tids[i], NULL);
    for (int i = 0; i < n_parts && rc == PCN_OK; i++)
        if (parts[i].rc != PCN_OK) {
            rc = parts[i].rc;
            if (reterr)
                *reterr = parts[i].err;
        }
    return rc;
}

static enum pcn_err merge_parts(const char *dir, struct part *parts, int n_parts,
                                struct pcn_gen_stats *st, struct pcn_error *reterr)
{
    char path[PATH_SIZE];
    struct pcn_strmap *keys = pcn_strmap_new();
    enum pcn_err rc = keys ? PCN_OK : PCN_ENOMEM;
    int n = snprintf(path, sizeof(path), "%s/terms.csv", dir);
    if (rc == PCN_OK && (n < 0 || (size_t)n >= sizeof(path)))
        rc = PCN_ELIMIT;
    if (rc == PCN_OK)
        rc = read_keys(path, keys, reterr);
    *st = parts[0].stats;
    for (int i = 1; i < n_parts && rc == PCN_OK; i++) {
        add_stats(st, &parts[i].stats);
        rc = merge_part(dir, &parts[i], keys, &st->terms, reterr);
    }
    pcn_strmap_free(keys);
    return rc;
}

enum pcn_err pcn_generate_bundle(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                                 const char *dir, int n_threads, struct pcn_gen_stats *ret_stats,
                                 struct pcn_error *reterr)
{
    struct part *parts = NULL;
    uint32_t *plan = NULL;
    size_t n = 0;
    struct pcn_gen_stats st = {0};
    if (!ref || !opt || !dir || n_threads < 1 || n_threads > MAX_THREADS)
        return pcn_error_set(reterr, PCN_EINVAL, "generate: bad argument (threads 1-%d)",
                             MAX_THREADS);
    enum pcn_err rc = pcn__gen_plan(ref, opt, &plan, &n, reterr);
    if (rc != PCN_OK)
        goto out;
    int n_parts = plan && (size_t)n_threads <= n ? n_threads : 1;
    parts = pcn_calloc((size_t)n_parts, sizeof(*parts));
    if (!parts) {
        rc = PCN_ENOMEM;
        goto out;
    }
    split(ref, plan, n, parts, n_parts);
    for (int i = 0; i < n_parts; i++) {
        int len = i == 0 ? snprintf(parts[i].dir, PATH_SIZE, "%s", dir)
                         : snprintf(parts[i].dir, PATH_SIZE, "%s/.part-%d", dir, i);
        if (len < 0 || len >= PATH_SIZE) {
            rc = pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", dir);
            goto out;
        }
        parts[i].ref = ref;
        parts[i].opt = opt;
        parts[i].plan = plan;
    }
    /* the part directories live in the target directory: make it before the threads start */
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    rc = run_parts(parts, n_parts, reterr);
    if (rc == PCN_OK)
        rc = merge_parts(dir, parts, n_parts, &st, reterr);
    if (rc == PCN_OK && ret_stats)
        *ret_stats = st;
out:
    pcn_free(parts);
    pcn_free(plan);
    return rc;
}
