/*
 * Day 3 demo: look at attention weights.   make demo-day3
 *
 * Eight words, each embedded as a random vector (the same word, the same
 * vector) plus a small sinusoidal position code. With q = k = v = x, a word
 * attends most to the words most like itself. The weights are drawn three
 * ways: causal with the 1/sqrt(hs) scale (what a GPT uses), without the
 * mask (every word sees the future), and without the scale (too sharp).
 * Writes runs/attention/: the three matrices, a gnuplot script, attention.png.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "check.h"
#include "cli.h"
#include "plot.h"
#include "rng.h"

enum { T = 8, HS = 16 };
static const char *WORDS[T] = {"the", "cat", "sat", "on", "the", "mat", "the", "end"};

static void embed(float *x, uint64_t seed) {
    float pe[T * HS];
    sinusoidal_encoding(pe, T, HS);
    for (int t = 0; t < T; t++) {
        Rng rng; /* a word's vector depends only on the word: seed it with the word's hash */
        uint64_t h = seed;
        for (const char *c = WORDS[t]; *c; c++) h = h * 131 + (uint64_t)*c;
        rng_init(&rng, h);
        for (int d = 0; d < HS; d++) x[t * HS + d] = (float)rng_normal(&rng) + 0.3f * pe[t * HS + d];
    }
}

static void print_heatmap(const char *title, const float *att) {
    static const char shades[] = " .:-=+*#%@";
    printf("\n%s\n\n        ", title);
    for (int j = 0; j < T; j++) printf("%-4.4s", WORDS[j]);
    printf("   (keys)\n");
    for (int i = 0; i < T; i++) {
        printf("  %-5s ", WORDS[i]);
        for (int j = 0; j < T; j++) {
            int s = (int)lroundf(att[i * T + j] * 9);
            printf(" %c%c ", shades[s], shades[s]);
        }
        float max = 0, entropy = 0;
        for (int j = 0; j < T; j++) {
            max = fmaxf(max, att[i * T + j]);
            if (att[i * T + j] > 0) entropy -= att[i * T + j] * logf(att[i * T + j]);
        }
        printf("  max %.2f, entropy %.2f\n", max, entropy);
    }
}

static void write_matrix(const char *dir, const char *name, const float *att) {
    char path[600];
    XSNPRINTF(path, sizeof path, "%s/%s.dat", dir, name);
    FILE *f = XFOPEN(path, "w", "check that the runs folder is writable");
    for (int i = 0; i < T; i++) {
        for (int j = 0; j < T; j++) fprintf(f, "%s%.6f", j ? " " : "", att[i * T + j]);
        fprintf(f, "\n");
    }
    XFCLOSE(f, path);
}

static void draw_png(const char *dir) {
    char path[600], tics[256] = "";
    size_t n = 0;
    for (int t = 0; t < T; t++)
        n += (size_t)snprintf(tics + n, sizeof tics - n, "%s'%s' %d", t ? ", " : "", WORDS[t], t);
    XSNPRINTF(path, sizeof path, "%s/attention.gp", dir);
    FILE *f = XFOPEN(path, "w", NULL);
    fprintf(f,
            "# draws attention.png: gnuplot attention.gp\n"
            "set terminal pngcairo size 1500,520 font ',11'\nset output 'attention.png'\n"
            "set multiplot layout 1,3\nset palette defined (0 'white', 1 '#2166ac')\nset cbrange [0:1]\n"
            "set xtics (%s) rotate by 45 right\nset ytics (%s)\nset yrange [7.5:-0.5]\nset xrange [-0.5:7.5]\n"
            "set xlabel 'key'\nset ylabel 'query'\nunset key\n"
            "set title 'causal, scaled (GPT)'\nplot 'causal.dat' matrix with image\n"
            "set title 'no mask: the future is visible'\nplot 'no_mask.dat' matrix with image\n"
            "set title 'no 1/sqrt(hs) scale: too sharp'\nplot 'no_scale.dat' matrix with image\n"
            "unset multiplot\n",
            tics, tics);
    XFCLOSE(f, path);
    char err[800];
    if (plot_run(dir, "attention.gp", NULL, err, sizeof err) == 0)
        printf("\nThe three heatmaps as a picture: %s/attention.png\n", dir);
    else
        printf("\nNo picture (%s): the matrices are in %s/*.dat\n", err, dir);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 5};
    cli_parse_demo(argc, argv, "Day 3 demo: attention weights as heatmaps, with and without mask and scale", &args);
    char dir[512];
    XSNPRINTF(dir, sizeof dir, "%s/attention", args.runs);
    llmlab_mkdir_p(dir);

    float x[T * HS], out[T * HS], att[T * T];
    embed(x, args.seed);
    const float scale = 1.0f / sqrtf((float)HS);
    printf("Eight words, one head of size %d, q = k = v = the word's vector + a position code.\n", HS);
    printf("Each row is a query; its weights over the keys sum to 1 (shades: ' ' 0 ... '@' 1).\n");

    sdpa_forward(out, HS, att, x, x, x, HS, T, T, HS, scale, 1);
    print_heatmap("1. causal, scaled by 1/sqrt(hs): each word sees itself and the past", att);
    write_matrix(dir, "causal", att);
    sdpa_forward(out, HS, att, x, x, x, HS, T, T, HS, scale, 0);
    print_heatmap("2. no mask: 'the' at the start now attends to the later 'the's", att);
    write_matrix(dir, "no_mask", att);
    sdpa_forward(out, HS, att, x, x, x, HS, T, T, HS, 1.0f, 1);
    print_heatmap("3. no scale: scores 4x larger, the softmax is nearly one-hot (low entropy)", att);
    write_matrix(dir, "no_scale", att);
    draw_png(dir);
    printf("Try --seed 1, 2, 3: other random word vectors, same patterns.\n");
    return 0;
}
