/*
 * Fuzz target for the JSON reader (common/json.c, what `llmlab import` reads
 * config.json, train.json, check.json and safetensors headers with): any
 * bytes either parse into a tree whose every string is NUL-terminated and
 * whose counts hold, or give -1 with a message. The input is copied to a
 * buffer of exactly its size, so a read past the end is a sanitizer error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

static void walk(const Json *j, int depth) {
    if (depth > 40) abort(); /* the reader refuses deeper nesting */
    if (j->type == JSON_STRING && (j->str == NULL || strlen(j->str) > (1u << 22))) abort();
    if ((j->type == JSON_ARRAY || j->type == JSON_OBJECT) ? j->n < 0 : j->n != 0) abort();
    for (int i = 0; i < j->n; i++) {
        if (j->type == JSON_OBJECT && json_get(j, j->keys[i]) == NULL) abort();
        walk(&j->items[i], depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    Json j;
    char err[200] = "";
    if (json_parse(copy, size, &j, err, sizeof err) == 0) {
        walk(&j, 0);
        json_free(&j);
    } else if (err[0] == '\0') {
        abort();
    }
    free(copy);
    return 0;
}
