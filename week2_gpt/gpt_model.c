/*
 * Week 2, given code: the GPT's memory, laid out by the size tables of
 * gpt.h, and GPT-2's initialisation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gpt.h"
#include "rng.h"

const char *gpt_config_problem(const GptConfig *c) {
    static char why[160];
    if (c->vocab < 1 || c->vocab > 65536)
        snprintf(why, sizeof why, "the vocabulary (%d) must be 1 to 65536 tokens", c->vocab);
    else if (c->ctx < 1 || c->ctx > 8192)
        snprintf(why, sizeof why, "the context (%d) must be 1 to 8192 positions", c->ctx);
    else if (c->n_layer < 1 || c->n_layer > 256)
        snprintf(why, sizeof why, "the number of layers (%d) must be 1 to 256", c->n_layer);
    else if (c->n_embd < 1 || c->n_embd > 16384)
        snprintf(why, sizeof why, "the width (%d) must be 1 to 16384 channels", c->n_embd);
    else if (c->n_head < 1 || c->n_embd % c->n_head != 0)
        snprintf(why, sizeof why, "the width (%d) must be a multiple of the number of heads (%d)", c->n_embd,
                 c->n_head);
    else
        return NULL;
    return why;
}

size_t gpt_count_params(const GptConfig *c) {
    size_t n = 0;
#define X(NAME, COUNT) n += (COUNT);
    GPT_PARAMS(X, c->vocab, c->ctx, c->n_layer, c->n_embd)
#undef X
    return n;
}

static void carve_params(GptParams *v, float *mem, const GptConfig *c) {
    float *at = mem;
#define X(NAME, COUNT) v->NAME = at, at += (COUNT);
    GPT_PARAMS(X, c->vocab, c->ctx, c->n_layer, c->n_embd)
#undef X
}

static size_t carve_acts(GptActs *v, float *mem, const GptConfig *c, int B, int T) {
    size_t n = 0;
#define X(NAME, COUNT) \
    if (mem)           \
        v->NAME = mem + n; \
    n += (COUNT);
    GPT_ACTS(X, (size_t)B * T, T, c->n_layer, c->n_embd, c->n_head, c->vocab)
#undef X
    return n;
}

void gpt_init(Gpt *m, const GptConfig *c, int B, int T, uint64_t seed) {
    const char *why = gpt_config_problem(c);
    LLMLAB_CHECK(why == NULL, "change the model's settings", "bad GPT config: %s", why);
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
    m->n_acts = carve_acts(&m->a, NULL, c, B, T);
    m->acts = XMALLOC(m->n_acts * sizeof(float));
    m->dacts = XMALLOC(m->n_acts * sizeof(float));
    carve_acts(&m->a, m->acts, c, B, T);
    carve_acts(&m->d, m->dacts, c, B, T);
    m->scratch = XMALLOC((size_t)T * T * sizeof(float));

    /* GPT-2: weights normal(0, 0.02), the two projections that write into the
     * residual stream scaled by 1/sqrt(2L) (each layer adds two of them),
     * LayerNorm weights 1, biases 0. One generator, tensors in table order. */
    Rng rng;
    rng_init(&rng, seed);
    int C = c->n_embd, L = c->n_layer;
    float resid_std = 0.02f / sqrtf(2.0f * (float)L);
    const GptParams *p = &m->p;
    struct { float *ptr; size_t n; float std; } normal[] = {
        {p->wte, (size_t)c->vocab * C, 0.02f},           {p->wpe, (size_t)c->ctx * C, 0.02f},
        {p->qkv_w, (size_t)L * 3 * C * C, 0.02f},        {p->proj_w, (size_t)L * C * C, resid_std},
        {p->fc_w, (size_t)L * 4 * C * C, 0.02f},         {p->fcproj_w, (size_t)L * 4 * C * C, resid_std},
    };
    memset(m->params, 0, m->n_params * sizeof(float));
    for (size_t k = 0; k < sizeof normal / sizeof normal[0]; k++)
        for (size_t i = 0; i < normal[k].n; i++)
            normal[k].ptr[i] = normal[k].std * (float)rng_normal(&rng);
    for (size_t i = 0; i < (size_t)L * C; i++)
        p->ln1_w[i] = p->ln2_w[i] = 1.0f;
    for (int i = 0; i < C; i++)
        p->lnf_w[i] = 1.0f;

    /* Weight decay on the matrices (wte, qkv, proj, fc, fcproj), not on wpe,
     * biases or LayerNorms. The table order puts them in runs; group them as
     * "decayed" / "not" by walking the table. */
    int n_groups = 0;
    ParamGroup runs[32];
    size_t off = 0;
#define X(NAME, COUNT)                                                                                 \
    {                                                                                                  \
        int decay = strcmp(#NAME, "wte") == 0 || strcmp(#NAME, "qkv_w") == 0 ||                        \
                    strcmp(#NAME, "proj_w") == 0 || strcmp(#NAME, "fc_w") == 0 ||                      \
                    strcmp(#NAME, "fcproj_w") == 0;                                                    \
        if (n_groups > 0 && runs[n_groups - 1].decay == decay && runs[n_groups - 1].offset +           \
                                                                     runs[n_groups - 1].size == off)  \
            runs[n_groups - 1].size += (COUNT);                                                        \
        else                                                                                           \
            runs[n_groups++] = (ParamGroup){off, (COUNT), decay};                                      \
        off += (COUNT);                                                                                \
    }
    GPT_PARAMS(X, c->vocab, c->ctx, c->n_layer, c->n_embd)
#undef X
    LLMLAB_CHECK(n_groups <= GPT_MAX_GROUPS, "", "too many parameter groups");
    memcpy(m->groups, runs, (size_t)n_groups * sizeof *runs);
    m->n_groups = n_groups;
}

void gpt_free(Gpt *m) {
    free(m->params), free(m->grads), free(m->acts), free(m->dacts), free(m->scratch);
    memset(m, 0, sizeof *m);
}

static float fb(void *self, const int *x, const int *y, int B, int T) {
    float loss = gpt_forward(self, x, y, B, T);
    gpt_backward(self);
    return loss;
}

static float loss_only(void *self, const int *x, const int *y, int B, int T) {
    return gpt_forward(self, x, y, B, T);
}

TrainModel gpt_train_model(Gpt *m) {
    return (TrainModel){.kind = "gpt", .self = m, .params = m->params, .grads = m->grads,
                        .n_params = m->n_params, .groups = m->groups, .n_groups = m->n_groups,
                        .config = &m->cfg, .config_size = sizeof m->cfg, .forward_backward = fb,
                        .loss = loss_only};
}

void gpt_cache_init(GptCache *kv, const Gpt *m) {
    const GptConfig *c = &m->cfg;
    size_t C = (size_t)c->n_embd;
    kv->len = 0;
    kv->qkv = XMALLOC((size_t)c->n_layer * c->ctx * 3 * C * sizeof(float));
    kv->x = XMALLOC(C * sizeof(float));
    kv->buf = XMALLOC(4 * C * sizeof(float));
    kv->att = XMALLOC((size_t)c->ctx * sizeof(float));
    kv->h4 = XMALLOC(4 * C * sizeof(float));
    kv->logits = XMALLOC((size_t)c->vocab * sizeof(float));
}

void gpt_cache_free(GptCache *kv) {
    free(kv->qkv), free(kv->x), free(kv->buf), free(kv->att), free(kv->h4), free(kv->logits);
    memset(kv, 0, sizeof *kv);
}
