/*
 * Tests of Week 4's given report code (run by `make test-common`, not graded):
 * report_bootstrap(), the interval of every bits-per-byte figure and of every
 * difference between two models, on small cases worked out by hand.
 */
#include <math.h>
#include <stdlib.h>

#include "domain.h"
#include "testing.h"

/* The same timeout as the other given suites (see test_collect.c). */
TestSuite(given_report, .timeout = 20);

static void bootstrap(const double *bits, const double *minus, const double *bytes, size_t n, double *lo, double *hi) {
    report_bootstrap(bits, minus, bytes, n, REPORT_BOOTSTRAP_DRAWS, REPORT_BOOTSTRAP_SEED, lo, hi);
}

Test(given_report, one_value_gives_a_point) {
    double lo, hi, bits[] = {30.0, 60.0, 15.0}, bytes[] = {10.0, 20.0, 5.0}; /* 3 bits per byte in each */
    bootstrap(bits, NULL, bytes, 3, &lo, &hi);
    EXPECT_NEAR(lo, 3.0, 1e-12, "report_bootstrap: lower end, every document at 3 bits per byte",
                "every resampling has 3 bits per byte, so the interval is [3, 3]");
    EXPECT_NEAR(hi, 3.0, 1e-12, "report_bootstrap: upper end, every document at 3 bits per byte", "");
    bootstrap(bits, NULL, bytes, 1, &lo, &hi);
    cr_expect(lo == 3.0 && hi == 3.0, "report_bootstrap of one document: expected [3, 3], got [%g, %g]", lo, hi);
    bootstrap(bits, NULL, bytes, 0, &lo, &hi);
    cr_expect(lo == 0.0 && hi == 0.0, "report_bootstrap of no document: expected [0, 0], got [%g, %g]", lo, hi);
}

/* Two documents of 100 bytes at 0 and 2 bits per byte: a resampling of two picks both (1 bit per
 * byte, probability 1/2), or one of them twice (0 or 2, 1/4 each). Of 1000 draws about 250 are 0
 * and 250 are 2, so the 2.5th percentile is 0 and the 97.5th is 2, while the figure is 1. */
Test(given_report, two_documents_worked_out_by_hand) {
    double lo, hi, bits[] = {0.0, 200.0}, bytes[] = {100.0, 100.0};
    bootstrap(bits, NULL, bytes, 2, &lo, &hi);
    cr_expect(lo == 0.0 && hi == 2.0, "report_bootstrap of 0 and 2 bits per byte: expected [0, 2], got [%g, %g]", lo,
              hi);
    double lo2, hi2;
    bootstrap(bits, NULL, bytes, 2, &lo2, &hi2);
    cr_expect(lo2 == lo && hi2 == hi, "report_bootstrap with the same seed gives the same interval");
}

/* Per byte, not per document: a long document weighs more. 1 document of 900 bytes at 1 bit per
 * byte, 9 of 10 bytes at 5: the figure is (900 + 450) / 990 = 1.36, far from the mean of the
 * documents' figures (4.6); each draw is such a ratio, so the interval holds 1.36. */
Test(given_report, a_draw_is_bits_over_bytes) {
    double bits[10], bytes[10], lo, hi;
    bits[0] = 900, bytes[0] = 900;
    for (int i = 1; i < 10; i++) bits[i] = 50, bytes[i] = 10;
    bootstrap(bits, NULL, bytes, 10, &lo, &hi);
    double figure = 1350.0 / 990.0;
    cr_expect(lo <= figure && figure <= hi && hi <= 5.0 && lo >= 1.0,
              "report_bootstrap: expected an interval around %.3f (bits over bytes of the resampled documents) "
              "within [1, 5], got [%.3f, %.3f]",
              figure, lo, hi);
}

/* Model b is model a plus 0.1 bits per byte on every document. Alone, their intervals overlap
 * (the documents differ much more than the models); paired, every draw of the difference is
 * exactly -0.1 (a minus b): the two are told apart. A model against itself: the difference is 0. */
Test(given_report, the_paired_difference) {
    double a[8], b[8], bytes[8], lo_a, hi_a, lo_b, hi_b, lo, hi;
    for (int i = 0; i < 8; i++) {
        bytes[i] = 100.0 * (i + 1);
        a[i] = bytes[i] * (1.0 + 0.5 * (i % 4)); /* 1 to 2.5 bits per byte */
        b[i] = a[i] + 0.1 * bytes[i];
    }
    bootstrap(a, NULL, bytes, 8, &lo_a, &hi_a);
    bootstrap(b, NULL, bytes, 8, &lo_b, &hi_b);
    cr_expect(lo_b < hi_a, "the two models' own intervals overlap: a [%.3f, %.3f], b [%.3f, %.3f]", lo_a, hi_a, lo_b,
              hi_b);
    bootstrap(a, b, bytes, 8, &lo, &hi);
    EXPECT_NEAR(lo, -0.1, 1e-12, "report_bootstrap: the paired difference a - b, lower end",
                "each draw takes the difference on the same documents, so it is -0.1 every time");
    EXPECT_NEAR(hi, -0.1, 1e-12, "report_bootstrap: the paired difference a - b, upper end", "");
    bootstrap(a, a, bytes, 8, &lo, &hi);
    cr_expect(lo == 0.0 && hi == 0.0, "a model against itself: expected [0, 0], got [%g, %g]", lo, hi);
}
