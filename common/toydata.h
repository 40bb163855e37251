/**
 * @file toydata.h
 * @brief Small generated datasets for the first lessons: XOR and two moons.
 *
 * Generated, not downloaded: the same seed gives the same points on every
 * machine, and nothing needs the network.
 */
#ifndef LLMLAB_TOYDATA_H
#define LLMLAB_TOYDATA_H

#include "rng.h"

/**
 * The four XOR cases: x (4,2) gets (0,0) (0,1) (1,0) (1,1), y (4) gets 0 1 1 0.
 * No straight line separates the 1s from the 0s, which is why a network
 * needs a hidden layer to learn it.
 */
void toydata_xor(double x[4][2], double y[4]);

/**
 * Two interleaving half circles ("two moons"), @p n points in all: x (n,2),
 * y (n) with labels 0 (upper moon) and 1 (lower moon), alternating, so any
 * prefix is balanced. Gaussian noise of standard deviation @p noise is added
 * to both coordinates. Not separable by a line; easy for a small MLP.
 */
void toydata_moons(Rng *rng, int n, double noise, double *x, double *y);

#endif
