/**
 * @file arena.h
 * @brief A bump allocator: many small allocations, freed all at once.
 *
 * A computation graph allocates thousands of tiny nodes and drops them all
 * together after the backward pass. An arena makes that one call: it hands
 * out memory from big blocks by moving a pointer, and arena_reset() or
 * arena_free() gives everything back. Pointers stay valid until then (blocks
 * are chained, never moved).
 *
 * Ownership: the Arena owns every byte it returned. Never free() one.
 */
#ifndef LLMLAB_ARENA_H
#define LLMLAB_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

/** A chain of blocks; zero-initialise it or call arena_init(). */
typedef struct Arena {
    ArenaBlock *head;  /**< block being filled (newest); NULL before the first allocation */
    size_t block_size; /**< default capacity of a new block, in bytes */
    size_t bytes_used; /**< total handed out since the last reset (for statistics) */
} Arena;

/** Prepare an empty arena whose blocks hold @p block_size bytes (0 picks 64 KiB). Allocates nothing yet. */
void arena_init(Arena *arena, size_t block_size);

/**
 * Return @p size bytes aligned for any type, zero-filled. Never NULL: dies
 * with a message when memory runs out. A request larger than a block gets a
 * block of its own.
 */
void *arena_alloc(Arena *arena, size_t size);

/** Forget every allocation but keep the first block for reuse: the cheap way to start the next step. */
void arena_reset(Arena *arena);

/** Give every block back to the system. The arena can be used again afterwards. */
void arena_free(Arena *arena);

#endif
