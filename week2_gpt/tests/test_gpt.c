/*
 * Week 2 tests, the model: the whole GPT against its PyTorch twin on a tiny
 * config (tools/gpt_torch.py via tools/make_fixtures.py, week2): logits, loss,
 * every parameter's gradient, ten AdamW steps; the KV cache against a full
 * recomputation. A mismatch names the tensor and the worst index.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "gpt.h"
#include "testing.h"

static Fixture fx;
static void setup(void) { fixture_load(&fx, FIXTURE_PATH("week2_gpt", "gpt.bin")); }
static void teardown(void) { fixture_free(&fx); }

#define EXERCISE(name) TestSuite(name, .init = setup, .fini = teardown, .timeout = 30)
EXERCISE(gpt_forward);
EXERCISE(gpt_backward);
EXERCISE(gpt_decode_step);

static GptConfig cfg;
static int B, T;

/* A model with the fixture's parameters, and its tokens and targets. */
static void load_model(Gpt *m, int *tokens, int *targets) {
    const double *c = fixture_get(&fx, "config")->data;
    cfg = (GptConfig){.vocab = (int)c[0], .ctx = (int)c[1], .n_layer = (int)c[2], .n_head = (int)c[3],
                      .n_embd = (int)c[4]};
    B = (int)c[5], T = (int)c[6];
    gpt_init(m, &cfg, B, T, 1);
    float *at = m->params;
    char key[64];
#define X(NAME, COUNT)                                                                             \
    {                                                                                              \
        snprintf(key, sizeof key, "param.%s", #NAME);                                              \
        const FixtureArray *a = fixture_get(&fx, key);                                             \
        cr_assert(a->size == (COUNT), "fixture %s has %zu floats, the model %zu", key, a->size,    \
                  (size_t)(COUNT));                                                                \
        for (size_t i = 0; i < a->size; i++)                                                       \
            at[i] = (float)a->data[i];                                                             \
        at += a->size;                                                                             \
    }
    GPT_PARAMS(X, cfg.vocab, cfg.ctx, cfg.n_layer, cfg.n_embd)
#undef X
    const FixtureArray *tk = fixture_get(&fx, "tokens"), *tg = fixture_get(&fx, "targets");
    for (int i = 0; i < B * T; i++)
        tokens[i] = (int)tk->data[i], targets[i] = (int)tg->data[i];
}

/* Compare got (n) with fixture key; fail naming the worst element. */
static void expect_close(const float *got, const char *key, double tol, const char *hint) {
    const FixtureArray *want = fixture_get(&fx, key);
    size_t worst = 0;
    double worst_err = -1;
    for (size_t i = 0; i < want->size; i++) {
        double scale = fabs(want->data[i]) > 1 ? fabs(want->data[i]) : 1;
        double err = isfinite(got[i]) ? fabs(got[i] - want->data[i]) / scale : INFINITY;
        if (err > worst_err)
            worst_err = err, worst = i;
    }
    cr_assert(worst_err <= tol, "%s: worst element [%zu] of %zu: expected %.7g, got %.7g (relative error %.2g > %g)\n"
                                "  hint: %s", key, worst, want->size, want->data[worst], got[worst], worst_err, tol,
              hint);
}

Test(gpt_forward, logits_and_loss_match_pytorch) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    float loss = gpt_forward(&m, tokens, targets, B, T);
    expect_close(m.a.logits, "logits", 1e-4,
                 "embeddings, then per layer ln1 -> qkv -> causal attention -> proj -> +x -> ln2 -> fc -> gelu -> "
                 "fcproj -> +res1, then lnf and logits = lnf @ wte^T");
    EXPECT_NEAR(loss, fixture_get(&fx, "loss")->data[0], 1e-5, "the mean cross-entropy",
                "cross_entropy_forward over all B*T positions");
    EXPECT_NEAR(gpt_forward(&m, tokens, NULL, B, T), 0.0, 0, "gpt_forward without targets",
                "without targets there is no loss: return 0");
    gpt_free(&m);
}

Test(gpt_forward, a_future_token_never_changes_the_past) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    gpt_forward(&m, tokens, NULL, B, T);
    size_t per_row = (size_t)T * cfg.vocab;
    float *before = malloc(per_row * sizeof *before);
    memcpy(before, m.a.logits, per_row * sizeof *before);
    tokens[T - 1] = (tokens[T - 1] + 1) % cfg.vocab;       /* change the last token of row 0 */
    gpt_forward(&m, tokens, NULL, B, T);
    for (size_t i = 0; i < (size_t)(T - 1) * cfg.vocab; i++)
        cr_assert(before[i] == m.a.logits[i], "changing token %d changed the logits of position %zu: the "
                                              "attention is not causal\n  hint: mha_forward(..., causal = 1)",
                  T - 1, i / cfg.vocab);
    free(before);
    gpt_free(&m);
}

Test(gpt_backward, every_gradient_matches_pytorch) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    memset(m.grads, 0, m.n_params * sizeof(float));
    gpt_forward(&m, tokens, targets, B, T);
    gpt_backward(&m);
    const float *at = m.grads;
    char key[64];
#define X(NAME, COUNT)                                                                             \
    snprintf(key, sizeof key, "grad.%s", #NAME);                                                   \
    expect_close(at, key, 1e-3, "grad." #NAME ": follow gpt_forward backwards; wte gets the head's " \
                                "gradient and the embedding's, added");                             \
    at += (COUNT);
    GPT_PARAMS(X, cfg.vocab, cfg.ctx, cfg.n_layer, cfg.n_embd)
#undef X
    gpt_free(&m);
}

Test(gpt_backward, ten_adamw_steps_follow_pytorch) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    float *mom1 = calloc(m.n_params, sizeof(float)), *mom2 = calloc(m.n_params, sizeof(float));
    const double *want = fixture_get(&fx, "adamw.losses")->data;
    for (int step = 0; step < 10; step++) {
        memset(m.grads, 0, m.n_params * sizeof(float));
        float loss = gpt_forward(&m, tokens, targets, B, T);
        gpt_backward(&m);
        for (int k = 0; k < m.n_groups; k++) {
            const ParamGroup *g = &m.groups[k];
            adamw_update(m.params + g->offset, m.grads + g->offset, mom1 + g->offset, mom2 + g->offset, g->size,
                         step + 1, 1e-2f, 0.9f, 0.95f, 1e-8f, g->decay ? 0.1f : 0.0f);
        }
        char where[64];
        snprintf(where, sizeof where, "the loss before AdamW step %d", step + 1);
        EXPECT_NEAR(loss, want[step], 2e-4, where,
                    "the first step matches but later ones drift: a gradient is slightly off, or weight decay "
                    "hits the wrong tensors (only wte, qkv_w, proj_w, fc_w, fcproj_w decay)");
    }
    free(mom1), free(mom2);
    gpt_free(&m);
    EXPECT_NO_LEAKS();
}

Test(gpt_decode_step, the_kv_cache_gives_the_full_recomputation) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    gpt_forward(&m, tokens, NULL, 1, T);                    /* row 0, all positions at once */
    GptCache kv;
    gpt_cache_init(&kv, &m);
    for (int t = 0; t < T; t++) {
        const float *logits = gpt_decode_step(&m, &kv, tokens[t]);
        cr_assert(kv.len == t + 1, "after %d steps kv->len should be %d, got %d", t + 1, t + 1, kv.len);
        for (int v = 0; v < cfg.vocab; v++) {
            float full = m.a.logits[(size_t)t * cfg.vocab + v];
            cr_assert(fabsf(logits[v] - full) <= 1e-5f * fmaxf(1.0f, fabsf(full)),
                      "position %d, token %d: the cached step gives %.7g, the full forward %.7g\n"
                      "  hint: write this position's qkv row into the cache at row t before attending, and let "
                      "the one query see keys 0..t (Tk = t + 1)", t, v, logits[v], full);
        }
    }
    gpt_cache_free(&kv);
    gpt_free(&m);
}
