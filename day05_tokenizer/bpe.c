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
    TODO_UNIMPLEMENTED();
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
    TODO_UNIMPLEMENTED();
}

void bpe_count_pairs(const BpeWords *w, int32_t *counts, int stride, int sign) {
    /* TODO(day5): for each word, for each position j with a next token, add
     * sign * count[word] to counts[ids[j] * stride + ids[j + 1]]. */
    TODO_UNIMPLEMENTED();
}

BpeMerge bpe_best_pair(const BpeWords *w, const int32_t *counts, int stride, int64_t *count) {
    /* TODO(day5): visit every adjacent pair of every word (that is where the
     * non-zero counts are) and keep the best by the tie rule: higher count
     * wins; for equal counts the smaller left id, then the smaller right id. */
    TODO_UNIMPLEMENTED();
}

int bpe_merge_pair(int32_t *ids, int n, BpeMerge m, int32_t new_id) {
    /* TODO(day5): read with one index and write with another. Where ids[i] and
     * ids[i + 1] are the pair, write new_id and skip both; else copy ids[i].
     * Check i + 1 < n before reading ids[i + 1]: ids[n] is not part of the
     * array, and in the trainer it is the first token of the next word. */
    TODO_UNIMPLEMENTED();
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
    TODO_UNIMPLEMENTED();
    free(counts);
    return made;
}

int bpe_encode_chunk(const Tokenizer *t, const uint8_t *s, int n, int32_t *out) {
    /* TODO(day5): copy the bytes into out. Then loop: find the adjacent pair
     * whose tokenizer_merge_rank() is smallest, skipping rank -1 (not a merge);
     * if there is none, stop; else merge it everywhere with bpe_merge_pair
     * (the merge t->merges[rank], new id 256 + rank). */
    TODO_UNIMPLEMENTED();
}

size_t tokenizer_decode(const Tokenizer *t, const int32_t *ids, size_t n, uint8_t *out) {
    /* TODO(day5): for each id, ask tokenizer_token_bytes for its bytes and
     * copy them to the end of out. An id out of range (negative, or
     * vocab_size and above) gets NULL and length 0: skip it (continue), for
     * memcpy(out, NULL, 0) is undefined behaviour even with a length of 0
     * (SAN=1 reports it). Return the total length. */
    TODO_UNIMPLEMENTED();
}
