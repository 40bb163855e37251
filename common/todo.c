#include "todo.h"

#include <stdio.h>
#include <stdlib.h>

void llmlab_todo_at(const char *func, const char *file, int line) {
    fflush(stdout);
    fprintf(stderr, LLMLAB_TODO_MARKER "%s (%s:%d)\n", func, file, line);
    /* the grader, running a demo whose output goes to the terminal, learns
     * from this file which lesson's function stopped it */
    const char *report = getenv("LLMLAB_TODO_REPORT");
    FILE *f = report && *report ? fopen(report, "w") : NULL;
    if (f) {
        fprintf(f, "%s %s:%d\n", func, file, line);
        fclose(f);
    }
    exit(LLMLAB_EXIT_TODO);
}
