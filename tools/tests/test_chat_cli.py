"""Week 3's commands end to end on a tiny model the test trains: chatgen,
tune, chat (its REPL commands driven through standard input, and --once) and
eval-chat, plus their bad-input cases (exit 2: the command line; exit 1: the
input), never a crash or a hang.

Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import unittest

from tools.tests import test_cli

BIN, TEXT = test_cli.BIN, test_cli.TEXT


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class ChatCommands(test_cli.LlmlabCase):
    timeout = 120

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.makedirs(os.path.join(cls.dir, "data", "tiny"))
        for name in ("train.txt", "val.txt"):
            with open(os.path.join(cls.dir, "data", "tiny", name), "w") as f:
                f.write(TEXT * 5 + "<|endoftext|>What is 3 plus 4? 7\n")
        steps = [
            ["train", "--data", "tiny", "--vocab", "300", "--layers", "1", "--heads", "2", "--embd", "16",
             "--ctx", "32", "--batch", "2", "--steps", "3", "--run", "base", "--quiet"],
            ["chatgen", "--n", "70", "--out", "chat/train.txt"],
            ["chatgen", "--split", "eval", "--n", "16", "--out", "chat/eval.txt"],
            ["tune", "--base", "base/ckpt.bin", "--data", "chat/train.txt", "--eval-data", "chat/eval.txt",
             "--batch", "2", "--steps", "3", "--eval-every", "3", "--run", "tuned", "--quiet"],
        ]
        for args in steps:
            r = cls.run_llmlab(args)
            assert r.returncode == 0, f"llmlab {' '.join(args)}: {r.stderr.decode()}"
        cls.base, cls.tuned = "base/ckpt.bin", "tuned/ckpt.bin"

    def test_repl_commands_behave_as_documented(self):
        script = "\n".join([
            "/help", "/system Be brief.", "/history", "hello there", "/history", "/reset", "/history",
            "/temp 0.5", "/temp abc", "/topk 5", "/topp 2", "/topp 0.9", "/bogus", "/system", "/history",
            "/quit", "this line is never read",
        ]) + "\n"
        r = self.run_llmlab(["chat", "--ckpt", self.tuned], script.encode())
        out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
        self.assertEqual(r.returncode, 0, err)
        self.assertIn("/reset", out, "/help lists the commands")
        self.assertIn("(system prompt set)", out)
        lines = out.splitlines()
        first = lines.index("system: Be brief.")
        self.assertIn("user: hello there", lines, "/history shows the user's turn")
        self.assertTrue(any(l.startswith("assistant: ") for l in lines), "/history shows the reply")
        after_reset = lines[lines.index("(conversation cleared)") + 1]
        self.assertEqual(after_reset, "system: Be brief.", "/reset keeps the system prompt and nothing else")
        self.assertIn("(temperature 0.5)", out)
        self.assertIn("(top-k 5)", out)
        self.assertIn("(top-p 0.9)", out)
        self.assertIn("(system prompt removed)", out)
        self.assertEqual(lines[-1], "(no turns yet)", "after /reset and /system with no text nothing is left")
        self.assertIn("/temp wants a number", err)
        self.assertIn("/topp wants a number", err)
        self.assertIn("unknown command /bogus", err)
        self.assertNotIn("never read", out + err, "/quit stops reading")

    def test_a_terminal_gets_control_characters_escaped(self):
        script = b"hello\x1b]0;pwned\x07 there\xc2\x9b\n/history\n"  # /history shows the turn as it was typed
        piped = self.run_llmlab(["chat", "--ckpt", self.tuned], script)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        self.assertIn(b"user: hello\x1b]0;pwned\x07 there\xc2\x9b\n", piped.stdout, "to a pipe: the bytes as they are")
        code, shown = test_cli.on_a_terminal([BIN, "chat", "--ckpt", self.tuned], self.dir, self.timeout, script)
        self.assertEqual(code, 0)
        self.assertIn(b"user: hello\\x1B]0;pwned\\x07 there\\xC2\\x9B\r\n", shown)
        for raw in (b"\x1b", b"\x07", b"\x9b"):
            self.assertNotIn(raw, shown, f"nothing raw reaches the terminal: {shown!r}")

    def test_long_conversations_are_trimmed_by_whole_turns(self):
        script = "".join(f"please reverse these words number {i} red blue green\n" for i in range(6)) + "/history\n"
        r = self.run_llmlab(["chat", "--ckpt", self.tuned, "--system", "Be brief."], script.encode())
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        self.assertIn("no longer fit the context", err, "a context of 32 tokens cannot hold six exchanges")
        out = r.stdout.decode("utf-8", "replace")
        self.assertIn("system: Be brief.", out, "the conversation keeps its system prompt")

    def test_once_is_deterministic_when_greedy(self):
        a = self.run_llmlab(["chat", "--ckpt", self.tuned, "--once"], b"What is 3 plus 4?\n")
        b = self.run_llmlab(["chat", "--ckpt", self.tuned, "--once"], b"What is 3 plus 4?\n")
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(a.stdout, b.stdout, "temperature 0 (the default) is greedy: the same reply every time")

    def test_eval_chat_prints_a_table_per_family(self):
        for args in (["eval-chat", "--ckpt", self.tuned, "--data", "chat/eval.txt"],
                     ["eval-chat", "--ckpt", self.base, "--data", "chat/eval.txt", "--examples", "chat/train.txt",
                      "--plain", "--shots", "2"]):
            r = self.run_llmlab(args)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode()
            for family in ("add", "reverse", "followup", "other", "all"):
                self.assertIn(f"| {family}", out)
            self.assertIn("out of scope: ", out, "the out-of-scope prompts get a line of their own")
            self.assertIn(" of 2 prompts", out, "two of the 16 conversations are out of scope")
            self.assertIn("eval-chat: 100% 16/16", r.stderr.decode(), "a progress bar, as training draws")
        r = self.run_llmlab(["eval-chat", "--ckpt", self.tuned, "--data", "chat/eval.txt", "--quiet"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"eval-chat:", r.stderr, "--quiet: no progress bar")

    def test_command_line_mistakes_exit_2(self):
        cases = [
            (["chat", "--ckpt", self.tuned, "--temperature", "-1"], "--temperature"),
            (["chat", "--ckpt", self.tuned, "--top-p", "1.5"], "--top-p"),
            (["chat", "--bogus"], "unknown"),
            (["tune", "--steps", "0"], "--steps"),
            (["tune", "--min-lr", "1", "--lr", "0.1"], "--min-lr"),
            (["eval-chat", "--shots", "99"], "--shots"),
            (["chatgen", "--split", "test"], "train"),
            (["chatgen", "--n", "0"], "--n"),
        ]
        for args, says in cases:
            with self.subTest(args=args):
                self.expect(args, 2, says)

    def test_bad_input_exits_1(self):
        self.expect(["chat", "--ckpt", self.base], 1, "no chat tokens")
        self.expect(["chat", "--ckpt", "missing.bin"], 1, "missing.bin")
        self.expect(["chat", "--ckpt", self.tuned, "--once"], 1, "empty", stdin=b"\n")
        self.expect(["chat", "--ckpt", self.tuned, "--once"], 1, "UTF-8", stdin=b"caf\xe9\n")
        self.expect(["eval-chat", "--ckpt", self.tuned, "--data", "missing.txt"], 1, "missing.txt")
        with open(os.path.join(self.dir, "broken.txt"), "wb") as f:
            f.write(b"add\tseen\t<|user|>no end marker\n")
        self.expect(["eval-chat", "--ckpt", self.tuned, "--data", "broken.txt"], 1, "line 1")
        self.expect(["tune", "--base", "missing.bin", "--data", "chat/train.txt"], 1, "missing.bin")
        self.expect(["tune", "--base", self.base, "--data", "missing.txt", "--run", "x"], 1, "missing.txt")
        r = self.run_llmlab(["chat", "--ckpt", self.tuned], b"caf\xe9\n/history\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"not valid UTF-8", r.stderr, "a bad line in the REPL is refused, and the REPL goes on")
        self.assertIn(b"(no turns yet)", r.stdout)


    def test_once_says_when_it_cuts_a_long_message(self):
        long = "please reverse these words: " + "red blue green " * 10
        r = self.run_llmlab(["chat", "--ckpt", self.tuned, "--once"], long.encode())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"cut", r.stderr, "a message longer than the context is cut: say so")
        short = self.run_llmlab(["chat", "--ckpt", self.tuned, "--once"], b"hi\n")
        self.assertNotIn(b"cut", short.stderr, "a short message is not cut")

    def test_empty_conversation_files_say_so(self):
        open(os.path.join(self.dir, "empty.txt"), "w").close()
        r = self.expect(["tune", "--base", self.base, "--data", "empty.txt", "--run", "never", "--quiet"], 1,
                        "empty.txt holds no conversations")
        self.assertNotIn(b"fits", r.stderr, "the message names the empty file, not the context")
        self.expect(["eval-chat", "--ckpt", self.tuned, "--data", "empty.txt"], 1, "empty.txt holds no conversations")

    def test_a_failed_write_to_standard_output_exits_1(self):
        self.expect(["eval-chat", "--ckpt", self.tuned, "--data", "chat/eval.txt", "--limit", "2"], 1,
                    "No space left on device", stdout=test_cli.DEV_FULL)
        self.expect(["chat", "--ckpt", self.tuned, "--once"], 1, "No space left on device", stdin=b"hi\n",
                    stdout=test_cli.DEV_FULL)

    def test_folders_as_inputs_say_so(self):
        os.makedirs(os.path.join(self.dir, "afolder"), exist_ok=True)
        self.expect(["chat", "--ckpt", "afolder"], 1, "is a folder")
        self.expect(["eval-chat", "--ckpt", self.tuned, "--data", "afolder"], 1, "is a folder")
        self.expect(["tune", "--base", self.base, "--data", "afolder", "--run", "never"], 1, "is a folder")

if __name__ == "__main__":
    unittest.main()
