/*
 * Week 3 tests: the template in tokens round-trips, the loss mask covers
 * exactly the assistant's tokens, and trimming keeps whole turns and the
 * system prompt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "testing.h"

#define EXERCISE(name) TestSuite(name, .timeout = 20)
EXERCISE(chat_encode);
EXERCISE(chat_loss_mask);
EXERCISE(chat_trim);

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
    default:                                    /* text that looks like markers (not parsed back: ambiguous) */
        chat_add(c, CHAT_USER, "Type <|end|> and <|assistant|> for me");
        chat_add(c, CHAT_ASSISTANT, "<|endoftext|>");
    }
}
#define N_EXAMPLES 5
#define FAKE_MARKERS 4

static int is_marker(int32_t id) {
    return id == ct.end || id == ct.eot || id == ct.role[0] || id == ct.role[1] || id == ct.role[2];
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
                      "conversation %d (open_reply %d): decoding chat_encode's ids gives\n  %s\nbut the template is\n"
                      "  %s\n  hint: marker, the text's tokens, end token; per turn, in order",
                      k, open, text, want);
            int open_back = -1;
            char err[200] = "";
            cr_assert(k == FAKE_MARKERS || (chat_parse(&back, text, len, &open_back, err, sizeof err) == 0 &&
                                            back.n == c.n && open_back == open),
                      "conversation %d does not parse back: %s", k, err);
            for (int t = 0; t < c.n; t++) {
                cr_assert(k == FAKE_MARKERS ||
                              (back.turns[t].role == c.turns[t].role && strcmp(back.turns[t].text, c.turns[t].text) == 0),
                          "conversation %d, turn %d: came back as %s \"%s\", was %s \"%s\"", k, t,
                          chat_role_name(back.turns[t].role), back.turns[t].text, chat_role_name(c.turns[t].role),
                          c.turns[t].text);
                cr_assert(ids[starts[t]] == ct.role[c.turns[t].role] && ids[starts[t + 1] - 1] == ct.end,
                          "conversation %d, turn %d: starts[%d] = %d should point at the %s marker, and the turn "
                          "should end with the end token just before starts[%d] = %d",
                          k, t, t, starts[t], chat_role_name(c.turns[t].role), t + 1, starts[t + 1]);
                for (int i = starts[t] + 1; i < starts[t + 1] - 1; i++)
                    cr_assert(!is_marker(ids[i]),
                              "conversation %d, turn %d: id %d at %d inside the text is a special token\n"
                              "  hint: encode the text with allow_special = 0, so typing <|end|> cannot end a turn",
                              k, t, ids[i], i);
            }
            cr_assert(starts[c.n] == n - open, "starts[%d] should be %d (the end of the last turn), got %d", c.n,
                      n - open, starts[c.n]);
            free(text), free(want);
            chat_free(&c), chat_free(&back);
        }
}

Test(chat_encode, refuses_what_does_not_fit, .init = make_tokenizer, .fini = free_tokenizer) {
    Chat c;
    example(&c, 1);
    int32_t ids[400];
    int full = chat_encode(&tok, &ct, &c, 1, ids, 400, NULL);
    for (int cap = 0; cap < full; cap++) {
        int32_t guard[410];
        for (int i = 0; i < 410; i++)
            guard[i] = -7;
        int n = chat_encode(&tok, &ct, &c, 1, guard, cap, NULL);
        cr_assert(n == -1, "with room for %d of the %d ids, chat_encode should return -1, got %d", cap, full, n);
        for (int i = cap; i < 410; i++)
            cr_assert(guard[i] == -7, "with room for %d ids, chat_encode wrote ids[%d]\n"
                      "  hint: check the room before each write; a text of L bytes needs up to L ids", cap, i);
    }
    cr_assert(chat_encode(&tok, &ct, &c, 1, ids, full, NULL) == full, "with exactly %d ids of room it should fit",
              full);
    chat_free(&c);
}

Test(chat_loss_mask, marks_exactly_the_replies, .init = make_tokenizer, .fini = free_tokenizer) {
    for (int k = 0; k < N_EXAMPLES; k++) {
        Chat c;
        example(&c, k);
        int32_t ids[400];
        int starts[16];
        int n = chat_encode(&tok, &ct, &c, 0, ids, 400, starts);
        ids[n++] = ct.eot;                       /* conversations are separated by eot in training */
        uint8_t mask[400];
        memset(mask, 7, sizeof mask);
        chat_loss_mask(ids, n, &ct, mask);
        for (int t = 0; t < c.n; t++)
            for (int i = starts[t]; i < starts[t + 1]; i++) {
                int want = c.turns[t].role == CHAT_ASSISTANT && i > starts[t];
                cr_assert(mask[i] == want,
                          "conversation %d, token %d (turn %d, a %s turn, %s): mask %d, expected %d\n"
                          "  hint: 1 for the reply's text and its end token; 0 for the assistant marker and for "
                          "everything in system and user turns",
                          k, i, t, chat_role_name(c.turns[t].role),
                          i == starts[t] ? "its marker" : i == starts[t + 1] - 1 ? "its end token" : "its text",
                          mask[i], want);
            }
        cr_assert(mask[n - 1] == 0, "the <|endoftext|> after a conversation gets mask %d, expected 0", mask[n - 1]);
        chat_free(&c);
    }
    /* a reply cut short by another marker or eot: its text counts, the interrupting token does not */
    int32_t ids[] = {ct.role[CHAT_ASSISTANT], 'a', 'b', ct.role[CHAT_USER], 'c', ct.end, ct.role[CHAT_ASSISTANT],
                     'd', ct.eot, 'e', ct.end};
    uint8_t want[] = {0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0};
    uint8_t mask[11];
    chat_loss_mask(ids, 11, &ct, mask);
    for (int i = 0; i < 11; i++)
        cr_assert(mask[i] == want[i],
                  "ids <|assistant|> a b <|user|> c <|end|> <|assistant|> d <|endoftext|> e <|end|>: mask[%d] is %d, "
                  "expected %d\n  hint: only the end token that closes a reply is learned; another marker ends the "
                  "reply without a 1, and nothing outside a reply counts",
                  i, mask[i], want[i]);
}

/* A conversation of roles given as letters (s, u, a) with every turn's cost. */
static void roles(Chat *c, const char *r) {
    chat_init(c);
    for (; *r; r++)
        chat_add(c, *r == 's' ? CHAT_SYSTEM : *r == 'u' ? CHAT_USER : CHAT_ASSISTANT, "x");
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
        {"sua", {2, 1, 1}, 3, -1, "the last exchange must be whole: the user's question cannot be cut off"},
        {"su", {2, 3}, 5, 1, "system prompt and a question: both fit"},
        {"s", {2}, 10, -1, "no user turn at all"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Chat c;
        roles(&c, cases[i].roles);
        int got = chat_trim(&c, cases[i].len, cases[i].budget);
        cr_assert(got == cases[i].want,
                  "chat_trim of turns \"%s\" (s system, u user, a assistant) with budget %d: expected %d, got %d\n"
                  "  why: %s\n  hint: walk from the last turn back, adding costs; remember the earliest user turn "
                  "reached within the budget",
                  cases[i].roles, cases[i].budget, cases[i].want, got, cases[i].why);
        chat_free(&c);
    }
}
