#include "rng.h"

#include <math.h>

#include "check.h"

/* SplitMix64: a good 64-bit mixer, used only to fill the state from a seed. */
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_init(Rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

uint64_t rng_u64(Rng *rng) {
    uint64_t *s = rng->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t rng_below(Rng *rng, uint64_t n) {
    LLMLAB_CHECK(n > 0, "ask for a number below n with n >= 1", "rng_below(0) has no answer");
    /* reject the few values at the top that would make some results more likely */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = rng_u64(rng);
    while (r >= limit);
    return r % n;
}

double rng_uniform(Rng *rng) {
    /* top 53 bits -> the 53-bit mantissa of a double in [0, 1) */
    return (double)(rng_u64(rng) >> 11) * 0x1.0p-53;
}

double rng_range(Rng *rng, double lo, double hi) { return lo + (hi - lo) * rng_uniform(rng); }

double rng_normal(Rng *rng) {
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    /* u1 in (0, 1] so that log(u1) is finite */
    double u1 = 1.0 - rng_uniform(rng);
    double u2 = rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double theta = 6.283185307179586 * u2; /* 2 pi u2 */
    rng->spare = r * sin(theta);
    rng->has_spare = 1;
    return r * cos(theta);
}
