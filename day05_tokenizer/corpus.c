/*
 * Day 5, given code: corpora on disk (see corpus.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"

uint8_t *read_file_or_die(const char *path, size_t *len) {
    FILE *f = XFOPEN(path, "rb", "check the path");
    if (fseek(f, 0, SEEK_END) != 0)
        LLMLAB_DIE("give a regular file", "cannot seek in %s", path);
    long n = ftell(f);
    if (n < 0)
        LLMLAB_DIE("give a regular file", "cannot tell the size of %s", path);
    rewind(f);
    uint8_t *buf = XMALLOC((size_t)n + 1);
    XFREAD(buf, 1, (size_t)n, f, path);
    XFCLOSE(f, path);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int exists(const char *path) { return access(path, R_OK) == 0; }

#define FORTUNES_DIR "/usr/share/games/fortunes"     /* Debian's package `fortunes` */

/* Name the corpus's files, preparing fortunes on the spot; dies when the text is missing. */
static void find_text(Corpus *c, const char *name) {
    memset(c, 0, sizeof *c);
    LLMLAB_CHECK(strlen(name) < sizeof c->name && !strchr(name, '/'), "a corpus is a folder name under data/",
                 "bad corpus name \"%s\"", name);
    strcpy(c->name, name);
    XSNPRINTF(c->train_txt, sizeof c->train_txt, "data/%s/train.txt", name);
    XSNPRINTF(c->val_txt, sizeof c->val_txt, "data/%s/val.txt", name);
    if (!exists(c->train_txt) && strcmp(name, "fortunes") == 0 && exists(FORTUNES_DIR)) {
        fprintf(stderr, "preparing data/fortunes from Debian's fortunes (what `make data` does)\n");
        char err[1200];
        if (corpus_prepare_fortunes(FORTUNES_DIR, "data/fortunes", stdout, err, sizeof err) != 0)
            LLMLAB_DIE("run `make data` and read its messages", "could not prepare data/fortunes: %s", err);
    }
    if (!exists(c->train_txt) || !exists(c->val_txt))
        LLMLAB_DIE(strcmp(name, "fortunes") == 0   ? "install it with `make setup` (Debian package fortunes), "
                                                     "then run `make data`"
                   : strcmp(name, "domain") == 0 ? "collect it first: ./llmlab collect DIR (Week 4)"
                                                 : "run `make data` (LLMLAB_DATA_MIRROR=DIR copies it from a folder)",
                   "the %s corpus is not prepared: %s is missing", name, c->train_txt);
}

void corpus_open(Corpus *c, const char *name, int vocab_size) {
    find_text(c, name);
    char tok_path[600], train_tok[600], val_tok[600];
    XSNPRINTF(tok_path, sizeof tok_path, "data/%s/bpe-%d.bpe", name, vocab_size);
    XSNPRINTF(train_tok, sizeof train_tok, "data/%s/train-bpe-%d.tok", name, vocab_size);
    XSNPRINTF(val_tok, sizeof val_tok, "data/%s/val-bpe-%d.tok", name, vocab_size);
    char err[800];
    if (!exists(tok_path) || tokenizer_load(&c->tok, tok_path, err, sizeof err) != 0) {
        size_t n;
        uint8_t *text = read_file_or_die(c->train_txt, &n);
        const char *special[] = {TOKENIZER_EOT};
        fprintf(stderr, "training a %d-token BPE tokenizer on %s (%.1f MB)\n", vocab_size, c->train_txt, n / 1e6);
        tokenizer_train(&c->tok, text, n, vocab_size, 1, special, 1);
        tokenizer_save(&c->tok, tok_path);
        free(text);
    }
    LLMLAB_CHECK(tokenizer_special_id(&c->tok, TOKENIZER_EOT) >= 0, "delete it; it is made again",
                 "%s has no %s token", tok_path, TOKENIZER_EOT);
    token_file_prepare(&c->train, c->train_txt, train_tok, &c->tok);
    token_file_prepare(&c->val, c->val_txt, val_tok, &c->tok);
}

void corpus_open_with(Corpus *c, const char *name, const Tokenizer *tok) {
    find_text(c, name);
    size_t len;
    char *text = tokenizer_to_text(tok, &len), err[300];
    LLMLAB_CHECK(tokenizer_from_text(&c->tok, text, len, err, sizeof err) == 0, "", "copying a tokenizer: %s", err);
    free(text);
    char train_tok[600], val_tok[600];
    unsigned long long h = (unsigned long long)tokenizer_hash(tok);
    XSNPRINTF(train_tok, sizeof train_tok, "data/%s/train-%016llx.tok", name, h);
    XSNPRINTF(val_tok, sizeof val_tok, "data/%s/val-%016llx.tok", name, h);
    token_file_prepare(&c->train, c->train_txt, train_tok, &c->tok);
    token_file_prepare(&c->val, c->val_txt, val_tok, &c->tok);
}

void corpus_close(Corpus *c) {
    token_file_close(&c->train);
    token_file_close(&c->val);
    tokenizer_free(&c->tok);
}
