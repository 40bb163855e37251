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
    /* BEGIN SOLUTION */
    float max = logits[0];
    for (int i = 1; i < V; i++) max = logits[i] > max ? logits[i] : max;
    double sum = 0;
    for (int i = 0; i < V; i++) sum += (probs[i] = expf((logits[i] - max) / temperature));
    for (int i = 0; i < V; i++) probs[i] = (float)(probs[i] / sum);
    /* END SOLUTION */
}

/* BEGIN SOLUTION */
/* Renormalise probs to sum 1 (it holds only the kept entries). */
static void renormalise(float *probs, int V) {
    double sum = 0;
    for (int i = 0; i < V; i++) sum += probs[i];
    for (int i = 0; i < V; i++) probs[i] = (float)(probs[i] / sum);
}
/* END SOLUTION */

int top_k_filter(float *probs, int V, int k, ProbIndex *scratch) {
    /* TODO(week2): if k <= 0 or k >= V keep all. Else copy (prob, index) pairs
     * to scratch, sort them with qsort and prob_index_compare, zero the probs
     * of every entry after the first k, and renormalise. */
    /* BEGIN SOLUTION */
    if (k <= 0 || k >= V) return V;
    for (int i = 0; i < V; i++) scratch[i] = (ProbIndex){probs[i], i};
    qsort(scratch, (size_t)V, sizeof *scratch, prob_index_compare);
    for (int r = k; r < V; r++) probs[scratch[r].index] = 0.0f;
    renormalise(probs, V);
    return k;
    /* END SOLUTION */
}

int top_p_filter(float *probs, int V, float p, ProbIndex *scratch) {
    /* TODO(week2): if p >= 1 keep all. Else sort like top_k_filter, walk the
     * sorted entries adding up their probabilities, and keep entries until the
     * sum reaches p (keep the one that reaches it; a sum equal to p has reached
     * it, so add while sum < p); zero the rest, renormalise. */
    /* BEGIN SOLUTION */
    if (p >= 1.0f) return V;
    for (int i = 0; i < V; i++) scratch[i] = (ProbIndex){probs[i], i};
    qsort(scratch, (size_t)V, sizeof *scratch, prob_index_compare);
    double sum = 0;
    int keep = 0;
    while (keep < V && (keep == 0 || sum < p)) sum += scratch[keep++].prob;
    for (int r = keep; r < V; r++) probs[scratch[r].index] = 0.0f;
    renormalise(probs, V);
    return keep;
    /* END SOLUTION */
}

int sample_index(const float *probs, int V, double u) {
    /* TODO(week2): walk the probabilities adding them up; return the first
     * index where the running sum exceeds u. Rounding can leave the total a
     * hair below u: then return the last index whose probability is not 0. */
    /* BEGIN SOLUTION */
    double cdf = 0;
    int last = 0;
    for (int i = 0; i < V; i++) {
        if (probs[i] > 0) last = i;
        cdf += probs[i];
        if (u < cdf) return i;
    }
    return last;
    /* END SOLUTION */
}

int sample_next(const float *logits, int V, const SamplerConfig *s, Rng *rng, float *probs, ProbIndex *scratch) {
    /* TODO(week2): temperature 0 (or below): the argmax (the smaller id on a
     * tie), with no random draw. Otherwise the four steps of sample.h, with one
     * rng_uniform(rng) for sample_index. */
    /* BEGIN SOLUTION */
    if (s->temperature <= 0) {
        int best = 0;
        for (int i = 1; i < V; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
    probs_with_temperature(probs, logits, V, s->temperature);
    top_k_filter(probs, V, s->top_k, scratch);
    top_p_filter(probs, V, s->top_p, scratch);
    return sample_index(probs, V, rng_uniform(rng));
    /* END SOLUTION */
}
