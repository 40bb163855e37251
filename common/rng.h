/**
 * @file rng.h
 * @brief The course's one random number generator: seeded, explicit, reproducible.
 *
 * Every random choice in llmlab (initial weights, data shuffles, dropout,
 * sampling) draws from an Rng that the caller owns and seeds. There is no
 * hidden global state, so the same seed gives the same run, bit for bit, on
 * the same machine and build.
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018): 256 bits of
 * state, period 2^256 - 1, fast, and good enough for simulation. Seeds are
 * spread over the state with SplitMix64, so nearby seeds (1, 2, 3) still give
 * unrelated streams.
 */
#ifndef LLMLAB_RNG_H
#define LLMLAB_RNG_H

#include <stdint.h>

/** Generator state. Copy it to fork a stream you can replay. */
typedef struct Rng {
    uint64_t s[4];
    int has_spare; /**< rng_normal() makes normals in pairs; 1 when `spare` holds the second */
    double spare;
} Rng;

/** Seed the generator. Any 64-bit seed (0 included) is fine. */
void rng_init(Rng *rng, uint64_t seed);
/** 64 uniformly random bits. */
uint64_t rng_u64(Rng *rng);
/** A uniform integer in [0, n) without modulo bias; n must be > 0. */
uint64_t rng_below(Rng *rng, uint64_t n);
/** A uniform double in [0, 1), with 53 random bits. */
double rng_uniform(Rng *rng);
/** A uniform double in [lo, hi). */
double rng_range(Rng *rng, double lo, double hi);
/** A standard normal sample (mean 0, variance 1), by the Box-Muller transform. */
double rng_normal(Rng *rng);

#endif
