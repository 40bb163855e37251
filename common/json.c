/*
 * A small JSON reader (json.h): recursive descent over a byte range, every
 * read checked against its end.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct JParser {
    const char *s;
    size_t n, pos;
    int depth;
    char err[160];
} JParser;

void json_free(Json *j) {
    if (j->type == JSON_STRING) free(j->str);
    for (int i = 0; i < j->n; i++) {
        json_free(&j->items[i]);
        if (j->keys) free(j->keys[i]);
    }
    free(j->items), free(j->keys);
    memset(j, 0, sizeof *j);
}

static int jfail(JParser *p, const char *what) {
    if (!p->err[0]) snprintf(p->err, sizeof p->err, "%s at byte %zu", what, p->pos);
    return -1;
}

static void jspace(JParser *p) {
    while (p->pos < p->n && strchr(" \t\r\n", p->s[p->pos])) p->pos++;
}

static int jvalue(JParser *p, Json *out);

static int jstring(JParser *p, char **out) {
    if (p->pos >= p->n || p->s[p->pos] != '"') return jfail(p, "a string expected");
    p->pos++;
    size_t cap = 16, len = 0;
    char *s = XMALLOC(cap);
    int bad = 0; /* a control byte, an unknown escape, a \u that is not ASCII */
    while (!bad && p->pos < p->n && p->s[p->pos] != '"') {
        unsigned char ch = (unsigned char)p->s[p->pos++];
        if (ch < 0x20) {
            bad = 1;
            break;
        }
        if (ch == '\\') {
            if (p->pos >= p->n) break; /* the string does not end: refused below */
            char e = p->s[p->pos++];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            if (e == 'u') { /* only what the course writes: \u00XX, a control byte */
                unsigned v = 0;
                int k = 0;
                for (; k < 4 && p->pos + (size_t)k < p->n; k++) {
                    char h = p->s[p->pos + (size_t)k];
                    int d = h >= '0' && h <= '9'   ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
                    if (d < 0) break;
                    v = 16 * v + (unsigned)d;
                }
                bad = k < 4 || v == 0 || v > 0x7f;
                p->pos += 4, ch = (unsigned char)v;
            } else if (strchr(from, e) && e) {
                ch = (unsigned char)to[strchr(from, e) - from];
            } else {
                bad = 1;
            }
        }
        if (len + 2 > cap) s = XREALLOC(s, cap *= 2);
        s[len++] = (char)ch;
    }
    if (bad || p->pos >= p->n || p->s[p->pos] != '"') {
        free(s);
        return jfail(p, "a broken string");
    }
    p->pos++;
    s[len] = '\0';
    *out = s;
    return 0;
}

/* Items of an array or members of an object, after the opening bracket. */
static int jitems(JParser *p, Json *out, int object) {
    char close = object ? '}' : ']';
    int cap = 0;
    jspace(p);
    if (p->pos < p->n && p->s[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 8;
            out->items = XREALLOC(out->items, (size_t)cap * sizeof *out->items);
            if (object) out->keys = XREALLOC(out->keys, (size_t)cap * sizeof *out->keys);
        }
        Json *v = &out->items[out->n];
        memset(v, 0, sizeof *v);
        if (object) {
            jspace(p);
            if (jstring(p, &out->keys[out->n]) != 0) return -1;
            jspace(p);
            if (p->pos >= p->n || p->s[p->pos] != ':') {
                free(out->keys[out->n]);
                return jfail(p, "':' expected");
            }
            p->pos++;
        }
        out->n++;
        if (jvalue(p, v) != 0) return -1;
        jspace(p);
        if (p->pos < p->n && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->n && p->s[p->pos] == close) {
            p->pos++;
            return 0;
        }
        return jfail(p, object ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int jvalue(JParser *p, Json *out) {
    memset(out, 0, sizeof *out);
    jspace(p);
    if (p->pos >= p->n) return jfail(p, "the text ends early");
    char ch = p->s[p->pos];
    if (ch == '{' || ch == '[') {
        if (++p->depth > 32) return jfail(p, "nested too deep");
        p->pos++;
        out->type = ch == '{' ? JSON_OBJECT : JSON_ARRAY;
        int rc = jitems(p, out, ch == '{');
        p->depth--;
        return rc;
    }
    if (ch == '"') {
        out->type = JSON_STRING;
        return jstring(p, &out->str);
    }
    static const struct {
        const char *word;
        JsonType type;
        double num;
    } words[] = {{"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}, {"null", JSON_NULL, 0}};
    for (int i = 0; i < 3; i++)
        if (p->n - p->pos >= strlen(words[i].word) && !strncmp(p->s + p->pos, words[i].word, strlen(words[i].word))) {
            p->pos += strlen(words[i].word);
            out->type = words[i].type, out->num = words[i].num;
            return 0;
        }
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        char buf[64];
        size_t k = 0;
        while (p->pos < p->n && k < sizeof buf - 1 && strchr("+-.eE0123456789", p->s[p->pos]))
            buf[k++] = p->s[p->pos++];
        buf[k] = '\0';
        char *end;
        out->type = JSON_NUMBER;
        out->num = strtod(buf, &end);
        if (*end || k == 0) return jfail(p, "a broken number");
        return 0;
    }
    return jfail(p, "a value expected");
}

/* Parse n bytes of text; 0, or -1 with the reason in err. */
int json_parse(const char *s, size_t n, Json *out, char *err, size_t err_size) {
    JParser p = {.s = s, .n = n};
    int rc = jvalue(&p, out);
    if (rc == 0) {
        jspace(&p);
        if (p.pos != p.n) rc = jfail(&p, "text after the end");
    }
    if (rc != 0) {
        json_free(out);
        snprintf(err, err_size, "%.300s", p.err);
    }
    return rc;
}

const Json *json_get(const Json *o, const char *key) {
    if (!o || o->type != JSON_OBJECT) return NULL;
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0) return &o->items[i];
    return NULL;
}
