/*
 * fuzz_definitions.c - libFuzzer harness for the definition-language
 * compiler: any input must compile or fail with PCN_EPARSE (or a resource
 * error) without crashing, leaking or reading out of bounds. Code list
 * files are resolved against a directory that does not exist.
 */
#include <stddef.h>
#include <stdint.h>

#include "pcn/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;

    if (!p)
        return 0;
    (void)pcn_program_load_string(p, "fuzz.pcn", (const char *)data, size, "/nonexistent",
                                  PCN_PROGRAM_FLAG_OUTPUT, &err);
    (void)pcn_program_select(p, "all", &err);
    pcn_program_free(p);
    return 0;
}
