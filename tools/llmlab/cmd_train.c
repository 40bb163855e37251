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
    const Flag flags[] = {
        {"data", FLAG_STRING, &o.corpus, 0, 0, "corpus: a folder of `make data` (fortunes, tinyshakespeare)", NULL},
        {"vocab", FLAG_INT, &o.vocab, 257, 65536, "BPE vocabulary with <|endoftext|>; 257 = bytes only", NULL},
        {"init", FLAG_STRING, &o.init, 0, 0,
         "fine-tune: start from this checkpoint (its model and tokenizer; the model flags are then ignored)", NULL},
        {"layers", FLAG_INT, &g->n_layer, 1, 64, "transformer blocks", NULL},
        {"heads", FLAG_INT, &g->n_head, 1, 64, "attention heads (must divide --embd)", NULL},
        {"embd", FLAG_INT, &g->n_embd, 8, 4096, "channels", NULL},
        {"ctx", FLAG_INT, &g->ctx, 2, 4096, "context length (the training window)", NULL},
        TRAIN_FLAGS(t),
    };
    const CliCommand cmd = {
        .name = "llmlab train",
        .usage = "usage: llmlab train [--data NAME] [--vocab N] [--layers N] ... [--run DIR] [--resume]\n"
                 "Train the Week 2 GPT. Ctrl-C saves a checkpoint and exits with status 130; --resume continues it.",
        .flags = flags,
        .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc == 0) rc = cli_check_train(cmd.name, t);
    if (rc != 0) return rc;
    t->block = g->ctx;
    if (g->n_embd % g->n_head != 0) {
        fprintf(stderr, "llmlab train: --embd %d is not a multiple of --heads %d\n", g->n_embd, g->n_head);
        return CLI_EXIT_USAGE;
    }
    TrainResult r = gpt_run_train(&o);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) return 1; /* the loop said why, and what was kept */
    cli_train_summary(&r, t, 1);
    return r.status == TRAIN_INTERRUPTED ? LLMLAB_EXIT_INTERRUPTED : 0;
}
