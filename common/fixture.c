#include "fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "le.h"

static const char FIXTURE_MAGIC[8] = {'L', 'L', 'M', 'L', 'A', 'B', 'F', 'X'};
enum { FIXTURE_VERSION = 1 };

static uint32_t read_u32(FILE *f, const char *what) {
    unsigned char b[4];
    XFREAD(b, 1, 4, f, what);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void fixture_load(Fixture *fx, const char *path) {
    const char *regen = "fixtures are made by `make fixtures` (needs python3-torch)";
    FILE *f = XFOPEN(path, "rb", regen);
    char magic[8];
    XFREAD(magic, 1, 8, f, "fixture magic");
    LLMLAB_CHECK(memcmp(magic, FIXTURE_MAGIC, 8) == 0, regen, "%s is not an llmlab fixture", path);
    uint32_t version = read_u32(f, "fixture version");
    LLMLAB_CHECK(version == FIXTURE_VERSION, regen, "%s has fixture version %u, expected %d", path, version,
                 FIXTURE_VERSION);
    uint32_t count = read_u32(f, "fixture count");
    LLMLAB_CHECK(count < 100000, regen, "%s claims %u arrays: corrupted?", path, count);
    fx->path = XMALLOC(strlen(path) + 1);
    strcpy(fx->path, path);
    fx->count = count;
    fx->arrays = XCALLOC(count, sizeof(FixtureArray));
    for (uint32_t i = 0; i < count; i++) {
        FixtureArray *a = &fx->arrays[i];
        uint32_t len = read_u32(f, "array name length");
        LLMLAB_CHECK(len > 0 && len < 256, regen, "%s: array %u has a name of %u bytes", path, i, len);
        a->name = XMALLOC(len + 1);
        XFREAD(a->name, 1, len, f, "array name");
        a->name[len] = '\0';
        uint32_t ndim = read_u32(f, "array rank");
        LLMLAB_CHECK(ndim <= FIXTURE_MAX_DIMS, regen, "%s: array %s has %u dims", path, a->name, ndim);
        a->ndim = (int)ndim;
        a->size = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            a->dims[d] = read_u32(f, "array shape");
            LLMLAB_CHECK(a->dims[d] < (1u << 24), regen, "%s: array %s is implausibly large", path, a->name);
            a->size *= a->dims[d];
        }
        LLMLAB_CHECK(a->size < (1u << 26), regen, "%s: array %s is implausibly large", path, a->name);
        a->data = XCALLOC(a->size, sizeof(double));
        XFREAD(a->data, sizeof(double), a->size, f, a->name);
    }
    fclose(f);
}

const FixtureArray *fixture_get(const Fixture *fx, const char *name) {
    for (size_t i = 0; i < fx->count; i++)
        if (strcmp(fx->arrays[i].name, name) == 0) return &fx->arrays[i];
    LLMLAB_DIE("regenerate fixtures with `make fixtures`, or fix the name in the test",
               "fixture %s has no array named '%s'", fx->path, name);
}

double fixture_scalar(const Fixture *fx, const char *name) {
    const FixtureArray *a = fixture_get(fx, name);
    LLMLAB_CHECK(a->size == 1, "use fixture_get() for arrays", "fixture %s: '%s' has %zu elements", fx->path, name,
                 a->size);
    return a->data[0];
}

void fixture_free(Fixture *fx) {
    for (size_t i = 0; i < fx->count; i++) {
        free(fx->arrays[i].name);
        free(fx->arrays[i].data);
    }
    free(fx->arrays);
    free(fx->path);
    fx->arrays = NULL;
    fx->path = NULL;
    fx->count = 0;
}
