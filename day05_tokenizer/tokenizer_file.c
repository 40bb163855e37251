/*
 * Day 5, given code: the tokenizer file (`.bpe`, the format in tokenizer.h).
 * Text, one fact per line, so you can read a tokenizer in an editor; the
 * same text is stored inside checkpoints. Its last line is a CRC-32 of
 * every byte before it, so a file cut short or changed by a single byte is
 * refused instead of loading as another tokenizer. The parser takes any
 * bytes without crashing and says which line is wrong and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "tokenizer.h"

#define CRC_LINE "crc32 "
#define CRC_LINE_LEN (6 + 8 + 1) /* "crc32 " + 8 hex digits + newline */

char *tokenizer_to_text(const Tokenizer *t, size_t *len) {
    size_t cap = 128 + (size_t)t->n_special * (TOKENIZER_MAX_SPECIAL_LEN + 16) + (size_t)t->n_merges * 16;
    char *s = XMALLOC(cap);
    size_t n = 0;
    n += (size_t)snprintf(s + n, cap - n, "llmlab-bpe %d\nmode %s\n", TOKENIZER_FILE_VERSION,
                          t->pretokenize ? "gpt2" : "bytes");
    for (int i = 0; i < t->n_special; i++) n += (size_t)snprintf(s + n, cap - n, "special %s\n", t->special[i]);
    n += (size_t)snprintf(s + n, cap - n, "merges %d\n", t->n_merges);
    for (int i = 0; i < t->n_merges; i++)
        n += (size_t)snprintf(s + n, cap - n, "%d %d\n", t->merges[i].left, t->merges[i].right);
    uLong crc = crc32(crc32(0, NULL, 0), (const Bytef *)s, (uInt)n);
    n += (size_t)snprintf(s + n, cap - n, CRC_LINE "%08lx\n", (unsigned long)crc);
    if (len) *len = n;
    return s;
}

/* Version 2's last line, "crc32 XXXXXXXX", must hold the CRC-32 of every
 * byte before it. Returns the length of the text it covers (the text to
 * parse), or -1 with the reason in err. */
static long check_crc(const char *text, size_t len, char *err, size_t err_size) {
    size_t end = len;
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) end--; /* the last line, without its line end */
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n') start--;
    if (end - start != CRC_LINE_LEN - 1 || memcmp(text + start, CRC_LINE, 6) != 0) {
        snprintf(err, err_size,
                 "its last line should be \"crc32\" and a checksum: the file is cut short or "
                 "was changed (make it again with llmlab tokenizer train)");
        return -1;
    }
    unsigned long want = 0;
    for (size_t i = start + 6; i < end; i++) {
        char c = text[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) {
            snprintf(err, err_size, "the checksum on its last line is not 8 hex digits");
            return -1;
        }
        want = want << 4 | (unsigned long)digit;
    }
    uLong got = crc32(crc32(0, NULL, 0), (const Bytef *)text, (uInt)start);
    if ((unsigned long)got != want) {
        snprintf(err, err_size,
                 "checksum mismatch (crc32 %08lx, the file says %08lx): the file is corrupted or "
                 "was edited; make it again with llmlab tokenizer train",
                 (unsigned long)got, want);
        return -1;
    }
    return (long)start;
}

/* A line reader over a byte buffer that may hold anything. */
typedef struct Lines {
    const char *s;
    size_t len, pos;
    int number; /* 1-based number of the line last read */
    char line[256];
} Lines;

/* Reads the next line into l->line; 0 at the end; -1 if too long or not text. */
static int next_line(Lines *l) {
    if (l->pos >= l->len) return 0;
    l->number++;
    size_t n = 0;
    while (l->pos < l->len && l->s[l->pos] != '\n') {
        char c = l->s[l->pos++];
        if (c == '\0' || n + 1 >= sizeof l->line) return -1;
        l->line[n++] = c;
    }
    if (l->pos < l->len) l->pos++;            /* the newline */
    if (n > 0 && l->line[n - 1] == '\r') n--; /* a file edited on Windows */
    l->line[n] = '\0';
    return 1;
}

/* Parse a non-negative decimal int that fills the whole token; -1 if it is not one. */
static long parse_int(const char *s, const char **end) {
    long v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > 1000000) return -1;
        p++;
    }
    *end = p;
    return v;
}

#define FAIL(...)                             \
    do {                                      \
        snprintf(err, err_size, __VA_ARGS__); \
        goto fail;                            \
    } while (0)

int tokenizer_from_text(Tokenizer *t, const char *text, size_t len, char *err, size_t err_size) {
    Lines l = {.s = text, .len = len};
    BpeMerge *merges = NULL;
    char special[TOKENIZER_MAX_SPECIAL][TOKENIZER_MAX_SPECIAL_LEN + 1];
    const char *special_ptr[TOKENIZER_MAX_SPECIAL];
    int n_special = 0, pretokenize = -1, r;
    const char *end;
    memset(t, 0, sizeof *t);

    if ((r = next_line(&l)) <= 0 || strncmp(l.line, "llmlab-bpe ", 11) != 0)
        FAIL("not an llmlab tokenizer file (the first line should be \"llmlab-bpe %d\")", TOKENIZER_FILE_VERSION);
    long version = parse_int(l.line + 11, &end);
    if (version < 0 || *end) FAIL("line 1: bad version \"%s\"", l.line + 11);
    if (version != TOKENIZER_FILE_VERSION && version != 1)
        FAIL("tokenizer file version %ld; this program reads versions 1 and %d", version, TOKENIZER_FILE_VERSION);
    if (version == TOKENIZER_FILE_VERSION) { /* version 1 had no checksum line */
        char why[200];
        long covered = check_crc(text, len, why, sizeof why);
        if (covered < 0) FAIL("%s", why);
        l.len = (size_t)covered; /* parse up to the checksum line */
    }
    if ((r = next_line(&l)) < 0) FAIL("line %d: too long or not text", l.number);
    if (r == 0 || strncmp(l.line, "mode ", 5) != 0) FAIL("line %d: expected \"mode gpt2\" or \"mode bytes\"", l.number);
    if (strcmp(l.line + 5, "gpt2") == 0)
        pretokenize = 1;
    else if (strcmp(l.line + 5, "bytes") == 0)
        pretokenize = 0;
    else if (strcmp(l.line + 5, "words") == 0) /* see "Mode words" in tokenizer.h */
        FAIL("line %d: \"mode words\" is the course's chunking from before it followed GPT-2's rules; its merges "
             "were learned on other chunks than pretok_next makes now: train the tokenizer again (llmlab tokenizer "
             "train), and a model with it",
             l.number);
    else
        FAIL("line %d: unknown mode \"%s\" (gpt2 or bytes)", l.number, l.line + 5);

    for (;;) {
        if ((r = next_line(&l)) <= 0)
            FAIL(r < 0 ? "line %d: too long or not text" : "line %d: the file ends before \"merges N\"", l.number);
        if (strncmp(l.line, "special ", 8) == 0) {
            size_t sl = strlen(l.line + 8);
            if (n_special == TOKENIZER_MAX_SPECIAL)
                FAIL("line %d: more than %d special tokens", l.number, TOKENIZER_MAX_SPECIAL);
            if (sl < 1 || sl > TOKENIZER_MAX_SPECIAL_LEN)
                FAIL("line %d: a special token must be 1 to %d bytes", l.number, TOKENIZER_MAX_SPECIAL_LEN);
            memcpy(special[n_special], l.line + 8, sl + 1);
            special_ptr[n_special] = special[n_special];
            n_special++;
            continue;
        }
        break;
    }
    if (strncmp(l.line, "merges ", 7) != 0)
        FAIL("line %d: expected \"special TEXT\" or \"merges N\", found \"%.40s\"", l.number, l.line);
    long n_merges = parse_int(l.line + 7, &end);
    if (n_merges < 0 || *end || 256 + n_merges + n_special > TOKENIZER_MAX_VOCAB)
        FAIL("line %d: the number of merges must be 0 to %d", l.number, TOKENIZER_MAX_VOCAB - 256 - n_special);
    merges = malloc((size_t)(n_merges ? n_merges : 1) * sizeof *merges);
    if (!merges) FAIL("out of memory");
    for (long i = 0; i < n_merges; i++) {
        if ((r = next_line(&l)) <= 0)
            FAIL("line %d: the file ends after %ld of %ld merges (truncated?)", l.number + (r == 0), i, n_merges);
        const char *p = l.line;
        long a = parse_int(p, &end);
        if (a < 0 || *end != ' ') FAIL("line %d: expected two token ids, found \"%.40s\"", l.number, l.line);
        long b = parse_int(end + 1, &end);
        if (b < 0 || *end) FAIL("line %d: expected two token ids, found \"%.40s\"", l.number, l.line);
        if (a >= 256 + i || b >= 256 + i)
            FAIL("line %d: merge %ld uses token %ld, which only exists from merge %ld on", l.number, i, a > b ? a : b,
                 (a > b ? a : b) - 256);
        merges[i] = (BpeMerge){(int32_t)a, (int32_t)b};
    }
    while ((r = next_line(&l)) > 0)
        if (l.line[0] != '\0') FAIL("line %d: unexpected text after the last merge", l.number);
    if (r < 0) FAIL("line %d: too long or not text", l.number);
    tokenizer_init(t, merges, (int)n_merges, pretokenize, special_ptr, n_special);
    free(merges);
    return 0;
fail:
    free(merges);
    return -1;
}

int tokenizer_write(const Tokenizer *t, const char *path, char *err, size_t err_size) {
    char tmp[LLMLAB_TMP_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, err_size);
    if (!f) return -1;
    size_t len;
    char *text = tokenizer_to_text(t, &len);
    int ok = fwrite(text, 1, len, f) == len;
    free(text);
    return llmlab_commit_file(f, ok, tmp, path, err, err_size);
}

void tokenizer_save(const Tokenizer *t, const char *path) {
    char err[LLMLAB_ERR_SIZE];
    if (tokenizer_write(t, path, err, sizeof err) != 0)
        LLMLAB_DIE("is the folder there and writable, with room on the disk?", "%s", err);
}

int tokenizer_load(Tokenizer *t, const char *path, char *err, size_t err_size) {
    FILE *f = llmlab_open_read(path, "tokenizer", err, err_size);
    if (!f) return -1;
    size_t cap = 1 << 16, len = 0;
    char *buf = XMALLOC(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= (64u << 20)) {
                snprintf(err, err_size, "%s: larger than 64 MB, not a tokenizer", path);
                free(buf), fclose(f);
                return -1;
            }
            buf = XREALLOC(buf, cap *= 2);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, err_size, "%s: read error", path);
        free(buf);
        return -1;
    }
    char inner[300];
    if (len >= 13 && memcmp(buf, "llmlab-bpe 1", 12) == 0 && (buf[12] == '\n' || buf[12] == '\r')) {
        snprintf(err, err_size,
                 "%s: a tokenizer file of version 1, which has no checksum, so it cannot be "
                 "trusted; make it again with llmlab tokenizer train",
                 path);
        free(buf);
        return -1;
    }
    int rc = tokenizer_from_text(t, buf, len, inner, sizeof inner);
    free(buf);
    if (rc != 0) snprintf(err, err_size, "%s: %s", path, inner);
    return rc;
}
