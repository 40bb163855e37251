/*
 * llmlab tokenizer train|encode|decode|show: Day 5's tokenizer from a shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "tokenizer.h"
#include "tokens.h"
#include "utf8.h"

static const char *usage_text =
    "usage:\n"
    "  llmlab tokenizer train  [--vocab N] [--bytes] [--special TEXT]... [--no-special] [--raw] -o OUT.bpe FILE...\n"
    "  llmlab tokenizer encode -t TOK.bpe [--raw] [--out OUT.tok] [FILE]\n"
    "  llmlab tokenizer decode -t TOK.bpe [FILE]\n"
    "  llmlab tokenizer show   -t TOK.bpe [--raw] [--plain] [FILE]\n"
    "\n"
    "  train    learn merges from the text of FILE... (byte-level BPE)\n"
    "  encode   print the token ids of FILE (or standard input), or write a token file with --out\n"
    "  decode   read token ids (whitespace-separated) and write the text they stand for\n"
    "  show     print the text with every token's boundaries coloured\n"
    "\n"
    "decode writes the text's bytes as they are, except to a terminal: there, control characters\n"
    "(escape sequences among them) and bytes that are not UTF-8 are shown as \\xNN, so that a\n"
    "token file cannot drive the terminal.\n"
    "\n";

typedef struct Opts {
    const char *tok, *out;
    int vocab, bytes, raw, plain, no_special, n_special;
    const char *special[TOKENIZER_MAX_SPECIAL];
    char *files[64];
    int n_files;
} Opts;

/* The flags of all four subcommands (one table: a flag a subcommand does not use is ignored). */
static int parse(const char *sub, int argc, char **argv, Opts *o) {
    *o = (Opts){.vocab = 1024};
    CliList special = {o->special, 0, TOKENIZER_MAX_SPECIAL};
    const Flag flags[] = {
        {"tokenizer", FLAG_STRING, &o->tok, 0, 0, "the tokenizer to use", "-t"},
        {"out", FLAG_STRING, &o->out, 0, 0, "where to write (train: the tokenizer; encode: a token file)", "-o"},
        {"vocab", FLAG_INT, &o->vocab, 256, TOKENIZER_MAX_VOCAB,
         "vocabulary size, 256 bytes and the special tokens included", NULL},
        {"bytes", FLAG_BOOL, &o->bytes, 0, 0,
         "plain byte mode: merges may cross words (never lines); default: GPT-2's chunks", NULL},
        {"special", FLAG_LIST, &special, 0, 0, "a special token; none given: <|endoftext|> alone", NULL},
        {"no-special", FLAG_BOOL, &o->no_special, 0, 0, "no special tokens at all", NULL},
        {"raw", FLAG_BOOL, &o->raw, 0, 0, "accept input that is not valid UTF-8 (its bytes still round-trip)", NULL},
        {"plain", FLAG_BOOL, &o->plain, 0, 0, "show: mark boundaries with | instead of colours", NULL},
    };
    char name[64];
    snprintf(name, sizeof name, "llmlab tokenizer %s", sub);
    const CliCommand cmd = {.name = name,
                            .usage = usage_text,
                            .flags = flags,
                            .n_flags = CLI_COUNT(flags),
                            .args = o->files,
                            .max_args = 64,
                            .n_args = &o->n_files};
    if (cli_parse(&cmd, argc, argv) != 0) return -1;
    for (int i = 0; i < special.n; i++) {
        const char *t = special.items[i];
        if (!*t || strlen(t) > TOKENIZER_MAX_SPECIAL_LEN || strchr(t, '\n')) {
            fprintf(stderr, "%s: a special token is 1 to %d bytes on one line, got '%.40s'\n", name,
                    TOKENIZER_MAX_SPECIAL_LEN, t);
            return -1;
        }
    }
    o->n_special = special.n;
    if (o->no_special)
        o->n_special = 0;
    else if (o->n_special == 0)
        o->special[o->n_special++] = TOKENIZER_EOT;
    return 0;
}

/* Read the input (one file or standard input) and check it is UTF-8 unless --raw. */
static uint8_t *read_text(const Opts *o, const char *path, size_t *len) {
    uint8_t *text = cli_read_input(path, len);
    if (!text) return NULL;
    size_t bad = o->raw ? *len : utf8_first_invalid(text, *len);
    const uint8_t *nul = o->raw ? NULL : memchr(text, 0, bad); /* valid UTF-8, but a binary file */
    if (nul) bad = (size_t)(nul - text);
    if (bad != *len) {
        size_t line = 1;
        for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
        fprintf(stderr, "llmlab: %s %s (byte %zu, line %zu); pass --raw to tokenize its bytes anyway\n",
                path && strcmp(path, "-") ? path : "standard input",
                nul ? "holds a NUL byte, so it is a binary file, not text" : "is not valid UTF-8", bad, line);
        free(text);
        return NULL;
    }
    return text;
}

static int load(const Opts *o, Tokenizer *t) {
    char err[600];
    if (tokenizer_load(t, o->tok, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab: %s\n", err);
        return -1;
    }
    return 0;
}

/* encode, decode and show: a tokenizer and at most one input (a command-line mistake otherwise) */
static int one_input(const Opts *o) {
    if (!o->tok) {
        fprintf(stderr, "llmlab tokenizer: name a tokenizer with -t FILE (make one with llmlab tokenizer train)\n");
        return -1;
    }
    if (o->n_files > 1) {
        fprintf(stderr, "llmlab tokenizer: one input file at most (or standard input)\n");
        return -1;
    }
    return 0;
}

static int train(const Opts *o) {
    if (!o->out || o->n_files == 0) {
        fprintf(stderr, "llmlab tokenizer train: needs -o OUT.bpe and at least one text file\n");
        return CLI_EXIT_USAGE;
    }
    if (o->vocab < 256 + o->n_special) {
        fprintf(stderr, "llmlab: --vocab %d is too small: the 256 bytes and %d special tokens need %d\n", o->vocab,
                o->n_special, 256 + o->n_special);
        return CLI_EXIT_USAGE;
    }
    char err[LLMLAB_ERR_SIZE];
    if (llmlab_check_output(o->out, err, sizeof err) != 0) { /* before the training, not after */
        fprintf(stderr, "llmlab tokenizer train: %s\n", err);
        return 1;
    }
    size_t total = 0;
    uint8_t *all = NULL;
    for (int i = 0; i < o->n_files; i++) {
        size_t len;
        uint8_t *text = read_text(o, o->files[i], &len);
        if (!text) {
            free(all);
            return 1;
        }
        uint8_t *bigger = realloc(all, total + len + 1);
        if (!bigger) {
            fprintf(stderr, "llmlab: out of memory\n");
            free(all), free(text);
            return 1;
        }
        all = bigger;
        memcpy(all + total, text, len);
        total += len;
        free(text);
    }
    Tokenizer t;
    tokenizer_train(&t, all, total, o->vocab, !o->bytes, o->special, o->n_special);
    if (tokenizer_write(&t, o->out, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab tokenizer train: %s\n", err);
        free(all);
        tokenizer_free(&t);
        return 1;
    }
    int32_t *ids = malloc((total + 1) * sizeof *ids);
    size_t n = ids ? tokenizer_encode(&t, all, total, 1, ids) : 0;
    fprintf(stderr, "wrote %s: %d tokens (%d merges, %d special); %zu bytes become %zu tokens (%.2f bytes/token)\n",
            o->out, t.vocab_size, t.n_merges, t.n_special, total, n, n ? (double)total / (double)n : 0.0);
    if (t.n_merges < o->vocab - 256 - o->n_special)
        fprintf(stderr, "note: the text ran out of pairs to merge before reaching --vocab %d\n", o->vocab);
    free(ids), free(all);
    tokenizer_free(&t);
    return 0;
}

/* A loaded tokenizer, the input text and its ids: what encode and show share. */
typedef struct Encoded {
    Tokenizer tok;
    uint8_t *text;
    size_t len;
    int32_t *ids;
    size_t n;
} Encoded;

/* Returns 0, or the exit status after saying what went wrong. */
static int load_and_encode(const Opts *o, Encoded *e) {
    memset(e, 0, sizeof *e);
    if (one_input(o) != 0) return CLI_EXIT_USAGE;
    char err[LLMLAB_ERR_SIZE];
    if (o->out && llmlab_check_output(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "llmlab tokenizer: %s\n", err);
        return 1;
    }
    if (load(o, &e->tok) != 0) return 1;
    e->text = read_text(o, o->n_files ? o->files[0] : NULL, &e->len);
    e->ids = e->text ? malloc((e->len + 1) * sizeof *e->ids) : NULL;
    if (!e->ids) {
        if (e->text) fprintf(stderr, "llmlab: out of memory\n");
        free(e->text);
        tokenizer_free(&e->tok);
        return 1;
    }
    e->n = tokenizer_encode(&e->tok, e->text, e->len, 1, e->ids);
    return 0;
}

static void encoded_free(Encoded *e) {
    free(e->ids), free(e->text);
    tokenizer_free(&e->tok);
}

static int encode(const Opts *o) {
    Encoded e;
    int rc = load_and_encode(o, &e);
    if (rc != 0) return rc;
    if (o->out) {
        char err[LLMLAB_ERR_SIZE];
        if (token_file_write(o->out, e.ids, e.n, e.tok.vocab_size, tokenizer_hash(&e.tok), err, sizeof err) != 0) {
            fprintf(stderr, "llmlab: %s\n", err);
            rc = 1;
        } else {
            fprintf(stderr, "wrote %s: %zu tokens\n", o->out, e.n);
        }
    } else {
        for (size_t i = 0; i < e.n && !ferror(stdout); i++) /* main() reports a failed write */
            printf("%d%c", e.ids[i], i + 1 == e.n ? '\n' : ' ');
    }
    encoded_free(&e);
    return rc;
}

static int decode(const Opts *o) {
    Tokenizer t;
    size_t len;
    if (one_input(o) != 0) return CLI_EXIT_USAGE;
    if (load(o, &t) != 0) return 1;
    char *text = (char *)cli_read_input(o->n_files ? o->files[0] : NULL, &len);
    if (!text) {
        tokenizer_free(&t);
        return 1;
    }
    /* a terminal gets the text made safe (cli_put_shown), whole, since a character may span tokens;
     * a file or a pipe gets the bytes as they are */
    int tty = isatty(STDOUT_FILENO);
    size_t cap = 1 << 12, n_out = 0;
    uint8_t *shown = tty ? XMALLOC(cap) : NULL;
    int rc = 0;
    size_t count = 0;
    for (char *p = text; rc == 0 && !ferror(stdout);) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
        if (*p == '\0') break;
        char *end;
        long id = strtol(p, &end, 10);
        if (end == p || (*end && *end != ' ' && *end != '\n' && *end != '\t' && *end != '\r') || id < 0 ||
            id >= t.vocab_size) {
            int shown_len = (int)strcspn(p, " \t\r\n");
            fprintf(stderr, "llmlab: token %zu ('%.*s') is not an id from 0 to %d\n", count + 1,
                    shown_len < 20 ? shown_len : 20, p, t.vocab_size - 1);
            rc = 1;
            break;
        }
        size_t n;
        const uint8_t *b = tokenizer_token_bytes(&t, (int32_t)id, &n);
        if (!tty) {
            fwrite(b, 1, n, stdout);
        } else {
            while (n_out + n > cap) shown = XREALLOC(shown, cap *= 2);
            memcpy(shown + n_out, b, n);
            n_out += n;
        }
        count++;
        p = end;
    }
    if (tty) cli_put_shown(shown, n_out, stdout);
    free(shown);
    free(text);
    tokenizer_free(&t);
    return rc;
}

/* A token's bytes, made visible: newlines and tabs as \n and \t, invalid bytes as \xNN. */
static void put_visible(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = utf8_char(s + i, n - i, &cp);
        if (cp == '\n')
            fputs("\\n\n", stdout);
        else if (cp == '\t')
            fputs("\\t", stdout);
        else if (cp < 0 || cp < 0x20 || cp == 0x7F)
            printf("\\x%02X", s[i]);
        else
            fwrite(s + i, 1, (size_t)len, stdout);
        i += (size_t)len;
    }
}

static int show(const Opts *o) {
    Encoded e;
    int rc = load_and_encode(o, &e);
    if (rc != 0) return rc;
    int colour = !o->plain && isatty(STDOUT_FILENO);
    static const char *bg[] = {"\033[48;5;153m", "\033[48;5;222m", "\033[48;5;157m", "\033[48;5;218m"};
    for (size_t i = 0; i < e.n && !ferror(stdout); i++) {
        size_t bl;
        const uint8_t *b = tokenizer_token_bytes(&e.tok, e.ids[i], &bl);
        if (colour)
            fputs(bg[i % 4], stdout), fputs("\033[30m", stdout);
        else if (i > 0)
            putchar('|');
        put_visible(b, bl);
        if (colour) fputs("\033[0m", stdout);
    }
    putchar('\n');
    fprintf(stderr, "%zu bytes, %zu tokens: %.2f bytes per token\n", e.len, e.n,
            e.n ? (double)e.len / (double)e.n : 0.0);
    encoded_free(&e);
    return 0;
}

int cmd_tokenizer(int argc, char **argv) {
    Opts o;
    if (argc < 2) {
        fputs(usage_text, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h"))
        sub = ""; /* cli_parse prints the usage and the flags */
    else if (strcmp(sub, "train") && strcmp(sub, "encode") && strcmp(sub, "decode") && strcmp(sub, "show")) {
        fprintf(stderr, "llmlab tokenizer: unknown subcommand '%s' (train, encode, decode or show)\n", sub);
        return CLI_EXIT_USAGE;
    }
    if (parse(sub, *sub ? argc - 1 : argc, *sub ? argv + 1 : argv, &o) != 0) return CLI_EXIT_USAGE;
    if (!strcmp(sub, "train")) return train(&o);
    if (!strcmp(sub, "encode")) return encode(&o);
    if (!strcmp(sub, "decode")) return decode(&o);
    return show(&o);
}
