/*
 * Fuzz target for the IDX reader (common/idx.c): whatever bytes a file holds,
 * idx_load() must either load it or return -1 with a message, never crash,
 * hang or leak.
 *
 *   make fuzz                    (libFuzzer, FUZZ_SECONDS per target)
 *   build/fuzz/replay_idx FILE...   replays a corpus without libFuzzer (make test does)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/llmlab_fuzz_idx_%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    IdxArray a;
    char err[256];
    if (idx_load(path, &a, err, sizeof err) == 0) {
        size_t n = 1;  /* a loaded array must be as large as its header says */
        for (int d = 0; d < a.ndim; d++) n *= a.dims[d];
        if (n != a.size || a.data == NULL) abort();
        idx_free(&a);
    } else if (err[0] == '\0') {
        abort();  /* an error must say what went wrong */
    }
    unlink(path);
    return 0;
}

#ifdef LLMLAB_FUZZ_REPLAY
/* Without libFuzzer: run every file named on the command line once. */
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("replayed %d input(s)\n", argc - 1);
    return 0;
}
#endif
