/*
 * store.c - the core of the public storage API: picks a backend from the
 * location at open and forwards each core call through the backend's core
 * table. Checks that are the same for every backend (arguments,
 * transaction state) live here so backends stay small, and so does the
 * life of each domain's state on the handle: its hooks run before a
 * commit, after every transaction and at close. The domains' own calls are
 * dispatched by src/store/<domain>.c.
 */
#include "pcn/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "store/migrations.h"
#include "store/population_int.h"
#include "store/store_int.h"
#include "util/common.h"

enum pcn_err pcn__store_generation(char out[PCN__STORE_GENERATION_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n < 0 && errno != EINTR)
            return PCN_EIO;
        got += n > 0 ? (size_t)n : 0;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * sizeof(raw)] = '\0';
    return PCN_OK;
}

enum pcn_err pcn__store_fail(struct pcn_store *s, enum pcn_err code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
    va_end(ap);
    return code;
}

const void *pcn__store_no_domain(struct pcn_store *s, const struct pcn__store_domain *d)
{
    (void)pcn__store_fail(s, PCN_ESTORAGE, "the %s backend does not store the %s domain",
                          s->ops->name, d->name);
    return NULL;
}

static bool is_postgres_location(const char *loc)
{
    return strncmp(loc, "postgresql://", 13) == 0 || strncmp(loc, "postgres://", 11) == 0 ||
           strncmp(loc, "host=", 5) == 0 || strncmp(loc, "dbname=", 7) == 0;
}

enum pcn_err pcn_store_open(const char *location, unsigned flags, struct pcn_store **ret,
                            struct pcn_error *reterr)
{
    struct pcn_store *s = NULL;
    size_t n_domains = 0;
    enum pcn_err rc;

    if (!location || !*location || !ret)
        return pcn_error_set(reterr, PCN_EINVAL, "no database given (use --db FILE or PCN_DB)");
    if (is_postgres_location(location))
        rc = pcn__pg_open(location, flags, &s, reterr);
    else
        rc = pcn__sqlite_open(location, flags, &s, reterr);
    if (rc != PCN_OK)
        return rc;
    while (s->domains[n_domains])
        n_domains++;
    s->states = pcn_calloc(n_domains + 1, sizeof(*s->states));
    if (!s->states) {
        s->ops->close(s);
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    }
    *ret = s;
    return PCN_OK;
}

/* Each domain's end_tx hook: the transaction is over. */
static void domains_end_tx(struct pcn_store *s)
{
    for (int i = 0; s->domains[i]; i++) {
        if (s->domains[i]->end_tx && s->states[i])
            s->domains[i]->end_tx(s, s->states[i]);
    }
}

/* Each domain's before_commit hook, until one fails. */
static enum pcn_err domains_before_commit(struct pcn_store *s)
{
    enum pcn_err rc = PCN_OK;

    for (int i = 0; s->domains[i] && rc == PCN_OK; i++) {
        if (s->domains[i]->before_commit && s->states[i])
            rc = s->domains[i]->before_commit(s, s->states[i]);
    }
    return rc;
}

/* The domains' state goes first: it may hold the backend's resources (statements). */
void pcn_store_close(struct pcn_store *s)
{
    if (!s)
        return;
    for (int i = 0; s->states && s->domains[i]; i++) {
        if (s->domains[i]->free_state && s->states[i])
            s->domains[i]->free_state(s, s->states[i]);
    }
    pcn_free(s->states);
    s->states = NULL;
    s->ops->close(s);
}

const char *pcn_store_errmsg(const struct pcn_store *s)
{
    return s->errmsg;
}

const char *pcn_store_backend(const struct pcn_store *s)
{
    return s->ops->name;
}

int pcn_store_schema_version(const struct pcn_store *s)
{
    return s->ops->schema_version(s);
}

int pcn_store_schema_latest(void)
{
    return pcn__migration_count;
}

enum pcn_err pcn_store_data_version(struct pcn_store *s, int64_t *ret)
{
    return s->ops->data_version(s, ret);
}

enum pcn_err pcn_store_get_meta(struct pcn_store *s, const char *key, char *out, size_t size)
{
    if (!key || !out || size == 0)
        return pcn__store_fail(s, PCN_EINVAL, "bad meta lookup");
    return s->ops->get_meta(s, key, out, size);
}

enum pcn_err pcn_store_set_meta(struct pcn_store *s, const char *key, const char *value)
{
    if (!key || !value)
        return pcn__store_fail(s, PCN_EINVAL, "bad meta value");
    return PCN__STORE_WRITE(s, s->ops->set_meta(s, key, value));
}

/* The date meta value key ("YYYY-MM-DD" or "none": PCN_DATE_NONE); PCN_ENOTFOUND when unset. */
static enum pcn_err meta_date(struct pcn_store *s, const char *key, int32_t *ret)
{
    char v[32];
    enum pcn_err rc = pcn_store_get_meta(s, key, v, sizeof(v));

    if (rc != PCN_OK)
        return rc;
    if (!strcmp(v, "none")) {
        *ret = PCN_DATE_NONE;
        return PCN_OK;
    }
    if (pcn_date_parse(v, strlen(v), ret) != PCN_OK)
        return pcn__store_fail(s, PCN_EINVAL, "meta %s is not a date: '%.32s'", key, v);
    return PCN_OK;
}

/* The later of two dates, either of which may be PCN_DATE_NONE. */
static int32_t later(int32_t a, int32_t b)
{
    if (a == PCN_DATE_NONE)
        return b;
    return b == PCN_DATE_NONE || a > b ? a : b;
}

/*
 * The latest date the data describe: the records' (kept in meta at import;
 * found from the records when a database of an older schema, opened
 * read-only, has none) and the registry's. Read once per data version.
 */
static enum pcn_err last_data_date(struct pcn_store *s, int32_t *ret)
{
    const struct pcn__store_population_ops *pop = pcn__store_domain_ops(s, &pcn__store_population);
    int32_t records = PCN_DATE_NONE, registry = PCN_DATE_NONE;
    int64_t version = 0;
    enum pcn_err rc = pop ? pcn_store_data_version(s, &version) : PCN_ESTORAGE;

    if (rc == PCN_OK && (!s->has_last_date || s->last_date_version != version)) {
        rc = meta_date(s, PCN_META_RECORDS_LAST_DATE, &records);
        if (rc == PCN_ENOTFOUND)
            rc = pop->records_last_date(s, &records);
        if (rc == PCN_OK)
            rc = pop->registry_last_date(s, &registry);
        s->last_date = later(records, registry);
        s->has_last_date = rc == PCN_OK;
        s->last_date_version = version;
    }
    if (rc == PCN_OK)
        *ret = s->last_date;
    return rc;
}

/*
 * At commit: PCN_META_RECORDS_LAST_DATE after the transaction's records.
 * Records put can only make it later; when records were removed (patients
 * replaced) it is found again from what is left.
 */
static enum pcn_err keep_records_date(struct pcn_store *s)
{
    const struct pcn__store_population_ops *pop;
    char v[PCN_DATE_STR_SIZE];
    int32_t d = PCN_DATE_NONE;
    enum pcn_err rc;

    if (!s->tx_has_records && s->tx.records_removed == 0)
        return PCN_OK;
    pop = pcn__store_domain_ops(s, &pcn__store_population);
    if (!pop)
        return PCN_ESTORAGE;
    rc = s->tx.records_removed ? PCN_ENOTFOUND : meta_date(s, PCN_META_RECORDS_LAST_DATE, &d);
    if (rc == PCN_ENOTFOUND)
        rc = pop->records_last_date(s, &d);
    else if (rc == PCN_OK)
        d = later(d, s->tx_last_record);
    if (rc != PCN_OK)
        return rc;
    if (d == PCN_DATE_NONE)
        return s->ops->set_meta(s, PCN_META_RECORDS_LAST_DATE, "none");
    pcn_date_format(d, v);
    return s->ops->set_meta(s, PCN_META_RECORDS_LAST_DATE, v);
}

/* A new transaction: nothing put or replaced yet. */
static void tx_reset(struct pcn_store *s)
{
    s->tx = (struct pcn_store_tx_stats){0, 0};
    s->tx_last_record = PCN_DATE_NONE;
    s->tx_has_records = 0;
}

void pcn_store_tx_stats(const struct pcn_store *s, struct pcn_store_tx_stats *ret)
{
    *ret = s->tx;
}

enum pcn_err pcn_store_default_as_of(struct pcn_store *s, int32_t *ret)
{
    int32_t today = pcn_date_today();
    int32_t d = PCN_DATE_NONE;
    enum pcn_err rc = meta_date(s, PCN_META_DATA_AS_OF, &d);

    if (rc == PCN_OK && d != PCN_DATE_NONE) {
        *ret = d;
        return PCN_OK;
    }
    if (rc != PCN_ENOTFOUND && rc != PCN_OK)
        return rc;
    rc = last_data_date(s, &d);
    if (rc == PCN_OK)
        *ret = d != PCN_DATE_NONE && d < today ? d : today;
    return rc;
}

enum pcn_err pcn_store_set_deadline(struct pcn_store *s, int64_t deadline)
{
    if (deadline < 0)
        return pcn__store_fail(s, PCN_EINVAL, "bad deadline");
    s->deadline = deadline;
    return s->ops->set_deadline(s, deadline);
}

/* Run an undo or a release (rollback, end of a read) with the deadline lifted: it must finish. */
static void without_deadline(struct pcn_store *s, void (*op)(struct pcn_store *s))
{
    if (s->deadline)
        (void)s->ops->set_deadline(s, 0);
    op(s);
    if (s->deadline)
        (void)s->ops->set_deadline(s, s->deadline);
}

enum pcn_err pcn_store_begin(struct pcn_store *s)
{
    enum pcn_err rc;

    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    rc = s->ops->begin(s);
    if (rc == PCN_OK)
        s->in_tx = 1;
    tx_reset(s);
    return rc;
}

enum pcn_err pcn_store_begin_bulk(struct pcn_store *s)
{
    enum pcn_err rc;

    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    rc = s->ops->begin_bulk ? s->ops->begin_bulk(s) : s->ops->begin(s);
    if (rc == PCN_OK)
        s->in_tx = 1;
    tx_reset(s);
    return rc;
}

enum pcn_err pcn_store_commit(struct pcn_store *s)
{
    enum pcn_err rc;

    if (!s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "no transaction is open");
    if (s->deadline && pcn_monotonic_usec() >= s->deadline) {
        pcn_store_rollback(s);
        return pcn__store_fail(s, PCN_ETIMEDOUT, "the time limit passed before commit");
    }
    rc = domains_before_commit(s);
    if (rc == PCN_OK)
        rc = keep_records_date(s);
    if (rc == PCN_OK)
        rc = s->ops->commit(s);
    if (rc != PCN_OK)
        without_deadline(s, s->ops->rollback);
    domains_end_tx(s);
    s->in_tx = 0;
    return rc;
}

int pcn_store_in_transaction(const struct pcn_store *s)
{
    return s && s->in_tx;
}

void pcn_store_rollback(struct pcn_store *s)
{
    if (!s || !s->in_tx)
        return;
    without_deadline(s, s->ops->rollback);
    domains_end_tx(s);
    s->in_tx = 0;
}

enum pcn_err pcn_store_begin_read(struct pcn_store *s)
{
    if (s->in_tx)
        return pcn__store_fail(s, PCN_EINVAL, "a transaction is already open");
    return s->ops->begin_read(s);
}

void pcn_store_end_read(struct pcn_store *s)
{
    if (s && !s->in_tx)
        without_deadline(s, s->ops->end_read);
}
