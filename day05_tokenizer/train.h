/**
 * @file train.h
 * @brief Day 5: the training loop every later model uses: batches, AdamW,
 * the learning-rate schedule, gradient clipping, checkpoints, resuming.
 *
 * Exercises (optim.c): batch_sample(), lr_schedule(), clip_grad_norm(),
 * adamw_update(). Given: token files (tokens.c), checkpoints
 * (checkpoint.c) and the loop itself (trainloop.c).
 *
 * A model plugs into the loop through a TrainModel: one flat array of
 * parameters, one of gradients, and two functions. The loop owns everything
 * else: which text the model sees, how it learns, what is saved and when.
 */
#ifndef LLMLAB_TRAIN_H
#define LLMLAB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "tokenizer.h"

/* ------------------------------------------------------------------------- */
/** @name Exercises: batches and the optimiser
 *  @{ */

/**
 * Fill a batch of @p B random windows of @p T tokens from @p tokens (of
 * @p n > T): for row b, draw start = rng_below(rng, n - T) (rows in order,
 * one draw each), then x[b*T + t] = tokens[start + t] and
 * y[b*T + t] = tokens[start + t + 1]: each target is the token after its input.
 */
void batch_sample(const uint16_t *tokens, size_t n, int B, int T, Rng *rng, int *x, int *y);

/**
 * The learning rate at @p step (0-based) of @p max_steps: a linear warmup
 * from lr_max / warmup at step 0 to lr_max at step warmup - 1, then a cosine
 * from lr_max down to lr_min at the last step:
 * lr_min + (lr_max - lr_min) (1 + cos(pi p)) / 2 with
 * p = (step - warmup) / (max_steps - 1 - warmup), clamped to [0, 1].
 * A decay phase of length 0 or less (max_steps - 1 - warmup <= 0, e.g.
 * 6 steps with a warmup of 5) has p = 1: lr_min, never 0 / 0. A warmup of 0
 * starts the cosine at step 0. The result is always a finite number.
 */
float lr_schedule(long step, long max_steps, long warmup, float lr_max, float lr_min);

/**
 * Compute the global L2 norm of @p n gradients (in double precision) and,
 * when it exceeds @p max_norm > 0, scale them all by max_norm / (norm + 1e-6),
 * as PyTorch's clip_grad_norm_ does. Returns the norm before clipping.
 */
float clip_grad_norm(float *grads, size_t n, float max_norm);

/**
 * One AdamW step (Loshchilov and Hutter; PyTorch's torch.optim.AdamW) for
 * @p n parameters at optimiser step @p t (1 for the first step):
 *
 *     param -= lr * weight_decay * param          (decoupled weight decay)
 *     m = beta1 m + (1 - beta1) grad,  v = beta2 v + (1 - beta2) grad^2
 *     param -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 */
void adamw_update(float *param, const float *grad, float *m, float *v, size_t n, long t, float lr,
                  float beta1, float beta2, float eps, float weight_decay);
/** @} */

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

/* ------------------------------------------------------------------------- */
/** @name Checkpoints
 *  Magic `LLMLABCK`, a version, the model's kind and config, the tokenizer,
 *  the training state, then a CRC-32 of everything: a truncated, foreign or
 *  corrupted file is refused with a message, never half-loaded.
 *  @{ */

#define CHECKPOINT_VERSION 1

typedef struct Checkpoint {
    char kind[32];              /**< which model: "mlp_lm", "gpt", ... */
    long step;                  /**< optimiser steps done */
    Rng rng;                    /**< the batch sampler's generator, to resume bit for bit */
    uint32_t config_size;
    void *config;               /**< the model's config struct, opaque here */
    char *tokenizer_text;       /**< tokenizer_to_text(), NUL-terminated */
    size_t n_params;
    float *params;
    float *m, *v;               /**< AdamW moments (NULL: not saved) */
} Checkpoint;

/**
 * Write @p c to @p path atomically: to `path.tmp`, flushed to disk, then
 * renamed over @p path. On failure (a full disk, say) the temporary file is
 * removed, the previous checkpoint at @p path is untouched, and the reason
 * is in @p err. Returns 0 or -1.
 */
int checkpoint_save(const char *path, const Checkpoint *c, char *err, size_t err_size);

/** Read and verify @p path into @p c (which then owns its arrays). Returns 0, or -1 with the reason. */
int checkpoint_load(const char *path, Checkpoint *c, char *err, size_t err_size);
void checkpoint_free(Checkpoint *c);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name The loop
 *  @{ */

/** A slice of the parameters that is or is not weight-decayed (biases, norms: not). */
typedef struct ParamGroup {
    size_t offset, size;
    int decay;
} ParamGroup;

/** What the loop needs from a model. */
typedef struct TrainModel {
    const char *kind;           /**< stored in checkpoints, checked on resume */
    void *self;
    float *params, *grads;
    size_t n_params;
    const ParamGroup *groups;   /**< cover all parameters */
    int n_groups;
    const void *config;         /**< stored in checkpoints; must match on resume */
    uint32_t config_size;
    /** Mean loss of targets y given inputs x, both (B,T); adds to grads (the loop zeroes them). */
    float (*forward_backward)(void *self, const int *x, const int *y, int B, int T);
    /** Mean loss only, for validation. */
    float (*loss)(void *self, const int *x, const int *y, int B, int T);
} TrainModel;

typedef struct TrainConfig {
    const char *run_dir;        /**< runs/NAME: log.csv and ckpt.bin go there */
    long max_steps;
    int batch, block;           /**< B windows of T tokens per step */
    float lr_max, lr_min;
    long warmup;
    float weight_decay, beta1, beta2, eps;
    float grad_clip;            /**< 0: no clipping */
    long eval_every;            /**< validation loss every so many steps (and at the end) */
    int eval_batches;
    long ckpt_every;            /**< checkpoint every so many steps (and at the end) */
    uint64_t seed;
    int resume;                 /**< continue from run_dir/ckpt.bin when it exists */
    long stop_after;            /**< stop as if interrupted after this step (tests); 0: never */
    int quiet;                  /**< no progress bar */
    /**
     * Where batches come from when not NULL (Week 3's conversations), instead
     * of random windows of the token files (which may then be NULL): fill x
     * and y, both (batch, block), from split 0 (training) or 1 (validation),
     * drawing randomness only from @p rng. A target of -1 adds no loss.
     */
    void (*sample)(void *data, int split, Rng *rng, int B, int T, int *x, int *y);
    void *sample_data;          /**< passed to sample */
} TrainConfig;

/** Sensible defaults (AdamW 0.9/0.95, lr 1e-3 to 1e-4, clip 1.0, ...). */
void train_config_defaults(TrainConfig *c);

typedef enum TrainStatus {
    TRAIN_FINISHED,             /**< reached max_steps */
    TRAIN_INTERRUPTED,          /**< Ctrl-C, SIGTERM or stop_after: checkpoint saved */
    TRAIN_DIVERGED,             /**< the loss became NaN or infinite: last good checkpoint kept */
    TRAIN_FAILED,               /**< a checkpoint could not be written: the previous one kept */
} TrainStatus;

typedef struct TrainResult {
    TrainStatus status;
    long steps;                 /**< steps done in total (including before a resume) */
    float train_loss, val_loss; /**< the last ones measured */
    double seconds, tokens_per_s;
} TrainResult;

/**
 * Train @p m on batches of @p train, measuring loss on @p val, writing
 * `run_dir/log.csv` (step, train_loss, val_loss, lr, grad_norm, tokens_per_s)
 * and `run_dir/ckpt.bin` (with @p tok inside). SIGINT and SIGTERM make it
 * save and return after the current step. Dies with a message when a resume
 * does not fit the model.
 */
TrainResult train_run(TrainModel *m, const TrainConfig *c, const TokenFile *train, const TokenFile *val,
                      const Tokenizer *tok);
/** @} */

#endif
