/* Without libFuzzer: run a fuzz target once on every file named on the command line. */
#include <stdio.h>

#include "fuzz.h"

int main(int argc, char **argv) {
    static uint8_t buf[1 << 22];
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("replayed %d input(s)\n", argc - 1);
    return 0;
}
