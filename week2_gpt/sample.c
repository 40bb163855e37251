/*
 * Week 2 exercises: the samplers of sample.h.
 */
#include <math.h>
#include <stdlib.h>

#include "sample.h"
#include "todo.h"

int prob_index_compare(const void *a, const void *b) {
    const ProbIndex *x = a, *y = b;
    if (x->prob != y->prob) return x->prob > y->prob ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

void probs_with_temperature(float *probs, const float *logits, int V, float temperature) {
    /* TODO(week2): divide the logits by the temperature, subtract their maximum
     * (so exp never overflows), exponentiate, and normalise to sum 1. */
    TODO_UNIMPLEMENTED();
}

int top_k_filter(float *probs, int V, int k, ProbIndex *scratch) {
    /* TODO(week2): if k <= 0 or k >= V keep all. Else copy (prob, index) pairs
     * to scratch, sort them with qsort and prob_index_compare, zero the probs
     * of every entry after the first k, and renormalise. */
    TODO_UNIMPLEMENTED();
}

int top_p_filter(float *probs, int V, float p, ProbIndex *scratch) {
    /* TODO(week2): if p >= 1 keep all. Else sort like top_k_filter, walk the
     * sorted entries adding up their probabilities, and keep entries until the
     * sum reaches p (keep the one that reaches it; a sum equal to p has reached
     * it, so add while sum < p); zero the rest, renormalise. */
    TODO_UNIMPLEMENTED();
}

int sample_index(const float *probs, int V, double u) {
    /* TODO(week2): walk the probabilities adding them up; return the first
     * index where the running sum exceeds u. Rounding can leave the total a
     * hair below u: then return the last index whose probability is not 0. */
    TODO_UNIMPLEMENTED();
}

int sample_next(const float *logits, int V, const SamplerConfig *s, Rng *rng, float *probs, ProbIndex *scratch) {
    /* TODO(week2): temperature 0 (or below): the argmax (the smaller id on a
     * tie), with no random draw. Otherwise the four steps of sample.h, with one
     * rng_uniform(rng) for sample_index. */
    TODO_UNIMPLEMENTED();
}
