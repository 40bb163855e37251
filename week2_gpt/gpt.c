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
    TODO_UNIMPLEMENTED();
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
    TODO_UNIMPLEMENTED();
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
    TODO_UNIMPLEMENTED();
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
    TODO_UNIMPLEMENTED();
}
