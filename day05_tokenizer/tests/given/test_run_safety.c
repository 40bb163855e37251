/*
 * Tests of Day 5's given code that keeps a training run safe (run by `make
 * test` on the reference, not graded): the loop never saves a number that is
 * not finite, the run folder refuses what would lose work, outputs are
 * written under temporary names of their own, and the fast encoder of long
 * chunks gives the ids of the plain one.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testing.h"
#include "check.h"
#include "checkpoint.h"
#include "corpus.h"
#include "tokenizer.h"
#include "trainloop.h"

TestSuite(given_nonfinite_stop, .timeout = 20, .fini = testing_dir_remove);
TestSuite(given_run_folder, .timeout = 20, .fini = testing_dir_remove);
TestSuite(given_fast_encoder, .timeout = 30);

/* ---- a model the test steers: its gradient at each step is chosen ---- */

enum { FAKE_N = 4 };

typedef struct Fake {
    float params[FAKE_N], grads[FAKE_N];
    int config;   /* stored in checkpoints */
    int calls;    /* forward_backward calls so far */
    int bad_from; /* from this call on (1-based), the gradient is `bad` */
    float good, bad;
    ParamGroup group;
} Fake;

static float fake_fb(void *self, const int *x, const int *y, int B, int T) {
    (void)x, (void)y, (void)B, (void)T;
    Fake *f = self;
    f->calls++;
    float g = f->bad_from > 0 && f->calls >= f->bad_from ? f->bad : f->good;
    for (int i = 0; i < FAKE_N; i++) f->grads[i] += g;
    return 1.0f; /* the loss stays finite: only the gradient or the weights go wrong */
}

static float fake_loss(void *self, const int *x, const int *y, int B, int T) {
    (void)self, (void)x, (void)y, (void)B, (void)T;
    return 1.0f;
}

static void fake_sample(void *data, int split, Rng *rng, int B, int T, int *x, int *y) {
    (void)data, (void)split, (void)rng;
    memset(x, 0, (size_t)B * (size_t)T * sizeof *x);
    memset(y, 0, (size_t)B * (size_t)T * sizeof *y);
}

static TrainModel fake_model(Fake *f) {
    f->group = (ParamGroup){.offset = 0, .size = FAKE_N, .decay = 1};
    return (TrainModel){.kind = "fake",
                        .self = f,
                        .params = f->params,
                        .grads = f->grads,
                        .n_params = FAKE_N,
                        .groups = &f->group,
                        .n_groups = 1,
                        .config = &f->config,
                        .config_size = sizeof f->config,
                        .forward_backward = fake_fb,
                        .loss = fake_loss};
}

static TrainConfig fake_config(const char *run, long steps) {
    TrainConfig c;
    train_config_defaults(&c);
    c.run_dir = testing_dir_path(run);
    c.max_steps = steps, c.batch = 1, c.block = 2, c.warmup = 0, c.eval_every = 1000, c.eval_batches = 1;
    c.ckpt_every = 1, c.quiet = 1, c.sample = fake_sample;
    c.lr_max = c.lr_min = 1e-3f;
    return c;
}

static void tokenizer_bytes(Tokenizer *t) { tokenizer_init(t, NULL, 0, 1, NULL, 0); }

/* The run's checkpoint: its step, and every number in it finite (checkpoint_load refuses others). */
static long saved_step(const TrainConfig *c) {
    char path[600], err[LLMLAB_ERR_SIZE];
    snprintf(path, sizeof path, "%s/ckpt.bin", c->run_dir);
    if (access(path, F_OK) != 0) return -1;
    Checkpoint ck;
    cr_assert(checkpoint_load(path, &ck, err, sizeof err) == 0, "the kept checkpoint must load: %s", err);
    long step = ck.step;
    checkpoint_free(&ck);
    return step;
}

Test(given_nonfinite_stop, a_nan_gradient_stops_before_the_update) {
    testing_dir_make("safety");
    Fake f = {.good = 0.5f, .bad = NAN, .bad_from = 4};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("nan-grad", 10);
    Tokenizer tok;
    tokenizer_bytes(&tok);
    float before[FAKE_N];
    TrainResult r;
    /* 3 good steps, then a step whose gradient is NaN: the loss is fine, so only the norm can tell */
    c.max_steps = 3;
    r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_FINISHED, "3 good steps should finish, got status %d", r.status);
    memcpy(before, f.params, sizeof before);
    c.max_steps = 10, c.resume = 1;
    r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_DIVERGED && r.steps == 3,
              "train_run: a NaN gradient norm at step 4 must stop the run as diverged at step 3, got status %d at %ld",
              r.status, r.steps);
    cr_assert(memcmp(before, f.params, sizeof before) == 0,
              "train_run: the parameters must not be updated with a NaN gradient (stop before adamw_update)");
    cr_assert(saved_step(&c) == 3, "the checkpoint of step 3 must be kept, got step %ld", saved_step(&c));
    tokenizer_free(&tok);
}

Test(given_nonfinite_stop, a_parameter_that_overflows_is_never_saved) {
    testing_dir_make("safety");
    Fake f = {.good = 1.0f};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("overflow", 50);
    c.lr_max = c.lr_min = 1e30f; /* step 1: weights near -1e30; weight decay then overflows them */
    c.grad_clip = 0;
    Tokenizer tok;
    tokenizer_bytes(&tok);
    TrainResult r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_DIVERGED && r.steps < 50,
              "train_run: parameters of 1e30 and more must end the run "
              "as diverged, got status %d after %ld steps",
              r.status, r.steps);
    long kept = saved_step(&c);
    cr_assert(kept == r.steps, "train_run: the last checkpoint should be of step %ld, the last finite one; got %ld",
              r.steps, kept);
    tokenizer_free(&tok);
}

Test(given_nonfinite_stop, an_infinite_adam_moment_is_never_saved) {
    testing_dir_make("safety");
    Fake f = {.good = 1e30f}; /* finite, but its square (AdamW's second moment) is not */
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("moment", 5);
    c.grad_clip = 0;
    Tokenizer tok;
    tokenizer_bytes(&tok);
    TrainResult r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_DIVERGED,
              "train_run: an infinite AdamW moment must stop the run before its "
              "checkpoint, got status %d",
              r.status);
    cr_assert(saved_step(&c) == -1, "train_run: no checkpoint may be written with an infinite moment");
    tokenizer_free(&tok);
}

/* ---- the run folder ---- */

static void touch(const char *path) { testing_write_file(path, "x", 1); }

Test(given_run_folder, what_a_run_may_start_in) {
    testing_dir_make("safety");
    TrainConfig c = fake_config("r", 3);
    char err[LLMLAB_ERR_SIZE] = "";
    cr_assert(train_check_run_dir(&c, err, sizeof err) == 0, "a folder that does not exist is free: %s", err);
    c.resume = 1;
    cr_assert(train_check_run_dir(&c, err, sizeof err) == -1 && strstr(err, "no checkpoint"),
              "--resume with nothing to resume must be refused, got \"%s\"", err);
    c.resume = 0;
    mkdir(c.run_dir, 0777);
    touch(testing_dir_path("r/log.csv"));
    cr_assert(train_check_run_dir(&c, err, sizeof err) == -1 && strstr(err, "already holds a run") &&
                  strstr(err, "--force"),
              "a fresh run over a log must be refused, got \"%s\"", err);
    c.resume = 1;
    cr_assert(train_check_run_dir(&c, err, sizeof err) == -1 && strstr(err, "before its first save"),
              "a log without a checkpoint cannot be resumed, got \"%s\"", err);
    c.resume = 0, c.force = 1;
    cr_assert(train_check_run_dir(&c, err, sizeof err) == 0, "--force may start over it: %s", err);
    touch(testing_dir_path("r/ckpt.bin"));
    c.init_path = testing_dir_path("r/ckpt.bin");
    cr_assert(train_check_run_dir(&c, err, sizeof err) == -1 && strstr(err, "own checkpoint"),
              "--init naming the run's own checkpoint must be refused, even with --force, got \"%s\"", err);
    touch(testing_dir_path("file"));
    c.init_path = NULL, c.run_dir = testing_dir_path("file");
    cr_assert(train_check_run_dir(&c, err, sizeof err) == -1 && strstr(err, "not a run folder"), "got \"%s\"", err);
}

Test(given_run_folder, a_finished_run_says_so) {
    testing_dir_make("safety");
    Fake f = {.good = 0.1f};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("done", 3);
    Tokenizer tok;
    tokenizer_bytes(&tok);
    TrainResult r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_FINISHED && r.steps == 3 && r.first_step == 0);
    int calls = f.calls;
    c.resume = 1;
    r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_FINISHED && r.steps == 3 && r.first_step == 3 && f.calls == calls,
              "resuming a finished run trains nothing: status %d, steps %ld, first %ld", r.status, r.steps,
              r.first_step);
    tokenizer_free(&tok);
}

Test(given_run_folder, resuming_with_another_tokenizer_is_refused, .exit_code = 1) {
    testing_dir_make("safety");
    Fake f = {.good = 0.1f};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("tok", 2);
    Tokenizer a, b;
    tokenizer_bytes(&a);
    BpeMerge merge = {'a', 'b'};
    tokenizer_init(&b, &merge, 1, 1, NULL, 0);
    train_run(&m, &c, NULL, NULL, &a);
    c.resume = 1, c.max_steps = 4;
    train_run(&m, &c, NULL, NULL, &b); /* dies: "trained with another tokenizer" */
    cr_assert_fail("train_run resumed a checkpoint with another tokenizer");
}

Test(given_run_folder, a_run_stopped_before_validating_prints_no_nan) {
    testing_dir_make("safety");
    Fake f = {.good = 0.1f};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("early", 10);
    c.stop_after = 2; /* as if Ctrl-C came at step 2, before the first validation (every 1000) */
    Tokenizer tok;
    tokenizer_bytes(&tok);
    TrainResult r = train_run(&m, &c, NULL, NULL, &tok);
    char buf[100];
    const char *said = train_val_loss_text(&r, 3, buf, sizeof buf);
    cr_assert(r.status == TRAIN_INTERRUPTED && saved_step(&c) == 2 && strcmp(said, "no validation yet") == 0,
              "stopped at step 2: status %d, checkpoint of step %ld, says \"%s\"", r.status, saved_step(&c), said);
    c.resume = 1, c.stop_after = 4;
    r = train_run(&m, &c, NULL, NULL, &tok);
    said = train_val_loss_text(&r, 3, buf, sizeof buf);
    cr_assert(r.status == TRAIN_INTERRUPTED && saved_step(&c) == 4 &&
                  strcmp(said, "no validation since the resume at step 2") == 0,
              "resumed, stopped at 4: status %d, checkpoint of step %ld, says \"%s\"", r.status, saved_step(&c), said);
    c.stop_after = 0;
    r = train_run(&m, &c, NULL, NULL, &tok); /* to the end: the last step validates */
    said = train_val_loss_text(&r, 3, buf, sizeof buf);
    cr_assert(r.status == TRAIN_FINISHED && strcmp(said, "validation loss 1.000") == 0, "finished: \"%s\"", said);
    tokenizer_free(&tok);
}

/* ---- temporary files: a name of their own each time ---- */

/* How many names in folder dir hold ".tmp-": unique temporary names left behind. */
static int unique_temps_in(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) n += strstr(e->d_name, ".tmp-") != NULL;
    if (d) closedir(d);
    return n;
}

static int is_folder(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

Test(given_run_folder, outputs_never_use_a_fixed_temporary_name) {
    testing_dir_make("safety");
    Fake f = {.good = 0.1f};
    TrainModel m = fake_model(&f);
    TrainConfig c = fake_config("fixed", 2);
    Tokenizer tok;
    tokenizer_bytes(&tok);
    /* The names the checkpoint and the trimmed log were once written under, taken by folders: a writer
     * that still used them would fail (and two runs would share them). */
    char stale[2][600];
    snprintf(stale[0], sizeof stale[0], "%s/ckpt.bin.tmp", c.run_dir);
    snprintf(stale[1], sizeof stale[1], "%s/log.csv.tmp", c.run_dir);
    llmlab_mkdir_p(stale[0]), llmlab_mkdir_p(stale[1]);
    TrainResult r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_FINISHED && saved_step(&c) == 2, "train_run: status %d, checkpoint of step %ld",
              r.status, saved_step(&c));
    c.resume = 1, c.max_steps = 4; /* a resume rewrites log.csv (trim_log) */
    r = train_run(&m, &c, NULL, NULL, &tok);
    cr_assert(r.status == TRAIN_FINISHED && saved_step(&c) == 4, "resumed: status %d, checkpoint of step %ld", r.status,
              saved_step(&c));
    cr_assert(is_folder(stale[0]) && is_folder(stale[1]), "the folders at the old names are left alone");
    cr_assert(unique_temps_in(c.run_dir) == 0, "no temporary file is left in %s", c.run_dir);
    tokenizer_free(&tok);

    /* corpus_prepare_split (what `make data` runs) likewise */
    static const char text[] = "one line\ntwo lines\nthree lines\nfour\n";
    testing_write_file(testing_dir_path("text.txt"), text, sizeof text - 1);
    llmlab_mkdir_p(testing_dir_path("corpus/train.txt.tmp"));
    char err[LLMLAB_ERR_SIZE];
    cr_assert(corpus_prepare_split(testing_dir_path("text.txt"), testing_dir_path("corpus"), NULL, err, sizeof err) ==
                  0,
              "corpus_prepare_split beside a folder named train.txt.tmp: %s", err);
    cr_assert(access(testing_dir_path("corpus/train.txt"), R_OK) == 0 &&
                  access(testing_dir_path("corpus/val.txt"), R_OK) == 0 &&
                  unique_temps_in(testing_dir_path("corpus")) == 0,
              "train.txt and val.txt written, no temporary file left");
}

/* ---- the fast encoder of long chunks ---- */

Test(given_fast_encoder, same_ids_as_the_plain_encoder) {
    /* merges learned on a text without spaces, so the chunks are long */
    Rng rng;
    rng_init(&rng, 11);
    enum { N = 20000 };
    static uint8_t text[N];
    for (int i = 0; i < N; i++) text[i] = (uint8_t)("abcab"[rng_below(&rng, 5)] + (rng_below(&rng, 9) == 0 ? 3 : 0));
    Tokenizer t;
    tokenizer_train(&t, text, N, 400, 1, NULL, 0);
    static int32_t plain[N], fast[N];
    const int lengths[] = {1, 2, 3, 5, 64, 65, 300, 4096, N};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        int n = lengths[k];
        const uint8_t *s = text + (N - n) / 2;
        int np = bpe_encode_chunk(&t, s, n, plain), nf = bpe_encode_chunk_fast(&t, s, n, fast);
        cr_assert(np == nf && memcmp(plain, fast, (size_t)np * sizeof *plain) == 0,
                  "bpe_encode_chunk_fast: a chunk of %d bytes gives %d ids, the plain encoder %d (or other ids)", n, nf,
                  np);
    }
    /* runs of one byte: every merge overlaps its neighbour */
    memset(text, 'a', N);
    for (int n = 1; n <= 70; n++) {
        int np = bpe_encode_chunk(&t, text, n, plain), nf = bpe_encode_chunk_fast(&t, text, n, fast);
        cr_assert(np == nf && memcmp(plain, fast, (size_t)np * sizeof *plain) == 0,
                  "bpe_encode_chunk_fast: %d times 'a' gives %d ids, the plain encoder %d (or other ids)", n, nf, np);
    }
    tokenizer_free(&t);
}
