/*
 * Tests of Week 4's given code (run by `make test-common`, not graded): the
 * collector on a tree the test builds with everything a real folder can
 * throw at it: binaries, duplicates, empty, huge and unreadable files, a
 * fifo, a dangling link, a symlink loop, Windows line ends, a folder too deep.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "testing.h"
#include "tokenizer.h"

static const char *const c_and_h[] = {".c", ".h"};

static const char *at(const char *name) { return testing_dir_path(name); }

/* How many names in folder dir hold ".tmp": temporary files left behind (their names are unique,
 * NAME.tmp-XXXXXX, so a test looks for any). */
static void put(const char *name, const void *data, size_t n) { testing_write_file(at(name), data, n); }
static void put_text(const char *name, const char *text) { put(name, text, strlen(text)); }
static void folder(const char *name) { cr_assert(mkdir(at(name), 0755) == 0, "mkdir %s: %s", name, strerror(errno)); }
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "expected %s to exist: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0)
        if ((len += got) == cap - 1) buf = realloc(buf, cap *= 2);
    fclose(f);
    buf[len] = '\0';
    *n = len;
    return buf;
}

/* The same timeout as the other given suites: Criterion 2.4.1, running tests in parallel, leaks
 * 48 bytes (a failure under the sanitizers) when a suite with a longer timeout runs before one
 * with a shorter. */
TestSuite(given_collect, .timeout = 20, .fini = testing_dir_remove);

enum { N_GEN = 30 };

/* What the collector must make of the three files it changes (the others are kept as they are). */
static const struct {
    const char *path, *text, *want;
} changed[] = {
    {"tree/src/crlf.c", "line one\r\nline two\r\rlast\r", "line one\nline two\n\nlast\n"},
    {"tree/src/bom.c", "\xEF\xBB\xBFint bom;\n", "int bom;\n"},
    {"tree/src/no_newline.h", "int z = 0;", "int z = 0;\n"},
};

/* The tree of every test. Returns the number of files that must be kept. */
static int build_tree(void) {
    folder("tree"), folder("tree/src"), folder("tree/src/deep"), folder("tree/gen"), folder("tree/bin");
    folder("tree/dup1"), folder("tree/dup2"), folder("tree/loop"), folder("tree/odd");
    int kept = 0;
    put_text("tree/src/a.c", "int a;\n"), kept++;
    put_text("tree/src/b.h", "#define B 1\n/* caf\xC3\xA9, \xED\x95\x9C\xEA\xB8\x80, \xF0\x9F\x99\x82 */\n"), kept++;
    put_text("tree/src/deep/c.c", "int c(void) { return 3; }\n"), kept++;
    for (int i = 0; i < N_GEN; i++) { /* enough files that the three splits all get some */
        char name[64], text[128];
        snprintf(name, sizeof name, "tree/gen/f%02d.c", i);
        snprintf(text, sizeof text, "int f%d(int x) { return x * %d + 1; }\n", i, i);
        put_text(name, text), kept++;
    }
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) put_text(changed[i].path, changed[i].text), kept++;
    put_text("tree/dup1/same.c", "int same;\n"), kept++;
    put_text("tree/dup2/same_copy.h", "int same;\n");         /* duplicate */
    put_text("tree/dup2/same_crlf.c", "int same;\r\n");       /* duplicate once line ends are alike */
    put("tree/bin/nul.c", "int x;\0\0\x01\x02", 10);          /* binary: NUL bytes */
    put_text("tree/bin/latin1.c", "/* caf\xE9 */\n");         /* binary: not UTF-8 */
    put_text("tree/bin/surrogate.c", "/* \xED\xA0\x80 */\n"); /* binary: a UTF-16 surrogate */
    put_text("tree/odd/empty.c", "");
    static char big[10 * 1024];
    memset(big, 'x', sizeof big);
    put("tree/odd/huge.c", big, sizeof big); /* over max_file_bytes = 4 KiB */
    put_text("tree/odd/secret.c", "int secret;\n");
    cr_assert(chmod(at("tree/odd/secret.c"), 0) == 0);
    cr_assert(symlink("nowhere.c", at("tree/odd/dangling.c")) == 0);
    cr_assert(mkfifo(at("tree/odd/pipe.c"), 0644) == 0, "mkfifo: %s", strerror(errno));
    cr_assert(symlink("..", at("tree/loop/up")) == 0); /* tree/loop/up/loop/up/... */
    put_text("tree/odd/sep.c", "a\n" TOKENIZER_EOT "\nb\n");
    put_text("tree/src/notes.txt", "not C\n");                    /* extension */
    put_text("tree/src/.hidden.c", "int hidden;\n");              /* hidden */
    cr_assert(symlink("a.c", at("tree/src/z_link_to_a.c")) == 0); /* a link to a kept file: duplicate */
    return kept;
}

static void options(CollectOptions *o) {
    collect_defaults(o);
    o->exts = c_and_h, o->n_exts = 2;
    o->max_file_bytes = 4096;
}

static int run(const char *out, const CollectOptions *o, CollectStats *st) {
    const char *dirs[] = {at("tree")};
    char err[512] = "";
    int rc = collect_run(dirs, 1, at(out), o, st, err, sizeof err);
    cr_assert(rc == 0, "collect_run on the test tree: expected 0, got %d: %s", rc, err);
    return rc;
}

Test(given_collect, counts_every_reason_to_skip) {
    testing_dir_make("collect");
    int kept = build_tree();
    CollectOptions o;
    options(&o);
    CollectStats st;
    run("out", &o, &st);
    int root_reads_all = geteuid() == 0; /* root reads a chmod 000 file (CI runs as root): not unreadable then */
    long want[SKIP_COUNT] = {[SKIP_HIDDEN] = 1, [SKIP_EXTENSION] = 1, [SKIP_SPECIAL] = 1,
                             [SKIP_EMPTY] = 1,  [SKIP_HUGE] = 1,      [SKIP_UNREADABLE] = 1 + !root_reads_all,
                             [SKIP_BINARY] = 3, [SKIP_SEPARATOR] = 1, [SKIP_DUPLICATE] = 3,
                             [SKIP_LOOP] = 1};
    kept += root_reads_all; /* ...and keeps it */
    for (int r = 0; r < SKIP_COUNT; r++)
        cr_expect(st.skipped[r] == want[r], "skipped as %s: expected %ld, got %ld (first: '%s')\n  hint: %s",
                  collect_skip_name((CollectSkip)r), want[r], st.skipped[r], st.example[r],
                  "the checks run in the order of collect.h; the first that applies is counted");
    long got = st.files[0] + st.files[1] + st.files[2];
    cr_assert(got == kept, "files kept: expected %d, got %ld", kept, got);
    for (int s = 0; s < 3; s++)
        cr_expect(st.files[s] > 0, "split %d got no file out of %d (the hash should spread them)", s, kept);
    cr_assert(strstr(st.example[SKIP_SPECIAL], "pipe.c") && strstr(st.example[SKIP_HUGE], "huge.c") &&
                  strstr(st.example[SKIP_LOOP], "loop/up") && strstr(st.example[SKIP_BINARY], "bin/"),
              "each reason names its first path: special '%s', huge '%s', loop '%s', binary '%s'",
              st.example[SKIP_SPECIAL], st.example[SKIP_HUGE], st.example[SKIP_LOOP], st.example[SKIP_BINARY]);
}

/* The documents of a split file, cut at the separator: each ends with it. */
static int documents(char *text, size_t n, char **docs, int max) {
    const size_t m = strlen(TOKENIZER_EOT);
    int k = 0;
    for (char *p = text, *e; p < text + n; p = e + m) {
        e = strstr(p, TOKENIZER_EOT);
        cr_assert_not_null(e, "a split file must end with %s after its last document", TOKENIZER_EOT);
        cr_assert(k < max, "too many documents");
        *e = '\0';
        docs[k++] = p;
    }
    return k;
}

Test(given_collect, each_file_lands_in_one_split_normalised) {
    testing_dir_make("collect");
    build_tree();
    CollectOptions o;
    options(&o);
    CollectStats st;
    run("out", &o, &st);
    static const char *split_file[3] = {"out/train.txt", "out/val.txt", "out/test.txt"};
    static const char *split_word[3] = {"train", "val", "test"};
    char *docs[3][64], *text[3];
    int n_docs[3];
    for (int s = 0; s < 3; s++) {
        size_t n;
        text[s] = slurp(at(split_file[s]), &n);
        cr_assert(!memchr(text[s], '\r', n), "%s holds a \\r: every line end must become \\n", split_file[s]);
        n_docs[s] = documents(text[s], n, docs[s], 64);
        cr_assert(n_docs[s] == st.files[s], "%s: expected %ld documents, got %d", split_file[s], st.files[s],
                  n_docs[s]);
    }
    /* The manifest lists the documents in the order of the split files. */
    size_t mn;
    char *manifest = slurp(at("out/manifest.tsv"), &mn);
    char *paths[128];
    int n_paths = 0, next[3] = {0, 0, 0};
    for (char *line = strtok(manifest, "\n"); line; line = strtok(NULL, "\n")) {
        char split[8], path[400];
        size_t bytes;
        cr_assert(sscanf(line, "%7[a-z]\t%zu\t%399[^\n]", split, &bytes, path) == 3, "manifest line '%s'", line);
        int s = !strcmp(split, "train") ? 0 : !strcmp(split, "val") ? 1 : !strcmp(split, "test") ? 2 : -1;
        cr_assert(s >= 0 && next[s] < n_docs[s], "manifest line '%s': unknown split or one too many", line);
        const char *doc = docs[s][next[s]++];
        cr_assert(strlen(doc) == bytes, "%s: the manifest says %zu bytes, the document has %zu", path, bytes,
                  strlen(doc));
        for (int i = 0; i < n_paths; i++) cr_assert(strcmp(paths[i], path) != 0, "%s is in the manifest twice", path);
        paths[n_paths++] = strdup(path);
        /* the document is the file's text, normalised */
        size_t fn;
        char *want = slurp(path, &fn);
        for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
            if (strstr(path, changed[i].path)) free(want), want = strdup(changed[i].want);
        cr_assert(strcmp(doc, want) == 0, "%s (in %s): expected the text\n%s\ngot\n%s", path, split_word[s], want, doc);
        free(want);
    }
    cr_assert(n_paths == st.files[0] + st.files[1] + st.files[2], "manifest: %d lines for %ld files", n_paths,
              st.files[0] + st.files[1] + st.files[2]);
    /* No text is in two places: every document differs from every other, in all three splits. */
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < n_docs[s]; i++)
            for (int t = 0; t < 3; t++)
                for (int j = 0; j < n_docs[t]; j++)
                    cr_assert((s == t && i == j) || strcmp(docs[s][i], docs[t][j]) != 0,
                              "the text\n%s\nis in %s and in %s: a file belongs to one split only", docs[s][i],
                              split_word[s], split_word[t]);
    for (int i = 0; i < n_paths; i++) free(paths[i]);
    for (int s = 0; s < 3; s++) free(text[s]);
    free(manifest);
}

static void expect_same_file(const char *a, const char *b) {
    size_t na, nb;
    char *x = slurp(at(a), &na), *y = slurp(at(b), &nb);
    cr_assert(na == nb && memcmp(x, y, na) == 0, "%s and %s differ: the same tree must give the same bytes", a, b);
    free(x), free(y);
}

Test(given_collect, same_tree_same_bytes_and_its_own_output_is_not_collected) {
    testing_dir_make("collect");
    build_tree();
    CollectOptions o;
    options(&o);
    CollectStats a, b, c;
    run("out1", &o, &a);
    run("out2", &o, &b);
    static const char *names[] = {"train.txt", "val.txt", "test.txt", "manifest.tsv", "summary.txt"};
    for (int k = 0; k < 5; k++) {
        char x[64], y[64];
        snprintf(x, sizeof x, "out1/%s", names[k]), snprintf(y, sizeof y, "out2/%s", names[k]);
        expect_same_file(x, y);
    }
    cr_assert(testing_temp_files_in(at("out1")) == 0, "the temporary files must be renamed away");
    /* summary.txt is what collect_print_summary prints */
    FILE *f = fopen(at("printed.txt"), "wb");
    collect_print_summary(f, &a);
    fclose(f);
    expect_same_file("printed.txt", "out1/summary.txt");
    size_t n;
    char *summary = slurp(at("printed.txt"), &n);
    cr_assert(strstr(summary, "duplicate") && strstr(summary, "dup2/same_copy.h"),
              "the summary names each reason and its first path:\n%s", summary);
    free(summary);
    /* an output folder inside the tree is left out of the walk, so a second run sees the same files */
    run("tree/corpus", &o, &b);
    run("tree/corpus", &o, &c);
    cr_assert(!memcmp(&b, &c, sizeof b) && !memcmp(&a, &b, sizeof a),
              "collecting into a folder inside the tree must not collect the previous output");
}

Test(given_collect, budget_and_depth) {
    testing_dir_make("collect");
    folder("tree");
    for (int i = 0; i < 5; i++) { /* five 40-byte files; the budget holds two */
        char name[32], text[64];
        snprintf(name, sizeof name, "tree/f%d.c", i);
        snprintf(text, sizeof text, "int number_%d = %023d;\n", i, i);
        cr_assert(strlen(text) == 40);
        put_text(name, text);
    }
    put_text("tree/g.c", "int g;\n"); /* after them: 7 bytes still fit */
    char path[400] = "tree";
    for (int d = 0; d < COLLECT_MAX_DEPTH + 2; d++) {
        strcat(path, "/d");
        folder(path);
    }
    strcat(path, "/bottom.c");
    put_text(path, "int bottom;\n");
    CollectOptions o;
    options(&o);
    o.max_total_bytes = 100;
    CollectStats st;
    run("out", &o, &st);
    long kept = st.files[0] + st.files[1] + st.files[2];
    cr_assert(kept == 3 && st.skipped[SKIP_BUDGET] == 3,
              "budget of 100 bytes, five 40-byte files, then one of 7: expected 3 kept (two of 40, the 7) and 3 "
              "over budget, got %ld and %ld",
              kept, st.skipped[SKIP_BUDGET]);
    cr_assert(st.skipped[SKIP_DEEP] == 1, "a folder %d levels down: expected 1 skipped as deep, got %ld",
              COLLECT_MAX_DEPTH + 1, st.skipped[SKIP_DEEP]);
}

Test(given_collect, bad_input_is_an_error_not_a_crash) {
    testing_dir_make("collect");
    build_tree();
    CollectOptions o;
    options(&o);
    CollectStats st;
    char err[512];
    const char *missing[] = {at("no/such/folder")};
    cr_assert(collect_run(missing, 1, at("out"), &o, &st, err, sizeof err) == -1 && strstr(err, "no/such/folder"),
              "a missing folder: expected -1 and a message naming it, got '%s'", err);
    const char *tree[] = {at("tree")}, *fifo[] = {at("tree/odd/pipe.c")};
    cr_assert(collect_run(fifo, 1, at("out"), &o, &st, err, sizeof err) == -1 && strstr(err, "not a folder"),
              "a fifo as the starting point: expected -1, got '%s'", err);
    cr_assert(collect_run(tree, 1, at("tree/src/a.c/out"), &o, &st, err, sizeof err) == -1 &&
                  strstr(err, "cannot make"),
              "an output folder under a file: expected -1 and 'cannot make', got '%s'", err);
    o.val_percent = 60, o.test_percent = 50;
    cr_assert(collect_run(tree, 1, at("out"), &o, &st, err, sizeof err) == -1 && strstr(err, "percent"),
              "val 60%% + test 50%%: expected -1, got '%s'", err);
    options(&o);
    const char *md[] = {".md"};
    o.exts = md, o.n_exts = 1;
    cr_assert(collect_run(tree, 1, at("out"), &o, &st, err, sizeof err) == -1 && strstr(err, "nothing kept"),
              "no .md file in the tree: expected -1 and 'nothing kept', got '%s'", err);
    cr_assert(st.skipped[SKIP_EXTENSION] > 0, "even then the stats say what was skipped");
    cr_assert(access(at("out/train.txt"), F_OK) != 0 && testing_temp_files_in(at("out")) == 0,
              "nothing kept: nothing must be written");
}

Test(given_collect, a_full_disk_keeps_the_previous_corpus) {
    testing_dir_make("collect");
    build_tree();
    CollectOptions o;
    options(&o);
    CollectStats st;
    run("out", &o, &st);
    size_t before_n;
    char *before = slurp(at("out/train.txt"), &before_n);
    /* Pretend the disk is full: files may not grow past 100 bytes (this test runs in its own process). */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {100, 100};
    cr_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    const char *tree[] = {at("tree")};
    char err[512] = "";
    cr_assert(collect_run(tree, 1, at("out"), &o, &st, err, sizeof err) == -1 && strstr(err, "write") &&
                  strstr(err, strerror(EFBIG)),
              "a write past the size limit: expected -1 and a message with the reason (%s), got '%s'", strerror(EFBIG),
              err);
    size_t after_n;
    char *after = slurp(at("out/train.txt"), &after_n);
    cr_assert(after_n == before_n && !memcmp(before, after, before_n), "the previous train.txt must be intact");
    cr_assert(testing_temp_files_in(at("out")) == 0, "the temporary files must be removed");
    free(before), free(after);
}

/* ---- secrets: what a learner's home folder holds ---- */

/* Fixture files of a home folder, each with what the collector must do with it. The secrets
 * are made up, and built from pieces so this source file holds no whole one. */
#define PEM_BEGIN "-----BEGIN "
#define PEM_KIND "OPENSSH PRIVATE KEY-----"
static const struct {
    const char *path, *text;
    int secret; /* 1: skipped as a secret; 0: kept (or skipped for another reason, see hidden) */
} home[] = {
    {"home/.env", "DB_PASSWORD=hunter2\n", 1},
    {"home/.env.local", "X=1\n", 1},
    {"home/id_rsa", "not really a key\n", 1},
    {"home/id_ed25519", "not really a key\n", 1},
    {"home/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@host\n", 0}, /* a public key: text */
    {"home/server.pem", "certificate\n", 1},
    {"home/tls.key", "key\n", 1},
    {"home/.netrc", "machine example.com login me password pw\n", 1},
    {"home/.git-credentials", "https://me:pw@example.com\n", 1},
    {"home/credentials", "[default]\n", 1},
    {"home/credentials.json", "{}\n", 1},
    {"home/.npmrc", "//registry.npmjs.org/:_authToken=abc\n", 1},
    {"home/.pypirc", "[distutils]\nindex-servers = pypi\n", 0}, /* no password: only hidden */
    {"home/notes/key.txt", "mine:\n" PEM_BEGIN PEM_KIND "\nb3BlbnNzaC1rZXk=\n", 1},
    {"home/notes/aws.sh",
     "export AWS_ACCESS_KEY_ID=AKIA"
     "ABCDEFGHIJ234567\n",
     1},
    {"home/notes/gh.md",
     "token: ghp_"
     "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8\n",
     1},
    {"home/notes/slack.py",
     "client = Slack('xoxb-"
     "1234567890-abcdefghij')\n",
     1},
    {"home/notes/settings.py", "SECRET_KEY = 'q8Zr2LmX9vTb4NwK7pYs3HdF'\n", 1},
    {"home/notes/hex.yml", "api_token: \"3f9a1c0b7e6d5a4f3e2d1c0b9a8f7e6d\"\n", 1},
    /* text about keys that is not a secret */
    {"home/notes/prose.md", "The key = the value. Set password = getpass() and keep it.\n", 0},
    {"home/notes/kernel.h", "#define KEY_MAX 0x2ff\n\tNL80211_KEY_MAX = __NL80211_KEY_AFTER_LAST - 1,\n", 0},
    {"home/notes/brisk.txt", "a brisk-abcdefghijklmnopqrstuvwxyz0123456789 walk\n", 0}, /* not sk-... */
    {"home/notes/pem.c", "static const char *begin = \"" PEM_BEGIN "\"; /* PRIVATE KEY----- */\n", 0},
};

static int build_home(void) {
    folder("home"), folder("home/notes"), folder("home/.env.d"), folder("home/.ssh");
    put_text("home/.ssh/id_rsa", "inside a hidden folder: never looked at\n");
    int secrets = 0;
    for (size_t i = 0; i < sizeof home / sizeof home[0]; i++)
        put_text(home[i].path, home[i].text), secrets += home[i].secret;
    return secrets;
}

Test(given_collect, skips_files_that_look_like_secrets) {
    testing_dir_make("collect");
    int secrets = build_home();
    cr_assert(mkdir(at("home/.env"), 0755) != 0); /* a file already: a venv named .env is tried below */
    CollectOptions o;
    collect_defaults(&o); /* any text file, as for a folder of your own */
    CollectStats st;
    const char *dirs[] = {at("home")};
    char err[512] = "";
    cr_assert(collect_run(dirs, 1, at("out"), &o, &st, err, sizeof err) == 0, "collect_run: %s", err);
    cr_expect(st.skipped[SKIP_SECRET] == secrets, "files skipped as secrets: expected %d, got %ld (first: '%s')",
              secrets, st.skipped[SKIP_SECRET], st.example[SKIP_SECRET]);
    /* .pypirc without a password, the folders .env.d and .ssh */
    cr_expect(st.skipped[SKIP_HIDDEN] == 3, "hidden: expected 3 (.pypirc, .env.d, .ssh), got %ld",
              st.skipped[SKIP_HIDDEN]);
    size_t n;
    char *manifest = slurp(at("out/manifest.tsv"), &n), *train = slurp(at("out/train.txt"), &n);
    for (size_t i = 0; i < sizeof home / sizeof home[0]; i++) {
        const char *name = strrchr(home[i].path, '/') + 1;
        char line_end[300];
        snprintf(line_end, sizeof line_end, "/%s\n", name);
        int kept = strstr(manifest, line_end) != NULL;
        if (home[i].secret)
            cr_expect(!kept, "%s looks like a secret (%s) but was kept", home[i].path, home[i].text);
        else if (name[0] != '.')
            cr_expect(kept, "%s is no secret but was not kept", home[i].path);
    }
    cr_expect(!strstr(train, "AKIA") && !strstr(train, "ghp_") && !strstr(train, "PRIVATE KEY-----\n"),
              "no secret reaches the corpus");
    free(manifest), free(train);

    /* the summary: how many, why, the first few paths; never the secret itself */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    collect_print_summary(f, &st);
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "secrets: %d files skipped", secrets);
    cr_expect(strstr(text, want) != NULL, "the summary says how many secrets were skipped ('%s'):\n%s", want, text);
    cr_expect(strstr(text, "home/.env (an environment file)") && strstr(text, ", ..."),
              "the summary names the first secrets and why, then '...':\n%s", text);
    cr_expect(!strstr(text, "hunter2") && !strstr(text, "AKIA"), "the summary never shows a secret:\n%s", text);
    free(text);

    /* the same folder of notes with a secret-looking folder name: a venv named .env is skipped as hidden */
    cr_assert(remove(at("home/.env")) == 0 && mkdir(at("home/.env"), 0755) == 0);
    put_text("home/.env/lib.py", "x = 1\n");
    cr_assert(collect_run(dirs, 1, at("out"), &o, &st, err, sizeof err) == 0, "collect_run: %s", err);
    cr_expect(st.skipped[SKIP_SECRET] == secrets - 1 && st.skipped[SKIP_HIDDEN] == 4,
              "a folder named .env is hidden, not a secret: secrets %ld (want %d), hidden %ld (want 4)",
              st.skipped[SKIP_SECRET], secrets - 1, st.skipped[SKIP_HIDDEN]);
}

Test(given_collect, finds_secrets_in_text) {
    static const struct {
        const char *text, *want; /* want: NULL, or a word of the reason */
    } cases[] = {
        {"x\n" PEM_BEGIN "RSA PRIVATE KEY-----\n", "private key"},
        {PEM_BEGIN "PGP PRIVATE KEY BLOCK-----\n", "private key"},
        {PEM_BEGIN "CERTIFICATE-----\n", NULL}, /* a certificate is public */
        {"id = ASIA"
         "ABCDEFGHIJ234567;",
         "AWS"},
        {"AKIA"
         "ABCDEFGHIJ23456",
         NULL}, /* one character short */
        {"\"github_pat_"
         "11ABCDEFG0123456789_abcdefghijklmnop\"",
         "GitHub"},
        {"xoxp-"
         "12345-67890-abcdef",
         "Slack"},
        {"password: Zx9kQ2mP7vLw3RtY8bNc", "random value"},
        {"\"client_secret\": \"Zx9kQ2mP7vLw3RtY8bNc\"", "random value"},
        {"password: aaaaaaaaaaaaaaaaaaaaaaaa", NULL},    /* not random */
        {"monkey_name = ThisIsJustAVeryLongName", NULL}, /* no digits */
        {"hash = Zx9kQ2mP7vLw3RtY8bNc", NULL},           /* the name says nothing of secrets */
        {"key = 0123456789abcdef0123456789abcdef", "random value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = collect_find_secret(cases[i].text, strlen(cases[i].text));
        if (!cases[i].want)
            cr_expect(got == NULL, "collect_find_secret(\"%s\"): expected nothing, got '%s'", cases[i].text, got);
        else
            cr_expect(got && strstr(got, cases[i].want), "collect_find_secret(\"%s\"): expected '%s', got '%s'",
                      cases[i].text, cases[i].want, got ? got : "(nothing)");
    }
}

Test(given_collect, prompts_are_the_domains_common_line_starts) {
    const char *text = "#include <a.h>\n#include <b.h>\nstatic int x;\nstatic int y;\nstatic int z;\n"
                       "  indented line\n/* no letter */\n/* again */\n}\nint\n" TOKENIZER_EOT "def f():\n";
    char out[COLLECT_PROMPTS][COLLECT_PROMPT_SIZE];
    int n = collect_prompts((const uint8_t *)text, strlen(text), out, COLLECT_PROMPTS);
    cr_assert(n == 3, "collect_prompts: expected 3 prompts, got %d", n);
    cr_expect(!strcmp(out[0], "static") && !strcmp(out[1], "#include") && !strcmp(out[2], "def"),
              "collect_prompts: expected 'static', '#include', 'def' (most common first, ties in order), got "
              "'%s', '%s', '%s'",
              out[0], out[1], out[2]);
    cr_expect(collect_prompts((const uint8_t *)"}\n  x y\n", 8, out, 3) == 0, "no line starts with a word");

    /* collect_run writes them: prompts.txt, one a line */
    testing_dir_make("collect");
    build_tree();
    CollectOptions o;
    options(&o);
    CollectStats st;
    run("out", &o, &st);
    size_t len;
    char *prompts = slurp(at("out/prompts.txt"), &len);
    int lines = 0;
    for (const char *p = prompts; (p = strchr(p, '\n')) != NULL; p++) lines++;
    cr_expect(!strncmp(prompts, "int\n", 4) && lines >= 1 && lines <= COLLECT_PROMPTS,
              "prompts.txt of the test tree: expected 'int' (the start of its 30 generated files) first, then up to "
              "%d lines in all; got \"%s\"",
              COLLECT_PROMPTS, prompts);
    free(prompts);
}
