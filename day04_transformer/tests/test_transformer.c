/*
 * Day 4 tests: LayerNorm, GELU, residuals and a whole transformer block against
 * PyTorch (tools/make_fixtures.py, day04), including T = 1 with heads of size 1 and
 * rows of variance 0; the same functions on arrays large enough for any threaded path,
 * against plain loops written here in double; the block step by step (every saved
 * activation, every gradient it leaves in blk->dacts, each named after the call that
 * makes it), called twice, with the demo's switches; and finite differences.
 *
 * Forward outputs are filled with NaN before the call (every element must be written),
 * gradients with a known pattern (they must be added to, +=). Each suite is one
 * exercise (`make hint-day4 EX=<suite>`).
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
    static char buf[4][64];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 64, fmt, i, name);
    return b;
}
/* the fixture's array `name` of LayerNorm case i (the loop variable) */
#define LN(name) key("ln.%d.%s", i, (name))
#define load(key) fixture_floats(&fx, (key), NULL)
#define expect_array(got, key, tol, what, hint) expect_fixture_array(&fx, (got), (key), (tol), (what), (hint))
#define expect_grad(got, key, tol, what, hint) expect_fixture_grad(&fx, (got), (key), (tol), (what), (hint))

static int dim(const char *k, int d) { return (int)fixture_get(&fx, k)->dims[d]; }
static int count(const char *k) { return (int)fixture_scalar(&fx, k); }

/* ---- helpers for the tests that compute their own answers ---- */

static void expect_near(const float *got, const double *want, size_t n, size_t cols, double tol, const char *what,
                        const char *hint) {
    testing_expect_array(want, n, cols, got, 0, "", tol, what, hint);
}
/* got was filled by testing_prefilled() before the call: it must hold the pattern + want */
static void expect_grad_near(const float *got, const double *want, size_t n, size_t cols, double tol, const char *what,
                             const char *hint) {
    testing_expect_array(want, n, cols, got, 1, "", tol, what, hint);
}
static float *nan_floats(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    testing_fill_nan(p, n);
    return p;
}
static double *zero_doubles(size_t n) {
    double *p = calloc(n ? n : 1, sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    return p;
}
static float *normal_floats(size_t n, Rng *rng, float mean, float scale) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    for (size_t i = 0; i < n; i++) p[i] = mean + scale * (float)rng_normal(rng);
    return p;
}

/* Sizes past every threshold of a threaded or partitioned path (the reference splits
 * work over threads from 65536 elements on): C = 257 does not split evenly, and
 * 4096 rows of 16 give each thread only a few columns. */
typedef struct {
    int N, C;
} LnCase;
static const LnCase LN_LARGE[] = {{300, 257}, {4096, 16}};
enum { N_LN_LARGE = sizeof LN_LARGE / sizeof LN_LARGE[0] };
enum { N_LARGE = 70001 }; /* GELU and residual: past 65536, and odd */

/* ---- LayerNorm ---- */

Test(layernorm_forward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < count("ln.count"); i++) {
        int N = dim(LN("x"), 0), C = dim(LN("x"), 1);
        float *x = load(LN("x")), *w = load(LN("w")), *b = load(LN("b"));
        float *out = nan_floats((size_t)N * C), *mean = nan_floats((size_t)N), *rstd = nan_floats((size_t)N);
        layernorm_forward(out, mean, rstd, x, w, b, N, C);
        const char *flat = i == 2 ? ", every row of variance 0" : i == 3 ? ", row 2 of variance 0" : "";
        snprintf(what, sizeof what, "layernorm_forward on (%d,%d)%s: out", N, C, flat);
        expect_array(out, LN("out"), 1e-5, what,
                     "per row: (x - mean) / sqrt(var + LAYERNORM_EPS), var divided by C (not C-1), then * weight + "
                     "bias; a row of equal values has var 0 and only eps keeps the square root away from 0");
        snprintf(what, sizeof what, "layernorm_forward on (%d,%d)%s: the saved mean", N, C, flat);
        expect_array(mean, LN("mean"), 1e-5, what, "save each row's mean in mean[row]: backward reads it");
        snprintf(what, sizeof what, "layernorm_forward on (%d,%d)%s: the saved rstd", N, C, flat);
        expect_array(rstd, LN("rstd"), 1e-4, what,
                     "save 1 / sqrtf(var + LAYERNORM_EPS) in rstd[row], var being the mean of (x - mean)^2 "
                     "(divided by C)");
        free(x), free(w), free(b), free(out), free(mean), free(rstd);
    }
}

/* LayerNorm in plain loops, in double, from the formula. */
static void plain_layernorm(double *out, double *mean, double *rstd, const float *x, const float *w, const float *b,
                            int N, int C) {
    for (int n = 0; n < N; n++) {
        const float *r = x + (size_t)n * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += r[c];
        m /= C;
        for (int c = 0; c < C; c++) v += (r[c] - m) * (r[c] - m);
        v /= C;
        double s = 1 / sqrt(v + (double)LAYERNORM_EPS);
        for (int c = 0; c < C; c++) out[(size_t)n * C + c] = (r[c] - m) * s * w[c] + b[c];
        mean[n] = m, rstd[n] = s;
    }
}

Test(layernorm_forward, large_inputs_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 41);
    char what[96];
    for (int i = 0; i < N_LN_LARGE; i++) {
        int N = LN_LARGE[i].N, C = LN_LARGE[i].C;
        size_t n = (size_t)N * C;
        float *x = normal_floats(n, &rng, 3, 2), *w = normal_floats((size_t)C, &rng, 1, 0.2f);
        float *b = normal_floats((size_t)C, &rng, 0, 0.2f);
        double *wo = zero_doubles(n), *wm = zero_doubles((size_t)N), *ws = zero_doubles((size_t)N);
        plain_layernorm(wo, wm, ws, x, w, b, N, C);
        float *out = nan_floats(n), *mean = nan_floats((size_t)N), *rstd = nan_floats((size_t)N);
        layernorm_forward(out, mean, rstd, x, w, b, N, C);
        snprintf(what, sizeof what, "layernorm_forward, large: (%d,%d): out", N, C);
        expect_near(out, wo, n, (size_t)C, 1e-4, what,
                    "the same formula as the small cases, for every row and column: if those pass, look at what "
                    "changes with size (rows handed to threads, index arithmetic)");
        snprintf(what, sizeof what, "layernorm_forward, large: (%d,%d): the saved mean", N, C);
        expect_near(mean, wm, (size_t)N, (size_t)N, 1e-4, what, "mean[row] for every row");
        snprintf(what, sizeof what, "layernorm_forward, large: (%d,%d): the saved rstd", N, C);
        expect_near(rstd, ws, (size_t)N, (size_t)N, 1e-4, what, "rstd[row] for every row");
        free(x), free(w), free(b), free(wo), free(wm), free(ws), free(out), free(mean), free(rstd);
    }
}

Test(layernorm_backward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < count("ln.count"); i++) {
        int N = dim(LN("x"), 0), C = dim(LN("x"), 1);
        float *x = load(LN("x")), *w = load(LN("w"));
        float *mean = load(LN("mean")), *rstd = load(LN("rstd"));
        float *dout = load(LN("dout"));
        float *dx = testing_prefilled((size_t)N * C), *dw = testing_prefilled((size_t)C);
        float *db = testing_prefilled((size_t)C);
        layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C); /* mean and rstd as PyTorch has them */
        const char *flat = i == 2 ? ", every row of variance 0" : i == 3 ? ", row 2 of variance 0" : "";
        snprintf(what, sizeof what, "layernorm_backward on (%d,%d)%s: dbias", N, C, flat);
        expect_grad(db, LN("db"), 1e-5, what, "dbias[c] += dout[row][c], summed over the rows");
        snprintf(what, sizeof what, "layernorm_backward on (%d,%d)%s: dweight", N, C, flat);
        expect_grad(dw, LN("dw"), 1e-5, what,
                    "dweight[c] += dout[row][c] * norm, norm = (x - mean) * rstd, summed over the rows");
        snprintf(what, sizeof what, "layernorm_backward on (%d,%d)%s: dinp", N, C, flat);
        expect_grad(dx, LN("dx"), 1e-4, what,
                    "dinp += rstd * (g - mean(g) - norm * mean(g * norm)) with g = dout * weight, both means over "
                    "the row's C columns (study note 02)");
        free(x), free(w), free(mean), free(rstd), free(dout), free(dx), free(dw), free(db);
    }
}

Test(layernorm_backward, large_inputs_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 42);
    char what[96];
    for (int i = 0; i < N_LN_LARGE; i++) {
        int N = LN_LARGE[i].N, C = LN_LARGE[i].C;
        size_t n = (size_t)N * C;
        float *x = normal_floats(n, &rng, 3, 2), *w = normal_floats((size_t)C, &rng, 1, 0.2f);
        float *dout = normal_floats(n, &rng, 0, 1);
        double *wo = zero_doubles(n), *wm = zero_doubles((size_t)N), *ws = zero_doubles((size_t)N);
        plain_layernorm(wo, wm, ws, x, w, w, N, C);
        float *mean = malloc(sizeof(float) * N), *rstd = malloc(sizeof(float) * N);
        for (int r = 0; r < N; r++) mean[r] = (float)wm[r], rstd[r] = (float)ws[r];
        /* the gradients in plain loops, in double */
        double *wdx = zero_doubles(n), *wdw = zero_doubles((size_t)C), *wdb = zero_doubles((size_t)C);
        for (int r = 0; r < N; r++) {
            const float *xr = x + (size_t)r * C, *gr = dout + (size_t)r * C;
            double gmean = 0, gnmean = 0;
            for (int c = 0; c < C; c++) {
                double norm = (xr[c] - (double)mean[r]) * rstd[r];
                wdb[c] += gr[c], wdw[c] += gr[c] * norm;
                gmean += (double)gr[c] * w[c], gnmean += (double)gr[c] * w[c] * norm;
            }
            gmean /= C, gnmean /= C;
            for (int c = 0; c < C; c++) {
                double norm = (xr[c] - (double)mean[r]) * rstd[r];
                wdx[(size_t)r * C + c] = rstd[r] * ((double)gr[c] * w[c] - gmean - norm * gnmean);
            }
        }
        float *dx = testing_prefilled(n), *dw = testing_prefilled((size_t)C), *db = testing_prefilled((size_t)C);
        layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
        static const char hint[] =
            "the same formulas as the small cases; if those pass, look at what changes with size: work split "
            "between threads must still cover every column exactly once, and add (+=) to what the buffers held";
        snprintf(what, sizeof what, "layernorm_backward, large: (%d,%d): dbias", N, C);
        expect_grad_near(db, wdb, (size_t)C, (size_t)C, 1e-4, what, hint);
        snprintf(what, sizeof what, "layernorm_backward, large: (%d,%d): dweight", N, C);
        expect_grad_near(dw, wdw, (size_t)C, (size_t)C, 1e-4, what, hint);
        snprintf(what, sizeof what, "layernorm_backward, large: (%d,%d): dinp", N, C);
        expect_grad_near(dx, wdx, n, (size_t)C, 1e-4, what, hint);
        free(x), free(w), free(dout), free(wo), free(wm), free(ws), free(mean), free(rstd);
        free(wdx), free(wdw), free(wdb), free(dx), free(dw), free(db);
    }
}

/* ---- GELU, residual ---- */

/* The tolerances allow tanhf (the TODO's) as well as the reference's faster tanh. */
Test(gelu, forward_matches_pytorch) {
    size_t n = fixture_get(&fx, "gelu.x")->size;
    float *x = load("gelu.x"), *out = nan_floats(n);
    gelu_forward(out, x, n);
    expect_array(out, "gelu.out", 1e-5, "gelu_forward (tanh approximation), x from -12 to 12 and 0",
                 "0.5 x (1 + tanhf(GELU_SCALE * (x + 0.044715 x^3)))");
    free(x), free(out);
}

Test(gelu, backward_matches_pytorch) {
    size_t n = fixture_get(&fx, "gelu.x")->size;
    float *x = load("gelu.x"), *dout = load("gelu.dout"), *dx = testing_prefilled(n);
    gelu_backward(dx, dout, x, n);
    expect_grad(dx, "gelu.dx", 1e-5, "gelu_backward, x from -12 to 12 and 0",
                "dinp += dout * gelu'(x), gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx by the product rule, "
                "t = tanh(u), du/dx = GELU_SCALE (1 + 3 * 0.044715 x^2)");
    free(x), free(dout), free(dx);
}

Test(gelu, large_arrays_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 43);
    float *x = normal_floats(N_LARGE, &rng, 0, 3), *dout = normal_floats(N_LARGE, &rng, 0, 1);
    x[0] = 0.0f, x[1] = -20.0f, x[2] = 20.0f, x[N_LARGE - 1] = 0.0f;
    double *wout = zero_doubles(N_LARGE), *wdx = zero_doubles(N_LARGE);
    const double k = sqrt(2 / acos(-1.0));
    for (size_t i = 0; i < N_LARGE; i++) {
        double xi = x[i], t = tanh(k * (xi + 0.044715 * xi * xi * xi));
        wout[i] = 0.5 * xi * (1 + t);
        wdx[i] = dout[i] * (0.5 * (1 + t) + 0.5 * xi * (1 - t * t) * k * (1 + 3 * 0.044715 * xi * xi));
    }
    float *out = nan_floats(N_LARGE), *dx = testing_prefilled(N_LARGE);
    gelu_forward(out, x, N_LARGE);
    expect_near(out, wout, N_LARGE, N_LARGE, 1e-5, "gelu_forward on 70001 floats",
                "every element, however many: out[i] = 0.5 x (1 + tanhf(GELU_SCALE * (x + 0.044715 x^3)))");
    gelu_backward(dx, dout, x, N_LARGE);
    expect_grad_near(dx, wdx, N_LARGE, N_LARGE, 1e-5, "gelu_backward on 70001 floats",
                     "every element, however many, added (+=) to what dinp held");
    free(x), free(dout), free(wout), free(wdx), free(out), free(dx);
}

Test(residual, forward_writes_a_plus_b) {
    float a[3] = {1, 2, 3}, b[3] = {10, -20, 0.5f}, out[3];
    double want[3] = {11, -18, 3.5};
    testing_fill_nan(out, 3);
    residual_forward(out, a, b, 3);
    expect_near(out, want, 3, 3, 1e-6, "residual_forward of {1, 2, 3} and {10, -20, 0.5}",
                "out = a + b (write, don't add)");
    Rng rng;
    rng_init(&rng, 44);
    float *la = normal_floats(N_LARGE, &rng, 0, 1), *lb = normal_floats(N_LARGE, &rng, 0, 1);
    float *lout = nan_floats(N_LARGE);
    double *lw = zero_doubles(N_LARGE);
    for (size_t i = 0; i < N_LARGE; i++) lw[i] = (double)la[i] + lb[i];
    residual_forward(lout, la, lb, N_LARGE);
    expect_near(lout, lw, N_LARGE, N_LARGE, 1e-6, "residual_forward on 70001 floats",
                "out[i] = a[i] + b[i] for every i < n");
    free(la), free(lb), free(lout), free(lw);
}

Test(residual, backward_adds_into_both) {
    float dout[3] = {1, -1, 2}, *da = testing_prefilled(3), *db = testing_prefilled(3);
    double want[3] = {1, -1, 2};
    residual_backward(da, db, dout, 3);
    expect_grad_near(da, want, 3, 3, 1e-6, "residual_backward, da (dout = {1, -1, 2})",
                     "a sum hands dout to both inputs unchanged: da += dout");
    expect_grad_near(db, want, 3, 3, 1e-6, "residual_backward, db (dout = {1, -1, 2})",
                     "a sum hands dout to both inputs unchanged: db += dout");
    Rng rng;
    rng_init(&rng, 45);
    float *ld = normal_floats(N_LARGE, &rng, 0, 1);
    float *lda = testing_prefilled(N_LARGE), *ldb = testing_prefilled(N_LARGE);
    double *lw = zero_doubles(N_LARGE);
    for (size_t i = 0; i < N_LARGE; i++) lw[i] = ld[i];
    residual_backward(lda, ldb, ld, N_LARGE);
    expect_grad_near(lda, lw, N_LARGE, N_LARGE, 1e-6, "residual_backward on 70001 floats: da",
                     "da[i] += dout[i] for every i < n");
    expect_grad_near(ldb, lw, N_LARGE, N_LARGE, 1e-6, "residual_backward on 70001 floats: db",
                     "db[i] += dout[i] for every i < n");
    free(da), free(db), free(ld), free(lda), free(ldb), free(lw);
}

/* ---- the whole block ---- */

/* A block built for case i of the fixture, with its parameters; grads zero, activations
 * NaN (block_forward must write every one it saves). */
static void load_block(Block *blk, int i, int *B, int *T) {
    const FixtureArray *s = fixture_get(&fx, key("block.%d.%s", i, "shape"));
    *B = (int)s->data[0], *T = (int)s->data[1];
    int C = (int)s->data[2], NH = (int)s->data[3];
    Rng rng;
    rng_init(&rng, 1);
    block_init(blk, *B, *T, C, NH, 1, &rng);
#define X(NAME, COUNT)                                                                       \
    {                                                                                        \
        const FixtureArray *a = fixture_get(&fx, key("block.%d.%s", i, #NAME));              \
        cr_assert_eq(a->size, (size_t)(COUNT), "fixture %s has %zu floats", #NAME, a->size); \
        for (size_t j = 0; j < a->size; j++) blk->params.NAME[j] = (float)a->data[j];        \
    }
    BLOCK_PARAMS(X, C)
#undef X
    testing_fill_nan(blk->act_mem, blk->nacts);
}

/* What block_forward saves, straight from the fixture: the backward tests do not depend on
 * your block_forward (its own tests check it). */
static void load_acts(Block *blk, int i) {
#define X(NAME, PER_ROW)                                                            \
    {                                                                               \
        const FixtureArray *a = fixture_get(&fx, key("block.%d.act.%s", i, #NAME)); \
        for (size_t j = 0; j < a->size; j++) blk->acts.NAME[j] = (float)a->data[j]; \
    }
    BLOCK_ACTS(X, 0, 0, 0)
#undef X
}

/* Fill every parameter gradient with the pattern expect_fixture_grad expects. */
static void prefill_grads(Block *blk) {
#define X(NAME, COUNT) \
    for (size_t j = 0; j < (size_t)(COUNT); j++) blk->grads.NAME[j] = testing_prefill_value(j);
    BLOCK_PARAMS(X, blk->C)
#undef X
}

/* The call of block_forward that makes each saved activation, in order. */
static const struct {
    const char *name;
    const char *call;
} FORWARD_STEPS[] = {
    {"ln1", "layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, inp, p->ln1_w, p->ln1_b, N, C)"},
    {"ln1_mean", "layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, inp, ...), which saves the mean of each "
                 "row of inp"},
    {"ln1_rstd", "layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, inp, ...), which saves the rstd of each "
                 "row of inp"},
    {"qkv", "matmul_forward(a->qkv, a->ln1, p->qkv_w, p->qkv_b, N, C, 3 * C)"},
    {"att", "mha_forward(a->atty, a->att, a->qkv, B, T, C, NH, 1): causal attention over qkv"},
    {"atty", "mha_forward(a->atty, a->att, a->qkv, B, T, C, NH, 1)"},
    {"attproj", "matmul_forward(a->attproj, a->atty, p->proj_w, p->proj_b, N, C, C)"},
    {"res1", "residual_forward(a->res1, inp, a->attproj, N * C)"},
    {"ln2", "layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res1, p->ln2_w, p->ln2_b, N, C): it "
            "normalises res1, not inp"},
    {"ln2_mean", "layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res1, ...), which saves the mean of "
                 "each row of res1"},
    {"ln2_rstd", "layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res1, ...), which saves the rstd of "
                 "each row of res1"},
    {"fch", "matmul_forward(a->fch, a->ln2, p->fc_w, p->fc_b, N, C, 4 * C)"},
    {"fch_gelu", "gelu_forward(a->fch_gelu, a->fch, N * 4 * C): all 4C columns of every row"},
    {"fcproj", "matmul_forward(a->fcproj, a->fch_gelu, p->fcproj_w, p->fcproj_b, N, 4 * C, C)"},
};

static float *act(BlockActs *a, const char *name) {
#define X(NAME, PER_ROW) \
    if (strcmp(name, #NAME) == 0) return a->NAME;
    BLOCK_ACTS(X, 0, 0, 0)
#undef X
    cr_assert_fail("no activation %s in BlockActs", name);
    return NULL;
}

Test(block_forward, matches_pytorch_step_by_step) {
    char what[160], hint[320];
    for (int i = 0; i < count("block.count"); i++) {
        Block blk;
        int B, T;
        load_block(&blk, i, &B, &T);
        float *x = load(key("block.%d.%s", i, "x")), *out = nan_floats((size_t)B * T * blk.C);
        block_forward(&blk, out, x, B, T);
        for (size_t s = 0; s < sizeof FORWARD_STEPS / sizeof FORWARD_STEPS[0]; s++) {
            snprintf(what, sizeof what, "block_forward, B=%d T=%d C=%d NH=%d: the saved activation a->%s", B, T, blk.C,
                     blk.NH, FORWARD_STEPS[s].name);
            snprintf(hint, sizeof hint, "it is made by %s (the activations checked before it matched)",
                     FORWARD_STEPS[s].call);
            expect_array(act(&blk.acts, FORWARD_STEPS[s].name), key("block.%d.act.%s", i, FORWARD_STEPS[s].name), 1e-4,
                         what, hint);
        }
        snprintf(what, sizeof what, "block_forward, B=%d T=%d C=%d NH=%d: out", B, T, blk.C, blk.NH);
        expect_array(out, key("block.%d.%s", i, "out"), 1e-4, what,
                     "out = res1 + fcproj: residual_forward(out, a->res1, a->fcproj, N * C); every saved activation "
                     "matched");
        free(x), free(out);
        block_free(&blk);
    }
}

Test(block_forward, switches_match_pytorch) {
    static const struct {
        int ln, res;
        const char *hint;
    } SW[] = {
        {0, 1, "with use_layernorm = 0, ln1 and ln2 are copies of their inputs (memcpy of N*C floats)"},
        {1, 0, "with use_residual = 0, res1 = attproj and out = fcproj (copies, no additions)"},
    };
    char what[128];
    for (int s = 0; s < 2; s++) {
        Block blk;
        int B, T;
        load_block(&blk, 0, &B, &T);
        blk.use_layernorm = SW[s].ln, blk.use_residual = SW[s].res;
        float *x = load("block.0.x"), *out = nan_floats((size_t)B * T * blk.C);
        block_forward(&blk, out, x, B, T);
        snprintf(what, sizeof what, "block_forward with use_layernorm=%d use_residual=%d, B=%d T=%d C=%d: out",
                 SW[s].ln, SW[s].res, B, T, blk.C);
        expect_array(out, key("block.0.ln%d%s", SW[s].ln, SW[s].res ? "res1.out" : "res0.out"), 1e-4, what, SW[s].hint);
        free(x), free(out);
        block_free(&blk);
    }
}

/*
 * The backward steps, last forward step first: the gradient each leaves in blk->dacts
 * (d) and the parameter gradients it adds (g), with the call that makes them.
 */
static const struct {
    const char *dact, *grad_w, *grad_b, *call;
} BACKWARD_STEPS[] = {
    {"fcproj", NULL, NULL,
     "residual_backward(d->res1, d->fcproj, dout, N * C): out = res1 + fcproj hands dout to both"},
    {"fch_gelu", "fcproj_w", "fcproj_b",
     "matmul_backward(d->fch_gelu, g->fcproj_w, g->fcproj_b, d->fcproj, a->fch_gelu, p->fcproj_w, N, 4 * C, C)"},
    {"fch", NULL, NULL,
     "gelu_backward(d->fch, d->fch_gelu, a->fch, N * 4 * C): GELU's input was fch (not fch_gelu); check "
     "gelu_backward adds (+=)"},
    {"ln2", "fc_w", "fc_b", "matmul_backward(d->ln2, g->fc_w, g->fc_b, d->fch, a->ln2, p->fc_w, N, C, 4 * C)"},
    {"res1", "ln2_w", "ln2_b",
     "two paths, as res1 feeds two: residual_backward (dout), then layernorm_backward(d->res1, g->ln2_w, "
     "g->ln2_b, d->ln2, a->res1, p->ln2_w, a->ln2_mean, a->ln2_rstd, N, C) adding ln2's part: check "
     "layernorm_backward adds (+=) into its dinp"},
    {"attproj", NULL, NULL, "residual_backward(dinp, d->attproj, d->res1, N * C): res1 = inp + attproj"},
    {"atty", "proj_w", "proj_b",
     "matmul_backward(d->atty, g->proj_w, g->proj_b, d->attproj, a->atty, p->proj_w, N, C, C)"},
    {"qkv", NULL, NULL, "mha_backward(d->qkv, blk->scratch, d->atty, a->att, a->qkv, B, T, C, NH)"},
    {"ln1", "qkv_w", "qkv_b", "matmul_backward(d->ln1, g->qkv_w, g->qkv_b, d->qkv, a->ln1, p->qkv_w, N, C, 3 * C)"},
};

static float *grad(BlockParams *g, const char *name) {
#define X(NAME, COUNT) \
    if (strcmp(name, #NAME) == 0) return g->NAME;
    BLOCK_PARAMS(X, 0)
#undef X
    cr_assert_fail("no parameter %s in BlockParams", name);
    return NULL;
}

/* d->NAME against the fixture, after the test filled dact_mem with NaN before the call:
 * a NaN that comes back means the buffers were added to without being cleared. */
static void expect_dact(Block *blk, int i, const char *name, const char *what, const char *hint) {
    const FixtureArray *want = fixture_get(&fx, key("block.%d.dact.%s", i, name));
    const float *got = act(&blk->dacts, name);
    for (size_t j = 0; j < want->size; j++)
        cr_assert(!isnan(got[j]),
                  "%s: element %zu is NaN\n  the test filled blk->dact_mem with NaN before the call, as a "
                  "previous step leaves it full of old gradients: block_backward must first clear it (memset of "
                  "blk->dact_mem, blk->nacts floats), since every backward after that adds (+=) into it. If it "
                  "does, the NaN came from this step\n  hint: %s",
                  what, j, hint);
    expect_array(got, key("block.%d.dact.%s", i, name), 1e-4, what, hint);
}

Test(block_backward, every_gradient_matches_pytorch_step_by_step) {
    char what[160], hint[400];
    for (int i = 0; i < count("block.count"); i++) {
        Block blk;
        int B, T;
        load_block(&blk, i, &B, &T);
        int C = blk.C;
        float *x = load(key("block.%d.%s", i, "x")), *dout = load(key("block.%d.%s", i, "dout"));
        float *dx = testing_prefilled((size_t)B * T * C);
        load_acts(&blk, i);                           /* as block_forward would have saved them */
        prefill_grads(&blk);                          /* a gradient is added to what is there */
        testing_fill_nan(blk.dact_mem, blk.nacts);    /* scratch: cleared by block_backward */
        testing_fill_nan(blk.scratch, (size_t)T * T); /* scratch: written by mha_backward before read */
        block_backward(&blk, dx, dout, x, B, T);
        for (size_t s = 0; s < sizeof BACKWARD_STEPS / sizeof BACKWARD_STEPS[0]; s++) {
            snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: the gradient of %s (d->%s)", B, T, C,
                     blk.NH, BACKWARD_STEPS[s].dact, BACKWARD_STEPS[s].dact);
            snprintf(hint, sizeof hint, "it comes from %s (the gradients checked before it matched)",
                     BACKWARD_STEPS[s].call);
            expect_dact(&blk, i, BACKWARD_STEPS[s].dact, what, hint);
            const char *params[2] = {BACKWARD_STEPS[s].grad_w, BACKWARD_STEPS[s].grad_b};
            for (int p = 0; p < 2 && params[p]; p++) {
                snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: the gradient of %s", B, T, C, blk.NH,
                         params[p]);
                snprintf(hint, sizeof hint,
                         "%s adds (+=) it into blk->grads; block_backward must not clear "
                         "blk->grads (the caller zeroes them once per step)",
                         BACKWARD_STEPS[s].call);
                expect_grad(grad(&blk.grads, params[p]), key("block.%d.grad.%s", i, params[p]), 1e-4, what, hint);
            }
        }
        snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: the gradient of ln1_w", B, T, C, blk.NH);
        static const char ln1_hint[] =
            "layernorm_backward(dinp, g->ln1_w, g->ln1_b, d->ln1, inp, p->ln1_w, a->ln1_mean, a->ln1_rstd, N, C) "
            "adds (+=) it into blk->grads";
        expect_grad(blk.grads.ln1_w, key("block.%d.grad.%s", i, "ln1_w"), 1e-4, what, ln1_hint);
        snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: the gradient of ln1_b", B, T, C, blk.NH);
        expect_grad(blk.grads.ln1_b, key("block.%d.grad.%s", i, "ln1_b"), 1e-4, what, ln1_hint);
        snprintf(what, sizeof what, "block_backward, B=%d T=%d C=%d NH=%d: dinp (the gradient of the input)", B, T, C,
                 blk.NH);
        expect_grad(dx, key("block.%d.%s", i, "dx"), 1e-4, what,
                    "dinp collects two paths: residual_backward(dinp, d->attproj, d->res1, N * C) (the skip) and "
                    "layernorm_backward(dinp, g->ln1_w, g->ln1_b, d->ln1, inp, ...) (ln1): check both add (+=) into "
                    "dinp; the test filled it with a pattern first");
        free(x), free(dout), free(dx);
        block_free(&blk);
    }
}

/* got after two calls of block_backward on pattern-filled buffers: pattern + 2 gradients. */
static void expect_twice(const float *got, const char *k, const char *what) {
    const FixtureArray *want = fixture_get(&fx, k);
    for (size_t j = 0; j < want->size; j++) {
        double base = testing_prefill_value(j), g = want->data[j];
        if (llmlab_close(got[j], base + 2 * g, 1e-4)) continue;
        if (llmlab_close(got[j], base + g, 1e-4) || llmlab_close(got[j], g, 1e-4))
            cr_assert_fail("%s, element %zu: expected %.7g (what it held) + 2 x %.7g (two calls), got %.7g: only one "
                           "call's gradient is there\n  hint: block_backward adds (+=) into blk->grads and dinp and "
                           "never clears them (the caller zeroes them once per step)",
                           what, j, base, g, got[j]);
        cr_assert_fail("%s, element %zu: expected %.7g (what it held) + 2 x %.7g (two calls), got %.7g: the second "
                       "call's gradient differs from the first's\n  hint: clear blk->dact_mem (memset, blk->nacts "
                       "floats) at the start of block_backward: the sub-ops add (+=) into it, and it still holds "
                       "the first call's gradients",
                       what, j, base, g, got[j]);
    }
    cr_assert(1);
}

Test(block_backward, second_call_adds_the_same_again) {
    /* Gradient accumulation calls block_backward again on the same block: the
     * parameter gradients and dinp must grow by the same amount again. */
    Block blk;
    int B, T;
    load_block(&blk, 0, &B, &T);
    int C = blk.C;
    float *x = load("block.0.x"), *dout = load("block.0.dout");
    float *dx = testing_prefilled((size_t)B * T * C);
    load_acts(&blk, 0);
    prefill_grads(&blk);
    block_backward(&blk, dx, dout, x, B, T);
    block_backward(&blk, dx, dout, x, B, T);
    char what[128];
    for (size_t s = 0; s < sizeof BACKWARD_STEPS / sizeof BACKWARD_STEPS[0]; s++) {
        const char *params[2] = {BACKWARD_STEPS[s].grad_w, BACKWARD_STEPS[s].grad_b};
        for (int p = 0; p < 2 && params[p]; p++) {
            snprintf(what, sizeof what, "block_backward called twice, B=%d T=%d C=%d: the gradient of %s", B, T, C,
                     params[p]);
            expect_twice(grad(&blk.grads, params[p]), key("block.%d.grad.%s", 0, params[p]), what);
        }
    }
    expect_twice(blk.grads.ln1_w, "block.0.grad.ln1_w", "block_backward called twice: the gradient of ln1_w");
    expect_twice(dx, "block.0.dx", "block_backward called twice: dinp");
    free(x), free(dout), free(dx);
    block_free(&blk);
}

Test(block_backward, switches_match_pytorch) {
    static const struct {
        int ln, res;
        const char *hint;
    } SW[] = {
        {0, 1,
         "with use_layernorm = 0, ln2 and ln1 were copies: their gradients add straight into d->res1 and "
         "dinp (+=, on top of what the residual gave them), and ln1_w, ln1_b, ln2_w, ln2_b get nothing"},
        {1, 0,
         "with use_residual = 0, out was fcproj and res1 was attproj: d->fcproj is dout, d->attproj gets "
         "d->res1, and dinp gets only ln1's gradient"},
    };
    char what[128], k[64];
    for (int s = 0; s < 2; s++) {
        Block blk;
        int B, T;
        load_block(&blk, 0, &B, &T);
        blk.use_layernorm = SW[s].ln, blk.use_residual = SW[s].res;
        int C = blk.C;
        float *x = load("block.0.x"), *dout = load("block.0.dout");
        float *out = nan_floats((size_t)B * T * C), *dx = testing_prefilled((size_t)B * T * C);
        block_forward(&blk, out, x, B, T); /* yours: the saved activations of a switched block */
        snprintf(k, sizeof k, "block.0.ln%dres%d.out", SW[s].ln, SW[s].res);
        for (size_t j = 0; j < (size_t)B * T * C; j++)
            cr_assert(llmlab_close(out[j], fixture_get(&fx, k)->data[j], 1e-4),
                      "block_backward with use_layernorm=%d use_residual=%d needs what block_forward saved, and "
                      "block_forward's output differs (element %zu: expected %.7g, got %.7g)\n  hint: make "
                      "block_forward/switches_match_pytorch pass first",
                      SW[s].ln, SW[s].res, j, fixture_get(&fx, k)->data[j], out[j]);
        prefill_grads(&blk);
        testing_fill_nan(blk.dact_mem, blk.nacts);
        block_backward(&blk, dx, dout, x, B, T);
        snprintf(k, sizeof k, "block.0.ln%dres%d.dx", SW[s].ln, SW[s].res);
        snprintf(what, sizeof what, "block_backward with use_layernorm=%d use_residual=%d: dinp", SW[s].ln, SW[s].res);
        expect_grad(dx, k, 1e-4, what, SW[s].hint);
#define X(NAME, COUNT)                                                                                                \
    snprintf(k, sizeof k, "block.0.ln%dres%d.grad.%s", SW[s].ln, SW[s].res, #NAME);                                   \
    snprintf(what, sizeof what, "block_backward with use_layernorm=%d use_residual=%d: the gradient of %s", SW[s].ln, \
             SW[s].res, #NAME);                                                                                       \
    expect_grad(blk.grads.NAME, k, 1e-4, what, SW[s].hint);
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
    block_backward(&blk, dx, w, x, B, T); /* loss = sum(w * out) */
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
        char what[80];
        snprintf(what, sizeof what, "block_backward: d loss / d x[%d] vs a finite difference", j);
        EXPECT_NEAR(dx[j], (up - down) / (2 * h), 5e-3, what,
                    "check the order of the backward steps (this test runs your block_forward too: make its "
                    "tests pass first)");
    }
    block_free(&blk);
}
