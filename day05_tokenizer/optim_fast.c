/*
 * Day 5, given code: the fast twin of clip_grad_norm (optim.h says what it
 * promises). The training loop calls this one; tests/given/ checks it
 * against the plain version.
 */
#include <math.h>

#include "optim.h"
#include "parallel.h"

float clip_grad_norm_fast(float *grads, size_t n, float max_norm) {
    /* CLIP_BLOCKS blocks summed on all threads, each block's sum in vector
     * lanes, then the block sums added in order: the same bits for any
     * number of threads, and a tenth of the time of one long chain of
     * double additions, each waiting for the one before. */
    enum { CLIP_BLOCKS = 64 };
    size_t per_block = (n + CLIP_BLOCKS - 1) / CLIP_BLOCKS;
    double partial[CLIP_BLOCKS];
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN_WORK)
    for (int b = 0; b < CLIP_BLOCKS; b++) {
        size_t begin = (size_t)b * per_block, end = begin + per_block < n ? begin + per_block : n;
        double s = 0.0;
#pragma omp simd reduction(+ : s)
        for (size_t i = begin; i < end; i++) s += (double)grads[i] * (double)grads[i];
        partial[b] = s;
    }
    double sum = 0.0;
    for (int b = 0; b < CLIP_BLOCKS; b++) sum += partial[b];
    double norm = sqrt(sum);
    if (max_norm > 0 && norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN_WORK)
        for (size_t i = 0; i < n; i++) grads[i] *= scale;
    }
    return (float)norm;
}
