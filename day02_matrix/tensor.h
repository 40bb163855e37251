/**
 * @file tensor.h
 * @brief Day 2: arrays of floats, and the kernels every later lesson stands on.
 *
 * From here on a model is not a graph of scalar Values but a few big arrays,
 * and every operation is a pair of functions written by hand:
 *
 * - `X_forward(out, ..., inputs, ..., sizes)` computes the output;
 * - `X_backward(dinputs, ..., dout, saved inputs, ..., sizes)` receives the
 *   gradient of the loss with respect to the output and *adds* (`+=`) the
 *   gradients with respect to the inputs, exactly like Day 1's
 *   value_backward_step, only for whole arrays at once.
 *
 * Arrays are contiguous float32, row-major: element (i, j) of an (N, C)
 * array is `a[i * C + j]`. Shapes are written next to every argument,
 * with N for rows (examples in a batch), C for columns (features) and OC
 * for output features.
 *
 * The kernels take plain pointers and sizes, so they work on any slice of
 * memory; whoever allocates an array (a model, a test) owns and frees it.
 */
#ifndef LLMLAB_TENSOR_H
#define LLMLAB_TENSOR_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------- */
/** @name Matrix multiplication (the linear layer)
 *  @{ */

/**
 * out (N,OC) = inp (N,C) @ weight^T + bias, with weight (OC,C) as in
 * PyTorch's nn.Linear, bias (OC) or NULL. Overwrites out.
 * Each output is one dot product: out[n][o] = sum_c inp[n][c] * weight[o][c] + bias[o].
 */
void matmul_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C, int OC);

/**
 * Given dout (N,OC), add the gradients:
 * dinp (N,C) += dout @ weight, dweight (OC,C) += dout^T @ inp, dbias (OC) += column sums of dout.
 * Any of dinp, dweight, dbias may be NULL (not needed).
 */
void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Broadcasting over rows
 *  A row vector (C) is applied to every row of an (N,C) array.
 *  @{ */

/** out (N,C) = a (N,C) + row (C) on every row. */
void add_rows_forward(float *out, const float *a, const float *row, int N, int C);
/** da (N,C) += dout; drow (C) += the column sums of dout (every row used `row` once). */
void add_rows_backward(float *da, float *drow, const float *dout, int N, int C);
/** out (N,C) = a (N,C) * row (C), element by element on every row. */
void mul_rows_forward(float *out, const float *a, const float *row, int N, int C);
/** da += dout * row; drow (C) += column sums of dout * a. */
void mul_rows_backward(float *da, float *drow, const float *dout, const float *a, const float *row, int N, int C);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Reductions
 *  @{ */

/** axis 0: out (C) = sums down each column; axis 1: out (N) = sums along each row. */
void sum_forward(float *out, const float *a, int N, int C, int axis);
/** da (N,C) += dout broadcast back: each element gets the gradient of the sum it went into. */
void sum_backward(float *da, const float *dout, int N, int C, int axis);
/** Like sum_forward, divided by the number of elements summed (N for axis 0, C for axis 1). */
void mean_forward(float *out, const float *a, int N, int C, int axis);
/** Like sum_backward, divided by the same count. */
void mean_backward(float *da, const float *dout, int N, int C, int axis);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Activations (element by element, on n floats)
 *  @{ */

/** out = max(0, a). */
void relu_forward(float *out, const float *a, size_t n);
/** da += dout where a > 0 (0 at a = 0, as in PyTorch). */
void relu_backward(float *da, const float *dout, const float *a, size_t n);
/** out = tanh(a). */
void tanh_forward(float *out, const float *a, size_t n);
/** da += dout * (1 - out^2), using the saved forward output @p out. */
void tanh_backward(float *da, const float *dout, const float *out, size_t n);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Softmax and cross-entropy (over the last axis of (N,C) logits)
 *  All stable for logits of any size: subtract the row maximum before exp.
 *  @{ */

/** probs (N,C) = exp(x - max) / sum exp(x - max), row by row. */
void softmax_forward(float *probs, const float *logits, int N, int C);
/** dlogits (N,C) += probs * (dprobs - sum_j dprobs_j probs_j), row by row. */
void softmax_backward(float *dlogits, const float *dprobs, const float *probs, int N, int C);
/** out (N,C) = (x - max) - log(sum exp(x - max)), row by row (the log-sum-exp trick). */
void log_softmax_forward(float *out, const float *logits, int N, int C);
/** dlogits += dout - softmax * (row sum of dout), with softmax = exp(out). */
void log_softmax_backward(float *dlogits, const float *dout, const float *out, int N, int C);

/**
 * The mean cross-entropy loss of (N,C) logits against integer targets (N)
 * in [0, C): mean over rows of -log softmax(logits)[target]. A negative
 * target marks a row to ignore (PyTorch's ignore_index): it adds no loss
 * and the mean is over the other rows (0 when there are none). Writes the
 * softmax into @p probs (N,C), which the backward pass needs. Returns the loss.
 */
float cross_entropy_forward(float *probs, const float *logits, const int *targets, int N, int C);
/**
 * dlogits (N,C) += (probs - onehot(target)) / M, the famous "prediction minus
 * truth", for the M rows whose target is not negative; ignored rows get nothing.
 */
void cross_entropy_backward(float *dlogits, const float *probs, const int *targets, int N, int C);
/** @} */

#endif
