/**
 * @file timer.h
 * @brief Wall-clock time for progress bars, throughput and benchmarks.
 */
#ifndef LLMLAB_TIMER_H
#define LLMLAB_TIMER_H

/** Seconds since an arbitrary fixed point, from a monotonic clock (never jumps backwards). */
double timer_now(void);

#endif
