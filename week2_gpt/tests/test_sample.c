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
        testing_fill_nan(p, 5);
        probs_with_temperature(p, logits5, 5, temp);
        double z = 0;
        for (int i = 0; i < 5; i++) z += exp(logits5[i] / temp);
        for (int i = 0; i < 5; i++) {
            char where[96];
            snprintf(where, sizeof where, "probs_with_temperature: probs[%d] at temperature %.1f", i, temp);
            EXPECT_NEAR(p[i], exp(logits5[i] / temp) / z, 1e-6, where,
                        "softmax(logits / temperature): divide each logit before exponentiating (dividing the "
                        "probabilities afterwards changes nothing once they are normalised), and write every "
                        "probs[i] (=)");
        }
    }
    float big[3] = {1000.0f, 999.0f, -1000.0f};
    probs_with_temperature(p, big, 3, 1.0f);
    cr_assert(isfinite(p[0]) && fabsf(p[0] + p[1] + p[2] - 1.0f) < 1e-5f,
              "probs_with_temperature: logits of 1000 gave probs %g %g %g\n"
              "  hint: subtract the largest logit before expf",
              p[0], p[1], p[2]);
}

/* probs as a string, for messages */
static const char *shown(const float *p, int n) {
    static char buf[2][200];
    static int which;
    char *out = buf[which++ % 2];
    size_t k = 0;
    for (int i = 0; i < n && k < 180; i++) k += (size_t)snprintf(out + k, 200 - k, "%s%.3g", i ? " " : "", p[i]);
    return out;
}

Test(top_k_filter, keeps_the_k_most_likely) {
    float p[5] = {0.1f, 0.3f, 0.05f, 0.3f, 0.25f};
    ProbIndex scratch[5];
    int kept = top_k_filter(p, 5, 2, scratch);
    cr_assert(kept == 2, "top_k_filter with k = 2 should return 2, got %d", kept);
    cr_assert(p[0] == 0 && p[2] == 0 && p[4] == 0,
              "top_k_filter: only tokens 1 and 3 (0.3 each) survive k = 2 over {0.1 0.3 0.05 0.3 0.25}; got %s\n"
              "  hint: zero probs[scratch[r].index] for every rank r >= k, the index through the sorted pairs",
              shown(p, 5));
    EXPECT_NEAR(p[1], 0.5, 1e-6, "top_k_filter: p[1] after top-2", "renormalise the kept probabilities to sum 1");
    float q[5] = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    kept = top_k_filter(q, 5, 3, scratch);
    cr_assert(kept == 3 && q[0] > 0 && q[1] > 0 && q[2] > 0 && q[3] == 0 && q[4] == 0,
              "top_k_filter: all equal, k = 3: exactly 3 are kept, and the ties go to the smaller ids 0, 1, 2; "
              "got %s, returned %d\n  hint: keep the first k of the order prob_index_compare gives (not every "
              "entry as likely as the k-th: that keeps all five here)",
              shown(q, 5), kept);
    float t[5] = {0.1f, 0.25f, 0.25f, 0.15f, 0.25f};
    kept = top_k_filter(t, 5, 2, scratch);
    cr_assert(kept == 2 && t[1] > 0 && t[2] > 0 && t[4] == 0 && t[0] == 0 && t[3] == 0,
              "top_k_filter: {0.1 0.25 0.25 0.15 0.25}, k = 2: three tokens tie at 0.25; keep ids 1 and 2 (the "
              "smaller ids), drop 4; got %s, returned %d\n  hint: sort with prob_index_compare and keep exactly k",
              shown(t, 5), kept);
    float r[3] = {0.5f, 0.3f, 0.2f};
    cr_assert(top_k_filter(r, 3, 0, scratch) == 3 && r[2] == 0.2f,
              "top_k_filter: k = 0 means off: keep everything unchanged and return V");
}

Test(top_p_filter, keeps_the_smallest_set_that_reaches_p) {
    ProbIndex scratch[5];
    float p[5] = {0.1f, 0.4f, 0.05f, 0.3f, 0.15f};
    int kept = top_p_filter(p, 5, 0.7f, scratch);
    cr_assert(kept == 2 && p[1] > 0 && p[3] > 0 && p[4] == 0,
              "top_p_filter: probs = {0.1, 0.4, 0.05, 0.3, 0.15} (ids 0-4), p = 0.7: sorted they are 0.4 (id 1), "
              "0.3 (id 3), 0.15 (id 4), ...; 0.4 + 0.3 reaches 0.7, so keep ids 1 and 3; kept %d (probs now %s)\n"
              "  hint: sort a copy by probability (scratch), keep adding while the sum is below p, and zero the "
              "rest by their original ids",
              kept, shown(p, 5));
    float q[5] = {0.1f, 0.4f, 0.05f, 0.3f, 0.15f};
    kept = top_p_filter(q, 5, 0.75f, scratch);
    cr_assert(kept == 3 && q[1] > 0 && q[3] > 0 && q[4] > 0,
              "top_p_filter: probs = {0.1, 0.4, 0.05, 0.3, 0.15}, p = 0.75: 0.4 + 0.3 = 0.7 is not enough, the "
              "next largest (0.15, id 4) is kept too: expected ids 1, 3 and 4, kept %d (probs now %s)",
              kept, shown(q, 5));
    EXPECT_NEAR(q[1] + q[3] + q[4], 1.0, 1e-6, "top_p_filter: the kept probabilities", "renormalise to sum 1");
    /* Powers of two add up exactly: the sum reaches p exactly. */
    float e[4] = {0.125f, 0.5f, 0.125f, 0.25f};
    kept = top_p_filter(e, 4, 0.75f, scratch);
    cr_assert(kept == 2 && e[1] > 0 && e[3] > 0 && e[0] == 0 && e[2] == 0,
              "top_p_filter: p = 0.75 over {0.5, 0.25, 0.125, 0.125}: 0.5 + 0.25 is exactly 0.75, which reaches "
              "p, so keep 2; kept %d (probs now %s)\n  hint: stop as soon as the sum is >= p: keep adding only "
              "while sum < p (not <=)",
              kept, shown(e, 4));
    float r[3] = {0.9f, 0.06f, 0.04f};
    kept = top_p_filter(r, 3, 0.5f, scratch);
    cr_assert(kept == 1 && r[0] == 1.0f, "top_p_filter: one token above p is kept alone (prob 1), kept %d", kept);
    float s[3] = {0.5f, 0.3f, 0.2f};
    cr_assert(top_p_filter(s, 3, 1.0f, scratch) == 3 && s[2] == 0.2f,
              "top_p_filter: p = 1 means off: keep everything unchanged and return V");
}

Test(sample_index, inverse_cdf) {
    float p[4] = {0.25f, 0.0f, 0.5f, 0.25f};
    struct {
        double u;
        int want;
    } cases[] = {{0.0, 0}, {0.2499, 0}, {0.25, 2}, {0.7499, 2}, {0.75, 3}, {0.99999, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sample_index(p, 4, cases[i].u);
        cr_assert(got == cases[i].want,
                  "sample_index: u = %g over {0.25, 0, 0.5, 0.25}: expected token %d, got %d\n"
                  "  hint: return the first i where u < the running sum (strictly: at u = 0.25 the running sum "
                  "of tokens 0 and 1 is 0.25, not above it, and token 1 has probability 0)",
                  cases[i].u, cases[i].want, got);
    }
    float q[3] = {0.3f, 0.3f, 0.0f}; /* sums to 0.6 by rounding gone wrong */
    int got = sample_index(q, 3, 0.95);
    cr_assert(got == 1,
              "sample_index: u = 0.95 over {0.3, 0.3, 0} (the sum stays below u): expected the last "
              "token with a non-zero probability (1), got %d; never one of probability 0",
              got);
}

Test(sample_next, greedy_top_k_and_frequencies) {
    float probs[5];
    ProbIndex scratch[5];
    Rng rng;
    rng_init(&rng, 3);
    Rng before = rng;
    SamplerConfig greedy = {.temperature = 0, .top_k = 0, .top_p = 1};
    int got = sample_next(logits5, 5, &greedy, &rng, probs, scratch);
    cr_assert(got == 1,
              "sample_next at temperature 0 (greedy): expected the largest logit (3.0 at ids 1 and 3: the "
              "smaller id, 1), got %d",
              got);
    cr_assert(memcmp(&rng, &before, sizeof rng) == 0, "sample_next: greedy decoding must not draw a random number");
    SamplerConfig cold = {.temperature = 0.01f, .top_k = 0, .top_p = 1};
    float l3[3] = {0.2f, 2.0f, 1.9f};
    for (int i = 0; i < 100; i++)
        cr_assert(sample_next(l3, 3, &cold, &rng, probs, scratch) == 1,
                  "sample_next at temperature 0.01 should equal greedy (token 1)");
    SamplerConfig topk = {.temperature = 1.5f, .top_k = 2, .top_p = 1};
    for (int i = 0; i < 500; i++) {
        int t = sample_next(logits5, 5, &topk, &rng, probs, scratch);
        cr_assert(t == 1 || t == 3,
                  "sample_next with top-k 2 drew token %d, which is not among the 2 most likely "
                  "(1 and 3)\n  hint: top_k_filter after probs_with_temperature",
                  t);
    }
    /* top-p 0.6 over softmax(logits5) = {0.06, 0.45, 0.04, 0.45, 0.003}: tokens 1 and 3 */
    SamplerConfig topp = {.temperature = 1, .top_k = 0, .top_p = 0.6f};
    for (int i = 0; i < 500; i++) {
        int t = sample_next(logits5, 5, &topp, &rng, probs, scratch);
        cr_assert(t == 1 || t == 3,
                  "sample_next with top-p 0.6 drew token %d; softmax(logits) is about {0.06 0.45 "
                  "0.04 0.45 0.003}, so only 1 and 3 may come\n  hint: the four steps of sample.h: "
                  "temperature, top_k_filter, top_p_filter, then one draw",
                  t);
    }
    /* top-k comes before top-p: over {0.5, 0.3, 0.2}, top-k 2 leaves {0.625, 0.375}, and top-p 0.6 then keeps
     * token 0 alone; top-p first would keep 0 and 1 (0.5 < 0.6), and top-k would leave both. */
    float l_order[3] = {logf(0.5f), logf(0.3f), logf(0.2f)};
    SamplerConfig both = {.temperature = 1, .top_k = 2, .top_p = 0.6f};
    for (int i = 0; i < 200; i++) {
        int t = sample_next(l_order, 3, &both, &rng, probs, scratch);
        cr_assert(t == 0,
                  "sample_next with top-k 2 and top-p 0.6 over probs {0.5, 0.3, 0.2} drew token %d: top-k "
                  "first gives {0.625, 0.375, 0}, then top-p 0.6 keeps token 0 alone\n  hint: the order "
                  "of sample.h: probs_with_temperature, top_k_filter, then top_p_filter, then the draw",
                  t);
    }
    /* one rng_uniform per token: replay the draws */
    Rng replay = rng;
    SamplerConfig plain = {.temperature = 1, .top_k = 0, .top_p = 1};
    sample_next(logits5, 5, &plain, &rng, probs, scratch);
    rng_uniform(&replay);
    cr_assert(memcmp(&rng, &replay, sizeof rng) == 0,
              "sample_next at temperature 1 should draw exactly one rng_uniform per token (a seed must give the "
              "same text, and resuming depends on it)");
    /* frequencies at temperature 1 against softmax(logits): chi-square, 4 degrees of freedom */
    enum { DRAWS = 20000 };
    int count[5] = {0};
    for (int i = 0; i < DRAWS; i++) count[sample_next(logits5, 5, &plain, &rng, probs, scratch)]++;
    double z = 0, chi2 = 0;
    for (int i = 0; i < 5; i++) z += exp(logits5[i]);
    for (int i = 0; i < 5; i++) {
        double expect = DRAWS * exp(logits5[i]) / z;
        chi2 += (count[i] - expect) * (count[i] - expect) / expect;
    }
    cr_assert(chi2 < 18.47,
              "sample_next: sampled frequencies %d %d %d %d %d do not follow softmax(logits): "
              "chi-square %.1f above 18.47 (p = 0.001, 4 degrees of freedom)\n  hint: one rng_uniform "
              "per draw, and sample_index over the final probs; if probs_with_temperature or sample_index fails "
              "too, fix it first",
              count[0], count[1], count[2], count[3], count[4], chi2);
}
