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

#endif
