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

void mul_rows_backward(float *da, float *drow, const float *dout, const float *a, const float *row, int N, int C) {
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
