/* The subcommands of llmlab and the small helpers they share. */
#ifndef LLMLAB_COMMANDS_H
#define LLMLAB_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct Command {
    const char *name, *about;
    int (*run)(int argc, char **argv);      /* argv[0] is the command's name */
} Command;

int cmd_tokenizer(int argc, char **argv);

/** Exit status for a wrong flag or a missing argument (like most Unix tools). */
#define EXIT_USAGE 2

/** Read FILE, or standard input for "-" or NULL. Returns NULL (with a message printed) on failure. */
uint8_t *cli_read_input(const char *path, size_t *len);

/** Parse a whole decimal integer in [lo, hi]; prints "llmlab: FLAG wants ..." and returns -1 if it is not one. */
int cli_int(const char *flag, const char *s, long lo, long hi, long *out);

/** The byte offset of the first invalid UTF-8 sequence in s, or (size_t)-1 when it is all valid. */
size_t cli_first_invalid_utf8(const uint8_t *s, size_t n);

#endif
