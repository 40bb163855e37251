/*
 * Tests of Day 5's given code (run by `make test` on the reference, not
 * graded): the tokenizer file, token files and checkpoints, including
 * every kind of broken file, and a checkpoint write that hits a full disk.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "testing.h"
#include "tokenizer.h"
#include "checkpoint.h"
#include "optim.h"
#include "tokens.h"
#include "trainloop.h"

/* How many names in folder dir hold ".tmp": temporary files left behind (their names are unique,
 * NAME.tmp-XXXXXX, so a test looks for any). */
TestSuite(given_tokenizer_file, .timeout = 20, .fini = testing_dir_remove);
TestSuite(given_token_file, .timeout = 20, .fini = testing_dir_remove);
TestSuite(given_checkpoint, .timeout = 20, .fini = testing_dir_remove);
TestSuite(given_fast_trainer, .timeout = 20, .fini = testing_dir_remove);

Test(given_fast_trainer, wikipedia_example_and_compacted_words) {
    const char *text = "aaabdaaabac";
    BpeWords w = bpe_words_from_text((const uint8_t *)text, strlen(text), 0);
    BpeMerge m[8];
    int made = bpe_train_fast(&w, 8, m);
    cr_assert(made >= 3 && m[0].left == 'a' && m[0].right == 'a' && m[1].left == 'a' && m[1].right == 'b' &&
                  m[2].left == 256 && m[2].right == 257,
              "fast trainer: expected (a,a) (a,b) (256,257) first");
    bpe_words_free(&w);
}

Test(given_tokenizer_file, round_trip_through_text) {
    const char *special[] = {TOKENIZER_EOT, "<|user|>"};
    const char *text = "the theme of the thesis: then, there, these.\n";
    Tokenizer a, b;
    tokenizer_train(&a, (const uint8_t *)text, strlen(text), 280, 1, special, 2);
    size_t len;
    char *s = tokenizer_to_text(&a, &len);
    char err[200];
    cr_assert(tokenizer_from_text(&b, s, len, err, sizeof err) == 0, "parsing our own output: %s", err);
    cr_assert(a.vocab_size == b.vocab_size && a.n_merges == b.n_merges && a.n_special == b.n_special &&
              memcmp(a.merges, b.merges, (size_t)a.n_merges * sizeof *a.merges) == 0);
    cr_assert(tokenizer_special_id(&b, "<|user|>") == 256 + b.n_merges + 1);
    free(s);
    tokenizer_free(&a), tokenizer_free(&b);
    EXPECT_NO_LEAKS();
}

Test(given_tokenizer_file, broken_files_are_clear_errors) {
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"", "not an llmlab tokenizer"},
        {"GIF89a\x01\x02", "not an llmlab tokenizer"},
        {"llmlab-bpe 7\nmode gpt2\nmerges 0\n", "version 7"},
        {"llmlab-bpe x\n", "bad version"},
        {"llmlab-bpe 1\nmode chars\nmerges 0\n", "unknown mode"},
        {"llmlab-bpe 1\nmode gpt2\n", "ends before"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 3\n97 97\n", "truncated"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 1\n97\n", "two token ids"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 1\n97 -3\n", "two token ids"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 1\n256 97\n", "only exists from merge"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 99999999\n", "number of merges"},
        {"llmlab-bpe 1\nmode gpt2\nmerges 1\n97 98\nextra\n", "unexpected text"},
        {"llmlab-bpe 1\nmode gpt2\nspecial \nmerges 0\n", "special token must be"},
        {"llmlab-bpe 1\nmode gpt2\nfoo\n", "expected \"special TEXT\" or \"merges N\""},
        {"llmlab-bpe 1\nmode words\nmerges 0\n", "before it followed GPT-2's rules"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Tokenizer t;
        char err[200] = "";
        int rc = tokenizer_from_text(&t, cases[i].text, strlen(cases[i].text), err, sizeof err);
        cr_assert(rc == -1 && strstr(err, cases[i].says),
                  "case %zu: expected an error saying \"%s\", got rc %d, "
                  "\"%s\"",
                  i, cases[i].says, rc, err);
    }
    Tokenizer t;
    char err[200] = "";
    cr_assert(tokenizer_from_text(&t, "llmlab-bpe 1\nmo\0de", 19, err, sizeof err) == -1 && strstr(err, "not text"),
              "a NUL byte: got \"%s\"", err);
    cr_assert(tokenizer_load(&t, "/nonexistent/tok.bpe", err, sizeof err) == -1 && strstr(err, "cannot open"));
    const char *no_crc = "llmlab-bpe 2\nmode gpt2\nmerges 0\n";
    cr_assert(tokenizer_from_text(&t, no_crc, strlen(no_crc), err, sizeof err) == -1 && strstr(err, "crc32"),
              "version 2 without its checksum line: got \"%s\"", err);
}

/* Every one-byte change and every cut of a version 2 file is refused, or
 * (a line end that is still a line end) reads as the very same tokenizer. */
Test(given_tokenizer_file, the_checksum_catches_any_change) {
    const char *special[] = {TOKENIZER_EOT};
    const char *text = "the theme of the thesis: then, there, these. 1234 1234\n";
    Tokenizer a, b;
    tokenizer_train(&a, (const uint8_t *)text, strlen(text), 290, 1, special, 1);
    size_t len;
    char *s = tokenizer_to_text(&a, &len);
    cr_assert(strncmp(s, "llmlab-bpe 2\n", 13) == 0 && strstr(s, "\ncrc32 "), "version 2, with its checksum line:\n%s",
              s);
    char *copy = malloc(len);
    char err[300];
    int refused = 0, cases = 0;
    for (size_t i = 0; i < len; i++) {
        for (int delta = 1; delta <= 9; delta += 4) {
            memcpy(copy, s, len);
            copy[i] = (char)(copy[i] + delta);
            cases++;
            if (tokenizer_from_text(&b, copy, len, err, sizeof err) != 0) {
                refused++;
                continue;
            }
            cr_assert(b.n_merges == a.n_merges && b.n_special == a.n_special && b.pretokenize == a.pretokenize &&
                          memcmp(b.merges, a.merges, (size_t)a.n_merges * sizeof *a.merges) == 0,
                      "byte %zu changed by %d: the file loaded as another tokenizer", i, delta);
            tokenizer_free(&b);
        }
    }
    for (size_t cut = 0; cut + 1 < len; cut++) { /* all but the last newline */
        cr_assert(tokenizer_from_text(&b, s, cut, err, sizeof err) == -1, "the file cut to %zu of %zu bytes loaded",
                  cut, len);
    }
    cr_assert(refused == cases, "%d of %d one-byte changes were not refused", cases - refused, cases);
    testing_dir_make("given");
    const char *v1 = "llmlab-bpe 1\nmode gpt2\nmerges 0\n";
    testing_write_file(testing_dir_path("v1.bpe"), v1, strlen(v1));
    cr_assert(tokenizer_load(&b, testing_dir_path("v1.bpe"), err, sizeof err) == -1 && strstr(err, "version 1") &&
                  strstr(err, "checksum"),
              "a standalone file of version 1 is refused: \"%s\"", err);
    cr_assert(tokenizer_from_text(&b, v1, strlen(v1), err, sizeof err) == 0,
              "version 1 text (inside older checkpoints) still reads: %s", err);
    tokenizer_free(&b);
    const char *v1_bytes = "llmlab-bpe 1\nmode bytes\nmerges 1\n97 98\n"; /* lines: unchanged by GPT-2's rules */
    cr_assert(tokenizer_from_text(&b, v1_bytes, strlen(v1_bytes), err, sizeof err) == 0 && b.pretokenize == 0,
              "version 1 text in byte mode still reads: %s", err);
    tokenizer_free(&b);
    free(copy), free(s);
    tokenizer_free(&a);
    EXPECT_NO_LEAKS();
}

Test(given_token_file, round_trip_and_broken_files) {
    testing_dir_make("given");
    int32_t ids[] = {0, 5, 299, 17, 256};
    char err[300];
    cr_assert(token_file_write(testing_dir_path("a.tok"), ids, 5, 300, 42, err, sizeof err) == 0, "%s", err);
    TokenFile tf;
    cr_assert(token_file_open(&tf, testing_dir_path("a.tok"), err, sizeof err) == 0, "%s", err);
    cr_assert(tf.n == 5 && tf.vocab_size == 300 && tf.tokenizer_hash == 42 && tf.tokens[2] == 299);
    token_file_close(&tf);

    int32_t bad[] = {1, 300};
    cr_assert(token_file_write(testing_dir_path("b.tok"), bad, 2, 300, 0, err, sizeof err) == -1 &&
              strstr(err, "outside"));
    cr_assert(access(testing_dir_path("b.tok"), F_OK) != 0 && testing_temp_files_in(testing_dir()) == 0,
              "a failed write must leave no file behind");

    FILE *f = fopen(testing_dir_path("a.tok"), "rb");
    uint8_t buf[64];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    testing_write_file(testing_dir_path("trunc.tok"), buf, n - 3);
    cr_assert(token_file_open(&tf, testing_dir_path("trunc.tok"), err, sizeof err) == -1 && strstr(err, "truncated"),
              "%s", err);
    testing_write_file(testing_dir_path("short.tok"), buf, 10);
    cr_assert(token_file_open(&tf, testing_dir_path("short.tok"), err, sizeof err) == -1 && strstr(err, "too short"),
              "%s", err);
    testing_write_file(testing_dir_path("foreign.tok"), "PK\x03\x04 this is a zip file, not tokens....", 40);
    cr_assert(token_file_open(&tf, testing_dir_path("foreign.tok"), err, sizeof err) == -1 &&
                  strstr(err, "not a token file"),
              "%s", err);
    buf[n - 2 * 2] = 0xFF, buf[n - 2 * 2 + 1] = 0xFF; /* token 3 (of 5) becomes 65535 */
    testing_write_file(testing_dir_path("corrupt.tok"), buf, n);
    cr_assert(token_file_open(&tf, testing_dir_path("corrupt.tok"), err, sizeof err) == -1 && strstr(err, "outside"),
              "%s", err);
    cr_assert(token_file_open(&tf, testing_dir(), err, sizeof err) == -1 && strstr(err, "not a regular file"), "%s",
              err);
    cr_assert(token_file_open(&tf, testing_dir_path("missing.tok"), err, sizeof err) == -1 &&
              strstr(err, "cannot open"));
    memcpy(buf, "LLMTOKS1", 8); /* version 1: no hash of its text */
    testing_write_file(testing_dir_path("v1.tok"), buf, n);
    cr_assert(token_file_open(&tf, testing_dir_path("v1.tok"), err, sizeof err) == -1 &&
                  strstr(err, "not a token file"),
              "%s", err);
}

Test(given_token_file, the_cache_is_keyed_on_the_text) {
    testing_dir_make("given");
    int32_t ids[] = {1, 2, 3};
    char err[300];
    TokenFile tf;
    cr_assert(token_file_write_from(testing_dir_path("s.tok"), ids, 3, 300, 42, 77, err, sizeof err) == 0, "%s", err);
    cr_assert(token_file_open(&tf, testing_dir_path("s.tok"), err, sizeof err) == 0, "%s", err);
    cr_assert(tf.tokenizer_hash == 42 && tf.source_hash == 77, "the header keeps both hashes");
    token_file_close(&tf);

    /* token_file_prepare: the same tokenizer, a text of the same length with other words */
    Tokenizer tok;
    tokenizer_init(&tok, NULL, 0, 1, NULL, 0);
    const char *text = testing_dir_path("t.txt"), *cache = testing_dir_path("t.tok");
    testing_write_file(text, "hello", 5);
    token_file_prepare(&tf, text, cache, &tok);
    cr_assert(tf.n == 5 && tf.tokens[0] == 'h');
    token_file_close(&tf);
    testing_write_file(text, "world", 5);
    token_file_prepare(&tf, text, cache, &tok);
    cr_assert(tf.n == 5 && tf.tokens[0] == 'w',
              "token_file_prepare: train.txt changed, so its token file must be "
              "made again; got token %u for 'w'",
              tf.tokens[0]);
    token_file_close(&tf);
    tokenizer_free(&tok);
}

static Checkpoint sample_checkpoint(float *params, float *m, float *v, size_t n) {
    static int config[3] = {7, 8, 9};
    Checkpoint c = {.step = 123,
                    .config_size = sizeof config,
                    .config = config,
                    .tokenizer_text = "llmlab-bpe 1\nmode gpt2\nmerges 0\n",
                    .n_params = n,
                    .params = params,
                    .m = m,
                    .v = v};
    strcpy(c.kind, "test_model");
    rng_init(&c.rng, 5);
    rng_normal(&c.rng); /* leaves a spare normal in the state */
    for (size_t i = 0; i < n; i++) params[i] = (float)i * 0.5f, m[i] = (float)i, v[i] = (float)(n - i);
    return c;
}

Test(given_checkpoint, round_trip_and_broken_files) {
    testing_dir_make("given");
    enum { N = 1000 };
    static float p[N], m[N], v[N];
    Checkpoint c = sample_checkpoint(p, m, v, N), d;
    char err[300];
    cr_assert(checkpoint_save(testing_dir_path("ck.bin"), &c, err, sizeof err) == 0, "%s", err);
    cr_assert(checkpoint_load(testing_dir_path("ck.bin"), &d, err, sizeof err) == 0, "%s", err);
    cr_assert(d.step == 123 && !strcmp(d.kind, "test_model") && d.n_params == N && d.config_size == 12 &&
              !memcmp(&d.rng, &c.rng, sizeof c.rng) && !memcmp(d.params, p, sizeof p) && !memcmp(d.m, m, sizeof m) &&
              !memcmp(d.v, v, sizeof v) && !strcmp(d.tokenizer_text, c.tokenizer_text));
    checkpoint_free(&d);

    FILE *f = fopen(testing_dir_path("ck.bin"), "rb");
    static uint8_t buf[20000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    testing_write_file(testing_dir_path("trunc.bin"), buf, n - 100);
    cr_assert(checkpoint_load(testing_dir_path("trunc.bin"), &d, err, sizeof err) == -1 && strstr(err, "truncated"),
              "%s", err);
    testing_write_file(testing_dir_path("tiny.bin"), buf, 50);
    cr_assert(checkpoint_load(testing_dir_path("tiny.bin"), &d, err, sizeof err) == -1 && strstr(err, "too short"),
              "%s", err);
    buf[n / 2] ^= 0x10; /* one flipped bit in the parameters */
    testing_write_file(testing_dir_path("flip.bin"), buf, n);
    cr_assert(checkpoint_load(testing_dir_path("flip.bin"), &d, err, sizeof err) == -1 && strstr(err, "checksum"), "%s",
              err);
    buf[n / 2] ^= 0x10;
    buf[8] = 9; /* version 9 */
    testing_write_file(testing_dir_path("version.bin"), buf, n);
    cr_assert(checkpoint_load(testing_dir_path("version.bin"), &d, err, sizeof err) == -1 && strstr(err, "version 9"),
              "%s", err);
    memset(buf, 'x', 300);
    testing_write_file(testing_dir_path("foreign.bin"), buf, 300);
    cr_assert(checkpoint_load(testing_dir_path("foreign.bin"), &d, err, sizeof err) == -1 &&
                  strstr(err, "not an llmlab"),
              "%s", err);
    cr_assert(checkpoint_load(testing_dir_path("none.bin"), &d, err, sizeof err) == -1 && strstr(err, "cannot open"));
    cr_assert(checkpoint_load(testing_dir(), &d, err, sizeof err) == -1 && strstr(err, "is a folder"), "%s", err);
}

Test(given_checkpoint, never_holds_a_number_that_is_not_finite) {
    testing_dir_make("given");
    enum { N = 100 };
    static float p[N], m[N], v[N];
    Checkpoint c = sample_checkpoint(p, m, v, N), d;
    char err[300];
    p[17] = NAN;
    cr_assert(checkpoint_save(testing_dir_path("nan.bin"), &c, err, sizeof err) == -1 && strstr(err, "parameter 17") &&
                  strstr(err, "NaN"),
              "checkpoint_save must refuse a NaN parameter: \"%s\"", err);
    cr_assert(access(testing_dir_path("nan.bin"), F_OK) != 0 && testing_temp_files_in(testing_dir()) == 0);
    p[17] = 1.0f, v[3] = INFINITY;
    cr_assert(checkpoint_save(testing_dir_path("inf.bin"), &c, err, sizeof err) == -1 && strstr(err, "infinite"),
              "checkpoint_save must refuse an infinite moment: \"%s\"", err);
    v[3] = 1.0f;
    /* a file with a NaN and a right checksum (as an older version could write): refused on load */
    cr_assert(checkpoint_save(testing_dir_path("ok.bin"), &c, err, sizeof err) == 0, "%s", err);
    FILE *f = fopen(testing_dir_path("ok.bin"), "rb");
    static uint8_t buf[4000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    float nan = NAN;
    size_t at = n - 4 - 3 * N * 4 + 5 * 4; /* parameter 5 */
    memcpy(buf + at, &nan, 4);
    uint32_t crc = (uint32_t)crc32(crc32(0, NULL, 0), buf, (uInt)(n - 4));
    for (int i = 0; i < 4; i++) buf[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    testing_write_file(testing_dir_path("nan-crc.bin"), buf, n);
    cr_assert(checkpoint_load(testing_dir_path("nan-crc.bin"), &d, err, sizeof err) == -1 &&
                  strstr(err, "parameter 5") && strstr(err, "NaN"),
              "checkpoint_load must refuse a NaN parameter even under a good checksum: \"%s\"", err);
}

Test(given_checkpoint, a_full_disk_keeps_the_previous_checkpoint) {
    testing_dir_make("given");
    enum { N = 4000 };
    static float p[N], m[N], v[N];
    Checkpoint c = sample_checkpoint(p, m, v, N), d;
    char err[300];
    cr_assert(checkpoint_save(testing_dir_path("ck.bin"), &c, err, sizeof err) == 0, "%s", err);
    /* Pretend the disk is full: files may not grow past 8 KB (this test runs in its own process). */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {8192, 8192};
    cr_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    c.step = 999;
    cr_assert(checkpoint_save(testing_dir_path("ck.bin"), &c, err, sizeof err) == -1,
              "a write past the size limit must fail");
    cr_assert(strstr(err, "could not write") && strstr(err, "File too large"),
              "the message should say the write failed, and why (strerror): %s", err);
    cr_assert(testing_temp_files_in(testing_dir()) == 0,
              "the partial temporary file (ck.bin.tmp-XXXXXX) must be removed");
    cr_assert(checkpoint_load(testing_dir_path("ck.bin"), &d, err, sizeof err) == 0 && d.step == 123,
              "the previous checkpoint must be intact: %s", err);
    checkpoint_free(&d);
}
