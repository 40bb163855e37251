/*
 * Day 5 exercises: UTF-8, the pre-tokeniser, the straightforward BPE trainer,
 * encoding a chunk and decoding. Contracts and shapes are in tokenizer.h.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "todo.h"
#include "tokenizer.h"

int utf8_decode(const uint8_t *s, size_t n, int32_t *cp) {
    /* TODO(day5): read the lead byte: 0xxxxxxx is 1 byte, 110xxxxx 2, 1110xxxx 3,
     * 11110xxx 4. Each following byte must be 10xxxxxx and adds 6 bits. Reject
     * (length 1, *cp = -1) a bad lead byte, a missing or bad continuation byte,
     * an overlong form (a value that fits in fewer bytes), a surrogate
     * (U+D800..U+DFFF) and anything above U+10FFFF. */
    /* BEGIN SOLUTION */
    static const int32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint8_t b = s[0];
    int len;
    int32_t v;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2, v = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, v = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, v = b & 0x07;
    } else {
        *cp = -1;
        return 1;
    }
    if ((size_t)len > n) {
        *cp = -1;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min_for_len[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return len;
    /* END SOLUTION */
}

size_t pretok_next(const uint8_t *text, size_t n, size_t pos) {
    /* TODO(day5): GPT-2's rules, tried in this order (tokenizer.h has examples).
     * Step 1, contractions: if the byte at pos is an apostrophe followed by
     * s, t, m or d, the chunk is those 2 bytes ("'s"); followed by re, ve or
     * ll, those 3 bytes ("'ll"). Lower case only: "'S" is no contraction.
     * Read a byte after pos only when it is before n.
     * Step 2: decode the character at pos (utf8_decode) and take its class
     * (char_class). If it is a plain space ' ' (not a tab or newline) and a
     * next character exists that is not CC_SPACE, step over the space and take
     * the next character's class instead (" world", " 42", " ...").
     * Step 3: extend the run while the class stays the same, moving by
     * utf8_decode's length and remembering where the run's last character
     * starts.
     * Step 4: a run of whitespace that stopped before n (a non-space follows)
     * and holds two characters or more ends where its last character starts:
     * that character, whatever whitespace it is, starts the next chunk
     * ("a   b": "a", "  ", " b"; " \nb": " ", "\n", "b"). A single
     * whitespace character, or a run that reaches n, stays whole. */
    /* BEGIN SOLUTION */
    if (text[pos] == '\'' && pos + 1 < n) {
        uint8_t a = text[pos + 1], b = pos + 2 < n ? text[pos + 2] : 0;
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
    }
    int32_t cp;
    size_t i = pos;
    int len = utf8_decode(text + i, n - i, &cp);
    CharClass cls = char_class(cp);
    if (cp == ' ' && i + 1 < n) {
        int32_t next;
        utf8_decode(text + i + 1, n - i - 1, &next);
        if (char_class(next) != CC_SPACE) {
            i += 1;
            len = utf8_decode(text + i, n - i, &cp);
            cls = char_class(cp);
        }
    }
    i += (size_t)len;
    size_t last_start = i - (size_t)len; /* where the run's last character starts */
    while (i < n) {
        len = utf8_decode(text + i, n - i, &cp);
        if (char_class(cp) != cls) break;
        last_start = i;
        i += (size_t)len;
    }
    if (cls == CC_SPACE && i < n && last_start > pos) i = last_start;
    return i;
    /* END SOLUTION */
}

void bpe_count_pairs(const BpeWords *w, int32_t *counts, int stride, int sign) {
    /* TODO(day5): for each word, for each position j with a next token, add
     * sign * count[word] to counts[ids[j] * stride + ids[j + 1]]. */
    /* BEGIN SOLUTION */
    for (int k = 0; k < w->n; k++) {
        const int32_t *ids = w->ids + w->start[k];
        int32_t c = (int32_t)(sign * w->count[k]);
        for (int j = 0; j + 1 < w->len[k]; j++) counts[(size_t)ids[j] * (size_t)stride + (size_t)ids[j + 1]] += c;
    }
    /* END SOLUTION */
}

BpeMerge bpe_best_pair(const BpeWords *w, const int32_t *counts, int stride, int64_t *count) {
    /* TODO(day5): visit every adjacent pair of every word (that is where the
     * non-zero counts are) and keep the best by the tie rule: higher count
     * wins; for equal counts the smaller left id, then the smaller right id. */
    /* BEGIN SOLUTION */
    BpeMerge best = {-1, -1};
    int64_t best_count = 0;
    for (int k = 0; k < w->n; k++) {
        const int32_t *ids = w->ids + w->start[k];
        for (int j = 0; j + 1 < w->len[k]; j++) {
            int32_t a = ids[j], b = ids[j + 1];
            int64_t c = counts[(size_t)a * (size_t)stride + (size_t)b];
            if (c > best_count || (c == best_count && (a < best.left || (a == best.left && b < best.right)))) {
                best = (BpeMerge){a, b};
                best_count = c;
            }
        }
    }
    *count = best_count;
    return best;
    /* END SOLUTION */
}

int bpe_merge_pair(int32_t *ids, int n, BpeMerge m, int32_t new_id) {
    /* TODO(day5): read with one index and write with another. Where ids[i] and
     * ids[i + 1] are the pair, write new_id and skip both; else copy ids[i].
     * Check i + 1 < n before reading ids[i + 1]: ids[n] is not part of the
     * array, and in the trainer it is the first token of the next word. */
    /* BEGIN SOLUTION */
    int out = 0;
    for (int i = 0; i < n; i++) {
        if (i + 1 < n && ids[i] == m.left && ids[i + 1] == m.right) {
            ids[out++] = new_id;
            i++;
        } else {
            ids[out++] = ids[i];
        }
    }
    return out;
    /* END SOLUTION */
}

int bpe_train_simple(BpeWords *w, int n_merges, BpeMerge *out) {
    LLMLAB_CHECK(n_merges >= 0 && n_merges <= 8000, "use bpe_train_fast for bigger vocabularies",
                 "bpe_train_simple: n_merges %d is not in 0..8000", n_merges);
    int stride = 256 + n_merges;
    int32_t *counts = XCALLOC((size_t)stride * (size_t)stride, sizeof *counts);
    int made = 0;
    /* TODO(day5): for i = 0 .. n_merges-1: count the pairs, take the best (stop
     * when its count is 0), take the counts back out (sign -1) before any word
     * changes, so the table is all zero again, record the merge in out[i], and
     * merge it in every word (bpe_merge_pair, new id 256 + i; update len). Set
     * made. Counts left in the table (stale counts) would add the pairs of
     * words that no longer exist to the next round's. */
    /* BEGIN SOLUTION */
    for (int i = 0; i < n_merges; i++) {
        int64_t count;
        bpe_count_pairs(w, counts, stride, +1);
        BpeMerge best = bpe_best_pair(w, counts, stride, &count);
        bpe_count_pairs(w, counts, stride, -1);
        if (count == 0) break;
        out[i] = best;
        for (int k = 0; k < w->n; k++) w->len[k] = bpe_merge_pair(w->ids + w->start[k], w->len[k], best, 256 + i);
        made = i + 1;
    }
    /* END SOLUTION */
    free(counts);
    return made;
}

int bpe_encode_chunk(const Tokenizer *t, const uint8_t *s, int n, int32_t *out) {
    /* TODO(day5): copy the bytes into out. Then loop: find the adjacent pair
     * whose tokenizer_merge_rank() is smallest, skipping rank -1 (not a merge);
     * if there is none, stop; else merge it everywhere with bpe_merge_pair
     * (the merge t->merges[rank], new id 256 + rank). */
    /* BEGIN SOLUTION */
    for (int i = 0; i < n; i++) out[i] = s[i];
    for (;;) {
        int best = -1;
        for (int i = 0; i + 1 < n; i++) {
            int r = tokenizer_merge_rank(t, out[i], out[i + 1]);
            if (r >= 0 && (best < 0 || r < best)) best = r;
        }
        if (best < 0) break;
        n = bpe_merge_pair(out, n, t->merges[best], 256 + best);
    }
    return n;
    /* END SOLUTION */
}

size_t tokenizer_decode(const Tokenizer *t, const int32_t *ids, size_t n, uint8_t *out) {
    /* TODO(day5): for each id, ask tokenizer_token_bytes for its bytes and
     * copy them to the end of out. An id out of range (negative, or
     * vocab_size and above) gets NULL and length 0: skip it (continue), for
     * memcpy(out, NULL, 0) is undefined behaviour even with a length of 0
     * (SAN=1 reports it). Return the total length. */
    /* BEGIN SOLUTION */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const uint8_t *b = tokenizer_token_bytes(t, ids[i], &len);
        if (!b) continue;
        memcpy(out + total, b, len);
        total += len;
    }
    return total;
    /* END SOLUTION */
}
