/*
 * Day 5, given code: the incremental BPE trainer.
 *
 * bpe_train_simple() recounts every pair of every word after each merge:
 * O(merges x corpus). But a merge of (a, b) only changes the pairs right
 * around each place where a and b stood side by side. So this trainer keeps,
 * for every pair, its count and the list of places it occurs, and after a
 * merge it fixes up only those places:
 *
 *     ... p  a  b  n ...   becomes   ... p  X  n ...
 *     (p,a) (a,b) (b,n) lose the word's count; (p,X) and (X,n) gain it.
 *
 * The best pair comes from a priority queue (a binary max-heap). Counts go
 * down as well as up, and updating an entry in place would need its
 * position in the heap; instead every changed count is pushed again, and a
 * popped entry whose count is no longer the pair's current count is stale
 * and skipped ("lazy deletion").
 *
 * Same tie rule as the simple trainer, and the same left-to-right merging,
 * so both make identical merges (tests/test_bpe.c checks it).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "progress.h"
#include "tokenizer.h"

typedef struct Pair {
    int32_t a, b;
    int64_t count;
    int32_t *where; /* positions (into ids) of the pair's left token; may be stale */
    int32_t n_where, cap_where;
    int32_t touched; /* merge step that last changed the count */
} Pair;

typedef struct HeapEntry {
    int64_t count;
    int32_t a, b, pair;
} HeapEntry;

typedef struct Trainer {
    int32_t *ids, *next, *prev, *word; /* per position: token, linked list, word index */
    const int64_t *word_count;
    Pair *pairs;
    int32_t n_pairs, cap_pairs;
    HashMap map; /* bpe_pair_key(a, b) -> index into pairs */
    HeapEntry *heap;
    size_t heap_n, heap_cap;
} Trainer;

/* ---- the pair table ---- */

/* The index of pair (a, b), created with count 0 if new. */
static int32_t pair_get(Trainer *tr, int32_t a, int32_t b) {
    uint64_t key = bpe_pair_key(a, b);
    int added;
    int64_t *index = hashmap_upsert(&tr->map, &key, sizeof key, &added);
    if (!added) return (int32_t)*index;
    if (tr->n_pairs == tr->cap_pairs) {
        tr->cap_pairs = tr->cap_pairs ? tr->cap_pairs * 2 : 1024;
        tr->pairs = XREALLOC(tr->pairs, (size_t)tr->cap_pairs * sizeof *tr->pairs);
    }
    int32_t idx = tr->n_pairs++;
    tr->pairs[idx] = (Pair){.a = a, .b = b, .touched = -1};
    *index = idx;
    return idx;
}

static void pair_add_place(Pair *p, int32_t pos) {
    if (p->n_where == p->cap_where) {
        p->cap_where = p->cap_where ? p->cap_where * 2 : 4;
        p->where = XREALLOC(p->where, (size_t)p->cap_where * sizeof *p->where);
    }
    p->where[p->n_where++] = pos;
}

/* ---- the max-heap: higher count first, then smaller a, then smaller b ---- */

static int heap_before(const HeapEntry *x, const HeapEntry *y) {
    if (x->count != y->count) return x->count > y->count;
    if (x->a != y->a) return x->a < y->a;
    return x->b < y->b;
}

static void heap_push(Trainer *tr, int32_t pair) {
    if (tr->heap_n == tr->heap_cap) {
        tr->heap_cap = tr->heap_cap ? tr->heap_cap * 2 : 1024;
        tr->heap = XREALLOC(tr->heap, tr->heap_cap * sizeof *tr->heap);
    }
    const Pair *p = &tr->pairs[pair];
    HeapEntry e = {p->count, p->a, p->b, pair};
    size_t i = tr->heap_n++;
    while (i > 0 && heap_before(&e, &tr->heap[(i - 1) / 2])) { /* sift up */
        tr->heap[i] = tr->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    tr->heap[i] = e;
}

static HeapEntry heap_pop(Trainer *tr) {
    HeapEntry top = tr->heap[0], last = tr->heap[--tr->heap_n];
    size_t i = 0, n = tr->heap_n;
    for (;;) { /* sift down */
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(&tr->heap[c + 1], &tr->heap[c])) c++;
        if (!heap_before(&tr->heap[c], &last)) break;
        tr->heap[i] = tr->heap[c];
        i = c;
    }
    if (n > 0) tr->heap[i] = last;
    return top;
}

/* ---- merging ---- */

static void change(Trainer *tr, int32_t a, int32_t b, int64_t delta, int32_t place, int step) {
    int32_t idx = pair_get(tr, a, b);
    Pair *p = &tr->pairs[idx];
    p->count += delta;
    if (place >= 0) pair_add_place(p, place);
    if (p->touched != step) {
        p->touched = step;
        /* remember it: pushed to the heap once the merge is done */
        pair_add_place(&tr->pairs[0], idx);
    }
}

static int by_position(const void *x, const void *y) {
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

int bpe_train_fast(BpeWords *w, int n_merges, BpeMerge *out) { return bpe_train_fast_progress(w, n_merges, out, NULL); }

int bpe_train_fast_progress(BpeWords *w, int n_merges, BpeMerge *out, ProgressBar *bar) {
    int64_t total = w->n ? w->start[w->n - 1] + w->len[w->n - 1] : 0;
    LLMLAB_CHECK(total < INT32_MAX, "train on less text", "%lld tokens are too many for bpe_train_fast",
                 (long long)total);
    Trainer tr = {0};
    tr.ids = w->ids;
    tr.word_count = w->count;
    size_t n = (size_t)(total ? total : 1);
    tr.next = XMALLOC(n * sizeof *tr.next);
    tr.prev = XMALLOC(n * sizeof *tr.prev);
    tr.word = XMALLOC(n * sizeof *tr.word);
    pair_get(&tr, -1, -1); /* pair 0 is not a pair: its place list collects touched pairs */

    for (int k = 0; k < w->n; k++) {
        int32_t s = (int32_t)w->start[k], len = w->len[k];
        for (int32_t j = 0; j < len; j++) {
            tr.word[s + j] = k;
            tr.prev[s + j] = j > 0 ? s + j - 1 : -1;
            tr.next[s + j] = j + 1 < len ? s + j + 1 : -1;
            if (j + 1 < len) change(&tr, tr.ids[s + j], tr.ids[s + j + 1], w->count[k], s + j, -1);
        }
    }
    for (int32_t i = 1; i < tr.n_pairs; i++)
        if (tr.pairs[i].count > 0) heap_push(&tr, i);
    tr.pairs[0].n_where = 0;

    int made = 0;
    for (int m = 0; m < n_merges; m++) {
        int32_t best = -1;
        while (tr.heap_n > 0) {
            HeapEntry e = heap_pop(&tr);
            if (e.count > 0 && e.count == tr.pairs[e.pair].count) {
                best = e.pair;
                break;
            }
        }
        if (best < 0) break; /* no pair left anywhere */
        int32_t a = tr.pairs[best].a, b = tr.pairs[best].b, x = 256 + m;
        out[m] = (BpeMerge){a, b};
        made = m + 1;

        /* Take the place list out of the pair table: change() may move it. */
        int32_t *where = tr.pairs[best].where, n_where = tr.pairs[best].n_where;
        tr.pairs[best].where = NULL, tr.pairs[best].n_where = tr.pairs[best].cap_where = 0;
        qsort(where, (size_t)n_where, sizeof *where, by_position); /* left to right */
        for (int32_t i = 0; i < n_where; i++) {
            int32_t p = where[i];
            if (tr.ids[p] != a) /* stale: merged away since */
                continue;
            int32_t q = tr.next[p];
            if (q < 0 || tr.ids[q] != b) continue;
            int64_t c = tr.word_count[tr.word[p]];
            int32_t before = tr.prev[p], after = tr.next[q];
            if (before >= 0) change(&tr, tr.ids[before], a, -c, -1, m);
            change(&tr, a, b, -c, -1, m);
            if (after >= 0) change(&tr, b, tr.ids[after], -c, -1, m);
            tr.ids[p] = x; /* p now holds X; q leaves the list */
            tr.ids[q] = -1;
            tr.next[p] = after;
            if (after >= 0) tr.prev[after] = p;
            if (before >= 0) change(&tr, tr.ids[before], x, c, before, m);
            if (after >= 0) change(&tr, x, tr.ids[after], c, p, m);
        }
        free(where);
        if (bar && (m & 15) == 15) progress_update(bar, m + 1, NULL);
        /* push the new counts of every pair this merge changed */
        Pair *touched = &tr.pairs[0];
        for (int32_t i = 0; i < touched->n_where; i++)
            if (tr.pairs[touched->where[i]].count > 0) heap_push(&tr, touched->where[i]);
        touched->n_where = 0;
    }

    /* write the merged words back, compacted, as bpe_train_simple() leaves them */
    for (int k = 0; k < w->n; k++) {
        int32_t s = (int32_t)w->start[k], out_len = 0;
        if (w->len[k] == 0) continue;
        for (int32_t p = s; p >= 0; p = tr.next[p]) tr.ids[s + out_len++] = tr.ids[p];
        w->len[k] = out_len;
    }
    for (int32_t i = 0; i < tr.n_pairs; i++) free(tr.pairs[i].where);
    hashmap_free(&tr.map);
    free(tr.pairs), free(tr.heap);
    free(tr.next), free(tr.prev), free(tr.word);
    return made;
}

/* ---- encoding a long chunk ----
 *
 * bpe_encode_chunk() scans the whole chunk once per merge it applies: fine
 * for a word, quadratic for a 3 MB run of text without a space. This twin
 * keeps the chunk as a linked list and every adjacent pair that is a merge
 * in a min-heap ordered by (merge index, position). Popping the heap visits
 * the lowest merge index first and, among its places, the leftmost first,
 * which is exactly the plain version's left-to-right pass; a merge can only
 * create pairs with a higher index (merge i uses tokens below 256 + i), so
 * no place of the current merge appears behind the pass. An entry whose
 * tokens have changed since it was pushed is stale and skipped.
 */

/* (merge index << 32) | position: one comparison orders both */
typedef struct KeyHeap {
    uint64_t *keys;
    size_t n, cap;
} KeyHeap;

static void key_push(KeyHeap *h, uint64_t key) {
    if (h->n == h->cap) h->keys = XREALLOC(h->keys, (h->cap *= 2) * sizeof *h->keys);
    uint64_t *heap = h->keys;
    size_t i = h->n++;
    while (i > 0 && key < heap[(i - 1) / 2]) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = key;
}

static uint64_t key_pop(KeyHeap *h) {
    uint64_t *heap = h->keys, top = heap[0], last = heap[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap[c + 1] < heap[c]) c++;
        if (heap[c] >= last) break;
        heap[i] = heap[c];
        i = c;
    }
    if (n > 0) heap[i] = last;
    return top;
}

/* Push the pair starting at p (p and its next token) if it is a merge. */
static void push_pair(const Tokenizer *t, const int32_t *ids, const int32_t *next, int32_t p, KeyHeap *h) {
    if (p < 0 || next[p] < 0) return;
    int r = tokenizer_merge_rank(t, ids[p], ids[next[p]]);
    if (r >= 0) key_push(h, (uint64_t)r << 32 | (uint32_t)p);
}

int bpe_encode_chunk_fast(const Tokenizer *t, const uint8_t *s, int n, int32_t *out) {
    if (n <= 1) {
        if (n == 1) out[0] = s[0];
        return n;
    }
    int32_t *ids = out; /* tokens live in place; -1 once merged away */
    int32_t *next = XMALLOC((size_t)n * sizeof *next), *prev = XMALLOC((size_t)n * sizeof *prev);
    KeyHeap heap = {XMALLOC((size_t)n * sizeof(uint64_t)), 0, (size_t)n}; /* grows: stale entries stay */
    for (int32_t i = 0; i < n; i++) {
        ids[i] = s[i];
        next[i] = i + 1 < n ? i + 1 : -1;
        prev[i] = i - 1;
    }
    for (int32_t i = 0; i + 1 < n; i++) push_pair(t, ids, next, i, &heap);
    while (heap.n > 0) {
        uint64_t key = key_pop(&heap);
        int r = (int)(key >> 32);
        int32_t p = (int32_t)(uint32_t)key, q = next[p];
        if (ids[p] != t->merges[r].left || q < 0 || ids[q] != t->merges[r].right)
            continue;     /* stale: one of its tokens has changed */
        ids[p] = 256 + r; /* p holds the new token; q leaves the list */
        ids[q] = -1;
        next[p] = next[q];
        if (next[q] >= 0) prev[next[q]] = p;
        push_pair(t, ids, next, prev[p], &heap);
        push_pair(t, ids, next, p, &heap);
    }
    int len = 0; /* compact, left to right */
    for (int32_t p = 0; p >= 0; p = next[p]) ids[len++] = ids[p];
    free(next), free(prev), free(heap.keys);
    return len;
}
