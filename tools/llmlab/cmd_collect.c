/*
 * llmlab collect DIR...: Week 4's corpus of a domain, from folders of text files.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "collect.h"
#include "commands.h"

#define MAX_DIRS 64
#define MAX_EXTS 32

/* Split "c,.h, md" into ".c", ".h", ".md" (a dot is added where missing). "*" means any text file. */
static int parse_exts(const char *list, char store[MAX_EXTS][32], const char *exts[MAX_EXTS], int *n) {
    *n = 0;
    if (strcmp(list, "*") == 0) return 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        p += len + (p[len] == ',');
        while (len > 0 && *item == ' ') item++, len--;
        while (len > 0 && item[len - 1] == ' ') len--;
        if (len == 0) continue;
        int dot = item[0] != '.';
        if (*n == MAX_EXTS || len + (size_t)dot >= sizeof store[0]) {
            fprintf(stderr, "llmlab collect: --ext takes at most %d endings of up to 30 characters\n", MAX_EXTS);
            return -1;
        }
        snprintf(store[*n], sizeof store[0], "%s%.*s", dot ? "." : "", (int)len, item);
        exts[*n] = store[*n];
        (*n)++;
    }
    if (*n == 0) {
        fprintf(stderr, "llmlab collect: --ext wants endings such as .c,.h (or '*' for any text file), got '%s'\n",
                list);
        return -1;
    }
    return 0;
}

/* Tokenizers (.bpe) and token files (.tok) that corpus_open() made from an earlier corpus in
 * @p out: it reuses them as long as the tokenizer matches, even though the text changed. */
static int stale_files(const char *out) {
    DIR *d = opendir(out);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        n += len > 4 && (!strcmp(e->d_name + len - 4, ".bpe") || !strcmp(e->d_name + len - 4, ".tok"));
    }
    if (d) closedir(d);
    return n;
}

int cmd_collect(int argc, char **argv) {
    const char *out = "data/domain", *ext = NULL;
    int max_file_kb = 1024, max_total_mb = 64, val = 10, test = 10;
    const Flag flags[] = {
        {"out", FLAG_STRING, &out, 0, 0, "folder for train.txt, val.txt, test.txt, manifest.tsv, summary.txt", NULL},
        {"ext", FLAG_STRING, &ext, 0, 0,
         "endings to keep: .c,.h,.md ('*': any text; unset: .c,.h without DIR, any text with DIRs)", NULL},
        {"max-file-kb", FLAG_INT, &max_file_kb, 1, 1 << 20, "skip files larger than this many KiB", NULL},
        {"max-total-mb", FLAG_INT, &max_total_mb, 1, 1 << 20, "keep at most this many MiB of text in all", NULL},
        {"val-percent", FLAG_INT, &val, 0, 100, "share of the files for validation", NULL},
        {"test-percent", FLAG_INT, &test, 0, 100, "share of the files for the test split", NULL},
    };
    char *dirs[MAX_DIRS];
    int n_dirs = 0;
    const CliCommand cmd = {.name = "llmlab collect",
                            .usage =
                                "usage: llmlab collect [--out DIR] [--ext LIST] ... [DIR...]\n"
                                "Gather the text files under DIR... (default: /usr/include, C sources and headers)\n"
                                "into train/val/test files that `llmlab train --data NAME` reads from data/NAME.\n"
                                "Skips binaries, duplicates, empty and huge files, and files that look like secrets\n"
                                "(.env, private keys, tokens), and says why in the summary.",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags),
                            .args = dirs,
                            .max_args = MAX_DIRS,
                            .n_args = &n_dirs};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    if (val + test > 100) {
        fprintf(stderr, "llmlab collect: --val-percent %d and --test-percent %d add up to more than 100\n", val, test);
        return CLI_EXIT_USAGE;
    }
    if (n_dirs == 0) {
        dirs[n_dirs++] = "/usr/include";
        if (!ext) ext = ".c,.h";
    }
    char store[MAX_EXTS][32];
    const char *exts[MAX_EXTS];
    CollectOptions o;
    collect_defaults(&o);
    if (ext && parse_exts(ext, store, exts, &o.n_exts) != 0) return CLI_EXIT_USAGE;
    o.exts = exts;
    o.max_file_bytes = (size_t)max_file_kb << 10;
    o.max_total_bytes = (size_t)max_total_mb << 20;
    o.val_percent = val, o.test_percent = test;

    CollectStats st;
    char err[600];
    rc = collect_run((const char *const *)dirs, n_dirs, out, &o, &st, err, sizeof err);
    long seen = st.files[0] + st.files[1] + st.files[2];
    for (int r = 0; r < SKIP_COUNT; r++) seen += st.skipped[r];
    if (seen > 0) /* even when nothing was kept: say why */
        collect_print_summary(stdout, &st);
    if (rc != 0) {
        fflush(stdout);
        fprintf(stderr, "llmlab collect: %s\n", err);
        return 1;
    }
    printf("wrote %s/: train.txt, val.txt, test.txt, manifest.tsv, summary.txt, prompts.txt\n", out);
    if (stale_files(out))
        printf("note: %s holds tokenizers or token files of an earlier corpus; delete them (rm %s/*.bpe %s/*.tok)\n"
               "      or training reuses them with the old text\n",
               out, out, out);
    const char *name = strncmp(out, "data/", 5) == 0 ? out + 5 : NULL;
    if (name && *name && !strchr(name, '/')) printf("train on it: ./llmlab train --data %s\n", name);
    return 0;
}
