/*
 * llmlab chat: talk to a fine-tuned GPT. Each line is a message, or one of
 * the commands below; replies stream as they are sampled. With --once the
 * whole of standard input is one message, for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat_run.h"
#include "check.h"
#include "commands.h"
#include "utf8.h"

static const char help_text[] = "commands:\n"
                                "  /reset          forget the conversation (the system prompt stays)\n"
                                "  /system TEXT    set the system prompt (/system alone removes it)\n"
                                "  /temp T         temperature (0 = greedy)\n"
                                "  /topk K         keep the K most likely tokens (0 = all)\n"
                                "  /topp P         keep the most likely tokens up to mass P (1 = all)\n"
                                "  /history        show the conversation so far\n"
                                "  /help           this list\n"
                                "  /quit           leave (or Ctrl-D)\n";

/* Parse a number for a command; prints why not and returns -1 when it is not one in [lo, hi]. */
static int number(const char *what, const char *s, double lo, double hi, double *out) {
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || *end != '\0' || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s wants a number from %g to %g, got '%s'\n", what, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* A line that starts with '/': returns 1 to quit, else 0. */
static int command(ChatBot *b, char *line) {
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    else
        arg = line + strlen(line);
    while (*arg == ' ') arg++;
    double v;
    if (strcmp(line, "/quit") == 0 || strcmp(line, "/exit") == 0) return 1;
    if (strcmp(line, "/help") == 0) {
        fputs(help_text, stdout);
    } else if (strcmp(line, "/reset") == 0) {
        int sys = b->chat.n > 0 && b->chat.turns[0].role == CHAT_SYSTEM;
        chat_pop(&b->chat, b->chat.n - sys);
        printf("(conversation cleared)\n");
    } else if (strcmp(line, "/system") == 0) {
        chat_set_system(&b->chat, arg);
        printf(*arg ? "(system prompt set)\n" : "(system prompt removed)\n");
    } else if (strcmp(line, "/temp") == 0) {
        if (number("/temp", arg, 0, 100, &v) == 0) b->sampler.temperature = (float)v, printf("(temperature %g)\n", v);
    } else if (strcmp(line, "/topk") == 0) {
        if (number("/topk", arg, 0, 1e6, &v) == 0) b->sampler.top_k = (int)v, printf("(top-k %d)\n", (int)v);
    } else if (strcmp(line, "/topp") == 0) {
        if (number("/topp", arg, 1e-6, 1, &v) == 0) b->sampler.top_p = (float)v, printf("(top-p %g)\n", v);
    } else if (strcmp(line, "/history") == 0) {
        if (b->chat.n == 0) printf("(no turns yet)\n");
        FILE *out = cli_text_out(stdout); /* the replies are the model's text */
        for (int i = 0; i < b->chat.n; i++)
            fprintf(out, "%s: %s\n", chat_role_name(b->chat.turns[i].role), b->chat.turns[i].text);
        cli_text_out_close(out, stdout);
    } else {
        fprintf(stderr, "unknown command %s (/help lists them)\n", line);
    }
    return 0;
}

/* The tokens @p text takes as a user turn of the template (its marker, the text, the end marker). */
static int turn_tokens(ChatBot *b, const char *text) {
    Chat one;
    chat_init(&one);
    chat_add(&one, CHAT_USER, text);
    int cap = 3 + (int)strlen(text) + 1; /* at most a token per byte, and the markers */
    int32_t *ids = XMALLOC((size_t)cap * sizeof *ids);
    int n = chat_encode(&b->tok, &b->ct, &one, 0, ids, cap, NULL);
    free(ids);
    chat_free(&one);
    return n;
}

/* On a terminal the reply streams as it is sampled (after "bot>", its
 * leading space is the template's); otherwise it is printed whole, so a
 * script reads exactly the reply. */
static void reply(ChatBot *b, const char *text, int tty) {
    int dropped = 0;
    /* chat_prompt keeps only the end of a message that alone does not fit (with room for the reply) */
    int need = turn_tokens(b, text), room = b->m.cfg.ctx - b->max_reply - 1;
    FILE *out = cli_text_out(stdout); /* a terminal: control characters shown as \xNN */
    if (tty) {
        fputs("bot>", out);
        fflush(out);
        chatbot_reply(b, text, out, &dropped);
    } else {
        fputs(chatbot_reply(b, text, NULL, &dropped), out);
    }
    fputc('\n', out);
    cli_text_out_close(out, stdout);
    if (need > room)
        fprintf(stderr,
                "(your message is %d tokens; only its last %d fit the context of %d tokens with room for "
                "a reply of %d, so its start was cut)\n",
                need, room, b->m.cfg.ctx, b->max_reply);
    if (dropped > 0)
        fprintf(stderr, "(the %d oldest turn%s no longer fit the context of %d tokens)\n", dropped,
                dropped == 1 ? "" : "s", b->m.cfg.ctx);
}

int cmd_chat(int argc, char **argv) {
    const char *ckpt = "runs/chat/ckpt.bin", *system_prompt = NULL;
    int once = 0, max_reply = 0;
    SamplerConfig s = {.temperature = 0.0f, .top_k = 0, .top_p = 1.0f};
    uint64_t seed = 1337;
    const Flag flags[] = {
        {"ckpt", FLAG_STRING, &ckpt, 0, 0, "a fine-tuned checkpoint (llmlab tune)", NULL},
        {"system", FLAG_STRING, &system_prompt, 0, 0, "a system prompt to start with", NULL},
        SAMPLER_FLAGS(&s, &seed),
        {"max-reply", FLAG_INT, &max_reply, 0, 4096, "the most tokens in a reply (0: a third of the context)", NULL},
        {"once", FLAG_BOOL, &once, 0, 0, "read one message from standard input, reply, and exit", NULL},
    };
    const CliCommand cmd = {.name = "llmlab chat",
                            .usage = "usage: llmlab chat [--ckpt FILE] [--system TEXT] [--temperature T] [--once]\n"
                                     "Talk to a fine-tuned GPT; type /help in the chat for its commands.",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    if (system_prompt && !utf8_valid((const uint8_t *)system_prompt, strlen(system_prompt))) {
        fprintf(stderr, "llmlab chat: the system prompt is not valid UTF-8\n");
        return 1;
    }
    ChatBot b;
    if (cli_load_chat_model(ckpt, 1, &b.m, &b.tok, &b.ct) != 1) return 1;
    chatbot_init(&b, seed);
    b.sampler = s;
    if (max_reply > 0) b.max_reply = max_reply < b.m.cfg.ctx - 2 ? max_reply : b.m.cfg.ctx - 2;
    if (system_prompt) chat_set_system(&b.chat, system_prompt);
    rc = 0;
    if (once) {
        size_t len;
        uint8_t *text = cli_read_input("-", &len);
        while (text && len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
        if (!text) {
            rc = 1;
        } else if (len == 0 || memchr(text, '\0', len)) {
            fprintf(stderr, "llmlab chat: %s\n", len ? "the message contains a NUL byte" : "the message is empty");
            rc = 1;
        } else if (!utf8_valid(text, len)) {
            fprintf(stderr, "llmlab chat: the message is not valid UTF-8\n");
            rc = 1;
        } else {
            reply(&b, (const char *)text, 0);
        }
        free(text);
        chatbot_free(&b);
        return rc;
    }
    int tty = isatty(0);
    if (tty)
        printf("llmlab chat with %s (context %d tokens). /help for commands, Ctrl-D to leave.\n", ckpt, b.m.cfg.ctx);
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (tty) {
            fputs("you> ", stdout);
            fflush(stdout);
        }
        ssize_t got = getline(&line, &cap, stdin);
        if (got < 0) break;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        if (got == 0) continue;
        if ((size_t)got != strlen(line) || !utf8_valid((const uint8_t *)line, (size_t)got)) {
            fprintf(stderr, "(that line is not valid UTF-8 text; it was ignored)\n");
            continue;
        }
        if (line[0] == '/') {
            if (command(&b, line)) break;
            continue;
        }
        reply(&b, line, tty);
        if (ferror(stdout)) break; /* main() says why */
    }
    if (tty) putchar('\n');
    free(line);
    chatbot_free(&b);
    return 0;
}
