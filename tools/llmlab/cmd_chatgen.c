/*
 * llmlab chatgen: write Week 3's instruction-tuning dialogues (chatgen.h),
 * the training split or the held-out evaluation split.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatgen.h"
#include "check.h"
#include "commands.h"

/* The split named on the command line, found before the flags are parsed so
 * that the table's defaults (and so --help) are those of that split. */
static const char *split_named(int argc, char **argv) {
    const char *split = "train";
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--split"))
            split = argv[++i];
        else if (!strcmp(argv[i], "--n") || !strcmp(argv[i], "--seed") || !strcmp(argv[i], "--out"))
            i++; /* skip the value, which could itself be "--split" */
    return split;
}

int cmd_chatgen(int argc, char **argv) {
    const char *split = split_named(argc, argv);
    int which = !strcmp(split, "eval") ? CHATGEN_EVAL : !strcmp(split, "new-words") ? CHATGEN_NEW_WORDS : CHATGEN_TRAIN;
    long n = which == CHATGEN_TRAIN ? 100000 : 1600;
    uint64_t seed = which == CHATGEN_NEW_WORDS ? 5 : (uint64_t)which + 1;
    const char *out = which == CHATGEN_EVAL        ? "data/chat/eval.txt"
                      : which == CHATGEN_NEW_WORDS ? "data/chat/new-words.txt"
                                                   : "data/chat/train.txt";
    const Flag flags[] = {
        {"split", FLAG_STRING, &split, 0, 0,
         "train; eval (held-out values, new phrasings half the time); or new-words (eval, with words training never "
         "shows)",
         NULL},
        {"n", FLAG_LONG, &n, 1, 1e9, "how many dialogues (all families in turn)", NULL},
        {"seed", FLAG_U64, &seed, 0, 9e18, "random seed", NULL},
        {"out", FLAG_STRING, &out, 0, 0, "file to write (its folder is created)", NULL},
    };
    const CliCommand cmd = {.name = "llmlab chatgen",
                            .usage =
                                "usage: llmlab chatgen [--split train|eval|new-words] [--n N] [--seed S] [--out PATH]\n"
                                "Write dialogues with exactly checkable answers, one per line. The defaults below\n"
                                "are those of the split named (llmlab chatgen --split eval --help for eval's).",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    if (strcmp(split, "train") != 0 && strcmp(split, "eval") != 0 && strcmp(split, "new-words") != 0) {
        fprintf(stderr, "llmlab chatgen: --split wants train, eval or new-words, got '%s'\n", split);
        return CLI_EXIT_USAGE;
    }
    if (!*out) {
        fprintf(stderr, "llmlab chatgen: --out wants a file name\n");
        return CLI_EXIT_USAGE;
    }
    const char *slash = strrchr(out, '/');
    if (slash && slash != out) { /* create the folder, like mkdir -p */
        size_t len = (size_t)(slash - out);
        char *folder = XMALLOC(len + 1);
        memcpy(folder, out, len);
        folder[len] = '\0';
        llmlab_mkdir_p(folder);
        free(folder);
    }
    char err[1200];
    if (chatgen_write(out, n, which, seed, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab chatgen: %s\n", err);
        return 1;
    }
    static const char *const what[] = {"training", "evaluation", "new-words evaluation"};
    printf("wrote %ld %s dialogues (%d families, seed %" PRIu64 "%s) to %s\n", n, what[which], chatgen_n_families(),
           seed, which != CHATGEN_TRAIN ? "; held-out values, new phrasings about half the time" : "", out);
    return 0;
}
