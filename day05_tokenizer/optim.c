/*
 * Day 5 exercises: random batches, the learning-rate schedule, gradient
 * clipping and AdamW. Contracts are in optim.h.
 */
#include <math.h>

#include "todo.h"
#include "optim.h"

void batch_sample(const uint16_t *tokens, size_t n, int B, int T, Rng *rng, int *x, int *y) {
    /* TODO(day5): for each row b: one start = rng_below(rng, n - T), then copy
     * T tokens into x and the T tokens one further along into y. */
    TODO_UNIMPLEMENTED();
}

float lr_schedule(long step, long max_steps, long warmup, float lr_max, float lr_min) {
    /* TODO(day5): during warmup return lr_max * (step + 1) / warmup; after it,
     * the cosine of optim.h. The decay phase max_steps - 1 - warmup may be 0
     * or less (6 steps with a warmup of 5: the training loop's own test does
     * this): then take p = 1 without dividing. 0.0 / 0.0 is NaN, NaN slips
     * through any clamp (NaN > 1 is false), and a NaN rate makes every
     * parameter NaN.
     * You need pi, and M_PI is not standard C: under the course's -std=c11 it
     * is an undeclared identifier. Write pi out, 3.14159265358979, or take
     * acos(-1.0). */
    TODO_UNIMPLEMENTED();
}

float clip_grad_norm(float *grads, size_t n, float max_norm) {
    /* TODO(day5): sum the squares in a double, take the square root; if it is
     * above max_norm, multiply every gradient by max_norm / (norm + 1e-6). */
    TODO_UNIMPLEMENTED();
}

void adamw_update(float *param, const float *grad, float *m, float *v, size_t n, long t, float lr, float beta1,
                  float beta2, float eps, float weight_decay) {
    /* TODO(day5): the three lines of optim.h, for every i. Compute the two
     * bias corrections 1 - beta^t once, outside the loop (pow). */
    TODO_UNIMPLEMENTED();
}
