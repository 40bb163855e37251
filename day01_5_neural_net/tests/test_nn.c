/*
 * Day 1.5 tests. Each Criterion suite is one exercise (`make hint-day1.5 EX=<suite>`).
 * PyTorch's numbers come from tools/make_fixtures.py (day01_5). Every message
 * names the function at fault and the numbers it was given.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Append printf-style text to buf (of `size` bytes), cutting it short when full. */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...) {
    size_t len = strlen(buf);
    if (len + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* Append "label = (0.4, -1.2, 2, 0)" to buf. */
static void append_numbers(char *buf, size_t size, const char *label, const double *x, size_t n) {
    append(buf, size, "%s = (", label);
    for (size_t i = 0; i < n; i++) append(buf, size, "%s%g", i ? ", " : "", x[i]);
    append(buf, size, ")");
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
    char where[128];
    for (size_t i = 0; i < n; i++) {
        Value *s = activation_apply(&tape, z[i], ACT_SIGMOID);
        snprintf(where, sizeof where, "activation_apply(z = %g, ACT_SIGMOID)", z[i]->data);
        EXPECT_NEAR(s->data, want->data[i], TOL, where,
                    "sigmoid(z) = 1 / (1 + exp(-z)): negate z before exp (sigmoid(-30) is almost 0)");
        value_backward(&tape, s);
        snprintf(where, sizeof where, "activation_apply(ACT_SIGMOID): d sigmoid / dz at z = %g", z[i]->data);
        EXPECT_NEAR(z[i]->grad, grad->data[i], TOL, where,
                    "build sigmoid from Day 1 ops on z itself (not on a copy of its number), and "
                    "backward gives s(1-s) by itself");
    }
}

/* ---- neuron, layer, mlp ---- */

Test(neuron, weighted_sum_bias_activation) {
    /* 0.5*2 - 1*3 + 2*(-0.5) + 0.25 = -2.75 */
    const struct {
        Activation act;
        const char *name;
        double want;
    } cases[] = {
        {ACT_LINEAR, "ACT_LINEAR", -2.75},
        {ACT_TANH, "ACT_TANH", tanh(-2.75)},
        {ACT_SIGMOID, "ACT_SIGMOID", 1.0 / (1.0 + exp(2.75))},
        {ACT_RELU, "ACT_RELU", 0.0},
    };
    Value *x[3] = {value_new(&tape, 2.0, "x0"), value_new(&tape, 3.0, "x1"), value_new(&tape, -0.5, "x2")};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        Neuron n = make_neuron((double[]){0.5, -1.0, 2.0}, 3, 0.25, cases[c].act);
        double got = neuron_forward(&n, &tape, x)->data;
        const char *why = "";
        if (cases[c].act == ACT_LINEAR && llmlab_close(got, -3.0, TOL))
            why = "\n  that is the weighted sum without the bias: start the sum from n->b";
        else if (cases[c].act == ACT_LINEAR && llmlab_close(got, -1.75, TOL))
            why = "\n  that is the sum without the last input: loop i from 0 to nin - 1 inclusive (i < n->nin)";
        else if (cases[c].act != ACT_LINEAR && llmlab_close(got, -2.75, TOL))
            why = "\n  that is the weighted sum itself: the activation was not applied";
        else if (cases[c].act != ACT_TANH && llmlab_close(got, tanh(-2.75), TOL))
            why = "\n  that is tanh of the sum: apply the neuron's own activation, n->act";
        cr_assert(llmlab_close(got, cases[c].want, TOL),
                  "neuron_forward: neuron with w = (0.5, -1, 2), b = 0.25, %s on x = (2, 3, -0.5): "
                  "expected %.10g, got %.10g (tolerance %g)%s\n  hint: sum w[i]*x[i] over all nin inputs, "
                  "plus the bias, then return activation_apply(tape, sum, n->act)",
                  cases[c].name, cases[c].want, got, TOL, why);
    }
}

Test(neuron, gradients_reach_weights_and_bias) {
    Neuron n = make_neuron((double[]){0.5, -1.0}, 2, 0.25, ACT_TANH);
    Value *x[2] = {value_new(&tape, 2.0, "x0"), value_new(&tape, 3.0, "x1")};
    Value *y = neuron_forward(&n, &tape, x);
    value_backward(&tape, y);
    double d = 1 - y->data * y->data;
    const char *copies = "build the sum from the neuron's own Values n->w[i] and n->b (not new leaves holding "
                         "copies of their numbers), so that value_backward reaches them";
    EXPECT_NEAR(n.w[0]->grad, d * 2.0, TOL,
                "neuron_forward: dy/dw0 for y = tanh(w0*x0 + w1*x1 + b), w = (0.5, -1), b = 0.25, x = (2, 3)", copies);
    EXPECT_NEAR(n.w[1]->grad, d * 3.0, TOL,
                "neuron_forward: dy/dw1 for y = tanh(w0*x0 + w1*x1 + b), w = (0.5, -1), b = 0.25, x = (2, 3)", copies);
    EXPECT_NEAR(n.b->grad, d, TOL,
                "neuron_forward: dy/db for y = tanh(w0*x0 + w1*x1 + b), w = (0.5, -1), b = 0.25, x = (2, 3)",
                "the bias Value n->b itself must be part of the sum");
    EXPECT_NEAR(x[1]->grad, d * -1.0, TOL,
                "neuron_forward: dy/dx1 for y = tanh(w0*x0 + w1*x1 + b), w = (0.5, -1), b = 0.25, x = (2, 3)",
                "use the input Values x[i] themselves too");
}

Test(layer, every_neuron_same_input) {
    /* 3 neurons on 2 inputs: nout != nin, so a loop over the wrong count shows */
    Neuron ns[3] = {make_neuron((double[]){1.0, 2.0}, 2, 0.0, ACT_LINEAR),
                    make_neuron((double[]){-1.0, 0.5}, 2, 1.0, ACT_LINEAR),
                    make_neuron((double[]){0.25, 0.25}, 2, -0.5, ACT_LINEAR)};
    Layer l = {2, 3, ns};
    Value *x[2] = {value_new(&tape, 3.0, "x0"), value_new(&tape, -2.0, "x1")};
    Value *sentinel = value_new(&tape, 12345.0, "not an output");
    Value *out[4] = {NULL, NULL, NULL, sentinel};
    layer_forward(&l, &tape, x, out);
    for (int j = 0; j < 3; j++)
        cr_assert_not_null(out[j],
                           "layer_forward of a layer of 3 neurons on 2 inputs left out[%d] NULL\n"
                           "  hint: out[j] for every neuron j < l->nout (the neurons), not l->nin (the inputs)",
                           j);
    cr_assert(out[3] == sentinel, "layer_forward of a layer of 3 neurons wrote out[3], past its last "
                                  "output\n  hint: loop j over l->nout, the number of neurons");
    static const double want[3] = {-1.0, -3.0, -0.25};
    char where[128];
    for (int j = 0; j < 3; j++) {
        snprintf(where, sizeof where, "layer_forward: out[%d], neuron %d of a 2-in, 3-out layer on x = (3, -2)", j, j);
        EXPECT_NEAR(out[j]->data, want[j], TOL, where,
                    "out[j] = neuron_forward(&l->neurons[j], tape, x): every neuron reads the same x");
    }
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

/* The name of m->params[k] as PyTorch's arrays call it: "W1[2][0]" or "b1[2]". */
static const char *param_name(const MLP *m, size_t k, char *buf, size_t size) {
    for (int l = 0; l < m->nlayers; l++) {
        size_t per = (size_t)m->layers[l].nin + 1, count = per * (size_t)m->layers[l].nout;
        if (k < count) {
            int j = (int)(k / per), i = (int)(k % per);
            if (i == m->layers[l].nin)
                snprintf(buf, size, "b%d[%d]", l % 100, j % 10000);
            else
                snprintf(buf, size, "W%d[%d][%d]", l % 100, j % 10000, i % 10000);
            return buf;
        }
        k -= count;
    }
    snprintf(buf, size, "params[%zu]?", k);
    return buf;
}

/* Forward the fixture batch, return the MSE loss; outputs into out[3]. */
static Value *mlp_batch_loss(MLP *m, Value **out) {
    const FixtureArray *X = fixture_get(&fx, "mlp.x");
    for (int e = 0; e < 3; e++) {
        Value *x[3];
        for (int i = 0; i < 3; i++) x[i] = value_new(&tape, X->data[e * 3 + i], NULL);
        out[e] = NULL;
        mlp_forward(m, &tape, x, &out[e]);
        cr_assert_not_null(out[e], "mlp_forward of the 3-4-3-1 MLP wrote nothing to out[0]\n"
                                   "  hint: the last layer writes its outputs into `out`, not into a scratch array");
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
    char where[200];
    for (int e = 0; e < 3; e++) {
        Value *x[3];
        for (int i = 0; i < 3; i++) x[i] = value_new(&tape, X->data[e * 3 + i], NULL);
        mlp_forward(&m, &tape, x, &out[e]);
        cr_assert_not_null(out[e], "mlp_forward of the 3-4-3-1 MLP wrote nothing to out[0]\n"
                                   "  hint: the last layer writes its outputs into `out`, not into a scratch array");
        snprintf(where, sizeof where, "mlp_forward: 3-4-3-1 MLP (tanh hidden, linear output), example %d, ", e);
        append_numbers(where, sizeof where, "x", &X->data[e * 3], 3);
        EXPECT_NEAR(out[e]->data, want->data[e], TOL, where,
                    "each layer's outputs are the next layer's inputs; if the neuron and layer tests pass, "
                    "check that mlp_forward feeds layer l the outputs of layer l-1");
    }
    mlp_free(&m);
}

Test(mlp, parameter_gradients_match_pytorch) {
    MLP m = make_fixture_mlp();
    Value *out[3];
    Value *loss = mlp_batch_loss(&m, out);
    EXPECT_NEAR(loss->data, fixture_scalar(&fx, "mlp.loss"), TOL,
                "mlp_forward + loss_mse: MSE loss of the 3-4-3-1 MLP on the fixture batch of 3",
                "check the forward test first, then the mse suite");
    value_backward(&tape, loss);
    char name[32], where[160];
    size_t k = 0;
    for (int l = 0; l < m.nlayers; l++) {
        snprintf(name, sizeof name, "mlp.grad.W%d", l);
        const FixtureArray *gW = fixture_get(&fx, name);
        snprintf(name, sizeof name, "mlp.grad.b%d", l);
        const FixtureArray *gB = fixture_get(&fx, name);
        for (int j = 0; j < m.layers[l].nout; j++) {
            for (int i = 0; i <= m.layers[l].nin; i++) {
                int bias = i == m.layers[l].nin;
                snprintf(where, sizeof where,
                         "mlp_forward + loss_mse: d loss / d %s over the batch of 3 "
                         "(PyTorch's autograd)",
                         param_name(&m, k, name, sizeof name));
                EXPECT_NEAR(m.params[k++]->grad, bias ? gB->data[j] : gW->data[j * m.layers[l].nin + i], 1e-8, where,
                            bias ? "the bias Value itself must be in each neuron's sum"
                                 : "every weight Value itself (not a copy) must be in the graph, once "
                                   "per example: its gradient is the sum over the batch");
            }
        }
    }
    mlp_free(&m);
}

Test(mlp, gradients_match_finite_differences) {
    MLP m = make_fixture_mlp();
    Value *out[3];
    value_backward(&tape, mlp_batch_loss(&m, out));
    const double h = 1e-6, tol = 1e-6;
    char where[320], name[32];
    double largest = 0.0;                       /* a loss that never moves would make every check 0 = 0 */
    for (size_t k = 0; k < m.nparams; k += 3) { /* every third parameter keeps it quick */
        double saved = m.params[k]->data, analytic = m.params[k]->grad;
        m.params[k]->data = saved + h;
        double up = mlp_batch_loss(&m, out)->data;
        m.params[k]->data = saved - h;
        double down = mlp_batch_loss(&m, out)->data;
        m.params[k]->data = saved;
        snprintf(where, sizeof where,
                 "mlp_forward + loss_mse: d loss / d %s over the batch of 3, against the "
                 "finite-difference estimate (loss(p+h) - loss(p-h)) / 2h with h = %g (an approximation, "
                 "hence the tolerance; the mlp test parameter_gradients_match_pytorch has the exact value)",
                 param_name(&m, k, name, sizeof name), h);
        EXPECT_NEAR(analytic, (up - down) / (2 * h), tol, where,
                    "backward and a nudged forward disagree: is every parameter Value itself in the graph?");
        largest = fmax(largest, fabs(up - down) / (2 * h));
    }
    cr_assert(largest > 1e-3,
              "mlp_forward + loss_mse: the loss does not change when any parameter moves "
              "(largest finite-difference slope %g)\n  hint: loss_mse or mlp_forward returns something that "
              "does not depend on the parameters: check the mse suite and the forward test first",
              largest);
    mlp_free(&m);
}

/* ---- losses ---- */

/*
 * Compare `loss` (made by fn from the fixture's `name.*` arrays) and the
 * gradient of each input in[i] with PyTorch. `scale` is what a common slip
 * multiplies the loss by (n for a sum instead of a mean), `scale_why` says so.
 */
static void check_loss(const char *fn, const char *name, const char *inputs, Value *loss, Value **in, size_t n,
                       double scale, const char *scale_why, const char *hint, const char *grad_hint) {
    char key[48];
    snprintf(key, sizeof key, "%s.loss", name);
    double want = fixture_scalar(&fx, key), got = loss->data;
    cr_assert(isfinite(got), "%s with %s: the loss is %g, expected %.10g\n  hint: %s", fn, inputs, got, want, hint);
    const char *why = llmlab_close(got, want * scale, TOL) ? scale_why : "";
    cr_assert(llmlab_close(got, want, TOL),
              "%s with %s: expected %.10g (PyTorch), got %.10g (tolerance %g)%s\n"
              "  hint: %s",
              fn, inputs, want, got, TOL, why, hint);
    value_backward(&tape, loss);
    snprintf(key, sizeof key, "%s.grad", name);
    const FixtureArray *g = fixture_get(&fx, key);
    for (size_t i = 0; i < n; i++)
        cr_assert(llmlab_close(in[i]->grad, g->data[i], TOL),
                  "%s with %s: d loss / d input %zu: expected %.10g (PyTorch), got %.10g (tolerance %g)\n"
                  "  hint: %s",
                  fn, inputs, i, g->data[i], in[i]->grad, TOL, grad_hint);
}

Test(mse, matches_pytorch) {
    size_t n;
    Value **p = leaves("mse.pred", &n);
    const FixtureArray *t = fixture_get(&fx, "mse.target");
    char inputs[256] = "";
    append_numbers(inputs, sizeof inputs, "pred", fixture_get(&fx, "mse.pred")->data, n);
    append_numbers(inputs, sizeof inputs, ", target", t->data, n);
    check_loss("loss_mse", "mse", inputs, loss_mse(&tape, p, t->data, (int)n), p, n, (double)n,
               "\n  that is n times the mean: divide the sum by n", "the mean of (pred[i] - target[i])^2 over all n",
               "d loss / d pred[i] = 2 (pred[i] - target[i]) / n: every example's term, divided by n");
}

Test(bce, matches_pytorch_even_for_huge_logits) {
    size_t n;
    Value **z = leaves("bce.z", &n); /* includes logits of +-40 and 800 */
    const FixtureArray *t = fixture_get(&fx, "bce.t");
    char inputs[256] = "";
    append_numbers(inputs, sizeof inputs, "logits z", fixture_get(&fx, "bce.z")->data, n);
    append_numbers(inputs, sizeof inputs, ", targets t", t->data, n);
    check_loss("loss_bce_logits", "bce", inputs, loss_bce_logits(&tape, z, t->data, (int)n), z, n, (double)n,
               "\n  that is n times the mean: divide the sum by n",
               "softplus(z) - t*z per example, then the mean; write softplus(z) as z + log(1 + exp(-z)) when "
               "z >= 0: exp(800) is inf in a double",
               "d loss / d z[i] = (sigmoid(z[i]) - t[i]) / n: check both branches of softplus");
}

Test(hinge, matches_pytorch) {
    size_t n;
    Value **s = leaves("hinge.s", &n); /* one score sits exactly on the margin, 1 - y*s = 0 */
    const FixtureArray *y = fixture_get(&fx, "hinge.y");
    char inputs[256] = "";
    append_numbers(inputs, sizeof inputs, "scores s", fixture_get(&fx, "hinge.s")->data, n);
    append_numbers(inputs, sizeof inputs, ", labels y", y->data, n);
    check_loss("loss_hinge", "hinge", inputs, loss_hinge(&tape, s, y->data, (int)n), s, n, (double)n,
               "\n  that is n times the mean: divide the sum by n",
               "the mean of relu(1 - y[i]*s[i]): a score beyond the margin adds 0, never a negative amount",
               "d loss / d s[i] = -y[i] / n where 1 - y[i]*s[i] > 0, else 0 (also exactly on the margin, as "
               "relu's slope at 0): build it with value_relu");
}

Test(l2, matches_pytorch) {
    size_t n;
    Value **p = leaves("l2.p", &n);
    char inputs[256] = "";
    append_numbers(inputs, sizeof inputs, "p", fixture_get(&fx, "l2.p")->data, n);
    append(inputs, sizeof inputs, ", alpha = 0.01");
    check_loss("loss_l2", "l2", inputs, loss_l2(&tape, p, n, 0.01), p, n, 100.0,
               "\n  that is the sum of squares without alpha: multiply it by alpha",
               "alpha * (p[0]^2 + p[1]^2 + ...), summed, not averaged", "d loss / d p[i] = 2 * alpha * p[i]");
}

/* ---- gradient descent ---- */

Test(sgd, zero_grad_clears_every_parameter) {
    enum { N = 5 };
    Value *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = value_new(&tape, 0.5 * i - 1.0, "p");
        p[i]->grad = testing_prefill_value((size_t)i); /* grads left over from a previous step */
    }
    nn_zero_grad(p, N);
    char where[96];
    for (int i = 0; i < N; i++) {
        snprintf(where, sizeof where, "nn_zero_grad on %d parameters: params[%d]->grad", N, i);
        EXPECT_NEAR(p[i]->grad, 0.0, 0.0, where, "set the grad of every parameter, the last one too, to 0");
        EXPECT_NEAR(p[i]->data, 0.5 * i - 1.0, 0.0, where, "nn_zero_grad changes grads only, never data");
    }
}

Test(sgd, one_exact_step) {
    Value *p[3] = {value_new(&tape, 1.0, "p0"), value_new(&tape, -2.0, "p1"), value_new(&tape, 0.5, "p2")};
    /* loss = p0*p1 + p2^2: grads p1, p0, 2 p2 = -2, 1, 1 */
    value_backward(&tape, value_add(&tape, value_mul(&tape, p[0], p[1]), value_mul(&tape, p[2], p[2])));
    nn_sgd_step(p, 3, 0.1);
    EXPECT_NEAR(p[0]->data, 1.2, 1e-12, "nn_sgd_step: p0 = 1 with grad -2, after a step of lr 0.1",
                "p->data -= lr * p->grad: a negative gradient moves the parameter up");
    EXPECT_NEAR(p[1]->data, -2.1, 1e-12, "nn_sgd_step: p1 = -2 with grad 1, after a step of lr 0.1",
                "move *against* the gradient: p->data -= lr * p->grad");
    EXPECT_NEAR(p[2]->data, 0.4, 1e-12, "nn_sgd_step: p2 = 0.5 with grad 1, after a step of lr 0.1",
                "every parameter moves, the last one too");
    EXPECT_NEAR(p[0]->grad, -2.0, 0.0, "nn_sgd_step: p0's grad after the step",
                "the step reads the grads and leaves them as they are (nn_zero_grad clears them)");
}

Test(schedule, linear_decay) {
    EXPECT_NEAR(lr_linear_decay(1.0, 0, 100, 0.1), 1.0, 1e-12,
                "lr_linear_decay(lr0 1, step 0, total 100, final_frac 0.1)", "it starts at lr0");
    EXPECT_NEAR(lr_linear_decay(1.0, 99, 100, 0.1), 0.1, 1e-12,
                "lr_linear_decay(lr0 1, step 99, total 100, final_frac 0.1), the last step",
                "it ends at lr0 * final_frac on the last step, step total - 1: the fraction done is "
                "step / (total - 1)");
    EXPECT_NEAR(lr_linear_decay(2.0, 33, 67, 0.5), 1.5, 1e-12,
                "lr_linear_decay(lr0 2, step 33, total 67, final_frac 0.5), halfway",
                "a straight line between the two ends; compute the fraction in double, not int");
    EXPECT_NEAR(lr_linear_decay(1.0, 500, 100, 0.1), 0.1, 1e-12,
                "lr_linear_decay(lr0 1, step 500, total 100, final_frac 0.1)",
                "past the last step the rate stays at lr0 * final_frac: clamp the fraction at 1");
    EXPECT_NEAR(lr_linear_decay(0.3, 0, 1, 0.1), 0.3, 1e-12,
                "lr_linear_decay(lr0 0.3, step 0, total 1, final_frac 0.1)",
                "with total <= 1 the fraction is 0: no division by zero");
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
    cr_assert(solved_at >= 0,
              "training a 2-4-1 tanh MLP (mlp_forward, loss_bce_logits, nn_zero_grad, "
              "value_backward, nn_sgd_step; lr 0.5, seed 7) did not get all four XOR cases right in %d steps\n"
              "  hint: get the other suites green first; this one only puts them together",
              steps);
    mlp_free(&m);
}
