/*
 * ratelimit.c - a token bucket per client address for the public routes
 * (no sign-in, so no account to throttle): each address may make `per
 * minute` requests in a burst, refilled evenly. The table has a fixed
 * number of slots, so memory is bounded whatever the number of clients: a
 * new address takes its hash's slot or, when that is busy, the least
 * recently seen of a few neighbours (which then starts a full bucket -
 * generous, never unbounded). Thread-safe.
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "util/common.h"

#define SLOTS 4096
#define PROBE 8

struct bucket {
    uint64_t key; /* hash of the address; 0: free */
    double tokens;
    int64_t last; /* pcn_monotonic_usec() of the last refill */
};

struct pcn__ratelimit {
    pthread_mutex_t lock;
    double per_usec; /* refill */
    double burst;    /* capacity */
    struct bucket slots[SLOTS];
};

enum pcn_err pcn__ratelimit_new(int per_minute, struct pcn__ratelimit **ret)
{
    struct pcn__ratelimit *rl = pcn_calloc(1, sizeof(*rl));

    if (!rl)
        return PCN_ENOMEM;
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        pcn_free(rl);
        return PCN_ENOMEM;
    }
    rl->burst = per_minute > 0 ? per_minute : 1;
    rl->per_usec = rl->burst / 60e6;
    *ret = rl;
    return PCN_OK;
}

void pcn__ratelimit_free(struct pcn__ratelimit *rl)
{
    if (!rl)
        return;
    (void)pthread_mutex_destroy(&rl->lock);
    pcn_free(rl);
}

/* The bucket of key: its own, a free one, or the stalest of its neighbours (reset). */
static struct bucket *bucket_of(struct pcn__ratelimit *rl, uint64_t key, int64_t now)
{
    struct bucket *stalest = NULL;

    for (size_t i = 0; i < PROBE; i++) {
        struct bucket *b = &rl->slots[(key + i) % SLOTS];
        if (b->key == key)
            return b;
        if (!stalest || b->key == 0 || (stalest->key != 0 && b->last < stalest->last))
            stalest = b;
    }
    stalest->key = key;
    stalest->tokens = rl->burst;
    stalest->last = now;
    return stalest;
}

bool pcn__ratelimit_take(struct pcn__ratelimit *rl, const char *address, int64_t now,
                         int *ret_wait_s)
{
    uint64_t key = pcn_hash_bytes(address, strlen(address)) | 1; /* never 0: free */
    struct bucket *b;
    bool ok;

    (void)pthread_mutex_lock(&rl->lock);
    b = bucket_of(rl, key, now);
    b->tokens = PCN_MIN(rl->burst, b->tokens + (double)(now - b->last) * rl->per_usec);
    b->last = now;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else if (ret_wait_s)
        *ret_wait_s = (int)((1.0 - b->tokens) / rl->per_usec / 1e6) + 1;
    (void)pthread_mutex_unlock(&rl->lock);
    return ok;
}
