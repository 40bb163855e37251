/**
 * @file json.h
 * @brief A small JSON reader: the files of a Hugging Face folder (config.json,
 * safetensors headers) and llmlab's own train.json and check.json.
 *
 * json_parse() reads a whole text into a tree of values; it never dies and
 * never reads past @p n bytes. Strings may not hold NUL (a `\u0000` escape
 * is refused) and `\u` escapes are taken for ASCII only, which is all the
 * course's files use; nesting deeper than 32 levels is refused.
 */
#ifndef LLMLAB_JSON_H
#define LLMLAB_JSON_H

#include <stddef.h>

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

/** One value; an array or object owns its items. */
typedef struct Json {
    JsonType type;
    double num;         /**< JSON_NUMBER; JSON_BOOL: 0 or 1 */
    char *str;          /**< JSON_STRING, NUL-terminated */
    int n;              /**< JSON_ARRAY, JSON_OBJECT: how many items */
    struct Json *items; /**< their values */
    char **keys;        /**< JSON_OBJECT: their keys, in the order of the text */
} Json;

/** Parse @p n bytes of @p text into @p out. 0, or -1 with what is wrong and where (a byte offset) in @p err. */
int json_parse(const char *text, size_t n, Json *out, char *err, size_t err_size);

/** Free what json_parse() allocated (a zeroed Json is fine too). */
void json_free(Json *j);

/** The value of @p key in object @p o (the first one, if repeated), or NULL (also when @p o is not an object). */
const Json *json_get(const Json *o, const char *key);

#endif
