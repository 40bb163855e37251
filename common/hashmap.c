/* The course's hash map (hashmap.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "hashmap.h"

#define FIRST_CAP 64 /* slots of a map's first table */

/* Up to 8 bytes as one word: the bytes, then zeros. (memcpy of a length
 * known only at run time would be a call into the C library: too slow here.) */
static inline uint64_t word_of(const void *p, size_t n) {
    uint64_t w = 0;
    if (n == 8) {
        memcpy(&w, p, 8);
    } else {
        uint8_t *b = (uint8_t *)&w;
        for (size_t k = 0; k < n; k++) b[k] = ((const uint8_t *)p)[k];
    }
    return w;
}

/* A key's hash: its bytes, 8 at a time, stirred into one word by
 * hash_mix64(), starting from the length ("ab" and "ab\0" differ); a key of
 * 8 bytes or less (a pair of token ids, most words) is one mix. Only where a
 * key sits depends on it, never what a map holds or in which order. */
static inline uint32_t key_hash(const uint8_t *p, size_t n) {
    uint64_t h = n;
    for (; n > 8; p += 8, n -= 8) h = hash_mix64(h ^ word_of(p, 8));
    return (uint32_t)(hash_mix64(h ^ word_of(p, n)) >> 32);
}

static inline int same_key(const HashMap *m, const HashEntry *e, const void *key, size_t len, uint64_t word) {
    return e->len == len && (len <= 8 ? e->key == word : memcmp(m->keys + e->key, key, len) == 0);
}

/* The slot that holds key, or the empty slot where it would go. */
static inline size_t find_slot(const HashMap *m, const void *key, size_t len, uint32_t h) {
    size_t mask = m->cap - 1, i = h >> m->shift;
    uint64_t word = len <= 8 ? word_of(key, len) : 0;
    for (;; i = (i + 1) & mask) {
        HashSlot s = m->slot[i];
        if (s.entry == 0 || (s.hash == h && same_key(m, &m->entry[s.entry - 1], key, len, word))) return i;
    }
}

/* Double the slots (or make the first ones) and put every entry back. */
static void grow(HashMap *m) {
    free(m->slot);
    m->cap = m->cap ? 2 * m->cap : FIRST_CAP;
    m->shift = 32;
    for (size_t c = m->cap; c > 1; c >>= 1) m->shift--;
    m->slot = XCALLOC(m->cap, sizeof *m->slot);
    size_t mask = m->cap - 1;
    for (size_t k = 0; k < m->n; k++) {
        uint32_t h = m->entry[k].hash;
        size_t i = h >> m->shift;
        while (m->slot[i].entry) i = (i + 1) & mask;
        m->slot[i] = (HashSlot){h, (uint32_t)(k + 1)};
    }
}

void hashmap_init(HashMap *m) { memset(m, 0, sizeof *m); }

void hashmap_free(HashMap *m) {
    free(m->slot), free(m->entry), free(m->keys);
    hashmap_init(m);
}

int hashmap_get(const HashMap *m, const void *key, size_t len, int64_t *value) {
    if (m->n == 0) return 0;
    uint32_t e = m->slot[find_slot(m, key, len, key_hash(key, len))].entry;
    if (e && value) *value = m->entry[e - 1].value;
    return e != 0;
}

int64_t *hashmap_upsert(HashMap *m, const void *key, size_t len, int *added) {
    uint32_t h = key_hash(key, len);
    size_t i = 0;
    if (m->cap) {
        i = find_slot(m, key, len, h);
        if (m->slot[i].entry) {
            if (added) *added = 0;
            return &m->entry[m->slot[i].entry - 1].value;
        }
    }
    LLMLAB_CHECK(m->n < UINT32_MAX / 2 && len < UINT32_MAX, "", "hashmap: too many keys, or a key too long");
    if (2 * (m->n + 1) > m->cap) {
        grow(m);
        i = find_slot(m, key, len, h); /* the empty slot in the new table */
    }
    if (m->n == m->entry_cap) {
        m->entry_cap = m->entry_cap ? 2 * m->entry_cap : FIRST_CAP / 2;
        m->entry = XREALLOC(m->entry, m->entry_cap * sizeof *m->entry);
    }
    HashEntry *e = &m->entry[m->n];
    *e = (HashEntry){.len = (uint32_t)len, .hash = h};
    if (len <= 8) {
        e->key = word_of(key, len);
    } else {
        if (m->keys_len + len > m->keys_cap) {
            while (m->keys_len + len > m->keys_cap) m->keys_cap = m->keys_cap ? 2 * m->keys_cap : 4096;
            m->keys = XREALLOC(m->keys, m->keys_cap);
        }
        memcpy(m->keys + m->keys_len, key, len);
        e->key = m->keys_len;
        m->keys_len += len;
    }
    m->slot[i] = (HashSlot){h, (uint32_t)++m->n};
    if (added) *added = 1;
    return &e->value;
}

int64_t hashmap_entry(const HashMap *m, size_t i, const uint8_t **key, size_t *len) {
    const HashEntry *e = &m->entry[i];
    *key = e->len <= 8 ? (const uint8_t *)&e->key : m->keys + e->key;
    *len = e->len;
    return e->value;
}
