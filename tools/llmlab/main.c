/*
 * llmlab: the course's command-line program. Each lesson that makes
 * something worth running from a shell adds a subcommand here.
 *
 *   llmlab plot RUN                             (every lesson: a run's loss curves)
 *   llmlab tokenizer train|encode|decode|show   (Day 5)
 *   llmlab corpus fortunes|split                (Day 5: make data)
 *   llmlab train, sample, export                (Week 2)
 *   llmlab chatgen, tune, chat, eval-chat       (Week 3)
 *   llmlab collect, report                      (Week 4)
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const Command commands[] = {
    {"plot", "draw a run's loss curves: RUN/loss.png and a plot in the terminal", cmd_plot},
    {"tokenizer", "train, inspect and use a BPE tokenizer (Day 5)", cmd_tokenizer},
    {"corpus", "prepare a text corpus's train.txt and val.txt (Day 5; make data runs it)", cmd_corpus},
    {"train", "train the GPT on a corpus, or resume a run (Week 2)", cmd_train},
    {"sample", "generate text from a trained GPT (Week 2)", cmd_sample},
    {"export", "write a GPT checkpoint as safetensors for PyTorch (Week 2)", cmd_export},
    {"chatgen", "write instruction-tuning dialogues with checkable answers (Week 3)", cmd_chatgen},
    {"tune", "fine-tune a pretrained GPT on conversations (Week 3)", cmd_tune},
    {"chat", "talk to a fine-tuned GPT (Week 3)", cmd_chat},
    {"eval-chat", "exact-match accuracy per task family on held-out conversations (Week 3)", cmd_eval_chat},
    {"collect", "gather a domain's text files into train/val/test (Week 4)", cmd_collect},
    {"report", "compare general, fine-tuned and from-scratch models on a domain (Week 4)", cmd_report},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out, "usage: llmlab COMMAND [ARGS]   (llmlab COMMAND --help for its flags)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].about);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "llmlab: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
