/*
 * llmlab sample: generate text from a trained GPT checkpoint, streaming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "commands.h"
#include "gpt_run.h"
#include "timer.h"
#include "utf8.h"

int cmd_sample(int argc, char **argv) {
    const char *ckpt = "runs/gpt/ckpt.bin", *prompt = NULL;
    int tokens = 200, no_cache = 0, count = 1, print_ids = 0;
    SamplerConfig s = {.temperature = 0.8f, .top_k = 0, .top_p = 1.0f};
    uint64_t seed = 1337;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "checkpoint of llmlab train (holds the model and its tokenizer)", NULL},
        {"prompt", FLAG_STRING, &prompt, 0, 0, "text to continue; without it a new document starts", NULL},
        {"tokens", FLAG_INT, &tokens, 1, 1000000, "the most tokens to generate per sample", NULL},
        SAMPLER_FLAGS(&s, &seed),
        {"count", FLAG_INT, &count, 1, 1000, "how many samples", NULL},
        {"no-cache", FLAG_BOOL, &no_cache, 0, 0, "recompute the whole context every token (slow; for comparison)",
         NULL},
        {"ids", FLAG_BOOL, &print_ids, 0, 0,
         "print the ids of the prompt and of the generated tokens (two lines) instead of the text", NULL},
    };
    const CliCommand cmd = {"llmlab sample",
                            "usage: llmlab sample [--ckpt FILE] [--prompt TEXT] [--temperature T] [--top-k K] "
                            "[--top-p P] ...\nThe knobs apply in this order: temperature, top-k, top-p.",
                            flags,
                            CLI_COUNT(flags),
                            NULL,
                            0,
                            NULL};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        return 1;
    }
    int eot = tokenizer_special_id(&tok, TOKENIZER_EOT);
    size_t plen = prompt ? strlen(prompt) : 0;
    if (prompt && !utf8_valid((const uint8_t *)prompt, plen)) {
        fprintf(stderr, "llmlab sample: the prompt is not valid UTF-8\n");
        gpt_free(&m), tokenizer_free(&tok);
        return 1;
    }
    int *ids = malloc((plen + 2) * sizeof *ids);
    int32_t *ids32 = malloc((plen + 2) * sizeof *ids32);
    int n = 0;
    if (eot >= 0) ids[n++] = eot; /* a new document starts here */
    size_t k = tokenizer_encode(&tok, (const uint8_t *)(prompt ? prompt : ""), plen, 1, ids32);
    for (size_t i = 0; i < k; i++) ids[n++] = ids32[i];
    if (n == 0) {
        fprintf(stderr, "llmlab sample: give a --prompt (this tokenizer has no <|endoftext|> to start from)\n");
        free(ids), free(ids32), gpt_free(&m), tokenizer_free(&tok);
        return CLI_EXIT_USAGE;
    }
    if (n > m.cfg.ctx) {
        fprintf(stderr, "llmlab sample: the prompt is %d tokens, longer than the model's context of %d\n", n,
                m.cfg.ctx);
        free(ids), free(ids32), gpt_free(&m), tokenizer_free(&tok);
        return CLI_EXIT_USAGE;
    }
    Rng rng;
    rng_init(&rng, seed);
    double t0 = timer_now();
    long made = 0;
    int *made_ids = print_ids ? malloc((size_t)tokens * sizeof *made_ids) : NULL;
    FILE *out = cli_text_out(stdout);                 /* a terminal: control characters shown as \xNN */
    for (int c = 0; c < count && !ferror(out); c++) { /* main() reports a failed write */
        if (print_ids) {                              /* for tools (tools/gguf/check.mjs): the ids, not the text */
            int k = gpt_generate(&m, &tok, ids, n, tokens, &s, &rng, NULL, !no_cache, made_ids);
            for (int i = 0; i < n; i++) fprintf(out, "%s%d", i ? " " : "", ids[i]);
            fprintf(out, "\n");
            for (int i = 0; i < k; i++) fprintf(out, "%s%d", i ? " " : "", made_ids[i]);
            fprintf(out, "\n");
            made += k;
            continue;
        }
        if (prompt) fputs(prompt, out);
        made += gpt_generate(&m, &tok, ids, n, tokens, &s, &rng, out, !no_cache, NULL);
        fputs(count > 1 ? "\n----\n" : "\n", out);
    }
    cli_text_out_close(out, stdout);
    free(made_ids);
    double dt = timer_now() - t0;
    fprintf(stderr, "%ld tokens in %.2f s: %.0f tokens/s (%s)\n", made, dt, made / dt,
            no_cache ? "no cache" : "KV cache");
    free(ids), free(ids32);
    gpt_free(&m);
    tokenizer_free(&tok);
    return 0;
}
