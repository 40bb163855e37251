/*
 * make bench: Day 5's BPE trainers and encoder on tinyshakespeare, next to
 * Debian's sentencepiece (spm_train --model_type=bpe, spm_encode) in the same
 * run, at the same vocabulary size (4096).
 *
 * The text: data/tinyshakespeare.txt (`make data`), or the copy in
 * $LLMLAB_DATA_MIRROR. Without either the benchmark says so and skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"
#include "timer.h"
#include "tokenizer.h"

#define VOCAB 4096

static double run_timed(const char *cmd) {
    double t0 = timer_now();
    int rc = system(cmd);
    double t = timer_now() - t0;
    return rc == 0 ? t : -1;
}

int main(void) {
    char path[600] = "data/tinyshakespeare.txt";
    const char *mirror = getenv("LLMLAB_DATA_MIRROR");
    if (access(path, R_OK) != 0 && mirror) XSNPRINTF(path, sizeof path, "%s/tinyshakespeare.txt", mirror);
    if (access(path, R_OK) != 0) {
        printf("bench_bpe: skipped: no tinyshakespeare (run `make data`, or set LLMLAB_DATA_MIRROR=DIR)\n");
        return 0;
    }
    size_t n;
    uint8_t *text = read_file_or_die(path, &n);
    printf("BPE on %s (%zu bytes), vocabulary %d, one thread unless said\n\n", path, n, VOCAB);

    /* the learner's straightforward trainer (the reference's solution of it) */
    int merges = VOCAB - 256;
    BpeMerge *ms = XMALLOC((size_t)merges * sizeof *ms), *mf = XMALLOC((size_t)merges * sizeof *mf);
    double t0 = timer_now();
    BpeWords w = bpe_words_from_text(text, n, 1);
    int made_s = bpe_train_simple(&w, merges, ms);
    double t_simple = timer_now() - t0;
    bpe_words_free(&w);

    /* the incremental trainer, best of 3 */
    double t_fast = 1e30;
    int made_f = 0;
    for (int rep = 0; rep < 3; rep++) {
        t0 = timer_now();
        BpeWords wf = bpe_words_from_text(text, n, 1);
        made_f = bpe_train_fast(&wf, merges, mf);
        double t = timer_now() - t0;
        t_fast = t < t_fast ? t : t_fast;
        bpe_words_free(&wf);
    }
    int same = made_s == made_f && memcmp(ms, mf, (size_t)made_s * sizeof *ms) == 0;

    /* encoding, a fresh tokenizer (empty cache) each time, best of 5 */
    Tokenizer tok;
    int32_t *ids = XMALLOC((n + 1) * sizeof *ids);
    double t_enc = 1e30;
    size_t n_tokens = 0;
    for (int rep = 0; rep < 5; rep++) {
        tokenizer_init(&tok, mf, made_f, 1, NULL, 0);
        t0 = timer_now();
        n_tokens = tokenizer_encode(&tok, text, n, 0, ids);
        double t = timer_now() - t0;
        t_enc = t < t_enc ? t : t_enc;
        tokenizer_free(&tok);
    }
    printf("%-44s %8s %10s\n", "", "seconds", "vs spm");
    double spm_train_s = -1, spm_enc_s = -1;
    int have_spm = system("command -v spm_train >/dev/null 2>&1 && command -v spm_encode >/dev/null 2>&1") == 0;
    char cmd[2000], prefix[64];
    if (have_spm) {
        strcpy(prefix, "/tmp/llmlab-bench-spm-XXXXXX");
        if (!mkdtemp(prefix)) LLMLAB_DIE("", "cannot make a temporary folder");
        XSNPRINTF(cmd, sizeof cmd,
                  "spm_train --input=%s --model_prefix=%s/m --vocab_size=%d --model_type=bpe --minloglevel=2 "
                  ">/dev/null 2>&1",
                  path, prefix, VOCAB);
        spm_train_s = run_timed(cmd);
        XSNPRINTF(cmd, sizeof cmd, "spm_encode --model=%s/m.model --output_format=id < %s > /dev/null", prefix, path);
        spm_enc_s = 1e30;
        for (int rep = 0; rep < 3 && spm_train_s > 0; rep++) {
            double t = run_timed(cmd);
            spm_enc_s = t > 0 && t < spm_enc_s ? t : spm_enc_s;
        }
        XSNPRINTF(cmd, sizeof cmd, "rm -rf %s", prefix);
        if (system(cmd) != 0) fprintf(stderr, "bench_bpe: could not remove %s\n", prefix);
    }
#define RATIO(ours, theirs) ((theirs) > 0 ? (theirs) / (ours) : 0)
    printf("%-44s %8.3f %9.1fx\n", "train, straightforward (bpe_train_simple)", t_simple, RATIO(t_simple, spm_train_s));
    printf("%-44s %8.3f %9.1fx\n", "train, incremental (bpe_train_fast)", t_fast, RATIO(t_fast, spm_train_s));
    if (spm_train_s > 0)
        printf("%-44s %8.3f %9s\n", "train, spm_train --model_type=bpe (threads)", spm_train_s, "1.0x");
    else
        printf("%-44s %8s\n", "train, spm_train",
               have_spm ? "failed" : "not installed (apt-get install sentencepiece)");
    printf("  merges identical between our two trainers: %s (%d and %d merges)\n", same ? "yes" : "NO", made_s, made_f);
    printf("  incremental / straightforward: %.1fx faster\n\n", t_simple / t_fast);
    printf("%-44s %8.1f MB/s %5.1fx\n", "encode, tokenizer_encode (one core)", n / t_enc / 1e6,
           spm_enc_s > 0 && spm_enc_s < 1e29 ? (n / t_enc) / (n / spm_enc_s) : 0);
    if (spm_enc_s > 0 && spm_enc_s < 1e29)
        printf("%-44s %8.1f MB/s (includes starting the program)\n", "encode, spm_encode --output_format=id",
               n / spm_enc_s / 1e6);
    printf("  %zu tokens: %.2f bytes per token\n", n_tokens, (double)n / (double)n_tokens);
    free(ids), free(ms), free(mf), free(text);
    return same ? 0 : 1;
}
