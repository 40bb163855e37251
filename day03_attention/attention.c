/*
 * Day 3: attention, forward and backward.
 *
 * Read attention.h first. Grade with `make check-day3`; hints with
 * `make hint-day3`. Everything here is loops over rows of q, k and v:
 * Day 2's dot products and softmax, with strides to pick out the heads.
 */
#include "attention.h"

#include <math.h>
#include <stddef.h>

#include "todo.h"

void sdpa_forward(float *out, int out_stride, float *att, const float *q, const float *k, const float *v, int stride,
                  int Tq, int Tk, int hs, float scale, int causal) {
    /* TODO(day3): for each query i: the keys it sees are j < lim, with
       lim = Tk, or i + (Tk - Tq) + 1 when causal. For those j,
       att[i*Tk + j] = scale * (q_i . k_j); softmax them (subtract the max,
       as on Day 2); set att[i*Tk + j] = 0 for the others. Then row i of out
       = sum over j of att[i*Tk + j] * v_j. Row i of q starts at q + i*stride. */
    TODO_UNIMPLEMENTED();
}

void sdpa_backward(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride, const float *att,
                   const float *q, const float *k, const float *v, int stride, int Tq, int Tk, int hs, float scale) {
    /* TODO(day3): undo the forward steps in reverse, for each query i:
       1. out_i = sum_j att_ij v_j:  datt_ij = dout_i . v_j,  dv_j += att_ij * dout_i
       2. softmax (Day 2): dscore_ij = att_ij * (datt_ij - sum_l att_il datt_il)
       3. score_ij = scale * q_i . k_j:  dq_i += scale * dscore_ij * k_j,
                                          dk_j += scale * dscore_ij * q_i
       Masked keys have att_ij = 0, so they get nothing: loops over all j work. */
    TODO_UNIMPLEMENTED();
}

void mha_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH, int causal) {
    /* TODO(day3): hs = C / NH. For every b and h: q starts at
       qkv + b*T*3C + h*hs, k at q + C, v at q + 2C, all with row stride 3C;
       the output goes to out + b*T*C + h*hs with row stride C, the weights
       to att + (b*NH + h)*T*T. Call sdpa_forward with scale 1/sqrt(hs). */
    TODO_UNIMPLEMENTED();
}

void mha_backward(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv, int B, int T, int C,
                  int NH) {
    /* TODO(day3): the same pointers as mha_forward, for the gradients too
       (dq at dqkv + b*T*3C + h*hs, dk at dq + C, dv at dq + 2C), and
       sdpa_backward for every b and h. datt is (T,T) scratch: reuse it. */
    TODO_UNIMPLEMENTED();
}

void sinusoidal_encoding(float *pe, int T, int C) {
    /* TODO(day3): for t < T and i < C/2: angle = t / 10000^(2i/C) (powf);
       pe[t*C + 2i] = sinf(angle), pe[t*C + 2i + 1] = cosf(angle). */
    TODO_UNIMPLEMENTED();
}

void embedding_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C) {
    /* TODO(day3): out[b][t][c] = wte[tokens[b*T + t]][c] + wpe[t][c]. */
    TODO_UNIMPLEMENTED();
}

void embedding_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C) {
    /* TODO(day3): for every (b,t): add dout[b][t] into row tokens[b*T + t]
       of dwte and into row t of dwpe. */
    TODO_UNIMPLEMENTED();
}
