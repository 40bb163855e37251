/*
 * Week 4, given code: gather a domain's text files into a corpus (see collect.h).
 *
 * One walk over the folders, in name order. Each file is read whole (it is
 * at most max_file_bytes), checked, normalised, hashed, and appended at once
 * to the split its hash picks, so memory stays small however big the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "collect.h"
#include "hash.h"
#include "hashmap.h"
#include "tokenizer.h" /* TOKENIZER_EOT, the separator */
#include "utf8.h"

#define PATH_CAP 4096

static const char *const split_name[3] = {"train", "val", "test"};
enum { N_OUT = 6 }; /* the files collect_run() writes */
static const char *const out_name[N_OUT] = {"train.txt",    "val.txt",     "test.txt",
                                            "manifest.tsv", "summary.txt", "prompts.txt"};
static const struct {
    const char *name, *why;
} reason[SKIP_COUNT] = {
    [SKIP_SECRET] = {"secret", "looks like a key, token or password"},
    [SKIP_HIDDEN] = {"hidden", "a name starting with a dot"},
    [SKIP_EXTENSION] = {"extension", "not an extension asked for"},
    [SKIP_SPECIAL] = {"special", "a fifo, device or socket"},
    [SKIP_EMPTY] = {"empty", "no bytes"},
    [SKIP_HUGE] = {"huge", "over the size limit per file"},
    [SKIP_UNREADABLE] = {"unreadable", "cannot be opened or listed"},
    [SKIP_BINARY] = {"binary", "a NUL byte, or not UTF-8"},
    [SKIP_SEPARATOR] = {"separator", "contains " TOKENIZER_EOT},
    [SKIP_DUPLICATE] = {"duplicate", "the same text as a file kept before"},
    [SKIP_LOOP] = {"loop", "a folder entered before"},
    [SKIP_DEEP] = {"deep", "too many folders down"},
    [SKIP_BUDGET] = {"budget", "past the total size limit"},
};

void collect_defaults(CollectOptions *o) {
    *o = (CollectOptions){.exts = NULL,
                          .n_exts = 0,
                          .max_file_bytes = 1u << 20,
                          .max_total_bytes = 64u << 20,
                          .val_percent = 10,
                          .test_percent = 10};
}

const char *collect_skip_name(CollectSkip s) { return s >= 0 && s < SKIP_COUNT ? reason[s].name : "?"; }

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- text: UTF-8, line endings, the separator, the hash ---- */

/* 1 when s[0..n) is valid UTF-8 without a NUL byte. */
static int is_text(const uint8_t *s, size_t n) { return !memchr(s, 0, n) && utf8_valid(s, n); }

/* Drop a byte-order mark, turn \r\n and lone \r into \n, end with \n. Works in
 * place (the text only shrinks, but for the last newline: @p s has room for one
 * more byte). Returns the new length. */
static size_t normalise(uint8_t *s, size_t n) {
    size_t i = n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0, k = 0;
    for (; i < n; i++) {
        if (s[i] == '\r') {
            s[k++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n') i++;
        } else {
            s[k++] = s[i];
        }
    }
    if (k > 0 && s[k - 1] != '\n') s[k++] = '\n';
    return k;
}

static int has_separator(const uint8_t *s, size_t n) {
    const size_t m = sizeof TOKENIZER_EOT - 1;
    for (const uint8_t *p = s; (p = memchr(p, TOKENIZER_EOT[0], n - (size_t)(p - s))) != NULL; p++)
        if ((size_t)(s + n - p) >= m && memcmp(p, TOKENIZER_EOT, m) == 0) return 1;
    return 0;
}

/* A duplicate is a file with the same 64-bit FNV-1a hash (hash_fnv1a64) and
 * length as one kept before. The bytes are not compared: two different texts
 * share both with a chance of about n^2 / 2^65 for n files, less than 1e-11
 * for a million files. Its split comes from hash_mix64() of that hash, whose
 * low bits depend on every byte of the text (keep()). */

/* ---- secrets: names, and contents that look like keys or tokens ---- */

int collect_secret_name(const char *name, const char **why) {
    static const struct {
        const char *name; /* a whole name; "*.pem": an ending; ".env.*": a start */
        int kind;         /* 1: a secret; 2: a secret when it holds a token or password */
        const char *why;
    } names[] = {
        {".env", 1, "an environment file"},
        {".env.*", 1, "an environment file"},
        {"id_rsa", 1, "an SSH private key"},
        {"id_dsa", 1, "an SSH private key"},
        {"id_ecdsa", 1, "an SSH private key"},
        {"id_ed25519", 1, "an SSH private key"},
        {"*.pem", 1, "a key or certificate file"},
        {"*.key", 1, "a key file"},
        {"*.p12", 1, "a key store"},
        {"*.pfx", 1, "a key store"},
        {".netrc", 1, "a login file"},
        {"_netrc", 1, "a login file"},
        {".pgpass", 1, "a password file"},
        {".htpasswd", 1, "a password file"},
        {".git-credentials", 1, "a credentials file"},
        {"credentials", 1, "a credentials file"},
        {"credentials.*", 1, "a credentials file"},
        {".npmrc", 2, "an npm login with a token"},
        {".pypirc", 2, "a PyPI login with a password"},
    };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *pat = names[i].name;
        size_t k = strlen(pat);
        int hit = pat[0] == '*'       ? n > k - 1 && memcmp(name + n - (k - 1), pat + 1, k - 1) == 0
                  : pat[k - 1] == '*' ? n >= k && memcmp(name, pat, k - 1) == 0
                                      : strcmp(name, pat) == 0;
        if (hit) {
            if (why) *why = names[i].why;
            return names[i].kind;
        }
    }
    return 0;
}

static int is_alnum(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* The length of the run of characters at s that are letters, digits or one of @p extra. */
static size_t run_of(const char *s, const char *extra) {
    size_t k = 0;
    while (s[k] && (is_alnum((unsigned char)s[k]) || strchr(extra, s[k]))) k++;
    return k;
}

/* Shannon entropy of s[0..n), in bits per character: about 4 for random hex, 6 for random
 * base64, under 3 for words, names and repeated patterns. */
static double entropy(const char *s, size_t n) {
    int count[256] = {0};
    for (size_t i = 0; i < n; i++) count[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++)
        if (count[c]) h -= (double)count[c] / (double)n * log2((double)count[c] / (double)n);
    return h;
}

/* A token of a known shape: its prefix, then at least min_len characters of [A-Za-z0-9] and
 * extra, with no letter or digit just before it (so "risk-" is not "sk-"). */
static const char *known_token(const char *s) {
    static const struct {
        const char *prefix, *extra;
        size_t min_len;
        const char *why;
    } shapes[] = {
        {"AKIA", "", 16, "an AWS access key"},  {"ASIA", "", 16, "an AWS access key"},
        {"ghp_", "", 36, "a GitHub token"},     {"gho_", "", 36, "a GitHub token"},
        {"ghu_", "", 36, "a GitHub token"},     {"ghs_", "", 36, "a GitHub token"},
        {"ghr_", "", 36, "a GitHub token"},     {"github_pat_", "_", 22, "a GitHub token"},
        {"xoxb-", "-", 10, "a Slack token"},    {"xoxp-", "-", 10, "a Slack token"},
        {"xoxa-", "-", 10, "a Slack token"},    {"xoxs-", "-", 10, "a Slack token"},
        {"glpat-", "-_", 20, "a GitLab token"}, {"sk-", "-_", 32, "an API secret key"},
        {"AIza", "-_", 35, "a Google API key"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t k = strlen(shapes[i].prefix);
        for (const char *p = s; (p = strstr(p, shapes[i].prefix)) != NULL; p += k)
            if ((p == s || !is_alnum((unsigned char)p[-1])) && run_of(p + k, shapes[i].extra) >= shapes[i].min_len)
                return shapes[i].why;
    }
    return NULL;
}

/* 1 when the name of n bytes ending just before s + end holds key, token, secret or password. */
static int secret_word(const char *s, size_t end) {
    size_t start = end;
    while (start > 0 && (is_alnum((unsigned char)s[start - 1]) || strchr("_.-", s[start - 1]))) start--;
    char name[64];
    size_t n = end - start < sizeof name - 1 ? end - start : sizeof name - 1;
    for (size_t i = 0; i < n; i++)
        name[i] = (char)(s[end - n + i] | (s[end - n + i] >= 'A' && s[end - n + i] <= 'Z' ? 0x20 : 0));
    name[n] = '\0';
    return n > 0 && (strstr(name, "key") || strstr(name, "token") || strstr(name, "secret") || strstr(name, "passw") ||
                     strstr(name, "pwd"));
}

/* NAME = VALUE, NAME: VALUE, "NAME": "VALUE", NAME := VALUE, NAME => VALUE, where the name holds
 * key, token, secret or password and the value looks random: 20 or more characters of base64
 * with capitals, small letters and digits, and entropy() at least 3.5 bits (an identifier such
 * as __NL80211_KEY_AFTER_LAST has no small letters), or 32 or more hex digits. */
static int secret_assignment(const char *s) {
    for (const char *p = s; (p = strpbrk(p, "=:")) != NULL; p++) {
        size_t end = (size_t)(p - s);
        while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '"' || s[end - 1] == '\'')) end--;
        if (!secret_word(s, end)) continue;
        const char *v = p + 1;
        while (*v == '=' || *v == '>' || *v == ' ' || *v == '"' || *v == '\'') v++;
        size_t len = run_of(v, "+/=_-");
        if (len < 20) continue;
        int digits = 0, upper = 0, lower = 0, hex = 1;
        for (size_t i = 0; i < len; i++) {
            digits += v[i] >= '0' && v[i] <= '9';
            upper += v[i] >= 'A' && v[i] <= 'Z';
            lower += v[i] >= 'a' && v[i] <= 'z';
            hex &= (v[i] >= '0' && v[i] <= '9') || ((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'f');
        }
        double h = entropy(v, len);
        if ((digits && upper && lower && h >= 3.5) || (hex && digits && len >= 32 && h >= 3.0)) return 1;
    }
    return 0;
}

/* 1 when s[0..n) ends with the word w. */
static int ends_with(const char *s, size_t n, const char *w) {
    size_t k = strlen(w);
    return n >= k && memcmp(s + n - k, w, k) == 0;
}

/* A line that starts "-----BEGIN ", then capitals and spaces ending in "PRIVATE KEY" or "PRIVATE KEY
 * BLOCK", then "-----": RSA, EC, OpenSSH, PKCS#8, encrypted and PGP private keys. */
static int private_key(const char *s) {
    static const char begin[] = "-----BEGIN ";
    for (const char *p = s; (p = strstr(p, begin)) != NULL; p++) {
        if (p != s && p[-1] != '\n') continue;
        const char *name = p + sizeof begin - 1;
        size_t n = 0;
        while ((name[n] >= 'A' && name[n] <= 'Z') || name[n] == ' ') n++;
        if (strncmp(name + n, "-----", 5) == 0 &&
            (ends_with(name, n, "PRIVATE KEY") || ends_with(name, n, "PRIVATE KEY BLOCK")))
            return 1;
    }
    return 0;
}

const char *collect_find_secret(const char *s, size_t n) {
    char *text = XMALLOC(n + 1); /* NUL-terminated for strstr */
    memcpy(text, s, n);
    text[n] = '\0';
    const char *why = private_key(text) ? "a private key" : known_token(text);
    if (!why && secret_assignment(text)) why = "a long random value given to a key, token or password";
    free(text);
    return why;
}

/* ---- prompts: the most common line starts of the training text ---- */

/* Count the first word of each line of s (or of a document, after <|endoftext|>) that starts with a non-space, has a letter in it
 * (or a byte of a non-ASCII character), and is followed by a space and more text. */
static void count_line_starts(HashMap *counts, const uint8_t *s, size_t n) {
    const size_t m = sizeof TOKENIZER_EOT - 1;
    for (size_t i = 0; i < n;) {
        while (n - i >= m && memcmp(s + i, TOKENIZER_EOT, m) == 0) i += m; /* a document starts */
        size_t end = i;
        while (end < n && s[end] != '\n') end++;
        size_t w = i;
        int letter = 0;
        for (; w < end && s[w] != ' ' && s[w] != '\t'; w++)
            letter |= ((s[w] | 0x20) >= 'a' && (s[w] | 0x20) <= 'z') || s[w] >= 0x80;
        size_t len = w - i;
        if (letter && len > 0 && len + 2 <= COLLECT_PROMPT_SIZE && w + 1 < end && s[w] == ' ' && s[w + 1] != ' ' &&
            utf8_valid(s + i, len) && !memchr(s + i, '<', len))
            ++*hashmap_upsert(counts, s + i, len, NULL);
        i = end + 1;
    }
}

/* The max most counted words of counts (ties: the one counted first). */
static int pick_prompts(const HashMap *counts, char out[][COLLECT_PROMPT_SIZE], int max) {
    int picked = 0;
    size_t chosen[COLLECT_PROMPTS * 4];
    if (max > (int)(sizeof chosen / sizeof chosen[0])) max = (int)(sizeof chosen / sizeof chosen[0]);
    for (; picked < max; picked++) {
        size_t best = counts->n;
        int64_t best_count = 0;
        for (size_t i = 0; i < counts->n; i++) {
            const uint8_t *key;
            size_t len;
            int64_t c = hashmap_entry(counts, i, &key, &len);
            int taken = 0;
            for (int j = 0; j < picked; j++) taken |= chosen[j] == i;
            if (!taken && c > best_count) best = i, best_count = c;
        }
        if (best == counts->n) break;
        const uint8_t *key;
        size_t len;
        hashmap_entry(counts, best, &key, &len);
        snprintf(out[picked], COLLECT_PROMPT_SIZE, "%.*s", (int)len, (const char *)key);
        chosen[picked] = best;
    }
    return picked;
}

int collect_prompts(const uint8_t *text, size_t n, char out[][COLLECT_PROMPT_SIZE], int max) {
    HashMap counts = {0};
    count_line_starts(&counts, text, n);
    int k = pick_prompts(&counts, out, max);
    hashmap_free(&counts);
    return k;
}

/* ---- sets of pairs of numbers: folders entered (device, inode) and texts kept (hash, length) ---- */

/* Add (a, b) to the set; returns 1 when it is new, 0 when it was there already. */
static int pairset_add(HashMap *set, uint64_t a, uint64_t b) {
    uint64_t key[2] = {a, b};
    int added;
    hashmap_upsert(set, key, sizeof key, &added);
    return added;
}

/* ---- the walk ---- */

typedef struct Walk {
    const CollectOptions *o;
    CollectStats *st;
    char path[PATH_CAP]; /* the file or folder being looked at */
    size_t len;          /* strlen(path) */
    HashMap dirs, texts; /* sets: the values are not used */
    HashMap starts;      /* the training text's line starts, counted (count_line_starts) */
    struct stat out_dir; /* where the corpus goes: never walked */
    FILE *out[N_OUT];    /* train, val, test, manifest, summary, prompts (their .tmp files) */
    size_t kept;         /* bytes kept so far, at most max_total_bytes */
} Walk;

/* Copy at most size - 1 bytes, cut at a character boundary. */
static void copy_cut(char *dst, size_t size, const char *src) {
    size_t n = strlen(src);
    if (n >= size)
        for (n = size - 1; n > 0 && ((uint8_t)src[n] & 0xC0) == 0x80; n--) {}
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void skip(Walk *w, CollectSkip why) {
    if (w->st->skipped[why]++ == 0) copy_cut(w->st->example[why], sizeof w->st->example[why], w->path);
}

/* Skip w->path as a secret that looked like @p what; the first few are named in the summary. */
static void skip_secret(Walk *w, const char *what) {
    long k = w->st->skipped[SKIP_SECRET];
    if (k < COLLECT_SECRETS_SHOWN) {
        copy_cut(w->st->secret[k], sizeof w->st->secret[k], w->path);
        w->st->secret_why[k] = what;
    }
    skip(w, SKIP_SECRET);
}

static int wanted_extension(const CollectOptions *o, const char *path) {
    size_t n = strlen(path);
    for (int i = 0; i < o->n_exts; i++) {
        size_t k = strlen(o->exts[i]);
        if (n > k && memcmp(path + n - k, o->exts[i], k) == 0) return 1;
    }
    return o->n_exts == 0;
}

/* Read the regular file w->path of about @p size bytes into *text, with one
 * spare byte. Returns SKIP_COUNT, or the reason it was not read. */
static CollectSkip read_whole(Walk *w, size_t size, uint8_t **text, size_t *n) {
    /* O_NONBLOCK: should the file have become a fifo since stat(), do not wait for a writer */
    int fd = open(w->path, O_RDONLY | O_NONBLOCK);
    struct stat sb;
    if (fd < 0) return SKIP_UNREADABLE;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return SKIP_SPECIAL;
    }
    uint8_t *buf = XMALLOC(size + 2);
    size_t got = 0;
    ssize_t r = 0;
    while (got <= size && (r = read(fd, buf + got, size + 1 - got)) != 0) {
        if (r < 0 && errno != EINTR) break;
        if (r > 0) got += (size_t)r;
    }
    close(fd);
    if (r < 0 || got > size) { /* a read error, or the file grew while we read it */
        free(buf);
        return SKIP_UNREADABLE;
    }
    *text = buf, *n = got;
    return SKIP_COUNT;
}

/* Write the path with backslash escapes, so a manifest line is always one line. */
static void write_escaped(FILE *f, const char *s) {
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;
        if (e)
            fputs(e, f);
        else
            fputc(*s, f);
    }
}

/* Append a checked text to the split its hash picks, and list it in the manifest. */
static void keep(Walk *w, const uint8_t *text, size_t n, uint64_t hash) {
    /* the split comes from the text alone: renaming or moving a file keeps it where it was */
    int pct = (int)(hash_mix64(hash) % 100), test = w->o->test_percent, val = w->o->val_percent;
    int split = pct < test ? COLLECT_TEST : pct < test + val ? COLLECT_VAL : COLLECT_TRAIN;
    fwrite(text, 1, n, w->out[split]);
    if (split == COLLECT_TRAIN) count_line_starts(&w->starts, text, n);
    fputs(TOKENIZER_EOT, w->out[split]);
    fprintf(w->out[3], "%s\t%zu\t", split_name[split], n);
    write_escaped(w->out[3], w->path);
    fputc('\n', w->out[3]);
    w->st->files[split]++;
    w->st->bytes[split] += n;
    w->kept += n;
}

/* 1 when a file of @p size bytes cannot fit in @p room however it is normalised: dropping a
 * byte-order mark and turning every \r\n into \n leave at least (size - 3) / 2 bytes. */
static int cannot_fit(size_t size, size_t room) { return room < SIZE_MAX - 2 && size / 2 > room + 2; }

/* The checks of collect.h, in order; the first that fails is the reason counted. */
static void visit_file(Walk *w, const struct stat *sb) {
    const CollectOptions *o = w->o;
    CollectSkip why = SKIP_COUNT; /* SKIP_COUNT: no reason to skip, keep it */
    uint8_t *text = NULL;
    size_t n = 0;
    uint64_t hash = 0;
    const char *secret = NULL;
    if (!S_ISREG(sb->st_mode))
        why = SKIP_SPECIAL; /* never opened: a fifo would block */
    else if (sb->st_size == 0)
        why = SKIP_EMPTY;
    else if ((uintmax_t)sb->st_size > o->max_file_bytes)
        why = SKIP_HUGE;
    else if (cannot_fit((size_t)sb->st_size, o->max_total_bytes - w->kept))
        why = SKIP_BUDGET; /* known without reading it */
    else if ((why = read_whole(w, (size_t)sb->st_size, &text, &n)) != SKIP_COUNT) {
        /* not read: why says why */
    } else if (!is_text(text, n))
        why = SKIP_BINARY;
    else if ((n = normalise(text, n)) == 0)
        why = SKIP_EMPTY; /* it held only a byte-order mark */
    else if ((secret = collect_find_secret((const char *)text, n)) != NULL)
        why = SKIP_SECRET;
    else if (has_separator(text, n))
        why = SKIP_SEPARATOR;
    else if (!pairset_add(&w->texts, hash = hash_fnv1a64(text, n), n))
        why = SKIP_DUPLICATE;
    else if (n > o->max_total_bytes - w->kept)
        why = SKIP_BUDGET; /* a smaller file later may still fit */
    if (why == SKIP_COUNT)
        keep(w, text, n, hash);
    else if (why == SKIP_SECRET)
        skip_secret(w, secret);
    else
        skip(w, why);
    free(text);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void visit(Walk *w, int depth);

static void walk_dir(Walk *w, const struct stat *sb, int depth) {
    if (sb->st_dev == w->out_dir.st_dev && sb->st_ino == w->out_dir.st_ino)
        return; /* our own output folder: not part of the domain */
    CollectSkip why = SKIP_COUNT;
    DIR *d = NULL;
    if (depth > COLLECT_MAX_DEPTH)
        why = SKIP_DEEP;
    else if (!pairset_add(&w->dirs, (uint64_t)sb->st_dev, (uint64_t)sb->st_ino))
        why = SKIP_LOOP; /* entered before: a symlink loop, or a second link to it */
    else if (!(d = opendir(w->path)))
        why = SKIP_UNREADABLE;
    if (why != SKIP_COUNT) {
        skip(w, why);
        return;
    }
    char **names = NULL; /* readdir's order differs between machines: sort */
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) names = XREALLOC(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
        names[n] = XMALLOC(strlen(e->d_name) + 1);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    size_t len = w->len, sep = len > 0 && w->path[len - 1] == '/' ? 0 : 1;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(names[i]);
        if (len + sep + k < PATH_CAP) {
            memcpy(w->path + len, "/", sep);
            memcpy(w->path + len + sep, names[i], k + 1);
            w->len = len + sep + k;
            if (names[i][0] == '.' && !collect_secret_name(names[i], NULL))
                skip(w, SKIP_HIDDEN); /* a hidden name that secrets go by is looked at: visit() */
            else
                visit(w, depth + 1);
        } else {
            skip(w, SKIP_UNREADABLE); /* a path too long to name (the example is its folder) */
        }
        w->path[w->len = len] = '\0';
        free(names[i]);
    }
    free(names);
}

/* A file named like .npmrc or .pypirc: 1 when it holds a token or password (read at most 64 KiB). */
static int holds_login(Walk *w, const struct stat *sb) {
    uint8_t *text = NULL;
    size_t n = 0;
    if (!S_ISREG(sb->st_mode) || sb->st_size <= 0 || sb->st_size > 65536 ||
        read_whole(w, (size_t)sb->st_size, &text, &n) != SKIP_COUNT)
        return 0;
    for (size_t i = 0; i < n; i++)
        text[i] = (uint8_t)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] | 0x20 : text[i] ? text[i] : ' ');
    text[n] = '\0';
    int found = strstr((char *)text, "_auth") || strstr((char *)text, "token") || strstr((char *)text, "password");
    free(text);
    return found;
}

/* Look at w->path: a folder is walked, anything else is a candidate file. */
static void visit(Walk *w, int depth) {
    struct stat sb;
    int ok = stat(w->path, &sb) == 0; /* stat, not lstat: follow symbolic links */
    const char *base = strrchr(w->path, '/'), *why = NULL;
    base = base ? base + 1 : w->path;
    int secret = ok && S_ISDIR(sb.st_mode) ? 0 : collect_secret_name(base, &why); /* a venv named .env is a folder */
    if (secret == 2 && !holds_login(w, &sb)) secret = 0;
    if (secret)
        skip_secret(w, why); /* never read into the corpus */
    else if (base[0] == '.' && depth > 0)
        skip(w, SKIP_HIDDEN); /* .npmrc without a token, a folder named .env */
    else if (ok && S_ISDIR(sb.st_mode))
        walk_dir(w, &sb, depth);
    else if (!wanted_extension(w->o, w->path))
        skip(w, SKIP_EXTENSION);
    else if (!ok)
        skip(w, SKIP_UNREADABLE); /* a dangling link, a permission problem */
    else
        visit_file(w, &sb);
}

/* ---- the run ---- */

/* mkdir -p that reports instead of dying (llmlab_mkdir_p dies). */
static int make_dirs(const char *path, char *err, size_t err_size) {
    char p[PATH_CAP];
    if (!*path || strlen(path) >= sizeof p) return fail(err, err_size, "bad output folder name '%s'", path);
    strcpy(p, path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return fail(err, err_size, "cannot make the folder %s: %s", p, strerror(errno));
        if (!(*s = c)) break;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return fail(err, err_size, "cannot make the folder %s: a file of that name is in the way", path);
    return 0;
}

int collect_run(const char *const *dirs, int n_dirs, const char *out_dir, const CollectOptions *o, CollectStats *st,
                char *err, size_t err_size) {
    memset(st, 0, sizeof *st);
    if (err_size) err[0] = '\0';
    if (n_dirs < 1 || o->n_exts < 0 || (o->n_exts > 0 && !o->exts) || o->max_file_bytes == 0 || o->val_percent < 0 ||
        o->test_percent < 0 || o->val_percent + o->test_percent > 100)
        return fail(err, err_size, "bad options: a folder, sizes above 0, and val + test percent in 0..100");
    for (int i = 0; i < n_dirs; i++) {
        struct stat sb;
        if (stat(dirs[i], &sb) != 0) return fail(err, err_size, "cannot read %s: %s", dirs[i], strerror(errno));
        if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
            return fail(err, err_size, "%s is not a folder or a file", dirs[i]);
        if (strlen(dirs[i]) >= PATH_CAP) return fail(err, err_size, "the path %.40s... is too long", dirs[i]);
    }
    if (make_dirs(out_dir, err, err_size) != 0) return -1;

    Walk *w = XCALLOC(1, sizeof *w); /* on the heap: it holds a 4 KiB path */
    w->o = o, w->st = st;
    stat(out_dir, &w->out_dir);
    /* Each output is written under a unique temporary name (llmlab_open_temp) and, once all six
     * are whole and on the disk, renamed over the old ones: a failure leaves the old corpus. */
    char(*tmp)[LLMLAB_TMP_SIZE] = XCALLOC(N_OUT, LLMLAB_TMP_SIZE),
    (*final)[LLMLAB_PATH_MAX] = XCALLOC(N_OUT, LLMLAB_PATH_MAX);
    int rc = 0;
    for (int k = 0; k < N_OUT && rc == 0; k++)
        if ((size_t)snprintf(final[k], LLMLAB_PATH_MAX, "%s/%s", out_dir, out_name[k]) >= LLMLAB_PATH_MAX)
            rc = fail(err, err_size, "the folder name %.60s... is too long", out_dir);
    for (int k = 0; k < N_OUT && rc == 0; k++)
        if (!(w->out[k] = llmlab_open_temp(final[k], tmp[k], LLMLAB_TMP_SIZE, err, err_size))) rc = -1;
    for (int i = 0; i < n_dirs && rc == 0; i++) {
        strcpy(w->path, dirs[i]);
        w->len = strlen(w->path);
        while (w->len > 1 && w->path[w->len - 1] == '/')
            w->path[--w->len] = '\0'; /* "dir/" names its files "dir/x", not "dir//x" */
        visit(w, 0);
    }
    long kept = st->files[0] + st->files[1] + st->files[2];
    if (rc == 0 && kept == 0) rc = fail(err, err_size, "nothing kept: every file was skipped (see the summary)");
    if (rc == 0) {
        collect_print_summary(w->out[4], st);
        char prompts[COLLECT_PROMPTS][COLLECT_PROMPT_SIZE];
        int n = pick_prompts(&w->starts, prompts, COLLECT_PROMPTS);
        for (int i = 0; i < n; i++) fprintf(w->out[5], "%s\n", prompts[i]);
    }
    for (int k = 0; k < N_OUT; k++) {
        FILE **f = &w->out[k];
        if (*f && llmlab_close_synced(*f, 1, final[k], rc == 0 ? err : NULL, rc == 0 ? err_size : 0) != 0 && rc == 0)
            rc = -1;
        *f = NULL;
    }
    for (int k = 0; k < N_OUT; k++) { /* each replaced whole; after a failure, the rest removed */
        if (rc == 0 && rename(tmp[k], final[k]) != 0)
            rc = fail(err, err_size, "cannot rename %s to %s: %s", tmp[k], final[k], strerror(errno));
        if (rc != 0 && tmp[k][0]) remove(tmp[k]);
    }
    if (rc == 0) llmlab_sync_parent(final[0]);
    free(tmp), free(final);
    hashmap_free(&w->dirs);
    hashmap_free(&w->texts);
    hashmap_free(&w->starts);
    free(w);
    return rc;
}

void collect_print_summary(FILE *out, const CollectStats *st) {
    long files = st->files[0] + st->files[1] + st->files[2], skipped = 0;
    size_t bytes = st->bytes[0] + st->bytes[1] + st->bytes[2];
    fprintf(out, "kept %ld files, %zu bytes (line ends normalised; each file then %s)\n", files, bytes, TOKENIZER_EOT);
    for (int s = 0; s < 3; s++) {
        fprintf(out, "  %-6s %8ld files %12zu bytes", split_name[s], st->files[s], st->bytes[s]);
        fprintf(out, "%s\n", st->files[s] == 0 && files > 0 ? "   (empty: few files, or a 0% share)" : "");
    }
    for (int r = 0; r < SKIP_COUNT; r++) skipped += st->skipped[r];
    fprintf(out, "skipped %ld%s\n", skipped, skipped ? ": reason, count, the first one" : "");
    for (int r = 0; r < SKIP_COUNT; r++)
        if (st->skipped[r])
            fprintf(out, "  %-10s %8ld  %s (%s)\n", reason[r].name, st->skipped[r], st->example[r], reason[r].why);
    long secrets = st->skipped[SKIP_SECRET];
    if (secrets) {
        fprintf(out, "secrets: %ld file%s skipped that look%s like keys, tokens or passwords:", secrets,
                secrets == 1 ? "" : "s", secrets == 1 ? "s" : "");
        for (long i = 0; i < secrets && i < COLLECT_SECRETS_SHOWN; i++)
            fprintf(out, "%s %s (%s)", i ? "," : "", st->secret[i], st->secret_why[i] ? st->secret_why[i] : "?");
        fprintf(out, "%s\n  check what else in the folder is private before you train on it or share the corpus\n",
                secrets > COLLECT_SECRETS_SHOWN ? ", ..." : "");
    }
}
