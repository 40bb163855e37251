/**
 * @file chat_run.h
 * @brief Week 3: fine-tune a pretrained GPT on conversations, talk to it,
 * and measure how often it answers exactly right.
 *
 * What `llmlab tune`, `llmlab chat`, `llmlab eval-chat` and the Week 3 demo
 * share. Given code (chat_run.c, chat_eval.c).
 */
#ifndef LLMLAB_CHAT_RUN_H
#define LLMLAB_CHAT_RUN_H

#include <stdio.h>

#include "chat.h"
#include "chatset.h"
#include "gpt_run.h"

/* ------------------------------------------------------------------------- */
/** @name Supervised fine-tuning
 *  @{ */

/** A fine-tuning run: a pretrained checkpoint, conversations, and the loop's settings. */
typedef struct ChatTuneOptions {
    const char *base;       /**< the pretrained checkpoint (llmlab train, the Week 2 demo) */
    const char *train_data; /**< conversations for training (llmlab chatgen) */
    const char *eval_data;  /**< held-out conversations for the validation loss (not those eval-chat scores) */
    int all_tokens;         /**< 1: learn every token, not only the replies (to compare) */
    TrainConfig train;
} ChatTuneOptions;

/** runs/gpt/ckpt.bin, data/chat/{train,val}.txt, runs/chat, 4000 steps of 12 x 64, lr 1e-3 (warmup 100) to 1e-4. */
void chat_tune_defaults(ChatTuneOptions *o);

/**
 * Load the base model, add the chat tokens to its tokenizer and rows to its
 * embedding, and train it on the conversations: each row of a batch starts
 * at a conversation and is filled with the ones after it, separated by
 * `<|endoftext|>`; only the tokens chat_loss_mask() marks have a target.
 * Dies with a message when a file is missing or broken.
 */
TrainResult chat_tune(const ChatTuneOptions *o);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Talking
 *  @{ */

/** A model, its tokenizer, the conversation so far and the sampler's settings. */
typedef struct ChatBot {
    Gpt m;
    Tokenizer tok;
    ChatTokens ct;
    Chat chat;
    SamplerConfig sampler;
    Rng rng;
    int max_reply; /**< the most tokens in one reply (default: a third of the context) */
} ChatBot;

/** Load a fine-tuned checkpoint. Returns 0, or -1 with the reason (e.g. no chat tokens) in @p err. */
int chatbot_load(ChatBot *b, const char *ckpt, uint64_t seed, char *err, size_t err_size);

/**
 * The rest of chatbot_load(), for a ChatBot whose model, tokenizer and chat
 * tokens are loaded already: an empty conversation, greedy sampling, the
 * generator seeded with @p seed, replies of up to a third of the context.
 */
void chatbot_init(ChatBot *b, uint64_t seed);
void chatbot_free(ChatBot *b);

/**
 * Encode conversation @p c, ending with an open assistant marker, so that it
 * fits a context of @p ctx tokens with @p reply_room left for the reply:
 * chat_trim() drops the oldest whole turns (never the system prompt, unless
 * even it and the last turn do not fit); as a last resort only the end of
 * the last turn is kept. Writes the ids (room for @p ctx) and returns their
 * number; *dropped (when not NULL) says how many turns were left out.
 */
int chat_prompt(Tokenizer *tok, const ChatTokens *ct, const Chat *c, int ctx, int reply_room, int32_t *ids,
                int *dropped);

/**
 * Add @p user as a user turn, generate the reply (streamed to @p out when
 * not NULL, the template's space in front) and add it as an assistant turn.
 * Returns the reply's text (without that space), owned by the
 * conversation. *dropped as in chat_prompt().
 */
const char *chatbot_reply(ChatBot *b, const char *user, FILE *out, int *dropped);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Exact-match evaluation
 *  @{ */

#define CHAT_MAX_FAMILIES 16

/**
 * Answers right and asked, per family and per phrasing (0: seen in training,
 * 1: new), and how many replies were the out-of-scope answer
 * (CHATGEN_REFUSAL): right ones for the family `other`, false refusals for
 * every other family.
 */
typedef struct ChatScore {
    long right[CHAT_MAX_FAMILIES][2], asked[CHAT_MAX_FAMILIES][2];
    long refused[CHAT_MAX_FAMILIES][2];
} ChatScore;

/** How to ask. */
typedef struct ChatEvalOptions {
    int plain;               /**< 1: plain text, for a base model; 0: the chat template, for a tuned one */
    int shots;               /**< plain text: up to this many solved examples first (as many as fit) */
    const ChatSet *examples; /**< where the solved examples come from (the training set) */
    SamplerConfig sampler;   /**< temperature 0: greedy */
    uint64_t seed;
    long limit; /**< ask at most this many (0: all) */
    FILE *show; /**< when not NULL, print each wrong answer here */
    int quiet;  /**< 1: no progress bar (by default one on stderr, with an ETA, as training draws) */
} ChatEvalOptions;

/**
 * Ask the model every conversation of @p set without its last turn, and
 * count the reply right when it equals the last turn exactly (surrounding
 * spaces aside). The prompt is what the chatbot would send, with room for a
 * reply of 16 tokens; the reply may run on to 24 tokens where the context
 * has room (the out-of-scope answer takes 21). Plain-text prompts look like
 *
 *     Q: What is 3 plus 4?
 *     A: 7
 *
 * with a blank line after each example, ending with the question and "A:";
 * the examples that do not fit the context are left out, and the reply ends
 * at its first newline.
 */
void chat_eval(Gpt *m, Tokenizer *tok, const ChatSet *set, const ChatEvalOptions *o, ChatScore *score);

/**
 * Print the table of a score: one row per family (right / asked, per cent),
 * then all; then, when the set had out-of-scope prompts or the model gave the
 * out-of-scope answer to a task, a line with both counts.
 */
void chat_score_print(FILE *out, const ChatScore *s, const char *title);
/** @} */

#endif
