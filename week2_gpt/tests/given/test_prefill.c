/*
 * Tests of Week 2's given code (run by `make test`, not graded):
 * gpt_cache_prefill, which fills the KV cache from a prompt with one forward
 * pass, against the same prompt fed one gpt_decode_step at a time. The cache
 * rows, the logits after the prompt and the logits of the steps after it
 * must agree (within rounding: matrix products add in another order than
 * matrix-vector products).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "testing.h"

TestSuite(given_prefill, .timeout = 30);

static const GptConfig cfg = {.vocab = 37, .ctx = 24, .n_layer = 2, .n_head = 2, .n_embd = 16};

/* The cache and logits of `n` prompt tokens then `more` single steps. */
static void run(Gpt *m, int prefill, const int *tokens, int n, int more, float *cache_out, float *logits_out) {
    GptCache kv;
    gpt_cache_init(&kv, m);
    testing_fill_nan(kv.qkv, (size_t)cfg.n_layer * cfg.ctx * 3 * cfg.n_embd); /* a row not written shows */
    testing_fill_nan(kv.logits, (size_t)cfg.vocab);
    const float *logits = NULL;
    if (prefill)
        logits = gpt_cache_prefill(m, &kv, tokens, n);
    else
        for (int i = 0; i < n; i++) logits = gpt_decode_step(m, &kv, tokens[i]);
    memcpy(logits_out, logits, (size_t)cfg.vocab * sizeof(float));
    for (int i = 0; i < more; i++) {
        logits = gpt_decode_step(m, &kv, tokens[n + i]);
        memcpy(logits_out + (size_t)(i + 1) * cfg.vocab, logits, (size_t)cfg.vocab * sizeof(float));
    }
    cr_assert(kv.len == n + more, "gpt_cache_prefill: the cache should hold %d positions, holds %d", n + more, kv.len);
    memcpy(cache_out, kv.qkv, (size_t)cfg.n_layer * cfg.ctx * 3 * cfg.n_embd * sizeof(float));
    gpt_cache_free(&kv);
}

/* Prefill n tokens into a model with room for T positions, then 3 steps. */
static void check(int n, int T) {
    Gpt m;
    gpt_init(&m, &cfg, 1, T, 11);
    int tokens[24];
    for (int i = 0; i < 24; i++) tokens[i] = (i * 7 + 3) % cfg.vocab;
    int more = n + 3 <= cfg.ctx ? 3 : cfg.ctx - n;
    size_t nc = (size_t)cfg.n_layer * cfg.ctx * 3 * cfg.n_embd, nl = (size_t)(more + 1) * cfg.vocab;
    float *c1 = malloc(nc * sizeof *c1), *c2 = malloc(nc * sizeof *c2);
    float *l1 = malloc(nl * sizeof *l1), *l2 = malloc(nl * sizeof *l2);
    run(&m, 0, tokens, n, more, c1, l1);
    run(&m, 1, tokens, n, more, c2, l2);
    char what[128];
    size_t rows = (size_t)3 * cfg.n_embd;
    for (int l = 0; l < cfg.n_layer; l++) {
        snprintf(what, sizeof what, "gpt_cache_prefill of %d tokens (model room %d): layer %d's cache rows", n, T, l);
        expect_array_near(c2 + (size_t)l * cfg.ctx * rows, c1 + (size_t)l * cfg.ctx * rows, (size_t)(n + more) * rows,
                          rows, 1e-4, what, "each layer's q|k|v rows of positions 0 .. n-1, from its qkv activation");
    }
    snprintf(what, sizeof what, "gpt_cache_prefill of %d tokens (model room %d): the logits, then %d steps", n, T,
             more);
    expect_array_near(l2, l1, nl, cfg.vocab, 1e-4, what, "the last position's logits, then decode steps as usual");
    free(c1), free(c2), free(l1), free(l2);
    gpt_free(&m);
}

Test(given_prefill, one_forward_pass_fills_the_cache_like_single_steps) {
    check(1, cfg.ctx);
    check(5, cfg.ctx);
    check(cfg.ctx - 2, cfg.ctx);
    check(cfg.ctx, cfg.ctx); /* a full context: no step after it */
}

Test(given_prefill, a_model_without_room_falls_back_to_single_steps) {
    check(5, 1);
    check(5, 4);
}
