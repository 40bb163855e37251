/* Tests of common/: the code every lesson uses but no learner writes. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "fixture.h"
#include "progress.h"
#include "rng.h"
#include "runlog.h"
#include "testing.h"
#include "timer.h"
#include "todo.h"

/* ---- rng ---- */

Test(rng, same_seed_same_stream) {
    Rng a, b, c;
    rng_init(&a, 42);
    rng_init(&b, 42);
    rng_init(&c, 43);
    int same_as_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_u64(&a);
        cr_assert_eq(x, rng_u64(&b), "two generators seeded 42 diverged at draw %d", i);
        same_as_c += (x == rng_u64(&c));
    }
    cr_assert_lt(same_as_c, 2, "seeds 42 and 43 gave %d equal draws out of 1000", same_as_c);
}

Test(rng, zero_seed_works) {
    Rng r;
    rng_init(&r, 0);
    uint64_t x = rng_u64(&r), y = rng_u64(&r);
    cr_assert(x != 0 && x != y, "seed 0 must give a normal stream, got %llu then %llu",
              (unsigned long long)x, (unsigned long long)y);
}

Test(rng, uniform_moments) {
    Rng r;
    rng_init(&r, 7);
    const int n = 200000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        cr_assert(u >= 0.0 && u < 1.0, "rng_uniform gave %g, outside [0, 1)", u);
        sum += u;
        sq += u * u;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    /* standard error of the mean is sqrt(1/12/n) ~ 6.5e-4: allow 5 of them */
    cr_assert(fabs(mean - 0.5) < 3.3e-3, "uniform mean %g, expected 0.5", mean);
    cr_assert(fabs(var - 1.0 / 12) < 2e-3, "uniform variance %g, expected 1/12", var);
}

Test(rng, normal_moments) {
    Rng r;
    rng_init(&r, 11);
    const int n = 200000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        cr_assert(isfinite(z), "rng_normal gave %g", z);
        sum += z;
        sq += z * z;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    cr_assert(fabs(mean) < 0.012, "normal mean %g, expected 0", mean);
    cr_assert(fabs(var - 1.0) < 0.015, "normal variance %g, expected 1", var);
}

Test(rng, below_is_in_range_and_covers) {
    Rng r;
    rng_init(&r, 3);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t k = rng_below(&r, 7);
        cr_assert_lt(k, 7, "rng_below(7) gave %llu", (unsigned long long)k);
        seen[k]++;
    }
    for (int k = 0; k < 7; k++)
        cr_assert(seen[k] > 850 && seen[k] < 1150, "value %d came %d times of 7000", k, seen[k]);
}

Test(rng, below_zero_is_an_error, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
    Rng r;
    rng_init(&r, 1);
    rng_below(&r, 0);
}

/* ---- arena ---- */

Test(arena, aligned_zeroed_and_stable) {
    Arena ar;
    arena_init(&ar, 256);
    char *first = arena_alloc(&ar, 3);
    memcpy(first, "hi", 3);
    for (int i = 0; i < 1000; i++) {
        double *d = arena_alloc(&ar, sizeof(double) * (size_t)(1 + i % 5));
        cr_assert_eq((uintptr_t)d % _Alignof(double), 0, "misaligned block at allocation %d", i);
        for (int k = 0; k < 1 + i % 5; k++) cr_assert_eq(d[k], 0.0, "arena memory is not zeroed");
        d[0] = i;
    }
    cr_assert_str_eq(first, "hi", "an earlier allocation changed when the arena grew");
    void *big = arena_alloc(&ar, 10000); /* larger than a block */
    cr_assert_not_null(big);
    cr_assert_geq(ar.bytes_used, 10000u);
    arena_reset(&ar);
    cr_assert_eq(ar.bytes_used, 0u, "reset must forget every allocation");
    arena_alloc(&ar, 8);
    arena_free(&ar);
    cr_assert_null(ar.head, "arena_free leaves no blocks");
    EXPECT_NO_LEAKS();
}

static void *volatile leak_sink;

/* proves EXPECT_NO_LEAKS can fail: under make sanitize this leak must be seen */
Test(arena, leak_check_catches_a_leak, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    leak_sink = malloc(64);
    leak_sink = NULL;
    cr_assert(__lsan_do_recoverable_leak_check() != 0, "LeakSanitizer missed a 64-byte leak");
#else
    cr_skip_test("meaningful only under `make sanitize`");
#endif
}

/* ---- checked I/O ---- */

Test(check, fopen_names_path_and_hint, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
    XFOPEN("/nonexistent/llmlab.bin", "rb", "run `make data` first");
}

Test(check, fopen_message) {
    /* run the failing call in a child so we can read what it printed */
    fflush(NULL);
    FILE *p = popen(LLMLAB_BUILD "/tests/common_die_demo 2>&1", "r");
    cr_assert_not_null(p);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int status = pclose(p);
    cr_assert(strstr(buf, "error: cannot open '/nonexistent/x.bin'") != NULL,
              "message lacks the path: %s", buf);
    cr_assert(strstr(buf, "die_demo.c:") != NULL, "message lacks file:line: %s", buf);
    cr_assert(strstr(buf, "hint: run `make data`") != NULL, "message lacks the hint: %s", buf);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d, expected 1", status);
}

Test(check, short_read_is_truncation, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
    FILE *f = tmpfile();
    fputs("abc", f);
    rewind(f);
    char buf[8];
    XFREAD(buf, 1, 8, f, "header");
}

Test(check, mkdir_p_nested) {
    char dir[] = "/tmp/llmlab_test_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    llmlab_mkdir_p(path);
    llmlab_mkdir_p(path); /* existing is fine */
    cr_assert_eq(access(path, W_OK), 0, "%s was not created", path);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- todo ---- */

Test(todo, exits_with_todo_status, .exit_code = LLMLAB_EXIT_TODO, .init = cr_redirect_stderr) {
    TODO_UNIMPLEMENTED();
}

/* ---- runlog ---- */

Test(runlog, writes_header_rows_and_appends) {
    char dir[] = "/tmp/llmlab_run_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    RunLog log;
    runlog_open(&log, dir, "step,loss,val_loss", 0);
    runlog_row(&log, (double[]){1, 2.5, NAN});
    runlog_close(&log);
    runlog_open(&log, dir, "step,loss,val_loss", 1); /* resume */
    runlog_row(&log, (double[]){2, 0.125, 0.25});
    runlog_close(&log);
    char path[256], text[256] = "";
    snprintf(path, sizeof path, "%s/log.csv", dir);
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert_str_eq(text, "step,loss,val_loss\n1,2.5,nan\n2,0.125,0.25\n");
    unlink(path);
    rmdir(dir);
}

Test(runlog, resume_with_other_columns_is_an_error, .exit_code = LLMLAB_EXIT_ERROR,
     .init = cr_redirect_stderr) {
    char dir[] = "/tmp/llmlab_run_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    RunLog log;
    runlog_open(&log, dir, "step,loss", 0);
    runlog_close(&log);
    runlog_open(&log, dir, "step,loss,lr", 1);
}

/* ---- progress ---- */

Test(progress, durations) {
    char buf[16];
    progress_format_duration(42.4, buf, sizeof buf);
    cr_assert_str_eq(buf, "42s");
    progress_format_duration(187, buf, sizeof buf);
    cr_assert_str_eq(buf, "3m07s");
    progress_format_duration(3720, buf, sizeof buf);
    cr_assert_str_eq(buf, "1h02m");
    progress_format_duration(-1, buf, sizeof buf);
    cr_assert_str_eq(buf, "?");
}

Test(progress, plain_lines_when_not_a_terminal) {
    FILE *f = tmpfile();
    ProgressBar bar;
    progress_init(&bar, f, "work", 100);
    for (long i = 1; i <= 100; i++) progress_update(&bar, i, "loss %.2f", 1.0 / (double)i);
    progress_finish(&bar);
    rewind(f);
    char line[256];
    int lines = 0, last_done = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, "100/100") && strstr(line, "done")) last_done = 1;
        cr_assert_null(strchr(line, '\r'), "no carriage returns in a log file: %s", line);
    }
    fclose(f);
    cr_assert(lines >= 10 && lines <= 12, "expected about one line per 10%%, got %d", lines);
    cr_assert(last_done, "the last line shows 100/100 done");
}

/* ---- timer ---- */

Test(timer, monotonic_and_in_seconds) {
    double t0 = timer_now();
    struct timespec pause = {0, 20 * 1000 * 1000}; /* 20 ms */
    nanosleep(&pause, NULL);
    double dt = timer_now() - t0;
    cr_assert(dt >= 0.019 && dt < 5.0, "20 ms of sleep measured as %g s", dt);
}

/* ---- fixture ---- */

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

Test(fixture, reads_arrays) {
    const char *path = "/tmp/llmlab_fixture_ok.bin";
    unsigned char buf[64];
    size_t n = 0;
    memcpy(buf, "LLMLABFX", 8); n = 8;
    uint32_t head[] = {1, 1, 1};           /* version, count, name_len */
    memcpy(buf + n, head, 12); n += 12;
    buf[n++] = 'w';
    uint32_t shape[] = {1, 2};             /* ndim, dims[0] */
    memcpy(buf + n, shape, 8); n += 8;
    double data[] = {1.5, -2.0};
    memcpy(buf + n, data, 16); n += 16;
    write_bytes(path, buf, n);
    Fixture fx;
    fixture_load(&fx, path);
    const FixtureArray *w = fixture_get(&fx, "w");
    cr_assert_eq(w->size, 2u);
    cr_assert_eq(w->data[1], -2.0);
    fixture_free(&fx);
    unlink(path);
}

Test(fixture, foreign_file_is_an_error, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
    write_bytes("/tmp/llmlab_fixture_bad.bin", "GIF89a not a fixture", 20);
    Fixture fx;
    fixture_load(&fx, "/tmp/llmlab_fixture_bad.bin");
}

Test(fixture, truncated_file_is_an_error, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
    write_bytes("/tmp/llmlab_fixture_short.bin", "LLMLABFX\1\0\0\0\5\0", 14);
    Fixture fx;
    fixture_load(&fx, "/tmp/llmlab_fixture_short.bin");
}

/* ---- testing.h itself: the tolerance rule every lesson relies on ---- */

Test(testing, close_rule) {
    cr_assert(llmlab_close(1.0 + 1e-10, 1.0, 1e-9));
    cr_assert(!llmlab_close(1.1, 1.0, 1e-9));
    cr_assert(llmlab_close(1000.0 + 1e-7, 1000.0, 1e-9), "relative above 1");
    cr_assert(!llmlab_close(NAN, 1.0, 1e9), "NaN is never close");
    cr_assert(llmlab_close(NAN, NAN, 0), "NaN expected, NaN got");
}
