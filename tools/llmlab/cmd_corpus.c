/*
 * llmlab corpus fortunes|split: a text corpus's train.txt and val.txt (Day 5's
 * corpus_prepare_*; `make data` runs it).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "corpus.h"

static const char *usage_text =
    "usage:\n"
    "  llmlab corpus fortunes SRC_DIR OUT_DIR   Debian's fortune files (/usr/share/games/fortunes) -> one corpus\n"
    "  llmlab corpus split FILE OUT_DIR         the first 90% trains, the last 10% validates\n"
    "\n"
    "Both write OUT_DIR/train.txt and OUT_DIR/val.txt. The fortunes are cleaned: entries are\n"
    "trimmed, empty and repeated ones dropped, each followed by <|endoftext|>; every tenth\n"
    "entry validates. `make data` prepares data/fortunes and data/tinyshakespeare this way.\n";

int cmd_corpus(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return 0;
    }
    int fortunes = argc == 4 && !strcmp(argv[1], "fortunes"), split = argc == 4 && !strcmp(argv[1], "split");
    if (!fortunes && !split) {
        fputs(usage_text, stderr);
        return CLI_EXIT_USAGE;
    }
    char err[1200];
    int lock = corpus_lock(argv[3]); /* a run preparing this corpus's caches finishes first */
    int rc = fortunes ? corpus_prepare_fortunes(argv[2], argv[3], stdout, err, sizeof err)
                      : corpus_prepare_split(argv[2], argv[3], stdout, err, sizeof err);
    corpus_unlock(lock);
    if (rc != 0) {
        fprintf(stderr, "llmlab corpus: %s\n", err);
        return 1;
    }
    return 0;
}
