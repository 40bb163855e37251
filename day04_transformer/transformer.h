/**
 * @file transformer.h
 * @brief Day 4: LayerNorm, GELU, residuals, and the pre-norm transformer block.
 *
 * Shapes: B batch, T time, C channels, NH heads; N = B*T rows when an
 * operation treats every position alike. The block, in PyTorch terms:
 *
 *     x = x + proj(attention(ln1(x) @ Wqkv))      # talk: positions exchange information
 *     x = x + fc2(gelu(fc1(ln2(x))))              # think: each position on its own
 *
 * A Block holds views of its parameters, their gradients, its activations
 * and their gradients, laid out by size tables generated from two lists
 * (BLOCK_PARAMS and BLOCK_ACTS below), so adding a tensor is one line.
 * block_init gives a block memory of its own (one allocation for each of
 * the four, and attention's scratch); Week 2's GPT points the views into
 * its stacked tensors instead (gpt_block), one layer at a time.
 */
#ifndef LLMLAB_TRANSFORMER_H
#define LLMLAB_TRANSFORMER_H

#include <stddef.h>

#include "rng.h"

/* ------------------------------------------------------------------------- */
/** @name Layer normalisation (over the last axis of (N,C))
 *  @{ */

/** Added to the variance before the square root, as in PyTorch's default. */
#define LAYERNORM_EPS 1e-5f

/**
 * Per row: mean m, variance v (divided by C, not C-1), rstd = 1/sqrt(v + eps);
 * out = (x - m) * rstd * weight + bias. Saves mean (N) and rstd (N) for backward.
 */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight, const float *bias,
                       int N, int C);

/** Add the gradients: dinp (N,C), dweight (C), dbias (C), from the saved mean and rstd. */
void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name GELU (GPT-2's tanh approximation) and residual connections
 *  @{ */

/** sqrt(2 / pi), the constant inside GPT-2's GELU. */
#define GELU_SCALE 0.7978845608028654f

/** out = 0.5 x (1 + tanh(GELU_SCALE (x + 0.044715 x^3))), element by element on n floats. */
void gelu_forward(float *out, const float *inp, size_t n);
/** dinp += dout * gelu'(inp). */
void gelu_backward(float *dinp, const float *dout, const float *inp, size_t n);
/** out = a + b on n floats: the residual connection. */
void residual_forward(float *out, const float *a, const float *b, size_t n);
/** da += dout and db += dout: a sum hands its gradient to both paths unchanged. */
void residual_backward(float *da, float *db, const float *dout, size_t n);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Given: the fast twins (transformer_fast.c)
 *  Same contracts as layernorm_backward, gelu_forward and gelu_backward,
 *  computed faster: LayerNorm's backward in two passes that each use every
 *  thread (rows for dinp, then columns for dweight and dbias, each column
 *  still summed in row order, so the result does not depend on the thread
 *  count); GELU's tanh through one exp_fast (common/fastexp.h), which
 *  vectorises where tanhf is a library call. The block's reference calls
 *  these and Day 3's attention twins; tests/given/ checks them against the
 *  plain versions.
 *  @{ */
void layernorm_backward_fast(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                             const float *weight, const float *mean, const float *rstd, int N, int C);
void gelu_forward_fast(float *out, const float *inp, size_t n);
void gelu_backward_fast(float *dinp, const float *dout, const float *inp, size_t n);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name The block
 *  @{ */

/** The block's parameters: X(name, number of floats) in the order they are stored. */
#define BLOCK_PARAMS(X, C)     \
    X(ln1_w, (C))              \
    X(ln1_b, (C))              \
    X(qkv_w, 3 * (C) * (C))    \
    X(qkv_b, 3 * (C))          \
    X(proj_w, (C) * (C))       \
    X(proj_b, (C))             \
    X(ln2_w, (C))              \
    X(ln2_b, (C))              \
    X(fc_w, 4 * (C) * (C))     \
    X(fc_b, 4 * (C))           \
    X(fcproj_w, 4 * (C) * (C)) \
    X(fcproj_b, (C))

/** Pointers into one array of floats, one per parameter (the layout of BLOCK_PARAMS). */
typedef struct BlockParams {
#define X(NAME, COUNT) float *NAME;
    BLOCK_PARAMS(X, 0)
#undef X
} BlockParams;

/** What forward saves for backward, for B*T rows: X(name, floats per row). */
#define BLOCK_ACTS(X, C, T, NH) \
    X(ln1, (C))                 \
    X(ln1_mean, 1)              \
    X(ln1_rstd, 1)              \
    X(qkv, 3 * (C))             \
    X(att, (NH) * (T))          \
    X(atty, (C))                \
    X(attproj, (C))             \
    X(res1, (C))                \
    X(ln2, (C))                 \
    X(ln2_mean, 1)              \
    X(ln2_rstd, 1)              \
    X(fch, 4 * (C))             \
    X(fch_gelu, 4 * (C))        \
    X(fcproj, (C))

typedef struct BlockActs {
#define X(NAME, PER_ROW) float *NAME;
    BLOCK_ACTS(X, 0, 0, 0)
#undef X
} BlockActs;

/**
 * A pre-norm transformer block for inputs of up to B x T positions with C
 * channels: views of its parameters, their gradients, its activations and
 * their gradients. block_init() gives a block memory of its own; Week 2's
 * GPT hands out each of its layers as a Block whose views point into the
 * model's tensors (gpt_block), so one block_forward and one block_backward
 * run every layer.
 */
typedef struct Block {
    int B, T, C, NH;
    int use_layernorm; /**< 1 normally; 0 skips both LayerNorms (for the demo's experiment) */
    int use_residual;  /**< 1 normally; 0 drops both skip connections (same) */
    BlockParams params, grads;
    BlockActs acts, dacts;
    float *param_mem, *grad_mem, *act_mem; /**< block_init's memory: params, grads, acts as runs (NULL in a view) */
    float *dact_mem;                       /**< dacts as one run of nacts floats: block_backward clears it first */
    size_t nparams, nacts;
    float *scratch; /**< (T,T) floats: the datt scratch of attention's backward (mha_backward or its twin) */
} Block;

/**
 * Allocate a block for batches of up to B x T and initialise it like GPT-2:
 * weights normal with std 0.02, the two projections that write into the
 * residual stream (proj_w, fcproj_w) with std 0.02/sqrt(2 * n_layers),
 * LayerNorm weights 1, every bias 0.
 */
void block_init(Block *blk, int B, int T, int C, int NH, int n_layers, Rng *rng);
/** Free what block_init allocated (not for a view such as gpt_block's). */
void block_free(Block *blk);

/** out (B,T,C) = the block applied to inp (B,T,C); saves its activations. */
void block_forward(Block *blk, float *out, const float *inp, int B, int T);

/**
 * Given dout (B,T,C), add the gradients of every parameter into blk->grads
 * and of the input into dinp (B,T,C). Call after block_forward on the same
 * inp; zero blk->grads yourself when starting a new step.
 */
void block_backward(Block *blk, float *dinp, const float *dout, const float *inp, int B, int T);
/** @} */

#endif
