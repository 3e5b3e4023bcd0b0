/*
 * fuzz_bundle.c - libFuzzer harness for the native CSV bundle reader. The
 * first input byte picks the table (patients, terms, events, ...) and the
 * error budget; the rest is that table's CSV text. Non-patient tables are
 * read after a fixed patients.csv so references can resolve.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/bundle_int.h"
#include "ingest/ingest_int.h"
#include "pcn/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char patients[] = "patient_id,date_of_birth,sex\np1,1950-01-01,F\np2,1960-02-03,M\n";

static void read_table(struct pcn_importer *imp, enum pcn_bundle_table t, const char *text,
                       size_t len)
{
    struct pcn_csv *csv = NULL;
    struct pcn_error err;

    if (pcn_csv_new_mem(text, len, pcn__bundle_tables[t].file, &csv) != PCN_OK)
        return;
    (void)pcn__import_bundle_csv(imp, t, csv, &err);
    pcn_csv_free(csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pcn_sink_ops none = {0};
    struct pcn_sink sink = {&none, NULL};
    struct pcn_import_opts o = {.format = PCN_IMPORT_CSV};
    struct pcn_importer *imp = NULL;
    enum pcn_bundle_table t;

    if (size < 1)
        return 0;
    t = (enum pcn_bundle_table)(data[0] % PCN_BUNDLE_N_TABLES);
    o.max_errors = data[0] / PCN_BUNDLE_N_TABLES % 4;
    if (pcn_importer_new(&o, &sink, &imp) != PCN_OK)
        return 0;
    if (t != PCN_BUNDLE_PATIENTS)
        read_table(imp, PCN_BUNDLE_PATIENTS, patients, strlen(patients));
    read_table(imp, t, (const char *)data + 1, size - 1);
    pcn_importer_free(imp);
    return 0;
}
