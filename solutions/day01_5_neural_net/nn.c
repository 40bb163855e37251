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
        /* BEGIN SOLUTION */
        {
            Value *one = value_new(tape, 1.0, NULL);
            return value_div(tape, one, value_add(tape, one, value_exp(tape, value_neg(tape, z))));
        }
        /* END SOLUTION */
    }
    LLMLAB_DIE("use one of ACT_LINEAR, ACT_TANH, ACT_RELU, ACT_SIGMOID", "unknown activation %d", (int)act);
}

Value *neuron_forward(const Neuron *n, Arena *tape, Value *const *x) {
    /* TODO(day1.5): start from the bias, add w[i] * x[i] for every input, then
       apply the neuron's own activation, n->act, with activation_apply(). Use
       the Values n->b, n->w[i] and x[i] themselves: a new leaf holding a copy
       of a number cuts the graph, and that parameter gets no gradient. */
    /* BEGIN SOLUTION */
    Value *sum = n->b;
    for (int i = 0; i < n->nin; i++) sum = value_add(tape, sum, value_mul(tape, n->w[i], x[i]));
    return activation_apply(tape, sum, n->act);
    /* END SOLUTION */
}

void layer_forward(const Layer *l, Arena *tape, Value *const *x, Value **out) {
    /* TODO(day1.5): for each of the layer's l->nout neurons, out[j] is neuron
       j's output on the same input x. */
    /* BEGIN SOLUTION */
    for (int j = 0; j < l->nout; j++) out[j] = neuron_forward(&l->neurons[j], tape, x);
    /* END SOLUTION */
}

void mlp_forward(const MLP *m, Arena *tape, Value *const *x, Value **out) {
    /* TODO(day1.5): feed x through the layers in order. Each hidden layer's
       output needs an array of Value pointers: take it from the tape
       (arena_alloc). The last layer writes into `out`. */
    /* BEGIN SOLUTION */
    Value *const *in = x;
    for (int l = 0; l < m->nlayers; l++) {
        const Layer *layer = &m->layers[l];
        Value **next = l == m->nlayers - 1 ? out : arena_alloc(tape, (size_t)layer->nout * sizeof *next);
        layer_forward(layer, tape, in, next);
        in = next;
    }
    /* END SOLUTION */
}

/* ---- losses ---- */

Value *loss_mse(Arena *tape, Value *const *pred, const double *target, int n) {
    /* TODO(day1.5): sum (pred[i] - target[i])^2 over the examples (targets are
       plain numbers: make leaves of them), then divide by n. */
    /* BEGIN SOLUTION */
    Value *sum = value_new(tape, 0.0, NULL);
    for (int i = 0; i < n; i++) {
        Value *err = value_sub(tape, pred[i], value_new(tape, target[i], NULL));
        sum = value_add(tape, sum, value_mul(tape, err, err));
    }
    return value_div(tape, sum, value_new(tape, (double)n, NULL));
    /* END SOLUTION */
}

Value *loss_bce_logits(Arena *tape, Value *const *logit, const double *target, int n) {
    /* TODO(day1.5): per example, softplus(z) - t*z, then the mean, where
       softplus(z) = log(1 + e^z). Never let exp() see a large positive number
       (e^1000 is inf): for z >= 0 use the equal form z + log(1 + e^-z), and
       log(1 + e^z) only for z < 0. Choose the form with an if on z->data. */
    /* BEGIN SOLUTION */
    Value *sum = value_new(tape, 0.0, NULL), *one = value_new(tape, 1.0, NULL);
    for (int i = 0; i < n; i++) {
        Value *z = logit[i], *softplus;
        if (z->data >= 0)
            softplus = value_add(tape, z, value_log(tape, value_add(tape, one, value_exp(tape, value_neg(tape, z)))));
        else
            softplus = value_log(tape, value_add(tape, one, value_exp(tape, z)));
        Value *tz = value_mul(tape, z, value_new(tape, target[i], NULL));
        sum = value_add(tape, sum, value_sub(tape, softplus, tz));
    }
    return value_div(tape, sum, value_new(tape, (double)n, NULL));
    /* END SOLUTION */
}

Value *loss_hinge(Arena *tape, Value *const *score, const double *label_pm1, int n) {
    /* TODO(day1.5): the mean over the n examples of relu(1 - y*s), with a leaf
       for each label y and value_relu for the max(0, .). */
    /* BEGIN SOLUTION */
    Value *sum = value_new(tape, 0.0, NULL), *one = value_new(tape, 1.0, NULL);
    for (int i = 0; i < n; i++) {
        Value *margin = value_mul(tape, score[i], value_new(tape, label_pm1[i], NULL));
        sum = value_add(tape, sum, value_relu(tape, value_sub(tape, one, margin)));
    }
    return value_div(tape, sum, value_new(tape, (double)n, NULL));
    /* END SOLUTION */
}

Value *loss_l2(Arena *tape, Value *const *params, size_t n, double alpha) {
    /* TODO(day1.5): alpha times the sum (not the mean) of every parameter
       squared. */
    /* BEGIN SOLUTION */
    Value *sum = value_new(tape, 0.0, NULL);
    for (size_t i = 0; i < n; i++) sum = value_add(tape, sum, value_mul(tape, params[i], params[i]));
    return value_mul(tape, sum, value_new(tape, alpha, NULL));
    /* END SOLUTION */
}

/* ---- gradient descent ---- */

void nn_zero_grad(Value *const *params, size_t n) {
    /* TODO(day1.5): set every parameter's grad to 0. */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++) params[i]->grad = 0.0;
    /* END SOLUTION */
}

void nn_sgd_step(Value *const *params, size_t n, double lr) {
    /* TODO(day1.5): move every parameter against its gradient, by lr times it. */
    /* BEGIN SOLUTION */
    for (size_t i = 0; i < n; i++) params[i]->data -= lr * params[i]->grad;
    /* END SOLUTION */
}

double lr_linear_decay(double lr0, int step, int total, double final_frac) {
    /* TODO(day1.5): the fraction of training done is step / (total - 1),
       at most 1 (and 0 when total <= 1). Interpolate from lr0 to
       lr0 * final_frac by that fraction. */
    /* BEGIN SOLUTION */
    double done = total > 1 ? (double)step / (double)(total - 1) : 0.0;
    if (done > 1.0) done = 1.0;
    return lr0 * (1.0 - (1.0 - final_frac) * done);
    /* END SOLUTION */
}
