/*
 * llmlab export: a GPT checkpoint as a Hugging Face GPT-2 folder, for PyTorch.
 *
 *   DIR/model.safetensors      every parameter, float32, named and shaped as Hugging Face's
 *                              GPT2LMHeadModel has them (hf_gpt2.h: transformer.h.N.attn.c_attn.weight,
 *                              Conv1D weights as [in, out]); the head is tied to wte
 *   DIR/config.json            Hugging Face's GPT-2 config keys
 *   DIR/tokenizer.bpe          the tokenizer, as `llmlab tokenizer` reads it
 *   DIR/check.json             a few tokens and the logits this program computes for them
 *   DIR/optimizer.safetensors  AdamW's moments (exp_avg.NAME, exp_avg_sq.NAME), when the checkpoint has them
 *   DIR/train.json             the step, the batch sampler's generator and the recipe to continue training
 *
 * tools/check_export.py DIR loads the export into the PyTorch twin
 * (tools/gpt_torch.py) and checks that it computes the same logits;
 * tools/ddp_train.py continues training it; `llmlab import` reads it back.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "commands.h"
#include "corpus.h"
#include "gguf.h"
#include "gpt_run.h"
#include "hf_gpt2.h"

/* The files of an export: an earlier export's folder holds these and nothing else. */
static const char *const export_files[] = {"model.safetensors", "config.json", "tokenizer.bpe",
                                           "check.json",        "train.json",  "optimizer.safetensors"};
enum { N_EXPORT_FILES = sizeof export_files / sizeof export_files[0] };

/* What training needs to continue, beside the model: the checkpoint's state and the recipe. */
typedef struct ExportTrain {
    const Checkpoint *ck;   /* step, generator, moments (m, v may be NULL) */
    const GptRunOptions *o; /* the recipe: train.* and the corpus */
    int has_data;           /* o->corpus was given: the token files are named */
    char train_tok[600], val_tok[600];
} ExportTrain;

/* A file of the export, written into the new folder. */
typedef struct OutFile {
    FILE *f;
    char path[LLMLAB_TMP_SIZE + 32];
} OutFile;

static FILE *open_out(OutFile *o, const char *dir, const char *name, char *err, size_t err_size) {
    snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    o->f = fopen(o->path, "wbx"); /* the folder is new: nothing to replace */
    if (!o->f) snprintf(err, err_size, "cannot write %.1000s: %s", o->path, strerror(errno));
    return o->f;
}

/* Flush to the disk and close; 0, or -1 with the reason in err. */
static int close_out(OutFile *o, int ok, const char *name, char *err, size_t err_size) {
    return llmlab_close_synced(o->f, ok, name, err, err_size);
}

/* The layout of m's tensors (hf_gpt2.h), allocated; NULL with the reason in err. */
static HfTensor *layout_of(const Gpt *m, int *n, char *err, size_t err_size) {
    HfTensor *t = XMALLOC(hf_count(&m->cfg) * sizeof *t);
    *n = hf_layout(&m->cfg, t, err, err_size);
    size_t total = 0;
    for (int i = 0; i < *n; i++) total += hf_numel(&t[i]);
    if (*n >= 0 && total != m->n_params) {
        snprintf(err, err_size, "export: %zu of %zu parameters named", total, m->n_params);
        *n = -1;
    }
    if (*n < 0) free(t), t = NULL;
    return t;
}

static int write_safetensors(const Gpt *m, const char *dir, char *err, size_t err_size) {
    int n;
    HfTensor *t = layout_of(m, &n, err, err_size);
    if (!t) return -1;
    OutFile o;
    FILE *f = open_out(&o, dir, "model.safetensors", err, err_size);
    int ok = f && hf_write_safetensors(f, t, n, "", m->params);
    free(t);
    return f ? close_out(&o, ok, "model.safetensors", err, err_size) : -1;
}

/* AdamW's two moments, in the model's layout: exp_avg.NAME and exp_avg_sq.NAME (PyTorch's words). */
static int write_optimizer(const Gpt *m, const Checkpoint *ck, const char *dir, char *err, size_t err_size) {
    int n;
    HfTensor *t = layout_of(m, &n, err, err_size);
    if (!t) return -1;
    /* one file, two runs of tensors: the second run's offsets continue after the first's */
    HfTensor *both = XMALLOC(2 * (size_t)n * sizeof *both);
    float *mv = XMALLOC(2 * m->n_params * sizeof *mv);
    memcpy(mv, ck->m, m->n_params * sizeof *mv);
    memcpy(mv + m->n_params, ck->v, m->n_params * sizeof *mv);
    for (int i = 0; i < n; i++) {
        both[i] = both[n + i] = t[i];
        snprintf(both[i].name, sizeof both[i].name, "exp_avg.%.50s", t[i].name);
        snprintf(both[n + i].name, sizeof both[n + i].name, "exp_avg_sq.%.50s", t[i].name);
        both[n + i].offset += m->n_params;
    }
    OutFile o;
    FILE *f = open_out(&o, dir, "optimizer.safetensors", err, err_size);
    int ok = f && hf_write_safetensors(f, both, 2 * n, "", mv);
    free(t), free(both), free(mv);
    return f ? close_out(&o, ok, "optimizer.safetensors", err, err_size) : -1;
}

/* The config in Hugging Face's keys (GPT2Config); our GELU is the tanh form, "gelu_new" there. */
static int write_config(const Gpt *m, const Tokenizer *tok, const char *dir, char *err, size_t err_size) {
    OutFile o;
    FILE *f = open_out(&o, dir, "config.json", err, err_size);
    if (!f) return -1;
    const GptConfig *c = &m->cfg;
    int eot = tokenizer_special_id(tok, TOKENIZER_EOT);
    fprintf(f,
            "{\n  \"model_type\": \"gpt2\",\n  \"architectures\": [\"GPT2LMHeadModel\"],\n"
            "  \"vocab_size\": %d,\n  \"n_positions\": %d,\n  \"n_ctx\": %d,\n  \"n_embd\": %d,\n"
            "  \"n_layer\": %d,\n  \"n_head\": %d,\n  \"n_inner\": %d,\n"
            "  \"activation_function\": \"gelu_new\",\n  \"layer_norm_epsilon\": 1e-05,\n"
            "  \"resid_pdrop\": 0.0,\n  \"embd_pdrop\": 0.0,\n  \"attn_pdrop\": 0.0,\n"
            "  \"scale_attn_weights\": true,\n  \"tie_word_embeddings\": true,\n  \"torch_dtype\": \"float32\",\n",
            c->vocab, c->ctx, c->ctx, c->n_embd, c->n_layer, c->n_head, 4 * c->n_embd);
    if (eot >= 0) fprintf(f, "  \"bos_token_id\": %d,\n  \"eos_token_id\": %d,\n", eot, eot);
    fprintf(f, "  \"producer\": \"llmlab\"\n}\n");
    return close_out(&o, 1, "config.json", err, err_size);
}

/* A JSON string of plain text (paths, names): quotes and backslashes escaped, control bytes as \u00XX. */
static void put_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* train.json: where training stands (step, generator) and the recipe to go on with. */
static int write_train(const Gpt *m, const Tokenizer *tok, const ExportTrain *x, const char *dir, char *err,
                       size_t err_size) {
    OutFile o;
    FILE *f = open_out(&o, dir, "train.json", err, err_size);
    if (!f) return -1;
    const TrainConfig *t = &x->o->train;
    const Rng *r = &x->ck->rng;
    fprintf(f, "{\n  \"format\": \"llmlab-train 1\",\n  \"step\": %ld,\n", x->ck->step);
    fprintf(f,
            "  \"rng\": {\"s\": [\"%016" PRIx64 "\", \"%016" PRIx64 "\", \"%016" PRIx64 "\", \"%016" PRIx64
            "\"], \"has_spare\": %d, \"spare\": %.17g},\n",
            r->s[0], r->s[1], r->s[2], r->s[3], r->has_spare, r->spare);
    fprintf(f, "  \"has_moments\": %s,\n", x->ck->m ? "true" : "false");
    fprintf(f,
            "  \"recipe\": {\"max_steps\": %ld, \"batch\": %d, \"block\": %d, \"lr_max\": %.9g, \"lr_min\": "
            "%.9g, \"warmup\": %ld,\n             \"weight_decay\": %.9g, \"beta1\": %.9g, \"beta2\": %.9g, "
            "\"eps\": %.9g, \"grad_clip\": %.9g, \"seed\": %" PRIu64 ",\n",
            t->max_steps, t->batch, m->cfg.ctx, (double)t->lr_max, (double)t->lr_min, t->warmup,
            (double)t->weight_decay, (double)t->beta1, (double)t->beta2, (double)t->eps, (double)t->grad_clip,
            (uint64_t)t->seed);
    /* the weight-decay groups, by tensor: the runs of m->groups that decay */
    int n;
    HfTensor *h = layout_of(m, &n, err, err_size);
    if (!h) {
        fclose(f);
        return -1;
    }
    fprintf(f, "             \"decay\": [");
    for (int i = 0, first = 1; i < n; i++)
        for (int g = 0; g < m->n_groups; g++)
            if (m->groups[g].decay && h[i].offset >= m->groups[g].offset &&
                h[i].offset < m->groups[g].offset + m->groups[g].size) {
                fprintf(f, "%s\"%s\"", first ? "" : ", ", h[i].name);
                first = 0;
            }
    fprintf(f, "]},\n");
    free(h);
    fprintf(f, "  \"tokenizer_hash\": \"%016" PRIx64 "\"", tokenizer_hash(tok));
    if (x->has_data) {
        fprintf(f, ",\n  \"data\": {\"corpus\": ");
        put_json_string(f, x->o->corpus);
        fprintf(f, ", \"train_tokens\": ");
        put_json_string(f, x->train_tok);
        fprintf(f, ", \"val_tokens\": ");
        put_json_string(f, x->val_tok);
        fprintf(f, "}");
    }
    fprintf(f, "\n}\n");
    return close_out(&o, 1, "train.json", err, err_size);
}

/* The check: the first ctx (at most 16) ids of a sentence, and our logits for them. */
static int write_check(Gpt *m, Tokenizer *tok, const char *dir, char *err, size_t err_size) {
    OutFile o;
    FILE *f = open_out(&o, dir, "check.json", err, err_size);
    if (!f) return -1;
    static const char text[] = "The quick brown fox jumps over the lazy dog, and then it sleeps.";
    int32_t ids32[sizeof text];
    int ids[sizeof text];
    int n = (int)tokenizer_encode(tok, (const uint8_t *)text, sizeof text - 1, 0, ids32);
    if (n > m->cfg.ctx) n = m->cfg.ctx;
    if (n > 16) n = 16;
    for (int i = 0; i < n; i++) ids[i] = ids32[i] % m->cfg.vocab;
    gpt_forward(m, ids, NULL, 1, n);
    fprintf(f, "{\"tokens\": [");
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", ids[i]);
    fprintf(f, "],\n \"logits\": [");
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s[", i ? ",\n  " : "");
        for (int v = 0; v < m->cfg.vocab; v++)
            fprintf(f, "%s%.9g", v ? ", " : "", (double)m->a.logits[(size_t)i * m->cfg.vocab + v]);
        fprintf(f, "]");
    }
    fprintf(f, "]}\n");
    return close_out(&o, 1, "check.json", err, err_size);
}

/* Remove folder dir and the export's files in it (all it may hold); 0 when it is gone. */
static int remove_export(const char *dir) {
    char path[LLMLAB_TMP_SIZE + 32];
    for (int i = 0; i < N_EXPORT_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, export_files[i]);
        remove(path);
    }
    return rmdir(dir);
}

/* --out must be new, or a folder that holds an earlier export and nothing else (it is replaced
 * whole). 0, or -1 with the reason in err. */
static int check_out(const char *out, char *err, size_t err_size) {
    struct stat st;
    if (strlen(out) + 32 >= LLMLAB_PATH_MAX) {
        snprintf(err, err_size, "the path %.60s... is too long", out);
        return -1;
    }
    if (lstat(out, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s exists and is not a folder (%s): give a new folder, or an earlier export's", out,
                 S_ISLNK(st.st_mode)   ? "a symbolic link"
                 : S_ISREG(st.st_mode) ? "a file"
                                       : "a special file");
        return -1;
    }
    DIR *d = opendir(out);
    if (!d) {
        snprintf(err, err_size, "cannot read the folder %s: %s", out, strerror(errno));
        return -1;
    }
    const char *odd = NULL;
    for (struct dirent *e; !odd && (e = readdir(d)) != NULL;) {
        int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
        for (int i = 0; i < N_EXPORT_FILES && !known; i++) known = !strcmp(e->d_name, export_files[i]);
        if (!known)
            snprintf(err, err_size,
                     "%s holds '%s', which export did not write: the folder is replaced as a whole, "
                     "so give a new folder (or an earlier export's)",
                     out, e->d_name),
                odd = out;
    }
    closedir(d);
    return odd ? -1 : 0;
}

/* Write the export into a new folder next to out, then put it in out's place: an earlier export
 * there stays whole until the new one is complete. 0, or -1 with the reason in err. */
static int export_to(Gpt *m, Tokenizer *tok, const ExportTrain *x, const char *out, char *err, size_t err_size) {
    char *parent = XMALLOC(strlen(out) + 1), tmp[LLMLAB_TMP_SIZE], old[LLMLAB_TMP_SIZE];
    strcpy(parent, out);
    char *slash = strrchr(parent, '/');
    int rc = 0;
    if (slash && slash != parent) { /* the parents are created if needed */
        *slash = '\0';
        rc = llmlab_make_dirs(parent, err, err_size);
    }
    free(parent);
    if (rc != 0 || llmlab_make_temp_dir(out, tmp, sizeof tmp, err, err_size) != 0) return -1;
    char path[LLMLAB_TMP_SIZE + 32];
    snprintf(path, sizeof path, "%s/tokenizer.bpe", tmp);
    rc = write_safetensors(m, tmp, err, err_size) == 0 && write_config(m, tok, tmp, err, err_size) == 0 &&
                 tokenizer_write(tok, path, err, err_size) == 0 && write_check(m, tok, tmp, err, err_size) == 0 &&
                 write_train(m, tok, x, tmp, err, err_size) == 0 &&
                 (!x->ck->m || write_optimizer(m, x->ck, tmp, err, err_size) == 0)
             ? 0
             : -1;
    if (rc == 0) llmlab_sync_parent(path); /* the new folder's entries are on the disk */
    struct stat st;
    int had_old = rc == 0 && lstat(out, &st) == 0;
    if (had_old &&
        (llmlab_make_temp_dir(out, old, sizeof old, err, err_size) != 0 || rmdir(old) != 0 || rename(out, old) != 0)) {
        snprintf(err, err_size, "could not move the earlier export in %s aside: %s", out, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, out) != 0) {
        snprintf(err, err_size, "could not rename %.600s to %.600s: %s", tmp, out, strerror(errno));
        if (had_old) rename(old, out); /* put the earlier export back */
        rc = -1;
    }
    if (rc != 0) {
        remove_export(tmp);
        return -1;
    }
    llmlab_sync_parent(out);
    if (had_old && remove_export(old) != 0)
        fprintf(stderr, "llmlab export: note: could not remove the earlier export, now in %s\n", old);
    return 0;
}

/* --format gguf: one file, written atomically by gguf_write(). */
static int export_gguf(const char *ckpt, const char *out) {
    char err[LLMLAB_ERR_SIZE];
    if (llmlab_check_output(out, err, sizeof err) != 0) { /* before loading: a bad path fails at once */
        fprintf(stderr, "llmlab export: %s\n", err);
        return 1;
    }
    Gpt m;
    Tokenizer tok;
    if (gpt_load(ckpt, &m, &tok, 1, 1, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        return 1;
    }
    int rc = gguf_write(&m, &tok, out, err, sizeof err);
    if (rc == 0)
        fprintf(stderr, "wrote %s (GGUF, llama.cpp's gpt2: %zu parameters, %d tokens)\n", out, m.n_params,
                tok.vocab_size);
    else
        fprintf(stderr, "llmlab export: %s; nothing was written\n", err);
    gpt_free(&m);
    tokenizer_free(&tok);
    return rc == 0 ? 0 : 1;
}

int cmd_export(int argc, char **argv) {
    const char *ckpt = "runs/gpt/ckpt.bin", *out = NULL, *data = NULL, *format = "safetensors";
    GptRunOptions o; /* the recipe train.json records: train's defaults, unless told otherwise */
    gpt_run_defaults(&o);
    TrainConfig *t = &o.train;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "checkpoint of llmlab train", NULL},
        {"out", FLAG_STRING, &out, 0, 0,
         "folder to write (its parents are created if needed; an earlier export "
         "there is replaced whole); with --format gguf, the file",
         "-o"},
        {"format", FLAG_STRING, &format, 0, 0, "safetensors (a folder, for PyTorch) or gguf (one file, for llama.cpp)",
         NULL},
        {"data", FLAG_STRING, &data, 0, 0,
         "the corpus to continue training on (its token files, made with the checkpoint's tokenizer, go "
         "into train.json)",
         NULL},
        {"steps", FLAG_LONG, &t->max_steps, 1, 1e9, "recipe: the run's total optimiser steps (the schedule's end)",
         NULL},
        {"batch", FLAG_INT, &t->batch, 1, 4096, "recipe: rows (windows of tokens) per step", NULL},
        {"lr", FLAG_FLOAT, &t->lr_max, 1e-7, 10, "recipe: peak learning rate", NULL},
        {"min-lr", FLAG_FLOAT, &t->lr_min, 0, 10, "recipe: learning rate at the end of the cosine", NULL},
        {"warmup", FLAG_LONG, &t->warmup, 0, 1e9, "recipe: warmup steps", NULL},
        {"weight-decay", FLAG_FLOAT, &t->weight_decay, 0, 10, "recipe: AdamW weight decay (matrices only)", NULL},
        {"beta2", FLAG_FLOAT, &t->beta2, 0, 0.99999, "recipe: AdamW's beta2", NULL},
        {"clip", FLAG_FLOAT, &t->grad_clip, 0, 1e6, "recipe: clip the gradient's global norm (0: off)", NULL},
        {"seed", FLAG_U64, &t->seed, 0, 9e18, "recipe: the run's seed", NULL},
    };
    const CliCommand cmd = {.name = "llmlab export",
                            .usage =
                                "usage: llmlab export --ckpt FILE --out DIR [--data NAME] [recipe flags as for train]\n"
                                "       llmlab export --ckpt FILE --format gguf --out FILE.gguf\n"
                                "Write a Hugging Face GPT-2 folder: model.safetensors, config.json, tokenizer.bpe,\n"
                                "check.json, and to continue training train.json and optimizer.safetensors\n"
                                "(tools/check_export.py DIR compares the twin's logits with ours;\n"
                                "tools/ddp_train.py DIR trains on; llmlab import DIR reads it back), or with\n"
                                "--format gguf one file that llama.cpp, Ollama and LM Studio run.",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc == 0) rc = cli_check_train(cmd.name, t);
    if (rc != 0) return rc;
    if (strcmp(format, "safetensors") && strcmp(format, "gguf")) {
        fprintf(stderr, "llmlab export: --format is safetensors or gguf, got '%s'\n", format);
        return CLI_EXIT_USAGE;
    }
    if (!out || !*out) {
        fprintf(stderr, "llmlab export: name the output %s with --out\n",
                strcmp(format, "gguf") ? "folder" : "file (FILE.gguf)");
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(format, "gguf")) return export_gguf(ckpt, out);
    char *folder = XMALLOC(strlen(out) + 1); /* "exp/" names the folder exp */
    strcpy(folder, out);
    for (size_t n = strlen(folder); n > 1 && folder[n - 1] == '/';) folder[--n] = '\0';
    out = folder;
    char err[LLMLAB_ERR_SIZE];
    if (check_out(out, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab export: %s\n", err);
        free(folder);
        return 1;
    }
    Gpt m;
    Tokenizer tok;
    Checkpoint ck;
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        free(folder);
        return 1;
    }
    if (checkpoint_load(ckpt, &ck, err, sizeof err) != 0) { /* again, for the step, generator and moments */
        fprintf(stderr, "llmlab: %s\n", err);
        gpt_free(&m), tokenizer_free(&tok), free(folder);
        return 1;
    }
    ExportTrain x = {.ck = &ck, .o = &o, .has_data = data != NULL};
    if (data) { /* the token files of this tokenizer, made now if needed (as train --init names them) */
        Corpus corpus;
        o.corpus = data;
        corpus_open_with(&corpus, data, &tok);
        unsigned long long hash = (unsigned long long)tokenizer_hash(&tok);
        XSNPRINTF(x.train_tok, sizeof x.train_tok, "data/%s/train-%016llx.tok", data, hash);
        XSNPRINTF(x.val_tok, sizeof x.val_tok, "data/%s/val-%016llx.tok", data, hash);
        corpus_close(&corpus);
    }
    int earlier = access(out, F_OK) == 0;
    rc = export_to(&m, &tok, &x, out, err, sizeof err);
    if (rc == 0)
        fprintf(stderr,
                "wrote %s/model.safetensors, config.json, tokenizer.bpe, check.json, train.json%s (%zu parameters)\n",
                out, ck.m ? ", optimizer.safetensors" : "", m.n_params);
    else
        fprintf(stderr, "llmlab export: %s; %s\n", err,
                earlier ? "the earlier export is unchanged" : "nothing was written");
    checkpoint_free(&ck);
    gpt_free(&m);
    tokenizer_free(&tok);
    free(folder);
    return rc == 0 ? 0 : 1;
}
