/**
 * @file gpt.h
 * @brief Week 2: a GPT-2-style decoder: Day 3's embeddings, L of Day 4's blocks, a tied head.
 *
 *     x = wte[token] + wpe[position]                 (B,T,C)
 *     for each of L layers:                           Day 4's block_forward
 *         x = x + proj(causal_attention(ln1(x)))
 *         x = x + fcproj(gelu(fc(ln2(x))))
 *     logits = lnf(x) @ wte^T                         (B,T,V): the head is tied to wte
 *
 * One struct owns everything: the config, the parameters, their gradients,
 * the activations of a forward pass and their gradients. The layers are not
 * L separate blocks: each of the block's tensors (Day 4's BLOCK_PARAMS and
 * BLOCK_ACTS) is stored once for all layers, stacked, so qkv_w is (L,3C,C)
 * and layer l's starts l*3C*C floats in. gpt_block(m, l) hands out layer l
 * as a Day 4 Block whose pointers are those slices: the model runs every
 * layer through the same block_forward, block_backward and block_decode.
 *
 * Exercises (gpt.c): gpt_forward(), gpt_backward(), block_decode(),
 * gpt_decode_step(). Given: everything else (gpt_model.c).
 */
#ifndef LLMLAB_GPT_H
#define LLMLAB_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "transformer.h"

typedef struct GptConfig {
    int32_t vocab;   /**< V tokens */
    int32_t ctx;     /**< the longest context, T_max (rows of wpe) */
    int32_t n_layer; /**< L blocks */
    int32_t n_head;  /**< NH heads; n_embd must be a multiple */
    int32_t n_embd;  /**< C channels */
} GptConfig;

/** The parameters (or their gradients), in storage order. */
typedef struct GptParams {
    float *wte;           /**< (V,C) token embeddings; also the output head (tied) */
    float *wpe;           /**< (T_max,C) position embeddings */
    BlockParams h;        /**< the blocks' parameters, each stacked over layers: h.qkv_w is (L,3C,C) */
    float *lnf_w, *lnf_b; /**< (C) each: the final LayerNorm */
} GptParams;

/** One tensor of the model as stored: a row of gpt_tensors()' table. */
typedef struct GptTensor {
    const char *name; /**< "wte", "qkv_w" (a block tensor, all layers), "lnf_b", ... */
    size_t offset;    /**< floats from the start of the parameters */
    size_t count;     /**< floats in all (all layers of a block tensor) */
    int per_layer;    /**< 1 for a block tensor: L slices of count / L floats */
} GptTensor;

#define GPT_MAX_TENSORS 16

/**
 * The model's tensors in storage order: wte, wpe, each of Day 4's
 * BLOCK_PARAMS stacked over the layers, lnf_w, lnf_b. Fills @p t and
 * returns how many. gpt_init walks it for the weight-decay groups and the
 * tests for the fixture's tensors; a checkpoint is all of them as one run
 * of floats in this order.
 */
int gpt_tensors(const GptConfig *c, GptTensor t[GPT_MAX_TENSORS]);

/** The activations of a forward pass over up to N = B*T positions. */
typedef struct GptActs {
    float *encoded;                   /**< (N,C) wte[token] + wpe[t]: the input of layer 0 */
    BlockActs h;                      /**< the blocks' saved activations, each stacked over layers: (L,N,...) */
    float *res;                       /**< (L,N,C) the residual stream after each layer: block l's output */
    float *lnf, *lnf_mean, *lnf_rstd; /**< (N,C), (N), (N) */
    float *logits;                    /**< (N,V) */
    float *probs;                     /**< (N,V) softmax of the logits (with targets) */
} GptActs;

/**
 * The gradients of the activations. Backward needs only what passes
 * between layers, so the blocks' share is one layer's: every layer's block
 * reuses (and, in block_backward, clears) the same h.
 */
typedef struct GptDacts {
    float *logits; /**< (N,V) */
    float *lnf;    /**< (N,C) */
    float *res[2]; /**< (N,C) each: the residual stream's gradient above and below a layer */
    BlockActs h;   /**< one layer's block activation gradients, shared by all layers */
} GptDacts;

/** The KV cache of incremental decoding: every layer's q, k, v rows of the positions so far. */
typedef struct GptCache {
    int len;        /**< positions cached so far (0 .. ctx) */
    float *qkv;     /**< (L, ctx, 3C): layer l's rows start l*ctx*3C floats in */
    float *x;       /**< (C) the residual stream of the position being decoded */
    float *scratch; /**< BLOCK_DECODE_SCRATCH(C, ctx) floats for block_decode (then lnf's output) */
    float *logits;  /**< (V) the last step's logits */
} GptCache;

/** Floats of scratch block_decode uses: ln, y, o (C each), h (4C), att (ctx). */
#define BLOCK_DECODE_SCRATCH(C, ctx) (7 * (size_t)(C) + (size_t)(ctx))

#define GPT_MAX_GROUPS 16

typedef struct Gpt {
    GptConfig cfg;
    size_t n_params;
    float *params, *grads;             /**< one allocation each */
    GptParams p, g;                    /**< views into params and grads */
    ParamGroup groups[GPT_MAX_GROUPS]; /**< runs of the table: matrices decay; wpe, biases, LayerNorms not */
    int n_groups;
    int B, T; /**< the batch the activations have room for */
    size_t n_acts, n_dacts;
    float *acts, *dacts; /**< one allocation each */
    GptActs a;
    GptDacts d;
    float *scratch;     /**< (T,T) datt for attention's backward */
    int last_B, last_T; /**< shape of the last forward */
    const int *last_tokens, *last_targets;
} Gpt;

/** Allocate for batches of up to B x T and initialise like GPT-2 from @p seed. */
void gpt_init(Gpt *m, const GptConfig *c, int B, int T, uint64_t seed);
void gpt_free(Gpt *m);

/** Check a config: sizes in range, n_embd a multiple of n_head. Returns 0, or -1 with what is wrong in @p err. */
int gpt_config_check(const GptConfig *c, char *err, size_t err_size);

/** Parameters of a config without allocating it. */
size_t gpt_count_params(const GptConfig *c);

/**
 * Layer l as a Day 4 block: its params, grads and acts point at layer l's
 * slices of the stacked tensors, its dacts at the shared m->d.h, its
 * scratch at m->scratch. It owns no memory (nothing to free). The views
 * are writable even from a const model, as any pointer into it would be.
 */
Block gpt_block(const Gpt *m, int l);

/** (N,C) the residual stream after layer l, block l's output: m->a.res + l*N*C. */
float *gpt_layer_out(const Gpt *m, int l);

/**
 * logits (B,T,V) in m->a.logits for tokens (B,T); with @p targets (B,T) also
 * the softmax in m->a.probs and the mean cross-entropy, returned (else 0).
 */
float gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T);

/** Add the gradients of the last forward's loss to m->grads (call gpt_forward with targets first). */
void gpt_backward(Gpt *m);

void gpt_cache_init(GptCache *kv, const Gpt *m);
void gpt_cache_free(GptCache *kv);

/**
 * One block for one new position t: x (C) is the residual stream at t, on
 * entry the block's input, on return its output. cache (ctx,3C) holds this
 * layer's q, k, v rows of positions 0 .. t-1; row t is written here.
 * @p scratch has BLOCK_DECODE_SCRATCH(C, ctx) floats.
 */
void block_decode(const Block *blk, float *x, float *cache, int t, float *scratch);

/**
 * Incremental decoding: feed @p token at position kv->len (< ctx), reusing
 * the keys and values of the earlier positions from the cache; returns the
 * logits (V) of the next token (kv->logits) and advances kv->len.
 */
const float *gpt_decode_step(const Gpt *m, GptCache *kv, int token);

/**
 * Fill an empty cache with @p n (1 .. ctx) tokens at positions 0 .. n-1 and
 * return the logits (V) after the last, as n gpt_decode_step() calls would,
 * but with one gpt_forward() over them when the model has room for n
 * positions (m->T >= n): a prompt costs matrix products, not n passes over
 * every weight. Given (gpt_model.c); it uses the model's activations.
 */
const float *gpt_cache_prefill(Gpt *m, GptCache *kv, const int *tokens, int n);

/**
 * Give @p m a vocabulary of @p vocab >= its own (Week 3's chat markers): wte
 * gains rows, each the mean of the old ones, so the new tokens' logits start
 * out ordinary, neither favoured nor ruled out; every other tensor is kept,
 * and so is the batch room.
 */
void gpt_grow_vocab(Gpt *m, int vocab);

#endif
