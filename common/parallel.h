/**
 * @file parallel.h
 * @brief When a loop is worth the threads.
 *
 * The course's loops over independent rows or elements carry
 * `#pragma omp parallel for ... if (work >= PARALLEL_MIN_WORK)`: starting
 * and joining a team of threads costs a few microseconds, about what one
 * core does in 65,536 simple float operations, so shorter loops run on
 * the calling thread alone. A pragma changes who computes each element,
 * never what is computed: results are the same for any thread count.
 *
 * Between two such loops the idle threads wait. libgomp lets them poll for
 * new work 300,000 times before they sleep, which saves a wake-up on a quiet
 * machine and is a disaster on a busy one: the polling thread holds a core
 * that the thread it waits for needs. With other programs on both cores, 30
 * steps of the Week 2 GPT took 78 s on two threads and 9 s on one. libgomp
 * reads its setting once, before main() runs, from the environment, so the
 * Makefile and ./llmlab set GOMP_SPINCOUNT=1000 (a few microseconds of
 * polling) unless you set OMP_WAIT_POLICY or GOMP_SPINCOUNT yourself; the
 * same 30 steps then took 5 s. Running a program from build/bin/ directly,
 * set it too: `GOMP_SPINCOUNT=1000 build/bin/llmlab ...`.
 */
#ifndef LLMLAB_PARALLEL_H
#define LLMLAB_PARALLEL_H

/** Elements (or multiply-adds) below which a loop stays on one thread. */
#define PARALLEL_MIN_WORK 65536

/**
 * Even with short polling, two threads can lose to one on a busy machine:
 * each loop ends when its last thread is done, and when the scheduler has
 * paused one of the two for another program, the other waits. Whether one
 * thread or all are faster for a training step therefore depends on what
 * else runs, and changes while a run goes on. A ThreadPicker measures it:
 * every THREAD_PICKER_PERIOD steps it times a few steps on one thread and a
 * few on all, alternately, and runs the steps until the next such probe on
 * the faster count. Since a thread count never changes a result, switching
 * changes the speed of a run, never its numbers.
 *
 * ```c
 * ThreadPicker tp;
 * thread_picker_init(&tp);
 * for (step...) {
 *     thread_picker_next(&tp);   // sets omp_set_num_threads() for this step
 *     double t0 = timer_now();
 *     ... one training step ...
 *     thread_picker_done(&tp, timer_now() - t0);
 * }
 * thread_picker_finish(&tp);     // all threads again
 * ```
 */
typedef struct ThreadPicker {
    int max;       /**< all threads: omp_get_max_threads() at init (1 without OpenMP) */
    int chosen;    /**< the count between probes (max until a probe says otherwise) */
    int current;   /**< the count of the step under way */
    long step;     /**< steps begun */
    double sum[2]; /**< the probe's seconds so far: [0] on one thread, [1] on max */
} ThreadPicker;

/** Steps from one probe to the next, and steps timed per probe (half each way). */
enum { THREAD_PICKER_PERIOD = 200, THREAD_PICKER_PROBES = 6 };

void thread_picker_init(ThreadPicker *p);
/** Choose the thread count of the next step and set it (omp_set_num_threads); returns it. */
int thread_picker_next(ThreadPicker *p);
/** The step took @p seconds; after the probe's last step, keep the faster count. */
void thread_picker_done(ThreadPicker *p, double seconds);
/** The loop is over: set all threads again, as before thread_picker_init(). */
void thread_picker_finish(ThreadPicker *p);

#endif
