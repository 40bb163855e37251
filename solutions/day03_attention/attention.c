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
    /* BEGIN SOLUTION */
    for (int i = 0; i < Tq; i++) {
        const float *qi = q + (size_t)i * stride;
        float *row = att + (size_t)i * Tk;
        int lim = causal ? i + (Tk - Tq) + 1 : Tk; /* keys 0 .. lim-1 are visible */
        float max = -INFINITY, sum = 0.0f;
        for (int j = 0; j < lim; j++) {
            const float *kj = k + (size_t)j * stride;
            float s = 0.0f;
            for (int d = 0; d < hs; d++) s += qi[d] * kj[d];
            row[j] = s * scale;
            if (row[j] > max) max = row[j];
        }
        for (int j = 0; j < lim; j++) sum += (row[j] = expf(row[j] - max));
        for (int j = 0; j < lim; j++) row[j] /= sum;
        for (int j = lim; j < Tk; j++) row[j] = 0.0f; /* the future: weight exactly 0 */
        float *oi = out + (size_t)i * out_stride;
        for (int d = 0; d < hs; d++) oi[d] = 0.0f;
        for (int j = 0; j < lim; j++) {
            const float *vj = v + (size_t)j * stride;
            for (int d = 0; d < hs; d++) oi[d] += row[j] * vj[d];
        }
    }
    /* END SOLUTION */
}

void sdpa_backward(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride, const float *att,
                   const float *q, const float *k, const float *v, int stride, int Tq, int Tk, int hs, float scale) {
    /* TODO(day3): undo the forward steps in reverse, for each query i:
       1. out_i = sum_j att_ij v_j:  datt_ij = dout_i . v_j,  dv_j += att_ij * dout_i
       2. softmax (Day 2): dscore_ij = att_ij * (datt_ij - sum_l att_il datt_il)
       3. score_ij = scale * q_i . k_j:  dq_i += scale * dscore_ij * k_j,
                                          dk_j += scale * dscore_ij * q_i
       Masked keys have att_ij = 0, so they get nothing: loops over all j work. */
    /* BEGIN SOLUTION */
    for (int i = 0; i < Tq; i++) {
        const float *doi = dout + (size_t)i * out_stride, *row = att + (size_t)i * Tk;
        const float *qi = q + (size_t)i * stride;
        float *dqi = dq + (size_t)i * stride, *drow = datt + (size_t)i * Tk;
        float dot = 0.0f; /* sum over l of att_il datt_il */
        for (int j = 0; j < Tk; j++) {
            const float *vj = v + (size_t)j * stride;
            float *dvj = dv + (size_t)j * stride, g = 0.0f;
            for (int d = 0; d < hs; d++) g += doi[d] * vj[d];
            for (int d = 0; d < hs; d++) dvj[d] += row[j] * doi[d];
            drow[j] = g;
            dot += row[j] * g;
        }
        for (int j = 0; j < Tk; j++) {
            float ds = row[j] * (drow[j] - dot) * scale;
            const float *kj = k + (size_t)j * stride;
            float *dkj = dk + (size_t)j * stride;
            for (int d = 0; d < hs; d++) {
                dqi[d] += ds * kj[d];
                dkj[d] += ds * qi[d];
            }
        }
    }
    /* END SOLUTION */
}

void mha_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH, int causal) {
    /* TODO(day3): hs = C / NH. For every b and h: q starts at
       qkv + b*T*3C + h*hs, k at q + C, v at q + 2C, all with row stride 3C;
       the output goes to out + b*T*C + h*hs with row stride C, the weights
       to att + (b*NH + h)*T*T. Call sdpa_forward with scale 1/sqrt(hs). */
    /* BEGIN SOLUTION */
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (size_t)b * T * 3 * C + (size_t)h * hs;
            sdpa_forward(out + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T, q, q + C,
                         q + 2 * C, 3 * C, T, T, hs, scale, causal);
        }
    /* END SOLUTION */
}

void mha_backward(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv, int B, int T, int C,
                  int NH) {
    /* TODO(day3): the same pointers as mha_forward, for the gradients too
       (dq at dqkv + b*T*3C + h*hs, dk at dq + C, dv at dq + 2C), and
       sdpa_backward for every b and h. datt is (T,T) scratch: reuse it. */
    /* BEGIN SOLUTION */
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            size_t off = (size_t)b * T * 3 * C + (size_t)h * hs;
            sdpa_backward(dqkv + off, dqkv + off + C, dqkv + off + 2 * C, datt,
                          dout + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T, qkv + off,
                          qkv + off + C, qkv + off + 2 * C, 3 * C, T, T, hs, scale);
        }
    /* END SOLUTION */
}

void sinusoidal_encoding(float *pe, int T, int C) {
    /* TODO(day3): for t < T and i < C/2: angle = t / 10000^(2i/C) (powf);
       pe[t*C + 2i] = sinf(angle), pe[t*C + 2i + 1] = cosf(angle). */
    /* BEGIN SOLUTION */
    for (int t = 0; t < T; t++)
        for (int i = 0; i < C / 2; i++) {
            float angle = (float)t / powf(10000.0f, (float)(2 * i) / (float)C);
            pe[(size_t)t * C + 2 * i] = sinf(angle);
            pe[(size_t)t * C + 2 * i + 1] = cosf(angle);
        }
    /* END SOLUTION */
}

void embedding_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C) {
    /* TODO(day3): out[b][t][c] = wte[tokens[b*T + t]][c] + wpe[t][c]. */
    /* BEGIN SOLUTION */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *e = wte + (size_t)tokens[b * T + t] * C, *p = wpe + (size_t)t * C;
            float *o = out + ((size_t)b * T + t) * C;
            for (int c = 0; c < C; c++) o[c] = e[c] + p[c];
        }
    /* END SOLUTION */
}

void embedding_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C) {
    /* TODO(day3): for every (b,t): add dout[b][t] into row tokens[b*T + t]
       of dwte and into row t of dwpe. */
    /* BEGIN SOLUTION */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *g = dout + ((size_t)b * T + t) * C;
            float *de = dwte + (size_t)tokens[b * T + t] * C, *dp = dwpe + (size_t)t * C;
            for (int c = 0; c < C; c++) {
                de[c] += g[c];
                dp[c] += g[c];
            }
        }
    /* END SOLUTION */
}
