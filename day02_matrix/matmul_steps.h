/**
 * @file matmul_steps.h
 * @brief Four matrix multiplications, each faster than the last: the performance lesson.
 *
 * All four compute the same thing, `C (M,N) = A (M,K) @ B (K,N)` (or `+=`
 * with @p accumulate = 1), and differ only in the order in which they touch
 * memory. `make bench` times each one; study note 04 explains the steps.
 *
 * Strides let one routine read a matrix or its transpose without copying:
 * element A(i,k) is `A[i*rsa + k*csa]` and B(k,j) is `B[k*rsb + j*csb]`.
 * A row-major (M,K) matrix has rsa = K, csa = 1; its transpose, read as
 * (K,M), has rsa = 1, csa = K. C is row-major with row stride @p ldc.
 */
#ifndef LLMLAB_MATMUL_STEPS_H
#define LLMLAB_MATMUL_STEPS_H

/** The signature all four share. */
typedef void GemmFn(int M, int N, int K, const float *A, int rsa, int csa, const float *B, int rsb, int csb, float *C,
                    int ldc, int accumulate);

/** Step 0, the textbook: for each (i, j) a dot product over k. Reads B down a column: a new cache line for every k. */
GemmFn gemm_naive;
/** Step 1, loop order i-k-j: the inner loop walks rows of B and C in order, so the compiler vectorises it. */
GemmFn gemm_ikj;
/**
 * Step 2, cache blocking: i-k-j over tiles small enough that B's tile stays in cache while it is reused,
 * and four rows of B per pass over a row of C, so that C is loaded and stored once per four k.
 */
GemmFn gemm_blocked;
/**
 * Step 3, the reference: pack tiles of A and B into contiguous panels, then
 * a register-blocked kernel in the build's vector width: 6x16 with AVX2 + FMA
 * (96 multiply-adds per 22 loads), 8x32 with AVX-512 (256 per 40), portable
 * loops elsewhere; OpenMP threads share the rows of C.
 * `LLMLAB_GEMM_KERNEL=generic` in the environment picks the portable kernel.
 *
 * The linear layer's forward pass with it (step 7 of the README): out (N,OC)
 * = inp (N,C) @ weight^T, so gemm_fast's M, N, K are N, OC, C. A = inp is
 * row-major: rsa = C, csa = 1. B = weight^T, whose element (c, o) is
 * weight[o*C + c]: rsb = 1, csb = C. out has row stride ldc = OC, and
 * accumulate = 0 overwrites it; add the bias afterwards. The backward pass's
 * two products (dout @ weight and dout^T @ inp, both with accumulate = 1)
 * are yours to work out, as study note 01 suggests.
 */
GemmFn gemm_fast;

/** Multiply-adds are 2 floating-point operations: the work of one call is 2*M*N*K FLOPs. */
static inline double gemm_flops(int M, int N, int K) { return 2.0 * M * N * K; }

#endif
