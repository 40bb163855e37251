/**
 * @file utf8.h
 * @brief Checking and decoding UTF-8, for the course's own tools.
 *
 * Day 5 has the learner write utf8_decode() (tokenizer.h), and the
 * pre-tokeniser uses it. The rest of the course (the llmlab program checking
 * its input, the chat file parser, the corpus collector, the report) must not
 * depend on an exercise: with `MINE=1` a learner's bug there would change how
 * a file is checked. So those use this copy, with the same rules:
 *
 * - 1 byte `0xxxxxxx`, 2 `110xxxxx 10xxxxxx`, 3 `1110xxxx` and 4 `11110xxx`
 *   followed by two or three `10xxxxxx`;
 * - not valid: a stray continuation byte, a lead byte that starts no
 *   character (0xC0, 0xC1, 0xF5 to 0xFF), a sequence cut short (by a wrong
 *   byte or by the end of the input), an overlong form (a value that fits in
 *   fewer bytes), a surrogate (U+D800 to U+DFFF) and anything above U+10FFFF.
 *
 * A NUL byte is valid UTF-8 (U+0000); a caller that refuses it says so.
 */
#ifndef LLMLAB_UTF8_H
#define LLMLAB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/**
 * The character that starts at @p s, with @p n >= 1 bytes left: stores its
 * code point in @p cp and returns its length in bytes (1 to 4). An invalid
 * sequence is one byte long and stores @p cp = -1, so a loop that adds the
 * length always moves forward. Reads at most @p n bytes.
 */
int utf8_char(const uint8_t *s, size_t n, int32_t *cp);

/** The offset of the first invalid sequence in the @p n bytes at @p s, or @p n when all are valid UTF-8. */
size_t utf8_first_invalid(const uint8_t *s, size_t n);

/** 1 when the @p n bytes at @p s are all valid UTF-8. */
static inline int utf8_valid(const uint8_t *s, size_t n) { return utf8_first_invalid(s, n) == n; }

#endif
