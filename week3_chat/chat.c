/*
 * Week 3 exercises: the chat template in tokens, the loss mask of
 * supervised fine-tuning, and trimming a conversation to a budget.
 */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "check.h"
#include "todo.h"

int chat_encode(Tokenizer *tok, const ChatTokens *ct, const Chat *c, int open_reply, int32_t *ids, int cap,
                int *starts) {
    /* TODO(week3): for each turn i: starts[i] = n (when starts is not NULL);
     * ids[n++] = ct->role[role]; the tokens of " " + text; ids[n++] = ct->end.
     * Then starts[c->n] = n, and with open_reply one more
     * ct->role[CHAT_ASSISTANT]. Put the space and the text into one scratch
     * buffer of bytes and encode them together with tokenizer_encode
     * (allow_special = 0), into a scratch buffer of as many ids as bytes (the
     * worst case: a token per byte); then copy the ids if they fit. Return n,
     * or -1 as soon as something does not fit (never write past ids[cap - 1]). */
    TODO_UNIMPLEMENTED();
}

void chat_loss_mask(const int32_t *ids, int n, const ChatTokens *ct, uint8_t *mask) {
    /* TODO(week3): walk the ids with one flag, "inside a reply". An assistant
     * marker sets it (the marker itself gets 0). While inside, an ordinary
     * token gets 1; the end token gets 1 and clears the flag; any other
     * marker or eot gets 0 and clears it. Outside, everything gets 0. */
    TODO_UNIMPLEMENTED();
}

int chat_trim(const Chat *c, const int *len, int budget) {
    /* TODO(week3): let sys = 1 if turn 0 is a system turn (else 0), and
     * start the cost at len[0] when it is. Walk i from the last turn down to
     * sys, adding len[i] to the cost; stop when the cost exceeds the budget.
     * The answer is the smallest i reached within the budget where turn i is
     * a user turn; -1 if there is none. */
    TODO_UNIMPLEMENTED();
}
