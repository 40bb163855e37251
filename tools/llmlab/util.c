/* Helpers shared by llmlab's subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tokenizer.h"

uint8_t *cli_read_input(const char *path, size_t *len) {
    int from_stdin = path == NULL || strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "llmlab: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    int bad = ferror(f);
    if (!from_stdin)
        fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "llmlab: %s reading %s\n", buf ? "read error" : "out of memory",
                from_stdin ? "standard input" : path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cli_int(const char *flag, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "llmlab: %s wants a whole number from %ld to %ld, got '%s'\n", flag, lo, hi,
                s ? s : "(nothing)");
        return -1;
    }
    *out = v;
    return 0;
}

size_t cli_first_invalid_utf8(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (cp < 0)
            return i;
        i += (size_t)len;
    }
    return (size_t)-1;
}
