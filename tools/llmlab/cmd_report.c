/*
 * llmlab report: measure the three models of Week 4 in bits per byte on the
 * domain's test text and on general text, and write a Markdown report with
 * charts (runs/domain/report.md).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "domain.h"
#include "utf8.h"

int cmd_report(int argc, char **argv) {
    ReportOptions o = {
        .models = {{"general", "runs/gpt/ckpt.bin", "runs/gpt"},
                   {"fine-tuned", "runs/domain-tuned/ckpt.bin", "runs/domain-tuned"},
                   {"from scratch", "runs/domain-scratch/ckpt.bin", "runs/domain-scratch"}},
        .n_models = 3,
        .domain_test = "data/domain/test.txt",
        .general_text = "data/fortunes/val.txt",
        .out_dir = "runs/domain",
    };
    const char *prompts = NULL; /* none: the domain's own (report_write) */
    int max_kb = 256;
    const Flag flags[] = {
        {"general", FLAG_STRING, &o.models[0].ckpt, 0, 0, "the general model (Week 2)", NULL},
        {"tuned", FLAG_STRING, &o.models[1].ckpt, 0, 0, "the general model fine-tuned on the domain", NULL},
        {"scratch", FLAG_STRING, &o.models[2].ckpt, 0, 0, "the model trained on the domain from scratch", NULL},
        {"domain-test", FLAG_STRING, &o.domain_test, 0, 0, "held-out domain text (llmlab collect's test split)", NULL},
        {"general-text", FLAG_STRING, &o.general_text, 0, 0, "general text, to see what fine-tuning forgot", NULL},
        {"max-kb", FLAG_INT, &max_kb, 1, 1 << 20, "measure on at most this many KiB of each text", NULL},
        {"stride", FLAG_INT, &o.stride, 0, 1 << 20, "step of the evaluation window (0: half the context)", NULL},
        {"prompts", FLAG_STRING, &prompts, 0, 0,
         "up to 4 prompts for samples, separated by | (unset: the domain's own, from prompts.txt beside --domain-test)",
         NULL},
        {"out", FLAG_STRING, &o.out_dir, 0, 0, "folder for report.md, bpb.png and loss.png", NULL},
    };
    const CliCommand cmd = {.name = "llmlab report",
                            .usage =
                                "usage: llmlab report [--general CKPT] [--tuned CKPT] [--scratch CKPT] [--out DIR]\n"
                                "Compare a general, a fine-tuned and a from-scratch model on a domain (Week 4).",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    for (int i = 0; i < 3; i++) { /* a model's run folder is its checkpoint's folder */
        static char dirs[3][1024];
        snprintf(dirs[i], sizeof dirs[i], "%s", o.models[i].ckpt);
        char *slash = strrchr(dirs[i], '/');
        if (slash) *slash = '\0';
        o.models[i].run_dir = slash ? dirs[i] : ".";
    }
    static char prompt_buf[1024];
    snprintf(prompt_buf, sizeof prompt_buf, "%s", prompts ? prompts : "");
    int n = 0;
    for (char *p = prompt_buf, *bar; p && n < 4; p = bar ? bar + 1 : NULL) {
        bar = strchr(p, '|');
        if (bar) *bar = '\0';
        if (*p) o.prompts[n++] = p;
    }
    o.max_bytes = (size_t)max_kb * 1024;
    if (prompts && !utf8_valid((const uint8_t *)prompts, strlen(prompts))) {
        fprintf(stderr, "llmlab report: --prompts is not valid UTF-8\n");
        return 1;
    }
    return report_write(&o) == 0 ? 0 : 1;
}
