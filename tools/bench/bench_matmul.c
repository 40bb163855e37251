/*
 * make bench: GFLOP/s of the four matmul steps of Day 2 (day02_matrix/matmul_steps.c)
 * at a few sizes, next to the machine's theoretical peak.
 *
 * Peak = cores x clock x FLOPs per cycle per core. Cores: OpenMP's thread
 * count. Clock: "cpu MHz" in /proc/cpuinfo (a VM reports its nominal clock;
 * boost may be higher, so a measured ratio can exceed what this predicts).
 * FLOPs per cycle: 32 with AVX2 + FMA (two 256-bit FMA pipes x 8 floats x 2),
 * 16 with AVX alone, 8 with SSE.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "matmul_steps.h"
#include "rng.h"
#include "timer.h"

static double cpu_mhz(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) return NAN;
    char line[256];
    double mhz = NAN;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1) break;
    fclose(f);
    return mhz;
}

static int flops_per_cycle(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 32;
    if (__builtin_cpu_supports("avx")) return 16;
#endif
    return 8;
}

/* Best of `reps` runs, in GFLOP/s. */
static double measure(GemmFn *fn, int n, const float *A, const float *B, float *C, int reps) {
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = timer_now();
        fn(n, n, n, A, n, 1, B, n, 1, C, n, 0);
        double dt = timer_now() - t0;
        if (dt < best) best = dt;
    }
    return gemm_flops(n, n, n) / best / 1e9;
}

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    double mhz = cpu_mhz();
    int fpc = flops_per_cycle();
    double peak = threads * mhz * 1e6 * fpc / 1e9;
    printf("## Matrix multiplication, single precision (tools/bench/bench_matmul.c)\n\n");
    printf("peak = %d threads x %.0f MHz x %d FLOPs/cycle = %.1f GFLOP/s\n\n", threads, mhz, fpc, peak);
    printf("| n (n x n x n) | naive | ikj | blocked | fast | fast / peak |\n|---|---|---|---|---|---|\n");
    static const int sizes[] = {128, 256, 512, 1024};
    int nsizes = quick ? 2 : 4;
    Rng rng;
    rng_init(&rng, 1);
    for (int s = 0; s < nsizes; s++) {
        int n = sizes[s];
        float *A = XMALLOC(sizeof(float) * n * n), *B = XMALLOC(sizeof(float) * n * n);
        float *C = XMALLOC(sizeof(float) * n * n);
        for (int i = 0; i < n * n; i++) A[i] = (float)rng_normal(&rng), B[i] = (float)rng_normal(&rng);
        int reps = n <= 256 ? 5 : 3;
        double naive = n <= 512 ? measure(gemm_naive, n, A, B, C, n <= 256 ? 3 : 1) : NAN;
        double ikj = measure(gemm_ikj, n, A, B, C, reps);
        double blocked = measure(gemm_blocked, n, A, B, C, reps);
        double fast = measure(gemm_fast, n, A, B, C, reps + 2);
        printf("| %d | ", n);
        if (isnan(naive)) printf("(skipped) | ");
        else printf("%.2f | ", naive);
        printf("%.2f | %.2f | %.1f | %.0f%% |\n", ikj, blocked, fast, 100 * fast / peak);
        fflush(stdout);
        free(A), free(B), free(C);
    }
    printf("\nGFLOP/s, best of several runs; 2*n^3 FLOPs per multiplication.\n");
    return 0;
}
