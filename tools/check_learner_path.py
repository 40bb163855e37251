#!/usr/bin/env python3
"""The learner's loop, tried as a learner tries it (part of `make test`).

For every lesson of tools/lessons.tsv, with the very commands a learner
types, in the default build:

1. on the committed (pristine) skeletons, `make check-<id>` reports every
   test "not started", 0/N, and exits non-zero; `make progress` agrees;
2. on the solved course (every skeleton replaced by its reference, as the
   branch `make solution-branch` makes), in a fresh copy with its own build,
   `make check-<id>` reports N/N with the same N and exits 0; `make progress`
   says "done" for every lesson; `make demo MINE=1 ARGS=--quick` runs the
   main job on nothing but the learner's files.

A flag only CI sets could make CI test something else than a learner runs,
so none is passed: make is started as if typed (no MAKEFLAGS, MAKELEVEL 0).
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons as lesson_list  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_LINE = re.compile(r"^  (passed|FAILED|CRASHED|TIMED OUT|not started)\s+(\S+)(?: \((\d+) tests\))?")


def learner_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMERR", "MAKE_TERMOUT")}
    env["NO_COLOR"] = "1"
    return env


def make(tree, *goals):
    """Run `make GOALS` in tree as a learner would; (exit status, output)."""
    p = subprocess.run(["make", *goals], cwd=tree, env=learner_env(), capture_output=True, text=True,
                       errors="replace", timeout=1800)
    return p.returncode, p.stdout + p.stderr


def parse_check(out, title):
    """(passed, total, {kind: count}, problem lines) of a `make check-X` report."""
    kinds, problems = {}, [l for l in out.splitlines() if l.startswith("  ! ") or "none of the" in l]
    for line in out.splitlines():
        m = TEST_LINE.match(line)
        if m:
            kinds[m.group(1)] = kinds.get(m.group(1), 0) + int(m.group(3) or 1)
    m = re.search(re.escape(title) + r"  (\d+)/(\d+)  \(", out)
    if not m:
        return None, None, kinds, problems + ["no total line"]
    return int(m.group(1)), int(m.group(2)), kinds, problems


def parse_progress(out, lessons):
    """{lesson id: (passed, total, state)} from `make progress`."""
    rows = {}
    for ident, _, title in lessons:
        m = re.search(r"^" + re.escape(title) + r"\s+(\d+)/(\d+)\s+\d+\s+(.+?)\s*$", out, re.M)
        rows[ident] = (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None
    return rows


def solved_copy(dest):
    """A copy of the working tree with every skeleton replaced by its
    reference: the content of the branch `make solution-branch` makes (the
    same rule: solutions/<lesson>/<file>.c -> <lesson>/<file>.c), taken from
    the working tree so that uncommitted work is tested too."""
    shutil.rmtree(dest, ignore_errors=True)
    try:
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        files = [os.path.relpath(os.path.join(d, n), ROOT) for d, dirs, names in os.walk(ROOT)
                 for n in names if not os.path.relpath(d, ROOT).split(os.sep)[0] in ("build", "data", "runs", ".git")]
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if rel.startswith(("build/", "runs/")) or not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    n = 0
    for lesson in sorted(os.listdir(os.path.join(ROOT, "solutions"))):
        ldir = os.path.join(ROOT, "solutions", lesson)
        for name in sorted(os.listdir(ldir)) if os.path.isdir(ldir) else []:
            if name.endswith(".c"):
                shutil.copy2(os.path.join(ldir, name), os.path.join(dest, lesson, name))
                n += 1
    data = os.path.join(ROOT, "data")
    if os.path.isdir(data):  # prepared data is the learner's too (make data), not part of the course
        os.symlink(data, os.path.join(dest, "data"))
    return n


def main():
    lessons = lesson_list.load(ROOT)
    bad = []

    def expect(cond, what, out=""):
        if not cond:
            bad.append(what)
            print(f"  FAIL  {what}")
            if out:
                print("        " + "\n        ".join(out.rstrip().splitlines()[-25:]))
        return cond

    totals = {}
    print("learner path: the pristine skeletons, `make check-<id>` in the course folder")
    for ident, folder, title in lessons:
        status, out = make(ROOT, f"check-{ident}")
        passed, total, kinds, problems = parse_check(out, title)
        totals[ident] = total
        ok = (expect(not problems, f"{ident}: the pristine skeleton does not build or run", out)
              and expect(total and passed == 0 and kinds.get("not started") == total,
                         f"{ident}: expected 0/N, every test 'not started'; got {passed}/{total} {kinds}", out)
              and expect(status != 0, f"{ident}: make check-{ident} exited 0 with tests to do", out))
        if ok:
            print(f"  ok    {ident:<6} 0/{total}, every test not started, " + (f"exit status {status}" if status > 0 else f"make stopped quietly (signal {-status})"))
    status, out = make(ROOT, "progress")
    rows = parse_progress(out, lessons)
    for ident, _, _ in lessons:
        expect(rows[ident] and rows[ident][0] == 0 and rows[ident][1] == totals[ident]
               and rows[ident][2] == "not started", f"make progress, pristine: {ident} reads {rows[ident]}", out)
    if all(rows.values()):
        print(f"  ok    make progress: {len(lessons)} lessons, all not started")

    tree = os.path.join(ROOT, "build", "learner-path", "solved")
    n = solved_copy(tree)
    print(f"learner path: the solved course ({n} skeletons replaced by their reference), "
          f"in a fresh copy, {os.path.relpath(tree, ROOT)}")
    status, out = make(tree, "-j2", "lib")
    if not expect(status == 0, "make lib in the solved copy", out):
        return 1
    for ident, folder, title in lessons:
        status, out = make(tree, f"check-{ident}")
        passed, total, kinds, problems = parse_check(out, title)
        if (expect(not problems and passed == total == totals[ident] and status == 0,
                   f"{ident}: expected {totals[ident]}/{totals[ident]} and exit 0 on the solution; "
                   f"got {passed}/{total}, exit {status}", out)):
            print(f"  ok    {ident:<6} {total}/{total}, exit status 0")
    status, out = make(tree, "progress")
    rows = parse_progress(out, lessons)
    for ident, _, _ in lessons:
        expect(rows[ident] and rows[ident][0] == rows[ident][1] == totals[ident] and rows[ident][2] == "done",
               f"make progress, solved: {ident} reads {rows[ident]}", out)
    if all(r and r[2] == "done" for r in rows.values()):
        print(f"  ok    make progress: {len(lessons)} lessons, all done")
    status, out = make(tree, "demo", "MINE=1", "ARGS=--quick")
    if expect(status == 0, "make demo MINE=1 ARGS=--quick on the solved course", out):
        print("  ok    make demo MINE=1 ARGS=--quick")
    print(f"learner path: {'all checks passed' if not bad else f'{len(bad)} problem(s)'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
