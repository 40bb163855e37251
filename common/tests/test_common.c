/* Tests of common/: the code every lesson uses but no learner writes. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "arena.h"
#include "cli.h"
#include "check.h"
#include "fastexp.h"
#include "fixture.h"
#include "hash.h"
#include "hashmap.h"
#include "idx.h"
#include "json.h"
#include "parallel.h"
#include "plot.h"
#include "progress.h"
#include "rng.h"
#include "runlog.h"
#include "testing.h"
#include "timer.h"
#include "todo.h"
#include "toydata.h"
#include "utf8.h"
#include "words.h"

/* ---- exp_fast ---- */

Test(fastexp, close_to_exp_everywhere_and_clamped_outside) {
    double worst = 0;
    float worst_x = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.00137f) {
        double want = exp((double)x), rel = fabs((double)exp_fast(x) - want) / want;
        if (rel > worst) worst = rel, worst_x = x;
    }
    cr_assert(worst < 2e-7, "exp_fast: expected a relative error below 2e-7, got %.3g at x = %.6f", worst, worst_x);
    cr_assert(exp_fast(0.0f) == 1.0f, "exp_fast(0): expected exactly 1, got %.9g", exp_fast(0.0f));
    cr_assert(exp_fast(-1000.0f) > 0.0f && exp_fast(-1000.0f) < 1e-37f, "exp_fast(-1000): expected a tiny positive");
    cr_assert(isfinite(exp_fast(1000.0f)) && exp_fast(1000.0f) > 1e38f, "exp_fast(1000): expected e^88, finite");
    cr_assert(isfinite(exp_fast(INFINITY)) && exp_fast(-INFINITY) >= 0.0f, "infinities are clamped");
    cr_assert(isfinite(exp_fast(NAN)), "a NaN gives a finite number (fastexp.h says so)");
}

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
    cr_assert(x != 0 && x != y, "seed 0 must give a normal stream, got %llu then %llu", (unsigned long long)x,
              (unsigned long long)y);
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
    cr_assert(strstr(buf, "error: cannot open '/nonexistent/x.bin'") != NULL, "message lacks the path: %s", buf);
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

/* How many names in folder dir hold ".tmp" (temporary files left behind). */
Test(check, atomic_write_replaces_whole_or_not_at_all) {
    testing_dir_make("atomic");
    const char *path = testing_dir_path("out.txt");
    testing_write_file(path, "old", 3);
    char tmp[LLMLAB_TMP_SIZE], tmp2[LLMLAB_TMP_SIZE], err[LLMLAB_ERR_SIZE];
    FILE *f = llmlab_open_temp(path, tmp, sizeof tmp, err, sizeof err);
    FILE *g = llmlab_open_temp(path, tmp2, sizeof tmp2, err, sizeof err);
    cr_assert(f && g, "llmlab_open_temp: %s", err);
    cr_assert(strcmp(tmp, tmp2) != 0 && strstr(tmp, "out.txt.tmp-"), "two writers get two names: %s, %s", tmp, tmp2);
    fputs("new", f);
    cr_assert(llmlab_commit_file(f, 0, tmp, path, err, sizeof err) == -1, "a failed write must not be committed");
    llmlab_abort_file(g, tmp2);
    FILE *r = fopen(path, "rb");
    char got[8] = "";
    cr_assert(r && fread(got, 1, sizeof got - 1, r) == 3 && !strcmp(got, "old"), "the old file must stay: '%s'", got);
    fclose(r);
    cr_assert_eq(testing_temp_files_in(testing_dir()), 0, "no temporary file may be left");
    f = llmlab_open_temp(path, tmp, sizeof tmp, err, sizeof err);
    fputs("new", f);
    cr_assert(llmlab_commit_file(f, 1, tmp, path, err, sizeof err) == 0, "%s", err);
    r = fopen(path, "rb");
    memset(got, 0, sizeof got);
    cr_assert(r && fread(got, 1, sizeof got - 1, r) == 3 && !strcmp(got, "new"), "committed: '%s'", got);
    fclose(r);
    cr_assert_eq(testing_temp_files_in(testing_dir()), 0);
}

Test(check, outputs_that_are_not_regular_files_are_refused) {
    testing_dir_make("odd");
    char err[LLMLAB_ERR_SIZE], tmp[LLMLAB_TMP_SIZE];
    const char *fifo = testing_dir_path("fifo"), *link = testing_dir_path("link"), *dir = testing_dir_path("dir");
    cr_assert(mkfifo(fifo, 0600) == 0 && symlink("target", link) == 0 && mkdir(dir, 0700) == 0);
    const char *odd[] = {fifo, link, dir};
    const char *kind[] = {"a FIFO", "a symbolic link", "a folder"};
    for (int i = 0; i < 3; i++) {
        cr_assert(llmlab_check_output(odd[i], err, sizeof err) == -1 && strstr(err, kind[i]),
                  "%s must be refused as %s: '%s'", odd[i], kind[i], err);
        cr_assert_null(llmlab_open_temp(odd[i], tmp, sizeof tmp, err, sizeof err), "%s must be refused", odd[i]);
    }
    char *long_path = malloc(LLMLAB_PATH_MAX + 10);
    memset(long_path, 'a', LLMLAB_PATH_MAX + 9);
    long_path[LLMLAB_PATH_MAX + 9] = '\0';
    cr_assert(llmlab_check_output(long_path, err, sizeof err) == -1 && strstr(err, "long"),
              "a path too long is an error, never cut short: '%s'", err);
    free(long_path);
    cr_assert_eq(testing_temp_files_in(testing_dir()), 0);
}

Test(check, a_folder_to_read_says_so) {
    char err[LLMLAB_ERR_SIZE];
    cr_assert_null(llmlab_open_read("/tmp", "checkpoint", err, sizeof err));
    cr_assert(strstr(err, "checkpoint /tmp is a folder"), "got '%s'", err);
    cr_assert_null(llmlab_open_read("/nonexistent/x", "", err, sizeof err));
    cr_assert(strstr(err, "cannot open /nonexistent/x: "), "got '%s'", err);
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

Test(todo, exits_with_todo_status, .exit_code = LLMLAB_EXIT_TODO, .init = cr_redirect_stderr) { TODO_UNIMPLEMENTED(); }

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

Test(runlog, resume_with_other_columns_is_an_error, .exit_code = LLMLAB_EXIT_ERROR, .init = cr_redirect_stderr) {
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

Test(progress, a_bar_shown_only_after_a_while) {
    FILE *f = tmpfile();
    ProgressBar bar;
    progress_init_after(&bar, f, "quick", 10, timer_now() + 100); /* quick work: never shown */
    for (long i = 1; i <= 10; i++) progress_update(&bar, i, NULL);
    progress_finish(&bar);
    cr_assert(ftell(f) == 0, "work that ends before show_at prints nothing, not even its end");
    progress_init_after(&bar, f, "slow", 10, timer_now() - 1); /* already past: shown */
    for (long i = 1; i <= 10; i++) progress_update(&bar, i, NULL);
    progress_finish(&bar);
    rewind(f);
    char line[256] = "";
    int lines = 0;
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    cr_assert(lines >= 2 && strstr(line, "slow") && strstr(line, "10/10"),
              "past show_at the bar is drawn: %d lines, "
              "last \"%s\"",
              lines, line);
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
    memcpy(buf, "LLMLABFX", 8);
    n = 8;
    uint32_t head[] = {1, 1, 1}; /* version, count, name_len */
    memcpy(buf + n, head, 12);
    n += 12;
    buf[n++] = 'w';
    uint32_t shape[] = {1, 2}; /* ndim, dims[0] */
    memcpy(buf + n, shape, 8);
    n += 8;
    double data[] = {1.5, -2.0};
    memcpy(buf + n, data, 16);
    n += 16;
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

/* ---- toydata ---- */

Test(toydata, xor_table) {
    double x[4][2], y[4];
    toydata_xor(x, y);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(y[i], (double)((int)x[i][0] ^ (int)x[i][1]), "row %d: %g xor %g gave %g", i, x[i][0], x[i][1],
                     y[i]);
}

Test(toydata, moons_are_seeded_balanced_and_shaped) {
    enum { N = 200 };
    double x1[2 * N], y1[N], x2[2 * N], y2[N];
    Rng a, b;
    rng_init(&a, 5);
    rng_init(&b, 5);
    toydata_moons(&a, N, 0.0, x1, y1);
    toydata_moons(&b, N, 0.0, x2, y2);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0, "the same seed must give the same points");
    int ones = 0;
    for (int i = 0; i < N; i++) {
        ones += y1[i] > 0.5;
        /* without noise each point lies on its unit half circle */
        double cx = y1[i] > 0.5 ? 1.0 : 0.0, cy = y1[i] > 0.5 ? 0.5 : 0.0;
        double r = hypot(x1[2 * i] - cx, x1[2 * i + 1] - cy);
        cr_assert(fabs(r - 1.0) < 1e-12, "point %d is %g from its moon's centre", i, r);
        cr_assert(y1[i] > 0.5 ? x1[2 * i + 1] <= 0.5 : x1[2 * i + 1] >= 0.0, "point %d is on the wrong half", i);
    }
    cr_assert_eq(ones, N / 2, "labels should alternate: %d of %d are 1", ones, N);
}

/* ---- cli ---- */

Test(cli, parses_the_demo_flags) {
    char *argv[] = {"demo", "--quick", "--runs", "/tmp/r", "--seed", "123", NULL};
    DemoArgs args = {.runs = "runs", .seed = 1};
    cli_parse_demo(6, argv, "about", &args);
    cr_assert(args.quick == 1 && strcmp(args.runs, "/tmp/r") == 0 && args.seed == 123, "got quick=%d runs=%s seed=%llu",
              args.quick, args.runs, (unsigned long long)args.seed);
}

Test(cli, unknown_flag_exits_2, .exit_code = 2, .init = cr_redirect_stderr) {
    char *argv[] = {"demo", "--qiuck", NULL};
    DemoArgs args = {.runs = "runs"};
    cli_parse_demo(2, argv, "about", &args);
}

Test(cli, bad_seed_exits_2, .exit_code = 2, .init = cr_redirect_stderr) {
    char *argv[] = {"demo", "--seed", "12abc", NULL};
    DemoArgs args = {.runs = "runs"};
    cli_parse_demo(3, argv, "about", &args);
}

Test(cli, seed_takes_every_64_bit_value_and_no_sign, .init = cr_redirect_stderr) {
    char *argv[] = {"demo", "--seed", "18446744073709551615", NULL};
    DemoArgs args = {.runs = "runs"};
    cli_parse_demo(3, argv, "about", &args);
    cr_assert(args.seed == UINT64_MAX, "--seed 2^64-1 gave %llu", (unsigned long long)args.seed);
    uint64_t seed = 5;
    const Flag flags[] = {{"seed", FLAG_U64, &seed, 0, 9e18, "seed", NULL}};
    const CliCommand c = {.name = "test", .usage = "usage", .flags = flags, .n_flags = CLI_COUNT(flags)};
    char *minus[] = {"test", "--seed", "-1", NULL}, *over[] = {"test", "--seed", "9000000000000000001", NULL};
    cr_assert_eq(cli_parse(&c, 3, minus), CLI_EXIT_USAGE, "--seed -1 must be refused, not read as 2^64-1");
    cr_assert_eq(cli_parse(&c, 3, over), CLI_EXIT_USAGE, "--seed above its range must be refused");
    cr_assert_eq(seed, 5, "a refused value must leave the default");
}

Test(cli, table_flags_aliases_lists_and_arguments, .init = cr_redirect_stderr) {
    int n = 3, on = 0;
    float x = 0.5f;
    const char *name = NULL, *items[2];
    CliList list = {items, 0, 2};
    char *args[2];
    int n_args = 0;
    const Flag flags[] = {
        {"n", FLAG_INT, &n, 1, 10, "n", NULL},          {"x", FLAG_FLOAT, &x, 0, 1, "x", NULL},
        {"on", FLAG_BOOL, &on, 0, 0, "on", NULL},       {"name", FLAG_STRING, &name, 0, 0, "name", "-N"},
        {"item", FLAG_LIST, &list, 0, 0, "item", NULL},
    };
    const CliCommand c = {.name = "test",
                          .usage = "usage",
                          .flags = flags,
                          .n_flags = CLI_COUNT(flags),
                          .args = args,
                          .max_args = 2,
                          .n_args = &n_args};
    char *argv[] = {"test", "a", "--n",    "7", "-N",  "bob",  "--item", "p",
                    "--on", "-", "--item", "q", "--x", "0.25", NULL};
    cr_assert_eq(cli_parse(&c, 14, argv), 0);
    cr_assert(n == 7 && x == 0.25f && on == 1 && name && !strcmp(name, "bob"), "n=%d x=%g on=%d", n, (double)x, on);
    cr_assert(list.n == 2 && !strcmp(items[0], "p") && !strcmp(items[1], "q"), "--item twice: %d values", list.n);
    cr_assert(n_args == 2 && !strcmp(args[0], "a") && !strcmp(args[1], "-"), "plain arguments: %d", n_args);
    char *third[] = {"test", "--item", "r", NULL};
    cr_assert_eq(cli_parse(&c, 3, third), CLI_EXIT_USAGE, "a third --item has no room");
    char *bad[][3] = {{"test", "--n", "11"}, {"test", "--n", "1.5"}, {"test", "--x", "nan"}, {"test", "--nn", "3"}};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(cli_parse(&c, 3, bad[i]), CLI_EXIT_USAGE, "%s %s must be refused", bad[i][1], bad[i][2]);
    char *more[] = {"test", "a", "b", "c", NULL};
    cr_assert_eq(cli_parse(&c, 4, more), CLI_EXIT_USAGE, "three arguments where two fit");
    char *missing[] = {"test", "--n", NULL};
    cr_assert_eq(cli_parse(&c, 2, missing), CLI_EXIT_USAGE, "a flag without its value");
}

Test(cli, messages_name_the_program_and_suggest_a_flag) {
    int steps = 3;
    const Flag flags[] = {{"steps", FLAG_INT, &steps, 1, 1000000000, "steps", NULL}};
    const CliCommand c = {.name = "llmlab train", .usage = "usage", .flags = flags, .n_flags = CLI_COUNT(flags)};
    char path[] = "/tmp/llmlab_cli_msg_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *saved = stderr;
    stderr = fdopen(fd, "w+");
    char *typo[] = {"x", "--stesp", "5", NULL}, *range[] = {"x", "--steps", "0", NULL};
    cli_parse(&c, 3, typo);
    cli_parse(&c, 3, range);
    fflush(stderr);
    char text[512] = {0};
    rewind(stderr);
    size_t got = fread(text, 1, sizeof text - 1, stderr);
    text[got] = '\0';
    fclose(stderr);
    stderr = saved;
    remove(path);
    cr_assert(strstr(text, "llmlab train: unknown option '--stesp'; did you mean --steps?"), "got:\n%s", text);
    cr_assert(strstr(text, "llmlab train: --steps wants a whole number from 1 to 1000000000, got '0'"), "got:\n%s",
              text);
}

/* ---- plot ---- */

/* A folder name with what a shell or gnuplot could read as code: quotes, $, ;, backquotes, @. */
#define ODD_NAME "my run, it's \"quoted\" $HOME;`touch PWNED` @x"

static int have_gnuplot(void) {
    const char *path = getenv("PATH");
    char dir[1024], exe[1100];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)n, p);
        snprintf(exe, sizeof exe, "%s/gnuplot", n ? dir : ".");
        if (access(exe, X_OK) == 0) return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

static void write_script(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "could not write %s", path);
    fputs(text, f);
    fclose(f);
}

Test(plot, quoted_string_doubles_single_quotes_and_refuses_line_breaks) {
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    int rc = plot_put_string(f, ODD_NAME);
    fclose(f);
    cr_assert(rc == 0 && strcmp(s, "'my run, it''s \"quoted\" $HOME;`touch PWNED` @x'") == 0,
              "plot_put_string(\"%s\"): expected the text in single quotes with ' doubled, got %d and [%s]", ODD_NAME,
              rc, s);
    free(s);
    f = open_memstream(&s, &n);
    rc = plot_put_string(f, "two\nlines");
    fclose(f);
    cr_assert(rc == -1 && n == 0,
              "plot_put_string(\"two\\nlines\"): a gnuplot string holds no line break, so "
              "expected -1 and nothing written, got %d and %zu bytes",
              rc, n);
    free(s);
}

Test(plot, gnuplot_reads_back_an_odd_path_as_text, .fini = testing_dir_remove) {
    if (!have_gnuplot()) cr_skip_test("gnuplot is not installed (make setup)");
    testing_dir_make("plot");
    const char *dir = testing_dir_path(ODD_NAME), *script = testing_dir_path(ODD_NAME "/t.gp");
    cr_assert(mkdir(dir, 0777) == 0, "could not make %s", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs("set print 'said.txt'\nprint ", f);
    plot_put_string(f, ODD_NAME);
    fputs("\n", f);
    fclose(f);
    char err[600] = "";
    int rc = plot_run(dir, "t.gp", NULL, err, sizeof err);
    cr_assert(rc == 0, "plot_run in a folder named [%s]: expected 0, got %d (%s)", ODD_NAME, rc, err);
    FILE *said = fopen(testing_dir_path(ODD_NAME "/said.txt"), "r");
    cr_assert_not_null(said, "plot_run: gnuplot did not run the script in its folder (no said.txt there)");
    char line[200] = "";
    cr_assert_not_null(fgets(line, sizeof line, said));
    fclose(said);
    cr_assert(strcmp(line, ODD_NAME "\n") == 0, "gnuplot read the quoted string as [%s], expected [%s]", line,
              ODD_NAME);
    cr_assert(access("PWNED", F_OK) != 0 && access(testing_dir_path(ODD_NAME "/PWNED"), F_OK) != 0,
              "the backquoted command in the name was run");
}

Test(plot, loss_curves_of_a_run_with_an_odd_name, .fini = testing_dir_remove) {
    if (!have_gnuplot()) cr_skip_test("gnuplot is not installed (make setup)");
    testing_dir_make("plot");
    const char *run = testing_dir_path(ODD_NAME);
    cr_assert(mkdir(run, 0777) == 0, "could not make %s", run);
    write_script(testing_dir_path(ODD_NAME "/log.csv"), "step,train_loss,val_loss,lr\n1,3.0,nan,0.1\n"
                                                        "2,2.5,2.7,0.1\n3,2.0,nan,0.1\n4,1.8,2.1,0.1\n");
    PlotLossOptions o = {.logy = 1};
    char err[600] = "";
    int rc = plot_loss(run, &o, err, sizeof err);
    cr_assert(rc == 0, "plot_loss on a run named [%s]: expected 0, got %d (%s)", ODD_NAME, rc, err);
    struct stat st;
    cr_assert(stat(testing_dir_path(ODD_NAME "/loss.png"), &st) == 0 && st.st_size > 0,
              "plot_loss: expected RUN/loss.png, a picture");
    cr_assert(access(testing_dir_path(ODD_NAME "/loss.gp"), R_OK) == 0, "plot_loss: expected RUN/loss.gp kept");
    write_script(testing_dir_path(ODD_NAME "/log.csv"), "step,accuracy\n1,0.5\n");
    rc = plot_loss(run, &o, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "no column"),
              "plot_loss with no loss column: expected -1 and a message "
              "naming the columns, got %d (%s)",
              rc, err);
}

Test(plot, missing_gnuplot_is_an_error_not_a_crash, .fini = testing_dir_remove) {
    testing_dir_make("plot");
    const char *bin = testing_dir_path("empty-bin");
    cr_assert(mkdir(bin, 0777) == 0);
    write_script(testing_dir_path("t.gp"), "print 1\n");
    write_script(testing_dir_path("log.csv"), "step,loss\n1,2\n");
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", bin, 1); /* a folder with no programs: gnuplot cannot be found */
    char err[600] = "", err_loss[600] = "";
    int rc = plot_run(testing_dir(), "t.gp", NULL, err, sizeof err);
    PlotLossOptions o = {.terminal = 1};
    int rc_loss = plot_loss(testing_dir(), &o, err_loss, sizeof err_loss);
    setenv("PATH", path, 1); /* back, for the clean-up's rm */
    free(path);
    cr_assert(rc == PLOT_NOT_INSTALLED && strstr(err, "gnuplot is not installed"),
              "plot_run without gnuplot: expected PLOT_NOT_INSTALLED and \"gnuplot is not installed\", got %d (%s)", rc,
              err);
    cr_assert(rc_loss == PLOT_NOT_INSTALLED && strstr(err_loss, "not installed"),
              "plot_loss without gnuplot: expected PLOT_NOT_INSTALLED, got %d (%s)", rc_loss, err_loss);
}

Test(plot, failures_say_why, .fini = testing_dir_remove) {
    testing_dir_make("plot");
    char err[600] = "";
    int rc = plot_run(testing_dir_path("no such folder"), "t.gp", NULL, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "no such folder"),
              "plot_run in a missing folder: expected -1 and the folder's name, got %d (%s)", rc, err);
    if (!have_gnuplot()) cr_skip_test("gnuplot is not installed (make setup)");
    write_script(testing_dir_path("bad.gp"), "set output 'x.txt'\nplot no_such_function(x)\n");
    rc = plot_run(testing_dir(), "bad.gp", NULL, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "gnuplot failed") && strstr(err, "bad.gp"),
              "plot_run on a broken script: expected -1 with gnuplot's own message (naming bad.gp), got %d (%s)", rc,
              err);
}

/* ---- idx ---- */

/* Write an IDX file of unsigned bytes: header for dims, then `ndata` bytes. gz: compress it. */
static void write_idx(const char *path, int gz, const uint32_t *dims, int ndim, const uint8_t *data, size_t ndata) {
    uint8_t buf[64 + 256];
    size_t n = 0;
    buf[n++] = 0;
    buf[n++] = 0;
    buf[n++] = 0x08;
    buf[n++] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++) {
        buf[n++] = (uint8_t)(dims[d] >> 24);
        buf[n++] = (uint8_t)(dims[d] >> 16);
        buf[n++] = (uint8_t)(dims[d] >> 8);
        buf[n++] = (uint8_t)dims[d];
    }
    memcpy(buf + n, data, ndata);
    n += ndata;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, buf, (unsigned)n);
        gzclose(f);
    } else {
        write_bytes(path, buf, n);
    }
}

Test(idx, reads_plain_and_gzipped) {
    uint8_t pix[2 * 2 * 3];
    for (int i = 0; i < 12; i++) pix[i] = (uint8_t)(i * 20);
    uint32_t dims[3] = {2, 2, 3};
    for (int gz = 0; gz <= 1; gz++) {
        const char *path = gz ? "/tmp/llmlab_idx.gz" : "/tmp/llmlab_idx";
        write_idx(path, gz, dims, 3, pix, 12);
        IdxArray a;
        char err[256] = "";
        cr_assert_eq(idx_load(path, &a, err, sizeof err), 0, "%s: %s", path, err);
        cr_assert(a.ndim == 3 && a.dims[0] == 2 && a.dims[1] == 2 && a.dims[2] == 3 && a.size == 12);
        cr_assert(memcmp(a.data, pix, 12) == 0, "pixels differ (gz=%d)", gz);
        idx_free(&a);
        unlink(path);
    }
}

static void expect_idx_error(const char *path, const char *words) {
    IdxArray a;
    char err[256] = "";
    cr_assert_eq(idx_load(path, &a, err, sizeof err), -1, "%s loaded, expected an error", path);
    cr_assert(strstr(err, words) != NULL, "error for %s was \"%s\", expected it to say \"%s\"", path, err, words);
    cr_assert_null(a.data);
}

Test(idx, broken_files_are_clear_errors) {
    uint8_t pix[6] = {1, 2, 3, 4, 5, 6};
    uint32_t dims[2] = {2, 3};
    expect_idx_error("/tmp/llmlab_no_such.idx", "cannot open");
    write_bytes("/tmp/llmlab_empty.idx", "", 0);
    expect_idx_error("/tmp/llmlab_empty.idx", "too short");
    write_bytes("/tmp/llmlab_png.idx", "\x89PNG\r\n\x1a\n....", 12);
    expect_idx_error("/tmp/llmlab_png.idx", "not an IDX file");
    write_idx("/tmp/llmlab_short.idx.gz", 1, dims, 2, pix, 4); /* 2 bytes missing */
    expect_idx_error("/tmp/llmlab_short.idx.gz", "truncated");
    write_idx("/tmp/llmlab_long.idx", 0, dims, 2, (uint8_t[]){1, 2, 3, 4, 5, 6, 7}, 7);
    expect_idx_error("/tmp/llmlab_long.idx", "bytes after the data");
    uint32_t huge[3] = {60000, 60000, 60000};
    write_idx("/tmp/llmlab_huge.idx", 0, huge, 3, pix, 6);
    expect_idx_error("/tmp/llmlab_huge.idx", "implausible shape");
}

Test(idx, reads_debian_fashion_mnist) {
    const char *path = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    if (access(path, R_OK) != 0) cr_skip_test("dataset-fashion-mnist is not installed (make setup)");
    IdxArray labels;
    idx_load_or_die(path, &labels);
    cr_assert(labels.ndim == 1 && labels.dims[0] == 10000, "t10k labels: %d dims, %u entries", labels.ndim,
              labels.dims[0]);
    int count[10] = {0};
    for (size_t i = 0; i < labels.size; i++) {
        cr_assert_lt(labels.data[i], 10, "label %zu is %d", i, labels.data[i]);
        count[labels.data[i]]++;
    }
    for (int c = 0; c < 10; c++) cr_assert_eq(count[c], 1000, "class %d has %d test images", c, count[c]);
    idx_free(&labels);
}

/* ---- UTF-8 ---- */

/* The shortest encoding of cp (the only valid one), written here from the
 * standard, independently of utf8.c. Returns its length. */
static int encode_utf8(int32_t cp, uint8_t *out) {
    if (cp < 0x80) return out[0] = (uint8_t)cp, 1;
    if (cp < 0x800) return out[0] = (uint8_t)(0xC0 | cp >> 6), out[1] = (uint8_t)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000)
        return out[0] = (uint8_t)(0xE0 | cp >> 12), out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)),
               out[2] = (uint8_t)(0x80 | (cp & 0x3F)), 3;
    return out[0] = (uint8_t)(0xF0 | cp >> 18), out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F)),
           out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)), out[3] = (uint8_t)(0x80 | (cp & 0x3F)), 4;
}

Test(utf8, every_code_point_decodes_from_its_encoding) {
    for (int32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        uint8_t buf[5] = {0, 0, 0, 0, 'x'};
        int want = encode_utf8(cp, buf);
        int32_t got;
        int len = utf8_char(buf, 5, &got);
        if (len != want || got != cp) /* cr_assert only on failure: a million checks */
            cr_assert_fail("utf8_char of U+%04X (%d bytes): got %d (0x%X) in %d bytes", (unsigned)cp, want, got,
                           (unsigned)got, len);
        if (utf8_first_invalid(buf, (size_t)want) != (size_t)want)
            cr_assert_fail("utf8_first_invalid of U+%04X alone: expected %d (all valid)", (unsigned)cp, want);
    }
}

/* Whatever the bytes, utf8_char either refuses them (length 1, -1) or
 * returns a code point in range whose shortest encoding is exactly the bytes
 * it consumed: so no overlong form, surrogate or value past U+10FFFF gets
 * through, whatever follows the lead byte. Every lead byte is paired with
 * every second byte; the third and fourth run through their edge values. */
static void expect_valid_or_refused(const uint8_t *s, size_t n) {
    int32_t cp;
    int len = utf8_char(s, n, &cp);
    uint8_t enc[4];
    if (cp < 0 ? len == 1
               : cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && len == encode_utf8(cp, enc) && (size_t)len <= n &&
                     memcmp(enc, s, (size_t)len) == 0)
        return;
    cr_assert_fail("utf8_char(%02X %02X %02X %02X, n = %zu) returned %d (0x%X) in %d bytes: expected -1 in 1 byte, "
                   "or a code point whose shortest encoding is those bytes (no overlong form, surrogate or value "
                   "past U+10FFFF)",
                   s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, cp, (unsigned)cp, len);
}

Test(utf8, anything_else_is_one_invalid_byte) {
    static const uint8_t edge[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (int b0 = 0; b0 < 256; b0++)
        for (int b1 = 0; b1 < 256; b1++) {
            uint8_t s[4] = {(uint8_t)b0, (uint8_t)b1, 0x80, 0x80};
            expect_valid_or_refused(s, 1);
            expect_valid_or_refused(s, 2);
            if (b0 < 0xE0) /* one or two bytes: what follows cannot matter */
                continue;
            for (size_t i = 0; i < sizeof edge; i++)
                for (size_t j = 0; j < sizeof edge; j++) {
                    s[2] = edge[i], s[3] = edge[j];
                    expect_valid_or_refused(s, 3);
                    expect_valid_or_refused(s, 4);
                }
        }
}

Test(utf8, named_cases) {
    static const struct {
        const char *s;
        size_t n;
        int32_t cp;
        int len;
    } cases[] = {
        {"\x7F", 1, 0x7F, 1},
        {"\xC2\x80", 2, 0x80, 2},
        {"\xDF\xBF", 2, 0x7FF, 2},
        {"\xE0\xA0\x80", 3, 0x800, 3},
        {"\xED\x9F\xBF", 3, 0xD7FF, 3},
        {"\xEE\x80\x80", 3, 0xE000, 3},
        {"\xEF\xBF\xBF", 3, 0xFFFF, 3},
        {"\xF0\x90\x80\x80", 4, 0x10000, 4},
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF, 4},
        {"\x80", 1, -1, 1},             /* a stray continuation byte */
        {"\xC0\x80", 2, -1, 1},         /* overlong NUL */
        {"\xC1\xBF", 2, -1, 1},         /* overlong U+007F */
        {"\xE0\x9F\xBF", 3, -1, 1},     /* overlong U+07FF */
        {"\xF0\x8F\xBF\xBF", 4, -1, 1}, /* overlong U+FFFF */
        {"\xED\xA0\x80", 3, -1, 1},     /* surrogate U+D800 */
        {"\xED\xBF\xBF", 3, -1, 1},     /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", 4, -1, 1}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4, -1, 1},
        {"\xFE", 1, -1, 1},
        {"\xFF", 1, -1, 1},
        {"\xE2\x82\xAC", 2, -1, 1}, /* the euro sign cut by n */
        {"\xF0\x9F\x98", 3, -1, 1}, /* an emoji cut short */
        {"\xE2\x28\xA1", 3, -1, 1}, /* a bad continuation byte */
        {"\xC3\xA9", 2, 0xE9, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t cp;
        int len = utf8_char((const uint8_t *)cases[i].s, cases[i].n, &cp);
        cr_assert(cp == cases[i].cp && len == cases[i].len,
                  "case %zu: utf8_char: expected %d in %d bytes, got %d in %d", i, cases[i].cp, cases[i].len, cp, len);
    }
}

Test(utf8, first_invalid_offset) {
    static const struct {
        const char *s;
        size_t n, want;
    } cases[] = {
        {"", 0, 0},
        {"plain text", 10, 10},
        {"h\xC3\xA9llo \xF0\x9F\x99\x82", 11, 11},
        {"a\0b", 3, 3},            /* NUL is valid UTF-8 */
        {"ab\xC3", 3, 2},          /* cut at the end */
        {"\xC3\xA9\x80z", 4, 2},   /* a stray continuation after a valid character */
        {"abc\xED\xA0\x80", 6, 3}, /* a surrogate */
        {"\xC3\xA9", 1, 0},        /* n cuts the character */
        {"ok\xC0\xAF", 4, 2},      /* an overlong slash */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = utf8_first_invalid((const uint8_t *)cases[i].s, cases[i].n);
        cr_assert(got == cases[i].want, "case %zu: utf8_first_invalid: expected %zu, got %zu", i, cases[i].want, got);
    }
}

/* ---- hashes ---- */

/* Known values. The 64-bit ones use the course's start value (hash.h): token
 * file names, checkpoints and the domain corpus split depend on them. */
Test(hash, fnv1a_known_values) {
    static const struct {
        const char *s;
        uint32_t h32;
        uint64_t h64;
    } cases[] = {
        {"", 0x811C9DC5u, 0x14650FB0739D0383ull},
        {"a", 0xE40C292Cu, 0x44BD8AD473CD9906ull},
        {"foobar", 0xBF9CF968u, 0x88FAD7C0A8FF07F2ull},
        {"llmlab-bpe 1\n", 0x733ACC26u, 0x06591DB951390B8Cull},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        uint32_t h32 = hash_fnv1a32(cases[i].s, n);
        uint64_t h64 = hash_fnv1a64(cases[i].s, n);
        cr_assert(h32 == cases[i].h32, "hash_fnv1a32(\"%s\"): expected 0x%08X, got 0x%08X", cases[i].s,
                  (unsigned)cases[i].h32, (unsigned)h32);
        cr_assert(h64 == cases[i].h64, "hash_fnv1a64(\"%s\"): expected 0x%016llX, got 0x%016llX", cases[i].s,
                  (unsigned long long)cases[i].h64, (unsigned long long)h64);
    }
    cr_assert(hash_mix64(0) == 0 && hash_mix64(1) == 0x5692161D100B05E5ull &&
                  hash_mix64(0x88FAD7C0A8FF07F2ull) == 0x494C81C1E1B4EC85ull,
              "hash_mix64: expected SplitMix64's finaliser");
}

/* ---- the hash map ---- */

Test(hashmap, insert_find_and_count) {
    HashMap m;
    hashmap_init(&m);
    int64_t v = 7;
    cr_assert(hashmap_get(&m, "a", 1, &v) == 0 && v == 7, "hashmap_get on an empty map: expected 0, value untouched");
    int added = -1;
    int64_t *p = hashmap_upsert(&m, "apple", 5, &added);
    cr_assert(added == 1 && *p == 0, "hashmap_upsert of a new key: expected added 1 and value 0, got %d and %lld",
              added, (long long)*p);
    *p = 42;
    p = hashmap_upsert(&m, "apple", 5, &added);
    cr_assert(added == 0 && *p == 42, "hashmap_upsert of a key already there: expected added 0 and 42, got %d and %lld",
              added, (long long)*p);
    /* a key is its bytes and its length: a prefix, a longer key, NUL bytes and the empty key are all different */
    const char *keys[] = {"",
                          "a",
                          "ap",
                          "appl",
                          "apple\0",
                          "\0",
                          "\0\0",
                          "a long key, past eight bytes",
                          "a long key, past eight bytes!"};
    size_t lens[] = {0, 1, 2, 4, 6, 1, 2, 28, 29};
    for (int i = 0; i < 9; i++) *hashmap_upsert(&m, keys[i], lens[i], NULL) = 100 + i;
    cr_assert(m.n == 10, "expected 10 distinct keys, got %zu", m.n);
    for (int i = 0; i < 9; i++)
        cr_assert(hashmap_get(&m, keys[i], lens[i], &v) == 1 && v == 100 + i,
                  "key %d (%zu bytes): expected value %d, got %lld", i, lens[i], 100 + i, (long long)v);
    cr_assert(hashmap_get(&m, "apple", 5, &v) == 1 && v == 42 && hashmap_get(&m, "b", 1, NULL) == 0 &&
              hashmap_get(&m, "a long key, past eight bytes?", 29, NULL) == 0);
    hashmap_free(&m);
    cr_assert(m.n == 0 && hashmap_get(&m, "apple", 5, NULL) == 0, "after hashmap_free: expected an empty map");
    *hashmap_upsert(&m, "again", 5, NULL) += 1;
    cr_assert(hashmap_get(&m, "again", 5, &v) && v == 1, "a freed map is usable again");
    hashmap_free(&m);
}

/* Many keys (the table grows many times), checked against plain arrays:
 * every value, the insertion order, copied keys. */
Test(hashmap, grows_and_keeps_insertion_order) {
    enum { N = 50000 };
    HashMap m = {0};
    Rng rng;
    rng_init(&rng, 5);
    char(*text)[24] = malloc(N * sizeof *text);
    cr_assert_not_null(text);
    size_t *len = malloc(N * sizeof *len);
    for (int i = 0; i < N; i++) {
        char buf[24];
        len[i] = (size_t)snprintf(buf, sizeof buf, "%d:%llu", i, (unsigned long long)rng_below(&rng, 1000000000));
        memcpy(text[i], buf, sizeof buf);
        int added;
        *hashmap_upsert(&m, buf, len[i], &added) = 3 * i;
        cr_assert(added == 1, "key %d (\"%s\") is new: expected added 1", i, buf);
        memset(buf, 'x', sizeof buf); /* the map must have copied the key */
    }
    for (int i = 0; i < N; i++) {
        int64_t v = -1;
        if (!hashmap_get(&m, text[i], len[i], &v) || v != 3 * i)
            cr_assert_fail("key %d (\"%s\"): expected value %d, got %lld", i, text[i], 3 * i, (long long)v);
        const uint8_t *k;
        size_t kl;
        int64_t ev = hashmap_entry(&m, (size_t)i, &k, &kl);
        if (ev != 3 * i || kl != len[i] || memcmp(k, text[i], kl) != 0)
            cr_assert_fail("hashmap_entry(%d): expected \"%s\" (inserted %d-th) with value %d", i, text[i], i, 3 * i);
    }
    cr_assert(m.n == N && m.cap >= 2 * m.n, "expected %d keys in at least twice as many slots, got %zu in %zu", N, m.n,
              m.cap);
    /* 8-byte keys, as the tokenizer's pairs: every pair (a, b) of small ids */
    HashMap pairs = {0};
    for (int32_t a = 0; a < 300; a++)
        for (int32_t b = 0; b < 300; b++) {
            int32_t key[2] = {a, b};
            *hashmap_upsert(&pairs, key, sizeof key, NULL) = a * 1000 + b;
        }
    for (int32_t a = 0; a < 300; a++)
        for (int32_t b = 0; b < 300; b++) {
            int32_t key[2] = {a, b};
            int64_t v = -1;
            if (!hashmap_get(&pairs, key, sizeof key, &v) || v != a * 1000 + b)
                cr_assert_fail("pair (%d, %d): expected %d, got %lld", a, b, a * 1000 + b, (long long)v);
        }
    hashmap_free(&pairs);
    hashmap_free(&m);
    free(text), free(len);
}

/* ---- json.h ---- */

Test(json, reads_what_import_reads) {
    const char *text = "{\"model_type\": \"gpt2\", \"n_layer\": 2, \"eps\": 1e-05, \"tie\": true, \"inner\": null,\n"
                       " \"shape\": [32, 96], \"s\": \"a\\\"b\\\\c\\u0041\\n\"}";
    Json j;
    char err[200] = "";
    cr_assert_eq(json_parse(text, strlen(text), &j, err, sizeof err), 0, "json_parse: %s", err);
    cr_assert_eq(j.type, JSON_OBJECT);
    cr_assert_eq(j.n, 7);
    cr_assert_str_eq(json_get(&j, "model_type")->str, "gpt2");
    cr_assert_eq(json_get(&j, "n_layer")->num, 2.0);
    cr_assert_float_eq(json_get(&j, "eps")->num, 1e-5, 1e-12);
    cr_assert_eq(json_get(&j, "tie")->type, JSON_BOOL);
    cr_assert_eq(json_get(&j, "tie")->num, 1.0);
    cr_assert_eq(json_get(&j, "inner")->type, JSON_NULL);
    const Json *shape = json_get(&j, "shape");
    cr_assert(shape->type == JSON_ARRAY && shape->n == 2 && shape->items[1].num == 96.0);
    cr_assert_str_eq(json_get(&j, "s")->str, "a\"b\\cA\n");
    cr_assert_null(json_get(&j, "missing"));
    cr_assert_null(json_get(shape, "model_type"), "an array has no keys");
    json_free(&j);
}

Test(json, refuses_broken_text_and_says_where) {
    const char *bad[] = {"",     "{",    "{\"a\": }",   "[1, 2,]", "{\"a\" 1}",     "\"no end", "tru",
                         "{} x", "[1e]", "\"\\u0000\"", "\"\\q\"", "\"tab\there\"", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Json j;
        char err[200] = "";
        cr_expect_eq(json_parse(bad[i], strlen(bad[i]), &j, err, sizeof err), -1, "json_parse accepted '%s'", bad[i]);
        cr_expect(strstr(err, "at byte") != NULL, "json_parse('%s'): the message should say where: %s", bad[i], err);
    }
    char deep[100];
    memset(deep, '[', sizeof deep);
    Json j;
    char err[200] = "";
    cr_expect_eq(json_parse(deep, sizeof deep, &j, err, sizeof err), -1);
    cr_expect(strstr(err, "deep") != NULL, "%s", err);
    /* only n bytes are read: the same text cut short is refused, not read on */
    const char *text = "{\"a\": 12345}";
    cr_expect_eq(json_parse(text, 9, &j, err, sizeof err), -1);
}

/* ---- the share of dictionary words (words.h) ---- */

/* A small word list in a temporary file, loaded; the path is kept for messages. */
static void small_list(WordList *w, const char *lines) {
    char path[] = "/tmp/llmlab_words_XXXXXX", err[LLMLAB_ERR_SIZE];
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "words: could not make a temporary word list");
    FILE *f = fdopen(fd, "w");
    fputs(lines, f);
    fclose(f);
    int rc = wordlist_load(w, path, err, sizeof err);
    unlink(path);
    cr_assert(rc == 0, "wordlist_load: expected the list to load, got: %s", err);
}

static WordCount count_of(const WordList *w, const char *text) {
    WordCount c = {0, 0};
    words_count(w, (const uint8_t *)text, strlen(text), &c);
    return c;
}

Test(words, what_a_word_is) {
    WordList w;
    small_list(&w, "The\r\n  dog\nwell\nknown\ndon't\nA\n\n");
    cr_assert_eq(w.words.n, 6, "wordlist_load: 6 words (blank lines skipped), got %zu", w.words.n);
    struct {
        const char *text;
        long words, known;
    } cases[] = {
        {"the dog", 2, 2},
        {"THE Dog.", 2, 2},      /* case is folded */
        {"well-known", 2, 2},    /* a hyphen ends a word */
        {"don't", 1, 1},         /* an apostrophe inside belongs to the word */
        {"'the dog'", 2, 2},     /* quotes are not part of it */
        {"the dog's", 2, 2},     /* a possessive the list does not hold */
        {"the dogs' ", 2, 1},    /* "dogs" is not in this list */
        {"' '' 42 --", 0, 0},    /* no letters, no words */
        {"R2D2", 2, 0},          /* digits split: "R", "D" */
        {"caf\xc3\xa9 a", 2, 1}, /* a non-ASCII byte ends a word: "caf", "a" */
        {"the dog the d", 4, 3}, /* a word cut short counts, unknown */
        {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        WordCount c = count_of(&w, cases[i].text);
        cr_expect(c.words == cases[i].words && c.known == cases[i].known,
                  "words_count(\"%s\"): expected %ld words, %ld known; got %ld, %ld", cases[i].text, cases[i].words,
                  cases[i].known, c.words, c.known);
    }
    WordCount c = count_of(&w, "the cat");
    cr_expect(fabs(words_rate(&c) - 50.0) < 1e-9, "words_rate: 1 of 2 is 50%%, got %g", words_rate(&c));
    WordCount none = {0, 0};
    cr_expect(words_rate(&none) == 0.0, "words_rate: no words gives 0");
    wordlist_free(&w);
}

Test(words, missing_or_empty_list_says_so) {
    WordList w;
    char err[LLMLAB_ERR_SIZE];
    cr_assert(wordlist_load(&w, "/nonexistent/words", err, sizeof err) == -1, "a missing list must fail");
    cr_expect(strstr(err, "/nonexistent/words") != NULL, "the message names the path: %s", err);
    char path[] = "/tmp/llmlab_words_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    cr_assert(wordlist_load(&w, path, err, sizeof err) == -1, "an empty list must fail");
    cr_expect(strstr(err, "no words") != NULL, "an empty list says it holds no words: %s", err);
    unlink(path);
}

/* ---- ThreadPicker ---- */

/* A picker that believes it has 2 threads, fed made-up step times: one
 * thread's steps take `one` seconds, two threads' `two`. Returns the thread
 * count of step `until`. */
static int picked_after(double one, double two, long until) {
    ThreadPicker p;
    thread_picker_init(&p);
    p.max = p.chosen = 2;
    int n = 0;
    for (long s = 0; s <= until; s++) {
        n = thread_picker_next(&p);
        if (s < until) thread_picker_done(&p, n == 1 ? one : two);
    }
    thread_picker_finish(&p); /* leave OpenMP as it was */
    return n;
}

Test(thread_picker, probes_both_counts_then_keeps_the_faster) {
    ThreadPicker p;
    thread_picker_init(&p);
    p.max = p.chosen = 2;
    int seen[THREAD_PICKER_PROBES + 2];
    for (int s = 0; s < THREAD_PICKER_PROBES + 2; s++) {
        seen[s] = thread_picker_next(&p);
        thread_picker_done(&p, seen[s] == 1 ? 1.0 : 3.0); /* one thread is faster: a busy machine */
    }
    cr_expect_eq(seen[0], 2, "step 0 runs on all threads (it pays for starting them), got %d", seen[0]);
    for (int s = 1; s <= THREAD_PICKER_PROBES; s++)
        cr_expect_eq(seen[s], s % 2 ? 1 : 2, "probe step %d: expected %d threads, got %d", s, s % 2 ? 1 : 2, seen[s]);
    cr_expect_eq(seen[THREAD_PICKER_PROBES + 1], 1, "after the probe one thread was faster, but %d were used",
                 seen[THREAD_PICKER_PROBES + 1]);
    cr_expect_eq(picked_after(1.0, 0.6, 50), 2, "two threads faster (a quiet machine): keep two");
    cr_expect_eq(picked_after(1.0, 1.4, 50), 1, "two threads slower (a busy machine): use one");
    cr_expect_eq(picked_after(1.0, 1.4, THREAD_PICKER_PERIOD + 2), 2,
                 "the next period probes again: its step 2 runs on two threads");
    thread_picker_finish(&p);
}

Test(thread_picker, changes_its_mind_when_the_machine_does) {
    ThreadPicker p;
    thread_picker_init(&p);
    p.max = p.chosen = 2;
    for (long s = 0; s < 2 * THREAD_PICKER_PERIOD; s++) {
        int n = thread_picker_next(&p);
        int busy = s < THREAD_PICKER_PERIOD; /* busy in the first period, quiet in the second */
        thread_picker_done(&p, n == 1 ? 1.0 : busy ? 1.5 : 0.6);
        if (s == THREAD_PICKER_PERIOD - 1) cr_expect_eq(p.chosen, 1, "busy period: one thread chosen");
    }
    cr_expect_eq(p.chosen, 2, "quiet again: back to two threads, got %d", p.chosen);
    thread_picker_finish(&p);
}
