/*
 * Day 2 demo: a 784-256-128-10 MLP learns Fashion-MNIST with your array ops.
 *   make demo-day2     (REF=1: the reference's ops)
 *
 * 60,000 training images of clothes, 28x28 pixels, 10 classes; 10,000 test
 * images it never trains on. Mini-batch SGD with momentum, the learning rate
 * falling linearly to 0. Prints test accuracy after every epoch, then the
 * confusion matrix and a few mistakes drawn in the terminal. The loss curve
 * goes to runs/fashion/log.csv (make plot RUN=runs/fashion).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "idx.h"
#include "matmul_steps.h"
#include "parallel.h"
#include "progress.h"
#include "runlog.h"
#include "rng.h"
#include "tensor.h"
#include "timer.h"

enum { IMG = 784, H1 = 256, H2 = 128, CLASSES = 10, BATCH = 128 };
static const char *CLASS_NAMES[CLASSES] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
/* the same in at most 5 characters, in the same order: the confusion matrix's column headers */
static const char *CLASS_SHORT[CLASSES] = {"Tshrt", "Trous", "Pull", "Dress", "Coat",
                                           "Sndl",  "Shirt", "Snkr", "Bag",   "Boot"};

typedef struct Dataset {
    int n;
    float *x;     /* (n, 784), normalised */
    int *y;       /* (n) */
    uint8_t *raw; /* (n, 784) pixels, for drawing */
} Dataset;

static void load_split(Dataset *d, const char *dir, const char *images, const char *labels) {
    char path[512];
    IdxArray im, lb;
    XSNPRINTF(path, sizeof path, "%s/%s", dir, images);
    idx_load_or_die(path, &im);
    XSNPRINTF(path, sizeof path, "%s/%s", dir, labels);
    idx_load_or_die(path, &lb);
    LLMLAB_CHECK(im.ndim == 3 && im.dims[1] == 28 && im.dims[2] == 28 && lb.ndim == 1 && lb.dims[0] == im.dims[0],
                 "these should be Fashion-MNIST's files", "%s: unexpected shapes", dir);
    d->n = (int)im.dims[0];
    d->x = XMALLOC(sizeof(float) * im.size);
    d->y = XMALLOC(sizeof(int) * (size_t)d->n);
    /* mean and standard deviation of Fashion-MNIST's training pixels, in [0, 1] units */
    for (size_t i = 0; i < im.size; i++) d->x[i] = ((float)im.data[i] / 255.0f - 0.2860f) / 0.3530f;
    for (int i = 0; i < d->n; i++) d->y[i] = lb.data[i];
    d->raw = im.data; /* keep the pixels; the labels' buffer is done */
    idx_free(&lb);
}

/* Every parameter, gradient and momentum buffer: one allocation each, carved by a size table. */
typedef struct Model {
    float *params, *grads, *velocity;
    size_t nparams;
    float *w1, *b1, *w2, *b2, *w3, *b3;       /* views into params */
    float *dw1, *db1, *dw2, *db2, *dw3, *db3; /* views into grads */
    /* activations for one batch and their gradients */
    float *h1, *a1, *h2, *a2, *logits, *probs;
    float *dh1, *da1, *dh2, *da2, *dlogits;
} Model;

static void model_init(Model *m, Rng *rng) {
    const size_t sizes[6] = {H1 * IMG, H1, H2 * H1, H2, CLASSES * H2, CLASSES};
    m->nparams = 0;
    for (int i = 0; i < 6; i++) m->nparams += sizes[i];
    m->params = XCALLOC(m->nparams, sizeof(float));
    m->grads = XCALLOC(m->nparams, sizeof(float));
    m->velocity = XCALLOC(m->nparams, sizeof(float));
    float **views[6] = {&m->w1, &m->b1, &m->w2, &m->b2, &m->w3, &m->b3};
    float **gviews[6] = {&m->dw1, &m->db1, &m->dw2, &m->db2, &m->dw3, &m->db3};
    const int fan_in[6] = {IMG, 0, H1, 0, H2, 0};
    size_t off = 0;
    for (int i = 0; i < 6; i++) {
        *views[i] = m->params + off;
        *gviews[i] = m->grads + off;
        /* He initialisation for ReLU layers: std sqrt(2 / fan_in); biases 0 */
        if (fan_in[i] > 0)
            for (size_t k = 0; k < sizes[i]; k++) (*views[i])[k] = (float)(rng_normal(rng) * sqrt(2.0 / fan_in[i]));
        off += sizes[i];
    }
    float **acts[11] = {&m->h1,  &m->a1,  &m->h2,  &m->a2,  &m->logits, &m->probs,
                        &m->dh1, &m->da1, &m->dh2, &m->da2, &m->dlogits};
    const int width[11] = {H1, H1, H2, H2, CLASSES, CLASSES, H1, H1, H2, H2, CLASSES};
    for (int i = 0; i < 11; i++) *acts[i] = XCALLOC((size_t)BATCH * width[i], sizeof(float));
}

static void model_free(Model *m) {
    free(m->params), free(m->grads), free(m->velocity);
    float *acts[11] = {m->h1, m->a1, m->h2, m->a2, m->logits, m->probs, m->dh1, m->da1, m->dh2, m->da2, m->dlogits};
    for (int i = 0; i < 11; i++) free(acts[i]);
}

/* x (B,784) -> logits (B,10) and probs; returns the mean loss. */
/* A slow run has two usual causes: the learner's matmul_forward is still the
 * plain loop, or other programs hold the cores. Timing it against Day 2's
 * given gemm_fast on the first layer's shape, both under the same load, tells
 * them apart. */
static void warn_slow(Model *m, const float *xb, double projected) {
    double mine = 1e30, fast = 1e30; /* the best of three calls each */
    for (int i = 0; i < 3; i++) {
        double t0 = timer_now();
        matmul_forward(m->h1, xb, m->w1, NULL, BATCH, IMG, H1);
        double t1 = timer_now();
        gemm_fast(BATCH, H1, IMG, xb, IMG, 1, m->w1, 1, IMG, m->h1, H1, 0);
        double t2 = timer_now();
        mine = fmin(mine, t1 - t0), fast = fmin(fast, t2 - t1);
    }
    if (mine > 4 * fast)
        fprintf(stderr,
                "\nThis run will take about %.0f minutes: matmul_forward took %.1f ms where gemm_fast takes "
                "%.1f ms,\nso it is probably the plain triple loop. Step 7 of the README makes it far faster (or "
                "Ctrl-C, then\nmake demo-day2 ARGS=--quick).\n",
                projected / 60, 1e3 * mine, 1e3 * fast);
    else
        fprintf(stderr,
                "\nThis run will take about %.0f minutes: your matmul is as fast as gemm_fast, so other "
                "programs are\nprobably using the cores. Close them, or Ctrl-C, then make demo-day2 ARGS=--quick.\n",
                projected / 60);
}

static float forward(Model *m, const float *x, const int *y, int B) {
    matmul_forward(m->h1, x, m->w1, m->b1, B, IMG, H1);
    relu_forward(m->a1, m->h1, (size_t)B * H1);
    matmul_forward(m->h2, m->a1, m->w2, m->b2, B, H1, H2);
    relu_forward(m->a2, m->h2, (size_t)B * H2);
    matmul_forward(m->logits, m->a2, m->w3, m->b3, B, H2, CLASSES);
    return cross_entropy_forward(m->probs, m->logits, y, B, CLASSES);
}

/* The forward pass, backwards: each op's backward, in reverse order. */
static void backward(Model *m, const float *x, const int *y, int B) {
    memset(m->grads, 0, m->nparams * sizeof(float));
    memset(m->dlogits, 0, sizeof(float) * B * CLASSES);
    memset(m->da2, 0, sizeof(float) * B * H2);
    memset(m->dh2, 0, sizeof(float) * B * H2);
    memset(m->da1, 0, sizeof(float) * B * H1);
    memset(m->dh1, 0, sizeof(float) * B * H1);
    cross_entropy_backward(m->dlogits, m->probs, y, B, CLASSES);
    matmul_backward(m->da2, m->dw3, m->db3, m->dlogits, m->a2, m->w3, B, H2, CLASSES);
    relu_backward(m->dh2, m->da2, m->h2, (size_t)B * H2);
    matmul_backward(m->da1, m->dw2, m->db2, m->dh2, m->a1, m->w2, B, H1, H2);
    relu_backward(m->dh1, m->da1, m->h1, (size_t)B * H1);
    matmul_backward(NULL, m->dw1, m->db1, m->dh1, x, m->w1, B, IMG, H1); /* no gradient for the pixels */
}

/* SGD with momentum: v = mu v + g; p -= lr v. */
static void sgd_momentum(Model *m, float lr, float mu) {
    for (size_t i = 0; i < m->nparams; i++) {
        m->velocity[i] = mu * m->velocity[i] + m->grads[i];
        m->params[i] -= lr * m->velocity[i];
    }
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) best = v[i] > v[best] ? i : best;
    return best;
}

/* Test loss and accuracy; fills the predictions when pred != NULL. */
static float evaluate(Model *m, const Dataset *d, int limit, float *accuracy, int *pred) {
    int n = d->n < limit ? d->n : limit, correct = 0;
    double loss = 0;
    for (int i = 0; i < n; i += BATCH) {
        int B = n - i < BATCH ? n - i : BATCH;
        loss += (double)forward(m, d->x + (size_t)i * IMG, d->y + i, B) * B;
        for (int b = 0; b < B; b++) {
            int p = argmax(m->logits + b * CLASSES, CLASSES);
            correct += p == d->y[i + b];
            if (pred) pred[i + b] = p;
        }
    }
    *accuracy = (float)correct / (float)n;
    return (float)(loss / n);
}

static void draw_image(const uint8_t *px) {
    static const char shades[] = " .:-=+*#%@";
    for (int r = 0; r < 28; r += 2) { /* two pixel rows per text row: characters are tall */
        printf("      ");
        for (int c = 0; c < 28; c++) printf("%c", shades[(px[r * 28 + c] + px[(r + 1) * 28 + c]) * 9 / 510]);
        printf("\n");
    }
}

static const char *find_data_dir(void) {
    static const char *dirs[] = {"data/fashion-mnist", "/usr/share/datasets/fashion-mnist"};
    for (int i = 0; i < 2; i++) {
        char path[256];
        XSNPRINTF(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dirs[i]);
        if (access(path, R_OK) == 0) return dirs[i];
    }
    LLMLAB_DIE("run `make data` (it links Debian's dataset-fashion-mnist: sudo apt-get install "
               "dataset-fashion-mnist)",
               "Fashion-MNIST not found in data/fashion-mnist");
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1};
    cli_parse_demo(argc, argv, "Day 2 demo: a 784-256-128-10 MLP on Fashion-MNIST", &args);
    const int epochs = args.quick ? 1 : 20, train_limit = args.quick ? 5000 : 60000;
    const float lr0 = 0.05f, momentum = 0.9f;

    const char *dir = find_data_dir();
    Dataset train, test;
    load_split(&train, dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
    load_split(&test, dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    int ntrain = train.n < train_limit ? train.n : train_limit;
    printf("Fashion-MNIST from %s: %d training images (using %d), %d test images.\n", dir, train.n, ntrain, test.n);

    Rng rng;
    rng_init(&rng, args.seed);
    Model m;
    model_init(&m, &rng);
    printf("MLP 784-256-128-10, %zu parameters; batch %d, SGD momentum %.1f, lr %.2f -> 0, %d epochs.\n\n", m.nparams,
           BATCH, momentum, lr0, epochs);

    char run_dir[512];
    XSNPRINTF(run_dir, sizeof run_dir, "%s/fashion", args.runs);
    RunLog log;
    runlog_open(&log, run_dir, "step,train_loss,val_loss,lr,accuracy", 0);

    int *order = XMALLOC(sizeof(int) * (size_t)ntrain);
    for (int i = 0; i < ntrain; i++) order[i] = i;
    float *xb = XMALLOC(sizeof(float) * BATCH * IMG);
    int yb[BATCH];
    int steps_per_epoch = ntrain / BATCH, total = epochs * steps_per_epoch, step = 0;
    ThreadPicker threads; /* one thread or all, whichever is faster now (common/parallel.h) */
    thread_picker_init(&threads);
    double t0 = timer_now();
    for (int epoch = 0; epoch < epochs; epoch++) {
        for (int i = ntrain - 1; i > 0; i--) { /* shuffle (Fisher-Yates) */
            int j = (int)rng_below(&rng, (uint64_t)i + 1), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        ProgressBar bar;
        char label[32];
        XSNPRINTF(label, sizeof label, "epoch %d/%d", epoch + 1, epochs);
        progress_init(&bar, stderr, label, steps_per_epoch);
        double running = 0;
        for (int s = 0; s < steps_per_epoch; s++, step++) {
            for (int b = 0; b < BATCH; b++) {
                int k = order[s * BATCH + b];
                memcpy(xb + (size_t)b * IMG, train.x + (size_t)k * IMG, sizeof(float) * IMG);
                yb[b] = train.y[k];
            }
            float lr = lr0 * (1.0f - (float)step / (float)total);
            thread_picker_next(&threads);
            double t_step = timer_now();
            float loss = forward(&m, xb, yb, BATCH);
            backward(&m, xb, yb, BATCH);
            sgd_momentum(&m, lr, momentum);
            thread_picker_done(&threads, timer_now() - t_step);
            running = s == 0 ? loss : 0.98 * running + 0.02 * loss;
            if (step == 20) {
                double projected = (timer_now() - t0) / 21 * total;
                if (projected > 180) warn_slow(&m, xb, projected);
            }
            if (s % 50 == 0) runlog_row(&log, (double[]){step, loss, NAN, lr, NAN});
            progress_update(&bar, s + 1, "loss %.3f", running);
        }
        progress_finish(&bar);
        float acc, test_loss = evaluate(&m, &test, test.n, &acc, NULL);
        runlog_row(&log, (double[]){step, running, test_loss, lr0 * (1.0f - (float)step / total), acc});
        printf("epoch %2d: train loss %.4f, test loss %.4f, test accuracy %.2f%%  (%.0f s)\n", epoch + 1, running,
               test_loss, 100 * acc, timer_now() - t0);
    }
    thread_picker_finish(&threads);
    runlog_close(&log);

    int *pred = XMALLOC(sizeof(int) * (size_t)test.n);
    float acc;
    evaluate(&m, &test, test.n, &acc, pred);
    printf("\nTest accuracy %.2f%% after %.0f s of training. (The dataset's authors list 88.33%% for an\n"
           "MLP 256-128-100 and 83.5%% for people.)\n\nConfusion matrix (rows: true class, columns: predicted):\n\n    "
           "         ",
           100 * acc, timer_now() - t0);
    int confusion[CLASSES][CLASSES] = {{0}};
    for (int i = 0; i < test.n; i++) confusion[test.y[i]][pred[i]]++;
    /* every column 6 wide, right-aligned, so at least one space separates two headers or counts */
    for (int c = 0; c < CLASSES; c++) printf("%6s", CLASS_SHORT[c]);
    printf("\n");
    for (int r = 0; r < CLASSES; r++) {
        printf("  %-10s ", CLASS_NAMES[r]);
        for (int c = 0; c < CLASSES; c++) printf("%6d", confusion[r][c]);
        printf("\n");
    }
    printf("\nThree test images it got wrong:\n");
    for (int i = 0, shown = 0; i < test.n && shown < 3; i++)
        if (pred[i] != test.y[i]) {
            printf("\n   #%d: a %s, taken for a %s\n", i, CLASS_NAMES[test.y[i]], CLASS_NAMES[pred[i]]);
            draw_image(test.raw + (size_t)i * IMG);
            shown++;
        }
    printf("\nThe loss curves: make plot RUN=%s\n", run_dir);
    free(pred), free(order), free(xb);
    model_free(&m);
    free(train.x), free(train.y), free(train.raw), free(test.x), free(test.y), free(test.raw);
    return 0;
}
