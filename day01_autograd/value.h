/**
 * @file value.h
 * @brief Day 1: a scalar autograd engine. Every number remembers how it was made.
 *
 * A Value holds one number (`data`) and, after a backward pass, the derivative
 * of the final result with respect to it (`grad`). Each arithmetic function
 * below makes a new Value and records the operation and its inputs, so the
 * expression you computed is also a graph you can walk backwards:
 *
 * @code
 * Arena ar;  arena_init(&ar, 0);
 * Value *a = value_new(&ar, 2.0, "a");
 * Value *b = value_new(&ar, -3.0, "b");
 * Value *y = value_tanh(&ar, value_add(&ar, value_mul(&ar, a, b), a));   // y = tanh(a*b + a)
 * value_backward(&ar, y);             // now a->grad = dy/da and b->grad = dy/db
 * arena_free(&ar);                    // the whole graph is gone in one call
 * @endcode
 *
 * Memory: every Value lives in the Arena passed to the function that made it.
 * Nothing here calls free(); the arena's owner frees the graph at once.
 *
 * Gradients accumulate (`+=`): a Value used twice gets both contributions.
 * A fresh Value has grad 0; run backward once per graph, or zero the grads
 * first (value_zero_grad()).
 */
#ifndef LLMLAB_VALUE_H
#define LLMLAB_VALUE_H

#include <stddef.h>
#include <stdio.h>

#include "arena.h"

/** The operation that produced a Value. Composite ops (sub, div, neg) build on these. */
typedef enum ValueOp {
    VALUE_LEAF, /**< an input or a parameter: made by value_new(), no children */
    VALUE_ADD,  /**< a + b */
    VALUE_MUL,  /**< a * b */
    VALUE_POW,  /**< a ^ k for a constant k (kept in `exponent`) */
    VALUE_EXP,  /**< e ^ a */
    VALUE_LOG,  /**< natural log of a */
    VALUE_TANH, /**< tanh(a) */
    VALUE_RELU, /**< max(0, a) */
} ValueOp;

/** One scalar in a computation graph. */
typedef struct Value {
    double data;         /**< the number computed in the forward pass */
    double grad;         /**< d(root)/d(this), filled in by value_backward() */
    ValueOp op;          /**< how this Value was made */
    struct Value *in[2]; /**< operands: in[0] for unary ops, in[0] and in[1] for binary; NULL when unused */
    double exponent;     /**< the constant k of VALUE_POW; 0 otherwise */
    const char *label;   /**< optional name shown in DOT graphs; not copied, must outlive the Value */
    int visited;         /**< scratch mark for value_topo_sort(); 0 outside a sort */
} Value;

/** A new leaf (input or parameter) holding @p data, grad 0. @p label may be NULL. */
Value *value_new(Arena *ar, double data, const char *label);

/**
 * The constructor every operation uses: a new Value holding @p data that
 * records it was made by @p op from @p a (and @p b; NULL for unary ops).
 */
Value *value_node(Arena *ar, ValueOp op, double data, Value *a, Value *b);

/** @name Primitive operations
 *  Each returns a new Value, made with value_node() in the arena `ar`, whose
 *  `data` is the result and whose `op` and `in[]` record how it was made. The local derivative of
 *  each is applied later by value_backward_step().
 *  @{ */
Value *value_add(Arena *ar, Value *a, Value *b); /**< a + b */
Value *value_mul(Arena *ar, Value *a, Value *b); /**< a * b */
Value *value_pow(Arena *ar, Value *a, double k); /**< a ^ k, k a constant; a must be > 0 unless k is an integer */
Value *value_exp(Arena *ar, Value *a);           /**< e ^ a */
Value *value_log(Arena *ar, Value *a);           /**< ln a, for a > 0 (NaN or -inf otherwise, as in C's log) */
Value *value_tanh(Arena *ar, Value *a);          /**< tanh a */
Value *value_relu(Arena *ar, Value *a);          /**< max(0, a); its derivative at 0 is taken as 0, as in PyTorch */
/** @} */

/** @name Composite operations
 *  Built from the primitives above, so they need no backward rule of their own.
 *  @{ */
Value *value_neg(Arena *ar, Value *a);           /**< -a, as a * (-1) */
Value *value_sub(Arena *ar, Value *a, Value *b); /**< a - b, as a + (-b) */
Value *value_div(Arena *ar, Value *a, Value *b); /**< a / b, as a * b^-1 */
/** @} */

/**
 * The chain rule at one node: add this node's contribution to the grads of
 * its inputs. With `out = f(a, b)` and `out->grad` = dL/d(out), it does
 * `a->grad += df/da * out->grad` (and the same for b). Leaves do nothing.
 * It must *add*, never assign: an input used by several nodes collects a
 * term from each.
 */
void value_backward_step(Value *out);

/**
 * List every Value that @p root depends on, @p root included, each exactly
 * once, in an order where every node comes after all of its inputs.
 *
 * @param ar     where the returned array is allocated
 * @param root   the output of the expression
 * @param count  receives the number of nodes
 * @return an array of `*count` pointers, inputs first and @p root last.
 *
 * Leaves every node's `visited` mark back at 0.
 */
Value **value_topo_sort(Arena *ar, Value *root, size_t *count);

/**
 * Backpropagation: set `root->grad = 1`, then apply value_backward_step()
 * to every node from @p root back to the leaves (reverse topological order),
 * so that afterwards each node's grad is d(root)/d(node).
 * Scratch memory (the node list) comes from @p ar.
 */
void value_backward(Arena *ar, Value *root);

/** Set the grad of @p root and every node below it to 0, so backward can run again. */
void value_zero_grad(Arena *ar, Value *root);

/** "+", "*", "tanh", ...: the short name of an operation, for printing. */
const char *value_op_name(ValueOp op);

/**
 * Write the graph below @p root as Graphviz DOT: one box per Value showing
 * its label, data and grad, one small node per operation. Render it with
 * `dot -Tpng graph.dot -o graph.png`.
 * @return 0 on success, -1 when writing failed (errno is set).
 */
int value_write_dot(FILE *out, Arena *ar, Value *root);

#endif
