/*
 * Day 2 tests: every op, forward and backward, against PyTorch (tools/make_fixtures.py,
 * day02) at several shapes, including 1xN, Nx1 and sizes that are not a multiple of
 * any block. Each Criterion suite is one exercise (`make hint-day2 EX=<suite>`).
 *
 * How the buffers catch the usual slips (common/testing.h):
 * - a forward output is filled with NaN before the call, so an element that
 *   is added to (+=) instead of written (=), or never written, comes back NaN;
 * - a gradient buffer is pre-filled with a known nonzero pattern, so a
 *   backward that assigns (=) instead of adding (+=) loses the pattern;
 * - a function that must clear its own buffer (a sum, a loss) is called twice;
 * - relu's inputs hold exact zeros, where its gradient is 0 (as in PyTorch).
 * When the numbers are wrong in a recognisable way (weight read as (C, OC),
 * a mean over N rows where M count), the message says so.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "matmul_steps.h"
#include "rng.h"
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

/* A fixture key built printf-style, in one of eight rotating buffers (a few can be alive at once). */
static const char *key(const char *fmt, ...) {
    static char buf[8][64];
    static int next;
    char *b = buf[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof buf[0], fmt, ap);
    va_end(ap);
    return b;
}

/* A float copy of fixture array `k` (freed by the caller), and its element count. */
#define load(k, n) fixture_floats(&fx, (k), (n))
#define expect_array(got, k, tol, what, hint) expect_fixture_array(&fx, (got), (k), (tol), (what), (hint))
#define expect_grad(got, k, tol, what, hint) expect_fixture_grad(&fx, (got), (k), (tol), (what), (hint))

static int dim(const char *k, int d) { return (int)fixture_get(&fx, k)->dims[d]; }

/* n floats of NaN, for a forward output that must be written, not added to (free() it). */
static float *nan_filled(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    testing_fill_nan(p, n);
    return p;
}

/* True when got[i] (less the pre-filled pattern when `prefilled`) is within tol of want[i] for every i. */
static int all_close(const float *got, const float *want, size_t n, double tol, int prefilled) {
    for (size_t i = 0; i < n; i++)
        if (!llmlab_close((double)got[i] - (prefilled ? testing_prefill_value(i) : 0.0), want[i], tol)) return 0;
    return 1;
}

static int has_nan(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (isnan(p[i])) return 1;
    return 0;
}

/* A gradient buffer filled by testing_prefilled() against want (computed here), labelled "what (name)". */
static void expect_grad_near(const float *got, const float *want, size_t n, size_t cols, double tol, const char *name,
                             const char *what, const char *hint) {
    double *w = malloc((n ? n : 1) * sizeof *w);
    cr_assert_not_null(w, "out of memory in a test");
    for (size_t i = 0; i < n; i++) w[i] = want[i];
    testing_expect_array(w, n, cols, got, 1, name, tol, what, hint);
    free(w);
}

/* ---- matmul ---- */

/* How gemm_fast does the linear layer (matmul_steps.h says the same). */
#define GEMM_STRIDES                                                                                       \
    "gemm_fast(M, N, K, A, rsa, csa, B, rsb, csb, out, ldc, accumulate) reads A(i,k) at A[i*rsa + k*csa] " \
    "and B(k,j) at B[k*rsb + j*csb]"

/* The linear layer by plain loops over the first `cols` columns, with weight element (o, c) read at
 * weight[o*wo + c*wc]: (wo, wc) = (C, 1) is the right layout, (1, OC) reads weight as if stored (C, OC). */
static void plain_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C, int OC,
                          int wo, int wc, int cols) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int c = 0; c < cols; c++) s += (double)inp[n * C + c] * weight[o * wo + c * wc];
            out[n * OC + o] = (float)s;
        }
}

/* dinp (N,C) = dout (N,OC) @ W, W(o, c) read at weight[o*wo + c*wc] as above. */
static void plain_dinp(float *dinp, const float *dout, const float *weight, int N, int C, int OC, int wo, int wc) {
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            double s = 0.0;
            for (int o = 0; o < OC; o++) s += (double)dout[n * OC + o] * weight[o * wo + c * wc];
            dinp[n * C + c] = (float)s;
        }
}

/* Check matmul_forward's out (N,OC) against want, and name the mistake when it is a known one. */
static void check_linear_out(const float *out, const float *want, const float *inp, const float *w, const float *b,
                             int N, int C, int OC, const char *what, const char *hint) {
    size_t n = (size_t)N * OC;
    if (all_close(out, want, n, 1e-5, 0)) {
        cr_assert(1);
        return;
    }
    if (!has_nan(out, n)) {
        float *alt = malloc(n * sizeof *alt);
        cr_assert_not_null(alt);
        plain_forward(alt, inp, w, b, N, C, OC, 1, OC, C);
        int transposed = all_close(out, alt, n, 1e-5, 0);
        plain_forward(alt, inp, w, NULL, N, C, OC, C, 1, C);
        int no_bias = b != NULL && all_close(out, alt, n, 1e-5, 0);
        plain_forward(alt, inp, w, b, N, C, OC, C, 1, C - 1);
        int short_loop = all_close(out, alt, n, 1e-5, 0);
        free(alt);
        cr_assert(!transposed,
                  "%s: out is inp @ weight, with weight read as if it were stored (C, OC) = (%d, %d)\n"
                  "  weight is (OC, C) like PyTorch's nn.Linear: element (o, c) is weight[o*C + c], and "
                  "out = inp @ weight^T\n  hint: with loops, weight[o*C + c]; with gemm_fast, B = weight^T: "
                  "B(c, o) = weight[o*C + c], so rsb = 1 and csb = C (" GEMM_STRIDES ")",
                  what, C, OC);
        cr_assert(!short_loop,
                  "%s: each sum leaves out the last column, c = C-1 = %d\n  hint: the loop over c "
                  "runs c = 0, 1, ..., C-1: `c < C`, not `c < C - 1`",
                  what, C - 1);
        cr_assert(!no_bias,
                  "%s: out is inp @ weight^T without the bias\n  hint: start each sum at bias[o] "
                  "(or add bias[o] afterwards); only a NULL bias means none",
                  what);
    }
    expect_array_near(out, want, n, (size_t)OC, 1e-5, what, hint);
}

#define FWD_HINT                                                                                                      \
    "out[n*OC + o] = bias[o] + sum over c of inp[n*C + c] * weight[o*C + c]. If you call gemm_fast: A = inp "         \
    "(rsa = C, csa = 1), B = weight^T (rsb = 1, csb = C), ldc = OC, accumulate = 0, then add the bias (" GEMM_STRIDES \
    ")"

Test(matmul_forward, matches_pytorch_at_every_shape) {
    char what[128];
    for (int i = 0; i < N_MATMUL; i++) {
        int N = dim(key("matmul.%d.inp", i), 0), C = dim(key("matmul.%d.inp", i), 1);
        int OC = dim(key("matmul.%d.bias", i), 0);
        float *inp = load(key("matmul.%d.inp", i), NULL), *w = load(key("matmul.%d.weight", i), NULL);
        float *b = load(key("matmul.%d.bias", i), NULL), *want = load(key("matmul.%d.out", i), NULL);
        float *out = nan_filled((size_t)N * OC);
        matmul_forward(out, inp, w, b, N, C, OC);
        snprintf(what, sizeof what, "matmul_forward with N=%d, C=%d, OC=%d", N, C, OC);
        check_linear_out(out, want, inp, w, b, N, C, OC, what, FWD_HINT);
        matmul_forward(out, inp, w, b, N, C, OC); /* a second call on the same out must give the same */
        snprintf(what, sizeof what, "matmul_forward with N=%d, C=%d, OC=%d, called a second time on the same out", N, C,
                 OC);
        check_linear_out(out, want, inp, w, b, N, C, OC, what,
                         "overwrite out (=), never add to what it holds (gemm_fast: accumulate = 0)");
        free(inp), free(w), free(b), free(want), free(out);
    }
}

Test(matmul_forward, bias_may_be_null) {
    float inp[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, out[4];
    float want[4] = {-2, 3, -2, 7.5f};
    testing_fill_nan(out, 4);
    matmul_forward(out, inp, w, NULL, 2, 3, 2); /* (2,3) @ (2,3)^T */
    expect_array_near(out, want, 4, 2, 1e-6, "matmul_forward (N=2, C=3, OC=2) with bias NULL",
                      "when bias is NULL, start each sum at 0 (and never read bias)");
}

/* Random inputs of an awkward size: not a multiple of 4, 6, 16, 64, 96 or 256. */
enum { AWK_N = 101, AWK_C = 263, AWK_OC = 37 };

static float *random_floats(Rng *rng, size_t n) {
    float *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_normal(rng);
    return x;
}

Test(matmul_forward, agrees_with_plain_loops_at_awkward_sizes) {
    int N = AWK_N, C = AWK_C, OC = AWK_OC;
    Rng rng;
    rng_init(&rng, 3);
    float *inp = random_floats(&rng, (size_t)N * C), *w = random_floats(&rng, (size_t)OC * C);
    float *b = random_floats(&rng, (size_t)OC), *want = malloc(sizeof(float) * N * OC);
    float *out = nan_filled((size_t)N * OC);
    cr_assert_not_null(want);
    plain_forward(want, inp, w, b, N, C, OC, C, 1, C);
    matmul_forward(out, inp, w, b, N, C, OC);
    check_linear_out(out, want, inp, w, b, N, C, OC, "matmul_forward (N=101, C=263, OC=37) vs a plain triple loop",
                     "every (n, o) pair, every c: check the loop bounds and the indexing. " FWD_HINT);
    free(inp), free(w), free(b), free(want), free(out);
}

#define DINP_HINT                                                                                                   \
    "dinp[n][c] += sum over o of dout[n][o] * weight[o][c]; add, never assign. With gemm_fast: dinp (N,C) += dout " \
    "(N,OC) @ weight (OC,C), accumulate = 1, ldc = C (study note 01 has the strides of each layout)"
#define DWEIGHT_HINT                                                                                            \
    "dweight[o][c] += sum over n of dout[n][o] * inp[n][c]. With gemm_fast: dweight (OC,C) += dout^T (OC,N) @ " \
    "inp (N,C), accumulate = 1, ldc = C; dout^T is dout read transposed (study note 01)"

/* Check the three gradients of matmul_backward (pre-filled buffers) against want_*. */
static void check_linear_grads(const float *dinp, const float *dw, const float *db, const float *want_dinp,
                               const float *want_dw, const float *want_db, const float *dout, const float *w, int N,
                               int C, int OC, const char *what) {
    size_t nin = (size_t)N * C, nw = (size_t)OC * C;
    if (!all_close(dinp, want_dinp, nin, 1e-4, 1) && !has_nan(dinp, nin)) {
        float *alt = malloc(nin * sizeof *alt);
        cr_assert_not_null(alt);
        plain_dinp(alt, dout, w, N, C, OC, 1, OC);
        int transposed = all_close(dinp, alt, nin, 1e-4, 1);
        free(alt);
        cr_assert(!transposed,
                  "%s: dinp is dout @ weight with weight read as if it were stored (C, OC) = (%d, %d)\n"
                  "  weight is (OC, C): element (o, c) is weight[o*C + c]\n  hint: " DINP_HINT,
                  what, C, OC);
    }
    expect_grad_near(dinp, want_dinp, nin, (size_t)C, 1e-4, "dinp", what, DINP_HINT);
    if (!all_close(dw, want_dw, nw, 1e-4, 1)) {
        int stored_transposed = 1; /* dweight[c*OC + o] instead of dweight[o*C + c]? */
        for (int o = 0; o < OC && stored_transposed; o++)
            for (int c = 0; c < C; c++) {
                size_t at = (size_t)c * OC + o;
                if (!llmlab_close(dw[at] - testing_prefill_value(at), want_dw[o * C + c], 1e-4)) {
                    stored_transposed = 0;
                    break;
                }
            }
        cr_assert(!stored_transposed,
                  "%s: dweight holds the right gradients, transposed: element (o, c) was added at dweight[c*OC + o]\n"
                  "  dweight has weight's shape (OC, C) = (%d, %d): element (o, c) is dweight[o*C + c]\n  "
                  "hint: " DWEIGHT_HINT,
                  what, OC, C);
    }
    expect_grad_near(dw, want_dw, nw, (size_t)C, 1e-4, "dweight", what, DWEIGHT_HINT);
    expect_grad_near(db, want_db, (size_t)OC, (size_t)OC, 1e-4, "dbias", what,
                     "dbias[o] += sum over n of dout[n][o] (every row used the bias once)");
}

Test(matmul_backward, matches_pytorch_at_every_shape) {
    char what[96];
    for (int i = 0; i < N_MATMUL; i++) {
        int N = dim(key("matmul.%d.inp", i), 0), C = dim(key("matmul.%d.inp", i), 1);
        int OC = dim(key("matmul.%d.bias", i), 0);
        float *inp = load(key("matmul.%d.inp", i), NULL), *w = load(key("matmul.%d.weight", i), NULL);
        float *dout = load(key("matmul.%d.dout", i), NULL), *want_dinp = load(key("matmul.%d.dinp", i), NULL);
        float *want_dw = load(key("matmul.%d.dweight", i), NULL), *want_db = load(key("matmul.%d.dbias", i), NULL);
        /* gradients accumulate: each buffer holds a pattern that must still be there */
        float *dinp = testing_prefilled((size_t)N * C), *dw = testing_prefilled((size_t)OC * C);
        float *db = testing_prefilled((size_t)OC);
        matmul_backward(dinp, dw, db, dout, inp, w, N, C, OC);
        snprintf(what, sizeof what, "matmul_backward with N=%d, C=%d, OC=%d", N, C, OC);
        check_linear_grads(dinp, dw, db, want_dinp, want_dw, want_db, dout, w, N, C, OC, what);
        free(inp), free(w), free(dout), free(want_dinp), free(want_dw), free(want_db), free(dinp), free(dw), free(db);
    }
}

Test(matmul_backward, agrees_with_plain_loops_at_awkward_sizes) {
    int N = AWK_N, C = AWK_C, OC = AWK_OC;
    Rng rng;
    rng_init(&rng, 4);
    float *inp = random_floats(&rng, (size_t)N * C), *w = random_floats(&rng, (size_t)OC * C);
    float *dout = random_floats(&rng, (size_t)N * OC);
    float *want_dinp = malloc(sizeof(float) * N * C), *want_dw = malloc(sizeof(float) * OC * C);
    float *want_db = malloc(sizeof(float) * OC);
    cr_assert(want_dinp && want_dw && want_db);
    plain_dinp(want_dinp, dout, w, N, C, OC, C, 1);
    for (int o = 0; o < OC; o++) {
        double sb = 0.0;
        for (int n = 0; n < N; n++) sb += dout[n * OC + o];
        want_db[o] = (float)sb;
        for (int c = 0; c < C; c++) {
            double s = 0.0;
            for (int n = 0; n < N; n++) s += (double)dout[n * OC + o] * inp[n * C + c];
            want_dw[o * C + c] = (float)s;
        }
    }
    float *dinp = testing_prefilled((size_t)N * C), *dw = testing_prefilled((size_t)OC * C);
    float *db = testing_prefilled((size_t)OC);
    matmul_backward(dinp, dw, db, dout, inp, w, N, C, OC);
    check_linear_grads(dinp, dw, db, want_dinp, want_dw, want_db, dout, w, N, C, OC,
                       "matmul_backward (N=101, C=263, OC=37) vs plain triple loops");
    free(inp), free(w), free(dout), free(want_dinp), free(want_dw), free(want_db), free(dinp), free(dw), free(db);
}

Test(matmul_backward, null_gradients_are_skipped) {
    /* (1,2) @ (1,2)^T: out = 1*3 + 2*4; dinp = dout * weight, dweight = dout * inp, dbias = dout */
    float inp[2] = {1, 2}, w[2] = {3, 4}, dout[1] = {2};
    float want_dinp[2] = {6, 8}, want_dw[2] = {2, 4}, want_db[1] = {2};
    for (int wanted = 0; wanted < 3; wanted++) {
        float *dinp = testing_prefilled(2), *dw = testing_prefilled(2), *db = testing_prefilled(1);
        static const char *what[3] = {"matmul_backward with only dinp (dweight and dbias NULL)",
                                      "matmul_backward with only dweight (dinp and dbias NULL)",
                                      "matmul_backward with only dbias (dinp and dweight NULL)"};
        matmul_backward(wanted == 0 ? dinp : NULL, wanted == 1 ? dw : NULL, wanted == 2 ? db : NULL, dout, inp, w, 1, 2,
                        1);
        const char *hint = "add (+=) into each gradient that is not NULL; a NULL one is not needed: check each "
                           "pointer before writing through it";
        if (wanted == 0) expect_grad_near(dinp, want_dinp, 2, 2, 1e-6, "dinp", what[0], hint);
        if (wanted == 1) expect_grad_near(dw, want_dw, 2, 2, 1e-6, "dweight", what[1], hint);
        if (wanted == 2) expect_grad_near(db, want_db, 1, 1, 1e-6, "dbias", what[2], hint);
        free(dinp), free(dw), free(db);
    }
}

/* ---- broadcasting, reductions, activations: one helper runs every shape ---- */

typedef void (*RowsFwd)(float *, const float *, const float *, int, int);

static void check_rows(const char *name, RowsFwd fwd, int is_mul) {
    char what[96];
    for (int i = 0; i < N_ROWS; i++) {
        int N = dim(key("%s.%d.a", name, i), 0), C = dim(key("%s.%d.a", name, i), 1);
        float *a = load(key("%s.%d.a", name, i), NULL), *row = load(key("%s.%d.row", name, i), NULL);
        float *dout = load(key("%s.%d.dout", name, i), NULL);
        float *out = nan_filled((size_t)N * C), *da = testing_prefilled((size_t)N * C);
        float *drow = testing_prefilled((size_t)C);
        fwd(out, a, row, N, C);
        snprintf(what, sizeof what, "%s_forward on (%d,%d)", name, N, C);
        expect_array(out, key("%s.%d.out", name, i), 1e-5, what,
                     is_mul ? "out[n*C + c] = a[n*C + c] * row[c]: row[c] applies to column c of every row"
                            : "out[n*C + c] = a[n*C + c] + row[c]: row[c] applies to column c of every row");
        if (is_mul)
            mul_rows_backward(da, drow, dout, a, row, N, C);
        else
            add_rows_backward(da, drow, dout, N, C);
        snprintf(what, sizeof what, "%s_backward on (%d,%d)", name, N, C);
        expect_grad(da, key("%s.%d.da", name, i), 1e-5, what,
                    is_mul ? "the product rule: da[i] += dout[i] * row[c] (the other factor, not a)"
                           : "a sum passes its gradient through: da[i] += dout[i]");
        expect_grad(drow, key("%s.%d.drow", name, i), 1e-5, what,
                    is_mul ? "row was used by every row of a: drow[c] += dout[i] * a[i] for every row n, adding up"
                           : "row was used by every row of a: drow[c] += dout[n*C + c] for every row n, adding up");
        free(a), free(row), free(dout), free(out), free(da), free(drow);
    }
}

Test(add_rows, matches_pytorch) { check_rows("add_rows", add_rows_forward, 0); }
Test(mul_rows, matches_pytorch) { check_rows("mul_rows", mul_rows_forward, 1); }

typedef void (*ReduceFwd)(float *, const float *, int, int, int);
typedef void (*ReduceBwd)(float *, const float *, int, int, int);

static void check_reduce(const char *name, ReduceFwd fwd, ReduceBwd bwd) {
    char what[128];
    int is_mean = strcmp(name, "mean") == 0;
    for (int axis = 0; axis <= 1; axis++)
        for (int i = 0; i < N_ROWS; i++) {
            int N = dim(key("%s%d.%d.a", name, axis, i), 0), C = dim(key("%s%d.%d.a", name, axis, i), 1);
            float *a = load(key("%s%d.%d.a", name, axis, i), NULL),
                  *dout = load(key("%s%d.%d.dout", name, axis, i), NULL);
            float *out = nan_filled((size_t)(axis == 0 ? C : N)), *da = testing_prefilled((size_t)N * C);
            const char *fwd_hint =
                axis == 0
                    ? (is_mean ? "axis 0: out[c] = (sum over n of a[n*C + c]) / N, for each of the C columns"
                               : "axis 0: set every out[c] to 0 first, then add a[n*C + c] for every row n (C results)")
                    : (is_mean ? "axis 1: out[n] = (sum over c of a[n*C + c]) / C, for each of the N rows"
                               : "axis 1: out[n] = sum over c of a[n*C + c], a sum that starts at 0 (N results)");
            for (int call = 1; call <= 2; call++) { /* the second call on the same out must give the same */
                fwd(out, a, N, C, axis);
                snprintf(what, sizeof what, "%s_forward on (%d,%d), axis %d%s", name, N, C, axis,
                         call == 2 ? ", called a second time on the same out" : "");
                expect_array(out, key("%s%d.%d.out", name, axis, i), 1e-5, what,
                             call == 2 ? "start from 0 on every call: write each result (=), do not add to what out "
                                         "held"
                                       : fwd_hint);
            }
            bwd(da, dout, N, C, axis);
            snprintf(what, sizeof what, "%s_backward on (%d,%d), axis %d", name, N, C, axis);
            expect_grad(da, key("%s%d.%d.da", name, axis, i), 1e-5, what,
                        is_mean ? "each input gets the gradient of the one mean it went into, divided by the count "
                                  "(N for axis 0, C for axis 1)"
                                : "each input gets the gradient of the one sum it went into: dout[c] for axis 0, "
                                  "dout[n] for axis 1");
            free(a), free(dout), free(out), free(da);
        }
}

Test(sum, matches_pytorch_both_axes) { check_reduce("sum", sum_forward, sum_backward); }
Test(mean, matches_pytorch_both_axes) { check_reduce("mean", mean_forward, mean_backward); }

/* relu_backward at the inputs that are exactly 0: no gradient there (got holds the pre-filled pattern). */
static void check_relu_corner(const float *da, const float *a, const float *dout, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++)
        cr_assert(a[i] != 0.0f || da[i] == testing_prefill_value(i),
                  "%s: element %zu, where a is exactly 0, got a gradient of %g (dout there is %g); expected 0\n  hint: "
                  "relu's slope at 0 is 0, as in PyTorch: add dout only where a > 0, not where a >= 0",
                  what, i, (double)(da[i] - testing_prefill_value(i)), (double)dout[i]);
}

static void check_activation(const char *name, void (*fwd)(float *, const float *, size_t),
                             void (*bwd)(float *, const float *, const float *, size_t), int saves_out,
                             const char *fwd_hint, const char *bwd_hint) {
    char what[96];
    for (int i = 0; i < N_ROWS; i++) {
        size_t n;
        float *a = load(key("%s.%d.a", name, i), &n), *dout = load(key("%s.%d.dout", name, i), NULL);
        float *out = nan_filled(n), *da = testing_prefilled(n);
        fwd(out, a, n);
        snprintf(what, sizeof what, "%s_forward on %zu values", name, n);
        expect_array(out, key("%s.%d.out", name, i), 1e-6, what, fwd_hint);
        bwd(da, dout, saves_out ? out : a, n);
        snprintf(what, sizeof what, "%s_backward on %zu values", name, n);
        if (bwd == relu_backward) check_relu_corner(da, a, dout, n, what);
        expect_grad(da, key("%s.%d.da", name, i), 1e-5, what, bwd_hint);
        free(a), free(dout), free(out), free(da);
    }
}

Test(relu, matches_pytorch) {
    /* a third of the inputs are exactly 0 */
    check_activation("relu", relu_forward, relu_backward, 0,
                     "out[i] = a[i] > 0 ? a[i] : 0: write every element, 0 included",
                     "da[i] += dout[i] only where a[i] > 0; where a[i] <= 0 (0 included) da[i] is left as it is");
}

Test(relu, gradient_is_zero_at_exactly_zero) {
    float a[3] = {-1.0f, 0.0f, 2.0f}, dout[3] = {5.0f, 7.0f, 11.0f}, want[3] = {0.0f, 0.0f, 11.0f};
    float *da = testing_prefilled(3);
    relu_backward(da, dout, a, 3);
    expect_grad_near(da, want, 3, 3, 1e-6, "da", "relu_backward at a = {-1, 0, 2} with dout = {5, 7, 11}",
                     "da[i] += dout[i] only where a[i] > 0: relu's slope at 0 is 0, as in PyTorch (a > 0, not >=)");
    free(da);
}

Test(tanh, matches_pytorch) {
    check_activation("tanh", tanh_forward, tanh_backward, 1, "out[i] = tanhf(a[i])",
                     "backward gets the saved output out = tanh(a) itself: da += dout * (1 - out^2), no second tanh");
}

/* ---- softmax family: includes a row of +-1e4 that overflows without the max trick ---- */

Test(softmax, matches_pytorch_and_is_stable) {
    size_t n;
    float *x = load("softmax.logits", &n), *dout = load("softmax.dout", NULL);
    int N = dim("softmax.logits", 0), C = dim("softmax.logits", 1);
    float *p = nan_filled(n), *dx = testing_prefilled(n), *want = load("softmax.out", NULL);
    softmax_forward(p, x, N, C);
    /* the ordinary rows first, then the last one, whose logits reach 1e4 */
    expect_array_near(p, want, n - C, C, 1e-5, "softmax_forward on rows of small logits",
                      "p[c] = expf(x[c] - max) / (the row's sum of them): write every element (=)");
    for (size_t i = n - C; i < n; i++)
        cr_assert(isfinite(p[i]),
                  "softmax_forward gave %g at [%zu][%zu], in a row of logits up to 1e4\n  hint: "
                  "subtract the row's maximum before expf: expf(1e4) is infinite in float32",
                  p[i], i / C, i % C);
    expect_array(p, "softmax.out", 1e-5, "softmax_forward", "exp(x - max) / its row sum, written into every element");
    softmax_backward(dx, dout, p, N, C);
    expect_grad(dx, "softmax.dlogits", 1e-5, "softmax_backward",
                "per row: dot = sum dprobs*probs, then dlogits += probs * (dprobs - dot)");
    free(x), free(dout), free(p), free(dx), free(want);
}

Test(log_softmax, matches_pytorch_and_is_stable) {
    size_t n;
    float *x = load("log_softmax.logits", &n), *dout = load("log_softmax.dout", NULL);
    int N = dim("log_softmax.logits", 0), C = dim("log_softmax.logits", 1);
    float *o = nan_filled(n), *dx = testing_prefilled(n), *want = load("log_softmax.out", NULL);
    log_softmax_forward(o, x, N, C);
    expect_array_near(o, want, n - C, C, 1e-5, "log_softmax_forward on rows of small logits",
                      "out[c] = (x[c] - max) - logf(sum over the row of expf(x - max)): write every element (=)");
    for (size_t i = n - C; i < n; i++)
        cr_assert(isfinite(o[i]),
                  "log_softmax_forward gave %g at [%zu][%zu], in a row of logits up to 1e4\n  hint: "
                  "x - max - log(sum exp(x - max)); never log(softmax), which is log(0) for a logit 2e4 below the "
                  "max",
                  o[i], i / C, i % C);
    expect_array(o, "log_softmax.out", 1e-5, "log_softmax_forward", "(x - max) - log(sum exp(x - max)), in that order");
    log_softmax_backward(dx, dout, o, N, C);
    expect_grad(dx, "log_softmax.dlogits", 1e-5, "log_softmax_backward",
                "dlogits += dout - exp(out) * (row sum of dout)");
    free(x), free(dout), free(o), free(dx), free(want);
}

static float row_max_abs(const float *x, int C) {
    float m = 0.0f;
    for (int c = 0; c < C; c++) m = fabsf(x[c]) > m ? fabsf(x[c]) : m;
    return m;
}

/* The integer targets of fixture array `k` (free() them); negative ones mark ignored rows. */
static int *load_targets(const char *k, int *counted) {
    const FixtureArray *t = fixture_get(&fx, k);
    int *targets = malloc(t->size * sizeof *targets);
    cr_assert_not_null(targets);
    *counted = 0;
    for (size_t i = 0; i < t->size; i++) {
        targets[i] = (int)t->data[i];
        *counted += targets[i] >= 0;
    }
    return targets;
}

/* cross_entropy forward and backward against fixture `name` (logits, targets, loss, probs, dlogits). */
static void check_cross_entropy(const char *name) {
    size_t n;
    float *x = load(key("%s.logits", name), &n), *want_dx = load(key("%s.dlogits", name), NULL);
    int N = dim(key("%s.logits", name), 0), C = dim(key("%s.logits", name), 1), M;
    int *targets = load_targets(key("%s.targets", name), &M);
    float want = (float)fixture_scalar(&fx, key("%s.loss", name));
    char what[160], hint[200];
    snprintf(hint, sizeof hint,
             "the mean of -log softmax(x)[target] over the M = %d rows whose target is not "
             "negative (here N = %d)",
             M, N);
    float *p = nan_filled(n), *dx = testing_prefilled(n);
    for (int call = 1; call <= 2; call++) { /* a second call must return the same loss: start from 0 each time */
        float loss = cross_entropy_forward(p, x, targets, N, C);
        snprintf(what, sizeof what, "cross_entropy_forward: the loss of %d rows, %d of them counted%s", N, M,
                 call == 2 ? ", called a second time" : "");
        cr_assert(isfinite(loss),
                  "%s is %g, for logits of up to 1e4\n  hint: compute -log p[target] as "
                  "-(x[t] - max - log(sum exp(x - max))), not from the probability (which underflows to 0)",
                  what, loss);
        cr_assert(!(M < N && llmlab_close(loss, want * M / N, 1e-4)),
                  "%s: expected %.7g, got %.7g, which is the sum divided by N = %d\n  hint: divide by M = %d, "
                  "the rows whose target is not negative: ignored rows are not in the mean",
                  what, want, loss, N, M);
        EXPECT_NEAR(loss, want, 1e-4, what,
                    call == 2 ? "keep the running sum in a local variable that starts at 0" : hint);
        for (size_t i = 0; i < n; i++)
            cr_assert(isfinite(p[i]),
                      "cross_entropy_forward's probs: %g at [%zu][%zu], in a row of logits up to %g\n"
                      "  hint: probs come from softmax_forward: it must subtract the row's maximum before expf",
                      p[i], i / C, i % C, (double)row_max_abs(x + i / C * C, C));
        expect_array(p, key("%s.probs", name), 1e-5, "cross_entropy_forward's probs",
                     "probs is the softmax of the logits (softmax_forward), every row, ignored ones included");
    }
    cross_entropy_backward(dx, p, targets, N, C);
    snprintf(what, sizeof what, "cross_entropy_backward with %d rows, %d of them counted", N, M);
    if (M < N) {
        float *scaled = malloc(n * sizeof *scaled);
        cr_assert_not_null(scaled);
        for (size_t i = 0; i < n; i++) scaled[i] = want_dx[i] * M / N;
        int by_n = all_close(dx, scaled, n, 1e-5, 1);
        free(scaled);
        cr_assert(!by_n,
                  "%s: every gradient is %d/%d of what it should be: divided by N = %d\n  hint: divide "
                  "by M = %d, the rows whose target is not negative",
                  what, M, N, N, M);
    }
    snprintf(hint, sizeof hint,
             "dlogits += (probs - onehot(target)) / M with M = %d, the rows whose target is not "
             "negative; an ignored row gets nothing",
             M);
    expect_grad(dx, key("%s.dlogits", name), 1e-5, what, hint);
    free(x), free(want_dx), free(targets), free(p), free(dx);
}

Test(cross_entropy, matches_pytorch_and_is_stable) { check_cross_entropy("ce"); }

Test(cross_entropy, matches_pytorch_with_ignored_rows) { check_cross_entropy("ce_ignore"); }

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
        char what[96];
        snprintf(what, sizeof what, "cross_entropy_backward: d loss / d logit[%d][%d] vs finite difference", i / C,
                 i % C);
        EXPECT_NEAR(dx[i], (up - down) / (2 * h), 2e-3, what, "(probs - onehot) / M, M = 3 here (every target counts)");
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
                "a negative target adds no loss, and the mean is over the M = 3 rows that count, not all N = 5");
    cross_entropy_backward(dx, p, t, N, C);
    cross_entropy_backward(kdx, kp, kept_t, 3, C);
    for (int n = 0, k = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            char what[80];
            snprintf(what, sizeof what, "cross_entropy_backward: dlogits[%d][%d] (target %d)", n, c, t[n]);
            EXPECT_NEAR(dx[n * C + c], t[n] < 0 ? 0.0f : kdx[k * C + c], 1e-6, what,
                        "ignored rows get no gradient; the others (probs - onehot) / M, M = 3 rows that count");
            if (c == C - 1 && t[n] >= 0) k++;
        }
    int none[2] = {-1, -1};
    float dnone[2 * C] = {0};
    EXPECT_NEAR(cross_entropy_forward(p, x, none, 2, C), 0.0, 0, "cross_entropy_forward when every row is ignored",
                "no row counts: return 0 (not 0 / 0)");
    cross_entropy_backward(dnone, p, none, 2, C);
    for (int i = 0; i < 2 * C; i++)
        EXPECT_NEAR(dnone[i], 0.0, 0, "cross_entropy_backward when every row is ignored",
                    "no row counts: add nothing (not 0 / 0)");
}
