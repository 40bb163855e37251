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

/* ---- the Tensor container (given) ---- */

Tensor tensor_zeros(int ndim, int d0, int d1, int d2, int d3) {
    LLMLAB_CHECK(ndim >= 1 && ndim <= TENSOR_MAX_DIMS, "a tensor has 1 to 4 dimensions",
                 "tensor_zeros(ndim=%d)", ndim);
    Tensor t = {.ndim = ndim, .shape = {d0, d1, d2, d3}, .size = 1};
    for (int i = 0; i < ndim; i++) {
        LLMLAB_CHECK(t.shape[i] > 0, "every dimension must be at least 1", "dimension %d is %d", i,
                     t.shape[i]);
        t.size *= (size_t)t.shape[i];
    }
    for (int i = ndim; i < TENSOR_MAX_DIMS; i++) t.shape[i] = 0;
    t.data = XCALLOC(t.size, sizeof(float));
    return t;
}

void tensor_randn(Tensor *t, Rng *rng, float std) {
    for (size_t i = 0; i < t->size; i++) t->data[i] = std * (float)rng_normal(rng);
}

void tensor_free(Tensor *t) {
    free(t->data);
    t->data = NULL;
    t->size = 0;
}

void tensor_print(const Tensor *t, const char *name) {
    int cols = t->shape[t->ndim - 1], rows = (int)(t->size / (size_t)cols);
    printf("%s: (", name);
    for (int i = 0; i < t->ndim; i++) printf(i ? ",%d" : "%d", t->shape[i]);
    printf(")\n");
    for (int r = 0; r < rows && r < 6; r++) {
        printf("  [");
        for (int c = 0; c < cols && c < 6; c++) printf(c ? ", %8.4f" : "%8.4f", t->data[(size_t)r * cols + c]);
        printf(cols > 6 ? ", ...]\n" : "]\n");
    }
    if (rows > 6) printf("  ...\n");
}

/* ---- broadcasting over rows ---- */

void add_rows_forward(float *out, const float *a, const float *row, int N, int C) {
    /* TODO(day2): out[n*C + c] = a[n*C + c] + row[c] for every n and c. */
    TODO_UNIMPLEMENTED();
}

void add_rows_backward(float *da, float *drow, const float *dout, int N, int C) {
    /* TODO(day2): da += dout element by element; drow[c] += dout[n*C + c] for
       every row n (row was used by all N rows, so it collects N terms). */
    TODO_UNIMPLEMENTED();
}

void mul_rows_forward(float *out, const float *a, const float *row, int N, int C) {
    /* TODO(day2): out[n*C + c] = a[n*C + c] * row[c]. */
    TODO_UNIMPLEMENTED();
}

void mul_rows_backward(float *da, float *drow, const float *dout, const float *a, const float *row,
                       int N, int C) {
    /* TODO(day2): the product rule, element by element: da[i] += dout[i] * row[c]
       and drow[c] += dout[i] * a[i], summed over the rows for drow. */
    TODO_UNIMPLEMENTED();
}

/* ---- reductions ---- */

void sum_forward(float *out, const float *a, int N, int C, int axis) {
    /* TODO(day2): axis 0: out[c] = sum over n of a[n*C + c] (C outputs);
       axis 1: out[n] = sum over c of a[n*C + c] (N outputs). */
    TODO_UNIMPLEMENTED();
}

void sum_backward(float *da, const float *dout, int N, int C, int axis) {
    /* TODO(day2): every a[n*C + c] went into exactly one sum with weight 1, so
       it gets that sum's gradient: dout[c] for axis 0, dout[n] for axis 1. */
    TODO_UNIMPLEMENTED();
}

void mean_forward(float *out, const float *a, int N, int C, int axis) {
    /* TODO(day2): sum_forward, then divide each result by N (axis 0) or C (axis 1). */
    TODO_UNIMPLEMENTED();
}

void mean_backward(float *da, const float *dout, int N, int C, int axis) {
    /* TODO(day2): like sum_backward, with each gradient divided by the count. */
    TODO_UNIMPLEMENTED();
}

/* ---- activations ---- */

void relu_forward(float *out, const float *a, size_t n) {
    /* TODO(day2): out[i] = a[i] if it is positive, else 0. */
    TODO_UNIMPLEMENTED();
}

void relu_backward(float *da, const float *dout, const float *a, size_t n) {
    /* TODO(day2): da[i] += dout[i] where a[i] > 0. */
    TODO_UNIMPLEMENTED();
}

void tanh_forward(float *out, const float *a, size_t n) {
    /* TODO(day2): out[i] = tanhf(a[i]). */
    TODO_UNIMPLEMENTED();
}

void tanh_backward(float *da, const float *dout, const float *out, size_t n) {
    /* TODO(day2): da[i] += dout[i] * (1 - out[i]^2), with out the saved forward output. */
    TODO_UNIMPLEMENTED();
}

/* ---- softmax and cross-entropy ---- */

void softmax_forward(float *probs, const float *logits, int N, int C) {
    /* TODO(day2): for each row: find its maximum m; p[c] = expf(x[c] - m);
       divide every p[c] by their sum. Subtracting m changes nothing
       mathematically but keeps expf from overflowing. */
    TODO_UNIMPLEMENTED();
}

void softmax_backward(float *dlogits, const float *dprobs, const float *probs, int N, int C) {
    /* TODO(day2): per row, first dot = sum_j dprobs[j] * probs[j], then
       dlogits[c] += probs[c] * (dprobs[c] - dot). */
    TODO_UNIMPLEMENTED();
}

void log_softmax_forward(float *out, const float *logits, int N, int C) {
    /* TODO(day2): per row: m = max, s = sum_c expf(x[c] - m), then
       out[c] = (x[c] - m) - logf(s). No division, no log of a tiny number;
       subtracting m first keeps the result exact for logits near 1e4. */
    TODO_UNIMPLEMENTED();
}

void log_softmax_backward(float *dlogits, const float *dout, const float *out, int N, int C) {
    /* TODO(day2): per row, s = sum_c dout[c]; dlogits[c] += dout[c] - expf(out[c]) * s. */
    TODO_UNIMPLEMENTED();
}

float cross_entropy_forward(float *probs, const float *logits, const int *targets, int N, int C) {
    /* TODO(day2): softmax_forward into probs; then the mean of -log of the
       target's probability over the rows whose target is not negative (a
       negative target means "no loss here"; return 0 when every row is
       ignored). Computing that log from probs fails when the probability
       underflows to 0 (logits of 1e4): use -(x[t] - m - log(sum exp(x - m)))
       from the logits instead. */
    TODO_UNIMPLEMENTED();
}

void cross_entropy_backward(float *dlogits, const float *probs, const int *targets, int N, int C) {
    /* TODO(day2): with M the number of rows whose target is not negative,
       dlogits[n][c] += (probs[n][c] - (c == target ? 1 : 0)) / M for those
       rows; an ignored row gets no gradient at all. */
    TODO_UNIMPLEMENTED();
}
