"""The bad-input matrix of the llmlab program: every wrong flag, missing,
empty, truncated or foreign file, and text that is not UTF-8 gets a short
message on stderr and a non-zero exit status, never a crash or a hang.

Exit status 2: the command line is wrong (flag, argument, value out of range).
Exit status 1: the input is wrong (a file is missing, broken or foreign).
Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import pty
import random
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import unittest

BIN = os.environ.get("LLMLAB_BIN")
TEXT = "the theme of the thesis, then there these.\n" * 20 + "한글 🙂\n"
EXPORT_FILES = ["check.json", "config.json", "model.safetensors", "optimizer.safetensors", "tokenizer.bpe",
                "train.json"]
DEV_FULL = "/dev/full"          # every write to it fails with ENOSPC: a full disk for standard output


def full_disk(limit):
    """A preexec_fn: the program may not grow a file beyond `limit` bytes; a write past it fails
    with EFBIG ("File too large"), as a write to a full disk fails (SIGXFSZ is ignored, so it is
    an error to handle, not a signal that kills)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def temporary_files(folder):
    """Names under `folder` that look like a temporary file or folder left behind."""
    return [os.path.join(d, n) for d, dirs, files in os.walk(folder) for n in dirs + files if ".tmp" in n]


def odd_outputs(folder):
    """Paths that exist and are not regular files: a FIFO, a symbolic link to a file, a folder
    and, where the test may make one (as root), a device node of its own, a twin of /dev/null.
    Never the system's /dev/null: a program that replaces its output by rename, run as root,
    would replace it with a file. An output path must refuse each of them and leave it as it
    was (check_untouched)."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, "target.txt")
    with open(target, "w") as f:
        f.write("the file the link points to\n")
    odd = {"fifo": os.path.join(folder, "fifo"), "symlink": os.path.join(folder, "link"),
           "folder": os.path.join(folder, "adir"), "device": os.path.join(folder, "null")}
    if not os.path.exists(odd["fifo"]):
        os.mkfifo(odd["fifo"])
        os.symlink(target, odd["symlink"])
        os.makedirs(odd["folder"])
        try:
            os.mknod(odd["device"], 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError:
            pass
    if not os.path.exists(odd["device"]):
        del odd["device"]
    return odd


def read_all(folder):
    """{name: bytes} of the files in folder."""
    files = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            files[name] = f.read()
    return files


def check_untouched(case, odd):
    case.assertTrue(stat.S_ISFIFO(os.lstat(odd["fifo"]).st_mode), "the FIFO was replaced")
    case.assertTrue(os.path.islink(odd["symlink"]), "the symbolic link was replaced")
    with open(odd["symlink"]) as f:
        case.assertEqual(f.read(), "the file the link points to\n", "the link's file was overwritten")
    case.assertTrue(os.path.isdir(odd["folder"]), "the folder was replaced")
    if "device" in odd:
        case.assertTrue(stat.S_ISCHR(os.lstat(odd["device"]).st_mode), "the device was replaced")


def long_path(root, name):
    """A path of about 1,090 characters under root (ten folders of 100, made here, and name): an
    output there must be written at exactly that path, never at a shortened one."""
    folder = os.path.join(root, *["d" * 100] * 10)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    assert len(path) >= 1090, len(path)
    return path


def on_a_terminal(args, cwd, timeout=30, stdin=None):
    """Run args with standard output on a pseudo-terminal (and `stdin`, bytes, as its input through a pipe);
    returns (exit status, what it printed)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE, stdout=slave,
                         stderr=subprocess.PIPE, cwd=cwd)
    os.close(slave)
    if stdin is not None:
        p.stdin.write(stdin)
        p.stdin.close()
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:                 # EIO: the program closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    p.wait(timeout=timeout)
    p.stderr.close()
    return p.returncode, out


class LlmlabCase(unittest.TestCase):
    """A class of tests with its own temporary working folder, cls.dir, made
    before its tests and removed after them. run_llmlab runs the program
    there; expect checks an exit status and the message that comes with it."""

    timeout = 60

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    @classmethod
    def train_tiny(cls, layers):
        """Train a tiny GPT for 3 steps on TEXT (data/tiny) into cls.dir/r; sets cls.ckpt."""
        os.makedirs(os.path.join(cls.dir, "data", "tiny"))
        for name in ("train.txt", "val.txt"):
            with open(os.path.join(cls.dir, "data", "tiny", name), "w") as f:
                f.write(TEXT * 5 + "<|endoftext|>")
        r = cls.run_llmlab(["train", "--data", "tiny", "--vocab", "300", "--layers", str(layers), "--heads", "2",
                            "--embd", "8", "--ctx", "8", "--batch", "2", "--steps", "3", "--run", "r", "--quiet"])
        assert r.returncode == 0, r.stderr.decode()
        cls.ckpt = os.path.join(cls.dir, "r", "ckpt.bin")

    @classmethod
    def path(cls, name, data):
        p = os.path.join(cls.dir, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    @classmethod
    def run_llmlab(cls, args, stdin=b"", stdout=None, preexec_fn=None):
        """stdout: a path to write standard output to (DEV_FULL); preexec_fn: full_disk(...)."""
        out = open(stdout, "wb") if stdout else subprocess.PIPE
        try:
            return subprocess.run([BIN] + args, input=stdin, stdout=out, stderr=subprocess.PIPE,
                                  timeout=cls.timeout, cwd=cls.dir, preexec_fn=preexec_fn)
        finally:
            if stdout:
                out.close()

    def expect(self, args, code, says=None, stdin=b"", stdout=None, preexec_fn=None):
        r = self.run_llmlab(args, stdin, stdout, preexec_fn)
        err = r.stderr.decode("utf-8", "replace")
        where = f"llmlab {' '.join(args)}"
        self.assertEqual(r.returncode, code, f"{where}: exit {r.returncode}, stderr:\n{err}")
        self.assertTrue(err.strip(), f"{where}: no message on stderr")
        self.assertLessEqual(len(err.strip().splitlines()), 3 if code == 1 else 30, f"{where}: too chatty:\n{err}")
        for bad in ("Segmentation", "Assertion", "AddressSanitizer", "runtime error"):
            self.assertNotIn(bad, err, where)
        if says:
            self.assertIn(says, err, f"{where}: the message should mention {says!r}:\n{err}")
        return r


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class TokenizerBadInput(LlmlabCase):
    timeout = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.text = cls.path("text.txt", TEXT.encode())
        cls.tok = os.path.join(cls.dir, "good.bpe")
        r = cls.run_llmlab(["tokenizer", "train", "--vocab", "300", "-o", cls.tok, cls.text])
        assert r.returncode == 0, r.stderr
        with open(cls.tok, "rb") as f:
            good = f.read()
        cls.files = {
            "missing": os.path.join(cls.dir, "nope.bpe"),
            "empty": cls.path("empty.bpe", b""),
            "truncated": cls.path("trunc.bpe", good[: len(good) // 2]),
            "foreign": cls.path("foreign.bpe", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
            "folder": cls.dir,
        }
        cls.latin1 = cls.path("latin1.txt", "caf\xe9 cr\xe8me\n".encode("latin-1"))

    def test_command_line_mistakes_exit_2(self):
        cases = [
            ([], None), (["frobnicate"], "unknown command"), (["tokenizer"], "usage"),
            (["tokenizer", "frob"], "unknown subcommand"), (["tokenizer", "train", "--frob"], "unknown"),
            (["tokenizer", "train", "--vocab"], "needs a value"),
            (["tokenizer", "train", "--vocab", "100", "-o", "x", self.text], "256"),
            (["tokenizer", "train", "--vocab", "70000", "-o", "x", self.text], "65536"),
            (["tokenizer", "train", "--vocab", "12abc", "-o", "x", self.text], "whole number"),
            (["tokenizer", "train", "--vocab", "-5", "-o", "x", self.text], "whole number"),
            (["tokenizer", "train", self.text], "-o"),
            (["tokenizer", "train", "-o", os.path.join(self.dir, "x.bpe")], "text file"),
            (["tokenizer", "encode", self.text], "-t"),
            (["tokenizer", "show", "-t", self.tok, self.text, self.text], "one input"),
            (["tokenizer", "train", "--special", "", "-o", "x", self.text], "special token"),
            (["tokenizer", "train", "--vocab", "256", "-o", "x", self.text], "too small"),
        ]
        for args, says in cases:
            with self.subTest(args=args):
                self.expect(args, 2, says)

    def test_broken_tokenizer_files_exit_1(self):
        for sub in ("encode", "decode", "show"):
            for kind, path in self.files.items():
                with self.subTest(sub=sub, kind=kind):
                    self.expect(["tokenizer", sub, "-t", path], 1, path, stdin=b"hello")

    def test_missing_unreadable_and_non_utf8_input_exit_1(self):
        self.expect(["tokenizer", "train", "-o", os.path.join(self.dir, "o.bpe"), self.files["missing"]], 1,
                    "cannot open")
        for sub in ("encode", "show"):
            self.expect(["tokenizer", sub, "-t", self.tok, self.latin1], 1, "not valid UTF-8")
            self.expect(["tokenizer", sub, "-t", self.tok], 1, "not valid UTF-8", stdin=b"ok \xff\xfe")
        self.expect(["tokenizer", "train", "-o", os.path.join(self.dir, "o.bpe"), self.latin1], 1, "--raw")
        self.expect(["tokenizer", "train", "-o", "/nonexistent/dir/o.bpe", self.text], 1, "/nonexistent/dir")
        self.expect(["tokenizer", "encode", "-t", self.tok, "--out", "/nonexistent/dir/o.tok", self.text], 1,
                    "/nonexistent/dir")

    def test_bad_ids_in_decode_exit_1(self):
        for ids, says in ((b"1 2 99999", "token 3"), (b"1 x 2", "token 2"), (b"-1", "token 1"),
                          (b"3.5", "token 1")):
            with self.subTest(ids=ids):
                self.expect(["tokenizer", "decode", "-t", self.tok], 1, says, stdin=ids)

    def test_a_failed_write_to_standard_output_exits_1(self):
        ids = self.run_llmlab(["tokenizer", "encode", "-t", self.tok, self.text]).stdout
        for sub, stdin in (("encode", b"hello"), ("decode", ids), ("show", b"hello")):
            with self.subTest(sub=sub):
                self.expect(["tokenizer", sub, "-t", self.tok], 1, "No space left on device", stdin=stdin,
                            stdout=DEV_FULL)

    def test_outputs_that_are_not_regular_files_are_refused(self):
        odd = odd_outputs(os.path.join(self.dir, "odd"))
        for kind, path in odd.items():
            for args in (["tokenizer", "train", "--vocab", "260", "-o", path, self.text],
                         ["tokenizer", "encode", "-t", self.tok, "--out", path, self.text]):
                with self.subTest(kind=kind, sub=args[1]):
                    self.expect(args, 1, "not a regular file")
                    check_untouched(self, odd)

    def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary_file(self):
        folder = os.path.join(self.dir, "full")
        os.makedirs(folder)
        words = random.Random(1)
        big = self.path("big.txt", " ".join("".join(words.choice("abcdefghij") for _ in range(words.randint(2, 7)))
                                            for _ in range(6000)).encode())
        for name, args in (("t.bpe", ["tokenizer", "train", "--vocab", "400", "-o"]),
                           ("t.tok", ["tokenizer", "encode", "-t", self.tok, "--out"])):
            out = os.path.join(folder, name)
            with open(out, "wb") as f:
                f.write(b"old")
            with self.subTest(sub=args[1]):
                self.expect(args + [out, big], 1, "File too large", preexec_fn=full_disk(500))
                with open(out, "rb") as f:
                    self.assertEqual(f.read(), b"old", "a failed write must leave the old file")
                self.assertEqual(temporary_files(folder), [], "a failed write must leave no temporary file")

    def test_decode_escapes_control_bytes_on_a_terminal(self):
        raw = b"red \x1b]0;pwned\x07 \x1b[2J \xc2\x9b ok\ttab\n"
        ids = self.run_llmlab(["tokenizer", "encode", "--raw", "-t", self.tok], stdin=raw).stdout
        ids_file = self.path("escapes.ids", ids)
        code, out = on_a_terminal([BIN, "tokenizer", "decode", "-t", self.tok, ids_file], self.dir)
        self.assertEqual(code, 0, out)
        self.assertNotIn(b"\x1b", out, "decode must not send escape sequences to a terminal")
        self.assertNotIn(b"\xc2\x9b", out, "nor the C1 control U+009B (CSI)")
        for shown in (b"\\x1B]0;pwned\\x07", b"\\x1B[2J", b"\\xC2\\x9B", b"ok\ttab"):
            self.assertIn(shown, out, f"decode on a terminal should show {shown!r}")
        piped = self.run_llmlab(["tokenizer", "decode", "-t", self.tok, ids_file])
        self.assertEqual(piped.stdout, raw, "to a file or a pipe, decode writes the bytes as they are")

    def test_a_folder_as_input_says_so(self):
        self.expect(["tokenizer", "encode", "-t", self.dir], 1, "is a folder", stdin=b"hello")
        self.expect(["tokenizer", "encode", "-t", self.tok, self.dir], 1, "is a folder")

    def test_good_input_round_trips(self):
        raw = b"\xff\xfe invalid bytes, \xed\x95\x9c and <|endoftext|> too"
        enc = self.run_llmlab(["tokenizer", "encode", "--raw", "-t", self.tok], stdin=raw)
        self.assertEqual(enc.returncode, 0, enc.stderr)
        dec = self.run_llmlab(["tokenizer", "decode", "-t", self.tok], stdin=enc.stdout)
        self.assertEqual(dec.returncode, 0, dec.stderr)
        self.assertEqual(dec.stdout, raw)
        empty = self.run_llmlab(["tokenizer", "encode", "-t", self.tok], stdin=b"")
        self.assertEqual((empty.returncode, empty.stdout), (0, b""))


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class GptBadInput(LlmlabCase):
    """llmlab train, sample and export on a tiny corpus the test writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.train_tiny(layers=1)
        with open(cls.ckpt, "rb") as f:
            good = f.read()
        cls.broken = {"missing": os.path.join(cls.dir, "none.bin"),
                      "empty": cls.path("empty.bin", b""),
                      "truncated": cls.path("trunc.bin", good[:-20]),
                      "foreign": cls.path("foreign.bin", b"llmlab-bpe 1\nmode words\n")}

    def test_sample_and_export_work(self):
        r = self.run_llmlab(["sample", "--ckpt", self.ckpt, "--tokens", "5", "--seed", "3"])
        self.assertEqual(r.returncode, 0, r.stderr)
        again = self.run_llmlab(["sample", "--ckpt", self.ckpt, "--tokens", "5", "--seed", "3", "--no-cache"])
        self.assertEqual(again.stdout, r.stdout, "the KV cache must not change the text a seed gives")
        # A prompt of several tokens fills the cache in one pass (gpt_cache_prefill), and 20 tokens
        # overrun the context of 8, so the cache is refilled from the last half: same text as recomputing.
        args = ["sample", "--ckpt", self.ckpt, "--tokens", "20", "--seed", "5", "--prompt", "the ca"]
        r = self.run_llmlab(args)
        again = self.run_llmlab(args + ["--no-cache"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(again.stdout, r.stdout, "prefilling the KV cache must not change the text a seed gives")
        r = self.run_llmlab(["export", "--ckpt", self.ckpt, "--out", "exp"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "exp", "model.safetensors"), "rb") as f:
            data = f.read()
        n = int.from_bytes(data[:8], "little")
        import json
        header = json.loads(data[8:8 + n])
        end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
        self.assertEqual(8 + n + end, len(data), "safetensors: header and data sizes disagree")
        self.assertEqual(header["transformer.h.0.attn.c_attn.weight"]["shape"], [8, 24], "Conv1D: [in, out]")

    def test_command_line_mistakes_exit_2(self):
        cases = [
            (["train", "--heads", "3", "--embd", "8"], "multiple"),
            (["train", "--steps", "0"], "--steps"),
            (["train", "--lr", "abc"], "--lr"),
            (["train", "--min-lr", "0.1", "--lr", "0.01"], "--min-lr"),
            (["train", "--bogus"], "unknown"),
            (["sample", "--ckpt", self.ckpt, "--temperature", "-1"], "--temperature"),
            (["sample", "--ckpt", self.ckpt, "--top-p", "1.5"], "--top-p"),
            (["sample", "--ckpt", self.ckpt, "--top-p", "0"], "--top-p"),
            (["sample", "--ckpt", self.ckpt, "--top-k", "-2"], "--top-k"),
            (["sample", "--ckpt", self.ckpt, "--prompt", "the theme of the thesis " * 4], "longer than"),
            (["sample", "--ckpt"], "needs a value"),
            (["export", "--ckpt", self.ckpt], "--out"),
        ]
        for args, says in cases:
            with self.subTest(args=args):
                self.expect(args, 2, says)

    def test_bad_files_exit_1(self):
        for kind, path in self.broken.items():
            for cmd in (["sample", "--ckpt", path], ["export", "--ckpt", path, "--out", "x"]):
                with self.subTest(kind=kind, cmd=cmd[0]):
                    self.expect(cmd, 1, path)
        self.expect(["train", "--data", "nonexistent"], 1, "make data")
        r = subprocess.run([BIN, "sample", "--ckpt", self.ckpt, "--prompt", b"caf\xe9"], capture_output=True,
                           timeout=60, cwd=self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"UTF-8", r.stderr)


    def test_a_folder_as_checkpoint_says_so(self):
        for cmd in (["sample", "--ckpt", self.dir], ["export", "--ckpt", self.dir, "--out", "x"],
                    ["train", "--data", "tiny", "--init", self.dir, "--run", "never"]):
            with self.subTest(cmd=cmd[0]):
                self.expect(cmd, 1, "is a folder")

    def test_sample_statistics_start_a_line_and_words_are_counted(self):
        words = self.path("words.txt", b"the\ntheme\nof\n")
        for extra in ([], ["--count", "2"], ["--words", words], ["--temperature", "0", "--no-repeat-ngram", "2"]):
            with self.subTest(extra=extra):
                # stdout and stderr into one pipe: stdout is then fully buffered, stderr is not
                r = subprocess.run([BIN, "sample", "--ckpt", self.ckpt, "--tokens", "7", "--seed", "3"] + extra,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, cwd=self.dir)
                out = r.stdout.decode("utf-8", "replace")
                self.assertEqual(r.returncode, 0, out)
                self.assertRegex(out, r"(^|\n)\d+ tokens in ", "the statistics must start on a line of their own")
                if "--words" in extra:
                    self.assertRegex(out, r"\nwords: \d+ of \d+ in .*words.txt \(\d+\.\d%\)\n")
        self.expect(["sample", "--ckpt", self.ckpt, "--words", os.path.join(self.dir, "none.txt")], 1, "wamerican")

    def test_sample_to_a_full_stdout_exits_1(self):
        self.expect(["sample", "--ckpt", self.ckpt, "--tokens", "5"], 1, "No space left on device", stdout=DEV_FULL)

    def test_export_creates_parents_and_replaces_the_folder_whole(self):
        out = os.path.join(self.dir, "nested", "new", "exp")
        self.expect_ok(["export", "--ckpt", self.ckpt, "--out", out])
        before = read_all(out)
        self.assertEqual(sorted(before), EXPORT_FILES)
        r = self.expect(["export", "--ckpt", self.ckpt, "--out", out], 1, "File too large",
                        preexec_fn=full_disk(4096))
        self.assertIn(b"unchanged", r.stderr)
        after = read_all(out)
        self.assertEqual(after, before, "a full disk must leave the earlier export whole")
        self.assertEqual(temporary_files(os.path.join(self.dir, "nested")), [], "no temporary folder is left")
        self.expect_ok(["export", "--ckpt", self.ckpt, "--out", out])     # and a good run replaces it

    def test_export_refuses_what_it_would_destroy(self):
        with open(os.path.join(self.dir, "afile"), "w") as f:
            f.write("mine")
        self.expect(["export", "--ckpt", self.ckpt, "--out", "afile"], 1, "not a folder")
        os.makedirs(os.path.join(self.dir, "notes"))
        with open(os.path.join(self.dir, "notes", "todo.txt"), "w") as f:
            f.write("mine")
        self.expect(["export", "--ckpt", self.ckpt, "--out", "notes"], 1, "todo.txt")
        self.assertEqual(os.listdir(os.path.join(self.dir, "notes")), ["todo.txt"])
        os.symlink("notes", os.path.join(self.dir, "notes-link"))
        self.expect(["export", "--ckpt", self.ckpt, "--out", "notes-link"], 1, "symbolic link")

    def test_a_long_out_path_is_written_in_full(self):
        out = long_path(os.path.join(self.dir, "long"), "x" * 80)
        self.expect_ok(["export", "--ckpt", self.ckpt, "--out", out])
        self.assertEqual(sorted(os.listdir(out)), EXPORT_FILES)
        self.assertEqual(os.listdir(os.path.dirname(out)), ["x" * 80], "nothing is written at a shortened path")

    def expect_ok(self, args):
        r = self.run_llmlab(args)
        self.assertEqual(r.returncode, 0, f"llmlab {' '.join(args)}: {r.stderr.decode()}")
        return r


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class CollectBadInput(LlmlabCase):
    """llmlab collect on folders the test makes (Week 4's corpus of a domain)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, text in (("tree/a.c", "int a;\n"), ("tree/sub/b.h", "#define B 1\r\n"),
                           ("tree/notes.md", "# notes\n"), ("tree/copy.c", "int a;\n")):
            os.makedirs(os.path.dirname(os.path.join(cls.dir, name)), exist_ok=True)
            with open(os.path.join(cls.dir, name), "w", newline="") as f:
                f.write(text)
        os.makedirs(os.path.join(cls.dir, "empty"))

    def test_command_line_mistakes_exit_2(self):
        cases = [
            (["collect", "--frob", "tree"], "unknown"),
            (["collect", "tree", "--out"], "needs a value"),
            (["collect", "--max-file-kb", "0", "tree"], "--max-file-kb"),
            (["collect", "--val-percent", "60", "--test-percent", "50", "tree"], "100"),
            (["collect", "--ext", ",", "tree"], "--ext"),
        ]
        for args, says in cases:
            with self.subTest(args=args):
                self.expect(args, 2, says)

    def test_bad_input_exits_1(self):
        self.expect(["collect", "--out", "o1", "no/such/dir"], 1, "no/such/dir")
        self.expect(["collect", "--out", "o2", "empty"], 1, "nothing kept")
        self.expect(["collect", "--out", "tree/a.c/o3", "tree"], 1, "cannot make")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o2", "train.txt")), "nothing kept: nothing written")

    def test_outputs_that_are_not_regular_files_are_refused(self):
        odd = odd_outputs(os.path.join(self.dir, "oddcol"))
        for kind, path in odd.items():
            os.rename(path, os.path.join(self.dir, "oddcol", "train.txt"))
            with self.subTest(kind=kind):
                self.expect(["collect", "--out", "oddcol", "--ext", "c,h", "tree"], 1, "not a regular file")
            os.rename(os.path.join(self.dir, "oddcol", "train.txt"), path)
        check_untouched(self, odd)
        self.assertEqual(temporary_files(os.path.join(self.dir, "oddcol")), [])

    def test_a_full_disk_keeps_the_old_corpus(self):
        self.assertEqual(self.run_llmlab(["collect", "--out", "kept", "--ext", "c,h", "tree"]).returncode, 0)
        with open(os.path.join(self.dir, "tree", "big.c"), "w") as f:
            f.write("int big[] = {%s};\n" % ", ".join(str(i) for i in range(3000)))
        try:
            before = read_all(os.path.join(self.dir, "kept"))
            self.expect(["collect", "--out", "kept", "--ext", "c,h", "tree"], 1, "File too large",
                        preexec_fn=full_disk(4096))
            after = read_all(os.path.join(self.dir, "kept"))
            self.assertEqual(after, before, "a failed collect must leave the earlier corpus as it was")
        finally:
            os.remove(os.path.join(self.dir, "tree", "big.c"))

    def test_a_failed_write_to_standard_output_exits_1(self):
        self.expect(["collect", "--out", "o4", "--ext", "c,h", "tree"], 1, "No space left on device",
                    stdout=DEV_FULL)

    def test_a_small_tree(self):
        r = self.run_llmlab(["collect", "--out", "data/mine", "--ext", "c,.h", "tree"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.dir, "data", "mine")
        for name in ("train.txt", "val.txt", "test.txt", "manifest.tsv", "summary.txt", "prompts.txt"):
            self.assertTrue(os.path.isfile(os.path.join(out, name)), f"collect should write {name}")
        with open(os.path.join(out, "manifest.tsv")) as f:
            paths = sorted(line.split("\t")[2].strip() for line in f)
        self.assertEqual(paths, ["tree/a.c", "tree/sub/b.h"], "kept: the two C files, not the copy nor notes.md")
        text = b""
        for name in ("train.txt", "val.txt", "test.txt"):
            with open(os.path.join(out, name), "rb") as f:
                text += f.read()
        self.assertNotIn(b"\r", text)
        self.assertEqual(text.count(b"<|endoftext|>"), 2)
        self.assertIn(b"duplicate", r.stdout)
        self.assertIn(b"--data mine", r.stdout, "the summary says how to train on it")

    def test_secrets_are_skipped_and_named(self):
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        fake_key = "AKIA" + "QWERTYUIOPASDFGH"  # made up, and built so this file holds none
        for name, text in ((".env", "TOKEN=x\n"), ("deploy.sh", f"export AWS_ACCESS_KEY_ID={fake_key}\n"),
                           ("notes.md", "# notes\nkeep me\n"), ("todo.md", "# todo\nand me\n")):
            with open(os.path.join(home, name), "w") as f:
                f.write(text)
        r = self.run_llmlab(["collect", "--out", "home-corpus", "home"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("secrets: 2 files skipped that look like keys, tokens or passwords", out)
        self.assertIn("home/.env (an environment file)", out)
        self.assertIn("home/deploy.sh (an AWS access key)", out)
        self.assertNotIn(fake_key, out, "the summary never shows the secret")
        with open(os.path.join(self.dir, "home-corpus", "summary.txt")) as f:
            self.assertIn("secrets: 2 files skipped", f.read(), "summary.txt says it too")

    @unittest.skipUnless(os.path.isdir("/usr/include"), "no /usr/include here")
    def test_the_default_domain(self):
        r = self.run_llmlab(["collect", "--out", "inc", "--max-total-mb", "1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"budget", r.stdout, "1 MiB of /usr/include's headers: the budget stops it")
        size = sum(os.path.getsize(os.path.join(self.dir, "inc", n)) for n in ("train.txt", "val.txt", "test.txt"))
        self.assertGreater(size, 1000000, "the budget is filled up to 1 MiB")


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class Determinism(unittest.TestCase):
    """The same command and seed give the same log (timing column aside) and the
    same checkpoint, byte for byte, whatever the number of threads."""

    def test_same_run_with_one_and_two_threads(self):
        d = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(d, "data", "tiny"))
            for name in ("train.txt", "val.txt"):
                with open(os.path.join(d, "data", "tiny", name), "w") as f:
                    f.write(TEXT * 5)
            runs = []
            for threads in ("1", "2", "2"):
                run = f"r{len(runs)}"
                env = dict(os.environ, OMP_NUM_THREADS=threads)
                r = subprocess.run([BIN, "train", "--data", "tiny", "--vocab", "300", "--layers", "2", "--heads", "2",
                                    "--embd", "64", "--ctx", "32", "--batch", "8", "--steps", "12",
                                    "--eval-every", "4", "--run", run, "--quiet"],
                                   capture_output=True, timeout=120, cwd=d, env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(d, run, "log.csv")) as f:
                    log = [line.rsplit(",", 1)[0] for line in f]
                with open(os.path.join(d, run, "ckpt.bin"), "rb") as f:
                    runs.append((threads, log, f.read()))
            for threads, log, ckpt in runs[1:]:
                self.assertEqual(log, runs[0][1], f"log.csv with {threads} threads differs from 1 thread")
                self.assertEqual(ckpt, runs[0][2], f"ckpt.bin with {threads} threads differs from 1 thread")
        finally:
            shutil.rmtree(d)


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class Chatgen(LlmlabCase):
    """llmlab chatgen: both splits to their default paths, the same seed gives
    the same file, and wrong flags or unwritable paths exit 2 and 1."""

    def read(self, rel):
        with open(os.path.join(self.dir, rel), "rb") as f:
            return f.read()

    def test_both_splits_and_seeds(self):
        for split, n, path in (("train", "70", "data/chat/train.txt"), ("eval", "14", "data/chat/eval.txt")):
            with self.subTest(split=split):
                r = self.run_llmlab(["chatgen", "--split", split, "--n", n])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(path.encode(), r.stdout)
                lines = self.read(path).decode("utf-8").splitlines()
                self.assertEqual(len(lines), int(n))
                flags = {line.split("\t")[1] for line in lines}
                self.assertEqual(flags, {"seen"} if split == "train" else {"seen", "new"})
        first = self.read("data/chat/train.txt")
        self.run_llmlab(["chatgen", "--n", "70", "--seed", "9", "--out", "other/t.txt"])
        self.assertNotEqual(self.read("other/t.txt"), first, "another seed must give other dialogues")
        self.run_llmlab(["chatgen", "--n", "70", "--seed", "1", "--out", "other/t.txt"])
        self.assertEqual(self.read("other/t.txt"), first, "the same seed must give the same file")

    def test_command_line_mistakes_exit_2(self):
        for args, says in ((["--split", "test"], "train, eval or new-words"), (["--n", "-3"], "--n"),
                           (["--n", "ten"], "--n"), (["--seed"], "needs a value"), (["--frob"], "unknown"),
                           (["--out", ""], "--out")):
            with self.subTest(args=args):
                self.expect(["chatgen"] + args, 2, says)

    def test_unwritable_paths_exit_1(self):
        with open(os.path.join(self.dir, "afile"), "w") as f:
            f.write("x")
        self.expect(["chatgen", "--n", "7", "--out", "afile/x.txt"], 1, "afile")
        os.makedirs(os.path.join(self.dir, "adir"), exist_ok=True)
        self.expect(["chatgen", "--n", "7", "--out", "adir"], 1, "adir")

    def test_outputs_that_are_not_regular_files_are_refused(self):
        odd = odd_outputs(os.path.join(self.dir, "odd"))
        for kind, path in odd.items():
            with self.subTest(kind=kind):
                self.expect(["chatgen", "--n", "7", "--out", path], 1, "not a regular file")
                check_untouched(self, odd)

    def test_a_long_out_path_is_written_in_full(self):
        out = long_path(os.path.join(self.dir, "long"), "f" * 78 + ".txt")
        r = self.run_llmlab(["chatgen", "--n", "7", "--out", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(len(f.read().splitlines()), 7)
        self.assertEqual(os.listdir(os.path.dirname(out)), [os.path.basename(out)])

    def test_a_full_disk_keeps_the_old_file(self):
        out = os.path.join(self.dir, "full", "chat.txt")
        os.makedirs(os.path.dirname(out))
        with open(out, "w") as f:
            f.write("old\n")
        self.expect(["chatgen", "--n", "2000", "--out", out], 1, "File too large", preexec_fn=full_disk(4096))
        with open(out) as f:
            self.assertEqual(f.read(), "old\n")
        self.assertEqual(temporary_files(os.path.dirname(out)), [])
