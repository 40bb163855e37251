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
    const Flag flags[] = {
        {"base", FLAG_STRING, &o.base, 0, 0, "the pretrained checkpoint to start from", NULL},
        {"data", FLAG_STRING, &o.train_data, 0, 0, "training conversations (llmlab chatgen)", NULL},
        {"eval-data", FLAG_STRING, &o.eval_data, 0, 0,
         "held-out conversations for the validation loss (not those eval-chat scores)", NULL},
        {"all-tokens", FLAG_BOOL, &o.all_tokens, 0, 0, "learn every token, not only the replies (to compare)", NULL},
        {"ctx", FLAG_INT, &t->block, 2, 4096, "tokens per row (at most the model's context)", NULL},
        TRAIN_FLAGS(t),
    };
    const CliCommand cmd = {.name = "llmlab tune",
                            .usage = "usage: llmlab tune [--base CKPT] [--data FILE] [--steps N] ... [--run DIR]\n"
                                     "Fine-tune a pretrained GPT on conversations; the loss is on the replies only.",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc == 0) rc = cli_check_train(cmd.name, t);
    if (rc != 0) return rc;
    TrainResult r = chat_tune(&o);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) return 1; /* the loop said why, and what was kept */
    cli_train_summary(&r, t, 0);
    return r.status == TRAIN_INTERRUPTED ? LLMLAB_EXIT_INTERRUPTED : 0;
}
