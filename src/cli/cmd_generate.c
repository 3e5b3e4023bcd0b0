/*
 * cmd_generate.c - pcn generate: build a synthetic twin of a real PCN (or
 * of every PCN of an ICB, or of England), or an invented network, from the
 * public reference data, into a database (with its registry rows) or a
 * native CSV bundle directory. The model is in docs/generator.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_finance.h"
#include "pcn/date.h"
#include "pcn/generate.h"
#include "pcn/parse.h"
#include "pcn/sp_twin.h"
#include "pcn/ppg_twin.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"
#include "util/common.h"

static const char generate_usage[] =
    "usage: pcn generate (--db FILE | --out DIR) [--seed N] [--as-of DATE] WHAT\n"
    "  WHAT is one of:\n"
    "    --pcn CODE                  a synthetic twin of a real network (e.g. U89141)\n"
    "    --practice CODE             one real practice\n"
    "    --icb CODE                  every network of an ICB (e.g. QHM)\n"
    "    --all                       every network in England\n"
    "    --practices N --patients N  an invented network\n"
    "  --threads N (1-8, default 2) writes a bundle with N threads; the output is the same.\n"
    "  With --pcn, --icb or --all into a database the networks also get their staff from\n"
    "  the workforce census (docs/finance.md); --no-staff leaves the register empty.\n"
    "  --no-sp leaves out the social prescribing twin (directory and referrals) and --no-ppg\n"
    "  the patient partnership twin (PPGs, a year of engagement), which a\n"
    "  network generated into a database otherwise gets.\n";

/* Registry rows of the generated networks go into the store. */
static enum pcn_err put_network(void *ctx, const struct pcn_network *n)
{
    return pcn_store_put_network(ctx, n);
}

static enum pcn_err put_practice(void *ctx, const struct pcn_practice *p,
                                 const struct pcn_membership *m)
{
    enum pcn_err rc = pcn_store_put_practice(ctx, p);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_store_add_membership(ctx, m);
    /* generating again into the same database keeps the existing membership */
    return rc == PCN_ECONFLICT ? PCN_OK : rc;
}

static enum pcn_err put_list_size(void *ctx, const struct pcn_list_size *l)
{
    return pcn_store_put_list_size(ctx, l);
}

static enum pcn_err put_list_band(void *ctx, const struct pcn_list_band *b)
{
    return pcn_store_put_list_band(ctx, b);
}

struct generate_args {
    const char *db;
    const char *out;
    struct pcn_gen_options opt;
    int invented; /* --practices or --patients given */
    int threads;  /* --threads: bundle writer threads */
    int no_staff; /* --no-staff: no staff register from the workforce census */
    int with_sp;  /* one network into a database: its social prescribing twin too */
    int no_sp;    /* --no-sp */
    int no_ppg;   /* --no-ppg */
};

static int parse_count(const char *opt, const char *s, int64_t max, int64_t *ret)
{
    if (pcn_parse_range(s, strlen(s), 1, max, ret) != PCN_OK)
        return cli_usage_error("generate", "%s: '%s' is not a number from 1 to %lld", opt, s,
                               (long long)max);
    return CLI_EXIT_OK;
}

static int parse_option(struct generate_args *a, int c, const char *arg)
{
    int64_t n = 0;
    int rc = CLI_EXIT_OK;
    switch (c) {
    case 'd':
        a->db = arg;
        break;
    case 'o':
        a->out = arg;
        break;
    case 'p':
        a->opt.pcn = arg;
        break;
    case 'P':
        a->opt.practice = arg;
        break;
    case 'i':
        a->opt.icb = arg;
        break;
    case 'A':
        a->opt.all = 1;
        break;
    case 's':
        if (pcn_parse_u64(arg, strlen(arg), &a->opt.seed) != PCN_OK)
            rc = cli_usage_error("generate", "--seed: '%s' is not a number", arg);
        break;
    case 'a':
        rc = cli_parse_date("generate", "--as-of", arg, &a->opt.as_of);
        break;
    case 'n':
        rc = parse_count("--practices", arg, 64, &n);
        a->opt.n_practices = (int)n;
        a->invented = 1;
        break;
    case 'N':
        rc = parse_count("--patients", arg, 10000000, &a->opt.n_patients);
        a->invented = 1;
        break;
    case 't':
        rc = parse_count("--threads", arg, 8, &n);
        a->threads = (int)n;
        break;
    case 'S':
        a->no_staff = 1;
        break;
    default:
        rc = CLI_EXIT_USAGE;
    }
    return rc;
}

static int parse_args(int argc, char **argv, struct generate_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"pcn", required_argument, NULL, 'p'},
        {"practice", required_argument, NULL, 'P'},
        {"icb", required_argument, NULL, 'i'},
        {"all", no_argument, NULL, 'A'},
        {"seed", required_argument, NULL, 's'},
        {"as-of", required_argument, NULL, 'a'},
        {"practices", required_argument, NULL, 'n'},
        {"patients", required_argument, NULL, 'N'},
        {"threads", required_argument, NULL, 't'},
        {"no-staff", no_argument, NULL, 'S'},
        {"no-sp", no_argument, NULL, 'X'},
        {"no-ppg", no_argument, NULL, 'G'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(generate_usage, stdout);
            return -1;
        }
        if (c == 'X') {
            a->no_sp = 1;
            continue;
        }
        if (c == 'G') {
            a->no_ppg = 1;
            continue;
        }
        int rc = parse_option(a, c, optarg);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("generate", "unexpected argument '%s'", argv[optind]);
    int what = !!a->opt.pcn + !!a->opt.practice + !!a->opt.icb + a->opt.all + a->invented;
    if (what != 1)
        return cli_usage_error("generate", "give exactly one of --pcn, --practice, --icb, --all "
                                           "or --practices/--patients");
    if (!a->out && !cli_db_location(a->db))
        return cli_usage_error("generate",
                               "no output: give --db FILE (or set PCN_DB) or --out DIR");
    if (a->out && a->db)
        return cli_usage_error("generate", "give --db or --out, not both");
    /* one network into a database: its social prescribing twin too (docs/generator.md) */
    a->with_sp = !a->out && !a->no_sp && (a->opt.pcn || a->invented);
    return CLI_EXIT_OK;
}

static void summary(const struct generate_args *a, const struct pcn_gen_stats *st, double secs)
{
    printf("generated %lld patients (%lld registered) in %lld practices of %lld networks: "
           "%lld events, %lld medications, %lld immunisations, %lld encounters "
           "into %s in %.2f s\n",
           (long long)st->patients, (long long)st->registered, (long long)st->practices,
           (long long)st->networks, (long long)st->events, (long long)st->medications,
           (long long)st->immunisations, (long long)st->encounters,
           a->out ? a->out : cli_db_location(a->db), secs);
}

static int generate_to_bundle(const struct pcn_refdata *ref, struct generate_args *a,
                              struct pcn_gen_stats *st)
{
    struct pcn_error err = {0};
    if (pcn_generate_bundle(ref, &a->opt, a->out, a->threads, st, &err) != PCN_OK)
        return cli_runtime_error("generate", "%s", err.msg);
    return CLI_EXIT_OK;
}

/*
 * The social prescribing twin of one network (pcn/sp_twin.h), in a second
 * transaction once the population is stored.
 */
static enum pcn_err generate_sp(struct pcn_store *store, const struct pcn_refdata *ref,
                                const struct generate_args *a, struct pcn_error *err)
{
    struct pcn_sp_twin_store_opts o = {
        .seed = a->opt.seed,
        .as_of = a->opt.as_of != PCN_DATE_NONE ? a->opt.as_of : pcn_refdata_extract_date(ref),
        .network = a->opt.pcn,
        .replace_generated = 1,
    };
    struct pcn_sp_twin_summary sum;
    enum pcn_err rc = pcn_store_begin(store);

    if (rc == PCN_OK)
        rc = pcn_sp_twin_store(store, &o, &sum, err);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc == PCN_OK)
        fprintf(stderr,
                "social prescribing: %zu assets, %zu referrals (%.2f link-worker FTE), %zu codes "
                "in the records (in place of the generator's %lld referral codes)\n",
                sum.assets, sum.referrals, sum.link_worker_fte, sum.coded_events,
                (long long)sum.generated_codes_replaced);
    return rc;
}

/*
 * The patient partnership twin of one network (pcn/ppg_twin.h): PPGs, the
 * forum, the engagement record, in a transaction of its own once the
 * population is stored. Only for one network into a database.
 */
static enum pcn_err generate_ppg(struct pcn_store *store, const struct pcn_refdata *ref,
                                 const struct generate_args *a, struct pcn_error *err)
{
    struct pcn_ppg_twin_opts o = {
        .seed = a->opt.seed,
        .as_of = a->opt.as_of != PCN_DATE_NONE ? a->opt.as_of : pcn_refdata_extract_date(ref),
        .network = a->opt.pcn,
    };
    struct pcn_ppg_twin_summary sum;
    enum pcn_err rc;

    if (a->no_ppg || !(a->opt.pcn || a->invented))
        return PCN_OK;
    rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_ppg_twin_store(store, &o, &sum, err);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc == PCN_OK && sum.kept)
        fprintf(stderr, "patient partnership: kept the %zu groups already stored for the network\n",
                sum.kept);
    else if (rc == PCN_OK)
        fprintf(stderr,
                "patient partnership: %zu groups, %zu members (%zu current), %zu activities, "
                "%zu feedback items, %zu service changes\n",
                sum.groups, sum.members, sum.current, sum.activities, sum.feedback, sum.changes);
    return rc;
}

static int generate_to_store(const struct pcn_refdata *ref, struct generate_args *a,
                             struct pcn_gen_stats *st)
{
    struct pcn_store *store = NULL;
    struct pcn_error err = {0};
    struct pcn_sink sink;
    int rc = cli_open_store("generate", a->db, PCN_STORE_FLAG_CREATE, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct pcn_gen_registry reg = {put_network, put_practice, put_list_size, put_list_band, store};
    pcn_store_sink(store, &sink);
    enum pcn_err erc = pcn_store_begin(store);
    if (erc == PCN_OK)
        erc = pcn_generate(ref, &a->opt, &sink, &reg, st, &err);
    if (erc == PCN_OK) {
        /* the date the twin describes: the default as-of date of reports and the API */
        char as_of[PCN_DATE_STR_SIZE];
        pcn_date_format(
            a->opt.as_of != PCN_DATE_NONE ? a->opt.as_of : pcn_refdata_extract_date(ref), as_of);
        erc = pcn_store_set_meta(store, PCN_META_DATA_AS_OF, as_of);
    }
    if (erc == PCN_OK)
        erc = pcn_store_commit(store);
    if (erc == PCN_OK && a->with_sp)
        erc = generate_sp(store, ref, a, &err);
    if (erc == PCN_OK)
        erc = generate_ppg(store, ref, a, &err);
    if (erc != PCN_OK) {
        const char *msg = err.msg[0] ? err.msg : pcn_store_errmsg(store);
        rc = cli_runtime_error("generate", "%s", msg);
        pcn_store_rollback(store);
    }
    /* the networks' staff from the workforce census (docs/finance.md) */
    if (rc == CLI_EXIT_OK && (a->opt.pcn || a->opt.icb || a->opt.all) && !a->no_staff) {
        size_t posts = 0;
        rc = cli_generate_staff("generate", store, a->opt.pcn,
                                a->opt.as_of != PCN_DATE_NONE ? a->opt.as_of
                                                              : pcn_refdata_extract_date(ref),
                                a->opt.seed, &posts);
        if (rc == CLI_EXIT_OK)
            printf("generated %zu staff posts from the workforce census\n", posts);
    }
    pcn_store_close(store);
    return rc;
}

int cmd_generate(int argc, char **argv)
{
    struct generate_args a = {.threads = 2};
    struct pcn_refdata *ref = NULL;
    struct pcn_error err = {0};
    struct pcn_gen_stats st = {0};
    pcn_gen_options_init(&a.opt);
    int rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    pcn_usec_t t0 = pcn_monotonic_usec();
    if (pcn_refdata_load(NULL, &ref, &err) != PCN_OK)
        return cli_runtime_error("generate", "reference data: %s", err.msg);
    rc = a.out ? generate_to_bundle(ref, &a, &st) : generate_to_store(ref, &a, &st);
    if (rc == CLI_EXIT_OK)
        summary(&a, &st, (double)(pcn_monotonic_usec() - t0) / 1e6);
    pcn_refdata_free(ref);
    return rc;
}
