/*
 * rng.c - seeded pseudo-random numbers (xoshiro256** seeded by splitmix64):
 * the same seed gives the same stream everywhere; see pcn/rng.h.
 */
#include "pcn/rng.h"

#include <math.h>
#include <stdint.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void pcn_rng_seed(struct pcn_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t pcn_rng_next(struct pcn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double pcn_rng_uniform(struct pcn_rng *r)
{
    return (double)(pcn_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t pcn_rng_below(struct pcn_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x = pcn_rng_next(r);
        if (x < limit)
            return x % n;
    }
}

double pcn_rng_normal(struct pcn_rng *r)
{
    /* Box-Muller; one value per call keeps the stream simple and deterministic */
    double u1 = pcn_rng_uniform(r);
    double u2 = pcn_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
