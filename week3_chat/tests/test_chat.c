/*
 * Week 3 tests: the template in tokens round-trips and keeps the space with
 * its text, the loss mask covers exactly the assistant's tokens, and
 * trimming keeps whole turns and the system prompt.
 *
 * Every message starts with the name of the function at fault, and shows the
 * input it was given: the decoded tokens, the mask turn by turn, or every
 * turn's cost next to what was kept and what should have been.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "testing.h"

#define EXERCISE(name) TestSuite(name, .timeout = 20)
EXERCISE(chat_encode);
EXERCISE(chat_loss_mask);
EXERCISE(chat_trim);

/* printf at the end of a message buffer; stops quietly when it is full. */
static void appendf(char *buf, size_t cap, const char *fmt, ...) {
    size_t used = strlen(buf);
    if (used + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

/* A small tokenizer with the chat tokens, trained here on a few sentences. */
static Tokenizer tok;
static ChatTokens ct;
static void make_tokenizer(void) {
    const char *text = "What is three plus four? Seven. Reverse these words: red blue green. green blue red. "
                       "Answer briefly. You are a helpful assistant. 안녕하세요, 세계! How many words are there?";
    const char *eot = TOKENIZER_EOT;
    tokenizer_train(&tok, (const uint8_t *)text, strlen(text), 300, 1, &eot, 1);
    chat_tokens_add(&tok, &ct);
}
static void free_tokenizer(void) { tokenizer_free(&tok); }

/* A few conversations: with and without a system prompt, one and more exchanges, Korean, a fake marker. */
static void example(Chat *c, int k) {
    chat_init(c);
    switch (k) {
    case 0:
        chat_add(c, CHAT_USER, "What is 3 plus 4?");
        chat_add(c, CHAT_ASSISTANT, "7");
        break;
    case 1:
        chat_add(c, CHAT_SYSTEM, "Answer briefly.");
        chat_add(c, CHAT_USER, "Reverse these words: red blue green");
        chat_add(c, CHAT_ASSISTANT, "green blue red");
        chat_add(c, CHAT_USER, "Now only the first word.");
        chat_add(c, CHAT_ASSISTANT, "green");
        break;
    case 2:
        chat_add(c, CHAT_SYSTEM, "You are a helpful assistant.");
        chat_add(c, CHAT_USER, "안녕하세요, 세계!");
        chat_add(c, CHAT_ASSISTANT, "안녕!");
        chat_add(c, CHAT_USER, "How many words are there?");
        break;
    case 3:
        chat_add(c, CHAT_USER, "");
        chat_add(c, CHAT_ASSISTANT, "an empty question");
        break;
    default: /* text that looks like markers (not parsed back: ambiguous) */
        chat_add(c, CHAT_USER, "Type <|end|> and <|assistant|> for me");
        chat_add(c, CHAT_ASSISTANT, "<|endoftext|>");
    }
}
#define N_EXAMPLES 5
#define FAKE_MARKERS 4

static int is_marker(int32_t id) {
    return id == ct.end || id == ct.eot || id == ct.role[0] || id == ct.role[1] || id == ct.role[2];
}

/* Tokens as the text each stands for, one quoted piece per token: " g" "reen" <|end|>. */
static void show_tokens(char *buf, size_t cap, const int32_t *ids, int n) {
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= tok.vocab_size) {
            appendf(buf, cap, "%s(id %d?)", i ? " " : "", ids[i]);
            continue;
        }
        size_t len;
        const uint8_t *b = tokenizer_token_bytes(&tok, ids[i], &len);
        if (is_marker(ids[i]))
            appendf(buf, cap, "%s%.*s", i ? " " : "", (int)len, (const char *)b);
        else
            appendf(buf, cap, "%s\"%.*s\"", i ? " " : "", (int)len, (const char *)b);
    }
}

Test(chat_encode, round_trips_through_the_template, .init = make_tokenizer, .fini = free_tokenizer) {
    for (int k = 0; k < N_EXAMPLES; k++)
        for (int open = 0; open <= 1; open++) {
            Chat c, back;
            example(&c, k);
            chat_init(&back);
            int32_t ids[400];
            int starts[16];
            int n = chat_encode(&tok, &ct, &c, open, ids, 400, starts);
            cr_assert(n > 0, "chat_encode returned %d for conversation %d with room for 400 ids", n, k);
            size_t len = tokenizer_decoded_size(&tok, ids, (size_t)n);
            char *text = calloc(len + 1, 1);
            tokenizer_decode(&tok, ids, (size_t)n, (uint8_t *)text);
            size_t want_len;
            char *want = chat_format(&c, open, &want_len);
            cr_assert(len == want_len && memcmp(text, want, len) == 0,
                      "chat_encode: conversation %d (open_reply %d): decoding the ids gives\n  %s\nbut the template "
                      "is\n  %s\n  hint: per turn, in order: the role's marker, the tokens of \" \" + text, the end "
                      "token; with open_reply one more assistant marker at the very end",
                      k, open, text, want);
            int open_back = -1;
            char err[200] = "";
            cr_assert(k == FAKE_MARKERS || (chat_parse(&back, text, len, &open_back, err, sizeof err) == 0 &&
                                            back.n == c.n && open_back == open),
                      "chat_encode: conversation %d does not parse back: %s", k, err);
            for (int t = 0; t < c.n; t++) {
                cr_assert(k == FAKE_MARKERS || (back.turns[t].role == c.turns[t].role &&
                                                strcmp(back.turns[t].text, c.turns[t].text) == 0),
                          "chat_encode: conversation %d, turn %d: came back as %s \"%s\", was %s \"%s\"", k, t,
                          chat_role_name(back.turns[t].role), back.turns[t].text, chat_role_name(c.turns[t].role),
                          c.turns[t].text);
                cr_assert(starts[t] >= 0 && starts[t] < starts[t + 1] && starts[t + 1] <= n &&
                              ids[starts[t]] == ct.role[c.turns[t].role] && ids[starts[t + 1] - 1] == ct.end,
                          "chat_encode: conversation %d, turn %d: starts[%d] = %d should point at the %s marker, "
                          "and the turn should end with the end token just before starts[%d] = %d\n"
                          "  hint: set starts[i] = n before writing turn i's marker",
                          k, t, t, starts[t], chat_role_name(c.turns[t].role), t + 1, starts[t + 1]);
                for (int i = starts[t] + 1; i < starts[t + 1] - 1; i++)
                    cr_assert(!is_marker(ids[i]),
                              "chat_encode: conversation %d, turn %d: id %d at %d inside the text is a special token\n"
                              "  hint: encode the text with allow_special = 0, so typing <|end|> cannot end a turn",
                              k, t, ids[i], i);
            }
            cr_assert(starts[c.n] == n - open,
                      "chat_encode: starts[%d] should be %d (the end of the last turn, before any open marker), "
                      "got %d",
                      c.n, n - open, starts[c.n]);
            free(text), free(want);
            chat_free(&c), chat_free(&back);
        }
}

/* Decoding cannot tell " green" from " " followed by "green": compare the ids
 * of each text with one tokenizer_encode of the space and the text together. */
Test(chat_encode, encodes_the_space_with_its_text, .init = make_tokenizer, .fini = free_tokenizer) {
    for (int k = 0; k < N_EXAMPLES; k++) {
        Chat c;
        example(&c, k);
        int32_t ids[400], want[200];
        int starts[16];
        int n = chat_encode(&tok, &ct, &c, 0, ids, 400, starts);
        cr_assert(n > 0, "chat_encode returned %d for conversation %d with room for 400 ids", n, k);
        for (int t = 0; t < c.n; t++) {
            cr_assert(starts[t] >= 0 && starts[t] + 2 <= starts[t + 1] && starts[t + 1] <= n &&
                          ids[starts[t]] == ct.role[c.turns[t].role] && ids[starts[t + 1] - 1] == ct.end,
                      "chat_encode: conversation %d, turn %d: starts[%d] = %d and starts[%d] = %d do not frame "
                      "the turn (its %s marker, its text, the end token), so its text cannot be checked\n"
                      "  hint: fix what chat_encode/round_trips_through_the_template reports first",
                      k, t, t, starts[t], t + 1, starts[t + 1], chat_role_name(c.turns[t].role));
            char bytes[200];
            snprintf(bytes, sizeof bytes, " %s", c.turns[t].text);
            int m = (int)tokenizer_encode(&tok, (const uint8_t *)bytes, strlen(bytes), 0, want);
            const int32_t *got = ids + starts[t] + 1; /* between the marker and the end token */
            int got_n = starts[t + 1] - starts[t] - 2;
            int same = got_n == m;
            for (int i = 0; same && i < m; i++) same = got[i] == want[i];
            char shown_got[600] = "", shown_want[600] = "";
            show_tokens(shown_got, sizeof shown_got, got, got_n);
            show_tokens(shown_want, sizeof shown_want, want, m);
            cr_assert(same,
                      "chat_encode: conversation %d, turn %d (%s \"%s\"): the text's %d tokens are\n  %s\n"
                      "but one tokenizer_encode of \"%s\" gives %d:\n  %s\n"
                      "  hint: put the space and the text into one buffer and encode them in one call; encoded "
                      "apart, the space is a token of its own and the first word is cut as at the start of a "
                      "text",
                      k, t, chat_role_name(c.turns[t].role), c.turns[t].text, got_n, shown_got, bytes, m, shown_want);
        }
        chat_free(&c);
    }
}

Test(chat_encode, refuses_what_does_not_fit, .init = make_tokenizer, .fini = free_tokenizer) {
    Chat c;
    example(&c, 1);
    int32_t ids[400];
    int full = chat_encode(&tok, &ct, &c, 1, ids, 400, NULL);
    cr_assert(full > 0, "chat_encode returned %d for conversation 1 with room for 400 ids", full);
    for (int cap = 0; cap < full; cap++) {
        int32_t guard[410];
        for (int i = 0; i < 410; i++) guard[i] = -7;
        int n = chat_encode(&tok, &ct, &c, 1, guard, cap, NULL);
        cr_assert(n == -1, "chat_encode: with room for %d of the %d ids, it should return -1, got %d", cap, full, n);
        for (int i = cap; i < 410; i++)
            cr_assert(guard[i] == -7,
                      "chat_encode: with room for %d ids (of the %d needed), it wrote ids[%d]\n"
                      "  hint: check the room before each write: a turn needs k + 2 ids (marker, k text "
                      "tokens, end), the open reply one more",
                      cap, full, i);
    }
    cr_assert(chat_encode(&tok, &ct, &c, 1, ids, full, NULL) == full,
              "chat_encode: with exactly %d ids of room it should fit\n"
              "  hint: the room check is off by one: cap - n ids are free",
              full);
    chat_free(&c);
}

/* The template in ids, built here without chat_encode (so that the mask can be
 * graded before chat_encode is written): marker, " " + text, end, per turn. */
static int template_ids(const Chat *c, int32_t *ids, int *starts) {
    int n = 0;
    for (int t = 0; t < c->n; t++) {
        char bytes[200];
        snprintf(bytes, sizeof bytes, " %s", c->turns[t].text);
        starts[t] = n;
        ids[n++] = ct.role[c->turns[t].role];
        n += (int)tokenizer_encode(&tok, (const uint8_t *)bytes, strlen(bytes), 0, ids + n);
        ids[n++] = ct.end;
    }
    starts[c->n] = n;
    return n;
}

/* The mask turn by turn, as a role name and one digit per token (its marker first, its end token last). */
static void show_mask(char *buf, size_t cap, const Chat *c, const int *starts, const uint8_t *mask, int n) {
    for (int t = 0; t < c->n; t++) {
        appendf(buf, cap, "%s%s ", t ? " | " : "", chat_role_name(c->turns[t].role));
        for (int i = starts[t]; i < starts[t + 1]; i++) appendf(buf, cap, "%d", mask[i]);
    }
    appendf(buf, cap, " | eot %d", mask[n - 1]);
}

Test(chat_loss_mask, marks_exactly_the_replies, .init = make_tokenizer, .fini = free_tokenizer) {
    for (int k = 0; k < N_EXAMPLES; k++) {
        Chat c;
        example(&c, k);
        int32_t ids[400];
        int starts[16];
        int n = template_ids(&c, ids, starts);
        ids[n++] = ct.eot; /* conversations are separated by eot in training */
        uint8_t mask[400], want[400];
        memset(mask, 7, sizeof mask);
        memset(want, 0, sizeof want);
        for (int t = 0; t < c.n; t++)
            for (int i = starts[t] + 1; i < starts[t + 1]; i++) want[i] = c.turns[t].role == CHAT_ASSISTANT;
        chat_loss_mask(ids, n, &ct, mask);
        int bad = 0;
        while (bad < n && mask[bad] == want[bad]) bad++;
        if (bad == n) {
            chat_free(&c);
            continue;
        }
        int t = 0;
        while (t < c.n && starts[t + 1] <= bad) t++;
        char where[160], got_s[600] = "", want_s[600] = "";
        if (t == c.n)
            snprintf(where, sizeof where, "the <|endoftext|> after the conversation");
        else
            snprintf(where, sizeof where, "turn %d, a%s %s turn, %s", t, c.turns[t].role == CHAT_ASSISTANT ? "n" : "",
                     chat_role_name(c.turns[t].role),
                     bad == starts[t]           ? "its marker"
                     : bad == starts[t + 1] - 1 ? "its end token"
                                                : "its text");
        show_mask(got_s, sizeof got_s, &c, starts, mask, n);
        show_mask(want_s, sizeof want_s, &c, starts, want, n);
        cr_assert(0,
                  "chat_loss_mask: conversation %d, token %d (%s): mask %d, expected %d\n"
                  "  got:      %s\n  expected: %s\n"
                  "  (one digit per token: each turn's marker first, its end token last; a 7 was never written)\n"
                  "  hint: 1 for a reply's text and the end token that closes it; 0 for the assistant marker, "
                  "for everything in system and user turns, and for <|endoftext|>",
                  k, bad, where, mask[bad], want[bad], got_s, want_s);
    }
    /* a reply cut short by another marker or eot: its text counts, the interrupting token does not */
    int32_t ids[] = {ct.role[CHAT_ASSISTANT],
                     'a',
                     'b',
                     ct.role[CHAT_USER],
                     'c',
                     ct.end,
                     ct.role[CHAT_ASSISTANT],
                     'd',
                     ct.eot,
                     'e',
                     ct.end};
    uint8_t want[] = {0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0};
    uint8_t mask[11];
    memset(mask, 7, sizeof mask);
    chat_loss_mask(ids, 11, &ct, mask);
    char got_s[40] = "", want_s[40] = "";
    for (int i = 0; i < 11; i++) {
        appendf(got_s, sizeof got_s, "%d ", mask[i]);
        appendf(want_s, sizeof want_s, "%d ", want[i]);
    }
    for (int i = 0; i < 11; i++)
        cr_assert(mask[i] == want[i],
                  "chat_loss_mask: ids <|assistant|> a b <|user|> c <|end|> <|assistant|> d <|endoftext|> e "
                  "<|end|>: mask[%d] is %d, expected %d\n  got:      %s\n  expected: %s\n"
                  "  hint: any marker other than <|end|>, and <|endoftext|>, ends a reply without a 1; nothing "
                  "outside a reply counts",
                  i, mask[i], want[i], got_s, want_s);
}

/* ---- chat_trim: conversations given as role letters (s, u, a) with every turn's cost ---- */

static void roles(Chat *c, const char *r) {
    chat_init(c);
    for (; *r; r++) chat_add(c, *r == 's' ? CHAT_SYSTEM : *r == 'u' ? CHAT_USER : CHAT_ASSISTANT, "x");
}

static const char *role_word(char r) { return r == 's' ? "system" : r == 'u' ? "user" : "assistant"; }

/* The rule, written differently from the walk of the exercise: the first user
 * turn i (after a system turn) such that the system turn and turns i .. n-1
 * cost at most the budget, or -1. */
static int trim_rule(const char *r, const int *len, int budget) {
    int n = (int)strlen(r), sys = n > 0 && r[0] == 's';
    for (int i = sys; i < n; i++) {
        long cost = sys ? len[0] : 0;
        for (int j = i; j < n; j++) cost += len[j];
        if (r[i] == 'u' && cost <= budget) return i;
    }
    return -1;
}

/* What keeping from turn `first` means: its turn list and its cost, in words. */
static long kept_cost(const char *r, const int *len, int first) {
    int n = (int)strlen(r), sys = n > 0 && r[0] == 's';
    long cost = sys ? len[0] : 0;
    for (int j = first; j < n; j++) cost += len[j];
    return cost;
}
static void describe(char *buf, size_t cap, const char *r, const int *len, int budget, int first) {
    int n = (int)strlen(r), sys = n > 0 && r[0] == 's';
    if (first < 0) {
        appendf(buf, cap, "-1: nothing can be kept");
        return;
    }
    if (first < sys || first >= n) {
        appendf(buf, cap, "%d: not a turn after the system prompt", first);
        return;
    }
    long cost = kept_cost(r, len, first);
    appendf(buf, cap, "%d: keep %s", first, sys ? "the system prompt and " : "");
    if (first == n - 1)
        appendf(buf, cap, "turn %d, %ld tokens", first, cost);
    else
        appendf(buf, cap, "turns %d-%d, %ld tokens", first, n - 1, cost);
    if (cost > budget) appendf(buf, cap, ", over the budget of %d", budget);
    if (r[first] != 'u')
        appendf(buf, cap, ", starting with a%s %s turn", r[first] == 'a' ? "n" : "", role_word(r[first]));
}

/* The failure message of chat_trim: every turn's cost, what was kept, what should have been, and why. */
static void trim_message(char *msg, size_t cap, const char *r, const int *len, int budget, int want, int got,
                         const char *why) {
    int n = (int)strlen(r), sys = n > 0 && r[0] == 's';
    msg[0] = 0;
    appendf(msg, cap, "chat_trim of turns \"%s\" with budget %d: expected %d, got %d\n", r, budget, want, got);
    appendf(msg, cap, "  turn  role       tokens  expected  got\n");
    for (int i = 0; i < n; i++) {
        int keep_w = want >= 0 && ((i == 0 && sys) || i >= want);
        int keep_g = got >= sys && got < n && ((i == 0 && sys) || i >= got);
        appendf(msg, cap, "  %-4d  %-9s  %-6d  %-8s  %s\n", i, role_word(r[i]), len[i], keep_w ? "kept" : "-",
                keep_g ? "kept" : "-");
    }
    appendf(msg, cap, "  expected ");
    describe(msg, cap, r, len, budget, want);
    appendf(msg, cap, "\n  got      ");
    describe(msg, cap, r, len, budget, got);
    if (why) appendf(msg, cap, "\n  why: %s", why);
    const char *hint;
    if (got >= sys && got < n && kept_cost(r, len, got) > budget)
        hint = "walk back from the last turn, adding each cost to the system prompt's, and stop at the first "
               "turn that does not fit: never skip a turn, and never keep the one that overflowed";
    else if (got >= sys && got < n && r[got] != 'u')
        hint = "the kept part must start with a user turn: remember only user turns";
    else if (got == -1 || got > want)
        hint = "more fits: a cost equal to the budget still fits, and the answer is the earliest user turn "
               "reached before the cost goes over";
    else
        hint = "return the index of the first kept turn after the system prompt, or -1";
    appendf(msg, cap, "\n  hint: %s", hint);
}

Test(chat_trim, keeps_the_system_prompt_and_whole_latest_turns) {
    struct {
        const char *roles;
        int len[8], budget, want;
        const char *why;
    } cases[] = {
        {"suaua", {5, 3, 2, 4, 1}, 100, 1, "everything fits: keep from the first user turn"},
        {"suaua", {5, 3, 2, 4, 1}, 10, 3, "the system prompt (5) and the last exchange (4 + 1) fit exactly"},
        {"suaua", {5, 3, 2, 4, 1}, 9, -1, "not even the system prompt and the last exchange fit"},
        {"suau", {5, 3, 2, 4}, 14, 1, "5 + 3 + 2 + 4 = 14 fits exactly"},
        {"suau", {5, 3, 2, 4}, 13, 3, "the oldest exchange goes, the system prompt stays"},
        {"uaua", {3, 2, 4, 1}, 7, 2, "no system prompt: the latest exchange"},
        {"uaua", {3, 2, 4, 1}, 9, 2, "6 tokens of room beyond the last exchange are not enough for the first"},
        {"uaua", {3, 2, 4, 1}, 4, -1, "the last exchange alone (5) does not fit"},
        {"suaua", {1, 1, 9, 1, 1}, 4, 3, "the kept part may not start with an assistant turn"},
        {"suaua", {2, 1, 9, 1, 1}, 6, 3, "turn 2 does not fit; turn 1 would, but not without turn 2"},
        {"sua", {2, 1, 1}, 3, -1, "the last exchange must be whole: the user's question cannot be cut off"},
        {"su", {2, 3}, 5, 1, "system prompt and a question: both fit"},
        {"s", {2}, 10, -1, "no user turn at all"},
    };
    char msg[2000] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Chat c;
        roles(&c, cases[i].roles);
        int got = chat_trim(&c, cases[i].len, cases[i].budget);
        if (got != cases[i].want)
            trim_message(msg, sizeof msg, cases[i].roles, cases[i].len, cases[i].budget, cases[i].want, got,
                         cases[i].why);
        cr_assert(got == cases[i].want, "%s", msg);
        chat_free(&c);
    }
}

Test(chat_trim, matches_the_rule_on_many_conversations) {
    uint32_t s = 12345;
    char msg[2000] = "";
    for (int k = 0; k < 400; k++) {
        char r[9];
        int len[8], n = 1 + (int)((s = s * 1664525u + 1013904223u) >> 8) % 8, i = 0;
        if ((s >> 20) & 1) r[i++] = 's';
        for (; i < n; i++) { /* mostly alternating, sometimes two of a kind */
            s = s * 1664525u + 1013904223u;
            int alternate = (s >> 12) % 5 != 0;
            char prev = i ? r[i - 1] : 'a';
            r[i] = alternate ? (prev == 'u' ? 'a' : 'u') : (prev == 'u' ? 'u' : 'a');
        }
        r[n] = 0;
        for (i = 0; i < n; i++) len[i] = 1 + (int)((s = s * 1664525u + 1013904223u) >> 10) % 9;
        int budget = (int)((s = s * 1664525u + 1013904223u) >> 10) % 45;
        int want = trim_rule(r, len, budget);
        Chat c;
        roles(&c, r);
        int got = chat_trim(&c, len, budget);
        if (got != want) trim_message(msg, sizeof msg, r, len, budget, want, got, NULL);
        cr_assert(got == want, "%s", msg);
        chat_free(&c);
    }
}
