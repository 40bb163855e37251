/**
 * @file attention.h
 * @brief Day 3: attention, the operation that lets each position look at the others.
 *
 * Shapes use the course's legend: B batch, T time (sequence length), C
 * channels, NH heads, hs = C / NH the size of one head.
 *
 * A sequence of T vectors x (T,C) is projected three times (one matmul with
 * a (3C, C) weight, Day 2's matmul_forward): queries q, keys k and values v,
 * stored side by side in qkv (B,T,3C) as [q | k | v]. Then, per head, every
 * query is compared with every key (a dot product), the scores become
 * weights by a softmax, and the output is the weighted sum of the values.
 *
 * Heads are not copied out: head h of q is the columns [h*hs, (h+1)*hs) of
 * the q part, read with a row stride of 3C. Strides again, as on Day 2.
 */
#ifndef LLMLAB_ATTENTION_H
#define LLMLAB_ATTENTION_H

/* ------------------------------------------------------------------------- */
/** @name Scaled dot-product attention, one head
 *  q (Tq,hs), k (Tk,hs), v (Tk,hs), each row `stride` floats after the last
 *  (hs for packed arrays, 3C inside qkv). out (Tq,hs) rows are `out_stride` apart.
 *  @{ */

/**
 * att (Tq,Tk) = softmax over each row of scale * q k^T; then out = att @ v.
 * @p scale is normally 1/sqrt(hs). att is saved for backward.
 * With @p causal set, the queries are the last Tq of the Tk positions, and
 * query i sees only keys j <= i + (Tk - Tq): never the future. The weights of
 * the keys it may not see are exactly 0, and they are never computed.
 */
void sdpa_forward(float *out, int out_stride, float *att, const float *q, const float *k, const float *v, int stride,
                  int Tq, int Tk, int hs, float scale, int causal);

/**
 * Given dout (Tq,hs, rows out_stride apart), add the gradients into dq, dk,
 * dv (same layout as q, k, v). Uses the saved att; @p datt (Tq,Tk) is scratch.
 */
void sdpa_backward(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride, const float *att,
                   const float *q, const float *k, const float *v, int stride, int Tq, int Tk, int hs, float scale);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Multi-head attention over a batch
 *  @{ */

/**
 * qkv (B,T,3C) -> out (B,T,C): for every batch element b and head h, run
 * sdpa_forward on head h of q, k and v, and write its output into columns
 * [h*hs, (h+1)*hs) of out (the heads merged side by side). att (B,NH,T,T)
 * keeps every head's weights. Scale 1/sqrt(hs).
 */
void mha_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH, int causal);

/** Backward of mha_forward: dqkv (B,T,3C) += ...; datt (T,T) is scratch. */
void mha_backward(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv, int B, int T, int C,
                  int NH);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Given: the fast twins (attention_fast.c)
 *  The same contracts as the four functions above, computed faster: long
 *  sequences as blocked matrix products with Day 2's gemm_fast (skipping
 *  the keys the causal mask hides from a whole block), heads on all
 *  threads. Results agree with the plain versions up to the order of float
 *  sums (tests/given/ checks them at sizes that reach every path). Day 4's
 *  block calls these, so the GPT of Week 2 runs on them.
 *  @{ */
void sdpa_forward_fast(float *out, int out_stride, float *att, const float *q, const float *k, const float *v,
                       int stride, int Tq, int Tk, int hs, float scale, int causal);
void sdpa_backward_fast(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                        const float *att, const float *q, const float *k, const float *v, int stride, int Tq, int Tk,
                        int hs, float scale);
void mha_forward_fast(float *out, float *att, const float *qkv, int B, int T, int C, int NH, int causal);
void mha_backward_fast(float *dqkv, float *datt, const float *dout, const float *att, const float *qkv, int B, int T,
                       int C, int NH);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Position
 *  Attention by itself ignores order: shuffle the keys and values together
 *  and each output is the same. Position has to be added to the input.
 *  @{ */

/**
 * The fixed sinusoidal encoding of "Attention Is All You Need": for position
 * t and channel pair i (channels 2i and 2i+1), angle = t / 10000^(2i/C);
 * pe[t][2i] = sin(angle), pe[t][2i+1] = cos(angle). pe is (T,C); C even.
 */
void sinusoidal_encoding(float *pe, int T, int C);

/**
 * Learned embeddings: out (B,T,C) = wte[tokens[b][t]] + wpe[t], with the
 * token table wte (V,C) and the position table wpe (maxT,C).
 */
void embedding_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C);

/** dwte[token] += dout[b][t] for every (b,t) (a token seen twice gets both); dwpe[t] += dout[b][t]. */
void embedding_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C);
/** @} */

#endif
