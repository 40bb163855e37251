/**
 * @file cli.h
 * @brief The flags every demo shares: `--quick`, `--runs DIR`, `--seed N`, `--resume`, `--help`.
 *
 * Each demo parses its command line with cli_parse_demo(); a wrong flag
 * prints the usage and exits with status 2 instead of being ignored.
 */
#ifndef LLMLAB_CLI_H
#define LLMLAB_CLI_H

#include <stdint.h>

typedef struct DemoArgs {
    int quick;          /**< --quick: a small, fast run (the test suite uses it) */
    const char *runs;   /**< --runs DIR: where run folders go (default "runs") */
    uint64_t seed;      /**< --seed N: the random seed (default: the demo's own) */
    int resume;         /**< --resume: continue a training run from its checkpoint */
} DemoArgs;

/**
 * Parse argv into @p args (which holds the defaults on entry). @p about is
 * one line saying what the demo does, printed by --help.
 */
void cli_parse_demo(int argc, char **argv, const char *about, DemoArgs *args);

#endif
