/*
 * Fuzz target for the chat template (week3_chat/chat_text.c): any bytes
 * either parse, or give -1 with a message. What parses formats back to text
 * that parses to the same turns, and encodes (with a bytes-only tokenizer
 * and the chat tokens) to ids that decode to that text, with a loss mask
 * that marks only tokens inside assistant turns.
 */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Tokenizer tok;
    static ChatTokens ct;
    static int ready;
    if (!ready) {
        tokenizer_init(&tok, NULL, 0, 1, NULL, 0);
        chat_tokens_add(&tok, &ct);
        ready = 1;
    }
    Chat c, again;
    chat_init(&c), chat_init(&again);
    char err[256] = "";
    int open = 0;
    if (chat_parse(&c, (const char *)data, size, &open, err, sizeof err) != 0) {
        if (err[0] == '\0' || c.n != 0) abort(); /* an error says what is wrong and leaves no turns */
        chat_free(&c);
        return 0;
    }
    size_t len;
    char *text = chat_format(&c, open, &len);
    int open2 = 0;
    if (chat_parse(&again, text, len, &open2, err, sizeof err) != 0 || again.n != c.n || open2 != open) abort();
    for (int i = 0; i < c.n; i++)
        if (again.turns[i].role != c.turns[i].role || strcmp(again.turns[i].text, c.turns[i].text) != 0) abort();
    int cap = (int)len + 1;
    int32_t *ids = malloc((size_t)cap * sizeof *ids);
    uint8_t *mask = malloc((size_t)cap), *back = malloc(len + 1);
    int n = chat_encode(&tok, &ct, &c, open, ids, cap, NULL);
    if (n < 0 || tokenizer_decoded_size(&tok, ids, (size_t)n) != len ||
        tokenizer_decode(&tok, ids, (size_t)n, back) != len || memcmp(back, text, len) != 0)
        abort();
    chat_loss_mask(ids, n, &ct, mask);
    int inside = 0;
    for (int i = 0; i < n; i++) {
        if (mask[i] && !inside) abort(); /* a learned token outside a reply */
        inside = ids[i] == ct.role[CHAT_ASSISTANT] ? 1 : ids[i] >= 256 ? 0 : inside;
    }
    free(ids), free(mask), free(back), free(text);
    chat_free(&c), chat_free(&again);
    return 0;
}
