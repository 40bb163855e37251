/* The subcommands of llmlab and the small helpers they share. */
#ifndef LLMLAB_COMMANDS_H
#define LLMLAB_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct Command {
    const char *name, *about;
    int (*run)(int argc, char **argv);      /* argv[0] is the command's name */
} Command;

int cmd_plot(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_chatgen(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_eval_chat(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_report(int argc, char **argv);

/** Exit status for a wrong flag or a missing argument (like most Unix tools). */
#define EXIT_USAGE 2

/** Read FILE, or standard input for "-" or NULL. Returns NULL (with a message printed) on failure. */
uint8_t *cli_read_input(const char *path, size_t *len);

/** Parse a whole decimal integer in [lo, hi]; prints "llmlab: FLAG wants ..." and returns -1 if it is not one. */
int cli_int(const char *flag, const char *s, long lo, long hi, long *out);

/** A flag of a table-driven command line: --name VALUE (or --name alone for FLAG_BOOL). */
typedef enum FlagType { FLAG_INT, FLAG_LONG, FLAG_FLOAT, FLAG_STRING, FLAG_BOOL } FlagType;
typedef struct Flag {
    const char *name;       /**< without the dashes */
    FlagType type;
    void *value;            /**< int*, long*, float*, const char**, int* (bool); holds the default */
    double lo, hi;          /**< the allowed range of a number */
    const char *help;
} Flag;

/**
 * Parse argv[1..] against @p flags; `--help` prints @p usage, then every flag
 * with its default, and exits 0. Returns 0, or EXIT_USAGE after a message.
 */
int cli_parse_flags(int argc, char **argv, const Flag *flags, int n_flags, const char *usage);

/**
 * cli_parse_flags() for a command that also takes arguments (`llmlab collect DIR...`):
 * anything that does not start with '-' goes to @p args (at most @p max_args;
 * their number in @p n_args), in order, wherever it stands among the flags.
 */
int cli_parse_args(int argc, char **argv, const Flag *flags, int n_flags, const char *usage, char **args,
                   int max_args, int *n_args);

#endif
