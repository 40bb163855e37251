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
 */
#ifndef LLMLAB_PARALLEL_H
#define LLMLAB_PARALLEL_H

/** Elements (or multiply-adds) below which a loop stays on one thread. */
#define PARALLEL_MIN_WORK 65536

#endif
