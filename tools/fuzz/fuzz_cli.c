/*
 * Fuzz target for the command-line parser of llmlab and the demos
 * (cli_parse in common/cli.c): the input, split at NUL bytes, is an argv.
 * Any argv either parses, with every number inside its range and every
 * plain argument and repeated value within its room, or is refused with
 * CLI_EXIT_USAGE; never a crash. (`--help` prints and exits by design, so
 * inputs that ask for it are skipped.)
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64] = {"train"};
    int argc = 1;
    for (size_t i = 0; i <= size && argc < 64;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            free(buf);
            return 0;
        }
    int layers = 4, quiet = 0;
    long steps = 10;
    uint64_t seed = 7;
    float lr = 1e-3f;
    const char *data_name = "fortunes", *items[3];
    CliList special = {items, 0, 3};
    char *args[2];
    int n_args = -1;
    const Flag flags[] = {
        {"layers", FLAG_INT, &layers, 1, 64, "layers", NULL},    {"steps", FLAG_LONG, &steps, 1, 1e9, "steps", NULL},
        {"lr", FLAG_FLOAT, &lr, 1e-7, 10, "lr", NULL},           {"data", FLAG_STRING, &data_name, 0, 0, "data", "-d"},
        {"quiet", FLAG_BOOL, &quiet, 0, 0, "quiet", NULL},       {"seed", FLAG_U64, &seed, 0, 9e18, "seed", NULL},
        {"special", FLAG_LIST, &special, 0, 0, "special", NULL},
    };
    /* odd inputs use plain arguments too (llmlab collect DIR...) */
    int with_args = size % 2 == 1;
    const CliCommand cmd = {.name = "fuzz",
                            .usage = "usage",
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags),
                            .args = with_args ? args : NULL,
                            .max_args = 2,
                            .n_args = with_args ? &n_args : NULL};
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w"); /* the messages are not the point here */
    int rc = cli_parse(&cmd, argc, argv);
    fclose(stderr);
    stderr = saved;
    if (rc == 0 && (layers < 1 || layers > 64 || steps < 1 || steps > 1000000000L || !(lr >= 1e-7f && lr <= 10) ||
                    !data_name || (quiet != 0 && quiet != 1) || seed > 9000000000000000000ull || special.n < 0 ||
                    special.n > 3 || (with_args && (n_args < 0 || n_args > 2))))
        abort(); /* accepted a value outside its range */
    if (rc != 0 && rc != CLI_EXIT_USAGE) abort();
    free(buf);
    return 0;
}
