/* Helpers shared by llmlab's subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

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

static void print_default(const Flag *f, FILE *out) {
    switch (f->type) {
    case FLAG_INT: fprintf(out, "%d", *(int *)f->value); break;
    case FLAG_LONG: fprintf(out, "%ld", *(long *)f->value); break;
    case FLAG_FLOAT: fprintf(out, "%g", (double)*(float *)f->value); break;
    case FLAG_STRING: fprintf(out, "%s", *(const char **)f->value ? *(const char **)f->value : "(none)"); break;
    case FLAG_BOOL: fprintf(out, "%s", *(int *)f->value ? "on" : "off"); break;
    }
}

int cli_parse_flags(int argc, char **argv, const Flag *flags, int n_flags, const char *usage) {
    return cli_parse_args(argc, argv, flags, n_flags, usage, NULL, 0, NULL);
}

int cli_parse_args(int argc, char **argv, const Flag *flags, int n_flags, const char *usage, char **args,
                   int max_args, int *n_args) {
    if (n_args)
        *n_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n", usage);
            for (int k = 0; k < n_flags; k++) {
                const Flag *f = &flags[k];
                char left[64];
                snprintf(left, sizeof left, "--%s%s", f->name, f->type == FLAG_BOOL ? "" : " X");
                printf("  %-20s %s (default: ", left, f->help);
                print_default(f, stdout);
                printf(")\n");
            }
            exit(0);
        }
        const Flag *f = NULL;
        for (int k = 0; k < n_flags && !f; k++)
            if (a[0] == '-' && a[1] == '-' && !strcmp(a + 2, flags[k].name))
                f = &flags[k];
        if (!f && args && a[0] != '-') {        /* an argument that is not a flag */
            if (*n_args == max_args) {
                fprintf(stderr, "llmlab %s: at most %d arguments, got more\n", argv[0], max_args);
                return EXIT_USAGE;
            }
            args[(*n_args)++] = argv[i];
            continue;
        }
        if (!f) {
            fprintf(stderr, "llmlab %s: unknown option '%s' (see llmlab %s --help)\n", argv[0], a, argv[0]);
            return EXIT_USAGE;
        }
        if (f->type == FLAG_BOOL) {
            *(int *)f->value = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "llmlab %s: --%s needs a value\n", argv[0], f->name);
            return EXIT_USAGE;
        }
        const char *v = argv[++i];
        char *end;
        errno = 0;
        if (f->type == FLAG_STRING) {
            *(const char **)f->value = v;
            continue;
        }
        double d = f->type == FLAG_FLOAT ? strtod(v, &end) : (double)strtol(v, &end, 10);
        if (errno || end == v || *end || !(d >= f->lo && d <= f->hi)) {
            fprintf(stderr, "llmlab %s: --%s wants %s from %g to %g, got '%s'\n", argv[0], f->name,
                    f->type == FLAG_FLOAT ? "a number" : "a whole number", f->lo, f->hi, v);
            return EXIT_USAGE;
        }
        if (f->type == FLAG_INT)
            *(int *)f->value = (int)d;
        else if (f->type == FLAG_LONG)
            *(long *)f->value = (long)d;
        else
            *(float *)f->value = (float)d;
    }
    return 0;
}
