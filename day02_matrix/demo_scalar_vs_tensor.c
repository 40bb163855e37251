/*
 * Day 2 demo: why arrays. The same 2-16-16-2 MLP, the same 100 two-moons
 * points and the same loss, one training step timed twice: on Day 1.5's
 * scalar Values, and on today's array ops.
 *   make demo-day2
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "nn.h"
#include "rng.h"
#include "tensor.h"
#include "timer.h"
#include "toydata.h"

enum { N = 100, IN = 2, H = 16, OUT = 2 };

/* Scalar step: forward, cross-entropy as log(sum exp z) - z[target], backward. Returns the loss. */
static double scalar_step(MLP *m, Arena *tape, const double *x, const int *y) {
    Value *total = value_new(tape, 0.0, NULL);
    for (int i = 0; i < N; i++) {
        Value *in[IN] = {value_new(tape, x[2 * i], NULL), value_new(tape, x[2 * i + 1], NULL)}, *z[OUT];
        mlp_forward(m, tape, in, z);
        Value *lse = value_log(tape, value_add(tape, value_exp(tape, z[0]), value_exp(tape, z[1])));
        total = value_add(tape, total, value_sub(tape, lse, z[y[i]]));
    }
    Value *loss = value_div(tape, total, value_new(tape, N, NULL));
    nn_zero_grad(m->params, m->nparams);
    value_backward(tape, loss);
    return loss->data;
}

/* The same network as arrays: weights copied from the scalar MLP, so both compute the same thing. */
typedef struct ArrayNet {
    float w1[H * IN], b1[H], w2[H * H], b2[H], w3[OUT * H], b3[OUT];
    float dw1[H * IN], db1[H], dw2[H * H], db2[H], dw3[OUT * H], db3[OUT];
    float h1[N * H], a1[N * H], h2[N * H], a2[N * H], logits[N * OUT], probs[N * OUT];
    float dh1[N * H], da1[N * H], dh2[N * H], da2[N * H], dlogits[N * OUT];
} ArrayNet;

static void copy_weights(ArrayNet *t, const MLP *m) {
    float *w[3] = {t->w1, t->w2, t->w3}, *b[3] = {t->b1, t->b2, t->b3};
    size_t k = 0;
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < m->layers[l].nout; j++) {
            for (int i = 0; i < m->layers[l].nin; i++) w[l][j * m->layers[l].nin + i] = (float)m->params[k++]->data;
            b[l][j] = (float)m->params[k++]->data;
        }
}

static float array_step(ArrayNet *t, const float *x, const int *y) {
    matmul_forward(t->h1, x, t->w1, t->b1, N, IN, H);
    relu_forward(t->a1, t->h1, N * H);
    matmul_forward(t->h2, t->a1, t->w2, t->b2, N, H, H);
    relu_forward(t->a2, t->h2, N * H);
    matmul_forward(t->logits, t->a2, t->w3, t->b3, N, H, OUT);
    float loss = cross_entropy_forward(t->probs, t->logits, y, N, OUT);
    /* zero every gradient buffer (they are contiguous in the struct), then backward in reverse */
    memset(t->dw1, 0, (size_t)((char *)(t->db3 + OUT) - (char *)t->dw1));
    memset(t->dh1, 0, (size_t)((char *)(t->dlogits + N * OUT) - (char *)t->dh1));
    cross_entropy_backward(t->dlogits, t->probs, y, N, OUT);
    matmul_backward(t->da2, t->dw3, t->db3, t->dlogits, t->a2, t->w3, N, H, OUT);
    relu_backward(t->dh2, t->da2, t->h2, N * H);
    matmul_backward(t->da1, t->dw2, t->db2, t->dh2, t->a1, t->w2, N, H, H);
    relu_backward(t->dh1, t->da1, t->h1, N * H);
    matmul_backward(NULL, t->dw1, t->db1, t->dh1, x, t->w1, N, IN, H);
    return loss;
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 42};
    cli_parse_demo(argc, argv, "Day 2 demo: one training step on scalars vs on arrays", &args);
    int reps = args.quick ? 3 : 50;
    Rng rng;
    rng_init(&rng, args.seed);
    double x[2 * N], yd[N];
    toydata_moons(&rng, N, 0.1, x, yd);
    int y[N];
    float xf[2 * N];
    for (int i = 0; i < N; i++) y[i] = (int)yd[i];
    for (int i = 0; i < 2 * N; i++) xf[i] = (float)x[i];

    MLP m;
    mlp_init(&m, IN, (int[]){H, H, OUT}, 3, ACT_RELU, ACT_LINEAR, &rng);
    ArrayNet *t = XCALLOC(1, sizeof *t);
    copy_weights(t, &m);

    Arena tape;
    arena_init(&tape, 0);
    double scalar_loss = 0, t0 = timer_now();
    for (int r = 0; r < reps; r++) {
        arena_reset(&tape);
        scalar_loss = scalar_step(&m, &tape, x, y);
    }
    double scalar_s = (timer_now() - t0) / reps;
    size_t nodes = tape.bytes_used / sizeof(Value);
    float array_loss = 0;
    t0 = timer_now();
    for (int r = 0; r < reps * 20; r++) array_loss = array_step(t, xf, y);
    double array_s = (timer_now() - t0) / (reps * 20);

    printf("One training step (forward + backward) of a 2-16-16-2 MLP on %d points:\n\n", N);
    printf("  scalar Values (Day 1.5): %9.1f us   loss %.6f   (~%zu graph nodes per step)\n", 1e6 * scalar_s,
           scalar_loss, nodes);
    printf("  arrays (Day 2):          %9.1f us   loss %.6f\n", 1e6 * array_s, array_loss);
    printf("\n  arrays are %.0fx faster, for the same numbers", scalar_s / array_s);
    printf(" (the losses agree to %.1e; the scalar engine uses doubles).\n", fabs(scalar_loss - array_loss));
    double dw = fabs(m.params[0]->grad - t->dw1[0]);
    printf("  The first weight's gradient: %.6f (scalar) vs %.6f (arrays), difference %.1e.\n", m.params[0]->grad,
           t->dw1[0], dw);
    arena_free(&tape);
    mlp_free(&m);
    free(t);
    return 0;
}
