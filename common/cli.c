/* The one command-line parser (cli.h): flags from a table, for llmlab and the demos. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int is_whole(FlagType t) { return t == FLAG_INT || t == FLAG_LONG || t == FLAG_U64; }

/* A bound of a range as the learner typed it: whole numbers in full (1000000000, not 1e+09). */
static void put_bound(FILE *out, FlagType t, double v) {
    if (t == FLAG_U64 && v >= 18446744073709551615.0)
        fprintf(out, "%" PRIu64, UINT64_MAX);
    else if (is_whole(t))
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%g", v);
}

static void put_value(FILE *out, const Flag *f) {
    switch (f->type) {
    case FLAG_INT:
        fprintf(out, "%d", *(int *)f->value);
        break;
    case FLAG_LONG:
        fprintf(out, "%ld", *(long *)f->value);
        break;
    case FLAG_U64:
        fprintf(out, "%" PRIu64, *(uint64_t *)f->value);
        break;
    case FLAG_FLOAT:
        fprintf(out, "%g", (double)*(float *)f->value);
        break;
    case FLAG_STRING:
        fputs(*(const char **)f->value, out);
        break;
    default:
        break;
    }
}

void cli_print_help(const CliCommand *c, FILE *out) {
    fprintf(out, "%s%s", c->usage, c->usage[0] && c->usage[strlen(c->usage) - 1] != '\n' ? "\n" : "");
    for (int k = 0; k < c->n_flags; k++) {
        const Flag *f = &c->flags[k];
        static const char *const what[] = {"", " N", " N", " N", " X", " VALUE", " VALUE"};
        char left[80];
        snprintf(left, sizeof left, "%s%s--%s%s", f->alias ? f->alias : "", f->alias ? ", " : "", f->name,
                 what[f->type]);
        fprintf(out, "  %-22s %s", left, f->help);
        /* a default worth saying: not "off", no string, an empty list */
        if (f->type == FLAG_LIST)
            fputs(" (may be repeated)", out);
        else if (f->type != FLAG_BOOL && (f->type != FLAG_STRING || *(const char **)f->value)) {
            fputs(" (default: ", out);
            put_value(out, f);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

/* Edit distance of two short strings (for "did you mean"); large when either is long. */
static int distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 40 || m > 40) return 99;
    int row[41];
    for (size_t j = 0; j <= m; j++) row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[m];
}

static void unknown(const CliCommand *c, const char *a) {
    const char *guess = NULL;
    int best = 3; /* suggest only a flag within two edits */
    const char *typed = a + strspn(a, "-");
    for (int k = 0; k < c->n_flags; k++) {
        int d = distance(typed, c->flags[k].name);
        if (d < best) best = d, guess = c->flags[k].name;
    }
    fprintf(stderr, "%s: unknown option '%s'", c->name, a);
    if (guess) fprintf(stderr, "; did you mean --%s?", guess);
    fprintf(stderr, " (%s --help lists the flags)\n", c->name);
}

/* Parse @p v into flag @p f's variable; 0, or -1 after a message. */
static int set_value(const CliCommand *c, const Flag *f, const char *v) {
    char *end = NULL;
    errno = 0;
    switch (f->type) {
    case FLAG_BOOL:
        *(int *)f->value = 1;
        return 0;
    case FLAG_STRING:
        *(const char **)f->value = v;
        return 0;
    case FLAG_LIST: {
        CliList *l = f->value;
        if (l->n == l->max) {
            fprintf(stderr, "%s: --%s can be given at most %d times\n", c->name, f->name, l->max);
            return -1;
        }
        l->items[l->n++] = v;
        return 0;
    }
    case FLAG_FLOAT: {
        double d = strtod(v, &end);
        if (errno == 0 && end != v && *end == '\0' && d >= f->lo && d <= f->hi) {
            *(float *)f->value = (float)d;
            return 0;
        }
        break;
    }
    case FLAG_U64: {
        /* strtoull reads "-1" as 2^64 - 1: a sign is refused before it */
        uint64_t u = v[strspn(v, " \t")] == '-' ? 0 : strtoull(v, &end, 10);
        int below = f->lo > 0 && u < (uint64_t)f->lo, above = f->hi < 18446744073709551615.0 && u > (uint64_t)f->hi;
        if (end && errno == 0 && end != v && *end == '\0' && !below && !above) {
            *(uint64_t *)f->value = u;
            return 0;
        }
        break;
    }
    case FLAG_INT:
    case FLAG_LONG: {
        long long n = strtoll(v, &end, 10);
        if (errno == 0 && end != v && *end == '\0' && (double)n >= f->lo && (double)n <= f->hi) {
            if (f->type == FLAG_INT)
                *(int *)f->value = (int)n;
            else
                *(long *)f->value = (long)n;
            return 0;
        }
        break;
    }
    }
    fprintf(stderr, "%s: --%s wants %s from ", c->name, f->name, is_whole(f->type) ? "a whole number" : "a number");
    put_bound(stderr, f->type, f->lo);
    fputs(" to ", stderr);
    put_bound(stderr, f->type, f->hi);
    fprintf(stderr, ", got '%s'\n", v);
    return -1;
}

int cli_parse(const CliCommand *c, int argc, char **argv) {
    if (c->n_args) *c->n_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_print_help(c, stdout);
            exit(0);
        }
        const Flag *f = NULL;
        for (int k = 0; k < c->n_flags && !f; k++) {
            const Flag *g = &c->flags[k];
            if ((a[0] == '-' && a[1] == '-' && !strcmp(a + 2, g->name)) || (g->alias && !strcmp(a, g->alias))) f = g;
        }
        if (!f && c->args && (a[0] != '-' || a[1] == '\0')) { /* an argument; "-" is standard input */
            if (*c->n_args == c->max_args) {
                fprintf(stderr, "%s: at most %d argument%s, got more ('%s')\n", c->name, c->max_args,
                        c->max_args == 1 ? "" : "s", a);
                return CLI_EXIT_USAGE;
            }
            c->args[(*c->n_args)++] = argv[i];
            continue;
        }
        if (!f) {
            unknown(c, a);
            return CLI_EXIT_USAGE;
        }
        if (f->type != FLAG_BOOL && i + 1 >= argc) {
            fprintf(stderr, "%s: --%s needs a value\n", c->name, f->name);
            return CLI_EXIT_USAGE;
        }
        if (set_value(c, f, f->type == FLAG_BOOL ? NULL : argv[++i]) != 0) return CLI_EXIT_USAGE;
    }
    return 0;
}

void cli_parse_demo(int argc, char **argv, const char *about, DemoArgs *args) {
    const char *prog = argc > 0 ? argv[0] : "demo";
    const Flag flags[] = {
        {"quick", FLAG_BOOL, &args->quick, 0, 0, "a small, fast run", NULL},
        {"runs", FLAG_STRING, &args->runs, 0, 0, "where to write run folders", NULL},
        {"seed", FLAG_U64, &args->seed, 0, 18446744073709551615.0, "random seed: the same seed gives the same run",
         NULL},
        {"resume", FLAG_BOOL, &args->resume, 0, 0, "continue a training run from its last checkpoint", NULL},
    };
    size_t size = strlen(about) + strlen(prog) + 64;
    char *usage = malloc(size);
    if (usage) snprintf(usage, size, "%s\n\nusage: %s [--quick] [--runs DIR] [--seed N] [--resume]", about, prog);
    CliCommand c = {.name = prog, .usage = usage ? usage : about, .flags = flags, .n_flags = CLI_COUNT(flags)};
    int rc = cli_parse(&c, argc, argv);
    free(usage);
    if (rc != 0) exit(rc);
}
