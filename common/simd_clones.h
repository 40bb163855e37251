/**
 * @file simd_clones.h
 * @brief The reference's hot loops, compiled for AVX2 too; the right copy
 * is picked when the program starts.
 *
 * The course builds for any x86-64, so the compiler may only use the
 * 128-bit SSE registers that every x86-64 has: 4 floats per instruction.
 * Most machines of the last ten years also have AVX2, with 256-bit
 * registers: 8 floats. The functions declared again below get GCC's
 * target_clones attribute: each is compiled twice, for plain x86-64 and for
 * AVX2, and the dynamic loader chooses by the processor it runs on (an
 * "ifunc" in the ELF file). Results are the same on both but for the order
 * of a few sums in vector lanes.
 *
 * The Makefile force-includes this header (-include) when it compiles the
 * reference files that define these functions, and only those: a file
 * that merely calls one must not see the attribute (GCC would then look
 * for the clones in that file). The lessons' skeletons and the learner's
 * code stay plain C. With Clang (the fuzzers), under AddressSanitizer or on
 * other processors the header declares nothing: only speed depends on it.
 */
#ifndef LLMLAB_SIMD_CLONES_H
#define LLMLAB_SIMD_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__)
#include <stddef.h>

#include "attention.h"
#include "train.h"
#include "transformer.h"

#define LLMLAB_CLONES __attribute__((target_clones("avx2", "default")))

LLMLAB_CLONES void sdpa_forward(float *out, int out_stride, float *att, const float *q, const float *k,
                                const float *v, int stride, int Tq, int Tk, int hs, float scale, int causal);
LLMLAB_CLONES void sdpa_backward(float *dq, float *dk, float *dv, float *datt, const float *dout, int out_stride,
                                 const float *att, const float *q, const float *k, const float *v, int stride,
                                 int Tq, int Tk, int hs, float scale);
LLMLAB_CLONES void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                                     const float *bias, int N, int C);
LLMLAB_CLONES void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                      const float *inp, const float *weight, const float *mean, const float *rstd,
                                      int N, int C);
LLMLAB_CLONES void gelu_forward(float *out, const float *inp, size_t n);
LLMLAB_CLONES void gelu_backward(float *dinp, const float *dout, const float *inp, size_t n);
LLMLAB_CLONES void adamw_update(float *param, const float *grad, float *m, float *v, size_t n, long t, float lr,
                                float beta1, float beta2, float eps, float weight_decay);
#endif

#endif
