/*
 * The share of dictionary words in a text (words.h says what a word is).
 */
#include "words.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

/* Words longer than this are looked up by their first WORD_MAX bytes: no
 * dictionary word is that long, so they stay unknown either way. */
#define WORD_MAX 64

static int is_letter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char fold(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

int wordlist_load(WordList *w, const char *path, char *err, size_t err_size) {
    hashmap_init(&w->words);
    FILE *f = llmlab_open_read(path, "word list", err, err_size);
    if (!f) return -1;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        size_t a = 0, b = strlen(line);
        while (a < b && (line[a] == ' ' || line[a] == '\t')) a++;
        while (b > a && (line[b - 1] == '\n' || line[b - 1] == '\r' || line[b - 1] == ' ' || line[b - 1] == '\t')) b--;
        if (a == b) continue;
        for (size_t i = a; i < b; i++) line[i] = fold(line[i]);
        hashmap_upsert(&w->words, line + a, b - a, NULL);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || w->words.n == 0) {
        snprintf(err, err_size, "word list %s: %s", path, bad ? "could not be read" : "holds no words");
        hashmap_free(&w->words);
        return -1;
    }
    return 0;
}

void wordlist_free(WordList *w) { hashmap_free(&w->words); }

int wordlist_knows(const WordList *w, const char *word, size_t len) {
    char buf[WORD_MAX];
    if (len > WORD_MAX) len = WORD_MAX;
    for (size_t i = 0; i < len; i++) buf[i] = fold(word[i]);
    if (hashmap_get(&w->words, buf, len, NULL)) return 1;
    /* a possessive the list does not spell out: "fortune's" is known when "fortune" is */
    return len > 2 && buf[len - 2] == '\'' && buf[len - 1] == 's' && hashmap_get(&w->words, buf, len - 2, NULL);
}

void words_count(const WordList *w, const uint8_t *text, size_t n, WordCount *c) {
    size_t i = 0;
    while (i < n) {
        if (!is_letter(text[i]) && text[i] != '\'') {
            i++;
            continue;
        }
        size_t a = i;
        while (i < n && (is_letter(text[i]) || text[i] == '\'')) i++;
        size_t b = i; /* the run is text[a .. b); drop its apostrophes at either end */
        while (a < b && text[a] == '\'') a++;
        while (b > a && text[b - 1] == '\'') b--;
        if (a == b) continue; /* apostrophes alone */
        c->words++;
        c->known += wordlist_knows(w, (const char *)text + a, b - a);
    }
}

double words_rate(const WordCount *c) { return c->words ? 100.0 * (double)c->known / (double)c->words : 0.0; }
