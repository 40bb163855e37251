/*
 * Tests of Day 4's given code (run by `make test`, not graded): the fast
 * twins of transformer_fast.c against the plain layernorm_backward,
 * gelu_forward and gelu_backward, at sizes past the threshold where they
 * use every thread (and an odd number of columns, so the threads' column
 * shares differ), gradients starting from a nonzero pattern.
 */
#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "testing.h"
#include "transformer.h"

TestSuite(given_transformer_fast, .timeout = 60);

static float *randoms(size_t n, Rng *rng, float scale) {
    float *p = malloc(n * sizeof *p);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++) p[i] = scale * (float)rng_normal(rng);
    return p;
}

static void check_layernorm(int N, int C) {
    char what[120];
    Rng rng;
    rng_init(&rng, (uint64_t)(N + C));
    size_t n = (size_t)N * C;
    float *x = randoms(n, &rng, 2.0f), *w = randoms((size_t)C, &rng, 1.0f), *b = randoms((size_t)C, &rng, 1.0f);
    float *dout = randoms(n, &rng, 1.0f), *out = malloc(n * 4), *mean = malloc((size_t)N * 4),
          *rstd = malloc((size_t)N * 4);
    layernorm_forward(out, mean, rstd, x, w, b, N, C);
    float *dx_p = testing_prefilled(n), *dw_p = testing_prefilled((size_t)C), *db_p = testing_prefilled((size_t)C);
    float *dx_f = testing_prefilled(n), *dw_f = testing_prefilled((size_t)C), *db_f = testing_prefilled((size_t)C);
    layernorm_backward(dx_p, dw_p, db_p, dout, x, w, mean, rstd, N, C);
    layernorm_backward_fast(dx_f, dw_f, db_f, dout, x, w, mean, rstd, N, C);
    snprintf(what, sizeof what, "layernorm_backward_fast on (%d,%d): dinp", N, C);
    expect_array_near(dx_f, dx_p, n, (size_t)C, 1e-4, what, "rows: the same formula as the plain version");
    snprintf(what, sizeof what, "layernorm_backward_fast on (%d,%d): dweight", N, C);
    expect_array_near(dw_f, dw_p, (size_t)C, 0, 1e-4, what, "columns: every row of each, none twice or dropped");
    snprintf(what, sizeof what, "layernorm_backward_fast on (%d,%d): dbias", N, C);
    expect_array_near(db_f, db_p, (size_t)C, 0, 1e-4, what, "columns: every row of each, none twice or dropped");
    free(x), free(w), free(b), free(dout), free(out), free(mean), free(rstd);
    free(dx_p), free(dw_p), free(db_p), free(dx_f), free(dw_f), free(db_f);
}

Test(given_transformer_fast, layernorm_backward_matches_the_plain_one) {
    check_layernorm(300, 257); /* past the threshold; 257 columns split unevenly */
    check_layernorm(5, 7);     /* one thread */
}

Test(given_transformer_fast, gelu_matches_the_plain_one) {
    enum { N = 70001 }; /* past the threshold, odd */
    Rng rng;
    rng_init(&rng, 9);
    float *x = randoms(N, &rng, 4.0f), *dout = randoms(N, &rng, 1.0f);
    x[0] = 0.0f, x[1] = 30.0f, x[2] = -30.0f; /* where tanh saturates */
    float *out_p = malloc(N * 4), *out_f = malloc(N * 4), *dx_p = testing_prefilled(N), *dx_f = testing_prefilled(N);
    testing_fill_nan(out_f, N);
    gelu_forward(out_p, x, N);
    gelu_forward_fast(out_f, x, N);
    expect_array_near(out_f, out_p, N, 0, 1e-5, "gelu_forward_fast, x normal(0, 4) and +-30",
                      "tanh(u) = (e - 1) / (e + 1) with e = exp_fast(2u)");
    gelu_backward(dx_p, dout, x, N);
    gelu_backward_fast(dx_f, dout, x, N);
    expect_array_near(dx_f, dx_p, N, 0, 1e-5, "gelu_backward_fast (added to a pattern)",
                      "the same derivative, with the same tanh as forward, added (+=)");
    free(x), free(dout), free(out_p), free(out_f), free(dx_p), free(dx_f);
}
