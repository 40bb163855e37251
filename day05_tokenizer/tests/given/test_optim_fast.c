/*
 * Tests of Day 5's given code (run by `make test`, not graded):
 * clip_grad_norm_fast against the plain clip_grad_norm, below and above the
 * threshold where it uses every thread, clipping or not, and with fewer
 * gradients than it has blocks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "rng.h"
#include "testing.h"

TestSuite(given_optim_fast, .timeout = 30);

static void check(size_t n, float max_norm) {
    Rng rng;
    rng_init(&rng, n);
    float *plain = malloc((n ? n : 1) * sizeof *plain), *fast = malloc((n ? n : 1) * sizeof *fast);
    for (size_t i = 0; i < n; i++) plain[i] = (float)rng_normal(&rng);
    memcpy(fast, plain, n * sizeof *fast);
    float want = clip_grad_norm(plain, n, max_norm), got = clip_grad_norm_fast(fast, n, max_norm);
    char what[96];
    snprintf(what, sizeof what, "clip_grad_norm_fast on %zu gradients, max_norm %g: the norm", n, max_norm);
    EXPECT_NEAR(got, want, 1e-6, what, "the squares of every gradient, summed in double, then the square root");
    snprintf(what, sizeof what, "clip_grad_norm_fast on %zu gradients, max_norm %g: the gradients", n, max_norm);
    expect_array_near(fast, plain, n, 0, 1e-6, what, "scaled by max_norm / (norm + 1e-6) when norm > max_norm");
    free(plain), free(fast);
}

Test(given_optim_fast, clip_grad_norm_matches_the_plain_one) {
    check(10, 1.0f);     /* fewer gradients than blocks */
    check(1000, 100.0f); /* below the limit: untouched */
    check(200003, 1.0f); /* on every thread, clipped */
    check(200003, 0.0f); /* 0: no clipping */
}
