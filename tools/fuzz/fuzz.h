/*
 * Shared by the fuzz targets (tools/fuzz/fuzz_*.c). Each target defines
 * LLVMFuzzerTestOneInput(); libFuzzer calls it with generated inputs
 * (`make fuzz`), and replay.c calls it with the committed corpus (`make test`).
 * A target calls abort() when a parser breaks its promise: crashes, hangs and
 * leaks are caught by the sanitizers.
 */
#ifndef LLMLAB_FUZZ_H
#define LLMLAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write the input to a per-process temporary file (for parsers that read files). */
static inline const char *fuzz_to_file(const uint8_t *data, size_t size, const char *name) {
    static char path[96];
    snprintf(path, sizeof path, "/tmp/llmlab_fuzz_%s_%d", name, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL) return NULL;
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

#endif
