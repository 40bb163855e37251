/**
 * @file collect.h
 * @brief Week 4: gather a domain's text files into a training corpus
 *        (train, validation and test), skipping what is not good text.
 *
 * Given code: `llmlab collect DIR...` calls it. It walks the folders (in
 * name order, so the same tree always gives the same corpus), keeps the text
 * files, and writes `train.txt`, `val.txt` and `test.txt` in the format of
 * `make data`: each file's text, ending with a newline, followed by
 * `<|endoftext|>`. `corpus_open("domain", ...)` then reads
 * `data/domain/train.txt` and `val.txt` like any other corpus.
 *
 * What a file goes through, in this order (the first reason that applies
 * is the one counted):
 *
 * 1. a name that secrets go by (`.env`, `.env.*`, `id_rsa`, `id_ed25519`,
 *    `*.pem`, `*.key`, `.netrc`, `.git-credentials`, `credentials`, ...;
 *    `.npmrc` and `.pypirc` when they hold a token or password): skipped as
 *    a secret, never read into the corpus;
 * 2. a hidden name (starting with a dot) inside a folder: skipped;
 * 3. not one of the extensions asked for (when any are): skipped;
 * 4. not a regular file (a fifo, a device, a socket): skipped without
 *    opening it (opening a fifo would wait forever for a writer);
 * 5. empty, or larger than the size limit: skipped without reading it;
 * 6. cannot be opened or read: skipped;
 * 7. binary: a NUL byte or a byte sequence that is not UTF-8;
 * 8. looks like it holds a secret: a private key's header (`-----BEGIN ...
 *    PRIVATE KEY-----`), a token of a known shape (AWS `AKIA...`, GitHub
 *    `ghp_...`, Slack `xoxb-...`, ...), or a long random-looking value
 *    given to a name with key, token, secret or password in it
 *    (collect_find_secret()): skipped as a secret;
 * 9. holds the separator `<|endoftext|>` itself (it would cut the file in two);
 * 10. the same text as a file kept before (after line endings are made
 *    alike): skipped as a duplicate;
 * 11. does not fit in what is left of the total budget: skipped (a smaller
 *    file after it may still fit).
 *
 * The secret checks are a net, not a guarantee: they catch the usual
 * shapes, and the summary names the first files they caught so you can see
 * what else lives in the folder (study note 04).
 *
 * A kept file's line endings become `\n` (Windows' `\r\n` and old Macs'
 * lone `\r`), a UTF-8 byte-order mark at its start is dropped, and it ends
 * with a newline. Its split is decided by a hash of that text, not by its
 * name: moving or renaming files does not move them between train and test.
 *
 * Symbolic links are followed, to files and to folders. A folder reached a
 * second time (a link loop such as `dir/up -> ..`, or two links to one
 * folder) is skipped, and so is anything deeper than #COLLECT_MAX_DEPTH.
 */
#ifndef LLMLAB_COLLECT_H
#define LLMLAB_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Folders deeper than this below a starting folder are not entered. */
#define COLLECT_MAX_DEPTH 64

/** How many of the files skipped as secrets the summary names. */
#define COLLECT_SECRETS_SHOWN 3

/** The longest prompt collect_prompts() makes, in bytes, with its space and NUL. */
#define COLLECT_PROMPT_SIZE 32

/** What to keep and how to split it. Start from collect_defaults(). */
typedef struct CollectOptions {
    const char *const *exts; /**< endings to keep, such as ".c" and ".h" (case matters) */
    int n_exts;              /**< 0: keep any file that is text */
    size_t max_file_bytes;   /**< larger files are skipped as huge (default 1 MiB) */
    size_t max_total_bytes;  /**< keep at most this many bytes in all (default 64 MiB) */
    int val_percent;         /**< share of files for validation, 0 to 100 (default 10) */
    int test_percent;        /**< share of files for the test split (default 10); val + test at most 100 */
} CollectOptions;

/** Fill @p o with the defaults: any text file, 1 MiB per file, 64 MiB in all, 10% validation, 10% test. */
void collect_defaults(CollectOptions *o);

/** Why a file or folder was not kept; the order is the order of the checks
 * (a secret is caught by its name first, by its contents after the binary check). */
typedef enum CollectSkip {
    SKIP_SECRET,     /**< a secret's name, or contents that look like a key or token */
    SKIP_HIDDEN,     /**< its name starts with a dot (.git, .cache, ...) */
    SKIP_EXTENSION,  /**< not one of the extensions asked for */
    SKIP_SPECIAL,    /**< a fifo, device or socket */
    SKIP_EMPTY,      /**< no bytes */
    SKIP_HUGE,       /**< more than max_file_bytes */
    SKIP_UNREADABLE, /**< cannot be opened, read or listed (permissions, a dangling link, ...) */
    SKIP_BINARY,     /**< a NUL byte, or not valid UTF-8 */
    SKIP_SEPARATOR,  /**< contains the separator `<|endoftext|>` */
    SKIP_DUPLICATE,  /**< the same text as a file kept before */
    SKIP_LOOP,       /**< a folder entered before (a symlink loop) */
    SKIP_DEEP,       /**< a folder deeper than #COLLECT_MAX_DEPTH */
    SKIP_BUDGET,     /**< would take the total past max_total_bytes */
    SKIP_COUNT
} CollectSkip;

/** The splits, in the order of CollectStats' arrays. */
enum { COLLECT_TRAIN, COLLECT_VAL, COLLECT_TEST };

/** What a run kept and skipped. */
typedef struct CollectStats {
    long files[3];                                 /**< files kept per split: train, val, test */
    size_t bytes[3];                               /**< their bytes, after normalising, without the separators */
    long skipped[SKIP_COUNT];                      /**< files (or folders) skipped, per reason */
    char example[SKIP_COUNT][256];                 /**< the first path skipped for each reason ("" when none) */
    char secret[COLLECT_SECRETS_SHOWN][256];       /**< the first paths skipped as secrets ... */
    const char *secret_why[COLLECT_SECRETS_SHOWN]; /**< ... and what each looked like ("a private key", ...) */
} CollectStats;

/** A short name for a reason ("binary", "duplicate", ...), as the summary prints it. */
const char *collect_skip_name(CollectSkip s);

/**
 * Walk @p dirs (folders, or single files), keep the text files as @p o
 * says, and write into @p out_dir (made when missing, parents too):
 *
 * - `train.txt`, `val.txt`, `test.txt`: the kept files of each split, in
 *   walk order, each followed by `<|endoftext|>` (a split may be empty);
 * - `manifest.tsv`: one line per kept file, `split TAB bytes TAB path`
 *   (a backslash, tab, newline or carriage return in a path is written as
 *   a backslash escape: `\\`, `\t`, `\n`, `\r`);
 * - `summary.txt`: what collect_print_summary() prints;
 * - `prompts.txt`: up to #COLLECT_PROMPTS prompts for samples, one a line,
 *   drawn from the training split by collect_prompts() (`llmlab report`
 *   reads them, so a Python corpus gets Python prompts).
 *
 * Each file is written next to its place under a temporary name of its own
 * (`NAME.tmp-XXXXXX`, llmlab_open_temp()) and renamed when all are
 * complete, so a failed run leaves the previous corpus as it was. The folder
 * @p out_dir itself is never walked. The same tree and options give
 * byte-identical files.
 *
 * Returns 0, or -1 with the reason in @p err: a starting folder that does
 * not exist or is not a folder or file, an @p out_dir that cannot be made
 * or written, bad options, or nothing kept at all (then nothing is written,
 * and @p st still says what was skipped). Odd trees (loops, fifos,
 * unreadable files) are counted in @p st, never fatal.
 */
int collect_run(const char *const *dirs, int n_dirs, const char *out_dir, const CollectOptions *o, CollectStats *st,
                char *err, size_t err_size);

/** Print files and bytes per split and the skips per reason, with an example path each; when
 * files were skipped as secrets, a line that says how many and names the first few. */
void collect_print_summary(FILE *out, const CollectStats *st);

/**
 * Whether a file's base name @p name is one secrets go by (collect.h's check 1):
 * 0 no, 1 yes, 2 only when its contents hold a token or password (`.npmrc`, `.pypirc`).
 * @p why (unless NULL) gets a few words for the summary.
 */
int collect_secret_name(const char *name, const char **why);

/**
 * The first thing in the text @p s (@p n bytes) that looks like a secret (check 8):
 * a private key's header, a token of a known shape, or a long random-looking value
 * assigned to a name holding key, token, secret or password. Returns a few words
 * saying what it looked like ("a GitHub token"), or NULL when nothing does.
 */
const char *collect_find_secret(const char *s, size_t n);

/** How many prompts collect_prompts() picks at most. */
#define COLLECT_PROMPTS 3

/**
 * Prompts for samples drawn from a domain's own text (@p n bytes): the most
 * common first words of its lines (a word with a letter in it, at the very
 * start of a line, followed by a space and more text), without the space:
 * `#include`, `def`, `The` (the model writes the space and the next word
 * as one token, as the tokenizer cut them in training). Ties go to the
 * word seen first. Writes up to
 * @p max of them into @p out and returns how many (0 for a text without
 * such lines).
 */
int collect_prompts(const uint8_t *text, size_t n, char out[][COLLECT_PROMPT_SIZE], int max);

#endif
