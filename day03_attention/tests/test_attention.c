/*
 * Day 3 tests: attention against PyTorch (tools/make_fixtures.py, day03) at several
 * shapes, including T = 1, heads of size 1 and exact zeros; long sequences (T of 128 and
 * more, several heads, causal and not) against plain loops written here in double;
 * finite differences; and the causal mask checked the strict way: changing a future
 * token leaves earlier outputs bit-identical.
 *
 * Forward outputs are filled with NaN before the call (every element must be written),
 * gradients with a known pattern (they must be added to, +=), scratch buffers with NaN
 * (written before read). Each suite is one exercise (`make hint-day3 EX=<suite>`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "fixture.h"
#include "rng.h"
#include "testing.h"

static Fixture fx;
static void setup(void) { fixture_load(&fx, FIXTURE_PATH("day03_attention", "attention.bin")); }
static void teardown(void) { fixture_free(&fx); }

#define EXERCISE(name) TestSuite(name, .init = setup, .fini = teardown, .timeout = 20)
EXERCISE(sdpa_forward);
EXERCISE(sdpa_backward);
EXERCISE(causal_mask);
EXERCISE(mha_forward);
EXERCISE(mha_backward);
EXERCISE(sinusoidal);
EXERCISE(embedding);

#define load(key) fixture_floats(&fx, (key), NULL)
#define expect_array(got, key, tol, what, hint) expect_fixture_array(&fx, (got), (key), (tol), (what), (hint))
#define expect_grad(got, key, tol, what, hint) expect_fixture_grad(&fx, (got), (key), (tol), (what), (hint))

static int dim(const char *key, int d) { return (int)fixture_get(&fx, key)->dims[d]; }
static int count(const char *key) { return (int)fixture_scalar(&fx, key); }
static const char *k(const char *fmt, int i, const char *name) {
    static char buf[4][64]; /* a few alive at once */
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 64, fmt, i, name);
    return b;
}
/* the fixture's array `name` of SDPA or MHA case i (the loop variable) */
#define SDPA(name) k("sdpa.%d.%s", i, (name))
#define MHA(name) k("mha.%d.%s", i, (name))

/* ---- helpers for the tests that compute their own answers ---- */

/* got against want (double, computed here in plain loops); expect_grad_near: got was
 * filled by testing_prefilled() first, so it must hold the pattern + want. */
static void expect_near(const float *got, const double *want, size_t n, size_t cols, double tol, const char *what,
                        const char *hint) {
    testing_expect_array(want, n, cols, got, 0, "", tol, what, hint);
}
static void expect_grad_near(const float *got, const double *want, size_t n, size_t cols, double tol, const char *what,
                             const char *hint) {
    testing_expect_array(want, n, cols, got, 1, "", tol, what, hint);
}

static float *normal_floats(size_t n, Rng *rng, float scale) {
    float *p = malloc(n * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    for (size_t i = 0; i < n; i++) p[i] = scale * (float)rng_normal(rng);
    return p;
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

/*
 * One head of attention in plain loops, in double, from the formula: q (Tq,hs), k and
 * v (Tk,hs), packed. att (Tq,Tk) = softmax over the visible keys of scale * q k^T
 * (query i sees keys j <= i + Tk - Tq when causal), 0 elsewhere; out = att v.
 */
static void plain_sdpa_forward(double *out, double *att, const float *q, const float *kk, const float *v, int Tq,
                               int Tk, int hs, double scale, int causal) {
    for (int i = 0; i < Tq; i++) {
        int seen = causal ? i + (Tk - Tq) + 1 : Tk;
        double *a = att + (size_t)i * Tk, max = -INFINITY, sum = 0;
        for (int j = 0; j < Tk; j++) {
            double s = 0;
            for (int d = 0; d < hs; d++) s += (double)q[i * hs + d] * kk[j * hs + d];
            a[j] = scale * s;
            if (j < seen && a[j] > max) max = a[j];
        }
        for (int j = 0; j < Tk; j++) sum += a[j] = j < seen ? exp(a[j] - max) : 0.0;
        for (int j = 0; j < Tk; j++) a[j] /= sum;
        for (int d = 0; d < hs; d++) {
            double o = 0;
            for (int j = 0; j < Tk; j++) o += a[j] * v[j * hs + d];
            out[(size_t)i * hs + d] = o;
        }
    }
}

/* Its backward, given the weights att as the function under test gets them (floats). */
static void plain_sdpa_backward(double *dq, double *dk, double *dv, const float *dout, const float *att, const float *q,
                                const float *kk, const float *v, int Tq, int Tk, int hs, double scale) {
    double *datt = zero_doubles((size_t)Tk);
    for (int i = 0; i < Tq; i++) {
        const float *a = att + (size_t)i * Tk;
        double dot = 0;
        for (int j = 0; j < Tk; j++) {
            double g = 0;
            for (int d = 0; d < hs; d++) {
                g += (double)dout[i * hs + d] * v[j * hs + d];
                dv[j * hs + d] += (double)a[j] * dout[i * hs + d];
            }
            datt[j] = g;
            dot += a[j] * g;
        }
        for (int j = 0; j < Tk; j++) {
            double ds = a[j] * (datt[j] - dot) * scale;
            for (int d = 0; d < hs; d++) {
                dq[i * hs + d] += ds * kk[j * hs + d];
                dk[j * hs + d] += ds * q[i * hs + d];
            }
        }
    }
    free(datt);
}

/* rows x hs packed floats, spread out to rows `stride` apart; the gaps hold `pad`. */
static float *spread(const float *packed, int rows, int hs, int stride, float pad) {
    float *p = malloc((size_t)rows * stride * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < stride; c++) p[(size_t)r * stride + c] = c < hs ? packed[r * hs + c] : pad;
    return p;
}
static double *spread_d(const double *packed, int rows, int hs, int stride, double pad) {
    double *p = zero_doubles((size_t)rows * stride);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < stride; c++) p[(size_t)r * stride + c] = c < hs ? packed[r * hs + c] : pad;
    return p;
}
static float *to_floats(const double *d, size_t n) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p, "out of memory in a test");
    for (size_t i = 0; i < n; i++) p[i] = (float)d[i];
    return p;
}

/* Long sequences: long enough for any blocked or matrix-product path a learner might
 * write (attention_fast.c's twin switches at Tq >= 16 and Tq*Tk*hs >= 65536, by blocks
 * of 64 queries). Some with
 * strides (q, k, v rows 3*hs apart as inside qkv, out rows 2*hs apart), one with a last
 * block of 2 queries, one whose queries are the last 96 of 160 positions. */
typedef struct {
    int Tq, Tk, hs, causal, stride, out_stride;
} LongCase;
static const LongCase LONG_CASES[] = {
    {128, 128, 32, 1, 32, 32}, {128, 128, 32, 0, 96, 64}, {130, 130, 16, 1, 16, 16},
    {96, 160, 32, 1, 96, 32},  {70, 200, 8, 0, 8, 8},
};
enum { N_LONG = sizeof LONG_CASES / sizeof LONG_CASES[0] };

static const char LONG_HINT[] =
    "the same formula as the short cases; if those pass, look at what grows with the length: the causal "
    "limit i + (Tk - Tq) + 1 when Tq < Tk, the strides (row j of k is k + j*stride, row i of out is "
    "out + i*out_stride), a buffer sized for short rows";

/* ---- one head ---- */

Test(sdpa_forward, matches_pytorch) {
    char what[128];
    for (int i = 0; i < count("sdpa.count"); i++) {
        int Tq = dim(SDPA("q"), 0), Tk = dim(SDPA("k"), 0), hs = dim(SDPA("q"), 1);
        int causal = (int)fixture_scalar(&fx, SDPA("causal"));
        float *q = load(SDPA("q")), *kk = load(SDPA("k")), *v = load(SDPA("v"));
        float *out = nan_floats((size_t)Tq * hs), *att = nan_floats((size_t)Tq * Tk);
        sdpa_forward(out, hs, att, q, kk, v, hs, Tq, Tk, hs, 1.0f / sqrtf((float)hs), causal);
        snprintf(what, sizeof what, "sdpa_forward, Tq=%d Tk=%d hs=%d causal=%d: att", Tq, Tk, hs, causal);
        expect_array(att, SDPA("att"), 1e-5, what,
                     causal ? "att = softmax(scale * q k^T) row by row; query i sees keys j < i + (Tk - Tq) + 1, "
                              "the others get weight exactly 0"
                            : "att = softmax(scale * q k^T) row by row, over all Tk keys");
        snprintf(what, sizeof what, "sdpa_forward, Tq=%d Tk=%d hs=%d causal=%d: out", Tq, Tk, hs, causal);
        expect_array(out, SDPA("out"), 1e-5, what,
                     "row i of out = sum over j of att[i][j] * v_j: set it to 0 first, then add");
        free(q), free(kk), free(v), free(out), free(att);
    }
}

Test(sdpa_forward, rows_with_strides) {
    /* case 4 of the fixture (Tq = Tk = 6, hs = 8), q, k, v rows 13 floats apart with NaN in
     * the gaps (never read them), out rows 11 apart (never write the gaps) */
    const int i = 4, stride = 13, ostride = 11;
    int Tq = dim(SDPA("q"), 0), Tk = dim(SDPA("k"), 0), hs = dim(SDPA("q"), 1);
    float *q = load(SDPA("q")), *kk = load(SDPA("k")), *v = load(SDPA("v"));
    float *qs = spread(q, Tq, hs, stride, NAN), *ks = spread(kk, Tk, hs, stride, NAN);
    float *vs = spread(v, Tk, hs, stride, NAN);
    float *out = nan_floats((size_t)Tq * ostride), *att = nan_floats((size_t)Tq * Tk);
    sdpa_forward(out, ostride, att, qs, ks, vs, stride, Tq, Tk, hs, 1.0f / sqrtf((float)hs), 0);
    expect_array(att, SDPA("att"), 1e-5, "sdpa_forward, q/k/v rows 13 floats apart (stride=13): att",
                 "row j of k starts at k + j*stride, not k + j*hs; q the same");
    const FixtureArray *want = fixture_get(&fx, SDPA("out"));
    double *wo = spread_d(want->data, Tq, hs, ostride, NAN); /* NaN: the gaps must keep their NaN */
    expect_near(out, wo, (size_t)Tq * ostride, ostride, 1e-5, "sdpa_forward, out rows 11 floats apart (out_stride=11)",
                "row i of out starts at out + i*out_stride, and only its first hs floats are yours (columns hs.. "
                "belong to other heads)");
    free(q), free(kk), free(v), free(qs), free(ks), free(vs), free(out), free(att), free(wo);
}

Test(sdpa_forward, long_sequences_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 31);
    char what[160];
    for (int c = 0; c < N_LONG; c++) {
        LongCase L = LONG_CASES[c];
        float *q = normal_floats((size_t)L.Tq * L.hs, &rng, 1), *kk = normal_floats((size_t)L.Tk * L.hs, &rng, 1);
        float *v = normal_floats((size_t)L.Tk * L.hs, &rng, 1);
        double scale = 1.0 / sqrt(L.hs), *wout = zero_doubles((size_t)L.Tq * L.hs);
        double *watt = zero_doubles((size_t)L.Tq * L.Tk);
        plain_sdpa_forward(wout, watt, q, kk, v, L.Tq, L.Tk, L.hs, scale, L.causal);
        float *qs = spread(q, L.Tq, L.hs, L.stride, NAN), *ks = spread(kk, L.Tk, L.hs, L.stride, NAN);
        float *vs = spread(v, L.Tk, L.hs, L.stride, NAN);
        float *out = nan_floats((size_t)L.Tq * L.out_stride), *att = nan_floats((size_t)L.Tq * L.Tk);
        sdpa_forward(out, L.out_stride, att, qs, ks, vs, L.stride, L.Tq, L.Tk, L.hs, (float)scale, L.causal);
        snprintf(what, sizeof what, "sdpa_forward, long: Tq=%d Tk=%d hs=%d causal=%d stride=%d out_stride=%d: att",
                 L.Tq, L.Tk, L.hs, L.causal, L.stride, L.out_stride);
        expect_near(att, watt, (size_t)L.Tq * L.Tk, L.Tk, 1e-5, what, LONG_HINT);
        double *wo = spread_d(wout, L.Tq, L.hs, L.out_stride, NAN);
        snprintf(what, sizeof what, "sdpa_forward, long: Tq=%d Tk=%d hs=%d causal=%d stride=%d out_stride=%d: out",
                 L.Tq, L.Tk, L.hs, L.causal, L.stride, L.out_stride);
        expect_near(out, wo, (size_t)L.Tq * L.out_stride, L.out_stride, 1e-4, what, LONG_HINT);
        free(q), free(kk), free(v), free(wout), free(watt), free(qs), free(ks), free(vs), free(out), free(att);
        free(wo);
    }
}

Test(sdpa_forward, large_scores_need_the_max_subtracted) {
    /* Scores near 100 (q and k share a large component): exp(100) overflows a float
     * (expf gives inf, then inf/inf = NaN). Subtracting the row's max first keeps every
     * exponent <= 0 and gives the same weights. A short and a long sequence. */
    static const int sizes[2] = {6, 128};
    Rng rng;
    rng_init(&rng, 32);
    char what[128];
    for (int s = 0; s < 2; s++) {
        for (int causal = 0; causal <= 1; causal++) {
            int T = sizes[s], hs = 4;
            float *q = normal_floats((size_t)T * hs, &rng, 0.5f), *kk = normal_floats((size_t)T * hs, &rng, 0.5f);
            float *v = normal_floats((size_t)T * hs, &rng, 1);
            for (int t = 0; t < T; t++) q[t * hs] += 10.0f, kk[t * hs] += 10.0f; /* q.k about 100 */
            double *wout = zero_doubles((size_t)T * hs), *watt = zero_doubles((size_t)T * T);
            plain_sdpa_forward(wout, watt, q, kk, v, T, T, hs, 1.0, causal);
            float *out = nan_floats((size_t)T * hs), *att = nan_floats((size_t)T * T);
            sdpa_forward(out, hs, att, q, kk, v, hs, T, T, hs, 1.0f, causal);
            snprintf(what, sizeof what, "sdpa_forward with scores near 100 (scale 1), T=%d hs=%d causal=%d: att", T, hs,
                     causal);
            expect_near(att, watt, (size_t)T * T, T, 1e-5, what,
                        "subtract the row's largest visible score before exp (Day 2's stable softmax): exp(100) "
                        "does not fit in a float");
            free(q), free(kk), free(v), free(wout), free(watt), free(out), free(att);
        }
    }
}

Test(sdpa_backward, matches_pytorch) {
    char what[128];
    for (int i = 0; i < count("sdpa.count"); i++) {
        int Tq = dim(SDPA("q"), 0), Tk = dim(SDPA("k"), 0), hs = dim(SDPA("q"), 1);
        int causal = (int)fixture_scalar(&fx, SDPA("causal"));
        float *q = load(SDPA("q")), *kk = load(SDPA("k")), *v = load(SDPA("v"));
        float *att = load(SDPA("att")), *dout = load(SDPA("dout"));
        float *dq = testing_prefilled((size_t)Tq * hs), *dk = testing_prefilled((size_t)Tk * hs);
        float *dv = testing_prefilled((size_t)Tk * hs), *datt = nan_floats((size_t)Tq * Tk); /* scratch */
        sdpa_backward(dq, dk, dv, datt, dout, hs, att, q, kk, v, hs, Tq, Tk, hs, 1.0f / sqrtf((float)hs));
        snprintf(what, sizeof what, "sdpa_backward, Tq=%d Tk=%d hs=%d causal=%d: dv", Tq, Tk, hs, causal);
        expect_grad(dv, SDPA("dv"), 1e-5, what,
                    "dv_j += att_ij * dout_i, summed over the queries i (datt is scratch: write it before you "
                    "read it)");
        snprintf(what, sizeof what, "sdpa_backward, Tq=%d Tk=%d hs=%d causal=%d: dq", Tq, Tk, hs, causal);
        expect_grad(dq, SDPA("dq"), 1e-5, what,
                    "dscore_ij = att_ij * (datt_ij - sum_l att_il datt_il) (Day 2's softmax backward), then "
                    "dq_i += scale * dscore_ij * k_j: is the scale there?");
        snprintf(what, sizeof what, "sdpa_backward, Tq=%d Tk=%d hs=%d causal=%d: dk", Tq, Tk, hs, causal);
        expect_grad(dk, SDPA("dk"), 1e-5, what, "dk_j += scale * dscore_ij * q_i, summed over i");
        free(q), free(kk), free(v), free(att), free(dout), free(dq), free(dk), free(dv), free(datt);
    }
}

Test(sdpa_backward, rows_with_strides) {
    /* case 5 of the fixture (3 queries, the last of 5 positions, causal), q, k, v and their
     * gradients with rows 13 floats apart, dout rows 11 apart; NaN in the gaps of the inputs,
     * and the gaps of the gradients must keep what they held */
    const int i = 5, stride = 13, ostride = 11;
    int Tq = dim(SDPA("q"), 0), Tk = dim(SDPA("k"), 0), hs = dim(SDPA("q"), 1);
    float *q = load(SDPA("q")), *kk = load(SDPA("k")), *v = load(SDPA("v"));
    float *att = load(SDPA("att")), *dout = load(SDPA("dout"));
    float *qs = spread(q, Tq, hs, stride, NAN), *ks = spread(kk, Tk, hs, stride, NAN);
    float *vs = spread(v, Tk, hs, stride, NAN);
    float *douts = spread(dout, Tq, hs, ostride, NAN), *datt = nan_floats((size_t)Tq * Tk);
    float *dq = testing_prefilled((size_t)Tq * stride), *dk = testing_prefilled((size_t)Tk * stride);
    float *dv = testing_prefilled((size_t)Tk * stride);
    sdpa_backward(dq, dk, dv, datt, douts, ostride, att, qs, ks, vs, stride, Tq, Tk, hs, 1.0f / sqrtf((float)hs));
    const char *names[3] = {"dv", "dq", "dk"};
    float *got[3] = {dv, dq, dk};
    const int rows[3] = {Tk, Tq, Tk};
    char what[128];
    for (int a = 0; a < 3; a++) {
        double *want = spread_d(fixture_get(&fx, SDPA(names[a]))->data, rows[a], hs, stride, 0);
        snprintf(what, sizeof what,
                 "sdpa_backward, Tq=%d Tk=%d hs=%d causal, rows 13 apart (stride), dout rows 11 "
                 "apart (out_stride): %s",
                 Tq, Tk, hs, names[a]);
        expect_grad_near(got[a], want, (size_t)rows[a] * stride, stride, 1e-5, what,
                         "rows of q, k, v, dq, dk, dv are stride floats apart; rows of dout are out_stride apart "
                         "(dout + i*out_stride); only the first hs floats of a row are this head's");
        free(want);
    }
    free(q), free(kk), free(v), free(att), free(dout), free(qs), free(ks), free(vs), free(douts), free(datt);
    free(dq), free(dk), free(dv);
}

Test(sdpa_backward, long_sequences_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 33);
    char what[160];
    for (int c = 0; c < N_LONG; c++) {
        LongCase L = LONG_CASES[c];
        size_t nq = (size_t)L.Tq * L.hs, nk = (size_t)L.Tk * L.hs;
        float *q = normal_floats(nq, &rng, 1), *kk = normal_floats(nk, &rng, 1), *v = normal_floats(nk, &rng, 1);
        float *dout = normal_floats(nq, &rng, 1);
        double scale = 1.0 / sqrt(L.hs), *wout = zero_doubles(nq), *watt = zero_doubles((size_t)L.Tq * L.Tk);
        plain_sdpa_forward(wout, watt, q, kk, v, L.Tq, L.Tk, L.hs, scale, L.causal);
        float *att = to_floats(watt, (size_t)L.Tq * L.Tk);
        double *dq = zero_doubles(nq), *dk = zero_doubles(nk), *dv = zero_doubles(nk);
        plain_sdpa_backward(dq, dk, dv, dout, att, q, kk, v, L.Tq, L.Tk, L.hs, scale);
        /* the function sees strided rows; the gradients have the layout of q, k, v */
        float *qs = spread(q, L.Tq, L.hs, L.stride, NAN), *ks = spread(kk, L.Tk, L.hs, L.stride, NAN);
        float *vs = spread(v, L.Tk, L.hs, L.stride, NAN), *douts = spread(dout, L.Tq, L.hs, L.out_stride, NAN);
        double *wdq = spread_d(dq, L.Tq, L.hs, L.stride, 0), *wdk = spread_d(dk, L.Tk, L.hs, L.stride, 0);
        double *wdv = spread_d(dv, L.Tk, L.hs, L.stride, 0);
        float *gq = testing_prefilled((size_t)L.Tq * L.stride), *gk = testing_prefilled((size_t)L.Tk * L.stride);
        float *gv = testing_prefilled((size_t)L.Tk * L.stride), *datt = nan_floats((size_t)L.Tq * L.Tk);
        sdpa_backward(gq, gk, gv, datt, douts, L.out_stride, att, qs, ks, vs, L.stride, L.Tq, L.Tk, L.hs, (float)scale);
        const char *names[3] = {"dv", "dq", "dk"};
        const float *got[3] = {gv, gq, gk};
        const double *want[3] = {wdv, wdq, wdk};
        const int rows[3] = {L.Tk, L.Tq, L.Tk};
        static const char *hints[3] = {
            "dv_j += att_ij * dout_i, summed over the queries i (dout rows are out_stride apart)",
            "dq_i += scale * dscore_ij * k_j with dscore = att * (datt - rowsum(att * datt)): the scale "
            "(1/sqrt(hs)) belongs in every path that computes dscore",
            "dk_j += scale * dscore_ij * q_i, summed over the queries i: the scale (1/sqrt(hs)) belongs in "
            "every path that computes dscore",
        };
        for (int a = 0; a < 3; a++) {
            snprintf(what, sizeof what, "sdpa_backward, long: Tq=%d Tk=%d hs=%d causal=%d stride=%d out_stride=%d: %s",
                     L.Tq, L.Tk, L.hs, L.causal, L.stride, L.out_stride, names[a]);
            expect_grad_near(got[a], want[a], (size_t)rows[a] * L.stride, L.stride, 1e-4, what, hints[a]);
        }
        free(q), free(kk), free(v), free(dout), free(wout), free(watt), free(att), free(dq), free(dk), free(dv);
        free(qs), free(ks), free(vs), free(douts), free(wdq), free(wdk), free(wdv), free(gq), free(gk), free(gv);
        free(datt);
    }
}

/* ---- the mask, the strict way ---- */

/* sdpa_forward on T positions, then again with everything about position `changed`
 * changed: the outputs of the positions before it must be bit for bit the same. */
static void expect_future_invisible(int T, int hs, int changed, uint64_t seed) {
    size_t n = (size_t)T * hs;
    Rng rng;
    rng_init(&rng, seed);
    float *q = normal_floats(n, &rng, 1), *kk = normal_floats(n, &rng, 1), *v = normal_floats(n, &rng, 1);
    float *out1 = nan_floats(n), *out2 = nan_floats(n), *att = nan_floats((size_t)T * T);
    sdpa_forward(out1, hs, att, q, kk, v, hs, T, T, hs, 0.5f, 1);
    for (int i = 0; i < T; i++)
        for (int j = i + 1; j < T; j++)
            cr_assert(att[i * T + j] == 0.0f,
                      "sdpa_forward, T=%d causal: query %d gives weight %g to the future key %d\n"
                      "  hint: with causal set, keys j > i get weight exactly 0",
                      T, i, att[i * T + j], j);
    for (int d = 0; d < hs; d++) {
        q[changed * hs + d] += 3, kk[changed * hs + d] -= 2, v[changed * hs + d] *= -5;
    }
    sdpa_forward(out2, hs, att, q, kk, v, hs, T, T, hs, 0.5f, 1);
    for (size_t i = 0; i < (size_t)changed * hs; i++)
        cr_assert(memcmp(&out1[i], &out2[i], sizeof(float)) == 0,
                  "sdpa_forward, T=%d causal: changing position %d changed the output of the earlier position %zu "
                  "(column %zu) from %.9g to %.9g\n  hint: query i must not read keys or values after i, not even "
                  "to multiply them by 0",
                  T, changed, i / hs, i % hs, out1[i], out2[i]);
    int later_changed =
        memcmp(out1 + (size_t)changed * hs, out2 + (size_t)changed * hs, sizeof(float) * (T - changed) * hs) != 0;
    cr_assert(later_changed, "sdpa_forward, T=%d causal: positions from %d on should change when position %d does", T,
              changed, changed);
    free(q), free(kk), free(v), free(out1), free(out2), free(att);
}

Test(causal_mask, future_tokens_change_nothing_before_them) { expect_future_invisible(6, 4, 4, 9); }

Test(causal_mask, also_in_long_sequences) { expect_future_invisible(150, 32, 100, 10); }

/* ---- many heads ---- */

static void mha_shape(int i, int *B, int *T, int *C, int *NH, int *causal) {
    const FixtureArray *s = fixture_get(&fx, MHA("shape"));
    *B = (int)s->data[0], *T = (int)s->data[1], *C = (int)s->data[2], *NH = (int)s->data[3], *causal = (int)s->data[4];
}

Test(mha_forward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < count("mha.count"); i++) {
        int B, T, C, NH, causal;
        mha_shape(i, &B, &T, &C, &NH, &causal);
        float *qkv = load(MHA("qkv")), *out = nan_floats((size_t)B * T * C);
        float *att = nan_floats((size_t)B * NH * T * T);
        mha_forward(out, att, qkv, B, T, C, NH, causal);
        snprintf(what, sizeof what, "mha_forward, B=%d T=%d C=%d NH=%d (hs=%d) causal=%d", B, T, C, NH, C / NH, causal);
        expect_array(out, MHA("out"), 1e-5, what,
                     "head h reads columns h*hs.. of q, k, v (k at q + C, v at q + 2C, row stride 3C) and writes "
                     "columns h*hs.. of out (row stride C); scale 1/sqrt(hs), with hs = C/NH");
        free(qkv), free(out), free(att);
    }
}

/* Multi-head attention in plain loops: gather head (b,h) into packed arrays with the
 * index formulas of attention.h, run the one-head loops, scatter back. */
typedef struct {
    int B, T, C, NH, causal;
} MhaCase;
static const MhaCase MHA_LONG[] = {{2, 128, 128, 4, 1}, {1, 96, 96, 3, 0}};

static void gather_head(float *dst, const float *qkv, int b, int h, int part, int T, int C, int hs) {
    for (int t = 0; t < T; t++)
        for (int d = 0; d < hs; d++) dst[t * hs + d] = qkv[((size_t)b * T + t) * 3 * C + (size_t)part * C + h * hs + d];
}

static void plain_mha_forward(double *out, double *att, const float *qkv, MhaCase m) {
    int hs = m.C / m.NH, T = m.T;
    float *q = malloc(sizeof(float) * 3 * T * hs), *kk = q + T * hs, *v = kk + T * hs;
    double *o = zero_doubles((size_t)T * hs);
    for (int b = 0; b < m.B; b++)
        for (int h = 0; h < m.NH; h++) {
            gather_head(q, qkv, b, h, 0, T, m.C, hs), gather_head(kk, qkv, b, h, 1, T, m.C, hs);
            gather_head(v, qkv, b, h, 2, T, m.C, hs);
            plain_sdpa_forward(o, att + ((size_t)b * m.NH + h) * T * T, q, kk, v, T, T, hs, 1.0 / sqrt(hs), m.causal);
            for (int t = 0; t < T; t++)
                for (int d = 0; d < hs; d++) out[((size_t)b * T + t) * m.C + h * hs + d] = o[t * hs + d];
        }
    free(q), free(o);
}

static void plain_mha_backward(double *dqkv, const float *dout, const float *att, const float *qkv, MhaCase m) {
    int hs = m.C / m.NH, T = m.T;
    float *q = malloc(sizeof(float) * 4 * T * hs), *kk = q + T * hs, *v = kk + T * hs, *dh = v + T * hs;
    double *dq = zero_doubles((size_t)3 * T * hs), *dk = dq + T * hs, *dv = dk + T * hs;
    for (int b = 0; b < m.B; b++)
        for (int h = 0; h < m.NH; h++) {
            gather_head(q, qkv, b, h, 0, T, m.C, hs), gather_head(kk, qkv, b, h, 1, T, m.C, hs);
            gather_head(v, qkv, b, h, 2, T, m.C, hs);
            for (int t = 0; t < T; t++)
                for (int d = 0; d < hs; d++) dh[t * hs + d] = dout[((size_t)b * T + t) * m.C + h * hs + d];
            memset(dq, 0, sizeof(double) * 3 * T * hs);
            plain_sdpa_backward(dq, dk, dv, dh, att + ((size_t)b * m.NH + h) * T * T, q, kk, v, T, T, hs,
                                1.0 / sqrt(hs));
            for (int part = 0; part < 3; part++)
                for (int t = 0; t < T; t++)
                    for (int d = 0; d < hs; d++)
                        dqkv[((size_t)b * T + t) * 3 * m.C + (size_t)part * m.C + h * hs + d] =
                            dq[(size_t)part * T * hs + t * hs + d];
        }
    free(q), free(dq);
}

static const char MHA_LONG_HINT[] =
    "head h of batch row b: q at qkv + b*T*3C + h*hs, k at q + C, v at q + 2C (row stride 3C); its output at "
    "out + b*T*C + h*hs (row stride C), its weights at att + (b*NH + h)*T*T";

Test(mha_forward, long_sequences_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 34);
    char what[128];
    for (size_t c = 0; c < sizeof MHA_LONG / sizeof MHA_LONG[0]; c++) {
        MhaCase m = MHA_LONG[c];
        size_t nx = (size_t)m.B * m.T * m.C, na = (size_t)m.B * m.NH * m.T * m.T;
        float *qkv = normal_floats(3 * nx, &rng, 1), *out = nan_floats(nx), *att = nan_floats(na);
        double *wout = zero_doubles(nx), *watt = zero_doubles(na);
        plain_mha_forward(wout, watt, qkv, m);
        mha_forward(out, att, qkv, m.B, m.T, m.C, m.NH, m.causal);
        snprintf(what, sizeof what, "mha_forward, long: B=%d T=%d C=%d NH=%d (hs=%d) causal=%d: att (B*NH*T rows)", m.B,
                 m.T, m.C, m.NH, m.C / m.NH, m.causal);
        expect_near(att, watt, na, (size_t)m.T, 1e-5, what, MHA_LONG_HINT);
        snprintf(what, sizeof what, "mha_forward, long: B=%d T=%d C=%d NH=%d (hs=%d) causal=%d: out", m.B, m.T, m.C,
                 m.NH, m.C / m.NH, m.causal);
        expect_near(out, wout, nx, (size_t)m.C, 1e-4, what, MHA_LONG_HINT);
        free(qkv), free(out), free(att), free(wout), free(watt);
    }
}

Test(mha_backward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < count("mha.count"); i++) {
        int B, T, C, NH, causal;
        mha_shape(i, &B, &T, &C, &NH, &causal);
        float *qkv = load(MHA("qkv")), *dout = load(MHA("dout"));
        float *out = nan_floats((size_t)B * T * C), *att = nan_floats((size_t)B * NH * T * T);
        float *dqkv = testing_prefilled((size_t)B * T * 3 * C), *datt = nan_floats((size_t)T * T);
        mha_forward(out, att, qkv, B, T, C, NH, causal); /* the reference's, or yours: it passed above */
        mha_backward(dqkv, datt, dout, att, qkv, B, T, C, NH);
        snprintf(what, sizeof what, "mha_backward, B=%d T=%d C=%d NH=%d causal=%d", B, T, C, NH, causal);
        expect_grad(dqkv, MHA("dqkv"), 1e-5, what,
                    "the same pointers and strides as mha_forward, for dq, dk and dv inside dqkv (dk at dq + C, dv "
                    "at dq + 2C), for dout (row stride C) and for this head's att; scale 1/sqrt(hs)");
        free(qkv), free(dout), free(out), free(att), free(dqkv), free(datt);
    }
}

Test(mha_backward, long_sequences_match_plain_loops) {
    Rng rng;
    rng_init(&rng, 35);
    char what[128];
    for (size_t c = 0; c < sizeof MHA_LONG / sizeof MHA_LONG[0]; c++) {
        MhaCase m = MHA_LONG[c];
        size_t nx = (size_t)m.B * m.T * m.C, na = (size_t)m.B * m.NH * m.T * m.T;
        float *qkv = normal_floats(3 * nx, &rng, 1), *dout = normal_floats(nx, &rng, 1);
        double *wout = zero_doubles(nx), *watt = zero_doubles(na), *wd = zero_doubles(3 * nx);
        plain_mha_forward(wout, watt, qkv, m);
        float *att = to_floats(watt, na), *dqkv = testing_prefilled(3 * nx), *datt = nan_floats((size_t)m.T * m.T);
        plain_mha_backward(wd, dout, att, qkv, m);
        mha_backward(dqkv, datt, dout, att, qkv, m.B, m.T, m.C, m.NH);
        snprintf(what, sizeof what, "mha_backward, long: B=%d T=%d C=%d NH=%d (hs=%d) causal=%d: dqkv", m.B, m.T, m.C,
                 m.NH, m.C / m.NH, m.causal);
        expect_grad_near(dqkv, wd, 3 * nx, (size_t)3 * m.C, 1e-4, what,
                         "the same pointers as mha_forward for dq, dk, dv (dq at dqkv + b*T*3C + h*hs, dk at dq + C, "
                         "dv at dq + 2C), dout + b*T*C + h*hs, att + (b*NH + h)*T*T; add (+=) into dqkv");
        free(qkv), free(dout), free(wout), free(watt), free(wd), free(att), free(dqkv), free(datt);
    }
}

Test(mha_backward, matches_finite_differences) {
    enum { B = 1, T = 3, C = 4, NH = 2 };
    float qkv[B * T * 3 * C], out[B * T * C], att[B * NH * T * T], dqkv[B * T * 3 * C] = {0}, datt[T * T];
    float w[B * T * C]; /* loss = sum(w * out), so dout = w */
    Rng rng;
    rng_init(&rng, 4);
    for (int i = 0; i < B * T * 3 * C; i++) qkv[i] = (float)rng_normal(&rng);
    for (int i = 0; i < B * T * C; i++) w[i] = (float)rng_normal(&rng);
    mha_forward(out, att, qkv, B, T, C, NH, 1);
    mha_backward(dqkv, datt, w, att, qkv, B, T, C, NH);
    for (int i = 0; i < B * T * 3 * C; i++) {
        float saved = qkv[i], h = 1e-2f;
        double up = 0, down = 0;
        qkv[i] = saved + h;
        mha_forward(out, att, qkv, B, T, C, NH, 1);
        for (int j = 0; j < B * T * C; j++) up += (double)w[j] * out[j];
        qkv[i] = saved - h;
        mha_forward(out, att, qkv, B, T, C, NH, 1);
        for (int j = 0; j < B * T * C; j++) down += (double)w[j] * out[j];
        qkv[i] = saved;
        char what[96];
        snprintf(what, sizeof what, "mha_backward: d loss / d qkv[%d] (%s of head %d) vs a finite difference", i,
                 (i % (3 * C)) / C == 0   ? "q"
                 : (i % (3 * C)) / C == 1 ? "k"
                                          : "v",
                 (i % C) / (C / NH));
        EXPECT_NEAR(dqkv[i], (up - down) / (2 * h), 2e-3, what,
                    "check the backward of the head this column belongs to");
    }
}

/* ---- position ---- */

Test(sinusoidal, matches_the_formula) {
    int T = dim("sinusoidal.pe", 0), C = dim("sinusoidal.pe", 1);
    float *pe = nan_floats((size_t)T * C);
    sinusoidal_encoding(pe, T, C);
    expect_array(pe, "sinusoidal.pe", 1e-5, "sinusoidal_encoding, T=7, C=6",
                 "angle = t / 10000^(2i/C) with a float division 2i/C; sin in channel 2i, cos in channel 2i+1");
    free(pe);
}

Test(embedding, forward_matches_pytorch) {
    int B = dim("emb.tokens", 0), T = dim("emb.tokens", 1), C = dim("emb.wte", 1);
    const FixtureArray *tk = fixture_get(&fx, "emb.tokens");
    int tokens[16];
    for (int i = 0; i < B * T; i++) tokens[i] = (int)tk->data[i];
    float *wte = load("emb.wte"), *wpe = load("emb.wpe"), *out = nan_floats((size_t)B * T * C);
    embedding_forward(out, tokens, wte, wpe, B, T, C);
    expect_array(out, "emb.out", 1e-6, "embedding_forward, B=2 T=4 C=3",
                 "out[b][t] = wte[tokens[b*T + t]] + wpe[t]: row t of wpe (the position), not row b or the token");
    free(wte), free(wpe), free(out);
}

Test(embedding, backward_adds_into_the_tables) {
    int B = dim("emb.tokens", 0), T = dim("emb.tokens", 1), C = dim("emb.wte", 1), V = dim("emb.wte", 0);
    int P = dim("emb.wpe", 0);
    const FixtureArray *tk = fixture_get(&fx, "emb.tokens");
    int tokens[16];
    for (int i = 0; i < B * T; i++) tokens[i] = (int)tk->data[i];
    float *dout = load("emb.dout"), *dwte = testing_prefilled((size_t)V * C), *dwpe = testing_prefilled((size_t)P * C);
    embedding_backward(dwte, dwpe, dout, tokens, B, T, C);
    expect_grad(dwte, "emb.dwte", 1e-6, "embedding_backward, dwte (tokens 1 4 1 0 / 3 3 2 1)",
                "add (+=) dout[b][t] into the token's row: token 1 appears three times and collects all three");
    expect_grad(dwpe, "emb.dwpe", 1e-6, "embedding_backward, dwpe",
                "add (+=) dout[b][t] into row t: position t collects from every batch row; rows t >= T stay "
                "as they were");
    free(dout), free(dwte), free(dwpe);
}
