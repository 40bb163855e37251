/**
 * @file le.h
 * @brief Little-endian numbers in files: every file the course writes
 * (checkpoints, token files, fixtures) stores its integers and floats
 * little-endian.
 *
 * The course runs on little-endian machines (x86-64, ARM64, RISC-V), where
 * an array of floats in memory already is its little-endian bytes, so the
 * big arrays are written and memory-mapped as they are. A big-endian build
 * stops here at compile time, rather than write files that no other
 * machine would read the same way.
 */
#ifndef LLMLAB_LE_H
#define LLMLAB_LE_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "llmlab's files are little-endian and mapped as they are: a big-endian machine needs byte swaps added here"
#endif

/** The 4 bytes at p as a little-endian uint32 (p need not be aligned). */
static inline uint32_t le_u32(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/** The 8 bytes at p as a little-endian uint64. */
static inline uint64_t le_u64(const void *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/** Store v little-endian at p. */
static inline void le_put_u32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void le_put_u64(void *p, uint64_t v) { memcpy(p, &v, 8); }

#endif
