/**
 * @file gpt_run.h
 * @brief Week 2: training a GPT on a corpus, loading it back, and generating text.
 *
 * What `llmlab train`, `llmlab sample` and the main demo share. Given code.
 */
#ifndef LLMLAB_GPT_RUN_H
#define LLMLAB_GPT_RUN_H

#include <stdio.h>

#include "gpt.h"
#include "sample.h"
#include "tokenizer.h"
#include "trainloop.h"

/** The model as Day 5's training loop sees it. */
TrainModel gpt_train_model(Gpt *m);

/** Everything a training run needs: the corpus, the tokenizer size, the model and the loop. */
typedef struct GptRunOptions {
    const char *corpus; /**< a folder under data/: "fortunes", "tinyshakespeare" */
    int vocab;          /**< BPE vocabulary, <|endoftext|> included; 257 = bytes only (character level) */
    const char *init;   /**< a checkpoint to start from (fine-tuning: its model, its tokenizer); NULL: scratch */
    GptConfig model;    /**< vocab is filled in from the tokenizer */
    TrainConfig train;
} GptRunOptions;

/** The defaults: fortunes, 1024 tokens, 4 layers x 4 heads x 128 channels, context 64, batch 12. */
void gpt_run_defaults(GptRunOptions *o);

/** Train (or resume) as @p o says; prints what it does. Returns the result of the loop. */
TrainResult gpt_run_train(GptRunOptions *o);

/**
 * Load a GPT checkpoint: the model (allocated for batches of B x T, T capped
 * at its context) and the tokenizer inside it. To generate, pass T = 1 << 30:
 * with room for the whole context, gpt_generate() reads a prompt in one
 * forward pass (gpt_cache_prefill). Returns 0, or -1 with the reason in @p err.
 */
int gpt_load(const char *path, Gpt *m, Tokenizer *tok, int B, int T, char *err, size_t err_size);

/**
 * Continue @p prompt (n >= 1 ids) by up to @p max_new tokens, sampled with
 * @p s, writing each token's text to @p out as soon as it is drawn (NULL: no
 * output; special tokens are not written). Stops after the first special
 * token (`<|endoftext|>`; in Week 3 also a chat marker). With @p use_cache the KV cache feeds
 * one token per step; without it every step recomputes the whole window.
 * When the context is full, the last half of it is kept. Returns the number
 * of tokens generated; their ids go to @p out_ids (room for max_new) when not NULL.
 */
int gpt_generate(Gpt *m, Tokenizer *tok, const int *prompt, int n, int max_new, const SamplerConfig *s, Rng *rng,
                 FILE *out, int use_cache, int *out_ids);

#endif
