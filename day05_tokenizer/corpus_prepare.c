/*
 * Day 5, given code: making a corpus's train.txt and val.txt (see corpus.h).
 *
 * The fortunes are cleaned the way a careful person would by hand, and the
 * result is the same, byte for byte, as the Python script that did this
 * job before (tools/prepare_text.py, now gone): "whitespace" is Python's
 * (str.isspace), a file that is not valid UTF-8 is read as Latin-1, and
 * every file is written whole under a temporary name, then renamed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "corpus.h"
#include "utf8.h"

/* A growing byte buffer. */
typedef struct Bytes {
    uint8_t *p;
    size_t n, cap;
} Bytes;

static void bytes_put(Bytes *b, const void *s, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = XREALLOC(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* The whole file, or -1 with the reason in err. */
static int read_all(const char *path, Bytes *out, char *err, size_t err_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    *out = (Bytes){0};
    uint8_t chunk[1 << 16];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) bytes_put(out, chunk, got);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, err_size, "read error in %s", path);
        free(out->p);
        return -1;
    }
    return 0;
}

/* Write data to dir/name atomically: a temporary file of its own (two preparations at once never
 * write each other's), then a rename; a failure leaves no half file under the real name. */
static int write_file(const char *dir, const char *name, const uint8_t *data, size_t n, char *err, size_t err_size) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = XMALLOC(len), tmp[LLMLAB_TMP_SIZE];
    snprintf(path, len, "%s/%s", dir, name);
    int rc = -1;
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, err_size);
    if (f) rc = llmlab_commit_file(f, n == 0 || fwrite(data, 1, n, f) == n, tmp, path, err, err_size);
    free(path);
    return rc;
}

/* ---- Latin-1 and Python's idea of whitespace (UTF-8 is common/utf8.h's, the
 * strict rules Python decodes with) ---- */

/* Latin-1 bytes as UTF-8: each byte is the code point of the same number. */
static void latin1_to_utf8(const Bytes *in, Bytes *out) {
    *out = (Bytes){0};
    for (size_t i = 0; i < in->n; i++) {
        uint8_t c = in->p[i], two[2] = {(uint8_t)(0xC0 | c >> 6), (uint8_t)(0x80 | (c & 0x3F))};
        if (c < 0x80)
            bytes_put(out, &c, 1);
        else
            bytes_put(out, two, 2);
    }
}

/* Python's str.isspace(): the ASCII blanks, the separators \x1c-\x1f, and Unicode's spaces. */
static int is_space(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* The code point at s[i] of valid UTF-8, and its length in *len. */
static uint32_t decode_at(const uint8_t *s, size_t i, size_t *len) {
    uint8_t c = s[i];
    *len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = *len == 1 ? c : c & (0x3F >> (*len - 1));
    for (size_t k = 1; k < *len; k++) cp = cp << 6 | (s[i + k] & 0x3F);
    return cp;
}

/* The end of s[a..b) without its trailing whitespace (Python's rstrip). */
static size_t rstrip(const uint8_t *s, size_t a, size_t b) {
    while (b > a) {
        size_t start = b - 1, len;
        while (start > a && (s[start] & 0xC0) == 0x80) start--; /* back to the first byte of the last character */
        if (!is_space(decode_at(s, start, &len))) break;
        b = start;
    }
    return b;
}

/* The start of s[a..b) without its leading whitespace (Python's lstrip). */
static size_t lstrip(const uint8_t *s, size_t a, size_t b) {
    size_t len;
    while (a < b && is_space(decode_at(s, a, &len))) a += len;
    return a;
}

/* ---- the fortunes ---- */

static const char *const SKIP[] = {"art", "ascii-art"}; /* pictures made of characters, not language */

static int ends_with(const char *s, const char *end) {
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The collections of src: every regular file except the .dat indexes, the .u8 links and SKIP, by name. */
static int fortune_files(const char *src, char ***names_out, int *count, char *err, size_t err_size) {
    DIR *d = opendir(src);
    if (!d) {
        snprintf(err, err_size, "cannot read the folder %s: %s", src, strerror(errno));
        return -1;
    }
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        const char *name = e->d_name;
        if (ends_with(name, ".dat") || ends_with(name, ".u8") || !strcmp(name, SKIP[0]) || !strcmp(name, SKIP[1]))
            continue;
        size_t len = strlen(src) + strlen(name) + 2;
        char *path = XMALLOC(len);
        snprintf(path, len, "%s/%s", src, name);
        struct stat st;
        int regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!regular) continue;
        names = XREALLOC(names, sizeof *names * (size_t)(n + 1));
        names[n] = XMALLOC(strlen(name) + 1);
        strcpy(names[n++], name);
    }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof *names, by_name);
    *names_out = names;
    *count = n;
    return 0;
}

/* The entries so far: their bytes one after another, where each starts and ends. */
typedef struct Entries {
    Bytes text;
    size_t *start, *len;
    long n, cap;
} Entries;

static int contains(const uint8_t *s, size_t n, const char *what) {
    size_t m = strlen(what);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, what, m) == 0) return 1;
    return 0;
}

/* One entry's lines (each already without trailing whitespace), joined by
 * \n: without the empty lines around it, it joins the list unless empty
 * or holding the end-of-text marker (repeats are removed later). */
static void entry_end(Entries *es, Bytes *cur) {
    size_t a = 0, b = cur->n;
    while (a < b && cur->p[a] == '\n') a++;
    while (b > a && cur->p[b - 1] == '\n') b--;
    b = rstrip(cur->p, a, b);
    if (b > a && !contains(cur->p + a, b - a, TOKENIZER_EOT)) {
        if (es->n == es->cap) {
            es->cap = es->cap * 2 + 1024;
            es->start = XREALLOC(es->start, sizeof *es->start * (size_t)es->cap);
            es->len = XREALLOC(es->len, sizeof *es->len * (size_t)es->cap);
        }
        es->start[es->n] = es->text.n;
        es->len[es->n++] = b - a;
        bytes_put(&es->text, cur->p + a, b - a);
    }
    cur->n = 0;
}

/* Split one collection (valid UTF-8) into entries: a line holding only `%` (and whitespace) ends one. */
static void split_entries(const Bytes *t, Entries *es) {
    Bytes cur = {0};
    int lines = 0; /* lines in cur */
    for (size_t a = 0; a <= t->n;) {
        const uint8_t *nl = a < t->n ? memchr(t->p + a, '\n', t->n - a) : NULL;
        size_t b = nl ? (size_t)(nl - t->p) : t->n;
        size_t r = rstrip(t->p, a, b), l = lstrip(t->p, a, r);
        if (r == l + 1 && t->p[l] == '%') {
            entry_end(es, &cur);
            lines = 0;
        } else {
            if (lines++) bytes_put(&cur, "\n", 1);
            bytes_put(&cur, t->p + a, r - a);
        }
        a = b + 1;
    }
    entry_end(es, &cur); /* the file's last entry, after its last `%` or without one */
    free(cur.p);
}

/* An entry's text and its place in the list, for sorting. */
typedef struct Ranked {
    const uint8_t *text;
    size_t len;
    long index;
} Ranked;

/* By text (any fixed order will do), then by place: the first of equal entries sorts first. */
static int by_text(const void *pa, const void *pb) {
    const Ranked *a = pa, *b = pb;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    int c = memcmp(a->text, b->text, a->len);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* keep[i] = 0 for an entry whose text came before: equal texts sort next to each other. */
static unsigned char *first_occurrences(const Entries *es) {
    Ranked *r = XMALLOC(sizeof *r * (size_t)es->n);
    unsigned char *keep = XMALLOC((size_t)es->n);
    for (long i = 0; i < es->n; i++) r[i] = (Ranked){es->text.p + es->start[i], es->len[i], i};
    qsort(r, (size_t)es->n, sizeof *r, by_text);
    for (long k = 0; k < es->n; k++)
        keep[r[k].index] = k == 0 || r[k - 1].len != r[k].len || memcmp(r[k - 1].text, r[k].text, r[k].len) != 0;
    free(r);
    return keep;
}

int corpus_prepare_fortunes(const char *src_dir, const char *out_dir, FILE *log, char *err, size_t err_size) {
    int n_files = 0, rc = -1;
    char **names = NULL;
    if (fortune_files(src_dir, &names, &n_files, err, err_size) != 0) return -1;
    Entries es = {0};
    Bytes split[2] = {{0}}; /* train, validation */
    unsigned char *keep = NULL;
    if (n_files == 0) {
        snprintf(err, err_size, "no fortune files in %s", src_dir);
        goto done;
    }
    for (int f = 0; f < n_files; f++) {
        size_t len = strlen(src_dir) + strlen(names[f]) + 2;
        char *path = XMALLOC(len);
        snprintf(path, len, "%s/%s", src_dir, names[f]);
        Bytes raw;
        int bad = read_all(path, &raw, err, err_size);
        free(path);
        if (bad) goto done;
        if (!utf8_valid(raw.p, raw.n)) { /* a few old collections are Latin-1 */
            Bytes utf8;
            latin1_to_utf8(&raw, &utf8);
            free(raw.p);
            raw = utf8;
        }
        split_entries(&raw, &es);
        free(raw.p);
    }
    /* Every tenth entry validates, so both halves hold every collection. */
    keep = first_occurrences(&es);
    long kept = 0, n_val = 0;
    for (long i = 0; i < es.n; i++) {
        if (!keep[i]) continue;
        int val = kept++ % 10 == 9;
        n_val += val;
        bytes_put(&split[val], es.text.p + es.start[i], es.len[i]);
        bytes_put(&split[val], "\n" TOKENIZER_EOT, 1 + strlen(TOKENIZER_EOT));
    }
    int made = llmlab_make_dirs(out_dir, err, err_size);
    if (made != 0 || write_file(out_dir, "train.txt", split[0].p, split[0].n, err, err_size) != 0 ||
        write_file(out_dir, "val.txt", split[1].p, split[1].n, err, err_size) != 0)
        goto done;
    if (log) {
        fprintf(log, "data: fortunes: %d files, %ld entries (%ld train, %ld validation) -> %s\n", n_files, kept,
                kept - n_val, n_val, out_dir);
        fflush(log);
    }
    rc = 0;
done:
    for (int f = 0; f < n_files; f++) free(names[f]);
    free(names);
    free(es.text.p), free(es.start), free(es.len);
    free(split[0].p), free(split[1].p);
    free(keep);
    return rc;
}

/* ---- any text: the first 90% trains, the rest validates ---- */

int corpus_prepare_split(const char *path, const char *out_dir, FILE *log, char *err, size_t err_size) {
    Bytes data;
    if (read_all(path, &data, err, err_size) != 0) return -1;
    size_t cut = data.n * 9 / 10;
    for (size_t i = cut; i > 0; i--)
        if (data.p[i - 1] == '\n') { /* at a line end, when there is one before 90% */
            cut = i;
            break;
        }
    int rc = -1;
    if (llmlab_make_dirs(out_dir, err, err_size) == 0 &&
        write_file(out_dir, "train.txt", data.p, cut, err, err_size) == 0 &&
        write_file(out_dir, "val.txt", data.p + cut, data.n - cut, err, err_size) == 0) {
        const char *base = strrchr(path, '/');
        if (log) {
            fprintf(log, "data: %s: %zu bytes train, %zu validation -> %s\n", base ? base + 1 : path, cut, data.n - cut,
                    out_dir);
            fflush(log);
        }
        rc = 0;
    }
    free(data.p);
    return rc;
}
