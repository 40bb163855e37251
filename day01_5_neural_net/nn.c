/*
 * Day 1.5: neurons, layers and an MLP, built from Day 1's Values.
 *
 * Read nn.h first. Your part of each function is marked TODO; grade it with
 * `make check-day1.5`, ask for a hint with `make hint-day1.5`.
 *
 * Nothing here computes a derivative by hand: every function builds Values
 * with Day 1's operations, and value_backward() does the rest.
 */
#include "nn.h"

#include <math.h>

#include "check.h"
#include "todo.h"

/* ---- building the network (given) ---- */

static void neuron_init(Neuron *n, Arena *ar, int nin, Activation act, Rng *rng) {
    /* Uniform in (-1/sqrt(nin), 1/sqrt(nin)): the weighted sum of nin inputs
     * of size ~1 then has a spread of about 1, whatever nin is, so tanh and
     * sigmoid start in their sensitive middle, not their flat tails. */
    double bound = 1.0 / sqrt((double)nin);
    n->nin = nin;
    n->act = act;
    n->w = arena_alloc(ar, (size_t)nin * sizeof *n->w);
    for (int i = 0; i < nin; i++) n->w[i] = value_new(ar, rng_range(rng, -bound, bound), "w");
    n->b = value_new(ar, 0.0, "b");
}

void mlp_init(MLP *m, int nin, const int *sizes, int nlayers, Activation hidden, Activation out, Rng *rng) {
    LLMLAB_CHECK(nin > 0 && nlayers > 0, "an MLP needs inputs and at least one layer", "mlp_init(nin=%d, nlayers=%d)",
                 nin, nlayers);
    arena_init(&m->arena, 0);
    m->nin = nin;
    m->nlayers = nlayers;
    m->layers = arena_alloc(&m->arena, (size_t)nlayers * sizeof *m->layers);
    size_t nparams = 0;
    for (int l = 0, fan_in = nin; l < nlayers; fan_in = sizes[l++]) {
        LLMLAB_CHECK(sizes[l] > 0, "every layer needs at least one neuron", "layer %d has size %d", l, sizes[l]);
        nparams += (size_t)sizes[l] * (size_t)(fan_in + 1);
    }
    m->params = arena_alloc(&m->arena, nparams * sizeof *m->params);
    m->nparams = 0;
    for (int l = 0, fan_in = nin; l < nlayers; fan_in = sizes[l++]) {
        Layer *layer = &m->layers[l];
        layer->nin = fan_in;
        layer->nout = sizes[l];
        layer->neurons = arena_alloc(&m->arena, (size_t)sizes[l] * sizeof *layer->neurons);
        for (int j = 0; j < sizes[l]; j++) {
            Neuron *n = &layer->neurons[j];
            neuron_init(n, &m->arena, fan_in, l == nlayers - 1 ? out : hidden, rng);
            for (int i = 0; i < fan_in; i++) m->params[m->nparams++] = n->w[i];
            m->params[m->nparams++] = n->b;
        }
    }
}

void mlp_free(MLP *m) {
    arena_free(&m->arena);
    m->layers = NULL;
    m->params = NULL;
    m->nparams = 0;
}

/* ---- forward ---- */

Value *activation_apply(Arena *tape, Value *z, Activation act) {
    switch (act) {
    case ACT_LINEAR:
        return z;
    case ACT_TANH:
        return value_tanh(tape, z);
    case ACT_RELU:
        return value_relu(tape, z);
    case ACT_SIGMOID:
        /* TODO(day1.5): sigmoid(z) = 1 / (1 + e^-z), built from Day 1's ops
           (value_neg, value_exp, value_add, value_div and a leaf holding 1). */
        TODO_UNIMPLEMENTED();
    }
    LLMLAB_DIE("use one of ACT_LINEAR, ACT_TANH, ACT_RELU, ACT_SIGMOID", "unknown activation %d", (int)act);
}

Value *neuron_forward(const Neuron *n, Arena *tape, Value *const *x) {
    /* TODO(day1.5): start from the bias, add w[i] * x[i] for every input, then
       apply the neuron's own activation, n->act, with activation_apply(). Use
       the Values n->b, n->w[i] and x[i] themselves: a new leaf holding a copy
       of a number cuts the graph, and that parameter gets no gradient. */
    TODO_UNIMPLEMENTED();
}

void layer_forward(const Layer *l, Arena *tape, Value *const *x, Value **out) {
    /* TODO(day1.5): for each of the layer's l->nout neurons, out[j] is neuron
       j's output on the same input x. */
    TODO_UNIMPLEMENTED();
}

void mlp_forward(const MLP *m, Arena *tape, Value *const *x, Value **out) {
    /* TODO(day1.5): feed x through the layers in order. Each hidden layer's
       output needs an array of Value pointers: take it from the tape
       (arena_alloc). The last layer writes into `out`. */
    TODO_UNIMPLEMENTED();
}

/* ---- losses ---- */

Value *loss_mse(Arena *tape, Value *const *pred, const double *target, int n) {
    /* TODO(day1.5): sum (pred[i] - target[i])^2 over the examples (targets are
       plain numbers: make leaves of them), then divide by n. */
    TODO_UNIMPLEMENTED();
}

Value *loss_bce_logits(Arena *tape, Value *const *logit, const double *target, int n) {
    /* TODO(day1.5): per example, softplus(z) - t*z, then the mean, where
       softplus(z) = log(1 + e^z). Never let exp() see a large positive number
       (e^1000 is inf): for z >= 0 use the equal form z + log(1 + e^-z), and
       log(1 + e^z) only for z < 0. Choose the form with an if on z->data. */
    TODO_UNIMPLEMENTED();
}

Value *loss_hinge(Arena *tape, Value *const *score, const double *label_pm1, int n) {
    /* TODO(day1.5): the mean over the n examples of relu(1 - y*s), with a leaf
       for each label y and value_relu for the max(0, .). */
    TODO_UNIMPLEMENTED();
}

Value *loss_l2(Arena *tape, Value *const *params, size_t n, double alpha) {
    /* TODO(day1.5): alpha times the sum (not the mean) of every parameter
       squared. */
    TODO_UNIMPLEMENTED();
}

/* ---- gradient descent ---- */

void nn_zero_grad(Value *const *params, size_t n) {
    /* TODO(day1.5): set every parameter's grad to 0. */
    TODO_UNIMPLEMENTED();
}

void nn_sgd_step(Value *const *params, size_t n, double lr) {
    /* TODO(day1.5): move every parameter against its gradient, by lr times it. */
    TODO_UNIMPLEMENTED();
}

double lr_linear_decay(double lr0, int step, int total, double final_frac) {
    /* TODO(day1.5): the fraction of training done is step / (total - 1),
       at most 1 (and 0 when total <= 1). Interpolate from lr0 to
       lr0 * final_frac by that fraction. */
    TODO_UNIMPLEMENTED();
}
