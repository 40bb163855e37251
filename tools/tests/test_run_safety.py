"""Runs never lose work, and bad files never pass as good ones (issue 20,
the training and data side): what `llmlab train` and `tune` do with a run
folder that already holds a run, signals, a full disk, two runs in one
folder, two runs preparing one corpus, a resume that does not fit, token
caches, corpora that are not text, tokenizer files with a checksum,
`tokenizer train` on text without spaces, `make data` with a corrupted
download, a run outside the course, and a model's control characters on a
terminal.

Needs LLMLAB_BIN (the built program), set by `make test-tools`. Tiny models,
a few steps each: the whole file takes well under a minute.
"""
import fcntl
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest
import zlib

from tools.tests.test_cli import on_a_terminal

BIN = os.environ.get("LLMLAB_BIN")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXT = "the theme of the thesis, then there these.\n" * 20 + "한글 🙂\n"
TINY = ["--vocab", "300", "--layers", "1", "--heads", "2", "--embd", "8", "--ctx", "8", "--batch", "2", "--quiet"]
LONG = ["--steps", "1000000", "--eval-every", "1000000", "--ckpt-every", "1000000"]
CRASH = ("Segmentation", "Assertion", "AddressSanitizer", "runtime error", "Traceback")


def ckpt_step(path):
    """The step a checkpoint was saved at (u64 after the magic, version and kind)."""
    with open(path, "rb") as f:
        return struct.unpack_from("<Q", f.read(52), 44)[0]


def log_steps(path):
    try:
        with open(path) as f:
            return [int(line.split(",")[0]) for line in f.readlines()[1:] if line.strip()]
    except FileNotFoundError:
        return []


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class RunSafety(unittest.TestCase):
    """Each test works in its own folder with two tiny corpora, data/tiny and data/other."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for corpus, text in (("tiny", TEXT), ("other", "a quick brown fox jumps over the lazy dog.\n" * 30)):
            os.makedirs(os.path.join(self.dir, "data", corpus))
            for name in ("train.txt", "val.txt"):
                self.write(f"data/{corpus}/{name}", (text * 5 + "<|endoftext|>").encode())

    def tearDown(self):
        shutil.rmtree(self.dir)

    def p(self, rel):
        return os.path.join(self.dir, rel)

    def write(self, rel, data):
        with open(self.p(rel), "wb") as f:
            f.write(data)

    def read(self, rel):
        with open(self.p(rel), "rb") as f:
            return f.read()

    def run_llmlab(self, args, **kw):
        return subprocess.run([BIN] + args, capture_output=True, timeout=60, cwd=self.dir, **kw)

    def train(self, run, *extra, data="tiny", steps="3"):
        return self.run_llmlab(["train", "--data", data, *TINY, "--steps", steps, "--run", run, *extra])

    def expect(self, r, code, *says, absent=()):
        err = r.stderr.decode("utf-8", "replace")
        self.assertEqual(r.returncode, code, f"exit {r.returncode}, stderr:\n{err}")
        for bad in CRASH:
            self.assertNotIn(bad, err)
        for s in says:
            self.assertIn(s, err, f"the message should say {s!r}:\n{err}")
        for s in absent:
            self.assertNotIn(s, err, f"the message should not say {s!r}:\n{err}")
        return err

    @staticmethod
    def reap(proc):
        """Kill a process a failed test left running, and close its pipe."""
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

    def start_long_run(self, run, *extra):
        """A run that goes on until stopped; returns once it is inside its loop (log rows written)."""
        proc = subprocess.Popen([BIN, "train", "--data", "tiny", *TINY, *LONG, "--run", run, *extra], cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 40
        while len(log_steps(self.p(f"{run}/log.csv"))) < 2:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                self.fail(f"the run did not start: {proc.communicate()[1].decode()}")
            time.sleep(0.05)
        return proc

    # ---- a run folder that holds a run ----

    def test_a_fresh_run_refuses_a_folder_that_holds_a_run(self):
        self.expect(self.train("r"), 0)
        ckpt, log = self.read("r/ckpt.bin"), self.read("r/log.csv")
        self.expect(self.train("r"), 1, "already holds a run", "--resume", "--force")
        self.assertEqual((self.read("r/ckpt.bin"), self.read("r/log.csv")), (ckpt, log), "refused: nothing touched")
        os.makedirs(self.p("only-log"))
        self.write("only-log/log.csv", b"step,train_loss\n1,5.0\n")
        self.expect(self.train("only-log"), 1, "already holds a run (log.csv)")
        self.expect(self.train("r", "--force", steps="2"), 0)
        self.assertEqual((ckpt_step(self.p("r/ckpt.bin")), log_steps(self.p("r/log.csv"))), (2, [1, 2]),
                         "--force starts afresh")

    def test_init_or_base_equal_to_the_output_is_refused(self):
        self.expect(self.train("r"), 0)
        ckpt = self.read("r/ckpt.bin")
        for extra in (["--init", "r/ckpt.bin"], ["--init", "./r/../r/ckpt.bin", "--force"]):
            with self.subTest(extra=extra):
                self.expect(self.train("r", *extra), 1, "own checkpoint")
        self.expect(self.run_llmlab(["tune", "--base", "r/ckpt.bin", "--run", "r", "--force", "--quiet"]), 1,
                    "own checkpoint")
        self.assertEqual(self.read("r/ckpt.bin"), ckpt, "the model it starts from is untouched")

    def test_resume_without_a_checkpoint_is_an_error(self):
        self.expect(self.train("none", "--resume"), 1, "no checkpoint", absent=("step 0",))
        self.expect(self.run_llmlab(["tune", "--run", "none2", "--resume", "--quiet"]), 1, "no checkpoint")
        self.assertFalse(os.path.exists(self.p("none/log.csv")), "nothing started")

    def test_resuming_a_finished_run_says_it_is_finished(self):
        self.expect(self.train("r"), 0)
        log = self.read("r/log.csv")
        err = self.expect(self.train("r", "--resume"), 0, "already finished", "step 3 of 3", absent=("nan",))
        self.assertEqual(self.read("r/log.csv"), log)
        self.assertLessEqual(len(err.strip().splitlines()), 1, err)

    def test_a_model_only_checkpoint_is_named_as_such(self):
        self.expect(self.train("r"), 0)
        data = self.read("r/ckpt.bin")
        config, tok_len, n = struct.unpack_from("<I", data, 96)[0], *struct.unpack_from("<QQ", data, 104)
        end = 120 + config + tok_len + 4 * n                  # header, config, tokenizer, parameters
        body = bytearray(data[:end])
        struct.pack_into("<I", body, 100, 0)                  # no moments
        os.makedirs(self.p("mo"))
        self.write("mo/ckpt.bin", bytes(body) + struct.pack("<I", zlib.crc32(body)))
        self.expect(self.train("mo", "--resume", steps="6"), 1, "without its optimiser state", "--init",
                    absent=("different model",))

    def test_resume_with_another_corpus_is_refused(self):
        self.expect(self.train("r"), 0)
        ckpt = self.read("r/ckpt.bin")
        self.expect(self.train("r", "--resume", data="other", steps="6"), 1, "another tokenizer", "--data")
        self.assertEqual(self.read("r/ckpt.bin"), ckpt, "the checkpoint keeps its own tokenizer")

    # ---- signals, a second run, a full disk ----

    def test_signals_save_and_exit_with_status_130(self):
        self.expect(self.train("warm"), 0)                    # the corpus cache, so the runs below start at once
        for sig in (signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig.name):
                run = f"sig-{sig.name}"
                proc = self.start_long_run(run)
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=30)
                err = err.decode()
                self.assertEqual(proc.returncode, 130, f"an interrupted run exits with 130:\n{err}")
                self.assertIn("interrupted at step", err)
                steps = log_steps(self.p(f"{run}/log.csv"))
                self.assertEqual(ckpt_step(self.p(f"{run}/ckpt.bin")), steps[-1], "saved at the step it stopped")
        self.expect(self.train("warm", "--resume", steps="4"), 0)   # a finished run: 0

    def test_a_run_stopped_before_its_first_validation_says_so(self):
        self.expect(self.train("warm"), 0)
        proc = self.start_long_run("early")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        err = err.decode()
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("no validation yet (it runs every 1000000 steps)", err)
        self.assertNotIn("nan", err)
        step = ckpt_step(self.p("early/ckpt.bin"))             # still resumable, from where it stopped
        self.assertEqual(step, log_steps(self.p("early/log.csv"))[-1])
        proc = subprocess.Popen([BIN, "train", "--data", "tiny", *TINY, *LONG, "--run", "early", "--resume"],
                                cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 40
        while log_steps(self.p("early/log.csv"))[-1] < step + 2 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        err = err.decode()
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn(f"no validation since the resume at step {step}", err)
        self.assertNotIn("nan", err)
        self.assertGreater(ckpt_step(self.p("early/ckpt.bin")), step)

    def test_a_run_folder_is_locked_while_a_run_uses_it(self):
        self.expect(self.train("warm"), 0)
        proc = self.start_long_run("busy")
        try:
            for extra in (["--resume"], ["--force"]):
                with self.subTest(extra=extra):
                    self.expect(self.train("busy", *extra), 1, "in use by another run", f"pid {proc.pid}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130)
        self.expect(self.train("busy", "--resume", steps="1"), 0, "already finished")   # the folder is free again

    def test_a_full_disk_says_why_and_never_claims_a_save(self):
        self.expect(self.train("warm"), 0)                    # token files and tokenizer made beforehand

        def disk_of(size):                                    # files may not grow past `size` bytes (EFBIG)
            def limit():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
            return limit

        r = subprocess.run([BIN, "train", "--data", "tiny", *TINY, "--steps", "3", "--run", "full"],
                           capture_output=True, timeout=60, cwd=self.dir, preexec_fn=disk_of(16384))
        self.expect(r, 1, "File too large", "nothing was saved", absent=("checkpoint full/ckpt.bin",))
        self.assertEqual(sorted(os.listdir(self.p("full"))), [".lock", "log.csv"], "no checkpoint, no .tmp left")
        r = subprocess.run([BIN, "train", "--data", "tiny", *TINY, "--steps", "3", "--run", "tiny-log"],
                           capture_output=True, timeout=60, cwd=self.dir, preexec_fn=disk_of(100))
        self.expect(r, 1, "tiny-log/log.csv: File too large", absent=("checkpoint tiny-log/ckpt.bin",))

    # ---- caches and corpora ----

    def test_the_token_cache_follows_the_text(self):
        self.expect(self.train("a"), 0)
        cache = self.read("data/tiny/train-bpe-300.tok")
        text = self.read("data/tiny/train.txt")
        self.write("data/tiny/train.txt", text.replace(b"thesis", b"these!"))   # same length, other words
        self.expect(self.train("b"), 0)
        self.assertNotEqual(self.read("data/tiny/train-bpe-300.tok"), cache, "a changed train.txt is encoded again")

    def test_two_runs_preparing_one_corpus_do_it_once(self):
        lock = os.open(self.p("data/tiny/.lock"), os.O_RDWR | os.O_CREAT)
        fcntl.flock(lock, fcntl.LOCK_EX)                      # both runs must wait for it, so they start together
        procs = [subprocess.Popen([BIN, "train", "--data", "tiny", *TINY, "--steps", "2", "--run", run], cwd=self.dir,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for run in ("a", "b")]
        for proc in procs:
            self.addCleanup(self.reap, proc)
        time.sleep(0.5)
        self.assertEqual([p.poll() for p in procs], [None, None], "both wait while the corpus is locked")
        self.assertFalse(os.path.exists(self.p("data/tiny/bpe-300.bpe")), "nothing is made meanwhile")
        os.close(lock)
        errs = []
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            errs.append(err.decode())
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("waiting for another run that is preparing data/tiny", errs[-1])
        made = [e.count("training a 300-token BPE tokenizer") for e in errs]
        self.assertEqual(sorted(made), [0, 1], f"one run makes the tokenizer, the other reuses it:\n{errs}")
        self.assertEqual(self.read("a/ckpt.bin"), self.read("b/ckpt.bin"), "both trained on the same tokens")
        left = [n for n in os.listdir(self.p("data/tiny")) if ".tmp" in n]
        self.assertEqual(left, [], "no temporary file left")
        # started together without anyone holding the lock: still one tokenizer, the same runs
        shutil.rmtree(self.p("data/other"))
        os.makedirs(self.p("data/other"))
        for name in ("train.txt", "val.txt"):
            self.write(f"data/other/{name}", self.read(f"data/tiny/{name}"))
        procs = [subprocess.Popen([BIN, "train", "--data", "other", *TINY, "--steps", "2", "--run", run],
                                  cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for run in "cd"]
        errs = [proc.communicate(timeout=60)[1].decode() for proc in procs]
        self.assertEqual([proc.returncode for proc in procs], [0, 0], errs)
        self.assertEqual(sum(e.count("training a 300-token") for e in errs), 1, errs)
        self.assertEqual(self.read("c/ckpt.bin"), self.read("a/ckpt.bin"))
        self.assertEqual(self.read("d/ckpt.bin"), self.read("a/ckpt.bin"))

    def test_make_data_waits_for_a_run_preparing_the_corpus(self):
        lock = os.open(self.p("data/tiny/.lock"), os.O_RDWR | os.O_CREAT)
        fcntl.flock(lock, fcntl.LOCK_EX)                      # as a run making the corpus's caches holds it
        self.write("new.txt", b"a new text\n" * 50)
        proc = subprocess.Popen([BIN, "corpus", "split", "new.txt", "data/tiny"], cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(self.reap, proc)
        time.sleep(0.5)
        self.assertIsNone(proc.poll(), "llmlab corpus waits for the lock")
        self.assertEqual(self.read("data/tiny/val.txt"), (TEXT * 5 + "<|endoftext|>").encode(), "nothing written")
        os.close(lock)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"waiting for another run that is preparing data/tiny", err)
        self.assertEqual(self.read("data/tiny/val.txt"), b"a new text\n" * 5)

    def test_temporary_files_have_names_of_their_own(self):
        self.expect(self.train("r"), 0)
        for stale in ("r/ckpt.bin.tmp", "r/log.csv.tmp", "data/tiny/train.txt.tmp"):  # the fixed names of before
            os.mkdir(self.p(stale))                            # a folder there: a writer using the name fails
        self.expect(self.train("r", "--resume", steps="5"), 0)
        self.assertEqual((ckpt_step(self.p("r/ckpt.bin")), log_steps(self.p("r/log.csv"))), (5, [1, 2, 3, 4, 5]))
        r = self.run_llmlab(["corpus", "split", "data/tiny/train.txt", "data/split"])
        self.expect(r, 0)
        os.mkdir(self.p("data/split/train.txt.tmp"))
        self.expect(self.run_llmlab(["corpus", "split", "data/tiny/train.txt", "data/split"]), 0)
        for folder in ("r", "data/tiny", "data/split"):
            left = [n for n in os.listdir(self.p(folder)) if ".tmp-" in n]
            self.assertEqual(left, [], f"{folder}: nothing left behind")

    def test_a_corpus_must_be_utf8_text(self):
        for name, data, says in (("binary", b"ELF\x02\x01\x00\x00 some text\n" * 50, "NUL byte at byte 5"),
                                 ("latin1", "caf\xe9 cr\xe8me\n".encode("latin-1") * 50, "not UTF-8 text: byte 3")):
            with self.subTest(corpus=name):
                os.makedirs(self.p(f"data/{name}"))
                self.write(f"data/{name}/train.txt", data)
                self.write(f"data/{name}/val.txt", data)
                self.expect(self.train(name, data=name), 1, says, f"data/{name}/train.txt")
        bad = self.p("data/binary/train.txt")
        self.expect(self.run_llmlab(["tokenizer", "train", "-o", "b.bpe", bad]), 1, "binary file", "byte 5")
        self.expect(self.run_llmlab(["tokenizer", "train", "--raw", "--vocab", "260", "-o", "b.bpe", bad]), 0)

    def test_tokenizer_files_carry_a_checksum(self):
        r = self.run_llmlab(["tokenizer", "train", "--vocab", "300", "-o", "t.bpe", "data/tiny/train.txt"])
        self.expect(r, 0)
        good = self.read("t.bpe")
        self.assertTrue(good.startswith(b"llmlab-bpe 2\n") and b"\ncrc32 " in good, good[:40])
        last_merge = good.rindex(b"\n", 0, good.rindex(b"\ncrc32"))
        digit = good.index(b"1", good.index(b"merges ") + 10)  # a digit inside a merge line
        broken = {
            "digit": good[:digit] + b"2" + good[digit + 1:],
            "cut": good[:last_merge + 3],                      # the last merge cut short
            "no-crc": good[:good.rindex(b"crc32")],
            "version 1": b"llmlab-bpe 1\n" + good[13:good.rindex(b"crc32")],
        }
        for kind, data in broken.items():
            with self.subTest(kind=kind):
                self.write("x.bpe", data)
                self.expect(self.run_llmlab(["tokenizer", "encode", "-t", "x.bpe"], input=b"the"), 1, "x.bpe",
                            "version 1" if kind == "version 1" else "crc32" if kind != "digit" else "checksum")

    def test_tokenizer_train_on_text_without_spaces_is_near_linear(self):
        rng = random.Random(1)
        words = [bytes(rng.choice(b"etaoinshrdlucmfw") for _ in range(rng.randint(2, 8))) for _ in range(3000)]
        text = b"".join(rng.choice(words) for _ in range(300000))[:1_500_000]
        self.write("nospace.txt", text)                       # one chunk of 1.5 MB: no space, no punctuation
        before = resource.getrusage(resource.RUSAGE_CHILDREN)  # processor time: the machine may be busy
        r = self.run_llmlab(["tokenizer", "train", "--vocab", "1024", "-o", "t.bpe", "nospace.txt"])
        self.expect(r, 0)
        r = self.run_llmlab(["tokenizer", "encode", "-t", "t.bpe", "--out", "t.tok", "nospace.txt"])
        self.expect(r, 0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        took = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        # measured: 2 s, where the encoder that scans the chunk once per merge took 23 s (46 s for 3 MB)
        self.assertLess(took, 8, f"training a tokenizer on 1.5 MB without a space and encoding it took {took:.1f} s "
                                  f"of processor time: the encoding of a long chunk is not near-linear")

    # ---- make data, and a run outside the course ----

    def test_make_data_refuses_a_corrupted_file_it_cannot_fetch(self):
        os.makedirs(self.p("course/tools"))
        os.makedirs(self.p("course/data"))
        os.makedirs(self.p("fakebin"))
        shutil.copy(os.path.join(ROOT, "tools", "data.sh"), self.p("course/tools/data.sh"))
        with open(self.p("fakebin/curl"), "w") as f:
            f.write("#!/bin/sh\nexit 6\n")                    # no network
        os.chmod(self.p("fakebin/curl"), 0o755)
        self.write("course/data/tinyshakespeare.txt", b"not the text its checksum names\n")
        env = dict(os.environ, PATH=self.p("fakebin") + os.pathsep + os.environ["PATH"], LLMLAB=BIN)
        env.pop("LLMLAB_DATA_MIRROR", None)
        r = subprocess.run(["bash", "tools/data.sh"], capture_output=True, timeout=60, cwd=self.p("course"), env=env)
        err = r.stderr.decode()
        self.assertNotEqual(r.returncode, 0, err)
        self.assertIn("tinyshakespeare.txt is corrupted and could not be fetched again", err)
        self.assertFalse(os.path.exists(self.p("course/data/tinyshakespeare/train.txt")), "nothing made from it")
        self.assertEqual([n for n in os.listdir(self.p("course/data")) if ".part" in n], [], "no download left")

    def test_a_run_outside_the_course(self):
        os.makedirs(self.p("elsewhere"))
        r = subprocess.run([BIN, "train", "--data", "tinyshakespeare", "--vocab", "257", "--steps", "2"],
                           capture_output=True, timeout=60, cwd=self.p("elsewhere"))
        self.expect(r, 1, "tinyshakespeare corpus is not prepared", self.p("elsewhere"), "make data")
        if not os.path.isdir("/usr/share/games/fortunes"):
            return
        r = subprocess.run([BIN, "train", "--vocab", "257", *TINY[2:], "--steps", "2", "--run", "r"],
                           capture_output=True, timeout=60, cwd=self.p("elsewhere"))
        self.expect(r, 0)
        self.assertTrue(os.path.isfile(self.p("elsewhere/data/fortunes/train.txt")))
        self.assertEqual(ckpt_step(self.p("elsewhere/r/ckpt.bin")), 2)


    # ---- a model's text on a terminal ----

    def on_terminal(self, args):
        """Run llmlab with its standard output on a pseudo-terminal; returns (status, what the terminal got)."""
        return on_a_terminal([BIN, *args], self.dir)

    def test_control_characters_reach_a_terminal_escaped(self):
        os.makedirs(self.p("data/esc"))
        text = ("\x1b[31mred\x1b[0m \x1b]0;hi\x07 \x9b 한\n" * 200 + "<|endoftext|>").encode()
        for name in ("train.txt", "val.txt"):
            self.write(f"data/esc/{name}", text)
        r = self.run_llmlab(["train", "--data", "esc", "--vocab", "257", "--layers", "1", "--heads", "2", "--embd",
                             "16", "--ctx", "16", "--batch", "4", "--steps", "150", "--lr", "1e-2", "--quiet",
                             "--run", "esc"])
        self.expect(r, 0)
        args = ["sample", "--ckpt", "esc/ckpt.bin", "--temperature", "0", "--tokens", "60", "--prompt", "x\x1b[2J"]
        piped = self.run_llmlab(args)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        self.assertTrue(piped.stdout.startswith(b"x\x1b[2J"), piped.stdout)
        model = piped.stdout[len(b"x\x1b[2J"):]
        self.assertIn(b"\x1b", model, "to a pipe the model's bytes go as they are (it learnt to write ESC)")
        code, shown = self.on_terminal(args)
        self.assertEqual(code, 0)
        self.assertTrue(shown.startswith(b"x\\x1B[2J"), shown)  # the prompt's ESC too
        self.assertNotIn(b"\x1b", shown, f"no raw ESC reaches the terminal: {shown!r}")
        self.assertNotIn(b"\x07", shown)
        self.assertIn(b"\\x1B[31mred", shown)
        self.assertIn("한".encode(), shown, "a character the byte-level model wrote byte by byte stays whole")
        self.assertIn(b"\\xC2\\x9B", shown, "a C1 control (U+009B, a one-byte ESC [) is shown too")
        # decode follows the same rule
        ids = " ".join(str(b) for b in "\x1b[2J 한\x9b".encode())
        self.write("ids.txt", ids.encode())
        code, shown = self.on_terminal(["tokenizer", "decode", "-t", "data/esc/bpe-257.bpe", "ids.txt"])
        self.assertEqual(code, 0)
        self.assertEqual(shown, "\\x1B[2J 한\\xC2\\x9B".encode())


if __name__ == "__main__":
    unittest.main()
