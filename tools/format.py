#!/usr/bin/env python3
"""Check or apply the course's C layout (.clang-format at the root).

    format.py            list the C files clang-format would change; exit 1 if any (make check-format)
    format.py --fix      reformat them in place, and re-derive the learner-mistake
                         hunks in tools/mutants/*.txt whose old text the new layout moved

Every C file git knows is checked except the learners' skeletons, which
tools/skeletonize.py derives from the (formatted) references. The layout is
pinned to one clang-format major version (FORMAT_VERSION): another version
lays out a few lines differently, so with another one the check says so and
skips rather than failing a learner's `make test` on a tool version.

A mutant (tools/mutants.py) names the exact reference text it changes. When
--fix moves that text, the mutated file is formatted too and the mutant's
edits become the changed lines of the two formatted files, widened by
context lines until each occurs exactly once.
"""
import difflib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutants as mutant_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMAT_VERSION = 14


def clang_format():
    """Path of a clang-format of FORMAT_VERSION, or (None, why not)."""
    for name in (f"clang-format-{FORMAT_VERSION}", "clang-format"):
        path = shutil.which(name)
        if not path:
            continue
        out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"version (\d+)", out)
        if m and int(m.group(1)) == FORMAT_VERSION:
            return path, None
        found = out.strip()
    if "found" in locals():
        return None, f"the layout is pinned to clang-format {FORMAT_VERSION}; found {found}"
    return None, "clang-format is not installed (sudo apt-get install clang-format, or make setup)"


def c_files():
    """Tracked .c/.h files, minus the skeletons generated from solutions/."""
    out = subprocess.run(["git", "ls-files", "*.c", "*.h"], cwd=ROOT, capture_output=True, text=True, check=True)
    generated = set()
    for dirpath, _, names in os.walk(os.path.join(ROOT, "solutions")):
        for n in names:
            if n.endswith((".c", ".h")):
                generated.add(os.path.relpath(os.path.join(dirpath, n), os.path.join(ROOT, "solutions")))
    return [f for f in out.stdout.split() if f not in generated and os.path.exists(os.path.join(ROOT, f))]


def formatted(tool, rel, text):
    """text laid out as clang-format would lay out the file rel."""
    return subprocess.run([tool, f"--assume-filename={rel}", "--style=file"], input=text, capture_output=True,
                          text=True, check=True, cwd=ROOT).stdout


def unique_hunks(before, after):
    """[(old, new)]: one edit turning before into after, its old text occurring once in before."""
    a, b = before.split("\n"), after.split("\n")
    edits = []
    changed = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    # one hunk from the first change to the last: hunks applied in turn could meet an earlier one's new text
    regions = [(None, changed[0][1], changed[-1][2], changed[0][3], changed[-1][4])] if changed else []
    for _, i1, i2, j1, j2 in regions:
        lo, hi, pad = i1, i2, 0
        while True:
            old = "\n".join(a[lo:hi])
            if hi > lo and before.count(old) == 1:
                break
            pad += 1
            lo, hi = max(0, i1 - pad), min(len(a), i2 + pad)
        new = "\n".join(a[lo:i1] + b[j1:j2] + a[i2:hi])
        edits.append((old, new))
    return edits


def rederive_mutants(tool, new_text):
    """Rewrite the mutant files whose edits no longer apply to new_text {rel: formatted text}."""
    for name in sorted(os.listdir(mutant_file.MUTANTS)):
        path = os.path.join(mutant_file.MUTANTS, name)
        lines = open(path, encoding="utf-8").read().split("\n")
        changed = False
        # rebuild the file mutant by mutant: keep every line outside a mutant's edits
        out, i = [], 0
        for m in mutant_file.parse(path):
            start = m.line - 1
            first = next(k for k in range(start, len(lines)) if lines[k].startswith("<<<< "))
            last = first
            for _ in m.edits:
                last = lines.index(">>>>", last + (0 if last == first else 1))
            files = {}
            for rel, _, _ in m.edits:
                files.setdefault(rel, open(os.path.join(ROOT, rel), encoding="utf-8").read())
            stale = any(rel in new_text and new_text[rel].count(old) != 1 for rel, old, _ in m.edits)
            out += lines[i:first]
            if not stale:
                out += lines[first:last + 1]
            else:
                changed = True
                for rel, text in files.items():
                    mutated = text
                    for r, old, new in m.edits:
                        if r == rel:
                            mutated = mutated.replace(old, new)
                    after = formatted(tool, rel, mutated)
                    for old, new in unique_hunks(new_text.get(rel, text), after):
                        out += [f"<<<< {rel}"] + old.split("\n") + ["===="] + new.split("\n") + [">>>>"]
                print(f"format: re-derived mutant '{m.title}' ({name})")
            i = last + 1
        out += lines[i:]
        if changed:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(out))


def main(argv):
    fix = "--fix" in argv
    tool, why = clang_format()
    if not tool:
        print(f"format: skipped: {why}")
        return 0 if not fix else 1
    todo = {}
    for rel in c_files():
        text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        want = formatted(tool, rel, text)
        if want != text:
            todo[rel] = want
    if not fix:
        for rel in todo:
            print(f"format: {rel} is not laid out as .clang-format says")
        if todo:
            print(f"hint: run `python3 tools/format.py --fix` ({len(todo)} file(s)), then `make skeletons`")
        return 1 if todo else 0
    rederive_mutants(tool, todo)
    for rel, text in todo.items():
        with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"format: {len(todo)} file(s) reformatted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
