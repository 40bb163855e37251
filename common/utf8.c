/* Checking and decoding UTF-8 (utf8.h). */
#include "utf8.h"

int utf8_char(const uint8_t *s, size_t n, int32_t *cp) {
    uint8_t b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    /* The lead byte gives the length; the allowed range of the second byte
     * rules out what the bits alone would let through: E0 and F0 would start
     * overlong forms below A0 and 90, ED would start surrogates from A0 on,
     * F4 would go past U+10FFFF from 90 on. */
    int len;
    int32_t v;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2, v = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF)
        len = 3, v = b & 0x0F, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    else if (b >= 0xF0 && b <= 0xF4)
        len = 4, v = b & 0x07, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    else
        goto invalid; /* a continuation byte, C0, C1 (always overlong), F5..FF */
    if (n < (size_t)len || s[1] < lo || s[1] > hi) goto invalid;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) goto invalid;
        v = v << 6 | (s[k] & 0x3F);
    }
    *cp = v;
    return len;
invalid:
    *cp = -1;
    return 1;
}

size_t utf8_first_invalid(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) { /* ASCII: most text, no call */
            i++;
            continue;
        }
        int32_t cp;
        int len = utf8_char(s + i, n - i, &cp);
        if (cp < 0) return i;
        i += (size_t)len;
    }
    return n;
}
