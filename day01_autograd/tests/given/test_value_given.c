/*
 * Tests of Day 1's given code (run by `make test`, not graded):
 * value_zero_grad clears every grad below the root, shared nodes included,
 * so a second backward gives the first one's gradients again.
 */
#include "arena.h"
#include "testing.h"
#include "value.h"

TestSuite(given_value, .timeout = 10);

Test(given_value, zero_grad_clears_every_node_and_backward_repeats) {
    Arena ar;
    arena_init(&ar, 1 << 16);
    Value *a = value_new(&ar, 0.5, "a"), *b = value_new(&ar, -1.5, "b");
    Value *ab = value_mul(&ar, a, b);
    Value *root = value_tanh(&ar, value_add(&ar, ab, value_mul(&ar, ab, a))); /* ab used twice */
    value_backward(&ar, root);
    double ga = a->grad, gb = b->grad, gab = ab->grad;
    value_zero_grad(&ar, root);
    size_t n;
    Value **order = value_topo_sort(&ar, root, &n);
    for (size_t i = 0; i < n; i++)
        cr_assert(order[i]->grad == 0.0, "value_zero_grad left node %zu (%s) with grad %g", i,
                  value_op_name(order[i]->op), order[i]->grad);
    value_backward(&ar, root);
    EXPECT_NEAR(a->grad, ga, 1e-12, "d root / d a after value_zero_grad and a second backward",
                "the same as the first");
    EXPECT_NEAR(b->grad, gb, 1e-12, "d root / d b after value_zero_grad and a second backward",
                "the same as the first");
    EXPECT_NEAR(ab->grad, gab, 1e-12, "d root / d (a*b) after a second backward", "the same as the first");
    arena_free(&ar);
}
