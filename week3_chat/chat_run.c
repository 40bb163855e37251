/*
 * Week 3, given code: supervised fine-tuning through the Day 5 loop, and
 * the chatbot's turn-taking. (Growing the vocabulary for the chat markers
 * is gpt_grow_vocab, in Week 2's gpt_model.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "chat_run.h"
#include "check.h"

/* ---- fine-tuning data: every conversation encoded, masked, back to back ---- */

typedef struct SftSplit {
    int32_t *ids;
    uint8_t *mask;
    size_t n;
    size_t *starts; /* where each conversation begins */
    long n_conv;
} SftSplit;

/* Encode a set: conversation, <|endoftext|>, conversation, ... Conversations
 * longer than a row lose their oldest turns (chat_trim); one whose last
 * exchange alone does not fit is left out. */
static void sft_build(SftSplit *s, const ChatSet *set, Tokenizer *tok, const ChatTokens *ct, int row) {
    memset(s, 0, sizeof *s);
    size_t cap = 1 << 16;
    s->ids = XMALLOC(cap * sizeof *s->ids);
    s->starts = XMALLOC((size_t)(set->n + 1) * sizeof *s->starts);
    int32_t *buf = NULL;
    int *starts = NULL, *lens = NULL, buf_cap = 0, skipped = 0;
    Chat kept;
    chat_init(&kept);
    for (long i = 0; i < set->n; i++) {
        const Chat *c = &set->ex[i].chat;
        int need = 3 * c->n + 1; /* marker, a token per byte of " " + text, end; eot */
        for (int t = 0; t < c->n; t++) need += (int)strlen(c->turns[t].text);
        if (need > buf_cap) {
            buf_cap = need;
            buf = XREALLOC(buf, (size_t)buf_cap * sizeof *buf);
        }
        starts = XREALLOC(starts, (size_t)(c->n + 1) * sizeof *starts);
        lens = XREALLOC(lens, (size_t)(c->n + 1) * sizeof *lens);
        int n = chat_encode(tok, ct, c, 0, buf, buf_cap, starts);
        LLMLAB_CHECK(n >= 0, "", "sft_build: conversation %ld does not fit its own worst case", i);
        if (n + 1 > row) { /* too long: keep the latest turns that fit */
            for (int t = 0; t < c->n; t++) lens[t] = starts[t + 1] - starts[t];
            int first = chat_trim(c, lens, row - 1);
            if (first < 0) {
                skipped++;
                continue;
            }
            chat_clear(&kept);
            if (c->turns[0].role == CHAT_SYSTEM) chat_add(&kept, CHAT_SYSTEM, c->turns[0].text);
            for (int t = first; t < c->n; t++) chat_add(&kept, c->turns[t].role, c->turns[t].text);
            n = chat_encode(tok, ct, &kept, 0, buf, buf_cap, NULL);
        }
        while (s->n + (size_t)n + 1 > cap) {
            cap *= 2;
            s->ids = XREALLOC(s->ids, cap * sizeof *s->ids);
        }
        s->starts[s->n_conv++] = s->n;
        memcpy(s->ids + s->n, buf, (size_t)n * sizeof *buf);
        s->n += (size_t)n;
        s->ids[s->n++] = ct->eot;
    }
    LLMLAB_CHECK(s->n_conv > 0, "make the context longer or the conversations shorter",
                 "no conversation fits in %d tokens", row);
    if (skipped) fprintf(stderr, "note: %d conversations do not fit in %d tokens and were left out\n", skipped, row);
    s->mask = XMALLOC(s->n);
    chat_loss_mask(s->ids, (int)s->n, ct, s->mask);
    chat_free(&kept);
    free(buf), free(starts), free(lens);
}

static void sft_free(SftSplit *s) { free(s->ids), free(s->mask), free(s->starts); }

typedef struct SftData {
    SftSplit split[2];
    int all_tokens;
} SftData;

/* TrainConfig.sample: row b starts at a random conversation and runs on
 * through the ones after it (round the end to the start); a target the mask
 * does not mark is -1: no loss there. */
static void sft_sample(void *data, int split, Rng *rng, int B, int T, int *x, int *y) {
    const SftData *d = data;
    const SftSplit *s = &d->split[split];
    for (int b = 0; b < B; b++) {
        size_t at = s->starts[rng_below(rng, (uint64_t)s->n_conv)];
        for (int t = 0; t < T; t++) {
            size_t i = (at + (size_t)t) % s->n, next = (i + 1) % s->n;
            x[b * T + t] = s->ids[i];
            y[b * T + t] = s->mask[next] || d->all_tokens ? s->ids[next] : -1;
        }
    }
}

void chat_tune_defaults(ChatTuneOptions *o) {
    memset(o, 0, sizeof *o);
    o->base = "runs/gpt/ckpt.bin";
    o->train_data = "data/chat/train.txt";
    o->eval_data = "data/chat/val.txt";
    GptRunOptions week2; /* the loop's settings are Week 2's (gpt_run_defaults), except: */
    gpt_run_defaults(&week2);
    o->train = week2.train;
    o->train.run_dir = "runs/chat";
    o->train.max_steps = 4000;
    o->train.eval_every = 200;
    o->train.ckpt_every = 200;
}

static void load_set_or_die(ChatSet *set, const char *path) {
    char err[600];
    if (chatset_load(set, path, err, sizeof err) != 0)
        LLMLAB_DIE("write the conversations with: ./llmlab chatgen (--split eval for the held-out ones)", "%s", err);
    if (set->n == 0)
        LLMLAB_DIE("write the conversations with: ./llmlab chatgen (--split eval for the held-out ones)",
                   "%s holds no conversations: nothing to fine-tune on", path);
}

TrainResult chat_tune(const ChatTuneOptions *o) {
    TrainConfig tc = o->train;
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    tc.init_path = o->base;
    if (train_check_run_dir(&tc, err, sizeof err) != 0) LLMLAB_DIE(NULL, "%s", err);
    if (gpt_load(o->base, &m, &tok, tc.batch, tc.block, err, sizeof err) != 0)
        LLMLAB_DIE("train a base model first: make demo, or ./llmlab train", "%s", err);
    if (tc.block > m.cfg.ctx) tc.block = m.cfg.ctx;
    ChatTokens ct;
    int added = chat_tokens_add(&tok, &ct);
    gpt_grow_vocab(&m, tok.vocab_size);
    ChatSet train, eval;
    load_set_or_die(&train, o->train_data);
    load_set_or_die(&eval, o->eval_data);
    SftData data = {.all_tokens = o->all_tokens};
    sft_build(&data.split[0], &train, &tok, &ct, tc.block + 1);
    sft_build(&data.split[1], &eval, &tok, &ct, tc.block + 1);
    long learned = 0;
    for (size_t i = 0; i < data.split[0].n; i++) learned += data.split[0].mask[i];
    if (!tc.quiet)
        fprintf(stderr,
                "base %s: %zu parameters; %d chat tokens added (vocabulary %d)\n"
                "%ld training conversations (%zu tokens, %.0f%% of them in replies), %ld held-out ones\n"
                "fine-tuning %ld steps of %d x %d tokens into %s%s\n",
                o->base, m.n_params, added, tok.vocab_size, data.split[0].n_conv, data.split[0].n,
                100.0 * (double)learned / (double)data.split[0].n, data.split[1].n_conv, tc.max_steps, tc.batch,
                tc.block, tc.run_dir, o->all_tokens ? " (loss on every token)" : "");
    tc.sample = sft_sample;
    tc.sample_data = &data;
    TrainModel tm = gpt_train_model(&m);
    TrainResult r = train_run(&tm, &tc, NULL, NULL, &tok);
    sft_free(&data.split[0]), sft_free(&data.split[1]);
    chatset_free(&train), chatset_free(&eval);
    gpt_free(&m);
    tokenizer_free(&tok);
    return r;
}

/* ---- the chatbot ---- */

int chatbot_load(ChatBot *b, const char *ckpt, uint64_t seed, char *err, size_t err_size) {
    memset(b, 0, sizeof *b);
    if (gpt_load(ckpt, &b->m, &b->tok, 1, 1 << 30, err, err_size) != 0) return -1;
    if (chat_tokens_find(&b->tok, &b->ct) != 0) {
        snprintf(err, err_size, "%s has no chat tokens: it is a base model; fine-tune it first (./llmlab tune)", ckpt);
        gpt_free(&b->m), tokenizer_free(&b->tok);
        return -1;
    }
    chatbot_init(b, seed);
    return 0;
}

void chatbot_init(ChatBot *b, uint64_t seed) {
    chat_init(&b->chat);
    b->sampler = (SamplerConfig){.temperature = 0.0f, .top_k = 0, .top_p = 1.0f};
    rng_init(&b->rng, seed);
    b->max_reply = b->m.cfg.ctx / 3;
}

void chatbot_free(ChatBot *b) {
    gpt_free(&b->m);
    tokenizer_free(&b->tok);
    chat_free(&b->chat);
}

int chat_prompt(Tokenizer *tok, const ChatTokens *ct, const Chat *c, int ctx, int reply_room, int32_t *ids,
                int *dropped) {
    int budget = ctx - reply_room - 1; /* room for the reply and the assistant marker */
    LLMLAB_CHECK(budget >= 1, "", "chat_prompt: no room for a prompt in a context of %d", ctx);
    int *lens = XMALLOC((size_t)(c->n + 1) * sizeof *lens), *starts = XMALLOC((size_t)(c->n + 1) * sizeof *starts);
    size_t total = 3 * (size_t)c->n + 2; /* marker, a token per byte of " " + text, end; the reply's marker */
    for (int t = 0; t < c->n; t++) total += strlen(c->turns[t].text);
    int32_t *all = XMALLOC(total * sizeof *all);
    int n = chat_encode(tok, ct, c, 0, all, (int)total, starts);
    LLMLAB_CHECK(n >= 0, "", "chat_prompt: the conversation does not fit its own worst case");
    for (int t = 0; t < c->n; t++) lens[t] = starts[t + 1] - starts[t];
    int sys = c->n > 0 && c->turns[0].role == CHAT_SYSTEM, first = chat_trim(c, lens, budget), out = 0;
    if (first < 0 && sys) { /* not even the system prompt and the last turn: drop it */
        Chat rest = {.turns = c->turns + 1, .n = c->n - 1, .cap = c->n - 1};
        int f = chat_trim(&rest, lens + 1, budget);
        sys = 0;
        first = f < 0 ? -1 : f + 1;
    }
    if (first >= 0) {
        if (sys)
            for (int i = 0; i < lens[0]; i++) ids[out++] = all[i];
        for (int i = starts[first]; i < n; i++) ids[out++] = all[i];
        if (dropped) *dropped = first - sys;
    } else { /* last resort: the end of the last turn */
        int keep = budget < n ? budget : n;
        memcpy(ids, all + n - keep, (size_t)keep * sizeof *ids);
        out = keep;
        if (dropped) *dropped = c->n - 1;
    }
    ids[out++] = ct->role[CHAT_ASSISTANT];
    free(lens), free(starts), free(all);
    return out;
}

const char *chatbot_reply(ChatBot *b, const char *user, FILE *out, int *dropped) {
    chat_add(&b->chat, CHAT_USER, user);
    int ctx = b->m.cfg.ctx;
    int32_t *ids = XMALLOC((size_t)ctx * sizeof *ids);
    int *prompt = XMALLOC((size_t)ctx * sizeof *prompt), *made = XMALLOC((size_t)ctx * sizeof *made);
    int n = chat_prompt(&b->tok, &b->ct, &b->chat, ctx, b->max_reply, ids, dropped);
    for (int i = 0; i < n; i++) prompt[i] = ids[i];
    int room = ctx - n, max_new = b->max_reply < room ? b->max_reply : room;
    int k = gpt_generate(&b->m, &b->tok, prompt, n, max_new, &b->sampler, &b->rng, out, 1, made);
    int text = 0; /* the reply's text: up to the first special token */
    while (text < k && !tokenizer_is_special(&b->tok, made[text])) text++;
    int32_t *made32 = ids;
    for (int i = 0; i < text; i++) made32[i] = made[i];
    size_t len = tokenizer_decoded_size(&b->tok, made32, (size_t)text);
    char *reply = XMALLOC(len + 1);
    tokenizer_decode(&b->tok, made32, (size_t)text, (uint8_t *)reply);
    reply[len] = '\0';
    int skip = len > 0 && reply[0] == ' '; /* the template's space before a text */
    chat_add_n(&b->chat, CHAT_ASSISTANT, reply + skip, len - (size_t)skip);
    free(reply), free(ids), free(prompt), free(made);
    return b->chat.turns[b->chat.n - 1].text;
}
