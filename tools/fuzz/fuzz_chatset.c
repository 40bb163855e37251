/*
 * Fuzz target for files of dialogues (week3_chat/chatset.c, chatset_load,
 * and through it chat_parse): any bytes either load, every dialogue of a
 * known family ending with an answer that formats back to text which parses
 * to the same turns, or give -1 with a message and an empty set.
 */
#include <stdlib.h>
#include <string.h>

#include "chatset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_to_file(data, size, "chatset");
    if (path == NULL) return 0;
    ChatSet s;
    char err[300] = "";
    if (chatset_load(&s, path, err, sizeof err) == 0) {
        Chat back;
        chat_init(&back);
        for (long i = 0; i < s.n; i++) {
            const Chat *c = &s.ex[i].chat;
            if (s.ex[i].family < 0 || s.ex[i].family >= chatgen_n_families() || c->n < 2 ||
                c->turns[c->n - 1].role != CHAT_ASSISTANT)
                abort();
            size_t len;
            char *text = chat_format(c, 0, &len);
            if (chat_parse(&back, text, len, NULL, err, sizeof err) != 0 || back.n != c->n) abort();
            for (int t = 0; t < c->n; t++)
                if (back.turns[t].role != c->turns[t].role || strcmp(back.turns[t].text, c->turns[t].text) != 0)
                    abort();
            free(text);
        }
        chat_free(&back);
        chatset_free(&s);
    } else if (err[0] == '\0' || s.n != 0 || s.ex != NULL) {
        abort();
    }
    unlink(path);
    return 0;
}
