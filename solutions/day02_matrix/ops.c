/*
 * Day 2: the array operations, each a forward and a backward.
 *
 * Read tensor.h first: every function's shapes are there. Backward functions
 * *add* into the gradient arrays (+=), as Day 1's backward did. Grade with
 * `make check-day2`; hints with `make hint-day2`.
 */
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "todo.h"
/* BEGIN SOLUTION */
#include "parallel.h" /* the reference's OpenMP thresholds */
/* END SOLUTION */

/* ---- broadcasting over rows ---- */

void add_rows_forward(float *out, const float *a, const float *row, int N, int C) {
    /* TODO(day2): out[n*C + c] = a[n*C + c] + row[c] for every n and c. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) out[(size_t)n * C + c] = a[(size_t)n * C + c] + row[c];
    /* END SOLUTION */
}

void add_rows_backward(float *da, float *drow, const float *dout, int N, int C) {
    /* TODO(day2): da += dout element by element; drow[c] += dout[n*C + c] for
       every row n (row was used by all N rows, so it collects N terms). */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            float g = dout[(size_t)n * C + c];
            da[(size_t)n * C + c] += g;
            drow[c] += g;
        }
    /* END SOLUTION */
}

void mul_rows_forward(float *out, const float *a, const float *row, int N, int C) {
    /* TODO(day2): out[n*C + c] = a[n*C + c] * row[c]. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) out[(size_t)n * C + c] = a[(size_t)n * C + c] * row[c];
    /* END SOLUTION */
}

void mul_rows_backward(float *da, float *drow, const float *dout, const float *a, const float *row, int N, int C) {
    /* TODO(day2): the product rule, element by element: da[i] += dout[i] * row[c]
       and drow[c] += dout[i] * a[i], summed over the rows for drow. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)n * C + c;
            da[i] += dout[i] * row[c];
            drow[c] += dout[i] * a[i];
        }
    /* END SOLUTION */
}

/* ---- reductions ---- */

void sum_forward(float *out, const float *a, int N, int C, int axis) {
    /* TODO(day2): axis 0: out[c] = sum over n of a[n*C + c] (C outputs);
       axis 1: out[n] = sum over c of a[n*C + c] (N outputs). */
    /* BEGIN SOLUTION */
    if (axis == 0) {
        for (int c = 0; c < C; c++) out[c] = 0.0f;
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++) out[c] += a[(size_t)n * C + c];
    } else {
        for (int n = 0; n < N; n++) {
            float s = 0.0f;
            for (int c = 0; c < C; c++) s += a[(size_t)n * C + c];
            out[n] = s;
        }
    }
    /* END SOLUTION */
}

void sum_backward(float *da, const float *dout, int N, int C, int axis) {
    /* TODO(day2): every a[n*C + c] went into exactly one sum with weight 1, so
       it gets that sum's gradient: dout[c] for axis 0, dout[n] for axis 1. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) da[(size_t)n * C + c] += axis == 0 ? dout[c] : dout[n];
    /* END SOLUTION */
}

void mean_forward(float *out, const float *a, int N, int C, int axis) {
    /* TODO(day2): sum_forward, then divide each result by N (axis 0) or C (axis 1). */
    /* BEGIN SOLUTION */
    sum_forward(out, a, N, C, axis);
    int count = axis == 0 ? N : C, m = axis == 0 ? C : N;
    for (int i = 0; i < m; i++) out[i] /= (float)count;
    /* END SOLUTION */
}

void mean_backward(float *da, const float *dout, int N, int C, int axis) {
    /* TODO(day2): like sum_backward, with each gradient divided by the count. */
    /* BEGIN SOLUTION */
    float scale = 1.0f / (float)(axis == 0 ? N : C);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) da[(size_t)n * C + c] += scale * (axis == 0 ? dout[c] : dout[n]);
    /* END SOLUTION */
}

/* ---- activations ---- */

void relu_forward(float *out, const float *a, size_t n) {
    /* TODO(day2): out[i] = a[i] if it is positive, else 0. */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++) out[i] = a[i] > 0.0f ? a[i] : 0.0f;
    /* END SOLUTION */
}

void relu_backward(float *da, const float *dout, const float *a, size_t n) {
    /* TODO(day2): da[i] += dout[i] where a[i] > 0. */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++)
        if (a[i] > 0.0f) da[i] += dout[i];
    /* END SOLUTION */
}

void tanh_forward(float *out, const float *a, size_t n) {
    /* TODO(day2): out[i] = tanhf(a[i]). */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++) out[i] = tanhf(a[i]);
    /* END SOLUTION */
}

void tanh_backward(float *da, const float *dout, const float *out, size_t n) {
    /* TODO(day2): da[i] += dout[i] * (1 - out[i]^2), with out the saved forward output. */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++) da[i] += dout[i] * (1.0f - out[i] * out[i]);
    /* END SOLUTION */
}

/* ---- softmax and cross-entropy ---- */

void softmax_forward(float *probs, const float *logits, int N, int C) {
    /* TODO(day2): for each row: find its maximum m; p[c] = expf(x[c] - m);
       divide every p[c] by their sum. Subtracting m changes nothing
       mathematically but keeps expf from overflowing. */
    /* BEGIN SOLUTION */
#pragma omp parallel for schedule(static) if ((size_t)N * C >= PARALLEL_MIN_WORK)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * C;
        float *p = probs + (size_t)n * C;
        float m = x[0], sum = 0.0f;
        for (int c = 1; c < C; c++) m = x[c] > m ? x[c] : m;
        for (int c = 0; c < C; c++) sum += (p[c] = expf(x[c] - m));
        for (int c = 0; c < C; c++) p[c] /= sum;
    }
    /* END SOLUTION */
}

void softmax_backward(float *dlogits, const float *dprobs, const float *probs, int N, int C) {
    /* TODO(day2): per row, first dot = sum_j dprobs[j] * probs[j], then
       dlogits[c] += probs[c] * (dprobs[c] - dot). */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++) {
        const float *dp = dprobs + (size_t)n * C, *p = probs + (size_t)n * C;
        float dot = 0.0f;
        for (int c = 0; c < C; c++) dot += dp[c] * p[c];
        for (int c = 0; c < C; c++) dlogits[(size_t)n * C + c] += p[c] * (dp[c] - dot);
    }
    /* END SOLUTION */
}

void log_softmax_forward(float *out, const float *logits, int N, int C) {
    /* TODO(day2): per row: m = max, s = sum_c expf(x[c] - m), then
       out[c] = (x[c] - m) - logf(s). No division, no log of a tiny number;
       subtracting m first keeps the result exact for logits near 1e4. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * C;
        float m = x[0], sum = 0.0f;
        for (int c = 1; c < C; c++) m = x[c] > m ? x[c] : m;
        for (int c = 0; c < C; c++) sum += expf(x[c] - m);
        float log_sum = logf(sum);
        for (int c = 0; c < C; c++) out[(size_t)n * C + c] = (x[c] - m) - log_sum;
    }
    /* END SOLUTION */
}

void log_softmax_backward(float *dlogits, const float *dout, const float *out, int N, int C) {
    /* TODO(day2): per row, s = sum_c dout[c]; dlogits[c] += dout[c] - expf(out[c]) * s. */
    /* BEGIN SOLUTION */
    for (int n = 0; n < N; n++) {
        const float *g = dout + (size_t)n * C, *o = out + (size_t)n * C;
        float s = 0.0f;
        for (int c = 0; c < C; c++) s += g[c];
        for (int c = 0; c < C; c++) dlogits[(size_t)n * C + c] += g[c] - expf(o[c]) * s;
    }
    /* END SOLUTION */
}

float cross_entropy_forward(float *probs, const float *logits, const int *targets, int N, int C) {
    /* TODO(day2): softmax_forward into probs; then the mean of -log of the
       target's probability over the rows whose target is not negative (a
       negative target means "no loss here"; return 0 when every row is
       ignored). Computing that log from probs fails when the probability
       underflows to 0 (logits of 1e4): use -(x[t] - m - log(sum exp(x - m)))
       from the logits instead. */
    /* BEGIN SOLUTION */
    int counted = 0;
    for (int n = 0; n < N; n++) {
        LLMLAB_CHECK(targets[n] < C, "targets are class indices in [0, C), or negative to ignore a row",
                     "target %d of row %d is not below %d", targets[n], n, C);
        counted += targets[n] >= 0;
    }
    softmax_forward(probs, logits, N, C);
    /* rows in parallel, each row's loss kept apart, then added in row order */
    float *row_loss = XMALLOC((size_t)N * sizeof *row_loss);
#pragma omp parallel for schedule(static) if ((size_t)N * C >= PARALLEL_MIN_WORK)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * C;
        float m = x[0], sum = 0.0f;
        for (int c = 1; c < C; c++) m = x[c] > m ? x[c] : m;
        for (int c = 0; c < C; c++) sum += expf(x[c] - m);
        row_loss[n] = targets[n] < 0 ? 0.0f : -(x[targets[n]] - m - logf(sum));
    }
    double loss = 0.0;
    for (int n = 0; n < N; n++) loss += row_loss[n];
    free(row_loss);
    return counted ? (float)(loss / counted) : 0.0f;
    /* END SOLUTION */
}

void cross_entropy_backward(float *dlogits, const float *probs, const int *targets, int N, int C) {
    /* TODO(day2): with M the number of rows whose target is not negative,
       dlogits[n][c] += (probs[n][c] - (c == target ? 1 : 0)) / M for those
       rows; an ignored row gets no gradient at all. */
    /* BEGIN SOLUTION */
    int counted = 0;
    for (int n = 0; n < N; n++) counted += targets[n] >= 0;
    if (counted == 0) return;
    float inv_m = 1.0f / (float)counted;
#pragma omp parallel for schedule(static) if ((size_t)N * C >= PARALLEL_MIN_WORK)
    for (int n = 0; n < N; n++)
        if (targets[n] >= 0)
            for (int c = 0; c < C; c++)
                dlogits[(size_t)n * C + c] += (probs[(size_t)n * C + c] - (c == targets[n] ? 1.0f : 0.0f)) * inv_m;
    /* END SOLUTION */
}
