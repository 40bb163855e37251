/*
 * llmlab eval-chat: exact-match accuracy per task family on held-out
 * conversations, for a tuned model (chat template) or a base model (solved
 * examples as plain text).
 */
#include <stdio.h>

#include "chat_run.h"
#include "check.h"
#include "commands.h"

int cmd_eval_chat(int argc, char **argv) {
    const char *ckpt = "runs/chat/ckpt.bin", *data = "data/chat/eval.txt", *examples = "data/chat/train.txt";
    int shots = 3, show = 0, plain = 0, quiet = 0;
    long limit = 0;
    SamplerConfig s = {.temperature = 0.0f, .top_k = 0, .top_p = 1.0f};
    uint64_t seed = 1;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "the model to ask", NULL},
        {"data", FLAG_STRING, &data, 0, 0, "held-out conversations (llmlab chatgen --split eval)", NULL},
        {"plain", FLAG_BOOL, &plain, 0, 0,
         "ask in plain text (Q: ... A:), as a base model needs; chosen by itself for a model without chat tokens",
         NULL},
        {"shots", FLAG_INT, &shots, 0, 16, "plain text: solved examples before each question (as many as fit)", NULL},
        {"examples", FLAG_STRING, &examples, 0, 0, "where solved examples come from", NULL},
        SAMPLER_FLAGS(&s, &seed),
        {"limit", FLAG_LONG, &limit, 0, 1e9, "ask at most this many (0: all)", NULL},
        {"show", FLAG_BOOL, &show, 0, 0, "print every wrong answer", NULL},
        {"quiet", FLAG_BOOL, &quiet, 0, 0, "no progress bar", NULL},
    };
    const CliCommand cmd = {.name = "llmlab eval-chat",
                            .usage =
                                "usage: llmlab eval-chat [--ckpt FILE] [--data FILE] [--shots K] [--temperature T]\n"
                                "Exact-match accuracy per task family, for seen and new phrasings.",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    Gpt m;
    Tokenizer tok;
    ChatTokens ct;
    char err[LLMLAB_ERR_SIZE];
    int tuned = cli_load_chat_model(ckpt, 0, &m, &tok, &ct);
    if (tuned < 0) return 1;
    plain |= !tuned; /* a base model knows no chat template */
    ChatSet set = {0}, ex = {0};
    if (chatset_load(&set, data, err, sizeof err) != 0 ||
        (plain && shots > 0 && chatset_load(&ex, examples, err, sizeof err) != 0)) {
        fprintf(stderr, "llmlab: %s\n", err);
        chatset_free(&set);
        gpt_free(&m), tokenizer_free(&tok);
        return 1;
    }
    if (set.n == 0) {
        fprintf(stderr,
                "llmlab eval-chat: %s holds no conversations, so there is nothing to score "
                "(write them with ./llmlab chatgen --split eval)\n",
                data);
        chatset_free(&set), chatset_free(&ex);
        gpt_free(&m), tokenizer_free(&tok);
        return 1;
    }
    ChatEvalOptions o = {.plain = plain,
                         .shots = shots,
                         .examples = &ex,
                         .seed = seed,
                         .limit = limit,
                         .sampler = s,
                         .show = show ? cli_text_out(stdout) : NULL, /* a terminal: controls as \xNN */
                         .quiet = quiet};
    ChatScore score;
    chat_eval(&m, &tok, &set, &o, &score);
    if (o.show) cli_text_out_close(o.show, stdout);
    char title[1200];
    if (plain)
        snprintf(title, sizeof title, "%s, plain text with up to %d solved examples, temperature %g:", ckpt, shots,
                 (double)s.temperature);
    else
        snprintf(title, sizeof title, "%s, chat template, temperature %g:", ckpt, (double)s.temperature);
    chat_score_print(stdout, &score, title);
    chatset_free(&set), chatset_free(&ex);
    gpt_free(&m), tokenizer_free(&tok);
    return 0;
}
