/*
 * fuzz_request_body.c - libFuzzer harness for the HTTP server's request
 * body parser: any bytes must come back as a JSON object or a clean error
 * (malformed, too deep, too large, not an object), never a crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pcn/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcn_error err;
    void *j = NULL;

    if (pcn_server_parse_body((const char *)data, size, 64 * 1024, 16, &j, &err) == PCN_OK) {
        if (!json_is_object((json_t *)j))
            __builtin_trap();
        json_decref(j);
    }
    return 0;
}
