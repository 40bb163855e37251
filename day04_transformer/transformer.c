/*
 * Day 4: LayerNorm, GELU, residuals, and the transformer block.
 *
 * Read transformer.h first. Grade with `make check-day4`; hints with
 * `make hint-day4`. The block is assembled from Day 2's matmul and Day 3's
 * attention: its forward calls them in order, its backward calls their
 * backwards in the reverse order.
 */
#include "transformer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "check.h"
#include "tensor.h"
#include "todo.h"

/* ---- LayerNorm ---- */

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight, const float *bias,
                       int N, int C) {
    /* TODO(day4): for each row: m = the mean of its C values; v = the mean of
       (x - m)^2; s = 1 / sqrtf(v + LAYERNORM_EPS); out = (x - m) * s * weight[c]
       + bias[c]. Save m in mean[row] and s in rstd[row]. */
    TODO_UNIMPLEMENTED();
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C) {
    /* TODO(day4): per row, with norm_c = (x_c - mean) * rstd and
       g_c = dout_c * weight[c]:  dbias[c] += dout_c;  dweight[c] += dout_c * norm_c;
       dinp_c += rstd * (g_c - mean_of(g) - norm_c * mean_of(g * norm)).
       (study note 02 derives the last line.) */
    TODO_UNIMPLEMENTED();
}

/* ---- GELU and residuals ---- */

void gelu_forward(float *out, const float *inp, size_t n) {
    /* TODO(day4): out = 0.5 x (1 + tanhf(GELU_SCALE * (x + 0.044715 x^3))),
       with tanhf from math.h. (gelu_forward_fast, in transformer_fast.c,
       computes tanh its own faster way; the tests allow for the difference.) */
    TODO_UNIMPLEMENTED();
}

void gelu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
    /* TODO(day4): with u = GELU_SCALE (x + 0.044715 x^3) and t = tanh(u), the
       product rule gives gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx, where
       du/dx = GELU_SCALE (1 + 3 * 0.044715 x^2). dinp += dout * gelu'(x). */
    TODO_UNIMPLEMENTED();
}

void residual_forward(float *out, const float *a, const float *b, size_t n) {
    /* TODO(day4): out = a + b, element by element. */
    TODO_UNIMPLEMENTED();
}

void residual_backward(float *da, float *db, const float *dout, size_t n) {
    /* TODO(day4): both inputs get dout, added. */
    TODO_UNIMPLEMENTED();
}

/* ---- the block (init and free are given) ---- */

/* Point every field of a BlockParams at its slice of `mem`; returns the floats used. */
static size_t carve_params(BlockParams *p, float *mem, int C) {
    size_t off = 0;
#define X(NAME, COUNT)                \
    p->NAME = mem ? mem + off : NULL; \
    off += (size_t)(COUNT);
    BLOCK_PARAMS(X, C)
#undef X
    return off;
}

static size_t carve_acts(BlockActs *a, float *mem, int B, int T, int C, int NH) {
    size_t off = 0, rows = (size_t)B * T;
#define X(NAME, PER_ROW)              \
    a->NAME = mem ? mem + off : NULL; \
    off += rows * (size_t)(PER_ROW);
    BLOCK_ACTS(X, C, T, NH)
#undef X
    return off;
}

void block_init(Block *blk, int B, int T, int C, int NH, int n_layers, Rng *rng) {
    LLMLAB_CHECK(C % NH == 0, "C must be a multiple of NH", "C=%d, NH=%d", C, NH);
    memset(blk, 0, sizeof *blk);
    blk->B = B, blk->T = T, blk->C = C, blk->NH = NH;
    blk->use_layernorm = blk->use_residual = 1;
    blk->nparams = carve_params(&blk->params, NULL, C);
    blk->nacts = carve_acts(&blk->acts, NULL, B, T, C, NH);
    blk->param_mem = XCALLOC(blk->nparams, sizeof(float));
    blk->grad_mem = XCALLOC(blk->nparams, sizeof(float));
    blk->act_mem = XCALLOC(blk->nacts, sizeof(float));
    blk->dact_mem = XCALLOC(blk->nacts, sizeof(float));
    blk->scratch = XCALLOC((size_t)T * T, sizeof(float));
    carve_params(&blk->params, blk->param_mem, C);
    carve_params(&blk->grads, blk->grad_mem, C);
    carve_acts(&blk->acts, blk->act_mem, B, T, C, NH);
    carve_acts(&blk->dacts, blk->dact_mem, B, T, C, NH);
    BlockParams *p = &blk->params;
    float resid_std = 0.02f / sqrtf(2.0f * (float)n_layers);
    for (size_t i = 0; i < (size_t)3 * C * C; i++) p->qkv_w[i] = 0.02f * (float)rng_normal(rng);
    for (size_t i = 0; i < (size_t)C * C; i++) p->proj_w[i] = resid_std * (float)rng_normal(rng);
    for (size_t i = 0; i < (size_t)4 * C * C; i++) p->fc_w[i] = 0.02f * (float)rng_normal(rng);
    for (size_t i = 0; i < (size_t)4 * C * C; i++) p->fcproj_w[i] = resid_std * (float)rng_normal(rng);
    for (int c = 0; c < C; c++) p->ln1_w[c] = p->ln2_w[c] = 1.0f;
}

void block_free(Block *blk) {
    free(blk->param_mem), free(blk->grad_mem), free(blk->act_mem), free(blk->dact_mem), free(blk->scratch);
    memset(blk, 0, sizeof *blk);
}

void block_forward(Block *blk, float *out, const float *inp, int B, int T) {
    LLMLAB_CHECK(B <= blk->B && T <= blk->T, "the block was built for smaller batches",
                 "block_forward(B=%d, T=%d) on a block for B<=%d, T<=%d", B, T, blk->B, blk->T);
    /* TODO(day4): the pre-norm block, with p = &blk->params, a = &blk->acts,
       N = B*T, C = blk->C:
         ln1 = layernorm(inp)                       (saving ln1_mean, ln1_rstd)
         qkv = ln1 @ qkv_w^T + qkv_b                (matmul_forward, C -> 3C)
         atty = causal multi-head attention of qkv  (mha_forward, att saved)
         attproj = atty @ proj_w^T + proj_b         (C -> C)
         res1 = inp + attproj                       (residual_forward)
         ln2 = layernorm(res1); fch = ln2 @ fc_w^T + fc_b (C -> 4C)
         fch_gelu = gelu(fch); fcproj = fch_gelu @ fcproj_w^T + fcproj_b (4C -> C)
         out = res1 + fcproj
       For the demo: when blk->use_layernorm is 0, copy instead of normalising
       (memcpy); when blk->use_residual is 0, res1 = attproj and out = fcproj.
       Your own mha_forward and gelu_forward work here; the reference calls
       their given twins mha_forward_fast and gelu_forward_fast (same results,
       faster: attention_fast.c, transformer_fast.c), and so may you. */
    TODO_UNIMPLEMENTED();
}

void block_backward(Block *blk, float *dinp, const float *dout, const float *inp, int B, int T) {
    /* TODO(day4): zero the activation gradients (memset of blk->dact_mem,
       blk->nacts floats), then every step of block_forward backwards, last
       first, with p = &blk->params, a = &blk->acts, d = &blk->dacts and
       g = &blk->grads:
         out = res1 + fcproj      -> residual_backward(d->res1, d->fcproj, dout, N*C)
         fcproj = matmul(fch_gelu) -> matmul_backward(d->fch_gelu, g->fcproj_w, g->fcproj_b,
                                        d->fcproj, a->fch_gelu, p->fcproj_w, N, 4*C, C)
         ... gelu, fc, ln2 (its dinp is d->res1: res1 gets gradient from two paths),
         res1 = inp + attproj     -> dinp and d->attproj
         attproj, mha_backward (blk->scratch is its (T,T) datt), qkv, ln1 (into dinp).
       Every backward adds (+=); never clear blk->grads or dinp here. Mirror
       the use_layernorm / use_residual switches. As in forward, the *_fast
       twins (mha_backward_fast, gelu_backward_fast, layernorm_backward_fast)
       may stand in for yours. */
    TODO_UNIMPLEMENTED();
}
