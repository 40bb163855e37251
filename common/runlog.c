#include "runlog.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "check.h"

static int count_columns(const char *header) {
    int n = 1;
    for (const char *p = header; *p; p++) n += (*p == ',');
    return n;
}

void runlog_open(RunLog *log, const char *run_dir, const char *columns, int append) {
    LLMLAB_CHECK(columns != NULL && columns[0] != '\0', "name the columns, e.g. \"step,loss\"",
                 "runlog_open: empty header");
    llmlab_mkdir_p(run_dir);
    XSNPRINTF(log->path, sizeof log->path, "%s/log.csv", run_dir);
    log->ncols = count_columns(columns);
    if (append) {
        FILE *old = fopen(log->path, "r");
        if (old != NULL) {
            char line[1024] = "";
            int ok = fgets(line, sizeof line, old) != NULL;
            fclose(old);
            line[strcspn(line, "\r\n")] = '\0';
            LLMLAB_CHECK(ok && strcmp(line, columns) == 0,
                         "resume into a run of the same kind, or start a new run directory",
                         "%s has header \"%s\", this run writes \"%s\"", log->path, line, columns);
            log->file = XFOPEN(log->path, "a", NULL);
            return;
        }
    }
    /* A new log replaces an old one whole: its header goes to a temporary file of its own, renamed
     * over log.csv, so no run ever sees an empty or half-written header; the rows are appended. */
    char tmp[LLMLAB_TMP_SIZE], err[LLMLAB_ERR_SIZE];
    FILE *f = llmlab_open_temp(log->path, tmp, sizeof tmp, err, sizeof err);
    if (!f || llmlab_commit_file(f, fprintf(f, "%s\n", columns) > 0, tmp, log->path, err, sizeof err) != 0)
        LLMLAB_DIE("check that the run directory is writable (and the disk not full)", "%s", err);
    log->file = XFOPEN(log->path, "a", "check that the run directory is writable");
}

void runlog_row(RunLog *log, const double *values) {
    for (int i = 0; i < log->ncols; i++) {
        if (i > 0) fputc(',', log->file);
        double v = values[i];
        if (isnan(v))
            fputs("nan", log->file);
        else if (v == floor(v) && fabs(v) < 1e15)
            fprintf(log->file, "%.0f", v); /* steps and counts stay integers */
        else
            fprintf(log->file, "%.9g", v);
    }
    fputc('\n', log->file);
    LLMLAB_CHECK(fflush(log->file) == 0, "is the disk full?", "could not write to %s: %s", log->path, strerror(errno));
}

void runlog_close(RunLog *log) {
    if (log->file == NULL) return;
    XFCLOSE(log->file, log->path);
    log->file = NULL;
}
