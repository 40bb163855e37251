/*
 * llmlab: the course's command-line program. Each lesson that makes
 * something worth running from a shell adds a subcommand here.
 *
 *   llmlab plot RUN                             (every lesson: a run's loss curves)
 *   llmlab tokenizer train|encode|decode|show   (Day 5)
 *   llmlab corpus fortunes|split                (Day 5: make data)
 *   llmlab train, sample, export, import        (Week 2)
 *   llmlab chatgen, tune, chat, eval-chat       (Week 3)
 *   llmlab collect, report                      (Week 4)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static const Command commands[] = {
    {"plot", "draw a run's loss curves: RUN/loss.png and a plot in the terminal", cmd_plot},
    {"tokenizer", "train, inspect and use a BPE tokenizer (Day 5)", cmd_tokenizer},
    {"corpus", "prepare a text corpus's train.txt and val.txt (Day 5; make data runs it)", cmd_corpus},
    {"train", "train the GPT on a corpus, or resume a run (Week 2)", cmd_train},
    {"sample", "generate text from a trained GPT (Week 2)", cmd_sample},
    {"export", "write a GPT checkpoint as safetensors for PyTorch (Week 2)", cmd_export},
    {"import", "turn an exported (or PyTorch-trained) folder back into a checkpoint (Week 2)", cmd_import},
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
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].about);
}

/* Results go to standard output; a write there that failed (a full disk, `> /dev/full`) must
 * not pass for success. Checked when a command returns, and at any exit() before that. */
static const char *running = "llmlab";
static int stdout_checked;

static int stdout_failed(void) {
    stdout_checked = 1;
    /* a write that failed before (a flush in a command) may have left its reason in errno */
    int earlier = errno == ENOSPC || errno == EFBIG || errno == EIO || errno == EPIPE ? errno : 0;
    errno = 0;
    int bad = fflush(stdout) != 0, why = errno ? errno : earlier;
    bad |= ferror(stdout);
    if (bad)
        fprintf(stderr, "%s: could not write the output: %s\n", running,
                why ? strerror(why) : "a write to standard output failed (a full disk?)");
    return bad;
}

static void check_stdout_at_exit(void) {
    if (!stdout_checked && stdout_failed()) _exit(1);
}

int main(int argc, char **argv) {
    atexit(check_stdout_at_exit);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    static char name[64];
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            snprintf(name, sizeof name, "llmlab %s", commands[i].name);
            running = name;
            int rc = commands[i].run(argc - 1, argv + 1);
            return stdout_failed() && rc == 0 ? 1 : rc;
        }
    fprintf(stderr, "llmlab: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
