/*
 * fuzz_snapshot.c - libFuzzer harness for snapshot files: any bytes given
 * to pcn_snapshot_load() must be refused with PCN_EPARSE or load a
 * snapshot that the evaluator can use without reading or writing out of
 * bounds, here a program with every kind of definition, broken down by
 * every dimension, visiting everyone and visiting candidates only. A
 * damaged file on disk is the input this stands for.
 *
 * The seed corpus (tests/fuzz/corpus/snapshot/) is a real snapshot file
 * of tests/data/bundle/small; the program uses its codes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char program_text[] =
    "codelist dm = codes(\"44054006\")\n"
    "codelist bp = codes(\"271649006\", \"1003671000000109\")\n"
    "codelist other = codes(\"XaXyz\", \"430193006\", \"419474003\")\n"
    "let dm_diag = first(dm).date\n"
    "register dmr \"Diabetes\" = dm_diag is not null and age >= 17\n"
    "register anyr = exists(other) or exists(medications) or exists(immunisations)\n"
    "register ct = contacts(booked, role in (gp, pharmacist), where wait <= 14) > 0 or\n"
    "  continuity(mode telephone) >= 0.5\n"
    "indicator ind { denominator = dmr numerator = last(bp, within 5 years).value <= 140\n"
    "  exclude = count(other) > 1 }\n"
    "score sc { value = count(bp) + count_codes(medications) / 2\n"
    "  band \"low\" = value < 1 band \"high\" = true }\n"
    "segment seg { rule \"d\" = dmr rule \"s\" = sex == \"F\" and ethnicity != \"Unknown\" }\n"
    "worklist wl { population = anyr or dmr column \"age\" = age column \"last\" = last(bp).date\n"
    "  column \"max\" = max(bp, after dm_diag).value column \"imd\" = imd_quintile\n"
    "  column \"net\" = network == \"U00001\" column \"prac\" = practice }\n";

/* The evaluation's JSON must parse; anything else is a bug. */
static void evaluate(struct pcn_program *p, const struct pcn_snapshot *s, int sparse)
{
    struct pcn_eval_options o = {0};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    o.as_of = pcn_snapshot_last_date(s) == INT32_MIN ? 19000 : pcn_snapshot_last_date(s);
    o.by =
        PCN_BY_PRACTICE | PCN_BY_NETWORK | PCN_BY_AGE | PCN_BY_SEX | PCN_BY_IMD | PCN_BY_ETHNICITY;
    o.sparse = sparse;
    o.threads = 1;
    if (pcn_program_eval(p, s, &o, &r, &err) == PCN_OK &&
        pcn_results_render(r, PCN_FORMAT_JSON, &b) == PCN_OK) {
        json_t *doc = json_loadb(b.buf, b.len, 0, NULL);
        if (!doc) {
            fprintf(stderr, "fuzz_snapshot: not JSON: %.*s\n", (int)b.len, b.buf);
            abort();
        }
        json_decref(doc);
    }
    pcn_buf_release(&b);
    pcn_results_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct pcn_snapshot *s = NULL;
    struct pcn_program *prog;
    struct pcn_error err;
    FILE *f;

    if (!path[0]) {
        int fd;
        (void)snprintf(path, sizeof(path), "/tmp/fuzz-snapshot-XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        (void)close(fd);
    }
    f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    (void)fclose(f);
    if (pcn_snapshot_load(path, &s, &err) != PCN_OK)
        return 0;
    /*
     * A program per snapshot: its code-list indexes are cached by the
     * snapshot's address, data version and size, which a fuzzer's
     * successive inputs may all repeat.
     */
    prog = pcn_program_new();
    if (!prog || pcn_program_load_string(prog, "fuzz.pcn", program_text, sizeof(program_text) - 1,
                                         "/nonexistent", PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK) {
        fprintf(stderr, "fuzz_snapshot: %s\n", prog ? err.msg : "out of memory");
        abort();
    }
    evaluate(prog, s, -1);
    evaluate(prog, s, 1);
    pcn_program_free(prog);
    pcn_snapshot_free(s);
    return 0;
}
