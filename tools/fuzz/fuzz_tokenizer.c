/*
 * Fuzz target for the tokenizer file (day05_tokenizer/tokenizer_file.c): any bytes
 * either parse, or give -1 with a message. A file that parses must describe a
 * working tokenizer: it prints back to text that parses to the same merges,
 * and a sample of text round-trips through encode and decode.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Tokenizer t, again;
    char err[256] = "";
    if (tokenizer_from_text(&t, (const char *)data, size, err, sizeof err) != 0) {
        if (err[0] == '\0') abort(); /* an error must say what went wrong */
        return 0;
    }
    size_t len;
    char *text = tokenizer_to_text(&t, &len);
    if (tokenizer_from_text(&again, text, len, err, sizeof err) != 0 || again.n_merges != t.n_merges ||
        again.n_special != t.n_special || memcmp(again.merges, t.merges, (size_t)t.n_merges * sizeof *t.merges) != 0)
        abort();
    static const uint8_t sample[] = "The quick brown fox, 42 times!\n\xED\x95\x9C\xFF<|endoftext|> ok";
    int32_t ids[sizeof sample];
    uint8_t back[sizeof sample + 64];
    size_t n = tokenizer_encode(&t, sample, sizeof sample - 1, 1, ids);
    if (tokenizer_decoded_size(&t, ids, n) != sizeof sample - 1 ||
        tokenizer_decode(&t, ids, n, back) != sizeof sample - 1 || memcmp(back, sample, sizeof sample - 1) != 0)
        abort();
    free(text);
    tokenizer_free(&again);
    tokenizer_free(&t);
    return 0;
}
