/**
 * @file tokenizer.h
 * @brief Day 5: a byte-level BPE tokenizer: UTF-8, pre-tokenising, training, encoding.
 *
 * Token ids, for a tokenizer with M merges and S special tokens:
 *
 * | ids                  | what                                              |
 * |----------------------|---------------------------------------------------|
 * | 0 .. 255             | the 256 single bytes (so any input can be encoded) |
 * | 256 .. 255+M         | merge i makes token 256+i from its (left, right)  |
 * | 256+M .. 255+M+S     | special tokens such as `<|endoftext|>`            |
 *
 * **The tie rule.** Training merges the most frequent adjacent pair; among
 * pairs with the same count it takes the smallest left id, then the smallest
 * right id. Both trainers follow it, so they make identical merges.
 *
 * **Words.** Training never merges across the boundary of a *chunk*: with
 * pre-tokenising on (the default) a chunk is a word, a number, a run of
 * punctuation, a contraction such as `'s` or a run of whitespace, cut by
 * GPT-2's rules (pretok_next()); in plain byte mode a chunk is a line. A corpus is reduced to its distinct chunks and their counts
 * (a BpeWords) before any pair is counted.
 *
 * Exercises (bpe.c): utf8_decode(), pretok_next(), bpe_count_pairs(),
 * bpe_best_pair(), bpe_merge_pair(), bpe_train_simple(), bpe_encode_chunk(),
 * tokenizer_decode(). The rest is given: the fast trainer (bpe_fast.c), the
 * tokenizer object (tokenizer.c) and its file format (tokenizer_file.c).
 */
#ifndef LLMLAB_TOKENIZER_H
#define LLMLAB_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

/* ------------------------------------------------------------------------- */
/** @name UTF-8 and pre-tokenising
 *  @{ */

/**
 * Decode the UTF-8 character that starts at @p s (with @p n > 0 bytes left).
 * Stores its code point in @p cp and returns its length in bytes (1 to 4).
 * An invalid sequence (a stray continuation byte, a truncated or overlong
 * sequence, a surrogate, a value above U+10FFFF) is one byte long and stores
 * @p cp = -1, so a caller always moves forward. The tokenizer uses yours;
 * the rest of the course checks UTF-8 with its own copy (common/utf8.h).
 */
int utf8_decode(const uint8_t *s, size_t n, int32_t *cp);

/**
 * The character classes the pre-tokeniser groups by: GPT-2's \\p{L}, \\p{N}
 * and \\s, for every Unicode code point (tables in char_classes.h).
 */
typedef enum CharClass {
    CC_LETTER, /**< Unicode letters (categories L*): ASCII letters, é, Hangul, kana, CJK, ... */
    CC_DIGIT,  /**< Unicode numbers (categories N*): 0-9, Arabic-Indic ٣, superscript ², ½, Ⅻ */
    CC_SPACE,  /**< Unicode whitespace: tab, newline, vertical tab, form feed, CR, space, U+0085, U+00A0, U+3000, ... */
    CC_PUNCT,  /**< everything else: punctuation, symbols, emoji, combining accents, controls, invalid bytes */
} CharClass;

/** The class of code point @p cp (-1, an invalid byte, is CC_PUNCT). Given. */
CharClass char_class(int32_t cp);

/**
 * The end of the chunk that starts at byte @p pos of @p text (of @p n bytes),
 * by GPT-2's rules, so that llama.cpp's "gpt2" pre-tokenizer cuts any UTF-8
 * text exactly as we do. At @p pos, the first rule that applies decides:
 *
 * 1. **A contraction**: an apostrophe followed by `s`, `t`, `m`, `d`, `re`,
 *    `ve` or `ll`, in lower case, is a chunk of its own.
 * 2. **A word, a number or a punctuation run**, with at most one plain space
 *    (U+0020) in front: a run of letters, of numbers, or of characters that
 *    are neither letters, numbers nor whitespace.
 * 3. **A run of whitespace** (of any kinds, mixed). When a non-space
 *    character follows it and it holds two characters or more, its last
 *    character is left for the next chunk. At the end of the text the run
 *    stays whole.
 *
 * Never splits a valid UTF-8 character. Returns a position in (pos, n].
 * Examples, each chunk in brackets:
 * @code
 * Hello, world!     [Hello] [,] [ world] [!]
 * don't we'll       [don] ['t] [ we] ['ll]
 * I'M               [I] ['] [M]             (upper case: no contraction)
 * It costs 42...    [It] [ costs] [ 42] [...]
 * a   b             [a] [  ] [ b]           (the last space goes to b)
 * " \nb"            [ ] [\n] [b]            (the last whitespace, \n, stands alone)
 * "\n\nb"           [\n] [\n] [b]
 * "x\t y"           [x] [\t] [ y]
 * "tail  "          [tail] [  ]             (whitespace at the end stays whole)
 * café ٣٤ 한국어    [café] [ ٣٤] [ 한국어]
 * @endcode
 */
size_t pretok_next(const uint8_t *text, size_t n, size_t pos);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Training
 *  @{ */

/** One merge: tokens @p left and @p right, side by side, become a new token. */
typedef struct BpeMerge {
    int32_t left, right;
} BpeMerge;

/**
 * A corpus reduced to distinct chunks ("words") and how often each occurs.
 * Word w is ids[start[w] .. start[w] + len[w]) and occurs count[w] times.
 * Training rewrites ids and len in place as it merges.
 */
typedef struct BpeWords {
    int n;          /**< number of distinct words */
    int32_t *ids;   /**< all words' token ids, back to back */
    int64_t *start; /**< (n) where each word starts in ids */
    int32_t *len;   /**< (n) each word's current length in tokens */
    int64_t *count; /**< (n) occurrences of each word in the corpus */
} BpeWords;

/** A pair as one 64-bit key, for the hash tables of pairs (trainer and encoder). */
static inline uint64_t bpe_pair_key(int32_t left, int32_t right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

/**
 * Split @p text into chunks (pre-tokenising with pretok_next() when
 * @p pretokenize, else lines) and count the distinct ones. Given.
 */
BpeWords bpe_words_from_text(const uint8_t *text, size_t n, int pretokenize);
void bpe_words_free(BpeWords *w);

/**
 * Add @p sign times count[w] to counts[left * stride + right] for every
 * adjacent pair (left, right) of every word w. Overlapping pairs count each
 * time: "aaa" holds the pair (a, a) twice. With sign = -1 the same call takes
 * the counts back out, so the table can be reused without clearing it all.
 */
void bpe_count_pairs(const BpeWords *w, int32_t *counts, int stride, int sign);

/**
 * The pair to merge next: the highest count in @p counts (as filled by
 * bpe_count_pairs()) among pairs that occur in the words, ties broken by the
 * smallest left id, then the smallest right id. Stores its count in
 * @p count; returns {-1, -1} with count 0 when no word has two tokens left.
 */
BpeMerge bpe_best_pair(const BpeWords *w, const int32_t *counts, int stride, int64_t *count);

/**
 * Replace every occurrence of @p m in ids[0 .. n) by @p new_id, scanning
 * from left to right ("aaa" with (a, a) becomes [X, a]). Works in place and
 * returns the new length. Reads and writes only ids[0 .. n): whatever
 * follows (the next word, in the trainer) is neither read nor changed.
 */
int bpe_merge_pair(int32_t *ids, int n, BpeMerge m, int32_t new_id);

/**
 * The straightforward trainer: up to @p n_merges times, count all pairs, take
 * the best, merge it in every word. Writes the merges to @p out (merge i makes
 * token 256 + i) and returns how many it made (fewer when no pair is left).
 * Needs a (256 + n_merges)^2 table of int32 counts, so n_merges is at most
 * 8000 (256 MB).
 */
int bpe_train_simple(BpeWords *w, int n_merges, BpeMerge *out);

/**
 * The incremental trainer (bpe_fast.c, given): same result as
 * bpe_train_simple(), but after a merge it updates only the counts around
 * the places that changed, and a priority queue yields the best pair.
 */
int bpe_train_fast(BpeWords *w, int n_merges, BpeMerge *out);

struct ProgressBar;
/** bpe_train_fast() that reports the merges made so far on @p bar (of n_merges units; NULL: none). */
int bpe_train_fast_progress(BpeWords *w, int n_merges, BpeMerge *out, struct ProgressBar *bar);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name The tokenizer
 *  @{ */

#define TOKENIZER_MAX_VOCAB 65536 /**< ids fit in 16 bits (token files store uint16) */
#define TOKENIZER_MAX_SPECIAL 16
#define TOKENIZER_MAX_SPECIAL_LEN 64
#define TOKENIZER_EOT "<|endoftext|>"
#define TOKENIZER_FILE_VERSION 2 /**< 2 adds the checksum line; version 1 is read inside checkpoints only */

typedef struct Tokenizer {
    int pretokenize; /**< 1: chunks from pretok_next() (GPT-2's rules, "mode gpt2"); 0: lines ("mode bytes") */
    int n_merges;
    BpeMerge *merges; /**< (n_merges) merge i makes token 256 + i */
    int n_special;
    char special[TOKENIZER_MAX_SPECIAL][TOKENIZER_MAX_SPECIAL_LEN + 1];
    int vocab_size; /**< 256 + n_merges + n_special */
    /* derived by tokenizer_init(): */
    uint8_t *bytes;            /**< every token's bytes, back to back */
    int64_t *bytes_start;      /**< (vocab_size + 1) token t is bytes[bytes_start[t] .. bytes_start[t+1]) */
    HashMap ranks;             /**< bpe_pair_key() of a merge's pair -> its index, for encoding */
    struct EncodeCache *cache; /**< chunk -> ids, so frequent words are encoded once */
} Tokenizer;

/**
 * Build a tokenizer around @p merges (copied) and the special tokens
 * (each 1 to 64 bytes, no newline). Dies with a message on bad arguments.
 */
void tokenizer_init(Tokenizer *t, const BpeMerge *merges, int n_merges, int pretokenize, const char *const *special,
                    int n_special);
void tokenizer_free(Tokenizer *t);

/**
 * Train a tokenizer of @p vocab_size tokens (including the 256 bytes and
 * the special tokens) on @p text with the fast trainer. The special tokens
 * are not trained on: their text is cut out of the corpus first.
 */
void tokenizer_train(Tokenizer *t, const uint8_t *text, size_t n, int vocab_size, int pretokenize,
                     const char *const *special, int n_special);

/** The merge index of the pair (left, right), or -1 when it is not a merge. Given. */
int tokenizer_merge_rank(const Tokenizer *t, int32_t left, int32_t right);

/**
 * Encode one chunk of @p n bytes (n >= 1) into @p out (room for n ids):
 * start from its bytes, then repeatedly merge the adjacent pair with the
 * lowest merge index (the one training learned first), everywhere in the
 * chunk, until no adjacent pair is a merge. Returns the number of ids.
 */
int bpe_encode_chunk(const Tokenizer *t, const uint8_t *s, int n, int32_t *out);

/**
 * The fast twin of bpe_encode_chunk() (bpe_fast.c, given): the same
 * contract and the same ids, in O(n log n) instead of a pass over the chunk
 * per merge applied. tokenizer_encode() uses it for chunks longer than 64
 * bytes (a long URL, a text without spaces), yours for the rest.
 */
int bpe_encode_chunk_fast(const Tokenizer *t, const uint8_t *s, int n, int32_t *out);

/**
 * Encode @p n bytes of text into @p out (room for n ids; no token is shorter
 * than a byte). With @p allow_special, the text of a special token becomes
 * its id; otherwise it is encoded as ordinary text. Returns the number of ids.
 */
size_t tokenizer_encode(Tokenizer *t, const uint8_t *text, size_t n, int allow_special, int32_t *out);

/**
 * Write the bytes of @p n tokens to @p out (room for
 * tokenizer_decoded_size() bytes) and return how many were written. Ids out
 * of range (those tokenizer_token_bytes() returns NULL for) are skipped.
 */
size_t tokenizer_decode(const Tokenizer *t, const int32_t *ids, size_t n, uint8_t *out);

/** The number of bytes tokenizer_decode() writes for these ids. Given. */
size_t tokenizer_decoded_size(const Tokenizer *t, const int32_t *ids, size_t n);

/**
 * Token @p id's bytes (not NUL-terminated), their length in @p len. For an
 * id out of range (negative, or @p id >= vocab_size) it returns NULL and
 * sets @p len to 0: a caller skips such an id rather than copying from NULL
 * (memcpy from NULL is undefined behaviour, even for 0 bytes).
 */
const uint8_t *tokenizer_token_bytes(const Tokenizer *t, int32_t id, size_t *len);

/** The id of a special token by its text, or -1. */
int tokenizer_special_id(const Tokenizer *t, const char *text);

/** Whether @p id is a special token (they come after the bytes and the merges). */
static inline int tokenizer_is_special(const Tokenizer *t, int32_t id) { return id >= 256 + t->n_merges; }
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Files
 *  Given (tokenizer_file.c). A tokenizer file is text, one fact per line, readable in an editor;
 *  the last line is the CRC-32 of every byte before it (in hex), so a file cut short or
 *  changed anywhere is refused rather than read as another tokenizer:
 *  @code
 *  llmlab-bpe 2
 *  mode gpt2
 *  special <|endoftext|>
 *  merges 3
 *  32 116
 *  104 101
 *  256 257
 *  crc32 23d0bd84
 *  @endcode
 *  Version 1 was the same without the checksum line. Checkpoints store this
 *  text too (under their own checksum), and those of version 1 still load.
 *
 *  The mode says how text is cut into chunks: `gpt2` by pretok_next() (GPT-2's
 *  rules), `bytes` into lines. Before the course followed GPT-2's rules,
 *  pre-tokenised files said `mode words`; such a file, or a checkpoint that
 *  holds one, is refused with a message: its merges, and any model trained
 *  on its tokens, were made from other chunks, so encoding with today's
 *  rules would silently give the model sequences it never saw (and GGUF
 *  exports would not match). corpus_open() trains such a cached tokenizer
 *  again by itself; the new mode line also changes the tokenizer's hash, so
 *  token files are made again too.
 *  @{ */

/** Serialise to a malloc'd NUL-terminated string, checksum line included (stored inside checkpoints too). */
char *tokenizer_to_text(const Tokenizer *t, size_t *len);

/**
 * Parse a tokenizer from @p len bytes of @p text, of version 2 (checksum
 * verified) or 1 (no checksum: what older checkpoints hold). Returns 0 on
 * success; on failure returns -1 and writes one line saying what is wrong
 * and on which line into @p err (of @p err_size bytes). Never dies: any
 * bytes are safe.
 */
int tokenizer_from_text(Tokenizer *t, const char *text, size_t len, char *err, size_t err_size);

/**
 * Write @p path atomically (llmlab_open_temp() and llmlab_commit_file():
 * a unique temporary file, then a rename). Returns 0, or -1 with the reason
 * in @p err; the old file, if any, is then as it was.
 */
int tokenizer_write(const Tokenizer *t, const char *path, char *err, size_t err_size);
/** tokenizer_write() that dies with the message on failure. */
void tokenizer_save(const Tokenizer *t, const char *path);
/**
 * Load the tokenizer file @p path, which must be of version 2 (a file
 * carries its own checksum); on failure writes why into @p err and returns -1.
 */
int tokenizer_load(Tokenizer *t, const char *path, char *err, size_t err_size);
/** @} */

#endif
