/**
 * @file corpus.h
 * @brief Day 5: find a prepared text corpus, and its tokenizer and token files.
 *
 * `make data` writes `data/NAME/train.txt` and `data/NAME/val.txt`. A run
 * asks for a corpus and a vocabulary size and gets a tokenizer
 * (`data/NAME/bpe-SIZE.bpe`, trained on train.txt the first time) and the two
 * token files (`data/NAME/train-bpe-SIZE.tok`, ...), written once and
 * memory-mapped after that.
 */
#ifndef LLMLAB_CORPUS_H
#define LLMLAB_CORPUS_H

#include "tokenizer.h"
#include "tokens.h"

typedef struct Corpus {
    char name[64];
    char train_txt[512], val_txt[512];
    Tokenizer tok;
    TokenFile train, val;
} Corpus;

/**
 * Open corpus @p name ("fortunes", "tinyshakespeare") with a BPE vocabulary
 * of @p vocab_size tokens. The fortunes corpus is prepared on the spot from
 * Debian's package when `make data` has not run yet. Dies with a message
 * saying what to run when the text is missing.
 */
void corpus_open(Corpus *c, const char *name, int vocab_size);

/**
 * Open corpus @p name with a tokenizer of your own (a copy of @p tok is
 * kept), e.g. a pretrained model's, to fine-tune it on new text; the token
 * files are named by the tokenizer's hash. Dies with a message when the
 * text is missing.
 */
void corpus_open_with(Corpus *c, const char *name, const Tokenizer *tok);
void corpus_close(Corpus *c);

/** Read a whole file into a malloc'd buffer (NUL-terminated; length in @p len). Dies on failure. */
uint8_t *read_file_or_die(const char *path, size_t *len);

#endif
