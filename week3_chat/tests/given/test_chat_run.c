/*
 * Tests of Week 3's given code (run by `make test`, not graded): the
 * chatbot's prompt in the worst case, a tokenizer with no merges, where
 * every byte of a text is a token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_run.h"
#include "chatgen.h"
#include "testing.h"

TestSuite(given_chat_prompt, .timeout = 20);

Test(given_chat_prompt, fits_the_context_with_a_bytes_only_tokenizer) {
    Tokenizer tok;
    ChatTokens ct;
    tokenizer_init(&tok, NULL, 0, 1, NULL, 0);
    chat_tokens_add(&tok, &ct);
    Chat c;
    chat_init(&c);
    chat_add(&c, CHAT_SYSTEM, "Be brief.");
    for (int i = 0; i < 6; i++) {
        chat_add(&c, CHAT_USER, "What is 1 plus 2?");
        chat_add(&c, CHAT_ASSISTANT, "3");
    }
    chat_add(&c, CHAT_USER, "And double it.");
    int32_t ids[64];
    /* 24 - 8 - 1 = 15 tokens of room: not even the last question (17) fits: its end is kept */
    int n24 = chat_prompt(&tok, &ct, &c, 24, 8, ids, NULL);
    cr_assert(n24 == 16 && ids[15] == ct.role[CHAT_ASSISTANT] && ids[14] == ct.end,
              "context 24: the last 15 tokens of the last question, then the marker; got %d tokens", n24);
    for (int ctx = 32; ctx <= 64; ctx += 8) {
        int dropped = -1, n = chat_prompt(&tok, &ct, &c, ctx, 8, ids, &dropped);
        cr_assert(n >= 1 && n <= ctx - 8, "context %d, 8 for the reply: a prompt of %d tokens", ctx, n);
        cr_assert(ids[n - 1] == ct.role[CHAT_ASSISTANT], "context %d: the prompt must end with the assistant marker",
                  ctx);
        /* the last user turn is whole: its marker, " And double it." as bytes, the end marker */
        int last = n - 1 - (1 + 15 + 1);
        cr_assert(last >= 0 && ids[last] == ct.role[CHAT_USER] && ids[n - 2] == ct.end,
                  "context %d: the last question must be kept whole", ctx);
        cr_assert(dropped >= 1 && dropped <= 13, "context %d: %d of the 14 turns dropped", ctx, dropped);
    }
    chat_free(&c);
    tokenizer_free(&tok);
}

/* The out-of-scope line of the score table: the fixed answers where they belong, and false refusals. */
Test(given_chat_prompt, score_counts_out_of_scope_answers) {
    ChatScore sc;
    memset(&sc, 0, sizeof sc);
    int add = chatgen_family_id("add"), other = chatgen_family_id("other");
    sc.asked[add][0] = 10, sc.right[add][0] = 7, sc.refused[add][0] = 1;
    sc.asked[other][0] = 12, sc.asked[other][1] = 8, sc.right[other][0] = 11, sc.right[other][1] = 7;
    sc.refused[other][0] = 11, sc.refused[other][1] = 7;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    chat_score_print(f, &sc, "title");
    fclose(f);
    cr_assert(strstr(buf, "out of scope: 18 of 20 prompts (90.0%) got the fixed answer; 1 of 10 task questions"),
              "chat_score_print: expected the out-of-scope line with 18 of 20 and 1 of 10, got:\n%s", buf);
    cr_assert(strstr(buf, "| other     |   11/12    91.7% |    7/8     87.5% |   18/20    90.0% |"),
              "chat_score_print: expected a row for other, got:\n%s", buf);
    free(buf);
    memset(&sc, 0, sizeof sc); /* no out-of-scope prompt and no false refusal: no such line */
    sc.asked[add][0] = 3;
    f = open_memstream(&buf, &len);
    chat_score_print(f, &sc, "title");
    fclose(f);
    cr_assert(!strstr(buf, "out of scope"), "no out-of-scope prompts: expected no out-of-scope line, got:\n%s", buf);
    free(buf);
}
