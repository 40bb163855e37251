/*
 * Day 4 tests: LayerNorm, GELU, residuals and a whole transformer block against
 * PyTorch (tools/make_fixtures.py, day04), including T = 1 with heads of size 1;
 * every parameter gradient of the block within 1e-4 relative; finite differences.
 * Each suite is one exercise (`make hint-day4 EX=<suite>`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "rng.h"
#include "testing.h"
#include "transformer.h"

static Fixture fx;
static void setup(void) { fixture_load(&fx, FIXTURE_PATH("day04_transformer", "transformer.bin")); }
static void teardown(void) { fixture_free(&fx); }

#define EXERCISE(name) TestSuite(name, .init = setup, .fini = teardown, .timeout = 20)
EXERCISE(layernorm_forward);
EXERCISE(layernorm_backward);
EXERCISE(gelu);
EXERCISE(residual);
EXERCISE(block_forward);
EXERCISE(block_backward);

static const char *key(const char *fmt, int i, const char *name) {
    static char buf[64];
    snprintf(buf, sizeof buf, fmt, i, name);
    return buf;
}
#define load(key) fixture_floats(&fx, (key), NULL)
#define expect_array(got, key, tol, what, hint) expect_fixture_array(&fx, (got), (key), (tol), (what), (hint))

static int dim(const char *k, int d) { return (int)fixture_get(&fx, k)->dims[d]; }


/* ---- LayerNorm ---- */

Test(layernorm_forward, matches_pytorch) {
    char what[80];
    for (int i = 0; i < 3; i++) {
        int N = dim(key("ln.%d.%s", i, "x"), 0), C = dim(key("ln.%d.%s", i, "x"), 1);
        float *x = load(key("ln.%d.%s", i, "x")), *w = load(key("ln.%d.%s", i, "w")), *b = load(key("ln.%d.%s", i, "b"));
        float *out = calloc((size_t)N * C, 4), mean[8], rstd[8];
        layernorm_forward(out, mean, rstd, x, w, b, N, C);
        snprintf(what, sizeof what, "layernorm_forward on (%d,%d)", N, C);
        expect_array(out, key("ln.%d.%s", i, "out"), 1e-5, what,
                     "per row: (x - mean) / sqrt(var + 1e-5), var divided by C (not C-1), then * weight + bias");
        free(x), free(w), free(b), free(out);
    }
}

Test(layernorm_backward, matches_pytorch) {
    char what[80];
    for (int i = 0; i < 3; i++) {
        int N = dim(key("ln.%d.%s", i, "x"), 0), C = dim(key("ln.%d.%s", i, "x"), 1);
        float *x = load(key("ln.%d.%s", i, "x")), *w = load(key("ln.%d.%s", i, "w")), *b = load(key("ln.%d.%s", i, "b"));
        float *dout = load(key("ln.%d.%s", i, "dout")), *out = calloc((size_t)N * C, 4), mean[8], rstd[8];
        float *dx = calloc((size_t)N * C, 4), *dw = calloc((size_t)C, 4), *db = calloc((size_t)C, 4);
        layernorm_forward(out, mean, rstd, x, w, b, N, C);  /* the reference's, or yours: it passed above */
        layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
        snprintf(what, sizeof what, "layernorm_backward on (%d,%d)", N, C);
        expect_array(db, key("ln.%d.%s", i, "db"), 1e-5, what, "dbias[c] += dout summed over rows");
        expect_array(dw, key("ln.%d.%s", i, "dw"), 1e-5, what, "dweight[c] += dout * norm, summed over rows");
        expect_array(dx, key("ln.%d.%s", i, "dx"), 1e-4, what,
                     "dx = rstd * (g - mean(g) - norm * mean(g * norm)) with g = dout * weight (note 02)");
        free(x), free(w), free(b), free(dout), free(out), free(dx), free(dw), free(db);
    }
}

/* ---- GELU, residual ---- */

Test(gelu, forward_and_backward_match_pytorch) {
    size_t n = fixture_get(&fx, "gelu.x")->size;
    float *x = load("gelu.x"), *dout = load("gelu.dout"), *out = calloc(n, 4), *dx = calloc(n, 4);
    gelu_forward(out, x, n);
    expect_array(out, "gelu.out", 1e-5, "gelu_forward (tanh approximation), x from -12 to 12",
                 "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))");
    gelu_backward(dx, dout, x, n);
    expect_array(dx, "gelu.dx", 1e-5, "gelu_backward", "product rule: 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx");
    free(x), free(dout), free(out), free(dx);
}

Test(residual, adds_and_splits) {
    float a[3] = {1, 2, 3}, b[3] = {10, -20, 0.5f}, out[3], dout[3] = {1, -1, 2}, da[3] = {1, 1, 1}, db[3] = {0};
    residual_forward(out, a, b, 3);
    EXPECT_NEAR(out[1], -18, 1e-6, "residual_forward (2 + -20)", "out = a + b");
    residual_backward(da, db, dout, 3);
    EXPECT_NEAR(da[2], 3, 1e-6, "da after residual_backward (it held 1, dout 2)", "add (+=) dout to da");
    EXPECT_NEAR(db[1], -1, 1e-6, "db after residual_backward", "a sum passes dout to both inputs unchanged");
}

/* ---- the whole block ---- */

static void load_block(Block *blk, int i, int *B, int *T) {
    const FixtureArray *s = fixture_get(&fx, key("block.%d.%s", i, "shape"));
    *B = (int)s->data[0], *T = (int)s->data[1];
    int C = (int)s->data[2], NH = (int)s->data[3];
    Rng rng;
    rng_init(&rng, 1);
    block_init(blk, *B, *T, C, NH, 1, &rng);
#define X(NAME, COUNT)                                                              \
    {                                                                               \
        const FixtureArray *a = fixture_get(&fx, key("block.%d.%s", i, #NAME));     \
        cr_assert_eq(a->size, (size_t)(COUNT), "fixture %s has %zu floats", #NAME, a->size); \
        for (size_t j = 0; j < a->size; j++) blk->params.NAME[j] = (float)a->data[j]; \
    }
    BLOCK_PARAMS(X, C)
#undef X
}

Test(block_forward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < 3; i++) {
        Block blk;
        int B, T;
        load_block(&blk, i, &B, &T);
        float *x = load(key("block.%d.%s", i, "x")), *out = calloc((size_t)B * T * blk.C, 4);
        block_forward(&blk, out, x, B, T);
        snprintf(what, sizeof what, "block_forward, B=%d T=%d C=%d NH=%d", B, T, blk.C, blk.NH);
        expect_array(out, key("block.%d.%s", i, "out"), 1e-4, what,
                     "x + attn(ln1(x)), then + mlp(ln2(...)); check each step's inputs against the header's recipe");
        free(x), free(out);
        block_free(&blk);
    }
}

Test(block_backward, every_gradient_matches_pytorch) {
    char what[96];
    for (int i = 0; i < 3; i++) {
        Block blk;
        int B, T;
        load_block(&blk, i, &B, &T);
        int C = blk.C;
        float *x = load(key("block.%d.%s", i, "x")), *dout = load(key("block.%d.%s", i, "dout"));
        float *out = calloc((size_t)B * T * C, 4), *dx = calloc((size_t)B * T * C, 4);
        block_forward(&blk, out, x, B, T);
        block_backward(&blk, dx, dout, x, B, T);
        snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: d input", B, T, C, blk.NH);
        expect_array(dx, key("block.%d.%s", i, "dx"), 1e-4, what,
                     "the input reaches the output by three paths: the residual, ln1 and (through res1) ln2");
#define X(NAME, COUNT)                                                                         \
    snprintf(what, sizeof what, "block_backward, B=%d T=%d: gradient of %s", B, T, #NAME);       \
    expect_array(blk.grads.NAME, key("block.%d.grad.%s", i, #NAME), 1e-4, what,                  \
                 "each op's backward in the reverse order of the forward, accumulating with +=");
        BLOCK_PARAMS(X, C)
#undef X
        free(x), free(dout), free(out), free(dx);
        block_free(&blk);
    }
}

Test(block_backward, matches_finite_differences) {
    Block blk;
    Rng rng;
    rng_init(&rng, 12);
    enum { B = 1, T = 3, C = 4 };
    block_init(&blk, B, T, C, 2, 1, &rng);
    for (size_t j = 0; j < blk.nparams; j++) blk.param_mem[j] += 0.2f * (float)rng_normal(&rng);
    float x[B * T * C], w[B * T * C], out[B * T * C], dx[B * T * C] = {0};
    for (int j = 0; j < B * T * C; j++) x[j] = (float)rng_normal(&rng), w[j] = (float)rng_normal(&rng);
    block_forward(&blk, out, x, B, T);
    block_backward(&blk, dx, w, x, B, T);  /* loss = sum(w * out) */
    for (int j = 0; j < B * T * C; j++) {
        float saved = x[j], h = 1e-2f;
        double up = 0, down = 0;
        x[j] = saved + h;
        block_forward(&blk, out, x, B, T);
        for (int m = 0; m < B * T * C; m++) up += (double)w[m] * out[m];
        x[j] = saved - h;
        block_forward(&blk, out, x, B, T);
        for (int m = 0; m < B * T * C; m++) down += (double)w[m] * out[m];
        x[j] = saved;
        char what[64];
        snprintf(what, sizeof what, "d loss / d x[%d] vs a finite difference", j);
        EXPECT_NEAR(dx[j], (up - down) / (2 * h), 5e-3, what, "check the order of the backward steps");
    }
    block_free(&blk);
}
