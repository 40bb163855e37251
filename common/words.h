/**
 * @file words.h
 * @brief How much of a text is dictionary words: the main demo's measure of readable text.
 *
 * A model that writes "Are are eachine, numped to make a covility." has
 * learned the look of English but not its words. The share of the words it
 * writes that a dictionary knows is a plain, model-free measure of that: the
 * fortunes themselves score about 99.6% against Debian's `wamerican` list.
 *
 * What counts as a word: a maximal run of ASCII letters and apostrophes
 * (`'`), with the apostrophes at either end dropped (quotes, "dogs'"); a run
 * of apostrophes alone is no word. Anything else (digits, hyphens, spaces,
 * any byte that is not ASCII) ends a word, so "well-known" is two words and
 * "R2D2" is "R" and "D". Case does not matter ("The" is "the"). A word is
 * known when the list holds it, or when it ends in "'s" and the list holds
 * the rest (a possessive: "fortune's").
 */
#ifndef LLMLAB_WORDS_H
#define LLMLAB_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

/** Debian's `wamerican` word list (`make setup` installs it). */
#define WORDS_DEFAULT_LIST "/usr/share/dict/american-english"

/** A word list, case-folded: one entry per distinct word. */
typedef struct WordList {
    HashMap words;
} WordList;

/** How many words a text held, and how many of them the list knows. */
typedef struct WordCount {
    long words, known;
} WordCount;

/**
 * Read a word list from @p path: one word a line (surrounding spaces and a
 * CR are ignored, as are empty lines), folded to lower case. Returns 0, or
 * -1 with the reason in @p err (a missing file, a folder, an empty list).
 */
int wordlist_load(WordList *w, const char *path, char *err, size_t err_size);

/** Give the list's memory back. */
void wordlist_free(WordList *w);

/** Whether @p word (@p len bytes, any case, "'s" allowed) is known to @p w. */
int wordlist_knows(const WordList *w, const char *word, size_t len);

/** Add the words of @p text (@p n bytes) to @p c: every word to c->words, the known ones to c->known too. */
void words_count(const WordList *w, const uint8_t *text, size_t n, WordCount *c);

/** c->known as a percentage of c->words (0 when there are no words). */
double words_rate(const WordCount *c);

#endif
