/**
 * @file trainloop.h
 * @brief Day 5, given: the training loop every later model uses: batches,
 * AdamW, the learning-rate schedule, gradient clipping, checkpoints,
 * resuming (trainloop.c).
 *
 * A model plugs into the loop through a TrainModel: one flat array of
 * parameters, one of gradients, and two functions. The loop owns everything
 * else: which text the model sees, how it learns, what is saved and when.
 */
#ifndef LLMLAB_TRAINLOOP_H
#define LLMLAB_TRAINLOOP_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "rng.h"
#include "tokenizer.h"
#include "tokens.h"

/* ------------------------------------------------------------------------- */
/** @name The loop
 *  @{ */

/** What the loop needs from a model. */
typedef struct TrainModel {
    const char *kind; /**< stored in checkpoints, checked on resume */
    void *self;
    float *params, *grads;
    size_t n_params;
    const ParamGroup *groups; /**< cover all parameters */
    int n_groups;
    const void *config; /**< stored in checkpoints; must match on resume */
    uint32_t config_size;
    /** Mean loss of targets y given inputs x, both (B,T); adds to grads (the loop zeroes them). */
    float (*forward_backward)(void *self, const int *x, const int *y, int B, int T);
    /** Mean loss only, for validation. */
    float (*loss)(void *self, const int *x, const int *y, int B, int T);
} TrainModel;

typedef struct TrainConfig {
    const char *run_dir; /**< runs/NAME: log.csv and ckpt.bin go there */
    long max_steps;
    int batch, block; /**< B windows of T tokens per step */
    float lr_max, lr_min;
    long warmup;
    float weight_decay, beta1, beta2, eps;
    float grad_clip; /**< 0: no clipping */
    long eval_every; /**< validation loss every so many steps (and at the end) */
    int eval_batches;
    long ckpt_every; /**< checkpoint every so many steps (and at the end) */
    uint64_t seed;
    int resume;            /**< continue from run_dir/ckpt.bin, which must exist */
    int force;             /**< start afresh in a run_dir that holds a run (its checkpoint and log go) */
    const char *init_path; /**< the checkpoint the model came from (fine-tuning), or NULL: never
                                     the run's own ckpt.bin, which the run would overwrite */
    long stop_after;       /**< stop as if interrupted after this step (tests); 0: never */
    int quiet;             /**< no progress bar */
    /**
     * Where batches come from when not NULL (Week 3's conversations), instead
     * of random windows of the token files (which may then be NULL): fill x
     * and y, both (batch, block), from split 0 (training) or 1 (validation),
     * drawing randomness only from @p rng. A target of -1 adds no loss.
     */
    void (*sample)(void *data, int split, Rng *rng, int B, int T, int *x, int *y);
    void *sample_data; /**< passed to sample */
} TrainConfig;

/** Sensible defaults (AdamW 0.9/0.95, lr 1e-3 to 1e-4, clip 1.0, ...). */
void train_config_defaults(TrainConfig *c);

typedef enum TrainStatus {
    TRAIN_FINISHED,    /**< reached max_steps (also: resumed a run that had already) */
    TRAIN_INTERRUPTED, /**< Ctrl-C, SIGTERM, SIGHUP, SIGQUIT or stop_after: checkpoint saved */
    TRAIN_DIVERGED,    /**< the loss, the gradient or a parameter became NaN or infinite: nothing
                                     of it saved, the last good checkpoint kept */
    TRAIN_FAILED,      /**< a checkpoint could not be written: the previous one kept */
} TrainStatus;

typedef struct TrainResult {
    TrainStatus status;
    long steps;                 /**< steps done in total (including before a resume) */
    long first_step;            /**< where this call began (the checkpoint's step on a resume) */
    float train_loss, val_loss; /**< the last ones measured */
    double seconds, tokens_per_s;
} TrainResult;

/**
 * Train @p m on batches of @p train, measuring loss on @p val, writing
 * `run_dir/log.csv` (step, train_loss, val_loss, lr, grad_norm, tokens_per_s)
 * and `run_dir/ckpt.bin` (with @p tok inside). SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT make it save and return after the current step.
 *
 * The run folder is locked while the run uses it (`run_dir/.lock`): a second
 * run there stops at once, naming the first one's process. Before the first
 * step it dies with a message when the folder does not fit the request (see
 * train_check_run_dir()), when a resume does not fit the model or its
 * tokenizer differs from @p tok, or when the checkpoint holds no optimiser
 * state. A run resumed at or past max_steps says it is finished and returns
 * at once. A step whose loss, gradient norm or parameters are not finite
 * ends the run before anything of it is saved.
 */
TrainResult train_run(TrainModel *m, const TrainConfig *c, const TokenFile *train, const TokenFile *val,
                      const Tokenizer *tok);

/**
 * The validation part of a run's summary line, into @p buf (room for 100
 * bytes): "validation loss 2.345" with @p decimals digits, or, for a run
 * stopped (Ctrl-C) before its first validation, "no validation yet" (or "no
 * validation since the resume at step N") rather than a NaN. Returns @p buf.
 */
const char *train_val_loss_text(const TrainResult *r, int decimals, char *buf, size_t size);

/**
 * Whether @p c may start in its run folder, without waiting for the corpus
 * or the model to be ready: a fresh run (no resume) refuses a folder that
 * holds a checkpoint or a log unless force is set; a resume needs
 * run_dir/ckpt.bin; init_path may not be that checkpoint; and the folder
 * may not be in use by another run. Returns 0, or -1 with the reason and
 * what to do in @p err. train_run() checks the same under its lock.
 */
int train_check_run_dir(const TrainConfig *c, char *err, size_t err_size);
/** @} */

#endif
