/*
 * Day 1 tests. Each Criterion suite is one exercise (its name is the key for
 * `make hint-day1 EX=<suite>`); each message names the function at fault,
 * the input it was given, what was expected and what came.
 *
 * The backward tests put a known nonzero number in every input's grad before
 * the step: a rule that assigns (=) instead of adding (+=) loses it, and the
 * message says so. relu is also tested at exactly 0, its corner.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixture.h"
#include "testing.h"
#include "value.h"

#define TOL 1e-9 /* float64 arithmetic, done in a slightly different order than PyTorch */

static Arena ar;
static void setup(void) { arena_init(&ar, 0); }
static void teardown(void) { arena_free(&ar); }

/* Every suite gets a fresh arena and a time limit, so an endless loop fails one test. */
#define EXERCISE(name) TestSuite(name, .init = setup, .fini = teardown, .timeout = 10)
EXERCISE(add);
EXERCISE(mul);
EXERCISE(pow);
EXERCISE(exp);
EXERCISE(log);
EXERCISE(tanh);
EXERCISE(relu);
EXERCISE(composites);
EXERCISE(topo_sort);
EXERCISE(backward);
EXERCISE(pytorch);
EXERCISE(finite_diff);

/* What the tests put in an input's grad before a backward step ("held"). */
#define HELD_A 0.25
#define HELD_B (-0.5)

/* Run the chain rule at just `out`, with an upstream gradient `g`. */
static void local_backward(Value *out, double g) {
    out->grad = g;
    value_backward_step(out);
}

/*
 * After one backward step, @p v's grad must be what it held before (@p held)
 * plus the gradient of the step (@p want). @p fn names the backward rule,
 * @p what the input and the expression.
 */
static void expect_added(const Value *v, double held, double want, const char *fn, const char *what, const char *hint) {
    double got = v->grad;
    if (llmlab_close(got - held, want, TOL)) {
        cr_assert(1);
        return;
    }
    if (held != 0.0 && llmlab_close(got, want, TOL))
        cr_assert_fail("%s: %s: expected %.10g (what the grad held before) + %.10g (the gradient) = %.10g, "
                       "got %.10g\n  the gradient was assigned (=): add it (+=) to the input's grad, since a "
                       "Value used twice gets a gradient from both uses\n  hint: %s",
                       fn, what, held, want, held + want, got, hint);
    if (held != 0.0)
        cr_assert_fail("%s: %s: expected %.10g (what the grad held before) + %.10g (the gradient) = %.10g, "
                       "got %.10g, which is a gradient of %.10g (tolerance %g)\n  hint: %s",
                       fn, what, held, want, held + want, got, got - held, TOL, hint);
    cr_assert_fail("%s: %s: expected %.10g, got %.10g (tolerance %g)\n  hint: %s", fn, what, want, got, TOL, hint);
}

static void expect_node(const Value *v, ValueOp op, const Value *a, const Value *b, const char *fn) {
    cr_assert_not_null(v, "%s returned NULL\n  hint: return the node made by value_node()", fn);
    cr_assert(v->op == op,
              "%s: the node records op '%s', expected '%s'\n  hint: pass VALUE_... "
              "of this operation to value_node()",
              fn, value_op_name(v->op), value_op_name(op));
    cr_assert(v->in[0] == a && v->in[1] == b,
              "%s: the node's inputs are not the operands "
              "(in[0]=%p, in[1]=%p; expected %p, %p)\n  hint: in[0] is the first operand; "
              "unary ops leave in[1] NULL",
              fn, (void *)v->in[0], (void *)v->in[1], (const void *)a, (const void *)b);
}

/* ---- one operation at a time: forward value, then local derivative ---- */

Test(add, forward) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    Value *c = value_add(&ar, a, b);
    expect_node(c, VALUE_ADD, a, b, "value_add");
    EXPECT_NEAR(c->data, 1.0, TOL, "value_add(3, -2).data", "data is a->data + b->data");
}

Test(add, backward) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    local_backward(value_add(&ar, a, b), 1.5);
    expect_added(a, 0.0, 1.5, "add_backward", "grad of a in a+b with a=3, b=-2, upstream grad 1.5",
                 "d(a+b)/da = 1, so a->grad += 1 * out->grad");
    expect_added(b, 0.0, 1.5, "add_backward", "grad of b in a+b with a=3, b=-2, upstream grad 1.5",
                 "d(a+b)/db = 1, so b->grad += 1 * out->grad");
}

Test(add, accumulates) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    Value *c = value_add(&ar, a, b);
    a->grad = HELD_A; /* as if other uses of a and b had contributed already */
    b->grad = HELD_B;
    local_backward(c, 1.5);
    expect_added(a, HELD_A, 1.5, "add_backward", "grad of a in a+b with a=3, b=-2, upstream grad 1.5",
                 "use += : a Value used in several places collects every contribution");
    expect_added(b, HELD_B, 1.5, "add_backward", "grad of b in a+b with a=3, b=-2, upstream grad 1.5",
                 "use += : a Value used in several places collects every contribution");
}

Test(mul, forward) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    Value *c = value_mul(&ar, a, b);
    expect_node(c, VALUE_MUL, a, b, "value_mul");
    EXPECT_NEAR(c->data, -6.0, TOL, "value_mul(3, -2).data", "data is a->data * b->data");
}

Test(mul, backward) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    Value *c = value_mul(&ar, a, b);
    a->grad = HELD_A;
    b->grad = HELD_B;
    local_backward(c, 0.5);
    expect_added(a, HELD_A, -1.0, "mul_backward", "grad of a in a*b with a=3, b=-2, upstream grad 0.5",
                 "d(a*b)/da = b: a->grad += b->data * out->grad");
    expect_added(b, HELD_B, 1.5, "mul_backward", "grad of b in a*b with a=3, b=-2, upstream grad 0.5",
                 "d(a*b)/db = a: b->grad += a->data * out->grad");
}

Test(mul, same_value_twice) {
    /* a*a: in[0] and in[1] are the same Value, so both halves of the rule land in a->grad */
    Value *a = value_new(&ar, -1.5, "a");
    local_backward(value_mul(&ar, a, a), 1.0);
    expect_added(a, 0.0, -3.0, "mul_backward", "grad of a in a*a with a=-1.5 (a is both inputs)",
                 "a*a = a^2 has slope 2a: each of the two lines of the rule adds a*out->grad, and the "
                 "second must add (+=), not overwrite the first");
}

Test(pow, forward) {
    Value *a = value_new(&ar, 1.5, "a");
    Value *c = value_pow(&ar, a, 3.0);
    expect_node(c, VALUE_POW, a, NULL, "value_pow");
    EXPECT_NEAR(c->data, 3.375, TOL, "value_pow(1.5, 3).data", "data is pow(a->data, k)");
    EXPECT_NEAR(c->exponent, 3.0, 0.0, "value_pow(1.5, 3).exponent", "store k in the node: out->exponent = k");
}

Test(pow, backward) {
    Value *a = value_new(&ar, 1.5, "a");
    Value *c = value_pow(&ar, a, 3.0);
    a->grad = HELD_A;
    local_backward(c, 2.0);
    expect_added(a, HELD_A, 13.5, "pow_backward", "grad of a in a^3 with a=1.5, upstream grad 2",
                 "d(a^k)/da = k * a^(k-1) (the exponent drops by one), times out->grad");
    Value *b = value_new(&ar, 4.0, "b");
    Value *d = value_pow(&ar, b, -0.5);
    b->grad = HELD_B;
    local_backward(d, 1.0);
    expect_added(b, HELD_B, -0.0625, "pow_backward", "grad of b in b^-0.5 with b=4, upstream grad 1",
                 "the rule k * b^(k-1) holds for any constant k, negative and fractional too");
}

Test(exp, forward_and_backward) {
    Value *a = value_new(&ar, 0.7, "a");
    Value *c = value_exp(&ar, a);
    expect_node(c, VALUE_EXP, a, NULL, "value_exp");
    EXPECT_NEAR(c->data, 2.0137527074704766, TOL, "value_exp(0.7).data", "use exp() from math.h");
    a->grad = HELD_A;
    local_backward(c, 3.0);
    expect_added(a, HELD_A, 3.0 * 2.0137527074704766, "exp_backward", "grad of a in exp(a) with a=0.7, upstream grad 3",
                 "d(e^a)/da = e^a, which is out->data; multiply by out->grad");
}

Test(log, forward_and_backward) {
    Value *a = value_new(&ar, 2.5, "a");
    Value *c = value_log(&ar, a);
    expect_node(c, VALUE_LOG, a, NULL, "value_log");
    EXPECT_NEAR(c->data, 0.9162907318741551, TOL, "value_log(2.5).data", "use log() (natural log), not log10()");
    a->grad = HELD_A;
    local_backward(c, 2.0);
    expect_added(a, HELD_A, 0.8, "log_backward", "grad of a in log(a) with a=2.5, upstream grad 2",
                 "d(ln a)/da = 1/a: out->grad divided by the input's data (not the output's)");
}

Test(tanh, forward_and_backward) {
    Value *a = value_new(&ar, 0.5, "a");
    Value *c = value_tanh(&ar, a);
    expect_node(c, VALUE_TANH, a, NULL, "value_tanh");
    EXPECT_NEAR(c->data, 0.46211715726000974, TOL, "value_tanh(0.5).data", "use tanh() from math.h");
    a->grad = HELD_A;
    local_backward(c, 2.0);
    expect_added(a, HELD_A, 2.0 * (1 - 0.46211715726000974 * 0.46211715726000974), "tanh_backward",
                 "grad of a in tanh(a) with a=0.5, upstream grad 2",
                 "d(tanh a)/da = 1 - tanh(a)^2; tanh(a) is out->data, not a->data");
}

Test(relu, forward) {
    Value *pos = value_new(&ar, 1.25, "p"), *neg = value_new(&ar, -0.5, "n"), *zero = value_new(&ar, 0.0, "z");
    Value *rp = value_relu(&ar, pos), *rn = value_relu(&ar, neg), *rz = value_relu(&ar, zero);
    expect_node(rp, VALUE_RELU, pos, NULL, "value_relu");
    EXPECT_NEAR(rp->data, 1.25, TOL, "value_relu(1.25).data", "relu passes positive numbers through");
    EXPECT_NEAR(rn->data, 0.0, TOL, "value_relu(-0.5).data", "relu turns negative numbers into 0");
    EXPECT_NEAR(rz->data, 0.0, TOL, "value_relu(0).data", "max(0, 0) is 0");
}

Test(relu, backward) {
    Value *pos = value_new(&ar, 1.25, "p"), *neg = value_new(&ar, -0.5, "n");
    Value *rp = value_relu(&ar, pos), *rn = value_relu(&ar, neg);
    pos->grad = HELD_A;
    neg->grad = HELD_B;
    local_backward(rp, 3.0);
    local_backward(rn, 3.0);
    expect_added(pos, HELD_A, 3.0, "relu_backward", "grad of a in relu(a) with a=1.25, upstream grad 3",
                 "where a > 0 the slope is 1: add out->grad to a->grad");
    expect_added(neg, HELD_B, 0.0, "relu_backward", "grad of a in relu(a) with a=-0.5, upstream grad 3",
                 "where a < 0 the slope is 0: leave a->grad as it is");
}

Test(relu, backward_at_zero) {
    Value *zero = value_new(&ar, 0.0, "z");
    Value *rz = value_relu(&ar, zero);
    zero->grad = HELD_A;
    local_backward(rz, 3.0);
    expect_added(zero, HELD_A, 0.0, "relu_backward", "grad of a in relu(a) with a=0 exactly, upstream grad 3",
                 "at exactly 0 the course (like PyTorch) takes the slope as 0: test a > 0, not a >= 0");
}

Test(composites, values) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    EXPECT_NEAR(value_neg(&ar, a)->data, -3.0, TOL, "value_neg(3).data", "-a is a * (-1)");
    EXPECT_NEAR(value_sub(&ar, a, b)->data, 5.0, TOL, "value_sub(3, -2).data", "a - b is a + (-b)");
    EXPECT_NEAR(value_div(&ar, a, b)->data, -1.5, TOL, "value_div(3, -2).data", "a / b is a * b^-1");
}

Test(composites, built_from_primitives) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    Value *d = value_div(&ar, a, b), *s = value_sub(&ar, a, b), *n = value_neg(&ar, a);
    /* neg first: sub is built from it */
    cr_assert(n->op == VALUE_MUL,
              "value_neg made op '%s', expected '*'\n  hint: -a is "
              "value_mul(a, <a new leaf holding -1>); a leaf holding -a->data would cut the graph, "
              "and no gradient would reach a",
              value_op_name(n->op));
    Value *other = n->in[0] == a ? n->in[1] : n->in[0];
    cr_assert((n->in[0] == a || n->in[1] == a) && other != NULL && other->data == -1.0,
              "value_neg(a) is a '*', but not of a and a leaf holding -1\n  hint: value_mul(a, "
              "value_new(ar, -1, NULL)): then backward hands a the gradient -1 * out->grad");
    cr_assert(s->op == VALUE_ADD,
              "value_sub made op '%s', expected '+'\n  hint: a - b is "
              "value_add(a, value_neg(b))",
              value_op_name(s->op));
    cr_assert(s->in[0] == a && s->in[1] != b && s->in[1] != NULL && s->in[1]->op == VALUE_MUL &&
                  (s->in[1]->in[0] == b || s->in[1]->in[1] == b),
              "value_sub(a, b) must be value_add(a, value_neg(b)): its second input is %s\n  hint: a node "
              "'+' of a and b with data a - b computes the right number, but backward would hand b a "
              "gradient of +1 where d(a - b)/db = -1",
              s->in[1] == b ? "b itself" : "not -b");
    cr_assert(d->op == VALUE_MUL && d->in[1] != NULL && d->in[1]->op == VALUE_POW,
              "value_div made op '%s', expected a '*' whose second input is a 'pow'\n"
              "  hint: build a / b as value_mul(a, value_pow(b, -1)), so no new backward rule is "
              "needed",
              value_op_name(d->op));
    cr_assert(d->in[0] == a && d->in[1]->in[0] == b && d->in[1]->exponent == -1.0,
              "value_div(a, b) is a '*' of a 'pow', but not of a and b^-1\n  hint: value_mul(a, "
              "value_pow(b, -1)): the first input a itself, the second b raised to -1");
}

/* ---- the graph: order, then the full backward pass ---- */

/* position of v in order[0..n), or -1 */
static long index_of(Value **order, size_t n, const Value *v) {
    for (size_t i = 0; i < n; i++)
        if (order[i] == v) return (long)i;
    return -1;
}

Test(topo_sort, inputs_before_outputs) {
    Value *a = value_new(&ar, 1, "a"), *b = value_new(&ar, 2, "b");
    Value *c = value_mul(&ar, a, b), *d = value_add(&ar, c, a), *e = value_tanh(&ar, d);
    Value *nodes[] = {a, b, c, d, e};
    const char *names[] = {"a", "b", "a*b", "a*b + a", "tanh(a*b + a)"};
    size_t n = 0;
    Value **order = value_topo_sort(&ar, e, &n);
    cr_assert_not_null(order, "value_topo_sort of tanh(a*b + a) returned NULL\n  hint: return the "
                              "array of nodes (allocated in the arena)");
    cr_assert_eq(n, 5,
                 "value_topo_sort of tanh(a*b + a) gave %zu nodes, expected 5 (a, b, a*b, "
                 "a*b + a, tanh)\n  hint: every node exactly once, even a, which is used twice: "
                 "mark a node visited when you first reach it and skip marked nodes",
                 n);
    cr_assert(order[n - 1] == e, "value_topo_sort of tanh(a*b + a): the root must come last in the "
                                 "order\n  hint: append a node after its inputs (post-order)");
    for (int i = 0; i < 5; i++)
        cr_assert(index_of(order, n, nodes[i]) >= 0,
                  "value_topo_sort of tanh(a*b + a): node %s is "
                  "missing from the order\n  hint: visit both inputs, in[0] and in[1], of every node",
                  names[i]);
    cr_assert(index_of(order, n, c) > index_of(order, n, a) && index_of(order, n, c) > index_of(order, n, b) &&
                  index_of(order, n, d) > index_of(order, n, c) && index_of(order, n, e) > index_of(order, n, d),
              "value_topo_sort of tanh(a*b + a): a node comes before one of its inputs\n  hint: visit "
              "all inputs first, then append the node itself");
}

Test(topo_sort, resets_marks) {
    Value *a = value_new(&ar, 1, "a");
    Value *c = value_add(&ar, a, a);
    size_t n1 = 0, n2 = 0;
    value_topo_sort(&ar, c, &n1);
    cr_assert(a->visited == 0 && c->visited == 0,
              "value_topo_sort of a+a left `visited` marks set "
              "(a: %d, a+a: %d)\n  hint: set every listed node's visited back to 0 before returning, "
              "or the next sort of this graph (value_backward after value_zero_grad) finds nothing",
              a->visited, c->visited);
    value_topo_sort(&ar, c, &n2);
    cr_assert(n1 == 2 && n2 == 2,
              "value_topo_sort of a+a gave %zu nodes, then %zu the second time; "
              "expected 2 and 2\n  hint: a appears twice as an input but once in the order",
              n1, n2);
}

Test(topo_sort, deep_chain) {
    /* 20,000 nodes in a line: a depth-first search must not lose any of them */
    Value *x = value_new(&ar, 0.0, "x"), *v = x;
    Value *one = value_new(&ar, 1.0, "one");
    for (int i = 0; i < 20000; i++) v = value_add(&ar, v, one);
    size_t n = 0;
    Value **order = value_topo_sort(&ar, v, &n);
    cr_assert_eq(n, 20002,
                 "value_topo_sort of x + one + one + ... (20000 additions) listed %zu "
                 "nodes, expected 20002 (x, one and the 20000 sums)\n  hint: `one` is an input of "
                 "every sum but goes in the order once",
                 n);
    cr_assert(order[n - 1] == v && (order[0] == x || order[0] == one),
              "value_topo_sort of a chain of additions: the leaves must come first and the last "
              "addition last");
}

Test(backward, single_use) {
    Value *a = value_new(&ar, 2.0, "a"), *b = value_new(&ar, -3.0, "b");
    Value *y = value_tanh(&ar, value_mul(&ar, a, b));
    value_backward(&ar, y);
    double t = tanh(-6.0);
    EXPECT_NEAR(y->grad, 1.0, TOL, "value_backward: root->grad after the pass on y = tanh(a*b)",
                "d root / d root = 1: set root->grad = 1 before walking the graph");
    EXPECT_NEAR(a->grad, (1 - t * t) * -3.0, TOL, "value_backward: dy/da for y = tanh(a*b) with a=2, b=-3",
                "walk the order from the root (last) down to the leaves (first), calling "
                "value_backward_step on each node; the op tests check each rule alone");
    EXPECT_NEAR(b->grad, (1 - t * t) * 2.0, TOL, "value_backward: dy/db for y = tanh(a*b) with a=2, b=-3",
                "call value_backward_step on every node, root first");
}

Test(backward, sets_root_grad_to_one) {
    Value *a = value_new(&ar, 2.0, "a"), *b = value_new(&ar, -3.0, "b");
    Value *y = value_mul(&ar, a, b);
    y->grad = 0.5; /* whatever the root held before: backward starts from d y / d y = 1 */
    value_backward(&ar, y);
    EXPECT_NEAR(y->grad, 1.0, TOL,
                "value_backward: root->grad after the pass on y = a*b, when it held "
                "0.5 before",
                "set root->grad = 1 (=, not +=): d root / d root is 1 whatever it held");
    EXPECT_NEAR(a->grad, -3.0, TOL,
                "value_backward: dy/da for y = a*b with a=2, b=-3, when y->grad held 0.5 "
                "before",
                "set root->grad = 1 (=, not +=) before the first value_backward_step");
}

Test(backward, reused_node) {
    Value *a = value_new(&ar, 3.0, "a");
    value_backward(&ar, value_add(&ar, a, a));
    EXPECT_NEAR(a->grad, 2.0, TOL, "value_backward: d(a+a)/da with a=3",
                "a is both inputs of the +: its grad gets 1 twice (add_backward adds, and the node "
                "is once in the order)");
    Value *b = value_new(&ar, -1.5, "b");
    value_backward(&ar, value_mul(&ar, b, b));
    EXPECT_NEAR(b->grad, -3.0, TOL, "value_backward: d(b*b)/db with b=-1.5",
                "b*b = b^2, so the grad is 2b: mul_backward must add (+=) both halves");
}

Test(backward, shared_subexpression) {
    /* c = a*b feeds two nodes: its grad must be complete before it passes it on */
    Value *a = value_new(&ar, 1.5, "a"), *b = value_new(&ar, 2.0, "b");
    Value *c = value_mul(&ar, a, b);
    Value *y = value_add(&ar, value_tanh(&ar, c), value_mul(&ar, c, c)); /* tanh(c) + c^2 */
    value_backward(&ar, y);
    double t = tanh(3.0), dc = (1 - t * t) + 2 * 3.0;
    EXPECT_NEAR(c->grad, dc, TOL, "value_backward: dy/dc for y = tanh(c) + c*c, c = a*b with a=1.5, b=2",
                "c collects from both of its users (each backward rule adds with +=); process c only "
                "after both users (topological order, walked from the root)");
    EXPECT_NEAR(a->grad, dc * 2.0, TOL, "value_backward: dy/da for y = tanh(a*b) + (a*b)^2 with a=1.5, b=2",
                "a node's grad must be final before value_backward_step passes it down: each node "
                "once, in reverse topological order");
}

Test(backward, deep_chain) {
    Value *x = value_new(&ar, 0.0, "x"), *v = x;
    Value *one = value_new(&ar, 1.0, "one");
    for (int i = 0; i < 20000; i++) v = value_add(&ar, v, one);
    value_backward(&ar, v);
    EXPECT_NEAR(x->grad, 1.0, TOL, "value_backward: d/dx of x + one + one + ... (20000 additions)",
                "every link of the chain passes the gradient on unchanged");
    EXPECT_NEAR(one->grad, 20000.0, TOL, "value_backward: d/d(one) where `one` is added 20000 times",
                "a leaf used 20000 times collects 20000 contributions (add_backward adds with +=)");
}

/* ---- whole expressions, against PyTorch and against finite differences ---- */

typedef Value *(*BuildFn)(Value **in);
typedef struct Expression {
    const char *name;
    const char *text;      /* the formula, shown in every message about it */
    const char *inputs[5]; /* its inputs, in the order build() reads them */
    BuildFn build;
    int corner; /* 1: a relu gets exactly 0, where only the convention (slope 0) decides */
} Expression;

static Value *build_neuron(Value **v) { /* v = x1 x2 w1 w2 b */
    Value *s = value_add(&ar, value_mul(&ar, v[2], v[0]), value_mul(&ar, v[3], v[1]));
    return value_tanh(&ar, value_add(&ar, s, v[4]));
}

static Value *build_softplus_mix(Value **v) {
    Value *one = value_new(&ar, 1.0, "1");
    Value *sp = value_log(&ar, value_add(&ar, one, value_exp(&ar, value_mul(&ar, v[0], v[1]))));
    Value *q = value_div(&ar, sp, value_sub(&ar, v[1], v[2]));
    return value_add(&ar, q, value_mul(&ar, value_relu(&ar, v[2]), value_pow(&ar, v[0], 3.0)));
}

static Value *build_reuse(Value **v) {
    Value *a = v[0], *b = v[1];
    Value *s = value_add(&ar, value_mul(&ar, a, a), value_mul(&ar, a, b));
    return value_add(&ar, s, value_mul(&ar, value_exp(&ar, value_sub(&ar, b, a)), a));
}

static Value *build_dead_relu(Value **v) {
    Value *a = v[0], *b = v[1], *c = v[2];
    Value *l = value_mul(&ar, value_relu(&ar, value_sub(&ar, a, b)), c);
    Value *r = value_mul(&ar, value_mul(&ar, value_relu(&ar, value_sub(&ar, b, a)), c), c);
    return value_add(&ar, l, r);
}

static Value *build_bce(Value **v) {
    Value *w = v[0], *x = v[1], *b = v[2], *t = v[3];
    Value *one = value_new(&ar, 1.0, "1");
    Value *z = value_add(&ar, value_mul(&ar, w, x), b);
    Value *p = value_div(&ar, one, value_add(&ar, one, value_exp(&ar, value_neg(&ar, z))));
    Value *pos = value_mul(&ar, t, value_log(&ar, p));
    Value *neg = value_mul(&ar, value_sub(&ar, one, t), value_log(&ar, value_sub(&ar, one, p)));
    return value_neg(&ar, value_add(&ar, pos, neg));
}

static Value *build_relu_corner(Value **v) {
    Value *a = v[0], *b = v[1], *c = v[2];
    Value *l = value_mul(&ar, value_relu(&ar, value_mul(&ar, a, b)), c);
    return value_add(&ar, l, value_relu(&ar, value_sub(&ar, c, a)));
}

/* Keep in sync with day01_expressions() in tools/make_fixtures.py (the inputs' values live there). */
static const Expression EXPRESSIONS[] = {
    {"neuron", "tanh(w1*x1 + w2*x2 + b)", {"x1", "x2", "w1", "w2", "b"}, build_neuron, 0},
    {"softplus_mix", "log(1 + exp(a*b)) / (b - c) + relu(c) * a^3", {"a", "b", "c"}, build_softplus_mix, 0},
    {"reuse", "a*a + a*b + exp(b - a) * a", {"a", "b"}, build_reuse, 0},
    {"dead_relu", "relu(a - b) * c + relu(b - a) * c * c", {"a", "b", "c"}, build_dead_relu, 0},
    {"bce", "-(t*log(p) + (1 - t)*log(1 - p)), p = 1 / (1 + exp(-(w*x + b)))", {"w", "x", "b", "t"}, build_bce, 0},
    {"relu_corner", "relu(a*b) * c + relu(c - a)", {"a", "b", "c"}, build_relu_corner, 1},
};
enum { N_EXPRESSIONS = sizeof EXPRESSIONS / sizeof EXPRESSIONS[0] };

static int count_inputs(const Expression *e) {
    int n = 0;
    while (n < 5 && e->inputs[n] != NULL) n++;
    return n;
}

/* The fixture's value of input k of e. */
static double input_value(const Fixture *fx, const Expression *e, int k) {
    char key[64];
    snprintf(key, sizeof key, "%s.%s", e->name, e->inputs[k]);
    return fixture_scalar(fx, key);
}

/* "softplus_mix = log(1 + exp(a*b)) / ..., at a=1.2, b=-0.7, c=2.5" */
static void describe(const Expression *e, const double *x, char *buf, size_t size) {
    int len = snprintf(buf, size, "%s = %s, at ", e->name, e->text);
    for (int k = 0; k < count_inputs(e) && len > 0 && (size_t)len < size; k++)
        len += snprintf(buf + len, size - (size_t)len, "%s%s=%g", k ? ", " : "", e->inputs[k], x[k]);
}

/* The ops of the nodes between x and v (x excluded), as bits 1 << op; REACHES when v depends on x. */
#define REACHES (1u << 31)
static unsigned ops_between(const Value *v, const Value *x) {
    if (v == x) return REACHES;
    if (v == NULL || v->op == VALUE_LEAF) return 0;
    unsigned r = ops_between(v->in[0], x) | ops_between(v->in[1], x);
    return (r & REACHES) ? r | (1u << v->op) : r;
}

/* "mul_backward, tanh_backward": the backward rules a gradient from root to x goes through. */
static void rules_on_path(const Value *root, const Value *x, char *buf, size_t size) {
    static const char *rule[] = {
        [VALUE_ADD] = "add_backward",   [VALUE_MUL] = "mul_backward", [VALUE_POW] = "pow_backward",
        [VALUE_EXP] = "exp_backward",   [VALUE_LOG] = "log_backward", [VALUE_TANH] = "tanh_backward",
        [VALUE_RELU] = "relu_backward",
    };
    unsigned ops = ops_between(root, x);
    size_t len = 0;
    buf[0] = '\0';
    for (int op = VALUE_ADD; op <= VALUE_RELU && len < size; op++)
        if (ops & (1u << op)) len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", rule[op]);
}

/* Leaves holding the fixture's inputs of e; their values go to x. */
static int make_inputs(const Fixture *fx, const Expression *e, Value **in, double *x) {
    int n = count_inputs(e);
    for (int k = 0; k < n; k++) {
        x[k] = input_value(fx, e, k);
        in[k] = value_new(&ar, x[k], e->inputs[k]);
    }
    return n;
}

Test(pytorch, values_and_gradients) {
    Fixture fx;
    fixture_load(&fx, FIXTURE_PATH("day01_autograd", "expressions.bin"));
    char key[64], expr[256], rules[160];
    for (int i = 0; i < N_EXPRESSIONS; i++) {
        const Expression *e = &EXPRESSIONS[i];
        Value *in[5];
        double x[5];
        int n = make_inputs(&fx, e, in, x);
        describe(e, x, expr, sizeof expr);
        Value *y = e->build(in);
        snprintf(key, sizeof key, "%s.out", e->name);
        double want = fixture_scalar(&fx, key);
        cr_assert(llmlab_close(y->data, want, TOL),
                  "expression %s: value: expected %.10g (PyTorch), got %.10g (tolerance %g)\n"
                  "  hint: a forward rule (value_add ... value_relu, value_neg/sub/div) is off: the op "
                  "tests narrow it down",
                  expr, want, y->data, TOL);
        value_backward(&ar, y);
        for (int k = 0; k < n; k++) {
            snprintf(key, sizeof key, "%s.grad.%s", e->name, e->inputs[k]);
            want = fixture_scalar(&fx, key);
            rules_on_path(y, in[k], rules, sizeof rules);
            cr_assert(llmlab_close(in[k]->grad, want, TOL),
                      "expression %s: d out / d %s: expected %.10g (PyTorch's autograd), got %.10g "
                      "(tolerance %g)\n  the gradient of %s goes through %s: check those rules (each adds "
                      "with +=); if the op tests pass, check value_backward and value_topo_sort (each "
                      "node once, walked from the root down)\n  hint: %s",
                      expr, e->inputs[k], want, in[k]->grad, TOL, e->inputs[k], rules,
                      e->corner ? "a relu here gets exactly 0, where its slope is taken as 0 (PyTorch's "
                                  "choice too): relu_backward must test a > 0, not a >= 0"
                                : "finite_diff checks the same gradients without PyTorch");
        }
    }
    fixture_free(&fx);
}

Test(finite_diff, every_expression) {
    /* The same expressions at the same inputs as the pytorch test, checked without PyTorch:
     * the central difference (f(x+h) - f(x-h)) / 2h is off by about h^2 times the third
     * derivative, plus rounding: under 1e-9 here with h = 1e-5, well within the tolerance.
     * An expression with a relu at its corner is left to PyTorch: there a finite difference
     * sees half the slope. */
    const double h = 1e-5, tol = 1e-6;
    Fixture fx;
    fixture_load(&fx, FIXTURE_PATH("day01_autograd", "expressions.bin"));
    char expr[256], rules[160];
    for (int i = 0; i < N_EXPRESSIONS; i++) {
        const Expression *e = &EXPRESSIONS[i];
        if (e->corner) continue;
        Value *in[5];
        double x[5];
        int n = make_inputs(&fx, e, in, x);
        describe(e, x, expr, sizeof expr);
        Value *y = e->build(in);
        value_backward(&ar, y);
        for (int k = 0; k < n; k++) {
            Value *plus[5], *minus[5];
            for (int j = 0; j < n; j++) {
                plus[j] = value_new(&ar, x[j] + (j == k ? h : 0), NULL);
                minus[j] = value_new(&ar, x[j] - (j == k ? h : 0), NULL);
            }
            double numeric = (e->build(plus)->data - e->build(minus)->data) / (2 * h);
            rules_on_path(y, in[k], rules, sizeof rules);
            cr_assert(llmlab_close(in[k]->grad, numeric, tol),
                      "expression %s: d out / d %s: expected about %.10g, got %.10g (tolerance %g)\n"
                      "  the expected value is a finite-difference estimate, (out(%s+h) - out(%s-h)) / 2h "
                      "with h = %g: an approximation good to about 1e-9, hence the looser tolerance "
                      "(pytorch/values_and_gradients compares the same gradient with PyTorch's exact "
                      "value)\n  the gradient of %s goes through %s: check those rules (each adds with "
                      "+=), then value_backward\n  hint: nudging the input disagrees with your gradient",
                      expr, e->inputs[k], numeric, in[k]->grad, tol, e->inputs[k], e->inputs[k], h, e->inputs[k],
                      rules);
        }
    }
    fixture_free(&fx);
}
