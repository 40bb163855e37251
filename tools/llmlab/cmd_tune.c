/*
 * llmlab tune: fine-tune a pretrained GPT on conversations (Week 3).
 */
#include <stdio.h>

#include "chat_run.h"
#include "check.h"
#include "commands.h"

int cmd_tune(int argc, char **argv) {
    ChatTuneOptions o;
    chat_tune_defaults(&o);
    TrainConfig *t = &o.train;
    long steps = t->max_steps, warmup = t->warmup, eval_every = t->eval_every, ckpt_every = t->ckpt_every;
    long seed = (long)t->seed;
    const Flag flags[] = {
        {"base", FLAG_STRING, &o.base, 0, 0, "the pretrained checkpoint to start from"},
        {"data", FLAG_STRING, &o.train_data, 0, 0, "training conversations (llmlab chatgen)"},
        {"eval-data", FLAG_STRING, &o.eval_data, 0, 0,
         "held-out conversations for the validation loss (not those eval-chat scores)"},
        {"all-tokens", FLAG_BOOL, &o.all_tokens, 0, 0, "learn every token, not only the replies (to compare)"},
        {"batch", FLAG_INT, &t->batch, 1, 4096, "rows per step"},
        {"ctx", FLAG_INT, &t->block, 2, 4096, "tokens per row (at most the model's context)"},
        {"steps", FLAG_LONG, &steps, 1, 1e9, "optimiser steps"},
        {"lr", FLAG_FLOAT, &t->lr_max, 1e-7, 10, "peak learning rate"},
        {"min-lr", FLAG_FLOAT, &t->lr_min, 0, 10, "learning rate at the end of the cosine"},
        {"warmup", FLAG_LONG, &warmup, 0, 1e9, "warmup steps"},
        {"eval-every", FLAG_LONG, &eval_every, 1, 1e9, "validation loss every so many steps"},
        {"ckpt-every", FLAG_LONG, &ckpt_every, 1, 1e9, "checkpoint every so many steps"},
        {"seed", FLAG_LONG, &seed, 0, 9e18, "random seed"},
        {"run", FLAG_STRING, &t->run_dir, 0, 0, "run folder (log.csv, ckpt.bin)"},
        {"resume", FLAG_BOOL, &t->resume, 0, 0, "continue from the run folder's checkpoint"},
        {"force", FLAG_BOOL, &t->force, 0, 0, "start afresh in a run folder that holds a run (replacing it)"},
        {"quiet", FLAG_BOOL, &t->quiet, 0, 0, "no progress bar"},
    };
    int rc = cli_parse_flags(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
                             "usage: llmlab tune [--base CKPT] [--data FILE] [--steps N] ... [--run DIR]\n"
                             "Fine-tune a pretrained GPT on conversations; the loss is on the replies only.\n");
    if (rc != 0)
        return rc;
    t->max_steps = steps, t->warmup = warmup, t->eval_every = eval_every, t->ckpt_every = ckpt_every;
    t->seed = (uint64_t)seed;
    if (t->lr_min > t->lr_max) {
        fprintf(stderr, "llmlab tune: --min-lr %g is above --lr %g\n", (double)t->lr_min, (double)t->lr_max);
        return EXIT_USAGE;
    }
    TrainResult r = chat_tune(&o);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED)
        return 1;                               /* the loop said why, and what was kept */
    if (r.steps > r.first_step)
        fprintf(stderr, "step %ld: train loss %.4f, validation loss %.4f; checkpoint %s/ckpt.bin\n", r.steps,
                r.train_loss, r.val_loss, t->run_dir);
    return r.status == TRAIN_INTERRUPTED ? LLMLAB_EXIT_INTERRUPTED : 0;
}
