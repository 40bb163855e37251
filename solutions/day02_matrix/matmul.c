/*
 * Day 2: the linear layer, out = inp @ weight^T + bias, forward and backward.
 *
 * Write the plain loops first (the TODOs say how) and get `make check-day2`
 * green. Then read study note 04 and matmul_steps.c, and try calling
 * gemm_fast from here: `make bench` shows what that buys.
 */
#include "tensor.h"

#include <stddef.h>

#include "matmul_steps.h"
#include "todo.h"
/* BEGIN SOLUTION */
#include "parallel.h" /* the reference's OpenMP thresholds */
/* END SOLUTION */

void matmul_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C, int OC) {
    /* TODO(day2): for every row n and output o: start from bias[o] (or 0 when
       bias is NULL), add inp[n*C + c] * weight[o*C + c] over c, and store it
       in out[n*OC + o]. Three nested loops. */
    /* BEGIN SOLUTION */
    if (N <= 4) {
        /* A few rows (generating one token at a time): packing the whole
         * weight for them costs more than the product. One dot product per
         * output, reading weight rows in order. */
#pragma omp parallel for schedule(static) if ((size_t)OC * C >= (1u << 16))
        for (int o = 0; o < OC; o++)
            for (int n = 0; n < N; n++) {
                const float *x = inp + (size_t)n * C, *w = weight + (size_t)o * C;
                float s = 0.0f;
#pragma omp simd reduction(+ : s)
                for (int c = 0; c < C; c++) s += x[c] * w[c];
                out[(size_t)n * OC + o] = s;
            }
    } else {
        /* weight^T read through strides: B(k, j) = weight[j*C + k] */
        gemm_fast(N, OC, C, inp, C, 1, weight, 1, C, out, OC, 0);
    }
    if (bias != NULL)
#pragma omp parallel for schedule(static) if ((size_t)N * OC >= PARALLEL_MIN_WORK)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] += bias[o];
    /* END SOLUTION */
}

void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC) {
    /* TODO(day2): forward was out[n][o] = sum_c inp[n][c] * weight[o][c] + bias[o].
       So, adding (+=) for every n, o, c:
         dinp[n][c]    += dout[n][o] * weight[o][c]
         dweight[o][c] += dout[n][o] * inp[n][c]
         dbias[o]      += dout[n][o]
       Skip any of the three that is NULL. */
    /* BEGIN SOLUTION */
    if (dinp != NULL) /* dinp (N,C) += dout (N,OC) @ weight (OC,C) */
        gemm_fast(N, C, OC, dout, OC, 1, weight, C, 1, dinp, C, 1);
    if (dweight != NULL) /* dweight (OC,C) += dout^T (OC,N) @ inp (N,C) */
        gemm_fast(OC, C, N, dout, 1, OC, inp, C, 1, dweight, C, 1);
    if (dbias != NULL) /* threads take columns; each column sums its rows in order */
#pragma omp parallel for schedule(static) if ((size_t)N * OC >= PARALLEL_MIN_WORK)
        for (int o0 = 0; o0 < OC; o0 += 64)
            for (int n = 0; n < N; n++)
                for (int o = o0; o < (o0 + 64 < OC ? o0 + 64 : OC); o++) dbias[o] += dout[(size_t)n * OC + o];
    /* END SOLUTION */
}
