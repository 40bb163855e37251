/*
 * Week 4 demo, and `make domain`: the whole experiment on a domain.
 *
 *   1. collect the domain's text (DOMAIN_DIR, or the C headers under
 *      /usr/include) into data/domain: train, val and test by file;
 *   2. the general model: runs/gpt/ckpt.bin (trained first if missing;
 *      --quick trains a toy one of its own in runs/domain-general-quick,
 *      so Week 3's runs/gpt-quick, of another shape, is left alone);
 *   3. the general model fine-tuned on the domain (its own tokenizer);
 *   4. a model of the same size trained on the domain from scratch, with a
 *      tokenizer trained on the domain, for the same number of steps;
 *   5. llmlab report: bits per byte of all three on the domain's test text
 *      and on general text, with bootstrap intervals; samples for prompts
 *      taken from the domain (data/domain/prompts.txt); runs/domain/report.md
 *      with charts.
 *
 * --quick does all of it on a toy scale (folders named ...-quick).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "collect.h"
#include "domain.h"
#include "gpt_run.h"

static int exists(const char *path) { return access(path, R_OK) == 0; }

/* Remove the tokenizers (.bpe) and token files (.tok) of an earlier collection in dir; 0 or -1. */
static int remove_stale(const char *dir) {
    DIR *d = opendir(dir);
    int rc = d ? 0 : -1;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && (!strcmp(e->d_name + len - 4, ".bpe") || !strcmp(e->d_name + len - 4, ".tok"))) {
            char path[600];
            XSNPRINTF(path, sizeof path, "%s/%s", dir, e->d_name);
            rc |= unlink(path);
        }
    }
    if (d) closedir(d);
    return rc;
}

static TrainResult train(const char *corpus, const char *init, const char *run, const DemoArgs *args, long steps) {
    GptRunOptions g;
    gpt_run_defaults(&g);
    g.corpus = corpus, g.init = init, g.train.run_dir = run, g.train.seed = args->seed;
    if (init) /* fine-tuning: a gentler learning rate, so less of the general text is forgotten */
        g.train.lr_max = 5e-4f, g.train.lr_min = 5e-5f;
    /* --resume continues the models that have a checkpoint and starts the
     * others (a run stopped during the first has none for the next two);
     * without it, a demo starts afresh every time. */
    char ckpt[600];
    XSNPRINTF(ckpt, sizeof ckpt, "%s/ckpt.bin", run);
    g.train.resume = args->resume && access(ckpt, F_OK) == 0, g.train.force = 1, g.train.max_steps = steps;
    g.train.eval_every = steps / 10 > 0 ? steps / 10 : 1;
    if (args->quick) {
        g.vocab = 300;
        g.model = (GptConfig){.ctx = 32, .n_layer = 1, .n_head = 2, .n_embd = 16};
        g.train.batch = 2, g.train.block = 32, g.train.warmup = 1, g.train.eval_batches = 1;
    }
    TrainResult r = gpt_run_train(&g);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) exit(1);
    if (r.status == TRAIN_INTERRUPTED) {
        printf("interrupted: continue with make domain ARGS=--resume\n");
        exit(0);
    }
    return r;
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1337};
    cli_parse_demo(argc, argv, "Week 4: a general, a fine-tuned and a from-scratch model on one domain", &args);
    const char *q = args.quick ? "-quick" : "", *corpus = args.quick ? "domain-quick" : "domain";
    char data[256], general[512], tuned[512], scratch[512], out[512], test_txt[300], ckpt[3][600];
    XSNPRINTF(data, sizeof data, "data/%s", corpus);
    XSNPRINTF(test_txt, sizeof test_txt, "%s/test.txt", data);
    /* the quick general model has a folder of its own: Week 3's quick demo keeps a toy
     * model of another shape in runs/gpt-quick */
    XSNPRINTF(general, sizeof general, "%s/%s", args.runs, args.quick ? "domain-general-quick" : "gpt");
    XSNPRINTF(tuned, sizeof tuned, "%s/domain-tuned%s", args.runs, q);
    XSNPRINTF(scratch, sizeof scratch, "%s/domain-scratch%s", args.runs, q);
    XSNPRINTF(out, sizeof out, "%s/domain%s", args.runs, q);
    const char *runs[3] = {general, tuned, scratch};
    for (int i = 0; i < 3; i++) XSNPRINTF(ckpt[i], sizeof ckpt[i], "%s/ckpt.bin", runs[i]);

    const char *dir = getenv("DOMAIN_DIR");
    if (!exists(test_txt) || args.quick || (dir && *dir)) {
        const char *dirs[1] = {dir && *dir ? dir : "/usr/include"};
        const char *c_files[] = {".c", ".h"};
        CollectOptions co;
        collect_defaults(&co);
        if (!(dir && *dir)) co.exts = c_files, co.n_exts = 2;
        if (args.quick && !(dir && *dir)) /* many small files, so that every split gets some */
            co.max_total_bytes = 200 << 10, co.max_file_bytes = 4 << 10, co.val_percent = 20, co.test_percent = 20;
        /* else the default 64 MiB: the budget takes files in name order, and a small one
         * would keep only the first folders (for /usr/include: C++ and X11 headers) */
        CollectStats st;
        char err[600];
        printf("== 1. collecting %s into %s (at most %zu KiB)\n", dirs[0], data, co.max_total_bytes >> 10);
        fflush(stdout);
        if (collect_run(dirs, 1, data, &co, &st, err, sizeof err) != 0)
            LLMLAB_DIE("DOMAIN_DIR names a folder of text files (notes, code)", "%s", err);
        collect_print_summary(stdout, &st);
        if (st.files[COLLECT_VAL] == 0 || st.files[COLLECT_TEST] == 0)
            LLMLAB_DIE("a domain needs a few dozen files at least: add some, or split by hand with ./llmlab "
                       "collect --val-percent P --test-percent P",
                       "%ld files kept, and the %s split came out empty", st.files[0] + st.files[1] + st.files[2],
                       st.files[COLLECT_VAL] == 0 ? "validation" : "test");
        if (remove_stale(data) != 0) /* a new collection: tokenizers and token files of the old one go */
            fprintf(stderr, "could not remove old tokenizer files in %s\n", data);
    } else {
        printf("== 1. the domain: %s (collected before; DOMAIN_DIR=... collects another)\n", data);
    }
    long steps = args.quick ? 4 : 600;
    if (args.quick) {
        printf("== 2. the general model: a toy one, trained afresh into %s (--quick)\n", general);
        fflush(stdout);
        train("fortunes", NULL, general, &args, 4);
    } else if (!exists(ckpt[0])) {
        printf("== 2. the general model: %s is missing, so the Week 2 model is trained first\n", ckpt[0]);
        fflush(stdout);
        train("fortunes", NULL, general, &args, 1500);
    } else {
        printf("== 2. the general model: %s\n", ckpt[0]);
    }
    printf("== 3. fine-tuning the general model on the domain, %ld steps\n", steps);
    fflush(stdout);
    train(corpus, ckpt[0], tuned, &args, steps);
    printf("== 4. a model from scratch on the domain, its own tokenizer, %ld steps\n", steps);
    fflush(stdout);
    train(corpus, NULL, scratch, &args, steps);

    printf("== 5. the report\n");
    fflush(stdout);
    ReportOptions o = {
        .models = {{"general", ckpt[0], general}, {"fine-tuned", ckpt[1], tuned}, {"from scratch", ckpt[2], scratch}},
        .n_models = 3,
        .domain_test = test_txt,
        .general_text = "data/fortunes/val.txt",
        .max_bytes = (size_t)(args.quick ? 16 : 256) << 10, /* quick: enough files for an interval */
        .out_dir = out, /* no prompts: the domain's own, from data/domain/prompts.txt */
    };
    if (report_write(&o) != 0) return 1;
    printf("read it: %s/report.md (make docs puts it in the docs site)\n", out);
    return 0;
}
