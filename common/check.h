/**
 * @file check.h
 * @brief Checked allocation and file I/O: every failure names the file, the
 *        line and a hint, then exits with status 1.
 *
 * The course never lets a failed `malloc` or `fopen` turn into a crash three
 * functions later. Call the `x`-prefixed macros instead of the C library
 * functions; they record where they were called from, so the message points
 * at *your* line, not at this file.
 *
 * @code
 * float *w = XMALLOC(sizeof(float) * n);          // never NULL
 * FILE *f = XFOPEN(path, "rb", "run `make data` first");
 * @endcode
 */
#ifndef LLMLAB_CHECK_H
#define LLMLAB_CHECK_H

#include <stddef.h>
#include <stdio.h>

/** Exit status of every fatal error in the course (bad input, I/O, memory). */
#define LLMLAB_EXIT_ERROR 1

/**
 * Exit status of a training run that a signal (Ctrl-C, SIGTERM, SIGHUP,
 * SIGQUIT) stopped after saving its checkpoint: 130, as a shell reports a
 * program Ctrl-C ended, so a script can tell it from a finished run (0).
 */
#define LLMLAB_EXIT_INTERRUPTED 130

/**
 * @name The course's two ways to fail
 * - A programming error, or a failure nothing can recover from (memory, a
 *   disk that will not take a write): LLMLAB_DIE / LLMLAB_CHECK, which
 *   print the reason and a hint and exit.
 * - Bad input a caller may want to handle (a corrupted file, text that is
 *   not UTF-8, a wrong setting): the function returns 0 or -1 and writes one
 *   line saying why into `char err[LLMLAB_ERR_SIZE]`, passed as `err,
 *   err_size`. A program that cannot go on then dies with that line.
 * @{
 */
/** Room for one error line: a path of up to 1024 bytes and the reason. */
#define LLMLAB_ERR_SIZE 1400
/** @} */

/**
 * Print `error: <message> (file:line)` and, when @p hint is not NULL,
 * `  hint: <hint>` to stderr, then exit with #LLMLAB_EXIT_ERROR.
 * Use it through #LLMLAB_DIE or #LLMLAB_CHECK.
 */
_Noreturn void llmlab_die_at(const char *file, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Stop with a message and a hint (may be NULL): `LLMLAB_DIE("use --lr > 0", "bad lr %g", lr)`. */
#define LLMLAB_DIE(hint, ...) llmlab_die_at(__FILE__, __LINE__, (hint), __VA_ARGS__)

/** Stop unless @p cond holds. The message says what was wrong; the hint how to fix it. */
#define LLMLAB_CHECK(cond, hint, ...)                                        \
    do {                                                                     \
        if (!(cond)) llmlab_die_at(__FILE__, __LINE__, (hint), __VA_ARGS__); \
    } while (0)

void *llmlab_xmalloc(size_t size, const char *file, int line);
void *llmlab_xcalloc(size_t count, size_t size, const char *file, int line);
void *llmlab_xrealloc(void *ptr, size_t size, const char *file, int line);
FILE *llmlab_xfopen(const char *path, const char *mode, const char *hint, const char *file, int line);
void llmlab_xfread(void *dst, size_t size, size_t count, FILE *f, const char *what, const char *file, int line);
void llmlab_xfwrite(const void *src, size_t size, size_t count, FILE *f, const char *what, const char *file, int line);
void llmlab_xfclose(FILE *f, const char *what, const char *file, int line);

/** malloc() that never returns NULL (a zero size still gives a valid pointer). */
#define XMALLOC(size) llmlab_xmalloc((size), __FILE__, __LINE__)
/** calloc() that never returns NULL and rejects a count*size overflow. */
#define XCALLOC(count, size) llmlab_xcalloc((count), (size), __FILE__, __LINE__)
/** realloc() that never returns NULL; on failure the old block is reported, not leaked silently. */
#define XREALLOC(ptr, size) llmlab_xrealloc((ptr), (size), __FILE__, __LINE__)
/** fopen() that never returns NULL: the message has the path, strerror() and @p hint. */
#define XFOPEN(path, mode, hint) llmlab_xfopen((path), (mode), (hint), __FILE__, __LINE__)
/** fread() of exactly @p count items, or an error naming @p what ("checkpoint header"). A short read is "truncated". */
#define XFREAD(dst, size, count, f, what) llmlab_xfread((dst), (size), (count), (f), (what), __FILE__, __LINE__)
/** fwrite() of exactly @p count items, or an error naming @p what (a full disk is reported, not ignored). */
#define XFWRITE(src, size, count, f, what) llmlab_xfwrite((src), (size), (count), (f), (what), __FILE__, __LINE__)
/** fclose() that reports a failed final flush (the last bytes of a file are written here). */
#define XFCLOSE(f, what) llmlab_xfclose((f), (what), __FILE__, __LINE__)

/**
 * snprintf() into @p buf that dies with a message instead of silently cutting
 * the text short (a truncated file path writes to the wrong file).
 */
void llmlab_xsnprintf(const char *file, int line, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/** XSNPRINTF(buf, sizeof buf, "%s/log.csv", dir): a path or message that must fit, or an error. */
#define XSNPRINTF(buf, size, ...) llmlab_xsnprintf(__FILE__, __LINE__, (buf), (size), __VA_ARGS__)

/**
 * Create directory @p path and its parents, like `mkdir -p`. Dies with a
 * message when a component exists and is not a directory, or cannot be made.
 */
void llmlab_mkdir_p(const char *path);

/**
 * llmlab_mkdir_p() that reports instead of dying: 0, or -1 when a folder
 * cannot be made and -2 when a file is in the way, with the reason in @p err.
 */
int llmlab_make_dirs(const char *path, char *err, size_t err_size);

/**
 * @name Files written whole or not at all
 * An output is written under a unique temporary name in its own folder
 * (llmlab_open_temp), flushed to the disk and renamed over its real name
 * (llmlab_commit_file), then the folder itself is flushed: a reader sees the
 * old file or the new one, never half of one, and a failure (a full disk,
 * Ctrl-C) leaves the old file as it was and no temporary file behind.
 * @{
 */
/** The longest path an output may have (PATH_MAX on Linux): a longer one is an error, never cut short. */
#define LLMLAB_PATH_MAX 4096
/** Room for the temporary name that llmlab_open_temp() makes from a path. */
#define LLMLAB_TMP_SIZE (LLMLAB_PATH_MAX + 64)

/**
 * Whether @p path may be written as an output: not longer than
 * #LLMLAB_PATH_MAX, and either missing or a regular file (a folder, a
 * symbolic link, a FIFO, a device or a socket in its place is refused, since
 * the rename would replace it with a file). Call it before long work, so a
 * bad path fails at once. Returns 0, or -1 with the reason in @p err.
 */
int llmlab_check_output(const char *path, char *err, size_t err_size);

/**
 * Start an atomic write of @p path: llmlab_check_output(), then create a new
 * file with a unique name in the same folder (`NAME.tmp-XXXXXX`, made with
 * O_EXCL), its name in @p tmp (room for #LLMLAB_TMP_SIZE). Returns the file
 * open for writing, or NULL with the reason in @p err.
 */
FILE *llmlab_open_temp(const char *path, char *tmp, size_t tmp_size, char *err, size_t err_size);

/**
 * Finish an atomic write: @p f holds the new contents of @p path in the
 * temporary file @p tmp, and @p ok says whether every write succeeded.
 * Flush, fsync and close @p f, then rename @p tmp over @p path and fsync
 * the folder; on any failure remove @p tmp (the old @p path stays as it
 * was) and write the reason, with strerror(), into @p err. Returns 0 or -1.
 */
int llmlab_commit_file(FILE *f, int ok, const char *tmp, const char *path, char *err, size_t err_size);

/**
 * Flush @p f (whose writes went well when @p ok) to the disk, fsync and
 * close it. Returns 0, or -1 with "could not write NAME: <strerror>" in
 * @p err: the reason of the write that failed (No space left on device,
 * File too large), found from errno after it or from the flush.
 */
int llmlab_close_synced(FILE *f, int ok, const char *name, char *err, size_t err_size);

/** Give up an atomic write started by llmlab_open_temp(): close @p f and remove @p tmp. */
void llmlab_abort_file(FILE *f, const char *tmp);

/**
 * Make a new, empty folder with a unique name next to @p path
 * (`NAME.tmp-XXXXXX`, for output that is a whole folder), its name in
 * @p tmp (room for #LLMLAB_TMP_SIZE). Returns 0, or -1 with the reason in @p err.
 */
int llmlab_make_temp_dir(const char *path, char *tmp, size_t tmp_size, char *err, size_t err_size);

/** fsync() the folder that holds @p path, so that a rename in it survives a power cut. Returns 0 or -1. */
int llmlab_sync_parent(const char *path);

/**
 * Open @p path for reading, or NULL with the reason in @p err: "cannot open
 * WHAT PATH: No such file or directory", or "WHAT PATH is a folder, not a
 * file" (a folder opens, but reading it fails in confusing ways). @p what
 * ("checkpoint", "tokenizer") may be "" .
 */
FILE *llmlab_open_read(const char *path, const char *what, char *err, size_t err_size);
/** @} */

#endif
