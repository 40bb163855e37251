/*
 * Day 1: a scalar autograd engine.
 *
 * Read value.h first: it says what each function must do. Your part of each
 * function is marked TODO; everything else is given. Grade your work with
 * `make check-day1`, ask for a hint with `make hint-day1`.
 *
 * The engine in one breath: each operation computes its result (forward) and
 * remembers its inputs; backward walks the graph from the output to the
 * inputs, and at each node multiplies the incoming gradient by the node's
 * local derivative (the chain rule), adding it into the inputs' gradients.
 */
#include "value.h"

#include <math.h>

#include "check.h"
#include "todo.h"

Value *value_new(Arena *ar, double data, const char *label) {
    Value *v = arena_alloc(ar, sizeof *v); /* zero-filled: grad 0, op VALUE_LEAF, no inputs */
    v->data = data;
    v->label = label;
    return v;
}

Value *value_node(Arena *ar, ValueOp op, double data, Value *a, Value *b) {
    Value *v = value_new(ar, data, NULL);
    v->op = op;
    v->in[0] = a;
    v->in[1] = b;
    return v;
}

/* ---- Forward: each operation computes its value and records its inputs ---- */

Value *value_add(Arena *ar, Value *a, Value *b) {
    /* TODO(day1): return value_node(ar, VALUE_ADD, <the sum of a's and b's data>, a, b). */
    TODO_UNIMPLEMENTED();
}

Value *value_mul(Arena *ar, Value *a, Value *b) {
    /* TODO(day1): like value_add, for the product; record VALUE_MUL. */
    TODO_UNIMPLEMENTED();
}

Value *value_pow(Arena *ar, Value *a, double k) {
    /* TODO(day1): a node for a^k (pow() from math.h) with one input, a; store k in
       the node's `exponent` field: backward needs it. */
    TODO_UNIMPLEMENTED();
}

Value *value_exp(Arena *ar, Value *a) {
    /* TODO(day1): a node for e^a, one input. */
    TODO_UNIMPLEMENTED();
}

Value *value_log(Arena *ar, Value *a) {
    /* TODO(day1): a node for the natural logarithm of a, one input. */
    TODO_UNIMPLEMENTED();
}

Value *value_tanh(Arena *ar, Value *a) {
    /* TODO(day1): a node for tanh(a), one input. */
    TODO_UNIMPLEMENTED();
}

Value *value_relu(Arena *ar, Value *a) {
    /* TODO(day1): a node for max(0, a), one input. */
    TODO_UNIMPLEMENTED();
}

/* ---- Composites: no new calculus, only the primitives above ---- */

Value *value_neg(Arena *ar, Value *a) {
    /* TODO(day1): -a as a times a new leaf holding -1. */
    TODO_UNIMPLEMENTED();
}

Value *value_sub(Arena *ar, Value *a, Value *b) {
    /* TODO(day1): a - b as a + (-b). */
    TODO_UNIMPLEMENTED();
}

Value *value_div(Arena *ar, Value *a, Value *b) {
    /* TODO(day1): a / b as a * b^-1. */
    TODO_UNIMPLEMENTED();
}

/* ---- Backward: the local derivative of each operation ----
 * Each function below sees out = f(inputs) with out->grad = dL/d(out) already
 * final, and adds dL/d(input) = df/d(input) * out->grad to every input's grad.
 * Always +=: an input used twice must collect both contributions. */

/* out = a + b */
static void add_backward(Value *out) {
    /* TODO(day1): d(a+b)/da = 1 and d(a+b)/db = 1: add 1 * out->grad to the grad
       of each input, out->in[0] and out->in[1] (+=, never =). */
    TODO_UNIMPLEMENTED();
}

/* out = a * b */
static void mul_backward(Value *out) {
    /* TODO(day1): d(a*b)/da = b and d(a*b)/db = a (use the inputs' data). Add each,
       times out->grad, to the grad of its input (a = out->in[0], b = out->in[1]).
       In a*a both are the same Value, which then gets both terms. */
    TODO_UNIMPLEMENTED();
}

/* out = a ^ k */
static void pow_backward(Value *out) {
    /* TODO(day1): d(a^k)/da = k * a^(k-1); k is out->exponent, a is out->in[0].
       Add it, times out->grad, to a's grad. */
    TODO_UNIMPLEMENTED();
}

/* out = e ^ a */
static void exp_backward(Value *out) {
    /* TODO(day1): d(e^a)/da = e^a, which is already computed: out->data. Add it,
       times out->grad, to the input's grad. */
    TODO_UNIMPLEMENTED();
}

/* out = ln a */
static void log_backward(Value *out) {
    /* TODO(day1): d(ln a)/da = 1 / a, where a is the input's data (out->in[0]),
       not the output's. Add it, times out->grad, to the input's grad. */
    TODO_UNIMPLEMENTED();
}

/* out = tanh a */
static void tanh_backward(Value *out) {
    /* TODO(day1): d(tanh a)/da = 1 - tanh(a)^2, and tanh(a) is out->data. Add it,
       times out->grad, to the input's grad. */
    TODO_UNIMPLEMENTED();
}

/* out = max(0, a) */
static void relu_backward(Value *out) {
    /* TODO(day1): the slope is 1 where a > 0 and 0 elsewhere, at a = 0 too (as in
       PyTorch): only when the input's data is > 0, add out->grad to its grad. */
    TODO_UNIMPLEMENTED();
}

void value_backward_step(Value *out) {
    switch (out->op) {
    case VALUE_LEAF:
        return; /* inputs and parameters: nothing below them */
    case VALUE_ADD:
        add_backward(out);
        return;
    case VALUE_MUL:
        mul_backward(out);
        return;
    case VALUE_POW:
        pow_backward(out);
        return;
    case VALUE_EXP:
        exp_backward(out);
        return;
    case VALUE_LOG:
        log_backward(out);
        return;
    case VALUE_TANH:
        tanh_backward(out);
        return;
    case VALUE_RELU:
        relu_backward(out);
        return;
    }
    LLMLAB_DIE("was the Value made by value_new() or an op?", "unknown op %d", (int)out->op);
}

/* ---- The whole graph: order, then the chain rule node by node ---- */

Value **value_topo_sort(Arena *ar, Value *root, size_t *count) {
    /* TODO(day1): depth-first search from root. Put a node in the output only
       after all of its inputs are in it (post-order), and use `visited` so each
       node goes in once. Reset every `visited` to 0 before returning. Write it
       first as a recursive helper (a static function you add): the tests go
       20,000 nodes deep, which recursion survives. Study note 04 shows why a
       million-node chain would not, and the explicit stack that fixes it
       (what the reference does; an experiment of the README). The returned
       array comes from the arena (arena_alloc): count the nodes in a first
       pass, or grow the array as you go. */
    TODO_UNIMPLEMENTED();
}

void value_backward(Arena *ar, Value *root) {
    /* TODO(day1): sort the graph, set root's grad to 1 (d root / d root: set it,
       whatever it held), then call value_backward_step on every node of the
       order from the last (root) to the first. */
    TODO_UNIMPLEMENTED();
}

void value_zero_grad(Arena *ar, Value *root) {
    size_t n;
    Value **order = value_topo_sort(ar, root, &n);
    for (size_t i = 0; i < n; i++) order[i]->grad = 0.0;
}

const char *value_op_name(ValueOp op) {
    switch (op) {
    case VALUE_LEAF:
        return "leaf";
    case VALUE_ADD:
        return "+";
    case VALUE_MUL:
        return "*";
    case VALUE_POW:
        return "pow";
    case VALUE_EXP:
        return "exp";
    case VALUE_LOG:
        return "log";
    case VALUE_TANH:
        return "tanh";
    case VALUE_RELU:
        return "relu";
    }
    return "?";
}

int value_write_dot(FILE *out, Arena *ar, Value *root) {
    size_t n;
    Value **order = value_topo_sort(ar, root, &n);
    int bad = fprintf(out, "digraph autograd {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n") < 0;
    for (size_t i = 0; i < n; i++) {
        const Value *v = order[i];
        /* a record box per Value; its address makes a unique node id */
        bad |= fprintf(out, "  v%p [shape=record, label=\"{ %s | data %.4f | grad %.4f }\"];\n", (const void *)v,
                       v->label ? v->label : "", v->data, v->grad) < 0;
        if (v->op == VALUE_LEAF) continue;
        if (v->op == VALUE_POW)
            bad |= fprintf(out, "  op%p [shape=ellipse, label=\"pow %g\"];\n", (const void *)v, v->exponent) < 0;
        else
            bad |= fprintf(out, "  op%p [shape=ellipse, label=\"%s\"];\n", (const void *)v, value_op_name(v->op)) < 0;
        bad |= fprintf(out, "  op%p -> v%p;\n", (const void *)v, (const void *)v) < 0;
        for (int k = 0; k < 2; k++)
            if (v->in[k] != NULL) bad |= fprintf(out, "  v%p -> op%p;\n", (const void *)v->in[k], (const void *)v) < 0;
    }
    bad |= fprintf(out, "}\n") < 0;
    return bad ? -1 : 0;
}
