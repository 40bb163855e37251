/*
 * Week 4 exercises: the loss of a long text, each token predicted once, and
 * bits per byte.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "domain.h"
#include "todo.h"

double sequence_nll(Gpt *m, const int *ids, size_t n, int stride, size_t *predicted) {
    if (predicted) *predicted = n > 0 ? n - 1 : 0;
    if (n < 2) return 0.0;
    int W = n - 1 < (size_t)m->T ? (int)(n - 1) : m->T;
    LLMLAB_CHECK(stride >= 1 && stride <= W, "a stride from 1 to the window", "sequence_nll: stride %d, window %d",
                 stride, W);
    /* TODO(week4): y = a buffer of W targets; done = 1 (the first token to
     * score: token 0 has nothing before it). For start = 0, stride,
     * 2 stride, ... while done < n: w = min(W, n - 1 - start) inputs;
     * y[t] = ids[start + t + 1] when start + t + 1 >= done, else -1;
     * total += gpt_forward(m, ids + start, y, 1, w) times the number of
     * targets that are not -1; done = start + w + 1. Return total. */
    /* BEGIN SOLUTION */
    int *y = XMALLOC((size_t)W * sizeof *y);
    double total = 0.0;
    size_t done = 1;
    for (size_t start = 0; done < n; start += (size_t)stride) {
        int w = n - 1 - start < (size_t)W ? (int)(n - 1 - start) : W, counted = 0;
        for (int t = 0; t < w; t++) {
            size_t target = start + (size_t)t + 1;
            y[t] = target >= done ? ids[target] : -1;
            counted += target >= done;
        }
        if (counted) total += (double)gpt_forward(m, ids + start, y, 1, w) * counted;
        done = start + (size_t)w + 1;
    }
    free(y);
    return total;
    /* END SOLUTION */
}

double bits_per_byte(const Tokenizer *tok, const int *ids, size_t n, double nll_nats) {
    /* TODO(week4): bytes = the length of tokens 1 .. n-1 (tokenizer_token_bytes
     * gives it; a special token, tokenizer_is_special, counts as 1); return
     * nll_nats / log(2) / bytes (0 when there are no bytes). */
    /* BEGIN SOLUTION */
    size_t bytes = 0;
    for (size_t i = 1; i < n; i++) {
        size_t len = 1;
        if (!tokenizer_is_special(tok, ids[i])) tokenizer_token_bytes(tok, ids[i], &len);
        bytes += len;
    }
    return bytes ? nll_nats / log(2.0) / (double)bytes : 0.0;
    /* END SOLUTION */
}
