/**
 * @file idx.h
 * @brief Read IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped.
 *
 * An IDX file is a 4-byte magic (two zero bytes, a type code, the number of
 * dimensions), then each dimension as a big-endian u32, then the data in
 * row-major order. The datasets ship gzipped; zlib's gzread() reads both
 * gzipped and plain files, so either works.
 *
 * Only unsigned bytes (type 0x08), the type of both datasets, are accepted.
 * A missing, truncated or foreign file is a clear error, never a crash.
 */
#ifndef LLMLAB_IDX_H
#define LLMLAB_IDX_H

#include <stddef.h>
#include <stdint.h>

#define IDX_MAX_DIMS 4

typedef struct IdxArray {
    int ndim; /**< 1 for labels, 3 for images (count, rows, cols) */
    uint32_t dims[IDX_MAX_DIMS];
    size_t size;   /**< product of dims: the number of bytes in data */
    uint8_t *data; /**< row-major, owned by the array: idx_free() */
} IdxArray;

/**
 * Load an IDX file (gzipped or not). On any problem, writes one line to
 * @p err (size @p errsize) and returns -1, leaving @p out empty; else 0.
 * Use idx_load_or_die() when an error should end the program.
 */
int idx_load(const char *path, IdxArray *out, char *err, size_t errsize);

/** idx_load() that exits with the message and a hint (`run make data`). */
void idx_load_or_die(const char *path, IdxArray *out);

void idx_free(IdxArray *a);

#endif
