/**
 * @file mlp_lm.h
 * @brief Day 5: a first language model over BPE tokens, built from Day 2's kernels.
 *
 * Bengio et al. (2003) in miniature: to predict the token after position t,
 * look up the embeddings of the last K tokens (t-K+1 .. t), concatenate them,
 * and run a one-hidden-layer MLP:
 *
 *     e (N, K*D) = [wte[x[t-K+1]], ..., wte[x[t]]]     (a pad row before the window starts)
 *     h (N, H)   = tanh(e @ w1^T + b1)
 *     logits (N, V) = h @ w2^T + b2,   loss = cross-entropy(logits, y)
 *
 * with N = B*T positions. Given code: it exists to exercise the training
 * loop and to show what a language model is before attention makes it good.
 */
#ifndef LLMLAB_MLP_LM_H
#define LLMLAB_MLP_LM_H

#include <stdint.h>

#include "rng.h"
#include "trainloop.h"

typedef struct MlpLmConfig {
    int32_t vocab;   /**< V tokens (one more embedding row pads the left edge) */
    int32_t context; /**< K tokens of context */
    int32_t embed;   /**< D channels per token embedding */
    int32_t hidden;  /**< H hidden units */
} MlpLmConfig;

typedef struct MlpLm {
    MlpLmConfig cfg;
    size_t n_params;
    float *params, *grads;          /**< one allocation each; the views below point into them */
    float *wte, *w1, *b1, *w2, *b2; /**< (V+1,D) (H,K*D) (H) (V,H) (V) */
    ParamGroup groups[2];           /**< matrices decay, biases do not */
    int max_n;                      /**< positions the activations have room for */
    float *emb, *h, *logits, *probs, *dlogits, *dh, *dpre, *demb;
    int *ctx; /**< (N*K) the context ids of each position */
} MlpLm;

/** Allocate and initialise (normal, std 0.02; biases 0) from @p seed. */
void mlp_lm_init(MlpLm *m, const MlpLmConfig *c, uint64_t seed);
void mlp_lm_free(MlpLm *m);

/** Mean loss over the (B,T) targets y; logits stay in m->logits. */
float mlp_lm_forward(MlpLm *m, const int *x, const int *y, int B, int T);
/** Add the gradients of the last forward's loss to m->grads. */
void mlp_lm_backward(MlpLm *m, const int *x, const int *y, int B, int T);

/** The model as the training loop sees it (m must stay where it is). */
TrainModel mlp_lm_train_model(MlpLm *m);

/**
 * Sample the token after @p context (its last n ids count) with the given
 * temperature (> 0; lower is more conservative).
 */
int mlp_lm_sample_next(MlpLm *m, const int *context, int n, float temperature, Rng *rng);

#endif
