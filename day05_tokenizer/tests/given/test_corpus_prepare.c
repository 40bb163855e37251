/*
 * Tests of Day 5's given code (run by `make test`, not graded): making a
 * corpus's train.txt and val.txt (corpus_prepare.c) from a tiny collection of
 * fortunes that the test writes: the cleaning rules one by one, the
 * one-in-ten split, Latin-1 files, and the errors a missing or empty folder
 * gives.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "testing.h"

TestSuite(given_corpus_prepare, .timeout = 20, .fini = testing_dir_remove);

static void write_text(const char *name, const char *text) {
    testing_write_file(testing_dir_path(name), text, strlen(text));
}

/* The file's whole text (NUL-terminated), or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void expect_file(const char *path, const char *want, const char *what) {
    char *got = slurp(path);
    cr_assert_not_null(got, "%s: %s was not written", what, path);
    cr_assert(strcmp(got, want) == 0, "%s: %s\n--- expected ---\n%s\n--- got ---\n%s", what, path, want, got);
    free(got);
}

#define EOT "<|endoftext|>"

Test(given_corpus_prepare, fortunes_cleaned_deduplicated_and_split_one_in_ten) {
    testing_dir_make("fortunes");
    mkdir(testing_dir_path("src"), 0777);
    mkdir(testing_dir_path("src/subfolder"), 0777);
    write_text("src/a", "First entry.   \r\n" /* Windows line ends and trailing blanks go */
                        "  second line kept indented\n"
                        "%\n"
                        "\n   \n" /* empty lines around an entry go */
                        "Two\n\nlines apart\n"
                        "% \n"  /* a `%` with blanks around still ends an entry */
                        "\n%\n" /* an empty entry is dropped */
                        "First entry.\n  second line kept indented\n%\n" /* a repeat is dropped */
                        "has " EOT " inside\n"                           /* would fool the model: dropped */
                        "\xC2\xA0%\xC2\xA0\n"                            /* no-break spaces are whitespace too */
                        "caf\xC3\xA9 \xE3\x80\x80\n"                     /* ... and the ideographic space */
                        "%%\n"                                           /* not a separator: text */
                        "end without a line end");
    write_text("src/b", "r\xE9sum\xE9\n%\nthree\n%\nfour\n%\nfive\n%\nsix\n%\nseven\n%\neight\n%\nnine\n%\nten\n%\n");
    write_text("src/b.dat", "an index: ignored\n");
    write_text("src/a.u8", "a link: ignored\n");
    write_text("src/art", "pictures: ignored\n");
    write_text("src/subfolder/c", "in a folder: ignored\n");

    char err[600] = "", *summary = NULL;
    size_t summary_len;
    FILE *log = open_memstream(&summary, &summary_len);
    const char *out = testing_dir_path("data/fortunes");
    int rc = corpus_prepare_fortunes(testing_dir_path("src"), out, log, err, sizeof err);
    fclose(log);
    cr_assert(rc == 0, "corpus_prepare_fortunes on a tiny collection: expected 0, got %d (%s)", rc, err);

    /* b is Latin-1 (0xE9 is not UTF-8 there): read as such, written as UTF-8. The
     * tenth entry, "eight", validates; the eleven others train. */
    expect_file(testing_dir_path("data/fortunes/train.txt"),
                "First entry.\n  second line kept indented\n" EOT "Two\n\nlines apart\n" EOT
                "caf\xC3\xA9\n%%\nend without a line end\n" EOT "r\xC3\xA9sum\xC3\xA9\n" EOT "three\n" EOT "four\n" EOT
                "five\n" EOT "six\n" EOT "seven\n" EOT "nine\n" EOT "ten\n" EOT,
                "corpus_prepare_fortunes (train.txt: entries trimmed, repeats and empty ones dropped)");
    expect_file(testing_dir_path("data/fortunes/val.txt"), "eight\n" EOT,
                "corpus_prepare_fortunes (val.txt: every tenth entry)");
    char want[700];
    snprintf(want, sizeof want, "data: fortunes: 2 files, 12 entries (11 train, 1 validation) -> %s\n", out);
    cr_assert(strcmp(summary, want) == 0, "corpus_prepare_fortunes: summary line\nexpected: %sgot:      %s", want,
              summary);
    free(summary);
}

Test(given_corpus_prepare, missing_or_empty_folder_is_an_error) {
    testing_dir_make("fortunes");
    char err[600] = "";
    int rc = corpus_prepare_fortunes(testing_dir_path("nowhere"), testing_dir_path("out"), NULL, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "nowhere"),
              "corpus_prepare_fortunes on a missing folder: expected -1 and a message naming it, got %d (%s)", rc, err);
    mkdir(testing_dir_path("empty"), 0777);
    write_text("empty/only.dat", "x");
    rc = corpus_prepare_fortunes(testing_dir_path("empty"), testing_dir_path("out"), NULL, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "no fortune files"),
              "corpus_prepare_fortunes on a folder of .dat files: expected -1 and \"no fortune files\", got %d (%s)",
              rc, err);
    cr_assert(slurp(testing_dir_path("out/train.txt")) == NULL, "corpus_prepare_fortunes: nothing is written on error");
}

Test(given_corpus_prepare, split_at_the_last_line_end_before_90_percent) {
    testing_dir_make("split");
    write_text("lines.txt", "aaaa\nbbbb\ncccc\ndddd\n"); /* 20 bytes: 90% is byte 18, inside "dddd" */
    char err[600] = "";
    int rc = corpus_prepare_split(testing_dir_path("lines.txt"), testing_dir_path("lines"), NULL, err, sizeof err);
    cr_assert(rc == 0, "corpus_prepare_split: expected 0, got %d (%s)", rc, err);
    expect_file(testing_dir_path("lines/train.txt"), "aaaa\nbbbb\ncccc\n", "corpus_prepare_split (cut at a line end)");
    expect_file(testing_dir_path("lines/val.txt"), "dddd\n", "corpus_prepare_split");

    write_text("one.txt", "0123456789"); /* no line end at all: cut at 90% */
    rc = corpus_prepare_split(testing_dir_path("one.txt"), testing_dir_path("one"), NULL, err, sizeof err);
    cr_assert(rc == 0, "corpus_prepare_split: expected 0, got %d (%s)", rc, err);
    expect_file(testing_dir_path("one/train.txt"), "012345678", "corpus_prepare_split (one line: cut at 90%)");
    expect_file(testing_dir_path("one/val.txt"), "9", "corpus_prepare_split");

    rc = corpus_prepare_split(testing_dir_path("missing.txt"), testing_dir_path("m"), NULL, err, sizeof err);
    cr_assert(rc == -1 && strstr(err, "missing.txt"),
              "corpus_prepare_split on a missing file: expected -1 and its name, got %d (%s)", rc, err);
}
