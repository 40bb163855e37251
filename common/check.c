#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void llmlab_die_at(const char *file, int line, const char *hint, const char *fmt, ...) {
    fflush(stdout); /* what the program printed so far comes before the error */
    fputs("error: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (%s:%d)\n", file, line);
    if (hint != NULL && hint[0] != '\0') fprintf(stderr, "  hint: %s\n", hint);
    exit(LLMLAB_EXIT_ERROR);
}

void *llmlab_xmalloc(size_t size, const char *file, int line) {
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        llmlab_die_at(file, line, "the machine ran out of memory: try a smaller model or batch",
                      "could not allocate %zu bytes", size);
    return p;
}

void *llmlab_xcalloc(size_t count, size_t size, const char *file, int line) {
    if (size != 0 && count > SIZE_MAX / size)
        llmlab_die_at(file, line, "a size computation overflowed: check the dimensions",
                      "allocation of %zu x %zu bytes overflows size_t", count, size);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        llmlab_die_at(file, line, "the machine ran out of memory: try a smaller model or batch",
                      "could not allocate %zu x %zu bytes", count, size);
    return p;
}

void *llmlab_xrealloc(void *ptr, size_t size, const char *file, int line) {
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        llmlab_die_at(file, line, "the machine ran out of memory: try a smaller model or batch",
                      "could not grow a block to %zu bytes", size);
    return p;
}

FILE *llmlab_xfopen(const char *path, const char *mode, const char *hint, const char *file,
                    int line) {
    FILE *f = fopen(path, mode);
    if (f == NULL)
        llmlab_die_at(file, line, hint, "cannot open '%s' (mode \"%s\"): %s", path, mode,
                      strerror(errno));
    return f;
}

void llmlab_xfread(void *dst, size_t size, size_t count, FILE *f, const char *what,
                   const char *file, int line) {
    size_t got = fread(dst, size, count, f);
    if (got == count) return;
    if (ferror(f))
        llmlab_die_at(file, line, NULL, "read error in %s: %s", what, strerror(errno));
    llmlab_die_at(file, line, "the file is truncated or not the kind this program expects",
                  "%s: expected %zu items of %zu bytes, the file ended after %zu", what, count,
                  size, got);
}

void llmlab_xfwrite(const void *src, size_t size, size_t count, FILE *f, const char *what,
                    const char *file, int line) {
    if (fwrite(src, size, count, f) != count)
        llmlab_die_at(file, line, "is the disk full, or the folder read-only?",
                      "could not write %s: %s", what, strerror(errno));
}

void llmlab_xfclose(FILE *f, const char *what, const char *file, int line) {
    if (fclose(f) != 0)
        llmlab_die_at(file, line, "is the disk full, or the folder read-only?",
                      "could not finish writing %s: %s", what, strerror(errno));
}

void llmlab_xsnprintf(const char *file, int line, char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        llmlab_die_at(file, line, "use a shorter path or name",
                      "text of %d bytes does not fit in %zu: \"%.40s...\"", n, size, buf);
}

int llmlab_make_dirs(const char *path, char *err, size_t err_size) {
    size_t n = strlen(path);
    char *buf = llmlab_xmalloc(n + 1, __FILE__, __LINE__);
    memcpy(buf, path, n + 1);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            snprintf(err, err_size, "cannot create directory '%s': %s", buf, strerror(errno));
            rc = -1;
        } else if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, err_size, "'%s' exists and is not a directory, so '%s' cannot be made", buf, path);
            rc = -2;
        }
        buf[i] = saved;
    }
    free(buf);
    return rc;
}

void llmlab_mkdir_p(const char *path) {
    char err[1200];
    int rc = llmlab_make_dirs(path, err, sizeof err);
    if (rc != 0)
        LLMLAB_DIE(rc == -2 ? "remove or rename the file in the way" : "check the path and its permissions", "%s",
                   err);
}

int llmlab_commit_file(FILE *f, int ok, const char *tmp, const char *path, char *err, size_t err_size) {
    int why = ok ? 0 : errno;           /* a caller's failed write left its reason in errno */
    if (ok) {
        errno = 0;
        if (fflush(f) != 0 || fsync(fileno(f)) != 0)
            ok = 0, why = errno;
    }
    if (fclose(f) != 0 && ok)
        ok = 0, why = errno;
    if (!ok) {
        snprintf(err, err_size, "could not write %s: %s", tmp, why ? strerror(why) : "a write failed (a full disk?)");
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, err_size, "could not rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
