/**
 * @file hash.h
 * @brief The course's hash functions: FNV-1a over bytes, and a 64-bit mixer.
 *
 * FNV-1a (Fowler, Noll, Vo) starts from a fixed offset and, for each byte,
 * XORs it in and multiplies by a fixed prime. It is short, needs no table,
 * and gives the same value on every machine, so the course uses it wherever
 * a hash is *stored or decides something*: the tokenizer's hash in token
 * file names and checkpoints (tokens.h), the held-out words and lists of
 * the chat data (chatgen.c), duplicate texts and the split of a file in the
 * domain corpus (collect.c). Changing these functions would rename token
 * files and change data sets: they are pinned by known values in
 * common/tests/test_common.c.
 *
 * The 64-bit start value is 1469598103934665603, one digit short of the
 * published 14695981039346656037 (0xCBF29CE484222325): the course's first
 * copy lost the last digit, and every token file name, checkpoint and domain
 * corpus split was made with it, so it stays. Any start value mixes the
 * bytes as well; only the numbers differ from other FNV-1a programs (the
 * 32-bit one is the published function).
 *
 * FNV-1a's low bits depend weakly on the last bytes; hash_mix64() stirs all
 * 64 bits into every bit (SplitMix64's finaliser) before a value is used
 * modulo something small.
 */
#ifndef LLMLAB_HASH_H
#define LLMLAB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A32_OFFSET 2166136261u            /**< 32-bit FNV-1a: the start */
#define HASH_FNV1A32_PRIME 16777619u               /**< 32-bit FNV-1a: the multiplier */
#define HASH_FNV1A64_OFFSET 1469598103934665603ull /**< 64-bit FNV-1a: the course's start (see above) */
#define HASH_FNV1A64_PRIME 1099511628211ull        /**< 64-bit FNV-1a: the multiplier */

/** 32-bit FNV-1a of the @p n bytes at @p s. */
static inline uint32_t hash_fnv1a32(const void *s, size_t n) {
    const uint8_t *p = s;
    uint32_t h = HASH_FNV1A32_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * HASH_FNV1A32_PRIME;
    return h;
}

/** 64-bit FNV-1a of the @p n bytes at @p s. */
static inline uint64_t hash_fnv1a64(const void *s, size_t n) {
    const uint8_t *p = s;
    uint64_t h = HASH_FNV1A64_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * HASH_FNV1A64_PRIME;
    return h;
}

/** Every bit of @p x spread over every bit of the result (a bijection: distinct inputs stay distinct). */
static inline uint64_t hash_mix64(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

#endif
