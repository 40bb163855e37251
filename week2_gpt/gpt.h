/**
 * @file gpt.h
 * @brief Week 2: a GPT-2-style decoder, assembled from the layers of Days 2 to 4.
 *
 *     x = wte[token] + wpe[position]                 (B,T,C)
 *     for each of L layers:                           the pre-norm block of Day 4
 *         x = x + proj(causal_attention(ln1(x)))
 *         x = x + fcproj(gelu(fc(ln2(x))))
 *     logits = lnf(x) @ wte^T                         (B,T,V): the head is tied to wte
 *
 * One struct owns everything: the config, the parameters, their gradients,
 * the activations of a forward pass and their gradients. Parameters and
 * activations are each laid out by a size table (GPT_PARAMS, GPT_ACTS) that
 * is written once; the struct fields, the sizes and the pointers are all
 * generated from it. The per-layer tensors are stacked: ln1_w is (L,C),
 * qkv_w is (L,3C,C), and layer l's slice starts l*C or l*3C*C floats in.
 *
 * Exercises (gpt.c): gpt_forward(), gpt_backward(), gpt_decode_step().
 * Given: everything else (gpt_model.c).
 */
#ifndef LLMLAB_GPT_H
#define LLMLAB_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "train.h"

typedef struct GptConfig {
    int32_t vocab;      /**< V tokens */
    int32_t ctx;        /**< the longest context, T_max (rows of wpe) */
    int32_t n_layer;    /**< L blocks */
    int32_t n_head;     /**< NH heads; n_embd must be a multiple */
    int32_t n_embd;     /**< C channels */
} GptConfig;

/** Parameters, in storage order: X(name, floats) with V, T (=ctx), L, C. */
#define GPT_PARAMS(X, V, T, L, C)          \
    X(wte, (size_t)(V) * (C))              \
    X(wpe, (size_t)(T) * (C))              \
    X(ln1_w, (size_t)(L) * (C))            \
    X(ln1_b, (size_t)(L) * (C))            \
    X(qkv_w, (size_t)(L) * 3 * (C) * (C))  \
    X(qkv_b, (size_t)(L) * 3 * (C))        \
    X(proj_w, (size_t)(L) * (C) * (C))     \
    X(proj_b, (size_t)(L) * (C))           \
    X(ln2_w, (size_t)(L) * (C))            \
    X(ln2_b, (size_t)(L) * (C))            \
    X(fc_w, (size_t)(L) * 4 * (C) * (C))   \
    X(fc_b, (size_t)(L) * 4 * (C))         \
    X(fcproj_w, (size_t)(L) * 4 * (C) * (C)) \
    X(fcproj_b, (size_t)(L) * (C))         \
    X(lnf_w, (size_t)(C))                  \
    X(lnf_b, (size_t)(C))

typedef struct GptParams {
#define X(NAME, COUNT) float *NAME;
    GPT_PARAMS(X, 0, 0, 0, 0)
#undef X
} GptParams;

/** Activations of a forward pass over N = B*T positions: X(name, floats). */
#define GPT_ACTS(X, N, T, L, C, NH, V)               \
    X(encoded, (size_t)(N) * (C))                     \
    X(ln1, (size_t)(L) * (N) * (C))                   \
    X(ln1_mean, (size_t)(L) * (N))                    \
    X(ln1_rstd, (size_t)(L) * (N))                    \
    X(qkv, (size_t)(L) * (N) * 3 * (C))               \
    X(atty, (size_t)(L) * (N) * (C))                  \
    X(att, (size_t)(L) * (N) * (NH) * (T))            \
    X(attproj, (size_t)(L) * (N) * (C))               \
    X(res1, (size_t)(L) * (N) * (C))                  \
    X(ln2, (size_t)(L) * (N) * (C))                   \
    X(ln2_mean, (size_t)(L) * (N))                    \
    X(ln2_rstd, (size_t)(L) * (N))                    \
    X(fch, (size_t)(L) * (N) * 4 * (C))               \
    X(fch_gelu, (size_t)(L) * (N) * 4 * (C))          \
    X(fcproj, (size_t)(L) * (N) * (C))                \
    X(res2, (size_t)(L) * (N) * (C))                  \
    X(lnf, (size_t)(N) * (C))                         \
    X(lnf_mean, (size_t)(N))                          \
    X(lnf_rstd, (size_t)(N))                          \
    X(logits, (size_t)(N) * (V))                      \
    X(probs, (size_t)(N) * (V))

typedef struct GptActs {
#define X(NAME, COUNT) float *NAME;
    GPT_ACTS(X, 0, 0, 0, 0, 0, 0)
#undef X
} GptActs;

/** The KV cache of incremental decoding: every layer's qkv rows of the positions so far. */
typedef struct GptCache {
    int len;            /**< positions cached so far (0 .. ctx) */
    float *qkv;         /**< (L, ctx, 3C) */
    /** One position's scratch: x (C) the residual stream, buf (4C), att (ctx), h4 (4C). buf has room
     *  for 4C so that the attention output can sit at buf + 3C while a projection writes buf. */
    float *x, *buf, *att, *h4;
    float *logits;      /**< (V) the last step's logits */
} GptCache;

#define GPT_MAX_GROUPS 16

typedef struct Gpt {
    GptConfig cfg;
    size_t n_params;
    float *params, *grads;          /**< one allocation each */
    GptParams p, g;                 /**< views into params and grads */
    ParamGroup groups[GPT_MAX_GROUPS]; /**< runs of the table: matrices decay; wpe, biases, LayerNorms not */
    int n_groups;
    int B, T;                       /**< the batch the activations have room for */
    size_t n_acts;
    float *acts, *dacts;
    GptActs a, d;
    float *scratch;                 /**< (T,T) datt for attention's backward */
    int last_B, last_T;             /**< shape of the last forward */
    const int *last_tokens, *last_targets;
} Gpt;

/** Allocate for batches of up to B x T and initialise like GPT-2 from @p seed. */
void gpt_init(Gpt *m, const GptConfig *c, int B, int T, uint64_t seed);
void gpt_free(Gpt *m);

/** Check a config: positive sizes, n_embd a multiple of n_head. Returns NULL or what is wrong. */
const char *gpt_config_problem(const GptConfig *c);

/** Parameters of a config without allocating it. */
size_t gpt_count_params(const GptConfig *c);

/**
 * logits (B,T,V) in m->a.logits for tokens (B,T); with @p targets (B,T) also
 * the softmax in m->a.probs and the mean cross-entropy, returned (else 0).
 */
float gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T);

/** Add the gradients of the last forward's loss to m->grads (call gpt_forward with targets first). */
void gpt_backward(Gpt *m);

/** The model as the training loop sees it. */
TrainModel gpt_train_model(Gpt *m);

void gpt_cache_init(GptCache *kv, const Gpt *m);
void gpt_cache_free(GptCache *kv);

/**
 * Incremental decoding: feed @p token at position kv->len (< ctx), reusing
 * the keys and values of the earlier positions from the cache; returns the
 * logits (V) of the next token (kv->logits) and advances kv->len.
 */
const float *gpt_decode_step(const Gpt *m, GptCache *kv, int token);

#endif
