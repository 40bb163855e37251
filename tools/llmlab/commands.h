/* The subcommands of llmlab and the small helpers they share. */
#ifndef LLMLAB_COMMANDS_H
#define LLMLAB_COMMANDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

typedef struct Command {
    const char *name, *about;
    int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} Command;

int cmd_plot(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_chatgen(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_eval_chat(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_report(int argc, char **argv);

/** Read FILE, or standard input for "-" or NULL. Returns NULL (with a message printed) on failure. */
uint8_t *cli_read_input(const char *path, size_t *len);

/**
 * The sampler's flags, one table for `sample`, `chat` and `eval-chat`:
 * --temperature, --top-k and --top-p into SamplerConfig @p s, --seed into
 * the uint64_t @p seed. Each command sets its own defaults in them.
 */
#define SAMPLER_FLAGS(s, seed)                                                                                       \
    {"temperature", FLAG_FLOAT, &(s)->temperature, 0, 100, "0 = greedy; below 1 safer, above 1 wilder", NULL},       \
        {"top-k", FLAG_INT, &(s)->top_k, 0, 1000000, "keep the k most likely tokens (0: off)", NULL},                \
        {"top-p", FLAG_FLOAT, &(s)->top_p, 1e-6, 1, "keep the most likely tokens up to this mass (1: off)", NULL}, { \
        "seed", FLAG_U64, (seed), 0, 9e18, "random seed: the same seed, the same text", NULL                         \
    }

/**
 * The training loop's flags, one table for `train` and `tune`, into
 * TrainConfig @p t (whose defaults gpt_run_defaults() and
 * chat_tune_defaults() set). Check them with cli_check_train() after parsing.
 */
#define TRAIN_FLAGS(t)                                                                                                 \
    {"batch", FLAG_INT, &(t)->batch, 1, 4096, "rows (windows of tokens) per step", NULL},                              \
        {"steps", FLAG_LONG, &(t)->max_steps, 1, 1e9, "optimiser steps", NULL},                                        \
        {"lr", FLAG_FLOAT, &(t)->lr_max, 1e-7, 10, "peak learning rate", NULL},                                        \
        {"min-lr", FLAG_FLOAT, &(t)->lr_min, 0, 10, "learning rate at the end of the cosine", NULL},                   \
        {"warmup", FLAG_LONG, &(t)->warmup, 0, 1e9, "warmup steps", NULL},                                             \
        {"weight-decay", FLAG_FLOAT, &(t)->weight_decay, 0, 10, "AdamW weight decay (matrices only)", NULL},           \
        {"beta2",                                                                                                      \
         FLAG_FLOAT,                                                                                                   \
         &(t)->beta2,                                                                                                  \
         0,                                                                                                            \
         0.99999,                                                                                                      \
         "AdamW's decay of the squared gradients' average (nanoGPT takes 0.99 for its character-level model)",         \
         NULL},                                                                                                        \
        {"clip", FLAG_FLOAT, &(t)->grad_clip, 0, 1e6, "clip the gradient's global norm (0: off)", NULL},               \
        {"eval-every", FLAG_LONG, &(t)->eval_every, 1, 1e9, "validation loss every so many steps", NULL},              \
        {"eval-batches", FLAG_INT, &(t)->eval_batches, 1, 10000, "batches per validation", NULL},                      \
        {"ckpt-every", FLAG_LONG, &(t)->ckpt_every, 1, 1e9, "checkpoint every so many steps", NULL},                   \
        {"seed", FLAG_U64, &(t)->seed, 0, 9e18, "random seed", NULL},                                                  \
        {"run", FLAG_STRING, &(t)->run_dir, 0, 0, "run folder (log.csv, ckpt.bin)", NULL},                             \
        {"resume", FLAG_BOOL, &(t)->resume, 0, 0, "continue from the run folder's checkpoint", NULL},                  \
        {"force", FLAG_BOOL, &(t)->force, 0, 0, "start afresh in a run folder that holds a run (replacing it)", NULL}, \
    {                                                                                                                  \
        "quiet", FLAG_BOOL, &(t)->quiet, 0, 0, "no progress bar", NULL                                                 \
    }

struct Gpt;
struct Tokenizer;
struct ChatTokens;
/**
 * Load checkpoint @p ckpt for `chat` or `eval-chat` (one example a step) and
 * find its chat tokens in @p ct. Returns 1 for a tuned model, 0 for a base
 * model (one without chat tokens; an error when @p need_tuned), or -1 after
 * printing why, with nothing left to free.
 */
int cli_load_chat_model(const char *ckpt, int need_tuned, struct Gpt *m, struct Tokenizer *tok, struct ChatTokens *ct);

struct TrainConfig;
/** What TRAIN_FLAGS cannot check one flag at a time (--min-lr above --lr); 0, or CLI_EXIT_USAGE after a message. */
int cli_check_train(const char *command, const struct TrainConfig *t);

struct TrainResult;
/**
 * The last line of `train` and `tune`, on stderr, when the run took a step:
 * "step N: train loss L, validation loss V[, S tokens/s]; checkpoint
 * RUN/ckpt.bin". A run stopped before its first validation says so ("no
 * validation yet", or none since the resume) instead of printing NaN.
 */
void cli_train_summary(const struct TrainResult *r, const struct TrainConfig *t, int speed);

/*
 * Text from a model, on a terminal. A model's text may hold any bytes, and
 * a terminal obeys some of them: ESC starts sequences that move the cursor,
 * recolour, retitle the window or answer back. So `sample`, `chat` and `eval-chat --show` write the model's
 * text to a terminal through cli_text_out(), which shows ESC, the other
 * control characters but newline and tab, DEL, the C1 controls
 * (U+0080..U+009F) and bytes that are not UTF-8 as `\xNN` (ESC is `\x1B`).
 * A file or a pipe gets the bytes as they are, so a saved sample is exactly
 * what the model made.
 */
/** Write @p n bytes to @p out, each control character and invalid byte shown as `\xNN` (the rule above). */
void cli_put_shown(const uint8_t *s, size_t n, FILE *out);
/**
 * A stream for a model's text bound for @p out: @p out itself when it is not
 * a terminal, else a stream that passes its writes through cli_put_shown()
 * (a character split between two writes is kept whole). Finish it with
 * cli_text_out_close().
 */
FILE *cli_text_out(FILE *out);
/** Close a stream of cli_text_out() (showing a character cut short as `\xNN`) and flush @p out; 0 or EOF. */
int cli_text_out_close(FILE *f, FILE *out);

#endif
