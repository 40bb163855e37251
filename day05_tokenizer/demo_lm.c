/*
 * Day 5 demo: a first language model, end to end.
 *
 *   1. the fortunes corpus (prepared by `make data`, or here on first use),
 *   2. a 1024-token BPE tokenizer trained on it, and the token files,
 *   3. an MLP language model trained with the Day 5 training loop:
 *      AdamW, warmup + cosine, clipping, validation, checkpoints,
 *   4. fortunes sampled from it.
 *
 * The run goes to runs/day5_lm: log.csv (make plot RUN=runs/day5_lm) and
 * ckpt.bin. Stop it with Ctrl-C and continue with --resume.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "corpus.h"
#include "mlp_lm.h"
#include "trainloop.h"

static void print_sample(MlpLm *m, Tokenizer *tok, float temperature, int max_tokens, Rng *rng) {
    int eot = tokenizer_special_id(tok, TOKENIZER_EOT);
    int *ids = XMALLOC((size_t)(max_tokens + 1) * sizeof *ids);
    int n = 0;
    ids[n++] = eot; /* "a new fortune starts here" */
    while (n <= max_tokens) {
        int next = mlp_lm_sample_next(m, ids, n, temperature, rng);
        if (next == eot) break;
        ids[n++] = next;
    }
    int32_t *out_ids = XMALLOC((size_t)n * sizeof *out_ids);
    for (int i = 0; i < n - 1; i++) out_ids[i] = ids[i + 1];
    uint8_t *text = XMALLOC(tokenizer_decoded_size(tok, out_ids, (size_t)(n - 1)) + 1);
    size_t len = tokenizer_decode(tok, out_ids, (size_t)(n - 1), text);
    printf("%.*s%s\n", (int)len, (const char *)text, n > max_tokens ? " ..." : "");
    free(ids), free(out_ids), free(text);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1337};
    cli_parse_demo(argc, argv, "Day 5: a BPE tokenizer, the training loop and a first language model on fortunes",
                   &args);
    Corpus corpus;
    corpus_open(&corpus, "fortunes", 1024);
    Tokenizer *tok = &corpus.tok;
    printf("corpus: %zu training tokens, %zu validation tokens, vocabulary %d (%d merges)\n", corpus.train.n,
           corpus.val.n, tok->vocab_size, tok->n_merges);

    MlpLmConfig mc = {.vocab = tok->vocab_size, .context = 6, .embed = 32, .hidden = 256};
    MlpLm model;
    mlp_lm_init(&model, &mc, args.seed);
    printf("model: MLP LM, context %d tokens, embedding %d, hidden %d: %zu parameters\n", mc.context, mc.embed,
           mc.hidden, model.n_params);

    TrainConfig tc;
    train_config_defaults(&tc);
    char run_dir[512];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/day5_lm", args.runs);
    tc.run_dir = run_dir;
    tc.max_steps = args.quick ? 12 : 2000;
    tc.batch = args.quick ? 4 : 32;
    tc.block = args.quick ? 16 : 32;
    tc.lr_max = 3e-3f;
    tc.lr_min = 3e-4f;
    tc.warmup = args.quick ? 5 : 100;
    tc.eval_every = args.quick ? 6 : 100;
    tc.ckpt_every = args.quick ? 6 : 250;
    tc.seed = args.seed;
    tc.resume = args.resume;
    tc.force = 1; /* a demo starts afresh every time, unless --resume */
    printf("a model that knows nothing scores ln(%d) = %.2f; training %ld steps of %d x %d tokens\n", tok->vocab_size,
           log((double)tok->vocab_size), tc.max_steps, tc.batch, tc.block);

    TrainModel tm = mlp_lm_train_model(&model);
    TrainResult r = train_run(&tm, &tc, &corpus.train, &corpus.val, tok);
    char val[100];
    printf("step %ld: train loss %.3f, %s, %.0f tokens/s\n", r.steps, r.train_loss,
           train_val_loss_text(&r, 3, val, sizeof val), r.tokens_per_s);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) return 1;

    Rng rng;
    rng_init(&rng, args.seed + 1);
    printf("\nthree fortunes at temperature 0.8:\n");
    for (int i = 0; i < 3; i++) {
        printf("--- %d ---\n", i + 1);
        print_sample(&model, tok, 0.8f, args.quick ? 30 : 120, &rng);
    }
    printf("\nloss curve: make plot RUN=%s\n", run_dir);
    if (r.status == TRAIN_INTERRUPTED) printf("continue the run: make demo-day5 ARGS=--resume\n");
    mlp_lm_free(&model);
    corpus_close(&corpus);
    return 0;
}
