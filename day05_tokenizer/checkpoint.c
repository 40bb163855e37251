/*
 * Day 5, given code: checkpoints. Everything a run needs to continue
 * exactly where it stopped, in one file that is either whole or refused.
 *
 * Layout (little-endian):
 *   "LLMLABCK" | u32 version | kind[32] | u64 step | u64 rng[4] | u32 has_spare
 *   | f64 spare | u32 config_size | u32 has_moments | u64 tokenizer_len
 *   | u64 n_params | config | tokenizer text | params f32[n] | (m, v f32[n])
 *   | u32 CRC-32 of every byte before it
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "le.h"
#include "checkpoint.h"

#define CKPT_MAGIC "LLMLABCK"
#define CKPT_HEADER (8 + 4 + 32 + 8 + 32 + 4 + 8 + 4 + 4 + 8 + 8)
#define CKPT_MAX_PARAMS ((uint64_t)1 << 31)

typedef struct Writer {
    FILE *f;
    uLong crc;
    int ok;
} Writer;

static void put(Writer *w, const void *p, size_t n) {
    if (!w->ok || n == 0) return;
    w->crc = crc32(w->crc, p, (uInt)n); /* n < 4 GB: every array is below 2^31 floats... */
    w->ok = fwrite(p, 1, n, w->f) == n;
}

/* crc32() takes uInt lengths: feed big arrays in slices. */
static void put_big(Writer *w, const void *p, size_t n) {
    const uint8_t *b = p;
    while (n > 0) {
        size_t k = n < (1u << 30) ? n : (1u << 30);
        put(w, b, k);
        b += k, n -= k;
    }
}

static void put_u32(Writer *w, uint32_t v) {
    uint8_t b[4];
    le_put_u32(b, v);
    put(w, b, 4);
}
static void put_u64(Writer *w, uint64_t v) {
    uint8_t b[8];
    le_put_u64(b, v);
    put(w, b, 8);
}

/* "" when every value of the arrays is finite; else which one is not, and why that matters. */
static int nonfinite_value(const Checkpoint *c, char *err, size_t err_size) {
    const float *arrays[3] = {c->params, c->m, c->v};
    static const char *names[3] = {"parameter", "AdamW's mean gradient of parameter",
                                   "AdamW's mean squared gradient of parameter"};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; arrays[a] && i < c->n_params; i++) {
            float x = arrays[a][i];
            if (!isfinite(x)) {
                snprintf(err, err_size, "%s %zu is %s (the run diverged)", names[a], i, isnan(x) ? "NaN" : "infinite");
                return 1;
            }
        }
    }
    return 0;
}

int checkpoint_save(const char *path, const Checkpoint *c, char *err, size_t err_size) {
    char why[200];
    if (nonfinite_value(c, why, sizeof why)) {
        snprintf(err, err_size, "not saving %s: %s; a checkpoint only holds finite numbers", path, why);
        return -1;
    }
    char tmp[LLMLAB_TMP_SIZE]; /* a name of its own: two runs never write each other's temporary file */
    Writer w = {llmlab_open_temp(path, tmp, sizeof tmp, err, err_size), crc32(0, NULL, 0), 1};
    if (!w.f) return -1;
    size_t tok_len = c->tokenizer_text ? strlen(c->tokenizer_text) : 0;
    char kind[32] = {0};
    memcpy(kind, c->kind, strnlen(c->kind, sizeof kind - 1));
    put(&w, CKPT_MAGIC, 8);
    put_u32(&w, CHECKPOINT_VERSION);
    put(&w, kind, 32);
    put_u64(&w, (uint64_t)c->step);
    for (int i = 0; i < 4; i++) put_u64(&w, c->rng.s[i]);
    put_u32(&w, (uint32_t)c->rng.has_spare);
    put(&w, &c->rng.spare, 8);
    put_u32(&w, c->config_size);
    put_u32(&w, c->m && c->v);
    put_u64(&w, tok_len);
    put_u64(&w, c->n_params);
    put(&w, c->config, c->config_size);
    put_big(&w, c->tokenizer_text, tok_len);
    put_big(&w, c->params, c->n_params * sizeof(float));
    if (c->m && c->v) {
        put_big(&w, c->m, c->n_params * sizeof(float));
        put_big(&w, c->v, c->n_params * sizeof(float));
    }
    put_u32(&w, (uint32_t)w.crc);
    return llmlab_commit_file(w.f, w.ok, tmp, path, err, err_size);
}

typedef struct Reader {
    const uint8_t *p;
    size_t n, pos;
} Reader;

static const uint8_t *take(Reader *r, size_t n) {
    if (n > r->n - r->pos) return NULL;
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint32_t u32_at(const uint8_t *p) { return le_u32(p); }
static uint64_t u64_at(const uint8_t *p) { return le_u64(p); }

#define FAIL(...)                             \
    do {                                      \
        snprintf(err, err_size, __VA_ARGS__); \
        goto fail;                            \
    } while (0)

int checkpoint_load(const char *path, Checkpoint *c, char *err, size_t err_size) {
    memset(c, 0, sizeof *c);
    uint8_t *buf = NULL;
    FILE *f = llmlab_open_read(path, "checkpoint", err, err_size);
    if (!f) return -1;
    long size = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : -1;
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        FAIL("%s: cannot read its size", path);
    }
    if ((size_t)size < CKPT_HEADER + 4) {
        fclose(f);
        FAIL("%s: %ld bytes is too short for a checkpoint (truncated?)", path, size);
    }
    buf = malloc((size_t)size);
    if (!buf) {
        fclose(f);
        FAIL("%s: out of memory reading %ld bytes", path, size);
    }
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) FAIL("%s: read error", path);

    Reader r = {buf, (size_t)size, 0};
    const uint8_t *h = take(&r, CKPT_HEADER);
    if (memcmp(h, CKPT_MAGIC, 8) != 0) FAIL("%s: not an llmlab checkpoint (no LLMLABCK magic)", path);
    uint32_t version = u32_at(h + 8);
    if (version != CHECKPOINT_VERSION)
        FAIL("%s: checkpoint version %u; this program reads version %d", path, version, CHECKPOINT_VERSION);
    memcpy(c->kind, h + 12, 32);
    c->kind[31] = '\0';
    c->step = (long)u64_at(h + 44);
    for (int i = 0; i < 4; i++) c->rng.s[i] = u64_at(h + 52 + 8 * i);
    c->rng.has_spare = (int)u32_at(h + 84);
    memcpy(&c->rng.spare, h + 88, 8);
    c->config_size = u32_at(h + 96);
    uint32_t has_moments = u32_at(h + 100);
    uint64_t tok_len = u64_at(h + 104), n_params = u64_at(h + 112);
    if (n_params > CKPT_MAX_PARAMS || tok_len > (64u << 20) || c->config_size > (1u << 20) || has_moments > 1)
        FAIL("%s: corrupted header (impossible sizes)", path);
    uint64_t expect = CKPT_HEADER + c->config_size + tok_len + n_params * 4 * (has_moments ? 3 : 1) + 4;
    if (expect != (uint64_t)size)
        FAIL("%s: %ld bytes, but its header describes %llu (truncated or corrupted)", path, size,
             (unsigned long long)expect);
    uLong crc = crc32(0, NULL, 0);
    for (size_t done = 0; done < (size_t)size - 4;) {
        size_t k = (size_t)size - 4 - done;
        if (k > (1u << 30)) k = 1u << 30;
        crc = crc32(crc, buf + done, (uInt)k);
        done += k;
    }
    if ((uint32_t)crc != u32_at(buf + size - 4)) FAIL("%s: checksum mismatch (the file is corrupted)", path);

    c->config = malloc(c->config_size ? c->config_size : 1);
    c->tokenizer_text = malloc(tok_len + 1);
    c->n_params = (size_t)n_params;
    size_t bytes = n_params ? (size_t)n_params * 4 : 1;
    c->params = malloc(bytes);
    if (has_moments) {
        c->m = malloc(bytes);
        c->v = malloc(bytes);
    }
    if (!c->config || !c->tokenizer_text || !c->params || (has_moments && (!c->m || !c->v)))
        FAIL("%s: out of memory", path);
    memcpy(c->config, take(&r, c->config_size), c->config_size);
    memcpy(c->tokenizer_text, take(&r, tok_len), tok_len);
    c->tokenizer_text[tok_len] = '\0';
    memcpy(c->params, take(&r, n_params * 4), n_params * 4);
    if (has_moments) {
        memcpy(c->m, take(&r, n_params * 4), n_params * 4);
        memcpy(c->v, take(&r, n_params * 4), n_params * 4);
    }
    char why[200];
    if (nonfinite_value(c, why, sizeof why)) /* a whole file, but of a run that went wrong */
        FAIL("%s: %s; a checkpoint must hold finite numbers only", path, why);
    free(buf);
    return 0;
fail:
    free(buf);
    checkpoint_free(c);
    return -1;
}

void checkpoint_free(Checkpoint *c) {
    free(c->config), free(c->tokenizer_text), free(c->params), free(c->m), free(c->v);
    memset(c, 0, sizeof *c);
}
