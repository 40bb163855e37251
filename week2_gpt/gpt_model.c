/*
 * Week 2, given code: the GPT's memory (each of Day 4's block tensors
 * stacked over the layers), layer l as a Day 4 Block, GPT-2's
 * initialisation, the KV cache, and growing the vocabulary.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gpt.h"
#include "rng.h"

int gpt_config_check(const GptConfig *c, char *why, size_t why_size) {
    if (c->vocab < 1 || c->vocab > 65536)
        snprintf(why, why_size, "the vocabulary (%d) must be 1 to 65536 tokens", c->vocab);
    else if (c->ctx < 1 || c->ctx > 8192)
        snprintf(why, why_size, "the context (%d) must be 1 to 8192 positions", c->ctx);
    else if (c->n_layer < 1 || c->n_layer > 256)
        snprintf(why, why_size, "the number of layers (%d) must be 1 to 256", c->n_layer);
    else if (c->n_embd < 1 || c->n_embd > 16384)
        snprintf(why, why_size, "the width (%d) must be 1 to 16384 channels", c->n_embd);
    else if (c->n_head < 1 || c->n_embd % c->n_head != 0)
        snprintf(why, why_size, "the width (%d) must be a multiple of the number of heads (%d)", c->n_embd, c->n_head);
    else
        return 0;
    return -1;
}

/* ---- the parameters: one table, from which everything else is laid out ---- */

int gpt_tensors(const GptConfig *c, GptTensor t[GPT_MAX_TENSORS]) {
    size_t V = (size_t)c->vocab, T = (size_t)c->ctx, L = (size_t)c->n_layer, C = (size_t)c->n_embd, off = 0;
    int n = 0;
#define ADD(NAME, COUNT, PER_LAYER) t[n++] = (GptTensor){NAME, off, (COUNT), PER_LAYER}, off += (COUNT);
    ADD("wte", V * C, 0)
    ADD("wpe", T * C, 0)
#define X(NAME, COUNT) ADD(#NAME, L *(COUNT), 1)
    BLOCK_PARAMS(X, C)
#undef X
    ADD("lnf_w", C, 0)
    ADD("lnf_b", C, 0)
#undef ADD
    return n;
}

size_t gpt_count_params(const GptConfig *c) {
    GptTensor t[GPT_MAX_TENSORS];
    int n = gpt_tensors(c, t);
    return t[n - 1].offset + t[n - 1].count;
}

/* Point the fields of v at their tensors in mem (the order of gpt_tensors). */
static void carve_params(GptParams *v, float *mem, const GptConfig *c) {
    size_t L = (size_t)c->n_layer, C = (size_t)c->n_embd, off = 0;
    v->wte = mem + off, off += (size_t)c->vocab * C;
    v->wpe = mem + off, off += (size_t)c->ctx * C;
#define X(NAME, COUNT) v->h.NAME = mem + off, off += L * (COUNT);
    BLOCK_PARAMS(X, C)
#undef X
    v->lnf_w = mem + off, off += C;
    v->lnf_b = mem + off;
}

/* ---- activations and their gradients ---- */

/* Lay out a's tensors in mem (or only count them when mem is NULL), for N
 * positions of a context of up to T; returns the floats used. */
static size_t carve_acts(GptActs *a, float *mem, const GptConfig *c, size_t N, size_t T) {
    size_t L = (size_t)c->n_layer, C = (size_t)c->n_embd, NH = (size_t)c->n_head, V = (size_t)c->vocab, off = 0;
#define TAKE(FIELD, COUNT) FIELD = mem ? mem + off : NULL, off += (COUNT);
    TAKE(a->encoded, N * C)
#define X(NAME, PER_ROW) TAKE(a->h.NAME, L *N *(PER_ROW))
    BLOCK_ACTS(X, C, T, NH)
#undef X
    TAKE(a->res, L * N * C)
    TAKE(a->lnf, N * C)
    TAKE(a->lnf_mean, N)
    TAKE(a->lnf_rstd, N)
    TAKE(a->logits, N * V)
    TAKE(a->probs, N * V)
    return off;
}

/* The same for the gradients: the stream between layers, and one layer's
 * block gradients (at the end, as one run that block_backward clears). */
static size_t carve_dacts(GptDacts *d, float *mem, const GptConfig *c, size_t N, size_t T) {
    size_t C = (size_t)c->n_embd, NH = (size_t)c->n_head, V = (size_t)c->vocab, off = 0;
    TAKE(d->logits, N * V)
    TAKE(d->lnf, N * C)
    TAKE(d->res[0], N * C)
    TAKE(d->res[1], N * C)
#define X(NAME, PER_ROW) TAKE(d->h.NAME, N *(PER_ROW))
    BLOCK_ACTS(X, C, T, NH)
#undef X
#undef TAKE
    return off;
}

/* Floats of one layer's block activations for N positions of context T. */
static size_t block_acts_per_layer(const GptConfig *c, size_t N, size_t T) {
    size_t C = (size_t)c->n_embd, NH = (size_t)c->n_head, n = 0;
#define X(NAME, PER_ROW) n += N * (PER_ROW);
    BLOCK_ACTS(X, C, T, NH)
#undef X
    return n;
}

Block gpt_block(const Gpt *m, int l) {
    const GptConfig *c = &m->cfg;
    size_t C = (size_t)c->n_embd, NH = (size_t)c->n_head, N = (size_t)m->B * m->T, T = (size_t)m->T;
    Block b = {.B = m->B, .T = m->T, .C = c->n_embd, .NH = c->n_head, .use_layernorm = 1, .use_residual = 1};
#define X(NAME, COUNT)                                 \
    b.params.NAME = m->p.h.NAME + (size_t)l * (COUNT); \
    b.grads.NAME = m->g.h.NAME + (size_t)l * (COUNT);  \
    b.nparams += (COUNT);
    BLOCK_PARAMS(X, C)
#undef X
#define X(NAME, PER_ROW) b.acts.NAME = m->a.h.NAME + (size_t)l * N * (PER_ROW);
    BLOCK_ACTS(X, C, T, NH)
#undef X
    b.dacts = m->d.h;
    b.dact_mem = m->d.h.ln1; /* the first of BLOCK_ACTS: the run starts there */
    b.nacts = block_acts_per_layer(c, N, T);
    b.scratch = m->scratch;
    return b;
}

float *gpt_layer_out(const Gpt *m, int l) { return m->a.res + (size_t)l * m->B * m->T * m->cfg.n_embd; }

/* ---- the model ---- */

void gpt_init(Gpt *m, const GptConfig *c, int B, int T, uint64_t seed) {
    char why[LLMLAB_ERR_SIZE];
    LLMLAB_CHECK(gpt_config_check(c, why, sizeof why) == 0, "change the model's settings", "bad GPT config: %s", why);
    LLMLAB_CHECK(B >= 1 && T >= 1 && T <= c->ctx, "the batch's context must fit the model's",
                 "gpt_init: batch %d x %d does not fit a context of %d", B, T, c->ctx);
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    m->B = B, m->T = T;
    m->n_params = gpt_count_params(c);
    m->params = XMALLOC(m->n_params * sizeof(float));
    m->grads = XCALLOC(m->n_params, sizeof(float));
    carve_params(&m->p, m->params, c);
    carve_params(&m->g, m->grads, c);
    size_t N = (size_t)B * T;
    m->n_acts = carve_acts(&m->a, NULL, c, N, (size_t)T);
    m->n_dacts = carve_dacts(&m->d, NULL, c, N, (size_t)T);
    m->acts = XMALLOC(m->n_acts * sizeof(float));
    m->dacts = XMALLOC(m->n_dacts * sizeof(float));
    carve_acts(&m->a, m->acts, c, N, (size_t)T);
    carve_dacts(&m->d, m->dacts, c, N, (size_t)T);
    m->scratch = XMALLOC((size_t)T * T * sizeof(float));

    /* GPT-2: weights normal(0, 0.02), the two projections that write into the
     * residual stream scaled by 1/sqrt(2L) (each layer adds two of them),
     * LayerNorm weights 1, biases 0. One generator, tensors in table order. */
    Rng rng;
    rng_init(&rng, seed);
    int C = c->n_embd, L = c->n_layer;
    float resid_std = 0.02f / sqrtf(2.0f * (float)L);
    const GptParams *p = &m->p;
    struct {
        float *ptr;
        size_t n;
        float std;
    } normal[] = {
        {p->wte, (size_t)c->vocab * C, 0.02f},      {p->wpe, (size_t)c->ctx * C, 0.02f},
        {p->h.qkv_w, (size_t)L * 3 * C * C, 0.02f}, {p->h.proj_w, (size_t)L * C * C, resid_std},
        {p->h.fc_w, (size_t)L * 4 * C * C, 0.02f},  {p->h.fcproj_w, (size_t)L * 4 * C * C, resid_std},
    };
    memset(m->params, 0, m->n_params * sizeof(float));
    for (size_t k = 0; k < sizeof normal / sizeof normal[0]; k++)
        for (size_t i = 0; i < normal[k].n; i++) normal[k].ptr[i] = normal[k].std * (float)rng_normal(&rng);
    for (size_t i = 0; i < (size_t)L * C; i++) p->h.ln1_w[i] = p->h.ln2_w[i] = 1.0f;
    for (int i = 0; i < C; i++) p->lnf_w[i] = 1.0f;

    /* Weight decay on the matrices (wte, qkv, proj, fc, fcproj), not on wpe,
     * biases or LayerNorms: runs of the table, merged where neighbours agree. */
    GptTensor t[GPT_MAX_TENSORS];
    int nt = gpt_tensors(c, t);
    m->n_groups = 0;
    for (int k = 0; k < nt; k++) {
        const char *s = t[k].name;
        int decay = strcmp(s, "wte") == 0 || strcmp(s, "qkv_w") == 0 || strcmp(s, "proj_w") == 0 ||
                    strcmp(s, "fc_w") == 0 || strcmp(s, "fcproj_w") == 0;
        ParamGroup *last = m->n_groups ? &m->groups[m->n_groups - 1] : NULL;
        if (last && last->decay == decay)
            last->size += t[k].count;
        else {
            LLMLAB_CHECK(m->n_groups < GPT_MAX_GROUPS, "", "too many parameter groups");
            m->groups[m->n_groups++] = (ParamGroup){t[k].offset, t[k].count, decay};
        }
    }
}

void gpt_free(Gpt *m) {
    free(m->params), free(m->grads), free(m->acts), free(m->dacts), free(m->scratch);
    memset(m, 0, sizeof *m);
}

void gpt_grow_vocab(Gpt *m, int vocab) {
    GptConfig c = m->cfg;
    int old = c.vocab, C = c.n_embd;
    LLMLAB_CHECK(vocab >= old, "", "gpt_grow_vocab: %d tokens is fewer than the %d the model has", vocab, old);
    if (vocab == old) return;
    c.vocab = vocab;
    Gpt grown;
    gpt_init(&grown, &c, m->B, m->T, 0);
    /* every tensor after wte is copied as it is; wte gains rows, each the mean of the old ones */
    size_t old_wte = (size_t)old * C;
    memcpy(grown.p.wte, m->p.wte, old_wte * sizeof(float));
    memcpy(grown.p.wpe, m->p.wpe, (m->n_params - old_wte) * sizeof(float));
    for (int j = 0; j < C; j++) {
        double mean = 0;
        for (int v = 0; v < old; v++) mean += m->p.wte[(size_t)v * C + j];
        for (int v = old; v < vocab; v++) grown.p.wte[(size_t)v * C + j] = (float)(mean / old);
    }
    gpt_free(m);
    *m = grown;
}

/* ---- the KV cache ---- */

void gpt_cache_init(GptCache *kv, const Gpt *m) {
    const GptConfig *c = &m->cfg;
    size_t C = (size_t)c->n_embd;
    kv->len = 0;
    kv->qkv = XMALLOC((size_t)c->n_layer * c->ctx * 3 * C * sizeof(float));
    kv->x = XMALLOC(C * sizeof(float));
    kv->scratch = XMALLOC(BLOCK_DECODE_SCRATCH(C, c->ctx) * sizeof(float));
    kv->logits = XMALLOC((size_t)c->vocab * sizeof(float));
}

const float *gpt_cache_prefill(Gpt *m, GptCache *kv, const int *tokens, int n) {
    const GptConfig *c = &m->cfg;
    LLMLAB_CHECK(kv->len == 0 && n >= 1 && n <= c->ctx, "prefill an empty cache with 1 .. ctx tokens",
                 "gpt_cache_prefill: %d tokens into a cache holding %d, context %d", n, kv->len, c->ctx);
    const float *logits = NULL;
    if (n == 1 || n > m->T) { /* no room for a batched pass (or nothing to batch): one step per token */
        for (int i = 0; i < n; i++) logits = gpt_decode_step(m, kv, tokens[i]);
        return logits;
    }
    /* One forward pass over the prompt: matrix products instead of n
     * matrix-vector products. Each layer saved its q|k|v rows (the block's
     * qkv activation, rows 0 .. n-1 of its slice): they are the cache. */
    size_t row = (size_t)3 * c->n_embd;
    gpt_forward(m, tokens, NULL, 1, n);
    for (int l = 0; l < c->n_layer; l++) {
        Block blk = gpt_block(m, l);
        memcpy(kv->qkv + (size_t)l * c->ctx * row, blk.acts.qkv, (size_t)n * row * sizeof(float));
    }
    memcpy(kv->logits, m->a.logits + (size_t)(n - 1) * c->vocab, (size_t)c->vocab * sizeof(float));
    kv->len = n;
    return kv->logits;
}

void gpt_cache_free(GptCache *kv) {
    free(kv->qkv), free(kv->x), free(kv->scratch), free(kv->logits);
    memset(kv, 0, sizeof *kv);
}
