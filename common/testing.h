/**
 * @file testing.h
 * @brief Assertions for the course's Criterion tests, with messages a learner can act on.
 *
 * Every failure says where (which function, which input), what was expected,
 * what came, and a hint at the usual mistake, e.g.
 *
 *     value_mul: grad of a in a*b with a=3, b=-2: expected -2, got 0 (tolerance 1e-09)
 *       hint: d(a*b)/da is b: add b->data * out->grad to a->grad
 *
 * Include it only from test files (it needs Criterion).
 */
#ifndef LLMLAB_TESTING_H
#define LLMLAB_TESTING_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/** Repository root, baked in by the Makefile so tests find fixtures from any directory. */
#ifndef LLMLAB_ROOT
#define LLMLAB_ROOT "."
#endif

/** Path of a fixture file of a lesson: FIXTURE_PATH("day01_autograd", "expressions.bin"). */
#define FIXTURE_PATH(lesson, file) LLMLAB_ROOT "/" lesson "/tests/fixtures/" file

/** True when @p got is within @p tol of @p want, relative to max(1, |want|). NaN never is. */
static inline int llmlab_close(double got, double want, double tol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    return fabs(got - want) <= tol * scale;
}

/**
 * Assert that @p got is close to @p want. @p where names what was computed
 * (printf-style with its own arguments is not supported: build it with a
 * string literal); @p hint is the advice shown on failure.
 */
#define EXPECT_NEAR(got, want, tol, where, hint)                                                                \
    do {                                                                                                        \
        double got_ = (got), want_ = (want);                                                                    \
        cr_assert(llmlab_close(got_, want_, (tol)), "%s: expected %.10g, got %.10g (tolerance %g)\n  hint: %s", \
                  (where), want_, got_, (double)(tol), (hint));                                                 \
    } while (0)

/**
 * Fail the test if memory allocated so far has leaked. Under AddressSanitizer
 * (`make sanitize`) this asks LeakSanitizer to check now: Criterion's test
 * processes end in a way that skips the automatic check at exit. In a normal
 * build it does nothing.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define EXPECT_NO_LEAKS()                                                               \
    cr_assert(__lsan_do_recoverable_leak_check() == 0,                                  \
              "memory leaked (LeakSanitizer's report is above)\n  hint: free what you " \
              "allocate, or allocate from an arena that is freed")
#else
#define EXPECT_NO_LEAKS() ((void)0)
#endif

/** A float copy of fixture array @p key (free() it); its element count goes to @p n when not NULL. */
static inline float *fixture_floats(const Fixture *fx, const char *key, size_t *n) {
    const FixtureArray *a = fixture_get(fx, key);
    float *f = calloc(a->size + 1, sizeof *f);
    cr_assert_not_null(f, "out of memory reading fixture %s", key);
    for (size_t i = 0; i < a->size; i++) f[i] = (float)a->data[i];
    if (n) *n = a->size;
    return f;
}

/**
 * @name Buffers that catch "=" for "+=" and "+=" for "="
 * A forward function must *write* its output: tests fill the output with
 * NaN first (testing_fill_nan), so an output that adds to what it held, or
 * an element never written, comes back NaN. A backward function must *add*
 * to its gradients (a parameter used twice gets both contributions): tests
 * fill them with a known nonzero pattern first (testing_prefilled) and
 * expect pattern + gradient; an "=" loses the pattern, and the message says so.
 * @{
 */
/** Fill p[0..n) with NaN. */
static inline void testing_fill_nan(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = NAN;
}
/** The value testing_prefilled() puts at index i: small, nonzero, not constant. */
static inline float testing_prefill_value(size_t i) { return 0.5f + 0.125f * (float)(i % 5); }
/** A malloc'ed array of n floats holding testing_prefill_value(i) (free() it). */
static inline float *testing_prefilled(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    for (size_t i = 0; i < n; i++) p[i] = testing_prefill_value(i);
    return p;
}
/** @} */

/* The shared body of the array comparisons: got[i] - base(i) against want[i]. */
static inline void testing_expect_array(const double *want, size_t size, size_t cols, const float *got, int prefilled,
                                        const char *key, double tol, const char *what, const char *hint) {
    char label[320];
    snprintf(label, sizeof label, key[0] ? "%s (%s)" : "%s", what, key);
    for (size_t i = 0; i < size; i++) {
        double base = prefilled ? testing_prefill_value(i) : 0.0, g = (double)got[i] - base;
        if (llmlab_close(g, want[i], tol)) continue;
        if (isnan(got[i]) && !isnan(want[i]) && prefilled)
            cr_assert_fail("%s: element [%zu][%zu] expected %.7g (the gradient) + %.7g (what the buffer held), "
                           "got NaN\n  a NaN reached the gradient: did the code read an element it should not "
                           "(a gap between strided rows, a buffer not yet written), or divide by zero?\n"
                           "  hint: %s",
                           label, i / cols, i % cols, want[i], base, hint);
        if (isnan(got[i]) && !isnan(want[i]))
            cr_assert_fail("%s: element [%zu][%zu] expected %.7g, got NaN\n"
                           "  where a test fills the output with NaN before the call, this means an element "
                           "was added to (+=) or never written: write each with =; otherwise a NaN came from "
                           "the arithmetic (0/0, log(0), an overflowing exp)\n  hint: %s",
                           label, i / cols, i % cols, want[i], hint);
        if (prefilled && llmlab_close(got[i], want[i], tol))
            cr_assert_fail("%s: element [%zu][%zu] should be %.7g (what it held) + %.7g (the "
                           "gradient) = %.7g, got %.7g\n"
                           "  the gradient was assigned (=): add it (+=) to what the buffer holds, since a "
                           "value used twice gets a gradient from both uses\n  hint: %s",
                           label, i / cols, i % cols, base, want[i], want[i] + base, got[i], hint);
        if (prefilled)
            cr_assert_fail("%s: element [%zu][%zu] expected %.7g (the gradient) + %.7g (what the "
                           "buffer held before), got %.7g: that is a gradient of %.7g (tolerance %g)\n  hint: %s",
                           label, i / cols, i % cols, want[i], base, got[i], g, tol, hint);
        cr_assert_fail("%s: element [%zu][%zu] expected %.7g, got %.7g (tolerance %g)\n  hint: %s", label, i / cols,
                       i % cols, want[i], got[i], tol, hint);
    }
    cr_assert(1);
}

/**
 * Assert that got[0..size) matches fixture array @p key within @p tol; on
 * failure, name the first element that differs by its row and column. A NaN
 * where a number was expected is explained (the output was filled with NaN).
 */
static inline void expect_fixture_array(const Fixture *fx, const float *got, const char *key, double tol,
                                        const char *what, const char *hint) {
    const FixtureArray *want = fixture_get(fx, key);
    size_t cols = want->ndim >= 2 ? want->dims[want->ndim - 1] : want->size;
    testing_expect_array(want->data, want->size, cols, got, 0, key, tol, what, hint);
}

/**
 * The same for a gradient buffer that was filled by testing_prefilled():
 * expects got[i] = testing_prefill_value(i) + fixture[i], and says "add,
 * don't assign" when got equals the fixture alone.
 */
static inline void expect_fixture_grad(const Fixture *fx, const float *got, const char *key, double tol,
                                       const char *what, const char *hint) {
    const FixtureArray *want = fixture_get(fx, key);
    size_t cols = want->ndim >= 2 ? want->dims[want->ndim - 1] : want->size;
    testing_expect_array(want->data, want->size, cols, got, 1, key, tol, what, hint);
}

/** Compare a gradient buffer filled by testing_prefilled() with want[] computed in the test:
 *  expects got[i] = testing_prefill_value(i) + want[i]. */
static inline void expect_grad_array_near(const float *got, const float *want, size_t size, size_t cols, double tol,
                                          const char *what, const char *hint) {
    double *w = calloc(size ? size : 1, sizeof *w);
    cr_assert_not_null(w, "out of memory in a test");
    for (size_t i = 0; i < size; i++) w[i] = want[i];
    testing_expect_array(w, size, cols ? cols : size, got, 1, "", tol, what, hint);
    free(w);
}

/** Compare two float arrays (want computed in the test, e.g. by plain loops), as above. */
static inline void expect_array_near(const float *got, const float *want, size_t size, size_t cols, double tol,
                                     const char *what, const char *hint) {
    double *w = calloc(size ? size : 1, sizeof *w);
    cr_assert_not_null(w, "out of memory in a test");
    for (size_t i = 0; i < size; i++) w[i] = want[i];
    testing_expect_array(w, size, cols ? cols : size, got, 0, "", tol, what, hint);
    free(w);
}

/**
 * @name A folder of files for one test
 * testing_dir_make() creates a fresh folder under /tmp for the test that
 * calls it; testing_dir_path() names a file in it; testing_write_file()
 * writes one; testing_dir_remove(), as the suite's `.fini` and at exit,
 * deletes the folder after the test, passed, failed or stopped by an
 * exercise not written yet. Each test runs in its own process, so each has
 * its own folder.
 * @{
 */
static inline char *testing_dir(void) {
    static char dir[64];
    return dir;
}
static inline void testing_dir_remove(void);
static inline void testing_dir_make(const char *tag) {
    snprintf(testing_dir(), 64, "/tmp/llmlab-%.20s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(testing_dir()), "could not make a folder under /tmp for the test's files");
    atexit(testing_dir_remove); /* also when an unwritten exercise ends the test process early */
}
/** testing_dir()/NAME, in one of eight rotating buffers (so a few can be alive at once). */
static inline const char *testing_dir_path(const char *name) {
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 512, "%s/%s", testing_dir(), name);
    return p;
}
static inline void testing_write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "could not write %s", path);
    cr_assert(fwrite(data, 1, n, f) == n, "could not write %s", path);
    fclose(f);
}
/** How many files in @p dir have ".tmp" in their name (an atomic write's leftovers: none may stay). */
static inline int testing_temp_files_in(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) n += strstr(e->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    return n;
}
static inline void testing_dir_remove(void) {
    if (!testing_dir()[0]) return;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", testing_dir(), testing_dir());
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", testing_dir());
    testing_dir()[0] = '\0';
}
/** @} */

#endif
