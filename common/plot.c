/*
 * Pictures with gnuplot (see plot.h). A program is started with fork and
 * execvp from an argument list, so no text here is ever read by a shell.
 */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int plot_put_string(FILE *f, const char *s) {
    if (strpbrk(s, "\n\r")) return -1;
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f); /* 'it''s' is gnuplot for it's */
        fputc(*s, f);
    }
    fputc('\'', f);
    return 0;
}

/* What the child tells the parent through the close-on-exec pipe when it
 * cannot start the program: nothing arrives when execvp succeeded. */
typedef struct ChildFailure {
    int in_chdir; /* 1: could not enter the folder; 0: could not start the program */
    int error;    /* errno */
} ChildFailure;

/* The last non-empty line of text[0..n), trimmed, into out. */
static void last_line(const char *text, size_t n, char *out, size_t size) {
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) n--;
    size_t start = n;
    while (start > 0 && text[start - 1] != '\n') start--;
    while (start < n && (text[start] == ' ' || text[start] == '\t')) start++;
    snprintf(out, size, "%.*s", (int)(n - start), text + start);
}

static ssize_t read_retry(int fd, void *buf, size_t n) {
    ssize_t got;
    do got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

int plot_run_program(const char *dir, char *const argv[], char *err, size_t err_size) {
    int report[2], errors[2]; /* child -> parent: why it could not start; its standard error */
    if (pipe(report) != 0) {
        snprintf(err, err_size, "cannot start %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pipe(errors) != 0) {
        snprintf(err, err_size, "cannot start %s: %s", argv[0], strerror(errno));
        close(report[0]), close(report[1]);
        return -1;
    }
    fcntl(report[1], F_SETFD, FD_CLOEXEC); /* closed by a successful exec: the parent reads EOF */
    fflush(stdout);                        /* what we printed comes before what the program prints */
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_size, "cannot start %s: %s", argv[0], strerror(errno));
        close(report[0]), close(report[1]), close(errors[0]), close(errors[1]);
        return -1;
    }
    if (pid == 0) { /* the child: only calls that are safe after fork, then exec */
        close(report[0]);
        close(errors[0]);
        dup2(errors[1], STDERR_FILENO);
        close(errors[1]);
        ChildFailure why = {.in_chdir = 1};
        if (dir == NULL || chdir(dir) == 0) {
            why.in_chdir = 0;
            execvp(argv[0], argv);
        }
        why.error = errno;
        ssize_t ignored = write(report[1], &why, sizeof why);
        (void)ignored;
        _exit(127);
    }
    close(report[1]);
    close(errors[1]);
    ChildFailure why;
    ssize_t got = read_retry(report[0], &why, sizeof why);
    close(report[0]);
    /* Keep the end of what the program writes on stderr: its error is the last line. */
    char tail[4096], chunk[1024];
    size_t n = 0;
    ssize_t k;
    while ((k = read_retry(errors[0], chunk, sizeof chunk)) > 0) {
        if (n + (size_t)k > sizeof tail) { /* drop the oldest bytes (a chunk is smaller than tail) */
            size_t drop = n + (size_t)k - sizeof tail;
            memmove(tail, tail + drop, n - drop);
            n -= drop;
        }
        memcpy(tail + n, chunk, (size_t)k);
        n += (size_t)k;
    }
    close(errors[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, err_size, "lost track of %s: %s", argv[0], strerror(errno));
            return -1;
        }
    if (got == (ssize_t)sizeof why) {
        if (why.in_chdir) {
            snprintf(err, err_size, "cannot run %s in '%s': %s", argv[0], dir, strerror(why.error));
            return -1;
        }
        if (why.error == ENOENT) {
            snprintf(err, err_size, "%s is not installed: make setup installs it", argv[0]);
            return PLOT_NOT_INSTALLED;
        }
        snprintf(err, err_size, "cannot start %s: %s", argv[0], strerror(why.error));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    char said[600];
    last_line(tail, n, said, sizeof said);
    if (WIFSIGNALED(status))
        snprintf(err, err_size, "%s was stopped by signal %d%s%s", argv[0], WTERMSIG(status), said[0] ? ": " : "",
                 said);
    else
        snprintf(err, err_size, "%s failed (exit status %d)%s%s", argv[0], WEXITSTATUS(status), said[0] ? ": " : "",
                 said);
    return -1;
}

int plot_run(const char *dir, const char *script, const char *expr, char *err, size_t err_size) {
    /* a script named like an option ("-x.gp") would be read as one: "./-x.gp" is the file */
    size_t len = strlen(script) + 3;
    char *name = malloc(len);
    if (!name) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    snprintf(name, len, "%s%s", script[0] == '-' ? "./" : "", script);
    char *argv[5] = {"gnuplot"};
    int argc = 1;
    if (expr) {
        argv[argc++] = "-e";
        argv[argc++] = (char *)expr;
    }
    argv[argc++] = name;
    argv[argc] = NULL;
    int rc = plot_run_program(dir, argv, err, err_size);
    free(name);
    return rc;
}

/* The header of a run's log (its column names), and whether a whole data row follows it. */
static int read_header(const char *log, char *header, size_t size, int *rows, char *err, size_t err_size) {
    FILE *f = fopen(log, "r");
    if (!f) {
        snprintf(err, err_size, "%s does not exist. Run a demo or a training first (e.g. make demo-day1).", log);
        return -1;
    }
    size_t n = 0;
    int c, lines = 0;
    while (lines < 2 && (c = fgetc(f)) != EOF) {
        if (c == '\n')
            lines++;
        else if (lines == 0 && c != '\r' && n + 1 < size)
            header[n++] = (char)c;
    }
    header[n] = '\0';
    fclose(f);
    *rows = lines >= 2;
    return 0;
}

static int is_loss(const char *column) {
    size_t l = strlen(column);
    return l >= 4 && strcmp(column + l - 4, "loss") == 0;
}

/* The script of plot_loss(): names its files relative to the run's folder. */
static int write_loss_script(FILE *f, char **cols, int ncols, const char *title, int logy) {
    int ok = 1;
    fprintf(f, "# draws loss.png from log.csv, in this folder: gnuplot loss.gp"
               "   (in the terminal: gnuplot -e 'dumb=1' loss.gp)\n"
               "if (!exists('dumb')) dumb = 0\n"
               "set datafile separator ','\nset datafile missing 'nan'\nset key autotitle columnhead\n"
               "set xlabel ");
    ok &= plot_put_string(f, cols[0]) == 0;
    /* noenhanced: a name is printed as it is (enhanced text would turn the 2 of "gpt_2" into a subscript) */
    fprintf(f,
            " noenhanced\nset ylabel 'loss'\n%s"
            "if (dumb) {\n"
            "  if (dumb == 2) { set terminal dumb size 100,28 ansi } else { set terminal dumb size 100,28 }\n"
            "} else {\n"
            "  if (strstrt(GPVAL_TERMINALS, 'pngcairo')) { set terminal pngcairo size 900,540 font ',11' } "
            "else { set terminal png size 900,540 }\n"
            "  set output 'loss.png'\n  set grid\n  set title ",
            logy ? "set logscale y\n" : "");
    ok &= plot_put_string(f, title) == 0;
    fprintf(f, " noenhanced\n}\nplot ");
    const char *sep = "";
    for (int i = 0; i < ncols; i++) {
        if (!is_loss(cols[i])) continue;
        for (char *u = cols[i]; *u; u++) /* val_loss is titled "val loss" */
            if (*u == '_') *u = ' ';
        fprintf(f, "%s'log.csv' using 1:%d with lines lw 2 title ", sep, i + 1);
        ok &= plot_put_string(f, cols[i]) == 0;
        fprintf(f, " noenhanced");
        sep = ", ";
    }
    fprintf(f, "\n");
    return ok && !ferror(f);
}

int plot_loss(const char *run_dir, const PlotLossOptions *o, char *err, size_t err_size) {
    size_t dir_len = strlen(run_dir);
    char *log = malloc(dir_len + 16), *script = malloc(dir_len + 16), header[2048];
    int rc = -1;
    if (!log || !script) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    snprintf(log, dir_len + 16, "%s/log.csv", run_dir);
    snprintf(script, dir_len + 16, "%s/loss.gp", run_dir);
    int rows;
    if (read_header(log, header, sizeof header, &rows, err, err_size) != 0) goto done;
    if (!rows) {
        snprintf(err, err_size, "%s has no rows yet.", log);
        goto done;
    }
    char *cols[64];
    int ncols = 0, nloss = 0;
    for (char *p = header; ncols < 64;) {
        cols[ncols++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < ncols; i++) nloss += is_loss(cols[i]);
    if (nloss == 0) {
        size_t used = (size_t)snprintf(err, err_size, "no column of %s ends in 'loss' (columns:", log);
        for (int i = 0; i < ncols && used < err_size; i++)
            used += (size_t)snprintf(err + used, err_size - used, " %s", cols[i]);
        if (used < err_size) snprintf(err + used, err_size - used, ")");
        goto done;
    }
    /* The title is the run's folder name, without the folders above it. */
    while (dir_len > 1 && run_dir[dir_len - 1] == '/') dir_len--;
    size_t base = dir_len;
    while (base > 0 && run_dir[base - 1] != '/') base--;
    char title[256];
    snprintf(title, sizeof title, "%.*s", (int)(dir_len - base), run_dir + base);
    for (char *t = title; (t = strpbrk(t, "\n\r")) != NULL;) *t = ' '; /* a gnuplot string holds no line break */
    char tmp[LLMLAB_TMP_SIZE]; /* written whole or not at all, under a temporary name of its own */
    FILE *f = llmlab_open_temp(script, tmp, sizeof tmp, err, err_size);
    if (!f) goto done;
    if (llmlab_commit_file(f, write_loss_script(f, cols, ncols, title, o->logy), tmp, script, err, err_size) != 0)
        goto done;
    rc = plot_run(run_dir, "loss.gp", NULL, err, err_size);
    if (rc == 0 && o->terminal) rc = plot_run(run_dir, "loss.gp", o->ansi ? "dumb=2" : "dumb=1", err, err_size);
done:
    free(log), free(script);
    return rc;
}
