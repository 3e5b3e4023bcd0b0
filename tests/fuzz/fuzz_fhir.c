/*
 * fuzz_fhir.c - libFuzzer harness for the FHIR R4 parser. The first input
 * byte picks Bundle JSON or NDJSON and the error budget; the rest is the
 * document.
 */
#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pcn_sink_ops none = {0};
    struct pcn_sink sink = {&none, NULL};
    struct pcn_import_opts o = {.format = PCN_IMPORT_FHIR};
    struct pcn_importer *imp = NULL;
    struct pcn_error err;

    if (size < 1)
        return 0;
    o.max_errors = data[0] >> 1 & 3;
    if (pcn_importer_new(&o, &sink, &imp) != PCN_OK)
        return 0;
    (void)pcn__import_fhir_mem(imp, "fuzz.json", (const char *)data + 1, size - 1, data[0] & 1,
                               &err);
    pcn_importer_free(imp);
    return 0;
}
