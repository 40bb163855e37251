#include "todo.h"

#include <stdio.h>
#include <stdlib.h>

void llmlab_todo_at(const char *func, const char *file, int line) {
    fflush(stdout);
    fprintf(stderr, LLMLAB_TODO_MARKER "%s (%s:%d)\n", func, file, line);
    exit(LLMLAB_EXIT_TODO);
}
