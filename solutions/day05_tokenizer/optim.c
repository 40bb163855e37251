/*
 * Day 5 exercises: random batches, the learning-rate schedule, gradient
 * clipping and AdamW. Contracts are in optim.h.
 */
#include <math.h>

#include "todo.h"
#include "optim.h"
/* BEGIN SOLUTION */
#include "parallel.h" /* the reference's OpenMP thresholds */
/* END SOLUTION */

void batch_sample(const uint16_t *tokens, size_t n, int B, int T, Rng *rng, int *x, int *y) {
    /* TODO(day5): for each row b: one start = rng_below(rng, n - T), then copy
     * T tokens into x and the T tokens one further along into y. */
    /* BEGIN SOLUTION */
    for (int b = 0; b < B; b++) {
        size_t start = (size_t)rng_below(rng, (uint64_t)(n - (size_t)T));
        for (int t = 0; t < T; t++) {
            x[b * T + t] = tokens[start + (size_t)t];
            y[b * T + t] = tokens[start + (size_t)t + 1];
        }
    }
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    if (step < warmup) return lr_max * (float)(step + 1) / (float)warmup;
    long span = max_steps - 1 - warmup;
    double p = span > 0 ? (double)(step - warmup) / (double)span : 1.0;
    if (p > 1.0) p = 1.0;
    return lr_min + (lr_max - lr_min) * (float)(0.5 * (1.0 + cos(3.14159265358979323846 * p)));
    /* END SOLUTION */
}

float clip_grad_norm(float *grads, size_t n, float max_norm) {
    /* TODO(day5): sum the squares in a double, take the square root; if it is
     * above max_norm, multiply every gradient by max_norm / (norm + 1e-6). */
    /* BEGIN SOLUTION */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)grads[i] * (double)grads[i];
    double norm = sqrt(sum);
    if (max_norm > 0 && norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (size_t i = 0; i < n; i++) grads[i] *= scale;
    }
    return (float)norm;
    /* END SOLUTION */
}

void adamw_update(float *param, const float *grad, float *m, float *v, size_t n, long t, float lr, float beta1,
                  float beta2, float eps, float weight_decay) {
    /* TODO(day5): the three lines of optim.h, for every i. Compute the two
     * bias corrections 1 - beta^t once, outside the loop (pow). */
    /* BEGIN SOLUTION */
    float c1 = 1.0f - (float)pow(beta1, (double)t);
    float c2 = 1.0f - (float)pow(beta2, (double)t);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN_WORK)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        param[i] -= lr * weight_decay * param[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g;
        v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
        param[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
    }
    /* END SOLUTION */
}
