/*
 * make bench-matmul: Day 2's matrix products (day02_matrix/matmul_steps.c).
 *
 * 1. The machine: which vector width this build uses, the clock it really
 *    runs at, and its real single-precision peak, both measured. The peak is
 *    a loop of 12 independent chains of FMAs on the build's widest vectors,
 *    run on one thread and on two at once, each held on its own processor,
 *    and measured again beside every row of the tables; what a matrix
 *    product reaches is a share of that, so no ratio reads above 100%.
 *    (Two threads of a program sometimes share one processor on a busy
 *    machine: then gemm_fast and OpenBLAS on two threads are no faster than
 *    on one. OMP_PROC_BIND=true holds OpenMP's threads apart, for both.)
 * 2. The four steps (naive, ikj, blocked, fast) at 128 to 1024 cubed, on the
 *    default number of OpenMP threads (OMP_NUM_THREADS=1 for one).
 * 3. gemm_fast against OpenBLAS's cblas_sgemm in the same run, at 256, 512
 *    and 1024 cubed, on one and on two threads. Rounds alternate the two
 *    sides and each side keeps its best, so a neighbour on a shared machine
 *    slows whichever side is running, not always the same one; there are
 *    many rounds because on a busy machine two threads rarely get two cores
 *    at the same moment. OpenBLAS is
 *    loaded at run time (dlopen "libopenblas.so.0"), so nothing links
 *    against it; without it the comparison is skipped. The Makefile runs
 *    this with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: set, they pin
 *    OpenBLAS to another processor's kernels (see BENCHMARKS.md).
 *
 *   bench_matmul [--quick]    --quick: fewer sizes and rounds
 *
 * Every timing is the best of several calls: GFLOP/s = 2 n^3 / seconds / 1e9.
 */
#define _GNU_SOURCE /* sched_setaffinity and CPU_SET (Linux) */
#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "check.h"
#include "matmul_steps.h"
#include "rng.h"
#include "timer.h"

/* ---- the machine ---- */

/* The build's vector registers, as the compiler was told (-march): what
 * gemm_fast's kernel and the peak loop below use. */
#if defined(__AVX512F__)
#define NO_FMA 0
#define VECTOR_NAME "AVX-512, 16 floats per register, with FMA (gemm_fast's AVX-512 kernel)"
enum { LANES = 16 };
typedef __m512 Vec;
static inline Vec vec_set(float x) { return _mm512_set1_ps(x); }
static inline Vec vec_fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
#define NO_FMA 0
#define VECTOR_NAME "AVX2 + FMA, 8 floats per register (gemm_fast's AVX2 kernel)"
enum { LANES = 8 };
typedef __m256 Vec;
static inline Vec vec_set(float x) { return _mm256_set1_ps(x); }
static inline Vec vec_fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
#else
/* Anything else (plain x86-64 is SSE2, 4 floats; ARM has NEON): what the
 * compiler makes of 4-float vectors, a multiply and an add, 2 FLOPs per lane
 * as one FMA would be. gemm_fast runs its portable kernel. */
#define VECTOR_NAME "neither AVX2 nor AVX-512 (e.g. PORTABLE=1): 4-float vectors (gemm_fast's portable kernel)"
#define NO_FMA 1 /* a multiply and an add */
enum { LANES = 4 };
typedef float Vec __attribute__((vector_size(16)));
static inline Vec vec_set(float x) { return (Vec){x, x, x, x}; }
static inline Vec vec_fma(Vec a, Vec b, Vec c) { return a * b + c; }
#endif

/* 12 independent chains c = c * b + a: enough FMAs in flight to fill two
 * pipes of 4 to 5 cycles of latency each (each chain starts from its own
 * value, so the compiler cannot merge them). Returns a value that depends on
 * all of them. */
static float fma_chains(long iters, float x) {
    Vec a = vec_set(x), b = vec_set(0.9999f);
    Vec c0 = vec_set(x), c1 = vec_set(2 * x), c2 = vec_set(3 * x), c3 = vec_set(4 * x), c4 = vec_set(5 * x);
    Vec c5 = vec_set(6 * x), c6 = vec_set(7 * x), c7 = vec_set(8 * x), c8 = vec_set(9 * x), c9 = vec_set(10 * x);
    Vec c10 = vec_set(11 * x), c11 = vec_set(12 * x);
    for (long i = 0; i < iters; i++) {
        c0 = vec_fma(c0, b, a), c1 = vec_fma(c1, b, a), c2 = vec_fma(c2, b, a), c3 = vec_fma(c3, b, a);
        c4 = vec_fma(c4, b, a), c5 = vec_fma(c5, b, a), c6 = vec_fma(c6, b, a), c7 = vec_fma(c7, b, a);
        c8 = vec_fma(c8, b, a), c9 = vec_fma(c9, b, a), c10 = vec_fma(c10, b, a), c11 = vec_fma(c11, b, a);
    }
    Vec s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
    float lanes[LANES];
    memcpy(lanes, &s, sizeof lanes);
    return lanes[0];
}

enum { MAX_T = 256 }; /* threads the peak is measured for, at most */

/* GFLOP/s of the FMA loop on `threads` threads at once: the best of
 * `bursts` bursts of 240,000 FMAs each (40 microseconds at 3 GHz), short
 * enough that some of them run while no other program holds a core. The
 * threads stay in one parallel region and start each burst together after a
 * barrier; a burst counts from the first thread's start to the last one's
 * end, each read by the thread itself (barriers cost a microsecond or so,
 * and are not timed). Each thread is held on its own processor meanwhile:
 * on a busy machine the system sometimes runs two threads of a program on
 * one processor, and the peak is what the hardware can do, not where the
 * threads happened to land. */
static double fma_peak(int threads, int bursts) {
    const long iters = 20000;
    double best = INFINITY, start[MAX_T], end[MAX_T];
    volatile float sink = 0;
    cpu_set_t allowed;
    int pin = sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= threads;
#pragma omp parallel num_threads(threads)
    {
        int me = 0, team = 1;
#ifdef _OPENMP
        me = omp_get_thread_num(), team = omp_get_num_threads();
#endif
        cpu_set_t one; /* this thread alone on the me-th processor it may use */
        CPU_ZERO(&one);
        for (int cpu = 0, seen = 0; pin && cpu < CPU_SETSIZE; cpu++)
            if (CPU_ISSET(cpu, &allowed) && seen++ == me) CPU_SET(cpu, &one);
        int pinned = pin && sched_setaffinity(0, sizeof one, &one) == 0;
        for (int rep = 0; rep < bursts; rep++) {
#pragma omp barrier
            start[me] = timer_now();
            float s = fma_chains(iters, 1.0f + (float)rep * 1e-7f);
            end[me] = timer_now();
#pragma omp atomic
            sink += s;
#pragma omp barrier
#pragma omp master
            {
                double first = start[0], last = end[0];
                for (int t = 1; t < team; t++) {
                    first = start[t] < first ? start[t] : first;
                    last = end[t] > last ? end[t] : last;
                }
                if (last - first < best) best = last - first;
            }
        }
        if (pinned) sched_setaffinity(0, sizeof allowed, &allowed);
    }
    (void)sink;
    return threads * (double)iters * 12 * LANES * 2 / best / 1e9;
}

/* The peak on 1 to MAX_T threads, the best measured so far. On a shared
 * machine what two threads get changes from minute to minute (on a VM, even
 * whether its two processors are two cores), so the peak is measured again
 * beside every row of the tables, in the same moments as the products it is
 * compared with: a ratio to it stays below 100%. */
static double peak_seen[MAX_T + 1];

static double peak(int threads, int bursts) {
    if (threads > MAX_T) threads = MAX_T;
    double p = fma_peak(threads, bursts);
    if (p > peak_seen[threads]) peak_seen[threads] = p;
    return peak_seen[threads];
}

/* The clock, in GHz: a chain of dependent integer additions runs one per
 * cycle on every x86-64 processor. NAN elsewhere. */
static double measured_ghz(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    double best = 0;
    for (int rep = 0; rep < 1000; rep++) {
        unsigned long x = (unsigned long)rep, one = 1;
        const long iters = 5000;
        double t0 = timer_now();
        for (long i = 0; i < iters; i++)
            __asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                             "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                             "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                             "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
                             : "+r"(x)
                             : "r"(one));
        double ghz = (double)iters * 16 / (timer_now() - t0) / 1e9;
        if (ghz > best) best = ghz;
    }
    return best;
#else
    return NAN;
#endif
}

static int max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* ---- OpenBLAS, when installed ---- */

/* cblas_sgemm's C interface with the constants of cblas.h (row-major 101, no
 * transpose 111) and LP64's 32-bit ints, declared here so that nothing
 * needs OpenBLAS's headers to build. */
typedef void CblasSgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);
static CblasSgemm *cblas_sgemm_fn;
static void (*openblas_threads_fn)(int);

static int load_openblas(void) {
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        printf("OpenBLAS: not installed (dlopen libopenblas.so.0: %s); the comparison is skipped.\n"
               "(Debian and Ubuntu: apt install libopenblas0-openmp.)\n\n",
               dlerror());
        return 0;
    }
    cblas_sgemm_fn = (CblasSgemm *)dlsym(lib, "cblas_sgemm");
    openblas_threads_fn = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    char *(*config)(void) = (char *(*)(void))dlsym(lib, "openblas_get_config");
    char *(*core)(void) = (char *(*)(void))dlsym(lib, "openblas_get_corename");
    if (cblas_sgemm_fn == NULL || openblas_threads_fn == NULL) {
        printf("OpenBLAS: libopenblas.so.0 has no cblas_sgemm or openblas_set_num_threads; the comparison is "
               "skipped.\n\n");
        return 0;
    }
    printf("OpenBLAS: %s; kernels for %s.\n", config ? config() : "(version unknown)", core ? core() : "(unknown)");
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX512F__)
    if (__builtin_cpu_supports("avx512f") && getenv("OPENBLAS_CORETYPE") == NULL)
        printf(
            "  This processor has AVX-512 and OpenBLAS uses it, but this build does not (so OpenBLAS / peak can pass "
            "100%%): for an AVX2 machine's comparison, run with OPENBLAS_CORETYPE=Haswell.\n");
#endif
    const char *pinned = getenv("OPENBLAS_CORETYPE");
    if (pinned != NULL)
        printf("  OPENBLAS_CORETYPE=%s is set: OpenBLAS runs that processor's kernels, which may not be its best "
               "here; `make bench-matmul` unsets it and OPENBLAS_L2_SIZE.\n",
               pinned);
    printf("\n");
    return 1;
}

static void openblas_gemm(int n, const float *A, const float *B, float *C) {
    cblas_sgemm_fn(101, 111, 111, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}

/* ---- timing ---- */

/* Seconds of the best of `reps` calls of C = A B (n x n, row-major). */
static double best_seconds(GemmFn *fn, int n, const float *A, const float *B, float *C, int reps) {
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = timer_now();
        if (fn != NULL)
            fn(n, n, n, A, n, 1, B, n, 1, C, n, 0);
        else
            openblas_gemm(n, A, B, C);
        double dt = timer_now() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

static double gflops(int n, double seconds) { return gemm_flops(n, n, n) / seconds / 1e9; }

static void random_matrices(int n, float **A, float **B, float **C) {
    Rng rng;
    rng_init(&rng, (uint64_t)n);
    *A = XMALLOC(sizeof(float) * n * n), *B = XMALLOC(sizeof(float) * n * n), *C = XMALLOC(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) (*A)[i] = (float)rng_normal(&rng), (*B)[i] = (float)rng_normal(&rng);
}

/* The four steps on the default thread count. */
static void steps_table(int quick, int threads) {
    printf("### The four steps, %d thread%s (gemm_naive, gemm_ikj and gemm_blocked use one)\n\n", threads,
           threads > 1 ? "s" : "");
    printf("| n (n x n x n) | naive | ikj | blocked | fast | fast / peak |\n|---|---|---|---|---|---|\n");
    static const int sizes[] = {128, 256, 512, 1024};
    for (int s = 0; s < (quick ? 2 : 4); s++) {
        int n = sizes[s];
        float *A, *B, *C;
        random_matrices(n, &A, &B, &C);
        int reps = n <= 256 ? 5 : 3;
        double naive = n <= 512 ? gflops(n, best_seconds(gemm_naive, n, A, B, C, n <= 256 ? 3 : 1)) : NAN;
        double ikj = gflops(n, best_seconds(gemm_ikj, n, A, B, C, reps));
        double blocked = gflops(n, best_seconds(gemm_blocked, n, A, B, C, reps));
        peak(threads, 200);
        double fast = gflops(n, best_seconds(gemm_fast, n, A, B, C, 4 * reps));
        double top = peak(threads, 200);
        printf("| %d | ", n);
        if (isnan(naive))
            printf("(skipped) | ");
        else
            printf("%.2f | ", naive);
        printf("%.1f | %.1f | %.1f | %.0f%% |\n", ikj, blocked, fast, 100 * fast / top);
        fflush(stdout);
        free(A), free(B), free(C);
    }
    printf("\n");
}

/* gemm_fast against OpenBLAS: rounds alternate the sides, each keeps its best. */
static void openblas_table(int quick, int two) {
    int rounds = quick ? 5 : 25;
    printf("### gemm_fast against OpenBLAS's cblas_sgemm (goal of issue 21: at least 1.1x)\n\n");
    printf("| n | threads | gemm_fast | OpenBLAS | gemm_fast / OpenBLAS | fast / peak | OpenBLAS / peak |\n"
           "|---|---|---|---|---|---|---|\n");
    static const int sizes[] = {256, 512, 1024};
    for (int s = 0; s < 3; s++) {
        int n = sizes[s];
        if (quick && n > 512) break;
        float *A, *B, *C;
        random_matrices(n, &A, &B, &C);
        float *C2 = XMALLOC(sizeof(float) * n * n);
        int reps = n == 256 ? 20 : n == 512 ? 6 : 3; /* about 20 ms a side and round at 200 GFLOP/s */
        for (int threads = 1; threads <= (two ? 2 : 1); threads++) {
            double ours = INFINITY, theirs = INFINITY;
            double top = 0;
            for (int r = 0; r < rounds; r++) {
                top = peak(threads, 40);
                for (int side = 0; side < 2; side++) {
                    if ((side + r) % 2 == 0) { /* gemm_fast first in even rounds, OpenBLAS first in odd */
                        set_threads(threads);
                        double t = best_seconds(gemm_fast, n, A, B, C, reps);
                        ours = t < ours ? t : ours;
                    } else {
                        openblas_threads_fn(threads);
                        double t = best_seconds(NULL, n, A, B, C2, reps);
                        theirs = t < theirs ? t : theirs;
                    }
                }
            }
            double f = gflops(n, ours), o = gflops(n, theirs);
            printf("| %d | %d | %.1f | %.1f | **%.2fx** | %.0f%% | %.0f%% |\n", n, threads, f, o, f / o, 100 * f / top,
                   100 * o / top);
            fflush(stdout);
        }
        /* the two must agree, or the comparison means nothing */
        double worst = 0;
        for (int i = 0; i < n * n; i++) {
            double d = fabs((double)C[i] - C2[i]) / (1.0 + fabs((double)C2[i]));
            worst = d > worst ? d : worst;
        }
        if (!(worst < 1e-4)) printf("  (at %d, gemm_fast and OpenBLAS differ by up to %.2g: a bug)\n", n, worst);
        free(A), free(B), free(C), free(C2);
    }
    printf("\nEach side: the best of %d rounds of 20 calls (256), 6 (512) or 3 (1024); the rounds alternate which "
           "side goes first. Peak: the FMA loop on as many threads, the best of all its runs up to that row.\n\n",
           rounds);
}

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int threads = max_threads(), two = 1;
#ifdef _OPENMP
    two = omp_get_num_procs() >= 2;
#else
    two = 0;
#endif
    printf("## Matrix multiplication, single precision (tools/bench/bench_matmul.c)\n\n");
    printf("This build's vectors: %s.\n", VECTOR_NAME);
    double one = peak(1, 4000), both = two ? peak(2, 4000) : 0;
    double all = threads > 2 ? peak(threads, 4000) : 0;
    double ghz = measured_ghz();
    const char *op = NO_FMA ? "multiply-adds" : "FMAs";
    printf("Peak, measured (12 independent chains of %d-float %s, each thread on its own processor, the best of "
           "4,000 bursts): %.1f GFLOP/s on 1 thread",
           LANES, op, one);
    if (two) printf(", %.1f on 2 threads at once", both);
    if (threads > 2) printf(", %.1f on %d", all, threads); /* (all: more threads than the tables use) */
    printf(".\n");
    if (!isnan(ghz))
        printf("Clock, measured (dependent integer additions, one per cycle): %.2f GHz, so about %.0f FLOPs per "
               "cycle and core (%d would be two %s of %d floats; the clock moves by a few percent).\n",
               ghz, one / ghz, 4 * LANES, NO_FMA ? "multiply and two add pipes" : "FMA pipes", LANES);
    printf("\n");
    steps_table(quick, threads);
    if (load_openblas()) openblas_table(quick, two);
    printf("Peak, the best measured during the run: %.1f GFLOP/s on 1 thread", peak_seen[1]);
    if (two) printf(", %.1f on 2", peak_seen[2]);
    if (threads > 2) printf(", %.1f on %d", peak_seen[threads < MAX_T ? threads : MAX_T], threads);
    printf(".\nGFLOP/s, best of several calls; 2*n^3 FLOPs per multiplication.\n");
    return 0;
}
