#include "progress.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "timer.h"

enum { BAR_WIDTH = 30 };

void progress_init(ProgressBar *bar, FILE *out, const char *label, long total) {
    LLMLAB_CHECK(total > 0, "a progress bar needs at least one unit of work", "progress_init(total=%ld)", total);
    fflush(stdout); /* what was printed before the bar appears before it */
    bar->out = out;
    bar->label = label ? label : "";
    bar->total = total;
    bar->done = 0;
    bar->start = timer_now();
    bar->last_draw = -1.0;
    bar->is_tty = isatty(fileno(out));
    bar->last_decile = -1;
    bar->show_at = 0;
    bar->shown = 0;
}

void progress_init_after(ProgressBar *bar, FILE *out, const char *label, long total, double show_at) {
    progress_init(bar, out, label, total);
    bar->show_at = show_at;
}

void progress_format_duration(double s, char *buf, size_t size) {
    if (!isfinite(s) || s < 0) {
        snprintf(buf, size, "?");
    } else if (s < 60) {
        snprintf(buf, size, "%.0fs", s);
    } else if (s < 3600) {
        long t = lround(s);
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    } else {
        long m = lround(s / 60);
        snprintf(buf, size, "%ldh%02ldm", m / 60, m % 60);
    }
}

static void draw(ProgressBar *bar, const char *suffix) {
    bar->shown = 1;
    double elapsed = timer_now() - bar->start;
    double frac = (double)bar->done / (double)bar->total;
    if (frac > 1.0) frac = 1.0;
    double eta = bar->done > 0 ? elapsed * (double)(bar->total - bar->done) / (double)bar->done : -1;
    char el[16], et[16];
    progress_format_duration(elapsed, el, sizeof el);
    progress_format_duration(eta, et, sizeof et);
    double rate = elapsed > 0 ? (double)bar->done / elapsed : 0.0;
    if (bar->is_tty) {
        char cells[BAR_WIDTH + 1];
        int filled = (int)(frac * BAR_WIDTH);
        for (int i = 0; i < BAR_WIDTH; i++) cells[i] = i < filled ? '#' : '.';
        cells[BAR_WIDTH] = '\0';
        /* \r returns to the line start; \033[K clears what a longer line left behind */
        fprintf(bar->out, "\r%s [%s] %3.0f%% %ld/%ld  %.1f/s  %s elapsed, ETA %s  %s\033[K", bar->label, cells,
                100 * frac, bar->done, bar->total, rate, el, et, suffix);
    } else {
        fprintf(bar->out, "%s: %3.0f%% %ld/%ld  %.1f/s  %s elapsed, ETA %s  %s\n", bar->label, 100 * frac, bar->done,
                bar->total, rate, el, et, suffix);
    }
    fflush(bar->out);
}

void progress_update(ProgressBar *bar, long done, const char *fmt, ...) {
    bar->done = done;
    char suffix[128] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(suffix, sizeof suffix, fmt, ap);
        va_end(ap);
    }
    if (bar->show_at > 0 && !bar->shown && timer_now() < bar->show_at) return; /* quick work stays silent */
    if (bar->is_tty) {
        double now = timer_now();
        if (now - bar->last_draw < 0.1 && done < bar->total) return;
        bar->last_draw = now;
        draw(bar, suffix);
    } else {
        int decile = (int)(10 * done / bar->total);
        if (decile == bar->last_decile || done >= bar->total) return; /* finish prints 100% */
        bar->last_decile = decile;
        draw(bar, suffix);
    }
}

void progress_finish(ProgressBar *bar) {
    if (bar->show_at > 0 && !bar->shown) return;
    bar->done = bar->total;
    draw(bar, "done");
    if (bar->is_tty) fputc('\n', bar->out);
    fflush(bar->out);
}

void progress_stop(ProgressBar *bar, const char *why) {
    if (bar->show_at > 0 && !bar->shown) return;
    draw(bar, why);
    if (bar->is_tty) fputc('\n', bar->out);
    fflush(bar->out);
}
