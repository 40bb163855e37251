/*
 * Day 2 tests: every op, forward and backward, against PyTorch (tools/make_fixtures.py,
 * day02) at several shapes, including 1xN, Nx1 and sizes that are not a multiple of
 * any block. Each Criterion suite is one exercise (`make hint-day2 EX=<suite>`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "matmul_steps.h"
#include "tensor.h"
#include "testing.h"

static Fixture fx;
static void setup(void) { fixture_load(&fx, FIXTURE_PATH("day02_matrix", "ops.bin")); }
static void teardown(void) { fixture_free(&fx); }

#define EXERCISE(name) TestSuite(name, .init = setup, .fini = teardown, .timeout = 20)
EXERCISE(matmul_forward);
EXERCISE(matmul_backward);
EXERCISE(add_rows);
EXERCISE(mul_rows);
EXERCISE(sum);
EXERCISE(mean);
EXERCISE(relu);
EXERCISE(tanh);
EXERCISE(softmax);
EXERCISE(log_softmax);
EXERCISE(cross_entropy);

enum { N_MATMUL = 6, N_ROWS = 3 };

/* A float copy of fixture array `key` (freed by the caller), and its element count. */
#define load(key, n) fixture_floats(&fx, (key), (n))
#define expect_array(got, key, tol, what, hint) expect_fixture_array(&fx, (got), (key), (tol), (what), (hint))

static float *zeros(size_t n) { return calloc(n + 1, sizeof(float)); }

static int dim(const char *key, int d) { return (int)fixture_get(&fx, key)->dims[d]; }


/* ---- matmul ---- */

Test(matmul_forward, matches_pytorch_at_every_shape) {
    char key[64], what[96];
    for (int i = 0; i < N_MATMUL; i++) {
        snprintf(key, sizeof key, "matmul.%d.inp", i);
        int N = dim(key, 0), C = dim(key, 1);
        snprintf(key, sizeof key, "matmul.%d.bias", i);
        int OC = dim(key, 0);
        snprintf(key, sizeof key, "matmul.%d.inp", i);
        float *inp = load(key, NULL);
        snprintf(key, sizeof key, "matmul.%d.weight", i);
        float *w = load(key, NULL);
        snprintf(key, sizeof key, "matmul.%d.bias", i);
        float *b = load(key, NULL);
        float *out = zeros((size_t)N * OC);
        for (size_t k = 0; k < (size_t)N * OC; k++) out[k] = NAN;  /* must be overwritten */
        matmul_forward(out, inp, w, b, N, C, OC);
        snprintf(key, sizeof key, "matmul.%d.out", i);
        snprintf(what, sizeof what, "matmul_forward with N=%d, C=%d, OC=%d", N, C, OC);
        expect_array(out, key, 1e-5, what,
                     "out[n*OC + o] = bias[o] + sum over c of inp[n*C + c] * weight[o*C + c]");
        free(inp), free(w), free(b), free(out);
    }
}

Test(matmul_forward, bias_may_be_null) {
    float inp[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, out[4];
    matmul_forward(out, inp, w, NULL, 2, 3, 2);  /* (2,3) @ (2,3)^T */
    float want[4] = {-2, 3, -2, 7.5f};
    for (int k = 0; k < 4; k++)
        EXPECT_NEAR(out[k], want[k], 1e-6, "matmul_forward without a bias", "when bias is NULL, start each sum at 0");
}

Test(matmul_forward, agrees_with_naive_at_awkward_sizes) {
    /* sizes that are not a multiple of 6, 16, 96 or 256 */
    int N = 101, C = 263, OC = 37;
    Rng rng;
    rng_init(&rng, 3);
    float *inp = malloc(sizeof(float) * N * C), *w = malloc(sizeof(float) * OC * C);
    float *out = malloc(sizeof(float) * N * OC), *ref = malloc(sizeof(float) * N * OC);
    for (int i = 0; i < N * C; i++) inp[i] = (float)rng_normal(&rng);
    for (int i = 0; i < OC * C; i++) w[i] = (float)rng_normal(&rng);
    matmul_forward(out, inp, w, NULL, N, C, OC);
    gemm_naive(N, OC, C, inp, C, 1, w, 1, C, ref, OC, 0);
    for (int i = 0; i < N * OC; i++)
        EXPECT_NEAR(out[i], ref[i], 1e-4, "matmul_forward (101x263 @ 263x37) vs a plain triple loop",
                    "every (n, o) pair, every c: check the loop bounds and the indexing");
    free(inp), free(w), free(out), free(ref);
}

Test(matmul_backward, matches_pytorch_at_every_shape) {
    char key[64], what[96];
    for (int i = 0; i < N_MATMUL; i++) {
        snprintf(key, sizeof key, "matmul.%d.inp", i);
        int N = dim(key, 0), C = dim(key, 1);
        snprintf(key, sizeof key, "matmul.%d.bias", i);
        int OC = dim(key, 0);
        float *inp, *w, *dout;
        snprintf(key, sizeof key, "matmul.%d.inp", i), inp = load(key, NULL);
        snprintf(key, sizeof key, "matmul.%d.weight", i), w = load(key, NULL);
        snprintf(key, sizeof key, "matmul.%d.dout", i), dout = load(key, NULL);
        float *dinp = zeros((size_t)N * C), *dw = zeros((size_t)OC * C), *db = zeros((size_t)OC);
        dinp[0] = 1.0f;  /* gradients accumulate: this 1 must still be there */
        matmul_backward(dinp, dw, db, dout, inp, w, N, C, OC);
        dinp[0] -= 1.0f;
        snprintf(what, sizeof what, "matmul_backward with N=%d, C=%d, OC=%d", N, C, OC);
        snprintf(key, sizeof key, "matmul.%d.dinp", i);
        expect_array(dinp, key, 1e-4, what, "dinp[n][c] += sum over o of dout[n][o] * weight[o][c]; add, never assign");
        snprintf(key, sizeof key, "matmul.%d.dweight", i);
        expect_array(dw, key, 1e-4, what, "dweight[o][c] += sum over n of dout[n][o] * inp[n][c]");
        snprintf(key, sizeof key, "matmul.%d.dbias", i);
        expect_array(db, key, 1e-4, what, "dbias[o] += sum over n of dout[n][o]");
        free(inp), free(w), free(dout), free(dinp), free(dw), free(db);
    }
}

Test(matmul_backward, null_gradients_are_skipped) {
    float inp[2] = {1, 2}, w[2] = {3, 4}, dout[1] = {1}, dw[2] = {0, 0};
    matmul_backward(NULL, dw, NULL, dout, inp, w, 1, 2, 1);
    EXPECT_NEAR(dw[1], 2.0, 1e-6, "dweight with dinp and dbias NULL", "check each output pointer for NULL before writing");
}

/* ---- broadcasting, reductions, activations: one helper runs every shape ---- */

typedef void (*RowsFwd)(float *, const float *, const float *, int, int);

static void check_rows(const char *name, RowsFwd fwd, int is_mul) {
    char key[64], what[96];
    for (int i = 0; i < N_ROWS; i++) {
        snprintf(key, sizeof key, "%s.%d.a", name, i);
        int N = dim(key, 0), C = dim(key, 1);
        float *a = load(key, NULL), *row, *dout;
        snprintf(key, sizeof key, "%s.%d.row", name, i), row = load(key, NULL);
        snprintf(key, sizeof key, "%s.%d.dout", name, i), dout = load(key, NULL);
        float *out = zeros((size_t)N * C), *da = zeros((size_t)N * C), *drow = zeros((size_t)C);
        fwd(out, a, row, N, C);
        snprintf(what, sizeof what, "%s_forward on (%d,%d)", name, N, C);
        snprintf(key, sizeof key, "%s.%d.out", name, i);
        expect_array(out, key, 1e-5, what, "apply row[c] to column c of every row");
        if (is_mul) mul_rows_backward(da, drow, dout, a, row, N, C);
        else add_rows_backward(da, drow, dout, N, C);
        snprintf(what, sizeof what, "%s_backward on (%d,%d)", name, N, C);
        snprintf(key, sizeof key, "%s.%d.da", name, i);
        expect_array(da, key, 1e-5, what, "each element's gradient, element by element");
        snprintf(key, sizeof key, "%s.%d.drow", name, i);
        expect_array(drow, key, 1e-5, what, "row was used by every row of a: sum the contributions over n");
        free(a), free(row), free(dout), free(out), free(da), free(drow);
    }
}

Test(add_rows, matches_pytorch) { check_rows("add_rows", add_rows_forward, 0); }
Test(mul_rows, matches_pytorch) { check_rows("mul_rows", mul_rows_forward, 1); }

typedef void (*ReduceFwd)(float *, const float *, int, int, int);
typedef void (*ReduceBwd)(float *, const float *, int, int, int);

static void check_reduce(const char *name, ReduceFwd fwd, ReduceBwd bwd) {
    char key[64], what[96];
    for (int axis = 0; axis <= 1; axis++)
        for (int i = 0; i < N_ROWS; i++) {
            snprintf(key, sizeof key, "%s%d.%d.a", name, axis, i);
            int N = dim(key, 0), C = dim(key, 1);
            float *a = load(key, NULL), *dout;
            snprintf(key, sizeof key, "%s%d.%d.dout", name, axis, i), dout = load(key, NULL);
            float *out = zeros((size_t)(axis == 0 ? C : N)), *da = zeros((size_t)N * C);
            fwd(out, a, N, C, axis);
            snprintf(what, sizeof what, "%s_forward on (%d,%d), axis %d", name, N, C, axis);
            snprintf(key, sizeof key, "%s%d.%d.out", name, axis, i);
            expect_array(out, key, 1e-5, what, "axis 0 collapses the rows (C results); axis 1 the columns (N results)");
            bwd(da, dout, N, C, axis);
            snprintf(what, sizeof what, "%s_backward on (%d,%d), axis %d", name, N, C, axis);
            snprintf(key, sizeof key, "%s%d.%d.da", name, axis, i);
            expect_array(da, key, 1e-5, what, "each input gets the gradient of the one result it went into");
            free(a), free(dout), free(out), free(da);
        }
}

Test(sum, matches_pytorch_both_axes) { check_reduce("sum", sum_forward, sum_backward); }
Test(mean, matches_pytorch_both_axes) { check_reduce("mean", mean_forward, mean_backward); }

static void check_activation(const char *name, void (*fwd)(float *, const float *, size_t),
                             void (*bwd)(float *, const float *, const float *, size_t), int saves_out,
                             const char *hint) {
    char key[64], what[96];
    for (int i = 0; i < N_ROWS; i++) {
        size_t n;
        snprintf(key, sizeof key, "%s.%d.a", name, i);
        float *a = load(key, &n), *dout;
        snprintf(key, sizeof key, "%s.%d.dout", name, i), dout = load(key, NULL);
        float *out = zeros(n), *da = zeros(n);
        fwd(out, a, n);
        snprintf(what, sizeof what, "%s_forward on %zu values", name, n);
        snprintf(key, sizeof key, "%s.%d.out", name, i);
        expect_array(out, key, 1e-6, what, hint);
        bwd(da, dout, saves_out ? out : a, n);
        snprintf(what, sizeof what, "%s_backward on %zu values", name, n);
        snprintf(key, sizeof key, "%s.%d.da", name, i);
        expect_array(da, key, 1e-5, what, hint);
        free(a), free(dout), free(out), free(da);
    }
}

Test(relu, matches_pytorch) {
    check_activation("relu", relu_forward, relu_backward, 0, "max(0, a); the gradient passes only where a > 0");
}
Test(tanh, matches_pytorch) {
    check_activation("tanh", tanh_forward, tanh_backward, 1, "tanhf(a); backward uses the saved output: 1 - out^2");
}

/* ---- softmax family: includes a row of +-1e4 that overflows without the max trick ---- */

Test(softmax, matches_pytorch_and_is_stable) {
    size_t n;
    float *x = load("softmax.logits", &n), *dout = load("softmax.dout", NULL);
    int N = dim("softmax.logits", 0), C = dim("softmax.logits", 1);
    float *p = zeros(n), *dx = zeros(n);
    softmax_forward(p, x, N, C);
    for (size_t i = 0; i < n; i++)
        cr_assert(isfinite(p[i]), "softmax gave %g at [%zu][%zu] for logits up to 1e4\n  hint: subtract "
                  "the row's maximum before expf", p[i], i / C, i % C);
    expect_array(p, "softmax.out", 1e-5, "softmax_forward", "exp(x - max) / its row sum");
    softmax_backward(dx, dout, p, N, C);
    expect_array(dx, "softmax.dlogits", 1e-5, "softmax_backward",
                 "per row: dot = sum dprobs*probs, then dlogits += probs * (dprobs - dot)");
    free(x), free(dout), free(p), free(dx);
}

Test(log_softmax, matches_pytorch_and_is_stable) {
    size_t n;
    float *x = load("log_softmax.logits", &n), *dout = load("log_softmax.dout", NULL);
    int N = dim("log_softmax.logits", 0), C = dim("log_softmax.logits", 1);
    float *o = zeros(n), *dx = zeros(n);
    log_softmax_forward(o, x, N, C);
    for (size_t i = 0; i < n; i++)
        cr_assert(isfinite(o[i]), "log_softmax gave %g at [%zu][%zu]\n  hint: x - max - log(sum exp(x - max)); "
                  "never log(softmax), which is log(0) for a logit 2e4 below the max", o[i], i / C, i % C);
    expect_array(o, "log_softmax.out", 1e-5, "log_softmax_forward", "(x - max) - log(sum exp(x - max)), in that order");
    log_softmax_backward(dx, dout, o, N, C);
    expect_array(dx, "log_softmax.dlogits", 1e-5, "log_softmax_backward", "dlogits += dout - exp(out) * (row sum of dout)");
    free(x), free(dout), free(o), free(dx);
}

Test(cross_entropy, matches_pytorch_and_is_stable) {
    size_t n;
    float *x = load("ce.logits", &n);
    int N = dim("ce.logits", 0), C = dim("ce.logits", 1);
    const FixtureArray *t = fixture_get(&fx, "ce.targets");
    int targets[16];
    for (int i = 0; i < N; i++) targets[i] = (int)t->data[i];
    float *p = zeros(n), *dx = zeros(n);
    float loss = cross_entropy_forward(p, x, targets, N, C);
    cr_assert(isfinite(loss), "cross-entropy loss is %g for logits of +-1e4\n  hint: compute -log p[target] "
              "as -(x[t] - max - log(sum exp(x - max))), not from the (underflowed) probability", loss);
    EXPECT_NEAR(loss, fixture_scalar(&fx, "ce.loss"), 1e-4, "cross_entropy_forward loss (mean over 5 rows)",
                "the mean over rows of -log softmax(x)[target]");
    expect_array(p, "ce.probs", 1e-5, "cross_entropy_forward's probs", "probs is the softmax of the logits");
    cross_entropy_backward(dx, p, targets, N, C);
    expect_array(dx, "ce.dlogits", 1e-5, "cross_entropy_backward", "(probs - onehot(target)) / N");
    free(x), free(p), free(dx);
}

Test(cross_entropy, gradient_matches_finite_differences) {
    enum { N = 3, C = 4 };
    float x[N * C] = {0.1f, -1.2f, 2.0f, 0.5f, 1.0f, 1.0f, 1.0f, 1.0f, -3.0f, 0.2f, 0.0f, 4.0f};
    int t[N] = {2, 0, 1};
    float p[N * C], dx[N * C] = {0};
    cross_entropy_forward(p, x, t, N, C);
    cross_entropy_backward(dx, p, t, N, C);
    for (int i = 0; i < N * C; i++) {
        float saved = x[i], h = 1e-2f;
        x[i] = saved + h;
        double up = cross_entropy_forward(p, x, t, N, C);
        x[i] = saved - h;
        double down = cross_entropy_forward(p, x, t, N, C);
        x[i] = saved;
        char what[64];
        snprintf(what, sizeof what, "d loss / d logit[%d][%d] vs finite difference", i / C, i % C);
        EXPECT_NEAR(dx[i], (up - down) / (2 * h), 2e-3, what, "(probs - onehot) / N");
    }
}

Test(cross_entropy, ignores_rows_with_negative_targets) {
    /* rows 1 and 3 are ignored: the loss and gradients must equal those of rows 0, 2, 4 alone */
    enum { N = 5, C = 3 };
    float x[N * C] = {0.3f, -1.0f, 2.0f, 5.0f, 1.0f, -2.0f, 0.0f, 0.5f, 1.5f, -1.0f, -1.0f, 9.0f, 1.0f, 2.0f, 3.0f};
    int t[N] = {2, -1, 0, -1, 1};
    float kept_x[3 * C];
    int kept_t[3] = {2, 0, 1};
    memcpy(kept_x, x, C * sizeof(float));
    memcpy(kept_x + C, x + 2 * C, C * sizeof(float));
    memcpy(kept_x + 2 * C, x + 4 * C, C * sizeof(float));
    float p[N * C], dx[N * C] = {0}, kp[3 * C], kdx[3 * C] = {0};
    float loss = cross_entropy_forward(p, x, t, N, C), want = cross_entropy_forward(kp, kept_x, kept_t, 3, C);
    EXPECT_NEAR(loss, want, 1e-6, "cross_entropy_forward with targets {2, -1, 0, -1, 1}",
                "a negative target adds no loss, and the mean is over the 3 rows that count, not all 5");
    cross_entropy_backward(dx, p, t, N, C);
    cross_entropy_backward(kdx, kp, kept_t, 3, C);
    for (int n = 0, k = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            char what[80];
            snprintf(what, sizeof what, "cross_entropy_backward: dlogits[%d][%d] (target %d)", n, c, t[n]);
            EXPECT_NEAR(dx[n * C + c], t[n] < 0 ? 0.0f : kdx[k * C + c], 1e-6, what,
                        "ignored rows get no gradient; the others (probs - onehot) / 3, the rows that count");
            if (c == C - 1 && t[n] >= 0) k++;
        }
    int none[2] = {-1, -1};
    EXPECT_NEAR(cross_entropy_forward(p, x, none, 2, C), 0.0, 0, "cross_entropy_forward when every row is ignored",
                "no row counts: return 0 (not 0 / 0)");
}
