/*
 * Day 3, given code: the fast twins of sdpa_forward/backward and
 * mha_forward/backward. Same contracts (attention.h), same results up to the
 * order of a few float sums; the tests of tests/given/ check them against
 * the plain versions at sizes that reach every path. The GPT of Week 2 runs
 * on these.
 *
 * Two things make them fast:
 * - Long sequences as matrix products. The plain loops take one dot product
 *   at a time; Day 2's gemm_fast does the same sums in blocks that stay in
 *   the registers, about ten times faster once a head has a few thousand of
 *   them. Per block of SDPA_BLOCK queries (i0 .. i0+rows):
 *       scores (rows, kmax) = q_block k^T        softmax, row by row
 *       out_block (rows, hs) = weights v
 *   where kmax is the number of keys the last query of the block sees: with
 *   the causal mask, a block skips the keys all of its queries are blind to,
 *   half of the products over a whole sequence. Short ones (one query at a
 *   time while generating) keep the loops.
 * - Heads in parallel: they write disjoint columns, so each thread takes
 *   its own (b, h) pairs, with its own (T,T) scratch for backward.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "attention.h"
#include "check.h"
#include "fastexp.h"
#include "matmul_steps.h"
#include "parallel.h"

enum { SDPA_BLOCK = 64 };

/* Matrix products pay once a head has enough dot products to fill blocks. */
static int use_products(int Tq, int Tk, int hs) { return Tq >= 16 && (double)Tq * Tk * hs >= PARALLEL_MIN_WORK; }

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
    for (int j = lim; j < Tk; j++) row[j] = 0.0f; /* the future: weight exactly 0 */
}

static int keys_seen(int i0, int rows, int Tq, int Tk, int causal) {
    int kmax = causal ? i0 + rows + (Tk - Tq) : Tk;
    return kmax < Tk ? kmax : Tk;
}

static void forward_products(float *out, int out_stride, float *att, const float *q, const float *k, const float *v,
                             int stride, int Tq, int Tk, int hs, float scale, int causal) {
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

/* The loops of sdpa_forward, with softmax_visible. */
static void forward_loops(float *out, int out_stride, float *att, const float *q, const float *k, const float *v,
                          int stride, int Tq, int Tk, int hs, float scale, int causal) {
    for (int i = 0; i < Tq; i++) {
        const float *qi = q + (size_t)i * stride;
        float *row = att + (size_t)i * Tk, max = -INFINITY;
        int lim = causal ? i + (Tk - Tq) + 1 : Tk;
        for (int j = 0; j < lim; j++) {
            const float *kj = k + (size_t)j * stride;
            float s = 0.0f;
#pragma omp simd reduction(+ : s)
            for (int d = 0; d < hs; d++) s += qi[d] * kj[d];
            row[j] = s * scale;
            max = row[j] > max ? row[j] : max;
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
}

void sdpa_forward_fast(float *out, int out_stride, float *att, const float *q, const float *k, const float *v,
                       int stride, int Tq, int Tk, int hs, float scale, int causal) {
    if (use_products(Tq, Tk, hs))
        forward_products(out, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale, causal);
    else
        forward_loops(out, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale, causal);
}

/* Backward by the same blocks, with weights P and their gradient dP:
 *   dP = dout v^T,   dv += P^T dout,   dS = P * (dP - rowsum(P * dP)) * scale,
 *   dq += dS k,      dk += dS^T q. */
static void backward_products(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                              const float *att, const float *q, const float *k, const float *v, int stride, int Tq,
                              int Tk, int hs, float scale) {
    for (int i0 = 0; i0 < Tq; i0 += SDPA_BLOCK) {
        /* the keys some query of the block sees: past the last nonzero weight
         * of every row, nothing flows (the mask, read off the weights) */
        int rows = Tq - i0 < SDPA_BLOCK ? Tq - i0 : SDPA_BLOCK, kmax = 0;
        for (int r = 0; r < rows; r++) {
            const float *pr = att + (size_t)(i0 + r) * Tk;
            int j = Tk;
            while (j > kmax && pr[j - 1] == 0.0f) j--;
            kmax = j > kmax ? j : kmax;
        }
        if (kmax == 0) continue;
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

/* The loops of sdpa_backward, skipping masked keys. */
static void backward_loops(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                           const float *att, const float *q, const float *k, const float *v, int stride, int Tq, int Tk,
                           int hs, float scale) {
    for (int i = 0; i < Tq; i++) {
        const float *doi = dout + (size_t)i * out_stride, *row = att + (size_t)i * Tk;
        const float *restrict qi = q + (size_t)i * stride;
        float *restrict dqi = dq + (size_t)i * stride;
        float *drow = datt + (size_t)i * Tk;
        float dot = 0.0f;
        for (int j = 0; j < Tk; j++) {
            drow[j] = 0.0f;
            if (row[j] == 0.0f) continue; /* a masked key: no gradient flows through it */
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
            if (row[j] == 0.0f) continue;
            float ds = row[j] * (drow[j] - dot) * scale;
            const float *restrict kj = k + (size_t)j * stride;
            float *restrict dkj = dk + (size_t)j * stride;
            for (int d = 0; d < hs; d++) {
                dqi[d] += ds * kj[d];
                dkj[d] += ds * qi[d];
            }
        }
    }
}

void sdpa_backward_fast(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                        const float *att, const float *q, const float *k, const float *v, int stride, int Tq, int Tk,
                        int hs, float scale) {
    if (use_products(Tq, Tk, hs))
        backward_products(dq, dk, dv, datt, dout, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale);
    else
        backward_loops(dq, dk, dv, datt, dout, out_stride, att, q, k, v, stride, Tq, Tk, hs, scale);
}

void mha_forward_fast(float *out, float *att, const float *qkv, int B, int T, int C, int NH, int causal) {
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (size_t)b * T * 3 * C + (size_t)h * hs;
            sdpa_forward_fast(out + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T, q, q + C,
                              q + 2 * C, 3 * C, T, T, hs, scale, causal);
        }
}

void mha_backward_fast(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv, int B, int T,
                       int C, int NH) {
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    /* each thread its own (T,T) scratch: the caller's for the first */
#pragma omp parallel if (B * NH > 1)
    {
        float *mine = datt;
#ifdef _OPENMP
        if (omp_get_thread_num() > 0) mine = XMALLOC((size_t)T * T * sizeof *mine);
#endif
#pragma omp for collapse(2) schedule(static)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) {
                size_t off = (size_t)b * T * 3 * C + (size_t)h * hs;
                sdpa_backward_fast(dqkv + off, dqkv + off + C, dqkv + off + 2 * C, mine,
                                   dout + (size_t)b * T * C + (size_t)h * hs, C, att + ((size_t)b * NH + h) * T * T,
                                   qkv + off, qkv + off + C, qkv + off + 2 * C, 3 * C, T, T, hs, scale);
            }
        if (mine != datt) free(mine);
    }
}
