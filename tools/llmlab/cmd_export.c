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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "commands.h"
#include "gpt_run.h"

static FILE *open_out(const char *dir, const char *name, char *path, size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "llmlab export: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int write_safetensors(const Gpt *m, const char *dir) {
    const GptConfig *c = &m->cfg;
    long V = c->vocab, T = c->ctx, L = c->n_layer, C = c->n_embd;
    struct { const char *name; const float *data; int ndim; long shape[3]; } t[] = {
        {"wte", m->p.wte, 2, {V, C}},           {"wpe", m->p.wpe, 2, {T, C}},
        {"ln1_w", m->p.h.ln1_w, 2, {L, C}},       {"ln1_b", m->p.h.ln1_b, 2, {L, C}},
        {"qkv_w", m->p.h.qkv_w, 3, {L, 3 * C, C}}, {"qkv_b", m->p.h.qkv_b, 2, {L, 3 * C}},
        {"proj_w", m->p.h.proj_w, 3, {L, C, C}},  {"proj_b", m->p.h.proj_b, 2, {L, C}},
        {"ln2_w", m->p.h.ln2_w, 2, {L, C}},       {"ln2_b", m->p.h.ln2_b, 2, {L, C}},
        {"fc_w", m->p.h.fc_w, 3, {L, 4 * C, C}},  {"fc_b", m->p.h.fc_b, 2, {L, 4 * C}},
        {"fcproj_w", m->p.h.fcproj_w, 3, {L, C, 4 * C}}, {"fcproj_b", m->p.h.fcproj_b, 2, {L, C}},
        {"lnf_w", m->p.lnf_w, 1, {C}},          {"lnf_b", m->p.lnf_b, 1, {C}},
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
    while (h % 8)
        header[h++] = ' ';                      /* the data starts 8-byte aligned */
    LLMLAB_CHECK(total == m->n_params, "", "export: %zu of %zu parameters named", total, m->n_params);
    char path[1100];
    FILE *f = open_out(dir, "model.safetensors", path, sizeof path);
    if (!f) {
        free(header);
        return -1;
    }
    uint64_t hlen = h;
    uint8_t len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (uint8_t)(hlen >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(header, 1, h, f) == h;
    for (int i = 0; i < N && ok; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++)
            count *= (size_t)t[i].shape[d];
        ok = fwrite(t[i].data, sizeof(float), count, f) == count;     /* the host is little-endian (x86, arm64) */
    }
    ok = (fclose(f) == 0) && ok;
    free(header);
    if (!ok)
        fprintf(stderr, "llmlab export: could not write %s\n", path);
    return ok ? 0 : -1;
}

int cmd_export(int argc, char **argv) {
    const char *ckpt = "runs/gpt/ckpt.bin", *out = NULL;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "checkpoint of llmlab train", NULL},
        {"out", FLAG_STRING, &out, 0, 0, "folder to write (created if needed)", NULL},
    };
    const CliCommand cmd = {"llmlab export",
                            "usage: llmlab export --ckpt FILE --out DIR\n"
                            "Write model.safetensors, config.json, tokenizer.bpe and check.json for PyTorch\n"
                            "(tools/check_export.py DIR compares the twin's logits with ours).",
                            flags, CLI_COUNT(flags), NULL, 0, NULL};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0)
        return rc;
    if (!out) {
        fprintf(stderr, "llmlab export: name the output folder with --out DIR\n");
        return CLI_EXIT_USAGE;
    }
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE], path[1100];
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        return 1;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "llmlab export: cannot create %s: %s\n", out, strerror(errno));
        gpt_free(&m), tokenizer_free(&tok);
        return 1;
    }
    rc = write_safetensors(&m, out) == 0 ? 0 : 1;
    FILE *f = rc ? NULL : open_out(out, "config.json", path, sizeof path);
    if (f) {
        fprintf(f, "{\"vocab\": %d, \"ctx\": %d, \"n_layer\": %d, \"n_head\": %d, \"n_embd\": %d}\n", m.cfg.vocab,
                m.cfg.ctx, m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd);
        rc = fclose(f) == 0 ? 0 : 1;
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/tokenizer.bpe", out);
        tokenizer_save(&tok, path);
    }
    /* the check: the first ctx (at most 16) ids of a sentence, and our logits for them */
    f = rc ? NULL : open_out(out, "check.json", path, sizeof path);
    if (f) {
        static const char text[] = "The quick brown fox jumps over the lazy dog, and then it sleeps.";
        int32_t ids32[sizeof text];
        int ids[sizeof text];
        int n = (int)tokenizer_encode(&tok, (const uint8_t *)text, sizeof text - 1, 0, ids32);
        if (n > m.cfg.ctx)
            n = m.cfg.ctx;
        if (n > 16)
            n = 16;
        for (int i = 0; i < n; i++)
            ids[i] = ids32[i] % m.cfg.vocab;
        gpt_forward(&m, ids, NULL, 1, n);
        fprintf(f, "{\"tokens\": [");
        for (int i = 0; i < n; i++)
            fprintf(f, "%s%d", i ? ", " : "", ids[i]);
        fprintf(f, "],\n \"logits\": [");
        for (int i = 0; i < n; i++) {
            fprintf(f, "%s[", i ? ",\n  " : "");
            for (int v = 0; v < m.cfg.vocab; v++)
                fprintf(f, "%s%.9g", v ? ", " : "", (double)m.a.logits[(size_t)i * m.cfg.vocab + v]);
            fprintf(f, "]");
        }
        fprintf(f, "]}\n");
        rc = fclose(f) == 0 ? 0 : 1;
    }
    if (rc == 0)
        fprintf(stderr, "wrote %s/model.safetensors, config.json, tokenizer.bpe, check.json (%zu parameters)\n",
                out, m.n_params);
    gpt_free(&m);
    tokenizer_free(&tok);
    return rc;
}
