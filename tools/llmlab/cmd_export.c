/*
 * llmlab export: a GPT checkpoint as safetensors plus a config, for PyTorch.
 *
 *   DIR/model.safetensors   every parameter, float32, named and shaped as in gpt.h
 *   DIR/config.json         vocab, ctx, n_layer, n_head, n_embd
 *   DIR/tokenizer.bpe       the tokenizer, as `llmlab tokenizer` reads it
 *   DIR/check.json          a few tokens and the logits this program computes for them
 *
 * tools/check_export.py DIR loads the export into the PyTorch twin
 * (tools/gpt_torch.py) and checks that it computes the same logits.
 *
 * safetensors: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw data.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "gguf.h"
#include "gpt_run.h"

/* The files of an export: an earlier export's folder holds these and nothing else. */
static const char *const export_files[] = {"model.safetensors", "config.json", "tokenizer.bpe", "check.json"};
enum { N_EXPORT_FILES = sizeof export_files / sizeof export_files[0] };

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

static int write_safetensors(const Gpt *m, const char *dir, char *err, size_t err_size) {
    const GptConfig *c = &m->cfg;
    long V = c->vocab, T = c->ctx, L = c->n_layer, C = c->n_embd;
    struct {
        const char *name;
        const float *data;
        int ndim;
        long shape[3];
    } t[] = {
        {"wte", m->p.wte, 2, {V, C}},
        {"wpe", m->p.wpe, 2, {T, C}},
        {"ln1_w", m->p.h.ln1_w, 2, {L, C}},
        {"ln1_b", m->p.h.ln1_b, 2, {L, C}},
        {"qkv_w", m->p.h.qkv_w, 3, {L, 3 * C, C}},
        {"qkv_b", m->p.h.qkv_b, 2, {L, 3 * C}},
        {"proj_w", m->p.h.proj_w, 3, {L, C, C}},
        {"proj_b", m->p.h.proj_b, 2, {L, C}},
        {"ln2_w", m->p.h.ln2_w, 2, {L, C}},
        {"ln2_b", m->p.h.ln2_b, 2, {L, C}},
        {"fc_w", m->p.h.fc_w, 3, {L, 4 * C, C}},
        {"fc_b", m->p.h.fc_b, 2, {L, 4 * C}},
        {"fcproj_w", m->p.h.fcproj_w, 3, {L, C, 4 * C}},
        {"fcproj_b", m->p.h.fcproj_b, 2, {L, C}},
        {"lnf_w", m->p.lnf_w, 1, {C}},
        {"lnf_b", m->p.lnf_b, 1, {C}},
    };
    enum { N = sizeof t / sizeof t[0] };
    char *header = XMALLOC(8192);
    size_t h = 0, offset = 0, total = 0;
    h += (size_t)snprintf(header + h, 8192 - h, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"llmlab\"}");
    for (int i = 0; i < N; i++) {
        size_t count = 1;
        h += (size_t)snprintf(header + h, 8192 - h, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[", t[i].name);
        for (int d = 0; d < t[i].ndim; d++) {
            count *= (size_t)t[i].shape[d];
            h += (size_t)snprintf(header + h, 8192 - h, "%s%ld", d ? "," : "", t[i].shape[d]);
        }
        h += (size_t)snprintf(header + h, 8192 - h, "],\"data_offsets\":[%zu,%zu]}", offset, offset + 4 * count);
        offset += 4 * count;
        total += count;
    }
    h += (size_t)snprintf(header + h, 8192 - h, "}");
    while (h % 8) header[h++] = ' '; /* the data starts 8-byte aligned */
    LLMLAB_CHECK(total == m->n_params, "", "export: %zu of %zu parameters named", total, m->n_params);
    OutFile o;
    FILE *f = open_out(&o, dir, "model.safetensors", err, err_size);
    if (!f) {
        free(header);
        return -1;
    }
    uint64_t hlen = h;
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)(hlen >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(header, 1, h, f) == h;
    for (int i = 0; i < N && ok; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) count *= (size_t)t[i].shape[d];
        ok = fwrite(t[i].data, sizeof(float), count, f) == count; /* the host is little-endian (x86, arm64) */
    }
    free(header);
    return close_out(&o, ok, "model.safetensors", err, err_size);
}

static int write_config(const Gpt *m, const char *dir, char *err, size_t err_size) {
    OutFile o;
    FILE *f = open_out(&o, dir, "config.json", err, err_size);
    if (!f) return -1;
    fprintf(f, "{\"vocab\": %d, \"ctx\": %d, \"n_layer\": %d, \"n_head\": %d, \"n_embd\": %d}\n", m->cfg.vocab,
            m->cfg.ctx, m->cfg.n_layer, m->cfg.n_head, m->cfg.n_embd);
    return close_out(&o, 1, "config.json", err, err_size);
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
static int export_to(Gpt *m, Tokenizer *tok, const char *out, char *err, size_t err_size) {
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
    rc = write_safetensors(m, tmp, err, err_size) == 0 && write_config(m, tmp, err, err_size) == 0 &&
                 tokenizer_write(tok, path, err, err_size) == 0 && write_check(m, tok, tmp, err, err_size) == 0
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
    const char *ckpt = "runs/gpt/ckpt.bin", *out = NULL, *format = "safetensors";
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "checkpoint of llmlab train", NULL},
        {"out", FLAG_STRING, &out, 0, 0,
         "folder to write (its parents are created if needed; an earlier export "
         "there is replaced whole); with --format gguf, the file",
         "-o"},
        {"format", FLAG_STRING, &format, 0, 0, "safetensors (a folder, for PyTorch) or gguf (one file, for llama.cpp)",
         NULL},
    };
    const CliCommand cmd = {"llmlab export",
                            "usage: llmlab export --ckpt FILE --out DIR\n"
                            "       llmlab export --ckpt FILE --format gguf --out FILE.gguf\n"
                            "Write model.safetensors, config.json, tokenizer.bpe and check.json for PyTorch\n"
                            "(tools/check_export.py DIR compares the twin's logits with ours), or with\n"
                            "--format gguf one file that llama.cpp, Ollama and LM Studio run.",
                            flags,
                            CLI_COUNT(flags),
                            NULL,
                            0,
                            NULL};
    int rc = cli_parse(&cmd, argc, argv);
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
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        free(folder);
        return 1;
    }
    int earlier = access(out, F_OK) == 0;
    rc = export_to(&m, &tok, out, err, sizeof err);
    if (rc == 0)
        fprintf(stderr, "wrote %s/model.safetensors, config.json, tokenizer.bpe, check.json (%zu parameters)\n", out,
                m.n_params);
    else
        fprintf(stderr, "llmlab export: %s; %s\n", err,
                earlier ? "the earlier export is unchanged" : "nothing was written");
    gpt_free(&m);
    tokenizer_free(&tok);
    free(folder);
    return rc == 0 ? 0 : 1;
}
