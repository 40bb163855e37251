#include "toydata.h"

#include <math.h>

void toydata_xor(double x[4][2], double y[4]) {
    for (int i = 0; i < 4; i++) {
        x[i][0] = (double)(i >> 1);
        x[i][1] = (double)(i & 1);
        y[i] = (double)((i >> 1) ^ (i & 1));
    }
}

void toydata_moons(Rng *rng, int n, double noise, double *x, double *y) {
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < n; i++) {
        double t = pi * rng_uniform(rng); /* angle along the half circle */
        if (i % 2 == 0) {                 /* upper moon: centre (0, 0) */
            x[2 * i] = cos(t);
            x[2 * i + 1] = sin(t);
            y[i] = 0.0;
        } else { /* lower moon: centre (1, 0.5), flipped */
            x[2 * i] = 1.0 - cos(t);
            x[2 * i + 1] = 0.5 - sin(t);
            y[i] = 1.0;
        }
        x[2 * i] += noise * rng_normal(rng);
        x[2 * i + 1] += noise * rng_normal(rng);
    }
}
