/**
 * @file tokens.h
 * @brief Day 5, given: token files, a corpus encoded once and memory-mapped (tokens.c).
 */
#ifndef LLMLAB_TOKENS_H
#define LLMLAB_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

/* ------------------------------------------------------------------------- */
/** @name Token files
 *  A corpus encoded once and memory-mapped: a 40-byte header (magic
 *  `LLMTOKS2`, vocabulary size, token count, a hash of the tokenizer, a
 *  hash of the text it was made from) then one little-endian uint16 per
 *  token. (Version 1, `LLMTOKS1`, had no hash of the text: such a file is
 *  refused as foreign, and a corpus's cache of it made again.)
 *  @{ */

typedef struct TokenFile {
    const uint16_t *tokens;
    size_t n;
    int vocab_size;
    uint64_t tokenizer_hash;
    uint64_t source_hash; /**< hash_fnv1a64() of the text encoded (0: not recorded) */
    void *map;            /**< the mapping, for token_file_close() */
    size_t map_len;
} TokenFile;

/** A 64-bit hash of the tokenizer (of its file text): token files and checkpoints name theirs. */
uint64_t tokenizer_hash(const Tokenizer *t);

/** Write @p n ids atomically, with no record of their text. Returns 0, or -1 with the reason in @p err. */
int token_file_write(const char *path, const int32_t *ids, size_t n, int vocab_size, uint64_t tok_hash, char *err,
                     size_t err_size);

/** token_file_write() that records @p source_hash, the hash of the text the ids encode. */
int token_file_write_from(const char *path, const int32_t *ids, size_t n, int vocab_size, uint64_t tok_hash,
                          uint64_t source_hash, char *err, size_t err_size);

/**
 * Map @p path and check it: magic, size, every token below the vocabulary
 * size. Returns 0, or -1 with the reason in @p err. Never dies.
 */
int token_file_open(TokenFile *tf, const char *path, char *err, size_t err_size);
void token_file_close(TokenFile *tf);

/**
 * Open @p tok_path, first (re)writing it from the text file @p text_path
 * when it is missing, broken, made by another tokenizer or from another
 * text (the cache is keyed on both). Dies with a message when the text
 * cannot be read or is not UTF-8 text (corpus_read_text()).
 */
void token_file_prepare(TokenFile *tf, const char *text_path, const char *tok_path, Tokenizer *tok);
/** @} */

#endif
