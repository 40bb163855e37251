/**
 * @file domain.h
 * @brief Week 4: measure language models fairly across tokenizers (bits per
 * byte), and compare three ways of getting a model for a domain.
 *
 * A model's loss is in nats per token. Two models with different tokenizers
 * cut the same text into different numbers of tokens, so their losses per
 * token cannot be compared; the information per byte of text can:
 *
 *     bits per byte = (sum over tokens of -ln p(token | before)) / ln 2 / bytes
 *
 * Exercises (bpb.c): sequence_nll(), bits_per_byte().
 * Given (report.c): the experiment's evaluation and its Markdown report.
 */
#ifndef LLMLAB_DOMAIN_H
#define LLMLAB_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "gpt.h"
#include "tokenizer.h"

/** @name Exercises
 *  @{ */

/**
 * The total negative log-likelihood, in nats, of tokens 1 .. n-1 of @p ids
 * under @p m, each predicted once. Window k feeds the model the
 * W = min(m->T, n - 1) tokens that start at s = k stride (fewer when they
 * would run past token n-2); their targets are the tokens s+1 .. s+W, and
 * the window scores only those that no earlier window scored. gpt_forward()
 * with target -1 (no loss) for the others gives the mean over the rest:
 * times their number, the sum. A smaller @p stride (1 .. W) gives every
 * token more context and costs more forward passes. *predicted (when not
 * NULL) is set to n - 1.
 */
double sequence_nll(Gpt *m, const int *ids, size_t n, int stride, size_t *predicted);

/**
 * Bits per byte of @p nll_nats spent on tokens 1 .. n-1 of @p ids: the nats
 * in bits (divide by ln 2) over the bytes those tokens stand for, a special
 * token (a document boundary) counting as one byte.
 */
double bits_per_byte(const Tokenizer *tok, const int *ids, size_t n, double nll_nats);
/** @} */

/** @name The experiment (given)
 *  @{ */

/** A model of the experiment, loaded from its checkpoint. */
typedef struct DomainModel {
    const char *name; /**< "general", "fine-tuned", "from scratch" */
    const char *ckpt;
    const char *run_dir; /**< its log.csv, for the loss curve (NULL: none) */
} DomainModel;

/** What report_write() measures and writes. */
typedef struct ReportOptions {
    DomainModel models[3];
    int n_models;
    const char *domain_test;  /**< held-out domain text: data/domain/test.txt */
    const char *general_text; /**< general text: data/fortunes/val.txt */
    size_t max_bytes;         /**< evaluate on at most this many bytes of each (0: all) */
    const char *prompts[4];   /**< prompts for samples (NULL-terminated); none: the domain's own, see report_write() */
    const char *out_dir;      /**< report.md and its charts go here */
    int stride;               /**< of sequence_nll (0: half the context) */
} ReportOptions;

/**
 * Evaluate every model in bits per byte on the domain's test text and on
 * general text, compare the tokenizers in bytes per token, sample from each
 * model, and write out_dir/report.md with gnuplot charts (bpb.png, loss.png).
 * Prints the tables too, and a progress bar with the time left while it
 * measures. Returns 0, or -1 after a message.
 *
 * Each text is measured one document at a time (the pieces between
 * `<|endoftext|>`: for the domain, its files), whole documents up to
 * max_bytes. Each bits-per-byte figure comes with a 95% interval from
 * report_bootstrap() over those documents, and each pair of models with
 * the interval of their difference: when it covers 0, the report says the
 * two cannot be told apart on that text.
 *
 * Without prompts, the samples start from the domain's own line starts:
 * `prompts.txt` beside the domain's test text (`llmlab collect` writes it),
 * else collect_prompts() of the `train.txt` there, else of the test text.
 */
int report_write(const ReportOptions *o);

/** Resamplings of report_bootstrap() in the report, and their seed (fixed: the same report every time). */
#define REPORT_BOOTSTRAP_DRAWS 1000
#define REPORT_BOOTSTRAP_SEED 20261203u

/**
 * A 95% bootstrap interval for bits per byte measured over @p n documents,
 * document i holding @p bytes[i] bytes and costing @p bits[i] bits. One draw
 * picks n documents at random with replacement (an Rng seeded with @p seed)
 * and takes their sum of bits over their sum of bytes; @p lo and @p hi are
 * the 2.5th and 97.5th percentiles of @p draws such draws (the values at
 * ranks floor(0.025 draws) and ceil(0.975 draws) - 1 of the sorted draws).
 *
 * With @p minus_bits (not NULL: a second model on the same documents), each
 * draw is the difference bits per byte of bits minus that of minus_bits on
 * the same picked documents: the paired bootstrap, whose interval covering 0
 * says the two models are not distinguishable on this text. n = 0 gives 0, 0.
 */
void report_bootstrap(const double *bits, const double *minus_bits, const double *bytes, size_t n, int draws,
                      uint64_t seed, double *lo, double *hi);
/** @} */

#endif
