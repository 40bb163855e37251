/*
 * GGUF (version 3), the file format of llama.cpp, written for a Week 2 GPT.
 *
 * The layout, all little-endian:
 *
 *   "GGUF", u32 version 3, u64 tensor count, u64 key-value count
 *   key-values:   string key, u32 value type, the value
 *   tensor infos: string name, u32 dims, u64 size of each dim (the fastest
 *                 axis first), u32 element type (0 = F32), u64 offset of its
 *                 data from the start of the data section
 *   padding to general.alignment (32), then the data, each tensor starting
 *   at a multiple of 32.
 *
 * A string is a u64 length and its bytes (no NUL); an array is a u32 element
 * type, a u64 count and the elements.
 *
 * ggml names a tensor's sizes fastest axis first: our (out, in) weight, rows
 * of `in` floats, is ne = {in, out}, the same bytes. llama.cpp's "gpt2" graph
 * is ours: pre-norm blocks, a fused qkv laid out [q | k | v] with head h in
 * columns [h*hs, (h+1)*hs) of each, GELU, a final LayerNorm; with no
 * output.weight in the file it uses token_embd as the head (tied, like ours).
 *
 * The tokenizer goes in as GPT-2's: every token's bytes spelled with GPT-2's
 * byte-to-character table (each of the 256 bytes is one printable character,
 * so a space is 'Ġ'), merges as "left right" in that alphabet, in merge order
 * (its rank), and the special tokens, marked CONTROL, after them.
 */
#include "gguf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "check.h"

enum { GGUF_VERSION = 3, GGUF_ALIGN = 32 };
/* value types of a key-value */
enum { GT_U32 = 4, GT_I32 = 5, GT_F32 = 6, GT_BOOL = 7, GT_STRING = 8, GT_ARRAY = 9 };
/* token types of tokenizer.ggml.token_type */
enum { TOKEN_NORMAL = 1, TOKEN_CONTROL = 3 };

/* A growing byte buffer: the header is built in memory, then written at once. */
typedef struct Buf {
    uint8_t *p;
    size_t n, cap;
} Buf;

static void put(Buf *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = XREALLOC(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(Buf *b, uint32_t v) {
    uint8_t le[4];
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(v >> (8 * i));
    put(b, le, 4);
}

static void put_u64(Buf *b, uint64_t v) {
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(v >> (8 * i));
    put(b, le, 8);
}

static void put_str(Buf *b, const char *s, size_t n) {
    put_u64(b, n);
    put(b, s, n);
}

/* Key-values: each adds one to *count. */
static void kv_key(Buf *b, int *count, const char *key, uint32_t type) {
    put_str(b, key, strlen(key));
    put_u32(b, type);
    ++*count;
}
static void kv_u32(Buf *b, int *count, const char *key, uint32_t v) {
    kv_key(b, count, key, GT_U32);
    put_u32(b, v);
}
static void kv_f32(Buf *b, int *count, const char *key, float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    kv_key(b, count, key, GT_F32);
    put_u32(b, bits);
}
static void kv_bool(Buf *b, int *count, const char *key, int v) {
    kv_key(b, count, key, GT_BOOL);
    put(b, &(uint8_t){v ? 1 : 0}, 1);
}
static void kv_str(Buf *b, int *count, const char *key, const char *s) {
    kv_key(b, count, key, GT_STRING);
    put_str(b, s, strlen(s));
}

/* GPT-2's table: bytes that print (33-126, 161-172, 174-255) stand for
 * themselves; the other 68 take the characters from U+0100 on, in order. */
static void byte_chars(int32_t cp[256]) {
    int next = 256;
    for (int b = 0; b < 256; b++) {
        int shows = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        cp[b] = shows ? b : next++;
    }
}

/* Append @p n bytes spelled in GPT-2's alphabet (each a 1- or 2-byte UTF-8 character). */
static void put_spelled(Buf *b, const int32_t cp[256], const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int32_t c = cp[s[i]];
        uint8_t u[2];
        if (c < 0x80)
            put(b, u, (u[0] = (uint8_t)c, 1));
        else
            put(b, u, (u[0] = (uint8_t)(0xC0 | (c >> 6)), u[1] = (uint8_t)(0x80 | (c & 0x3F)), 2));
    }
}

/* Token texts, back to back in one buffer, for the duplicate check. */
typedef struct Texts {
    const uint8_t *base;
    const size_t *start; /* (n + 1) */
} Texts;
static Texts sort_texts;
static int cmp_text(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    size_t li = sort_texts.start[i + 1] - sort_texts.start[i], lj = sort_texts.start[j + 1] - sort_texts.start[j];
    int c = memcmp(sort_texts.base + sort_texts.start[i], sort_texts.base + sort_texts.start[j], li < lj ? li : lj);
    return c ? c : (li > lj) - (li < lj);
}

/* How many tokens share their text with another: llama.cpp finds a token by its text, so
 * it would give one of them where we may give the other. (Two merges can make the same
 * bytes: (ab, c) and (a, bc).) */
static int count_duplicates(const uint8_t *base, const size_t *start, int n) {
    int *order = XMALLOC((size_t)n * sizeof *order), dup = 0;
    for (int i = 0; i < n; i++) order[i] = i;
    sort_texts = (Texts){base, start};
    qsort(order, (size_t)n, sizeof *order, cmp_text);
    for (int i = 1; i < n; i++) dup += cmp_text(&order[i - 1], &order[i]) == 0;
    free(order);
    return dup;
}

/* The tokenizer's key-values. */
static void put_tokenizer(Buf *b, int *count, const Tokenizer *tok) {
    int32_t cp[256];
    byte_chars(cp);
    int V = tok->vocab_size, plain = 256 + tok->n_merges;
    kv_str(b, count, "tokenizer.ggml.model", "gpt2");
    kv_str(b, count, "tokenizer.ggml.pre", "gpt-2"); /* llama.cpp's name for GPT-2's regex */

    /* the texts: the bytes and merges spelled, the special tokens as they are */
    Buf texts = {0};
    size_t *start = XMALLOC((size_t)(V + 1) * sizeof *start);
    for (int t = 0; t < V; t++) {
        start[t] = texts.n;
        size_t len;
        const uint8_t *s = tokenizer_token_bytes(tok, t, &len);
        if (t < plain)
            put_spelled(&texts, cp, s, len);
        else
            put(&texts, s, len);
    }
    start[V] = texts.n;
    int dup = count_duplicates(texts.p, start, V);
    if (dup)
        fprintf(stderr,
                "llmlab export: note: %d token(s) have the same bytes as another; llama.cpp may pick "
                "the other id for them\n",
                dup);
    kv_key(b, count, "tokenizer.ggml.tokens", GT_ARRAY);
    put_u32(b, GT_STRING);
    put_u64(b, (uint64_t)V);
    for (int t = 0; t < V; t++) put_str(b, (const char *)texts.p + start[t], start[t + 1] - start[t]);

    kv_key(b, count, "tokenizer.ggml.token_type", GT_ARRAY);
    put_u32(b, GT_I32);
    put_u64(b, (uint64_t)V);
    for (int t = 0; t < V; t++) put_u32(b, t < plain ? TOKEN_NORMAL : TOKEN_CONTROL);

    /* merge i is rank i: "left right", each side spelled */
    kv_key(b, count, "tokenizer.ggml.merges", GT_ARRAY);
    put_u32(b, GT_STRING);
    put_u64(b, (uint64_t)tok->n_merges);
    Buf m = {0};
    for (int i = 0; i < tok->n_merges; i++) {
        m.n = 0;
        int32_t l = tok->merges[i].left, r = tok->merges[i].right;
        put(&m, texts.p + start[l], start[l + 1] - start[l]);
        put(&m, " ", 1);
        put(&m, texts.p + start[r], start[r + 1] - start[r]);
        put_str(b, (const char *)m.p, m.n);
    }
    free(m.p), free(texts.p), free(start);

    /* <|endoftext|> starts a document (sample and train put it first) and ends one.
     * llama.cpp must not add it by itself: the caller puts it where we do. */
    int eot = tokenizer_special_id(tok, TOKENIZER_EOT);
    if (eot >= 0) {
        kv_u32(b, count, "tokenizer.ggml.bos_token_id", (uint32_t)eot);
        kv_u32(b, count, "tokenizer.ggml.eos_token_id", (uint32_t)eot);
    }
    kv_bool(b, count, "tokenizer.ggml.add_bos_token", 0);
    kv_bool(b, count, "tokenizer.ggml.add_eos_token", 0);

    /* Week 3's chat model: its template, so llama.cpp's chat writes the course's format
     * (chat_format(): marker, a space, the text, <|end|>; an open assistant marker last). */
    ChatTokens ct;
    if (chat_tokens_find(tok, &ct) == 0) {
        kv_u32(b, count, "tokenizer.ggml.eot_token_id", (uint32_t)ct.end);
        kv_str(b, count, "tokenizer.chat_template",
               "{%- for message in messages -%}"
               "{{- '<|' + message['role'] + '|> ' + message['content'] + '<|end|>' -}}"
               "{%- endfor -%}"
               "{%- if add_generation_prompt -%}{{- '<|assistant|>' -}}{%- endif -%}");
    }
}

/* One tensor: name, sizes fastest first, its floats. */
typedef struct Tensor {
    char name[48];
    int nd;
    uint64_t ne[2];
    const float *data;
} Tensor;

static size_t tensor_count(const Tensor *t) { return (size_t)t->ne[0] * (t->nd > 1 ? (size_t)t->ne[1] : 1); }

/* The tensors in llama.cpp's names; returns how many (at most 4 + 12 L). */
static int list_tensors(const Gpt *m, Tensor *t) {
    const GptConfig *c = &m->cfg;
    uint64_t V = (uint64_t)c->vocab, T = (uint64_t)c->ctx, C = (uint64_t)c->n_embd, F = 4 * C;
    int n = 0;
    t[n++] = (Tensor){"token_embd.weight", 2, {C, V}, m->p.wte};
    t[n++] = (Tensor){"position_embd.weight", 2, {C, T}, m->p.wpe};
    const BlockParams *h = &m->p.h;
    for (uint64_t l = 0; l < (uint64_t)c->n_layer; l++) {
        struct {
            const char *what;
            int nd;
            uint64_t ne0, ne1;
            const float *all;
        } part[] = {
            {"attn_norm.weight", 1, C, 1, h->ln1_w},    {"attn_norm.bias", 1, C, 1, h->ln1_b},
            {"attn_qkv.weight", 2, C, 3 * C, h->qkv_w}, {"attn_qkv.bias", 1, 3 * C, 1, h->qkv_b},
            {"attn_output.weight", 2, C, C, h->proj_w}, {"attn_output.bias", 1, C, 1, h->proj_b},
            {"ffn_norm.weight", 1, C, 1, h->ln2_w},     {"ffn_norm.bias", 1, C, 1, h->ln2_b},
            {"ffn_up.weight", 2, C, F, h->fc_w},        {"ffn_up.bias", 1, F, 1, h->fc_b},
            {"ffn_down.weight", 2, F, C, h->fcproj_w},  {"ffn_down.bias", 1, C, 1, h->fcproj_b},
        };
        for (size_t k = 0; k < sizeof part / sizeof part[0]; k++) {
            Tensor *x = &t[n++];
            snprintf(x->name, sizeof x->name, "blk.%d.%s", (int)l, part[k].what);
            x->nd = part[k].nd;
            x->ne[0] = part[k].ne0, x->ne[1] = part[k].ne1;
            x->data = part[k].all + l * part[k].ne0 * part[k].ne1; /* layer l's slice of the stack */
        }
    }
    t[n++] = (Tensor){"output_norm.weight", 1, {C, 1}, m->p.lnf_w};
    t[n++] = (Tensor){"output_norm.bias", 1, {C, 1}, m->p.lnf_b};
    return n;
}

static size_t align_up(size_t x) { return (x + GGUF_ALIGN - 1) / GGUF_ALIGN * GGUF_ALIGN; }

int gguf_write(const Gpt *m, const Tokenizer *tok, const char *path, char *err, size_t err_size) {
    const GptConfig *c = &m->cfg;
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(m->params[i])) {
            snprintf(err, err_size,
                     "the model has a non-finite parameter (%g, parameter %zu of %zu): it diverged or the "
                     "checkpoint is damaged; export a checkpoint from before the divergence",
                     (double)m->params[i], i, m->n_params);
            return -1;
        }
    if (!tok->pretokenize) {
        snprintf(err, err_size,
                 "the tokenizer is in plain byte mode (--bytes: a chunk is a line); llama.cpp's gpt2 "
                 "pre-tokenizer cuts words, so it would tokenize differently. Train with the default mode");
        return -1;
    }
    if (tok->vocab_size != c->vocab) {
        snprintf(err, err_size, "the tokenizer has %d tokens, the model %d", tok->vocab_size, c->vocab);
        return -1;
    }
    Tensor *t = XMALLOC((size_t)(4 + 12 * c->n_layer) * sizeof *t);
    int nt = list_tensors(m, t);
    size_t total = 0;
    for (int i = 0; i < nt; i++) total += tensor_count(&t[i]);
    LLMLAB_CHECK(total == m->n_params, "", "gguf: %zu of %zu parameters named", total, m->n_params);

    Buf b = {0};
    int n_kv = 0;
    put(&b, "GGUF", 4);
    put_u32(&b, GGUF_VERSION);
    put_u64(&b, (uint64_t)nt);
    size_t kv_count_at = b.n;
    put_u64(&b, 0); /* the count of key-values, filled in below */

    kv_str(&b, &n_kv, "general.architecture", "gpt2");
    kv_str(&b, &n_kv, "general.name", "llmlab");
    kv_u32(&b, &n_kv, "general.alignment", GGUF_ALIGN);
    kv_u32(&b, &n_kv, "general.file_type", 0); /* every tensor F32 */
    kv_u32(&b, &n_kv, "gpt2.context_length", (uint32_t)c->ctx);
    kv_u32(&b, &n_kv, "gpt2.embedding_length", (uint32_t)c->n_embd);
    kv_u32(&b, &n_kv, "gpt2.feed_forward_length", 4 * (uint32_t)c->n_embd);
    kv_u32(&b, &n_kv, "gpt2.block_count", (uint32_t)c->n_layer);
    kv_u32(&b, &n_kv, "gpt2.attention.head_count", (uint32_t)c->n_head);
    kv_f32(&b, &n_kv, "gpt2.attention.layer_norm_epsilon", LAYERNORM_EPS);
    put_tokenizer(&b, &n_kv, tok);
    for (int i = 0; i < 8; i++) b.p[kv_count_at + i] = (uint8_t)((uint64_t)n_kv >> (8 * i));

    size_t offset = 0;
    for (int i = 0; i < nt; i++) {
        put_str(&b, t[i].name, strlen(t[i].name));
        put_u32(&b, (uint32_t)t[i].nd);
        for (int d = 0; d < t[i].nd; d++) put_u64(&b, t[i].ne[d]);
        put_u32(&b, 0); /* F32 */
        put_u64(&b, offset);
        offset = align_up(offset + 4 * tensor_count(&t[i]));
    }
    static const uint8_t zeros[GGUF_ALIGN];
    put(&b, zeros, align_up(b.n) - b.n); /* the data starts aligned */

    char tmp[LLMLAB_TMP_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, err_size);
    int rc = -1;
    if (f) {
        int ok = fwrite(b.p, 1, b.n, f) == b.n;
        for (int i = 0; i < nt && ok; i++) {
            size_t n = tensor_count(&t[i]), pad = align_up(4 * n) - 4 * n;
            ok =
                fwrite(t[i].data, sizeof(float), n, f) == n && fwrite(zeros, 1, pad, f) == pad; /* little-endian host */
        }
        rc = llmlab_commit_file(f, ok, tmp, path, err, err_size);
    }
    free(b.p), free(t);
    return rc;
}
