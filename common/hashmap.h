/**
 * @file hashmap.h
 * @brief The course's hash map: byte-string keys to 64-bit integer values.
 *
 * One map serves every table of the course's given code: distinct chunks and
 * their counts, the encoder's cache and its table of merges (Day 5), the
 * trainer's table of pairs (bpe_fast.c), the folders and texts the corpus
 * collector has seen (Week 4). A key is any run of bytes (a word, or a
 * fixed-size record such as two token ids or a device and inode number);
 * the map copies it, so the memory it came from may change or go away.
 *
 * How it works: open addressing with linear probing. A table of slots, a
 * power of two in size and at most half full, holds each key's hash and the
 * index of its entry; the entries (key, value) are kept in the order their
 * keys were first inserted. A lookup hashes the key, starts at the slot the
 * hash's top bits name, and steps to the next slot until it finds the key or
 * an empty slot. The slots are small (8 bytes), so a lookup of a key that is
 * not there (most lookups of the encoder) reads little memory. Because the
 * entries stay in insertion order, walking them (hashmap_entry()) never
 * depends on the hash function or the table's size: results built from a map
 * are the same on every machine.
 *
 * Zero-initialise a map (or call hashmap_init()); hashmap_free() gives its
 * memory back. Nothing is ever removed. Memory running out is fatal, with a
 * message, like every allocation of the course (check.h).
 */
#ifndef LLMLAB_HASHMAP_H
#define LLMLAB_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/** One slot of the table: a key's hash and where its entry is. */
typedef struct HashSlot {
    uint32_t hash;  /**< the key's hash */
    uint32_t entry; /**< 0: an empty slot; else 1 + the index of the entry */
} HashSlot;

/** One key and its value. */
typedef struct HashEntry {
    uint64_t key; /**< up to 8 bytes: the key's bytes (then zeros); longer: its offset in HashMap.keys */
    int64_t value;
    uint32_t len;  /**< the key's length in bytes */
    uint32_t hash; /**< the key's hash, kept so that growing never hashes again */
} HashEntry;

/** A map from byte strings to int64_t. */
typedef struct HashMap {
    HashSlot *slot;   /**< (cap) the table */
    size_t cap;       /**< number of slots: 0, or a power of two at least 2 n */
    int shift;        /**< 32 - log2(cap): a hash's first slot is hash >> shift */
    HashEntry *entry; /**< (n) the entries, in the order their keys were first inserted */
    size_t n, entry_cap;
    uint8_t *keys; /**< the keys longer than 8 bytes, back to back */
    size_t keys_len, keys_cap;
} HashMap;

/** An empty map (the same as a zero-initialised one); allocates nothing yet. */
void hashmap_init(HashMap *m);

/** Give the map's memory back and leave it empty, ready for use again. */
void hashmap_free(HashMap *m);

/**
 * Look @p key (@p len bytes) up: 1 and its value in @p value (unless
 * @p value is NULL) when it is there, 0 when it is not.
 */
int hashmap_get(const HashMap *m, const void *key, size_t len, int64_t *value);

/**
 * The value of @p key (@p len bytes), inserted with value 0 when it is new;
 * @p added (unless NULL) says whether it was. Use the pointer at once: the
 * next insertion may move the entries. So `*hashmap_upsert(&m, w, n, NULL) += 1`
 * counts w.
 */
int64_t *hashmap_upsert(HashMap *m, const void *key, size_t len, int *added);

/**
 * Entry @p i (0 to m->n - 1, in the order the keys were first inserted):
 * its key in @p key and @p len, and its value as the result. The key
 * pointer is valid until the next insertion.
 */
int64_t hashmap_entry(const HashMap *m, size_t i, const uint8_t **key, size_t *len);

#endif
