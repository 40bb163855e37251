/*
 * Week 2, given code: training runs, checkpoints to models, generation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkpoint.h"
#include "corpus.h"
#include "gpt_run.h"

/* ---- as the training loop sees it ---- */

static float fb(void *self, const int *x, const int *y, int B, int T) {
    float loss = gpt_forward(self, x, y, B, T);
    gpt_backward(self);
    return loss;
}

static float loss_only(void *self, const int *x, const int *y, int B, int T) { return gpt_forward(self, x, y, B, T); }

TrainModel gpt_train_model(Gpt *m) {
    return (TrainModel){.kind = "gpt",
                        .self = m,
                        .params = m->params,
                        .grads = m->grads,
                        .n_params = m->n_params,
                        .groups = m->groups,
                        .n_groups = m->n_groups,
                        .config = &m->cfg,
                        .config_size = sizeof m->cfg,
                        .forward_backward = fb,
                        .loss = loss_only};
}

void gpt_run_defaults(GptRunOptions *o) {
    memset(o, 0, sizeof *o);
    o->corpus = "fortunes";
    o->vocab = 1024;
    o->model = (GptConfig){.vocab = 0, .ctx = 64, .n_layer = 4, .n_head = 4, .n_embd = 128};
    train_config_defaults(&o->train); /* Day 5's loop: AdamW, lr 1e-3 to 1e-4, warmup 100, ... except: */
    o->train.run_dir = "runs/gpt";
    o->train.batch = 12;
    o->train.block = o->model.ctx;
    o->train.max_steps = 2000;
    o->train.eval_batches = 10;
}

TrainResult gpt_run_train(GptRunOptions *o) {
    Corpus corpus;
    Gpt m;
    char err[LLMLAB_ERR_SIZE];
    o->train.init_path = o->init;
    if (train_check_run_dir(&o->train, err, sizeof err) != 0) /* before the corpus: that may take a while */
        LLMLAB_DIE(NULL, "%s", err);
    if (o->init) { /* fine-tune: the checkpoint's model and tokenizer */
        Tokenizer tok;
        if (gpt_load(o->init, &m, &tok, o->train.batch, o->train.block, err, sizeof err) != 0)
            LLMLAB_DIE("give a checkpoint of llmlab train", "%s", err);
        corpus_open_with(&corpus, o->corpus, &tok);
        tokenizer_free(&tok);
        o->model = m.cfg;
        o->vocab = m.cfg.vocab;
        o->train.block = m.T;
    } else {
        corpus_open(&corpus, o->corpus, o->vocab);
        o->model.vocab = corpus.tok.vocab_size;
        if (o->train.block > o->model.ctx) o->train.block = o->model.ctx;
        char why[LLMLAB_ERR_SIZE];
        LLMLAB_CHECK(gpt_config_check(&o->model, why, sizeof why) == 0, "see llmlab train --help", "%s", why);
        gpt_init(&m, &o->model, o->train.batch, o->train.block, o->train.seed);
    }
    if (!o->train.quiet)
        fprintf(stderr,
                "corpus %s: %zu training tokens, %zu validation tokens, vocabulary %d\n"
                "model: %d layers, %d heads, %d channels, context %d: %zu parameters%s%s\n"
                "training %ld steps of %d x %d tokens into %s\n",
                o->corpus, corpus.train.n, corpus.val.n, o->model.vocab, o->model.n_layer, o->model.n_head,
                o->model.n_embd, o->model.ctx, m.n_params, o->init ? ", starting from " : "", o->init ? o->init : "",
                o->train.max_steps, o->train.batch, o->train.block, o->train.run_dir);
    TrainModel tm = gpt_train_model(&m);
    TrainResult r = train_run(&tm, &o->train, &corpus.train, &corpus.val, &corpus.tok);
    gpt_free(&m);
    corpus_close(&corpus);
    return r;
}

int gpt_load(const char *path, Gpt *m, Tokenizer *tok, int B, int T, char *err, size_t err_size) {
    Checkpoint ck;
    if (checkpoint_load(path, &ck, err, err_size) != 0) return -1;
    int rc = -1;
    GptConfig c;
    char inner[300];
    if (strcmp(ck.kind, "gpt") != 0 || ck.config_size != sizeof c) {
        snprintf(err, err_size, "%s holds a \"%s\" model, not a GPT", path, ck.kind);
        goto done;
    }
    memcpy(&c, ck.config, sizeof c);
    char why[LLMLAB_ERR_SIZE];
    if (gpt_config_check(&c, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s: corrupted config: %s", path, why);
        goto done;
    }
    if (ck.n_params != gpt_count_params(&c)) {
        snprintf(err, err_size, "%s: %zu parameters, but its config needs %zu", path, ck.n_params,
                 gpt_count_params(&c));
        goto done;
    }
    if (tokenizer_from_text(tok, ck.tokenizer_text, strlen(ck.tokenizer_text), inner, sizeof inner) != 0) {
        snprintf(err, err_size, "%s: its tokenizer is broken: %s", path, inner);
        goto done;
    }
    if (tok->vocab_size != c.vocab) {
        snprintf(err, err_size, "%s: its tokenizer has %d tokens, its model %d", path, tok->vocab_size, c.vocab);
        tokenizer_free(tok);
        goto done;
    }
    gpt_init(m, &c, B, T < c.ctx ? T : c.ctx, 0);
    memcpy(m->params, ck.params, ck.n_params * sizeof(float));
    rc = 0;
done:
    checkpoint_free(&ck);
    return rc;
}

/* Write a token's bytes as soon as it is drawn (a character split over two
 * tokens completes on the screen when its second half arrives). */
static void emit(const Tokenizer *tok, int id, FILE *out) {
    if (tokenizer_is_special(tok, id)) return; /* special tokens mark structure, they are not text */
    size_t len;
    const uint8_t *b = tokenizer_token_bytes(tok, id, &len);
    if (out && b) {
        fwrite(b, 1, len, out);
        fflush(out);
    }
}

int ngram_block(const int *seq, int len, int ngram, float *logits, int V) {
    if (ngram <= 0 || len < ngram - 1) return 0;
    const int *tail = seq + len - (ngram - 1); /* the n-1 tokens a new token would follow */
    int blocked = 0;
    for (int j = 0; j + ngram - 1 < len; j++) { /* seq[j .. j+n-1) matches the tail: seq[j+n-1] followed it */
        if (memcmp(seq + j, tail, (size_t)(ngram - 1) * sizeof *seq) != 0) continue;
        int t = seq[j + ngram - 1];
        if (t >= 0 && t < V && logits[t] != -INFINITY) logits[t] = -INFINITY, blocked++;
    }
    return blocked;
}

int gpt_generate(Gpt *m, Tokenizer *tok, const int *prompt, int n, int max_new, const SamplerConfig *s, Rng *rng,
                 FILE *out, int use_cache, int *out_ids) {
    int ctx = m->cfg.ctx, V = m->cfg.vocab;
    int cap = n + max_new;
    LLMLAB_CHECK(n >= 1, "start from at least one token", "gpt_generate: empty prompt");
    LLMLAB_CHECK(use_cache || m->T >= (cap < ctx ? cap : ctx), "load the model with T = its context",
                 "gpt_generate: the model has room for %d positions, not its context of %d", m->T, ctx);
    int *seq = XMALLOC((size_t)cap * sizeof *seq);
    memcpy(seq, prompt, (size_t)n * sizeof *seq);
    float *probs = XMALLOC((size_t)V * sizeof *probs);
    ProbIndex *scratch = XMALLOC((size_t)V * sizeof *scratch);
    float *blocked = s->no_repeat_ngram > 0 ? XMALLOC((size_t)V * sizeof *blocked) : NULL;
    GptCache kv = {0};
    const float *logits = NULL;
    int len = n, made = 0;
    int start = len > ctx ? len - ctx : 0; /* the model sees seq[start .. len) */
    if (use_cache) {
        gpt_cache_init(&kv, m);
        logits = gpt_cache_prefill(m, &kv, seq + start, len - start);
    }
    while (made < max_new) {
        if (!use_cache) {
            int w = len - start;
            gpt_forward(m, seq + start, NULL, 1, w);
            logits = m->a.logits + (size_t)(w - 1) * V;
        }
        if (s->no_repeat_ngram > 0) { /* the n-gram block works on a copy: the model's logits stay as they are */
            memcpy(blocked, logits, (size_t)V * sizeof *blocked);
            if (ngram_block(seq, len, s->no_repeat_ngram, blocked, V) < V) logits = blocked;
        }
        int next = sample_next(logits, V, s, rng, probs, scratch);
        seq[len++] = next;
        if (out_ids) out_ids[made] = next;
        made++;
        emit(tok, next, out);
        if (tokenizer_is_special(tok, next)) /* <|endoftext|>, or a chat marker in Week 3 */
            break;
        if (len - start > ctx) { /* full: keep the last half of the context */
            start = len - ctx / 2;
            if (use_cache) {
                kv.len = 0;
                logits = gpt_cache_prefill(m, &kv, seq + start, len - start);
            }
        } else if (use_cache) {
            logits = gpt_decode_step(m, &kv, next);
        }
    }
    if (use_cache) gpt_cache_free(&kv);
    free(seq), free(probs), free(scratch), free(blocked);
    return made;
}

void gpt_count_words(const Tokenizer *tok, const int *ids, int n, const WordList *list, WordCount *c) {
    size_t size = 0, cap = 256;
    uint8_t *text = XMALLOC(cap);
    for (int i = 0; i < n; i++) { /* the text first: a word may be spread over several tokens */
        size_t len;
        const uint8_t *b = tokenizer_is_special(tok, ids[i]) ? NULL : tokenizer_token_bytes(tok, ids[i], &len);
        if (!b) continue;
        while (size + len > cap) text = XREALLOC(text, cap *= 2);
        memcpy(text + size, b, len);
        size += len;
    }
    words_count(list, text, size, c);
    free(text);
}

void gpt_word_rate(Gpt *m, Tokenizer *tok, int count, int max_new, const SamplerConfig *s, Rng *rng,
                   const WordList *list, WordCount *c) {
    int eot = tokenizer_special_id(tok, TOKENIZER_EOT);
    LLMLAB_CHECK(eot >= 0, "train with a BPE tokenizer", "gpt_word_rate: the tokenizer has no <|endoftext|>");
    int *ids = XMALLOC((size_t)max_new * sizeof *ids);
    for (int i = 0; i < count; i++) {
        int k = gpt_generate(m, tok, &eot, 1, max_new, s, rng, NULL, 1, ids);
        gpt_count_words(tok, ids, k, list, c);
    }
    free(ids);
}
