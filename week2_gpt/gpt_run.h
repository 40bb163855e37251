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
#include "words.h"

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
 * With s->no_repeat_ngram, ngram_block() runs on the whole sequence (prompt
 * and new tokens) before each draw.
 * When the context is full, the last half of it is kept. Returns the number
 * of tokens generated; their ids go to @p out_ids (room for max_new) when not NULL.
 */
/**
 * The n-gram block, an optional knob against loops ("the made the made"):
 * set to -INFINITY the logit of every token that would complete an n-gram of
 * @p ngram tokens that @p seq (@p len tokens) already holds, i.e. every token
 * that once followed the last @p ngram - 1 tokens. @p ngram 1 blocks every
 * token already written; 0 blocks nothing. Returns how many tokens it blocked.
 */
int ngram_block(const int *seq, int len, int ngram, float *logits, int V);

int gpt_generate(Gpt *m, Tokenizer *tok, const int *prompt, int n, int max_new, const SamplerConfig *s, Rng *rng,
                 FILE *out, int use_cache, int *out_ids);

/**
 * Add the words of the text that @p ids (@p n tokens, special ones skipped)
 * spell to @p c, checked against @p list (common/words.h says what a word is).
 */
void gpt_count_words(const Tokenizer *tok, const int *ids, int n, const WordList *list, WordCount *c);

/**
 * The main demo's measure of readable text: @p count new documents of up to
 * @p max_new tokens each, sampled with @p s from @p rng, not printed; their
 * words are added to @p c.
 */
void gpt_word_rate(Gpt *m, Tokenizer *tok, int count, int max_new, const SamplerConfig *s, Rng *rng,
                   const WordList *list, WordCount *c);

#endif
