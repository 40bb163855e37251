/**
 * @file progress.h
 * @brief A one-line progress bar with rate and ETA for long loops.
 *
 * @code
 * ProgressBar bar;
 * progress_init(&bar, stderr, "training", steps);
 * for (int step = 0; step < steps; step++) {
 *     ...
 *     progress_update(&bar, step + 1, "loss %.3f", loss);
 * }
 * progress_finish(&bar);
 * @endcode
 *
 * On a terminal the bar redraws in place, at most ten times a second. When the
 * output is a file or a pipe (CI logs), it prints a plain line every ~10% instead,
 * so logs stay readable.
 */
#ifndef LLMLAB_PROGRESS_H
#define LLMLAB_PROGRESS_H

#include <stdio.h>

typedef struct ProgressBar {
    FILE *out;         /**< where to draw (usually stderr) */
    const char *label; /**< shown before the bar; must outlive the bar */
    long total;        /**< number of units of work (> 0) */
    long done;         /**< units finished so far */
    double start;      /**< timer_now() at init */
    double last_draw;  /**< when the bar was last drawn */
    int is_tty;        /**< redraw in place (1) or print occasional lines (0) */
    int last_decile;   /**< last 10% mark printed when not a terminal */
    double show_at;    /**< nothing is drawn before this timer_now() value (progress_init_after) */
    int shown;         /**< drawn at least once */
} ProgressBar;

/** Start a bar for @p total units of work (total must be > 0). */
void progress_init(ProgressBar *bar, FILE *out, const char *label, long total);

/**
 * progress_init() for work that is usually quick: the bar stays silent
 * until timer_now() reaches @p show_at (pass the time the whole job began
 * plus a second), and if the work ends before that, finishing it prints
 * nothing either.
 */
void progress_init_after(ProgressBar *bar, FILE *out, const char *label, long total, double show_at);

/**
 * Record that @p done units are finished and redraw if it is time. The
 * optional printf-style suffix (e.g. the current loss) is shown after the
 * ETA; pass NULL for none.
 */
void progress_update(ProgressBar *bar, long done, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Draw the final state and end the line. */
void progress_finish(ProgressBar *bar);

/** End the bar where it is (work stopped early), with @p why as its last words. */
void progress_stop(ProgressBar *bar, const char *why);

/**
 * Format a duration like "42s", "3m07s" or "1h02m" into @p buf (at least 16 bytes).
 * Negative or non-finite durations print as "?".
 */
void progress_format_duration(double seconds, char *buf, size_t size);

#endif
