"""The bad-input matrix of the llmlab program: every wrong flag, missing,
empty, truncated or foreign file, and text that is not UTF-8 gets a short
message on stderr and a non-zero exit status, never a crash or a hang.

Exit status 2: the command line is wrong (flag, argument, value out of range).
Exit status 1: the input is wrong (a file is missing, broken or foreign).
Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("LLMLAB_BIN")
TEXT = "the theme of the thesis, then there these.\n" * 20 + "한글 🙂\n"


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class TokenizerBadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
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

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    @classmethod
    def path(cls, name, data):
        p = os.path.join(cls.dir, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    @staticmethod
    def run_llmlab(args, stdin=b""):
        return subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=30)

    def expect(self, args, code, says=None, stdin=b""):
        r = self.run_llmlab(args, stdin)
        err = r.stderr.decode("utf-8", "replace")
        where = f"llmlab {' '.join(args)}"
        self.assertEqual(r.returncode, code, f"{where}: exit {r.returncode}, stderr:\n{err}")
        self.assertTrue(err.strip(), f"{where}: no message on stderr")
        self.assertLessEqual(len(err.strip().splitlines()), 3 if code == 1 else 30, f"{where}: too chatty:\n{err}")
        for bad in ("Segmentation", "Assertion", "AddressSanitizer", "runtime error"):
            self.assertNotIn(bad, err, where)
        if says:
            self.assertIn(says, err, f"{where}: the message should mention {says!r}:\n{err}")

    def test_command_line_mistakes_exit_2(self):
        cases = [
            ([], None), (["frobnicate"], "unknown command"), (["tokenizer"], "usage"),
            (["tokenizer", "frob"], "unknown subcommand"), (["tokenizer", "train", "--frob"], "unknown"),
            (["tokenizer", "train", "--vocab"], "incomplete"),
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

    def test_good_input_round_trips(self):
        raw = b"\xff\xfe invalid bytes, \xed\x95\x9c and <|endoftext|> too"
        enc = self.run_llmlab(["tokenizer", "encode", "--raw", "-t", self.tok], stdin=raw)
        self.assertEqual(enc.returncode, 0, enc.stderr)
        dec = self.run_llmlab(["tokenizer", "decode", "-t", self.tok], stdin=enc.stdout)
        self.assertEqual(dec.returncode, 0, dec.stderr)
        self.assertEqual(dec.stdout, raw)
        empty = self.run_llmlab(["tokenizer", "encode", "-t", self.tok], stdin=b"")
        self.assertEqual((empty.returncode, empty.stdout), (0, b""))
