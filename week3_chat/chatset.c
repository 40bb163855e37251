/*
 * Week 3, given code: files of dialogues (chatset.h), one per line. Writing
 * a line is simple; reading checks everything, since the file may have been
 * edited by hand, cut short, or be something else entirely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatset.h"
#include "check.h"

int chatset_write_example(FILE *f, const ChatExample *e) {
    size_t len;
    char *text = chat_format(&e->chat, 0, &len);
    int ok = fprintf(f, "%s\t%s\t", chatgen_family_name(e->family), e->new_phrasing ? "new" : "seen") > 0 &&
             fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    free(text);
    return ok ? 0 : -1;
}

void chatset_free(ChatSet *s) {
    for (long i = 0; i < s->n; i++) chat_free(&s->ex[i].chat);
    free(s->ex);
    s->ex = NULL;
    s->n = 0;
}

/* Up to 24 bytes of a field for a message, with anything but printable ASCII as '?'. */
static void shown(char *out, const char *p, size_t n) {
    size_t k = n < 24 ? n : 24;
    for (size_t i = 0; i < k; i++) out[i] = p[i] >= 32 && p[i] < 127 ? p[i] : '?';
    strcpy(out + k, n > k ? "..." : "");
}

/* Parse one line (without its newline) into e. Returns 0, or -1 with why in err. */
static int parse_line(ChatExample *e, const char *p, size_t n, char *err, size_t err_size) {
    const char *tab1 = memchr(p, '\t', n);
    const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', n - (size_t)(tab1 + 1 - p)) : NULL;
    if (!tab2) {
        snprintf(err, err_size, "expected a family, a tab, seen or new, a tab, then a dialogue");
        return -1;
    }
    char what[32];
    size_t flen = (size_t)(tab1 - p), slen = (size_t)(tab2 - tab1 - 1);
    e->family = -1;
    for (int f = 0; f < chatgen_n_families(); f++)
        if (flen == strlen(chatgen_family_name(f)) && memcmp(p, chatgen_family_name(f), flen) == 0) e->family = f;
    if (e->family < 0) {
        shown(what, p, flen);
        snprintf(err, err_size, "unknown family '%s'", what);
        return -1;
    }
    if (slen == 4 && memcmp(tab1 + 1, "seen", 4) == 0)
        e->new_phrasing = 0;
    else if (slen == 3 && memcmp(tab1 + 1, "new", 3) == 0)
        e->new_phrasing = 1;
    else {
        shown(what, tab1 + 1, slen);
        snprintf(err, err_size, "expected seen or new after the family, got '%s'", what);
        return -1;
    }
    const char *text = tab2 + 1;
    size_t tlen = n - (size_t)(text - p);
    char why[200];
    int open = 0;
    chat_init(&e->chat);
    if (chat_parse(&e->chat, text, tlen, &open, why, sizeof why) != 0) {
        snprintf(err, err_size, "the dialogue: %s", why);
        chat_free(&e->chat);
        return -1;
    }
    const Chat *c = &e->chat;
    if (open || c->n < 2 || c->turns[c->n - 1].role != CHAT_ASSISTANT || c->turns[c->n - 2].role != CHAT_USER) {
        snprintf(err, err_size, "the dialogue does not end with a user's question and the assistant's answer");
        chat_free(&e->chat);
        return -1;
    }
    return 0;
}

int chatset_load(ChatSet *s, const char *path, char *err, size_t err_size) {
    s->ex = NULL;
    s->n = 0;
    FILE *f = llmlab_open_read(path, "", err, err_size);
    if (!f) return -1;
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *bigger = cap < ((size_t)1 << 40) ? realloc(buf, cap *= 2) : NULL;
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    int bad = ferror(f), saved_errno = errno;
    fclose(f);
    if (!buf || bad) {
        snprintf(err, err_size, "cannot read %s: %s", path, buf ? strerror(saved_errno) : "out of memory");
        free(buf);
        return -1;
    }
    long cap_ex = 0, line = 0;
    int rc = 0;
    for (size_t at = 0; at < len;) {
        const char *p = buf + at, *nl = memchr(p, '\n', len - at);
        size_t n = nl ? (size_t)(nl - p) : len - at;
        at += n + (nl != NULL);
        line++;
        if (n == 0 || (n == 1 && p[0] == '\r')) continue;
        if (s->n == cap_ex) {
            cap_ex = cap_ex ? 2 * cap_ex : 1024;
            s->ex = XREALLOC(s->ex, (size_t)cap_ex * sizeof *s->ex);
        }
        char why[256];
        if (parse_line(&s->ex[s->n], p, n, why, sizeof why) != 0) {
            snprintf(err, err_size, "%s line %ld: %s", path, line, why);
            rc = -1;
            break;
        }
        s->n++;
    }
    free(buf);
    if (rc != 0) chatset_free(s);
    return rc;
}
