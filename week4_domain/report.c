/*
 * Week 4, given code: the experiment's evaluation and its report. Every
 * model is measured in bits per byte on the domain's test text and on
 * general text; the tokenizers in bytes per token; a few samples per model;
 * then report.md with two gnuplot charts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"
#include "domain.h"
#include "gpt_run.h"
#include "plot.h"
#include "timer.h"
#include "utf8.h"

typedef struct Measured {
    int ok;
    size_t n_params;
    int vocab, ctx;
    long steps; /* from its log.csv; -1 when unknown */
    double bpb[2], bytes_per_token[2], seconds;
    char *samples; /* the samples, as text */
} Measured;

/* At most max bytes of a file, cut at a line end so no character is split. */
static uint8_t *read_head(const char *path, size_t max, size_t *len) {
    uint8_t *text = read_file_or_die(path, len);
    if (max && *len > max) {
        size_t cut = max;
        while (cut > 0 && text[cut - 1] != '\n') cut--;
        *len = cut ? cut : max;
        text[*len] = '\0';
    }
    return text;
}

/* The last step in a run's log.csv, or -1. */
static long last_step(const char *run_dir) {
    if (!run_dir) return -1;
    char path[1100];
    XSNPRINTF(path, sizeof path, "%s/log.csv", run_dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    long step = -1;
    while (fgets(line, sizeof line, f))
        if (line[0] >= '0' && line[0] <= '9') step = atol(line);
    fclose(f);
    return step;
}

static void measure(const DomainModel *dm, const ReportOptions *o, uint8_t *const text[2], const size_t len[2],
                    Measured *r) {
    memset(r, 0, sizeof *r);
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(dm->ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        fprintf(stderr, "report: %s: skipped (%s)\n", dm->name, err);
        return;
    }
    double t0 = timer_now();
    r->ok = 1, r->n_params = m.n_params, r->vocab = m.cfg.vocab, r->ctx = m.cfg.ctx;
    r->steps = last_step(dm->run_dir);
    int eot = tokenizer_special_id(&tok, TOKENIZER_EOT), stride = o->stride ? o->stride : m.T / 2;
    for (int k = 0; k < 2; k++) {
        int *ids = XMALLOC((len[k] + 1) * sizeof *ids);
        int32_t *enc = XMALLOC((len[k] + 1) * sizeof *enc);
        size_t n = 0, e = tokenizer_encode(&tok, text[k], len[k], 1, enc);
        ids[n++] = eot >= 0 ? eot : enc[0]; /* a document starts */
        for (size_t i = 0; i < e; i++) ids[n++] = enc[i];
        int window = n - 1 < (size_t)m.T ? (int)(n - 1) : m.T; /* sequence_nll's window */
        if (window < m.T)
            fprintf(stderr,
                    "report: note: %s is only %zu tokens for %s, less than its context of %d: "
                    "its numbers rest on few predictions (a larger text gives steadier ones)\n",
                    k == 0 ? o->domain_test : o->general_text, n - 1, dm->name, m.T);
        double nll = window < 1 ? 0.0 : sequence_nll(&m, ids, n, stride < window ? stride : window, NULL);
        r->bpb[k] = bits_per_byte(&tok, ids, n, nll);
        r->bytes_per_token[k] = e ? (double)len[k] / (double)e : 0;
        free(ids), free(enc);
    }
    /* samples: the same seed and settings for every model */
    size_t cap = 0;
    FILE *out = open_memstream(&r->samples, &cap);
    LLMLAB_CHECK(out != NULL, "", "open_memstream failed");
    SamplerConfig s = {.temperature = 0.7f, .top_k = 0, .top_p = 0.9f};
    for (int p = 0; p < 4 && o->prompts[p]; p++) {
        Rng rng;
        rng_init(&rng, 42);
        size_t plen = strlen(o->prompts[p]);
        int32_t *enc = XMALLOC((plen + 1) * sizeof *enc);
        int *ids = XMALLOC((plen + 2) * sizeof *ids), n = 0;
        if (eot >= 0) ids[n++] = eot;
        size_t e = tokenizer_encode(&tok, (const uint8_t *)o->prompts[p], plen, 0, enc);
        for (size_t i = 0; i < e && n < m.cfg.ctx; i++) ids[n++] = enc[i];
        fputs(o->prompts[p], out);
        gpt_generate(&m, &tok, ids, n, 60, &s, &rng, out, 1, NULL);
        fputs("\n----\n", out);
        free(enc), free(ids);
    }
    fclose(out);
    r->seconds = timer_now() - t0;
    gpt_free(&m);
    tokenizer_free(&tok);
}

/* A sample inside a Markdown code block: it must not close the block, and
 * bytes that are not UTF-8 (a character cut by the end of a sample) become U+FFFD. */
static void put_code(FILE *f, const char *text) {
    const uint8_t *s = (const uint8_t *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = utf8_char(s + i, n - i, &cp);
        if (cp < 0)
            fputs("\xEF\xBF\xBD", f);
        else if (i + 2 < n && memcmp(s + i, "```", 3) == 0)
            fputs("` ``", f), len = 3;
        else
            fwrite(s + i, 1, (size_t)len, f);
        i += (size_t)len;
    }
}

/* An output of the report: written under a temporary name, renamed when whole (check.h). */
typedef struct Out {
    FILE *f;
    char path[LLMLAB_PATH_MAX], tmp[LLMLAB_TMP_SIZE];
} Out;

/* Open out_dir/NAME for writing; dies with the reason when it cannot (report_write checked the
 * folder and every name before measuring, so this is a disk that failed since). */
static FILE *out_open(Out *w, const char *out_dir, const char *name) {
    char err[LLMLAB_ERR_SIZE];
    XSNPRINTF(w->path, sizeof w->path, "%s/%s", out_dir, name);
    w->f = llmlab_open_temp(w->path, w->tmp, sizeof w->tmp, err, sizeof err);
    if (!w->f) LLMLAB_DIE("is the folder writable, with room on the disk?", "report: %s", err);
    return w->f;
}

/* Finish out_open's file: 0, or -1 after saying why (the old file, if any, is kept). */
static int out_close(Out *w) {
    char err[LLMLAB_ERR_SIZE];
    if (llmlab_commit_file(w->f, 1, w->tmp, w->path, err, sizeof err) != 0) {
        fprintf(stderr, "report: %s\n", err);
        return -1;
    }
    return 0;
}

/* Write a quoted string into a chart's script; *ok turns 0 for one that cannot be written (a line break). */
static void put_quoted(FILE *f, const char *s, int *ok) {
    if (plot_put_string(f, s) != 0) {
        fputs("''", f);
        *ok = 0;
    }
}

/* Start the script out_dir/NAME.gp of the chart out_dir/NAME.png; its path goes to script.
 * gnuplot runs it from the folder the report was made in, so its paths start there; each
 * is a quoted gnuplot string (plot.h), so no folder name is ever read as a command. */
static FILE *chart_script(const char *out_dir, const char *name, Out *script, int *ok) {
    char png[LLMLAB_PATH_MAX], gp[64];
    XSNPRINTF(png, sizeof png, "%s/%s.png", out_dir, name);
    snprintf(gp, sizeof gp, "%s.gp", name);
    FILE *f = out_open(script, out_dir, gp);
    fprintf(f, "# gnuplot runs this from the folder where the report was made: its paths start there\n"
               "set terminal pngcairo size 800,480 font ',11'\nset output ");
    put_quoted(f, png, ok);
    fprintf(f, "\n");
    return f;
}

/* Finish a chart's script and draw it; a chart that cannot be drawn is reported, not fatal. */
static void chart_draw(Out *script, const char *name, int ok) {
    char err[LLMLAB_ERR_SIZE];
    if (out_close(script) != 0) return;
    if (!ok)
        fprintf(stderr, "report: could not draw %s.png: a path holds a line break\n", name);
    else if (plot_run(NULL, script->path, NULL, err, sizeof err) != 0)
        fprintf(stderr, "report: gnuplot could not draw %s.png (%s)\n", name, err);
}

static void charts(const ReportOptions *o, const Measured *r) {
    Out *data = XMALLOC(sizeof *data), *script = XMALLOC(sizeof *script);
    FILE *f = out_open(data, o->out_dir, "bpb.dat");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok) fprintf(f, "\"%s\" %.4f %.4f\n", o->models[i].name, r[i].bpb[0], r[i].bpb[1]);
    if (out_close(data) != 0) {
        free(data), free(script);
        return;
    }
    const char *path = data->path;
    int ok = 1;
    f = chart_script(o->out_dir, "bpb", script, &ok);
    fprintf(f, "set style data histograms\nset style fill solid 0.8 border -1\nset boxwidth 0.9\n"
               "set grid ytics\nset ylabel 'bits per byte (lower is better)'\nset yrange [0:*]\n"
               "set title 'Bits per byte'\nplot ");
    put_quoted(f, path, &ok);
    fprintf(f, " using 2:xtic(1) title 'domain test text', '' using 3 title 'general text'\n");
    chart_draw(script, "bpb", ok);
    /* the runs' validation loss; nats per token of their own tokenizers */
    f = NULL;
    ok = 1;
    for (int i = 0; i < o->n_models; i++) {
        char log[LLMLAB_PATH_MAX];
        if (!o->models[i].run_dir) continue;
        XSNPRINTF(log, sizeof log, "%s/log.csv", o->models[i].run_dir);
        FILE *probe = fopen(log, "r");
        if (!probe) continue;
        fclose(probe);
        if (!f) {
            f = chart_script(o->out_dir, "loss", script, &ok);
            fprintf(f, "set datafile separator ','\nset datafile missing 'nan'\nset grid\nset xlabel 'step'\n"
                       "set ylabel 'validation loss (nats per token)'\nset title 'Training runs'\nplot ");
        } else {
            fprintf(f, ", ");
        }
        put_quoted(f, log, &ok);
        fprintf(f, " using 1:3 with lines lw 2 title ");
        put_quoted(f, o->models[i].name, &ok);
        fprintf(f, " noenhanced");
    }
    if (f) {
        fprintf(f, "\n");
        chart_draw(script, "loss", ok);
    }
    free(data), free(script);
}

/* Before any model is measured: the folder can be made, and none of the report's files has
 * something other than a regular file in its place. 0, or -1 after saying why. */
static int check_out_dir(const char *dir) {
    char err[LLMLAB_ERR_SIZE], path[LLMLAB_PATH_MAX];
    static const char *const names[] = {"report.md", "bpb.dat", "bpb.gp", "loss.gp", "bpb.png", "loss.png"};
    struct stat st;
    if (strlen(dir) + 16 >= sizeof path) {
        fprintf(stderr, "report: the folder name %.60s... is too long (--out)\n", dir);
        return -1;
    }
    if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "report: --out %s is not a folder: give a folder for report.md and its charts\n", dir);
        return -1;
    }
    int rc = llmlab_make_dirs(dir, err, sizeof err);
    for (int i = 0; rc == 0 && i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = llmlab_check_output(path, err, sizeof err);
    }
    if (rc == 0 && access(dir, W_OK) != 0) {
        snprintf(err, sizeof err, "cannot write in %s: %s", dir, strerror(errno));
        rc = -1;
    }
    if (rc != 0) fprintf(stderr, "report: %s (--out)\n", err);
    return rc;
}

int report_write(const ReportOptions *o) {
    uint8_t *text[2];
    size_t len[2];
    const char *paths[2] = {o->domain_test, o->general_text};
    if (check_out_dir(o->out_dir) != 0) return -1;
    for (int k = 0; k < 2; k++) {
        char err[LLMLAB_ERR_SIZE];
        FILE *probe = llmlab_open_read(paths[k], "", err, sizeof err);
        if (!probe) {
            fprintf(stderr, "report: %s (%s)\n", err,
                    k == 0 ? "collect a domain first: ./llmlab collect" : "prepare it: make data");
            if (k) free(text[0]);
            return -1;
        }
        fclose(probe);
        text[k] = read_head(paths[k], o->max_bytes, &len[k]);
        if (len[k] < 2) {
            fprintf(stderr, "report: %s is empty: nothing to measure on (%s)\n", paths[k],
                    k == 0 ? "the domain has too few files for a test split: collect more, or a larger "
                             "--test-percent"
                           : "prepare it: make data");
            free(text[k]);
            if (k) free(text[0]);
            return -1;
        }
    }
    Measured r[3];
    for (int i = 0; i < o->n_models; i++) {
        fprintf(stderr, "report: measuring %s (%s)\n", o->models[i].name, o->models[i].ckpt);
        measure(&o->models[i], o, text, len, &r[i]);
    }
    llmlab_mkdir_p(o->out_dir);
    charts(o, r);
    Out *md = XMALLOC(sizeof *md);
    FILE *f = out_open(md, o->out_dir, "report.md");
    fprintf(f,
            "# A model for a domain: the report\n\n"
            "Written by `llmlab report`. Bits per byte: the model's information per byte of held-out text "
            "(lower is better); it compares models with different tokenizers fairly. Measured on %zu bytes "
            "of `%s` (the domain's test split, never trained on) and %zu bytes of `%s` (general text).\n\n",
            len[0], o->domain_test, len[1], o->general_text);
    fprintf(f, "| model | checkpoint | parameters | vocabulary | steps | domain bits per byte | general bits per "
               "byte |\n|---|---|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < o->n_models; i++) {
        if (!r[i].ok) {
            fprintf(f, "| %s | `%s` | (missing) | | | | |\n", o->models[i].name, o->models[i].ckpt);
            continue;
        }
        char steps[32] = "?";
        if (r[i].steps >= 0) snprintf(steps, sizeof steps, "%ld", r[i].steps);
        fprintf(f, "| %s | `%s` | %zu | %d | %s | %.3f | %.3f |\n", o->models[i].name, o->models[i].ckpt, r[i].n_params,
                r[i].vocab, steps, r[i].bpb[0], r[i].bpb[1]);
    }
    fprintf(f, "\n![Bits per byte of each model](bpb.png)\n\n## Tokenizers\n\nBytes per token (higher: the "
               "tokenizer packs more text into each token, so the same context sees more):\n\n"
               "| model's tokenizer | on domain text | on general text |\n|---|---:|---:|\n");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok)
            fprintf(f, "| %s (%d tokens) | %.2f | %.2f |\n", o->models[i].name, r[i].vocab, r[i].bytes_per_token[0],
                    r[i].bytes_per_token[1]);
    fprintf(f, "\n## Training runs\n\nValidation loss per step, in nats per token of each run's own tokenizer, "
               "on its own validation text (the general model's is general text): the curves are not comparable in "
               "height; the table above is.\n\n"
               "![Validation loss of the runs](loss.png)\n\n## Samples\n\nTemperature 0.7, top-p 0.9, the same "
               "seed for every model; each sample starts with the prompt.\n\n");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok) {
            fprintf(f, "### %s\n\n```\n", o->models[i].name);
            put_code(f, r[i].samples);
            fprintf(f, "```\n\n");
        }
    int written = out_close(md) == 0;
    printf("\n| model | domain bits per byte | general bits per byte | bytes per token (domain) |\n"
           "|---|---:|---:|---:|\n");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok)
            printf("| %-13s | %.3f | %.3f | %.2f |\n", o->models[i].name, r[i].bpb[0], r[i].bpb[1],
                   r[i].bytes_per_token[0]);
    if (written) printf("\nreport: wrote %s (with bpb.png and loss.png)\n", md->path);
    int missing = 0;
    for (int i = 0; i < o->n_models; i++) missing += !r[i].ok, free(r[i].samples);
    free(text[0]), free(text[1]), free(md);
    return missing || !written ? -1 : 0;
}
