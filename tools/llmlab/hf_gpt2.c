/*
 * The Hugging Face GPT-2 layout (hf_gpt2.h): names, shapes, and a
 * safetensors writer.
 *
 * safetensors: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw data.
 */
#include "hf_gpt2.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Our name -> theirs. A block tensor (per layer) gets "transformer.h.N." in
 * front; a linear layer's weight gives its input width as a multiple of C
 * (in_c) and is stored transposed. */
static const struct {
    const char *ours, *theirs;
    int in_c;
} names[] = {
    {"wte", "transformer.wte.weight", 0},
    {"wpe", "transformer.wpe.weight", 0},
    {"ln1_w", "ln_1.weight", 0},
    {"ln1_b", "ln_1.bias", 0},
    {"qkv_w", "attn.c_attn.weight", 1},
    {"qkv_b", "attn.c_attn.bias", 0},
    {"proj_w", "attn.c_proj.weight", 1},
    {"proj_b", "attn.c_proj.bias", 0},
    {"ln2_w", "ln_2.weight", 0},
    {"ln2_b", "ln_2.bias", 0},
    {"fc_w", "mlp.c_fc.weight", 1},
    {"fc_b", "mlp.c_fc.bias", 0},
    {"fcproj_w", "mlp.c_proj.weight", 4},
    {"fcproj_b", "mlp.c_proj.bias", 0},
    {"lnf_w", "transformer.ln_f.weight", 0},
    {"lnf_b", "transformer.ln_f.bias", 0},
};
enum { N_NAMES = sizeof names / sizeof names[0] };

size_t hf_count(const GptConfig *c) { return 4 + (size_t)c->n_layer * (N_NAMES - 4); }

size_t hf_numel(const HfTensor *t) { return (size_t)t->shape[0] * (size_t)(t->ndim == 2 ? t->shape[1] : 1); }

/* The row of names[] for our tensor, or -1. */
static int find(const char *ours) {
    for (int i = 0; i < N_NAMES; i++)
        if (strcmp(names[i].ours, ours) == 0) return i;
    return -1;
}

int hf_layout(const GptConfig *c, HfTensor *t, char *err, size_t err_size) {
    GptTensor g[GPT_MAX_TENSORS];
    int ng = gpt_tensors(c, g), n = 0;
    long C = c->n_embd, L = c->n_layer;
    for (int k = 0; k < ng; k++)
        if (find(g[k].name) < 0) {
            snprintf(err, err_size, "the model's tensor %s has no name in the Hugging Face GPT-2 layout", g[k].name);
            return -1;
        }
    /* the tensors that are not per layer and come first (wte, wpe), then layer by layer, then the rest (ln_f) */
    for (int pass = 0; pass < 3; pass++)
        for (long l = 0; l < (pass == 1 ? L : 1); l++)
            for (int k = 0; k < ng; k++) {
                int first = k < 2; /* wte, wpe lead, as in Hugging Face's list */
                if ((pass == 1) != (g[k].per_layer != 0) || (pass == 0 && !first) || (pass == 2 && first)) continue;
                int i = find(g[k].name);
                HfTensor *h = &t[n++];
                size_t count = g[k].per_layer ? g[k].count / (size_t)L : g[k].count;
                h->offset = g[k].offset + (g[k].per_layer ? (size_t)l * count : 0);
                if (g[k].per_layer)
                    snprintf(h->name, sizeof h->name, "transformer.h.%ld.%s", l, names[i].theirs);
                else
                    snprintf(h->name, sizeof h->name, "%s", names[i].theirs);
                h->transposed = names[i].in_c > 0;
                if (h->transposed) { /* ours (out, in) -> theirs [in, out] */
                    h->ndim = 2, h->shape[0] = names[i].in_c * C, h->shape[1] = (long)count / h->shape[0];
                } else if (!g[k].per_layer && strncmp(g[k].name, "ln", 2) != 0) { /* wte, wpe: rows of C */
                    h->ndim = 2, h->shape[0] = (long)count / C, h->shape[1] = C;
                } else {
                    h->ndim = 1, h->shape[0] = (long)count, h->shape[1] = 0;
                }
            }
    return n;
}

/* Append printf-style text to a growing buffer. */
typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->len) {
            b->len += (size_t)k;
            return;
        }
        b->cap = 2 * b->cap + (size_t)k + 64;
        b->s = XREALLOC(b->s, b->cap);
    }
}

int hf_write_safetensors(FILE *f, const HfTensor *t, int n, const char *prefix, const float *base) {
    Buf h = {XMALLOC(4096), 0, 4096};
    buf_printf(&h, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"llmlab\"}");
    size_t offset = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = 4 * hf_numel(&t[i]);
        buf_printf(&h, ",\"%s%s\":{\"dtype\":\"F32\",\"shape\":[%ld", prefix, t[i].name, t[i].shape[0]);
        if (t[i].ndim == 2) buf_printf(&h, ",%ld", t[i].shape[1]);
        buf_printf(&h, "],\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
        offset += bytes;
    }
    buf_printf(&h, "}");
    while (h.len % 8) buf_printf(&h, " "); /* the data starts 8-byte aligned */
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(h.s, 1, h.len, f) == h.len;
    free(h.s);
    float *row = NULL;
    for (int i = 0; i < n && ok; i++) {
        const float *src = base + t[i].offset;
        if (!t[i].transposed) { /* the host is little-endian (x86, arm64) */
            ok = fwrite(src, sizeof(float), hf_numel(&t[i]), f) == hf_numel(&t[i]);
            continue;
        }
        size_t in = (size_t)t[i].shape[0], out = (size_t)t[i].shape[1];
        row = XREALLOC(row, out * sizeof *row);
        for (size_t r = 0; r < in && ok; r++) { /* their row r is our column r */
            for (size_t o = 0; o < out; o++) row[o] = src[o * in + r];
            ok = fwrite(row, sizeof(float), out, f) == out;
        }
    }
    free(row);
    return ok;
}
