/*
 * make bench: training speed of the Week 2 GPT next to its PyTorch twin in the
 * same run (tools/bench/gpt_torch_bench.py: same model, AdamW, clipping, two
 * threads, the faster of libgomp's default wait and the course's), for
 * configurations A and B; and sampling speed with and without the KV cache.
 *
 *   A: vocab 65, 4 layers, 4 heads, 128 channels, context 64, batch 12
 *   B: vocab 65, 6 layers, 6 heads, 384 channels, context 256, batch 8
 *
 * (the sizes that BENCHMARKS.md's goals name; the character-level training
 * run uses the byte tokenizer's 257, see docs/DEVELOPING.md). `bench_gpt A`
 * trains one only; `bench_gpt S` runs the sampling benchmark alone.
 *
 * Random tokens: speed does not depend on the text. GFLOP/s counts the
 * matmuls' 6 FLOPs per parameter per token (forward 2, backward 4) plus
 * attention's 12 L T C per token, against the machine's peak from bench_matmul.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "gpt.h"
#include "gpt_run.h"
#include "timer.h"

typedef struct Config {
    const char *name;
    GptConfig g;
    int batch, steps;
} Config;

static double train_tokens_per_s(const Config *c, double *gflops) {
    Gpt m;
    gpt_init(&m, &c->g, c->batch, c->g.ctx, 1);
    int n = c->batch * c->g.ctx;
    int *x = XMALLOC((size_t)n * sizeof *x), *y = XMALLOC((size_t)n * sizeof *y);
    Rng rng;
    rng_init(&rng, 2);
    for (int i = 0; i < n; i++)
        x[i] = (int)rng_below(&rng, (uint64_t)c->g.vocab), y[i] = (int)rng_below(&rng, (uint64_t)c->g.vocab);
    float *m1 = XCALLOC(m.n_params, sizeof(float)), *m2 = XCALLOC(m.n_params, sizeof(float));
    double t0 = 0;
    for (int s = -3; s < c->steps; s++) { /* 3 warm-up steps */
        if (s == 0) t0 = timer_now();
        memset(m.grads, 0, m.n_params * sizeof(float));
        gpt_forward(&m, x, y, c->batch, c->g.ctx);
        gpt_backward(&m);
        clip_grad_norm(m.grads, m.n_params, 1.0f);
        for (int k = 0; k < m.n_groups; k++) {
            const ParamGroup *g = &m.groups[k];
            adamw_update(m.params + g->offset, m.grads + g->offset, m1 + g->offset, m2 + g->offset, g->size, s + 4,
                         1e-3f, 0.9f, 0.95f, 1e-8f, g->decay ? 0.1f : 0.0f);
        }
    }
    double dt = timer_now() - t0, tok_s = (double)n * c->steps / dt;
    double flops_per_token = 6.0 * (double)m.n_params + 12.0 * c->g.n_layer * c->g.ctx * c->g.n_embd;
    *gflops = tok_s * flops_per_token / 1e9;
    free(x), free(y), free(m1), free(m2);
    gpt_free(&m);
    return tok_s;
}

/* PyTorch's tokens/s with its threads waiting as libgomp's default has them
 * (`wait` empty: poll 300,000 times, best on a quiet machine) or as the course
 * has them (GOMP_SPINCOUNT=1000, best on a busy one). make exports the
 * course's setting, and PyTorch's libgomp would inherit it: on a quiet
 * machine that cost the twin 40% of its speed. */
static double torch_run(const Config *c, const char *wait) {
    char cmd[700];
    XSNPRINTF(cmd, sizeof cmd,
              "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u GOMP_SPINCOUNT %s /usr/bin/python3 "
              "tools/bench/gpt_torch_bench.py %d %d %d %d %d %d %d 2>/dev/null",
              wait, c->g.vocab, c->g.n_layer, c->g.n_head, c->g.n_embd, c->g.ctx, c->batch, c->steps);
    FILE *p = popen(cmd, "r");
    double v = -1;
    char line[400];
    if (p) {
        while (fgets(line, sizeof line, p)) sscanf(line, "torch tokens/s %lf", &v);
        pclose(p);
    }
    return v;
}

/* PyTorch at its best: both ways of waiting, the faster one kept. */
static double torch_tokens_per_s(const Config *c) {
    double own = torch_run(c, ""), course = torch_run(c, "GOMP_SPINCOUNT=1000");
    return own > course ? own : course;
}

/* tokens/s of generating `n` tokens after one, with or without the cache,
 * with the byte tokenizer (so a vocabulary of 257) */
static double sample_tokens_per_s(const Config *c, int use_cache, int n) {
    Gpt m;
    GptConfig g = c->g;
    g.vocab = 257;
    gpt_init(&m, &g, 1, g.ctx, 3);
    Tokenizer tok;
    tokenizer_init(&tok, NULL, 0, 1, NULL, 0);
    SamplerConfig s = {.temperature = 1.0f, .top_k = 0, .top_p = 1.0f};
    Rng rng;
    rng_init(&rng, 4);
    int start = 'A';
    double t0 = timer_now();
    int made = gpt_generate(&m, &tok, &start, 1, n, &s, &rng, NULL, use_cache, NULL);
    double dt = timer_now() - t0;
    tokenizer_free(&tok);
    gpt_free(&m);
    return made / dt;
}

int main(int argc, char **argv) {
    int quick = 0, only = -1; /* only: index of the one configuration to run, or -1 for all */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "A") == 0 || strcmp(argv[i], "B") == 0 || strcmp(argv[i], "S") == 0)
            only = argv[i][0] == 'S' ? 2 : argv[i][0] - 'A';
        else {
            fprintf(stderr, "usage: bench_gpt [--quick] [A|B|S]\n  A or B: train that configuration only "
                            "(no sampling benchmark); S: the sampling benchmark only\n");
            return 2;
        }
    }
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    Config configs[] = {
        {"A", {.vocab = 65, .ctx = 64, .n_layer = 4, .n_head = 4, .n_embd = 128}, 12, quick ? 5 : 50},
        {"B", {.vocab = 65, .ctx = 256, .n_layer = 6, .n_head = 6, .n_embd = 384}, 8, quick ? 2 : 10},
    };
    int rounds = quick ? 1 : 3;
    if (only != 2)
        printf("GPT training, llmlab (%d threads) vs the PyTorch twin (2 threads), random tokens, best of %d "
               "alternated rounds (llmlab/PyTorch)\n",
               threads, rounds);
    for (int i = 0; i < (int)(sizeof configs / sizeof configs[0]); i++) {
        if (only >= 0 && i != only) continue;
        const Config *c = &configs[i];
        /* Rounds alternate the two sides, and each keeps its best: on a
         * shared machine a neighbour slows whichever side runs at that moment. */
        double ours = 0, theirs = -1, gf_best = 0;
        printf("  %s (%d layers, %d heads, %d channels, context %d, batch %d), tokens/s per round:", c->name,
               c->g.n_layer, c->g.n_head, c->g.n_embd, c->g.ctx, c->batch);
        for (int r = 0; r < rounds; r++) {
            double gf, o = train_tokens_per_s(c, &gf), t = torch_tokens_per_s(c);
            printf(" %.0f/%.0f", o, t);
            fflush(stdout);
            if (o > ours) ours = o, gf_best = gf;
            if (t > theirs) theirs = t;
        }
        printf("\n    best: llmlab %.0f tokens/s (%.1f GFLOP/s)", ours, gf_best);
        if (theirs > 0)
            printf(", PyTorch %.0f tokens/s: %.2fx\n", theirs, ours / theirs);
        else
            printf(", PyTorch not available (needs /usr/bin/python3 with python3-torch)\n");
    }
    if (only == 0 || only == 1) return 0;
    printf("\nsampling from configuration A (context 64), 200 tokens\n");
    double with = sample_tokens_per_s(&configs[0], 1, 200), without = sample_tokens_per_s(&configs[0], 0, 200);
    printf("  KV cache %.0f tokens/s, full recomputation %.0f tokens/s: %.1fx\n", with, without, with / without);
    Config b = configs[1];
    with = sample_tokens_per_s(&b, 1, quick ? 50 : 300), without = sample_tokens_per_s(&b, 0, quick ? 50 : 300);
    printf("sampling from configuration B (context 256), %d tokens\n", quick ? 50 : 300);
    printf("  KV cache %.0f tokens/s, full recomputation %.0f tokens/s: %.1fx\n", with, without, with / without);
    return 0;
}
