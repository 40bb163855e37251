/*
 * Day 1 demo: your autograd engine at work.   make demo-day1   (REF=1: the reference's)
 *
 * 1. A neuron y = tanh(w1*x1 + w2*x2 + b): its value and every gradient,
 *    each checked against a finite difference.
 * 2. Its computation graph as Graphviz DOT (and a PNG, when `dot` is installed).
 * 3. Gradient descent with nothing but your engine: fit that neuron to a few
 *    points, logging the loss to runs/day1/log.csv; draw it with
 *    `make plot RUN=runs/day1`.
 *
 * Flags: --quick (fewer steps), --runs DIR (where run folders go; default runs), --help.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "cli.h"
#include "plot.h"
#include "progress.h"
#include "runlog.h"
#include "value.h"

enum { N_INPUTS = 5 }; /* x1 x2 w1 w2 b */
static const char *NAMES[N_INPUTS] = {"x1", "x2", "w1", "w2", "b"};

static Value *neuron(Arena *ar, Value **v) {
    Value *s = value_add(ar, value_mul(ar, v[2], v[0]), value_mul(ar, v[3], v[1]));
    return value_tanh(ar, value_add(ar, s, v[4]));
}

static double neuron_at(const double *x) {
    Arena ar;
    arena_init(&ar, 0);
    Value *v[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++) v[i] = value_new(&ar, x[i], NULL);
    double y = neuron(&ar, v)->data;
    arena_free(&ar);
    return y;
}

/* Returns the root of the graph it built in `ar`, for part 2 to draw. */
static Value *part1_gradients(Arena *ar) {
    const double x0[N_INPUTS] = {1.5, -0.5, 0.4, -1.2, 0.3};
    Value *v[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++) v[i] = value_new(ar, x0[i], NAMES[i]);
    Value *y = neuron(ar, v);
    y->label = "y";
    value_backward(ar, y);
    printf("1. y = tanh(w1*x1 + w2*x2 + b) = %.6f\n\n", y->data);
    printf("   input      value   dy/dinput (yours)   finite difference\n");
    for (int i = 0; i < N_INPUTS; i++) {
        double plus[N_INPUTS], minus[N_INPUTS], h = 1e-6;
        memcpy(plus, x0, sizeof plus);
        memcpy(minus, x0, sizeof minus);
        plus[i] += h;
        minus[i] -= h;
        double numeric = (neuron_at(plus) - neuron_at(minus)) / (2 * h);
        int ok = fabs(numeric - v[i]->grad) < 1e-6;
        printf("   %-5s %10.4f %19.6f %19.6f  %s\n", NAMES[i], v[i]->data, v[i]->grad, numeric,
               ok ? "ok" : "<-- differs: check your backward rules");
    }
    printf("\n   Read it: nudging w1 by 0.001 moves y by about %.6f * 0.001.\n\n", v[2]->grad);
    return y;
}

static void part2_graph(Arena *ar, Value *y, const char *run_dir) {
    char dot_path[512], png_path[512], err[800];
    XSNPRINTF(dot_path, sizeof dot_path, "%s/graph.dot", run_dir);
    XSNPRINTF(png_path, sizeof png_path, "%s/graph.png", run_dir);
    FILE *f = XFOPEN(dot_path, "w", "check that the runs folder is writable");
    LLMLAB_CHECK(value_write_dot(f, ar, y) == 0, "is the disk full?", "could not write %s", dot_path);
    XFCLOSE(f, dot_path);
    printf("2. The graph of y is in %s\n", dot_path);
    char *dot[] = {"dot", "-Tpng", dot_path, "-o", png_path, NULL}; /* Graphviz draws it */
    int rc = plot_run_program(NULL, dot, err, sizeof err);
    if (rc == 0)
        printf("   rendered to %s: open it to see data and grad at every node.\n\n", png_path);
    else if (rc == PLOT_NOT_INSTALLED)
        printf("   To see it as a picture, install Graphviz (sudo apt-get install graphviz,\n"
               "   or brew install graphviz) and run: dot -Tpng %s -o %s\n\n",
               dot_path, png_path);
    else
        printf("   `dot` failed to render it (%s); try by hand: dot -Tpng %s -o %s\n\n", err, dot_path, png_path);
}

/* Fit the neuron's w1, w2, b so that tanh(w1*x1 + w2*x2 + b) says +1 when
 * x1 > x2 and -1 otherwise. */
static void part3_descent(const char *run_dir, int steps) {
    static const double X[][2] = {{2.0, 1.0}, {1.0, 2.0}, {3.0, 0.5}, {0.5, 2.5}, {1.5, 1.0}, {1.0, 1.5}};
    static const double Y[] = {1.0, -1.0, 1.0, -1.0, 1.0, -1.0};
    const int n = 6;
    const double lr = 0.2;
    Arena params, tape; /* parameters live across steps; each step's graph is thrown away */
    arena_init(&params, 0);
    arena_init(&tape, 0);
    Value *w1 = value_new(&params, 0.3, "w1"), *w2 = value_new(&params, -0.2, "w2");
    Value *b = value_new(&params, 0.1, "b");
    Value *p[3] = {w1, w2, b};

    RunLog log;
    runlog_open(&log, run_dir, "step,train_loss,lr", 0);
    ProgressBar bar;
    progress_init(&bar, stderr, "3. gradient descent", steps);
    double loss_value = NAN;
    for (int step = 1; step <= steps; step++) {
        arena_reset(&tape);
        Value *loss = value_new(&tape, 0.0, "loss");
        for (int i = 0; i < n; i++) {
            Value *v[N_INPUTS] = {value_new(&tape, X[i][0], NULL), value_new(&tape, X[i][1], NULL), w1, w2, b};
            Value *err = value_sub(&tape, neuron(&tape, v), value_new(&tape, Y[i], NULL));
            loss = value_add(&tape, loss, value_mul(&tape, err, err));
        }
        loss = value_div(&tape, loss, value_new(&tape, n, NULL)); /* mean squared error */
        for (int k = 0; k < 3; k++) p[k]->grad = 0.0;             /* grads accumulate: clear them first */
        value_backward(&tape, loss);
        for (int k = 0; k < 3; k++) p[k]->data -= lr * p[k]->grad; /* step downhill */
        loss_value = loss->data;
        runlog_row(&log, (double[]){step, loss_value, lr});
        progress_update(&bar, step, "loss %.4f", loss_value);
    }
    progress_finish(&bar);
    runlog_close(&log);
    printf("   after %d steps: loss %.4f, w1 %.3f, w2 %.3f, b %.3f\n", steps, loss_value, w1->data, w2->data, b->data);
    for (int i = 0; i < n; i++) {
        double y = neuron_at((double[]){X[i][0], X[i][1], w1->data, w2->data, b->data});
        printf("   x = (%4.1f, %4.1f)   target %+.0f   prediction %+.3f\n", X[i][0], X[i][1], Y[i], y);
    }
    printf("   The loss curve is in %s/log.csv: draw it with `make plot RUN=%s`.\n", run_dir, run_dir);
    arena_free(&tape);
    arena_free(&params);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs"};
    cli_parse_demo(argc, argv, "Day 1 demo: gradients, the graph, and gradient descent on one neuron", &args);
    char run_dir[512];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/day1", args.runs);
    llmlab_mkdir_p(run_dir);

    Arena ar;
    arena_init(&ar, 0);
    Value *y = part1_gradients(&ar);
    part2_graph(&ar, y, run_dir);
    arena_free(&ar);

    part3_descent(run_dir, args.quick ? 20 : 300);
    return 0;
}
