/*
 * Tests of Day 2's given code (run by `make test`, not graded): the four
 * matrix products of matmul_steps.c against the plain triple loop, on the
 * shapes and layouts that take their different paths: edges that are not
 * multiples of the 6 x 16 tile, several blocks of k, of rows and of
 * columns, transposed and row-major operands, accumulating or not, and one
 * or two threads.
 */
#include <math.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "matmul_steps.h"
#include "rng.h"
#include "testing.h"

typedef void GemmFn(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb,
                    float *C, int ldc, int accumulate);

static float *random_floats(Rng *rng, size_t n) {
    float *x = malloc(n * sizeof *x);
    cr_assert(x != NULL);
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_uniform(rng) * 2.0f - 1.0f;
    return x;
}

/* One product against gemm_naive, with A and B stored row-major or
 * transposed. C (M x N) has a row stride of N + 3: the three floats past
 * each row must come out unchanged. */
static void check_gemm(GemmFn *gemm, const char *name, int M, int N, int K, int a_transposed, int b_transposed,
                       int accumulate) {
    Rng rng;
    rng_init(&rng, (uint64_t)(M * 7919 + N * 131 + K));
    int ldc = N + 3;
    float *A = random_floats(&rng, (size_t)M * K), *B = random_floats(&rng, (size_t)K * N);
    float *C = random_floats(&rng, (size_t)M * ldc), *want = malloc((size_t)M * ldc * sizeof *want);
    cr_assert(want != NULL);
    for (size_t i = 0; i < (size_t)M * ldc; i++) want[i] = C[i];
    int rsa = a_transposed ? 1 : K, csa = a_transposed ? M : 1;
    int rsb = b_transposed ? 1 : N, csb = b_transposed ? K : 1;
    gemm_naive(M, N, K, A, rsa, csa, B, rsb, csb, want, ldc, accumulate);
    gemm(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            float got = C[(size_t)i * ldc + j], w = want[(size_t)i * ldc + j];
            /* K terms of size about 1: rounding grows like sqrt(K) */
            float tol = 1e-5f * sqrtf((float)K) * (1.0f + fabsf(w));
            cr_assert(fabsf(got - w) <= tol,
                      "%s(M=%d, N=%d, K=%d, A %s, B %s, accumulate=%d): C[%d][%d] expected %.6f, got %.6f%s", name,
                      M, N, K, a_transposed ? "transposed" : "row-major", b_transposed ? "transposed" : "row-major",
                      accumulate, i, j, (double)w, (double)got, j >= N ? " (outside the product: must not change)" : "");
        }
    free(A), free(B), free(C), free(want);
}

/* Every layout and both modes of one shape. */
static void check_shape(GemmFn *gemm, const char *name, int M, int N, int K) {
    for (int layout = 0; layout < 4; layout++)
        for (int accumulate = 0; accumulate < 2; accumulate++)
            check_gemm(gemm, name, M, N, K, layout & 1, layout >> 1, accumulate);
}

static const int shapes[][3] = {
    {1, 1, 1},       /* the smallest */
    {7, 5, 3},       /* tiny: gemm_fast hands it to gemm_ikj */
    {37, 45, 29},    /* edges in every direction, one thread */
    {96, 64, 32},    /* exact tiles */
    {200, 130, 300}, /* two blocks of k, partial tiles, two threads */
    {300, 2100, 9},  /* two blocks of columns */
    {769, 40, 70},   /* one row past a multiple of 6, several blocks of rows */
};

static void check_all(GemmFn *gemm, const char *name) {
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) check_shape(gemm, name, shapes[s][0], shapes[s][1], shapes[s][2]);
}

TestSuite(given_matmul_steps, .timeout = 60);

Test(given_matmul_steps, ikj_matches_naive) { check_all(gemm_ikj, "gemm_ikj"); }

Test(given_matmul_steps, blocked_matches_naive) { check_all(gemm_blocked, "gemm_blocked"); }

Test(given_matmul_steps, fast_matches_naive_on_one_and_two_threads) {
#ifdef _OPENMP
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        check_all(gemm_fast, threads == 1 ? "gemm_fast on 1 thread" : "gemm_fast on 2 threads");
    }
#else
    check_all(gemm_fast, "gemm_fast");
#endif
}

Test(given_matmul_steps, fast_gives_the_same_bits_on_one_and_two_threads) {
#ifdef _OPENMP
    /* The training runs rely on it: a checkpoint must not depend on the thread count. */
    int M = 300, N = 200, K = 600;
    Rng rng;
    rng_init(&rng, 5);
    float *A = random_floats(&rng, (size_t)M * K), *B = random_floats(&rng, (size_t)K * N);
    float *C1 = calloc((size_t)M * N, sizeof *C1), *C2 = calloc((size_t)M * N, sizeof *C2);
    cr_assert(C1 != NULL && C2 != NULL);
    omp_set_num_threads(1);
    gemm_fast(M, N, K, A, 1, M, B, N, 1, C1, N, 0);
    omp_set_num_threads(2);
    gemm_fast(M, N, K, A, 1, M, B, N, 1, C2, N, 0);
    for (size_t i = 0; i < (size_t)M * N; i++)
        cr_assert(C1[i] == C2[i], "C[%zu]: %.9g on one thread, %.9g on two", i, (double)C1[i], (double)C2[i]);
    free(A), free(B), free(C1), free(C2);
#endif
}
