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

void matmul_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C, int OC) {
    /* TODO(day2): for every row n and output o: start from bias[o] (or 0 when
       bias is NULL), add inp[n*C + c] * weight[o*C + c] over c, and store it
       in out[n*OC + o]. Three nested loops. */
    TODO_UNIMPLEMENTED();
}

void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC) {
    /* TODO(day2): forward was out[n][o] = sum_c inp[n][c] * weight[o][c] + bias[o].
       So, adding (+=) for every n, o, c:
         dinp[n][c]    += dout[n][o] * weight[o][c]
         dweight[o][c] += dout[n][o] * inp[n][c]
         dbias[o]      += dout[n][o]
       Skip any of the three that is NULL. */
    TODO_UNIMPLEMENTED();
}
