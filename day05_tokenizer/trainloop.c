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
 *
 * Nothing that is not a number is ever saved: a step whose loss or gradient
 * norm is NaN or infinite stops the run before the update, one whose update
 * leaves a parameter that is not finite stops it before any save, and the
 * last good checkpoint stays. A run folder belongs to one run at a time: a
 * lock file (flock, so the lock goes when the process ends, however it
 * ends) keeps a second run out.
 */
#define _DEFAULT_SOURCE /* flock() */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "parallel.h"
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

/* The index of the first value of p[0 .. n) that is NaN or infinite, or n.
 * The common case (all finite) is one pass that ORs a bit per value, which
 * the compiler vectorises; only a bad array is searched again. */
static size_t first_nonfinite(const float *p, size_t n) {
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &p[i], sizeof bits);
        any |= (bits & 0x7f800000u) == 0x7f800000u; /* exponent all ones: inf or NaN */
    }
    if (!any) return n;
    size_t i = 0;
    while (isfinite(p[i])) i++;
    return i;
}

static int save(const TrainModel *m, const char *path, long step, long last_saved, const Rng *rng, const float *mom1,
                const float *mom2, const char *tok_text) {
    Checkpoint ck = {.step = step,
                     .rng = *rng,
                     .config_size = m->config_size,
                     .config = (void *)m->config,
                     .tokenizer_text = (char *)tok_text,
                     .n_params = m->n_params,
                     .params = m->params,
                     .m = (float *)mom1,
                     .v = (float *)mom2};
    strncpy(ck.kind, m->kind, sizeof ck.kind - 1);
    char err[LLMLAB_ERR_SIZE];
    if (checkpoint_save(path, &ck, err, sizeof err) != 0) {
        fprintf(stderr, "\nerror: %s\n", err);
        if (last_saved > 0)
            fprintf(stderr,
                    "  nothing of step %ld was saved; the checkpoint of step %ld in %s is intact\n"
                    "  hint: free some disk space, then continue with --resume\n",
                    step, last_saved, path);
        else
            fprintf(stderr, "  nothing was saved: this run has no checkpoint\n"
                            "  hint: free some disk space, then start it again with --force\n");
        return -1;
    }
    return 0;
}

/* Say why a run stopped on a number that is not finite (`what` became `value`). */
static void report_divergence(const TrainConfig *c, ProgressBar *bar, const char *what, double value, long step,
                              long last_saved, const char *ckpt_path, float lr) {
    if (!c->quiet) progress_stop(bar, "stopped: not a number");
    fprintf(stderr, "error: %s became %s at step %ld: training stopped, and nothing of that step was saved.\n", what,
            isnan(value) ? "NaN"
            : value > 0  ? "infinite"
                         : "-infinite",
            step);
    if (last_saved > 0)
        fprintf(stderr, "  the last good checkpoint (step %ld) is kept in %s\n", last_saved, ckpt_path);
    else
        fprintf(stderr, "  this run had not saved a checkpoint yet\n");
    fprintf(stderr, "  hint: a lower learning rate (now %g) or stronger clipping (--clip) usually helps\n", (double)lr);
}

/* ---- the run folder: one run at a time, and only the run asked for ---- */

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The pid the holder of a lock file wrote into it, or 0. */
static long lock_holder(int fd) {
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return strtol(buf, NULL, 10);
}

/* Take run_dir/.lock (made when `create`). Returns its descriptor (closing
 * it, or the end of the process, releases the lock); -1 with the reason in
 * err; -2 when another process holds it; -3 when there is no lock file. */
static int lock_run_dir(const char *run_dir, int create, char *err, size_t err_size) {
    char path[1100];
    XSNPRINTF(path, sizeof path, "%s/.lock", run_dir);
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0 && !create && errno == ENOENT) return -3;
    if (fd < 0) {
        snprintf(err, err_size, "cannot open the lock file %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = lock_holder(fd);
        close(fd);
        if (e != EWOULDBLOCK) {
            snprintf(err, err_size, "cannot lock %s: %s", path, strerror(e));
            return -1;
        }
        char who[40] = "another process";
        if (pid > 0) snprintf(who, sizeof who, "pid %ld", pid);
        snprintf(err, err_size,
                 "%s is in use by another run (%s): wait for it to end, or choose another run "
                 "folder (--run)",
                 run_dir, who);
        return -2;
    }
    if (create && ftruncate(fd, 0) == 0)            /* who holds it, for the message of a second run; */
        (void)dprintf(fd, "%ld\n", (long)getpid()); /* the lock works without it (a full disk) */
    return fd;
}

static int check_run_dir(const TrainConfig *c, int probe_lock, char *err, size_t err_size) {
    struct stat st;
    if (stat(c->run_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s is a file, not a run folder: choose another run folder", c->run_dir);
        return -1;
    }
    if (probe_lock) {
        int fd = lock_run_dir(c->run_dir, 0, err, err_size);
        if (fd == -1 || fd == -2) return -1;
        if (fd >= 0) close(fd);
    }
    char ckpt[1100], log[1100];
    XSNPRINTF(ckpt, sizeof ckpt, "%s/ckpt.bin", c->run_dir);
    XSNPRINTF(log, sizeof log, "%s/log.csv", c->run_dir);
    int has_ckpt = file_exists(ckpt), has_log = file_exists(log);
    struct stat a, b;
    if (c->init_path && stat(c->init_path, &a) == 0 && stat(ckpt, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        snprintf(err, err_size,
                 "%s is this run's own checkpoint: training from it in %s would overwrite the model "
                 "it starts from; choose another run folder (--run)",
                 c->init_path, c->run_dir);
        return -1;
    }
    if (c->resume && !has_ckpt) {
        if (has_log)
            snprintf(err, err_size,
                     "cannot resume %s: it has a log but no checkpoint (the run stopped before its "
                     "first save); start it again with --force instead of --resume",
                     c->run_dir);
        else
            snprintf(err, err_size,
                     "cannot resume %s: there is no checkpoint %s to resume from; start the run "
                     "without --resume",
                     c->run_dir, ckpt);
        return -1;
    }
    if (!c->resume && !c->force && (has_ckpt || has_log)) {
        snprintf(err, err_size,
                 "%s already holds a run (%s): --resume continues it, --force starts afresh and "
                 "replaces it, or choose another run folder (--run)",
                 c->run_dir,
                 has_ckpt && has_log ? "ckpt.bin and log.csv"
                 : has_ckpt          ? "ckpt.bin"
                                     : "log.csv");
        return -1;
    }
    return 0;
}

const char *train_val_loss_text(const TrainResult *r, int decimals, char *buf, size_t size) {
    if (!isnan(r->val_loss)) /* validated every eval_every steps and at the last one */
        snprintf(buf, size, "validation loss %.*f", decimals, (double)r->val_loss);
    else if (r->first_step == 0)
        snprintf(buf, size, "no validation yet");
    else
        snprintf(buf, size, "no validation since the resume at step %ld", r->first_step);
    return buf;
}

int train_check_run_dir(const TrainConfig *c, char *err, size_t err_size) { return check_run_dir(c, 1, err, err_size); }

/* Keep the header and the rows up to `step` of an existing log (resume): the new log is written
 * to a temporary file of its own and renamed over the old one, so a failure (a full disk) leaves
 * the old log whole. */
static void trim_log(const char *run_dir, long step) {
    char path[1100], tmp[LLMLAB_TMP_SIZE], err[LLMLAB_ERR_SIZE];
    XSNPRINTF(path, sizeof path, "%s/log.csv", run_dir);
    FILE *in = fopen(path, "r");
    if (!in) return;
    FILE *out = llmlab_open_temp(path, tmp, sizeof tmp, err, sizeof err);
    if (!out) LLMLAB_DIE("is the run folder writable?", "%s", err);
    char line[1024];
    int first = 1, ok = 1;
    while (fgets(line, sizeof line, in)) {
        if (first || strtol(line, NULL, 10) <= step) ok = ok && fputs(line, out) >= 0;
        first = 0;
    }
    int unread = ferror(in);
    fclose(in);
    if (unread) {
        llmlab_abort_file(out, tmp);
        LLMLAB_DIE("check the disk", "read error in %s", path);
    }
    if (llmlab_commit_file(out, ok, tmp, path, err, sizeof err) != 0)
        LLMLAB_DIE("is the disk full? the log was left as it was", "%s", err);
}

static void resume(TrainModel *m, const char *path, const char *tok_text, long *step, Rng *rng, float *mom1,
                   float *mom2) {
    Checkpoint ck;
    char err[LLMLAB_ERR_SIZE];
    if (checkpoint_load(path, &ck, err, sizeof err) != 0)
        LLMLAB_DIE("--force starts afresh (and replaces it), or point --run at another folder", "cannot resume: %s",
                   err);
    if (!ck.m)
        LLMLAB_DIE("start a new run from it with --init (its weights, a fresh optimiser)",
                   "cannot resume from %s: it holds a model without its optimiser state (a model-only checkpoint of "
                   "\"%s\", step %ld), so training cannot continue where it stopped",
                   path, ck.kind, ck.step);
    Tokenizer saved;
    if (tokenizer_from_text(&saved, ck.tokenizer_text, strlen(ck.tokenizer_text), err, sizeof err) != 0)
        LLMLAB_DIE("--force starts afresh (and replaces it)", "cannot resume from %s: its tokenizer is broken: %s",
                   path, err);
    char *saved_text = tokenizer_to_text(&saved, NULL);
    int same_tok = strcmp(saved_text, tok_text) == 0, saved_vocab = saved.vocab_size;
    free(saved_text);
    tokenizer_free(&saved);
    if (!same_tok)
        LLMLAB_DIE("resume with the --data and --vocab the run began with",
                   "cannot resume from %s: it was trained with another tokenizer (%d tokens) than the one of this "
                   "run's data; its model would read the new text with the wrong ids",
                   path, saved_vocab);
    if (strcmp(ck.kind, m->kind) != 0 || ck.n_params != m->n_params || ck.config_size != m->config_size ||
        memcmp(ck.config, m->config, m->config_size) != 0)
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
    char err[LLMLAB_ERR_SIZE];
    llmlab_mkdir_p(c->run_dir);
    int lock = lock_run_dir(c->run_dir, 1, err, sizeof err);
    if (lock < 0) LLMLAB_DIE(NULL, "%s", err);
    if (check_run_dir(c, 0, err, sizeof err) != 0) LLMLAB_DIE(NULL, "%s", err);
    char ckpt_path[1100];
    XSNPRINTF(ckpt_path, sizeof ckpt_path, "%s/ckpt.bin", c->run_dir);
    if (!c->resume && remove(ckpt_path) != 0 && errno != ENOENT) /* --force: the old run goes */
        LLMLAB_DIE("check the folder's permissions", "cannot remove the old checkpoint %s: %s", ckpt_path,
                   strerror(errno));
    size_t n = m->n_params, BT = (size_t)c->batch * (size_t)c->block;
    float *mom1 = XCALLOC(n, sizeof *mom1), *mom2 = XCALLOC(n, sizeof *mom2);
    int *x = XMALLOC(BT * sizeof *x), *y = XMALLOC(BT * sizeof *y);
    char *tok_text = tokenizer_to_text(tok, NULL);
    Rng rng;
    rng_init(&rng, c->seed);
    long step = 0;
    if (c->resume) {
        resume(m, ckpt_path, tok_text, &step, &rng, mom1, mom2);
        res.steps = res.first_step = step;
        if (step >= c->max_steps) {
            fprintf(stderr,
                    "%s is already finished: its checkpoint is at step %ld of %ld, so there is nothing to "
                    "train (raise --steps to train it further)\n",
                    c->run_dir, step, c->max_steps);
            free(mom1), free(mom2), free(x), free(y), free(tok_text);
            close(lock);
            return res;
        }
        trim_log(c->run_dir, step);
        if (!c->quiet) fprintf(stderr, "resuming %s at step %ld of %ld\n", c->run_dir, step, c->max_steps);
    }
    RunLog log;
    runlog_open(&log, c->run_dir, LOG_COLUMNS, c->resume);

    /* A signal asks the loop to save and stop after the current step: Ctrl-C
     * (SIGINT), kill (SIGTERM), a closed terminal (SIGHUP), Ctrl-\ (SIGQUIT).
     * A reader of stderr that went away must not end the run either. */
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    enum { N_SIGNALS = sizeof signals / sizeof signals[0] };
    stop_requested = 0;
    struct sigaction sa = {.sa_handler = on_signal}, old_sa[N_SIGNALS], ignore = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&ignore.sa_mask);
    for (int i = 0; i < N_SIGNALS; i++) sigaction(signals[i], &sa, &old_sa[i]);
    sigaction(SIGPIPE, &ignore, &old_pipe);

    ProgressBar bar;
    long todo = c->max_steps - step;
    if (!c->quiet && todo > 0) progress_init(&bar, stderr, "training", todo);
    double t_start = timer_now();
    long last_saved = step;
    ThreadPicker threads; /* one thread or all, whichever is faster now (common/parallel.h) */
    thread_picker_init(&threads);
    while (step < c->max_steps) {
        thread_picker_next(&threads);
        double t0 = timer_now();
        if (c->sample)
            c->sample(c->sample_data, 0, &rng, c->batch, c->block, x, y);
        else
            batch_sample(train->tokens, train->n, c->batch, c->block, &rng, x, y);
        memset(m->grads, 0, n * sizeof *m->grads);
        float loss = m->forward_backward(m->self, x, y, c->batch, c->block);
        float lr = lr_schedule(step, c->max_steps, c->warmup, c->lr_max, c->lr_min);
        if (!isfinite(loss)) {
            report_divergence(c, &bar, "the loss", loss, step + 1, last_saved, ckpt_path, lr);
            res.status = TRAIN_DIVERGED;
            break;
        }
        float norm = clip_grad_norm_fast(m->grads, n, c->grad_clip);
        if (!isfinite(norm)) { /* before the update: the parameters stay as they were */
            report_divergence(c, &bar, "the gradient norm", norm, step + 1, last_saved, ckpt_path, lr);
            res.status = TRAIN_DIVERGED;
            break;
        }
        for (int g = 0; g < m->n_groups; g++) {
            const ParamGroup *pg = &m->groups[g];
            adamw_update(m->params + pg->offset, m->grads + pg->offset, mom1 + pg->offset, mom2 + pg->offset, pg->size,
                         step + 1, lr, c->beta1, c->beta2, c->eps, pg->decay ? c->weight_decay : 0.0f);
        }
        size_t bad = first_nonfinite(m->params, n);
        if (bad < n) { /* never saved, never trained on */
            char what[64];
            snprintf(what, sizeof what, "parameter %zu", bad);
            report_divergence(c, &bar, what, m->params[bad], step + 1, last_saved, ckpt_path, lr);
            res.status = TRAIN_DIVERGED;
            break;
        }
        step++;
        double seconds = timer_now() - t0, tok_s = (double)BT / seconds;
        thread_picker_done(&threads, seconds);
        float vloss = NAN;
        if (step % c->eval_every == 0 || step == c->max_steps) vloss = res.val_loss = validate(m, c, val, x, y);
        res.train_loss = loss;
        runlog_row(&log, (double[]){(double)step, loss, vloss, lr, norm, tok_s});
        if (!c->quiet && isnan(res.val_loss))
            progress_update(&bar, step - (c->max_steps - todo), "loss %.3f  %.0f tok/s", loss, tok_s);
        else if (!c->quiet)
            progress_update(&bar, step - (c->max_steps - todo), "loss %.3f  val %.3f  %.0f tok/s", loss, res.val_loss,
                            tok_s);
        int stop = stop_requested || (c->stop_after > 0 && step >= c->stop_after);
        if (step % c->ckpt_every == 0 || step == c->max_steps || stop) {
            size_t bad1 = first_nonfinite(mom1, n), bad2 = first_nonfinite(mom2, n);
            if (bad1 < n || bad2 < n) { /* AdamW's averages: saved with the parameters */
                char what[64];
                snprintf(what, sizeof what, "AdamW's %s of parameter %zu",
                         bad1 < n ? "mean gradient" : "mean squared gradient", bad1 < n ? bad1 : bad2);
                report_divergence(c, &bar, what, bad1 < n ? mom1[bad1] : mom2[bad2], step, last_saved, ckpt_path, lr);
                res.status = TRAIN_DIVERGED;
                break;
            }
            if (save(m, ckpt_path, step, last_saved, &rng, mom1, mom2, tok_text) != 0) {
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
    thread_picker_finish(&threads);
    if (!c->quiet && todo > 0 && res.status == TRAIN_FINISHED)
        progress_finish(&bar);
    else if (!c->quiet && todo > 0 && res.status != TRAIN_DIVERGED)
        progress_stop(&bar, res.status == TRAIN_INTERRUPTED ? "interrupted" : "stopped");
    if (res.status == TRAIN_INTERRUPTED)
        fprintf(stderr, "interrupted at step %ld of %ld: checkpoint saved in %s (continue with --resume)\n", step,
                c->max_steps, ckpt_path);
    for (int i = 0; i < N_SIGNALS; i++) sigaction(signals[i], &old_sa[i], NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    res.steps = step;
    res.seconds = timer_now() - t_start;
    long done = step - (c->max_steps - todo);
    res.tokens_per_s = res.seconds > 0 ? (double)done * (double)BT / res.seconds : 0;
    runlog_close(&log);
    free(mom1), free(mom2), free(x), free(y), free(tok_text);
    close(lock);
    return res;
}
