/*
 * Day 3 tests: attention against PyTorch (tools/make_fixtures.py, day03) at several
 * shapes, including T = 1 and heads of size 1; finite differences; and the causal
 * mask checked the strict way: changing a future token leaves earlier outputs
 * bit-identical. Each suite is one exercise (`make hint-day3 EX=<suite>`).
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

enum { N_SDPA = 6, N_MHA = 4 };
static const int SDPA_CAUSAL[N_SDPA] = {0, 0, 1, 1, 0, 1};  /* as SDPA_CASES in make_fixtures.py */

#define load(key) fixture_floats(&fx, (key), NULL)
#define expect_array(got, key, tol, what, hint) expect_fixture_array(&fx, (got), (key), (tol), (what), (hint))

static int dim(const char *key, int d) { return (int)fixture_get(&fx, key)->dims[d]; }
static const char *k(const char *fmt, int i, const char *name) {
    static char buf[64];
    snprintf(buf, sizeof buf, fmt, i, name);
    return buf;
}


/* ---- one head ---- */

Test(sdpa_forward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < N_SDPA; i++) {
        int Tq = dim(k("sdpa.%d.%s", i, "q"), 0), Tk = dim(k("sdpa.%d.%s", i, "k"), 0), hs = dim(k("sdpa.%d.%s", i, "q"), 1);
        float *q = load(k("sdpa.%d.%s", i, "q")), *kk = load(k("sdpa.%d.%s", i, "k")), *v = load(k("sdpa.%d.%s", i, "v"));
        float *out = calloc((size_t)Tq * hs, sizeof *out), *att = calloc((size_t)Tq * Tk, sizeof *att);
        for (int j = 0; j < Tq * Tk; j++) att[j] = NAN;  /* every weight must be written, masked ones too */
        sdpa_forward(out, hs, att, q, kk, v, hs, Tq, Tk, hs, 1.0f / sqrtf((float)hs), SDPA_CAUSAL[i]);
        snprintf(what, sizeof what, "sdpa_forward, Tq=%d Tk=%d hs=%d causal=%d", Tq, Tk, hs, SDPA_CAUSAL[i]);
        expect_array(att, k("sdpa.%d.%s", i, "att"), 1e-5, what,
                     "att = softmax(scale * q k^T) row by row; masked keys get weight exactly 0");
        expect_array(out, k("sdpa.%d.%s", i, "out"), 1e-5, what, "row i of out = sum over j of att[i][j] * v_j");
        free(q), free(kk), free(v), free(out), free(att);
    }
}

Test(sdpa_backward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < N_SDPA; i++) {
        int Tq = dim(k("sdpa.%d.%s", i, "q"), 0), Tk = dim(k("sdpa.%d.%s", i, "k"), 0), hs = dim(k("sdpa.%d.%s", i, "q"), 1);
        float *q = load(k("sdpa.%d.%s", i, "q")), *kk = load(k("sdpa.%d.%s", i, "k")), *v = load(k("sdpa.%d.%s", i, "v"));
        float *att = load(k("sdpa.%d.%s", i, "att")), *dout = load(k("sdpa.%d.%s", i, "dout"));
        float *dq = calloc((size_t)Tq * hs, 4), *dk = calloc((size_t)Tk * hs, 4), *dv = calloc((size_t)Tk * hs, 4);
        float *datt = calloc((size_t)Tq * Tk, 4);
        sdpa_backward(dq, dk, dv, datt, dout, hs, att, q, kk, v, hs, Tq, Tk, hs, 1.0f / sqrtf((float)hs));
        snprintf(what, sizeof what, "sdpa_backward, Tq=%d Tk=%d hs=%d causal=%d", Tq, Tk, hs, SDPA_CAUSAL[i]);
        expect_array(dv, k("sdpa.%d.%s", i, "dv"), 1e-5, what, "dv_j += att_ij * dout_i, summed over the queries i");
        expect_array(dq, k("sdpa.%d.%s", i, "dq"), 1e-5, what,
                     "dscore = att * (datt - sum(att * datt)) per row; dq_i += scale * dscore_ij * k_j");
        expect_array(dk, k("sdpa.%d.%s", i, "dk"), 1e-5, what, "dk_j += scale * dscore_ij * q_i");
        free(q), free(kk), free(v), free(att), free(dout), free(dq), free(dk), free(dv), free(datt);
    }
}

/* ---- the mask, the strict way ---- */

Test(causal_mask, future_tokens_change_nothing_before_them) {
    enum { T = 6, hs = 4 };
    float q[T * hs], kk[T * hs], v[T * hs], out1[T * hs], out2[T * hs], att[T * T];
    Rng rng;
    rng_init(&rng, 9);
    for (int i = 0; i < T * hs; i++) q[i] = (float)rng_normal(&rng), kk[i] = (float)rng_normal(&rng), v[i] = (float)rng_normal(&rng);
    sdpa_forward(out1, hs, att, q, kk, v, hs, T, T, hs, 0.5f, 1);
    for (int i = 0; i < T; i++)
        for (int j = i + 1; j < T; j++)
            cr_assert(att[i * T + j] == 0.0f, "query %d gives weight %g to the future key %d\n  hint: with "
                      "causal set, keys j > i get weight exactly 0", i, att[i * T + j], j);
    const int changed = 4;  /* change everything about position 4 */
    for (int d = 0; d < hs; d++) q[changed * hs + d] += 3, kk[changed * hs + d] -= 2, v[changed * hs + d] *= -5;
    sdpa_forward(out2, hs, att, q, kk, v, hs, T, T, hs, 0.5f, 1);
    cr_assert(memcmp(out1, out2, sizeof(float) * changed * hs) == 0,
              "changing position %d changed the outputs of earlier positions\n  hint: query i must not "
              "read keys or values after i, not even to multiply them by 0", changed);
    int later_changed = memcmp(out1 + changed * hs, out2 + changed * hs, sizeof(float) * (T - changed) * hs) != 0;
    cr_assert(later_changed, "positions from %d on should change when position %d does", changed, changed);
}

/* ---- many heads ---- */

static void mha_shape(int i, int *B, int *T, int *C, int *NH, int *causal) {
    const FixtureArray *s = fixture_get(&fx, k("mha.%d.%s", i, "shape"));
    *B = (int)s->data[0], *T = (int)s->data[1], *C = (int)s->data[2], *NH = (int)s->data[3], *causal = (int)s->data[4];
}

Test(mha_forward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < N_MHA; i++) {
        int B, T, C, NH, causal;
        mha_shape(i, &B, &T, &C, &NH, &causal);
        float *qkv = load(k("mha.%d.%s", i, "qkv")), *out = calloc((size_t)B * T * C, 4);
        float *att = calloc((size_t)B * NH * T * T, 4);
        mha_forward(out, att, qkv, B, T, C, NH, causal);
        snprintf(what, sizeof what, "mha_forward, B=%d T=%d C=%d NH=%d (hs=%d) causal=%d", B, T, C, NH, C / NH, causal);
        expect_array(out, k("mha.%d.%s", i, "out"), 1e-5, what,
                     "head h reads columns h*hs.. of q, k, v (row stride 3C) and writes columns h*hs.. of out");
        free(qkv), free(out), free(att);
    }
}

Test(mha_backward, matches_pytorch) {
    char what[96];
    for (int i = 0; i < N_MHA; i++) {
        int B, T, C, NH, causal;
        mha_shape(i, &B, &T, &C, &NH, &causal);
        float *qkv = load(k("mha.%d.%s", i, "qkv")), *dout = load(k("mha.%d.%s", i, "dout"));
        float *out = calloc((size_t)B * T * C, 4), *att = calloc((size_t)B * NH * T * T, 4);
        float *dqkv = calloc((size_t)B * T * 3 * C, 4), *datt = calloc((size_t)T * T, 4);
        mha_forward(out, att, qkv, B, T, C, NH, causal);
        mha_backward(dqkv, datt, dout, att, qkv, B, T, C, NH);
        snprintf(what, sizeof what, "mha_backward, B=%d T=%d C=%d NH=%d causal=%d", B, T, C, NH, causal);
        expect_array(dqkv, k("mha.%d.%s", i, "dqkv"), 1e-5, what,
                     "the same pointers and strides as mha_forward, for dq, dk and dv inside dqkv");
        free(qkv), free(dout), free(out), free(att), free(dqkv), free(datt);
    }
}

Test(mha_backward, matches_finite_differences) {
    enum { B = 1, T = 3, C = 4, NH = 2 };
    float qkv[B * T * 3 * C], out[B * T * C], att[B * NH * T * T], dqkv[B * T * 3 * C] = {0}, datt[T * T];
    float w[B * T * C];  /* loss = sum(w * out), so dout = w */
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
        char what[80];
        snprintf(what, sizeof what, "d loss / d qkv[%d] vs a finite difference", i);
        EXPECT_NEAR(dqkv[i], (up - down) / (2 * h), 2e-3, what, "check the backward of the head this column belongs to");
    }
}

/* ---- position ---- */

Test(sinusoidal, matches_the_formula) {
    int T = dim("sinusoidal.pe", 0), C = dim("sinusoidal.pe", 1);
    float *pe = calloc((size_t)T * C, 4);
    sinusoidal_encoding(pe, T, C);
    expect_array(pe, "sinusoidal.pe", 1e-5, "sinusoidal_encoding, T=7, C=6",
                 "angle = t / 10000^(2i/C); sin in channel 2i, cos in channel 2i+1");
    free(pe);
}

Test(embedding, forward_and_backward_match_pytorch) {
    int B = dim("emb.tokens", 0), T = dim("emb.tokens", 1), C = dim("emb.wte", 1), V = dim("emb.wte", 0);
    const FixtureArray *tk = fixture_get(&fx, "emb.tokens");
    int tokens[16];
    for (int i = 0; i < B * T; i++) tokens[i] = (int)tk->data[i];
    float *wte = load("emb.wte"), *wpe = load("emb.wpe"), *dout = load("emb.dout");
    float *out = calloc((size_t)B * T * C, 4), *dwte = calloc((size_t)V * C, 4), *dwpe = calloc(6u * C, 4);
    embedding_forward(out, tokens, wte, wpe, B, T, C);
    expect_array(out, "emb.out", 1e-6, "embedding_forward", "out[b][t] = wte[tokens[b][t]] + wpe[t]");
    embedding_backward(dwte, dwpe, dout, tokens, B, T, C);
    expect_array(dwte, "emb.dwte", 1e-6, "embedding_backward, dwte",
                 "add (+=) into the token's row: token 1 appears three times and collects all three");
    expect_array(dwpe, "emb.dwpe", 1e-6, "embedding_backward, dwpe", "position t collects from every batch row");
    free(wte), free(wpe), free(dout), free(out), free(dwte), free(dwpe);
}
