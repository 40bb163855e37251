/*
 * Day 1.5 demo: a 2-16-16-1 MLP separates two moons.   make demo-day1.5
 *
 * 100 generated points, hinge loss plus L2, plain SGD with a learning rate
 * falling from 1.0 to 0.1. Writes runs/moons/: log.csv (make plot RUN=runs/moons),
 * the decision boundary as data, a gnuplot script, and boundary.png.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "cli.h"
#include "nn.h"
#include "plot.h"
#include "progress.h"
#include "runlog.h"
#include "toydata.h"

enum { N_POINTS = 100, GRID = 60 };
static const double X_LO = -1.6, X_HI = 2.6, Y_LO = -1.1, Y_HI = 1.6;

static double score_at(const MLP *m, Arena *tape, double a, double b) {
    Value *in[2] = {value_new(tape, a, NULL), value_new(tape, b, NULL)}, *s;
    mlp_forward(m, tape, in, &s);
    return s->data;
}

/* The decision boundary: scores on a grid, the points, and a gnuplot script that draws them. */
static void draw_boundary(const MLP *m, const double *x, const double *y, int n, const char *run_dir) {
    char path[600];
    Arena tape;
    arena_init(&tape, 0);
    XSNPRINTF(path, sizeof path, "%s/boundary.dat", run_dir);
    FILE *f = XFOPEN(path, "w", "check that the runs folder is writable");
    char ascii[GRID / 2][GRID + 1];
    for (int r = 0; r < GRID; r++) {
        double b = Y_LO + (Y_HI - Y_LO) * r / (GRID - 1);
        for (int c = 0; c < GRID; c++) {
            double a = X_LO + (X_HI - X_LO) * c / (GRID - 1);
            double s = score_at(m, &tape, a, b);
            fprintf(f, "%g %g %g\n", a, b, s);
            if (r % 2 == 0) ascii[GRID / 2 - 1 - r / 2][c] = s > 0 ? '+' : '.';
        }
        fprintf(f, "\n"); /* gnuplot: a blank line ends a grid row */
        arena_reset(&tape);
    }
    XFCLOSE(f, path);
    XSNPRINTF(path, sizeof path, "%s/points.dat", run_dir);
    f = XFOPEN(path, "w", NULL);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%g %g %d\n", x[2 * i], x[2 * i + 1], (int)y[i]);
        int c = (int)lround((x[2 * i] - X_LO) / (X_HI - X_LO) * (GRID - 1));
        int r = (int)lround((x[2 * i + 1] - Y_LO) / (Y_HI - Y_LO) * (GRID - 1)) / 2;
        if (c >= 0 && c < GRID && r >= 0 && r < GRID / 2) ascii[GRID / 2 - 1 - r][c] = y[i] > 0.5 ? 'X' : 'O';
    }
    XFCLOSE(f, path);
    arena_free(&tape);

    printf("\nThe decision boundary ('+': the network says lower moon, X; '.': upper moon, O):\n\n");
    for (int r = 0; r < GRID / 2; r++) {
        ascii[r][GRID] = '\0';
        printf("   %s\n", ascii[r]);
    }

    XSNPRINTF(path, sizeof path, "%s/boundary.gp", run_dir);
    f = XFOPEN(path, "w", NULL);
    fprintf(f,
            "# draws boundary.png from boundary.dat and points.dat: gnuplot boundary.gp\n"
            "set terminal pngcairo size 800,560\nset output 'boundary.png'\n"
            "set title 'two moons: the MLP score, its zero line, and the data'\n"
            "set xrange [%g:%g]\nset yrange [%g:%g]\nset palette defined (-3 '#4575b4', 0 'white', 3 '#d73027')\n"
            "set cbrange [-3:3]\nset cblabel 'score'\nset contour base\nset cntrparam levels discrete 0\n"
            "set view map\nunset surface\nset key off\n"
            "set table 'zero_line.dat'\nsplot 'boundary.dat' using 1:2:3\nunset table\n"
            "plot 'boundary.dat' using 1:2:3 with image, 'zero_line.dat' with lines lw 2 lc 'black', \\\n"
            "     'points.dat' using 1:2:($3 > 0.5 ? 7 : 5) with points pt variable ps 1.2 lc 'black'\n",
            X_LO, X_HI, Y_LO, Y_HI);
    XFCLOSE(f, path);
    char err[800];
    if (plot_run(run_dir, "boundary.gp", NULL, err, sizeof err) == 0)
        printf("\nThe picture: %s/boundary.png\n", run_dir);
    else
        printf("\nNo PNG (%s); the data is in %s/boundary.dat\n", err, run_dir);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 42};
    cli_parse_demo(argc, argv, "Day 1.5 demo: a 2-16-16-1 MLP separates two moons", &args);
    const int steps = args.quick ? 15 : 100;

    Rng rng;
    rng_init(&rng, args.seed);
    double x[2 * N_POINTS], y[N_POINTS], label[N_POINTS];
    toydata_moons(&rng, N_POINTS, 0.1, x, y);
    for (int i = 0; i < N_POINTS; i++) label[i] = 2.0 * y[i] - 1.0; /* hinge wants -1 / +1 */

    MLP m;
    mlp_init(&m, 2, (int[]){16, 16, 1}, 3, ACT_RELU, ACT_LINEAR, &rng);
    printf("Two moons: %d points; a 2-16-16-1 ReLU MLP with %zu parameters; seed %llu.\n", N_POINTS, m.nparams,
           (unsigned long long)args.seed);

    char run_dir[512];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/moons", args.runs);
    RunLog log;
    runlog_open(&log, run_dir, "step,train_loss,accuracy,lr", 0);
    Arena tape;
    arena_init(&tape, 0);
    ProgressBar bar;
    progress_init(&bar, stderr, "training", steps);
    int correct = 0;
    for (int step = 0; step < steps; step++) {
        Value *score[N_POINTS];
        for (int i = 0; i < N_POINTS; i++) {
            Value *in[2] = {value_new(&tape, x[2 * i], NULL), value_new(&tape, x[2 * i + 1], NULL)};
            mlp_forward(&m, &tape, in, &score[i]);
        }
        correct = 0;
        for (int i = 0; i < N_POINTS; i++) correct += (score[i]->data > 0) == (label[i] > 0);
        Value *loss =
            value_add(&tape, loss_hinge(&tape, score, label, N_POINTS), loss_l2(&tape, m.params, m.nparams, 1e-4));
        double lr = lr_linear_decay(1.0, step, steps, 0.1);
        nn_zero_grad(m.params, m.nparams);
        value_backward(&tape, loss);
        nn_sgd_step(m.params, m.nparams, lr);
        runlog_row(&log, (double[]){step, loss->data, (double)correct / N_POINTS, lr});
        progress_update(&bar, step + 1, "loss %.4f, accuracy %d%%", loss->data, correct);
        arena_reset(&tape);
    }
    progress_finish(&bar);
    runlog_close(&log);
    arena_free(&tape);
    printf("Training accuracy at the last step: %d%%\n", correct * 100 / N_POINTS);

    draw_boundary(&m, x, y, N_POINTS, run_dir);
    printf("The loss curve: make plot RUN=%s\n", run_dir);
    mlp_free(&m);
    return 0;
}
