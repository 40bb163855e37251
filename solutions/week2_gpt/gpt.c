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
/* BEGIN SOLUTION */
#include "parallel.h"  /* the reference's OpenMP thresholds */
/* END SOLUTION */

/* Layer l's slice of a stacked (L, ...) tensor of `per` floats per layer. */
#define LAYER(ptr, l, per) ((ptr) + (size_t)(l) * (size_t)(per))

/* BEGIN SOLUTION */
/* Set n floats to 0 on all threads, a block each. */
static void zero_floats(float *x, size_t n) {
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN_WORK)
    for (size_t i = 0; i < n; i += 16384)
        memset(x + i, 0, (n - i < 16384 ? n - i : 16384) * sizeof(float));
}
/* END SOLUTION */

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
    /* BEGIN SOLUTION */
    int C = c->n_embd, L = c->n_layer, NH = c->n_head;
    const GptParams *p = &m->p;
    GptActs *a = &m->a;
    size_t NC = (size_t)N * C;
    embedding_forward(a->encoded, tokens, p->wte, p->wpe, B, T, C);
    const float *x = a->encoded;
    for (int l = 0; l < L; l++) {
        float *ln1 = LAYER(a->ln1, l, NC), *qkv = LAYER(a->qkv, l, 3 * NC), *atty = LAYER(a->atty, l, NC);
        float *att = LAYER(a->att, l, (size_t)N * NH * T), *attproj = LAYER(a->attproj, l, NC);
        float *res1 = LAYER(a->res1, l, NC), *ln2 = LAYER(a->ln2, l, NC), *fch = LAYER(a->fch, l, 4 * NC);
        float *fch_gelu = LAYER(a->fch_gelu, l, 4 * NC), *fcproj = LAYER(a->fcproj, l, NC);
        float *res2 = LAYER(a->res2, l, NC);
        layernorm_forward(ln1, LAYER(a->ln1_mean, l, N), LAYER(a->ln1_rstd, l, N), x, LAYER(p->ln1_w, l, C),
                          LAYER(p->ln1_b, l, C), N, C);
        matmul_forward(qkv, ln1, LAYER(p->qkv_w, l, 3 * C * C), LAYER(p->qkv_b, l, 3 * C), N, C, 3 * C);
        mha_forward(atty, att, qkv, B, T, C, NH, 1);
        matmul_forward(attproj, atty, LAYER(p->proj_w, l, C * C), LAYER(p->proj_b, l, C), N, C, C);
        residual_forward(res1, x, attproj, NC);
        layernorm_forward(ln2, LAYER(a->ln2_mean, l, N), LAYER(a->ln2_rstd, l, N), res1, LAYER(p->ln2_w, l, C),
                          LAYER(p->ln2_b, l, C), N, C);
        matmul_forward(fch, ln2, LAYER(p->fc_w, l, 4 * C * C), LAYER(p->fc_b, l, 4 * C), N, C, 4 * C);
        gelu_forward(fch_gelu, fch, 4 * NC);
        matmul_forward(fcproj, fch_gelu, LAYER(p->fcproj_w, l, 4 * C * C), LAYER(p->fcproj_b, l, C), N, 4 * C, C);
        residual_forward(res2, res1, fcproj, NC);
        x = res2;
    }
    layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, p->lnf_w, p->lnf_b, N, C);
    matmul_forward(a->logits, a->lnf, p->wte, NULL, N, C, V);
    if (!targets)
        return 0.0f;
    return cross_entropy_forward(a->probs, a->logits, targets, N, V);
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    /* Two economies over the plain version, which tests cannot tell apart:
     * - The residual stream's gradient lives in one (N,C) buffer, dres. The
     *   gradient of a sum reaches both terms unchanged, so what
     *   residual_backward would copy into d->res1 and d->fcproj is dres
     *   itself; each LayerNorm's backward then adds its path into it.
     * - A layer's other activation gradients are needed only while that
     *   layer runs backwards, so every layer uses layer 0's slices, zeroed
     *   just before they are filled. About 6 MB of the small configuration's
     *   31 MB: they stay in cache, and nothing clears 31 MB first. */
    const GptConfig *c = &m->cfg;
    int B = m->last_B, T = m->last_T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab, N = B * T;
    const GptParams *p = &m->p;
    GptParams *g = &m->g;
    const GptActs *a = &m->a;
    GptActs *d = &m->d;
    size_t NC = (size_t)N * C;
    float *dres = d->res2;
    zero_floats(d->logits, (size_t)N * V);
    zero_floats(d->lnf, NC);
    zero_floats(dres, NC);
    cross_entropy_backward(d->logits, a->probs, m->last_targets, N, V);
    matmul_backward(d->lnf, g->wte, NULL, d->logits, a->lnf, p->wte, N, C, V);
    const float *x_last = L > 0 ? LAYER(a->res2, L - 1, NC) : a->encoded;
    layernorm_backward(dres, g->lnf_w, g->lnf_b, d->lnf, x_last, p->lnf_w, a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const float *x = l == 0 ? a->encoded : LAYER(a->res2, l - 1, NC);
        zero_floats(d->fch_gelu, 4 * NC);
        matmul_backward(d->fch_gelu, LAYER(g->fcproj_w, l, 4 * C * C), LAYER(g->fcproj_b, l, C), dres,
                        LAYER(a->fch_gelu, l, 4 * NC), LAYER(p->fcproj_w, l, 4 * C * C), N, 4 * C, C);
        zero_floats(d->fch, 4 * NC);
        gelu_backward(d->fch, d->fch_gelu, LAYER(a->fch, l, 4 * NC), 4 * NC);
        zero_floats(d->ln2, NC);
        matmul_backward(d->ln2, LAYER(g->fc_w, l, 4 * C * C), LAYER(g->fc_b, l, 4 * C), d->fch,
                        LAYER(a->ln2, l, NC), LAYER(p->fc_w, l, 4 * C * C), N, C, 4 * C);
        layernorm_backward(dres, LAYER(g->ln2_w, l, C), LAYER(g->ln2_b, l, C), d->ln2, LAYER(a->res1, l, NC),
                           LAYER(p->ln2_w, l, C), LAYER(a->ln2_mean, l, N), LAYER(a->ln2_rstd, l, N), N, C);
        zero_floats(d->atty, NC);
        matmul_backward(d->atty, LAYER(g->proj_w, l, C * C), LAYER(g->proj_b, l, C), dres, LAYER(a->atty, l, NC),
                        LAYER(p->proj_w, l, C * C), N, C, C);
        zero_floats(d->qkv, 3 * NC);
        mha_backward(d->qkv, m->scratch, d->atty, LAYER(a->att, l, (size_t)N * NH * T), LAYER(a->qkv, l, 3 * NC), B,
                     T, C, NH);
        zero_floats(d->ln1, NC);
        matmul_backward(d->ln1, LAYER(g->qkv_w, l, 3 * C * C), LAYER(g->qkv_b, l, 3 * C), d->qkv,
                        LAYER(a->ln1, l, NC), LAYER(p->qkv_w, l, 3 * C * C), N, C, 3 * C);
        layernorm_backward(dres, LAYER(g->ln1_w, l, C), LAYER(g->ln1_b, l, C), d->ln1, x, LAYER(p->ln1_w, l, C),
                           LAYER(a->ln1_mean, l, N), LAYER(a->ln1_rstd, l, N), N, C);
    }
    embedding_backward(g->wte, g->wpe, dres, m->last_tokens, B, T, C);
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    int C = c->n_embd, L = c->n_layer, NH = c->n_head, hs = C / NH;
    const GptParams *p = &m->p;
    float *x = kv->x, *buf = kv->buf;
    float mean, rstd;
    for (int i = 0; i < C; i++)
        x[i] = p->wte[(size_t)token * C + i] + p->wpe[(size_t)t * C + i];
    float *out = kv->buf + 3 * C;      /* (C) after the qkv row's room */
    for (int l = 0; l < L; l++) {
        float *cache = LAYER(kv->qkv, l, (size_t)c->ctx * 3 * C);
        layernorm_forward(buf, &mean, &rstd, x, LAYER(p->ln1_w, l, C), LAYER(p->ln1_b, l, C), 1, C);
        matmul_forward(cache + (size_t)t * 3 * C, buf, LAYER(p->qkv_w, l, 3 * C * C), LAYER(p->qkv_b, l, 3 * C), 1,
                       C, 3 * C);
        const float *q = cache + (size_t)t * 3 * C;
        for (int h = 0; h < NH; h++)
            sdpa_forward(out + h * hs, C, kv->att, q + h * hs, cache + C + h * hs, cache + 2 * C + h * hs, 3 * C, 1,
                         t + 1, hs, 1.0f / sqrtf((float)hs), 1);
        matmul_forward(buf, out, LAYER(p->proj_w, l, C * C), LAYER(p->proj_b, l, C), 1, C, C);
        residual_forward(x, x, buf, (size_t)C);
        layernorm_forward(buf, &mean, &rstd, x, LAYER(p->ln2_w, l, C), LAYER(p->ln2_b, l, C), 1, C);
        matmul_forward(kv->h4, buf, LAYER(p->fc_w, l, 4 * C * C), LAYER(p->fc_b, l, 4 * C), 1, C, 4 * C);
        gelu_forward(kv->h4, kv->h4, (size_t)4 * C);
        matmul_forward(buf, kv->h4, LAYER(p->fcproj_w, l, 4 * C * C), LAYER(p->fcproj_b, l, C), 1, 4 * C, C);
        residual_forward(x, x, buf, (size_t)C);
    }
    layernorm_forward(buf, &mean, &rstd, x, p->lnf_w, p->lnf_b, 1, C);
    matmul_forward(kv->logits, buf, p->wte, NULL, 1, C, V);
    kv->len++;
    return kv->logits;
    /* END SOLUTION */
}
