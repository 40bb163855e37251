/*
 * Week 2 exercises: the GPT's forward and backward passes, and one step of
 * incremental decoding with the KV cache. Shapes and layout are in gpt.h.
 */
#include <math.h>
#include <string.h>

#include "attention.h"
#include "check.h"
#include "gpt.h"
#include "tensor.h"
#include "todo.h"
#include "transformer.h"

float gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T) {
    const GptConfig *c = &m->cfg;
    int V = c->vocab, N = B * T;
    LLMLAB_CHECK(B >= 1 && T >= 1 && B <= m->B && T <= m->T && T <= c->ctx, "use a smaller batch or context",
                 "gpt_forward(B=%d, T=%d) on a model built for B<=%d, T<=%d", B, T, m->B, m->T);
    for (int i = 0; i < N; i++)
        LLMLAB_CHECK(tokens[i] >= 0 && tokens[i] < V, "the token file and the model disagree on the vocabulary",
                     "token %d at position %d is outside the vocabulary of %d", tokens[i], i, V);
    m->last_B = B, m->last_T = T, m->last_tokens = tokens, m->last_targets = targets;
    /* TODO(week2): the forward pass of gpt.h, saving what backward needs,
     * with p = &m->p, a = &m->a, C = c->n_embd, L = c->n_layer:
     *   a->encoded = embedding_forward(tokens, p->wte, p->wpe)    (Day 3)
     *   x = a->encoded; for each layer l: Block blk = gpt_block(m, l);
     *     block_forward(&blk, gpt_layer_out(m, l), x, B, T)     (Day 4)
     *     and x = gpt_layer_out(m, l), the next layer's input.
     *   a->lnf = layernorm_forward(x, p->lnf_w, p->lnf_b), saving a->lnf_mean
     *   and a->lnf_rstd; a->logits = lnf @ wte^T (matmul_forward with weight
     *   p->wte, no bias: the head shares the token embedding).
     *   With targets, return cross_entropy_forward(a->probs, a->logits,
     *   targets, N, V); else 0. */
    /* BEGIN SOLUTION */
    int C = c->n_embd, L = c->n_layer;
    const GptParams *p = &m->p;
    GptActs *a = &m->a;
    embedding_forward(a->encoded, tokens, p->wte, p->wpe, B, T, C);
    const float *x = a->encoded;
    for (int l = 0; l < L; l++) {
        Block blk = gpt_block(m, l);
        block_forward(&blk, gpt_layer_out(m, l), x, B, T);
        x = gpt_layer_out(m, l);
    }
    layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, p->lnf_w, p->lnf_b, N, C);
    matmul_forward(a->logits, a->lnf, p->wte, NULL, N, C, V);
    if (!targets) return 0.0f;
    return cross_entropy_forward(a->probs, a->logits, targets, N, V);
    /* END SOLUTION */
}

void gpt_backward(Gpt *m) {
    LLMLAB_CHECK(m->last_targets != NULL, "call gpt_forward with targets first",
                 "gpt_backward without a forward pass that computed a loss");
    /* TODO(week2): gpt_forward in reverse, B and T from m->last_B, m->last_T,
     * into g = &m->g (the parameter gradients: the caller zeroed those, add
     * to them) and d = &m->d (the activation gradients: yours to clear,
     * since every backward adds into its output). In order:
     *   clear d->logits (N*V floats); cross_entropy_backward into d->logits;
     *   clear d->lnf; the head's matmul_backward into d->lnf and g->wte
     *   (tied weights: the embedding adds to the same g->wte at the end);
     *   clear d->res[0]; layernorm_backward of lnf into it: the gradient of
     *   the last layer's output.
     *   Then for l from L-1 down to 0, with dx the gradient of layer l's
     *   output and dbelow the other d->res buffer, cleared:
     *     block_backward(&blk, dbelow, dx, input of layer l, B, T), where
     *     blk = gpt_block(m, l) and the input is gpt_layer_out(m, l - 1), or
     *     a->encoded for l = 0; then dbelow is the next dx.
     *   Finish with embedding_backward(g->wte, g->wpe, dx, tokens, ...). */
    /* BEGIN SOLUTION */
    const GptConfig *c = &m->cfg;
    int B = m->last_B, T = m->last_T, C = c->n_embd, L = c->n_layer, V = c->vocab, N = B * T;
    const GptParams *p = &m->p;
    GptParams *g = &m->g;
    const GptActs *a = &m->a;
    GptDacts *d = &m->d;
    size_t NC = (size_t)N * C;
    memset(d->logits, 0, (size_t)N * V * sizeof(float));
    cross_entropy_backward(d->logits, a->probs, m->last_targets, N, V);
    memset(d->lnf, 0, NC * sizeof(float));
    matmul_backward(d->lnf, g->wte, NULL, d->logits, a->lnf, p->wte, N, C, V);
    float *dx = d->res[0], *dbelow = d->res[1];
    memset(dx, 0, NC * sizeof(float));
    layernorm_backward(dx, g->lnf_w, g->lnf_b, d->lnf, gpt_layer_out(m, L - 1), p->lnf_w, a->lnf_mean, a->lnf_rstd, N,
                       C);
    for (int l = L - 1; l >= 0; l--) {
        Block blk = gpt_block(m, l);
        memset(dbelow, 0, NC * sizeof(float));
        block_backward(&blk, dbelow, dx, l > 0 ? gpt_layer_out(m, l - 1) : a->encoded, B, T);
        float *t = dx;
        dx = dbelow, dbelow = t;
    }
    embedding_backward(g->wte, g->wpe, dx, m->last_tokens, B, T, C);
    /* END SOLUTION */
}

void block_decode(const Block *blk, float *x, float *cache, int t, float *scratch) {
    /* TODO(week2): block_forward for one position t, whose keys and values
     * join those of positions 0 .. t-1 in the cache. With p = &blk->params,
     * C = blk->C, hs = C / NH, and scratch cut into ln, y, o (C each), h (4C)
     * and att (t + 1), in that order:
     *   ln = layernorm(x) with ln1 (mean and rstd go to two local floats);
     *   q|k|v row of t = ln @ qkv_w^T + qkv_b, written to cache + t*3C;
     *   for each head h: sdpa_forward(y + h*hs, C, att, q + h*hs, cache + C +
     *     h*hs, cache + 2C + h*hs, 3C, Tq = 1, Tk = t + 1, hs, 1/sqrt(hs),
     *     causal = 1): the one query sees every key so far;
     *   o = y @ proj_w^T + proj_b; x += o (residual_forward(x, x, o, C));
     *   ln = layernorm(x) with ln2; h = ln @ fc_w^T + fc_b (4C); gelu in
     *   place; o = h @ fcproj_w^T + fcproj_b; x += o. */
    /* BEGIN SOLUTION */
    const BlockParams *p = &blk->params;
    int C = blk->C, NH = blk->NH, hs = C / NH;
    float *ln = scratch, *y = ln + C, *o = y + C, *h = o + C, *att = h + 4 * C, mean, rstd;
    float *qkv = cache + (size_t)t * 3 * C;
    layernorm_forward(ln, &mean, &rstd, x, p->ln1_w, p->ln1_b, 1, C);
    matmul_forward(qkv, ln, p->qkv_w, p->qkv_b, 1, C, 3 * C);
    for (int head = 0; head < NH; head++)
        sdpa_forward_fast(y + head * hs, C, att, qkv + head * hs, cache + C + head * hs, cache + 2 * C + head * hs,
                          3 * C, 1, t + 1, hs, 1.0f / sqrtf((float)hs), 1);
    matmul_forward(o, y, p->proj_w, p->proj_b, 1, C, C);
    residual_forward(x, x, o, (size_t)C);
    layernorm_forward(ln, &mean, &rstd, x, p->ln2_w, p->ln2_b, 1, C);
    matmul_forward(h, ln, p->fc_w, p->fc_b, 1, C, 4 * C);
    gelu_forward_fast(h, h, (size_t)4 * C);
    matmul_forward(o, h, p->fcproj_w, p->fcproj_b, 1, 4 * C, C);
    residual_forward(x, x, o, (size_t)C);
    /* END SOLUTION */
}

const float *gpt_decode_step(const Gpt *m, GptCache *kv, int token) {
    const GptConfig *c = &m->cfg;
    int V = c->vocab, t = kv->len;
    LLMLAB_CHECK(t < c->ctx, "start a new cache, or keep only the last ctx tokens",
                 "the KV cache is full (%d positions)", c->ctx);
    LLMLAB_CHECK(token >= 0 && token < V, "", "token %d is outside the vocabulary of %d", token, V);
    /* TODO(week2): gpt_forward for the one position t = kv->len:
     *   kv->x = wte[token] + wpe[t]  (C floats);
     *   for each layer l: block_decode(&blk, kv->x, cache of layer l, t,
     *   kv->scratch), with blk = gpt_block(m, l) and the cache of layer l at
     *   kv->qkv + l * ctx * 3C;
     *   then lnf of kv->x into kv->scratch (C floats will do), and
     *   kv->logits = that @ wte^T (matmul_forward, no bias). kv->len++,
     *   and return kv->logits. */
    /* BEGIN SOLUTION */
    int C = c->n_embd, L = c->n_layer;
    const GptParams *p = &m->p;
    float *x = kv->x, *ln = kv->scratch, mean, rstd;
    for (int i = 0; i < C; i++) x[i] = p->wte[(size_t)token * C + i] + p->wpe[(size_t)t * C + i];
    for (int l = 0; l < L; l++) {
        Block blk = gpt_block(m, l);
        block_decode(&blk, x, kv->qkv + (size_t)l * c->ctx * 3 * C, t, kv->scratch);
    }
    layernorm_forward(ln, &mean, &rstd, x, p->lnf_w, p->lnf_b, 1, C);
    matmul_forward(kv->logits, ln, p->wte, NULL, 1, C, V);
    kv->len++;
    return kv->logits;
    /* END SOLUTION */
}
