/*
 * llmlab import: a Hugging Face GPT-2 folder (what `llmlab export` writes,
 * and tools/ddp_train.py writes back) as an llmlab checkpoint.
 *
 *   llmlab import DIR -o CKPT
 *
 * Reads DIR/config.json (Hugging Face's keys), DIR/tokenizer.bpe and
 * DIR/model.safetensors (hf_gpt2.h's layout); with DIR/train.json and
 * DIR/optimizer.safetensors also the step, the batch sampler's generator and
 * AdamW's moments, so that `llmlab train --resume` continues the run (put
 * CKPT in a run folder as ckpt.bin). Without them the checkpoint holds the
 * model only: sample, chat, report and `train --init` take it. When DIR has a
 * check.json (tokens and the logits its writer computed), the imported model
 * must compute the same logits.
 *
 * Everything is checked before anything is written: a folder of another
 * model or shape, a tokenizer that does not fit the vocabulary, a missing,
 * truncated or malformed file, a value that is not finite, each is one line
 * on stderr and exit status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "commands.h"
#include "gpt_run.h"
#include "hf_gpt2.h"
#include "json.h"

/* A whole number in [lo, hi] under key; 0, or -1 with the reason. */
static int jint(const Json *o, const char *key, long lo, long hi, long *v, const char *file, char *err,
                size_t err_size) {
    const Json *j = json_get(o, key);
    if (!j || j->type != JSON_NUMBER || j->num != floor(j->num) || j->num < (double)lo || j->num > (double)hi) {
        snprintf(err, err_size, "%.300s: \"%.300s\" must be a whole number from %ld to %ld%.300s", file, key, lo, hi,
                 j ? "" : " (it is missing)");
        return -1;
    }
    *v = (long)j->num;
    return 0;
}

/* ---- files ---- */

/* Read a whole file of at most max bytes; NULL with the reason in err. */
static char *slurp(const char *dir, const char *name, size_t max, size_t *len, char *err, size_t err_size) {
    char path[LLMLAB_TMP_SIZE + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "cannot read %.300s: %.300s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        snprintf(err, err_size, "%.300s is %.300s", path,
                 S_ISREG(st.st_mode) ? "larger than this model could be" : "not a regular file");
        fclose(f);
        return NULL;
    }
    char *buf = XMALLOC((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f) || *len != (size_t)st.st_size;
    fclose(f);
    if (bad) {
        snprintf(err, err_size, "cannot read %.300s", path);
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

static Json *read_json(const char *dir, const char *name, char *err, size_t err_size) {
    size_t len;
    char *text = slurp(dir, name, 1 << 24, &len, err, err_size), why[200] = "";
    if (!text) return NULL;
    Json *j = XMALLOC(sizeof *j);
    if (json_parse(text, len, j, why, sizeof why) != 0 || j->type != JSON_OBJECT) {
        if (j->type != JSON_OBJECT && !why[0]) snprintf(why, sizeof why, "not a JSON object");
        snprintf(err, err_size, "%.300s/%.300s is not valid JSON: %.300s", dir, name, why);
        json_free(j);
        free(j), free(text);
        return NULL;
    }
    free(text);
    return j;
}

static int file_exists(const char *dir, const char *name) {
    char path[LLMLAB_TMP_SIZE + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* The model's config from config.json: Hugging Face's GPT-2 keys, checked to be a model llmlab runs. */
static int read_config(const Json *j, const char *file, GptConfig *c, char *err, size_t err_size) {
    const Json *type = json_get(j, "model_type"), *act = json_get(j, "activation_function"),
               *tie = json_get(j, "tie_word_embeddings"), *eps = json_get(j, "layer_norm_epsilon"),
               *inner = json_get(j, "n_inner");
    if (!type || type->type != JSON_STRING || strcmp(type->str, "gpt2") != 0) {
        snprintf(err, err_size, "%.300s: model_type is %.300s%.300s%.300s, not \"gpt2\": a folder of another model",
                 file, type && type->type == JSON_STRING ? "\"" : "",
                 type && type->type == JSON_STRING ? type->str : "missing",
                 type && type->type == JSON_STRING ? "\"" : "");
        return -1;
    }
    if (act && (act->type != JSON_STRING || strcmp(act->str, "gelu_new") != 0)) {
        snprintf(err, err_size,
                 "%.300s: activation_function is %.300s, but llmlab's GELU is the tanh form, \"gelu_new\"", file,
                 act->type == JSON_STRING ? act->str : "not a string");
        return -1;
    }
    if (tie && tie->type == JSON_BOOL && tie->num == 0) {
        snprintf(err, err_size, "%.300s: tie_word_embeddings is false, but llmlab's head is tied to wte", file);
        return -1;
    }
    if (eps && (eps->type != JSON_NUMBER || fabs(eps->num - 1e-5) > 1e-12)) {
        snprintf(err, err_size, "%.300s: layer_norm_epsilon must be 1e-05, llmlab's", file);
        return -1;
    }
    long v[5];
    static const char *const keys[] = {"vocab_size", "n_positions", "n_layer", "n_head", "n_embd"};
    for (int i = 0; i < 5; i++)
        if (jint(j, keys[i], 1, 1L << 24, &v[i], file, err, err_size) != 0) return -1;
    *c = (GptConfig){
        .vocab = (int)v[0], .ctx = (int)v[1], .n_layer = (int)v[2], .n_head = (int)v[3], .n_embd = (int)v[4]};
    if (inner && inner->type != JSON_NULL && (inner->type != JSON_NUMBER || inner->num != 4.0 * c->n_embd)) {
        snprintf(err, err_size, "%.300s: n_inner must be 4 x n_embd (%d), llmlab's MLP width", file, 4 * c->n_embd);
        return -1;
    }
    char why[LLMLAB_ERR_SIZE];
    if (gpt_config_check(c, why, sizeof why) != 0) {
        snprintf(err, err_size, "%.300s: a shape llmlab cannot build: %.300s", file, why);
        return -1;
    }
    return 0;
}

/* A safetensors file: the header parsed, the data kept. */
typedef struct Safetensors {
    char path[LLMLAB_TMP_SIZE + 64];
    char *data; /* the whole file */
    size_t len, base;
    Json header;
} Safetensors;

static int st_open(Safetensors *s, const char *dir, const char *name, size_t max, char *err, size_t err_size) {
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s/%s", dir, name);
    s->data = slurp(dir, name, max, &s->len, err, err_size);
    if (!s->data) return -1;
    uint64_t hlen = 0;
    for (int i = 0; i < 8 && s->len >= 8; i++) hlen |= (uint64_t)(uint8_t)s->data[i] << (8 * i);
    char why[200];
    if (s->len < 8 || hlen > s->len - 8) {
        snprintf(err, err_size, "%.300s is truncated or not a safetensors file (its header does not fit in it)",
                 s->path);
    } else if (json_parse(s->data + 8, (size_t)hlen, &s->header, why, sizeof why) != 0 ||
               s->header.type != JSON_OBJECT) {
        snprintf(err, err_size, "%.300s: its header is not a JSON object: %.300s", s->path,
                 s->header.type == JSON_OBJECT || why[0] ? why : "another value");
    } else {
        s->base = 8 + (size_t)hlen;
        return 0;
    }
    json_free(&s->header);
    free(s->data);
    s->data = NULL;
    return -1;
}

static void st_close(Safetensors *s) {
    json_free(&s->header);
    free(s->data);
}

/* Is this name one a Hugging Face GPT-2 folder may hold beside the weights (buffers of old versions)? */
static int ignorable(const char *name) {
    size_t n = strlen(name);
    return (n > 9 && !strcmp(name + n - 9, ".attn.bias")) || (n > 16 && !strcmp(name + n - 16, ".attn.masked_bias"));
}

/* Copy the tensors of layout t (names prefixed) from s into dst, our layout; every name of s must be one of
 * them (or ignorable). Checks dtype, shape, byte range, finiteness (and tensors from nonneg_from on: no value
 * below 0). 0, or -1 with the reason. */
static int st_read(Safetensors *s, const HfTensor *t, int n, const char *prefix, float *dst, int nonneg_from, char *err,
                   size_t err_size) {
    const Json *h = &s->header;
    char name[128];
    for (int k = 0; k < h->n; k++) { /* nothing the model does not have */
        const char *key = h->keys[k];
        int known = !strcmp(key, "__metadata__") || ignorable(key) || !strcmp(key, "lm_head.weight");
        for (int i = 0; i < n && !known; i++) {
            snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
            known = !strcmp(key, name);
        }
        if (!known) {
            snprintf(err, err_size,
                     "%.300s holds the tensor \"%.80s\", which a GPT-2 of this config does not have: a folder of "
                     "another model or shape?",
                     s->path, key);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        const Json *e = json_get(h, name), *dtype = json_get(e, "dtype"), *shape = json_get(e, "shape"),
                   *off = json_get(e, "data_offsets");
        if (!e) {
            snprintf(err, err_size, "%.300s has no tensor \"%.300s\": a folder of another model or shape?", s->path,
                     name);
            return -1;
        }
        if (!dtype || dtype->type != JSON_STRING || strcmp(dtype->str, "F32") != 0) {
            snprintf(err, err_size, "%.300s: %.300s is %.300s, not F32 (llmlab imports float32)", s->path, name,
                     dtype && dtype->type == JSON_STRING ? dtype->str : "of no dtype");
            return -1;
        }
        int shape_ok = shape && shape->type == JSON_ARRAY && shape->n == t[i].ndim;
        for (int d = 0; shape_ok && d < t[i].ndim; d++)
            shape_ok = shape->items[d].type == JSON_NUMBER && shape->items[d].num == (double)t[i].shape[d];
        if (!shape_ok) {
            char want[64];
            snprintf(want, sizeof want, t[i].ndim == 2 ? "[%ld, %ld]" : "[%ld]", t[i].shape[0], t[i].shape[1]);
            snprintf(err, err_size,
                     "%.300s: %.300s does not have the shape %.300s that config.json gives: another shape?", s->path,
                     name, want);
            return -1;
        }
        size_t bytes = 4 * hf_numel(&t[i]);
        if (!off || off->type != JSON_ARRAY || off->n != 2 || off->items[0].type != JSON_NUMBER ||
            off->items[1].type != JSON_NUMBER || off->items[0].num < 0 ||
            off->items[1].num - off->items[0].num != (double)bytes || off->items[1].num > (double)(s->len - s->base)) {
            snprintf(err, err_size, "%.300s: the bytes of %.300s are %.300s", s->path, name,
                     off && off->type == JSON_ARRAY && off->n == 2 && off->items[1].type == JSON_NUMBER &&
                             off->items[1].num > (double)(s->len - s->base)
                         ? "past the end of the file (truncated?)"
                         : "not where its header says (corrupted?)");
            return -1;
        }
        const char *src = s->data + s->base + (size_t)off->items[0].num;
        float *out = dst + t[i].offset;
        size_t in = (size_t)t[i].shape[0], cols = t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1;
        for (size_t r = 0; r < in; r++)
            for (size_t c = 0; c < cols; c++) {
                float v;
                memcpy(&v, src + 4 * (r * cols + c), 4); /* little-endian host */
                if (!isfinite(v) || (i >= nonneg_from && v < 0)) {
                    snprintf(err, err_size, "%.300s: %.300s[%zu] is %.300s", s->path, name, r * cols + c,
                             isnan(v)   ? "NaN"
                             : isinf(v) ? "infinite"
                                        : "negative (a mean square cannot be)");
                    return -1;
                }
                if (t[i].transposed) /* theirs [in, out] -> ours (out, in) */
                    out[c * in + r] = v;
                else
                    out[r * cols + c] = v;
            }
    }
    return 0;
}

/* The generator's state from train.json: four 64-bit words in hex. */
static int read_rng(const Json *train, Rng *rng, char *err, size_t err_size) {
    const Json *r = json_get(train, "rng"), *s = json_get(r, "s"), *spare = json_get(r, "spare"),
               *has = json_get(r, "has_spare");
    int ok = s && s->type == JSON_ARRAY && s->n == 4;
    for (int i = 0; ok && i < 4; i++) {
        char *end;
        ok = s->items[i].type == JSON_STRING && strlen(s->items[i].str) == 16;
        if (ok) rng->s[i] = strtoull(s->items[i].str, &end, 16), ok = *end == '\0';
    }
    if (!ok) {
        snprintf(err, err_size, "train.json: \"rng\" must hold \"s\", four 16-digit hex numbers");
        return -1;
    }
    rng->has_spare = has && has->type == JSON_NUMBER && has->num == 1;
    rng->spare = spare && spare->type == JSON_NUMBER ? spare->num : 0.0;
    return 0;
}

/* The largest difference between our logits for check.json's tokens and its own; -1 with err when malformed. */
static double check_logits(Gpt *m, const Json *check, double *scale, char *err, size_t err_size) {
    const Json *tokens = json_get(check, "tokens"), *logits = json_get(check, "logits");
    int n = tokens && tokens->type == JSON_ARRAY ? tokens->n : 0;
    if (n < 1 || n > m->cfg.ctx || !logits || logits->type != JSON_ARRAY || logits->n != n) {
        snprintf(err, err_size, "check.json: \"tokens\" (1 to %d) and one row of \"logits\" per token expected",
                 m->cfg.ctx);
        return -1;
    }
    int *ids = XMALLOC((size_t)n * sizeof *ids);
    for (int i = 0; i < n; i++) {
        const Json *t = &tokens->items[i], *row = &logits->items[i];
        if (t->type != JSON_NUMBER || t->num < 0 || t->num >= m->cfg.vocab || t->num != floor(t->num) ||
            row->type != JSON_ARRAY || row->n != m->cfg.vocab) {
            snprintf(err, err_size, "check.json: token %d or its row of %d logits is malformed", i, m->cfg.vocab);
            free(ids);
            return -1;
        }
        ids[i] = (int)t->num;
    }
    Gpt g;
    gpt_init(&g, &m->cfg, 1, n, 0);
    memcpy(g.params, m->params, m->n_params * sizeof(float));
    gpt_forward(&g, ids, NULL, 1, n);
    double worst = 0;
    *scale = 1;
    for (int i = 0; i < n; i++)
        for (int v = 0; v < m->cfg.vocab; v++) {
            double want = logits->items[i].items[v].num, got = g.a.logits[(size_t)i * m->cfg.vocab + v];
            if (logits->items[i].items[v].type != JSON_NUMBER) want = NAN;
            double d = fabs(got - want);
            worst = d > worst || isnan(d) ? d : worst;
            if (fabs(want) > *scale) *scale = fabs(want);
        }
    gpt_free(&g);
    free(ids);
    return worst;
}

typedef struct Imported {
    Gpt m;
    Tokenizer tok;
    float *mom1, *mom2; /* NULL: the folder has no optimiser state */
    long step;
    Rng rng;
    double check_diff, check_scale; /* -1: no check.json */
} Imported;

static int import_folder(const char *dir, Imported *x, char *err, size_t err_size) {
    memset(x, 0, sizeof *x);
    x->check_diff = -1;
    int rc = -1;
    Json *cfg = NULL, *train = NULL, *check = NULL;
    Safetensors model = {0}, opt = {0};
    HfTensor *t = NULL;
    int have_tok = 0, have_model = 0;
    char path[LLMLAB_TMP_SIZE + 64], why[LLMLAB_ERR_SIZE];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_size,
                 "%.300s is not a folder: give the folder of an export (config.json, model.safetensors, ...)", dir);
        return -1;
    }
    if (!(cfg = read_json(dir, "config.json", err, err_size))) goto done;
    GptConfig c;
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (read_config(cfg, path, &c, err, err_size) != 0) goto done;
    snprintf(path, sizeof path, "%s/tokenizer.bpe", dir);
    if (tokenizer_load(&x->tok, path, why, sizeof why) != 0) {
        snprintf(err, err_size, "%.300s", why);
        goto done;
    }
    have_tok = 1;
    if (x->tok.vocab_size != c.vocab) {
        snprintf(err, err_size,
                 "%.300s has %d tokens, but config.json's vocab_size is %d: the tokenizer is not the model's", path,
                 x->tok.vocab_size, c.vocab);
        goto done;
    }
    const Json *eos = json_get(cfg, "eos_token_id");
    int eot = tokenizer_special_id(&x->tok, TOKENIZER_EOT);
    if (eos && eos->type == JSON_NUMBER && eos->num != eot) {
        snprintf(err, err_size,
                 "config.json: eos_token_id is %.0f, but %.300s of tokenizer.bpe is %d: another vocabulary", eos->num,
                 TOKENIZER_EOT, eot);
        goto done;
    }
    t = XMALLOC(hf_count(&c) * sizeof *t);
    int n = hf_layout(&c, t, err, err_size);
    if (n < 0) goto done;
    gpt_init(&x->m, &c, 1, c.ctx, 0);
    have_model = 1;
    size_t max_bytes = 2 * 4 * x->m.n_params + (64u << 20); /* the data and a generous header */
    if (st_open(&model, dir, "model.safetensors", max_bytes, err, err_size) != 0 ||
        st_read(&model, t, n, "", x->m.params, n, err, err_size) != 0)
        goto done;
    const Json *head = json_get(&model.header, "lm_head.weight");
    if (head) { /* tied: a saved head must be wte itself */
        const Json *o = json_get(head, "data_offsets"), *w = json_get(&model.header, t[0].name),
                   *ow = json_get(w, "data_offsets");
        size_t bytes = 4 * hf_numel(&t[0]);
        int same = o && ow && o->type == JSON_ARRAY && o->n == 2 && o->items[0].type == JSON_NUMBER &&
                   o->items[0].num >= 0 && o->items[0].num + (double)bytes <= (double)(model.len - model.base) &&
                   memcmp(model.data + model.base + (size_t)o->items[0].num,
                          model.data + model.base + (size_t)ow->items[0].num, bytes) == 0;
        if (!same) {
            snprintf(err, err_size, "%.300s: lm_head.weight differs from transformer.wte.weight; llmlab ties them",
                     model.path);
            goto done;
        }
    }
    if (file_exists(dir, "train.json")) {
        if (!(train = read_json(dir, "train.json", err, err_size))) goto done;
        const Json *fmt = json_get(train, "format");
        if (!fmt || fmt->type != JSON_STRING || strcmp(fmt->str, "llmlab-train 1") != 0) {
            snprintf(err, err_size, "%.300s/train.json is not llmlab's (its \"format\" is not \"llmlab-train 1\")",
                     dir);
            goto done;
        }
        const Json *hash = json_get(train, "tokenizer_hash");
        char mine[20];
        snprintf(mine, sizeof mine, "%016" PRIx64, tokenizer_hash(&x->tok));
        if (hash && (hash->type != JSON_STRING || strcmp(hash->str, mine) != 0)) {
            snprintf(err, err_size,
                     "%.300s/train.json was written for another tokenizer (%.300s) than tokenizer.bpe (%.300s): its "
                     "token files "
                     "would be read with the wrong ids",
                     dir, hash->type == JSON_STRING ? hash->str : "?", mine);
            goto done;
        }
        if (jint(train, "step", 0, 1000000000L, &x->step, "train.json", err, err_size) != 0 ||
            read_rng(train, &x->rng, err, err_size) != 0)
            goto done;
        if (file_exists(dir, "optimizer.safetensors")) {
            HfTensor *two = XMALLOC(2 * (size_t)n * sizeof *two);
            for (int i = 0; i < n; i++) {
                two[i] = two[n + i] = t[i];
                snprintf(two[i].name, sizeof two[i].name, "exp_avg.%.50s", t[i].name);
                snprintf(two[n + i].name, sizeof two[n + i].name, "exp_avg_sq.%.50s", t[i].name);
                two[n + i].offset += x->m.n_params;
            }
            float *mv = XCALLOC(2 * x->m.n_params, sizeof *mv);
            int ok = st_open(&opt, dir, "optimizer.safetensors", max_bytes * 2, err, err_size) == 0 &&
                     st_read(&opt, two, 2 * n, "", mv, n, err, err_size) == 0;
            free(two);
            if (!ok) {
                free(mv);
                goto done;
            }
            x->mom1 = mv, x->mom2 = mv + x->m.n_params;
        }
    }
    if (file_exists(dir, "check.json")) {
        if (!(check = read_json(dir, "check.json", err, err_size))) goto done;
        x->check_diff = check_logits(&x->m, check, &x->check_scale, err, err_size);
        if (x->check_diff < 0) goto done;
        if (!(x->check_diff <= 1e-4 * x->check_scale)) {
            snprintf(err, err_size,
                     "%.300s/check.json: the imported model's logits differ from the folder's by %.3g (logits up to "
                     "%.3g): the weights are not laid out as llmlab reads them",
                     dir, x->check_diff, x->check_scale);
            goto done;
        }
    }
    rc = 0;
done:
    if (cfg) json_free(cfg), free(cfg);
    if (train) json_free(train), free(train);
    if (check) json_free(check), free(check);
    if (model.data) st_close(&model);
    if (opt.data) st_close(&opt);
    free(t);
    if (rc != 0) {
        if (have_model) gpt_free(&x->m);
        if (have_tok) tokenizer_free(&x->tok);
        free(x->mom1);
    }
    return rc;
}

int cmd_import(int argc, char **argv) {
    const char *out = NULL;
    const Flag flags[] = {
        {"out", FLAG_STRING, &out, 0, 0, "the checkpoint to write (written whole or not at all)", "-o"},
    };
    char *dirs[2];
    int n_dirs = 0;
    const CliCommand cmd = {.name = "llmlab import",
                            .usage = "usage: llmlab import DIR -o CKPT\n"
                                     "Turn a Hugging Face GPT-2 folder of llmlab export or tools/ddp_train.py into a\n"
                                     "checkpoint for sample, chat, report and train --init; with train.json and\n"
                                     "optimizer.safetensors also for train --resume (copy it to RUN/ckpt.bin).",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags),
                            .args = dirs,
                            .max_args = 2,
                            .n_args = &n_dirs};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    if (n_dirs != 1 || !out || !*out) {
        fprintf(stderr, "llmlab import: give one folder and the checkpoint to write: llmlab import DIR -o CKPT\n");
        return CLI_EXIT_USAGE;
    }
    char err[LLMLAB_ERR_SIZE];
    if (llmlab_check_output(out, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab import: %s\n", err);
        return 1;
    }
    Imported x;
    if (import_folder(dirs[0], &x, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab import: %s; nothing was written\n", err);
        return 1;
    }
    if (!x.mom1) rng_init(&x.rng, 1337); /* a model only: the step and the generator start afresh */
    char *tok_text = tokenizer_to_text(&x.tok, NULL);
    Checkpoint ck = {.step = x.mom1 ? x.step : 0,
                     .rng = x.rng,
                     .config_size = sizeof x.m.cfg,
                     .config = &x.m.cfg,
                     .tokenizer_text = tok_text,
                     .n_params = x.m.n_params,
                     .params = x.m.params,
                     .m = x.mom1,
                     .v = x.mom2};
    strcpy(ck.kind, "gpt");
    char *parent = XMALLOC(strlen(out) + 1);
    strcpy(parent, out);
    char *slash = strrchr(parent, '/');
    rc = 0;
    if (slash && slash != parent) *slash = '\0', rc = llmlab_make_dirs(parent, err, sizeof err);
    free(parent);
    if (rc == 0) rc = checkpoint_save(out, &ck, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "llmlab import: %s\n", err);
    else {
        fprintf(stderr, "wrote %s: %d layers, %d heads, %d channels, context %d, vocabulary %d (%zu parameters)", out,
                x.m.cfg.n_layer, x.m.cfg.n_head, x.m.cfg.n_embd, x.m.cfg.ctx, x.m.cfg.vocab, x.m.n_params);
        if (x.mom1)
            fprintf(stderr, ", AdamW state of step %ld: train --resume continues it\n", x.step);
        else
            fprintf(stderr,
                    ", the model only (no train.json and optimizer.safetensors): train --init starts from it\n");
        if (x.check_diff >= 0)
            fprintf(stderr, "check.json: llmlab's logits equal the folder's within %.3g (logits up to %.3g)\n",
                    x.check_diff, x.check_scale);
    }
    free(tok_text);
    free(x.mom1);
    gpt_free(&x.m);
    tokenizer_free(&x.tok);
    return rc == 0 ? 0 : 1;
}
