/*
 * Week 4 tests: the loss of a long text with each token predicted once
 * (checked against a loss computed by hand, token by token, on a tiny
 * model), and bits per byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "testing.h"

#define EXERCISE(name) TestSuite(name, .timeout = 30)
EXERCISE(sequence_nll);
EXERCISE(bits_per_byte);

static Gpt m;
static void tiny_model(void) {
    GptConfig c = {.vocab = 40, .ctx = 8, .n_layer = 1, .n_head = 2, .n_embd = 8};
    gpt_init(&m, &c, 1, 8, 7);
    for (size_t i = 0; i < m.n_params; i++)         /* sharper than the initialisation: losses differ by context */
        m.params[i] *= 6.0f;
}
static void free_model(void) { gpt_free(&m); }

/* -ln p(ids[t] | ids[from .. t-1]) by a forward pass over exactly that prefix. */
static double token_nll(const int *ids, size_t from, size_t t) {
    int w = (int)(t - from), V = m.cfg.vocab;
    gpt_forward(&m, ids + from, NULL, 1, w);
    const float *z = m.a.logits + (size_t)(w - 1) * V;
    double max = z[0], sum = 0;
    for (int v = 1; v < V; v++)
        max = z[v] > max ? z[v] : max;
    for (int v = 0; v < V; v++)
        sum += exp(z[v] - max);
    return -(z[ids[t]] - max - log(sum));
}

/* The documented rule, one token at a time: window k feeds tokens from
 * s = k*stride on and scores the targets no earlier window did, each from s. */
static double by_hand(const int *ids, size_t n, int W, int stride) {
    double total = 0;
    size_t done = 1;
    for (size_t s = 0; done < n; s += (size_t)stride) {
        size_t last = s + (size_t)W < n - 1 ? s + (size_t)W : n - 1;     /* the last target */
        for (size_t t = done > s + 1 ? done : s + 1; t <= last; t++)
            total += token_nll(ids, s, t);
        done = last + 1;
    }
    return total;
}

Test(sequence_nll, matches_the_loss_by_hand_for_every_stride, .init = tiny_model, .fini = free_model) {
    int ids[29];
    for (int i = 0; i < 29; i++)
        ids[i] = (i * 17 + 3) % 40;
    size_t lengths[] = {2, 5, 8, 9, 29};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t n = lengths[k];
        int W = n - 1 < 8 ? (int)(n - 1) : 8;
        for (int stride = 1; stride <= W; stride++) {
            double want = by_hand(ids, n, W, stride);
            size_t predicted = 0;
            double got = sequence_nll(&m, ids, n, stride, &predicted);
            char where[120];
            snprintf(where, sizeof where, "sequence_nll of %zu tokens, context 8, stride %d (total nats)", n, stride);
            EXPECT_NEAR(got, want, 1e-4, where,
                        "window k starts at k*stride and scores only the tokens no earlier window scored; "
                        "targets -1 elsewhere, and the mean from gpt_forward times the number scored");
            cr_assert(predicted == n - 1, "%s: *predicted is %zu, expected %zu (every token but the first)", where,
                      predicted, n - 1);
        }
    }
    cr_assert(sequence_nll(&m, ids, 1, 1, NULL) == 0.0, "one token: nothing to predict, so 0 nats");
}

Test(sequence_nll, a_smaller_stride_changes_the_context, .init = tiny_model, .fini = free_model) {
    /* sanity on a real model would be "smaller stride, lower loss"; here: stride changes the result,
     * so the windows really overlap (a version that ignores stride would give one number) */
    int ids[24];
    for (int i = 0; i < 24; i++)
        ids[i] = (i * 7) % 11;
    double a = sequence_nll(&m, ids, 24, 8, NULL), b = sequence_nll(&m, ids, 24, 2, NULL);
    cr_assert(fabs(a - b) > 1e-6, "stride 8 and stride 2 gave the same total %.6f\n"
              "  hint: with stride 2 the windows overlap and each token sees more context", a);
}

Test(bits_per_byte, nats_to_bits_over_the_bytes_of_the_predicted_tokens) {
    const char *eot = TOKENIZER_EOT;
    Tokenizer tok;
    const char *text = "abab abab abab ababab";
    tokenizer_train(&tok, (const uint8_t *)text, strlen(text), 259, 1, &eot, 1);
    int ab = -1;
    for (int id = 256; id < 256 + tok.n_merges; id++) {
        size_t len;
        const uint8_t *b = tokenizer_token_bytes(&tok, id, &len);
        if (len == 2 && b[0] == 'a' && b[1] == 'b')
            ab = id;
    }
    cr_assert(ab >= 0, "test setup: the tokenizer should have learned the token ab");
    int special = tokenizer_special_id(&tok, TOKENIZER_EOT);
    int ids[] = {'x', ab, 'c', special, ab};       /* predicted: ab c eot ab = 2 + 1 + 1 + 2 = 6 bytes */
    double got = bits_per_byte(&tok, ids, 5, 6.0 * log(2.0));
    EXPECT_NEAR(got, 1.0, 1e-9, "bits_per_byte of 6 ln 2 nats over tokens ab c <|endoftext|> ab",
                "6 bits over 6 bytes: the first token is not predicted, a special token is one byte, "
                "ab is two");
    EXPECT_NEAR(bits_per_byte(&tok, ids, 1, 3.0), 0.0, 0, "bits_per_byte with nothing predicted",
                "no bytes: return 0, not a division by zero");
    tokenizer_free(&tok);
}
