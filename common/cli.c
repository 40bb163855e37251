#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out, const char *prog, const char *about) {
    fprintf(out,
            "%s\n\n"
            "usage: %s [--quick] [--runs DIR] [--seed N] [--resume]\n"
            "  --quick      a small, fast run\n"
            "  --runs DIR   where to write run folders (default: runs)\n"
            "  --seed N     random seed: the same seed gives the same run\n"
            "  --resume     continue a training run from its last checkpoint\n",
            about, prog);
}

void cli_parse_demo(int argc, char **argv, const char *about, DemoArgs *args) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0) {
            args->quick = 1;
        } else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
            args->runs = argv[++i];
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || argv[i][0] == '-') {
                fprintf(stderr, "error: --seed wants a non-negative whole number, got '%s'\n", argv[i]);
                exit(2);
            }
            args->seed = v;
        } else if (strcmp(a, "--resume") == 0) {
            args->resume = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, argv[0], about);
            exit(0);
        } else {
            fprintf(stderr, "error: unknown or incomplete option '%s'\n\n", a);
            usage(stderr, argv[0], about);
            exit(2);
        }
    }
}
