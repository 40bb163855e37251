#!/usr/bin/env python3
"""Learner mistakes, applied to the reference: each must fail a test that names the function.

    mutants.py                 every mutant of every lesson (make mutants)
    mutants.py day3 week2      the mutants of these lessons
    mutants.py --only gelu     the mutants whose title contains "gelu"
    mutants.py --list          print the mutants, run nothing

A mutant is a small edit of a reference file that a learner could plausibly
make (`=` for `+=`, a buffer not cleared, `>=` for `>`, an off-by-one, a
fast path without its scale). tools/mutants/<lesson folder>.txt lists them:

    ## gelu_backward assigns (=) instead of adding (+=)
    blame: gelu_backward
    <<<< solutions/day04_transformer/transformer.c
            dinp[i] += dout[i] * ...;
    ====
            dinp[i] = dout[i] * ...;
    >>>>

A mutant may have several `<<<< FILE ... ==== ... >>>>` edits; the old text
of each must occur exactly once in FILE (else the mutant is stale: fix it).
The grader then grades the lesson with the mutated file in place of the
reference (grade.py --reference --replace). A mutant of a lesson's given file
(`<lesson>/<file>.c`, e.g. attention_fast.c) is run against the tests of
the given code (tests/given/) instead. The mutant is *caught* when at
least one test fails and the failing tests' names or messages contain one of
the `blame:` words: the learner is told which function is at fault.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons as lesson_list  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MUTANTS = os.path.join(ROOT, "tools", "mutants")


class Mutant:
    def __init__(self, title, source, line):
        self.title, self.source, self.line = title, source, line
        self.blame, self.edits = [], []   # edits: [(file, old, new)]

    def where(self):
        return f"{os.path.relpath(self.source, ROOT)}:{self.line}"


def parse(path):
    """[Mutant] of one file; raises ValueError on a malformed file."""
    mutants, cur, edit, part = [], None, None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines, 1):
        if edit is not None:
            if line == "====" and part == "old":
                part = "new"
            elif line == ">>>>":
                if part != "new":
                    raise ValueError(f"{path}:{no}: '>>>>' before '===='")
                cur.edits.append((edit[0], "\n".join(edit[1]), "\n".join(edit[2])))
                edit = part = None
            else:
                edit[1 if part == "old" else 2].append(line)
            continue
        if line.startswith("## "):
            cur = Mutant(line[3:].strip(), path, no)
            mutants.append(cur)
        elif line.startswith("blame:") and cur:
            cur.blame += line[6:].split()
        elif line.startswith("<<<< ") and cur:
            edit, part = (line[5:].strip(), [], []), "old"
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"{path}:{no}: expected '## title', 'blame: f', '<<<< FILE' or a # comment")
    if edit is not None:
        raise ValueError(f"{path}: an edit is never closed with '>>>>'")
    for m in mutants:
        if not m.edits or not m.blame:
            raise ValueError(f"{m.where()}: '{m.title}' needs a blame: line and at least one edit")
    return mutants


def apply(mutant, outdir):
    """Write the mutated files under outdir; return {shown name: path} for the grader."""
    texts = {}
    for rel, old, new in mutant.edits:
        if rel not in texts:
            with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
                texts[rel] = f.read()
        n = texts[rel].count(old)
        if n != 1:
            raise ValueError(f"{mutant.where()}: the old text occurs {n} times in {rel} (stale mutant?):\n{old}")
        texts[rel] = texts[rel].replace(old, new)
    replace = {}
    for rel, text in texts.items():
        m = re.match(r"solutions/(.+\.c)$", rel) or re.match(r"((?!solutions/)[^/]+/[^/]+\.c)$", rel)
        if not m:
            raise ValueError(f"{mutant.where()}: {rel} is neither an exercise file (solutions/<lesson>/<file>.c) "
                             "nor a lesson's given file (<lesson>/<file>.c)")
        path = os.path.join(outdir, m.group(1))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        replace[m.group(1)] = path
    return replace


def run(mutant, lesson_id, grade_cmd, outdir):
    """(caught, what the learner would read first) for one mutant."""
    replace = apply(mutant, outdir)
    report = os.path.join(outdir, "report.json")
    if os.path.exists(report):
        os.remove(report)
    given = not any(rel.startswith("solutions/") for rel, _, _ in mutant.edits)
    cmd = shlex.split(grade_cmd) + ["--reference", "--quiet", "--json", report, lesson_id] + (["--given"] if given else [])
    for shown, path in replace.items():
        cmd += ["--replace", f"{shown}={path}"]
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(report):
        return False, "the grader wrote no report"
    result = json.load(open(report, encoding="utf-8"))[lesson_id]
    if result["problems"]:
        return True, "does not build: " + result["problems"][0].splitlines()[0]
    failed = [o for o in result["outcomes"] if o["kind"] != "passed"]
    if not failed:
        return False, f"all {len(result['outcomes'])} tests pass"
    for o in failed:
        text = " ".join([o["suite"], o["test"]] + o["detail"])
        if any(word in text for word in mutant.blame):
            first = o["detail"][0] if o["detail"] else o["kind"]
            return True, f"{o['suite']}/{o['test']}: {first}"
    o = failed[0]
    return False, (f"fails {len(failed)} test(s) but none names {' or '.join(mutant.blame)}; first: "
                   f"{o['suite']}/{o['test']}: {(o['detail'] or [o['kind']])[0]}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lessons", nargs="*")
    ap.add_argument("--only", help="only mutants whose title contains this text")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--grade", default=os.environ.get("LLMLAB_GRADE", ""),
                    help="the grader command with the build's flags (the Makefile passes it)")
    ap.add_argument("--build", default="build")
    args = ap.parse_args(argv[1:])
    lessons = lesson_list.load(ROOT)
    if args.lessons:
        unknown = set(args.lessons) - {i for i, _, _ in lessons}
        if unknown:
            sys.exit(f"mutants: no lesson {', '.join(sorted(unknown))}")
        lessons = [l for l in lessons if l[0] in args.lessons]
    if not args.grade and not args.list:
        sys.exit("mutants: run it through `make mutants` (it passes the grader command)")
    missed = total = 0
    shutil.rmtree(os.path.join(ROOT, args.build, "mutants"), ignore_errors=True)
    for lesson_id, folder, title in lessons:
        path = os.path.join(MUTANTS, folder + ".txt")
        if not os.path.exists(path):
            continue
        try:
            mutants = parse(path)
        except ValueError as e:
            sys.exit(f"mutants: {e}")
        for m in mutants:
            if args.only and args.only not in m.title:
                continue
            total += 1
            if args.list:
                print(f"{lesson_id:<6} {m.title}")
                continue
            outdir = os.path.join(ROOT, args.build, "mutants", f"{folder}-{m.line}")
            try:
                caught, why = run(m, lesson_id, args.grade, outdir)
            except ValueError as e:
                caught, why = False, str(e)
            missed += not caught
            print(f"{'caught' if caught else 'MISSED':<7} {lesson_id:<6} {m.title}\n        {why}", flush=True)
    if not args.list:
        print(f"mutants: {total - missed} of {total} caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
