/*
 * Week 4, given code: the experiment's evaluation and its report. Every
 * model is measured in bits per byte on the domain's test text and on
 * general text, one document at a time, with a bootstrap interval for each
 * figure and for each difference; the tokenizers in bytes per token; a few
 * samples per model from the domain's own prompts; then report.md with two
 * gnuplot charts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "collect.h"
#include "corpus.h"
#include "domain.h"
#include "gpt_run.h"
#include "plot.h"
#include "progress.h"
#include "rng.h"
#include "timer.h"
#include "utf8.h"

/* A text to measure, cut into documents: the pieces that end with <|endoftext|> (the last may
 * lack it). Document i is data[start[i] .. end[i]); it stands for bytes[i] bytes: its text, and
 * its <|endoftext|> as one, as bits_per_byte() counts them. */
typedef struct Text {
    const char *path;
    uint8_t *data;       /* the whole file (size bytes) */
    size_t size, len;    /* len: the bytes of the documents measured */
    size_t n_docs;       /* the documents measured, in the file's order */
    size_t *start, *end; /* (n_docs) */
    double *bytes;       /* (n_docs) */
} Text;

typedef struct Measured {
    int ok;
    size_t n_params;
    int vocab, ctx;
    long steps; /* from its log.csv; -1 when unknown */
    double bpb[2], lo[2], hi[2], bytes_per_token[2], seconds;
    double *bits[2]; /* the bits of each document of each text */
    char *samples;   /* the samples, as text */
} Measured;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void report_bootstrap(const double *bits, const double *minus_bits, const double *bytes, size_t n, int draws,
                      uint64_t seed, double *lo, double *hi) {
    *lo = *hi = 0.0;
    if (n == 0 || draws < 1) return;
    double *v = XMALLOC((size_t)draws * sizeof *v);
    Rng rng;
    rng_init(&rng, seed);
    for (int d = 0; d < draws; d++) {
        double b = 0, minus = 0, total = 0; /* one resampling: n documents, with replacement */
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)rng_below(&rng, n);
            b += bits[j], total += bytes[j];
            if (minus_bits) minus += minus_bits[j];
        }
        v[d] = total > 0 ? (b - minus) / total : 0.0;
    }
    qsort(v, (size_t)draws, sizeof *v, cmp_double);
    *lo = v[(size_t)floor(0.025 * draws)];
    *hi = v[(size_t)ceil(0.975 * draws) - 1];
    free(v);
}

/* The first <|endoftext|> in s[0..n), or NULL. */
static const uint8_t *find_eot(const uint8_t *s, size_t n) {
    const size_t m = sizeof TOKENIZER_EOT - 1;
    for (const uint8_t *p = s; (p = memchr(p, TOKENIZER_EOT[0], n - (size_t)(p - s))) != NULL; p++)
        if ((size_t)(s + n - p) >= m && memcmp(p, TOKENIZER_EOT, m) == 0) return p;
    return NULL;
}

/* The documents of the file at @p path to measure: all of them when they fit in max bytes (0:
 * no limit), else whole documents drawn at random (a fixed seed, so every model and every run
 * gets the same) as long as they fit, kept in the file's order. A draw, not the first
 * ones: the file lists a domain's files in name order, and its first folders are no sample of
 * the rest. When no document fits, the head of the first, cut at a line end. */
static void text_read(Text *t, const char *path, size_t max) {
    const size_t m = sizeof TOKENIZER_EOT - 1;
    memset(t, 0, sizeof *t);
    t->path = path;
    t->data = read_file_or_die(path, &t->size);
    size_t cap = 64, n = 0, total = 0;
    size_t *start = XMALLOC(cap * sizeof *start), *end = XMALLOC(cap * sizeof *end);
    for (size_t at = 0; at < t->size; at = end[n++]) { /* every document of the file */
        const uint8_t *eot = find_eot(t->data + at, t->size - at);
        if (n == cap) cap *= 2, start = XREALLOC(start, cap * sizeof *start), end = XREALLOC(end, cap * sizeof *end);
        start[n] = at, end[n] = eot ? (size_t)(eot - t->data) + m : t->size;
        total += end[n] - at;
    }
    char *take = XCALLOC(n ? n : 1, 1);
    if (!max || total <= max) {
        memset(take, 1, n);
    } else {
        size_t *order = XMALLOC((n ? n : 1) * sizeof *order), used = 0;
        for (size_t i = 0; i < n; i++) order[i] = i;
        Rng rng;
        rng_init(&rng, REPORT_BOOTSTRAP_SEED);
        for (size_t i = n; i > 1; i--) { /* shuffle (Fisher-Yates) */
            size_t j = (size_t)rng_below(&rng, i), x = order[i - 1];
            order[i - 1] = order[j], order[j] = x;
        }
        for (size_t i = 0; i < n; i++) {
            size_t len = end[order[i]] - start[order[i]];
            if (used + len > max) continue; /* too big for what is left: the next may fit */
            take[order[i]] = 1, used += len;
        }
        free(order);
        if (used == 0 && n > 0) { /* even one document is longer than max: the head of the first */
            size_t cut = max;
            while (cut > 0 && t->data[cut - 1] != '\n') cut--;
            end[0] = cut ? cut : max, take[0] = 1;
        }
    }
    t->start = XMALLOC((n ? n : 1) * sizeof *t->start), t->end = XMALLOC((n ? n : 1) * sizeof *t->end);
    t->bytes = XMALLOC((n ? n : 1) * sizeof *t->bytes);
    for (size_t i = 0; i < n; i++)
        if (take[i]) {
            size_t len = end[i] - start[i];
            int has_eot = len >= m && memcmp(t->data + end[i] - m, TOKENIZER_EOT, m) == 0;
            t->start[t->n_docs] = start[i], t->end[t->n_docs] = end[i];
            t->bytes[t->n_docs++] = (double)len - (has_eot ? (double)(m - 1) : 0.0);
            t->len += len;
        }
    free(start), free(end), free(take);
}

static void text_free(Text *t) { free(t->data), free(t->start), free(t->end), free(t->bytes); }

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

/* Measure one model on both texts, one document at a time (each starts with <|endoftext|>, so
 * its first token is predicted as the start of a document), then draw its samples. @p bar
 * counts the bytes measured by all models; @p done is where this model starts. */
static void measure(const DomainModel *dm, const ReportOptions *o, const Text texts[2], ProgressBar *bar, long done,
                    Measured *r) {
    memset(r, 0, sizeof *r);
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(dm->ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        progress_stop(bar, "");
        fprintf(stderr, "report: %s: skipped (%s)\n", dm->name, err);
        return;
    }
    double t0 = timer_now();
    r->ok = 1, r->n_params = m.n_params, r->vocab = m.cfg.vocab, r->ctx = m.cfg.ctx;
    r->steps = last_step(dm->run_dir);
    int eot = tokenizer_special_id(&tok, TOKENIZER_EOT), stride = o->stride ? o->stride : m.T / 2;
    for (int k = 0; k < 2; k++) {
        const Text *t = &texts[k];
        double bits = 0, bytes = 0;
        size_t tokens = 0, predicted = 0;
        r->bits[k] = XCALLOC(t->n_docs ? t->n_docs : 1, sizeof *r->bits[k]);
        for (size_t d = 0; d < t->n_docs; d++) {
            size_t len = t->end[d] - t->start[d];
            int *ids = XMALLOC((len + 2) * sizeof *ids);
            int32_t *enc = XMALLOC((len + 1) * sizeof *enc);
            size_t n = 0, e = tokenizer_encode(&tok, t->data + t->start[d], len, 1, enc);
            if (e > 0) ids[n++] = eot >= 0 ? eot : enc[0]; /* a document starts */
            for (size_t i = 0; i < e; i++) ids[n++] = enc[i];
            int window = n - 1 < (size_t)m.T ? (int)(n - 1) : m.T; /* sequence_nll's window */
            double nll = window < 1 ? 0.0 : sequence_nll(&m, ids, n, stride < window ? stride : window, NULL);
            r->bits[k][d] = n > 1 ? bits_per_byte(&tok, ids, n, nll) * t->bytes[d] : 0.0;
            bits += r->bits[k][d], bytes += t->bytes[d], tokens += e, predicted += n > 1 ? n - 1 : 0;
            free(ids), free(enc);
            done += (long)len;
            progress_update(bar, done, "%s, %s text", dm->name, k == 0 ? "domain" : "general");
        }
        if (predicted < (size_t)m.T)
            fprintf(stderr,
                    "\nreport: note: %s is only %zu tokens for %s, less than its context of %d: "
                    "its numbers rest on few predictions (a larger text gives steadier ones)\n",
                    t->path, predicted, dm->name, m.T);
        r->bpb[k] = bytes > 0 ? bits / bytes : 0.0;
        report_bootstrap(r->bits[k], NULL, t->bytes, t->n_docs, REPORT_BOOTSTRAP_DRAWS, REPORT_BOOTSTRAP_SEED,
                         &r->lo[k], &r->hi[k]);
        r->bytes_per_token[k] = tokens ? (double)t->len / (double)tokens : 0;
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
        if (n > 0) gpt_generate(&m, &tok, ids, n, 60, &s, &rng, out, 1, NULL);
        fputs("\n----\n", out);
        free(enc), free(ids);
    }
    fclose(out);
    r->seconds = timer_now() - t0;
    gpt_free(&m);
    tokenizer_free(&tok);
}

/* A sample inside a Markdown code block: it must not close the block, bytes that are not
 * UTF-8 (a character cut by the end of a sample) become U+FFFD, and control characters other
 * than a tab or a line end (a toy model writes them) are shown as \xNN: a file with them in
 * it is not text to a viewer (`file` calls it "data"), even though they are valid UTF-8. */
static void put_code(FILE *f, const char *text) {
    const uint8_t *s = (const uint8_t *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = utf8_char(s + i, n - i, &cp);
        if (cp < 0)
            fputs("\xEF\xBF\xBD", f);
        else if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F)
            fprintf(f, "\\x%02X", (unsigned)cp);
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
        if (r[i].ok)
            fprintf(f, "\"%s\" %.4f %.4f %.4f %.4f %.4f %.4f\n", o->models[i].name, r[i].bpb[0], r[i].lo[0], r[i].hi[0],
                    r[i].bpb[1], r[i].lo[1], r[i].hi[1]);
    if (out_close(data) != 0) {
        free(data), free(script);
        return;
    }
    const char *path = data->path;
    int ok = 1;
    f = chart_script(o->out_dir, "bpb", script, &ok);
    /* the bars with their 95% intervals; the legend goes under the chart, where no bar can hide it */
    fprintf(f, "set style data histograms\nset style histogram errorbars gap 1 lw 1.5\n"
               "set style fill solid 0.8 border -1\nset boxwidth 0.9\nset key below\n"
               "set grid ytics\nset ylabel 'bits per byte (lower is better)'\nset yrange [0:*]\n"
               "set title 'Bits per byte, with 95%% bootstrap intervals'\nplot ");
    put_quoted(f, path, &ok);
    fprintf(f, " using 2:3:4:xtic(1) title 'domain test text', '' using 5:6:7 title 'general text'\n");
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

/* The prompts of the samples when none were given: the domain's own (report_write()); @p from
 * says where they came from. Returns how many. */
static int domain_prompts(const ReportOptions *o, const Text *test, char store[][COLLECT_PROMPT_SIZE],
                          const char **prompts, char *from, size_t from_size) {
    char dir[LLMLAB_PATH_MAX], path[LLMLAB_PATH_MAX + 16];
    XSNPRINTF(dir, sizeof dir, "%s", o->domain_test);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        XSNPRINTF(dir, sizeof dir, ".");
    int n = 0;
    XSNPRINTF(path, sizeof path, "%s/prompts.txt", dir);
    FILE *f = fopen(path, "r");
    if (f) { /* written by llmlab collect: one prompt a line */
        char line[256];
        while (n < 4 && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (*line && strlen(line) < COLLECT_PROMPT_SIZE && utf8_valid((const uint8_t *)line, strlen(line)))
                strcpy(store[n++], line);
        }
        fclose(f);
        snprintf(from, from_size, "the most common line starts of the domain's training text (`%s`)", path);
    }
    XSNPRINTF(path, sizeof path, "%s/train.txt", dir);
    if (n == 0 && access(path, R_OK) == 0) { /* a corpus collected before prompts.txt existed */
        size_t size;
        uint8_t *train = read_file_or_die(path, &size);
        n = collect_prompts(train, size, store, COLLECT_PROMPTS);
        free(train);
        snprintf(from, from_size, "the most common line starts of `%s`", path);
    }
    if (n == 0) {
        n = collect_prompts(test->data, test->size, store, COLLECT_PROMPTS);
        snprintf(from, from_size, "the most common line starts of `%s`", o->domain_test);
    }
    if (n == 0) { /* no line with a word: samples from the start of a document */
        store[n++][0] = '\0';
        snprintf(from, from_size, "none (no line of `%s` starts with a word): each sample starts a document",
                 o->domain_test);
    }
    for (int i = 0; i < n; i++) prompts[i] = store[i];
    return n;
}

/* "3.126 (3.050 to 3.203)": a figure and its interval. */
static const char *with_interval(char *buf, size_t size, double x, double lo, double hi, size_t n_docs) {
    if (n_docs < 2)
        snprintf(buf, size, "%.3f", x);
    else
        snprintf(buf, size, "%.3f (%.3f to %.3f)", x, lo, hi);
    return buf;
}

/* The paired bootstrap of every two models on each text: a table for the report, and the
 * verdicts on the terminal. */
static void differences(FILE *md, const ReportOptions *o, const Measured *r, const Text texts[2]) {
    static const char *const text_name[2] = {"domain", "general"};
    fprintf(md, "## Which differences are real\n\nEach difference is the first model's bits per byte minus "
                "the second's, on the same documents; its 95%% interval comes from the paired bootstrap (the same "
                "resampled documents for both). When the interval covers 0, this test text cannot tell the two "
                "models apart.\n\n| text | models | difference | 95%% interval | verdict |\n|---|---|---:|---|---|\n");
    printf("\n");
    for (int k = 0; k < 2; k++) {
        if (texts[k].n_docs < 2) { /* nothing to resample */
            fprintf(md, "| %s | | | | one document: no interval (a text of several documents gives one) |\n",
                    text_name[k]);
            printf("%s text: one document, so no intervals\n", text_name[k]);
            continue;
        }
        for (int i = 0; i < o->n_models; i++)
            for (int j = i + 1; j < o->n_models; j++) {
                if (!r[i].ok || !r[j].ok) continue;
                double lo, hi, d = r[j].bpb[k] - r[i].bpb[k];
                report_bootstrap(r[j].bits[k], r[i].bits[k], texts[k].bytes, texts[k].n_docs, REPORT_BOOTSTRAP_DRAWS,
                                 REPORT_BOOTSTRAP_SEED, &lo, &hi);
                const char *a = o->models[j].name, *b = o->models[i].name;
                char verdict[160];
                if (lo <= 0 && hi >= 0)
                    snprintf(verdict, sizeof verdict, "not distinguishable");
                else
                    snprintf(verdict, sizeof verdict, "%s is lower", d < 0 ? a : b);
                fprintf(md, "| %s | %s - %s | %+.3f | %+.3f to %+.3f | %s |\n", text_name[k], a, b, d, lo, hi, verdict);
                if (lo <= 0 && hi >= 0)
                    printf("%s text: %s and %s are not distinguishable (%s - %s = %+.3f, 95%% interval %+.3f to "
                           "%+.3f covers 0)\n",
                           text_name[k], a, b, a, b, d, lo, hi);
                else
                    printf("%s text: %s - %s = %+.3f (95%% interval %+.3f to %+.3f): %s\n", text_name[k], a, b, d, lo,
                           hi, verdict);
            }
    }
    fprintf(md, "\n");
}

int report_write(const ReportOptions *o) {
    Text texts[2];
    const char *paths[2] = {o->domain_test, o->general_text};
    if (check_out_dir(o->out_dir) != 0) return -1;
    for (int k = 0; k < 2; k++) {
        char err[LLMLAB_ERR_SIZE];
        FILE *probe = llmlab_open_read(paths[k], "", err, sizeof err);
        if (!probe) {
            fprintf(stderr, "report: %s (%s)\n", err,
                    k == 0 ? "collect a domain first: ./llmlab collect" : "prepare it: make data");
            if (k) text_free(&texts[0]);
            return -1;
        }
        fclose(probe);
        text_read(&texts[k], paths[k], o->max_bytes);
        if (texts[k].len < 2) {
            fprintf(stderr, "report: %s is empty: nothing to measure on (%s)\n", paths[k],
                    k == 0 ? "the domain has too few files for a test split: collect more, or a larger "
                             "--test-percent"
                           : "prepare it: make data");
            text_free(&texts[k]);
            if (k) text_free(&texts[0]);
            return -1;
        }
    }
    ReportOptions opt = *o; /* with the prompts filled in */
    char store[4][COLLECT_PROMPT_SIZE], from[LLMLAB_PATH_MAX + 128] = "given with --prompts";
    if (!opt.prompts[0]) domain_prompts(o, &texts[0], store, opt.prompts, from, sizeof from);
    o = &opt;

    Measured r[3];
    ProgressBar bar;
    long per_model = (long)(texts[0].len + texts[1].len);
    fprintf(stderr, "report: %d models on %zu document%s (%zu bytes) of %s and %zu (%zu bytes) of %s\n", o->n_models,
            texts[0].n_docs, texts[0].n_docs == 1 ? "" : "s", texts[0].len, paths[0], texts[1].n_docs, texts[1].len,
            paths[1]);
    progress_init(&bar, stderr, "report: measuring", per_model * o->n_models);
    for (int i = 0; i < o->n_models; i++) measure(&o->models[i], o, texts, &bar, per_model * i, &r[i]);
    progress_finish(&bar);
    llmlab_mkdir_p(o->out_dir);
    charts(o, r);
    Out *md = XMALLOC(sizeof *md);
    FILE *f = out_open(md, o->out_dir, "report.md");
    fprintf(f,
            "# A model for a domain: the report\n\n"
            "Written by `llmlab report`. Bits per byte: the model's information per byte of held-out text "
            "(lower is better); it compares models with different tokenizers fairly. Measured on %zu bytes "
            "(%zu documents) of `%s` (the domain's test split, never trained on) and %zu bytes (%zu documents) of "
            "`%s` (general text), each document on its own.\n\n"
            "In brackets, a 95%% interval: the test documents resampled with replacement %d times (a fixed "
            "seed), and the 2.5th and 97.5th percentiles of the bits per byte. It says how far the figure could "
            "move with another draw of documents from the same place; not what another training run would "
            "give.\n\n",
            texts[0].len, texts[0].n_docs, o->domain_test, texts[1].len, texts[1].n_docs, o->general_text,
            REPORT_BOOTSTRAP_DRAWS);
    fprintf(f, "| model | checkpoint | parameters | vocabulary | steps | domain bits per byte | general bits per "
               "byte |\n|---|---|---:|---:|---:|---:|---:|\n");
    char a[64], b[64];
    for (int i = 0; i < o->n_models; i++) {
        if (!r[i].ok) {
            fprintf(f, "| %s | `%s` | (missing) | | | | |\n", o->models[i].name, o->models[i].ckpt);
            continue;
        }
        char steps[32] = "?";
        if (r[i].steps >= 0) snprintf(steps, sizeof steps, "%ld", r[i].steps);
        fprintf(f, "| %s | `%s` | %zu | %d | %s | %s | %s |\n", o->models[i].name, o->models[i].ckpt, r[i].n_params,
                r[i].vocab, steps, with_interval(a, sizeof a, r[i].bpb[0], r[i].lo[0], r[i].hi[0], texts[0].n_docs),
                with_interval(b, sizeof b, r[i].bpb[1], r[i].lo[1], r[i].hi[1], texts[1].n_docs));
    }
    fprintf(f, "\n![Bits per byte of each model](bpb.png)\n\n");
    printf("\n| model | domain bits per byte | general bits per byte | bytes per token (domain) |\n"
           "|---|---:|---:|---:|\n");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok)
            printf("| %-13s | %s | %s | %.2f |\n", o->models[i].name,
                   with_interval(a, sizeof a, r[i].bpb[0], r[i].lo[0], r[i].hi[0], texts[0].n_docs),
                   with_interval(b, sizeof b, r[i].bpb[1], r[i].lo[1], r[i].hi[1], texts[1].n_docs),
                   r[i].bytes_per_token[0]);
    differences(f, o, r, texts);
    fprintf(f, "## Tokenizers\n\nBytes per token (higher: the "
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
               "seed for every model; each sample starts with the prompt. The prompts: ");
    put_code(f, from);
    fprintf(f, ".\n\n");
    for (int i = 0; i < o->n_models; i++)
        if (r[i].ok) {
            fprintf(f, "### %s\n\n```\n", o->models[i].name);
            put_code(f, r[i].samples);
            fprintf(f, "```\n\n");
        }
    int written = out_close(md) == 0;
    if (written) printf("\nreport: wrote %s (with bpb.png and loss.png)\n", md->path);
    int missing = 0;
    for (int i = 0; i < o->n_models; i++)
        missing += !r[i].ok, free(r[i].samples), free(r[i].bits[0]), free(r[i].bits[1]);
    text_free(&texts[0]), text_free(&texts[1]), free(md);
    return missing || !written ? -1 : 0;
}
