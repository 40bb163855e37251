/*
 * Tests of Week 3's given instruction data generator (chatgen.h) and its
 * files (chatset.h), run by `make test-common`, not graded: the same seed
 * gives the same file, every answer is right, training data never contains
 * what evaluation holds out, and the file format reads back, refusing broken
 * lines by number.
 *
 * The answers are recomputed here from the text of the questions alone (the
 * numbers, the words after the colon, the unit after the number), never by
 * calling the generator's own code, so a bug there cannot hide itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatgen.h"
#include "chatset.h"
#include "hash.h"
#include "hashmap.h"
#include "testing.h"

/* How many names in folder dir hold ".tmp": temporary files left behind (their names are unique,
 * NAME.tmp-XXXXXX, so a test looks for any). */
/* The same timeout as the other given suites: Criterion 2.4.1's runner leaks
 * 48 bytes (reported by LeakSanitizer, so `make sanitize` fails) when the
 * suites linked into one binary have different timeouts. */
TestSuite(given_chatgen, .timeout = 20, .fini = testing_dir_remove);

static char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read back %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    cr_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    buf[len] = '\0';
    *n = (size_t)len;
    return buf;
}

/* ---- reading a question, independently of the generator ---- */

#define MAX_WORDS 16
typedef struct Words {
    char w[MAX_WORDS][32];
    int k;
} Words;

/* The words after the first colon, up to '.', '?' or the end; k = -1 without a colon. */
static Words payload(const char *q) {
    Words ws = {.k = -1};
    const char *p = strchr(q, ':');
    if (!p) return ws;
    ws.k = 0;
    for (p++;;) {
        while (*p == ' ') p++;
        if (!*p || *p == '.' || *p == '?') break;
        size_t n = 0;
        while (p[n] && p[n] != ' ' && p[n] != '.' && p[n] != '?') n++;
        if (ws.k == MAX_WORDS || n >= sizeof ws.w[0]) return (Words){.k = -1};
        memcpy(ws.w[ws.k], p, n);
        ws.w[ws.k++][n] = '\0';
        p += n;
    }
    return ws;
}

/* Every maximal run of digits in q, as numbers; returns how many. */
static int numbers(const char *q, long *out, int max) {
    int n = 0;
    for (const char *p = q; *p;) {
        if (*p >= '0' && *p <= '9') {
            long v = 0;
            while (*p >= '0' && *p <= '9') v = 10 * v + (*p++ - '0');
            if (n < max) out[n] = v;
            n++;
        } else
            p++;
    }
    return n;
}

/* The question with its words replaced by W and its numbers by #: what is left is the phrasing. */
static void skeleton(const char *q, char *out, size_t cap) {
    size_t n = 0;
    const char *colon = strchr(q, ':');
    for (const char *p = q; *p && n + 2 < cap;) {
        if (p == colon + 1) { /* ": words" -> ": W" */
            out[n++] = ' ', out[n++] = 'W';
            while (*p && *p != '.' && *p != '?') p++;
        } else if (*p >= '0' && *p <= '9') {
            out[n++] = '#';
            while (*p >= '0' && *p <= '9') p++;
        } else
            out[n++] = *p++;
    }
    out[n] = '\0';
}

static int has_word(const char *text, const char *w) {
    size_t n = strlen(w);
    for (const char *p = strstr(text, w); p; p = strstr(p + 1, w)) {
        int before = p == text || !(p[-1] >= 'a' && p[-1] <= 'z');
        int after = !(p[n] >= 'a' && p[n] <= 'z');
        if (before && after) return 1;
    }
    return 0;
}

static void join(const Words *ws, int reversed, char *out) {
    out[0] = '\0';
    for (int i = 0; i < ws->k; i++) {
        if (i) strcat(out, " ");
        strcat(out, ws->w[reversed ? ws->k - 1 - i : i]);
    }
}

static void spelled(const char *w, char *out) {
    size_t n = 0;
    for (size_t i = 0; w[i]; i++) {
        if (i) out[n++] = ' ';
        out[n++] = w[i];
    }
    out[n] = '\0';
}

static int cmp_str(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* The unit after the number in a conversion, and how many of the smaller unit make one. */
static const struct {
    const char *from, *to;
    long factor;
} unit_table[] = {
    {"kilometer", "meters", 1000}, {"meter", "centimeters", 100},  {"centimeter", "millimeters", 10},
    {"kilogram", "grams", 1000},   {"liter", "milliliters", 1000},
};

/*
 * The right answers of dialogue c of family fam, recomputed from its user
 * turns: want[i] for the i-th assistant turn. Returns how many, or -1 with
 * the reason in why when a question cannot be read.
 */
static int expected_answers(const char *fam, const Chat *c, char want[][64], char *why) {
    const char *q[2] = {NULL, NULL};
    int nq = 0;
    for (int i = 0; i < c->n; i++)
        if (c->turns[i].role == CHAT_USER && nq < 2) q[nq++] = c->turns[i].text;
    if (nq == 0) return sprintf(why, "no user turn"), -1;
    if (!strcmp(fam, "other")) { /* out of scope: the fixed answer, to a prompt that has no task's values */
        if (strchr(q[0], ':') || numbers(q[0], NULL, 0) != 0)
            return sprintf(why, "an out-of-scope prompt with a colon or a digit: \"%s\"", q[0]), -1;
        return strcpy(want[0], CHATGEN_REFUSAL), 1;
    }
    char follow[160] = ""; /* the follow-up in lower case, to look for its key word */
    for (size_t i = 0; q[1] && q[1][i] && i + 1 < sizeof follow; i++)
        follow[i] = (char)(q[1][i] >= 'A' && q[1][i] <= 'Z' ? q[1][i] - 'A' + 'a' : q[1][i]);
    long num[4] = {0};
    int nn = numbers(q[0], num, 4);
    Words ws = payload(q[0]);
    if (!strcmp(fam, "add") || (!strcmp(fam, "followup") && nn == 2)) {
        if (nn != 2 || num[0] > 49 || num[1] > 49)
            return sprintf(why, "expected two numbers from 0 to 49 in \"%s\"", q[0]), -1;
        sprintf(want[0], "%ld", num[0] + num[1]);
        if (strcmp(fam, "add") == 0) return 1;
        if (!q[1] || !(strstr(follow, "doubl") || strstr(follow, "twice") || strstr(follow, "two times")))
            return sprintf(why, "a follow-up to a sum should ask to double it, got \"%s\"", q[1] ? q[1] : ""), -1;
        sprintf(want[1], "%ld", 2 * (num[0] + num[1]));
        return 2;
    }
    if (!strcmp(fam, "convert")) {
        char unit[32] = "";
        const char *p = q[0];
        while (*p && !(*p >= '0' && *p <= '9')) p++;
        while (*p >= '0' && *p <= '9') p++;
        if (nn != 1 || sscanf(p, " %31[a-z]", unit) != 1)
            return sprintf(why, "expected one number and a unit after it in \"%s\"", q[0]), -1;
        size_t ul = strlen(unit);
        if ((num[0] == 1) != (unit[ul - 1] != 's'))
            return sprintf(why, "singular unit exactly for 1, in \"%s\"", q[0]), -1;
        if (unit[ul - 1] == 's') unit[ul - 1] = '\0';
        for (size_t u = 0; u < sizeof unit_table / sizeof unit_table[0]; u++)
            if (!strcmp(unit, unit_table[u].from)) {
                if (!has_word(q[0], unit_table[u].to))
                    return sprintf(why, "\"%s\" does not ask for %s", q[0], unit_table[u].to), -1;
                sprintf(want[0], "%ld", num[0] * unit_table[u].factor);
                return 1;
            }
        return sprintf(why, "unknown unit '%s' in \"%s\"", unit, q[0]), -1;
    }
    if (nn != 0 || ws.k < 1) return sprintf(why, "expected words after a colon and no number in \"%s\"", q[0]), -1;
    for (int i = 0; i < ws.k; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(ws.w[i], ws.w[j]))
                return sprintf(why, "the word '%s' occurs twice in \"%s\"", ws.w[i], q[0]), -1;
    if (!strcmp(fam, "reverse") && ws.k >= 3 && ws.k <= 5) return join(&ws, 1, want[0]), 1;
    if (!strcmp(fam, "sort") && ws.k >= 3 && ws.k <= 4) {
        Words sorted = ws;
        qsort(sorted.w, (size_t)sorted.k, sizeof sorted.w[0], cmp_str);
        if (!strcmp(sorted.w[0], ws.w[0]) && !strcmp(sorted.w[1], ws.w[1]) && !strcmp(sorted.w[2], ws.w[2]) &&
            (ws.k == 3 || !strcmp(sorted.w[3], ws.w[3])))
            return sprintf(why, "the words of \"%s\" are sorted already", q[0]), -1;
        return join(&sorted, 0, want[0]), 1;
    }
    if (!strcmp(fam, "count") && ws.k >= 2 && ws.k <= 8) return sprintf(want[0], "%d", ws.k), 1;
    if (!strcmp(fam, "spell") && ws.k == 1) return spelled(ws.w[0], want[0]), 1;
    if (!strcmp(fam, "followup") && q[1] && ws.k >= 3 && ws.k <= 4) {
        if (!strstr(follow, "first") && !strstr(follow, "front"))
            return sprintf(why, "a follow-up to a reversal should ask for the first word, got \"%s\"", q[1]), -1;
        join(&ws, 1, want[0]);
        strcpy(want[1], ws.w[ws.k - 1]);
        return 2;
    }
    if (!strcmp(fam, "followup") && q[1] && ws.k == 1) {
        if (!strstr(follow, "letters") && !strstr(follow, "long"))
            return sprintf(why, "a follow-up to spelling should ask for the letters, got \"%s\"", q[1]), -1;
        spelled(ws.w[0], want[0]);
        sprintf(want[1], "%zu", strlen(ws.w[0]));
        return 2;
    }
    return sprintf(why, "%d words do not make a %s question: \"%s\"", ws.k, fam, q[0]), -1;
}

/* ---- sets of strings (common/hashmap.h: training has thousands of lists) ---- */

static uint32_t str_hash(const char *s) { return hash_fnv1a32(s, strlen(s)); } /* as chatgen.h's rules */
static int set_has(const HashMap *st, const char *s) { return hashmap_get(st, s, strlen(s), NULL); }
static void set_add(HashMap *st, const char *s) { hashmap_upsert(st, s, strlen(s), NULL); }

/* The phrasing of a whole dialogue: the skeletons of its user turns. */
static void dialogue_skeleton(const Chat *c, char *out, size_t cap) {
    out[0] = '\0';
    for (int i = 0; i < c->n; i++)
        if (c->turns[i].role == CHAT_USER) {
            char sk[160];
            skeleton(c->turns[i].text, sk, sizeof sk);
            if (out[0]) strncat(out, " | ", cap - strlen(out) - 1);
            strncat(out, sk, cap - strlen(out) - 1);
        }
}

static const char *first_user(const Chat *c) {
    for (int i = 0; i < c->n; i++)
        if (c->turns[i].role == CHAT_USER) return c->turns[i].text;
    return "";
}

static int add_pair_held_out(long a, long b) { return (31 * a + 17 * b) % 11 == 0; } /* chatgen.h */
static int convert_n_held_out(long n) { return n % 7 == 3; }                         /* chatgen.h */
static int made_up_held_out(const char *w) { return str_hash(w) % 7 == 3; }          /* chatgen.h */
static int list_held_out(const Words *ws) {                                          /* chatgen.h */
    uint32_t h = 0;
    for (int i = 0; i < ws->k; i++) h += (uint32_t)(i + 1) * str_hash(ws->w[i]);
    return ws->k >= 2 && h % 11 == 0;
}

/* ---- the tests ---- */

Test(given_chatgen, families_have_names) {
    cr_assert(chatgen_n_families() == 8, "expected 8 families, got %d", chatgen_n_families());
    const char *names[] = {"add", "reverse", "sort", "count", "spell", "convert", "followup", "other"};
    for (int i = 0; i < 8; i++) {
        int f = chatgen_family_id(names[i]);
        cr_assert(f >= 0 && !strcmp(chatgen_family_name(f), names[i]),
                  "chatgen_family_id(\"%s\"): expected an id whose name is \"%s\", got %d", names[i], names[i], f);
    }
    cr_assert(chatgen_family_id("multiply") == -1 && chatgen_family_id("") == -1 && chatgen_family_id(NULL) == -1,
              "an unknown family name: expected -1");
    cr_assert(!strcmp(chatgen_family_name(99), "?") && !strcmp(chatgen_family_name(-1), "?"));
}

Test(given_chatgen, same_seed_same_file) {
    testing_dir_make("chatgen");
    char err[300];
    for (int held = CHATGEN_TRAIN; held <= CHATGEN_NEW_WORDS; held++) {
        cr_assert(chatgen_write(testing_dir_path("a.txt"), 700, held, 7, err, sizeof err) == 0, "%s", err);
        cr_assert(chatgen_write(testing_dir_path("b.txt"), 700, held, 7, err, sizeof err) == 0, "%s", err);
        cr_assert(chatgen_write(testing_dir_path("c.txt"), 700, held, 8, err, sizeof err) == 0, "%s", err);
        size_t na, nb, nc;
        char *a = read_all(testing_dir_path("a.txt"), &na), *b = read_all(testing_dir_path("b.txt"), &nb);
        char *c = read_all(testing_dir_path("c.txt"), &nc);
        cr_assert(na == nb && memcmp(a, b, na) == 0,
                  "split %d, seed 7 twice: expected byte-identical files, got %zu and %zu bytes that differ\n"
                  "  hint: draw only from the Rng passed in, with rng_below(), in a fixed order",
                  held, na, nb);
        cr_assert(na != nc || memcmp(a, c, na) != 0, "split %d: seeds 7 and 8 gave the same file", held);
        free(a), free(b), free(c);
    }
    cr_assert(testing_temp_files_in(testing_dir()) == 0, "the temporary files must be renamed away");
    cr_assert(chatgen_write("/nonexistent-dir/x.txt", 5, 0, 1, err, sizeof err) == -1 && strstr(err, "cannot write"),
              "a file in a missing folder: expected -1 and \"cannot write\", got \"%s\"", err);
    cr_assert(chatgen_write(testing_dir_path("neg.txt"), -1, 0, 1, err, sizeof err) == -1, "n = -1 must be refused");
    EXPECT_NO_LEAKS();
}

Test(given_chatgen, answers_are_right) {
    Rng rng;
    Chat c;
    chat_init(&c);
    char want[2][64], why[400];
    for (int f = 0; f < chatgen_n_families(); f++)
        for (int held = CHATGEN_TRAIN; held <= CHATGEN_NEW_WORDS; held++) {
            rng_init(&rng, 100 + (uint64_t)(3 * f + held));
            for (int i = 0; i < 2500; i++) {
                chatgen_dialogue(f, held, &rng, &c, NULL);
                const char *fam = chatgen_family_name(f);
                int n = expected_answers(fam, &c, want, why);
                cr_assert(n > 0, "family %s, split %d, dialogue %d: cannot read the question: %s", fam, held, i, why);
                int k = 0, system = c.n > 0 && c.turns[0].role == CHAT_SYSTEM;
                cr_assert(c.n == system + 2 * n, "family %s: expected %d turns after the system prompt, got %d", fam,
                          2 * n, c.n - system);
                for (int t = system; t < c.n; t++) {
                    ChatRole r = c.turns[t].role;
                    cr_assert(r == ((t - system) % 2 ? CHAT_ASSISTANT : CHAT_USER),
                              "family %s: turns must alternate user, assistant", fam);
                    if (r != CHAT_ASSISTANT) continue;
                    cr_assert(!strcmp(c.turns[t].text, want[k]),
                              "family %s, split %d, dialogue %d, answer %d to \"%s\": expected \"%s\", got \"%s\"\n"
                              "  hint: the answer is exactly the result, no punctuation",
                              fam, held, i, k + 1, first_user(&c), want[k], c.turns[t].text);
                    k++;
                }
            }
        }
    chat_free(&c);
    EXPECT_NO_LEAKS();
}

/* The word lists of a dialogue's first question, joined, as a set key. */
static void list_key(const Words *ws, char *out) { join(ws, 0, out); }

Test(given_chatgen, training_never_sees_what_evaluation_holds_out) {
    Rng rng;
    Chat c;
    chat_init(&c);
    HashMap train_sk = {0}, train_words = {0}, train_lists = {0}, new_sk = {0}, train_other = {0};
    char sk[480], want[2][64], why[400], key[600];
    int nf = chatgen_n_families();
    rng_init(&rng, 1);
    for (int i = 0; i < 20000; i++) {
        int f = i % nf, is_new = -1;
        const char *fam = chatgen_family_name(f);
        chatgen_dialogue(f, CHATGEN_TRAIN, &rng, &c, &is_new);
        cr_assert(is_new == 0, "training dialogue %d (%s): expected a seen phrasing, got new_phrasing %d", i, fam,
                  is_new);
        if (!strcmp(fam, "other")) { /* out of scope: its prompts have topics, not values */
            set_add(&train_other, first_user(&c));
            continue;
        }
        dialogue_skeleton(&c, sk, sizeof sk);
        set_add(&train_sk, sk);
        long num[4] = {0};
        int nn = numbers(first_user(&c), num, 4);
        if ((!strcmp(fam, "add") || !strcmp(fam, "followup")) && nn == 2)
            cr_assert(!add_pair_held_out(num[0], num[1]),
                      "training dialogue %d (%s): the pair (%ld, %ld) is held out, got it in \"%s\"\n"
                      "  hint: (31a + 17b) mod 11 = 0 pairs are for evaluation only",
                      i, fam, num[0], num[1], first_user(&c));
        if (!strcmp(fam, "convert"))
            cr_assert(nn == 1 && !convert_n_held_out(num[0]),
                      "training dialogue %d: N = %ld is held out (N mod 7 = 3), got \"%s\"", i, num[0], first_user(&c));
        Words ws = payload(first_user(&c));
        if (ws.k < 1) continue;
        cr_assert(!list_held_out(&ws), "training dialogue %d (%s): the list \"%s\" is held out", i, fam,
                  first_user(&c));
        list_key(&ws, key);
        set_add(&train_lists, key);
        for (int w = 0; w < ws.k; w++) set_add(&train_words, ws.w[w]);
    }
    /* Made-up words make the training vocabulary large: far more than the
     * 100 real training words. */
    cr_assert(train_words.n > 5000, "training data: expected thousands of distinct words, got %zu", train_words.n);

    for (int split = CHATGEN_EVAL; split <= CHATGEN_NEW_WORDS; split++) {
        int n_eval = 7000, n_new[16] = {0}, n_fam[16] = {0};
        rng_init(&rng, (uint64_t)split + 1);
        for (int i = 0; i < n_eval; i++) {
            int f = i % nf, is_new = -1;
            const char *fam = chatgen_family_name(f);
            chatgen_dialogue(f, split, &rng, &c, &is_new);
            cr_assert(is_new == 0 || is_new == 1);
            n_new[f] += is_new, n_fam[f]++;
            if (!strcmp(fam, "other")) {
                cr_assert(!is_new || !set_has(&train_other, first_user(&c)),
                          "split %d, dialogue %d: the out-of-scope prompt \"%s\" is marked new but occurs in training",
                          split, i, first_user(&c));
                cr_assert(expected_answers(fam, &c, want, why) == 1, "split %d, dialogue %d: %s", split, i, why);
                continue;
            }
            dialogue_skeleton(&c, sk, sizeof sk);
            if (is_new) {
                cr_assert(!set_has(&train_sk, sk),
                          "split %d, dialogue %d (%s) is marked new, but its phrasing \"%s\" occurs in training", split,
                          i, fam, sk);
                set_add(&new_sk, sk);
            } else
                cr_assert(set_has(&train_sk, sk),
                          "split %d, dialogue %d (%s) is marked seen, but its phrasing \"%s\" never occurs in "
                          "training",
                          split, i, fam, sk);
            int n = expected_answers(fam, &c, want, why);
            cr_assert(n > 0, "split %d, dialogue %d (%s): %s", split, i, fam, why);
            long num[4] = {0};
            int nn = numbers(first_user(&c), num, 4);
            if (nn == 2) {
                cr_assert(add_pair_held_out(num[0], num[1]),
                          "split %d, dialogue %d (%s): expected a held-out pair, got (%ld, %ld)", split, i, fam, num[0],
                          num[1]);
                continue;
            }
            if (nn == 1) {
                cr_assert(convert_n_held_out(num[0]), "split %d, dialogue %d: expected a held-out N, got %ld", split, i,
                          num[0]);
                continue;
            }
            Words ws = payload(first_user(&c));
            int unseen = 0;
            for (int w = 0; w < ws.k; w++) unseen += !set_has(&train_words, ws.w[w]);
            list_key(&ws, key);
            if (split == CHATGEN_NEW_WORDS)
                cr_assert(unseen >= 1, "new-words dialogue %d (%s): expected a word never seen in training, got \"%s\"",
                          i, fam, first_user(&c));
            else if (ws.k == 1)
                cr_assert(unseen == 1 && made_up_held_out(ws.w[0]),
                          "evaluation dialogue %d (%s): expected a held-out made-up word to spell, got \"%s\"", i, fam,
                          ws.w[0]);
            else
                cr_assert(unseen == 0 && list_held_out(&ws) && !set_has(&train_lists, key),
                          "evaluation dialogue %d (%s): expected a held-out list of training words, got \"%s\" "
                          "(%d unseen words, held out %d, in training %d)",
                          i, fam, first_user(&c), unseen, list_held_out(&ws), set_has(&train_lists, key));
        }
        for (int f = 0; f < nf; f++)
            cr_assert(n_new[f] > n_fam[f] * 35 / 100 && n_new[f] < n_fam[f] * 65 / 100,
                      "split %d, family %s: expected about half of the dialogues with a new phrasing, got %d of %d",
                      split, chatgen_family_name(f), n_new[f], n_fam[f]);
    }
    cr_assert(new_sk.n > 0);
    hashmap_free(&train_sk), hashmap_free(&train_words), hashmap_free(&train_lists), hashmap_free(&new_sk);
    hashmap_free(&train_other);
    chat_free(&c);
    EXPECT_NO_LEAKS();
}

/* Every split has equally many dialogues of each family, `other` included. */
Test(given_chatgen, every_split_has_equally_many_of_each_family) {
    testing_dir_make("chatgen");
    char err[300];
    for (int split = CHATGEN_TRAIN; split <= CHATGEN_NEW_WORDS; split++) {
        cr_assert(chatgen_write(testing_dir_path("w.txt"), 1600, split, 4, err, sizeof err) == 0, "%s", err);
        ChatSet s;
        cr_assert(chatset_load(&s, testing_dir_path("w.txt"), err, sizeof err) == 0, "%s", err);
        long n[16] = {0};
        for (long i = 0; i < s.n; i++) n[s.ex[i].family]++;
        for (int f = 0; f < chatgen_n_families(); f++)
            cr_assert(n[f] == 200, "split %d, 1600 dialogues: expected 200 of family %s, got %ld", split,
                      chatgen_family_name(f), n[f]);
        chatset_free(&s);
    }
    EXPECT_NO_LEAKS();
}

Test(given_chatgen, every_dialogue_round_trips_and_is_short) {
    Rng rng;
    Chat c, d;
    chat_init(&c), chat_init(&d);
    char err[200];
    for (int f = 0; f < chatgen_n_families(); f++)
        for (int held = CHATGEN_TRAIN; held <= CHATGEN_NEW_WORDS; held++) {
            rng_init(&rng, 300 + (uint64_t)(3 * f + held));
            for (int i = 0; i < 2000; i++) {
                chatgen_dialogue(f, held, &rng, &c, NULL);
                size_t len;
                char *text = chat_format(&c, 0, &len);
                cr_assert(len <= 240,
                          "family %s: expected at most 240 bytes per dialogue (the model sees 64 tokens), got %zu: %s",
                          chatgen_family_name(f), len, text);
                cr_assert(!strchr(text, '\n') && !strchr(text, '\t'), "a dialogue must fit on one line of a file");
                int open = -1;
                cr_assert(chat_parse(&d, text, len, &open, err, sizeof err) == 0, "chat_parse of %s: %s", text, err);
                cr_assert(open == 0 && d.n == c.n, "round trip of %s: expected %d turns, got %d", text, c.n, d.n);
                for (int t = 0; t < c.n; t++)
                    cr_assert(d.turns[t].role == c.turns[t].role && !strcmp(d.turns[t].text, c.turns[t].text),
                              "round trip of %s: turn %d differs", text, t);
                free(text);
            }
        }
    chat_free(&c), chat_free(&d);
    EXPECT_NO_LEAKS();
}

Test(given_chatgen, files_read_back) {
    testing_dir_make("chatgen");
    char err[300];
    cr_assert(chatgen_write(testing_dir_path("eval.txt"), 700, 1, 5, err, sizeof err) == 0, "%s", err);
    ChatSet s;
    cr_assert(chatset_load(&s, testing_dir_path("eval.txt"), err, sizeof err) == 0, "reading our own file: %s", err);
    cr_assert(s.n == 700, "expected 700 dialogues, got %ld", s.n);
    Rng rng;
    rng_init(&rng, 5);
    Chat c;
    chat_init(&c);
    for (long i = 0; i < s.n; i++) {
        int is_new;
        chatgen_dialogue((int)(i % chatgen_n_families()), 1, &rng, &c, &is_new);
        const ChatExample *e = &s.ex[i];
        cr_assert(e->family == i % chatgen_n_families() && e->new_phrasing == is_new && e->chat.n == c.n,
                  "line %ld: expected family %s (%s), got %s (%s)", i + 1, chatgen_family_name((int)(i % 8)),
                  is_new ? "new" : "seen", chatgen_family_name(e->family), e->new_phrasing ? "new" : "seen");
        for (int t = 0; t < c.n; t++)
            cr_assert(!strcmp(e->chat.turns[t].text, c.turns[t].text), "line %ld, turn %d differs", i + 1, t);
    }
    chat_free(&c);
    chatset_free(&s);
    cr_assert(s.n == 0 && s.ex == NULL);

    testing_write_file(testing_dir_path("empty.txt"), "", 0);
    cr_assert(chatset_load(&s, testing_dir_path("empty.txt"), err, sizeof err) == 0 && s.n == 0, "an empty file: %s",
              err);
    chatset_free(&s);
    EXPECT_NO_LEAKS();
}

Test(given_chatgen, broken_files_are_refused_by_line) {
    testing_dir_make("chatgen");
#define GOOD "add\tseen\t<|user|>What is 1 plus 2?<|end|><|assistant|>3<|end|>\n"
#define CASE(lit, a, b)               \
    {                                 \
        lit, sizeof lit - 1, { a, b } \
    }
    static const struct {
        const char *text;
        size_t len;
        const char *says[2];
    } cases[] = {
        CASE(GOOD "add\tseen\tgarbage\n", "line 2", "expected"),
        CASE(GOOD GOOD "multiply\tseen\t<|user|>hi<|end|><|assistant|>x<|end|>\n", "line 3", "unknown family"),
        CASE("add\tseen\t<|user|>\xff\xfe<|end|><|assistant|>3<|end|>\n", "line 1", "UTF-8"),
        CASE(GOOD "add\tmaybe\t<|user|>hi<|end|><|assistant|>3<|end|>\n", "line 2", "seen or new"),
        CASE(GOOD "\n" GOOD "add seen <|user|>hi<|end|><|assistant|>3<|end|>\n", "line 4", "tab"),
        CASE("count\tnew\t<|user|>Count: a b<|end|>\n", "line 1", "does not end"),
        CASE("count\tnew\t<|user|>Count: a b<|end|><|assistant|>", "line 1", "does not end"),
        CASE("spell\tnew\t<|user|>Spell: a<|end|><|assistant|>a<|end", "line 1", "not closed"),
        CASE("add\tseen\t<|user|>1 plus 2<|end|><|assistant|>3\0<|end|>\n", "line 1", "NUL"),
        CASE("a\0d\tseen\t<|user|>1<|end|><|assistant|>3<|end|>\n", "line 1", "unknown family"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        testing_write_file(testing_dir_path("bad.txt"), cases[i].text, cases[i].len);
        ChatSet s = {(ChatExample *)&s, 99};
        char err[300] = "";
        int rc = chatset_load(&s, testing_dir_path("bad.txt"), err, sizeof err);
        cr_assert(rc == -1 && strstr(err, cases[i].says[0]) && strstr(err, cases[i].says[1]),
                  "case %zu: expected -1 and an error with \"%s\" and \"%s\", got %d, \"%s\"\n"
                  "  hint: count lines from 1 and say why the line is refused",
                  i, cases[i].says[0], cases[i].says[1], rc, err);
        cr_assert(s.n == 0 && s.ex == NULL, "case %zu: a refused file must leave the set empty", i);
    }
    ChatSet s;
    char err[300] = "";
    cr_assert(chatset_load(&s, testing_dir_path("missing.txt"), err, sizeof err) == -1 && strstr(err, "cannot open"),
              "a missing file: expected \"cannot open\", got \"%s\"", err);
    cr_assert(chatset_load(&s, testing_dir(), err, sizeof err) == -1, "a folder is not a file of dialogues");

    /* Any bytes at all: garbage made from pieces of real lines must be refused or read, never crash. */
    static const char *pieces[] = {"add",        "\t",      "seen", "new", "<|user|>", "<|assistant|>",
                                   "<|system|>", "<|end|>", "\n",   "7",   " ",        "\xff",
                                   "\0",         "<|",      "|>",   "\r"};
    Rng rng;
    rng_init(&rng, 9);
    for (int trial = 0; trial < 300; trial++) {
        char buf[1024];
        size_t n = 0;
        for (int k = (int)rng_below(&rng, 40); k > 0; k--) {
            int p = (int)rng_below(&rng, sizeof pieces / sizeof pieces[0]);
            size_t l = p == 12 ? 1 : strlen(pieces[p]);
            memcpy(buf + n, pieces[p], l);
            n += l;
        }
        testing_write_file(testing_dir_path("fuzz.txt"), buf, n);
        int rc = chatset_load(&s, testing_dir_path("fuzz.txt"), err, sizeof err);
        cr_assert(rc == 0 || (rc == -1 && strstr(err, "line ")), "garbage %d: expected 0 or an error naming a line",
                  trial);
        if (rc == 0) chatset_free(&s);
    }
    EXPECT_NO_LEAKS();
}
