/**
 * @file chatgen.h
 * @brief Week 3: the instruction data generator. Many short dialogues whose
 * answers can be checked exactly, and a held-out part for evaluation.
 *
 * Fine-tuning a chatbot needs conversations to learn from and a way to tell
 * whether it learned. Hand-written data is slow to make and hard to grade, so
 * the course makes its own: small tasks (add two numbers, reverse or sort
 * words, count them, spell a word, convert units, follow up on an earlier
 * answer) whose right answer is one exact string. "Did the model answer
 * correctly?" is then a string comparison, not a matter of taste.
 *
 * Each task is a *family*. A family has four training phrasings of its
 * question and one held-out phrasing, and its values (numbers, words) are
 * split into training and held-out values:
 *
 * - add: a + b with a, b in 0..49. The pair is held out when
 *   (31 a + 17 b) mod 11 is 0 (about one pair in 11).
 * - convert: N in 1..99 of one unit into a smaller one. N is held out when
 *   N mod 7 is 3.
 * - reverse, sort, count: lists of words from 120 common short words, of
 *   which every sixth is kept out of everything but the new-words split.
 *   Training lists mix real words with made-up ones ("tiko", "mabesu");
 *   a list (its words in their order) is held out when a hash of it is 0
 *   mod 11. An evaluation list is a held-out list of real training words:
 *   every word known, the list new, as the pairs of add are.
 * - spell: training spells real training words and made-up words; a
 *   made-up word is held out when its hash is 3 mod 7, and evaluation asks
 *   to spell those (new words built from known syllables).
 * - followup: two questions, the second about the first answer ("And
 *   double it."); it holds out what its first question holds out, and its
 *   second question has its own held-out phrasing.
 *
 * Training data (#CHATGEN_TRAIN) never contains a held-out phrasing or
 * value. Evaluation data (#CHATGEN_EVAL) always uses held-out values, and a
 * held-out phrasing about half the time, so a score on it measures whether
 * the model learned the task rather than memorised the training set, and
 * the two halves show what a new wording costs. The new-words split
 * (#CHATGEN_NEW_WORDS) is evaluation data whose word questions contain a
 * real word that training never shows at all: a harder test, which a
 * model that only sees tokens mostly fails (week3_chat/README.md, Results).
 *
 * In a question about words, the words follow its first colon and run to
 * the next full stop, question mark or the end: `Words: cat dog. Reverse
 * them.` The answer is the assistant's last turn, exactly, with no
 * punctuation: `7`, `dog cat`, `c a t`.
 *
 * chatgen_write() writes dialogues to a file in the format of chatset.h,
 * which also reads them back.
 */
#ifndef LLMLAB_CHATGEN_H
#define LLMLAB_CHATGEN_H

#include <stddef.h>
#include <stdint.h>

#include "chat.h"
#include "rng.h"

/** The splits: what chatgen_dialogue() and chatgen_write() make. */
enum {
    CHATGEN_TRAIN = 0,     /**< training phrasings and values */
    CHATGEN_EVAL = 1,      /**< held-out values, a held-out phrasing half the time */
    CHATGEN_NEW_WORDS = 2, /**< like evaluation, with real words training never shows */
};

/**
 * The one answer of the out-of-scope family `other`: what the model says to
 * anything it was not tuned for (a greeting, a joke, a question about the
 * world, gibberish). It lists what the model can do, in 21 tokens of the
 * fortunes tokenizer: the chatbot's longest reply (a third of the context).
 */
#define CHATGEN_REFUSAL "I add, reverse, sort, count, spell and convert."

/** CHATGEN_REFUSAL, for code that links the generator. */
const char *chatgen_refusal(void);

/** How many families there are (8: seven tasks and `other`, the out-of-scope prompts). */
int chatgen_n_families(void);

/** The name of family @p f ("add", "reverse", ...), or "?" when @p f is out of range. */
const char *chatgen_family_name(int f);

/** The id of the family called @p name, or -1 when there is none. */
int chatgen_family_id(const char *name);

/**
 * Make one dialogue of family @p f (0 to chatgen_n_families() - 1) in @p c,
 * which is cleared first: half the time a system turn, then the user's
 * question(s) and the assistant's answer(s), for @p split (#CHATGEN_TRAIN,
 * #CHATGEN_EVAL or #CHATGEN_NEW_WORDS): training phrasings and values only,
 * or held-out values always and a held-out phrasing about half the time. *new_phrasing (when
 * @p new_phrasing is not NULL) is set to 1 when the phrasing is held out.
 * Draws from @p rng with rng_below() only, so a seed gives the same
 * dialogues on every machine.
 */
void chatgen_dialogue(int f, int split, Rng *rng, Chat *c, int *new_phrasing);

/**
 * Write @p n dialogues to @p path, atomically (a temporary file, then a
 * rename): dialogue i is of family i mod chatgen_n_families(), so every
 * family is equally represented, from one generator seeded with @p seed.
 * One line each, as chatset.h describes (chatset_load() reads them).
 * Returns 0, or -1 with the reason in @p err.
 */
int chatgen_write(const char *path, long n, int split, uint64_t seed, char *err, size_t err_size);

#endif
