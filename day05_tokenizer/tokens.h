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
 *  A corpus encoded once and memory-mapped: a 32-byte header (magic
 *  `LLMTOKS1`, vocabulary size, token count, a hash of the tokenizer) then
 *  one little-endian uint16 per token.
 *  @{ */

typedef struct TokenFile {
    const uint16_t *tokens;
    size_t n;
    int vocab_size;
    uint64_t tokenizer_hash;
    void *map;                  /**< the mapping, for token_file_close() */
    size_t map_len;
} TokenFile;

/** A 64-bit hash of the tokenizer (of its file text): token files and checkpoints name theirs. */
uint64_t tokenizer_hash(const Tokenizer *t);

/** Write @p n ids atomically. Returns 0, or -1 with the reason in @p err. */
int token_file_write(const char *path, const int32_t *ids, size_t n, int vocab_size, uint64_t tok_hash,
                     char *err, size_t err_size);

/**
 * Map @p path and check it: magic, size, every token below the vocabulary
 * size. Returns 0, or -1 with the reason in @p err. Never dies.
 */
int token_file_open(TokenFile *tf, const char *path, char *err, size_t err_size);
void token_file_close(TokenFile *tf);

/**
 * Open @p tok_path, first (re)writing it from the text file @p text_path
 * when it is missing or was made by another tokenizer. Dies with a message
 * when the text cannot be read.
 */
void token_file_prepare(TokenFile *tf, const char *text_path, const char *tok_path, Tokenizer *tok);
/** @} */

#endif
