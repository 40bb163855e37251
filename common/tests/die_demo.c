/* A tiny program that fails the way a learner's program would, so a test can
 * read the error message it prints (see test_common.c, check/fopen_message). */
#include "check.h"

int main(void) {
    XFOPEN("/nonexistent/x.bin", "rb", "run `make data` first");
    return 0;
}
