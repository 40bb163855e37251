/*
 * Week 4 tests: the loss of a long text with each token predicted once
 * (checked against a loss computed by hand, token by token, on a tiny
 * model), and bits per byte.
 *
 * When a total is wrong, the tests also compute the totals of the usual
 * mistakes (a window's mean added instead of its sum, a target scored twice,
 * windows that ignore the stride, ...) and name the one that matches.
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
    for (size_t i = 0; i < m.n_params; i++) /* sharper than the initialisation: losses differ by context */
        m.params[i] *= 6.0f;
}
static void free_model(void) { gpt_free(&m); }

/* -ln p(ids[want] | ids[from .. t-1]) by a forward pass over exactly that
 * prefix; want is t when the next token is predicted, as it should be. */
static double token_nll(const int *ids, size_t from, size_t t, size_t want) {
    int w = (int)(t - from), V = m.cfg.vocab;
    gpt_forward(&m, ids + from, NULL, 1, w);
    const float *z = m.a.logits + (size_t)(w - 1) * V;
    double max = z[0], sum = 0;
    for (int v = 1; v < V; v++) max = z[v] > max ? z[v] : max;
    for (int v = 0; v < V; v++) sum += exp(z[v] - max);
    return -(z[ids[want]] - max - log(sum));
}

/* The documented rule, one token at a time, and the usual ways to get it wrong. */
enum Way {
    RIGHT, /* window k feeds tokens from s = k*stride on and scores the targets no earlier window did */
    MEAN,  /* adds each window's mean instead of its sum */
    TWICE, /* done = s + w: each window scores the last target of the one before again */
    ALL,   /* every window scores all of its targets */
    SELF,  /* position t's target is its own input token, ids[s + t] */
    SHORT, /* stops while the last token is still unscored (done < n - 1) */
    N_WAYS
};
static double by_hand(const int *ids, size_t n, int W, int stride, enum Way way) {
    double total = 0;
    size_t done = 1;
    for (size_t s = 0; way == SHORT ? done < n - 1 : done < n; s += (size_t)stride) {
        size_t last = s + (size_t)W < n - 1 ? s + (size_t)W : n - 1; /* the last target */
        size_t first = way == ALL ? s + 1 : done > s + 1 ? done : s + 1;
        double sum = 0;
        for (size_t t = first; t <= last; t++) sum += token_nll(ids, s, t, way == SELF ? t - 1 : t);
        total += way == MEAN ? sum / (double)(last + 1 - first) : sum;
        done = way == TWICE ? last : last + 1;
        if (last == n - 1) /* the text is done (TWICE would go on for ever) */
            break;
    }
    return total;
}

/* Which usual mistake gives `got`, in words; NULL when none does. */
static const char *which_mistake(double got, const int *ids, size_t n, int W, int stride) {
    static const char *said[N_WAYS] = {
        [MEAN] = "your total is the sum of each window's MEAN loss: gpt_forward returns the mean over the targets "
                 "that are not -1; multiply it by how many there are",
        [TWICE] = "your total scores the last target of each window again in the next one: after a window, done "
                  "is one PAST its last target (start + w + 1)",
        [ALL] = "your total scores every target of every window, so overlapping windows count tokens twice: a "
                "target an earlier window scored gets -1",
        [SELF] = "your total predicts each input token itself: position t of the window predicts the NEXT token, "
                 "ids[start + t + 1]",
        [SHORT] = "your total leaves out the last token: go on while done < n (token n - 1 is predicted too)",
    };
    for (int way = MEAN; way < N_WAYS; way++)
        if (llmlab_close(got, by_hand(ids, n, W, stride, (enum Way)way), 1e-4)) return said[way];
    if (stride < W && llmlab_close(got, by_hand(ids, n, W, W, RIGHT), 1e-4))
        return "your total is that of windows that do not overlap (each starts where the last one stopped), so "
               "a token after a window's edge loses its context: window k starts at k * stride";
    return NULL;
}

/* A text of n tokens in a buffer with room after it, filled with ordinary
 * tokens of pattern `pad` (1 or 2): a loop that runs past the text reads them
 * instead of crashing, and gives another total for another pattern. */
#define PAD 32
static void text_in(int *buf, const int *ids, size_t n, int pad) {
    memcpy(buf, ids, n * sizeof *buf);
    for (size_t i = n; i < n + PAD; i++) buf[i] = (int)(i * (pad == 1 ? 3 : 13) + 1) % 40;
}

Test(sequence_nll, matches_the_loss_by_hand_for_every_stride, .init = tiny_model, .fini = free_model) {
    int ids[29], text[29 + PAD];
    for (int i = 0; i < 29; i++) ids[i] = (i * 17 + 3) % 40;
    size_t lengths[] = {2, 5, 8, 9, 29};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t n = lengths[k];
        int W = n - 1 < 8 ? (int)(n - 1) : 8;
        for (int stride = 1; stride <= W; stride++) {
            double want = by_hand(ids, n, W, stride, RIGHT);
            size_t predicted = 0;
            text_in(text, ids, n, 1);
            double got = sequence_nll(&m, text, n, stride, &predicted);
            if (!llmlab_close(got, want, 1e-4)) {
                text_in(text, ids, n, 2);
                double again = sequence_nll(&m, text, n, stride, NULL);
                const char *mistake =
                    again != got ? "your total depends on what lies AFTER the text, so windows run past token n - 1: "
                                   "w = min(W, n - 1 - start), and stop once done reaches n (done = start + w + 1, "
                                   "one past the window's last target)"
                                 : which_mistake(got, ids, n, W, stride);
                cr_assert(0,
                          "sequence_nll of %zu tokens, context 8 (window %d), stride %d: expected %.6f nats in "
                          "all, got %.6f\n  hint: %s",
                          n, W, stride, want, got,
                          mistake ? mistake
                                  : "window k starts at k * stride and scores only the targets no earlier window "
                                    "scored (-1 for the others); add the mean from gpt_forward times the number "
                                    "scored");
            }
            cr_assert(predicted == n - 1,
                      "sequence_nll of %zu tokens, stride %d: *predicted is %zu, expected %zu (every token but "
                      "the first)",
                      n, stride, predicted, n - 1);
        }
    }
    double one = sequence_nll(&m, ids, 1, 1, NULL);
    cr_assert(one == 0.0, "sequence_nll of one token: expected 0 nats (nothing to predict), got %g", one);
}

Test(sequence_nll, a_smaller_stride_changes_the_context, .init = tiny_model, .fini = free_model) {
    /* sanity on a real model would be "smaller stride, lower loss"; here: stride changes the result,
     * so the windows really overlap (a version that ignores stride would give one number) */
    int ids[24 + PAD];
    for (int i = 0; i < 24 + PAD; i++) /* tokens after the 24 keep a loop that runs past them in bounds */
        ids[i] = (i * 7) % 11;
    double a = sequence_nll(&m, ids, 24, 8, NULL), b = sequence_nll(&m, ids, 24, 2, NULL);
    cr_assert(fabs(a - b) > 1e-6,
              "sequence_nll of 24 tokens: stride 8 and stride 2 gave the same total %.6f\n"
              "  hint: window k starts at k * stride; with stride 2 the windows overlap, and each token is "
              "scored by the first window that reaches it, with more context before it",
              a);
}

/* Which usual mistake gives `got` for the test's tokens x | ab c <|endoftext|> ab and 6 ln 2 nats. */
static const char *bpb_mistake(double got) {
    const double nats = 6.0 * log(2.0), bits = 6.0;
    struct {
        double value;
        const char *what;
    } ways[] = {
        {nats / 6.0, "nats are not bits yet: divide by ln 2 (log(2.0)), one bit is ln 2 nats"},
        {nats * log(2.0) / 6.0, "multiplied by ln 2: bits = nats / ln 2"},
        {bits / 4.0, "divided by the 4 predicted tokens: divide by the bytes they stand for"},
        {bits / 5.0, "divided by 5: the 5 tokens (divide by bytes, of tokens 1 .. n-1), or the bytes without "
                     "<|endoftext|> (a special token counts as one byte)"},
        {bits / 7.0, "counted the bytes of token 0 too: it is context, never predicted; start at 1"},
        {bits / 18.0, "counted <|endoftext|> as the 13 bytes of its name: check tokenizer_is_special first, a "
                      "special token counts as one byte"},
    };
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++)
        if (llmlab_close(got, ways[i].value, 1e-9)) return ways[i].what;
    return "6 bits over 6 bytes: the first token is not predicted, a special token is one byte, ab is two";
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
        if (len == 2 && b[0] == 'a' && b[1] == 'b') ab = id;
    }
    cr_assert(ab >= 0, "test setup: the tokenizer should have learned the token ab");
    int special = tokenizer_special_id(&tok, TOKENIZER_EOT);
    int ids[] = {'x', ab, 'c', special, ab}; /* predicted: ab c eot ab = 2 + 1 + 1 + 2 = 6 bytes */
    double got = bits_per_byte(&tok, ids, 5, 6.0 * log(2.0));
    cr_assert(llmlab_close(got, 1.0, 1e-9),
              "bits_per_byte of 6 ln 2 nats over the tokens x | ab c <|endoftext|> ab (x is context): expected "
              "1 bit per byte (6 bits over 2 + 1 + 1 + 2 = 6 bytes), got %.10g\n  hint: %s",
              got, bpb_mistake(got));
    double none = bits_per_byte(&tok, ids, 1, 3.0);
    cr_assert(none == 0.0,
              "bits_per_byte of 3 nats with one token (nothing predicted, no bytes): expected 0, got %g\n"
              "  hint: with no bytes return 0, not a division by zero",
              none);
    tokenizer_free(&tok);
}
