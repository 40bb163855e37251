#!/usr/bin/env python3
"""Derive the learner's skeleton files from the fenced reference files.

Every exercise file exists once, as the reference solutions/<lesson>/<file>.c.
Inside a function, the learner's part is fenced:

        /* TODO(day1): what to do, in a sentence or three */
        /* BEGIN SOLUTION */
        ...reference code...
        /* END SOLUTION */

The skeleton <lesson>/<file>.c is the same file with each fenced block
replaced by `TODO_UNIMPLEMENTED();` at the same indentation. A fence that
starts at column 0 (outside any function) holds helpers only the reference
needs; it disappears from the skeleton.

    skeletonize.py write     derive every skeleton; never overwrite one a learner edited
    skeletonize.py check     fail if a committed skeleton differs from its derivation
    skeletonize.py derive D  write pristine skeletons under directory D (for the test suite)

solutions/SKELETONS.sha256 records the hash of each skeleton as last derived:
a skeleton whose hash differs from it has been edited by a learner, and
`write` leaves it alone.
"""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOLUTIONS = os.path.join(ROOT, "solutions")
MANIFEST = os.path.join(SOLUTIONS, "SKELETONS.sha256")
BEGIN, END = "/* BEGIN SOLUTION */", "/* END SOLUTION */"
STUB = "TODO_UNIMPLEMENTED();"


class FenceError(Exception):
    pass


def derive(text, path="<text>"):
    """Return the skeleton for a reference file's text."""
    out, fence_start, indent = [], None, ""
    lines = text.split("\n")
    for no, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if fence_start is not None:
                raise FenceError(f"{path}:{no}: BEGIN SOLUTION inside the fence opened at line {fence_start}")
            fence_start, indent = no, line[: len(line) - len(line.lstrip())]
            if indent:
                before = "\n".join(out[-40:])
                todo = before.rfind("TODO(")
                # the TODO comment must be the last thing before the fence
                if todo < 0 or not before.rstrip().endswith("*/") or "*/" in before[todo:].rstrip()[:-2]:
                    raise FenceError(f"{path}:{no}: an exercise fence must follow a TODO(...) comment "
                                     "that tells the learner what to write")
                out.append(indent + STUB)
        elif stripped == END:
            if fence_start is None:
                raise FenceError(f"{path}:{no}: END SOLUTION without BEGIN SOLUTION")
            fence_start = None
        elif BEGIN in line or END in line:
            raise FenceError(f"{path}:{no}: a fence marker must be alone on its line")
        elif fence_start is None:
            out.append(line)
    if fence_start is not None:
        raise FenceError(f"{path}:{fence_start}: BEGIN SOLUTION is never closed")
    text = "\n".join(out)
    while "\n\n\n" in text:  # a removed top-level fence leaves no double blank line
        text = text.replace("\n\n\n", "\n\n")
    return text


def exercise_files():
    """(reference path, skeleton path), both relative to the root, for every exercise file."""
    pairs = []
    for lesson in sorted(os.listdir(SOLUTIONS)):
        ldir = os.path.join(SOLUTIONS, lesson)
        if not os.path.isdir(ldir):
            continue
        for name in sorted(os.listdir(ldir)):
            if name.endswith(".c"):
                pairs.append((f"solutions/{lesson}/{name}", f"{lesson}/{name}"))
    return pairs


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def load_manifest():
    entries = {}
    if os.path.exists(MANIFEST):
        for line in read("solutions/SKELETONS.sha256").splitlines():
            digest, rel = line.split(None, 1)
            entries[rel.strip()] = digest
    return entries


def save_manifest(entries):
    with open(MANIFEST, "w", encoding="utf-8") as f:
        for rel in sorted(entries):
            f.write(f"{entries[rel]}  {rel}\n")


def cmd_write():
    manifest, refused = load_manifest(), []
    for ref, skel in exercise_files():
        derived = derive(read(ref), ref)
        target = os.path.join(ROOT, skel)
        if os.path.exists(target):
            current = read(skel)
            if current == derived:
                manifest[skel] = sha256(derived)
                continue
            if manifest.get(skel) != sha256(current):
                refused.append(skel)
                continue
        with open(target, "w", encoding="utf-8") as f:
            f.write(derived)
        manifest[skel] = sha256(derived)
        print(f"derived {skel}")
    save_manifest(manifest)
    for skel in refused:
        print(f"skeletonize: {skel} holds edits (your work?), so it was not overwritten.\n"
              f"  To take the new skeleton: move your file aside, rerun, then merge your code back.",
              file=sys.stderr)
    return 1 if refused else 0


def cmd_check():
    manifest, problems = load_manifest(), []
    pairs = exercise_files()
    for ref, skel in pairs:
        derived = derive(read(ref), ref)
        if STUB not in derived:
            problems.append(f"{ref} has no exercise fence: it should not be in solutions/")
        if manifest.get(skel) != sha256(derived):
            problems.append(f"{skel}: solutions/SKELETONS.sha256 is stale: run `make skeletons`")
        if not os.path.exists(os.path.join(ROOT, skel)):
            problems.append(f"{skel} is missing: run `make skeletons`")
        elif read(skel) != derived:
            problems.append(f"{skel} differs from the derivation of {ref}.\n"
                            f"    Course developers: edit the reference and run `make skeletons`.\n"
                            f"    Learners: this is your own work; `make test` checks the pristine course,\n"
                            f"    grade yourself with `make check-<lesson>` instead.")
    for skel in sorted(set(manifest) - {s for _, s in pairs}):
        problems.append(f"solutions/SKELETONS.sha256 lists {skel}, which has no reference")
    for p in problems:
        print(f"skeleton check: {p}", file=sys.stderr)
    print(f"skeleton check: {len(pairs)} skeleton(s), {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_derive(outdir):
    for ref, skel in exercise_files():
        target = os.path.join(outdir, skel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        derived = derive(read(ref), ref)
        if not os.path.exists(target) or open(target, encoding="utf-8").read() != derived:
            with open(target, "w", encoding="utf-8") as f:
                f.write(derived)
    return 0


def main(argv):
    try:
        if len(argv) == 2 and argv[1] == "write":
            return cmd_write()
        if len(argv) == 2 and argv[1] == "check":
            return cmd_check()
        if len(argv) == 3 and argv[1] == "derive":
            return cmd_derive(argv[2])
    except FenceError as e:
        print(f"skeletonize: {e}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
