/*
 * Fuzz target for checkpoints (day05_tokenizer/checkpoint.c): any bytes either
 * load completely (and save back to the same bytes) or give -1 with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_to_file(data, size, "ckpt");
    if (path == NULL) return 0;
    char copy[128];
    snprintf(copy, sizeof copy, "%s.again", path);
    Checkpoint c;
    char err[300] = "";
    if (checkpoint_load(path, &c, err, sizeof err) == 0) {
        if (checkpoint_save(copy, &c, err, sizeof err) != 0) abort();
        FILE *f = fopen(copy, "rb");
        uint8_t *again = malloc(size + 1);
        size_t n = f ? fread(again, 1, size + 1, f) : 0;
        if (f) fclose(f);
        /* the same bytes, except what follows the NUL in the 32-byte kind (and so the CRC) */
        int same_kind = n == size && memcmp(again + 12, data + 12, 32) == 0;
        if (n != size || memcmp(again, data, 12) != 0 || memcmp(again + 44, data + 44, size - 48) != 0 ||
            (same_kind && memcmp(again + size - 4, data + size - 4, 4) != 0))
            abort();
        free(again);
        unlink(copy);
        checkpoint_free(&c);
    } else if (err[0] == '\0') {
        abort();
    }
    unlink(path);
    return 0;
}
