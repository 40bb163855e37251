/*
 * Day 1 tests. Each Criterion suite is one exercise (its name is the key for
 * `make hint-day1 EX=<suite>`); each test names what it checked and how to fix it.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixture.h"
#include "testing.h"
#include "value.h"

#define TOL 1e-9  /* float64 arithmetic, done in a slightly different order than PyTorch */

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

/* Run the chain rule at just `out`, with an upstream gradient `g`. */
static void local_backward(Value *out, double g) {
    out->grad = g;
    value_backward_step(out);
}

static void expect_node(const Value *v, ValueOp op, const Value *a, const Value *b,
                        const char *fn) {
    cr_assert_not_null(v, "%s returned NULL\n  hint: return the node made by value_node()", fn);
    cr_assert(v->op == op, "%s: the node records op '%s', expected '%s'\n  hint: pass VALUE_... "
              "of this operation to value_node()", fn, value_op_name(v->op), value_op_name(op));
    cr_assert(v->in[0] == a && v->in[1] == b, "%s: the node's inputs are not the operands "
              "(in[0]=%p, in[1]=%p; expected %p, %p)\n  hint: in[0] is the first operand; "
              "unary ops leave in[1] NULL", fn, (void *)v->in[0], (void *)v->in[1],
              (const void *)a, (const void *)b);
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
    EXPECT_NEAR(a->grad, 1.5, TOL, "grad of a in a+b, upstream grad 1.5",
                "d(a+b)/da = 1, so a->grad += 1 * out->grad");
    EXPECT_NEAR(b->grad, 1.5, TOL, "grad of b in a+b, upstream grad 1.5",
                "d(a+b)/db = 1, so b->grad += 1 * out->grad");
}

Test(add, accumulates) {
    Value *a = value_new(&ar, 3.0, "a"), *b = value_new(&ar, -2.0, "b");
    a->grad = 10.0;  /* as if another use of a had contributed already */
    local_backward(value_add(&ar, a, b), 1.0);
    EXPECT_NEAR(a->grad, 11.0, TOL, "a->grad that held 10 before the step of a+b",
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
    local_backward(value_mul(&ar, a, b), 0.5);
    EXPECT_NEAR(a->grad, -1.0, TOL, "grad of a in a*b, a=3, b=-2, upstream 0.5",
                "d(a*b)/da = b: a->grad += b->data * out->grad");
    EXPECT_NEAR(b->grad, 1.5, TOL, "grad of b in a*b, a=3, b=-2, upstream 0.5",
                "d(a*b)/db = a: b->grad += a->data * out->grad");
}

Test(pow, forward) {
    Value *a = value_new(&ar, 1.5, "a");
    Value *c = value_pow(&ar, a, 3.0);
    expect_node(c, VALUE_POW, a, NULL, "value_pow");
    EXPECT_NEAR(c->data, 3.375, TOL, "value_pow(1.5, 3).data", "data is pow(a->data, k)");
    EXPECT_NEAR(c->exponent, 3.0, 0.0, "value_pow(1.5, 3).exponent",
                "store k in the node: out->exponent = k");
}

Test(pow, backward) {
    Value *a = value_new(&ar, 1.5, "a");
    local_backward(value_pow(&ar, a, 3.0), 2.0);
    EXPECT_NEAR(a->grad, 13.5, TOL, "grad of a in a^3, a=1.5, upstream 2",
                "d(a^k)/da = k * a^(k-1), times out->grad");
    Value *b = value_new(&ar, 4.0, "b");
    local_backward(value_pow(&ar, b, -0.5), 1.0);
    EXPECT_NEAR(b->grad, -0.0625, TOL, "grad of b in b^-0.5, b=4",
                "the rule holds for any constant k, negative and fractional too");
}

Test(exp, forward_and_backward) {
    Value *a = value_new(&ar, 0.7, "a");
    Value *c = value_exp(&ar, a);
    expect_node(c, VALUE_EXP, a, NULL, "value_exp");
    EXPECT_NEAR(c->data, 2.0137527074704766, TOL, "value_exp(0.7).data", "use exp() from math.h");
    local_backward(c, 3.0);
    EXPECT_NEAR(a->grad, 3.0 * 2.0137527074704766, TOL, "grad of a in exp(a), a=0.7, upstream 3",
                "d(e^a)/da = e^a, which is out->data; multiply by out->grad");
}

Test(log, forward_and_backward) {
    Value *a = value_new(&ar, 2.5, "a");
    Value *c = value_log(&ar, a);
    expect_node(c, VALUE_LOG, a, NULL, "value_log");
    EXPECT_NEAR(c->data, 0.9162907318741551, TOL, "value_log(2.5).data",
                "use log() (natural log), not log10()");
    local_backward(c, 1.0);
    EXPECT_NEAR(a->grad, 0.4, TOL, "grad of a in log(a), a=2.5",
                "d(ln a)/da = 1/a: divide out->grad by the input's data (not the output's)");
}

Test(tanh, forward_and_backward) {
    Value *a = value_new(&ar, 0.5, "a");
    Value *c = value_tanh(&ar, a);
    expect_node(c, VALUE_TANH, a, NULL, "value_tanh");
    EXPECT_NEAR(c->data, 0.46211715726000974, TOL, "value_tanh(0.5).data", "use tanh() from math.h");
    local_backward(c, 2.0);
    EXPECT_NEAR(a->grad, 2.0 * (1 - 0.46211715726000974 * 0.46211715726000974), TOL,
                "grad of a in tanh(a), a=0.5, upstream 2",
                "d(tanh a)/da = 1 - tanh(a)^2; tanh(a) is out->data, not a->data");
}

Test(relu, forward) {
    Value *pos = value_new(&ar, 1.25, "p"), *neg = value_new(&ar, -0.5, "n");
    Value *rp = value_relu(&ar, pos), *rn = value_relu(&ar, neg);
    expect_node(rp, VALUE_RELU, pos, NULL, "value_relu");
    EXPECT_NEAR(rp->data, 1.25, TOL, "value_relu(1.25).data", "relu passes positive numbers through");
    EXPECT_NEAR(rn->data, 0.0, TOL, "value_relu(-0.5).data", "relu turns negative numbers into 0");
}

Test(relu, backward) {
    Value *pos = value_new(&ar, 1.25, "p"), *neg = value_new(&ar, -0.5, "n"), *zero = value_new(&ar, 0.0, "z");
    local_backward(value_relu(&ar, pos), 3.0);
    local_backward(value_relu(&ar, neg), 3.0);
    local_backward(value_relu(&ar, zero), 3.0);
    EXPECT_NEAR(pos->grad, 3.0, TOL, "grad of a in relu(a), a=1.25, upstream 3",
                "where a > 0 the slope is 1: pass out->grad through");
    EXPECT_NEAR(neg->grad, 0.0, TOL, "grad of a in relu(a), a=-0.5",
                "where a < 0 the slope is 0: add nothing");
    EXPECT_NEAR(zero->grad, 0.0, TOL, "grad of a in relu(a), a=0",
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
    cr_assert(d->op == VALUE_MUL && d->in[1] != NULL && d->in[1]->op == VALUE_POW,
              "value_div made op '%s', expected a '*' whose second input is a 'pow'\n"
              "  hint: build a / b as value_mul(a, value_pow(b, -1)), so no new backward rule is "
              "needed", value_op_name(d->op));
    cr_assert(s->op == VALUE_ADD, "value_sub made op '%s', expected '+'\n  hint: a - b is "
              "value_add(a, value_neg(b))", value_op_name(s->op));
    cr_assert(n->op == VALUE_MUL, "value_neg made op '%s', expected '*'\n  hint: -a is "
              "value_mul(a, <a new leaf holding -1>)", value_op_name(n->op));
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
    size_t n = 0;
    Value **order = value_topo_sort(&ar, e, &n);
    cr_assert_eq(n, 5, "value_topo_sort of tanh(a*b + a) gave %zu nodes, expected 5 (a, b, a*b, "
                 "a*b+a, tanh)\n  hint: every node exactly once, even a, which is used twice: "
                 "mark nodes visited", n);
    cr_assert(order[n - 1] == e, "the root must come last in the order\n  hint: append a node "
              "after its inputs (post-order)");
    for (int i = 0; i < 5; i++)
        cr_assert(index_of(order, n, nodes[i]) >= 0, "node %s is missing from the order",
                  nodes[i]->label ? nodes[i]->label : value_op_name(nodes[i]->op));
    cr_assert(index_of(order, n, c) > index_of(order, n, a) &&
                  index_of(order, n, c) > index_of(order, n, b) &&
                  index_of(order, n, d) > index_of(order, n, c) &&
                  index_of(order, n, e) > index_of(order, n, d),
              "a node comes before one of its inputs\n  hint: visit all inputs first, then append "
              "the node itself");
}

Test(topo_sort, resets_marks) {
    Value *a = value_new(&ar, 1, "a");
    Value *c = value_add(&ar, a, a);
    size_t n1 = 0, n2 = 0;
    value_topo_sort(&ar, c, &n1);
    cr_assert(a->visited == 0 && c->visited == 0, "`visited` marks were left set after the sort\n"
              "  hint: clear them before returning, or the next sort of this graph finds nothing");
    value_topo_sort(&ar, c, &n2);
    cr_assert(n1 == 2 && n2 == 2, "sorting a+a twice gave %zu then %zu nodes, expected 2 and 2\n"
              "  hint: a appears twice as an input but once in the order", n1, n2);
}

Test(topo_sort, deep_chain) {
    /* 20,000 nodes in a line: a depth-first search must not lose any of them */
    Value *x = value_new(&ar, 0.0, "x"), *v = x;
    Value *one = value_new(&ar, 1.0, "one");
    for (int i = 0; i < 20000; i++) v = value_add(&ar, v, one);
    size_t n = 0;
    Value **order = value_topo_sort(&ar, v, &n);
    cr_assert_eq(n, 20002, "a chain of 20000 additions has 20002 nodes, the sort listed %zu", n);
    cr_assert(order[n - 1] == v && (order[0] == x || order[0] == one),
              "in a chain, the leaves come first and the last addition last");
}

Test(backward, single_use) {
    Value *a = value_new(&ar, 2.0, "a"), *b = value_new(&ar, -3.0, "b");
    Value *y = value_tanh(&ar, value_mul(&ar, a, b));
    value_backward(&ar, y);
    double t = tanh(-6.0);
    EXPECT_NEAR(y->grad, 1.0, TOL, "root grad after value_backward", "dy/dy = 1: set root->grad = 1");
    EXPECT_NEAR(a->grad, (1 - t * t) * -3.0, TOL, "dy/da for y = tanh(a*b)",
                "walk from the root to the leaves: reverse topological order");
    EXPECT_NEAR(b->grad, (1 - t * t) * 2.0, TOL, "dy/db for y = tanh(a*b)",
                "call value_backward_step on every node, root first");
}

Test(backward, reused_node) {
    Value *a = value_new(&ar, 3.0, "a");
    value_backward(&ar, value_add(&ar, a, a));
    EXPECT_NEAR(a->grad, 2.0, TOL, "d(a+a)/da",
                "a is both inputs of the +: its grad must get 1 twice (+=, and the node once "
                "in the order)");
    Value *b = value_new(&ar, -1.5, "b");
    value_backward(&ar, value_mul(&ar, b, b));
    EXPECT_NEAR(b->grad, -3.0, TOL, "d(b*b)/db at b=-1.5", "b*b = b^2, so the grad is 2b");
}

Test(backward, shared_subexpression) {
    /* c = a*b feeds two nodes: its grad must be complete before it passes it on */
    Value *a = value_new(&ar, 1.5, "a"), *b = value_new(&ar, 2.0, "b");
    Value *c = value_mul(&ar, a, b);
    Value *y = value_add(&ar, value_tanh(&ar, c), value_mul(&ar, c, c));  /* tanh(c) + c^2 */
    value_backward(&ar, y);
    double t = tanh(3.0), dc = (1 - t * t) + 2 * 3.0;
    EXPECT_NEAR(c->grad, dc, TOL, "dy/dc for y = tanh(c) + c*c",
                "c collects from both uses; process c only after both users (topological order)");
    EXPECT_NEAR(a->grad, dc * 2.0, TOL, "dy/da for y = tanh(a*b) + (a*b)^2",
                "a node's grad must be final before value_backward_step passes it down");
}

Test(backward, deep_chain) {
    Value *x = value_new(&ar, 0.0, "x"), *v = x;
    Value *one = value_new(&ar, 1.0, "one");
    for (int i = 0; i < 20000; i++) v = value_add(&ar, v, one);
    value_backward(&ar, v);
    EXPECT_NEAR(x->grad, 1.0, TOL, "d/dx of x + 1 + 1 + ... (20000 times)",
                "every link of the chain passes the gradient on unchanged");
    EXPECT_NEAR(one->grad, 20000.0, TOL, "d/d(one) where `one` is added 20000 times",
                "a leaf used 20000 times collects 20000 contributions");
}

/* ---- whole expressions against PyTorch (tools/make_fixtures.py) ---- */

typedef Value *(*BuildFn)(Value **in);
typedef struct Expression {
    const char *name;
    const char *inputs[5];
    BuildFn build;
} Expression;

static Value *build_neuron(Value **v) {  /* tanh(w1*x1 + w2*x2 + b); v = x1 x2 w1 w2 b */
    Value *s = value_add(&ar, value_mul(&ar, v[2], v[0]), value_mul(&ar, v[3], v[1]));
    return value_tanh(&ar, value_add(&ar, s, v[4]));
}

static Value *build_softplus_mix(Value **v) {  /* log(1 + exp(a*b)) / (b - c) + relu(c) * a^3 */
    Value *one = value_new(&ar, 1.0, "1");
    Value *sp = value_log(&ar, value_add(&ar, one, value_exp(&ar, value_mul(&ar, v[0], v[1]))));
    Value *q = value_div(&ar, sp, value_sub(&ar, v[1], v[2]));
    return value_add(&ar, q, value_mul(&ar, value_relu(&ar, v[2]), value_pow(&ar, v[0], 3.0)));
}

static Value *build_reuse(Value **v) {  /* a*a + a*b + exp(b - a) * a */
    Value *a = v[0], *b = v[1];
    Value *s = value_add(&ar, value_mul(&ar, a, a), value_mul(&ar, a, b));
    return value_add(&ar, s, value_mul(&ar, value_exp(&ar, value_sub(&ar, b, a)), a));
}

static Value *build_dead_relu(Value **v) {  /* relu(a - b) * c + relu(b - a) * c * c */
    Value *a = v[0], *b = v[1], *c = v[2];
    Value *l = value_mul(&ar, value_relu(&ar, value_sub(&ar, a, b)), c);
    Value *r = value_mul(&ar, value_mul(&ar, value_relu(&ar, value_sub(&ar, b, a)), c), c);
    return value_add(&ar, l, r);
}

static Value *build_bce(Value **v) {  /* p = 1/(1+exp(-(w*x+b))); -(t log p + (1-t) log(1-p)) */
    Value *w = v[0], *x = v[1], *b = v[2], *t = v[3];
    Value *one = value_new(&ar, 1.0, "1");
    Value *z = value_add(&ar, value_mul(&ar, w, x), b);
    Value *p = value_div(&ar, one, value_add(&ar, one, value_exp(&ar, value_neg(&ar, z))));
    Value *pos = value_mul(&ar, t, value_log(&ar, p));
    Value *neg = value_mul(&ar, value_sub(&ar, one, t), value_log(&ar, value_sub(&ar, one, p)));
    return value_neg(&ar, value_add(&ar, pos, neg));
}

/* Keep in sync with day01_expressions() in tools/make_fixtures.py. */
static const Expression EXPRESSIONS[] = {
    {"neuron", {"x1", "x2", "w1", "w2", "b"}, build_neuron},
    {"softplus_mix", {"a", "b", "c"}, build_softplus_mix},
    {"reuse", {"a", "b"}, build_reuse},
    {"dead_relu", {"a", "b", "c"}, build_dead_relu},
    {"bce", {"w", "x", "b", "t"}, build_bce},
};
enum { N_EXPRESSIONS = sizeof EXPRESSIONS / sizeof EXPRESSIONS[0] };

static int count_inputs(const Expression *e) {
    int n = 0;
    while (n < 5 && e->inputs[n] != NULL) n++;
    return n;
}

Test(pytorch, values_and_gradients) {
    Fixture fx;
    fixture_load(&fx, FIXTURE_PATH("day01_autograd", "expressions.bin"));
    char key[64], where[160];
    for (int i = 0; i < N_EXPRESSIONS; i++) {
        const Expression *e = &EXPRESSIONS[i];
        Value *in[5];
        int n = count_inputs(e);
        for (int k = 0; k < n; k++) {
            snprintf(key, sizeof key, "%s.%s", e->name, e->inputs[k]);
            in[k] = value_new(&ar, fixture_scalar(&fx, key), e->inputs[k]);
        }
        Value *y = e->build(in);
        snprintf(key, sizeof key, "%s.out", e->name);
        snprintf(where, sizeof where, "expression '%s': value", e->name);
        EXPECT_NEAR(y->data, fixture_scalar(&fx, key), TOL, where,
                    "a forward rule is off: the op tests (add ... relu) narrow it down");
        value_backward(&ar, y);
        for (int k = 0; k < n; k++) {
            snprintf(key, sizeof key, "%s.grad.%s", e->name, e->inputs[k]);
            snprintf(where, sizeof where, "expression '%s': d out / d %s (PyTorch's autograd)",
                     e->name, e->inputs[k]);
            EXPECT_NEAR(in[k]->grad, fixture_scalar(&fx, key), TOL, where,
                        "see which op this input flows through; check its backward rule and +=");
        }
    }
    fixture_free(&fx);
}

/* ---- whole expressions against finite differences: no PyTorch needed ---- */

Test(finite_diff, every_expression) {
    /* central difference: (f(x+h) - f(x-h)) / 2h has error ~h^2; h = 1e-5 gives ~1e-10 */
    const double h = 1e-5;
    char where[160];
    for (int i = 0; i < N_EXPRESSIONS; i++) {
        const Expression *e = &EXPRESSIONS[i];
        int n = count_inputs(e);
        double x0[5];
        Value *in[5];
        for (int k = 0; k < n; k++) x0[k] = 0.3 * (k + 1) - 0.5 * (i % 2) + 0.2; /* away from relu kinks */
        for (int k = 0; k < n; k++) in[k] = value_new(&ar, x0[k], e->inputs[k]);
        value_backward(&ar, e->build(in));
        for (int k = 0; k < n; k++) {
            Value *plus[5], *minus[5];
            for (int j = 0; j < n; j++) {
                plus[j] = value_new(&ar, x0[j] + (j == k ? h : 0), NULL);
                minus[j] = value_new(&ar, x0[j] - (j == k ? h : 0), NULL);
            }
            double numeric = (e->build(plus)->data - e->build(minus)->data) / (2 * h);
            snprintf(where, sizeof where, "expression '%s': d out / d %s vs finite difference",
                     e->name, e->inputs[k]);
            EXPECT_NEAR(in[k]->grad, numeric, 1e-6, where,
                        "the analytic gradient disagrees with nudging the input: check the "
                        "backward rules of the ops on this input's path");
        }
    }
}
