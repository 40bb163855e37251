/*
 * Day 5, given code: the tokenizer object around the exercises of bpe.c.
 * Character classes, counting distinct chunks, the token table, fast encoding
 * with a cache, special tokens, and training a whole tokenizer. Its file
 * format is in tokenizer_file.c. Read it; you do not have to write it.
 */
#include <stdlib.h>
#include <string.h>

#include "char_classes.h"
#include "check.h"
#include "progress.h"
#include "timer.h"
#include "tokenizer.h"

/* The classes are GPT-2's: letters are Unicode's letters (\p{L}: Latin,
 * Hangul, kana, CJK, ...), digits are Unicode's numbers (\p{N}: 0-9, but
 * also Arabic-Indic digits, superscripts, fractions, Roman numerals), spaces
 * are Unicode's whitespace (\s: tab to carriage return, space, no-break
 * space, the ideographic space, ...). Everything else, combining accents and
 * emoji included, is punctuation. ASCII is answered here; above it, a binary
 * search in the ranges of char_classes.h, generated from Unicode's tables by
 * tools/gpt2_split.py. */
CharClass char_class(int32_t cp) {
    if (cp < 0) return CC_PUNCT; /* an invalid byte stands alone */
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return CC_LETTER;
        if (cp >= '0' && cp <= '9') return CC_DIGIT;
        if (cp == ' ' || (cp >= '\t' && cp <= '\r')) return CC_SPACE;
        return CC_PUNCT;
    }
    size_t lo = 0, hi = sizeof CHAR_CLASS_RANGES / sizeof CHAR_CLASS_RANGES[0];
    while (lo < hi) { /* the first range that ends at cp or after it */
        size_t mid = lo + (hi - lo) / 2;
        if (CHAR_CLASS_RANGES[mid].last < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < sizeof CHAR_CLASS_RANGES / sizeof CHAR_CLASS_RANGES[0] && CHAR_CLASS_RANGES[lo].first <= cp)
        return CHAR_CLASS_RANGES[lo].cls;
    return CC_PUNCT;
}

/* ---- counting distinct chunks ---- */

/* The end of the chunk at pos: pretok_next(), or the end of the line. */
static size_t chunk_end(const uint8_t *text, size_t n, size_t pos, int pretokenize) {
    if (pretokenize) return pretok_next(text, n, pos);
    const uint8_t *nl = memchr(text + pos, '\n', n - pos);
    return nl ? (size_t)(nl - text) + 1 : n;
}

/* Count the chunks of text[0 .. n); with a bar, report the bytes done
 * (offset: where this piece starts in the whole text) now and then. */
static void count_chunks_progress(HashMap *m, const uint8_t *text, size_t n, int pretokenize, ProgressBar *bar,
                                  size_t offset) {
    size_t reported = 0;
    for (size_t pos = 0; pos < n;) {
        size_t end = chunk_end(text, n, pos, pretokenize);
        LLMLAB_CHECK(end > pos && end <= n, "pretok_next must return a position after pos",
                     "the pre-tokeniser returned %zu for a chunk starting at %zu", end, pos);
        LLMLAB_CHECK(end - pos < INT32_MAX, "split the text into lines or use pre-tokenising",
                     "a chunk of %zu bytes is too long", end - pos);
        *hashmap_upsert(m, text + pos, end - pos, NULL) += 1;
        pos = end;
        if (bar && pos - reported >= (1u << 16)) {
            reported = pos;
            progress_update(bar, (long)(offset + pos), NULL);
        }
    }
}

static void count_chunks(HashMap *m, const uint8_t *text, size_t n, int pretokenize) {
    count_chunks_progress(m, text, n, pretokenize, NULL, 0);
}

/* The words in the order their text was first seen (the map keeps that
 * order), so results never depend on the hash table's layout. */
static BpeWords words_from_map(const HashMap *m) {
    size_t n = m->n ? m->n : 1, total = 0;
    for (size_t i = 0; i < m->n; i++) {
        const uint8_t *key;
        size_t len;
        hashmap_entry(m, i, &key, &len);
        total += len;
    }
    BpeWords w = {.n = (int)m->n};
    w.ids = XMALLOC((total ? total : 1) * sizeof *w.ids);
    w.start = XMALLOC(n * sizeof *w.start);
    w.len = XMALLOC(n * sizeof *w.len);
    w.count = XMALLOC(n * sizeof *w.count);
    int64_t pos = 0;
    for (int i = 0; i < w.n; i++) {
        const uint8_t *key;
        size_t len;
        w.count[i] = hashmap_entry(m, (size_t)i, &key, &len);
        w.start[i] = pos;
        w.len[i] = (int32_t)len;
        for (size_t j = 0; j < len; j++) w.ids[pos + (int64_t)j] = key[j];
        pos += w.len[i];
    }
    return w;
}

BpeWords bpe_words_from_text(const uint8_t *text, size_t n, int pretokenize) {
    HashMap m;
    hashmap_init(&m);
    count_chunks(&m, text, n, pretokenize);
    BpeWords w = words_from_map(&m);
    hashmap_free(&m);
    return w;
}

void bpe_words_free(BpeWords *w) {
    free(w->ids), free(w->start), free(w->len), free(w->count);
    memset(w, 0, sizeof *w);
}

/* ---- the tokenizer object ---- */

#define CACHE_MAX_CHUNK 64 /* longer chunks are encoded every time */
#define CACHE_MAX_ENTRIES (1 << 20)

typedef struct EncodeCache {
    HashMap map; /* chunk -> (offset into ids << 8) | count (at most 64) */
    int32_t *ids;
    size_t ids_len, ids_cap;
} EncodeCache;

void tokenizer_init(Tokenizer *t, const BpeMerge *merges, int n_merges, int pretokenize, const char *const *special,
                    int n_special) {
    LLMLAB_CHECK(n_merges >= 0 && n_special >= 0 && n_special <= TOKENIZER_MAX_SPECIAL &&
                     256 + n_merges + n_special <= TOKENIZER_MAX_VOCAB,
                 "a vocabulary has 256 to 65536 tokens", "tokenizer_init: %d merges and %d special tokens do not fit",
                 n_merges, n_special);
    memset(t, 0, sizeof *t);
    t->pretokenize = pretokenize ? 1 : 0;
    t->n_merges = n_merges;
    t->n_special = n_special;
    t->vocab_size = 256 + n_merges + n_special;
    t->merges = XMALLOC((size_t)(n_merges ? n_merges : 1) * sizeof *t->merges);
    if (n_merges) memcpy(t->merges, merges, (size_t)n_merges * sizeof *merges);
    for (int s = 0; s < n_special; s++) {
        size_t len = strlen(special[s]);
        LLMLAB_CHECK(len >= 1 && len <= TOKENIZER_MAX_SPECIAL_LEN && !strchr(special[s], '\n'),
                     "a special token is 1 to 64 bytes on one line", "bad special token \"%s\"", special[s]);
        memcpy(t->special[s], special[s], len + 1);
    }

    /* Every token's bytes: a byte is itself; a merge is its two parts, glued. */
    t->bytes_start = XMALLOC((size_t)(t->vocab_size + 1) * sizeof *t->bytes_start);
    int64_t total = 256;
    for (int i = 0; i < n_merges; i++) {
        int32_t a = merges[i].left, b = merges[i].right;
        LLMLAB_CHECK(a >= 0 && b >= 0 && a < 256 + i && b < 256 + i, "merge i may only use tokens below 256 + i",
                     "tokenizer_init: merge %d (%d, %d) uses a token that does not exist yet", i, a, b);
    }
    /* lengths first, then the bytes */
    int64_t *len = XMALLOC((size_t)(256 + n_merges) * sizeof *len);
    for (int i = 0; i < 256; i++) len[i] = 1;
    for (int i = 0; i < n_merges; i++) {
        len[256 + i] = len[merges[i].left] + len[merges[i].right];
        total += len[256 + i];
    }
    for (int s = 0; s < n_special; s++) total += (int64_t)strlen(t->special[s]);
    t->bytes = XMALLOC((size_t)total);
    int64_t pos = 0;
    for (int i = 0; i < 256; i++) {
        t->bytes_start[i] = pos;
        t->bytes[pos++] = (uint8_t)i;
    }
    for (int i = 0; i < n_merges; i++) {
        int32_t a = merges[i].left, b = merges[i].right;
        t->bytes_start[256 + i] = pos;
        memcpy(t->bytes + pos, t->bytes + t->bytes_start[a], (size_t)len[a]);
        memcpy(t->bytes + pos + len[a], t->bytes + t->bytes_start[b], (size_t)len[b]);
        pos += len[256 + i];
    }
    for (int s = 0; s < n_special; s++) {
        size_t l = strlen(t->special[s]);
        t->bytes_start[256 + n_merges + s] = pos;
        memcpy(t->bytes + pos, t->special[s], l);
        pos += (int64_t)l;
    }
    t->bytes_start[t->vocab_size] = pos;
    free(len);

    /* pair -> merge index, for encoding */
    for (int i = 0; i < n_merges; i++) {
        uint64_t key = bpe_pair_key(merges[i].left, merges[i].right);
        int added;
        int64_t *rank = hashmap_upsert(&t->ranks, &key, sizeof key, &added);
        if (added) /* a repeated pair keeps its first index */
            *rank = i;
    }

    t->cache = XCALLOC(1, sizeof *t->cache);
    hashmap_init(&t->cache->map);
    t->cache->ids_cap = 4096;
    t->cache->ids = XMALLOC(t->cache->ids_cap * sizeof *t->cache->ids);
}

void tokenizer_free(Tokenizer *t) {
    if (t->cache) {
        hashmap_free(&t->cache->map);
        free(t->cache->ids);
        free(t->cache);
    }
    hashmap_free(&t->ranks);
    free(t->merges), free(t->bytes), free(t->bytes_start);
    memset(t, 0, sizeof *t);
}

int tokenizer_merge_rank(const Tokenizer *t, int32_t left, int32_t right) {
    uint64_t key = bpe_pair_key(left, right);
    int64_t rank;
    return hashmap_get(&t->ranks, &key, sizeof key, &rank) ? (int)rank : -1;
}

const uint8_t *tokenizer_token_bytes(const Tokenizer *t, int32_t id, size_t *len) {
    if (id < 0 || id >= t->vocab_size) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)(t->bytes_start[id + 1] - t->bytes_start[id]);
    return t->bytes + t->bytes_start[id];
}

size_t tokenizer_decoded_size(const Tokenizer *t, const int32_t *ids, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && ids[i] < t->vocab_size)
            total += (size_t)(t->bytes_start[ids[i] + 1] - t->bytes_start[ids[i]]);
    return total;
}

int tokenizer_special_id(const Tokenizer *t, const char *text) {
    for (int s = 0; s < t->n_special; s++)
        if (strcmp(t->special[s], text) == 0) return 256 + t->n_merges + s;
    return -1;
}

/* ---- encoding ---- */

/* One chunk: a short one through the cache and bpe_encode_chunk (yours), a
 * long one with the fast twin, which stays O(n log n) on a chunk of megabytes. */
static size_t encode_chunk_cached(Tokenizer *t, const uint8_t *s, size_t n, int32_t *out) {
    EncodeCache *c = t->cache;
    if (n > CACHE_MAX_CHUNK) return (size_t)bpe_encode_chunk_fast(t, s, (int)n, out);
    int64_t hit;
    if (hashmap_get(&c->map, s, n, &hit)) {
        size_t off = (size_t)(hit >> 8), cnt = (size_t)(hit & 0xFF);
        memcpy(out, c->ids + off, cnt * sizeof *out);
        return cnt;
    }
    size_t cnt = (size_t)bpe_encode_chunk(t, s, (int)n, out);
    if (c->map.n < CACHE_MAX_ENTRIES) {
        while (c->ids_len + cnt > c->ids_cap) c->ids = XREALLOC(c->ids, (c->ids_cap *= 2) * sizeof *c->ids);
        memcpy(c->ids + c->ids_len, out, cnt * sizeof *out);
        *hashmap_upsert(&c->map, s, n, NULL) = (int64_t)(c->ids_len << 8 | cnt);
        c->ids_len += cnt;
    }
    return cnt;
}

static size_t encode_plain(Tokenizer *t, const uint8_t *text, size_t n, int32_t *out) {
    size_t total = 0;
    for (size_t pos = 0; pos < n;) {
        size_t end = chunk_end(text, n, pos, t->pretokenize);
        total += encode_chunk_cached(t, text + pos, end - pos, out + total);
        pos = end;
    }
    return total;
}

/* The first special token at or after pos: its start, or n; its index in *which. */
static size_t find_special(const Tokenizer *t, const uint8_t *text, size_t n, size_t pos, int *which) {
    for (size_t i = pos; i < n; i++) {
        for (int s = 0; s < t->n_special; s++) {
            size_t l = strlen(t->special[s]);
            if ((uint8_t)t->special[s][0] == text[i] && i + l <= n && memcmp(text + i, t->special[s], l) == 0) {
                *which = s;
                return i;
            }
        }
    }
    return n;
}

size_t tokenizer_encode(Tokenizer *t, const uint8_t *text, size_t n, int allow_special, int32_t *out) {
    if (!allow_special || t->n_special == 0) return encode_plain(t, text, n, out);
    size_t total = 0;
    for (size_t pos = 0; pos < n;) {
        int which = -1;
        size_t at = find_special(t, text, n, pos, &which);
        total += encode_plain(t, text + pos, at - pos, out + total);
        if (at == n) break;
        out[total++] = 256 + t->n_merges + which;
        pos = at + strlen(t->special[which]);
    }
    return total;
}

/* ---- training ---- */

void tokenizer_train(Tokenizer *t, const uint8_t *text, size_t n, int vocab_size, int pretokenize,
                     const char *const *special, int n_special) {
    LLMLAB_CHECK(vocab_size >= 256 + n_special && vocab_size <= TOKENIZER_MAX_VOCAB,
                 "the 256 bytes and the special tokens are always in the vocabulary",
                 "a vocabulary of %d tokens is not in %d..%d", vocab_size, 256 + n_special, TOKENIZER_MAX_VOCAB);
    /* Progress bars on stderr, only once the work has taken a second. */
    double show_at = timer_now() + 1.0;
    ProgressBar bar;
    /* count chunks, skipping the text of special tokens */
    Tokenizer tmp;
    tokenizer_init(&tmp, NULL, 0, pretokenize, special, n_special);
    HashMap m;
    hashmap_init(&m);
    if (n > 0) progress_init_after(&bar, stderr, "tokenizer: counting words (bytes)", (long)n, show_at);
    for (size_t pos = 0; pos < n;) {
        int which = -1;
        size_t at = find_special(&tmp, text, n, pos, &which);
        count_chunks_progress(&m, text + pos, at - pos, pretokenize, &bar, pos);
        if (at == n) break;
        pos = at + strlen(tmp.special[which]);
    }
    if (n > 0) progress_finish(&bar);
    tokenizer_free(&tmp);
    BpeWords w = words_from_map(&m);
    hashmap_free(&m);
    int want = vocab_size - 256 - n_special;
    BpeMerge *merges = XMALLOC((size_t)(want ? want : 1) * sizeof *merges);
    if (want > 0) progress_init_after(&bar, stderr, "tokenizer: merges", want, show_at);
    int made = bpe_train_fast_progress(&w, want, merges, want > 0 ? &bar : NULL);
    if (want > 0 && made == want)
        progress_finish(&bar);
    else if (want > 0)
        progress_stop(&bar, "no pair left");
    bpe_words_free(&w);
    tokenizer_init(t, merges, made, pretokenize, special, n_special);
    free(merges);
}
