/*
 * Week 3, given code: conversations, the chat tokens, and the template as
 * text (chat_format, and chat_parse, its inverse for files and tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "check.h"
#include "utf8.h"

static const char *const role_names[CHAT_N_ROLES] = {"system", "user", "assistant"};
static const char *const role_markers[CHAT_N_ROLES] = {CHAT_TOKEN_SYSTEM, CHAT_TOKEN_USER, CHAT_TOKEN_ASSISTANT};

const char *chat_role_name(ChatRole r) { return r >= 0 && r < CHAT_N_ROLES ? role_names[r] : "?"; }

void chat_init(Chat *c) { memset(c, 0, sizeof *c); }

void chat_clear(Chat *c) {
    for (int i = 0; i < c->n; i++) free(c->turns[i].text);
    c->n = 0;
}

void chat_free(Chat *c) {
    chat_clear(c);
    free(c->turns);
    chat_init(c);
}

static void insert_turn(Chat *c, int at, ChatRole role, const char *text, size_t len) {
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->turns = XREALLOC(c->turns, (size_t)c->cap * sizeof *c->turns);
    }
    memmove(c->turns + at + 1, c->turns + at, (size_t)(c->n - at) * sizeof *c->turns);
    char *copy = XMALLOC(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    c->turns[at] = (ChatTurn){role, copy};
    c->n++;
}

void chat_add_n(Chat *c, ChatRole role, const char *text, size_t len) { insert_turn(c, c->n, role, text, len); }

void chat_add(Chat *c, ChatRole role, const char *text) { chat_add_n(c, role, text, strlen(text)); }

void chat_set_system(Chat *c, const char *text) {
    int has = c->n > 0 && c->turns[0].role == CHAT_SYSTEM;
    if (has) {
        free(c->turns[0].text);
        memmove(c->turns, c->turns + 1, (size_t)(c->n - 1) * sizeof *c->turns);
        c->n--;
    }
    if (text && *text) insert_turn(c, 0, CHAT_SYSTEM, text, strlen(text));
}

void chat_pop(Chat *c, int k) {
    while (k-- > 0 && c->n > 0) free(c->turns[--c->n].text);
}

/* ---- the chat tokens ---- */

int chat_tokens_find(const Tokenizer *tok, ChatTokens *ct) {
    for (int r = 0; r < CHAT_N_ROLES; r++) ct->role[r] = tokenizer_special_id(tok, role_markers[r]);
    ct->end = tokenizer_special_id(tok, CHAT_TOKEN_END);
    ct->eot = tokenizer_special_id(tok, TOKENIZER_EOT);
    for (int r = 0; r < CHAT_N_ROLES; r++)
        if (ct->role[r] < 0) return -1;
    return ct->end < 0 || ct->eot < 0 ? -1 : 0;
}

int chat_tokens_add(Tokenizer *tok, ChatTokens *ct) {
    const char *want[] = {TOKENIZER_EOT, CHAT_TOKEN_SYSTEM, CHAT_TOKEN_USER, CHAT_TOKEN_ASSISTANT, CHAT_TOKEN_END};
    const char *special[TOKENIZER_MAX_SPECIAL];
    int n = 0, added = 0;
    for (int s = 0; s < tok->n_special; s++) special[n++] = tok->special[s];
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++)
        if (tokenizer_special_id(tok, want[w]) < 0) {
            LLMLAB_CHECK(n < TOKENIZER_MAX_SPECIAL, "", "the tokenizer has no room for another special token");
            special[n++] = want[w];
            added++;
        }
    if (added) { /* rebuild around the same merges: old ids keep their meaning */
        Tokenizer grown;
        tokenizer_init(&grown, tok->merges, tok->n_merges, tok->pretokenize, special, n);
        tokenizer_free(tok);
        *tok = grown;
    }
    LLMLAB_CHECK(chat_tokens_find(tok, ct) == 0, "", "chat_tokens_add: a chat token is still missing");
    return added;
}

/* ---- the template as text ---- */

char *chat_format(const Chat *c, int open_reply, size_t *len) {
    size_t cap = 32;
    for (int i = 0; i < c->n; i++) cap += strlen(c->turns[i].text) + 33;
    char *s = XMALLOC(cap), *p = s;
    for (int i = 0; i < c->n; i++)
        p += sprintf(p, "%s %s%s", role_markers[c->turns[i].role], c->turns[i].text, CHAT_TOKEN_END);
    if (open_reply) p += sprintf(p, "%s", CHAT_TOKEN_ASSISTANT);
    if (len) *len = (size_t)(p - s);
    return s;
}

/* Which marker (0..2 roles, 3 end, 4 endoftext) starts at s, or -1. */
static int marker_at(const char *s, size_t left, size_t *mlen) {
    const char *all[] = {CHAT_TOKEN_SYSTEM, CHAT_TOKEN_USER, CHAT_TOKEN_ASSISTANT, CHAT_TOKEN_END, TOKENIZER_EOT};
    for (int k = 0; k < 5; k++) {
        size_t l = strlen(all[k]);
        if (l <= left && memcmp(s, all[k], l) == 0) {
            *mlen = l;
            return k;
        }
    }
    return -1;
}

static int is_space(char ch) { return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t'; }

int chat_parse(Chat *c, const char *text, size_t len, int *open_reply, char *err, size_t err_size) {
    chat_clear(c);
    if (open_reply) *open_reply = 0;
    size_t bad = utf8_first_invalid((const uint8_t *)text, len);
    const char *nul = memchr(text, '\0', bad); /* the first problem is the one named */
    if (nul || bad < len) {
        snprintf(err, err_size, "byte %zu: %s", nul ? (size_t)(nul - text) : bad, nul ? "a NUL byte" : "not UTF-8");
        return -1;
    }
    size_t i = 0, ml;
    while (i < len) {
        if (is_space(text[i])) {
            i++;
            continue;
        }
        int k = marker_at(text + i, len - i, &ml);
        if (k < 0 || k > 2) {
            snprintf(err, err_size, "byte %zu: expected %s, %s or %s", i, CHAT_TOKEN_SYSTEM, CHAT_TOKEN_USER,
                     CHAT_TOKEN_ASSISTANT);
            goto fail;
        }
        if (k == CHAT_SYSTEM && c->n > 0) {
            snprintf(err, err_size, "byte %zu: a system turn after the first turn", i);
            goto fail;
        }
        size_t start = i + ml, j;
        if (start < len && text[start] == ' ') start++; /* the template's space */
        j = start;
        int end = -1;
        while (j < len) {
            if (text[j] == '<' && (end = marker_at(text + j, len - j, &ml)) >= 0) break;
            j++;
        }
        if (j == len && k == CHAT_ASSISTANT && start == len && open_reply) {
            *open_reply = 1; /* the text ends with an open assistant marker */
            return 0;
        }
        if (end != 3) {
            snprintf(err, err_size, "byte %zu: a %s turn is not closed by %s", i, role_names[k], CHAT_TOKEN_END);
            goto fail;
        }
        chat_add_n(c, (ChatRole)k, text + start, j - start);
        i = j + ml;
    }
    return 0;
fail:
    chat_clear(c);
    return -1;
}
