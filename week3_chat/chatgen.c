/*
 * Week 3, given code: the instruction data generator (chatgen.h).
 *
 * Why generate the data? A tiny model fine-tuned on a few thousand chats
 * cannot learn open conversation, but it can learn to follow a template and
 * do small, exact tasks. Making those tasks ourselves gives two things real
 * chat data lacks:
 *
 *   1. Every answer is one exact string ("12", "dog cat", "c a t"), so
 *      grading is a string comparison. No judge, no "roughly right".
 *   2. We control what the model has seen. Some phrasings of each question,
 *      some number pairs, word lists and made-up words appear only in the
 *      evaluation set.
 *      A model that memorised "What is 3 plus 4?" -> "7" scores well on
 *      its training data and badly there; a model that learned addition
 *      scores well on both. Held-out *phrasings* test whether it understood
 *      the request; held-out *values* whether it learned the operation.
 *
 * Everything is short on purpose: the Week 2 GPT sees 64 tokens at a time,
 * and a whole dialogue, system prompt included, must fit with room to spare.
 *
 * Randomness comes only from rng_below(), which is exact integer arithmetic,
 * so a seed gives byte-identical files on every machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatgen.h"
#include "chatset.h"
#include "check.h"
#include "hash.h"

/* ---- the families ---- */

enum { F_ADD, F_REVERSE, F_SORT, F_COUNT, F_SPELL, F_CONVERT, F_FOLLOWUP, F_OTHER, N_FAMILIES };

static const char *const family_names[N_FAMILIES] = {"add",   "reverse", "sort",     "count",
                                                     "spell", "convert", "followup", "other"};

int chatgen_n_families(void) { return N_FAMILIES; }

const char *chatgen_family_name(int f) { return f >= 0 && f < N_FAMILIES ? family_names[f] : "?"; }

int chatgen_family_id(const char *name) {
    for (int f = 0; name && f < N_FAMILIES; f++)
        if (strcmp(name, family_names[f]) == 0) return f;
    return -1;
}

/* ---- phrasings ----
 * A phrasing is a template in which $0, $1, $2 stand for the values. Four
 * are for training; the fifth appears only in evaluation data. Questions
 * about words put the words after the first colon, up to a full stop, a
 * question mark or the end, so a test (or a curious learner) can find them. */

/* Eight training phrasings per question (four of them added in the tuning
 * of 2026-12-03: with four, a new phrasing of spelling was answered 2% of the
 * time), and one held out; none of the new ones uses the held-out phrasing's
 * own key word ("flip", "dictionary", "letter" for spelling, ...). */
#define N_TRAIN_PHRASINGS 8
typedef struct Phrasings {
    const char *train[N_TRAIN_PHRASINGS];
    const char *heldout;
} Phrasings;

/* $0 and $1: the two numbers */
static const Phrasings add_q = {{"What is $0 plus $1?", "$0 + $1 = ?", "Add $0 and $1.",
                                 "What is the sum of $0 and $1?", "Compute $0 + $1.", "$0 plus $1 is?",
                                 "Please add $0 to $1.", "Sum of $0 and $1?"},
                                "How much is $0 and $1 together?"};
/* $0: the words */
static const Phrasings reverse_q = {{"Reverse these words: $0", "Reverse the order: $0", "Words: $0. Reverse them.",
                                     "In reverse order: $0", "Backwards: $0", "Say in reverse: $0",
                                     "Reverse the list: $0", "Last to first: $0"},
                                    "Flip these words: $0"};
static const Phrasings sort_q = {{"Sort these words: $0", "Put in alphabetical order: $0", "Alphabetize: $0",
                                  "Words: $0. Sort them.", "Sort alphabetically: $0", "Sort: $0", "A to Z: $0",
                                  "Arrange by alphabet: $0"},
                                 "Order as in a dictionary: $0"};
static const Phrasings count_q = {{"Count the words: $0", "How many words are in: $0?", "Words: $0. How many?",
                                   "Number of words: $0", "How many words: $0?", "Count: $0",
                                   "Tell me how many words: $0", "Words in this list: $0"},
                                  "Give the word count of: $0"};
static const Phrasings spell_q = {{"Spell the word: $0", "Spell it out: $0", "Word: $0. Spell it.",
                                   "How is this spelled: $0?", "Spell: $0", "Spell out the word: $0",
                                   "Please spell: $0", "What is the spelling of: $0?"},
                                  "Say each letter of: $0"};
/* $0: the number, $1: its unit, $2: the unit to convert to */
static const Phrasings convert_q = {{"How many $2 are in $0 $1?", "Convert $0 $1 to $2.", "What is $0 $1 in $2?",
                                     "$0 $1 in $2?", "$0 $1 to $2?", "Change $0 $1 into $2.",
                                     "In $2, how much is $0 $1?", "Turn $0 $1 into $2."},
                                    "$0 $1 equals how many $2?"};
/* Follow-ups: the second question of a followup dialogue. Each only makes
 * sense with the first exchange in view: "it" is the earlier answer. */
static const Phrasings double_q = {{"And double it.", "Now double that.", "Double the answer.", "What is twice that?",
                                    "Double it.", "Twice that, please.", "What is double that?", "Now double the sum."},
                                   "And two times that?"};
static const Phrasings first_q = {{"Now only the first word.", "Only the first word.", "Just the first word.",
                                   "Which is first now?", "First word only.", "Give me the first word.",
                                   "Keep only the first word.", "The first one?"},
                                  "The word at the front?"};
static const Phrasings letters_q = {{"How many letters is that?", "Count those letters.", "And how many letters?",
                                     "Number of letters?", "How many letters?", "Its number of letters?",
                                     "Letters in it?", "Count its letters."},
                                    "How long is that word?"};

/* Out of scope: anything the model was not tuned for gets one fixed answer
 * (CHATGEN_REFUSAL), so it says what it can do instead of a number. The
 * prompts are greetings, questions about the world or the bot, requests it
 * cannot do, jokes, arithmetic other than adding, and gibberish; $0 is a
 * topic (a word of the list below, or a made-up one). Evaluation asks the
 * held-out ones half the time, and none of them occurs in training. None
 * has a colon or a digit, so they cannot be mistaken for a task's values. */
static const char *const other_train[] = {
    "Hello!",
    "Hi there.",
    "Good morning.",
    "Hey, how are you?",
    "Who are you?",
    "What is your name?",
    "Why is the sky blue?",
    "Tell me a joke.",
    "Make me laugh.",
    "Write a poem about the $0.",
    "Tell me a story about a $0.",
    "What is a $0?",
    "Do you like $0?",
    "Translate $0 into French.",
    "Draw a $0.",
    "Where can I buy a $0?",
    "What is seven times six?",
    "What is ten minus four?",
    "What time is it?",
    "Thank you!",
    "Are you a robot?",
    "I feel sad today.",
    "$0 $1 $2",
    "$0?",
    "Please help me.",
    "What do you think of the $0?",
    "Bye.",
    "Can you play chess?",
};
static const char *const other_heldout[] = {
    "Hello, who are you?",
    "Good evening!",
    "Can you help me with my homework?",
    "What is the weather like today?",
    "Do you know any jokes?",
    "Sing me a song about the $0.",
    "Is a $0 bigger than a house?",
    "What is nine divided by three?",
    "$0 $1, $2!",
    "How old are you?",
    "Explain the $0 to me.",
    "Good luck with the $0.",
};
#define N_OTHER_TRAIN (int)(sizeof other_train / sizeof other_train[0])
#define N_OTHER_HELDOUT (int)(sizeof other_heldout / sizeof other_heldout[0])

const char *chatgen_refusal(void) { return CHATGEN_REFUSAL; }

/* Short on purpose: with the course's 1024-token vocabulary even "assistant"
 * costs four tokens, and every token of a prompt is one less for the task. */
static const char *const system_prompts[] = {"Be brief.", "Answer only.", "You help people."};
#define N_SYSTEM_PROMPTS (int)(sizeof system_prompts / sizeof system_prompts[0])

/* ---- values ---- */

/* 120 common short words; every sixth (index 5, 11, 17, ...) is kept out of
 * training and evaluation alike, for the new-words split only.
 * Each is one or two tokens of the course's fortunes tokenizer (1024 tokens),
 * so that five of them and their reversal still fit the context easily. */
#define N_WORDS 120
static const char *const words[N_WORDS] = {
    "cat",  "dog",   "fish", "cow",    "pig",    "sheep",  "goat",  "duck",  "bear",  "lion",   "sun",   "star",
    "tree", "lake",  "hill", "rain",   "snow",   "wind",   "fire",  "stone", "apple", "egg",    "rice",  "honey",
    "tea",  "meat",  "corn", "pie",    "cake",   "oil",    "red",   "blue",  "black", "white",  "pink",  "brown",
    "gold", "gray",  "dark", "light",  "chair",  "table",  "bed",   "cup",   "plate", "fork",   "door",  "house",
    "room", "wall",  "car",  "bus",    "train",  "ship",   "truck", "road",  "map",   "key",    "bag",   "hat",
    "foot", "head",  "nose", "ear",    "arm",    "leg",    "hand",  "back",  "face",  "hair",   "king",  "child",
    "boy",  "woman", "man",  "friend", "mother", "father", "son",   "kid",   "cold",  "warm",   "hot",   "soft",
    "fast", "slow",  "tall", "short",  "small",  "big",    "good",  "old",   "new",   "little", "great", "best",
    "hard", "happy", "wise", "poor",   "sing",   "dance",  "walk",  "write", "play",  "cook",   "run",   "read",
    "work", "rest",  "day",  "year",   "time",   "night",  "hour",  "noon",  "love",  "life",   "world", "mind",
};
static int word_held_out(int i) { return i % 6 == 5; }

/* A pair (a, b) of the add family is held out when (31a + 17b) mod 11 is 0:
 * 228 of the 2500 pairs, scattered over the whole 50 x 50 grid, so every
 * number (and every sum but 0 + 0) still occurs in training, only not in
 * those combinations; and for most held-out a + b, b + a is not held out. */
static int add_pair_held_out(int a, int b) { return (31 * a + 17 * b) % 11 == 0; }

/* N of the convert family is held out when N mod 7 is 3: 3, 10, 17, ..., 94. */
static int convert_n_held_out(int n) { return n % 7 == 3; }

typedef struct Unit {
    const char *from, *to; /* singular; the plural adds an s */
    int factor;
} Unit;
static const Unit units[] = {
    {"kilometer", "meter", 1000}, {"meter", "centimeter", 100},  {"centimeter", "millimeter", 10},
    {"kilogram", "gram", 1000},   {"liter", "milliliter", 1000},
};
#define N_UNITS (int)(sizeof units / sizeof units[0])

static int below(Rng *rng, int n) { return (int)rng_below(rng, (uint64_t)n); }

/* An (a, b) pair of the add family: a held-out one exactly when heldout is 1. */
static void pick_pair(Rng *rng, int heldout, int *a, int *b) {
    do {
        *a = below(rng, 50);
        *b = below(rng, 50);
    } while (add_pair_held_out(*a, *b) != heldout);
}

/* FNV-1a of a word: the held-out rules below hash words so that they hold
 * out the same lists and made-up words on every machine. */
static uint32_t word_hash(const char *w) { return hash_fnv1a32(w, strlen(w)); }

/* Made-up words: two or three consonant-vowel syllables ("tiko", "mabesu"),
 * never one of the real words above. Training lists mix them with real
 * words. There are 347,900 of them, far too many to memorise from a few
 * thousand lists, so to reverse or sort them the model must learn to copy
 * whatever word it is shown, and to spell them it must learn the letters of
 * their pieces. One in seven (by hash) is held out: evaluation asks to spell
 * those, new words made of known syllables. */
#define WORD_CAP 16
typedef char Word[WORD_CAP];

static int made_up_held_out(const char *w) { return word_hash(w) % 7 == 3; }

static void make_up_word(Rng *rng, int heldout, char *out) {
    static const char consonants[] = "bdfgklmnprstvz", vowels[] = "aeiou";
    int again;
    do {
        int n = 0, syllables = 2 + below(rng, 2);
        for (int s = 0; s < syllables; s++) {
            out[n++] = consonants[below(rng, (int)sizeof consonants - 1)];
            out[n++] = vowels[below(rng, (int)sizeof vowels - 1)];
        }
        out[n] = '\0';
        again = made_up_held_out(out) != heldout;
        for (int i = 0; i < N_WORDS; i++) again |= strcmp(out, words[i]) == 0;
    } while (again);
}

/* Training also makes up words from any letters, 3 to 7 of them ("qwelt",
 * "hyx"): their tokens are all kinds of pieces of the 1024-token vocabulary,
 * not only the few dozen of consonant-vowel syllables, so the model learns
 * to copy and spell whatever token it is shown rather than a few it knows.
 * (Added in the tuning of 2026-12-03: reversing, sorting and spelling a word
 * training never shows were at 5.5%, 0.5% and 12%.) Held out by the same
 * hash rule, never one of the real words. */
static void make_up_letters(Rng *rng, char *out) {
    int again;
    do {
        int n = 3 + below(rng, 5);
        for (int i = 0; i < n; i++) out[i] = (char)('a' + below(rng, 26));
        out[n] = '\0';
        again = made_up_held_out(out);
        for (int i = 0; i < N_WORDS; i++) again |= strcmp(out, words[i]) == 0;
    } while (again);
}

static void swap_words(char *a, char *b) {
    Word t;
    memcpy(t, a, sizeof t);
    memcpy(a, b, sizeof t);
    memcpy(b, t, sizeof t);
}

/* A list of two or more words is held out when this hash of it, which
 * depends on the words and their order, is 0 mod 11: about one list in 11,
 * like the number pairs of add. Every word of a held-out list also occurs
 * in training, only never in that list. */
static int list_held_out(Word *w, int k) {
    uint32_t h = 0;
    for (int i = 0; i < k; i++) h += (uint32_t)(i + 1) * word_hash(w[i]);
    return k >= 2 && h % 11 == 0;
}

/* k distinct words, by split:
 * - training: real training words or, half the time, made-up ones; never a
 *   held-out word, never a held-out list;
 * - evaluation: a held-out list of real training words;
 * - new words: one held-out real word at a random place among k - 1 real
 *   words from the whole list. */
static void pick_words(Rng *rng, int split, int k, Word *out) {
    do {
        for (int i = 0; i < k; i++) {
            int dup;
            do {
                if (split == CHATGEN_NEW_WORDS && i == 0)
                    strcpy(out[i], words[6 * below(rng, N_WORDS / 6) + 5]);
                else if (split == CHATGEN_TRAIN && below(rng, 2)) {
                    if (below(rng, 2))
                        make_up_word(rng, 0, out[i]);
                    else
                        make_up_letters(rng, out[i]);
                } else {
                    int w;
                    do w = below(rng, N_WORDS);
                    while (split != CHATGEN_NEW_WORDS && word_held_out(w));
                    strcpy(out[i], words[w]);
                }
                dup = 0;
                for (int j = 0; j < i; j++) dup |= strcmp(out[j], out[i]) == 0;
            } while (dup);
        }
    } while (split != CHATGEN_NEW_WORDS && list_held_out(out, k) != (split == CHATGEN_EVAL));
    if (split == CHATGEN_NEW_WORDS) /* move the held-out word off the front */
        swap_words(out[0], out[below(rng, k)]);
}

/* The word to spell: in training a real training word (a quarter of the
 * time), a made-up one of syllables (half) or of any letters (a quarter); in evaluation a held-out made-up word; with new words a
 * held-out real word. */
static void pick_spelling(Rng *rng, int split, char *out) {
    int kind = split == CHATGEN_TRAIN ? below(rng, 4) : 0; /* training: 0, 1 made up, 2 any letters, 3 real */
    if (split == CHATGEN_EVAL || (split == CHATGEN_TRAIN && kind < 2))
        make_up_word(rng, split == CHATGEN_EVAL, out);
    else if (kind == 2)
        make_up_letters(rng, out);
    else {
        int w;
        do w = below(rng, N_WORDS);
        while (word_held_out(w) != (split == CHATGEN_NEW_WORDS));
        strcpy(out, words[w]);
    }
}

static int in_order(Word *w, int k) {
    for (int i = 1; i < k; i++)
        if (strcmp(w[i - 1], w[i]) > 0) return 0;
    return 1;
}

/* ---- building text ---- */

#define TEXT_CAP 256

/* Words w[0..k) joined by single spaces, in order (step 1) or reversed (step -1). */
static void join_words(char *out, Word *w, int k, int step) {
    out[0] = '\0';
    for (int i = 0; i < k; i++) {
        if (i) strcat(out, " ");
        strcat(out, w[step > 0 ? i : k - 1 - i]);
    }
}

/* The letters of a word separated by spaces: "cat" -> "c a t". */
static void spell_out(char *out, const char *w) {
    size_t n = 0;
    for (const char *p = w; *p; p++) {
        if (p != w) out[n++] = ' ';
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* Copy template t into out, replacing $0, $1, $2 with args[0..2]. */
static void fill(char *out, const char *t, const char *const *args) {
    size_t n = 0;
    while (*t) {
        const char *piece = t;
        size_t len = 1;
        if (t[0] == '$' && t[1] >= '0' && t[1] <= '2') {
            piece = args[t[1] - '0'];
            len = strlen(piece);
            t++;
        }
        t++;
        LLMLAB_CHECK(n + len < TEXT_CAP, "keep phrasings short", "chatgen: a question is too long");
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = '\0';
}

/* A question: the held-out phrasing when use_new, else a training one. */
static void ask(Chat *c, const Phrasings *p, int use_new, Rng *rng, const char *const *args) {
    char q[TEXT_CAP];
    int n = 0;
    while (n < N_TRAIN_PHRASINGS && p->train[n]) n++;
    fill(q, use_new ? p->heldout : p->train[below(rng, n)], args);
    chat_add(c, CHAT_USER, q);
}

static void answer_int(Chat *c, long v) {
    char a[32];
    snprintf(a, sizeof a, "%ld", v);
    chat_add(c, CHAT_ASSISTANT, a);
}

/* ---- one dialogue ---- */

void chatgen_dialogue(int f, int split, Rng *rng, Chat *c, int *new_phrasing) {
    LLMLAB_CHECK(f >= 0 && f < N_FAMILIES, "use 0 to chatgen_n_families() - 1", "chatgen: no family %d", f);
    LLMLAB_CHECK(split == CHATGEN_TRAIN || split == CHATGEN_EVAL || split == CHATGEN_NEW_WORDS,
                 "use CHATGEN_TRAIN, CHATGEN_EVAL or CHATGEN_NEW_WORDS", "chatgen: no split %d", split);
    int heldout = split != CHATGEN_TRAIN;
    chat_clear(c);
    if (below(rng, 2)) chat_add(c, CHAT_SYSTEM, system_prompts[below(rng, N_SYSTEM_PROMPTS)]);
    int use_new = heldout ? below(rng, 2) : 0;
    if (new_phrasing) *new_phrasing = use_new;

    char s0[TEXT_CAP] = "", s1[TEXT_CAP] = "", s2[TEXT_CAP] = "";
    const char *args[3] = {s0, s1, s2};
    Word w[8];
    int a, b;
    switch (f) {
    case F_ADD:
        pick_pair(rng, heldout, &a, &b);
        snprintf(s0, sizeof s0, "%d", a);
        snprintf(s1, sizeof s1, "%d", b);
        ask(c, &add_q, use_new, rng, args);
        answer_int(c, a + b);
        break;
    case F_REVERSE: {
        int k = 3 + below(rng, 3);
        pick_words(rng, split, k, w);
        join_words(s0, w, k, 1);
        ask(c, &reverse_q, use_new, rng, args);
        join_words(s1, w, k, -1);
        chat_add(c, CHAT_ASSISTANT, s1);
        break;
    }
    case F_SORT: {
        int k = 3 + below(rng, 2);
        do /* a list that is sorted already would teach copying, not sorting */
            pick_words(rng, split, k, w);
        while (in_order(w, k));
        join_words(s0, w, k, 1);
        ask(c, &sort_q, use_new, rng, args);
        for (int i = 1; i < k; i++) /* insertion sort: at most 4 words */
            for (int j = i; j > 0 && strcmp(w[j - 1], w[j]) > 0; j--) swap_words(w[j], w[j - 1]);
        join_words(s1, w, k, 1);
        chat_add(c, CHAT_ASSISTANT, s1);
        break;
    }
    case F_COUNT: {
        int k = 2 + below(rng, 7);
        pick_words(rng, split, k, w);
        join_words(s0, w, k, 1);
        ask(c, &count_q, use_new, rng, args);
        answer_int(c, k);
        break;
    }
    case F_SPELL:
        pick_spelling(rng, split, s0);
        ask(c, &spell_q, use_new, rng, args);
        spell_out(s1, s0);
        chat_add(c, CHAT_ASSISTANT, s1);
        break;
    case F_CONVERT: {
        int n;
        do n = 1 + below(rng, 99);
        while (convert_n_held_out(n) != heldout);
        const Unit *u = &units[below(rng, N_UNITS)];
        snprintf(s0, sizeof s0, "%d", n);
        snprintf(s1, sizeof s1, "%s%s", u->from, n == 1 ? "" : "s");
        snprintf(s2, sizeof s2, "%ss", u->to);
        ask(c, &convert_q, use_new, rng, args);
        answer_int(c, (long)n * u->factor);
        break;
    }
    case F_OTHER: /* topics: training real words or made-up ones (held out in evaluation) */
    {
        char *slot[3] = {s0, s1, s2};
        for (int i = 0; i < 3; i++)
            if (below(rng, 2))
                make_up_word(rng, heldout, slot[i]);
            else {
                int t;
                do t = below(rng, N_WORDS);
                while (word_held_out(t));
                strcpy(slot[i], words[t]);
            }
        char q[TEXT_CAP];
        fill(q, use_new ? other_heldout[below(rng, N_OTHER_HELDOUT)] : other_train[below(rng, N_OTHER_TRAIN)], args);
        chat_add(c, CHAT_USER, q);
        chat_add(c, CHAT_ASSISTANT, CHATGEN_REFUSAL);
        break;
    }
    case F_FOLLOWUP:
        /* The first exchange always uses a training phrasing (its family is
         * tested on its own); the follow-up question is the one that may be
         * new. Its values are held out like its first family's. */
        switch (below(rng, 3)) {
        case 0: /* add, then double the sum */
            pick_pair(rng, heldout, &a, &b);
            snprintf(s0, sizeof s0, "%d", a);
            snprintf(s1, sizeof s1, "%d", b);
            ask(c, &add_q, 0, rng, args);
            answer_int(c, a + b);
            ask(c, &double_q, use_new, rng, args);
            answer_int(c, 2L * (a + b));
            break;
        case 1: { /* reverse 3 words, then only the first word of the result */
            int k = 3;
            pick_words(rng, split, k, w);
            join_words(s0, w, k, 1);
            ask(c, &reverse_q, 0, rng, args);
            join_words(s1, w, k, -1);
            chat_add(c, CHAT_ASSISTANT, s1);
            ask(c, &first_q, use_new, rng, args);
            chat_add(c, CHAT_ASSISTANT, w[k - 1]);
            break;
        }
        default: /* spell a word, then say how many letters it has */
            pick_spelling(rng, split, s0);
            ask(c, &spell_q, 0, rng, args);
            spell_out(s1, s0);
            chat_add(c, CHAT_ASSISTANT, s1);
            ask(c, &letters_q, use_new, rng, args);
            answer_int(c, (long)strlen(s0));
            break;
        }
        break;
    }
}

/* ---- files ---- */

int chatgen_write(const char *path, long n, int split, uint64_t seed, char *err, size_t err_size) {
    if (n < 0) {
        snprintf(err, err_size, "the number of dialogues must be 0 or more, not %ld", n);
        return -1;
    }
    char tmp[LLMLAB_TMP_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, err_size);
    if (!f) return -1;
    Rng rng;
    rng_init(&rng, seed);
    ChatExample e;
    chat_init(&e.chat);
    int ok = 1;
    for (long i = 0; ok && i < n; i++) {
        e.family = (int)(i % N_FAMILIES);
        chatgen_dialogue(e.family, split, &rng, &e.chat, &e.new_phrasing);
        ok = chatset_write_example(f, &e) == 0;
    }
    chat_free(&e.chat);
    return llmlab_commit_file(f, ok, tmp, path, err, err_size);
}
