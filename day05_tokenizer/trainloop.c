/*
 * Day 5, given code: the training loop. Each step:
 *
 *   batch_sample -> zero grads -> forward_backward -> clip_grad_norm
 *   -> lr_schedule -> adamw_update per parameter group
 *
 * and around it: validation every eval_every steps, a checkpoint every
 * ckpt_every steps, a log row per step, a progress bar, Ctrl-C handling and a
 * stop on a loss that is no longer a number.
 *
 * Resuming continues bit for bit: the checkpoint holds the parameters, both
 * AdamW moments, the step and the batch sampler's generator; validation draws
 * its batches from its own generator, seeded the same way every time, so it
 * never disturbs the training stream. log.csv rows after the checkpoint are
 * dropped on resume, so the log reads as if the run had never stopped.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "progress.h"
#include "runlog.h"
#include "timer.h"
#include "checkpoint.h"
#include "trainloop.h"

#define LOG_COLUMNS "step,train_loss,val_loss,lr,grad_norm,tokens_per_s"

void train_config_defaults(TrainConfig *c) {
    *c = (TrainConfig){
        .run_dir = "runs/train",
        .max_steps = 1000,
        .batch = 16,
        .block = 64,
        .lr_max = 1e-3f,
        .lr_min = 1e-4f,
        .warmup = 100,
        .weight_decay = 0.1f,
        .beta1 = 0.9f,
        .beta2 = 0.95f,
        .eps = 1e-8f,
        .grad_clip = 1.0f,
        .eval_every = 100,
        .eval_batches = 8,
        .ckpt_every = 250,
        .seed = 1337,
    };
}

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

/* Validation loss: the same eval_batches windows every time. */
static float validate(TrainModel *m, const TrainConfig *c, const TokenFile *val, int *x, int *y) {
    Rng rng;
    rng_init(&rng, c->seed ^ 0x5eed0fba11ull);
    double sum = 0;
    for (int i = 0; i < c->eval_batches; i++) {
        if (c->sample)
            c->sample(c->sample_data, 1, &rng, c->batch, c->block, x, y);
        else
            batch_sample(val->tokens, val->n, c->batch, c->block, &rng, x, y);
        sum += m->loss(m->self, x, y, c->batch, c->block);
    }
    return (float)(sum / c->eval_batches);
}

static int save(const TrainModel *m, const TrainConfig *c, const char *path, long step, const Rng *rng,
                const float *mom1, const float *mom2, const char *tok_text) {
    Checkpoint ck = {.step = step, .rng = *rng, .config_size = m->config_size, .config = (void *)m->config,
                     .tokenizer_text = (char *)tok_text, .n_params = m->n_params, .params = m->params,
                     .m = (float *)mom1, .v = (float *)mom2};
    strncpy(ck.kind, m->kind, sizeof ck.kind - 1);
    char err[LLMLAB_ERR_SIZE];
    if (checkpoint_save(path, &ck, err, sizeof err) != 0) {
        fprintf(stderr, "\nerror: %s\n  the previous checkpoint in %s is intact; free some disk space and "
                        "resume from it\n", err, c->run_dir);
        return -1;
    }
    return 0;
}

/* Keep the header and the rows up to `step` of an existing log (resume). */
static void trim_log(const char *run_dir, long step) {
    char path[1100], tmp[1100];
    XSNPRINTF(path, sizeof path, "%s/log.csv", run_dir);
    XSNPRINTF(tmp, sizeof tmp, "%s/log.csv.tmp", run_dir);
    FILE *in = fopen(path, "r");
    if (!in)
        return;
    FILE *out = XFOPEN(tmp, "w", "is the run folder writable?");
    char line[1024];
    int first = 1;
    while (fgets(line, sizeof line, in)) {
        if (first || strtol(line, NULL, 10) <= step)
            fputs(line, out);
        first = 0;
    }
    fclose(in);
    XFCLOSE(out, "log.csv");
    if (rename(tmp, path) != 0)
        LLMLAB_DIE("", "could not rewrite %s", path);
}

static void resume(TrainModel *m, const char *path, long *step, Rng *rng, float *mom1,
                   float *mom2) {
    Checkpoint ck;
    char err[LLMLAB_ERR_SIZE];
    if (checkpoint_load(path, &ck, err, sizeof err) != 0)
        LLMLAB_DIE("delete it to start afresh, or point --run at another folder", "cannot resume: %s", err);
    if (strcmp(ck.kind, m->kind) != 0 || ck.n_params != m->n_params || ck.config_size != m->config_size ||
        memcmp(ck.config, m->config, m->config_size) != 0 || !ck.m)
        LLMLAB_DIE("resume with the same model settings, or use another run folder",
                   "cannot resume from %s: it holds a different model (%s, %zu parameters)", path, ck.kind,
                   ck.n_params);
    memcpy(m->params, ck.params, m->n_params * sizeof(float));
    memcpy(mom1, ck.m, m->n_params * sizeof(float));
    memcpy(mom2, ck.v, m->n_params * sizeof(float));
    *step = ck.step;
    *rng = ck.rng;
    checkpoint_free(&ck);
}

TrainResult train_run(TrainModel *m, const TrainConfig *c, const TokenFile *train, const TokenFile *val,
                      const Tokenizer *tok) {
    if (!c->sample) {
        LLMLAB_CHECK(train->n > (size_t)c->block + 1 && val->n > (size_t)c->block + 1,
                     "use more text or a shorter context (block)",
                     "the token files (%zu and %zu tokens) are shorter than one window of %d", train->n, val->n,
                     c->block);
        LLMLAB_CHECK(train->vocab_size <= tok->vocab_size, "", "the token file was made by another tokenizer");
    }
    TrainResult res = {.status = TRAIN_FINISHED, .train_loss = NAN, .val_loss = NAN};
    llmlab_mkdir_p(c->run_dir);
    char ckpt_path[1100];
    XSNPRINTF(ckpt_path, sizeof ckpt_path, "%s/ckpt.bin", c->run_dir);
    size_t n = m->n_params, BT = (size_t)c->batch * (size_t)c->block;
    float *mom1 = XCALLOC(n, sizeof *mom1), *mom2 = XCALLOC(n, sizeof *mom2);
    int *x = XMALLOC(BT * sizeof *x), *y = XMALLOC(BT * sizeof *y);
    char *tok_text = tokenizer_to_text(tok, NULL);
    Rng rng;
    rng_init(&rng, c->seed);
    long step = 0;
    FILE *probe = c->resume ? fopen(ckpt_path, "rb") : NULL;
    if (probe) {
        fclose(probe);
        resume(m, ckpt_path, &step, &rng, mom1, mom2);
        trim_log(c->run_dir, step);
        if (!c->quiet)
            fprintf(stderr, "resuming %s at step %ld of %ld\n", c->run_dir, step, c->max_steps);
    }
    RunLog log;
    runlog_open(&log, c->run_dir, LOG_COLUMNS, step > 0);

    stop_requested = 0;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    ProgressBar bar;
    long todo = c->max_steps - step;
    if (!c->quiet && todo > 0)
        progress_init(&bar, stderr, "training", todo);
    double t_start = timer_now();
    long last_saved = step;
    while (step < c->max_steps) {
        double t0 = timer_now();
        if (c->sample)
            c->sample(c->sample_data, 0, &rng, c->batch, c->block, x, y);
        else
            batch_sample(train->tokens, train->n, c->batch, c->block, &rng, x, y);
        memset(m->grads, 0, n * sizeof *m->grads);
        float loss = m->forward_backward(m->self, x, y, c->batch, c->block);
        if (!isfinite(loss)) {
            if (!c->quiet)
                progress_stop(&bar, "stopped: the loss is not a number");
            fprintf(stderr, "error: the loss became %f at step %ld: training stopped.\n"
                            "  the last good checkpoint (step %ld) is kept in %s\n"
                            "  hint: a lower learning rate (now %g) or stronger clipping usually helps\n",
                    loss, step + 1, last_saved, ckpt_path, (double)lr_schedule(step, c->max_steps, c->warmup,
                                                                                  c->lr_max, c->lr_min));
            res.status = TRAIN_DIVERGED;
            break;
        }
        float norm = clip_grad_norm_fast(m->grads, n, c->grad_clip);
        float lr = lr_schedule(step, c->max_steps, c->warmup, c->lr_max, c->lr_min);
        for (int g = 0; g < m->n_groups; g++) {
            const ParamGroup *pg = &m->groups[g];
            adamw_update(m->params + pg->offset, m->grads + pg->offset, mom1 + pg->offset, mom2 + pg->offset,
                         pg->size, step + 1, lr, c->beta1, c->beta2, c->eps, pg->decay ? c->weight_decay : 0.0f);
        }
        step++;
        double tok_s = (double)BT / (timer_now() - t0);
        float vloss = NAN;
        if (step % c->eval_every == 0 || step == c->max_steps)
            vloss = res.val_loss = validate(m, c, val, x, y);
        res.train_loss = loss;
        runlog_row(&log, (double[]){(double)step, loss, vloss, lr, norm, tok_s});
        if (!c->quiet && isnan(res.val_loss))
            progress_update(&bar, step - (c->max_steps - todo), "loss %.3f  %.0f tok/s", loss, tok_s);
        else if (!c->quiet)
            progress_update(&bar, step - (c->max_steps - todo), "loss %.3f  val %.3f  %.0f tok/s", loss,
                            res.val_loss, tok_s);
        int stop = stop_requested || (c->stop_after > 0 && step >= c->stop_after);
        if (step % c->ckpt_every == 0 || step == c->max_steps || stop) {
            if (save(m, c, ckpt_path, step, &rng, mom1, mom2, tok_text) != 0) {
                res.status = TRAIN_FAILED;
                break;
            }
            last_saved = step;
        }
        if (stop && step < c->max_steps) {
            res.status = TRAIN_INTERRUPTED;
            break;
        }
    }
    if (!c->quiet && todo > 0 && res.status == TRAIN_FINISHED)
        progress_finish(&bar);
    else if (!c->quiet && todo > 0 && res.status != TRAIN_DIVERGED)
        progress_stop(&bar, res.status == TRAIN_INTERRUPTED ? "interrupted" : "stopped");
    if (res.status == TRAIN_INTERRUPTED && !c->quiet)
        fprintf(stderr, "stopped at step %ld; checkpoint saved in %s (resume with --resume)\n", step, ckpt_path);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    res.steps = step;
    res.seconds = timer_now() - t_start;
    long done = step - (c->max_steps - todo);
    res.tokens_per_s = res.seconds > 0 ? (double)done * (double)BT / res.seconds : 0;
    runlog_close(&log);
    free(mom1), free(mom2), free(x), free(y), free(tok_text);
    return res;
}
