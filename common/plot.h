/**
 * @file plot.h
 * @brief Pictures with gnuplot, and never a shell: scripts in files, paths as
 *        quoted strings, programs started from an argument list.
 *
 * Every picture of the course (loss curves, heatmaps, the sampling bars,
 * the Week 4 charts) is a gnuplot script written next to its data and run
 * by plot_run(). Nothing here builds a shell command, so a run folder may
 * be called "my run", "it's" or "$(rm -rf ~)": it is a name, never code.
 *
 * Inside a script, a path or a title goes through plot_put_string(), which
 * writes it as a gnuplot single-quoted string (where only the single quote
 * is special, written twice; backquotes, `@` and `$` are plain text there). Titles use
 * `noenhanced`, so `gpt_2` is not printed as a subscript.
 *
 * Drawing is never worth dying for: a missing or failing gnuplot is an
 * error returned in `err` (the program goes on and says so), like the
 * `err`/`err_size` functions of check.h.
 *
 * @code
 * FILE *f = XFOPEN("runs/x/curve.gp", "w", NULL);
 * fputs("set terminal pngcairo\nset output 'curve.png'\nplot ", f);
 * plot_put_string(f, data_path);        // 'runs/it''s/data.csv'
 * fputs(" with lines\n", f);
 * XFCLOSE(f, "curve.gp");
 * char err[300];
 * if (plot_run("runs/x", "curve.gp", NULL, err, sizeof err) != 0)
 *     fprintf(stderr, "no picture: %s\n", err);
 * @endcode
 */
#ifndef LLMLAB_PLOT_H
#define LLMLAB_PLOT_H

#include <stddef.h>
#include <stdio.h>

/**
 * Write @p s to @p f as a gnuplot string in single quotes, each single quote
 * written twice ("it's" becomes 'it''s').
 * Returns 0, or -1 (writing nothing) when @p s holds a line break, which no
 * gnuplot string on one script line can hold.
 */
int plot_put_string(FILE *f, const char *s);

/** What plot_run_program() and plot_run() return when the program is not installed. */
#define PLOT_NOT_INSTALLED (-2)

/**
 * Run @p argv (argv[0] is looked up in PATH, the list ends with NULL) in
 * folder @p dir (NULL: the current one), without a shell, and wait for it.
 * Its standard output is ours; its standard error is kept and, when it
 * fails, its last line ends the message in @p err. Returns 0 when the
 * program exits with status 0; #PLOT_NOT_INSTALLED when it is not found
 * ("dot is not installed ..." in @p err); otherwise -1, and @p err says
 * why (its exit status and last words, a signal, a folder that is not there).
 */
int plot_run_program(const char *dir, char *const argv[], char *err, size_t err_size);

/**
 * Run `gnuplot [-e EXPR] SCRIPT` in folder @p dir (NULL: the current one),
 * so a script names its files relative to its own folder and can be run
 * again by hand there (`cd DIR && gnuplot SCRIPT`). @p expr (NULL: none)
 * sets a variable before the script runs, e.g. "dumb=1". Returns 0,
 * #PLOT_NOT_INSTALLED without gnuplot, or -1 when it failed; @p err says
 * why (for a failure, the last line gnuplot printed).
 */
int plot_run(const char *dir, const char *script, const char *expr, char *err, size_t err_size);

/** plot_loss() options: `make plot RUN=... LOGY=1` sets @p logy. */
typedef struct PlotLossOptions {
    int logy;     /**< a logarithmic loss axis */
    int terminal; /**< also draw the curves on standard output (a text plot) */
    int ansi;     /**< ... in colour (for a terminal) */
} PlotLossOptions;

/**
 * Draw the loss curves of a run: every column of `RUN/log.csv` whose name
 * ends in `loss`, against the first column (the step), into
 * `RUN/loss.png`, and with @p o->terminal also as a text plot on standard
 * output. The script is kept as `RUN/loss.gp` (`cd RUN && gnuplot loss.gp`
 * draws it again; `gnuplot -e dumb=1 loss.gp` in the terminal). Returns
 * 0; #PLOT_NOT_INSTALLED without gnuplot; otherwise -1. @p err says why
 * (no log, no rows yet, no loss column, gnuplot's own error).
 */
int plot_loss(const char *run_dir, const PlotLossOptions *o, char *err, size_t err_size);

#endif
