/*
 * Week 3 demo: turn the Week 2 model into a chatbot and measure it.
 *
 *   1. the base model: runs/gpt/ckpt.bin (trained first if it is missing;
 *      --quick trains a toy one in runs/gpt-quick and tunes into runs/chat-quick);
 *   2. conversations with checkable answers: data/chat/train.txt, val.txt
 *      (held out, for the validation loss) and eval.txt (held out, scored);
 *   3. supervised fine-tuning into runs/chat (loss on the replies only);
 *   4. exact-match accuracy on held-out conversations: the base model with
 *      three solved examples, then the tuned model with the chat template;
 *   5. a short scripted conversation, and the loss curve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat_run.h"
#include "check.h"
#include "cli.h"
#include "plot.h"

static int exists(const char *path) { return access(path, R_OK) == 0; }

static void evaluate(const char *ckpt, const ChatSet *eval, const ChatSet *train, int plain, long limit,
                     const char *title) {
    Gpt m;
    Tokenizer tok;
    char err[LLMLAB_ERR_SIZE];
    if (gpt_load(ckpt, &m, &tok, 1, 1 << 30, err, sizeof err) != 0) LLMLAB_DIE("", "%s", err);
    ChatEvalOptions o = {.plain = plain,
                         .shots = 3,
                         .examples = train,
                         .limit = limit,
                         .seed = 1,
                         .sampler = {.temperature = 0.0f, .top_k = 0, .top_p = 1.0f}};
    ChatScore s;
    chat_eval(&m, &tok, eval, &o, &s);
    chat_score_print(stdout, &s, title);
    fflush(stdout);
    gpt_free(&m), tokenizer_free(&tok);
}

int main(int argc, char **argv) {
    DemoArgs args = {.runs = "runs", .seed = 1337};
    cli_parse_demo(argc, argv, "Week 3: fine-tune the Week 2 GPT into a chatbot and measure it", &args);
    char base[512], run[512], ckpt[600], train_path[600], val_path[600], eval_path[600], err[600];
    const char *suffix = args.quick ? "-quick" : "";
    XSNPRINTF(base, sizeof base, "%s/gpt%s/ckpt.bin", args.runs, suffix);
    XSNPRINTF(run, sizeof run, "%s/chat%s", args.runs, suffix);
    XSNPRINTF(ckpt, sizeof ckpt, "%s/ckpt.bin", run);
    char data[512];
    XSNPRINTF(data, sizeof data, "%s", args.quick ? run : "data/chat");
    XSNPRINTF(train_path, sizeof train_path, "%s/train.txt", data);
    XSNPRINTF(val_path, sizeof val_path, "%s/val.txt", data);
    XSNPRINTF(eval_path, sizeof eval_path, "%s/eval.txt", data);

    if (!exists(base) || args.quick) {
        if (args.quick)
            printf("== 1. a base model: a toy one, trained afresh into %s/gpt-quick (--quick)\n", args.runs);
        else
            printf("== 1. a base model: %s is missing, so the Week 2 model is trained first\n", base);
        fflush(stdout);
        GptRunOptions g;
        gpt_run_defaults(&g);
        char gpt_run[512];
        XSNPRINTF(gpt_run, sizeof gpt_run, "%s/gpt%s", args.runs, suffix);
        g.train.run_dir = gpt_run;
        g.train.seed = args.seed;
        g.train.force = 1; /* a demo starts afresh every time */
        g.train.max_steps = 1500;
        if (args.quick) {
            g.model = (GptConfig){.ctx = 64, .n_layer = 1, .n_head = 2, .n_embd = 32};
            g.train.batch = 4, g.train.max_steps = 6, g.train.warmup = 2, g.train.eval_every = 6;
            g.train.eval_batches = 1;
        }
        TrainResult r = gpt_run_train(&g);
        if (r.status != TRAIN_FINISHED) return 1;
    } else {
        printf("== 1. the base model: %s (the Week 2 demo's)\n", base);
    }
    /* Always written afresh: it takes half a second, and files from an
     * older version of the generator would quietly measure something else. */
    long n_train = args.quick ? 320 : 100000, n_eval = args.quick ? 80 : 1600;
    llmlab_mkdir_p(data);
    if (chatgen_write(train_path, n_train, CHATGEN_TRAIN, 1, err, sizeof err) != 0 ||
        chatgen_write(val_path, n_eval / 2, CHATGEN_EVAL, 3, err, sizeof err) != 0 ||
        chatgen_write(eval_path, n_eval, CHATGEN_EVAL, 2, err, sizeof err) != 0)
        LLMLAB_DIE("", "%s", err);
    printf("== 2. wrote %ld training conversations, %ld held-out ones for validation and %ld to score, in %s\n",
           n_train, n_eval / 2, n_eval, data);
    fflush(stdout);

    printf("== 3. fine-tuning (the loss counts the replies only)\n");
    fflush(stdout);
    ChatTuneOptions o;
    chat_tune_defaults(&o);
    o.base = base, o.train_data = train_path, o.eval_data = val_path;
    o.train.run_dir = run, o.train.seed = args.seed, o.train.resume = args.resume;
    o.train.force = 1; /* a demo starts afresh every time, unless --resume */
    if (args.quick)
        o.train.max_steps = 8, o.train.batch = 4, o.train.warmup = 2, o.train.eval_every = 4, o.train.eval_batches = 1;
    TrainResult r = chat_tune(&o);
    char val[100];
    printf("step %ld: train loss %.3f, %s, %.0f s\n", r.steps, r.train_loss,
           train_val_loss_text(&r, 3, val, sizeof val), r.seconds);
    if (r.status == TRAIN_DIVERGED || r.status == TRAIN_FAILED) return 1;

    printf("== 4. exact-match accuracy on held-out conversations (greedy)\n");
    ChatSet train, eval;
    if (chatset_load(&train, train_path, err, sizeof err) != 0 || chatset_load(&eval, eval_path, err, sizeof err) != 0)
        LLMLAB_DIE("", "%s", err);
    long limit = args.quick ? 16 : 0;
    evaluate(base, &eval, &train, 1, limit, "the base model, plain text with up to 3 solved examples:");
    evaluate(ckpt, &eval, &train, 0, limit, "the tuned model, chat template, no examples:");
    chatset_free(&train), chatset_free(&eval);

    printf("\n== 5. a conversation with the tuned model\n");
    ChatBot b;
    if (chatbot_load(&b, ckpt, args.seed, err, sizeof err) != 0) LLMLAB_DIE("", "%s", err);
    chat_set_system(&b.chat, "Be brief.");
    const char *script[] = {"What is 12 plus 23?", "And double it.", "Reverse these words: apple river stone",
                            "Spell the word: house", "Hello, who are you?"};
    printf("system: Be brief.\n");
    for (int i = 0; i < 5; i++) {
        printf("you> %s\nbot>", script[i]);
        fflush(stdout);
        chatbot_reply(&b, script[i], stdout, NULL);
        printf("\n");
    }
    chatbot_free(&b);

    printf("\nloss curve (make plot RUN=%s):\n", run);
    PlotLossOptions plot = {.terminal = 1, .ansi = isatty(STDOUT_FILENO)};
    if (!args.quick && plot_loss(run, &plot, err, sizeof err) != 0)
        fprintf(stderr, "could not draw the loss curve: %s\n", err);
    else if (!args.quick)
        printf("plot: wrote %s/loss.png\n", run);
    printf("talk to it: ./llmlab chat --ckpt %s\n", ckpt);
    return 0;
}
