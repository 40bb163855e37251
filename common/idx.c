#include "idx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"

enum { IDX_TYPE_UBYTE = 0x08, IDX_MAX_BYTES = 1u << 30 /* 1 GiB: more is a corrupt header */ };

static int fail(char *err, size_t errsize, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
    return -1;
}

/* Read exactly n bytes; 0 on success. gzread takes an unsigned count, so read in chunks. */
static int read_exact(gzFile f, void *dst, size_t n) {
    unsigned char *p = dst;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int idx_load(const char *path, IdxArray *out, char *err, size_t errsize) {
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (f == NULL) return fail(err, errsize, "cannot open '%s': %s", path, errno ? strerror(errno) : "gzopen failed");
    unsigned char magic[4];
    if (read_exact(f, magic, 4) != 0) {
        gzclose(f);
        return fail(err, errsize, "'%s' is empty or too short to be an IDX file", path);
    }
    if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > IDX_MAX_DIMS) {
        gzclose(f);
        return fail(err, errsize, "'%s' is not an IDX file (magic %02x %02x %02x %02x)", path, magic[0], magic[1],
                    magic[2], magic[3]);
    }
    if (magic[2] != IDX_TYPE_UBYTE) {
        gzclose(f);
        return fail(err, errsize, "'%s' holds IDX type 0x%02x; only unsigned bytes (0x08) are supported", path,
                    magic[2]);
    }
    out->ndim = magic[3];
    size_t size = 1;
    for (int d = 0; d < out->ndim; d++) {
        unsigned char b[4];
        if (read_exact(f, b, 4) != 0) {
            gzclose(f);
            return fail(err, errsize, "'%s' is truncated inside its header", path);
        }
        out->dims[d] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (out->dims[d] == 0 || out->dims[d] > IDX_MAX_BYTES / size) {
            gzclose(f);
            return fail(err, errsize, "'%s' has an implausible shape (dimension %d is %u)", path, d, out->dims[d]);
        }
        size *= out->dims[d];
    }
    out->size = size;
    out->data = XMALLOC(size);
    if (read_exact(f, out->data, size) != 0) {
        gzclose(f);
        idx_free(out);
        return fail(err, errsize, "'%s' is truncated: its header promises %zu bytes of data", path, size);
    }
    unsigned char extra;
    int more = gzread(f, &extra, 1);
    gzclose(f);
    if (more != 0) {
        idx_free(out);
        return fail(err, errsize, "'%s' has bytes after the data its header describes: not an IDX file?", path);
    }
    return 0;
}

void idx_load_or_die(const char *path, IdxArray *out) {
    char err[512];
    if (idx_load(path, out, err, sizeof err) != 0)
        LLMLAB_DIE("run `make data` (Fashion-MNIST comes from Debian's dataset-fashion-mnist)", "%s", err);
}

void idx_free(IdxArray *a) {
    free(a->data);
    memset(a, 0, sizeof *a);
}
