/**
 * @file optim.h
 * @brief Day 5: batches and the optimiser: random windows, the learning-rate
 * schedule, gradient clipping, AdamW, and the parameter groups AdamW decays.
 *
 * Exercises (optim.c): batch_sample(), lr_schedule(), clip_grad_norm(),
 * adamw_update(). Given: clip_grad_norm_fast() (optim_fast.c).
 */
#ifndef LLMLAB_OPTIM_H
#define LLMLAB_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* ------------------------------------------------------------------------- */
/** @name Exercises
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
void adamw_update(float *param, const float *grad, float *m, float *v, size_t n, long t, float lr, float beta1,
                  float beta2, float eps, float weight_decay);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Given: the fast twin (optim_fast.c)
 *  @{ */

/**
 * clip_grad_norm's contract, faster: the squares summed in 64 blocks on all
 * threads, each block in vector lanes, then the block sums in order, so the
 * result is the same for any thread count (a serial chain of double
 * additions, each waiting for the one before, is ten times slower). The
 * training loop calls this one.
 */
float clip_grad_norm_fast(float *grads, size_t n, float max_norm);
/** @} */

/** A slice of the parameters that is or is not weight-decayed (biases, norms: not). */
typedef struct ParamGroup {
    size_t offset, size;
    int decay;
} ParamGroup;

#endif
