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

/* Layer l's slice of a stacked (L, ...) tensor of `per` floats per layer. */
#define LAYER(ptr, l, per) ((ptr) + (size_t)(l) * (size_t)(per))

float gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T) {
    const GptConfig *c = &m->cfg;
    int V = c->vocab, N = B * T;
    LLMLAB_CHECK(B >= 1 && T >= 1 && B <= m->B && T <= m->T && T <= c->ctx, "use a smaller batch or context",
                 "gpt_forward(B=%d, T=%d) on a model built for B<=%d, T<=%d", B, T, m->B, m->T);
    for (int i = 0; i < N; i++)
        LLMLAB_CHECK(tokens[i] >= 0 && tokens[i] < V, "the token file and the model disagree on the vocabulary",
                     "token %d at position %d is outside the vocabulary of %d", tokens[i], i, V);
    m->last_B = B, m->last_T = T, m->last_tokens = tokens, m->last_targets = targets;
    /* TODO(week2): the forward pass of gpt.h, saving what backward needs, with
     * p = &m->p, a = &m->a, C, L, NH from c, and NC = N * C:
     *   encoded = embedding_forward(tokens, wte, wpe)
     *   x = encoded; for each layer l, with the slices LAYER(p->ln1_w, l, C),
     *   LAYER(p->qkv_w, l, 3*C*C), LAYER(a->qkv, l, N*3*C), LAYER(a->att, l, N*NH*T), ...:
     *     the pre-norm block of Day 4 (ln1, qkv, causal mha, proj, res1 = x + ...,
     *     ln2, fc, gelu, fcproj, res2 = res1 + ...); then x = that layer's res2.
     *   lnf = layernorm(x); logits = lnf @ wte^T (matmul_forward with weight wte,
     *   no bias: the head shares the token embedding).
     *   With targets, return cross_entropy_forward(probs, logits, ...); else 0. */
    TODO_UNIMPLEMENTED();
}

void gpt_backward(Gpt *m) {
    LLMLAB_CHECK(m->last_targets != NULL, "call gpt_forward with targets first",
                 "gpt_backward without a forward pass that computed a loss");
    /* TODO(week2): every step of gpt_forward in reverse (B, T from m->last_B,
     * m->last_T; p, a as in forward), into d = &m->d (activation gradients)
     * and g = &m->g (parameter gradients, which the caller zeroed). Every
     * backward adds (+=), so first zero m->dacts (m->n_acts floats), as
     * Day 4's block did. Start with cross_entropy_backward into d->logits;
     * the head's matmul_backward puts its weight gradient into g->wte (tied
     * weights: the embedding will add to the same array at the very end);
     * lnf; then the layers from L-1 down to 0, where layer l's input is
     * encoded for l = 0 and res2 of layer l-1 otherwise (and so is its
     * gradient); attention's backward takes m->scratch as its (T,T) datt.
     * Finish with embedding_backward. (Study note 01 shows how the reference
     * gets by with a sixth of this memory, once your version is green.) */
    TODO_UNIMPLEMENTED();
}

const float *gpt_decode_step(const Gpt *m, GptCache *kv, int token) {
    const GptConfig *c = &m->cfg;
    int V = c->vocab, t = kv->len;
    LLMLAB_CHECK(t < c->ctx, "start a new cache, or keep only the last ctx tokens",
                 "the KV cache is full (%d positions)", c->ctx);
    LLMLAB_CHECK(token >= 0 && token < V, "", "token %d is outside the vocabulary of %d", token, V);
    /* TODO(week2): gpt_forward for one position t = kv->len, with B = T = 1,
     * x = kv->x (C) as the residual stream and kv->buf (4C) as scratch:
     *   x = wte[token] + wpe[t]
     *   per layer: buf = ln1(x); this position's qkv row = buf @ qkv_w^T + qkv_b,
     *   written into the cache at LAYER(kv->qkv, l, ctx*3C) + t*3C; for each head
     *   h, sdpa_forward with Tq = 1 and Tk = t + 1 over the cached rows (stride
     *   3C, causal: the one query is the last position) into buf + h*hs;
     *   x += buf @ proj_w^T + proj_b; then the MLP with kv->h4 (4C) as scratch;
     *   finally logits = lnf(x) @ wte^T into kv->logits. kv->len++. */
    TODO_UNIMPLEMENTED();
}
