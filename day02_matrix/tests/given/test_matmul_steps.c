/*
 * Tests of Day 2's given code (run by `make test`, not graded): the matrix
 * products of matmul_steps.c against the plain triple loop (gemm_naive), on
 * the shapes and layouts that take their different paths:
 *
 * - shapes: edges that are not multiples of the tile (6 x 16 with AVX2,
 *   8 x 32 with AVX-512), several blocks of k, of rows and of columns, tiny
 *   ones that gemm_fast hands to gemm_ikj, and ones big enough for two
 *   threads;
 * - layouts, through the strides (element A(i,k) is A[i*rsa + k*csa], B(k,j)
 *   is B[k*rsb + j*csb]): row-major, column-major (a transpose read in
 *   place), either one inside a bigger matrix, and every other element
 *   (neither stride 1). Each takes its own path in gemm_fast: a row-major A
 *   is read in place, any other is packed; B is packed by row, by column or
 *   element by element;
 * - accumulate 0 (C is not read: it holds NaN) and 1 (C holds numbers);
 * - gemm_fast's vector kernel (AVX-512 or AVX2) and its portable one
 *   (LLMLAB_GEMM_KERNEL=generic), on one thread and on two.
 *
 * The gaps of every buffer (padding, skipped elements) hold NaN, so a read
 * outside the matrix shows; C's row stride is N + 3, and the three floats past
 * each row must come out unchanged. A failure names the layout, its strides,
 * the path it takes, and whether it fails at every shape (strides misread) or
 * only at some (an edge, a block, a thread split).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "matmul_steps.h"
#include "rng.h"
#include "testing.h"

/* ---- layouts ---- */

enum { ROW_MAJOR, COL_MAJOR, ROW_PADDED, COL_PADDED, EVERY_OTHER, LAYOUTS };
static const char *LAYOUT_NAME[LAYOUTS] = {"row-major", "column-major", "row-major inside a wider matrix",
                                           "column-major inside a taller matrix", "every other element"};

/* Strides and buffer size of an R x Cc operand stored in `layout`: element (r, c) is at r*rs + c*cs. */
static size_t strides(int layout, int R, int Cc, int *rs, int *cs) {
    switch (layout) {
    case ROW_MAJOR:
        *rs = Cc, *cs = 1;
        return (size_t)R * Cc;
    case COL_MAJOR:
        *rs = 1, *cs = R;
        return (size_t)R * Cc;
    case ROW_PADDED:
        *rs = Cc + 5, *cs = 1;
        return (size_t)R * (Cc + 5);
    case COL_PADDED:
        *rs = 1, *cs = R + 5;
        return (size_t)(R + 5) * Cc;
    default:
        *rs = 2 * Cc + 1, *cs = 2;
        return (size_t)R * (2 * Cc + 1);
    }
}

/* The R x Cc row-major matrix m stored in `layout`, every other float of the buffer NaN (free() it). */
static float *store(const float *m, int layout, int R, int Cc, int *rs, int *cs) {
    size_t size = strides(layout, R, Cc, rs, cs);
    float *p = malloc(size * sizeof *p);
    cr_assert_not_null(p);
    testing_fill_nan(p, size);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < Cc; c++) p[(size_t)r * *rs + (size_t)c * *cs] = m[(size_t)r * Cc + c];
    return p;
}

/* The path an operand in `layout` takes through gemm_fast (see its packing functions). */
static const char *fast_path(int is_a, int layout) {
    if (is_a)
        return layout == ROW_MAJOR || layout == ROW_PADDED ? "read in place by the kernel (csa = 1)"
               : layout == EVERY_OTHER                     ? "packed by pack_a's general loop"
                                                           : "packed by pack_a's in-order path (rsa = 1)";
    return layout == ROW_MAJOR || layout == ROW_PADDED ? "packed by pack_b row by row (csb = 1)"
           : layout == EVERY_OTHER                     ? "packed by pack_b's general loop"
                                                       : "packed by pack_b column by column (rsb = 1)";
}

/* ---- shapes ---- */

static const int shapes[][3] = {
    {1, 1, 1},       /* the smallest */
    {7, 5, 3},       /* tiny: gemm_fast hands it to gemm_ikj */
    {37, 45, 29},    /* edges in every direction, one thread */
    {96, 64, 32},    /* exact tiles */
    {200, 130, 300}, /* two blocks of k, partial tiles, two threads */
    {300, 2100, 9},  /* two blocks of columns (and of gemm_blocked's TILE_J) */
    {769, 40, 70},   /* one row past a multiple of 6 (and of 8), several blocks of rows */
};
enum { SHAPES = sizeof shapes / sizeof shapes[0] };

/* What a shape exercises in gemm_fast (its constants: MR x NR 6 x 16 with AVX2, 8 x 32 with AVX-512 (the
 * shapes below have edges in both or in neither), KC 256, NC 2048, tiny below 32^3). */
static void describe_shape(char *buf, size_t n, int M, int N, int K) {
    if ((double)M * N * K < 32.0 * 32 * 32) {
        snprintf(buf, n, "this shape is tiny: gemm_fast hands it to gemm_ikj");
        return;
    }
    snprintf(buf, n, "this shape has %s%s%s%s", M % 6 || N % 16 ? "edge tiles" : "whole tiles",
             K > 256 ? ", several blocks of k" : "", N > 2048 ? ", several blocks of columns" : "",
             (double)M * N * K >= 2.0 * (1 << 20) ? ", two threads when there are two" : ", one thread");
}

/* ---- one function, every shape and layout ---- */

typedef struct Failure {
    int shape, i, j;
    float want, got;
} Failure;

typedef struct Case { /* one shape's operands and the products to expect */
    int M, N, K, ldc;
    float *A, *B, *C0, *want[2]; /* want[accumulate], each M x ldc */
} Case;

static float *random_floats(Rng *rng, size_t n) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_uniform(rng) * 2.0f - 1.0f;
    return x;
}

/* Random row-major A and B, a random C0 (with stride ldc = N + 3), and the expected results from gemm_naive. */
static void make_case(Case *c, int M, int N, int K) {
    Rng rng;
    rng_init(&rng, (uint64_t)(M * 7919 + N * 131 + K));
    *c = (Case){.M = M, .N = N, .K = K, .ldc = N + 3};
    c->A = random_floats(&rng, (size_t)M * K), c->B = random_floats(&rng, (size_t)K * N);
    c->C0 = random_floats(&rng, (size_t)M * c->ldc);
    for (int acc = 0; acc < 2; acc++) {
        c->want[acc] = malloc((size_t)M * c->ldc * sizeof(float));
        cr_assert_not_null(c->want[acc]);
        memcpy(c->want[acc], c->C0, (size_t)M * c->ldc * sizeof(float));
        gemm_naive(M, N, K, c->A, K, 1, c->B, N, 1, c->want[acc], c->ldc, acc);
    }
}

static void free_case(Case *c) { free(c->A), free(c->B), free(c->C0), free(c->want[0]), free(c->want[1]); }

/* Run gemm on one case and layout; 1 and the first wrong element in *f when it is wrong. */
static int run_one(GemmFn *gemm, const Case *c, int la, int lb, int acc, Failure *f) {
    int M = c->M, N = c->N, K = c->K, ldc = c->ldc, rsa, csa, rsb, csb;
    float *A = store(c->A, la, M, K, &rsa, &csa), *B = store(c->B, lb, K, N, &rsb, &csb);
    float *C = malloc((size_t)M * ldc * sizeof *C);
    cr_assert_not_null(C);
    memcpy(C, c->C0, (size_t)M * ldc * sizeof *C);
    if (!acc) /* C must not be read: NaN there would spread */
        for (int i = 0; i < M; i++) testing_fill_nan(C + (size_t)i * ldc, (size_t)N);
    gemm(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, acc);
    int wrong = 0;
    for (int i = 0; i < M && !wrong; i++)
        for (int j = 0; j < ldc; j++) {
            float got = C[(size_t)i * ldc + j], w = c->want[acc][(size_t)i * ldc + j];
            /* K terms of size about 1: rounding grows like sqrt(K) */
            float tol = j < N ? 1e-5f * sqrtf((float)K) * (1.0f + fabsf(w)) : 0.0f;
            if (!(fabsf(got - w) <= tol)) {
                *f = (Failure){.i = i, .j = j, .want = w, .got = got};
                wrong = 1;
                break;
            }
        }
    free(A), free(B), free(C);
    return wrong;
}

/* How a failing layout is read: which path each operand takes through `name`. */
static void describe_layout(char *buf, size_t n, const char *name, int la, int lb) {
    if (strstr(name, "gemm_fast"))
        snprintf(buf, n, "in gemm_fast, this A is %s and this B is %s", fast_path(1, la), fast_path(0, lb));
    else
        snprintf(buf, n, "in %s, A is read element by element through both strides, and this B %s", name,
                 lb == ROW_MAJOR || lb == ROW_PADDED ? "by the contiguous inner loop (csb = 1)"
                                                     : "by the strided inner loop (csb != 1)");
}

/* Every layout of A, the first b_layouts of B, both modes, every shape; one message that says which
 * layouts fail where. */
static void check_layouts(GemmFn *gemm, const char *name, int b_layouts) {
    int is_fast = strstr(name, "gemm_fast") != NULL;
    Case cases[SHAPES];
    for (int s = 0; s < SHAPES; s++) make_case(&cases[s], shapes[s][0], shapes[s][1], shapes[s][2]);
    /* per (layout of A, layout of B, accumulate): a bit per failing shape, and the first failure */
    unsigned failed[LAYOUTS][LAYOUTS][2] = {{{0}}};
    Failure first[LAYOUTS][LAYOUTS][2];
    int combos = 0, la0 = -1, lb0 = 0, acc0 = 0;
    for (int la = 0; la < LAYOUTS; la++)
        for (int lb = 0; lb < b_layouts; lb++)
            for (int acc = 0; acc < 2; acc++) {
                for (int s = 0; s < SHAPES; s++) {
                    Failure f;
                    if (!run_one(gemm, &cases[s], la, lb, acc, &f)) continue;
                    if (!failed[la][lb][acc]) first[la][lb][acc] = f, first[la][lb][acc].shape = s;
                    failed[la][lb][acc] |= 1u << s;
                }
                /* report the combination that fails at the most shapes: the clearest pattern */
                if (failed[la][lb][acc] &&
                    (!combos++ || __builtin_popcount(failed[la][lb][acc]) > __builtin_popcount(failed[la0][lb0][acc0])))
                    la0 = la, lb0 = lb, acc0 = acc;
            }
    for (int s = 0; s < SHAPES; s++) free_case(&cases[s]);
    if (la0 < 0) {
        cr_assert(1);
        return;
    }
    Failure f = first[la0][lb0][acc0];
    int M = shapes[f.shape][0], N = shapes[f.shape][1], K = shapes[f.shape][2], rsa, csa, rsb, csb;
    strides(la0, M, K, &rsa, &csa);
    strides(lb0, K, N, &rsb, &csb);
    /* the shapes where this layout can go wrong: not 1x1x1 (only element 0 is read), and for
     * gemm_fast not the tiny ones it hands to gemm_ikj */
    char shapes_failed[160] = "", shape_path[120], layout_path[200], others[400] = "";
    int n_failed = 0, every = 1;
    for (int s = 0; s < SHAPES; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], bad = (failed[la0][lb0][acc0] >> s) & 1;
        int relevant = (double)m * n * k > 1 && !(is_fast && (double)m * n * k < 32.0 * 32 * 32);
        n_failed += bad;
        every &= bad || !relevant;
        if (bad) {
            size_t len = strlen(shapes_failed);
            snprintf(shapes_failed + len, sizeof shapes_failed - len, "%s%dx%dx%d", len ? ", " : "", m, n, k);
        }
    }
    for (int la = 0, listed = 0; la < LAYOUTS; la++)
        for (int lb = 0; lb < LAYOUTS; lb++)
            if (failed[la][lb][0] | failed[la][lb][1]) {
                size_t len = strlen(others);
                if (listed++ < 4)
                    snprintf(others + len, sizeof others - len, "%sA %s x B %s", listed > 1 ? "; " : "",
                             LAYOUT_NAME[la], LAYOUT_NAME[lb]);
                else if (listed == 5)
                    snprintf(others + len, sizeof others - len, "; and more");
            }
    describe_shape(shape_path, sizeof shape_path, M, N, K);
    int tiny = is_fast && (double)M * N * K < 32.0 * 32 * 32; /* then the layout paths are gemm_ikj's */
    describe_layout(layout_path, sizeof layout_path, name, la0, lb0);
    cr_assert_fail(
        "%s: M=%d, N=%d, K=%d, A %s (rsa=%d, csa=%d), B %s (rsb=%d, csb=%d), ldc=%d, accumulate=%d: "
        "C[%d][%d] expected %.6f, got %.6f%s\n"
        "  this layout fails at %d of %d shapes (MxNxK: %s)%s\n"
        "  %d of the %d combinations of layouts and accumulate fail; A x B: %s\n"
        "  hint: %s; %s%s%s",
        name, M, N, K, LAYOUT_NAME[la0], rsa, csa, LAYOUT_NAME[lb0], rsb, csb, N + 3, acc0, f.i, f.j, (double)f.want,
        (double)f.got, f.j >= N ? " (past the end of the row: must not change)" : "", n_failed, SHAPES, shapes_failed,
        every ? ", every shape where the layout matters" : "", combos, 2 * LAYOUTS * b_layouts, others,
        every && combos == 2 * LAYOUTS * b_layouts
            ? "every layout fails, at every shape: the mistake is in what they all share (the kernel, the loops over "
              "blocks, how C is written), not in one layout's path"
        : every ? "at every shape, so the strides of this layout are misread: element A(i,k) is A[i*rsa + k*csa] and "
                  "B(k,j) is B[k*rsb + j*csb]; code that assumes a stride of 1, or the matrix's width as its row "
                  "stride, breaks on this layout"
                : "the layout is read right at other shapes, so look at what this one reaches",
        every ? layout_path : shape_path, every || tiny ? "" : "; ", every || tiny ? "" : layout_path);
}

static void check_all(GemmFn *gemm, const char *name) { check_layouts(gemm, name, LAYOUTS); }

TestSuite(given_matmul_steps, .timeout = 60);

Test(given_matmul_steps, ikj_matches_naive) { check_all(gemm_ikj, "gemm_ikj"); }

Test(given_matmul_steps, blocked_matches_naive) { check_all(gemm_blocked, "gemm_blocked"); }

/* The kernel this machine picks (AVX-512 or AVX2 + FMA on most x86-64). */
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

/* The portable kernel, which ARM and older machines run. The kernel reads A in place or packed, B
 * always packed: every layout of A, and B row- and column-major, are its cases. */
Test(given_matmul_steps, fast_with_the_portable_kernel_matches_naive) {
    cr_assert(setenv("LLMLAB_GEMM_KERNEL", "generic", 1) == 0);
    check_layouts(gemm_fast, "gemm_fast with LLMLAB_GEMM_KERNEL=generic", COL_MAJOR + 1);
}

Test(given_matmul_steps, fast_gives_the_same_bits_on_one_and_two_threads) {
#ifdef _OPENMP
    /* The training runs rely on it: a checkpoint must not depend on the thread count. Two threads split
     * the rows of C for a transposed A, and the columns for a row-major A with enough columns (N = 300). */
    int M = 300, N = 300, K = 600;
    Rng rng;
    rng_init(&rng, 5);
    float *A = random_floats(&rng, (size_t)M * K), *B = random_floats(&rng, (size_t)K * N);
    float *C1 = calloc((size_t)M * N, sizeof *C1), *C2 = calloc((size_t)M * N, sizeof *C2);
    cr_assert(C1 != NULL && C2 != NULL);
    for (int transposed = 1; transposed >= 0; transposed--) {
        int rsa = transposed ? 1 : K, csa = transposed ? M : 1;
        const char *split = transposed ? "A transposed: two threads split the rows of C"
                                       : "A row-major: two threads split the columns of C";
        omp_set_num_threads(1);
        gemm_fast(M, N, K, A, rsa, csa, B, N, 1, C1, N, 0);
        omp_set_num_threads(2);
        gemm_fast(M, N, K, A, rsa, csa, B, N, 1, C2, N, 0);
        for (size_t i = 0; i < (size_t)M * N; i++)
            cr_assert(C1[i] == C2[i], "gemm_fast, %s: C[%zu] is %.9g on one thread, %.9g on two", split, i,
                      (double)C1[i], (double)C2[i]);
    }
    free(A), free(B), free(C1), free(C2);
#endif
}
