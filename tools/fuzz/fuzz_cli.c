/*
 * Fuzz target for the command-line options of `llmlab train`-style commands
 * (cli_parse_flags in tools/llmlab/util.c, compiled in here): the input,
 * split at NUL bytes, is an argv. Any argv either parses, with every number
 * inside its range, or is refused with EXIT_USAGE; never a crash. (`--help`
 * prints and exits by design, so inputs that ask for it are skipped.)
 */
#include <stdlib.h>
#include <string.h>

#include "../llmlab/util.c"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096)
        return 0;
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
    float lr = 1e-3f;
    const char *data_name = "fortunes";
    const Flag flags[] = {
        {"layers", FLAG_INT, &layers, 1, 64, "layers"},   {"steps", FLAG_LONG, &steps, 1, 1e9, "steps"},
        {"lr", FLAG_FLOAT, &lr, 1e-7, 10, "lr"},          {"data", FLAG_STRING, &data_name, 0, 0, "data"},
        {"quiet", FLAG_BOOL, &quiet, 0, 0, "quiet"},
    };
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");                   /* the messages are not the point here */
    int rc = cli_parse_flags(argc, argv, flags, 5, "usage");
    fclose(stderr);
    stderr = saved;
    if (rc == 0 && (layers < 1 || layers > 64 || steps < 1 || steps > 1000000000L || !(lr >= 1e-7f && lr <= 10) ||
                    !data_name || (quiet != 0 && quiet != 1)))
        abort();                                        /* accepted a value outside its range */
    if (rc != 0 && rc != EXIT_USAGE)
        abort();
    free(buf);
    return 0;
}
