/*
 * llmlab plot RUN: the loss curves of a run (`make plot RUN=runs/NAME`), drawn by
 * common/plot.h into RUN/loss.png and as a text plot in the terminal.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "plot.h"

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "runs/a/ runs/b/": the run folders so far, for the usage line. */
static void print_runs(FILE *out) {
    DIR *d = opendir("runs");
    char *names[256];
    int n = 0;
    for (struct dirent *e; d && n < 256 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[600];
        snprintf(path, sizeof path, "runs/%s", e->d_name);
        DIR *sub = opendir(path); /* folders only */
        if (sub && (names[n] = strdup(e->d_name)) != NULL) n++;
        if (sub) closedir(sub);
    }
    if (d) closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        fprintf(out, "runs/%s/ ", names[i]);
        free(names[i]);
    }
}

int cmd_plot(int argc, char **argv) {
    int logy = 0;
    const Flag flags[] = {
        {"logy", FLAG_BOOL, &logy, 0, 0, "a logarithmic loss axis (make plot ... LOGY=1)", NULL},
    };
    char *run[1];
    int n_run;
    const CliCommand cmd = {.name = "llmlab plot",
                            .usage =
                                "usage: llmlab plot RUN [--logy]   (make plot RUN=runs/NAME)\n"
                                "draws RUN/loss.png: every column of RUN/log.csv whose name ends in 'loss', against "
                                "the step; and the same in the terminal",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags),
                            .args = run,
                            .max_args = 1,
                            .n_args = &n_run};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc != 0) return rc;
    if (n_run == 0 || run[0][0] == '\0') { /* make plot without RUN= passes "" */
        fprintf(stderr, "usage: make plot RUN=runs/NAME   (runs so far: ");
        print_runs(stderr);
        fprintf(stderr, ")\n");
        return CLI_EXIT_USAGE;
    }
    PlotLossOptions o = {.logy = logy, .terminal = 1, .ansi = isatty(STDOUT_FILENO)};
    char err[1200];
    if (plot_loss(run[0], &o, err, sizeof err) != 0) {
        fprintf(stderr, "plot: %s\n", err);
        return 1;
    }
    printf("plot: wrote %s/loss.png\n", run[0]);
    return 0;
}
