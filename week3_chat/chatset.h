/**
 * @file chatset.h
 * @brief Week 3: files of dialogues, as `llmlab chatgen` writes them and
 * fine-tuning and evaluation read them.
 *
 * Given code (chatset.c). One dialogue per line: the name of its family
 * (chatgen_family_name()), a tab, `seen` or `new` (whether the phrasing of
 * its question is held out), a tab, and the dialogue as chat_format() writes
 * it, with no open reply:
 *
 *     add<TAB>seen<TAB><|user|> What is 3 plus 4?<|end|><|assistant|> 7<|end|>
 *
 * The answer to score is the assistant's last turn.
 */
#ifndef LLMLAB_CHATSET_H
#define LLMLAB_CHATSET_H

#include <stddef.h>
#include <stdio.h>

#include "chat.h"
#include "chatgen.h"

/** One dialogue of a file. */
typedef struct ChatExample {
    int family;       /**< chatgen_family_id() of its name */
    int new_phrasing; /**< 1 for `new`, 0 for `seen` */
    Chat chat;
} ChatExample;

/** Every dialogue of a file, in file order. */
typedef struct ChatSet {
    ChatExample *ex;
    long n;
} ChatSet;

/**
 * Write @p e to @p f as one line of the format above. Returns 0, or -1 when
 * writing failed.
 */
int chatset_write_example(FILE *f, const ChatExample *e);

/**
 * Read a file of dialogues (chatgen_write() makes them) into @p s. A line
 * that is not a known family, `seen` or `new` and a dialogue (chat_parse(),
 * ending with an assistant turn after a user turn) is an error that names
 * its line number and why; so is a file that cannot be read. Empty lines
 * are skipped. Returns 0, or -1 with the reason in @p err and @p s empty.
 * Never dies: any bytes are safe.
 */
int chatset_load(ChatSet *s, const char *path, char *err, size_t err_size);

/** Free every dialogue of @p s and empty it. */
void chatset_free(ChatSet *s);

#endif
