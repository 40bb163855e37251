/**
 * @file fixture.h
 * @brief Read the small binary files of reference numbers that tests compare against.
 *
 * `tools/make_fixtures.py` computes outputs and gradients with PyTorch, an
 * independent implementation, and writes them to the lesson's `tests/fixtures/` folder.
 * The files are committed, so tests need neither Python nor the network.
 *
 * File layout (little-endian):
 *
 *     "LLMLABFX"  8-byte magic
 *     u32 version (1)   u32 count
 *     count times:  u32 name_len, name bytes (no NUL),
 *                   u32 ndim (0..4), u32 dims[ndim], f64 data[prod(dims)]
 *
 * Every array is float64 so fixtures keep full precision; a test converts.
 */
#ifndef LLMLAB_FIXTURE_H
#define LLMLAB_FIXTURE_H

#include <stddef.h>

#define FIXTURE_MAX_DIMS 4

typedef struct FixtureArray {
    char *name;
    int ndim;
    size_t dims[FIXTURE_MAX_DIMS];
    size_t size; /**< number of elements: the product of dims (1 when ndim = 0) */
    double *data;
} FixtureArray;

typedef struct Fixture {
    char *path;
    size_t count;
    FixtureArray *arrays;
} Fixture;

/**
 * Load a fixture file. Dies with a clear message if the file is missing,
 * truncated, or not a fixture (wrong magic or version).
 */
void fixture_load(Fixture *fx, const char *path);

/** The array called @p name. Dies, naming the file and array, when it is absent. */
const FixtureArray *fixture_get(const Fixture *fx, const char *name);

/** The single number called @p name (an array of exactly one element). */
double fixture_scalar(const Fixture *fx, const char *name);

void fixture_free(Fixture *fx);

#endif
