/*
 * Fuzz target for encoding (pretok_next, bpe_encode_chunk, the cache, special
 * tokens): any bytes, valid UTF-8 or not, must encode to ids that decode to
 * exactly the same bytes, in both modes, with and without special tokens;
 * pretok_next never cuts a valid UTF-8 character; and the fast encoder of long
 * chunks gives the plain encoder's ids for the whole input taken as one chunk.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tokenizer.h"
#include "utf8.h" /* the course's own decoder, not the one under test */

static Tokenizer tok[2];
static int ready;

static void setup(void) {
    static const char corpus[] =
        "the theme of the thesis then there these 1234 1234 !!! ... \xED\x95\x9C\xEA\xB8\x80 \xED\x95\x9C\xEA\xB8\x80 "
        "<|endoftext|>aaaa bbbb aaaa\n\n  x  y\tz \xF0\x9F\x99\x82\xF0\x9F\x99\x82";
    const char *special[] = {"<|endoftext|>", "<|user|>"};
    for (int mode = 0; mode < 2; mode++)
        tokenizer_train(&tok[mode], (const uint8_t *)corpus, sizeof corpus - 1, 330, mode, special, 2);
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ready) setup();
    if (size > 100000) return 0;
    for (size_t pos = 0; pos < size;) {
        size_t end = pretok_next(data, size, pos);
        if (end <= pos || end > size) abort();
        /* A lead byte at s whose valid character reaches past end would be cut in two. */
        if (end < size) {
            size_t s0 = end;
            while (s0 > 0 && end - s0 < 3 && (data[s0] & 0xC0) == 0x80) s0--;
            int32_t cp;
            if (s0 < end && utf8_char(data + s0, size - s0, &cp) > (int)(end - s0) && cp >= 0) abort();
        }
        pos = end;
    }
    int32_t *ids = malloc((size + 1) * sizeof *ids);
    uint8_t *back = malloc(size + 1);
    for (int mode = 0; mode < 2; mode++)
        for (int special = 0; special < 2; special++) {
            size_t n = tokenizer_encode(&tok[mode], data, size, special, ids);
            if (n > size || tokenizer_decode(&tok[mode], ids, n, back) != size || memcmp(back, data, size) != 0)
                abort();
        }
    int32_t *fast = malloc((size + 1) * sizeof *fast);
    if (size >= 1 && size <= 300) /* past 64 bytes the fast one; the plain is slow on long ones */
        for (int mode = 0; mode < 2; mode++) {
            int np = bpe_encode_chunk(&tok[mode], data, (int)size, ids);
            int nf = bpe_encode_chunk_fast(&tok[mode], data, (int)size, fast);
            if (np != nf || memcmp(ids, fast, (size_t)np * sizeof *ids) != 0) abort();
        }
    free(fast);
    free(ids);
    free(back);
    return 0;
}
