#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
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

FILE *llmlab_xfopen(const char *path, const char *mode, const char *hint, const char *file, int line) {
    FILE *f = fopen(path, mode);
    if (f == NULL) llmlab_die_at(file, line, hint, "cannot open '%s' (mode \"%s\"): %s", path, mode, strerror(errno));
    struct stat st;
    if (mode[0] == 'r' && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
        llmlab_die_at(file, line, hint, "'%s' is a folder, not a file", path);
    return f;
}

void llmlab_xfread(void *dst, size_t size, size_t count, FILE *f, const char *what, const char *file, int line) {
    size_t got = fread(dst, size, count, f);
    if (got == count) return;
    if (ferror(f)) llmlab_die_at(file, line, NULL, "read error in %s: %s", what, strerror(errno));
    llmlab_die_at(file, line, "the file is truncated or not the kind this program expects",
                  "%s: expected %zu items of %zu bytes, the file ended after %zu", what, count, size, got);
}

void llmlab_xfwrite(const void *src, size_t size, size_t count, FILE *f, const char *what, const char *file, int line) {
    if (fwrite(src, size, count, f) != count)
        llmlab_die_at(file, line, "is the disk full, or the folder read-only?", "could not write %s: %s", what,
                      strerror(errno));
}

void llmlab_xfclose(FILE *f, const char *what, const char *file, int line) {
    if (fclose(f) != 0)
        llmlab_die_at(file, line, "is the disk full, or the folder read-only?", "could not finish writing %s: %s", what,
                      strerror(errno));
}

void llmlab_xsnprintf(const char *file, int line, char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        llmlab_die_at(file, line, "use a shorter path or name", "text of %d bytes does not fit in %zu: \"%.40s...\"", n,
                      size, buf);
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
        LLMLAB_DIE(rc == -2 ? "remove or rename the file in the way" : "check the path and its permissions", "%s", err);
}

/* What a path that is not a regular file is, for a message. */
static const char *kind_of(mode_t m) {
    return S_ISDIR(m)                 ? "a folder"
           : S_ISLNK(m)               ? "a symbolic link"
           : S_ISFIFO(m)              ? "a FIFO (named pipe)"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device"
           : S_ISSOCK(m)              ? "a socket"
                                      : "not a regular file";
}

int llmlab_check_output(const char *path, char *err, size_t err_size) {
    size_t n = strlen(path);
    if (n == 0) {
        snprintf(err, err_size, "an output needs a file name, not an empty one");
        return -1;
    }
    if (n >= LLMLAB_PATH_MAX) {
        snprintf(err, err_size, "the path %.60s... is %zu bytes long; the most is %d", path, n, LLMLAB_PATH_MAX - 1);
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s is %s, not a regular file: not replacing it (give another path)", path,
                 kind_of(st.st_mode));
        return -1;
    }
    return 0;
}

/* tmp = "DIR/NAME.tmp-XXXXXX" for path "DIR/NAME" (NAME cut to 200 bytes: the name must stay
 * within the file system's 255), with XXXXXX new for every call. */
static void temp_name(const char *path, char *tmp, size_t tmp_size) {
    static unsigned counter;
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    size_t dir = (size_t)(name - path), len = strlen(name);
    if (len > 200) {
        len = 200;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80) /* not inside a UTF-8 character */
            len--;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)++counter * 0x9E3779B97F4A7C15ull);
    char id[7];
    for (int i = 0; i < 6; i++, x /= 36) id[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36];
    id[6] = '\0';
    snprintf(tmp, tmp_size, "%.*s%.*s.tmp-%s", (int)dir, path, (int)len, name, id);
}

/* The folder of path, for messages: "." when it has none. */
static void folder_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else
        snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

FILE *llmlab_open_temp(const char *path, char *tmp, size_t tmp_size, char *err, size_t err_size) {
    if (llmlab_check_output(path, err, err_size) != 0) return NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        temp_name(path, tmp, tmp_size);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) {
            char dir[LLMLAB_TMP_SIZE];
            folder_of(path, dir, sizeof dir);
            snprintf(err, err_size, "cannot write %s: cannot create a file in %s: %s", path, dir, strerror(errno));
            return NULL;
        }
        FILE *f = fdopen(fd, "wb");
        if (!f) {
            snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
            close(fd), remove(tmp);
        }
        return f;
    }
    snprintf(err, err_size, "cannot write %s: no free temporary name next to it", path);
    return NULL;
}

int llmlab_make_temp_dir(const char *path, char *tmp, size_t tmp_size, char *err, size_t err_size) {
    if (strlen(path) >= LLMLAB_PATH_MAX) {
        snprintf(err, err_size, "the path %.60s... is %zu bytes long; the most is %d", path, strlen(path),
                 LLMLAB_PATH_MAX - 1);
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        temp_name(path, tmp, tmp_size);
        if (mkdir(tmp, 0777) == 0) return 0;
        if (errno != EEXIST) {
            char dir[LLMLAB_TMP_SIZE];
            folder_of(path, dir, sizeof dir);
            snprintf(err, err_size, "cannot write %s: cannot create a folder in %s: %s", path, dir, strerror(errno));
            return -1;
        }
    }
    snprintf(err, err_size, "cannot write %s: no free temporary name next to it", path);
    return -1;
}

int llmlab_sync_parent(const char *path) {
    char dir[LLMLAB_TMP_SIZE];
    folder_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 || errno == EINVAL ? 0 : -1; /* EINVAL: a file system that cannot sync folders */
}

void llmlab_abort_file(FILE *f, const char *tmp) {
    if (f) fclose(f);
    remove(tmp);
}

FILE *llmlab_open_read(const char *path, const char *what, char *err, size_t err_size) {
    const char *space = what && *what ? " " : "";
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "cannot open %s%s%s: %s", what ? what : "", space, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s%s%s is a folder, not a file", what ? what : "", space, path);
        fclose(f);
        return NULL;
    }
    return f;
}

/* errno of a failed write, when it says why (an unrelated stale errno must not pose as the reason). */
static int write_errno(int e) { return e == ENOSPC || e == EFBIG || e == EIO || e == EDQUOT || e == EPIPE; }

int llmlab_close_synced(FILE *f, int ok, const char *name, char *err, size_t err_size) {
    int earlier = write_errno(errno) ? errno : 0; /* a failed fwrite/fprintf before us left it */
    errno = 0;                                    /* a flush even after a failed write: it may say why */
    int flushed = fflush(f) == 0 && fsync(fileno(f)) == 0;
    int why = errno ? errno : earlier;
    ok = ok && flushed && !ferror(f);
    errno = 0;
    ok = (fclose(f) == 0) && ok;
    if (!why) why = errno;
    if (!ok)
        snprintf(err, err_size, "could not write %s: %s", name, why ? strerror(why) : "a write failed (a full disk?)");
    return ok ? 0 : -1;
}

int llmlab_commit_file(FILE *f, int ok, const char *tmp, const char *path, char *err, size_t err_size) {
    if (llmlab_close_synced(f, ok, path, err, err_size) != 0) {
        remove(tmp);
        return -1;
    }
    if (llmlab_check_output(path, err, err_size) != 0) { /* something else took the name meanwhile */
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, err_size, "could not rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        return -1;
    }
    llmlab_sync_parent(path);
    return 0;
}
