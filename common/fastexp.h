/**
 * @file fastexp.h
 * @brief e^x for floats in plain C that a compiler can vectorise.
 *
 * expf() from the C library is exact to half a unit in the last place, but
 * it is a function call, so a loop that calls it works on one number at a
 * time. GELU and the softmax of attention call it for every activation,
 * and the Week 2 GPT spent a sixth of its time there. exp_fast() is a few
 * multiplications and additions with no call and no branch, so GCC and
 * Clang turn a loop of them into vector instructions (4 or 8 floats at
 * once). Its relative error is below 2e-7, about one unit in the last
 * place (common/tests checks it against exp over the whole range).
 *
 * How: write x = n ln2 + r with n an integer and |r| <= ln2 / 2. Then
 * e^x = 2^n e^r. 2^n is a float whose exponent field is n + 127, built with
 * integer operations; e^r, for r that small, is a polynomial of degree 7
 * (a Taylor series whose terms beyond r^7 are below float precision).
 * Inputs are clamped to [-87, 88], where e^x is a normal float, and a NaN
 * input gives e^-87: check for NaN elsewhere when it matters. The loops
 * vectorise with GCC only under -fno-trapping-math (the Makefile sets it):
 * otherwise GCC keeps the comparisons of the clamp as branches.
 */
#ifndef LLMLAB_FASTEXP_H
#define LLMLAB_FASTEXP_H

#include <stdint.h>
#include <string.h>

static inline float exp_fast(float x) {
    x = x > -87.0f ? x : -87.0f; /* written so that a NaN becomes -87 */
    x = x < 88.0f ? x : 88.0f;
    /* n = round(x / ln2): adding 1.5 * 2^23 pushes the fraction bits out */
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    /* r = x - n ln2, with ln2 in two parts so that n * ln2_hi is exact */
    float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#endif
