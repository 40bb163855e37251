/*
 * Day 5 tests, training half: batches, the learning-rate schedule, gradient
 * clipping and AdamW against PyTorch (tools/make_fixtures.py, day05), then the
 * whole loop: it learns, a resumed run equals an uninterrupted one bit for
 * bit, and a diverging run stops and keeps its last good checkpoint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "mlp_lm.h"
#include "testing.h"
#include "checkpoint.h"
#include "optim.h"
#include "trainloop.h"

static Fixture fx;
static void setup(void) { fixture_load(&fx, FIXTURE_PATH("day05_tokenizer", "optim.bin")); }
static void teardown(void) { fixture_free(&fx); }

TestSuite(batch_sample, .timeout = 20);
TestSuite(lr_schedule, .timeout = 20);
TestSuite(clip_grad_norm, .init = setup, .fini = teardown, .timeout = 20);
TestSuite(adamw_update, .init = setup, .fini = teardown, .timeout = 20);
TestSuite(training_loop, .timeout = 60, .fini = testing_dir_remove);

#define load(key) fixture_floats(&fx, (key), NULL)

Test(batch_sample, rows_are_the_windows_the_generator_picks) {
    enum { N = 1000, B = 4, T = 8 };
    uint16_t tokens[N];
    for (int i = 0; i < N; i++) tokens[i] = (uint16_t)((i * 7919) % 5003);
    Rng rng, replay;
    rng_init(&rng, 21);
    replay = rng;
    int x[B * T], y[B * T];
    batch_sample(tokens, N, B, T, &rng, x, y);
    for (int b = 0; b < B; b++) {
        size_t start = (size_t)rng_below(&replay, N - T);
        for (int t = 0; t < T; t++) {
            cr_assert(x[b * T + t] == tokens[start + t],
                      "row %d, position %d: x should be tokens[%zu + %d] = %d, got %d\n"
                      "  hint: one rng_below(rng, n - T) per row, rows in order",
                      b, t, start, t, tokens[start + t], x[b * T + t]);
            cr_assert(y[b * T + t] == tokens[start + t + 1],
                      "row %d, position %d: y should be the next token tokens[%zu] = %d, got %d\n"
                      "  hint: the target of x[t] is the token right after it",
                      b, t, start + t + 1, tokens[start + t + 1], y[b * T + t]);
        }
    }
    cr_assert(memcmp(&rng, &replay, sizeof rng) == 0,
              "batch_sample drew a different number of random numbers than B = %d\n"
              "  hint: exactly one rng_below per row (resuming a run depends on it)",
              B);
}

Test(batch_sample, windows_reach_the_last_token_and_no_further) {
    uint16_t tokens[6] = {10, 11, 12, 13, 14, 15};
    Rng rng;
    rng_init(&rng, 1);
    for (int i = 0; i < 200; i++) {
        int x[5], y[5];
        batch_sample(tokens, 6, 1, 5, &rng, x, y); /* one window only fits: start 0 */
        cr_assert(x[0] == 10 && y[4] == 15,
                  "n = 6, T = 5: the only window is x = 10..14, y = 11..15; got x[0] = "
                  "%d, y[4] = %d\n  hint: start < n - T",
                  x[0], y[4]);
    }
}

/* Why a learning rate can stop being a number. */
#define LR_NAN_HINT                                                                                          \
    "a NaN comes from 0 / 0 and an inf from x / 0: the decay phase max_steps - 1 - warmup can be 0 or less " \
    "(then take p = 1 without dividing; 0.0 / 0.0 is NaN, and NaN slips through a clamp like "               \
    "if (p > 1) p = 1, since every comparison with NaN is false), and warmup can be 0 (then step < warmup "  \
    "is never true: do not divide by warmup outside the warmup branch)"

/* got within 1e-5 of want, relative to want itself (learning rates are small numbers) */
static void expect_lr(float got, double want, const char *where, const char *hint) {
    if (!isfinite(got))
        cr_assert_fail("lr_schedule(%s): expected %.9g, got %s: the rate is not a finite number, and the "
                       "training loop would turn every parameter into NaN with it\n  hint: %s. Here: %s",
                       where, want,
                       isnan(got) ? "NaN"
                       : got > 0  ? "+inf"
                                  : "-inf",
                       LR_NAN_HINT, hint);
    cr_assert(fabs(got - want) <= 1e-5 * fabs(want) + 1e-12,
              "lr_schedule(%s): expected %.9g, got %.9g (%.3g%% off)\n  hint: %s", where, want, got,
              want != 0 ? 100.0 * fabs(got - want) / fabs(want) : 0.0, hint);
}

Test(lr_schedule, warmup_then_cosine) {
    const float hi = 1e-3f, lo = 1e-4f;
    const double pi = 3.14159265358979323846;
    /* the decay runs over steps 10..100 (90 steps): p = (step - 10) / 90 */
    struct {
        long step;
        double want;
        const char *hint;
    } cases[] = {
        {0, hi / 10.0, "warmup starts at lr_max / warmup: lr_max * (step + 1) / warmup, step + 1 and not step"},
        {4, hi / 2.0, "halfway through a warmup of 10: (4 + 1) / 10 of lr_max"},
        {9, hi, "the last warmup step (warmup - 1) reaches lr_max"},
        {10, hi, "the cosine starts at lr_max (p = 0) on the first step after the warmup (step < warmup is warmup)"},
        {100, lo,
         "the last step (max_steps - 1) ends at lr_min, not at 0: there p = (step - warmup) / "
         "(max_steps - 1 - warmup) is exactly 1"},
        {55, (hi + lo) / 2.0, "halfway through the decay (p = 0.5): the mean of lr_max and lr_min"},
        {32, lo + (hi - lo) * 0.5 * (1.0 + cos(pi * 22.0 / 90.0)),
         "p = (step - warmup) / (max_steps - 1 - warmup) = 22 / 90 here: the decay ends on the last step, "
         "max_steps - 1"},
        {77, lo + (hi - lo) * 0.5 * (1.0 + cos(pi * 67.0 / 90.0)),
         "lr_min + (lr_max - lr_min) * (1 + cos(pi * p)) / 2 with p = 67 / 90: the floor is lr_min, not 0"},
        {500, lo, "after the end p is clamped to 1: lr_min"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char where[80];
        snprintf(where, sizeof where, "step %ld, max_steps 101, warmup 10, lr_max 1e-3, lr_min 1e-4", cases[i].step);
        expect_lr(lr_schedule(cases[i].step, 101, 10, hi, lo), cases[i].want, where, cases[i].hint);
    }
    expect_lr(lr_schedule(0, 50, 0, hi, lo), hi, "step 0, max_steps 50, warmup 0",
              "without warmup the first step is the cosine's start: lr_max");
    expect_lr(lr_schedule(0, 50, 1, hi, lo), hi, "step 0, max_steps 50, warmup 1",
              "a warmup of 1: step 0 is its last step, lr_max * 1 / 1");
}

Test(lr_schedule, degenerate_schedules_stay_finite) {
    const float hi = 1e-3f, lo = 1e-4f;
    /* The schedules the training loop's own tests run, and their neighbours. */
    struct {
        long step, max_steps, warmup;
        float lr_max, lr_min;
        double want;
        const char *hint;
    } cases[] = {
        {5, 6, 5, hi, lo, lo,
         "6 steps with a warmup of 5 (the training_loop test runs exactly this): steps 0 to 4 warm up, and "
         "step 5 is both the first and the last step of a decay phase of length max_steps - 1 - warmup = 0. "
         "There p = 1 (lr_min): do not compute 0 / 0"},
        {6, 6, 5, hi, lo, lo, "past the end of a decay phase of length 0: p = 1, lr_min"},
        {5, 5, 5, hi, lo, lo, "warmup == max_steps: the decay phase has length -1; past the warmup p = 1, lr_min"},
        {4, 5, 5, hi, lo, hi, "warmup == max_steps: step 4 is the last warmup step, lr_max * 5 / 5"},
        {0, 1, 0, hi, lo, lo, "one step and no warmup: the decay phase has length 0, so p = 1 (lr_min)"},
        {6, 200, 0, 1e30f, 1e30f, 1e30,
         "lr_max = lr_min = 1e30 and no warmup (the training_loop test's diverging run): the rate is 1e30 at "
         "every step, lr_min + 0 * (...)"},
        {0, 2, 0, hi, lo, hi, "two steps, no warmup: step 0 starts the cosine at lr_max (p = 0 / 1)"},
        {1, 2, 0, hi, lo, lo, "two steps, no warmup: step 1 is the last, lr_min (p = 1 / 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char where[120];
        snprintf(where, sizeof where, "step %ld, max_steps %ld, warmup %ld, lr_max %g, lr_min %g", cases[i].step,
                 cases[i].max_steps, cases[i].warmup, (double)cases[i].lr_max, (double)cases[i].lr_min);
        expect_lr(lr_schedule(cases[i].step, cases[i].max_steps, cases[i].warmup, cases[i].lr_max, cases[i].lr_min),
                  cases[i].want, where, cases[i].hint);
    }
    /* every small schedule: the rate is a number between 0 and lr_max */
    for (long max_steps = 1; max_steps <= 12; max_steps++)
        for (long warmup = 0; warmup <= 13; warmup++)
            for (long step = 0; step <= max_steps + 1; step++) {
                float lr = lr_schedule(step, max_steps, warmup, hi, lo);
                cr_assert(isfinite(lr) && lr > 0 && lr <= hi * (1 + 1e-6f),
                          "lr_schedule(step %ld, max_steps %ld, warmup %ld, lr_max 1e-3, lr_min 1e-4) returned %g: "
                          "every rate must be a finite number in (0, lr_max]\n  hint: %s",
                          step, max_steps, warmup, (double)lr,
                          isfinite(lr) ? "the warmup climbs to lr_max, the cosine stays between lr_min and lr_max"
                                       : LR_NAN_HINT);
            }
}

/* Fail with a NaN-specific message when p[0 .. n) holds a value that is not a finite number. */
static void expect_finite(const float *p, size_t n, const char *what, const char *hint) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i]))
            cr_assert_fail("%s: element %zu is %s, expected a finite number\n  hint: %s", what, i,
                           isnan(p[i]) ? "NaN" : "infinite", hint);
}

#define CLIP_NAN_HINT                                                                                        \
    "sum the squares in a double starting at 0, take sqrt of the sum, and scale only when max_norm > 0 and " \
    "norm > max_norm, by max_norm / (norm + 1e-6): that never divides by 0"

static void check_clip(const char *name, const char *hint) {
    char key[64], what[128];
    size_t n;
    snprintf(key, sizeof key, "clip.%s.grad", name);
    float *g = fixture_floats(&fx, key, &n);
    float norm = clip_grad_norm(g, n, 1.0f);
    snprintf(key, sizeof key, "clip.%s.norm", name);
    snprintf(what, sizeof what, "clip_grad_norm's return value (a norm %s the limit 1.0)", name);
    cr_assert(isfinite(norm), "%s: expected %.7g, got %s\n  hint: " CLIP_NAN_HINT, what, fixture_get(&fx, key)->data[0],
              isnan(norm) ? "NaN" : "infinity");
    EXPECT_NEAR(norm, fixture_get(&fx, key)->data[0], 1e-5, what,
                "return the norm before clipping: sqrt(sum of g^2), the square root included");
    snprintf(key, sizeof key, "clip.%s.clipped", name);
    snprintf(what, sizeof what, "clip_grad_norm: the gradients after it (a norm %s the limit 1.0)", name);
    expect_finite(g, n, what, CLIP_NAN_HINT);
    expect_fixture_array(&fx, g, key, 1e-5, what, hint);
    free(g);
}

Test(clip_grad_norm, matches_pytorch) {
    check_clip("above", "scale every gradient by max_norm / (norm + 1e-6), with norm = sqrt(sum of g^2)");
    check_clip("below", "a norm below max_norm leaves the gradients alone: scale only when norm > max_norm");
}

Test(clip_grad_norm, a_limit_of_zero_is_off) {
    float g[3] = {3.0f, 4.0f, 12.0f};
    float norm = clip_grad_norm(g, 3, 0.0f);
    EXPECT_NEAR(norm, 13.0, 1e-6, "clip_grad_norm({3, 4, 12}, max_norm 0)'s return value",
                "the norm is sqrt(9 + 16 + 144) = 13, returned even when nothing is clipped");
    cr_assert(g[0] == 3.0f && g[1] == 4.0f && g[2] == 12.0f,
              "clip_grad_norm with max_norm 0 changed the gradients to %g %g %g\n"
              "  hint: max_norm 0 means no clipping (the loop passes grad_clip, which may be 0): scale only when "
              "max_norm > 0 and norm > max_norm",
              g[0], g[1], g[2]);
}

#define ADAMW_NAN_HINT                                                                                       \
    "a NaN or inf comes from a division by 0 or the square root of a negative number: the bias corrections " \
    "1 - beta^t are 0 when t is 0 (t is given, 1 at the first step: use it as it is); v = beta2 v + "        \
    "(1 - beta2) grad^2 is never negative; the denominator is sqrtf(v / (1 - beta2^t)) + eps"

/* What goes wrong first, by step, for the parameters after it. */
static const char *adamw_hint(int step) {
    if (step == 1)
        return "step 1 (t = 1) starts from m = v = 0: the bias corrections 1 - beta^t make m / (1 - beta1) = grad "
               "exactly, so each parameter moves by about lr (plus the decay lr * weight_decay * param). Wrong "
               "here: a missing bias correction, t counted from 0 or 2 in beta^t, the decay added to the "
               "gradient, or eps inside the square root (it goes after it: sqrtf(v / c2) + eps)";
    return "step 1 matched, so the formula is right: check that m and v are stored back (m[i] = ..., "
           "v[i] = ...) and that beta^t uses the t given";
}

Test(adamw_update, four_steps_match_torch_optim_adamw) {
    size_t n;
    float *param = fixture_floats(&fx, "adamw.param0", &n);
    const double *h = fixture_get(&fx, "adamw.hyper")->data;
    float *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
    for (int k = 0; k < 4; k++) {
        char key[48], what[96];
        snprintf(key, sizeof key, "adamw.%d.grad", k);
        float *g = load(key);
        adamw_update(param, g, m, v, n, k + 1, (float)h[0], (float)h[1], (float)h[2], (float)h[3], (float)h[4]);
        snprintf(what, sizeof what, "adamw_update: the parameters after step %d (t = %d)", k + 1, k + 1);
        expect_finite(param, n, what, ADAMW_NAN_HINT);
        snprintf(what, sizeof what, "adamw_update: the first moment m after step %d", k + 1);
        snprintf(key, sizeof key, "adamw.%d.m", k);
        expect_fixture_array(&fx, m, key, 1e-5, what,
                             k == 0 ? "m = beta1 m + (1 - beta1) grad, stored back into m[i] (the caller keeps m "
                                      "from step to step), with the gradient as given: AdamW's decay acts on the "
                                      "parameter, never on the gradient"
                                    : "m = beta1 m + (1 - beta1) grad, stored back into m[i]");
        snprintf(what, sizeof what, "adamw_update: the second moment v after step %d", k + 1);
        snprintf(key, sizeof key, "adamw.%d.v", k);
        expect_fixture_array(&fx, v, key, 1e-5, what, "v = beta2 v + (1 - beta2) grad^2, stored back into v[i]");
        snprintf(what, sizeof what, "adamw_update: the parameters after step %d", k + 1);
        snprintf(key, sizeof key, "adamw.%d.param", k);
        expect_fixture_array(&fx, param, key, 1e-5, what, adamw_hint(k + 1));
        free(g);
    }
    free(param), free(m), free(v);
}

Test(adamw_update, the_weight_decay_is_decoupled) {
    /* A zero gradient: Adam's step is 0, so only the decay may move a weight. */
    float param[4] = {2.0f, -1.0f, 0.5f, 0.0f}, grad[4] = {0}, m[4] = {0}, v[4] = {0};
    const float lr = 0.1f, wd = 0.5f;
    adamw_update(param, grad, m, v, 4, 1, lr, 0.9f, 0.95f, 1e-8f, wd);
    const float start[4] = {2.0f, -1.0f, 0.5f, 0.0f};
    for (int i = 0; i < 4; i++) {
        cr_assert(m[i] == 0.0f && v[i] == 0.0f,
                  "adamw_update with a zero gradient: m[%d] = %g and v[%d] = %g should stay 0\n"
                  "  hint: AdamW's decay is decoupled: param -= lr * weight_decay * param, apart from Adam's "
                  "step. Adding weight_decay * param to the gradient is Adam with L2, which Adam then rescales",
                  i, m[i], i, v[i]);
        char where[96];
        snprintf(where, sizeof where, "adamw_update: param[%d] = %g with a zero gradient, lr 0.1, weight_decay 0.5", i,
                 start[i]);
        cr_assert(isfinite(param[i]), "%s: expected %.7g, got %s\n  hint: " ADAMW_NAN_HINT, where,
                  (double)(start[i] * (1.0f - lr * wd)), isnan(param[i]) ? "NaN" : "an infinity");
        EXPECT_NEAR(param[i], start[i] * (1.0f - lr * wd), 1e-6, where,
                    "only the decay moves it: param * (1 - lr * weight_decay); Adam's step m / (sqrt(v) + eps) is "
                    "0 when the gradient is 0");
    }
}

Test(adamw_update, eps_is_added_after_the_square_root) {
    /* Gradients of about 1e-7: sqrt(v) is about 1e-7 too, next to eps = 1e-8. */
    size_t n;
    float *param = fixture_floats(&fx, "adamw.tiny.param0", &n);
    const double *h = fixture_get(&fx, "adamw.hyper")->data;
    float *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
    for (int k = 0; k < 2; k++) {
        char key[48], what[96];
        snprintf(key, sizeof key, "adamw.tiny.%d.grad", k);
        float *g = load(key);
        adamw_update(param, g, m, v, n, k + 1, (float)h[0], (float)h[1], (float)h[2], (float)h[3], (float)h[4]);
        snprintf(what, sizeof what, "adamw_update with gradients of about 1e-7: the parameters after step %d", k + 1);
        expect_finite(param, n, what, ADAMW_NAN_HINT);
        snprintf(key, sizeof key, "adamw.tiny.%d.param", k);
        expect_fixture_array(&fx, param, key, 1e-5, what,
                             "the denominator is sqrtf(v / (1 - beta2^t)) + eps, eps outside the square root as "
                             "PyTorch has it: sqrt(v + eps) would be about 1e-4 here and shrink the step a "
                             "thousandfold");
        free(g);
    }
    free(param), free(m), free(v);
}

/* ---- the whole loop, on a tiny model and a token file the test writes ---- */

/* A token file of a repeating pattern with a little noise: easy to learn. */
static void write_tokens(const char *name, size_t n, uint64_t seed, TokenFile *tf) {
    int32_t *ids = malloc(n * sizeof *ids);
    Rng rng;
    rng_init(&rng, seed);
    for (size_t i = 0; i < n; i++)
        ids[i] = rng_below(&rng, 10) == 0 ? (int32_t)rng_below(&rng, 300) : (int32_t)(256 + (i % 7) * 5);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s", testing_dir(), name);
    cr_assert(token_file_write(path, ids, n, 300, 0, err, sizeof err) == 0, "writing %s: %s", path, err);
    cr_assert(token_file_open(tf, path, err, sizeof err) == 0, "opening %s: %s", path, err);
    free(ids);
}

static TrainConfig tiny_config(const char *run, long steps) {
    static char dirs[4][128];
    static int k;
    char *dir = dirs[k++ % 4];
    snprintf(dir, 128, "%s/%s", testing_dir(), run);
    TrainConfig c;
    train_config_defaults(&c);
    c.run_dir = dir;
    c.max_steps = steps;
    c.batch = 4;
    c.block = 16;
    c.warmup = 5;
    c.eval_every = 5;
    c.eval_batches = 2;
    c.ckpt_every = 1000;
    c.lr_max = 1e-2f;
    c.quiet = 1;
    return c;
}

/* Any tokenizer of 300 tokens: the runs store it in their checkpoints. */
static void tokenizer_300(Tokenizer *t) {
    BpeMerge m[44];
    for (int i = 0; i < 44; i++) m[i] = (BpeMerge){'a' + i % 26, 'a' + i / 26};
    tokenizer_init(t, m, 44, 1, NULL, 0);
}

static const MlpLmConfig tiny = {.vocab = 300, .context = 3, .embed = 8, .hidden = 16};

/*
 * Fail when a parameter is not a finite number, naming the likely cause:
 * the learning rate lr_schedule gave one of the steps [first, c->max_steps)
 * of this run when it is not a number, else the Day 5 functions that can
 * make one. `what` says whose parameters these are.
 */
static void expect_finite_params(const float *p, size_t n, const TrainConfig *c, long first, const char *what) {
    size_t bad = n;
    for (size_t i = 0; i < n && bad == n; i++)
        if (!isfinite(p[i])) bad = i;
    if (bad == n) return;
    const char *got = isnan(p[bad]) ? "NaN" : "infinite";
    for (long step = first; step < c->max_steps; step++) {
        float lr = lr_schedule(step, c->max_steps, c->warmup, c->lr_max, c->lr_min);
        if (!isfinite(lr))
            cr_assert_fail("training_loop: %s: parameter %zu is %s, expected a finite number\n"
                           "  cause: this run's step %ld took its learning rate from lr_schedule(step %ld, "
                           "max_steps %ld, warmup %ld, lr_max %g, lr_min %g), which returned %s, and AdamW "
                           "multiplies every update by it\n  hint: %s. `make check-day5` shows "
                           "lr_schedule/degenerate_schedules_stay_finite",
                           what, bad, got, step + 1, step, c->max_steps, c->warmup, (double)c->lr_max,
                           (double)c->lr_min, isnan(lr) ? "NaN" : "an infinity",
                           c->max_steps - 1 - c->warmup <= 0
                               ? "here max_steps - 1 - warmup is 0 or less: the decay phase has no length, so take "
                                 "p = 1 (lr_min) without dividing (0.0 / 0.0 is NaN)"
                               : LR_NAN_HINT);
    }
    cr_assert_fail("training_loop: %s: parameter %zu is %s, expected a finite number (lr_schedule gave a finite "
                   "rate at every step of this run, max_steps %ld, warmup %ld)\n"
                   "  hint: the given loop only calls your functions, and these can make a parameter NaN or "
                   "infinite: lr_schedule on a degenerate schedule (a warmup of 0, a decay phase of length 0), "
                   "clip_grad_norm (a scale that divides by 0, or a norm that is NaN) and adamw_update (a bias "
                   "correction 1 - beta^t of 0, the square root of a negative number). Their own "
                   "suites in `make check-day5` (lr_schedule, clip_grad_norm, adamw_update) say which; the lr "
                   "and grad_norm columns of %s/log.csv show at which step it began",
                   what, bad, got, c->max_steps, c->warmup, c->run_dir);
}

/* The log rows without the last column (tokens/s, a timing). */
static char *log_without_timing(const char *run_dir) {
    char path[160], line[512];
    snprintf(path, sizeof path, "%s/log.csv", run_dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s was not written", path);
    char *out = calloc(1, 1 << 16);
    while (fgets(line, sizeof line, f)) {
        char *comma = strrchr(line, ',');
        if (comma) *comma = '\0';
        strcat(out, line);
        strcat(out, "\n");
    }
    fclose(f);
    return out;
}

Test(training_loop, learns_and_resumes_bit_for_bit) {
    testing_dir_make("train");
    TokenFile train, val;
    write_tokens("train.tok", 5000, 1, &train);
    write_tokens("val.tok", 1000, 2, &val);
    Tokenizer tok;
    tokenizer_300(&tok);

    /* uninterrupted: 30 steps */
    MlpLm a;
    mlp_lm_init(&a, &tiny, 3);
    TrainModel ma = mlp_lm_train_model(&a);
    TrainConfig ca = tiny_config("straight", 30);
    TrainResult ra = train_run(&ma, &ca, &train, &val, &tok);
    expect_finite_params(a.params, a.n_params, &ca, 0, "after 30 steps (warmup 5)");
    cr_assert(ra.status == TRAIN_FINISHED && ra.steps == 30,
              "the run should finish 30 steps, got status %d "
              "after %ld",
              ra.status, ra.steps);
    cr_assert(ra.val_loss < 0.8 * logf(300.0f),
              "after 30 steps on a repeating pattern the validation loss should fall well below ln(300) = 5.70; "
              "got %.3f\n  hint: check lr_schedule and adamw_update (signs, bias corrections)",
              ra.val_loss);

    /* interrupted after 12 steps, then resumed to 30 */
    MlpLm b;
    mlp_lm_init(&b, &tiny, 3);
    TrainModel mb = mlp_lm_train_model(&b);
    TrainConfig cb = tiny_config("resumed", 30);
    cb.stop_after = 12;
    TrainResult rb = train_run(&mb, &cb, &train, &val, &tok);
    cr_assert(rb.status == TRAIN_INTERRUPTED && rb.steps == 12,
              "stop_after 12: expected an interrupted run "
              "at step 12, got status %d at %ld",
              rb.status, rb.steps);
    mlp_lm_free(&b);
    mlp_lm_init(&b, &tiny, 99); /* different weights: the checkpoint must replace them */
    mb = mlp_lm_train_model(&b);
    cb.stop_after = 0;
    cb.resume = 1;
    rb = train_run(&mb, &cb, &train, &val, &tok);
    cr_assert(rb.status == TRAIN_FINISHED && rb.steps == 30, "the resumed run should finish at 30, got %ld", rb.steps);
    for (size_t i = 0; i < a.n_params; i++)
        cr_assert(memcmp(&a.params[i], &b.params[i], sizeof(float)) == 0,
                  "parameter %zu: uninterrupted %.9g, resumed %.9g: a resumed run must continue bit for bit\n"
                  "  hint: batch_sample must draw exactly one number per row from the rng it is given",
                  i, a.params[i], b.params[i]);
    char *la = log_without_timing(ca.run_dir), *lb = log_without_timing(cb.run_dir);
    cr_assert(strcmp(la, lb) == 0, "log.csv of the resumed run differs from the uninterrupted one:\n%s\nvs\n%s", la,
              lb);
    free(la), free(lb);
    mlp_lm_free(&a), mlp_lm_free(&b);
    tokenizer_free(&tok);
    token_file_close(&train), token_file_close(&val);
    EXPECT_NO_LEAKS();
}

Test(training_loop, a_diverging_run_stops_and_keeps_its_checkpoint) {
    testing_dir_make("train");
    TokenFile train, val;
    write_tokens("train.tok", 3000, 5, &train);
    write_tokens("val.tok", 500, 6, &val);
    Tokenizer tok;
    tokenizer_300(&tok);
    MlpLm m;
    mlp_lm_init(&m, &tiny, 4);
    TrainModel tm = mlp_lm_train_model(&m);
    TrainConfig c = tiny_config("diverge", 6); /* 6 good steps, checkpoint at the end */
    TrainResult r = train_run(&tm, &c, &train, &val, &tok);
    expect_finite_params(m.params, m.n_params, &c, 0,
                         "after 6 ordinary steps with a warmup of 5 (a decay phase of length 0), the model");
    cr_assert(r.status == TRAIN_FINISHED, "6 ordinary steps should finish, got status %d", r.status);
    const TrainConfig good = c; /* the run that made the checkpoint */
    c.max_steps = 200;
    c.resume = 1;
    c.ckpt_every = 1000;
    c.warmup = 0;
    c.lr_max = c.lr_min = 1e30f; /* absurd: the weights explode */
    c.grad_clip = 0;
    r = train_run(&tm, &c, &train, &val, &tok);
    cr_assert(r.status == TRAIN_DIVERGED,
              "a learning rate of 1e30 must make the loss NaN or inf and stop the "
              "run (status %d), got status %d after %ld steps",
              TRAIN_DIVERGED, r.status, r.steps);
    char path[160], err[300];
    snprintf(path, sizeof path, "%s/ckpt.bin", c.run_dir);
    Checkpoint ck;
    cr_assert(checkpoint_load(path, &ck, err, sizeof err) == 0, "the last good checkpoint must survive: %s", err);
    cr_assert(ck.step == 6, "the checkpoint should still be the good one of step 6, got step %ld", ck.step);
    expect_finite_params(ck.params, ck.n_params, &good, 0,
                         "the kept checkpoint of step 6 (6 steps with a warmup of 5, then saved)");
    checkpoint_free(&ck);
    mlp_lm_free(&m);
    tokenizer_free(&tok);
    token_file_close(&train), token_file_close(&val);
    EXPECT_NO_LEAKS();
}
