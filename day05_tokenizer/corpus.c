/*
 * Day 5, given code: corpora on disk (see corpus.h).
 *
 * The caches of a corpus (its tokenizer and token files, and the fortunes'
 * texts when they are prepared on the spot) are made under a lock,
 * data/NAME/.lock: two runs that start together on an unprepared corpus do
 * the work once, the second waits and then finds (and checks) what the first
 * made.
 */
#define _DEFAULT_SOURCE /* flock() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"
#include "utf8.h"

uint8_t *read_file_or_die(const char *path, size_t *len) {
    FILE *f = XFOPEN(path, "rb", "check the path");
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
        LLMLAB_DIE("give the path of a file", "%s is a folder, not a file", path);
    if (fseek(f, 0, SEEK_END) != 0) LLMLAB_DIE("give a regular file", "cannot seek in %s", path);
    long n = ftell(f);
    if (n < 0) LLMLAB_DIE("give a regular file", "cannot tell the size of %s", path);
    rewind(f);
    uint8_t *buf = XMALLOC((size_t)n + 1);
    XFREAD(buf, 1, (size_t)n, f, path);
    XFCLOSE(f, path);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

int corpus_check_text(const uint8_t *text, size_t n, const char *what, char *err, size_t err_size) {
    size_t bad = utf8_first_invalid(text, n);
    const uint8_t *nul = memchr(text, 0, bad);
    if (nul) bad = (size_t)(nul - text);
    if (bad == n) return 0;
    size_t line = 1;
    for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
    if (nul)
        snprintf(err, err_size, "%s holds a NUL byte at byte %zu (line %zu): a binary file, not text", what, bad, line);
    else
        snprintf(err, err_size,
                 "%s is not UTF-8 text: byte %zu (line %zu) is 0x%02X, which starts no valid "
                 "character there",
                 what, bad, line, text[bad]);
    return -1;
}

uint8_t *corpus_read_text(const char *path, size_t *len) {
    uint8_t *text = read_file_or_die(path, len);
    char err[1200];
    if (corpus_check_text(text, *len, path, err, sizeof err) != 0)
        LLMLAB_DIE("a corpus is UTF-8 text: convert it (iconv -f latin1 -t utf-8, say), or remove the binary file",
                   "%s", err);
    return text;
}

static int exists(const char *path) { return access(path, R_OK) == 0; }

int corpus_lock(const char *dir) {
    char path[LLMLAB_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/.lock", dir) >= sizeof path) return -1; /* its files fail anyway */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno == EWOULDBLOCK) { /* another run prepares this corpus now: its caches will do for us */
        fprintf(stderr, "waiting for another run that is preparing %s (its texts, tokenizer or token files)\n", dir);
        int rc;
        while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) continue;
        if (rc == 0) return fd;
    }
    close(fd); /* a file system without locks: the caches are still written whole (renamed), only twice */
    return -1;
}

void corpus_unlock(int fd) {
    if (fd >= 0) close(fd);
}

#define FORTUNES_DIR "/usr/share/games/fortunes" /* Debian's package `fortunes` */

/* Name the corpus's files, preparing fortunes on the spot; dies when the text is missing. Returns
 * the corpus folder's lock (corpus_lock), held from before the texts are looked at. */
static int find_text(Corpus *c, const char *name) {
    memset(c, 0, sizeof *c);
    LLMLAB_CHECK(strlen(name) < sizeof c->name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."),
                 "a corpus is a folder name under data/", "bad corpus name \"%s\"", name);
    strcpy(c->name, name);
    char dir[600];
    XSNPRINTF(dir, sizeof dir, "data/%s", name);
    XSNPRINTF(c->train_txt, sizeof c->train_txt, "data/%s/train.txt", name);
    XSNPRINTF(c->val_txt, sizeof c->val_txt, "data/%s/val.txt", name);
    int fortunes = strcmp(name, "fortunes") == 0 && exists(FORTUNES_DIR);
    if (fortunes && !exists(c->train_txt)) llmlab_mkdir_p(dir); /* for its lock: it is prepared below */
    int lock = corpus_lock(dir);
    if (fortunes && !exists(c->train_txt)) { /* looked at again under the lock: another run may have made it */
        fprintf(stderr, "preparing data/fortunes from Debian's fortunes (what `make data` does)\n");
        char err[1200];
        if (corpus_prepare_fortunes(FORTUNES_DIR, "data/fortunes", stdout, err, sizeof err) != 0)
            LLMLAB_DIE("run `make data` and read its messages", "could not prepare data/fortunes: %s", err);
    }
    if (!exists(c->train_txt) || !exists(c->val_txt)) {
        char here[512]; /* data/ is read from the current folder: say which */
        if (!getcwd(here, sizeof here)) strcpy(here, "?");
        LLMLAB_DIE(strcmp(name, "fortunes") == 0 ? "install it with `make setup` (Debian package fortunes), "
                                                   "then run `make data`"
                   : strcmp(name, "domain") == 0 ? "collect it first: ./llmlab collect DIR (Week 4)"
                                                 : "run `make data` in the course's folder, and llmlab from there "
                                                   "(LLMLAB_DATA_MIRROR=DIR copies the files from a folder)",
                   "the %s corpus is not prepared: %s is missing (under %s)", name,
                   exists(c->train_txt) ? c->val_txt : c->train_txt, here);
    }
    return lock;
}

void corpus_open(Corpus *c, const char *name, int vocab_size) {
    int lock = find_text(c, name);
    char tok_path[600], train_tok[600], val_tok[600];
    XSNPRINTF(tok_path, sizeof tok_path, "data/%s/bpe-%d.bpe", name, vocab_size);
    XSNPRINTF(train_tok, sizeof train_tok, "data/%s/train-bpe-%d.tok", name, vocab_size);
    XSNPRINTF(val_tok, sizeof val_tok, "data/%s/val-bpe-%d.tok", name, vocab_size);
    char err[800];
    int have = exists(tok_path);
    if (!have || tokenizer_load(&c->tok, tok_path, err, sizeof err) != 0) {
        if (have) /* a cache that cannot be trusted is made again */
            fprintf(stderr, "note: %s; training it again\n", err);
        size_t n;
        uint8_t *text = corpus_read_text(c->train_txt, &n);
        const char *special[] = {TOKENIZER_EOT};
        fprintf(stderr, "training a %d-token BPE tokenizer on %s (%.1f MB)\n", vocab_size, c->train_txt, n / 1e6);
        tokenizer_train(&c->tok, text, n, vocab_size, 1, special, 1);
        tokenizer_save(&c->tok, tok_path);
        free(text);
    }
    LLMLAB_CHECK(tokenizer_special_id(&c->tok, TOKENIZER_EOT) >= 0, "delete it; it is made again", "%s has no %s token",
                 tok_path, TOKENIZER_EOT);
    token_file_prepare(&c->train, c->train_txt, train_tok, &c->tok);
    token_file_prepare(&c->val, c->val_txt, val_tok, &c->tok);
    corpus_unlock(lock);
}

void corpus_open_with(Corpus *c, const char *name, const Tokenizer *tok) {
    int lock = find_text(c, name);
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
    corpus_unlock(lock);
}

void corpus_close(Corpus *c) {
    token_file_close(&c->train);
    token_file_close(&c->val);
    tokenizer_free(&c->tok);
}
