/**
 * @file runlog.h
 * @brief The CSV log every training run writes: `runs/NAME/log.csv`.
 *
 * One row per logged step, one column per quantity, a header line first. The
 * file is flushed after every row, so a run that is stopped (Ctrl-C, a crash,
 * a power cut) keeps everything it logged; `make plot RUN=runs/NAME` draws it
 * while the run is still going. Missing values (no validation loss on this
 * step) are written as `nan`, which gnuplot skips.
 *
 * @code
 * RunLog log;
 * runlog_open(&log, "runs/day1_fit", "step,loss,lr", 0);
 * runlog_row(&log, (double[]){step, loss, lr});
 * runlog_close(&log);
 * @endcode
 */
#ifndef LLMLAB_RUNLOG_H
#define LLMLAB_RUNLOG_H

#include <stdio.h>

typedef struct RunLog {
    FILE *file;
    int ncols;       /**< columns per row, counted from the header */
    char path[1024]; /**< the log file's path, for messages */
} RunLog;

/**
 * Create @p run_dir (and parents) and open `run_dir/log.csv`.
 * @p columns is the header, comma-separated; the first column should be `step`.
 * With @p append = 0 an existing log is replaced (atomically: a new file
 * holding the header is renamed over it); with 1 rows are added to it
 * (resuming a run), and its header must equal @p columns or the call dies
 * with a message instead of mixing two kinds of rows.
 */
void runlog_open(RunLog *log, const char *run_dir, const char *columns, int append);

/** Write one row of `ncols` values and flush it to disk. NaN prints as `nan`. */
void runlog_row(RunLog *log, const double *values);

/** Close the file, reporting a failed final write. */
void runlog_close(RunLog *log);

#endif
