/*
 * Week 2 tests, the model: the whole GPT against its PyTorch twin on a tiny
 * config (tools/gpt_torch.py via tools/make_fixtures.py, week2): logits, loss,
 * every parameter's gradient, a second backward pass, ten AdamW steps; the KV
 * cache against PyTorch's full forward pass. A mismatch names the function,
 * the tensor, its layer and the element.
 *
 * Forward outputs are filled with NaN before the call (an element never
 * written stays NaN); parameter gradients are filled with a known pattern
 * first, since gpt_backward adds to them (testing.h).
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
EXERCISE(block_decode);
EXERCISE(gpt_decode_step);

static GptConfig cfg;
static int B, T;

/* A model with the fixture's parameters, and its tokens and targets. */
static void load_model(Gpt *m, int *tokens, int *targets) {
    const double *c = fixture_get(&fx, "config")->data;
    cfg = (GptConfig){
        .vocab = (int)c[0], .ctx = (int)c[1], .n_layer = (int)c[2], .n_head = (int)c[3], .n_embd = (int)c[4]};
    B = (int)c[5], T = (int)c[6];
    gpt_init(m, &cfg, B, T, 1);
    GptTensor t[GPT_MAX_TENSORS];
    int n = gpt_tensors(&cfg, t);
    for (int k = 0; k < n; k++) {
        char key[64];
        snprintf(key, sizeof key, "param.%s", t[k].name);
        const FixtureArray *a = fixture_get(&fx, key);
        cr_assert(a->size == t[k].count, "fixture %s has %zu floats, the model %zu", key, a->size, t[k].count);
        for (size_t i = 0; i < a->size; i++) m->params[t[k].offset + i] = (float)a->data[i];
    }
    const FixtureArray *tk = fixture_get(&fx, "tokens"), *tg = fixture_get(&fx, "targets");
    for (int i = 0; i < B * T; i++) tokens[i] = (int)tk->data[i], targets[i] = (int)tg->data[i];
}

/* Compare got with the first n values of fixture key (all when n is 0);
 * fail naming the worst element and explaining a NaN. */
static void expect_close(const float *got, const char *key, size_t n, double tol, const char *what, const char *hint) {
    const FixtureArray *want = fixture_get(&fx, key);
    n = n ? n : want->size;
    size_t worst = 0;
    double worst_err = -1;
    for (size_t i = 0; i < n; i++) {
        double scale = fabs(want->data[i]) > 1 ? fabs(want->data[i]) : 1;
        double err = isfinite(got[i]) ? fabs(got[i] - want->data[i]) / scale : INFINITY;
        if (err > worst_err) worst_err = err, worst = i;
    }
    size_t V = (size_t)cfg.vocab;
    if (isnan(got[worst]))
        cr_assert_fail("%s: position %zu, token %zu is NaN, expected %.7g\n  the output was filled with NaN before "
                       "the call: every element must be written, and nothing read before it is written\n  hint: %s",
                       what, worst / V, worst % V, want->data[worst], hint);
    cr_assert(worst_err <= tol,
              "%s: worst element: position %zu, token %zu of %zu values: expected %.7g, got %.7g "
              "(relative error %.2g > %g)\n  hint: %s",
              what, worst / V, worst % V, n, want->data[worst], got[worst], worst_err, tol, hint);
}

Test(gpt_forward, logits_and_loss_match_pytorch) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    testing_fill_nan(m.acts, m.n_acts);
    float loss = gpt_forward(&m, tokens, targets, B, T);
    expect_close(m.a.logits, "logits", 0, 1e-4, "gpt_forward: the logits (m->a.logits) against PyTorch",
                 "embedding_forward into a->encoded; then for each layer l, block_forward(&blk, "
                 "gpt_layer_out(m, l), x, B, T) with blk = gpt_block(m, l) and x the previous layer's output "
                 "(a->encoded for layer 0); then the final LayerNorm lnf on the last layer's output, and "
                 "logits = lnf @ wte^T");
    EXPECT_NEAR(loss, fixture_get(&fx, "loss")->data[0], 1e-5, "gpt_forward: the mean cross-entropy it returns",
                "cross_entropy_forward(a->probs, a->logits, targets, N, V) over all N = B*T positions");
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
    tokens[T - 1] = (tokens[T - 1] + 1) % cfg.vocab; /* change the last token of row 0 */
    gpt_forward(&m, tokens, NULL, B, T);
    for (size_t i = 0; i < (size_t)(T - 1) * cfg.vocab; i++)
        cr_assert(before[i] == m.a.logits[i],
                  "gpt_forward: changing token %d changed the logits of position %zu: "
                  "the attention is not causal\n  hint: mha_forward(..., causal = 1)",
                  T - 1, i / cfg.vocab);
    free(before);
    gpt_free(&m);
}

/* ---- gradients ---- */

/* The model's tensors (gpt.h's table): names, offsets, sizes. */
static int param_table(GptTensor *out) { return gpt_tensors(&cfg, out); }

/* Which step of the backward pass writes a parameter's gradient. */
static const char *grad_hint(const char *name) {
    static const struct {
        const char *prefix, *hint;
    } hints[] = {
        {"lnf", "the final LayerNorm: its output gradient d->lnf comes from the head's matmul_backward (dlogits "
                "from cross_entropy_backward, weight wte), and its input was the last layer's output, "
                "gpt_layer_out(m, L - 1); if the loss matched, also check that gpt_forward left every layer's "
                "output in its own gpt_layer_out(m, l), which backward reads"},
        {"wpe", "embedding_backward at the very end: wpe gets the gradient of layer 0's input (the dinp of "
                "layer 0's block_backward), summed over the batch"},
        {"wte", "tied weights: the head's matmul_backward adds its weight gradient into g->wte, and "
                "embedding_backward adds the embedding's at the end"},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (strncmp(name, hints[i].prefix, strlen(hints[i].prefix)) == 0) return hints[i].hint;
    return "a block's gradients all come from its block_backward(&blk, dbelow, dx, input, B, T), Day 4's "
           "(which its own tests check): so check what gpt_backward hands it: dx must be the gradient of layer "
           "l's output (lnf's backward into d->res[0] for the last layer, the dinp of the block above for the "
           "others), dbelow the other d->res buffer, cleared first, and input what layer l read in forward: "
           "gpt_layer_out(m, l - 1), or a->encoded for l = 0 (and that gpt_forward wrote each layer's output "
           "there: a right loss does not prove it)";
}

/* For wte, whose gradient has two parts, say which part went missing. */
static void explain_wte(const float *got, int prefilled, double tol) {
    const FixtureArray *head = fixture_get(&fx, "grad.wte.head"), *embed = fixture_get(&fx, "grad.wte.embed");
    int only_head = 1, only_embed = 1, embed_alone = 1;
    for (size_t i = 0; i < head->size; i++) {
        double base = prefilled ? testing_prefill_value(i) : 0.0, g = got[i] - base;
        only_head &= llmlab_close(g, head->data[i], tol);
        only_embed &= llmlab_close(g, embed->data[i], tol);
        embed_alone &= llmlab_close(got[i], embed->data[i], tol);
    }
    cr_assert(!only_head, "gpt_backward: grad.wte holds the head's part only; the embedding's part is missing\n"
                          "  hint: wte is used twice (tied): finish with embedding_backward(g->wte, g->wpe, ...), "
                          "which adds (+=) each position's gradient to its token's row");
    cr_assert(!only_embed, "gpt_backward: grad.wte holds the embedding's part only; the head's part is missing\n"
                           "  hint: wte is used twice (tied): the head's matmul_backward must get g->wte as its "
                           "weight gradient (logits = lnf @ wte^T)");
    cr_assert(!embed_alone || !prefilled,
              "gpt_backward: grad.wte holds exactly the embedding's part: the head's part, and what g->wte held "
              "before the call, were overwritten\n  hint: wte is used twice (tied): nothing may assign (=) or "
              "clear g->wte between the head's matmul_backward and embedding_backward; both add (+=)");
}

/* Check tensor k's slice of layer l (l = 0 for a tensor that is not stacked). */
static void check_slice(const float *grads, const GptTensor *pi, int l, int prefilled, double tol) {
    char key[64];
    snprintf(key, sizeof key, "grad.%s", pi->name);
    const FixtureArray *want = fixture_get(&fx, key);
    const float *got = grads + pi->offset;
    int L = cfg.n_layer;
    size_t per = pi->per_layer ? pi->count / (size_t)L : pi->count;
    size_t cols = want->ndim >= 2 ? want->dims[want->ndim - 1] : per;
    for (size_t j = 0; j < per; j++) {
        size_t i = (size_t)l * per + j;
        double base = prefilled ? testing_prefill_value(i) : 0.0, g = (double)got[i] - base;
        if (llmlab_close(g, want->data[i], tol)) continue;
        if (strcmp(pi->name, "wte") == 0) explain_wte(got, prefilled, tol);
        char where[96];
        if (pi->per_layer)
            snprintf(where, sizeof where, "grad.%s of layer %d (of %d), element [%zu][%zu]", pi->name, l, L, j / cols,
                     j % cols);
        else
            snprintf(where, sizeof where, "grad.%s, element [%zu][%zu]", pi->name, j / cols, j % cols);
        if (isnan(got[i]))
            cr_assert_fail("gpt_backward: %s is NaN, expected %.7g\n  an activation gradient was read before it "
                           "was written, or an activation was not saved by gpt_forward\n  hint: %s",
                           where, want->data[i], grad_hint(pi->name));
        if (prefilled && llmlab_close(got[i], want->data[i], tol))
            cr_assert_fail("gpt_backward: %s should be %.7g (what m->grads held) + %.7g (the gradient) = %.7g, "
                           "got %.7g\n  the gradient was assigned (=), or m->grads was cleared: gpt_backward adds "
                           "(+=) to m->grads, which the caller zeroes\n  hint: %s",
                           where, base, want->data[i], base + want->data[i], got[i], grad_hint(pi->name));
        cr_assert_fail("gpt_backward: %s: expected a gradient of %.7g, got %.7g (tolerance %g)\n"
                       "  the tensors that backward fills before this one match (checked in its order: lnf, then "
                       "each layer from the last down, fcproj to ln1, then wpe and wte), so look at this step\n"
                       "  hint: %s",
                       where, want->data[i], g, tol, grad_hint(pi->name));
    }
}

/*
 * Check m->grads against PyTorch in the order gpt_backward computes them:
 * lnf, then layer L-1 from fcproj back to ln1, ..., layer 0, then the
 * embeddings. The first tensor named is where the backward pass first goes
 * wrong. With prefilled, each tensor held testing_prefill_value(i) before.
 */
static void check_grads(const float *grads, int prefilled, double tol) {
    GptTensor info[GPT_MAX_TENSORS];
    int n = param_table(info);
    for (int k = n - 1; k >= 0; k--) /* lnf_b, lnf_w */
        if (strncmp(info[k].name, "lnf", 3) == 0) check_slice(grads, &info[k], 0, prefilled, tol);
    for (int l = cfg.n_layer - 1; l >= 0; l--)
        for (int k = n - 1; k >= 0; k--) /* fcproj_b, fcproj_w, fc_b, ..., ln1_w */
            if (info[k].per_layer) check_slice(grads, &info[k], l, prefilled, tol);
    for (int k = n - 1; k >= 0; k--) /* wpe, then wte */
        if (!info[k].per_layer && strncmp(info[k].name, "lnf", 3) != 0) check_slice(grads, &info[k], 0, prefilled, tol);
    cr_assert(1);
}

/* grads filled with testing_prefill_value, tensor by tensor (index from each tensor's start) */
static void prefill_grads(Gpt *m) {
    GptTensor info[GPT_MAX_TENSORS];
    int n = param_table(info);
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < info[k].count; i++) m->grads[info[k].offset + i] = testing_prefill_value(i);
}

Test(gpt_backward, every_gradient_matches_pytorch) {
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    prefill_grads(&m);
    float loss = gpt_forward(&m, tokens, targets, B, T), want = (float)fixture_get(&fx, "loss")->data[0];
    if (!llmlab_close(loss, want, 1e-4))
        cr_assert_fail("gpt_forward: its loss is %.7g, PyTorch's %.7g, so the gradients of gpt_backward cannot "
                       "match either: this test stops here\n  hint: make gpt_forward/logits_and_loss_match_pytorch "
                       "pass first",
                       loss, want);
    gpt_backward(&m);
    check_grads(m.grads, 1, 1e-3);
    gpt_free(&m);
}

Test(gpt_backward, a_second_call_gives_the_same_gradients) {
    /* The training loop calls gpt_backward once per step, on the same
     * buffers: whatever the last call left in m->dacts (d->logits, d->lnf,
     * d->res, the blocks' shared gradients) must not leak in. */
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    memset(m.grads, 0, m.n_params * sizeof(float));
    gpt_forward(&m, tokens, targets, B, T);
    gpt_backward(&m);
    float *first = malloc(m.n_params * sizeof *first);
    memcpy(first, m.grads, m.n_params * sizeof *first);
    for (int call = 2; call <= 3; call++) {
        if (call == 3) /* as if some other batch had run backward before */
            for (size_t i = 0; i < m.n_dacts; i++) m.dacts[i] = testing_prefill_value(i);
        memset(m.grads, 0, m.n_params * sizeof(float));
        gpt_backward(&m);
        GptTensor info[GPT_MAX_TENSORS];
        int n = param_table(info);
        for (int k = n - 1; k >= 0; k--)
            for (size_t i = 0; i < info[k].count; i++) {
                float a = first[info[k].offset + i], b = m.grads[info[k].offset + i];
                cr_assert(llmlab_close(b, a, 1e-5),
                          "gpt_backward called %s on the same batch (m->grads zeroed before each call) gave "
                          "another gradient: grad.%s[%zu] was %.7g, now %.7g\n"
                          "  every backward of Days 2 to 4 adds (+=) into its output gradient, and the buffers "
                          "of m->d still held the %s\n  hint: clear d->logits, d->lnf and each d->res buffer "
                          "(memset) before the backward that adds into it; block_backward clears the blocks' own",
                          call == 2 ? "a second time" : "again after m->dacts was filled with other values",
                          info[k].name, i, a, b, call == 2 ? "first call's values" : "values put there");
            }
    }
    free(first);
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
        if (!llmlab_close(loss, want[step], 2e-4)) {
            if (step == 0)
                cr_assert_fail("gpt_forward: the loss before the first AdamW step is %.7g, PyTorch's %.7g\n"
                               "  nothing has been updated yet, so this is the forward pass alone\n"
                               "  hint: see gpt_forward/logits_and_loss_match_pytorch",
                               loss, want[0]);
            if (step == 1)
                cr_assert_fail("the loss before AdamW step 1 matches PyTorch; the loss after it is %.7g, "
                               "expected %.7g\n  so the first update moved the weights wrongly: gpt_backward's "
                               "gradients are off (see gpt_backward/every_gradient_matches_pytorch), or weight "
                               "decay hits the wrong tensors (only wte, qkv_w, proj_w, fc_w, fcproj_w decay)",
                               loss, want[1]);
            cr_assert_fail("the losses before AdamW steps 1 to %d match PyTorch; the loss before step %d is "
                           "%.7g, expected %.7g\n  the first update was right and a later one is not, so "
                           "something depends on the calls before: most often gpt_backward adding (+=) into "
                           "m->d buffers that still hold the last call's values; it must clear them first (see "
                           "gpt_backward/a_second_call_gives_the_same_gradients)",
                           step, step + 1, loss, want[step]);
        }
        gpt_backward(&m);
        for (int k = 0; k < m.n_groups; k++) {
            const ParamGroup *g = &m.groups[k];
            adamw_update(m.params + g->offset, m.grads + g->offset, mom1 + g->offset, mom2 + g->offset, g->size,
                         step + 1, 1e-2f, 0.9f, 0.95f, 1e-8f, g->decay ? 0.1f : 0.0f);
        }
    }
    free(mom1), free(mom2);
    gpt_free(&m);
    EXPECT_NO_LEAKS();
}

/* ---- the KV cache ---- */

Test(block_decode, one_position_at_a_time_gives_block_forward) {
    /* Layer 0 of the fixture's model as a Day 4 block: block_forward over a
     * whole row (the library's, checked by Day 4's tests) against
     * block_decode fed the same inputs one position at a time. */
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    int C = cfg.n_embd, ctx = cfg.ctx;
    Block blk = gpt_block(&m, 0);
    float *inp = malloc((size_t)T * C * sizeof *inp), *out = malloc((size_t)T * C * sizeof *out);
    for (int i = 0; i < T * C; i++) inp[i] = 0.1f * (float)((i * 37) % 23 - 11);
    block_forward(&blk, out, inp, 1, T);
    float *cache = malloc((size_t)ctx * 3 * C * sizeof *cache), *x = malloc((size_t)C * sizeof *x);
    float *scratch = malloc(BLOCK_DECODE_SCRATCH(C, ctx) * sizeof *scratch);
    testing_fill_nan(cache, (size_t)ctx * 3 * C);
    testing_fill_nan(scratch, BLOCK_DECODE_SCRATCH(C, ctx));
    for (int t = 0; t < T; t++) {
        memcpy(x, inp + (size_t)t * C, (size_t)C * sizeof *x);
        block_decode(&blk, x, cache, t, scratch);
        for (int c = 0; c < C; c++) {
            float want = out[(size_t)t * C + c], qkv = blk.acts.qkv[(size_t)t * 3 * C + c];
            if (!llmlab_close(x[c], want, 1e-4))
                cr_assert_fail("block_decode: position %d, channel %d: expected %.7g (block_forward's output "
                               "row %d), got %.7g\n  hint: %s",
                               t, c, want, t, x[c],
                               isnan(x[c]) ? "a NaN: scratch and cache were filled with NaN first, so something "
                                             "was read before it was written (ln, y, o, h and att are separate "
                                             "slices of scratch: a projection must not write the input it reads)"
                               : !llmlab_close(cache[(size_t)t * 3 * C + c], qkv, 1e-4)
                                   ? "this position's q|k|v row in the cache differs from block_forward's: "
                                     "ln1 then the qkv matmul, written at cache + t*3C"
                               : t == 0 ? "at position 0 attention is the value row itself: check the order "
                                          "ln1 -> qkv -> attention -> proj -> x += ; ln2 -> fc -> gelu -> "
                                          "fcproj -> x +="
                                        : "position 0 matched: the attention over rows 0..t of the cache "
                                          "(Tq = 1, Tk = t + 1, row stride 3C, k at cache + C, v at "
                                          "cache + 2C)");
        }
    }
    cr_assert(1);
    free(inp), free(out), free(cache), free(x), free(scratch);
    gpt_free(&m);
}

Test(gpt_decode_step, the_kv_cache_gives_the_full_recomputation) {
    /* Compared with PyTorch's full forward pass over row 0 (the fixture's
     * logits), not with your gpt_forward: a mistake there (attention that
     * is not causal, say) is gpt_forward's tests' business, not the cache's. */
    Gpt m;
    int tokens[64], targets[64];
    load_model(&m, tokens, targets);
    const double *full = fixture_get(&fx, "logits")->data; /* (B,T,V): row 0 first */
    size_t C = (size_t)cfg.n_embd, V = (size_t)cfg.vocab;
    GptCache kv;
    gpt_cache_init(&kv, &m);
    /* Everything the cache holds starts as NaN: a row read before it is written shows. */
    testing_fill_nan(kv.qkv, (size_t)cfg.n_layer * cfg.ctx * 3 * C);
    testing_fill_nan(kv.x, C), testing_fill_nan(kv.scratch, BLOCK_DECODE_SCRATCH(C, cfg.ctx));
    testing_fill_nan(kv.logits, V);
    for (int pass = 1; pass <= 2; pass++) {
        kv.len = 0; /* the second pass reuses the cache, its rows and scratch as the first left them */
        for (int t = 0; t < T; t++) {
            const float *logits = gpt_decode_step(&m, &kv, tokens[t]);
            cr_assert(kv.len == t + 1,
                      "gpt_decode_step: after %d steps kv->len should be %d, got %d\n"
                      "  hint: advance kv->len by one at the end of each step",
                      t + 1, t + 1, kv.len);
            cr_assert(logits == kv.logits, "gpt_decode_step should return kv->logits");
            for (size_t v = 0; v < V; v++) {
                double want = full[(size_t)t * V + v];
                if (isnan(logits[v]))
                    cr_assert_fail("gpt_decode_step (pass %d): the logit of token %zu at position %d is NaN, "
                                   "expected %.7g\n  the cache and its scratch were filled with NaN first: "
                                   "something was read before it was written\n  hint: kv->x = wte[token] + wpe[t] "
                                   "is written (=), not added to; block_decode writes this "
                                   "position's qkv row into the cache at row t before attending, and the one "
                                   "query sees rows 0..t only (Tk = t + 1); gpt_decode_step computes lnf into "
                                   "scratch before the head reads it",
                                   pass, v, t, want);
                cr_assert(llmlab_close(logits[v], want, 1e-4),
                          "gpt_decode_step (pass %d): the logit of token %zu at position %d: the cached step "
                          "gives %.7g, PyTorch's full forward pass %.7g\n  hint: %s",
                          pass, v, t, logits[v], want,
                          pass == 2 ? "the first pass matched, so something depends on what the cache or its "
                                      "scratch held (a buffer added to instead of written)"
                          : t == 0  ? "position 0 needs no cache yet: check x = wte[token] + wpe[0], that every "
                                      "layer's block_decode gets its own cache (kv->qkv + l*ctx*3C), then lnf "
                                      "and the head (see the block_decode test)"
                                    : "position 0 matched and a later one does not: the cache. t = kv->len, "
                                      "wpe[t], and each layer's rows 0..t (written by block_decode at row t)");
            }
        }
    }
    gpt_cache_free(&kv);
    gpt_free(&m);
}
