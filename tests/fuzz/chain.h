/*
 * chain.h - a generator shared by the definition-language harnesses: it
 * turns a fuzzer input into a program with a long chain of one operator
 * (up to max_terms terms), so that the fuzzers reach what only long
 * chains exercise (recursion depth, planning cost, chunk buffers) without
 * inputs of megabytes. Input: a shape byte (high bit set, else no chain:
 * other inputs keep the harness's full speed; low bit: one expression, or
 * a chain of `let`s; the bits between pick the operator), two bytes of
 * term count, then the term's text (at most 256 bytes; line breaks become
 * spaces).
 */
#ifndef PCN_FUZZ_CHAIN_H
#define PCN_FUZZ_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/buf.h"

/* Write the chain program of data into out; 0 when the input is too short or out of memory. */
static inline int fuzz_chain_text(const uint8_t *data, size_t size, size_t max_terms,
                                  struct pcn_buf *out)
{
    static const char *const ops[] = {" + ",  " - ",  " * ", " / ",  " and ", " or ",
                                      " == ", " != ", " < ", " >= ", " + -",  " and not "};
    const char *op;
    char term[257];
    size_t n_terms, len = 0;
    int ok = 1;

    if (size < 4 || !(data[0] & 0x80))
        return 0;
    op = ops[((data[0] & 0x7f) >> 1) % (sizeof(ops) / sizeof(ops[0]))];
    n_terms = ((size_t)data[1] | (size_t)data[2] << 8) % max_terms + 1;
    for (size_t i = 3; i < size && len < sizeof(term) - 1; i++)
        term[len++] = data[i] == '\n' || data[i] == '\r' || data[i] == '\0' ? ' ' : (char)data[i];
    term[len] = '\0';
    if (data[0] & 1) { /* let v0 = T; let vI = v(I-1) OP T; register r = (vN) is not null */
        ok = pcn_buf_addf(out, "let v0 = %s\n", term) == PCN_OK;
        for (size_t i = 1; ok && i < n_terms; i++)
            ok = pcn_buf_addf(out, "let v%zu = v%zu%s%s\n", i, i - 1, op, term) == PCN_OK;
        ok = ok && pcn_buf_addf(out, "register r = (v%zu) is not null\n", n_terms - 1) == PCN_OK;
        return ok;
    }
    ok = pcn_buf_addf(out, "register r = (%s", term) == PCN_OK;
    for (size_t i = 1; ok && i < n_terms; i++)
        ok = pcn_buf_adds(out, op) == PCN_OK && pcn_buf_adds(out, term) == PCN_OK;
    return ok && pcn_buf_adds(out, ") is not null\n") == PCN_OK;
}

#endif /* PCN_FUZZ_CHAIN_H */
