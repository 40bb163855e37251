/*
 * Week 2 demo: what the sampling knobs do to a real next-token distribution.
 *   make demo-week2   (after `make demo` has trained runs/gpt/ckpt.bin)
 *
 * The trained GPT reads "<|endoftext|>The best thing about" and gives its
 * logits for the next token. Five settings turn them into probabilities:
 * the raw softmax (temperature 1), temperature 0.5 and 1.5, top-k 10 and
 * top-p 0.9, each applied in sample.h's order (temperature, top-k, top-p).
 * Prints the 10 most likely tokens under each, and draws the 30 most likely:
 * the knob's probabilities as bars, the raw ones as outlines (as o in the
 * terminal). Writes runs/sampling/: sampling.dat, sampling.gp, sampling.png.
 * Without a checkpoint it stops, except with --quick (the test suite), where
 * an untrained tiny GPT stands in.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "gpt_run.h"
#include "plot.h"

enum { N_SET = 5, N_PRINT = 10, N_PLOT = 30 };
static const char *PROMPT = "<|endoftext|>The best thing about";
static const struct {
    const char *name;
    SamplerConfig s;
} SETTINGS[N_SET] = {
    {"raw T=1", {1.0f, 0, 1.0f, 0}},   {"T=0.5", {0.5f, 0, 1.0f, 0}},     {"T=1.5", {1.5f, 0, 1.0f, 0}},
    {"top-k 10", {1.0f, 10, 1.0f, 0}}, {"top-p 0.9", {1.0f, 0, 0.9f, 0}},
};

/* A token's bytes as text: escapes for what a terminal or gnuplot cannot show; plot labels show spaces as _. */
static void printable(const Tokenizer *tok, int id, char *out, size_t size, int for_plot) {
    size_t len, n = 0;
    const uint8_t *b = tokenizer_token_bytes(tok, id, &len);
    for (size_t i = 0; i < len && n + 5 < size; i++) {
        int c = b[i];
        if (c == ' ' && for_plot)
            n += (size_t)snprintf(out + n, size - n, "_");
        else if (c == '\n')
            n += (size_t)snprintf(out + n, size - n, "\\n");
        else if (c == '"')
            n += (size_t)snprintf(out + n, size - n, for_plot ? "''" : "\\\"");
        else if (c == '\\')
            n += (size_t)snprintf(out + n, size - n, "\\\\");
        else if (c >= 32 && c < 127)
            n += (size_t)snprintf(out + n, size - n, "%c", c);
        else
            n += (size_t)snprintf(out + n, size - n, "\\x%02X", (unsigned)c);
    }
    out[n] = '\0';
}

/* The probabilities sample_next draws from: steps 1 to 3 of sample.h. Returns the tokens kept. */
static int knob_probs(float *probs, const float *logits, int V, const SamplerConfig *s, ProbIndex *scratch) {
    probs_with_temperature(probs, logits, V, s->temperature);
    int kept = top_k_filter(probs, V, s->top_k, scratch);
    int kept_p = top_p_filter(probs, V, s->top_p, scratch);
    return kept < kept_p ? kept : kept_p;
}

/* Without a checkpoint (--quick only): an untrained tiny GPT and a 300-token tokenizer. */
static void tiny_model(Gpt *m, Tokenizer *tok, uint64_t seed) {
    static const char pairs[] =
        "thheineranreonatenndtiesorteofedisitalarsttontngsehaasouiolevecomedehiriroicneearaceli";
    BpeMerge merges[43];
    for (int i = 0; i < 43; i++) merges[i] = (BpeMerge){pairs[2 * i], pairs[2 * i + 1]};
    const char *special[] = {TOKENIZER_EOT};
    tokenizer_init(tok, merges, 43, 1, special, 1);
    GptConfig c = {.vocab = tok->vocab_size, .ctx = 16, .n_layer = 2, .n_head = 2, .n_embd = 16};
    gpt_init(m, &c, 1, c.ctx, seed);
}

static void draw(const char *dir) {
    char path[600], err[LLMLAB_ERR_SIZE], tmp[LLMLAB_TMP_SIZE];
    XSNPRINTF(path, sizeof path, "%s/sampling.gp", dir);
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, sizeof err); /* written whole, then renamed */
    if (!f) LLMLAB_DIE("check that the runs folder is writable", "%s", err);
    fprintf(f, "# draws sampling.png from sampling.dat: gnuplot sampling.gp   (in the terminal: gnuplot -e "
               "'dumb=1' sampling.gp)\n"
               "if (!exists('dumb')) dumb = 0\n"
               "if (dumb) { set terminal dumb size 120,48 } else {\n"
               "  if (strstrt(GPVAL_TERMINALS, 'pngcairo')) { set terminal pngcairo size 1400,900 noenhanced "
               "font ',10' } else { set terminal png size 1400,900 noenhanced }\n"
               "  set output 'sampling.png' }\n"
               "set multiplot layout 2,2 title 'next token after <|endoftext|>The best thing about: the 30 most "
               "likely, raw (outline or o) and after the knob (bars)'\n"
               "set style fill solid 0.8 border -1\nset boxwidth 0.8\nset yrange [0:*]\nset xrange [0.3:30.7]\n"
               "set ylabel 'probability'\nset key top right\n"
               "if (dumb) { set xtics 5; unset ylabel; XT = ''; KS = 'impulses'; RS = \"points pt 'o'\" } else {\n"
               "  set xtics rotate by 60 right font ',9'; XT = ':xtic(2)'; KS = 'boxes'\n"
               "  RS = \"boxes fs empty lw 1.5 lc rgb 'black'\" }\n");
    for (int k = 1; k < N_SET; k++)
        fprintf(f,
                "set title '%s'\nplot 'sampling.dat' using 1:%d@XT with @KS lc rgb '#4393c3' title '%s', "
                "'' using 1:4 with @RS title 'raw (T=1)'\n",
                SETTINGS[k].name, k + 4, SETTINGS[k].name);
    fprintf(f, "unset multiplot\n");
    if (llmlab_commit_file(f, !ferror(f), tmp, path, err, sizeof err) != 0) LLMLAB_DIE("is the disk full?", "%s", err);
    int rc = plot_run(dir, "sampling.gp", NULL, err, sizeof err);
    if (rc == PLOT_NOT_INSTALLED) {
        printf("\n%s: no picture; the numbers are in %s/sampling.dat\n", err, dir);
        return;
    }
    if (rc == 0)
        printf("\nThe picture: %s/sampling.png. The same in the terminal (x: rank):\n", dir);
    else
        printf("\nno %s/sampling.png (%s); in the terminal (x: rank):\n", dir, err);
    if (plot_run(dir, "sampling.gp", "dumb=1", err, sizeof err) != 0)
        printf("(no plot in the terminal either: %s)\n", err);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1337};
    cli_parse_demo(argc, argv, "Week 2 demo: a real next-token distribution before and after each sampling knob",
                   &args);
    char ckpt[600], dir[600], path[700], err[LLMLAB_ERR_SIZE];
    XSNPRINTF(ckpt, sizeof ckpt, "%s/gpt/ckpt.bin", args.runs);
    XSNPRINTF(dir, sizeof dir, "%s/sampling", args.runs);
    Gpt m;
    Tokenizer tok;
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        if (!args.quick) {
            fprintf(stderr, "%s\ntrain a model first: make demo\n", err);
            return 1;
        }
        printf("No checkpoint at %s: an untrained tiny GPT stands in (--quick).\n", ckpt);
        tiny_model(&m, &tok, args.seed);
    }
    int V = m.cfg.vocab, ctx = m.cfg.ctx;
    size_t plen = strlen(PROMPT);
    int32_t *ids32 = XMALLOC(plen * sizeof *ids32);
    int *ids = XMALLOC(plen * sizeof *ids);
    int n = (int)tokenizer_encode(&tok, (const uint8_t *)PROMPT, plen, 1, ids32);
    int first = n > ctx ? n - ctx : 0; /* a context too short for the prompt sees its end */
    for (int i = first; i < n; i++) ids[i - first] = ids32[i];
    n -= first;
    gpt_forward(&m, ids, NULL, 1, n);
    const float *logits = m.a.logits + (size_t)(n - 1) * V;
    printf("GPT: vocabulary %d, context %d, %d layers, %d heads, %d channels (%zu parameters).\n", V, ctx,
           m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd, m.n_params);
    printf("Prompt \"%s\": %d tokens. The next token's distribution, 10 most likely:\n\n", PROMPT, n);

    float *probs = XMALLOC((size_t)N_SET * V * sizeof *probs);
    ProbIndex *order = XMALLOC((size_t)V * sizeof *order);
    int kept[N_SET];
    double entropy[N_SET];
    for (int k = 0; k < N_SET; k++) {
        float *p = probs + (size_t)k * V;
        kept[k] = knob_probs(p, logits, V, &SETTINGS[k].s, order);
        entropy[k] = 0;
        for (int i = 0; i < V; i++) entropy[k] -= p[i] > 0 ? p[i] * log(p[i]) : 0;
    }
    /* No knob reorders the tokens (each is monotone), so one ranking, the raw one, serves all five. */
    for (int i = 0; i < V; i++) order[i] = (ProbIndex){probs[i], i};
    qsort(order, (size_t)V, sizeof *order, prob_index_compare);

    char text[64];
    printf("rank  %-14s", "token");
    for (int k = 0; k < N_SET; k++) printf("%11s", SETTINGS[k].name);
    printf("\n");
    for (int r = 0; r < N_PRINT && r < V; r++) {
        printable(&tok, order[r].index, text, sizeof text, 0);
        int pad = 12 - (int)strlen(text);
        printf("%4d  \"%s\"%*s", r + 1, text, pad > 0 ? pad : 0, "");
        for (int k = 0; k < N_SET; k++) printf("%11.4f", (double)probs[(size_t)k * V + order[r].index]);
        printf("\n");
    }
    printf("\n%-20s", "tokens kept");
    for (int k = 0; k < N_SET; k++) printf("%11d", kept[k]);
    printf("\n%-20s", "entropy (nats)");
    for (int k = 0; k < N_SET; k++) printf("%11.3f", entropy[k]);
    printf("\n%-20s", "e^entropy");
    for (int k = 0; k < N_SET; k++) printf("%11.1f", exp(entropy[k]));
    printf("\n(uniform over %d tokens: entropy ln %d = %.3f)\n", V, V, log((double)V));

    llmlab_mkdir_p(dir);
    XSNPRINTF(path, sizeof path, "%s/sampling.dat", dir);
    char tmp[LLMLAB_TMP_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, sizeof err); /* written whole, then renamed */
    if (!f) LLMLAB_DIE("check that the runs folder is writable", "%s", err);
    fprintf(f, "# rank token id");
    for (int k = 0; k < N_SET; k++) fprintf(f, " \"%s\"", SETTINGS[k].name);
    fprintf(f, "\n");
    for (int r = 0; r < N_PLOT && r < V; r++) {
        printable(&tok, order[r].index, text, sizeof text, 1);
        fprintf(f, "%d \"%s\" %d", r + 1, text, order[r].index);
        for (int k = 0; k < N_SET; k++) fprintf(f, " %.6f", (double)probs[(size_t)k * V + order[r].index]);
        fprintf(f, "\n");
    }
    if (llmlab_commit_file(f, !ferror(f), tmp, path, err, sizeof err) != 0) LLMLAB_DIE("is the disk full?", "%s", err);
    draw(dir);
    printf("Sample with these knobs: ./llmlab sample --prompt \"The best thing about\" --temperature 0.8 "
           "--top-p 0.9\n");
    free(ids32), free(ids), free(probs), free(order);
    gpt_free(&m);
    tokenizer_free(&tok);
    return 0;
}
