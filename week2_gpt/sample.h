/**
 * @file sample.h
 * @brief Week 2: turning the model's logits into the next token.
 *
 * The knobs act in a fixed, documented order:
 *
 *   1. temperature: probs = softmax(logits / temperature); 0 means greedy
 *      (the most likely token, and nothing below is used);
 *   2. top-k: keep the k most likely tokens (0 = keep all);
 *   3. top-p (nucleus): of what is left, keep the smallest set of most likely
 *      tokens whose probabilities add up to at least p (1 = keep all);
 *   4. renormalise and draw one token with a uniform random number.
 *
 * Ties between equal probabilities go to the smaller token id, so a seed
 * always gives the same text.
 *
 * Exercises (sample.c): probs_with_temperature(), top_k_filter(),
 * top_p_filter(), sample_index(), sample_next().
 */
#ifndef LLMLAB_SAMPLE_H
#define LLMLAB_SAMPLE_H

#include "rng.h"

typedef struct SamplerConfig {
    float temperature;   /**< >= 0; 0 is greedy; 1 leaves the model's distribution as it is */
    int top_k;           /**< >= 0; 0 is off */
    float top_p;         /**< in (0, 1]; 1 is off */
    int no_repeat_ngram; /**< >= 0; 0 is off: never write an n-gram of this many tokens twice (gpt_generate,
                              given code, applies it before sample_next; see ngram_block in gpt_run.h) */
} SamplerConfig;

/** A probability and its token id, for sorting (scratch space of V of them). */
typedef struct ProbIndex {
    float prob;
    int index;
} ProbIndex;

/** Sort order of the samplers: higher probability first, then the smaller id. */
int prob_index_compare(const void *a, const void *b);

/** probs (V) = softmax(logits / temperature), with temperature > 0, computed stably. */
void probs_with_temperature(float *probs, const float *logits, int V, float temperature);

/**
 * Keep the @p k most likely entries of probs (ties: smaller id first), set
 * the rest to 0 and renormalise to sum 1. k <= 0 or k >= V keeps everything.
 * Returns how many entries are kept.
 */
int top_k_filter(float *probs, int V, int k, ProbIndex *scratch);

/**
 * Keep the smallest set of most likely entries whose sum reaches @p p (the
 * entry that crosses p is kept), set the rest to 0, renormalise. p >= 1 keeps
 * everything. Returns how many entries are kept.
 */
int top_p_filter(float *probs, int V, float p, ProbIndex *scratch);

/** The token whose cumulative probability first exceeds u in [0,1): an inverse-CDF draw. */
int sample_index(const float *probs, int V, double u);

/**
 * The next token for @p logits (V) under @p s: steps 1 to 4 above (one
 * rng_uniform draw, none for greedy). @p probs (V) and @p scratch (V) are
 * work space.
 */
int sample_next(const float *logits, int V, const SamplerConfig *s, Rng *rng, float *probs, ProbIndex *scratch);

#endif
