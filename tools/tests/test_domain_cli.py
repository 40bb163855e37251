"""Week 4's commands on tiny models the test trains: `llmlab train --init`
(fine-tuning from a checkpoint) and `llmlab report`, with their bad-input
cases (exit 2: the command line; exit 1: the input), never a crash.

Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import stat
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

    def test_intervals_differences_and_the_domains_prompts(self):
        os.makedirs(os.path.join(self.dir, "data", "code2"), exist_ok=True)
        with open(os.path.join(self.dir, "data", "code2", "test.txt"), "w") as f:
            f.write("".join(f"static int f{i}(int x) {{ return x * {i}; }}\n<|endoftext|>" for i in range(12)))
        with open(os.path.join(self.dir, "data", "code2", "prompts.txt"), "w") as f:
            f.write("static \nreturn \n")
        # the general model twice: two models that cannot be told apart
        r = self.run_llmlab(self.report("--tuned", "general/ckpt.bin", "--out", "rep-ci", "--domain-test",
                                        "data/code2/test.txt"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "rep-ci", "report.md"), "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")  # strict: the report is valid UTF-8 whatever the samples hold
        self.assertNotRegex(text, "[\x00-\x08\x0b-\x1f\x7f]", "control characters in samples are shown as \\xNN")
        self.assertRegex(text, r"\| general \| `general/ckpt.bin` \|.*\| \d\.\d{3} \(\d\.\d{3} to \d\.\d{3}\) \|",
                         "each bits per byte comes with its interval")
        self.assertIn("## Which differences are real", text)
        self.assertIn("| domain | fine-tuned - general | +0.000 | +0.000 to +0.000 | not distinguishable |", text)
        self.assertIn("```\nstatic ", text, "the samples start from the domain's prompts.txt")
        out = r.stdout.decode()
        self.assertIn("fine-tuned and general are not distinguishable", out)
        self.assertRegex(out, r"from scratch - general = [+-]\d\.\d{3} \(95% interval", "every pair is on the terminal")
        self.assertIn("report: measuring", r.stderr.decode(), "a progress bar while it measures")

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


    def test_out_is_checked_before_any_model_is_measured(self):
        with open(os.path.join(self.dir, "afile"), "w") as f:
            f.write("mine")
        r = self.expect(self.report("--out", "afile"), 1, "--out")
        self.assertNotIn(b"measuring", r.stderr, "a bad --out must fail before the models are measured")
        os.makedirs(os.path.join(self.dir, "rep-odd"), exist_ok=True)
        fifo = os.path.join(self.dir, "rep-odd", "report.md")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        r = self.expect(self.report("--out", "rep-odd"), 1, "not a regular file")
        self.assertNotIn(b"measuring", r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO in the way is left as it was")

    def test_a_tiny_test_text_is_measured_and_said_to_be_small(self):
        with open(os.path.join(self.dir, "tiny.txt"), "w") as f:
            f.write("ab\n")
        r = self.run_llmlab(self.report("--domain-test", "tiny.txt", "--out", "rep-tiny"))
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        self.assertNotIn("sequence_nll", err, "no internal function's message")
        self.assertIn("tiny.txt is only", err, "say that the text is too short for steady numbers")

    def test_a_folder_as_text_says_so(self):
        self.expect(self.report("--domain-test", "data/code"), 1, "is a folder")

    def test_a_failed_write_to_standard_output_exits_1(self):
        r = self.run_llmlab(self.report("--out", "rep-full"), stdout=test_cli.DEV_FULL)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"No space left on device", r.stderr, "the failed write to standard output is reported")

if __name__ == "__main__":
    unittest.main()
