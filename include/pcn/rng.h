/*
 * rng.h - seeded pseudo-random numbers: xoshiro256** seeded by splitmix64.
 * Deterministic for a given seed on every platform, so the synthetic twin
 * generator, the tests and the fuzz harnesses can repeat a run exactly.
 * Not for anything secret (tokens and salts come from libsodium).
 */
#ifndef PCN_RNG_H
#define PCN_RNG_H

#include <stdint.h>

/* A PRNG state; a plain value, copy it to fork a stream. Fields private. */
struct pcn_rng {
    uint64_t s[4];
};

/* Seed r from one 64-bit value (any value, including 0, is a good seed). */
void pcn_rng_seed(struct pcn_rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t pcn_rng_next(struct pcn_rng *r);
/* Uniform double in [0, 1). */
double pcn_rng_uniform(struct pcn_rng *r);
/* Uniform integer in [0, n); 0 when n is 0. Unbiased. */
uint64_t pcn_rng_below(struct pcn_rng *r, uint64_t n);
/* Standard normal deviate. */
double pcn_rng_normal(struct pcn_rng *r);

#endif /* PCN_RNG_H */
