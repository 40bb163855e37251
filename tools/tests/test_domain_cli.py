"""Week 4's commands on tiny models the test trains: `llmlab train --init`
(fine-tuning from a checkpoint) and `llmlab report`, with their bad-input
cases (exit 2: the command line; exit 1: the input), never a crash.

Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import subprocess
import unittest

from tools.tests import test_cli

BIN, TEXT = test_cli.BIN, test_cli.TEXT


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class DomainCommands(test_cli.LlmlabCase):
    timeout = 120

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for corpus, text in (("tiny", TEXT), ("code", "static int f(int x) { return x + 1; }\n" * 40)):
            os.makedirs(os.path.join(cls.dir, "data", corpus))
            for name in ("train.txt", "val.txt", "test.txt"):
                with open(os.path.join(cls.dir, "data", corpus, name), "w") as f:
                    f.write(text * 3 + "<|endoftext|>")
        small = ["--layers", "1", "--heads", "2", "--embd", "16", "--ctx", "16", "--batch", "2", "--steps", "3",
                 "--quiet"]
        for args in (["train", "--data", "tiny", "--vocab", "300", "--run", "general"] + small,
                     ["train", "--data", "code", "--init", "general/ckpt.bin", "--batch", "2", "--steps", "3",
                      "--run", "tuned", "--quiet"],
                     ["train", "--data", "code", "--vocab", "280", "--run", "scratch"] + small):
            r = cls.run_llmlab(args)
            assert r.returncode == 0, f"llmlab {' '.join(args)}: {r.stderr.decode()}"

    def report(self, *extra):
        return ["report", "--general", "general/ckpt.bin", "--tuned", "tuned/ckpt.bin", "--scratch",
                "scratch/ckpt.bin", "--domain-test", "data/code/test.txt", "--general-text", "data/tiny/val.txt",
                "--out", "rep"] + list(extra)

    def test_fine_tuning_keeps_the_checkpoints_tokenizer(self):
        with open(os.path.join(self.dir, "tuned", "log.csv")) as f:
            self.assertEqual(len(f.read().splitlines()), 4, "3 steps and a header")
        tok_files = [n for n in os.listdir(os.path.join(self.dir, "data", "code")) if n.endswith(".tok")]
        self.assertTrue(any(n.startswith("train-") and "bpe" not in n for n in tok_files),
                        f"--init encodes the corpus with the checkpoint's tokenizer, named by its hash: {tok_files}")

    def test_report_writes_a_table_and_charts(self):
        r = self.run_llmlab(self.report())
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "rep", "report.md")) as f:
            text = f.read()
        for what in ("| general |", "| fine-tuned |", "| from scratch |", "bits per byte", "## Samples"):
            self.assertIn(what, text)
        out = r.stdout.decode()
        self.assertIn("domain bits per byte", out)

    def test_command_line_mistakes_exit_2(self):
        for args, says in ((["report", "--max-kb", "0"], "--max-kb"), (["report", "--bogus"], "unknown"),
                           (["report", "--stride", "-1"], "--stride")):
            with self.subTest(args=args):
                self.expect(args, 2, says)

    def test_bad_input_exits_1(self):
        self.expect(["train", "--data", "code", "--init", "missing.bin", "--run", "x"], 1, "missing.bin")
        self.expect(self.report("--domain-test", "data/none/test.txt"), 1, "collect")
        open(os.path.join(self.dir, "empty.txt"), "w").close()
        self.expect(self.report("--domain-test", "empty.txt"), 1, "empty")
        r = self.run_llmlab(self.report("--scratch", "missing.bin"))
        self.assertEqual(r.returncode, 1, "a missing model fails the report")
        self.assertIn(b"missing.bin", r.stderr)
        r = subprocess.run([BIN, "report", "--prompts", b"caf\xe9"], capture_output=True, timeout=60, cwd=self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"UTF-8", r.stderr)


if __name__ == "__main__":
    unittest.main()
