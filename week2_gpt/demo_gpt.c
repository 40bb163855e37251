/*
 * Week 2 demo, and the course's main job (`make demo`): train a small GPT on
 * the fortunes for a few minutes, print samples at three temperatures, and
 * draw the loss curve.
 *
 * The run goes to runs/gpt (log.csv, ckpt.bin, loss.png). Ctrl-C saves a
 * checkpoint; --resume continues. `./llmlab sample` reads the checkpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "gpt_run.h"
#include "plot.h"

/* What the main job changes from `llmlab train`'s defaults (gpt_run_defaults). */
enum { DEMO_VOCAB = 8192, DEMO_STEPS = 800 };
#define DEMO_LR 1e-3f

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1337};
    cli_parse_demo(argc, argv, "Week 2: train a small GPT on fortunes, sample from it, plot its loss", &args);
    GptRunOptions o;
    gpt_run_defaults(&o);
    char run_dir[512], ckpt[600];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/gpt", args.runs);
    XSNPRINTF(ckpt, sizeof ckpt, "%s/ckpt.bin", run_dir);
    o.train.run_dir = run_dir;
    o.train.seed = args.seed;
    o.train.resume = args.resume;
    o.train.force = 1; /* a demo starts afresh every time, unless --resume */
    /* The main job's tuning (study note 06 measures each lever): an 8192-token
     * vocabulary, so most words are one token the model cannot misspell, and
     * the steps that fit in about the time 1500 steps of the 1024-token model took. */
    o.vocab = DEMO_VOCAB;
    o.train.max_steps = args.quick ? 12 : DEMO_STEPS;
    o.train.lr_max = DEMO_LR, o.train.lr_min = DEMO_LR / 10;
    if (args.quick) {
        o.vocab = 1024, o.train.lr_max = 1e-3f, o.train.lr_min = 1e-4f;
        o.model = (GptConfig){.ctx = 32, .n_layer = 2, .n_head = 2, .n_embd = 32};
        o.train.block = 32, o.train.batch = 4, o.train.warmup = 2, o.train.eval_every = 6, o.train.eval_batches = 2;
    }
    TrainResult r = gpt_run_train(&o);
    char val[100];
    printf("step %ld: train loss %.3f, %s, %.0f tokens/s, %.0f s\n", r.steps, r.train_loss,
           train_val_loss_text(&r, 3, val, sizeof val), r.tokens_per_s, r.seconds);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) return 1;

    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(ckpt, &m, &tok, 1, 1, err, sizeof err) != 0) LLMLAB_DIE("", "%s", err);
    int eot = tokenizer_special_id(&tok, TOKENIZER_EOT);
    Rng rng;
    rng_init(&rng, args.seed + 7);
    static const float temps[] = {0.5f, 0.8f, 1.1f};
    for (int i = 0; i < 3; i++) {
        SamplerConfig s = {.temperature = temps[i], .top_k = 0, .top_p = 0.95f};
        printf("\n--- a fortune at temperature %.1f (top-p 0.95) ---\n", (double)temps[i]);
        fflush(stdout);
        gpt_generate(&m, &tok, &eot, 1, args.quick ? 20 : 160, &s, &rng, stdout, 1, NULL);
        printf("\n");
    }

    /* Is it English? The share of the words it writes that a dictionary knows (common/words.h). */
    WordList list;
    int n_samples = args.quick ? 2 : 30;
    if (wordlist_load(&list, WORDS_DEFAULT_LIST, err, sizeof err) == 0) {
        SamplerConfig s = {.temperature = 0.8f, .top_k = 0, .top_p = 0.95f};
        WordCount wc = {0, 0};
        rng_init(&rng, args.seed + 11);
        gpt_word_rate(&m, &tok, n_samples, args.quick ? 20 : 160, &s, &rng, &list, &wc);
        printf("\nword rate: %.1f%% of the words in %d more samples at temperature 0.8 are in the dictionary\n"
               "(%ld of %ld; the fortunes themselves: 97%%; ./llmlab sample --words %s)\n",
               words_rate(&wc), n_samples, wc.known, wc.words, WORDS_DEFAULT_LIST);
        wordlist_free(&list);
    } else {
        printf("\nword rate: not measured (%s; make setup installs the dictionary, Debian's wamerican)\n", err);
    }
    gpt_free(&m);
    tokenizer_free(&tok);

    printf("\nloss curve (make plot RUN=%s):\n", run_dir);
    PlotLossOptions plot = {.terminal = 1, .ansi = isatty(STDOUT_FILENO)};
    if (!args.quick && plot_loss(run_dir, &plot, err, sizeof err) != 0)
        fprintf(stderr, "could not draw the loss curve: %s\n", err);
    else if (!args.quick)
        printf("plot: wrote %s/loss.png\n", run_dir);
    printf("more samples: ./llmlab sample --ckpt %s --temperature 0.8\n", ckpt);
    if (r.status == TRAIN_INTERRUPTED) printf("continue training: make demo ARGS=--resume\n");
    return 0;
}
