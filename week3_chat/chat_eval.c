/*
 * Week 3, given code: exact-match evaluation, with the chat template (a
 * tuned model) or with solved examples as plain text (a base model).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chat_run.h"
#include "chatgen.h"
#include "check.h"
#include "progress.h"

/* A growing string. */
typedef struct Text {
    char *s;
    size_t n, cap;
} Text;

static void text_add(Text *t, const char *s) {
    size_t l = strlen(s);
    if (t->n + l + 1 > t->cap) {
        t->cap = 2 * (t->n + l + 1);
        t->s = XREALLOC(t->s, t->cap);
    }
    memcpy(t->s + t->n, s, l + 1);
    t->n += l;
}

/* The turns of a conversation as "Q: ...\nA: ...\n" lines (system turns left
 * out: a base model never saw them); the last turn only when @p answered. */
static void add_plain(Text *t, const Chat *c, int answered) {
    int last = answered ? c->n : c->n - 1;
    for (int i = 0; i < last; i++) {
        if (c->turns[i].role == CHAT_SYSTEM) continue;
        text_add(t, c->turns[i].role == CHAT_USER ? "Q: " : "A: ");
        text_add(t, c->turns[i].text);
        text_add(t, "\n");
    }
}

/* The prompt for example @p q with k solved examples of its family before it
 * (as many as fit the context), in the tokenizer's ids; <|endoftext|> first. */
static int plain_prompt(Tokenizer *tok, const ChatExample *q, const ChatEvalOptions *o, long pick, int32_t *ids,
                        int room) {
    const ChatSet *ex = o->examples;
    for (int k = o->shots; k >= 0; k--) { /* as many examples as fit */
        Text t = {0};
        text_add(&t, "");
        long found = 0;
        for (long j = 0; j < ex->n && found < k; j++) {
            const ChatExample *e = &ex->ex[(pick + j) % ex->n];
            if (e->family == q->family) {
                add_plain(&t, &e->chat, 1);
                text_add(&t, "\n");
                found++;
            }
        }
        add_plain(&t, &q->chat, 0);
        text_add(&t, "A:");
        int n = 0, eot = tokenizer_special_id(tok, TOKENIZER_EOT);
        int32_t *buf = XMALLOC((t.n + 1) * sizeof *buf);
        if (eot >= 0) buf[n++] = eot;
        n += (int)tokenizer_encode(tok, (const uint8_t *)t.s, t.n, 0, buf + n);
        free(t.s);
        if (n <= room || k == 0) {
            int keep = n < room ? n : room; /* zero shots and still too long: its end */
            memcpy(ids, buf + n - keep, (size_t)keep * sizeof *ids);
            free(buf);
            return keep;
        }
        free(buf);
    }
    return 0;
}

/* The reply without surrounding spaces, up to a newline (plain text). */
static void clean(char *s) {
    char *nl = strchr(s, '\n');
    if (nl) *nl = '\0';
    size_t n = strlen(s), a = 0;
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    while (isspace((unsigned char)s[a])) a++;
    memmove(s, s + a, n - a + 1);
}

void chat_eval(Gpt *m, Tokenizer *tok, const ChatSet *set, const ChatEvalOptions *o, ChatScore *score) {
    memset(score, 0, sizeof *score);
    /* The prompt leaves room for 16 tokens (every task's answer fits), the
     * reply may go on to 24 where there is room: the out-of-scope answer
     * takes 21, and a task's prompt is the same as before it existed. */
    int ctx = m->cfg.ctx, max_reply = 16, max_made = 24;
    ChatTokens ct = {0};
    LLMLAB_CHECK(o->plain || chat_tokens_find(tok, &ct) == 0, "evaluate a base model with plain text (--plain)",
                 "this model has no chat tokens: it was not fine-tuned");
    LLMLAB_CHECK(!o->plain || o->shots == 0 || o->examples, "", "chat_eval: shots without examples");
    Rng rng;
    rng_init(&rng, o->seed);
    int32_t *ids = XMALLOC((size_t)ctx * sizeof *ids);
    int *prompt = XMALLOC((size_t)ctx * sizeof *prompt), *made = XMALLOC((size_t)max_made * sizeof *made);
    long todo = o->limit > 0 && o->limit < set->n ? o->limit : set->n, n_right = 0, n_asked = 0;
    ProgressBar bar;
    if (!o->quiet && todo > 0) progress_init(&bar, stderr, "eval-chat", todo);
    for (long i = 0; i < todo; i++) {
        const ChatExample *q = &set->ex[i];
        const Chat *c = &q->chat;
        if (c->n < 2 || c->turns[c->n - 1].role != CHAT_ASSISTANT || q->family >= CHAT_MAX_FAMILIES) continue;
        int n;
        if (o->plain) {
            n = plain_prompt(tok, q, o, i * 7919, ids, ctx - max_reply);
        } else { /* the chatbot's own prompt, without the answer */
            Chat asked = {.turns = c->turns, .n = c->n - 1, .cap = c->n - 1};
            n = chat_prompt(tok, &ct, &asked, ctx, max_reply, ids, NULL);
        }
        for (int j = 0; j < n; j++) prompt[j] = ids[j];
        int room = ctx - n;
        int k = gpt_generate(m, tok, prompt, n, room < max_made ? room : max_made, &o->sampler, &rng, NULL, 1, made);
        int text = 0;
        while (text < k && !tokenizer_is_special(tok, made[text])) text++;
        for (int j = 0; j < text; j++) ids[j] = made[j];
        size_t len = tokenizer_decoded_size(tok, ids, (size_t)text);
        char *reply = XMALLOC(len + 1);
        tokenizer_decode(tok, ids, (size_t)text, (uint8_t *)reply);
        reply[len] = '\0';
        clean(reply);
        int right = strcmp(reply, c->turns[c->n - 1].text) == 0, p = q->new_phrasing != 0;
        score->asked[q->family][p]++;
        score->right[q->family][p] += right;
        score->refused[q->family][p] += strcmp(reply, CHATGEN_REFUSAL) == 0;
        n_right += right, n_asked++;
        if (!o->quiet) progress_update(&bar, i + 1, "right %ld/%ld", n_right, n_asked);
        if (!right && o->show)
            fprintf(o->show, "%-9s asked \"%s\": wanted \"%s\", got \"%s\"\n", chatgen_family_name(q->family),
                    c->turns[c->n - 2].text, c->turns[c->n - 1].text, reply);
        free(reply);
    }
    if (!o->quiet && todo > 0) progress_finish(&bar);
    free(ids), free(prompt), free(made);
}

static void row(FILE *out, const char *name, long r0, long a0, long r1, long a1) {
    fprintf(out, "| %-9s |", name);
    long r[3] = {r0, r1, r0 + r1}, a[3] = {a0, a1, a0 + a1};
    for (int k = 0; k < 3; k++)
        if (a[k])
            fprintf(out, " %4ld/%-4ld %5.1f%% |", r[k], a[k], 100.0 * (double)r[k] / (double)a[k]);
        else
            fprintf(out, " %17s |", "-");
    fputc('\n', out);
}

void chat_score_print(FILE *out, const ChatScore *s, const char *title) {
    fprintf(out,
            "\n%s\n\n| family    |    seen phrasing  |     new phrasing  |               all |\n"
            "|-----------|-------------------|-------------------|-------------------|\n",
            title);
    long tot[2][2] = {{0}};
    for (int f = 0; f < chatgen_n_families() && f < CHAT_MAX_FAMILIES; f++) {
        if (s->asked[f][0] + s->asked[f][1] == 0) continue;
        row(out, chatgen_family_name(f), s->right[f][0], s->asked[f][0], s->right[f][1], s->asked[f][1]);
        for (int p = 0; p < 2; p++) tot[p][0] += s->right[f][p], tot[p][1] += s->asked[f][p];
    }
    row(out, "all", tot[0][0], tot[0][1], tot[1][0], tot[1][1]);
    /* The out-of-scope answer: how often it came where it should, and where it should not. */
    int other = chatgen_family_id("other");
    long oos_asked = 0, oos_got = 0, in_asked = 0, in_refused = 0;
    for (int f = 0; f < chatgen_n_families() && f < CHAT_MAX_FAMILIES; f++)
        for (int p = 0; p < 2; p++) {
            if (f == other)
                oos_asked += s->asked[f][p], oos_got += s->refused[f][p];
            else
                in_asked += s->asked[f][p], in_refused += s->refused[f][p];
        }
    if (oos_asked > 0 || in_refused > 0) {
        fprintf(out, "\nout of scope: %ld of %ld prompts", oos_got, oos_asked);
        if (oos_asked > 0) fprintf(out, " (%.1f%%)", 100.0 * (double)oos_got / (double)oos_asked);
        fprintf(out, " got the fixed answer; %ld of %ld task questions got it instead of an answer\n", in_refused,
                in_asked);
    }
}
