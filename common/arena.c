#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct ArenaBlock {
    ArenaBlock *next; /* older block */
    size_t capacity;  /* bytes in data[] */
    size_t used;      /* bytes handed out from data[] */
    alignas(max_align_t) unsigned char data[];
};

enum { ARENA_DEFAULT_BLOCK = 64 * 1024 };

void arena_init(Arena *arena, size_t block_size) {
    arena->head = NULL;
    arena->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    arena->bytes_used = 0;
}

static ArenaBlock *block_new(size_t capacity, ArenaBlock *next) {
    ArenaBlock *b = XMALLOC(sizeof(ArenaBlock) + capacity);
    b->next = next;
    b->capacity = capacity;
    b->used = 0;
    return b;
}

void *arena_alloc(Arena *arena, size_t size) {
    const size_t align = alignof(max_align_t);
    size_t rounded = (size + align - 1) / align * align;
    LLMLAB_CHECK(rounded >= size, "a size computation overflowed", "arena request of %zu bytes", size);
    if (arena->block_size == 0) arena->block_size = ARENA_DEFAULT_BLOCK;
    ArenaBlock *b = arena->head;
    if (b == NULL || b->capacity - b->used < rounded) {
        size_t cap = rounded > arena->block_size ? rounded : arena->block_size;
        b = arena->head = block_new(cap, arena->head);
    }
    void *p = b->data + b->used;
    b->used += rounded;
    arena->bytes_used += rounded;
    memset(p, 0, size);
    return p;
}

void arena_reset(Arena *arena) {
    if (arena->head == NULL) return;
    /* keep the oldest block (the one a steady workload fills first), free the rest */
    ArenaBlock *b = arena->head;
    while (b->next != NULL) {
        ArenaBlock *older = b->next;
        free(b);
        b = older;
    }
    b->used = 0;
    arena->head = b;
    arena->bytes_used = 0;
}

void arena_free(Arena *arena) {
    ArenaBlock *b = arena->head;
    while (b != NULL) {
        ArenaBlock *older = b->next;
        free(b);
        b = older;
    }
    arena->head = NULL;
    arena->bytes_used = 0;
}
