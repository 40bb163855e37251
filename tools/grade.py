#!/usr/bin/env python3
"""The grader: build a lesson's tests against your code, run them, explain the result.

    grade.py day1                    grade your files of Day 1 (make check-day1)
    grade.py --mine day1             ...linking your own earlier lessons too (MINE=1)
    grade.py --progress --all        one line per lesson (make progress)
    grade.py --reference --expect all-pass --all      the course's own checks
    grade.py --pristine DIR --expect none-pass --all  (make test)

How it stays robust against the code it grades:
- each exercise file is compiled alone first; its global symbols must equal
  the reference's (nm), so a deleted stub, a non-static helper or a stray
  main() is reported in words instead of as a linker error;
- Criterion runs every test in its own process with a time limit, so a crash
  or an endless loop is one failed test;
- results come from Criterion's XML report; a missing report counts as 0, and
  a test that "passed" without checking anything (an exit() call) fails;
- a test that reached a TODO_UNIMPLEMENTED() is "not started", found by
  re-running it alone and reading its stderr.
"""
import argparse
import hashlib
import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons as lesson_list  # noqa: E402  (tools/lessons.py)
import skeletonize  # noqa: E402  (tools/skeletonize.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TODO_MARKER = "not implemented yet: "   # common/todo.h
TODO_EXIT = 86
EXIT_MARKER = "llmlab-grade: exit("      # tools/grade_exit.c, linked into every graded test program
RUN_TIMEOUT = 600                        # seconds for a whole test binary (tests have their own)
LIST_TIMEOUT = int(os.environ.get("LLMLAB_LIST_TIMEOUT", "30"))  # seconds for `--list` (only constructors run first)
RERUN_TIMEOUT = 120                      # seconds for one test run again alone
OUTPUT_LIMIT = 256 * 1024                # bytes of a test's output the grader keeps
# An exercise file: a skeleton's TODO bodies leave parameters unused; a
# helper of the learner's that is not static would clash with the library.
EXERCISE_FLAGS = ("-Wno-unused-parameter", "-Werror=missing-prototypes")


# ---------------------------------------------------------------- lessons

class Lesson:
    def __init__(self, ident, folder, title, index):
        self.id, self.folder, self.title, self.index = ident, folder, title, index

    def exercise_names(self):
        """File names (value.c) of the exercise files: those with a reference in solutions/."""
        d = os.path.join(ROOT, "solutions", self.folder)
        return sorted(n for n in os.listdir(d) if n.endswith(".c")) if os.path.isdir(d) else []

    def test_sources(self, given=False):
        """The graded tests (tests/test_*.c), or with given=True the tests of
        the lesson's given code (tests/given/test_*.c)."""
        d = os.path.join(ROOT, self.folder, "tests", *(["given"] if given else []))
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, n) for n in os.listdir(d)
                      if n.startswith("test_") and n.endswith(".c"))

    def demo_sources(self):
        d = os.path.join(ROOT, self.folder)
        return sorted(os.path.join(d, n) for n in os.listdir(d)
                      if n.startswith("demo_") and n.endswith(".c"))


def load_lessons():
    return [Lesson(ident, folder, title, i) for i, (ident, folder, title) in enumerate(lesson_list.load(ROOT))]


def find_lesson(lessons, name):
    name = name.strip().rstrip("/")
    for l in lessons:
        if name in (l.id, l.folder, l.id.replace("day", ""), "check-" + l.id):
            return l
    known = ", ".join(l.id for l in lessons)
    die(f"no lesson called '{name}'. Lessons so far: {known}")


# ---------------------------------------------------------------- output

COLOR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None


def paint(text, code):
    return f"\033[{code}m{text}\033[0m" if COLOR else text


GREEN, RED, YELLOW, DIM, BOLD = "32", "31", "33", "2", "1"


def die(msg, code=2):
    print(f"grade: {msg}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------- building

class Builder:
    def __init__(self, args):
        self.cc = shlex.split(args.cc)
        self.cflags = shlex.split(args.cflags)
        self.ldlibs = shlex.split(args.ldlibs)
        self.build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build
        self.cflags += [f'-DLLMLAB_ROOT="{ROOT}"', f'-DLLMLAB_BUILD="{self.build}"']
        self.sanitized = any(f.startswith("-fsanitize=") and "address" in f for f in self.cflags)
        self.replace = dict(r.split("=", 1) for r in (args.replace or []))
        self.given = args.given

    def compile(self, src, obj, extra=()):
        """Compile src to obj (with `extra` flags after the build's). Returns (ok, compiler output)."""
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        # a path relative to the root makes __FILE__ (and so every message) short
        cmd = self.cc + self.cflags + list(extra) + ["-c", os.path.relpath(src, ROOT), "-o", obj]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace")
        with open(obj[:-2] + ".diag", "w", encoding="utf-8") as f:   # `make test` fails on any warning
            f.write(p.stdout + p.stderr)
        return p.returncode == 0, p.stdout + p.stderr

    def exit_reporter(self):
        """tools/grade_exit.c compiled: test programs link it with -Wl,--wrap=exit."""
        obj = os.path.join(self.build, "grade", "grade_exit.o")
        src = os.path.join(ROOT, "tools", "grade_exit.c")
        if not os.path.exists(obj) or os.path.getmtime(obj) < os.path.getmtime(src):
            ok, out = self.compile(src, obj)
            if not ok:
                die(f"tools/grade_exit.c does not compile:\n{out}")
        return obj

    def link_test(self, objs, out):
        return self.link(objs + [self.exit_reporter(), "-Wl,--wrap=exit"], out)

    def link(self, objs, out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        # link to a temporary name, then rename: a watch-mode grader running the
        # previous binary at the same moment keeps its copy ("text file busy" otherwise)
        tmp = f"{out}.{os.getpid()}.tmp"
        cmd = self.cc + objs + ["-o", tmp] + self.ldlibs
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace")
        if p.returncode == 0:
            os.replace(tmp, out)
        return p.returncode == 0, p.stdout + p.stderr

    def pristine_object(self, lesson, name):
        """The pristine skeleton of an exercise file, compiled with the learner's flags.

        Its global symbols are what the learner's file must define. The
        reference object is no guide: how it is optimised may add symbols
        (GCC's `f.resolver` of a function cloned per CPU) that no skeleton has."""
        ref = f"solutions/{lesson.folder}/{name}"
        with open(os.path.join(ROOT, ref), encoding="utf-8") as f:
            text = skeletonize.derive(f.read(), ref)
        src = os.path.join(self.build, "grade", "skeleton", lesson.folder, name)
        flags = hashlib.sha256(" ".join(self.cc + self.cflags).encode()).hexdigest()[:10]
        obj = f"{src[:-2]}.{flags}.o"   # rebuilt when the flags change
        os.makedirs(os.path.dirname(src), exist_ok=True)
        if not os.path.exists(src) or open(src, encoding="utf-8").read() != text:
            with open(src, "w", encoding="utf-8") as f:
                f.write(text)
        if not os.path.exists(obj) or os.path.getmtime(obj) < os.path.getmtime(src):
            ok, out = self.compile(src, obj, EXERCISE_FLAGS)
            if not ok:
                die(f"the pristine skeleton of {lesson.folder}/{name} does not compile:\n{out}")
        return obj


def global_symbols(obj):
    """Names of the functions and variables an object file defines for other files."""
    p = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True)
    if p.returncode != 0:
        die(f"nm failed on {obj}: {p.stderr.strip()}")
    return {parts[2] for parts in (l.split() for l in p.stdout.splitlines()) if len(parts) == 3}


def symbol_problems(mine_obj, pristine_obj, shown_name):
    """Why the learner's object cannot stand in for the reference's, as sentences."""
    mine, ref = global_symbols(mine_obj), global_symbols(pristine_obj)
    problems = []
    if "main" in mine:
        problems.append(f"{shown_name} defines main(): the tests bring their own. Move your "
                        "experiments into a demo file (or a separate file), then grade again.")
    for sym in sorted(ref - mine):
        problems.append(f"{shown_name} lost {sym}: restore its definition (the skeleton's stub: "
                        f"`git show HEAD:{shown_name}`), even if it only calls TODO_UNIMPLEMENTED().")
    for sym in sorted(mine - ref - {"main"}):
        problems.append(f"{shown_name} defines {sym}, which other files could see: make it "
                        f"`static` (a helper of this file only), or rename it.")
    return problems


# ---------------------------------------------------------------- the three kinds of source

def exercise_paths(lesson, mode, pristine_dir, replace=None):
    """(shown name, path) of each exercise file of a lesson in the given mode.
    In reference mode only the files named in `replace` ({shown: path}) count."""
    out = []
    for name in lesson.exercise_names():
        rel = f"{lesson.folder}/{name}"
        if replace and rel in replace:
            out.append((rel, os.path.abspath(replace[rel])))
        elif mode == "pristine":
            out.append((rel, os.path.join(pristine_dir, lesson.folder, name)))
        elif mode == "learner":
            out.append((rel, os.path.join(ROOT, rel)))
    return out


def learner_objects(b, lessons, target, mode, mine, pristine_dir, report):
    """Compile the exercise files that replace the reference when grading `target`.
    Returns (objects, problems); problems are sentences for the learner."""
    if mode == "reference" and not b.replace:
        return [], []
    # mine: True links the learner's files of every earlier lesson, a list links those lessons'
    chosen = list(mine) if isinstance(mine, list) else [l for l in lessons if l.index < target.index] if mine else []
    chosen.append(target)
    objs, problems = [], []
    for lesson in chosen:
        for shown, path in exercise_paths(lesson, mode, pristine_dir, b.replace):
            obj = os.path.join(b.build, "grade", mode, shown[:-2] + ".o")
            if not os.path.exists(path):
                problems.append(f"{shown} is missing: `git checkout -- {shown}` restores the skeleton")
                continue
            ok, out = b.compile(path, obj, EXERCISE_FLAGS)
            if out.strip() and report:
                print(paint(out.rstrip(), YELLOW if ok else RED))
            if not ok:
                unprototyped = sorted(set(re.findall(r"no previous prototype for [‘'`](\w+)", out)))
                for name in unprototyped:
                    problems.append(f"{shown} defines {name}(), which no header declares: make it `static` "
                                    "(a helper of this file only)")
                if not unprototyped or re.search(r"\berror:(?!.*missing-prototypes)", out):
                    problems.append(f"{shown} does not compile: fix the first error above, then grade again")
                continue
            problems += symbol_problems(obj, b.pristine_object(lesson, os.path.basename(path)), shown)
            objs.append(obj)
    return objs, problems


# ---------------------------------------------------------------- running Criterion

def source_order(test_src):
    """{(suite, test): position} as the tests are written in their file (the lesson's order)."""
    with open(test_src, encoding="utf-8", errors="replace") as f:
        found = re.findall(r"^Test\(\s*(\w+)\s*,\s*(\w+)", f.read(), re.M)
    return {key: i for i, key in enumerate(found)}


def run_capped(cmd, timeout, limit=OUTPUT_LIMIT):
    """Run cmd with stdout and stderr merged; keep at most `limit` bytes of what it
    prints (a test that prints without end must not fill the memory).
    Returns (exit status or None on timeout, text, bytes left out)."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    kept, dropped, deadline = bytearray(), 0, time.monotonic() + timeout
    fd = p.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            p.kill()
            p.wait()
            return None, kept.decode("utf-8", "replace"), dropped
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        room = max(0, limit - len(kept))
        kept += chunk[:room]
        dropped += len(chunk) - min(room, len(chunk))
    p.stdout.close()
    return p.wait(), kept.decode("utf-8", "replace"), dropped


class StartFailure(Exception):
    """The test program could not even list its tests: why, in words."""


def list_tests(binary):
    """[(suite, test)] in the binary, from `--list`."""
    status, text, _ = run_capped([binary, "--list"], LIST_TIMEOUT)
    if status is None:
        raise StartFailure(f"the test program did not start within {LIST_TIMEOUT} s: code that runs before "
                           "main() (a constructor, __attribute__((constructor))?) never returns")
    tests, suite = [], None
    for line in text.splitlines():
        m = re.match(r"^(\S+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
            continue
        m = re.match(r"^[├└]── (\S+)", line)
        if m and suite:
            tests.append((suite, m.group(1)))
    if status != 0 or not tests:
        said = [l for l in text.splitlines() if l.strip()][:5]
        raise StartFailure(f"the test program ended before it ran a test (exit status {status}): code that runs "
                           "before main() (a constructor?) stopped it" + ("; it printed: " + " | ".join(said) if said else ""))
    return tests


def repair_xml(raw):
    """Criterion 2.4.1 wraps only the first line of a failure message in CDATA;
    later lines go into the XML as they are, so a `<` or `&` in them breaks it.
    Escape what lies outside CDATA inside each <failure> element, and drop
    bytes XML cannot hold."""
    text = raw.decode("utf-8", "replace")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", text)

    def escape_outside_cdata(body):
        parts = re.split(r"(<!\[CDATA\[.*?\]\]>)", body, flags=re.S)
        for i in range(0, len(parts), 2):
            parts[i] = re.sub(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);)", "&amp;", parts[i])
            parts[i] = parts[i].replace("<", "&lt;")
        return "".join(parts)

    return re.sub(r"(<(failure|error)\b[^>]*>)(.*?)(</\2>)",
                  lambda m: m.group(1) + escape_outside_cdata(m.group(3)) + m.group(4), text, flags=re.S)


def parse_xml(path):
    """{(suite, test): (status, assertions, message)} from a Criterion --xml report."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        root = ET.fromstring(repair_xml(raw))
    except ET.ParseError:
        return {}   # every test then reads "no result", with the reason
    results = {}
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            status = case.get("status", "")
            message = ""
            for child in case:
                if child.tag in ("failure", "error"):
                    text = "".join(child.itertext()).strip()
                    message = text if text else child.get("message", "")
                    if child.tag == "error":
                        status = "TIMEOUT" if child.get("type") == "timeout" else "CRASHED"
            results[(suite.get("name"), case.get("name"))] = (
                status, int(case.get("assertions", "0") or 0), message)
    return results


def clean_message(msg):
    """Criterion prefixes each assertion with file:line (the test's, or the
    harness's common/testing.h); keep the learner's part."""
    lines = []
    for i, line in enumerate(msg.splitlines()):
        # Criterion indents a message's later lines by 8 spaces: drop those, keep the message's own
        line = line.strip() if i == 0 else re.sub(r"^ {8}", "", line.rstrip())
        line = re.sub(r"^\S+\.[ch]:\d+: ", "", line)
        if line.strip() and not re.match(r"^\d+ assertion\(s\) failed\.$", line.strip()):
            lines.append(line)
    return lines


HARNESS_LINES = ("[----]", "[FAIL]", "[====]", "[PASS]", "[SKIP]", "[ERR ]", "[WARN]", "[RUN ]",
                 "error:", "  hint:", TODO_MARKER, EXIT_MARKER)


def rerun_alone(binary, suite, test):
    """Run one test by itself; return (everything it printed, the lines the tested code printed itself)."""
    status, text, dropped = run_capped([binary, f"--filter={suite}/{test}", "--jobs=1"], RERUN_TIMEOUT)
    own = [l for l in text.splitlines() if l.strip() and not l.startswith(HARNESS_LINES)
           and not l.startswith(("==", "    #", "SUMMARY: ", "Direct leak", "Indirect leak"))]
    return text, own, dropped


def lesson_id_of(binary):
    """The lesson id (day2) of a test binary built under build/.../<folder>/test_x."""
    folder = os.path.basename(os.path.dirname(binary))
    for lesson in load_lessons():
        if lesson.folder == folder:
            return lesson.id
    return "<lesson>"


class Outcome:
    def __init__(self, suite, test, kind, detail=()):
        self.suite, self.test, self.kind, self.detail = suite, test, kind, list(detail)


def leak_report(text):
    """The first lines of a LeakSanitizer report in text, or []."""
    i = text.find("LeakSanitizer: detected memory leaks")
    if i < 0:
        return []
    lines = [l.strip() for l in text[i:].splitlines()[1:] if l.strip()]
    return ["memory leaked; LeakSanitizer says:"] + ["  " + l for l in lines[:6]]


def sanitizer_report(text):
    """What AddressSanitizer or UBSan said about a test, in a few lines that
    name the function and line at fault, or []."""
    ub = re.search(r"^(\S+:\d+:\d+): runtime error: (.*)$", text, re.M)
    if ub:
        return [f"UndefinedBehaviorSanitizer stopped the test at {ub.group(1)}: {ub.group(2)}"]
    err = re.search(r"ERROR: AddressSanitizer: (\S+)", text)
    if not err:
        return []
    lines = [f"AddressSanitizer: {err.group(1)}"]
    access = re.search(r"^(READ|WRITE) of size \d+", text, re.M)
    if access:
        lines[0] += f" ({access.group(0)})"
    stack = text[err.end():].split("\n\n")[0]   # the access's stack, before the memory's description
    frames = re.findall(r"^\s+#\d+ 0x[0-9a-f]+ in (\S+) (\S+:\d+)", stack, re.M)
    shown = 0
    for func, where in frames:
        if "libcriterion" in where or "sanitizer" in where or func.startswith(("__", "criterion_")):
            continue
        lines.append(f"  {'in' if shown == 0 else 'called from'} {re.sub(r'_impl$', ' (the test)', func)} ({where})")
        shown += 1
        if shown == 4:
            break
    var = re.search(r"'(\w+)'(?: \(line \d+\))? <== Memory access at offset \d+ (\w+) this variable", text)
    if var:
        lines.append(f"  the access {var.group(2)} the array '{var.group(1)}' (an index past its end?)")
    return lines


def run_tests(binary, xml_path, sanitized=False):
    """Run every test of a binary; return [Outcome] in listing order."""
    expected = list_tests(binary)
    if os.path.exists(xml_path):
        os.remove(xml_path)
    status, text, _ = run_capped([binary, f"--xml={xml_path}", "--jobs=2"], RUN_TIMEOUT)
    results = parse_xml(xml_path) if os.path.exists(xml_path) else {}
    outcomes = []
    for suite, test in expected:
        if (suite, test) not in results:
            why = ("the test program ran past its overall time limit" if status is None else
                   "the test program did not report (a stray main(), or it was killed)")
            outcomes.append(Outcome(suite, test, "failed", [f"no result: {why}"]))
            continue
        status_, asserts, message = results[(suite, test)]
        if status_ == "PASSED" and asserts > 0:
            # under AddressSanitizer, a leak shows only in what the test printed at its end
            leaked = leak_report(rerun_alone(binary, suite, test)[0]) if sanitized and "LeakSanitizer" in text else []
            outcomes.append(Outcome(suite, test, "failed", leaked) if leaked else Outcome(suite, test, "passed"))
            continue
        if status_ == "TIMEOUT":
            outcomes.append(Outcome(suite, test, "timed out", [
                "it ran past its time limit: look for a loop that never ends"]))
            continue
        printed_all, printed, dropped = rerun_alone(binary, suite, test)
        todo = re.search(re.escape(TODO_MARKER) + r"(\S+) \((.*?)\)", printed_all)
        exited = re.search(re.escape(EXIT_MARKER) + r"(-?\d+)", printed_all)
        sanitizer = sanitizer_report(printed_all) if sanitized else []
        if todo:
            outcomes.append(Outcome(suite, test, "not started",
                                    [f"{todo.group(1)} is still TODO ({todo.group(2)})"]))
        elif sanitizer:
            outcomes.append(Outcome(suite, test, "crashed", sanitizer))
        elif status_ == "CRASHED":
            # Criterion runs the test in a child process: gdb must follow the fork
            debug_bin = os.path.relpath(binary, ROOT).replace("build/", "build/debug/", 1)
            outcomes.append(Outcome(suite, test, "crashed", [
                "the process died (a NULL pointer or out-of-bounds access?). Find the line with",
                f"  make check-{lesson_id_of(binary)} SAN=1      (AddressSanitizer names it), or in gdb:",
                f"  make check-{lesson_id_of(binary)} DEBUG=1; gdb -ex 'set follow-fork-mode child' "
                f"-ex 'handle SIGSTOP nostop noprint' -ex 'handle SIGCONT nostop noprint' -ex run "
                f"--args {debug_bin} --filter={suite}/{test} --jobs=1"]))
        else:
            detail = clean_message(message)
            errors = [l for l in printed_all.splitlines() if l.startswith(("error:", "  hint:"))]
            if not detail and errors:
                detail = ["the program stopped with an error:"] + errors
            elif not detail and exited:
                detail = [f"the test ended before it finished checking: your code called exit({exited.group(1)}). "
                          "An exercise function returns to its caller; it never ends the program."]
            elif not detail and status_ == "PASSED":
                detail = ["the test ended before checking anything: does your code call exit()?"]
            if printed:  # the learner's own printf debugging, shown next to the failure
                more = [f"{len(printed) - 12} more lines"] if len(printed) > 12 else []
                more += [f"{dropped} more bytes not kept"] if dropped else []
                shown = printed[:12] + ([f"... ({' and '.join(more)})"] if more else [])
                detail += ["your code printed:"] + ["  " + l for l in shown]
            outcomes.append(Outcome(suite, test, "failed", detail or ["failed without a message"]))
    return outcomes


# ---------------------------------------------------------------- grading a lesson

def given_objects(b, lesson):
    """With --given: the lesson's given files named by --replace, compiled."""
    objs, problems = [], []
    for shown, path in b.replace.items():
        obj = os.path.join(b.build, "grade", "given", shown[:-2] + ".o")
        ok, out = b.compile(os.path.abspath(path), obj)
        if not ok:
            problems.append(f"{shown} does not compile:\n{out}")
        objs.append(obj)
    return objs, problems


def grade_lesson(b, lessons, lesson, mode, mine, pristine_dir, report=True):
    """Build and run one lesson's tests. Returns (passed, total, outcomes, problems)."""
    tests = lesson.test_sources(given=b.given)
    if b.given:
        objs, problems = given_objects(b, lesson)
    else:
        objs, problems = learner_objects(b, lessons, lesson, mode, mine, pristine_dir, report)

    def none_ran(reason):
        # nothing runs: every test of the lesson, as written in its files, counts as failed
        missed = [Outcome(suite, test, "failed", [reason]) for src in tests for suite, test in source_order(src)]
        return 0, len(missed), missed, problems

    if problems:
        return none_ran("did not run (see above)")
    outcomes = []
    for src in tests:
        stem = os.path.basename(src)[:-2]
        tobj = os.path.join(b.build, "grade", "tests", lesson.folder, stem + ".o")
        ok, out = b.compile(src, tobj)
        if not ok:
            die(f"the test file {os.path.relpath(src, ROOT)} does not compile:\n{out}")
        binary = os.path.join(b.build, "grade", mode, lesson.folder, stem)
        ok, out = b.link_test([tobj] + objs, binary)
        if not ok:
            problems.append("linking failed:\n" + out.strip())
            return none_ran("did not run (see above)")
        order = source_order(src)
        try:
            found = run_tests(binary, binary + ".xml", b.sanitized)
        except StartFailure as e:
            problems.append(str(e))
            return none_ran("did not run (see above)")
        outcomes += sorted(found, key=lambda o: order.get((o.suite, o.test), len(order)))
    passed = sum(o.kind == "passed" for o in outcomes)
    return passed, len(outcomes), outcomes, problems


MARKS = {"passed": ("passed", GREEN), "failed": ("FAILED", RED), "crashed": ("CRASHED", RED),
         "timed out": ("TIMED OUT", RED), "not started": ("not started", DIM)}


def print_report(lesson, passed, total, outcomes, problems, mode):
    where = {"learner": "your files", "reference": "the reference", "pristine": "the pristine skeletons"}[mode]
    print(paint(f"{lesson.title}  ({lesson.folder}, {where})", BOLD))
    for p in problems:
        print(paint("  ! " + p, RED))
    if problems:
        outcomes = []  # nothing ran: one line says so instead of a line per test
        print(f"  none of the {total} tests ran")
    hinted, i = [], 0
    while i < len(outcomes):
        o = outcomes[i]
        # a run of not-started tests of one exercise, all stopped by the same TODO: one line
        j = i + 1
        while (o.kind == "not started" and j < len(outcomes) and outcomes[j].kind == o.kind
               and outcomes[j].suite == o.suite and outcomes[j].detail == o.detail):
            j += 1
        label, color = MARKS[o.kind]
        name = f"{o.suite}/{o.test}" if j == i + 1 else f"{o.suite} ({j - i} tests)"
        print(f"  {paint(f'{label:<11}', color)} {name}")
        for line in o.detail:
            print(paint(f"              {line}", DIM if o.kind == "not started" else ""))
        if o.kind != "passed" and o.suite not in hinted:
            hinted.append(o.suite)
        i = j
    pct = 100.0 * passed / total if total else 0.0
    print(paint(f"{lesson.title}  {passed}/{total}  ({pct:.0f}%)", BOLD + ";" + (GREEN if passed == total and total else YELLOW)))
    if hinted and mode == "learner":
        hinted[0] = next_exercise(outcomes, hinted)
        print(f"Next: the {hinted[0]} exercise. Stuck? `make hint-{lesson.id} EX={hinted[0]}` "
              f"reveals a hint, one tier at a time.")


def blame_earlier_lessons(b, lessons, lesson, outcomes):
    """MINE=1 links the learner's earlier lessons too. For tests that fail so
    but pass with the reference's earlier lessons, find whose code breaks
    them: grade again with one earlier lesson of the learner's at a time.
    Returns sentences for the report."""
    failing = {(o.suite, o.test) for o in outcomes if o.kind not in ("passed", "not started")}
    if not failing:
        return []
    _, _, alone, _ = grade_lesson(b, lessons, lesson, "learner", False, None, report=False)
    suspects = failing & {(o.suite, o.test) for o in alone if o.kind == "passed"}
    if not suspects:
        return []
    said = []
    for earlier in [l for l in lessons if l.index < lesson.index]:
        _, _, got, problems = grade_lesson(b, lessons, lesson, "learner", [earlier], None, report=False)
        broken = sorted(t for t in suspects if any((o.suite, o.test) == t and o.kind != "passed" for o in got))
        if broken and not problems:
            names = ", ".join(f"{s}/{t}" for s, t in broken[:3]) + (" ..." if len(broken) > 3 else "")
            said.append(f"{names} fail(s) because of your {earlier.title} code, not this lesson's: "
                        f"`make check-{earlier.id}` shows what to fix there.")
            suspects -= set(broken)
        if not suspects:
            break
    return said


def next_exercise(outcomes, failing):
    """The exercise to work on next: the first with a test that does not pass,
    unless its failures point at a later failing exercise (a composite whose
    message says "check the mse suite"): then that one, whose own test fails."""
    first = failing[0]
    said = " ".join(l for o in outcomes if o.suite == first and o.kind != "passed" for l in o.detail)
    if any(o.suite == first and o.kind == "not started" for o in outcomes):
        return first
    for later in failing[1:]:
        if re.search(r"\b" + re.escape(later) + r"\b", said):
            return later
    return first


def count_todos(lesson):
    n = 0
    for name in lesson.exercise_names():
        path = os.path.join(ROOT, lesson.folder, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                n += f.read().count("TODO_UNIMPLEMENTED()")
    return n


# ---------------------------------------------------------------- demos

def demo_objects(b, lessons, lesson, mode, mine):
    objs, problems = learner_objects(b, lessons, lesson, mode, mine, None, report=True)
    for p in problems:
        print(paint("! " + p, RED), file=sys.stderr)
    if problems:
        sys.exit(1)
    return objs


def link_demo(b, lessons, src, out, mode, mine):
    folder = os.path.relpath(os.path.dirname(os.path.abspath(src)), ROOT)
    lesson = find_lesson(lessons, folder)
    objs = demo_objects(b, lessons, lesson, mode, mine)
    dobj = os.path.join(b.build, "obj", os.path.relpath(os.path.abspath(src), ROOT)[:-2] + ".o")
    ok, msg = b.compile(src, dobj)
    if msg.strip():
        print(msg.rstrip(), file=sys.stderr)
    if not ok:
        sys.exit(1)
    ok, msg = b.link([dobj] + objs, out)
    if not ok:
        print(msg, file=sys.stderr)
        sys.exit(1)


def run_demo(b, lessons, lesson, mode, mine, extra_args, quiet=False):
    sources = lesson.demo_sources()
    if not sources:
        die(f"{lesson.folder} has no demo yet")
    code = 0
    for src in sources:
        stem = os.path.basename(src)[:-2]
        out = os.path.join(b.build, "bin", mode, lesson.folder, stem)
        link_demo(b, lessons, src, out, mode, mine)
        shown = f"$ {os.path.relpath(out, ROOT)} {' '.join(extra_args)}"
        if not quiet:
            print(paint(shown, DIM), flush=True)
        todo_report = os.path.join(b.build, "todo-reached.txt")
        if os.path.exists(todo_report):
            os.remove(todo_report)
        p = run_interruptible([out] + extra_args, quiet, {"LLMLAB_TODO_REPORT": todo_report})
        if quiet and p.returncode != 0:
            print(shown + "\n" + p.stdout + p.stderr)
        if p.returncode == TODO_EXIT:
            owner = lesson
            if os.path.exists(todo_report):   # common/todo.c names the function's file
                with open(todo_report, encoding="utf-8", errors="replace") as f:
                    where = f.read().split()
                folder = where[1].split("/")[-2] if len(where) > 1 and "/" in where[1] else ""
                owner = next((l for l in lessons if l.folder == folder), lesson)
            print(paint(f"The demo reached code you have not written yet. `make check-{owner.id}` "
                        "shows what is left; `REF=1` runs the demo on the reference.", YELLOW))
        code = code or p.returncode
    return code


def run_interruptible(cmd, quiet, env=None):
    """Run a demo so that Ctrl-C reaches the demo alone: a training run saves a
    checkpoint when interrupted, and Python must not kill it while it does
    (subprocess.run kills its child 0.25 s after a KeyboardInterrupt)."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.run(cmd, cwd=ROOT, capture_output=quiet, text=True, errors="replace",
                              env=dict(os.environ, **(env or {})), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    finally:
        signal.signal(signal.SIGINT, old)


# ---------------------------------------------------------------- misc commands

def summarize_xml(path, label):
    results = parse_xml(path)
    skipped = [k for k, (status, _, _) in results.items() if status == "SKIPPED"]
    bad = [k for k, (status, _, _) in results.items() if status not in ("PASSED", "SKIPPED")]
    print(f"{label}: {len(results) - len(bad) - len(skipped)} passed, {len(bad)} failed"
          + (f", {len(skipped)} skipped" if skipped else ""))
    return 1 if bad else 0


def write_compdb(b, lessons, out):
    """compile_commands.json for clangd and friends: every C file of the
    course with the flags its build uses (exercise files with the grader's
    extra ones)."""
    exercises = {os.path.join(ROOT, l.folder, n) for l in lessons for n in l.exercise_names()}
    entries = []
    for top in ["common", "solutions", "tools"] + [l.folder for l in lessons]:
        for d, dirs, names in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(x for x in dirs if x not in ("corpus", "__pycache__"))
            for n in sorted(names):
                if n.endswith(".c"):
                    f = os.path.join(d, n)
                    extra = list(EXERCISE_FLAGS) if f in exercises else []
                    entries.append({"directory": ROOT, "file": f, "arguments": b.cc + b.cflags + extra + ["-c", f]})
    with open(os.path.join(ROOT, out), "w", encoding="utf-8") as fh:
        json.dump(entries, fh, indent=1)
    print(f"wrote {out} ({len(entries)} files)")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lessons", nargs="*", help="lesson ids (day1, day1.5, week2, ...)")
    ap.add_argument("--all", action="store_true", help="every lesson that exists so far")
    ap.add_argument("--build", default="build")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", default="")
    ap.add_argument("--ldlibs", default="")
    ap.add_argument("--mine", action="store_true", help="link your own earlier lessons too")
    ap.add_argument("--reference", action="store_true", help="grade the reference itself")
    ap.add_argument("--pristine", metavar="DIR", help="grade pristine skeletons derived into DIR")
    ap.add_argument("--replace", metavar="FILE=PATH", action="append",
                    help="with --reference: use PATH for exercise FILE (day01_autograd/value.c), "
                         "the reference for the rest (tools/mutants.py)")
    ap.add_argument("--given", action="store_true",
                    help="run the tests of the lesson's given code (tests/given/), with --replace'd given files")
    ap.add_argument("--expect", choices=["all-pass", "none-pass"])
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="print only the total line")
    ap.add_argument("--json", metavar="FILE", help="also write the outcomes as JSON (for hint.py)")
    ap.add_argument("--link-demo", metavar="SRC")
    ap.add_argument("-o", dest="out")
    ap.add_argument("--run-demo", metavar="LESSON")
    ap.add_argument("--run-demo-smoke", action="store_true")
    ap.add_argument("--summarize-xml", nargs=2, metavar=("XML", "LABEL"))
    ap.add_argument("--compdb", metavar="FILE")
    argv = argv[1:]
    passthrough = []  # after "--": arguments for the demo itself
    if "--" in argv:
        passthrough = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args, extra = ap.parse_known_args(argv)
    extra += passthrough

    if args.summarize_xml:
        return summarize_xml(*args.summarize_xml)
    b = Builder(args)
    lessons = load_lessons()
    mode = "reference" if args.reference else "pristine" if args.pristine else "learner"
    if args.compdb:
        write_compdb(b, lessons, args.compdb)
        return 0
    if args.link_demo:
        link_demo(b, lessons, args.link_demo, args.out, mode, args.mine)
        return 0
    if args.run_demo:
        return run_demo(b, lessons, find_lesson(lessons, args.run_demo), mode, args.mine, extra)
    if extra:
        die(f"unknown arguments: {' '.join(extra)}")

    targets = lessons if args.all else [find_lesson(lessons, n) for n in args.lessons]
    if not targets:
        die("name a lesson, e.g. `make check-day1`")

    if args.run_demo_smoke:
        smoke_dir = os.path.join(b.build, "smoke-runs")
        code = 0
        for lesson in targets:
            if lesson.demo_sources():
                c = run_demo(b, lessons, lesson, "reference", False, ["--quick", "--runs", smoke_dir],
                             quiet=True)
                print(f"demo smoke test of {lesson.folder}: {'ok' if c == 0 else f'exit {c}'}")
                code = code or c
        return code

    if args.progress:
        width = max(len(l.title) for l in targets) + 2
        print(paint(f"{'lesson':<{width}} {'tests passed':>12}   TODOs left", BOLD))
        for lesson in targets:
            passed, total, _, problems = grade_lesson(b, lessons, lesson, mode, args.mine, None, report=False)
            todos = count_todos(lesson)
            state = "done" if total and passed == total else "not started" if passed == 0 and not problems else "in progress"
            if problems:
                state = "does not build"
            color = GREEN if state == "done" else RED if problems else YELLOW if passed else DIM
            print(f"{lesson.title:<{width}} {passed:>6}/{total:<5} {todos:>10}   {paint(state, color)}")
        print(f"\nGrade one lesson with `make check-<id>` ({', '.join(l.id for l in lessons)}).")
        return 0

    status = 0
    summary = {}
    for lesson in targets:
        passed, total, outcomes, problems = grade_lesson(b, lessons, lesson, mode, args.mine,
                                                         args.pristine, report=not args.quiet)
        summary[lesson.id] = {"problems": problems, "outcomes": [
            {"suite": o.suite, "test": o.test, "kind": o.kind, "detail": o.detail} for o in outcomes]}
        if args.quiet:
            print(f"{lesson.title}  {passed}/{total}")
        else:
            print_report(lesson, passed, total, outcomes, problems, mode)
            if args.mine and mode == "learner" and not problems:
                for line in blame_earlier_lessons(b, lessons, lesson, outcomes):
                    print(paint("MINE=1: " + line, YELLOW))
        if mode == "learner" and not args.expect and (problems or total == 0 or passed != total):
            status = 1   # make check-X fails unless every test passes
        if args.expect == "all-pass" and (problems or total == 0 or passed != total):
            print(paint(f"expected every test of {lesson.folder} to pass on the {mode}", RED))
            status = 1
        if args.expect == "none-pass":
            if passed:
                print(paint(f"{passed} test(s) of {lesson.folder} pass on the pristine skeleton: "
                            "such a test cannot tell a learner anything", RED))
                status = 1
            if problems or total == 0:
                print(paint(f"the pristine skeleton of {lesson.folder} must build and run its tests", RED))
                status = 1
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:   # `make check-day1 | head`: the reader left
        sys.stderr.close()
        sys.exit(1)
