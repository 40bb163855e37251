/*
 * Day 1.5 tests. Each Criterion suite is one exercise (`make hint-day1.5 EX=<suite>`).
 * PyTorch's numbers come from tools/make_fixtures.py (day01_5).
 */
#include <math.h>
#include <stdio.h>

#include "fixture.h"
#include "nn.h"
#include "testing.h"
#include "toydata.h"

#define TOL 1e-9

static Arena tape;
static Fixture fx;
static void setup(void) {
    arena_init(&tape, 0);
    fixture_load(&fx, FIXTURE_PATH("day01_5_neural_net", "nn.bin"));
}
static void teardown(void) {
    fixture_free(&fx);
    arena_free(&tape);
}

#define EXERCISE(name, secs) TestSuite(name, .init = setup, .fini = teardown, .timeout = secs)
EXERCISE(activation, 10);
EXERCISE(neuron, 10);
EXERCISE(layer, 10);
EXERCISE(mlp, 10);
EXERCISE(mse, 10);
EXERCISE(bce, 10);
EXERCISE(hinge, 10);
EXERCISE(l2, 10);
EXERCISE(sgd, 10);
EXERCISE(schedule, 10);
EXERCISE(xor_training, 30);

/* Leaves in the tape holding a fixture array's numbers. */
static Value **leaves(const char *name, size_t *n) {
    const FixtureArray *a = fixture_get(&fx, name);
    Value **v = arena_alloc(&tape, a->size * sizeof *v);
    for (size_t i = 0; i < a->size; i++) v[i] = value_new(&tape, a->data[i], NULL);
    if (n) *n = a->size;
    return v;
}

/* A neuron with given weights, in the tape (for tests that need no MLP). */
static Neuron make_neuron(const double *w, int nin, double b, Activation act) {
    Neuron n = {nin, arena_alloc(&tape, (size_t)nin * sizeof(Value *)), value_new(&tape, b, "b"), act};
    for (int i = 0; i < nin; i++) n.w[i] = value_new(&tape, w[i], "w");
    return n;
}

/* ---- activation ---- */

Test(activation, sigmoid_matches_pytorch) {
    size_t n;
    Value **z = leaves("sigmoid.z", &n);
    const FixtureArray *want = fixture_get(&fx, "sigmoid.out"), *grad = fixture_get(&fx, "sigmoid.grad");
    char where[96];
    for (size_t i = 0; i < n; i++) {
        Value *s = activation_apply(&tape, z[i], ACT_SIGMOID);
        snprintf(where, sizeof where, "sigmoid(%g)", z[i]->data);
        EXPECT_NEAR(s->data, want->data[i], TOL, where, "sigmoid(z) = 1 / (1 + exp(-z))");
        value_backward(&tape, s);
        snprintf(where, sizeof where, "d sigmoid / dz at z = %g", z[i]->data);
        EXPECT_NEAR(z[i]->grad, grad->data[i], TOL, where,
                    "build sigmoid from Day 1 ops and backward gives s(1-s) by itself");
    }
}

/* ---- neuron, layer, mlp ---- */

Test(neuron, weighted_sum_bias_activation) {
    Neuron n = make_neuron((double[]){0.5, -1.0, 2.0}, 3, 0.25, ACT_LINEAR);
    Value *x[3] = {value_new(&tape, 2.0, "x0"), value_new(&tape, 3.0, "x1"), value_new(&tape, -0.5, "x2")};
    /* 0.5*2 - 1*3 + 2*(-0.5) + 0.25 = -2.75 */
    EXPECT_NEAR(neuron_forward(&n, &tape, x)->data, -2.75, TOL, "linear neuron w=(0.5,-1,2), b=0.25, x=(2,3,-0.5)",
                "sum w[i]*x[i] over all nin inputs, plus the bias");
    n.act = ACT_TANH;
    EXPECT_NEAR(neuron_forward(&n, &tape, x)->data, tanh(-2.75), TOL, "the same neuron with ACT_TANH",
                "apply the neuron's activation to the sum: activation_apply(tape, sum, n->act)");
}

Test(neuron, gradients_reach_weights_and_bias) {
    Neuron n = make_neuron((double[]){0.5, -1.0}, 2, 0.25, ACT_TANH);
    Value *x[2] = {value_new(&tape, 2.0, "x0"), value_new(&tape, 3.0, "x1")};
    Value *y = neuron_forward(&n, &tape, x);
    value_backward(&tape, y);
    double d = 1 - y->data * y->data;
    EXPECT_NEAR(n.w[0]->grad, d * 2.0, TOL, "dy/dw0 of tanh(w.x + b)", "build the sum from the weight Values "
                "themselves (not copies of their numbers) so gradients reach them");
    EXPECT_NEAR(n.b->grad, d, TOL, "dy/db", "the bias is part of the sum");
}

Test(layer, every_neuron_same_input) {
    Neuron ns[2] = {make_neuron((double[]){1.0, 2.0}, 2, 0.0, ACT_LINEAR),
                    make_neuron((double[]){-1.0, 0.5}, 2, 1.0, ACT_LINEAR)};
    Layer l = {2, 2, ns};
    Value *x[2] = {value_new(&tape, 3.0, "x0"), value_new(&tape, -2.0, "x1")}, *out[2] = {0};
    layer_forward(&l, &tape, x, out);
    cr_assert(out[0] && out[1], "layer_forward left out[%d] NULL\n  hint: write every neuron's output", out[0] ? 1 : 0);
    EXPECT_NEAR(out[0]->data, -1.0, TOL, "neuron 0 of the layer", "out[j] = neuron_forward(&neurons[j], tape, x)");
    EXPECT_NEAR(out[1]->data, -3.0, TOL, "neuron 1 of the layer", "every neuron reads the same x");
}

/* Overwrite the MLP's parameters with the fixture's, in the order of m->params. */
static void load_mlp_params(MLP *m) {
    char name[32];
    size_t k = 0;
    for (int l = 0; l < m->nlayers; l++) {
        snprintf(name, sizeof name, "mlp.W%d", l);
        const FixtureArray *W = fixture_get(&fx, name);
        snprintf(name, sizeof name, "mlp.b%d", l);
        const FixtureArray *B = fixture_get(&fx, name);
        const Layer *layer = &m->layers[l];
        for (int j = 0; j < layer->nout; j++) {
            for (int i = 0; i < layer->nin; i++) m->params[k++]->data = W->data[j * layer->nin + i];
            m->params[k++]->data = B->data[j];
        }
    }
    cr_assert_eq(k, m->nparams);
}

/* Forward the fixture batch, return the MSE loss; outputs into out[3]. */
static Value *mlp_batch_loss(MLP *m, Value **out) {
    const FixtureArray *X = fixture_get(&fx, "mlp.x");
    for (int e = 0; e < 3; e++) {
        Value *x[3];
        for (int i = 0; i < 3; i++) x[i] = value_new(&tape, X->data[e * 3 + i], NULL);
        mlp_forward(m, &tape, x, &out[e]);
    }
    return loss_mse(&tape, out, fixture_get(&fx, "mlp.target")->data, 3);
}

static MLP make_fixture_mlp(void) {
    MLP m;
    Rng rng;
    rng_init(&rng, 1);
    mlp_init(&m, 3, (int[]){4, 3, 1}, 3, ACT_TANH, ACT_LINEAR, &rng);
    load_mlp_params(&m);
    return m;
}

Test(mlp, forward_matches_pytorch) {
    MLP m = make_fixture_mlp();
    Value *out[3] = {0};
    const FixtureArray *X = fixture_get(&fx, "mlp.x"), *want = fixture_get(&fx, "mlp.out");
    char where[96];
    for (int e = 0; e < 3; e++) {
        Value *x[3];
        for (int i = 0; i < 3; i++) x[i] = value_new(&tape, X->data[e * 3 + i], NULL);
        mlp_forward(&m, &tape, x, &out[e]);
        cr_assert_not_null(out[e], "mlp_forward wrote nothing to out[0]\n  hint: the last layer writes into out");
        snprintf(where, sizeof where, "3-4-3-1 tanh MLP, output for example %d", e);
        EXPECT_NEAR(out[e]->data, want->data[e], TOL, where,
                    "each layer's outputs are the next layer's inputs; hidden layers use tanh, the last none");
    }
    mlp_free(&m);
}

Test(mlp, parameter_gradients_match_pytorch) {
    MLP m = make_fixture_mlp();
    Value *out[3];
    Value *loss = mlp_batch_loss(&m, out);
    EXPECT_NEAR(loss->data, fixture_scalar(&fx, "mlp.loss"), TOL, "MSE loss of the fixture batch",
                "check mlp_forward, then loss_mse");
    value_backward(&tape, loss);
    char name[32], where[96];
    size_t k = 0;
    for (int l = 0; l < m.nlayers; l++) {
        snprintf(name, sizeof name, "mlp.grad.W%d", l);
        const FixtureArray *gW = fixture_get(&fx, name);
        snprintf(name, sizeof name, "mlp.grad.b%d", l);
        const FixtureArray *gB = fixture_get(&fx, name);
        for (int j = 0; j < m.layers[l].nout; j++) {
            for (int i = 0; i < m.layers[l].nin; i++) {
                snprintf(where, sizeof where, "dLoss/dW%d[%d][%d]", l, j, i);
                EXPECT_NEAR(m.params[k++]->grad, gW->data[j * m.layers[l].nin + i], 1e-8, where,
                            "PyTorch disagrees: is every parameter Value used in the graph (no copies)?");
            }
            snprintf(where, sizeof where, "dLoss/db%d[%d]", l, j);
            EXPECT_NEAR(m.params[k++]->grad, gB->data[j], 1e-8, where, "the bias gets the sum's gradient");
        }
    }
    mlp_free(&m);
}

Test(mlp, gradients_match_finite_differences) {
    MLP m = make_fixture_mlp();
    Value *out[3];
    value_backward(&tape, mlp_batch_loss(&m, out));
    const double h = 1e-6;
    char where[96];
    for (size_t k = 0; k < m.nparams; k += 3) {  /* every third parameter keeps it quick */
        double saved = m.params[k]->data, analytic = m.params[k]->grad;
        m.params[k]->data = saved + h;
        double up = mlp_batch_loss(&m, out)->data;
        m.params[k]->data = saved - h;
        double down = mlp_batch_loss(&m, out)->data;
        m.params[k]->data = saved;
        snprintf(where, sizeof where, "dLoss/dparam[%zu] vs finite difference", k);
        EXPECT_NEAR(analytic, (up - down) / (2 * h), 1e-6, where,
                    "backward and a nudged forward disagree: check mlp_forward and loss_mse");
    }
    mlp_free(&m);
}

/* ---- losses ---- */

static void check_loss(const char *name, Value *loss, Value **in, size_t n, const char *hint) {
    char key[48], where[96];
    snprintf(key, sizeof key, "%s.loss", name);
    snprintf(where, sizeof where, "%s loss of the fixture batch", name);
    EXPECT_NEAR(loss->data, fixture_scalar(&fx, key), TOL, where, hint);
    cr_assert(isfinite(loss->data), "%s loss is %g\n  hint: %s", name, loss->data, hint);
    value_backward(&tape, loss);
    snprintf(key, sizeof key, "%s.grad", name);
    const FixtureArray *g = fixture_get(&fx, key);
    for (size_t i = 0; i < n; i++) {
        snprintf(where, sizeof where, "d(%s loss)/d input %zu", name, i);
        EXPECT_NEAR(in[i]->grad, g->data[i], TOL, where, "the loss is a mean: every term is divided by n");
    }
}

Test(mse, matches_pytorch) {
    size_t n;
    Value **p = leaves("mse.pred", &n);
    check_loss("mse", loss_mse(&tape, p, fixture_get(&fx, "mse.target")->data, (int)n), p, n,
               "mean of (pred - target)^2");
}

Test(bce, matches_pytorch_even_for_huge_logits) {
    size_t n;
    Value **z = leaves("bce.z", &n);  /* includes logits of +-40 and 800 */
    check_loss("bce", loss_bce_logits(&tape, z, fixture_get(&fx, "bce.t")->data, (int)n), z, n,
               "softplus(z) - t*z, with softplus written as z + log(1 + exp(-z)) when z >= 0: exp of a large z is inf");
}

Test(hinge, matches_pytorch) {
    size_t n;
    Value **s = leaves("hinge.s", &n);
    check_loss("hinge", loss_hinge(&tape, s, fixture_get(&fx, "hinge.y")->data, (int)n), s, n,
               "mean of relu(1 - y * s); a score beyond the margin adds nothing");
}

Test(l2, matches_pytorch) {
    size_t n;
    Value **p = leaves("l2.p", &n);
    check_loss("l2", loss_l2(&tape, p, n, 0.01), p, n, "alpha * sum of p^2 (alpha = 0.01 here)");
}

/* ---- gradient descent ---- */

Test(sgd, zero_grad_then_one_exact_step) {
    Value *p[3] = {value_new(&tape, 1.0, "p0"), value_new(&tape, -2.0, "p1"), value_new(&tape, 0.5, "p2")};
    p[0]->grad = 4.0; p[1]->grad = -1.0; p[2]->grad = 9.0;
    nn_zero_grad(p, 3);
    for (int i = 0; i < 3; i++)
        EXPECT_NEAR(p[i]->grad, 0.0, 0.0, "grad after nn_zero_grad", "set every parameter's grad to 0");
    /* loss = p0*p1 + p2^2: grads p1, p0, 2 p2 = -2, 1, 1 */
    value_backward(&tape, value_add(&tape, value_mul(&tape, p[0], p[1]), value_mul(&tape, p[2], p[2])));
    nn_sgd_step(p, 3, 0.1);
    EXPECT_NEAR(p[0]->data, 1.2, 1e-12, "p0 after a step of lr 0.1, grad -2", "p->data -= lr * p->grad");
    EXPECT_NEAR(p[1]->data, -2.1, 1e-12, "p1 after a step of lr 0.1, grad 1", "move *against* the gradient");
    EXPECT_NEAR(p[2]->data, 0.4, 1e-12, "p2 after a step of lr 0.1, grad 1", "every parameter moves");
}

Test(schedule, linear_decay) {
    EXPECT_NEAR(lr_linear_decay(1.0, 0, 100, 0.1), 1.0, 1e-12, "lr at step 0 of 100", "starts at lr0");
    EXPECT_NEAR(lr_linear_decay(1.0, 99, 100, 0.1), 0.1, 1e-12, "lr at step 99 of 100",
                "ends at lr0 * final_frac on the last step (step total - 1)");
    EXPECT_NEAR(lr_linear_decay(2.0, 33, 67, 0.5), 1.5, 1e-12, "lr halfway, lr0 2, final_frac 0.5",
                "a straight line between the two ends");
    EXPECT_NEAR(lr_linear_decay(1.0, 500, 100, 0.1), 0.1, 1e-12, "lr after the last step", "clamp past the end");
    EXPECT_NEAR(lr_linear_decay(0.3, 0, 1, 0.1), 0.3, 1e-12, "lr with total = 1", "no division by zero");
}

/* ---- putting it together ---- */

Test(xor_training, solves_xor_with_a_hidden_layer) {
    double x[4][2], y[4];
    toydata_xor(x, y);
    MLP m;
    Rng rng;
    rng_init(&rng, 7);
    mlp_init(&m, 2, (int[]){4, 1}, 2, ACT_TANH, ACT_LINEAR, &rng);
    const int steps = 400;
    int solved_at = -1;
    for (int step = 0; step < steps && solved_at < 0; step++) {
        Value *logit[4];
        for (int i = 0; i < 4; i++) {
            Value *in[2] = {value_new(&tape, x[i][0], NULL), value_new(&tape, x[i][1], NULL)};
            mlp_forward(&m, &tape, in, &logit[i]);
        }
        int correct = 0;
        for (int i = 0; i < 4; i++) correct += (logit[i]->data > 0) == (y[i] > 0.5);
        if (correct == 4) solved_at = step;
        Value *loss = loss_bce_logits(&tape, logit, y, 4);
        nn_zero_grad(m.params, m.nparams);
        value_backward(&tape, loss);
        nn_sgd_step(m.params, m.nparams, 0.5);
        arena_reset(&tape);
    }
    cr_assert(solved_at >= 0, "a 2-4-1 tanh MLP did not get all four XOR cases right in %d steps of "
              "SGD (lr 0.5, BCE, seed 7)\n  hint: zero the grads before each backward, step against the "
              "gradient, and check the other suites first", steps);
    mlp_free(&m);
}
