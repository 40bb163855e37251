/*
 * Tests of Week 2's given code (run by `make test`, not graded): the n-gram
 * block of gpt_generate (ngram_block, SamplerConfig.no_repeat_ngram) and the
 * generated text's word count (gpt_count_words).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gpt_run.h"
#include "testing.h"

TestSuite(given_generate, .timeout = 20);

/* The logits after ngram_block(seq, len, n) on V zeros; how many it blocked in *blocked. */
static void block_of(const int *seq, int len, int n, float *logits, int V, int *blocked) {
    for (int i = 0; i < V; i++) logits[i] = 0.0f;
    *blocked = ngram_block(seq, len, n, logits, V);
}

Test(given_generate, ngram_block_blocks_what_would_repeat) {
    const int seq[] = {5, 1, 2, 3, 1, 2}; /* "1 2" came before, followed by 3 */
    float lg[8];
    int b;
    block_of(seq, 6, 3, lg, 8, &b);
    cr_expect(b == 1 && lg[3] == -INFINITY,
              "ngram_block(n=3) after ...1 2: expected token 3 blocked (1 in all), "
              "got %d blocked, logit[3] = %g",
              b, (double)lg[3]);
    for (int i = 0; i < 8; i++)
        if (i != 3) cr_expect(lg[i] == 0.0f, "ngram_block(n=3): logit[%d] changed to %g", i, (double)lg[i]);
    block_of(seq, 6, 2, lg, 8, &b); /* after "2": 3 followed a 2 once */
    cr_expect(b == 1 && lg[3] == -INFINITY, "ngram_block(n=2) after ...2: expected token 3 blocked, got %d", b);
    block_of(seq, 6, 1, lg, 8, &b); /* n=1: every token already written */
    cr_expect(b == 4 && lg[5] == -INFINITY && lg[1] == -INFINITY && lg[0] == 0.0f,
              "ngram_block(n=1): expected tokens 1, 2, 3, 5 blocked, got %d", b);
    block_of(seq, 6, 0, lg, 8, &b);
    cr_expect(b == 0, "ngram_block(n=0) is off, blocked %d", b);
    block_of(seq, 6, 4, lg, 8, &b); /* "3 1 2" never came before */
    cr_expect(b == 0, "ngram_block(n=4): nothing to block, blocked %d", b);
    block_of(seq, 2, 8, lg, 8, &b); /* longer than the text */
    cr_expect(b == 0, "ngram_block(n longer than the text) blocked %d", b);
}

/* A tiny random GPT on a bytes-only tokenizer with <|endoftext|> (id 256). */
static void tiny_model(Gpt *m, Tokenizer *tok) {
    const char *special[] = {"<|endoftext|>"};
    tokenizer_init(tok, NULL, 0, 1, special, 1);
    GptConfig c = {.vocab = 257, .ctx = 16, .n_layer = 1, .n_head = 2, .n_embd = 16};
    gpt_init(m, &c, 1, 1, 7);
}

/* Whether ids[0..n) (after the prompt) holds some n-gram twice. */
static int repeats_ngram(const int *ids, int n, int ngram) {
    for (int i = 0; i + ngram <= n; i++)
        for (int j = i + 1; j + ngram <= n; j++)
            if (memcmp(ids + i, ids + j, (size_t)ngram * sizeof *ids) == 0) return 1;
    return 0;
}

Test(given_generate, greedy_loops_and_the_block_stops_it) {
    Gpt m;
    Tokenizer tok;
    tiny_model(&m, &tok);
    Rng rng;
    rng_init(&rng, 1);
    int prompt[] = {'a'}, plain[41], blocked[41];
    SamplerConfig greedy = {.temperature = 0, .top_k = 0, .top_p = 1};
    int n_plain = gpt_generate(&m, &tok, prompt, 1, 40, &greedy, &rng, NULL, 1, plain + 1);
    plain[0] = 'a';
    cr_assert(n_plain == 40, "gpt_generate: a random model should write 40 tokens, wrote %d", n_plain);
    cr_expect(repeats_ngram(plain, n_plain + 1, 2), "greedy decoding of a random model was expected to loop");
    greedy.no_repeat_ngram = 2;
    int n_blocked = gpt_generate(&m, &tok, prompt, 1, 40, &greedy, &rng, NULL, 1, blocked + 1);
    blocked[0] = 'a';
    cr_expect(!repeats_ngram(blocked, n_blocked + 1, 2),
              "gpt_generate with no_repeat_ngram = 2 wrote a pair of tokens twice (prompt included)");
    gpt_free(&m);
    tokenizer_free(&tok);
}

Test(given_generate, count_words_reads_the_text_of_the_ids) {
    Tokenizer tok;
    const char *special[] = {"<|endoftext|>"};
    tokenizer_init(&tok, NULL, 0, 1, special, 1);
    char path[] = "/tmp/llmlab_words_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(write(fd, "the\ndog\n", 8) == 8);
    close(fd);
    WordList list;
    char err[LLMLAB_ERR_SIZE];
    cr_assert(wordlist_load(&list, path, err, sizeof err) == 0, "%s", err);
    unlink(path);
    const char *text = "The dog's doge";
    int ids[20], n = 0;
    for (const char *p = text; *p; p++) ids[n++] = (unsigned char)*p;
    ids[n++] = 256; /* <|endoftext|> is not text */
    WordCount c = {0, 0};
    gpt_count_words(&tok, ids, n, &list, &c);
    cr_expect(c.words == 3 && c.known == 2, "gpt_count_words(\"%s\"): expected 2 of 3 words known, got %ld of %ld",
              text, c.known, c.words);
    wordlist_free(&list);
    tokenizer_free(&tok);
}
