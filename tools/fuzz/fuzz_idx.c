/*
 * Fuzz target for the IDX reader (common/idx.c): whatever bytes a file holds,
 * idx_load() must either load it or return -1 with a message, never crash,
 * hang or leak.
 *
 *   make fuzz                    (libFuzzer, FUZZ_SECONDS per target)
 *   build/fuzz/replay_idx FILE...   replays a corpus without libFuzzer (make test does it)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_to_file(data, size, "idx");
    if (path == NULL) return 0;
    IdxArray a;
    char err[256];
    if (idx_load(path, &a, err, sizeof err) == 0) {
        size_t n = 1; /* a loaded array must be as large as its header says */
        for (int d = 0; d < a.ndim; d++) n *= a.dims[d];
        if (n != a.size || a.data == NULL) abort();
        idx_free(&a);
    } else if (err[0] == '\0') {
        abort(); /* an error must say what went wrong */
    }
    unlink(path);
    return 0;
}
