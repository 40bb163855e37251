/**
 * @file checkpoint.h
 * @brief Day 5, given: checkpoints of a training run (checkpoint.c).
 */
#ifndef LLMLAB_CHECKPOINT_H
#define LLMLAB_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* ------------------------------------------------------------------------- */
/** @name Checkpoints
 *  Magic `LLMLABCK`, a version, the model's kind and config, the tokenizer,
 *  the training state, then a CRC-32 of everything: a truncated, foreign or
 *  corrupted file is refused with a message, never half-loaded.
 *  @{ */

#define CHECKPOINT_VERSION 1

typedef struct Checkpoint {
    char kind[32]; /**< which model: "mlp_lm", "gpt", ... */
    long step;     /**< optimiser steps done */
    Rng rng;       /**< the batch sampler's generator, to resume bit for bit */
    uint32_t config_size;
    void *config;         /**< the model's config struct, opaque here */
    char *tokenizer_text; /**< tokenizer_to_text(), NUL-terminated */
    size_t n_params;
    float *params;
    float *m, *v; /**< AdamW moments (NULL: not saved) */
} Checkpoint;

/**
 * Write @p c to @p path atomically: to a temporary file of its own
 * (`path.tmp-XXXXXX`, llmlab_open_temp()), flushed to disk, then renamed over
 * @p path (llmlab_commit_file()). On failure (a full disk, say) the temporary
 * file is removed, the previous checkpoint at @p path is untouched, and the
 * reason is in @p err. A @p path that is a folder, a symbolic link or a
 * device is refused. Returns 0 or -1.
 */
int checkpoint_save(const char *path, const Checkpoint *c, char *err, size_t err_size);

/** Read and verify @p path into @p c (which then owns its arrays). Returns 0, or -1 with the reason. */
int checkpoint_load(const char *path, Checkpoint *c, char *err, size_t err_size);
void checkpoint_free(Checkpoint *c);
/** @} */

#endif
