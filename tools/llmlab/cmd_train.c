/*
 * llmlab train: train (or resume) the Week 2 GPT on a prepared corpus.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "commands.h"
#include "gpt_run.h"

int cmd_train(int argc, char **argv) {
    GptRunOptions o;
    gpt_run_defaults(&o);
    TrainConfig *t = &o.train;
    GptConfig *g = &o.model;
    long steps = t->max_steps, warmup = t->warmup, eval_every = t->eval_every, ckpt_every = t->ckpt_every;
    long seed = (long)t->seed;
    const char *run = t->run_dir;
    const Flag flags[] = {
        {"data", FLAG_STRING, &o.corpus, 0, 0, "corpus: a folder of `make data` (fortunes, tinyshakespeare)"},
        {"vocab", FLAG_INT, &o.vocab, 257, 65536, "BPE vocabulary with <|endoftext|>; 257 = bytes only"},
        {"init", FLAG_STRING, &o.init, 0, 0, "fine-tune: start from this checkpoint (its model and tokenizer; "
                                              "the model flags are then ignored)"},
        {"layers", FLAG_INT, &g->n_layer, 1, 64, "transformer blocks"},
        {"heads", FLAG_INT, &g->n_head, 1, 64, "attention heads (must divide --embd)"},
        {"embd", FLAG_INT, &g->n_embd, 8, 4096, "channels"},
        {"ctx", FLAG_INT, &g->ctx, 2, 4096, "context length (the training window)"},
        {"batch", FLAG_INT, &t->batch, 1, 4096, "windows per step"},
        {"steps", FLAG_LONG, &steps, 1, 1e9, "optimiser steps"},
        {"lr", FLAG_FLOAT, &t->lr_max, 1e-7, 10, "peak learning rate"},
        {"min-lr", FLAG_FLOAT, &t->lr_min, 0, 10, "learning rate at the end of the cosine"},
        {"warmup", FLAG_LONG, &warmup, 0, 1e9, "warmup steps"},
        {"weight-decay", FLAG_FLOAT, &t->weight_decay, 0, 10, "AdamW weight decay (matrices only)"},
        {"beta2", FLAG_FLOAT, &t->beta2, 0, 0.99999, "AdamW's decay of the squared gradients' average (nanoGPT "
                                                     "takes 0.99 for its character-level model)"},
        {"clip", FLAG_FLOAT, &t->grad_clip, 0, 1e6, "clip the gradient's global norm (0: off)"},
        {"eval-every", FLAG_LONG, &eval_every, 1, 1e9, "validation loss every so many steps"},
        {"eval-batches", FLAG_INT, &t->eval_batches, 1, 10000, "batches per validation"},
        {"ckpt-every", FLAG_LONG, &ckpt_every, 1, 1e9, "checkpoint every so many steps"},
        {"seed", FLAG_LONG, &seed, 0, 9e18, "random seed"},
        {"run", FLAG_STRING, &run, 0, 0, "run folder (log.csv, ckpt.bin)"},
        {"resume", FLAG_BOOL, &t->resume, 0, 0, "continue from the run folder's checkpoint"},
        {"force", FLAG_BOOL, &t->force, 0, 0, "start afresh in a run folder that holds a run (replacing it)"},
        {"quiet", FLAG_BOOL, &t->quiet, 0, 0, "no progress bar"},
    };
    int rc = cli_parse_flags(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
                             "usage: llmlab train [--data NAME] [--vocab N] [--layers N] ... [--run DIR] [--resume]\n"
                             "Train the Week 2 GPT. Ctrl-C saves a checkpoint and exits with status 130; --resume continues it.\n");
    if (rc != 0)
        return rc;
    t->max_steps = steps, t->warmup = warmup, t->eval_every = eval_every, t->ckpt_every = ckpt_every;
    t->seed = (uint64_t)seed, t->run_dir = run, t->block = g->ctx;
    if (g->n_embd % g->n_head != 0) {
        fprintf(stderr, "llmlab train: --embd %d is not a multiple of --heads %d\n", g->n_embd, g->n_head);
        return EXIT_USAGE;
    }
    if (t->lr_min > t->lr_max) {
        fprintf(stderr, "llmlab train: --min-lr %g is above --lr %g\n", (double)t->lr_min, (double)t->lr_max);
        return EXIT_USAGE;
    }
    TrainResult r = gpt_run_train(&o);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED)
        return 1;                               /* the loop said why, and what was kept */
    if (r.steps > r.first_step)
        fprintf(stderr, "step %ld: train loss %.4f, validation loss %.4f, %.0f tokens/s; checkpoint %s/ckpt.bin\n",
                r.steps, r.train_loss, r.val_loss, r.tokens_per_s, run);
    return r.status == TRAIN_INTERRUPTED ? LLMLAB_EXIT_INTERRUPTED : 0;
}
