/**
 * @file nn.h
 * @brief Day 1.5: neurons, layers and a multi-layer perceptron on the Day 1 engine.
 *
 * Everything here is built from Day 1's `Value`s, so backpropagation through
 * a whole network is just `value_backward()` on its loss.
 *
 * Two arenas, two lifetimes:
 * - the MLP owns an arena for its parameters (weights and biases), which
 *   live for the whole training run;
 * - each training step builds its graph in a *tape* arena that the caller
 *   resets after the update, so memory does not grow step after step.
 *
 * @code
 * MLP net;
 * Rng rng;  rng_init(&rng, 42);
 * mlp_init(&net, 2, (int[]){16, 16, 1}, 3, ACT_RELU, ACT_LINEAR, &rng);   // 2-16-16-1
 * Arena tape;  arena_init(&tape, 0);
 * for (int step = 0; step < steps; step++) {
 *     Value *x[2] = {...leaves in tape...}, *score;
 *     mlp_forward(&net, &tape, x, &score);
 *     Value *loss = loss_hinge(&tape, &score, &label, 1);
 *     nn_zero_grad(net.params, net.nparams);
 *     value_backward(&tape, loss);
 *     nn_sgd_step(net.params, net.nparams, lr_linear_decay(1.0, step, steps, 0.1));
 *     arena_reset(&tape);
 * }
 * mlp_free(&net);
 * @endcode
 */
#ifndef LLMLAB_NN_H
#define LLMLAB_NN_H

#include <stddef.h>

#include "arena.h"
#include "rng.h"
#include "value.h"

/** The non-linearity a neuron applies to its weighted sum. */
typedef enum Activation {
    ACT_LINEAR,  /**< none: the output is the weighted sum itself (for scores and logits) */
    ACT_TANH,    /**< tanh(z), in (-1, 1) */
    ACT_RELU,    /**< max(0, z) */
    ACT_SIGMOID, /**< 1 / (1 + e^-z), in (0, 1) */
} Activation;

/** One neuron: act(w·x + b) over `nin` inputs. */
typedef struct Neuron {
    int nin;   /**< number of inputs */
    Value **w; /**< (nin) weights, leaves in the MLP's parameter arena */
    Value *b;  /**< bias */
    Activation act;
} Neuron;

/** `nout` neurons that all read the same `nin` inputs. */
typedef struct Layer {
    int nin, nout;
    Neuron *neurons; /**< (nout) */
} Layer;

/** A stack of layers; layer i's outputs are layer i+1's inputs. */
typedef struct MLP {
    int nin; /**< inputs of the first layer */
    int nlayers;
    Layer *layers;  /**< (nlayers) */
    Value **params; /**< (nparams) every weight and bias, layer by layer, neuron by neuron, weights then bias */
    size_t nparams;
    Arena arena; /**< owns the layers, neurons and parameters */
} MLP;

/**
 * Build an MLP with @p nin inputs and layers of sizes `sizes[0..nlayers)`.
 * Hidden layers use @p hidden, the last layer @p out. Weights are drawn
 * uniformly from (-1/sqrt(nin), 1/sqrt(nin)) of their layer, biases start
 * at 0, all from @p rng: the same seed gives the same network.
 */
void mlp_init(MLP *m, int nin, const int *sizes, int nlayers, Activation hidden, Activation out, Rng *rng);

/** Free everything the MLP owns. Values made from its parameters in a tape stay valid until that tape is reset. */
void mlp_free(MLP *m);

/** Apply @p act to @p z, adding the nodes to @p tape. Sigmoid is built from Day 1's ops. */
Value *activation_apply(Arena *tape, Value *z, Activation act);

/** One neuron's output: `act(sum_i w_i * x_i + b)` for x (nin). */
Value *neuron_forward(const Neuron *n, Arena *tape, Value *const *x);

/** x (nin) -> out (nout): every neuron of the layer on the same input. */
void layer_forward(const Layer *l, Arena *tape, Value *const *x, Value **out);

/**
 * x (nin) -> out (nout of the last layer): the layers in order. Scratch
 * arrays for the hidden activations come from @p tape.
 */
void mlp_forward(const MLP *m, Arena *tape, Value *const *x, Value **out);

/** @name Losses
 *  Each returns one Value, the loss averaged over the `n` examples, built
 *  in @p tape so that value_backward() on it reaches every parameter.
 *  @{ */

/** Mean squared error: mean of (pred_i - target_i)^2. */
Value *loss_mse(Arena *tape, Value *const *pred, const double *target, int n);

/**
 * Binary cross-entropy from logits: for a logit z (a score; sigmoid(z) is the
 * probability of class 1) and a target t in {0, 1}, the loss is
 * `-(t log sigmoid(z) + (1-t) log(1 - sigmoid(z)))`, which simplifies to
 * `softplus(z) - t z` with `softplus(z) = log(1 + e^z)`. Computed so that
 * exp() never sees a large positive number: finite for any z (try z = 1000).
 */
Value *loss_bce_logits(Arena *tape, Value *const *logit, const double *target, int n);

/**
 * Hinge (max-margin) loss for labels y in {-1, +1}: mean of max(0, 1 - y_i * s_i).
 * Zero once every score is on the right side with a margin of 1.
 */
Value *loss_hinge(Arena *tape, Value *const *score, const double *label_pm1, int n);

/** L2 regularisation: alpha * sum_i p_i^2 over @p n parameters. Add it to a loss to keep weights small. */
Value *loss_l2(Arena *tape, Value *const *params, size_t n, double alpha);
/** @} */

/** @name Gradient descent
 *  @{ */
/** Set every parameter's grad to 0 (grads accumulate, so do this before each backward). */
void nn_zero_grad(Value *const *params, size_t n);
/** One step downhill: `p->data -= lr * p->grad` for every parameter. */
void nn_sgd_step(Value *const *params, size_t n, double lr);
/**
 * A learning rate that falls linearly from @p lr0 at step 0 to
 * `lr0 * final_frac` at step `total - 1` (and stays there after).
 */
double lr_linear_decay(double lr0, int step, int total, double final_frac);
/** @} */

#endif
