#include "parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

void thread_picker_init(ThreadPicker *p) {
#ifdef _OPENMP
    p->max = omp_get_max_threads();
#else
    p->max = 1;
#endif
    p->chosen = p->current = p->max;
    p->step = 0;
    p->sum[0] = p->sum[1] = 0;
}

/* Where step s falls in its period: 0 runs as chosen (the first step of a
 * run pays for page faults and starting threads), 1 .. PROBES are the probe,
 * odd ones on one thread, even ones on all. */
static int probe_slot(long s) { return (int)(s % THREAD_PICKER_PERIOD); }

int thread_picker_next(ThreadPicker *p) {
    int slot = probe_slot(p->step);
    if (p->max > 1 && slot >= 1 && slot <= THREAD_PICKER_PROBES)
        p->current = slot % 2 ? 1 : p->max;
    else
        p->current = p->chosen;
    set_threads(p->current);
    return p->current;
}

void thread_picker_done(ThreadPicker *p, double seconds) {
    int slot = probe_slot(p->step++);
    if (p->max > 1 && slot >= 1 && slot <= THREAD_PICKER_PROBES) {
        p->sum[p->current == 1 ? 0 : 1] += seconds;
        if (slot == THREAD_PICKER_PROBES) {
            p->chosen = p->sum[0] < p->sum[1] ? 1 : p->max;
            p->sum[0] = p->sum[1] = 0;
        }
    }
    set_threads(p->chosen); /* what runs between steps (validation, saving) */
}

void thread_picker_finish(ThreadPicker *p) { set_threads(p->max); }
