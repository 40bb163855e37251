/*
 * Day 5, given code: the MLP language model of mlp_lm.h, forward and backward
 * as calls to Day 2's kernels (matmul, tanh, cross-entropy).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mlp_lm.h"
#include "tensor.h"

static void ensure_room(MlpLm *m, int n) {
    if (n <= m->max_n) return;
    const MlpLmConfig *c = &m->cfg;
    size_t KD = (size_t)c->context * (size_t)c->embed, N = (size_t)n;
    free(m->emb), free(m->h), free(m->logits), free(m->probs), free(m->dlogits), free(m->dh), free(m->demb);
    free(m->dpre), free(m->ctx);
    m->emb = XMALLOC(N * KD * sizeof(float));
    m->demb = XMALLOC(N * KD * sizeof(float));
    m->h = XMALLOC(N * (size_t)c->hidden * sizeof(float));
    m->dh = XMALLOC(N * (size_t)c->hidden * sizeof(float));
    m->dpre = XMALLOC(N * (size_t)c->hidden * sizeof(float));
    m->logits = XMALLOC(N * (size_t)c->vocab * sizeof(float));
    m->probs = XMALLOC(N * (size_t)c->vocab * sizeof(float));
    m->dlogits = XMALLOC(N * (size_t)c->vocab * sizeof(float));
    m->ctx = XMALLOC(N * (size_t)c->context * sizeof(int));
    m->max_n = n;
}

void mlp_lm_init(MlpLm *m, const MlpLmConfig *c, uint64_t seed) {
    LLMLAB_CHECK(c->vocab > 0 && c->context > 0 && c->embed > 0 && c->hidden > 0, "",
                 "mlp_lm_init: every size must be positive");
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    size_t V = (size_t)c->vocab, D = (size_t)c->embed, H = (size_t)c->hidden, KD = (size_t)c->context * D;
    size_t n_matrix = (V + 1) * D + H * KD + V * H;
    m->n_params = n_matrix + H + V;
    m->params = XMALLOC(m->n_params * sizeof(float));
    m->grads = XCALLOC(m->n_params, sizeof(float));
    m->wte = m->params;
    m->w1 = m->wte + (V + 1) * D;
    m->w2 = m->w1 + H * KD;
    m->b1 = m->w2 + V * H;
    m->b2 = m->b1 + H;
    m->groups[0] = (ParamGroup){0, n_matrix, 1};
    m->groups[1] = (ParamGroup){n_matrix, H + V, 0};
    Rng rng;
    rng_init(&rng, seed);
    for (size_t i = 0; i < n_matrix; i++) m->params[i] = 0.02f * (float)rng_normal(&rng);
    memset(m->b1, 0, (H + V) * sizeof(float));
}

void mlp_lm_free(MlpLm *m) {
    free(m->params), free(m->grads);
    free(m->emb), free(m->h), free(m->logits), free(m->probs), free(m->dlogits), free(m->dh), free(m->demb);
    free(m->dpre), free(m->ctx);
    memset(m, 0, sizeof *m);
}

/* emb (N, K*D): the embeddings of each position's K context tokens. */
static void gather(MlpLm *m, const int *x, int B, int T) {
    int K = m->cfg.context, D = m->cfg.embed;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int *ctx = m->ctx + ((size_t)b * T + t) * K;
            for (int k = 0; k < K; k++) {
                int src = t - (K - 1) + k;
                ctx[k] = src >= 0 ? x[b * T + src] : m->cfg.vocab; /* the pad row */
                memcpy(m->emb + (((size_t)b * T + t) * K + k) * D, m->wte + (size_t)ctx[k] * D,
                       (size_t)D * sizeof(float));
            }
        }
}

static void forward(MlpLm *m, const int *x, int B, int T) {
    const MlpLmConfig *c = &m->cfg;
    int N = B * T, KD = c->context * c->embed;
    ensure_room(m, N);
    gather(m, x, B, T);
    matmul_forward(m->h, m->emb, m->w1, m->b1, N, KD, c->hidden);
    tanh_forward(m->h, m->h, (size_t)N * c->hidden);
    matmul_forward(m->logits, m->h, m->w2, m->b2, N, c->hidden, c->vocab);
}

float mlp_lm_forward(MlpLm *m, const int *x, const int *y, int B, int T) {
    forward(m, x, B, T);
    return cross_entropy_forward(m->probs, m->logits, y, B * T, m->cfg.vocab);
}

void mlp_lm_backward(MlpLm *m, const int *x, const int *y, int B, int T) {
    const MlpLmConfig *c = &m->cfg;
    int N = B * T, K = c->context, D = c->embed, KD = K * D;
    float *gwte = m->grads, *gw1 = gwte + (m->w1 - m->params), *gw2 = gwte + (m->w2 - m->params);
    float *gb1 = gwte + (m->b1 - m->params), *gb2 = gwte + (m->b2 - m->params);
    memset(m->dlogits, 0, (size_t)N * c->vocab * sizeof(float));
    memset(m->dh, 0, (size_t)N * c->hidden * sizeof(float));
    memset(m->demb, 0, (size_t)N * KD * sizeof(float));
    cross_entropy_backward(m->dlogits, m->probs, y, N, c->vocab);
    matmul_backward(m->dh, gw2, gb2, m->dlogits, m->h, m->w2, N, c->hidden, c->vocab);
    memset(m->dpre, 0, (size_t)N * c->hidden * sizeof(float));
    tanh_backward(m->dpre, m->dh, m->h, (size_t)N * c->hidden);
    matmul_backward(m->demb, gw1, gb1, m->dpre, m->emb, m->w1, N, KD, c->hidden);
    for (int i = 0; i < N; i++) /* scatter back to the embedding rows */
        for (int k = 0; k < K; k++) {
            float *row = gwte + (size_t)m->ctx[(size_t)i * K + k] * D;
            const float *g = m->demb + ((size_t)i * K + k) * D;
            for (int d = 0; d < D; d++) row[d] += g[d];
        }
    (void)x;
}

static float fb(void *self, const int *x, const int *y, int B, int T) {
    float loss = mlp_lm_forward(self, x, y, B, T);
    mlp_lm_backward(self, x, y, B, T);
    return loss;
}
static float loss_only(void *self, const int *x, const int *y, int B, int T) {
    return mlp_lm_forward(self, x, y, B, T);
}

TrainModel mlp_lm_train_model(MlpLm *m) {
    return (TrainModel){.kind = "mlp_lm",
                        .self = m,
                        .params = m->params,
                        .grads = m->grads,
                        .n_params = m->n_params,
                        .groups = m->groups,
                        .n_groups = 2,
                        .config = &m->cfg,
                        .config_size = sizeof m->cfg,
                        .forward_backward = fb,
                        .loss = loss_only};
}

int mlp_lm_sample_next(MlpLm *m, const int *context, int n, float temperature, Rng *rng) {
    int K = m->cfg.context, V = m->cfg.vocab;
    int x[64];
    LLMLAB_CHECK(K <= 64, "", "context too long");
    LLMLAB_CHECK(n >= 1, "start from at least one token (e.g. <|endoftext|>)", "empty context");
    int T = n < K ? n : K; /* the last T tokens, one row */
    for (int t = 0; t < T; t++) x[t] = context[n - T + t];
    forward(m, x, 1, T);
    const float *logits = m->logits + (size_t)(T - 1) * V;
    float mx = logits[0];
    for (int v = 1; v < V; v++) mx = logits[v] > mx ? logits[v] : mx;
    double sum = 0;
    for (int v = 0; v < V; v++) sum += exp((logits[v] - mx) / temperature);
    double r = rng_uniform(rng) * sum, acc = 0;
    for (int v = 0; v < V; v++) {
        acc += exp((logits[v] - mx) / temperature);
        if (acc >= r) return v;
    }
    return V - 1;
}
