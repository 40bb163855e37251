/*
 * The four steps of a fast matrix multiplication (see matmul_steps.h and
 * study note 04). Given code: read it, time it with `make bench`, change it.
 */
#include "matmul_steps.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* The micro-kernel comes in the vector width the build targets (the
 * Makefile builds for this processor: -march=native): with AVX-512, 16
 * floats per instruction; with AVX2 and FMA, 8; otherwise the portable
 * loops, which the compiler vectorises as it can. */
#if defined(__AVX512F__)
#include <immintrin.h>
#define HAVE_AVX512_KERNEL 1
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
#endif

/* Start C at 0 unless accumulating. */
static void clear_c(int M, int N, float *C, int ldc, int accumulate) {
    if (accumulate) return;
    for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
}

void gemm_naive(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb, float *C,
                int ldc, int accumulate) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float sum = accumulate ? C[(size_t)i * ldc + j] : 0.0f;
            for (int k = 0; k < K; k++)
                sum += A[(size_t)i * rsa + (size_t)k * csa] * B[(size_t)k * rsb + (size_t)j * csb];
            C[(size_t)i * ldc + j] = sum;
        }
}

void gemm_ikj(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb, float *C,
              int ldc, int accumulate) {
    clear_c(M, N, C, ldc, accumulate);
    for (int i = 0; i < M; i++) {
        /* restrict: c and b never overlap, which lets the compiler vectorise without checks */
        float *restrict c = C + (size_t)i * ldc;
        for (int k = 0; k < K; k++) {
            float a = A[(size_t)i * rsa + (size_t)k * csa];
            const float *restrict b = B + (size_t)k * rsb;
            if (csb == 1)
                for (int j = 0; j < N; j++) c[j] += a * b[j]; /* contiguous: vectorised */
            else
                for (int j = 0; j < N; j++) c[j] += a * b[(size_t)j * csb];
        }
    }
}

/* A TILE_K x TILE_J tile of B (256 KiB) is reused by TILE_I rows of A before
 * the loops move on, so it comes from L2, not from L3 or memory. Tiles alone
 * are not enough where L3 is fast: gemm_ikj is then limited by loading and
 * storing its row of C for every k, and so would this be. So each pass over a
 * row of C takes four rows of B (K_STEP) at once and writes C once for the
 * four: a quarter of the traffic to C. The four products are added one after
 * the other, in the order of k, as gemm_ikj adds them. */
enum { TILE_I = 64, TILE_K = 128, TILE_J = 512, K_STEP = 4 };

void gemm_blocked(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb, float *C,
                  int ldc, int accumulate) {
    clear_c(M, N, C, ldc, accumulate);
    for (int j0 = 0; j0 < N; j0 += TILE_J)
        for (int k0 = 0; k0 < K; k0 += TILE_K)
            for (int i0 = 0; i0 < M; i0 += TILE_I) {
                int i1 = i0 + TILE_I < M ? i0 + TILE_I : M, k1 = k0 + TILE_K < K ? k0 + TILE_K : K;
                int j1 = j0 + TILE_J < N ? j0 + TILE_J : N;
                for (int i = i0; i < i1; i++) {
                    float *restrict c = C + (size_t)i * ldc;
                    const float *a = A + (size_t)i * rsa;
                    int k = k0;
                    if (csb == 1) /* four rows of B per pass over the row of C */
                        for (; k + K_STEP <= k1; k += K_STEP) {
                            float a0 = a[(size_t)k * csa], a1 = a[(size_t)(k + 1) * csa];
                            float a2 = a[(size_t)(k + 2) * csa], a3 = a[(size_t)(k + 3) * csa];
                            const float *restrict b0 = B + (size_t)k * rsb, *restrict b1 = b0 + rsb;
                            const float *restrict b2 = b1 + rsb, *restrict b3 = b2 + rsb;
                            for (int j = j0; j < j1; j++)
                                c[j] = c[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
                        }
                    for (; k < k1; k++) { /* the last few k, and a B with csb != 1 */
                        float ak = a[(size_t)k * csa];
                        const float *restrict b = B + (size_t)k * rsb;
                        if (csb == 1)
                            for (int j = j0; j < j1; j++) c[j] += ak * b[j];
                        else
                            for (int j = j0; j < j1; j++) c[j] += ak * b[(size_t)j * csb];
                    }
                }
            }
}

/* ---- step 3: packing and a register-blocked micro-kernel ---- */

/* MR x NR is the tile of C one kernel call keeps in registers. With AVX2:
 * 6 rows x 16 columns = 12 registers of 8 floats; KC x NR of B (16 KiB)
 * stays in L1, MC x KC of A (96 KiB) in L2, KC x NC of B in L3. With
 * AVX-512: 8 rows x 32 columns = 16 registers of 16 floats, so twice the
 * work per loaded value of A; KC x NR of B is 32 KiB (AVX-512 processors
 * have an L1 of 32 KiB or more and an L2 of 1 MiB or more), MC x KC of A
 * 192 KiB. The portable kernel uses the build's sizes. */
#ifdef HAVE_AVX512_KERNEL
enum { MR = 8, NR = 32, KC = 256, MC = 192, NC = 2048 };
#else
enum { MR = 6, NR = 16, KC = 256, MC = 96, NC = 2048 };
#endif

/* Copy A[i0.., k0..] (mc x kc) into row panels of MR: panel p holds, for each
 * k, the MR values A(i0+p*MR+r, k) side by side. Rows past M are 0. Only an
 * A that is not row-major comes here (the kernel reads a row-major one where
 * it is): a full panel of a transposed A (rsa == 1) takes a path that reads
 * memory in order; the general loop does the rest. */
static void pack_a(float *dst, const float *A, int rsa, int csa, int i0, int mc, int k0, int kc, int M) {
    for (int p = 0; p < mc; p += MR, dst += (size_t)MR * kc) {
        const float *a = A + (size_t)(i0 + p) * rsa + (size_t)k0 * csa;
        if (p + MR <= mc && i0 + p + MR <= M && rsa == 1) {
            for (int k = 0; k < kc; k++)
                for (int r = 0; r < MR; r++) dst[k * MR + r] = a[(size_t)k * csa + r];
        } else {
            for (int k = 0; k < kc; k++)
                for (int r = 0; r < MR; r++) {
                    int i = i0 + p + r;
                    dst[k * MR + r] = (p + r < mc && i < M) ? A[(size_t)i * rsa + (size_t)(k0 + k) * csa] : 0.0f;
                }
        }
    }
}

/* Copy B[k0.., j0..] (kc x nc) into column panels of NR, the same way. A
 * row-major B is read row by row, each row's pieces dealt out to the panels:
 * one pass through memory in order, rather than one cache line per row and
 * panel (B is often a big activation that is no longer in cache). */
static void pack_b(float *dst, const float *B, int rsb, int csb, int k0, int kc, int j0, int nc) {
    int full = csb == 1 || rsb == 1 ? nc / NR * NR : 0; /* columns in full panels with an in-order path */
    if (csb == 1)
        for (int k = 0; k < kc; k++) {
            const float *row = B + (size_t)(k0 + k) * rsb + j0;
            for (int q = 0; q < full; q += NR) memcpy(dst + (size_t)q * kc + k * NR, row + q, NR * sizeof(float));
        }
    else if (rsb == 1)
        for (int q = 0; q < full; q += NR)
            for (int c = 0; c < NR; c++) {
                const float *col = B + (size_t)(j0 + q + c) * csb + k0;
                for (int k = 0; k < kc; k++) dst[(size_t)q * kc + k * NR + c] = col[k];
            }
    for (int q = full; q < nc; q += NR) /* the rest, zero past the edge */
        for (int k = 0; k < kc; k++)
            for (int c = 0; c < NR; c++)
                dst[(size_t)q * kc + k * NR + c] =
                    q + c < nc ? B[(size_t)(k0 + k) * rsb + (size_t)(j0 + q + c) * csb] : 0.0f;
}

/* Add acc (MR x NR) into the rows x cols corner of C at c (row stride ldc),
 * or store it there when `add` is 0. */
static void add_tile(float *c, int ldc, const float *acc, int rows, int cols, int add) {
    for (int r = 0; r < rows; r++)
        for (int s = 0; s < cols; s++) c[(size_t)r * ldc + s] = acc[r * NR + s] + (add ? c[(size_t)r * ldc + s] : 0.0f);
}

/* C tile (rows x cols <= MR x NR) += A (rows x kc) times a b panel (kc x NR),
 * or = when `add` is 0 (the first block of k of a product that does not
 * accumulate: C is then never read). A(r, k) is a[r * ars + k * acs]: a
 * packed panel (ars 1, acs MR) or rows of A where they are (ars its row
 * stride, acs 1). Portable version: loops of constant length over the
 * rows and columns of the tile (rows past the edge repeat the last one, as
 * in the vector kernels), which the compiler unrolls and vectorises; with
 * `r < rows` as the bound it did neither, and ran 8 times slower. */
static void kernel_generic(int kc, const float *a, int ars, int acs, const float *b, float *c, int ldc, int rows,
                           int cols, int add) {
    const float *ar[MR];
    for (int r = 0; r < MR; r++) ar[r] = a + (size_t)(r < rows ? r : rows - 1) * ars;
    float acc[MR][NR] = {{0}};
    for (size_t k = 0, ka = 0; k < (size_t)kc; k++, ka += (size_t)acs, b += NR)
        for (int r = 0; r < MR; r++) {
            float ak = ar[r][ka];
            for (int s = 0; s < NR; s++) acc[r][s] += ak * b[s];
        }
    add_tile(c, ldc, &acc[0][0], rows, cols, add);
}

#ifdef HAVE_AVX2_KERNEL
/* With AVX2 and FMA: 12 accumulators; per k, 2 loads of b, 6 broadcasts of a,
 * 12 FMAs. The tile of C is often not in cache (a fresh activation, or a
 * gradient cleared long ago): asking for its rows first lets memory deliver
 * them while the loop over k runs. */
static void kernel_avx2(int kc, const float *a, int ars, int acs, const float *b, float *c, int ldc, int rows, int cols,
                        int add) {
    for (int r = 0; r < rows; r++) {
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + NR - 1), _MM_HINT_T0);
    }
    /* the six rows of A; past the last row, the last one again (its results are not stored) */
    const float *a0 = a, *a1 = a + (size_t)(rows > 1) * ars, *a2 = a + (size_t)(rows > 2 ? 2 : rows - 1) * ars;
    const float *a3 = a + (size_t)(rows > 3 ? 3 : rows - 1) * ars, *a4 = a + (size_t)(rows > 4 ? 4 : rows - 1) * ars;
    const float *a5 = a + (size_t)(rows > 5 ? 5 : rows - 1) * ars;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t k = 0, ka = 0; k < (size_t)kc; k++, ka += (size_t)acs, b += NR) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), ar;
        ar = _mm256_broadcast_ss(a0 + ka);
        c00 = _mm256_fmadd_ps(ar, b0, c00);
        c01 = _mm256_fmadd_ps(ar, b1, c01);
        ar = _mm256_broadcast_ss(a1 + ka);
        c10 = _mm256_fmadd_ps(ar, b0, c10);
        c11 = _mm256_fmadd_ps(ar, b1, c11);
        ar = _mm256_broadcast_ss(a2 + ka);
        c20 = _mm256_fmadd_ps(ar, b0, c20);
        c21 = _mm256_fmadd_ps(ar, b1, c21);
        ar = _mm256_broadcast_ss(a3 + ka);
        c30 = _mm256_fmadd_ps(ar, b0, c30);
        c31 = _mm256_fmadd_ps(ar, b1, c31);
        ar = _mm256_broadcast_ss(a4 + ka);
        c40 = _mm256_fmadd_ps(ar, b0, c40);
        c41 = _mm256_fmadd_ps(ar, b1, c41);
        ar = _mm256_broadcast_ss(a5 + ka);
        c50 = _mm256_fmadd_ps(ar, b0, c50);
        c51 = _mm256_fmadd_ps(ar, b1, c51);
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (rows == MR && cols == NR) { /* a full tile: straight into C */
        for (int r = 0; r < MR; r++) {
            float *row = c + (size_t)r * ldc;
            if (add) {
                acc[r][0] = _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]);
                acc[r][1] = _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]);
            }
            _mm256_storeu_ps(row, acc[r][0]);
            _mm256_storeu_ps(row + 8, acc[r][1]);
        }
        return;
    }
    float tile[MR * NR]; /* an edge tile: only part of it is inside C */
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_ps(tile + r * NR, acc[r][0]);
        _mm256_storeu_ps(tile + r * NR + 8, acc[r][1]);
    }
    add_tile(c, ldc, tile, rows, cols, add);
}
#endif

#ifdef HAVE_AVX512_KERNEL
/* With AVX-512: the same kernel on registers of 16 floats, MR x NR = 8 x 32.
 * Per k, 2 loads of b, 8 broadcasts of a, 16 FMAs. The accumulators are an
 * array, acc[r][v] = columns 16v..16v+15 of row r; the loops over r and v
 * have constant bounds, so the compiler unrolls them and keeps all 16 in
 * registers (AVX-512 has 32). An edge tile is written through a mask: only
 * the lanes inside C are loaded and stored. */
static void kernel_avx512(int kc, const float *a, int ars, int acs, const float *b, float *c, int ldc, int rows,
                          int cols, int add) {
    enum { NV = NR / 16 };           /* vectors per row of the tile */
    for (int r = 0; r < rows; r++) { /* a row of the tile spans 2 or 3 cache lines */
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + NR - 1), _MM_HINT_T0);
    }
    const float *ar[MR]; /* past the last row, the last one again (its results are not stored) */
    for (int r = 0; r < MR; r++) ar[r] = a + (size_t)(r < rows ? r : rows - 1) * ars;
    __m512 acc[MR][NV];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (size_t k = 0, ka = 0; k < (size_t)kc; k++, ka += (size_t)acs, b += NR) {
        __m512 bv[NV];
        for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
        for (int r = 0; r < MR; r++) {
            __m512 ak = _mm512_set1_ps(ar[r][ka]);
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(ak, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *row = c + (size_t)r * ldc;
        for (int v = 0; v < NV && 16 * v < cols; v++) {
            int left = cols - 16 * v;
            __mmask16 inside = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 x = acc[r][v];
            if (add) x = _mm512_add_ps(_mm512_maskz_loadu_ps(inside, row + 16 * v), x);
            _mm512_mask_storeu_ps(row + 16 * v, inside, x);
        }
    }
}
#endif

typedef void KernelFn(int kc, const float *a, int ars, int acs, const float *b, float *c, int ldc, int rows, int cols,
                      int add);

/* The kernel of the build's vector width. The environment variable
 * LLMLAB_GEMM_KERNEL=generic asks for the portable one anyway: to time what
 * the vector instructions buy (`LLMLAB_GEMM_KERNEL=generic make bench`), and
 * so that the tests check the kernel other processors run. Read once. */
static KernelFn *pick_kernel(void) {
    static atomic_int generic = -1; /* -1: not read yet */
    int g = atomic_load_explicit(&generic, memory_order_relaxed);
    if (g < 0) {
        const char *env = getenv("LLMLAB_GEMM_KERNEL");
        g = env != NULL && strcmp(env, "generic") == 0;
        atomic_store_explicit(&generic, g, memory_order_relaxed);
    }
#ifdef HAVE_AVX512_KERNEL
    if (!g) return kernel_avx512;
#endif
#ifdef HAVE_AVX2_KERNEL
    if (!g) return kernel_avx2;
#endif
    return kernel_generic;
}

/* The packing buffers, kept from one call to the next: allocating two
 * megabytes on every call made the kernel clear fresh pages, 4% of a GPT
 * training step. One caller at a time gets the kept buffer; another one
 * calling at the same moment (from its own thread) allocates its own. */
static atomic_flag pack_busy = ATOMIC_FLAG_INIT;
static float *pack_kept;
static size_t pack_kept_n;

static float *pack_buffers(size_t n, int *kept) {
    *kept = !atomic_flag_test_and_set(&pack_busy);
    if (!*kept) return XMALLOC(n * sizeof(float));
    if (pack_kept_n < n) {
        free(pack_kept);
        pack_kept = XMALLOC(n * sizeof(float));
        pack_kept_n = n;
    }
    return pack_kept;
}

/* The kept buffer goes when the program ends (so leak checkers see none). */
__attribute__((destructor)) static void pack_buffers_release(void) {
    free(pack_kept);
    pack_kept = NULL, pack_kept_n = 0;
}

static void pack_buffers_done(float *buf, int kept) {
    if (kept)
        atomic_flag_clear(&pack_busy);
    else
        free(buf);
}

/* Rows i0..i0+mc of C, columns 0..nc of the block of B packed at bpack, for
 * the block of k at k0 (kc): pack these rows of A unless the kernel reads
 * them in place, then one kernel call per tile, B's panels outside (each
 * stays in L1 while the row panels of A go past it). C points at column 0 of
 * the block; the first block of k of a product that does not accumulate is
 * stored, not added. */
static void multiply_block(KernelFn *kernel, const float *A, int rsa, int csa, int M, float *apack, const float *bpack,
                           int i0, int mc, int k0, int kc, int nc, float *C, int ldc, int add) {
    int direct = csa == 1; /* row-major A: the kernel reads its rows where they are, no packing */
    if (!direct) pack_a(apack, A, rsa, csa, i0, mc, k0, kc, M);
    for (int q = 0; q < nc; q += NR)
        for (int p = 0; p < mc; p += MR) {
            const float *a = direct ? A + (size_t)(i0 + p) * rsa + k0 : apack + (size_t)p * kc;
            kernel(kc, a, direct ? rsa : 1, direct ? 1 : MR, bpack + (size_t)q * kc, C + (size_t)(i0 + p) * ldc + q,
                   ldc, mc - p < MR ? mc - p : MR, nc - q < NR ? nc - q : NR, add);
        }
}

/* The threads split the columns of C: each packs its own panels of B and
 * runs them against every row of A, read in place. Nothing is shared, so no
 * thread ever waits for another until the end. Only for a row-major A (any
 * other would be packed by every thread) and enough columns for each. */
static void gemm_by_columns(KernelFn *kernel, int M, int N, int K, const float *A, int rsa, const float *B, int rsb,
                            int csb, float *C, int ldc, int accumulate, int threads) {
    int panels = (N + NR - 1) / NR, most = (panels + threads - 1) / threads * NR; /* columns of a thread */
    int step = most < NC ? most : NC; /* the columns of one packed block of B */
    size_t b_size = (size_t)(K < KC ? K : KC) * step;
    int kept;
    float *buffers = pack_buffers((size_t)threads * b_size, &kept);
#pragma omp parallel num_threads(threads)
    {
        int me = 0, team = 1;
#ifdef _OPENMP
        me = omp_get_thread_num(), team = omp_get_num_threads();
#endif
        float *bpack = buffers + (size_t)me * b_size;
        int c0 = panels * me / team * NR, c1 = panels * (me + 1) / team * NR; /* this thread's columns */
        c1 = c1 < N ? c1 : N;
        for (int j0 = c0; j0 < c1; j0 += step) { /* (a smaller team than asked for: more steps) */
            int nc = c1 - j0 < step ? c1 - j0 : step;
            for (int k0 = 0; k0 < K; k0 += KC) {
                int kc = K - k0 < KC ? K - k0 : KC;
                pack_b(bpack, B, rsb, csb, k0, kc, j0, nc);
                for (int i0 = 0; i0 < M; i0 += MC)
                    multiply_block(kernel, A, rsa, 1, M, NULL, bpack, i0, M - i0 < MC ? M - i0 : MC, k0, kc, nc, C + j0,
                                   ldc, accumulate || k0 > 0);
            }
        }
    }
    pack_buffers_done(buffers, kept);
}

void gemm_fast(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb, float *C,
               int ldc, int accumulate) {
    if ((double)M * N * K < 32.0 * 32 * 32) { /* tiny: packing costs more than it saves */
        gemm_ikj(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate);
        return;
    }
    KernelFn *kernel = pick_kernel();
    int threads = 1;
#ifdef _OPENMP
    int parallel = (double)M * N * K >= 2.0 * (1 << 20); /* small: one thread beats the barriers */
    threads = parallel ? omp_get_max_threads() : 1;
#endif
    if (threads > 1 && csa == 1 && N >= 4 * NR * threads) { /* at least 4 panels of B per thread */
        gemm_by_columns(kernel, M, N, K, A, rsa, B, rsb, csb, C, ldc, accumulate, threads);
        return;
    }
    /* Otherwise the threads split the rows: all pack a block of B together,
     * then each takes its own blocks of rows of A, packs them into its own
     * buffer and multiplies them by the shared block: two barriers per block
     * of B, none per block of A. Blocks of rows are at most MC, and as many
     * as a multiple of the number of threads, so that each thread gets the
     * same share. */
    int per_thread = (M + threads * MC - 1) / (threads * MC); /* blocks of rows */
    int rows = (M + threads * per_thread - 1) / (threads * per_thread);
    rows = (rows + MR - 1) / MR * MR; /* at most MC */
    int kc_max = K < KC ? K : KC, nc_max = N < NC ? N : NC;
    size_t b_size = (size_t)kc_max * ((nc_max + NR - 1) / NR * NR), a_size = (size_t)kc_max * (rows + MR);
    int kept;
    float *bpack = pack_buffers(b_size + (size_t)threads * a_size, &kept);
#pragma omp parallel if (parallel)
    {
        int me = 0, team = 1;
#ifdef _OPENMP
        me = omp_get_thread_num(), team = omp_get_num_threads();
#endif
        float *apack = bpack + b_size + (size_t)me * a_size;
        for (int j0 = 0; j0 < N; j0 += NC) {
            int nc = N - j0 < NC ? N - j0 : NC;
            for (int k0 = 0; k0 < K; k0 += KC) {
                int kc = K - k0 < KC ? K - k0 : KC;
                /* this thread's share of the panels of B, then wait for the others' */
                int panels = (nc + NR - 1) / NR, q0 = panels * me / team * NR, q1 = panels * (me + 1) / team * NR;
                q1 = q1 < nc ? q1 : nc;
                if (q1 > q0) pack_b(bpack + (size_t)q0 * kc, B, rsb, csb, k0, kc, j0 + q0, q1 - q0);
#pragma omp barrier
#pragma omp for schedule(static)
                for (int i0 = 0; i0 < M; i0 += rows)
                    multiply_block(kernel, A, rsa, csa, M, apack, bpack, i0, M - i0 < rows ? M - i0 : rows, k0, kc, nc,
                                   C + j0, ldc, accumulate || k0 > 0);
            }
        }
    }
    pack_buffers_done(bpack, kept);
}
