/*
 * fuzz_definitions.c - libFuzzer harness for the definition-language
 * compiler: any input must compile or fail with PCN_EPARSE (or a resource
 * error) without crashing, leaking or reading out of bounds. Code list
 * files are resolved against a directory that does not exist. The input is
 * also compiled as a long operator chain (chain.h: up to 20,000 terms of
 * one operator, as one expression or as chained `let`s).
 */
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "pcn/buf.h"
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
    {
        struct pcn_buf chain = PCN_BUF_INIT;
        p = fuzz_chain_text(data, size, 20000, &chain) ? pcn_program_new() : NULL;
        if (p)
            (void)pcn_program_load_string(p, "chain.pcn", chain.buf, chain.len, "/nonexistent",
                                          PCN_PROGRAM_FLAG_OUTPUT, &err);
        pcn_program_free(p);
        pcn_buf_release(&chain);
    }
    return 0;
}
