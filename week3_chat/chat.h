/**
 * @file chat.h
 * @brief Week 3: conversations, the chat template, the loss mask of
 * supervised fine-tuning, and trimming a conversation to fit the context.
 *
 * A conversation is a list of turns. The template writes it as text with
 * four special tokens around the turns, and a space before each text:
 *
 *     <|system|> Be brief.<|end|><|user|> What is 3 plus 4?<|end|><|assistant|> 7<|end|>
 *
 * The space is there for the tokenizer: a word after a space is a different
 * token from the same word at the start of a text (" night" and "night").
 * With the space, a reply's first word is the same token as that word in the
 * question, so copying it is copying a token.
 *
 * Training, evaluation and `llmlab chat` all go through chat_encode(), so
 * the model always sees one format. The special tokens are added to a
 * pretrained tokenizer without retraining it: they get the next free ids.
 *
 * Exercises (chat.c): chat_encode(), chat_loss_mask(), chat_trim().
 * Given: everything else here (chat_text.c).
 */
#ifndef LLMLAB_CHAT_H
#define LLMLAB_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

/** Who speaks a turn. */
typedef enum ChatRole { CHAT_SYSTEM, CHAT_USER, CHAT_ASSISTANT } ChatRole;
#define CHAT_N_ROLES 3

/** One turn: a role and its text (UTF-8, NUL-terminated, owned by the Chat). */
typedef struct ChatTurn {
    ChatRole role;
    char *text;
} ChatTurn;

/** A conversation. A system turn, when there is one, is turn 0. */
typedef struct Chat {
    ChatTurn *turns;
    int n, cap;
} Chat;

/** @name Conversations (given)
 *  @{ */
void chat_init(Chat *c);
void chat_free(Chat *c);
/** Remove every turn. */
void chat_clear(Chat *c);
/** Append a turn with a copy of @p len bytes of @p text. */
void chat_add_n(Chat *c, ChatRole role, const char *text, size_t len);
/** Append a turn with a copy of the string @p text. */
void chat_add(Chat *c, ChatRole role, const char *text);
/** Set the system prompt: replace turn 0 if it is a system turn, else insert one (NULL or "": remove it). */
void chat_set_system(Chat *c, const char *text);
/** Remove the last @p k turns. */
void chat_pop(Chat *c, int k);
/** "system", "user" or "assistant". */
const char *chat_role_name(ChatRole r);
/** @} */

/** @name The template
 *  @{ */
#define CHAT_TOKEN_SYSTEM "<|system|>"
#define CHAT_TOKEN_USER "<|user|>"
#define CHAT_TOKEN_ASSISTANT "<|assistant|>"
#define CHAT_TOKEN_END "<|end|>"

/** The ids of the template's special tokens in one tokenizer. */
typedef struct ChatTokens {
    int32_t role[CHAT_N_ROLES]; /**< the marker that opens a turn of each role */
    int32_t end;                /**< closes every turn */
    int32_t eot;                /**< `<|endoftext|>`: separates conversations */
} ChatTokens;

/**
 * Add the four chat tokens to @p tok (those it does not have yet; the ids of
 * every other token stay the same) and fill @p ct. Returns how many were added.
 */
int chat_tokens_add(Tokenizer *tok, ChatTokens *ct);

/** Fill @p ct from a tokenizer that has the chat tokens. Returns 0, or -1 when one is missing. */
int chat_tokens_find(const Tokenizer *tok, ChatTokens *ct);

/**
 * The template as text (malloc'd, NUL-terminated, length in @p len): every
 * turn as its marker, a space, its text and the end marker, back to back. With @p open_reply, an assistant
 * marker is appended: the place where the model writes its reply.
 */
char *chat_format(const Chat *c, int open_reply, size_t *len);

/**
 * Parse template text back into @p c (cleared first): the inverse of
 * chat_format(): one space after a marker is dropped (the template's), any
 * more belong to the text. Whitespace between turns is allowed; anything else outside
 * a turn, an unknown or unclosed marker, a turn text that contains a marker,
 * a system turn that is not first, or text that is not UTF-8 is an error.
 * Sets *open_reply (when not NULL) if the text ends with an open assistant
 * marker. Returns 0, or -1 with the reason in @p err. Never dies: any bytes are safe.
 */
int chat_parse(Chat *c, const char *text, size_t len, int *open_reply, char *err, size_t err_size);
/** @} */

/** @name Exercises
 *  @{ */

/**
 * Encode @p c with the template into @p ids (room for @p cap): for each turn,
 * its role's marker, the tokens of a space followed by its text (one
 * tokenizer_encode() of both, with allow_special = 0: a user cannot type a
 * marker), then the end token. With
 * @p open_reply, the assistant marker follows. When @p starts is not NULL,
 * turn i's first id is at starts[i], and starts[c->n] is the total.
 * Returns the number of ids, or -1 when they do not fit in @p cap.
 */
int chat_encode(Tokenizer *tok, const ChatTokens *ct, const Chat *c, int open_reply, int32_t *ids, int cap,
                int *starts);

/**
 * Which tokens of @p ids (n of them) the model learns to write in supervised
 * fine-tuning: mask[t] = 1 when token t belongs to an assistant reply (its
 * text and the end token that closes it; not the assistant marker), else 0.
 * A reply runs from an assistant marker to the next end token; any other
 * marker or `<|endoftext|>` ends it too (then without a 1 for that token).
 */
void chat_loss_mask(const int32_t *ids, int n, const ChatTokens *ct, uint8_t *mask);

/**
 * Fit a conversation into @p budget tokens, where turn i costs len[i]
 * tokens: keep a system turn (turn 0) always, and as many of the latest
 * turns as fit, dropping the oldest whole turns, such that the kept turns
 * after the system turn start with a user turn and include the last turn.
 * Returns the index of the first kept turn after the system turn, or -1 when
 * not even the system turn and the last turn fit (or the last turn is not
 * preceded by a user turn it could start from).
 */
int chat_trim(const Chat *c, const int *len, int budget);
/** @} */

#endif
