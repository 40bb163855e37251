/*
 * Week 2 tests, the samplers: temperature, top-k, top-p, the draw, and the
 * whole chain: temperature towards 0 equals greedy, top-k never leaves the k
 * most likely, top-p keeps the smallest set that reaches p, and with a fixed
 * seed the sampled frequencies match the distribution (a chi-square bound).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "testing.h"

#define EXERCISE(name) TestSuite(name, .timeout = 20)
EXERCISE(probs_with_temperature);
EXERCISE(top_k_filter);
EXERCISE(top_p_filter);
EXERCISE(sample_index);
EXERCISE(sample_next);

static const float logits5[5] = {1.0f, 3.0f, 0.5f, 3.0f, -2.0f};

Test(probs_with_temperature, softmax_of_scaled_logits) {
    float p[5];
    for (int k = 0; k < 3; k++) {
        float temp = (float[]){1.0f, 0.5f, 2.0f}[k];
        probs_with_temperature(p, logits5, 5, temp);
        double z = 0;
        for (int i = 0; i < 5; i++)
            z += exp(logits5[i] / temp);
        for (int i = 0; i < 5; i++) {
            char where[64];
            snprintf(where, sizeof where, "probs[%d] at temperature %.1f", i, temp);
            EXPECT_NEAR(p[i], exp(logits5[i] / temp) / z, 1e-6, where,
                        "softmax(logits / temperature): divide before exponentiating");
        }
    }
    float big[3] = {1000.0f, 999.0f, -1000.0f};
    probs_with_temperature(p, big, 3, 1.0f);
    cr_assert(isfinite(p[0]) && fabsf(p[0] + p[1] + p[2] - 1.0f) < 1e-5f,
              "logits of 1000 gave probs %g %g %g\n  hint: subtract the largest logit before expf", p[0], p[1],
              p[2]);
}

Test(top_k_filter, keeps_the_k_most_likely) {
    float p[5] = {0.1f, 0.3f, 0.05f, 0.3f, 0.25f};
    ProbIndex scratch[5];
    int kept = top_k_filter(p, 5, 2, scratch);
    cr_assert(kept == 2, "top_k_filter with k = 2 should return 2, got %d", kept);
    cr_assert(p[0] == 0 && p[2] == 0 && p[4] == 0, "only tokens 1 and 3 (0.3 each) survive k = 2; got %g %g %g %g "
                                                   "%g", p[0], p[1], p[2], p[3], p[4]);
    EXPECT_NEAR(p[1], 0.5, 1e-6, "p[1] after top-2", "renormalise the kept probabilities to sum 1");
    float q[5] = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    top_k_filter(q, 5, 3, scratch);
    cr_assert(q[0] > 0 && q[1] > 0 && q[2] > 0 && q[3] == 0 && q[4] == 0,
              "all equal, k = 3: the ties go to the smaller ids 0, 1, 2; got %g %g %g %g %g\n"
              "  hint: sort with prob_index_compare", q[0], q[1], q[2], q[3], q[4]);
    float r[3] = {0.5f, 0.3f, 0.2f};
    cr_assert(top_k_filter(r, 3, 0, scratch) == 3 && r[2] == 0.2f, "k = 0 means off: keep everything unchanged");
}

Test(top_p_filter, keeps_the_smallest_set_that_reaches_p) {
    ProbIndex scratch[5];
    float p[5] = {0.1f, 0.4f, 0.05f, 0.3f, 0.15f};
    int kept = top_p_filter(p, 5, 0.7f, scratch);
    cr_assert(kept == 2 && p[1] > 0 && p[3] > 0 && p[4] == 0,
              "p = 0.7 over {0.4, 0.3, 0.15, 0.1, 0.05}: 0.4 + 0.3 reaches 0.7, keep 2 tokens; kept %d\n"
              "  hint: keep adding while the sum is below p", kept);
    float q[5] = {0.1f, 0.4f, 0.05f, 0.3f, 0.15f};
    kept = top_p_filter(q, 5, 0.75f, scratch);
    cr_assert(kept == 3 && q[4] > 0, "p = 0.75: 0.4 + 0.3 = 0.7 is not enough, the next (0.15) is kept too: "
                                     "expected 3, kept %d", kept);
    EXPECT_NEAR(q[1] + q[3] + q[4], 1.0, 1e-6, "the kept probabilities", "renormalise to sum 1");
    float r[3] = {0.9f, 0.06f, 0.04f};
    kept = top_p_filter(r, 3, 0.5f, scratch);
    cr_assert(kept == 1 && r[0] == 1.0f, "one token above p is kept alone (prob 1), kept %d", kept);
    float s[3] = {0.5f, 0.3f, 0.2f};
    cr_assert(top_p_filter(s, 3, 1.0f, scratch) == 3 && s[2] == 0.2f, "p = 1 means off: keep everything");
}

Test(sample_index, inverse_cdf) {
    float p[4] = {0.25f, 0.0f, 0.5f, 0.25f};
    struct { double u; int want; } cases[] = {{0.0, 0}, {0.2499, 0}, {0.25, 2}, {0.7499, 2}, {0.75, 3}, {0.99999, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sample_index(p, 4, cases[i].u);
        cr_assert(got == cases[i].want, "u = %g over {0.25, 0, 0.5, 0.25}: expected token %d, got %d\n"
                                        "  hint: return the first i where u < the running sum", cases[i].u,
                  cases[i].want, got);
    }
    float q[3] = {0.3f, 0.3f, 0.0f};           /* sums to 0.6 by rounding gone wrong */
    cr_assert(sample_index(q, 3, 0.95) == 1, "when the sum stays below u, return the last token with a "
                                             "non-zero probability (1), never one of probability 0");
}

Test(sample_next, greedy_top_k_and_frequencies) {
    float probs[5];
    ProbIndex scratch[5];
    Rng rng;
    rng_init(&rng, 3);
    Rng before = rng;
    SamplerConfig greedy = {.temperature = 0, .top_k = 0, .top_p = 1};
    cr_assert(sample_next(logits5, 5, &greedy, &rng, probs, scratch) == 1,
              "temperature 0 is greedy: the largest logit (3.0 at ids 1 and 3: the smaller id, 1)");
    cr_assert(memcmp(&rng, &before, sizeof rng) == 0, "greedy decoding must not draw a random number");
    SamplerConfig cold = {.temperature = 0.01f, .top_k = 0, .top_p = 1};
    float l3[3] = {0.2f, 2.0f, 1.9f};
    for (int i = 0; i < 100; i++)
        cr_assert(sample_next(l3, 3, &cold, &rng, probs, scratch) == 1,
                  "at temperature 0.01 sampling should equal greedy (token 1)");
    SamplerConfig topk = {.temperature = 1.5f, .top_k = 2, .top_p = 1};
    for (int i = 0; i < 500; i++) {
        int t = sample_next(logits5, 5, &topk, &rng, probs, scratch);
        cr_assert(t == 1 || t == 3, "top-k 2 drew token %d, which is not among the 2 most likely (1 and 3)", t);
    }
    /* frequencies at temperature 1 against softmax(logits): chi-square, 4 degrees of freedom */
    SamplerConfig plain = {.temperature = 1, .top_k = 0, .top_p = 1};
    enum { DRAWS = 20000 };
    int count[5] = {0};
    for (int i = 0; i < DRAWS; i++)
        count[sample_next(logits5, 5, &plain, &rng, probs, scratch)]++;
    double z = 0, chi2 = 0;
    for (int i = 0; i < 5; i++)
        z += exp(logits5[i]);
    for (int i = 0; i < 5; i++) {
        double expect = DRAWS * exp(logits5[i]) / z;
        chi2 += (count[i] - expect) * (count[i] - expect) / expect;
    }
    cr_assert(chi2 < 18.47, "sampled frequencies %d %d %d %d %d do not follow softmax(logits): chi-square %.1f "
                            "above 18.47 (p = 0.001, 4 degrees of freedom)\n  hint: one rng_uniform per draw, and "
                            "sample_index over the final probs", count[0], count[1], count[2], count[3], count[4],
              chi2);
}
