/*
 * Tests of Day 3's given code (run by `make test`, not graded): the fast
 * twins of attention_fast.c against the plain sdpa_forward/backward and
 * mha_forward/backward (the reference's, which the graded tests check
 * against PyTorch), at sizes that take every path: the loops (short
 * sequences), the blocked matrix products (16 queries and more, a
 * Tq*Tk*hs of 65,536 and more) with a partial last block of 64 queries,
 * causal or not, fewer queries than keys, heads read with a row stride.
 * Gradients start from a nonzero pattern (the twins must add), and both
 * sides of each comparison start from the same buffers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "rng.h"
#include "testing.h"

TestSuite(given_attention_fast, .timeout = 60);

static float *randoms(size_t n, Rng *rng, float scale) {
    float *p = malloc(n * sizeof *p);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++) p[i] = scale * (float)rng_normal(rng);
    return p;
}

/* One head, q/k/v rows `stride` apart (a head of a wider qkv), against the plain pair. */
static void check_sdpa(int Tq, int Tk, int hs, int causal) {
    char what[160];
    Rng rng;
    rng_init(&rng, (uint64_t)(Tq * 1000 + Tk * 10 + causal));
    int stride = 3 * hs + 5; /* q, k, v side by side, and a gap */
    size_t nq = (size_t)Tk * stride;
    float *qkv = randoms(nq, &rng, 1.0f), *dout = randoms((size_t)Tq * hs, &rng, 1.0f);
    const float *q = qkv + (size_t)(Tk - Tq) * stride, *k = qkv + hs, *v = qkv + 2 * hs;
    float *out_plain = calloc((size_t)Tq * hs, 4), *out_fast = calloc((size_t)Tq * hs, 4);
    float *att_plain = calloc((size_t)Tq * Tk, 4), *att_fast = calloc((size_t)Tq * Tk, 4);
    float *datt = calloc((size_t)Tq * Tk, 4);
    float scale = 1.0f / sqrtf((float)hs);
    testing_fill_nan(out_fast, (size_t)Tq * hs);
    testing_fill_nan(att_fast, (size_t)Tq * Tk);
    sdpa_forward(out_plain, hs, att_plain, q, k, v, stride, Tq, Tk, hs, scale, causal);
    sdpa_forward_fast(out_fast, hs, att_fast, q, k, v, stride, Tq, Tk, hs, scale, causal);
    snprintf(what, sizeof what, "sdpa_forward_fast, Tq=%d Tk=%d hs=%d %s: the weights", Tq, Tk, hs,
             causal ? "causal" : "not causal");
    expect_array_near(att_fast, att_plain, (size_t)Tq * Tk, (size_t)Tk, 1e-5, what,
                      "the blocked path must compute the plain loops' softmax, masked keys exactly 0");
    snprintf(what, sizeof what, "sdpa_forward_fast, Tq=%d Tk=%d hs=%d %s: the output", Tq, Tk, hs,
             causal ? "causal" : "not causal");
    expect_array_near(out_fast, out_plain, (size_t)Tq * hs, (size_t)hs, 1e-4, what, "out = weights @ v");

    float *dqkv_plain = testing_prefilled(nq), *dqkv_fast = testing_prefilled(nq);
    float *dq_p = dqkv_plain + (size_t)(Tk - Tq) * stride, *dq_f = dqkv_fast + (size_t)(Tk - Tq) * stride;
    sdpa_backward(dq_p, dqkv_plain + hs, dqkv_plain + 2 * hs, datt, dout, hs, att_plain, q, k, v, stride, Tq, Tk, hs,
                  scale);
    sdpa_backward_fast(dq_f, dqkv_fast + hs, dqkv_fast + 2 * hs, datt, dout, hs, att_plain, q, k, v, stride, Tq, Tk, hs,
                       scale);
    for (size_t i = 0; i < nq; i++) /* the gaps between rows are nobody's: compare what the plain one left */
        if (!llmlab_close(dqkv_fast[i], dqkv_plain[i], 1e-4)) {
            size_t row = i / stride, col = i % stride;
            const char *part = col < (size_t)hs       ? "dq"
                               : col < (size_t)2 * hs ? "dk"
                               : col < (size_t)3 * hs ? "dv"
                                                      : "a gap";
            cr_assert_fail("sdpa_backward_fast, Tq=%d Tk=%d hs=%d %s: %s, row %zu, column %zu: expected %.7g "
                           "(the plain loops, added to the pattern), got %.7g\n  hint: the blocked backward "
                           "needs dS = P * (dP - rowsum(P * dP)) * scale and must add into dq, dk, dv",
                           Tq, Tk, hs, causal ? "causal" : "not causal", part, row, col % (size_t)hs, dqkv_plain[i],
                           dqkv_fast[i]);
        }
    cr_assert(1);
    free(qkv), free(dout), free(out_plain), free(out_fast), free(att_plain), free(att_fast), free(datt);
    free(dqkv_plain), free(dqkv_fast);
}

Test(given_attention_fast, sdpa_loops_and_blocked_products_match_the_plain_pair) {
    check_sdpa(7, 7, 8, 1);      /* short: the loops */
    check_sdpa(1, 40, 16, 1);    /* one query, as when generating */
    check_sdpa(130, 130, 32, 1); /* blocked, causal, a partial last block */
    check_sdpa(130, 130, 32, 0); /* blocked, every key */
    check_sdpa(70, 200, 24, 1);  /* fewer queries than keys */
    check_sdpa(64, 64, 16, 1);   /* exactly one block */
}

static void check_mha(int B, int T, int C, int NH) {
    char what[120];
    Rng rng;
    rng_init(&rng, (uint64_t)(B * 100 + T));
    size_t n3 = (size_t)B * T * 3 * C, n = (size_t)B * T * C, na = (size_t)B * NH * T * T;
    float *qkv = randoms(n3, &rng, 1.0f), *dout = randoms(n, &rng, 1.0f);
    float *out_p = calloc(n, 4), *out_f = calloc(n, 4), *att_p = calloc(na, 4), *att_f = calloc(na, 4);
    float *datt = calloc((size_t)T * T, 4), *dqkv_p = testing_prefilled(n3), *dqkv_f = testing_prefilled(n3);
    testing_fill_nan(out_f, n);
    mha_forward(out_p, att_p, qkv, B, T, C, NH, 1);
    mha_forward_fast(out_f, att_f, qkv, B, T, C, NH, 1);
    snprintf(what, sizeof what, "mha_forward_fast, B=%d T=%d C=%d NH=%d", B, T, C, NH);
    expect_array_near(out_f, out_p, n, (size_t)C, 1e-4, what, "each head's output in its own columns");
    mha_backward(dqkv_p, datt, dout, att_p, qkv, B, T, C, NH);
    mha_backward_fast(dqkv_f, datt, dout, att_p, qkv, B, T, C, NH);
    snprintf(what, sizeof what, "mha_backward_fast, B=%d T=%d C=%d NH=%d (dqkv, added to a pattern)", B, T, C, NH);
    expect_array_near(dqkv_f, dqkv_p, n3, (size_t)3 * C, 1e-4, what,
                      "each thread needs its own (T,T) scratch; heads write disjoint columns");
    free(qkv), free(dout), free(out_p), free(out_f), free(att_p), free(att_f), free(datt), free(dqkv_p), free(dqkv_f);
}

Test(given_attention_fast, mha_on_threads_matches_the_plain_pair) {
    check_mha(2, 130, 64, 4); /* blocked products, heads on both threads */
    check_mha(3, 9, 12, 3);   /* loops */
}
