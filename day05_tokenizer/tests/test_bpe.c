/*
 * Day 5 tests, tokenizer half: UTF-8, the pre-tokeniser, the straightforward
 * BPE trainer (the Wikipedia example, ties, agreement with the fast trainer),
 * encoding and decoding (round trips of random bytes, Korean, emoji).
 * Each suite is one exercise (`make hint-day5 EX=<suite>`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "testing.h"
#include "tokenizer.h"
#include "utf8.h"

#define EXERCISE(name) TestSuite(name, .timeout = 30)
EXERCISE(utf8_decode);
EXERCISE(pretok_next);
EXERCISE(bpe_count_pairs);
EXERCISE(bpe_best_pair);
EXERCISE(bpe_merge_pair);
EXERCISE(bpe_train_simple);
EXERCISE(bpe_encode_chunk);
EXERCISE(tokenizer_decode);

static const uint8_t *u8(const char *s) { return (const uint8_t *)s; }

/* A printable form of bytes for messages: "a\xff" */
static const char *shown(const uint8_t *s, size_t n) {
    static char buf[4][160];
    static int which;
    char *out = buf[which++ % 4];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 150; i++)
        k += (size_t)(s[i] >= 0x20 && s[i] < 0x7F && s[i] != '"' ? snprintf(out + k, 160 - k, "%c", s[i])
                                                                 : snprintf(out + k, 160 - k, "\\x%02X", s[i]));
    out[k] = '\0';
    return out;
}

/* ---- UTF-8 ---- */

Test(utf8_decode, valid_characters_of_one_to_four_bytes) {
    static const struct {
        const char *s;
        int32_t cp;
        int len;
        const char *hint;
    } cases[] = {
        {"A", 'A', 1, "a byte below 0x80 is itself"},
        {"\x7F", 0x7F, 1, "0x7F is the last 1-byte character"},
        {"\xC3\xA9", 0xE9, 2, "110xxxxx: 2 bytes; keep b & 0x1F, then v = (v << 6) | (b & 0x3F)"}, /* é */
        {"\xC2\x80", 0x80, 2, "U+0080 is the smallest 2-byte value: reject only v < 0x80"},
        {"\xDF\xBF", 0x7FF, 2, "U+07FF is the largest 2-byte value"},
        {"\xE0\xA0\x80", 0x800, 3, "U+0800 is the smallest 3-byte value: reject only v < 0x800"},
        {"\xED\x95\x9C", 0xD55C, 3, "1110xxxx: 3 bytes; keep b & 0x0F"}, /* 한 */
        {"\xED\x9F\xBF", 0xD7FF, 3, "U+D7FF is just below the surrogates (U+D800..U+DFFF): valid"},
        {"\xEE\x80\x80", 0xE000, 3, "U+E000 is just above the surrogates (U+D800..U+DFFF): valid"},
        {"\xEF\xBF\xBF", 0xFFFF, 3, "U+FFFF is the largest 3-byte value"},
        {"\xF0\x90\x80\x80", 0x10000, 4, "U+10000 is the smallest 4-byte value: reject only v < 0x10000"},
        {"\xF0\x9F\x99\x82", 0x1F642, 4, "11110xxx: 4 bytes; keep b & 0x07"}, /* 🙂 */
        {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4, "U+10FFFF is the last code point: reject only v > 0x10FFFF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        for (int more = 0; more < 2; more++) { /* the character ends the text, or text follows */
            uint8_t buf[8];
            memcpy(buf, cases[i].s, n);
            buf[n] = 'x';
            int32_t cp = -7;
            int len = utf8_decode(buf, n + (size_t)more, &cp);
            cr_assert(len == cases[i].len && cp == cases[i].cp,
                      "utf8_decode(\"%s\", n = %zu): expected U+%04X in %d bytes, got %d (0x%X) in %d bytes\n"
                      "  hint: %s%s",
                      shown(buf, n + (size_t)more), n + (size_t)more, cases[i].cp, cases[i].len, cp, cp, len,
                      cases[i].hint,
                      more ? "" : " (here the character ends exactly at n: a length equal to n still fits)");
        }
    }
}

Test(utf8_decode, invalid_sequences_are_one_byte_of_minus_one) {
    /* n counts the bytes the function may read; the bytes after n in the
     * string are valid continuations, so reading past n is caught. */
    static const struct {
        const char *s;
        size_t n;
        const char *why;
    } cases[] = {
        {"\x80", 1, "a continuation byte (10xxxxxx) cannot start a character"},
        {"\xC3\xA9", 1,
         "truncated: a 2-byte lead with n = 1 (the byte after n is not yours to read: check the "
         "length against n before reading on)"},
        {"\xE2\x82\xAC", 2, "truncated: a 3-byte lead with n = 2 (check the length against n first)"},
        {"\xF0\x9F\x99\x82", 3, "truncated: a 4-byte lead with n = 3 (check the length against n first)"},
        {"\xC3\x41", 2, "the second byte 0x41 is not 10xxxxxx"},
        {"\xC3\xC3", 2,
         "the second byte 0xC3 = 11000011 is a lead byte, not 10xxxxxx: test the top two bits "
         "((b & 0xC0) == 0x80)"},
        {"\xC0\x80", 2, "overlong: 0 fits in one byte"},
        {"\xC1\xBF", 2, "overlong: U+007F fits in one byte (2-byte values start at 0x80)"},
        {"\xE0\x80\xAF", 3, "overlong: '/' written in 3 bytes"},
        {"\xE0\x9F\xBF", 3, "overlong: U+07FF fits in 2 bytes (3-byte values start at 0x800)"},
        {"\xF0\x8F\xBF\xBF", 4, "overlong: U+FFFF fits in 3 bytes (4-byte values start at 0x10000)"},
        {"\xED\xA0\x80", 3, "a surrogate (U+D800) is not a character"},
        {"\xED\xBF\xBF", 3, "a surrogate (U+DFFF, the last one) is not a character"},
        {"\xF4\x90\x80\x80", 4, "above U+10FFFF"},
        {"\xF8\x88\x80\x80\x80", 5, "11111xxx is no lead byte"},
        {"\xFC\x80\x80\x80", 4,
         "0xFC = 11111100 is no lead byte, even with three continuation bytes after it: "
         "a 4-byte lead is (b & 0xF8) == 0xF0"},
        {"\xFF", 1, "0xFF never appears in UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t cp = 42;
        int len = utf8_decode(u8(cases[i].s), cases[i].n, &cp);
        cr_assert(len == 1 && cp == -1,
                  "utf8_decode(\"%s\", n = %zu): expected an invalid byte (length 1, cp -1), got length %d, cp %d\n"
                  "  why it is invalid: %s\n  hint: check n before reading, then the continuation bytes, "
                  "then the value's range for its length",
                  shown(u8(cases[i].s), cases[i].n), cases[i].n, len, cp, cases[i].why);
    }
}

/* ---- pre-tokenising ---- */

/* Text for a message: newline, tab and CR as \n \t \r, other control
 * characters and bytes that are not UTF-8 as \xNN, whitespace beyond ASCII
 * as \uNNNN, the rest as it is. */
static const char *shown_text(const char *s, size_t n) {
    static char buf[4][400];
    static int which;
    char *out = buf[which++ % 4];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 380;) {
        int32_t cp;
        int len = utf8_char(u8(s) + i, n - i, &cp);
        if (cp == '\n' || cp == '\t' || cp == '\r')
            k += (size_t)snprintf(out + k, 400 - k, "\\%c", cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r');
        else if (cp < 0x20 || cp == 0x7F || cp == '"')
            k += (size_t)snprintf(out + k, 400 - k, "\\x%02X", (uint8_t)s[i]);
        else if (cp >= 0x80 && char_class(cp) == CC_SPACE) /* U+00A0, U+3000: visible as codes */
            k += (size_t)snprintf(out + k, 400 - k, "\\u%04X", (unsigned)cp);
        else
            memcpy(out + k, s + i, (size_t)len), k += (size_t)len;
        i += (size_t)len;
    }
    out[k] = '\0';
    return out;
}

/* Chunks joined by '|' shown as [a] [b] [c]. */
static const char *bracketed(const char *joined) {
    static char buf[2][800];
    static int which;
    char *out = buf[which++ % 2];
    size_t k = 0;
    for (const char *p = joined;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        k += (size_t)snprintf(out + k, sizeof buf[0] - k, "%s[%s]", k ? " " : "", shown_text(p, len));
        if (!bar || k >= sizeof buf[0] - 1) break;
        p = bar + 1;
    }
    return out;
}

/* Split text into chunks joined by '|'. */
static const char *split(const char *text, size_t n) {
    static char out[512];
    size_t k = 0, pos = 0;
    while (pos < n) {
        size_t end = pretok_next(u8(text), n, pos);
        cr_assert(end > pos && end <= n, "pretok_next(\"%s\", pos %zu) returned %zu: it must be in (pos, n]",
                  shown_text(text, n), pos, end);
        if (pos > 0) out[k++] = '|';
        memcpy(out + k, text + pos, end - pos);
        k += end - pos;
        pos = end;
    }
    out[k] = '\0';
    return out;
}

typedef struct PretokCase {
    const char *in, *want, *hint;
} PretokCase;

/* The expected chunks of every table below come from GPT-2's pattern, run
 * by tools/gpt2_split.py (`python3 tools/gpt2_split.py cases --check`
 * checks them all; `make test-tools` runs it). */
static void expect_chunks(const PretokCase *cases, size_t count, const char *rule) {
    for (size_t i = 0; i < count; i++) {
        const char *got = split(cases[i].in, strlen(cases[i].in));
        cr_assert(strcmp(got, cases[i].want) == 0,
                  "pretok_next: chunks of \"%s\": expected %s, got %s\n  hint: %s\n  the rule: %s",
                  shown_text(cases[i].in, strlen(cases[i].in)), bracketed(cases[i].want), bracketed(got), cases[i].hint,
                  rule);
    }
}
#define EXPECT_CHUNKS(cases, rule) expect_chunks(cases, sizeof cases / sizeof cases[0], rule)

Test(pretok_next, words_numbers_punctuation_and_spaces) {
    static const PretokCase cases[] = {
        /* PRETOK_CASES */
        {"Hello, world!", "Hello|,| world|!", "a space before a word belongs to the word"},
        {"It costs 42 dollars...", "It| costs| 42| dollars|...",
         "digits form their own runs, and the space before them joins them"},
        {"C3PO", "C|3|PO", "letters and digits are different classes"},
        {"$42.50 now", "$|42|.|50| now", "the number 42.50 is three chunks: digits, punctuation, digits"},
        {" lead", " lead", "a single space at the start joins the word"},
        {"a   b", "a|  | b", "a run of spaces gives its last space to the next word"},
        /* END_PRETOK_CASES */
    };
    EXPECT_CHUNKS(cases, "a chunk is a run of one class (letters, numbers, punctuation, whitespace); a plain space "
                         "before a run that is not whitespace belongs to that run");
}

Test(pretok_next, a_space_joins_the_run_after_it_whatever_its_class) {
    /* The space goes with what follows it, so " 42" and " ..." are chunks
     * like " the": a space is never encoded apart from its text when one
     * plain space precedes it. */
    static const PretokCase cases[] = {
        /* PRETOK_CASES */
        {"go 42", "go| 42", "a space before digits joins the digits: \" 42\""},
        {"wait ...", "wait| ...", "a space before punctuation joins it: \" ...\""},
        {"hi \xF0\x9F\x99\x82", "hi| \xF0\x9F\x99\x82", "a space before an emoji (punctuation class) joins it"},
        {"x \xEC\x84\xB8", "x| \xEC\x84\xB8", "a space before a Hangul letter joins it"},
        {"a  b", "a| | b", "two spaces: the first stays alone, the last joins b"},
        {"a \n", "a| \n", "a space before a newline is whitespace, not part of a word"},
        /* END_PRETOK_CASES */
    };
    EXPECT_CHUNKS(cases, "when the character at pos is a plain space and the next character is not whitespace "
                         "(any other class), step over the space and take the class of the next character");
}

Test(pretok_next, contractions_in_lower_case_only) {
    static const PretokCase cases[] = {
        /* PRETOK_CASES */
        {"don't", "don|'t", "an apostrophe followed by t is the chunk 't"},
        {"we'll they're I've", "we|'ll| they|'re| I|'ve", "'ll, 're and 've are chunks of three bytes"},
        {"he'd I'm it's", "he|'d| I|'m| it|'s", "'d, 'm and 's are chunks of two bytes"},
        {"I'M DON'T", "I|'|M| DON|'|T",
         "upper case is no contraction: the apostrophe is punctuation and the letter a word"},
        {"'sup", "'s|up", "the contraction rule comes first, even when letters follow it"},
        {"it''s", "it|''|s",
         "two apostrophes are a punctuation run; the contraction rule only looks at the start of a chunk"},
        {"x 's", "x| '|s", "a space before an apostrophe makes the punctuation chunk \" '\", not a contraction"},
        {"ok'", "ok|'", "an apostrophe at the very end: nothing follows it (check pos + 1 < n before reading)"},
        {"x'r", "x|'|r", "'r is not a contraction ('re is): look at the third byte only when it exists"},
        {"rock'n'roll", "rock|'|n|'|roll", "'n is not a contraction"},
        /* END_PRETOK_CASES */
    };
    EXPECT_CHUNKS(cases, "first of all, an apostrophe at pos followed by s, t, m or d (2 bytes) or re, ve, ll "
                         "(3 bytes), in lower case, is a chunk; otherwise the apostrophe is punctuation");
    /* The text goes on after n with the letters that would make a
     * contraction: they are not the function's to read. */
    static const struct {
        const char *buf;
        size_t n, pos, want;
    } cut[] = {{"ok's", 3, 2, 3}, {"x're", 3, 1, 2}, {"x'll", 3, 1, 2}};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        size_t got = pretok_next(u8(cut[i].buf), cut[i].n, cut[i].pos);
        cr_assert(got == cut[i].want,
                  "pretok_next(\"%s\", n = %zu, pos = %zu): expected %zu (the apostrophe alone, as the text ends "
                  "at n), got %zu\n  hint: the bytes after n are not part of the text: check pos + 1 < n and "
                  "pos + 2 < n before reading them",
                  cut[i].buf, cut[i].n, cut[i].pos, cut[i].want, got);
    }
}

Test(pretok_next, a_run_of_whitespace_gives_its_last_character_to_what_follows) {
    static const PretokCase cases[] = {
        /* PRETOK_CASES */
        {" \nb", " |\n|b",
         "the run \" \\n\" gives its last character, the newline, to what follows: \" \", \"\\n\", \"b\""},
        {"end.\n\nNext", "end|.|\n|\n|Next", "two newlines before a word: the last one stands alone"},
        {"a\t\tb", "a|\t|\t|b", "two tabs before a word: the last tab stands alone (a tab never joins a word)"},
        {"x\t y", "x|\t| y", "the run's last character is a plain space, so it joins y"},
        {"a \t b", "a| \t| b", "a run of space, tab, space: its last space joins b"},
        {"line\r\n\r\nx", "line|\r\n\r|\n|x", "any mix of whitespace is one run, and its last character is given back"},
        {"tail  ", "tail|  ", "whitespace at the very end of the text stays one run"},
        {"tail \n", "tail| \n", "whitespace at the very end of the text stays one run, whatever it ends in"},
        {"\tb", "\t|b", "a single tab is a chunk of its own: only a plain space joins a word"},
        {"a  \n  b", "a|  \n | b", "a run of five: the first four, then \" b\""},
        /* END_PRETOK_CASES */
    };
    EXPECT_CHUNKS(cases, "a run of whitespace (of any kinds) of two characters or more that a non-space follows "
                         "ends where its last character starts; a run that reaches the end stays whole");
}

Test(pretok_next, other_scripts_numbers_emoji_and_invalid_bytes) {
    static const PretokCase cases[] = {
        /* PRETOK_CASES */
        {"\xEC\x95\x88\xEB\x85\x95 \xEC\x84\xB8\xEC\x83\x81", "\xEC\x95\x88\xEB\x85\x95| \xEC\x84\xB8\xEC\x83\x81",
         "Hangul syllables are letters (char_class)"},
        {"\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8",
         "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4| \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8",
         "Korean words are letter runs, and the space joins the second"},
        {"caf\xC3\xA9 ok", "caf\xC3\xA9| ok",
         "a precomposed e with an acute accent (U+00E9) is a letter, so the word stays whole"},
        {"cafe\xCC\x81 ok", "cafe|\xCC\x81| ok",
         "a combining accent (U+0301) is a mark, not a letter: it is a punctuation chunk of its own"},
        {"\xD9\xA3\xD9\xA4 apples", "\xD9\xA3\xD9\xA4| apples", "Arabic-Indic digits are numbers (CC_DIGIT)"},
        {"x\xC2\xB2 \xC2\xBD", "x|\xC2\xB2| \xC2\xBD", "superscript two and one half are numbers (CC_DIGIT)"},
        {"hi \xF0\x9F\x99\x82\xF0\x9F\x99\x82!", "hi| \xF0\x9F\x99\x82\xF0\x9F\x99\x82!",
         "emoji are punctuation-like symbols: they run together with !"},
        {"a\xC2\xA0"
         "b",
         "a|\xC2\xA0|b", "U+00A0 (no-break space) is whitespace, but only a plain space joins a word"},
        {"a \xE3\x80\x80\xE3\x80\x80"
         "b",
         "a| \xE3\x80\x80|\xE3\x80\x80|b",
         "U+3000 (ideographic space) is whitespace: the last one stands alone; give back a whole character, not a "
         "byte"},
        {"a\x1C b", "a|\x1C| b", "U+001C is a control character, not whitespace for GPT-2: it is punctuation"},
        {"ab\xFF\xFE"
         "cd",
         "ab|\xFF\xFE|cd", "invalid bytes (cp -1) are CC_PUNCT and never join a word"},
        /* END_PRETOK_CASES */
    };
    EXPECT_CHUNKS(cases, "char_class gives every code point its class (Unicode letters, numbers, whitespace; the "
                         "rest is punctuation): group by it, and move by utf8_decode's length");
}

Test(pretok_next, never_cuts_a_character_and_covers_the_text) {
    /* random mixtures of ASCII, Hangul, emoji, accents, contractions and whitespace */
    static const char *pieces[] = {"a",
                                   "Z",
                                   "7",
                                   " ",
                                   " ",
                                   "\n",
                                   "\t",
                                   ".",
                                   "'",
                                   "s",
                                   "\xED\x95\x9C",
                                   "\xF0\x9F\x99\x82",
                                   "\xC3\xA9",
                                   "\xC2\xA0",
                                   "\xE3\x80\x80",
                                   "\xD9\xA3"};
    Rng rng;
    rng_init(&rng, 5);
    for (int trial = 0; trial < 300; trial++) {
        char text[256];
        size_t n = 0;
        int count = 1 + (int)rng_below(&rng, 40);
        for (int i = 0; i < count; i++) {
            const char *p = pieces[rng_below(&rng, sizeof pieces / sizeof pieces[0])];
            memcpy(text + n, p, strlen(p));
            n += strlen(p);
        }
        for (size_t pos = 0; pos < n;) {
            size_t end = pretok_next(u8(text), n, pos);
            cr_assert(end > pos && end <= n, "pretok_next(\"%s\", %zu) = %zu is not in (pos, n = %zu]",
                      shown_text(text, n), pos, end, n);
            cr_assert(end == n || ((uint8_t)text[end] & 0xC0) != 0x80,
                      "pretok_next(\"%s\", %zu) = %zu cuts a UTF-8 character in two\n"
                      "  hint: move by utf8_decode's length, never by one byte (and give back a whole "
                      "whitespace character: U+3000 is 3 bytes)",
                      shown_text(text, n), pos, end);
            pos = end;
        }
    }
}

/* ---- the straightforward trainer ---- */

/* words from (text, count) pairs, one word per entry */
static BpeWords make_words(const char *const *texts, const int64_t *counts, int n) {
    BpeWords w = {.n = n};
    size_t total = 0;
    for (int i = 0; i < n; i++) total += strlen(texts[i]);
    w.ids = calloc(total + 1, sizeof *w.ids);
    w.start = calloc((size_t)n, sizeof *w.start);
    w.len = calloc((size_t)n, sizeof *w.len);
    w.count = calloc((size_t)n, sizeof *w.count);
    int64_t pos = 0;
    for (int i = 0; i < n; i++) {
        w.start[i] = pos;
        w.len[i] = (int32_t)strlen(texts[i]);
        w.count[i] = counts[i];
        for (int j = 0; j < w.len[i]; j++) w.ids[pos++] = (uint8_t)texts[i][j];
    }
    return w;
}

Test(bpe_count_pairs, counts_every_adjacent_pair_times_the_word_count) {
    const char *texts[] = {"aaab", "ab", "b", "zzzz"};
    int64_t counts[] = {2, 3, 7, 1};
    BpeWords w = make_words(texts, counts, 4);
    int stride = 256;
    int32_t *table = calloc((size_t)stride * stride, sizeof *table);
    /* The table already holds counts: the function adds to them. */
    for (int i = 0; i < stride * stride; i++) table[i] = 100 + i % 7;
#define HELD(a, b) (100 + ((a)*stride + (b)) % 7)
    bpe_count_pairs(&w, table, stride, +1);
    int ab = table['a' * stride + 'b'] - HELD('a', 'b');
    cr_assert(table['a' * stride + 'b'] >= HELD('a', 'b'),
              "bpe_count_pairs: pair (a, b) held %d before the call and %d after it: the count was assigned\n"
              "  hint: add (+=) to counts[...], never assign (=): the table is shared by all words and all pairs, "
              "and it may hold counts already",
              HELD('a', 'b'), table['a' * stride + 'b']);
    cr_assert(ab == 5,
              "bpe_count_pairs: pair (a, b) in \"aaab\" x2 and \"ab\" x3: expected +5, got %+d\n"
              "  hint: add the word's count (count[k]), not 1, for every position of the pair",
              ab);
    int aa = table['a' * stride + 'a'] - HELD('a', 'a'), zz = table['z' * stride + 'z'] - HELD('z', 'z');
    cr_assert(aa == 4 && zz == 3,
              "bpe_count_pairs: pair (a, a) in \"aaab\" x2: expected +4, got %+d; pair (z, z) in \"zzzz\" x1: expected "
              "+3, got %+d\n  hint: overlapping pairs count each time: aaab has (a, a) at positions 0 and 1, zzzz "
              "has (z, z) at 0, 1 and 2; step j by one, never skip after a match",
              aa, zz);
    cr_assert(table['b' * stride + 'a'] == HELD('b', 'a'),
              "bpe_count_pairs: pair (b, a) never occurs, but it changed by %+d\n  hint: pairs are (ids[j], "
              "ids[j + 1]) inside one word only",
              table['b' * stride + 'a'] - HELD('b', 'a'));
    bpe_count_pairs(&w, table, stride, -1);
    for (int i = 0; i < stride * stride; i++)
        cr_assert(table[i] == HELD(i / stride, i % stride),
                  "bpe_count_pairs: after counting with sign +1 then -1 the table must hold what it held before; "
                  "pair (%d, %d) is %d, was %d\n  hint: multiply the count by sign",
                  i / stride, i % stride, table[i], HELD(i / stride, i % stride));
#undef HELD
    free(table);
    bpe_words_free(&w);
}

Test(bpe_best_pair, highest_count_then_smallest_ids) {
    const char *texts[] = {"zab", "cd", "ca"};
    int64_t counts[] = {1, 1, 1};
    BpeWords w = make_words(texts, counts, 3);
    int stride = 256;
    int32_t *table = calloc((size_t)stride * stride, sizeof *table);
    bpe_count_pairs(&w, table, stride, +1); /* the reference's, or yours */
    int64_t c = -1;
    BpeMerge m = bpe_best_pair(&w, table, stride, &c);
    cr_assert(m.left == 'a' && m.right == 'b' && c == 1,
              "bpe_best_pair: all four pairs occur once: expected (a, b) = (97, 98) with count 1, got (%d, %d) "
              "with %lld\n"
              "  hint: the tie rule: same count -> the smaller left id wins, then the smaller right id",
              m.left, m.right, (long long)c);
    table['c' * stride + 'd'] += 5; /* now (c, d) is the most frequent */
    m = bpe_best_pair(&w, table, stride, &c);
    cr_assert(m.left == 'c' && m.right == 'd' && c == 6,
              "bpe_best_pair: expected (c, d) with count 6, got (%d, %d) with %lld\n"
              "  hint: a higher count beats any tie rule",
              m.left, m.right, (long long)c);
    table['c' * stride + 'a'] += 5; /* a tie on the left id: c a (99,97) beats c d (99,100) */
    m = bpe_best_pair(&w, table, stride, &c);
    cr_assert(m.left == 'c' && m.right == 'a',
              "bpe_best_pair: (c, a) and (c, d) both have 6: expected (c, a), got (%d, %d)\n"
              "  hint: equal left ids -> the smaller right id",
              m.left, m.right);
    free(table);
    bpe_words_free(&w);

    const char *single[] = {"x", "y"};
    BpeWords lone = make_words(single, counts, 2);
    int32_t zero[1] = {0};
    m = bpe_best_pair(&lone, zero, 1, &c);
    cr_assert(m.left == -1 && m.right == -1 && c == 0,
              "bpe_best_pair: words of one token have no pairs: expected (-1, -1) and count 0, got (%d, %d), %lld",
              m.left, m.right, (long long)c);
    bpe_words_free(&lone);
}

static int ids_equal(const int32_t *a, const int32_t *b, int n) { return memcmp(a, b, (size_t)n * sizeof *a) == 0; }

/* "[1 2 3]": the n ids a function returned, n clamped to 0 .. cap (the buffer's size), so a
 * message shows what was returned and nothing beyond it. */
static const char *ids_str(const int32_t *ids, int n, int cap) {
    static char buf[4][420];
    static int which;
    char *out = buf[which++ % 4];
    int k = 0;
    if (n > cap) n = cap;
    out[k++] = '[';
    for (int i = 0; i < n; i++) {
        if (k > 360) {
            k += snprintf(out + k, 420 - (size_t)k, " ...");
            break;
        }
        k += snprintf(out + k, 420 - (size_t)k, i ? " %d" : "%d", ids[i]);
    }
    out[k++] = ']';
    out[k] = '\0';
    return out;
}

Test(bpe_merge_pair, left_to_right_without_overlaps) {
    int32_t aaa[] = {1, 1, 1}, want_aaa[] = {9, 1};
    int n = bpe_merge_pair(aaa, 3, (BpeMerge){1, 1}, 9);
    cr_assert(n == 2 && ids_equal(aaa, want_aaa, 2),
              "bpe_merge_pair: [1 1 1] merging (1, 1) -> 9: expected [9 1], got %s (length %d)\n"
              "  hint: after a merge, skip both tokens (i += 2), so the second 1 is not used twice",
              ids_str(aaa, n, 3), n);
    int32_t abab[] = {1, 2, 1, 2, 3}, want_abab[] = {7, 7, 3};
    n = bpe_merge_pair(abab, 5, (BpeMerge){1, 2}, 7);
    cr_assert(n == 3 && ids_equal(abab, want_abab, 3),
              "bpe_merge_pair: [1 2 1 2 3] merging (1, 2) -> 7: expected [7 7 3], got %s (length %d)",
              ids_str(abab, n, 5), n);
    int32_t none[] = {2, 1, 3}, want_none[] = {2, 1, 3};
    n = bpe_merge_pair(none, 3, (BpeMerge){1, 2}, 7);
    cr_assert(n == 3 && ids_equal(none, want_none, 3),
              "bpe_merge_pair: [2 1 3] has no (1, 2): expected it unchanged, got %s (length %d)", ids_str(none, n, 3),
              n);
}

Test(bpe_merge_pair, never_reads_or_writes_past_n) {
    /* The buffer holds more than the n ids, and the id right after them is the
     * pair's second token: reading ids[n] would merge across the end, as the
     * trainer would merge across two words (they are stored back to back). */
    static const struct {
        int32_t buf[6];
        int n;
        int32_t want[6];
        int want_n;
    } cases[] = {
        {{5, 1, 2, 2, 2, 2}, 2, {5, 1}, 2},
        {{1, 2, 1, 2, 9, 9}, 3, {7, 1}, 2},
        {{1, 2, 9, 9, 9, 9}, 1, {1}, 1},
        {{3, 1, 1, 2, 9, 9}, 3, {3, 1, 1}, 3},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int32_t ids[6];
        memcpy(ids, cases[c].buf, sizeof ids);
        int n = cases[c].n;
        int got_n = bpe_merge_pair(ids, n, (BpeMerge){1, 2}, 7);
        const char *in = ids_str(cases[c].buf, n, 6), *want = ids_str(cases[c].want, cases[c].want_n, 6);
        int over = got_n >= 1 && got_n <= n && ids[got_n - 1] == 7 && cases[c].want[cases[c].want_n - 1] == 1;
        cr_assert(got_n == cases[c].want_n && ids_equal(ids, cases[c].want, got_n),
                  "bpe_merge_pair: %s (n = %d) merging (1, 2) -> 7, with ids[n] = %d stored right after the n ids: "
                  "expected %s (length %d), got %s (length %d)%s\n"
                  "  hint: check i + 1 < n before reading ids[i + 1]: ids[n] is not part of the array (in the "
                  "trainer it is the first token of the next word)",
                  in, n, cases[c].buf[n], want, cases[c].want_n, ids_str(ids, got_n, 6), got_n,
                  over ? ": you read ids[n], past the end, and merged the last id with it" : "");
        for (int k = n; k < 6; k++)
            cr_assert(ids[k] == cases[c].buf[k],
                      "bpe_merge_pair: %s (n = %d) merging (1, 2) -> 7 changed ids[%d] from %d to %d, past the end "
                      "n = %d\n  hint: write only ids[0 .. n): the write index never passes the read index, and "
                      "the read index stays below n",
                      in, n, k, cases[c].buf[k], ids[k], n);
    }
}

/* ---- why a later merge differs: a diagnosis that does not use your functions ---- */

/* bpe_merge_pair as plain loops, so the diagnosis below does not depend on yours. */
static int merge_plain(int32_t *ids, int n, BpeMerge m, int32_t new_id) {
    int out = 0;
    for (int i = 0; i < n; i++) {
        if (i + 1 < n && ids[i] == m.left && ids[i + 1] == m.right)
            ids[out++] = new_id, i++;
        else
            ids[out++] = ids[i];
    }
    return out;
}

/* How often pair p occurs in w, each word weighted by its count, overlaps counted. */
static int64_t occurrences(const BpeWords *w, BpeMerge p) {
    int64_t c = 0;
    for (int k = 0; k < w->n; k++)
        for (int j = 0; j + 1 < w->len[k]; j++)
            if (w->ids[w->start[k] + j] == p.left && w->ids[w->start[k] + j + 1] == p.right) c += w->count[k];
    return c;
}

/*
 * Merges 0 .. i-1 of bpe_train_simple were right and merge i is `yours`, not
 * `want`. mine and replay are two fresh copies of the words it trained on.
 * Train mine with your bpe_train_simple for i merges and replay the right
 * merges on the other copy: different words mean the rewriting is wrong;
 * the same words mean the count table no longer matches them (stale
 * counts). Frees both copies and returns the hint.
 */
static const char *later_merge_hint(BpeWords *mine, BpeWords *replay, const BpeMerge *right, int i, BpeMerge yours,
                                    BpeMerge want) {
    static char hint[1400], done[40];
    if (i <= 2)
        snprintf(done, sizeof done, i == 1 ? "merge 0 is" : "merges 0 and 1 are");
    else
        snprintf(done, sizeof done, "merges 0 to %d are", i - 1);
    BpeMerge *tmp = calloc((size_t)i + 1, sizeof *tmp);
    int32_t *fresh_len = malloc((size_t)mine->n * sizeof *fresh_len); /* room each word has */
    memcpy(fresh_len, mine->len, (size_t)mine->n * sizeof *fresh_len);
    bpe_train_simple(mine, i, tmp);
    free(tmp);
    for (int r = 0; r < i; r++)
        for (int k = 0; k < replay->n; k++)
            replay->len[k] = merge_plain(replay->ids + replay->start[k], replay->len[k], right[r], 256 + r);
    for (int k = 0; k < replay->n; k++) {
        if (mine->len[k] == replay->len[k] &&
            ids_equal(mine->ids + mine->start[k], replay->ids + replay->start[k], replay->len[k]))
            continue;
        snprintf(hint, sizeof hint,
                 "%s right, but the words are not: after them, word %d should be %s, and your "
                 "bpe_train_simple(w, %d, ...) leaves it as %s (length %d). Rewrite every word after each merge "
                 "with bpe_merge_pair(w->ids + w->start[k], w->len[k], best, 256 + i): merge i creates token "
                 "256 + i, and w->len[k] takes the new length it returns. A merge that joins the last token "
                 "of one word to the first of the next means bpe_merge_pair reads past n (its own tests check it)",
                 done, k, ids_str(replay->ids + replay->start[k], replay->len[k], replay->len[k]), i,
                 ids_str(mine->ids + mine->start[k], mine->len[k], fresh_len[k]), mine->len[k]);
        free(fresh_len), bpe_words_free(mine), bpe_words_free(replay);
        return hint;
    }
    free(fresh_len);
    int64_t ny = occurrences(replay, yours), nw = occurrences(replay, want);
    if (ny <= nw)
        snprintf(hint, sizeof hint,
                 "%s right and so are the words after them, yet (%d, %d), which occurs %lld time(s) in those "
                 "words, beat (%d, %d), which occurs %lld time(s)%s. So your count table no longer matches the "
                 "words: stale pair counts. Counts of earlier rounds are still in it, among them pairs that a "
                 "merge has since removed. Take the counts back out (bpe_count_pairs with sign -1) right after "
                 "bpe_best_pair, before any word is rewritten, so the table is all zero again; or clear it and "
                 "recount every round (a faster trainer subtracts the old pairs of each rewritten word and adds "
                 "its new ones)",
                 done, yours.left, yours.right, (long long)ny, want.left, want.right, (long long)nw,
                 ny == nw ? " (a tie, which the smaller left id, then right id, decides)" : "");
    else
        snprintf(hint, sizeof hint,
                 "%s right and so are the words after them; (%d, %d) occurs %lld time(s) in those words and "
                 "(%d, %d) %lld time(s): check that bpe_best_pair reads the count of each pair it visits and keeps "
                 "the highest (its own tests: `make check-day5`)",
                 done, yours.left, yours.right, (long long)ny, want.left, want.right, (long long)nw);
    bpe_words_free(mine), bpe_words_free(replay);
    return hint;
}

Test(bpe_train_simple, the_wikipedia_example) {
    /* Note 03 and https://en.wikipedia.org/wiki/Byte_pair_encoding: aaabdaaabac -> ZabdZabac -> ZYdZYac
     * -> XdXac, where Z = aa is token 256, Y = ab is 257 and X = ZY = aaab is 258. */
    const char *texts[] = {"aaabdaaabac"};
    int64_t counts[] = {1};
    BpeWords w = make_words(texts, counts, 1);
    BpeMerge m[5] = {{-9, -9}, {-9, -9}, {-9, -9}};
    const BpeMerge right[3] = {{'a', 'a'}, {'a', 'b'}, {256, 257}};
    int made = bpe_train_simple(&w, 3, m);
    cr_assert(made == 3, "bpe_train_simple on aaabdaaabac, 3 merges asked: expected 3 made, got %d", made);
    cr_assert(m[0].left == 'a' && m[0].right == 'a',
              "bpe_train_simple on aaabdaaabac: merge 0: expected (a, a) = (97, 97), got (%d, %d)\n"
              "  hint: aa occurs 4 times (overlaps count), ab twice: check bpe_count_pairs and bpe_best_pair",
              m[0].left, m[0].right);
    for (int i = 1; i < 3; i++) {
        if (m[i].left == right[i].left && m[i].right == right[i].right) continue;
        BpeWords mine = make_words(texts, counts, 1), replay = make_words(texts, counts, 1);
        const char *hint = later_merge_hint(&mine, &replay, right, i, m[i], right[i]);
        cr_assert_fail("bpe_train_simple on aaabdaaabac: merge %d: expected %s, got (%d, %d)\n  hint: %s", i,
                       i == 1 ? "(a, b) = (97, 98), which makes token 257 = ab (note 03; Wikipedia's Y)"
                              : "(256, 257), that is aa followed by ab, which makes token 258 = aaab (note 03; "
                                "Wikipedia's X = ZY)",
                       m[i].left, m[i].right, hint);
    }
    int32_t want[] = {258, 'd', 258, 'a', 'c'};
    cr_assert(w.len[0] == 5 && ids_equal(w.ids, want, 5),
              "bpe_train_simple: the word aaabdaaabac after training: expected [258 100 258 97 99] (aaab d aaab a c), "
              "got %s (length %d)\n  hint: store bpe_merge_pair's new length in w->len[k]",
              ids_str(w.ids, w.len[0], 11), w.len[0]);
    bpe_words_free(&w);
}

Test(bpe_train_simple, stops_when_no_pair_is_left) {
    const char *texts[] = {"ab", "c"};
    int64_t counts[] = {3, 1};
    BpeWords w = make_words(texts, counts, 2);
    BpeMerge m[10];
    int made = bpe_train_simple(&w, 10, m);
    cr_assert(made == 1,
              "bpe_train_simple: words \"ab\" and \"c\" allow exactly 1 merge; asked for 10, got %d\n"
              "  hint: stop when the best pair's count is 0",
              made);
    bpe_words_free(&w);
}

/* A text with structure: words from a small vocabulary of made-up syllables. */
static char *synthetic_text(size_t n, uint64_t seed) {
    static const char *syll[] = {"ka", "ri", "mo", "the", "an", "ing", "e", "s", "\xED\x95\x9C", "\xEA\xB8\x80"};
    Rng rng;
    rng_init(&rng, seed);
    char *t = malloc(n + 16);
    size_t k = 0;
    while (k < n) {
        int parts = 1 + (int)rng_below(&rng, 4);
        for (int i = 0; i < parts && k < n; i++) {
            const char *s = syll[rng_below(&rng, 10)];
            memcpy(t + k, s, strlen(s));
            k += strlen(s);
        }
        t[k++] = rng_below(&rng, 9) == 0 ? '\n' : rng_below(&rng, 5) == 0 ? ',' : ' ';
    }
    t[k] = '\0';
    return t;
}

Test(bpe_train_simple, agrees_with_the_fast_trainer) {
    char *text = synthetic_text(30000, 3);
    for (int pretok = 1; pretok >= 0; pretok--) {
        BpeWords a = bpe_words_from_text(u8(text), strlen(text), pretok);
        BpeWords b = bpe_words_from_text(u8(text), strlen(text), pretok);
        BpeMerge ma[300], mb[300];
        int na = bpe_train_simple(&a, 300, ma), nb = bpe_train_fast(&b, 300, mb);
        for (int i = 0; i < na && i < nb; i++) {
            if (ma[i].left == mb[i].left && ma[i].right == mb[i].right) continue;
            if (i == 0)
                cr_assert_fail("bpe_train_simple, %s mode, merge 0: yours is (%d, %d), the fast trainer's is "
                               "(%d, %d)\n  hint: the very first merge differs, so the first count or pick does: "
                               "check bpe_count_pairs and bpe_best_pair (the tie rule: higher count, then smaller "
                               "left id, then smaller right id)",
                               pretok ? "words" : "bytes", ma[i].left, ma[i].right, mb[i].left, mb[i].right);
            BpeWords mine = bpe_words_from_text(u8(text), strlen(text), pretok);
            BpeWords replay = bpe_words_from_text(u8(text), strlen(text), pretok);
            const char *hint = later_merge_hint(&mine, &replay, mb, i, ma[i], mb[i]);
            cr_assert_fail("bpe_train_simple, %s mode, merge %d: yours is (%d, %d), the fast trainer's is "
                           "(%d, %d)\n  hint: %s",
                           pretok ? "words" : "bytes", i, ma[i].left, ma[i].right, mb[i].left, mb[i].right, hint);
        }
        cr_assert(na == nb,
                  "bpe_train_simple, %s mode, 300 merges asked: yours made %d merges, the fast trainer "
                  "%d (the first %d agree)\n  hint: return the number of merges stored, and stop only "
                  "when the best pair's count is 0",
                  pretok ? "words" : "bytes", na, nb, na < nb ? na : nb);
        bpe_words_free(&a), bpe_words_free(&b);
    }
    free(text);
    EXPECT_NO_LEAKS();
}

/* ---- encoding and decoding ---- */

/* The hint for a wrong encoding: names ids that are no token, or that a merge of rank -1 made. */
static const char *encode_hint(const Tokenizer *t, const uint8_t *s, int len, const int32_t *got, int n, int cap,
                               const char *hint) {
    static char out[900];
    int has_ff = 0;
    for (int i = 0; i < len; i++) has_ff |= s[i] == 0xFF;
    for (int i = 0; i < n && i < cap; i++) {
        if (got[i] == 255 && !has_ff) {
            snprintf(out, sizeof out,
                     "id 255 = 256 + (-1) came out, but the input has no byte 255: you merged a "
                     "pair of rank -1. tokenizer_merge_rank returns -1 when a pair is not a "
                     "merge: rank -1 means no merge, skip it (keep the smallest rank r >= 0; "
                     "stop when there is none). %s",
                     hint);
            return out;
        }
        if (got[i] < 0 || got[i] >= 256 + t->n_merges) {
            snprintf(out, sizeof out,
                     "id %d is no token of this tokenizer (ids 0 .. %d): the new id of merge "
                     "rank r is 256 + r, for a rank r >= 0 that tokenizer_merge_rank returned "
                     "(rank -1 means no merge: skip it). %s",
                     got[i], 255 + t->n_merges, hint);
            return out;
        }
    }
    return hint;
}

static void wiki_tokenizer(Tokenizer *t) {
    BpeMerge m[] = {{'a', 'a'}, {'a', 'b'}, {256, 257}};
    tokenizer_init(t, m, 3, 0, NULL, 0);
}

Test(bpe_encode_chunk, applies_merges_in_the_order_they_were_learned) {
    Tokenizer t;
    wiki_tokenizer(&t);
    int32_t out[32];
    int n = bpe_encode_chunk(&t, u8("aaabdaaabac"), 11, out);
    int32_t want[] = {258, 'd', 258, 'a', 'c'};
    cr_assert(n == 5 && ids_equal(out, want, 5),
              "bpe_encode_chunk: merges 0 = (a, a), 1 = (a, b), 2 = (256, 257); encoding aaabdaaabac: expected "
              "[258 100 258 97 99], got %s (length %d)\n  hint: %s",
              ids_str(out, n, 32), n,
              encode_hint(&t, u8("aaabdaaabac"), 11, out, n, 32,
                          "Repeat: merge the pair with the smallest rank everywhere, until no adjacent pair is a "
                          "merge"));
    n = bpe_encode_chunk(&t, u8("aab"), 3, out);
    int32_t want2[] = {256, 'b'};
    cr_assert(n == 2 && ids_equal(out, want2, 2),
              "bpe_encode_chunk: merges 0 = (a, a), 1 = (a, b), 2 = (256, 257); encoding aab: expected [256 98] "
              "(aa is merge 0), got %s (length %d)\n  hint: %s",
              ids_str(out, n, 32), n,
              encode_hint(&t, u8("aab"), 3, out, n, 32,
                          "merge the pair with the smallest rank, everywhere, until no pair is a merge"));
    tokenizer_free(&t);

    /* (b, c) was learned before (a, b): in "abc" the later merge comes first from the left */
    BpeMerge later_left[] = {{'b', 'c'}, {'a', 'b'}};
    tokenizer_init(&t, later_left, 2, 0, NULL, 0);
    for (int i = 0; i < 32; i++) out[i] = -7;
    n = bpe_encode_chunk(&t, u8("abc"), 3, out);
    int32_t want3[] = {'a', 256};
    cr_assert(n == 2 && ids_equal(out, want3, 2),
              "bpe_encode_chunk: merges 0 = (b, c), 1 = (a, b); encoding abc: expected [97 256] (a, bc), got %s "
              "(length %d)\n  hint: %s",
              ids_str(out, n, 32), n,
              encode_hint(&t, u8("abc"), 3, out, n, 32,
                          "of all the adjacent pairs that are merges, take the one with the smallest rank (learned "
                          "first), not the first one from the left: (a, b) comes first but was learned later"));
    n = bpe_encode_chunk(&t, u8("x"), 1, out);
    cr_assert(n == 1 && out[0] == 'x',
              "bpe_encode_chunk: encoding x (one byte, no pair): expected [120], got %s (length %d)\n  hint: %s",
              ids_str(out, n, 32), n,
              encode_hint(&t, u8("x"), 1, out, n, 32, "copy the bytes into out first; with no pair, return n"));
    tokenizer_free(&t);
}

Test(bpe_encode_chunk, reproduces_the_training_segmentation) {
    char *text = synthetic_text(20000, 9);
    BpeWords w = bpe_words_from_text(u8(text), strlen(text), 1);
    BpeWords copy = bpe_words_from_text(u8(text), strlen(text), 1);
    BpeMerge m[200];
    int made = bpe_train_fast(&w, 200, m);
    Tokenizer t;
    tokenizer_init(&t, m, made, 1, NULL, 0);
    int32_t out[256];
    uint8_t bytes[256];
    for (int k = 0; k < copy.n; k++) {
        int len = copy.len[k];
        for (int j = 0; j < len; j++) bytes[j] = (uint8_t)copy.ids[copy.start[k] + j];
        int n = bpe_encode_chunk(&t, bytes, len, out);
        cr_assert(n == w.len[k] && ids_equal(out, w.ids + w.start[k], n),
                  "bpe_encode_chunk: word \"%s\" (%d bytes), with the %d merges trained on this corpus: training "
                  "left it as %s (length %d), your encoding gives %s (length %d)\n  hint: %s",
                  shown(bytes, (size_t)len), len, made, ids_str(w.ids + w.start[k], w.len[k], w.len[k]), w.len[k],
                  ids_str(out, n, 256), n,
                  encode_hint(&t, bytes, len, out, n, 256,
                              "encoding must replay the merges in the order they were learned: each round, the "
                              "adjacent pair of smallest rank, merged everywhere"));
    }
    tokenizer_free(&t);
    bpe_words_free(&w), bpe_words_free(&copy);
    free(text);
    EXPECT_NO_LEAKS();
}

Test(tokenizer_decode, concatenates_the_bytes_of_each_token) {
    Tokenizer t;
    wiki_tokenizer(&t);
    int32_t ids[] = {258, 'd', 258, 'a', 'c', 9999, -1};
    uint8_t out[64] = {0};
    size_t n = tokenizer_decode(&t, ids, 7, out);
    cr_assert(n == 11 && memcmp(out, "aaabdaaabac", 11) == 0,
              "tokenizer_decode: decoding [258 100 258 97 99 9999 -1]: expected \"aaabdaaabac\" (11 bytes), got "
              "\"%s\" (%zu)\n"
              "  hint: token 258 is the bytes aaab; skip ids that tokenizer_token_bytes returns NULL for",
              shown(out, n), n);
    tokenizer_free(&t);
}

Test(tokenizer_decode, any_bytes_round_trip) {
    char *text = synthetic_text(20000, 11);
    const char *special[] = {TOKENIZER_EOT};
    Tokenizer t;
    tokenizer_train(&t, u8(text), strlen(text), 600, 1, special, 1);
    free(text);
    static const char *fixed[] = {"",
                                  "hello, world",
                                  "\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94",
                                  "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ok",
                                  "a<|endoftext|>b",
                                  "\xFF\xC3(\xED\xA0\x80",
                                  "\0zero\0",
                                  "   \n\n\t x"};
    Rng rng;
    rng_init(&rng, 77);
    uint8_t in[600], back[600];
    int32_t ids[600];
    for (int trial = 0; trial < 300; trial++) {
        size_t n;
        if (trial < 8) {
            n = trial == 6 ? 6 : strlen(fixed[trial]);
            memcpy(in, fixed[trial], n);
        } else {
            n = rng_below(&rng, 500);
            for (size_t i = 0; i < n; i++) /* all bytes, or mostly text */
                in[i] = trial % 2 ? (uint8_t)rng_below(&rng, 256) : (uint8_t)("ka rimo,\n"[rng_below(&rng, 9)]);
        }
        size_t nt = tokenizer_encode(&t, in, n, trial == 4, ids);
        size_t nb = tokenizer_decode(&t, ids, nt, back);
        cr_assert(nb == n && memcmp(in, back, n) == 0,
                  "tokenizer_decode: round trip of \"%s\" (%zu bytes): decode(encode(x)) gave %zu bytes \"%s\"\n"
                  "  hint: every token's bytes, in order, nothing added or lost",
                  shown(in, n), n, nb, shown(back, nb));
    }
    tokenizer_free(&t);
    EXPECT_NO_LEAKS();
}
