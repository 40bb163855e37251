/* Helpers shared by llmlab's subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "check.h"
#include "commands.h"
#include "gpt_run.h"
#include "trainloop.h"

uint8_t *cli_read_input(const char *path, size_t *len) {
    int from_stdin = path == NULL || strcmp(path, "-") == 0;
    char err[LLMLAB_ERR_SIZE];
    FILE *f = from_stdin ? stdin : llmlab_open_read(path, "", err, sizeof err);
    if (!f) {
        fprintf(stderr, "llmlab: %s\n", err);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    int bad = ferror(f);
    if (!from_stdin) fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "llmlab: %s reading %s\n", buf ? "read error" : "out of memory",
                from_stdin ? "standard input" : path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cli_check_train(const char *command, const TrainConfig *t) {
    if (t->lr_min > t->lr_max) {
        fprintf(stderr, "%s: --min-lr %g is above --lr %g\n", command, (double)t->lr_min, (double)t->lr_max);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_load_chat_model(const char *ckpt, int need_tuned, Gpt *m, Tokenizer *tok, ChatTokens *ct) {
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(ckpt, m, tok, 1, 1, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        return -1;
    }
    if (chat_tokens_find(tok, ct) == 0) return 1;
    if (need_tuned) {
        fprintf(stderr, "llmlab: %s has no chat tokens: it is a base model; fine-tune it first (./llmlab tune)\n",
                ckpt);
        gpt_free(m), tokenizer_free(tok);
        return -1;
    }
    return 0;
}
