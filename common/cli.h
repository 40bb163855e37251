/**
 * @file cli.h
 * @brief The course's one command-line parser: a table of flags, read by
 * every `llmlab` command and every demo.
 *
 * A program lists its flags in a table; each entry names the flag, its type,
 * the variable that holds its default (and receives its value), the range a
 * number must fall in, and one line of help. cli_parse() reads argv against
 * the table; `--help` prints the usage line and then every flag with its
 * default, straight from the table, so the help cannot go stale.
 *
 * @code
 * int layers = 4;
 * uint64_t seed = 1337;
 * const Flag flags[] = {
 *     {"layers", FLAG_INT, &layers, 1, 64, "transformer blocks"},
 *     {"seed", FLAG_U64, &seed, 0, 9e18, "random seed"},
 * };
 * CliCommand cmd = {"llmlab train", "usage: llmlab train [--layers N] ...", flags, CLI_COUNT(flags)};
 * int rc = cli_parse(&cmd, argc, argv);      // 0, or CLI_EXIT_USAGE after a message
 * @endcode
 *
 * A wrong flag, a missing value or a number out of its range prints one line
 * naming the program and the flag ("llmlab train: --steps wants a whole
 * number from 1 to 1000000000, got '0'") and makes cli_parse() return
 * #CLI_EXIT_USAGE; the program exits with it.
 */
#ifndef LLMLAB_CLI_H
#define LLMLAB_CLI_H

#include <stdint.h>
#include <stdio.h>

/** Exit status for a wrong flag or a missing argument (like most Unix tools). */
#define CLI_EXIT_USAGE 2

/** The number of entries of a flag table (an array, not a pointer). */
#define CLI_COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))

/** What a flag's value is, and so what its `value` pointer points to. */
typedef enum FlagType {
    FLAG_BOOL,   /**< `--name` alone sets an int to 1 */
    FLAG_INT,    /**< int, a whole number in [lo, hi] */
    FLAG_LONG,   /**< long, a whole number in [lo, hi] */
    FLAG_U64,    /**< uint64_t, a whole number in [lo, hi] (seeds; hi up to 2^64 - 1) */
    FLAG_FLOAT,  /**< float, a number in [lo, hi] */
    FLAG_STRING, /**< const char *, any text (the last one given wins) */
    FLAG_LIST,   /**< CliList: a flag that may be given several times, each value kept */
} FlagType;

/** The values of a FLAG_LIST flag, in the order given. */
typedef struct CliList {
    const char **items; /**< room for @p max values */
    int n, max;
} CliList;

/** One flag: `--name VALUE`, or `--name` alone for FLAG_BOOL. */
typedef struct Flag {
    const char *name; /**< without the dashes */
    FlagType type;
    void *value;       /**< holds the default on entry (see FlagType for its type) */
    double lo, hi;     /**< the range of a number (ignored for the other types) */
    const char *help;  /**< one line for --help */
    const char *alias; /**< a short form such as "-t", or NULL */
} Flag;

/** A command line: who parses it, its usage text and its flags. */
typedef struct CliCommand {
    const char *name;  /**< starts every message: "llmlab train", or a demo's argv[0] */
    const char *usage; /**< --help prints it (a line or a few), then the flags */
    const Flag *flags;
    int n_flags;
    /**
     * Plain arguments (`llmlab collect DIR...`): when @p args is not NULL,
     * anything that is not a flag (does not start with '-', or is "-" alone)
     * goes there, in order, wherever it stands among the flags; at most
     * @p max_args, their number in *@p n_args. NULL: every argument must be a flag.
     */
    char **args;
    int max_args;
    int *n_args;
} CliCommand;

/**
 * Parse argv[1..argc-1] against @p c's table, storing each value where its
 * flag points. `--help` or `-h` prints the help on stdout and exits with
 * status 0. Returns 0, or #CLI_EXIT_USAGE after one line on stderr.
 */
int cli_parse(const CliCommand *c, int argc, char **argv);

/** Print @p c's usage text and one line per flag with its default. */
void cli_print_help(const CliCommand *c, FILE *out);

/** The flags every demo shares: `--quick`, `--runs DIR`, `--seed N`, `--resume`. */
typedef struct DemoArgs {
    int quick;        /**< --quick: a small, fast run (the test suite uses it) */
    const char *runs; /**< --runs DIR: where run folders go (default "runs") */
    uint64_t seed;    /**< --seed N: the random seed (default: the demo's own) */
    int resume;       /**< --resume: continue a training run from its checkpoint */
} DemoArgs;

/**
 * Parse a demo's argv into @p args (which holds the defaults on entry)
 * through cli_parse(). @p about is one line saying what the demo does,
 * printed by --help. A wrong flag exits with status 2.
 */
void cli_parse_demo(int argc, char **argv, const char *about, DemoArgs *args);

#endif
