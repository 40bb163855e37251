/**
 * @file corpus.h
 * @brief Day 5: find a prepared text corpus, and its tokenizer and token files.
 *
 * `make data` writes `data/NAME/train.txt` and `data/NAME/val.txt`. A run
 * asks for a corpus and a vocabulary size and gets a tokenizer
 * (`data/NAME/bpe-SIZE.bpe`, trained on train.txt the first time) and the two
 * token files (`data/NAME/train-bpe-SIZE.tok`, ...), written once and
 * memory-mapped after that.
 *
 * Two runs that open an unprepared corpus together are kept apart: the
 * caches are made under a lock on `data/NAME/.lock` (flock), so the second
 * run waits, then finds and checks what the first made; every file is
 * written under a temporary name of its own and renamed.
 *
 * `make data` makes the texts with corpus_prepare_fortunes() and
 * corpus_prepare_split() (through `llmlab corpus`); corpus_open() calls the
 * first itself when the fortunes are not prepared yet.
 */
#ifndef LLMLAB_CORPUS_H
#define LLMLAB_CORPUS_H

#include <stdio.h>

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

/**
 * Take the lock of the corpus folder @p dir (`dir/.lock`, made when
 * missing), waiting, with a note on stderr, while another process holds
 * it. Returns a handle for corpus_unlock() (the end of the process releases
 * it too), or -1 when there is no lock to take: a missing or read-only
 * folder (where this process writes no cache either), or a file system
 * without locks. corpus_open() takes it itself; `llmlab corpus` takes it
 * around corpus_prepare_fortunes() and corpus_prepare_split().
 */
int corpus_lock(const char *dir);
void corpus_unlock(int lock);

/**
 * Make @p out_dir/train.txt and val.txt from Debian's fortune files in
 * @p src_dir (/usr/share/games/fortunes): every file except the .dat
 * indexes, the .u8 links and the ASCII-art collections; a line holding only
 * `%` ends an entry. Each entry loses its trailing whitespace and the empty
 * lines around it; empty entries, repeats and entries holding
 * <|endoftext|> are dropped; each is followed by "\n<|endoftext|>" so a
 * model learns where one ends. Every tenth entry goes to val.txt, so both
 * halves hold every collection. A file that is not UTF-8 is read as
 * Latin-1. Prints one summary line to @p log (NULL: nothing). Returns 0, or
 * -1 with the reason in @p err (a missing folder, no fortune files, a file
 * that cannot be written).
 */
int corpus_prepare_fortunes(const char *src_dir, const char *out_dir, FILE *log, char *err, size_t err_size);

/**
 * Split the text file @p path: its first 90% (cut after the last line end
 * before that point, when there is one) becomes @p out_dir/train.txt, the
 * rest val.txt. Prints one summary line to @p log (NULL: nothing). Returns 0,
 * or -1 with the reason in @p err.
 */
int corpus_prepare_split(const char *path, const char *out_dir, FILE *log, char *err, size_t err_size);

/** Read a whole file into a malloc'd buffer (NUL-terminated; length in @p len). Dies on failure. */
uint8_t *read_file_or_die(const char *path, size_t *len);

/**
 * Check that @p n bytes are text: valid UTF-8 (common/utf8.h) without a NUL
 * byte. Returns 0, or -1 with what is wrong and where (byte offset, line)
 * in @p err, naming @p what (a path).
 */
int corpus_check_text(const uint8_t *text, size_t n, const char *what, char *err, size_t err_size);

/** read_file_or_die() for a corpus: dies, naming the offset, unless corpus_check_text() accepts it. */
uint8_t *corpus_read_text(const char *path, size_t *len);

#endif
