/* Helpers shared by llmlab's subcommands. */
#define _GNU_SOURCE /* fopencookie() */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "chat.h"
#include "check.h"
#include "commands.h"
#include "gpt_run.h"
#include "trainloop.h"
#include "utf8.h"

uint8_t *cli_read_input(const char *path, size_t *len) {
    int from_stdin = path == NULL || strcmp(path, "-") == 0;
    char err[LLMLAB_ERR_SIZE];
    FILE *f = from_stdin ? stdin : llmlab_open_read(path, "", err, sizeof err);
    if (!f) {
        fprintf(stderr, "llmlab: %s\n", err);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    int bad = ferror(f);
    if (!from_stdin) fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "llmlab: %s reading %s\n", buf ? "read error" : "out of memory",
                from_stdin ? "standard input" : path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cli_check_train(const char *command, const TrainConfig *t) {
    if (t->lr_min > t->lr_max) {
        fprintf(stderr, "%s: --min-lr %g is above --lr %g\n", command, (double)t->lr_min, (double)t->lr_max);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

void cli_train_summary(const TrainResult *r, const TrainConfig *t, int speed) {
    if (r->steps <= r->first_step) return; /* no step taken: the loop said why */
    char val[100], every[60] = "";
    if (isnan(r->val_loss)) snprintf(every, sizeof every, " (it runs every %ld steps)", t->eval_every);
    char tps[40] = "";
    if (speed) snprintf(tps, sizeof tps, ", %.0f tokens/s", r->tokens_per_s);
    fprintf(stderr, "step %ld: train loss %.4f, %s%s%s; checkpoint %s/ckpt.bin\n", r->steps, (double)r->train_loss,
            train_val_loss_text(r, 4, val, sizeof val), every, tps, t->run_dir);
}

/* ---- text from a model, shown on a terminal ---- */

void cli_put_shown(const uint8_t *s, size_t n, FILE *out) {
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = utf8_char(s + i, n - i, &cp);
        if (cp < 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F))
            for (int k = 0; k < (cp < 0 ? 1 : len); k++) fprintf(out, "\\x%02X", s[i + (size_t)k]);
        else
            fwrite(s + i, 1, (size_t)len, out);
        i += (size_t)(cp < 0 ? 1 : len);
    }
}

/* How many bytes at the end of s[0..n) begin a UTF-8 character whose other bytes are yet to come. */
static size_t unfinished_tail(const uint8_t *s, size_t n) {
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        uint8_t c = s[n - back];
        if ((c & 0xC0) == 0x80) continue; /* a continuation byte: its lead is further back */
        size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
        return need > back ? back : 0;
    }
    return 0;
}

/* The stream of cli_text_out(): its writes go to `out` through cli_put_shown(). A character may
 * come in two writes (a token can end inside one), so the start of an unfinished one waits. */
typedef struct ShownOut {
    FILE *out;
    uint8_t wait[4];
    size_t n_wait;
} ShownOut;

static ssize_t shown_write(void *cookie, const char *buf, size_t size) {
    ShownOut *s = cookie;
    uint8_t chunk[4 + 4096];
    for (size_t done = 0; done < size;) {
        size_t take = size - done < 4096 ? size - done : 4096;
        memcpy(chunk, s->wait, s->n_wait);
        memcpy(chunk + s->n_wait, buf + done, take);
        size_t n = s->n_wait + take, keep = unfinished_tail(chunk, n);
        cli_put_shown(chunk, n - keep, s->out);
        memcpy(s->wait, chunk + n - keep, keep);
        s->n_wait = keep;
        done += take;
    }
    return fflush(s->out) == 0 && !ferror(s->out) ? (ssize_t)size : -1;
}

static int shown_close(void *cookie) {
    ShownOut *s = cookie;
    cli_put_shown(s->wait, s->n_wait, s->out); /* a character the text ended inside: its bytes as \xNN */
    int rc = fflush(s->out) == 0 && !ferror(s->out) ? 0 : EOF;
    free(s);
    return rc;
}

FILE *cli_text_out(FILE *out) {
    if (!isatty(fileno(out))) return out; /* a file or a pipe gets the model's bytes as they are */
    ShownOut *s = XCALLOC(1, sizeof *s);
    s->out = out;
    FILE *f = fopencookie(s, "w", (cookie_io_functions_t){.write = shown_write, .close = shown_close});
    LLMLAB_CHECK(f != NULL, "", "cannot open a stream for the terminal: %s", strerror(errno));
    return f;
}

int cli_text_out_close(FILE *f, FILE *out) {
    int rc = f != out && fclose(f) != 0 ? EOF : 0;
    return fflush(out) != 0 || rc != 0 ? EOF : 0;
}
int cli_load_chat_model(const char *ckpt, int need_tuned, Gpt *m, Tokenizer *tok, ChatTokens *ct) {
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(ckpt, m, tok, 1, 1 << 30, err, sizeof err) != 0) { /* room for a prompt in one pass */
        fprintf(stderr, "llmlab: %s\n", err);
        return -1;
    }
    if (chat_tokens_find(tok, ct) == 0) return 1;
    if (need_tuned) {
        fprintf(stderr, "llmlab: %s has no chat tokens: it is a base model; fine-tune it first (./llmlab tune)\n",
                ckpt);
        gpt_free(m), tokenizer_free(tok);
        return -1;
    }
    return 0;
}
