/*
 * Day 5, given code: token files. A corpus is encoded once, written as
 * uint16 ids, and memory-mapped by every run after that: the operating
 * system pages in the parts a batch touches, and many runs share one copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"
#include "hash.h"
#include "le.h"
#include "tokens.h"

#define TOKEN_MAGIC "LLMTOKS2"
#define TOKEN_HEADER 40 /* magic 8, vocab 4, reserved 4, n 8, tokenizer hash 8, source hash 8 */

uint64_t tokenizer_hash(const Tokenizer *t) {
    size_t len;
    char *text = tokenizer_to_text(t, &len);
    uint64_t h = hash_fnv1a64(text, len);
    free(text);
    return h;
}

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

int token_file_write(const char *path, const int32_t *ids, size_t n, int vocab_size, uint64_t tok_hash, char *err,
                     size_t err_size) {
    return token_file_write_from(path, ids, n, vocab_size, tok_hash, 0, err, err_size);
}

int token_file_write_from(const char *path, const int32_t *ids, size_t n, int vocab_size, uint64_t tok_hash,
                          uint64_t source_hash, char *err, size_t err_size) {
    if (vocab_size < 1 || vocab_size > 65536) {
        snprintf(err, err_size, "a token file holds vocabularies of up to 65536 tokens, not %d", vocab_size);
        return -1;
    }
    char tmp[LLMLAB_TMP_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, err_size);
    if (!f) return -1;
    uint8_t header[TOKEN_HEADER] = {0};
    memcpy(header, TOKEN_MAGIC, 8);
    put_u32(header + 8, (uint32_t)vocab_size);
    put_u64(header + 16, n);
    put_u64(header + 24, tok_hash);
    put_u64(header + 32, source_hash);
    int ok = fwrite(header, 1, sizeof header, f) == sizeof header;
    uint8_t buf[8192];
    for (size_t i = 0; ok && i < n;) {
        size_t k = 0;
        for (; k < sizeof buf / 2 && i < n; k++, i++) {
            if (ids[i] < 0 || ids[i] >= vocab_size) {
                snprintf(err, err_size, "token %zu is %d, outside the vocabulary of %d", i, ids[i], vocab_size);
                llmlab_abort_file(f, tmp);
                return -1;
            }
            buf[2 * k] = (uint8_t)ids[i];
            buf[2 * k + 1] = (uint8_t)(ids[i] >> 8);
        }
        ok = fwrite(buf, 2, k, f) == k;
    }
    return llmlab_commit_file(f, ok, tmp, path, err, err_size);
}

int token_file_open(TokenFile *tf, const char *path, char *err, size_t err_size) {
    memset(tf, 0, sizeof *tf);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, err_size, "cannot open token file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (size < TOKEN_HEADER) {
        snprintf(err, err_size, "%s: %zu bytes is too short for a token file (truncated?)", path, size);
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, err_size, "cannot map %s: %s", path, strerror(errno));
        return -1;
    }
    const uint8_t *p = map;
    uint32_t vocab = get_u32(p + 8);
    uint64_t n = get_u64(p + 16);
    const char *why = NULL;
    if (memcmp(p, TOKEN_MAGIC, 8) != 0)
        why = "not a token file (no LLMTOKS1 magic)";
    else if (vocab < 1 || vocab > 65536)
        why = "a corrupted header (vocabulary size)";
    else if (n > (size - TOKEN_HEADER) / 2 || TOKEN_HEADER + 2 * n != size)
        why = "its size does not match its header (truncated or corrupted)";
    if (why) {
        snprintf(err, err_size, "%s: %s", path, why);
        munmap(map, size);
        return -1;
    }
    const uint16_t *tokens = (const uint16_t *)(p + TOKEN_HEADER);
    for (uint64_t i = 0; i < n; i++) {
        if (tokens[i] >= vocab) {
            snprintf(err, err_size, "%s: token %llu is %u, outside the vocabulary of %u (corrupted)", path,
                     (unsigned long long)i, tokens[i], vocab);
            munmap(map, size);
            return -1;
        }
    }
    tf->tokens = tokens;
    tf->n = (size_t)n;
    tf->vocab_size = (int)vocab;
    tf->tokenizer_hash = get_u64(p + 24);
    tf->source_hash = get_u64(p + 32);
    tf->map = map;
    tf->map_len = size;
    return 0;
}

void token_file_close(TokenFile *tf) {
    if (tf->map) munmap(tf->map, tf->map_len);
    memset(tf, 0, sizeof *tf);
}

void token_file_prepare(TokenFile *tf, const char *text_path, const char *tok_path, Tokenizer *tok) {
    char err[LLMLAB_ERR_SIZE];
    uint64_t h = tokenizer_hash(tok);
    size_t len;
    uint8_t *text = corpus_read_text(text_path, &len); /* read every time: the cache is keyed on it */
    uint64_t source = hash_fnv1a64(text, len);
    if (token_file_open(tf, tok_path, err, sizeof err) == 0) {
        if (tf->tokenizer_hash == h && tf->vocab_size == tok->vocab_size && tf->source_hash == source) {
            free(text);
            return;
        }
        token_file_close(tf); /* another tokenizer or another text: redo */
    }
    int32_t *ids = XMALLOC((len + 1) * sizeof *ids);
    size_t n = tokenizer_encode(tok, text, len, 1, ids);
    if (token_file_write_from(tok_path, ids, n, tok->vocab_size, h, source, err, sizeof err) != 0)
        LLMLAB_DIE("is the disk full, or the folder read-only?", "%s", err);
    free(text), free(ids);
    if (token_file_open(tf, tok_path, err, sizeof err) != 0) LLMLAB_DIE("", "%s", err);
}
