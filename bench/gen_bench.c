/*
 * gen_bench.c - throughput of the synthetic twin generator: generate a
 * network, an ICB or England into a null sink (the model alone) or into a
 * native CSV bundle, and print time, patients per second and peak RSS.
 * Usage: gen_bench [--null] [--threads N] (--pcn CODE | --icb CODE | --all) [OUT_DIR]
 * (--threads N writes the bundle with pcn_generate_bundle() and N threads).
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "pcn/alloc.h"
#include "pcn/bundle.h"
#include "pcn/date.h"
#include "pcn/generate.h"

static enum pcn_err null_patient(void *ctx, const struct pcn_patient *p, struct pcn_error *e)
{
    (void)e;
    *(uint64_t *)ctx += (uint64_t)p->date_of_birth;
    return PCN_OK;
}

static enum pcn_err null_event(void *ctx, const struct pcn_event *ev, struct pcn_error *e)
{
    (void)e;
    *(uint64_t *)ctx += (uint64_t)ev->date;
    return PCN_OK;
}

static enum pcn_err null_med(void *ctx, const struct pcn_medication *m, struct pcn_error *e)
{
    (void)ctx;
    (void)m;
    (void)e;
    return PCN_OK;
}

static enum pcn_err null_imm(void *ctx, const struct pcn_immunisation *i, struct pcn_error *e)
{
    (void)ctx;
    (void)i;
    (void)e;
    return PCN_OK;
}

static enum pcn_err null_enc(void *ctx, const struct pcn_encounter *en, struct pcn_error *e)
{
    (void)ctx;
    (void)en;
    (void)e;
    return PCN_OK;
}

static const struct pcn_sink_ops null_ops = {null_patient, null_event, null_med,
                                             null_imm,     null_enc,   NULL};

int main(int argc, char **argv)
{
    struct pcn_gen_options o;
    struct pcn_refdata *ref = NULL;
    struct pcn_bundle_writer *w = NULL;
    struct pcn_error err = {0};
    struct pcn_gen_stats st = {0};
    struct pcn_sink sink = {&null_ops, NULL};
    uint64_t sum = 0;
    int use_null = 0;
    int threads = 0; /* 0: one sink through pcn_generate(); N: pcn_generate_bundle() */
    const char *out = NULL;
    pcn_gen_options_init(&o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--null") == 0)
            use_null = 1;
        else if (strcmp(argv[i], "--pcn") == 0 && i + 1 < argc)
            o.pcn = argv[++i];
        else if (strcmp(argv[i], "--icb") == 0 && i + 1 < argc)
            o.icb = argv[++i];
        else if (strcmp(argv[i], "--all") == 0)
            o.all = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = argv[++i][0] - '0';
        else
            out = argv[i];
    }
    if ((!o.pcn && !o.icb && !o.all) || (!use_null && !out)) {
        fprintf(stderr, "usage: gen_bench [--null] (--pcn C | --icb C | --all) [OUT_DIR]\n");
        return 2;
    }
    pcn_usec_t t0 = pcn_monotonic_usec();
    if (pcn_refdata_load(NULL, &ref, &err) != PCN_OK) {
        fprintf(stderr, "gen_bench: %s\n", err.msg);
        return 1;
    }
    pcn_usec_t t1 = pcn_monotonic_usec();
    enum pcn_err rc = PCN_OK;
    if (use_null) {
        sink.ctx = &sum;
    } else if (threads > 0) {
        rc = pcn_generate_bundle(ref, &o, out, threads, &st, &err);
    } else if (pcn_bundle_writer_open(out, &w, &err) == PCN_OK) {
        pcn_bundle_writer_sink(w, &sink);
    } else {
        fprintf(stderr, "gen_bench: %s\n", err.msg);
        pcn_refdata_free(ref);
        return 1;
    }
    if (threads == 0 || use_null)
        rc = pcn_generate(ref, &o, &sink, NULL, &st, &err);
    if (w && pcn_bundle_writer_close(w, rc == PCN_OK ? &err : NULL) != PCN_OK)
        rc = PCN_EIO;
    pcn_usec_t t2 = pcn_monotonic_usec();
    if (rc != PCN_OK) {
        fprintf(stderr, "gen_bench: %s\n", err.msg);
        pcn_refdata_free(ref);
        return 1;
    }
    struct rusage ru;
    (void)getrusage(RUSAGE_SELF, &ru);
    double secs = (double)(t2 - t1) / 1e6;
    long long records =
        (long long)(st.patients + st.events + st.medications + st.immunisations + st.encounters);
    printf("%s: %lld patients, %lld records in %.2f s (+%.2f s loading reference data): "
           "%.0f patients/s, %.0f records/s; peak RSS %ld MB\n",
           use_null  ? "null sink"
           : threads ? "CSV bundle (threads)"
                     : "CSV bundle",
           (long long)st.patients, records, secs, (double)(t1 - t0) / 1e6,
           (double)st.patients / secs, (double)records / secs, ru.ru_maxrss / 1024);
    if (pcn_alloc_count() > 0)
        printf("allocations: %lu (fault-injection build)\n", pcn_alloc_count());
    pcn_refdata_free(ref);
    return 0;
}
