/*
 * Day 1.5 demo: XOR, the problem no single neuron can solve.   make demo-day1.5
 *
 * A 2-4-1 MLP (tanh hidden layer, a logit out) learns XOR by gradient descent
 * on binary cross-entropy. The truth table is printed before and after
 * training; the loss curve goes to runs/xor/log.csv (make plot RUN=runs/xor).
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cli.h"
#include "nn.h"
#include "progress.h"
#include "runlog.h"
#include "toydata.h"

/* Logits for the four cases, in `tape`. */
static void forward_all(const MLP *m, Arena *tape, double x[4][2], Value *logit[4]) {
    for (int i = 0; i < 4; i++) {
        Value *in[2] = {value_new(tape, x[i][0], NULL), value_new(tape, x[i][1], NULL)};
        mlp_forward(m, tape, in, &logit[i]);
    }
}

static void print_truth_table(const char *title, const MLP *m, double x[4][2], double y[4]) {
    Arena tape;
    arena_init(&tape, 0);
    Value *logit[4];
    forward_all(m, &tape, x, logit);
    printf("%s\n   x1 x2 | XOR | P(1) from the network | says\n", title);
    for (int i = 0; i < 4; i++) {
        double p = 1.0 / (1.0 + exp(-logit[i]->data));
        int says = p > 0.5;
        printf("    %.0f  %.0f |  %.0f  |        %.3f          |  %d %s\n", x[i][0], x[i][1], y[i], p, says,
               says == (int)y[i] ? "" : "  wrong");
    }
    printf("\n");
    arena_free(&tape);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 7};
    cli_parse_demo(argc, argv, "Day 1.5 demo: a 2-4-1 MLP learns XOR", &args);
    const int steps = args.quick ? 100 : 500;
    const double lr = 0.5;

    double x[4][2], y[4];
    toydata_xor(x, y);
    MLP m;
    Rng rng;
    rng_init(&rng, args.seed);
    mlp_init(&m, 2, (int[]){4, 1}, 2, ACT_TANH, ACT_LINEAR, &rng);
    printf("A 2-4-1 MLP with %zu parameters, seed %llu.\n\n", m.nparams, (unsigned long long)args.seed);
    print_truth_table("Before training (random weights):", &m, x, y);

    char run_dir[512];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/xor", args.runs);
    RunLog log;
    runlog_open(&log, run_dir, "step,train_loss,accuracy,lr", 0);
    Arena tape;
    arena_init(&tape, 0);
    ProgressBar bar;
    progress_init(&bar, stderr, "training", steps);
    for (int step = 0; step < steps; step++) {
        Value *logit[4];
        forward_all(&m, &tape, x, logit);
        int correct = 0;
        for (int i = 0; i < 4; i++) correct += (logit[i]->data > 0) == (y[i] > 0.5);
        Value *loss = loss_bce_logits(&tape, logit, y, 4);
        nn_zero_grad(m.params, m.nparams);
        value_backward(&tape, loss);
        nn_sgd_step(m.params, m.nparams, lr);
        runlog_row(&log, (double[]){step, loss->data, correct / 4.0, lr});
        progress_update(&bar, step + 1, "loss %.4f, %d/4 right", loss->data, correct);
        arena_reset(&tape);
    }
    progress_finish(&bar);
    runlog_close(&log);
    arena_free(&tape);

    print_truth_table("\nAfter training:", &m, x, y);
    printf("The loss curve: make plot RUN=%s\n", run_dir);
    printf("Try: a hidden layer of 1 neuron (it cannot work: note 03), or --seed 3.\n");
    mlp_free(&m);
    return 0;
}
