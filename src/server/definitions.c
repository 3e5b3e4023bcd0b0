/*
 * definitions.c - the definitions folder and its compiled program, shared
 * by every worker. The folder is compiled once per version: a version is
 * a fingerprint of every file under it (path, size, modification time,
 * inode), looked at no more than once per DEFS_CHECK_USEC by whichever
 * request comes first, so an edited definition or code list is picked up
 * within a second and otherwise costs nothing. Programs are read-only once
 * compiled (pcn/engine.h), so requests evaluate one at once; each holds a
 * reference, and a program replaced by a newer version lives until its
 * last holder (a request, or cached results) lets it go. A folder that no
 * longer compiles is reported once and the previous version kept.
 */
#include "server/population.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "util/common.h"

#define DEFS_CHECK_USEC 1000000 /* how stale the check of the folder may be */
#define DEFS_MAX_DEPTH 6        /* folders below the definitions folder looked at */
#define DEFS_MAX_FILES 100000   /* files fingerprinted, at most */

struct pcn__program_ref {
    struct pcn_program *prog;
    uint64_t version; /* 1, 2, ...: one per compile */
    atomic_int refs;
};

struct pcn__defs {
    char dir[4096];
    pthread_mutex_t lock;         /* guards cur, fingerprints and the time of the check */
    pthread_mutex_t compile_lock; /* one look at the folder (and compile) at a time */
    struct pcn__program_ref *cur; /* NULL until the first compile */
    uint64_t fingerprint;         /* of the files cur was compiled from */
    uint64_t failed;              /* fingerprint of files that did not compile */
    bool has_failed;              /* failed is set */
    atomic_llong checked_usec;    /* monotonic time of the last look; 0: never */
    atomic_ullong compiles;       /* programs compiled */
    atomic_ullong version;        /* cur's version, 0 before the first */
};

enum pcn_err pcn__defs_new(const char *dir, struct pcn__defs **ret)
{
    struct pcn__defs *d;

    if (!dir || strlen(dir) >= sizeof(d->dir))
        return PCN_EINVAL;
    d = pcn_calloc(1, sizeof(*d));
    if (!d)
        return PCN_ENOMEM;
    memcpy(d->dir, dir, strlen(dir) + 1);
    (void)pthread_mutex_init(&d->lock, NULL);
    (void)pthread_mutex_init(&d->compile_lock, NULL);
    atomic_init(&d->checked_usec, 0);
    atomic_init(&d->compiles, 0);
    atomic_init(&d->version, 0);
    *ret = d;
    return PCN_OK;
}

void pcn__program_release(struct pcn__program_ref *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
        pcn_program_free(p->prog);
        pcn_free(p);
    }
}

void pcn__defs_free(struct pcn__defs *d)
{
    if (!d)
        return;
    pcn__program_release(d->cur);
    (void)pthread_mutex_destroy(&d->compile_lock);
    (void)pthread_mutex_destroy(&d->lock);
    pcn_free(d);
}

struct pcn__program_ref *pcn__program_hold(struct pcn__program_ref *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

const struct pcn_program *pcn__program_of(const struct pcn__program_ref *p)
{
    return p->prog;
}

uint64_t pcn__program_version(const struct pcn__program_ref *p)
{
    return p->version;
}

void pcn__defs_stats(struct pcn__defs *d, uint64_t *ret_version, uint64_t *ret_compiles)
{
    *ret_version = atomic_load(&d->version);
    *ret_compiles = atomic_load(&d->compiles);
}

struct walk {
    uint64_t sum; /* of the files' hashes: the same whatever order readdir gives */
    size_t files;
};

/* Add every file under the folder fd (path rel for the hashes), depth folders down. */
static void walk_dir(int fd, const char *rel, int depth, struct walk *w)
{
    DIR *dir = fdopendir(fd);
    struct dirent *de;

    if (!dir) {
        (void)close(fd);
        return;
    }
    while (w->files < DEFS_MAX_FILES && (de = readdir(dir)) != NULL) {
        char path[4096];
        struct stat st;
        if (de->d_name[0] == '.' || fstatat(dirfd(dir), de->d_name, &st, 0) != 0 ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", rel, de->d_name) >= sizeof(path))
            continue;
        if (S_ISDIR(st.st_mode) && depth > 0) {
            int sub = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub >= 0)
                walk_dir(sub, path, depth - 1, w);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        {
            struct {
                int64_t size, sec, nsec;
                uint64_t ino, path;
            } f = {st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino,
                   pcn_hash_bytes(path, strlen(path))};
            w->sum += pcn_hash_bytes(&f, sizeof(f));
            w->files++;
        }
    }
    (void)closedir(dir);
}

/* The fingerprint of the folder's files, or 0 when it cannot be read. */
static uint64_t fingerprint(const char *dir)
{
    struct walk w = {0, 0};
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    walk_dir(fd, "", DEFS_MAX_DEPTH, &w);
    return pcn_hash_bytes(&w, sizeof(w)) | 1; /* never 0 */
}

/* Compile the folder as version `version`. */
static enum pcn_err compile(struct pcn__defs *d, uint64_t version, struct pcn__program_ref **ret,
                            struct pcn_error *err)
{
    struct pcn__program_ref *p = pcn_calloc(1, sizeof(*p));
    pcn_usec_t t0 = pcn_monotonic_usec();
    enum pcn_err rc;

    if (!p)
        return pcn_error_set(err, PCN_ENOMEM, "%s", pcn_err_str(PCN_ENOMEM));
    p->prog = pcn_program_new();
    rc = p->prog ? pcn_program_load_dir(p->prog, d->dir, 0, err)
                 : pcn_error_set(err, PCN_ENOMEM, "%s", pcn_err_str(PCN_ENOMEM));
    if (rc != PCN_OK) {
        pcn_program_free(p->prog);
        pcn_free(p);
        return rc;
    }
    p->version = version;
    atomic_init(&p->refs, 1);
    atomic_fetch_add(&d->compiles, 1);
    pcn__log("engine: definitions compiled (version %llu, %zu definitions) in %.1f ms",
             (unsigned long long)version, pcn_program_def_count(p->prog),
             (double)(pcn_monotonic_usec() - t0) / 1000.0);
    *ret = p;
    return PCN_OK;
}

/*
 * Under compile_lock: look at the folder and compile it when it changed
 * since the current program (or there is none). A folder that does not
 * compile keeps the current program (logged once per version of the
 * files); with no program at all it is the caller's error.
 */
static enum pcn_err refresh(struct pcn__defs *d, struct pcn_error *err)
{
    uint64_t fp = fingerprint(d->dir);
    struct pcn__program_ref *fresh = NULL;
    struct pcn__program_ref *old;
    enum pcn_err rc;

    if (d->cur && fp == d->fingerprint)
        return PCN_OK;
    if (d->has_failed && fp == d->failed)
        return d->cur ? PCN_OK : pcn_error_set(err, PCN_EPARSE, "the definitions do not compile");
    rc = compile(d, atomic_load(&d->version) + 1, &fresh, err);
    if (rc != PCN_OK) {
        if (rc != PCN_ENOMEM) { /* out of memory: try again at the next look */
            pcn__log("engine: the definitions do not compile%s: %s",
                     d->cur ? "; the previous version stays in use" : "", err->msg);
            d->failed = fp;
            d->has_failed = true;
        }
        return d->cur ? PCN_OK : rc;
    }
    (void)pthread_mutex_lock(&d->lock);
    old = d->cur;
    d->cur = fresh;
    d->fingerprint = fp;
    d->has_failed = false;
    atomic_store(&d->version, fresh->version);
    (void)pthread_mutex_unlock(&d->lock);
    pcn__program_release(old); /* requests still using it hold their own references */
    return PCN_OK;
}

enum pcn_err pcn__defs_program(struct pcn__defs *d, struct pcn__program_ref **ret,
                               struct pcn_error *err)
{
    int64_t checked = atomic_load(&d->checked_usec);
    struct pcn__program_ref *p;
    enum pcn_err rc = PCN_OK;

    if (checked == 0 || pcn_monotonic_usec() - checked >= DEFS_CHECK_USEC) {
        (void)pthread_mutex_lock(&d->compile_lock);
        /* another request may have looked while this one waited */
        checked = atomic_load(&d->checked_usec);
        if (checked == 0 || pcn_monotonic_usec() - checked >= DEFS_CHECK_USEC) {
            rc = refresh(d, err);
            /* after the look: requests arriving meanwhile wait for it above */
            atomic_store(&d->checked_usec, pcn_monotonic_usec());
        }
        (void)pthread_mutex_unlock(&d->compile_lock);
    }
    (void)pthread_mutex_lock(&d->lock);
    p = d->cur;
    if (p)
        atomic_fetch_add(&p->refs, 1);
    (void)pthread_mutex_unlock(&d->lock);
    if (!p)
        return rc != PCN_OK ? rc : pcn_error_set(err, PCN_ENOTFOUND, "no definitions");
    *ret = p;
    return PCN_OK;
}

uint64_t pcn__defs_current(struct pcn__defs *d)
{
    struct pcn__program_ref *p = NULL;
    struct pcn_error err;
    uint64_t version;

    if (pcn__defs_program(d, &p, &err) != PCN_OK)
        return 0;
    version = p->version;
    pcn__program_release(p);
    return version;
}
