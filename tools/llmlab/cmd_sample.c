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
#include "words.h"

int cmd_sample(int argc, char **argv) {
    const char *ckpt = "runs/gpt/ckpt.bin", *prompt = NULL, *words = NULL;
    int tokens = 200, no_cache = 0, count = 1, print_ids = 0;
    SamplerConfig s = {.temperature = 0.8f, .top_k = 0, .top_p = 1.0f};
    uint64_t seed = 1337;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "checkpoint of llmlab train (holds the model and its tokenizer)", NULL},
        {"prompt", FLAG_STRING, &prompt, 0, 0, "text to continue; without it a new document starts", NULL},
        {"tokens", FLAG_INT, &tokens, 1, 1000000, "the most tokens to generate per sample", NULL},
        SAMPLER_FLAGS(&s, &seed),
        {"count", FLAG_INT, &count, 1, 1000, "how many samples", NULL},
        {"no-repeat-ngram", FLAG_INT, &s.no_repeat_ngram, 0, 1000,
         "never write the same n-gram of this many tokens twice (0: off; 3 stops greedy decoding's loops)", NULL},
        {"no-cache", FLAG_BOOL, &no_cache, 0, 0, "recompute the whole context every token (slow; for comparison)",
         NULL},
        {"ids", FLAG_BOOL, &print_ids, 0, 0,
         "print the ids of the prompt and of the generated tokens (two lines) instead of the text", NULL},
        {"words", FLAG_STRING, &words, 0, 0,
         "also report the share of the samples' words found in this word list (" WORDS_DEFAULT_LIST
         " from make setup); a word is a run of letters and apostrophes, case-folded, and \"X's\" counts when X does",
         NULL},
    };
    const CliCommand cmd = {
        .name = "llmlab sample",
        .usage = "usage: llmlab sample [--ckpt FILE] [--prompt TEXT] [--temperature T] [--top-k K] "
                 "[--top-p P] [--words LIST] ...\nThe knobs apply in this order: the n-gram block, temperature, top-k, "
                 "top-p.\n"
                 "--words counts the generated text only (not the prompt); the main demo prints the same "
                 "measure\nfor 30 samples at temperature 0.8, top-p 0.95, 160 tokens.",
        .flags = flags,
        .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    char err[LLMLAB_ERR_SIZE];
    WordList list;
    if (words && wordlist_load(&list, words, err, sizeof err) != 0) { /* before the model: fail at once */
        fprintf(stderr, "llmlab sample: %s (the dictionary comes with make setup: Debian's wamerican)\n", err);
        return 1;
    }
    Gpt m;
    Tokenizer tok;
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
    int *made_ids = malloc((size_t)tokens * sizeof *made_ids);
    WordCount wc = {0, 0};
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
        int k = gpt_generate(&m, &tok, ids, n, tokens, &s, &rng, out, !no_cache, made_ids);
        made += k;
        fputs(count > 1 ? "\n----\n" : "\n", out);
        if (words) gpt_count_words(&tok, made_ids, k, &list, &wc);
    }
    cli_text_out_close(out, stdout);
    free(made_ids);
    double dt = timer_now() - t0;
    fflush(stdout); /* the text's last line first, then the statistics (stdout may be a pipe, stderr not) */
    fprintf(stderr, "%ld tokens in %.2f s: %.0f tokens/s (%s)\n", made, dt, made / dt,
            no_cache ? "no cache" : "KV cache");
    if (words) {
        fprintf(stderr, "words: %ld of %ld in %s (%.1f%%)\n", wc.known, wc.words, words, words_rate(&wc));
        wordlist_free(&list);
    }
    free(ids), free(ids32);
    gpt_free(&m);
    tokenizer_free(&tok);
    return 0;
}
