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
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "fastexp.h"
#include "matmul_steps.h"
#include "todo.h"

/* BEGIN SOLUTION */
/* Row i of the scores, row[0..lim) visible: softmax them in place (the
 * maximum is max) and set the hidden rest, up to Tk, to exactly 0. exp_fast
 * (common/fastexp.h) instead of expf: no call, so the loop runs several
 * keys at a time. */
static void softmax_visible(float *row, int lim, int Tk, float max) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < lim; j++) sum += (row[j] = exp_fast(row[j] - max));
    float inv = 1.0f / sum;
    for (int j = 0; j < lim; j++) row[j] *= inv;
    for (int j = lim; j < Tk; j++) row[j] = 0.0f;  /* the future: weight exactly 0 */
}

/*
 * The same computation as matrix products, for long sequences. The loops
 * below sdpa_forward's TODO take one dot product at a time; Day 2's
 * gemm_fast does the same sums in blocks that stay in the registers, about
 * ten times faster once a head has a few thousand of them. Per block of
 * SDPA_BLOCK queries (i0 .. i0+rows):
 *   scores (rows, kmax) = q_block k^T          softmax, row by row
 *   out_block (rows, hs) = weights v
 * where kmax is the number of keys the last query of the block sees: with
 * the causal mask, a block skips the keys all of its queries are blind to,
 * half of the products over a whole sequence.
 */
enum { SDPA_BLOCK = 64 };

static int use_products(int Tq, int Tk, int hs) { return Tq >= 16 && (double)Tq * Tk * hs >= 65536.0; }

static int keys_seen(int i0, int rows, int Tq, int Tk, int causal) {
    int kmax = causal ? i0 + rows + (Tk - Tq) : Tk;
    return kmax < Tk ? kmax : Tk;
}

static void sdpa_forward_products(float *out, int out_stride, float *att, const float *q, const float *k,
                                  const float *v, int stride, int Tq, int Tk, int hs, float scale, int causal) {
    for (int i0 = 0; i0 < Tq; i0 += SDPA_BLOCK) {
        int rows = Tq - i0 < SDPA_BLOCK ? Tq - i0 : SDPA_BLOCK, kmax = keys_seen(i0, rows, Tq, Tk, causal);
        float *s = att + (size_t)i0 * Tk;
        /* gemm_fast(M, N, K, A, A's row and column strides, B, ..., C, C's row stride, accumulate) */
        gemm_fast(rows, kmax, hs, q + (size_t)i0 * stride, stride, 1, k, 1, stride, s, Tk, 0);
        for (int i = i0; i < i0 + rows; i++) {
            float *row = att + (size_t)i * Tk, max = -INFINITY;
            int lim = causal ? i + (Tk - Tq) + 1 : Tk;
            for (int j = 0; j < lim; j++) {
                row[j] *= scale;
                max = row[j] > max ? row[j] : max;
            }
            softmax_visible(row, lim, Tk, max);
        }
        gemm_fast(rows, hs, kmax, s, Tk, 1, v, stride, 1, out + (size_t)i0 * out_stride, out_stride, 0);
    }
}

/* Backward by the same blocks, with weights P and their gradient dP:
 *   dP = dout v^T,   dv += P^T dout,   dS = P * (dP - rowsum(P * dP)) * scale,
 *   dq += dS k,      dk += dS^T q. */
static void sdpa_backward_products(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                                   const float *att, const float *q, const float *k, const float *v, int stride,
                                   int Tq, int Tk, int hs, float scale) {
    for (int i0 = 0; i0 < Tq; i0 += SDPA_BLOCK) {
        /* the keys some query of the block sees: past the last nonzero weight
         * of every row, nothing flows (the mask, read off the weights) */
        int rows = Tq - i0 < SDPA_BLOCK ? Tq - i0 : SDPA_BLOCK, kmax = 0;
        for (int r = 0; r < rows; r++) {
            const float *pr = att + (size_t)(i0 + r) * Tk;
            int j = Tk;
            while (j > kmax && pr[j - 1] == 0.0f)
                j--;
            kmax = j > kmax ? j : kmax;
        }
        if (kmax == 0)
            continue;
        const float *p = att + (size_t)i0 * Tk, *dout_b = dout + (size_t)i0 * out_stride;
        float *dp = datt + (size_t)i0 * Tk;
        gemm_fast(rows, kmax, hs, dout_b, out_stride, 1, v, 1, stride, dp, Tk, 0);
        gemm_fast(kmax, hs, rows, p, 1, Tk, dout_b, out_stride, 1, dv, stride, 1);
        for (int r = 0; r < rows; r++) {
            const float *pr = p + (size_t)r * Tk;
            float *dpr = dp + (size_t)r * Tk, dot = 0.0f;
            for (int j = 0; j < kmax; j++) dot += pr[j] * dpr[j];
            for (int j = 0; j < kmax; j++) dpr[j] = pr[j] * (dpr[j] - dot) * scale;
        }
        gemm_fast(rows, hs, kmax, dp, Tk, 1, k, stride, 1, dq + (size_t)i0 * stride, stride, 1);
        gemm_fast(kmax, hs, rows, dp, 1, Tk, q + (size_t)i0 * stride, stride, 1, dk, stride, 1);
    }
}
/* END SOLUTION */

void sdpa_forward(float *out, int out_stride, float *att, const float *q, const float *k,
                  const float *v, int stride, int Tq, int Tk, int hs, float scale, int causal) {
    /* TODO(day3): for each query i: the keys it sees are j < lim, with
       lim = Tk, or i + (Tk - Tq) + 1 when causal. For those j,
       att[i*Tk + j] = scale * (q_i . k_j); softmax them (subtract the max,
       as on Day 2); set att[i*Tk + j] = 0 for the others. Then row i of out
       = sum over j of att[i*Tk + j] * v_j. Row i of q starts at q + i*stride. */
    /* BEGIN SOLUTION */
    if (use_products(Tq, Tk, hs)) {
        sdpa_forward_products(out, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale, causal);
        return;
    }
    for (int i = 0; i < Tq; i++) {
        const float *qi = q + (size_t)i * stride;
        float *row = att + (size_t)i * Tk;
        int lim = causal ? i + (Tk - Tq) + 1 : Tk;  /* keys 0 .. lim-1 are visible */
        float max = -INFINITY;
        for (int j = 0; j < lim; j++) {
            const float *kj = k + (size_t)j * stride;
            float s = 0.0f;
            /* simd reduction: lets the compiler add in vector lanes (another order of the sum) */
#pragma omp simd reduction(+ : s)
            for (int d = 0; d < hs; d++) s += qi[d] * kj[d];
            row[j] = s * scale;
            if (row[j] > max) max = row[j];
        }
        softmax_visible(row, lim, Tk, max);
        float *restrict oi = out + (size_t)i * out_stride;
        for (int d = 0; d < hs; d++) oi[d] = 0.0f;
        for (int j = 0; j < lim; j++) {
            const float *restrict vj = v + (size_t)j * stride;
            float w = row[j];
            for (int d = 0; d < hs; d++) oi[d] += w * vj[d];
        }
    }
    /* END SOLUTION */
}

void sdpa_backward(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                   const float *att, const float *q, const float *k, const float *v, int stride,
                   int Tq, int Tk, int hs, float scale) {
    /* TODO(day3): undo the forward steps in reverse, for each query i:
       1. out_i = sum_j att_ij v_j:  datt_ij = dout_i . v_j,  dv_j += att_ij * dout_i
       2. softmax (Day 2): dscore_ij = att_ij * (datt_ij - sum_l att_il datt_il)
       3. score_ij = scale * q_i . k_j:  dq_i += scale * dscore_ij * k_j,
                                          dk_j += scale * dscore_ij * q_i
       Masked keys have att_ij = 0, so they get nothing: loops over all j work. */
    /* BEGIN SOLUTION */
    if (use_products(Tq, Tk, hs)) {
        sdpa_backward_products(dq, dk, dv, datt, dout, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale);
        return;
    }
    for (int i = 0; i < Tq; i++) {
        const float *doi = dout + (size_t)i * out_stride, *row = att + (size_t)i * Tk;
        const float *restrict qi = q + (size_t)i * stride;
        float *restrict dqi = dq + (size_t)i * stride;
        float *drow = datt + (size_t)i * Tk;
        float dot = 0.0f;
        for (int j = 0; j < Tk; j++) {
            drow[j] = 0.0f;
            if (row[j] == 0.0f) continue;  /* a masked key: no gradient flows through it */
            const float *vj = v + (size_t)j * stride;
            float *restrict dvj = dv + (size_t)j * stride;
            float g = 0.0f, w = row[j];
#pragma omp simd reduction(+ : g)
            for (int d = 0; d < hs; d++) g += doi[d] * vj[d];
            for (int d = 0; d < hs; d++) dvj[d] += w * doi[d];
            drow[j] = g;
            dot += w * g;
        }
        for (int j = 0; j < Tk; j++) {
            if (row[j] == 0.0f) continue;  /* a masked (or underflowed) key: no gradient */
            float ds = row[j] * (drow[j] - dot) * scale;
            const float *restrict kj = k + (size_t)j * stride;
            float *restrict dkj = dk + (size_t)j * stride;
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
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (size_t)b * T * 3 * C + (size_t)h * hs;
            sdpa_forward(out + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T,
                         q, q + C, q + 2 * C, 3 * C, T, T, hs, scale, causal);
        }
    /* END SOLUTION */
}

void mha_backward(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv,
                  int B, int T, int C, int NH) {
    /* TODO(day3): the same pointers as mha_forward, for the gradients too
       (dq at dqkv + b*T*3C + h*hs, dk at dq + C, dv at dq + 2C), and
       sdpa_backward for every b and h. datt is (T,T) scratch: reuse it. */
    /* BEGIN SOLUTION */
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    /* Heads write disjoint columns of dqkv, so they can run in parallel, each
     * thread with its own (T,T) scratch: the caller's for the first. */
#pragma omp parallel if (B * NH > 1)
    {
        float *mine = datt;
#ifdef _OPENMP
        if (omp_get_thread_num() > 0)
            mine = XMALLOC((size_t)T * T * sizeof *mine);
#endif
#pragma omp for collapse(2) schedule(static)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) {
                size_t off = (size_t)b * T * 3 * C + (size_t)h * hs;
                sdpa_backward(dqkv + off, dqkv + off + C, dqkv + off + 2 * C, mine,
                              dout + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T,
                              qkv + off, qkv + off + C, qkv + off + 2 * C, 3 * C, T, T, hs, scale);
            }
        if (mine != datt)
            free(mine);
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

void embedding_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B,
                       int T, int C) {
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

void embedding_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T,
                        int C) {
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
