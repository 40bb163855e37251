/*
 * Fuzz target for token files (day05_tokenizer/tokens.c): any bytes either
 * open, with every token below the vocabulary size, or give -1 with a message.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_to_file(data, size, "tokens");
    if (path == NULL) return 0;
    TokenFile tf;
    char err[300] = "";
    if (token_file_open(&tf, path, err, sizeof err) == 0) {
        for (size_t i = 0; i < tf.n; i++)
            if (tf.tokens[i] >= tf.vocab_size) abort();
        token_file_close(&tf);
    } else if (err[0] == '\0') {
        abort();
    }
    unlink(path);
    return 0;
}
