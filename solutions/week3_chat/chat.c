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
    /* BEGIN SOLUTION */
    int n = 0;
    uint8_t *bytes = NULL;
    int32_t *scratch = NULL;
    size_t scratch_cap = 0;
    for (int i = 0; i < c->n; i++) {
        size_t len = strlen(c->turns[i].text) + 1;
        if (len > scratch_cap) {
            scratch_cap = len;
            bytes = XREALLOC(bytes, len);
            scratch = XREALLOC(scratch, len * sizeof *scratch);
        }
        bytes[0] = ' ';
        memcpy(bytes + 1, c->turns[i].text, len - 1);
        int k = (int)tokenizer_encode(tok, bytes, len, 0, scratch);
        if (starts) starts[i] = n;
        if (cap - n < k + 2) {
            n = -1;
            break;
        }
        ids[n++] = ct->role[c->turns[i].role];
        for (int j = 0; j < k; j++) ids[n++] = scratch[j];
        ids[n++] = ct->end;
    }
    free(bytes), free(scratch);
    if (n < 0) return -1;
    if (starts) starts[c->n] = n;
    if (open_reply) {
        if (n == cap) return -1;
        ids[n++] = ct->role[CHAT_ASSISTANT];
    }
    return n;
    /* END SOLUTION */
}

void chat_loss_mask(const int32_t *ids, int n, const ChatTokens *ct, uint8_t *mask) {
    /* TODO(week3): walk the ids with one flag, "inside a reply". An assistant
     * marker sets it (the marker itself gets 0). While inside, an ordinary
     * token gets 1; the end token gets 1 and clears the flag; any other
     * marker or eot gets 0 and clears it. Outside, everything gets 0. */
    /* BEGIN SOLUTION */
    int inside = 0;
    for (int t = 0; t < n; t++) {
        int32_t id = ids[t];
        int marker = id == ct->eot || id == ct->end;
        for (int r = 0; r < CHAT_N_ROLES; r++) marker |= id == ct->role[r];
        if (id == ct->role[CHAT_ASSISTANT]) {
            mask[t] = 0;
            inside = 1;
        } else if (!marker) {
            mask[t] = (uint8_t)inside;
        } else {
            mask[t] = (uint8_t)(inside && id == ct->end);
            inside = 0;
        }
    }
    /* END SOLUTION */
}

int chat_trim(const Chat *c, const int *len, int budget) {
    /* TODO(week3): let sys = 1 if turn 0 is a system turn (else 0), and
     * start the cost at len[0] when it is. Walk i from the last turn down to
     * sys, adding len[i] to the cost; stop when the cost exceeds the budget.
     * The answer is the smallest i reached within the budget where turn i is
     * a user turn; -1 if there is none. */
    /* BEGIN SOLUTION */
    if (c->n == 0) return -1;
    int sys = c->turns[0].role == CHAT_SYSTEM;
    long cost = sys ? len[0] : 0;
    int best = -1;
    for (int i = c->n - 1; i >= sys; i--) {
        cost += len[i];
        if (cost > budget) break;
        if (c->turns[i].role == CHAT_USER) best = i;
    }
    return best;
    /* END SOLUTION */
}
